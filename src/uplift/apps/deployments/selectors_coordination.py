"""Coordination across deployments (seed 001 subpractice 2): which work activities
receive several changes at once, which improvements are deployed together, and the
calendar of all deployments (as a page and as iCalendar).

When a work activity *receives* a deployment (issue 6): from its wave's planned start
(the plan's planned start for a target in no wave) until

- it is confirmed (``confirmed_on``);
- it opted out or was rolled back: the day of the target's last change
  (``updated_at``), which is when that status was set (the model keeps no other date);
- otherwise it is still open: until the later of the plan's and the wave's planned
  end (the brief's rule: a late deployment is not stretched to today, so stale
  statuses of finished plans raise no false alarms in the coming months).

Excluded targets and cancelled plans receive nothing; a target without any start
date is not placed. A work activity is *overloaded* when more deployments than
``CoordinationSettings.overload_limit`` (row ``pk=1``, default 2) overlap on some
date of the window ``[start, start + horizon_days]`` (``domain.deployment.peak_overlap``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Prefetch, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from uplift.apps.deployments.choices import PlanState, TargetStatus, WaveState
from uplift.apps.deployments.models import CoordinationSettings, DeploymentPlan, Target, Wave
from uplift.domain.deployment import peak_overlap

__all__ = [
    "HORIZON_DAYS",
    "Calendar",
    "CalendarCell",
    "CalendarEvent",
    "CalendarRow",
    "Overload",
    "Reception",
    "RelatedGroup",
    "calendar_events",
    "calendar_ics",
    "calendar_months",
    "coordination_overloads",
    "coordination_settings_get",
    "related_deployments",
]

HORIZON_DAYS = 180
DEFAULT_OVERLOAD_LIMIT = 2
_ENDED_BY_CHANGE = frozenset({TargetStatus.OPTED_OUT, TargetStatus.ROLLED_BACK})


def _today() -> dt.date:
    return timezone.localdate()


def coordination_settings_get() -> CoordinationSettings:
    """The organization's settings (row ``pk=1``); an unsaved row with the defaults
    while nobody has set them (reading never writes)."""
    found = CoordinationSettings.objects.filter(pk=1).first()
    return found or CoordinationSettings(pk=1, overload_limit=DEFAULT_OVERLOAD_LIMIT)


# -- overloads ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reception:
    """One deployment a work activity receives, from ``start`` to ``end`` (inclusive)."""

    plan_id: int
    plan_title: str
    plan_state: str
    wave_name: str | None
    status: str
    start: dt.date
    end: dt.date
    open_ended: bool

    @property
    def plan_reference(self) -> str:
        return f"DEP-{self.plan_id}"

    @property
    def status_label(self) -> str:
        return str(TargetStatus(self.status).label)

    @property
    def end_known(self) -> bool:
        """False for an open deployment without any planned end."""
        return self.end != dt.date.max

    def covers(self, on: dt.date) -> bool:
        return self.start <= on <= self.end


@dataclass(frozen=True)
class Overload:
    """A work activity receiving more deployments at once than the limit."""

    work_activity_id: int
    name: str
    slug: str
    peak: int  # the most deployments on one date of the window
    peak_on: dt.date  # the first such date
    limit: int
    deployments: tuple[Reception, ...]  # every one touching the window, by start

    @property
    def at_peak(self) -> tuple[Reception, ...]:
        return tuple(r for r in self.deployments if r.covers(self.peak_on))


def _reception(row: Mapping[str, Any]) -> Reception | None:
    """The interval of one target row (module docstring), or None without a start."""
    in_wave = row["wave_id"] is not None
    start: dt.date | None = row["wave__planned_start"] if in_wave else row["plan__planned_start"]
    if start is None:
        return None
    status = row["status"]
    open_ended = False
    end: dt.date
    if status == TargetStatus.CONFIRMED and row["confirmed_on"] is not None:
        end = row["confirmed_on"]
    elif status in _ENDED_BY_CHANGE or status == TargetStatus.CONFIRMED:
        end = timezone.localdate(row["updated_at"])
    else:
        ends = [d for d in (row["plan__planned_end"], row["wave__planned_end"]) if d is not None]
        end = max(ends) if ends else dt.date.max
        open_ended = True
    return Reception(
        plan_id=row["plan_id"],
        plan_title=row["plan__title"],
        plan_state=row["plan__state"],
        wave_name=row["wave__name"] if in_wave else None,
        status=status,
        start=start,
        end=end,
        open_ended=open_ended,
    )


def _receiving() -> Q:
    return Q(excluded=False) & ~Q(plan__state=PlanState.CANCELLED)


def coordination_overloads(
    *,
    today: dt.date | None = None,
    horizon_days: int = HORIZON_DAYS,
    limit: int | None = None,
) -> list[Overload]:
    """The overloaded work activities in ``[today, today + horizon_days]``, busiest first.

    ``today`` is the window's first day (an earlier date shows a past window); ``limit``
    defaults to the organization's setting. Two queries (one for the setting): only
    work activities targeted by more deployments than the limit are read at all.
    """
    start = today or _today()
    end = start + dt.timedelta(days=horizon_days)
    limit = coordination_settings_get().overload_limit if limit is None else limit
    busy = (
        Target.objects.filter(_receiving())
        .order_by()
        .values("work_activity_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=limit)
        .values("work_activity_id")
    )
    rows = (
        Target.objects.filter(_receiving(), work_activity_id__in=busy)
        .order_by()
        .values(
            "work_activity_id",
            "work_activity__name",
            "work_activity__slug",
            "plan_id",
            "plan__title",
            "plan__state",
            "plan__planned_start",
            "plan__planned_end",
            "wave_id",
            "wave__name",
            "wave__planned_start",
            "wave__planned_end",
            "status",
            "confirmed_on",
            "updated_at",
        )
    )
    by_activity: dict[int, list[Reception]] = defaultdict(list)
    names: dict[int, tuple[str, str]] = {}
    for row in rows:
        reception = _reception(row)
        if reception is None:
            continue
        key = row["work_activity_id"]
        by_activity[key].append(reception)
        names[key] = (row["work_activity__name"], row["work_activity__slug"])
    overloads = []
    for key, receptions in by_activity.items():
        peak, peak_on = peak_overlap([(r.start, r.end) for r in receptions], start=start, end=end)
        if peak <= limit or peak_on is None:
            continue
        touching = sorted(
            (r for r in receptions if r.start <= end and r.end >= start),
            key=lambda r: (r.start, r.plan_id),
        )
        name, slug = names[key]
        overloads.append(Overload(key, name, slug, peak, peak_on, limit, tuple(touching)))
    return sorted(overloads, key=lambda o: (-o.peak, o.peak_on, o.name.casefold()))


# -- related deployments -------------------------------------------------------------------


@dataclass(frozen=True)
class RelatedGroup:
    """Improvements deployed together: plans marked related to each other
    (``kind="related"``), or one plan deploying several proposals (``"bundle"``)."""

    kind: str
    plans: tuple[DeploymentPlan, ...]
    shared_work_activities: int  # targeted by two or more of the group's plans

    @property
    def proposals(self) -> list[object]:
        seen: dict[int, object] = {}
        for plan in self.plans:
            for proposal in plan.proposals.all():
                seen.setdefault(proposal.pk, proposal)
        return list(seen.values())

    @property
    def starts(self) -> dt.date | None:
        dates = [p.planned_start for p in self.plans if p.planned_start]
        return min(dates) if dates else None

    @property
    def ends(self) -> dt.date | None:
        dates = [p.planned_end for p in self.plans if p.planned_end]
        return max(dates) if dates else None


def _components(plans: Sequence[DeploymentPlan]) -> list[list[DeploymentPlan]]:
    """The groups of plans connected through ``related_plans`` (two or more each)."""
    parent = {plan.pk: plan.pk for plan in plans}

    def find(pk: int) -> int:
        while parent[pk] != pk:
            parent[pk] = parent[parent[pk]]
            pk = parent[pk]
        return pk

    for plan in plans:
        for other in plan.related_plans.all():
            if other.pk in parent:
                parent[find(plan.pk)] = find(other.pk)
    groups: dict[int, list[DeploymentPlan]] = defaultdict(list)
    for plan in plans:
        groups[find(plan.pk)].append(plan)
    return [group for group in groups.values() if len(group) > 1]


def _shared(groups: Iterable[Sequence[DeploymentPlan]]) -> dict[frozenset[int], int]:
    """For each group (its plan ids), how many work activities two or more of its plans
    target (one query for every group)."""
    keys = [frozenset(p.pk for p in group) for group in groups]
    every = set().union(*keys) if keys else set()
    if not every:
        return {}
    plans_of: dict[int, set[int]] = defaultdict(set)
    rows = (
        Target.objects.filter(plan_id__in=every, excluded=False)
        .order_by()
        .values_list("work_activity_id", "plan_id")
    )
    for activity, plan in rows:
        plans_of[activity].add(plan)
    return {key: sum(1 for plans in plans_of.values() if len(plans & key) > 1) for key in keys}


def related_deployments() -> list[RelatedGroup]:
    """Improvements deployed together, for every plan not cancelled: groups of related
    plans first (earliest start first), then plans deploying several proposals. Four
    queries: the plans, their related plans, their proposals, the shared targets."""
    proposal_model = DeploymentPlan._meta.get_field("proposals").related_model
    plans = list(
        DeploymentPlan.objects.exclude(state=PlanState.CANCELLED)
        .select_related("owner")
        .prefetch_related(
            Prefetch("related_plans", queryset=DeploymentPlan.objects.only("pk")),
            Prefetch(
                "proposals",
                queryset=proposal_model._default_manager.only("pk", "title", "state").order_by(  # type: ignore[union-attr]
                    "pk"
                ),
            ),
        )
        .order_by("planned_start", "pk")
    )
    related = _components(plans)
    bundles = [[plan] for plan in plans if len(plan.proposals.all()) > 1]
    shared = _shared(related)
    groups = [
        RelatedGroup("related", tuple(group), shared.get(frozenset(p.pk for p in group), 0))
        for group in related
    ]
    groups += [RelatedGroup("bundle", tuple(group), 0) for group in bundles]
    return groups


# -- the calendar ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarCell:
    """One month of one row: whether the row's span touches it, starts or ends in it."""

    month: dt.date
    active: bool
    starts: bool
    ends: bool

    @property
    def text(self) -> str:
        if not self.active:
            return ""
        if self.starts and self.ends:
            return "starts, ends"
        if self.starts:
            return "starts"
        if self.ends:
            return "ends"
        return "continues"


@dataclass(frozen=True)
class CalendarRow:
    """A plan (``wave`` None) or one of its waves, with its span and twelve months."""

    plan: DeploymentPlan
    wave: Wave | None
    start: dt.date
    end: dt.date
    cells: tuple[CalendarCell, ...]

    @property
    def label(self) -> str:
        if self.wave is None:
            return f"{self.plan.reference} {self.plan.title}"
        return f"Wave {self.wave.number}: {self.wave.name}"

    @property
    def state_label(self) -> str:
        if self.wave is None:
            return str(PlanState(self.plan.state).label)
        return str(WaveState(self.wave.state).label)


@dataclass(frozen=True)
class Calendar:
    """Every deployment (not cancelled) touching ``year``: months by plans and waves."""

    year: int
    months: tuple[dt.date, ...]
    rows: tuple[CalendarRow, ...]
    today: dt.date

    @property
    def previous_year(self) -> int:
        return self.year - 1

    @property
    def next_year(self) -> int:
        return self.year + 1

    @property
    def plan_count(self) -> int:
        return sum(1 for row in self.rows if row.wave is None)


def _wave_span(wave: Wave, today: dt.date) -> tuple[dt.date, dt.date]:
    """As it stands: actual dates where known; a running wave lasts at least until today."""
    start = wave.actual_start or wave.planned_start
    end = wave.actual_end or wave.planned_end
    if wave.state == WaveState.RUNNING and wave.actual_end is None:
        end = max(end, today)
    return start, max(start, end)


def _plan_span(
    plan: DeploymentPlan, waves: Sequence[Wave], today: dt.date
) -> tuple[dt.date, dt.date] | None:
    """The plan's planned dates widened to its waves' spans; None without any date."""
    spans = [_wave_span(wave, today) for wave in waves]
    starts = [d for d in [plan.planned_start, *(s for s, _ in spans)] if d is not None]
    ends = [d for d in [plan.planned_end, *(e for _, e in spans)] if d is not None]
    if not starts and not ends:
        return None
    start = min(starts) if starts else min(ends)
    end = max(ends) if ends else max(starts)
    return start, max(start, end)


def _months(year: int) -> tuple[dt.date, ...]:
    return tuple(dt.date(year, month, 1) for month in range(1, 13))


def _month_end(month: dt.date) -> dt.date:
    following = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def _cells(start: dt.date, end: dt.date, months: Sequence[dt.date]) -> tuple[CalendarCell, ...]:
    cells = []
    for month in months:
        last = _month_end(month)
        cells.append(
            CalendarCell(
                month=month,
                active=start <= last and end >= month,
                starts=month <= start <= last,
                ends=month <= end <= last,
            )
        )
    return tuple(cells)


def _plans_with_waves(first: dt.date | None, last: dt.date | None) -> list[DeploymentPlan]:
    """The plans not cancelled (touching ``[first, last]`` when given), waves prefetched.
    Two queries."""
    plans = DeploymentPlan.objects.exclude(state=PlanState.CANCELLED)
    if first is not None and last is not None:
        waves = (
            Wave.objects.annotate(
                start=Coalesce("actual_start", "planned_start"),
                end=Coalesce("actual_end", "planned_end"),
            )
            .filter(start__lte=last)
            .filter(Q(end__gte=first) | Q(state=WaveState.RUNNING, actual_end__isnull=True))
            .values("plan_id")
        )
        plans = plans.filter(
            Q(pk__in=waves)
            | Q(planned_start__lte=last, planned_end__gte=first)
            | Q(planned_start__isnull=True, planned_end__gte=first, planned_end__lte=last)
            | Q(planned_end__isnull=True, planned_start__gte=first, planned_start__lte=last)
        )
    return list(
        plans.prefetch_related(
            Prefetch("waves", queryset=Wave.objects.order_by("number"))
        ).order_by(F("planned_start").asc(nulls_last=True), "pk")
    )


def calendar_months(*, year: int, today: dt.date | None = None) -> Calendar:
    """The deployments of ``year`` as a grid: a row per plan, then a row per wave of
    it; each row marks the months its span touches (actual dates where known, planned
    otherwise). Two queries."""
    today = today or _today()
    months = _months(year)
    first, last = months[0], dt.date(year, 12, 31)
    rows: list[CalendarRow] = []
    spans = []
    for plan in _plans_with_waves(first, last):
        waves = list(plan.waves.all())
        span = _plan_span(plan, waves, today)
        if span is None or span[0] > last or span[1] < first:
            continue
        spans.append((span[0], plan.pk, plan, waves, span))
    for _, _, plan, waves, (start, end) in sorted(spans, key=lambda item: item[:2]):
        rows.append(CalendarRow(plan, None, start, end, _cells(start, end, months)))
        for wave in waves:
            wave_start, wave_end = _wave_span(wave, today)
            if wave_start <= last and wave_end >= first:
                rows.append(
                    CalendarRow(
                        plan, wave, wave_start, wave_end, _cells(wave_start, wave_end, months)
                    )
                )
    return Calendar(year=year, months=months, rows=tuple(rows), today=today)


# -- iCalendar ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarEvent:
    """A plan's or a wave's span as an all-day event (``end`` inclusive)."""

    uid: str
    plan_id: int
    summary: str
    description: str
    start: dt.date
    end: dt.date


def calendar_events(
    *, year: int | None = None, today: dt.date | None = None
) -> list[CalendarEvent]:
    """Every deployment not cancelled (touching ``year`` when given): one event per plan
    and one per wave, spans as on the calendar page. Two queries."""
    today = today or _today()
    first = dt.date(year, 1, 1) if year else None
    last = dt.date(year, 12, 31) if year else None
    events = []
    for plan in _plans_with_waves(first, last):
        waves = list(plan.waves.all())
        span = _plan_span(plan, waves, today)
        if span is None:
            continue
        state = PlanState(plan.state).label
        events.append(
            CalendarEvent(
                uid=f"deployment-plan-{plan.pk}@uplift",
                plan_id=plan.pk,
                summary=f"{plan.reference} {plan.title}",
                description=f"Deployment plan, {str(state).lower()}; {len(waves)} "
                f"wave{'' if len(waves) == 1 else 's'}.",
                start=span[0],
                end=span[1],
            )
        )
        for wave in waves:
            start, end = _wave_span(wave, today)
            events.append(
                CalendarEvent(
                    uid=f"deployment-wave-{wave.pk}@uplift",
                    plan_id=plan.pk,
                    summary=f"{plan.reference} wave {wave.number}: {wave.name}",
                    description=f"{WaveState(wave.state).label} wave of {plan.reference} "
                    f"{plan.title}; planned {wave.planned_start:%Y-%m-%d} to "
                    f"{wave.planned_end:%Y-%m-%d}.",
                    start=start,
                    end=end,
                )
            )
    return events


def _ics_text(value: str) -> str:
    """RFC 5545 TEXT: backslash, semicolon, comma and newlines escaped."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _fold(line: str) -> str:
    """RFC 5545 line folding: at most 75 octets a line, continuations start with a space."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts: list[str] = []
    current, size = "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        limit = 75 if not parts else 74
        if size + width > limit:
            parts.append(current)
            current, size = "", 0
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def calendar_ics(
    events: Iterable[CalendarEvent],
    *,
    url_for: Callable[[int], str] | None = None,
    now: dt.datetime | None = None,
) -> str:
    """The events as an iCalendar file (RFC 5545): all-day ``VEVENT``s whose ``DTEND``
    is the day after the last day (exclusive, as the standard says); ``url_for(plan_id)``
    gives each event's link. CRLF line ends, folded lines."""
    stamp = (now or timezone.now()).astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Uplift//Deployments//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Uplift deployments",
    ]
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.uid}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{event.start:%Y%m%d}",
            f"DTEND;VALUE=DATE:{event.end + dt.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_ics_text(event.summary)}",
            f"DESCRIPTION:{_ics_text(event.description)}",
        ]
        if url_for is not None:
            lines.append(f"URL:{url_for(event.plan_id)}")
        lines += ["TRANSP:TRANSPARENT", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)
