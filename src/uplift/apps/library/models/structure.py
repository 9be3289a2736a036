"""Process models as data; see the package docstring for the shape of the tree."""

from __future__ import annotations

from django.db import models

from uplift.apps.library.choices import GoalKind, LevelKind, ModelFormat


class ProcessModel(models.Model):
    """One version of a process model (e.g. CMMI-DEV 1.3).

    Invariant: (identifier, version) is unique; versions are never overwritten by an
    import of another version. ``is_latest`` marks the newest imported version of an
    identifier and is maintained by ``services.library_import``.
    """

    identifier = models.CharField(
        max_length=64, help_text="Stable id of the model family, e.g. CMMI-DEV."
    )
    version = models.CharField(max_length=32, help_text="Version label, e.g. 1.3.")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    source = models.JSONField(
        default=dict, blank=True, help_text="Where the structure was taken from: title, url, notes."
    )
    representations = models.JSONField(
        default=list, blank=True, help_text="Subset of [staged, continuous]."
    )
    format = models.CharField(
        max_length=16, choices=ModelFormat.choices, default=ModelFormat.UPLIFT
    )
    is_latest = models.BooleanField(default=True)
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["identifier", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["identifier", "version"], name="library_model_unique_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.identifier} {self.version}"

    @property
    def reference(self) -> str:
        """The pinned reference used by other files: ``CMMI-DEV@1.3``."""
        return f"{self.identifier}@{self.version}"


class Category(models.Model):
    """A process-area category of the continuous representation (e.g. Support)."""

    model = models.ForeignKey(ProcessModel, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(max_length=200)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["model", "order"]
        constraints = [
            models.UniqueConstraint(fields=["model", "name"], name="library_category_unique_name")
        ]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Level(models.Model):
    """A maturity level (staged) or capability level (continuous) with its name."""

    model = models.ForeignKey(ProcessModel, on_delete=models.CASCADE, related_name="levels")
    kind = models.CharField(max_length=16, choices=LevelKind.choices)
    number = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["model", "kind", "number"]
        constraints = [
            models.UniqueConstraint(fields=["model", "kind", "number"], name="library_level_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number} {self.name}"


class ProcessArea(models.Model):
    """A process area (CMMI), service management function (MOF) or control group (OSCAL)."""

    model = models.ForeignKey(ProcessModel, on_delete=models.CASCADE, related_name="process_areas")
    abbreviation = models.CharField(max_length=64)
    name = models.CharField(max_length=300)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="process_areas"
    )
    maturity_level = models.PositiveSmallIntegerField(null=True, blank=True)
    purpose = models.TextField(blank=True)
    optional = models.BooleanField(default=False, help_text="An optional process area (addition).")
    notes = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["model", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["model", "abbreviation"], name="library_pa_unique_abbreviation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.abbreviation} {self.name}"


class Goal(models.Model):
    """A specific goal of a process area, or a generic goal of the model (process_area NULL)."""

    model = models.ForeignKey(ProcessModel, on_delete=models.CASCADE, related_name="goals")
    process_area = models.ForeignKey(
        ProcessArea, null=True, blank=True, on_delete=models.CASCADE, related_name="goals"
    )
    kind = models.CharField(max_length=16, choices=GoalKind.choices)
    identifier = models.CharField(max_length=64, help_text="e.g. SG 1 or GG 2.")
    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    capability_level = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Generic goals: the capability level they institutionalize.",
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["model", "process_area", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["process_area", "identifier"],
                name="library_goal_unique_in_area",
                condition=models.Q(process_area__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["model", "identifier"],
                name="library_generic_goal_unique",
                condition=models.Q(process_area__isnull=True),
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind=GoalKind.GENERIC, process_area__isnull=True)
                    | models.Q(kind=GoalKind.SPECIFIC, process_area__isnull=False)
                ),
                name="library_goal_kind_matches_area",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.identifier} {self.title}"


class Practice(models.Model):
    """A specific or generic practice; ``parent`` nests enhancements under a practice.

    ``process_area`` is denormalized from the goal (NULL for generic practices) so that
    search and counts need no joins through goals.
    """

    model = models.ForeignKey(ProcessModel, on_delete=models.CASCADE, related_name="practices")
    process_area = models.ForeignKey(
        ProcessArea, null=True, blank=True, on_delete=models.CASCADE, related_name="practices"
    )
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="practices")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    identifier = models.CharField(max_length=64, help_text="e.g. SP 1.1, GP 2.1, ac-2.1.")
    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    description = models.TextField(blank=True)
    example_work_products = models.JSONField(default=list, blank=True)
    subpractices = models.JSONField(
        default=list, blank=True, help_text="List of {text, notes, examples[]} objects."
    )
    references = models.JSONField(
        default=list, blank=True, help_text="Abbreviations of related process areas."
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["model", "process_area", "order"]
        indexes = [models.Index(fields=["model", "identifier"], name="library_practice_ident")]

    def __str__(self) -> str:
        return f"{self.identifier} {self.title}"


class Variant(models.Model):
    """A named combination of optional process areas (e.g. CMMI-SVC+SCON)."""

    model = models.ForeignKey(ProcessModel, on_delete=models.CASCADE, related_name="variants")
    identifier = models.CharField(max_length=100)
    name = models.CharField(max_length=300, blank=True)
    process_areas = models.ManyToManyField(ProcessArea, blank=True, related_name="variants")
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["model", "order"]
        constraints = [
            models.UniqueConstraint(fields=["model", "identifier"], name="library_variant_unique")
        ]

    def __str__(self) -> str:
        return self.identifier


class Outcome(models.Model):
    """An outcome a model aims at (e.g. MOF Plan: services are predictable and reliable)."""

    model = models.ForeignKey(ProcessModel, on_delete=models.CASCADE, related_name="outcomes")
    identifier = models.CharField(max_length=64)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["model", "order"]
        constraints = [
            models.UniqueConstraint(fields=["model", "identifier"], name="library_outcome_unique")
        ]

    def __str__(self) -> str:
        return self.title


class Mapping(models.Model):
    """A mapping from this model's areas to another model's (e.g. BS 15000 → CMMI-SVC)."""

    model = models.ForeignKey(ProcessModel, on_delete=models.CASCADE, related_name="mappings")
    identifier = models.CharField(max_length=100)
    name = models.CharField(max_length=300)
    target_model = models.ForeignKey(
        ProcessModel, on_delete=models.CASCADE, related_name="incoming_mappings"
    )
    source = models.JSONField(default=dict, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["model", "identifier"]
        constraints = [
            models.UniqueConstraint(fields=["model", "identifier"], name="library_mapping_unique")
        ]

    def __str__(self) -> str:
        return self.name


class MappingEntry(models.Model):
    """One source area of a mapping and the target areas it maps to."""

    mapping = models.ForeignKey(Mapping, on_delete=models.CASCADE, related_name="entries")
    source_area = models.ForeignKey(ProcessArea, on_delete=models.CASCADE, related_name="+")
    target_areas = models.ManyToManyField(ProcessArea, blank=True, related_name="+")
    note = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["mapping", "order"]
        verbose_name_plural = "mapping entries"

    def __str__(self) -> str:
        return str(self.source_area)
