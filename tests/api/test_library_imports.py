"""POST /api/library/imports/: a model file in, a model version out, or every problem."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api.schema import assert_matches_schema
from uplift.apps.library.models import Practice, ProcessArea, ProcessModel

pytestmark = pytest.mark.django_db

URL = "/api/library/imports/"

MODEL_YAML = b"""\
uplift: model/1
id: TEST-MODEL
name: Test Model
version: '2.0'
representations: [staged]
process_areas:
- abbreviation: AA
  name: Area A
  maturity_level: 2
  goals:
  - id: SG 1
    title: Goal One
    practices:
    - id: SP 1.1
      title: Practice One
    - id: SP 1.2
      title: Practice Two
"""

MODEL_JSON = {
    "uplift": "model/1",
    "id": "JSON-MODEL",
    "name": "JSON Model",
    "version": "1.0",
    "process_areas": [{"abbreviation": "BB", "name": "Area B"}],
}

BROKEN_YAML = b"""\
uplift: model/1
id: BROKEN
name: Broken
version: '1.0'
process_areas:
- name: No abbreviation
- abbreviation: CC
"""


def test_multipart_upload_imports_the_model(importer: APIClient, importer_user: User) -> None:
    upload = SimpleUploadedFile("test-model.yaml", MODEL_YAML, "application/yaml")

    response = importer.post(URL, {"file": upload}, format="multipart")

    assert response.status_code == 201, response.json()
    model = ProcessModel.objects.get(identifier="TEST-MODEL")
    assert model.imported_by == importer_user
    body = response.json()
    assert body["reference"] == "TEST-MODEL@2.0"
    assert body["counts"] == {
        "process_areas": 1,
        "goals": 1,
        "practices": 2,
        "generic_goals": 0,
        "generic_practices": 0,
    }
    assert response["Location"] == f"http://testserver/api/library/models/{model.pk}/"
    assert_matches_schema(response, URL, "post")


def test_json_body_imports_the_model(importer: APIClient) -> None:
    response = importer.post(URL, json.dumps(MODEL_JSON), content_type="application/json")

    assert response.status_code == 201, response.json()
    assert response.json()["reference"] == "JSON-MODEL@1.0"
    assert list(
        ProcessArea.objects.filter(model__identifier="JSON-MODEL").values_list(
            "abbreviation", flat=True
        )
    ) == ["BB"]


def test_yaml_body_imports_the_model(importer: APIClient) -> None:
    response = importer.post(URL, MODEL_YAML, content_type="application/yaml")

    assert response.status_code == 201, response.json()
    assert response.json()["reference"] == "TEST-MODEL@2.0"


def test_rejected_file_lists_every_problem_and_writes_nothing(importer: APIClient) -> None:
    upload = SimpleUploadedFile("broken.yaml", BROKEN_YAML, "application/yaml")

    response = importer.post(URL, {"file": upload}, format="multipart")

    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "The file was rejected; nothing was imported."
    # Where each problem is, exactly; the wording belongs to the importer.
    assert [
        (error["file"], error["line"], error["path"], error["field"]) for error in body["errors"]
    ] == [
        ("broken.yaml", 6, "$.process_areas[0]", None),
        ("broken.yaml", 7, "$.process_areas[1]", None),
    ]
    assert "abbreviation" in body["errors"][0]["message"]
    assert "name" in body["errors"][1]["message"]
    assert not ProcessModel.objects.exists()
    assert not Practice.objects.exists()
    assert_matches_schema(response, URL, "post")


def test_importing_a_version_twice_is_refused(importer: APIClient) -> None:
    importer.post(URL, MODEL_YAML, content_type="application/yaml")

    response = importer.post(URL, MODEL_YAML, content_type="application/yaml")

    assert response.status_code == 400
    assert "already in the library" in response.json()["errors"][0]["message"]
    assert ProcessModel.objects.filter(identifier="TEST-MODEL").count() == 1


def test_missing_file_is_a_400_naming_the_field(importer: APIClient) -> None:
    response = importer.post(URL, {"format": "uplift"}, format="multipart")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Invalid input.",
        "errors": [{"field": "file", "message": "No file was submitted."}],
    }


def test_unknown_format_is_a_400_naming_the_field(importer: APIClient) -> None:
    upload = SimpleUploadedFile("m.yaml", MODEL_YAML, "application/yaml")

    response = importer.post(URL, {"file": upload, "format": "xml"}, format="multipart")

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "format", "message": '"xml" is not a valid choice.'}
    ]
    assert not ProcessModel.objects.exists()


def test_unsupported_media_type_is_a_415(importer: APIClient) -> None:
    response = importer.post(URL, b"<model/>", content_type="application/xml")

    assert response.status_code == 415
    assert response.json()["errors"] == []


def test_session_import_without_csrf_token_is_refused(importer_user: User) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(importer_user)

    response = client.post(URL, MODEL_YAML, content_type="application/yaml")

    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF Failed")
    assert not ProcessModel.objects.exists()


def test_token_import_needs_no_csrf_token(importer_user: User) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=importer_user).key}")

    response = client.post(URL, MODEL_YAML, content_type="application/yaml")

    assert response.status_code == 201
