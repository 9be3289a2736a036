"""A target's status, training, process version and dates (SP 3.2 subpractices 1, 4, 7).

Status (``TargetStatus``): not started → preparing → deployed → confirmed; opted out
(with a reason) from not started or preparing; rolled back (with a reason) from
deployed or confirmed; confirmed only from deployed; from opted out or rolled back back
to preparing (a new attempt, which clears the dates and the reason of the last one).
The moves are ``uplift.domain.deployment.target_transition_check``. Setting deployed
stamps ``deployed_on`` (``on``, default today), confirmed stamps ``confirmed_on`` (not
before ``deployed_on``); neither may be in the future. ``on`` is ignored by the other
moves.

Who: ``permissions.target_can_update``: the plan's editors, and a project or service
manager (``change_target``) for the targets of the work activities they manage. The
wave and the planned date are the plan's schedule: only its editors change them, and
that is a content change of the plan (``services.plans.plan_content_changed``); a
status, training share or process version is not.

Refused (``DeploymentError``, nothing written): an excluded target (include it again
first), a closed plan (complete or cancelled), a move the rules do not allow, a value
out of range. ``targets_bulk_update`` changes many targets in one transaction, all or
nothing: the first offending target is named in the error. Every save bumps
``version`` and records who and why in the target's history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from uplift.apps.deployments.choices import PlanState, TargetStatus
from uplift.apps.deployments.errors import DeploymentError, lock_for_update
from uplift.apps.deployments.models import ConsultingEntry, DeploymentPlan, Target, Wave
from uplift.apps.deployments.permissions import plan_can_edit, target_can_update
from uplift.apps.deployments.services import plans as plan_services
from uplift.apps.improvements.history import record_actor
from uplift.domain.deployment import DeploymentRuleError, target_transition_check

__all__ = [
    "PLAN_FIELDS",
    "UPDATE_FIELDS",
    "target_counts",
    "target_list",
    "target_list_managed_by",
    "target_status_set",
    "target_update",
    "targets_bulk_update",
]

User = Any  # auth.User

# The fields ``target_update`` takes; the plan's schedule needs ``plan_can_edit``.
UPDATE_FIELDS: tuple[str, ...] = ("training_percent", "process_version", "planned_on", "wave")
PLAN_FIELDS: frozenset[str] = frozenset({"planned_on", "wave"})
_CLOSED = (PlanState.COMPLETE, PlanState.CANCELLED)
_LABELS = dict(TargetStatus.choices)


def _name(target: Target) -> str:
    return str(target.work_activity)


def _lock(target: Target, expected_version: int | None) -> Target:
    # No select_related: PostgreSQL refuses FOR UPDATE over an outer join (the manager),
    # and an inner join would lock the plan's and work activity's rows as well.
    return lock_for_update(Target.objects.all(), pk=target.pk, expected_version=expected_version)


def _require_writable(row: Target) -> None:
    if row.plan.state in _CLOSED:
        raise DeploymentError(
            f"{row.plan.reference} is {row.plan.get_state_display().lower()}: its targets no "
            "longer change.",
            field="plan",
        )
    if row.excluded:
        raise DeploymentError(
            f"{_name(row)} is excluded from the plan: include it again before updating it.",
            field="excluded",
        )


def _save(row: Target, actor: User, reason: str, fields: Sequence[str]) -> None:
    row.updated_at = timezone.now()
    row.updated_by = actor if getattr(actor, "pk", None) else None
    row.version += 1
    record_actor(row, actor, reason)
    row.save(update_fields=[*fields, "updated_at", "updated_by", "version"])


def _content_changed(*, plan: DeploymentPlan, actor: User, reason: str) -> None:
    plan_services.plan_content_changed(plan=plan, actor=actor, reason=reason)


def _day(on: Any, field: str) -> dt.date:
    today = timezone.localdate()
    if on is None:
        return today
    if isinstance(on, dt.datetime) or not isinstance(on, dt.date):
        raise DeploymentError("Give a date (YYYY-MM-DD).", field=field)
    if on > today:
        raise DeploymentError(
            f"{on:%Y-%m-%d} is in the future; give the day it happened.", field=field
        )
    return on


def _apply_status(
    row: Target, *, status: str, reason: str, on: dt.date | None
) -> tuple[list[str], str]:
    """Move ``row`` (in memory) to ``status``: the changed fields and the history note."""
    text = (reason or "").strip()
    try:
        target_transition_check(from_status=row.status, to_status=status, reason=text)
    except DeploymentRuleError as error:
        needs_reason = status in (TargetStatus.OPTED_OUT, TargetStatus.ROLLED_BACK) and not text
        raise DeploymentError(str(error), field="reason" if needs_reason else "status") from None
    fields = ["status"]
    if status == TargetStatus.DEPLOYED:
        row.deployed_on = _day(on, "on")
        fields.append("deployed_on")
    elif status == TargetStatus.CONFIRMED:
        day = _day(on, "on")
        if row.deployed_on is not None and day < row.deployed_on:
            raise DeploymentError(
                f"It was deployed on {row.deployed_on:%Y-%m-%d}: it cannot be confirmed "
                "before that.",
                field="on",
            )
        row.confirmed_on = day
        fields.append("confirmed_on")
    if status in (TargetStatus.OPTED_OUT, TargetStatus.ROLLED_BACK):
        row.status_reason = text
        fields.append("status_reason")
    elif status == TargetStatus.PREPARING and row.status in (
        TargetStatus.OPTED_OUT,
        TargetStatus.ROLLED_BACK,
    ):
        # A new attempt: the last attempt's dates and reason stay in the history.
        row.status_reason = ""
        row.deployed_on = None
        row.confirmed_on = None
        fields += ["status_reason", "deployed_on", "confirmed_on"]
    note = f"Status: {_LABELS.get(status, status).lower()}"
    if text:
        note += f" ({text})"
    row.status = status
    return fields, note


def _clean_fields(row: Target, fields: dict[str, Any]) -> dict[str, Any]:
    """The fields that change, checked; ``DeploymentError`` naming the field at fault."""
    unknown = sorted(set(fields) - set(UPDATE_FIELDS))
    if unknown:
        raise DeploymentError(
            f"A target's {unknown[0]} is not changed here; change {', '.join(UPDATE_FIELDS)}.",
            field=unknown[0],
        )
    changes: dict[str, Any] = {}
    if "training_percent" in fields:
        value = fields["training_percent"]
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
            raise DeploymentError(
                "The training share is a whole number from 0 to 100.", field="training_percent"
            )
        if value != row.training_percent:
            changes["training_percent"] = value
    if "process_version" in fields:
        version = fields["process_version"]
        if version is not None and not hasattr(version, "asset_id"):
            raise DeploymentError("Choose a process asset version.", field="process_version")
        if (version.pk if version is not None else None) != row.process_version_id:
            changes["process_version"] = version
    if "planned_on" in fields:
        day = fields["planned_on"]
        if day is not None and (isinstance(day, dt.datetime) or not isinstance(day, dt.date)):
            raise DeploymentError("Give a date (YYYY-MM-DD).", field="planned_on")
        if day != row.planned_on:
            changes["planned_on"] = day
    if "wave" in fields:
        wave = fields["wave"]
        if wave is not None and (not isinstance(wave, Wave) or wave.plan_id != row.plan_id):
            raise DeploymentError(f"{wave} is not a wave of {row.plan.reference}.", field="wave")
        if (wave.pk if wave is not None else None) != row.wave_id:
            changes["wave"] = wave
    return changes


def _describe(changes: dict[str, Any]) -> str:
    parts = []
    for name, value in changes.items():
        if name == "training_percent":
            parts.append(f"training {value} %")
        elif name == "process_version":
            parts.append(f"process version {value or 'none'}")
        elif name == "planned_on":
            parts.append(f"planned on {value or 'its wave end'}")
        else:
            parts.append(f"wave {value or 'none'}")
    return "Updated: " + ", ".join(parts)


@transaction.atomic
def target_status_set(
    *,
    target: Target,
    actor: User,
    status: str,
    reason: str = "",
    on: dt.date | None = None,
    expected_version: int | None = None,
) -> Target:
    """Move a target to ``status`` (see the module docstring). Not a content change.

    Raises ``PermissionDenied`` (``target_can_update`` refuses), ``DeploymentError``
    (move refused, reason missing, date wrong, target excluded, plan closed),
    ``ConflictError`` (``expected_version`` is stale). Nothing is written then.
    """
    if not target_can_update(actor, target):
        raise PermissionDenied(
            f"Only the plan's editors and the manager of {_name(target)} may update this target."
        )
    row = _lock(target, expected_version)
    _require_writable(row)
    fields, note = _apply_status(row, status=status, reason=reason, on=on)
    _save(row, actor, note, fields)
    return row


@transaction.atomic
def target_update(
    *, target: Target, actor: User, expected_version: int | None = None, **fields: Any
) -> Target:
    """Change a target's ``training_percent`` (0 to 100), ``process_version`` (the
    process asset version its defined process now includes), ``planned_on`` or
    ``wave`` (one of the plan's waves, or None). Unchanged values write nothing.

    The training share and process version: ``target_can_update``; the planned date and
    the wave: ``plan_can_edit``, and a content change of the plan. Raises
    ``PermissionDenied``, ``DeploymentError`` (unknown field, value out of range, a wave
    of another plan, target excluded, plan closed) or ``ConflictError``.
    """
    if not target_can_update(actor, target):
        raise PermissionDenied(
            f"Only the plan's editors and the manager of {_name(target)} may update this target."
        )
    if PLAN_FIELDS & set(fields) and not plan_can_edit(actor, target.plan):
        raise PermissionDenied(
            "Only the plan's owner or a deployment planner may change a target's wave or "
            "planned date."
        )
    row = _lock(target, expected_version)
    _require_writable(row)
    changes = _clean_fields(row, fields)
    if not changes:
        return row
    for name, value in changes.items():
        setattr(row, name, value)
    note = _describe(changes)
    _save(row, actor, note, list(changes))
    if PLAN_FIELDS & set(changes):
        _content_changed(plan=row.plan, actor=actor, reason=f"{_name(row)}: {note}")
    return row


@transaction.atomic
def targets_bulk_update(
    *,
    plan: DeploymentPlan,
    actor: User,
    targets: Sequence[Target],
    status: str | None = None,
    reason: str = "",
    on: dt.date | None = None,
    training_percent: int | None = None,
    process_version: Any = None,
) -> int:
    """Apply one status move and/or training share and/or process version to each of
    ``targets`` of ``plan``, in one transaction: all or nothing. Returns how many
    targets were updated.

    Every target is checked first (``target_can_update``: a ``PermissionDenied`` names
    the first one refused); then each is changed in the given order, and the first one
    a rule refuses ends it: ``DeploymentError("<work activity>: <why> Nothing was
    changed.")`` and the transaction is rolled back.
    """
    if not targets:
        raise DeploymentError("Choose at least one target.", field="targets")
    if status in (None, "") and training_percent is None and process_version is None:
        raise DeploymentError(
            "Choose what to change: a status, a training share or a process version.",
            field="status",
        )
    for target in targets:
        if target.plan_id != plan.pk:
            raise DeploymentError(
                f"{_name(target)} is not a target of {plan.reference}.", field="targets"
            )
        if not target_can_update(actor, target):
            raise PermissionDenied(
                f"You may not update {_name(target)}: only the plan's editors and its manager "
                "may. Nothing was changed."
            )
    fields: dict[str, Any] = {}
    if training_percent is not None:
        fields["training_percent"] = training_percent
    if process_version is not None:
        fields["process_version"] = process_version
    count = 0
    for target in targets:
        row = _lock(target, None)
        try:
            _require_writable(row)
            changed: list[str] = []
            notes: list[str] = []
            if status:
                status_fields, note = _apply_status(row, status=status, reason=reason, on=on)
                changed += status_fields
                notes.append(note)
            changes = _clean_fields(row, fields)
            for name, value in changes.items():
                setattr(row, name, value)
            if changes:
                changed += list(changes)
                notes.append(_describe(changes))
        except DeploymentError as error:
            raise DeploymentError(
                f"{_name(row)}: {error.message} Nothing was changed.", field=error.field
            ) from None
        if changed:
            _save(row, actor, "Bulk update. " + "; ".join(notes), list(dict.fromkeys(changed)))
            count += 1
    return count


# -- reads -----------------------------------------------------------------------------------


def target_list(*, plan: DeploymentPlan | None = None) -> QuerySet[Target]:
    """Targets (of ``plan`` when given) with their plan, work activity (unit, manager),
    wave and process version (asset), and ``consulting_count``: one query however many
    rows, ordered by wave number then work activity name."""
    consulting = (
        ConsultingEntry.objects.filter(target=OuterRef("pk"))
        .order_by()
        .values("target")
        .annotate(count=Count("pk"))
        .values("count")
    )
    queryset = Target.objects.select_related(
        "plan",
        "work_activity",
        "work_activity__unit",
        "work_activity__manager",
        "wave",
        "process_version",
        "process_version__asset",
    ).annotate(
        consulting_count=Coalesce(Subquery(consulting, output_field=IntegerField()), Value(0))
    )
    if plan is not None:
        queryset = queryset.filter(plan=plan)
    return queryset.order_by("wave__number", "work_activity__name", "pk")


def target_list_managed_by(*, user: Any) -> QuerySet[Target]:
    """The targets of the work activities ``user`` manages (``WorkActivity.manager`` →
    ``Person.user``), across plans, newest plan first: a manager's own targets."""
    return (
        target_list()
        .filter(work_activity__manager__user=user)
        .order_by("-plan_id", "wave__number", "work_activity__name", "pk")
    )


def target_counts(plan: DeploymentPlan) -> dict[str, int]:
    """How many of the plan's targets are in each status, and ``excluded``, in one query."""
    counts = {value: 0 for value in TargetStatus.values}
    counts["excluded"] = 0
    rows = (
        Target.objects.filter(plan=plan)
        .order_by()
        .values("status", "excluded")
        .annotate(count=Count("pk"))
    )
    for row in rows:
        key = "excluded" if row["excluded"] else row["status"]
        counts[key] += row["count"]
    return counts
