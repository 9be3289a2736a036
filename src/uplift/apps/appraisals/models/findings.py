"""Findings: the strengths and weaknesses the team states, per process area and goal."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from uplift.apps.appraisals.choices import FindingKind
from uplift.apps.appraisals.models.plan import Appraisal


class Finding(models.Model):
    """A strength or weakness of a process area (and optionally one of its goals).

    Written by the team, linked to the practices it is about; it appears in the
    findings presentation and the final report. ``goal`` may be a generic goal
    (whose library row has no process area): ``process_area`` says which area.
    """

    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="findings")
    kind = models.CharField(max_length=16, choices=FindingKind.choices)
    process_area = models.ForeignKey(
        "library.ProcessArea", on_delete=models.PROTECT, related_name="+"
    )
    goal = models.ForeignKey(
        "library.Goal", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    text = models.TextField()
    practices = models.ManyToManyField("library.Practice", blank=True, related_name="+")
    order = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords(m2m_fields=[practices])

    class Meta:
        ordering = ["appraisal", "process_area__order", "kind", "order", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:60]}"
