"""Many-to-many links in the history, one record per write (issue 7).

A service's business objectives and work activities, a continuity plan's dependencies
and a policy's governed services are kept in each history record
(``HistoricalRecords(m2m_fields=...)``). django-simple-history writes a record on every
``m2m_changed`` (a ``set()`` may write two: its removals and its additions), without the
write's reason; so the services set links with ``links_set``, which writes none, and
let their one ``save`` write the record, links included. On a creation the record is
written by the insert, before the links exist: ``links_record_creation`` copies them
into it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model

__all__ = ["links_insert", "links_record_creation", "links_set"]


def links_insert(
    instance: Model, links: Mapping[str, Iterable[Model]], *, taken: Exception
) -> None:
    """Insert ``instance`` (the insert writes its creation record), then set its
    ``links`` and copy them into that record. ``taken`` is raised instead of the
    database's error when a unique key was taken since the caller checked it (the
    insert runs in a savepoint, so the caller's transaction goes on)."""
    try:
        with transaction.atomic():
            instance.save(force_insert=True)
    except IntegrityError:
        raise taken from None
    links_set(instance, links)
    links_record_creation(instance)


def links_set(instance: Model, links: Mapping[str, Iterable[Model]]) -> None:
    """Set the many-to-many fields named in ``links`` without a history record for each
    (simple-history's documented ``skip_history_when_saving`` hook); the caller's save
    then records the write once, with its actor and reason."""
    instance.skip_history_when_saving = True  # type: ignore[attr-defined]
    try:
        for name, related in links.items():
            getattr(instance, name).set(list(related))
    finally:
        del instance.skip_history_when_saving  # type: ignore[attr-defined]


def links_record_creation(instance: Model) -> None:
    """Copy the links of a row just created into its creation record, so that the first
    record shows them and the first change is diffed against them. Call after
    ``links_set``; one query per tracked field, and one to find the record."""
    record: Any = instance.history.order_by("-history_id").first()  # type: ignore[attr-defined]
    if record is None:  # history disabled (SIMPLE_HISTORY_ENABLED = False)
        return
    for field in record._history_m2m_fields:
        through = field.remote_field.through
        link_model = getattr(record, field.name).model
        source = field.m2m_field_name()
        names = [f.attname for f in through._meta.fields]
        rows = through.objects.filter(**{source: instance.pk}).values_list(*names)
        link_model.objects.bulk_create(
            [link_model(history=record, **dict(zip(names, row, strict=True))) for row in rows]
        )
