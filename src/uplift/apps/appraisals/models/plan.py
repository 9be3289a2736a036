"""The appraisal plan: the appraisal, its process areas, units and team."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from uplift.apps.appraisals.choices import (
    AppraisalClass,
    AppraisalStatus,
    AreaScope,
    TeamRole,
    UnitKind,
)
from uplift.apps.appraisals.querysets import AppraisalQuerySet
from uplift.apps.library.choices import Representation


class Appraisal(models.Model):
    """One appraisal of an organizational unit against a pinned model version.

    Invariants: a staged appraisal has a target maturity level from 2 to 5, a
    continuous one has none. The model version is protected: it cannot be replaced
    in the library while an appraisal uses it.
    """

    name = models.CharField(max_length=200)
    appraisal_class = models.CharField(
        max_length=1, choices=AppraisalClass.choices, blank=True, verbose_name="class"
    )
    model = models.ForeignKey(
        "library.ProcessModel",
        on_delete=models.PROTECT,
        related_name="appraisals",
        help_text="The pinned model version.",
    )
    representation = models.CharField(max_length=16, choices=Representation.choices)
    target_maturity_level = models.PositiveSmallIntegerField(null=True, blank=True)
    organizational_unit = models.ForeignKey(
        "organization.OrganizationalUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appraisals",
    )
    organizational_unit_name = models.CharField(
        max_length=200, blank=True, help_text="The organizational unit as the file names it."
    )
    status = models.CharField(
        max_length=16, choices=AppraisalStatus.choices, default=AppraisalStatus.PLANNED
    )
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    objects = AppraisalQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        representation=Representation.STAGED,
                        target_maturity_level__gte=2,
                        target_maturity_level__lte=5,
                    )
                    | models.Q(
                        representation=Representation.CONTINUOUS,
                        target_maturity_level__isnull=True,
                    )
                ),
                name="appraisals_target_matches_representation",
            )
        ]

    def __str__(self) -> str:
        return self.name


class AppraisalArea(models.Model):
    """A process area of the model that is in scope, or agreed not applicable."""

    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="areas")
    process_area = models.ForeignKey(
        "library.ProcessArea", on_delete=models.PROTECT, related_name="+"
    )
    scope = models.CharField(max_length=16, choices=AreaScope.choices)
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["appraisal", "process_area"], name="appraisals_area_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.process_area_id} ({self.scope})"


class AppraisalUnit(models.Model):
    """A sampled basic unit (project, service, work group) or a support function."""

    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="units")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=UnitKind.choices, default=UnitKind.BASIC_UNIT)
    work_activity = models.ForeignKey(
        "organization.WorkActivity",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="appraisal_units",
    )
    order = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["appraisal", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["appraisal", "name"], name="appraisals_unit_unique")
        ]

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    """A user on the appraisal team, with their role in it."""

    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="appraisal_teams"
    )
    role = models.CharField(max_length=16, choices=TeamRole.choices, default=TeamRole.TEAM_MEMBER)
    history = HistoricalRecords()

    class Meta:
        ordering = ["appraisal", "role", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["appraisal", "user"], name="appraisals_team_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ({self.role})"
