"""Services, their service-level objectives, cost and demand per period, changes, and
continuity plans (MOF Business Alignment and Reliability SMFs; CMMI-SVC SCON)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from uplift.apps.service_portfolio.choices import (
    ServiceState,
    SloKind,
    SloPeriod,
    SloStatistic,
    TestResult,
)

__all__ = ["ContinuityPlan", "Service", "ServiceChange", "ServiceLevelObjective", "ServicePeriod"]


class Service(models.Model):
    """An IT service of the portfolio: who owns it, who it serves, which business
    objectives it serves, which work activities deliver it, what it costs and what demand
    it meets.

    ``work_activities`` are the organization's work activities (services, service teams)
    that deliver it; the service-level objectives read their observations from the
    measurement store. ``unit`` is the organizational unit whose appraisals are shown
    beside the scorecard. ``itsm_processes`` are identifiers of ITSM process areas in the
    library (BS 15000) the service exercises; the page maps them to CMMI-SVC.
    """

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    state = models.CharField(
        max_length=16, choices=ServiceState.choices, default=ServiceState.PROPOSED
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="services_owned",
        help_text="The service owner: keeps the service valuable, reliable, compliant and "
        "cost-effective.",
    )
    customers = models.JSONField(
        default=list, blank=True, help_text="Who the service serves, one customer per entry."
    )
    objectives = models.ManyToManyField(
        "measurements.Objective",
        blank=True,
        related_name="services",
        help_text="The business objectives the service serves.",
    )
    work_activities = models.ManyToManyField(
        "organization.WorkActivity",
        blank=True,
        related_name="portfolio_services",
        help_text="The work activities (services, service teams) that deliver it.",
    )
    unit = models.ForeignKey(
        "organization.OrganizationalUnit",
        on_delete=models.PROTECT,
        related_name="portfolio_services",
        help_text="The organizational unit that runs the service (its appraisals are shown).",
    )
    itsm_processes = models.JSONField(
        default=list,
        blank=True,
        help_text="Identifiers of the ITSM process areas the service exercises (e.g. SLM, "
        "SCAM, CAPM).",
    )
    capacity = models.FloatField(
        null=True, blank=True, help_text="Demand the service can meet per period."
    )
    demand_unit = models.CharField(
        max_length=50, blank=True, help_text='What demand is counted in, e.g. "tickets", "users".'
    )
    currency = models.CharField(max_length=3, default="EUR")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    # The links are part of each record, so the history shows them before → after.
    history = HistoricalRecords(m2m_fields=["objectives", "work_activities"])

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity__isnull=True) | models.Q(capacity__gt=0),
                name="service_portfolio_service_capacity_positive",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ServicePeriod(models.Model):
    """Cost and demand of a service in one period (a month, named by its first day).
    ``version`` counts its saves: an edit started from an older one is refused."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="periods")
    period = models.DateField(help_text="The first day of the month.")
    cost = models.DecimalField(max_digits=14, decimal_places=2)
    demand = models.FloatField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["service", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "period"], name="service_portfolio_period_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(cost__gte=0), name="service_portfolio_period_cost_nonnegative"
            ),
            models.CheckConstraint(
                condition=models.Q(demand__isnull=True) | models.Q(demand__gte=0),
                name="service_portfolio_period_demand_nonnegative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.period:%Y-%m}"


class ServiceLevelObjective(models.Model):
    """A service-level objective: a measure of the measurement store, a target and a
    period. Attainment per period is computed from the observations of the service's
    work activities (``uplift.domain.service_outcomes.slo_attainment``)."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="slos")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=SloKind.choices, default=SloKind.SERVICE_LEVEL)
    measure = models.ForeignKey(
        "measurements.Measure", on_delete=models.PROTECT, related_name="service_objectives"
    )
    statistic = models.CharField(
        max_length=16, choices=SloStatistic.choices, default=SloStatistic.MEAN
    )
    target = models.FloatField()
    required_share = models.FloatField(
        null=True,
        blank=True,
        help_text="With the share statistic: the share of observations that must meet the "
        "target (0 to 1).",
    )
    period = models.CharField(max_length=8, choices=SloPeriod.choices, default=SloPeriod.MONTH)
    active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["service", "kind", "name"]
        verbose_name = "service-level objective"
        constraints = [
            models.UniqueConstraint(fields=["service", "name"], name="service_portfolio_slo_unique")
        ]

    def __str__(self) -> str:
        return self.name


class ServiceChange(models.Model):
    """A change delivered to a service: requested and delivered dates give its lead time
    (the evidence of the *able to adapt* outcome). ``version`` counts its saves: an edit
    started from an older one is refused."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="changes")
    title = models.CharField(max_length=200)
    reference = models.CharField(max_length=100, blank=True, help_text="The change record's id.")
    requested_on = models.DateField()
    delivered_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["service", "-requested_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(delivered_on__isnull=True)
                | models.Q(delivered_on__gte=models.F("requested_on")),
                name="service_portfolio_change_delivered_after_requested",
            )
        ]

    def __str__(self) -> str:
        return self.title


class ContinuityPlan(models.Model):
    """A service's continuity plan (CMMI-SVC SCON): essential functions, dependencies,
    vital records, the plan, and its testing."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="continuity_plans")
    name = models.CharField(max_length=200)
    essential_functions = models.TextField(help_text="One essential function per line.")
    dependencies = models.ManyToManyField(
        Service, blank=True, related_name="dependents", help_text="Services this one needs."
    )
    other_dependencies = models.TextField(
        blank=True, help_text="Suppliers, facilities and systems outside the portfolio."
    )
    vital_records = models.TextField(blank=True, help_text="One record or database per line.")
    plan = models.TextField(help_text="The plan, or where it is kept.")
    test_interval_days = models.PositiveIntegerField(default=365)
    last_tested_on = models.DateField(null=True, blank=True)
    last_test_result = models.CharField(
        max_length=8, choices=TestResult.choices, blank=True, default=""
    )
    last_test_notes = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords(m2m_fields=["dependencies"])

    class Meta:
        ordering = ["service", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "name"], name="service_portfolio_continuity_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(test_interval_days__gt=0),
                name="service_portfolio_continuity_interval_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name
