"""Writes of the appraisal plan: the appraisal, its scope, units, team and status.

Every function is keyword-only, one transaction, records who made the change in the
history (``_record_actor``) and refuses what the rules refuse with
``AppraisalError(message, field)``; ``field`` names the input at fault (the form field
of the plan pages). A closed appraisal refuses every change except reopening it.

Status flow::

    planned → in_progress → rated → closed
                   ↑          │        │
                   └──────────┴────────┘   (back to in progress, or reopen)

Moving to *rated* needs a stored rating (``services.appraisal_rate``) that still
matches the cells and no open judgment: nothing is rated silently (issue 3).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any, Final

from django.db import transaction
from django.db.models import Count, Max, Model, QuerySet
from simple_history.utils import bulk_create_with_history

from uplift.apps.appraisals.choices import (
    AppraisalClass,
    AppraisalStatus,
    AreaScope,
    TeamRole,
    UnitKind,
)
from uplift.apps.appraisals.errors import AppraisalError
from uplift.apps.appraisals.models import (
    Appraisal,
    AppraisalArea,
    AppraisalUnit,
    Characterization,
    RatingSnapshot,
    TeamMember,
)
from uplift.apps.appraisals.plan_selectors import ModelArea, model_area_list, staged_default_scope
from uplift.apps.appraisals.selectors import appraisal_rating
from uplift.apps.appraisals.services.keep import KEEP, Keep
from uplift.apps.appraisals.services.rating import _check_open, _record_actor
from uplift.apps.library.choices import Representation

__all__ = [
    "STATUS_TRANSITIONS",
    "appraisal_create",
    "appraisal_scope_set",
    "appraisal_status_set",
    "appraisal_team_member_add",
    "appraisal_team_member_remove",
    "appraisal_unit_add",
    "appraisal_unit_remove",
    "appraisal_unit_update",
    "appraisal_update",
]

User = Any  # auth.User, or None for the command line


# The status each status may move to (see the module docstring).
STATUS_TRANSITIONS: Final[dict[str, tuple[str, ...]]] = {
    AppraisalStatus.PLANNED: (AppraisalStatus.IN_PROGRESS,),
    AppraisalStatus.IN_PROGRESS: (AppraisalStatus.RATED,),
    AppraisalStatus.RATED: (AppraisalStatus.CLOSED, AppraisalStatus.IN_PROGRESS),
    AppraisalStatus.CLOSED: (AppraisalStatus.IN_PROGRESS,),
}

_MAX_NAME = 200  # the length of the name fields of Appraisal and AppraisalUnit
_LEVELS = range(2, 6)


# -- checks shared by create and update ---------------------------------------------------


def _name(value: str, field: str = "name") -> str:
    text = (value or "").strip()
    if not text:
        raise AppraisalError("a name is required", field)
    if len(text) > _MAX_NAME:
        raise AppraisalError(f"is longer than {_MAX_NAME} characters", field)
    return text


def _appraisal_class(value: str) -> str:
    text = (value or "").strip().upper()
    if text and text not in AppraisalClass.values:
        raise AppraisalError(f"{value!r}: the class is A, B, C or blank", "appraisal_class")
    return text


def _target(representation: str, target: int | None) -> int | None:
    if representation == Representation.CONTINUOUS:
        if target is not None:
            raise AppraisalError(
                "a continuous appraisal has no target maturity level", "target_maturity_level"
            )
        return None
    if target is None or target not in _LEVELS:
        raise AppraisalError(
            "a staged appraisal needs a target maturity level from 2 to 5",
            "target_maturity_level",
        )
    return target


def _dates(start: datetime.date | None, end: datetime.date | None) -> None:
    if start is not None and end is not None and end < start:
        raise AppraisalError(
            f"the end date {end:%Y-%m-%d} is before the start date {start:%Y-%m-%d}", "end_date"
        )


def _listing(items: Iterable[str]) -> str:
    return ", ".join(items)


def _counted(counts: dict[str, int], noun: str) -> str:
    return ", ".join(
        f"{abbr} ({n} {noun}{'s' if n != 1 else ''})" for abbr, n in sorted(counts.items())
    )


def _resolve_scope(
    areas: Sequence[ModelArea],
    representation: str,
    target: int | None,
    in_scope: Iterable[str],
    not_applicable: Iterable[str],
) -> dict[str, str]:
    """The wanted scope, abbreviation → ``AreaScope``, checked against the model and target."""
    known = {a.abbreviation: a for a in areas}
    wanted_in = [abbr.strip() for abbr in in_scope]
    wanted_na = [abbr.strip() for abbr in not_applicable]
    for field, names in (("process_areas", wanted_in), ("not_applicable", wanted_na)):
        unknown = [abbr for abbr in names if abbr not in known]
        if unknown:
            raise AppraisalError(f"not a process area of the model: {_listing(unknown)}", field)
    both = sorted(set(wanted_in) & set(wanted_na), key=wanted_in.index)
    if both:
        raise AppraisalError(
            f"in scope and not applicable at once: {_listing(both)}", "not_applicable"
        )
    if representation == Representation.STAGED and target is not None:
        outside = [
            abbr for abbr in wanted_in if not 2 <= (known[abbr].maturity_level or 0) <= target
        ]
        if outside:
            raise AppraisalError(
                f"not at maturity level 2..{target}: {_listing(outside)}; "
                "raise the target to include them",
                "process_areas",
            )
    if not wanted_in:
        raise AppraisalError("choose at least one process area in scope", "process_areas")
    scope: dict[str, str] = dict.fromkeys(wanted_na, AreaScope.NOT_APPLICABLE.value)
    scope.update(dict.fromkeys(wanted_in, AreaScope.IN_SCOPE.value))
    return scope


def _area_rows(
    appraisal: Appraisal, areas: Sequence[ModelArea], scope: dict[str, str]
) -> list[Any]:
    return [
        AppraisalArea(appraisal=appraisal, process_area_id=area.id, scope=scope[area.abbreviation])
        for area in areas
        if area.abbreviation in scope
    ]


def _cell_counts(appraisal: Appraisal, area_ids: Iterable[int]) -> dict[int, int]:
    return dict(
        Characterization.objects.filter(appraisal=appraisal, process_area_id__in=list(area_ids))
        .order_by()
        .values("process_area_id")
        .annotate(n=Count("pk"))
        .values_list("process_area_id", "n")
    )


def _delete(rows: Iterable[Model], user: User | None) -> int:
    """Delete rows one by one so that each history record names the actor."""
    count = 0
    for row in rows:
        _record_actor(row, user)
        row.delete()
        count += 1
    return count


def _save(instance: Model, user: User | None, fields: Sequence[str]) -> None:
    if fields:
        _record_actor(instance, user)
        instance.save(update_fields=list(fields))


# -- the appraisal -------------------------------------------------------------------------


@transaction.atomic
def appraisal_create(
    *,
    name: str,
    model: Any,
    representation: str,
    target_maturity_level: int | None = None,
    appraisal_class: str = "",
    organizational_unit: Any = None,
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
    notes: str = "",
    process_areas: Iterable[str] | None = None,
    not_applicable: Iterable[str] = (),
    user: User | None,
) -> Appraisal:
    """Plan a new appraisal of ``model`` (a ``library.ProcessModel``, pinned), status planned.

    Scope: ``process_areas`` (abbreviations) in scope and ``not_applicable`` agreed
    not applicable. A staged appraisal given no ``process_areas`` takes every process
    area at maturity levels 2..target, its optional ones (additions) recorded not
    applicable (see ``plan_selectors.staged_default_scope``); a continuous one must
    name its process areas. ``organizational_unit`` is an
    ``organization.OrganizationalUnit`` or None.

    Raises ``AppraisalError`` for a blank name, a representation the model does not
    offer, a target that does not fit the representation, an unknown class, an end
    before the start, or a scope the model or target does not allow.
    """
    name = _name(name)
    offered = list(model.representations or [])
    if representation not in Representation.values or (offered and representation not in offered):
        choices = " or ".join(offered or Representation.values)
        raise AppraisalError(
            f"{representation!r}: {model} is appraised {choices}", "representation"
        )
    target = _target(representation, target_maturity_level)
    klass = _appraisal_class(appraisal_class)
    _dates(start_date, end_date)
    areas = model_area_list(model)
    not_applicable = list(not_applicable)
    if process_areas is None:
        if representation == Representation.CONTINUOUS:
            raise AppraisalError("a continuous appraisal names its process areas", "process_areas")
        default_in, default_na = staged_default_scope(areas, target or 0)
        process_areas = [abbr for abbr in default_in if abbr not in not_applicable]
        not_applicable += [abbr for abbr in default_na if abbr not in not_applicable]
    scope = _resolve_scope(areas, representation, target, process_areas, not_applicable)

    appraisal = Appraisal(
        name=name,
        appraisal_class=klass,
        model=model,
        representation=representation,
        target_maturity_level=target,
        organizational_unit=organizational_unit,
        start_date=start_date,
        end_date=end_date,
        notes=notes or "",
        status=AppraisalStatus.PLANNED,
        created_by=user,
    )
    _record_actor(appraisal, user)
    appraisal.save(force_insert=True)
    bulk_create_with_history(_area_rows(appraisal, areas, scope), AppraisalArea, default_user=user)
    return appraisal


@transaction.atomic
def appraisal_update(
    *,
    appraisal: Appraisal,
    user: User | None,
    name: str | Keep = KEEP,
    appraisal_class: str | Keep = KEEP,
    target_maturity_level: int | Keep | None = KEEP,
    organizational_unit: Any = KEEP,
    start_date: datetime.date | Keep | None = KEEP,
    end_date: datetime.date | Keep | None = KEEP,
    notes: str | Keep = KEEP,
) -> Appraisal:
    """Change the plan's fields; only the arguments given change, and only if different.

    The model version and representation stay as created. Changing a staged target
    moves the scope with it: raising it adds the process areas of the new levels
    (optional ones not applicable), lowering it removes those above the new target,
    which is refused while they hold characterizations.

    Raises ``AppraisalError`` for a closed appraisal, a blank name, an unknown class, a
    target that does not fit the representation, an end before the start, or a
    lowered target that would drop characterized areas.
    """
    _check_open(appraisal)
    wanted: dict[str, Any] = {}
    if not isinstance(name, Keep):
        wanted["name"] = _name(name)
    if not isinstance(appraisal_class, Keep):
        wanted["appraisal_class"] = _appraisal_class(appraisal_class)
    if not isinstance(target_maturity_level, Keep):
        wanted["target_maturity_level"] = _target(appraisal.representation, target_maturity_level)
    if organizational_unit is not KEEP:
        wanted["organizational_unit"] = organizational_unit
    if not isinstance(start_date, Keep):
        wanted["start_date"] = start_date
    if not isinstance(end_date, Keep):
        wanted["end_date"] = end_date
    if not isinstance(notes, Keep):
        wanted["notes"] = notes or ""
    _dates(
        wanted.get("start_date", appraisal.start_date), wanted.get("end_date", appraisal.end_date)
    )
    changed = [field for field, value in wanted.items() if getattr(appraisal, field) != value]
    if "target_maturity_level" in changed:
        _move_target(
            appraisal, appraisal.target_maturity_level or 0, wanted["target_maturity_level"], user
        )
    for field in changed:
        setattr(appraisal, field, wanted[field])
    _save(appraisal, user, changed)
    return appraisal


def _move_target(appraisal: Appraisal, old: int, new: int, user: User | None) -> None:
    """Follow a staged target from ``old`` to ``new`` with the scope (see appraisal_update)."""
    areas = model_area_list(appraisal.model)
    rows = {row.process_area_id: row for row in AppraisalArea.objects.filter(appraisal=appraisal)}
    if new < old:
        above = [
            a for a in areas if a.maturity_level and new < a.maturity_level <= old and a.id in rows
        ]
        counts = _cell_counts(appraisal, [a.id for a in above])
        characterized = {a.abbreviation: counts[a.id] for a in above if counts.get(a.id)}
        if characterized:
            raise AppraisalError(
                f"maturity level {new} would take areas with characterizations out of scope: "
                f"{_counted(characterized, 'characterization')}; remove their cells first",
                "target_maturity_level",
            )
        _delete((rows[a.id] for a in above), user)
        return
    default_in, default_na = staged_default_scope(
        [a for a in areas if a.maturity_level and old < a.maturity_level <= new], new
    )
    scope: dict[str, str] = dict.fromkeys(default_na, AreaScope.NOT_APPLICABLE.value)
    scope.update(dict.fromkeys(default_in, AreaScope.IN_SCOPE.value))
    added = [row for row in _area_rows(appraisal, areas, scope) if row.process_area_id not in rows]
    bulk_create_with_history(added, AppraisalArea, default_user=user)


@transaction.atomic
def appraisal_scope_set(
    *,
    appraisal: Appraisal,
    in_scope: Iterable[str],
    not_applicable: Iterable[str],
    user: User | None,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Set which process areas are in scope and which are agreed not applicable.

    Areas named in neither list leave the plan. Returns ``(in scope, not applicable)``
    in model order.

    Raises ``AppraisalError`` for a closed appraisal, an abbreviation the model lacks,
    an area in both lists, an empty scope, a staged area outside maturity levels
    2..target, or taking out of scope an area that holds characterizations (naming
    each such area and how many cells it holds).
    """
    _check_open(appraisal)
    areas = model_area_list(appraisal.model)
    scope = _resolve_scope(
        areas,
        appraisal.representation,
        appraisal.target_maturity_level,
        in_scope,
        not_applicable,
    )
    by_id = {a.id: a for a in areas}
    rows = {
        row.process_area_id: row
        for row in AppraisalArea.objects.select_for_update().filter(appraisal=appraisal)
    }
    leaving = [
        area_id
        for area_id, row in rows.items()
        if row.scope == AreaScope.IN_SCOPE
        and scope.get(by_id[area_id].abbreviation) != AreaScope.IN_SCOPE
    ]
    counts = _cell_counts(appraisal, leaving)
    if counts:
        characterized = {by_id[area_id].abbreviation: n for area_id, n in counts.items()}
        raise AppraisalError(
            "cannot take out of scope areas with characterizations: "
            f"{_counted(characterized, 'characterization')}; remove their cells first",
            "process_areas",
        )
    removed = [row for area_id, row in rows.items() if by_id[area_id].abbreviation not in scope]
    _delete(removed, user)
    for area_id, row in rows.items():
        wanted = scope.get(by_id[area_id].abbreviation)
        if wanted is not None and row.scope != wanted:
            row.scope = wanted
            _save(row, user, ["scope"])
    added = [row for row in _area_rows(appraisal, areas, scope) if row.process_area_id not in rows]
    bulk_create_with_history(added, AppraisalArea, default_user=user)
    return (
        tuple(a.abbreviation for a in areas if scope.get(a.abbreviation) == AreaScope.IN_SCOPE),
        tuple(
            a.abbreviation for a in areas if scope.get(a.abbreviation) == AreaScope.NOT_APPLICABLE
        ),
    )


@transaction.atomic
def appraisal_status_set(*, appraisal: Appraisal, status: str, user: User | None) -> Appraisal:
    """Move the appraisal to ``status`` along ``STATUS_TRANSITIONS``; the same status is a no-op.

    *Rated* needs a stored rating (``services.appraisal_rate``) that still matches the
    current cells and no open judgment. Reopening (closed → in progress) is the one
    change a closed appraisal accepts.

    Raises ``AppraisalError`` (field ``status``) for an unknown status, a move the flow
    does not allow, or a rating that is missing, outdated or waiting for judgments
    (listing them).
    """
    if status not in AppraisalStatus.values:
        raise AppraisalError(f"{status!r} is not a status of an appraisal", "status")
    if status == appraisal.status:
        return appraisal
    allowed = STATUS_TRANSITIONS.get(appraisal.status, ())
    if status not in allowed:
        labels = dict(AppraisalStatus.choices)
        onward = " or ".join(str(labels[s]).lower() for s in allowed) or "nothing"
        raise AppraisalError(
            f"an appraisal {str(labels[appraisal.status]).lower()} cannot become "
            f"{str(labels[status]).lower()}; it may become {onward}",
            "status",
        )
    if status == AppraisalStatus.RATED:
        _check_rated(appraisal)
    appraisal.status = status
    _save(appraisal, user, ["status"])
    return appraisal


def _check_rated(appraisal: Appraisal) -> None:
    snapshot = RatingSnapshot.objects.filter(appraisal=appraisal).first()
    if snapshot is None:
        raise AppraisalError("rate and store the appraisal before marking it rated", "status")
    result = appraisal_rating(appraisal)
    if result.open_judgments:
        waiting = _listing(f"{o.ref} ({' or '.join(o.candidates)})" for o in result.open_judgments)
        raise AppraisalError(
            f"{len(result.open_judgments)} judgment"
            f"{'s are' if len(result.open_judgments) != 1 else ' is'} still open: {waiting}",
            "status",
        )
    if snapshot.result != result.as_json():
        raise AppraisalError(
            f"the cells changed after the rating was stored on "
            f"{snapshot.computed_at:%Y-%m-%d %H:%M}; rate and store it again",
            "status",
        )


# -- units ---------------------------------------------------------------------------------


def _unit_kind(kind: str) -> str:
    if kind not in UnitKind.values:
        raise AppraisalError(f"{kind!r}: a unit is a basic unit or a support function", "kind")
    return kind


def _unit_name(appraisal: Appraisal, name: str, unit: AppraisalUnit | None = None) -> str:
    text = _name(name)
    others: QuerySet[AppraisalUnit] = AppraisalUnit.objects.filter(appraisal=appraisal, name=text)
    if unit is not None:
        others = others.exclude(pk=unit.pk)
    if others.exists():
        raise AppraisalError(f"the appraisal already has a unit named {text!r}", "name")
    return text


@transaction.atomic
def appraisal_unit_add(
    *,
    appraisal: Appraisal,
    name: str,
    kind: str = UnitKind.BASIC_UNIT,
    work_activity: Any = None,
    user: User | None,
) -> AppraisalUnit:
    """Add a sampled basic unit or a support function, last in the plan's order.

    ``work_activity`` (an ``organization.WorkActivity`` or None) links the unit to the
    project, service or work group it samples.

    Raises ``AppraisalError`` for a closed appraisal, a blank or taken name (names are
    unique per appraisal: cells and files refer to units by name) or an unknown kind.
    """
    _check_open(appraisal)
    text = _unit_name(appraisal, name)
    kind = _unit_kind(kind)
    last = AppraisalUnit.objects.filter(appraisal=appraisal).aggregate(last=Max("order"))["last"]
    unit = AppraisalUnit(
        appraisal=appraisal,
        name=text,
        kind=kind,
        work_activity=work_activity,
        order=0 if last is None else last + 1,
    )
    _record_actor(unit, user)
    unit.save(force_insert=True)
    return unit


@transaction.atomic
def appraisal_unit_update(
    *,
    unit: AppraisalUnit,
    user: User | None,
    name: str | Keep = KEEP,
    kind: str | Keep = KEEP,
    work_activity: Any = KEEP,
) -> AppraisalUnit:
    """Rename a unit, change its kind or its work activity (None unlinks it).

    Raises ``AppraisalError`` for a closed appraisal, a blank or taken name or an
    unknown kind.
    """
    _check_open(unit.appraisal)
    wanted: dict[str, Any] = {}
    if not isinstance(name, Keep):
        wanted["name"] = _unit_name(unit.appraisal, name, unit)
    if not isinstance(kind, Keep):
        wanted["kind"] = _unit_kind(kind)
    if work_activity is not KEEP:
        wanted["work_activity"] = work_activity
    changed = [field for field, value in wanted.items() if getattr(unit, field) != value]
    for field in changed:
        setattr(unit, field, wanted[field])
    _save(unit, user, changed)
    return unit


@transaction.atomic
def appraisal_unit_remove(*, unit: AppraisalUnit, user: User | None) -> int:
    """Remove a unit with its characterizations (and the evidence links to it).

    Returns how many characterizations went with it (the pages ask to confirm that
    number first). Raises ``AppraisalError`` for a closed appraisal.
    """
    _check_open(unit.appraisal)
    removed = _delete(list(Characterization.objects.filter(unit=unit).order_by("pk")), user)
    _record_actor(unit, user)
    unit.delete()
    return removed


# -- team ----------------------------------------------------------------------------------


@transaction.atomic
def appraisal_team_member_add(
    *, appraisal: Appraisal, member: Any, role: str, user: User | None
) -> TeamMember:
    """Put a user (``member``) on the appraisal team with a role.

    Raises ``AppraisalError`` for a closed appraisal, an unknown role, an inactive
    user, or a user already on the team.
    """
    _check_open(appraisal)
    if role not in TeamRole.values:
        raise AppraisalError(
            f"{role!r}: the role is lead appraiser, team member or observer", "role"
        )
    if member is None or not getattr(member, "is_active", False):
        raise AppraisalError("choose an active user", "member")
    if TeamMember.objects.filter(appraisal=appraisal, user=member).exists():
        raise AppraisalError(f"{member.get_username()} is already on the team", "member")
    row = TeamMember(appraisal=appraisal, user=member, role=role)
    _record_actor(row, user)
    row.save(force_insert=True)
    return row


@transaction.atomic
def appraisal_team_member_remove(*, member: TeamMember, user: User | None) -> None:
    """Take a member off the team.

    Raises ``AppraisalError`` for a closed appraisal, or for the last lead appraiser
    of an appraisal in progress (someone must lead the work while it runs).
    """
    appraisal = member.appraisal
    _check_open(appraisal)
    if (
        member.role == TeamRole.LEAD_APPRAISER
        and appraisal.status == AppraisalStatus.IN_PROGRESS
        and not TeamMember.objects.filter(appraisal=appraisal, role=TeamRole.LEAD_APPRAISER)
        .exclude(pk=member.pk)
        .exists()
    ):
        raise AppraisalError(
            "an appraisal in progress keeps at least one lead appraiser; "
            "add another before removing this one",
            "member",
        )
    _delete([member], user)
