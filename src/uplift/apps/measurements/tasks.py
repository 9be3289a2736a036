"""Background tasks of the measurements context (django-tasks; run by ``uplift worker``).

``observation_import_job_run`` runs one :class:`ObservationImportJob` (issue 4),
enqueued by ``services.import_jobs.import_job_create`` once the job is committed.

Progress: while ``observation_import``'s transaction is open, SQLite lets no other
process write, so the rows read so far go to Django's cache (shared by the web and the
worker processes, see ``CACHES``), at most every ``PROGRESS_INTERVAL`` seconds, never
to the database; ``progress_get`` reads them back.

A run is the job's only while the job is ``running`` the ``attempt`` the worker
claimed: a cancellation or a run again (``services.import_jobs``) ends it. The worker
then must neither record its outcome nor keep what it imported, so its success is
recorded in the import's own transaction by a conditional ``UPDATE``, which rolls the
import back when it matches nothing. A stop is also asked through the cache
(``progress_stop``), since on SQLite the cancellation cannot be written while the
import holds the only writer: the worker reads it with each progress write and stops
at once (``ImportJobStopped``: the import rolls back), recording the cancellation
itself if the web's write has not landed yet.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from uplift.apps.measurements import uploads
from uplift.apps.measurements.choices import ImportJobState
from uplift.apps.measurements.models import ObservationImportJob
from uplift.apps.measurements.selectors import objective_statuses, qppo_list
from uplift.apps.measurements.services.observations import (
    ObservationImportResult,
    observation_import,
)
from uplift.domain.errors import InvalidDocument

__all__ = [
    "PROBLEMS_KEPT",
    "PROGRESS_INTERVAL",
    "ImportJobStopped",
    "objective_statistics_warm",
    "observation_import_job_run",
    "progress_clear",
    "progress_get",
    "progress_requeued",
    "progress_stop",
    "worker_name",
]

logger = logging.getLogger(__name__)

PROGRESS_INTERVAL = 0.5  # seconds between two progress writes to the cache
PROBLEMS_KEPT = 1000  # problems stored with a refused job (their count is kept whole)
_PROGRESS_TTL = 24 * 3600  # seconds a progress entry stays in the cache


class ImportJobStopped(Exception):
    """The worker's run is no longer the job's (cancelled, or run again): raised inside
    the import's transaction, which rolls back. ``message``: the cancellation to record
    if the canceller has not recorded it yet; empty for a run again."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message or "The import job was taken from this worker.")
        self.message = message


def worker_name() -> str:
    """This process as an import job records its worker: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _progress_key(job_id: int) -> str:
    return f"uplift:measurements:import-job:{job_id}:progress"


def _stop_key(job_id: int) -> str:
    # Apart from the progress entry: the worker rewrites that one every half second,
    # which would wipe a stop written into it meanwhile.
    return f"uplift:measurements:import-job-stop:{job_id}"


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


def progress_clear(*, job_id: int, attempt: int | None = None) -> None:
    """Forget a job's progress (it ended). With ``attempt`` (a worker's run that ended),
    only if the entry is that run's: a slow worker does not wipe its successor's."""
    if attempt is not None:
        entry = progress_get(job_id=job_id)
        if entry is not None and entry.get("attempt") != attempt:
            return
    cache.delete(_progress_key(job_id))


def progress_stop(*, job_id: int, attempt: int, message: str = "") -> None:
    """Ask the worker running ``attempt`` of the job to stop: it raises
    ``ImportJobStopped`` at its next progress write, or before its import commits, and
    records ``message`` (a cancellation) unless it is recorded already. Another attempt
    ignores it; it expires with the progress entries."""
    entry = {"attempt": attempt, "message": message}
    cache.set(_stop_key(job_id), entry, timeout=_PROGRESS_TTL)


def _stop_asked(job_id: int, attempt: int) -> dict[str, Any] | None:
    entry = cache.get(_stop_key(job_id))
    if isinstance(entry, dict) and entry.get("attempt") == attempt:
        return entry
    return None


class _ProgressWriter:
    """The progress callback of ``observation_import``: into the cache, throttled; at
    each write it looks whether its run was stopped, and raises ``ImportJobStopped``
    (the import's transaction rolls back on any exception)."""

    def __init__(self, job_id: int, attempt: int = 0) -> None:
        self.job_id = job_id
        self.attempt = attempt
        self.key = _progress_key(job_id)
        self.written = 0.0
        self.phase = "read"

    def __call__(self, phase: str, rows_done: int, rows_total: int | None) -> None:
        now = time.monotonic()
        if phase == self.phase and now - self.written < PROGRESS_INTERVAL:
            return  # a new phase is written at once
        self.written = now
        self.check()
        self.write(rows_done, rows_total, phase=phase)

    def check(self) -> None:
        """Raise ``ImportJobStopped`` if this run was asked to stop."""
        stop = _stop_asked(self.job_id, self.attempt)
        if stop is not None:
            raise ImportJobStopped(str(stop.get("message") or ""))

    def write(self, rows_done: int, rows_total: int | None, *, phase: str = "read") -> None:
        self.phase = phase
        entry = {
            "phase": phase,
            "rows_read": rows_done,
            "rows_total": rows_total,
            "at": time.time(),
            "attempt": self.attempt,
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
    an unexpected error fails the job and is logged.

    Each outcome is recorded only while the job still runs the attempt claimed here:
    a job cancelled or run again meanwhile is not touched (``None``), nor is its file,
    and what this run imported is rolled back (see the module's docstring). The job's
    own writes are committed apart from the import's transaction, so that other
    processes see them, except a success, which commits with the import.
    """
    attempt = _claim(job_id)
    if attempt is None:
        return None
    return _run(job_id, attempt)


@task()
def objective_statistics_warm() -> int:
    """Judge every QPPO after an import changed the observations; return how many.

    A QPPO without a stored baseline is judged from its segment's current observations
    (``selectors.current_statistics``), about a second per segment at a million
    observations, kept in the cache until the observations change again. The worker
    runs this once an import job has succeeded, so the objectives pages find them in
    the cache instead of reading the observations while someone waits.
    """
    return len(objective_statuses(qppo_list()))


def _claim(job_id: int) -> int | None:
    """Take a queued job for this worker: the attempt claimed, or ``None`` if the job
    is not queued (any more). A compare-and-set on the state and the attempt, so two
    workers cannot both claim one run."""
    attempt = (
        ObservationImportJob.objects.filter(pk=job_id, state=ImportJobState.QUEUED)
        .values_list("attempt", flat=True)
        .first()
    )
    if attempt is None:
        return None
    claimed = ObservationImportJob.objects.filter(
        pk=job_id, state=ImportJobState.QUEUED, attempt=attempt
    ).update(
        state=ImportJobState.RUNNING,
        started_at=timezone.now(),
        attempt=attempt + 1,
        worker=worker_name()[:300],
    )
    return attempt + 1 if claimed else None


def _record(job_id: int, attempt: int, **fields: Any) -> bool:
    """Record this run's outcome, if the job still runs it; whether it did."""
    return bool(
        ObservationImportJob.objects.filter(
            pk=job_id, state=ImportJobState.RUNNING, attempt=attempt
        ).update(finished_at=timezone.now(), **fields)
    )


def _run(job_id: int, attempt: int) -> str | None:
    """Import the file of ``attempt`` of the job and record the outcome (see
    ``observation_import_job_run``)."""
    job = ObservationImportJob.objects.select_related("created_by").get(pk=job_id)
    progress = _ProgressWriter(job.pk, attempt)
    progress.write(0, None)
    path = uploads.job_path(job.upload)
    outcome: dict[str, Any]
    try:
        # The import is a savepoint of this transaction, which also records the success:
        # both commit, or neither (a run no longer the job's rolls back its import).
        with transaction.atomic():
            result = observation_import(
                path=path,
                filename=job.filename,
                mapping=job.mapping,
                sheet=job.sheet or None,
                user=job.created_by,
                replace=job.replace,
                progress=progress,
            )
            progress.check()  # a stop asked after the last progress write
            if not _record(job.pk, attempt, **_succeeded(job, result)):
                raise ImportJobStopped
    except ImportJobStopped as stop:
        return _stopped(job, attempt, stop)
    except InvalidDocument as error:
        problems = list(error.problems)
        outcome = {
            "state": ImportJobState.FAILED,
            "problems": [
                {"message": p.message, "file": p.file, "line": p.line, "field": p.field}
                for p in problems[:PROBLEMS_KEPT]
            ],
            "problems_total": len(problems),
            "message": (
                f"The file was refused; nothing was imported: {len(problems)} "
                f"problem{'s' if len(problems) != 1 else ''}."
            ),
        }
    except Exception:
        logger.exception("observation import job %s failed", job.pk)
        outcome = {
            "state": ImportJobState.FAILED,
            "message": (
                "The import stopped on an unexpected error; nothing was imported. "
                "The error is in the worker's log."
            ),
        }
    else:
        path.unlink(missing_ok=True)
        progress_clear(job_id=job.pk, attempt=attempt)
        if result.inserted or result.replaced:  # the observations changed
            objective_statistics_warm.enqueue()
        return str(ImportJobState.SUCCEEDED)
    entry = progress_get(job_id=job.pk) or {}
    outcome |= {"rows_read": entry.get("rows_read", 0), "rows_total": entry.get("rows_total")}
    if not _record(job.pk, attempt, **outcome):
        _superseded(job, attempt)
        return None
    uploads.give_back(job.upload)
    progress_clear(job_id=job.pk, attempt=attempt)
    return str(ImportJobState.FAILED)


def _succeeded(job: ObservationImportJob, result: ObservationImportResult) -> dict[str, Any]:
    """The fields of a job that succeeded with ``result``."""
    if result.already_imported:
        when = timezone.localtime(result.batch.created_at).strftime("%Y-%m-%d %H:%M")
        message = (
            f"“{job.filename}” was imported already ({result.batch.filename}, {when}); "
            "nothing was written."
        )
    else:
        message = (
            f"“{job.filename}” is imported: {result.inserted:,} new, {result.skipped:,} "
            f"already stored, {result.replaced:,} replaced."
        )
    return {
        "state": ImportJobState.SUCCEEDED,
        "batch": result.batch,
        "already_imported": result.already_imported,
        "inserted": result.inserted,
        "skipped": result.skipped,
        "replaced": result.replaced,
        "rows_read": result.batch.rows,
        "rows_total": result.batch.rows,
        "message": message,
    }


def _stopped(job: ObservationImportJob, attempt: int, stop: ImportJobStopped) -> str | None:
    """This run was stopped and its import rolled back. A cancellation is recorded here
    unless its canceller did it already (on SQLite it waits for this transaction's end):
    the same message, so whichever writes second changes nothing."""
    entry = progress_get(job_id=job.pk) or {}
    if stop.message and _record(
        job.pk,
        attempt,
        state=ImportJobState.FAILED,
        message=stop.message,
        rows_read=entry.get("rows_read", 0),
        rows_total=entry.get("rows_total"),
    ):
        logger.info("observation import job %s: cancelled while it ran; stopped", job.pk)
        uploads.give_back(job.upload)
        progress_clear(job_id=job.pk, attempt=attempt)
        return str(ImportJobState.FAILED)
    _superseded(job, attempt)
    return None


def _superseded(job: ObservationImportJob, attempt: int) -> None:
    """The job was cancelled or run again while this run went: leave it, and its file,
    as the others left them."""
    logger.warning(
        "observation import job %s: attempt %s was cancelled or run again meanwhile; "
        "nothing of it was kept",
        job.pk,
        attempt,
    )
    progress_clear(job_id=job.pk, attempt=attempt)
