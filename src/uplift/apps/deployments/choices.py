"""The deployments' choices: plan states, stakeholders and sign-offs, waves, gates,
targets, results."""

from __future__ import annotations

from django.db import models


class PlanState(models.TextChoices):
    """Where a deployment plan is. Draft → in review → agreed (every required stakeholder
    agreed to the current revision) → deploying (a wave started) → complete (every
    target confirmed or excused); cancelled from any state before complete."""

    DRAFT = "draft", "Being planned"
    IN_REVIEW = "in_review", "In review"
    AGREED = "agreed", "Agreed"
    DEPLOYING = "deploying", "Deploying"
    COMPLETE = "complete", "Complete"
    CANCELLED = "cancelled", "Cancelled"


class StakeholderKind(models.TextChoices):
    """Seed 000 subpractice 6: the improvement sponsor, target work groups, support
    organizations."""

    SPONSOR = "sponsor", "Improvement sponsor"
    TARGET_GROUP = "target_group", "Target work group"
    SUPPORT = "support", "Support organization"
    OTHER = "other", "Other stakeholder"


class SignOffDecision(models.TextChoices):
    PENDING = "pending", "Waiting"
    AGREED = "agreed", "Agreed"
    OBJECTED = "objected", "Objected: changes needed"
    SUPERSEDED = "superseded", "Superseded by a later revision"


class RiskType(models.TextChoices):
    """Seed 000 subpractice 4: work and organizational risks mitigated."""

    WORK = "work", "Work activity risk"
    ORGANIZATIONAL = "organizational", "Organizational risk"


class WaveKind(models.TextChoices):
    PILOT = "pilot", "Pilot"
    EARLY_ADOPTERS = "early_adopters", "Early adopters"
    WAVE = "wave", "Wave"


class WaveState(models.TextChoices):
    PLANNED = "planned", "Planned"
    RUNNING = "running", "Running"
    FINISHED = "finished", "Finished"


class GateCriterionKind(models.TextChoices):
    """What a gate checks (rules in ``uplift.domain.deployment``)."""

    MEASURE_IMPROVED = "measure_improved", "A measure improved in the earlier waves"
    TRAINING_COMPLETION = "training_completion", "No target of this wave below a training share"
    DEPLOYED_SHARE = "deployed_share", "A share of the earlier waves' targets deployed"
    MANUAL = "manual", "Checked by a person"


class TargetSource(models.TextChoices):
    RULE = "rule", "Matches the rule"
    ADDED = "added", "Added by hand"


class TargetStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    PREPARING = "preparing", "Preparing"
    DEPLOYED = "deployed", "Deployed"
    CONFIRMED = "confirmed", "Confirmed"
    OPTED_OUT = "opted_out", "Opted out"
    ROLLED_BACK = "rolled_back", "Rolled back"


class LessonKind(models.TextChoices):
    WENT_WELL = "went_well", "What went well"
    TO_CHANGE = "to_change", "What to change"
    SURPRISE = "surprise", "What surprised us"


class RevisionSubject(models.TextChoices):
    """Seed 001 subpractice 8: revising improvement measures, objectives, priorities and
    deployment plans."""

    MEASURE = "measure", "Improvement measure"
    OBJECTIVE = "objective", "Objective"
    PRIORITY = "priority", "Priority"
    PLAN = "plan", "Deployment plan"
