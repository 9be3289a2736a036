"""IT policies and the compliance checks of the services they govern (MOF Policy SMF)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from uplift.apps.service_portfolio.choices import ComplianceResult
from uplift.apps.service_portfolio.models.services import Service

__all__ = ["ComplianceCheck", "Policy"]


class Policy(models.Model):
    """An IT policy: its owner, when it is next reviewed, and the services it governs."""

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    statement = models.TextField(help_text="What the policy requires.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="policies_owned"
    )
    review_due = models.DateField(help_text="When the policy is next reviewed.")
    services = models.ManyToManyField(Service, blank=True, related_name="policies")
    active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords(m2m_fields=["services"])

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "policies"

    def __str__(self) -> str:
        return self.name


class ComplianceCheck(models.Model):
    """One check of one service against one policy; a waiver states its reason. The
    latest check per policy and service counts on the scorecard; earlier ones are kept."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="checks")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="compliance_checks")
    checked_on = models.DateField(default=timezone.localdate)
    result = models.CharField(max_length=8, choices=ComplianceResult.choices)
    reason = models.TextField(blank=True, help_text="Required for a waiver; the finding if failed.")
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["service", "policy", "-checked_on", "-pk"]
        permissions = [("waive_compliancecheck", "Can waive a policy compliance check")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(result="waived") | ~models.Q(reason=""),
                name="service_portfolio_waiver_has_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self.service} · {self.policy}: {self.result}"
