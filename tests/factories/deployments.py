"""Deployment plans, waves, targets (rows only: services are what tests test)."""

from __future__ import annotations

import datetime as dt

import factory

from tests.factories.accounts import UserFactory
from tests.factories.organization import WorkActivityFactory
from uplift.apps.deployments.choices import TargetSource, WaveKind
from uplift.apps.deployments.models import DeploymentPlan, Target, Wave


class DeploymentPlanFactory(factory.django.DjangoModelFactory):
    """A draft plan without proposals (add them with ``plan.proposals.add``)."""

    class Meta:
        model = DeploymentPlan

    title = factory.Sequence(lambda n: f"Deployment {n}")
    owner = factory.SubFactory(UserFactory)
    planned_start = dt.date(2026, 1, 5)
    planned_end = dt.date(2026, 12, 18)


class WaveFactory(factory.django.DjangoModelFactory):
    """Wave <n> of a plan, planned for a quarter of 2026."""

    class Meta:
        model = Wave

    plan = factory.SubFactory(DeploymentPlanFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = factory.LazyAttribute(lambda wave: f"Wave {wave.number}")
    kind = WaveKind.WAVE
    planned_start = dt.date(2026, 1, 5)
    planned_end = dt.date(2026, 3, 27)


class TargetFactory(factory.django.DjangoModelFactory):
    """A target added by hand to a plan."""

    class Meta:
        model = Target

    plan = factory.SubFactory(DeploymentPlanFactory)
    work_activity = factory.SubFactory(WorkActivityFactory)
    source = TargetSource.ADDED
    reason = "Volunteered as an early adopter."
