"""The role groups hold exactly the permissions of the role table."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission

from tests.factories.accounts import UserFactory
from uplift.apps.accounts.roles import ROLE_PERMISSIONS, Role
from uplift.apps.accounts.services import roles_ensure, user_roles_add, user_roles_remove

pytestmark = pytest.mark.django_db


def _codenames(group: Group) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }


def test_every_role_has_a_group_named_by_its_label():
    groups = roles_ensure()

    assert set(groups) == set(Role)
    assert sorted(Group.objects.values_list("name", flat=True)) == sorted(r.label for r in Role)
    assert groups[Role.PROCESS_GROUP].name == "Process group member"


def test_running_twice_changes_nothing():
    first = {role: _codenames(group) for role, group in roles_ensure().items()}
    group_count = Group.objects.count()
    permission_count = Permission.objects.count()

    second = {role: _codenames(group) for role, group in roles_ensure().items()}

    assert second == first
    assert Group.objects.count() == group_count
    assert Permission.objects.count() == permission_count


def test_permissions_added_by_hand_are_reset_to_the_table():
    groups = roles_ensure()
    sponsor = groups[Role.SPONSOR]
    sponsor.permissions.add(Permission.objects.get(codename="delete_group"))

    roles_ensure()

    assert "auth.delete_group" not in _codenames(sponsor)


APPRAISALS_EDIT = {
    f"appraisals.{action}_{model}"
    for model in (
        "appraisal",
        "appraisalarea",
        "appraisalunit",
        "teammember",
        "characterization",
        "practicejudgment",
        "goaljudgment",
        "ratingsnapshot",
        "artifact",
        "affirmation",
        "evidencelink",
        "finding",
    )
    for action in ("add", "change")
} | {
    f"appraisals.delete_{model}"
    for model in (
        "appraisalunit",
        "teammember",
        "artifact",
        "affirmation",
        "evidencelink",
        "finding",
    )
}


MEASUREMENTS_EDIT = {
    f"measurements.{action}_{model}"
    for model in (
        "measure",
        "objective",
        "observation",
        "observationimport",
        "observationimportjob",
        "baseline",
    )
    for action in ("add", "change")
} | {
    f"measurements.{action}_historical{model}"
    for model in ("measure", "objective", "baseline")
    for action in ("add", "change")
}

# Every role may suggest an improvement.
SUGGEST = {"improvements.add_proposal", "improvements.add_expectedbenefit"}

_IMPROVEMENT_MODELS = (
    "proposal",
    "expectedbenefit",
    "proposaltransition",
    "criterion",
    "score",
    "pilot",
    "actionplan",
    "planrevision",
    "planmember",
    "action",
    "reviewrequest",
)
_IMPROVEMENT_HISTORY = (
    "proposal",
    "proposal_process_areas",
    "proposal_practices",
    "expectedbenefit",
    "criterion",
    "score",
    "pilot",
    "pilot_work_activities",
    "pilot_comparison_activities",
    "pilot_measures",
    "actionplan",
    "actionplan_proposals",
    "planmember",
    "action",
    "action_depends_on",
)
IMPROVEMENTS_MANAGE = (
    {
        f"improvements.{action}_{model}"
        for model in _IMPROVEMENT_MODELS
        for action in ("add", "change")
    }
    | {
        f"improvements.{action}_historical{model}"
        for model in _IMPROVEMENT_HISTORY
        for action in ("add", "change")
    }
    | {
        "improvements.delete_action",
        "improvements.delete_planmember",
        "improvements.delete_expectedbenefit",
        "improvements.delete_score",
        "improvements.decide_proposal",
        "improvements.select_proposal",
        "improvements.review_actionplan",
    }
)


DEPLOYMENTS_MANAGE = frozenset(
    {
        f"deployments.{action}_{model}"
        for model in (
            "deploymentplan",
            "adjustment",
            "barrierstrategy",
            "mitigatedrisk",
            "planmeasure",
            "stakeholder",
            "signoff",
            "wave",
            "gatecriterion",
            "gateevaluation",
            "target",
            "consultingentry",
            "package",
            "packagereceipt",
            "result",
            "lesson",
            "resultrevision",
        )
        for action in ("add", "change", "delete")
    }
    | {"deployments.signoff_deploymentplan", "deployments.change_coordinationsettings"}
)

SERVICE_ROWS = ("servicelevelobjective", "serviceperiod", "servicechange", "continuityplan")
SERVICES_MANAGE = frozenset(
    {
        f"service_portfolio.{action}_{model}"
        for model in ("service", *SERVICE_ROWS, "policy", "compliancecheck", "review", "decision")
        for action in ("add", "change", "delete")
    }
    | {"service_portfolio.waive_compliancecheck", "service_portfolio.change_scorecardsettings"}
)
SERVICES_REVIEW = frozenset(
    {
        "service_portfolio.add_review",
        "service_portfolio.change_review",
        "service_portfolio.add_decision",
        "service_portfolio.change_decision",
        "service_portfolio.add_compliancecheck",
        "service_portfolio.waive_compliancecheck",
    }
)


def test_a_practitioner_may_read_every_context_and_change_nothing():
    codenames = _codenames(roles_ensure()[Role.PRACTITIONER])

    assert codenames
    write = {name for name in codenames if ".view_" not in name}
    assert write == SUGGEST, write
    assert all(
        name.startswith(
            (
                "library.view_",
                "organization.view_",
                "appraisals.view_",
                "measurements.view_",
                "improvements.view_",
                "deployments.view_",
                "service_portfolio.view_",
            )
        )
        for name in codenames - SUGGEST
    ), codenames
    assert "improvements.review_actionplan" not in codenames
    assert "deployments.signoff_deploymentplan" not in codenames
    assert "deployments.override_gate" not in codenames
    assert "library.view_processmodel" in codenames
    assert "organization.view_workactivity" in codenames
    assert "organization.view_historicalworkactivity" in codenames


def test_the_process_group_may_add_models_and_edit_the_organization():
    codenames = _codenames(roles_ensure()[Role.PROCESS_GROUP])

    write = {name for name in codenames if ".view_" not in name}
    assert write == {
        "library.add_processmodel",
        "library.change_processmodel",
        "organization.add_organizationalunit",
        "organization.change_organizationalunit",
        "organization.add_workactivity",
        "organization.change_workactivity",
        "organization.add_person",
        "organization.change_person",
        "organization.add_roleassignment",
        "organization.change_roleassignment",
        "organization.delete_roleassignment",
        "organization.add_processasset",
        "organization.change_processasset",
        "organization.add_processassetversion",
        "organization.change_processassetversion",
        *APPRAISALS_EDIT,
        *MEASUREMENTS_EDIT,
        *IMPROVEMENTS_MANAGE,
        *DEPLOYMENTS_MANAGE,
        *SERVICES_MANAGE,
    }


def test_an_appraiser_may_edit_appraisals_only():
    codenames = _codenames(roles_ensure()[Role.APPRAISER])

    assert {name for name in codenames if ".view_" not in name} == APPRAISALS_EDIT | SUGGEST
    assert "appraisals.view_characterization" in codenames


def test_a_project_manager_may_change_work_activities_and_their_targets_only():
    codenames = _codenames(roles_ensure()[Role.PROJECT_MANAGER])

    assert {name for name in codenames if ".view_" not in name} == {
        "organization.change_workactivity",
        "improvements.review_actionplan",
        "deployments.change_target",
        "deployments.add_lesson",
        "deployments.add_packagereceipt",
        "deployments.signoff_deploymentplan",
        *SUGGEST,
    }


def test_the_administrator_holds_every_permission():
    codenames = _codenames(roles_ensure()[Role.ADMINISTRATOR])

    assert len(codenames) == Permission.objects.count()
    assert "auth.change_user" in codenames


def test_every_role_has_a_row_in_the_table():
    assert set(ROLE_PERMISSIONS) == set(Role)


def test_missing_permissions_are_created_before_they_are_assigned():
    Permission.objects.filter(content_type__app_label="organization").delete()

    groups = roles_ensure()

    assert "organization.view_person" in _codenames(groups[Role.SPONSOR])


def test_a_user_joins_and_leaves_role_groups_keeping_other_groups():
    user = UserFactory()
    other = Group.objects.create(name="Book club")
    user.groups.add(other)

    user_roles_add(user=user, roles=[Role.APPRAISER, Role.PRACTITIONER])
    user_roles_remove(user=user, roles=[Role.APPRAISER])

    assert set(user.groups.values_list("name", flat=True)) == {"Book club", "Practitioner"}
    assert user.has_perm("organization.view_person")


def test_only_the_sponsor_and_the_steering_committee_may_override_a_gate():
    holders = {
        role
        for role, group in roles_ensure().items()
        if "deployments.override_gate" in _codenames(group)
    }

    assert holders == {Role.ADMINISTRATOR, Role.SPONSOR, Role.STEERING_COMMITTEE}


def test_a_project_manager_may_update_targets_and_sign_off_but_not_edit_plans():
    codenames = _codenames(roles_ensure()[Role.PROJECT_MANAGER])

    assert "deployments.change_target" in codenames
    assert "deployments.signoff_deploymentplan" in codenames
    assert "deployments.change_deploymentplan" not in codenames
    assert "deployments.add_deploymentplan" not in codenames


def test_a_service_owner_may_edit_services_and_their_rows_but_not_waive():
    codenames = _codenames(roles_ensure()[Role.SERVICE_OWNER])

    assert {n for n in codenames if n.startswith("service_portfolio.") and ".view_" not in n} == {
        "service_portfolio.change_service",
        *(
            f"service_portfolio.{action}_{model}"
            for model in SERVICE_ROWS
            for action in ("add", "change", "delete")
        ),
        "service_portfolio.add_compliancecheck",
    }
    assert "service_portfolio.waive_compliancecheck" not in codenames
    assert "service_portfolio.add_service" not in codenames


def test_the_sponsor_and_steering_committee_hold_reviews():
    for role in (Role.SPONSOR, Role.STEERING_COMMITTEE):
        codenames = _codenames(roles_ensure()[role])
        portfolio = {n for n in codenames if n.startswith("service_portfolio.")}
        assert {n for n in portfolio if ".view_" not in n} == SERVICES_REVIEW
