"""Choices of the measurements context."""

from django.db import models


class Scale(models.TextChoices):
    """What kind of number a measure is; it decides the control chart (XmR, u or p)."""

    CONTINUOUS = "continuous", "Continuous"
    COUNT = "count", "Count"
    PROPORTION = "proportion", "Proportion"


class Direction(models.TextChoices):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"


class Frequency(models.TextChoices):
    EVENT = "event", "Per event"
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"


class ObjectiveKind(models.TextChoices):
    BUSINESS = "business", "Business objective"
    QPPO = "qppo", "Quality and process performance objective"


class Statistic(models.TextChoices):
    """Which statistic of the baseline an objective's target is about."""

    MEAN = "mean", "Mean"
    MEDIAN = "median", "Median"
    P90 = "p90", "90th percentile"
    P10 = "p10", "10th percentile"


class Priority(models.IntegerChoices):
    HIGH = 1, "High"
    MEDIUM = 2, "Medium"
    LOW = 3, "Low"


class ImportJobState(models.TextChoices):
    """Where an observation import job is: waiting for a worker, running, or ended."""

    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
