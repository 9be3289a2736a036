"""Baselines: computed over a segment and period, stored as snapshots, compared."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from tests.apps.measurements import fixtures_h
from tests.apps.measurements.fixtures_h import START, WEEK, add_series
from tests.factories.accounts import UserFactory
from uplift.apps.measurements.models import Baseline
from uplift.apps.measurements.services.baselines import baseline_compare, baseline_compute
from uplift.apps.measurements.services.measures import MeasurementError
from uplift.domain.statistics import describe

pytestmark = pytest.mark.django_db

# Fixtures of fixtures_h (pytest finds them by name in this module).
activities = fixtures_h.activities
csat = fixtures_h.csat
cycle_time = fixtures_h.cycle_time
unit = fixtures_h.unit


def test_the_summary_is_the_domains_description_of_the_values_in_time_order(cycle_time, activities):
    alpha, beta, _ = activities
    add_series(cycle_time, alpha, [10, 14, 9], start=START)
    add_series(cycle_time, beta, [11, 13, 30], start=START + dt.timedelta(days=1))

    result = baseline_compute(measure=cycle_time)

    in_time_order = [10, 11, 14, 13, 9, 30]
    assert result.n == 6
    assert result.summary == describe(in_time_order)
    assert result.stored is None
    assert not Baseline.objects.exists()


def test_the_values_are_read_in_one_query(cycle_time, activities, django_assert_num_queries):
    add_series(cycle_time, activities[0], range(50))

    with django_assert_num_queries(1):
        result = baseline_compute(measure=cycle_time)

    assert result.n == 50


def test_a_segment_keeps_only_its_work_activities(cycle_time, activities):
    alpha, beta, gamma = activities
    add_series(cycle_time, alpha, [10, 12])
    add_series(cycle_time, beta, [20, 22])
    add_series(cycle_time, gamma, [100, 200])

    large = baseline_compute(measure=cycle_time, segment={"size": "large"})
    named = baseline_compute(measure=cycle_time, segment={"work_activities": ["gamma"]})

    assert (large.n, large.summary.mean) == (4, 16.0)
    assert large.segment_label == "large"
    assert (named.n, named.summary.mean) == (2, 150.0)


def test_a_segment_no_work_activity_matches_has_no_values(cycle_time, activities):
    add_series(cycle_time, activities[0], [10, 12])

    result = baseline_compute(measure=cycle_time, segment={"phase": "closed"})

    assert (result.n, result.summary) == (0, None)


def test_the_period_is_inclusive_and_a_date_means_its_whole_day(cycle_time, activities):
    add_series(cycle_time, activities[0], [1, 2, 3, 4, 5])  # weekly from 2024-01-01 09:00

    result = baseline_compute(
        measure=cycle_time, start=dt.date(2024, 1, 8), end=dt.date(2024, 1, 22)
    )

    assert result.n == 3
    assert result.summary.mean == 3.0
    assert result.start == dt.datetime(2024, 1, 8, tzinfo=dt.UTC)
    assert result.end == dt.datetime(2024, 1, 22, 23, 59, 59, 999999, tzinfo=dt.UTC)


def test_store_writes_a_dated_snapshot_with_every_statistic(cycle_time, activities):
    user = UserFactory()
    values = [12.0, 15.0, 11.0, 18.0, 14.0, 13.0]
    add_series(cycle_time, activities[0], values)

    result = baseline_compute(measure=cycle_time, segment={"unit": "web"}, store=True, user=user)

    stored = Baseline.objects.get()
    summary = describe(values)
    assert result.stored == stored
    assert (stored.n, stored.segment, stored.segment_label) == (6, {"unit": "web"}, "unit web")
    assert stored.mean == pytest.approx(summary.mean)
    assert stored.sd == pytest.approx(summary.sd)
    assert (stored.q1, stored.median, stored.q3) == pytest.approx(
        (summary.q1, summary.median, summary.q3)
    )
    assert (stored.p10, stored.p90) == pytest.approx((summary.p10, summary.p90))
    assert (stored.lnpl, stored.unpl) == pytest.approx((summary.lower_limit, summary.upper_limit))
    # an open period is stored as the span of the values found
    assert stored.period_start == START
    assert stored.period_end == START + 5 * WEEK
    assert stored.computed_by == user
    assert stored.history.get().history_user == user


def test_store_refuses_a_period_with_fewer_than_two_values_and_writes_nothing(
    cycle_time, activities
):
    add_series(cycle_time, activities[0], [12.0])

    with pytest.raises(MeasurementError, match="at least 2"):
        baseline_compute(measure=cycle_time, store=True)

    assert not Baseline.objects.exists()


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"segment": {"team": "x"}}, "segment"),
        ({"start": dt.date(2024, 2, 1), "end": dt.date(2024, 1, 1)}, "end"),
    ],
)
def test_bad_arguments_are_refused_naming_the_field(cycle_time, activities, arguments, field):
    with pytest.raises(MeasurementError) as refused:
        baseline_compute(measure=cycle_time, store=True, **arguments)

    assert refused.value.field == field
    assert not Baseline.objects.exists()


# -- comparison --------------------------------------------------------------------------


def _two_years(measure, activity, first, second):
    rng = np.random.default_rng(4)
    add_series(measure, activity, rng.normal(first, 1.0, 40), start=START)
    add_series(measure, activity, rng.normal(second, 1.0, 40), start=START + 60 * WEEK)
    older = baseline_compute(measure=measure, start=START, end=START + 45 * WEEK, store=True).stored
    newer = baseline_compute(measure=measure, start=START + 50 * WEEK, store=True).stored
    return older, newer


def test_a_later_baseline_is_compared_with_an_older_one_and_the_shift_tested(
    cycle_time, activities
):
    older, newer = _two_years(cycle_time, activities[0], 20.0, 15.0)

    comparison = baseline_compare(older=older, newer=newer)

    assert comparison.mean_change == pytest.approx(newer.mean - older.mean)
    assert comparison.sd_change == pytest.approx(newer.sd - older.sd)
    assert comparison.median_change == pytest.approx(newer.median - older.median)
    assert comparison.percent_mean_change == pytest.approx(
        100 * (newer.mean - older.mean) / older.mean
    )
    assert comparison.improved is True  # lower is better, and the mean fell
    assert comparison.evaluation is not None
    assert comparison.evaluation.verdict.significant is True
    assert comparison.evaluation.verdict.improved is True
    assert comparison.note == ""


def test_the_order_of_the_two_baselines_does_not_matter(csat, activities):
    older, newer = _two_years(csat, activities[0], 70.0, 65.0)

    comparison = baseline_compare(older=newer, newer=older)

    assert (comparison.older, comparison.newer) == (older, newer)
    assert comparison.improved is False  # higher is better, and the mean fell


def test_overlapping_periods_of_one_segment_are_not_tested(cycle_time, activities):
    add_series(cycle_time, activities[0], range(20))
    first = baseline_compute(measure=cycle_time, store=True).stored
    second = baseline_compute(measure=cycle_time, store=True).stored

    comparison = baseline_compare(older=first, newer=second)

    assert comparison.evaluation is None
    assert "overlap" in comparison.note
    assert comparison.mean_change == 0.0
    assert comparison.improved is None


def test_baselines_of_two_measures_are_not_compared(cycle_time, csat, activities):
    add_series(cycle_time, activities[0], [1, 2, 3])
    add_series(csat, activities[0], [1, 2, 3])
    one = baseline_compute(measure=cycle_time, store=True).stored
    other = baseline_compute(measure=csat, store=True).stored

    with pytest.raises(MeasurementError, match="same measure"):
        baseline_compare(older=one, newer=other)
