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
    # Anyone in a role may suggest an improvement (issue 5).
    "improvements": ("view_*", "add_proposal", "add_expectedbenefit"),
    "deployments": ("view_*",),
    "service_portfolio": ("view_*",),
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

# Improvements (issue 5). Approving a plan also needs being asked to review its
# current revision (apps/improvements/permissions.py); the permission alone is not enough.
_REVIEW: PermissionTable = {"improvements": ("review_actionplan",)}
_PLAN_WORK: PermissionTable = {
    "improvements": (
        "add_actionplan",
        "change_actionplan",
        "add_action",
        "change_action",
        "delete_action",
        "add_planmember",
        "change_planmember",
        "delete_planmember",
        "add_reviewrequest",
        "add_pilot",
        "change_pilot",
    )
}
_IMPROVEMENTS_MANAGE: PermissionTable = {
    "improvements": (
        "add_*",
        "change_*",
        "delete_action",
        "delete_planmember",
        "delete_expectedbenefit",
        "delete_score",
        "decide_proposal",
        "select_proposal",
        "review_actionplan",
    )
}
_SELECT: PermissionTable = {"improvements": ("select_proposal", "review_actionplan")}

# Deployments (issue 6). Signing off also needs being named a stakeholder of the current
# revision; a project or service manager's change_target covers only the targets of the
# work activities they manage (apps/deployments/permissions.py).
_DEPLOY_MODELS = (
    "deploymentplan",
    "adjustment",
    "barrierstrategy",
    "mitigatedrisk",
    "planmeasure",
    "stakeholder",
    "signoff",
    "wave",
    "gatecriterion",
    "gateevaluation",
    "target",
    "consultingentry",
    "package",
    "packagereceipt",
    "result",
    "lesson",
    "resultrevision",
)
_DEPLOY_WORK: PermissionTable = {
    "deployments": (
        *tuple(
            f"{action}_{model}"
            for model in _DEPLOY_MODELS
            for action in ("add", "change", "delete")
        ),
        "signoff_deploymentplan",
    )
}
_DEPLOY_MANAGE: PermissionTable = {
    "deployments": (*_DEPLOY_WORK["deployments"], "change_coordinationsettings")
}
_DEPLOY_AUTHORIZE: PermissionTable = {"deployments": ("signoff_deploymentplan", "override_gate")}
_DEPLOY_RECEIVE: PermissionTable = {
    "deployments": (
        "change_target",
        "add_lesson",
        "add_packagereceipt",
        "signoff_deploymentplan",
    )
}

# The service portfolio (issue 7). A service owner's change_service and the rows below
# cover only the services they own (apps/service_portfolio/permissions.py); the process
# group manages every service. Waiving a compliance check needs waive_compliancecheck.
_SERVICE_ROWS = (
    "servicelevelobjective",
    "serviceperiod",
    "servicechange",
    "continuityplan",
)
_SERVICES_OWN: PermissionTable = {
    "service_portfolio": (
        "change_service",
        *tuple(
            f"{action}_{model}" for model in _SERVICE_ROWS for action in ("add", "change", "delete")
        ),
        "add_compliancecheck",
    )
}
_SERVICE_MODELS = (
    "service",
    *_SERVICE_ROWS,
    "policy",
    "compliancecheck",
    "review",
    "decision",
)
_SERVICES_MANAGE: PermissionTable = {
    "service_portfolio": (
        *tuple(
            f"{action}_{model}"
            for model in _SERVICE_MODELS
            for action in ("add", "change", "delete")
        ),
        "waive_compliancecheck",
        "change_scorecardsettings",
    )
}
_SERVICES_REVIEW: PermissionTable = {
    "service_portfolio": (
        "add_review",
        "change_review",
        "add_decision",
        "change_decision",
        "add_compliancecheck",
        "waive_compliancecheck",
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
# Process owners keep their process assets (process descriptions, training material…).
_ASSET_EDIT = (
    "add_processasset",
    "change_processasset",
    "add_processassetversion",
    "change_processassetversion",
)


def _with(base: PermissionTable, extra: PermissionTable) -> PermissionTable:
    """Merge two rows of the table, keeping the patterns of both per app."""
    merged = {app: tuple(patterns) for app, patterns in base.items()}
    for app, patterns in extra.items():
        merged[app] = merged.get(app, ()) + tuple(patterns)
    return merged


ROLE_PERMISSIONS: Mapping[Role, PermissionTable] = {
    Role.ADMINISTRATOR: {"*": ("*",)},
    Role.SPONSOR: _with(_with(_with(_READ, _SELECT), _DEPLOY_AUTHORIZE), _SERVICES_REVIEW),
    Role.STEERING_COMMITTEE: _with(
        _with(_with(_READ, _SELECT), _DEPLOY_AUTHORIZE), _SERVICES_REVIEW
    ),
    Role.PROCESS_GROUP: _with(
        _READ,
        {
            "library": ("add_processmodel", "change_processmodel"),
            "organization": _ORGANIZATION_EDIT + _ASSET_EDIT,
            **_APPRAISALS_EDIT,
            "measurements": ("add_*", "change_*"),
            **_IMPROVEMENTS_MANAGE,
            **_DEPLOY_MANAGE,
            **_SERVICES_MANAGE,
        },
    ),
    Role.PROCESS_ACTION_TEAM: _with(_with(_READ, _PLAN_WORK), _DEPLOY_WORK),
    Role.PROCESS_OWNER: _with(
        _with(_with(_with(_READ, _PLAN_WORK), _REVIEW), _DEPLOY_WORK),
        {"organization": _ASSET_EDIT},
    ),
    Role.PROJECT_MANAGER: _with(
        _with(_with(_READ, {"organization": ("change_workactivity",)}), _REVIEW),
        _DEPLOY_RECEIVE,
    ),
    Role.PRACTITIONER: _READ,
    Role.APPRAISER: _with(_READ, _APPRAISALS_EDIT),
    Role.SERVICE_OWNER: _with(
        _with(
            _with(_with(_READ, {"organization": ("change_workactivity",)}), _REVIEW),
            _DEPLOY_RECEIVE,
        ),
        _SERVICES_OWN,
    ),
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
