"""The service portfolio's models, by topic."""

from uplift.apps.service_portfolio.models.policies import ComplianceCheck, Policy
from uplift.apps.service_portfolio.models.reviews import Decision, Review
from uplift.apps.service_portfolio.models.services import (
    ContinuityPlan,
    Service,
    ServiceChange,
    ServiceLevelObjective,
    ServicePeriod,
)
from uplift.apps.service_portfolio.models.settings import ScorecardSettings

__all__ = [
    "ComplianceCheck",
    "ContinuityPlan",
    "Decision",
    "Policy",
    "Review",
    "ScorecardSettings",
    "Service",
    "ServiceChange",
    "ServiceLevelObjective",
    "ServicePeriod",
]
