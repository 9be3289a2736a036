"""Target work activities of a deployment and their status (SP 3.1 subpractice 3,
SP 3.2 subpractices 1, 4 and 7)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from uplift.apps.deployments.choices import TargetSource, TargetStatus
from uplift.apps.deployments.models.plans import DeploymentPlan
from uplift.apps.deployments.models.waves import Wave

__all__ = ["Target"]


class Target(models.Model):
    """A work activity the plan deploys to: why it is in (or out), its wave and status.

    ``source`` says whether the rule chose it or a person added it (``reason`` then
    says why); ``excluded`` takes a rule match out, with a reason. ``matches_rule``
    turns False when the organization changed and a started target no longer matches.
    Invariants: one row per (plan, work activity); opted out and rolled back carry a
    ``status_reason``. The history (simple-history) is the actual of "planned versus
    actual".
    """

    plan = models.ForeignKey(DeploymentPlan, on_delete=models.CASCADE, related_name="targets")
    work_activity = models.ForeignKey(
        "organization.WorkActivity", on_delete=models.PROTECT, related_name="deployment_targets"
    )
    wave = models.ForeignKey(
        Wave, on_delete=models.SET_NULL, null=True, blank=True, related_name="targets"
    )
    source = models.CharField(max_length=8, choices=TargetSource.choices)
    excluded = models.BooleanField(default=False)
    reason = models.TextField(blank=True, help_text="Why it was added or excluded.")
    matches_rule = models.BooleanField(default=True)
    status = models.CharField(
        max_length=16, choices=TargetStatus.choices, default=TargetStatus.NOT_STARTED
    )
    status_reason = models.TextField(blank=True)
    planned_on = models.DateField(
        null=True, blank=True, help_text="When it is to be deployed (default: its wave's end)."
    )
    deployed_on = models.DateField(null=True, blank=True)
    confirmed_on = models.DateField(null=True, blank=True)
    process_version = models.ForeignKey(
        "organization.ProcessAssetVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deployment_targets",
        help_text="The version of the process asset its defined process now includes.",
    )
    training_percent = models.PositiveSmallIntegerField(
        default=0, help_text="Share of the target's people trained, 0 to 100."
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "wave__number", "work_activity__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "work_activity"], name="deployments_target_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(training_percent__lte=100),
                name="deployments_training_percent_max",
            ),
        ]
        indexes = [models.Index(fields=["work_activity", "status"])]

    def __str__(self) -> str:
        return f"{self.plan.reference}: {self.work_activity}"
