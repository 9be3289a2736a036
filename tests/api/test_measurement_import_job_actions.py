"""``POST /api/measurements/import-jobs/{id}/retry/`` and ``…/cancel/``: a way out of a
stuck import job (stalled, or queued with no worker); 403, 404, 409.

Personas: anonymous, ``practitioner`` (sees every job, may not import), an importer who
neither created the job nor may see it, and ``process_group_member`` (the creator).
Tasks run when the transaction commits (the tests' immediate backend).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.test import TestCase
from django.utils import timezone
from rest_framework.test import APIClient

from tests.api.conftest import client_of
from tests.api.schema import assert_matches_schema
from tests.apps.measurements import conftest as measurement_fixtures
from tests.apps.measurements.test_import import GOOD
from uplift.apps.measurements import uploads
from uplift.apps.measurements.choices import ImportJobState
from uplift.apps.measurements.models import Observation, ObservationImportJob
from uplift.apps.measurements.services.import_jobs import STALL_AFTER, import_job_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("import_job_setting")]

ACTION = "/api/measurements/import-jobs/{id}/{action}/"

measures = measurement_fixtures.measures
work_activities = measurement_fixtures.work_activities
import_job_setting = measurement_fixtures.import_job_setting


def stalled(user: User) -> ObservationImportJob:
    """A job whose worker died: running, no progress since longer than ``STALL_AFTER``."""
    token = uploads.store([GOOD.encode()])
    job = import_job_create(token=token, filename="q1.csv", user=user)  # never committed
    ObservationImportJob.objects.filter(pk=job.pk).update(
        state=ImportJobState.RUNNING,
        started_at=timezone.now() - timedelta(seconds=STALL_AFTER + 1),
    )
    job.refresh_from_db()
    return job


def post(client: APIClient, job_id: int, action: str) -> Any:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(ACTION.format(id=job_id, action=action))


def state_of(job: ObservationImportJob) -> tuple[Any, ...]:
    job.refresh_from_db()
    return (job.state, job.started_at, job.finished_at, job.message)


def test_retry_answers_200_with_the_job_which_the_worker_then_imports(process_group_member):
    job = stalled(process_group_member)
    client = client_of(process_group_member)

    response = post(client, job.pk, "retry")

    assert response.status_code == 200, response.json()
    assert_matches_schema(response, "/api/measurements/import-jobs/{id}/retry/", "post")
    assert response.json()["state"] == "queued"
    assert response.json()["message"].startswith("Run again by process.group at ")
    job.refresh_from_db()
    assert (job.state, job.inserted) == (ImportJobState.SUCCEEDED, 4)
    assert Observation.objects.count() == 4


def test_cancel_answers_200_with_the_failed_job_saying_who(process_group_member):
    job = stalled(process_group_member)

    response = post(client_of(process_group_member), job.pk, "cancel")

    assert response.status_code == 200, response.json()
    assert_matches_schema(response, "/api/measurements/import-jobs/{id}/cancel/", "post")
    body = response.json()
    assert (body["state"], body["stalled"]) == ("failed", False)
    assert body["message"].startswith("Cancelled by process.group at ")
    assert body["message"].endswith("; the worker stopped and nothing was imported.")
    assert not Observation.objects.exists()


@pytest.mark.parametrize("action", ["retry", "cancel"])
def test_a_finished_job_is_a_409_and_stays_as_it_was(action, process_group_member):
    client = client_of(process_group_member)
    token = uploads.store([GOOD.encode()])
    with TestCase.captureOnCommitCallbacks(execute=True):
        job = import_job_create(token=token, filename="q1.csv", user=process_group_member)
    before = state_of(job)
    assert before[0] == ImportJobState.SUCCEEDED

    response = post(client, job.pk, action)

    assert response.status_code == 409
    assert response.json() == {
        "detail": "This import is finished: only an import that stalled, or that no worker "
        f"has started, may be {'run again' if action == 'retry' else 'cancelled'}.",
        "errors": [],
    }
    assert state_of(job) == before


@pytest.mark.parametrize("action", ["retry", "cancel"])
def test_who_sees_the_job_but_may_not_import_gets_403_and_nothing_changes(
    action, process_group_member, practitioner
):
    job = stalled(process_group_member)
    before = state_of(job)

    response = post(client_of(practitioner), job.pk, action)

    assert response.status_code == 403
    assert state_of(job) == before


@pytest.mark.parametrize("action", ["retry", "cancel"])
def test_another_importer_gets_404_as_for_an_unknown_job(action, process_group_member, make_user):
    importer = make_user(username="importer.only")
    importer.user_permissions.add(
        Permission.objects.get(codename="add_observation", content_type__app_label="measurements")
    )
    job = stalled(process_group_member)
    before = state_of(job)

    assert post(client_of(importer), job.pk, action).status_code == 404
    assert post(client_of(process_group_member), job.pk + 1000, action).status_code == 404
    assert state_of(job) == before


@pytest.mark.parametrize("action", ["retry", "cancel"])
def test_anonymous_callers_are_refused(action, process_group_member):
    job = stalled(process_group_member)
    before = state_of(job)

    assert post(client_of(None), job.pk, action).status_code in (401, 403)
    assert state_of(job) == before
