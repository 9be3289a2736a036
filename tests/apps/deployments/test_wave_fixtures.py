"""Builders and fixtures shared by the wave and gate tests (no tests here).

- ``make_plan(owner, state=…)`` a plan deploying one proposal selected for deployment;
  agreed plans carry the sign-offs of their current revision;
- ``make_target(plan, name, wave=…, **fields)`` a target added by hand;
- ``measured(...)`` observations of cycle time (lower is better) for work activities,
  ten weekly values before ``CHANGE`` and ten after: ``BEFORE`` then ``AFTER``.

Other modules use the fixtures by name: ``plan = test_wave_fixtures.plan``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pytest

from tests.apps.measurements.fixtures_h import START, WEEK, add_series, make_measure
from tests.factories.deployments import DeploymentPlanFactory, TargetFactory, WaveFactory
from tests.factories.improvements import ProposalFactory
from tests.factories.organization import WorkActivityFactory
from uplift.apps.deployments.choices import (
    PlanState,
    SignOffDecision,
    StakeholderKind,
    TargetStatus,
)
from uplift.apps.deployments.models import DeploymentPlan, SignOff, Stakeholder, Target, Wave
from uplift.apps.improvements.choices import ProposalState

BEFORE = [12.1, 11.4, 13.0, 12.6, 11.8, 12.9, 12.2, 11.5, 13.3, 12.4]
AFTER = [9.2, 8.8, 9.9, 9.1, 8.4, 9.6, 9.3, 8.9, 9.7, 9.0]
CHANGE = (START + 10 * WEEK).date()  # the first "after" value falls on this day


def make_plan(
    owner: Any,
    *,
    state: str = PlanState.AGREED,
    proposal_state: str = ProposalState.SELECTED_FOR_DEPLOYMENT,
    signer: Any = None,
) -> DeploymentPlan:
    """A plan of ``owner`` deploying one proposal; agreed (or deploying) plans have the
    agreement of ``signer`` (default: the owner) to their current revision."""
    plan = DeploymentPlanFactory(owner=owner, state=state, title="Peer reviews")
    plan.proposals.add(ProposalFactory(state=proposal_state, title="Peer reviews"))
    if state in (PlanState.AGREED, PlanState.DEPLOYING):
        signer = signer or owner
        Stakeholder.objects.create(plan=plan, user=signer, kind=StakeholderKind.SPONSOR)
        SignOff.objects.create(
            plan=plan,
            revision=plan.revision,
            stakeholder=signer,
            kind=StakeholderKind.SPONSOR,
            decision=SignOffDecision.AGREED,
        )
    return plan


def make_wave(plan: DeploymentPlan, number: int, **fields: Any) -> Wave:
    return WaveFactory(
        plan=plan, number=number, name=fields.pop("name", f"Wave {number}"), **fields
    )


def make_target(
    plan: DeploymentPlan, name: str, *, wave: Wave | None = None, **fields: Any
) -> Target:
    slug = name.lower().replace(" ", "-")
    activity = WorkActivityFactory(name=name, slug=slug)
    return TargetFactory(plan=plan, work_activity=activity, wave=wave, **fields)


def measured(
    targets: Sequence[Target], before: Sequence[float] = BEFORE, after: Sequence[float] = AFTER
):
    """Cycle time observations of each target's work activity: ``before`` then ``after``,
    weekly from 2024-01-01; the change falls on ``CHANGE``."""
    measure = make_measure("cycle-time", direction="lower")
    for target in targets:
        add_series(measure, target.work_activity, [*before, *after])
    return measure


def deploy(targets: Sequence[Target], on: dt.date = CHANGE) -> None:
    Target.objects.filter(pk__in=[t.pk for t in targets]).update(
        status=TargetStatus.DEPLOYED, deployed_on=on
    )


@pytest.fixture
def plan(process_owner: Any) -> DeploymentPlan:
    """An agreed plan of ``process_owner``."""
    return make_plan(process_owner)
