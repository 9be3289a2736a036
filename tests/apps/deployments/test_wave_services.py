"""Waves: create, change, delete, assign targets, start and finish (services.waves)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from tests.apps.deployments import test_wave_fixtures
from tests.apps.deployments.test_wave_fixtures import make_plan, make_target, make_wave
from tests.factories.improvements import ProposalFactory
from uplift.apps.deployments.choices import (
    GateCriterionKind,
    PlanState,
    SignOffDecision,
    StakeholderKind,
    TargetStatus,
    WaveKind,
    WaveState,
)
from uplift.apps.deployments.errors import ConflictError, DeploymentError
from uplift.apps.deployments.models import GateCriterion, GateEvaluation, SignOff, Target, Wave
from uplift.apps.deployments.services import plans as plan_services
from uplift.apps.deployments.services import waves
from uplift.apps.improvements.choices import ProposalState

pytestmark = pytest.mark.django_db

plan = test_wave_fixtures.plan

D = dt.date


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, str]]:
    """Record the calls of the plans' content-change hook: (plan id, reason)."""
    calls: list[tuple[int, str]] = []

    def record(*, plan: Any, actor: Any, reason: str) -> None:
        calls.append((plan.pk, reason))

    monkeypatch.setattr(plan_services, "plan_content_changed", record)
    return calls


def _create(plan: Any, actor: Any, **fields: Any) -> Wave:
    values = {
        "name": "Pilot",
        "kind": WaveKind.PILOT,
        "planned_start": D(2026, 1, 5),
        "planned_end": D(2026, 3, 27),
        **fields,
    }
    return waves.wave_create(plan=plan, actor=actor, **values)


# -- create, update, delete ------------------------------------------------------------


def test_a_plan_editor_adds_waves_numbered_from_one(plan, process_owner, hook):
    pilot = _create(plan, process_owner)
    second = _create(plan, process_owner, name="Wave 1", kind=WaveKind.WAVE)

    assert (pilot.number, second.number) == (1, 2)
    assert (pilot.state, pilot.version) == (WaveState.PLANNED, 1)
    assert pilot.history.get().history_user == process_owner
    assert hook == [
        (plan.pk, "Wave 1 “Pilot” added."),
        (plan.pk, "Wave 2 “Wave 1” added."),
    ]


def test_a_wave_that_ends_before_it_starts_is_refused_naming_the_end(plan, process_owner):
    with pytest.raises(DeploymentError) as caught:
        _create(plan, process_owner, planned_start=D(2026, 3, 1), planned_end=D(2026, 2, 1))

    assert caught.value.field == "planned_end"
    assert not Wave.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"kind": "big-bang"}, "kind"),
        ({"planned_start": "2026-01-05"}, "planned_start"),
        ({"number": 0}, "number"),
    ],
)
def test_bad_wave_input_is_refused_naming_the_field(plan, process_owner, fields, field):
    with pytest.raises(DeploymentError) as caught:
        _create(plan, process_owner, **fields)

    assert caught.value.field == field
    assert not Wave.objects.exists()


def test_a_taken_number_is_refused(plan, process_owner):
    make_wave(plan, 1)

    with pytest.raises(DeploymentError, match="already has a wave 1") as caught:
        _create(plan, process_owner, number=1)

    assert caught.value.field == "number"


def test_a_number_before_a_started_wave_is_refused(plan, process_owner):
    make_wave(plan, 2, state=WaveState.RUNNING, actual_start=D(2026, 1, 5))

    with pytest.raises(DeploymentError, match="would come before Wave 2"):
        _create(plan, process_owner, number=1)


@pytest.mark.parametrize("persona", ["practitioner", "project_manager", "sponsor"])
def test_people_who_do_not_edit_the_plan_add_no_wave(plan, persona, request, hook):
    actor = request.getfixturevalue(persona)

    with pytest.raises(PermissionDenied):
        _create(plan, actor)

    assert not Wave.objects.exists()
    assert hook == []


def test_a_closed_plan_takes_no_new_wave(process_owner):
    cancelled = make_plan(process_owner, state=PlanState.CANCELLED)

    with pytest.raises(DeploymentError, match="cancelled") as caught:
        _create(cancelled, process_owner)

    assert caught.value.field == "plan"


def test_an_update_saves_the_changed_fields_bumps_the_version_and_calls_the_hook(
    plan, process_owner, hook
):
    wave = _create(plan, process_owner)
    hook.clear()

    waves.wave_update(
        wave=wave,
        actor=process_owner,
        expected_version=1,
        name="Pilot (two projects)",
        planned_end=D(2026, 4, 3),
    )

    wave.refresh_from_db()
    assert (wave.name, wave.planned_end, wave.version) == ("Pilot (two projects)", D(2026, 4, 3), 2)
    assert wave.history.count() == 2
    assert hook == [(plan.pk, "Wave 1 “Pilot (two projects)” changed: Changed: name, planned_end.")]


def test_an_unchanged_update_writes_nothing(plan, process_owner, hook):
    wave = _create(plan, process_owner)
    hook.clear()

    waves.wave_update(wave=wave, actor=process_owner, expected_version=1, name="Pilot")

    wave.refresh_from_db()
    assert (wave.version, wave.history.count()) == (1, 1)
    assert hook == []


def test_an_update_from_a_stale_version_is_a_conflict_and_changes_nothing(plan, process_owner):
    wave = _create(plan, process_owner)
    waves.wave_update(wave=wave, actor=process_owner, expected_version=1, name="Pilot A")

    with pytest.raises(ConflictError, match="version 2, you started from 1"):
        waves.wave_update(wave=wave, actor=process_owner, expected_version=1, name="Pilot B")

    wave.refresh_from_db()
    assert (wave.name, wave.version, wave.history.count()) == ("Pilot A", 2, 2)


def test_an_update_of_an_unknown_field_is_refused(plan, process_owner):
    wave = _create(plan, process_owner)

    with pytest.raises(DeploymentError, match="actual_start") as caught:
        waves.wave_update(wave=wave, actor=process_owner, actual_start=D(2026, 1, 1))

    assert caught.value.field == "actual_start"


def test_deleting_a_planned_wave_keeps_its_targets_without_a_wave(plan, process_owner, hook):
    wave = _create(plan, process_owner)
    alpha = make_target(plan, "Alpha", wave=wave)
    hook.clear()

    waves.wave_delete(wave=wave, actor=process_owner)

    alpha.refresh_from_db()
    assert not Wave.objects.exists()
    assert (alpha.wave, alpha.version) == (None, 2)
    assert alpha.history.first().history_user == process_owner
    assert hook == [(plan.pk, "Wave 1 “Pilot” deleted.")]


def test_a_started_wave_is_not_deleted(plan, process_owner):
    wave = make_wave(plan, 1, state=WaveState.RUNNING, actual_start=D(2026, 1, 5))

    with pytest.raises(DeploymentError, match="has started"):
        waves.wave_delete(wave=wave, actor=process_owner)

    assert Wave.objects.filter(pk=wave.pk).exists()


# -- assign ----------------------------------------------------------------------------


def test_assigning_targets_moves_them_into_the_wave(plan, process_owner, hook):
    first, second = make_wave(plan, 1), make_wave(plan, 2)
    alpha = make_target(plan, "Alpha")
    beta = make_target(plan, "Beta", wave=first)

    count = waves.wave_assign(wave=second, actor=process_owner, targets=[alpha, beta])

    assert count == 2
    assert set(second.targets.values_list("work_activity__name", flat=True)) == {"Alpha", "Beta"}
    assert not first.targets.exists()
    assert Target.objects.get(pk=alpha.pk).version == 2
    assert hook == [(plan.pk, "Wave 2 “Wave 2”: 2 targets assigned or taken out.")]


def test_assigning_the_targets_already_there_changes_nothing(plan, process_owner, hook):
    wave = make_wave(plan, 1)
    alpha = make_target(plan, "Alpha", wave=wave)

    assert waves.wave_assign(wave=wave, actor=process_owner, targets=[alpha]) == 0
    assert Target.objects.get(pk=alpha.pk).version == 1
    assert hook == []


def test_replacing_takes_the_unchosen_targets_out_of_the_wave(plan, process_owner):
    wave = make_wave(plan, 1)
    alpha = make_target(plan, "Alpha", wave=wave)
    beta = make_target(plan, "Beta")

    count = waves.wave_assign(wave=wave, actor=process_owner, targets=[beta], replace=True)

    assert count == 2
    assert list(wave.targets.values_list("work_activity__name", flat=True)) == ["Beta"]
    assert Target.objects.get(pk=alpha.pk).wave is None


def test_a_target_of_another_plan_is_refused_and_nothing_moves(plan, process_owner):
    wave = make_wave(plan, 1)
    alpha = make_target(plan, "Alpha")
    stranger = make_target(make_plan(process_owner), "Stranger")

    with pytest.raises(DeploymentError, match="targets of this plan") as caught:
        waves.wave_assign(wave=wave, actor=process_owner, targets=[alpha, stranger])

    assert caught.value.field == "targets"
    assert not wave.targets.exists()


def test_an_excluded_target_is_not_assigned(plan, process_owner):
    wave = make_wave(plan, 1)
    gone = make_target(plan, "Gone", excluded=True, reason="Ends in March.")

    with pytest.raises(DeploymentError, match="Gone is excluded"):
        waves.wave_assign(wave=wave, actor=process_owner, targets=[gone])


def test_a_deployed_target_stays_in_the_started_wave_it_was_deployed_in(plan, process_owner):
    pilot = make_wave(plan, 1, state=WaveState.RUNNING, actual_start=D(2026, 1, 5))
    second = make_wave(plan, 2)
    alpha = make_target(plan, "Alpha", wave=pilot, status=TargetStatus.DEPLOYED)

    with pytest.raises(DeploymentError, match="Alpha is deployed in Wave 1"):
        waves.wave_assign(wave=second, actor=process_owner, targets=[alpha])

    assert Target.objects.get(pk=alpha.pk).wave == pilot


def test_a_finished_wave_takes_no_targets(plan, process_owner):
    wave = make_wave(plan, 1, state=WaveState.FINISHED, actual_start=D(2026, 1, 5))

    with pytest.raises(DeploymentError, match="has finished"):
        waves.wave_assign(wave=wave, actor=process_owner, targets=[make_target(plan, "Alpha")])


def test_a_project_manager_does_not_assign_targets(plan, project_manager, managed_project):
    wave = make_wave(plan, 1)
    target = Target.objects.create(plan=plan, work_activity=managed_project, source="added")

    with pytest.raises(PermissionDenied):
        waves.wave_assign(wave=wave, actor=project_manager, targets=[target])

    target.refresh_from_db()
    assert (target.wave, target.version, target.history.count()) == (None, 1, 1)


# -- start -----------------------------------------------------------------------------


def test_starting_wave_one_moves_the_plan_and_its_proposals_to_deploying(
    process_group_member,
):
    agreed = make_plan(process_group_member)
    wave = make_wave(agreed, 1, name="Pilot")
    proposal = agreed.proposals.get()

    started = waves.wave_start(wave=wave, actor=process_group_member, on=D(2026, 1, 5))

    wave.refresh_from_db()
    agreed.refresh_from_db()
    proposal.refresh_from_db()
    assert (wave.state, wave.actual_start, wave.version) == (WaveState.RUNNING, D(2026, 1, 5), 2)
    assert (agreed.state, agreed.version) == (PlanState.DEPLOYING, 2)
    assert proposal.state == ProposalState.DEPLOYING
    assert started.wave == wave
    assert started.messages == (
        "Wave 1 “Pilot” started on 2026-01-05.",
        f"{agreed.reference} is now deploying.",
        f"{proposal.reference} is now deploying.",
    )
    assert GateEvaluation.objects.get(wave=wave).passed is True  # no criteria: passes


def test_an_editor_who_may_not_move_proposals_starts_the_wave_and_is_told(plan, process_owner):
    wave = make_wave(plan, 1, name="Pilot")
    proposal = plan.proposals.get()

    started = waves.wave_start(wave=wave, actor=process_owner)

    proposal.refresh_from_db()
    assert proposal.state == ProposalState.SELECTED_FOR_DEPLOYMENT
    assert started.messages[-1] == (
        f"{proposal.reference} stays selected for deployment: moving it to deploying needs "
        "the permission improvements.decide_proposal (the process group)."
    )
    assert Wave.objects.get(pk=wave.pk).actual_start == timezone.localdate()


@pytest.mark.parametrize("state", [PlanState.DRAFT, PlanState.IN_REVIEW])
def test_wave_one_of_a_plan_not_agreed_does_not_start(process_owner, state):
    unagreed = make_plan(process_owner, state=state)
    wave = make_wave(unagreed, 1)

    with pytest.raises(DeploymentError, match="a wave starts once every required") as caught:
        waves.wave_start(wave=wave, actor=process_owner)

    assert caught.value.field == "plan"
    wave.refresh_from_db()
    unagreed.refresh_from_db()
    assert (wave.state, wave.version, wave.history.count()) == (WaveState.PLANNED, 1, 1)
    assert unagreed.state == state
    assert not GateEvaluation.objects.exists()


def test_a_deploying_plan_whose_new_revision_awaits_agreement_starts_no_wave(
    process_owner, sponsor
):
    deploying = make_plan(process_owner, state=PlanState.DEPLOYING)
    make_wave(deploying, 1, state=WaveState.RUNNING, actual_start=D(2026, 1, 5))
    second = make_wave(deploying, 2)
    deploying.revision = 2
    deploying.save(update_fields=["revision"])
    SignOff.objects.create(
        plan=deploying,
        revision=2,
        stakeholder=sponsor,
        kind=StakeholderKind.SPONSOR,
        decision=SignOffDecision.PENDING,
    )

    with pytest.raises(DeploymentError, match=r"Revision 2 of .* awaits agreement"):
        waves.wave_start(wave=second, actor=process_owner)

    assert Wave.objects.get(pk=second.pk).state == WaveState.PLANNED


def test_wave_two_does_not_start_before_wave_one(plan, process_owner):
    make_wave(plan, 1, name="Pilot")
    second = make_wave(plan, 2)

    with pytest.raises(DeploymentError, match="Wave 1 “Pilot” has not started: waves start"):
        waves.wave_start(wave=second, actor=process_owner)

    assert Wave.objects.get(pk=second.pk).state == WaveState.PLANNED


def test_a_wave_does_not_start_before_the_previous_one_did(plan, process_owner):
    make_wave(plan, 1, state=WaveState.RUNNING, actual_start=D(2026, 2, 2))
    second = make_wave(plan, 2)

    with pytest.raises(DeploymentError, match="started on 2026-02-02") as caught:
        waves.wave_start(wave=second, actor=process_owner, on=D(2026, 2, 1))

    assert caught.value.field == "on"


def test_no_wave_starts_while_a_proposal_is_still_validating(plan, process_owner):
    late = ProposalFactory(state=ProposalState.VALIDATING)
    plan.proposals.add(late)
    wave = make_wave(plan, 1)

    with pytest.raises(DeploymentError, match=f"{late.reference} is validating"):
        waves.wave_start(wave=wave, actor=process_owner)


def test_a_start_in_the_future_is_refused(plan, process_owner):
    wave = make_wave(plan, 1)

    with pytest.raises(DeploymentError, match="in the future") as caught:
        waves.wave_start(
            wave=wave, actor=process_owner, on=timezone.localdate() + dt.timedelta(days=1)
        )

    assert caught.value.field == "on"


def test_a_started_wave_does_not_start_again(plan, process_owner):
    wave = make_wave(plan, 1, state=WaveState.RUNNING, actual_start=D(2026, 1, 5))

    with pytest.raises(DeploymentError, match="already started"):
        waves.wave_start(wave=wave, actor=process_owner)


def test_a_refused_start_keeps_the_fresh_evaluation_of_the_gate(plan, process_owner):
    wave = make_wave(plan, 1)
    # Made directly: adding it through the service would make a new revision to agree.
    GateCriterion.objects.create(
        wave=wave, kind=GateCriterionKind.MANUAL, description="The checklist is written"
    )

    with pytest.raises(DeploymentError, match="has not passed") as caught:
        waves.wave_start(wave=wave, actor=process_owner)

    assert caught.value.field == "gate"
    assert "The checklist is written: Not yet checked by a person." in caught.value.message
    evaluation = GateEvaluation.objects.get(wave=wave)
    assert (evaluation.passed, evaluation.evaluated_by) == (False, process_owner)
    assert Wave.objects.get(pk=wave.pk).state == WaveState.PLANNED


@pytest.mark.parametrize("persona", ["practitioner", "project_manager", "sponsor"])
def test_people_who_do_not_edit_the_plan_start_no_wave(plan, persona, request):
    wave = make_wave(plan, 1)

    with pytest.raises(PermissionDenied):
        waves.wave_start(wave=wave, actor=request.getfixturevalue(persona))

    plan.refresh_from_db()
    assert (Wave.objects.get(pk=wave.pk).state, plan.state) == (WaveState.PLANNED, PlanState.AGREED)
    assert not GateEvaluation.objects.exists()


# -- finish ----------------------------------------------------------------------------


def test_a_wave_finishes_when_each_target_is_done(plan, process_owner):
    wave = make_wave(plan, 1, state=WaveState.RUNNING, actual_start=D(2026, 1, 5))
    make_target(plan, "Alpha", wave=wave, status=TargetStatus.DEPLOYED)
    make_target(plan, "Beta", wave=wave, status=TargetStatus.OPTED_OUT, status_reason="Ends.")
    make_target(plan, "Gone", wave=wave, excluded=True, reason="Out of scope.")

    waves.wave_finish(wave=wave, actor=process_owner, on=D(2026, 3, 27))

    wave.refresh_from_db()
    assert (wave.state, wave.actual_end, wave.version) == (WaveState.FINISHED, D(2026, 3, 27), 2)


def test_a_wave_with_targets_not_done_does_not_finish_and_names_them(plan, process_owner):
    wave = make_wave(plan, 1, state=WaveState.RUNNING, actual_start=D(2026, 1, 5))
    make_target(plan, "Alpha", wave=wave, status=TargetStatus.DEPLOYED)
    make_target(plan, "Bravo", wave=wave, status=TargetStatus.PREPARING)
    make_target(plan, "Charlie", wave=wave)

    with pytest.raises(DeploymentError) as caught:
        waves.wave_finish(wave=wave, actor=process_owner)

    assert caught.value.message == (
        "2 targets of Wave 1 “Wave 1” are not done yet: Bravo (preparing), Charlie (not started)."
    )
    assert Wave.objects.get(pk=wave.pk).state == WaveState.RUNNING


@pytest.mark.parametrize(
    ("state", "message"),
    [(WaveState.PLANNED, "has not started"), (WaveState.FINISHED, "has finished")],
)
def test_only_a_running_wave_finishes(plan, process_owner, state, message):
    wave = make_wave(plan, 1, state=state)

    with pytest.raises(DeploymentError, match=message):
        waves.wave_finish(wave=wave, actor=process_owner)


def test_a_wave_does_not_finish_before_it_started(plan, process_owner):
    wave = make_wave(plan, 1, state=WaveState.RUNNING, actual_start=D(2026, 1, 5))

    with pytest.raises(DeploymentError, match="cannot finish before"):
        waves.wave_finish(wave=wave, actor=process_owner, on=D(2026, 1, 4))


def test_adding_a_wave_to_an_agreed_plan_makes_a_revision_to_agree_again(plan, process_owner):
    _create(plan, process_owner)

    plan.refresh_from_db()
    assert (plan.revision, plan.state) == (2, PlanState.IN_REVIEW)
    assert SignOff.objects.get(plan=plan, revision=2).decision == SignOffDecision.PENDING
