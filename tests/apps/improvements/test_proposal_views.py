"""The proposal pages: list, suggest, create, detail, edit, transitions, benefits.

Personas: anonymous (sent to sign in), ``outsider`` (no role: suggests, sees their own),
``practitioner`` (reads all, writes full proposals, moves nothing),
``process_group_member`` (edits and decides), ``steering`` (selects and rejects).
On every denial the rows, transitions and history are as they were.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.apps.improvements import proposal_sources
from tests.apps.improvements.proposal_sources import WEAKNESS_TEXT, submit, walk
from uplift.apps.improvements.models import ExpectedBenefit, Proposal, ProposalTransition
from uplift.apps.improvements.services.proposals import benefit_add, proposal_update
from uplift.apps.measurements.models import Baseline

pytestmark = pytest.mark.django_db

cmmi_dev = proposal_sources.cmmi_dev
appraisal = proposal_sources.appraisal
weakness = proposal_sources.weakness
strength = proposal_sources.strength
cycle_time = proposal_sources.cycle_time
shortfall = proposal_sources.shortfall
met = proposal_sources.met

LIST = reverse("improvements:proposal_list")
CREATE = reverse("improvements:proposal_create")
SUGGEST = reverse("improvements:proposal_suggest")


def detail(proposal: Proposal) -> str:
    return reverse("improvements:proposal_detail", args=[proposal.pk])


def edit(proposal: Proposal) -> str:
    return reverse("improvements:proposal_update", args=[proposal.pk])


def move(proposal: Proposal) -> str:
    return reverse("improvements:proposal_transition", args=[proposal.pk])


def counts() -> tuple[int, int, int, int]:
    return (
        Proposal.objects.count(),
        Proposal.history.count(),
        ProposalTransition.objects.count(),
        ExpectedBenefit.objects.count(),
    )


def text(response: Any) -> str:
    return response.content.decode()


def full_form(**overrides: Any) -> dict[str, Any]:
    """A valid POST of the full form."""
    data = {
        "title": "Trace requirement changes",
        "source_kind": "suggestion",
        "problem_statement": "Changes reach the code unreviewed.",
        "proposed_change": "A change board for requirements.",
        "category": "incremental",
        "size": "minor",
        "model": "",
        "process_areas": "",
        "practices": "",
        "validation_method": "pilot",
    }
    data.update(overrides)
    return data


# -- anonymous ------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["list", "create", "suggest", "detail", "edit", "move"])
def test_anonymous_visitors_are_sent_to_sign_in(anonymous, practitioner, page) -> None:
    proposal = submit(practitioner)
    url = {
        "list": LIST,
        "create": CREATE,
        "suggest": SUGGEST,
        "detail": detail(proposal),
        "edit": edit(proposal),
        "move": move(proposal),
    }[page]

    response = anonymous.get(url)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_anonymous_posts_change_nothing(anonymous, practitioner) -> None:
    proposal = submit(practitioner)
    before = counts()

    for url, data in [
        (SUGGEST, {"title": "x", "problem_statement": "y"}),
        (move(proposal), {"name": "reject", "reason": "no"}),
        (reverse("improvements:proposal_benefit_add", args=[proposal.pk]), {}),
    ]:
        assert anonymous.post(url, data).status_code == 302

    assert counts() == before


# -- list -----------------------------------------------------------------------------------


def test_readers_see_every_proposal_and_an_outsider_only_their_own(
    client_for, practitioner, outsider, make_user
) -> None:
    mine = submit(outsider, title="Outsider's idea")
    theirs = submit(practitioner, title="Practitioner's idea")

    everything = client_for(practitioner).get(LIST)
    own = client_for(outsider).get(LIST)
    nothing = client_for(make_user(username="newcomer")).get(LIST)

    assert everything.status_code == own.status_code == nothing.status_code == 200
    assert list(everything.context["page_obj"].object_list) == [theirs, mine]
    assert list(own.context["page_obj"].object_list) == [mine]
    assert "1 proposal that you submitted." in text(own)
    assert "You have not suggested an improvement yet." in text(nothing)
    assert SUGGEST in text(nothing)


def test_an_empty_list_points_to_suggesting_an_improvement(client_for, practitioner) -> None:
    response = client_for(practitioner).get(LIST)

    assert "No improvement proposals yet." in text(response)
    assert f'href="{SUGGEST}">Suggest an improvement</a>' in text(response)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=board", ["Change board"]),
        ("q=gets+unreviewed", ["Change board"]),
        ("state=analyzed", ["Checklists"]),
        ("source_kind=lessons_learned", ["Checklists"]),
        ("category=innovative", ["Tool"]),
        ("size=major", ["Tool"]),
        ("sort=title", ["Change board", "Checklists", "Tool"]),
        ("sort=-title", ["Tool", "Checklists", "Change board"]),
        ("sort=state", ["Change board", "Tool", "Checklists"]),
        ("sort=category", ["Change board", "Checklists", "Tool"]),
        ("sort=submitted", ["Change board", "Checklists", "Tool"]),
    ],
)
def test_the_list_filters_and_sorts(
    client_for, practitioner, process_group_member, query, expected
) -> None:
    submit(practitioner, title="Change board", problem_statement="The code gets unreviewed work.")
    checklists = submit(
        practitioner,
        title="Checklists",
        source_kind="lessons_learned",
        source_reference="LL-7",
    )
    submit(practitioner, title="Tool", category="innovative", size="major")
    walk(checklists, ["analyze"], process_group_member)

    response = client_for(practitioner).get(f"{LIST}?{query}")

    assert response.status_code == 200
    assert [p.title for p in response.context["page_obj"].object_list] == expected


@pytest.mark.parametrize(
    "query", ["state=approved", "category=huge", "colour=red", "sort=cost", "export=pdf"]
)
def test_a_bad_filter_sort_or_parameter_is_a_400(client_for, practitioner, query) -> None:
    response = client_for(practitioner).get(f"{LIST}?{query}")

    assert response.status_code == 400


def test_the_csv_export_has_the_filtered_rows_with_their_areas_and_pilot_need(
    client_for, practitioner, weakness
) -> None:
    submit(practitioner, source_kind="appraisal_weakness", finding=weakness, proven=False)
    submit(practitioner, title="Other", proven=True)

    response = client_for(practitioner).get(f"{LIST}?source_kind=appraisal_weakness&export=csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="improvement-proposals.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 1
    row = rows[0]
    assert (row["Title"], row["State"], row["Source"], row["Finding"]) == (
        "Review requirement changes",
        "submitted",
        "appraisal_weakness",
        str(weakness.pk),
    )
    assert (row["Process areas"], row["Pilot required"], row["Submitted by"]) == (
        "REQM",
        "true",
        "practitioner",
    )


def test_the_list_takes_a_bounded_number_of_queries(
    client_for, practitioner, weakness, django_assert_max_num_queries
) -> None:
    for number in range(30):
        submit(
            practitioner,
            title=f"Proposal {number}",
            source_kind="appraisal_weakness",
            finding=weakness,
        )
    client = client_for(practitioner)

    with django_assert_max_num_queries(10):
        response = client.get(f"{LIST}?per_page=30")

    assert len(response.context["page_obj"].object_list) == 30


def test_an_htmx_request_gets_the_table_only(client_for, practitioner) -> None:
    submit(practitioner)

    response = client_for(practitioner).get(LIST, headers={"HX-Request": "true"})

    assert "<table" in text(response)
    assert "<html" not in text(response)


# -- suggest --------------------------------------------------------------------------------


def test_an_outsider_suggests_an_improvement_and_sees_it(client_for, outsider) -> None:
    client = client_for(outsider)
    assert client.get(SUGGEST).status_code == 200

    response = client.post(
        SUGGEST,
        {
            "title": "Shorter stand-ups",
            "problem_statement": "Stand-ups take 40 minutes.",
            "proposed_change": "Walk the board instead.",
            "source_reference": "Team Beta retrospective",
        },
    )

    proposal = Proposal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail(proposal)
    assert (proposal.source_kind, proposal.submitted_by, proposal.source_reference) == (
        "suggestion",
        outsider,
        "Team Beta retrospective",
    )
    page = client.get(detail(proposal))
    assert page.status_code == 200
    assert "Stand-ups take 40 minutes." in text(page)


def test_an_incomplete_suggestion_is_shown_again_with_its_errors(client_for, outsider) -> None:
    response = client_for(outsider).post(SUGGEST, {"title": "Idea"})

    assert response.status_code == 400
    assert response.context["form"].errors["problem_statement"] == ["This field is required."]
    assert not Proposal.objects.exists()


# -- create ---------------------------------------------------------------------------------


def test_the_full_form_needs_add_proposal(client_for, outsider) -> None:
    client = client_for(outsider)

    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, full_form()).status_code == 403
    assert not Proposal.objects.exists()


def test_a_weakness_preselects_its_source_and_fills_the_form(
    client_for, practitioner, weakness
) -> None:
    response = client_for(practitioner).get(f"{CREATE}?finding={weakness.pk}")

    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["source_kind"] == "appraisal_weakness"
    assert form.initial["finding"] == weakness.pk
    assert form.initial["title"] == f"REQM: {WEAKNESS_TEXT}"
    assert form.initial["problem_statement"] == WEAKNESS_TEXT
    assert (form.initial["model"], form.initial["process_areas"]) == ("CMMI-DEV@1.3", "REQM")
    assert form.initial["practices"] == "REQM SP 1.3, REQM SP 1.5"
    assert [value for value, _ in form.fields["finding"].widget.choices] == ["", weakness.pk]
    assert reverse("appraisals:finding_list", args=[weakness.appraisal_id]) in text(response)


def test_a_strength_preselects_an_appraisal_finding_source(
    client_for, practitioner, strength
) -> None:
    response = client_for(practitioner).get(f"{CREATE}?finding={strength.pk}")

    assert response.context["form"].initial["source_kind"] == "appraisal_finding"


def test_a_finding_of_an_appraisal_the_user_may_not_see_is_a_404(
    client_for, make_user, weakness
) -> None:
    user = make_user(username="proposer")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="improvements", codename="add_proposal")
    )

    response = client_for(user).get(f"{CREATE}?finding={weakness.pk}")

    assert response.status_code == 404


@pytest.mark.parametrize("value", ["999999", "abc"])
def test_an_unknown_finding_is_a_404(client_for, practitioner, value) -> None:
    assert client_for(practitioner).get(f"{CREATE}?finding={value}").status_code == 404


def test_a_qppo_shortfall_preselects_the_qppo_and_states_the_gap(
    client_for, practitioner, shortfall
) -> None:
    response = client_for(practitioner).get(f"{CREATE}?objective={shortfall.pk}")

    form = response.context["form"]
    assert (form.initial["source_kind"], form.initial["objective"]) == (
        "qppo_shortfall",
        shortfall.pk,
    )
    assert form.initial["problem_statement"] == (
        "The QPPO “Cycle time at most 9 days” is not met: the mean of cycle time is 12 days "
        "against a target of 9 days, short by 3 days (33% of the target)."
    )
    assert "Not met" in text(response)


def test_a_provisional_shortfall_says_it_stands_on_current_data(
    client_for, practitioner, shortfall
) -> None:
    Baseline.objects.all().delete()  # the QPPO is judged from the observations alone

    response = client_for(practitioner).get(f"{CREATE}?objective={shortfall.pk}")

    assert response.context["form"].initial["problem_statement"] == (
        "The QPPO “Cycle time at most 9 days” is not met: the mean of cycle time is 12 days "
        "against a target of 9 days, short by 3 days (33% of the target) (provisional: from "
        "current data, n = 3, 2024-01-01 to 2024-01-15; no stored baseline)."
    )
    assert "provisional</span>" in text(response)


def test_a_business_objective_is_no_qppo_source(client_for, practitioner, shortfall) -> None:
    response = client_for(practitioner).get(f"{CREATE}?objective={shortfall.parent_id}")

    assert response.status_code == 404


def test_a_proposal_from_a_weakness_is_created_with_the_practices_typed(
    client_for, practitioner, weakness
) -> None:
    data = full_form(
        source_kind="appraisal_weakness",
        finding=weakness.pk,
        model="CMMI-DEV@1.3",
        process_areas="pp",
        practices="REQM SP1.3\nreqm gp 2.1",
        estimated_cost="1500",
        proven="on",
    )

    response = client_for(practitioner).post(f"{CREATE}?finding={weakness.pk}", data)

    proposal = Proposal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail(proposal)
    assert (proposal.finding, proposal.proven, proposal.validation_method) == (
        weakness,
        True,
        "pilot",
    )
    assert sorted(a.abbreviation for a in proposal.process_areas.all()) == ["PP", "REQM"]
    assert sorted(p.identifier for p in proposal.practices.all()) == ["GP 2.1", "SP 1.3"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"process_areas": "XYZ"}, "process_areas", "Not a process area of CMMI-DEV@1.3: XYZ."),
        ({"practices": "REQM SP 9.9"}, "practices", "Not a practice of CMMI-DEV@1.3: REQM SP 9.9"),
        (
            {"model": "", "practices": "REQM SP 1.1"},
            "model",
            "Choose the model the process areas and practices are of.",
        ),
        ({"source_kind": "causal_analysis"}, "source_reference", "Name the causal analysis"),
    ],
)
def test_a_refused_full_form_is_shown_again_with_the_message_on_its_field(
    client_for, practitioner, cmmi_dev, changes, field, message
) -> None:
    data = full_form(**{"model": "CMMI-DEV@1.3", **changes})

    response = client_for(practitioner).post(CREATE, data)

    assert response.status_code == 400
    assert any(message in error for error in response.context["form"].errors[field])
    assert response.context["form"]["title"].value() == "Trace requirement changes"
    assert not Proposal.objects.exists()


def test_a_weakness_source_without_its_finding_says_where_to_start(
    client_for, practitioner
) -> None:
    response = client_for(practitioner).post(CREATE, full_form(source_kind="appraisal_weakness"))

    assert response.status_code == 400
    assert "start from the weakness" in response.context["form"].non_field_errors()[0]


# -- detail ---------------------------------------------------------------------------------


def test_the_detail_shows_source_scope_pilot_notice_benefits_and_timeline(
    client_for, practitioner, process_group_member, weakness, cycle_time
) -> None:
    proposal = submit(
        practitioner,
        source_kind="appraisal_weakness",
        finding=weakness,
        category="innovative",
        size="major",
    )
    benefit_add(proposal=proposal, actor=practitioner, measure=cycle_time, expected_change=-20)
    walk(proposal, ["analyze"], process_group_member)

    response = client_for(practitioner).get(detail(proposal))

    page = text(response)
    assert response.status_code == 200
    assert reverse("appraisals:finding_list", args=[weakness.appraisal_id]) + "#area-reqm" in page
    assert "REQM SP 1.3" in page
    assert "REQM SP 1.5" in page
    assert (
        "A pilot is required because it is an innovative change; it is a major change; "
        "it has not been proven in a comparable environment."
    ) in page
    assert "-20%" in page
    assert "Submitted → Analyzed</strong>" in page
    assert "Because of analyze." in page
    assert "History" in page


def test_a_qppo_proposal_links_back_to_its_objective(client_for, practitioner, shortfall) -> None:
    proposal = submit(practitioner, source_kind="qppo_shortfall", objective=shortfall)

    response = client_for(practitioner).get(detail(proposal))

    assert reverse("measurements:objective_detail", args=[shortfall.pk]) in text(response)


@pytest.mark.parametrize(
    ("persona", "path", "buttons"),
    [
        ("practitioner", [], []),
        ("process_group_member", [], ["Mark analyzed", "Reject"]),
        ("steering", [], ["Reject"]),
        ("steering", ["analyze"], ["Reject", "Select for validation"]),
        ("process_owner", ["analyze"], []),
    ],
)
def test_the_detail_offers_only_the_transitions_the_user_may_make(
    request, client_for, outsider, process_group_member, persona, path, buttons
) -> None:
    proposal = walk(submit(outsider), path, process_group_member)
    user = request.getfixturevalue(persona)

    response = client_for(user).get(detail(proposal))

    assert [t.label for t in response.context["offered"]] == buttons
    for label in buttons:
        assert f">{label}</a>" in text(response)


def test_an_outsider_may_not_see_someone_elses_proposal(client_for, outsider, practitioner) -> None:
    proposal = submit(practitioner)

    assert client_for(outsider).get(detail(proposal)).status_code == 403


def test_an_unknown_proposal_is_a_404(client_for, practitioner) -> None:
    assert client_for(practitioner).get("/improvements/proposals/999999/").status_code == 404


# -- edit -----------------------------------------------------------------------------------


def test_the_process_group_edits_a_proposal(client_for, practitioner, process_group_member) -> None:
    proposal = submit(practitioner)
    client = client_for(process_group_member)
    form = client.get(edit(proposal)).context["form"]
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name != "finding"
    }
    data |= {"title": "Renamed", "risks": "Slower planning.", "proven": ""}

    response = client.post(edit(proposal), data)

    stored = Proposal.objects.get()
    assert response.status_code == 302
    assert (stored.title, stored.risks, stored.version) == ("Renamed", "Slower planning.", 2)
    assert stored.history.first().history_user == process_group_member


def test_an_edit_from_a_stale_version_is_refused_with_409_and_the_input_kept(
    client_for, practitioner, process_group_member
) -> None:
    proposal = submit(practitioner)
    proposal_update(proposal=proposal, actor=practitioner, expected_version=1, risks="First")
    before = counts()

    response = client_for(process_group_member).post(
        edit(proposal), full_form(title="My late edit", version=1)
    )

    assert response.status_code == 409
    message = response.context["form"].non_field_errors()[0]
    assert "was changed by practitioner at" in message
    assert "Nothing was saved" in message
    assert response.context["form"]["title"].value() == "My late edit"
    assert counts() == before
    assert Proposal.objects.get().title == "Review requirement changes"


@pytest.mark.parametrize("persona", ["steering", "outsider"])
def test_a_reader_who_may_not_edit_gets_403_and_nothing_changes(
    request, client_for, practitioner, persona
) -> None:
    proposal = submit(practitioner)
    client = client_for(request.getfixturevalue(persona))
    before = counts()

    assert client.get(edit(proposal)).status_code == 403
    assert client.post(edit(proposal), full_form(title="Taken over", version=1)).status_code == 403
    assert counts() == before


# -- transitions ----------------------------------------------------------------------------


def test_the_transition_page_asks_for_the_reason(client_for, outsider, steering) -> None:
    proposal = submit(outsider)

    response = client_for(steering).get(f"{move(proposal)}?name=reject")

    assert response.status_code == 200
    assert response.context["chosen"].name == "reject"
    assert response.context["form"].initial["version"] == 1
    assert 'name="reason"' in text(response)


def test_steering_rejects_with_a_reason_and_the_timeline_shows_it(
    client_for, outsider, steering
) -> None:
    proposal = submit(outsider)
    client = client_for(steering)

    response = client.post(
        move(proposal), {"name": "reject", "reason": "Covered by IP-1.", "version": 1}
    )

    assert response.status_code == 302
    assert Proposal.objects.get().state == "rejected"
    step = ProposalTransition.objects.last()
    assert (step.actor, step.reason) == (steering, "Covered by IP-1.")
    assert "Covered by IP-1." in text(client.get(detail(proposal)))


@pytest.mark.parametrize("persona", ["practitioner", "outsider", "process_owner"])
def test_a_transition_without_permission_is_403_and_nothing_changes(
    request, client_for, outsider, persona
) -> None:
    proposal = submit(outsider)
    client = client_for(request.getfixturevalue(persona))
    before = counts()

    assert client.get(f"{move(proposal)}?name=reject").status_code == 403
    response = client.post(move(proposal), {"name": "reject", "reason": "No.", "version": 1})

    assert response.status_code == 403
    assert counts() == before
    assert Proposal.objects.get().state == "submitted"


def test_a_transition_the_life_cycle_refuses_shows_the_form_again_with_why(
    client_for, practitioner, process_group_member
) -> None:
    proposal = walk(
        submit(practitioner),
        ["analyze", "select_for_validation", "start_validation"],
        process_group_member,
    )
    before = counts()

    response = client_for(process_group_member).post(
        move(proposal), {"name": "validate", "reason": "", "version": proposal.version}
    )

    assert response.status_code == 400
    assert "must pass a pilot first" in response.context["form"].non_field_errors()[0]
    assert counts() == before


def test_a_transition_the_state_does_not_allow_is_a_400_on_the_form(
    client_for, practitioner, process_group_member
) -> None:
    proposal = submit(practitioner)

    response = client_for(process_group_member).get(f"{move(proposal)}?name=evaluate")

    assert response.status_code == 400
    assert response.context["refusal"] == (
        f"{proposal.reference} is submitted: it cannot be moved that way."
    )
    assert "it cannot be moved that way" in text(response)


def test_a_rejection_without_a_reason_is_refused_on_the_reason(
    client_for, outsider, steering
) -> None:
    proposal = submit(outsider)
    before = counts()

    response = client_for(steering).post(move(proposal), {"name": "reject", "reason": " "})

    assert response.status_code == 400
    assert response.context["form"].errors["reason"][0].startswith("Say why:")
    assert counts() == before


def test_a_transition_decided_on_a_stale_version_is_a_409(
    client_for, practitioner, process_group_member
) -> None:
    proposal = submit(practitioner)
    proposal_update(proposal=proposal, actor=practitioner, expected_version=1, risks="New")
    before = counts()

    response = client_for(process_group_member).post(
        move(proposal), {"name": "analyze", "reason": "", "version": 1}
    )

    assert response.status_code == 409
    assert counts() == before


def test_an_unknown_transition_name_is_a_400(client_for, outsider, steering) -> None:
    proposal = submit(outsider)

    assert client_for(steering).get(f"{move(proposal)}?name=approve").status_code == 400


# -- benefits -------------------------------------------------------------------------------


def test_the_submitter_adds_and_removes_an_expected_benefit(
    client_for, practitioner, cycle_time
) -> None:
    proposal = submit(practitioner)
    client = client_for(practitioner)

    response = client.post(
        reverse("improvements:proposal_benefit_add", args=[proposal.pk]),
        {
            "benefit-measure": "cycle-time",
            "benefit-expected_change": "-15",
            "benefit-by_when": "2026-06-30",
            "benefit-note": "Less rework.",
        },
    )

    benefit = ExpectedBenefit.objects.get()
    assert response.status_code == 302
    assert (benefit.measure, str(benefit.expected_change), benefit.note) == (
        cycle_time,
        "-15.00",
        "Less rework.",
    )

    removed = client.post(reverse("improvements:proposal_benefit_remove", args=[benefit.pk]))

    assert removed.status_code == 302
    assert not ExpectedBenefit.objects.exists()


def test_an_invalid_benefit_is_shown_on_the_page_with_400(
    client_for, practitioner, cycle_time
) -> None:
    proposal = submit(practitioner)

    response = client_for(practitioner).post(
        reverse("improvements:proposal_benefit_add", args=[proposal.pk]),
        {"benefit-measure": "cycle-time", "benefit-expected_change": "lots"},
    )

    assert response.status_code == 400
    assert response.context["benefit_form"].errors["expected_change"] == ["Enter a number."]
    assert not ExpectedBenefit.objects.exists()


def test_a_reader_who_may_not_edit_may_not_touch_benefits(
    client_for, practitioner, process_group_member, cycle_time
) -> None:
    proposal = submit(process_group_member)
    benefit = benefit_add(
        proposal=proposal, actor=process_group_member, measure=cycle_time, expected_change=5
    )
    client = client_for(practitioner)
    before = counts()

    added = client.post(
        reverse("improvements:proposal_benefit_add", args=[proposal.pk]),
        {"benefit-measure": "cycle-time", "benefit-expected_change": "1"},
    )
    removed = client.post(reverse("improvements:proposal_benefit_remove", args=[benefit.pk]))

    assert (added.status_code, removed.status_code) == (403, 403)
    assert counts() == before


# -- links from the sources -----------------------------------------------------------------


def test_the_findings_page_offers_to_propose_an_improvement_for_each_finding(
    client_for, practitioner, outsider, weakness, strength
) -> None:
    url = reverse("appraisals:finding_list", args=[weakness.appraisal_id])

    page = text(client_for(practitioner).get(url))

    assert f'href="{CREATE}?finding={weakness.pk}"' in page
    assert f'href="{CREATE}?finding={strength.pk}"' in page
    assert 'Propose an improvement<span class="visually-hidden"> for the weakness “' in page
    presentation = reverse("appraisals:findings_presentation", args=[weakness.appraisal_id])
    assert "Propose an improvement" not in text(client_for(practitioner).get(presentation))


def test_the_findings_page_offers_no_proposal_to_who_may_not_add_one(
    client_for, make_user, weakness
) -> None:
    reader = make_user(username="reader")
    reader.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="appraisals", codename="view_appraisal")
    )
    url = reverse("appraisals:finding_list", args=[weakness.appraisal_id])

    response = client_for(reader).get(url)

    assert response.status_code == 200
    assert "Propose an improvement" not in text(response)


def test_a_qppo_that_falls_short_offers_to_propose_an_improvement(
    client_for, practitioner, shortfall, met
) -> None:
    client = client_for(practitioner)

    short_page = text(client.get(reverse("measurements:objective_detail", args=[shortfall.pk])))
    met_page = text(client.get(reverse("measurements:objective_detail", args=[met.pk])))

    assert f'href="{CREATE}?objective={shortfall.pk}">Propose an improvement' in short_page
    assert "Propose an improvement" not in met_page
