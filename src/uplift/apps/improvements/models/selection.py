"""Decision analysis: weighted criteria and the scores of proposals against them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from uplift.apps.improvements.choices import CriterionDirection
from uplift.apps.improvements.models.proposals import Proposal

__all__ = ["Criterion", "Score"]


class Criterion(models.Model):
    """A criterion of the decision analysis, with its weight; the process group edits them.

    Scores run from 1 to 5. For a *benefit* criterion (contribution to objectives) a
    higher score is better; for a *cost* criterion (cost, risk, effort, time to
    benefit) a higher score is worse, and the analysis counts it as 6 - score.
    """

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    direction = models.CharField(max_length=8, choices=CriterionDirection.choices)
    weight = models.DecimalField(max_digits=6, decimal_places=3)
    position = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weight__gte=0), name="improvements_criterion_weight_positive"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Score(models.Model):
    """A proposal's score (1 to 5) on one criterion."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="scores")
    value = models.PositiveSmallIntegerField()
    note = models.CharField(max_length=300, blank=True)
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    scored_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["proposal", "criterion__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "criterion"], name="improvements_score_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(value__gte=1, value__lte=5),
                name="improvements_score_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.proposal.reference} {self.criterion}: {self.value}"
