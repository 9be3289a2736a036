"""The observation import API: POST a file (201, 200 when repeated, 400 with located
problems, 403), GET the imports.

Personas: anonymous, ``practitioner`` (reads every context) and
``process_group_member`` (imports).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from tests.api.conftest import client_of
from tests.apps.measurements import conftest as measurement_fixtures
from tests.apps.measurements.test_import import GOOD
from uplift.apps.measurements.models import Observation, ObservationImport

pytestmark = pytest.mark.django_db

URL = "/api/measurements/imports/"

# Fixtures of the measurements tests (pytest finds them by name in this module).
measures = measurement_fixtures.measures
work_activities = measurement_fixtures.work_activities


@pytest.fixture(autouse=True)
def _setup(measures: dict[str, Any], work_activities: dict[str, Any]) -> None:
    """Every test has the three measures and the three work activities."""


def post(client: APIClient, text: str, name: str = "q1.csv", **fields: Any) -> Any:
    file = SimpleUploadedFile(name, text.encode(), content_type="text/csv")
    return client.post(URL, {"file": file, **fields}, format="multipart")


def test_an_import_answers_201_with_the_counts(process_group_member):
    response = post(client_of(process_group_member), GOOD)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["already_imported"] is False
    assert (body["inserted"], body["skipped"], body["replaced"]) == (4, 0, 0)
    assert body["batch"]["filename"] == "q1.csv"
    assert body["batch"]["rows"] == 4
    assert body["batch"]["created_by"] == process_group_member.username
    assert response["Location"].endswith(f"{URL}{body['batch']['id']}/")
    assert Observation.objects.count() == 4


def test_the_same_file_again_answers_200_and_writes_nothing(process_group_member):
    client = client_of(process_group_member)
    first = post(client, GOOD).json()

    response = post(client, GOOD, name="again.csv")

    assert response.status_code == 200
    body = response.json()
    assert body["already_imported"] is True
    assert body["batch"]["id"] == first["batch"]["id"]
    assert ObservationImport.objects.count() == 1
    assert Observation.objects.count() == 4


def test_a_mapping_names_the_files_own_columns(process_group_member):
    text = "Metric,Project,When,Reading\ncycle-time,alpha,2024-01-01,12.5\n"
    mapping = {
        "Metric": "measure",
        "Project": "work_activity",
        "When": "observed_at",
        "Reading": "value",
    }

    response = post(client_of(process_group_member), text, mapping=json.dumps(mapping))

    assert response.status_code == 201, response.json()
    assert list(Observation.objects.values_list("value", flat=True)) == [12.5]


def test_a_mapping_that_is_not_an_object_is_invalid_input(process_group_member):
    response = post(client_of(process_group_member), GOOD, mapping=json.dumps(["measure"]))

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "mapping"
    assert not Observation.objects.exists()


def test_a_bad_file_answers_400_with_every_problem_located_and_writes_nothing(
    process_group_member,
):
    bad = GOOD + "cycle-time,nowhere,2024-02-01,1,\ncycle-time,alpha,2024-02-02,1,5\n"

    response = post(client_of(process_group_member), bad)

    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "The file was rejected; nothing was imported."
    located = {(item["file"], item["line"], item["field"]) for item in body["errors"]}
    assert ("q1.csv", 6, "work_activity") in located
    assert all(item["message"] for item in body["errors"])
    assert not Observation.objects.exists()
    assert not ObservationImport.objects.exists()


def test_a_practitioner_may_list_imports_but_gets_403_on_import(practitioner):
    client = client_of(practitioner)

    response = post(client, GOOD)

    assert response.status_code == 403
    assert response.json()["errors"] == []
    assert not Observation.objects.exists()
    assert client.get(URL).status_code == 200


def test_anonymous_callers_are_refused(anonymous):
    assert post(client_of(None), GOOD).status_code in (401, 403)
    assert client_of(None).get(URL).status_code in (401, 403)
    assert not Observation.objects.exists()


def test_the_list_shows_the_imports_newest_first(process_group_member):
    client = client_of(process_group_member)
    post(client, GOOD, name="first.csv")
    post(client, "measure,work_activity,observed_at,value\ncycle-time,beta,2024-03-01,1\n")

    response = client.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert [item["filename"] for item in body["results"]] == ["q1.csv", "first.csv"]
    detail = client.get(f"{URL}{body['results'][1]['id']}/").json()
    assert detail["rows"] == 4
