"""Process action plans: content, revisions, reviews and approval (services.plans).

Personas (tests/apps/improvements/conftest.py): the process group member writes the
plan; Grace (process owner) and Daniel (project manager) are the stakeholders asked to
review it; Rajiv (steering committee) may review plans but is not asked; the
practitioner reads only.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied

from tests.factories.improvements import ActionPlanFactory, ProposalFactory
from uplift.apps.accounts.roles import Role
from uplift.apps.improvements.choices import PlanState, ProposalState, ReviewDecision
from uplift.apps.improvements.errors import ConflictError, ImprovementError
from uplift.apps.improvements.models import (
    PLAN_FIELDS,
    ActionPlan,
    PlanMember,
    PlanRevision,
    ReviewRequest,
)
from uplift.apps.improvements.services.plans import (
    plan_approval_status,
    plan_create,
    plan_request_review,
    plan_review_decide,
    plan_revisions_compare,
    plan_snapshot,
    plan_update,
)

pytestmark = pytest.mark.django_db

CONTENT = {
    "infrastructure": "The process group facilitates; a process action team implements.",
    "objectives": "Cut requirements defects found in test by a quarter by June.",
    "improvements": "IP-1: review every requirement change with the providers.",
    "tracking_procedures": "Weekly status in the team meeting; late actions escalated.",
    "strategies": "Pilot on two projects for eight weeks, then roll out by unit.",
    "responsibility": "Grace owns the procedure; the sponsor approves resources.",
    "resources": "Two people at 20%; a training day per unit.",
    "effectiveness_methods": "Compare defect density before and after with the baseline.",
    "risks": "Projects under deadline pressure skip the reviews.",
}


@pytest.fixture
def grace(process_owner: Any) -> Any:
    process_owner.last_name = "Okafor"
    process_owner.save(update_fields=["last_name"])
    return process_owner


@pytest.fixture
def daniel(project_manager: Any) -> Any:
    project_manager.last_name = "Reyes"
    project_manager.save(update_fields=["last_name"])
    return project_manager


@pytest.fixture
def selected() -> Any:
    return ProposalFactory(
        title="Review requirement changes", state=ProposalState.SELECTED_FOR_VALIDATION
    )


@pytest.fixture
def plan(process_group_member: Any, selected: Any) -> ActionPlan:
    return plan_create(
        actor=process_group_member,
        title="Requirements change control",
        owner=process_group_member,
        proposals=[selected],
        **CONTENT,
    )


@pytest.fixture
def in_review(plan: ActionPlan, process_group_member: Any, grace: Any, daniel: Any) -> ActionPlan:
    plan_request_review(
        plan=plan, actor=process_group_member, reviewers=[(grace, True), (daniel, True)]
    )
    return plan


@pytest.fixture
def approved(in_review: ActionPlan, grace: Any, daniel: Any) -> ActionPlan:
    for reviewer in (grace, daniel):
        review = ReviewRequest.objects.get(plan=in_review, revision=1, reviewer=reviewer)
        plan_review_decide(review=review, actor=reviewer, decision="approved", comment="")
    in_review.refresh_from_db()
    return in_review


def review_of(plan: ActionPlan, reviewer: Any, revision: int | None = None) -> ReviewRequest:
    number = plan.revision if revision is None else revision
    return ReviewRequest.objects.get(plan=plan, revision=number, reviewer=reviewer)


def counts(plan: ActionPlan) -> tuple[int, int, int, int]:
    """Rows a refused write must leave alone: plans, revisions, reviews, history."""
    return (
        ActionPlan.objects.count(),
        PlanRevision.objects.count(),
        ReviewRequest.objects.count(),
        plan.history.count(),
    )


def frozen(plan: ActionPlan) -> tuple[Any, ...]:
    plan = ActionPlan.objects.get(pk=plan.pk)
    reviews = tuple(
        ReviewRequest.objects.filter(plan=plan).values_list("revision", "decision", "comment")
    )
    return (plan.state, plan.revision, plan.version, plan_snapshot(plan), reviews, counts(plan))


# -- creating ---------------------------------------------------------------------------------


def test_a_new_plan_is_a_draft_at_revision_1_with_its_snapshot_kept(
    plan: ActionPlan, selected: Any, process_group_member: Any
) -> None:
    assert (plan.state, plan.revision, plan.version) == (PlanState.DRAFT, 1, 1)
    revision = PlanRevision.objects.get(plan=plan)
    assert revision.number == 1
    assert revision.created_by == process_group_member
    assert revision.snapshot == {
        "title": "Requirements change control",
        **CONTENT,
        "proposals": [
            {"id": selected.pk, "reference": selected.reference, "title": selected.title}
        ],
    }
    assert list(plan.proposals.all()) == [selected]


def test_the_snapshot_holds_the_title_the_nine_items_and_the_proposals(plan: ActionPlan) -> None:
    snapshot = plan_snapshot(plan)

    assert list(snapshot) == ["title", *(name for name, _ in PLAN_FIELDS), "proposals"]


@pytest.mark.parametrize(
    "state", [ProposalState.SUBMITTED, ProposalState.ANALYZED, ProposalState.TERMINATED]
)
def test_a_plan_addresses_only_selected_proposals(process_group_member: Any, state: str) -> None:
    proposal = ProposalFactory(state=state)

    with pytest.raises(ImprovementError) as caught:
        plan_create(
            actor=process_group_member,
            title="Too early",
            owner=process_group_member,
            proposals=[proposal],
        )

    assert caught.value.field == "proposals"
    assert proposal.reference in caught.value.message
    assert not ActionPlan.objects.exists()
    assert not PlanRevision.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "  "}, "title"),
        ({"proposals": []}, "proposals"),
        ({"budget": "lots"}, "budget"),
    ],
)
def test_creating_refuses_bad_input_and_writes_nothing(
    process_group_member: Any, selected: Any, changes: dict[str, Any], field: str
) -> None:
    values: dict[str, Any] = {"title": "A plan", "proposals": [selected], **changes}

    with pytest.raises(ImprovementError) as caught:
        plan_create(actor=process_group_member, owner=process_group_member, **values)

    assert caught.value.field == field
    assert not ActionPlan.objects.exists()


def test_a_practitioner_cannot_write_a_plan(practitioner: Any, selected: Any) -> None:
    with pytest.raises(PermissionDenied):
        plan_create(actor=practitioner, title="Mine", owner=practitioner, proposals=[selected])

    assert not ActionPlan.objects.exists()


# -- editing ----------------------------------------------------------------------------------


def test_a_plan_never_sent_for_review_is_edited_in_place(
    plan: ActionPlan, process_group_member: Any
) -> None:
    plan_update(
        plan=plan,
        actor=process_group_member,
        expected_version=1,
        risks="Deadline pressure; reviewers on leave.",
    )

    plan.refresh_from_db()
    assert (plan.revision, plan.version) == (1, 2)
    assert plan.risks == "Deadline pressure; reviewers on leave."
    revision = PlanRevision.objects.get(plan=plan)
    assert revision.snapshot["risks"] == "Deadline pressure; reviewers on leave."


def test_an_unchanged_save_changes_nothing(plan: ActionPlan, process_group_member: Any) -> None:
    before = frozen(plan)

    plan_update(
        plan=plan,
        actor=process_group_member,
        expected_version=1,
        title="Requirements change control",
        risks=CONTENT["risks"].replace("\n", "\r\n") + "  ",
        proposals=list(plan.proposals.all()),
    )

    assert frozen(plan) == before


def test_the_second_of_two_simultaneous_edits_is_refused_and_nothing_changes(
    plan: ActionPlan, process_group_member: Any, process_owner: Any
) -> None:
    first = ActionPlan.objects.get(pk=plan.pk)
    second = ActionPlan.objects.get(pk=plan.pk)
    plan_update(plan=first, actor=process_owner, expected_version=1, objectives="First edit.")
    before = frozen(plan)

    with pytest.raises(ConflictError) as caught:
        plan_update(
            plan=second, actor=process_group_member, expected_version=1, objectives="Second."
        )

    assert "changed by Grace" in caught.value.message
    assert "Nothing was saved" in caught.value.message
    assert frozen(plan) == before
    assert ActionPlan.objects.get(pk=plan.pk).objectives == "First edit."


def test_someone_who_may_not_edit_the_plan_is_refused(
    plan: ActionPlan, practitioner: Any, steering: Any
) -> None:
    before = frozen(plan)

    for person in (practitioner, steering):
        with pytest.raises(PermissionDenied):
            plan_update(plan=plan, actor=person, expected_version=1, risks="None at all.")

    assert frozen(plan) == before


def test_the_owner_and_the_team_lead_may_edit_without_the_change_permission(
    process_group_member: Any, selected: Any, steering: Any, sponsor: Any
) -> None:
    plan = plan_create(
        actor=process_group_member, title="Owned", owner=steering, proposals=[selected]
    )
    PlanMember.objects.create(plan=plan, user=sponsor, role="lead")

    plan_update(plan=plan, actor=steering, expected_version=1, risks="By the owner.")
    plan_update(plan=plan, actor=sponsor, expected_version=2, risks="By the lead.")

    plan.refresh_from_db()
    assert (plan.risks, plan.version) == ("By the lead.", 3)


def test_a_proposal_already_on_the_plan_may_have_moved_on(
    plan: ActionPlan, selected: Any, process_group_member: Any
) -> None:
    selected.state = ProposalState.EVALUATED
    selected.save(update_fields=["state"])
    other = ProposalFactory(state=ProposalState.VALIDATED)

    plan_update(
        plan=plan, actor=process_group_member, expected_version=1, proposals=[selected, other]
    )

    assert set(plan.proposals.all()) == {selected, other}


# -- asking for reviews -----------------------------------------------------------------------


def test_asking_for_reviews_puts_the_plan_in_review(
    in_review: ActionPlan, grace: Any, daniel: Any, process_group_member: Any
) -> None:
    in_review.refresh_from_db()
    assert in_review.state == PlanState.IN_REVIEW
    reviews = ReviewRequest.objects.filter(plan=in_review).order_by("pk")
    assert [(r.reviewer, r.revision, r.required, r.decision) for r in reviews] == [
        (grace, 1, True, ReviewDecision.PENDING),
        (daniel, 1, True, ReviewDecision.PENDING),
    ]
    assert {r.requested_by for r in reviews} == {process_group_member}


def test_a_practitioner_is_never_asked_to_review(
    plan: ActionPlan, process_group_member: Any, practitioner: Any, grace: Any
) -> None:
    practitioner.first_name, practitioner.last_name = "Pat", "Quinn"
    practitioner.save()
    before = frozen(plan)

    with pytest.raises(ImprovementError) as caught:
        plan_request_review(
            plan=plan, actor=process_group_member, reviewers=[(grace, True), (practitioner, True)]
        )

    assert caught.value.field == "reviewers"
    assert "Pat Quinn may not review" in caught.value.message
    assert frozen(plan) == before


def test_at_least_one_reviewer_must_be_required(
    plan: ActionPlan, process_group_member: Any, grace: Any
) -> None:
    with pytest.raises(ImprovementError, match="at least one reviewer required"):
        plan_request_review(plan=plan, actor=process_group_member, reviewers=[(grace, False)])

    assert not ReviewRequest.objects.exists()


def test_nobody_is_asked_twice_for_the_same_revision(
    in_review: ActionPlan, process_group_member: Any, grace: Any
) -> None:
    with pytest.raises(ImprovementError, match="was already asked to review revision 1"):
        plan_request_review(plan=in_review, actor=process_group_member, reviewers=[(grace, True)])

    assert ReviewRequest.objects.count() == 2


def test_only_those_who_may_edit_the_plan_ask_for_reviews(
    plan: ActionPlan, steering: Any, grace: Any
) -> None:
    before = frozen(plan)

    with pytest.raises(PermissionDenied):
        plan_request_review(plan=plan, actor=steering, reviewers=[(grace, True)])

    assert frozen(plan) == before


# -- deciding ---------------------------------------------------------------------------------


def test_the_plan_is_approved_when_both_required_stakeholders_approve(
    in_review: ActionPlan, grace: Any, daniel: Any
) -> None:
    plan_review_decide(
        review=review_of(in_review, grace), actor=grace, decision="approved", comment="Good."
    )
    in_review.refresh_from_db()
    assert in_review.state == PlanState.IN_REVIEW
    assert plan_approval_status(in_review).summary == (
        "Revision 1 is not approved yet: waiting for Daniel Reyes."
    )

    plan_review_decide(
        review=review_of(in_review, daniel), actor=daniel, decision="approved", comment=""
    )

    in_review.refresh_from_db()
    assert in_review.state == PlanState.APPROVED
    status = plan_approval_status(in_review)
    assert status.approved
    assert status.missing == ()
    assert status.summary == "Revision 1 is approved by Grace Okafor and Daniel Reyes."
    review = review_of(in_review, grace)
    assert (review.decision, review.comment) == (ReviewDecision.APPROVED, "Good.")
    assert review.decided_at is not None


def test_the_status_says_who_is_still_awaited(in_review: ActionPlan) -> None:
    status = plan_approval_status(in_review)

    assert status.waiting_for == "waiting for Grace Okafor and Daniel Reyes"
    assert not status.approved
    assert [s.name for s in status.reviewers] == ["Grace Okafor", "Daniel Reyes"]


def test_an_optional_reviewer_is_not_needed_for_approval(
    plan: ActionPlan, process_group_member: Any, grace: Any, steering: Any
) -> None:
    plan_request_review(
        plan=plan, actor=process_group_member, reviewers=[(grace, True), (steering, False)]
    )

    plan_review_decide(review=review_of(plan, grace), actor=grace, decision="approved", comment="")

    plan.refresh_from_db()
    assert plan.state == PlanState.APPROVED
    assert review_of(plan, steering).decision == ReviewDecision.PENDING


def test_asking_for_changes_needs_a_comment_and_keeps_the_plan_in_review(
    in_review: ActionPlan, grace: Any
) -> None:
    with pytest.raises(ImprovementError) as caught:
        plan_review_decide(
            review=review_of(in_review, grace),
            actor=grace,
            decision="changes_requested",
            comment=" ",
        )
    assert caught.value.field == "comment"
    assert review_of(in_review, grace).decision == ReviewDecision.PENDING

    plan_review_decide(
        review=review_of(in_review, grace),
        actor=grace,
        decision="changes_requested",
        comment="Name the pilot projects.",
    )

    in_review.refresh_from_db()
    assert in_review.state == PlanState.IN_REVIEW
    status = plan_approval_status(in_review)
    assert status.summary == (
        "Revision 1 is not approved yet: changes requested by Grace Okafor; "
        "waiting for Daniel Reyes."
    )


def test_a_practitioner_cannot_approve_and_nothing_changes(
    in_review: ActionPlan, grace: Any, practitioner: Any
) -> None:
    before = frozen(in_review)

    with pytest.raises(PermissionDenied):
        plan_review_decide(
            review=review_of(in_review, grace), actor=practitioner, decision="approved", comment=""
        )

    assert frozen(in_review) == before


def test_a_stakeholder_not_asked_cannot_approve_someone_elses_request(
    in_review: ActionPlan, grace: Any, steering: Any
) -> None:
    before = frozen(in_review)

    with pytest.raises(PermissionDenied, match="not asked to review"):
        plan_review_decide(
            review=review_of(in_review, grace), actor=steering, decision="approved", comment=""
        )

    assert frozen(in_review) == before


def test_a_reviewer_decides_once(approved: ActionPlan, grace: Any) -> None:
    before = frozen(approved)

    with pytest.raises(PermissionDenied, match="already decided"):
        plan_review_decide(
            review=review_of(approved, grace),
            actor=grace,
            decision="changes_requested",
            comment="On second thought…",
        )

    assert frozen(approved) == before


# -- revising -----------------------------------------------------------------------------------


def test_revising_an_approved_plan_makes_a_new_revision_needing_approval_again(
    approved: ActionPlan, process_group_member: Any, grace: Any, daniel: Any
) -> None:
    plan_update(
        plan=approved,
        actor=process_group_member,
        expected_version=approved.version,
        reason="The pilot moves to the Atlas project.",
        strategies="Pilot on Atlas for eight weeks, then roll out by unit.",
    )

    approved.refresh_from_db()
    assert (approved.revision, approved.state) == (2, PlanState.IN_REVIEW)
    # every revision is kept, revision 1 as it was approved
    first, second = PlanRevision.objects.filter(plan=approved).order_by("number")
    assert first.snapshot["strategies"] == CONTENT["strategies"]
    assert second.snapshot["strategies"].startswith("Pilot on Atlas")
    assert (second.reason, second.created_by) == (
        "The pilot moves to the Atlas project.",
        process_group_member,
    )
    # the approvals of revision 1 stay on revision 1
    assert {(r.reviewer, r.decision) for r in ReviewRequest.objects.filter(revision=1)} == {
        (grace, ReviewDecision.APPROVED),
        (daniel, ReviewDecision.APPROVED),
    }
    # the same reviewers are asked again, as required as before
    assert {
        (r.reviewer, r.required, r.decision) for r in ReviewRequest.objects.filter(revision=2)
    } == {(grace, True, ReviewDecision.PENDING), (daniel, True, ReviewDecision.PENDING)}
    status = plan_approval_status(approved)
    assert status.reapproval is not None
    assert (status.reapproval.revision, status.reapproval.previous) == (2, 1)
    assert status.reapproval.changed == (
        "Strategies for piloting and implementing process actions",
    )
    assert status.reapproval.reviewers == "Grace Okafor and Daniel Reyes"


def test_the_new_revision_is_approved_by_the_same_stakeholders_again(
    approved: ActionPlan, process_group_member: Any, grace: Any, daniel: Any
) -> None:
    plan_update(
        plan=approved, actor=process_group_member, expected_version=approved.version, risks="New."
    )

    for reviewer in (grace, daniel):
        plan_review_decide(
            review=review_of(approved, reviewer, 2), actor=reviewer, decision="approved", comment=""
        )

    approved.refresh_from_db()
    assert (approved.revision, approved.state) == (2, PlanState.APPROVED)


def test_a_revision_while_in_review_supersedes_the_pending_requests(
    in_review: ActionPlan, process_group_member: Any, grace: Any, daniel: Any
) -> None:
    plan_review_decide(
        review=review_of(in_review, grace),
        actor=grace,
        decision="changes_requested",
        comment="Name the pilot projects.",
    )
    in_review.refresh_from_db()

    plan_update(
        plan=in_review,
        actor=process_group_member,
        expected_version=in_review.version,
        strategies="Pilot on Atlas and Borealis.",
    )

    assert review_of(in_review, grace, 1).decision == ReviewDecision.CHANGES_REQUESTED
    assert review_of(in_review, daniel, 1).decision == ReviewDecision.SUPERSEDED
    assert review_of(in_review, grace, 2).decision == ReviewDecision.PENDING
    in_review.refresh_from_db()
    assert in_review.state == PlanState.IN_REVIEW


def test_a_request_for_an_earlier_revision_cannot_approve_the_current_one(
    in_review: ActionPlan, process_group_member: Any, daniel: Any
) -> None:
    old_request = review_of(in_review, daniel, 1)
    plan_update(plan=in_review, actor=process_group_member, expected_version=None, risks="Changed.")
    before = frozen(in_review)

    with pytest.raises(PermissionDenied, match="revision 1; the plan is at revision 2"):
        plan_review_decide(review=old_request, actor=daniel, decision="approved", comment="")

    assert frozen(in_review) == before


def test_a_reviewer_asked_only_for_revision_1_who_lost_the_role_cannot_approve_revision_2(
    in_review: ActionPlan, process_group_member: Any, grace: Any, daniel: Any
) -> None:
    # Daniel leaves the project managers before the plan is revised: he is not asked
    # for revision 2, and his request for revision 1 no longer counts.
    daniel.groups.remove(Group.objects.get(name=Role.PROJECT_MANAGER.label))
    daniel = type(daniel).objects.get(pk=daniel.pk)  # drop the permission cache
    plan_update(plan=in_review, actor=process_group_member, expected_version=None, risks="Changed.")
    assert not ReviewRequest.objects.filter(plan=in_review, revision=2, reviewer=daniel).exists()
    before = frozen(in_review)

    with pytest.raises(PermissionDenied):
        plan_review_decide(
            review=review_of(in_review, daniel, 1), actor=daniel, decision="approved", comment=""
        )
    with pytest.raises(PermissionDenied):
        plan_review_decide(
            review=review_of(in_review, grace, 2), actor=daniel, decision="approved", comment=""
        )

    assert frozen(in_review) == before
    plan_review_decide(
        review=review_of(in_review, grace, 2), actor=grace, decision="approved", comment=""
    )
    in_review.refresh_from_db()
    assert in_review.state == PlanState.APPROVED


def test_every_revision_is_kept_and_two_compare_field_by_field(
    approved: ActionPlan, process_group_member: Any, grace: Any, daniel: Any
) -> None:
    plan_update(
        plan=approved,
        actor=process_group_member,
        expected_version=approved.version,
        title="Requirements change control (Atlas)",
        strategies="Pilot on Atlas for eight weeks.",
    )
    for reviewer in (grace, daniel):
        plan_review_decide(
            review=review_of(approved, reviewer, 2), actor=reviewer, decision="approved", comment=""
        )
    approved.refresh_from_db()
    plan_update(
        plan=approved,
        actor=process_group_member,
        expected_version=approved.version,
        risks="Projects under deadline pressure skip the reviews.\nReviewers on leave.",
    )

    assert list(PlanRevision.objects.filter(plan=approved).values_list("number", flat=True)) == [
        1,
        2,
        3,
    ]
    changes = plan_revisions_compare(plan=approved, older=1, newer=3)
    assert [c.field for c in changes] == [
        "title",
        *(name for name, _ in PLAN_FIELDS),
        "proposals",
    ]
    changed = {c.field: (c.old, c.new) for c in changes if c.changed}
    assert changed == {
        "title": ("Requirements change control", "Requirements change control (Atlas)"),
        "strategies": (CONTENT["strategies"], "Pilot on Atlas for eight weeks."),
        "risks": (CONTENT["risks"], f"{CONTENT['risks']}\nReviewers on leave."),
    }
    risks = next(c for c in changes if c.field == "risks")
    assert [(line.kind, line.text) for line in risks.lines] == [
        ("same", CONTENT["risks"]),
        ("added", "Reviewers on leave."),
    ]
    assert next(c for c in changes if c.field == "strategies").label == (
        "Strategies for piloting and implementing process actions"
    )


@pytest.mark.parametrize(("older", "newer", "field"), [(1, 9, "newer"), (0, 1, "older")])
def test_comparing_a_revision_the_plan_does_not_have_is_refused(
    plan: ActionPlan, older: int, newer: int, field: str
) -> None:
    with pytest.raises(ImprovementError) as caught:
        plan_revisions_compare(plan=plan, older=older, newer=newer)

    assert caught.value.field == field


def test_a_factory_plan_without_revision_row_gets_one_on_its_first_edit(
    process_group_member: Any,
) -> None:
    plan = ActionPlanFactory(owner=process_group_member)

    plan_update(plan=plan, actor=process_group_member, expected_version=1, risks="Some.")

    assert PlanRevision.objects.get(plan=plan).snapshot["risks"] == "Some."
