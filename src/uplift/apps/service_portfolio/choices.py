"""The service portfolio's choices: life cycle, objectives, continuity, compliance, reviews."""

from __future__ import annotations

from django.db import models

from uplift.domain.service_outcomes import OUTCOME_TITLES, Outcome


class ServiceState(models.TextChoices):
    """Where a service is in its life cycle (MOF Business Alignment: portfolio management)."""

    PROPOSED = "proposed", "Proposed"
    CATALOG = "catalog", "In the catalog"
    RETIRED = "retired", "Retired"


class SloKind(models.TextChoices):
    """What a service-level objective is about (Reliability SMF: availability, capacity)."""

    SERVICE_LEVEL = "service_level", "Service level"
    AVAILABILITY = "availability", "Availability"
    CAPACITY = "capacity", "Capacity (utilization)"


class SloStatistic(models.TextChoices):
    """How a period's observations are judged against the target."""

    MEAN = "mean", "Mean of the period's observations"
    SHARE_MEETING = "share_meeting", "Share of observations meeting the target"


class SloPeriod(models.TextChoices):
    MONTH = "month", "Month"
    QUARTER = "quarter", "Quarter"


class TestResult(models.TextChoices):
    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"


class ComplianceResult(models.TextChoices):
    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"
    WAIVED = "waived", "Waived"


class ReviewKind(models.TextChoices):
    """MOF Plan and Optimize management reviews."""

    SERVICE_ALIGNMENT = "service_alignment", "Service alignment review"
    PORTFOLIO = "portfolio", "Portfolio review"


class ReviewState(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class OutcomeChoice(models.TextChoices):
    """The scorecard's six outcomes as model choices (the domain's ``Outcome``)."""

    VALUABLE = Outcome.VALUABLE.value, OUTCOME_TITLES[Outcome.VALUABLE]
    PREDICTABLE = Outcome.PREDICTABLE.value, OUTCOME_TITLES[Outcome.PREDICTABLE]
    RELIABLE = Outcome.RELIABLE.value, OUTCOME_TITLES[Outcome.RELIABLE]
    COMPLIANT = Outcome.COMPLIANT.value, OUTCOME_TITLES[Outcome.COMPLIANT]
    COST_EFFECTIVE = Outcome.COST_EFFECTIVE.value, OUTCOME_TITLES[Outcome.COST_EFFECTIVE]
    ADAPTABLE = Outcome.ADAPTABLE.value, OUTCOME_TITLES[Outcome.ADAPTABLE]
