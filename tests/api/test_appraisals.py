"""The appraisals API: lists, the rating, cells, imports, judgments and exports, per persona.

Personas: anonymous, ``outsider`` (signed in, no role), ``practitioner`` (reads
every context), ``appraiser`` (also imports and characterizes), and on one
appraisal's team ``member`` (a team member) and ``observer`` (both practitioners).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.api.schema import assert_matches_schema
from tests.apps.appraisals.conftest import CMMI_DEV, ISSUE_EXAMPLE, as_yaml, reqm_ml2
from tests.apps.appraisals.test_import import with_record
from uplift.apps.accounts.roles import Role
from uplift.apps.appraisals.exports import appraisal_document
from uplift.apps.appraisals.models import (
    Appraisal,
    Characterization,
    PracticeJudgment,
    RatingSnapshot,
    TeamMember,
)
from uplift.apps.appraisals.selectors import appraisal_rating
from uplift.apps.appraisals.services import appraisal_characterize, appraisal_import
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


# -- judgments, rating and export: the team's actions ----------------------------------------


@pytest.fixture
def team(reqm: Appraisal, make_user: Any, personas: dict[str, Any]) -> dict[str, Any]:
    """Team personas on ``reqm``: a team member and an observer (both practitioners)."""
    member = make_user(Role.PRACTITIONER, username="member")
    observer = make_user(Role.PRACTITIONER, username="observer")
    TeamMember.objects.create(appraisal=reqm, user=member, role="team_member")
    TeamMember.objects.create(appraisal=reqm, user=observer, role="observer")
    personas.update(member=member, observer=observer)
    return personas


@pytest.fixture
def mixed(reqm: Appraisal) -> Appraisal:
    """REQM SP 1.3 is FI at alpha and PI at beta: the team must judge it LI or PI."""
    appraisal_characterize(appraisal=reqm, practice="REQM SP 1.3", unit="beta", value="PI")
    return reqm


def judgments_url(appraisal: Appraisal) -> str:
    return f"/api/appraisals/{appraisal.pk}/judgments/"


JUDGE = {"kind": "practice", "reference": "reqm.sp1.3", "value": "PI", "rationale": "beta lags"}


def test_the_judgments_list_the_open_ones_then_the_recorded_ones(
    mixed: Appraisal, team: dict[str, Any]
) -> None:
    before = api(team, "practitioner").get(judgments_url(mixed))
    recorded = api(team, "member").post(judgments_url(mixed), JUDGE, format="json")
    after = api(team, "practitioner").get(judgments_url(mixed))

    assert before.status_code == 200
    assert before.json() == {
        "recorded": [],
        "open_judgments": [{"kind": "practice", "ref": "REQM SP 1.3", "candidates": ["LI", "PI"]}],
        "warnings": [],
    }
    assert recorded.status_code == 200, recorded.json()
    body = recorded.json()
    assert {k: body[k] for k in ("kind", "reference", "value", "rationale", "decided_by")} == {
        "kind": "practice",
        "reference": "REQM SP 1.3",
        "value": "PI",
        "rationale": "beta lags",
        "decided_by": "member",
    }
    assert after.json()["recorded"] == [body]
    assert after.json()["open_judgments"] == []
    judgment = PracticeJudgment.objects.get()
    assert (judgment.value, judgment.decided_by) == ("PI", team["member"])
    assert_matches_schema(before, "/api/appraisals/{id}/judgments/")
    assert_matches_schema(recorded, "/api/appraisals/{id}/judgments/", "post")


def test_a_goal_judgment_is_recorded_with_its_rationale(
    reqm: Appraisal, team: dict[str, Any]
) -> None:
    appraisal_characterize(appraisal=reqm, practice="REQM SP 1.3", unit="beta", value="LI")

    response = api(team, "appraiser").post(
        judgments_url(reqm),
        {"kind": "goal", "reference": "REQM SG 1", "value": "unsatisfied", "rationale": "why"},
        format="json",
    )
    rating = api(team, "appraiser").get(f"/api/appraisals/{reqm.pk}/rating/").json()

    assert response.status_code == 200, response.json()
    assert (response.json()["reference"], response.json()["decided_by"]) == (
        "REQM SG 1",
        "appraiser",
    )
    assert rating["goals"]["REQM SG 1"] == "unsatisfied"


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("anonymous", 403), ("outsider", 404), ("practitioner", 403), ("observer", 403)],
)
def test_only_the_team_may_judge_and_a_refusal_records_nothing(
    mixed: Appraisal, team: dict[str, Any], persona: str, expected: int
) -> None:
    response = api(team, persona).post(judgments_url(mixed), JUDGE, format="json")

    assert response.status_code == expected
    assert set(response.json()) == {"detail", "errors"}
    assert not PracticeJudgment.objects.exists()
    assert not PracticeJudgment.history.exists()


REFUSED_JUDGMENTS = [
    ({"value": "FI"}, "value", "REQM SP 1.3: the judgment must be LI or PI, not 'FI'"),
    ({"reference": "REQM SP 1.1"}, "reference", "REQM SP 1.1: no judgment is called for"),
    (
        {"reference": "REQM 1.3"},
        "reference",
        "'REQM 1.3' is not a practice reference like 'REQM SP 1.1'",
    ),
    ({"reference": "PP SP 1.1"}, "reference", "PP is not in the appraisal's scope"),
    (
        {"kind": "goal", "value": "maybe"},
        "value",
        "'maybe': a goal judgment is satisfied or unsatisfied",
    ),
    ({"kind": "area"}, "kind", '"area" is not a valid choice.'),
    ({"rationale": ""}, "rationale", "This field may not be blank."),
]


@pytest.mark.parametrize(("change", "field", "message"), REFUSED_JUDGMENTS)
def test_a_judgment_the_rules_refuse_names_its_field(
    mixed: Appraisal, team: dict[str, Any], change: dict[str, str], field: str, message: str
) -> None:
    response = api(team, "member").post(judgments_url(mixed), {**JUDGE, **change}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Invalid input.",
        "errors": [{"field": field, "message": message}],
    }
    assert not PracticeJudgment.objects.exists()
    assert_matches_schema(response, "/api/appraisals/{id}/judgments/", "post")


def test_judging_an_invisible_or_unknown_appraisal_is_not_found(
    mixed: Appraisal, team: dict[str, Any]
) -> None:
    response = api(team, "member").post("/api/appraisals/999/judgments/", JUDGE, format="json")

    assert response.status_code == 404


def test_rating_stores_the_snapshot_and_answers_like_the_rating(
    mixed: Appraisal, team: dict[str, Any]
) -> None:
    RatingSnapshot.objects.filter(appraisal=mixed).delete()

    response = api(team, "member").post(f"/api/appraisals/{mixed.pk}/rate/")

    assert response.status_code == 200
    assert response.json() == appraisal_rating(mixed).as_json()
    snapshot = RatingSnapshot.objects.get(appraisal=mixed)
    assert (snapshot.result, snapshot.computed_by, snapshot.open_judgment_count) == (
        response.json(),
        team["member"],
        1,
    )
    assert_matches_schema(response, "/api/appraisals/{id}/rate/", "post")


@pytest.mark.parametrize("persona", ["anonymous", "practitioner", "observer"])
def test_rating_without_being_on_the_team_is_refused_and_stores_nothing(
    mixed: Appraisal, team: dict[str, Any], persona: str
) -> None:
    before = RatingSnapshot.objects.get(appraisal=mixed)

    response = api(team, persona).post(f"/api/appraisals/{mixed.pk}/rate/")

    assert response.status_code == 403
    after = RatingSnapshot.objects.get(appraisal=mixed)
    assert (after.computed_at, after.result) == (before.computed_at, before.result)
    assert after.history.count() == 1


@pytest.fixture
def recorded(reqm: Appraisal, team: dict[str, Any], make_user: Any) -> Appraisal:
    """An appraisal with evidence and findings; ``member`` and ``observer`` on its team."""
    make_user(username="lead")
    data = with_record(
        team=[
            {"username": "lead", "role": "lead_appraiser"},
            {"username": "member", "role": "team_member"},
            {"username": "observer", "role": "observer"},
        ]
    )
    return appraisal_import(data=as_yaml(data), filename="record.yaml")


def export_url(appraisal: Appraisal, query: str = "") -> str:
    if query.startswith("."):  # the router's format suffix
        return f"/api/appraisals/{appraisal.pk}/export{query}"
    return f"/api/appraisals/{appraisal.pk}/export/{query}"


@pytest.mark.parametrize(
    ("query", "media_type", "load"),
    [
        ("", "application/yaml", yaml.safe_load),
        ("?format=yaml", "application/yaml", yaml.safe_load),
        ("?format=json", "application/json", json.loads),
        ("?fmt=json", "application/json", json.loads),
        (".json", "application/json", json.loads),
    ],
)
def test_the_export_is_the_file_in_the_format_asked_for(
    recorded: Appraisal, team: dict[str, Any], query: str, media_type: str, load: Any
) -> None:
    response = api(team, "member").get(export_url(recorded, query))

    assert response.status_code == 200
    assert response["Content-Type"] == f"{media_type}; charset=utf-8"
    extension = media_type.rpartition("/")[2]
    assert response["Content-Disposition"] == (
        f'attachment; filename="appraisal-{recorded.pk}.{extension}"'
    )
    assert load(response.content.decode()) == appraisal_document(recorded, evidence=True)


@pytest.mark.parametrize(
    ("persona", "has_evidence"),
    [("member", True), ("observer", True), ("appraiser", True), ("practitioner", False)],
)
def test_the_export_carries_evidence_only_for_the_teams_workspace(
    recorded: Appraisal, team: dict[str, Any], persona: str, has_evidence: bool
) -> None:
    response = api(team, persona).get(export_url(recorded, "?format=json"))

    document = response.json()
    assert ("evidence" in document) is has_evidence
    assert len(document["findings"]) == 2


def test_an_unknown_export_format_is_a_bad_request(
    recorded: Appraisal, team: dict[str, Any]
) -> None:
    by_format = api(team, "member").get(export_url(recorded, "?format=xml"))
    by_fmt = api(team, "member").get(export_url(recorded, "?fmt=csv"))

    assert (by_format.status_code, by_fmt.status_code) == (400, 400)
    assert by_format.json() == {
        "detail": "Invalid input.",
        "errors": [{"field": "format", "message": "Unknown format 'xml'; use yaml or json."}],
    }
    assert by_fmt.json()["errors"][0]["field"] == "fmt"
    assert_matches_schema(by_format, "/api/appraisals/{id}/export/")


@pytest.mark.parametrize(
    ("persona", "url", "expected"),
    [
        ("anonymous", "recorded", 403),
        ("outsider", "recorded", 403),
        ("practitioner", "/api/appraisals/999/export/", 404),
    ],
)
def test_the_export_needs_visibility(
    recorded: Appraisal, team: dict[str, Any], persona: str, url: str, expected: int
) -> None:
    response = api(team, persona).get(export_url(recorded) if url == "recorded" else url)

    assert response.status_code == expected
    assert response["Content-Type"] == "application/json"
    assert_matches_schema(response, "/api/appraisals/{id}/export/")
