"""The appraisals API: lists, the rating, cells and imports, per persona.

Personas: anonymous, ``outsider`` (signed in, no role), ``practitioner`` (reads
every context), ``appraiser`` (also imports and characterizes).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.api.schema import assert_matches_schema
from tests.apps.appraisals.conftest import CMMI_DEV, ISSUE_EXAMPLE, as_yaml, reqm_ml2
from uplift.apps.accounts.roles import Role
from uplift.apps.appraisals.models import Appraisal, Characterization
from uplift.apps.appraisals.selectors import appraisal_rating
from uplift.apps.appraisals.services import appraisal_import
from uplift.apps.library.services import library_import_file

pytestmark = pytest.mark.django_db

IMPORTS = "/api/appraisals/imports/"
CELLS = "/api/appraisals/characterizations/"


@pytest.fixture
def reqm() -> Appraisal:
    library_import_file(path=CMMI_DEV)
    return appraisal_import(data=as_yaml(reqm_ml2()), filename="reqm.yaml")


@pytest.fixture
def personas(make_user: Any) -> dict[str, User | None]:
    return {
        "anonymous": None,
        "outsider": make_user(username="outsider"),
        "practitioner": make_user(Role.PRACTITIONER, username="practitioner"),
        "appraiser": make_user(Role.APPRAISER, username="appraiser"),
    }


def api(personas: dict[str, User | None], name: str) -> APIClient:
    client = APIClient()
    user = personas[name]
    if user is not None:
        client.force_authenticate(user)
    return client


def cell(appraisal: Appraisal, ref: str, unit: str) -> Characterization:
    abbreviation, identifier = ref.split(" ", 1)
    return Characterization.objects.get(
        appraisal=appraisal,
        process_area__abbreviation=abbreviation,
        practice__identifier=identifier,
        unit__name=unit,
    )


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("anonymous", 403), ("outsider", 403), ("practitioner", 200), ("appraiser", 200)],
)
def test_the_list_needs_the_view_permission(
    reqm: Appraisal, personas: dict[str, Any], persona: str, expected: int
) -> None:
    response = api(personas, persona).get("/api/appraisals/")

    assert response.status_code == expected
    if expected == 200:
        assert [row["id"] for row in response.json()["results"]] == [reqm.pk]
        assert_matches_schema(response, "/api/appraisals/")


def test_the_list_takes_a_fixed_number_of_queries(
    reqm: Appraisal, personas: dict[str, Any], django_assert_num_queries: Any
) -> None:
    client = api(personas, "practitioner")
    client.get("/api/appraisals/")  # warm the permission cache of the user object
    with CaptureQueriesContext(connection) as one:
        client.get("/api/appraisals/")
    for name in ("second", "third"):
        appraisal_import(data=as_yaml(reqm_ml2(name=name)), filename="b.yaml")

    with django_assert_num_queries(len(one)):
        response = client.get("/api/appraisals/")

    assert [row["name"] for row in response.json()["results"]] == [
        "third",
        "second",
        "REQM check",
    ]


def test_the_detail_shows_the_pinned_model_and_the_stored_rating(
    reqm: Appraisal, personas: dict[str, Any]
) -> None:
    response = api(personas, "practitioner").get(f"/api/appraisals/{reqm.pk}/")

    body = response.json()
    assert (body["model_reference"], body["representation"], body["appraisal_class"]) == (
        "CMMI-DEV@1.3",
        "staged",
        "C",
    )
    assert body["rated_maturity_level"] is None  # REQM alone cannot reach ML 2
    assert_matches_schema(response, "/api/appraisals/{id}/")


def test_the_rating_has_the_documented_shape(reqm: Appraisal, personas: dict[str, Any]) -> None:
    response = api(personas, "practitioner").get(f"/api/appraisals/{reqm.pk}/rating/")

    assert response.status_code == 200
    body = response.json()
    assert body == appraisal_rating(reqm).as_json()
    assert body["goals"]["REQM SG 1"] == "satisfied"
    assert body["process_areas"]["REQM"] == {"rating": "satisfied", "capability_level": 2}
    assert_matches_schema(response, "/api/appraisals/{id}/rating/")


def test_cells_are_filtered_by_area_goal_practice_unit_and_value(
    reqm: Appraisal, personas: dict[str, Any]
) -> None:
    client = api(personas, "practitioner")

    by_goal = client.get(CELLS, {"appraisal": reqm.pk, "goal": "REQM GG 2", "unit": "beta"})
    by_practice = client.get(CELLS, {"practice": "REQM.SP1.1", "value": "FI"})
    malformed = client.get(CELLS, {"practice": "nonsense"})

    assert by_goal.json()["count"] == 10
    assert {row["goal"] for row in by_goal.json()["results"]} == {"REQM GG 2"}
    assert [(r["practice"], r["unit"]) for r in by_practice.json()["results"]] == [
        ("REQM SP 1.1", "alpha"),
        ("REQM SP 1.1", "beta"),
    ]
    assert malformed.status_code == 400
    assert malformed.json()["errors"] == [
        {"field": "practice", "message": "Use a reference like REQM SP 1.1."}
    ]
    assert_matches_schema(by_goal, CELLS)


@pytest.mark.parametrize("persona", ["anonymous", "outsider", "practitioner"])
def test_changing_a_cell_without_permission_is_refused_and_changes_nothing(
    reqm: Appraisal, personas: dict[str, Any], persona: str
) -> None:
    target = cell(reqm, "REQM SP 1.1", "alpha")

    response = api(personas, persona).patch(f"{CELLS}{target.pk}/", {"value": "NI"})

    assert response.status_code == 403
    target.refresh_from_db()
    assert target.value == "FI"
    assert target.history.count() == 1


def test_an_appraiser_changes_a_cell_and_the_rating_follows(
    reqm: Appraisal, personas: dict[str, Any]
) -> None:
    client = api(personas, "appraiser")
    target = cell(reqm, "REQM SP 1.1", "alpha")

    response = client.put(
        f"{CELLS}{target.pk}/",
        {"value": "PI", "weaknesses": ["no baseline"], "notes": "seen"},
        format="json",
    )
    rating = client.get(f"/api/appraisals/{reqm.pk}/rating/").json()

    assert response.status_code == 200, response.json()
    assert (response.json()["value"], response.json()["weaknesses"]) == ("PI", ["no baseline"])
    target.refresh_from_db()
    assert (target.value, target.updated_by) == ("PI", personas["appraiser"])
    assert rating["practices"]["REQM SP 1.1"]["candidates"] == ["LI", "PI"]
    assert rating["goals"]["REQM SG 1"] == "pending"
    assert_matches_schema(response, "/api/appraisals/characterizations/{id}/", "put")


def test_an_appraiser_adds_a_cell_and_a_refused_one_names_its_field(
    reqm: Appraisal, personas: dict[str, Any]
) -> None:
    client = api(personas, "appraiser")
    reqm_cells = {"appraisal": reqm.pk, "unit": "alpha", "value": "LI"}

    added = client.post(CELLS, {**reqm_cells, "practice": "REQM GP 1.1"}, format="json")
    refused = client.post(CELLS, {**reqm_cells, "practice": "PP SP 1.1"}, format="json")

    assert added.status_code == 201, added.json()
    assert (added.json()["practice"], added.json()["goal"]) == ("REQM GP 1.1", "REQM GG 1")
    assert refused.status_code == 400
    assert refused.json()["errors"] == [
        {"field": "practice", "message": "PP is not in the appraisal's scope"}
    ]
    assert_matches_schema(added, CELLS, "post")


def test_an_appraiser_imports_a_file(personas: dict[str, Any]) -> None:
    library_import_file(path=CMMI_DEV)
    upload = SimpleUploadedFile("example.yaml", ISSUE_EXAMPLE.encode(), "application/yaml")

    response = api(personas, "appraiser").post(IMPORTS, {"file": upload}, format="multipart")

    assert response.status_code == 201, response.json()
    appraisal = Appraisal.objects.get()
    assert (appraisal.created_by, appraisal.characterizations.count()) == (
        personas["appraiser"],
        6,
    )
    assert response["Location"] == f"http://testserver/api/appraisals/{appraisal.pk}/"
    assert_matches_schema(response, IMPORTS, "post")


def test_a_practitioner_may_not_import_and_nothing_is_written(personas: dict[str, Any]) -> None:
    library_import_file(path=CMMI_DEV)
    upload = SimpleUploadedFile("example.yaml", ISSUE_EXAMPLE.encode(), "application/yaml")

    response = api(personas, "practitioner").post(IMPORTS, {"file": upload}, format="multipart")

    assert response.status_code == 403
    assert not Appraisal.objects.exists()


def test_a_rejected_file_lists_every_located_problem_and_writes_nothing(
    personas: dict[str, Any],
) -> None:
    library_import_file(path=CMMI_DEV)
    body = ISSUE_EXAMPLE.replace("gamma: NY", "gamma: XY").replace("REQM GP 2.1", "REQM GP 9.1")

    response = api(personas, "appraiser").generic(
        "POST", IMPORTS, body.encode(), content_type="application/yaml"
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "The file was rejected; nothing was imported.",
        "errors": [
            {
                "field": "value",
                "message": "'XY' is not one of FI, LI, PI, NI, NY",
                "file": "body.yaml",
                "line": 9,
                "path": '$.characterizations["REQM SP 1.1"].gamma',
            }
        ],
    }
    assert not Appraisal.objects.exists()
    assert_matches_schema(response, IMPORTS, "post")
