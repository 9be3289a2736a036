"""``{% object_history object %}``: who changed what and when, from django-simple-history.

Usage in any detail template of a model with ``history = HistoricalRecords()``::

    {% load history %}
    {% object_history object %}

Two queries: the count, and the newest ``limit + 1`` records with their users (the
extra record is the baseline the oldest shown change is diffed against).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import template

register = template.Library()

HISTORY_LIMIT = 50

_ACTIONS = {"+": "Created", "~": "Changed", "-": "Deleted"}


@dataclass(frozen=True)
class FieldChange:
    """One field's change between two consecutive records."""

    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class HistoryRow:
    """One historical record as shown: when, who, the action and the fields changed."""

    when: datetime
    who: Any  # the user, or None for changes made outside a request (CLI, imports)
    action: str
    reason: str
    changes: tuple[FieldChange, ...]


def history_rows(records: list[Any], *, has_baseline: bool) -> list[HistoryRow]:
    """Turn records (newest first) into rows, each diffed against the next older record.

    ``has_baseline`` says the last record is only there as the baseline for the one
    before it and is not shown itself.
    """
    shown = records[:-1] if has_baseline else records
    rows = []
    for index, record in enumerate(shown):
        older = records[index + 1] if index + 1 < len(records) else None
        changes: tuple[FieldChange, ...] = ()
        if older is not None and record.history_type == "~":
            names = {field.name: str(field.verbose_name) for field in record.tracked_fields}
            delta = record.diff_against(older)
            changes = tuple(
                FieldChange(names.get(change.field, change.field), change.old, change.new)
                for change in delta.changes
            )
        rows.append(
            HistoryRow(
                when=record.history_date,
                who=record.history_user,
                action=_ACTIONS.get(record.history_type, record.history_type),
                reason=record.history_change_reason or "",
                changes=changes,
            )
        )
    return rows


@register.inclusion_tag("partials/common/object_history.html")
def object_history(obj: Any, limit: int = HISTORY_LIMIT) -> dict[str, Any]:
    """The context for the history table of ``obj``: newest first, at most ``limit`` rows."""
    history = obj.history.select_related("history_user").order_by("-history_date", "-history_id")
    records = list(history[: limit + 1])
    total = len(records) if len(records) <= limit else obj.history.count()
    return {
        "rows": history_rows(records, has_baseline=len(records) > limit),
        "total": total,
        "limit": limit,
    }
