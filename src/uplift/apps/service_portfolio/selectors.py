"""Reads of the service portfolio: the portfolio list, one service, its page, its cost
and demand, its changes and its history.

- ``service_list`` is the portfolio as a queryset (owner and unit joined, the count of
  active service-level objectives annotated); the FilterSet (``filtersets``) narrows it.
- ``portfolio_rows`` puts each service beside its scorecard (``selectors_scorecard.
  portfolio_scorecards``, batched: a fixed number of queries for any number of
  services): the six outcome statuses and the SLO periods missed.
- ``service_page`` is everything the service's page shows, under the names the page's
  partials read (``service``, ``service_scorecard``, ``slo_rows``, ``continuity_rows``,
  ``compliance_rows``, ``mapping_rows``, ``appraisal_results``) plus the overview's
  cost and demand and changes.
- ``service_history``: the service's changes field by field and those of its rows
  (objectives, periods, changes, continuity plans, compliance checks), newest first.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from uplift.apps.library.selectors import model_outline_get, model_resolve
from uplift.apps.measurements.choices import ObjectiveKind
from uplift.apps.service_portfolio import permissions
from uplift.apps.service_portfolio.models import (
    ComplianceCheck,
    ContinuityPlan,
    Service,
    ServiceChange,
    ServiceLevelObjective,
    ServicePeriod,
)
from uplift.apps.service_portfolio.selectors_continuity import continuity_rows
from uplift.apps.service_portfolio.selectors_history import record_changes
from uplift.apps.service_portfolio.selectors_mapping import service_mapping, unit_appraisal_results
from uplift.apps.service_portfolio.selectors_policies import compliance_rows
from uplift.apps.service_portfolio.selectors_scorecard import (
    ServiceScorecard,
    SloAttainments,
    portfolio_scorecards,
    service_scorecard,
)
from uplift.domain.service_outcomes import (
    AttainmentStatus,
    Outcome,
    OutcomeStatus,
    ServiceOutcomeError,
    utilization,
)

__all__ = [
    "ITSM_MODEL",
    "OUTCOME_STATUS_LABELS",
    "ChangeSummary",
    "CostSummary",
    "HistoryEntry",
    "OutcomeCell",
    "PeriodRow",
    "PortfolioRow",
    "ServicePage",
    "business_objective_list",
    "change_lead_times",
    "itsm_process_choices",
    "month_start",
    "portfolio_rows",
    "portfolio_scorecards_for",
    "scorecards_matching",
    "service_change_list",
    "service_get",
    "service_history",
    "service_list",
    "service_page",
    "service_period_rows",
]

# The library's BS 15000 model: its process areas are what ``itsm_processes`` names.
ITSM_MODEL = "BS15000-ITSM"

OUTCOME_STATUS_LABELS: dict[str, str] = {
    OutcomeStatus.MET: "Met",
    OutcomeStatus.AT_RISK: "At risk",
    OutcomeStatus.NOT_MET: "Not met",
    OutcomeStatus.NO_EVIDENCE: "No evidence",
}

Objective: Any = Service._meta.get_field("objectives").related_model
WorkActivity: Any = Service._meta.get_field("work_activities").related_model


def month_start(day: dt.date) -> dt.date:
    """The first day of ``day``'s month (how a period is named)."""
    return day.replace(day=1)


# -- choices of the forms and the services -------------------------------------------------


def itsm_process_choices() -> list[tuple[str, str]]:
    """``(abbreviation, name)`` of each ITSM process of the library's BS 15000 model, in
    the model's order; empty when the library does not hold it. Three queries."""
    try:
        model = model_resolve(ITSM_MODEL)
    except ObjectDoesNotExist:
        return []
    return [(area.abbreviation, area.name) for area in model_outline_get(model.reference).areas]


def business_objective_list() -> QuerySet[Any]:
    """The business objectives a service may serve, by priority and name."""
    return Objective.objects.filter(kind=ObjectiveKind.BUSINESS).order_by("priority", "name")


# -- the portfolio -------------------------------------------------------------------------


def _count(queryset: QuerySet[Any]) -> Coalesce:
    """Rows of ``queryset`` of the outer service, as a subquery (no join)."""
    counted = (
        queryset.filter(service=OuterRef("pk"))
        .order_by()
        .values("service")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def service_list() -> QuerySet[Service]:
    """Every service with its owner and unit, by name; ``slo_count`` is the number of
    its active service-level objectives. One query."""
    return (
        Service.objects.select_related("owner", "unit")
        .annotate(slo_count=_count(ServiceLevelObjective.objects.filter(active=True)))
        .order_by("name", "pk")
    )


def service_get(*, slug: str) -> Service:
    """One service with its owner, unit, business objectives and work activities.

    Raises ``Service.DoesNotExist``.
    """
    return (
        Service.objects.select_related("owner", "unit")
        .prefetch_related(
            Prefetch("objectives", queryset=Objective.objects.order_by("priority", "name")),
            Prefetch(
                "work_activities",
                queryset=WorkActivity.objects.select_related("unit").order_by("name"),
            ),
        )
        .get(slug=slug)
    )


@dataclass(frozen=True)
class OutcomeCell:
    """One outcome of one service as the portfolio shows it."""

    outcome: Outcome
    title: str
    status: str  # an OutcomeStatus value
    reason: str

    @property
    def label(self) -> str:
        return OUTCOME_STATUS_LABELS.get(self.status, self.status)

    @property
    def shortfall(self) -> bool:
        return self.status in (OutcomeStatus.AT_RISK, OutcomeStatus.NOT_MET)


@dataclass(frozen=True)
class PortfolioRow:
    """A service and its scorecard (None only for a service the batch did not cover)."""

    service: Service
    scorecard: ServiceScorecard | None = None

    @property
    def outcomes(self) -> list[OutcomeCell]:
        """The six outcomes in the scorecard's order; empty without a scorecard."""
        if self.scorecard is None:
            return []
        return [
            OutcomeCell(score.outcome, score.title, str(score.status), score.reason)
            for score in self.scorecard.scorecard.scores
        ]

    def status_of(self, outcome: Outcome) -> str:
        """The outcome's status label (empty without a scorecard)."""
        for cell in self.outcomes:
            if cell.outcome == outcome:
                return cell.label
        return ""

    @property
    def shortfalls(self) -> list[OutcomeCell]:
        return [cell for cell in self.outcomes if cell.shortfall]

    @property
    def shortfall_count(self) -> int:
        return len(self.shortfalls)

    @property
    def slo_periods(self) -> int | None:
        """Periods of the service's objectives judged in the window (with data)."""
        if self.scorecard is None:
            return None
        return sum(
            a.status is not AttainmentStatus.NO_DATA
            for a in self.scorecard.evidence.slo_attainments
        )

    @property
    def slo_periods_missed(self) -> int | None:
        """Periods of the service's objectives missed in the scorecard's window."""
        if self.scorecard is None:
            return None
        return sum(
            a.status is AttainmentStatus.MISSED for a in self.scorecard.evidence.slo_attainments
        )

    @property
    def slos_missing(self) -> tuple[SloAttainments, ...]:
        """The active objectives missed in at least one period of the window."""
        return self.scorecard.slos_missing if self.scorecard is not None else ()

    @property
    def slos_missing_text(self) -> str:
        return "; ".join(
            f"{row.slo.name} (missed {row.missed} of {row.met + row.missed} periods)"
            for row in self.slos_missing
        )

    # The export's columns (``uplift.apps.common.exports`` reads dotted attributes).
    @property
    def owner_name(self) -> str:
        owner = self.service.owner
        return str(owner.get_full_name() or owner.get_username())

    @property
    def customers_text(self) -> str:
        return "; ".join(self.service.customers or [])

    @property
    def itsm_text(self) -> str:
        return ", ".join(self.service.itsm_processes or [])

    @property
    def valuable(self) -> str:
        return self.status_of(Outcome.VALUABLE)

    @property
    def predictable(self) -> str:
        return self.status_of(Outcome.PREDICTABLE)

    @property
    def reliable(self) -> str:
        return self.status_of(Outcome.RELIABLE)

    @property
    def compliant(self) -> str:
        return self.status_of(Outcome.COMPLIANT)

    @property
    def cost_effective(self) -> str:
        return self.status_of(Outcome.COST_EFFECTIVE)

    @property
    def adaptable(self) -> str:
        return self.status_of(Outcome.ADAPTABLE)

    @property
    def shortfall_titles(self) -> str:
        return "; ".join(f"{cell.title}: {cell.label.lower()}" for cell in self.shortfalls)


def portfolio_rows(
    services: Iterable[Service], *, today: dt.date | None = None, scorecards: Any = None
) -> list[PortfolioRow]:
    """Each service beside its scorecard, in the order given. ``scorecards`` (by
    service id) when already computed; else computed in one batch."""
    chosen = list(services)
    cards = scorecards if scorecards is not None else portfolio_scorecards(chosen, today=today)
    return [PortfolioRow(service, cards.get(service.pk)) for service in chosen]


def portfolio_scorecards_for(
    services: Iterable[Service], *, today: dt.date | None = None
) -> dict[int, Any]:
    """The scorecards of ``services`` by id, in one batch."""
    return dict(portfolio_scorecards(list(services), today=today))


# -- cost and demand -----------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodRow:
    """One period's cost and demand with what follows from them."""

    row: ServicePeriod
    cost_per_unit: Decimal | None
    utilization_percent: float | None

    @property
    def over_capacity(self) -> bool:
        return self.utilization_percent is not None and self.utilization_percent > 100


def _period_row(period: ServicePeriod, capacity: float | None) -> PeriodRow:
    per_unit = None
    if period.demand:
        per_unit = (period.cost / Decimal(str(period.demand))).quantize(Decimal("0.01"))
    used = None
    if capacity is not None and period.demand is not None:
        try:
            used = utilization(period.demand, capacity)
        except ServiceOutcomeError:  # a capacity the model's constraint keeps positive
            used = None
    return PeriodRow(period, per_unit, used)


def service_period_rows(service: Service) -> list[PeriodRow]:
    """Every period of the service, newest first, with cost per unit of demand and
    utilization of its capacity. One query."""
    periods = ServicePeriod.objects.filter(service=service).order_by("-period")
    return [_period_row(period, service.capacity) for period in periods]


@dataclass(frozen=True)
class CostSummary:
    """The overview's cost and demand: the latest periods (newest first) and totals."""

    rows: list[PeriodRow]
    total_periods: int
    total_cost: Decimal | None
    latest: PeriodRow | None

    @property
    def near_capacity(self) -> bool:
        """The latest period used 90 % or more of the capacity."""
        return bool(
            self.latest is not None
            and self.latest.utilization_percent is not None
            and self.latest.utilization_percent >= 90
        )


def _cost_summary(service: Service, *, months: int = 12) -> CostSummary:
    rows = service_period_rows(service)
    shown = rows[:months]
    total = sum((r.row.cost for r in shown), Decimal("0")) if shown else None
    return CostSummary(shown, len(rows), total, rows[0] if rows else None)


# -- changes -------------------------------------------------------------------------------


def service_change_list(service: Service) -> QuerySet[ServiceChange]:
    """The service's changes, newest request first."""
    return ServiceChange.objects.filter(service=service).order_by("-requested_on", "-pk")


@dataclass(frozen=True)
class ChangeSummary:
    """Changes and their lead times: ``recent`` (the latest few, newest first), how many
    there are and are open, and the lead times of those delivered since ``since``."""

    recent: list[ServiceChange]
    total: int
    open_count: int
    since: dt.date
    delivered_since: int
    median_lead_time_days: float | None
    longest_lead_time_days: int | None


def change_lead_times(
    changes: Sequence[ServiceChange], *, today: dt.date | None = None, recent: int = 5
) -> ChangeSummary:
    """Summarise ``changes`` (newest first, as ``service_change_list`` gives them): the
    median and longest lead time (delivered minus requested, in days) of those delivered
    in the last 365 days before ``today``. No query."""
    day = today if today is not None else timezone.localdate()
    since = day - dt.timedelta(days=365)
    lead_times = [
        (c.delivered_on - c.requested_on).days
        for c in changes
        if c.delivered_on is not None and c.delivered_on > since
    ]
    return ChangeSummary(
        recent=list(changes[:recent]),
        total=len(changes),
        open_count=sum(c.delivered_on is None for c in changes),
        since=since,
        delivered_since=len(lead_times),
        median_lead_time_days=float(statistics.median(lead_times)) if lead_times else None,
        longest_lead_time_days=max(lead_times) if lead_times else None,
    )


# -- the service's page --------------------------------------------------------------------


@dataclass(frozen=True)
class ServicePage:
    """What the service's page shows; ``context()`` gives it to the template under the
    names the page's partials read: ``service_scorecard`` (``selectors_scorecard``),
    ``slo_rows`` (every objective with its periods in the window, active first),
    ``continuity_rows`` and ``compliance_rows`` (``selectors_continuity`` and
    ``selectors_policies``), ``mapping_rows`` and ``appraisal_results``
    (``selectors_mapping``); ``costs`` and ``changes`` for the overview."""

    service: Service
    today: dt.date
    service_scorecard: ServiceScorecard
    slo_rows: list[SloAttainments]
    continuity_rows: Any  # selectors_continuity.ContinuitySection
    compliance_rows: Any  # selectors_policies.ComplianceSection
    mapping_rows: Any  # selectors_mapping.MappingRows
    appraisal_results: Any  # selectors_mapping.UnitAppraisalResults | None
    costs: CostSummary
    changes: ChangeSummary
    itsm_processes: list[tuple[str, str]]
    can_edit: bool
    can_edit_periods: bool
    can_edit_changes: bool
    can_add_slo: bool

    def context(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _slo_rows(service: Service, scorecard: ServiceScorecard) -> list[SloAttainments]:
    """The active objectives as the scorecard judged them, then the inactive ones
    (without periods)."""
    inactive = (
        ServiceLevelObjective.objects.filter(service=service, active=False)
        .select_related("measure")
        .order_by("kind", "name")
    )
    return [*scorecard.slos, *(SloAttainments(slo, ()) for slo in inactive)]


def _itsm_named(service: Service) -> list[tuple[str, str]]:
    """The service's ITSM processes with their names in the library (the identifier
    when the library does not know it)."""
    if not service.itsm_processes:
        return []
    names = dict(itsm_process_choices())
    return [(ident, names.get(ident, ident)) for ident in service.itsm_processes]


def service_page(service: Service, *, user: Any, today: dt.date | None = None) -> ServicePage:
    """Everything the service's page shows on ``today`` (default: the local date) for
    ``user`` (what they may see and change). ``service`` as ``service_get`` returns it.
    A fixed number of queries."""
    day = today if today is not None else timezone.localdate()
    scorecard = service_scorecard(service, today=day)
    results = unit_appraisal_results(service.unit, user=user)
    return ServicePage(
        service=service,
        today=day,
        service_scorecard=scorecard,
        slo_rows=_slo_rows(service, scorecard),
        continuity_rows=continuity_rows(service, user=user, today=day),
        compliance_rows=compliance_rows(service, user=user),
        mapping_rows=service_mapping(service, results=results),
        appraisal_results=results,
        costs=_cost_summary(service),
        changes=change_lead_times(list(service_change_list(service)), today=day),
        itsm_processes=_itsm_named(service),
        can_edit=permissions.service_can_edit(user, service),
        can_edit_periods=permissions.service_row_can(user, service, "change", "serviceperiod"),
        can_edit_changes=permissions.service_row_can(user, service, "change", "servicechange"),
        can_add_slo=permissions.service_row_can(user, service, "add", "servicelevelobjective"),
    )


# -- history -------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    """One change of the service or of one of its rows, newest first."""

    when: dt.datetime
    who: Any
    subject: str  # "Service", "Cost and demand 2025-03", "Change: …", "Objective: …"
    action: str
    reason: str
    changes: tuple[Any, ...] = ()


_ACTIONS = {"+": "Created", "~": "Changed", "-": "Deleted"}


def _subject_period(record: Any) -> str:
    return f"Cost and demand {record.period:%Y-%m}"


def _subject(label: str, attribute: str) -> Callable[[Any], str]:
    def subject(record: Any) -> str:
        return f"{label}: {str(getattr(record, attribute))[:80]}"

    return subject


def _compliance_subject(record: Any) -> str:
    return f"Compliance check: {record.policy.name if record.policy else '—'}"


_CHILD_HISTORY: tuple[tuple[Any, Callable[[Any], str], tuple[str, ...]], ...] = (
    (ServiceLevelObjective, _subject("Objective", "name"), ()),
    (ServicePeriod, _subject_period, ()),
    (ServiceChange, _subject("Change", "title"), ()),
    (ContinuityPlan, _subject("Continuity plan", "name"), ()),
    (ComplianceCheck, _compliance_subject, ("policy",)),
)


def _child_entries(
    model: Any,
    subject: Callable[[Any], str],
    related: tuple[str, ...],
    service: Service,
    limit: int,
) -> list[HistoryEntry]:
    historical = model.history.filter(service_id=service.pk).select_related(
        "history_user", *related
    )
    records = list(historical.order_by("-history_date", "-history_id")[:limit])
    # Each change is diffed against the row's previous record when it was fetched too.
    changes = record_changes(records)
    return [
        HistoryEntry(
            record.history_date,
            record.history_user,
            subject(record),
            _ACTIONS.get(record.history_type, record.history_type),
            record.history_change_reason or "",
            changes.get(record.history_id, ()),
        )
        for record in records
    ]


def service_history(service: Service, *, limit: int = 200) -> list[HistoryEntry]:
    """The service's own changes (field by field, its business objectives and work
    activities by name) and those of its objectives, cost and demand, changes, continuity
    plans (dependencies by name) and compliance checks, newest first, at most ``limit``.
    One query per table, each limited, and per link field and linked table."""
    entries: list[HistoryEntry] = []
    records = list(
        service.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : limit + 1
        ]
    )
    changes = record_changes(records)  # the oldest fetched is the baseline when over limit
    for record in records[:limit]:
        entries.append(
            HistoryEntry(
                record.history_date,
                record.history_user,
                "Service",
                _ACTIONS.get(record.history_type, record.history_type),
                record.history_change_reason or "",
                changes.get(record.history_id, ()),
            )
        )
    for model, subject, related in _CHILD_HISTORY:
        entries.extend(_child_entries(model, subject, related, service, limit))
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries[:limit]


def scorecards_matching(
    scorecards: dict[int, Any],
    *,
    outcome: str = "",
    status: str = "",
    shortfall: bool | None = None,
) -> list[int]:
    """Ids of the services whose scorecard matches, of ``scorecards`` (by service id):

    - ``outcome`` and ``status``: that outcome has that status;
    - ``outcome`` alone: that outcome is a shortfall (at risk or not met);
    - ``status`` alone: some outcome has that status;
    - ``shortfall`` True: some outcome is a shortfall; False: none is.
    """
    shortfalls = (OutcomeStatus.AT_RISK, OutcomeStatus.NOT_MET)
    chosen = []
    for pk, card in scorecards.items():
        scores = list(card.scorecard.scores)
        judged = [s for s in scores if not outcome or str(s.outcome) == outcome]
        if status:
            match = any(str(s.status) == status for s in judged)
        else:
            match = not outcome or any(s.status in shortfalls for s in judged)
        if shortfall is not None:
            match = match and any(s.status in shortfalls for s in scores) == shortfall
        if match:
            chosen.append(pk)
    return chosen
