"""Who may do what with proposals and plans: one module that pages, API and CLI ask.

- Anyone signed in may submit a suggestion (``proposal_can_submit``) and see the
  proposals they submitted; reading anything else needs ``improvements.view_*``.
- Proposal transitions need the permission the life cycle names
  (``uplift.domain.proposal_lifecycle``): ``decide_proposal`` (process group) or
  ``select_proposal`` (steering committee, sponsor, process group).
- A plan is edited by its owner, a member of its process action team in the lead
  role, or anyone with ``change_actionplan``.
- A plan is approved only by a reviewer the current revision was sent to, who also
  holds ``review_actionplan`` (a practitioner never does).
"""

from __future__ import annotations

from typing import Any

from uplift.apps.improvements.choices import PlanRole
from uplift.apps.improvements.models import ActionPlan, Proposal, ReviewRequest

__all__ = [
    "plan_can_decide",
    "plan_can_edit",
    "plan_can_request_review",
    "proposal_can_edit",
    "proposal_can_see",
    "proposal_can_submit",
    "proposal_can_transition",
]


def proposal_can_submit(user: Any) -> bool:
    """Any signed-in user may suggest an improvement."""
    return bool(user.is_authenticated and user.is_active)


def proposal_can_see(user: Any, proposal: Proposal) -> bool:
    """Readers of proposals, and the person who submitted this one."""
    if not user.is_authenticated:
        return False
    return user.has_perm("improvements.view_proposal") or proposal.submitted_by_id == user.pk


def proposal_can_edit(user: Any, proposal: Proposal) -> bool:
    """``change_proposal``, or the submitter while it is still submitted."""
    if not user.is_authenticated:
        return False
    if user.has_perm("improvements.change_proposal"):
        return True
    return proposal.submitted_by_id == user.pk and proposal.state == "submitted"


def proposal_can_transition(user: Any, permission: str) -> bool:
    """Whether ``user`` holds the permission a transition names."""
    return bool(user.is_authenticated and user.has_perm(permission))


def plan_can_edit(user: Any, plan: ActionPlan) -> bool:
    """The plan's owner, its team's lead, or ``change_actionplan``."""
    if not user.is_authenticated:
        return False
    if user.has_perm("improvements.change_actionplan") or plan.owner_id == user.pk:
        return True
    return plan.members.filter(user=user, role=PlanRole.LEAD).exists()


def plan_can_request_review(user: Any, plan: ActionPlan) -> bool:
    """Whoever may edit the plan may send it for review."""
    return plan_can_edit(user, plan)


def plan_can_decide(user: Any, review: ReviewRequest) -> bool:
    """The reviewer the request was sent to, holding ``review_actionplan``."""
    return bool(
        user.is_authenticated
        and review.reviewer_id == user.pk
        and user.has_perm("improvements.review_actionplan")
    )
