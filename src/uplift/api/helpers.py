"""Small helpers every API module uses: the door check, people, a change's version."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

__all__ = ["active_users", "require", "user_name", "version_and_changes"]


def active_users() -> QuerySet[Any]:
    """The people a request may name (stakeholders, owners, chairs): active accounts."""
    return get_user_model()._default_manager.filter(is_active=True)


def user_name(user: Any) -> str:
    """A person's full name, else their sign-in name; "" for nobody."""
    return str(user.get_full_name() or user.get_username()) if user is not None else ""


def require(allowed: bool, message: str) -> None:
    """The door check of an app's ``permissions.py`` (the services check again): a
    refusal is a 403 with ``message``."""
    if not allowed:
        raise PermissionDenied(message)


def version_and_changes(validated: dict[str, Any]) -> tuple[int | None, dict[str, Any]]:
    """The ``version`` a change started from, and the fields it changes."""
    values = dict(validated)
    return values.pop("version", None), values
