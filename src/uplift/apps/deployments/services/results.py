"""Confirmation and results of a deployment (SP 3.2 subpractices 7 and 8, SP 3.3).

- **Confirmation** (seed 001 subpractice 7): ``plan_confirm`` makes a plan complete
  only when it is being deployed and every non-excluded target is confirmed or
  excused (opted out, with its reason); otherwise it refuses, listing what is missing
  (``plan_confirmation_missing``, which the pages also show). On completion each
  proposal of the plan that is deploying moves to deployed through the improvements'
  ``proposal_transition(name="complete_deployment")``, when the actor may make that
  transition and no other open deployment plan still deploys the proposal;
  ``plan_proposals_pending`` says why a proposal was left.
- **Results** (SP 3.3): ``result_evaluate`` runs, for each plan measure, the
  measurements' before/after evaluation (``evaluation_run``) over the work activities
  of the deployed and confirmed targets, the change date being the first wave's
  actual start, and the payback (``evaluation_payback``) with the proposals' one-off
  and running costs and the plan measure's value per unit. Each evaluation is kept as
  a ``Result`` row (never overwritten) so that pages and the dashboard read it without
  recomputing.
- **Records** (seed 001 subpractice 8): lessons learned, revisions of measures,
  objectives, priorities and plans, risks confirmed as mitigated, and the measured
  average response time. None of these is a content change of the plan.

Who: confirming, evaluating, recording revisions, risks and the response time need
``permissions.plan_can_edit``; lessons ``lesson_can_add`` (also project and service
managers). Refusals raise ``PermissionDenied`` or ``DeploymentError`` (field named)
and write nothing.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from uplift.apps.deployments.choices import (
    LessonKind,
    PlanState,
    RevisionSubject,
    TargetStatus,
)
from uplift.apps.deployments.errors import DeploymentError, lock_for_update
from uplift.apps.deployments.models import (
    DeploymentPlan,
    Lesson,
    MitigatedRisk,
    PlanMeasure,
    Result,
    ResultRevision,
    Target,
)
from uplift.apps.deployments.permissions import lesson_can_add, plan_can_edit
from uplift.apps.improvements.choices import ProposalState
from uplift.apps.improvements.history import record_actor
from uplift.apps.improvements.services.proposals import proposal_transition
from uplift.apps.measurements.services.evaluations import (
    EvaluationRun,
    evaluation_payback,
    evaluation_run,
)
from uplift.apps.measurements.services.measures import MeasurementError
from uplift.domain.deployment import confirmation_missing
from uplift.domain.proposal_lifecycle import TRANSITIONS

__all__ = [
    "MeasureOutcome",
    "PaybackInputs",
    "ResultsOverview",
    "lesson_add",
    "plan_change_date",
    "plan_confirm",
    "plan_confirmation_missing",
    "plan_payback_inputs",
    "plan_proposals_pending",
    "response_time_set",
    "result_evaluate",
    "result_revision_add",
    "results_overview",
    "risk_mitigated_set",
]

User = Any  # auth.User

COMPLETE_DEPLOYMENT = "complete_deployment"
_DEPLOYING = ProposalState.DEPLOYING
_EVALUATED_STATUSES = (TargetStatus.DEPLOYED, TargetStatus.CONFIRMED)
_MAX_RESPONSE_DAYS = 3650


def _require_edit(actor: User, plan: DeploymentPlan, doing: str) -> None:
    if not plan_can_edit(actor, plan):
        raise PermissionDenied(f"You may not {doing} {plan.reference}.")


def _lock_plan(plan: DeploymentPlan) -> DeploymentPlan:
    return lock_for_update(DeploymentPlan.objects.all(), pk=plan.pk, expected_version=None)


def _save_plan(plan: DeploymentPlan, actor: User, reason: str, fields: Sequence[str]) -> None:
    plan.version += 1
    plan.updated_at = timezone.now()
    record_actor(plan, actor, reason)
    plan.save(update_fields=[*fields, "version", "updated_at"])


def _sync(original: DeploymentPlan, saved: DeploymentPlan, fields: Sequence[str]) -> None:
    """Copy the saved values onto the caller's instance, so it does not go stale."""
    for name in (*fields, "version", "updated_at"):
        setattr(original, name, getattr(saved, name))


# -- confirmation ---------------------------------------------------------------------------


def _targets_line(missing: list[tuple[str, str]]) -> str:
    labels = dict(TargetStatus.choices)
    count = len(missing)
    listed = ", ".join(
        f"{name} ({str(labels.get(status, status)).lower()})" for name, status in missing
    )
    return f"{count} target{'' if count == 1 else 's'} not confirmed: {listed}"


def plan_confirmation_missing(plan: DeploymentPlan) -> list[str]:
    """What keeps the plan from being confirmed complete, one item each, without a final
    full stop (empty: it may be confirmed, or is complete already).

    A plan is confirmed only while it is being deployed, when it has targets, and when
    every non-excluded target is confirmed or opted out (excused, with its reason).
    """
    if plan.state == PlanState.COMPLETE:
        return []
    missing: list[str] = []
    if plan.state == PlanState.CANCELLED:
        return [f"{plan.reference} is cancelled"]
    if plan.state != PlanState.DEPLOYING:
        missing.append(
            f"The deployment has not started ({plan.get_state_display().lower()}): "
            "start its first wave"
        )
    rows = list(
        Target.objects.filter(plan=plan, excluded=False)
        .order_by("work_activity__name", "pk")
        .values_list("work_activity__name", "status")
    )
    if not rows:
        missing.append("The plan has no targets")
        return missing
    # Two targets cannot share a work activity (one row per plan and work activity).
    open_targets = confirmation_missing(dict(rows))
    if open_targets:
        missing.append(_targets_line(open_targets))
    return missing


def _other_open_plans(proposal: Any, plan: DeploymentPlan) -> list[str]:
    others = proposal.deployment_plans.exclude(pk=plan.pk).exclude(
        state__in=(PlanState.COMPLETE, PlanState.CANCELLED)
    )
    return [other.reference for other in others.order_by("pk")]


def plan_proposals_pending(plan: DeploymentPlan, actor: User) -> list[str]:
    """Why each proposal of a complete plan that is still deploying was not marked
    deployed, one sentence each (empty: none is left).

    A proposal is left while another open deployment plan deploys it, or when
    ``actor`` may not make the improvements' ``complete_deployment`` transition.
    """
    if plan.state != PlanState.COMPLETE:
        return []
    permission = TRANSITIONS[COMPLETE_DEPLOYMENT].permission
    may = bool(actor is not None and actor.has_perm(permission))
    sentences = []
    for proposal in plan.proposals.filter(state=_DEPLOYING).order_by("pk"):
        others = _other_open_plans(proposal, plan)
        if others:
            sentences.append(
                f"{proposal.reference} stays deploying: {', '.join(others)} "
                f"{'still deploys' if len(others) == 1 else 'still deploy'} it."
            )
        elif not may:
            sentences.append(
                f"{proposal.reference} stays deploying: marking it deployed needs the "
                f"permission {permission} (the process group)."
            )
    return sentences


@transaction.atomic
def plan_confirm(*, plan: DeploymentPlan, actor: User) -> DeploymentPlan:
    """Confirm the deployment complete (seed 001 subpractice 7).

    Sets the state to complete and stamps ``completed_at``; then moves each proposal of
    the plan that is deploying to deployed (``complete_deployment``) when the actor
    may and no other open plan deploys it (``plan_proposals_pending`` says why not).
    Raises ``PermissionDenied`` unless ``plan_can_edit``; ``DeploymentError`` listing
    what is missing (``plan_confirmation_missing``) otherwise.
    """
    _require_edit(actor, plan, "confirm")
    current = _lock_plan(plan)
    if current.state == PlanState.COMPLETE:
        raise DeploymentError(f"{current.reference} is complete already.", field="state")
    missing = plan_confirmation_missing(current)
    if missing:
        raise DeploymentError(
            f"{current.reference} cannot be confirmed complete yet: {'; '.join(missing)}.",
            field="state",
        )
    current.state = PlanState.COMPLETE
    current.completed_at = timezone.now()
    fields = ["state", "completed_at"]
    _save_plan(current, actor, "Deployment confirmed complete", fields)
    _sync(plan, current, fields)
    permission = TRANSITIONS[COMPLETE_DEPLOYMENT].permission
    if actor is not None and actor.has_perm(permission):
        for proposal in current.proposals.filter(state=_DEPLOYING).order_by("pk"):
            if not _other_open_plans(proposal, current):
                proposal_transition(
                    proposal=proposal,
                    name=COMPLETE_DEPLOYMENT,
                    actor=actor,
                    reason=f"{current.reference} confirmed complete.",
                )
    return plan


# -- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaybackInputs:
    """The money side of a plan's payback: the proposals' one-off cost and running cost
    a month (None when no proposal gives one)."""

    cost: float | None
    running_cost: float

    def as_json(self) -> dict[str, float | None]:
        return {"cost": self.cost, "running_cost": self.running_cost}


def plan_payback_inputs(plan: DeploymentPlan) -> PaybackInputs:
    """The sum of the plan's proposals' one-off costs (None if none gives one) and of
    their running costs a month (missing counts as 0)."""
    costs: list[Decimal | None] = []
    running = Decimal(0)
    for estimated, monthly in plan.proposals.values_list("estimated_cost", "running_cost"):
        costs.append(estimated)
        running += monthly or 0
    known = [cost for cost in costs if cost is not None]
    return PaybackInputs(
        cost=float(sum(known, Decimal(0))) if known else None, running_cost=float(running)
    )


def plan_change_date(plan: DeploymentPlan) -> dt.date | None:
    """The day the deployment began: the first wave's actual start (None before)."""
    first: dt.date | None = plan.waves.aggregate(first=Min("actual_start"))["first"]
    return first


def _qppo_for(plan_measure: PlanMeasure) -> Any:
    """The plan measure's objective when it is a QPPO of its measure (with a target),
    else None: the evaluation then takes the measure's highest-priority QPPO."""
    objective = plan_measure.objective
    if (
        objective is not None
        and objective.measure_id == plan_measure.measure_id
        and objective.target is not None
    ):
        return objective
    return None


def _target_met(plan_measure: PlanMeasure, mean_after: float) -> bool | None:
    target = plan_measure.target_value
    if target is None:
        return None
    if plan_measure.measure.direction == "lower":
        return mean_after <= target
    return mean_after >= target


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _result(
    *,
    plan: DeploymentPlan,
    plan_measure: PlanMeasure,
    actor: User,
    run: EvaluationRun,
    change_date: dt.date,
    slugs: list[str],
    money: PaybackInputs,
) -> Result:
    evaluation = run.evaluation
    payback = None
    payback_note = ""
    if plan_measure.value_per_unit is None:
        payback_note = "No value per unit of the measure is given: payback not computed."
    elif money.cost is None:
        payback_note = "No proposal of the plan gives a one-off cost: payback not computed."
    else:
        payback = evaluation_payback(
            run=run,
            cost=money.cost,
            running_cost=money.running_cost,
            value_per_unit=plan_measure.value_per_unit,
        )
    data: dict[str, Any] = run.as_json()
    data.update(
        {
            "payback": payback.as_json() if payback is not None else None,
            "payback_note": payback_note,
            "targets": slugs,
            "money": money.as_json(),
            "value_per_unit": plan_measure.value_per_unit,
            "target_value": plan_measure.target_value,
        }
    )
    return Result(
        plan=plan,
        plan_measure=plan_measure,
        evaluated_at=timezone.now(),
        evaluated_by=actor if getattr(actor, "pk", None) else None,
        change_date=change_date,
        mean_before=evaluation.mean_before,
        mean_after=evaluation.mean_after,
        percent_change=_finite(evaluation.percent_change),
        p_value=evaluation.welch_p,
        improved=evaluation.verdict.improved,
        target_met=_target_met(plan_measure, evaluation.mean_after),
        monthly_benefit=payback.benefit if payback is not None else None,
        payback_months=payback.months if payback is not None else None,
        payback_low=payback.months_low if payback is not None else None,
        payback_high=payback.months_high if payback is not None else None,
        data=data,
    )


@transaction.atomic
def result_evaluate(
    *,
    plan: DeploymentPlan,
    actor: User,
    plan_measure: PlanMeasure | None = None,
    seed: int | None = 0,
) -> list[Result]:
    """Evaluate the improvement's value on each plan measure (or only ``plan_measure``)
    and store one ``Result`` per measure.

    Before/after design over the deployed and confirmed (non-excluded) targets' work
    activities, the change date being the first wave's actual start; the QPPO is the
    plan measure's objective when it is a QPPO of the measure. ``seed`` fixes the
    bootstrap (0: the same figures each time for the same data). Payback when the
    plan measure has a value per unit and the proposals a one-off cost.

    Raises ``PermissionDenied`` unless ``plan_can_edit``; ``DeploymentError`` when no
    wave has started, no target is deployed or confirmed, the plan has no measures or
    ``plan_measure`` is of another plan, or a measure cannot be evaluated (too few
    values before or after: the measurements' message, naming the measure). All or
    nothing.
    """
    _require_edit(actor, plan, "evaluate the results of")
    if plan_measure is not None and plan_measure.plan_id != plan.pk:
        raise DeploymentError(
            f"{plan_measure.measure} is not a measure of {plan.reference}.", field="plan_measure"
        )
    change_date = plan_change_date(plan)
    if change_date is None:
        raise DeploymentError(
            "No wave has started: the results compare before and after the first wave's start.",
            field="plan",
        )
    slugs = list(
        Target.objects.filter(plan=plan, excluded=False, status__in=_EVALUATED_STATUSES)
        .order_by("work_activity__slug")
        .values_list("work_activity__slug", flat=True)
    )
    if not slugs:
        raise DeploymentError(
            "No target is deployed or confirmed yet: there is nothing to evaluate.",
            field="plan",
        )
    if plan_measure is not None:
        measures = [plan_measure]
    else:
        measures = list(plan.measures.select_related("measure", "objective"))
    if not measures:
        raise DeploymentError(
            "The plan has no measures to judge its value: add one first.", field="plan_measure"
        )
    money = plan_payback_inputs(plan)
    results = []
    for row in measures:
        try:
            run = evaluation_run(
                measure=row.measure,
                change_date=change_date,
                work_activities=slugs,
                objective=_qppo_for(row),
                seed=seed,
            )
            result = _result(
                plan=plan,
                plan_measure=row,
                actor=actor,
                run=run,
                change_date=change_date,
                slugs=slugs,
                money=money,
            )
        except MeasurementError as error:
            raise DeploymentError(
                f"{row.measure} cannot be evaluated: {error.message}", field="plan_measure"
            ) from None
        result.save(force_insert=True)
        results.append(result)
    return results


# -- records ----------------------------------------------------------------------------------


def _text(value: str, field: str, sentence: str) -> str:
    text = (value or "").strip()
    if not text:
        raise DeploymentError(sentence, field=field)
    return text


def _choice(value: str, choices: Any, field: str, what: str) -> str:
    if value not in choices.values:
        known = ", ".join(choices.values)
        raise DeploymentError(f"Choose the {what}: one of {known}.", field=field)
    return str(value)


@transaction.atomic
def lesson_add(*, plan: DeploymentPlan, actor: User, kind: str, text: str) -> Lesson:
    """Record a lesson learned from the deployment: what went well, what to change,
    what surprised us.

    Raises ``PermissionDenied`` unless ``lesson_can_add``; ``DeploymentError`` for an
    unknown kind or an empty text.
    """
    if not lesson_can_add(actor, plan):
        raise PermissionDenied(f"You may not record lessons of {plan.reference}.")
    lesson = Lesson(
        plan=plan,
        kind=_choice(kind, LessonKind, "kind", "kind of lesson"),
        text=_text(text, "text", "Write the lesson."),
        recorded_by=actor if getattr(actor, "pk", None) else None,
        recorded_at=timezone.now(),
    )
    record_actor(lesson, actor, "Lesson recorded")
    lesson.save(force_insert=True)
    return lesson


@transaction.atomic
def result_revision_add(
    *, plan: DeploymentPlan, actor: User, subject_kind: str, subject: str, change: str
) -> ResultRevision:
    """Record a revision the results led to (seed 001 subpractice 8): of an improvement
    measure, an objective, a priority or a deployment plan; what, and the change and why.

    Raises ``PermissionDenied`` unless ``plan_can_edit``; ``DeploymentError`` for an
    unknown kind, an empty subject or change, a subject over 200 characters.
    """
    _require_edit(actor, plan, "record revisions for")
    subject = _text(subject, "subject", "Say what was revised.")
    if len(subject) > 200:
        raise DeploymentError("Keep the subject within 200 characters.", field="subject")
    revision = ResultRevision(
        plan=plan,
        subject_kind=_choice(subject_kind, RevisionSubject, "subject_kind", "kind of revision"),
        subject=subject,
        change=_text(change, "change", "Say what changed and why."),
        recorded_by=actor if getattr(actor, "pk", None) else None,
        recorded_at=timezone.now(),
    )
    record_actor(revision, actor, "Revision recorded")
    revision.save(force_insert=True)
    return revision


@transaction.atomic
def risk_mitigated_set(*, risk: MitigatedRisk, actor: User, mitigated: bool) -> MitigatedRisk:
    """Confirm (or withdraw) that a risk the plan names was mitigated, when the results
    are reviewed. Not a content change of the plan.

    Raises ``PermissionDenied`` unless ``plan_can_edit`` for the risk's plan.
    """
    _require_edit(actor, risk.plan, "review the risks of")
    mitigated = bool(mitigated)
    if risk.mitigated == mitigated:
        return risk
    risk.mitigated = mitigated
    record_actor(risk, actor, "Risk mitigated" if mitigated else "Risk not mitigated")
    risk.save(update_fields=["mitigated"])
    return risk


@transaction.atomic
def response_time_set(*, plan: DeploymentPlan, actor: User, days: int | None) -> DeploymentPlan:
    """Record the average time, in days, to respond to changes in work requirements,
    the market or the business environment, as measured after the deployment (None
    clears it); the plan's objective is ``response_time_target_days``.

    Raises ``PermissionDenied`` unless ``plan_can_edit``; ``DeploymentError`` for a
    value that is not a whole number of days from 0 to 3650.
    """
    _require_edit(actor, plan, "record the response time of")
    if days is not None and (
        isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= _MAX_RESPONSE_DAYS
    ):
        raise DeploymentError(
            f"Enter a whole number of days from 0 to {_MAX_RESPONSE_DAYS}.", field="days"
        )
    current = _lock_plan(plan)
    if current.response_time_actual_days == days:
        return plan
    current.response_time_actual_days = days
    fields = ["response_time_actual_days"]
    _save_plan(current, actor, "Response time recorded", fields)
    _sync(plan, current, fields)
    return plan


# -- reads (the results page, the API) --------------------------------------------------------


@dataclass(frozen=True)
class MeasureOutcome:
    """One plan measure and its latest ``Result`` (None before the first evaluation).

    ``payback_within_target``: the payback months within the plan's payback target
    (None without a target or a payback); ``payback_range_within_target``: even the
    longest payback of the range is within it (None likewise, or without a range).
    """

    plan_measure: PlanMeasure
    result: Result | None
    evaluations: int
    payback_within_target: bool | None
    payback_range_within_target: bool | None


@dataclass(frozen=True)
class ResultsOverview:
    """What the results page shows: per measure the latest result, then the lessons,
    the revisions, the risks and the response time against its target."""

    change_date: dt.date | None
    money: PaybackInputs
    measures: tuple[MeasureOutcome, ...]
    lessons: tuple[Lesson, ...]
    revisions: tuple[ResultRevision, ...]
    risks: tuple[MitigatedRisk, ...]
    response_time_met: bool | None

    @property
    def risks_mitigated(self) -> int:
        return sum(1 for risk in self.risks if risk.mitigated)


def _within(months: float | None, target: int | None) -> bool | None:
    if months is None or target is None:
        return None
    return months <= target


def results_overview(plan: DeploymentPlan) -> ResultsOverview:
    """The plan's results as stored (nothing is computed from observations here), in a
    fixed number of queries."""
    measures = list(plan.measures.select_related("measure", "objective"))
    latest: dict[int, Result] = {}
    counts: dict[int, int] = {}
    stored_results = (
        Result.objects.filter(plan=plan)
        .select_related("evaluated_by")
        .order_by("-evaluated_at", "-pk")
    )
    for stored in stored_results:
        latest.setdefault(stored.plan_measure_id, stored)
        counts[stored.plan_measure_id] = counts.get(stored.plan_measure_id, 0) + 1
    target = plan.payback_target_months
    outcomes = []
    for row in measures:
        result = latest.get(row.pk)
        months = result.payback_months if result is not None else None
        high = result.payback_high if result is not None else None
        outcomes.append(
            MeasureOutcome(
                plan_measure=row,
                result=result,
                evaluations=counts.get(row.pk, 0),
                payback_within_target=_within(months, target),
                payback_range_within_target=_within(high, target) if months is not None else None,
            )
        )
    response_target = plan.response_time_target_days
    actual = plan.response_time_actual_days
    return ResultsOverview(
        change_date=plan_change_date(plan),
        money=plan_payback_inputs(plan),
        measures=tuple(outcomes),
        lessons=tuple(Lesson.objects.filter(plan=plan).select_related("recorded_by")),
        revisions=tuple(ResultRevision.objects.filter(plan=plan).select_related("recorded_by")),
        risks=tuple(MitigatedRisk.objects.filter(plan=plan)),
        response_time_met=None
        if response_target is None or actual is None
        else actual <= response_target,
    )
