"""The proposal life cycle (uplift.domain.proposal_lifecycle): transitions, the pilot rule."""

from __future__ import annotations

import pytest

from uplift.domain.proposal_lifecycle import (
    DECIDE,
    SELECT,
    TRANSITIONS,
    LifecycleError,
    available_transitions,
    pilot_reasons,
    transition_check,
)

STATES = [
    "submitted",
    "analyzed",
    "rejected",
    "selected_for_validation",
    "validating",
    "terminated",
    "rework",
    "validated",
    "selected_for_deployment",
    "deploying",
    "deployed",
    "evaluated",
]

# (transition, from, to, permission): the issue's life cycle, one row per arrow.
ARROWS = [
    ("analyze", "submitted", "analyzed", DECIDE),
    ("analyze", "rework", "analyzed", DECIDE),
    ("reject", "submitted", "rejected", SELECT),
    ("reject", "analyzed", "rejected", SELECT),
    ("select_for_validation", "analyzed", "selected_for_validation", SELECT),
    ("start_validation", "selected_for_validation", "validating", DECIDE),
    ("terminate", "validating", "terminated", DECIDE),
    ("rework", "validating", "rework", DECIDE),
    ("validate", "validating", "validated", DECIDE),
    ("select_for_deployment", "validated", "selected_for_deployment", SELECT),
    ("start_deployment", "selected_for_deployment", "deploying", DECIDE),
    ("complete_deployment", "deploying", "deployed", DECIDE),
    ("evaluate", "deployed", "evaluated", DECIDE),
]


@pytest.mark.parametrize(("name", "source", "target", "permission"), ARROWS)
def test_each_transition_leads_from_its_source_to_its_target_with_its_permission(
    name: str, source: str, target: str, permission: str
) -> None:
    transition = transition_check(
        state=source, name=name, pilot_required_because=[], pilot_passed=False
    )

    assert (transition.target, transition.permission) == (target, permission)


def test_the_table_holds_exactly_the_arrows_of_the_issue() -> None:
    arrows = {(t.name, s, t.target) for t in TRANSITIONS.values() for s in t.sources}

    assert arrows == {(name, source, target) for name, source, target, _ in ARROWS}


@pytest.mark.parametrize(
    ("name", "state"),
    [
        (name, state)
        for name, transition in TRANSITIONS.items()
        for state in STATES
        if state not in transition.sources
    ],
)
def test_a_transition_from_any_other_state_is_refused_saying_where_it_must_start(
    name: str, state: str
) -> None:
    with pytest.raises(LifecycleError) as refused:
        transition_check(state=state, name=name, pilot_required_because=[], pilot_passed=True)

    assert f"a proposal that is {state.replace('_', ' ')}" in str(refused.value)
    assert "it must be" in str(refused.value)


def test_an_unknown_transition_is_refused_listing_the_known_ones() -> None:
    with pytest.raises(LifecycleError) as refused:
        transition_check(
            state="submitted", name="approve", pilot_required_because=[], pilot_passed=False
        )

    assert str(refused.value).startswith("Unknown transition 'approve'; transitions: analyze,")


@pytest.mark.parametrize("state", ["rejected", "terminated", "evaluated"])
def test_rejected_terminated_and_evaluated_proposals_go_nowhere(state: str) -> None:
    assert available_transitions(state) == []


def test_the_transitions_out_of_a_state_follow_the_table_order() -> None:
    assert [t.name for t in available_transitions("validating")] == [
        "terminate",
        "rework",
        "validate",
    ]
    assert [t.name for t in available_transitions("analyzed")] == [
        "reject",
        "select_for_validation",
    ]


# -- the pilot rule (seed 002: new, unproven and major changes are piloted) ---------------


@pytest.mark.parametrize(
    ("category", "size", "proven", "reasons"),
    [
        ("incremental", "minor", True, []),
        ("innovative", "minor", True, ["it is an innovative change"]),
        ("incremental", "major", True, ["it is a major change"]),
        (
            "incremental",
            "minor",
            False,
            ["it has not been proven in a comparable environment"],
        ),
        (
            "innovative",
            "major",
            False,
            [
                "it is an innovative change",
                "it is a major change",
                "it has not been proven in a comparable environment",
            ],
        ),
    ],
)
def test_each_reason_to_pilot_is_named(
    category: str, size: str, proven: bool, reasons: list[str]
) -> None:
    assert pilot_reasons(category=category, size=size, proven=proven) == reasons


@pytest.mark.parametrize(
    ("name", "state"), [("validate", "validating"), ("select_for_deployment", "validated")]
)
@pytest.mark.parametrize(
    "reason",
    [
        "it is an innovative change",
        "it is a major change",
        "it has not been proven in a comparable environment",
    ],
)
def test_a_proposal_that_must_be_piloted_needs_a_pilot_that_proceeded(
    name: str, state: str, reason: str
) -> None:
    with pytest.raises(LifecycleError) as refused:
        transition_check(
            state=state, name=name, pilot_required_because=[reason], pilot_passed=False
        )

    assert str(refused.value) == (
        f"This proposal must pass a pilot first ({reason}): no pilot of it has been "
        "decided 'proceed to deployment'."
    )


@pytest.mark.parametrize(
    ("name", "state"), [("validate", "validating"), ("select_for_deployment", "validated")]
)
def test_a_pilot_that_proceeded_lets_it_through(name: str, state: str) -> None:
    reasons = pilot_reasons(category="innovative", size="major", proven=False)

    transition = transition_check(
        state=state, name=name, pilot_required_because=reasons, pilot_passed=True
    )

    assert transition.name == name


def test_the_rule_concerns_validation_and_selection_for_deployment_only() -> None:
    reasons = ["it is a major change"]

    for name, source, _, _ in ARROWS:
        if name in ("validate", "select_for_deployment"):
            continue
        transition_check(
            state=source, name=name, pilot_required_because=reasons, pilot_passed=False
        )


def test_a_proven_minor_incremental_change_needs_no_pilot_to_be_validated() -> None:
    transition = transition_check(
        state="validating", name="validate", pilot_required_because=[], pilot_passed=False
    )

    assert transition.target == "validated"
