"""Pilots: the validation of a proposal in a few real work activities (OPM SP 2.3)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from uplift.apps.improvements.choices import PilotDecision, PilotStatus
from uplift.apps.improvements.models.proposals import Proposal

__all__ = ["Pilot"]


class Pilot(models.Model):
    """A pilot's plan (targets, measures, duration, criteria), status, results and decision.

    ``results`` is the snapshot of the measurements' evaluation per measure taken when
    the decision was recorded (the page shows the live evaluation before that).
    A decision of *proceed* is what lets a proposal that must be piloted be validated
    and selected for deployment.
    """

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="pilots")
    title = models.CharField(max_length=200)
    work_activities = models.ManyToManyField(
        "organization.WorkActivity", related_name="pilots", help_text="Where the pilot runs."
    )
    comparison_activities = models.ManyToManyField(
        "organization.WorkActivity",
        blank=True,
        related_name="pilot_comparisons",
        help_text="A comparison group; without one the pilot group is compared with "
        "its own data before the start.",
    )
    measures = models.ManyToManyField("measurements.Measure", related_name="pilots")
    start = models.DateField()
    end = models.DateField()
    success_criteria = models.TextField()
    status = models.CharField(
        max_length=16, choices=PilotStatus.choices, default=PilotStatus.PLANNED
    )
    decision = models.CharField(max_length=16, choices=PilotDecision.choices, blank=True)
    decision_rationale = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    results = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords(m2m_fields=[work_activities, comparison_activities, measures])

    class Meta:
        ordering = ["-start", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")),
                name="improvements_pilot_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title
