"""Deployment pages at scale (issue 6): 2,000 work activities and 50 deployment plans.

The organization, built in a fresh database with ``bulk_create`` (fixed seed): 10
units of 200 work activities (kinds, types, sizes, phases and a customer attribute
spread over them), 60 proposals, 5 measures, and 50 deployment plans in every state
(draft, in review, agreed, deploying, complete, cancelled), each choosing its targets
by rule (one or two units, some sizes: ~40 to 400 targets; one plan is organization-wide
with all 2,000), with three
waves (pilot, early adopters, everyone else), gate criteria and evaluations, targets
in the statuses their waves' progress implies, related plans, and for the plans
deploying or complete two plan measures with three stored results each.

Then, signed in as a process group member through ``django.test.Client``, each page
is fetched RUNS times after a warm-up: the organization dashboard (and, for the
record, the coordination page and the calendar), and for the
largest plan (and, for the query count, the smallest) the plan page
(``deployments:plan_detail``), the monitoring page and the targets list
(``deployments:plan_targets``). Printed: the median ms and the query count of each,
against the 500 ms goal (PASS/FAIL), and whether the query count is the same for the
smallest and the largest plan. A page whose URL does not exist yet prints "missing"
(the pages are written in parallel) and does not fail the run.

Each database runs in its own child process, like ``bench_matrix``: SQLite in a
throwaway file always, PostgreSQL in a throwaway database next to DATABASE_URL's when
it names one.

    python -m benchmarks.bench_deployments
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test python -m benchmarks.bench_deployments
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from typing import Any

from benchmarks.harness import benchmark_database, main, run_children, timed

RUNS = 7
UNITS = 10
ACTIVITIES_PER_UNIT = 200  # 2,000 work activities
PLANS = 50
PROPOSALS = 60
GOAL_MS = 500.0
SEED = 20261121
START = dt.date(2026, 1, 5)


def run() -> bool:
    """The pages on SQLite (and PostgreSQL), each database in a child process."""
    return run_children("benchmarks.bench_deployments")


# --- the organization ------------------------------------------------------------------


def _build(rng: random.Random) -> dict[str, Any]:
    """Create the organization with bulk_create; return the largest and smallest plans
    (by targets) and the member who signs in."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from uplift.apps.accounts.roles import Role
    from uplift.apps.accounts.services import roles_ensure, user_roles_add
    from uplift.apps.deployments.choices import (
        GateCriterionKind,
        PlanState,
        StakeholderKind,
        TargetSource,
        TargetStatus,
        WaveKind,
        WaveState,
    )
    from uplift.apps.deployments.models import (
        DeploymentPlan,
        GateCriterion,
        GateEvaluation,
        PlanMeasure,
        Result,
        Stakeholder,
        Target,
        Wave,
    )
    from uplift.apps.improvements.choices import ProposalState, SourceKind
    from uplift.apps.improvements.models import Proposal
    from uplift.apps.measurements.choices import Direction
    from uplift.apps.measurements.models import Measure
    from uplift.apps.organization.choices import (
        LifeCyclePhase,
        Size,
        WorkActivityKind,
        WorkActivityType,
    )
    from uplift.apps.organization.models import OrganizationalUnit, WorkActivity

    now = timezone.now()
    today = timezone.localdate()
    roles_ensure()
    user_model = get_user_model()
    member = user_model.objects.create_user(username="bench.member", first_name="Bench")
    user_roles_add(user=member, roles=[Role.PROCESS_GROUP])
    owners = [
        user_model.objects.create_user(username=f"owner{n}", first_name=f"Owner {n}")
        for n in range(5)
    ]

    units = OrganizationalUnit.objects.bulk_create(
        OrganizationalUnit(name=f"Unit {u}", slug=f"unit-{u}", model_identifier="CMMI-DEV")
        for u in range(UNITS)
    )
    kinds, types = WorkActivityKind.values, WorkActivityType.values
    sizes, phases = Size.values, LifeCyclePhase.values
    activities = WorkActivity.objects.bulk_create(
        WorkActivity(
            name=f"Work activity {u:02d}-{n:03d}",
            slug=f"wa-{u:02d}-{n:03d}",
            kind=kinds[n % len(kinds)],
            unit=unit,
            activity_type=types[(n // 4) % len(types)],
            size=sizes[n % 3],
            phase=phases[(n // 3) % len(phases)],
            attributes={"customer": ["acme", "tidewater", "orbis"][n % 3]},
        )
        for u, unit in enumerate(units)
        for n in range(ACTIVITIES_PER_UNIT)
    )
    by_unit: dict[int, list[Any]] = {}
    for activity in activities:
        by_unit.setdefault(activity.unit_id, []).append(activity)

    proposals = Proposal.objects.bulk_create(
        Proposal(
            title=f"Improvement {n}",
            state=ProposalState.values[n % len(ProposalState.values)],
            source_kind=SourceKind.SUGGESTION,
            problem_statement="Reviews find defects late.",
            estimated_cost=rng.randint(5, 50) * 1000,
            running_cost=rng.randint(0, 5) * 100,
            submitted_by=member,
        )
        for n in range(PROPOSALS)
    )
    measures = Measure.objects.bulk_create(
        Measure(
            slug=f"measure-{n}",
            name=f"Measure {n}",
            unit="days",
            operational_definition="As the tracker records it.",
            direction=Direction.LOWER if n % 2 == 0 else Direction.HIGHER,
        )
        for n in range(5)
    )

    states = (
        [PlanState.DRAFT] * 10
        + [PlanState.IN_REVIEW] * 5
        + [PlanState.AGREED] * 5
        + [PlanState.DEPLOYING] * 20
        + [PlanState.COMPLETE] * 5
        + [PlanState.CANCELLED] * 5
    )
    rng.shuffle(states)
    plans = []
    for n, state in enumerate(states):
        start = START + dt.timedelta(days=7 * (n % 20))
        chosen_units = rng.sample(units, 2 if n % 3 == 0 else 1)
        chosen_sizes = rng.sample(sizes, rng.randint(1, 3))
        chosen_kinds: list[str] = []
        if n % 7 == 0:
            chosen_sizes = sizes  # a few of the largest
        elif n % 5 == 4:
            chosen_units, chosen_sizes = chosen_units[:1], chosen_sizes[:1]
            chosen_kinds = kinds[:2]  # a few of the smallest
        rule: dict[str, list[str]] = {
            "unit": [u.slug for u in chosen_units],
            "size": chosen_sizes,
        }
        if chosen_kinds:
            rule["kind"] = chosen_kinds
        if n == 0:  # one organization-wide deployment: all 2,000 work activities
            rule = {"unit": [u.slug for u in units], "size": sizes}
            state = PlanState.DEPLOYING
        plans.append(
            DeploymentPlan(
                title=f"Deployment {n}",
                state=state,
                owner=owners[n % len(owners)],
                adjustment="Adjusted per unit.",
                planned_start=start,
                planned_end=start + dt.timedelta(days=280),
                target_rule=rule,
                rule_evaluated_at=now,
                payback_target_months=12,
                created_at=now,
                updated_at=now,
            )
        )
    plans = DeploymentPlan.objects.bulk_create(plans)
    through = DeploymentPlan.proposals.through
    through.objects.bulk_create(
        through(deploymentplan_id=plan.pk, proposal_id=proposals[(n * 7 + k) % PROPOSALS].pk)
        for n, plan in enumerate(plans)
        for k in range(1 + (n % 4 == 0))
    )
    related = DeploymentPlan.related_plans.through
    related.objects.bulk_create(
        [
            related(from_deploymentplan_id=a.pk, to_deploymentplan_id=b.pk)
            for a, b in zip(plans[0:10:2], plans[1:10:2], strict=True)
        ]
        + [
            related(from_deploymentplan_id=b.pk, to_deploymentplan_id=a.pk)
            for a, b in zip(plans[0:10:2], plans[1:10:2], strict=True)
        ]
    )
    Stakeholder.objects.bulk_create(
        Stakeholder(plan=plan, user=user, kind=StakeholderKind.SPONSOR)
        for plan in plans
        for user in (member, plan.owner)
    )

    waves: list[Any] = []
    for plan in plans:
        started = plan.state in (PlanState.DEPLOYING, PlanState.COMPLETE)
        for number, (name, kind, offset, length) in enumerate(
            [
                ("Pilot", WaveKind.PILOT, 0, 60),
                ("Early adopters", WaveKind.EARLY_ADOPTERS, 63, 80),
                ("Everyone else", WaveKind.WAVE, 150, 130),
            ],
            start=1,
        ):
            planned_start = plan.planned_start + dt.timedelta(days=offset)
            planned_end = planned_start + dt.timedelta(days=length)
            if plan.state == PlanState.COMPLETE:
                state = WaveState.FINISHED
            elif plan.state == PlanState.DEPLOYING:
                state = [WaveState.FINISHED, WaveState.RUNNING, WaveState.PLANNED][number - 1]
            else:
                state = WaveState.PLANNED
            actual_start = actual_end = None
            if started and state != WaveState.PLANNED:
                actual_start = planned_start + dt.timedelta(days=rng.randint(0, 10))
                actual_start = min(actual_start, today)
            if state == WaveState.FINISHED and actual_start is not None:
                actual_end = min(planned_end + dt.timedelta(days=rng.randint(-5, 15)), today)
                actual_end = max(actual_end, actual_start)
            waves.append(
                Wave(
                    plan=plan,
                    number=number,
                    name=name,
                    kind=kind,
                    planned_start=planned_start,
                    planned_end=planned_end,
                    actual_start=actual_start,
                    actual_end=actual_end,
                    state=state,
                )
            )
    waves = Wave.objects.bulk_create(waves)
    waves_of: dict[int, list[Any]] = {}
    for wave in waves:
        waves_of.setdefault(wave.plan_id, []).append(wave)

    criteria, evaluations = [], []
    for wave in waves:
        if wave.number == 1:
            continue
        criteria.append(
            GateCriterion(
                wave=wave,
                kind=GateCriterionKind.DEPLOYED_SHARE,
                description="80 % of the earlier waves' targets deployed",
                threshold=80,
            )
        )
        criteria.append(
            GateCriterion(
                wave=wave,
                kind=GateCriterionKind.TRAINING_COMPLETION,
                description="No target below 80 % training",
                threshold=80,
            )
        )
        if wave.state != WaveState.PLANNED:
            for k in range(2):
                evaluations.append(
                    GateEvaluation(
                        wave=wave,
                        evaluated_at=now - dt.timedelta(days=10 - k),
                        evaluated_by=member,
                        passed=k == 1,
                        results=[
                            {
                                "criterion": None,
                                "description": "80 % deployed",
                                "passed": k == 1,
                                "detail": "Counted.",
                                "figures": {"deployed": 40 + k, "total": 50},
                            }
                        ],
                    )
                )
    GateCriterion.objects.bulk_create(criteria)
    GateEvaluation.objects.bulk_create(evaluations)

    targets = []
    counts: dict[int, int] = {}
    for plan in plans:
        rule_units = set(plan.target_rule["unit"])
        rule_sizes = set(plan.target_rule["size"])
        rule_kinds = set(plan.target_rule.get("kind", kinds))
        matches = [
            a
            for unit in units
            if unit.slug in rule_units
            for a in by_unit[unit.pk]
            if a.size in rule_sizes and a.kind in rule_kinds
        ]
        counts[plan.pk] = len(matches)
        plan_waves = waves_of[plan.pk]
        for i, activity in enumerate(matches):
            wave = (
                plan_waves[0]
                if i < 10
                else plan_waves[1]
                if i < 10 + len(matches) // 3
                else plan_waves[2]
            )
            status, deployed_on, confirmed_on, reason = TargetStatus.NOT_STARTED, None, None, ""
            if wave.state == WaveState.FINISHED:
                roll = rng.random()
                if roll < 0.05:
                    status, reason = TargetStatus.OPTED_OUT, "Closing down."
                else:
                    status = TargetStatus.CONFIRMED if roll < 0.7 else TargetStatus.DEPLOYED
                    deployed_on = min(
                        wave.actual_start + dt.timedelta(days=rng.randint(5, 50)), today
                    )
                    if status == TargetStatus.CONFIRMED:
                        confirmed_on = min(deployed_on + dt.timedelta(days=14), today)
            elif wave.state == WaveState.RUNNING:
                roll = rng.random()
                if roll < 0.4:
                    status = TargetStatus.DEPLOYED
                    deployed_on = min(
                        wave.actual_start + dt.timedelta(days=rng.randint(5, 40)), today
                    )
                elif roll < 0.7:
                    status = TargetStatus.PREPARING
            targets.append(
                Target(
                    plan=plan,
                    work_activity=activity,
                    wave=wave,
                    source=TargetSource.RULE,
                    reason=f"unit is {activity.unit_id}; size is {activity.size}",
                    status=status,
                    status_reason=reason,
                    deployed_on=deployed_on,
                    confirmed_on=confirmed_on,
                    training_percent=rng.choice([0, 50, 80, 100]),
                    excluded=i % 97 == 5,
                    updated_at=now,
                )
            )
    Target.objects.bulk_create(targets, batch_size=2000)

    plan_measures = PlanMeasure.objects.bulk_create(
        PlanMeasure(
            plan=plan,
            measure=measures[(plan.pk + k) % len(measures)],
            baseline_value=10.0,
            target_value=8.0,
            value_per_unit=500.0,
            position=k,
        )
        for plan in plans
        if plan.state in (PlanState.DEPLOYING, PlanState.COMPLETE)
        for k in range(2)
    )
    Result.objects.bulk_create(
        Result(
            plan_id=pm.plan_id,
            plan_measure=pm,
            evaluated_at=now - dt.timedelta(days=30 * (3 - k)),
            evaluated_by=member,
            change_date=START,
            mean_before=10.0,
            mean_after=10.0 - k,
            percent_change=-10.0 * k,
            p_value=0.01,
            target_met=k >= 2,
            monthly_benefit=500.0 * k,
            payback_months=(20000.0 / (500.0 * k - 200.0)) if k else None,
            data={
                "payback": {"cost": 20000.0, "running_cost": 200.0, "benefit": 500.0 * k}
                if k
                else None
            },
        )
        for pm in plan_measures
        for k in range(3)
    )
    largest = max(plans, key=lambda p: (counts[p.pk], p.pk))
    smallest = min(plans, key=lambda p: (counts[p.pk], p.pk))
    return {
        "member": member,
        "largest": (largest, counts[largest.pk]),
        "smallest": (smallest, counts[smallest.pk]),
        "targets": len(targets),
        "activities": len(activities),
        "plans": len(plans),
    }


# --- timing ------------------------------------------------------------------------------


def _page(client: Any, label: str, name: str, args: list[Any]) -> tuple[str, int | None, bool]:
    """Time one page; print its line. Returns (status word, queries, goal met)."""
    from django.urls import NoReverseMatch, reverse

    try:
        url = reverse(f"deployments:{name}", args=args)
    except NoReverseMatch:
        print(f"{label:<11} {name:<16} missing (no URL deployments:{name} yet)")
        return "missing", None, True
    try:
        first = client.get(url)  # warm-up: templates compiled, session read
    except Exception as error:  # a page being written may still fail: report, go on
        print(f"{label:<11} {name:<16} error: {type(error).__name__}: {error}")
        return "error", None, False
    if first.status_code != 200:
        print(f"{label:<11} {name:<16} answered {first.status_code}: FAIL")
        return "error", None, False
    median, queries, response = timed(lambda _: client.get(url), RUNS)
    steady = len(set(queries)) == 1
    met = median < GOAL_MS
    print(
        f"{label:<11} {name:<16} {url:<32} {RUNS} runs: median {median:6.1f} ms, "
        f"{queries[-1]:3d} queries{'' if steady else ' (varies: ' + str(queries) + ')'}, "
        f"{len(response.content) / 1000:.0f} kB; goal < {GOAL_MS:.0f} ms: "
        f"{'PASS' if met else 'FAIL'}"
    )
    return "ok", queries[-1], met


def _child(label: str) -> int:
    """Set Django up on DATABASE_URL, build the organization, time the pages."""
    ok = True
    with benchmark_database("bench_deployments") as postgres:
        from django.db import connection
        from django.test import Client

        start = time.perf_counter()
        built = _build(random.Random(SEED))  # noqa: S311  (benchmark data, not security)
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        largest, large_n = built["largest"]
        smallest, small_n = built["smallest"]
        print(
            f"{label:<11} organization: {built['activities']} work activities, "
            f"{built['plans']} plans, {built['targets']} targets (largest plan "
            f"{large_n}, smallest {small_n}); built in {time.perf_counter() - start:.1f} s"
        )
        client = Client()
        client.force_login(built["member"], backend="django.contrib.auth.backends.ModelBackend")

        for name in ("dashboard", "coordination", "calendar"):
            _, _, met = _page(client, label, name, [])
            ok = ok and met
        for name in ("plan_detail", "plan_monitoring", "plan_targets"):
            status, large_q, met = _page(client, label, name, [largest.pk])
            ok = ok and met
            if status != "ok":
                continue
            # The same page for the smallest plan: the query count must not depend on size.
            small_status, small_q, _ = _page(client, f"{label}*", name, [smallest.pk])
            if small_status == "ok":
                same = small_q == large_q
                print(
                    f"{label:<11} {name:<16} same queries at {small_n} and {large_n} targets: "
                    f"{'yes' if same else 'NO'} ({small_q} vs {large_q})"
                )
        print(f"{label:<11} (* the smallest plan, for the query count)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(run, _child))
