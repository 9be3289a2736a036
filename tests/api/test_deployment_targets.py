"""The deployment targets API: who is in and why, status, training, bulk updates,
additions and exclusions (/api/deployments/targets/).

Personas: see ``test_deployment_fixtures``; the project manager manages
``managed`` (a target of the plan) and no other. A refused write is a 403 (or 400,
404, 409) and nothing changes (rows and history).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.test import APIClient

from tests.api import test_deployment_fixtures as fixtures
from tests.api.test_deployment_fixtures import (
    DENIED,
    TARGETS,
    add_target,
    api,
    assert_documented,
    fields,
    problems,
)
from tests.factories.deployments import WaveFactory
from tests.factories.organization import ProcessAssetVersionFactory, WorkActivityFactory
from uplift.apps.deployments.choices import TargetSource, TargetStatus
from uplift.apps.deployments.models import DeploymentPlan, PlanRevision, Target

pytestmark = pytest.mark.django_db

process_owner = fixtures.process_owner
sponsor = fixtures.sponsor
project_manager = fixtures.project_manager
managed_person = fixtures.managed_person
plan = fixtures.plan

TODAY = timezone.localdate()


def counts() -> tuple[int, ...]:
    return (
        Target.objects.count(),
        Target.history.count(),
        DeploymentPlan.history.count(),
        PlanRevision.objects.count(),
    )


@pytest.fixture
def alpha(plan: DeploymentPlan, process_owner: User) -> Target:
    return add_target(plan, "Alpha", actor=process_owner)


@pytest.fixture
def managed(plan: DeploymentPlan, process_owner: User, managed_person: Any) -> Target:
    return add_target(plan, "Managed project", actor=process_owner, manager=managed_person)


def url(target: Target, suffix: str = "") -> str:
    return f"{TARGETS}{target.pk}/{suffix}"


def fresh(target: Target) -> Target:
    return Target.objects.get(pk=target.pk)


# --- reading --------------------------------------------------------------------------------


def test_anonymous_and_roleless_users_are_refused(
    anonymous: APIClient, outsider: APIClient, alpha: Target
) -> None:
    for path in (TARGETS, url(alpha)):
        assert anonymous.get(path).status_code == 403
        assert outsider.get(path).json() == {"detail": DENIED, "errors": []}


def test_a_practitioner_reads_who_is_in_and_why(practitioner: User, alpha: Target) -> None:
    listed = api(practitioner).get(TARGETS, {"plan": alpha.plan_id})
    shown = api(practitioner).get(url(alpha))

    assert listed.status_code == 200
    assert_documented(listed, "/api/deployments/targets/")
    assert shown.status_code == 200
    assert_documented(shown, "/api/deployments/targets/{id}/")
    body = shown.json()
    assert (body["work_activity"], body["source"], body["reason"], body["status"]) == (
        "alpha",
        "added",
        "Volunteered.",
        "not_started",
    )
    assert body["plan_reference"] == alpha.plan.reference


def test_the_list_filters_by_plan_status_and_wave(
    practitioner: User, plan: DeploymentPlan, process_owner: User
) -> None:
    wave = WaveFactory(plan=plan, number=1)
    first = add_target(plan, "Alpha", actor=process_owner, wave=wave)
    second = add_target(plan, "Bravo", actor=process_owner)
    Target.objects.filter(pk=second.pk).update(status=TargetStatus.PREPARING)
    client = api(practitioner)

    by_wave = client.get(TARGETS, {"wave": wave.pk})
    in_no_wave = client.get(TARGETS, {"wave": "none"})
    by_status = client.get(TARGETS, {"plan": plan.pk, "status": "preparing"})
    unknown = client.get(TARGETS, {"status": "finished"})
    not_an_id = client.get(TARGETS, {"wave": "first"})

    assert [row["id"] for row in by_wave.json()["results"]] == [first.pk]
    assert [row["id"] for row in in_no_wave.json()["results"]] == [second.pk]
    assert [row["id"] for row in by_status.json()["results"]] == [second.pk]
    assert (unknown.status_code, fields(unknown)) == (400, ["status"])
    assert (not_an_id.status_code, fields(not_an_id)) == (400, ["wave"])


def test_an_unknown_target_is_a_404(practitioner: User, process_owner: User) -> None:
    assert api(practitioner).get(f"{TARGETS}999999/").status_code == 404
    response = api(process_owner).patch(f"{TARGETS}999999/", {"version": 1}, format="json")
    assert response.status_code == 404


# --- status and fields ----------------------------------------------------------------------


def test_the_plan_owner_marks_a_target_deployed(process_owner: User, alpha: Target) -> None:
    api(process_owner).patch(
        url(alpha), {"version": alpha.version, "status": "preparing"}, format="json"
    )
    alpha.refresh_from_db()

    response = api(process_owner).patch(
        url(alpha),
        {"version": alpha.version, "status": "deployed", "on": "2026-01-20"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert_documented(response, "/api/deployments/targets/{id}/", "patch")
    saved = fresh(alpha)
    assert (saved.status, saved.deployed_on) == (
        TargetStatus.DEPLOYED,
        dt.date(2026, 1, 20),
    )
    assert response.json()["version"] == saved.version


def test_status_training_and_process_version_change_together(
    process_owner: User, alpha: Target
) -> None:
    version = ProcessAssetVersionFactory()

    response = api(process_owner).patch(
        url(alpha),
        {
            "version": alpha.version,
            "status": "preparing",
            "training_percent": 60,
            "process_version": version.pk,
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    saved = fresh(alpha)
    assert (saved.status, saved.training_percent, saved.process_version) == (
        TargetStatus.PREPARING,
        60,
        version,
    )


def test_opting_out_needs_a_reason_and_nothing_changes(process_owner: User, alpha: Target) -> None:
    before = counts()

    response = api(process_owner).patch(
        url(alpha), {"version": alpha.version, "status": "opted_out"}, format="json"
    )

    assert response.status_code == 400
    assert_documented(response, "/api/deployments/targets/{id}/", "patch")
    assert fields(response) == ["reason"]
    assert fresh(alpha).status == TargetStatus.NOT_STARTED
    assert counts() == before


def test_a_move_the_rules_refuse_is_a_400_naming_the_status(
    process_owner: User, alpha: Target
) -> None:
    response = api(process_owner).patch(
        url(alpha), {"version": alpha.version, "status": "confirmed"}, format="json"
    )

    assert response.status_code == 400
    assert fields(response) == ["status"]


def test_values_out_of_range_are_400s_naming_the_field(process_owner: User, alpha: Target) -> None:
    training = api(process_owner).patch(
        url(alpha), {"version": alpha.version, "training_percent": 101}, format="json"
    )
    reason_alone = api(process_owner).patch(
        url(alpha), {"version": alpha.version, "reason": "Why not"}, format="json"
    )

    assert fields(training) == ["training_percent"]
    assert fields(reason_alone) == ["reason"]


def test_a_stale_version_is_a_409_and_nothing_changes(process_owner: User, alpha: Target) -> None:
    started_from = alpha.version
    api(process_owner).patch(
        url(alpha), {"version": started_from, "training_percent": 40}, format="json"
    )
    before = counts()

    response = api(process_owner).patch(
        url(alpha), {"version": started_from, "status": "preparing"}, format="json"
    )

    assert response.status_code == 409
    assert_documented(response, "/api/deployments/targets/{id}/", "patch")
    assert fields(response) == ["version"]
    saved = fresh(alpha)
    assert (saved.status, saved.training_percent) == (TargetStatus.NOT_STARTED, 40)
    assert counts() == before


def test_a_practitioner_cannot_update_a_target_and_nothing_changes(
    practitioner: User, alpha: Target
) -> None:
    before = counts()

    response = api(practitioner).patch(
        url(alpha), {"version": alpha.version, "status": "preparing"}, format="json"
    )

    assert response.status_code == 403
    assert_documented(response, "/api/deployments/targets/{id}/", "patch")
    assert fresh(alpha).status == TargetStatus.NOT_STARTED
    assert counts() == before


def test_a_project_manager_updates_their_own_target_only(
    project_manager: User, managed: Target, alpha: Target
) -> None:
    own = api(project_manager).patch(
        url(managed),
        {"version": managed.version, "training_percent": 80},
        format="json",
    )
    before = counts()
    other = api(project_manager).patch(
        url(alpha), {"version": alpha.version, "training_percent": 80}, format="json"
    )

    assert own.status_code == 200
    assert fresh(managed).training_percent == 80
    assert other.status_code == 403
    assert fresh(alpha).training_percent == 0
    assert counts() == before


def test_a_project_manager_may_not_move_their_target_to_another_wave(
    project_manager: User, managed: Target
) -> None:
    wave = WaveFactory(plan=managed.plan, number=1)
    before = counts()

    response = api(project_manager).patch(
        url(managed), {"version": managed.version, "wave": wave.pk}, format="json"
    )

    assert response.status_code == 403
    assert fresh(managed).wave is None
    assert counts() == before


# --- bulk -----------------------------------------------------------------------------------


def test_a_bulk_update_changes_every_target(
    process_owner: User, plan: DeploymentPlan, alpha: Target
) -> None:
    bravo = add_target(plan, "Bravo", actor=process_owner)

    response = api(process_owner).post(
        f"{TARGETS}bulk/",
        {"plan": plan.pk, "targets": [alpha.pk, bravo.pk], "status": "preparing"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert_documented(response, "/api/deployments/targets/bulk/", "post")
    assert response.json() == {"updated": 2}
    assert {fresh(t).status for t in (alpha, bravo)} == {TargetStatus.PREPARING}


def test_a_bulk_update_is_all_or_nothing_and_names_the_first_target_refused(
    process_owner: User, plan: DeploymentPlan, alpha: Target
) -> None:
    bravo = add_target(plan, "Bravo", actor=process_owner)
    Target.objects.filter(pk=bravo.pk).update(status=TargetStatus.DEPLOYED, deployed_on=TODAY)
    before = counts()

    response = api(process_owner).post(
        f"{TARGETS}bulk/",
        {"plan": plan.pk, "targets": [alpha.pk, bravo.pk], "status": "preparing"},
        format="json",
    )

    assert response.status_code == 400
    ((_, message),) = problems(response)
    assert "Bravo" in message
    assert fresh(alpha).status == TargetStatus.NOT_STARTED
    assert counts() == before


def test_a_bulk_update_needs_something_to_set(
    process_owner: User, plan: DeploymentPlan, alpha: Target
) -> None:
    response = api(process_owner).post(
        f"{TARGETS}bulk/", {"plan": plan.pk, "targets": [alpha.pk]}, format="json"
    )

    assert response.status_code == 400
    assert fields(response) == ["status"]


def test_a_practitioner_cannot_bulk_update(
    practitioner: User, plan: DeploymentPlan, alpha: Target
) -> None:
    before = counts()

    response = api(practitioner).post(
        f"{TARGETS}bulk/",
        {"plan": plan.pk, "targets": [alpha.pk], "training_percent": 50},
        format="json",
    )

    assert response.status_code == 403
    assert counts() == before


# --- add, exclude, include ------------------------------------------------------------------


def test_the_owner_adds_a_work_activity_with_a_reason(
    process_owner: User, plan: DeploymentPlan
) -> None:
    WorkActivityFactory(name="Charlie", slug="charlie")

    response = api(process_owner).post(
        f"{TARGETS}add/",
        {"plan": plan.pk, "work_activity": "charlie", "reason": "Asked to join."},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert_documented(response, "/api/deployments/targets/add/", "post")
    target = plan.targets.get(work_activity__slug="charlie")
    assert (target.source, target.reason) == (TargetSource.ADDED, "Asked to join.")


def test_adding_an_unknown_work_activity_or_without_reason_is_a_400(
    process_owner: User, plan: DeploymentPlan
) -> None:
    WorkActivityFactory(name="Charlie", slug="charlie")
    before = counts()

    unknown = api(process_owner).post(
        f"{TARGETS}add/",
        {"plan": plan.pk, "work_activity": "nowhere", "reason": "Why not."},
        format="json",
    )
    no_reason = api(process_owner).post(
        f"{TARGETS}add/", {"plan": plan.pk, "work_activity": "charlie"}, format="json"
    )

    assert fields(unknown) == ["work_activity"]
    assert fields(no_reason) == ["reason"]
    assert counts() == before


def test_a_practitioner_cannot_add_a_target(practitioner: User, plan: DeploymentPlan) -> None:
    WorkActivityFactory(name="Charlie", slug="charlie")
    before = counts()

    response = api(practitioner).post(
        f"{TARGETS}add/",
        {"plan": plan.pk, "work_activity": "charlie", "reason": "Me too."},
        format="json",
    )

    assert response.status_code == 403
    assert counts() == before


def test_excluding_needs_a_reason_and_including_puts_it_back(
    process_owner: User, alpha: Target
) -> None:
    missing = api(process_owner).post(url(alpha, "exclude/"), {}, format="json")
    excluded = api(process_owner).post(
        url(alpha, "exclude/"), {"reason": "Ends next month."}, format="json"
    )
    included = api(process_owner).post(url(alpha, "include/"), {}, format="json")

    assert fields(missing) == ["reason"]
    assert excluded.status_code == 200
    assert_documented(excluded, "/api/deployments/targets/{id}/exclude/", "post")
    assert excluded.json()["excluded"] is True
    assert included.status_code == 200
    assert fresh(alpha).excluded is False


def test_a_project_manager_cannot_exclude_their_target(
    project_manager: User, managed: Target
) -> None:
    before = counts()

    response = api(project_manager).post(
        url(managed, "exclude/"), {"reason": "Too busy."}, format="json"
    )

    assert response.status_code == 403
    assert fresh(managed).excluded is False
    assert counts() == before
