"""Writes of the appraisals context, one module per topic.

Every public function is keyword-only, one transaction (``@transaction.atomic``),
records who made the change in the history, and raises ``AppraisalError`` (an edit
the rules refuse, naming the field) or ``InvalidDocument`` (a rejected file).

- ``rating``: file import, cells, team judgments, storing the rating;
- ``plan``: creating and editing the plan (scope, units, team, dates, status);
- ``evidence``: artifacts and affirmations and what they support;
- ``findings``: strengths and weaknesses per process area and goal.

Callers import this package (``services.appraisal_characterize``); the names below
are its public surface.
"""

from uplift.apps.appraisals.services.rating import (
    appraisal_characterize,
    appraisal_import,
    appraisal_judge_goal,
    appraisal_judge_practice,
    appraisal_rate,
)

__all__ = [
    "appraisal_characterize",
    "appraisal_import",
    "appraisal_judge_goal",
    "appraisal_judge_practice",
    "appraisal_rate",
]
