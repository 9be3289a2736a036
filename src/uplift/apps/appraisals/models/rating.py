"""Characterizations, team judgments and the stored rating of an appraisal.

A generic practice (``GP 2.1``) is one library row shared by every process area, so
each cell and judgment names its process area as well as its practice or goal.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from uplift.apps.appraisals.choices import GoalJudgmentValue, PracticeValue
from uplift.apps.appraisals.models.plan import Appraisal, AppraisalUnit


class Characterization(models.Model):
    """One practice at one basic unit or support function: FI, LI, PI, NI or NY.

    Invariant: one cell per (unit, process area, practice). ``weaknesses`` and
    ``strengths`` are lists of texts.
    """

    appraisal = models.ForeignKey(
        Appraisal, on_delete=models.CASCADE, related_name="characterizations"
    )
    process_area = models.ForeignKey(
        "library.ProcessArea", on_delete=models.PROTECT, related_name="+"
    )
    practice = models.ForeignKey("library.Practice", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(
        AppraisalUnit, on_delete=models.CASCADE, related_name="characterizations"
    )
    value = models.CharField(max_length=2, choices=PracticeValue.choices)
    notes = models.TextField(blank=True)
    weaknesses = models.JSONField(default=list, blank=True)
    strengths = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "process_area", "practice"],
                name="appraisals_characterization_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.practice_id}@{self.unit_id}: {self.value}"


class TeamDecision(models.Model):
    """What every team judgment records: where, why, who and when (SCAMPI asks the
    team to justify its decisions; the rationale is required)."""

    process_area = models.ForeignKey(
        "library.ProcessArea", on_delete=models.PROTECT, related_name="+"
    )
    rationale = models.TextField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField()

    class Meta:
        abstract = True


class PracticeJudgment(TeamDecision):
    """The team's choice where a practice's instances aggregate to LI or PI (or PI/NI)."""

    appraisal = models.ForeignKey(
        Appraisal, on_delete=models.CASCADE, related_name="practice_judgments"
    )
    practice = models.ForeignKey("library.Practice", on_delete=models.PROTECT, related_name="+")
    value = models.CharField(max_length=2, choices=PracticeValue.choices)
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["appraisal", "process_area", "practice"],
                name="appraisals_practice_judgment_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.practice_id}: {self.value}"


class GoalJudgment(TeamDecision):
    """The team's decision whether a goal's weaknesses significantly hurt it."""

    appraisal = models.ForeignKey(
        Appraisal, on_delete=models.CASCADE, related_name="goal_judgments"
    )
    goal = models.ForeignKey("library.Goal", on_delete=models.PROTECT, related_name="+")
    value = models.CharField(max_length=16, choices=GoalJudgmentValue.choices)
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["appraisal", "process_area", "goal"],
                name="appraisals_goal_judgment_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.goal_id}: {self.value}"


class RatingSnapshot(models.Model):
    """The last stored rating of an appraisal (``AppraisalResult.as_json()``).

    Written by ``services.appraisal_rate`` and at import; a cell write does not
    re-rate (issue 3: its cost must not grow with the appraisal), so the snapshot
    can be older than the cells: ``computed_at`` says when it was taken, and
    ``selectors.appraisal_rating`` always rates the current cells. History keeps the
    earlier snapshots.
    """

    appraisal = models.OneToOneField(Appraisal, on_delete=models.CASCADE, related_name="rating")
    result = models.JSONField()
    maturity_level = models.PositiveSmallIntegerField(null=True, blank=True)
    equivalent_maturity_level = models.PositiveSmallIntegerField(null=True, blank=True)
    open_judgment_count = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"rating of {self.appraisal_id} at {self.computed_at:%Y-%m-%d %H:%M}"
