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


def test_a_qppo_without_observations_or_baseline_has_no_data_and_a_business_objective_none(
    cycle_time, business
):
    qppo = make_qppo(cycle_time, target=5, parent=business)

    statuses = selectors.objective_statuses([qppo, business])

    assert statuses[qppo.pk] == selectors.ObjectiveStatus("no_data")
    assert statuses[business.pk].status == "not_applicable"


def test_statuses_of_many_objectives_with_baselines_take_one_query(
    cycle_time, csat, activities, django_assert_num_queries
):
    _baseline(cycle_time, activities[0], [10, 12, 14])
    _baseline(csat, activities[0], [70, 80])
    objectives = [make_qppo(cycle_time, target=t, name=f"T{t}") for t in range(5)]
    objectives += [make_qppo(csat, target=t, name=f"C{t}") for t in range(5)]

    with django_assert_num_queries(1):
        statuses = selectors.objective_statuses(objectives)

    assert len(statuses) == 10
    assert not any(status.provisional for status in statuses.values())


# -- provisional status: no stored baseline, judged from current data (issue 4) ----------

FIVE = [8, 10, 12, 14, 16]  # mean 12, median 12, p10 8.8, p90 15.2 (type 7)


def test_without_a_baseline_a_lower_is_better_qppo_is_judged_provisionally(cycle_time, activities):
    add_series(cycle_time, activities[0], FIVE)
    missed = make_qppo(cycle_time, target=10, name="At most 10")
    met = make_qppo(cycle_time, target=12, statistic="median", name="Median at most 12")
    tail = make_qppo(cycle_time, target=15, statistic="p90", name="p90 at most 15")

    statuses = selectors.objective_statuses([missed, met, tail])

    assert statuses[missed.pk] == selectors.ObjectiveStatus(
        "not_met",
        value=12.0,
        gap=2.0,
        percent_gap=20.0,
        provisional=True,
        n=5,
        period_start=fixtures_h.START,
        period_end=fixtures_h.START + 4 * fixtures_h.WEEK,
    )
    assert (statuses[met.pk].status, statuses[met.pk].gap) == ("met", 0.0)
    assert statuses[met.pk].provisional
    assert statuses[tail.pk].status == "not_met"
    assert statuses[tail.pk].value == pytest.approx(15.2)
    assert statuses[tail.pk].gap == pytest.approx(0.2)


def test_without_a_baseline_a_higher_is_better_qppo_is_judged_provisionally(csat, activities):
    add_series(csat, activities[0], [70, 75, 80, 85, 90])  # p10 72, median 80
    low_tail = make_qppo(csat, target=75, statistic="p10", name="p10 at least 75")
    median = make_qppo(csat, target=80, statistic="median", name="Median at least 80")

    statuses = selectors.objective_statuses([low_tail, median])

    assert statuses[low_tail.pk].status == "not_met"
    assert statuses[low_tail.pk].value == pytest.approx(72.0)
    assert statuses[low_tail.pk].gap == pytest.approx(3.0)
    assert statuses[low_tail.pk].percent_gap == pytest.approx(4.0)
    assert (statuses[median.pk].status, statuses[median.pk].gap) == ("met", 0.0)
    assert statuses[median.pk].value == pytest.approx(80.0)
    assert all(status.provisional for status in statuses.values())


def test_a_provisional_status_reads_only_its_segment_as_a_stored_baseline_would(
    cycle_time, activities
):
    add_series(cycle_time, activities[0], FIVE)  # alpha, large
    add_series(cycle_time, activities[1], [20, 30])  # beta, large
    add_series(cycle_time, activities[2], [100])  # gamma, small
    large = make_qppo(cycle_time, target=10, segment={"size": "large"}, name="Large")
    everyone = make_qppo(cycle_time, target=10, statistic="median", name="All")

    statuses = selectors.objective_statuses([large, everyone])

    would_store = baseline_compute(measure=cycle_time, segment={"size": "large"}).summary
    assert would_store is not None
    assert statuses[large.pk].n == 7
    assert statuses[large.pk].value == pytest.approx(would_store.mean)  # 110 / 7
    assert statuses[large.pk].gap == pytest.approx(110 / 7 - 10)
    assert statuses[everyone.pk].n == 8
    assert statuses[everyone.pk].value == pytest.approx(15.0)  # median of all eight


def test_a_segment_without_observations_has_no_data(cycle_time, activities):
    add_series(cycle_time, activities[0], FIVE)  # alpha only
    small = make_qppo(cycle_time, target=10, segment={"size": "small"}, name="Small")
    nobody = make_qppo(cycle_time, target=10, segment={"unit": "web", "size": "medium"})

    statuses = selectors.objective_statuses([small, nobody])

    assert statuses[small.pk] == selectors.ObjectiveStatus("no_data")
    assert statuses[nobody.pk] == selectors.ObjectiveStatus("no_data")


def test_one_observation_is_too_few_to_judge_as_it_is_to_store(cycle_time, activities):
    add_series(cycle_time, activities[0], [30])
    qppo = make_qppo(cycle_time, target=10)

    status = selectors.objective_status(qppo)

    assert (status.status, status.provisional, status.n, status.value) == (
        "no_data",
        False,
        1,
        None,
    )


def test_a_stored_baseline_takes_precedence_over_current_data(cycle_time, activities):
    stored = _baseline(cycle_time, activities[0], FIVE)  # mean 12
    add_series(cycle_time, activities[1], [40, 40, 40])  # after the snapshot: mean now 19.5
    qppo = make_qppo(cycle_time, target=15)

    status = selectors.objective_status(qppo)

    assert (status.status, status.value, status.provisional) == ("met", 12.0, False)
    assert (status.baseline, status.n) == (stored, 5)
    assert (status.period_start, status.period_end) == (stored.period_start, stored.period_end)


def test_a_baseline_of_another_segment_does_not_stop_a_provisional_status(cycle_time, activities):
    _baseline(cycle_time, activities[0], FIVE, segment={"size": "large"})
    qppo = make_qppo(cycle_time, target=10, name="All")

    status = selectors.objective_status(qppo)

    assert (status.status, status.provisional, status.baseline) == ("not_met", True, None)


def test_the_provisional_status_as_json_carries_n_and_the_period(cycle_time, activities):
    add_series(cycle_time, activities[0], FIVE)
    qppo = make_qppo(cycle_time, target=10)

    data = selectors.objective_status(qppo).as_json()

    assert data == {
        "status": "not_met",
        "value": 12.0,
        "gap": 2.0,
        "percent_gap": 20.0,
        "provisional": True,
        "n": 5,
        "period_start": "2024-01-01T09:00:00+00:00",
        "period_end": "2024-01-29T09:00:00+00:00",
        "baseline": None,
        "baseline_computed_at": None,
    }


def test_provisional_statuses_take_queries_per_segment_not_per_objective(
    cycle_time, csat, activities, django_assert_max_num_queries
):
    add_series(cycle_time, activities[0], FIVE)
    add_series(csat, activities[2], [70, 80])

    def make(count):
        for number in range(count):
            make_qppo(cycle_time, target=number, name=f"T{number}")
            make_qppo(csat, target=number, segment={"size": "small"}, name=f"C{number}")
        return list(Objective.objects.filter(kind="qppo").select_related("measure"))

    # 1 (stored baselines) + 2 (the observations' watermark) + per segment: its work
    # activities (not for "all"), the pooled statistics (1 query on PostgreSQL; 2 and a
    # savepoint's 2 on SQLite) and the first and last times: at most 1 + 2 + 5 + 6.
    objectives = make(1)
    with django_assert_max_num_queries(14):
        few = selectors.objective_statuses(objectives)
    objectives = make(10)
    # The observations have not changed: the statistics come from the cache, and only
    # the baselines, the watermark and the small segment's members are read.
    with django_assert_max_num_queries(4):
        many = selectors.objective_statuses(objectives)

    assert len(few) == 2
    assert len(many) == 22
    assert {(s.status, s.provisional) for s in many.values()} == {
        ("met", True),
        ("not_met", True),
    }


def test_statistics_computed_for_all_objectives_serve_any_subset_from_the_cache(
    cycle_time, csat, activities, django_assert_max_num_queries
):
    add_series(cycle_time, activities[0], FIVE)
    add_series(csat, activities[0], [70, 80])
    both = [make_qppo(cycle_time, target=15, name="Cycle"), make_qppo(csat, target=75)]
    selectors.objective_statuses(both)  # as the worker does after an import

    # One of them alone (a filtered page): the baselines and the watermark, no statistics.
    with django_assert_max_num_queries(3):
        [status] = selectors.objective_statuses(both[1:]).values()
    assert (status.value, status.n, status.provisional) == (75.0, 2, True)


def test_a_new_observation_reads_the_segment_again_instead_of_the_cached_statistics(
    cycle_time, activities
):
    add_series(cycle_time, activities[0], FIVE)  # mean 12 against 15: met
    qppo = make_qppo(cycle_time, target=15)
    assert selectors.objective_status(qppo).value == pytest.approx(12.0)

    add_series(cycle_time, activities[1], [40, 40, 40])  # mean now 180 / 8 = 22.5: not met

    status = selectors.objective_status(qppo)
    assert (status.status, status.n, status.provisional) == ("not_met", 8, True)
    assert status.value == pytest.approx(22.5)
