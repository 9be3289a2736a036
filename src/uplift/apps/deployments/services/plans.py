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

The services are split by topic, and every public name is re-exported here (import
from this module): ``plan_revisions`` (snapshot, the content-change hook, comparing
revisions), ``plan_signoffs`` (sign-off request, decision, status), ``plan_rows``
(stakeholders, measures, barriers, adjustments, risks) and ``plan_common`` (the shared
checks and helpers). This module keeps create, update and cancel.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from uplift.apps.deployments import permissions
from uplift.apps.deployments.choices import PlanState
from uplift.apps.deployments.errors import lock_for_update
from uplift.apps.deployments.models import (
    PLAN_TEXT_FIELDS,
    BarrierStrategy,
    DeploymentPlan,
    PlanMeasure,
)
from uplift.apps.deployments.services.plan_common import (
    CONTENT_FIELDS,
    DEPLOYABLE_STATES,
    SIGNOFF_PERMISSION,
    User,
    _baseline_now,
    _check_dates,
    _clean_content,
    _clean_owner,
    _clean_proposals,
    _clean_related,
    _clean_title,
    _edit_check,
    _now,
    _open,
    _refresh,
    _required_text,
    _save,
    _text,
)
from uplift.apps.deployments.services.plan_revisions import (
    _revise,
    _revision_keep,
    plan_content_changed,
    plan_revision_changes,
    plan_revisions_compare,
    plan_snapshot,
)
from uplift.apps.deployments.services.plan_rows import (
    adjustment_add,
    adjustment_remove,
    barrier_add,
    barrier_remove,
    barrier_update,
    measure_add,
    measure_remove,
    measure_update,
    risk_add,
    risk_remove,
    risk_update,
    stakeholder_add,
    stakeholder_remove,
)
from uplift.apps.deployments.services.plan_signoffs import (
    Reapproval,
    SignoffRow,
    SignoffStatus,
    plan_signoff_decide,
    plan_signoff_request,
    plan_signoff_status,
    signoff_candidates,
)
from uplift.apps.improvements.history import record_actor
from uplift.apps.improvements.services.plans import FieldChange, person_name, person_names

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

# -- create, update, cancel ------------------------------------------------------------


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
