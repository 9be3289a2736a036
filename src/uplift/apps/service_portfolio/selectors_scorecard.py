"""The service scorecard: the six outcomes of MOF Plan and Optimize (seed 003) judged
from the evidence stored for each service (``uplift.domain.service_outcomes``).

Definitions (issue 7):

- the *window* is the last ``window_months`` full calendar months before ``today``
  (default ``timezone.localdate()``): on 2026-11-15 with 12 months, 2025-11-01 to
  2026-10-31;
- an objective's *periods* are the calendar months (or quarters) lying wholly inside
  the window (a quarter cut by the window's edge is left out); each is judged from the
  observations of the objective's measure for the service's work activities observed
  in it (``slo_attainment_from_totals``: the database counts and sums them);
- *satisfaction* is every observation of the settings' ``satisfaction_measure`` for the
  service's work activities in the window;
- *availability* is the mean of the window's observations of the measures of the
  service's active availability objectives (None without such an objective or data);
- *continuity* is each plan's test status on ``today`` (``selectors_continuity``);
- *compliance* is the latest check per active policy governing the service
  (``selectors_policies``); a governing policy never checked is listed as unchecked;
- *cost* and *demand* are the service's periods in the window (demand only when every
  period has a positive one, else the trend is of cost alone);
- *change lead times* are the changes delivered in the window (delivered minus requested,
  in days).

``portfolio_scorecards`` reads a fixed number of queries whatever the number of
services (settings, work activities, objectives, one grouped query of observations,
satisfaction, continuity plans, compliance checks, governing policies, periods,
changes): never a query per service. Observations are read through the measurements'
public selector (``observation_list``), grouped per measure, work activity and month in
the database; only the groups reach Python.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any, Literal, cast

from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When
from django.utils import timezone

from uplift.apps.measurements.selectors import observation_list, period_bounds
from uplift.apps.service_portfolio.choices import SloKind, SloPeriod, SloStatistic
from uplift.apps.service_portfolio.models import (
    ComplianceCheck,
    ContinuityPlan,
    Policy,
    ScorecardSettings,
    Service,
    ServiceChange,
    ServiceLevelObjective,
    ServicePeriod,
)
from uplift.apps.service_portfolio.selectors_continuity import continuity_statuses
from uplift.apps.service_portfolio.selectors_policies import latest_checks_by_service
from uplift.domain import service_outcomes as outcomes
from uplift.domain.service_outcomes import (
    Attainment,
    AttainmentStatus,
    ContinuityStatus,
    Direction,
    Outcome,
    OutcomeStatus,
    Scorecard,
    ScorecardRules,
    ServiceEvidence,
    Statistic,
    slo_attainment_from_totals,
    utilization,
)

__all__ = [
    "PeriodAttainment",
    "ServiceScorecard",
    "SloAttainments",
    "objective_periods",
    "objective_text",
    "portfolio_scorecards",
    "scorecard_rules",
    "scorecard_settings_get",
    "scorecard_window",
    "service_evidence",
    "service_scorecard",
    "slo_attainments",
]

SETTINGS_PK = 1
ComplianceResult = Literal["passed", "failed", "waived"]
_RULE_FIELDS = tuple(f.name for f in fields(ScorecardRules))


# -- settings ---------------------------------------------------------------------------


def scorecard_settings_get() -> ScorecardSettings:
    """The scorecard's settings row (with its satisfaction measure), or an unsaved row
    of the defaults when none was saved yet. Never writes."""
    row = (
        ScorecardSettings.objects.select_related("satisfaction_measure")
        .filter(pk=SETTINGS_PK)
        .first()
    )
    return row if row is not None else ScorecardSettings(pk=SETTINGS_PK)


def scorecard_rules(settings: ScorecardSettings | None = None) -> ScorecardRules:
    """The domain's thresholds from the settings (read them when not given).

    Raises:
        ServiceOutcomeError: stored thresholds that contradict each other (the settings
            service refuses them; only a direct database edit gets there).
    """
    row = settings if settings is not None else scorecard_settings_get()
    return ScorecardRules(**{name: getattr(row, name) for name in _RULE_FIELDS})


# -- periods ----------------------------------------------------------------------------


def _add_months(day: dt.date, months: int) -> dt.date:
    """The first of the month ``months`` after (or before) ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def scorecard_window(
    *, today: dt.date | None = None, months: int | None = None
) -> tuple[dt.date, dt.date]:
    """The last ``months`` full months before ``today`` (first day, last day); the
    settings' ``window_months`` when not given."""
    day = today if today is not None else timezone.localdate()
    count = months if months is not None else scorecard_settings_get().window_months
    this_month = day.replace(day=1)
    return _add_months(this_month, -count), this_month - dt.timedelta(days=1)


def objective_periods(period: str, start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The calendar months (``period="month"``) or quarters lying wholly within
    ``start``..``end`` (inclusive), in order, as (first day, last day)."""
    step = 3 if period == SloPeriod.QUARTER else 1
    first = start.replace(day=1)
    if first < start:
        first = _add_months(first, 1)
    while (first.month - 1) % step:
        first = _add_months(first, 1)
    found: list[tuple[dt.date, dt.date]] = []
    while True:
        last = _add_months(first, step) - dt.timedelta(days=1)
        if last > end:
            return found
        found.append((first, last))
        first = _add_months(first, step)


def _number(value: float) -> str:
    """A figure for a sentence: at most three decimals, no trailing zeros."""
    return f"{value:,.3f}".rstrip("0").rstrip(".")


def objective_text(slo: ServiceLevelObjective) -> str:
    """The objective in words: "Availability ≥ 99.5 % (mean), per month"; "Resolution
    time ≤ 4 h for 90 % of observations, per month"."""
    measure = slo.measure
    comparator = "≤" if measure.direction == "lower" else "≥"
    unit = f" {measure.unit}" if measure.unit else ""
    if slo.statistic == SloStatistic.SHARE_MEETING and slo.required_share is not None:
        judged = f" for {_number(slo.required_share * 100)} % of observations"
    else:
        judged = " (mean)"
    period = "quarter" if slo.period == SloPeriod.QUARTER else "month"
    return f"{measure.name} {comparator} {_number(slo.target)}{unit}{judged}, per {period}"


def _period_label(start: dt.date, end: dt.date) -> str:
    if start.month == end.month:
        return f"{start:%Y-%m}"
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}"


# -- results ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodAttainment:
    """One objective in one period (first and last day): the domain's attainment."""

    period_start: dt.date
    period_end: dt.date
    attainment: Attainment

    @property
    def label(self) -> str:
        """ "2026-03" for a month, "2026-Q1" for a quarter."""
        return _period_label(self.period_start, self.period_end)

    def as_json(self) -> dict[str, object]:
        return {
            "period": self.label,
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
            **self.attainment.as_json(),
        }


@dataclass(frozen=True)
class SloAttainments:
    """An active objective of a service and its periods in the window."""

    slo: ServiceLevelObjective
    periods: tuple[PeriodAttainment, ...]

    def _count(self, status: AttainmentStatus) -> int:
        return sum(p.attainment.status is status for p in self.periods)

    @property
    def met(self) -> int:
        return self._count(AttainmentStatus.MET)

    @property
    def missed(self) -> int:
        return self._count(AttainmentStatus.MISSED)

    @property
    def no_data(self) -> int:
        return self._count(AttainmentStatus.NO_DATA)

    @property
    def text(self) -> str:
        """The objective in words (``objective_text``)."""
        return objective_text(self.slo)

    @property
    def latest(self) -> PeriodAttainment | None:
        """The latest period with data."""
        judged = [p for p in self.periods if p.attainment.status is not AttainmentStatus.NO_DATA]
        return judged[-1] if judged else None

    def as_json(self) -> dict[str, object]:
        slo = self.slo
        return {
            "id": slo.pk,
            "name": slo.name,
            "kind": slo.kind,
            "measure": slo.measure.slug,
            "statistic": slo.statistic,
            "target": slo.target,
            "required_share": slo.required_share,
            "period": slo.period,
            "met": self.met,
            "missed": self.missed,
            "no_data": self.no_data,
            "periods": [p.as_json() for p in self.periods],
        }


@dataclass(frozen=True)
class ServiceScorecard:
    """A service's scorecard over the window, with the rows behind its evidence.

    ``scorecard`` is the domain's judgement of ``evidence`` under ``rules``; ``slos``
    the active objectives with their periods; ``continuity`` each plan with its status;
    ``compliance`` the latest check per governing policy; ``unchecked_policies`` the
    active governing policies never checked; ``periods`` the cost and demand rows and
    ``changes`` the changes delivered in the window.
    """

    service: Service
    scorecard: Scorecard
    evidence: ServiceEvidence
    window_start: dt.date
    window_end: dt.date
    rules: ScorecardRules
    slos: tuple[SloAttainments, ...] = ()
    continuity: tuple[tuple[ContinuityPlan, ContinuityStatus], ...] = ()
    compliance: tuple[ComplianceCheck, ...] = ()
    unchecked_policies: tuple[str, ...] = ()
    periods: tuple[ServicePeriod, ...] = ()
    changes: tuple[ServiceChange, ...] = ()
    satisfaction_measure: str | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def scores(self) -> tuple[outcomes.OutcomeScore, ...]:
        return self.scorecard.scores

    @property
    def shortfalls(self) -> tuple[outcomes.OutcomeScore, ...]:
        """The outcomes at risk or not met."""
        return self.scorecard.shortfalls

    @property
    def statuses(self) -> dict[str, str]:
        """Each outcome's status by the outcome's value (``{"reliable": "not_met"...}``)."""
        return {s.outcome.value: s.status.value for s in self.scorecard.scores}

    def status(self, outcome: Outcome | str) -> OutcomeStatus:
        return self.scorecard[Outcome(outcome)].status

    @property
    def slo_missed_periods(self) -> int:
        """Periods missed in the window, over every active objective."""
        return sum(row.missed for row in self.slos)

    @property
    def slos_missing(self) -> tuple[SloAttainments, ...]:
        """The objectives missed in at least one period of the window (SLO shortfalls)."""
        return tuple(row for row in self.slos if row.missed)

    @property
    def utilization_percent(self) -> float | None:
        """The latest period's demand against the service's capacity (Reliability SMF:
        capacity); None without a capacity or a demand."""
        capacity = self.service.capacity
        with_demand = [p for p in self.periods if p.demand is not None]
        if not capacity or not with_demand:
            return None
        return utilization(with_demand[-1].demand or 0.0, capacity)

    def as_json(self) -> dict[str, object]:
        """Plain JSON (the API, the CLI and a review's opening snapshot)."""
        ev = self.evidence
        scores = self.scorecard.as_json()["scores"]
        return {
            "service": self.service.slug,
            "window_start": self.window_start.isoformat(),
            "window_end": self.window_end.isoformat(),
            "scores": scores,
            "shortfalls": [s.outcome.value for s in self.shortfalls],
            "evidence": {
                "satisfaction_measure": self.satisfaction_measure,
                "satisfaction_responses": len(ev.satisfaction_scores),
                "satisfaction_mean": (
                    math.fsum(ev.satisfaction_scores) / len(ev.satisfaction_scores)
                    if ev.satisfaction_scores
                    else None
                ),
                "availability_percent": ev.availability_percent,
                "continuity": [
                    {"plan": plan.name, **status.as_json()} for plan, status in self.continuity
                ],
                "compliance": [
                    {
                        "policy": check.policy.slug,
                        "result": check.result,
                        "reason": check.reason,
                        "checked_on": check.checked_on.isoformat(),
                    }
                    for check in self.compliance
                ],
                "unchecked_policies": list(self.unchecked_policies),
                "periods": [
                    {
                        "period": f"{row.period:%Y-%m}",
                        "cost": float(row.cost),
                        "demand": row.demand,
                    }
                    for row in self.periods
                ],
                "demand_used": ev.demand_per_period is not None,
                "change_lead_times_days": list(ev.change_lead_times_days),
                "utilization_percent": self.utilization_percent,
            },
            "objectives": [row.as_json() for row in self.slos],
            "slo_missed_periods": self.slo_missed_periods,
            "notes": list(self.notes),
        }


# -- observations, grouped by the database ----------------------------------------------

# (measure id, direction, target) of a share-meeting objective: which observations meet it.
_Threshold = tuple[int, str, float]


# Count, sum, and the counts meeting each threshold (in the order of the query's
# thresholds) of some observations. Plain tuples: thousands of them are made per call, and
# lighter objects keep the garbage collector's passes short.
_Totals = tuple[int, float, tuple[int, ...]]
_Key = tuple[int, int, dt.date]


def _threshold(slo: ServiceLevelObjective) -> _Threshold:
    return (slo.measure_id, slo.measure.direction, float(slo.target))


def _monthly_totals(
    measure_ids: set[int],
    work_activity_ids: set[int],
    start: dt.date,
    end: dt.date,
    thresholds: list[_Threshold],
) -> dict[_Key, _Totals]:
    """Count, sum and the counts meeting each of ``thresholds`` of the observations, per
    (measure, work activity, month) (one grouped query; none without measures or
    activities)."""
    if not measure_ids or not work_activity_ids:
        return {}
    low, high = period_bounds(start, end)
    # The month of each observation as a CASE over the months' bounds, not TruncMonth:
    # SQLite truncates dates in a Python function called for every row (10x slower).
    months = [start.replace(day=1)]
    while _add_months(months[-1], 1) <= end:
        months.append(_add_months(months[-1], 1))
    month_of = Case(
        *(
            When(observed_at__lt=period_bounds(_add_months(month, 1), None)[0], then=Value(i))
            for i, month in enumerate(months)
        ),
        default=Value(len(months) - 1),
        output_field=IntegerField(),
    )
    meets: dict[str, Any] = {}
    for i, (measure_id, direction, target) in enumerate(thresholds):
        compare = Q(value__gte=target) if direction == "higher" else Q(value__lte=target)
        meets[f"meet_{i}"] = Count("id", filter=Q(measure_id=measure_id) & compare)
    rows = (
        observation_list()
        .order_by()
        .filter(
            measure_id__in=sorted(measure_ids),
            work_activity_id__in=sorted(work_activity_ids),
            observed_at__gte=low,
            observed_at__lte=high,
        )
        .annotate(month=month_of)
        .values("measure_id", "work_activity_id", "month")
        .annotate(n=Count("id"), total=Sum("value"), **meets)
        .values_list("measure_id", "work_activity_id", "month", "n", "total", *meets)
    )
    return {
        (row[0], row[1], months[row[2]]): (row[3], float(row[4] or 0.0), tuple(row[5:]))
        for row in rows
    }


def _per_service(
    totals: dict[_Key, _Totals], services_of: dict[int, set[int]]
) -> dict[_Key, _Totals]:
    """The totals by (service, measure, month): a work activity counts for each service it
    delivers."""
    found: dict[_Key, _Totals] = {}
    for (measure_id, activity_id, month), row in totals.items():
        for service_id in services_of.get(activity_id, ()):
            key = (service_id, measure_id, month)
            had = found.get(key)
            if had is None:
                found[key] = row
            else:
                meets = tuple(a + b for a, b in zip(had[2], row[2], strict=True))
                found[key] = (had[0] + row[0], had[1] + row[1], meets)
    return found


_Periods = dict[str, list[tuple[dt.date, dt.date, tuple[dt.date, ...]]]]


def _calendar(start: dt.date, end: dt.date) -> _Periods:
    """Each period kind's periods within ``start``..``end`` with their months."""
    found: _Periods = {}
    for kind in SloPeriod.values:
        rows = []
        for first, last in objective_periods(kind, start, end):
            months = [first]
            while _add_months(months[-1], 1) <= last:
                months.append(_add_months(months[-1], 1))
            rows.append((first, last, tuple(months)))
        found[kind] = rows
    return found


def _judge_periods(
    slo: ServiceLevelObjective,
    service_totals: dict[_Key, _Totals],
    calendar: _Periods,
    thresholds: dict[_Threshold, int],
) -> tuple[PeriodAttainment, ...]:
    share = slo.statistic == SloStatistic.SHARE_MEETING
    index = thresholds[_threshold(slo)] if share else -1
    judged = []
    for first, last, months in calendar[slo.period]:
        n, total, meeting = 0, 0.0, 0
        for month in months:
            row = service_totals.get((slo.service_id, slo.measure_id, month))
            if row is not None:
                n += row[0]
                total += row[1]
                if share:
                    meeting += row[2][index]
        attainment = slo_attainment_from_totals(
            n=n,
            total=total,
            meeting=meeting if share else None,
            target=slo.target,
            direction=cast("Direction", slo.measure.direction),
            statistic=cast("Statistic", slo.statistic),
            required_share=slo.required_share if share else None,
        )
        judged.append(PeriodAttainment(first, last, attainment))
    return tuple(judged)


def _activities_of(service_ids: list[int]) -> dict[int, set[int]]:
    """The work activities delivering each service (one query)."""
    found: dict[int, set[int]] = {pk: set() for pk in service_ids}
    through = Service.work_activities.through.objects.filter(service_id__in=service_ids)
    for service_id, activity_id in through.values_list("service_id", "workactivity_id"):
        found[service_id].add(activity_id)
    return found


def _invert(activities: dict[int, set[int]]) -> dict[int, set[int]]:
    services_of: dict[int, set[int]] = defaultdict(set)
    for service_id, ids in activities.items():
        for activity_id in ids:
            services_of[activity_id].add(service_id)
    return services_of


def slo_attainments(
    slo: ServiceLevelObjective, *, start: dt.date, end: dt.date
) -> list[PeriodAttainment]:
    """The objective's attainment in each of its periods lying wholly within
    ``start``..``end``, from the observations of its measure for its service's work
    activities (three queries: the objective's measure if not loaded, the activities,
    one grouped query of observations)."""
    activities = _activities_of([slo.service_id])
    share = slo.statistic == SloStatistic.SHARE_MEETING
    thresholds = [_threshold(slo)] if share else []
    totals = _monthly_totals({slo.measure_id}, activities[slo.service_id], start, end, thresholds)
    per_service = _per_service(totals, _invert(activities))
    index = {key: i for i, key in enumerate(thresholds)}
    return list(_judge_periods(slo, per_service, _calendar(start, end), index))


# -- the scorecard ----------------------------------------------------------------------


def _positive(demand: float | None) -> bool:
    return demand is not None and demand > 0


def portfolio_scorecards(
    services: Iterable[Service], *, today: dt.date | None = None
) -> dict[int, ServiceScorecard]:
    """The scorecard of each service over the window before ``today``, by primary key.

    A fixed number of queries for any number of services (see the module's docstring).
    """
    rows = list(services)
    day = today if today is not None else timezone.localdate()
    settings = scorecard_settings_get()
    rules = scorecard_rules(settings)
    start, end = scorecard_window(today=day, months=settings.window_months)
    if not rows:
        return {}
    ids = [service.pk for service in rows]
    activities = _activities_of(ids)
    services_of = _invert(activities)
    all_activities = set(services_of)

    slos_of: dict[int, list[ServiceLevelObjective]] = defaultdict(list)
    slos = (
        ServiceLevelObjective.objects.filter(service_id__in=ids, active=True)
        .select_related("measure")
        .order_by("service_id", "kind", "name", "pk")
    )
    for slo in slos:
        slos_of[slo.service_id].append(slo)
    all_slos = [slo for group in slos_of.values() for slo in group]
    thresholds = sorted(
        {_threshold(slo) for slo in all_slos if slo.statistic == SloStatistic.SHARE_MEETING}
    )
    index = {key: i for i, key in enumerate(thresholds)}
    totals = _monthly_totals(
        {slo.measure_id for slo in all_slos}, all_activities, start, end, thresholds
    )
    per_service = _per_service(totals, services_of)
    calendar = _calendar(start, end)

    satisfaction: dict[int, list[float]] = defaultdict(list)
    measure = settings.satisfaction_measure
    if measure is not None and all_activities:
        low, high = period_bounds(start, end)
        responses = (
            observation_list()
            .order_by("observed_at", "work_activity_id")
            .filter(
                measure_id=measure.pk,
                work_activity_id__in=sorted(all_activities),
                observed_at__gte=low,
                observed_at__lte=high,
            )
            .values_list("work_activity_id", "value")
        )
        for activity_id, value in responses:
            for service_id in services_of[activity_id]:
                satisfaction[service_id].append(value)

    plans = list(
        ContinuityPlan.objects.filter(service_id__in=ids).order_by("service_id", "name", "pk")
    )
    statuses = continuity_statuses(plans, today=day)
    checks = latest_checks_by_service(rows, on=day)
    governing: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for service_id, policy_id, name in (
        Policy.services.through.objects.filter(service_id__in=ids, policy__active=True)
        .order_by("policy__name", "policy_id")
        .values_list("service_id", "policy_id", "policy__name")
    ):
        governing[service_id].append((policy_id, name))
    periods_of: dict[int, list[ServicePeriod]] = defaultdict(list)
    for period in ServicePeriod.objects.filter(
        service_id__in=ids, period__gte=start, period__lte=end
    ).order_by("service_id", "period"):
        periods_of[period.service_id].append(period)
    changes_of: dict[int, list[ServiceChange]] = defaultdict(list)
    for change in ServiceChange.objects.filter(
        service_id__in=ids, delivered_on__gte=start, delivered_on__lte=end
    ).order_by("service_id", "delivered_on", "pk"):
        changes_of[change.service_id].append(change)

    plans_of: dict[int, list[ContinuityPlan]] = defaultdict(list)
    for plan in plans:
        plans_of[plan.service_id].append(plan)

    window_months = [start]
    while _add_months(window_months[-1], 1) <= end:
        window_months.append(_add_months(window_months[-1], 1))

    cards = {}
    for service in rows:
        pk = service.pk
        objectives = tuple(
            SloAttainments(slo, _judge_periods(slo, per_service, calendar, index))
            for slo in slos_of[pk]
        )
        availability_measures = {
            slo.measure_id for slo in slos_of[pk] if slo.kind == SloKind.AVAILABILITY
        }
        n, total = 0, 0.0
        for measure_id in availability_measures:
            for month in window_months:
                row = per_service.get((pk, measure_id, month))
                if row is not None:
                    n, total = n + row[0], total + row[1]
        latest = checks.get(pk, [])
        checked = {check.policy_id for check in latest}
        periods = periods_of[pk]
        demands = [p.demand for p in periods]
        demand_used = bool(periods) and all(_positive(d) for d in demands)
        notes = []
        if periods and not demand_used and any(d is not None for d in demands):
            notes.append(
                "Cost is judged per period, not per unit of demand: some periods have no "
                "demand (or none above zero)."
            )
        changes = changes_of[pk]
        evidence = ServiceEvidence(
            satisfaction_scores=tuple(satisfaction[pk]),
            slo_attainments=tuple(p.attainment for row in objectives for p in row.periods),
            availability_percent=total / n if n else None,
            continuity=tuple(statuses[plan.pk] for plan in plans_of[pk]),
            compliance_checks=tuple(
                outcomes.ComplianceCheck(
                    check.policy.name, cast("ComplianceResult", check.result), check.reason
                )
                for check in latest
            ),
            cost_per_period=tuple(float(p.cost) for p in periods),
            demand_per_period=(
                tuple(float(d) for d in demands if d is not None) if demand_used else None
            ),
            change_lead_times_days=tuple(
                float((c.delivered_on - c.requested_on).days)
                for c in changes
                if c.delivered_on is not None
            ),
        )
        cards[pk] = ServiceScorecard(
            service=service,
            scorecard=outcomes.scorecard(evidence, rules),
            evidence=evidence,
            window_start=start,
            window_end=end,
            rules=rules,
            slos=objectives,
            continuity=tuple((plan, statuses[plan.pk]) for plan in plans_of[pk]),
            compliance=tuple(latest),
            unchecked_policies=tuple(
                name for policy_id, name in governing[pk] if policy_id not in checked
            ),
            periods=tuple(periods),
            changes=tuple(changes),
            satisfaction_measure=measure.slug if measure is not None else None,
            notes=tuple(notes),
        )
    return cards


def service_scorecard(service: Service, *, today: dt.date | None = None) -> ServiceScorecard:
    """One service's scorecard (``portfolio_scorecards`` of one)."""
    return portfolio_scorecards([service], today=today)[service.pk]


def service_evidence(service: Service, *, today: dt.date | None = None) -> ServiceEvidence:
    """The named evidence of one service over the window before ``today``."""
    return service_scorecard(service, today=today).evidence
