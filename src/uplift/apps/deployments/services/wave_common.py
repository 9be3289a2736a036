"""Shared pieces of the wave and gate services (``services.waves`` and
``services.gates``): the permission and state checks, the locks and saves with their
history, the content-change hook and the targets a wave counts. Callers import from
``services.waves``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied

from uplift.apps.deployments.choices import (
    PlanState,
    WaveState,
)
from uplift.apps.deployments.errors import DeploymentError, lock_for_update
from uplift.apps.deployments.models import (
    DeploymentPlan,
    Target,
    Wave,
)
from uplift.apps.deployments.permissions import plan_can_edit
from uplift.apps.deployments.services import plans as plan_services
from uplift.apps.improvements.history import record_actor

__all__ = [
    "User",
]


User = Any  # auth.User
_CLOSED_PLAN = (PlanState.COMPLETE, PlanState.CANCELLED)
_WAVE_STATE_PAST: dict[str, str] = {
    WaveState.PLANNED: "not started",
    WaveState.RUNNING: "started",
    WaveState.FINISHED: "finished",
}


# -- small helpers ---------------------------------------------------------------------


def _text(value: Any, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise DeploymentError("Enter text.", field=field)
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def _person(user: Any) -> str:
    if user is None:
        return "someone"
    return str(user.get_full_name() or user.get_username())


def _wave_label(wave: Wave) -> str:
    return f"Wave {wave.number} “{wave.name}”"


def _require_edit(actor: User, plan: DeploymentPlan) -> None:
    if not plan_can_edit(actor, plan):
        raise PermissionDenied("You may not change this deployment plan's waves and gates.")


def _require_open(plan: DeploymentPlan) -> None:
    if plan.state in _CLOSED_PLAN:
        raise DeploymentError(
            f"{plan.reference} is {plan.get_state_display().lower()}: its waves no longer change.",
            field="plan",
        )


def _require_planned(wave: Wave, what: str) -> None:
    if wave.state != WaveState.PLANNED:
        raise DeploymentError(
            f"{_wave_label(wave)} has {_WAVE_STATE_PAST[wave.state]}: {what}.",
            field="wave",
        )


def _content_changed(*, plan: DeploymentPlan, actor: User, reason: str) -> None:
    """The plans helper's hook (a new revision once sent for sign-off). Until
    ``services.plans`` is written the hook raises NotImplementedError: a draft plan
    needs nothing then."""
    with contextlib.suppress(NotImplementedError):
        plan_services.plan_content_changed(plan=plan, actor=actor, reason=reason)


def _lock_wave(wave: Wave, expected_version: int | None = None) -> Wave:
    return lock_for_update(
        Wave.objects.select_related("plan"), pk=wave.pk, expected_version=expected_version
    )


def _save_wave(wave: Wave, actor: User, reason: str, fields: Sequence[str]) -> None:
    wave.version += 1
    record_actor(wave, actor, reason)
    wave.save(update_fields=[*fields, "version"])


def _refresh(target: Any, source: Any) -> None:
    """Bring the caller's instance up to the saved row (it may be another object)."""
    if target is source:
        return
    for field in type(source)._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


def _target_name(target: Target) -> str:
    return str(target.work_activity.name)


def _live_targets(waves: Sequence[Wave]) -> list[Target]:
    return list(
        Target.objects.filter(wave__in=waves, excluded=False)
        .select_related("work_activity")
        .order_by("work_activity__name", "pk")
    )
