"""The portfolio's writes (``services.portfolio``): services, their life cycle, cost and
demand, changes. Each rule refused leaves the rows as they were; each write records who
made it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from tests.apps.service_portfolio.test_portfolio_fixtures import (
    activity,
    business_objective,
    counts,
    itsm_library,
    months_ago,
    period,
    qppo,
    snapshot,
    unit,
)
from tests.conftest import MakeUser
from tests.factories.service_portfolio import ServiceFactory
from uplift.apps.accounts.roles import Role
from uplift.apps.service_portfolio.choices import ServiceState
from uplift.apps.service_portfolio.errors import ConflictError, ServicePortfolioError
from uplift.apps.service_portfolio.models import Service, ServiceChange, ServicePeriod
from uplift.apps.service_portfolio.services import portfolio as services
from uplift.domain.errors import InvalidDocument

__all__ = ["activity", "business_objective", "itsm_library", "qppo", "unit"]  # fixtures

pytestmark = pytest.mark.django_db


def create(actor: User, **fields: Any) -> Service:
    values: dict[str, Any] = {
        "slug": "backup",
        "name": "Backup and Restore",
        "owner": actor,
        "unit": fields.pop("unit"),
    }
    values.update(fields)
    return services.service_create(actor=actor, **values)


# -- creating a service ---------------------------------------------------------------------------


def test_a_portfolio_manager_adds_a_service_and_the_history_names_them(
    process_group_member: User,
    service_owner: User,
    unit: Any,
    activity: Any,
    business_objective: Any,
) -> None:
    service = create(
        process_group_member,
        unit=unit,
        slug="Backup",
        name="  Backup and Restore ",
        owner=service_owner,
        description="Nightly backups.\r\nRestores on request.",
        customers=["Finance", " finance ", "", "Sales"],
        objectives=[business_objective],
        work_activities=[activity, activity],
        itsm_processes=["scam", "SLM", "slm"],
        capacity=500,
        demand_unit="TB",
        currency="eur",
    )
    stored = Service.objects.get(pk=service.pk)
    assert (stored.slug, stored.name, stored.state) == ("backup", "Backup and Restore", "proposed")
    assert stored.description == "Nightly backups.\nRestores on request."
    assert stored.customers == ["Finance", "Sales"]
    assert stored.itsm_processes == ["SCAM", "SLM"]
    assert (stored.capacity, stored.demand_unit, stored.currency) == (500.0, "TB", "EUR")
    assert list(stored.objectives.all()) == [business_objective]
    assert list(stored.work_activities.all()) == [activity]
    assert stored.owner == service_owner
    assert stored.version == 1
    record = stored.history.get()
    assert record.history_type == "+"
    assert record.history_user == process_group_member
    assert record.history_change_reason == "Added to the portfolio"


@pytest.mark.parametrize("persona", ["service_owner", "practitioner", "steering", "sponsor"])
def test_only_a_portfolio_manager_adds_services(
    request: pytest.FixtureRequest, persona: str, unit: Any, service_owner: User
) -> None:
    actor = request.getfixturevalue(persona)
    before = counts()
    with pytest.raises(PermissionDenied):
        create(actor, unit=unit, owner=service_owner)
    assert counts() == before


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"slug": ""}, "slug", "Give the service a slug"),
        ({"slug": "back up"}, "slug", "Use lower-case letters"),
        ({"slug": "-backup"}, "slug", "Use lower-case letters"),
        ({"slug": "policies"}, "slug", "names a page of the portfolio"),
        ({"slug": "new"}, "slug", "names a page of the portfolio"),
        ({"slug": "scorecards"}, "slug", "names a page of the portfolio"),
        ({"slug": "hosting"}, "slug", "taken by the service “Hosting”"),
        ({"name": " "}, "name", "Give the service a name"),
        ({"name": "HOSTING"}, "name", "has a service named “Hosting” already (hosting)"),
        ({"name": "x" * 201}, "name", "At most 200 characters"),
        ({"state": "retired"}, "state", "not retired"),
        ({"state": "archived"}, "state", "The state is one of"),
        ({"capacity": 0}, "capacity", "more than 0"),
        ({"capacity": float("nan")}, "capacity", "finite"),
        ({"currency": "EURO"}, "currency", "three-letter"),
        ({"customers": "Finance"}, "customers", "Give a list"),
        ({"itsm_processes": ["not one"]}, "itsm_processes", "Not a process identifier"),
        ({"unit": None}, "unit", "organizational unit"),
        ({"owner": None}, "owner", "Name the service's owner"),
    ],
)
def test_a_new_service_breaking_a_rule_is_refused_naming_the_field(
    process_group_member: User,
    service_owner: User,
    unit: Any,
    other_service: Service,
    fields: dict[str, Any],
    field: str,
    message: str,
) -> None:
    before = counts()
    with pytest.raises(ServicePortfolioError) as refused:
        create(process_group_member, **{"unit": unit, "owner": service_owner, **fields})
    assert refused.value.field == field
    assert message in refused.value.message
    assert counts() == before


def test_an_owner_must_be_able_to_edit_the_service(
    process_group_member: User, practitioner: User, make_user: MakeUser, unit: Any
) -> None:
    with pytest.raises(ServicePortfolioError, match="may not own a service") as refused:
        create(process_group_member, unit=unit, owner=practitioner)
    assert refused.value.field == "owner"
    gone = make_user(Role.SERVICE_OWNER, username="gone", is_active=False)
    with pytest.raises(ServicePortfolioError, match="cannot sign in any more"):
        create(process_group_member, unit=unit, owner=gone)
    assert not Service.objects.exists()


def test_a_service_serves_business_objectives_not_qppos(
    process_group_member: User, service_owner: User, unit: Any, qppo: Any
) -> None:
    with pytest.raises(ServicePortfolioError, match="is a QPPO") as refused:
        create(process_group_member, unit=unit, owner=service_owner, objectives=[qppo])
    assert refused.value.field == "objectives"


def test_itsm_processes_are_those_of_the_library_when_it_holds_bs_15000(
    process_group_member: User, service_owner: User, unit: Any, itsm_library: None
) -> None:
    with pytest.raises(ServicePortfolioError, match="Not an ITSM process of the library: XYZ"):
        create(process_group_member, unit=unit, owner=service_owner, itsm_processes=["slm", "xyz"])
    service = create(
        process_group_member, unit=unit, owner=service_owner, itsm_processes=["slm", "capm"]
    )
    assert service.itsm_processes == ["CAPM", "SLM"]  # in the model's order


# -- editing a service ----------------------------------------------------------------------------


def test_the_owner_edits_their_service_and_the_history_says_what_changed(
    service_owner: User, owned_service: Service, business_objective: Any
) -> None:
    services.service_update(
        actor=service_owner,
        service=owned_service,
        data={
            "name": "Service Desk (24/7)",
            "customers": ["Everyone"],
            "objectives": [business_objective],
        },
        expected_version=1,
    )
    stored = Service.objects.get(pk=owned_service.pk)
    assert stored.name == "Service Desk (24/7)"
    assert stored.customers == ["Everyone"]
    assert list(stored.objectives.all()) == [business_objective]
    assert stored.version == 2
    assert owned_service.version == 2
    record = stored.history.first()
    assert record.history_user == service_owner
    assert record.history_change_reason == "Changed: Name, Customers, Business objectives"


def test_an_unchanged_save_writes_nothing(service_owner: User, owned_service: Service) -> None:
    before = counts()
    services.service_update(
        actor=service_owner,
        service=owned_service,
        data={"name": "Service Desk", "customers": ["Finance"], "currency": "eur"},
        expected_version=1,
    )
    assert counts() == before
    assert Service.objects.get(pk=owned_service.pk).version == 1


def test_an_edit_from_a_stale_version_is_a_conflict_and_changes_nothing(
    service_owner: User, process_group_member: User, owned_service: Service
) -> None:
    services.service_update(
        actor=process_group_member, service=owned_service, data={"description": "First."}
    )
    before = snapshot(owned_service)
    with pytest.raises(ConflictError) as refused:
        services.service_update(
            actor=service_owner,
            service=Service.objects.get(pk=owned_service.pk),
            data={"description": "Second."},
            expected_version=1,
        )
    assert refused.value.field == "version"
    assert "was changed by process.group" in refused.value.message
    assert "you started from 1" in refused.value.message
    assert snapshot(owned_service) == before


@pytest.mark.parametrize("persona", ["practitioner", "steering", "sponsor"])
def test_who_does_not_own_a_service_may_not_edit_it(
    request: pytest.FixtureRequest, persona: str, owned_service: Service
) -> None:
    actor = request.getfixturevalue(persona)
    before = snapshot(owned_service)
    with pytest.raises(PermissionDenied):
        services.service_update(actor=actor, service=owned_service, data={"name": "Mine"})
    assert snapshot(owned_service) == before


def test_an_owner_may_not_edit_another_owners_service(
    service_owner: User, other_service: Service
) -> None:
    before = snapshot(other_service)
    with pytest.raises(PermissionDenied):
        services.service_update(actor=service_owner, service=other_service, data={"name": "X"})
    assert snapshot(other_service) == before


def test_only_a_portfolio_manager_hands_a_service_over_or_changes_its_slug(
    service_owner: User, process_group_member: User, make_user: MakeUser, owned_service: Service
) -> None:
    heir = make_user(Role.SERVICE_OWNER, username="heir")
    before = snapshot(owned_service)
    with pytest.raises(PermissionDenied, match="another owner"):
        services.service_update(actor=service_owner, service=owned_service, data={"owner": heir})
    with pytest.raises(PermissionDenied, match="slug"):
        services.service_update(actor=service_owner, service=owned_service, data={"slug": "desk"})
    assert snapshot(owned_service) == before
    # the same values are no change, whoever saves them
    services.service_update(
        actor=service_owner,
        service=owned_service,
        data={"owner": service_owner, "slug": "service-desk"},
    )
    assert snapshot(owned_service) == before
    services.service_update(
        actor=process_group_member, service=owned_service, data={"owner": heir, "slug": "desk"}
    )
    stored = Service.objects.get(pk=owned_service.pk)
    assert (stored.owner, stored.slug) == (heir, "desk")
    assert stored.history.first().history_change_reason == "Changed: Owner, Slug"


def test_a_slug_change_follows_the_slug_rules(
    process_group_member: User, owned_service: Service, other_service: Service
) -> None:
    for slug, message in (("reviews", "names a page"), ("hosting", "taken by")):
        with pytest.raises(ServicePortfolioError, match=message):
            services.service_update(
                actor=process_group_member, service=owned_service, data={"slug": slug}
            )
    assert Service.objects.get(pk=owned_service.pk).slug == "service-desk"


def test_unknown_fields_are_refused(service_owner: User, owned_service: Service) -> None:
    with pytest.raises(ServicePortfolioError, match="Not a field of a service: colour") as refused:
        services.service_update(actor=service_owner, service=owned_service, data={"colour": "red"})
    assert refused.value.field == "colour"


def test_the_life_cycle_goes_forward_and_only_a_manager_brings_a_service_back(
    service_owner: User, process_group_member: User, unit: Any
) -> None:
    service = ServiceFactory(owner=service_owner, unit=unit, state=ServiceState.PROPOSED)

    def move(actor: User, state: str) -> None:
        services.service_update(actor=actor, service=service, data={"state": state})

    move(service_owner, "catalog")
    with pytest.raises(ServicePortfolioError, match="does not go back to proposed") as refused:
        move(service_owner, "proposed")
    assert refused.value.field == "state"
    move(service_owner, "retired")
    with pytest.raises(ServicePortfolioError, match="Only a portfolio manager brings"):
        move(service_owner, "catalog")
    with pytest.raises(ServicePortfolioError, match="does not go back to proposed"):
        move(process_group_member, "proposed")
    move(process_group_member, "catalog")
    reasons = [
        (r.state, r.history_user.username, r.history_change_reason)
        for r in Service.objects.get(pk=service.pk).history.order_by("history_id")[1:]
    ]
    assert reasons == [
        ("catalog", "service.owner", "In the catalog. Changed: State"),
        ("retired", "service.owner", "Retired. Changed: State"),
        ("catalog", "process.group", "In the catalog. Changed: State"),
    ]


def test_a_proposal_dropped_before_the_catalog_is_retired(service_owner: User, unit: Any) -> None:
    service = ServiceFactory(owner=service_owner, unit=unit, state=ServiceState.PROPOSED)
    services.service_update(actor=service_owner, service=service, data={"state": "retired"})
    assert Service.objects.get(pk=service.pk).state == "retired"


# -- cost and demand ------------------------------------------------------------------------------


def test_a_month_is_recorded_on_its_first_day_and_replaced_by_a_later_figure(
    service_owner: User, owned_service: Service
) -> None:
    month = months_ago(2)
    row = services.period_set(
        actor=service_owner, service=owned_service, period=month.replace(day=17), cost="1200.5"
    )
    assert (row.period, row.cost, row.demand) == (month, Decimal("1200.50"), None)
    services.period_set(
        actor=service_owner, service=owned_service, period=month, cost=Decimal("1300"), demand=40
    )
    stored = ServicePeriod.objects.get(service=owned_service)
    assert (stored.cost, stored.demand) == (Decimal("1300.00"), 40.0)
    history = list(stored.history.order_by("history_id"))
    assert [(r.history_type, r.history_user, r.history_change_reason) for r in history] == [
        ("+", service_owner, f"Recorded cost and demand of {month:%Y-%m}"),
        ("~", service_owner, f"Changed cost and demand of {month:%Y-%m}"),
    ]
    before = counts()
    services.period_set(
        actor=service_owner, service=owned_service, period=month, cost="1300.00", demand=40.0
    )
    assert counts() == before  # the same figures write nothing


@pytest.mark.parametrize(
    ("period_value", "cost", "demand", "field", "message"),
    [
        ("next", "10", None, "period", "has not begun"),
        (dt.date(1989, 12, 1), "10", None, "period", "before 1990: check the year"),
        ("2025-13", "10", None, "period", "is not a month"),
        (dt.datetime(2025, 1, 1, tzinfo=dt.UTC), "10", None, "period", "as a month"),
        ("last", "-1", None, "cost", "not negative"),
        ("last", "10.005", None, "cost", "at most two decimals"),
        ("last", "lots", None, "cost", "as a number"),
        ("last", "1e20", None, "cost", "at most"),
        ("last", "10", -5, "demand", "not negative"),
        ("last", "10", float("inf"), "demand", "finite"),
    ],
)
def test_a_month_breaking_a_rule_is_refused(
    service_owner: User,
    owned_service: Service,
    period_value: Any,
    cost: str,
    demand: Any,
    field: str,
    message: str,
) -> None:
    if period_value == "next":
        period_value = months_ago(-1)
    elif period_value == "last":
        period_value = months_ago(1)
    before = counts()
    with pytest.raises(ServicePortfolioError) as refused:
        services.period_set(
            actor=service_owner,
            service=owned_service,
            period=period_value,
            cost=cost,
            demand=demand,
        )
    assert refused.value.field == field
    assert message in refused.value.message
    assert counts() == before


def test_the_current_month_may_be_recorded(service_owner: User, owned_service: Service) -> None:
    row = services.period_set(
        actor=service_owner, service=owned_service, period=months_ago(0), cost=0
    )
    assert row.cost == Decimal("0.00")


@pytest.mark.parametrize("persona", ["practitioner", "steering", "service_owner"])
def test_who_may_not_change_the_service_records_no_cost(
    request: pytest.FixtureRequest, persona: str, other_service: Service
) -> None:
    actor = request.getfixturevalue(persona)
    row = period(other_service, months_ago(3), "10")
    before = counts()
    with pytest.raises(PermissionDenied):
        services.period_set(actor=actor, service=other_service, period=months_ago(2), cost="10")
    with pytest.raises(PermissionDenied):
        services.period_delete(actor=actor, period_row=row)
    with pytest.raises(PermissionDenied):
        services.periods_import(
            actor=actor, service=other_service, data=b"period,cost\n2025-01,1\n", filename="x.csv"
        )
    assert counts() == before


def test_a_deleted_month_stays_in_the_history_with_who_deleted_it(
    service_owner: User, owned_service: Service
) -> None:
    row = period(owned_service, months_ago(3), "10")
    services.period_delete(actor=service_owner, period_row=row)
    assert not ServicePeriod.objects.exists()
    record = ServicePeriod.history.order_by("-history_id").first()
    assert (record.history_type, record.history_user) == ("-", service_owner)
    assert record.history_change_reason == f"Deleted cost and demand of {months_ago(3):%Y-%m}"


# -- the CSV import -------------------------------------------------------------------------------


def test_a_file_of_months_is_imported_with_any_delimiter_and_header_case(
    service_owner: User, owned_service: Service
) -> None:
    old = period(owned_service, months_ago(3), "999", 1)
    kept = period(owned_service, months_ago(4), "50", 5)
    data = (
        "\ufeffPeriod;COST;Demand\r\n"
        f"{months_ago(3):%Y-%m};1000.00;400\r\n"
        "\r\n"
        f"{months_ago(2):%Y-%m-%d};1100.5;\r\n"
        f"{months_ago(1).replace(day=28):%Y-%m-%d};1200;410.5\r\n"
        f"{months_ago(4):%Y-%m};50;5\r\n"
    ).encode()
    assert (
        services.periods_import(
            actor=service_owner, service=owned_service, data=data, filename="costs.csv"
        )
        == 4
    )
    stored = {
        p.period: (p.cost, p.demand) for p in ServicePeriod.objects.filter(service=owned_service)
    }
    assert stored == {
        months_ago(4): (Decimal("50.00"), 5.0),
        months_ago(3): (Decimal("1000.00"), 400.0),
        months_ago(2): (Decimal("1100.50"), None),
        months_ago(1): (Decimal("1200.00"), 410.5),
    }
    changed = ServicePeriod.history.filter(id=old.pk).order_by("-history_id").first()
    assert (changed.history_user, changed.history_change_reason) == (
        service_owner,
        "Imported from costs.csv",
    )
    assert kept.history.count() == 1  # unchanged: not written again


def test_every_bad_row_is_listed_with_its_line_and_nothing_is_imported(
    service_owner: User, owned_service: Service
) -> None:
    period(owned_service, months_ago(6), "10", 1)
    before = counts()
    data = (
        "period,cost,demand\n"
        f"{months_ago(5):%Y-%m},100,10\n"  # line 2: fine
        "2025-13,100,10\n"  # line 3: no such month
        f"{months_ago(-2):%Y-%m},100,10\n"  # line 4: in the future
        f"{months_ago(4):%Y-%m},-3,10\n"  # line 5: negative cost
        f'{months_ago(3):%Y-%m},"1.234,50",10\n'  # line 6: decimal comma
        f"{months_ago(2):%Y-%m},,10\n"  # line 7: no cost
        f"{months_ago(5):%Y-%m},100,10\n"  # line 8: the month of line 2 again
        f"{months_ago(1):%Y-%m},100,-1\n"  # line 9: negative demand
        f"{months_ago(1):%Y-%m},100,1,extra\n"  # line 10: a cell too many
        "\n"
        f"{months_ago(7):%Y-%m},12.345,x\n"  # line 12: two problems
    ).encode()
    with pytest.raises(InvalidDocument) as refused:
        services.periods_import(
            actor=service_owner, service=owned_service, data=data, filename="costs.csv"
        )
    found = [(p.line, p.field, p.message) for p in refused.value.problems]
    assert [(line, field) for line, field, _ in found] == [
        (3, "period"),
        (4, "period"),
        (5, "cost"),
        (6, "cost"),
        (7, "cost"),
        (8, "period"),
        (9, "demand"),
        (10, ""),
        (12, "cost"),
        (12, "demand"),
    ]
    messages = [message for _, _, message in found]
    assert "“2025-13” is not a month" in messages[0]
    assert "has not begun" in messages[1]
    assert "decimal point" in messages[3]
    assert messages[5] == f"{months_ago(5):%Y-%m} is on line 2 already."
    assert messages[7] == "4 cells, but the first line names 3 columns."
    assert all(p.file == "costs.csv" for p in refused.value.problems)
    assert counts() == before


@pytest.mark.parametrize(
    ("data", "line", "message"),
    [
        (b"", None, "The file is empty"),
        (b"period,cost\n", 2, "no rows under its first line"),
        (b"month,cost\n2025-01,1\n", 1, "Unknown column “month”"),
        (b"period,demand\n2025-01,1\n", 1, "cost is missing"),
        (b"2025-01,100\n2025-02,100\n", 1, "names the columns: period, cost and"),
        (b"period,cost,cost\n2025-01,1,1\n", 1, "named twice"),
        (b"period,cost\n2025-01,1\n2025-02,\xff\xfe\n", 3, "not UTF-8"),
    ],
)
def test_a_file_that_is_not_a_periods_file_is_refused_with_the_reason(
    service_owner: User, owned_service: Service, data: bytes, line: int | None, message: str
) -> None:
    with pytest.raises(InvalidDocument) as refused:
        services.periods_import(actor=service_owner, service=owned_service, data=data, filename="f")
    first = refused.value.problems[0]
    assert (first.line, message in first.message) == (line, True), first
    assert not ServicePeriod.objects.exists()


def test_a_large_file_is_refused_before_it_is_read(
    service_owner: User, owned_service: Service
) -> None:
    data = b"period,cost\n" + b"2025-01,1\n" * (services.MAX_IMPORT_BYTES // 10 + 1)
    with pytest.raises(InvalidDocument, match="larger than"):
        services.periods_import(actor=service_owner, service=owned_service, data=data, filename="f")


def test_a_hundred_problems_are_listed_and_the_rest_counted(
    service_owner: User, owned_service: Service
) -> None:
    data = b"period,cost\n" + b"nope,1\n" * 130
    with pytest.raises(InvalidDocument) as refused:
        services.periods_import(actor=service_owner, service=owned_service, data=data, filename="f")
    problems = refused.value.problems
    assert len(problems) == 101
    assert problems[-1].message == "… and 30 more problem(s) not listed."


# -- changes --------------------------------------------------------------------------------------


def test_changes_are_recorded_delivered_and_deleted_with_their_actor(
    service_owner: User, owned_service: Service
) -> None:
    today = timezone.localdate()
    change = services.change_add(
        actor=service_owner,
        service=owned_service,
        title="  Self-service password reset ",
        requested_on=today - dt.timedelta(days=30),
        reference="CHG-1",
    )
    assert (change.title, change.delivered_on) == ("Self-service password reset", None)
    services.change_update(
        actor=service_owner, change=change, data={"delivered_on": today - dt.timedelta(days=2)}
    )
    stored = ServiceChange.objects.get(pk=change.pk)
    assert (stored.delivered_on - stored.requested_on).days == 28
    services.change_delete(actor=service_owner, change=stored)
    history = ServiceChange.history.filter(id=change.pk).order_by("history_id")
    assert [(r.history_type, r.history_user, r.history_change_reason) for r in history] == [
        ("+", service_owner, "Recorded"),
        ("~", service_owner, "Delivered"),
        ("-", service_owner, "Deleted"),
    ]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"title": " "}, "title", "Say what the change was"),
        ({"requested_on": None}, "requested_on", "Give the date"),
        ({"requested_on": "tomorrow"}, "requested_on", "YYYY-MM-DD"),
        ({"requested_on": "future"}, "requested_on", "is in the future"),
        ({"delivered_on": "future"}, "delivered_on", "is in the future"),
        ({"delivered_on": dt.date(2026, 1, 1)}, "delivered_on", "before it was requested"),
        ({"reference": "chg-7"}, "reference", "has the reference chg-7 already"),
    ],
)
def test_a_change_breaking_a_rule_is_refused(
    service_owner: User,
    owned_service: Service,
    fields: dict[str, Any],
    field: str,
    message: str,
) -> None:
    ServiceChange.objects.create(
        service=owned_service, title="Earlier", reference="CHG-7", requested_on=dt.date(2026, 1, 1)
    )
    future = timezone.localdate() + dt.timedelta(days=3)
    values: dict[str, Any] = {
        "title": "Faster restores",
        "requested_on": dt.date(2026, 1, 5),
        **fields,
    }
    values = {k: future if v == "future" else v for k, v in values.items()}
    before = counts()
    with pytest.raises(ServicePortfolioError) as refused:
        services.change_add(actor=service_owner, service=owned_service, **values)
    assert refused.value.field == field
    assert message in refused.value.message
    assert counts() == before


def test_a_change_update_checks_the_dates_against_the_stored_ones(
    service_owner: User, owned_service: Service
) -> None:
    change = ServiceChange.objects.create(
        service=owned_service, title="Earlier", requested_on=dt.date(2026, 3, 1)
    )
    with pytest.raises(ServicePortfolioError, match="before it was requested"):
        services.change_update(
            actor=service_owner, change=change, data={"delivered_on": dt.date(2026, 2, 1)}
        )
    with pytest.raises(ServicePortfolioError, match="Not a field of a change: service"):
        services.change_update(actor=service_owner, change=change, data={"service": None})
    assert ServiceChange.objects.get(pk=change.pk).delivered_on is None


@pytest.mark.parametrize("persona", ["practitioner", "sponsor", "service_owner"])
def test_who_may_not_change_the_service_records_no_changes(
    request: pytest.FixtureRequest, persona: str, other_service: Service
) -> None:
    actor = request.getfixturevalue(persona)
    change = ServiceChange.objects.create(
        service=other_service, title="Earlier", requested_on=dt.date(2026, 3, 1)
    )
    before = counts()
    with pytest.raises(PermissionDenied):
        services.change_add(
            actor=actor, service=other_service, title="X", requested_on=dt.date(2026, 3, 2)
        )
    with pytest.raises(PermissionDenied):
        services.change_update(actor=actor, change=change, data={"title": "Y"})
    with pytest.raises(PermissionDenied):
        services.change_delete(actor=actor, change=change)
    assert counts() == before
    assert ServiceChange.objects.get(pk=change.pk).title == "Earlier"
