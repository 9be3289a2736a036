"""The appraisals' tables.

Tree: Appraisal → AppraisalArea (process areas in scope / not applicable),
AppraisalUnit (basic units, support functions), TeamMember,
Characterization (practice at unit), PracticeJudgment, GoalJudgment, RatingSnapshot.

Rows reference the library's process areas, goals and practices of the pinned model
version. Every table keeps its history (django-simple-history). Writes go through
``services``; the tables hold fields and constraints only.
"""

from .plan import Appraisal, AppraisalArea, AppraisalUnit, TeamMember
from .rating import Characterization, GoalJudgment, PracticeJudgment, RatingSnapshot

__all__ = [
    "Appraisal",
    "AppraisalArea",
    "AppraisalUnit",
    "Characterization",
    "GoalJudgment",
    "PracticeJudgment",
    "RatingSnapshot",
    "TeamMember",
]
