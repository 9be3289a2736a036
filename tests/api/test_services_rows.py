"""The rows of a service over HTTP: objectives and their attainment, cost and demand (one
month, or a CSV file), changes, continuity plans and their tests, compliance checks;
and every continuity plan (/api/services/continuity/).

Personas and the portfolio: see ``test_services_fixtures``. The service owner writes
the rows of Service Desk, not those of Hosting; a practitioner reads only. A refused
write is a 403 (or 400, 404, 409) and nothing changes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.api import test_services_fixtures as fixtures
from tests.api.test_services_fixtures import (
    SERVICES,
    api,
    assert_documented,
    fields,
    json_ready,
    problems,
    window_months,
)
from uplift.apps.measurements.models import Measure
from uplift.apps.service_portfolio.models import (
    ComplianceCheck,
    ContinuityPlan,
    Policy,
    Service,
    ServiceChange,
    ServiceLevelObjective,
    ServicePeriod,
)
from uplift.apps.service_portfolio.selectors_continuity import continuity_overview
from uplift.apps.service_portfolio.services.continuity import continuity_create
from uplift.apps.service_portfolio.services.policies import policy_create

pytestmark = pytest.mark.django_db

settings_row = fixtures.settings_row
service_owner = fixtures.service_owner
other_owner = fixtures.other_owner
steering = fixtures.steering
unit = fixtures.unit
desk_team = fixtures.desk_team
desk = fixtures.desk
hosting = fixtures.hosting
availability = fixtures.availability
desk_availability = fixtures.desk_availability
missing_desk = fixtures.missing_desk

TODAY = timezone.localdate
THIS_MONTH = f"{timezone.localdate():%Y-%m}"
LAST_MONTH = f"{timezone.localdate().replace(day=1) - dt.timedelta(days=1):%Y-%m}"


def url(service: Service, suffix: str) -> str:
    return f"{SERVICES}{service.slug}/{suffix}"


# --- service-level objectives ---------------------------------------------------------------


def test_the_owner_adds_an_objective_of_their_service(
    service_owner: User, desk: Service, availability: Measure
) -> None:
    response = api(service_owner).post(
        url(desk, "objectives/"),
        {"name": "Availability", "measure": "availability", "target": 99.5, "kind": "availability"},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert_documented(response, "/api/services/{slug}/objectives/", "post")
    slo = ServiceLevelObjective.objects.get()
    assert (slo.service, slo.measure, slo.target, slo.kind, slo.period) == (
        desk,
        availability,
        99.5,
        "availability",
        "month",
    )
    assert response.json() == {
        "id": slo.pk,
        "name": "Availability",
        "kind": "availability",
        "measure": "availability",
        "statistic": "mean",
        "target": 99.5,
        "required_share": None,
        "period": "month",
        "active": True,
        "version": 1,
    }
    listed = api(service_owner).get(url(desk, "objectives/"))
    assert_documented(listed, "/api/services/{slug}/objectives/")
    assert [row["id"] for row in listed.json()] == [slo.pk]


@pytest.mark.parametrize("who", ["practitioner", "other_owner", "steering"])
def test_only_the_owner_or_a_manager_adds_objectives(
    request: pytest.FixtureRequest, who: str, desk: Service, availability: Measure
) -> None:
    user = request.getfixturevalue(who)

    response = api(user).post(
        url(desk, "objectives/"),
        {"name": "Availability", "measure": "availability", "target": 99.5},
        format="json",
    )

    assert response.status_code == 403
    assert_documented(response, "/api/services/{slug}/objectives/", "post")
    assert ServiceLevelObjective.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "A", "measure": "no-such-measure", "target": 1}, "measure"),
        ({"name": "A", "measure": "availability", "target": "high"}, "target"),
        ({"name": "A", "measure": "availability", "target": 1, "statistic": "median"}, "statistic"),
        (
            {"name": "A", "measure": "availability", "target": 1, "statistic": "share_meeting"},
            "required_share",
        ),
        ({"name": "Availability", "measure": "availability", "target": 99}, "name"),
    ],
)
def test_an_objective_the_rules_refuse_is_a_400_naming_the_field(
    service_owner: User,
    desk_availability: ServiceLevelObjective,
    body: dict[str, Any],
    field: str,
) -> None:
    response = api(service_owner).post(
        url(desk_availability.service, "objectives/"), body, format="json"
    )

    assert response.status_code == 400
    assert fields(response) == [field]
    assert ServiceLevelObjective.objects.count() == 1


def test_the_owner_changes_and_removes_an_objective(
    service_owner: User, desk_availability: ServiceLevelObjective
) -> None:
    client = api(service_owner)
    address = url(desk_availability.service, f"objectives/{desk_availability.pk}/")

    changed = client.patch(address, {"version": 1, "target": 99.9, "active": False}, format="json")
    removed = client.delete(address)

    assert changed.status_code == 200, changed.json()
    assert_documented(changed, "/api/services/{slug}/objectives/{row_id}/", "patch")
    assert (changed.json()["target"], changed.json()["active"]) == (99.9, False)
    assert changed.json()["version"] == 2
    assert removed.status_code == 204
    assert ServiceLevelObjective.objects.count() == 0


def test_an_objective_is_changed_from_its_version_and_a_stale_one_is_a_409(
    service_owner: User, desk_availability: ServiceLevelObjective
) -> None:
    client = api(service_owner)
    address = url(desk_availability.service, f"objectives/{desk_availability.pk}/")

    changed = client.patch(address, {"version": 1, "target": 99.9}, format="json")
    stale = client.patch(address, {"version": 1, "target": 98, "active": False}, format="json")

    assert changed.status_code == 200, changed.json()
    assert changed.json()["version"] == 2
    assert stale.status_code == 409
    assert_documented(stale, "/api/services/{slug}/objectives/{row_id}/", "patch")
    assert "you started from 1" in stale.json()["detail"]
    desk_availability.refresh_from_db()
    assert (desk_availability.target, desk_availability.active) == (99.9, True)
    assert desk_availability.version == 2


def test_a_change_of_an_objective_needs_the_version(
    service_owner: User, desk_availability: ServiceLevelObjective
) -> None:
    address = url(desk_availability.service, f"objectives/{desk_availability.pk}/")

    response = api(service_owner).patch(address, {"target": 99.9}, format="json")

    assert response.status_code == 400
    assert fields(response) == ["version"]
    desk_availability.refresh_from_db()
    assert (desk_availability.target, desk_availability.version) == (99.5, 1)


def test_an_objective_of_another_service_is_a_404(
    process_group_member: User, desk_availability: ServiceLevelObjective, hosting: Service
) -> None:
    address = url(hosting, f"objectives/{desk_availability.pk}/")

    response = api(process_group_member).patch(address, {"version": 1, "target": 1}, format="json")

    assert response.status_code == 404
    assert_documented(response, "/api/services/{slug}/objectives/{row_id}/", "patch")
    assert api(process_group_member).delete(address).status_code == 404
    desk_availability.refresh_from_db()
    assert desk_availability.target == 99.5


def test_the_attainment_of_an_objective_per_period_of_the_window(
    practitioner: User, missing_desk: Service, desk_availability: ServiceLevelObjective
) -> None:
    address = url(missing_desk, f"objectives/{desk_availability.pk}/attainment/")

    response = api(practitioner).get(address)

    assert response.status_code == 200
    assert_documented(response, "/api/services/{slug}/objectives/{row_id}/attainment/")
    body = response.json()
    months = window_months()
    assert (body["objective"], body["name"], body["start"]) == (
        desk_availability.pk,
        "Availability",
        months[0].isoformat(),
    )
    assert [p["period_start"] for p in body["periods"]] == [m.isoformat() for m in months]
    assert {(p["status"], p["n"], p["value"]) for p in body["periods"]} == {("missed", 1, 98.0)}


def test_the_attainment_between_given_days(
    practitioner: User, missing_desk: Service, desk_availability: ServiceLevelObjective
) -> None:
    address = url(missing_desk, f"objectives/{desk_availability.pk}/attainment/")
    first = window_months()[0]
    before = (first - dt.timedelta(days=1)).replace(day=1)
    client = api(practitioner)

    response = client.get(address, {"start": before.isoformat(), "end": f"{first:%Y-%m}-28"})
    backwards = client.get(address, {"start": first.isoformat(), "end": before.isoformat()})
    malformed = client.get(address, {"start": "last year"})

    assert [(p["period_start"], p["status"]) for p in response.json()["periods"]] == [
        (before.isoformat(), "met")  # the month whose end falls after the 28th is left out
    ]
    assert backwards.status_code == 400
    assert fields(backwards) == ["end"]
    assert malformed.status_code == 400
    assert_documented(malformed, "/api/services/{slug}/objectives/{row_id}/attainment/")
    assert fields(malformed) == ["start"]


# --- cost and demand ------------------------------------------------------------------------


def test_the_owner_keeps_a_months_cost_and_demand_and_changes_it(
    service_owner: User, desk: Service
) -> None:
    client = api(service_owner)

    added = client.post(
        url(desk, "periods/"),
        {"period": LAST_MONTH, "cost": "1200.50", "demand": 300},
        format="json",
    )
    changed = client.post(
        url(desk, "periods/"), {"period": f"{LAST_MONTH}-17", "cost": "1300"}, format="json"
    )

    assert added.status_code == 201, added.json()
    assert_documented(added, "/api/services/{slug}/periods/", "post")
    assert changed.status_code == 200, changed.json()
    assert_documented(changed, "/api/services/{slug}/periods/", "post")
    row = ServicePeriod.objects.get()
    assert (f"{row.period:%Y-%m-%d}", str(row.cost), row.demand) == (
        f"{LAST_MONTH}-01",
        "1300.00",
        None,
    )
    assert changed.json() == {
        "id": row.pk,
        "period": f"{LAST_MONTH}-01",
        "cost": 1300.0,
        "demand": None,
        "version": 2,
    }
    listed = client.get(url(desk, "periods/"))
    assert_documented(listed, "/api/services/{slug}/periods/")
    assert [item["id"] for item in listed.json()] == [row.pk]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"period": "2026-13", "cost": "1"}, "period"),
        ({"period": "2999-01", "cost": "1"}, "period"),
        ({"period": LAST_MONTH, "cost": "-1"}, "cost"),
        ({"period": LAST_MONTH, "cost": "1.005"}, "cost"),
        ({"period": LAST_MONTH, "cost": "1", "demand": -2}, "demand"),
    ],
)
def test_a_period_the_rules_refuse_is_a_400_naming_the_field(
    service_owner: User, desk: Service, body: dict[str, Any], field: str
) -> None:
    response = api(service_owner).post(url(desk, "periods/"), body, format="json")

    assert response.status_code == 400
    assert_documented(response, "/api/services/{slug}/periods/", "post")
    assert fields(response) == [field]
    assert ServicePeriod.objects.count() == 0


def test_the_owner_of_another_service_may_not_keep_its_cost(
    other_owner: User, desk: Service
) -> None:
    response = api(other_owner).post(
        url(desk, "periods/"), {"period": LAST_MONTH, "cost": "1"}, format="json"
    )

    assert response.status_code == 403
    assert ServicePeriod.objects.count() == 0


def test_removing_a_month(service_owner: User, desk: Service, hosting: Service) -> None:
    client = api(service_owner)
    row_id = client.post(
        url(desk, "periods/"), {"period": LAST_MONTH, "cost": "5"}, format="json"
    ).json()["id"]

    elsewhere = client.delete(url(hosting, f"periods/{row_id}/"))
    removed = client.delete(url(desk, f"periods/{row_id}/"))

    assert elsewhere.status_code in (403, 404)  # not theirs either way
    assert removed.status_code == 204
    assert ServicePeriod.objects.count() == 0


def test_a_csv_file_of_periods_is_imported_whole(service_owner: User, desk: Service) -> None:
    months = window_months()
    text = "period,cost,demand\n" + "".join(
        f"{month:%Y-%m},{1000 + i}.00,{200 + i}\n" for i, month in enumerate(months)
    )
    upload = SimpleUploadedFile("costs.csv", text.encode(), content_type="text/csv")

    response = api(service_owner).post(
        url(desk, "periods/import/"), {"file": upload}, format="multipart"
    )

    assert response.status_code == 200, response.json()
    assert_documented(response, "/api/services/{slug}/periods/import/", "post")
    body = response.json()
    assert body["imported"] == len(months)
    assert [item["period"] for item in body["periods"]] == [m.isoformat() for m in months]
    assert ServicePeriod.objects.filter(service=desk).count() == len(months)


def test_the_csv_may_be_the_body(service_owner: User, desk: Service) -> None:
    response = api(service_owner).generic(
        "POST",
        url(desk, "periods/import/"),
        f"period,cost\n{LAST_MONTH},10.00\n".encode(),
        content_type="text/csv",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["imported"] == 1


def test_a_rejected_file_lists_every_bad_row_and_writes_nothing(
    service_owner: User, desk: Service
) -> None:
    text = f"period,cost,demand\n{LAST_MONTH},10.00,1\n2026-13,5,1\n{LAST_MONTH},-4,1\n"
    upload = SimpleUploadedFile("costs.csv", text.encode(), content_type="text/csv")

    response = api(service_owner).post(
        url(desk, "periods/import/"), {"file": upload}, format="multipart"
    )

    assert response.status_code == 400
    assert_documented(response, "/api/services/{slug}/periods/import/", "post")
    body = response.json()
    assert body["detail"] == "The file was rejected; nothing was imported."
    assert {item["line"] for item in body["errors"]} >= {3, 4}
    assert ServicePeriod.objects.count() == 0


def test_a_practitioner_may_not_import(practitioner: User, desk: Service) -> None:
    upload = SimpleUploadedFile("costs.csv", f"period,cost\n{LAST_MONTH},1\n".encode())

    response = api(practitioner).post(
        url(desk, "periods/import/"), {"file": upload}, format="multipart"
    )

    assert response.status_code == 403
    assert ServicePeriod.objects.count() == 0


# --- changes --------------------------------------------------------------------------------


def test_the_owner_records_a_change_and_its_delivery(service_owner: User, desk: Service) -> None:
    client = api(service_owner)
    requested = TODAY() - dt.timedelta(days=20)

    added = client.post(
        url(desk, "changes/"),
        {"title": "Self-service reset", "requested_on": requested.isoformat(), "reference": "C-1"},
        format="json",
    )
    change_id = added.json()["id"]
    delivered = client.patch(
        url(desk, f"changes/{change_id}/"),
        {"delivered_on": (requested + dt.timedelta(days=12)).isoformat(), "version": 1},
        format="json",
    )

    assert added.status_code == 201, added.json()
    assert_documented(added, "/api/services/{slug}/changes/", "post")
    assert added.json()["lead_time_days"] is None
    assert delivered.status_code == 200, delivered.json()
    assert_documented(delivered, "/api/services/{slug}/changes/{row_id}/", "patch")
    assert delivered.json()["lead_time_days"] == 12
    listed = client.get(url(desk, "changes/"))
    assert_documented(listed, "/api/services/{slug}/changes/")
    assert [(row["reference"], row["lead_time_days"]) for row in listed.json()] == [("C-1", 12)]


def test_a_change_delivered_before_it_was_requested_is_refused(
    service_owner: User, desk: Service
) -> None:
    response = api(service_owner).post(
        url(desk, "changes/"),
        {"title": "Backwards", "requested_on": "2026-03-10", "delivered_on": "2026-03-01"},
        format="json",
    )

    assert response.status_code == 400
    assert fields(response) == ["delivered_on"]
    assert ServiceChange.objects.count() == 0


def test_removing_a_change(service_owner: User, other_owner: User, desk: Service) -> None:
    change_id = (
        api(service_owner)
        .post(url(desk, "changes/"), {"title": "X", "requested_on": "2026-01-05"}, format="json")
        .json()["id"]
    )

    refused = api(other_owner).delete(url(desk, f"changes/{change_id}/"))
    removed = api(service_owner).delete(url(desk, f"changes/{change_id}/"))

    assert refused.status_code == 403
    assert_documented(refused, "/api/services/{slug}/changes/{row_id}/", "delete")
    assert removed.status_code == 204
    assert ServiceChange.objects.count() == 0


# --- continuity -----------------------------------------------------------------------------


@pytest.fixture
def plan(service_owner: User, desk: Service, hosting: Service) -> ContinuityPlan:
    """Service Desk's plan, depending on Hosting; never tested."""
    return continuity_create(
        actor=service_owner,
        service=desk,
        name="Loss of the data centre",
        essential_functions="Log tickets\nReset passwords",
        plan="Fail over to the second site.",
        dependencies=[hosting],
    )


def test_the_owner_adds_a_continuity_plan(
    service_owner: User, desk: Service, hosting: Service
) -> None:
    response = api(service_owner).post(
        url(desk, "continuity/"),
        {
            "name": "Loss of the data centre",
            "essential_functions": "Log tickets",
            "plan": "Fail over.",
            "dependencies": ["hosting"],
            "test_interval_days": 180,
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert_documented(response, "/api/services/{slug}/continuity/", "post")
    body = response.json()
    assert (body["service"], body["dependencies"], body["test_interval_days"]) == (
        "service-desk",
        ["hosting"],
        180,
    )
    assert body["status"]["state"] == "never_tested"
    assert body["needs_attention"] is True
    assert ContinuityPlan.objects.get().dependencies.get() == hosting


def test_a_plan_is_changed_from_its_version_and_a_stale_one_is_a_409(
    service_owner: User, plan: ContinuityPlan
) -> None:
    client = api(service_owner)
    address = url(plan.service, f"continuity/{plan.pk}/")

    changed = client.patch(address, {"version": 1, "test_interval_days": 90}, format="json")
    stale = client.patch(address, {"version": 1, "plan": "Something else."}, format="json")

    assert changed.status_code == 200, changed.json()
    assert_documented(changed, "/api/services/{slug}/continuity/{row_id}/", "patch")
    assert (changed.json()["test_interval_days"], changed.json()["version"]) == (90, 2)
    assert stale.status_code == 409
    assert_documented(stale, "/api/services/{slug}/continuity/{row_id}/", "patch")
    plan.refresh_from_db()
    assert (plan.plan, plan.version) == ("Fail over to the second site.", 2)


def test_recording_a_test_of_a_plan(service_owner: User, plan: ContinuityPlan) -> None:
    tested_on = TODAY() - dt.timedelta(days=3)

    response = api(service_owner).post(
        url(plan.service, f"continuity/{plan.pk}/test/"),
        {"tested_on": tested_on.isoformat(), "result": "passed", "notes": "Took 40 minutes."},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert_documented(response, "/api/services/{slug}/continuity/{row_id}/test/", "post")
    body = response.json()
    assert (body["last_tested_on"], body["last_test_result"]) == (tested_on.isoformat(), "passed")
    assert (body["status"]["state"], body["needs_attention"]) == ("due", False)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"tested_on": "2999-01-01", "result": "passed"}, "tested_on"),
        ({"tested_on": "2026-01-01", "result": "maybe"}, "result"),
    ],
)
def test_a_test_the_rules_refuse_is_a_400(
    service_owner: User, plan: ContinuityPlan, body: dict[str, str], field: str
) -> None:
    response = api(service_owner).post(
        url(plan.service, f"continuity/{plan.pk}/test/"), body, format="json"
    )

    assert response.status_code == 400
    assert fields(response) == [field]
    plan.refresh_from_db()
    assert plan.last_tested_on is None


def test_another_owner_may_not_test_the_plan(other_owner: User, plan: ContinuityPlan) -> None:
    response = api(other_owner).post(
        url(plan.service, f"continuity/{plan.pk}/test/"),
        {"tested_on": "2026-01-01", "result": "passed"},
        format="json",
    )

    assert response.status_code == 403
    plan.refresh_from_db()
    assert (plan.last_tested_on, plan.version) == (None, 1)


def test_every_continuity_plan_with_its_testing(
    practitioner: User, service_owner: User, plan: ContinuityPlan, hosting: Service
) -> None:
    tested = continuity_create(
        actor=service_owner,
        service=plan.service,
        name="Loss of the ticket tool",
        essential_functions="Log tickets",
        plan="Paper forms.",
    )
    api(service_owner).post(
        url(plan.service, f"continuity/{tested.pk}/test/"),
        {"tested_on": TODAY().isoformat(), "result": "passed"},
        format="json",
    )
    client = api(practitioner)

    everything = client.get(f"{SERVICES}continuity/")
    attention = client.get(f"{SERVICES}continuity/", {"attention": "true"})
    malformed = client.get(f"{SERVICES}continuity/", {"attention": "maybe"})

    assert everything.status_code == 200
    assert_documented(everything, "/api/services/continuity/")
    body = everything.json()
    assert body["today"] == TODAY().isoformat()
    assert body["plans"] == json_ready([row.as_json() for row in continuity_overview()])
    assert [(row["name"], row["needs_attention"]) for row in body["plans"]] == [
        ("Loss of the data centre", True),  # never tested: attention first
        ("Loss of the ticket tool", False),
    ]
    assert [row["name"] for row in attention.json()["plans"]] == ["Loss of the data centre"]
    assert attention.json()["count"] == 1
    assert malformed.status_code == 400
    assert fields(malformed) == ["attention"]


# --- compliance -----------------------------------------------------------------------------


@pytest.fixture
def policy(process_group_member: User, desk: Service) -> Policy:
    return policy_create(
        actor=process_group_member,
        slug="backups",
        name="Backups",
        statement="Every service keeps its backups for 35 days.",
        owner=process_group_member,
        review_due=TODAY() + dt.timedelta(days=90),
        services=[desk],
    )


def test_the_owner_records_a_passed_check(
    service_owner: User, desk: Service, policy: Policy
) -> None:
    client = api(service_owner)

    response = client.post(
        url(desk, "compliance/"), {"policy": "backups", "result": "passed"}, format="json"
    )

    assert response.status_code == 201, response.json()
    assert_documented(response, "/api/services/{slug}/compliance/", "post")
    body = response.json()
    check = ComplianceCheck.objects.get()
    assert (body["id"], body["policy"], body["result"], body["checked_by"], body["current"]) == (
        check.pk,
        "backups",
        "passed",
        "service.owner",
        True,
    )
    assert body["checked_on"] == TODAY().isoformat()


def test_the_latest_check_per_policy_is_current(
    service_owner: User, desk: Service, policy: Policy
) -> None:
    client = api(service_owner)
    earlier = TODAY() - dt.timedelta(days=30)
    client.post(
        url(desk, "compliance/"),
        {
            "policy": "backups",
            "result": "failed",
            "reason": "Kept 7 days.",
            "checked_on": str(earlier),
        },
        format="json",
    )
    client.post(url(desk, "compliance/"), {"policy": "backups", "result": "passed"}, format="json")

    response = client.get(url(desk, "compliance/"))

    assert response.status_code == 200
    assert_documented(response, "/api/services/{slug}/compliance/")
    assert [(row["result"], row["current"]) for row in response.json()] == [
        ("passed", True),
        ("failed", False),
    ]


def test_an_owner_does_not_waive_their_own_service(
    service_owner: User, desk: Service, policy: Policy
) -> None:
    response = api(service_owner).post(
        url(desk, "compliance/"),
        {"policy": "backups", "result": "waived", "reason": "Legacy system until June."},
        format="json",
    )

    assert response.status_code == 403
    assert_documented(response, "/api/services/{slug}/compliance/", "post")
    assert "waive" in response.json()["detail"]
    assert ComplianceCheck.objects.count() == 0


def test_the_process_group_waives_with_a_reason(
    process_group_member: User, desk: Service, policy: Policy
) -> None:
    client = api(process_group_member)

    without = client.post(
        url(desk, "compliance/"), {"policy": "backups", "result": "waived"}, format="json"
    )
    waived = client.post(
        url(desk, "compliance/"),
        {"policy": "backups", "result": "waived", "reason": "Legacy system until June."},
        format="json",
    )

    assert without.status_code == 400
    assert fields(without) == ["reason"]
    assert waived.status_code == 201, waived.json()
    assert ComplianceCheck.objects.get().reason == "Legacy system until June."


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"policy": "backups", "result": "failed"}, "reason"),
        ({"policy": "no-such-policy", "result": "passed"}, "policy"),
        ({"policy": "backups", "result": "passed", "checked_on": "2999-01-01"}, "checked_on"),
        ({"policy": "backups", "result": "fine"}, "result"),
    ],
)
def test_a_check_the_rules_refuse_is_a_400_naming_the_field(
    service_owner: User, desk: Service, policy: Policy, body: dict[str, str], field: str
) -> None:
    response = api(service_owner).post(url(desk, "compliance/"), body, format="json")

    assert response.status_code == 400
    assert fields(response) == [field]
    assert ComplianceCheck.objects.count() == 0


def test_a_policy_that_does_not_govern_the_service_is_refused(
    other_owner: User, hosting: Service, policy: Policy
) -> None:
    response = api(other_owner).post(
        url(hosting, "compliance/"), {"policy": "backups", "result": "passed"}, format="json"
    )

    assert response.status_code == 400
    ((field, message),) = problems(response)
    assert field == "policy"
    assert "does not govern" in message
    assert ComplianceCheck.objects.count() == 0


def test_another_owner_may_not_record_checks(
    other_owner: User, desk: Service, policy: Policy
) -> None:
    response = api(other_owner).post(
        url(desk, "compliance/"), {"policy": "backups", "result": "passed"}, format="json"
    )

    assert response.status_code == 403
    assert ComplianceCheck.objects.count() == 0


# --- versions of months and changes ------------------------------------------------------------


def test_a_month_changed_from_a_stale_version_is_a_409_and_nothing_is_saved(
    service_owner: User, desk: Service
) -> None:
    client = api(service_owner)
    added = client.post(url(desk, "periods/"), {"period": LAST_MONTH, "cost": "10"}, format="json")
    row_id = added.json()["id"]
    patched = client.patch(
        url(desk, f"periods/{row_id}/"), {"cost": "12", "version": 1}, format="json"
    )
    stale = client.patch(
        url(desk, f"periods/{row_id}/"), {"cost": "99", "version": 1}, format="json"
    )
    stale_post = client.post(
        url(desk, "periods/"), {"period": LAST_MONTH, "cost": "98", "version": 1}, format="json"
    )

    assert patched.status_code == 200, patched.json()
    assert_documented(patched, "/api/services/{slug}/periods/{row_id}/", "patch")
    assert (patched.json()["cost"], patched.json()["version"]) == (12.0, 2)
    assert stale.status_code == 409
    assert_documented(stale, "/api/services/{slug}/periods/{row_id}/", "patch")
    assert stale.json()["errors"][0]["field"] == "version"
    assert stale_post.status_code == 409
    assert_documented(stale_post, "/api/services/{slug}/periods/", "post")
    assert str(ServicePeriod.objects.get().cost) == "12.00"


def test_a_change_patched_from_a_stale_version_is_a_409_and_nothing_is_saved(
    service_owner: User, desk: Service
) -> None:
    client = api(service_owner)
    requested = (TODAY() - dt.timedelta(days=3)).isoformat()
    added = client.post(
        url(desk, "changes/"), {"title": "VPN", "requested_on": requested}, format="json"
    )
    change_id = added.json()["id"]
    first = client.patch(
        url(desk, f"changes/{change_id}/"), {"title": "New VPN", "version": 1}, format="json"
    )
    stale = client.patch(
        url(desk, f"changes/{change_id}/"), {"title": "Old VPN", "version": 1}, format="json"
    )
    missing = client.patch(url(desk, f"changes/{change_id}/"), {"title": "X"}, format="json")

    assert first.status_code == 200, first.json()
    assert first.json()["version"] == 2
    assert stale.status_code == 409
    assert_documented(stale, "/api/services/{slug}/changes/{row_id}/", "patch")
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["field"] == "version"
    assert ServiceChange.objects.get().title == "New VPN"
