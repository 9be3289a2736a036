"""Findings: services.findings, workspace.findings_by_area, the findings pages.

Personas for the pages: ``member`` (team member: works), ``practitioner`` (sees the
appraisal and its findings, writes nothing), ``outsider`` (sees nothing), anonymous.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from tests.apps.appraisals.conftest import as_yaml, reqm_ml2
from uplift.apps.accounts.roles import Role
from uplift.apps.appraisals.choices import AppraisalStatus, TeamRole
from uplift.apps.appraisals.errors import AppraisalError
from uplift.apps.appraisals.models import Appraisal, Finding, TeamMember
from uplift.apps.appraisals.services import appraisal_characterize, appraisal_import
from uplift.apps.appraisals.services.evidence import affirmation_create, artifact_create
from uplift.apps.appraisals.services.findings import (
    finding_create,
    finding_delete,
    finding_reorder,
    finding_update,
)
from uplift.apps.appraisals.workspace import FindingsPresentation, findings_by_area

pytestmark = pytest.mark.django_db


@pytest.fixture
def reqm(cmmi_dev: Any) -> Appraisal:
    """REQM narrowed ML 2 at units alpha and beta, every practice FI."""
    return appraisal_import(data=as_yaml(reqm_ml2()), filename="reqm.yaml")


def refs(finding: Finding) -> list[str]:
    return [f"{finding.process_area.abbreviation} {p.identifier}" for p in finding.practices.all()]


# -- services ----------------------------------------------------------------------------


def test_a_finding_belongs_to_an_area_and_goal_and_names_its_practices(reqm: Appraisal) -> None:
    user = User.objects.create_user(username="member")

    finding = finding_create(
        appraisal=reqm,
        kind="weakness",
        process_area="REQM",
        goal="reqm.sg1",
        text="Changes are not traced to the plans.",
        practices=["REQM SP 1.3", "REQM.SP1.5"],
        user=user,
    )

    assert (finding.process_area.abbreviation, finding.goal.identifier) == ("REQM", "SG 1")
    assert sorted(refs(finding)) == ["REQM SP 1.3", "REQM SP 1.5"]
    assert (finding.created_by, finding.history.first().history_user) == (user, user)


def test_a_generic_goal_finding_is_read_in_its_area(reqm: Appraisal) -> None:
    finding = finding_create(
        appraisal=reqm,
        kind="strength",
        process_area="reqm",
        goal="REQM GG 2",
        text="Policy in place.",
        practices=["REQM GP 2.1"],
    )

    assert (finding.goal.identifier, finding.goal.process_area_id) == ("GG 2", None)
    assert refs(finding) == ["REQM GP 2.1"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"kind": "opinion"}, "kind", "'opinion' is not one of strength, weakness"),
        ({"text": " "}, "text", "a finding needs its text"),
        ({"process_area": "XYZ"}, "process_area", "XYZ is not a process area of CMMI-DEV 1.3"),
        ({"process_area": "PP"}, "process_area", "PP is not in the appraisal's scope"),
        ({"goal": "PP SG 1"}, "goal", "PP SG 1 is not a goal of REQM"),
        ({"goal": "REQM SG 9"}, "goal", "REQM SG 9 is not a goal of CMMI-DEV 1.3"),
        ({"goal": "what"}, "goal", "'what' is not a goal reference like 'REQM SG 1'"),
        ({"practices": ["PP SP 1.1"]}, "practices", "PP SP 1.1 is not a practice of REQM"),
        (
            {"goal": "REQM SG 1", "practices": ["REQM GP 2.1"]},
            "practices",
            "REQM GP 2.1 is not a practice of REQM SG 1",
        ),
        (
            {"practices": ["REQM SP 7.1"]},
            "practices",
            "REQM SP 7.1 is not a practice of CMMI-DEV 1.3",
        ),
    ],
)
def test_a_refused_finding_names_its_field_and_writes_nothing(
    reqm: Appraisal, changes: dict[str, Any], field: str, message: str
) -> None:
    arguments = {
        "appraisal": reqm,
        "kind": "weakness",
        "process_area": "REQM",
        "text": "Something",
        "practices": ["REQM SP 1.1"],
        **changes,
    }

    with pytest.raises(AppraisalError) as refused:
        finding_create(**arguments)

    assert (refused.value.field, refused.value.message) == (field, message)
    assert not Finding.objects.exists()


def test_findings_go_last_in_their_area_and_kind_and_can_be_reordered(reqm: Appraisal) -> None:
    first, second = (
        finding_create(appraisal=reqm, kind="weakness", process_area="REQM", text=text)
        for text in ("first", "second")
    )
    strength = finding_create(appraisal=reqm, kind="strength", process_area="REQM", text="s")

    finding_reorder(appraisal=reqm, finding_ids=[second.pk, first.pk])

    assert (first.order, second.order, strength.order) == (0, 1, 0)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (second.order, first.order) == (0, 1)


def test_an_update_changes_only_what_is_given_and_checks_the_area(reqm: Appraisal) -> None:
    finding = finding_create(
        appraisal=reqm,
        kind="weakness",
        process_area="REQM",
        goal="REQM SG 1",
        text="old",
        practices=["REQM SP 1.1"],
    )

    finding_update(finding=finding, text="new")
    with pytest.raises(AppraisalError) as refused:
        finding_update(finding=finding, practices=["REQM GP 2.2"])  # not of SG 1
    finding_update(finding=finding, goal=None, practices=["REQM GP 2.2"])

    finding.refresh_from_db()
    assert (finding.text, finding.goal, refs(finding)) == ("new", None, ["REQM GP 2.2"])
    assert refused.value.field == "practices"


def test_a_closed_appraisal_refuses_findings(reqm: Appraisal) -> None:
    finding = finding_create(appraisal=reqm, kind="strength", process_area="REQM", text="s")
    Appraisal.objects.filter(pk=reqm.pk).update(status=AppraisalStatus.CLOSED)
    reqm.refresh_from_db()
    finding.refresh_from_db()

    with pytest.raises(AppraisalError, match="closed"):
        finding_create(appraisal=reqm, kind="strength", process_area="REQM", text="t")
    with pytest.raises(AppraisalError, match="closed"):
        finding_update(finding=finding, text="t")
    with pytest.raises(AppraisalError, match="closed"):
        finding_delete(finding=finding)

    assert list(Finding.objects.values_list("text", flat=True)) == ["s"]


# -- findings by area -------------------------------------------------------------------------


def test_findings_by_area_hold_the_ratings_and_the_findings_of_each_goal(reqm: Appraisal) -> None:
    appraisal_characterize(appraisal=reqm, practice="REQM SP 1.1", unit="alpha", value="NI")
    appraisal_characterize(appraisal=reqm, practice="REQM SP 1.1", unit="beta", value="NI")
    weakness = finding_create(
        appraisal=reqm,
        kind="weakness",
        process_area="REQM",
        goal="REQM SG 1",
        text="No shared understanding of requirements.",
        practices=["REQM SP 1.1"],
    )
    strength = finding_create(appraisal=reqm, kind="strength", process_area="REQM", text="Tools")

    presentation = findings_by_area(reqm)

    assert isinstance(presentation, FindingsPresentation)
    (area,) = presentation.areas
    assert (area.abbreviation, area.rating, area.capability_level) == ("REQM", "unsatisfied", 0)
    assert [(g.ref, g.rating) for g in area.goals] == [
        ("REQM SG 1", "unsatisfied"),
        ("REQM GG 2", "satisfied"),
    ]
    assert [f.id for f in area.strengths] == [strength.pk]
    assert [(f.id, f.practices) for f in area.goals[0].weaknesses] == [
        (weakness.pk, ("REQM SP 1.1",))
    ]
    assert (presentation.maturity_level, presentation.finding_count) == (None, 2)


# -- pages ----------------------------------------------------------------------------------


@pytest.fixture
def personas(reqm: Appraisal, make_user: Any) -> dict[str, User | None]:
    member = make_user(username="mona.login")
    TeamMember.objects.create(appraisal=reqm, user=member, role=TeamRole.TEAM_MEMBER)
    return {
        "anonymous": None,
        "outsider": make_user(username="outsider"),
        "practitioner": make_user(Role.PRACTITIONER, username="practitioner"),
        "member": member,
    }


def client_as(personas: dict[str, User | None], name: str, client_for: Any) -> Client:
    user = personas[name]
    return Client() if user is None else client_for(user)


def url(name: str, *args: Any) -> str:
    return reverse(f"appraisals:{name}", args=args)


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("anonymous", 302), ("outsider", 404), ("practitioner", 200), ("member", 200)],
)
@pytest.mark.parametrize("page", ["finding_list", "findings_presentation"])
def test_findings_are_for_anyone_who_sees_the_appraisal(
    reqm: Appraisal,
    personas: dict[str, Any],
    client_for: Any,
    persona: str,
    expected: int,
    page: str,
) -> None:
    finding_create(appraisal=reqm, kind="strength", process_area="REQM", text="Traceability")

    response = client_as(personas, persona, client_for).get(url(page, reqm.pk))

    assert response.status_code == expected
    if expected == 200:
        content = response.content.decode()
        assert "Traceability" in content
        assert ("Add a finding" in content) == (persona == "member" and page == "finding_list")


def test_the_presentation_shows_ratings_and_findings_and_no_evidence_or_names(
    reqm: Appraisal, personas: dict[str, Any], client_for: Any
) -> None:
    member = personas["member"]
    member.first_name, member.last_name = "Mona", "Member"
    member.save(update_fields=["first_name", "last_name"])
    artifact_create(
        appraisal=reqm,
        name="Secret baseline doc",
        link="https://intranet.test/secret",
        practices=["REQM SP 1.1"],
        units=["alpha"],
        user=member,
    )
    affirmation_create(
        appraisal=reqm,
        date=datetime.date(2024, 3, 1),
        session="Interview 4",
        role_group="release managers",
        summary="said something",
        practices=["REQM SP 1.1"],
        units=["alpha"],
        user=member,
    )
    appraisal_characterize(appraisal=reqm, practice="REQM SP 1.2", unit="alpha", value="PI")
    appraisal_characterize(appraisal=reqm, practice="REQM SP 1.2", unit="beta", value="PI")
    finding_create(
        appraisal=reqm,
        kind="weakness",
        process_area="REQM",
        goal="REQM SG 1",
        text="Commitments are not obtained.",
        practices=["REQM SP 1.2"],
        user=member,
    )
    finding_create(appraisal=reqm, kind="strength", process_area="REQM", text="Good tooling.")

    response = client_as(personas, "practitioner", client_for).get(
        url("findings_presentation", reqm.pk)
    )

    page = response.content.decode()
    assert "Commitments are not obtained." in page
    assert "Good tooling." in page
    assert page.index("Good tooling.") < page.index("Commitments are not obtained.")
    assert "REQM SG 1" in page
    assert "Unsatisfied" in page  # SG 1 and REQM
    assert "Satisfied" in page  # GG 2
    for private in (
        "Secret baseline doc",
        "intranet.test",
        "Interview 4",
        "release managers",
        "said something",
        "Mona",
        "mona.login",
    ):
        assert private not in page
    assert "findings-print.css" in page


def test_the_finding_list_filters_by_kind_and_area(
    reqm: Appraisal, personas: dict[str, Any], client_for: Any
) -> None:
    finding_create(appraisal=reqm, kind="strength", process_area="REQM", text="Strong point")
    finding_create(appraisal=reqm, kind="weakness", process_area="REQM", text="Weak point")
    client = client_as(personas, "practitioner", client_for)

    strengths = client.get(url("finding_list", reqm.pk), {"kind": "strength"})
    in_area = client.get(url("finding_list", reqm.pk), {"process_area": "REQM"})
    wrong = client.get(url("finding_list", reqm.pk), {"kind": "opinion"})

    assert "Strong point" in strengths.content.decode()
    assert "Weak point" not in strengths.content.decode()
    assert "Weak point" in in_area.content.decode()
    assert wrong.status_code == 400


def test_a_member_adds_edits_and_deletes_a_finding(
    reqm: Appraisal, personas: dict[str, Any], client_for: Any
) -> None:
    client = client_as(personas, "member", client_for)

    form = client.get(url("finding_create", reqm.pk), {"process_area": "REQM"})
    added = client.post(
        url("finding_create", reqm.pk),
        {
            "kind": "weakness",
            "process_area": "REQM",
            "goal": "REQM SG 1",
            "text": "Inconsistencies are not found.",
            "practices": ["REQM SP 1.5"],
        },
    )
    finding = Finding.objects.get()
    edited = client.post(
        url("finding_edit", reqm.pk, finding.pk),
        {"kind": "strength", "process_area": "REQM", "goal": "", "text": "Now found."},
    )
    confirm = client.get(url("finding_delete", reqm.pk, finding.pk))
    finding.refresh_from_db()
    kept = (finding.kind, finding.goal, finding.text, refs(finding))
    deleted = client.post(url("finding_delete", reqm.pk, finding.pk))

    assert form.status_code == 200
    assert "REQM SG 1" in form.content.decode()
    assert (added.status_code, edited.status_code, confirm.status_code) == (302, 302, 200)
    assert kept == ("strength", None, "Now found.", [])
    assert deleted.status_code == 302
    assert not Finding.objects.exists()


def test_a_refused_finding_is_shown_on_the_form(
    reqm: Appraisal, personas: dict[str, Any], client_for: Any
) -> None:
    response = client_as(personas, "member", client_for).post(
        url("finding_create", reqm.pk),
        {
            "kind": "weakness",
            "process_area": "REQM",
            "goal": "REQM SG 1",
            "text": "x",
            "practices": ["REQM GP 2.1"],
        },
    )

    assert response.status_code == 400
    assert "REQM GP 2.1 is not a practice of REQM SG 1" in response.content.decode()
    assert not Finding.objects.exists()


@pytest.mark.parametrize("persona", ["practitioner", "outsider"])
def test_writing_findings_without_permission_is_refused_and_changes_nothing(
    reqm: Appraisal, personas: dict[str, Any], client_for: Any, persona: str
) -> None:
    finding = finding_create(appraisal=reqm, kind="strength", process_area="REQM", text="kept")
    client = client_as(personas, persona, client_for)
    expected = 404 if persona == "outsider" else 403

    responses = [
        client.get(url("finding_create", reqm.pk)),
        client.post(
            url("finding_create", reqm.pk),
            {"kind": "weakness", "process_area": "REQM", "text": "new"},
        ),
        client.post(
            url("finding_edit", reqm.pk, finding.pk),
            {"kind": "weakness", "process_area": "REQM", "text": "changed"},
        ),
        client.post(url("finding_delete", reqm.pk, finding.pk)),
    ]

    assert [r.status_code for r in responses] == [expected] * len(responses)
    assert list(Finding.objects.values_list("text", flat=True)) == ["kept"]
