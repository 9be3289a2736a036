"""The organization dashboard (issue 6): every improvement from proposal to measured
value on one page, for the steering committee.

- **Pipeline**: the proposals by state (their life cycle's order) and the deployment
  plans by state;
- **In flight**: the plans deploying, each with its waves' progress (targets deployed
  or confirmed of those not excused; opted-out targets are excused, excluded ones are
  out) and its overdue targets (as ``selectors_monitoring`` defines them);
- **Value delivered so far**: the latest stored ``Result`` of each plan measure (no
  evaluation is computed on read);
- **Payback to date**: per plan with results, from those rows: the cost and running
  cost the evaluation used, the monthly benefit (the measures' benefits added: each
  measure's value per unit prices a different effect; the running cost counts once),
  the months since the change date (the first wave's start), what that recovered so
  far and the payback time against the plan's payback objective.

``dashboard_data`` runs the same seven queries whatever the number of plans, waves,
targets and results: every count is aggregated in SQL.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from uplift.apps.deployments.choices import PlanState, TargetStatus, WaveState
from uplift.apps.deployments.models import DeploymentPlan, Result, Target, Wave

__all__ = [
    "Dashboard",
    "FlightRow",
    "PaybackRow",
    "PipelineStage",
    "ValueRow",
    "WaveProgress",
    "dashboard_data",
]

DAYS_PER_MONTH = 365.25 / 12
_DONE = (TargetStatus.DEPLOYED, TargetStatus.CONFIRMED)


def _share(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


@dataclass(frozen=True)
class PipelineStage:
    """One state of the pipeline and how many are in it."""

    state: str
    label: str
    count: int
    bar: int = 0  # percent of the largest stage of its pipeline, for the bar's length


@dataclass(frozen=True)
class WaveProgress:
    """One wave of a plan in flight."""

    wave: Wave
    targets: int  # not excluded, not opted out
    deployed: int  # deployed or confirmed
    overdue: int

    @property
    def percent(self) -> int | None:
        return _share(self.deployed, self.targets)


@dataclass(frozen=True)
class FlightRow:
    """A plan deploying: its proposals, waves and targets' progress."""

    plan: DeploymentPlan
    proposals: tuple[tuple[int, str], ...]  # (pk, title)
    waves: tuple[WaveProgress, ...]
    targets: int
    deployed: int
    confirmed: int
    opted_out: int
    overdue: int
    without_wave: int

    @property
    def percent(self) -> int | None:
        return _share(self.deployed, self.targets)

    @property
    def current_wave(self) -> Wave | None:
        """The running wave, else the last one started, else None."""
        started = [w.wave for w in self.waves if w.wave.actual_start is not None]
        running = [w for w in started if w.state == WaveState.RUNNING]
        if running:
            return running[-1]
        return started[-1] if started else None


@dataclass(frozen=True)
class ValueRow:
    """The latest result of one plan measure."""

    result: Result

    @property
    def plan(self) -> DeploymentPlan:
        return self.result.plan

    @property
    def measure(self) -> Any:
        return self.result.plan_measure.measure


@dataclass(frozen=True)
class PaybackRow:
    """Payback to date of one plan, from its latest results."""

    plan: DeploymentPlan
    since: dt.date  # the change date: the first wave's start
    months: float  # since then, to today
    cost: float | None  # None: no result priced the improvement
    running_cost: float
    benefit: float  # a month, the measures' benefits added

    @property
    def net(self) -> float:
        return self.benefit - self.running_cost

    @property
    def recovered(self) -> float:
        """Net benefit accumulated since the change date (negative when it costs)."""
        return self.net * self.months

    @property
    def percent_recovered(self) -> int | None:
        if not self.cost:
            return None
        return round(100 * self.recovered / self.cost)

    @property
    def payback_months(self) -> float | None:
        """Months to recover the cost; None when the net benefit is not positive."""
        if self.cost is None or self.net <= 0:
            return None
        return self.cost / self.net

    @property
    def paid_back(self) -> bool:
        return self.cost is not None and self.recovered >= self.cost

    @property
    def on_target(self) -> bool | None:
        """Payback within the plan's objective (None without an objective or a time)."""
        target = self.plan.payback_target_months
        if target is None:
            return None
        months = self.payback_months
        return months is not None and months <= target


@dataclass(frozen=True)
class Dashboard:
    """What the dashboard page and its PDF show."""

    generated_at: dt.datetime
    today: dt.date
    proposals: tuple[PipelineStage, ...]
    plans: tuple[PipelineStage, ...]
    in_flight: tuple[FlightRow, ...]
    values: tuple[ValueRow, ...]
    paybacks: tuple[PaybackRow, ...]

    @property
    def proposal_total(self) -> int:
        return sum(stage.count for stage in self.proposals)

    @property
    def plan_total(self) -> int:
        return sum(stage.count for stage in self.plans)

    @property
    def monthly_net_benefit(self) -> float:
        return sum(row.net for row in self.paybacks)

    @property
    def recovered(self) -> float:
        return sum(row.recovered for row in self.paybacks)

    @property
    def cost(self) -> float:
        return sum(row.cost or 0.0 for row in self.paybacks)

    @property
    def targets_met(self) -> int:
        return sum(1 for row in self.values if row.result.target_met)


# -- queries -------------------------------------------------------------------------------


def _stages(counts: dict[str, int], choices: Any) -> tuple[PipelineStage, ...]:
    """One stage per choice, in the choices' order, with its count and bar length."""
    largest = max(counts.values(), default=0)
    return tuple(
        PipelineStage(
            str(value),
            str(label),
            counts.get(value, 0),
            round(100 * counts.get(value, 0) / largest) if largest else 0,
        )
        for value, label in choices
    )


def _pipeline() -> tuple[tuple[PipelineStage, ...], tuple[PipelineStage, ...]]:
    """Proposals and plans by state: two grouped counts."""
    proposal_model = DeploymentPlan._meta.get_field("proposals").related_model
    proposal_states = proposal_model._meta.get_field("state").choices or []  # type: ignore[union-attr]
    counts = dict(
        proposal_model._default_manager.order_by()  # type: ignore[union-attr]
        .values_list("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    proposals = _stages(counts, proposal_states)
    plan_counts = dict(
        DeploymentPlan.objects.order_by()
        .values_list("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    return proposals, _stages(plan_counts, PlanState.choices)


def _in_flight(today: dt.date) -> tuple[FlightRow, ...]:
    """The plans deploying: four queries (plans, their proposals, waves, target counts)."""
    plans = list(
        DeploymentPlan.objects.filter(state=PlanState.DEPLOYING)
        .select_related("owner")
        .order_by("planned_end", "pk")
    )
    links = DeploymentPlan.proposals.through.objects.filter(
        deploymentplan__state=PlanState.DEPLOYING
    ).values_list("deploymentplan_id", "proposal_id", "proposal__title")
    proposals: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for plan_id, proposal_id, title in links.order_by("proposal_id"):
        proposals[plan_id].append((proposal_id, title))
    waves: dict[int, list[Wave]] = defaultdict(list)
    for wave in Wave.objects.filter(plan__state=PlanState.DEPLOYING).order_by("plan_id", "number"):
        waves[wave.plan_id].append(wave)
    overdue = Q(planned__lt=today) & ~Q(
        status__in=[TargetStatus.DEPLOYED, TargetStatus.CONFIRMED, TargetStatus.OPTED_OUT]
    )
    counts = (
        Target.objects.filter(plan__state=PlanState.DEPLOYING, excluded=False)
        .annotate(planned=Coalesce("planned_on", "wave__planned_end", "plan__planned_end"))
        .order_by()
        .values("plan_id", "wave_id", "status")
        .annotate(n=Count("pk"), late=Count("pk", filter=overdue))
    )
    # (plan, wave) → status → (count, overdue)
    cells: dict[tuple[int, int | None], dict[str, tuple[int, int]]] = defaultdict(dict)
    for row in counts:
        cells[(row["plan_id"], row["wave_id"])][row["status"]] = (row["n"], row["late"])

    def tally(by_status: list[dict[str, tuple[int, int]]]) -> dict[str, int]:
        total: dict[str, int] = defaultdict(int)
        for statuses in by_status:
            for status, (n, late) in statuses.items():
                total[status] += n
                total["overdue"] += late
        return total

    rows = []
    for plan in plans:
        wave_rows = []
        for wave in waves[plan.pk]:
            t = tally([cells.get((plan.pk, wave.pk), {})])
            counted = sum(t[s] for s in TargetStatus.values) - t[TargetStatus.OPTED_OUT]
            wave_rows.append(
                WaveProgress(
                    wave,
                    counted,
                    t[TargetStatus.DEPLOYED] + t[TargetStatus.CONFIRMED],
                    t["overdue"],
                )
            )
        t = tally([v for (p, _), v in cells.items() if p == plan.pk])
        loose = cells.get((plan.pk, None), {})
        rows.append(
            FlightRow(
                plan=plan,
                proposals=tuple(proposals[plan.pk]),
                waves=tuple(wave_rows),
                targets=sum(t[s] for s in TargetStatus.values) - t[TargetStatus.OPTED_OUT],
                deployed=t[TargetStatus.DEPLOYED] + t[TargetStatus.CONFIRMED],
                confirmed=t[TargetStatus.CONFIRMED],
                opted_out=t[TargetStatus.OPTED_OUT],
                overdue=t["overdue"],
                without_wave=sum(n for n, _ in loose.values()),
            )
        )
    return tuple(rows)


def _latest_results() -> list[Result]:
    """The latest result of every plan measure of the plans not cancelled: one query."""
    latest = (
        Result.objects.filter(plan_measure=OuterRef("plan_measure"))
        .order_by("-evaluated_at", "-pk")
        .values("pk")[:1]
    )
    return list(
        Result.objects.filter(pk=Subquery(latest))
        .exclude(plan__state=PlanState.CANCELLED)
        .select_related("plan", "plan_measure__measure")
        .order_by("plan_id", "plan_measure__position", "plan_measure_id")
    )


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _paybacks(results: list[Result], today: dt.date) -> tuple[PaybackRow, ...]:
    by_plan: dict[int, list[Result]] = defaultdict(list)
    for result in results:
        by_plan[result.plan_id].append(result)
    rows = []
    for plan_results in by_plan.values():
        costs, running, benefit, priced = [], [], 0.0, False
        for result in plan_results:
            payback = result.data.get("payback") if isinstance(result.data, dict) else None
            if isinstance(payback, dict):
                cost = _number(payback.get("cost"))
                if cost is not None:
                    costs.append(cost)
                running.append(_number(payback.get("running_cost")) or 0.0)
                gain = _number(payback.get("benefit"))
                benefit += gain if gain is not None else (result.monthly_benefit or 0.0)
                priced = True
            elif result.monthly_benefit is not None:
                benefit += result.monthly_benefit
                priced = True
        if not priced:
            continue
        since = min(result.change_date for result in plan_results)
        months = max((today - since).days, 0) / DAYS_PER_MONTH
        rows.append(
            PaybackRow(
                plan=plan_results[0].plan,
                since=since,
                months=months,
                cost=max(costs) if costs else None,
                running_cost=max(running) if running else 0.0,
                benefit=benefit,
            )
        )
    return tuple(sorted(rows, key=lambda row: (row.since, row.plan.pk)))


def dashboard_data(*, today: dt.date | None = None) -> Dashboard:
    """The dashboard's figures (module docstring). Seven queries, whatever the size."""
    now = timezone.now()
    today = today or timezone.localdate(now)
    proposals, plans = _pipeline()
    results = _latest_results()
    return Dashboard(
        generated_at=now,
        today=today,
        proposals=proposals,
        plans=plans,
        in_flight=_in_flight(today),
        values=tuple(ValueRow(result) for result in results),
        paybacks=_paybacks(results, today),
    )
