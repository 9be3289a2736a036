"""Evaluations of a change on stored observations, and their payback."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from tests.apps.measurements import fixtures_h
from tests.apps.measurements.fixtures_h import START, WEEK, add_series, make_qppo
from uplift.apps.measurements.services import evaluations
from uplift.apps.measurements.services.evaluations import evaluation_payback, evaluation_run
from uplift.apps.measurements.services.measures import MeasurementError
from uplift.domain.statistics import evaluate, payback

pytestmark = pytest.mark.django_db

# Fixtures of fixtures_h (pytest finds them by name in this module).
activities = fixtures_h.activities
csat = fixtures_h.csat
cycle_time = fixtures_h.cycle_time
unit = fixtures_h.unit

BEFORE = [12.1, 11.4, 13.0, 12.6, 11.8, 12.9, 12.2, 11.5, 13.3, 12.4]
AFTER = [9.2, 8.8, 9.9, 9.1, 8.4, 9.6, 9.3, 8.9, 9.7, 9.0]
CHANGE = (START + 10 * WEEK).date()  # the first after value is on this day


@pytest.fixture
def improved(cycle_time, activities):
    """alpha's cycle time drops at CHANGE; gamma (not in the change) stays high."""
    add_series(cycle_time, activities[0], BEFORE + AFTER)
    add_series(cycle_time, activities[2], [30.0] * 20)
    return cycle_time


def test_before_after_splits_the_activities_values_at_the_change_date(improved):
    run = evaluation_run(
        measure=improved, change_date=CHANGE, work_activities=["alpha"], seed=7, n_boot=500
    )

    expected = evaluate(BEFORE, AFTER, seed=7, n_boot=500, direction="lower")
    assert run.evaluation == expected
    assert run.design == "before_after"
    assert (run.before_activities, run.after_activities) == (("alpha",), ("alpha",))
    assert run.evaluation.verdict.improved is True
    assert run.objective is None


def test_without_work_activities_every_activity_counts(improved):
    run = evaluation_run(measure=improved, change_date=CHANGE, seed=1, n_boot=200)

    assert (run.evaluation.n_before, run.evaluation.n_after) == (20, 20)
    assert run.before_activities == ()


def test_the_control_chart_shows_the_change_as_two_phases(improved):
    run = evaluation_run(
        measure=improved, change_date=CHANGE, work_activities=["alpha"], seed=1, n_boot=200
    )

    before, after = run.phases
    assert (before.start, after.start) == (0, 10)
    assert before.center == pytest.approx(np.mean(BEFORE))
    assert after.center == pytest.approx(np.mean(AFTER))
    assert len(run.phase_labels) == 20
    assert run.phase_labels[10] == f"{CHANGE:%Y-%m-%d}"
    assert run.monthly is False


def test_a_long_series_is_charted_as_monthly_means_without_the_month_of_the_change(
    improved, monkeypatch
):
    monkeypatch.setattr(evaluations, "MAX_CHART_POINTS", 5)

    run = evaluation_run(
        measure=improved, change_date=CHANGE, work_activities=["alpha"], seed=1, n_boot=200
    )

    assert run.monthly is True
    assert run.phase_labels == ("2024-01", "2024-02", "2024-04", "2024-05")
    assert any("2024-03, the month of the change" in note for note in run.notes)


def test_a_qppo_on_the_mean_sets_the_target_change_of_the_verdict(improved):
    qppo = make_qppo(improved, target=10.0)

    run = evaluation_run(
        measure=improved, change_date=CHANGE, work_activities=["alpha"], seed=7, n_boot=500
    )

    target_change = 10.0 - float(np.mean(BEFORE))
    assert run.objective == qppo
    assert run.target_change == pytest.approx(target_change)
    expected = evaluate(BEFORE, AFTER, seed=7, n_boot=500, direction="lower", target=target_change)
    assert run.evaluation.verdict == expected.verdict
    assert run.evaluation.verdict.objective == "met"
    assert run.objective_check.met is True
    assert run.objective_check.value == pytest.approx(np.mean(AFTER))


def test_a_qppo_on_a_percentile_is_checked_on_the_after_group_only(improved):
    qppo = make_qppo(improved, target=9.5, statistic="p90")

    run = evaluation_run(
        measure=improved, change_date=CHANGE, work_activities=["alpha"], seed=7, n_boot=200
    )

    assert run.target_change is None
    assert run.evaluation.verdict.objective is None
    assert run.objective_check.objective == qppo
    assert run.objective_check.value == pytest.approx(np.percentile(AFTER, 90))
    assert run.objective_check.met is False
    assert any("point estimate" in note for note in run.notes)


def test_pilot_and_comparison_groups_compare_the_pilot_with_the_comparison(cycle_time, activities):
    add_series(cycle_time, activities[0], AFTER)  # the pilot
    add_series(cycle_time, activities[1], BEFORE)  # the comparison
    add_series(cycle_time, activities[2], [99.0] * 10)  # in neither group

    run = evaluation_run(
        measure=cycle_time, pilot=["alpha"], comparison=["beta"], seed=3, n_boot=300
    )

    assert run.design == "pilot_comparison"
    assert run.evaluation == evaluate(BEFORE, AFTER, seed=3, n_boot=300, direction="lower")
    assert (run.before_label, run.after_label) == ("comparison", "pilot")
    assert [phase.center for phase in run.phases] == pytest.approx(
        [np.mean(BEFORE), np.mean(AFTER)]
    )


def test_the_pilot_period_starts_at_the_change_date_unless_a_start_is_given(cycle_time, activities):
    add_series(cycle_time, activities[0], [50.0] * 5 + AFTER)
    add_series(cycle_time, activities[1], [50.0] * 5 + BEFORE)

    run = evaluation_run(
        measure=cycle_time,
        pilot=["alpha"],
        comparison=["beta"],
        change_date=(START + 5 * WEEK).date(),
        seed=3,
        n_boot=300,
    )

    assert (run.evaluation.n_before, run.evaluation.n_after) == (10, 10)
    assert run.evaluation.mean_after == pytest.approx(np.mean(AFTER))


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({}, "change_date"),
        ({"change_date": CHANGE, "work_activities": ["alpha", "omega"]}, "work_activities"),
        (
            {"change_date": CHANGE, "work_activities": ["alpha"], "pilot": ["beta"]},
            "work_activities",
        ),
        ({"pilot": ["alpha"]}, "comparison"),
        ({"comparison": ["alpha"]}, "pilot"),
        ({"pilot": ["alpha"], "comparison": ["alpha", "beta"]}, "comparison"),
        ({"pilot": ["omega"], "comparison": ["beta"]}, "pilot"),
        ({"change_date": dt.date(2023, 1, 1)}, "change_date"),
        ({"change_date": dt.date(2030, 1, 1)}, "change_date"),
        ({"change_date": CHANGE, "start": dt.date(2024, 6, 1)}, "change_date"),
        ({"change_date": CHANGE, "end": dt.date(2024, 1, 2)}, "change_date"),
        ({"change_date": CHANGE, "start": dt.date(2024, 6, 1), "end": dt.date(2024, 1, 1)}, "end"),
        ({"change_date": CHANGE, "confidence": 1.5}, "confidence"),
        ({"change_date": CHANGE, "n_boot": 10}, "n_boot"),
    ],
)
def test_bad_arguments_are_refused_naming_the_field(improved, arguments, field):
    with pytest.raises(MeasurementError) as refused:
        evaluation_run(measure=improved, **arguments)

    assert refused.value.field == field


def test_a_qppo_of_another_measure_is_refused(improved, csat):
    other = make_qppo(csat, target=80)

    with pytest.raises(MeasurementError) as refused:
        evaluation_run(measure=improved, change_date=CHANGE, objective=other)

    assert refused.value.field == "objective"


# -- payback ---------------------------------------------------------------------------


def test_payback_turns_the_improvement_and_its_interval_into_money(improved):
    run = evaluation_run(
        measure=improved, change_date=CHANGE, work_activities=["alpha"], seed=7, n_boot=500
    )
    e = run.evaluation

    result = evaluation_payback(run=run, cost=6000, running_cost=100, value_per_unit=500)

    # lower is better: a fall of the mean is the benefit
    expected = payback(
        6000, 100, -e.difference * 500, benefit_ci=(-e.ci_high * 500, -e.ci_low * 500)
    )
    assert result == expected
    assert result.months == pytest.approx(6000 / (-e.difference * 500 - 100))
    assert result.months_low <= result.months <= result.months_high


def test_payback_of_a_change_that_made_things_worse_is_never(csat, activities):
    add_series(csat, activities[0], BEFORE + AFTER)  # higher is better; it fell
    run = evaluation_run(measure=csat, change_date=CHANGE, seed=7, n_boot=200)

    result = evaluation_payback(run=run, cost=1000, value_per_unit=10)

    assert result.benefit < 0
    assert result.months is None


@pytest.mark.parametrize("field", ["cost", "running_cost", "value_per_unit"])
def test_payback_refuses_a_negative_input_naming_it(improved, field):
    run = evaluation_run(measure=improved, change_date=CHANGE, seed=1, n_boot=100)
    values = {"cost": 100.0, "running_cost": 0.0, "value_per_unit": 1.0, field: -1.0}

    with pytest.raises(MeasurementError) as refused:
        evaluation_payback(run=run, **values)

    assert refused.value.field == field
