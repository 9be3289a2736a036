"""Services, objectives, continuity plans, policies and reviews (rows only: services
are what tests test)."""

from __future__ import annotations

import datetime as dt

import factory

from tests.factories.accounts import UserFactory
from tests.factories.organization import OrganizationalUnitFactory
from uplift.apps.measurements.choices import Direction, Scale
from uplift.apps.measurements.models import Measure
from uplift.apps.service_portfolio.choices import ReviewKind, ServiceState, SloKind
from uplift.apps.service_portfolio.models import (
    ContinuityPlan,
    Policy,
    Review,
    Service,
    ServiceLevelObjective,
)


class MeasureFactory(factory.django.DjangoModelFactory):
    """Availability in %, higher is better (override slug, name, direction...)."""

    class Meta:
        model = Measure
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"measure-{n}")
    name = factory.Sequence(lambda n: f"Measure {n}")
    unit = "%"
    operational_definition = "As the monitoring system records it."
    scale = Scale.CONTINUOUS
    direction = Direction.HIGHER


class ServiceFactory(factory.django.DjangoModelFactory):
    """A service in the catalog, owned by a new user, in a new unit."""

    class Meta:
        model = Service

    slug = factory.Sequence(lambda n: f"service-{n}")
    name = factory.Sequence(lambda n: f"Service {n}")
    state = ServiceState.CATALOG
    owner = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(OrganizationalUnitFactory, model_identifier="CMMI-SVC")
    customers = factory.LazyFunction(lambda: ["Finance"])


class SloFactory(factory.django.DjangoModelFactory):
    """A monthly availability objective of 99.5 % (mean)."""

    class Meta:
        model = ServiceLevelObjective

    service = factory.SubFactory(ServiceFactory)
    name = factory.Sequence(lambda n: f"Availability {n}")
    kind = SloKind.AVAILABILITY
    measure = factory.SubFactory(MeasureFactory, slug="availability", name="Availability")
    target = 99.5


class ContinuityPlanFactory(factory.django.DjangoModelFactory):
    """A yearly-tested plan, never tested."""

    class Meta:
        model = ContinuityPlan

    service = factory.SubFactory(ServiceFactory)
    name = factory.Sequence(lambda n: f"Continuity plan {n}")
    essential_functions = "Log in\nRestore from backup"
    plan = "Fail over to the second site; see the runbook."
    test_interval_days = 365


class PolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Policy

    slug = factory.Sequence(lambda n: f"policy-{n}")
    name = factory.Sequence(lambda n: f"Policy {n}")
    statement = "Every service keeps its backups for 35 days."
    owner = factory.SubFactory(UserFactory)
    review_due = dt.date(2027, 3, 31)


class ReviewFactory(factory.django.DjangoModelFactory):
    """An open portfolio review (no snapshot: use ``review_open`` for a real one)."""

    class Meta:
        model = Review

    title = factory.Sequence(lambda n: f"Portfolio review {n}")
    kind = ReviewKind.PORTFOLIO
    held_on = dt.date(2026, 10, 15)
    chair = factory.SubFactory(UserFactory)
