"""The pilot pages: list (filters, CSV), plan from a proposal, detail with live results,
edit (stale versions refused), start and decide; who may and who may not.

Data: ``selection_fixtures`` (alpha's cycle time drops from about 12 to about 9 at the
pilot's start; the proposal expects 20% lower).
"""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from tests.apps.improvements import selection_fixtures
from tests.apps.improvements.selection_fixtures import PILOT_END, PILOT_START
from uplift.apps.improvements.choices import PilotStatus, ProposalState
from uplift.apps.improvements.models import Pilot, ProposalTransition
from uplift.apps.improvements.services.pilots import pilot_create, pilot_start

pytestmark = pytest.mark.django_db

measured = selection_fixtures.measured
piloted = selection_fixtures.piloted


def _page(name, *args):
    return reverse(f"improvements:{name}", args=args)


@pytest.fixture
def planned(piloted, measured, process_group_member):
    return pilot_create(
        proposal=piloted,
        actor=process_group_member,
        title="Pair review in Alpha",
        work_activities=[measured["alpha"]],
        measures=[measured["cycle_time"]],
        start=PILOT_START,
        end=PILOT_END,
        success_criteria="Cycle time at least 20% lower.",
    )


@pytest.fixture
def running(planned, process_group_member):
    return pilot_start(pilot=planned, actor=process_group_member)


@pytest.fixture
def reader(client_for, practitioner):
    return client_for(practitioner)


@pytest.fixture
def writer(client_for, process_group_member):
    return client_for(process_group_member)


def plan_data(measured, **changes):
    data = {
        "title": "Pair review in Alpha",
        "work_activities": [measured["alpha"].pk],
        "comparison_activities": [measured["beta"].pk],
        "measures": [measured["cycle_time"].pk],
        "start": PILOT_START.isoformat(),
        "end": PILOT_END.isoformat(),
        "success_criteria": "Cycle time at least 20% lower.",
    }
    data.update(changes)
    return data


def pilot_state(pilot):
    stored = Pilot.objects.get(pk=pilot.pk)
    return (stored.title, stored.status, stored.decision, stored.version)


# -- access ----------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in_even_when_posting(client, running, piloted):
    for url in (
        _page("pilot_list"),
        _page("pilot_detail", running.pk),
        _page("pilot_create", piloted.pk),
        _page("pilot_decide", running.pk),
    ):
        assert "/accounts/login/" in client.get(url)["Location"]
    assert "/accounts/login/" in client.post(_page("pilot_start", running.pk))["Location"]


def test_someone_without_a_role_sees_no_pilot(client_for, outsider, running):
    client = client_for(outsider)

    assert client.get(_page("pilot_list")).status_code == 403
    assert client.get(_page("pilot_detail", running.pk)).status_code == 403


# -- list ------------------------------------------------------------------------------------


def test_the_list_filters_by_status_and_exports_csv(reader, running, piloted):
    response = reader.get(_page("pilot_list"), {"status": "running"})

    assert response.status_code == 200
    assert [p.title for p in response.context["page_obj"].object_list] == ["Pair review in Alpha"]
    completed = reader.get(_page("pilot_list"), {"status": "completed"})
    assert list(completed.context["page_obj"].object_list) == []
    exported = reader.get(_page("pilot_list"), {"export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(exported.streaming_content).decode())))
    assert rows[0][:5] == ["Id", "Title", "Proposal", "Proposal title", "Status"]
    assert rows[1][1:5] == ["Pair review in Alpha", piloted.reference, piloted.title, "running"]


def test_the_list_refuses_an_unknown_decision(reader, running):
    assert reader.get(_page("pilot_list"), {"decision": "maybe"}).status_code == 400


def test_the_list_reads_in_a_bounded_number_of_queries(
    reader, piloted, measured, process_group_member, django_assert_max_num_queries
):
    for index in range(6):
        pilot_create(
            proposal=piloted,
            actor=process_group_member,
            title=f"Pilot {index}",
            work_activities=[measured["alpha"]],
            measures=[measured["cycle_time"]],
            start=PILOT_START,
            end=PILOT_END,
            success_criteria="Faster.",
        )

    with django_assert_max_num_queries(8):
        response = reader.get(_page("pilot_list"))

    assert len(response.context["page_obj"].object_list) == 6


# -- plan ------------------------------------------------------------------------------------


def test_a_process_owner_plans_a_pilot_from_the_proposal(
    client_for, process_owner, piloted, measured
):
    client = client_for(process_owner)
    form = client.get(_page("pilot_create", piloted.pk))
    assert form.status_code == 200
    assert form.context["form"].initial["measures"] == [measured["cycle_time"]]

    response = client.post(_page("pilot_create", piloted.pk), plan_data(measured))

    pilot = Pilot.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _page("pilot_detail", pilot.pk)
    assert list(pilot.comparison_activities.values_list("slug", flat=True)) == ["beta"]


def test_a_refused_plan_is_shown_on_the_form(writer, piloted, measured):
    response = writer.post(
        _page("pilot_create", piloted.pk),
        plan_data(measured, comparison_activities=[measured["alpha"].pk]),
    )

    assert response.status_code == 400
    assert response.context["form"].errors["comparison_activities"] == [
        "A work activity cannot be in both the pilot and the comparison group."
    ]
    assert not Pilot.objects.exists()


def test_a_practitioner_may_not_plan_a_pilot(reader, piloted, measured):
    assert reader.get(_page("pilot_create", piloted.pk)).status_code == 403
    assert reader.post(_page("pilot_create", piloted.pk), plan_data(measured)).status_code == 403
    assert not Pilot.objects.exists()


# -- detail ----------------------------------------------------------------------------------


def test_the_detail_shows_live_results_against_the_expected_benefit(reader, running):
    response = reader.get(_page("pilot_detail", running.pk))

    page = response.content.decode()
    assert response.status_code == 200
    (result,) = response.context["results"]
    assert result.status == "met"
    assert "Meets the expected benefit" in page
    assert "fell 25.2%; the proposal expects a fall of 20%" in page
    assert (
        f"{reverse('measurements:evaluation')}?measure=cycle-time&amp;design=before_after" in page
    )
    assert "Start the pilot" not in page
    assert "History" in page


# -- edit ------------------------------------------------------------------------------------


def test_an_edit_from_an_older_version_is_refused_with_409_keeping_the_input(
    writer, client_for, process_owner, planned, measured
):
    other = client_for(process_owner)
    assert (
        other.post(
            _page("pilot_update", planned.pk),
            plan_data(measured, title="Renamed first", version=1),
        ).status_code
        == 302
    )

    response = writer.post(
        _page("pilot_update", planned.pk), plan_data(measured, title="Mine", version=1)
    )

    assert response.status_code == 409
    form = response.context["form"]
    assert "after you opened it" in form.non_field_errors()[0]
    assert form["title"].value() == "Mine"
    assert pilot_state(planned) == ("Renamed first", PilotStatus.PLANNED, "", 2)


def test_a_practitioner_may_not_edit_a_pilot(reader, planned, measured):
    response = reader.post(_page("pilot_update", planned.pk), plan_data(measured, version=1))

    assert response.status_code == 403
    assert pilot_state(planned) == ("Pair review in Alpha", PilotStatus.PLANNED, "", 1)


# -- start -----------------------------------------------------------------------------------


def test_the_process_group_starts_the_pilot_and_the_proposal_is_validating(
    writer, planned, piloted
):
    assert "Start the pilot" in writer.get(_page("pilot_detail", planned.pk)).content.decode()

    response = writer.post(_page("pilot_start", planned.pk))

    assert response.status_code == 302
    piloted.refresh_from_db()
    assert piloted.state == ProposalState.VALIDATING
    assert pilot_state(planned)[1] == PilotStatus.RUNNING


def test_a_process_owner_cannot_start_validation_and_nothing_changes(
    client_for, process_owner, planned, piloted
):
    response = client_for(process_owner).post(_page("pilot_start", planned.pk))

    assert response.status_code == 403
    piloted.refresh_from_db()
    assert piloted.state == ProposalState.SELECTED_FOR_VALIDATION
    assert pilot_state(planned)[1:] == (PilotStatus.PLANNED, "", 1)


def test_starting_a_running_pilot_again_says_why_not(writer, running):
    response = writer.post(_page("pilot_start", running.pk))

    assert response.status_code == 400
    assert "only a planned pilot starts" in response.content.decode()


def test_the_start_page_answers_only_posts(writer, planned):
    assert writer.get(_page("pilot_start", planned.pk)).status_code == 405


# -- decide ----------------------------------------------------------------------------------


def test_the_process_group_decides_to_proceed_and_the_proposal_is_validated(
    writer, running, piloted
):
    form = writer.get(_page("pilot_decide", running.pk))
    assert form.status_code == 200
    assert form.context["results"][0].status == "met"

    response = writer.post(
        _page("pilot_decide", running.pk),
        {"decision": "proceed", "rationale": "A quarter faster.", "version": running.version},
    )

    assert response.status_code == 302
    piloted.refresh_from_db()
    assert piloted.state == ProposalState.VALIDATED
    detail = writer.get(_page("pilot_detail", running.pk)).content.decode()
    assert "Decision: proceed to deployment" in detail
    assert "A quarter faster." in detail
    assert "Results when it was decided" in detail


@pytest.mark.parametrize("persona", ["practitioner", "process_owner", "steering"])
def test_who_may_not_decide_gets_403_and_nothing_changes(
    client_for, running, piloted, persona, request
):
    client = client_for(request.getfixturevalue(persona))
    transitions = ProposalTransition.objects.count()

    assert client.get(_page("pilot_decide", running.pk)).status_code == 403
    response = client.post(
        _page("pilot_decide", running.pk), {"decision": "proceed", "rationale": "Go."}
    )

    assert response.status_code == 403
    assert pilot_state(running) == ("Pair review in Alpha", PilotStatus.RUNNING, "", 2)
    piloted.refresh_from_db()
    assert piloted.state == ProposalState.VALIDATING
    assert ProposalTransition.objects.count() == transitions


def test_a_decision_from_an_older_version_is_refused_with_409(writer, running):
    response = writer.post(
        _page("pilot_decide", running.pk),
        {"decision": "terminate", "rationale": "Stop.", "version": 1},
    )

    assert response.status_code == 409
    assert response.context["form"]["rationale"].value() == "Stop."
    assert pilot_state(running)[1:] == (PilotStatus.RUNNING, "", 2)


def test_a_decision_without_rationale_is_refused(writer, running):
    response = writer.post(_page("pilot_decide", running.pk), {"decision": "terminate"})

    assert response.status_code == 400
    assert pilot_state(running)[2] == ""


def test_the_link_to_the_evaluation_page_asks_the_same_question(reader, running):
    (result,) = reader.get(_page("pilot_detail", running.pk)).context["results"]

    response = reader.get(f"{reverse('measurements:evaluation')}?{result.query_string}")

    assert response.status_code == 200
    assert response.context["run"].design == "before_after"
    assert response.context["result"].difference == pytest.approx(result.run.evaluation.difference)
