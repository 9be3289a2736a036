"""The child rows of a deployment plan that are content: stakeholders, measures,
barriers with their strategies, adjustments per target segment, and mitigated risks.
Each write checks ``plan_can_edit`` on an open plan and ends with the content-change
hook (``plan_revisions``). See ``services.plans``; callers import from there.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max

from uplift.apps.deployments.choices import (
    RiskType,
    StakeholderKind,
)
from uplift.apps.deployments.errors import DeploymentError
from uplift.apps.deployments.models import (
    Adjustment,
    BarrierStrategy,
    DeploymentPlan,
    MitigatedRisk,
    PlanMeasure,
    Stakeholder,
)
from uplift.apps.deployments.services.plan_common import (
    Measure,
    Objective,
    User,
    _baseline_now,
    _clean_date,
    _edit_check,
    _may_sign,
    _open,
    _required_text,
    _text,
)
from uplift.apps.deployments.services.plan_revisions import _changed
from uplift.apps.improvements.history import record_actor
from uplift.apps.improvements.services.plans import person_name

__all__ = [
    "adjustment_add",
    "adjustment_remove",
    "barrier_add",
    "barrier_remove",
    "barrier_update",
    "measure_add",
    "measure_remove",
    "measure_update",
    "risk_add",
    "risk_remove",
    "risk_update",
    "stakeholder_add",
    "stakeholder_remove",
]

# -- child rows ----------------------------------------------------------------------


def _child_plan(plan: DeploymentPlan, actor: User) -> DeploymentPlan:
    _edit_check(actor, plan)
    _open(plan)
    return plan


def _next_position(model: Any, plan: DeploymentPlan) -> int:
    top = model.objects.filter(plan=plan).aggregate(top=Max("position"))["top"]
    return int(top or 0) + 1


def _clean_user(user: Any, field: str) -> Any:
    if user is None or getattr(user, "pk", None) is None:
        raise DeploymentError("Choose a person.", field=field)
    if not user.is_active:
        raise DeploymentError(f"{person_name(user)} cannot sign in any more.", field=field)
    return user


def _clean_choice(value: Any, choices: Any, field: str, message: str) -> str:
    if value not in choices.values:
        raise DeploymentError(message, field=field)
    return str(value)


@transaction.atomic
def stakeholder_add(
    *,
    plan: DeploymentPlan,
    actor: User,
    user: User,
    kind: str,
    required: bool = True,
    note: str = "",
) -> Stakeholder:
    """Name a relevant stakeholder (sponsor, target work group, support organization,
    other) whose agreement the plan needs (``required``) or who is kept informed.

    A required stakeholder must be able to sign off (``signoff_deploymentplan``); a
    person without it may be an optional stakeholder, never asked. A content change.
    Raises ``DeploymentError`` for a person already on the plan.
    """
    _child_plan(plan, actor)
    person = _clean_user(user, "user")
    kind = _clean_choice(kind, StakeholderKind, "kind", "Choose the kind of stakeholder.")
    note = _text(note, "note")
    if len(note) > 200:
        raise DeploymentError("At most 200 characters.", field="note")
    if required and not _may_sign(person):
        raise DeploymentError(
            f"{person_name(person)} may not sign off deployment plans: add them as an optional "
            "stakeholder (kept informed, not asked to agree).",
            field="user",
        )
    if Stakeholder.objects.filter(plan=plan, user=person).exists():
        raise DeploymentError(
            f"{person_name(person)} is already a stakeholder of the plan.", field="user"
        )
    row = Stakeholder(plan=plan, user=person, kind=kind, required=bool(required), note=note)
    record_actor(row, actor)
    row.save(force_insert=True)
    _changed(plan, actor, f"Stakeholder {person_name(person)} added")
    return row


@transaction.atomic
def stakeholder_remove(*, stakeholder: Stakeholder, actor: User) -> None:
    """Take a stakeholder off the plan (their past sign-offs stay). A content change:
    if the revision was sent, the others are asked again on the new revision."""
    plan = _child_plan(stakeholder.plan, actor)
    name = person_name(stakeholder.user)
    record_actor(stakeholder, actor)
    stakeholder.delete()
    _changed(plan, actor, f"Stakeholder {name} removed")


def _clean_measure(measure: Any) -> Any:
    if not isinstance(measure, Measure) or measure.pk is None:
        raise DeploymentError("Choose a measure.", field="measure")
    return measure


def _clean_objective(objective: Any) -> Any:
    if objective is None:
        return None
    if not isinstance(objective, Objective) or objective.pk is None:
        raise DeploymentError("Choose an objective.", field="objective")
    return objective


def _clean_float(value: Any, field: str) -> float | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise DeploymentError("Enter a number.", field=field)
    return float(value)


@transaction.atomic
def measure_add(
    *,
    plan: DeploymentPlan,
    actor: User,
    measure: Any,
    objective: Any = None,
    target_value: float | None = None,
    due: dt.date | None = None,
    value_per_unit: float | None = None,
) -> PlanMeasure:
    """Add a measure that judges the improvement's value: the baseline is taken now
    (the newest stored baseline over the plan's targets, else computed from the
    observations; over every work activity while the plan has no target), with the
    target, the date it is due and what one unit of improvement is worth a month.
    A content change. Raises ``DeploymentError`` for a measure already on the plan."""
    _child_plan(plan, actor)
    measure = _clean_measure(measure)
    objective = _clean_objective(objective)
    target = _clean_float(target_value, "target_value")
    worth = _clean_float(value_per_unit, "value_per_unit")
    when = _clean_date(due, "due")
    if PlanMeasure.objects.filter(plan=plan, measure=measure).exists():
        raise DeploymentError(f"{measure.name} is already a measure of the plan.", field="measure")
    baseline, at = _baseline_now(measure, plan)
    row = PlanMeasure(
        plan=plan,
        measure=measure,
        objective=objective,
        baseline_value=baseline,
        baseline_at=at,
        target_value=target,
        due=when,
        value_per_unit=worth,
        position=_next_position(PlanMeasure, plan),
    )
    record_actor(row, actor)
    row.save(force_insert=True)
    _changed(plan, actor, f"Measure {measure.name} added")
    return row


@transaction.atomic
def measure_update(*, plan_measure: PlanMeasure, actor: User, **fields: Any) -> PlanMeasure:
    """Change a plan measure's objective, target_value, due or value_per_unit, or
    ``rebaseline=True`` to take the baseline again now. A content change."""
    plan = _child_plan(plan_measure.plan, actor)
    allowed = {"objective", "target_value", "due", "value_per_unit", "rebaseline"}
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise DeploymentError(f"Not a field of a plan measure: {', '.join(unknown)}.")
    changed: list[str] = []
    values: dict[str, Any] = {}
    if "objective" in fields:
        values["objective"] = _clean_objective(fields["objective"])
    for name in ("target_value", "value_per_unit"):
        if name in fields:
            values[name] = _clean_float(fields[name], name)
    if "due" in fields:
        values["due"] = _clean_date(fields["due"], "due")
    for name, value in values.items():
        current = plan_measure.objective_id if name == "objective" else getattr(plan_measure, name)
        new = value.pk if name == "objective" and value is not None else value
        if current != new:
            setattr(plan_measure, name, value)
            changed.append(name)
    if fields.get("rebaseline"):
        plan_measure.baseline_value, plan_measure.baseline_at = _baseline_now(
            plan_measure.measure, plan
        )
        changed += ["baseline_value", "baseline_at"]
    if not changed:
        return plan_measure
    record_actor(plan_measure, actor)
    plan_measure.save(update_fields=changed)
    _changed(plan, actor, f"Measure {plan_measure.measure.name} changed")
    return plan_measure


@transaction.atomic
def measure_remove(*, plan_measure: PlanMeasure, actor: User) -> None:
    """Take a measure off the plan; refused once results were evaluated for it (they
    are the record of the improvement's value). A content change."""
    plan = _child_plan(plan_measure.plan, actor)
    if plan_measure.results.exists():
        raise DeploymentError(
            f"{plan_measure.measure.name} has evaluated results; it stays on the plan.",
            field="measure",
        )
    name = plan_measure.measure.name
    record_actor(plan_measure, actor)
    plan_measure.delete()
    _changed(plan, actor, f"Measure {name} removed")


@transaction.atomic
def barrier_add(
    *, plan: DeploymentPlan, actor: User, barrier: str, strategy: str = ""
) -> BarrierStrategy:
    """Add a barrier to deployment and the strategy that addresses it. A content change."""
    _child_plan(plan, actor)
    text = _required_text(barrier, "barrier", "Name the barrier.")
    row = BarrierStrategy(
        plan=plan,
        barrier=text,
        strategy=_text(strategy, "strategy"),
        position=_next_position(BarrierStrategy, plan),
    )
    record_actor(row, actor)
    row.save(force_insert=True)
    _changed(plan, actor, "Barrier added")
    return row


@transaction.atomic
def barrier_update(
    *,
    barrier: BarrierStrategy,
    actor: User,
    text: str | None = None,
    strategy: str | None = None,
) -> BarrierStrategy:
    """Change a barrier's ``text`` or its ``strategy`` (None: leave it). An unchanged
    save writes nothing. A content change."""
    plan = _child_plan(barrier.plan, actor)
    values = {}
    if text is not None:
        values["barrier"] = _required_text(text, "barrier", "Name the barrier.")
    if strategy is not None:
        values["strategy"] = _text(strategy, "strategy")
    changed = [name for name, value in values.items() if getattr(barrier, name) != value]
    if not changed:
        return barrier
    for name in changed:
        setattr(barrier, name, values[name])
    record_actor(barrier, actor)
    barrier.save(update_fields=changed)
    _changed(plan, actor, "Barrier strategy changed")
    return barrier


@transaction.atomic
def barrier_remove(*, barrier: BarrierStrategy, actor: User) -> None:
    """Take a barrier off the plan. A content change."""
    plan = _child_plan(barrier.plan, actor)
    record_actor(barrier, actor)
    barrier.delete()
    _changed(plan, actor, "Barrier removed")


def _clean_segment(segment: Any) -> dict[str, Any]:
    if segment in (None, ""):
        return {}
    if not isinstance(segment, dict):
        raise DeploymentError(
            "Describe the segment as a JSON object, as in the target rule.", field="segment"
        )
    return dict(segment)


@transaction.atomic
def adjustment_add(
    *,
    plan: DeploymentPlan,
    actor: User,
    segment_label: str,
    description: str,
    segment: dict[str, Any] | None = None,
) -> Adjustment:
    """Say how the improvement is adjusted for one target segment ("COTS integration
    projects": what changes for them); ``segment`` optionally describes the segment
    with the target rule's keys. A content change."""
    _child_plan(plan, actor)
    label = _required_text(segment_label, "segment_label", "Name the segment.", 200)
    text = _required_text(description, "description", "Say how the improvement is adjusted.")
    row = Adjustment(
        plan=plan,
        segment_label=label,
        segment=_clean_segment(segment),
        description=text,
        position=_next_position(Adjustment, plan),
    )
    record_actor(row, actor)
    row.save(force_insert=True)
    _changed(plan, actor, f"Adjustment for {label} added")
    return row


@transaction.atomic
def adjustment_remove(*, adjustment: Adjustment, actor: User) -> None:
    """Take a segment's adjustment off the plan. A content change."""
    plan = _child_plan(adjustment.plan, actor)
    label = adjustment.segment_label
    record_actor(adjustment, actor)
    adjustment.delete()
    _changed(plan, actor, f"Adjustment for {label} removed")


@transaction.atomic
def risk_add(
    *, plan: DeploymentPlan, actor: User, risk_type: str, description: str
) -> MitigatedRisk:
    """Name a work or organizational risk the improvement mitigates. A content change."""
    _child_plan(plan, actor)
    kind = _clean_choice(risk_type, RiskType, "risk_type", "Choose the type of risk.")
    text = _required_text(description, "description", "Describe the risk.")
    row = MitigatedRisk(
        plan=plan,
        risk_type=kind,
        description=text,
        position=_next_position(MitigatedRisk, plan),
    )
    record_actor(row, actor)
    row.save(force_insert=True)
    _changed(plan, actor, "Mitigated risk added")
    return row


@transaction.atomic
def risk_update(*, risk: MitigatedRisk, actor: User, **fields: Any) -> MitigatedRisk:
    """Change a risk's type or description (``risk_type``, ``description``). Whether it
    was mitigated is the results' ``risk_mitigated_set``. A content change."""
    plan = _child_plan(risk.plan, actor)
    unknown = sorted(set(fields) - {"risk_type", "description"})
    if unknown:
        raise DeploymentError(f"Not a field of a risk: {', '.join(unknown)}.", field=unknown[0])
    values = {}
    if "risk_type" in fields:
        values["risk_type"] = _clean_choice(
            fields["risk_type"], RiskType, "risk_type", "Choose the type of risk."
        )
    if "description" in fields:
        values["description"] = _required_text(
            fields["description"], "description", "Describe the risk."
        )
    changed = [name for name, value in values.items() if getattr(risk, name) != value]
    if not changed:
        return risk
    for name in changed:
        setattr(risk, name, values[name])
    record_actor(risk, actor)
    risk.save(update_fields=changed)
    _changed(plan, actor, "Mitigated risk changed")
    return risk


@transaction.atomic
def risk_remove(*, risk: MitigatedRisk, actor: User) -> None:
    """Take a risk off the plan. A content change."""
    plan = _child_plan(risk.plan, actor)
    record_actor(risk, actor)
    risk.delete()
    _changed(plan, actor, "Mitigated risk removed")
