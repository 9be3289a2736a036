"""Writes of the findings: the strengths and weaknesses the team states.

A finding belongs to a process area in the appraisal's scope, optionally to one of
its goals (``REQM SG 1``, or a generic goal read in that area: ``REQM GG 2``), and
names the practices it is about (``REQM SP 1.1``, ``REQM GP 2.1``), which must be
practices of that area (and of that goal, when one is given). Findings go into the
findings presentation and the final report, so they carry text and references only:
never evidence, never a name (issue 3).

Rules (each refusal is an ``AppraisalError`` naming the field): the appraisal is not
closed; ``kind`` is strength or weakness; ``text`` is not blank; the area, goal and
practices resolve as above.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F, Max

from uplift.apps.appraisals.choices import AreaScope, FindingKind
from uplift.apps.appraisals.errors import AppraisalError
from uplift.apps.appraisals.models import Appraisal, AppraisalArea, Finding
from uplift.apps.appraisals.services.keep import KEEP, Keep
from uplift.apps.appraisals.services.rating import _check_open, _record_actor
from uplift.apps.library.selectors import RatingIndex, model_rating_index
from uplift.domain.ratings import normalize_goal_ref, normalize_practice_ref

__all__ = [
    "KEEP",
    "Keep",
    "finding_create",
    "finding_delete",
    "finding_reorder",
    "finding_update",
]

User = Any  # auth.User; typed loosely so that callers without a user (CLI) pass None


@dataclass(frozen=True)
class _Place:
    """A finding's resolved area, goal and practices."""

    area_id: int
    goal_id: int | None
    practice_ids: tuple[int, ...]


def _kind(value: str) -> str:
    if value not in FindingKind.values:
        raise AppraisalError(f"{value!r} is not one of strength, weakness", "kind")
    return value


def _text(value: str) -> str:
    text = (value or "").strip()
    if not text:
        raise AppraisalError("a finding needs its text", "text")
    return text


def _goal_practices(index: RatingIndex, abbreviation: str, goal_ref: str) -> tuple[str, ...]:
    for area in index.structure.areas:
        if area.abbreviation == abbreviation:
            for goal in (*area.specific_goals, *area.generic_goals):
                if goal.ref == goal_ref:
                    return goal.practices
    return ()


def _place(
    appraisal: Appraisal, process_area: str, goal: str | None, practices: Iterable[str]
) -> _Place:
    """Resolve the area, goal and practices against the model and the scope; four queries."""
    if isinstance(practices, str):
        raise AppraisalError("must be a list of practice references", "practices")
    abbreviation = (process_area or "").strip().upper()
    if not abbreviation:
        raise AppraisalError("name the process area", "process_area")
    index = model_rating_index(appraisal.model)
    area_id = index.areas.get(abbreviation)
    if area_id is None:
        raise AppraisalError(
            f"{abbreviation} is not a process area of {appraisal.model}", "process_area"
        )
    if not AppraisalArea.objects.filter(
        appraisal=appraisal, process_area_id=area_id, scope=AreaScope.IN_SCOPE
    ).exists():
        raise AppraisalError(f"{abbreviation} is not in the appraisal's scope", "process_area")

    goal_id: int | None = None
    goal_ref: str | None = None
    allowed: tuple[str, ...] | None = None
    if goal:
        goal_ref = normalize_goal_ref(goal)
        if goal_ref is None:
            raise AppraisalError(f"{goal!r} is not a goal reference like 'REQM SG 1'", "goal")
        if goal_ref.split()[0] != abbreviation:
            raise AppraisalError(f"{goal_ref} is not a goal of {abbreviation}", "goal")
        found = index.goals.get(goal_ref)
        if found is None:
            raise AppraisalError(f"{goal_ref} is not a goal of {appraisal.model}", "goal")
        goal_id = found[0]
        allowed = _goal_practices(index, abbreviation, goal_ref)

    practice_ids: list[int] = []
    for raw in practices:
        ref = normalize_practice_ref(str(raw))
        if ref is None:
            raise AppraisalError(
                f"{raw!r} is not a practice reference like 'REQM SP 1.1'", "practices"
            )
        ids = index.practices.get(ref)
        if ids is None:
            raise AppraisalError(f"{ref} is not a practice of {appraisal.model}", "practices")
        if ids[1] != area_id:
            raise AppraisalError(f"{ref} is not a practice of {abbreviation}", "practices")
        if allowed is not None and ref not in allowed:
            raise AppraisalError(f"{ref} is not a practice of {goal_ref}", "practices")
        if ids[0] not in practice_ids:
            practice_ids.append(ids[0])
    return _Place(area_id, goal_id, tuple(practice_ids))


def _next_order(appraisal: Appraisal, area_id: int, kind: str) -> int:
    last = Finding.objects.filter(
        appraisal=appraisal, process_area_id=area_id, kind=kind
    ).aggregate(last=Max("order"))["last"]
    return 0 if last is None else last + 1


@transaction.atomic
def finding_create(
    *,
    appraisal: Appraisal,
    kind: str,
    process_area: str,
    goal: str | None = None,
    text: str,
    practices: Iterable[str] = (),
    user: User | None = None,
) -> Finding:
    """State a strength or weakness of a process area (and optionally of one goal).

    ``process_area`` is an abbreviation (``REQM``), ``goal`` a reference in that area
    (``REQM SG 1``, ``REQM GG 2``), ``practices`` references of that area (and goal).
    The finding goes last among the area's findings of its kind. Raises
    ``AppraisalError`` for a closed appraisal, a kind other than strength or
    weakness (``kind``), blank text (``text``), an area the model lacks or out of
    scope (``process_area``), a goal of another area or unknown (``goal``), practices
    outside the area or goal (``practices``).
    """
    _check_open(appraisal)
    clean_kind = _kind(kind)
    clean_text = _text(text)
    place = _place(appraisal, process_area, goal, practices)
    finding = Finding(
        appraisal=appraisal,
        kind=clean_kind,
        process_area_id=place.area_id,
        goal_id=place.goal_id,
        text=clean_text,
        order=_next_order(appraisal, place.area_id, clean_kind),
        created_by=user,
    )
    _record_actor(finding, user)
    finding.save(force_insert=True)
    if place.practice_ids:
        _record_actor(finding, user)
        finding.practices.set(place.practice_ids)
    return finding


def _current_refs(finding: Finding) -> tuple[str, str | None, list[str]]:
    """The finding's area abbreviation, goal reference and practice references."""
    abbreviation = finding.process_area.abbreviation
    goal = f"{abbreviation} {finding.goal.identifier}" if finding.goal is not None else None
    practices = [
        f"{abbreviation} {identifier}"
        for identifier in finding.practices.order_by(
            F("process_area_id").asc(nulls_last=True), "order", "pk"
        ).values_list("identifier", flat=True)
    ]
    return abbreviation, goal, practices


@transaction.atomic
def finding_update(
    *,
    finding: Finding,
    user: User | None = None,
    kind: str | Keep = KEEP,
    process_area: str | Keep = KEEP,
    goal: str | Keep | None = KEEP,
    text: str | Keep = KEEP,
    practices: Iterable[str] | Keep = KEEP,
) -> Finding:
    """Change a finding; arguments left as ``KEEP`` keep their stored values.

    Moving it to another area checks the goal and practices against that area (give
    them too, or they are refused when they belong to the old one). ``goal=None``
    detaches it from its goal. Saves only the changed fields; a finding that moves to
    another area or kind goes last there. Raises ``AppraisalError`` like
    :func:`finding_create`.
    """
    appraisal = finding.appraisal
    _check_open(appraisal)
    changes: dict[str, Any] = {}
    if kind is not KEEP:
        changes["kind"] = _kind(kind)
    if text is not KEEP:
        changes["text"] = _text(text)
    practice_ids: tuple[int, ...] | None = None
    if process_area is not KEEP or goal is not KEEP or practices is not KEEP:
        old_area, old_goal, old_practices = _current_refs(finding)
        place = _place(
            appraisal,
            old_area if process_area is KEEP else process_area,
            old_goal if goal is KEEP else goal,
            old_practices if practices is KEEP else practices,
        )
        changes["process_area_id"] = place.area_id
        changes["goal_id"] = place.goal_id
        practice_ids = place.practice_ids
    changed = [name for name, value in changes.items() if getattr(finding, name) != value]
    if {"kind", "process_area_id"} & set(changed):
        changes["order"] = _next_order(
            appraisal,
            changes.get("process_area_id", finding.process_area_id),
            changes.get("kind", finding.kind),
        )
        changed.append("order")
    for name in changed:
        setattr(finding, name, changes[name])
    if changed:
        _record_actor(finding, user)
        finding.save(update_fields=[*changed, "updated_at"])
    if practice_ids is not None and set(practice_ids) != set(
        finding.practices.values_list("pk", flat=True)
    ):
        _record_actor(finding, user)
        finding.practices.set(practice_ids)
    return finding


@transaction.atomic
def finding_delete(*, finding: Finding, user: User | None = None) -> None:
    """Delete a finding. Raises ``AppraisalError`` for a closed appraisal."""
    _check_open(finding.appraisal)
    _record_actor(finding, user)
    finding.delete()


@transaction.atomic
def finding_reorder(
    *, appraisal: Appraisal, finding_ids: Sequence[int], user: User | None = None
) -> None:
    """Put the given findings of the appraisal in this order (each list of an area and
    kind keeps its relative order; findings not named keep their places).

    Saves only the findings whose position changes. Raises ``AppraisalError`` for a
    closed appraisal, or an id that is not a finding of the appraisal
    (``finding_ids``).
    """
    _check_open(appraisal)
    findings = {
        finding.pk: finding
        for finding in Finding.objects.select_for_update().filter(
            appraisal=appraisal, pk__in=list(finding_ids)
        )
    }
    missing = [pk for pk in finding_ids if pk not in findings]
    if missing:
        raise AppraisalError(f"not findings of this appraisal: {missing}", "finding_ids")
    for position, pk in enumerate(finding_ids):
        finding = findings[pk]
        if finding.order != position:
            finding.order = position
            _record_actor(finding, user)
            finding.save(update_fields=["order", "updated_at"])
