"""The scorecard's settings: thresholds (``uplift.domain.service_outcomes.ScorecardRules``),
the window, and which measures carry satisfaction. One row."""

from __future__ import annotations

from django.conf import settings as django_settings
from django.db import models
from simple_history.models import HistoricalRecords

__all__ = ["ScorecardSettings"]


class ScorecardSettings(models.Model):
    """The organization's scorecard settings (one row, ``pk=1``); the defaults are the
    domain's (``ScorecardRules``). The reference names the outcomes, not thresholds.

    ``version`` is 1 for the defaults (no row yet) and every save adds one, the first
    save included, so an edit started from the defaults is refused once someone has saved
    them (``scorecard_settings_update``'s ``expected_version``)."""

    window_months = models.PositiveSmallIntegerField(
        default=12,
        help_text="How many months of evidence the scorecard reads, to the last full month.",
    )
    satisfaction_measure = models.ForeignKey(
        "measurements.Measure",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The measure of customer satisfaction (observations of the service's work "
        "activities).",
    )
    satisfaction_target = models.FloatField(default=4.0)
    satisfaction_at_risk_floor = models.FloatField(default=3.5)
    slo_met_share = models.FloatField(default=0.95)
    slo_at_risk_share = models.FloatField(default=0.90)
    availability_met_percent = models.FloatField(default=99.5)
    availability_at_risk_percent = models.FloatField(default=99.0)
    max_waived_share = models.FloatField(default=0.25)
    cost_flat_tolerance = models.FloatField(default=0.01)
    cost_at_risk_rise = models.FloatField(default=0.05)
    cost_min_periods = models.PositiveSmallIntegerField(default=3)
    lead_time_target_days = models.FloatField(default=30.0)
    lead_time_at_risk_ceiling_days = models.FloatField(default=45.0)
    updated_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "scorecard settings"
        verbose_name_plural = "scorecard settings"

    def __str__(self) -> str:
        return "Scorecard settings"
