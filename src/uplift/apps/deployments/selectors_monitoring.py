"""Monitoring a deployment against its plan (seed 001 subpractice 1): planned versus
actual per wave and per target, slippage, overdue targets, the burn-up and the waves'
timeline.

Definitions (issue 6):

- a target's *planned date* is its ``planned_on``, else its wave's ``planned_end``,
  else the plan's ``planned_end`` (a target in no wave);
- a target is *overdue* when its planned date is before today and it is neither
  deployed, confirmed, opted out nor excluded (a rolled-back target is overdue again);
- *slippage* is ``domain.deployment.slippage_days``: actual minus planned in days, or
  the days late so far while there is no actual date (0 while still on time); a
  wave has one for its start and one for its end; an opted-out or excluded target
  has none;
- the *burn-up* counts, weekly, the targets planned to be deployed by each date (the
  non-excluded targets not opted out, at their planned date), those deployed by then
  (``deployed_on`` of the deployed and confirmed ones) and those confirmed by then
  (``confirmed_on``); actual counts stop at today.

``plan_monitoring`` runs a fixed number of queries whatever the plan's size: the
waves, one light row per target (ids, statuses, dates and the work activity's name:
the figures, the burn-up and the order are computed from it), and the rows of the
requested page of targets.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.utils import timezone

from uplift.apps.deployments.choices import TargetStatus, WaveState
from uplift.apps.deployments.models import DeploymentPlan, Target, Wave
from uplift.domain.deployment import BurnupPoint, burnup, slippage_days

__all__ = [
    "BurnupRow",
    "Monitoring",
    "MonitoringTotals",
    "TargetRow",
    "TimelineRow",
    "TimelineTick",
    "WaveRow",
    "WaveTimeline",
    "plan_monitoring",
    "plan_monitoring_rows",
    "slip_words",
]

TARGETS_PER_PAGE = 50
TARGET_ORDERS: tuple[str, ...] = ("planned", "name", "slip", "status")

# Statuses that take a target off the "still to deploy" list.
_DONE = frozenset({TargetStatus.DEPLOYED, TargetStatus.CONFIRMED})
_NOT_OVERDUE = _DONE | {TargetStatus.OPTED_OUT}


def _today() -> dt.date:
    return timezone.localdate()


def slip_words(days: int | None, *, actual: bool = True) -> str:
    """Slippage in words: "3 days late", "2 days early", "on time"; "" without a plan.
    Without an actual date (``actual=False``) a delay is "so far"."""
    if days is None:
        return ""
    if days == 0:
        return "on time"
    unit = "day" if abs(days) == 1 else "days"
    if days < 0:
        return f"{-days} {unit} early"
    return f"{days} {unit} late" + ("" if actual else " so far")


def _percent(value: float) -> str:
    """A CSS percentage, never localized (``12.500%``)."""
    return f"{value:.3f}%"


# -- rows -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Light:
    """One target as the figures need it (from a ``values_list`` row)."""

    pk: int
    wave_id: int | None
    excluded: bool
    status: str
    planned: dt.date | None
    deployed_on: dt.date | None
    confirmed_on: dt.date | None
    name: str
    slip: int | None
    overdue: bool

    @property
    def counted(self) -> bool:
        """In the deployment's denominator: not excluded, not opted out."""
        return not self.excluded and self.status != TargetStatus.OPTED_OUT

    @property
    def done(self) -> bool:
        return not self.excluded and self.status in _DONE


@dataclass(frozen=True)
class TargetRow:
    """One target of the page: its planned date against its deployment."""

    target: Target
    planned: dt.date | None
    slip: int | None
    overdue: bool

    @property
    def days_overdue(self) -> int:
        return (self.slip or 0) if self.overdue else 0

    @property
    def slip_text(self) -> str:
        return slip_words(self.slip, actual=self.target.deployed_on is not None)


@dataclass(frozen=True)
class WaveRow:
    """One wave: planned versus actual start and end, and its targets' progress."""

    wave: Wave
    start_slip: int | None
    end_slip: int | None
    targets: int  # non-excluded, not opted out
    deployed: int  # deployed or confirmed
    opted_out: int
    overdue: int

    @property
    def late(self) -> bool:
        """Started or finished (or due to have) later than planned."""
        return (self.start_slip or 0) > 0 or (self.end_slip or 0) > 0

    @property
    def percent_deployed(self) -> int | None:
        return round(100 * self.deployed / self.targets) if self.targets else None

    @property
    def start_slip_text(self) -> str:
        return slip_words(self.start_slip, actual=self.wave.actual_start is not None)

    @property
    def end_slip_text(self) -> str:
        return slip_words(self.end_slip, actual=self.wave.actual_end is not None)


@dataclass(frozen=True)
class MonitoringTotals:
    """The plan's targets: ``targets`` counts the non-excluded ones not opted out."""

    targets: int
    deployed: int  # deployed or confirmed
    confirmed: int
    opted_out: int
    excluded: int
    overdue: int
    without_wave: int

    @property
    def percent_deployed(self) -> int | None:
        return round(100 * self.deployed / self.targets) if self.targets else None


@dataclass(frozen=True)
class BurnupRow:
    """A row of the burn-up's data table; actual counts are None after today."""

    on: dt.date
    planned: int
    deployed: int | None
    confirmed: int | None


@dataclass(frozen=True)
class TimelineTick:
    """A labelled date on the timeline's scale (the first of a month)."""

    date: dt.date
    offset_days: int
    span_days: int

    @property
    def offset(self) -> str:
        return _percent(100 * self.offset_days / self.span_days)


@dataclass(frozen=True)
class TimelineRow:
    """A wave's two bars: planned (start to end) and actual (start to end, or to today
    while it runs; none before it starts). Offsets and widths in days of the span."""

    wave: Wave
    planned_offset_days: int
    planned_days: int
    actual_offset_days: int | None
    actual_days: int | None
    late: bool
    span_days: int

    @property
    def planned_offset(self) -> str:
        return _percent(100 * self.planned_offset_days / self.span_days)

    @property
    def planned_width(self) -> str:
        return _percent(100 * self.planned_days / self.span_days)

    @property
    def actual_offset(self) -> str | None:
        if self.actual_offset_days is None:
            return None
        return _percent(100 * self.actual_offset_days / self.span_days)

    @property
    def actual_width(self) -> str | None:
        if self.actual_days is None:
            return None
        return _percent(100 * self.actual_days / self.span_days)


@dataclass(frozen=True)
class WaveTimeline:
    """The waves as a Gantt chart (a table, like the improvements' plan timeline)."""

    first: dt.date | None
    last: dt.date | None
    days: int
    rows: tuple[TimelineRow, ...]
    ticks: tuple[TimelineTick, ...]
    today: dt.date
    today_offset_days: int | None

    @property
    def today_offset(self) -> str | None:
        if self.today_offset_days is None or not self.days:
            return None
        return _percent(100 * (self.today_offset_days + 0.5) / self.days)


@dataclass(frozen=True)
class Monitoring:
    """Everything the monitoring page shows of one plan."""

    plan: DeploymentPlan
    today: dt.date
    waves: tuple[WaveRow, ...]
    totals: MonitoringTotals
    page: Page[TargetRow]
    order: str
    overdue_only: bool
    burnup: tuple[BurnupRow, ...]
    timeline: WaveTimeline


# -- building --------------------------------------------------------------------------------


def _planned(planned_on: dt.date | None, wave: Wave | None, plan: DeploymentPlan) -> dt.date | None:
    if planned_on is not None:
        return planned_on
    if wave is not None:
        return wave.planned_end
    return plan.planned_end


def _light_rows(plan: DeploymentPlan, waves: dict[int, Wave], today: dt.date) -> list[_Light]:
    """One query: every target of the plan with its planned date, slip and overdue flag."""
    rows = Target.objects.filter(plan=plan).values_list(
        "pk",
        "wave_id",
        "excluded",
        "status",
        "planned_on",
        "deployed_on",
        "confirmed_on",
        "work_activity__name",
    )
    lights = []
    for pk, wave_id, excluded, status, planned_on, deployed_on, confirmed_on, name in rows:
        planned = _planned(planned_on, waves.get(wave_id) if wave_id else None, plan)
        if excluded or status == TargetStatus.OPTED_OUT:
            slip = None
        elif status in _DONE:
            slip = slippage_days(planned=planned, actual=deployed_on, today=today)
        else:
            slip = slippage_days(planned=planned, actual=None, today=today)
        overdue = (
            not excluded and status not in _NOT_OVERDUE and planned is not None and planned < today
        )
        lights.append(
            _Light(
                pk,
                wave_id,
                excluded,
                status,
                planned,
                deployed_on,
                confirmed_on,
                name,
                slip,
                overdue,
            )
        )
    return lights


def _totals(lights: list[_Light]) -> MonitoringTotals:
    return MonitoringTotals(
        targets=sum(1 for t in lights if t.counted),
        deployed=sum(1 for t in lights if t.done),
        confirmed=sum(1 for t in lights if not t.excluded and t.status == TargetStatus.CONFIRMED),
        opted_out=sum(1 for t in lights if not t.excluded and t.status == TargetStatus.OPTED_OUT),
        excluded=sum(1 for t in lights if t.excluded),
        overdue=sum(1 for t in lights if t.overdue),
        without_wave=sum(1 for t in lights if not t.excluded and t.wave_id is None),
    )


def _wave_rows(waves: Iterable[Wave], lights: list[_Light], today: dt.date) -> tuple[WaveRow, ...]:
    rows = []
    for wave in waves:
        mine = [t for t in lights if t.wave_id == wave.pk]
        rows.append(
            WaveRow(
                wave=wave,
                start_slip=slippage_days(
                    planned=wave.planned_start, actual=wave.actual_start, today=today
                ),
                end_slip=slippage_days(
                    planned=wave.planned_end, actual=wave.actual_end, today=today
                ),
                targets=sum(1 for t in mine if t.counted),
                deployed=sum(1 for t in mine if t.done),
                opted_out=sum(
                    1 for t in mine if not t.excluded and t.status == TargetStatus.OPTED_OUT
                ),
                overdue=sum(1 for t in mine if t.overdue),
            )
        )
    return tuple(rows)


def _burnup(
    plan: DeploymentPlan, waves: list[Wave], lights: list[_Light], today: dt.date
) -> tuple[BurnupRow, ...]:
    planned = [t.planned for t in lights if t.counted and t.planned is not None]
    deployed = [t.deployed_on for t in lights if t.done and t.deployed_on is not None]
    confirmed = [
        t.confirmed_on
        for t in lights
        if not t.excluded and t.status == TargetStatus.CONFIRMED and t.confirmed_on is not None
    ]
    dates = [*planned, *deployed, *confirmed]
    for wave in waves:
        dates += [wave.planned_start, wave.planned_end]
    dates += [d for d in (plan.planned_start, plan.planned_end) if d is not None]
    if not planned or not dates:
        return ()
    start, end = min(dates), max(dates)
    if today > end and any(t.counted and not t.done for t in lights):
        end = today  # still open after the plan's end: show the gap up to today
    points: list[BurnupPoint] = burnup(
        planned=planned, deployed=deployed, confirmed=confirmed, start=start, end=end
    )
    return tuple(
        BurnupRow(
            p.on,
            p.planned,
            p.deployed if p.on <= today else None,
            p.confirmed if p.on <= today else None,
        )
        for p in points
    )


def _month_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    months = []
    current = dt.date(first.year, first.month, 1)
    while current <= last:
        if current >= first:
            months.append(current)
        current = dt.date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return months


def _timeline(waves: list[Wave], today: dt.date) -> WaveTimeline:
    if not waves:
        return WaveTimeline(None, None, 0, (), (), today, None)
    dates: list[dt.date] = []
    for wave in waves:
        dates += [wave.planned_start, wave.planned_end]
        dates += [d for d in (wave.actual_start, wave.actual_end) if d is not None]
        if wave.state == WaveState.RUNNING and wave.actual_end is None:
            dates.append(today)
    first, last = min(dates), max(dates)
    days = (last - first).days + 1
    rows = []
    for wave in waves:
        actual_offset = actual_days = None
        if wave.actual_start is not None:
            actual_end = wave.actual_end or max(today, wave.actual_start)
            actual_offset = (wave.actual_start - first).days
            actual_days = (actual_end - wave.actual_start).days + 1
        start_slip = slippage_days(
            planned=wave.planned_start, actual=wave.actual_start, today=today
        )
        end_slip = slippage_days(planned=wave.planned_end, actual=wave.actual_end, today=today)
        rows.append(
            TimelineRow(
                wave=wave,
                planned_offset_days=(wave.planned_start - first).days,
                planned_days=(wave.planned_end - wave.planned_start).days + 1,
                actual_offset_days=actual_offset,
                actual_days=actual_days,
                late=(start_slip or 0) > 0 or (end_slip or 0) > 0,
                span_days=days,
            )
        )
    months = _month_starts(first, last)
    step = max(1, -(-len(months) // 6))  # at most 6 labels: the lane is narrow
    ticks = tuple(TimelineTick(m, (m - first).days, days) for m in months[::step])
    today_offset = (today - first).days if first <= today <= last else None
    return WaveTimeline(first, last, days, tuple(rows), ticks, today, today_offset)


def _sorted(lights: list[_Light], order: str) -> list[_Light]:
    far = dt.date.max
    if order == "name":
        return sorted(lights, key=lambda t: (t.name.casefold(), t.pk))
    if order == "slip":
        return sorted(lights, key=lambda t: (-(t.slip if t.slip is not None else -(10**6)), t.pk))
    if order == "status":
        statuses = list(TargetStatus.values)
        return sorted(
            lights,
            key=lambda t: (t.excluded, statuses.index(t.status), t.planned or far, t.pk),
        )
    return sorted(lights, key=lambda t: (t.excluded, t.planned or far, t.name.casefold(), t.pk))


def _rows(lights: list[_Light]) -> list[TargetRow]:
    """The given targets as rows, in the given order (one query)."""
    targets = Target.objects.select_related("work_activity", "wave").in_bulk([t.pk for t in lights])
    return [
        TargetRow(targets[t.pk], t.planned, t.slip, t.overdue) for t in lights if t.pk in targets
    ]


def _page(
    lights: list[_Light], *, order: str, overdue_only: bool, page: int | str, per_page: int
) -> Page[TargetRow]:
    """The requested page of targets: the order is computed from the light rows, then one
    query fetches that page's targets with their work activities and waves."""
    chosen = [t for t in lights if t.overdue] if overdue_only else lights
    paginator = Paginator(_sorted(chosen, order), per_page)
    current = paginator.get_page(page)
    rows: Any = _rows(list(current.object_list))
    current.object_list = rows
    # The page now holds TargetRows (Django's Page is not generic over a changed list).
    return current  # type: ignore[return-value]


def plan_monitoring(
    plan: DeploymentPlan,
    *,
    today: dt.date | None = None,
    page: int | str = 1,
    per_page: int = TARGETS_PER_PAGE,
    order: str = "planned",
    overdue_only: bool = False,
) -> Monitoring:
    """The plan against its schedule (module docstring). Three queries whatever the
    number of targets: the waves, the targets' figures, and one page of targets
    (``order``: planned date, name, slippage (largest first) or status; with
    ``overdue_only`` only the overdue targets)."""
    today = today or _today()
    order = order if order in TARGET_ORDERS else "planned"
    waves = list(Wave.objects.filter(plan=plan).order_by("number"))
    by_pk = {wave.pk: wave for wave in waves}
    lights = _light_rows(plan, by_pk, today)
    return Monitoring(
        plan=plan,
        today=today,
        waves=_wave_rows(waves, lights, today),
        totals=_totals(lights),
        page=_page(lights, order=order, overdue_only=overdue_only, page=page, per_page=per_page),
        order=order,
        overdue_only=overdue_only,
        burnup=_burnup(plan, waves, lights, today),
        timeline=_timeline(waves, today),
    )


def plan_monitoring_rows(
    plan: DeploymentPlan, *, today: dt.date | None = None, overdue_only: bool = False
) -> list[TargetRow]:
    """Every target of the plan, planned date first, as the monitoring table shows them
    (the CSV export). Three queries."""
    today = today or _today()
    by_pk = {wave.pk: wave for wave in Wave.objects.filter(plan=plan)}
    lights = _light_rows(plan, by_pk, today)
    chosen = [t for t in lights if t.overdue] if overdue_only else lights
    return _rows(_sorted(chosen, "planned"))
