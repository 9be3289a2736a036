"""Who made a change and why, for django-simple-history: one helper for every service."""

from __future__ import annotations

from typing import Any

__all__ = ["CHANGE_REASON_LENGTH", "record_actor"]

CHANGE_REASON_LENGTH = 100  # simple-history's history_change_reason column


def record_actor(instance: Any, actor: Any, reason: str = "") -> None:
    """Set simple-history's documented hooks: ``_history_user`` (when there is an actor;
    the command line may have none) and ``_change_reason`` (cut to the column's length;
    a plan revision keeps the whole text)."""
    if actor is not None:
        setattr(instance, "_history_user", actor)  # noqa: B010  (a private hook, not a field)
    if reason:
        setattr(instance, "_change_reason", reason[:CHANGE_REASON_LENGTH])  # noqa: B010
