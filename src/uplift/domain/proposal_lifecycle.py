"""The life cycle of an improvement proposal, and the rule that unproven changes are piloted.

Source: CMMI OPM SG 2 (SP 2.1 elicit, SP 2.2 analyze, SP 2.3 validate, SP 2.4 select
for deployment) and OPF SP 2.1 subpractice 1 (seed 002): "New, unproven, and major
changes are piloted before they are incorporated into normal use." The states are those
of the issue (the reference's "categorized" state is folded into "submitted": a
proposal is categorized when it is written)::

    submitted → analyzed → rejected
                         → selected_for_validation → validating → terminated
                                                                → rework → analyzed
                                                                → validated
    validated → selected_for_deployment → deploying → deployed → evaluated
    submitted → rejected

Each transition names the permission (``app_label.codename``) a person needs to make
it; the services check it and record who, when and why. Pure Python: states are the
string values of ``uplift.apps.improvements.choices.ProposalState``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "DECIDE",
    "SELECT",
    "TRANSITIONS",
    "LifecycleError",
    "Transition",
    "available_transitions",
    "pilot_reasons",
    "transition_check",
]

DECIDE = "improvements.decide_proposal"  # the process group's analysis and validation
SELECT = "improvements.select_proposal"  # selection: steering committee and process group


class LifecycleError(ValueError):
    """A transition the life cycle refuses; the message says why."""


@dataclass(frozen=True)
class Transition:
    """One named move between states, and the permission it needs."""

    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    permission: str


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition("analyze", "Mark analyzed", ("submitted", "rework"), "analyzed", DECIDE),
        Transition("reject", "Reject", ("submitted", "analyzed"), "rejected", SELECT),
        Transition(
            "select_for_validation",
            "Select for validation",
            ("analyzed",),
            "selected_for_validation",
            SELECT,
        ),
        Transition(
            "start_validation",
            "Start validation",
            ("selected_for_validation",),
            "validating",
            DECIDE,
        ),
        Transition("terminate", "Terminate", ("validating",), "terminated", DECIDE),
        Transition("rework", "Send back for rework", ("validating",), "rework", DECIDE),
        Transition("validate", "Mark validated", ("validating",), "validated", DECIDE),
        Transition(
            "select_for_deployment",
            "Select for deployment",
            ("validated",),
            "selected_for_deployment",
            SELECT,
        ),
        Transition(
            "start_deployment",
            "Start deployment",
            ("selected_for_deployment",),
            "deploying",
            DECIDE,
        ),
        Transition("complete_deployment", "Mark deployed", ("deploying",), "deployed", DECIDE),
        Transition("evaluate", "Mark evaluated", ("deployed",), "evaluated", DECIDE),
    )
}


def pilot_reasons(*, category: str, size: str, proven: bool) -> list[str]:
    """Why a proposal must pass a pilot before deployment (empty: no pilot needed).

    Seed 002: new (innovative), unproven and major changes are piloted.
    """
    reasons = []
    if category == "innovative":
        reasons.append("it is an innovative change")
    if size == "major":
        reasons.append("it is a major change")
    if not proven:
        reasons.append("it has not been proven in a comparable environment")
    return reasons


def available_transitions(state: str) -> list[Transition]:
    """The transitions that leave ``state``, in the order of ``TRANSITIONS``."""
    return [t for t in TRANSITIONS.values() if state in t.sources]


def transition_check(
    *, state: str, name: str, pilot_required_because: list[str], pilot_passed: bool
) -> Transition:
    """The transition ``name`` from ``state``, or ``LifecycleError`` saying why not.

    ``select_for_deployment`` (and ``validate``) of a proposal that must be piloted
    needs a pilot whose decision was to proceed to deployment.
    """
    transition = TRANSITIONS.get(name)
    if transition is None:
        known = ", ".join(TRANSITIONS)
        raise LifecycleError(f"Unknown transition {name!r}; transitions: {known}.")
    if state not in transition.sources:
        sources = " or ".join(transition.sources)
        raise LifecycleError(
            f"Cannot {transition.label.lower()} a proposal that is {state.replace('_', ' ')}; "
            f"it must be {sources.replace('_', ' ')}."
        )
    piloted = name in ("validate", "select_for_deployment")
    if piloted and pilot_required_because and not pilot_passed:
        because = "; ".join(pilot_required_because)
        raise LifecycleError(
            f"This proposal must pass a pilot first ({because}): no pilot of it has "
            "been decided 'proceed to deployment'."
        )
    return transition
