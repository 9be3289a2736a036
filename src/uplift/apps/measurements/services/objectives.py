"""Writes of objectives: business objectives and the QPPOs that trace to them.

Rules (each refusal is a ``MeasurementError`` naming the field at fault):

- a QPPO (quality and process performance objective) names a measure and a numeric
  target, and traces to a business objective (``parent``);
- a parent is always a business objective, and a business objective has none; a
  business objective with QPPOs cannot become a QPPO itself;
- the segment is a valid filter over work activities (``selectors.segment_clean``),
  stored in its clean form so that baselines over the same segment match it.

Whether a QPPO is met is a read: ``selectors.objective_statuses``.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.db import transaction

from uplift.apps.measurements.choices import ObjectiveKind, Priority, Statistic
from uplift.apps.measurements.models import Measure, Objective
from uplift.apps.measurements.selectors import InvalidSegment, segment_clean
from uplift.apps.measurements.services.measures import MeasurementError, record_actor

__all__ = ["OBJECTIVE_FIELDS", "objective_create", "objective_update"]

User = Any  # auth.User, or None for the command line

OBJECTIVE_FIELDS = (
    "kind",
    "name",
    "description",
    "parent",
    "measure",
    "statistic",
    "target",
    "due",
    "segment",
    "priority",
)


def _clean(values: dict[str, Any], current: Objective | None) -> dict[str, Any]:
    """Check one objective's whole state (the fields given over the current ones)."""
    state = {name: getattr(current, name) for name in OBJECTIVE_FIELDS} if current else {}
    state.update(values)
    name = (state.get("name") or "").strip()
    if not name:
        raise MeasurementError("This field is required.", "name")
    if len(name) > 200:  # Objective.name's max_length
        raise MeasurementError("At most 200 characters.", "name")
    state["name"] = name
    state["description"] = (state.get("description") or "").strip()
    kind = state.get("kind")
    if kind not in ObjectiveKind.values:
        raise MeasurementError(f"{kind!r} is not one of {', '.join(ObjectiveKind.values)}.", "kind")
    statistic = state.get("statistic") or Statistic.MEAN
    if statistic not in Statistic.values:
        raise MeasurementError(
            f"{statistic!r} is not one of {', '.join(Statistic.values)}.", "statistic"
        )
    state["statistic"] = statistic
    priority = state.get("priority", Priority.MEDIUM)
    if priority not in Priority.values:
        raise MeasurementError("Priority is 1 (high), 2 (medium) or 3 (low).", "priority")
    measure = state.get("measure")
    if measure is not None and not isinstance(measure, Measure):
        raise MeasurementError("Choose a measure.", "measure")
    target = state.get("target")
    if target is not None:
        try:
            target = float(target)
        except (TypeError, ValueError):
            raise MeasurementError("Enter a number.", "target") from None
        if not math.isfinite(target):
            raise MeasurementError("Enter a finite number.", "target")
    state["target"] = target
    due = state.get("due")
    if due is not None and not isinstance(due, dt.date):
        raise MeasurementError("Enter a date.", "due")

    parent = state.get("parent")
    if kind == ObjectiveKind.QPPO:
        if measure is None:
            raise MeasurementError("A QPPO names the measure it is about.", "measure")
        if target is None:
            raise MeasurementError("A QPPO has a target value of its statistic.", "target")
        if parent is None:
            raise MeasurementError("A QPPO traces to a business objective.", "parent")
        if current is not None and current.pk and current.children.exists():
            raise MeasurementError(
                "This business objective has QPPOs; it cannot become a QPPO itself.", "kind"
            )
    elif parent is not None:
        raise MeasurementError("A business objective does not trace to another one.", "parent")
    if parent is not None:
        if not isinstance(parent, Objective) or parent.kind != ObjectiveKind.BUSINESS:
            raise MeasurementError("The parent must be a business objective.", "parent")
        if current is not None and parent.pk == current.pk:
            raise MeasurementError("An objective cannot trace to itself.", "parent")
    try:
        state["segment"] = segment_clean(state.get("segment"))
    except InvalidSegment as error:
        raise MeasurementError(str(error), "segment") from None
    return state


@transaction.atomic
def objective_create(
    *,
    kind: str,
    name: str,
    description: str = "",
    parent: Objective | None = None,
    measure: Measure | None = None,
    statistic: str = Statistic.MEAN,
    target: float | None = None,
    due: dt.date | None = None,
    segment: dict[str, Any] | None = None,
    priority: int = Priority.MEDIUM,
    user: User | None = None,
) -> Objective:
    """Record a business objective or a QPPO; see the module docstring for the rules.

    Raises ``MeasurementError`` naming the field at fault.
    """
    state = _clean(
        {
            "kind": kind,
            "name": name,
            "description": description,
            "parent": parent,
            "measure": measure,
            "statistic": statistic,
            "target": target,
            "due": due,
            "segment": segment,
            "priority": priority,
        },
        None,
    )
    objective = Objective(**state)
    record_actor(objective, user)
    objective.save(force_insert=True)
    return objective


@transaction.atomic
def objective_update(
    *, objective: Objective, user: User | None = None, **changes: Any
) -> Objective:
    """Change some of an objective's fields (any of ``OBJECTIVE_FIELDS``).

    The whole objective is checked again; raises ``MeasurementError`` as
    ``objective_create`` does, and for a field that is not an objective's.
    """
    unknown = sorted(set(changes) - set(OBJECTIVE_FIELDS))
    if unknown:
        raise MeasurementError(f"Unknown field: {', '.join(unknown)}.", unknown[0])
    state = _clean(changes, objective)
    changed = [name for name in OBJECTIVE_FIELDS if getattr(objective, name) != state[name]]
    if not changed:
        return objective
    for name in changed:
        setattr(objective, name, state[name])
    record_actor(objective, user)
    objective.save(update_fields=changed)
    return objective
