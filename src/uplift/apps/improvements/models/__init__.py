"""The improvements' tables.

Tree: Proposal → ExpectedBenefit, ProposalTransition (who, when, why), Score (per
Criterion), Pilot; ActionPlan (addresses selected proposals) → PlanRevision,
PlanMember (the process action team), Action, ReviewRequest.

Writes go through ``services``; the tables hold fields and constraints only. Every
table that people edit keeps its history (django-simple-history).
"""

from .pilots import Pilot
from .plans import PLAN_FIELDS, Action, ActionPlan, PlanMember, PlanRevision, ReviewRequest
from .proposals import ExpectedBenefit, Proposal, ProposalTransition
from .selection import Criterion, Score

__all__ = [
    "PLAN_FIELDS",
    "Action",
    "ActionPlan",
    "Criterion",
    "ExpectedBenefit",
    "Pilot",
    "PlanMember",
    "PlanRevision",
    "Proposal",
    "ProposalTransition",
    "ReviewRequest",
    "Score",
]
