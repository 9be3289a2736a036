"""Pages of a plan's execution: plan list (CSV, XLSX), team, actions, timeline, what
people owe, the print view and the PDF.

Personas: ``anonymous`` is sent to sign in; ``outsider`` (no role) gets 403 on every
reading page but "What I owe"; ``practitioner`` reads; ``pat_member`` and
``process_owner`` do plan work; ``steering`` reviews only. On a refused write the page
answers 403 and the rows and their history are as they were.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.factories.improvements import ActionFactory, ActionPlanFactory, ProposalFactory
from uplift.apps.improvements.choices import ActionStatus, PlanRole, PlanState
from uplift.apps.improvements.models import PLAN_FIELDS, Action, PlanMember, ReviewRequest
from uplift.apps.improvements.selectors_actions import plan_actions_context

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)


def _counts() -> tuple[int, int, int, int]:
    return (
        Action.objects.count(),
        Action.history.count(),
        PlanMember.objects.count(),
        PlanMember.history.count(),
    )


@pytest.fixture
def plan(process_owner):
    return ActionPlanFactory(owner=process_owner, title="Requirements reviews")


@pytest.fixture
def late_action(plan, practitioner):
    return ActionFactory(
        plan=plan, title="Draft the checklist", owner=practitioner, start=TODAY - 20 * DAY,
        due=TODAY - 3 * DAY,
    )  # fmt: skip


@pytest.fixture
def next_action(plan, pat_member, late_action):
    action = ActionFactory(
        plan=plan, title="Train the reviewers", owner=pat_member, start=TODAY - 2 * DAY,
        due=TODAY + 10 * DAY,
    )  # fmt: skip
    action.depends_on.add(late_action)
    return action


# -- access -----------------------------------------------------------------------------------


def _pages(plan, action):
    return [
        reverse("improvements:plan_list"),
        reverse("improvements:plan_team", args=[plan.pk]),
        reverse("improvements:plan_timeline", args=[plan.pk]),
        reverse("improvements:plan_print", args=[plan.pk]),
        reverse("improvements:plan_pdf", args=[plan.pk]),
        reverse("improvements:action_create", args=[plan.pk]),
        reverse("improvements:action_update", args=[action.pk]),
        reverse("improvements:action_delete", args=[action.pk]),
        reverse("improvements:actions_owed"),
        reverse("improvements:actions_owed_by", args=["practitioner"]),
    ]


def test_anonymous_visitors_are_sent_to_sign_in(anonymous, plan, late_action):
    for url in _pages(plan, late_action):
        response = anonymous.get(url)
        assert response.status_code == 302, url
        assert "/accounts/login/" in response["Location"]


def test_outsiders_see_only_what_they_owe(client_for, outsider, plan, late_action):
    client = client_for(outsider)
    pages = _pages(plan, late_action)

    statuses = {url: client.get(url).status_code for url in pages}

    owed = reverse("improvements:actions_owed")
    assert statuses.pop(owed) == 200
    assert set(statuses.values()) == {403}


def test_an_unknown_plan_or_person_is_not_found(client_for, practitioner):
    client = client_for(practitioner)

    assert client.get(reverse("improvements:plan_timeline", args=[999])).status_code == 404
    assert client.get(reverse("improvements:plan_print", args=[999])).status_code == 404
    assert client.get(reverse("improvements:actions_owed_by", args=["nobody"])).status_code == 404


# -- the plan list ------------------------------------------------------------------------------


def test_the_plan_list_shows_counts_and_writes_late_out(
    client_for, practitioner, plan, late_action, next_action
):
    plan.proposals.add(ProposalFactory())
    ActionPlanFactory(title="Estimation")

    response = client_for(practitioner).get(reverse("improvements:plan_list"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Requirements reviews" in html
    assert "Estimation" in html
    assert "1 late" in html
    assert reverse("improvements:actions_owed") in html  # What I owe


def test_the_plan_list_filters_by_state_owner_and_text(client_for, practitioner, plan):
    other = ActionPlanFactory(title="Estimation", state=PlanState.APPROVED)
    client = client_for(practitioner)
    url = reverse("improvements:plan_list")

    by_state = client.get(url, {"state": "approved"}).context["page_obj"].object_list
    by_owner = client.get(url, {"owner": plan.owner.username}).context["page_obj"].object_list
    by_text = client.get(url, {"q": "estim"}).context["page_obj"].object_list
    by_reference = client.get(url, {"q": plan.reference}).context["page_obj"].object_list

    assert list(by_state) == [other]
    assert list(by_owner) == [plan]
    assert list(by_text) == [other]
    assert list(by_reference) == [plan]


def test_the_plan_list_sorts_by_late_actions(client_for, practitioner, plan, late_action):
    calm = ActionPlanFactory(title="Calm")

    response = client_for(practitioner).get(reverse("improvements:plan_list"), {"sort": "-late"})

    assert list(response.context["page_obj"].object_list) == [plan, calm]


@pytest.mark.parametrize("query", [{"sort": "owner"}, {"colour": "red"}, {"export": "pdf"}])
def test_the_plan_list_answers_a_bad_parameter_with_400(client_for, practitioner, query):
    response = client_for(practitioner).get(reverse("improvements:plan_list"), query)

    assert response.status_code == 400


def test_the_plan_list_reads_a_bounded_number_of_queries(
    client_for, practitioner, django_assert_max_num_queries
):
    for _ in range(6):
        plan = ActionPlanFactory()
        plan.proposals.add(ProposalFactory())
        ActionFactory(plan=plan)
    client = client_for(practitioner)

    with django_assert_max_num_queries(10):
        response = client.get(reverse("improvements:plan_list"))

    assert response.status_code == 200


def test_the_empty_plan_list_offers_a_new_plan(client_for, process_group_member):
    response = client_for(process_group_member).get(reverse("improvements:plan_list"))

    assert "No process action plans yet." in response.content.decode()
    assert reverse("improvements:plan_create") in response.content.decode()


def test_the_plan_list_exports_csv(client_for, practitioner, plan, late_action):
    ActionPlanFactory(title='=HYPERLINK("http://evil")')

    response = client_for(practitioner).get(
        reverse("improvements:plan_list"), {"export": "csv", "sort": "title"}
    )

    assert response["Content-Disposition"] == 'attachment; filename="process-action-plans.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:8] == [
        "Reference", "Title", "State", "Revision", "Owner", "Proposals", "Actions", "Late actions",
    ]  # fmt: skip
    assert rows[1][1].startswith("'=HYPERLINK")
    assert rows[2][:8] == [plan.reference, "Requirements reviews", "Draft", "1",
                           "process.owner", "0", "1", "1"]  # fmt: skip


def test_the_plan_list_exports_xlsx_without_formulas(client_for, practitioner, plan, late_action):
    ActionPlanFactory(title="=1+2", state=PlanState.APPROVED)

    response = client_for(practitioner).get(
        reverse("improvements:plan_list"), {"export": "xlsx", "sort": "title"}
    )

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="process-action-plans.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content))["Plans"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["Reference", "Title", "State"]
    assert rows[1][1] == "'=1+2"
    assert sheet["B2"].data_type == "s"
    assert rows[2][:8] == [plan.reference, "Requirements reviews", "Draft", 1,
                           "process.owner", 0, 1, 1]  # fmt: skip
    assert len(rows) == 3


def test_the_xlsx_export_keeps_the_filters(client_for, practitioner, plan):
    ActionPlanFactory(title="Estimation", state=PlanState.APPROVED)

    response = client_for(practitioner).get(
        reverse("improvements:plan_list"), {"export": "xlsx", "state": "approved"}
    )

    sheet = load_workbook(io.BytesIO(response.content))["Plans"]
    assert [row[1].value for row in sheet.iter_rows(min_row=2)] == ["Estimation"]


# -- the actions section of the plan page ---------------------------------------------------


def test_the_actions_section_marks_late_actions_in_words(plan, practitioner, next_action):
    request = RequestFactory().get("/")
    request.user = practitioner
    context = plan_actions_context(plan=plan, user=practitioner)

    html = render_to_string(
        "partials/improvements/plan_actions_section.html", context, request=request
    )

    assert "Late by 3 days" in html
    assert "action-row--late" in html
    assert "Draft the checklist" in html
    assert "Train the reviewers" in html
    assert reverse("improvements:plan_timeline", args=[plan.pk]) in html
    assert reverse("improvements:plan_team", args=[plan.pk]) in html
    # the practitioner owns the late action: status link; no edit or new action links
    assert reverse("improvements:action_update", args=[next_action.depends_on.get().pk]) in html
    assert reverse("improvements:action_update", args=[next_action.pk]) not in html
    assert reverse("improvements:action_create", args=[plan.pk]) not in html


# -- the team -----------------------------------------------------------------------------------


def test_readers_see_the_team_by_role(client_for, practitioner, plan, pat_member):
    PlanMember.objects.create(plan=plan, user=pat_member, role=PlanRole.LEAD)

    response = client_for(practitioner).get(reverse("improvements:plan_team", args=[plan.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Tomasz" in html
    assert "pat.member" in html
    assert "Lead" in html
    assert "Add a team member" not in html


def test_a_plan_worker_adds_a_member(client_for, pat_member, practitioner, plan):
    url = reverse("improvements:plan_team", args=[plan.pk])

    response = client_for(pat_member).post(url, {"user": "practitioner", "role": "practitioner"})

    assert response.status_code == 302
    member = PlanMember.objects.get()
    assert (member.user, member.role) == (practitioner, "practitioner")


def test_adding_a_role_twice_shows_why_and_keeps_the_input(client_for, pat_member, plan):
    PlanMember.objects.create(plan=plan, user=pat_member, role=PlanRole.LEAD)
    url = reverse("improvements:plan_team", args=[plan.pk])

    response = client_for(pat_member).post(url, {"user": "pat.member", "role": "lead"})

    assert response.status_code == 400
    assert "already on the team as lead" in response.content.decode()
    assert PlanMember.objects.count() == 1


@pytest.mark.parametrize("persona", ["practitioner", "steering"])
def test_others_cannot_add_members(request, client_for, persona, plan):
    before = _counts()
    url = reverse("improvements:plan_team", args=[plan.pk])

    response = client_for(request.getfixturevalue(persona)).post(
        url, {"user": "practitioner", "role": "lead"}
    )

    assert response.status_code == 403
    assert _counts() == before


def test_removing_a_member_asks_first(client_for, pat_member, practitioner, plan, late_action):
    member = PlanMember.objects.create(plan=plan, user=practitioner, role=PlanRole.PRACTITIONER)
    url = reverse("improvements:plan_member_remove", args=[plan.pk, member.pk])
    client = client_for(pat_member)

    asked = client.get(url)
    removed = client.post(url)

    assert "Remove practitioner as practitioner?" in asked.content.decode()
    assert "1 action of this plan is owned by them" in asked.content.decode()
    assert removed.status_code == 302
    assert not PlanMember.objects.exists()


def test_the_steering_committee_cannot_remove_members(client_for, steering, practitioner, plan):
    member = PlanMember.objects.create(plan=plan, user=practitioner, role=PlanRole.LEAD)
    url = reverse("improvements:plan_member_remove", args=[plan.pk, member.pk])
    before = _counts()

    assert client_for(steering).get(url).status_code == 403
    assert client_for(steering).post(url).status_code == 403
    assert _counts() == before


# -- actions -------------------------------------------------------------------------------------


def test_a_plan_worker_adds_an_action(client_for, pat_member, practitioner, plan, late_action):
    url = reverse("improvements:action_create", args=[plan.pk])
    data = {
        "title": "Pilot the checklist",
        "owner": "practitioner",
        "start": str(TODAY),
        "due": str(TODAY + 5 * DAY),
        "depends_on": [late_action.pk],
    }

    assert client_for(pat_member).get(url).status_code == 200
    response = client_for(pat_member).post(url, data)

    assert response.status_code == 302
    assert response["Location"] == reverse("improvements:plan_detail", args=[plan.pk]) + (
        "#plan-actions"
    )
    action = Action.objects.get(title="Pilot the checklist")
    assert (action.owner, list(action.depends_on.all())) == (practitioner, [late_action])


def test_a_refused_action_shows_why_and_keeps_the_input(client_for, pat_member, plan):
    url = reverse("improvements:action_create", args=[plan.pk])
    data = {"title": "Backwards", "owner": "pat.member", "start": "2026-03-10", "due": "2026-03-01"}

    response = client_for(pat_member).post(url, data)

    assert response.status_code == 400
    html = response.content.decode()
    assert "cannot be before the start" in html
    assert 'value="Backwards"' in html
    assert not Action.objects.exists()


@pytest.mark.parametrize("persona", ["practitioner", "steering"])
def test_others_cannot_add_actions(request, client_for, persona, plan):
    client = client_for(request.getfixturevalue(persona))
    url = reverse("improvements:action_create", args=[plan.pk])
    data = {"title": "Sneak", "owner": persona, "due": str(TODAY)}

    assert client.get(url).status_code == 403
    assert client.post(url, data).status_code == 403
    assert _counts() == (0, 0, 0, 0)


def test_the_owner_changes_the_status_of_their_action(client_for, practitioner, late_action):
    url = reverse("improvements:action_update", args=[late_action.pk])
    client = client_for(practitioner)

    page = client.get(url)
    response = client.post(url, {"status": "in_progress", "title": "Renamed by the owner"})

    assert "Update the status of" in page.content.decode()
    assert 'name="title"' not in page.content.decode()
    assert response.status_code == 302
    assert response["Location"] == reverse("improvements:actions_owed")
    late_action.refresh_from_db()
    assert (late_action.status, late_action.title) == ("in_progress", "Draft the checklist")


def test_somebody_else_cannot_change_an_action(client_for, steering, late_action):
    url = reverse("improvements:action_update", args=[late_action.pk])
    before = _counts()

    assert client_for(steering).get(url).status_code == 403
    assert client_for(steering).post(url, {"status": "done"}).status_code == 403
    late_action.refresh_from_db()
    assert late_action.status == ActionStatus.NOT_STARTED
    assert _counts() == before


def test_an_editor_cannot_close_a_circle_of_dependencies(
    client_for, pat_member, late_action, next_action
):
    url = reverse("improvements:action_update", args=[late_action.pk])
    data = {
        "title": late_action.title,
        "owner": "practitioner",
        "start": str(late_action.start),
        "due": str(late_action.due),
        "status": "not_started",
        "depends_on": [next_action.pk],
    }

    response = client_for(pat_member).post(url, data)

    assert response.status_code == 400
    assert (
        "“Draft the checklist” → “Train the reviewers” → “Draft the checklist”"
        in response.content.decode()
    )
    assert not late_action.depends_on.exists()


def test_done_is_refused_while_a_dependency_is_open(client_for, pat_member, next_action):
    url = reverse("improvements:action_update", args=[next_action.pk])

    response = client_for(pat_member).post(
        url,
        {
            "title": next_action.title,
            "owner": "pat.member",
            "due": str(next_action.due),
            "status": "done",
            "depends_on": [a.pk for a in next_action.depends_on.all()],
        },
    )

    assert response.status_code == 400
    assert "“Draft the checklist” (not started)" in response.content.decode()
    next_action.refresh_from_db()
    assert next_action.status == ActionStatus.NOT_STARTED


def test_deleting_an_action_asks_first_and_names_its_dependents(
    client_for, pat_member, late_action, next_action
):
    url = reverse("improvements:action_delete", args=[late_action.pk])
    client = client_for(pat_member)

    asked = client.get(url)
    deleted = client.post(url)

    assert "1 action depends on it" in asked.content.decode()
    assert "Train the reviewers" in asked.content.decode()
    assert deleted.status_code == 302
    assert list(Action.objects.all()) == [next_action]


@pytest.mark.parametrize("persona", ["practitioner", "steering"])
def test_others_cannot_delete_actions(request, client_for, persona, late_action):
    url = reverse("improvements:action_delete", args=[late_action.pk])
    client = client_for(request.getfixturevalue(persona))
    before = _counts()

    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert _counts() == before


# -- timeline -------------------------------------------------------------------------------------


def test_the_timeline_draws_a_bar_a_row_with_late_ones_marked(
    client_for, practitioner, plan, late_action, next_action
):
    response = client_for(practitioner).get(reverse("improvements:plan_timeline", args=[plan.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    # the span runs from 20 days ago to 10 days ahead: 31 days
    assert "margin-left: 0.000%; width: 58.065%" in html  # the late action, 18 days
    assert "margin-left: 58.065%; width: 41.935%" in html  # the next one, 13 days
    assert "gantt__bar--late" in html
    assert ">Late</span>" in html
    assert "Late by 3 days" in html
    assert 'class="gantt__today" style="left: 66.129%"' in html
    assert "Depends on" in html
    assert 'Draft the checklist <span class="muted">(not started)' in html
    assert "<script" not in html.split("</head>")[1]


def test_the_timeline_of_a_plan_without_actions_says_so(client_for, pat_member, plan):
    response = client_for(pat_member).get(reverse("improvements:plan_timeline", args=[plan.pk]))

    assert "no actions yet" in response.content.decode()
    assert reverse("improvements:action_create", args=[plan.pk]) in response.content.decode()


# -- what people owe ------------------------------------------------------------------------------


def test_what_i_owe_lists_my_open_actions_late_first(client_for, practitioner, plan, late_action):
    upcoming = ActionFactory(plan=plan, owner=practitioner, start=None, due=TODAY + DAY)
    ActionFactory(plan=plan, owner=practitioner, status="done")

    response = client_for(practitioner).get(reverse("improvements:actions_owed"))

    rows = response.context["rows"]
    assert [row.action for row in rows] == [late_action, upcoming]
    html = response.content.decode()
    assert "What I owe" in html
    assert "Late by 3 days" in html


def test_an_outsider_who_owns_an_action_sees_it(client_for, outsider, plan):
    ActionFactory(plan=plan, owner=outsider, title="Outsourced")

    response = client_for(outsider).get(reverse("improvements:actions_owed"))

    assert "Outsourced" in response.content.decode()


def test_readers_see_what_somebody_else_owes(client_for, pat_member, late_action):
    url = reverse("improvements:actions_owed_by", args=["practitioner"])

    response = client_for(pat_member).get(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert "What practitioner owes" in html
    assert "Draft the checklist" in html


# -- print view and PDF ----------------------------------------------------------------------------


@pytest.fixture
def reviewed_plan(plan, steering, sponsor, pat_member, late_action, next_action):
    plan.proposals.add(ProposalFactory(title="Review requirement changes"))
    plan.risks = "Reviewers are too busy."
    plan.save(update_fields=["risks"])
    PlanMember.objects.create(plan=plan, user=pat_member, role=PlanRole.LEAD)
    ReviewRequest.objects.create(
        plan=plan, revision=1, reviewer=steering, decision="approved", comment="Fine.",
        decided_at=timezone.now(),
    )  # fmt: skip
    ReviewRequest.objects.create(plan=plan, revision=1, reviewer=sponsor, required=False)
    return plan


def test_the_print_view_holds_the_whole_plan(client_for, practitioner, reviewed_plan):
    url = reverse("improvements:plan_print", args=[reviewed_plan.pk])

    response = client_for(practitioner).get(url)

    assert response.status_code == 200
    html = response.content.decode()
    for _, label in PLAN_FIELDS:
        assert label in html
    assert "Reviewers are too busy." in html
    assert "Not written yet." in html
    assert "Review requirement changes" in html
    assert "Lead" in html
    assert "Tomasz" in html
    assert "Late by 3 days" in html
    assert "Approval of revision 1" in html
    assert "Every required reviewer approved revision 1." in html
    assert "Fine." in html
    assert "Pending" in html
    assert "@media print" in html
    assert reverse("improvements:plan_pdf", args=[reviewed_plan.pk]) in html


def test_the_pdf_is_a_download_named_after_the_plan(client_for, practitioner, reviewed_plan):
    url = reverse("improvements:plan_pdf", args=[reviewed_plan.pk])

    response = client_for(practitioner).get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    expected = f'attachment; filename="PAP-{reviewed_plan.pk}.pdf"'
    assert response["Content-Disposition"] == expected
    assert response.content.startswith(b"%PDF")


def test_what_i_owe_lists_the_reviews_waiting_for_me_on_current_revisions_only(
    client_for, sponsor, process_group_member
):
    plan = ActionPlanFactory(owner=process_group_member, title="Runbook plan", revision=2)
    ReviewRequest.objects.create(plan=plan, revision=1, reviewer=sponsor)  # an old revision
    current = ReviewRequest.objects.create(plan=plan, revision=2, reviewer=sponsor)
    other = ActionPlanFactory(owner=process_group_member, title="Decided plan")
    ReviewRequest.objects.create(plan=other, revision=1, reviewer=sponsor, decision="approved")

    page = client_for(sponsor).get(reverse("improvements:actions_owed")).content.decode()

    decide = reverse("improvements:plan_review_decide", args=[plan.pk, current.pk])
    assert f'href="{decide}"' in page
    assert page.count("revision 2") == 1
    assert "revision 1" not in page
    assert "Decided plan" not in page
