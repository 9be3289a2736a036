"""Who may do what with deployments: one module that pages, API and CLI ask.

- Reading needs ``deployments.view_*`` (every role has it).
- A plan is created with ``add_deploymentplan`` (process group, process owners, process
  action teams) and edited (content, stakeholders, waves, gates, targets, packages,
  results) by its owner or anyone with ``change_deploymentplan``.
- A plan is signed off only by a stakeholder the current revision was sent to, who
  also holds ``signoff_deploymentplan`` (a practitioner never does).
- A wave whose gate has not passed starts only when a person holding
  ``override_gate`` (sponsor, steering committee) overrides it, with a reason.
- A target's status, training and process version are updated by those who edit the
  plan, and by a project or service manager (``change_target``) for the targets of
  the work activities they manage (``WorkActivity.manager`` → ``Person.user``).
- Consulting is recorded with ``add_consultingentry``; receipts of a package with
  ``add_packagereceipt``; lessons with ``add_lesson``.
- The overload limit is set with ``change_coordinationsettings`` (process group).
"""

from __future__ import annotations

from typing import Any

from uplift.apps.deployments.choices import SignOffDecision
from uplift.apps.deployments.models import DeploymentPlan, SignOff, Target

__all__ = [
    "consulting_can_record",
    "coordination_can_change",
    "gate_can_override",
    "lesson_can_add",
    "plan_can_create",
    "plan_can_edit",
    "plan_can_see",
    "plan_can_signoff",
    "receipt_can_record",
    "target_can_update",
]


def _signed_in(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def plan_can_see(user: Any) -> bool:
    return _signed_in(user) and bool(user.has_perm("deployments.view_deploymentplan"))


def plan_can_create(user: Any) -> bool:
    return _signed_in(user) and bool(user.has_perm("deployments.add_deploymentplan"))


def plan_can_edit(user: Any, plan: DeploymentPlan) -> bool:
    """The plan's owner (holding ``add_deploymentplan``), or ``change_deploymentplan``."""
    if not _signed_in(user):
        return False
    if user.has_perm("deployments.change_deploymentplan"):
        return True
    return plan.owner_id == user.pk and bool(user.has_perm("deployments.add_deploymentplan"))


def plan_can_signoff(user: Any, signoff: SignOff) -> bool:
    """The named stakeholder of a pending sign-off of the plan's current revision."""
    return (
        _signed_in(user)
        and signoff.stakeholder_id == user.pk
        and signoff.revision == signoff.plan.revision
        and signoff.decision == SignOffDecision.PENDING
        and bool(user.has_perm("deployments.signoff_deploymentplan"))
    )


def gate_can_override(user: Any) -> bool:
    return _signed_in(user) and bool(user.has_perm("deployments.override_gate"))


def target_can_update(user: Any, target: Target) -> bool:
    """Plan editors, or the manager of the target's work activity holding ``change_target``."""
    if not _signed_in(user):
        return False
    if plan_can_edit(user, target.plan):
        return True
    if not user.has_perm("deployments.change_target"):
        return False
    manager = target.work_activity.manager
    return manager is not None and manager.user_id == user.pk


def consulting_can_record(user: Any, plan: DeploymentPlan) -> bool:
    return _signed_in(user) and (
        plan_can_edit(user, plan) or bool(user.has_perm("deployments.add_consultingentry"))
    )


def receipt_can_record(user: Any, plan: DeploymentPlan) -> bool:
    return _signed_in(user) and (
        plan_can_edit(user, plan) or bool(user.has_perm("deployments.add_packagereceipt"))
    )


def lesson_can_add(user: Any, plan: DeploymentPlan) -> bool:
    return _signed_in(user) and (
        plan_can_edit(user, plan) or bool(user.has_perm("deployments.add_lesson"))
    )


def coordination_can_change(user: Any) -> bool:
    return _signed_in(user) and bool(user.has_perm("deployments.change_coordinationsettings"))
