"""The improvement proposals API: list, create, retrieve, PATCH, transitions, benefits.

Personas: anonymous, a user without a role (``nobody``: suggests and reads their own),
``practitioner`` (reads all, adds proposals), ``process_group_member`` (edits, decides)
and a steering committee member (selects, rejects). Responses are checked against the
OpenAPI document drf-spectacular builds from the code. A denial writes nothing.
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
from tests.apps.improvements import proposal_sources
from tests.apps.improvements.proposal_sources import submit, walk
from uplift.apps.accounts.roles import Role
from uplift.apps.improvements.models import ExpectedBenefit, Proposal, ProposalTransition
from uplift.apps.improvements.services.proposals import proposal_update
from uplift.apps.library.models import Practice, ProcessArea

pytestmark = pytest.mark.django_db

cmmi_dev = proposal_sources.cmmi_dev
appraisal = proposal_sources.appraisal
weakness = proposal_sources.weakness
cycle_time = proposal_sources.cycle_time
shortfall = proposal_sources.shortfall

PROPOSALS = "/api/improvements/proposals/"
ONE = "/api/improvements/proposals/{id}/"
BASE = "urn:uplift-improvement-proposals-openapi"


@cache
def _document() -> dict[str, Any]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(json.dumps(schema, default=str))


def assert_documented(response: Any, path: str, method: str = "get") -> None:
    """The response's status is documented for ``path`` and its body matches."""
    document = _document()
    operation = document["paths"][path][method]
    content = operation["responses"][str(response.status_code)]["content"]
    schema = content["application/json"]["schema"]
    text = json.dumps(_to_json_schema(schema)).replace('"#/components/', f'"{BASE}#/components/')
    registry = Registry().with_resource(
        BASE,
        Resource.from_contents(
            {"components": _to_json_schema(document["components"])},
            default_specification=DRAFT202012,
        ),
    )
    validator = Draft202012Validator(json.loads(text), registry=registry)
    errors = sorted(validator.iter_errors(response.json()), key=lambda error: error.path)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def _client(user: Any = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def url(proposal: Proposal, action: str = "") -> str:
    return f"{PROPOSALS}{proposal.pk}/" + (f"{action}/" if action else "")


def counts() -> tuple[int, int, int, int]:
    return (
        Proposal.objects.count(),
        Proposal.history.count(),
        ProposalTransition.objects.count(),
        ExpectedBenefit.objects.count(),
    )


def problems(response: Any) -> list[tuple[str | None, str]]:
    return [(item["field"], item["message"]) for item in response.json()["errors"]]


@pytest.fixture
def nobody(make_user):
    return make_user(username="nobody")


@pytest.fixture
def steering(make_user):
    return make_user(Role.STEERING_COMMITTEE, username="steering")


# -- reads ------------------------------------------------------------------------------------


def test_anonymous_is_refused_everywhere(practitioner) -> None:
    proposal = submit(practitioner)

    for path in (PROPOSALS, url(proposal), url(proposal, "transitions")):
        assert _client().get(path).status_code == 403
    assert _client().post(PROPOSALS, {}, format="json").status_code == 403
    assert not Proposal.objects.exclude(pk=proposal.pk).exists()


def test_the_list_needs_view_proposal(nobody, practitioner) -> None:
    submit(nobody)

    refused = _client(nobody).get(PROPOSALS)
    listed = _client(practitioner).get(PROPOSALS)

    assert refused.status_code == 403
    assert_documented(refused, PROPOSALS)
    assert listed.status_code == 200
    assert listed.json()["count"] == 1
    assert_documented(listed, PROPOSALS)


def test_the_list_filters_and_orders(practitioner, process_group_member) -> None:
    submit(practitioner, title="Board", problem_statement="Changes go unreviewed.")
    other = submit(practitioner, title="Tool", category="innovative", size="major")
    walk(other, ["analyze"], process_group_member)
    client = _client(practitioner)

    def titles(query: dict[str, str]) -> list[str]:
        return [p["title"] for p in client.get(PROPOSALS, query).json()["results"]]

    assert titles({"q": "go unreviewed"}) == ["Board"]
    assert titles({"state": "analyzed"}) == ["Tool"]
    assert titles({"category": "innovative", "size": "major"}) == ["Tool"]
    assert titles({"ordering": "title"}) == ["Board", "Tool"]
    assert titles({"ordering": "-title"}) == ["Tool", "Board"]


@pytest.mark.parametrize("query", [{"state": "approved"}, {"ordering": "cost"}, {"limit": "x"}])
def test_a_bad_filter_is_a_400(practitioner, query) -> None:
    response = _client(practitioner).get(PROPOSALS, query)

    assert response.status_code == 400
    assert_documented(response, PROPOSALS)


def test_the_list_takes_a_bounded_number_of_queries(
    practitioner, weakness, django_assert_max_num_queries
) -> None:
    for number in range(20):
        submit(practitioner, title=f"P{number}", source_kind="appraisal_weakness", finding=weakness)
    client = _client(practitioner)

    with django_assert_max_num_queries(10):
        response = client.get(PROPOSALS, {"limit": 20})

    assert len(response.json()["results"]) == 20


def test_a_proposal_reads_with_its_scope_pilot_reasons_and_benefits(
    practitioner, weakness, cycle_time
) -> None:
    proposal = submit(practitioner, source_kind="appraisal_weakness", finding=weakness)
    client = _client(practitioner)
    client.post(
        url(proposal, "benefits"),
        {"measure": "cycle-time", "expected_change": "-20", "by_when": "2026-06-30"},
        format="json",
    )

    response = client.get(url(proposal))

    body = response.json()
    assert response.status_code == 200
    assert_documented(response, ONE)
    assert (body["reference"], body["state"], body["finding"], body["version"]) == (
        proposal.reference,
        "submitted",
        weakness.pk,
        1,
    )
    assert body["process_area_references"] == ["REQM"]
    assert body["practice_references"] == ["REQM SP 1.3", "REQM SP 1.5"]
    assert body["pilot_required_because"] == ["it has not been proven in a comparable environment"]
    assert [(b["measure"], b["expected_change"], b["by_when"]) for b in body["benefits"]] == [
        ("cycle-time", "-20.00", "2026-06-30")
    ]
    assert body["submitted_by"] == "practitioner"


def test_the_submitter_reads_their_proposal_and_nobody_else_does(
    nobody, make_user, practitioner
) -> None:
    mine = submit(nobody)
    theirs = submit(practitioner)

    assert _client(nobody).get(url(mine)).status_code == 200
    refused = _client(nobody).get(url(theirs))
    assert refused.status_code == 403
    assert_documented(refused, ONE)
    assert _client(make_user(username="other")).get(url(mine)).status_code == 403


def test_an_unknown_proposal_is_a_404(practitioner) -> None:
    response = _client(practitioner).get(f"{PROPOSALS}999999/")

    assert response.status_code == 404
    assert_documented(response, ONE)


# -- create ---------------------------------------------------------------------------------


def test_a_practitioner_submits_a_proposal_from_a_weakness(practitioner, weakness) -> None:
    response = _client(practitioner).post(
        PROPOSALS,
        {
            "title": "Trace requirement changes",
            "source_kind": "appraisal_weakness",
            "finding": weakness.pk,
            "problem_statement": "Changes are not traced.",
            "category": "innovative",
            "estimated_cost": "2500.00",
            "version": 7,
        },
        format="json",
    )

    assert response.status_code == 201
    assert_documented(response, PROPOSALS, "post")
    body = response.json()
    assert (body["state"], body["version"], body["practice_references"]) == (
        "submitted",
        1,
        ["REQM SP 1.3", "REQM SP 1.5"],
    )
    stored = Proposal.objects.get()
    assert (stored.submitted_by, stored.estimated_cost, stored.category) == (
        practitioner,
        2500,
        "innovative",
    )
    assert stored.transitions.get().name == "submit"


def test_addressed_areas_and_practices_are_given_by_id(practitioner, cmmi_dev) -> None:
    pp = ProcessArea.objects.get(model=cmmi_dev, abbreviation="PP")
    sp = Practice.objects.get(
        model=cmmi_dev, process_area__abbreviation="REQM", identifier="SP 1.1"
    )

    response = _client(practitioner).post(
        PROPOSALS,
        {
            "title": "T",
            "source_kind": "suggestion",
            "problem_statement": "P",
            "process_areas": [pp.pk],
            "practices": [sp.pk],
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert sorted(body["process_area_references"]) == ["PP", "REQM"]
    assert body["practice_references"] == ["REQM SP 1.1"]


def test_a_user_without_a_role_may_suggest_but_not_propose_from_a_qppo(nobody, shortfall) -> None:
    client = _client(nobody)
    suggested = client.post(
        PROPOSALS,
        {"title": "Idea", "source_kind": "suggestion", "problem_statement": "Slow."},
        format="json",
    )
    before = counts()

    refused = client.post(
        PROPOSALS,
        {
            "title": "QPPO",
            "source_kind": "qppo_shortfall",
            "objective": shortfall.pk,
            "problem_statement": "Short.",
        },
        format="json",
    )

    assert suggested.status_code == 201
    assert refused.status_code == 403
    assert_documented(refused, PROPOSALS, "post")
    assert counts() == before


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"source_kind": "appraisal_weakness"}, "finding", "An appraisal weakness source names"),
        ({"source_kind": "qppo_shortfall"}, "objective", "A QPPO shortfall source names"),
        ({"source_kind": "rumour"}, "source_kind", '"rumour" is not a valid choice.'),
        ({"title": ""}, "title", "This field may not be blank."),
        ({"finding": 999999}, "finding", 'Invalid pk "999999" - object does not exist.'),
    ],
)
def test_a_refused_proposal_is_a_400_naming_the_field(practitioner, body, field, message) -> None:
    data = {"title": "T", "source_kind": "suggestion", "problem_statement": "P", **body}

    response = _client(practitioner).post(PROPOSALS, data, format="json")

    assert response.status_code == 400
    assert_documented(response, PROPOSALS, "post")
    [(got_field, got_message)] = problems(response)
    assert got_field == field
    assert message in got_message
    assert not Proposal.objects.exists()


# -- PATCH ----------------------------------------------------------------------------------


def test_patch_changes_the_content_and_bumps_the_version(
    practitioner, process_group_member
) -> None:
    proposal = submit(practitioner)

    response = _client(process_group_member).patch(
        url(proposal), {"title": "Renamed", "size": "major", "version": 1}, format="json"
    )

    assert response.status_code == 200
    assert_documented(response, ONE, "patch")
    assert (response.json()["title"], response.json()["version"]) == ("Renamed", 2)
    assert response.json()["pilot_required_because"] == [
        "it is a major change",
        "it has not been proven in a comparable environment",
    ]
    assert Proposal.objects.get().history.first().history_user == process_group_member


def test_patch_without_the_version_is_a_400(practitioner, process_group_member) -> None:
    proposal = submit(practitioner)

    response = _client(process_group_member).patch(
        url(proposal), {"title": "Renamed"}, format="json"
    )

    assert response.status_code == 400
    assert problems(response) == [("version", "Give the version the edit started from.")]
    assert Proposal.objects.get().title == proposal.title


def test_patch_from_a_stale_version_is_a_409_and_saves_nothing(
    practitioner, process_group_member
) -> None:
    proposal = submit(practitioner)
    proposal_update(proposal=proposal, actor=practitioner, expected_version=1, risks="First")
    before = counts()

    response = _client(process_group_member).patch(
        url(proposal), {"title": "Late", "version": 1}, format="json"
    )

    assert response.status_code == 409
    assert_documented(response, ONE, "patch")
    assert "was changed by practitioner" in response.json()["detail"]
    assert problems(response)[0][0] == "version"
    assert counts() == before


@pytest.mark.parametrize("persona", ["practitioner_other", "steering"])
def test_patch_by_someone_who_may_not_edit_is_a_403_and_saves_nothing(
    request, make_user, process_group_member, persona
) -> None:
    proposal = submit(process_group_member)
    user = (
        make_user(Role.PRACTITIONER, username="p2")
        if persona == "practitioner_other"
        else request.getfixturevalue(persona)
    )
    before = counts()

    response = _client(user).patch(url(proposal), {"title": "Mine", "version": 1}, format="json")

    assert response.status_code == 403
    assert_documented(response, ONE, "patch")
    assert counts() == before


def test_there_is_no_put_and_no_delete(practitioner, process_group_member) -> None:
    proposal = submit(practitioner)
    client = _client(process_group_member)

    assert client.put(url(proposal), {"title": "x"}, format="json").status_code == 405
    assert client.delete(url(proposal)).status_code == 405
    assert Proposal.objects.count() == 1


# -- transitions ----------------------------------------------------------------------------


def test_a_transition_answers_with_the_proposal_and_is_listed(
    practitioner, process_group_member, steering
) -> None:
    proposal = submit(practitioner)
    walk(proposal, ["analyze"], process_group_member)

    response = _client(steering).post(
        url(proposal, "transition"),
        {"name": "reject", "reason": "Duplicate of another.", "version": 2},
        format="json",
    )
    listed = _client(practitioner).get(url(proposal, "transitions"))

    assert response.status_code == 200
    assert_documented(response, "/api/improvements/proposals/{id}/transition/", "post")
    assert (response.json()["state"], response.json()["version"]) == ("rejected", 3)
    assert listed.status_code == 200
    assert_documented(listed, "/api/improvements/proposals/{id}/transitions/")
    steps = [(t["name"], t["from_state"], t["to_state"], t["actor"]) for t in listed.json()]
    assert steps == [
        ("submit", "", "submitted", "practitioner"),
        ("analyze", "submitted", "analyzed", "process.group"),
        ("reject", "analyzed", "rejected", "steering"),
    ]
    assert listed.json()[-1]["reason"] == "Duplicate of another."


def test_a_transition_without_permission_is_a_403_and_writes_nothing(practitioner) -> None:
    proposal = submit(practitioner)
    before = counts()

    response = _client(practitioner).post(
        url(proposal, "transition"), {"name": "reject", "reason": "No."}, format="json"
    )

    assert response.status_code == 403
    assert_documented(response, "/api/improvements/proposals/{id}/transition/", "post")
    assert "needs the permission improvements.select_proposal" in response.json()["detail"]
    assert counts() == before


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"name": "evaluate"}, "name", "Cannot mark evaluated a proposal that is submitted"),
        ({"name": "reject", "reason": ""}, "reason", "Say why:"),
        ({"name": "approve"}, "name", '"approve" is not a valid choice.'),
    ],
)
def test_a_refused_transition_is_a_400_naming_the_field(
    practitioner, process_group_member, body, field, message
) -> None:
    proposal = submit(practitioner)
    before = counts()

    response = _client(process_group_member).post(url(proposal, "transition"), body, format="json")

    assert response.status_code == 400
    assert_documented(response, "/api/improvements/proposals/{id}/transition/", "post")
    [(got_field, got_message)] = problems(response)
    assert (got_field, message in got_message) == (field, True)
    assert counts() == before


def test_a_transition_on_a_stale_version_is_a_409(practitioner, process_group_member) -> None:
    proposal = submit(practitioner)
    proposal_update(proposal=proposal, actor=practitioner, expected_version=1, risks="New")
    before = counts()

    response = _client(process_group_member).post(
        url(proposal, "transition"), {"name": "analyze", "version": 1}, format="json"
    )

    assert response.status_code == 409
    assert counts() == before


# -- benefits -------------------------------------------------------------------------------


def test_an_editor_adds_a_benefit(practitioner, process_group_member, cycle_time) -> None:
    proposal = submit(practitioner)

    response = _client(process_group_member).post(
        url(proposal, "benefits"),
        {"measure": "cycle-time", "expected_change": "-12.5", "note": "Fewer waits."},
        format="json",
    )

    assert response.status_code == 201
    assert_documented(response, "/api/improvements/proposals/{id}/benefits/", "post")
    assert response.json()["expected_change"] == "-12.50"
    assert ExpectedBenefit.objects.get().history.get().history_user == process_group_member


def test_a_benefit_by_someone_who_may_not_edit_is_a_403(
    process_group_member, practitioner, cycle_time
) -> None:
    proposal = submit(process_group_member)

    response = _client(practitioner).post(
        url(proposal, "benefits"), {"measure": "cycle-time", "expected_change": "5"}, format="json"
    )

    assert response.status_code == 403
    assert not ExpectedBenefit.objects.exists()


def test_a_benefit_of_an_unknown_measure_is_a_400(practitioner, cycle_time) -> None:
    proposal = submit(practitioner)

    response = _client(practitioner).post(
        url(proposal, "benefits"), {"measure": "nothing", "expected_change": "5"}, format="json"
    )

    assert response.status_code == 400
    assert problems(response)[0][0] == "measure"
    assert not ExpectedBenefit.objects.exists()
