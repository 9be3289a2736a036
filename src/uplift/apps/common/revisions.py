"""Comparing two kept revisions of a plan on a page: ``?older=&newer=`` read, checked
and handed to the context's own compare service. Shared by the process action plans'
and the deployment plans' revisions pages."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["revision_comparison"]


class _BadNumber(ValueError):
    pass


def _number(raw: str | None, name: str) -> int:
    if raw is None or not raw.strip().isdigit() or int(raw) < 1:
        raise _BadNumber(f"The {name} revision is a whole number of 1 or more.")
    return int(raw)


def revision_comparison(
    query: Mapping[str, str],
    *,
    current: int,
    compare: Callable[[int, int], Sequence[Any]],
    refused: type[Exception],
) -> tuple[dict[str, Any], int]:
    """The comparison part of a revisions page's context, and the page's status.

    Without ``older`` or ``newer`` in ``query`` nothing is compared (the form offers
    the current revision against the one before). Otherwise both must be whole numbers
    of 1 or more and ``compare(older, newer)`` gives the field changes (each with a
    ``changed`` flag); a bad number, or ``refused`` raised by ``compare`` (its
    ``message``, else its text), is shown as ``compare_error`` with status 400.
    """
    context: dict[str, Any] = {}
    status = 200
    wants = "older" in query or "newer" in query
    older = max(current - 1, 1)
    newer = current
    if wants:
        try:
            older = _number(query.get("older"), "older")
            newer = _number(query.get("newer"), "newer")
            changes = compare(older, newer)
        except (_BadNumber, refused) as error:
            context["compare_error"] = getattr(error, "message", str(error))
            status = 400
        else:
            context["changes"] = changes
            context["changed_count"] = sum(1 for change in changes if change.changed)
    context.update({"older": older, "newer": newer, "compared": wants})
    return context, status
