"""Waves and their gates (OPM SP 3.2 subpractice 3: deploy incrementally)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from uplift.apps.deployments.choices import GateCriterionKind, WaveKind, WaveState
from uplift.apps.deployments.models.plans import DeploymentPlan

__all__ = ["GateCriterion", "GateEvaluation", "Wave"]


class Wave(models.Model):
    """One increment of the deployment: a pilot, early adopters, or a further wave.

    The wave's gate (its ``criteria``) is its *entry* gate: the wave cannot start until
    the gate passes (the latest ``GateEvaluation``) or a person holding
    ``deployments.override_gate`` overrode it with a reason. The first wave usually has
    no criteria. Waves start in ``number`` order.
    """

    plan = models.ForeignKey(DeploymentPlan, on_delete=models.CASCADE, related_name="waves")
    number = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=WaveKind.choices, default=WaveKind.WAVE)
    planned_start = models.DateField()
    planned_end = models.DateField()
    actual_start = models.DateField(null=True, blank=True)
    actual_end = models.DateField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=WaveState.choices, default=WaveState.PLANNED)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    override_at = models.DateTimeField(null=True, blank=True)
    override_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="deployments_wave_unique"),
            models.CheckConstraint(
                condition=models.Q(planned_end__gte=models.F("planned_start")),
                name="deployments_wave_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class GateCriterion(models.Model):
    """One criterion of a wave's entry gate.

    - ``measure_improved``: ``measure`` improved (in its better direction) by at least
      ``threshold`` percent over the earlier waves' targets, significant at
      ``confidence`` (e.g. 0.90);
    - ``training_completion``: no target of this wave below ``threshold`` percent;
    - ``deployed_share``: at least ``threshold`` percent of the earlier waves' targets
      deployed or confirmed;
    - ``manual``: a person with the right to change the plan says it is met
      (``manual_met``, who and when).
    """

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="criteria")
    kind = models.CharField(max_length=24, choices=GateCriterionKind.choices)
    description = models.CharField(max_length=300, help_text="The criterion in words.")
    measure = models.ForeignKey(
        "measurements.Measure",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="gate_criteria",
    )
    threshold = models.FloatField(null=True, blank=True, help_text="A percentage.")
    confidence = models.FloatField(null=True, blank=True, help_text="e.g. 0.90.")
    manual_met = models.BooleanField(null=True, blank=True)
    manual_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    manual_at = models.DateTimeField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["wave", "position", "pk"]
        verbose_name_plural = "gate criteria"

    def __str__(self) -> str:
        return self.description


class GateEvaluation(models.Model):
    """One evaluation of a wave's gate: passed or not, and each criterion's result.

    ``results`` is a list of ``{"criterion": id, "description", "passed": bool,
    "detail": str, "figures": {...}}``. Kept, never overwritten: the gate's record.
    """

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="evaluations")
    evaluated_at = models.DateTimeField(default=timezone.now)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    passed = models.BooleanField()
    results = models.JSONField(default=list)

    class Meta:
        ordering = ["wave", "-evaluated_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.wave}: {'passed' if self.passed else 'not passed'}"
