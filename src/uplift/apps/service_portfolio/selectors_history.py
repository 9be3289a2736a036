"""What each history record of the portfolio changed, links included, in words (issue 7).

A service's business objectives and work activities, a continuity plan's dependencies and
a policy's governed services are kept in each history record
(``HistoricalRecords(m2m_fields=...)``, written once per change by ``services.links``).
simple-history's ``diff_against`` reports such a change as rows of ids and reads them
two queries per record; here the links of every record shown are read at once (one
query per link field) and named (one query per related table), so a change reads
*Business objectives: Cut cost, Grow sales → Cut cost*.

- ``record_changes(records)``: the changes of each record against the previous record
  of the same object among ``records``.
- ``object_history(obj)``: the context of ``partials/common/object_history.html`` for a
  policy or a continuity plan (its pages show their history with the links in words).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from uplift.apps.common.templatetags.history import FieldChange, HistoryRow

__all__ = ["HISTORY_LIMIT", "object_history", "record_changes"]

HISTORY_LIMIT = 50
_ACTIONS = {"+": "Created", "~": "Changed", "-": "Deleted"}
# Words for fields whose verbose name says less than the pages do.
_LABELS = {"objectives": "business objectives"}
# The edit lock's counter and the row's parent are not what a reader asks about.
_SILENT = frozenset({"version", "service", "id"})


def _link_fields(record: Any) -> list[Any]:
    return list(getattr(record, "_history_m2m_fields", ()))


def _link_names(records: Sequence[Any], field: Any) -> dict[int, str | None]:
    """Each record's links of ``field`` as sorted names joined by commas (None: none)."""
    link_model = getattr(records[0], field.name).model
    target = field.m2m_reverse_field_name()
    rows = link_model.objects.filter(history_id__in=[r.history_id for r in records]).values_list(
        "history_id", f"{target}_id"
    )
    linked: dict[int, set[int]] = {}
    for history_id, other in rows:
        linked.setdefault(history_id, set()).add(other)
    wanted = set().union(*linked.values()) if linked else set()
    names = {obj.pk: str(obj) for obj in field.related_model._default_manager.filter(pk__in=wanted)}
    joined: dict[int, str | None] = {}
    for record in records:
        ids = linked.get(record.history_id, ())
        chosen = sorted(names.get(pk, f"#{pk} (deleted)") for pk in ids)
        joined[record.history_id] = ", ".join(chosen) or None
    return joined


def _label(record: Any, name: str) -> str:
    if name in _LABELS:
        return _LABELS[name]
    try:
        return str(record.instance_type._meta.get_field(name).verbose_name)
    except LookupError:  # FieldDoesNotExist is a LookupError
        return name


def record_changes(records: Iterable[Any]) -> dict[int, tuple[FieldChange, ...]]:
    """The changes of each *changed* (``~``) record among ``records`` (of one model, any
    objects, any order), by ``history_id``, against the previous record of the same
    object among them (a record without one has none). Links are named, not ids."""
    ordered = sorted(records, key=lambda r: (r.history_date, r.history_id))
    if not ordered:
        return {}
    fields = _link_fields(ordered[0])
    link_names = {field.name: _link_names(ordered, field) for field in fields}
    excluded = [field.name for field in fields]
    previous: dict[Any, Any] = {}
    changes: dict[int, tuple[FieldChange, ...]] = {}
    for record in ordered:
        older = previous.get(record.id)
        previous[record.id] = record
        if older is None or record.history_type != "~":
            continue
        found = [
            FieldChange(_label(record, c.field), c.old, c.new)
            for c in record.diff_against(older, excluded_fields=excluded).changes
            if c.field not in _SILENT
        ]
        for name, joined in link_names.items():
            old, new = joined[older.history_id], joined[record.history_id]
            if old != new:
                found.append(FieldChange(_label(record, name), old, new))
        changes[record.history_id] = tuple(found)
    return changes


def object_history(obj: Any, *, limit: int = HISTORY_LIMIT) -> dict[str, Any]:
    """The context of ``partials/common/object_history.html`` for ``obj``: its newest
    ``limit`` records (each diffed against the one before, links in words), how many
    there are, and the limit."""
    history = obj.history.select_related("history_user").order_by("-history_date", "-history_id")
    records = list(history[: limit + 1])
    total = len(records) if len(records) <= limit else obj.history.count()
    changes = record_changes(records)
    rows = [
        HistoryRow(
            when=record.history_date,
            who=record.history_user,
            action=_ACTIONS.get(record.history_type, record.history_type),
            reason=record.history_change_reason or "",
            changes=changes.get(record.history_id, ()),
        )
        for record in records[:limit]
    ]
    return {"rows": rows, "total": total, "limit": limit}
