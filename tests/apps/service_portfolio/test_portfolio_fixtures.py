"""Fixtures and helpers of the portfolio's tests (services, periods, changes), imported
by ``test_portfolio_*.py``. No tests here."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from tests.factories.organization import OrganizationalUnitFactory, WorkActivityFactory
from tests.factories.service_portfolio import MeasureFactory
from uplift.apps.library.services import library_import_file
from uplift.apps.measurements.choices import ObjectiveKind
from uplift.apps.measurements.models import Objective, Observation
from uplift.apps.organization.choices import WorkActivityKind
from uplift.apps.service_portfolio.models import Service, ServiceChange, ServicePeriod

LIBRARY = Path(__file__).resolve().parents[3] / "data" / "library"


def months_ago(n: int, *, today: dt.date | None = None) -> dt.date:
    """The first day of the month ``n`` months before today's (0: this month)."""
    day = today or timezone.localdate()
    index = day.year * 12 + day.month - 1 - n
    return dt.date(index // 12, index % 12 + 1, 1)


def counts() -> dict[str, int]:
    """Rows of every table the portfolio's writes touch (a refused write changes none)."""
    return {
        "services": Service.objects.count(),
        "service_history": Service.history.count(),
        "periods": ServicePeriod.objects.count(),
        "period_history": ServicePeriod.history.count(),
        "changes": ServiceChange.objects.count(),
        "change_history": ServiceChange.history.count(),
    }


def snapshot(service: Service) -> dict[str, Any]:
    """A service's stored fields (and relations), to show a refused write left it."""
    service = Service.objects.get(pk=service.pk)
    return {
        **{f.attname: getattr(service, f.attname) for f in Service._meta.concrete_fields},
        "objectives": sorted(service.objectives.values_list("pk", flat=True)),
        "work_activities": sorted(service.work_activities.values_list("pk", flat=True)),
    }


def period(service: Service, month: dt.date, cost: str, demand: float | None = None) -> Any:
    """A stored period row (rows only: services are what the tests test)."""
    return ServicePeriod.objects.create(
        service=service, period=month, cost=Decimal(cost), demand=demand
    )


def observe(measure: Any, activity: Any, month: dt.date, values: list[float]) -> None:
    """Store ``values`` of ``measure`` for ``activity`` on the 10th of ``month``, noon UTC."""
    when = dt.datetime.combine(month.replace(day=10), dt.time(12), tzinfo=dt.UTC)
    Observation.objects.bulk_create(
        Observation(measure=measure, work_activity=activity, observed_at=when, value=v)
        for v in values
    )


@pytest.fixture
def unit(db: None) -> Any:
    return OrganizationalUnitFactory(name="Managed Services", slug="managed-services")


@pytest.fixture
def activity(unit: Any) -> Any:
    return WorkActivityFactory(
        name="Service Desk team", slug="service-desk-team", kind=WorkActivityKind.SERVICE, unit=unit
    )


@pytest.fixture
def business_objective(db: None) -> Objective:
    return Objective.objects.create(kind=ObjectiveKind.BUSINESS, name="Keep customers working")


@pytest.fixture
def qppo(db: None) -> Objective:
    return Objective.objects.create(
        kind=ObjectiveKind.QPPO, name="Availability 99.9 %", measure=MeasureFactory(), target=99.9
    )


@pytest.fixture
def itsm_library(db: None) -> None:
    """The library's BS 15000 model (and the CMMI-SVC overview its mapping points at)."""
    library_import_file(path=LIBRARY / "cmmi-svc-overview-2007.yaml")
    library_import_file(path=LIBRARY / "bs15000-itsm.yaml")
