"""Consulting for early adopters and packages handed out (SP 3.2 subpractices 5 and 6)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from uplift.apps.deployments.models.plans import DeploymentPlan
from uplift.apps.deployments.models.targets import Target

__all__ = ["ConsultingEntry", "Package", "PackageReceipt"]


class ConsultingEntry(models.Model):
    """Consulting given to a target (early adopters especially): who, when, how long, what."""

    plan = models.ForeignKey(DeploymentPlan, on_delete=models.CASCADE, related_name="consulting")
    target = models.ForeignKey(
        Target, on_delete=models.CASCADE, null=True, blank=True, related_name="consulting"
    )
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consulting_given"
    )
    given_on = models.DateField()
    hours = models.DecimalField(max_digits=6, decimal_places=2)
    topic = models.CharField(max_length=200)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "-given_on", "-pk"]
        verbose_name_plural = "consulting entries"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hours__gt=0), name="deployments_consulting_hours_positive"
            )
        ]

    def __str__(self) -> str:
        return self.topic


class Package(models.Model):
    """A training material or communication package (a process asset version) the
    deployment hands out."""

    plan = models.ForeignKey(DeploymentPlan, on_delete=models.CASCADE, related_name="packages")
    asset_version = models.ForeignKey(
        "organization.ProcessAssetVersion", on_delete=models.PROTECT, related_name="packages"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "asset_version"], name="deployments_package_unique"
            )
        ]

    def __str__(self) -> str:
        return str(self.asset_version)


class PackageReceipt(models.Model):
    """Who received a package, for which target, when."""

    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="receipts")
    person = models.ForeignKey(
        "organization.Person", on_delete=models.PROTECT, related_name="package_receipts"
    )
    target = models.ForeignKey(
        Target, on_delete=models.SET_NULL, null=True, blank=True, related_name="receipts"
    )
    received_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["package", "person"]
        constraints = [
            models.UniqueConstraint(fields=["package", "person"], name="deployments_receipt_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.package}"
