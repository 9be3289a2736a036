"""Writes of process action plans: content, revisions, and review by stakeholders.

A plan (OPF SP 2.1, seed 002) addresses one or more *selected* proposals and covers
the nine items of ``PLAN_FIELDS``. Its life:

- ``plan_create`` writes it as a draft at revision 1 and keeps revision 1's snapshot
  (``PlanRevision``).
- ``plan_request_review`` asks named stakeholders to review the *current* revision,
  each as a required or an optional reviewer; the plan is then ``in_review``.
- ``plan_review_decide``: a reviewer approves or asks for changes (with a comment).
  The plan is ``approved`` when every required reviewer of the current revision has
  approved it.
- ``plan_update`` changes the content. While the current revision was never sent for
  review it is edited in place (its snapshot refreshed). Once it was sent for review,
  a change makes revision N+1: N's snapshot and decisions are kept, N's pending
  requests are marked superseded, and the same reviewers (same ``required`` flags)
  are asked to review N+1: "re-approval requested". An unchanged save writes nothing.

Who may do what (``uplift.apps.improvements.permissions``): creating needs
``improvements.add_actionplan``; editing and asking for reviews need
``plan_can_edit`` (owner, team lead, ``change_actionplan``); deciding needs
``review_actionplan`` *and* being the reviewer the current revision was sent to. A
refusal raises ``django.core.exceptions.PermissionDenied``; a rule the input breaks
raises ``ImprovementError`` naming the field; an edit started from an older
``version`` raises ``ConflictError`` naming who saved last. In every case nothing is
written. Every save of the plan goes through ``lock_for_update`` and adds one to
``version``.

Reads used by the pages and the API sit at the end: ``plan_approval_status`` (who was
asked for the current revision, what they decided, what is missing),
``plan_revision_list``, ``plan_snapshot`` and ``plan_revisions_compare``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from uplift.apps.improvements.choices import PlanState, ProposalState, ReviewDecision
from uplift.apps.improvements.errors import ImprovementError, lock_for_update
from uplift.apps.improvements.history import record_actor as _record_actor
from uplift.apps.improvements.models import (
    PLAN_FIELDS,
    ActionPlan,
    PlanRevision,
    Proposal,
    ReviewRequest,
)
from uplift.apps.improvements.permissions import plan_can_edit, plan_can_request_review

__all__ = [
    "CONTENT_FIELDS",
    "PLANNABLE_STATES",
    "REVIEW_PERMISSION",
    "ApprovalStatus",
    "DiffLine",
    "FieldChange",
    "Reapproval",
    "ReviewerStatus",
    "person_name",
    "person_names",
    "plan_approval_status",
    "plan_create",
    "plan_request_review",
    "plan_review_decide",
    "plan_review_list",
    "plan_reviewer_candidates",
    "plan_revision_list",
    "plan_revisions_compare",
    "plan_snapshot",
    "plan_update",
]

User = Any  # auth.User

ADD_PERMISSION = "improvements.add_actionplan"
REVIEW_PERMISSION = "improvements.review_actionplan"

# A plan addresses proposals that were selected (for validation or deployment) and not
# dropped since: the states from selection on, terminated and rejected excluded.
PLANNABLE_STATES: tuple[str, ...] = (
    ProposalState.SELECTED_FOR_VALIDATION,
    ProposalState.VALIDATING,
    ProposalState.VALIDATED,
    ProposalState.SELECTED_FOR_DEPLOYMENT,
    ProposalState.DEPLOYING,
    ProposalState.DEPLOYED,
)

# The nine items of seed 002, in order.
CONTENT_FIELDS: tuple[str, ...] = tuple(name for name, _ in PLAN_FIELDS)
_LABELS: dict[str, str] = {
    "title": "Title",
    **dict(PLAN_FIELDS),
    "proposals": "Proposals addressed",
}
_TITLE_MAX = 200  # ActionPlan.title's max_length
_DECISIONS = (ReviewDecision.APPROVED, ReviewDecision.CHANGES_REQUESTED)


# -- names -----------------------------------------------------------------------------------


def person_name(user: Any) -> str:
    """A person as people read them: the full name, else the user name."""
    return str(user.get_full_name() or user.get_username())


def person_names(users: Iterable[Any]) -> str:
    """``"Grace Okafor"``, ``"Grace Okafor and Daniel Reyes"``, ``"A, B and C"``."""
    names = [person_name(user) for user in users]
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


# -- checks ------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    """Stored text: stripped, with the newlines browsers send (CRLF) made plain."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ImprovementError("Enter text.")
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def _clean_title(value: Any) -> str:
    try:
        title = _text(value)
    except ImprovementError:
        raise ImprovementError("Enter text.", field="title") from None
    if not title:
        raise ImprovementError("Give the plan a title.", field="title")
    if len(title) > _TITLE_MAX:
        raise ImprovementError(f"At most {_TITLE_MAX} characters.", field="title")
    return title


def _clean_content(fields: dict[str, Any]) -> dict[str, str]:
    unknown = sorted(set(fields) - set(CONTENT_FIELDS))
    if unknown:
        raise ImprovementError(
            f"Not a field of a process action plan: {', '.join(unknown)}.", field=unknown[0]
        )
    cleaned = {}
    for name, value in fields.items():
        try:
            cleaned[name] = _text(value)
        except ImprovementError:
            raise ImprovementError("Enter text.", field=name) from None
    return cleaned


def _clean_owner(owner: Any) -> Any:
    if owner is None or getattr(owner, "pk", None) is None:
        raise ImprovementError("Name the plan's owner.", field="owner")
    if not owner.is_active:
        raise ImprovementError(f"{person_name(owner)} cannot sign in any more.", field="owner")
    return owner


def _clean_proposals(proposals: Iterable[Any], *, already: Iterable[int] = ()) -> list[Proposal]:
    """The proposals, each selected (a proposal already on the plan may have moved on)."""
    chosen: list[Proposal] = []
    for proposal in proposals:
        if not isinstance(proposal, Proposal) or proposal.pk is None:
            raise ImprovementError("Choose proposals.", field="proposals")
        if proposal.pk not in {p.pk for p in chosen}:
            chosen.append(proposal)
    if not chosen:
        raise ImprovementError("A plan addresses at least one proposal.", field="proposals")
    kept = set(already)
    refused = [p for p in chosen if p.pk not in kept and p.state not in PLANNABLE_STATES]
    if refused:
        described = ", ".join(f"{p.reference} is {p.get_state_display().lower()}" for p in refused)
        raise ImprovementError(
            "A plan addresses selected proposals only (selected for validation or later, "
            f"not terminated): {described}.",
            field="proposals",
        )
    return chosen


def _now() -> datetime:
    return timezone.now()


# -- snapshots ---------------------------------------------------------------------------------


def _proposal_entries(proposals: Iterable[Proposal]) -> list[dict[str, Any]]:
    return [
        {"id": p.pk, "reference": p.reference, "title": p.title}
        for p in sorted(proposals, key=lambda p: p.pk)
    ]


def plan_snapshot(plan: ActionPlan) -> dict[str, Any]:
    """The content a revision keeps: title, the nine items, the proposals (id, reference,
    title), as JSON-ready values."""
    return {
        "title": plan.title,
        **{name: getattr(plan, name) for name in CONTENT_FIELDS},
        "proposals": _proposal_entries(plan.proposals.all()),
    }


def _revision_keep(
    plan: ActionPlan, *, actor: User, reason: str, snapshot: dict[str, Any]
) -> PlanRevision:
    """Keep (or, editing in place, refresh) the snapshot of the plan's current revision."""
    revision = PlanRevision.objects.filter(plan=plan, number=plan.revision).first()
    if revision is None:
        revision = PlanRevision(
            plan=plan, number=plan.revision, snapshot=snapshot, reason=reason, created_by=actor
        )
        revision.full_clean()
        revision.save(force_insert=True)
        return revision
    revision.snapshot = snapshot
    fields = ["snapshot"]
    if reason:
        revision.reason = reason
        fields.append("reason")
    revision.full_clean()
    revision.save(update_fields=fields)
    return revision


# -- create and update -------------------------------------------------------------------------


@transaction.atomic
def plan_create(
    *,
    actor: User,
    title: str,
    owner: User,
    proposals: Iterable[Proposal],
    reason: str = "",
    **fields: Any,
) -> ActionPlan:
    """Write a draft plan at revision 1 and keep revision 1's snapshot.

    ``fields`` are any of the nine ``PLAN_FIELDS``. Needs ``improvements.add_actionplan``
    (``PermissionDenied``). Raises ``ImprovementError`` for an empty title, no owner,
    no proposal, a proposal not selected (state in ``PLANNABLE_STATES``) or an unknown
    field.
    """
    if not actor.has_perm(ADD_PERMISSION):
        raise PermissionDenied("You may not write process action plans.")
    clean_title = _clean_title(title)
    content = _clean_content(fields)
    owner = _clean_owner(owner)
    chosen = _clean_proposals(proposals)
    now = _now()
    plan = ActionPlan(
        title=clean_title,
        owner=owner,
        state=PlanState.DRAFT,
        revision=1,
        version=1,
        created_at=now,
        updated_at=now,
        **content,
    )
    plan.full_clean()
    _record_actor(plan, actor, reason)
    plan.save(force_insert=True)
    plan.proposals.set(chosen)
    _revision_keep(plan, actor=actor, reason=_text(reason), snapshot=plan_snapshot(plan))
    return plan


def _changes(
    plan: ActionPlan, values: dict[str, Any], proposals: list[Proposal] | None
) -> tuple[list[str], bool]:
    changed = [
        name
        for name, value in values.items()
        if (plan.owner_id != value.pk if name == "owner" else getattr(plan, name) != value)
    ]
    proposals_changed = proposals is not None and {p.pk for p in proposals} != set(
        plan.proposals.values_list("pk", flat=True)
    )
    return changed, proposals_changed


@transaction.atomic
def plan_update(
    *,
    plan: ActionPlan,
    actor: User,
    expected_version: int | None,
    reason: str = "",
    **fields: Any,
) -> ActionPlan:
    """Change a plan's title, nine items or proposals; see the module docstring.

    ``fields`` are any of ``title``, ``proposals`` and the nine ``PLAN_FIELDS`` (the
    content a revision keeps), and ``owner`` (not content: changing only the owner is
    saved in place, never as a new revision).
    ``expected_version`` is the ``version`` the edit started from (``None``: take the
    plan as it is). Returns the plan as saved; ``plan.revision`` tells whether a new
    revision was made. Raises ``PermissionDenied`` unless ``plan_can_edit``,
    ``ConflictError`` for a stale version, ``ImprovementError`` for bad input.
    """
    if not plan_can_edit(actor, plan):
        raise PermissionDenied("You may not edit this process action plan.")
    title = _clean_title(fields.pop("title")) if "title" in fields else None
    new_proposals = fields.pop("proposals", None)
    owner = _clean_owner(fields.pop("owner")) if "owner" in fields else None
    content = _clean_content(fields)
    reason = _text(reason)

    locked = lock_for_update(
        ActionPlan.objects.all(), pk=plan.pk, expected_version=expected_version
    )
    current_ids = list(locked.proposals.values_list("pk", flat=True))
    proposals = (
        _clean_proposals(new_proposals, already=current_ids) if new_proposals is not None else None
    )
    values: dict[str, Any] = dict(content)
    if title is not None:
        values["title"] = title
    if owner is not None:
        values["owner"] = owner
    changed, proposals_changed = _changes(locked, values, proposals)
    if not changed and not proposals_changed:
        return locked  # an unchanged save changes nothing

    # The owner is not content: changing only the owner never makes a revision.
    content_changed = proposals_changed or any(name != "owner" for name in changed)
    sent_for_review = (
        content_changed
        and ReviewRequest.objects.filter(plan=locked, revision=locked.revision).exists()
    )
    for name in changed:
        setattr(locked, name, values[name])
    previous = locked.revision
    update_fields = [*changed, "version", "updated_at"]
    if sent_for_review:
        locked.revision = previous + 1
        update_fields.append("revision")
    locked.version += 1
    locked.updated_at = _now()
    _record_actor(locked, actor, reason)
    if sent_for_review:
        asked_again = _supersede_and_ask_again(locked, actor=actor, previous=previous)
        state = PlanState.IN_REVIEW if asked_again else PlanState.DRAFT
        if locked.state != state:
            locked.state = state
            update_fields.append("state")
    locked.full_clean()
    if proposals_changed and proposals is not None:
        # One history record for the whole change (the save's, which stores the
        # proposals as they are then), not one more per removal and addition.
        setattr(locked, "skip_history_when_saving", True)  # noqa: B010  (simple-history's hook)
        locked.proposals.set(proposals)
        delattr(locked, "skip_history_when_saving")
    locked.save(update_fields=update_fields)
    if content_changed:
        _revision_keep(locked, actor=actor, reason=reason, snapshot=plan_snapshot(locked))
    _refresh(plan, locked)
    return plan


def _supersede_and_ask_again(
    plan: ActionPlan, *, actor: User, previous: int
) -> list[ReviewRequest]:
    """Mark revision ``previous``'s pending requests superseded; ask the same reviewers
    (same ``required`` flags) to review the plan's new revision.

    A reviewer who has lost ``review_actionplan`` since is not asked again (asking them
    is refused everywhere else too).
    """
    earlier = list(
        ReviewRequest.objects.filter(plan=plan, revision=previous)
        .select_related("reviewer")
        .order_by("pk")
    )
    ReviewRequest.objects.filter(
        plan=plan, revision=previous, decision=ReviewDecision.PENDING
    ).update(decision=ReviewDecision.SUPERSEDED)
    now = _now()
    asked = []
    for review in earlier:
        if not (review.reviewer.is_active and review.reviewer.has_perm(REVIEW_PERMISSION)):
            continue
        request = ReviewRequest(
            plan=plan,
            revision=plan.revision,
            reviewer=review.reviewer,
            required=review.required,
            requested_by=actor,
            requested_at=now,
        )
        request.full_clean()
        request.save(force_insert=True)
        asked.append(request)
    return asked


def _refresh(target: ActionPlan, source: ActionPlan) -> None:
    """Bring the caller's instance up to the saved row (it may be another object)."""
    if target is source:
        return
    for field in ActionPlan._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


def _settle_state(plan: ActionPlan) -> str:
    """The state the current revision's requests give: draft (none), approved (every
    required reviewer approved, at least one required), else in review."""
    reviews = list(
        ReviewRequest.objects.filter(plan=plan, revision=plan.revision).exclude(
            decision=ReviewDecision.SUPERSEDED
        )
    )
    if not reviews:
        return PlanState.DRAFT
    required = [review for review in reviews if review.required]
    if required and all(review.decision == ReviewDecision.APPROVED for review in required):
        return PlanState.APPROVED
    return PlanState.IN_REVIEW


def _save_state(plan: ActionPlan, *, actor: User, reason: str) -> None:
    state = _settle_state(plan)
    if plan.state == state:
        return
    plan.state = state
    plan.version += 1
    plan.updated_at = _now()
    _record_actor(plan, actor, reason)
    plan.full_clean()
    plan.save(update_fields=["state", "version", "updated_at"])


# -- reviews ------------------------------------------------------------------------------------


@transaction.atomic
def plan_request_review(
    *, plan: ActionPlan, actor: User, reviewers: Sequence[tuple[User, bool]]
) -> list[ReviewRequest]:
    """Ask stakeholders to review the plan's current revision: ``(user, required)`` pairs.

    Each reviewer must hold ``improvements.review_actionplan`` (else ``ImprovementError``
    on ``reviewers`` naming the person: a practitioner is never asked). A person already
    asked for this revision is not asked twice (their ``required`` flag is updated while
    their review is pending); asking nobody new is refused. At least one reviewer of
    the revision must be required. The plan is then in review (approved again only
    when every required reviewer has approved). Needs ``plan_can_request_review``.
    Returns the new requests.
    """
    if not plan_can_request_review(actor, plan):
        raise PermissionDenied("You may not ask for reviews of this process action plan.")
    if not reviewers:
        raise ImprovementError("Name at least one reviewer.", field="reviewers")
    wanted: dict[int, tuple[Any, bool]] = {}
    for user, required in reviewers:
        if user is None or getattr(user, "pk", None) is None:
            raise ImprovementError("Name the reviewers.", field="reviewers")
        wanted[user.pk] = (user, bool(required))
    unable = [u for u, _ in wanted.values() if not (u.is_active and u.has_perm(REVIEW_PERMISSION))]
    if unable:
        raise ImprovementError(
            f"{person_names(unable)} may not review process action plans (only holders of "
            "the review permission, such as process owners, project managers and the "
            "steering committee, may).",
            field="reviewers",
        )

    locked = lock_for_update(ActionPlan.objects.all(), pk=plan.pk, expected_version=None)
    existing = {
        review.reviewer_id: review
        for review in ReviewRequest.objects.filter(plan=locked, revision=locked.revision)
    }
    created: list[ReviewRequest] = []
    changed_flags = False
    now = _now()
    for user, required in wanted.values():
        review = existing.get(user.pk)
        if review is not None:
            if review.decision == ReviewDecision.PENDING and review.required != required:
                review.required = required
                review.save(update_fields=["required"])
                changed_flags = True
            continue
        review = ReviewRequest(
            plan=locked,
            revision=locked.revision,
            reviewer=user,
            required=required,
            requested_by=actor,
            requested_at=now,
        )
        review.full_clean()
        review.save(force_insert=True)
        created.append(review)
        existing[user.pk] = review
    if not created and not changed_flags:
        raise ImprovementError(
            f"{person_names(u for u, _ in wanted.values())} "
            f"{'was' if len(wanted) == 1 else 'were'} already asked to review revision "
            f"{locked.revision}.",
            field="reviewers",
        )
    if not any(review.required for review in existing.values()):
        raise ImprovementError(
            "Make at least one reviewer required: the plan is approved when every "
            "required reviewer has approved it.",
            field="reviewers",
        )
    _save_state(locked, actor=actor, reason=f"Review of revision {locked.revision} requested")
    _refresh(plan, locked)
    return created


@transaction.atomic
def plan_review_decide(
    *, review: ReviewRequest, actor: User, decision: str, comment: str
) -> ReviewRequest:
    """The reviewer's decision on the revision they were asked to review.

    ``decision`` is ``"approved"`` or ``"changes_requested"`` (the latter needs a
    comment). Only ``review.reviewer``, holding ``review_actionplan``, may decide, only
    while the request is pending and only for the plan's current revision
    (``PermissionDenied`` otherwise: a stakeholder cannot approve a revision they were
    not asked to review). When every required reviewer of the current revision has
    approved, the plan is approved.
    """
    if not actor.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied("You may not approve process action plans.")
    if review.reviewer_id != actor.pk:
        raise PermissionDenied(
            "You were not asked to review this revision; only the reviewer it was sent to "
            "may decide."
        )
    if decision not in _DECISIONS:
        raise ImprovementError("Approve, or request changes.", field="decision")
    comment = _text(comment)
    if decision == ReviewDecision.CHANGES_REQUESTED and not comment:
        raise ImprovementError("Say which changes you need.", field="comment")

    plan = lock_for_update(ActionPlan.objects.all(), pk=review.plan_id, expected_version=None)
    locked = ReviewRequest.objects.select_for_update().get(pk=review.pk)
    if locked.revision != plan.revision:
        raise PermissionDenied(
            f"This request was for revision {locked.revision}; the plan is at revision "
            f"{plan.revision}, and you were not asked to review that one."
        )
    if locked.decision != ReviewDecision.PENDING:
        raise PermissionDenied(
            f"You already decided on revision {locked.revision} "
            f"({locked.get_decision_display().lower()})."
        )
    locked.decision = decision
    locked.comment = comment
    locked.decided_at = _now()
    locked.full_clean()
    locked.save(update_fields=["decision", "comment", "decided_at"])
    verb = "approved" if decision == ReviewDecision.APPROVED else "asked for changes to"
    _save_state(plan, actor=actor, reason=f"{person_name(actor)} {verb} revision {plan.revision}")
    for name in ("decision", "comment", "decided_at"):
        setattr(review, name, getattr(locked, name))
    return review


# -- reads ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewerStatus:
    """One reviewer of a revision: who, required or optional, and their decision."""

    review_id: int
    reviewer: Any
    name: str
    required: bool
    decision: str
    decision_label: str
    comment: str
    requested_at: datetime
    decided_at: datetime | None

    @property
    def pending(self) -> bool:
        return self.decision == ReviewDecision.PENDING

    @property
    def approved(self) -> bool:
        return self.decision == ReviewDecision.APPROVED


@dataclass(frozen=True)
class Reapproval:
    """The current revision replaced one that had been sent for review."""

    revision: int
    previous: int
    changed: tuple[str, ...]  # labels of the fields that changed, in order
    reason: str
    reviewers: str  # the names of those asked again

    @property
    def changed_text(self) -> str:
        if not self.changed:
            return "nothing in the content"
        if len(self.changed) == 1:
            return self.changed[0]
        return f"{', '.join(self.changed[:-1])} and {self.changed[-1]}"


@dataclass(frozen=True)
class ApprovalStatus:
    """Where the plan's current revision stands with its reviewers."""

    revision: int
    state: str
    reviewers: tuple[ReviewerStatus, ...]
    approved: bool
    missing: tuple[ReviewerStatus, ...]  # required reviewers who have not approved yet
    changes_requested: tuple[ReviewerStatus, ...]
    reapproval: Reapproval | None

    @property
    def requested(self) -> bool:
        """Whether the current revision was sent for review at all."""
        return bool(self.reviewers)

    @property
    def waiting_for(self) -> str:
        """``"waiting for Grace Okafor and Daniel Reyes"`` (pending required reviewers)."""
        pending = [status.reviewer for status in self.missing if status.pending]
        return f"waiting for {person_names(pending)}" if pending else ""

    @property
    def summary(self) -> str:
        """One sentence: approved by whom, or what is missing."""
        if not self.requested:
            return f"Revision {self.revision} has not been sent for review."
        if self.approved:
            names = person_names(s.reviewer for s in self.reviewers if s.required)
            return f"Revision {self.revision} is approved by {names}."
        parts = []
        if self.changes_requested:
            names = person_names(s.reviewer for s in self.changes_requested)
            parts.append(f"changes requested by {names}")
        if self.waiting_for:
            parts.append(self.waiting_for)
        if not any(s.required for s in self.reviewers):
            parts.append("no required reviewer named yet")
        text = "; ".join(parts)
        return f"Revision {self.revision} is not approved yet: {text}."

    def for_user(self, user: Any) -> ReviewerStatus | None:
        """The request of the current revision sent to ``user``, if any."""
        for status in self.reviewers:
            if status.reviewer.pk == getattr(user, "pk", None):
                return status
        return None


def _reviewer_status(review: ReviewRequest) -> ReviewerStatus:
    return ReviewerStatus(
        review_id=review.pk,
        reviewer=review.reviewer,
        name=person_name(review.reviewer),
        required=review.required,
        decision=review.decision,
        decision_label=review.get_decision_display(),
        comment=review.comment,
        requested_at=review.requested_at,
        decided_at=review.decided_at,
    )


def plan_approval_status(plan: ActionPlan) -> ApprovalStatus:
    """The current revision's reviewers and decisions, what is missing, and whether it
    replaced a revision that had been sent for review (re-approval). Two queries."""
    numbers = [plan.revision, plan.revision - 1]
    reviews = list(
        ReviewRequest.objects.filter(plan=plan, revision__in=numbers)
        .select_related("reviewer")
        .order_by("-required", "requested_at", "pk")
    )
    current = tuple(
        _reviewer_status(review)
        for review in reviews
        if review.revision == plan.revision and review.decision != ReviewDecision.SUPERSEDED
    )
    required = [status for status in current if status.required]
    approved = bool(required) and all(status.approved for status in required)
    missing = tuple(status for status in required if not status.approved)
    changes = tuple(s for s in current if s.decision == ReviewDecision.CHANGES_REQUESTED)
    reapproval = None
    if plan.revision > 1 and any(review.revision == plan.revision - 1 for review in reviews):
        revisions = {
            revision.number: revision
            for revision in PlanRevision.objects.filter(plan=plan, number__in=numbers)
        }
        newer, older = revisions.get(plan.revision), revisions.get(plan.revision - 1)
        changed: tuple[str, ...] = ()
        if newer is not None and older is not None:
            changed = tuple(c.label for c in _compare(older.snapshot, newer.snapshot) if c.changed)
        reapproval = Reapproval(
            revision=plan.revision,
            previous=plan.revision - 1,
            changed=changed,
            reason=newer.reason if newer is not None else "",
            reviewers=person_names(status.reviewer for status in current),
        )
    return ApprovalStatus(
        revision=plan.revision,
        state=plan.state,
        reviewers=current,
        approved=approved,
        missing=missing,
        changes_requested=changes,
        reapproval=reapproval,
    )


def plan_reviewer_candidates() -> QuerySet[Any]:
    """Active users who may review plans (``review_actionplan`` by role, directly, or as
    superusers), by name."""
    permission = Permission.objects.filter(
        content_type__app_label="improvements", codename="review_actionplan"
    ).first()
    holders = Q(is_superuser=True)
    if permission is not None:
        holders |= Q(user_permissions=permission) | Q(groups__permissions=permission)
    return (
        get_user_model()
        .objects.filter(holders, is_active=True)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def plan_review_list(plan: ActionPlan) -> QuerySet[ReviewRequest]:
    """Every review request of every revision: newest revision first, required first."""
    return (
        ReviewRequest.objects.filter(plan=plan)
        .select_related("reviewer", "requested_by")
        .order_by("-revision", "-required", "pk")
    )


def plan_revision_list(plan: ActionPlan) -> QuerySet[PlanRevision]:
    """Every kept revision of the plan, oldest first, with who made it."""
    return PlanRevision.objects.filter(plan=plan).select_related("created_by").order_by("number")


@dataclass(frozen=True)
class DiffLine:
    """One line of a field's text in a comparison: kept, removed or added."""

    kind: str  # "same", "removed", "added"
    text: str


@dataclass(frozen=True)
class FieldChange:
    """One field of two revisions side by side."""

    field: str
    label: str
    old: str
    new: str
    changed: bool

    @property
    def lines(self) -> tuple[DiffLine, ...]:
        """The text line by line, removed and added lines marked (for highlighting)."""
        old, new = self.old.splitlines(), self.new.splitlines()
        lines: list[DiffLine] = []
        matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                lines += [DiffLine("same", text) for text in old[i1:i2]]
                continue
            lines += [DiffLine("removed", text) for text in old[i1:i2]]
            lines += [DiffLine("added", text) for text in new[j1:j2]]
        return tuple(lines)

    def as_json(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "label": self.label,
            "old": self.old,
            "new": self.new,
            "changed": self.changed,
        }


def _proposals_text(entries: Any) -> str:
    return "\n".join(f"{entry['reference']} {entry['title']}" for entry in entries or [])


def _compare(old: dict[str, Any], new: dict[str, Any]) -> list[FieldChange]:
    changes = []
    for name in ("title", *CONTENT_FIELDS):
        before, after = str(old.get(name) or ""), str(new.get(name) or "")
        changes.append(FieldChange(name, _LABELS[name], before, after, before != after))
    before = _proposals_text(old.get("proposals"))
    after = _proposals_text(new.get("proposals"))
    changes.append(FieldChange("proposals", _LABELS["proposals"], before, after, before != after))
    return changes


def plan_revisions_compare(*, plan: ActionPlan, older: int, newer: int) -> list[FieldChange]:
    """Two kept revisions field by field: title, the nine items in order, proposals.

    Raises ``ImprovementError`` (field ``older`` or ``newer``) for a revision the plan
    does not have, or when ``older`` comes after ``newer``.
    """
    revisions = {
        revision.number: revision
        for revision in PlanRevision.objects.filter(plan=plan, number__in=[older, newer])
    }
    for name, number in (("older", older), ("newer", newer)):
        if number not in revisions:
            raise ImprovementError(
                f"{plan.reference} has no revision {number} (it has 1 to {plan.revision}).",
                field=name,
            )
    if older > newer:
        raise ImprovementError(
            f"Revision {older} comes after revision {newer}: choose the older first.",
            field="older",
        )
    return _compare(revisions[older].snapshot, revisions[newer].snapshot)
