"""The workspace API: artifacts, affirmations and findings, per persona.

Personas: anonymous, ``outsider`` (signed in, no role), ``practitioner`` (sees every
appraisal, not its workspace), ``observer`` (on the team: reads the workspace),
``member`` (on the team: works), ``appraiser`` (role: works on every appraisal).
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.api.schema import assert_matches_schema
from tests.apps.appraisals.conftest import CMMI_DEV, as_yaml, reqm_ml2
from tests.factories.organization import PersonFactory
from uplift.apps.accounts.roles import Role
from uplift.apps.appraisals.choices import AppraisalStatus, TeamRole
from uplift.apps.appraisals.models import (
    Affirmation,
    Appraisal,
    Artifact,
    EvidenceLink,
    Finding,
    TeamMember,
)
from uplift.apps.appraisals.services import appraisal_import
from uplift.apps.appraisals.services.evidence import affirmation_create, artifact_create
from uplift.apps.appraisals.services.findings import finding_create
from uplift.apps.library.services import library_import_file

pytestmark = pytest.mark.django_db

ARTIFACTS = "/api/appraisals/artifacts/"
AFFIRMATIONS = "/api/appraisals/affirmations/"
FINDINGS = "/api/appraisals/findings/"
DAY = datetime.date(2024, 3, 1)


@pytest.fixture
def reqm() -> Appraisal:
    library_import_file(path=CMMI_DEV)
    return appraisal_import(data=as_yaml(reqm_ml2()), filename="reqm.yaml")


@pytest.fixture
def personas(reqm: Appraisal, make_user: Any) -> dict[str, User | None]:
    observer = make_user(username="observer")
    member = make_user(username="member")
    TeamMember.objects.create(appraisal=reqm, user=observer, role=TeamRole.OBSERVER)
    TeamMember.objects.create(appraisal=reqm, user=member, role=TeamRole.TEAM_MEMBER)
    return {
        "anonymous": None,
        "outsider": make_user(username="outsider"),
        "practitioner": make_user(Role.PRACTITIONER, username="practitioner"),
        "observer": observer,
        "member": member,
        "appraiser": make_user(Role.APPRAISER, username="appraiser"),
    }


def api(personas: dict[str, User | None], name: str) -> APIClient:
    client = APIClient()
    user = personas[name]
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def evidence(reqm: Appraisal) -> tuple[Artifact, Affirmation]:
    artifact = artifact_create(
        appraisal=reqm,
        name="Baseline",
        link="https://x.test/baseline",
        practices=["REQM SP 1.1", "REQM GP 2.1"],
        units=["alpha", "beta"],
    )
    affirmation = affirmation_create(
        appraisal=reqm,
        date=DAY,
        session="Interview 1",
        role_group="project managers",
        practices=["REQM SP 1.2"],
        units=["alpha"],
    )
    return artifact, affirmation


# -- reads ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 403),
        ("outsider", 0),
        ("practitioner", 0),
        ("observer", 1),
        ("member", 1),
        ("appraiser", 1),
    ],
)
@pytest.mark.parametrize("endpoint", [ARTIFACTS, AFFIRMATIONS])
def test_evidence_is_listed_for_the_workspace_only(
    evidence: Any, personas: dict[str, Any], persona: str, expected: int, endpoint: str
) -> None:
    response = api(personas, persona).get(endpoint)

    if expected == 403:
        assert response.status_code == 403
        assert_matches_schema(response, endpoint)
        return
    assert response.status_code == 200
    assert response.json()["count"] == expected
    assert_matches_schema(response, endpoint)


def test_an_artifact_shows_what_it_supports(
    reqm: Appraisal, evidence: Any, personas: dict[str, Any]
) -> None:
    artifact, _ = evidence

    response = api(personas, "observer").get(f"{ARTIFACTS}{artifact.pk}/")

    body = response.json()
    assert body["supports"] == [
        {"practice": "REQM SP 1.1", "units": ["alpha", "beta"]},
        {"practice": "REQM GP 2.1", "units": ["alpha", "beta"]},
    ]
    assert (body["file"], body["file_url"], body["appraisal"]) == (None, None, reqm.pk)
    assert_matches_schema(response, "/api/appraisals/artifacts/{id}/")


def test_a_practitioner_does_not_find_evidence_by_id(
    evidence: Any, personas: dict[str, Any]
) -> None:
    artifact, affirmation = evidence
    client = api(personas, "practitioner")

    responses = [
        client.get(f"{ARTIFACTS}{artifact.pk}/"),
        client.get(f"{AFFIRMATIONS}{affirmation.pk}/"),
    ]

    assert [r.status_code for r in responses] == [404, 404]
    assert_matches_schema(responses[0], "/api/appraisals/artifacts/{id}/")


def test_evidence_is_filtered_through_its_links(
    reqm: Appraisal, evidence: Any, personas: dict[str, Any]
) -> None:
    client = api(personas, "member")

    at_beta = client.get(ARTIFACTS, {"appraisal": reqm.pk, "unit": "beta"})
    sp12_beta = client.get(AFFIRMATIONS, {"practice": "REQM.SP1.2", "unit": "beta"})
    sp12 = client.get(AFFIRMATIONS, {"practice": "REQM SP 1.2", "kind": "interview"})
    malformed = client.get(ARTIFACTS, {"practice": "nonsense"})
    bad_order = client.get(ARTIFACTS, {"ordering": "colour"})

    assert at_beta.json()["count"] == 1
    assert sp12_beta.json()["count"] == 0  # one link must match every link filter
    assert sp12.json()["count"] == 1
    assert (malformed.status_code, bad_order.status_code) == (400, 400)
    assert malformed.json()["errors"] == [
        {"field": "practice", "message": "Use a reference like REQM SP 1.1."}
    ]
    assert_matches_schema(malformed, ARTIFACTS)


def test_the_artifact_list_takes_a_fixed_number_of_queries(
    reqm: Appraisal, evidence: Any, personas: dict[str, Any]
) -> None:
    client = api(personas, "member")
    client.get(ARTIFACTS)
    with CaptureQueriesContext(connection) as one:
        client.get(ARTIFACTS)
    for name in ("b", "c", "d"):
        artifact_create(
            appraisal=reqm,
            name=name,
            link="https://x.test/",
            practices=["REQM SP 1.3", "REQM SP 1.4"],
            units=["alpha", "beta"],
        )

    with CaptureQueriesContext(connection) as four:
        response = client.get(ARTIFACTS)

    assert response.json()["count"] == 4
    assert len(four) == len(one)


# -- writes: artifacts --------------------------------------------------------------------


def test_a_member_uploads_an_artifact_and_downloads_its_file(
    reqm: Appraisal, personas: dict[str, Any]
) -> None:
    client = api(personas, "member")
    upload = SimpleUploadedFile("plan.txt", b"the plan", "text/plain")

    response = client.post(
        ARTIFACTS,
        {
            "appraisal": reqm.pk,
            "name": "Project plan",
            "file": upload,
            "practices": ["REQM SP 1.1", "REQM SP 1.2"],
            "units": ["alpha"],
        },
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    artifact = Artifact.objects.get()
    assert response["Location"] == f"http://testserver{ARTIFACTS}{artifact.pk}/"
    assert (body["file"], artifact.created_by) == ("plan.txt", personas["member"])
    assert body["file_url"] == f"http://testserver{ARTIFACTS}{artifact.pk}/file/"
    assert [group["practice"] for group in body["supports"]] == ["REQM SP 1.1", "REQM SP 1.2"]
    assert_matches_schema(response, ARTIFACTS, "post")
    download = client.get(body["file_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"the plan"
    assert download["Content-Disposition"] == 'attachment; filename="plan.txt"'


def test_an_artifact_is_added_with_a_link_as_json_and_changed_and_deleted(
    reqm: Appraisal, personas: dict[str, Any]
) -> None:
    client = api(personas, "appraiser")

    added = client.post(
        ARTIFACTS,
        {"appraisal": reqm.pk, "name": "Wiki", "link": "https://wiki.test/r"},
        format="json",
    )
    location = added["Location"]
    patched = client.patch(
        location, {"practices": ["REQM SP 1.4"], "units": ["beta"]}, format="json"
    )
    put = client.put(location, {"name": "Wiki page", "date": "2024-02-01"}, format="json")
    no_file = client.get(f"{location}file/")
    deleted = client.delete(location)

    assert added.status_code == 201, added.json()
    assert patched.json()["supports"] == [{"practice": "REQM SP 1.4", "units": ["beta"]}]
    assert (put.json()["name"], put.json()["date"], put.json()["link"]) == (
        "Wiki page",
        "2024-02-01",
        "https://wiki.test/r",
    )
    assert_matches_schema(patched, "/api/appraisals/artifacts/{id}/", "patch")
    assert_matches_schema(put, "/api/appraisals/artifacts/{id}/", "put")
    assert no_file.status_code == 404
    assert deleted.status_code == 204
    assert not Artifact.objects.exists()
    assert not EvidenceLink.objects.exists()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"name": "x"}, "link", "give a link or upload a file"),
        ({"name": "x", "link": "ftp://x.test/"}, "link", "enter an http or https address"),
        (
            {
                "name": "x",
                "link": "https://x.test/",
                "practices": ["PP SP 1.1"],
                "units": ["alpha"],
            },
            "practices",
            "PP is not in the appraisal's scope",
        ),
        (
            {"name": "x", "link": "https://x.test/", "practices": ["REQM SP 1.1"]},
            "units",
            "name the units where the evidence supports the practices",
        ),
    ],
)
def test_a_refused_artifact_is_a_400_naming_the_field(
    reqm: Appraisal, personas: dict[str, Any], body: dict[str, Any], field: str, message: str
) -> None:
    response = api(personas, "member").post(
        ARTIFACTS, {"appraisal": reqm.pk, **body}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Invalid input.",
        "errors": [{"field": field, "message": message}],
    }
    assert not Artifact.objects.exists()
    assert_matches_schema(response, ARTIFACTS, "post")


def test_an_appraisal_that_is_not_visible_is_a_400_on_the_appraisal_field(
    reqm: Appraisal, personas: dict[str, Any]
) -> None:
    response = api(personas, "outsider").post(
        ARTIFACTS, {"appraisal": reqm.pk, "name": "x", "link": "https://x.test/"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "appraisal", "message": "No such appraisal, or not visible to you."}
    ]


@pytest.mark.parametrize("persona", ["anonymous", "practitioner", "observer"])
def test_writing_evidence_without_working_on_the_appraisal_is_refused_and_changes_nothing(
    reqm: Appraisal, evidence: Any, personas: dict[str, Any], persona: str
) -> None:
    artifact, affirmation = evidence
    client = api(personas, persona)
    # the practitioner cannot see the workspace: its items are not found (404)
    on_items = 404 if persona == "practitioner" else 403

    created = client.post(
        ARTIFACTS, {"appraisal": reqm.pk, "name": "x", "link": "https://x.test/"}, format="json"
    )
    patched = client.patch(f"{ARTIFACTS}{artifact.pk}/", {"name": "changed"}, format="json")
    deleted = client.delete(f"{AFFIRMATIONS}{affirmation.pk}/")

    assert created.status_code == 403
    assert (patched.status_code, deleted.status_code) == (on_items, on_items)
    assert list(Artifact.objects.values_list("name", flat=True)) == ["Baseline"]
    assert Affirmation.objects.count() == 1
    assert_matches_schema(created, ARTIFACTS, "post")


def test_a_closed_appraisal_refuses_changes_with_a_400(
    reqm: Appraisal, evidence: Any, personas: dict[str, Any]
) -> None:
    artifact, _ = evidence
    Appraisal.objects.filter(pk=reqm.pk).update(status=AppraisalStatus.CLOSED)

    response = api(personas, "member").patch(
        f"{ARTIFACTS}{artifact.pk}/", {"name": "changed"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": None, "message": "the appraisal is closed; reopen it to change it"}
    ]
    artifact.refresh_from_db()
    assert artifact.name == "Baseline"


# -- writes: affirmations -------------------------------------------------------------------


def test_a_member_records_an_affirmation_and_a_name_is_refused(
    reqm: Appraisal, personas: dict[str, Any]
) -> None:
    PersonFactory(display_name="Ada Lovelace")
    client = api(personas, "member")
    body = {
        "appraisal": reqm.pk,
        "kind": "questionnaire",
        "date": "2024-03-04",
        "session": "Survey 1",
        "practices": ["REQM SP 1.3"],
        "units": ["alpha", "beta"],
    }

    named = client.post(AFFIRMATIONS, {**body, "role_group": "Ada Lovelace"}, format="json")
    added = client.post(AFFIRMATIONS, {**body, "role_group": "developers"}, format="json")

    assert named.status_code == 400
    assert named.json()["errors"] == [
        {"field": "role_group", "message": "record the role group, not a person"}
    ]
    assert added.status_code == 201, added.json()
    assert (added.json()["role_group"], added.json()["kind"]) == ("developers", "questionnaire")
    assert added.json()["supports"] == [{"practice": "REQM SP 1.3", "units": ["alpha", "beta"]}]
    assert_matches_schema(added, AFFIRMATIONS, "post")
    assert_matches_schema(named, AFFIRMATIONS, "post")
    assert list(Affirmation.objects.values_list("role_group", flat=True)) == ["developers"]


def test_an_affirmation_answer_carries_no_person(evidence: Any, personas: dict[str, Any]) -> None:
    _, affirmation = evidence

    body = api(personas, "member").get(f"{AFFIRMATIONS}{affirmation.pk}/").json()

    assert set(body) == {
        "id",
        "appraisal",
        "kind",
        "date",
        "session",
        "role_group",
        "summary",
        "supports",
        "created_at",
    }


# -- findings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("anonymous", 403), ("outsider", 0), ("practitioner", 1), ("member", 1)],
)
def test_findings_are_listed_for_anyone_who_sees_the_appraisal(
    reqm: Appraisal, personas: dict[str, Any], persona: str, expected: int
) -> None:
    finding_create(
        appraisal=reqm,
        kind="strength",
        process_area="REQM",
        goal="REQM GG 2",
        text="Policy",
        practices=["REQM GP 2.1"],
    )

    response = api(personas, persona).get(FINDINGS)

    if expected == 403:
        assert response.status_code == 403
        return
    assert response.json()["count"] == expected
    if expected:
        row = response.json()["results"][0]
        assert (row["process_area"], row["goal"], row["practices"], row["kind"]) == (
            "REQM",
            "REQM GG 2",
            ["REQM GP 2.1"],
            "strength",
        )
    assert_matches_schema(response, FINDINGS)


def test_findings_are_filtered_by_appraisal_kind_area_and_goal(
    reqm: Appraisal, personas: dict[str, Any]
) -> None:
    finding_create(appraisal=reqm, kind="strength", process_area="REQM", text="s")
    finding_create(appraisal=reqm, kind="weakness", process_area="REQM", goal="REQM SG 1", text="w")
    client = api(personas, "practitioner")

    weaknesses = client.get(FINDINGS, {"appraisal": reqm.pk, "kind": "weakness"})
    in_goal = client.get(FINDINGS, {"process_area": "reqm", "goal": "REQM SG 1"})
    elsewhere = client.get(FINDINGS, {"process_area": "PP"})
    wrong = client.get(FINDINGS, {"kind": "opinion"})

    assert [row["text"] for row in weaknesses.json()["results"]] == ["w"]
    assert [row["text"] for row in in_goal.json()["results"]] == ["w"]
    assert elsewhere.json()["count"] == 0
    assert wrong.status_code == 400


def test_a_member_adds_changes_and_deletes_a_finding(
    reqm: Appraisal, personas: dict[str, Any]
) -> None:
    client = api(personas, "member")

    added = client.post(
        FINDINGS,
        {
            "appraisal": reqm.pk,
            "kind": "weakness",
            "process_area": "REQM",
            "goal": "REQM SG 1",
            "text": "Changes are not managed.",
            "practices": ["REQM SP 1.3"],
        },
        format="json",
    )
    location = added["Location"]
    refused = client.patch(location, {"practices": ["REQM GP 2.1"]}, format="json")
    changed = client.patch(location, {"goal": None, "practices": ["REQM GP 2.1"]}, format="json")
    deleted = client.delete(location)

    assert added.status_code == 201, added.json()
    assert_matches_schema(added, FINDINGS, "post")
    assert refused.status_code == 400
    assert refused.json()["errors"] == [
        {"field": "practices", "message": "REQM GP 2.1 is not a practice of REQM SG 1"}
    ]
    assert (changed.json()["goal"], changed.json()["practices"]) == (None, ["REQM GP 2.1"])
    assert_matches_schema(changed, "/api/appraisals/findings/{id}/", "patch")
    assert deleted.status_code == 204
    assert not Finding.objects.exists()


@pytest.mark.parametrize("persona", ["practitioner", "observer"])
def test_writing_findings_without_working_on_the_appraisal_is_refused(
    reqm: Appraisal, personas: dict[str, Any], persona: str
) -> None:
    finding = finding_create(appraisal=reqm, kind="strength", process_area="REQM", text="kept")
    client = api(personas, persona)

    created = client.post(
        FINDINGS,
        {"appraisal": reqm.pk, "kind": "weakness", "process_area": "REQM", "text": "new"},
        format="json",
    )
    changed = client.patch(f"{FINDINGS}{finding.pk}/", {"text": "changed"}, format="json")
    deleted = client.delete(f"{FINDINGS}{finding.pk}/")

    assert (created.status_code, changed.status_code, deleted.status_code) == (403, 403, 403)
    assert list(Finding.objects.values_list("text", flat=True)) == ["kept"]
    assert_matches_schema(changed, "/api/appraisals/findings/{id}/", "patch")
