"""Evidence: services.evidence (artifacts, affirmations, links) and the evidence pages.

Personas for the pages: ``member`` (team member: works), ``observer`` (on the team:
reads the workspace only), ``practitioner`` (sees the appraisal, not its workspace),
``outsider`` (sees nothing), anonymous.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.apps.appraisals.conftest import as_yaml, reqm_ml2
from tests.factories.organization import PersonFactory
from uplift.apps.accounts.roles import Role
from uplift.apps.appraisals.choices import AppraisalStatus, TeamRole
from uplift.apps.appraisals.errors import AppraisalError
from uplift.apps.appraisals.models import (
    Affirmation,
    Appraisal,
    AppraisalUnit,
    Artifact,
    EvidenceLink,
    TeamMember,
)
from uplift.apps.appraisals.services import appraisal_import
from uplift.apps.appraisals.services import evidence as services
from uplift.apps.appraisals.workspace import evidence_coverage, evidence_list

pytestmark = pytest.mark.django_db

DAY = datetime.date(2024, 3, 1)


@pytest.fixture
def reqm(cmmi_dev: Any) -> Appraisal:
    """REQM narrowed ML 2 at units alpha and beta."""
    return appraisal_import(data=as_yaml(reqm_ml2()), filename="reqm.yaml")


def links_of(evidence: Artifact | Affirmation) -> set[tuple[str, str, str]]:
    return {
        (abbreviation, identifier, unit)
        for abbreviation, identifier, unit in evidence.links.values_list(
            "process_area__abbreviation", "practice__identifier", "unit__name"
        )
    }


# -- services: artifacts ---------------------------------------------------------------


def test_an_artifact_links_every_practice_at_every_unit(reqm: Appraisal) -> None:
    user = User.objects.create_user(username="member")

    artifact = services.artifact_create(
        appraisal=reqm,
        name="Requirements baseline",
        link="https://wiki.example.test/reqm",
        date=DAY,
        practices=["REQM SP 1.1", "REQM.GP2.1"],
        units=["alpha", "beta"],
        user=user,
    )

    assert links_of(artifact) == {
        ("REQM", "SP 1.1", "alpha"),
        ("REQM", "SP 1.1", "beta"),
        ("REQM", "GP 2.1", "alpha"),
        ("REQM", "GP 2.1", "beta"),
    }
    assert (artifact.created_by, artifact.history.get().history_user) == (user, user)
    assert set(EvidenceLink.objects.values_list("appraisal_id", flat=True)) == {reqm.pk}


def test_an_artifact_takes_units_as_objects_too(reqm: Appraisal) -> None:
    beta = AppraisalUnit.objects.get(appraisal=reqm, name="beta")

    artifact = services.artifact_create(
        appraisal=reqm, name="Log", link="http://x.test/", practices=["REQM SP 1.2"], units=[beta]
    )

    assert links_of(artifact) == {("REQM", "SP 1.2", "beta")}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"link": ""}, "link", "give a link or upload a file"),
        ({"link": "ftp://files.test/a"}, "link", "enter an http or https address"),
        ({"link": "javascript:alert(1)"}, "link", "enter an http or https address"),
        ({"name": "  "}, "name", "this field is required"),
        (
            {"practices": ["REQM SP 9.1"]},
            "practices",
            "REQM SP 9.1 is not a practice of CMMI-DEV 1.3",
        ),
        ({"practices": ["PP SP 1.1"]}, "practices", "PP is not in the appraisal's scope"),
        (
            {"practices": ["nonsense"]},
            "practices",
            "'nonsense' is not a practice reference like 'REQM SP 1.1'",
        ),
        ({"practices": "REQM SP 1.1"}, "practices", "must be a list of practice references"),
        ({"units": ["gamma"]}, "units", "'gamma' is not a unit of this appraisal"),
        ({"units": []}, "units", "name the units where the evidence supports the practices"),
        (
            {"practices": []},
            "practices",
            "name the practices the evidence supports at the units",
        ),
    ],
)
def test_a_refused_artifact_names_its_field_and_writes_nothing(
    reqm: Appraisal, changes: dict[str, Any], field: str, message: str
) -> None:
    arguments = {
        "appraisal": reqm,
        "name": "Plan",
        "link": "https://x.test/plan",
        "practices": ["REQM SP 1.1"],
        "units": ["alpha"],
        **changes,
    }

    with pytest.raises(AppraisalError) as refused:
        services.artifact_create(**arguments)

    assert (refused.value.field, refused.value.message) == (field, message)
    assert not Artifact.objects.exists()
    assert not EvidenceLink.objects.exists()


def test_a_unit_of_another_appraisal_is_refused(reqm: Appraisal) -> None:
    other = appraisal_import(data=as_yaml(reqm_ml2(name="other")), filename="o.yaml")
    foreign = AppraisalUnit.objects.get(appraisal=other, name="alpha")

    with pytest.raises(AppraisalError) as refused:
        services.artifact_create(
            appraisal=reqm,
            name="x",
            link="https://x.test/",
            practices=["REQM SP 1.1"],
            units=[foreign],
        )

    assert refused.value.field == "units"


def test_an_uploaded_file_is_stored_and_a_too_large_one_refused(
    reqm: Appraisal, monkeypatch: pytest.MonkeyPatch
) -> None:
    upload = SimpleUploadedFile("minutes.txt", b"reviewed", "text/plain")

    artifact = services.artifact_create(appraisal=reqm, name="Minutes", file=upload)
    monkeypatch.setattr(services, "MAX_ARTIFACT_BYTES", 4)
    with pytest.raises(AppraisalError) as refused:
        services.artifact_create(
            appraisal=reqm, name="Big", file=SimpleUploadedFile("big.txt", b"12345")
        )

    assert artifact.file.name.startswith("appraisals/artifacts/")
    assert default_storage.open(artifact.file.name).read() == b"reviewed"
    assert (refused.value.field, refused.value.message) == (
        "file",
        "the file is larger than 4 bytes",
    )
    assert Artifact.objects.count() == 1


def test_updating_replaces_the_links_and_the_history_says_so(reqm: Appraisal) -> None:
    user = User.objects.create_user(username="member")
    artifact = services.artifact_create(
        appraisal=reqm,
        name="Plan",
        link="https://x.test/",
        practices=["REQM SP 1.1"],
        units=["alpha"],
    )

    services.artifact_update(artifact=artifact, practices=["REQM SP 1.2"], user=user)

    assert links_of(artifact) == {("REQM", "SP 1.2", "alpha")}  # the units were kept
    latest = artifact.history.latest("history_date")
    assert (latest.history_user, latest.history_change_reason) == (
        user,
        "links: + REQM SP 1.2 @ alpha, 1 link removed",
    )


def test_an_update_saves_only_what_changed_and_nothing_when_nothing_did(
    reqm: Appraisal,
) -> None:
    artifact = services.artifact_create(appraisal=reqm, name="Plan", link="https://x.test/")

    services.artifact_update(artifact=artifact, name="Plan", link="https://x.test/")
    services.artifact_update(artifact=artifact, description="v2", date=DAY)

    artifact.refresh_from_db()
    assert (artifact.description, artifact.date) == ("v2", DAY)
    assert artifact.history.count() == 2  # created, then one change


def test_removing_the_file_needs_a_link_and_deletes_it_on_commit(
    reqm: Appraisal, django_capture_on_commit_callbacks: Any
) -> None:
    artifact = services.artifact_create(
        appraisal=reqm, name="Minutes", file=SimpleUploadedFile("m.txt", b"x")
    )
    stored = artifact.file.name

    with pytest.raises(AppraisalError) as refused:
        services.artifact_update(artifact=artifact, file=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.artifact_update(artifact=artifact, file=None, link="https://x.test/m")

    assert refused.value.field == "link"
    artifact.refresh_from_db()
    assert (artifact.file.name, artifact.link) == ("", "https://x.test/m")
    assert not default_storage.exists(stored)


def test_deleting_an_artifact_removes_its_links_and_its_file_on_commit(
    reqm: Appraisal, django_capture_on_commit_callbacks: Any
) -> None:
    artifact = services.artifact_create(
        appraisal=reqm,
        name="Minutes",
        file=SimpleUploadedFile("m.txt", b"x"),
        practices=["REQM SP 1.1"],
        units=["alpha"],
    )
    stored = artifact.file.name

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.artifact_delete(artifact=artifact)

    assert default_storage.exists(stored)  # still there until the commit
    for callback in callbacks:
        callback()
    assert not default_storage.exists(stored)
    assert not Artifact.objects.exists()
    assert not EvidenceLink.objects.exists()


def test_a_closed_appraisal_refuses_evidence(reqm: Appraisal) -> None:
    artifact = services.artifact_create(appraisal=reqm, name="Plan", link="https://x.test/")
    Appraisal.objects.filter(pk=reqm.pk).update(status=AppraisalStatus.CLOSED)
    reqm.refresh_from_db()
    artifact.refresh_from_db()

    for attempt in (
        lambda: services.artifact_create(appraisal=reqm, name="x", link="https://x.test/"),
        lambda: services.artifact_update(artifact=artifact, name="y"),
        lambda: services.artifact_delete(artifact=artifact),
        lambda: services.affirmation_create(
            appraisal=reqm, date=DAY, session="I1", role_group="testers"
        ),
    ):
        with pytest.raises(AppraisalError, match="closed"):
            attempt()

    assert list(Artifact.objects.values_list("name", flat=True)) == ["Plan"]
    assert not Affirmation.objects.exists()


# -- services: affirmations -------------------------------------------------------------------


def test_an_affirmation_records_the_role_group_and_its_links(reqm: Appraisal) -> None:
    affirmation = services.affirmation_create(
        appraisal=reqm,
        kind="questionnaire",
        date=DAY,
        session="Survey 1",
        role_group="project managers",
        practices=["REQM SP 1.3"],
        units=["beta"],
    )

    assert (affirmation.kind, affirmation.role_group) == ("questionnaire", "project managers")
    assert links_of(affirmation) == {("REQM", "SP 1.3", "beta")}


@pytest.mark.parametrize(
    "role_group",
    [
        "Ada Lovelace",  # a person's display name
        "  ada   LOVELACE ",  # in other case and spacing
        "interview with Ada Lovelace",  # a name inside the text
        "ada.l",  # a username
        "ada@example.test",  # an e-mail
        "Grace Hopper",  # a user's full name
    ],
)
def test_a_role_group_that_names_a_person_is_refused(reqm: Appraisal, role_group: str) -> None:
    PersonFactory(display_name="Ada Lovelace", email="ada@example.test")
    User.objects.create_user(username="ada.l")
    User.objects.create_user(username="gh", first_name="Grace", last_name="Hopper")

    with pytest.raises(AppraisalError) as refused:
        services.affirmation_create(
            appraisal=reqm, date=DAY, session="Interview 1", role_group=role_group
        )

    assert (refused.value.field, refused.value.message) == (
        "role_group",
        "record the role group, not a person",
    )
    assert not Affirmation.objects.exists()


def test_a_role_group_that_only_shares_a_word_with_a_name_is_accepted(reqm: Appraisal) -> None:
    PersonFactory(display_name="Lead")  # one word: not looked for inside texts
    PersonFactory(display_name="Ada Lovelace")

    affirmation = services.affirmation_create(
        appraisal=reqm, date=DAY, session="Interview 2", role_group="team leads and Ada fans"
    )

    assert affirmation.role_group == "team leads and Ada fans"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "chat"}, "kind"),
        ({"date": None}, "date"),
        ({"session": ""}, "session"),
        ({"role_group": ""}, "role_group"),
        ({"units": ["nowhere"]}, "units"),
    ],
)
def test_a_refused_affirmation_names_its_field(
    reqm: Appraisal, changes: dict[str, Any], field: str
) -> None:
    arguments = {
        "appraisal": reqm,
        "date": DAY,
        "session": "I1",
        "role_group": "testers",
        "practices": ["REQM SP 1.1"],
        "units": ["alpha"],
        **changes,
    }

    with pytest.raises(AppraisalError) as refused:
        services.affirmation_create(**arguments)

    assert refused.value.field == field
    assert not Affirmation.objects.exists()


def test_an_affirmation_update_checks_a_new_role_group_and_relinks(reqm: Appraisal) -> None:
    PersonFactory(display_name="Ada Lovelace")
    affirmation = services.affirmation_create(
        appraisal=reqm,
        date=DAY,
        session="I1",
        role_group="testers",
        practices=["REQM SP 1.1"],
        units=["alpha"],
    )

    with pytest.raises(AppraisalError):
        services.affirmation_update(affirmation=affirmation, role_group="Ada Lovelace")
    services.affirmation_update(affirmation=affirmation, units=["alpha", "beta"], summary="ok")

    affirmation.refresh_from_db()
    assert (affirmation.role_group, affirmation.summary) == ("testers", "ok")
    assert links_of(affirmation) == {("REQM", "SP 1.1", "alpha"), ("REQM", "SP 1.1", "beta")}


def test_deleting_an_affirmation_removes_its_links(reqm: Appraisal) -> None:
    affirmation = services.affirmation_create(
        appraisal=reqm,
        date=DAY,
        session="I1",
        role_group="testers",
        practices=["REQM SP 1.1"],
        units=["alpha"],
    )

    services.affirmation_delete(affirmation=affirmation)

    assert not Affirmation.objects.exists()
    assert not EvidenceLink.objects.exists()


# -- reads -------------------------------------------------------------------------------------


def test_evidence_coverage_counts_the_evidence_of_each_cell_in_one_query(
    reqm: Appraisal, django_assert_num_queries: Any
) -> None:
    for name in ("a", "b"):
        services.artifact_create(
            appraisal=reqm,
            name=name,
            link="https://x.test/",
            practices=["REQM SP 1.1"],
            units=["alpha"],
        )
    services.affirmation_create(
        appraisal=reqm,
        date=DAY,
        session="I1",
        role_group="testers",
        practices=["REQM SP 1.1", "REQM SP 1.2"],
        units=["alpha"],
    )
    link = EvidenceLink.objects.filter(practice__identifier="SP 1.1").first()
    assert link is not None
    sp12 = EvidenceLink.objects.get(practice__identifier="SP 1.2")

    with django_assert_num_queries(1):
        coverage = evidence_coverage(reqm)

    assert coverage == {
        (link.process_area_id, link.practice_id, link.unit_id): 3,
        (sp12.process_area_id, sp12.practice_id, sp12.unit_id): 1,
    }


def test_the_evidence_list_groups_links_by_practice_in_a_fixed_number_of_queries(
    reqm: Appraisal,
) -> None:
    services.artifact_create(
        appraisal=reqm,
        name="a",
        link="https://x.test/",
        practices=["REQM GP 2.1", "REQM SP 1.1"],
        units=["beta", "alpha"],
    )
    with CaptureQueriesContext(connection) as one:
        evidence_list(reqm)
    for name in ("b", "c", "d"):
        services.artifact_create(
            appraisal=reqm,
            name=name,
            link="https://x.test/",
            practices=["REQM SP 1.2"],
            units=["alpha"],
        )

    with CaptureQueriesContext(connection) as four:
        listed = evidence_list(reqm)

    assert len(four) == len(one)
    assert [group.practice for group in listed.artifacts[0].links] == ["REQM SP 1.1", "REQM GP 2.1"]
    assert listed.artifacts[0].links[0].units == ("alpha", "beta")
    assert listed.artifacts[0].supports == "REQM SP 1.1 (alpha, beta); REQM GP 2.1 (alpha, beta)"


# -- pages ----------------------------------------------------------------------------------


@pytest.fixture
def personas(reqm: Appraisal, make_user: Any) -> dict[str, User | None]:
    member = make_user(username="member")
    observer = make_user(username="observer")
    TeamMember.objects.create(appraisal=reqm, user=member, role=TeamRole.TEAM_MEMBER)
    TeamMember.objects.create(appraisal=reqm, user=observer, role=TeamRole.OBSERVER)
    return {
        "anonymous": None,
        "outsider": make_user(username="outsider"),
        "practitioner": make_user(Role.PRACTITIONER, username="practitioner"),
        "observer": observer,
        "member": member,
        "appraiser": make_user(Role.APPRAISER, username="appraiser"),
    }


def client_as(personas: dict[str, User | None], name: str, client_for: Any) -> Client:
    user = personas[name]
    return Client() if user is None else client_for(user)


def url(name: str, *args: Any) -> str:
    return reverse(f"appraisals:{name}", args=args)


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("outsider", 404),
        ("practitioner", 403),
        ("observer", 200),
        ("member", 200),
        ("appraiser", 200),
    ],
)
def test_the_evidence_list_is_for_the_team_workspace(
    reqm: Appraisal, personas: dict[str, Any], client_for: Any, persona: str, expected: int
) -> None:
    services.artifact_create(
        appraisal=reqm,
        name="Baseline",
        link="https://x.test/",
        practices=["REQM SP 1.1"],
        units=["alpha"],
    )

    response = client_as(personas, persona, client_for).get(url("evidence_list", reqm.pk))

    assert response.status_code == expected
    if expected == 302:
        assert "/accounts/login/" in response["Location"]
    if expected == 200:
        page = response.content.decode()
        assert "Baseline" in page
        assert "REQM SP 1.1" in page
        assert ("Add an artifact" in page) == (persona != "observer")


def test_the_evidence_list_filters_and_shows_affirmations_on_their_tab(
    reqm: Appraisal, personas: dict[str, Any], client_for: Any
) -> None:
    services.artifact_create(
        appraisal=reqm,
        name="Alpha plan",
        link="https://x.test/",
        practices=["REQM SP 1.1"],
        units=["alpha"],
    )
    services.artifact_create(
        appraisal=reqm,
        name="Beta plan",
        link="https://x.test/",
        practices=["REQM SP 1.1"],
        units=["beta"],
    )
    services.affirmation_create(
        appraisal=reqm,
        kind="interview",
        date=DAY,
        session="Interview 7",
        role_group="testers",
        practices=["REQM SP 1.2"],
        units=["beta"],
    )
    client = client_as(personas, "member", client_for)

    by_unit = client.get(url("evidence_list", reqm.pk), {"unit": "beta", "practice": "reqm.sp1.1"})
    tab = client.get(url("evidence_list", reqm.pk), {"tab": "affirmations", "kind": "interview"})
    unknown = client.get(url("evidence_list", reqm.pk), {"colour": "red"})
    malformed = client.get(url("evidence_list", reqm.pk), {"practice": "nonsense"})

    assert "Beta plan" in by_unit.content.decode()
    assert "Alpha plan" not in by_unit.content.decode()
    assert "Interview 7" in tab.content.decode()
    assert "testers" in tab.content.decode()
    assert (unknown.status_code, malformed.status_code) == (400, 400)


def test_the_evidence_list_exports_csv(
    reqm: Appraisal, personas: dict[str, Any], client_for: Any
) -> None:
    services.artifact_create(
        appraisal=reqm,
        name="=cmd",
        link="https://x.test/",
        practices=["REQM SP 1.1"],
        units=["alpha", "beta"],
    )

    response = client_as(personas, "observer", client_for).get(
        url("evidence_list", reqm.pk), {"export": "csv"}
    )

    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines == [
        "Name,Link,File,Date,Description,Supports",
        '\'=cmd,https://x.test/,,,,"REQM SP 1.1 (alpha, beta)"',  # a formula neutralized
    ]


def test_a_member_uploads_an_artifact_and_downloads_its_file(
    reqm: Appraisal, personas: dict[str, Any], client_for: Any
) -> None:
    client = client_as(personas, "member", client_for)
    upload = SimpleUploadedFile("review minutes.txt", b"REQM reviewed", "text/plain")

    response = client.post(
        url("artifact_create", reqm.pk),
        {
            "name": "Review minutes",
            "file": upload,
            "date": "2024-03-01",
            "practices": ["REQM SP 1.1", "REQM GP 2.1"],
            "units": ["alpha"],
        },
    )

    assert response.status_code == 302, response.content.decode()
    artifact = Artifact.objects.get()
    assert artifact.created_by == personas["member"]
    assert links_of(artifact) == {("REQM", "SP 1.1", "alpha"), ("REQM", "GP 2.1", "alpha")}
    download = client.get(url("artifact_file", reqm.pk, artifact.pk))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"REQM reviewed"
    assert download["Content-Disposition"].startswith("attachment;")
    assert Path(artifact.file.name).name in download["Content-Disposition"]


@pytest.mark.parametrize(("persona", "expected"), [("practitioner", 403), ("outsider", 404)])
def test_the_file_is_only_for_the_workspace(
    reqm: Appraisal, personas: dict[str, Any], client_for: Any, persona: str, expected: int
) -> None:
    artifact = services.artifact_create(
        appraisal=reqm, name="Minutes", file=ContentFile(b"secret", name="m.txt")
    )

    response = client_as(personas, persona, client_for).get(
        url("artifact_file", reqm.pk, artifact.pk)
    )

    assert response.status_code == expected


def test_an_artifact_without_a_file_has_no_download(
    reqm: Appraisal, personas: dict[str, Any], client_for: Any
) -> None:
    artifact = services.artifact_create(appraisal=reqm, name="Link", link="https://x.test/")

    response = client_as(personas, "member", client_for).get(
        url("artifact_file", reqm.pk, artifact.pk)
    )

    assert response.status_code == 404


def test_a_refused_artifact_shows_the_form_again_with_the_error(
    reqm: Appraisal, personas: dict[str, Any], client_for: Any
) -> None:
    response = client_as(personas, "member", client_for).post(
        url("artifact_create", reqm.pk), {"name": "Nothing", "practices": ["REQM SP 1.1"]}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "give a link or upload a file" in page
    assert 'aria-invalid="true"' in page
    assert not Artifact.objects.exists()


@pytest.mark.parametrize("persona", ["observer", "practitioner", "outsider"])
def test_writing_evidence_without_permission_is_refused_and_changes_nothing(
    reqm: Appraisal, personas: dict[str, Any], client_for: Any, persona: str
) -> None:
    artifact = services.artifact_create(appraisal=reqm, name="Plan", link="https://x.test/")
    affirmation = services.affirmation_create(
        appraisal=reqm, date=DAY, session="I1", role_group="testers"
    )
    client = client_as(personas, persona, client_for)
    expected = 404 if persona == "outsider" else 403

    responses = [
        client.get(url("artifact_create", reqm.pk)),
        client.post(url("artifact_create", reqm.pk), {"name": "x", "link": "https://y.test/"}),
        client.post(url("artifact_edit", reqm.pk, artifact.pk), {"name": "changed"}),
        client.post(url("artifact_delete", reqm.pk, artifact.pk)),
        client.post(
            url("affirmation_create", reqm.pk),
            {"kind": "interview", "date": "2024-03-01", "session": "I2", "role_group": "qa"},
        ),
        client.post(url("affirmation_delete", reqm.pk, affirmation.pk)),
    ]

    assert [r.status_code for r in responses] == [expected] * len(responses)
    assert list(Artifact.objects.values_list("name", flat=True)) == ["Plan"]
    assert list(Affirmation.objects.values_list("session", flat=True)) == ["I1"]


def test_a_member_edits_an_affirmation_and_a_name_is_refused_on_the_form(
    reqm: Appraisal, personas: dict[str, Any], client_for: Any
) -> None:
    PersonFactory(display_name="Ada Lovelace")
    affirmation = services.affirmation_create(
        appraisal=reqm,
        date=DAY,
        session="I1",
        role_group="testers",
        practices=["REQM SP 1.1"],
        units=["alpha"],
    )
    client = client_as(personas, "member", client_for)
    form = {"kind": "interview", "date": "2024-03-02", "session": "I1", "units": ["alpha"]}

    page = client.get(url("affirmation_edit", reqm.pk, affirmation.pk))
    refused = client.post(
        url("affirmation_edit", reqm.pk, affirmation.pk), {**form, "role_group": "Ada Lovelace"}
    )
    saved = client.post(
        url("affirmation_edit", reqm.pk, affirmation.pk),
        {**form, "role_group": "developers", "practices": ["REQM SP 1.4"]},
    )

    assert page.status_code == 200
    assert "Never a person" in page.content.decode()
    assert 'value="REQM SP 1.1" id="id_practices_reqm-sp-11" checked' in page.content.decode()
    assert refused.status_code == 400
    assert "record the role group, not a person" in refused.content.decode()
    assert saved.status_code == 302
    affirmation.refresh_from_db()
    assert (affirmation.role_group, affirmation.date) == ("developers", datetime.date(2024, 3, 2))
    assert links_of(affirmation) == {("REQM", "SP 1.4", "alpha")}


def test_deleting_confirms_on_get_and_deletes_on_post(
    reqm: Appraisal, personas: dict[str, Any], client_for: Any
) -> None:
    artifact = services.artifact_create(
        appraisal=reqm,
        name="Old plan",
        link="https://x.test/",
        practices=["REQM SP 1.1"],
        units=["alpha"],
    )
    client = client_as(personas, "member", client_for)

    confirm = client.get(url("artifact_delete", reqm.pk, artifact.pk))
    assert confirm.status_code == 200
    assert "Old plan" in confirm.content.decode()
    assert Artifact.objects.exists()

    deleted = client.post(url("artifact_delete", reqm.pk, artifact.pk))

    assert deleted.status_code == 302
    assert not Artifact.objects.exists()


def test_evidence_of_another_appraisal_is_not_found_through_this_one(
    reqm: Appraisal, personas: dict[str, Any], client_for: Any
) -> None:
    other = appraisal_import(data=as_yaml(reqm_ml2(name="other")), filename="o.yaml")
    artifact = services.artifact_create(appraisal=other, name="Elsewhere", link="https://x.test/")

    response = client_as(personas, "appraiser", client_for).get(
        url("artifact_edit", reqm.pk, artifact.pk)
    )

    assert response.status_code == 404


def test_the_evidence_page_takes_a_fixed_number_of_queries(
    reqm: Appraisal, personas: dict[str, Any], client_for: Any
) -> None:
    client = client_as(personas, "member", client_for)
    services.artifact_create(
        appraisal=reqm, name="a", link="https://x.test/", practices=["REQM SP 1.1"], units=["alpha"]
    )
    client.get(url("evidence_list", reqm.pk))
    with CaptureQueriesContext(connection) as one:
        client.get(url("evidence_list", reqm.pk))
    for name in ("b", "c", "d"):
        services.artifact_create(
            appraisal=reqm,
            name=name,
            link="https://x.test/",
            practices=["REQM SP 1.2", "REQM GP 2.2"],
            units=["alpha", "beta"],
        )

    with CaptureQueriesContext(connection) as four:
        response = client.get(url("evidence_list", reqm.pk))

    assert response.content.decode().count("Edit<span") == 4
    assert len(four) == len(one)


def test_a_closed_appraisal_offers_no_changes_and_a_link_that_is_not_http_is_not_a_link(
    reqm: Appraisal, personas: dict[str, Any], client_for: Any
) -> None:
    # An artifact written around the services (say, by an older import) with a script link.
    Artifact.objects.create(appraisal=reqm, name="Odd", link="javascript:alert(1)")
    Appraisal.objects.filter(pk=reqm.pk).update(status=AppraisalStatus.CLOSED)

    page = client_as(personas, "member", client_for).get(url("evidence_list", reqm.pk))

    content = page.content.decode()
    assert page.status_code == 200
    assert "Add an artifact" not in content
    assert "Edit<span" not in content
    assert 'href="javascript:' not in content


def test_an_htmx_filter_request_gets_the_table_only(
    reqm: Appraisal, personas: dict[str, Any], client_for: Any
) -> None:
    services.artifact_create(appraisal=reqm, name="Baseline", link="https://x.test/")

    response = client_as(personas, "member", client_for).get(
        url("evidence_list", reqm.pk), {"search": "base"}, HTTP_HX_REQUEST="true"
    )

    content = response.content.decode()
    assert "Baseline" in content
    assert "<html" not in content
