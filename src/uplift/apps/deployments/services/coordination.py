"""The organization's coordination settings: the overload limit (issue 6, seed 001
subpractice 2: coordinate the deployment of improvements across the organization)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from uplift.apps.deployments.errors import DeploymentError
from uplift.apps.deployments.models import CoordinationSettings
from uplift.apps.deployments.permissions import coordination_can_change
from uplift.apps.improvements.history import record_actor

__all__ = ["OVERLOAD_LIMIT_MAX", "coordination_settings_set"]

OVERLOAD_LIMIT_MAX = 50


@transaction.atomic
def coordination_settings_set(
    *, actor: Any, overload_limit: int, reason: str = ""
) -> CoordinationSettings:
    """Set how many deployments a work activity may receive at once before it is
    overloaded (row ``pk=1``, made on first use), with the history recording who.

    Raises ``PermissionDenied`` without ``change_coordinationsettings`` (the process
    group) and ``DeploymentError`` (field ``overload_limit``) for a limit that is not a
    whole number from 1 to ``OVERLOAD_LIMIT_MAX``. Setting the same limit saves nothing.
    """
    if not coordination_can_change(actor):
        raise PermissionDenied("Only the process group may set the overload limit.")
    if isinstance(overload_limit, bool) or not isinstance(overload_limit, int):
        raise DeploymentError("The overload limit must be a whole number.", field="overload_limit")
    if not 1 <= overload_limit <= OVERLOAD_LIMIT_MAX:
        raise DeploymentError(
            f"The overload limit must be from 1 to {OVERLOAD_LIMIT_MAX} deployments at once.",
            field="overload_limit",
        )
    settings = CoordinationSettings.objects.select_for_update().filter(pk=1).first()
    if settings is None:
        settings = CoordinationSettings(pk=1, overload_limit=overload_limit)
        record_actor(settings, actor, reason or "Overload limit set")
        settings.save(force_insert=True)
        return settings
    if settings.overload_limit == overload_limit:
        return settings
    settings.overload_limit = overload_limit
    record_actor(settings, actor, reason or f"Overload limit set to {overload_limit}")
    settings.save(update_fields=["overload_limit"])
    return settings
