"""Deployment plans (OPM SP 3.1, seed 000): content, stakeholders, sign-offs, revisions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from uplift.apps.deployments.choices import (
    PlanState,
    RiskType,
    SignOffDecision,
    StakeholderKind,
)

__all__ = [
    "PLAN_TEXT_FIELDS",
    "Adjustment",
    "BarrierStrategy",
    "CoordinationSettings",
    "DeploymentPlan",
    "MitigatedRisk",
    "PlanMeasure",
    "PlanRevision",
    "SignOff",
    "Stakeholder",
]

# The plan's own text items of seed 000, in order: (field, label). A revision's snapshot
# holds these, the title, dates, rule, value objectives and every child row.
PLAN_TEXT_FIELDS: list[tuple[str, str]] = [
    ("adjustment", "How the improvement is adjusted for deployment"),
    ("risk_strategies", "Risk strategies"),
    ("schedule_notes", "Schedule"),
]


class DeploymentPlan(models.Model):
    """The plan for deploying one selected improvement, or a group of related ones.

    ``target_rule`` chooses the target work activities by their attributes (see
    ``services.targeting``); ``Target`` rows hold the result with explicit additions
    and exclusions. ``revision`` is the number of the current revision: once sent for
    sign-off, any change to the content makes a new revision (``PlanRevision``) that
    needs every stakeholder's agreement again. ``version`` grows on every save (the
    optimistic lock of ``improvements.errors.lock_for_update``).
    """

    title = models.CharField(max_length=200)
    state = models.CharField(max_length=16, choices=PlanState.choices, default=PlanState.DRAFT)
    proposals = models.ManyToManyField(
        "improvements.Proposal",
        related_name="deployment_plans",
        help_text="The selected improvements this plan deploys.",
    )
    action_plan = models.ForeignKey(
        "improvements.ActionPlan",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deployment_plans",
        help_text="The process action plan the deployment belongs to, if any.",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="deployment_plans_owned",
        help_text="Manages the deployment and answers for the plan.",
    )
    adjustment = models.TextField(
        blank=True, help_text="How the improvement is adjusted for this deployment as a whole."
    )
    risk_strategies = models.TextField(blank=True)
    schedule_notes = models.TextField(blank=True)
    planned_start = models.DateField(null=True, blank=True)
    planned_end = models.DateField(null=True, blank=True)
    target_rule = models.JSONField(
        default=dict,
        blank=True,
        help_text="Which work activities are targets, by their attributes (empty: none by rule).",
    )
    rule_evaluated_at = models.DateTimeField(null=True, blank=True)
    payback_target_months = models.PositiveIntegerField(
        null=True, blank=True, help_text="The cost is to be recovered within this many months."
    )
    response_time_target_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Average time to respond to changes in work requirements, market or "
        "business environment, in days, that the improvement is to reach.",
    )
    response_time_actual_days = models.PositiveIntegerField(null=True, blank=True)
    related_plans = models.ManyToManyField(
        "self",
        blank=True,
        symmetrical=True,
        help_text="Related improvements deployed together with this one.",
    )
    revision = models.PositiveIntegerField(default=1)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(m2m_fields=[proposals])

    class Meta:
        ordering = ["-updated_at", "-pk"]
        permissions = [
            ("signoff_deploymentplan", "Can sign off deployment plans they are asked to agree"),
            ("override_gate", "Can start a wave whose gate has not passed, giving a reason"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(planned_start__isnull=True)
                | models.Q(planned_end__isnull=True)
                | models.Q(planned_end__gte=models.F("planned_start")),
                name="deployments_plan_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        """The plan's short name: DEP-<id>."""
        return f"DEP-{self.pk}"


class Adjustment(models.Model):
    """How the improvement is adjusted for one target segment (seed 000 subpractice 1)."""

    plan = models.ForeignKey(DeploymentPlan, on_delete=models.CASCADE, related_name="adjustments")
    segment_label = models.CharField(max_length=200, help_text='e.g. "COTS integration projects".')
    segment = models.JSONField(default=dict, blank=True)
    description = models.TextField()
    position = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "position", "pk"]

    def __str__(self) -> str:
        return self.segment_label


class BarrierStrategy(models.Model):
    """A barrier named in the proposal and the strategy that addresses it (subpractice 2)."""

    plan = models.ForeignKey(DeploymentPlan, on_delete=models.CASCADE, related_name="barriers")
    barrier = models.TextField()
    strategy = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "position", "pk"]
        verbose_name_plural = "barrier strategies"

    def __str__(self) -> str:
        return self.barrier[:60]


class MitigatedRisk(models.Model):
    """A work or organizational risk the improvement mitigates (subpractice 4)."""

    plan = models.ForeignKey(
        DeploymentPlan, on_delete=models.CASCADE, related_name="mitigated_risks"
    )
    risk_type = models.CharField(max_length=16, choices=RiskType.choices)
    description = models.TextField()
    mitigated = models.BooleanField(
        default=False, help_text="Confirmed as mitigated when the results were reviewed."
    )
    position = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "position", "pk"]

    def __str__(self) -> str:
        return self.description[:60]


class PlanMeasure(models.Model):
    """A measure that judges the improvement's value: baseline now, target, by when
    (subpractice 4), and what one unit of improvement is worth for the payback."""

    plan = models.ForeignKey(DeploymentPlan, on_delete=models.CASCADE, related_name="measures")
    measure = models.ForeignKey(
        "measurements.Measure", on_delete=models.PROTECT, related_name="deployment_measures"
    )
    objective = models.ForeignKey(
        "measurements.Objective",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deployment_measures",
        help_text="The QPPO the improvement serves.",
    )
    baseline_value = models.FloatField(null=True, blank=True)
    baseline_at = models.DateTimeField(null=True, blank=True)
    target_value = models.FloatField(null=True, blank=True)
    due = models.DateField(null=True, blank=True)
    value_per_unit = models.FloatField(
        null=True,
        blank=True,
        help_text="What one unit of improvement of the measure is worth a month (payback).",
    )
    position = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "measure"], name="deployments_measure_unique")
        ]

    def __str__(self) -> str:
        return str(self.measure)


class Stakeholder(models.Model):
    """A relevant stakeholder whose agreement the plan needs (subpractice 6)."""

    plan = models.ForeignKey(DeploymentPlan, on_delete=models.CASCADE, related_name="stakeholders")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deployment_stakes"
    )
    kind = models.CharField(max_length=16, choices=StakeholderKind.choices)
    required = models.BooleanField(
        default=True, help_text="The plan is agreed only when every required stakeholder agreed."
    )
    note = models.CharField(max_length=200, blank=True, help_text="Whom they speak for.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "kind", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "user"], name="deployments_stakeholder_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_kind_display()})"


class PlanRevision(models.Model):
    """A kept revision of a plan: its snapshot when it was made (subpractice 7)."""

    plan = models.ForeignKey(DeploymentPlan, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="deployments_revision_unique")
        ]

    def __str__(self) -> str:
        return f"{self.plan.reference} revision {self.number}"


class SignOff(models.Model):
    """One stakeholder's agreement to one revision of the plan. Rows are never
    overwritten by a later revision: a new revision asks again with new rows."""

    plan = models.ForeignKey(DeploymentPlan, on_delete=models.CASCADE, related_name="signoffs")
    revision = models.PositiveIntegerField()
    stakeholder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deployment_signoffs"
    )
    kind = models.CharField(max_length=16, choices=StakeholderKind.choices)
    required = models.BooleanField(default=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decision = models.CharField(
        max_length=16, choices=SignOffDecision.choices, default=SignOffDecision.PENDING
    )
    comment = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["plan", "-revision", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "revision", "stakeholder"], name="deployments_signoff_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.plan.reference} r{self.revision}: {self.stakeholder} {self.decision}"


class CoordinationSettings(models.Model):
    """The organization's coordination settings (one row, ``pk=1``), set by the process
    group: above ``overload_limit`` deployments at once, a work activity is overloaded."""

    overload_limit = models.PositiveSmallIntegerField(
        default=2,
        help_text="A work activity receiving more deployments than this at once is overloaded.",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "coordination settings"

    def __str__(self) -> str:
        return f"Overload above {self.overload_limit} deployments at once"
