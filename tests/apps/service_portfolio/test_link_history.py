"""Links in the history (issue 7): a service's business objectives and work activities, a
continuity plan's dependencies and a policy's governed services are part of each history
record. Every write that changes them records exactly one entry, with its actor, and the
history pages show the links before → after by name."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.apps.service_portfolio.test_portfolio_fixtures import (
    activity,
    business_objective,
    unit,
)
from tests.factories.service_portfolio import ServiceFactory
from uplift.apps.measurements.choices import ObjectiveKind
from uplift.apps.measurements.models import Objective
from uplift.apps.service_portfolio.errors import ServicePortfolioError
from uplift.apps.service_portfolio.models import ContinuityPlan, Policy, Service
from uplift.apps.service_portfolio.selectors import service_history
from uplift.apps.service_portfolio.services import continuity, policies
from uplift.apps.service_portfolio.services import portfolio as services
from uplift.apps.service_portfolio.services.links import links_insert

__all__ = ["activity", "business_objective", "unit"]  # fixtures

pytestmark = pytest.mark.django_db


def url(name: str, *args: Any) -> str:
    return reverse(f"service_portfolio:{name}", args=args)


def page(client: Any, address: str) -> str:
    response = client.get(address)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


@pytest.fixture
def hosting(db: None) -> Service:
    return ServiceFactory(slug="hosting", name="Hosting")


@pytest.fixture
def network(db: None) -> Service:
    return ServiceFactory(slug="network", name="Network")


# -- services -------------------------------------------------------------------------------


def test_a_new_service_records_one_entry_with_its_links(
    process_group_member: User, unit: Any, activity: Any, business_objective: Objective
) -> None:
    service = services.service_create(
        actor=process_group_member,
        slug="backup",
        name="Backup",
        owner=process_group_member,
        unit=unit,
        objectives=[business_objective],
        work_activities=[activity],
    )
    record = service.history.get()  # type: ignore[attr-defined]
    assert (record.history_type, record.history_user) == ("+", process_group_member)
    assert [row.objective for row in record.objectives.all()] == [business_objective]
    assert [row.workactivity for row in record.work_activities.all()] == [activity]


def test_changing_the_links_records_one_entry_and_the_page_shows_before_and_after(
    client_for: Any,
    practitioner: User,
    service_owner: User,
    owned_service: Service,
    activity: Any,
    business_objective: Objective,
) -> None:
    growth = Objective.objects.create(kind=ObjectiveKind.BUSINESS, name="Grow sales")
    services.service_update(
        actor=service_owner,
        service=owned_service,
        data={"objectives": [business_objective, growth]},
    )
    before = owned_service.history.count()  # type: ignore[attr-defined]
    services.service_update(
        actor=service_owner,
        service=owned_service,
        data={"objectives": [growth], "work_activities": [activity]},
        expected_version=2,
    )
    assert owned_service.history.count() == before + 1  # type: ignore[attr-defined]
    record = owned_service.history.first()  # type: ignore[attr-defined]
    assert record.history_user == service_owner
    assert [row.objective for row in record.objectives.all()] == [growth]
    text = page(client_for(practitioner), url("service_history", owned_service.slug))
    assert (
        "<strong>business objectives</strong>: <del>Grow sales, Keep customers working</del>"
        " → <ins>Grow sales</ins>"
    ) in text
    assert "<strong>work activities</strong>: <del>—</del> → <ins>Service Desk team</ins>" in text


def test_a_field_change_without_a_link_change_shows_no_link(
    service_owner: User, owned_service: Service, business_objective: Objective
) -> None:
    services.service_update(
        actor=service_owner, service=owned_service, data={"objectives": [business_objective]}
    )
    services.service_update(actor=service_owner, service=owned_service, data={"name": "Desk"})
    newest = service_history(owned_service)[0]
    assert [(c.field, c.old, c.new) for c in newest.changes] == [("name", "Service Desk", "Desk")]


def test_the_service_history_reads_the_links_in_a_fixed_number_of_queries(
    service_owner: User, owned_service: Service, business_objective: Objective, activity: Any
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            service_history(owned_service)
        return len(captured)

    services.service_update(
        actor=service_owner,
        service=owned_service,
        data={"objectives": [business_objective], "work_activities": [activity]},
    )
    few = queries()
    for chosen in ([], [business_objective], []):
        services.service_update(
            actor=service_owner,
            service=owned_service,
            data={"objectives": chosen, "work_activities": [activity] if chosen else []},
        )
    assert queries() == few


# -- continuity plans ----------------------------------------------------------------------------


def test_changing_a_plans_dependencies_records_one_entry_shown_by_name(
    client_for: Any,
    practitioner: User,
    service_owner: User,
    owned_service: Service,
    hosting: Service,
    network: Service,
) -> None:
    plan = continuity.continuity_create(
        actor=service_owner,
        service=owned_service,
        name="Desk recovery",
        essential_functions="Take calls",
        plan="Runbook 12",
        dependencies=[hosting],
    )
    assert [r.service for r in plan.history.get().dependencies.all()] == [hosting]  # type: ignore[attr-defined]
    continuity.continuity_update(
        actor=service_owner,
        plan=plan,
        data={"dependencies": [network], "plan": "Runbook 13"},
        expected_version=1,
    )
    records = list(plan.history.all())  # type: ignore[attr-defined]
    assert [r.history_type for r in records] == ["~", "+"]
    assert records[0].history_user == service_owner
    wanted = "<strong>dependencies</strong>: <del>Hosting</del> → <ins>Network</ins>"
    detail = url("continuity_detail", owned_service.slug, plan.pk)
    assert wanted in page(client_for(practitioner), detail)
    history = page(client_for(practitioner), url("service_history", owned_service.slug))
    assert wanted in history


# -- policies -------------------------------------------------------------------------------------


def test_changing_the_services_a_policy_governs_records_one_entry_shown_by_name(
    client_for: Any,
    process_group_member: User,
    practitioner: User,
    hosting: Service,
    network: Service,
) -> None:
    policy = policies.policy_create(
        actor=process_group_member,
        slug="backups",
        name="Backups",
        statement="Back up nightly.",
        owner=process_group_member,
        review_due=dt.date(2030, 1, 1),
        services=[hosting],
    )
    policies.policy_update(
        actor=process_group_member,
        policy=policy,
        data={"services": [hosting, network]},
        expected_version=1,
    )
    records = list(Policy.history.filter(id=policy.pk))
    assert [r.history_type for r in records] == ["~", "+"]
    assert sorted(r.service.name for r in records[0].services.all()) == ["Hosting", "Network"]
    text = page(client_for(practitioner), url("policy_detail", policy.slug))
    assert "<strong>services</strong>: <del>Hosting</del> → <ins>Hosting, Network</ins>" in text


def test_a_link_to_a_deleted_row_is_named_as_deleted(
    service_owner: User, owned_service: Service, hosting: Service
) -> None:
    plan = continuity.continuity_create(
        actor=service_owner,
        service=owned_service,
        name="Desk recovery",
        essential_functions="Take calls",
        plan="Runbook 12",
        dependencies=[hosting],
    )
    continuity.continuity_update(actor=service_owner, plan=plan, data={"dependencies": []})
    gone = hosting.pk
    ContinuityPlan.dependencies.through.objects.filter(service_id=gone).delete()
    Service.objects.filter(pk=gone).delete()
    newest = service_history(owned_service)[0]
    assert [(c.field, c.old, c.new) for c in newest.changes] == [
        ("dependencies", f"#{gone} (deleted)", None)
    ]


def test_a_key_taken_since_the_check_is_the_callers_refusal_and_links_nothing(
    process_group_member: User,
) -> None:
    """``links_insert``: the race the services' checks cannot see (another writer took the
    slug in between) ends in the given refusal; the caller's transaction goes on and
    nothing of the refused row, its links or its history is written."""
    hosting = ServiceFactory(slug="hosting", name="Hosting")
    first = policies.policy_create(
        actor=process_group_member,
        slug="backups",
        name="Backups",
        statement="Back up nightly.",
        owner=process_group_member,
        review_due=dt.date(2030, 1, 1),
    )
    twin = Policy(
        slug="backups",
        name="Backups again",
        statement="Back up hourly.",
        owner=process_group_member,
        review_due=dt.date(2030, 1, 1),
        active=True,
        version=1,
    )
    refusal = ServicePortfolioError("A policy already has the address “backups”.", field="slug")

    with pytest.raises(ServicePortfolioError) as raised:
        links_insert(twin, {"services": [hosting]}, taken=refusal)

    assert raised.value is refusal
    assert list(Policy.objects.values_list("pk", flat=True)) == [first.pk]
    assert not hosting.policies.exists()
    assert Policy.history.filter(slug="backups").count() == 1  # the first policy's creation
