"""The measurements' tables.

Tree: Measure → Observation (value of a measure for a work activity at a time),
Objective (business objectives, and QPPOs tracing to them, on a measure and a segment
of work activities), ObservationImport (one imported file: its hash makes a
re-import a no-op), ObservationImportJob (an import run in the background by the
task worker: its options, state, progress and outcome), Baseline (a dated snapshot of
a measure's statistics over a segment and period).

Observations are the big table (millions of rows): they carry no history and are
written in bulk (PostgreSQL ``COPY``); everything else keeps its history.
A segment is a JSON filter over work activities: ``{"unit": slug, "activity_type":
value, "kind": value, "size": value, "phase": value, "attributes": {key: value},
"work_activities": [slug, ...]}``; an empty segment means every work activity.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from uplift.apps.measurements.choices import (
    Direction,
    Frequency,
    ImportJobState,
    ObjectiveKind,
    Priority,
    Scale,
    Statistic,
)

__all__ = [
    "Baseline",
    "Measure",
    "Objective",
    "Observation",
    "ObservationImport",
    "ObservationImportJob",
]


class Measure(models.Model):
    """What is measured, how, and which way is better."""

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=50, help_text="e.g. hours, defects/KLOC, %.")
    operational_definition = models.TextField(
        help_text="How the value is obtained, precisely enough that two people get the same."
    )
    scale = models.CharField(max_length=16, choices=Scale.choices, default=Scale.CONTINUOUS)
    direction = models.CharField(max_length=8, choices=Direction.choices)
    describes = models.CharField(
        max_length=200, blank=True, help_text="The process or service the measure describes."
    )
    collected_by = models.CharField(max_length=200, blank=True, help_text="A role, not a name.")
    frequency = models.CharField(
        max_length=16, choices=Frequency.choices, default=Frequency.MONTHLY
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Objective(models.Model):
    """A business objective, or a QPPO (measure, target, by when, segment) tracing to one.

    Invariant: a QPPO names a measure and a target; a business objective may do neither.
    """

    kind = models.CharField(max_length=16, choices=ObjectiveKind.choices)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="The business objective a QPPO traces to.",
    )
    measure = models.ForeignKey(
        Measure, on_delete=models.PROTECT, null=True, blank=True, related_name="objectives"
    )
    statistic = models.CharField(max_length=8, choices=Statistic.choices, default=Statistic.MEAN)
    target = models.FloatField(null=True, blank=True)
    due = models.DateField(null=True, blank=True, help_text="By when the target is to be met.")
    segment = models.JSONField(default=dict, blank=True)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.MEDIUM)
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "priority", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind=ObjectiveKind.QPPO)
                | models.Q(measure__isnull=False, target__isnull=False),
                name="measurements_qppo_has_measure_and_target",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ObservationImport(models.Model):
    """One imported file: name, content hash (a re-import of the same bytes is a no-op),
    row count, who and when."""

    filename = models.CharField(max_length=300)
    sha256 = models.CharField(max_length=64, unique=True)
    rows = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.filename


class ObservationImportJob(models.Model):
    """One observation import run by the task worker (issue 4): the stored upload and the
    options it is imported with, its state, its progress once ended, and its outcome.

    ``upload`` is the token of the stored file (``MEDIA_ROOT/imports/<token>.job``; see
    ``apps.measurements.uploads``), deleted once the import succeeded. While the job
    runs, its progress lives in the cache (``services.import_jobs``), since the import's
    transaction holds SQLite's only writer; ``rows_read`` and ``rows_total`` are written
    when it ends. ``problems`` lists the problems of a refused file as dicts (message,
    file, line, field). A job record, so no history.

    ``attempt`` counts the workers' claims of the job (one per run, issue 4): a worker
    records its outcome only while the job is still running the attempt it claimed, so a
    slow worker cannot overwrite a cancellation or a run again. ``worker`` names the
    process that claimed it last (``host:pid``), so that a worker starting on that host
    queues again the jobs of a process that is gone (``import_jobs_recover``).
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    upload = models.CharField(max_length=100, help_text="Token of the stored file.")
    filename = models.CharField(max_length=300)
    mapping = models.JSONField(
        null=True, blank=True, help_text="File column → ours; empty: guessed from the header."
    )
    sheet = models.CharField(max_length=100, blank=True)
    replace = models.BooleanField(default=False)
    state = models.CharField(
        max_length=16, choices=ImportJobState.choices, default=ImportJobState.QUEUED
    )
    rows_read = models.PositiveBigIntegerField(default=0)
    rows_total = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Known (workbooks, once read) or estimated."
    )
    problems = models.JSONField(default=list, blank=True)
    problems_total = models.PositiveIntegerField(default=0)
    inserted = models.PositiveBigIntegerField(default=0)
    skipped = models.PositiveBigIntegerField(default=0)
    replaced = models.PositiveBigIntegerField(default=0)
    already_imported = models.BooleanField(default=False)
    batch = models.ForeignKey(
        ObservationImport,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="jobs",
    )
    message = models.TextField(blank=True, help_text="The outcome, in plain words.")
    attempt = models.PositiveIntegerField(
        default=0, help_text="How many times a worker has started it."
    )
    worker = models.CharField(
        max_length=300, blank=True, help_text="The worker that started it last: host:pid."
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "created_at"], name="measurements_job_state")]

    def __str__(self) -> str:
        return f"{self.filename} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in (ImportJobState.SUCCEEDED, ImportJobState.FAILED)


class Observation(models.Model):
    """One value of a measure for a work activity at a time.

    Invariant: one value per (measure, work activity, time); a re-import of a row with
    the same key does not duplicate it. No history (bulk table); the import records
    where each row came from.
    """

    id = models.BigAutoField(primary_key=True)
    # No index of its own: the unique constraint's index leads with measure_id and
    # serves every lookup by measure (and one index fewer to build after a bulk load).
    measure = models.ForeignKey(
        Measure, on_delete=models.PROTECT, related_name="observations", db_index=False
    )
    work_activity = models.ForeignKey(
        "organization.WorkActivity", on_delete=models.PROTECT, related_name="observations"
    )
    observed_at = models.DateTimeField()
    value = models.FloatField()
    source = models.CharField(max_length=100, blank=True)
    # No index: nothing reads observations by import, and no code deletes an import (the
    # one user of an index here would be ON DELETE SET NULL's scan). One index fewer to
    # build after a bulk load: 1.6 s of a 5-million-row import (issue 4).
    batch = models.ForeignKey(
        ObservationImport,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="observations",
        db_index=False,
    )

    class Meta:
        ordering = ["measure", "work_activity", "observed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "work_activity", "observed_at"],
                name="measurements_observation_unique",
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.measure_id}/{self.work_activity_id}@{self.observed_at:%Y-%m-%d}: {self.value}"
        )


class Baseline(models.Model):
    """A dated snapshot of a measure's statistics over a segment and a period.

    Stored so that a later baseline can be compared with an older one. ``unpl`` and
    ``lnpl`` are the natural process limits of the XmR chart over the period.
    """

    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="baselines")
    segment = models.JSONField(default=dict, blank=True)
    segment_label = models.CharField(max_length=200, blank=True)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    n = models.PositiveIntegerField()
    mean = models.FloatField(null=True)
    sd = models.FloatField(null=True)
    median = models.FloatField(null=True)
    q1 = models.FloatField(null=True)
    q3 = models.FloatField(null=True)
    p10 = models.FloatField(null=True)
    p90 = models.FloatField(null=True)
    unpl = models.FloatField(null=True)
    lnpl = models.FloatField(null=True)
    computed_at = models.DateTimeField()
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["measure", "-computed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.measure_id} {self.segment_label or 'all'} ({self.computed_at:%Y-%m-%d})"
