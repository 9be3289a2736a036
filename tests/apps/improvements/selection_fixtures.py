"""Data for the selection and pilot tests: criteria, scored proposals, measured pilots.

Builders (plain functions) and fixtures over them:

- ``criteria`` (fixture): the five defaults through ``criteria_defaults_ensure``;
- ``proposal(state, estimated_cost=..., **scores)``: a proposal in a state, scored by the process
  group through ``score_set`` (scores by criterion slug, ``time_to_benefit`` for
  ``time-to-benefit``);
- ``observe(measure, activity, first_day, values)``: weekly observations imported
  through the measurements' own import service;
- ``measured`` (fixture): the measure ``cycle-time`` (lower is better) and the work
  activities ``alpha`` (the pilot: 12 before 2024-03-01, 9 after) and ``beta`` (a
  comparison: 12 throughout), one value a week from 2024-01-01;
- ``piloted`` (fixture): IP selected for validation, expecting cycle time 20% lower.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest

from tests.factories.improvements import ProposalFactory
from tests.factories.organization import OrganizationalUnitFactory, WorkActivityFactory
from uplift.apps.improvements.choices import Category, ProposalState, Size
from uplift.apps.improvements.models import Criterion, Proposal
from uplift.apps.improvements.services.proposals import benefit_add
from uplift.apps.improvements.services.selection import criteria_defaults_ensure, score_set
from uplift.apps.measurements.services import observation_import
from uplift.apps.measurements.services.measures import measure_create

FIRST_DAY = dt.date(2024, 1, 1)
PILOT_START = dt.date(2024, 3, 1)
PILOT_END = dt.date(2024, 4, 30)  # 61 days; the 61 days before start on 2023-12-31
# alpha: weekly values, 9 weeks before the pilot's start and 9 weeks from it
BEFORE = [12.1, 11.4, 13.0, 12.6, 11.8, 12.9, 12.2, 11.5, 13.3]
AFTER = [9.2, 8.8, 9.9, 9.1, 8.4, 9.6, 9.3, 8.9, 9.7]
LEVEL = [12.0, 12.4, 11.8, 12.6, 11.9, 12.2, 12.5, 11.7, 12.3]


def proposal(
    state: str = ProposalState.ANALYZED,
    *,
    scorer: Any = None,
    estimated_cost: Decimal | int | None = None,
    title: str | None = None,
    **scores: int,
) -> Proposal:
    """A proposal in ``state`` scored on the named criteria (slug, ``_`` for ``-``)."""
    fields: dict[str, Any] = {"state": state}
    if estimated_cost is not None:
        fields["estimated_cost"] = Decimal(estimated_cost)
    if title:
        fields["title"] = title
    made = ProposalFactory(**fields)
    for slug, value in scores.items():
        score_set(
            proposal=made,
            criterion=Criterion.objects.get(slug=slug.replace("_", "-")),
            value=value,
            actor=scorer,
        )
    return made


def observe(
    measure_slug: str, activity_slug: str, first_day: dt.date, values: Sequence[float]
) -> None:
    """One value a week from ``first_day``, imported as a CSV file."""
    lines = ["measure,work_activity,observed_at,value,source"]
    for week, value in enumerate(values):
        day = first_day + dt.timedelta(weeks=week)
        lines.append(f"{measure_slug},{activity_slug},{day.isoformat()}T10:00:00Z,{value},test")
    data = ("\n".join(lines) + "\n").encode()
    observation_import(data=data, filename=f"{measure_slug}-{activity_slug}-{first_day}.csv")


@pytest.fixture
def criteria(db: None) -> dict[str, Criterion]:
    """The five default criteria, by slug."""
    return {criterion.slug: criterion for criterion in criteria_defaults_ensure()}


@pytest.fixture
def measured(db: None) -> dict[str, Any]:
    """cycle-time, with alpha improving at the pilot's start and beta level."""
    unit = OrganizationalUnitFactory(slug="web", name="Web")
    alpha = WorkActivityFactory(slug="alpha", name="Alpha", unit=unit)
    beta = WorkActivityFactory(slug="beta", name="Beta", unit=unit)
    gamma = WorkActivityFactory(slug="gamma", name="Gamma", unit=unit)
    cycle_time = measure_create(
        slug="cycle-time",
        name="Cycle time",
        unit="days",
        operational_definition="Days from start to done.",
        direction="lower",
        scale="continuous",
    )
    defects = measure_create(
        slug="escaped-defects",
        name="Escaped defects",
        unit="defects",
        operational_definition="Defects found after release.",
        direction="lower",
        scale="continuous",
    )
    observe("cycle-time", "alpha", FIRST_DAY, BEFORE + AFTER)
    observe("cycle-time", "beta", FIRST_DAY, LEVEL + LEVEL)
    return {
        "cycle_time": cycle_time,
        "defects": defects,
        "alpha": alpha,
        "beta": beta,
        "gamma": gamma,
    }


@pytest.fixture
def piloted(measured: dict[str, Any], process_group_member: Any) -> Proposal:
    """An innovative, unproven change selected for validation: cycle time 20% lower."""
    made = ProposalFactory(
        state=ProposalState.SELECTED_FOR_VALIDATION,
        category=Category.INNOVATIVE,
        size=Size.MAJOR,
        title="Pair review of requirements",
    )
    benefit_add(
        proposal=made,
        actor=process_group_member,
        measure=measured["cycle_time"],
        expected_change=Decimal("-20"),
    )
    return made
