"""The analysis endpoints: path to the target, comparison, report PDF, per persona.

Personas: anonymous, ``outsider`` (signed in, no role), ``practitioner`` (reads every
context).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from tests.api.schema import assert_matches_schema
from tests.apps.appraisals.conftest import CMMI_DEV, as_yaml, reqm_ml2
from tests.paths import REPO_ROOT
from uplift.apps.accounts.roles import Role
from uplift.apps.appraisals.models import Appraisal
from uplift.apps.appraisals.services import appraisal_import
from uplift.apps.library.services import library_import_file

pytestmark = pytest.mark.django_db

COMPARE = "/api/appraisals/compare/"


def path_url(appraisal: Appraisal) -> str:
    return f"/api/appraisals/{appraisal.pk}/path/"


def pdf_url(appraisal: Appraisal) -> str:
    return f"/api/appraisals/{appraisal.pk}/report.pdf"


@pytest.fixture
def before() -> Appraisal:
    library_import_file(path=CMMI_DEV)
    data = reqm_ml2(name="REQM 2025")
    data["characterizations"]["REQM SP 1.3"] = {
        "alpha": {"value": "PI", "weaknesses": ["no change log"]},
        "beta": "FI",
    }
    return appraisal_import(data=as_yaml(data), filename="before.yaml")


@pytest.fixture
def after(before: Appraisal) -> Appraisal:
    return appraisal_import(data=as_yaml(reqm_ml2(name="REQM 2026")), filename="after.yaml")


@pytest.fixture
def personas(make_user: Any) -> dict[str, User | None]:
    return {
        "anonymous": None,
        "outsider": make_user(username="outsider"),
        "practitioner": make_user(Role.PRACTITIONER, username="practitioner"),
    }


def api(personas: dict[str, User | None], name: str = "practitioner") -> APIClient:
    client = APIClient()
    user = personas[name]
    if user is not None:
        client.force_authenticate(user)
    return client


# --- access -------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["anonymous", "outsider"])
@pytest.mark.parametrize("endpoint", ["path", "compare", "pdf"])
def test_the_analysis_needs_the_view_permission(
    before: Appraisal, after: Appraisal, personas: Any, persona: str, endpoint: str
) -> None:
    target = {
        "path": path_url(before),
        "compare": f"{COMPARE}?a={before.pk}&b={after.pk}",
        "pdf": pdf_url(before),
    }[endpoint]

    response = api(personas, persona).get(target)

    assert response.status_code == 403
    assert response.json()["errors"] == []


@pytest.mark.parametrize(
    "target",
    [
        "/api/appraisals/999999/path/",
        "/api/appraisals/999999/report.pdf",
        "/api/appraisals/compare/?a=999999&b=999999",
    ],
)
def test_an_unknown_appraisal_is_not_found(before: Appraisal, personas: Any, target: str) -> None:
    response = api(personas).get(target)

    assert response.status_code == 404
    assert response.json() == {"detail": "No such id, or not visible to you.", "errors": []}


# --- the path -----------------------------------------------------------------------------------


def test_the_path_lists_the_goals_short_of_the_target(before: Appraisal, personas: Any) -> None:
    response = api(personas).get(path_url(before), {"profile": "REQM:2"})

    assert response.status_code == 200
    assert_matches_schema(response, "/api/appraisals/{id}/path/")
    data = response.json()
    assert data["appraisal"] == before.pk
    assert data["target_label"] == "capability profile REQM CL 2"
    assert data["target"] == {"maturity_level": None, "profile": {"REQM": 2}}
    assert data["summary"]["text"] == (
        "1 process area, 1 goal, 1 practice to close; 1 open judgment to record"
    )
    (area,) = data["process_areas"]
    (goal,) = area["goals"]
    assert goal["ref"] == "REQM SG 1"
    assert goal["practices"] == [
        {
            "ref": "REQM SP 1.3",
            "value": None,
            "issue": "needs_judgment",
            "candidates": ["LI", "PI"],
            "units": [{"unit": "alpha", "value": "PI", "weaknesses": ["no change log"]}],
        }
    ]
    assert goal["open_judgments"] == [
        {"kind": "practice", "ref": "REQM SP 1.3", "candidates": ["LI", "PI"]}
    ]


def test_the_path_to_a_maturity_level_names_areas_out_of_scope(
    before: Appraisal, personas: Any
) -> None:
    response = api(personas).get(path_url(before), {"level": 3})

    assert response.status_code == 200
    assert_matches_schema(response, "/api/appraisals/{id}/path/")
    data = response.json()
    assert data["target"]["maturity_level"] == 3
    assert "OPD" in data["out_of_scope"]
    assert data["reached"] is False


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"level": "x"}, "level", "A valid integer is required."),
        ({"level": 6}, "level", "Ensure this value is less than or equal to 5."),
        ({"profile": "XYZ:2"}, "profile", "Not a process area of the model: XYZ."),
        (
            {"level": 2, "profile": "REQM:2"},
            "profile",
            "Give a target maturity level or a profile, not both.",
        ),
    ],
)
def test_a_bad_target_is_a_400_naming_the_parameter(
    before: Appraisal, personas: Any, query: dict[str, Any], field: str, message: str
) -> None:
    response = api(personas).get(path_url(before), query)

    assert response.status_code == 400
    assert_matches_schema(response, "/api/appraisals/{id}/path/")
    assert response.json()["errors"] == [{"field": field, "message": message}]


# --- the comparison -------------------------------------------------------------------------------


def test_the_comparison_says_what_improved(
    before: Appraisal, after: Appraisal, personas: Any
) -> None:
    response = api(personas).get(COMPARE, {"a": before.pk, "b": after.pk})

    assert response.status_code == 200
    assert_matches_schema(response, COMPARE)
    data = response.json()
    assert (data["a"], data["b"]) == (before.pk, after.pk)
    assert data["summary"]["goals"]["improved"] == 1
    sp13 = next(p for p in data["practices"] if p["ref"] == "REQM SP 1.3")
    assert sp13 == {
        "ref": "REQM SP 1.3",
        "before": None,
        "after": "FI",
        "status": "changed",  # a judgment was open before: no value to compare
        "steps": 0,
    }
    assert data["process_areas"][0]["status"] == "improved"
    assert data["maturity_level"] == {"before": None, "after": None, "status": "unchanged"}


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ({"a": 1}, [{"field": "b", "message": "This field is required."}]),
        ({"a": "x", "b": 1}, [{"field": "a", "message": "A valid integer is required."}]),
    ],
)
def test_a_missing_or_malformed_id_is_a_400(
    before: Appraisal, personas: Any, query: dict[str, Any], errors: list[Any]
) -> None:
    response = api(personas).get(COMPARE, query)

    assert response.status_code == 400
    assert_matches_schema(response, COMPARE)
    assert response.json()["errors"] == errors


def test_appraisals_of_two_models_are_a_400_on_b(before: Appraisal, personas: Any) -> None:
    library_import_file(path=REPO_ROOT / "data" / "library" / "cmmi-svc-1.3.yaml")
    data = reqm_ml2(name="SVC check", model="CMMI-SVC@1.3")
    service = appraisal_import(data=as_yaml(data), filename="svc.yaml")

    response = api(personas).get(COMPARE, {"a": before.pk, "b": service.pk})

    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["field"] == "b"
    assert error["message"].endswith("only appraisals of the same model compare.")


# --- the report PDF -------------------------------------------------------------------------------


@pytest.mark.parametrize("accept", ["*/*", "application/pdf"])
def test_the_report_pdf_is_served_as_an_attachment(
    before: Appraisal, personas: Any, accept: str
) -> None:
    response = api(personas).get(pdf_url(before), HTTP_ACCEPT=accept)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="reqm-2025-report.pdf"'
    assert response.content.startswith(b"%PDF")


def test_report_pdf_errors_are_json_even_when_a_pdf_was_asked_for(
    before: Appraisal, personas: Any
) -> None:
    response = api(personas, "outsider").get(pdf_url(before), HTTP_ACCEPT="application/pdf")

    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert response.json()["errors"] == []
