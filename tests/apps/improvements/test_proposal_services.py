"""services.proposals: submitting, editing, moving and the expected benefits of proposals.

Personas: ``outsider`` (no role: suggests only), ``practitioner`` (reads, adds proposals
from any source), ``process_group_member`` (edits, decides), ``steering`` (selects and
rejects). Every refusal leaves the rows, the transitions and the history as they were.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from tests.apps.improvements import proposal_sources
from tests.apps.improvements.proposal_sources import WEAKNESS_TEXT, submit, walk
from uplift.apps.improvements.errors import ConflictError, ImprovementError
from uplift.apps.improvements.models import ExpectedBenefit, Pilot, Proposal, ProposalTransition
from uplift.apps.improvements.services.proposals import (
    benefit_add,
    benefit_remove,
    proposal_create,
    proposal_pilot_reasons,
    proposal_transition,
    proposal_update,
)
from uplift.apps.library.models import Practice, ProcessArea

pytestmark = pytest.mark.django_db

cmmi_dev = proposal_sources.cmmi_dev
appraisal = proposal_sources.appraisal
weakness = proposal_sources.weakness
strength = proposal_sources.strength
cycle_time = proposal_sources.cycle_time
shortfall = proposal_sources.shortfall

TO_VALIDATING = ["analyze", "select_for_validation", "start_validation"]


def counts() -> tuple[int, int, int, int]:
    """Proposals, their history records, transitions and benefits."""
    return (
        Proposal.objects.count(),
        Proposal.history.count(),
        ProposalTransition.objects.count(),
        ExpectedBenefit.objects.count(),
    )


def refs(proposal: Proposal) -> list[str]:
    return sorted(f"{p.process_area.abbreviation} {p.identifier}" for p in proposal.practices.all())


def areas(proposal: Proposal) -> list[str]:
    return sorted(a.abbreviation for a in proposal.process_areas.all())


def proven_minor(actor: Any) -> Proposal:
    """A proposal that needs no pilot."""
    return submit(actor, category="incremental", size="minor", proven=True)


# -- create ---------------------------------------------------------------------------------


def test_anyone_signed_in_may_suggest_and_the_submission_is_recorded(outsider) -> None:
    proposal = submit(outsider, source_reference="Retrospective of sprint 12")

    stored = Proposal.objects.get()
    assert (stored.state, stored.version, stored.submitted_by) == ("submitted", 1, outsider)
    assert stored.source_reference == "Retrospective of sprint 12"
    step = ProposalTransition.objects.get()
    assert (step.proposal, step.name, step.from_state, step.to_state, step.actor) == (
        proposal,
        "submit",
        "",
        "submitted",
        outsider,
    )
    assert stored.history.get().history_user == outsider


def test_an_outsider_may_not_submit_from_another_source_and_nothing_is_written(
    outsider, shortfall
) -> None:
    with pytest.raises(PermissionDenied):
        submit(outsider, source_kind="qppo_shortfall", objective=shortfall)

    assert counts() == (0, 0, 0, 0)


def test_a_weakness_source_addresses_the_area_and_practices_of_its_finding(
    practitioner, weakness
) -> None:
    proposal = submit(practitioner, source_kind="appraisal_weakness", finding=weakness)

    assert proposal.finding == weakness
    assert areas(proposal) == ["REQM"]
    assert refs(proposal) == ["REQM SP 1.3", "REQM SP 1.5"]
    assert proposal.history.first().history_user == practitioner


def test_areas_and_practices_given_replace_the_findings_and_bring_their_areas(
    practitioner, weakness, cmmi_dev
) -> None:
    pp = ProcessArea.objects.get(model=cmmi_dev, abbreviation="PP")
    sp = Practice.objects.get(
        model=cmmi_dev, process_area__abbreviation="REQM", identifier="SP 1.1"
    )

    proposal = submit(
        practitioner,
        source_kind="appraisal_weakness",
        finding=weakness,
        process_areas=[pp.pk],
        practices=[sp],
    )

    assert areas(proposal) == ["PP", "REQM"]
    assert refs(proposal) == ["REQM SP 1.1"]


def test_a_strength_is_an_appraisal_finding_source(practitioner, strength) -> None:
    proposal = submit(practitioner, source_kind="appraisal_finding", finding=strength)

    assert (proposal.source_kind, refs(proposal)) == ("appraisal_finding", ["REQM SP 1.1"])


def test_a_qppo_shortfall_source_links_to_the_qppo(practitioner, shortfall) -> None:
    proposal = submit(practitioner, source_kind="qppo_shortfall", objective=shortfall)

    assert Proposal.objects.get().objective == shortfall
    assert list(proposal.process_areas.all()) == []


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"source_kind": "appraisal_weakness"},
            "finding",
            "An appraisal weakness source names a weakness finding",
        ),
        (
            {"source_kind": "appraisal_weakness", "finding": "strength"},
            "finding",
            "An appraisal weakness source names a weakness finding",
        ),
        (
            {"source_kind": "appraisal_finding"},
            "finding",
            "An appraisal finding source names the finding",
        ),
        (
            {"finding": "weakness"},
            "finding",
            "Only an appraisal weakness or finding source links to a finding.",
        ),
        ({"source_kind": "qppo_shortfall"}, "objective", "A QPPO shortfall source names the QPPO"),
        (
            {"source_kind": "qppo_shortfall", "objective": "business"},
            "objective",
            "A QPPO shortfall source names the QPPO",
        ),
        (
            {"objective": "qppo"},
            "objective",
            "Only a QPPO shortfall source links to an objective.",
        ),
        (
            {"source_kind": "lessons_learned"},
            "source_reference",
            "Name the lessons-learned record the proposal comes from",
        ),
        ({"source_kind": "rumour"}, "source_kind", "'rumour' is not one of"),
        ({"category": "huge"}, "category", "Value 'huge' is not a valid choice."),
        ({"title": " "}, "title", "This field cannot be blank."),
        (
            {"estimated_cost": "12345678901.5"},
            "estimated_cost",
            "no more than 10 digits before the decimal point",
        ),
        ({"colour": "red"}, "colour", "Unknown field: colour."),
        ({"process_areas": [999_999]}, "process_areas", "No process area has the id 999999."),
        ({"practices": [999_999]}, "practices", "No practice has the id 999999."),
    ],
)
def test_a_refused_proposal_names_its_field_and_writes_nothing(
    request, practitioner, fields, field, message
) -> None:
    rows = {  # the sources a case names, made only when it names them
        "weakness": lambda: request.getfixturevalue("weakness"),
        "strength": lambda: request.getfixturevalue("strength"),
        "qppo": lambda: request.getfixturevalue("shortfall"),
        "business": lambda: request.getfixturevalue("shortfall").parent,
    }
    fields = {
        name: rows[value]() if name in ("finding", "objective") else value
        for name, value in fields.items()
    }
    before = counts()

    with pytest.raises(ImprovementError) as refused:
        submit(practitioner, **fields)

    assert refused.value.field == field
    assert message in refused.value.message
    assert counts() == before


def test_a_lessons_learned_source_names_its_record(practitioner) -> None:
    proposal = submit(
        practitioner, source_kind="lessons_learned", source_reference="LL-2025-07 release"
    )

    assert proposal.source_reference == "LL-2025-07 release"


# -- update -----------------------------------------------------------------------------------


def test_an_update_saves_the_changed_fields_bumps_the_version_and_names_the_editor(
    practitioner, process_group_member
) -> None:
    proposal = submit(practitioner)

    updated = proposal_update(
        proposal=proposal,
        actor=process_group_member,
        expected_version=1,
        title="Review every requirement change",
        estimated_cost="1200.50",
        size="major",
    )

    stored = Proposal.objects.get()
    assert (stored.title, stored.estimated_cost, stored.size) == (
        "Review every requirement change",
        Decimal("1200.50"),
        "major",
    )
    assert stored.version == updated.version == proposal.version == 2
    record = stored.history.first()
    assert record.history_user == process_group_member
    assert sorted(c.field for c in record.diff_against(record.prev_record).changes) == [
        "estimated_cost",
        "size",
        "title",
        "version",
    ]


def test_an_update_that_changes_nothing_saves_nothing(practitioner) -> None:
    proposal = submit(practitioner, estimated_cost=Decimal("12.5"))
    before = counts()

    proposal_update(
        proposal=proposal,
        actor=practitioner,
        expected_version=1,
        title=proposal.title,
        estimated_cost="12.50",
    )

    assert counts() == before
    assert Proposal.objects.get().version == 1


def test_an_edit_from_an_older_version_is_refused_naming_who_saved_last(
    practitioner, process_group_member
) -> None:
    proposal = submit(practitioner)
    stale = Proposal.objects.get()
    proposal_update(
        proposal=proposal, actor=process_group_member, expected_version=1, title="First edit"
    )
    process_group_member.first_name = "Ada"
    before = counts()

    with pytest.raises(ConflictError) as refused:
        proposal_update(
            proposal=stale, actor=process_group_member, expected_version=1, title="Second edit"
        )

    assert refused.value.field == "version"
    assert "was changed by process.group at" in refused.value.message
    assert "it is at version 2, you started from 1" in refused.value.message
    assert (Proposal.objects.get().title, counts()) == ("First edit", before)


def test_the_submitter_edits_while_submitted_and_no_longer_afterwards(
    practitioner, process_group_member
) -> None:
    proposal = submit(practitioner)
    proposal_update(proposal=proposal, actor=practitioner, expected_version=1, risks="Some.")
    walk(proposal, ["analyze"], process_group_member)
    before = counts()

    with pytest.raises(PermissionDenied):
        proposal_update(proposal=proposal, actor=practitioner, expected_version=None, risks="x")

    assert (Proposal.objects.get().risks, counts()) == ("Some.", before)


def test_another_practitioner_may_not_edit_and_nothing_changes(practitioner, make_user) -> None:
    proposal = submit(practitioner)
    other = make_user(username="someone.else")
    before = counts()

    with pytest.raises(PermissionDenied):
        proposal_update(proposal=proposal, actor=other, expected_version=1, title="Mine now")

    assert (Proposal.objects.get().title, counts()) == (proposal.title, before)


def test_the_submitter_without_a_role_may_not_turn_a_suggestion_into_another_source(
    outsider, shortfall
) -> None:
    proposal = submit(outsider)
    before = counts()

    with pytest.raises(PermissionDenied):
        proposal_update(
            proposal=proposal,
            actor=outsider,
            expected_version=1,
            source_kind="qppo_shortfall",
            objective=shortfall,
        )

    assert counts() == before


def test_an_update_can_change_the_source_and_what_is_addressed(
    practitioner, process_group_member, weakness, cmmi_dev
) -> None:
    proposal = submit(practitioner)
    pp = ProcessArea.objects.get(model=cmmi_dev, abbreviation="PP")

    proposal_update(
        proposal=proposal,
        actor=process_group_member,
        expected_version=1,
        source_kind="appraisal_weakness",
        finding=weakness,
        process_areas=[pp],
    )

    stored = Proposal.objects.get()
    assert (stored.source_kind, stored.finding, areas(stored), stored.version) == (
        "appraisal_weakness",
        weakness,
        ["PP"],
        2,
    )


def test_a_refused_update_names_the_field_and_saves_nothing(
    practitioner, process_group_member
) -> None:
    proposal = submit(practitioner)
    before = counts()

    with pytest.raises(ImprovementError) as refused:
        proposal_update(
            proposal=proposal,
            actor=process_group_member,
            expected_version=1,
            source_kind="causal_analysis",
        )

    assert refused.value.field == "source_reference"
    assert (Proposal.objects.get().source_kind, counts()) == ("suggestion", before)


def test_the_state_is_not_an_updatable_field(practitioner, process_group_member) -> None:
    proposal = submit(practitioner)

    with pytest.raises(ImprovementError) as refused:
        proposal_update(
            proposal=proposal, actor=process_group_member, expected_version=1, state="deployed"
        )

    assert refused.value.field == "state"
    assert Proposal.objects.get().state == "submitted"


# -- transitions --------------------------------------------------------------------------


def test_a_transition_saves_the_state_and_records_who_when_and_why(
    practitioner, process_group_member
) -> None:
    proposal = submit(practitioner)
    submitted_at = proposal.state_changed_at

    moved = proposal_transition(
        proposal=proposal,
        name="analyze",
        actor=process_group_member,
        reason="Costs and benefits estimated.",
        expected_version=1,
    )

    stored = Proposal.objects.get()
    assert (stored.state, stored.version) == ("analyzed", 2)
    assert stored.state_changed_at > submitted_at
    assert (proposal.state, moved.state) == ("analyzed", "analyzed")  # the caller's too
    step = stored.transitions.last()
    assert (step.name, step.from_state, step.to_state, step.actor, step.reason) == (
        "analyze",
        "submitted",
        "analyzed",
        process_group_member,
        "Costs and benefits estimated.",
    )
    assert step.at == stored.state_changed_at
    record = stored.history.first()
    assert record.history_user == process_group_member
    assert record.history_change_reason == "Mark analyzed: Costs and benefits estimated."


def test_a_proposal_walks_the_whole_life_cycle_with_the_permitted_roles(
    practitioner, process_group_member, steering
) -> None:
    proposal = proven_minor(practitioner)
    steps = [
        ("analyze", process_group_member),
        ("select_for_validation", steering),
        ("start_validation", process_group_member),
        ("rework", process_group_member),
        ("analyze", process_group_member),
        ("select_for_validation", steering),
        ("start_validation", process_group_member),
        ("validate", process_group_member),
        ("select_for_deployment", steering),
        ("start_deployment", process_group_member),
        ("complete_deployment", process_group_member),
        ("evaluate", process_group_member),
    ]

    for name, actor in steps:
        proposal = proposal_transition(proposal=proposal, name=name, actor=actor, reason="ok")

    stored = Proposal.objects.get()
    assert (stored.state, stored.version) == ("evaluated", 1 + len(steps))
    assert list(stored.transitions.values_list("to_state", flat=True)) == [
        "submitted",
        "analyzed",
        "selected_for_validation",
        "validating",
        "rework",
        "analyzed",
        "selected_for_validation",
        "validating",
        "validated",
        "selected_for_deployment",
        "deploying",
        "deployed",
        "evaluated",
    ]


@pytest.mark.parametrize(
    ("path", "name", "target"),
    [
        ([], "reject", "rejected"),
        (["analyze"], "reject", "rejected"),
        (TO_VALIDATING, "terminate", "terminated"),
    ],
)
def test_rejecting_and_terminating_end_the_life_cycle(
    practitioner, process_group_member, path, name, target
) -> None:
    proposal = walk(submit(practitioner), path, process_group_member)

    proposal_transition(
        proposal=proposal, name=name, actor=process_group_member, reason="Not worth it."
    )

    assert Proposal.objects.get().state == target


@pytest.mark.parametrize(
    ("persona", "path", "name"),
    [
        ("practitioner", [], "analyze"),
        ("practitioner", [], "reject"),
        ("steering", [], "analyze"),
        ("steering", TO_VALIDATING, "validate"),
        ("sponsor", ["analyze", "select_for_validation"], "start_validation"),
        ("process_owner", ["analyze"], "select_for_validation"),
        ("pat_member", ["analyze"], "reject"),
        ("outsider", [], "reject"),
    ],
)
def test_a_transition_without_its_permission_is_refused_and_nothing_changes(
    request, practitioner, process_group_member, persona, path, name
) -> None:
    actor = request.getfixturevalue(persona)
    proposal = walk(proven_minor(practitioner), path, process_group_member)
    before = counts()

    with pytest.raises(PermissionDenied) as refused:
        proposal_transition(proposal=proposal, name=name, actor=actor, reason="Because.")

    assert "needs the permission improvements." in str(refused.value)
    assert counts() == before
    assert Proposal.objects.get().state == proposal.state


@pytest.mark.parametrize(
    ("path", "name"),
    [([], "reject"), (TO_VALIDATING, "terminate"), (TO_VALIDATING, "rework")],
)
@pytest.mark.parametrize("reason", ["", "   "])
def test_rejecting_terminating_and_reworking_need_a_reason(
    practitioner, process_group_member, path, name, reason
) -> None:
    proposal = walk(submit(practitioner), path, process_group_member)
    state, before = proposal.state, counts()

    with pytest.raises(ImprovementError) as refused:
        proposal_transition(proposal=proposal, name=name, actor=process_group_member, reason=reason)

    assert refused.value.field == "reason"
    assert refused.value.message.startswith("Say why:")
    assert (Proposal.objects.get().state, counts()) == (state, before)


def test_other_transitions_need_no_reason(practitioner, process_group_member) -> None:
    proposal = submit(practitioner)

    proposal_transition(proposal=proposal, name="analyze", actor=process_group_member, reason="")

    assert ProposalTransition.objects.last().reason == ""


def test_a_transition_the_life_cycle_refuses_names_the_transition_and_writes_nothing(
    practitioner, process_group_member
) -> None:
    proposal = submit(practitioner)
    before = counts()

    with pytest.raises(ImprovementError) as refused:
        proposal_transition(
            proposal=proposal, name="start_deployment", actor=process_group_member, reason=""
        )

    assert refused.value.field == "name"
    assert refused.value.message == (
        "Cannot start deployment a proposal that is submitted; it must be selected for deployment."
    )
    assert counts() == before


def test_an_unknown_transition_is_refused(practitioner, process_group_member) -> None:
    proposal = submit(practitioner)

    with pytest.raises(ImprovementError) as refused:
        proposal_transition(
            proposal=proposal, name="approve", actor=process_group_member, reason=""
        )

    assert refused.value.field == "name"


def test_a_transition_decided_on_an_older_version_is_refused(
    practitioner, process_group_member
) -> None:
    proposal = submit(practitioner)
    proposal_update(proposal=proposal, actor=practitioner, expected_version=1, risks="New risk")
    before = counts()

    with pytest.raises(ConflictError):
        proposal_transition(
            proposal=proposal,
            name="analyze",
            actor=process_group_member,
            reason="",
            expected_version=1,
        )

    assert (Proposal.objects.get().state, counts()) == ("submitted", before)


# -- the pilot rule -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"category": "innovative", "proven": True}, "it is an innovative change"),
        ({"size": "major", "proven": True}, "it is a major change"),
        ({"proven": False}, "it has not been proven in a comparable environment"),
    ],
)
def test_a_proposal_that_must_be_piloted_is_not_validated_without_a_pilot_that_proceeded(
    practitioner, process_group_member, fields, reason
) -> None:
    proposal = walk(submit(practitioner, **fields), TO_VALIDATING, process_group_member)
    assert proposal_pilot_reasons(proposal) == [reason]
    before = counts()

    with pytest.raises(ImprovementError) as refused:
        proposal_transition(
            proposal=proposal, name="validate", actor=process_group_member, reason=""
        )

    assert refused.value.field == "name"
    assert f"must pass a pilot first ({reason})" in refused.value.message
    assert (Proposal.objects.get().state, counts()) == ("validating", before)


def _pilot(proposal: Proposal, decision: str) -> Pilot:
    return Pilot.objects.create(
        proposal=proposal,
        title="Pilot in Alpha",
        start=dt.date(2026, 1, 5),
        end=dt.date(2026, 3, 27),
        success_criteria="Cycle time down by a fifth.",
        status="completed",
        decision=decision,
    )


def test_a_pilot_decided_proceed_lets_it_be_validated_and_selected_for_deployment(
    practitioner, process_group_member, steering
) -> None:
    proposal = walk(
        submit(practitioner, category="innovative", size="major"),
        TO_VALIDATING,
        process_group_member,
    )
    _pilot(proposal, "rework")
    with pytest.raises(ImprovementError):
        proposal_transition(
            proposal=proposal, name="validate", actor=process_group_member, reason=""
        )
    _pilot(proposal, "proceed")

    walk(proposal, ["validate"], process_group_member)
    walk(proposal, ["select_for_deployment"], steering)

    assert Proposal.objects.get().state == "selected_for_deployment"


def test_a_proven_minor_incremental_proposal_needs_no_pilot(
    practitioner, process_group_member
) -> None:
    proposal = walk(proven_minor(practitioner), TO_VALIDATING, process_group_member)

    assert proposal_pilot_reasons(proposal) == []
    assert walk(proposal, ["validate"], process_group_member).state == "validated"


# -- expected benefits ----------------------------------------------------------------------


def test_an_editor_adds_and_removes_expected_benefits_with_history(
    practitioner, process_group_member, cycle_time
) -> None:
    proposal = submit(practitioner)

    benefit = benefit_add(
        proposal=proposal,
        actor=process_group_member,
        measure=cycle_time,
        expected_change="-20",
        by_when=dt.date(2026, 6, 30),
        note="Fewer late changes.",
    )

    stored = ExpectedBenefit.objects.get()
    assert (stored.proposal, stored.measure, stored.expected_change, stored.by_when) == (
        proposal,
        cycle_time,
        Decimal("-20.00"),
        dt.date(2026, 6, 30),
    )
    assert stored.history.get().history_user == process_group_member

    benefit_remove(benefit=benefit, actor=process_group_member)

    assert not ExpectedBenefit.objects.exists()
    deleted = ExpectedBenefit.history.first()
    assert (deleted.history_type, deleted.history_user) == ("-", process_group_member)


def test_the_submitter_adds_benefits_while_submitted(practitioner, cycle_time) -> None:
    proposal = submit(practitioner)

    benefit_add(proposal=proposal, actor=practitioner, measure=cycle_time, expected_change=15)

    assert ExpectedBenefit.objects.get().expected_change == Decimal("15")


def test_a_reader_who_may_not_edit_may_not_change_benefits_and_nothing_changes(
    practitioner, process_group_member, make_user, cycle_time
) -> None:
    proposal = submit(process_group_member)
    benefit = benefit_add(
        proposal=proposal, actor=process_group_member, measure=cycle_time, expected_change=-5
    )
    before = counts()

    with pytest.raises(PermissionDenied):
        benefit_add(proposal=proposal, actor=practitioner, measure=cycle_time, expected_change=1)
    with pytest.raises(PermissionDenied):
        benefit_remove(benefit=benefit, actor=practitioner)

    assert counts() == before


@pytest.mark.parametrize(
    ("change", "measure", "field"),
    [
        ("12345678", True, "expected_change"),
        ("", True, "expected_change"),
        ("5", False, "measure"),
    ],
)
def test_a_refused_benefit_names_its_field_and_writes_nothing(
    practitioner, cycle_time, change, measure, field
) -> None:
    proposal = submit(practitioner)
    before = counts()

    with pytest.raises(ImprovementError) as refused:
        benefit_add(
            proposal=proposal,
            actor=practitioner,
            measure=cycle_time if measure else None,
            expected_change=change,
        )

    assert refused.value.field == field
    assert counts() == before


def test_a_weakness_proposal_keeps_the_finding_text_as_its_problem(practitioner, weakness) -> None:
    proposal = proposal_create(
        actor=practitioner,
        title="Trace requirement changes",
        source_kind="appraisal_weakness",
        problem_statement=WEAKNESS_TEXT,
        finding=weakness,
    )

    assert proposal.problem_statement == WEAKNESS_TEXT
