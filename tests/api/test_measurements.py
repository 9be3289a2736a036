"""The measurements API: measures, objectives, observations, baselines, evaluations.

Personas: anonymous, ``outsider`` (signed in, no role), ``practitioner`` (reads every
context) and ``process_group_member`` (also writes measures, objectives, baselines).
Responses are checked against the OpenAPI document drf-spectacular builds for these
endpoints (``fixtures_h.openapi_document``), so the tests hold before and after the
lead registers the viewsets and regenerates docs/api/openapi.yaml.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
from django.core.cache import cache as django_cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from rest_framework.test import APIClient

from tests.api.schema import _to_json_schema
from tests.apps.measurements import fixtures_h
from tests.apps.measurements.fixtures_h import START, URLCONF, WEEK, add_series, make_qppo
from uplift.apps.accounts.roles import Role
from uplift.apps.measurements.models import Baseline, Measure, Objective
from uplift.apps.measurements.services.baselines import baseline_compute
from uplift.apps.measurements.services.objectives import objective_create
from uplift.domain.statistics import xmr

pytestmark = [pytest.mark.django_db, pytest.mark.urls(URLCONF)]

# Fixtures of fixtures_h (pytest finds them by name in this module).
unit = fixtures_h.unit
activities = fixtures_h.activities
cycle_time = fixtures_h.cycle_time
csat = fixtures_h.csat

MEASURES = "/api/measurements/measures/"
OBJECTIVES = "/api/measurements/objectives/"
OBSERVATIONS = "/api/measurements/observations/"
BASELINES = "/api/measurements/baselines/"
EVALUATIONS = "/api/measurements/evaluations/"
BASE = "urn:uplift-measurements-openapi"

BEFORE = [12.1, 11.4, 13.0, 12.6, 11.8, 12.9, 12.2, 11.5, 13.3, 12.4]
AFTER = [9.2, 8.8, 9.9, 9.1, 8.4, 9.6, 9.3, 8.9, 9.7, 9.0]
CHANGE = str((START + 10 * WEEK).date())


@cache
def _document() -> dict[str, Any]:
    return json.loads(json.dumps(fixtures_h.openapi_document(), default=str))


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
        BASE,
        Resource.from_contents({"components": components}, default_specification=DRAFT202012),
    )
    validator = Draft202012Validator(json.loads(text), registry=registry)
    errors = sorted(validator.iter_errors(response.json()), key=lambda error: error.path)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def _client(user: Any = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def reader(practitioner):
    return _client(practitioner)


@pytest.fixture
def writer(process_group_member):
    return _client(process_group_member)


@pytest.fixture
def observed(cycle_time, activities):
    add_series(cycle_time, activities[0], BEFORE + AFTER)
    add_series(cycle_time, activities[1], [14.0, 15.0, 13.5, 14.5] * 5)
    return cycle_time


def _problem(response: Any) -> list[tuple[str | None, str]]:
    body = response.json()
    assert set(body) == {"detail", "errors"}
    return [(item["field"], item["message"]) for item in body["errors"]]


# -- access ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [MEASURES, OBJECTIVES, OBSERVATIONS, BASELINES])
def test_anonymous_and_roleless_users_are_refused(path, make_user):
    assert _client().get(path).status_code == 403
    assert _client(make_user(username="nobody")).get(path).status_code == 403


def test_an_evaluation_needs_the_permission_to_read_observations(make_user, observed):
    response = _client(make_user(username="nobody")).post(
        EVALUATIONS, {"measure": "cycle-time", "change_date": CHANGE}, format="json"
    )

    assert response.status_code == 403
    assert _problem(response) == []


# -- measures ----------------------------------------------------------------------------


def test_a_practitioner_lists_measures_but_may_not_create_one(reader, cycle_time, csat):
    listed = reader.get(MEASURES, {"direction": "lower"})
    refused = reader.post(
        MEASURES,
        {
            "slug": "x",
            "name": "X",
            "unit": "h",
            "operational_definition": "d",
            "direction": "lower",
        },
        format="json",
    )

    assert listed.status_code == 200
    assert [m["slug"] for m in listed.json()["results"]] == ["cycle-time"]
    assert_documented(listed, MEASURES)
    assert refused.status_code == 403
    assert not Measure.objects.filter(slug="x").exists()


def test_a_process_group_member_creates_and_changes_a_measure(writer):
    created = writer.post(
        MEASURES,
        {
            "slug": "rework",
            "name": "Rework effort",
            "unit": "%",
            "operational_definition": "Rework hours over all hours.",
            "direction": "lower",
        },
        format="json",
    )
    changed = writer.patch(f"{MEASURES}rework/", {"unit": "% of hours"}, format="json")

    assert created.status_code == 201
    assert created.json()["scale"] == "continuous"
    assert_documented(created, MEASURES, "post")
    assert changed.status_code == 200
    assert changed.json()["unit"] == "% of hours"
    assert Measure.objects.get(slug="rework").unit == "% of hours"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"slug": "cycle-time"}, "slug", "A measure with the slug 'cycle-time' exists already."),
        ({"direction": "sideways"}, "direction", '"sideways" is not a valid choice.'),
        ({"name": ""}, "name", "This field may not be blank."),
    ],
)
def test_a_refused_measure_is_a_400_naming_the_field(writer, cycle_time, change, field, message):
    body = {
        "slug": "new-one",
        "name": "New",
        "unit": "h",
        "operational_definition": "d",
        "direction": "lower",
        **change,
    }

    response = writer.post(MEASURES, body, format="json")

    assert response.status_code == 400
    assert _problem(response) == [(field, message)]
    assert_documented(response, MEASURES, "post")
    assert Measure.objects.count() == 1


def test_an_unknown_measure_is_a_404(reader):
    response = reader.get(f"{MEASURES}nothing/")

    assert response.status_code == 404
    assert_documented(response, "/api/measurements/measures/{slug}/")


def test_the_control_chart_data_of_one_work_activity(reader, observed):
    response = reader.get(f"{MEASURES}cycle-time/xmr/", {"work_activity": "alpha"})

    assert response.status_code == 200
    body = response.json()
    assert body["grouping"] == "individual"
    assert [p["value"] for p in body["points"]] == BEFORE + AFTER
    assert body["xmr"] == xmr(BEFORE + AFTER).as_json()
    assert {"rule": "run_of_8", "index": 7} in body["xmr"]["signals"]
    assert_documented(response, "/api/measurements/measures/{slug}/xmr/")


def test_the_control_chart_refuses_an_unknown_work_activity(reader, observed):
    response = reader.get(f"{MEASURES}cycle-time/xmr/", {"work_activity": "omega"})

    assert response.status_code == 400
    assert [field for field, _ in _problem(response)] == ["work_activity"]


# -- objectives --------------------------------------------------------------------------


def test_objectives_come_with_their_status(reader, observed):
    baseline_compute(measure=observed, store=True)
    qppo = make_qppo(observed, target=5.0)

    response = reader.get(OBJECTIVES, {"kind": "qppo"})

    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert row["id"] == qppo.pk
    assert row["measure"] == "cycle-time"
    assert row["status"]["status"] == "not_met"
    assert row["status"]["gap"] > 0
    assert_documented(response, OBJECTIVES)


def test_without_a_baseline_the_status_is_provisional_with_n_and_the_period(reader, observed):
    qppo = make_qppo(observed, target=10.0)

    listed = reader.get(OBJECTIVES, {"kind": "qppo"})
    one = reader.get(f"{OBJECTIVES}{qppo.pk}/")

    (row,) = listed.json()["results"]
    assert row["status"] == one.json()["status"]
    assert row["status"] == {
        "status": "not_met",
        "value": pytest.approx(12.5025),
        "gap": pytest.approx(2.5025),
        "percent_gap": pytest.approx(25.025),
        "provisional": True,
        "n": 40,
        "period_start": START.isoformat(),
        "period_end": (START + 19 * WEEK).isoformat(),
        "baseline": None,
        "baseline_computed_at": None,
    }
    assert_documented(listed, OBJECTIVES)
    assert_documented(one, f"{OBJECTIVES}{{id}}/")


def test_a_stored_baseline_makes_the_api_status_official(reader, observed):
    stored = baseline_compute(measure=observed, store=True).stored
    make_qppo(observed, target=10.0)

    (row,) = reader.get(OBJECTIVES, {"kind": "qppo"}).json()["results"]

    assert (row["status"]["provisional"], row["status"]["baseline"]) == (False, stored.pk)
    assert row["status"]["n"] == 40


def test_a_qppo_without_a_target_is_a_400_naming_the_target(writer, cycle_time):
    parent = objective_create(kind="business", name="Deliver faster")

    response = writer.post(
        OBJECTIVES,
        {"kind": "qppo", "name": "Faster", "parent": parent.pk, "measure": "cycle-time"},
        format="json",
    )

    assert response.status_code == 400
    assert _problem(response) == [("target", "A QPPO has a target value of its statistic.")]
    assert Objective.objects.count() == 1


def test_a_process_group_member_records_a_qppo_with_a_segment(writer, cycle_time, activities):
    parent = objective_create(kind="business", name="Deliver faster")

    response = writer.post(
        OBJECTIVES,
        {
            "kind": "qppo",
            "name": "Large projects faster",
            "parent": parent.pk,
            "measure": "cycle-time",
            "statistic": "median",
            "target": 10,
            "priority": 1,
            "segment": {"size": "large"},
        },
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["status"]["status"] == "no_data"
    assert_documented(response, OBJECTIVES, "post")
    assert Objective.objects.get(kind="qppo").segment == {"size": "large"}


def test_an_invalid_segment_is_a_400_on_the_segment(writer, cycle_time):
    parent = objective_create(kind="business", name="Deliver faster")

    response = writer.post(
        OBJECTIVES,
        {
            "kind": "qppo",
            "name": "X",
            "parent": parent.pk,
            "measure": "cycle-time",
            "target": 1,
            "segment": {"size": "huge"},
        },
        format="json",
    )

    assert response.status_code == 400
    ((field, message),) = _problem(response)
    assert field == "segment"
    assert "size" in message


# -- observations ------------------------------------------------------------------------


def test_observations_filter_by_measure_activity_and_inclusive_dates(reader, observed, csat):
    response = reader.get(
        OBSERVATIONS,
        {
            "measure": "cycle-time",
            "work_activity": "alpha",
            "from": str((START + WEEK).date()),
            "to": str((START + 3 * WEEK).date()),
        },
    )

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [row["value"] for row in body["results"]] == BEFORE[1:4]
    assert body["results"][0]["work_activity"] == "alpha"
    assert_documented(response, OBSERVATIONS)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "abc"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"measure": "nothing"}, "measure"),
        ({"from": "yesterday"}, "from"),
        ({"ordering": "colour"}, "ordering"),
    ],
)
def test_observations_refuse_a_malformed_query(reader, observed, params, field):
    response = reader.get(OBSERVATIONS, params)

    assert response.status_code == 400
    assert [f for f, _ in _problem(response)] == [field]


def test_observations_page_strictly(reader, observed):
    first = reader.get(OBSERVATIONS, {"limit": 5}).json()
    second = reader.get(OBSERVATIONS, {"limit": 5, "offset": 5}).json()

    assert first["count"] == 40
    assert len(first["results"]) == 5
    assert {r["id"] for r in first["results"]}.isdisjoint(r["id"] for r in second["results"])


# -- baselines ---------------------------------------------------------------------------


def test_computing_a_baseline_without_storing_writes_nothing(reader, observed):
    response = reader.post(
        BASELINES,
        {"measure": "cycle-time", "segment": {"work_activities": ["alpha"]}},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["n"], body["stored"]) == (20, None)
    assert body["summary"]["mean"] == pytest.approx(sum(BEFORE + AFTER) / 20)
    assert_documented(response, BASELINES, "post")
    assert not Baseline.objects.exists()


def test_a_practitioner_may_not_store_a_baseline(reader, observed):
    response = reader.post(BASELINES, {"measure": "cycle-time", "store": True}, format="json")

    assert response.status_code == 403
    assert not Baseline.objects.exists()


def test_a_process_group_member_stores_a_baseline(writer, observed):
    response = writer.post(
        BASELINES,
        {"measure": "cycle-time", "start": "2024-01-01", "end": "2024-03-31", "store": True},
        format="json",
    )

    assert response.status_code == 201
    stored = Baseline.objects.get()
    assert response.json()["stored"] == stored.pk
    assert response["Location"].endswith(f"{BASELINES}{stored.pk}/")
    listed = writer.get(BASELINES, {"measure": "cycle-time"})
    assert [row["id"] for row in listed.json()["results"]] == [stored.pk]
    assert_documented(listed, BASELINES)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"measure": "nothing"}, "measure"),
        ({"measure": "cycle-time", "segment": {"colour": "red"}}, "segment"),
        ({"measure": "cycle-time", "start": "2024-05-01", "end": "2024-01-01"}, "end"),
        ({"measure": "cycle-time", "start": "2030-01-01", "store": True}, None),
    ],
)
def test_a_refused_baseline_is_a_400_naming_the_field(writer, observed, body, field):
    response = writer.post(BASELINES, body, format="json")

    assert response.status_code == 400
    assert [f for f, _ in _problem(response)] == [field]
    assert not Baseline.objects.exists()


def test_two_stored_baselines_are_compared(reader, observed):
    older = baseline_compute(measure=observed, end=START + 9 * WEEK, store=True).stored
    newer = baseline_compute(measure=observed, start=START + 10 * WEEK, store=True).stored

    response = reader.get(f"{BASELINES}compare/", {"older": older.pk, "newer": newer.pk})

    assert response.status_code == 200
    body = response.json()
    assert body["mean_change"] == pytest.approx(newer.mean - older.mean)
    assert body["evaluation"]["verdict"]["significant"] is True
    assert_documented(response, "/api/measurements/baselines/compare/")


# -- evaluations -------------------------------------------------------------------------


def test_an_evaluation_answers_with_the_result_phases_and_payback(reader, observed):
    response = reader.post(
        EVALUATIONS,
        {
            "measure": "cycle-time",
            "change_date": CHANGE,
            "work_activities": ["alpha"],
            "seed": 7,
            "n_boot": 500,
            "payback": {"cost": 6000, "running_cost": 100, "value_per_unit": 500},
        },
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["result"]["n_before"], body["result"]["n_after"]) == (10, 10)
    assert body["result"]["verdict"]["improved"] is True
    assert [phase["start"] for phase in body["phases"]] == [0, 10]
    assert body["payback"]["months"] > 0
    assert_documented(response, EVALUATIONS, "post")


def test_a_pilot_against_a_comparison_group(reader, observed):
    response = reader.post(
        EVALUATIONS,
        {"measure": "cycle-time", "pilot": ["alpha"], "comparison": ["beta"], "seed": 1},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["design"] == "pilot_comparison"
    assert response.json()["before_label"] == "comparison"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "change_date"),
        ({"change_date": CHANGE, "work_activities": ["omega"]}, "work_activities"),
        ({"pilot": ["alpha"]}, "comparison"),
        ({"change_date": CHANGE, "confidence": 2}, "confidence"),
        ({"change_date": CHANGE, "payback": {"cost": -1, "value_per_unit": 1}}, "payback.cost"),
    ],
)
def test_a_refused_evaluation_is_a_400_naming_the_field(reader, observed, body, field):
    response = reader.post(EVALUATIONS, {"measure": "cycle-time", **body}, format="json")

    assert response.status_code == 400
    assert [f for f, _ in _problem(response)] == [field]
    assert_documented(response, EVALUATIONS, "post")


def test_a_role_reads_through_its_group(make_user, observed):
    user = make_user(Role.SPONSOR, username="sponsor")

    assert _client(user).get(f"{MEASURES}cycle-time/").status_code == 200


def test_the_objective_list_reads_a_fixed_number_of_queries(reader, observed):
    def queries() -> int:
        django_cache.clear()  # the provisional statistics are read, not taken from the cache
        with CaptureQueriesContext(connection) as captured:
            assert reader.get(OBJECTIVES).status_code == 200
        return len(captured)

    make_qppo(observed, target=5, name="One")
    few = queries()
    for number in range(5):
        make_qppo(observed, target=number, name=f"More {number}")

    assert queries() == few
