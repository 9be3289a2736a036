"""Optimistic locking of a service's months and changes (issue 7): each save adds one to
``version``; an edit started from an older one is refused (``ConflictError``, a 409 on
the pages with the input kept) and nothing is saved."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from tests.apps.service_portfolio.test_portfolio_fixtures import counts, months_ago
from uplift.apps.service_portfolio.errors import ConflictError
from uplift.apps.service_portfolio.models import Service, ServiceChange, ServicePeriod
from uplift.apps.service_portfolio.services import portfolio as services

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def stored(model: Any) -> list[dict[str, Any]]:
    """Every row of ``model`` and the sizes of the histories: a refused write changes none."""
    return [list(model.objects.order_by("pk").values()), counts()]


def url(name: str, *args: Any) -> str:
    return reverse(f"service_portfolio:{name}", args=args)


@pytest.fixture
def month_row(service_owner: User, owned_service: Service) -> ServicePeriod:
    return services.period_set(
        actor=service_owner, service=owned_service, period=months_ago(1), cost=100
    )


@pytest.fixture
def change(service_owner: User, owned_service: Service) -> ServiceChange:
    return services.change_add(
        actor=service_owner,
        service=owned_service,
        title="New VPN",
        requested_on=TODAY - dt.timedelta(days=20),
    )


# -- services ------------------------------------------------------------------------------------


def test_each_save_of_a_month_adds_one_to_its_version(
    service_owner: User, owned_service: Service, month_row: ServicePeriod
) -> None:
    assert month_row.version == 1
    row = services.period_set(
        actor=service_owner,
        service=owned_service,
        period=month_row.period,
        cost=120,
        expected_version=1,
    )
    assert (row.cost, row.version) == (Decimal("120.00"), 2)
    unchanged = services.period_set(
        actor=service_owner, service=owned_service, period=month_row.period, cost=120
    )
    assert unchanged.version == 2


def test_a_month_edited_from_a_stale_version_is_refused_and_nothing_is_saved(
    service_owner: User, owned_service: Service, month_row: ServicePeriod
) -> None:
    services.period_set(actor=service_owner, service=owned_service, period=month_row.period, cost=7)
    before = stored(ServicePeriod)
    with pytest.raises(ConflictError) as refused:
        services.period_set(
            actor=service_owner,
            service=owned_service,
            period=month_row.period,
            cost=9,
            expected_version=1,
        )
    assert refused.value.field == "version"
    assert "version 2, you started from 1" in refused.value.message
    assert stored(ServicePeriod) == before


def test_a_month_deleted_since_the_edit_began_is_a_conflict(
    service_owner: User, owned_service: Service, month_row: ServicePeriod
) -> None:
    services.period_delete(actor=service_owner, period_row=month_row)
    with pytest.raises(ConflictError, match="deleted after you opened them"):
        services.period_set(
            actor=service_owner,
            service=owned_service,
            period=month_row.period,
            cost=9,
            expected_version=1,
        )
    assert not ServicePeriod.objects.exists()


def test_a_change_edited_from_a_stale_version_is_refused_and_nothing_is_saved(
    service_owner: User, change: ServiceChange
) -> None:
    services.change_update(
        actor=service_owner, change=change, data={"title": "VPN"}, expected_version=1
    )
    assert change.version == 2
    before = stored(ServiceChange)
    with pytest.raises(ConflictError):
        services.change_update(
            actor=service_owner, change=change, data={"title": "Old VPN"}, expected_version=1
        )
    assert stored(ServiceChange) == before


# -- pages ---------------------------------------------------------------------------------------


def test_a_stale_month_edit_on_the_page_is_a_409_with_the_input_kept(
    client_for: Any, service_owner: User, owned_service: Service, month_row: ServicePeriod
) -> None:
    client = client_for(service_owner)
    page = url("service_periods", owned_service.slug)
    editing = client.get(page, {"period": f"{month_row.period:%Y-%m}"})
    assert editing.context["form"].initial["version"] == 1
    services.period_set(actor=service_owner, service=owned_service, period=month_row.period, cost=5)
    response = client.post(
        page,
        {"action": "set", "period": f"{month_row.period:%Y-%m}", "cost": "300", "version": "1"},
    )
    assert response.status_code == 409
    assert "Nothing was saved" in response.context["form"].non_field_errors()[0]
    assert response.context["form"].data["cost"] == "300"
    assert ServicePeriod.objects.get().cost == Decimal("5.00")


def test_a_stale_change_edit_on_the_page_is_a_409_with_the_input_kept(
    client_for: Any, service_owner: User, owned_service: Service, change: ServiceChange
) -> None:
    client = client_for(service_owner)
    page = url("service_changes", owned_service.slug)
    editing = client.get(page, {"edit": change.pk})
    assert editing.context["editing"][1].initial["version"] == 1
    services.change_update(actor=service_owner, change=change, data={"title": "VPN"})
    response = client.post(
        page,
        {
            "action": "update",
            "row": change.pk,
            "edit-title": "My VPN",
            "edit-requested_on": change.requested_on,
            "edit-version": 1,
        },
    )
    assert response.status_code == 409
    form = response.context["editing"][1]
    assert "Nothing was saved" in form.non_field_errors()[0]
    assert form.data["edit-title"] == "My VPN"
    assert ServiceChange.objects.get().title == "VPN"
