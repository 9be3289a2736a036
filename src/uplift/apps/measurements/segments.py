"""Segments: which work activities an objective or a baseline is about (issue 4).

A segment is a JSON object filtering work activities, stored on ``Objective.segment``
and ``Baseline.segment``::

    {"unit": "product-engineering",          # the unit's slug
     "activity_type": "software_only",       # WorkActivityType
     "kind": "project",                      # WorkActivityKind
     "size": "large",                        # Size
     "phase": "execution",                   # LifeCyclePhase
     "attributes": {"customer": "acme"},     # WorkActivity.attributes key = value
     "work_activities": ["alpha", "beta"]}   # slugs

Every key is optional and they combine with AND; ``{}`` means every work activity.
``work_activities`` narrows to the listed slugs (still ANDed with the other keys), and
``attributes`` compares each value exactly (a string, number, boolean or null).
``unit`` matches the unit itself, not its sub-units.

Public API, used by the baseline, objective and evaluation code of every interface:

- :func:`segment_check` validates a segment and returns it normalised, or raises
  :class:`~uplift.domain.errors.InvalidDocument` whose problems are located by JSON
  path (``$.size``, ``$.work_activities[2]``) and name the field;
- :func:`segment_work_activity_ids` → the ids of the matching work activities;
- :func:`segment_label` → a short human label ("all work activities", "unit
  product-engineering, large, software-only").

Work activities are read through ``uplift.apps.organization.selectors`` (the
import-linter contract keeps the organization's models out of this app).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.db.models import Q
from django.db.models.fields.json import KeyTransform

from uplift.apps.organization.choices import (
    LifeCyclePhase,
    Size,
    WorkActivityKind,
    WorkActivityType,
)
from uplift.apps.organization.selectors import unit_list, work_activity_list
from uplift.domain.errors import InvalidDocument, Problem

__all__ = [
    "CHOICE_KEYS",
    "SEGMENT_KEYS",
    "Segment",
    "segment_check",
    "segment_label",
    "segment_work_activity_ids",
]

Segment = dict[str, Any]

# Keys whose value is one of the organization's choices, with those choices.
CHOICE_KEYS: dict[str, type[Any]] = {
    "activity_type": WorkActivityType,
    "kind": WorkActivityKind,
    "size": Size,
    "phase": LifeCyclePhase,
}
SEGMENT_KEYS = ("unit", *CHOICE_KEYS, "attributes", "work_activities")
_ATTRIBUTE_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-. ]{0,99}")


def segment_check(segment: object, *, filename: str = "") -> Segment:
    """Validate ``segment``; return it normalised (keys in ``SEGMENT_KEYS`` order,
    slugs stripped, duplicate slugs dropped).

    Checks the shape, each choice against the organization's choices, that the unit
    and every listed work activity exist, and that attribute values are plain JSON
    scalars. Raises :class:`InvalidDocument` listing every problem, each located by
    JSON path; ``filename`` names the file in them when the segment came from one.
    """
    problems: list[Problem] = []

    def problem(message: str, path: str, field: str) -> None:
        problems.append(Problem(message, file=filename, path=path, field=field))

    if segment is None:
        return {}
    if not isinstance(segment, Mapping):
        problem("a segment is a JSON object", "$", "segment")
        raise InvalidDocument(problems)
    normal: Segment = {}
    for key in segment:
        if key not in SEGMENT_KEYS:
            problem(
                f"unknown key {key!r} (a segment may have {', '.join(SEGMENT_KEYS)})",
                f"$.{key}",
                str(key),
            )
    unit = segment.get("unit")
    if unit is not None:
        if not isinstance(unit, str) or not unit.strip():
            problem("the unit is a unit's slug", "$.unit", "unit")
        elif not unit_list().filter(slug=unit.strip()).exists():
            problem(f"unknown unit {unit.strip()!r}", "$.unit", "unit")
        else:
            normal["unit"] = unit.strip()
    for key, choices in CHOICE_KEYS.items():
        value = segment.get(key)
        if value is None:
            continue
        if value not in choices.values:
            allowed = ", ".join(str(v) for v in choices.values)
            problem(f"{value!r} is not a {key.replace('_', ' ')} ({allowed})", f"$.{key}", key)
        else:
            normal[key] = str(value)
    attributes = segment.get("attributes")
    if attributes is not None:
        if not isinstance(attributes, Mapping):
            problem("attributes are a JSON object of key: value", "$.attributes", "attributes")
        else:
            checked: dict[str, Any] = {}
            for name, value in attributes.items():
                path = f"$.attributes.{name}"
                if not isinstance(name, str) or not _ATTRIBUTE_KEY.fullmatch(name):
                    problem(
                        f"{name!r} is not an attribute name (letters, digits, _ - . and "
                        "spaces, at most 100)",
                        path,
                        "attributes",
                    )
                elif "__" in name:
                    problem(f"{name!r}: an attribute name may not hold '__'", path, "attributes")
                elif value is not None and not isinstance(value, str | int | float | bool):
                    problem(
                        "an attribute value is a string, a number, true, false or null",
                        path,
                        "attributes",
                    )
                else:
                    checked[name] = value
            if checked:
                normal["attributes"] = checked
    slugs = segment.get("work_activities")
    if slugs is not None:
        if not isinstance(slugs, list | tuple):
            problem("work_activities is a list of slugs", "$.work_activities", "work_activities")
        else:
            wanted: list[str] = []
            for position, slug in enumerate(slugs):
                if not isinstance(slug, str) or not slug.strip():
                    problem(
                        "a work activity is named by its slug",
                        f"$.work_activities[{position}]",
                        "work_activities",
                    )
                elif slug.strip() not in wanted:
                    wanted.append(slug.strip())
            known = set(work_activity_list().filter(slug__in=wanted).values_list("slug", flat=True))
            for position, slug in enumerate(slugs):
                if isinstance(slug, str) and slug.strip() and slug.strip() not in known:
                    problem(
                        f"unknown work activity {slug.strip()!r}",
                        f"$.work_activities[{position}]",
                        "work_activities",
                    )
            normal["work_activities"] = wanted
    if problems:
        raise InvalidDocument(problems)
    return {key: normal[key] for key in SEGMENT_KEYS if key in normal}


def _filter(segment: Segment) -> Q:
    query = Q()
    if "unit" in segment:
        query &= Q(unit__slug=segment["unit"])
    for key in CHOICE_KEYS:
        if key in segment:
            query &= Q(**{key: segment[key]})
    if "work_activities" in segment:
        query &= Q(slug__in=segment["work_activities"])
    return query


def segment_work_activity_ids(segment: object) -> list[int]:
    """The ids of the work activities in ``segment``, ascending (one query).

    The segment is checked first (:func:`segment_check`); raises ``InvalidDocument``
    when it is not valid. ``{}`` gives every work activity, inactive ones included.
    """
    checked = segment_check(segment)
    activities = work_activity_list().order_by().filter(_filter(checked))
    for position, (name, value) in enumerate(checked.get("attributes", {}).items()):
        alias = f"segment_attribute_{position}"
        # KeyTransform, not attributes__<name>: a name is data, never a lookup path.
        activities = activities.alias(**{alias: KeyTransform(name, "attributes")})
        if value is None:
            activities = activities.filter(**{f"{alias}__isnull": True})
        else:
            activities = activities.filter(**{alias: value})
    return sorted(activities.values_list("pk", flat=True))


def segment_label(segment: Mapping[str, Any] | None) -> str:
    """A short label for a (checked) segment, for lists and the ``segment_label`` field."""
    if not segment:
        return "all work activities"
    parts: list[str] = []
    if segment.get("unit"):
        parts.append(f"unit {segment['unit']}")
    for key, choices in CHOICE_KEYS.items():
        value = segment.get(key)
        if value is not None:
            labels = dict(zip(choices.values, choices.labels, strict=True))
            parts.append(str(labels.get(value, value)).lower())
    for name, value in (segment.get("attributes") or {}).items():
        parts.append(f"{name}={value}")
    slugs = segment.get("work_activities")
    if slugs:
        shown = ", ".join(slugs[:3]) + (f" and {len(slugs) - 3} more" if len(slugs) > 3 else "")
        parts.append(f"work activities {shown}")
    return "; ".join(parts)[:200]
