"""The appraisal plan pages: who may see and change what, and what each page does."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.apps.appraisals.conftest import as_yaml, reqm_ml2
from tests.factories.organization import OrganizationalUnitFactory, WorkActivityFactory
from uplift.apps.appraisals.choices import TeamRole
from uplift.apps.appraisals.models import (
    Appraisal,
    AppraisalUnit,
    PracticeJudgment,
    RatingSnapshot,
    TeamMember,
)
from uplift.apps.appraisals.selectors import appraisal_rows
from uplift.apps.appraisals.services import appraisal_characterize, appraisal_import
from uplift.apps.appraisals.services.plan import appraisal_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def reqm(cmmi_dev: Any) -> Appraisal:
    """REQM narrowed ML 2, every REQM practice FI at alpha and beta, in progress."""
    return appraisal_import(data=as_yaml(reqm_ml2()), filename="reqm.yaml")


@pytest.fixture
def lead(make_user: Any, reqm: Appraisal) -> Any:
    """A user with no role, lead appraiser of ``reqm``'s team."""
    user = make_user(username="lead.appraiser")
    TeamMember.objects.create(appraisal=reqm, user=user, role=TeamRole.LEAD_APPRAISER)
    return user


@pytest.fixture
def team_member(make_user: Any, reqm: Appraisal) -> Any:
    """A user with no role, team member of ``reqm``'s team."""
    user = make_user(username="team.member")
    TeamMember.objects.create(appraisal=reqm, user=user, role=TeamRole.TEAM_MEMBER)
    return user


def url(name: str, appraisal: Appraisal | None = None, *args: Any) -> str:
    return reverse(f"appraisals:{name}", args=[appraisal.pk, *args] if appraisal else args)


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# -- access -------------------------------------------------------------------------------

READ_PAGES = [
    "appraisal_detail",
    "appraisal_units",
    "appraisal_team",
    "appraisal_judgments",
    "appraisal_history",
]
EDIT_PAGES = ["appraisal_edit", "appraisal_scope"]


@pytest.mark.parametrize(
    "name", [*READ_PAGES, *EDIT_PAGES, "appraisal_status", "appraisal_rate", "export"]
)
def test_anonymous_visitors_are_sent_to_sign_in(anonymous: Any, reqm: Appraisal, name: str) -> None:
    path = url("appraisal_export", reqm, "yaml") if name == "export" else url(name, reqm)

    for response in (anonymous.get(path), anonymous.post(path)):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", ["appraisal_list", "appraisal_create", "appraisal_import"])
def test_anonymous_visitors_cannot_list_create_or_import(anonymous: Any, name: str) -> None:
    response = anonymous.get(url(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", [*READ_PAGES, *EDIT_PAGES])
def test_an_appraisal_the_user_may_not_see_does_not_exist_for_them(
    client_for: Any, outsider: Any, reqm: Appraisal, name: str
) -> None:
    client = client_for(outsider)

    assert client.get(url(name, reqm)).status_code == 404
    assert client.post(url(name, reqm), {"name": "Taken over"}).status_code == 404
    reqm.refresh_from_db()
    assert reqm.name == "REQM check"


def test_an_outsider_lists_no_appraisal_and_may_not_create_or_import(
    client_for: Any, outsider: Any, reqm: Appraisal
) -> None:
    client = client_for(outsider)

    listing = client.get(url("appraisal_list"))
    assert listing.status_code == 200
    assert "REQM check" not in listing.content.decode()
    assert "New appraisal" not in listing.content.decode()
    assert client.get(url("appraisal_create")).status_code == 403
    assert client.get(url("appraisal_import")).status_code == 403
    assert client.post(url("appraisal_import"), {}).status_code == 403
    assert Appraisal.objects.count() == 1


@pytest.mark.parametrize("name", READ_PAGES)
def test_a_practitioner_reads_every_page_of_an_appraisal(
    client_for: Any, practitioner: Any, reqm: Appraisal, name: str
) -> None:
    response = client_for(practitioner).get(url(name, reqm))

    assert response.status_code == 200
    assert 'aria-current="page"' in response.content.decode()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("appraisal_edit", {"name": "Renamed", "target_maturity_level": "2"}),
        ("appraisal_scope", {}),
        ("appraisal_units", {"name": "gamma", "kind": "basic_unit"}),
        ("appraisal_team", {"member": "1", "role": "observer"}),
        ("appraisal_status", {"status": "rated"}),
        ("appraisal_rate", {}),
        ("appraisal_judgments", {"judgment": "practice:REQM SP 1.1"}),
    ],
)
def test_a_practitioner_may_not_change_an_appraisal(
    client_for: Any, practitioner: Any, reqm: Appraisal, name: str, data: dict[str, str]
) -> None:
    snapshot_at = reqm.rating.computed_at
    response = client_for(practitioner).post(url(name, reqm), data)

    assert response.status_code == 403
    reqm.refresh_from_db()
    assert (reqm.name, reqm.status, reqm.rating.computed_at) == (
        "REQM check",
        "in_progress",
        snapshot_at,
    )
    assert list(reqm.units.values_list("name", flat=True)) == ["alpha", "beta"]
    assert not reqm.team.exists()
    assert not PracticeJudgment.objects.exists()


@pytest.mark.parametrize("name", EDIT_PAGES)
def test_the_plan_forms_are_refused_to_readers(
    client_for: Any, practitioner: Any, reqm: Appraisal, name: str
) -> None:
    assert client_for(practitioner).get(url(name, reqm)).status_code == 403


def test_a_team_member_works_on_the_appraisal_but_does_not_edit_its_plan(
    client_for: Any, team_member: Any, reqm: Appraisal
) -> None:
    client = client_for(team_member)

    assert client.get(url("appraisal_detail", reqm)).status_code == 200
    assert client.get(url("appraisal_edit", reqm)).status_code == 403
    assert client.post(url("appraisal_rate", reqm)).status_code == 302
    assert client.post(url("appraisal_units", reqm), {"name": "gamma"}).status_code == 403
    assert reqm.units.count() == 2


# -- the overview --------------------------------------------------------------------------


def test_the_overview_shows_the_plan_the_rating_and_the_actions_allowed(
    client_for: Any, lead: Any, reqm: Appraisal
) -> None:
    activity = WorkActivityFactory(name="Crane Controller", slug="crane-controller")
    AppraisalUnit.objects.filter(appraisal=reqm, name="alpha").update(work_activity=activity)
    appraisal_characterize(
        appraisal=reqm, practice="REQM SP 1.2", unit="beta", value="NI", weaknesses=["no log"]
    )
    appraisal_characterize(appraisal=reqm, practice="REQM SP 1.2", unit="alpha", value="PI")

    response = client_for(lead).get(url("appraisal_detail", reqm))

    page = response.content.decode()
    summary = response.context["summary"]
    assert summary.result.maturity_level is None
    assert [(a.abbreviation, a.rating) for a in summary.areas] == [("REQM", "unsatisfied")]
    assert [g.ref for g in summary.unsatisfied_goals] == ["REQM SG 1"]
    assert not summary.snapshot_current
    assert "no log" in page
    assert "older than the cells" in page
    assert reverse("organization:work_activity_detail", args=["crane-controller"]) in page
    assert "Rate and store" in page
    assert 'value="rated"' in page  # the status buttons of a plan editor
    assert url("appraisal_export", reqm, "yaml") in page
    assert "lead.appraiser" in page


def test_a_reader_sees_the_overview_without_the_buttons(
    client_for: Any, practitioner: Any, reqm: Appraisal
) -> None:
    page = client_for(practitioner).get(url("appraisal_detail", reqm)).content.decode()

    assert "Rate and store" not in page
    assert 'name="status"' not in page
    assert "Requirements Management" in page


def test_rate_and_store_keeps_the_current_rating(
    client_for: Any, team_member: Any, reqm: Appraisal
) -> None:
    RatingSnapshot.objects.filter(appraisal=reqm).delete()

    response = client_for(team_member).post(url("appraisal_rate", reqm), follow=True)

    # REQM alone is in scope: maturity level 2 needs every area of the level
    assert messages_of(response) == ["The rating is stored: no maturity level reached."]
    snapshot = RatingSnapshot.objects.get(appraisal=reqm)
    assert (snapshot.maturity_level, snapshot.computed_by) == (None, team_member)


def test_the_status_moves_from_the_overview_or_says_why_not(
    client_for: Any, lead: Any, reqm: Appraisal
) -> None:
    client = client_for(lead)
    appraisal_characterize(appraisal=reqm, practice="REQM SP 1.1", unit="beta", value="LI")

    refused = client.post(url("appraisal_status", reqm), {"status": "rated"}, follow=True)
    assert messages_of(refused)[0].startswith(
        "The status did not change: the cells changed after the rating was stored"
    )
    reqm.refresh_from_db()
    assert reqm.status == "in_progress"

    client.post(url("appraisal_rate", reqm))
    done = client.post(url("appraisal_status", reqm), {"status": "rated"}, follow=True)
    assert messages_of(done)[-1] == "The appraisal is rated."
    reqm.refresh_from_db()
    assert reqm.status == "rated"
    assert client.get(url("appraisal_status", reqm)).status_code == 405


# -- create and edit -----------------------------------------------------------------------


def test_the_process_group_plans_a_staged_appraisal(
    client_for: Any, process_group_member: Any, cmmi_dev: Any
) -> None:
    unit = OrganizationalUnitFactory(name="Product Engineering")
    client = client_for(process_group_member)
    assert client.get(url("appraisal_create")).status_code == 200

    response = client.post(
        url("appraisal_create"),
        {
            "name": "SCAMPI A 2026",
            "model": cmmi_dev.pk,
            "representation": "staged",
            "target_maturity_level": "2",
            "appraisal_class": "A",
            "organizational_unit": unit.pk,
            "start_date": "2026-03-02",
            "end_date": "2026-03-06",
            "not_applicable": ["SAM"],
        },
    )

    appraisal = Appraisal.objects.get(name="SCAMPI A 2026")
    assert response.status_code == 302
    assert response["Location"] == url("appraisal_detail", appraisal)
    assert (appraisal.organizational_unit, appraisal.created_by, appraisal.status) == (
        unit,
        process_group_member,
        "planned",
    )
    rows = appraisal_rows(appraisal)
    assert (set(rows.in_scope), rows.not_applicable) == (
        {"REQM", "PP", "PMC", "MA", "PPQA", "CM"},
        ("SAM",),
    )


def test_the_create_form_offers_the_areas_of_the_chosen_model_grouped_by_level(
    client_for: Any, process_group_member: Any, cmmi_dev: Any
) -> None:
    response = client_for(process_group_member).get(
        url("appraisal_create"), {"model": cmmi_dev.pk}, HTTP_HX_REQUEST="true"
    )

    groups = response.context["groups"]
    assert [group.title for group in groups] == [f"Maturity level {n}" for n in range(2, 6)]
    assert {choice.area.abbreviation for choice in groups[0].areas} == {
        "REQM", "PP", "PMC", "SAM", "MA", "PPQA", "CM",
    }  # fmt: skip
    assert 'value="REQM"' in response.content.decode()


def test_a_plan_the_rules_refuse_shows_beside_its_field(
    client_for: Any, process_group_member: Any, cmmi_dev: Any
) -> None:
    response = client_for(process_group_member).post(
        url("appraisal_create"),
        {"name": "Profile", "model": cmmi_dev.pk, "representation": "continuous"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "process_areas": ["a continuous appraisal names its process areas"]
    }
    assert not Appraisal.objects.exists()


def test_a_continuous_appraisal_ignores_the_target_menu(
    client_for: Any, process_group_member: Any, cmmi_dev: Any
) -> None:
    response = client_for(process_group_member).post(
        url("appraisal_create"),
        {
            "name": "Profile",
            "model": cmmi_dev.pk,
            "representation": "continuous",
            "target_maturity_level": "2",
            "process_areas": ["REQM", "CM"],
        },
    )

    appraisal = Appraisal.objects.get()
    assert response["Location"] == url("appraisal_detail", appraisal)
    assert (appraisal.representation, appraisal.target_maturity_level) == ("continuous", None)
    assert set(appraisal_rows(appraisal).in_scope) == {"REQM", "CM"}


def test_a_lead_appraiser_edits_the_plan(client_for: Any, lead: Any, reqm: Appraisal) -> None:
    response = client_for(lead).post(
        url("appraisal_edit", reqm),
        {
            "name": "REQM check, second round",
            "appraisal_class": "B",
            "target_maturity_level": "2",
            "start_date": "2026-01-12",
            "end_date": "2026-01-10",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "end_date": ["the end date 2026-01-10 is before the start date 2026-01-12"]
    }
    reqm.refresh_from_db()
    assert reqm.name == "REQM check"

    client_for(lead).post(
        url("appraisal_edit", reqm),
        {"name": "REQM check, second round", "appraisal_class": "B", "target_maturity_level": "2"},
    )
    reqm.refresh_from_db()
    assert (reqm.name, reqm.appraisal_class) == ("REQM check, second round", "B")
    assert reqm.history.latest().history_user == lead


def test_a_lead_appraiser_may_not_create_appraisals(client_for: Any, lead: Any) -> None:
    assert client_for(lead).get(url("appraisal_create")).status_code == 403


def test_a_closed_appraisal_refuses_an_edit_as_a_form_error(
    client_for: Any, lead: Any, reqm: Appraisal
) -> None:
    Appraisal.objects.filter(pk=reqm.pk).update(status="closed")

    response = client_for(lead).post(
        url("appraisal_edit", reqm), {"name": "Renamed", "target_maturity_level": "2"}
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "the appraisal is closed; reopen it to change it"
    ]
    reqm.refresh_from_db()
    assert reqm.name == "REQM check"


# -- scope, units, team --------------------------------------------------------------------


def test_the_scope_page_sets_the_scope_and_refuses_to_drop_characterized_areas(
    client_for: Any, lead: Any, reqm: Appraisal
) -> None:
    client = client_for(lead)
    page = client.get(url("appraisal_scope", reqm))
    form = page.context["form"]
    field = {row.plan_area.area.abbreviation: row.field.html_name for row in form.rows()}

    refused = client.post(url("appraisal_scope", reqm), {field["PP"]: "in_scope"})
    assert refused.status_code == 200
    assert refused.context["form"].non_field_errors() == [
        "cannot take out of scope areas with characterizations: REQM (30 characterizations); "
        "remove their cells first"
    ]

    saved = client.post(
        url("appraisal_scope", reqm),
        {field["REQM"]: "in_scope", field["PP"]: "in_scope", field["SAM"]: "not_applicable"},
    )
    assert saved.status_code == 302
    rows = appraisal_rows(reqm)
    assert (set(rows.in_scope), rows.not_applicable) == ({"REQM", "PP"}, ("SAM",))


def test_units_are_added_edited_and_removed_after_confirmation(
    client_for: Any, lead: Any, reqm: Appraisal
) -> None:
    client = client_for(lead)
    activity = WorkActivityFactory(name="Crane Controller")

    added = client.post(
        url("appraisal_units", reqm),
        {"name": "QA group", "kind": "support_function", "work_activity": activity.pk},
    )
    assert added.status_code == 302
    duplicate = client.post(url("appraisal_units", reqm), {"name": "alpha", "kind": "basic_unit"})
    assert duplicate.context["form"].errors == {
        "name": ["the appraisal already has a unit named 'alpha'"]
    }

    unit = reqm.units.get(name="QA group")
    assert (unit.kind, unit.work_activity, unit.order) == ("support_function", activity, 2)
    edited = client.post(
        url("appraisal_unit_edit", reqm, unit.pk), {"name": "QA", "kind": "support_function"}
    )
    assert edited.status_code == 302
    unit.refresh_from_db()
    assert (unit.name, unit.work_activity) == ("QA", None)

    beta = reqm.units.get(name="beta")
    confirm = client.get(url("appraisal_unit_delete", reqm, beta.pk))
    assert "Its 15 characterizations will be removed with it" in confirm.content.decode()
    assert reqm.units.filter(pk=beta.pk).exists()
    removed = client.post(url("appraisal_unit_delete", reqm, beta.pk), follow=True)
    assert messages_of(removed) == ["The unit “beta” is removed with 15 characterizations."]
    assert list(reqm.units.values_list("name", flat=True)) == ["alpha", "QA"]


def test_a_unit_of_another_appraisal_is_not_found(
    client_for: Any, lead: Any, reqm: Appraisal
) -> None:
    other = appraisal_import(data=as_yaml(reqm_ml2(name="Other")), filename="other.yaml")
    foreign = other.units.get(name="alpha")

    client = client_for(lead)
    assert client.get(url("appraisal_unit_edit", reqm, foreign.pk)).status_code == 404
    assert client.post(url("appraisal_unit_delete", reqm, foreign.pk)).status_code == 404
    assert other.units.count() == 2


def test_the_team_page_adds_and_removes_members(
    client_for: Any, lead: Any, reqm: Appraisal, make_user: Any
) -> None:
    client = client_for(lead)
    colleague = make_user(username="colleague", first_name="Ada", last_name="Byron")

    added = client.post(
        url("appraisal_team", reqm), {"member": colleague.pk, "role": "team_member"}, follow=True
    )
    assert messages_of(added) == ["colleague is on the team as team member."]
    member = reqm.team.get(user=colleague)
    assert "Ada Byron" in client.get(url("appraisal_team", reqm)).content.decode()

    last_lead = reqm.team.get(user=lead)
    refused = client.post(url("appraisal_team_delete", reqm, last_lead.pk), follow=True)
    assert messages_of(refused)[0].startswith("an appraisal in progress keeps at least one lead")

    confirm = client.get(url("appraisal_team_delete", reqm, member.pk))
    assert "colleague (team member) from the team" in confirm.content.decode()
    client.post(url("appraisal_team_delete", reqm, member.pk))
    assert list(reqm.team.values_list("user__username", flat=True)) == ["lead.appraiser"]


# -- judgments -----------------------------------------------------------------------------


def test_the_judgments_page_records_a_judgment_with_its_rationale(
    client_for: Any, team_member: Any, reqm: Appraisal
) -> None:
    appraisal_characterize(appraisal=reqm, practice="REQM SP 1.3", unit="beta", value="NI")
    client = client_for(team_member)

    page = client.get(url("appraisal_judgments", reqm))
    [(item, form)] = page.context["open_items"]
    assert (item.ref, item.candidates) == ("REQM SP 1.3", ("LI", "PI"))

    missing = client.post(
        url("appraisal_judgments", reqm),
        {"judgment": "practice:REQM SP 1.3", f"{form.prefix}-value": "LI"},
    )
    assert missing.status_code == 400
    assert missing.context["open_items"][0][1].errors == {"rationale": ["This field is required."]}
    assert not PracticeJudgment.objects.exists()

    not_a_candidate = client.post(
        url("appraisal_judgments", reqm),
        {
            "judgment": "practice:REQM SP 1.3",
            f"{form.prefix}-value": "FI",
            f"{form.prefix}-rationale": "all fine",
        },
    )
    assert not_a_candidate.status_code == 400
    failed = not_a_candidate.context["open_items"][0][1]
    assert failed.errors == {"value": ["REQM SP 1.3: the judgment must be LI or PI, not 'FI'"]}
    assert "the judgment must be LI or PI" in not_a_candidate.content.decode()

    recorded = client.post(
        url("appraisal_judgments", reqm),
        {
            "judgment": "practice:REQM SP 1.3",
            f"{form.prefix}-value": "LI",
            f"{form.prefix}-rationale": "beta's log exists on paper",
        },
        follow=True,
    )
    assert messages_of(recorded) == ["The judgment on REQM SP 1.3 is recorded."]
    judgment = PracticeJudgment.objects.get()
    assert (judgment.value, judgment.rationale, judgment.decided_by) == (
        "LI",
        "beta's log exists on paper",
        team_member,
    )
    assert recorded.context["open_items"] == []
    assert [j.ref for j in recorded.context["recorded"]] == ["REQM SP 1.3"]
    assert "beta&#x27;s log exists on paper" in recorded.content.decode()


def test_a_goal_presumed_satisfied_can_be_judged_unsatisfied(
    client_for: Any, team_member: Any, reqm: Appraisal
) -> None:
    appraisal_characterize(appraisal=reqm, practice="REQM SP 1.1", unit="beta", value="LI")
    client = client_for(team_member)

    page = client.get(url("appraisal_judgments", reqm))
    [(item, form)] = page.context["optional_items"]
    assert (item.ref, item.largely) == ("REQM SG 1", ("REQM SP 1.1",))

    client.post(
        url("appraisal_judgments", reqm),
        {
            "judgment": "goal:REQM SG 1",
            f"{form.prefix}-value": "unsatisfied",
            f"{form.prefix}-rationale": "the change log is weak everywhere",
        },
    )

    detail = client.get(url("appraisal_detail", reqm))
    assert [g.ref for g in detail.context["summary"].unsatisfied_goals] == ["REQM SG 1"]


def test_a_judgment_without_a_target_is_a_bad_request(
    client_for: Any, team_member: Any, reqm: Appraisal
) -> None:
    response = client_for(team_member).post(url("appraisal_judgments", reqm), {"judgment": "x"})

    assert response.status_code == 400


# -- import and export ---------------------------------------------------------------------


def test_an_appraisal_file_is_imported_for_an_organizational_unit(
    client_for: Any, process_group_member: Any, cmmi_dev: Any
) -> None:
    unit = OrganizationalUnitFactory()
    upload = SimpleUploadedFile("reqm.yaml", as_yaml(reqm_ml2()), "application/yaml")

    response = client_for(process_group_member).post(
        url("appraisal_import"), {"file": upload, "organizational_unit": unit.pk}
    )

    appraisal = Appraisal.objects.get()
    assert response["Location"] == url("appraisal_detail", appraisal)
    assert (appraisal.name, appraisal.organizational_unit, appraisal.created_by) == (
        "REQM check",
        unit,
        process_group_member,
    )


def test_a_bad_file_shows_every_problem_with_its_line_and_writes_nothing(
    client_for: Any, process_group_member: Any, cmmi_dev: Any
) -> None:
    text = as_yaml(reqm_ml2(**{"class": "Z"}))
    line = text.decode().splitlines().index("class: Z") + 1

    response = client_for(process_group_member).post(
        url("appraisal_import"), {"file": SimpleUploadedFile("bad.yaml", text)}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "nothing was imported" in page
    assert (
        f"<strong>line {line}</strong> <code>$.class</code> (field class): must be A, B or C"
        in page
    )
    assert not Appraisal.objects.exists()


def test_the_unknown_practice_of_a_file_is_shown_with_its_line(
    client_for: Any, process_group_member: Any, cmmi_dev: Any
) -> None:
    data = reqm_ml2()
    data["characterizations"]["REQM SP 9.9"] = {"alpha": "FI"}
    text = as_yaml(data)
    line = text.decode().splitlines().index("  REQM SP 9.9:") + 1

    response = client_for(process_group_member).post(
        url("appraisal_import"), {"file": SimpleUploadedFile("bad.yaml", text)}
    )

    [problem] = response.context["problems"]
    assert (problem.line, problem.message) == (
        line,
        "REQM SP 9.9 is not a practice of CMMI-DEV 1.3",
    )
    assert f"<strong>line {line}</strong>" in response.content.decode()
    assert not Appraisal.objects.exists()


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_the_export_imports_back_the_same_appraisal(
    client_for: Any, practitioner: Any, reqm: Appraisal, fmt: str
) -> None:
    appraisal_characterize(
        appraisal=reqm, practice="REQM SP 1.2", unit="beta", value="LI", weaknesses=["late"]
    )

    response = client_for(practitioner).get(url("appraisal_export", reqm, fmt))

    assert response["Content-Disposition"] == f'attachment; filename="reqm-check-{reqm.pk}.{fmt}"'
    again = appraisal_import(data=response.content, filename=f"again.{fmt}")
    before, after = appraisal_rows(reqm), appraisal_rows(again)
    assert (after.in_scope, after.cells) == (before.in_scope, before.cells)
    assert yaml.safe_load(response.content.decode())["model"] == "CMMI-DEV@1.3"


def test_an_unknown_export_format_is_not_found(
    client_for: Any, practitioner: Any, reqm: Appraisal
) -> None:
    assert client_for(practitioner).get(url("appraisal_export", reqm, "xml")).status_code == 404


# -- the list ------------------------------------------------------------------------------


@pytest.fixture
def listed(cmmi_dev: Any, reqm: Appraisal) -> dict[str, Appraisal]:
    unit = OrganizationalUnitFactory(name="Service Desk")
    profile = appraisal_create(
        name="Profile of the desk", model=cmmi_dev, representation="continuous",
        process_areas=["CM"], organizational_unit=unit, appraisal_class="C", user=None,
    )  # fmt: skip
    return {"reqm": reqm, "profile": profile}


def names(response: Any) -> list[str]:
    return [appraisal.name for appraisal in response.context["page_obj"].object_list]


def test_the_list_filters_by_status_class_representation_model_unit_and_text(
    client_for: Any, practitioner: Any, listed: dict[str, Appraisal], cmmi_dev: Any
) -> None:
    client = client_for(practitioner)
    profile = listed["profile"]

    assert names(client.get(url("appraisal_list"))) == ["Profile of the desk", "REQM check"]
    assert names(client.get(url("appraisal_list"), {"status": "in_progress"})) == ["REQM check"]
    assert names(client.get(url("appraisal_list"), {"appraisal_class": "C"})) == [
        "Profile of the desk",
        "REQM check",
    ]
    assert names(client.get(url("appraisal_list"), {"representation": "continuous"})) == [
        "Profile of the desk"
    ]
    assert names(client.get(url("appraisal_list"), {"model": cmmi_dev.pk})) == [
        "Profile of the desk",
        "REQM check",
    ]
    unit_filter = {"organizational_unit": profile.organizational_unit_id}
    assert names(client.get(url("appraisal_list"), unit_filter)) == ["Profile of the desk"]
    assert names(client.get(url("appraisal_list"), {"q": "desk service"})) == [
        "Profile of the desk"
    ]
    empty = client.get(url("appraisal_list"), {"q": "nothing like it"})
    assert "No appraisals match these filters." in empty.content.decode()


def test_the_list_sorts_and_answers_htmx_with_the_table_only(
    client_for: Any, practitioner: Any, listed: dict[str, Appraisal]
) -> None:
    client = client_for(practitioner)

    assert names(client.get(url("appraisal_list"), {"sort": "name"})) == [
        "Profile of the desk",
        "REQM check",
    ]
    assert names(client.get(url("appraisal_list"), {"sort": "-level"}))[0] in (
        "REQM check",
        "Profile of the desk",
    )
    fragment = client.get(url("appraisal_list"), {"sort": "-name"}, HTTP_HX_REQUEST="true")
    assert names(fragment) == ["REQM check", "Profile of the desk"]
    assert "<html" not in fragment.content.decode()
    assert 'aria-sort="descending"' in fragment.content.decode()


def test_the_list_exports_every_filtered_row_as_csv(
    client_for: Any, practitioner: Any, listed: dict[str, Appraisal]
) -> None:
    response = client_for(practitioner).get(
        url("appraisal_list"), {"export": "csv", "sort": "name"}
    )

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert response["Content-Disposition"] == 'attachment; filename="appraisals.csv"'
    assert rows[0][:3] == ["Id", "Name", "Model"]
    assert [(row[1], row[2], row[6], row[11]) for row in rows[1:]] == [
        ("Profile of the desk", "CMMI-DEV@1.3", "planned", ""),
        ("REQM check", "CMMI-DEV@1.3", "in_progress", ""),  # REQM alone: ML 2 not reached
    ]


@pytest.mark.parametrize(
    "params",
    [{"colour": "red"}, {"sort": "colour"}, {"status": "archived"}, {"model": "1.5"}],
)
def test_the_list_refuses_unknown_parameters_and_values(
    client_for: Any, practitioner: Any, listed: dict[str, Appraisal], params: dict[str, str]
) -> None:
    assert client_for(practitioner).get(url("appraisal_list"), params).status_code == 400


def test_a_team_member_without_a_role_lists_only_their_team_appraisals(
    client_for: Any, team_member: Any, listed: dict[str, Appraisal]
) -> None:
    assert names(client_for(team_member).get(url("appraisal_list"))) == ["REQM check"]


def test_the_list_offers_creation_and_import_to_those_who_may(
    client_for: Any, process_group_member: Any, practitioner: Any
) -> None:
    allowed = client_for(process_group_member).get(url("appraisal_list")).content.decode()
    reader = client_for(practitioner).get(url("appraisal_list")).content.decode()

    assert "New appraisal" in allowed
    assert "Import a file" in allowed
    assert "No appraisals yet." in allowed
    assert "New appraisal" not in reader


# -- history -------------------------------------------------------------------------------


def test_the_history_names_who_changed_the_plan(
    client_for: Any, lead: Any, reqm: Appraisal
) -> None:
    client = client_for(lead)
    client.post(url("appraisal_units", reqm), {"name": "gamma", "kind": "basic_unit"})
    client.post(url("appraisal_edit", reqm), {"name": "Renamed", "target_maturity_level": "2"})

    response = client.get(url("appraisal_history", reqm))

    changes = response.context["changes"]
    assert (changes[0].subject, changes[0].action, changes[0].who) == ("Unit gamma", "Added", lead)
    page = response.content.decode()
    assert "Renamed" in page
    assert "lead.appraiser" in page


def test_the_list_reads_a_fixed_number_of_queries_whatever_its_length(
    client_for: Any, practitioner: Any, listed: dict[str, Appraisal], cmmi_dev: Any
) -> None:
    client = client_for(practitioner)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url("appraisal_list")).status_code == 200
        return len(captured.captured_queries)

    few = queries()
    for n in range(3):
        appraisal_create(
            name=f"More {n}", model=cmmi_dev, representation="staged", target_maturity_level=2,
            organizational_unit=OrganizationalUnitFactory(), user=None,
        )  # fmt: skip
    assert queries() == few
