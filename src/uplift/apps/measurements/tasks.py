"""Background tasks of the measurements context (django-tasks; run by ``uplift worker``).

``observation_import_job_run`` runs one :class:`ObservationImportJob` (issue 4),
enqueued by ``services.import_jobs.import_job_create`` once the job is committed.

Progress: while ``observation_import``'s transaction is open, SQLite lets no other
process write, so the rows read so far go to Django's cache (shared by the web and the
worker processes, see ``CACHES``), at most every ``PROGRESS_INTERVAL`` seconds, never
to the database; ``progress_get`` reads them back.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache import cache
from django.utils import timezone
from django_tasks import task

from uplift.apps.measurements import uploads
from uplift.apps.measurements.choices import ImportJobState
from uplift.apps.measurements.models import ObservationImportJob
from uplift.apps.measurements.services.observations import observation_import
from uplift.domain.errors import InvalidDocument

__all__ = [
    "PROBLEMS_KEPT",
    "PROGRESS_INTERVAL",
    "observation_import_job_run",
    "progress_clear",
    "progress_get",
    "progress_requeued",
]

logger = logging.getLogger(__name__)

PROGRESS_INTERVAL = 0.5  # seconds between two progress writes to the cache
PROBLEMS_KEPT = 1000  # problems stored with a refused job (their count is kept whole)
_PROGRESS_TTL = 24 * 3600  # seconds a progress entry stays in the cache


def _progress_key(job_id: int) -> str:
    return f"uplift:measurements:import-job:{job_id}:progress"


def progress_get(*, job_id: int) -> dict[str, Any] | None:
    """A running job's progress: ``{"phase", "rows_read", "rows_total", "at"}`` (the
    phase of ``observation_import``'s progress; ``rows_read``: the rows done in it; ``at``: when it
    was written, seconds since the epoch), or ``None``."""
    entry = cache.get(_progress_key(job_id))
    return entry if isinstance(entry, dict) else None


def progress_requeued(*, job_id: int) -> None:
    """A job queued again (``import_job_retry``): no rows read, as of now; the worker
    that takes it overwrites the entry. Its time is when the job was queued again."""
    entry = {"rows_read": 0, "rows_total": None, "at": time.time()}
    cache.set(_progress_key(job_id), entry, timeout=_PROGRESS_TTL)


def progress_clear(*, job_id: int) -> None:
    """Forget a job's progress (it ended)."""
    cache.delete(_progress_key(job_id))


class _ProgressWriter:
    """The progress callback of ``observation_import``: into the cache, throttled."""

    def __init__(self, job_id: int) -> None:
        self.key = _progress_key(job_id)
        self.written = 0.0
        self.phase = "read"

    def __call__(self, phase: str, rows_done: int, rows_total: int | None) -> None:
        now = time.monotonic()
        if phase == self.phase and now - self.written < PROGRESS_INTERVAL:
            return  # a new phase is written at once
        self.written = now
        self.write(rows_done, rows_total, phase=phase)

    def write(self, rows_done: int, rows_total: int | None, *, phase: str = "read") -> None:
        self.phase = phase
        entry = {
            "phase": phase,
            "rows_read": rows_done,
            "rows_total": rows_total,
            "at": time.time(),
        }
        cache.set(self.key, entry, timeout=_PROGRESS_TTL)


@task()
def observation_import_job_run(job_id: int) -> str | None:
    """Run a queued import job: import its file, record the outcome; return the state.

    A job that is not queued (run already, or being run) is left alone: ``None``. The
    file is imported whole or not at all (``observation_import``). Success records the
    counts and the import and deletes the stored file; a refused file records its
    problems (the first ``PROBLEMS_KEPT``, and their count) and gives the file back as
    an upload (swept in a day), so the import can be tried again with another mapping;
    an unexpected error fails the job and is logged. The job's own writes are committed
    apart from the import's transaction, so that other processes see them.
    """
    claimed = ObservationImportJob.objects.filter(pk=job_id, state=ImportJobState.QUEUED).update(
        state=ImportJobState.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    job = ObservationImportJob.objects.select_related("created_by").get(pk=job_id)
    progress = _ProgressWriter(job.pk)
    progress.write(0, None)
    path = uploads.job_path(job.upload)
    updated = ["state", "finished_at", "rows_read", "rows_total", "message"]
    try:
        result = observation_import(
            path=path,
            filename=job.filename,
            mapping=job.mapping,
            sheet=job.sheet or None,
            user=job.created_by,
            replace=job.replace,
            progress=progress,
        )
    except InvalidDocument as error:
        problems = list(error.problems)
        job.state = ImportJobState.FAILED
        job.problems = [
            {"message": p.message, "file": p.file, "line": p.line, "field": p.field}
            for p in problems[:PROBLEMS_KEPT]
        ]
        job.problems_total = len(problems)
        job.message = (
            f"The file was refused; nothing was imported: {len(problems)} "
            f"problem{'s' if len(problems) != 1 else ''}."
        )
        updated += ["problems", "problems_total"]
        uploads.give_back(job.upload)
    except Exception:
        logger.exception("observation import job %s failed", job.pk)
        job.state = ImportJobState.FAILED
        job.message = (
            "The import stopped on an unexpected error; nothing was imported. "
            "The error is in the worker's log."
        )
        uploads.give_back(job.upload)
    else:
        job.state = ImportJobState.SUCCEEDED
        job.batch = result.batch
        job.already_imported = result.already_imported
        job.inserted, job.skipped, job.replaced = result.inserted, result.skipped, result.replaced
        job.rows_read = job.rows_total = result.batch.rows
        if result.already_imported:
            when = timezone.localtime(result.batch.created_at).strftime("%Y-%m-%d %H:%M")
            job.message = (
                f"“{job.filename}” was imported already ({result.batch.filename}, {when}); "
                "nothing was written."
            )
        else:
            job.message = (
                f"“{job.filename}” is imported: {result.inserted:,} new, {result.skipped:,} "
                f"already stored, {result.replaced:,} replaced."
            )
        updated += ["batch", "already_imported", "inserted", "skipped", "replaced"]
        path.unlink(missing_ok=True)
    if job.state == ImportJobState.FAILED:
        entry = progress_get(job_id=job.pk) or {}
        job.rows_read = entry.get("rows_read", 0)
        job.rows_total = entry.get("rows_total")
    job.finished_at = timezone.now()
    job.save(update_fields=updated)
    progress_clear(job_id=job.pk)
    return str(job.state)
