"""The service portfolio API: the portfolio, a service, its scorecard, every service's
scorecard (/api/services/).

Personas and the portfolio: see ``test_services_fixtures``. A refused write is a 403
(or 400, 404, 409) and nothing changes (rows and history). Responses are checked
against the OpenAPI document drf-spectacular builds from the code.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.api import test_services_fixtures as fixtures
from tests.api.test_services_fixtures import (
    DENIED,
    SERVICES,
    api,
    assert_documented,
    fields,
    json_ready,
    problems,
)
from uplift.apps.service_portfolio.models import Service
from uplift.apps.service_portfolio.selectors_scorecard import service_scorecard

pytestmark = pytest.mark.django_db

settings_row = fixtures.settings_row
service_owner = fixtures.service_owner
other_owner = fixtures.other_owner
unit = fixtures.unit
desk_team = fixtures.desk_team
desk = fixtures.desk
hosting = fixtures.hosting
availability = fixtures.availability
desk_availability = fixtures.desk_availability
missing_desk = fixtures.missing_desk


def counts() -> tuple[int, ...]:
    return (Service.objects.count(), Service.history.count())


def detail(service: Service, suffix: str = "") -> str:
    return f"{SERVICES}{service.slug}/{suffix}"


# --- who may read ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "suffix",
    [
        "",
        "service-desk/",
        "service-desk/scorecard/",
        "scorecards/",
        "continuity/",
        "service-desk/objectives/",
        "service-desk/periods/",
        "service-desk/compliance/",
        "policies/",
        "reviews/",
        "settings/",
    ],
)
def test_anonymous_and_roleless_users_are_refused(
    anonymous: APIClient, outsider: APIClient, desk: Service, suffix: str
) -> None:
    url = SERVICES + suffix

    assert anonymous.get(url).status_code == 403
    response = outsider.get(url)
    assert response.status_code == 403
    assert response.json() == {"detail": DENIED, "errors": []}


def test_a_practitioner_reads_the_portfolio_with_each_services_outcomes(
    practitioner: User, missing_desk: Service, hosting: Service
) -> None:
    response = api(practitioner).get(SERVICES)

    assert response.status_code == 200
    assert_documented(response, "/api/services/")
    rows = {row["slug"]: row for row in response.json()["results"]}
    assert list(rows) == ["hosting", "service-desk"]  # by name
    desk_row = rows["service-desk"]
    assert (desk_row["owner"], desk_row["owner_name"], desk_row["unit"]) == (
        "service.owner",
        "Aisha",
        "managed-services",
    )
    assert desk_row["customers"] == ["Finance", "Sales"]
    assert desk_row["work_activities"] == ["service-desk-team"]
    assert desk_row["outcomes"]["reliable"] == "not_met"
    assert desk_row["outcomes"]["predictable"] == "not_met"
    assert desk_row["shortfalls"] == ["predictable", "reliable"]
    assert set(rows["hosting"]["outcomes"].values()) == {"no_evidence"}
    assert rows["hosting"]["shortfalls"] == []


def test_a_service_is_read_by_slug(practitioner: User, missing_desk: Service) -> None:
    response = api(practitioner).get(detail(missing_desk))

    assert response.status_code == 200
    assert_documented(response, "/api/services/{slug}/")
    body = response.json()
    assert (body["slug"], body["state"], body["version"], body["description"]) == (
        "service-desk",
        "catalog",
        missing_desk.version,
        "First-line support.",
    )
    assert body["outcomes"]["reliable"] == "not_met"


def test_the_portfolio_filters_by_state_owner_and_shortfall(
    practitioner: User, missing_desk: Service, hosting: Service
) -> None:
    client = api(practitioner)

    def slugs(**query: str) -> list[str]:
        response = client.get(SERVICES, query)
        assert response.status_code == 200, response.json()
        return [row["slug"] for row in response.json()["results"]]

    assert slugs(owner="service.owner") == ["service-desk"]
    assert slugs(state="catalog") == ["hosting", "service-desk"]
    assert slugs(state="retired") == []
    assert slugs(shortfall="yes") == ["service-desk"]
    assert slugs(shortfall="no") == ["hosting"]
    assert slugs(outcome="reliable", status="not_met") == ["service-desk"]
    assert slugs(status="no_evidence") == ["hosting", "service-desk"]
    assert slugs(q="first-line") == ["service-desk"]
    assert slugs(ordering="-name") == ["service-desk", "hosting"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"state": "paused"}, "state"),
        ({"owner": "nobody"}, "owner"),
        ({"outcome": "fast"}, "outcome"),
        ({"shortfall": "maybe"}, "shortfall"),
        ({"ordering": "owner__password"}, "ordering"),
        ({"limit": "ten"}, "limit"),
    ],
)
def test_a_malformed_filter_is_a_400_naming_it(
    practitioner: User, desk: Service, query: dict[str, str], field: str
) -> None:
    response = api(practitioner).get(SERVICES, query)

    assert response.status_code == 400
    assert_documented(response, "/api/services/")
    assert fields(response) == [field]


def test_an_unknown_service_is_a_404(practitioner: User, process_group_member: User) -> None:
    client = api(practitioner)

    for suffix in ("", "scorecard/", "objectives/", "periods/", "continuity/", "compliance/"):
        assert client.get(f"{SERVICES}no-such-service/{suffix}").status_code == 404, suffix
    response = api(process_group_member).patch(
        f"{SERVICES}no-such-service/", {"version": 1}, format="json"
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "No such service.", "errors": []}
    assert_documented(response, "/api/services/{slug}/", "patch")


# --- writing a service ----------------------------------------------------------------------


def test_a_portfolio_manager_adds_a_service(
    process_group_member: User, service_owner: User, unit: Any, desk_team: Any
) -> None:
    response = api(process_group_member).post(
        SERVICES,
        {
            "slug": "service-desk",
            "name": "Service Desk",
            "owner": "service.owner",
            "unit": "managed-services",
            "state": "catalog",
            "customers": ["Finance"],
            "work_activities": ["service-desk-team"],
            "capacity": 1200,
            "demand_unit": "tickets",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert_documented(response, "/api/services/", "post")
    service = Service.objects.get()
    assert (service.slug, service.state, service.owner, service.capacity) == (
        "service-desk",
        "catalog",
        service_owner,
        1200.0,
    )
    assert list(service.work_activities.all()) == [desk_team]
    assert service.history.get().history_user == process_group_member
    body = response.json()
    assert (body["id"], body["demand_unit"], body["version"]) == (service.pk, "tickets", 1)
    assert len(body["outcomes"]) == 6


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"slug": "settings"}, "slug"),
        ({"owner": "nobody"}, "owner"),
        ({"unit": "no-such-unit"}, "unit"),
        ({"state": "paused"}, "state"),
        ({"capacity": -3}, "capacity"),
        ({"name": ""}, "name"),
    ],
)
def test_a_service_the_rules_refuse_is_a_400_naming_the_field(
    process_group_member: User, service_owner: User, unit: Any, change: dict[str, Any], field: str
) -> None:
    body = {"slug": "desk", "name": "Desk", "owner": "service.owner", "unit": "managed-services"}

    response = api(process_group_member).post(SERVICES, {**body, **change}, format="json")

    assert response.status_code == 400
    assert_documented(response, "/api/services/", "post")
    assert fields(response) == [field]
    assert counts() == (0, 0)


def test_a_service_owner_may_not_add_services(service_owner: User, unit: Any) -> None:
    response = api(service_owner).post(
        SERVICES,
        {"slug": "mine", "name": "Mine", "owner": "service.owner", "unit": "managed-services"},
        format="json",
    )

    assert response.status_code == 403
    assert_documented(response, "/api/services/", "post")
    assert counts() == (0, 0)


def test_the_owner_changes_their_service_from_its_version(
    service_owner: User, desk: Service
) -> None:
    response = api(service_owner).patch(
        detail(desk),
        {"version": 1, "description": "Support for everyone.", "customers": ["Everyone"]},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert_documented(response, "/api/services/{slug}/", "patch")
    desk.refresh_from_db()
    assert (desk.description, desk.customers, desk.version) == (
        "Support for everyone.",
        ["Everyone"],
        2,
    )
    assert response.json()["version"] == 2
    assert desk.history.first().history_user == service_owner


def test_a_stale_version_is_a_409_and_nothing_is_saved(service_owner: User, desk: Service) -> None:
    api(service_owner).patch(detail(desk), {"version": 1, "description": "First."}, format="json")
    before = counts()

    response = api(service_owner).patch(
        detail(desk), {"version": 1, "description": "Second."}, format="json"
    )

    assert response.status_code == 409
    assert_documented(response, "/api/services/{slug}/", "patch")
    assert fields(response) == ["version"]
    desk.refresh_from_db()
    assert desk.description == "First."
    assert counts() == before


def test_a_change_needs_the_version(service_owner: User, desk: Service) -> None:
    response = api(service_owner).patch(detail(desk), {"description": "No."}, format="json")

    assert response.status_code == 400
    assert fields(response) == ["version"]


def test_an_owner_may_not_change_another_owners_service(
    service_owner: User, practitioner: User, hosting: Service
) -> None:
    before = counts()

    for user in (service_owner, practitioner):
        response = api(user).patch(
            detail(hosting), {"version": 1, "description": "Mine now."}, format="json"
        )
        assert response.status_code == 403
        assert_documented(response, "/api/services/{slug}/", "patch")
    hosting.refresh_from_db()
    assert (hosting.description, hosting.version) == ("", 1)
    assert counts() == before


def test_a_service_in_the_catalog_does_not_go_back_to_proposed(
    process_group_member: User, desk: Service
) -> None:
    response = api(process_group_member).patch(
        detail(desk), {"version": 1, "state": "proposed"}, format="json"
    )

    assert response.status_code == 400
    assert fields(response) == ["state"]
    desk.refresh_from_db()
    assert desk.state == "catalog"


def test_retiring_a_service(process_group_member: User, desk: Service) -> None:
    response = api(process_group_member).patch(
        detail(desk), {"version": 1, "state": "retired"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["state"] == "retired"


# --- scorecards -----------------------------------------------------------------------------


def test_the_scorecard_is_the_service_scorecard_json(
    practitioner: User, missing_desk: Service
) -> None:
    response = api(practitioner).get(detail(missing_desk, "scorecard/"))

    assert response.status_code == 200
    assert_documented(response, "/api/services/{slug}/scorecard/")
    body = response.json()
    assert body == json_ready(service_scorecard(missing_desk).as_json())
    statuses = {score["outcome"]: score["status"] for score in body["scores"]}
    assert (statuses["reliable"], statuses["predictable"]) == ("not_met", "not_met")
    assert body["evidence"]["availability_percent"] == pytest.approx(98.0)
    (objective,) = body["objectives"]
    assert (objective["name"], objective["met"], objective["missed"]) == ("Availability", 0, 3)
    assert body["slo_missed_periods"] == 3


def test_every_services_scorecard_by_name(
    practitioner: User, missing_desk: Service, hosting: Service
) -> None:
    client = api(practitioner)

    response = client.get(f"{SERVICES}scorecards/")
    retired = client.get(f"{SERVICES}scorecards/", {"state": "retired"})
    malformed = client.get(f"{SERVICES}scorecards/", {"state": "paused"})

    assert response.status_code == 200
    assert_documented(response, "/api/services/scorecards/")
    body = response.json()
    assert body["count"] == 2
    assert [card["service"] for card in body["scorecards"]] == ["hosting", "service-desk"]
    assert body["scorecards"][1] == json_ready(service_scorecard(missing_desk).as_json())
    assert retired.json() == {"count": 0, "scorecards": []}
    assert malformed.status_code == 400
    assert fields(malformed) == ["state"]


def test_problems_are_field_and_message_pairs(practitioner: User, desk: Service) -> None:
    response = api(practitioner).get(SERVICES, {"state": "paused"})

    ((field, message),) = problems(response)
    assert field == "state"
    assert "paused" in message


def test_the_portfolio_reads_a_fixed_number_of_queries(
    practitioner: User, process_group_member: User, other_owner: User, missing_desk: Service
) -> None:
    client = api(practitioner)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(SERVICES).status_code == 200
        return len(captured)

    few = queries()
    for n in range(3):
        fixtures.add_service(process_group_member, f"extra-{n}", f"Extra {n}", other_owner)
    assert queries() == few
