"""Improvement proposals, their expected benefits, and the record of their transitions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from uplift.apps.improvements.choices import (
    Category,
    ProposalState,
    Size,
    SourceKind,
    ValidationMethod,
)

__all__ = ["ExpectedBenefit", "Proposal", "ProposalTransition"]


class Proposal(models.Model):
    """What to change, why, at what cost and benefit (OPM SP 2.1 to 2.4).

    A proposal links back to its source: an appraisal finding (a weakness or any
    finding), a QPPO with a shortfall, or a text reference (lessons-learned record,
    causal analysis, technology scan); a practitioner's suggestion needs none.
    ``state`` changes only through ``services.proposals.proposal_transition``, which
    records a ``ProposalTransition``. ``version`` grows by one on every save: an edit
    made from an older version is refused (no silent overwrite).
    """

    title = models.CharField(max_length=200)
    state = models.CharField(
        max_length=32, choices=ProposalState.choices, default=ProposalState.SUBMITTED
    )
    source_kind = models.CharField(max_length=32, choices=SourceKind.choices)
    source_reference = models.CharField(
        max_length=300,
        blank=True,
        help_text="Where it came from when that is not a finding or an objective: "
        "a lessons-learned record, a causal analysis, a scan report (text or link).",
    )
    finding = models.ForeignKey(
        "appraisals.Finding",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposals",
        help_text="The appraisal weakness or finding the proposal answers.",
    )
    objective = models.ForeignKey(
        "measurements.Objective",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposals",
        help_text="The QPPO whose shortfall the proposal answers.",
    )
    process_areas = models.ManyToManyField(
        "library.ProcessArea", blank=True, related_name="proposals"
    )
    practices = models.ManyToManyField("library.Practice", blank=True, related_name="proposals")
    problem_statement = models.TextField()
    proposed_change = models.TextField(blank=True)
    category = models.CharField(
        max_length=16, choices=Category.choices, default=Category.INCREMENTAL
    )
    size = models.CharField(max_length=8, choices=Size.choices, default=Size.MINOR)
    proven = models.BooleanField(
        default=False,
        help_text="The change has worked in a comparable environment already. New, unproven "
        "and major changes must pass a pilot before deployment.",
    )
    estimated_cost = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, help_text="One-off cost."
    )
    running_cost = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, help_text="Running cost per month."
    )
    estimated_effort = models.DecimalField(
        max_digits=10, decimal_places=1, null=True, blank=True, help_text="Person-hours."
    )
    estimated_duration_weeks = models.PositiveIntegerField(
        null=True, blank=True, help_text="Weeks from selection until the benefit shows."
    )
    risks = models.TextField(blank=True)
    barriers = models.TextField(blank=True, help_text="Barriers to deployment, one per line.")
    success_criteria = models.TextField(
        blank=True, help_text="Quantitative criteria the deployment's results must meet."
    )
    validation_method = models.CharField(
        max_length=16, choices=ValidationMethod.choices, blank=True
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposals_submitted",
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    state_changed_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords(m2m_fields=[process_areas, practices])

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        permissions = [
            ("decide_proposal", "Can analyze, validate and deploy improvement proposals"),
            ("select_proposal", "Can select or reject improvement proposals"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        """The proposal's short name: IP-<id>."""
        return f"IP-{self.pk}"


class ExpectedBenefit(models.Model):
    """A measurable effect the proposal expects: measure, change in percent, by when."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="benefits")
    measure = models.ForeignKey(
        "measurements.Measure", on_delete=models.PROTECT, related_name="expected_benefits"
    )
    expected_change = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        help_text="Percent change expected (signed: -20 means 20% lower).",
    )
    by_when = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["proposal", "pk"]

    def __str__(self) -> str:
        return f"{self.measure}: {self.expected_change:+}%"


class ProposalTransition(models.Model):
    """One move of a proposal between states: who, when, why."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="transitions")
    name = models.CharField(max_length=32)
    from_state = models.CharField(max_length=32, choices=ProposalState.choices, blank=True)
    to_state = models.CharField(max_length=32, choices=ProposalState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["proposal", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.proposal.reference}: {self.from_state} → {self.to_state}"
