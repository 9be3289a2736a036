"""``uplift deployments …``: JSON shapes, exit codes, permissions and the database.

The group is invoked directly (``uplift.cli.deployments.app``). Exit status 2 is a bad
argument or a refused value, 3 a permission refusal; either way one line on stderr, no
traceback, and nothing written. Plans are built through the services with the
builders of ``tests/api/test_deployment_fixtures.py`` (process owner, sponsor).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.serializers.json import DjangoJSONEncoder
from typer.testing import CliRunner

from tests.api import test_deployment_fixtures as fixtures
from tests.api.test_deployment_fixtures import CHANGE, add_target, deployed_plan, make_plan
from tests.factories.organization import OrganizationalUnitFactory, WorkActivityFactory
from uplift.apps.deployments.choices import (
    GateCriterionKind,
    PlanState,
    TargetStatus,
    WaveKind,
    WaveState,
)
from uplift.apps.deployments.models import (
    DeploymentPlan,
    GateEvaluation,
    PlanRevision,
    Result,
    Target,
    Wave,
)
from uplift.apps.deployments.selectors import plan_status
from uplift.apps.deployments.services.targeting import plan_rule_set
from uplift.apps.deployments.services.waves import gate_criterion_add, wave_create
from uplift.cli.deployments import app

pytestmark = pytest.mark.django_db

process_owner = fixtures.process_owner
sponsor = fixtures.sponsor
project_manager = fixtures.project_manager
managed_person = fixtures.managed_person
plan = fixtures.plan
agreed = fixtures.agreed


@pytest.fixture
def run() -> Any:
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        return runner.invoke(app, list(args))

    return invoke


def refused(result: Any, status: int, text: str) -> None:
    """The command failed with ``status`` and one line on stderr containing ``text``."""
    assert result.exit_code == status, result.output
    assert text in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def counts() -> tuple[int, ...]:
    return (
        DeploymentPlan.history.count(),
        PlanRevision.objects.count(),
        Target.objects.count(),
        Target.history.count(),
        Wave.history.count(),
        GateEvaluation.objects.count(),
        Result.objects.count(),
    )


def as_json(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


@pytest.fixture
def rollout(process_owner: User, sponsor: User) -> DeploymentPlan:
    """An agreed plan: pilot (wave 1, Alpha) and wave 2 (Bravo) behind a training gate."""
    plan = make_plan(process_owner, sponsor, title="Rollout")
    pilot = wave_create(
        plan=plan,
        actor=process_owner,
        name="Pilot",
        kind=WaveKind.PILOT,
        planned_start=CHANGE,
        planned_end=CHANGE,
    )
    second = wave_create(
        plan=plan,
        actor=process_owner,
        name="Everyone",
        kind=WaveKind.WAVE,
        planned_start=CHANGE,
        planned_end=CHANGE,
    )
    gate_criterion_add(
        wave=second, actor=process_owner, kind=GateCriterionKind.TRAINING_COMPLETION, threshold=80
    )
    add_target(plan, "Alpha", actor=process_owner, wave=pilot)
    add_target(plan, "Bravo", actor=process_owner, wave=second)
    return fixtures.agree(plan, process_owner, sponsor)


# --- plans and status -----------------------------------------------------------------------


def test_plans_lists_every_plan_as_json(
    run: Any, plan: DeploymentPlan, agreed: DeploymentPlan
) -> None:
    result = run("plans", "--json")

    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["count"] == 2
    assert [(row["reference"], row["state"]) for row in body["plans"]] == [
        (plan.reference, "draft"),
        (agreed.reference, "agreed"),
    ]
    assert body["plans"][0]["owner"] == "process.owner"


def test_plans_filters_by_state_and_refuses_an_unknown_one(
    run: Any, plan: DeploymentPlan, agreed: DeploymentPlan
) -> None:
    chosen = run("plans", "--state", "agreed", "--json")
    unknown = run("plans", "--state", "paused")
    summary = run("plans")

    assert [row["id"] for row in json.loads(chosen.stdout)["plans"]] == [agreed.pk]
    refused(unknown, 2, "--state: 'paused' is not one of")
    assert summary.exit_code == 0
    assert agreed.reference in summary.stdout


def test_status_prints_exactly_the_plan_status_json(run: Any, rollout: DeploymentPlan) -> None:
    by_reference = run("status", rollout.reference, "--json")
    by_id = run("status", str(rollout.pk), "--json")

    assert by_reference.exit_code == 0, by_reference.output
    body = json.loads(by_reference.stdout)
    assert body == as_json(plan_status(rollout).as_json())
    assert json.loads(by_id.stdout) == body
    assert set(body) == {
        "plan",
        "title",
        "state",
        "revision",
        "agreed",
        "targets",
        "waves",
        "missing_for_confirmation",
        "results",
    }
    assert (body["plan"], body["state"], body["agreed"]) == (rollout.reference, "agreed", True)
    assert body["targets"]["not_started"] == 2
    assert [(w["number"], w["gate"]["passed"]) for w in body["waves"]] == [(1, None), (2, None)]


def test_status_without_json_is_a_summary(run: Any, rollout: DeploymentPlan) -> None:
    result = run("status", rollout.reference)

    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == f"{rollout.reference} Rollout"
    assert "Wave 2 Everyone: planned" in result.stdout


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("DEP-999999", "PLAN: there is no deployment plan DEP-999999"),
        ("999999", "PLAN: there is no deployment plan DEP-999999"),
        ("rollout", "PLAN: 'rollout' is not a plan"),
    ],
)
def test_status_of_an_unknown_plan_is_one_line_and_exit_2(
    run: Any, argument: str, message: str
) -> None:
    refused(run("status", argument, "--json"), 2, message)


# --- refresh and targets --------------------------------------------------------------------


@pytest.fixture
def ruled(plan: DeploymentPlan, process_owner: User) -> DeploymentPlan:
    """The draft plan targets the unit Product Engineering; Bravo joined it since."""
    unit = OrganizationalUnitFactory(slug="product-engineering", name="Product Engineering")
    WorkActivityFactory(name="Alpha", slug="alpha", unit=unit)
    plan_rule_set(plan=plan, actor=process_owner, rule={"unit": ["product-engineering"]})
    WorkActivityFactory(name="Bravo", slug="bravo", unit=unit)
    plan.refresh_from_db()
    return plan


def test_refresh_applies_a_plan_s_drift(run: Any, ruled: DeploymentPlan) -> None:
    result = run("refresh", ruled.reference, "--as", "process.owner", "--json")

    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)["plans"]
    assert (row["plan"], row["summary"]) == (ruled.reference, "1 new match")
    assert [item["work_activity"] for item in row["added"]] == ["bravo"]
    assert sorted(ruled.targets.values_list("work_activity__slug", flat=True)) == [
        "alpha",
        "bravo",
    ]


def test_refresh_without_a_plan_refreshes_every_open_plan(
    run: Any, ruled: DeploymentPlan, agreed: DeploymentPlan, process_group_member: User
) -> None:
    result = run("refresh", "--as", "process.group")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"{ruled.reference}: 1 new match.",
        f"{agreed.reference}: no change.",
    ]
    assert ruled.targets.filter(work_activity__slug="bravo").exists()


def test_a_practitioner_may_not_refresh_and_nothing_changes(
    run: Any, ruled: DeploymentPlan, practitioner: User
) -> None:
    before = counts()

    one = run("refresh", ruled.reference, "--as", "practitioner")
    every = run("refresh", "--as", "practitioner")

    refused(one, 3, f"practitioner may not refresh the targets of {ruled.reference}")
    refused(every, 3, "refresh every plan's targets")
    assert counts() == before


def test_refresh_as_an_unknown_user_is_exit_2(run: Any, ruled: DeploymentPlan) -> None:
    refused(run("refresh", "--as", "nobody"), 2, "--as: no user has the username 'nobody'")


def test_targets_lists_who_is_in_and_why(run: Any, rollout: DeploymentPlan) -> None:
    Target.objects.filter(work_activity__slug="bravo").update(status=TargetStatus.PREPARING)

    every = run("targets", rollout.reference, "--json")
    preparing = run("targets", rollout.reference, "--status", "preparing", "--json")
    table = run("targets", rollout.reference)

    body = json.loads(every.stdout)
    assert (body["plan"], body["count"]) == (rollout.reference, 2)
    assert [(t["work_activity"], t["wave"], t["source"], t["reason"]) for t in body["targets"]] == [
        ("alpha", 1, "added", "Volunteered."),
        ("bravo", 2, "added", "Volunteered."),
    ]
    assert [t["work_activity"] for t in json.loads(preparing.stdout)["targets"]] == ["bravo"]
    assert table.stdout.splitlines()[0].split() == [
        "WORK",
        "ACTIVITY",
        "WAVE",
        "STATUS",
        "SOURCE",
        "REASON",
    ]
    refused(run("targets", rollout.reference, "--status", "done"), 2, "--status: 'done'")


def test_target_status_sets_the_status(run: Any, rollout: DeploymentPlan) -> None:
    result = run(
        "target-status", rollout.reference, "alpha", "preparing", "--as", "process.owner", "--json"
    )

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["target"]["status"] == "preparing"
    assert Target.objects.get(work_activity__slug="alpha").status == TargetStatus.PREPARING


def test_target_status_refusals_name_the_argument_and_change_nothing(
    run: Any, rollout: DeploymentPlan, practitioner: User
) -> None:
    before = counts()

    no_reason = run(
        "target-status", rollout.reference, "alpha", "opted_out", "--as", "process.owner"
    )
    bad_status = run(
        "target-status", rollout.reference, "alpha", "finished", "--as", "process.owner"
    )
    unknown = run("target-status", rollout.reference, "zulu", "preparing", "--as", "process.owner")
    bad_day = run(
        "target-status",
        rollout.reference,
        "alpha",
        "preparing",
        "--on",
        "soon",
        "--as",
        "process.owner",
    )
    denied = run("target-status", rollout.reference, "alpha", "preparing", "--as", "practitioner")

    refused(no_reason, 2, "--reason:")
    refused(bad_status, 2, "STATUS: 'finished' is not one of")
    refused(unknown, 2, f"WORK_ACTIVITY: 'zulu' is not a target of {rollout.reference}")
    refused(bad_day, 2, "--on: 'soon' is not a date")
    refused(denied, 3, "practitioner may not update the target alpha")
    assert counts() == before


def test_a_project_manager_sets_the_status_of_their_own_target(
    run: Any, plan: DeploymentPlan, process_owner: User, managed_person: Any
) -> None:
    add_target(plan, "Managed project", actor=process_owner, manager=managed_person)

    result = run(
        "target-status", plan.reference, "managed-project", "preparing", "--as", "project.manager"
    )

    assert result.exit_code == 0, result.output
    assert "is preparing" in result.stdout


# --- gates and waves ------------------------------------------------------------------------


def test_gate_shows_the_wave_as_status_does(run: Any, rollout: DeploymentPlan) -> None:
    result = run("gate", rollout.reference, "2", "--json")

    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    status_wave = as_json(plan_status(rollout).as_json())["waves"][1]
    assert {key: body[key] for key in status_wave} == status_wave
    assert (body["gate"]["passed"], body["evaluated_by"], body["override"]) == (None, None, None)


def test_gate_evaluate_keeps_an_evaluation(run: Any, rollout: DeploymentPlan) -> None:
    result = run("gate", rollout.reference, "2", "--evaluate", "--as", "process.owner", "--json")

    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert (body["gate"]["passed"], body["evaluated_by"]) == (False, "process.owner")
    assert [c["passed"] for c in body["gate"]["criteria"]] == [False]
    assert GateEvaluation.objects.filter(wave__plan=rollout, wave__number=2).count() == 1


def test_gate_refusals(run: Any, rollout: DeploymentPlan, practitioner: User) -> None:
    before = counts()

    no_user = run("gate", rollout.reference, "2", "--evaluate")
    denied = run("gate", rollout.reference, "2", "--evaluate", "--as", "practitioner")
    no_wave = run("gate", rollout.reference, "7")

    refused(no_user, 2, "--as: name the user")
    refused(denied, 3, f"practitioner may not evaluate the gates of {rollout.reference}")
    refused(no_wave, 2, f"WAVE_NUMBER: {rollout.reference} has no wave 7 (it has 1, 2)")
    assert counts() == before


def test_wave_start_starts_the_pilot(run: Any, rollout: DeploymentPlan) -> None:
    result = run("wave-start", rollout.reference, "1", "--as", "process.owner", "--json")

    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert (body["wave"], body["state"], body["plan_state"]) == (1, "running", "deploying")
    assert any("is now deploying" in message for message in body["messages"])
    assert rollout.waves.get(number=1).state == WaveState.RUNNING
    rollout.refresh_from_db()
    assert rollout.state == PlanState.DEPLOYING


def test_wave_start_refuses_a_wave_whose_gate_has_not_passed(
    run: Any, rollout: DeploymentPlan
) -> None:
    run("wave-start", rollout.reference, "1", "--as", "process.owner")

    result = run("wave-start", rollout.reference, "2", "--as", "process.owner")

    refused(result, 2, "gate: The gate of")
    assert rollout.waves.get(number=2).state == WaveState.PLANNED


def test_a_practitioner_may_not_start_a_wave(
    run: Any, rollout: DeploymentPlan, practitioner: User
) -> None:
    before = counts()

    result = run("wave-start", rollout.reference, "1", "--as", "practitioner")

    refused(result, 3, f"practitioner may not start the waves of {rollout.reference}")
    assert counts() == before


# --- results --------------------------------------------------------------------------------


def test_results_evaluate_and_show_the_measured_value(
    run: Any, process_owner: User, sponsor: User
) -> None:
    measured = deployed_plan(process_owner, sponsor)

    before = run("results", measured.reference, "--json")
    evaluated = run("results", measured.reference, "--evaluate", "--as", "process.owner", "--json")
    summary = run("results", measured.reference)

    assert json.loads(before.stdout) == {
        "plan": measured.reference,
        "evaluated": False,
        "results": [],
    }
    assert evaluated.exit_code == 0, evaluated.output
    (row,) = json.loads(evaluated.stdout)["results"]
    assert (row["measure"], row["improved"], row["target_met"], row["change_date"]) == (
        "cycle-time",
        True,
        True,
        str(CHANGE),
    )
    assert Result.objects.filter(plan=measured).count() == 1
    assert summary.stdout.startswith("cycle-time: ")
    status = run("status", measured.reference).stdout.splitlines()
    assert "Targets: 2 (2 deployed)" in status
    assert [line for line in status if line.startswith("Result cycle-time: ")]


def test_results_refusals(run: Any, plan: DeploymentPlan, practitioner: User) -> None:
    before = counts()

    denied = run("results", plan.reference, "--evaluate", "--as", "practitioner")
    not_started = run("results", plan.reference, "--evaluate", "--as", "process.owner")

    refused(denied, 3, f"practitioner may not evaluate the results of {plan.reference}")
    refused(not_started, 2, "PLAN: No wave has started")
    assert counts() == before
