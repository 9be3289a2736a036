"""Confirming a deployment complete (seed 001 subpractice 7): what is missing, the
refusal, the completion, and the proposals it moves to deployed."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from tests.apps.deployments.test_results_fixtures import (
    activities,
    counts,
    deploying,
    proposal,
)
from tests.factories.deployments import DeploymentPlanFactory, TargetFactory
from uplift.apps.deployments.choices import PlanState, TargetStatus
from uplift.apps.deployments.errors import DeploymentError
from uplift.apps.deployments.models import DeploymentPlan, Target
from uplift.apps.deployments.services import results as services
from uplift.apps.improvements.choices import ProposalState
from uplift.apps.improvements.models import ProposalTransition

pytestmark = pytest.mark.django_db

__all__ = ["activities", "deploying", "proposal"]  # fixtures used by name


def close_targets(plan: DeploymentPlan) -> None:
    """beta confirmed, gamma opted out: nothing is missing any more."""
    plan.targets.filter(work_activity__slug="beta").update(status=TargetStatus.CONFIRMED)
    plan.targets.filter(work_activity__slug="gamma").update(
        status=TargetStatus.OPTED_OUT, status_reason="Its customer froze the process."
    )


# -- what is missing --------------------------------------------------------------------------


def test_the_missing_list_names_each_open_target_with_its_status(deploying):
    assert services.plan_confirmation_missing(deploying) == [
        "2 targets not confirmed: Beta (deployed), Gamma (preparing)"
    ]


def test_excluded_targets_are_not_missing_and_opted_out_ones_are_excused(deploying):
    close_targets(deploying)

    assert services.plan_confirmation_missing(deploying) == []


def test_a_plan_not_yet_deploying_or_without_targets_says_so(process_owner):
    plan = DeploymentPlanFactory(owner=process_owner, state=PlanState.AGREED)

    assert services.plan_confirmation_missing(plan) == [
        "The deployment has not started (agreed): start its first wave",
        "The plan has no targets",
    ]


def test_a_complete_plan_misses_nothing_and_a_cancelled_one_is_cancelled(process_owner):
    complete = DeploymentPlanFactory(owner=process_owner, state=PlanState.COMPLETE)
    cancelled = DeploymentPlanFactory(owner=process_owner, state=PlanState.CANCELLED)

    assert services.plan_confirmation_missing(complete) == []
    assert services.plan_confirmation_missing(cancelled) == [f"{cancelled.reference} is cancelled"]


# -- confirming -------------------------------------------------------------------------------


def test_confirmation_is_refused_listing_what_is_missing_then_accepted(deploying, process_owner):
    before = counts()

    with pytest.raises(DeploymentError) as refused:
        services.plan_confirm(plan=deploying, actor=process_owner)

    assert refused.value.message == (
        f"{deploying.reference} cannot be confirmed complete yet: 2 targets not confirmed: "
        "Beta (deployed), Gamma (preparing)."
    )
    assert counts() == before
    deploying.refresh_from_db()
    assert deploying.state == PlanState.DEPLOYING

    close_targets(deploying)
    version = deploying.version
    services.plan_confirm(plan=deploying, actor=process_owner)

    deploying.refresh_from_db()
    assert deploying.state == PlanState.COMPLETE
    assert deploying.completed_at is not None
    assert deploying.version == version + 1
    record = deploying.history.first()
    assert (record.history_user, record.history_change_reason) == (
        process_owner,
        "Deployment confirmed complete",
    )


def test_a_complete_plan_is_not_confirmed_again(deploying, process_owner):
    close_targets(deploying)
    services.plan_confirm(plan=deploying, actor=process_owner)

    with pytest.raises(DeploymentError) as refused:
        services.plan_confirm(plan=deploying, actor=process_owner)

    assert refused.value.message == f"{deploying.reference} is complete already."


@pytest.mark.parametrize("persona", ["practitioner", "project_manager", "sponsor"])
def test_only_plan_editors_confirm(deploying, persona, request):
    close_targets(deploying)
    actor = request.getfixturevalue(persona)
    before = counts()

    with pytest.raises(PermissionDenied):
        services.plan_confirm(plan=deploying, actor=actor)

    assert counts() == before
    deploying.refresh_from_db()
    assert deploying.state == PlanState.DEPLOYING


def test_the_process_group_confirming_marks_the_proposal_deployed(
    deploying, process_group_member, proposal
):
    close_targets(deploying)

    services.plan_confirm(plan=deploying, actor=process_group_member)

    proposal.refresh_from_db()
    assert proposal.state == ProposalState.DEPLOYED
    move = ProposalTransition.objects.get(proposal=proposal)
    assert (move.name, move.from_state, move.actor) == (
        "complete_deployment",
        ProposalState.DEPLOYING,
        process_group_member,
    )
    assert move.reason == f"{deploying.reference} confirmed complete."
    assert services.plan_proposals_pending(deploying, process_group_member) == []


def test_a_process_owner_confirms_but_the_proposal_stays_deploying_and_says_why(
    deploying, process_owner, proposal
):
    close_targets(deploying)

    services.plan_confirm(plan=deploying, actor=process_owner)

    proposal.refresh_from_db()
    assert proposal.state == ProposalState.DEPLOYING
    assert services.plan_proposals_pending(deploying, process_owner) == [
        f"{proposal.reference} stays deploying: marking it deployed needs the permission "
        "improvements.decide_proposal (the process group)."
    ]


def test_a_proposal_another_open_plan_deploys_stays_deploying(
    deploying, process_group_member, proposal
):
    other = DeploymentPlanFactory(state=PlanState.DEPLOYING)
    other.proposals.add(proposal)
    close_targets(deploying)

    services.plan_confirm(plan=deploying, actor=process_group_member)

    proposal.refresh_from_db()
    assert proposal.state == ProposalState.DEPLOYING
    assert services.plan_proposals_pending(deploying, process_group_member) == [
        f"{proposal.reference} stays deploying: {other.reference} still deploys it."
    ]


# -- the page ---------------------------------------------------------------------------------


def url(plan: DeploymentPlan) -> str:
    return reverse("deployments:plan_confirm", args=[plan.pk])


def test_anonymous_visitors_are_sent_to_sign_in(anonymous, deploying):
    response = anonymous.get(url(deploying))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_users_without_a_role_are_refused(client_for, outsider, deploying):
    assert client_for(outsider).get(url(deploying)).status_code == 403


def test_the_page_always_shows_what_is_missing(client_for, practitioner, deploying):
    page = client_for(practitioner).get(url(deploying)).content.decode()

    assert "Not ready" in page
    assert "2 targets not confirmed: Beta (deployed), Gamma (preparing)." in page
    assert "Confirm the deployment complete" not in page


def test_a_practitioner_may_not_confirm(client_for, practitioner, deploying):
    close_targets(deploying)
    before = counts()

    response = client_for(practitioner).post(url(deploying))

    assert response.status_code == 403
    assert counts() == before


def test_the_owner_is_refused_with_the_missing_list_then_confirms(
    client_for, process_owner, deploying
):
    client = client_for(process_owner)

    refused = client.post(url(deploying))
    close_targets(deploying)
    ready = client.get(url(deploying)).content.decode()
    confirmed = client.post(url(deploying), follow=True)

    assert refused.status_code == 400
    assert "cannot be confirmed complete yet: 2 targets not confirmed" in refused.content.decode()
    assert "Nothing is missing: all 3 targets are confirmed or opted out." in ready
    assert "Its customer froze the process." in ready
    assert confirmed.redirect_chain[-1][1] == 302
    text = confirmed.content.decode()
    assert f"{deploying.reference} is confirmed complete." in text
    assert "stays deploying: marking it deployed needs the permission" in text
    deploying.refresh_from_db()
    assert deploying.state == PlanState.COMPLETE


def test_an_extra_target_added_later_keeps_the_plan_open(deploying, process_owner):
    close_targets(deploying)
    TargetFactory(plan=deploying, work_activity__name="Latecomer")

    assert services.plan_confirmation_missing(deploying) == [
        "1 target not confirmed: Latecomer (not started)"
    ]
    assert Target.objects.filter(plan=deploying, excluded=False).count() == 4
