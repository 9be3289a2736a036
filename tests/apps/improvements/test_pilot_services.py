"""Pilots: plan, change, start, results from the stored measurements, and the decision.

Observations are imported through the measurements' import service
(``selection_fixtures.observe``): alpha's cycle time drops from about 12 to about 9 at
the pilot's start (2024-03-01); beta stays about 12.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied

from tests.apps.improvements import selection_fixtures
from tests.apps.improvements.selection_fixtures import (
    AFTER,
    BEFORE,
    LEVEL,
    PILOT_END,
    PILOT_START,
)
from tests.factories.improvements import ProposalFactory
from uplift.apps.improvements.choices import PilotDecision, PilotStatus, ProposalState
from uplift.apps.improvements.errors import ConflictError, ImprovementError
from uplift.apps.improvements.models import Pilot, ProposalTransition
from uplift.apps.improvements.services.pilots import (
    pilot_create,
    pilot_decide,
    pilot_results,
    pilot_start,
    pilot_update,
)
from uplift.apps.improvements.services.proposals import benefit_add
from uplift.domain.statistics import evaluate

pytestmark = pytest.mark.django_db

measured = selection_fixtures.measured
piloted = selection_fixtures.piloted


def plan(proposal, measured, actor, **changes):
    fields = {
        "title": "Pair review in Alpha",
        "work_activities": [measured["alpha"]],
        "measures": [measured["cycle_time"]],
        "start": PILOT_START,
        "end": PILOT_END,
        "success_criteria": "Cycle time at least 20% lower, significantly.",
        **changes,
    }
    return pilot_create(proposal=proposal, actor=actor, **fields)


@pytest.fixture
def running(piloted, measured, process_group_member):
    pilot = plan(piloted, measured, process_group_member)
    return pilot_start(pilot=pilot, actor=process_group_member)


def transitions(proposal):
    return list(ProposalTransition.objects.filter(proposal=proposal).values_list("name", flat=True))


# -- planning ----------------------------------------------------------------------------------


def test_a_process_owner_plans_a_pilot_of_a_proposal_selected_for_validation(
    piloted, measured, process_owner
):
    pilot = plan(piloted, measured, process_owner, comparison_activities=[measured["beta"].pk])

    assert (pilot.status, pilot.version, pilot.proposal) == (PilotStatus.PLANNED, 1, piloted)
    assert list(pilot.work_activities.values_list("slug", flat=True)) == ["alpha"]
    assert list(pilot.comparison_activities.values_list("slug", flat=True)) == ["beta"]
    assert pilot.history.first().history_user == process_owner


@pytest.mark.parametrize("state", [ProposalState.ANALYZED, ProposalState.VALIDATED])
def test_a_pilot_is_planned_only_for_a_proposal_being_validated(
    measured, process_group_member, state
):
    with pytest.raises(ImprovementError) as refused:
        plan(ProposalFactory(state=state), measured, process_group_member)

    assert refused.value.field == "proposal"
    assert not Pilot.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"work_activities": []}, "work_activities"),
        ({"measures": []}, "measures"),
        ({"end": dt.date(2024, 2, 1)}, "end"),
        ({"success_criteria": "  "}, "success_criteria"),
        ({"title": ""}, "title"),
        ({"comparison_activities": ["alpha"]}, "comparison_activities"),
        ({"work_activities": [999_999]}, "work_activities"),
    ],
)
def test_a_plan_breaking_a_rule_is_refused_naming_the_field(
    piloted, measured, process_group_member, changes, field
):
    if changes.get("comparison_activities") == ["alpha"]:
        changes = {"comparison_activities": [measured["alpha"]]}

    with pytest.raises(ImprovementError) as refused:
        plan(piloted, measured, process_group_member, **changes)

    assert refused.value.field == field
    assert not Pilot.objects.exists()


@pytest.mark.parametrize("persona", ["practitioner", "steering", "outsider"])
def test_who_may_not_plan_pilots_plans_none(piloted, measured, persona, request):
    with pytest.raises(PermissionDenied):
        plan(piloted, measured, request.getfixturevalue(persona))

    assert not Pilot.objects.exists()


def test_an_edit_from_an_older_version_is_refused_and_changes_nothing(
    piloted, measured, process_group_member, process_owner
):
    pilot = plan(piloted, measured, process_group_member)
    pilot_update(
        pilot=Pilot.objects.get(pk=pilot.pk),
        actor=process_owner,
        expected_version=1,
        end=dt.date(2024, 5, 31),
    )

    with pytest.raises(ConflictError) as stale:
        pilot_update(pilot=pilot, actor=process_group_member, expected_version=1, title="Other")

    assert "process.owner" in stale.value.message or "Grace" in stale.value.message
    stored = Pilot.objects.get(pk=pilot.pk)
    assert (stored.title, stored.end, stored.version) == (
        "Pair review in Alpha",
        dt.date(2024, 5, 31),
        2,
    )


def test_an_edit_changes_the_groups_and_bumps_the_version(piloted, measured, process_owner):
    pilot = plan(piloted, measured, process_owner)

    pilot_update(
        pilot=pilot,
        actor=process_owner,
        expected_version=1,
        comparison_activities=[measured["beta"]],
        measures=[measured["cycle_time"], measured["defects"]],
    )
    unchanged = pilot_update(
        pilot=pilot, actor=process_owner, expected_version=2, title="Pair review in Alpha"
    )

    assert unchanged.version == 2
    assert list(pilot.comparison_activities.values_list("slug", flat=True)) == ["beta"]
    assert pilot.measures.count() == 2


# -- starting --------------------------------------------------------------------------------


def test_starting_a_pilot_moves_the_proposal_to_validating(piloted, measured, process_group_member):
    pilot = plan(piloted, measured, process_group_member)

    pilot_start(pilot=pilot, actor=process_group_member)

    piloted.refresh_from_db()
    assert (pilot.status, pilot.version) == (PilotStatus.RUNNING, 2)
    assert piloted.state == ProposalState.VALIDATING
    assert transitions(piloted)[-1] == "start_validation"


def test_a_process_owner_cannot_start_validation_and_nothing_changes(
    piloted, measured, process_owner
):
    pilot = plan(piloted, measured, process_owner)

    with pytest.raises(PermissionDenied):
        pilot_start(pilot=pilot, actor=process_owner)

    piloted.refresh_from_db()
    assert piloted.state == ProposalState.SELECTED_FOR_VALIDATION
    assert Pilot.objects.get(pk=pilot.pk).status == PilotStatus.PLANNED
    assert transitions(piloted) == []


def test_a_process_owner_restarts_a_replanned_pilot_of_a_validating_proposal(
    running, process_group_member, process_owner
):
    pilot_decide(
        pilot=running, actor=process_group_member, decision="replan", rationale="Too short."
    )

    pilot_start(pilot=running, actor=process_owner)

    assert Pilot.objects.get(pk=running.pk).status == PilotStatus.RUNNING


def test_a_running_pilot_does_not_start_again(running, process_group_member):
    with pytest.raises(ImprovementError) as refused:
        pilot_start(pilot=running, actor=process_group_member)

    assert refused.value.field == "status"


# -- results -----------------------------------------------------------------------------------


def test_without_a_comparison_group_the_pilot_is_compared_with_its_own_past(running):
    (result,) = pilot_results(running, n_boot=500)

    # 61 days from 2024-03-01, against the 61 days before it: alpha's 9 weeks each side
    assert result.run.design == "before_after"
    assert result.run.evaluation == evaluate(
        BEFORE, AFTER, seed=running.pk, n_boot=500, direction="lower"
    )
    change = 100 * (np.mean(AFTER) - np.mean(BEFORE)) / np.mean(BEFORE)  # -3.1 / 12.31: -25.2%
    assert result.observed_change == pytest.approx(change)
    assert result.expected_change == Decimal("-20.00")
    assert result.status == "met"
    assert result.meets is True
    assert result.verdict.startswith("Meets the expected benefit: Cycle time (after against")
    assert "fell 25.2%; the proposal expects a fall of 20% (lower is better)" in result.verdict
    assert ("change_date", "2024-03-01") in result.query


def test_with_a_comparison_group_the_pilot_is_compared_with_it_over_its_period(
    running, measured, process_group_member
):
    pilot_update(
        pilot=running,
        actor=process_group_member,
        expected_version=running.version,
        comparison_activities=[measured["beta"]],
    )

    (result,) = pilot_results(running, n_boot=500)

    assert result.run.design == "pilot_comparison"
    assert (result.run.before_label, result.run.after_label) == ("comparison", "pilot")
    assert result.run.evaluation == evaluate(
        LEVEL, AFTER, seed=running.pk, n_boot=500, direction="lower"
    )
    assert result.status == "met"
    assert ("comparison", "beta") in result.query


def test_a_change_short_of_the_expected_benefit_does_not_meet_it(
    running, piloted, process_group_member
):
    piloted.benefits.update(expected_change=Decimal("-40"))

    (result,) = pilot_results(running, n_boot=500)

    assert (result.status, result.meets) == ("not_met", False)
    assert result.verdict.startswith("Does not meet the expected benefit")


def test_a_measure_without_enough_data_says_why_and_without_a_benefit_says_so(
    running, measured, process_group_member
):
    pilot_update(
        pilot=running,
        actor=process_group_member,
        expected_version=running.version,
        measures=[measured["cycle_time"], measured["defects"]],
    )

    cycle, defects = sorted(pilot_results(running, n_boot=500), key=lambda r: r.measure.slug)

    assert (defects.status, defects.meets, defects.run) == ("no_data", None, None)
    assert defects.error == "The before group has 0 values; at least 2 are needed."
    assert cycle.status == "met"


def test_a_measure_the_proposal_expects_nothing_of_is_evaluated_without_a_verdict(
    running, measured, piloted, process_group_member
):
    piloted.benefits.all().delete()

    (result,) = pilot_results(running, n_boot=500)

    assert result.status == "no_expected_benefit"
    assert result.meets is None
    assert result.verdict.startswith("The proposal expects no benefit in cycle time.")


# -- deciding --------------------------------------------------------------------------------


def test_proceeding_validates_the_proposal_and_stores_the_results_as_json(
    running, piloted, process_group_member
):
    decided = pilot_decide(
        pilot=running,
        actor=process_group_member,
        decision="proceed",
        rationale="A quarter faster in Alpha.",
        expected_version=running.version,
    )

    piloted.refresh_from_db()
    assert piloted.state == ProposalState.VALIDATED
    assert transitions(piloted)[-2:] == ["start_validation", "validate"]
    last = ProposalTransition.objects.filter(proposal=piloted).last()
    assert "A quarter faster in Alpha." in last.reason
    stored = Pilot.objects.get(pk=running.pk)
    assert (stored.status, stored.decision, stored.decided_by) == (
        PilotStatus.COMPLETED,
        PilotDecision.PROCEED,
        process_group_member,
    )
    assert decided.version == 3  # planned 1, started 2, decided 3
    (measure,) = stored.results["measures"]
    assert json.loads(json.dumps(stored.results)) == stored.results
    assert (measure["measure"], measure["status"], measure["meets"]) == ("cycle-time", "met", True)
    assert measure["evaluation"]["n_before"] == 9


@pytest.mark.parametrize(
    ("decision", "state"),
    [("terminate", ProposalState.TERMINATED), ("rework", ProposalState.REWORK)],
)
def test_terminate_and_rework_move_the_proposal_and_complete_the_pilot(
    running, piloted, process_group_member, decision, state
):
    pilot_decide(pilot=running, actor=process_group_member, decision=decision, rationale="No.")

    piloted.refresh_from_db()
    assert piloted.state == state
    assert transitions(piloted)[-1] == decision
    assert Pilot.objects.get(pk=running.pk).status == PilotStatus.COMPLETED


def test_replanning_keeps_the_proposal_validating_and_plans_the_pilot_again(
    running, piloted, process_group_member
):
    pilot_decide(
        pilot=running, actor=process_group_member, decision="replan", rationale="Run longer."
    )

    piloted.refresh_from_db()
    stored = Pilot.objects.get(pk=running.pk)
    assert piloted.state == ProposalState.VALIDATING
    assert (stored.status, stored.decision) == (PilotStatus.PLANNED, PilotDecision.REPLAN)
    assert stored.results["measures"][0]["status"] == "met"


@pytest.mark.parametrize("persona", ["practitioner", "process_owner", "steering", "pat_member"])
def test_who_may_not_decide_changes_nothing(running, piloted, persona, request):
    with pytest.raises(PermissionDenied):
        pilot_decide(
            pilot=running,
            actor=request.getfixturevalue(persona),
            decision="proceed",
            rationale="Looks good.",
        )

    stored = Pilot.objects.get(pk=running.pk)
    assert (stored.status, stored.decision, stored.version, stored.results) == (
        PilotStatus.RUNNING,
        "",
        2,
        {},
    )
    piloted.refresh_from_db()
    assert piloted.state == ProposalState.VALIDATING


def test_a_decision_from_an_older_version_is_refused(running, process_group_member):
    with pytest.raises(ConflictError):
        pilot_decide(
            pilot=running,
            actor=process_group_member,
            decision="proceed",
            rationale="Good.",
            expected_version=1,
        )

    assert Pilot.objects.get(pk=running.pk).decision == ""


@pytest.mark.parametrize(
    ("decision", "rationale", "field"),
    [("continue", "Why not.", "decision"), ("proceed", "  ", "rationale")],
)
def test_a_decision_needs_a_known_choice_and_a_rationale(
    running, process_group_member, decision, rationale, field
):
    with pytest.raises(ImprovementError) as refused:
        pilot_decide(
            pilot=running, actor=process_group_member, decision=decision, rationale=rationale
        )

    assert refused.value.field == field


def test_a_planned_pilot_is_not_decided(piloted, measured, process_group_member):
    pilot = plan(piloted, measured, process_group_member)

    with pytest.raises(ImprovementError) as refused:
        pilot_decide(pilot=pilot, actor=process_group_member, decision="proceed", rationale="Go.")

    assert refused.value.field == "status"


def test_a_decision_the_proposals_life_cycle_refuses_writes_nothing(
    running, piloted, process_group_member
):
    piloted.state = ProposalState.VALIDATED  # moved on elsewhere meanwhile
    piloted.save(update_fields=["state"])

    with pytest.raises(ImprovementError) as refused:
        pilot_decide(pilot=running, actor=process_group_member, decision="rework", rationale="No.")

    assert refused.value.field == "name"
    stored = Pilot.objects.get(pk=running.pk)
    assert (stored.status, stored.decision) == (PilotStatus.RUNNING, "")


def test_an_expected_benefit_in_a_measure_the_pilot_does_not_measure_is_left_aside(
    running, measured, piloted, process_group_member
):
    benefit_add(
        proposal=piloted,
        actor=process_group_member,
        measure=measured["defects"],
        expected_change=Decimal("-10"),
    )

    assert [r.measure.slug for r in pilot_results(running, n_boot=200)] == ["cycle-time"]
