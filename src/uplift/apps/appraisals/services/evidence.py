"""Writes of the appraisal's evidence: artifacts and affirmations, and what each supports.

A piece of evidence names the practices it supports (``REQM SP 1.1``, ``REQM GP 2.1``:
a generic practice is read in the area the reference names) and the units where it
does; one ``EvidenceLink`` is written per (practice, unit). Editing the practices or
units replaces the links; the evidence's history records the change with a reason
("links: + REQM SP 1.1 @ alpha").

Rules (each refusal is an ``AppraisalError`` naming the field):

- the appraisal is not closed;
- an artifact has a link or a file; a link is http(s); a file is at most
  ``MAX_ARTIFACT_BYTES``;
- practices are practices of the appraisal's model whose area is in scope; units are
  the appraisal's; practices without units (or units without practices) link nothing
  and are refused;
- an affirmation records the *role group* interviewed, never a person (issue 3): a
  role group that is the name, username or e-mail of a person of the organization or
  of a user is refused.

A removed or replaced file is deleted from storage once the transaction commits.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import Storage
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Q

from uplift.apps.appraisals.choices import AffirmationKind, AreaScope
from uplift.apps.appraisals.errors import AppraisalError
from uplift.apps.appraisals.files import texts_naming_people
from uplift.apps.appraisals.models import (
    Affirmation,
    Appraisal,
    AppraisalArea,
    AppraisalUnit,
    Artifact,
    EvidenceLink,
)
from uplift.apps.appraisals.services.keep import KEEP, Keep
from uplift.apps.appraisals.services.rating import _check_open, _record_actor
from uplift.apps.library.selectors import model_rating_index
from uplift.domain.ratings import normalize_practice_ref

__all__ = [
    "KEEP",
    "MAX_ARTIFACT_BYTES",
    "Keep",
    "affirmation_create",
    "affirmation_delete",
    "affirmation_update",
    "artifact_create",
    "artifact_delete",
    "artifact_update",
    "role_group_check",
]

User = Any  # auth.User; typed loosely so that callers without a user (CLI) pass None

# The same bound as the API's uploads (uplift.api.parsers.MAX_UPLOAD_BYTES): apps do
# not import the API layer, so the number is repeated here, not the module.
MAX_ARTIFACT_BYTES = 10 * 1024 * 1024

_NAME_MAX = 300  # Artifact.name
_LINK_MAX = 1000  # Artifact.link
_SESSION_MAX = 200  # Affirmation.session
_ROLE_GROUP_MAX = 200  # Affirmation.role_group


Cell = tuple[int, int, int]  # (process area id, practice id, unit id)


# -- shared checks ------------------------------------------------------------------------


def _required_text(value: str, field: str, maximum: int) -> str:
    text = (value or "").strip()
    if not text:
        raise AppraisalError("this field is required", field)
    if len(text) > maximum:
        raise AppraisalError(f"at most {maximum} characters", field)
    return text


def _link(value: str) -> str:
    link = (value or "").strip()
    if not link:
        return ""
    if len(link) > _LINK_MAX:
        raise AppraisalError(f"at most {_LINK_MAX} characters", "link")
    try:
        URLValidator(schemes=["http", "https"])(link)
    except ValidationError:
        raise AppraisalError("enter an http or https address", "link") from None
    return link


def _file(upload: File | None) -> File | None:
    if upload is None:
        return None
    size = upload.size
    if size is None or size > MAX_ARTIFACT_BYTES:
        raise AppraisalError(f"the file is larger than {MAX_ARTIFACT_BYTES} bytes", "file")
    if not upload.name:
        raise AppraisalError("the file has no name", "file")
    return upload


def _links(
    appraisal: Appraisal,
    practices: Iterable[str],
    units: Iterable[str | AppraisalUnit],
) -> tuple[set[Cell], dict[Cell, str]]:
    """The (area, practice, unit) cells the evidence supports, and a label for each.

    Five queries whatever the number of practices and units: the model's index
    (three), the areas in scope, the units.
    """
    if isinstance(practices, str):
        raise AppraisalError("must be a list of practice references", "practices")
    if isinstance(units, str | AppraisalUnit):
        raise AppraisalError("must be a list of units", "units")
    refs: list[str] = []
    for raw in practices:
        ref = normalize_practice_ref(str(raw))
        if ref is None:
            raise AppraisalError(
                f"{raw!r} is not a practice reference like 'REQM SP 1.1'", "practices"
            )
        if ref not in refs:
            refs.append(ref)
    wanted_units = list(units)
    if not refs and not wanted_units:
        return set(), {}
    if not wanted_units:
        raise AppraisalError("name the units where the evidence supports the practices", "units")
    if not refs:
        raise AppraisalError("name the practices the evidence supports at the units", "practices")

    index = model_rating_index(appraisal.model)
    in_scope = set(
        AppraisalArea.objects.filter(appraisal=appraisal, scope=AreaScope.IN_SCOPE).values_list(
            "process_area_id", flat=True
        )
    )
    resolved: list[tuple[str, int, int]] = []
    for ref in refs:
        ids = index.practices.get(ref)
        if ids is None:
            raise AppraisalError(f"{ref} is not a practice of {appraisal.model}", "practices")
        practice_id, area_id = ids
        if area_id not in in_scope:
            raise AppraisalError(f"{ref.split()[0]} is not in the appraisal's scope", "practices")
        resolved.append((ref, practice_id, area_id))

    by_name = {unit.name: unit for unit in AppraisalUnit.objects.filter(appraisal=appraisal)}
    by_pk = {unit.pk: unit for unit in by_name.values()}
    chosen: list[AppraisalUnit] = []
    for item in wanted_units:
        if isinstance(item, AppraisalUnit):
            unit = by_pk.get(item.pk) if item.appraisal_id == appraisal.pk else None
            label = item.name
        else:
            unit = by_name.get(str(item))
            label = str(item)
        if unit is None:
            raise AppraisalError(f"{label!r} is not a unit of this appraisal", "units")
        if unit not in chosen:
            chosen.append(unit)

    cells: set[Cell] = set()
    labels: dict[Cell, str] = {}
    for ref, practice_id, area_id in resolved:
        for unit in chosen:
            cell = (area_id, practice_id, unit.pk)
            cells.add(cell)
            labels[cell] = f"{ref} @ {unit.name}"
    return cells, labels


def _stored_links(evidence: Artifact | Affirmation) -> set[Cell]:
    return set(evidence.links.order_by().values_list("process_area_id", "practice_id", "unit_id"))


def _write_links(evidence: Artifact | Affirmation, cells: set[Cell], old: set[Cell]) -> None:
    """Make the evidence's links exactly ``cells`` (two queries at most)."""
    removed, added = old - cells, cells - old
    if removed:
        condition = Q()
        for area_id, practice_id, unit_id in removed:
            condition |= Q(process_area_id=area_id, practice_id=practice_id, unit_id=unit_id)
        evidence.links.filter(condition).delete()
    source = "artifact" if isinstance(evidence, Artifact) else "affirmation"
    EvidenceLink.objects.bulk_create(
        [
            EvidenceLink(
                appraisal_id=evidence.appraisal_id,
                process_area_id=area_id,
                practice_id=practice_id,
                unit_id=unit_id,
                **{source: evidence},
            )
            for area_id, practice_id, unit_id in sorted(added)
        ]
    )


def _set_reason(instance: Artifact | Affirmation, reason: str) -> None:
    """simple-history's documented hook for a change reason (the history page shows it)."""
    if reason:
        setattr(instance, "_change_reason", reason)  # noqa: B010  (a private hook, not a field)


def _delete_file_on_commit(storage: Storage, name: str) -> None:
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def _apply(instance: Any, changes: dict[str, Any]) -> list[str]:
    """Set the changed attributes; the names of those that changed."""
    changed = [name for name, value in changes.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, changes[name])
    return changed


# -- artifacts -----------------------------------------------------------------------------


@transaction.atomic
def artifact_create(
    *,
    appraisal: Appraisal,
    name: str,
    link: str = "",
    file: File | None = None,
    date: datetime.date | None = None,
    description: str = "",
    practices: Iterable[str] = (),
    units: Iterable[str | AppraisalUnit] = (),
    user: User | None = None,
) -> Artifact:
    """Record an artifact (a link or an uploaded file, or both) and what it supports.

    Writes one evidence link per (practice, unit). Raises ``AppraisalError`` for a
    closed appraisal (field ""), a missing name, neither link nor file (``link``), a
    link that is not http(s), a file over ``MAX_ARTIFACT_BYTES`` (``file``), practices
    the model lacks or out of scope (``practices``), units not the appraisal's
    (``units``).
    """
    _check_open(appraisal)
    clean_name = _required_text(name, "name", _NAME_MAX)
    clean_link = _link(link)
    upload = _file(file)
    if not clean_link and upload is None:
        raise AppraisalError("give a link or upload a file", "link")
    cells, _ = _links(appraisal, practices, units)
    artifact = Artifact(
        appraisal=appraisal,
        name=clean_name,
        link=clean_link,
        date=date,
        description=(description or "").strip(),
        created_by=user,
    )
    if upload is not None:
        artifact.file = upload  # stored under upload_to by the field when saved
    _record_actor(artifact, user)
    artifact.save(force_insert=True)
    _write_links(artifact, cells, set())
    return artifact


@transaction.atomic
def artifact_update(
    *,
    artifact: Artifact,
    user: User | None = None,
    name: str | Keep = KEEP,
    link: str | Keep = KEEP,
    file: File | Keep | None = KEEP,
    date: datetime.date | Keep | None = KEEP,
    description: str | Keep = KEEP,
    practices: Iterable[str] | Keep = KEEP,
    units: Iterable[str | AppraisalUnit] | Keep = KEEP,
) -> Artifact:
    """Change an artifact; arguments left as ``KEEP`` keep their stored values.

    ``file=None`` removes the stored file (the artifact then needs a link); a new file
    replaces it. ``practices`` and ``units`` replace the links: give both, or one of
    them to keep the other as it is (the current practices or units are read from the
    stored links). Saves only the changed fields; a replaced or removed file leaves
    storage when the transaction commits. Raises ``AppraisalError`` like
    :func:`artifact_create`.
    """
    appraisal = artifact.appraisal
    _check_open(appraisal)
    changes: dict[str, Any] = {}
    if name is not KEEP:
        changes["name"] = _required_text(name, "name", _NAME_MAX)
    if link is not KEEP:
        changes["link"] = _link(link)
    if date is not KEEP:
        changes["date"] = date
    if description is not KEEP:
        changes["description"] = (description or "").strip()
    new_file = _file(file) if file is not KEEP else None
    old_file = artifact.file.name or ""
    removes_file = file is None
    has_link = changes.get("link", artifact.link)
    has_file = new_file is not None or (bool(old_file) and not removes_file)
    if not has_link and not has_file:
        raise AppraisalError("give a link or upload a file", "link")
    old_cells = _stored_links(artifact)
    cells, reason = _relink(artifact, old_cells, practices, units)

    changed = _apply(artifact, changes)
    if new_file is not None:
        artifact.file = new_file
        changed.append("file")
    elif removes_file and old_file:
        artifact.file = ""  # FieldFile accepts a name
        changed.append("file")
    if not changed and not reason:
        return artifact
    _record_actor(artifact, user)
    _set_reason(artifact, reason)
    # A change of links alone still writes a history row (saving the name unchanged).
    artifact.save(update_fields=changed or ["name"])
    if cells is not None:
        _write_links(artifact, cells, old_cells)
    if "file" in changed and old_file:
        _delete_file_on_commit(artifact.file.storage, old_file)
    return artifact


def _relink(
    evidence: Artifact | Affirmation,
    old_cells: set[Cell],
    practices: Iterable[str] | Keep,
    units: Iterable[str | AppraisalUnit] | Keep,
) -> tuple[set[Cell] | None, str]:
    """The new cells (None: unchanged) and the history reason describing the change."""
    if practices is KEEP and units is KEEP:
        return None, ""
    if practices is KEEP or units is KEEP:
        practice_refs, unit_names = _current(evidence)
        practices = practice_refs if practices is KEEP else practices
        units = unit_names if units is KEEP else units
    cells, labels = _links(evidence.appraisal, practices, units)
    if cells == old_cells:
        return None, ""
    removed, added = old_cells - cells, cells - old_cells
    parts = [f"+ {labels[cell]}" for cell in sorted(added)]
    if removed:
        parts.append(f"{len(removed)} link{'s' if len(removed) != 1 else ''} removed")
    # simple-history's change reason holds 100 characters.
    return cells, ("links: " + ", ".join(parts))[:100]


def _current(evidence: Artifact | Affirmation) -> tuple[list[str], list[str]]:
    """The practice references and unit names of the stored links; one query."""
    refs: list[str] = []
    units: list[str] = []
    for abbreviation, identifier, unit in evidence.links.order_by("pk").values_list(
        "process_area__abbreviation", "practice__identifier", "unit__name"
    ):
        ref = f"{abbreviation} {identifier}"
        if ref not in refs:
            refs.append(ref)
        if unit not in units:
            units.append(unit)
    return refs, units


@transaction.atomic
def artifact_delete(*, artifact: Artifact, user: User | None = None) -> None:
    """Delete an artifact and its links; its stored file leaves storage on commit.

    Raises ``AppraisalError`` for a closed appraisal.
    """
    _check_open(artifact.appraisal)
    stored = artifact.file.name or ""
    storage = artifact.file.storage
    _record_actor(artifact, user)
    artifact.delete()
    _delete_file_on_commit(storage, stored)


# -- affirmations ----------------------------------------------------------------------------


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def role_group_check(value: str) -> str:
    """The role group, trimmed; refused when it names a person or a user (issue 3).

    For every writer of affirmations: raises
    ``AppraisalError("record the role group, not a person", "role_group")``. The rule
    is ``files.texts_naming_people``, the one the file import applies: a person's
    display name or e-mail, a user's username, e-mail or full name (case ignored), or a
    text containing a name of two words or more (``"interview with Ada Lovelace"``).
    """
    text = _required_text(re.sub(r"\s+", " ", value or ""), "role_group", _ROLE_GROUP_MAX)
    if texts_naming_people([text]):
        raise AppraisalError("record the role group, not a person", "role_group")
    return text


def _kind(value: str) -> str:
    if value not in AffirmationKind.values:
        raise AppraisalError(f"{value!r} is not one of interview, questionnaire", "kind")
    return value


def _date(value: datetime.date | None) -> datetime.date:
    if value is None:
        raise AppraisalError("this field is required", "date")
    return value


@transaction.atomic
def affirmation_create(
    *,
    appraisal: Appraisal,
    kind: str = AffirmationKind.INTERVIEW,
    date: datetime.date | None,
    session: str,
    role_group: str,
    summary: str = "",
    practices: Iterable[str] = (),
    units: Iterable[str | AppraisalUnit] = (),
    user: User | None = None,
) -> Affirmation:
    """Record an interview or questionnaire: its role group, date, session, and what it
    supports (one evidence link per practice and unit).

    Raises ``AppraisalError`` for a closed appraisal, a kind other than interview or
    questionnaire (``kind``), no date (``date``), no session (``session``), a role
    group that names a person (``role_group``: "record the role group, not a
    person"), and practices or units as :func:`artifact_create` does.
    """
    _check_open(appraisal)
    affirmation = Affirmation(
        appraisal=appraisal,
        kind=_kind(kind),
        date=_date(date),
        session=_required_text(session, "session", _SESSION_MAX),
        role_group=role_group_check(role_group),
        summary=(summary or "").strip(),
        created_by=user,
    )
    cells, _ = _links(appraisal, practices, units)
    _record_actor(affirmation, user)
    affirmation.save(force_insert=True)
    _write_links(affirmation, cells, set())
    return affirmation


@transaction.atomic
def affirmation_update(
    *,
    affirmation: Affirmation,
    user: User | None = None,
    kind: str | Keep = KEEP,
    date: datetime.date | Keep = KEEP,
    session: str | Keep = KEEP,
    role_group: str | Keep = KEEP,
    summary: str | Keep = KEEP,
    practices: Iterable[str] | Keep = KEEP,
    units: Iterable[str | AppraisalUnit] | Keep = KEEP,
) -> Affirmation:
    """Change an affirmation; arguments left as ``KEEP`` keep their stored values.

    ``practices`` and ``units`` replace the links (see :func:`artifact_update`). Saves
    only the changed fields. Raises ``AppraisalError`` like :func:`affirmation_create`.
    """
    _check_open(affirmation.appraisal)
    changes: dict[str, Any] = {}
    if kind is not KEEP:
        changes["kind"] = _kind(kind)
    if date is not KEEP:
        changes["date"] = _date(date)
    if session is not KEEP:
        changes["session"] = _required_text(session, "session", _SESSION_MAX)
    if role_group is not KEEP and role_group != affirmation.role_group:
        changes["role_group"] = role_group_check(role_group)
    if summary is not KEEP:
        changes["summary"] = (summary or "").strip()
    old_cells = _stored_links(affirmation)
    cells, reason = _relink(affirmation, old_cells, practices, units)
    changed = _apply(affirmation, changes)
    if not changed and not reason:
        return affirmation
    _record_actor(affirmation, user)
    _set_reason(affirmation, reason)
    affirmation.save(update_fields=changed or ["session"])
    if cells is not None:
        _write_links(affirmation, cells, old_cells)
    return affirmation


@transaction.atomic
def affirmation_delete(*, affirmation: Affirmation, user: User | None = None) -> None:
    """Delete an affirmation and its links. Raises ``AppraisalError`` when closed."""
    _check_open(affirmation.appraisal)
    _record_actor(affirmation, user)
    affirmation.delete()
