"""Writes of the organization context.

Each function is one transaction. Updates save only the fields that really changed
(``update_fields``), and save nothing when nothing changed, so an idempotent caller
(the demo loader, an import) leaves no empty history rows. ``actor`` is recorded as
the history's user when given (the web request's user is recorded by the middleware).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.text import slugify

from uplift.apps.accounts.roles import Role
from uplift.apps.accounts.services import user_roles_add, user_roles_remove
from uplift.apps.organization.choices import (
    AssetKind,
    LifeCyclePhase,
    Size,
    WorkActivityKind,
    WorkActivityType,
)
from uplift.apps.organization.models import (
    OrganizationalUnit,
    Person,
    ProcessAsset,
    ProcessAssetVersion,
    RoleAssignment,
    WorkActivity,
)

__all__ = [
    "PERSON_FIELDS",
    "UNIT_FIELDS",
    "WORK_ACTIVITY_FIELDS",
    "person_create",
    "person_update",
    "process_asset_create",
    "process_asset_version_create",
    "role_assignment_create",
    "role_assignment_delete",
    "unit_create",
    "unit_update",
    "work_activity_create",
    "work_activity_update",
]

UNIT_FIELDS = frozenset({"name", "slug", "description", "parent", "model_identifier"})
WORK_ACTIVITY_FIELDS = frozenset(
    {
        "name",
        "slug",
        "kind",
        "unit",
        "activity_type",
        "size",
        "phase",
        "manager",
        "attributes",
        "active",
    }
)
PERSON_FIELDS = frozenset({"user", "slug", "display_name", "email", "unit", "job_title"})

M = TypeVar("M", bound=models.Model)


def _record_actor(instance: models.Model, actor: User | None) -> None:
    """Tell simple-history who made the change (its documented ``_history_user``)."""
    if actor is not None:
        setattr(instance, "_history_user", actor)  # noqa: B010  (a private hook, not a field)


def _save_new(instance: M, actor: User | None) -> M:
    """Validate and insert a new row, recording ``actor`` in its history."""
    instance.full_clean()
    _record_actor(instance, actor)
    instance.save(force_insert=True)
    return instance


def _update(
    instance: M, *, allowed: frozenset[str], data: Mapping[str, Any], actor: User | None
) -> tuple[M, list[str]]:
    """Set the changed fields of ``data`` and save only those; return the changed names.

    Raises ``ValueError`` for a field that is not in ``allowed`` (a programming error),
    ``ValidationError`` if the new values break a field or model rule.
    """
    unknown = set(data) - allowed
    if unknown:
        raise ValueError(f"Cannot update {', '.join(sorted(unknown))} here.")
    changed = [name for name, value in data.items() if getattr(instance, name) != value]
    if not changed:
        return instance, []
    for name in changed:
        setattr(instance, name, data[name])
    instance.full_clean()
    _record_actor(instance, actor)
    instance.save(update_fields=changed)
    return instance, changed


@transaction.atomic
def unit_create(
    *,
    name: str,
    slug: str = "",
    description: str = "",
    parent: OrganizationalUnit | None = None,
    model_identifier: str = "",
    actor: User | None = None,
) -> OrganizationalUnit:
    """Create an organizational unit; the slug defaults to the slugified name.

    Raises ``ValidationError`` if the slug is taken or a field is invalid.
    """
    unit = OrganizationalUnit(
        name=name,
        slug=slug or slugify(name),
        description=description,
        parent=parent,
        model_identifier=model_identifier,
    )
    return _save_new(unit, actor)


@transaction.atomic
def unit_update(
    *, unit: OrganizationalUnit, data: Mapping[str, Any], actor: User | None = None
) -> tuple[OrganizationalUnit, list[str]]:
    """Change fields of a unit (names in ``UNIT_FIELDS``); return it and the changed names.

    Raises ``ValidationError`` if a unit would become its own ancestor.
    """
    parent = data.get("parent")
    while parent is not None:
        if parent.pk == unit.pk:
            raise ValidationError({"parent": "A unit cannot be inside itself."})
        parent = parent.parent
    return _update(unit, allowed=UNIT_FIELDS, data=data, actor=actor)


@transaction.atomic
def work_activity_create(
    *,
    name: str,
    kind: WorkActivityKind | str,
    unit: OrganizationalUnit,
    slug: str = "",
    activity_type: WorkActivityType | str = WorkActivityType.OTHER,
    size: Size | str = Size.MEDIUM,
    phase: LifeCyclePhase | str = LifeCyclePhase.EXECUTION,
    manager: Person | None = None,
    attributes: Mapping[str, Any] | None = None,
    active: bool = True,
    actor: User | None = None,
) -> WorkActivity:
    """Create a project, service, work group or acquisition project in a unit.

    Raises ``ValidationError`` if the slug is taken or a choice is unknown.
    """
    activity = WorkActivity(
        name=name,
        slug=slug or slugify(name),
        kind=kind,
        unit=unit,
        activity_type=activity_type,
        size=size,
        phase=phase,
        manager=manager,
        attributes=dict(attributes or {}),
        active=active,
    )
    return _save_new(activity, actor)


@transaction.atomic
def work_activity_update(
    *, work_activity: WorkActivity, data: Mapping[str, Any], actor: User | None = None
) -> tuple[WorkActivity, list[str]]:
    """Change fields of a work activity (names in ``WORK_ACTIVITY_FIELDS``).

    Returns the activity and the names of the fields that changed (empty: nothing saved).
    """
    return _update(work_activity, allowed=WORK_ACTIVITY_FIELDS, data=data, actor=actor)


@transaction.atomic
def person_create(
    *,
    display_name: str,
    slug: str = "",
    email: str = "",
    unit: OrganizationalUnit | None = None,
    job_title: str = "",
    user: User | None = None,
    actor: User | None = None,
) -> Person:
    """Create a person, optionally linked to a sign-in (``user``).

    Raises ``ValidationError`` if the slug or the user is already taken.
    """
    person = Person(
        display_name=display_name,
        slug=slug or slugify(display_name),
        email=email,
        unit=unit,
        job_title=job_title,
        user=user,
    )
    return _save_new(person, actor)


@transaction.atomic
def person_update(
    *, person: Person, data: Mapping[str, Any], actor: User | None = None
) -> tuple[Person, list[str]]:
    """Change fields of a person (names in ``PERSON_FIELDS``)."""
    return _update(person, allowed=PERSON_FIELDS, data=data, actor=actor)


@transaction.atomic
def role_assignment_create(
    *,
    person: Person,
    role: Role | str,
    unit: OrganizationalUnit | None = None,
    work_activity: WorkActivity | None = None,
    actor: User | None = None,
) -> RoleAssignment:
    """Give a person a role, for a unit, a work activity or (neither) the organization.

    The person's sign-in, if any, joins the role's group, which carries the role's
    permissions. Raises ``ValidationError`` if both scopes are given or the person
    already holds the role in that scope.
    """
    if unit is not None and work_activity is not None:
        raise ValidationError("A role is held for a unit or a work activity, not both.")
    assignment = RoleAssignment(
        person=person, role=Role(role), unit=unit, work_activity=work_activity
    )
    _save_new(assignment, actor)
    if person.user is not None:
        user_roles_add(user=person.user, roles=[assignment.role])
    return assignment


@transaction.atomic
def role_assignment_delete(*, assignment: RoleAssignment, actor: User | None = None) -> None:
    """Remove a role assignment; the sign-in leaves the role's group if no other
    assignment of the same role remains."""
    person = assignment.person
    role = assignment.role
    _record_actor(assignment, actor)
    assignment.delete()
    still_held = RoleAssignment.objects.filter(person=person, role=role).exists()
    if person.user is not None and not still_held:
        user_roles_remove(user=person.user, roles=[role])


# -- process assets (issue 6) -------------------------------------------------------------

# Path words of the asset pages that a slug must not shadow (organization/assets/new/).
_RESERVED_ASSET_SLUGS = frozenset({"new"})


def _require(actor: User | None, permission: str, sentence: str) -> None:
    """Refuse an actor without ``permission``; ``None`` is a trusted loader (demo, import)."""
    if actor is not None and not actor.has_perm(permission):
        raise PermissionDenied(sentence)


@transaction.atomic
def process_asset_create(
    *,
    actor: User | None,
    slug: str,
    name: str,
    kind: AssetKind | str,
    owner: Person | None = None,
    description: str = "",
) -> ProcessAsset:
    """Create an organizational process asset (a process description, training
    material, communication package…); the slug defaults to the slugified name.

    Needs ``organization.add_processasset`` (process group, process owners); ``actor``
    None is a trusted loader (the demo). Raises ``PermissionDenied`` without it and
    ``ValidationError`` for a taken or reserved slug, an unknown kind or a missing name.
    """
    _require(actor, "organization.add_processasset", "You may not add process assets.")
    asset = ProcessAsset(
        slug=(slug or slugify(name)).strip(),
        name=name.strip(),
        kind=kind,
        owner=owner,
        description=description.strip(),
    )
    if asset.slug in _RESERVED_ASSET_SLUGS:
        raise ValidationError({"slug": f"“{asset.slug}” is reserved; choose another slug."})
    return _save_new(asset, actor)


@transaction.atomic
def process_asset_version_create(
    *,
    asset: ProcessAsset,
    actor: User | None,
    label: str,
    released_on: dt.date,
    change_note: str = "",
    location: str = "",
) -> ProcessAssetVersion:
    """Release a new version of a process asset: its label ("2.1"), release date, what
    changed and where the released document lives.

    Needs ``organization.add_processassetversion`` (``actor`` None: a trusted loader).
    Raises ``PermissionDenied`` without it and ``ValidationError`` when the label is
    empty or already used for this asset, or the release date is missing.
    """
    _require(
        actor,
        "organization.add_processassetversion",
        f"You may not release versions of the process asset “{asset.name}”.",
    )
    version = ProcessAssetVersion(
        asset=asset,
        label=label.strip(),
        released_on=released_on,
        change_note=change_note.strip(),
        location=location.strip(),
    )
    return _save_new(version, actor)
