"""``uplift improvements …``: JSON shapes, exit codes, permissions and the database.

The group is invoked directly (``uplift.cli.improvements.app``), so the tests hold
before and after the lead's wiring of ``uplift improvements``. Exit status 2 is a bad
argument or a refused value, 3 a permission refusal; either way one line on stderr and
nothing written.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from typer.testing import CliRunner

from tests.conftest import MakeUser
from tests.factories.improvements import ProposalFactory
from uplift.apps.accounts.roles import Role
from uplift.apps.improvements.choices import ProposalState
from uplift.apps.improvements.models import (
    ActionPlan,
    PlanRevision,
    Proposal,
    ProposalTransition,
    ReviewRequest,
    Score,
)
from uplift.apps.improvements.services.plans import plan_create, plan_update
from uplift.apps.improvements.services.selection import criteria_defaults_ensure, score_set
from uplift.cli.improvements import app

pytestmark = pytest.mark.django_db


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        return runner.invoke(app, list(args))

    return invoke


@pytest.fixture
def steering(make_user: MakeUser) -> User:
    return make_user(Role.STEERING_COMMITTEE, username="steering")


@pytest.fixture
def project_manager(make_user: MakeUser) -> User:
    return make_user(Role.PROJECT_MANAGER, username="project.manager")


def refused(result: Any, status: int, text: str) -> None:
    """The command failed with ``status`` and one line on stderr containing ``text``."""
    assert result.exit_code == status, result.output
    assert text in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def proposal_counts() -> tuple[int, int, int]:
    return Proposal.objects.count(), ProposalTransition.objects.count(), Proposal.history.count()


def plan_counts() -> tuple[int, int, int, int]:
    return (
        ActionPlan.objects.count(),
        PlanRevision.objects.count(),
        ReviewRequest.objects.count(),
        ActionPlan.history.count(),
    )


@pytest.fixture
def selected(process_group_member: User) -> Proposal:
    return ProposalFactory(
        title="Peer reviews for requirements",
        state=ProposalState.SELECTED_FOR_VALIDATION,
        submitted_by=process_group_member,
    )


@pytest.fixture
def plan(selected: Proposal, process_group_member: User) -> ActionPlan:
    return plan_create(
        actor=process_group_member,
        title="Peer reviews in every project",
        owner=process_group_member,
        proposals=[selected],
        objectives="Defect density at most 1.0 defects/KLOC.",
        risks="Reviews become a formality.",
    )


# --- proposals ---------------------------------------------------------------------------------


def test_a_practitioner_submits_a_suggestion_and_gets_the_proposal_as_json(run, practitioner):
    result = run(
        "proposals", "create", "--title", "Definition of ready", "--problem",
        "Stories enter the sprint unclear.", "--source-kind", "suggestion", "--size", "minor",
        "--cost", "1500", "--as", "practitioner", "--json",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    proposal = Proposal.objects.get()
    assert (body["id"], body["reference"], body["state"]) == (
        proposal.pk,
        f"IP-{proposal.pk}",
        "submitted",
    )
    assert (body["source_kind"], body["estimated_cost"], body["submitted_by"]) == (
        "suggestion",
        1500.0,
        "practitioner",
    )
    assert [t["name"] for t in body["transitions"]] == ["submit"]
    assert body["pilot_reasons"] == ["it has not been proven in a comparable environment"]
    assert {t["name"] for t in body["available_transitions"]} == {"analyze", "reject"}
    assert proposal.submitted_by == practitioner


@pytest.mark.parametrize(
    ("extra", "status", "message"),
    [
        (("--as", "nobody"), 2, "--as: no user has the username 'nobody'"),
        (("--as", "practitioner", "--source-kind", "gossip"), 2, "--source-kind: 'gossip'"),
        (("--as", "practitioner", "--size", "huge"), 2, "--size: 'huge' is not one of"),
        (("--as", "practitioner", "--cost", "lots"), 2, "--cost: 'lots' is not a number"),
        (("--as", "practitioner", "--finding", "999"), 2, "--finding: there is no finding 999"),
        (
            ("--as", "practitioner", "--source-kind", "appraisal_weakness"),
            2,
            "--finding: An appraisal weakness source names a weakness finding",
        ),
    ],
)
def test_a_bad_argument_to_create_exits_2_with_one_line_and_writes_nothing(
    run, practitioner, extra, status, message
):
    args = ["proposals", "create", "--title", "T", "--problem", "P"]
    if "--source-kind" not in extra:
        args += ["--source-kind", "suggestion"]

    result = run(*args, *extra)

    refused(result, status, message)
    assert proposal_counts() == (0, 0, 0)


def test_proposals_list_is_newest_first_and_filters_by_state(run, process_group_member):
    older = ProposalFactory(title="Older")
    newer = ProposalFactory(title="Newer", state=ProposalState.ANALYZED)

    everything = json.loads(run("proposals", "list", "--json").stdout)
    analyzed = json.loads(run("proposals", "list", "--state", "analyzed", "--json").stdout)

    assert everything["count"] == 2
    assert [row["id"] for row in everything["proposals"]] == [newer.pk, older.pk]
    assert set(everything["proposals"][0]) >= {"id", "reference", "title", "state", "source_kind"}
    assert [row["title"] for row in analyzed["proposals"]] == ["Newer"]
    refused(run("proposals", "list", "--state", "nowhere"), 2, "--state: 'nowhere' is not one of")


def test_proposals_show_gives_content_transitions_pilot_reasons_and_scores(run, selected):
    result = run("proposals", "show", selected.reference, "--json")

    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["title"] == "Peer reviews for requirements"
    for key in ("problem_statement", "transitions", "pilot_reasons", "scores", "pilots", "source"):
        assert key in body
    summary = run("proposals", "show", str(selected.pk))
    assert summary.exit_code == 0
    assert "Peer reviews for requirements" in summary.stdout
    refused(run("proposals", "show", "IP-99999"), 2, "PROPOSAL: there is no proposal IP-99999")
    refused(run("proposals", "show", "twelve"), 2, "PROPOSAL: 'twelve' is not an id")


def test_the_process_group_analyzes_a_proposal_and_the_transition_is_recorded(
    run, process_group_member
):
    proposal = ProposalFactory()

    result = run(
        "proposals", "transition", str(proposal.pk), "analyze", "--reason", "Costed.",
        "--as", "process.group", "--json",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["state"] == "analyzed"
    assert body["transitions"][-1] | {"at": None} == {
        "name": "analyze",
        "from": "submitted",
        "to": "analyzed",
        "actor": "process.group",
        "at": None,
        "reason": "Costed.",
    }


def test_a_practitioner_may_not_select_a_proposal_and_nothing_changes(run, practitioner):
    proposal = ProposalFactory(state=ProposalState.ANALYZED)
    before = proposal_counts()

    result = run(
        "proposals", "transition", proposal.reference, "select_for_validation", "--reason",
        "Please.", "--as", "practitioner",
    )  # fmt: skip

    refused(result, 3, "practitioner may not select for validation")
    assert proposal_counts() == before
    proposal.refresh_from_db()
    assert (proposal.state, proposal.version) == ("analyzed", 1)


@pytest.mark.parametrize(
    ("name", "reason", "message"),
    [
        ("fly", "Why not.", "NAME: 'fly' is not a transition"),
        ("validate", "Done.", "NAME: Cannot mark validated a proposal that is submitted"),
        ("reject", " ", "--reason: Say why"),
    ],
)
def test_a_transition_the_rules_refuse_exits_2_and_changes_nothing(
    run, process_group_member, name, reason, message
):
    proposal = ProposalFactory()
    before = proposal_counts()

    result = run(
        "proposals", "transition", str(proposal.pk), name, "--reason", reason,
        "--as", "process.group",
    )  # fmt: skip

    refused(result, 2, message)
    assert proposal_counts() == before


# --- criteria, scores, ranking -----------------------------------------------------------------


def test_criteria_list_gives_the_five_defaults_with_their_weights(run):
    criteria_defaults_ensure()

    body = json.loads(run("criteria", "list", "--json").stdout)

    assert body["count"] == 5
    assert sum(row["weight"] for row in body["criteria"]) == pytest.approx(1.0)
    assert {row["direction"] for row in body["criteria"]} == {"benefit", "cost"}


def test_the_process_group_scores_a_proposal_and_a_steering_member_may_not(
    run, process_group_member, steering
):
    criterion = criteria_defaults_ensure()[0]
    proposal = ProposalFactory(state=ProposalState.ANALYZED)

    scored = run(
        "scores", "set", str(proposal.pk), criterion.slug, "4", "--as", "process.group", "--json"
    )
    denied = run("scores", "set", str(proposal.pk), criterion.slug, "1", "--as", "steering")

    assert scored.exit_code == 0, scored.output
    assert json.loads(scored.stdout)["value"] == 4
    refused(denied, 3, "steering may not change scores")
    assert list(Score.objects.values_list("value", flat=True)) == [4]
    assert Score.history.count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nope", "4"), "CRITERION: there is no criterion 'nope'"),
        (("{slug}", "9"), "VALUE: a score runs from 1 to 5, not 9"),
    ],
)
def test_a_bad_score_exits_2_and_writes_nothing(run, process_group_member, args, message):
    slug = criteria_defaults_ensure()[0].slug
    proposal = ProposalFactory(state=ProposalState.ANALYZED)

    result = run(
        "scores", "set", str(proposal.pk), *(a.format(slug=slug) for a in args),
        "--as", "process.group",
    )  # fmt: skip

    refused(result, 2, message)
    assert not Score.objects.exists()


def test_rank_prints_the_ranking_sensitivity_and_portfolio_as_one_object(run, process_group_member):
    criteria = criteria_defaults_ensure()
    cheap = ProposalFactory(title="Cheap", state=ProposalState.ANALYZED, estimated_cost=1000)
    dear = ProposalFactory(title="Dear", state=ProposalState.ANALYZED, estimated_cost=90000)
    for criterion in criteria:
        score_set(proposal=cheap, criterion=criterion, value=3, actor=process_group_member)
        score_set(proposal=dear, criterion=criterion, value=2, actor=process_group_member)

    result = run("rank", "--budget", "5000", "--json")
    summary = run("rank", "--budget", "5000")

    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert isinstance(body, dict)
    assert "Cheap" in json.dumps(body) or str(cheap.pk) in json.dumps(body)
    assert summary.exit_code == 0, summary.output
    assert "Cheap" in summary.stdout
    refused(run("rank", "--budget", "much"), 2, "--budget: 'much' is not a number")


# --- plans -------------------------------------------------------------------------------------


def test_plans_list_and_show_give_the_nine_items_revision_and_approval(run, plan):
    listed = json.loads(run("plans", "list", "--json").stdout)
    shown = json.loads(run("plans", "show", plan.reference, "--json").stdout)

    assert [row["id"] for row in listed["plans"]] == [plan.pk]
    assert (shown["state"], shown["revision"]) == ("draft", 1)
    assert len(shown["items"]) == 9
    assert shown["items"][1]["text"] == "Defect density at most 1.0 defects/KLOC."
    assert shown["approval"]["approved"] is False
    assert [r["number"] for r in shown["revisions"]] == [1]
    assert json.loads(run("plans", "list", "--state", "approved", "--json").stdout)["count"] == 0
    refused(run("plans", "show", "PAP-4040"), 2, "PLAN: there is no plan PAP-4040")


def test_a_plan_is_reviewed_and_approved_from_the_command_line(
    run, plan, steering, project_manager
):
    asked = run(
        "plans", "review-request", str(plan.pk), "--reviewer", "steering",
        "--optional-reviewer", "project.manager", "--as", "process.group",
    )  # fmt: skip
    approved = run("plans", "approve", str(plan.pk), "--as", "steering", "--json")

    assert asked.exit_code == 0, asked.output
    assert "requested from steering, project.manager" in asked.stdout
    assert approved.exit_code == 0, approved.output
    body = json.loads(approved.stdout)
    assert body["state"] == "approved"
    assert body["approval"]["approved"] is True
    decisions = {r["reviewer"]: r["decision"] for r in body["approval"]["reviewers"]}
    assert decisions == {"steering": "approved", "project.manager": "pending"}


def test_a_practitioner_may_not_approve_and_nothing_changes(run, plan, steering, practitioner):
    run("plans", "review-request", str(plan.pk), "--reviewer", "steering", "--as", "process.group")
    before = plan_counts()

    result = run("plans", "approve", str(plan.pk), "--as", "practitioner")

    refused(result, 3, "practitioner may not approve")
    assert plan_counts() == before
    assert ReviewRequest.objects.get().decision == "pending"


def test_a_reviewer_may_not_be_someone_who_cannot_review(run, plan, practitioner):
    before = plan_counts()

    result = run(
        "plans", "review-request", str(plan.pk), "--reviewer", "practitioner",
        "--as", "process.group",
    )  # fmt: skip

    refused(result, 2, "may not review process action plans")
    assert plan_counts() == before


def test_requesting_changes_needs_a_comment(run, plan, steering):
    run("plans", "review-request", str(plan.pk), "--reviewer", "steering", "--as", "process.group")
    before = plan_counts()

    refused(
        run("plans", "request-changes", str(plan.pk), "--comment", " ", "--as", "steering"),
        2,
        "--comment: say what should change",
    )
    assert plan_counts() == before
    changed = run(
        "plans", "request-changes", str(plan.pk), "--comment", "Add a schedule.", "--as", "steering"
    )
    assert changed.exit_code == 0, changed.output
    assert ReviewRequest.objects.get().decision == "changes_requested"


def test_a_revised_plan_compares_field_by_field(run, plan, steering, process_group_member):
    run("plans", "review-request", str(plan.pk), "--reviewer", "steering", "--as", "process.group")
    run("plans", "approve", str(plan.pk), "--as", "steering")
    plan.refresh_from_db()
    plan_update(
        plan=plan,
        actor=process_group_member,
        expected_version=plan.version,
        reason="Wave 2 later.",
        risks="Reviews become a formality; training slips.",
    )

    result = run("plans", "compare", plan.reference, "1", "2", "--json")
    shown = json.loads(run("plans", "show", str(plan.pk), "--json").stdout)

    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    changed = [row for row in body["changes"] if row["changed"]]
    assert [row["field"] for row in changed] == ["risks"]
    assert changed[0]["new"] == "Reviews become a formality; training slips."
    assert (shown["state"], shown["revision"]) == ("in_review", 2)
    assert shown["approval"]["reapproval"]["previous"] == 1
    refused(run("plans", "compare", str(plan.pk), "1", "7"), 2, "NEWER: PAP-")
