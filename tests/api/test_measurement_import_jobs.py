"""The background observation import API: POST a file (202 with the job's Location), GET
the job until it ends (counts, or every problem located); 403, 404.

Personas: anonymous, ``outsider_user`` (no permission), ``practitioner`` (reads every
context, may not import), ``process_group_member`` (imports) and a user who may import
but not view imports.
Tasks run when the job's transaction commits (the tests' immediate backend).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from rest_framework.test import APIClient

from tests.api.conftest import client_of
from tests.api.schema import assert_matches_schema
from tests.apps.measurements import conftest as measurement_fixtures
from tests.apps.measurements.test_import import GOOD
from uplift.apps.measurements import uploads
from uplift.apps.measurements.models import Observation, ObservationImport, ObservationImportJob

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("import_job_setting")]

URL = "/api/measurements/import-jobs/"
DETAIL = "/api/measurements/import-jobs/{id}/"
BAD = GOOD + "cycle-time,nowhere,2024-02-01,1,\ncycle-time,alpha,01/02/2024,1,\n"

measures = measurement_fixtures.measures
work_activities = measurement_fixtures.work_activities
import_job_setting = measurement_fixtures.import_job_setting


def post(client: APIClient, text: str, name: str = "q1.csv", **fields: Any) -> Any:
    file = SimpleUploadedFile(name, text.encode(), content_type="text/csv")
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(URL, {"file": file, **fields}, format="multipart")


def stored_files() -> list[Path]:
    return list(uploads.upload_dir().glob("*"))


def test_a_job_answers_202_with_its_location_and_ends_with_the_counts(process_group_member):
    client = client_of(process_group_member)

    response = post(client, GOOD)

    assert response.status_code == 202, response.json()
    job = ObservationImportJob.objects.get()
    assert response["Location"].endswith(f"{URL}{job.pk}/")
    assert response.json()["state"] == "queued"
    assert_matches_schema(response, URL, "post")
    done = client.get(response["Location"])
    assert done.status_code == 200
    body = done.json()
    assert_matches_schema(done, DETAIL)
    assert (body["state"], body["rows_read"], body["rows_total"], body["fraction"]) == (
        "succeeded",
        4,
        4,
        1.0,
    )
    assert (body["inserted"], body["skipped"], body["replaced"]) == (4, 0, 0)
    assert body["attempt"] == 1  # one worker's run
    assert "worker" not in body  # host names and process ids stay on the server
    assert body["batch"]["id"] == ObservationImport.objects.get().pk
    assert body["problems"] == []
    assert Observation.objects.count() == 4
    assert stored_files() == []


def test_a_bad_file_fails_the_job_with_every_problem_located_and_writes_nothing(
    process_group_member,
):
    client = client_of(process_group_member)

    response = post(client, BAD)

    assert response.status_code == 202
    body = client.get(response["Location"]).json()
    assert body["state"] == "failed"
    assert [(p["line"], p["field"]) for p in body["problems"]] == [
        (6, "work_activity"),
        (7, "observed_at"),
    ]
    assert body["problems_total"] == 2
    assert body["batch"] is None
    assert not Observation.objects.exists()
    assert not ObservationImport.objects.exists()


def test_a_mapping_that_is_not_an_object_is_invalid_input_and_stores_nothing(
    process_group_member,
):
    response = post(client_of(process_group_member), GOOD, mapping='["measure"]')

    assert response.status_code == 400
    assert not ObservationImportJob.objects.exists()
    assert stored_files() == []


@pytest.mark.parametrize("persona", ["practitioner", "outsider_user"])
def test_who_may_not_import_gets_403_and_nothing_is_stored(persona, request):
    response = post(client_of(request.getfixturevalue(persona)), GOOD)

    assert response.status_code == 403
    assert not ObservationImportJob.objects.exists()
    assert stored_files() == []


def test_anonymous_callers_are_refused(anonymous):
    assert post(client_of(None), GOOD).status_code in (401, 403)
    assert client_of(None).get(f"{URL}1/").status_code in (401, 403)
    assert not ObservationImportJob.objects.exists()


def test_a_job_is_seen_by_its_creator_and_by_who_may_view_imports_only(
    process_group_member, practitioner, outsider_user, make_user
):
    location = post(client_of(process_group_member), GOOD)["Location"]
    importer_only = make_user(username="importer.only")
    importer_only.user_permissions.add(
        Permission.objects.get(codename="add_observation", content_type__app_label="measurements")
    )

    assert client_of(practitioner).get(location).status_code == 200
    assert client_of(outsider_user).get(location).status_code == 404
    assert client_of(importer_only).get(location).status_code == 404
    assert client_of(process_group_member).get(f"{URL}999999/").status_code == 404


def test_the_synchronous_import_endpoint_still_answers_201(process_group_member):
    file = SimpleUploadedFile("q1.csv", GOOD.encode(), content_type="text/csv")

    response = client_of(process_group_member).post(
        "/api/measurements/imports/", {"file": file}, format="multipart"
    )

    assert response.status_code == 201
    assert not ObservationImportJob.objects.exists()
