"""Sign-off of deployment plans: asking the plan's stakeholders to agree to its current
revision, their decision (agreed, or objected with a comment), and where the revision
stands with them (``plan_signoff_status``). See ``services.plans``; callers import from
there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from uplift.apps.deployments.choices import SignOffDecision
from uplift.apps.deployments.errors import DeploymentError, lock_for_update
from uplift.apps.deployments.models import (
    DeploymentPlan,
    PlanRevision,
    SignOff,
    Stakeholder,
)
from uplift.apps.deployments.services.plan_common import (
    _DECISIONS,
    SIGNOFF_PERMISSION,
    User,
    _edit_check,
    _may_sign,
    _now,
    _open,
    _refresh,
    _text,
)
from uplift.apps.deployments.services.plan_revisions import (
    _revision_keep,
    _save_state,
    plan_snapshot,
)
from uplift.apps.improvements.services.plans import person_name, person_names

__all__ = [
    "Reapproval",
    "SignoffRow",
    "SignoffStatus",
    "plan_signoff_decide",
    "plan_signoff_request",
    "plan_signoff_status",
    "signoff_candidates",
]

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
