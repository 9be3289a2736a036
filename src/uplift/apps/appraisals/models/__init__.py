"""The appraisals' tables.

Tree: Appraisal → AppraisalArea (process areas in scope / not applicable),
AppraisalUnit (basic units, support functions), TeamMember,
Characterization (practice at unit), PracticeJudgment, GoalJudgment, RatingSnapshot,
Artifact and Affirmation (evidence) with EvidenceLink (evidence → practice at unit),
Finding (strength or weakness per process area and goal).

Rows reference the library's process areas, goals and practices of the pinned model
version. Every table keeps its history (django-simple-history). Writes go through
``services``; the tables hold fields and constraints only.
"""

from .evidence import Affirmation, Artifact, EvidenceLink
from .findings import Finding
from .plan import Appraisal, AppraisalArea, AppraisalUnit, TeamMember
from .rating import Characterization, GoalJudgment, PracticeJudgment, RatingSnapshot

__all__ = [
    "Affirmation",
    "Appraisal",
    "AppraisalArea",
    "AppraisalUnit",
    "Artifact",
    "Characterization",
    "EvidenceLink",
    "Finding",
    "GoalJudgment",
    "PracticeJudgment",
    "RatingSnapshot",
    "TeamMember",
]
