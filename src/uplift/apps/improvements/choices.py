"""The improvements' choices: proposal states and sources, pilots, plans, actions, reviews.

The proposal states and their transitions are defined once, in
``uplift.domain.proposal_lifecycle``; ``ProposalState`` holds the same values.
"""

from __future__ import annotations

from django.db import models


class ProposalState(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    ANALYZED = "analyzed", "Analyzed"
    REJECTED = "rejected", "Rejected"
    SELECTED_FOR_VALIDATION = "selected_for_validation", "Selected for validation"
    VALIDATING = "validating", "Validating"
    TERMINATED = "terminated", "Terminated"
    REWORK = "rework", "Rework"
    VALIDATED = "validated", "Validated"
    SELECTED_FOR_DEPLOYMENT = "selected_for_deployment", "Selected for deployment"
    DEPLOYING = "deploying", "Deploying"
    DEPLOYED = "deployed", "Deployed"
    EVALUATED = "evaluated", "Evaluated"


class SourceKind(models.TextChoices):
    APPRAISAL_WEAKNESS = "appraisal_weakness", "Appraisal weakness"
    APPRAISAL_FINDING = "appraisal_finding", "Appraisal finding"
    SUGGESTION = "suggestion", "Practitioner's suggestion"
    QPPO_SHORTFALL = "qppo_shortfall", "QPPO shortfall"
    LESSONS_LEARNED = "lessons_learned", "Lessons learned"
    CAUSAL_ANALYSIS = "causal_analysis", "Causal analysis"
    TECHNOLOGY_SCAN = "technology_scan", "Technology scan"
    SERVICE_REVIEW = "service_review", "Service review decision"


class Category(models.TextChoices):
    INCREMENTAL = "incremental", "Incremental"
    INNOVATIVE = "innovative", "Innovative"


class Size(models.TextChoices):
    MINOR = "minor", "Minor"
    MAJOR = "major", "Major"


class ValidationMethod(models.TextChoices):
    REVIEW = "review", "Stakeholder review"
    PROTOTYPE = "prototype", "Prototype"
    PILOT = "pilot", "Pilot"
    SIMULATION = "simulation", "Modelling or simulation"


class CriterionDirection(models.TextChoices):
    BENEFIT = "benefit", "Benefit (a higher score is better)"
    COST = "cost", "Cost (a higher score is worse)"


class PilotStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"


class PilotDecision(models.TextChoices):
    TERMINATE = "terminate", "Terminate"
    REWORK = "rework", "Rework the improvement"
    REPLAN = "replan", "Replan and continue"
    PROCEED = "proceed", "Proceed to deployment"


class PlanState(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"


class PlanRole(models.TextChoices):
    LEAD = "lead", "Lead"
    PROCESS_OWNER = "process_owner", "Process owner"
    PRACTITIONER = "practitioner", "Practitioner"


class ActionStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class ReviewDecision(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    SUPERSEDED = "superseded", "Superseded by a newer revision"
