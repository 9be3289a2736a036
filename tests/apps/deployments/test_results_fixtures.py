"""Builders and fixtures shared by the support, confirmation and results tests (no tests
here). Other modules import the fixtures by name.

- ``deploying``: a plan of ``process_owner`` being deployed (its pilot wave started on
  ``CHANGE``), deploying ``proposal`` (one-off cost 12,000, running cost 100 a month),
  with three targets: ``alpha`` (confirmed), ``beta`` (deployed) and ``gamma``
  (preparing), and a fourth, ``delta``, excluded;
- ``observed``: cycle time (lower is better) imported through the measurements'
  ``observation_import``: alpha and beta drop from about 12.5 to about 9.2 days at
  ``CHANGE``; gamma, not deployed, stays at 30; a QPPO "Faster delivery" (mean ≤ 10);
- ``plan_measure``: cycle time on the plan, target 10, worth 1,000 a day a month;
- ``training`` and ``letter``: released versions of a training material and a
  communication package; ``procedure``: a version of a procedure (not a package);
- ``counts()``: row and history counts of everything these services write, to assert
  that a refused write changed nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from tests.apps.measurements.fixtures_h import make_measure, make_qppo
from tests.factories.deployments import DeploymentPlanFactory, TargetFactory, WaveFactory
from tests.factories.improvements import ProposalFactory
from tests.factories.organization import (
    PersonFactory,
    ProcessAssetFactory,
    ProcessAssetVersionFactory,
    WorkActivityFactory,
)
from uplift.apps.deployments.choices import (
    PlanState,
    RiskType,
    TargetStatus,
    WaveKind,
    WaveState,
)
from uplift.apps.deployments.models import (
    ConsultingEntry,
    DeploymentPlan,
    Lesson,
    MitigatedRisk,
    Package,
    PackageReceipt,
    PlanMeasure,
    Result,
    ResultRevision,
    Target,
)
from uplift.apps.improvements.choices import ProposalState
from uplift.apps.measurements.services import observation_import
from uplift.apps.organization.choices import AssetKind

START = dt.date(2024, 1, 1)
CHANGE = dt.date(2024, 3, 11)  # ten weeks after START: the pilot wave's actual start
BEFORE = [12.1, 11.4, 13.0, 12.6, 11.8, 12.9, 12.2, 11.5, 13.3, 12.4]
AFTER = [9.2, 8.8, 9.9, 9.1, 8.4, 9.6, 9.3, 8.9, 9.7, 9.0]
COST = Decimal("12000.00")
RUNNING = Decimal("100.00")
VALUE_PER_UNIT = 1000.0


def counts() -> dict[str, int]:
    """Rows and history rows of what the support and results services write."""
    models: list[Any] = [
        ConsultingEntry,
        Package,
        PackageReceipt,
        Lesson,
        ResultRevision,
        MitigatedRisk,
        Target,
    ]
    figures = {model.__name__: model.objects.count() for model in models}
    figures.update({f"{model.__name__} history": model.history.count() for model in models})
    figures["Result"] = Result.objects.count()
    figures["DeploymentPlan history"] = DeploymentPlan.history.count()
    figures["complete plans"] = DeploymentPlan.objects.filter(state=PlanState.COMPLETE).count()
    figures["mitigated"] = MitigatedRisk.objects.filter(mitigated=True).count()
    return figures


@pytest.fixture
def proposal(db: None) -> Any:
    return ProposalFactory(
        title="Review requirement changes",
        state=ProposalState.DEPLOYING,
        estimated_cost=COST,
        running_cost=RUNNING,
    )


@pytest.fixture
def activities(db: None) -> dict[str, Any]:
    return {
        slug: WorkActivityFactory(slug=slug, name=slug.capitalize())
        for slug in ("alpha", "beta", "gamma", "delta")
    }


@pytest.fixture
def deploying(process_owner: Any, proposal: Any, activities: dict[str, Any]) -> DeploymentPlan:
    plan = DeploymentPlanFactory(
        title="Requirement change reviews",
        owner=process_owner,
        state=PlanState.DEPLOYING,
        payback_target_months=6,
        response_time_target_days=10,
    )
    plan.proposals.add(proposal)
    WaveFactory(
        plan=plan,
        number=1,
        name="Pilot",
        kind=WaveKind.PILOT,
        planned_start=CHANGE,
        planned_end=CHANGE + dt.timedelta(days=60),
        actual_start=CHANGE,
        state=WaveState.RUNNING,
    )
    statuses = {
        "alpha": TargetStatus.CONFIRMED,
        "beta": TargetStatus.DEPLOYED,
        "gamma": TargetStatus.PREPARING,
    }
    for slug, status in statuses.items():
        TargetFactory(plan=plan, work_activity=activities[slug], status=status)
    TargetFactory(
        plan=plan, work_activity=activities["delta"], excluded=True, reason="Ends next month."
    )
    return plan


def target(plan: DeploymentPlan, slug: str) -> Target:
    return plan.targets.get(work_activity__slug=slug)


def _csv(rows: list[tuple[str, dt.date, float]]) -> bytes:
    lines = ["measure,work_activity,observed_at,value,source"]
    lines += [f"cycle-time,{slug},{day:%Y-%m-%d},{value},tracker" for slug, day, value in rows]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def observed(activities: dict[str, Any]) -> Any:
    """Cycle time: alpha and beta improve at CHANGE, gamma (not deployed) stays at 30."""
    measure = make_measure("cycle-time", direction="lower", name="Cycle time")
    rows: list[tuple[str, dt.date, float]] = []
    for offset, slug in ((0.0, "alpha"), (0.2, "beta")):
        for index, value in enumerate(BEFORE + AFTER):
            rows.append((slug, START + dt.timedelta(weeks=index), value + offset))
    rows += [("gamma", START + dt.timedelta(weeks=index), 30.0) for index in range(20)]
    observation_import(data=_csv(rows), filename="cycle-time.csv")
    make_qppo(measure, target=10.0, name="Faster delivery")
    return measure


@pytest.fixture
def plan_measure(deploying: DeploymentPlan, observed: Any) -> PlanMeasure:
    return PlanMeasure.objects.create(
        plan=deploying,
        measure=observed,
        baseline_value=12.5,
        target_value=10.0,
        due=dt.date(2024, 12, 31),
        value_per_unit=VALUE_PER_UNIT,
    )


@pytest.fixture
def risks(deploying: DeploymentPlan) -> list[MitigatedRisk]:
    return [
        MitigatedRisk.objects.create(
            plan=deploying, risk_type=RiskType.WORK, description="Late requirement changes."
        ),
        MitigatedRisk.objects.create(
            plan=deploying,
            risk_type=RiskType.ORGANIZATIONAL,
            description="Customers lose trust in our dates.",
        ),
    ]


@pytest.fixture
def training(db: None) -> Any:
    asset = ProcessAssetFactory(
        slug="change-review-course",
        name="Change review course",
        kind=AssetKind.TRAINING_MATERIAL,
    )
    return ProcessAssetVersionFactory(asset=asset, label="1.0", released_on=dt.date(2024, 2, 1))


@pytest.fixture
def letter(db: None) -> Any:
    asset = ProcessAssetFactory(
        slug="kickoff-letter", name="Kick-off letter", kind=AssetKind.COMMUNICATION_PACKAGE
    )
    return ProcessAssetVersionFactory(asset=asset, label="1", released_on=dt.date(2024, 2, 15))


@pytest.fixture
def procedure(db: None) -> Any:
    asset = ProcessAssetFactory(slug="change-procedure", kind=AssetKind.PROCEDURE)
    return ProcessAssetVersionFactory(asset=asset, label="3.0")


@pytest.fixture
def engineer(db: None) -> Any:
    return PersonFactory(display_name="Ada Lovelace", slug="ada-lovelace")
