"""The evaluation of a change on stored observations, and its payback.

Two designs (issue 4):

- **before/after**: a measure, some work activities (none: all) and a change date;
  "before" is every value in ``[start, change)``, "after" every value in
  ``[change, end]``;
- **pilot/comparison**: a pilot group and a comparison group of work activities over
  one period ``[start, end]`` (``start`` defaults to the change date); the comparison
  plays "before", the pilot "after".

Both call ``uplift.domain.statistics.evaluate`` (difference, Welch's t, Mann-Whitney
U, bootstrap interval, Hedges' g, a verdict that states its assumptions). The verdict
is judged against a QPPO of the measure (the one given, else the measure's
highest-priority QPPO): for a target on the mean, the change the QPPO asks for is
``target - mean(before)`` and the domain's verdict says whether the bootstrap interval
of the difference reaches it; for a median or percentile target the after group's
statistic is set beside the target (a point estimate, said so in the notes).

Nothing is stored: an evaluation is a computation over the stored observations.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from django.utils import timezone

from uplift.apps.measurements.choices import Direction, Statistic
from uplift.apps.measurements.models import Measure, Objective
from uplift.apps.measurements.selectors import (
    observation_monthly,
    observation_series,
    observation_values,
    period_bounds,
    qppo_list,
)
from uplift.apps.measurements.services.measures import MeasurementError
from uplift.apps.organization.selectors import work_activity_list
from uplift.domain.statistics import (
    Evaluation,
    Payback,
    StatisticsError,
    XmrChart,
    describe,
    evaluate,
    payback,
    xmr_phases,
)

__all__ = [
    "DEFAULT_BOOT",
    "EvaluationRun",
    "ObjectiveCheck",
    "evaluation_payback",
    "evaluation_run",
]

FloatArray = npt.NDArray[np.float64]
DateOrTime = dt.date | dt.datetime
Design = Literal["before_after", "pilot_comparison"]

DEFAULT_BOOT = 10_000
MIN_BOOT = 1_000
# Resampled cells (resamples x values) above which fewer resamples are drawn, so that a
# page answers in seconds over large groups; the resamples used are in the result.
MAX_BOOT_CELLS = 40_000_000
# Points above which the chart shows monthly means instead of single values.
MAX_CHART_POINTS = 1_500


@dataclass(frozen=True)
class ObjectiveCheck:
    """The after group's statistic set beside a QPPO's target (a point estimate)."""

    objective: Objective
    statistic: str
    value: float
    target: float
    met: bool

    def as_json(self) -> dict[str, object]:
        return {
            "objective": self.objective.pk,
            "name": self.objective.name,
            "statistic": self.statistic,
            "value": self.value,
            "target": self.target,
            "met": self.met,
        }


@dataclass(frozen=True)
class EvaluationRun:
    """One evaluation on stored data: what was compared, the result, its chart.

    ``phases`` are the XmR charts of the two groups (before and after the change, or
    comparison then pilot), each with its own center and limits: a change of level
    shows as a step. ``phase_labels`` name the x positions (a time, or a month when
    ``monthly``). ``target_change`` is what was passed to ``evaluate`` as ``target``.
    """

    measure: Measure
    design: Design
    change_date: dt.datetime | None
    start: dt.datetime | None
    end: dt.datetime | None
    before_label: str
    after_label: str
    before_activities: tuple[str, ...]
    after_activities: tuple[str, ...]
    objective: Objective | None
    target_change: float | None
    objective_check: ObjectiveCheck | None
    evaluation: Evaluation
    phases: tuple[XmrChart, ...]
    phase_labels: tuple[str, ...]
    monthly: bool
    notes: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        """The shape of ``uplift measurements evaluate-stored --json`` and the API."""
        return {
            "measure": self.measure.slug,
            "design": self.design,
            "change_date": self.change_date.isoformat() if self.change_date else None,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "before_label": self.before_label,
            "after_label": self.after_label,
            "before_activities": list(self.before_activities),
            "after_activities": list(self.after_activities),
            "objective": self.objective.pk if self.objective else None,
            "target_change": self.target_change,
            "objective_check": self.objective_check.as_json() if self.objective_check else None,
            "result": self.evaluation.as_json(),
            "phases": [phase.as_json() for phase in self.phases],
            "notes": list(self.notes),
        }


def _activities(slugs: Sequence[str], field: str) -> dict[str, int]:
    """Slug → id of the named work activities, or MeasurementError naming the unknown."""
    wanted = list(dict.fromkeys(s.strip() for s in slugs if s.strip()))
    found = dict(work_activity_list().filter(slug__in=wanted).order_by().values_list("slug", "pk"))
    missing = [slug for slug in wanted if slug not in found]
    if missing:
        raise MeasurementError(f"Unknown work activity: {', '.join(missing)}.", field)
    return {slug: found[slug] for slug in wanted}


def _boot(n_boot: int | None, size: int) -> int:
    if n_boot is not None:
        return n_boot
    return max(MIN_BOOT, min(DEFAULT_BOOT, MAX_BOOT_CELLS // max(size, 1)))


def _qppo(measure: Measure, objective: Objective | None) -> Objective | None:
    if objective is not None:
        if objective.measure_id != measure.pk or objective.target is None:
            raise MeasurementError("Choose a QPPO of this measure.", "objective")
        return objective
    return qppo_list().filter(measure=measure, target__isnull=False).first()


def _too_few(label: str, size: int, field: str) -> MeasurementError:
    return MeasurementError(
        f"The {label} group has {size} value{'' if size == 1 else 's'}; at least 2 are needed.",
        field,
    )


def evaluation_run(
    *,
    measure: Measure,
    change_date: DateOrTime | None = None,
    work_activities: Sequence[str] = (),
    pilot: Sequence[str] = (),
    comparison: Sequence[str] = (),
    start: DateOrTime | None = None,
    end: DateOrTime | None = None,
    objective: Objective | None = None,
    seed: int | None = None,
    n_boot: int | None = None,
    confidence: float = 0.95,
) -> EvaluationRun:
    """Evaluate a change of ``measure`` (see the module docstring for the two designs).

    ``work_activities``, ``pilot`` and ``comparison`` are work activity slugs.
    ``n_boot`` None draws 10,000 resamples, fewer (at least 1,000) for very large
    groups. Raises ``MeasurementError`` naming the field at fault: a missing change
    date, an unknown work activity, groups that overlap or mix the two designs, a
    period that ends before it starts, a group with fewer than two values, a QPPO of
    another measure, a bad ``confidence`` or ``n_boot``.
    """
    paired = bool(pilot or comparison)
    if paired and work_activities:
        raise MeasurementError(
            "Give either work activities and a change date, or a pilot and a comparison group.",
            "work_activities",
        )
    low, high = period_bounds(start, end)
    change = period_bounds(change_date, None)[0] if change_date is not None else None
    if paired:
        if not pilot:
            raise MeasurementError("Name the pilot group's work activities.", "pilot")
        if not comparison:
            raise MeasurementError("Name the comparison group's work activities.", "comparison")
        low = low or change
    elif change is None:
        raise MeasurementError("Give the date of the change.", "change_date")
    if low is not None and high is not None and low > high:
        raise MeasurementError("The end is before the start.", "end")
    if not paired and change is not None:
        if low is not None and change <= low:
            raise MeasurementError("The change date must be after the start.", "change_date")
        if high is not None and change > high:
            raise MeasurementError("The change date must be before the end.", "change_date")
    qppo = _qppo(measure, objective)
    if paired:
        return _paired(
            measure, pilot, comparison, low, high, change, qppo, seed, n_boot, confidence
        )
    return _before_after(
        measure, work_activities, change, low, high, qppo, seed, n_boot, confidence
    )


def _label(moment: dt.datetime) -> str:
    return f"{moment:%Y-%m-%d}"


def _before_after(
    measure: Measure,
    work_activities: Sequence[str],
    change: dt.datetime | None,
    low: dt.datetime | None,
    high: dt.datetime | None,
    qppo: Objective | None,
    seed: int | None,
    n_boot: int | None,
    confidence: float,
) -> EvaluationRun:
    if change is None:  # pragma: no cover - evaluation_run checks it
        raise MeasurementError("Give the date of the change.", "change_date")
    slugs = _activities(work_activities, "work_activities") if work_activities else {}
    ids = list(slugs.values()) or None
    # Plain floats, one query a group; the times only for a chart of single values.
    before = observation_values(
        measure, work_activity_ids=ids, start=low, end=change - dt.timedelta(microseconds=1)
    )
    after = observation_values(measure, work_activity_ids=ids, start=change, end=high)
    if before.size < 2:
        raise _too_few("before", before.size, "change_date")
    if after.size < 2:
        raise _too_few("after", after.size, "change_date")
    notes: list[str] = []
    if before.size + after.size <= MAX_CHART_POINTS:
        series = observation_series(measure, work_activity_ids=ids, start=low, end=high)
        chart_values, cut_at = series.values, bisect.bisect_left(series.times, change)
        labels = tuple(_label(moment) for moment in series.times)
        monthly = False
    else:
        chart_values, cut_at, labels = _monthly_split(measure, ids, low, high, change, notes)
        monthly = True
    evaluation, check, target_change = _judge(
        measure, before, after, qppo, seed, n_boot, confidence, notes
    )
    return EvaluationRun(
        measure=measure,
        design="before_after",
        change_date=change,
        start=low,
        end=high,
        before_label="before",
        after_label="after",
        before_activities=tuple(slugs),
        after_activities=tuple(slugs),
        objective=qppo,
        target_change=target_change,
        objective_check=check,
        evaluation=evaluation,
        phases=_phases(chart_values, cut_at, notes),
        phase_labels=labels,
        monthly=monthly,
        notes=tuple(notes),
    )


def _monthly_split(
    measure: Measure,
    ids: list[int] | None,
    low: dt.datetime | None,
    high: dt.datetime | None,
    change: dt.datetime,
    notes: list[str],
) -> tuple[FloatArray, int, tuple[str, ...]]:
    """Monthly means for the chart, split at the change; the month it falls in, which
    mixes both levels, is left out."""
    months = observation_monthly(measure, work_activity_ids=ids, start=low, end=high)
    changed = timezone.localtime(change).date()
    keep = []
    cut = 0
    for index, month in enumerate(months.months):
        following = _next_month(month)
        if following <= changed:
            keep.append(index)
            cut += 1
        elif month >= changed:
            keep.append(index)
        else:
            notes.append(f"The chart leaves out {month:%Y-%m}, the month of the change.")
    notes.append("The chart shows monthly means: there are too many values to draw each.")
    values = months.means[keep]
    labels = tuple(f"{months.months[i]:%Y-%m}" for i in keep)
    return values, cut, labels


def _next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _phases(values: FloatArray, cut: int, notes: list[str]) -> tuple[XmrChart, ...]:
    if cut < 2 or values.size - cut < 2:
        notes.append("Too few points on one side of the change to chart its phases.")
        return ()
    return xmr_phases(values, [cut])


def _judge(
    measure: Measure,
    before: FloatArray,
    after: FloatArray,
    qppo: Objective | None,
    seed: int | None,
    n_boot: int | None,
    confidence: float,
    notes: list[str],
) -> tuple[Evaluation, ObjectiveCheck | None, float | None]:
    """The domain's evaluation with the QPPO's target, and the after group's check."""
    direction: Literal["higher", "lower"] = (
        "lower" if measure.direction == Direction.LOWER else "higher"
    )
    target_change = None
    if qppo is not None and qppo.target is not None:
        if qppo.statistic == Statistic.MEAN:
            target_change = float(qppo.target) - float(before.mean())
        else:
            notes.append(
                f"The QPPO “{qppo.name}” sets a target for the {qppo.get_statistic_display()}; "
                "the tests compare means, so the target is checked on the after group's "
                f"{qppo.get_statistic_display().lower()} only (a point estimate)."
            )
    try:
        evaluation = evaluate(
            before,
            after,
            seed=seed,
            n_boot=_boot(n_boot, before.size + after.size),
            confidence=confidence,
            direction=direction,
            target=target_change,
        )
    except StatisticsError as error:
        field = error.argument if error.argument in ("confidence", "n_boot") else ""
        raise MeasurementError(str(error), field) from None
    check = None
    if qppo is not None and qppo.target is not None:
        summary = describe(after)
        value = float(getattr(summary, qppo.statistic))
        target = float(qppo.target)
        met = value <= target if direction == "lower" else value >= target
        check = ObjectiveCheck(qppo, qppo.statistic, value, target, met)
    return evaluation, check, target_change


def _paired(
    measure: Measure,
    pilot: Sequence[str],
    comparison: Sequence[str],
    low: dt.datetime | None,
    high: dt.datetime | None,
    change: dt.datetime | None,
    qppo: Objective | None,
    seed: int | None,
    n_boot: int | None,
    confidence: float,
) -> EvaluationRun:
    pilot_ids = _activities(pilot, "pilot")
    comparison_ids = _activities(comparison, "comparison")
    shared = sorted(set(pilot_ids) & set(comparison_ids))
    if shared:
        raise MeasurementError(
            f"A work activity cannot be in both groups: {', '.join(shared)}.", "comparison"
        )
    before = observation_values(
        measure, work_activity_ids=list(comparison_ids.values()), start=low, end=high
    )
    after = observation_values(
        measure, work_activity_ids=list(pilot_ids.values()), start=low, end=high
    )
    if before.size < 2:
        raise _too_few("comparison", before.size, "comparison")
    if after.size < 2:
        raise _too_few("pilot", after.size, "pilot")
    notes = [
        "Pilot and comparison groups: the comparison plays “before” and the pilot “after”; "
        "the groups should be alike in everything but the change."
    ]
    if before.size + after.size <= MAX_CHART_POINTS:
        comparison_series = observation_series(
            measure, work_activity_ids=list(comparison_ids.values()), start=low, end=high
        )
        pilot_series = observation_series(
            measure, work_activity_ids=list(pilot_ids.values()), start=low, end=high
        )
        chart_values = np.concatenate([comparison_series.values, pilot_series.values])
        labels = tuple(_label(m) for m in (*comparison_series.times, *pilot_series.times))
        cut, monthly = comparison_series.values.size, False
    else:
        months_c = observation_monthly(
            measure, work_activity_ids=list(comparison_ids.values()), start=low, end=high
        )
        months_p = observation_monthly(
            measure, work_activity_ids=list(pilot_ids.values()), start=low, end=high
        )
        chart_values = np.concatenate([months_c.means, months_p.means])
        labels = tuple(f"{m:%Y-%m}" for m in (*months_c.months, *months_p.months))
        cut, monthly = len(months_c), True
        notes.append("The chart shows monthly means: there are too many values to draw each.")
    evaluation, check, target_change = _judge(
        measure, before, after, qppo, seed, n_boot, confidence, notes
    )
    return EvaluationRun(
        measure=measure,
        design="pilot_comparison",
        change_date=change,
        start=low,
        end=high,
        before_label="comparison",
        after_label="pilot",
        before_activities=tuple(comparison_ids),
        after_activities=tuple(pilot_ids),
        objective=qppo,
        target_change=target_change,
        objective_check=check,
        evaluation=evaluation,
        phases=_phases(chart_values, cut, notes),
        phase_labels=labels,
        monthly=monthly,
        notes=tuple(notes),
    )


def evaluation_payback(
    *,
    run: EvaluationRun,
    cost: float,
    running_cost: float = 0.0,
    value_per_unit: float,
) -> Payback:
    """Months to recover ``cost`` from the measured improvement (domain ``payback``).

    The benefit per month is the improvement of the mean (after - before, turned so
    that better is positive: negated when lower is better) times ``value_per_unit``,
    the money one unit of improvement brings per month; its range comes from the
    bootstrap interval of the difference, turned the same way. Raises
    ``MeasurementError`` for a negative or non-finite cost, running cost or value.
    """
    for name, number in (
        ("cost", cost),
        ("running_cost", running_cost),
        ("value_per_unit", value_per_unit),
    ):
        if not math.isfinite(number) or number < 0:
            raise MeasurementError("Enter a number of 0 or more.", name)
    e = run.evaluation
    sign = -1.0 if run.measure.direction == Direction.LOWER else 1.0
    benefit = sign * e.difference * value_per_unit
    ends = sorted((sign * e.ci_low * value_per_unit, sign * e.ci_high * value_per_unit))
    try:
        return payback(cost, running_cost, benefit, benefit_ci=(ends[0], ends[1]))
    except StatisticsError as error:  # pragma: no cover - inputs are checked above
        raise MeasurementError(str(error), error.argument) from None
