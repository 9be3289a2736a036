"""Observation imports run in the background (issue 4): ``import_job_create``, the task
``observation_import_job_run``, ``import_job_progress``, and the database worker.

Most tests run tasks with the immediate backend of the test settings, when the job's
transaction commits; ``test_the_database_worker_runs_a_queued_job`` goes through the
database backend and its worker, as ``uplift worker`` does.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from tests.apps.measurements.fixtures_h import make_qppo
from tests.apps.measurements.test_import import GOOD
from uplift.apps.measurements import selectors, tasks, uploads
from uplift.apps.measurements.choices import ImportJobState
from uplift.apps.measurements.models import Observation, ObservationImport, ObservationImportJob
from uplift.apps.measurements.services import observations as observation_services
from uplift.apps.measurements.services.import_jobs import (
    STALL_AFTER,
    WORKER_WAIT,
    ImportJobProgress,
    import_job_create,
    import_job_progress,
)
from uplift.apps.measurements.services.measures import MeasurementError
from uplift.apps.measurements.tasks import observation_import_job_run

pytestmark = pytest.mark.usefixtures("import_job_setting")

BAD = GOOD + "cycle-time,nowhere,2024-02-01,1,\ncycle-time,alpha,01/02/2024,1,\n"


def stored(text: str) -> str:
    """Store ``text`` as an upload waiting for its import; its token."""
    return uploads.store([text.encode()])


def create(user: Any, text: str = GOOD, **options: Any) -> ObservationImportJob:
    return import_job_create(token=stored(text), filename="q1.csv", user=user, **options)


def files() -> list[str]:
    return sorted(path.name for path in uploads.upload_dir().glob("*"))


@pytest.mark.django_db
def test_a_job_is_recorded_queued_and_enqueued_once_committed(
    process_group_member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = create(process_group_member, sheet="", replace=True, mapping=None)

    job.refresh_from_db()
    assert (job.state, job.created_by, job.filename, job.replace) == (
        ImportJobState.QUEUED,
        process_group_member,
        "q1.csv",
        True,
    )
    assert len(callbacks) == 1
    assert files() == [f"{job.upload}.job"]  # the job owns the file: no sweep takes it
    assert not Observation.objects.exists()


@pytest.mark.django_db
def test_a_job_imports_the_file_records_the_counts_and_deletes_the_upload(
    process_group_member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = create(process_group_member)

    job.refresh_from_db()
    batch = ObservationImport.objects.get()
    assert (job.state, job.batch, job.inserted, job.skipped, job.replaced) == (
        ImportJobState.SUCCEEDED,
        batch,
        4,
        0,
        0,
    )
    assert (job.rows_read, job.rows_total, job.already_imported) == (4, 4, False)
    assert job.message == "“q1.csv” is imported: 4 new, 0 already stored, 0 replaced."
    assert job.started_at is not None
    assert job.finished_at is not None
    assert batch.created_by == process_group_member
    assert Observation.objects.count() == 4
    assert files() == []
    assert tasks.progress_get(job_id=job.pk) is None
    assert import_job_progress(job=job) == ImportJobProgress(ImportJobState.SUCCEEDED, 4, 4, 1.0)


@pytest.mark.django_db
def test_after_a_job_the_worker_leaves_the_provisional_statistics_in_the_cache(
    process_group_member, measures, django_capture_on_commit_callbacks, django_assert_num_queries
):
    qppo = make_qppo(measures["cycle-time"], target=13, name="Cycle time at most 13")
    assert selectors.objective_status(qppo).status == "no_data"

    with django_capture_on_commit_callbacks(execute=True):
        create(process_group_member)

    # Judged from the cache: the stored baselines and the watermark, no observations read.
    with django_assert_num_queries(3):
        status = selectors.objective_status(qppo)
    assert (status.status, status.n, status.provisional) == ("met", 2, True)
    assert status.value == pytest.approx(12.75)


@pytest.mark.django_db
def test_a_refused_file_records_every_problem_located_and_writes_nothing(
    process_group_member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = create(process_group_member, BAD)

    job.refresh_from_db()
    assert job.state == ImportJobState.FAILED
    assert job.problems_total == 2
    assert [(p["line"], p["field"]) for p in job.problems] == [
        (6, "work_activity"),
        (7, "observed_at"),
    ]
    assert all(p["message"] and p["file"] == "q1.csv" for p in job.problems)
    assert job.message == "The file was refused; nothing was imported: 2 problems."
    assert job.batch is None
    assert not Observation.objects.exists()
    assert not ObservationImport.objects.exists()
    # The file goes back to the uploads, for another try with another mapping.
    assert files() == [f"{job.upload}.upload"]


@pytest.mark.django_db
def test_a_mapping_that_leaves_out_a_required_column_fails_the_job(
    process_group_member, django_capture_on_commit_callbacks
):
    mapping = {"measure": "measure", "work_activity": "work_activity", "observed_at": "observed_at"}

    with django_capture_on_commit_callbacks(execute=True):
        job = create(process_group_member, mapping=mapping)

    job.refresh_from_db()
    assert job.state == ImportJobState.FAILED
    assert any(p["field"] == "value" for p in job.problems)
    assert not Observation.objects.exists()


@pytest.mark.django_db
def test_the_same_bytes_again_succeed_and_write_nothing(
    process_group_member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = create(process_group_member)
    with django_capture_on_commit_callbacks(execute=True):
        again = create(process_group_member)

    again.refresh_from_db()
    first.refresh_from_db()
    assert again.state == ImportJobState.SUCCEEDED
    assert again.already_imported is True
    assert again.batch == first.batch
    assert (again.inserted, again.skipped, again.replaced) == (0, 0, 0)
    assert "was imported already" in again.message
    assert Observation.objects.count() == 4
    assert ObservationImport.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["practitioner", "outsider"])
def test_who_may_not_add_observations_may_not_record_a_job(
    persona, request, django_capture_on_commit_callbacks
):
    user = request.getfixturevalue(persona)
    token = stored(GOOD)

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(PermissionDenied),
    ):
        import_job_create(token=token, filename="q1.csv", user=user)

    assert not ObservationImportJob.objects.exists()
    assert callbacks == []
    assert files() == [f"{token}.upload"]


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["../../etc/passwd", "A" * 43])
def test_a_token_of_no_stored_upload_is_refused(token, process_group_member):
    with pytest.raises(MeasurementError, match="no longer available"):
        import_job_create(token=token, filename="q1.csv", user=process_group_member)

    assert not ObservationImportJob.objects.exists()


@pytest.mark.django_db
def test_a_job_that_is_not_queued_is_left_alone(
    process_group_member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = create(process_group_member)

    assert observation_import_job_run.call(job_id=job.pk) is None
    assert observation_import_job_run.call(job_id=job.pk + 1000) is None
    assert Observation.objects.count() == 4


class RecordingCache(LocMemCache):
    """A local-memory cache that also records, at each write of a job's progress, what
    ``import_job_progress`` tells another reader at that moment.

    The job's row is read once, at the first write (before the import starts): while
    the import runs, the worker's connection may be in a PostgreSQL ``COPY``, which
    admits no other query; the web process reads the row on its own connection.
    """

    seen: list[ImportJobProgress] = []
    job: ObservationImportJob | None = None

    def set(self, key: str, value: Any, *args: Any, **kwargs: Any) -> None:
        super().set(key, value, *args, **kwargs)
        if key.startswith("uplift:measurements:import-job:"):
            if RecordingCache.job is None:
                RecordingCache.job = ObservationImportJob.objects.get(pk=int(key.split(":")[3]))
            self.seen.append(import_job_progress(job=RecordingCache.job))


@pytest.mark.django_db
def test_the_progress_is_readable_while_the_import_runs(
    process_group_member, django_capture_on_commit_callbacks, settings, monkeypatch
):
    settings.CACHES = {"default": {"BACKEND": f"{__name__}.RecordingCache"}}
    monkeypatch.setattr(RecordingCache, "seen", [])
    monkeypatch.setattr(RecordingCache, "job", None)
    monkeypatch.setattr(tasks, "PROGRESS_INTERVAL", 0)  # every batch, not every 0.5 s
    rows = "".join(f"cycle-time,alpha,2024-01-01T00:00:{s:02d},{s},\n" for s in range(60))
    text = "measure,work_activity,observed_at,value,source\n" + rows

    with django_capture_on_commit_callbacks(execute=True):
        job = create(process_group_member, text)

    seen = RecordingCache.seen
    assert [(p.state, p.rows_read) for p in seen[:2]] == [
        (ImportJobState.RUNNING, 0),
        (ImportJobState.RUNNING, 60),
    ]
    assert seen[0].fraction is None
    assert not any(p.stalled for p in seen)
    # Into a table with rows: read (and staged), then the merge; no sorted second sweep.
    assert [p.phase for p in seen] == ["read", "read", "finish"]
    assert 0 < seen[1].fraction <= 0.5
    assert seen[2].fraction == 0.85
    job.refresh_from_db()
    assert job.state == ImportJobState.SUCCEEDED
    assert import_job_progress(job=job).fraction == 1.0


@pytest.mark.django_db
def test_an_import_into_the_empty_table_reports_reading_writing_then_the_indexes(
    process_group_member, django_capture_on_commit_callbacks, settings, monkeypatch
):
    settings.CACHES = {"default": {"BACKEND": f"{__name__}.RecordingCache"}}
    monkeypatch.setattr(RecordingCache, "seen", [])
    monkeypatch.setattr(RecordingCache, "job", None)
    monkeypatch.setattr(tasks, "PROGRESS_INTERVAL", 0)
    monkeypatch.setattr(observation_services, "LOAD_MIN_BYTES", 0)  # the load path
    Observation.objects.all().delete()
    rows = "".join(f"cycle-time,alpha,2024-01-01T00:00:{s:02d},{s},\n" for s in range(60))
    text = "measure,work_activity,observed_at,value,source\n" + rows

    with django_capture_on_commit_callbacks(execute=True):
        job = create(process_group_member, text)

    seen = RecordingCache.seen
    assert [p.phase for p in seen] == ["read", "read", "write", "finish"]
    assert [p.rows_read for p in seen] == [0, 60, 60, 60]
    assert [p.fraction for p in seen[2:]] == [0.85, 0.85]  # all written; then the indexes
    assert [p.percent for p in seen[1:]] == sorted(p.percent for p in seen[1:])  # never back
    job.refresh_from_db()
    assert (job.state, job.inserted) == (ImportJobState.SUCCEEDED, 60)


@pytest.mark.django_db
def test_a_queued_job_says_when_no_worker_took_it(process_group_member):
    job = create(process_group_member)  # the test's transaction never commits: not enqueued
    assert import_job_progress(job=job).waiting is False

    ObservationImportJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - timedelta(seconds=WORKER_WAIT + 1)
    )
    job.refresh_from_db()

    progress = import_job_progress(job=job)
    assert (progress.state, progress.waiting, progress.fraction) == (
        ImportJobState.QUEUED,
        True,
        0.0,
    )


@pytest.mark.django_db
def test_a_running_job_without_progress_for_long_is_reported_stalled(process_group_member):
    job = create(process_group_member)
    ObservationImportJob.objects.filter(pk=job.pk).update(
        state=ImportJobState.RUNNING,
        started_at=timezone.now() - timedelta(seconds=STALL_AFTER + 1),
    )
    job.refresh_from_db()

    progress = import_job_progress(job=job)

    assert (progress.state, progress.stalled, progress.finished) == (
        ImportJobState.RUNNING,
        True,
        False,
    )


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_runs_a_queued_job(process_group_member, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    job = create(process_group_member)  # committed at once: enqueued into the database

    task_row = DBTaskResult.objects.get()
    assert task_row.status == "READY"
    assert task_row.args_kwargs == {"args": [], "kwargs": {"job_id": job.pk}}
    job.refresh_from_db()
    assert job.state == ImportJobState.QUEUED

    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()

    job.refresh_from_db()
    task_row.refresh_from_db()
    assert task_row.status == "SUCCESSFUL"
    assert (job.state, job.inserted) == (ImportJobState.SUCCEEDED, 4)
    assert Observation.objects.count() == 4
    assert files() == []
