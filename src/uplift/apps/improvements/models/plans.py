"""Process action plans (OPF SP 2.1): content, team, actions, reviews and revisions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from uplift.apps.improvements.choices import ActionStatus, PlanRole, PlanState, ReviewDecision
from uplift.apps.improvements.models.proposals import Proposal

__all__ = [
    "PLAN_FIELDS",
    "Action",
    "ActionPlan",
    "PlanMember",
    "PlanRevision",
    "ReviewRequest",
]

# The nine items of a process action plan (seed 002, OPF SP 2.1 subpractice 3), in order:
# (field, label). A revision's snapshot holds these, the title and the proposals.
PLAN_FIELDS: list[tuple[str, str]] = [
    ("infrastructure", "Process improvement infrastructure"),
    ("objectives", "Process improvement objectives"),
    ("improvements", "Process improvements to be addressed"),
    ("tracking_procedures", "Procedures for planning and tracking process actions"),
    ("strategies", "Strategies for piloting and implementing process actions"),
    ("responsibility", "Responsibility and authority for implementing process actions"),
    ("resources", "Resources, schedules and assignments for implementing process actions"),
    ("effectiveness_methods", "Methods for determining the effectiveness of process actions"),
    ("risks", "Risks associated with the process action plan"),
]


class ActionPlan(models.Model):
    """A process action plan addressing one or more selected proposals.

    ``revision`` is the number of the current revision; once a revision has been sent
    for review, any change to the content makes a new revision (kept as a
    ``PlanRevision`` snapshot) that needs the stakeholders' approval again. The plan is
    approved when every required reviewer has approved the current revision.
    ``version`` grows by one on every save: an edit made from an older version is
    refused with a message, never silently overwriting another person's edit.
    """

    title = models.CharField(max_length=200)
    state = models.CharField(max_length=16, choices=PlanState.choices, default=PlanState.DRAFT)
    proposals = models.ManyToManyField(Proposal, related_name="plans")
    infrastructure = models.TextField(blank=True)
    objectives = models.TextField(blank=True)
    improvements = models.TextField(blank=True)
    tracking_procedures = models.TextField(blank=True)
    strategies = models.TextField(blank=True)
    responsibility = models.TextField(blank=True)
    resources = models.TextField(blank=True)
    effectiveness_methods = models.TextField(blank=True)
    risks = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="action_plans_owned",
        help_text="Answers for the plan and revises it.",
    )
    revision = models.PositiveIntegerField(default=1)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords(m2m_fields=[proposals])

    class Meta:
        ordering = ["-updated_at", "-pk"]
        permissions = [
            ("review_actionplan", "Can approve process action plans they are asked to review"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        """The plan's short name: PAP-<id>."""
        return f"PAP-{self.pk}"


class PlanRevision(models.Model):
    """A kept revision of a plan: the snapshot of its content when it was made."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="improvements_revision_unique")
        ]

    def __str__(self) -> str:
        return f"{self.plan.reference} revision {self.number}"


class PlanMember(models.Model):
    """A member of the plan's process action team, in a role."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="plan_memberships"
    )
    role = models.CharField(max_length=16, choices=PlanRole.choices)
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "role", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "user", "role"], name="improvements_member_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class Action(models.Model):
    """One action of a plan: owner, dates, status and the actions it waits for."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="plan_actions"
    )
    start = models.DateField(null=True, blank=True)
    due = models.DateField()
    status = models.CharField(
        max_length=16, choices=ActionStatus.choices, default=ActionStatus.NOT_STARTED
    )
    completed_on = models.DateField(null=True, blank=True)
    depends_on = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="dependents"
    )
    position = models.PositiveIntegerField(default=0)
    history = HistoricalRecords(m2m_fields=[depends_on])

    class Meta:
        ordering = ["plan", "due", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start__isnull=True) | models.Q(due__gte=models.F("start")),
                name="improvements_action_due_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title


class ReviewRequest(models.Model):
    """A named stakeholder's review of one revision of a plan, and their decision."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="reviews")
    revision = models.PositiveIntegerField()
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="plan_reviews"
    )
    required = models.BooleanField(
        default=True, help_text="The plan is approved only when every required reviewer has."
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decision = models.CharField(
        max_length=20, choices=ReviewDecision.choices, default=ReviewDecision.PENDING
    )
    comment = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["plan", "-revision", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "revision", "reviewer"], name="improvements_review_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.plan.reference} r{self.revision}: {self.reviewer} {self.decision}"
