"""The process action plans API: plans, reviews, decisions, revisions, comparison.

Personas: anonymous; a signed-in user with no role; the practitioner (reads); the
process group member (writes plans, asks for reviews); Grace Okafor (process owner)
and Daniel Reyes (project manager), the stakeholders asked to review; Rajiv (steering
committee), who may review plans but is not asked. Responses are checked against the
OpenAPI document drf-spectacular builds from the code.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from rest_framework.test import APIClient

from tests.api.schema import _to_json_schema
from tests.factories.improvements import ProposalFactory
from uplift.apps.accounts.roles import Role
from uplift.apps.improvements.choices import PlanState, ProposalState, ReviewDecision
from uplift.apps.improvements.models import PLAN_FIELDS, ActionPlan, PlanRevision, ReviewRequest
from uplift.apps.improvements.services.plans import (
    plan_create,
    plan_request_review,
    plan_review_decide,
    plan_snapshot,
)

pytestmark = pytest.mark.django_db

PLANS = "/api/improvements/plans/"
BASE = "urn:uplift-improvement-plans-openapi"
CONTENT = {
    "objectives": "Cut requirements defects found in test by a quarter by June.",
    "strategies": "Pilot on two projects for eight weeks, then roll out by unit.",
    "risks": "Projects under deadline pressure skip the reviews.",
}


@cache
def _document() -> dict[str, Any]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(json.dumps(schema, default=str))


def assert_documented(response: Any, path: str, method: str = "get") -> None:
    """The response's status is documented for ``path`` and its body matches."""
    document = _document()
    operation = document["paths"][path][method]
    schema = operation["responses"][str(response.status_code)]["content"]["application/json"][
        "schema"
    ]
    text = json.dumps(_to_json_schema(schema)).replace('"#/components/', f'"{BASE}#/components/')
    components = _to_json_schema(document["components"])
    registry = Registry().with_resource(
        BASE, Resource.from_contents({"components": components}, default_specification=DRAFT202012)
    )
    validator = Draft202012Validator(json.loads(text), registry=registry)
    errors = sorted(validator.iter_errors(response.json()), key=lambda error: error.path)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def _client(user: Any = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def _problem(response: Any) -> list[tuple[str | None, str]]:
    body = response.json()
    assert set(body) == {"detail", "errors"}
    return [(item["field"], item["message"]) for item in body["errors"]]


@pytest.fixture
def writer(make_user: Any) -> Any:
    return make_user(Role.PROCESS_GROUP, username="process.group", first_name="Priya")


@pytest.fixture
def grace(make_user: Any) -> Any:
    return make_user(Role.PROCESS_OWNER, username="grace", first_name="Grace", last_name="Okafor")


@pytest.fixture
def daniel(make_user: Any) -> Any:
    return make_user(
        Role.PROJECT_MANAGER, username="daniel", first_name="Daniel", last_name="Reyes"
    )


@pytest.fixture
def steering(make_user: Any) -> Any:
    return make_user(Role.STEERING_COMMITTEE, username="rajiv", first_name="Rajiv")


@pytest.fixture
def reader(make_user: Any) -> Any:
    return make_user(Role.PRACTITIONER, username="pat", first_name="Pat", last_name="Quinn")


@pytest.fixture
def selected() -> Any:
    return ProposalFactory(
        title="Review requirement changes", state=ProposalState.SELECTED_FOR_VALIDATION
    )


@pytest.fixture
def plan(writer: Any, selected: Any) -> ActionPlan:
    return plan_create(
        actor=writer,
        title="Requirements change control",
        owner=writer,
        proposals=[selected],
        **CONTENT,
    )


@pytest.fixture
def in_review(plan: ActionPlan, writer: Any, grace: Any, daniel: Any) -> ActionPlan:
    plan_request_review(plan=plan, actor=writer, reviewers=[(grace, True), (daniel, True)])
    plan.refresh_from_db()
    return plan


@pytest.fixture
def approved(in_review: ActionPlan, grace: Any, daniel: Any) -> ActionPlan:
    for reviewer in (grace, daniel):
        plan_review_decide(
            review=review_of(in_review, reviewer), actor=reviewer, decision="approved", comment=""
        )
    in_review.refresh_from_db()
    return in_review


def review_of(plan: ActionPlan, reviewer: Any, revision: int | None = None) -> ReviewRequest:
    number = plan.revision if revision is None else revision
    return ReviewRequest.objects.get(plan=plan, revision=number, reviewer=reviewer)


def frozen(plan: ActionPlan) -> tuple[Any, ...]:
    plan = ActionPlan.objects.get(pk=plan.pk)
    reviews = tuple(
        ReviewRequest.objects.order_by("pk").values_list("revision", "decision", "comment")
    )
    return (
        plan.state,
        plan.revision,
        plan.version,
        plan_snapshot(plan),
        reviews,
        PlanRevision.objects.count(),
        plan.history.count(),
    )


def detail(plan: ActionPlan) -> str:
    return f"{PLANS}{plan.pk}/"


def decide_url(plan: ActionPlan, review: ReviewRequest) -> str:
    return f"{PLANS}{plan.pk}/reviews/{review.pk}/decide/"


# -- access -------------------------------------------------------------------------------------


def test_anonymous_and_roleless_users_are_refused(plan: ActionPlan, make_user: Any) -> None:
    nobody = _client(make_user(username="nobody"))
    paths = [
        PLANS,
        detail(plan),
        f"{detail(plan)}reviews/",
        f"{detail(plan)}revisions/",
        f"{detail(plan)}compare/?older=1&newer=1",
    ]

    for path in paths:
        assert _client().get(path).status_code == 403, path
        assert nobody.get(path).status_code == 403, path


def test_a_practitioner_reads_plans(reader: Any, in_review: ActionPlan) -> None:
    client = _client(reader)

    listed = client.get(PLANS)
    one = client.get(detail(in_review))

    assert listed.status_code == 200
    assert_documented(listed, "/api/improvements/plans/")
    assert [row["reference"] for row in listed.json()["results"]] == [in_review.reference]
    assert one.status_code == 200
    assert_documented(one, "/api/improvements/plans/{id}/")


# -- reading ----------------------------------------------------------------------------------


def test_a_plan_has_its_nine_items_proposals_state_revision_version_and_approval(
    reader: Any, in_review: ActionPlan, selected: Any
) -> None:
    body = _client(reader).get(detail(in_review)).json()

    assert [name for name, _ in PLAN_FIELDS if name in body] == [name for name, _ in PLAN_FIELDS]
    assert body["strategies"] == CONTENT["strategies"]
    assert body["proposals"] == [
        {
            "id": selected.pk,
            "reference": selected.reference,
            "title": selected.title,
            "state": "selected_for_validation",
        }
    ]
    assert (body["state"], body["revision"], body["version"]) == ("in_review", 1, 2)
    approval = body["approval"]
    assert approval["approved"] is False
    assert approval["missing"] == ["grace", "daniel"]
    assert approval["summary"] == (
        "Revision 1 is not approved yet: waiting for Grace Okafor and Daniel Reyes."
    )
    assert [(r["reviewer"], r["decision"]) for r in approval["reviewers"]] == [
        ("grace", "pending"),
        ("daniel", "pending"),
    ]


def test_the_list_filters_by_state_owner_and_text(
    reader: Any, writer: Any, grace: Any, plan: ActionPlan, selected: Any
) -> None:
    other = plan_create(
        actor=writer, title="Estimation checklist", owner=grace, proposals=[selected]
    )
    client = _client(reader)

    def ids(query: str) -> list[int]:
        response = client.get(PLANS + query)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids("?owner=grace") == [other.pk]
    assert ids("?q=estimation") == [other.pk]
    assert ids(f"?q={plan.reference}") == [plan.pk]
    assert ids("?state=draft&ordering=id") == [plan.pk, other.pk]
    assert ids("?state=approved") == []
    assert client.get(PLANS + "?state=lost").status_code == 400


def test_the_list_needs_a_bounded_number_of_queries(
    reader: Any, writer: Any, selected: Any, django_assert_max_num_queries: Any
) -> None:
    for number in range(6):
        plan_create(actor=writer, title=f"Plan {number}", owner=writer, proposals=[selected])
    client = _client(reader)

    with django_assert_max_num_queries(8):
        response = client.get(PLANS)

    assert len(response.json()["results"]) == 6


# -- creating ---------------------------------------------------------------------------------


def test_the_process_group_writes_a_plan(writer: Any, selected: Any) -> None:
    response = _client(writer).post(
        PLANS,
        {
            "title": "Peer reviews of requirements",
            "owner": "process.group",
            "proposals": [selected.pk],
            "risks": "Reviewers on leave.",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert_documented(response, "/api/improvements/plans/", "post")
    body = response.json()
    assert (body["state"], body["revision"], body["version"]) == ("draft", 1, 1)
    assert body["risks"] == "Reviewers on leave."
    assert PlanRevision.objects.filter(plan_id=body["id"], number=1).exists()


def test_a_practitioner_cannot_write_a_plan(reader: Any, selected: Any) -> None:
    response = _client(reader).post(
        PLANS,
        {"title": "Mine", "owner": "pat", "proposals": [selected.pk]},
        format="json",
    )

    assert response.status_code == 403
    assert not ActionPlan.objects.exists()


def test_a_plan_for_an_unselected_proposal_is_refused(writer: Any) -> None:
    submitted = ProposalFactory(state=ProposalState.SUBMITTED)

    response = _client(writer).post(
        PLANS,
        {"title": "Too early", "owner": "process.group", "proposals": [submitted.pk]},
        format="json",
    )

    assert response.status_code == 400
    assert [field for field, _ in _problem(response)] == ["proposals"]
    assert not ActionPlan.objects.exists()


# -- changing ---------------------------------------------------------------------------------


def test_a_change_needs_the_version_it_started_from(writer: Any, plan: ActionPlan) -> None:
    before = frozen(plan)

    response = _client(writer).patch(detail(plan), {"risks": "None."}, format="json")

    assert response.status_code == 400
    assert [field for field, _ in _problem(response)] == ["version"]
    assert frozen(plan) == before


def test_a_draft_is_changed_in_place(writer: Any, plan: ActionPlan) -> None:
    response = _client(writer).patch(
        detail(plan), {"version": 1, "risks": "Reviewers on leave."}, format="json"
    )

    assert response.status_code == 200
    assert_documented(response, "/api/improvements/plans/{id}/", "patch")
    body = response.json()
    assert (body["revision"], body["version"], body["risks"]) == (1, 2, "Reviewers on leave.")


def test_the_second_of_two_simultaneous_edits_is_a_409_and_nothing_changes(
    writer: Any, grace: Any, plan: ActionPlan
) -> None:
    first = _client(grace).patch(
        detail(plan), {"version": 1, "objectives": "First."}, format="json"
    )
    assert first.status_code == 200
    before = frozen(plan)

    response = _client(writer).patch(
        detail(plan), {"version": 1, "objectives": "Second."}, format="json"
    )

    assert response.status_code == 409
    assert_documented(response, "/api/improvements/plans/{id}/", "patch")
    assert "changed by Grace Okafor" in response.json()["detail"]
    assert _problem(response)[0][0] == "version"
    assert frozen(plan) == before
    assert ActionPlan.objects.get(pk=plan.pk).objectives == "First."


def test_someone_who_may_not_edit_the_plan_gets_403(
    steering: Any, reader: Any, plan: ActionPlan
) -> None:
    before = frozen(plan)

    for person in (steering, reader):
        response = _client(person).patch(
            detail(plan), {"version": 1, "risks": "None."}, format="json"
        )
        assert response.status_code == 403

    assert frozen(plan) == before


def test_changing_an_approved_plan_makes_a_new_revision_and_asks_again(
    writer: Any, approved: ActionPlan, grace: Any, daniel: Any
) -> None:
    response = _client(writer).patch(
        detail(approved),
        {
            "version": approved.version,
            "strategies": "Pilot on Atlas for eight weeks.",
            "reason": "The pilot moves to Atlas.",
        },
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["revision"], body["state"]) == (2, "in_review")
    assert body["approval"]["reapproval"] == {
        "revision": 2,
        "previous": 1,
        "changed": ["Strategies for piloting and implementing process actions"],
        "reason": "The pilot moves to Atlas.",
    }
    assert {
        (r.reviewer, r.required, r.decision) for r in ReviewRequest.objects.filter(revision=2)
    } == {(grace, True, ReviewDecision.PENDING), (daniel, True, ReviewDecision.PENDING)}
    assert set(ReviewRequest.objects.filter(revision=1).values_list("decision", flat=True)) == {
        ReviewDecision.APPROVED
    }


# -- reviews -----------------------------------------------------------------------------------


def test_asking_two_stakeholders_to_review(
    writer: Any, plan: ActionPlan, grace: Any, daniel: Any
) -> None:
    response = _client(writer).post(
        f"{detail(plan)}reviews/",
        {"reviewers": [{"reviewer": "grace", "required": True}, {"reviewer": "daniel"}]},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert_documented(response, "/api/improvements/plans/{id}/reviews/", "post")
    assert [(r["reviewer"], r["revision"], r["required"]) for r in response.json()] == [
        ("grace", 1, True),
        ("daniel", 1, True),
    ]
    plan.refresh_from_db()
    assert plan.state == PlanState.IN_REVIEW
    listed = _client(writer).get(f"{detail(plan)}reviews/")
    assert_documented(listed, "/api/improvements/plans/{id}/reviews/")
    assert len(listed.json()) == 2


def test_a_practitioner_is_never_asked_to_review(
    writer: Any, plan: ActionPlan, reader: Any
) -> None:
    response = _client(writer).post(
        f"{detail(plan)}reviews/",
        {"reviewers": [{"reviewer": "pat", "required": True}]},
        format="json",
    )

    assert response.status_code == 400
    assert_documented(response, "/api/improvements/plans/{id}/reviews/", "post")
    [(field, message)] = _problem(response)
    assert field == "reviewers"
    assert message.startswith("Pat Quinn may not review process action plans")
    assert not ReviewRequest.objects.exists()


def test_someone_who_may_not_edit_the_plan_cannot_ask_for_reviews(
    steering: Any, reader: Any, plan: ActionPlan, grace: Any
) -> None:
    before = frozen(plan)

    for person in (steering, reader):
        response = _client(person).post(
            f"{detail(plan)}reviews/",
            {"reviewers": [{"reviewer": "grace", "required": True}]},
            format="json",
        )
        assert response.status_code == 403

    assert frozen(plan) == before


def test_two_stakeholders_approve_and_the_plan_is_approved(
    in_review: ActionPlan, grace: Any, daniel: Any
) -> None:
    for reviewer in (grace, daniel):
        response = _client(reviewer).post(
            decide_url(in_review, review_of(in_review, reviewer)),
            {"decision": "approved", "comment": "Fine."},
            format="json",
        )
        assert response.status_code == 200, response.json()
        assert_documented(
            response, "/api/improvements/plans/{id}/reviews/{review_id}/decide/", "post"
        )
        assert response.json()["decision"] == "approved"

    in_review.refresh_from_db()
    assert in_review.state == PlanState.APPROVED


def test_a_practitioner_cannot_approve_and_nothing_changes(
    in_review: ActionPlan, grace: Any, reader: Any
) -> None:
    before = frozen(in_review)

    response = _client(reader).post(
        decide_url(in_review, review_of(in_review, grace)), {"decision": "approved"}, format="json"
    )

    assert response.status_code == 403
    assert_documented(response, "/api/improvements/plans/{id}/reviews/{review_id}/decide/", "post")
    assert frozen(in_review) == before


def test_a_stakeholder_not_asked_cannot_approve(
    in_review: ActionPlan, grace: Any, steering: Any
) -> None:
    before = frozen(in_review)

    response = _client(steering).post(
        decide_url(in_review, review_of(in_review, grace)), {"decision": "approved"}, format="json"
    )

    assert response.status_code == 403
    assert "not asked to review" in response.json()["detail"]
    assert frozen(in_review) == before


def test_a_request_for_revision_1_cannot_approve_revision_2(
    writer: Any, in_review: ActionPlan, daniel: Any
) -> None:
    old = review_of(in_review, daniel, 1)
    changed = _client(writer).patch(
        detail(in_review), {"version": in_review.version, "risks": "New."}, format="json"
    )
    assert changed.json()["revision"] == 2
    before = frozen(in_review)

    response = _client(daniel).post(
        decide_url(in_review, old), {"decision": "approved"}, format="json"
    )

    assert response.status_code == 403
    assert frozen(in_review) == before


def test_requesting_changes_needs_a_comment(in_review: ActionPlan, grace: Any) -> None:
    response = _client(grace).post(
        decide_url(in_review, review_of(in_review, grace)),
        {"decision": "changes_requested"},
        format="json",
    )

    assert response.status_code == 400
    assert _problem(response) == [("comment", "Say which changes you need.")]
    assert review_of(in_review, grace).decision == ReviewDecision.PENDING


def test_a_review_of_another_plan_is_a_404(
    writer: Any, in_review: ActionPlan, grace: Any, selected: Any
) -> None:
    other = plan_create(actor=writer, title="Other", owner=writer, proposals=[selected])

    response = _client(grace).post(
        decide_url(other, review_of(in_review, grace)), {"decision": "approved"}, format="json"
    )

    assert response.status_code == 404


# -- revisions --------------------------------------------------------------------------------


@pytest.fixture
def revised(approved: ActionPlan, writer: Any) -> ActionPlan:
    response = _client(writer).patch(
        detail(approved),
        {
            "version": approved.version,
            "title": "Requirements change control (Atlas)",
            "strategies": "Pilot on Atlas for eight weeks.",
            "reason": "The pilot moves to Atlas.",
        },
        format="json",
    )
    assert response.status_code == 200
    approved.refresh_from_db()
    return approved


def test_every_revision_is_kept(reader: Any, revised: ActionPlan, writer: Any) -> None:
    response = _client(reader).get(f"{detail(revised)}revisions/")

    assert response.status_code == 200
    assert_documented(response, "/api/improvements/plans/{id}/revisions/")
    rows = response.json()
    assert [(r["number"], r["reason"], r["created_by"]) for r in rows] == [
        (1, "", "process.group"),
        (2, "The pilot moves to Atlas.", "process.group"),
    ]
    assert rows[0]["snapshot"]["strategies"] == CONTENT["strategies"]
    assert rows[1]["snapshot"]["title"] == "Requirements change control (Atlas)"


def test_two_revisions_compare_field_by_field(reader: Any, revised: ActionPlan) -> None:
    response = _client(reader).get(f"{detail(revised)}compare/?older=1&newer=2")

    assert response.status_code == 200
    assert_documented(response, "/api/improvements/plans/{id}/compare/")
    body = response.json()
    assert (body["older"], body["newer"]) == (1, 2)
    assert [c["field"] for c in body["changes"]] == [
        "title",
        *(name for name, _ in PLAN_FIELDS),
        "proposals",
    ]
    assert [(c["field"], c["old"], c["new"]) for c in body["changes"] if c["changed"]] == [
        ("title", "Requirements change control", "Requirements change control (Atlas)"),
        ("strategies", CONTENT["strategies"], "Pilot on Atlas for eight weeks."),
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [("?older=1&newer=7", "newer"), ("?older=x&newer=2", "older"), ("?newer=2", "older")],
)
def test_comparing_with_bad_numbers_is_a_400(
    reader: Any, revised: ActionPlan, query: str, field: str
) -> None:
    response = _client(reader).get(f"{detail(revised)}compare/{query}")

    assert response.status_code == 400
    assert_documented(response, "/api/improvements/plans/{id}/compare/")
    assert [f for f, _ in _problem(response)] == [field]
