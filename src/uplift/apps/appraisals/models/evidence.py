"""Evidence of an appraisal: artifacts, affirmations, and what each one supports.

Affirmations record the *role group* interviewed or surveyed, never a person: there
is no field for a name, so no finding, report, export or API answer can carry one
(issue 3). Evidence is linked to practices (per process area, since a generic
practice is one library row shared by every area) at basic units through
``EvidenceLink``: one row per (evidence, process area, practice, unit), which is
what the matrix counts as evidence coverage.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from uplift.apps.appraisals.choices import AffirmationKind
from uplift.apps.appraisals.models.plan import Appraisal, AppraisalUnit


class Artifact(models.Model):
    """A document, record or tool output the team examined: a link or an uploaded file.

    Invariant: a link or a file (or both).
    """

    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="artifacts")
    name = models.CharField(max_length=300)
    link = models.URLField(max_length=1000, blank=True)
    file = models.FileField(upload_to="appraisals/artifacts/%Y/%m/", blank=True, max_length=500)
    date = models.DateField(null=True, blank=True, help_text="The artifact's own date.")
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["appraisal", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(link="") | ~models.Q(file=""),
                name="appraisals_artifact_link_or_file",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Affirmation(models.Model):
    """An interview or questionnaire: which role group, when, in which session.

    Never a person's name (issue 3): ``role_group`` names the group ("service desk
    leads"); the services refuse a role group that is the name or username of a
    person of the organization.
    """

    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="affirmations")
    kind = models.CharField(
        max_length=16, choices=AffirmationKind.choices, default=AffirmationKind.INTERVIEW
    )
    date = models.DateField()
    session = models.CharField(max_length=200, help_text="The session, e.g. 'Interview 3'.")
    role_group = models.CharField(
        max_length=200,
        help_text="The role group interviewed or surveyed, e.g. 'project managers'. "
        "Never a person's name.",
    )
    summary = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["appraisal", "date", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.session} ({self.role_group})"


class EvidenceLink(models.Model):
    """One artifact or affirmation supporting one practice (in one area) at one unit.

    Invariant: exactly one of ``artifact`` and ``affirmation``; a piece of evidence
    links a given (area, practice, unit) at most once. Links are written and removed
    with their evidence (the evidence's history records the change).
    """

    appraisal = models.ForeignKey(
        Appraisal, on_delete=models.CASCADE, related_name="evidence_links"
    )
    artifact = models.ForeignKey(
        Artifact, on_delete=models.CASCADE, null=True, blank=True, related_name="links"
    )
    affirmation = models.ForeignKey(
        Affirmation, on_delete=models.CASCADE, null=True, blank=True, related_name="links"
    )
    process_area = models.ForeignKey(
        "library.ProcessArea", on_delete=models.PROTECT, related_name="+"
    )
    practice = models.ForeignKey("library.Practice", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(AppraisalUnit, on_delete=models.CASCADE, related_name="evidence_links")

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(
                fields=["appraisal", "process_area", "practice", "unit"],
                name="appraisals_evidence_cell",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(artifact__isnull=False, affirmation__isnull=True)
                    | models.Q(artifact__isnull=True, affirmation__isnull=False)
                ),
                name="appraisals_evidence_one_source",
            ),
            models.UniqueConstraint(
                fields=["artifact", "process_area", "practice", "unit"],
                condition=models.Q(artifact__isnull=False),
                name="appraisals_evidence_artifact_unique",
            ),
            models.UniqueConstraint(
                fields=["affirmation", "process_area", "practice", "unit"],
                condition=models.Q(affirmation__isnull=False),
                name="appraisals_evidence_affirmation_unique",
            ),
        ]

    def __str__(self) -> str:
        source = self.artifact_id or self.affirmation_id
        return f"evidence {source} → {self.practice_id}@{self.unit_id}"
