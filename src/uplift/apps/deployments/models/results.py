"""Results of a deployment (SP 3.2 subpractice 8, SP 3.3): measured value, lessons
learned, and revisions of measures, objectives, priorities and plans."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from uplift.apps.deployments.choices import LessonKind, RevisionSubject
from uplift.apps.deployments.models.plans import DeploymentPlan, PlanMeasure

__all__ = ["Lesson", "Result", "ResultRevision"]


class Result(models.Model):
    """One evaluation of a plan measure's value: the measurements' before/after
    evaluation over the deployed targets and the payback. Kept as a dated snapshot so
    pages and the dashboard read it without recomputing.

    ``data`` is ``EvaluationRun.as_json()`` plus ``"payback"`` (``Payback`` as JSON or
    null); the columns repeat what the dashboard aggregates.
    """

    plan = models.ForeignKey(DeploymentPlan, on_delete=models.CASCADE, related_name="results")
    plan_measure = models.ForeignKey(PlanMeasure, on_delete=models.CASCADE, related_name="results")
    evaluated_at = models.DateTimeField(default=timezone.now)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    change_date = models.DateField()
    mean_before = models.FloatField(null=True)
    mean_after = models.FloatField(null=True)
    percent_change = models.FloatField(null=True)
    p_value = models.FloatField(null=True)
    improved = models.BooleanField(
        null=True, help_text="Better in the measure's direction and significant."
    )
    target_met = models.BooleanField(null=True)
    monthly_benefit = models.FloatField(null=True)
    payback_months = models.FloatField(null=True)
    payback_low = models.FloatField(null=True)
    payback_high = models.FloatField(null=True)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["plan", "plan_measure", "-evaluated_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.plan.reference} {self.plan_measure}: {self.percent_change}"


class Lesson(models.Model):
    """A lesson learned from the deployment."""

    plan = models.ForeignKey(DeploymentPlan, on_delete=models.CASCADE, related_name="lessons")
    kind = models.CharField(max_length=16, choices=LessonKind.choices)
    text = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "kind", "recorded_at", "pk"]

    def __str__(self) -> str:
        return self.text[:60]


class ResultRevision(models.Model):
    """A revision of an improvement measure, objective, priority or plan that the
    results led to (seed 001 subpractice 8): what, the change, who, when."""

    plan = models.ForeignKey(
        DeploymentPlan, on_delete=models.CASCADE, related_name="result_revisions"
    )
    subject_kind = models.CharField(max_length=16, choices=RevisionSubject.choices)
    subject = models.CharField(max_length=200, help_text="What was revised.")
    change = models.TextField(help_text="The revision and why.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "recorded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_subject_kind_display()}: {self.subject}"
