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

Such a job is *stuck*, and only then may its creator (or whoever may change import
jobs) run it again (``import_job_retry``: queued again and enqueued) or cancel it
(``import_job_cancel``: failed, with who cancelled it). Both are safe because the
import is one transaction: a dead worker's rows were rolled back with it. A worker
that was only slow is stopped: both change the job only while it runs the attempt
they saw, and ask its worker to stop (``tasks.progress_stop``); that worker then
rolls its import back and records nothing but the cancellation (``tasks``).

A worker that starts queues again the jobs of a dead worker of its own host
(``import_jobs_recover``, called by ``uplift worker``): it need not wait for the
stall. Reads of jobs (``import_jobs_visible_to``, ``import_job_get``) are in
``selectors``.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import OperationalError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from uplift.apps.measurements import uploads
from uplift.apps.measurements.choices import ImportJobState
from uplift.apps.measurements.models import ObservationImportJob
from uplift.apps.measurements.services.measures import MeasurementError
from uplift.apps.measurements.tasks import (
    observation_import_job_run,
    progress_clear,
    progress_get,
    progress_requeued,
    progress_stop,
)

__all__ = [
    "PHASES",
    "STALL_AFTER",
    "WORKER_WAIT",
    "ImportJobProgress",
    "ImportJobStateError",
    "import_job_cancel",
    "import_job_create",
    "import_job_may_act",
    "import_job_progress",
    "import_job_retry",
    "import_jobs_recover",
]

logger = logging.getLogger(__name__)

STALL_AFTER = 15 * 60  # seconds running without progress: the worker is gone
# The share of the bar each phase of a running import fills (``observation_import``'s
# progress): reading and checking the file; writing it in key order (an import into an
# empty table only); the last step, counted by no rows (indexes and keys built again,
# or the staged rows added), shown at its start until the job's end makes 100 %.
PHASES = {"read": (0.0, 0.5), "write": (0.5, 0.85), "finish": (0.85, 1.0)}
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
    phase: str | None = None  # while running: "read", "write" or "finish" (PHASES)

    @property
    def finished(self) -> bool:
        return self.state in (ImportJobState.SUCCEEDED, ImportJobState.FAILED)

    @property
    def percent(self) -> int | None:
        return None if self.fraction is None else round(self.fraction * 100)

    @property
    def stuck(self) -> bool:
        """Stalled, or waiting for a worker: it may be run again or cancelled."""
        return self.stalled or self.waiting


class ImportJobStateError(MeasurementError):
    """The job's state does not allow the action (not stuck, or changed meanwhile):
    HTTP 409 in the API."""


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
        queued = job.created_at.timestamp()
        entry = progress_get(job_id=job.pk)  # a job run again: when it was queued again
        if entry is not None:
            queued = max(queued, float(entry["at"]))
        waiting = now.timestamp() - queued > WORKER_WAIT
        return ImportJobProgress(state, 0, None, 0.0, waiting=waiting)
    if state == ImportJobState.RUNNING:
        entry = progress_get(job_id=job.pk)
        if entry is None:
            since = job.started_at or job.created_at
            stalled = now - since > timedelta(seconds=STALL_AFTER)
            return ImportJobProgress(state, 0, None, None, stalled=stalled)
        rows_read, rows_total = int(entry["rows_read"]), entry["rows_total"]
        phase = str(entry.get("phase", "read"))
        stalled = time.time() - float(entry["at"]) > STALL_AFTER
        start, end = PHASES.get(phase, PHASES["read"])
        fraction: float | None
        if phase == "finish":  # no rows to count: the bar waits at its start
            fraction = start
        elif phase == "write" and rows_total:  # the rows are counted: an exact total
            fraction = start + (end - start) * min(rows_read / rows_total, 1.0)
        else:
            fraction = _fraction(rows_read, rows_total)
            if fraction is not None:
                fraction = start + (end - start) * fraction
        return ImportJobProgress(
            state, rows_read, rows_total, fraction, stalled=stalled, phase=phase
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


def import_job_may_act(*, job: ObservationImportJob, user: User) -> bool:
    """Whether ``user`` may run ``job`` again or cancel it: its creator, while they may
    still add observations, or whoever may change import jobs (the process group)."""
    if not user.is_authenticated:
        return False
    if user.has_perm("measurements.change_observationimportjob"):
        return True
    return bool(job.created_by_id == user.pk and user.has_perm("measurements.add_observation"))


def _stuck_checked(job: ObservationImportJob, user: User, action: str) -> ImportJobState:
    """The state of a stuck ``job`` that ``user`` may act on (``action``: "run again",
    "cancel"), or the refusal."""
    if not import_job_may_act(job=job, user=user):
        raise PermissionDenied(f"You may not {action} this import.")
    progress = import_job_progress(job=job)
    if not progress.stuck:
        done = "cancelled" if action == "cancel" else action
        now = "finished" if progress.finished else str(job.get_state_display()).lower()
        raise ImportJobStateError(
            f"This import is {now}: only an import that stalled, or that no worker has "
            f"started, may be {done}.",
            "state",
        )
    return progress.state


def _who(user: User) -> str:
    return str(user.get_full_name() or user.get_username())


@transaction.atomic
def import_job_retry(*, job: ObservationImportJob, user: User) -> ObservationImportJob:
    """Queue a stuck ``job`` again and enqueue it once committed; return it reloaded.

    Stuck: running without progress for ``STALL_AFTER`` (its worker died: the import's
    transaction, and every row it wrote, died with it) or queued longer than
    ``WORKER_WAIT``. A job run twice is harmless besides: claiming it is a
    compare-and-set on ``queued``, and the same bytes are never imported twice. A
    stalled job's worker, if only slow, is asked to stop (``progress_stop``); whatever
    it does, it can neither record its outcome nor keep its rows: the job no longer
    runs the attempt it claimed.

    Raises ``PermissionDenied`` unless ``import_job_may_act``; ``ImportJobStateError``
    when the job is not stuck, changed meanwhile, or its file is gone (cancel it then).
    """
    state = _stuck_checked(job, user, "run again")
    if not uploads.job_path(job.upload).is_file():
        raise ImportJobStateError(
            "The file of this import is gone: cancel it and import the file again.", "state"
        )
    if state == ImportJobState.RUNNING:
        progress_stop(job_id=job.pk, attempt=job.attempt)
    claimed = _job_update(
        ObservationImportJob.objects.filter(pk=job.pk, state=state, attempt=job.attempt),
        busy="It was asked to stop: run it again in a moment.",
        state=ImportJobState.QUEUED,
        started_at=None,
        message=f"Run again by {_who(user)} at {_now_text()}.",
    )
    if not claimed:
        raise ImportJobStateError("The import changed meanwhile: reload its page.", "state")
    logger.info("observation import job %s run again by %s", job.pk, user.get_username())
    _requeue_on_commit(job.pk)
    job.refresh_from_db()
    return job


# How long a cancel or a run again waits for SQLite's writer: a live worker lets go
# within a progress step or two once asked to stop; a hung one could hold it for good.
BUSY_WAIT_MS = 5000


def _job_update(rows: QuerySet[ObservationImportJob], *, busy: str, **fields: Any) -> int:
    """``rows.update(**fields)``; ``ImportJobStateError`` saying ``busy`` when the
    database stays locked. On SQLite a running import holds the only writer until it
    ends, and the worker stops at its next step once asked (``progress_stop``): the
    update waits ``BUSY_WAIT_MS`` for it, not the connection's 30 s, then answers
    instead of failing the request."""
    try:
        with _busy_wait(BUSY_WAIT_MS), transaction.atomic():
            return rows.update(**fields)
    except OperationalError as error:
        if "locked" not in str(error):  # SQLite: "database is locked" (or "table")
            raise
        raise ImportJobStateError(
            f"The import's worker holds the database. {busy}", "state"
        ) from None


@contextmanager
def _busy_wait(milliseconds: int) -> Iterator[None]:
    """On SQLite, wait at most ``milliseconds`` for a lock meanwhile (then as before)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        before = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA busy_timeout = {int(milliseconds)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {before}")


def _requeue_on_commit(job_id: int) -> None:
    """Once committed, the job's queued time is now, and it is enqueued."""
    # The new queued time first: the immediate backend runs the task in the next callback.
    transaction.on_commit(lambda: progress_requeued(job_id=job_id))
    transaction.on_commit(lambda: _enqueue(job_id))


@transaction.atomic
def import_job_cancel(*, job: ObservationImportJob, user: User) -> ObservationImportJob:
    """Fail a stuck ``job`` (see ``import_job_retry``), saying who cancelled it; its file
    goes back to the uploads (swept in a day). Nothing was imported: a dead worker's
    transaction was rolled back, and a slow one is stopped (``progress_stop``) and
    cannot commit its import once the job is no longer its. Return the job reloaded.

    A running job's worker may record this very cancellation first (on SQLite this
    update waits for the worker's transaction, and the worker writes it then): the
    same message, so whichever comes second finds it recorded and writes it again.

    Raises ``PermissionDenied`` unless ``import_job_may_act``; ``ImportJobStateError``
    when the job is not stuck or changed meanwhile.
    """
    state = _stuck_checked(job, user, "cancel")
    cancelled = f"Cancelled by {_who(user)} at {_now_text()}"
    if state == ImportJobState.RUNNING:
        message = f"{cancelled}; the worker stopped and nothing was imported."
        progress_stop(job_id=job.pk, attempt=job.attempt, message=message)
    else:
        message = f"{cancelled}: no worker had started it; nothing was imported."
    recorded_by_worker = Q(state=ImportJobState.FAILED, message=message)
    claimed = _job_update(
        ObservationImportJob.objects.filter(pk=job.pk, attempt=job.attempt).filter(
            Q(state=state) | recorded_by_worker
        ),
        busy="It was asked to stop and records the cancellation itself: reload this page "
        "in a moment.",
        state=ImportJobState.FAILED,
        finished_at=timezone.now(),
        message=message,
    )
    if not claimed:
        raise ImportJobStateError("The import changed meanwhile: reload its page.", "state")
    logger.info("observation import job %s cancelled by %s", job.pk, user.get_username())
    job_id, token = job.pk, job.upload
    transaction.on_commit(lambda: progress_clear(job_id=job_id))
    transaction.on_commit(lambda: uploads.give_back(token))
    job.refresh_from_db()
    return job


def _now_text() -> str:
    return timezone.localtime().strftime("%Y-%m-%d %H:%M")


def import_jobs_recover() -> list[ObservationImportJob]:
    """Queue again the running jobs whose worker was a process of this host that is
    gone; return them. Called when a worker starts (``uplift worker``, and so the one
    of ``uplift serve``): a dead worker's job need not wait ``STALL_AFTER`` to be
    reported stalled, then for someone to run it again.

    Safe: the dead worker's import rolled back with its transaction, and each job is
    queued again by a compare-and-set on its state, attempt and worker, so two workers
    starting at once queue it once. Jobs of other hosts (whose processes cannot be
    looked at from here) are left to the stalled path (``import_job_retry``). A process
    id reused by a new process since leaves its job to that path too.
    """
    host = socket.gethostname()
    recovered = []
    running = ObservationImportJob.objects.filter(
        state=ImportJobState.RUNNING, worker__startswith=f"{host}:"
    )
    for job in running:
        if not _worker_gone(job.worker.rpartition(":")[2]):
            continue
        with transaction.atomic():
            requeued = ObservationImportJob.objects.filter(
                pk=job.pk, state=ImportJobState.RUNNING, attempt=job.attempt, worker=job.worker
            ).update(
                state=ImportJobState.QUEUED,
                started_at=None,
                message=(
                    f"Queued again at {_now_text()}: its worker ({job.worker}) had stopped "
                    "before the import ended; nothing of that run was stored."
                ),
            )
            if not requeued:
                continue
            _fail_dead_runs(job)
            _requeue_on_commit(job.pk)
        logger.warning(
            "observation import job %s queued again: its worker %s is gone", job.pk, job.worker
        )
        job.refresh_from_db()
        recovered.append(job)
    return recovered


class WorkerGone(RuntimeError):
    """What a dead worker's task run is recorded as having failed with."""


def _fail_dead_runs(job: ObservationImportJob) -> None:
    """Mark failed the task runs of ``job`` that the task backend still counts as running
    (django-tasks-db's rows: their worker died before it could end them), so the task
    list tells the truth. Only this job's, by its id among the task's arguments."""
    gone = WorkerGone(f"its worker ({job.worker}) had stopped; the job was queued again")
    runs = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, task_path=observation_import_job_run.module_path
    )
    for run in runs:
        arguments = run.args_kwargs or {}
        ids = [(arguments.get("kwargs") or {}).get("job_id"), *(arguments.get("args") or ())]
        if job.pk in ids:
            run.set_failed(gone)


def _worker_gone(pid_text: str) -> bool:
    """Whether no process of this host has the id ``pid_text`` (a job's ``worker``)."""
    try:
        pid = int(pid_text)
    except ValueError:
        return False  # not a worker name we wrote: leave the job to the stalled path
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:  # it exists, as another user's process
        return False
    return False
