"""The waves API: waves, their gates, evaluations, overrides, start and finish
(/api/deployments/waves/, /api/deployments/gate-criteria/).

``rollout``: the process owner's plan with a pilot (wave 1, Alpha) and wave 2 (Bravo),
agreed by the sponsor. The sponsor may override gates; the process owner may not. A
refused write is a 403 (or 400, 404, 409) and nothing changes (rows and history).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.test import APIClient

from tests.api import test_deployment_fixtures as fixtures
from tests.api.test_deployment_fixtures import (
    DENIED,
    WAVES,
    add_target,
    agree,
    api,
    assert_documented,
    fields,
    make_plan,
)
from tests.apps.measurements.fixtures_h import make_measure
from uplift.apps.deployments.choices import (
    GateCriterionKind,
    PlanState,
    TargetStatus,
    WaveKind,
    WaveState,
)
from uplift.apps.deployments.models import (
    DeploymentPlan,
    GateCriterion,
    GateEvaluation,
    PlanRevision,
    Target,
    Wave,
)
from uplift.apps.deployments.services.waves import gate_criterion_add, wave_create

pytestmark = pytest.mark.django_db

process_owner = fixtures.process_owner
sponsor = fixtures.sponsor

TODAY = timezone.localdate()


@dataclass
class Rollout:
    plan: DeploymentPlan
    pilot: Wave
    second: Wave
    alpha: Target
    bravo: Target


@pytest.fixture
def rollout(process_owner: User, sponsor: User) -> Rollout:
    plan = make_plan(process_owner, sponsor)
    pilot = wave_create(
        plan=plan,
        actor=process_owner,
        name="Pilot",
        kind=WaveKind.PILOT,
        planned_start=TODAY - dt.timedelta(days=30),
        planned_end=TODAY + dt.timedelta(days=30),
    )
    second = wave_create(
        plan=plan,
        actor=process_owner,
        name="Everyone else",
        kind=WaveKind.WAVE,
        planned_start=TODAY + dt.timedelta(days=31),
        planned_end=TODAY + dt.timedelta(days=90),
    )
    gate_criterion_add(
        wave=second,
        actor=process_owner,
        kind=GateCriterionKind.TRAINING_COMPLETION,
        threshold=80,
    )
    alpha = add_target(plan, "Alpha", actor=process_owner, wave=pilot)
    bravo = add_target(plan, "Bravo", actor=process_owner, wave=second)
    agree(plan, process_owner, sponsor)
    return Rollout(plan, pilot, second, alpha, bravo)


def counts() -> tuple[int, ...]:
    return (
        Wave.objects.count(),
        Wave.history.count(),
        GateCriterion.objects.count(),
        GateEvaluation.objects.count(),
        DeploymentPlan.history.count(),
        PlanRevision.objects.count(),
    )


def url(wave: Wave, suffix: str = "") -> str:
    return f"{WAVES}{wave.pk}/{suffix}"


def fresh(wave: Wave) -> Wave:
    return Wave.objects.get(pk=wave.pk)


# --- reading --------------------------------------------------------------------------------


def test_anonymous_and_roleless_users_are_refused(
    anonymous: APIClient, outsider: APIClient, rollout: Rollout
) -> None:
    for path in (WAVES, url(rollout.pilot)):
        assert anonymous.get(path).status_code == 403
        assert outsider.get(path).json() == {"detail": DENIED, "errors": []}


def test_a_practitioner_reads_a_plan_s_waves_with_their_gates(
    practitioner: User, rollout: Rollout
) -> None:
    listed = api(practitioner).get(WAVES, {"plan": rollout.plan.pk})
    shown = api(practitioner).get(url(rollout.second))

    assert listed.status_code == 200
    assert_documented(listed, "/api/deployments/waves/")
    assert [(w["number"], w["name"], w["target_count"]) for w in listed.json()["results"]] == [
        (1, "Pilot", 1),
        (2, "Everyone else", 1),
    ]
    assert_documented(shown, "/api/deployments/waves/{id}/")
    body = shown.json()
    assert [c["kind"] for c in body["criteria"]] == ["training_completion"]
    assert body["latest_evaluation"] is None


def test_an_unknown_wave_is_a_404(practitioner: User, process_owner: User) -> None:
    assert api(practitioner).get(f"{WAVES}999999/").status_code == 404
    assert api(process_owner).post(f"{WAVES}999999/start/", {}, format="json").status_code == 404


# --- writing waves --------------------------------------------------------------------------


def test_the_owner_adds_a_wave_to_a_draft(process_owner: User, sponsor: User) -> None:
    plan = make_plan(process_owner, sponsor)

    response = api(process_owner).post(
        WAVES,
        {
            "plan": plan.pk,
            "name": "Early adopters",
            "kind": "early_adopters",
            "planned_start": "2026-03-02",
            "planned_end": "2026-04-30",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert_documented(response, "/api/deployments/waves/", "post")
    assert (response.json()["number"], response.json()["state"]) == (1, "planned")
    assert plan.waves.get().name == "Early adopters"


def test_a_wave_ending_before_it_starts_is_a_400(process_owner: User, sponsor: User) -> None:
    plan = make_plan(process_owner, sponsor)
    before = counts()

    response = api(process_owner).post(
        WAVES,
        {
            "plan": plan.pk,
            "name": "Back",
            "planned_start": "2026-04-30",
            "planned_end": "2026-03-02",
        },
        format="json",
    )

    assert response.status_code == 400
    assert fields(response) == ["planned_end"]
    assert counts() == before


def test_a_practitioner_cannot_add_change_or_delete_a_wave(
    practitioner: User, rollout: Rollout
) -> None:
    before = counts()
    client = api(practitioner)

    created = client.post(
        WAVES,
        {
            "plan": rollout.plan.pk,
            "name": "Mine",
            "planned_start": "2026-03-02",
            "planned_end": "2026-04-30",
        },
        format="json",
    )
    changed = client.patch(
        url(rollout.pilot),
        {"version": rollout.pilot.version, "name": "Mine"},
        format="json",
    )
    deleted = client.delete(url(rollout.second))

    assert (created.status_code, changed.status_code, deleted.status_code) == (
        403,
        403,
        403,
    )
    assert counts() == before


def test_changing_a_wave_needs_its_current_version(process_owner: User, rollout: Rollout) -> None:
    wave = rollout.pilot
    missing = api(process_owner).patch(url(wave), {"name": "Pilot A"}, format="json")
    first = api(process_owner).patch(
        url(wave), {"version": wave.version, "name": "Pilot A"}, format="json"
    )
    before = counts()
    stale = api(process_owner).patch(
        url(wave), {"version": wave.version, "name": "Pilot B"}, format="json"
    )

    assert fields(missing) == ["version"]
    assert first.status_code == 200
    assert_documented(first, "/api/deployments/waves/{id}/", "patch")
    assert stale.status_code == 409
    assert_documented(stale, "/api/deployments/waves/{id}/", "patch")
    assert fresh(wave).name == "Pilot A"
    assert counts() == before


def test_changing_a_wave_of_an_agreed_plan_makes_a_new_revision(
    process_owner: User, rollout: Rollout
) -> None:
    response = api(process_owner).patch(
        url(rollout.pilot),
        {
            "version": rollout.pilot.version,
            "planned_end": str(TODAY + dt.timedelta(days=40)),
        },
        format="json",
    )

    assert response.status_code == 200
    rollout.plan.refresh_from_db()
    assert (rollout.plan.revision, rollout.plan.state) == (2, PlanState.IN_REVIEW)


def test_a_planned_wave_is_deleted(process_owner: User, rollout: Rollout) -> None:
    response = api(process_owner).delete(url(rollout.second))

    assert response.status_code == 204
    assert not Wave.objects.filter(pk=rollout.second.pk).exists()


# --- gates ----------------------------------------------------------------------------------


def test_adding_gate_criteria(process_owner: User, rollout: Rollout) -> None:
    make_measure("cycle-time")
    client = api(process_owner)

    added = client.post(
        url(rollout.second, "criteria/"),
        {
            "kind": "measure_improved",
            "measure": "cycle-time",
            "threshold": 10,
            "confidence": 0.9,
        },
        format="json",
    )
    no_threshold = client.post(
        url(rollout.second, "criteria/"), {"kind": "deployed_share"}, format="json"
    )
    unknown_measure = client.post(
        url(rollout.second, "criteria/"),
        {"kind": "measure_improved", "measure": "nothing", "threshold": 10},
        format="json",
    )

    assert added.status_code == 201, added.json()
    assert_documented(added, "/api/deployments/waves/{id}/criteria/", "post")
    assert (added.json()["measure"], added.json()["threshold"]) == ("cycle-time", 10.0)
    assert fields(no_threshold) == ["threshold"]
    assert fields(unknown_measure) == ["measure"]


def test_evaluating_a_gate_keeps_the_evaluation(
    process_owner: User, sponsor: User, rollout: Rollout
) -> None:
    by_owner = api(process_owner).post(url(rollout.second, "evaluate/"), {}, format="json")
    by_sponsor = api(sponsor).post(url(rollout.second, "evaluate/"), {}, format="json")

    assert by_owner.status_code == 201
    assert_documented(by_owner, "/api/deployments/waves/{id}/evaluate/", "post")
    body = by_owner.json()
    assert body["passed"] is False
    assert [(r["kind"], r["passed"]) for r in body["results"]] == [("training_completion", False)]
    assert by_sponsor.status_code == 201
    listed = api(process_owner).get(url(rollout.second, "evaluations/"))
    assert_documented(listed, "/api/deployments/waves/{id}/evaluations/")
    assert [row["evaluated_by"] for row in listed.json()] == [
        "sponsor",
        "process.owner",
    ]
    latest = api(process_owner).get(url(rollout.second)).json()["latest_evaluation"]
    assert latest["id"] == by_sponsor.json()["id"]


def test_a_practitioner_cannot_evaluate_a_gate(practitioner: User, rollout: Rollout) -> None:
    before = counts()

    response = api(practitioner).post(url(rollout.second, "evaluate/"), {}, format="json")

    assert response.status_code == 403
    assert counts() == before


def test_a_manual_criterion_is_checked_by_an_editor(
    process_owner: User, practitioner: User, rollout: Rollout
) -> None:
    criterion = gate_criterion_add(
        wave=rollout.second,
        actor=process_owner,
        kind=GateCriterionKind.MANUAL,
        description="Support desk briefed",
    )
    path = f"/api/deployments/gate-criteria/{criterion.pk}/manual/"

    refused = api(practitioner).post(path, {"met": True}, format="json")
    done = api(process_owner).post(path, {"met": True}, format="json")

    assert refused.status_code == 403
    assert done.status_code == 200
    assert_documented(done, "/api/deployments/gate-criteria/{id}/manual/", "post")
    assert (done.json()["manual_met"], done.json()["manual_by"]) == (
        True,
        "process.owner",
    )


def test_a_criterion_is_removed(process_owner: User, rollout: Rollout) -> None:
    criterion = rollout.second.criteria.get()

    response = api(process_owner).delete(f"/api/deployments/gate-criteria/{criterion.pk}/")

    assert response.status_code == 204
    assert not rollout.second.criteria.exists()


# --- start, override, finish ----------------------------------------------------------------


def test_starting_the_pilot_moves_the_plan_to_deploying(
    process_owner: User, rollout: Rollout
) -> None:
    response = api(process_owner).post(url(rollout.pilot, "start/"), {}, format="json")

    assert response.status_code == 200, response.json()
    assert_documented(response, "/api/deployments/waves/{id}/start/", "post")
    body = response.json()
    assert (body["wave"]["state"], body["wave"]["actual_start"]) == (
        "running",
        str(TODAY),
    )
    assert any("now deploying" in message for message in body["messages"])
    rollout.plan.refresh_from_db()
    assert rollout.plan.state == PlanState.DEPLOYING


def test_a_wave_whose_gate_has_not_passed_does_not_start(
    process_owner: User, rollout: Rollout
) -> None:
    api(process_owner).post(url(rollout.pilot, "start/"), {}, format="json")

    response = api(process_owner).post(url(rollout.second, "start/"), {}, format="json")

    assert response.status_code == 400
    assert_documented(response, "/api/deployments/waves/{id}/start/", "post")
    assert fields(response) == ["gate"]
    assert fresh(rollout.second).state == WaveState.PLANNED


def test_waves_start_in_order(process_owner: User, rollout: Rollout) -> None:
    response = api(process_owner).post(url(rollout.second, "start/"), {}, format="json")

    assert response.status_code == 400
    assert fields(response) == ["wave"]


def test_only_a_person_who_may_override_does_so_with_a_reason(
    process_owner: User, sponsor: User, rollout: Rollout
) -> None:
    api(process_owner).post(url(rollout.pilot, "start/"), {}, format="json")
    before = counts()

    by_owner = api(process_owner).post(
        url(rollout.second, "override/"), {"reason": "Urgent."}, format="json"
    )
    no_reason = api(sponsor).post(url(rollout.second, "override/"), {}, format="json")
    assert counts() == before
    overridden = api(sponsor).post(
        url(rollout.second, "override/"),
        {"reason": "Training continues during the wave."},
        format="json",
    )
    started = api(process_owner).post(url(rollout.second, "start/"), {}, format="json")

    assert by_owner.status_code == 403
    assert fields(no_reason) == ["reason"]
    assert overridden.status_code == 200
    assert_documented(overridden, "/api/deployments/waves/{id}/override/", "post")
    assert overridden.json()["override_by"] == "sponsor"
    assert started.status_code == 200
    assert fresh(rollout.second).state == WaveState.RUNNING


def test_a_wave_finishes_once_its_targets_are_done(process_owner: User, rollout: Rollout) -> None:
    client = api(process_owner)
    client.post(url(rollout.pilot, "start/"), {}, format="json")

    early = client.post(url(rollout.pilot, "finish/"), {}, format="json")
    Target.objects.filter(pk=rollout.alpha.pk).update(
        status=TargetStatus.DEPLOYED, deployed_on=TODAY
    )
    done = client.post(url(rollout.pilot, "finish/"), {"on": str(TODAY)}, format="json")

    assert early.status_code == 400
    assert fields(early) == ["wave"]
    assert "Alpha" in early.json()["errors"][0]["message"]
    assert done.status_code == 200
    assert_documented(done, "/api/deployments/waves/{id}/finish/", "post")
    assert (done.json()["state"], done.json()["actual_end"]) == ("finished", str(TODAY))


def test_a_practitioner_cannot_start_or_finish_a_wave(practitioner: User, rollout: Rollout) -> None:
    before = counts()

    started = api(practitioner).post(url(rollout.pilot, "start/"), {}, format="json")
    finished = api(practitioner).post(url(rollout.pilot, "finish/"), {}, format="json")

    assert (started.status_code, finished.status_code) == (403, 403)
    assert fresh(rollout.pilot).state == WaveState.PLANNED
    assert counts() == before


def test_assigning_targets_to_a_wave(process_owner: User, rollout: Rollout) -> None:
    response = api(process_owner).post(
        url(rollout.pilot, "assign/"), {"targets": [rollout.bravo.pk]}, format="json"
    )

    assert response.status_code == 200
    assert_documented(response, "/api/deployments/waves/{id}/assign/", "post")
    assert response.json() == {"assigned": 1}
    assert Target.objects.get(pk=rollout.bravo.pk).wave_id == rollout.pilot.pk
