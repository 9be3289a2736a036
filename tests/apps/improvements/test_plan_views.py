"""The process action plan pages: who may see and do what, and what each page shows.

Personas: anonymous; ``outsider`` (signed in, no role); the practitioner (reads);
the process group member (writes the plan, asks for reviews); Grace Okafor (process
owner) and Daniel Reyes (project manager), the stakeholders asked to review; Rajiv
(steering committee), who may review plans but is not asked.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from tests.apps.improvements.test_plan_services import (
    CONTENT,
    approved,
    daniel,
    frozen,
    grace,
    in_review,
    plan,
    review_of,
    selected,
)
from tests.factories.improvements import ProposalFactory
from uplift.apps.improvements.choices import PlanState, ProposalState, ReviewDecision
from uplift.apps.improvements.models import PLAN_FIELDS, ActionPlan, PlanRevision, ReviewRequest
from uplift.apps.improvements.services.plans import plan_update

pytestmark = pytest.mark.django_db

# Fixtures shared with the service tests (pytest finds them by name in this module).
__all__ = ["approved", "daniel", "grace", "in_review", "plan", "selected"]


def url(name: str, *args: Any) -> str:
    return reverse(f"improvements:{name}", args=args)


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def text_of(response: Any) -> str:
    """The page's text with tags removed and spaces collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def edit_data(plan: ActionPlan, **changes: Any) -> dict[str, Any]:
    """The edit form as the browser posts it, from the plan as it is now."""
    plan = ActionPlan.objects.get(pk=plan.pk)
    data: dict[str, Any] = {
        "title": plan.title,
        "owner": plan.owner_id,
        "proposals": [p.pk for p in plan.proposals.all()],
        **{name: getattr(plan, name) for name, _ in PLAN_FIELDS},
        "reason": "",
        "version": plan.version,
    }
    data.update(changes)
    return data


# -- access ---------------------------------------------------------------------------------


def page_urls(plan: ActionPlan) -> list[str]:
    review = ReviewRequest.objects.filter(plan=plan).first()
    review_pk = review.pk if review else 1
    return [
        url("plan_create"),
        url("plan_detail", plan.pk),
        url("plan_update", plan.pk),
        url("plan_review_request", plan.pk),
        url("plan_review_decide", plan.pk, review_pk),
        url("plan_revisions", plan.pk),
    ]


def test_anonymous_visitors_are_sent_to_sign_in(anonymous: Any, in_review: ActionPlan) -> None:
    before = frozen(in_review)

    for path in page_urls(in_review):
        for response in (anonymous.get(path), anonymous.post(path, {"title": "x"})):
            assert response.status_code == 302, path
            assert "/accounts/login/" in response["Location"]

    assert frozen(in_review) == before


def test_a_signed_in_user_without_a_role_sees_no_plan(
    client_for: Any, outsider: Any, in_review: ActionPlan
) -> None:
    client = client_for(outsider)

    for path in page_urls(in_review):
        assert client.get(path).status_code == 403, path


def test_a_practitioner_reads_the_plan_but_changes_nothing(
    client_for: Any, practitioner: Any, in_review: ActionPlan, grace: Any
) -> None:
    client = client_for(practitioner)
    before = frozen(in_review)

    assert client.get(url("plan_detail", in_review.pk)).status_code == 200
    assert client.get(url("plan_revisions", in_review.pk)).status_code == 200
    for name in ("plan_update", "plan_review_request"):
        assert client.get(url(name, in_review.pk)).status_code == 403
    assert client.get(url("plan_create")).status_code == 403
    assert client.post(url("plan_create"), {"title": "Mine"}).status_code == 403
    assert client.post(url("plan_update", in_review.pk), edit_data(in_review)).status_code == 403
    decide = url("plan_review_decide", in_review.pk, review_of(in_review, grace).pk)
    assert client.post(decide, {"decision": "approved"}).status_code == 403

    assert frozen(in_review) == before


def test_a_missing_plan_is_a_404(client_for: Any, practitioner: Any) -> None:
    assert client_for(practitioner).get(url("plan_detail", 999)).status_code == 404


# -- the plan's page ----------------------------------------------------------------------------


def test_the_plan_page_shows_heading_proposals_the_nine_items_and_the_approval(
    client_for: Any, practitioner: Any, in_review: ActionPlan, selected: Any
) -> None:
    response = client_for(practitioner).get(url("plan_detail", in_review.pk))

    assert response.status_code == 200
    text = text_of(response)
    assert f"{in_review.reference} Requirements change control" in text
    assert "State: In review Revision 1" in text
    assert url("proposal_detail", selected.pk) in response.content.decode()
    positions = [text.index(label) for _, label in PLAN_FIELDS]
    assert positions == sorted(positions)
    assert CONTENT["strategies"] in text
    assert "Approval of revision 1" in text
    assert "Revision 1 is not approved yet: waiting for Grace Okafor and Daniel Reyes." in text
    assert "Approve revision 1" not in text  # the practitioner was not asked
    for name in ("plan_revisions", "plan_print", "plan_pdf", "plan_timeline", "plan_team"):
        assert url(name, in_review.pk) in response.content.decode()
    assert url("plan_update", in_review.pk) not in response.content.decode()


def test_the_reviewer_sees_the_buttons_to_approve_or_request_changes(
    client_for: Any, grace: Any, in_review: ActionPlan
) -> None:
    response = client_for(grace).get(url("plan_detail", in_review.pk))

    html = response.content.decode()
    assert url("plan_review_decide", in_review.pk, review_of(in_review, grace).pk) in html
    assert 'value="approved"' in html
    assert 'value="changes_requested"' in html


def test_the_plan_page_has_a_bounded_number_of_queries(
    client_for: Any,
    process_group_member: Any,
    approved: ActionPlan,
    django_assert_max_num_queries: Any,
) -> None:
    client = client_for(process_group_member)

    with django_assert_max_num_queries(40):
        assert client.get(url("plan_detail", approved.pk)).status_code == 200


# -- creating ---------------------------------------------------------------------------------


def test_the_new_plan_form_preselects_the_proposal_and_offers_only_selected_ones(
    client_for: Any, process_group_member: Any, selected: Any
) -> None:
    submitted = ProposalFactory(state=ProposalState.SUBMITTED, title="Not yet selected")

    response = client_for(process_group_member).get(url("plan_create") + f"?proposal={selected.pk}")

    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["proposals"] == [selected.pk]
    assert list(form.fields["proposals"].queryset) == [selected]
    assert submitted.title not in response.content.decode()
    html = response.content.decode()
    for _, label in PLAN_FIELDS:
        assert label in html
    assert "how likely and how bad" in html  # each item says what belongs there


def test_writing_a_plan_makes_a_draft_at_revision_1(
    client_for: Any, process_group_member: Any, selected: Any
) -> None:
    data = {
        "title": "Peer reviews of requirements",
        "owner": process_group_member.pk,
        "proposals": [selected.pk],
        **CONTENT,
    }

    response = client_for(process_group_member).post(url("plan_create"), data)

    plan = ActionPlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("plan_detail", plan.pk)
    assert (plan.state, plan.revision, plan.risks) == (PlanState.DRAFT, 1, CONTENT["risks"])
    assert PlanRevision.objects.filter(plan=plan, number=1).exists()


def test_a_plan_for_an_unselected_proposal_is_refused_beside_the_field(
    client_for: Any, process_group_member: Any
) -> None:
    submitted = ProposalFactory(state=ProposalState.SUBMITTED)
    data = {"title": "Too early", "owner": process_group_member.pk, "proposals": [submitted.pk]}

    response = client_for(process_group_member).post(url("plan_create"), data)

    assert response.status_code == 400
    assert response.context["form"].errors["proposals"]
    assert not ActionPlan.objects.exists()


# -- editing ---------------------------------------------------------------------------------


def test_saving_a_draft_edits_revision_1_in_place(
    client_for: Any, process_group_member: Any, plan: ActionPlan
) -> None:
    response = client_for(process_group_member).post(
        url("plan_update", plan.pk), edit_data(plan, risks="Reviewers on leave.")
    )

    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.revision, plan.version, plan.risks) == (1, 2, "Reviewers on leave.")


def test_the_second_of_two_simultaneous_edits_is_refused_with_409_and_the_input_kept(
    client_for: Any, process_group_member: Any, grace: Any, plan: ActionPlan
) -> None:
    stale = edit_data(plan, objectives="The second person's objectives.")
    first = client_for(grace).post(
        url("plan_update", plan.pk), edit_data(plan, objectives="The first person's objectives.")
    )
    assert first.status_code == 302
    before = frozen(plan)

    response = client_for(process_group_member).post(url("plan_update", plan.pk), stale)

    assert response.status_code == 409
    errors = response.context["form"].non_field_errors()
    assert len(errors) == 1
    assert re.search(r"changed by Grace Okafor at \d{4}-\d\d-\d\d \d\d:\d\d", errors[0])
    assert "Nothing was saved" in errors[0]
    assert "The second person&#x27;s objectives." in response.content.decode()
    assert frozen(plan) == before
    assert ActionPlan.objects.get(pk=plan.pk).objectives == "The first person's objectives."


def test_someone_who_may_not_edit_gets_403_and_nothing_changes(
    client_for: Any, steering: Any, plan: ActionPlan
) -> None:
    before = frozen(plan)
    client = client_for(steering)

    assert client.get(url("plan_update", plan.pk)).status_code == 403
    response = client.post(url("plan_update", plan.pk), edit_data(plan, risks="None."))

    assert response.status_code == 403
    assert frozen(plan) == before


def test_saving_an_approved_plan_makes_a_new_revision_and_asks_again(
    client_for: Any, process_group_member: Any, approved: ActionPlan
) -> None:
    client = client_for(process_group_member)
    edit = client.get(url("plan_update", approved.pk))
    assert "Saving a change makes revision 2" in text_of(edit)

    response = client.post(
        url("plan_update", approved.pk),
        edit_data(
            approved,
            strategies="Pilot on Atlas for eight weeks, then roll out by unit.",
            reason="The pilot moves to Atlas.",
        ),
        follow=True,
    )

    assert messages_of(response) == [
        "A new revision 2 was made; approval has been requested again from Grace Okafor "
        "and Daniel Reyes."
    ]
    text = text_of(response)
    assert (
        "Re-approval requested: revision 2 changes Strategies for piloting and implementing "
        "process actions from revision 1" in text
    )
    assert "Why: The pilot moves to Atlas." in text
    assert "Approval of revision 2" in text
    approved.refresh_from_db()
    assert (approved.revision, approved.state) == (2, PlanState.IN_REVIEW)


def test_an_unchanged_save_says_so_and_changes_nothing(
    client_for: Any, process_group_member: Any, approved: ActionPlan
) -> None:
    before = frozen(approved)

    response = client_for(process_group_member).post(
        url("plan_update", approved.pk), edit_data(approved), follow=True
    )

    assert messages_of(response) == ["Nothing changed; nothing was saved."]
    assert frozen(approved) == before


# -- asking for reviews -----------------------------------------------------------------------


def test_the_review_form_offers_only_people_who_may_review(
    client_for: Any,
    process_group_member: Any,
    plan: ActionPlan,
    grace: Any,
    daniel: Any,
    practitioner: Any,
    pat_member: Any,
) -> None:
    response = client_for(process_group_member).get(url("plan_review_request", plan.pk))

    offered = set(response.context["form"].candidates.values())
    assert {grace, daniel} <= offered
    assert practitioner not in offered
    assert pat_member not in offered


def test_asking_two_stakeholders_to_review(
    client_for: Any, process_group_member: Any, plan: ActionPlan, grace: Any, daniel: Any
) -> None:
    data = {f"reviewer_{grace.pk}": "required", f"reviewer_{daniel.pk}": "optional"}

    response = client_for(process_group_member).post(
        url("plan_review_request", plan.pk), data, follow=True
    )

    assert messages_of(response) == [
        "Review of revision 1 requested from Daniel Reyes and Grace Okafor."
    ]
    assert {
        (r.reviewer, r.required) for r in ReviewRequest.objects.filter(plan=plan, revision=1)
    } == {(grace, True), (daniel, False)}
    plan.refresh_from_db()
    assert plan.state == PlanState.IN_REVIEW


def test_a_practitioner_cannot_be_asked_to_review(
    client_for: Any, process_group_member: Any, plan: ActionPlan, practitioner: Any
) -> None:
    response = client_for(process_group_member).post(
        url("plan_review_request", plan.pk), {f"reviewer_{practitioner.pk}": "required"}
    )

    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == ["Choose at least one reviewer."]
    assert not ReviewRequest.objects.exists()


def test_someone_who_may_not_edit_cannot_ask_for_reviews(
    client_for: Any, steering: Any, plan: ActionPlan, grace: Any
) -> None:
    response = client_for(steering).post(
        url("plan_review_request", plan.pk), {f"reviewer_{grace.pk}": "required"}
    )

    assert response.status_code == 403
    assert not ReviewRequest.objects.exists()


# -- deciding ---------------------------------------------------------------------------------


def test_two_stakeholders_approve_and_the_plan_is_approved(
    client_for: Any, in_review: ActionPlan, grace: Any, daniel: Any
) -> None:
    for reviewer in (grace, daniel):
        decide = url("plan_review_decide", in_review.pk, review_of(in_review, reviewer).pk)
        response = client_for(reviewer).post(
            decide, {"decision": "approved", "comment": "Fine."}, follow=True
        )
        assert response.status_code == 200

    assert messages_of(response) == [
        "You approved revision 1. Every required reviewer has approved it: the plan is approved."
    ]
    in_review.refresh_from_db()
    assert in_review.state == PlanState.APPROVED
    assert "Revision 1 is approved by Grace Okafor and Daniel Reyes." in text_of(response)


def test_the_reviewer_opens_the_decision_page(
    client_for: Any, in_review: ActionPlan, grace: Any, daniel: Any
) -> None:
    decide = url("plan_review_decide", in_review.pk, review_of(in_review, grace).pk)

    assert client_for(grace).get(decide).status_code == 200
    assert client_for(daniel).get(decide).status_code == 403


def test_asking_for_changes_without_a_comment_is_refused(
    client_for: Any, in_review: ActionPlan, grace: Any
) -> None:
    decide = url("plan_review_decide", in_review.pk, review_of(in_review, grace).pk)

    response = client_for(grace).post(decide, {"decision": "changes_requested", "comment": ""})

    assert response.status_code == 400
    assert response.context["form"].errors["comment"] == ["Say which changes you need."]
    assert review_of(in_review, grace).decision == ReviewDecision.PENDING


def test_a_stakeholder_not_asked_cannot_approve(
    client_for: Any, in_review: ActionPlan, grace: Any, steering: Any
) -> None:
    before = frozen(in_review)
    decide = url("plan_review_decide", in_review.pk, review_of(in_review, grace).pk)

    response = client_for(steering).post(decide, {"decision": "approved"})

    assert response.status_code == 403
    assert frozen(in_review) == before


def test_a_reviewer_of_revision_1_cannot_approve_after_revision_2_was_made(
    client_for: Any, process_group_member: Any, in_review: ActionPlan, daniel: Any
) -> None:
    old = review_of(in_review, daniel, 1)
    plan_update(plan=in_review, actor=process_group_member, expected_version=None, risks="New.")
    before = frozen(in_review)

    response = client_for(daniel).post(
        url("plan_review_decide", in_review.pk, old.pk), {"decision": "approved"}
    )

    assert response.status_code == 403
    assert frozen(in_review) == before
    page = client_for(daniel).get(url("plan_review_decide", in_review.pk, old.pk))
    assert "the plan is at revision 2 now" in text_of(page)


def test_a_review_of_another_plan_is_a_404(
    client_for: Any, process_group_member: Any, in_review: ActionPlan, grace: Any, selected: Any
) -> None:
    from uplift.apps.improvements.services.plans import plan_create

    other = plan_create(
        actor=process_group_member, title="Other", owner=process_group_member, proposals=[selected]
    )

    response = client_for(grace).get(
        url("plan_review_decide", other.pk, review_of(in_review, grace).pk)
    )

    assert response.status_code == 404


# -- revisions ----------------------------------------------------------------------------------


@pytest.fixture
def revised(approved: ActionPlan, process_group_member: Any) -> ActionPlan:
    plan_update(
        plan=approved,
        actor=process_group_member,
        expected_version=approved.version,
        reason="The pilot moves to Atlas.",
        strategies="Pilot on Atlas for eight weeks.",
    )
    approved.refresh_from_db()
    return approved


def test_the_revisions_page_lists_who_when_and_why(
    client_for: Any,
    practitioner: Any,
    revised: ActionPlan,
    django_assert_max_num_queries: Any,
) -> None:
    client = client_for(practitioner)

    with django_assert_max_num_queries(15):
        response = client.get(url("plan_revisions", revised.pk))

    assert response.status_code == 200
    text = text_of(response)
    assert "The pilot moves to Atlas." in text
    assert "Grace Okafor: approved" in text
    assert [revision.number for revision, _ in response.context["rows"]] == [1, 2]


def test_two_revisions_compare_field_by_field_with_the_changes_highlighted(
    client_for: Any, practitioner: Any, revised: ActionPlan
) -> None:
    response = client_for(practitioner).get(url("plan_revisions", revised.pk) + "?older=1&newer=2")

    assert response.status_code == 200
    changes = response.context["changes"]
    assert [c.field for c in changes if c.changed] == ["strategies"]
    html = response.content.decode()
    row = re.search(r'<tr class="row--changed" id="diff-strategies">(.*?)</tr>', html, re.S)
    assert row is not None
    assert f"<del>{CONTENT['strategies']}</del>" in row.group(1)
    assert "<ins>Pilot on Atlas for eight weeks.</ins>" in row.group(1)
    assert "1 field changed" in text_of(response)


@pytest.mark.parametrize(
    "query", ["?older=abc&newer=2", "?older=1&newer=9", "?older=2&newer=1", "?older=1"]
)
def test_comparing_with_bad_numbers_is_a_400(
    client_for: Any, practitioner: Any, revised: ActionPlan, query: str
) -> None:
    response = client_for(practitioner).get(url("plan_revisions", revised.pk) + query)

    assert response.status_code == 400
    assert response.context["compare_error"]
