"""The portfolio's pages: personas (302/403/404), the list (filters, sort, 400s,
exports), create and edit (field messages, 409), cost and demand (record, import,
export), changes, history, and the service page with the other parts' sections."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.apps.service_portfolio.test_portfolio_fixtures import (
    activity,
    business_objective,
    counts,
    months_ago,
    observe,
    period,
    snapshot,
    unit,
)
from tests.factories.organization import WorkActivityFactory
from tests.factories.service_portfolio import (
    ContinuityPlanFactory,
    MeasureFactory,
    PolicyFactory,
    ServiceFactory,
    SloFactory,
)
from uplift.apps.organization.choices import WorkActivityKind
from uplift.apps.service_portfolio.choices import ServiceState
from uplift.apps.service_portfolio.models import Service, ServiceChange, ServicePeriod
from uplift.apps.service_portfolio.services import portfolio as services

__all__ = ["activity", "business_objective", "unit"]  # fixtures used by name

pytestmark = pytest.mark.django_db

READ_PAGES = ["service_detail", "service_history", "service_periods", "service_changes"]


def url(name: str, *args: Any) -> str:
    return reverse(f"service_portfolio:{name}", args=args)


def text(response: Any) -> str:
    return response.content.decode()


@pytest.fixture
def missing_availability(service_owner: User, unit: Any) -> Service:
    """Database Hosting: its availability objective (99.5 %, monthly mean) missed in both
    of the last two months (98 % and 99 %: 98.5 % over the window, under 99 %: not met)."""
    activity = WorkActivityFactory(
        name="Database team", slug="database-team", kind=WorkActivityKind.SERVICE, unit=unit
    )
    service = ServiceFactory(
        slug="database-hosting", name="Database Hosting", owner=service_owner, unit=unit
    )
    service.work_activities.set([activity])
    slo = SloFactory(service=service, name="Availability 99.5 %")
    observe(slo.measure, activity, months_ago(2), [98.0])
    observe(slo.measure, activity, months_ago(1), [99.0])
    return service


# -- access ---------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(anonymous: Client, owned_service: Service) -> None:
    pages = [url("service_list"), url("service_create")]
    pages += [url(name, owned_service.slug) for name in [*READ_PAGES, "service_edit"]]
    for page in pages:
        response = anonymous.get(page)
        assert response.status_code == 302, page
        assert "login" in response["Location"]


def test_a_user_without_a_role_is_refused(
    client_for: Any, outsider: User, owned_service: Service
) -> None:
    client = client_for(outsider)
    assert client.get(url("service_list")).status_code == 403
    for name in READ_PAGES:
        assert client.get(url(name, owned_service.slug)).status_code == 403, name


@pytest.mark.parametrize("name", READ_PAGES)
def test_a_practitioner_reads_every_page_of_a_service(
    client_for: Any, practitioner: User, owned_service: Service, name: str
) -> None:
    response = client_for(practitioner).get(url(name, owned_service.slug))
    assert response.status_code == 200
    assert "Service Desk" in text(response)
    assert 'method="post"' not in text(response).split("<main", 1)[1]  # no forms to write


def test_a_practitioner_may_not_open_the_edit_pages_or_post(
    client_for: Any, practitioner: User, owned_service: Service
) -> None:
    client = client_for(practitioner)
    assert client.get(url("service_create")).status_code == 403
    assert client.get(url("service_edit", owned_service.slug)).status_code == 403
    row = period(owned_service, months_ago(2), "10")
    before, kept = counts(), snapshot(owned_service)
    slug = owned_service.slug
    responses = [
        client.post(url("service_create"), {"name": "Mine", "slug": "mine"}),
        client.post(url("service_edit", slug), {"name": "Mine", "version": 1}),
        client.post(url("service_periods", slug), {"period": "2025-01", "cost": "1"}),
        client.post(url("service_periods", slug), {"action": "delete", "row": row.pk}),
        client.post(url("service_changes", slug), {"title": "X", "requested_on": "2025-01-01"}),
    ]
    assert [r.status_code for r in responses] == [403] * 5
    assert counts() == before
    assert snapshot(owned_service) == kept


def test_an_owner_may_not_change_another_owners_service(
    client_for: Any, service_owner: User, other_service: Service
) -> None:
    client = client_for(service_owner)
    slug = other_service.slug
    assert client.get(url("service_edit", slug)).status_code == 403
    before = counts()
    assert (
        client.post(url("service_periods", slug), {"period": "2025-01", "cost": "1"}).status_code
        == 403
    )
    assert counts() == before


def test_an_unknown_service_or_row_is_a_404(
    client_for: Any, process_group_member: User, owned_service: Service
) -> None:
    client = client_for(process_group_member)
    for name in [*READ_PAGES, "service_edit"]:
        assert client.get(url(name, "no-such-service")).status_code == 404, name
    slug = owned_service.slug
    assert (
        client.post(url("service_periods", slug), {"action": "delete", "row": 999}).status_code
        == 404
    )
    assert (
        client.post(url("service_changes", slug), {"action": "delete", "row": "x"}).status_code
        == 404
    )
    assert client.get(url("service_changes", slug), {"edit": 999}).status_code == 404
    assert client.post(url("service_changes", slug), {"action": "merge"}).status_code == 400
    assert client.post(url("service_periods", slug), {"action": "merge"}).status_code == 400


def test_writes_need_the_csrf_token(service_owner: User, owned_service: Service) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(service_owner, backend="django.contrib.auth.backends.ModelBackend")
    before = counts()
    response = client.post(
        url("service_periods", owned_service.slug), {"period": "2025-01", "cost": "1"}
    )
    assert response.status_code == 403
    assert counts() == before


# -- the portfolio --------------------------------------------------------------------------------


def test_the_portfolio_shows_each_service_with_its_outcomes_and_missed_objectives(
    client_for: Any, practitioner: User, missing_availability: Service, owned_service: Service
) -> None:
    html = text(client_for(practitioner).get(url("service_list")))
    assert "2 services." in html
    assert 'aria-current="page">Portfolio<' in html  # the portfolio's navigation
    assert ">Database Hosting</a>" in html
    assert ">Service Desk</a>" in html
    row = html.split(">Database Hosting</a>", 1)[1].split("</tr>", 1)[0]
    assert "✗ Not met" in row  # reliable: 98.5 % < 99 %, in words
    assert "Reliable: Availability 98.5 %." in row
    assert "<strong>Availability 99.5 %</strong>: missed 2 of 2 periods" in row
    assert "Finance" in row
    assert "In the catalog" in row
    desk = html.split(">Service Desk</a>", 1)[1].split("</tr>", 1)[0]
    assert "no objectives" in desk


def test_the_portfolio_filters_by_state_owner_unit_and_text(
    client_for: Any,
    practitioner: User,
    owned_service: Service,
    other_service: Service,
    unit: Any,
) -> None:
    ServiceFactory(slug="retired-one", name="Old Fax", state=ServiceState.RETIRED, unit=unit)
    client = client_for(practitioner)

    def names(**params: str) -> list[str]:
        response = client.get(url("service_list"), params)
        assert response.status_code == 200, text(response)
        return [row.service.name for row in response.context["rows"]]

    assert names() == ["Hosting", "Old Fax", "Service Desk"]
    assert names(state="retired") == ["Old Fax"]
    assert names(owner="service.owner") == ["Service Desk"]
    assert names(unit="managed-services") == ["Old Fax"]
    assert names(q="fax") == ["Old Fax"]
    assert names(q="aisha") == ["Service Desk"]  # the owner's first name
    assert names(q="finance") == ["Hosting", "Old Fax", "Service Desk"]  # a customer
    assert names(sort="-name") == ["Service Desk", "Old Fax", "Hosting"]


def test_the_portfolio_filters_by_outcome_status_and_shortfall(
    client_for: Any, practitioner: User, missing_availability: Service, owned_service: Service
) -> None:
    client = client_for(practitioner)

    def names(**params: str) -> list[str]:
        response = client.get(url("service_list"), params)
        assert response.status_code == 200, text(response)
        return [row.service.name for row in response.context["rows"]]

    assert names(outcome="reliable", status="not_met") == ["Database Hosting"]
    assert names(outcome="reliable") == ["Database Hosting"]  # alone: falls short in it
    assert names(outcome="reliable", status="no_evidence") == ["Service Desk"]
    assert names(status="not_met") == ["Database Hosting"]
    assert names(shortfall="yes") == ["Database Hosting"]
    assert names(shortfall="no") == ["Service Desk"]
    assert names(shortfall="yes", state="proposed") == []
    assert names(sort="-shortfalls") == ["Database Hosting", "Service Desk"]
    assert names(sort="shortfalls") == ["Service Desk", "Database Hosting"]
    assert names(sort="-missed") == ["Database Hosting", "Service Desk"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"state": "gone"}, "Invalid filter: state"),
        ({"owner": "nobody"}, "Invalid filter: owner"),
        ({"outcome": "happy"}, "Invalid filter: outcome"),
        ({"shortfall": "maybe"}, "Invalid filter: shortfall"),
        ({"colour": "red"}, "Unknown parameter: colour"),
        ({"sort": "price"}, "Cannot sort by"),
        ({"per_page": "many"}, "per_page must be a whole number"),
        ({"export": "pdf"}, "use export=csv or export=xlsx"),
    ],
)
def test_a_malformed_list_request_is_a_400_with_the_reason(
    client_for: Any,
    practitioner: User,
    owned_service: Service,
    params: dict[str, str],
    message: str,
) -> None:
    response = client_for(practitioner).get(url("service_list"), params)
    assert response.status_code == 400
    assert message in text(response)


def test_the_portfolio_pages_and_says_what_to_do_when_empty(
    client_for: Any, practitioner: User, process_group_member: User, db: None
) -> None:
    assert "Ask the process group to add the services you own" in text(
        client_for(practitioner).get(url("service_list"))
    )
    html = text(client_for(process_group_member).get(url("service_list")))
    assert "Add the first service" in html
    for n in range(3):
        ServiceFactory(slug=f"s{n}", name=f"S{n}")
    response = client_for(practitioner).get(url("service_list"), {"per_page": 2, "page": 2})
    assert [row.service.name for row in response.context["rows"]] == ["S2"]
    assert "Page 2 of 2" in text(response)
    filtered = client_for(practitioner).get(url("service_list"), {"q": "nothing like it"})
    assert "No services match these filters" in text(filtered)


def test_the_portfolio_exports_every_filtered_service_as_csv_and_xlsx(
    client_for: Any, practitioner: User, missing_availability: Service, owned_service: Service
) -> None:
    client = client_for(practitioner)
    response = client.get(url("service_list"), {"export": "csv", "shortfall": "yes"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="service-portfolio.csv"'
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["Slug"] for r in rows] == ["database-hosting"]
    row = rows[0]
    assert (row["State"], row["Owner sign-in"], row["Customers"]) == (
        "In the catalog",
        "service.owner",
        "Finance",
    )
    assert (row["Reliable"], row["Predictable"], row["Valuable and compelling"]) == (
        "Not met",
        "Not met",
        "No evidence",
    )
    assert (row["SLO periods judged"], row["SLO periods missed"]) == ("2", "2")
    assert row["Objectives missed"] == "Availability 99.5 % (missed 2 of 2 periods)"
    assert "Reliable: not met" in row["Shortfalls"]

    response = client.get(url("service_list"), {"export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[0][:3] == ("Slug", "Name", "State")
    assert [v[0] for v in values[1:]] == ["database-hosting", "service-desk"]


def test_the_portfolio_takes_a_fixed_number_of_queries(
    client_for: Any, practitioner: User, unit: Any
) -> None:
    client = client_for(practitioner)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url("service_list")).status_code == 200
        return len(captured.captured_queries)

    def add(n: int) -> None:
        for i in range(n):
            activity = WorkActivityFactory(unit=unit, kind=WorkActivityKind.SERVICE)
            service = ServiceFactory(unit=unit)
            service.work_activities.set([activity])
            slo = SloFactory(service=service, measure=MeasureFactory(slug=f"m{service.pk}"))
            observe(slo.measure, activity, months_ago(1), [99.9])
            period(service, months_ago(1), "10", 1)
            ContinuityPlanFactory(service=service)
            PolicyFactory().services.add(service)
            del i

    add(2)
    few = queries()
    add(6)
    assert queries() == few


# -- create and edit ------------------------------------------------------------------------------


def test_a_portfolio_manager_adds_a_service_through_the_form(
    client_for: Any,
    process_group_member: User,
    service_owner: User,
    unit: Any,
    activity: Any,
    business_objective: Any,
) -> None:
    client = client_for(process_group_member)
    page = client.get(url("service_create"))
    assert page.status_code == 200
    assert "Aisha" in text(page)  # a possible owner
    response = client.post(
        url("service_create"),
        {
            "name": "Backup and Restore",
            "slug": "backup",
            "description": "Nightly.",
            "state": "catalog",
            "owner": service_owner.pk,
            "unit": unit.pk,
            "customers": "Finance\r\n\r\nSales\r\n",
            "objectives": [business_objective.pk],
            "work_activities": [activity.pk],
            "capacity": "200",
            "demand_unit": "TB",
            "currency": "EUR",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == url("service_detail", "backup")
    service = Service.objects.get(slug="backup")
    assert (service.state, service.customers, service.owner) == (
        "catalog",
        ["Finance", "Sales"],
        service_owner,
    )
    assert service.history.get().history_user == process_group_member


def test_a_refused_service_comes_back_with_the_message_on_its_field(
    client_for: Any, process_group_member: User, practitioner: User, unit: Any
) -> None:
    client = client_for(process_group_member)
    response = client.post(
        url("service_create"),
        {
            "name": "Settings",
            "slug": "settings",
            "state": "proposed",
            "owner": practitioner.pk,
            "unit": unit.pk,
            "currency": "EUR",
        },
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "owner" in form.errors  # a practitioner is not offered as an owner
    process_group_member_may_own = process_group_member.pk
    response = client.post(
        url("service_create"),
        {
            "name": "Settings",
            "slug": "settings",
            "state": "proposed",
            "owner": process_group_member_may_own,
            "unit": unit.pk,
            "currency": "EUR",
        },
    )
    assert response.status_code == 400
    assert "names a page of the portfolio" in response.context["form"].errors["slug"][0]
    assert 'value="Settings"' in text(response)  # the input is kept
    assert not Service.objects.exists()


def test_the_owner_edits_their_service_without_owner_or_slug(
    client_for: Any, service_owner: User, owned_service: Service, unit: Any
) -> None:
    client = client_for(service_owner)
    page = client.get(url("service_edit", owned_service.slug))
    assert page.status_code == 200
    form = page.context["form"]
    assert form.fields["owner"].disabled
    assert form.fields["slug"].disabled
    assert [value for value, _ in form.fields["state"].choices] == ["catalog", "retired"]
    response = client.post(
        url("service_edit", owned_service.slug),
        {
            "name": "Service Desk 24/7",
            "slug": "hijacked",  # disabled: ignored
            "state": "catalog",
            "unit": owned_service.unit_id,
            "customers": "Everyone",
            "currency": "EUR",
            "version": 1,
        },
    )
    assert response.status_code == 302
    stored = Service.objects.get(pk=owned_service.pk)
    assert (stored.name, stored.slug, stored.customers, stored.version) == (
        "Service Desk 24/7",
        "service-desk",
        ["Everyone"],
        2,
    )


def test_a_stale_edit_comes_back_with_a_409_and_the_input_kept(
    client_for: Any, service_owner: User, process_group_member: User, owned_service: Service
) -> None:
    services.service_update(
        actor=process_group_member, service=owned_service, data={"description": "Theirs."}
    )
    before = snapshot(owned_service)
    response = client_for(service_owner).post(
        url("service_edit", owned_service.slug),
        {
            "name": "My new name",
            "state": "catalog",
            "unit": owned_service.unit_id,
            "currency": "EUR",
            "version": 1,
        },
    )
    assert response.status_code == 409
    assert "was changed by process.group" in text(response)
    assert 'value="My new name"' in text(response)
    assert snapshot(owned_service) == before


def test_an_edit_the_rules_refuse_shows_on_the_field(
    client_for: Any, process_group_member: User, owned_service: Service, other_service: Service
) -> None:
    before = snapshot(owned_service)
    response = client_for(process_group_member).post(
        url("service_edit", owned_service.slug),
        {
            "name": "hosting",
            "slug": "service-desk",
            "state": "proposed",
            "owner": owned_service.owner_id,
            "unit": owned_service.unit_id,
            "currency": "EUR",
            "version": 1,
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "not one of the available choices" in errors["state"][0]  # no way back offered
    response = client_for(process_group_member).post(
        url("service_edit", owned_service.slug),
        {
            "name": "hosting",
            "slug": "service-desk",
            "state": "retired",
            "owner": owned_service.owner_id,
            "unit": owned_service.unit_id,
            "currency": "EUR",
            "version": 1,
        },
    )
    assert response.status_code == 400
    assert "has a service named “Hosting” already" in response.context["form"].errors["name"][0]
    assert snapshot(owned_service) == before


# -- the service page -----------------------------------------------------------------------------


def test_the_service_page_shows_the_overview_and_every_section(
    client_for: Any, service_owner: User, missing_availability: Service, business_objective: Any
) -> None:
    service = missing_availability
    service.objectives.set([business_objective])
    service.capacity, service.demand_unit = 100, "databases"
    service.save()
    period(service, months_ago(1), "5000", 95)
    ServiceChange.objects.create(
        service=service,
        title="Point-in-time restore",
        reference="CHG-9",
        requested_on=months_ago(3),
        delivered_on=months_ago(3) + dt.timedelta(days=12),
    )
    ContinuityPlanFactory(service=service, name="Fail over to site B")
    policy = PolicyFactory(name="Backups kept 35 days")
    policy.services.add(service)
    response = client_for(service_owner).get(url("service_detail", service.slug))
    assert response.status_code == 200
    html = text(response)
    assert "Keep customers working" in html
    assert "Database team" in html
    assert "95.0 % used in" in html
    assert "near capacity" in html
    assert "Availability 99.5 %" in html
    assert "✗ missed" in html
    assert "5,000.00" in html
    assert "52.63" in html
    assert "median lead time <strong>12 days</strong>" in html
    assert "Fail over to site B" in html  # the continuity section
    assert "Backups kept 35 days" in html  # the compliance section
    assert "ITSM processes and CMMI for Services" in html  # the mapping section
    assert response.context["service_scorecard"].scorecard is not None


def test_the_service_page_takes_a_fixed_number_of_queries(
    client_for: Any, service_owner: User, missing_availability: Service
) -> None:
    service = missing_availability
    client = client_for(service_owner)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url("service_detail", service.slug)).status_code == 200
        return len(captured.captured_queries)

    def add(n: int) -> None:
        for i in range(n):
            period(service, months_ago(12 + len(ServicePeriod.objects.all())), "10", 1)
            ServiceChange.objects.create(
                service=service, title=f"Change {i}", requested_on=months_ago(4)
            )
            SloFactory(service=service, measure=MeasureFactory(slug=f"m-{service.pk}-{i}-{n}"))
            ContinuityPlanFactory(service=service)
            PolicyFactory().services.add(service)

    add(1)
    few = queries()
    add(4)
    assert queries() == few


def test_an_empty_service_page_says_what_to_add(
    client_for: Any, service_owner: User, owned_service: Service
) -> None:
    html = text(client_for(service_owner).get(url("service_detail", owned_service.slug)))
    assert "No service-level objectives yet" in html
    assert "No cost recorded yet" in html
    assert "Record a month or import a CSV file" in html
    assert "No changes recorded yet" in html


def test_the_history_names_who_changed_the_service_and_its_rows(
    client_for: Any, practitioner: User, service_owner: User, owned_service: Service
) -> None:
    services.service_update(actor=service_owner, service=owned_service, data={"name": "Desk"})
    services.period_set(actor=service_owner, service=owned_service, period=months_ago(1), cost=5)
    row = services.period_set(
        actor=service_owner, service=owned_service, period=months_ago(1), cost=7
    )
    html = text(client_for(practitioner).get(url("service_history", owned_service.slug)))
    assert "Changed: Name" in html
    assert "<del>Service Desk</del> → <ins>Desk</ins>" in html
    assert f"Cost and demand {row.period:%Y-%m}" in html
    assert "<del>5.00</del> → <ins>7.00</ins>" in html
    assert html.count("Aisha") >= 3


# -- cost and demand ------------------------------------------------------------------------------


def test_the_owner_records_changes_and_deletes_a_month(
    client_for: Any, service_owner: User, owned_service: Service
) -> None:
    client = client_for(service_owner)
    page = url("service_periods", owned_service.slug)
    month = months_ago(2)
    response = client.post(page, {"action": "set", "period": f"{month:%Y-%m}", "cost": "100.5"})
    assert response.status_code == 302
    row = ServicePeriod.objects.get(service=owned_service)
    assert (row.period, row.cost) == (month, Decimal("100.50"))
    editing = client.get(page, {"period": f"{month:%Y-%m}"})
    assert editing.context["form"].initial["cost"] == Decimal("100.50")
    assert f"Change {month:%Y-%m}" in text(editing)
    client.post(page, {"action": "set", "period": f"{month:%Y-%m}", "cost": "120", "demand": "4"})
    row.refresh_from_db()
    assert (row.cost, row.demand) == (Decimal("120.00"), 4.0)
    assert "30.00" in text(client.get(page))  # cost per unit
    assert client.post(page, {"action": "delete", "row": row.pk}).status_code == 302
    assert not ServicePeriod.objects.exists()


def test_a_refused_month_shows_on_its_field(
    client_for: Any, service_owner: User, owned_service: Service
) -> None:
    client = client_for(service_owner)
    page = url("service_periods", owned_service.slug)
    future = months_ago(-1)
    response = client.post(page, {"action": "set", "period": f"{future:%Y-%m}", "cost": "1"})
    assert response.status_code == 400
    assert "has not begun" in response.context["form"].errors["period"][0]
    response = client.post(page, {"action": "set", "period": "March", "cost": "-1"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"period", "cost"}
    assert not ServicePeriod.objects.exists()


def test_a_csv_file_is_imported_from_the_page_and_exported_back(
    client_for: Any, service_owner: User, owned_service: Service
) -> None:
    client = client_for(service_owner)
    page = url("service_periods", owned_service.slug)
    content = f"period,cost,demand\n{months_ago(2):%Y-%m},10.5,3\n{months_ago(1):%Y-%m},11,\n"
    upload = SimpleUploadedFile("costs.csv", content.encode(), content_type="text/csv")
    response = client.post(page, {"action": "import", "file": upload})
    assert response.status_code == 302
    assert ServicePeriod.objects.filter(service=owned_service).count() == 2
    exported = client.get(page, {"export": "csv"})
    assert b"".join(exported.streaming_content).decode().replace("\r\n", "\n") == (
        f"period,cost,demand\n{months_ago(2):%Y-%m},10.50,3.0\n{months_ago(1):%Y-%m},11.00,\n"
    )
    assert client.get(page, {"export": "xml"}).status_code == 400


def test_a_refused_file_lists_each_problem_with_its_line_and_imports_nothing(
    client_for: Any, service_owner: User, owned_service: Service
) -> None:
    client = client_for(service_owner)
    content = f"period,cost\n{months_ago(2):%Y-%m},10\n2025-1x,10\n{months_ago(1):%Y-%m},ten\n"
    upload = SimpleUploadedFile("costs.csv", content.encode(), content_type="text/csv")
    response = client.post(
        url("service_periods", owned_service.slug), {"action": "import", "file": upload}
    )
    assert response.status_code == 400
    html = text(response)
    assert "The file was refused; nothing was imported" in html
    assert "<strong>line 3</strong> (column period)" in html
    assert "<strong>line 4</strong> (column cost): “ten” is not a number." in html
    assert not ServicePeriod.objects.exists()
    wrong = SimpleUploadedFile("costs.xlsx", b"PK\x03\x04", content_type="application/zip")
    response = client.post(
        url("service_periods", owned_service.slug), {"action": "import", "file": wrong}
    )
    assert response.status_code == 400
    assert "file" in response.context["import_form"].errors


# -- changes --------------------------------------------------------------------------------------


def test_the_owner_records_edits_and_deletes_changes(
    client_for: Any, service_owner: User, owned_service: Service
) -> None:
    client = client_for(service_owner)
    page = url("service_changes", owned_service.slug)
    today = timezone.localdate()
    requested = today - dt.timedelta(days=20)
    response = client.post(
        page, {"action": "add", "title": "New VPN", "reference": "CHG-1", "requested_on": requested}
    )
    assert response.status_code == 302
    change = ServiceChange.objects.get(service=owned_service)
    editing = client.get(page, {"edit": change.pk})
    assert editing.context["editing"][0] == change
    response = client.post(
        page,
        {
            "action": "update",
            "row": change.pk,
            "edit-title": "New VPN",
            "edit-reference": "CHG-1",
            "edit-requested_on": requested,
            "edit-delivered_on": today - dt.timedelta(days=5),
            "edit-version": 1,
        },
    )
    assert response.status_code == 302
    html = text(client.get(page))
    assert "median lead time <strong>15 days</strong>" in html
    exported = b"".join(client.get(page, {"export": "csv"}).streaming_content).decode()
    assert exported.splitlines()[1].endswith(",15")
    assert client.post(page, {"action": "delete", "row": change.pk}).status_code == 302
    assert not ServiceChange.objects.exists()


def test_a_refused_change_shows_on_its_field(
    client_for: Any, service_owner: User, owned_service: Service
) -> None:
    client = client_for(service_owner)
    page = url("service_changes", owned_service.slug)
    response = client.post(
        page,
        {
            "action": "add",
            "title": "Backwards",
            "requested_on": "2026-02-10",
            "delivered_on": "2026-02-01",
        },
    )
    assert response.status_code == 400
    assert "before it was requested" in response.context["form"].errors["delivered_on"][0]
    assert 'value="Backwards"' in text(response)
    assert not ServiceChange.objects.exists()
