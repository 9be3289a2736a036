"""Choices of the model library."""

from django.db import models


class Representation(models.TextChoices):
    STAGED = "staged", "Staged"
    CONTINUOUS = "continuous", "Continuous"


class LevelKind(models.TextChoices):
    MATURITY = "maturity", "Maturity level"
    CAPABILITY = "capability", "Capability level"


class GoalKind(models.TextChoices):
    SPECIFIC = "specific", "Specific goal"
    GENERIC = "generic", "Generic goal"


class ModelFormat(models.TextChoices):
    """Where a model version came from; kept for the record and for export defaults."""

    UPLIFT = "uplift", "Uplift YAML/JSON"
    OSCAL = "oscal", "OSCAL catalog"
    CSV = "csv", "Flat CSV"
