"""Proposals, criteria, pilots, plans and actions (rows only: services are what tests test)."""

from __future__ import annotations

import datetime as dt

import factory

from tests.factories.accounts import UserFactory
from uplift.apps.improvements.choices import Category, CriterionDirection, Size, SourceKind
from uplift.apps.improvements.models import Action, ActionPlan, Criterion, Proposal


class ProposalFactory(factory.django.DjangoModelFactory):
    """A submitted, incremental, minor, unproven suggestion."""

    class Meta:
        model = Proposal

    title = factory.Sequence(lambda n: f"Improvement {n}")
    source_kind = SourceKind.SUGGESTION
    problem_statement = "Requirements change without review."
    proposed_change = "Review every requirement change with the providers."
    category = Category.INCREMENTAL
    size = Size.MINOR
    submitted_by = factory.SubFactory(UserFactory)


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    slug = factory.Sequence(lambda n: f"criterion-{n}")
    name = factory.Sequence(lambda n: f"Criterion {n}")
    direction = CriterionDirection.BENEFIT
    weight = 1
    position = factory.Sequence(lambda n: n)


class ActionPlanFactory(factory.django.DjangoModelFactory):
    """A draft plan with its first two items written."""

    class Meta:
        model = ActionPlan

    title = factory.Sequence(lambda n: f"Action plan {n}")
    owner = factory.SubFactory(UserFactory)
    infrastructure = "The process group facilitates; a process action team implements."
    objectives = "Cut requirements defects found in test by a quarter."


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Action

    plan = factory.SubFactory(ActionPlanFactory)
    title = factory.Sequence(lambda n: f"Action {n}")
    owner = factory.SubFactory(UserFactory)
    start = dt.date(2026, 1, 5)
    due = dt.date(2026, 2, 27)
