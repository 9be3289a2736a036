"""Baselines computed in the database agree with the domain's ``describe`` (both DBs)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pytest

from uplift.apps.measurements.baselines_sql import baseline_by_group, series
from uplift.apps.measurements.models import Observation
from uplift.domain.statistics import describe

pytestmark = pytest.mark.django_db

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def store(measure: Any, activity: Any, values: list[float], *, first_day: int = 0) -> None:
    Observation.objects.bulk_create(
        Observation(
            measure=measure,
            work_activity=activity,
            observed_at=START + dt.timedelta(days=first_day + n),
            value=value,
        )
        for n, value in enumerate(values)
    )


def assert_described(row: Any, values: list[float]) -> None:
    """The row holds what ``describe`` says of the values (in time order)."""
    expected = describe(values)
    assert row.n == expected.n
    for name in ("mean", "sd", "median", "q1", "q3", "p10", "p90", "mr_bar"):
        assert math.isclose(getattr(row, name), getattr(expected, name), rel_tol=1e-12), name
    assert math.isclose(row.lnpl, expected.lower_limit, rel_tol=1e-12)
    assert math.isclose(row.unpl, expected.upper_limit, rel_tol=1e-12)


@pytest.fixture
def data(measures: dict[str, Any], work_activities: dict[str, Any]) -> dict[str, Any]:
    rng = np.random.default_rng(4)
    values = {
        ("cycle-time", "alpha"): rng.normal(20, 4, 37).round(3).tolist(),
        ("cycle-time", "beta"): rng.exponential(3, 50).round(3).tolist(),
        ("defect-density", "alpha"): [5.0, 1.0, 4.0, 2.0],  # hand-checkable, out of order
    }
    for (measure, activity), series_values in values.items():
        store(measures[measure], work_activities[activity], series_values)
    store(measures["sla-attainment"], work_activities["gamma"], [99.0])
    return {"values": values, "measures": measures, "activities": work_activities}


def test_each_group_matches_describe_of_its_values_in_time_order(data: dict[str, Any]) -> None:
    rows = baseline_by_group()

    found = {(r.measure_id, r.work_activity_id): r for r in rows}
    assert len(rows) == 4
    for (measure, activity), values in data["values"].items():
        key = (data["measures"][measure].pk, data["activities"][activity].pk)
        assert_described(found[key], values)


def test_a_hand_worked_group(data: dict[str, Any]) -> None:
    [row] = baseline_by_group(measure_ids=[data["measures"]["defect-density"].pk])

    # 5, 1, 4, 2: sorted 1, 2, 4, 5; type 7 median = 3, q1 = 1.75, q3 = 4.25;
    # moving ranges 4, 3, 2: mr_bar = 3, limits 3 -/+ 2.66 * 3
    assert (row.n, row.mean, row.median, row.q1, row.q3) == (4, 3.0, 3.0, 1.75, 4.25)
    assert math.isclose(row.p10, 1.3)
    assert math.isclose(row.p90, 4.7)
    assert math.isclose(row.sd, math.sqrt(10 / 3))
    assert row.mr_bar == 3.0
    assert math.isclose(row.lnpl, 3 - 7.98)
    assert math.isclose(row.unpl, 3 + 7.98)


def test_a_group_of_one_has_no_spread_and_no_limits(data: dict[str, Any]) -> None:
    [row] = baseline_by_group(measure_ids=[data["measures"]["sla-attainment"].pk])

    assert (row.n, row.mean, row.median, row.p10, row.p90) == (1, 99.0, 99.0, 99.0, 99.0)
    assert (row.sd, row.mr_bar, row.lnpl, row.unpl) == (None, None, None, None)


def test_filters_narrow_the_rows_and_the_period_is_half_open(data: dict[str, Any]) -> None:
    measure = data["measures"]["cycle-time"]
    alpha = data["activities"]["alpha"]

    [row] = baseline_by_group(
        measure_ids=[measure.pk],
        work_activity_ids=[alpha.pk],
        start=START + dt.timedelta(days=5),
        end=START + dt.timedelta(days=15),
    )

    assert_described(row, data["values"][("cycle-time", "alpha")][5:15])
    assert baseline_by_group(work_activity_ids=[]) == []


def test_pooled_groups_describe_all_their_work_activities_in_time_order(
    data: dict[str, Any],
) -> None:
    measure = data["measures"]["cycle-time"]
    activities = [data["activities"]["alpha"].pk, data["activities"]["beta"].pk]

    [row] = baseline_by_group(
        measure_ids=[measure.pk], work_activity_ids=activities, by_work_activity=False
    )

    times, values = series(measure_id=measure.pk, work_activity_ids=activities)
    assert row.work_activity_id is None
    assert times == sorted(times)
    assert_described(row, values.tolist())
