"""A way out of a stuck import job (issue 4): ``import_job_retry`` and ``import_job_cancel``,
and the page actions that call them (confirm with GET, act with POST).

A job is stuck when it stalled (running without progress for ``STALL_AFTER``: its worker
died) or waits for a worker (queued longer than ``WORKER_WAIT``). Personas: the job's
creator (``process_group_member``, who may also change import jobs), ``importer`` (may
import, not change others' jobs nor see them), ``practitioner`` (sees every job, may not
import) and anonymous.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection, connections, transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.apps.measurements.test_import import GOOD
from uplift.apps.accounts.roles import Role
from uplift.apps.measurements import tasks, uploads
from uplift.apps.measurements.choices import ImportJobState
from uplift.apps.measurements.models import Observation, ObservationImport, ObservationImportJob
from uplift.apps.measurements.selectors import import_job_get, import_jobs_visible_to
from uplift.apps.measurements.services.import_jobs import (
    STALL_AFTER,
    WORKER_WAIT,
    ImportJobStateError,
    import_job_cancel,
    import_job_create,
    import_job_progress,
    import_job_retry,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("import_job_setting")]


@pytest.fixture
def importer(make_user: Any) -> User:
    """May import observations; may neither see nor change other people's jobs."""
    user: User = make_user(username="importer")
    user.user_permissions.add(
        Permission.objects.get(codename="add_observation", content_type__app_label="measurements")
    )
    return user


def queued(user: User) -> ObservationImportJob:
    """A job recorded by ``user``; the test's transaction never commits, so no task runs."""
    token = uploads.store([GOOD.encode()])
    return import_job_create(token=token, filename="q1.csv", user=user)


def stalled(user: User) -> ObservationImportJob:
    """A job whose worker died: running, no progress since longer than ``STALL_AFTER``."""
    job = queued(user)
    ObservationImportJob.objects.filter(pk=job.pk).update(
        state=ImportJobState.RUNNING,
        started_at=timezone.now() - timedelta(seconds=STALL_AFTER + 1),
    )
    job.refresh_from_db()
    return job


def waiting(user: User) -> ObservationImportJob:
    """A job queued longer than ``WORKER_WAIT``: no worker took it."""
    job = queued(user)
    ObservationImportJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - timedelta(seconds=WORKER_WAIT + 1)
    )
    job.refresh_from_db()
    return job


def snapshot(job: ObservationImportJob) -> tuple[Any, ...]:
    job.refresh_from_db()
    return (job.state, job.started_at, job.finished_at, job.message)


def files() -> list[str]:
    return sorted(path.name for path in uploads.upload_dir().glob("*"))


# --- services -------------------------------------------------------------------------------


def test_a_stalled_job_run_again_is_imported_by_the_next_worker(
    process_group_member, django_capture_on_commit_callbacks
):
    job = stalled(process_group_member)
    assert import_job_progress(job=job).stuck

    with django_capture_on_commit_callbacks(execute=True):
        import_job_retry(job=job, user=process_group_member)

    job.refresh_from_db()
    assert (job.state, job.inserted) == (ImportJobState.SUCCEEDED, 4)
    assert Observation.objects.count() == 4
    assert ObservationImport.objects.count() == 1
    assert files() == []


def test_a_job_run_again_is_queued_afresh_and_enqueued_once_committed(
    process_group_member, django_capture_on_commit_callbacks, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    job = stalled(process_group_member)

    with django_capture_on_commit_callbacks(execute=True):
        again = import_job_retry(job=job, user=process_group_member)

    assert (again.state, again.started_at) == (ImportJobState.QUEUED, None)
    assert again.message.startswith("Run again by process.group at ")
    task_row = DBTaskResult.objects.get()
    assert task_row.args_kwargs == {"args": [], "kwargs": {"job_id": job.pk}}
    # Queued again just now: not yet "no worker", though it was recorded long ago.
    progress = import_job_progress(job=again)
    assert (progress.state, progress.waiting, progress.stuck) == (
        ImportJobState.QUEUED,
        False,
        False,
    )
    assert files() == [f"{job.upload}.job"]
    assert not Observation.objects.exists()


def test_a_job_no_worker_took_may_be_run_again(
    process_group_member, django_capture_on_commit_callbacks
):
    job = waiting(process_group_member)

    with django_capture_on_commit_callbacks(execute=True):
        import_job_retry(job=job, user=process_group_member)

    job.refresh_from_db()
    assert job.state == ImportJobState.SUCCEEDED
    assert Observation.objects.count() == 4


@pytest.mark.parametrize("make", [stalled, waiting])
def test_a_stuck_job_cancelled_fails_saying_who_and_keeps_the_file_a_day(
    make, process_group_member, django_capture_on_commit_callbacks
):
    job = make(process_group_member)
    if make is stalled:  # the dead worker's last progress, long ago
        old = {"rows_read": 2, "rows_total": 4, "at": time.time() - STALL_AFTER - 1}
        cache.set(tasks._ProgressWriter(job.pk).key, old)
    assert import_job_progress(job=job).stuck

    with django_capture_on_commit_callbacks(execute=True):
        cancelled = import_job_cancel(job=job, user=process_group_member)

    assert cancelled.state == ImportJobState.FAILED
    assert cancelled.finished_at is not None
    why = (
        "; the worker stopped and nothing was imported."
        if make is stalled
        else ": no worker had started it; nothing was imported."
    )
    assert cancelled.message.startswith("Cancelled by process.group at ")
    assert cancelled.message.endswith(why)
    assert tasks.progress_get(job_id=job.pk) is None
    assert files() == [f"{job.upload}.upload"]  # back to the uploads: swept in a day
    assert not Observation.objects.exists()
    assert import_job_progress(job=cancelled).finished


def test_the_process_group_may_cancel_another_members_stuck_job(
    process_group_member, make_user, django_capture_on_commit_callbacks
):
    colleague = make_user(Role.PROCESS_GROUP, username="colleague")
    job = stalled(process_group_member)

    with django_capture_on_commit_callbacks(execute=True):
        cancelled = import_job_cancel(job=job, user=colleague)

    assert cancelled.state == ImportJobState.FAILED
    assert cancelled.message.startswith("Cancelled by colleague at ")


@pytest.mark.parametrize("service", [import_job_retry, import_job_cancel])
@pytest.mark.parametrize("persona", ["importer", "practitioner", "outsider"])
def test_who_neither_created_the_job_nor_may_change_jobs_is_refused(
    service, persona, request, process_group_member, django_capture_on_commit_callbacks
):
    job = stalled(process_group_member)
    before = snapshot(job)
    user = request.getfixturevalue(persona)

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(PermissionDenied),
    ):
        service(job=job, user=user)

    assert snapshot(job) == before
    assert callbacks == []
    assert files() == [f"{job.upload}.job"]


@pytest.mark.parametrize("service", [import_job_retry, import_job_cancel])
def test_a_job_that_is_not_stuck_is_refused_and_left_alone(
    service, process_group_member, django_capture_on_commit_callbacks
):
    fresh = queued(process_group_member)  # queued just now: a worker may take it yet
    with django_capture_on_commit_callbacks(execute=True):
        token = uploads.store([GOOD.encode()])
        finished = import_job_create(token=token, filename="q1.csv", user=process_group_member)
    finished.refresh_from_db()
    assert finished.state == ImportJobState.SUCCEEDED

    for job, state in ((fresh, "queued"), (finished, "finished")):
        before = snapshot(job)
        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            pytest.raises(ImportJobStateError, match=f"This import is {state}: only an import"),
        ):
            service(job=job, user=process_group_member)
        assert snapshot(job) == before
        assert callbacks == []
    assert Observation.objects.count() == 4


def test_a_stalled_job_whose_file_is_gone_cannot_run_again(process_group_member):
    job = stalled(process_group_member)
    uploads.job_path(job.upload).unlink()
    before = snapshot(job)

    with pytest.raises(ImportJobStateError, match="file of this import is gone"):
        import_job_retry(job=job, user=process_group_member)

    assert snapshot(job) == before


def test_the_selectors_scope_jobs_to_their_creator_or_who_may_view_imports(
    process_group_member, importer, practitioner, anonymous
):
    job = queued(process_group_member)

    assert list(import_jobs_visible_to(process_group_member)) == [job]
    assert list(import_jobs_visible_to(practitioner)) == [job]  # views imports
    assert list(import_jobs_visible_to(importer)) == []
    assert import_job_get(user=process_group_member, pk=job.pk) == job
    with pytest.raises(ObservationImportJob.DoesNotExist):
        import_job_get(user=importer, pk=job.pk)


# --- pages ----------------------------------------------------------------------------------


def page_url(job: ObservationImportJob) -> str:
    return reverse("measurements:observation_import_job", args=[job.pk])


def action_url(job: ObservationImportJob, action: str) -> str:
    return reverse(f"measurements:observation_import_job_{action}", args=[job.pk])


def test_a_stalled_jobs_page_offers_run_again_and_cancel_to_its_creator(
    process_group_member, client_for
):
    job = stalled(process_group_member)

    body = client_for(process_group_member).get(page_url(job)).content.decode()

    assert 'id="import-stalled"' in body
    assert f'href="{action_url(job, "retry")}"' in body
    assert f'href="{action_url(job, "cancel")}"' in body


def test_a_running_job_that_has_not_stalled_offers_no_way_out(process_group_member, client_for):
    job = stalled(process_group_member)
    ObservationImportJob.objects.filter(pk=job.pk).update(started_at=timezone.now())

    body = client_for(process_group_member).get(page_url(job)).content.decode()

    assert 'id="import-job-actions"' not in body


def test_who_sees_a_stalled_job_but_may_not_act_gets_no_actions_and_a_403(
    process_group_member, practitioner, client_for
):
    job = stalled(process_group_member)
    before = snapshot(job)
    client = client_for(practitioner)

    assert 'id="import-job-actions"' not in client.get(page_url(job)).content.decode()
    assert client.get(action_url(job, "cancel")).status_code == 403
    assert client.post(action_url(job, "cancel")).status_code == 403
    assert client.post(action_url(job, "retry")).status_code == 403
    assert snapshot(job) == before


@pytest.mark.parametrize("action", ["retry", "cancel"])
def test_another_importer_gets_404_and_nothing_changes(
    action, process_group_member, importer, client_for
):
    job = stalled(process_group_member)
    before = snapshot(job)
    client = client_for(importer)

    assert client.get(action_url(job, action)).status_code == 404
    assert client.post(action_url(job, action)).status_code == 404
    unknown = reverse(f"measurements:observation_import_job_{action}", args=[job.pk + 1000])
    assert client_for(process_group_member).post(unknown).status_code == 404
    assert snapshot(job) == before


@pytest.mark.parametrize("action", ["retry", "cancel"])
def test_anonymous_visitors_are_sent_to_sign_in(action, process_group_member, anonymous):
    job = stalled(process_group_member)
    before = snapshot(job)

    response = anonymous.post(action_url(job, action))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert snapshot(job) == before


def test_cancel_asks_for_confirmation_then_cancels_and_shows_the_job(
    process_group_member, client_for, django_capture_on_commit_callbacks
):
    job = stalled(process_group_member)
    client = client_for(process_group_member)

    confirm = client.get(action_url(job, "cancel"))
    assert confirm.status_code == 200
    assert "Cancel the import of “q1.csv”?" in confirm.content.decode()
    assert snapshot(job)[0] == ImportJobState.RUNNING  # asking changes nothing

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(action_url(job, "cancel"), follow=True)

    assert response.redirect_chain == [(page_url(job), 303)]
    body = response.content.decode()
    assert 'data-state="failed"' in body
    assert "Cancelled by process.group at " in body
    job.refresh_from_db()
    assert job.state == ImportJobState.FAILED


def test_run_again_from_the_page_imports_the_file(
    process_group_member, client_for, django_capture_on_commit_callbacks
):
    job = stalled(process_group_member)
    client = client_for(process_group_member)

    assert "Run the import of “q1.csv” again?" in (
        client.get(action_url(job, "retry")).content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):  # the task runs on commit
        response = client.post(action_url(job, "retry"))

    assert (response.status_code, response["Location"]) == (303, page_url(job))
    assert 'data-state="succeeded"' in client.get(page_url(job)).content.decode()
    assert Observation.objects.count() == 4


@pytest.mark.parametrize("action", ["retry", "cancel"])
def test_a_finished_job_is_a_409_saying_why_and_stays_as_it_was(
    action, process_group_member, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        token = uploads.store([GOOD.encode()])
        job = import_job_create(token=token, filename="q1.csv", user=process_group_member)
    before = snapshot(job)
    client = client_for(process_group_member)

    shown = client.get(action_url(job, action))
    done = client.post(action_url(job, action))

    assert shown.status_code == done.status_code == 409
    assert "This import is finished: only an import that stalled" in done.content.decode()
    assert snapshot(job) == before


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's one writer")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("act", ["cancel", "retry"])
def test_a_worker_holding_sqlites_writer_gets_an_answer_not_an_error(
    process_group_member: User, act: str, settings: Any
) -> None:
    """A hung worker inside its import holds SQLite's only writer: the action asks it to
    stop (through the cache) and says so, instead of failing after the 30 s timeout."""
    # Committed at once here: queued in the database, not run by the immediate backend.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    job = stalled(process_group_member)
    holding, release = threading.Event(), threading.Event()

    def worker() -> None:  # another connection, in a write transaction, like an import
        try:
            with transaction.atomic():
                ObservationImport.objects.create(filename="held.csv", sha256="h" * 64)
                holding.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert holding.wait(10)
        action = import_job_cancel if act == "cancel" else import_job_retry
        with pytest.raises(ImportJobStateError, match="worker holds the database"):
            action(job=job, user=process_group_member)
    finally:
        release.set()
        thread.join()
    assert tasks._stop_asked(job.pk, job.attempt) is not None  # the worker will stop
    job.refresh_from_db()
    assert job.state == ImportJobState.RUNNING  # nothing changed meanwhile
    # Once the writer is free, the action goes through.
    action(job=job, user=process_group_member)
