"""Observation imports run in the background, and their progress (issue 4).

``import_job_create`` takes a stored upload (``apps.measurements.uploads``) and the
options of its import, records an :class:`ObservationImportJob` and, once that is
committed, enqueues ``tasks.observation_import_job_run`` for the task worker
(``uplift worker``), which imports the file (``observation_import``: one transaction,
as ever) and records the outcome: the counts and the import, or every problem.

``import_job_progress`` tells where a job is: its recorded state and, while it runs,
the rows read so far as the worker wrote them to the cache. A job running without
progress for ``STALL_AFTER`` seconds (its worker died) is reported stalled, and one
queued for more than ``WORKER_WAIT`` seconds is probably waiting for a worker that is
not running.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from uplift.apps.measurements import uploads
from uplift.apps.measurements.choices import ImportJobState
from uplift.apps.measurements.models import ObservationImportJob
from uplift.apps.measurements.services.measures import MeasurementError
from uplift.apps.measurements.tasks import observation_import_job_run, progress_get

__all__ = [
    "STALL_AFTER",
    "WORKER_WAIT",
    "ImportJobProgress",
    "import_job_create",
    "import_job_progress",
    "import_jobs_visible_to",
]

STALL_AFTER = 15 * 60  # seconds running without progress: the worker is gone
WORKER_WAIT = 10  # seconds queued: probably no worker is running

User = Any  # auth.User, or AnonymousUser: request.user as the views and the API have it


@dataclass(frozen=True)
class ImportJobProgress:
    """Where a job is: its state, the rows read of how many (``rows_total`` known,
    estimated or ``None``), the fraction done (``None`` while it cannot be told),
    ``stalled`` (running without progress for ``STALL_AFTER``) and ``waiting`` (queued
    for more than ``WORKER_WAIT``: is a worker running?)."""

    state: ImportJobState
    rows_read: int
    rows_total: int | None
    fraction: float | None
    stalled: bool = False
    waiting: bool = False

    @property
    def finished(self) -> bool:
        return self.state in (ImportJobState.SUCCEEDED, ImportJobState.FAILED)

    @property
    def percent(self) -> int | None:
        return None if self.fraction is None else round(self.fraction * 100)


def import_jobs_visible_to(user: User) -> Any:
    """The jobs ``user`` may see: their own; every job with ``view_observationimport``."""
    jobs = ObservationImportJob.objects.select_related("created_by", "batch")
    if not user.is_authenticated:
        return jobs.none()
    if user.has_perm("measurements.view_observationimport"):
        return jobs
    return jobs.filter(created_by=user)


@transaction.atomic
def import_job_create(
    *,
    token: str,
    filename: str,
    user: User,
    mapping: Mapping[str, str] | None = None,
    sheet: str = "",
    replace: bool = False,
) -> ObservationImportJob:
    """Record an import job for the stored upload ``token`` and enqueue it on commit.

    The upload (``uploads.upload_path(token)``) becomes the job's (``uploads.job_path``):
    previews' sweeps no longer touch it. ``mapping`` maps file columns to ours
    (``None``: guessed from the header), ``sheet`` names a workbook's sheet.

    The file and the mapping are checked by the import itself (a refused job lists
    their problems). Raises ``PermissionDenied`` unless ``user`` may add observations,
    and ``MeasurementError`` when the upload is not stored (any more).
    """
    if not (user.is_authenticated and user.has_perm("measurements.add_observation")):
        raise PermissionDenied("You may not import observations.")
    if not uploads.TOKEN_PATTERN.fullmatch(token) or not uploads.upload_path(token).is_file():
        raise MeasurementError("That upload is no longer available; upload the file again.", "file")
    job = ObservationImportJob(
        created_by=user,
        upload=token,
        filename=filename[:300],
        mapping=dict(mapping) if mapping is not None else None,
        sheet=sheet[:100],
        replace=replace,
    )
    job.save(force_insert=True)
    os.replace(uploads.upload_path(token), uploads.job_path(token))
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    observation_import_job_run.enqueue(job_id=job_id)


def import_job_progress(*, job: ObservationImportJob) -> ImportJobProgress:
    """Where ``job`` is: its recorded state, and while it runs the cache's progress."""
    state = ImportJobState(job.state)
    now = timezone.now()
    if state == ImportJobState.QUEUED:
        waiting = now - job.created_at > timedelta(seconds=WORKER_WAIT)
        return ImportJobProgress(state, 0, None, 0.0, waiting=waiting)
    if state == ImportJobState.RUNNING:
        entry = progress_get(job_id=job.pk)
        if entry is None:
            since = job.started_at or job.created_at
            stalled = now - since > timedelta(seconds=STALL_AFTER)
            return ImportJobProgress(state, 0, None, None, stalled=stalled)
        rows_read, rows_total = int(entry["rows_read"]), entry["rows_total"]
        stalled = time.time() - float(entry["at"]) > STALL_AFTER
        return ImportJobProgress(
            state, rows_read, rows_total, _fraction(rows_read, rows_total), stalled=stalled
        )
    if state == ImportJobState.SUCCEEDED:
        return ImportJobProgress(state, job.rows_read, job.rows_total, 1.0)
    return ImportJobProgress(
        state, job.rows_read, job.rows_total, _fraction(job.rows_read, job.rows_total)
    )


def _fraction(rows_read: int, rows_total: int | None) -> float | None:
    if not rows_total:
        return None
    # An estimate (CSV: from the bytes read) may fall short of the rows read.
    return min(rows_read / rows_total, 0.99)
