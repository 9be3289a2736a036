"""Writes of deployment plans (OPM SP 3.1, seed 000): content, revisions, sign-off.

A deployment plan deploys one selected improvement proposal or a group of related ones
and covers the items of seed 000: adjustment (as a whole and per target segment),
barriers with strategies, target work activities, measures and objectives, mitigated
risks, stakeholders, risk strategies and the schedule. Its life:

- ``plan_create`` writes a draft at revision 1, prefills a barrier row per line of
  each proposal's ``barriers`` and a ``PlanMeasure`` per measure the proposals expect
  a benefit on (baseline now, target from the expected change), and keeps revision 1's
  snapshot (``PlanRevision``).
- ``plan_signoff_request`` asks the plan's stakeholders (all who may sign off, or the
  ones named) to agree to the *current* revision; the plan is then ``in_review``.
- ``plan_signoff_decide``: the stakeholder asked agrees, or objects with a comment.
  The plan is ``agreed`` when every required stakeholder asked agreed.
- Content changes (seed 000 subpractice 7). ``plan_update``, the child-row services
  here and the other services of the app (targets, waves, gate criteria) change the
  content; the latter call ``plan_content_changed`` once after their change. While the
  current revision was never sent for sign-off, it is edited in place (its snapshot
  refreshed). Once it was sent, a change makes revision N+1: N's snapshot and
  decisions are kept, N's pending sign-offs become ``superseded``, the same
  stakeholders (still on the plan and still allowed to sign off) are asked again on
  N+1, and the plan goes back to ``in_review`` (a ``deploying`` plan stays deploying,
  "revision N+1 awaiting agreement"). Whether the content changed is decided by
  comparing the plan's snapshot with the kept one: a save that changes nothing, or a
  second call of the hook after the same change, writes nothing (idempotent).
- ``plan_cancel`` ends a plan that is not complete, with a reason (kept in the plan's
  history as the change reason).

Not content (no new revision): the owner, related plans, target statuses, training,
consulting, receipts, gate evaluations and manual checks, results and lessons.

Who may do what (``uplift.apps.deployments.permissions``): creating needs
``plan_can_create``; every other write ``plan_can_edit`` (owner holding
``add_deploymentplan``, or ``change_deploymentplan``), except deciding on a sign-off,
which only the stakeholder asked may do, holding ``signoff_deploymentplan``. A refusal
raises ``PermissionDenied``; bad input ``DeploymentError`` naming the field; a stale
``expected_version`` ``ConflictError``. Nothing is written then.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Max, Prefetch
from django.utils import timezone

from uplift.apps.deployments import permissions
from uplift.apps.deployments.choices import (
    PlanState,
    RiskType,
    SignOffDecision,
    StakeholderKind,
)
from uplift.apps.deployments.errors import DeploymentError, lock_for_update
from uplift.apps.deployments.models import (
    PLAN_TEXT_FIELDS,
    Adjustment,
    BarrierStrategy,
    DeploymentPlan,
    GateCriterion,
    MitigatedRisk,
    PlanMeasure,
    PlanRevision,
    SignOff,
    Stakeholder,
    Target,
    Wave,
)
from uplift.apps.improvements.choices import ProposalState
from uplift.apps.improvements.history import record_actor
from uplift.apps.improvements.services.plans import FieldChange, person_name, person_names
from uplift.apps.measurements.selectors import baselines_for
from uplift.apps.measurements.services.baselines import baseline_compute
from uplift.apps.measurements.services.measures import MeasurementError

__all__ = [
    "CONTENT_FIELDS",
    "DEPLOYABLE_STATES",
    "SIGNOFF_PERMISSION",
    "FieldChange",
    "Reapproval",
    "SignoffRow",
    "SignoffStatus",
    "adjustment_add",
    "adjustment_remove",
    "barrier_add",
    "barrier_remove",
    "barrier_update",
    "measure_add",
    "measure_remove",
    "measure_update",
    "person_name",
    "person_names",
    "plan_cancel",
    "plan_content_changed",
    "plan_create",
    "plan_revision_changes",
    "plan_revisions_compare",
    "plan_signoff_decide",
    "plan_signoff_request",
    "plan_signoff_status",
    "plan_snapshot",
    "plan_update",
    "risk_add",
    "risk_remove",
    "risk_update",
    "signoff_candidates",
    "stakeholder_add",
    "stakeholder_remove",
]

User = Any  # auth.User

SIGNOFF_PERMISSION = "deployments.signoff_deploymentplan"
PLAN_PERMISSION = "deployments.add_deploymentplan"

# A plan deploys proposals selected for validation or later, not dropped: a plan may be
# drafted while its proposal is still being validated (waves start only once it is
# selected for deployment or later, services.waves). A deployed or evaluated proposal
# may be deployed again, to further targets.
DEPLOYABLE_STATES: tuple[str, ...] = (
    ProposalState.SELECTED_FOR_VALIDATION,
    ProposalState.VALIDATING,
    ProposalState.VALIDATED,
    ProposalState.SELECTED_FOR_DEPLOYMENT,
    ProposalState.DEPLOYING,
    ProposalState.DEPLOYED,
    ProposalState.EVALUATED,
)

# The plan's own fields that plan_create and plan_update take besides title, owner,
# proposals: the text items of seed 000, the dates, the value objectives, the action plan.
CONTENT_FIELDS: tuple[str, ...] = (
    *(name for name, _ in PLAN_TEXT_FIELDS),
    "planned_start",
    "planned_end",
    "payback_target_months",
    "response_time_target_days",
    "action_plan",
)
_TEXT_FIELDS = tuple(name for name, _ in PLAN_TEXT_FIELDS)
_DATE_FIELDS = ("planned_start", "planned_end")
_NUMBER_FIELDS = ("payback_target_months", "response_time_target_days")
_TITLE_MAX = 200
_CLOSED = (PlanState.COMPLETE, PlanState.CANCELLED)
_DECISIONS = (SignOffDecision.AGREED, SignOffDecision.OBJECTED)

Proposal: Any = DeploymentPlan._meta.get_field("proposals").related_model
ActionPlan: Any = DeploymentPlan._meta.get_field("action_plan").related_model
Measure: Any = PlanMeasure._meta.get_field("measure").related_model
Objective: Any = PlanMeasure._meta.get_field("objective").related_model


# -- input checks ---------------------------------------------------------------------


def _text(value: Any, field: str) -> str:
    """Stored text: stripped, with the newlines browsers send (CRLF) made plain."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise DeploymentError("Enter text.", field=field)
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def _required_text(value: Any, field: str, message: str, limit: int | None = None) -> str:
    text = _text(value, field)
    if not text:
        raise DeploymentError(message, field=field)
    if limit is not None and len(text) > limit:
        raise DeploymentError(f"At most {limit} characters.", field=field)
    return text


def _clean_title(value: Any) -> str:
    return _required_text(value, "title", "Give the plan a title.", _TITLE_MAX)


def _clean_date(value: Any, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        raise DeploymentError("Enter a date, not a date and time.", field=field)
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise DeploymentError("Enter a date as YYYY-MM-DD.", field=field)


def _clean_number(value: Any, field: str) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise DeploymentError("Enter a whole number.", field=field)
    if value < 1:
        raise DeploymentError("Enter a whole number of 1 or more.", field=field)
    return value


def _clean_action_plan(value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, ActionPlan) or value.pk is None:
        raise DeploymentError("Choose a process action plan.", field="action_plan")
    return value


def _clean_content(fields: dict[str, Any]) -> dict[str, Any]:
    """The plan's own content fields checked (see ``CONTENT_FIELDS``)."""
    unknown = sorted(set(fields) - set(CONTENT_FIELDS))
    if unknown:
        raise DeploymentError(
            f"Not a field of a deployment plan: {', '.join(unknown)}.", field=unknown[0]
        )
    cleaned: dict[str, Any] = {}
    for name, value in fields.items():
        if name in _TEXT_FIELDS:
            cleaned[name] = _text(value, name)
        elif name in _DATE_FIELDS:
            cleaned[name] = _clean_date(value, name)
        elif name in _NUMBER_FIELDS:
            cleaned[name] = _clean_number(value, name)
        else:
            cleaned[name] = _clean_action_plan(value)
    return cleaned


def _check_dates(start: dt.date | None, end: dt.date | None) -> None:
    if start is not None and end is not None and end < start:
        raise DeploymentError(
            f"The planned end ({end:%Y-%m-%d}) is before the planned start ({start:%Y-%m-%d}).",
            field="planned_end",
        )


def _clean_owner(owner: Any) -> Any:
    if owner is None or getattr(owner, "pk", None) is None:
        raise DeploymentError("Name the plan's owner.", field="owner")
    if not owner.is_active:
        raise DeploymentError(f"{person_name(owner)} cannot sign in any more.", field="owner")
    if not owner.has_perm(PLAN_PERMISSION):
        raise DeploymentError(
            f"{person_name(owner)} may not plan deployments (process group, process owners "
            "and process action teams may).",
            field="owner",
        )
    return owner


def _clean_proposals(proposals: Iterable[Any], *, already: Iterable[int] = ()) -> list[Any]:
    """The proposals, each selected (one already on the plan may have moved on since)."""
    chosen: list[Any] = []
    for proposal in proposals:
        if not isinstance(proposal, Proposal) or proposal.pk is None:
            raise DeploymentError("Choose proposals.", field="proposals")
        if proposal.pk not in {p.pk for p in chosen}:
            chosen.append(proposal)
    if not chosen:
        raise DeploymentError("A deployment plan deploys at least one proposal.", field="proposals")
    kept = set(already)
    refused = [p for p in chosen if p.pk not in kept and p.state not in DEPLOYABLE_STATES]
    if refused:
        described = ", ".join(f"{p.reference} is {p.get_state_display().lower()}" for p in refused)
        raise DeploymentError(
            "A deployment plan deploys selected proposals only (selected for validation or "
            f"later, not terminated): {described}.",
            field="proposals",
        )
    return chosen


def _clean_related(plan: DeploymentPlan, related: Iterable[Any]) -> list[DeploymentPlan]:
    chosen: dict[int, DeploymentPlan] = {}
    for other in related:
        if not isinstance(other, DeploymentPlan) or other.pk is None:
            raise DeploymentError("Choose deployment plans.", field="related_plans")
        if other.pk == plan.pk:
            raise DeploymentError("A plan is not related to itself.", field="related_plans")
        chosen[other.pk] = other
    return list(chosen.values())


def _open(plan: DeploymentPlan) -> None:
    """Refuse changes to a complete or cancelled plan."""
    if plan.state in _CLOSED:
        raise DeploymentError(
            f"{plan.reference} is {plan.get_state_display().lower()}: it cannot be changed."
        )


def _edit_check(actor: User, plan: DeploymentPlan) -> None:
    if not permissions.plan_can_edit(actor, plan):
        raise PermissionDenied("You may not change this deployment plan.")


# -- snapshots ----------------------------------------------------------------------


def _json(value: Any) -> Any:
    """A JSON-native value (dates as ISO text, decimals as floats): what a JSONField
    gives back, so that snapshots compare equal after a round trip."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def plan_snapshot(plan: DeploymentPlan) -> dict[str, Any]:
    """The content a revision keeps, as JSON: title, the text items, dates, the target
    rule, value objectives, the action plan, the proposals, and every child row that is
    content (adjustments, barriers, risks, measures, stakeholders, waves with their gate
    criteria, targets with their source, exclusion, reason and wave). Statuses, training,
    evaluations and results are left out: they are not content. About ten queries."""
    action_plan = plan.action_plan if plan.action_plan_id else None
    measures = PlanMeasure.objects.filter(plan=plan).select_related("measure", "objective")
    waves = Wave.objects.filter(plan=plan).prefetch_related(
        Prefetch("criteria", queryset=GateCriterion.objects.select_related("measure"))
    )
    targets = (
        Target.objects.filter(plan=plan)
        .select_related("work_activity", "wave")
        .order_by("work_activity__slug", "pk")
    )
    snapshot = {
        "title": plan.title,
        **{name: getattr(plan, name) for name in _TEXT_FIELDS},
        "planned_start": plan.planned_start,
        "planned_end": plan.planned_end,
        "target_rule": plan.target_rule or {},
        "payback_target_months": plan.payback_target_months,
        "response_time_target_days": plan.response_time_target_days,
        "action_plan": (
            {"id": action_plan.pk, "reference": action_plan.reference, "title": action_plan.title}
            if action_plan is not None
            else None
        ),
        "proposals": [
            {"id": p.pk, "reference": p.reference, "title": p.title}
            for p in plan.proposals.order_by("pk")
        ],
        "adjustments": [
            {"segment_label": a.segment_label, "segment": a.segment, "description": a.description}
            for a in Adjustment.objects.filter(plan=plan)
        ],
        "barriers": [
            {"barrier": b.barrier, "strategy": b.strategy}
            for b in BarrierStrategy.objects.filter(plan=plan)
        ],
        "risks": [
            {"risk_type": r.risk_type, "description": r.description}
            for r in MitigatedRisk.objects.filter(plan=plan)
        ],
        "measures": [
            {
                "measure": m.measure.slug,
                "name": m.measure.name,
                "objective": m.objective.name if m.objective is not None else None,
                "baseline_value": m.baseline_value,
                "target_value": m.target_value,
                "due": m.due,
                "value_per_unit": m.value_per_unit,
            }
            for m in measures
        ],
        "stakeholders": [
            {
                "user": s.user.get_username(),
                "name": person_name(s.user),
                "kind": s.kind,
                "required": s.required,
                "note": s.note,
            }
            for s in Stakeholder.objects.filter(plan=plan).select_related("user")
        ],
        "waves": [
            {
                "number": w.number,
                "name": w.name,
                "kind": w.kind,
                "planned_start": w.planned_start,
                "planned_end": w.planned_end,
                "criteria": [
                    {
                        "kind": c.kind,
                        "description": c.description,
                        "measure": c.measure.slug if c.measure is not None else None,
                        "threshold": c.threshold,
                        "confidence": c.confidence,
                    }
                    for c in w.criteria.all()
                ],
            }
            for w in waves
        ],
        "targets": [
            {
                "work_activity": t.work_activity.slug,
                "name": t.work_activity.name,
                "source": t.source,
                "excluded": t.excluded,
                "reason": t.reason,
                "wave": t.wave.number if t.wave is not None else None,
            }
            for t in targets
        ],
    }
    result: dict[str, Any] = _json(snapshot)
    return result


# -- the revision machinery -----------------------------------------------------------


def _now() -> datetime:
    return timezone.now()


def _refresh(target: DeploymentPlan, source: DeploymentPlan) -> None:
    """Bring the caller's instance up to the saved row (it may be another object)."""
    if target is source:
        return
    for field in DeploymentPlan._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


def _settled_state(plan: DeploymentPlan) -> str:
    """The state the current revision's sign-offs give: draft (nobody asked), agreed
    (every required stakeholder asked agreed, at least one required), else in review.
    A deploying plan stays deploying; complete and cancelled never change here."""
    if plan.state in (*_CLOSED, PlanState.DEPLOYING):
        return plan.state
    rows = list(
        SignOff.objects.filter(plan=plan, revision=plan.revision).exclude(
            decision=SignOffDecision.SUPERSEDED
        )
    )
    if not rows:
        return PlanState.DRAFT
    required = [row for row in rows if row.required]
    if required and all(row.decision == SignOffDecision.AGREED for row in required):
        return PlanState.AGREED
    return PlanState.IN_REVIEW


def _save(plan: DeploymentPlan, *, actor: User, reason: str, fields: Iterable[str]) -> None:
    """Save ``fields`` with a version bump and the history's who and why."""
    plan.version += 1
    plan.updated_at = _now()
    record_actor(plan, actor, reason)
    plan.full_clean()
    plan.save(update_fields=sorted({*fields, "version", "updated_at"}))


def _save_state(plan: DeploymentPlan, *, actor: User, reason: str) -> None:
    state = _settled_state(plan)
    if plan.state != state:
        plan.state = state
        _save(plan, actor=actor, reason=reason, fields=["state"])


def _revision_keep(
    plan: DeploymentPlan, *, actor: User, reason: str, snapshot: dict[str, Any]
) -> PlanRevision:
    """Keep (or, editing in place, refresh) the snapshot of the plan's current revision."""
    revision = PlanRevision.objects.filter(plan=plan, number=plan.revision).first()
    if revision is None:
        revision = PlanRevision(
            plan=plan, number=plan.revision, snapshot=snapshot, reason=reason, created_by=actor
        )
        revision.save(force_insert=True)
        return revision
    revision.snapshot = snapshot
    fields = ["snapshot"]
    if reason:
        revision.reason = reason
        fields.append("reason")
    revision.save(update_fields=fields)
    return revision


def _may_sign(user: Any) -> bool:
    return bool(user.is_active and user.has_perm(SIGNOFF_PERMISSION))


def _supersede_and_ask_again(plan: DeploymentPlan, *, actor: User, previous: int) -> list[SignOff]:
    """Mark revision ``previous``'s pending sign-offs superseded; ask the same
    stakeholders, still on the plan and still allowed to sign off, to agree to the
    plan's new revision (their current kind and ``required`` flag)."""
    earlier = list(
        SignOff.objects.filter(plan=plan, revision=previous)
        .select_related("stakeholder")
        .order_by("pk")
    )
    SignOff.objects.filter(plan=plan, revision=previous, decision=SignOffDecision.PENDING).update(
        decision=SignOffDecision.SUPERSEDED
    )
    current = {s.user_id: s for s in Stakeholder.objects.filter(plan=plan)}
    now = _now()
    asked = []
    for row in earlier:
        stake = current.get(row.stakeholder_id)
        if stake is None or not _may_sign(row.stakeholder):
            continue
        signoff = SignOff(
            plan=plan,
            revision=plan.revision,
            stakeholder=row.stakeholder,
            kind=stake.kind,
            required=stake.required,
            requested_by=actor,
            requested_at=now,
        )
        signoff.save(force_insert=True)
        asked.append(signoff)
    return asked


def _revise(plan: DeploymentPlan, *, actor: User, reason: str) -> list[str]:
    """After a content change of the locked ``plan`` (its own fields possibly set but
    not saved yet): keep the snapshot, making revision N+1 when N was sent for sign-off.

    Returns the plan fields the caller must save besides ``version`` and
    ``updated_at``; an empty list means nothing changed (the snapshot equals the kept
    one) and the caller need not save.
    """
    snapshot = plan_snapshot(plan)
    kept = PlanRevision.objects.filter(plan=plan, number=plan.revision).first()
    if kept is not None and kept.snapshot == snapshot:
        return []
    sent = SignOff.objects.filter(plan=plan, revision=plan.revision).exists()
    if not sent:
        _revision_keep(plan, actor=actor, reason=reason, snapshot=snapshot)
        return ["updated_at"]
    previous = plan.revision
    plan.revision = previous + 1
    _supersede_and_ask_again(plan, actor=actor, previous=previous)
    revision = PlanRevision(
        plan=plan, number=plan.revision, snapshot=snapshot, reason=reason, created_by=actor
    )
    revision.save(force_insert=True)
    fields = ["revision"]
    state = _settled_state(plan)
    if plan.state != state:
        plan.state = state
        fields.append("state")
    return fields


def _changed(plan: DeploymentPlan, actor: User, reason: str) -> None:
    """The content-change hook inside a service that already checked and wrote."""
    locked = lock_for_update(DeploymentPlan.objects.all(), pk=plan.pk, expected_version=None)
    _open(locked)
    fields = _revise(locked, actor=actor, reason=reason)
    if fields:
        _save(locked, actor=actor, reason=reason, fields=fields)
    _refresh(plan, locked)


@transaction.atomic
def plan_content_changed(*, plan: DeploymentPlan, actor: User, reason: str) -> None:
    """The hook every service calls once after changing a plan's content (targets,
    rule, waves, gate criteria): keep the snapshot, and if the current revision was sent
    for sign-off make the next revision, supersede the pending sign-offs and ask the
    same stakeholders again (module docstring). Idempotent: when the content equals the
    kept snapshot (called twice for one change) it writes nothing. Checks no permission
    (the calling service did); raises ``DeploymentError`` for a complete or cancelled
    plan, which rolls the caller's change back with it."""
    _changed(plan, actor, _text(reason, "reason"))


# -- create, update, cancel ------------------------------------------------------------


def _baseline_now(measure: Any, plan: DeploymentPlan | None) -> tuple[float | None, datetime]:
    """The measure's level now over the plan's (non-excluded) targets, or over every
    work activity when the plan has none: the newest stored baseline of exactly that
    segment, else computed from the observations (None when there are fewer than two)."""
    slugs: list[str] = []
    if plan is not None and plan.pk is not None:
        slugs = list(
            Target.objects.filter(plan=plan, excluded=False)
            .order_by("work_activity__slug")
            .values_list("work_activity__slug", flat=True)
        )
    segment: dict[str, Any] = {"work_activities": slugs} if slugs else {}
    stored = baselines_for(measure, segment)
    if stored:
        return stored[0].mean, stored[0].computed_at
    try:
        result = baseline_compute(measure=measure, segment=segment)
    except MeasurementError:
        return None, _now()
    return (result.summary.mean if result.summary else None), _now()


def _prefill_barriers(plan: DeploymentPlan, proposals: Sequence[Any], actor: User) -> None:
    seen: set[str] = set()
    position = 0
    for proposal in proposals:
        for line in (proposal.barriers or "").splitlines():
            barrier = line.strip().lstrip("-*•").strip()
            if not barrier or barrier.casefold() in seen:
                continue
            seen.add(barrier.casefold())
            position += 1
            row = BarrierStrategy(plan=plan, barrier=barrier, strategy="", position=position)
            record_actor(row, actor, f"From {proposal.reference}")
            row.save(force_insert=True)


def _prefill_measures(plan: DeploymentPlan, proposals: Sequence[Any], actor: User) -> None:
    position = 0
    seen: set[int] = set()
    for proposal in proposals:
        for benefit in proposal.benefits.select_related("measure").order_by("pk"):
            measure = benefit.measure
            if measure is None or measure.pk in seen:
                continue
            seen.add(measure.pk)
            position += 1
            baseline, at = _baseline_now(measure, None)
            target = None
            if baseline is not None and benefit.expected_change is not None:
                target = round(baseline * (1 + float(benefit.expected_change) / 100), 6)
            objective = proposal.objective if proposal.objective_id else None
            if objective is not None and objective.measure_id != measure.pk:
                objective = None
            row = PlanMeasure(
                plan=plan,
                measure=measure,
                objective=objective,
                baseline_value=baseline,
                baseline_at=at,
                target_value=target,
                due=benefit.by_when,
                position=position,
            )
            record_actor(row, actor, f"From {proposal.reference}")
            row.save(force_insert=True)


@transaction.atomic
def plan_create(
    *,
    actor: User,
    title: str,
    proposals: Iterable[Any],
    owner: User | None = None,
    reason: str = "",
    **content: Any,
) -> DeploymentPlan:
    """Write a draft deployment plan at revision 1 and keep revision 1's snapshot.

    ``content``: any of ``CONTENT_FIELDS`` (adjustment, risk_strategies, schedule_notes,
    planned_start, planned_end, payback_target_months, response_time_target_days,
    action_plan). ``owner`` defaults to the actor. Prefills a barrier per line of each
    proposal's barriers, and a measure per measure the proposals expect a benefit on
    (baseline now over every work activity, target from the expected change, due by
    the benefit's date, the proposal's QPPO when it is on that measure).

    Raises ``PermissionDenied`` without ``add_deploymentplan``; ``DeploymentError`` for
    an empty title, an owner who may not plan deployments, no proposal or one not
    selected (``DEPLOYABLE_STATES``), an unknown field, or an end before the start.
    """
    if not permissions.plan_can_create(actor):
        raise PermissionDenied("You may not plan deployments.")
    clean_title = _clean_title(title)
    values = _clean_content(content)
    _check_dates(values.get("planned_start"), values.get("planned_end"))
    plan_owner = _clean_owner(owner if owner is not None else actor)
    chosen = _clean_proposals(proposals)
    reason = _text(reason, "reason")
    now = _now()
    plan = DeploymentPlan(
        title=clean_title,
        owner=plan_owner,
        state=PlanState.DRAFT,
        revision=1,
        version=1,
        created_at=now,
        updated_at=now,
        **values,
    )
    plan.full_clean()
    record_actor(plan, actor, reason or "Plan written")
    plan.save(force_insert=True)
    plan.proposals.set(chosen)
    chosen.sort(key=lambda p: p.pk)
    _prefill_barriers(plan, chosen, actor)
    _prefill_measures(plan, chosen, actor)
    _revision_keep(plan, actor=actor, reason=reason, snapshot=plan_snapshot(plan))
    return plan


_LABELS: dict[str, str] = {
    "title": "Title",
    "owner": "Owner",
    "proposals": "Improvements deployed",
    "related_plans": "Related plans",
    **dict(PLAN_TEXT_FIELDS),
    "planned_start": "Planned start",
    "planned_end": "Planned end",
    "payback_target_months": "Payback objective",
    "response_time_target_days": "Response time objective",
    "action_plan": "Process action plan",
}


@transaction.atomic
def plan_update(
    *,
    plan: DeploymentPlan,
    actor: User,
    expected_version: int | None = None,
    reason: str = "",
    **fields: Any,
) -> DeploymentPlan:
    """Change a plan's title, proposals, content fields (``CONTENT_FIELDS``), owner or
    related plans; see the module docstring for revisions.

    The owner and related plans are not content: changing only them never makes a
    revision. ``expected_version`` is the ``version`` the edit started from (None: take
    the plan as it is). An unchanged save writes nothing. Returns the plan as saved
    (``plan.revision`` tells whether a new revision was made). Raises
    ``PermissionDenied`` unless ``plan_can_edit``; ``ConflictError`` for a stale
    version; ``DeploymentError`` for bad input or a complete or cancelled plan.
    """
    _edit_check(actor, plan)
    title = _clean_title(fields.pop("title")) if "title" in fields else None
    new_proposals = fields.pop("proposals", None)
    new_related = fields.pop("related_plans", None)
    owner = _clean_owner(fields.pop("owner")) if "owner" in fields else None
    values = _clean_content(fields)
    reason = _text(reason, "reason")

    locked = lock_for_update(
        DeploymentPlan.objects.all(), pk=plan.pk, expected_version=expected_version
    )
    _open(locked)
    if title is not None:
        values["title"] = title
    if owner is not None:
        values["owner"] = owner
    _check_dates(
        values.get("planned_start", locked.planned_start),
        values.get("planned_end", locked.planned_end),
    )
    changed = [
        name
        for name, value in values.items()
        if (
            locked.owner_id != value.pk
            if name == "owner"
            else locked.action_plan_id != (value.pk if value is not None else None)
            if name == "action_plan"
            else getattr(locked, name) != value
        )
    ]
    proposals = None
    if new_proposals is not None:
        current = list(locked.proposals.values_list("pk", flat=True))
        proposals = _clean_proposals(new_proposals, already=current)
        if {p.pk for p in proposals} == set(current):
            proposals = None
        else:
            changed.append("proposals")
    related = None
    if new_related is not None:
        related = _clean_related(locked, new_related)
        if {p.pk for p in related} != set(locked.related_plans.values_list("pk", flat=True)):
            changed.append("related_plans")
        else:
            related = None
    if not changed:
        _refresh(plan, locked)
        return plan  # an unchanged save changes nothing

    for name in changed:
        if name in values:
            setattr(locked, name, values[name])
    if related is not None:
        locked.related_plans.set(related)
    if proposals is not None:
        # One history record for the whole change (the save's), not one per m2m change.
        setattr(locked, "skip_history_when_saving", True)  # noqa: B010  (simple-history's hook)
        locked.proposals.set(proposals)
        delattr(locked, "skip_history_when_saving")
    if not reason:
        reason = "Changed: " + ", ".join(_LABELS.get(name, name) for name in changed)
    update_fields = [name for name in changed if name in values]
    update_fields += _revise(locked, actor=actor, reason=reason)
    _save(locked, actor=actor, reason=reason, fields=update_fields)
    _refresh(plan, locked)
    return plan


@transaction.atomic
def plan_cancel(*, plan: DeploymentPlan, actor: User, reason: str) -> DeploymentPlan:
    """Cancel a plan that is not complete, with a reason (kept as the history's change
    reason). Its targets, waves and sign-offs stay as they are, for the record.
    Raises ``PermissionDenied`` unless ``plan_can_edit``; ``DeploymentError`` without a
    reason, or for a complete or already cancelled plan."""
    _edit_check(actor, plan)
    why = _required_text(reason, "reason", "Say why the plan is cancelled.")
    locked = lock_for_update(DeploymentPlan.objects.all(), pk=plan.pk, expected_version=None)
    _open(locked)
    locked.state = PlanState.CANCELLED
    _save(locked, actor=actor, reason=f"Cancelled: {why}", fields=["state"])
    _refresh(plan, locked)
    return plan


# -- sign-off ---------------------------------------------------------------------------


def signoff_candidates(plan: DeploymentPlan) -> list[Stakeholder]:
    """The plan's stakeholders who may sign off (active, holding the permission), in
    the plan's order: those a sign-off request may name."""
    rows = Stakeholder.objects.filter(plan=plan).select_related("user")
    return [row for row in rows if _may_sign(row.user)]


@transaction.atomic
def plan_signoff_request(
    *, plan: DeploymentPlan, actor: User, stakeholders: list[User] | None = None
) -> list[SignOff]:
    """Ask stakeholders to agree to the plan's current revision.

    ``stakeholders``: users who are stakeholders of the plan (None: every stakeholder
    who may sign off). Each is asked as the plan lists them (kind, required or not);
    one already asked for this revision is not asked twice, and asking nobody new is
    refused. At least one stakeholder asked must be required. Keeps the revision's
    snapshot as sent; the plan is then in review (a deploying plan stays deploying).
    Raises ``PermissionDenied`` unless ``plan_can_edit``; ``DeploymentError`` (field
    ``stakeholders``) naming a person who is no stakeholder or may not sign off (a
    practitioner never may).
    """
    _edit_check(actor, plan)
    locked = lock_for_update(DeploymentPlan.objects.all(), pk=plan.pk, expected_version=None)
    _open(locked)
    listed = {row.user_id: row for row in Stakeholder.objects.filter(plan=locked)}
    if stakeholders is None:
        wanted = signoff_candidates(locked)
        if not wanted:
            raise DeploymentError(
                "Name the plan's stakeholders first: nobody on the plan may sign it off.",
                field="stakeholders",
            )
    else:
        if not stakeholders:
            raise DeploymentError("Name at least one stakeholder.", field="stakeholders")
        strangers = [u for u in stakeholders if getattr(u, "pk", None) not in listed]
        if strangers:
            raise DeploymentError(
                f"{person_names(strangers)} {'is' if len(strangers) == 1 else 'are'} not a "
                "stakeholder of the plan: add them as stakeholders first.",
                field="stakeholders",
            )
        unable = [u for u in stakeholders if not _may_sign(u)]
        if unable:
            raise DeploymentError(
                f"{person_names(unable)} may not sign off deployment plans (sponsors, the "
                "steering committee, process owners and managers may; practitioners do not).",
                field="stakeholders",
            )
        wanted = [listed[u.pk] for u in {u.pk: u for u in stakeholders}.values()]

    existing = {
        row.stakeholder_id: row
        for row in SignOff.objects.filter(plan=locked, revision=locked.revision).exclude(
            decision=SignOffDecision.SUPERSEDED
        )
    }
    created: list[SignOff] = []
    now = _now()
    for stake in wanted:
        if stake.user_id in existing:
            continue
        signoff = SignOff(
            plan=locked,
            revision=locked.revision,
            stakeholder=stake.user,
            kind=stake.kind,
            required=stake.required,
            requested_by=actor,
            requested_at=now,
        )
        signoff.save(force_insert=True)
        created.append(signoff)
        existing[stake.user_id] = signoff
    if not created:
        names = person_names(stake.user for stake in wanted)
        raise DeploymentError(
            f"{names} {'was' if len(wanted) == 1 else 'were'} already asked to agree to "
            f"revision {locked.revision}.",
            field="stakeholders",
        )
    if not any(row.required for row in existing.values()):
        raise DeploymentError(
            "Ask at least one required stakeholder: the plan is agreed when every required "
            "stakeholder has agreed.",
            field="stakeholders",
        )
    _revision_keep(locked, actor=actor, reason="", snapshot=plan_snapshot(locked))
    names = person_names(row.stakeholder for row in created)
    _save_state(locked, actor=actor, reason=f"Sign-off of revision {locked.revision} from {names}")
    _refresh(plan, locked)
    return created


@transaction.atomic
def plan_signoff_decide(
    *, signoff: SignOff, actor: User, decision: str, comment: str = ""
) -> SignOff:
    """The stakeholder's decision on the revision they were asked to agree to.

    ``decision`` is ``"agreed"`` or ``"objected"`` (which needs a comment saying what
    must change). Only the stakeholder asked, holding ``signoff_deploymentplan``, may
    decide, while the sign-off is pending and for the plan's current revision
    (``PermissionDenied`` otherwise). When every required stakeholder asked agreed, the
    plan is agreed. Raises ``DeploymentError`` for a complete or cancelled plan.
    """
    if not actor.has_perm(SIGNOFF_PERMISSION):
        raise PermissionDenied("You may not sign off deployment plans.")
    if signoff.stakeholder_id != actor.pk:
        raise PermissionDenied(
            "Only the stakeholder this sign-off was asked of may decide; you were not asked."
        )
    if decision not in _DECISIONS:
        raise DeploymentError("Agree, or object.", field="decision")
    text = _text(comment, "comment")
    if decision == SignOffDecision.OBJECTED and not text:
        raise DeploymentError("Say what must change before you can agree.", field="comment")

    plan = lock_for_update(DeploymentPlan.objects.all(), pk=signoff.plan_id, expected_version=None)
    _open(plan)
    locked = SignOff.objects.select_for_update().get(pk=signoff.pk)
    if locked.revision != plan.revision:
        raise PermissionDenied(
            f"This sign-off was for revision {locked.revision}; the plan is at revision "
            f"{plan.revision}, and you were not asked to agree to that one yet."
        )
    if locked.decision != SignOffDecision.PENDING:
        raise PermissionDenied(
            f"You already decided on revision {locked.revision} "
            f"({locked.get_decision_display().lower()})."
        )
    locked.decision = decision
    locked.comment = text
    locked.decided_at = _now()
    locked.save(update_fields=["decision", "comment", "decided_at"])
    verb = "agreed to" if decision == SignOffDecision.AGREED else "objected to"
    _save_state(plan, actor=actor, reason=f"{person_name(actor)} {verb} revision {plan.revision}")
    for name in ("decision", "comment", "decided_at"):
        setattr(signoff, name, getattr(locked, name))
    return signoff


@dataclass(frozen=True)
class SignoffRow:
    """One stakeholder asked to agree to a revision, and their decision."""

    signoff_id: int
    user: Any
    name: str
    kind: str
    kind_label: str
    required: bool
    decision: str
    decision_label: str
    comment: str
    requested_at: datetime
    decided_at: datetime | None

    @property
    def pending(self) -> bool:
        return self.decision == SignOffDecision.PENDING

    @property
    def agreed(self) -> bool:
        return self.decision == SignOffDecision.AGREED

    def as_json(self) -> dict[str, Any]:
        return {
            "signoff": self.signoff_id,
            "stakeholder": self.user.get_username(),
            "name": self.name,
            "kind": self.kind,
            "required": self.required,
            "decision": self.decision,
            "comment": self.comment,
            "requested_at": self.requested_at.isoformat(),
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
        }


@dataclass(frozen=True)
class Reapproval:
    """The current revision replaced one that had been sent for sign-off."""

    revision: int
    previous: int
    reason: str


@dataclass(frozen=True)
class SignoffStatus:
    """Where the plan's current revision stands with its stakeholders.

    ``agreed``: at least one required stakeholder was asked and every required one
    agreed. ``waiting``: names of required stakeholders who have not decided yet.
    """

    revision: int
    state: str
    agreed: bool
    rows: tuple[SignoffRow, ...]
    waiting: tuple[str, ...]
    objected: tuple[SignoffRow, ...]
    reapproval: Reapproval | None

    @property
    def requested(self) -> bool:
        """Whether the current revision was sent for sign-off at all."""
        return bool(self.rows)

    @property
    def summary(self) -> str:
        """One sentence: agreed by whom, or what is missing."""
        if not self.rows:
            return f"Revision {self.revision} has not been sent for sign-off."
        if self.agreed:
            names = person_names(row.user for row in self.rows if row.required)
            return f"Revision {self.revision} is agreed by {names}."
        parts = []
        if self.objected:
            parts.append(f"objected to by {person_names(row.user for row in self.objected)}")
        if self.waiting:
            waiting = list(self.waiting)
            text = (
                waiting[0] if len(waiting) == 1 else f"{', '.join(waiting[:-1])} and {waiting[-1]}"
            )
            parts.append(f"waiting for {text}")
        if not any(row.required for row in self.rows):
            parts.append("no required stakeholder asked")
        return f"Revision {self.revision} is not agreed yet: {'; '.join(parts)}."

    def for_user(self, user: Any) -> SignoffRow | None:
        """The sign-off of the current revision asked of ``user``, if any."""
        for row in self.rows:
            if row.user.pk == getattr(user, "pk", None):
                return row
        return None

    def as_json(self) -> dict[str, Any]:
        return {
            "revision": self.revision,
            "agreed": self.agreed,
            "summary": self.summary,
            "waiting": list(self.waiting),
            "signoffs": [row.as_json() for row in self.rows],
        }


def _row(signoff: SignOff) -> SignoffRow:
    return SignoffRow(
        signoff_id=signoff.pk,
        user=signoff.stakeholder,
        name=person_name(signoff.stakeholder),
        kind=signoff.kind,
        kind_label=signoff.get_kind_display(),
        required=signoff.required,
        decision=signoff.decision,
        decision_label=signoff.get_decision_display(),
        comment=signoff.comment,
        requested_at=signoff.requested_at,
        decided_at=signoff.decided_at,
    )


def plan_signoff_status(plan: DeploymentPlan) -> SignoffStatus:
    """The current revision's sign-offs, what is missing, and whether it replaced a
    revision that had been sent for sign-off. Two queries at most."""
    numbers = [plan.revision, plan.revision - 1]
    signoffs = list(
        SignOff.objects.filter(plan=plan, revision__in=numbers)
        .select_related("stakeholder")
        .order_by("-required", "requested_at", "pk")
    )
    rows = tuple(
        _row(s)
        for s in signoffs
        if s.revision == plan.revision and s.decision != SignOffDecision.SUPERSEDED
    )
    required = [row for row in rows if row.required]
    agreed = bool(required) and all(row.agreed for row in required)
    reapproval = None
    if plan.revision > 1 and any(s.revision == plan.revision - 1 for s in signoffs):
        reason = (
            PlanRevision.objects.filter(plan=plan, number=plan.revision)
            .values_list("reason", flat=True)
            .first()
        )
        reapproval = Reapproval(plan.revision, plan.revision - 1, reason or "")
    return SignoffStatus(
        revision=plan.revision,
        state=plan.state,
        agreed=agreed,
        rows=rows,
        waiting=tuple(row.name for row in required if row.pending),
        objected=tuple(row for row in rows if row.decision == SignOffDecision.OBJECTED),
        reapproval=reapproval,
    )


# -- comparing revisions --------------------------------------------------------------


def _lines(items: Iterable[str]) -> str:
    return "\n".join(items)


def _rule_text(rule: Any) -> str:
    if not rule:
        return ""
    return _lines(f"{key}: {json.dumps(rule[key], sort_keys=True)}" for key in sorted(rule))


def _dates_text(snapshot: dict[str, Any]) -> str:
    start, end = snapshot.get("planned_start"), snapshot.get("planned_end")
    if not start and not end:
        return ""
    return f"{start or 'open'} to {end or 'open'}"


def _objectives_text(snapshot: dict[str, Any]) -> str:
    parts = []
    if snapshot.get("payback_target_months"):
        parts.append(f"Cost recovered within {snapshot['payback_target_months']} months")
    if snapshot.get("response_time_target_days"):
        parts.append(
            f"Respond to changes within {snapshot['response_time_target_days']} days on average"
        )
    return _lines(parts)


def _measure_text(m: dict[str, Any]) -> str:
    parts = [f"{m.get('name') or m.get('measure')}"]
    if m.get("objective"):
        parts.append(f"for {m['objective']}")
    parts.append(f"baseline {m.get('baseline_value')}")
    parts.append(f"target {m.get('target_value')}")
    if m.get("due"):
        parts.append(f"by {m['due']}")
    if m.get("value_per_unit") is not None:
        parts.append(f"worth {m['value_per_unit']} a unit a month")
    return ", ".join(parts)


def _wave_lines(waves: Sequence[dict[str, Any]]) -> Iterable[str]:
    for w in waves:
        yield (
            f"{w.get('number')}. {w.get('name')} ({w.get('kind')}), "
            f"{w.get('planned_start')} to {w.get('planned_end')}"
        )
        for c in w.get("criteria") or []:
            figures = ", ".join(
                f"{key} {c[key]}" for key in ("measure", "threshold", "confidence") if c.get(key)
            )
            yield f"   gate: {c.get('description') or c.get('kind')}" + (
                f" ({figures})" if figures else ""
            )


def _target_text(t: dict[str, Any]) -> str:
    where = f", wave {t['wave']}" if t.get("wave") else ""
    if t.get("excluded"):
        return f"{t.get('name')}: excluded ({t.get('reason')}){where}"
    how = "by rule" if t.get("source") == "rule" else "added"
    return f"{t.get('name')}: {how} ({t.get('reason')}){where}"


_SECTIONS: tuple[tuple[str, str], ...] = (
    ("title", "Title"),
    ("proposals", "Improvements deployed"),
    ("action_plan", "Process action plan"),
    *PLAN_TEXT_FIELDS,
    ("adjustments", "Adjustments per target segment"),
    ("barriers", "Barriers and strategies"),
    ("target_rule", "Target rule"),
    ("targets", "Targets: who is in and why"),
    ("measures", "Measures and objectives"),
    ("objectives", "Payback and response time objectives"),
    ("risks", "Risks mitigated"),
    ("stakeholders", "Stakeholders"),
    ("dates", "Planned dates"),
    ("waves", "Waves and gates"),
)


def _section_text(snapshot: dict[str, Any], name: str) -> str:
    """One section of a snapshot as text, a line per row (for a line-by-line diff)."""
    if name == "proposals":
        return _lines(f"{p['reference']} {p['title']}" for p in snapshot.get("proposals") or [])
    if name == "action_plan":
        ap = snapshot.get("action_plan")
        return f"{ap['reference']} {ap['title']}" if ap else ""
    if name == "adjustments":
        return _lines(
            f"{a['segment_label']}: {a['description']}" for a in snapshot.get("adjustments") or []
        )
    if name == "barriers":
        return _lines(
            f"{b['barrier']} → {b['strategy'] or '(no strategy yet)'}"
            for b in snapshot.get("barriers") or []
        )
    if name == "target_rule":
        return _rule_text(snapshot.get("target_rule"))
    if name == "targets":
        return _lines(_target_text(t) for t in snapshot.get("targets") or [])
    if name == "measures":
        return _lines(_measure_text(m) for m in snapshot.get("measures") or [])
    if name == "objectives":
        return _objectives_text(snapshot)
    if name == "risks":
        labels = dict(RiskType.choices)
        return _lines(
            f"{labels.get(r['risk_type'], r['risk_type'])}: {r['description']}"
            for r in snapshot.get("risks") or []
        )
    if name == "stakeholders":
        kinds = dict(StakeholderKind.choices)
        return _lines(
            f"{s['name']}, {kinds.get(s['kind'], s['kind']).lower()}"
            f" ({'required' if s['required'] else 'optional'})"
            + (f": {s['note']}" if s.get("note") else "")
            for s in snapshot.get("stakeholders") or []
        )
    if name == "dates":
        return _dates_text(snapshot)
    if name == "waves":
        return _lines(_wave_lines(snapshot.get("waves") or []))
    return str(snapshot.get(name) or "")


def _compare(old: dict[str, Any], new: dict[str, Any]) -> list[FieldChange]:
    changes = []
    for name, label in _SECTIONS:
        before, after = _section_text(old, name), _section_text(new, name)
        changes.append(FieldChange(name, label, before, after, before != after))
    return changes


def plan_revisions_compare(*, plan: DeploymentPlan, older: int, newer: int) -> list[FieldChange]:
    """Two kept revisions section by section (title, proposals, the text items, child
    rows a line each, rule, targets, measures, objectives, stakeholders, dates, waves).

    Raises ``DeploymentError`` (field ``older`` or ``newer``) for a revision the plan
    does not have, or when ``older`` comes after ``newer``.
    """
    revisions = {
        revision.number: revision
        for revision in PlanRevision.objects.filter(plan=plan, number__in=[older, newer])
    }
    for name, number in (("older", older), ("newer", newer)):
        if number not in revisions:
            raise DeploymentError(
                f"{plan.reference} has no revision {number} (it has 1 to {plan.revision}).",
                field=name,
            )
    if older > newer:
        raise DeploymentError(
            f"Revision {older} comes after revision {newer}: choose the older first.",
            field="older",
        )
    return _compare(revisions[older].snapshot, revisions[newer].snapshot)


def plan_revision_changes(plan: DeploymentPlan) -> list[str]:
    """Labels of the sections the current revision changed from the previous one
    (empty for revision 1 or when either snapshot is missing)."""
    if plan.revision < 2:
        return []
    try:
        changes = plan_revisions_compare(plan=plan, older=plan.revision - 1, newer=plan.revision)
    except DeploymentError:
        return []
    return [change.label for change in changes if change.changed]


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
