"""The deployment plans API: list, read, write, sign-offs, revisions, status, cancel,
confirm and the targets' refresh (/api/deployments/plans/).

Personas: see ``test_deployment_fixtures``. A refused write is a 403 (or 400, 404, 409)
and nothing changes (rows and history). Responses are checked against the OpenAPI
document drf-spectacular builds from the code.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.serializers.json import DjangoJSONEncoder
from rest_framework.test import APIClient

from tests.api import test_deployment_fixtures as fixtures
from tests.api.test_deployment_fixtures import (
    CHANGE,
    DENIED,
    PLANS,
    add_target,
    api,
    assert_documented,
    deployed_plan,
    fields,
)
from tests.factories.improvements import ProposalFactory
from tests.factories.organization import OrganizationalUnitFactory, WorkActivityFactory
from uplift.apps.deployments.choices import (
    GateCriterionKind,
    PlanState,
    SignOffDecision,
    TargetStatus,
    WaveKind,
)
from uplift.apps.deployments.models import DeploymentPlan, PlanRevision, SignOff, Target
from uplift.apps.deployments.selectors import plan_status
from uplift.apps.deployments.services.results import result_evaluate
from uplift.apps.deployments.services.targeting import plan_rule_set
from uplift.apps.deployments.services.waves import gate_criterion_add, wave_create
from uplift.apps.improvements.choices import ProposalState

pytestmark = pytest.mark.django_db

process_owner = fixtures.process_owner
sponsor = fixtures.sponsor
plan = fixtures.plan
agreed = fixtures.agreed


def counts() -> tuple[int, ...]:
    return (
        DeploymentPlan.objects.count(),
        DeploymentPlan.history.count(),
        PlanRevision.objects.count(),
        SignOff.objects.count(),
        Target.objects.count(),
    )


def detail(plan: DeploymentPlan, suffix: str = "") -> str:
    return f"{PLANS}{plan.pk}/{suffix}"


# --- who may read ---------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", "{pk}/", "{pk}/status/", "{pk}/revisions/"])
def test_anonymous_and_roleless_users_are_refused(
    anonymous: APIClient, outsider: APIClient, plan: DeploymentPlan, suffix: str
) -> None:
    url = PLANS + suffix.format(pk=plan.pk)

    assert anonymous.get(url).status_code == 403
    response = outsider.get(url)
    assert response.status_code == 403
    assert response.json() == {"detail": DENIED, "errors": []}


def test_a_practitioner_reads_the_list_and_a_plan(practitioner: User, plan: DeploymentPlan) -> None:
    client = api(practitioner)

    listed = client.get(PLANS)
    shown = client.get(detail(plan))

    assert listed.status_code == 200
    assert_documented(listed, "/api/deployments/plans/")
    assert [row["reference"] for row in listed.json()["results"]] == [plan.reference]
    assert shown.status_code == 200
    assert_documented(shown, "/api/deployments/plans/{id}/")
    body = shown.json()
    assert (body["state"], body["revision"], body["version"], body["owner"]) == (
        "draft",
        1,
        plan.version,
        "process.owner",
    )
    assert body["signoff"]["agreed"] is False
    assert [p["title"] for p in body["proposals"]] == ["Peer reviews"]
    assert body["drift"] == {"added": [], "gone": [], "back": []}


def test_the_list_filters_by_state_and_refuses_an_unknown_ordering(
    practitioner: User, plan: DeploymentPlan, agreed: DeploymentPlan
) -> None:
    client = api(practitioner)

    in_agreement = client.get(PLANS, {"state": "agreed"})
    bad_ordering = client.get(PLANS, {"ordering": "owner__password"})

    assert [row["id"] for row in in_agreement.json()["results"]] == [agreed.pk]
    assert bad_ordering.status_code == 400
    assert fields(bad_ordering) == ["ordering"]


def test_an_unknown_plan_is_a_404(practitioner: User, process_owner: User) -> None:
    assert api(practitioner).get(f"{PLANS}999999/").status_code == 404
    assert api(practitioner).get(f"{PLANS}999999/status/").status_code == 404
    response = api(process_owner).patch(f"{PLANS}999999/", {"version": 1}, format="json")
    assert response.status_code == 404
    assert_documented(response, "/api/deployments/plans/{id}/", "patch")


def test_the_status_is_the_plan_status_json(
    practitioner: User, process_owner: User, sponsor: User
) -> None:
    measured = deployed_plan(process_owner, sponsor)
    result_evaluate(plan=measured, actor=process_owner)
    later = wave_create(
        plan=measured,
        actor=process_owner,
        name="Later",
        kind=WaveKind.WAVE,
        planned_start=CHANGE,
        planned_end=CHANGE,
    )
    gate_criterion_add(
        wave=later, actor=process_owner, kind=GateCriterionKind.TRAINING_COMPLETION, threshold=80
    )
    measured.refresh_from_db()

    response = api(practitioner).get(detail(measured, "status/"))

    assert response.status_code == 200
    assert_documented(response, "/api/deployments/plans/{id}/status/")
    body = response.json()
    assert body == json_ready(plan_status(measured).as_json())
    assert (body["plan"], body["state"], body["targets"][TargetStatus.DEPLOYED]) == (
        measured.reference,
        "deploying",
        2,
    )
    assert [(w["name"], w["gate"]["passed"]) for w in body["waves"]] == [
        ("Pilot", True),
        ("Later", None),
    ]
    assert [r["measure"] for r in body["results"]] == ["cycle-time"]


def json_ready(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


# --- writing a plan -------------------------------------------------------------------------


def test_a_process_owner_plans_a_deployment(process_owner: User) -> None:
    proposal = ProposalFactory(state=ProposalState.SELECTED_FOR_DEPLOYMENT, title="Reviews")

    response = api(process_owner).post(
        PLANS,
        {
            "title": "Reviews in every project",
            "proposals": [proposal.pk],
            "adjustment": "Lighter reviews for maintenance work.",
            "planned_start": "2026-02-02",
            "planned_end": "2026-09-30",
            "payback_target_months": 12,
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert_documented(response, "/api/deployments/plans/", "post")
    plan = DeploymentPlan.objects.get()
    body = response.json()
    assert (body["id"], body["reference"], body["state"], body["owner"]) == (
        plan.pk,
        f"DEP-{plan.pk}",
        "draft",
        "process.owner",
    )
    assert (plan.adjustment, plan.payback_target_months) == (
        "Lighter reviews for maintenance work.",
        12,
    )
    assert list(plan.proposals.all()) == [proposal]


def test_a_practitioner_cannot_plan_a_deployment_and_nothing_is_written(
    practitioner: User,
) -> None:
    proposal = ProposalFactory(state=ProposalState.SELECTED_FOR_DEPLOYMENT)
    before = counts()

    response = api(practitioner).post(
        PLANS, {"title": "Mine", "proposals": [proposal.pk]}, format="json"
    )

    assert response.status_code == 403
    assert counts() == before


def test_a_plan_without_title_or_for_an_unselected_proposal_is_a_400(
    process_owner: User,
) -> None:
    submitted = ProposalFactory(state=ProposalState.SUBMITTED)
    before = counts()

    no_title = api(process_owner).post(PLANS, {"proposals": [submitted.pk]}, format="json")
    unselected = api(process_owner).post(
        PLANS, {"title": "Too early", "proposals": [submitted.pk]}, format="json"
    )

    assert no_title.status_code == 400
    assert fields(no_title) == ["title"]
    assert unselected.status_code == 400
    assert_documented(unselected, "/api/deployments/plans/", "post")
    assert fields(unselected) == ["proposals"]
    assert counts() == before


def test_a_change_needs_the_version_it_started_from(
    process_owner: User, plan: DeploymentPlan
) -> None:
    response = api(process_owner).patch(detail(plan), {"title": "New"}, format="json")

    assert response.status_code == 400
    assert fields(response) == ["version"]


def test_a_draft_is_changed_in_place(process_owner: User, plan: DeploymentPlan) -> None:
    response = api(process_owner).patch(
        detail(plan),
        {"version": plan.version, "schedule_notes": "Pilot in March."},
        format="json",
    )

    assert response.status_code == 200
    assert_documented(response, "/api/deployments/plans/{id}/", "patch")
    plan.refresh_from_db()
    assert (plan.schedule_notes, plan.revision) == ("Pilot in March.", 1)
    assert response.json()["version"] == plan.version


def test_the_second_of_two_simultaneous_edits_is_a_409_and_nothing_changes(
    process_owner: User, process_group_member: User, plan: DeploymentPlan
) -> None:
    started_from = plan.version
    first = api(process_owner).patch(
        detail(plan), {"version": started_from, "adjustment": "First."}, format="json"
    )
    before = counts()

    second = api(process_group_member).patch(
        detail(plan), {"version": started_from, "adjustment": "Second."}, format="json"
    )

    assert first.status_code == 200
    assert second.status_code == 409
    assert_documented(second, "/api/deployments/plans/{id}/", "patch")
    assert fields(second) == ["version"]
    plan.refresh_from_db()
    assert plan.adjustment == "First."
    assert counts() == before


def test_someone_who_may_not_edit_the_plan_gets_403_and_nothing_changes(
    practitioner: User, sponsor: User, plan: DeploymentPlan
) -> None:
    before = counts()

    for user in (practitioner, sponsor):
        response = api(user).patch(
            detail(plan), {"version": plan.version, "title": "Hijacked"}, format="json"
        )
        assert response.status_code == 403
        assert_documented(response, "/api/deployments/plans/{id}/", "patch")

    plan.refresh_from_db()
    assert plan.title == "Peer reviews everywhere"
    assert counts() == before


def test_changing_an_agreed_plan_makes_a_new_revision_and_asks_again(
    process_owner: User, agreed: DeploymentPlan
) -> None:
    response = api(process_owner).patch(
        detail(agreed),
        {
            "version": agreed.version,
            "risk_strategies": "Coach the late adopters.",
            "reason": "Risk",
        },
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["revision"], body["state"]) == (2, "in_review")
    assert body["signoff"]["agreed"] is False
    assert body["signoff"]["waiting"] == ["Helen"]
    assert list(agreed.signoffs.order_by("revision").values_list("revision", "decision")) == [
        (1, SignOffDecision.AGREED),
        (2, SignOffDecision.PENDING),
    ]
    revisions = api(process_owner).get(detail(agreed, "revisions/"))
    assert_documented(revisions, "/api/deployments/plans/{id}/revisions/")
    assert [row["number"] for row in revisions.json()] == [1, 2]
    compared = api(process_owner).get(detail(agreed, "compare/"), {"older": 1, "newer": 2})
    assert compared.status_code == 200
    assert_documented(compared, "/api/deployments/plans/{id}/compare/")
    assert [c["field"] for c in compared.json()["changes"] if c["changed"]] == ["risk_strategies"]


def test_comparing_a_revision_the_plan_does_not_have_is_a_400(
    practitioner: User, plan: DeploymentPlan
) -> None:
    response = api(practitioner).get(detail(plan, "compare/"), {"older": 1, "newer": 5})

    assert response.status_code == 400
    assert fields(response) == ["newer"]


# --- sign-off -------------------------------------------------------------------------------


def test_the_owner_asks_the_stakeholders_and_the_plan_is_in_review(
    process_owner: User, plan: DeploymentPlan
) -> None:
    response = api(process_owner).post(detail(plan, "signoff-request/"), {}, format="json")

    assert response.status_code == 201
    assert_documented(response, "/api/deployments/plans/{id}/signoff-request/", "post")
    assert [(row["stakeholder"], row["decision"]) for row in response.json()] == [
        ("sponsor", "pending")
    ]
    plan.refresh_from_db()
    assert plan.state == PlanState.IN_REVIEW


def test_asking_someone_who_is_no_stakeholder_is_a_400(
    process_owner: User, process_group_member: User, plan: DeploymentPlan
) -> None:
    before = counts()

    response = api(process_owner).post(
        detail(plan, "signoff-request/"),
        {"stakeholders": ["process.group"]},
        format="json",
    )

    assert response.status_code == 400
    assert fields(response) == ["stakeholders"]
    assert counts() == before


def test_a_practitioner_cannot_ask_for_sign_offs(practitioner: User, plan: DeploymentPlan) -> None:
    before = counts()

    response = api(practitioner).post(detail(plan, "signoff-request/"), {}, format="json")

    assert response.status_code == 403
    assert counts() == before


def _asked(plan: DeploymentPlan, owner: User) -> SignOff:
    api(owner).post(detail(plan, "signoff-request/"), {}, format="json")
    return SignOff.objects.get(plan=plan)


def test_the_sponsor_agrees_and_the_plan_is_agreed(
    process_owner: User, sponsor: User, plan: DeploymentPlan
) -> None:
    signoff = _asked(plan, process_owner)

    response = api(sponsor).post(
        detail(plan, f"signoffs/{signoff.pk}/decide/"),
        {"decision": "agreed"},
        format="json",
    )

    assert response.status_code == 200
    assert_documented(response, "/api/deployments/plans/{id}/signoffs/{signoff_id}/decide/", "post")
    assert response.json()["decision"] == "agreed"
    plan.refresh_from_db()
    assert plan.state == PlanState.AGREED
    listed = api(sponsor).get(detail(plan, "signoffs/"))
    assert_documented(listed, "/api/deployments/plans/{id}/signoffs/")
    assert [row["decision"] for row in listed.json()] == ["agreed"]


def test_nobody_but_the_stakeholder_asked_may_decide_and_nothing_changes(
    process_owner: User, practitioner: User, plan: DeploymentPlan
) -> None:
    signoff = _asked(plan, process_owner)
    before = counts()

    for user in (practitioner, process_owner):
        response = api(user).post(
            detail(plan, f"signoffs/{signoff.pk}/decide/"),
            {"decision": "agreed"},
            format="json",
        )
        assert response.status_code == 403

    signoff.refresh_from_db()
    assert signoff.decision == SignOffDecision.PENDING
    assert counts() == before


def test_objecting_needs_a_comment(
    process_owner: User, sponsor: User, plan: DeploymentPlan
) -> None:
    signoff = _asked(plan, process_owner)

    response = api(sponsor).post(
        detail(plan, f"signoffs/{signoff.pk}/decide/"),
        {"decision": "objected"},
        format="json",
    )

    assert response.status_code == 400
    assert fields(response) == ["comment"]
    signoff.refresh_from_db()
    assert signoff.decision == SignOffDecision.PENDING


def test_a_sign_off_of_another_plan_is_a_404(
    process_owner: User, sponsor: User, plan: DeploymentPlan, agreed: DeploymentPlan
) -> None:
    other = SignOff.objects.get(plan=agreed)

    response = api(sponsor).post(
        detail(plan, f"signoffs/{other.pk}/decide/"),
        {"decision": "agreed"},
        format="json",
    )

    assert response.status_code == 404


# --- cancel, confirm, refresh ---------------------------------------------------------------


def test_cancelling_needs_a_reason(process_owner: User, plan: DeploymentPlan) -> None:
    missing = api(process_owner).post(detail(plan, "cancel/"), {}, format="json")
    done = api(process_owner).post(
        detail(plan, "cancel/"), {"reason": "The proposal was dropped."}, format="json"
    )

    assert missing.status_code == 400
    assert fields(missing) == ["reason"]
    assert done.status_code == 200
    assert_documented(done, "/api/deployments/plans/{id}/cancel/", "post")
    assert done.json()["state"] == "cancelled"


def test_a_practitioner_cannot_cancel(practitioner: User, plan: DeploymentPlan) -> None:
    before = counts()

    response = api(practitioner).post(detail(plan, "cancel/"), {"reason": "No."}, format="json")

    assert response.status_code == 403
    plan.refresh_from_db()
    assert plan.state == PlanState.DRAFT
    assert counts() == before


def test_confirming_an_unfinished_deployment_lists_what_is_missing(
    process_owner: User, agreed: DeploymentPlan
) -> None:
    add_target(agreed, "Alpha", actor=process_owner)
    agreed.refresh_from_db()
    state, before = agreed.state, counts()

    response = api(process_owner).post(detail(agreed, "confirm/"), {}, format="json")

    assert response.status_code == 400
    assert_documented(response, "/api/deployments/plans/{id}/confirm/", "post")
    ((_, message),) = fixtures.problems(response)
    assert "Alpha" in message
    agreed.refresh_from_db()
    assert agreed.state == state
    assert counts() == before


def test_refreshing_adds_the_rule_s_new_matches(process_owner: User, plan: DeploymentPlan) -> None:
    unit = OrganizationalUnitFactory(slug="product-engineering", name="Product Engineering")
    WorkActivityFactory(name="Alpha", slug="alpha", unit=unit)
    plan_rule_set(plan=plan, actor=process_owner, rule={"unit": ["product-engineering"]})
    WorkActivityFactory(name="Bravo", slug="bravo", unit=unit)
    plan.refresh_from_db()

    shown = api(process_owner).get(detail(plan))
    refreshed = api(process_owner).post(detail(plan, "refresh-targets/"), {}, format="json")

    assert [row["work_activity"] for row in shown.json()["drift"]["added"]] == ["bravo"]
    assert refreshed.status_code == 200
    assert_documented(refreshed, "/api/deployments/plans/{id}/refresh-targets/", "post")
    assert [row["work_activity"] for row in refreshed.json()["added"]] == ["bravo"]
    assert sorted(plan.targets.values_list("work_activity__slug", flat=True)) == [
        "alpha",
        "bravo",
    ]


def test_a_practitioner_cannot_refresh_the_targets(
    practitioner: User, process_owner: User, plan: DeploymentPlan
) -> None:
    WorkActivityFactory(name="Alpha", slug="alpha", activity_type="cots_integration")
    plan_rule_set(plan=plan, actor=process_owner, rule={"activity_type": ["cots_integration"]})
    WorkActivityFactory(name="Bravo", slug="bravo", activity_type="cots_integration")
    before = counts()

    response = api(practitioner).post(detail(plan, "refresh-targets/"), {}, format="json")

    assert response.status_code == 403
    assert counts() == before
