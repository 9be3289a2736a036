"""Reads of deployment plans: the list, one plan, its status, its page, its history.

Every read here takes a fixed number of queries however many targets, waves or
evaluations a plan has: counts are aggregated in SQL (``Count`` in subqueries, one
``GROUP BY status``), latest gate evaluations and results are found by subquery, and
related rows are prefetched. ``plan_overview`` (the plan page) adds the target drift
of ``services.targeting.targets_drift`` only when the plan has a rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from uplift.apps.common.templatetags.history import history_rows
from uplift.apps.deployments import permissions
from uplift.apps.deployments.choices import PlanState, SignOffDecision, TargetStatus
from uplift.apps.deployments.models import (
    PLAN_TEXT_FIELDS,
    Adjustment,
    BarrierStrategy,
    DeploymentPlan,
    GateEvaluation,
    MitigatedRisk,
    PlanMeasure,
    PlanRevision,
    Result,
    SignOff,
    Stakeholder,
    Target,
    Wave,
)
from uplift.apps.deployments.services.results import plan_confirmation_missing
from uplift.apps.deployments.services.targeting import targets_drift

__all__ = [
    "HistoryEntry",
    "PlanOverview",
    "PlanStatus",
    "WaveSummary",
    "plan_get",
    "plan_history",
    "plan_latest_results",
    "plan_list",
    "plan_overview",
    "plan_revision_list",
    "plan_signoff_list",
    "plan_signoffs_waiting",
    "plan_status",
    "plan_target_counts",
    "plan_wave_summaries",
]

_DONE = (TargetStatus.DEPLOYED, TargetStatus.CONFIRMED)


def _count(queryset: QuerySet[Any], link: str = "plan") -> Coalesce:
    """The number of rows of ``queryset`` belonging to the outer row, as a subquery
    (no join: several counts on one list do not multiply each other)."""
    counted = (
        queryset.filter(**{link: OuterRef("pk")})
        .order_by()
        .values(link)
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


# -- the list and one plan --------------------------------------------------------------


def plan_list(*, user: Any) -> QuerySet[DeploymentPlan]:
    """The plans ``user`` may see (none without ``view_deploymentplan``), newest change
    first, with the owner joined, the proposals prefetched and the counts
    ``target_count`` (not excluded), ``confirmed_count``, ``deployed_count`` (deployed
    or confirmed) and ``wave_count``. Two queries for a page."""
    if not permissions.plan_can_see(user):
        return DeploymentPlan.objects.none()
    targets = Target.objects.filter(excluded=False)
    return (
        DeploymentPlan.objects.select_related("owner")
        .prefetch_related("proposals")
        .annotate(
            target_count=_count(targets),
            confirmed_count=_count(targets.filter(status=TargetStatus.CONFIRMED)),
            deployed_count=_count(targets.filter(status__in=_DONE)),
            wave_count=_count(Wave.objects.all()),
        )
        .order_by("-updated_at", "-pk")
    )


def plan_get(*, pk: int) -> DeploymentPlan:
    """One plan with its owner and action plan joined and its proposals prefetched;
    raises ``DeploymentPlan.DoesNotExist`` (the caller decides: a 404, a CLI error)."""
    return (
        DeploymentPlan.objects.select_related("owner", "action_plan")
        .prefetch_related("proposals")
        .get(pk=pk)
    )


# -- counts, waves, results -------------------------------------------------------------


def plan_target_counts(plan: DeploymentPlan) -> dict[str, int]:
    """The plan's non-excluded targets by status, every status present (0 when none),
    plus ``"excluded"``. One query."""
    counts = {status: 0 for status in TargetStatus.values}
    counts["excluded"] = 0
    rows = (
        Target.objects.filter(plan=plan)
        .order_by()
        .values("excluded", "status")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        if row["excluded"]:
            counts["excluded"] += row["n"]
        else:
            counts[row["status"]] += row["n"]
    return counts


@dataclass(frozen=True)
class WaveSummary:
    """A wave with its target count and the latest evaluation of its gate."""

    wave: Wave
    target_count: int
    done_count: int
    criteria_count: int
    evaluation: GateEvaluation | None

    @property
    def gate_passed(self) -> bool | None:
        """True or False after an evaluation; None when never evaluated."""
        return self.evaluation.passed if self.evaluation is not None else None

    @property
    def overridden(self) -> bool:
        return bool(self.wave.override_at)

    def gate_json(self) -> dict[str, Any]:
        evaluation = self.evaluation
        if evaluation is not None:
            criteria = list(evaluation.results or [])
        else:
            criteria = [
                {
                    "criterion": c.pk,
                    "description": c.description,
                    "passed": None,
                    "detail": "Not evaluated yet.",
                    "figures": {},
                }
                for c in self.wave.criteria.all()
            ]
        return {
            "passed": evaluation.passed if evaluation is not None else None,
            "overridden": self.overridden,
            "evaluated_at": evaluation.evaluated_at.isoformat() if evaluation else None,
            "criteria": criteria,
        }

    def as_json(self) -> dict[str, Any]:
        wave = self.wave

        def day(value: dt.date | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "number": wave.number,
            "name": wave.name,
            "state": wave.state,
            "planned_start": day(wave.planned_start),
            "planned_end": day(wave.planned_end),
            "actual_start": day(wave.actual_start),
            "actual_end": day(wave.actual_end),
            "gate": self.gate_json(),
        }


def plan_wave_summaries(plan: DeploymentPlan) -> list[WaveSummary]:
    """The plan's waves in order with counts, criteria and the latest gate evaluation.
    Three queries however many waves, targets and evaluations."""
    latest = GateEvaluation.objects.filter(wave=OuterRef("pk")).order_by("-evaluated_at", "-pk")
    waves = list(
        Wave.objects.filter(plan=plan)
        .select_related("override_by")
        .prefetch_related("criteria")
        .annotate(
            target_count=_count(Target.objects.filter(excluded=False), "wave"),
            done_count=_count(Target.objects.filter(excluded=False, status__in=_DONE), "wave"),
            latest_evaluation_id=Subquery(latest.values("pk")[:1]),
        )
        .order_by("number")
    )
    ids = [w.latest_evaluation_id for w in waves if w.latest_evaluation_id]  # type: ignore[attr-defined]
    evaluations = {e.pk: e for e in GateEvaluation.objects.filter(pk__in=ids)} if ids else {}
    return [
        WaveSummary(
            wave=w,
            target_count=w.target_count,  # type: ignore[attr-defined]
            done_count=w.done_count,  # type: ignore[attr-defined]
            criteria_count=len(w.criteria.all()),
            evaluation=evaluations.get(w.latest_evaluation_id),  # type: ignore[attr-defined]
        )
        for w in waves
    ]


def plan_latest_results(plan: DeploymentPlan) -> list[Result]:
    """The newest ``Result`` of each plan measure that has one, in the measures' order,
    with the plan measure and its measure joined. Two queries."""
    latest = Result.objects.filter(plan_measure=OuterRef("pk")).order_by("-evaluated_at", "-pk")
    ids = [
        pk
        for pk in PlanMeasure.objects.filter(plan=plan)
        .annotate(latest=Subquery(latest.values("pk")[:1]))
        .values_list("latest", flat=True)
        if pk
    ]
    if not ids:
        return []
    return list(
        Result.objects.filter(pk__in=ids)
        .select_related("plan_measure__measure")
        .order_by("plan_measure__position", "plan_measure__pk")
    )


def _result_json(result: Result) -> dict[str, Any]:
    return {
        "measure": result.plan_measure.measure.slug,
        "evaluated_at": result.evaluated_at.isoformat(),
        "change_date": result.change_date.isoformat(),
        "mean_before": result.mean_before,
        "mean_after": result.mean_after,
        "percent_change": result.percent_change,
        "p_value": result.p_value,
        "improved": result.improved,
        "target_met": result.target_met,
        "monthly_benefit": result.monthly_benefit,
        "payback_months": result.payback_months,
    }


# -- status (API and CLI) -----------------------------------------------------------------


@dataclass(frozen=True)
class PlanStatus:
    """A plan at a glance, for ``uplift deployments status`` and the API."""

    plan: str
    title: str
    state: str
    revision: int
    agreed: bool
    targets: dict[str, int] = field(default_factory=dict)
    waves: list[dict[str, Any]] = field(default_factory=list)
    missing_for_confirmation: list[str] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "plan": self.plan,
            "title": self.title,
            "state": self.state,
            "revision": self.revision,
            "agreed": self.agreed,
            "targets": dict(self.targets),
            "waves": list(self.waves),
            "missing_for_confirmation": list(self.missing_for_confirmation),
            "results": list(self.results),
        }


def _agreed(plan: DeploymentPlan) -> bool:
    """Every required stakeholder asked agreed to the current revision (one query)."""
    rows = list(
        SignOff.objects.filter(plan=plan, revision=plan.revision, required=True)
        .exclude(decision=SignOffDecision.SUPERSEDED)
        .values_list("decision", flat=True)
    )
    return bool(rows) and all(decision == SignOffDecision.AGREED for decision in rows)


def plan_status(plan: DeploymentPlan) -> PlanStatus:
    """The plan's state, revision and agreement, targets by status, waves with their
    gate (latest evaluation, override), what is missing for confirmation, and the latest
    result of each measure. A fixed number of queries."""
    return PlanStatus(
        plan=plan.reference,
        title=plan.title,
        state=plan.state,
        revision=plan.revision,
        agreed=_agreed(plan),
        targets=plan_target_counts(plan),
        waves=[summary.as_json() for summary in plan_wave_summaries(plan)],
        missing_for_confirmation=plan_confirmation_missing(plan),
        results=[_result_json(result) for result in plan_latest_results(plan)],
    )


# -- the plan page ----------------------------------------------------------------------


@dataclass(frozen=True)
class PlanOverview:
    """What the plan page shows, read in a fixed number of queries."""

    plan: DeploymentPlan
    proposals: list[Any]
    content: list[tuple[str, str, str]]  # (field, label, text) of the text items
    stakeholders: list[Stakeholder]
    adjustments: list[Adjustment]
    barriers: list[BarrierStrategy]
    risks: list[MitigatedRisk]
    measures: list[PlanMeasure]
    related: list[DeploymentPlan]
    target_counts: dict[str, int]
    waves: list[WaveSummary]
    missing: list[str]
    results: list[Result]
    drift: Any  # services.targeting.Drift, or None without a rule

    @property
    def target_total(self) -> int:
        """Targets in the plan (not excluded)."""
        return sum(n for status, n in self.target_counts.items() if status != "excluded")

    @property
    def measure_rows(self) -> list[tuple[PlanMeasure, Result | None]]:
        """Each plan measure with its latest result (None before the first evaluation)."""
        latest = {result.plan_measure_id: result for result in self.results}
        return [(measure, latest.get(measure.pk)) for measure in self.measures]

    @property
    def target_rows(self) -> list[tuple[str, str, int]]:
        """``(status, label, count)`` for every status, in the life cycle's order."""
        return [
            (status, str(label), self.target_counts.get(status, 0))
            for status, label in TargetStatus.choices
        ]


def plan_overview(plan: DeploymentPlan) -> PlanOverview:
    """Everything the plan page shows besides the sign-off panel: proposals, the text
    items, child rows, targets by status (aggregated), waves with gate status, what is
    missing for confirmation, the latest results, and the rule's drift when the plan
    has a rule. A fixed number of queries however many targets."""
    return PlanOverview(
        plan=plan,
        proposals=list(plan.proposals.order_by("pk")),
        content=[(name, label, getattr(plan, name)) for name, label in PLAN_TEXT_FIELDS],
        stakeholders=list(Stakeholder.objects.filter(plan=plan).select_related("user")),
        adjustments=list(Adjustment.objects.filter(plan=plan)),
        barriers=list(BarrierStrategy.objects.filter(plan=plan)),
        risks=list(MitigatedRisk.objects.filter(plan=plan)),
        measures=list(PlanMeasure.objects.filter(plan=plan).select_related("measure", "objective")),
        related=list(plan.related_plans.order_by("pk")),
        target_counts=plan_target_counts(plan),
        waves=plan_wave_summaries(plan),
        missing=plan_confirmation_missing(plan),
        results=plan_latest_results(plan),
        drift=targets_drift(plan) if plan.target_rule else None,
    )


# -- revisions, sign-offs, history --------------------------------------------------------


def plan_revision_list(plan: DeploymentPlan) -> QuerySet[PlanRevision]:
    """Every kept revision of the plan, oldest first, with who made it (the snapshot is
    deferred: a list does not need it)."""
    return (
        PlanRevision.objects.filter(plan=plan)
        .select_related("created_by")
        .defer("snapshot")
        .order_by("number")
    )


def plan_signoff_list(plan: DeploymentPlan) -> QuerySet[SignOff]:
    """Every sign-off of every revision: newest revision first, required first."""
    return (
        SignOff.objects.filter(plan=plan)
        .select_related("stakeholder", "requested_by")
        .order_by("-revision", "-required", "pk")
    )


@dataclass(frozen=True)
class HistoryEntry:
    """One change of the plan or of one of its rows, newest first on the history page."""

    when: dt.datetime
    who: Any
    subject: str  # "Plan", "Barrier: …", "Sign-off", "Revision 2"
    action: str
    reason: str
    changes: tuple[Any, ...] = ()


_CHILD_HISTORY: tuple[tuple[Any, str, str], ...] = (
    (Stakeholder, "Stakeholder", "user"),
    (Adjustment, "Adjustment", "segment_label"),
    (BarrierStrategy, "Barrier", "barrier"),
    (MitigatedRisk, "Risk", "description"),
    (PlanMeasure, "Measure", "measure"),
    (Wave, "Wave", "name"),
)
_ACTIONS = {"+": "Created", "~": "Changed", "-": "Deleted"}


def plan_history(plan: DeploymentPlan, *, limit: int = 200) -> list[HistoryEntry]:
    """The plan's own changes (field by field), its content rows' changes, sign-off
    requests and decisions and revisions, newest first, at most ``limit``. Targets'
    changes are on the targets page (there may be thousands). A fixed number of
    queries: one per table, each limited."""
    entries: list[HistoryEntry] = []
    records = list(
        plan.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : limit + 1
        ]
    )
    for row in history_rows(records, has_baseline=len(records) > limit):
        entries.append(HistoryEntry(row.when, row.who, "Plan", row.action, row.reason, row.changes))
    for model, label, attribute in _CHILD_HISTORY:
        historical = model.history.filter(plan_id=plan.pk).select_related("history_user")
        if attribute in ("user", "measure"):
            historical = historical.select_related(attribute)
        for record in historical.order_by("-history_date", "-history_id")[:limit]:
            what = str(getattr(record, attribute))
            entries.append(
                HistoryEntry(
                    record.history_date,
                    record.history_user,
                    f"{label}: {what[:80]}",
                    _ACTIONS.get(record.history_type, record.history_type),
                    record.history_change_reason or "",
                )
            )
    for signoff in plan_signoff_list(plan)[:limit]:
        entries.append(
            HistoryEntry(
                signoff.requested_at,
                signoff.requested_by,
                f"Sign-off of revision {signoff.revision}",
                "Asked",
                f"{signoff.stakeholder.get_full_name() or signoff.stakeholder.get_username()}"
                f" ({'required' if signoff.required else 'optional'})",
            )
        )
        if signoff.decided_at is not None:
            entries.append(
                HistoryEntry(
                    signoff.decided_at,
                    signoff.stakeholder,
                    f"Sign-off of revision {signoff.revision}",
                    signoff.get_decision_display(),
                    signoff.comment,
                )
            )
    for revision in plan_revision_list(plan).filter(number__gt=1)[:limit]:
        entries.append(
            HistoryEntry(
                revision.created_at,
                revision.created_by,
                f"Revision {revision.number}",
                "Made",
                revision.reason,
            )
        )
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries[:limit]


def plan_signoffs_waiting(user: Any) -> QuerySet[SignOff]:
    """The pending sign-offs asked of ``user`` for the current revision of open plans."""
    return (
        SignOff.objects.filter(
            stakeholder=user, decision=SignOffDecision.PENDING, revision=F("plan__revision")
        )
        .exclude(plan__state__in=(PlanState.COMPLETE, PlanState.CANCELLED))
        .select_related("plan")
        .order_by("requested_at", "pk")
    )
