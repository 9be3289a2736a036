"""The deployments' tables.

Tree: DeploymentPlan (deploys selected Proposals) → Adjustment, BarrierStrategy,
MitigatedRisk, PlanMeasure (→ Result), Stakeholder, PlanRevision, SignOff, Wave
(→ GateCriterion, GateEvaluation), Target (a work activity, in a wave), ConsultingEntry,
Package (a process asset version) → PackageReceipt, Lesson, ResultRevision.
CoordinationSettings holds the organization's overload limit (one row).

Writes go through ``services``; the tables hold fields and constraints only. Every
table that people edit keeps its history (django-simple-history).
"""

from .plans import (
    PLAN_TEXT_FIELDS,
    Adjustment,
    BarrierStrategy,
    CoordinationSettings,
    DeploymentPlan,
    MitigatedRisk,
    PlanMeasure,
    PlanRevision,
    SignOff,
    Stakeholder,
)
from .results import Lesson, Result, ResultRevision
from .support import ConsultingEntry, Package, PackageReceipt
from .targets import Target
from .waves import GateCriterion, GateEvaluation, Wave

__all__ = [
    "PLAN_TEXT_FIELDS",
    "Adjustment",
    "BarrierStrategy",
    "ConsultingEntry",
    "CoordinationSettings",
    "DeploymentPlan",
    "GateCriterion",
    "GateEvaluation",
    "Lesson",
    "MitigatedRisk",
    "Package",
    "PackageReceipt",
    "PlanMeasure",
    "PlanRevision",
    "Result",
    "ResultRevision",
    "SignOff",
    "Stakeholder",
    "Target",
    "Wave",
]
