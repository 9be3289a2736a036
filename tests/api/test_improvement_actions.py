"""The API of plans' actions and teams: /api/improvements/actions/ and /plan-members/.

Personas: anonymous; ``outsider`` (signed in, no role); ``practitioner`` (reads; may
change the status of an action they own); ``pat_member`` (plan work); ``steering``
(reviews only). A refused write is a 403 and nothing changes (rows and history).
Responses are checked against the OpenAPI document drf-spectacular builds now.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from typing import Any

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from rest_framework.test import APIClient

from tests.api.schema import _to_json_schema
from tests.conftest import MakeUser
from tests.factories.improvements import ActionFactory, ActionPlanFactory
from uplift.apps.accounts.roles import Role
from uplift.apps.improvements.choices import ActionStatus, PlanRole
from uplift.apps.improvements.models import Action, PlanMember

pytestmark = pytest.mark.django_db

ACTIONS = "/api/improvements/actions/"
MEMBERS = "/api/improvements/plan-members/"
BASE = "urn:uplift-improvement-actions-openapi"
TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)


@cache
def _document() -> dict[str, Any]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(json.dumps(schema, default=str))


def assert_documented(response: Any, path: str, method: str = "get") -> None:
    """The response's status is documented for ``path`` and its body matches."""
    document = _document()
    operation = document["paths"][path][method]
    content = operation["responses"][str(response.status_code)]["content"]
    text = json.dumps(_to_json_schema(content["application/json"]["schema"]))
    text = text.replace('"#/components/', f'"{BASE}#/components/')
    components = _to_json_schema(document["components"])
    registry = Registry().with_resource(
        BASE, Resource.from_contents({"components": components}, default_specification=DRAFT202012)
    )
    validator = Draft202012Validator(json.loads(text), registry=registry)
    errors = sorted(validator.iter_errors(response.json()), key=lambda error: error.path)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def _counts() -> tuple[int, int, int, int]:
    return (
        Action.objects.count(),
        Action.history.count(),
        PlanMember.objects.count(),
        PlanMember.history.count(),
    )


@pytest.fixture
def pat_member(make_user: MakeUser) -> Any:
    return make_user(Role.PROCESS_ACTION_TEAM, username="pat.member", first_name="Tomasz")


@pytest.fixture
def steering(make_user: MakeUser) -> Any:
    return make_user(Role.STEERING_COMMITTEE, username="steering")


@pytest.fixture
def nobody(make_user: MakeUser) -> Any:
    return make_user(username="nobody")


def api(user: Any = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def plan(pat_member):
    return ActionPlanFactory(owner=pat_member, title="Requirements reviews")


@pytest.fixture
def late(plan, practitioner):
    return ActionFactory(plan=plan, title="Draft", owner=practitioner, start=None, due=TODAY - DAY)


@pytest.fixture
def upcoming(plan, pat_member, late):
    action = ActionFactory(
        plan=plan, title="Train", owner=pat_member, start=TODAY, due=TODAY + 9 * DAY
    )
    action.depends_on.add(late)
    return action


# -- reading ---------------------------------------------------------------------------------


def test_anonymous_and_outsiders_read_nothing(nobody, late):
    assert api().get(ACTIONS).status_code == 403
    assert api(nobody).get(ACTIONS).status_code == 403
    assert api(nobody).get(MEMBERS).status_code == 403


def test_readers_list_actions_with_lateness_and_dependencies(practitioner, late, upcoming):
    response = api(practitioner).get(ACTIONS, {"plan": late.plan_id, "ordering": "due"})

    assert response.status_code == 200
    assert_documented(response, ACTIONS)
    body = response.json()["results"]
    assert [(a["title"], a["late"], a["depends_on"]) for a in body] == [
        ("Draft", True, []),
        ("Train", False, [late.pk]),
    ]
    assert body[0]["owner"] == "practitioner"


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ({"owner": "practitioner"}, ["Draft"]),
        ({"late": "true"}, ["Draft"]),
        ({"late": "false"}, ["Train"]),
        ({"status": "in_progress"}, []),
    ],
)
def test_actions_filter_by_owner_lateness_and_status(practitioner, upcoming, query, titles):
    response = api(practitioner).get(ACTIONS, query)

    assert [a["title"] for a in response.json()["results"]] == titles


def test_an_unknown_owner_is_a_400(practitioner, late):
    response = api(practitioner).get(ACTIONS, {"owner": "ghost"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "owner"


def test_the_action_list_reads_a_bounded_number_of_queries(
    practitioner, django_assert_max_num_queries
):
    for _ in range(3):
        plan = ActionPlanFactory()
        first = ActionFactory(plan=plan)
        ActionFactory(plan=plan).depends_on.add(first)
    client = api(practitioner)

    with django_assert_max_num_queries(8):
        response = client.get(ACTIONS)

    assert len(response.json()["results"]) == 6


def test_readers_retrieve_an_action(practitioner, upcoming):
    response = api(practitioner).get(f"{ACTIONS}{upcoming.pk}/")

    assert response.status_code == 200
    assert_documented(response, f"{ACTIONS}{{id}}/")
    assert response.json()["owner_name"] == "Tomasz"


# -- writing actions ------------------------------------------------------------------------------


def test_a_plan_worker_creates_an_action(pat_member, plan, late):
    data = {
        "plan": plan.pk,
        "title": "Pilot",
        "owner": "practitioner",
        "due": str(TODAY + 3 * DAY),
        "depends_on": [late.pk],
    }

    response = api(pat_member).post(ACTIONS, data, format="json")

    assert response.status_code == 201, response.json()
    assert_documented(response, ACTIONS, "post")
    action = Action.objects.get(title="Pilot")
    assert (action.status, list(action.depends_on.all())) == ("not_started", [late])
    assert action.history.first().history_user == pat_member


@pytest.mark.parametrize("persona", ["practitioner", "steering", "nobody"])
def test_others_cannot_create_actions(request, persona, plan):
    before = _counts()
    data = {"plan": plan.pk, "title": "Sneak", "owner": "pat.member", "due": str(TODAY)}

    response = api(request.getfixturevalue(persona)).post(ACTIONS, data, format="json")

    assert response.status_code == 403
    assert _counts() == before


def test_a_new_action_cannot_set_its_status(pat_member, plan):
    data = {
        "plan": plan.pk, "title": "Done already", "owner": "pat.member", "due": str(TODAY),
        "status": "done",
    }  # fmt: skip

    response = api(pat_member).post(ACTIONS, data, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "status"
    assert not Action.objects.exists()


def test_a_rule_refused_by_the_service_names_the_field(pat_member, plan):
    data = {
        "plan": plan.pk, "title": "Backwards", "owner": "pat.member",
        "start": str(TODAY), "due": str(TODAY - DAY),
    }  # fmt: skip

    response = api(pat_member).post(ACTIONS, data, format="json")

    assert response.status_code == 400
    assert_documented(response, ACTIONS, "post")
    assert response.json()["errors"][0]["field"] == "due"


def test_the_owner_patches_the_status_of_their_action(practitioner, late):
    response = api(practitioner).patch(f"{ACTIONS}{late.pk}/", {"status": "done"}, format="json")

    assert response.status_code == 200
    assert_documented(response, f"{ACTIONS}{{id}}/", "patch")
    assert (response.json()["status"], response.json()["completed_on"]) == ("done", str(TODAY))
    assert response.json()["late"] is False


def test_the_owner_cannot_patch_anything_else(practitioner, late):
    before = _counts()

    response = api(practitioner).patch(
        f"{ACTIONS}{late.pk}/", {"title": "Mine", "status": "done"}, format="json"
    )

    assert response.status_code == 403
    assert "only the status" in response.json()["detail"]
    late.refresh_from_db()
    assert (late.title, late.status) == ("Draft", ActionStatus.NOT_STARTED)
    assert _counts() == before


@pytest.mark.parametrize("persona", ["steering", "nobody"])
def test_others_cannot_patch_an_action(request, persona, late):
    before = _counts()

    response = api(request.getfixturevalue(persona)).patch(
        f"{ACTIONS}{late.pk}/", {"status": "done"}, format="json"
    )

    assert response.status_code == 403
    late.refresh_from_db()
    assert late.status == ActionStatus.NOT_STARTED
    assert _counts() == before


def test_a_circle_of_dependencies_is_a_400_naming_the_chain(pat_member, late, upcoming):
    response = api(pat_member).patch(
        f"{ACTIONS}{late.pk}/", {"depends_on": [upcoming.pk]}, format="json"
    )

    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["field"] == "depends_on"
    assert "“Draft” → “Train” → “Draft”" in error["message"]
    assert not late.depends_on.exists()


def test_done_is_a_400_while_a_dependency_is_open(pat_member, upcoming):
    response = api(pat_member).patch(f"{ACTIONS}{upcoming.pk}/", {"status": "done"}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "status"
    assert "“Draft”" in response.json()["errors"][0]["message"]


def test_an_action_stays_in_its_plan(pat_member, late):
    other = ActionPlanFactory()

    response = api(pat_member).patch(f"{ACTIONS}{late.pk}/", {"plan": other.pk}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "plan"


def test_put_is_not_offered(pat_member, late):
    assert api(pat_member).put(f"{ACTIONS}{late.pk}/", {}, format="json").status_code == 405


def test_a_plan_worker_deletes_an_action(pat_member, late):
    response = api(pat_member).delete(f"{ACTIONS}{late.pk}/")

    assert response.status_code == 204
    assert not Action.objects.exists()


@pytest.mark.parametrize("persona", ["practitioner", "steering"])
def test_others_cannot_delete_an_action(request, persona, late):
    before = _counts()

    response = api(request.getfixturevalue(persona)).delete(f"{ACTIONS}{late.pk}/")

    assert response.status_code == 403
    assert _counts() == before


# -- the team -------------------------------------------------------------------------------------


def test_a_plan_worker_adds_and_removes_a_member(pat_member, practitioner, plan):
    client = api(pat_member)

    created = client.post(
        MEMBERS, {"plan": plan.pk, "user": "practitioner", "role": "lead"}, format="json"
    )
    listed = client.get(MEMBERS, {"plan": plan.pk})
    deleted = client.delete(f"{MEMBERS}{created.json()['id']}/")

    assert created.status_code == 201
    assert_documented(created, MEMBERS, "post")
    assert listed.status_code == 200
    assert_documented(listed, MEMBERS)
    assert [(m["user"], m["role"]) for m in listed.json()["results"]] == [("practitioner", "lead")]
    assert deleted.status_code == 204
    assert not PlanMember.objects.exists()


def test_a_role_held_twice_is_a_400(pat_member, practitioner, plan):
    PlanMember.objects.create(plan=plan, user=practitioner, role=PlanRole.LEAD)

    response = api(pat_member).post(
        MEMBERS, {"plan": plan.pk, "user": "practitioner", "role": "lead"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "user"
    assert PlanMember.objects.count() == 1


@pytest.mark.parametrize("persona", ["practitioner", "steering", "nobody"])
def test_others_cannot_change_the_team(request, persona, practitioner, plan):
    member = PlanMember.objects.create(plan=plan, user=practitioner, role=PlanRole.LEAD)
    client = api(request.getfixturevalue(persona))
    before = _counts()

    created = client.post(
        MEMBERS, {"plan": plan.pk, "user": "practitioner", "role": "practitioner"}, format="json"
    )
    deleted = client.delete(f"{MEMBERS}{member.pk}/")

    assert (created.status_code, deleted.status_code) == (403, 403)
    assert _counts() == before
