"""Revisions of deployment plans: the snapshot a revision keeps, the content-change
hook (``plan_content_changed``) that makes revision N+1 once revision N was sent for
sign-off, and the section-by-section comparison of two kept revisions. The plan's life
is told in ``services.plans``; callers import from there.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Prefetch

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
from uplift.apps.deployments.services.plan_common import (
    _CLOSED,
    _TEXT_FIELDS,
    User,
    _may_sign,
    _now,
    _open,
    _refresh,
    _save,
    _text,
)
from uplift.apps.improvements.services.plans import FieldChange, person_name

__all__ = [
    "plan_content_changed",
    "plan_revision_changes",
    "plan_revisions_compare",
    "plan_snapshot",
]

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
