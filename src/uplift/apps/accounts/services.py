"""Writes of the accounts context: the domain roles as groups with permissions."""

from __future__ import annotations

from collections.abc import Iterable

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission, User
from django.db import transaction

from uplift.apps.accounts.roles import Role, permission_matches

__all__ = ["roles_ensure", "user_roles_add", "user_roles_remove"]


def _permissions_ensure() -> list[Permission]:
    """Create the content types and permissions of every installed app, then list them.

    ``migrate`` creates them in its post_migrate signal, but a database prepared by
    another path (``--run-syncdb``, a restored dump, a test with migrations off) may
    lack them, and a role without its permissions is worse than an error.
    """
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    return list(Permission.objects.select_related("content_type"))


@transaction.atomic
def roles_ensure() -> dict[Role, Group]:
    """Create or update one group per role, holding exactly the permissions of the table.

    Idempotent: a second run finds every group and permission in place and writes
    nothing. Permissions added to a role group by hand are removed (the table in
    ``accounts.roles`` is the one source). Returns the group of every role.
    """
    permissions = _permissions_ensure()
    groups: dict[Role, Group] = {}
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.label)
        wanted = {
            permission.pk
            for permission in permissions
            if permission_matches(role, permission.content_type.app_label, permission.codename)
        }
        current = set(group.permissions.values_list("pk", flat=True))
        if wanted != current:
            group.permissions.set(wanted)
        groups[role] = group
    return groups


def _role_groups(roles: Iterable[Role | str]) -> list[Group]:
    """The groups of the given roles; the role table must have been ensured."""
    names = [Role(role).label for role in roles]
    groups = list(Group.objects.filter(name__in=names))
    missing = set(names) - {group.name for group in groups}
    if missing:
        groups = [group for role, group in roles_ensure().items() if role.label in names]
    return groups


@transaction.atomic
def user_roles_add(*, user: User, roles: Iterable[Role | str]) -> None:
    """Put the user in the groups of the given roles (creating the groups if needed)."""
    groups = _role_groups(roles)
    present = set(user.groups.values_list("pk", flat=True))
    to_add = [group for group in groups if group.pk not in present]
    if to_add:
        user.groups.add(*to_add)


@transaction.atomic
def user_roles_remove(*, user: User, roles: Iterable[Role | str]) -> None:
    """Take the user out of the groups of the given roles; other groups are kept."""
    groups = _role_groups(roles)
    if groups:
        user.groups.remove(*groups)
