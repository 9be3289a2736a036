"""The demo deployments: one finished, one in flight, one being planned; loaded once.

Loaded on top of the other demos (the library's CMMI-SVC and CMMI-DEV, the demo
organization, appraisals, measurements and improvements, as
tests/apps/improvements/test_demo.py loads them). Loading all of that takes about ten
seconds, so the tests of ``TestTheLoadedDemo`` share one load: the class's fixture
loads it in a transaction that it rolls back when the class is done, and each test
runs in a savepoint of its own inside it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from tests.paths import REPO_ROOT
from uplift.apps.appraisals.demo import appraisal_demo_load
from uplift.apps.deployments.choices import (
    GateCriterionKind,
    PlanState,
    SignOffDecision,
    TargetStatus,
    WaveState,
)
from uplift.apps.deployments.demo import (
    DEMO_DEPLOYMENTS,
    DEMO_OVERLOAD_LIMIT,
    deployment_demo_load,
)
from uplift.apps.deployments.models import (
    ConsultingEntry,
    CoordinationSettings,
    DeploymentPlan,
    GateCriterion,
    GateEvaluation,
    Lesson,
    Package,
    PackageReceipt,
    PlanMeasure,
    PlanRevision,
    Result,
    ResultRevision,
    SignOff,
    Stakeholder,
    Target,
    Wave,
)
from uplift.apps.deployments.selectors_coordination import coordination_overloads
from uplift.apps.improvements.demo import improvement_demo_load
from uplift.apps.library.services import library_import_file
from uplift.apps.measurements.demo import DEMO_EFFECTS, measurement_demo_load
from uplift.apps.organization.demo import demo_load

TABLES = (
    DeploymentPlan,
    PlanMeasure,
    Stakeholder,
    PlanRevision,
    SignOff,
    Wave,
    GateCriterion,
    GateEvaluation,
    Target,
    ConsultingEntry,
    Package,
    PackageReceipt,
    Result,
    Lesson,
    ResultRevision,
    CoordinationSettings,
)
HISTORY = (DeploymentPlan, Wave, Target, GateCriterion, Lesson, PackageReceipt)
STORY_START, STORY_TODAY = dt.date(2025, 5, 1), dt.date(2026, 11, 21)
PEER, RUNBOOK, CAPACITY = (spec.title for spec in DEMO_DEPLOYMENTS)


def load_prerequisites() -> None:
    """The library's CMMI-SVC and CMMI-DEV, the organization, appraisals, measurements
    and improvements."""
    for name in ("cmmi-svc-1.3.yaml", "cmmi-dev-1.3.yaml"):
        library_import_file(path=REPO_ROOT / "data" / "library" / name)
    list(demo_load())
    list(appraisal_demo_load())
    list(measurement_demo_load())
    list(improvement_demo_load())


@pytest.fixture(scope="class")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[list[str]]:
    """Every demo, loaded once for the class, rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_prerequisites()
        yield list(deployment_demo_load())
        transaction.set_rollback(True)


def counts() -> list[int]:
    rows = [table.objects.count() for table in TABLES]
    return rows + [table.history.count() for table in HISTORY]  # type: ignore[attr-defined]


def plan(title: str) -> DeploymentPlan:
    return DeploymentPlan.objects.get(title=title)


def effect_starts(slug: str) -> dict[str, dt.date | None]:
    effect = next(e for e in DEMO_EFFECTS if e.slug == slug)
    return {wave.name: wave.start for wave in effect.waves}


def latest(wave: Wave) -> GateEvaluation:
    """The wave's newest gate evaluation (it must have one)."""
    return wave.evaluations.order_by("-evaluated_at", "-pk")[0]


def first(wave: Wave) -> GateEvaluation:
    return wave.evaluations.order_by("evaluated_at", "pk")[0]


def outcome(evaluation: GateEvaluation, kind: str) -> dict[str, Any]:
    criterion = evaluation.wave.criteria.get(kind=kind)
    return next(r for r in evaluation.results if r["criterion"] == criterion.pk)


@pytest.mark.django_db
class TestTheLoadedDemo:
    def test_the_three_plans_stand_where_the_story_says_and_a_second_load_writes_nothing(
        self, demo: list[str]
    ) -> None:
        assert demo == [
            "Demo deployments: 3 deployment plans with 7 waves, 24 targets, 16 sign-offs, 8 "
            "gate evaluations, 2 results and 6 process assets added."
        ]
        for spec in DEMO_DEPLOYMENTS:
            stored = plan(spec.title)
            assert (stored.state, stored.revision) == (spec.state, spec.revision), spec.title
            assert list(stored.waves.values_list("name", flat=True)) == list(spec.waves)
            assert [p.title for p in stored.proposals.all()] == [spec.proposal]
            assert stored.action_plan is not None
            assert stored.action_plan.title == spec.action_plan
        before = counts()

        again = list(deployment_demo_load())

        assert again == ["Demo deployments already loaded: 3 deployment plans."]
        assert counts() == before

    def test_peer_reviews_deployed_by_rule_in_the_measurements_waves_and_confirmed(
        self, demo: list[str]
    ) -> None:
        peer = plan(PEER)
        starts = effect_starts("peer-reviews-for-requirements")
        rows = peer.targets.select_related("work_activity", "wave")

        assert peer.target_rule == {
            "unit": ["product-engineering"],
            "kind": ["project"],
            "activity_type": ["software_only"],
        }
        assert rows.count() == 8
        assert all(t.source == "rule" and "Software-only" in t.reason for t in rows)
        assert {t.status for t in rows} == {TargetStatus.CONFIRMED}
        assert all(t.process_version is not None for t in rows)
        assert all(t.confirmed_on is not None for t in rows)
        effect = next(e for e in DEMO_EFFECTS if e.slug == "peer-reviews-for-requirements")
        for wave, planted in zip(peer.waves.all(), effect.waves, strict=True):
            assert wave.state == WaveState.FINISHED
            assert wave.actual_start == starts[wave.name] == planted.start
            slugs = set(wave.targets.values_list("work_activity__slug", flat=True))
            assert slugs == set(planted.targets)
            assert set(wave.targets.values_list("deployed_on", flat=True)) == {planted.start}
        assert peer.completed_at is not None
        assert peer.completed_at.date() == dt.date(2026, 3, 2)

    def test_peer_reviews_gates_pass_on_the_measured_data_or_are_overridden(
        self, demo: list[str]
    ) -> None:
        pilot, wave_1, wave_2 = plan(PEER).waves.all()

        assert latest(pilot).passed
        gate = latest(wave_1)
        assert gate.passed
        improved = outcome(gate, GateCriterionKind.MEASURE_IMPROVED)
        assert improved["passed"], improved["detail"]
        assert not first(wave_2).passed
        assert wave_2.override_by is not None
        assert wave_2.override_by.username == "sponsor"
        assert wave_2.override_reason.startswith("Berth Planner")
        assert outcome(latest(wave_2), GateCriterionKind.MEASURE_IMPROVED)["passed"]

    def test_peer_reviews_results_lessons_packages_and_consulting(self, demo: list[str]) -> None:
        peer = plan(PEER)
        results = {
            r.plan_measure.measure.slug: r
            for r in peer.results.select_related("plan_measure__measure")
        }
        pilot = plan(PEER).waves.get(number=1)
        pilot_targets = set(pilot.targets.values_list("pk", flat=True))

        assert set(results) == {"defect-density", "cycle-time"}
        assert all(r.improved for r in results.values())
        assert all(r.percent_change is not None and r.percent_change < -5 for r in results.values())
        assert results["defect-density"].target_met
        months = results["defect-density"].payback_months
        assert months is not None
        assert 8.0 <= months <= 10.0
        assert results["cycle-time"].payback_months is None  # no value per unit
        assert peer.lessons.count() == 3
        assert set(peer.lessons.values_list("kind", flat=True)) == {
            "went_well",
            "to_change",
            "surprise",
        }
        assert peer.result_revisions.count() == 1
        assert all(risk.mitigated for risk in peer.mitigated_risks.all())
        assert peer.response_time_actual_days == 4
        kinds = set(peer.packages.values_list("asset_version__asset__kind", flat=True))
        assert kinds == {"training_material", "communication_package"}
        assert all(p.receipts.exists() for p in peer.packages.all())
        consulted = set(peer.consulting.exclude(target=None).values_list("target", flat=True))
        assert consulted == pilot_targets
        assert all(
            stamp < STORY_TODAY for stamp in peer.consulting.values_list("given_on", flat=True)
        )

    def test_the_runbook_pilot_passed_and_wave_2_waits_on_training(self, demo: list[str]) -> None:
        runbook = plan(RUNBOOK)
        pilot, wave_2 = runbook.waves.all()
        gate = latest(wave_2)
        training = outcome(gate, GateCriterionKind.TRAINING_COMPLETION)
        opted = runbook.targets.get(status=TargetStatus.OPTED_OUT)

        assert pilot.actual_start == effect_starts("incident-triage-runbook")["Pilot"]
        assert pilot.state == WaveState.FINISHED
        assert latest(pilot).passed
        assert set(pilot.targets.values_list("status", flat=True)) == {TargetStatus.CONFIRMED}
        assert wave_2.state == WaveState.PLANNED
        assert wave_2.actual_start is None
        assert not gate.passed
        assert outcome(gate, GateCriterionKind.MEASURE_IMPROVED)["passed"]
        assert outcome(gate, GateCriterionKind.DEPLOYED_SHARE)["passed"]
        assert not training["passed"]
        for name in ("Backup and Restore", "File Storage", "Laptop Provisioning"):
            assert name in training["detail"]
        below = wave_2.targets.filter(training_percent__lt=80).exclude(
            status=TargetStatus.OPTED_OUT
        )
        assert below.count() == 3
        assert opted.work_activity.slug == "security-monitoring"
        assert "security incident response procedure" in opted.status_reason
        assert runbook.targets.count() == 12

    def test_the_runbook_was_revised_and_agreed_again(self, demo: list[str]) -> None:
        runbook = plan(RUNBOOK)
        first = runbook.signoffs.filter(revision=1)
        second = runbook.signoffs.filter(revision=2)

        assert list(runbook.revisions.values_list("number", flat=True)) == [1, 2]
        assert set(first.values_list("decision", flat=True)) == {SignOffDecision.AGREED}
        assert set(second.values_list("decision", flat=True)) == {SignOffDecision.AGREED}
        assert second.count() == first.count() == 4
        assert runbook.revisions.get(number=2).created_at.date() == dt.date(2026, 8, 24)

    def test_capacity_forecasting_is_being_planned_with_a_sign_off_partly_given(
        self, demo: list[str]
    ) -> None:
        capacity = plan(CAPACITY)
        decisions = dict(capacity.signoffs.values_list("stakeholder__username", "decision"))

        assert capacity.state == PlanState.IN_REVIEW
        assert set(capacity.targets.values_list("work_activity__slug", flat=True)) == {
            "database-hosting",
            "hosting",
            "network",
            "remote-access",
        }
        assert list(capacity.measures.values_list("measure__slug", flat=True)) == ["availability"]
        assert capacity.stakeholders.count() == 4
        assert decisions == {
            "steering": SignOffDecision.AGREED,
            "sponsor": SignOffDecision.PENDING,
            "zoe.ibarra": SignOffDecision.PENDING,
            "service.owner": SignOffDecision.PENDING,
        }
        assert not capacity.waves.exclude(state=WaveState.PLANNED).exists()

    def test_hosting_and_database_hosting_are_overloaded_above_the_limit(
        self, demo: list[str]
    ) -> None:
        overloads = coordination_overloads(today=STORY_TODAY)
        slugs = {o.slug for o in overloads}

        assert CoordinationSettings.objects.get(pk=1).overload_limit == DEMO_OVERLOAD_LIMIT
        assert {"hosting", "database-hosting"} <= slugs

    def test_the_story_is_backdated_to_2025_and_2026(self, demo: list[str]) -> None:
        plans = DeploymentPlan.objects.all()
        stamps = [
            *plans.values_list("created_at", flat=True),
            *plans.values_list("updated_at", flat=True),
            *plans.exclude(completed_at=None).values_list("completed_at", flat=True),
            *PlanRevision.objects.values_list("created_at", flat=True),
            *SignOff.objects.values_list("requested_at", flat=True),
            *SignOff.objects.exclude(decided_at=None).values_list("decided_at", flat=True),
            *GateEvaluation.objects.values_list("evaluated_at", flat=True),
            *Target.objects.values_list("updated_at", flat=True),
            *Result.objects.values_list("evaluated_at", flat=True),
            *Lesson.objects.values_list("recorded_at", flat=True),
            *Package.objects.values_list("added_at", flat=True),
        ]

        assert all(stamp is not None for stamp in stamps)
        assert all(STORY_START <= stamp.date() < STORY_TODAY for stamp in stamps if stamp)
        assert plan(RUNBOOK).created_at.date() == dt.date(2026, 2, 9)
        for wave in Wave.objects.exclude(actual_start=None):
            started = wave.actual_start
            assert started is not None
            assert all(e.evaluated_at.date() <= started for e in wave.evaluations.all()), wave


@pytest.mark.django_db
def test_without_the_improvements_nothing_is_loaded() -> None:
    list(demo_load())

    lines = list(deployment_demo_load())

    assert lines == ["Skipped the demo deployments: load the demo measurements first."]
    assert not DeploymentPlan.objects.exists()
