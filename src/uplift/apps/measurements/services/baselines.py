"""Baselines: a measure's statistics over a segment and a period, stored as snapshots.

``baseline_compute`` reads the period's values in one query (plain floats in time
order, ``selectors.observation_values``), describes them with
``uplift.domain.statistics.describe`` (n, mean, sd, quartiles, 10th/90th percentiles,
the XmR natural process limits) and, when asked, stores a dated ``Baseline``.
``baseline_compare`` sets a later snapshot beside an older one: the changes of mean,
standard deviation and median and, when the raw values of both periods are still
there, whether the shift is significant (``uplift.domain.statistics.evaluate``).

The natural process limits are those of the values in time order. Over a segment of
several work activities their values interleave, so the moving ranges mix
activities and the limits come out wider than any one activity's: the limits of one
work activity are the ones to act on (issue 4).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import transaction
from django.utils import timezone

from uplift.apps.measurements.models import Baseline, Measure
from uplift.apps.measurements.selectors import (
    InvalidSegment,
    measure_observation_span,
    observation_values,
    period_bounds,
    segment_clean,
    segment_label,
    segment_work_activity_ids,
)
from uplift.apps.measurements.services.measures import MeasurementError, record_actor
from uplift.domain.statistics import (
    BaselineSummary,
    Evaluation,
    StatisticsError,
    describe,
    evaluate,
)

__all__ = [
    "BaselineComparison",
    "BaselineResult",
    "baseline_compare",
    "baseline_compute",
]

User = Any  # auth.User, or None for the command line
FloatArray = npt.NDArray[np.float64]
DateOrTime = dt.date | dt.datetime

# Bootstrap resamples when testing the shift between two baselines: the interval is
# shown beside the test, not decided by it, and the groups may be large.
COMPARE_BOOT = 2000
COMPARE_SEED = 0


@dataclass(frozen=True)
class BaselineResult:
    """A computed baseline: what was asked, how many values, their summary.

    ``summary`` is None when the period holds fewer than two values. ``stored`` is
    the snapshot written when ``store`` was asked.
    """

    measure: Measure
    segment: dict[str, Any]
    segment_label: str
    start: dt.datetime | None
    end: dt.datetime | None
    n: int
    summary: BaselineSummary | None
    stored: Baseline | None

    def as_json(self) -> dict[str, object]:
        """The shape of ``uplift measurements baseline --json`` and the API."""
        return {
            "measure": self.measure.slug,
            "segment": self.segment,
            "segment_label": self.segment_label,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "n": self.n,
            "summary": self.summary.as_json() if self.summary else None,
            "stored": self.stored.pk if self.stored else None,
        }


def _clean_segment(segment: Any) -> dict[str, Any]:
    try:
        return segment_clean(segment)
    except InvalidSegment as error:
        raise MeasurementError(str(error), "segment") from None


def baseline_compute(
    *,
    measure: Measure,
    segment: dict[str, Any] | None = None,
    start: DateOrTime | None = None,
    end: DateOrTime | None = None,
    store: bool = False,
    user: User | None = None,
) -> BaselineResult:
    """Describe a measure over a segment and a period (inclusive; None: open).

    With ``store``, writes a ``Baseline`` snapshot (one transaction) whose period is
    the one asked, or the span of the values found where a bound was left open.
    Raises ``MeasurementError`` for an invalid segment (``segment``), a start after the
    end (``end``), and, when storing, fewer than two values in the period.
    """
    clean = _clean_segment(segment)
    low, high = period_bounds(start, end)
    if low is not None and high is not None and low > high:
        raise MeasurementError("The end is before the start.", "end")
    ids = segment_work_activity_ids(clean)
    values = observation_values(measure, work_activity_ids=ids, start=low, end=high)
    summary = describe(values) if values.size >= 2 else None
    label = segment_label(clean)
    stored = None
    if store:
        if summary is None:
            raise MeasurementError(
                f"{measure.name} has {values.size} value{'' if values.size == 1 else 's'} "
                f"for {label} in this period; a baseline needs at least 2.",
                "",
            )
        stored = _store(measure, clean, label, low, high, summary, user)
    return BaselineResult(
        measure=measure,
        segment=clean,
        segment_label=label,
        start=low,
        end=high,
        n=int(values.size),
        summary=summary,
        stored=stored,
    )


@transaction.atomic  # the snapshot lands whole; a compute without store opens no transaction
def _store(
    measure: Measure,
    segment: dict[str, Any],
    label: str,
    low: dt.datetime | None,
    high: dt.datetime | None,
    summary: BaselineSummary,
    user: User | None,
) -> Baseline:
    if low is None or high is None:
        span = measure_observation_span(
            measure, work_activity_ids=segment_work_activity_ids(segment), start=low, end=high
        )
        low = low or span.first
        high = high or span.last
    if low is None or high is None:  # pragma: no cover - n >= 2 values have times
        raise MeasurementError("The period has no values.", "")
    baseline = Baseline(
        measure=measure,
        segment=segment,
        segment_label=label,
        period_start=low,
        period_end=high,
        n=summary.n,
        mean=summary.mean,
        sd=summary.sd,
        median=summary.median,
        q1=summary.q1,
        q3=summary.q3,
        p10=summary.p10,
        p90=summary.p90,
        unpl=summary.upper_limit,
        lnpl=summary.lower_limit,
        computed_at=timezone.now(),
        computed_by=user if getattr(user, "is_authenticated", False) else None,
    )
    record_actor(baseline, baseline.computed_by)
    baseline.save(force_insert=True)
    return baseline


@dataclass(frozen=True)
class BaselineComparison:
    """A later baseline beside an older one of the same measure.

    Differences are newer minus older. ``improved`` says whether the mean moved the
    better way (None when it did not move). ``evaluation`` tests the shift on the raw
    values of both periods (older as "before", newer as "after"); None, with
    ``note`` saying why, when they are no longer there or the periods overlap.
    """

    older: Baseline
    newer: Baseline
    mean_change: float | None
    sd_change: float | None
    median_change: float | None
    percent_mean_change: float | None
    improved: bool | None
    evaluation: Evaluation | None
    note: str

    def as_json(self) -> dict[str, object]:
        return {
            "older": self.older.pk,
            "newer": self.newer.pk,
            "mean_change": self.mean_change,
            "sd_change": self.sd_change,
            "median_change": self.median_change,
            "percent_mean_change": self.percent_mean_change,
            "improved": self.improved,
            "evaluation": self.evaluation.as_json() if self.evaluation else None,
            "note": self.note,
        }


def _change(new: float | None, old: float | None) -> float | None:
    return None if new is None or old is None else new - old


def baseline_compare(
    *, older: Baseline, newer: Baseline, seed: int | None = COMPARE_SEED
) -> BaselineComparison:
    """Compare two snapshots of one measure (see :class:`BaselineComparison`).

    The test reads the raw values of each snapshot's segment and period again (two
    queries); if the period's values changed since the snapshot was taken, the test
    describes today's values, and the note says so. Raises ``MeasurementError`` when
    the snapshots are of different measures.
    """
    if older.measure_id != newer.measure_id:
        raise MeasurementError("Both baselines must be of the same measure.", "newer")
    if (older.computed_at, older.pk) > (newer.computed_at, newer.pk):
        older, newer = newer, older
    mean_change = _change(newer.mean, older.mean)
    percent = (
        None
        if mean_change is None or not older.mean
        else 100 * mean_change / abs(float(older.mean))
    )
    improved = None
    if mean_change:
        lower = newer.measure.direction == "lower"
        improved = mean_change < 0 if lower else mean_change > 0
    evaluation, note = _test_shift(older, newer, seed)
    return BaselineComparison(
        older=older,
        newer=newer,
        mean_change=mean_change,
        sd_change=_change(newer.sd, older.sd),
        median_change=_change(newer.median, older.median),
        percent_mean_change=percent,
        improved=improved,
        evaluation=evaluation,
        note=note,
    )


def _period_values(baseline: Baseline) -> FloatArray:
    ids = segment_work_activity_ids(baseline.segment or {})
    return observation_values(
        baseline.measure,
        work_activity_ids=ids,
        start=baseline.period_start,
        end=baseline.period_end,
    )


def _test_shift(
    older: Baseline, newer: Baseline, seed: int | None
) -> tuple[Evaluation | None, str]:
    overlap = older.period_start <= newer.period_end and newer.period_start <= older.period_end
    if overlap and older.segment == newer.segment:
        return None, (
            "The periods overlap over the same segment: the values are not two independent "
            "groups, so the shift is not tested."
        )
    before = _period_values(older)
    after = _period_values(newer)
    if before.size < 2 or after.size < 2:
        return None, "The raw values of a period are no longer stored; the shift is not tested."
    note = ""
    if before.size != older.n or after.size != newer.n:
        note = (
            "The stored values of a period changed since its baseline was taken; the test "
            "uses today's values."
        )
    try:
        result = evaluate(
            before,
            after,
            seed=seed,
            n_boot=COMPARE_BOOT,
            direction="lower" if newer.measure.direction == "lower" else "higher",
        )
    except StatisticsError as error:  # pragma: no cover - sizes are checked above
        return None, str(error)
    return result, note
