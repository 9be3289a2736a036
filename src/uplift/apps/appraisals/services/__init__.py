"""Writes of the appraisals context, one module per topic.

Every public function is keyword-only, one transaction (``@transaction.atomic``),
records who made the change in the history, and raises ``AppraisalError`` (an edit
the rules refuse, naming the field) or ``InvalidDocument`` (a rejected file).

- ``rating``: file import, cells, team judgments, storing the rating;
- ``plan``: creating and editing the plan (scope, units, team, dates, status);
- ``evidence``: artifacts and affirmations and what they support;
- ``findings``: strengths and weaknesses per process area and goal;
- ``keep``: ``KEEP``, the "leave it as it is" default of the update services.

Callers import this package (``services.appraisal_characterize``); the names below
are its public surface.
"""

from uplift.apps.appraisals.services.evidence import (
    MAX_ARTIFACT_BYTES,
    affirmation_create,
    affirmation_delete,
    affirmation_update,
    artifact_create,
    artifact_delete,
    artifact_update,
    role_group_check,
)
from uplift.apps.appraisals.services.findings import (
    finding_create,
    finding_delete,
    finding_reorder,
    finding_update,
)
from uplift.apps.appraisals.services.keep import KEEP, Keep
from uplift.apps.appraisals.services.plan import (
    STATUS_TRANSITIONS,
    appraisal_create,
    appraisal_scope_set,
    appraisal_status_set,
    appraisal_team_member_add,
    appraisal_team_member_remove,
    appraisal_unit_add,
    appraisal_unit_remove,
    appraisal_unit_update,
    appraisal_update,
)
from uplift.apps.appraisals.services.rating import (
    appraisal_characterize,
    appraisal_import,
    appraisal_judge_goal,
    appraisal_judge_practice,
    appraisal_rate,
)

__all__ = [
    "KEEP",
    "MAX_ARTIFACT_BYTES",
    "STATUS_TRANSITIONS",
    "Keep",
    "affirmation_create",
    "affirmation_delete",
    "affirmation_update",
    "appraisal_characterize",
    "appraisal_create",
    "appraisal_import",
    "appraisal_judge_goal",
    "appraisal_judge_practice",
    "appraisal_rate",
    "appraisal_scope_set",
    "appraisal_status_set",
    "appraisal_team_member_add",
    "appraisal_team_member_remove",
    "appraisal_unit_add",
    "appraisal_unit_remove",
    "appraisal_unit_update",
    "appraisal_update",
    "artifact_create",
    "artifact_delete",
    "artifact_update",
    "finding_create",
    "finding_delete",
    "finding_reorder",
    "finding_update",
    "role_group_check",
]
