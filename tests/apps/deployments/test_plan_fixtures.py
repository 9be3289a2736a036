"""Builders and fixtures shared by the deployment plan tests (no tests here).

- ``proposal``: a proposal selected for deployment, with two barriers and an expected
  benefit of -20 % cycle time;
- ``cycle_time``: the measure, with four observations (mean 13) on ``alpha``;
- ``plan``: a draft plan of ``process_owner`` deploying ``proposal``, written through
  ``plan_create``;
- ``signers``: ``sponsor`` (required) and ``steering`` (required) named stakeholders;
- ``sent``: ``plan`` with ``signers`` asked to agree to revision 1;
- ``counts()``: row and history counts, to assert that a refused write changed nothing.

Other modules use the fixtures by importing them by name.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.apps.measurements.fixtures_h import add_series, make_measure
from tests.factories.improvements import ProposalFactory
from tests.factories.organization import WorkActivityFactory
from uplift.apps.deployments.choices import StakeholderKind
from uplift.apps.deployments.models import (
    BarrierStrategy,
    DeploymentPlan,
    PlanMeasure,
    PlanRevision,
    SignOff,
    Stakeholder,
)
from uplift.apps.deployments.services import plans as services
from uplift.apps.improvements.choices import ProposalState
from uplift.apps.improvements.models import ExpectedBenefit
from uplift.apps.measurements.models import Measure


@pytest.fixture
def cycle_time(db: None) -> Measure:
    measure = make_measure("cycle-time", direction="lower")
    add_series(measure, WorkActivityFactory(slug="alpha", name="Alpha"), [10, 12, 14, 16])
    return measure


@pytest.fixture
def proposal(cycle_time: Measure) -> Any:
    proposal = ProposalFactory(
        state=ProposalState.SELECTED_FOR_DEPLOYMENT,
        title="Peer reviews",
        barriers="Teams lack time for reviews\n- Reviewers need training\n\n",
    )
    ExpectedBenefit.objects.create(
        proposal=proposal,
        measure=cycle_time,
        expected_change=-20,
        by_when=dt.date(2026, 12, 31),
    )
    return proposal


@pytest.fixture
def plan(process_owner: Any, proposal: Any) -> DeploymentPlan:
    return services.plan_create(
        actor=process_owner,
        title="Deploy peer reviews",
        proposals=[proposal],
        adjustment="Lighter checklist for small projects.",
        planned_start=dt.date(2026, 1, 5),
        planned_end=dt.date(2026, 6, 26),
    )


@pytest.fixture
def signers(plan: DeploymentPlan, process_owner: Any, sponsor: Any, steering: Any) -> list[Any]:
    services.stakeholder_add(
        plan=plan, actor=process_owner, user=sponsor, kind=StakeholderKind.SPONSOR
    )
    services.stakeholder_add(
        plan=plan, actor=process_owner, user=steering, kind=StakeholderKind.SUPPORT
    )
    return [sponsor, steering]


@pytest.fixture
def sent(plan: DeploymentPlan, process_owner: Any, signers: list[Any]) -> DeploymentPlan:
    services.plan_signoff_request(plan=plan, actor=process_owner)
    plan.refresh_from_db()
    return plan


def counts() -> dict[str, int]:
    """Rows and history records of the tables the plan services write."""
    return {
        "plans": DeploymentPlan.objects.count(),
        "plan_history": DeploymentPlan.history.count(),
        "revisions": PlanRevision.objects.count(),
        "signoffs": SignOff.objects.count(),
        "pending": SignOff.objects.filter(decision="pending").count(),
        "stakeholders": Stakeholder.objects.count(),
        "barriers": BarrierStrategy.objects.count(),
        "barrier_history": BarrierStrategy.history.count(),
        "measures": PlanMeasure.objects.count(),
    }


def signoff_of(plan: DeploymentPlan, user: Any) -> SignOff:
    """The sign-off of the plan's current revision asked of ``user``."""
    return SignOff.objects.get(plan=plan, revision=plan.revision, stakeholder=user)
