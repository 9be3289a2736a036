"""Gates: criteria, evaluation from measured data and statuses, override (services.waves)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from tests.apps.deployments import test_wave_fixtures
from tests.apps.deployments.test_wave_fixtures import (
    AFTER,
    BEFORE,
    CHANGE,
    deploy,
    make_target,
    make_wave,
    measured,
)
from tests.apps.measurements.fixtures_h import make_measure
from uplift.apps.deployments.choices import GateCriterionKind, TargetStatus, WaveState
from uplift.apps.deployments.errors import DeploymentError
from uplift.apps.deployments.models import GateCriterion, GateEvaluation, Wave
from uplift.apps.deployments.services import waves

pytestmark = pytest.mark.django_db

plan = test_wave_fixtures.plan

D = dt.date


def _criterion(wave: Wave, kind: str, **fields: Any) -> GateCriterion:
    """A criterion made directly (through the service it would make a new revision of
    the agreed plan, to be agreed before any wave starts)."""
    fields.setdefault("description", f"{kind} criterion")
    return GateCriterion.objects.create(wave=wave, kind=kind, **fields)


@pytest.fixture
def piloted(plan):
    """The pilot (wave 1) started on CHANGE with Alpha and Beta deployed; wave 2 planned
    with Charlie (60 % trained) and Delta (90 %)."""
    pilot = make_wave(plan, 1, name="Pilot", state=WaveState.RUNNING, actual_start=CHANGE)
    second = make_wave(plan, 2, name="Wave 1")
    alpha = make_target(plan, "Alpha", wave=pilot)
    beta = make_target(plan, "Beta", wave=pilot)
    deploy([alpha, beta])
    make_target(plan, "Charlie", wave=second, training_percent=60)
    make_target(plan, "Delta", wave=second, training_percent=90)
    return {"pilot": pilot, "second": second, "alpha": alpha, "beta": beta}


# -- measure improved ------------------------------------------------------------------


def test_the_gate_passes_from_measured_data_and_the_next_wave_starts(plan, piloted, process_owner):
    cycle_time = measured([piloted["alpha"], piloted["beta"]])
    second = piloted["second"]
    _criterion(
        second,
        GateCriterionKind.MEASURE_IMPROVED,
        measure=cycle_time,
        threshold=10.0,
        confidence=0.9,
        description="Cycle time improved by 10 % with 90 % confidence in the pilot",
    )

    evaluation = waves.gate_evaluate(wave=second, actor=process_owner)

    assert evaluation.passed is True
    (row,) = evaluation.results
    figures = row["figures"]
    assert row["passed"] is True
    assert row["description"] == "Cycle time improved by 10 % with 90 % confidence in the pilot"
    assert figures["change_date"] == CHANGE.isoformat()
    assert figures["work_activities"] == ["alpha", "beta"]
    assert (figures["n_before"], figures["n_after"]) == (20, 20)
    assert figures["mean_before"] == pytest.approx(sum(BEFORE) / 10)
    assert figures["mean_after"] == pytest.approx(sum(AFTER) / 10)
    assert figures["percent_better"] == pytest.approx(
        100 * (sum(BEFORE) - sum(AFTER)) / sum(BEFORE)
    )
    assert (figures["seed"], figures["n_boot"], figures["confidence"]) == (0, 2000, 0.9)
    assert figures["ci_high"] < 0

    started = waves.wave_start(wave=second, actor=process_owner, on=D(2024, 6, 3))

    assert started.messages[0] == "Wave 2 “Wave 1” started on 2024-06-03."
    assert Wave.objects.get(pk=second.pk).state == WaveState.RUNNING
    assert GateEvaluation.objects.filter(wave=second).count() == 2


def test_an_improvement_smaller_than_the_threshold_does_not_pass(plan, piloted, process_owner):
    cycle_time = measured([piloted["alpha"], piloted["beta"]])
    _criterion(
        piloted["second"],
        GateCriterionKind.MEASURE_IMPROVED,
        measure=cycle_time,
        threshold=40.0,
        confidence=0.9,
    )

    evaluation = waves.gate_evaluate(wave=piloted["second"], actor=process_owner)

    (row,) = evaluation.results
    assert evaluation.passed is False
    assert "at least 40 % better is needed" in row["detail"]


def test_a_measure_that_did_not_move_is_not_significant(plan, piloted, process_owner):
    flat = [10.0, 10.4, 9.6, 10.2, 9.8] * 2
    cycle_time = measured([piloted["alpha"], piloted["beta"]], before=flat, after=flat)
    _criterion(
        piloted["second"],
        GateCriterionKind.MEASURE_IMPROVED,
        measure=cycle_time,
        threshold=0.0,
        confidence=0.9,
    )

    (row,) = waves.gate_evaluate(wave=piloted["second"], actor=process_owner).results

    assert row["passed"] is False
    assert "not significant" in row["detail"]


def test_without_deployed_earlier_targets_there_is_not_enough_data(plan, piloted, process_owner):
    cycle_time = measured([piloted["alpha"], piloted["beta"]])
    piloted["alpha"].__class__.objects.filter(wave=piloted["pilot"]).update(
        status=TargetStatus.PREPARING
    )
    _criterion(
        piloted["second"],
        GateCriterionKind.MEASURE_IMPROVED,
        measure=cycle_time,
        threshold=10.0,
        confidence=0.9,
    )

    (row,) = waves.gate_evaluate(wave=piloted["second"], actor=process_owner).results

    assert row["passed"] is False
    assert row["detail"] == "Not enough data: no target of the earlier waves is deployed yet."


def test_without_observations_after_the_start_there_is_not_enough_data(
    plan, piloted, process_owner
):
    cycle_time = measured([piloted["alpha"], piloted["beta"]], after=[])
    _criterion(
        piloted["second"],
        GateCriterionKind.MEASURE_IMPROVED,
        measure=cycle_time,
        threshold=10.0,
        confidence=0.9,
    )

    (row,) = waves.gate_evaluate(wave=piloted["second"], actor=process_owner).results

    assert row["passed"] is False
    assert row["detail"] == (
        "Not enough data: The after group has 0 values; at least 2 are needed."
    )


def test_before_any_earlier_wave_started_there_is_no_after(plan, process_owner):
    make_wave(plan, 1)
    second = make_wave(plan, 2)
    _criterion(
        second,
        GateCriterionKind.MEASURE_IMPROVED,
        measure=make_measure(),
        threshold=10.0,
        confidence=0.9,
    )

    (row,) = waves.gate_evaluate(wave=second, actor=process_owner).results

    assert row["detail"] == "Not enough data: no earlier wave has started, so there is no after."


# -- training, deployed share, manual --------------------------------------------------


def test_the_gate_fails_on_training_naming_the_targets_below(plan, piloted, process_owner):
    second = piloted["second"]
    _criterion(second, GateCriterionKind.TRAINING_COMPLETION, threshold=80.0)

    evaluation = waves.gate_evaluate(wave=second, actor=process_owner)

    (row,) = evaluation.results
    assert evaluation.passed is False
    assert row["detail"] == "1 target below 80 % training: Charlie (60 %)."
    assert row["figures"]["below"] == [["Charlie", 60]]
    with pytest.raises(DeploymentError, match="1 target below 80 % training: Charlie"):
        waves.wave_start(wave=second, actor=process_owner)
    assert Wave.objects.get(pk=second.pk).state == WaveState.PLANNED


def test_the_training_criterion_excuses_opted_out_targets(plan, piloted, process_owner):
    second = piloted["second"]
    make_target(
        plan,
        "Echo",
        wave=second,
        training_percent=0,
        status=TargetStatus.OPTED_OUT,
        status_reason="Ends in March.",
    )
    _criterion(second, GateCriterionKind.TRAINING_COMPLETION, threshold=50.0)

    (row,) = waves.gate_evaluate(wave=second, actor=process_owner).results

    assert row["passed"] is True
    assert "Echo" not in row["detail"]


def test_the_deployed_share_excuses_opted_out_targets(plan, piloted, process_owner):
    second = piloted["second"]
    make_target(
        plan,
        "Echo",
        wave=piloted["pilot"],
        status=TargetStatus.OPTED_OUT,
        status_reason="Ends in March.",
    )
    make_target(plan, "Foxtrot", wave=piloted["pilot"], status=TargetStatus.PREPARING)
    _criterion(second, GateCriterionKind.DEPLOYED_SHARE, threshold=60.0)

    (row,) = waves.gate_evaluate(wave=second, actor=process_owner).results

    assert row["passed"] is True
    assert row["detail"] == "2 of 3 earlier targets deployed (66.67 %), at least the 60 % needed."


def test_a_deployed_share_below_the_threshold_names_the_targets_not_deployed(
    plan, piloted, process_owner
):
    make_target(plan, "Foxtrot", wave=piloted["pilot"], status=TargetStatus.PREPARING)
    _criterion(piloted["second"], GateCriterionKind.DEPLOYED_SHARE, threshold=100.0)

    (row,) = waves.gate_evaluate(wave=piloted["second"], actor=process_owner).results

    assert row["passed"] is False
    assert row["detail"].endswith("Not deployed: Foxtrot (preparing).")


def test_a_manual_criterion_passes_once_a_plan_editor_says_it_is_met(plan, process_owner):
    wave = make_wave(plan, 1)
    criterion = _criterion(wave, GateCriterionKind.MANUAL, description="Checklist written")
    first = waves.gate_evaluate(wave=wave, actor=process_owner)

    waves.gate_manual_set(criterion=criterion, actor=process_owner, met=True)
    second = waves.gate_evaluate(wave=wave, actor=process_owner)

    criterion.refresh_from_db()
    assert (first.passed, second.passed) == (False, True)
    assert first.results[0]["detail"] == "Not yet checked by a person."
    assert second.results[0]["detail"].startswith("Met, said Grace")
    assert (criterion.manual_met, criterion.manual_by) == (True, process_owner)
    assert criterion.manual_at is not None


@pytest.mark.parametrize("persona", ["practitioner", "project_manager", "sponsor"])
def test_only_plan_editors_check_a_manual_criterion(plan, persona, request):
    criterion = _criterion(make_wave(plan, 1), GateCriterionKind.MANUAL)

    with pytest.raises(PermissionDenied):
        waves.gate_manual_set(criterion=criterion, actor=request.getfixturevalue(persona), met=True)

    criterion.refresh_from_db()
    assert (criterion.manual_met, criterion.history.count()) == (None, 1)


def test_an_evaluated_criterion_is_not_set_by_hand(plan, process_owner):
    criterion = _criterion(make_wave(plan, 1), GateCriterionKind.TRAINING_COMPLETION, threshold=80)

    with pytest.raises(DeploymentError, match="set by hand"):
        waves.gate_manual_set(criterion=criterion, actor=process_owner, met=True)


def test_a_gate_without_criteria_passes(plan, process_owner):
    evaluation = waves.gate_evaluate(wave=make_wave(plan, 1), actor=process_owner)

    assert (evaluation.passed, evaluation.results) == (True, [])


def test_the_command_line_evaluates_without_an_actor(plan):
    evaluation = waves.gate_evaluate(wave=make_wave(plan, 1))

    assert evaluation.evaluated_by is None


def test_a_practitioner_evaluates_no_gate(plan, practitioner):
    wave = make_wave(plan, 1)

    with pytest.raises(PermissionDenied):
        waves.gate_evaluate(wave=wave, actor=practitioner)

    assert not GateEvaluation.objects.exists()


def test_the_gate_of_a_started_wave_is_not_evaluated(plan, process_owner):
    wave = make_wave(plan, 1, state=WaveState.RUNNING, actual_start=D(2026, 1, 5))

    with pytest.raises(DeploymentError, match="its gate is behind it"):
        waves.gate_evaluate(wave=wave, actor=process_owner)


def test_gate_state_reads_the_latest_evaluation(plan, process_owner):
    wave = make_wave(plan, 1)
    assert waves.gate_state(wave).passed is None
    evaluation = waves.gate_evaluate(wave=wave, actor=process_owner)

    state = waves.gate_state(wave)

    assert (state.passed, state.overridden, state.open) == (True, False, True)
    assert state.as_json() == {
        "passed": True,
        "overridden": False,
        "evaluated_at": evaluation.evaluated_at.isoformat(),
        "criteria": [],
    }


# -- override --------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["practitioner", "project_manager", "process_owner"])
def test_people_without_the_override_permission_override_no_gate(plan, piloted, persona, request):
    second = piloted["second"]

    with pytest.raises(PermissionDenied, match=r"deployments\.override_gate"):
        waves.gate_override(
            wave=second, actor=request.getfixturevalue(persona), reason="We are late."
        )

    second.refresh_from_db()
    assert (second.override_at, second.override_reason, second.version) == (None, "", 1)
    assert second.history.count() == 1


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_override_needs_a_reason(plan, piloted, sponsor, reason):
    with pytest.raises(DeploymentError, match="Say why") as caught:
        waves.gate_override(wave=piloted["second"], actor=sponsor, reason=reason)

    assert caught.value.field == "reason"
    assert Wave.objects.get(pk=piloted["second"].pk).override_at is None


@pytest.mark.parametrize("persona", ["sponsor", "steering"])
def test_an_overridden_gate_lets_the_wave_start_though_it_has_not_passed(
    plan, piloted, process_owner, persona, request
):
    overrider = request.getfixturevalue(persona)
    second = piloted["second"]
    _criterion(second, GateCriterionKind.TRAINING_COMPLETION, threshold=80.0)

    waves.gate_override(wave=second, actor=overrider, reason="Charlie trains in week one.")
    started = waves.wave_start(wave=second, actor=process_owner, on=D(2024, 6, 3))

    second.refresh_from_db()
    assert (second.override_by, second.override_reason) == (
        overrider,
        "Charlie trains in week one.",
    )
    assert second.state == WaveState.RUNNING
    assert GateEvaluation.objects.get(wave=second).passed is False
    assert started.messages[1] == (
        f"The gate has not passed; {overrider.get_full_name()} overrode it: "
        "Charlie trains in week one."
    )


def test_a_started_wave_has_no_gate_left_to_override(plan, piloted, sponsor):
    with pytest.raises(DeploymentError, match="no gate left to override"):
        waves.gate_override(wave=piloted["pilot"], actor=sponsor, reason="Late.")


# -- adding and removing criteria ------------------------------------------------------


def test_adding_a_criterion_writes_its_description_in_words(plan, piloted, process_owner):
    cycle_time = make_measure("cycle-time")

    criterion = waves.gate_criterion_add(
        wave=piloted["second"],
        actor=process_owner,
        kind=GateCriterionKind.MEASURE_IMPROVED,
        measure=cycle_time,
        threshold=10,
    )

    assert criterion.description == (
        "Cycle time improved by at least 10 % with 90 % confidence in the earlier waves"
    )
    assert (criterion.confidence, criterion.position) == (0.9, 1)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "vibes"}, "kind"),
        ({"kind": GateCriterionKind.MEASURE_IMPROVED, "threshold": 10}, "measure"),
        ({"kind": GateCriterionKind.TRAINING_COMPLETION}, "threshold"),
        ({"kind": GateCriterionKind.TRAINING_COMPLETION, "threshold": 120}, "threshold"),
        ({"kind": GateCriterionKind.DEPLOYED_SHARE, "threshold": "many"}, "threshold"),
        ({"kind": GateCriterionKind.MANUAL}, "description"),
    ],
)
def test_a_criterion_with_bad_input_is_refused_naming_the_field(
    plan, piloted, process_owner, fields, field
):
    with pytest.raises(DeploymentError) as caught:
        waves.gate_criterion_add(wave=piloted["second"], actor=process_owner, **fields)

    assert caught.value.field == field
    assert not GateCriterion.objects.exists()


def test_a_confidence_outside_one_half_to_one_is_refused(plan, piloted, process_owner):
    with pytest.raises(DeploymentError) as caught:
        waves.gate_criterion_add(
            wave=piloted["second"],
            actor=process_owner,
            kind=GateCriterionKind.MEASURE_IMPROVED,
            measure=make_measure(),
            threshold=10,
            confidence=90,
        )

    assert caught.value.field == "confidence"


def test_the_first_wave_has_no_earlier_waves_to_judge(plan, process_owner):
    with pytest.raises(DeploymentError, match="has no earlier wave") as caught:
        waves.gate_criterion_add(
            wave=make_wave(plan, 1),
            actor=process_owner,
            kind=GateCriterionKind.DEPLOYED_SHARE,
            threshold=50,
        )

    assert caught.value.field == "kind"


def test_a_started_wave_takes_no_criteria(plan, piloted, process_owner):
    with pytest.raises(DeploymentError, match="its gate is behind it"):
        waves.gate_criterion_add(
            wave=piloted["pilot"],
            actor=process_owner,
            kind=GateCriterionKind.MANUAL,
            description="Late",
        )


def test_removing_a_criterion_is_a_content_change(plan, piloted, process_owner, monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(
        waves.plan_services,
        "plan_content_changed",
        lambda *, plan, actor, reason: calls.append(reason),
    )
    criterion = _criterion(piloted["second"], GateCriterionKind.MANUAL, description="Checklist")

    waves.gate_criterion_remove(criterion=criterion, actor=process_owner)

    assert not GateCriterion.objects.exists()
    assert calls == ["Wave 2 “Wave 1”: gate criterion “Checklist” removed."]


def test_a_practitioner_removes_no_criterion(plan, piloted, practitioner):
    criterion = _criterion(piloted["second"], GateCriterionKind.MANUAL)

    with pytest.raises(PermissionDenied):
        waves.gate_criterion_remove(criterion=criterion, actor=practitioner)

    assert GateCriterion.objects.count() == 1
