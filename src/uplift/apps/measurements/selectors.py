"""Reads of the measurements context: measures, observations, baselines, objectives.

Views, the API and the CLI read through these. Observations are the big table
(millions of rows), so every read of their values is one query returning plain
numbers (``values_list``), turned into a NumPy array: never model instances. The
series of one measure for one work activity is an index range scan of the unique
key (measure, work activity, time).

Periods: ``start`` and ``end`` are inclusive; a date means its whole day (see
:func:`period_bounds`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from django.core.cache import cache
from django.db.models import Avg, Count, Max, Min, Prefetch, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from uplift.apps.measurements import segments
from uplift.apps.measurements.baselines_sql import GroupBaseline, baseline_by_group
from uplift.apps.measurements.choices import Direction, ObjectiveKind, Scale
from uplift.apps.measurements.models import (
    Baseline,
    Measure,
    Objective,
    Observation,
    ObservationImport,
    ObservationImportJob,
)
from uplift.apps.organization.selectors import work_activity_list
from uplift.domain.errors import InvalidDocument
from uplift.domain.statistics import (
    AttributeChart,
    StatisticsError,
    XmrChart,
    p_chart,
    u_chart,
    xmr,
)

__all__ = [
    "MAX_CHART_POINTS",
    "ActivityBaseline",
    "ControlChartData",
    "CurrentStatistics",
    "InvalidSegment",
    "MonthlySeries",
    "ObjectiveStatus",
    "ObservationSpan",
    "Series",
    "baseline_get",
    "baseline_list",
    "baselines_for",
    "control_chart_data",
    "current_statistics",
    "import_job_get",
    "import_jobs_visible_to",
    "measure_get",
    "measure_list",
    "measure_observation_span",
    "objective_get",
    "objective_list",
    "objective_status",
    "objective_statuses",
    "observation_list",
    "observation_monthly",
    "observation_series",
    "observation_values",
    "period_bounds",
    "qppo_list",
    "segment_clean",
    "segment_label",
    "segment_work_activity_ids",
    "work_activity_baselines",
]

FloatArray = npt.NDArray[np.float64]
DateOrTime = dt.date | dt.datetime


# -- periods -----------------------------------------------------------------------------


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def period_bounds(
    start: DateOrTime | None, end: DateOrTime | None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Inclusive bounds as aware datetimes: a start date from its first moment, an end
    date to its last (23:59:59.999999), a naive datetime in the current time zone."""
    low = high = None
    if start is not None:
        low = (
            _aware(start)
            if isinstance(start, dt.datetime)
            else _aware(dt.datetime.combine(start, dt.time.min))
        )
    if end is not None:
        high = (
            _aware(end)
            if isinstance(end, dt.datetime)
            else _aware(dt.datetime.combine(end, dt.time.max))
        )
    return low, high


# -- segments ---------------------------------------------------------------------------
#
# A thin adapter over ``segments.py``: the measurement services speak of an invalid
# segment as one error (``InvalidSegment``, shown on the ``segment`` field), and an
# empty segment reads every work activity without listing their ids.


class InvalidSegment(ValueError):
    """A segment that is not a valid filter over work activities."""


def segment_clean(segment: Any) -> dict[str, Any]:
    """The segment checked and normalised (``segments.segment_check``); keys with an
    empty value (as a form leaves them) are dropped first. Raises InvalidSegment with
    every problem, each located by its JSON path."""
    if isinstance(segment, dict):
        segment = {k: v for k, v in segment.items() if v not in ("", None, [], {})}
    try:
        return segments.segment_check(segment)
    except InvalidDocument as error:
        problems = "; ".join(
            f"{problem.path.removeprefix('$.')}: {problem.message}"
            if problem.path not in ("", "$")
            else problem.message
            for problem in error.problems
        )
        raise InvalidSegment(problems) from None


def segment_work_activity_ids(segment: dict[str, Any] | None) -> list[int] | None:
    """The ids of the work activities in a (clean) segment; None for every one, so that
    the reads filter nothing rather than list every id."""
    if not segment:
        return None
    return segments.segment_work_activity_ids(segment)


def segment_label(segment: dict[str, Any] | None) -> str:
    """A short label: "all work activities", "unit web; large" (``segments``)."""
    return segments.segment_label(segment)


# -- measures ----------------------------------------------------------------------------


def measure_list() -> QuerySet[Measure]:
    """Every measure with ``objective_count`` (its QPPOs) and ``baseline_count``."""
    return Measure.objects.annotate(
        objective_count=Count("objectives", distinct=True),
        baseline_count=Count("baselines", distinct=True),
    ).order_by("name")


def measure_get(*, slug: str) -> Measure:
    """The measure with that slug; raises ``Measure.DoesNotExist``."""
    return Measure.objects.get(slug=slug)


@dataclass(frozen=True)
class ObservationSpan:
    """How many observations a measure has, from when to when."""

    count: int
    first: dt.datetime | None
    last: dt.datetime | None


def measure_observation_span(
    measure: Measure,
    *,
    work_activity_ids: Sequence[int] | None = None,
    start: DateOrTime | None = None,
    end: DateOrTime | None = None,
) -> ObservationSpan:
    """Count, first and last time of a measure's observations (one aggregate query)."""
    rows = _observations(measure, work_activity_ids, start, end).aggregate(
        count=Count("id"), first=Min("observed_at"), last=Max("observed_at")
    )
    return ObservationSpan(count=rows["count"], first=rows["first"], last=rows["last"])


# -- observations ------------------------------------------------------------------------


def observation_list() -> QuerySet[Observation]:
    """Every observation with its measure's and work activity's slugs (API list)."""
    return Observation.objects.select_related("measure", "work_activity").order_by(
        "measure_id", "work_activity_id", "observed_at"
    )


def _observations(
    measure: Measure,
    work_activity_ids: Sequence[int] | None,
    start: DateOrTime | None,
    end: DateOrTime | None,
) -> QuerySet[Observation]:
    low, high = period_bounds(start, end)
    rows = Observation.objects.filter(measure=measure)
    if work_activity_ids is not None:
        ids = list(work_activity_ids)
        if not ids:
            return rows.none()
        rows = (
            rows.filter(work_activity_id=ids[0])
            if len(ids) == 1
            else rows.filter(work_activity_id__in=ids)
        )
    if low is not None:
        rows = rows.filter(observed_at__gte=low)
    if high is not None:
        rows = rows.filter(observed_at__lte=high)
    return rows


def observation_values(
    measure: Measure,
    *,
    work_activity_ids: Sequence[int] | None = None,
    start: DateOrTime | None = None,
    end: DateOrTime | None = None,
) -> FloatArray:
    """The values of a measure (for some work activities; None: all) in time order.

    One query of plain floats; ties in time are ordered by work activity, so the
    order, and with it the moving ranges, is repeatable.
    """
    rows = (
        _observations(measure, work_activity_ids, start, end)
        .order_by("observed_at", "work_activity_id")
        .values_list("value", flat=True)
    )
    return np.fromiter(rows, dtype=np.float64)


@dataclass(frozen=True)
class Series:
    """Values in time order with their times."""

    times: tuple[dt.datetime, ...]
    values: FloatArray

    def __len__(self) -> int:
        return len(self.times)


def observation_series(
    measure: Measure,
    *,
    work_activity_ids: Sequence[int] | None = None,
    start: DateOrTime | None = None,
    end: DateOrTime | None = None,
    last: int | None = None,
) -> Series:
    """Times and values in time order (one query); ``last=N`` keeps the latest N only
    (read newest first with a limit, so a long history is not read whole)."""
    rows = _observations(measure, work_activity_ids, start, end).values_list("observed_at", "value")
    if last is not None:
        pairs = list(rows.order_by("-observed_at", "-work_activity_id")[:last])
        pairs.reverse()
    else:
        pairs = list(rows.order_by("observed_at", "work_activity_id"))
    times = tuple(time for time, _ in pairs)
    values = np.fromiter((value for _, value in pairs), dtype=np.float64, count=len(pairs))
    return Series(times=times, values=values)


@dataclass(frozen=True)
class MonthlySeries:
    """Per calendar month (UTC): the mean, sum and count of the observations."""

    months: tuple[dt.date, ...]
    means: FloatArray
    totals: FloatArray
    counts: FloatArray

    def __len__(self) -> int:
        return len(self.months)


def observation_monthly(
    measure: Measure,
    *,
    work_activity_ids: Sequence[int] | None = None,
    start: DateOrTime | None = None,
    end: DateOrTime | None = None,
) -> MonthlySeries:
    """Monthly subgroups of a measure, grouped by the database (one query)."""
    rows = (
        _observations(measure, work_activity_ids, start, end)
        .annotate(month=TruncMonth("observed_at"))
        .values("month")
        .annotate(mean=Avg("value"), total=Sum("value"), n=Count("id"))
        .order_by("month")
        .values_list("month", "mean", "total", "n")
    )
    data = list(rows)
    months = tuple(
        (month.date() if isinstance(month, dt.datetime) else month) for month, *_ in data
    )
    return MonthlySeries(
        months=months,
        means=np.array([row[1] for row in data], dtype=np.float64),
        totals=np.array([row[2] for row in data], dtype=np.float64),
        counts=np.array([row[3] for row in data], dtype=np.float64),
    )


# -- control charts ----------------------------------------------------------------------

MAX_CHART_POINTS = 500


@dataclass(frozen=True)
class ControlChartData:
    """What a measure's charts show for a selection of work activities.

    One work activity: its values one by one (the latest ``MAX_CHART_POINTS``;
    ``total`` says how many there are). Several: monthly means, since values of
    different activities interleaved in time are not one process's sequence (the
    moving ranges would mix activities). ``xmr`` is None below two points.
    ``attribute`` is the u-chart (count measures: monthly sums over monthly numbers of
    observations) or p-chart (proportion measures recorded as 0/1) when the data allow
    one; ``note`` says why not otherwise.
    """

    measure: Measure
    grouping: Literal["individual", "monthly"]
    labels: tuple[str, ...]
    values: FloatArray
    total: int
    xmr: XmrChart | None
    attribute: AttributeChart | None = None
    attribute_labels: tuple[str, ...] = ()
    note: str = ""

    def as_json(self) -> dict[str, object]:
        return {
            "measure": self.measure.slug,
            "grouping": self.grouping,
            "total": self.total,
            "points": [
                {"label": label, "value": float(value)}
                for label, value in zip(self.labels, self.values, strict=True)
            ],
            "xmr": self.xmr.as_json() if self.xmr else None,
        }


def control_chart_data(
    measure: Measure,
    *,
    work_activity_ids: Sequence[int] | None,
    start: DateOrTime | None = None,
    end: DateOrTime | None = None,
    attribute: bool = True,
) -> ControlChartData:
    """The run chart's and control charts' data (see :class:`ControlChartData`).

    One query for one work activity's series (an index range scan, newest first with
    a limit), one grouped query otherwise, one more for an attribute chart.
    """
    single = work_activity_ids is not None and len(work_activity_ids) == 1
    if single:
        series = observation_series(
            measure,
            work_activity_ids=work_activity_ids,
            start=start,
            end=end,
            last=MAX_CHART_POINTS,
        )
        values = series.values
        labels = tuple(f"{moment:%Y-%m-%d}" for moment in series.times)
        total = (
            len(series)
            if len(series) < MAX_CHART_POINTS
            else measure_observation_span(
                measure, work_activity_ids=work_activity_ids, start=start, end=end
            ).count
        )
        grouping: Literal["individual", "monthly"] = "individual"
    else:
        months = observation_monthly(
            measure, work_activity_ids=work_activity_ids, start=start, end=end
        )
        values = months.means
        labels = tuple(f"{month:%Y-%m}" for month in months.months)
        total = int(months.counts.sum())
        grouping = "monthly"
    chart = xmr(values) if values.size >= 2 else None
    data = ControlChartData(
        measure=measure, grouping=grouping, labels=labels, values=values, total=total, xmr=chart
    )
    if not attribute or measure.scale == Scale.CONTINUOUS:
        return data
    months = (
        observation_monthly(measure, work_activity_ids=work_activity_ids, start=start, end=end)
        if single
        else months
    )
    return _with_attribute_chart(data, measure, months)


def _with_attribute_chart(
    data: ControlChartData, measure: Measure, months: MonthlySeries
) -> ControlChartData:
    if len(months) == 0:
        return data
    labels = tuple(f"{month:%Y-%m}" for month in months.months)
    try:
        if measure.scale == Scale.COUNT:
            chart = u_chart(months.totals, months.counts)
        else:
            chart = p_chart(months.totals, months.counts)
    except StatisticsError:
        kind = "u-chart" if measure.scale == Scale.COUNT else "p-chart"
        need = "whole counts" if measure.scale == Scale.COUNT else "values recorded as 0 or 1"
        return replace(data, note=f"No {kind}: it needs {need}; the XmR chart applies.")
    return replace(data, attribute=chart, attribute_labels=labels)


# -- baselines --------------------------------------------------------------------------

MAX_ACTIVITY_BASELINES = 200


@dataclass(frozen=True)
class ActivityBaseline:
    """One work activity's baseline statistics, computed in the database."""

    slug: str
    name: str
    stats: GroupBaseline


def work_activity_baselines(
    measure: Measure,
    *,
    work_activity_ids: Sequence[int] | None,
    start: DateOrTime | None = None,
    end: DateOrTime | None = None,
) -> list[ActivityBaseline]:
    """Each work activity's baseline of a measure (``baselines_sql.baseline_by_group``:
    one grouped query, only the result rows reach Python), by name; at most
    ``MAX_ACTIVITY_BASELINES`` activities."""
    low, high = period_bounds(start, end)
    groups = baseline_by_group(
        [measure.pk],
        work_activity_ids,
        low,
        high + dt.timedelta(microseconds=1) if high is not None else None,  # exclusive there
    )
    ids = [
        g.work_activity_id
        for g in groups[:MAX_ACTIVITY_BASELINES]
        if g.work_activity_id is not None
    ]
    names = {
        pk: (slug, name)
        for pk, slug, name in work_activity_list()
        .filter(pk__in=ids)
        .order_by()
        .values_list("pk", "slug", "name")
    }
    rows = [
        ActivityBaseline(*names[g.work_activity_id], g)
        for g in groups[:MAX_ACTIVITY_BASELINES]
        if g.work_activity_id is not None and g.work_activity_id in names
    ]
    return sorted(rows, key=lambda row: row.name)


def baseline_list(*, measure: Measure | None = None) -> QuerySet[Baseline]:
    """Stored baselines, newest first, with their measure and who computed them."""
    rows = Baseline.objects.select_related("measure", "computed_by")
    if measure is not None:
        rows = rows.filter(measure=measure)
    return rows.order_by("-computed_at", "-pk")


def baseline_get(*, pk: int) -> Baseline:
    """One stored baseline; raises ``Baseline.DoesNotExist``."""
    return baseline_list().get(pk=pk)


def _same_segment(left: Any, right: Any) -> bool:
    """Segments are equal as JSON values (key order does not matter)."""
    return bool((left or {}) == (right or {}))


def baselines_for(measure: Measure, segment: dict[str, Any] | None) -> list[Baseline]:
    """The stored baselines of a measure over exactly this segment, newest first.

    Compared in Python: a measure has few snapshots, and JSON equality in SQL differs
    between SQLite (text) and PostgreSQL (jsonb).
    """
    return [b for b in baseline_list(measure=measure) if _same_segment(b.segment, segment)]


# -- objectives --------------------------------------------------------------------------


def objective_list() -> QuerySet[Objective]:
    """Business objectives by priority and name, each with its QPPOs (and their
    measures) prefetched as ``children``."""
    qppos = Objective.objects.select_related("measure").order_by("priority", "name")
    return (
        Objective.objects.filter(kind=ObjectiveKind.BUSINESS)
        .prefetch_related(Prefetch("children", queryset=qppos))
        .order_by("priority", "name")
    )


def qppo_list() -> QuerySet[Objective]:
    """Every QPPO with its measure and parent, by priority and name."""
    return (
        Objective.objects.filter(kind=ObjectiveKind.QPPO)
        .select_related("measure", "parent")
        .order_by("priority", "name")
    )


def objective_get(*, pk: int) -> Objective:
    """One objective with its measure, parent and QPPOs; raises ``Objective.DoesNotExist``."""
    return (
        Objective.objects.select_related("measure", "parent")
        .prefetch_related(
            Prefetch("children", queryset=Objective.objects.select_related("measure"))
        )
        .get(pk=pk)
    )


StatusValue = Literal["met", "not_met", "no_data", "not_applicable"]
STATUS_LABELS: dict[str, str] = {
    "met": "Met",
    "not_met": "Not met",
    "no_data": "No data",
    "not_applicable": "—",
}


@dataclass(frozen=True)
class CurrentStatistics:
    """A measure's statistics over a segment from today's observations (no snapshot):
    every value, as a new baseline stores them by default, and their first and last
    times."""

    stats: GroupBaseline
    first: dt.datetime
    last: dt.datetime


@dataclass(frozen=True)
class ObjectiveStatus:
    """A QPPO against its current baseline.

    ``value`` is the objective's statistic (mean, median, p10 or p90) of the newest
    stored baseline of its measure over its segment. Without one, it is the same
    statistic of every observation of the segment today (the period a new baseline
    stores by default), and the status is ``provisional``: from current data, not a
    snapshot (issue 4). ``met`` honours the measure's direction: lower is better →
    ``value <= target``; higher → ``value >= target``. ``gap`` is how far the value
    falls short of the target, in the measure's unit (0 when met); ``percent_gap`` the
    same relative to the target (None for a zero target). ``n`` and the period say what
    the value stands on. A business objective is ``not_applicable``; a QPPO without a
    baseline and with fewer than two observations (a baseline needs two) is
    ``no_data``.
    """

    status: StatusValue
    baseline: Baseline | None = None
    value: float | None = None
    gap: float | None = None
    percent_gap: float | None = None
    provisional: bool = False
    n: int | None = None
    period_start: dt.datetime | None = None
    period_end: dt.datetime | None = None

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]

    def as_json(self) -> dict[str, object]:
        return {
            "status": self.status,
            "value": self.value,
            "gap": self.gap,
            "percent_gap": self.percent_gap,
            "provisional": self.provisional,
            "n": self.n,
            "period_start": self.period_start.isoformat() if self.period_start else None,
            "period_end": self.period_end.isoformat() if self.period_end else None,
            "baseline": self.baseline.pk if self.baseline is not None else None,
            "baseline_computed_at": (
                self.baseline.computed_at.isoformat() if self.baseline is not None else None
            ),
        }


def _judge(
    objective: Objective, baseline: Baseline | None, current: CurrentStatistics | None = None
) -> ObjectiveStatus:
    if objective.kind != ObjectiveKind.QPPO or objective.measure is None:
        return ObjectiveStatus("not_applicable")
    if baseline is not None:
        value = getattr(baseline, objective.statistic)
        source: dict[str, Any] = {
            "baseline": baseline,
            "n": baseline.n,
            "period_start": baseline.period_start,
            "period_end": baseline.period_end,
        }
    elif current is not None:
        value = getattr(current.stats, objective.statistic)
        source = {"n": current.stats.n, "period_start": current.first, "period_end": current.last}
        if current.stats.n < 2:  # as a stored baseline: two values at least
            return ObjectiveStatus("no_data", **source)
        source["provisional"] = True
    else:
        return ObjectiveStatus("no_data")
    if value is None or objective.target is None:
        return ObjectiveStatus("no_data", **source)
    target = float(objective.target)
    lower = objective.measure.direction == Direction.LOWER
    shortfall = value - target if lower else target - value
    gap = max(0.0, shortfall)
    percent = None if target == 0 else 100 * gap / abs(target)
    status: StatusValue = "met" if shortfall <= 0 else "not_met"
    return ObjectiveStatus(status, value=value, gap=gap, percent_gap=percent, **source)


def _segment_key(segment: Any) -> str:
    return json.dumps(segment or {}, sort_keys=True)


CURRENT_STATISTICS_CACHE_SECONDS = 24 * 3600


def observations_watermark() -> tuple[int, int]:
    """What changes whenever the observations do: the newest observation's id and the
    newest import's. Observations are only ever added, or replaced by an import (which
    leaves an import row), never deleted; two index look-ups."""
    newest = Observation.objects.order_by().aggregate(newest=Max("id"))["newest"]
    batch = ObservationImport.objects.order_by().aggregate(newest=Max("id"))["newest"]
    return newest or 0, batch or 0


def _current_cache_key(measure_id: int, ids: list[int] | None, watermark: tuple[int, int]) -> str:
    text = json.dumps([measure_id, ids, watermark], separators=(",", ":"))
    return "measurements:current-statistics:" + hashlib.sha256(text.encode()).hexdigest()


def current_statistics(
    pairs: Iterable[tuple[int, dict[str, Any] | None]],
) -> dict[tuple[int, str], CurrentStatistics]:
    """Today's statistics of each (measure id, segment), over every observation.

    Keyed by measure id and :func:`_segment_key`. The measures of one segment are read
    together: per distinct segment, one query for its work activities (none for every
    work activity), the pooled ``baselines_sql.baseline_by_group`` (one query on
    PostgreSQL, two on SQLite; only result rows reach Python) and one for the first and
    last times. A segment that no longer resolves (a unit since renamed) or holds no
    observation gives nothing.

    Over millions of observations that is about a second per segment, so each measure's
    statistics are kept in the cache (``CACHES``), keyed by the measure, the segment's
    work activities and :func:`observations_watermark` (two index look-ups per call):
    any new or replaced observation, or a change of the segment's members, reads the
    data again, pooled for the measures of a segment not in the cache. Kept per measure
    (none too: a measure without observations there), any subset of the objectives finds
    them, so the worker can compute them all after an import
    (``tasks.objective_statistics_warm``).
    """
    by_segment: dict[str, tuple[dict[str, Any] | None, set[int]]] = {}
    for measure_id, segment in pairs:
        by_segment.setdefault(_segment_key(segment), (segment, set()))[1].add(measure_id)
    found: dict[tuple[int, str], CurrentStatistics] = {}
    watermark: tuple[int, int] | None = None
    for key, (segment, measure_ids) in by_segment.items():
        try:
            ids = segment_work_activity_ids(segment)
        except InvalidDocument:
            continue
        if ids == []:
            continue
        if watermark is None:
            watermark = observations_watermark()
        keys = {m: _current_cache_key(m, ids, watermark) for m in sorted(measure_ids)}
        cached: dict[str, CurrentStatistics | None] = cache.get_many(keys.values())
        missing = {m for m, cache_key in keys.items() if cache_key not in cached}
        if missing:
            computed = _segment_statistics(missing, ids)
            fresh = {keys[m]: computed.get(m) for m in missing}
            cache.set_many(fresh, CURRENT_STATISTICS_CACHE_SECONDS)
            cached |= fresh
        for measure_id, cache_key in keys.items():
            statistics = cached[cache_key]
            if statistics is not None:
                found[measure_id, key] = statistics
    return found


def _segment_statistics(
    measure_ids: set[int], ids: list[int] | None
) -> dict[int, CurrentStatistics]:
    """:func:`current_statistics` of one segment, read from the observations."""
    found: dict[int, CurrentStatistics] = {}
    groups = baseline_by_group(sorted(measure_ids), ids, by_work_activity=False)
    if groups:
        rows = Observation.objects.filter(measure_id__in=[g.measure_id for g in groups])
        if ids is not None:
            rows = rows.filter(work_activity_id__in=ids)
        spans = {
            measure_id: (first, last)
            for measure_id, first, last in rows.values("measure_id")
            .annotate(first=Min("observed_at"), last=Max("observed_at"))
            .order_by()
            .values_list("measure_id", "first", "last")
        }
        for group in groups:
            if group.measure_id in spans:
                first, last = spans[group.measure_id]
                found[group.measure_id] = CurrentStatistics(group, first, last)
    return found


def objective_statuses(objectives: Iterable[Objective]) -> dict[int, ObjectiveStatus]:
    """Each objective's status against the newest baseline of its measure and segment,
    or, without one, provisionally against today's observations (see
    :class:`ObjectiveStatus`).

    Queries do not grow with the number of objectives: one for the stored baselines of
    every measure involved, then, for the QPPOs without one, those of
    :func:`current_statistics` per distinct segment (none when every QPPO has a
    baseline). The objectives' measures are read from them: load them with the
    objectives (``objective_list``, ``qppo_list`` and ``objective_get`` do).
    """
    objectives = list(objectives)
    measure_ids = {o.measure_id for o in objectives if o.measure_id is not None}
    newest: dict[int, list[Baseline]] = {}
    for baseline in Baseline.objects.filter(measure_id__in=measure_ids).order_by(
        "-computed_at", "-pk"
    ):
        newest.setdefault(baseline.measure_id, []).append(baseline)
    stored: dict[int, Baseline | None] = {}
    for objective in objectives:
        stored[objective.pk] = next(
            (
                b
                for b in newest.get(objective.measure_id or 0, [])
                if _same_segment(b.segment, objective.segment)
            ),
            None,
        )
    unjudged = [
        o
        for o in objectives
        if stored[o.pk] is None
        and o.kind == ObjectiveKind.QPPO
        and o.measure_id is not None
        and o.target is not None
    ]
    current = current_statistics((o.measure_id, o.segment) for o in unjudged if o.measure_id)
    return {
        o.pk: _judge(o, stored[o.pk], current.get((o.measure_id or 0, _segment_key(o.segment))))
        for o in objectives
    }


def objective_status(objective: Objective) -> ObjectiveStatus:
    """One objective's status (see :class:`ObjectiveStatus`)."""
    return objective_statuses([objective])[objective.pk]


# --- observation import jobs (issue 4) -------------------------------------------------------


def import_jobs_visible_to(user: Any) -> QuerySet[ObservationImportJob]:
    """The import jobs ``user`` may see: their own; every job with
    ``measurements.view_observationimport``; none for an anonymous user.

    A job's import (``batch``) is prefetched, not joined: a running job has none, so
    reading it makes no query, and a join would wait for the import (issue 4).
    PostgreSQL's first load into the empty table sets the observations' foreign keys
    aside, which locks the imports table whole until the import commits, so a polled
    job page or API detail never moved; SQLite's in-memory test database refused the
    join while the import's row was uncommitted."""
    jobs = ObservationImportJob.objects.select_related("created_by").prefetch_related("batch")
    if not user.is_authenticated:
        return jobs.none()
    if user.has_perm("measurements.view_observationimport"):
        return jobs
    return jobs.filter(created_by=user)


def import_job_get(*, user: Any, pk: int) -> ObservationImportJob:
    """One job ``user`` may see; ``ObservationImportJob.DoesNotExist`` otherwise, so that
    another user's job is as absent as an unknown id."""
    return import_jobs_visible_to(user).get(pk=pk)
