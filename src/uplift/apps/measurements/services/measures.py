"""Writes of measure definitions, and the error every measurement service raises.

``measure_create`` and ``measure_update`` are one transaction each, keyword-only,
record who made the change in the history, and refuse what the rules refuse with
``MeasurementError(message, field)``; ``field`` names the input at fault (the form
field of the pages, the serializer field of the API).
"""

from __future__ import annotations

import re
from typing import Any

from django.db import models, transaction

from uplift.apps.measurements.choices import Direction, Frequency, Scale
from uplift.apps.measurements.models import Measure

__all__ = ["MEASURE_FIELDS", "MeasurementError", "measure_create", "measure_update"]

User = Any  # auth.User, or None for the command line

SLUG = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
RESERVED_SLUGS = frozenset({"new"})  # /measurements/measures/new/ is the create page

# The fields a measure's writer may set, in form order.
MEASURE_FIELDS = (
    "slug",
    "name",
    "unit",
    "operational_definition",
    "scale",
    "direction",
    "describes",
    "collected_by",
    "frequency",
)
_REQUIRED = ("slug", "name", "unit", "operational_definition", "direction")
_CHOICES = {"scale": Scale, "direction": Direction, "frequency": Frequency}


class MeasurementError(ValueError):
    """A measurement write or computation the rules refuse; ``field`` names the input."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def record_actor(instance: models.Model, actor: User | None) -> None:
    """Tell simple-history who made the change (its documented ``_history_user``)."""
    if actor is not None:
        setattr(instance, "_history_user", actor)  # noqa: B010  (a private hook, not a field)


def _clean(values: dict[str, Any], *, current: Measure | None) -> dict[str, Any]:
    """Strip the text, check required fields, choices, slug shape and uniqueness."""
    cleaned = {
        name: value.strip() if isinstance(value, str) else value for name, value in values.items()
    }
    for name in _REQUIRED:
        if name in cleaned and not cleaned[name]:
            raise MeasurementError("This field is required.", name)
    for name, choices in _CHOICES.items():
        if name in cleaned and cleaned[name] not in choices.values:
            allowed = ", ".join(choices.values)
            raise MeasurementError(f"{cleaned[name]!r} is not one of {allowed}.", name)
    slug = cleaned.get("slug")
    if slug is not None:
        if slug in RESERVED_SLUGS:
            raise MeasurementError(f"{slug!r} is reserved for a page; choose another.", "slug")
        if not SLUG.match(slug):
            raise MeasurementError(
                "Use lower-case letters, digits and single hyphens or underscores.", "slug"
            )
        taken = Measure.objects.filter(slug=slug)
        if current is not None:
            taken = taken.exclude(pk=current.pk)
        if taken.exists():
            raise MeasurementError(f"A measure with the slug {slug!r} exists already.", "slug")
    for name, value in cleaned.items():
        limit = getattr(Measure._meta.get_field(name), "max_length", None)
        if limit is not None and isinstance(value, str) and len(value) > limit:
            raise MeasurementError(f"At most {limit} characters.", name)
    return cleaned


@transaction.atomic
def measure_create(
    *,
    slug: str,
    name: str,
    unit: str,
    operational_definition: str,
    direction: str,
    scale: str = Scale.CONTINUOUS,
    describes: str = "",
    collected_by: str = "",
    frequency: str = Frequency.MONTHLY,
    user: User | None = None,
) -> Measure:
    """Define a measure.

    Raises ``MeasurementError`` for an empty required field (slug, name, unit,
    operational definition, direction), an unknown scale, direction or frequency, a
    malformed slug or one another measure has.
    """
    values = _clean(
        {
            "slug": slug,
            "name": name,
            "unit": unit,
            "operational_definition": operational_definition,
            "scale": scale,
            "direction": direction,
            "describes": describes,
            "collected_by": collected_by,
            "frequency": frequency,
        },
        current=None,
    )
    measure = Measure(**values)
    record_actor(measure, user)
    measure.save(force_insert=True)
    return measure


@transaction.atomic
def measure_update(*, measure: Measure, user: User | None = None, **changes: Any) -> Measure:
    """Change some of a measure's fields (any of ``MEASURE_FIELDS``).

    The slug may change (URLs and files name measures by it; observations follow by
    key). Raises ``MeasurementError`` as ``measure_create`` does, and for a field that
    is not a measure's.
    """
    unknown = sorted(set(changes) - set(MEASURE_FIELDS))
    if unknown:
        raise MeasurementError(f"Unknown field: {', '.join(unknown)}.", unknown[0])
    values = _clean(changes, current=measure)
    changed = [name for name, value in values.items() if getattr(measure, name) != value]
    if not changed:
        return measure
    for name in changed:
        setattr(measure, name, values[name])
    record_actor(measure, user)
    measure.save(update_fields=changed)
    return measure
