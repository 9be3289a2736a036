"""The domain roles and the permissions each one holds.

Every role is an ``auth.Group`` named by the role's label ("Process group member"); the
role's value ("process_group") is the stable slug that code, role assignments and the
demo use. ``ROLE_PERMISSIONS`` is the one declarative table of who may do what:
role → app label → permission codename patterns (``fnmatch`` style, so ``view_*``
means every view permission of that app, historical models included).
``services.roles_ensure`` makes the groups hold exactly these permissions.

When an app gains models, add its rows here (see docs/development/adding-a-model.md);
a pattern for an app that is not installed simply matches nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from fnmatch import fnmatchcase

from django.db import models

__all__ = ["ROLE_PERMISSIONS", "Role", "permission_matches", "role_patterns"]


class Role(models.TextChoices):
    """A domain role: the value is the stable slug, the label is the group's name."""

    ADMINISTRATOR = "administrator", "Administrator"
    SPONSOR = "sponsor", "Sponsor"
    STEERING_COMMITTEE = "steering_committee", "Steering committee member"
    PROCESS_GROUP = "process_group", "Process group member"
    PROCESS_ACTION_TEAM = "process_action_team", "Process action team member"
    PROCESS_OWNER = "process_owner", "Process owner"
    PROJECT_MANAGER = "project_manager", "Project manager"
    PRACTITIONER = "practitioner", "Practitioner"
    APPRAISER = "appraiser", "Appraiser"
    SERVICE_OWNER = "service_owner", "Service owner"


PermissionTable = Mapping[str, tuple[str, ...]]

# Every role may read every context that has pages.
_READ: PermissionTable = {
    "library": ("view_*",),
    "organization": ("view_*",),
    "appraisals": ("view_*",),
    "measurements": ("view_*",),
}

# The appraisal team's work: plans, characterizations, judgments, ratings (issue 3).
_APPRAISALS_EDIT: PermissionTable = {
    "appraisals": tuple(
        f"{action}_{model}"
        for model in (
            "appraisal",
            "appraisalarea",
            "appraisalunit",
            "teammember",
            "characterization",
            "practicejudgment",
            "goaljudgment",
            "ratingsnapshot",
            "artifact",
            "affirmation",
            "evidencelink",
            "finding",
        )
        for action in ("add", "change")
    )
    + tuple(
        f"delete_{model}"
        for model in (
            "appraisalunit",
            "teammember",
            "artifact",
            "affirmation",
            "evidencelink",
            "finding",
        )
    )
}

_ORGANIZATION_EDIT = (
    "add_organizationalunit",
    "change_organizationalunit",
    "add_workactivity",
    "change_workactivity",
    "add_person",
    "change_person",
    "add_roleassignment",
    "change_roleassignment",
    "delete_roleassignment",
)


def _with(base: PermissionTable, extra: PermissionTable) -> PermissionTable:
    """Merge two rows of the table, keeping the patterns of both per app."""
    merged = {app: tuple(patterns) for app, patterns in base.items()}
    for app, patterns in extra.items():
        merged[app] = merged.get(app, ()) + tuple(patterns)
    return merged


ROLE_PERMISSIONS: Mapping[Role, PermissionTable] = {
    Role.ADMINISTRATOR: {"*": ("*",)},
    Role.SPONSOR: _READ,
    Role.STEERING_COMMITTEE: _READ,
    Role.PROCESS_GROUP: _with(
        _READ,
        {
            "library": ("add_processmodel", "change_processmodel"),
            "organization": _ORGANIZATION_EDIT,
            **_APPRAISALS_EDIT,
            "measurements": ("add_*", "change_*"),
        },
    ),
    Role.PROCESS_ACTION_TEAM: _READ,
    Role.PROCESS_OWNER: _READ,
    Role.PROJECT_MANAGER: _with(_READ, {"organization": ("change_workactivity",)}),
    Role.PRACTITIONER: _READ,
    Role.APPRAISER: _with(_READ, _APPRAISALS_EDIT),
    Role.SERVICE_OWNER: _with(_READ, {"organization": ("change_workactivity",)}),
}


def role_patterns(role: Role) -> PermissionTable:
    """The permission patterns of one role, per app label."""
    return ROLE_PERMISSIONS[role]


def permission_matches(role: Role, app_label: str, codename: str) -> bool:
    """Whether the role's row grants the permission ``app_label.codename``."""
    for app_pattern, codename_patterns in ROLE_PERMISSIONS[role].items():
        if fnmatchcase(app_label, app_pattern) and any(
            fnmatchcase(codename, pattern) for pattern in codename_patterns
        ):
            return True
    return False
