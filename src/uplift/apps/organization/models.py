"""The organization's tables: units, work activities, people and role assignments.

Tree: OrganizationalUnit (→ parent unit) → WorkActivity, Person
      Person → RoleAssignment (scoped to a unit, a work activity, or the organization)
      ProcessAsset (process descriptions, templates, training material, communication
      packages) → ProcessAssetVersion (one released version each)

Every table keeps its history (django-simple-history): who changed what, when.
Rows are written by ``services``; the models hold fields and constraints only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from uplift.apps.accounts.roles import Role
from uplift.apps.organization.choices import (
    AssetKind,
    LifeCyclePhase,
    Size,
    WorkActivityKind,
    WorkActivityType,
)

__all__ = [
    "OrganizationalUnit",
    "Person",
    "ProcessAsset",
    "ProcessAssetVersion",
    "RoleAssignment",
    "WorkActivity",
]


class OrganizationalUnit(models.Model):
    """A part of the organization that is appraised and improved as a whole.

    ``model_identifier`` names the model family it is appraised against ("CMMI-DEV");
    it is plain text on purpose, so the organization does not depend on the library's
    tables (the library resolves it to a model version when an appraisal is planned).
    """

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    model_identifier = models.CharField(
        max_length=64, blank=True, help_text="Model family it is appraised against, e.g. CMMI-DEV."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = "organizational unit"

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """Someone in the organization; may or may not have a sign-in (``user``)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    slug = models.SlugField(max_length=100, unique=True)
    display_name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    unit = models.ForeignKey(
        OrganizationalUnit,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="people",
    )
    job_title = models.CharField(max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["display_name"]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return self.display_name


class WorkActivity(models.Model):
    """A project, service, work group or acquisition project: where processes are used.

    ``attributes`` holds whatever else characterizes the activity (customer, supplier,
    service team, technology), so deployment targets can be chosen by it.
    """

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    kind = models.CharField(max_length=16, choices=WorkActivityKind.choices)
    unit = models.ForeignKey(
        OrganizationalUnit, on_delete=models.PROTECT, related_name="work_activities"
    )
    activity_type = models.CharField(
        "type", max_length=32, choices=WorkActivityType.choices, default=WorkActivityType.OTHER
    )
    size = models.CharField(max_length=8, choices=Size.choices, default=Size.MEDIUM)
    phase = models.CharField(
        "life-cycle phase",
        max_length=16,
        choices=LifeCyclePhase.choices,
        default=LifeCyclePhase.EXECUTION,
    )
    manager = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_activities",
    )
    attributes = models.JSONField(default=dict, blank=True)
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = "work activity"
        verbose_name_plural = "work activities"

    def __str__(self) -> str:
        return self.name


class RoleAssignment(models.Model):
    """A person holding a domain role, for one unit, one work activity, or everywhere.

    Invariants: at most one of ``unit`` and ``work_activity`` is set; a person holds a
    role in a scope once.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(max_length=32, choices=Role.choices)
    unit = models.ForeignKey(
        OrganizationalUnit,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    work_activity = models.ForeignKey(
        WorkActivity,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["person", "role"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit__isnull=True) | Q(work_activity__isnull=True),
                name="organization_role_one_scope",
            ),
            models.UniqueConstraint(
                fields=["person", "role"],
                condition=Q(unit__isnull=True, work_activity__isnull=True),
                name="organization_role_unique_global",
            ),
            models.UniqueConstraint(
                fields=["person", "role", "unit"],
                condition=Q(unit__isnull=False),
                name="organization_role_unique_unit",
            ),
            models.UniqueConstraint(
                fields=["person", "role", "work_activity"],
                condition=Q(work_activity__isnull=False),
                name="organization_role_unique_activity",
            ),
        ]

    def __str__(self) -> str:
        scope = self.unit or self.work_activity
        label = Role(self.role).label
        return f"{self.person} — {label}" + (f" ({scope})" if scope else "")

    @property
    def scope(self) -> OrganizationalUnit | WorkActivity | None:
        """The unit or work activity the role is held for; None means the organization."""
        return self.unit or self.work_activity


class ProcessAsset(models.Model):
    """An organizational process asset: a process description, procedure, template,
    checklist, training material or communication package, kept in versions.

    Deployments link a target's updated defined process, and the training and
    communication packages they hand out, to a ``ProcessAssetVersion``.
    """

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=AssetKind.choices)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="process_assets",
        help_text="The process owner who keeps the asset.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProcessAssetVersion(models.Model):
    """One released version of a process asset: label, date, what changed, where it is.

    Invariant: a label is used once per asset.
    """

    asset = models.ForeignKey(ProcessAsset, on_delete=models.CASCADE, related_name="versions")
    label = models.CharField(max_length=32, help_text='e.g. "2.1".')
    released_on = models.DateField()
    change_note = models.TextField(blank=True, help_text="What changed in this version, and why.")
    location = models.CharField(
        max_length=500, blank=True, help_text="Where the released document lives (a path or URL)."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["asset", "-released_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["asset", "label"], name="organization_asset_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.asset} {self.label}"
