"""A worker's run of an import job is the job's only while the job runs that attempt
(issue 4): a cancellation or a run again ends it, and the worker then keeps nothing;
a worker that starts queues again the jobs of a dead worker of its host.

``tasks._claim`` and ``tasks._run`` are the task's two halves, called apart where a
test must change the job between them, as a web request does while a worker runs.
Stops asked through the cache are written by ``tasks.progress_stop``, as the cancel
and run-again services do; on SQLite that is how a worker learns of them while its
import holds the only writer.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
from datetime import datetime, timedelta
from typing import Any, ClassVar

import pytest
import time_machine
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.apps.measurements.test_import import GOOD
from uplift.apps.measurements import tasks, uploads
from uplift.apps.measurements.choices import ImportJobState
from uplift.apps.measurements.models import Observation, ObservationImport, ObservationImportJob
from uplift.apps.measurements.services import observations as observation_services
from uplift.apps.measurements.services.import_jobs import (
    STALL_AFTER,
    import_job_cancel,
    import_job_create,
    import_job_progress,
    import_job_retry,
    import_jobs_recover,
)
from uplift.apps.measurements.tasks import observation_import_job_run

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("import_job_setting")]

CANCELLED = (
    "Cancelled by colleague at 2024-03-01 10:00; the worker stopped and nothing was imported."
)


def queued(user: Any) -> ObservationImportJob:
    """A job recorded by ``user``; the test's transaction never commits, so no task runs."""
    return import_job_create(token=uploads.store([GOOD.encode()]), filename="q1.csv", user=user)


def stall(job: ObservationImportJob) -> ObservationImportJob:
    """``job``, claimed by a worker, as a web request sees it after ``STALL_AFTER``
    without progress: stuck, so it may be cancelled or run again."""
    ObservationImportJob.objects.filter(pk=job.pk).update(
        started_at=timezone.now() - timedelta(seconds=STALL_AFTER + 1)
    )
    job.refresh_from_db()
    assert import_job_progress(job=job).stalled
    return job


def files() -> list[str]:
    return sorted(path.name for path in uploads.upload_dir().glob("*"))


def nothing_imported() -> bool:
    return not Observation.objects.exists() and not ObservationImport.objects.exists()


def snapshot(job: ObservationImportJob) -> tuple[Any, ...]:
    job.refresh_from_db()
    return (job.state, job.attempt, job.worker, job.started_at, job.message)


def dead_pid() -> int:
    """The id of a process of this host that has ended (and was reaped)."""
    process = subprocess.Popen([sys.executable, "-c", ""])
    process.wait()
    return process.pid


# --- attempts -------------------------------------------------------------------------------


def test_each_claim_is_a_new_attempt_recorded_with_its_worker(
    process_group_member, django_capture_on_commit_callbacks
):
    job = queued(process_group_member)
    assert (job.attempt, job.worker) == (0, "")

    assert tasks._claim(job.pk) == 1
    assert tasks._claim(job.pk) is None  # running: no second worker takes it
    job.refresh_from_db()
    assert (job.state, job.attempt) == (ImportJobState.RUNNING, 1)
    assert job.worker == f"{socket.gethostname()}:{os.getpid()}"

    with django_capture_on_commit_callbacks(execute=True):  # the task runs on commit
        import_job_retry(job=stall(job), user=process_group_member)

    job.refresh_from_db()
    assert (job.state, job.attempt, job.inserted) == (ImportJobState.SUCCEEDED, 2, 4)


# --- a stop asked through the cache, while the import runs ----------------------------------


class StoppingCache(LocMemCache):
    """A local-memory cache that, when the worker writes the progress phase ``stop_at``,
    receives a cancellation of the run (``progress_stop``), as from a web request. No
    database query here: the worker's connection may be in a PostgreSQL ``COPY``."""

    stop_at: ClassVar[str] = "read"
    attempt: ClassVar[int] = 1
    phases: ClassVar[list[str]] = []  # the phases written, in turn

    def set(self, key: str, value: Any, *args: Any, **kwargs: Any) -> None:
        super().set(key, value, *args, **kwargs)
        phase = value.get("phase") if isinstance(value, dict) else None
        if key.endswith(":progress") and phase is not None:
            StoppingCache.phases.append(phase)
        if key.endswith(":progress") and phase == StoppingCache.stop_at:
            job_id = int(key.split(":")[3])
            tasks.progress_stop(job_id=job_id, attempt=StoppingCache.attempt, message=CANCELLED)


@pytest.mark.parametrize(
    ("mode", "stop_at"),
    [
        ("merge", "read"),  # rows staged, then stopped before the merge
        ("load", "write"),  # rows in the table itself, its indexes set aside
        ("merge", "finish"),  # merged: stopped by the look just before the commit
        ("load", "finish"),  # loaded and indexed: the same
    ],
)
def test_a_cancellation_asked_while_the_import_runs_stops_it_and_nothing_is_kept(
    mode, stop_at, process_group_member, settings, monkeypatch
):
    settings.CACHES = {"default": {"BACKEND": f"{__name__}.StoppingCache"}}
    monkeypatch.setattr(StoppingCache, "stop_at", stop_at)
    monkeypatch.setattr(StoppingCache, "phases", [])
    monkeypatch.setattr(tasks, "PROGRESS_INTERVAL", 0)
    if mode == "load":
        monkeypatch.setattr(observation_services, "LOAD_MIN_BYTES", 0)
        Observation.objects.all().delete()
    job = queued(process_group_member)

    state = observation_import_job_run.call(job_id=job.pk)

    job.refresh_from_db()
    assert state == ImportJobState.FAILED
    assert StoppingCache.phases[-1] == stop_at  # stopped at its next look: no phase after
    assert (job.state, job.attempt, job.message) == (ImportJobState.FAILED, 1, CANCELLED)
    assert job.finished_at is not None
    assert nothing_imported()
    assert files() == [f"{job.upload}.upload"]  # given back, as a cancellation does
    assert tasks.progress_get(job_id=job.pk) is None


def test_a_stop_asked_of_another_attempt_does_not_stop_this_one(process_group_member):
    job = queued(process_group_member)
    tasks.progress_stop(job_id=job.pk, attempt=0, message=CANCELLED)  # an older run's

    assert observation_import_job_run.call(job_id=job.pk) == ImportJobState.SUCCEEDED

    job.refresh_from_db()
    assert (job.state, job.attempt, job.inserted) == (ImportJobState.SUCCEEDED, 1, 4)


def test_a_cancellation_the_worker_recorded_first_is_done_for_its_canceller_too(
    process_group_member, client_for, django_capture_on_commit_callbacks
):
    # SQLite: the canceller's update waits for the worker's transaction; the worker
    # sees the cancellation in the cache, rolls back, and records it first.
    frozen = datetime(2024, 3, 1, 10, 0, 30, tzinfo=timezone.get_current_timezone())
    with time_machine.travel(frozen, tick=False):
        job = queued(process_group_member)
        attempt = tasks._claim(job.pk)
        assert attempt == 1
        seen = stall(ObservationImportJob.objects.get(pk=job.pk))  # the canceller's view
        message = (
            "Cancelled by process.group at 2024-03-01 10:00; "
            "the worker stopped and nothing was imported."
        )
        tasks.progress_stop(job_id=job.pk, attempt=attempt, message=message)

        assert tasks._run(job.pk, attempt) == ImportJobState.FAILED
        with django_capture_on_commit_callbacks(execute=True):
            cancelled = import_job_cancel(job=seen, user=process_group_member)

    assert (cancelled.state, cancelled.message) == (ImportJobState.FAILED, message)
    assert nothing_imported()
    assert files() == [f"{job.upload}.upload"]
    body = client_for(process_group_member).get(
        reverse("measurements:observation_import_job", args=[job.pk])
    )
    assert 'data-state="failed"' in body.content.decode()
    assert message in body.content.decode()


# --- a stop the worker did not see: the conditional record ----------------------------------


@pytest.mark.parametrize(
    ("service", "state", "said"),
    [
        (import_job_cancel, ImportJobState.FAILED, "Cancelled by process.group at "),
        (import_job_retry, ImportJobState.QUEUED, "Run again by process.group at "),
    ],
)
def test_a_slow_worker_cannot_overwrite_a_cancellation_or_a_run_again(
    service, state, said, process_group_member, django_capture_on_commit_callbacks
):
    job = queued(process_group_member)
    attempt = tasks._claim(job.pk)
    assert attempt is not None
    with django_capture_on_commit_callbacks(execute=False):  # the file stays where it is
        service(job=stall(job), user=process_group_member)
    before = snapshot(job)
    cache.clear()  # its stop unseen: this worker reads another cache, or it expired

    # The worker imports the whole file, then finds the job no longer its own.
    assert tasks._run(job.pk, attempt) is None

    assert snapshot(job) == before
    assert job.state == state
    assert job.message.startswith(said)
    assert nothing_imported()  # its import rolled back with the refused record
    assert files() == [f"{job.upload}.job"]  # the file left to whoever has the job now


def test_a_job_run_again_while_its_slow_worker_ran_is_imported_once_by_the_next(
    process_group_member, django_capture_on_commit_callbacks
):
    job = queued(process_group_member)
    attempt = tasks._claim(job.pk)
    assert attempt is not None
    with django_capture_on_commit_callbacks(execute=False):
        import_job_retry(job=stall(job), user=process_group_member)

    assert tasks._run(job.pk, attempt) is None  # stopped at once: the stop is in the cache
    assert observation_import_job_run.call(job_id=job.pk) == ImportJobState.SUCCEEDED

    job.refresh_from_db()
    assert (job.state, job.attempt, job.inserted) == (ImportJobState.SUCCEEDED, 2, 4)
    assert Observation.objects.count() == 4
    assert ObservationImport.objects.count() == 1


# --- a dead worker's jobs, queued again by the next worker of its host ----------------------


def running(user: Any, worker: str) -> ObservationImportJob:
    """A job claimed by ``worker`` (``host:pid``) a minute ago: not yet stalled."""
    job = queued(user)
    ObservationImportJob.objects.filter(pk=job.pk).update(
        state=ImportJobState.RUNNING,
        attempt=1,
        worker=worker,
        started_at=timezone.now() - timedelta(minutes=1),
    )
    job.refresh_from_db()
    return job


def test_a_job_whose_worker_on_this_host_is_gone_is_queued_again_and_enqueued(
    process_group_member, settings, caplog, client_for, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    worker = f"{socket.gethostname()}:{dead_pid()}"
    job = running(process_group_member, worker)
    assert not import_job_progress(job=job).stuck  # the stalled path would wait 15 minutes

    with (
        caplog.at_level(logging.WARNING, "uplift.apps.measurements.services.import_jobs"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        recovered = import_jobs_recover()

    assert recovered == [job]
    job.refresh_from_db()
    assert (job.state, job.started_at) == (ImportJobState.QUEUED, None)
    assert job.message.startswith("Queued again at ")
    assert f"its worker ({worker}) had stopped" in job.message
    assert DBTaskResult.objects.get().args_kwargs == {"args": [], "kwargs": {"job_id": job.pk}}
    assert f"observation import job {job.pk} queued again: its worker {worker} is gone" in (
        caplog.text
    )
    assert not import_job_progress(job=job).waiting  # queued just now
    page = client_for(process_group_member).get(
        reverse("measurements:observation_import_job", args=[job.pk])
    )
    assert f"its worker ({worker}) had stopped" in page.content.decode()

    assert observation_import_job_run.call(job_id=job.pk) == ImportJobState.SUCCEEDED
    job.refresh_from_db()
    assert (job.attempt, job.inserted) == (2, 4)


@pytest.mark.parametrize(
    "worker",
    [
        pytest.param(lambda: f"{socket.gethostname()}:{os.getpid()}", id="alive"),
        pytest.param(lambda: f"another-host.example:{dead_pid()}", id="another-host"),
        pytest.param(lambda: f"{socket.gethostname()}:not-a-pid", id="not-a-pid"),
    ],
)
def test_jobs_of_a_live_worker_or_another_host_are_left_alone(
    worker, process_group_member, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    job = running(process_group_member, worker())
    before = snapshot(job)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert import_jobs_recover() == []

    assert snapshot(job) == before
    assert callbacks == []
    assert not DBTaskResult.objects.exists()


def test_only_running_jobs_are_queued_again(
    process_group_member, django_capture_on_commit_callbacks
):
    worker = f"{socket.gethostname()}:{dead_pid()}"
    with django_capture_on_commit_callbacks(execute=True):
        done = queued(process_group_member)  # run on commit: succeeded
    ObservationImportJob.objects.filter(pk=done.pk).update(worker=worker)
    before = snapshot(done)

    assert import_jobs_recover() == []

    assert snapshot(done) == before
    assert done.state == ImportJobState.SUCCEEDED
