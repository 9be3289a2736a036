"""Targets chosen by rule, added and excluded by hand; the drift when the organization
changes, and applying it (``services.targeting``).

Organization: Product Engineering holds Alpha (software-only, large, customer Acme),
Beta (COTS integration, customers Tidewater and Northwind), Gamma (embedded) and an
inactive software-only project; Managed Services holds the Desk service. Personas:
the process owner (edits plans), the practitioner (reads only).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from tests.factories.deployments import DeploymentPlanFactory, TargetFactory, WaveFactory
from tests.factories.organization import OrganizationalUnitFactory, WorkActivityFactory
from uplift.apps.deployments.choices import PlanState, TargetSource, TargetStatus
from uplift.apps.deployments.errors import ConflictError, DeploymentError
from uplift.apps.deployments.models import DeploymentPlan, SignOff, Stakeholder, Target
from uplift.apps.deployments.services import plans as plan_services
from uplift.apps.deployments.services.targeting import (
    plan_rule_set,
    rule_check,
    rule_describe,
    rule_matches,
    target_add,
    target_exclude,
    target_include,
    targets_drift,
    targets_refresh,
    targets_refresh_all,
)
from uplift.apps.deployments.services.targets import target_status_set

pytestmark = pytest.mark.django_db

SOFTWARE = {"activity_type": ["software_only"]}


@pytest.fixture
def org() -> dict[str, Any]:
    engineering = OrganizationalUnitFactory(name="Product Engineering", slug="product-engineering")
    services = OrganizationalUnitFactory(name="Managed Services", slug="managed-services")
    return {
        "engineering": engineering,
        "services": services,
        "alpha": WorkActivityFactory(
            name="Alpha",
            slug="alpha",
            unit=engineering,
            activity_type="software_only",
            size="large",
            attributes={"customer": "Acme"},
        ),
        "beta": WorkActivityFactory(
            name="Beta",
            slug="beta",
            unit=engineering,
            activity_type="cots_integration",
            attributes={"customer": ["tidewater", "northwind"]},
        ),
        "gamma": WorkActivityFactory(
            name="Gamma", slug="gamma", unit=engineering, activity_type="embedded_hardware"
        ),
        "sleeping": WorkActivityFactory(
            name="Sleeping", slug="sleeping", unit=engineering, active=False
        ),
        "desk": WorkActivityFactory(
            name="Desk",
            slug="desk",
            unit=services,
            kind="service",
            activity_type="service_delivery",
        ),
    }


@pytest.fixture
def plan(process_owner: Any) -> DeploymentPlan:
    return DeploymentPlanFactory(owner=process_owner, title="Peer reviews")


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The reasons given to ``plan_content_changed`` (the plans' revision hook)."""
    calls: list[str] = []

    def record(*, plan: DeploymentPlan, actor: Any, reason: str) -> None:
        calls.append(reason)

    monkeypatch.setattr(plan_services, "plan_content_changed", record)
    return calls


def names(matches: Any) -> list[str]:
    return [match.work_activity.name for match in matches]


def rows(plan: DeploymentPlan) -> dict[str, Target]:
    return {t.work_activity.name: t for t in plan.targets.select_related("work_activity")}


def history_count() -> int:
    return Target.history.count() + DeploymentPlan.history.count()


# -- the rule ------------------------------------------------------------------------------


def test_an_empty_rule_matches_nothing(org: dict[str, Any]) -> None:
    assert rule_matches({}) == []
    assert rule_matches(None) == []
    assert rule_matches({"attributes": {}}) == []


def test_active_alone_matches_every_active_work_activity(org: dict[str, Any]) -> None:
    assert names(rule_matches({"active": True})) == ["Alpha", "Beta", "Desk", "Gamma"]


def test_values_of_a_key_combine_with_or(org: dict[str, Any]) -> None:
    rule = {"activity_type": ["software_only", "cots_integration"]}
    assert names(rule_matches(rule)) == ["Alpha", "Beta"]


def test_keys_combine_with_and(org: dict[str, Any]) -> None:
    rule = {"unit": "product-engineering", "activity_type": "software_only", "size": ["large"]}
    assert names(rule_matches(rule)) == ["Alpha"]
    assert rule_matches({**rule, "size": ["small"]}) == []


def test_attributes_match_single_values_and_lists_regardless_of_case(
    org: dict[str, Any],
) -> None:
    assert names(rule_matches({"attributes": {"customer": ["acme", "Tidewater"]}})) == [
        "Alpha",
        "Beta",
    ]
    assert names(rule_matches({"attributes": {"customer": "NORTHWIND"}})) == ["Beta"]
    assert rule_matches({"attributes": {"customer": ["acme"], "region": ["north"]}}) == []


def test_inactive_work_activities_never_match(org: dict[str, Any]) -> None:
    assert "Sleeping" not in names(rule_matches({"unit": ["product-engineering"]}))
    assert names(rule_matches({"activity_type": ["other"]})) == []


def test_each_match_says_which_conditions_it_meets(org: dict[str, Any]) -> None:
    rule = {
        "unit": ["product-engineering"],
        "activity_type": ["software_only", "cots_integration"],
        "attributes": {"customer": ["acme", "tidewater"]},
    }
    assert [(m.work_activity.name, m.reason) for m in rule_matches(rule)] == [
        ("Alpha", "type is Software-only; unit is Product Engineering; customer is Acme"),
        ("Beta", "type is COTS integration; unit is Product Engineering; customer is tidewater"),
    ]


def test_rule_check_normalises_single_values_to_lists_in_a_fixed_order(
    org: dict[str, Any],
) -> None:
    rule = {"size": "large", "activity_type": ["software_only", "software_only"], "active": True}
    assert rule_check(rule) == {
        "activity_type": ["software_only"],
        "size": ["large"],
        "active": True,
    }
    assert rule_describe(rule) == "type is Software-only and size is Large and active"
    assert rule_describe({}) == "no rule (targets are added by hand)"


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ([1, 2], "target_rule"),
        ({"colour": ["red"]}, "target_rule.colour"),
        ({"activity_type": ["hardware"]}, "target_rule.activity_type"),
        ({"size": []}, "target_rule.size"),
        ({"unit": ["nowhere"]}, "target_rule.unit"),
        ({"active": False}, "target_rule.active"),
        ({"attributes": ["customer"]}, "target_rule.attributes"),
        ({"attributes": {"customer": []}}, "target_rule.attributes"),
        ({"kind": [{"a": 1}]}, "target_rule.kind"),
    ],
)
def test_rule_check_refuses_a_wrong_rule_naming_the_key(
    org: dict[str, Any], rule: Any, field: str
) -> None:
    with pytest.raises(DeploymentError) as caught:
        rule_check(rule)
    assert caught.value.field == field


# -- setting the rule ----------------------------------------------------------------------


def test_setting_the_rule_stores_a_target_per_match_with_its_reason(
    org: dict[str, Any], plan: DeploymentPlan, process_owner: Any, hook: list[str]
) -> None:
    result = plan_rule_set(plan=plan, actor=process_owner, rule=SOFTWARE, expected_version=1)

    assert result.target_rule == SOFTWARE
    assert result.version == 2
    assert result.rule_evaluated_at is not None
    targets = rows(plan)
    assert list(targets) == ["Alpha"]
    alpha = targets["Alpha"]
    assert (alpha.source, alpha.reason, alpha.status, alpha.matches_rule) == (
        TargetSource.RULE,
        "type is Software-only",
        TargetStatus.NOT_STARTED,
        True,
    )
    assert alpha.history.get().history_user == process_owner
    assert hook == ["Target rule set: type is Software-only"]


def test_changing_the_rule_adds_removes_and_rewrites_reasons(
    org: dict[str, Any], plan: DeploymentPlan, process_owner: Any, hook: list[str]
) -> None:
    plan_rule_set(plan=plan, actor=process_owner, rule={"unit": ["product-engineering"]})
    started = Target.objects.get(plan=plan, work_activity=org["gamma"])
    Target.objects.filter(pk=started.pk).update(status=TargetStatus.PREPARING)

    plan_rule_set(plan=plan, actor=process_owner, rule={"activity_type": ["software_only"]})

    targets = rows(plan)
    assert sorted(targets) == ["Alpha", "Gamma"]  # Beta (not started) deleted
    assert targets["Alpha"].reason == "type is Software-only"
    assert targets["Gamma"].matches_rule is False  # started: kept, marked
    assert len(hook) == 2


def test_setting_the_same_rule_again_writes_nothing(
    org: dict[str, Any], plan: DeploymentPlan, process_owner: Any, hook: list[str]
) -> None:
    plan = plan_rule_set(plan=plan, actor=process_owner, rule=SOFTWARE)
    before = history_count()

    again = plan_rule_set(plan=plan, actor=process_owner, rule={"activity_type": "software_only"})

    assert again.version == plan.version
    assert history_count() == before
    assert len(hook) == 1


def test_a_reader_may_not_set_the_rule_and_nothing_changes(
    org: dict[str, Any], plan: DeploymentPlan, practitioner: Any, hook: list[str]
) -> None:
    before = history_count()
    with pytest.raises(PermissionDenied):
        plan_rule_set(plan=plan, actor=practitioner, rule=SOFTWARE)
    plan.refresh_from_db()
    assert (plan.target_rule, plan.version, plan.targets.count()) == ({}, 1, 0)
    assert history_count() == before
    assert hook == []


def test_a_stale_version_is_refused_and_nothing_changes(
    org: dict[str, Any], plan: DeploymentPlan, process_owner: Any
) -> None:
    with pytest.raises(ConflictError):
        plan_rule_set(plan=plan, actor=process_owner, rule=SOFTWARE, expected_version=7)
    assert plan.targets.count() == 0


@pytest.mark.parametrize("state", [PlanState.COMPLETE, PlanState.CANCELLED])
def test_a_closed_plan_keeps_its_targets(
    org: dict[str, Any], plan: DeploymentPlan, process_owner: Any, state: str
) -> None:
    DeploymentPlan.objects.filter(pk=plan.pk).update(state=state)
    plan.refresh_from_db()
    with pytest.raises(DeploymentError):
        plan_rule_set(plan=plan, actor=process_owner, rule=SOFTWARE)
    with pytest.raises(DeploymentError):
        target_add(plan=plan, actor=process_owner, work_activity=org["desk"], reason="Asked.")
    assert plan.targets.count() == 0


# -- drift and refresh ---------------------------------------------------------------------


@pytest.fixture
def ruled(org: dict[str, Any], plan: DeploymentPlan, process_owner: Any) -> DeploymentPlan:
    """The plan with the rule "type is software-only or COTS integration": Alpha, Beta."""
    rule = {"activity_type": ["software_only", "cots_integration"]}
    return plan_rule_set(plan=plan, actor=process_owner, rule=rule)


def test_drift_shows_new_matches_and_rows_that_no_longer_match_without_writing(
    org: dict[str, Any], ruled: DeploymentPlan
) -> None:
    WorkActivityFactory(name="Epsilon", activity_type="software_only")
    org["beta"].activity_type = "embedded_hardware"
    org["beta"].save()
    before = history_count()

    drift = targets_drift(ruled)

    assert [(m.work_activity.name, m.reason) for m in drift.added] == [
        ("Epsilon", "type is Software-only")
    ]
    assert [t.work_activity.name for t in drift.gone] == ["Beta"]
    assert drift.summary() == "1 new match, 1 no longer matching"
    assert drift.as_json()["gone"][0]["on_refresh"] == "removed"
    assert history_count() == before
    assert sorted(rows(ruled)) == ["Alpha", "Beta"]


def test_no_drift_when_the_organization_did_not_change(ruled: DeploymentPlan) -> None:
    drift = targets_drift(ruled)
    assert not drift
    assert drift.summary() == "no change"


def test_a_work_activity_made_inactive_drifts_out(
    org: dict[str, Any], ruled: DeploymentPlan
) -> None:
    org["alpha"].active = False
    org["alpha"].save()
    assert [t.work_activity.name for t in targets_drift(ruled).gone] == ["Alpha"]


def test_refresh_adds_new_matches_removes_unstarted_and_marks_started_rows(
    org: dict[str, Any], ruled: DeploymentPlan, process_owner: Any, hook: list[str]
) -> None:
    epsilon = WorkActivityFactory(name="Epsilon", activity_type="software_only")
    Target.objects.filter(plan=ruled, work_activity=org["alpha"]).update(
        status=TargetStatus.DEPLOYED
    )
    for name in ("alpha", "beta"):
        org[name].activity_type = "embedded_hardware"
        org[name].save()
    version = ruled.version

    drift = targets_refresh(plan=ruled, actor=process_owner)

    assert [m.work_activity for m in drift.added] == [epsilon]
    assert sorted(t.work_activity.name for t in drift.gone) == ["Alpha", "Beta"]
    targets = rows(ruled)
    assert sorted(targets) == ["Alpha", "Epsilon"]
    assert targets["Alpha"].matches_rule is False
    assert targets["Alpha"].status == TargetStatus.DEPLOYED
    assert targets["Epsilon"].status == TargetStatus.NOT_STARTED
    ruled.refresh_from_db()
    assert ruled.version == version + 1
    assert ruled.history.first().history_change_reason.startswith("Targets refreshed")
    assert hook[-1] == "Targets refreshed from the rule: 1 new match, 2 no longer matching"
    assert not targets_drift(ruled)


def test_a_row_matching_again_is_marked_as_matching_on_refresh(
    org: dict[str, Any], ruled: DeploymentPlan, process_owner: Any
) -> None:
    Target.objects.filter(plan=ruled, work_activity=org["alpha"]).update(
        status=TargetStatus.PREPARING
    )
    org["alpha"].activity_type = "other"
    org["alpha"].save()
    targets_refresh(plan=ruled, actor=process_owner)
    org["alpha"].activity_type = "software_only"
    org["alpha"].save()

    drift = targets_drift(ruled)
    assert [t.work_activity.name for t in drift.back] == ["Alpha"]
    targets_refresh(plan=ruled, actor=process_owner)

    alpha = rows(ruled)["Alpha"]
    assert (alpha.matches_rule, alpha.reason) == (True, "type is Software-only")


def test_refresh_without_drift_writes_nothing(
    ruled: DeploymentPlan, process_owner: Any, hook: list[str]
) -> None:
    before, version = history_count(), ruled.version
    assert not targets_refresh(plan=ruled, actor=process_owner)
    ruled.refresh_from_db()
    assert (ruled.version, history_count(), hook) == (version, before, [])


def test_a_reader_may_not_refresh_and_nothing_changes(
    org: dict[str, Any], ruled: DeploymentPlan, practitioner: Any
) -> None:
    WorkActivityFactory(name="Epsilon", activity_type="software_only")
    before = history_count()
    with pytest.raises(PermissionDenied):
        targets_refresh(plan=ruled, actor=practitioner)
    assert (sorted(rows(ruled)), history_count()) == (["Alpha", "Beta"], before)


def test_refresh_all_refreshes_every_open_plan_only(
    org: dict[str, Any], ruled: DeploymentPlan, process_owner: Any, process_group_member: Any
) -> None:
    closed = plan_rule_set(
        plan=DeploymentPlanFactory(owner=process_owner), actor=process_owner, rule=SOFTWARE
    )
    DeploymentPlan.objects.filter(pk=closed.pk).update(state=PlanState.COMPLETE)
    WorkActivityFactory(name="Epsilon", activity_type="software_only")

    results = targets_refresh_all(actor=process_group_member)

    assert [plan.pk for plan in results] == [ruled.pk]
    assert names(results[ruled].added) == ["Epsilon"]
    assert "Epsilon" in rows(ruled)
    assert sorted(rows(closed)) == ["Alpha"]
    closed.refresh_from_db()
    assert not targets_drift(closed)  # a closed plan has no drift


def test_refresh_all_needs_the_right_to_change_every_plan(
    org: dict[str, Any], ruled: DeploymentPlan, project_manager: Any
) -> None:
    WorkActivityFactory(name="Epsilon", activity_type="software_only")
    with pytest.raises(PermissionDenied):
        targets_refresh_all(actor=project_manager)
    assert "Epsilon" not in rows(ruled)


# -- additions, exclusions -----------------------------------------------------------------


def test_adding_a_work_activity_needs_a_reason(
    org: dict[str, Any], plan: DeploymentPlan, process_owner: Any, hook: list[str]
) -> None:
    with pytest.raises(DeploymentError) as caught:
        target_add(plan=plan, actor=process_owner, work_activity=org["desk"], reason="  ")
    assert caught.value.field == "reason"
    assert plan.targets.count() == 0

    wave = WaveFactory(plan=plan)
    row = target_add(
        plan=plan,
        actor=process_owner,
        work_activity=org["desk"],
        reason="Asked to join.",
        wave=wave,
    )

    assert (row.source, row.reason, row.wave, row.excluded) == (
        TargetSource.ADDED,
        "Asked to join.",
        wave,
        False,
    )
    assert hook == ["Added Desk: Asked to join."]


@pytest.mark.parametrize("case", ["inactive", "twice", "other_wave"])
def test_adding_is_refused_for_inactive_duplicates_and_foreign_waves(
    org: dict[str, Any], plan: DeploymentPlan, process_owner: Any, case: str
) -> None:
    TargetFactory(plan=plan, work_activity=org["alpha"])
    work_activity = {"inactive": org["sleeping"], "twice": org["alpha"]}.get(case, org["desk"])
    wave = WaveFactory() if case == "other_wave" else None
    with pytest.raises(DeploymentError) as caught:
        target_add(
            plan=plan, actor=process_owner, work_activity=work_activity, reason="Why", wave=wave
        )
    assert caught.value.field == ("wave" if case == "other_wave" else "work_activity")
    assert plan.targets.count() == 1


def test_a_reader_may_not_add_a_target(
    org: dict[str, Any], plan: DeploymentPlan, practitioner: Any
) -> None:
    with pytest.raises(PermissionDenied):
        target_add(plan=plan, actor=practitioner, work_activity=org["desk"], reason="Why")
    assert plan.targets.count() == 0


def test_excluding_needs_a_reason_and_including_restores_the_match_reason(
    org: dict[str, Any], ruled: DeploymentPlan, process_owner: Any, hook: list[str]
) -> None:
    beta = rows(ruled)["Beta"]
    with pytest.raises(DeploymentError) as caught:
        target_exclude(target=beta, actor=process_owner, reason="")
    assert caught.value.field == "reason"

    excluded = target_exclude(target=beta, actor=process_owner, reason="Closes in March.")
    assert (excluded.excluded, excluded.reason, excluded.version) == (
        True,
        "Closes in March.",
        beta.version + 1,
    )
    assert not targets_drift(ruled)  # an excluded match is no drift
    with pytest.raises(DeploymentError):
        target_exclude(target=excluded, actor=process_owner, reason="Again.")

    included = target_include(target=excluded, actor=process_owner)
    assert (included.excluded, included.reason) == (False, "type is COTS integration")
    assert hook[-2:] == ["Excluded Beta: Closes in March.", "Included Beta again"]


def test_including_an_added_target_restores_the_reason_it_was_added(
    org: dict[str, Any], plan: DeploymentPlan, process_owner: Any
) -> None:
    row = target_add(plan=plan, actor=process_owner, work_activity=org["desk"], reason="Asked.")
    row = target_exclude(target=row, actor=process_owner, reason="Changed their mind.")
    assert target_include(target=row, actor=process_owner).reason == "Asked."


@pytest.mark.parametrize("status", [TargetStatus.DEPLOYED, TargetStatus.CONFIRMED])
def test_a_deployed_target_is_rolled_back_not_excluded(
    org: dict[str, Any], ruled: DeploymentPlan, process_owner: Any, status: str
) -> None:
    Target.objects.filter(plan=ruled).update(status=status)
    with pytest.raises(DeploymentError):
        target_exclude(target=rows(ruled)["Alpha"], actor=process_owner, reason="Late.")
    assert not Target.objects.filter(excluded=True).exists()


def test_a_reader_may_not_exclude_or_include(
    org: dict[str, Any], ruled: DeploymentPlan, practitioner: Any, process_owner: Any
) -> None:
    alpha = rows(ruled)["Alpha"]
    with pytest.raises(PermissionDenied):
        target_exclude(target=alpha, actor=practitioner, reason="No.")
    excluded = target_exclude(target=alpha, actor=process_owner, reason="Closing.")
    with pytest.raises(PermissionDenied):
        target_include(target=excluded, actor=practitioner)
    assert Target.objects.get(pk=alpha.pk).excluded is True


# -- revisions (the plans' hook, not replaced) ---------------------------------------------


def test_a_target_change_after_the_plan_was_sent_for_sign_off_makes_a_new_revision(
    org: dict[str, Any], plan: DeploymentPlan, process_owner: Any, sponsor: Any
) -> None:
    Stakeholder.objects.create(plan=plan, user=sponsor, kind="sponsor")
    SignOff.objects.create(plan=plan, revision=1, stakeholder=sponsor, kind="sponsor")
    DeploymentPlan.objects.filter(pk=plan.pk).update(state=PlanState.IN_REVIEW)
    plan.refresh_from_db()

    plan = plan_rule_set(plan=plan, actor=process_owner, rule=SOFTWARE)

    assert plan.revision == 2
    assert SignOff.objects.get(plan=plan, revision=1).decision == "superseded"
    assert SignOff.objects.filter(plan=plan, revision=2, stakeholder=sponsor).exists()
    target_add(plan=plan, actor=process_owner, work_activity=org["desk"], reason="Asked.")
    plan.refresh_from_db()
    assert plan.revision == 3


def test_a_status_change_makes_no_revision(
    org: dict[str, Any], plan: DeploymentPlan, process_owner: Any, sponsor: Any
) -> None:
    plan = plan_rule_set(plan=plan, actor=process_owner, rule=SOFTWARE)
    SignOff.objects.create(plan=plan, revision=1, stakeholder=sponsor, kind="sponsor")
    target_status_set(
        target=rows(plan)["Alpha"], actor=process_owner, status=TargetStatus.PREPARING
    )
    plan.refresh_from_db()
    assert plan.revision == 1
