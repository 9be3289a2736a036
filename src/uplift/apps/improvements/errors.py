"""The improvements' refusals, and the optimistic lock that stops silent overwrites."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models

__all__ = ["ConflictError", "ImprovementError", "lock_for_update"]

M = TypeVar("M", bound=models.Model)


class ImprovementError(Exception):
    """A write the rules refuse; ``field`` names the input at fault when there is one.

    Pages show the message (on the field when named); the API's exception handler
    (``uplift.api.errors``) answers 400 with ``{"detail", "errors": [{"field",
    "message"}]}`` (409 for a ``ConflictError``); the CLI prints it and exits 2.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ConflictError(ImprovementError):
    """Somebody saved the object after this edit began: the edit is refused (HTTP 409)."""


def _last_editor(instance: Any) -> str:
    history = getattr(instance, "history", None)
    record = history.first() if history is not None else None
    user = getattr(record, "history_user", None)
    if record is None:
        return "someone else"
    who = (user.get_full_name() or user.get_username()) if user is not None else "someone else"
    return f"{who} at {record.history_date:%Y-%m-%d %H:%M}"


def lock_for_update(queryset: models.QuerySet[M], *, pk: int, expected_version: int | None) -> M:
    """The row, locked for the rest of the transaction, if it is still at ``expected_version``.

    Call inside ``transaction.atomic``. ``expected_version`` is the ``version`` the
    editor's form or request started from (``None``: the caller does not know it, as in
    a status change made by a single click, and takes the row as it is). A mismatch
    raises ``ConflictError`` naming who saved it last and when.
    """
    instance = queryset.select_for_update().get(pk=pk)
    current = instance.version  # type: ignore[attr-defined]
    if expected_version is not None and current != expected_version:
        raise ConflictError(
            f"{instance} was changed by {_last_editor(instance)} after you opened it "
            f"(it is at version {current}, you started from {expected_version}). Nothing "
            "was saved: reload the page to see the changes, then make yours again.",
            field="version",
        )
    return instance
