"""Choices of the appraisals context."""

from django.db import models


class AppraisalClass(models.TextChoices):
    """SCAMPI appraisal classes; blank when a file does not say."""

    A = "A", "Class A"
    B = "B", "Class B"
    C = "C", "Class C"


class AppraisalStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    RATED = "rated", "Rated"
    CLOSED = "closed", "Closed"


class AreaScope(models.TextChoices):
    """How a process area of the model takes part in an appraisal."""

    IN_SCOPE = "in_scope", "In scope"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class UnitKind(models.TextChoices):
    BASIC_UNIT = "basic_unit", "Basic unit"
    SUPPORT_FUNCTION = "support_function", "Support function"


class TeamRole(models.TextChoices):
    LEAD_APPRAISER = "lead_appraiser", "Lead appraiser"
    TEAM_MEMBER = "team_member", "Team member"
    OBSERVER = "observer", "Observer"


class PracticeValue(models.TextChoices):
    """Characterization values (SCAMPI); the same strings as ``uplift.domain.ratings``."""

    FI = "FI", "Fully implemented"
    LI = "LI", "Largely implemented"
    PI = "PI", "Partially implemented"
    NI = "NI", "Not implemented"
    NY = "NY", "Not yet"


class GoalJudgmentValue(models.TextChoices):
    SATISFIED = "satisfied", "Satisfied"
    UNSATISFIED = "unsatisfied", "Unsatisfied"


class AffirmationKind(models.TextChoices):
    INTERVIEW = "interview", "Interview"
    QUESTIONNAIRE = "questionnaire", "Questionnaire"


class FindingKind(models.TextChoices):
    STRENGTH = "strength", "Strength"
    WEAKNESS = "weakness", "Weakness"
