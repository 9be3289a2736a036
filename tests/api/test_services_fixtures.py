"""Builders and fixtures shared by the service portfolio's API and CLI tests (no tests
here).

Personas: ``anonymous`` and ``outsider`` (tests/api/conftest.py: an ``APIClient``
nobody signed in to, and one signed in with no role); ``practitioner`` (reads only);
``process_group_member`` (manages every service, policy, review and setting);
``service_owner`` (owns Service Desk: edits it and its rows, records its compliance
checks, never waives); ``other_owner`` (owns Hosting); ``steering`` (opens reviews,
records decisions, turns them into proposals).

The portfolio (``desk``, ``hosting``) is built through the services, with a scorecard
window of three months (``WINDOW_MONTHS``) before today:

- Service Desk (in the catalog, owned by the service owner) is delivered by the
  ``service-desk-team``; ``missing_desk`` adds its availability objective (99.5 %, mean,
  monthly) and one observation of 98.0 % in each month of the window: *predictable*
  (0 of 3 periods met) and *reliable* (98 % < 99 %) are not met;
- Hosting (in the catalog, owned by ``other_owner``) has no evidence.

- ``api(user)``, ``assert_documented``, ``problems``, ``fields``: as for the
  deployments (``test_deployment_fixtures``);
- ``window_months()`` the first day of each month of the window, oldest first;
- ``json_ready(value)`` a value as JSON decodes it.

Other modules use the fixtures by name: ``desk = test_services_fixtures.desk``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.serializers.json import DjangoJSONEncoder

from tests.api.test_deployment_fixtures import api, assert_documented, fields, problems
from tests.conftest import MakeUser
from tests.factories.organization import OrganizationalUnitFactory, WorkActivityFactory
from tests.factories.service_portfolio import MeasureFactory
from uplift.apps.accounts.roles import Role
from uplift.apps.measurements.models import Measure, Observation
from uplift.apps.service_portfolio.choices import ServiceState, SloKind
from uplift.apps.service_portfolio.models import (
    ScorecardSettings,
    Service,
    ServiceLevelObjective,
)
from uplift.apps.service_portfolio.selectors_scorecard import scorecard_window
from uplift.apps.service_portfolio.services.objectives import slo_create
from uplift.apps.service_portfolio.services.portfolio import service_create

__all__ = ["api", "assert_documented", "fields", "problems"]

SERVICES = "/api/services/"
POLICIES = "/api/services/policies/"
REVIEWS = "/api/services/reviews/"
SETTINGS = "/api/services/settings/"
DENIED = "You do not have permission to perform this action."
WINDOW_MONTHS = 3


def json_ready(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def window_months() -> list[dt.date]:
    """The first day of each month of the scorecard's window, oldest first."""
    start, end = scorecard_window(months=WINDOW_MONTHS)
    months = [start]
    while True:
        following = (months[-1] + dt.timedelta(days=32)).replace(day=1)
        if following > end:
            return months
        months.append(following)


def observe(measure: Measure, activity: Any, rows: list[tuple[dt.date, float]]) -> None:
    Observation.objects.bulk_create(
        Observation(
            measure=measure,
            work_activity=activity,
            observed_at=dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC),
            value=value,
            source="test",
        )
        for day, value in rows
    )


def add_service(actor: User, slug: str, name: str, owner: User, **values: Any) -> Service:
    """A service in the catalog, through the service (the unit: ``managed-services``)."""
    unit = values.pop("unit", None) or OrganizationalUnitFactory(
        slug=f"{slug}-unit", name=f"{name} unit", model_identifier="CMMI-SVC"
    )
    values.setdefault("state", ServiceState.CATALOG)
    return service_create(actor=actor, slug=slug, name=name, owner=owner, unit=unit, **values)


@pytest.fixture
def settings_row(db: None) -> ScorecardSettings:
    """A three-month scorecard window."""
    return ScorecardSettings.objects.create(pk=1, window_months=WINDOW_MONTHS)


@pytest.fixture
def service_owner(make_user: MakeUser) -> User:
    return make_user(Role.SERVICE_OWNER, username="service.owner", first_name="Aisha")


@pytest.fixture
def other_owner(make_user: MakeUser) -> User:
    return make_user(Role.SERVICE_OWNER, username="other.owner", first_name="Omar")


@pytest.fixture
def steering(make_user: MakeUser) -> User:
    return make_user(Role.STEERING_COMMITTEE, username="steering", first_name="Rajiv")


@pytest.fixture
def unit(db: None) -> Any:
    return OrganizationalUnitFactory(
        slug="managed-services", name="Managed Services", model_identifier="CMMI-SVC"
    )


@pytest.fixture
def desk_team(unit: Any) -> Any:
    return WorkActivityFactory(slug="service-desk-team", name="Service Desk team", unit=unit)


@pytest.fixture
def desk(
    settings_row: ScorecardSettings,
    process_group_member: User,
    service_owner: User,
    unit: Any,
    desk_team: Any,
) -> Service:
    """Service Desk, in the catalog, owned by the service owner."""
    return add_service(
        process_group_member,
        "service-desk",
        "Service Desk",
        service_owner,
        unit=unit,
        customers=["Finance", "Sales"],
        work_activities=[desk_team],
        description="First-line support.",
    )


@pytest.fixture
def hosting(
    settings_row: ScorecardSettings, process_group_member: User, other_owner: User, unit: Any
) -> Service:
    """Hosting, in the catalog, owned by the other owner; no evidence."""
    return add_service(process_group_member, "hosting", "Hosting", other_owner, unit=unit)


@pytest.fixture
def availability(db: None) -> Measure:
    return MeasureFactory(slug="availability", name="Availability", unit="%")


@pytest.fixture
def desk_availability(
    desk: Service, availability: Measure, process_group_member: User
) -> ServiceLevelObjective:
    """Service Desk's availability objective: a monthly mean of 99.5 %."""
    return slo_create(
        actor=process_group_member,
        service=desk,
        name="Availability",
        measure=availability,
        target=99.5,
        kind=SloKind.AVAILABILITY,
    )


@pytest.fixture
def missing_desk(
    desk: Service, desk_availability: ServiceLevelObjective, availability: Measure, desk_team: Any
) -> Service:
    """Service Desk at 98.0 % availability in every month of the window (and 99.9 % in
    the month before it): its availability objective is missed."""
    months = window_months()
    before = (months[0] - dt.timedelta(days=1)).replace(day=10)
    rows = [(before, 99.9)] + [(month.replace(day=10), 98.0) for month in months]
    observe(availability, desk_team, rows)
    return desk
