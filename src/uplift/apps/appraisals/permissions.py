"""Who may do what with one appraisal: the one place that decides (views, API, CLI).

- *see* an appraisal: ``Appraisal.objects.visible_to(user)`` (the view permission, or
  being on its team);
- *see the team's workspace* (the evidence: artifacts and affirmations): anyone on
  the team, observers included, or a holder of ``appraisals.change_characterization``;
- *work* on it (cells, judgments, evidence, findings, rating): a lead appraiser or
  team member of its team, or a holder of ``appraisals.change_characterization``;
- *edit its plan* (name, dates, status, scope, units, team): its lead appraiser, or a
  holder of ``appraisals.change_appraisal``.

A closed appraisal refuses every change (``services`` raise ``AppraisalError``), so
the checks here are about people only.
"""

from __future__ import annotations

from typing import Any

from uplift.apps.appraisals.choices import TeamRole
from uplift.apps.appraisals.models import Appraisal, TeamMember

__all__ = [
    "appraisal_can_edit_plan",
    "appraisal_can_see_workspace",
    "appraisal_can_work",
    "appraisal_team_role",
]


def _active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def appraisal_team_role(user: Any, appraisal: Appraisal) -> str | None:
    """The user's ``TeamRole`` value on the appraisal's team, or None. One query."""
    if not _active(user):
        return None
    return (
        TeamMember.objects.filter(appraisal=appraisal, user=user)
        .values_list("role", flat=True)
        .first()
    )


def appraisal_can_see_workspace(user: Any, appraisal: Appraisal) -> bool:
    """Whether the user may read the team's evidence (artifacts, affirmations)."""
    if not _active(user):
        return False
    if user.has_perm("appraisals.change_characterization"):
        return True
    return appraisal_team_role(user, appraisal) is not None


def appraisal_can_work(user: Any, appraisal: Appraisal) -> bool:
    """Whether the user may characterize, judge, rate, and write evidence and findings."""
    if not _active(user):
        return False
    if user.has_perm("appraisals.change_characterization"):
        return True
    return appraisal_team_role(user, appraisal) in (TeamRole.LEAD_APPRAISER, TeamRole.TEAM_MEMBER)


def appraisal_can_edit_plan(user: Any, appraisal: Appraisal) -> bool:
    """Whether the user may change the plan: scope, units, team, dates, status."""
    if not _active(user):
        return False
    if user.has_perm("appraisals.change_appraisal"):
        return True
    return appraisal_team_role(user, appraisal) == TeamRole.LEAD_APPRAISER
