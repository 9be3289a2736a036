"""Objectives: the rules of business objectives and QPPOs, and their status (shortfalls)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.apps.measurements import fixtures_h
from tests.apps.measurements.fixtures_h import add_series, make_qppo
from uplift.apps.measurements import selectors
from uplift.apps.measurements.models import Objective
from uplift.apps.measurements.services.baselines import baseline_compute
from uplift.apps.measurements.services.measures import MeasurementError
from uplift.apps.measurements.services.objectives import objective_create, objective_update

pytestmark = pytest.mark.django_db

# Fixtures of fixtures_h (pytest finds them by name in this module).
activities = fixtures_h.activities
csat = fixtures_h.csat
cycle_time = fixtures_h.cycle_time
unit = fixtures_h.unit


@pytest.fixture
def business(db):
    return objective_create(kind="business", name="Deliver faster", priority=1)


def test_a_qppo_traces_to_a_business_objective_with_a_measure_and_a_target(
    business, cycle_time, activities
):
    qppo = objective_create(
        kind="qppo",
        name="Cycle time of large projects under 10 days",
        parent=business,
        measure=cycle_time,
        statistic="median",
        target=10,
        due=dt.date(2025, 12, 31),
        segment={"unit": "web", "size": "large", "kind": ""},
    )

    stored = Objective.objects.get(pk=qppo.pk)
    assert stored.parent == business
    assert stored.target == 10.0
    assert stored.segment == {"unit": "web", "size": "large"}  # empty values dropped
    assert list(business.children.all()) == [stored]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"measure": None}, "measure"),
        ({"target": None}, "target"),
        ({"target": "ten"}, "target"),
        ({"target": float("nan")}, "target"),
        ({"parent": None}, "parent"),
        ({"statistic": "mode"}, "statistic"),
        ({"priority": 7}, "priority"),
        ({"name": ""}, "name"),
        ({"kind": "wish"}, "kind"),
        ({"segment": {"colour": "red"}}, "segment"),
        ({"segment": {"unit": "nowhere"}}, "segment"),
        ({"segment": {"work_activities": ["alpha", "omega"]}}, "segment"),
        ({"segment": {"attributes": {"a__b": "x"}}}, "segment"),
        ({"segment": ["alpha"]}, "segment"),
    ],
)
def test_a_qppo_is_refused_with_the_field_at_fault_and_nothing_is_written(
    business, cycle_time, activities, change, field
):
    values = {
        "kind": "qppo",
        "name": "Faster",
        "parent": business,
        "measure": cycle_time,
        "target": 10,
        **change,
    }

    with pytest.raises(MeasurementError) as refused:
        objective_create(**values)

    assert refused.value.field == field
    assert Objective.objects.count() == 1  # the business objective only


def test_the_parent_must_be_a_business_objective(business, cycle_time):
    qppo = make_qppo(cycle_time, target=10, parent=business)

    with pytest.raises(MeasurementError, match="business objective") as refused:
        make_qppo(cycle_time, target=9, parent=qppo, name="Nested")

    assert refused.value.field == "parent"


def test_a_business_objective_traces_to_no_other(business):
    with pytest.raises(MeasurementError) as refused:
        objective_create(kind="business", name="Sub-goal", parent=business)

    assert refused.value.field == "parent"


def test_objective_update_checks_the_whole_objective_again(business, cycle_time):
    qppo = make_qppo(cycle_time, target=10, parent=business)

    objective_update(objective=qppo, target=8.5, name="Faster still")
    with pytest.raises(MeasurementError) as refused:
        objective_update(objective=qppo, target=None)

    qppo.refresh_from_db()
    assert (qppo.target, qppo.name) == (8.5, "Faster still")
    assert refused.value.field == "target"
    assert qppo.history.count() == 2


def test_a_business_objective_with_qppos_cannot_become_a_qppo(business, cycle_time):
    make_qppo(cycle_time, target=10, parent=business)
    other = objective_create(kind="business", name="Other")

    with pytest.raises(MeasurementError) as refused:
        objective_update(
            objective=business, kind="qppo", measure=cycle_time, target=3, parent=other
        )

    assert refused.value.field == "kind"


# -- status against target (shortfalls) ------------------------------------------------


def _baseline(measure, activity, values, segment=None):
    add_series(measure, activity, values)
    return baseline_compute(measure=measure, segment=segment, store=True).stored


def test_lower_is_better_the_statistic_must_be_at_or_below_the_target(cycle_time, activities):
    _baseline(cycle_time, activities[0], [10, 12, 14])  # mean 12, median 12
    met = make_qppo(cycle_time, target=12, name="At most 12")
    missed = make_qppo(cycle_time, target=9, name="At most 9")

    statuses = selectors.objective_statuses([met, missed])

    assert (statuses[met.pk].status, statuses[met.pk].gap) == ("met", 0.0)
    assert statuses[missed.pk].status == "not_met"
    assert statuses[missed.pk].value == 12.0
    assert statuses[missed.pk].gap == pytest.approx(3.0)
    assert statuses[missed.pk].percent_gap == pytest.approx(100 * 3 / 9)


def test_higher_is_better_the_statistic_must_be_at_or_above_the_target(csat, activities):
    _baseline(csat, activities[0], [70, 80, 90, 100])  # p90 97
    qppo = make_qppo(csat, target=98, statistic="p90", name="Top decile at 98")

    status = selectors.objective_status(qppo)

    assert status.status == "not_met"
    assert status.value == pytest.approx(97.0)
    assert status.gap == pytest.approx(1.0)


def test_a_qppo_is_judged_on_the_newest_baseline_of_its_own_segment(cycle_time, activities):
    add_series(cycle_time, activities[0], [20, 22])
    add_series(cycle_time, activities[2], [4, 6])
    baseline_compute(measure=cycle_time, segment={"size": "small"}, store=True)
    baseline_compute(measure=cycle_time, segment={}, store=True)
    small = make_qppo(cycle_time, target=5, segment={"size": "small"}, name="Small")
    everyone = make_qppo(cycle_time, target=5, name="All")

    statuses = selectors.objective_statuses([small, everyone])

    assert statuses[small.pk].status == "met"  # mean 5 over gamma
    assert statuses[everyone.pk].status == "not_met"  # mean 13 over all


def test_a_qppo_without_a_baseline_has_no_data_and_a_business_objective_no_status(
    cycle_time, business
):
    qppo = make_qppo(cycle_time, target=5, parent=business)

    statuses = selectors.objective_statuses([qppo, business])

    assert statuses[qppo.pk].status == "no_data"
    assert statuses[business.pk].status == "not_applicable"


def test_statuses_of_many_objectives_take_one_query(
    cycle_time, csat, activities, django_assert_num_queries
):
    _baseline(cycle_time, activities[0], [10, 12, 14])
    objectives = [make_qppo(cycle_time, target=t, name=f"T{t}") for t in range(5)]
    objectives += [make_qppo(csat, target=t, name=f"C{t}") for t in range(5)]

    with django_assert_num_queries(1):
        statuses = selectors.objective_statuses(objectives)

    assert len(statuses) == 10
