"""Shared pieces of the deployment plan services (``services.plans`` and its topic
modules): the permissions and field lists, the input checks, the save with its history,
and the baseline a plan measure starts from. Callers import from ``services.plans``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from uplift.apps.deployments import permissions
from uplift.apps.deployments.choices import (
    PlanState,
    SignOffDecision,
)
from uplift.apps.deployments.errors import DeploymentError
from uplift.apps.deployments.models import (
    PLAN_TEXT_FIELDS,
    DeploymentPlan,
    PlanMeasure,
    Target,
)
from uplift.apps.improvements.choices import ProposalState
from uplift.apps.improvements.history import record_actor
from uplift.apps.improvements.services.plans import person_name
from uplift.apps.measurements.selectors import baselines_for
from uplift.apps.measurements.services.baselines import baseline_compute
from uplift.apps.measurements.services.measures import MeasurementError

__all__ = [
    "CONTENT_FIELDS",
    "DEPLOYABLE_STATES",
    "PLAN_PERMISSION",
    "SIGNOFF_PERMISSION",
    "ActionPlan",
    "Measure",
    "Objective",
    "Proposal",
    "User",
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


# -- saving -------------------------------------------------------------------------


def _now() -> datetime:
    return timezone.now()


def _refresh(target: DeploymentPlan, source: DeploymentPlan) -> None:
    """Bring the caller's instance up to the saved row (it may be another object)."""
    if target is source:
        return
    for field in DeploymentPlan._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


def _save(plan: DeploymentPlan, *, actor: User, reason: str, fields: Iterable[str]) -> None:
    """Save ``fields`` with a version bump and the history's who and why."""
    plan.version += 1
    plan.updated_at = _now()
    record_actor(plan, actor, reason)
    plan.full_clean()
    plan.save(update_fields=sorted({*fields, "version", "updated_at"}))


def _may_sign(user: Any) -> bool:
    return bool(user.is_active and user.has_perm(SIGNOFF_PERMISSION))


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
