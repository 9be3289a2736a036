"""Who may do what with the service portfolio: one module that pages, API and CLI ask,
and that the services check again.

- Reading needs ``service_portfolio.view_*`` (every role has it).
- A service is created with ``add_service`` (process group): a *portfolio manager*.
- A service, its objectives, cost and demand, changes and continuity plans are edited by
  a portfolio manager, or by the service's owner holding the row's permission
  (``change_service``, ``add_servicelevelobjective``... the service owner role).
- A compliance check is recorded (``add_compliancecheck``) by a portfolio manager, the
  service's owner, or a person who decides waivers; a *waiver* also needs
  ``waive_compliancecheck`` (process group, sponsor, steering committee): an owner does
  not waive their own service.
- Policies are written with ``add_policy`` / ``change_policy`` (process group).
- Reviews are opened and edited with ``add_review`` / ``change_review`` (process group,
  sponsor, steering committee); decisions are recorded with ``add_decision`` while the
  review is open. Turning a decision into an improvement proposal also needs
  ``improvements.add_proposal`` (the proposal's own rule).
- The scorecard's settings change with ``change_scorecardsettings`` (process group).
"""

from __future__ import annotations

from typing import Any

from uplift.apps.service_portfolio.choices import ReviewState
from uplift.apps.service_portfolio.models import Decision, Policy, Review, Service

__all__ = [
    "compliance_can_record",
    "compliance_can_waive",
    "decision_can_add",
    "decision_can_propose",
    "policy_can_create",
    "policy_can_edit",
    "portfolio_can_manage",
    "review_can_edit",
    "review_can_open",
    "service_can_create",
    "service_can_edit",
    "service_can_see",
    "service_row_can",
    "settings_can_change",
]

_APP = "service_portfolio"


def _signed_in(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def _perm(user: Any, codename: str) -> bool:
    return _signed_in(user) and bool(user.has_perm(f"{_APP}.{codename}"))


def service_can_see(user: Any) -> bool:
    return _perm(user, "view_service")


def portfolio_can_manage(user: Any) -> bool:
    """A portfolio manager (``add_service``): edits every service and its rows."""
    return _perm(user, "add_service")


def service_can_create(user: Any) -> bool:
    return portfolio_can_manage(user)


def _owns(user: Any, service: Service) -> bool:
    return _signed_in(user) and service.owner_id == user.pk


def service_can_edit(user: Any, service: Service) -> bool:
    """A portfolio manager, or the service's owner holding ``change_service``."""
    if portfolio_can_manage(user):
        return True
    return _owns(user, service) and _perm(user, "change_service")


def service_row_can(user: Any, service: Service, action: str, model: str) -> bool:
    """``action`` (add, change, delete) a row of ``model`` (servicelevelobjective,
    serviceperiod, servicechange, continuityplan) of ``service``."""
    if not _perm(user, f"{action}_{model}"):
        return False
    return portfolio_can_manage(user) or _owns(user, service)


def compliance_can_record(user: Any, service: Service) -> bool:
    """``add_compliancecheck`` and: a portfolio manager, the service's owner, or a person
    who decides waivers (sponsor, steering committee), who must be able to record one."""
    if not _perm(user, "add_compliancecheck"):
        return False
    return portfolio_can_manage(user) or _owns(user, service) or compliance_can_waive(user)


def compliance_can_waive(user: Any) -> bool:
    return _perm(user, "waive_compliancecheck")


def policy_can_create(user: Any) -> bool:
    return _perm(user, "add_policy")


def policy_can_edit(user: Any, policy: Policy) -> bool:
    return _perm(user, "change_policy")


def review_can_open(user: Any) -> bool:
    return _perm(user, "add_review")


def review_can_edit(user: Any, review: Review) -> bool:
    return _perm(user, "change_review")


def decision_can_add(user: Any, review: Review) -> bool:
    return review.state == ReviewState.OPEN and _perm(user, "add_decision")


def decision_can_propose(user: Any, decision: Decision) -> bool:
    """Not yet a proposal, and the person may record decisions and submit proposals from a
    source other than a suggestion (``improvements.add_proposal``)."""
    return (
        decision.proposal_id is None
        and _perm(user, "add_decision")
        and bool(user.has_perm("improvements.add_proposal"))
    )


def settings_can_change(user: Any) -> bool:
    return _perm(user, "change_scorecardsettings")
