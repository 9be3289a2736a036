"""Pilots: validating a proposal in a few real work activities (OPM SP 2.3).

A pilot is planned (where it runs, which measures show its effect, from when to when,
its success criteria), started, evaluated on the stored measurements, and decided:
terminate, rework the improvement, replan and continue, or proceed to deployment.

Rules (every function is one transaction; a refusal writes nothing):

- planning needs ``improvements.add_pilot``, changing or starting a pilot
  ``change_pilot`` and deciding ``decide_proposal`` (``PermissionDenied`` otherwise,
  and without an actor: a pilot's steps move the proposal, which records who did it);
- a pilot is planned only for a proposal selected for validation or validating; it
  runs somewhere (work activities) and shows in some measures; it ends on or after
  its start; a work activity is not in both the pilot and the comparison group;
- starting it moves a proposal selected for validation to *validating* (the
  ``start_validation`` transition, which needs ``decide_proposal`` too);
- the decision stores the results as they are then (a JSON snapshot) with the
  rationale, and moves the proposal through ``proposal_transition``: terminate →
  ``terminate``, rework → ``rework``, proceed → ``validate`` (the pilot is completed);
  replan leaves the proposal validating and the pilot planned again, to be restarted;
- ``version`` grows by one on every save; an edit or decision made from an older
  version is refused with a ``ConflictError`` naming who saved last.

Results (``pilot_results``) are live: for each measure the measurements' evaluation
(``uplift.apps.measurements.services.evaluations.evaluation_run``) of the pilot
against its comparison group over the pilot's period, or, without a comparison
group, of the pilot group after its start against the same length of time before,
set beside the proposal's expected benefit for the measure.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from uplift.apps.improvements.choices import PilotDecision, PilotStatus, ProposalState
from uplift.apps.improvements.errors import ImprovementError, lock_for_update
from uplift.apps.improvements.history import record_actor as _record_actor
from uplift.apps.improvements.models import ExpectedBenefit, Pilot, Proposal
from uplift.apps.improvements.services.proposals import proposal_transition
from uplift.apps.measurements.choices import Direction
from uplift.apps.measurements.services.evaluations import EvaluationRun, evaluation_run
from uplift.apps.measurements.services.measures import MeasurementError

__all__ = [
    "PILOTED_STATES",
    "PILOT_FIELDS",
    "PilotMeasureResult",
    "pilot_create",
    "pilot_decide",
    "pilot_results",
    "pilot_results_snapshot",
    "pilot_start",
    "pilot_update",
]

User = Any  # auth.User
Row = Any  # another app's row (a WorkActivity, a Measure), or its id

# The states of a proposal that can be piloted.
PILOTED_STATES = (ProposalState.SELECTED_FOR_VALIDATION, ProposalState.VALIDATING)
PILOT_FIELDS = (
    "title",
    "work_activities",
    "comparison_activities",
    "measures",
    "start",
    "end",
    "success_criteria",
)
_M2M = ("work_activities", "comparison_activities", "measures")
# The proposal's transition for each decision (replan has none).
_TRANSITION_OF = {
    PilotDecision.TERMINATE: "terminate",
    PilotDecision.REWORK: "rework",
    PilotDecision.PROCEED: "validate",
}

Status = Literal[
    "met", "not_significant", "not_met", "undetermined", "no_expected_benefit", "no_data"
]


def _require(actor: User, permission: str, doing: str) -> None:
    if actor is None or not (actor.is_authenticated and actor.has_perm(permission)):
        raise PermissionDenied(f"You may not {doing}: that needs the permission {permission}.")


def _full_clean(instance: models.Model, *, exclude: Iterable[str] = ()) -> None:
    """``full_clean`` as an ``ImprovementError`` naming the first field at fault."""
    try:
        instance.full_clean(exclude=list(exclude))
    except ValidationError as error:
        problems = getattr(error, "error_dict", None)
        if problems:
            field, errors = next(iter(problems.items()))
            message = " ".join(str(m) for e in errors for m in e.messages)
            if field == "__all__":  # the end-after-start constraint
                field = "end"
            raise ImprovementError(message, field=field) from None
        raise ImprovementError(" ".join(error.messages)) from None


def _related_ids(field: str, rows: Iterable[Row]) -> set[int]:
    """The ids of the rows (or ids) for a many-to-many field of ``Pilot``; each must exist."""
    ids = {int(row.pk if isinstance(row, models.Model) else row) for row in rows}
    model = Pilot._meta.get_field(field).related_model
    known = set(model._default_manager.filter(pk__in=ids).values_list("pk", flat=True))  # type: ignore[union-attr]
    if missing := sorted(ids - known):
        raise ImprovementError(f"Unknown id: {', '.join(map(str, missing))}.", field=field)
    return ids


def _check_plan(state: dict[str, Any]) -> None:
    if not state["work_activities"]:
        raise ImprovementError(
            "Choose the work activities the pilot runs in.", field="work_activities"
        )
    if not state["measures"]:
        raise ImprovementError(
            "Choose the measures that show the pilot's effect.", field="measures"
        )
    shared = state["work_activities"] & state["comparison_activities"]
    if shared:
        raise ImprovementError(
            "A work activity cannot be in both the pilot and the comparison group.",
            field="comparison_activities",
        )
    start, end = state["start"], state["end"]
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
        raise ImprovementError("The pilot ends before it starts.", field="end")
    if not (state["success_criteria"] or "").strip():
        raise ImprovementError(
            "State the pilot's success criteria: what must it show to proceed?",
            field="success_criteria",
        )


@transaction.atomic
def pilot_create(
    *,
    proposal: Proposal,
    actor: User,
    title: str,
    work_activities: Iterable[Row],
    measures: Iterable[Row],
    start: dt.date,
    end: dt.date,
    success_criteria: str,
    comparison_activities: Iterable[Row] = (),
) -> Pilot:
    """Plan a pilot of ``proposal`` (needs ``add_pilot``; see the module's rules).

    Work activities and measures are rows or ids. Raises ``PermissionDenied`` and
    ``ImprovementError`` naming the field at fault.
    """
    _require(actor, "improvements.add_pilot", "plan pilots")
    if proposal.state not in PILOTED_STATES:
        raise ImprovementError(
            f"{proposal.reference} is {proposal.get_state_display().lower()}: a pilot is "
            "planned for a proposal selected for validation or validating.",
            field="proposal",
        )
    state: dict[str, Any] = {
        "title": (title or "").strip(),
        "work_activities": _related_ids("work_activities", work_activities),
        "comparison_activities": _related_ids("comparison_activities", comparison_activities),
        "measures": _related_ids("measures", measures),
        "start": start,
        "end": end,
        "success_criteria": (success_criteria or "").strip(),
    }
    pilot = Pilot(
        proposal=proposal,
        title=state["title"],
        start=start,
        end=end,
        success_criteria=state["success_criteria"],
        status=PilotStatus.PLANNED,
        version=1,
    )
    _full_clean(pilot, exclude=["proposal"])
    _check_plan(state)
    _record_actor(pilot, actor)
    pilot.save(force_insert=True)
    for name in _M2M:
        _record_actor(pilot, actor)
        getattr(pilot, name).set(state[name])
    return pilot


def _sync(target: Pilot, source: Pilot, names: Iterable[str]) -> None:
    for name in names:
        setattr(target, name, getattr(source, name))


@transaction.atomic
def pilot_update(
    *, pilot: Pilot, actor: User, expected_version: int | None, **fields: Any
) -> Pilot:
    """Change a pilot's plan (any of ``PILOT_FIELDS``; needs ``change_pilot``).

    A completed pilot is not changed. An edit that changes nothing saves nothing.
    Raises ``PermissionDenied``, ``ConflictError`` (stale ``expected_version``) and
    ``ImprovementError`` as ``pilot_create`` does.
    """
    _require(actor, "improvements.change_pilot", "change pilots")
    unknown = sorted(set(fields) - set(PILOT_FIELDS))
    if unknown:
        raise ImprovementError(f"Unknown field: {', '.join(unknown)}.", field=unknown[0])
    current = lock_for_update(Pilot.objects.all(), pk=pilot.pk, expected_version=expected_version)
    if current.status == PilotStatus.COMPLETED:
        raise ImprovementError(
            "This pilot is completed: its plan and results are kept as they were decided.",
            field="status",
        )
    before = {name: set(getattr(current, name).values_list("pk", flat=True)) for name in _M2M}
    state: dict[str, Any] = {
        "title": current.title,
        "start": current.start,
        "end": current.end,
        "success_criteria": current.success_criteria,
        **before,
    }
    for name, value in fields.items():
        if name in _M2M:
            state[name] = _related_ids(name, value)
        else:
            state[name] = value.strip() if isinstance(value, str) else value
    changed = [
        name
        for name in ("title", "start", "end", "success_criteria")
        if getattr(current, name) != state[name]
    ]
    relinked = [name for name in _M2M if state[name] != before[name]]
    if not changed and not relinked:
        return current
    for name in changed:
        setattr(current, name, state[name])
    _full_clean(current, exclude=["proposal", "decided_by"])
    _check_plan(state)
    current.version += 1
    _record_actor(current, actor)
    current.save(update_fields=[*changed, "version"])
    for name in relinked:
        _record_actor(current, actor)
        getattr(current, name).set(state[name])
    _sync(pilot, current, [*changed, "version"])
    return current


@transaction.atomic
def pilot_start(*, pilot: Pilot, actor: User, expected_version: int | None = None) -> Pilot:
    """Start a planned pilot (status running; needs ``change_pilot``).

    A proposal selected for validation moves to validating (``start_validation``,
    through ``proposal_transition``: it needs ``decide_proposal``). Raises
    ``PermissionDenied``, ``ConflictError`` and ``ImprovementError`` (a pilot that is
    not planned, field ``status``; a proposal that cannot be piloted, field
    ``proposal``).
    """
    _require(actor, "improvements.change_pilot", "start pilots")
    current = lock_for_update(Pilot.objects.all(), pk=pilot.pk, expected_version=expected_version)
    if current.status != PilotStatus.PLANNED:
        raise ImprovementError(
            f"This pilot is {current.get_status_display().lower()}: only a planned pilot starts.",
            field="status",
        )
    proposal = current.proposal
    if proposal.state not in PILOTED_STATES:
        raise ImprovementError(
            f"{proposal.reference} is {proposal.get_state_display().lower()}: it can no "
            "longer be piloted.",
            field="proposal",
        )
    if proposal.state == ProposalState.SELECTED_FOR_VALIDATION:
        proposal_transition(
            proposal=proposal,
            name="start_validation",
            actor=actor,
            reason=f"Pilot “{current.title}” started.",
        )
    current.status = PilotStatus.RUNNING
    current.version += 1
    _record_actor(current, actor, "Started")
    current.save(update_fields=["status", "version"])
    _sync(pilot, current, ["status", "version"])
    return current


# -- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PilotMeasureResult:
    """One measure of a pilot: its evaluation (or why there is none), and whether it
    meets the proposal's expected benefit, in words.

    ``status``: ``met`` (the change reaches the expected change in the measure's
    better direction and, when that is an improvement, is a significant one);
    ``not_significant`` (it reaches it on average, but the improvement is not
    significant); ``not_met``; ``undetermined`` (no percent change: the reference
    mean is 0); ``no_expected_benefit``; ``no_data`` (``error`` says why).
    ``query`` is the question for the measurements' evaluation page.
    """

    measure: Row
    run: EvaluationRun | None
    error: str
    benefit: ExpectedBenefit | None
    expected_change: Decimal | None
    observed_change: float | None
    status: Status
    verdict: str
    query: tuple[tuple[str, str], ...]

    @property
    def query_string(self) -> str:
        """``query`` encoded for the evaluation page's address."""
        return urlencode(self.query)

    @property
    def meets(self) -> bool | None:
        """Whether the expected benefit is met; None when it cannot be said."""
        if self.status in ("met", "not_met", "not_significant"):
            return self.status == "met"
        return None

    def as_json(self) -> dict[str, object]:
        """The snapshot a decision stores (numbers, strings, booleans, null)."""
        run = self.run
        return _finite(
            {
                "measure": self.measure.slug,
                "measure_name": self.measure.name,
                "unit": self.measure.unit,
                "direction": self.measure.direction,
                "design": run.design if run else None,
                "before_label": run.before_label if run else None,
                "after_label": run.after_label if run else None,
                "start": run.start.isoformat() if run and run.start else None,
                "end": run.end.isoformat() if run and run.end else None,
                "error": self.error or None,
                "expected_change": (
                    float(self.expected_change) if self.expected_change is not None else None
                ),
                "observed_change": self.observed_change,
                "status": self.status,
                "meets": self.meets,
                "verdict": self.verdict,
                "evaluation": run.evaluation.as_json() if run else None,
                "notes": list(run.notes) if run else [],
                "evaluation_query": self.query_string,
            }
        )


def _finite(value: Any) -> Any:
    """JSON without NaN or infinities (PostgreSQL's jsonb refuses them): null instead."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def _percent(number: float | Decimal) -> str:
    text = f"{abs(float(number)):.1f}".removesuffix(".0")
    return f"{text}%"


def _moved(number: float | Decimal, *, past: bool) -> str:
    if number < 0:
        return f"fell {_percent(number)}" if past else f"a fall of {_percent(number)}"
    if number > 0:
        return f"rose {_percent(number)}" if past else f"a rise of {_percent(number)}"
    return "did not change" if past else "no change"


def _judge(
    measure: Row, run: EvaluationRun, benefit: ExpectedBenefit | None
) -> tuple[Status, str, float | None]:
    """The status and the words for one measure's evaluation."""
    evaluation = run.evaluation
    observed = evaluation.percent_change
    what = f"{measure.name} ({run.after_label} against {run.before_label})"
    if benefit is None:
        return (
            "no_expected_benefit",
            f"The proposal expects no benefit in {measure.name.lower()}. "
            f"{evaluation.verdict.summary}",
            observed,
        )
    expected = benefit.expected_change
    wanted = _moved(expected, past=False)
    if observed is None:
        return (
            "undetermined",
            f"The {run.before_label} mean of {measure.name.lower()} is 0, so its change "
            f"cannot be set beside the expected {wanted}.",
            None,
        )
    lower = measure.direction == Direction.LOWER
    reaches = observed <= float(expected) if lower else observed >= float(expected)
    improvement = expected < 0 if lower else expected > 0
    better = "lower" if lower else "higher"
    said = (
        f"{what} {_moved(observed, past=True)}; the proposal expects {wanted} ({better} is better)"
    )
    if not reaches:
        return "not_met", f"Does not meet the expected benefit: {said}.", observed
    if improvement and evaluation.verdict.improved is not True:
        return (
            "not_significant",
            f"Not shown yet: {said}, and the mean reaches it, but the improvement is not "
            f"statistically significant at {evaluation.confidence:.0%}.",
            observed,
        )
    significant = " and the improvement is statistically significant" if improvement else ""
    return "met", f"Meets the expected benefit: {said}{significant}.", observed


def _question(pilot: Pilot, slugs: Sequence[str], comparison: Sequence[str]) -> dict[str, Any]:
    """``evaluation_run``'s keyword arguments for the pilot (without the measure)."""
    if comparison:
        return {"pilot": slugs, "comparison": comparison, "start": pilot.start, "end": pilot.end}
    length = (pilot.end - pilot.start).days + 1
    return {
        "change_date": pilot.start,
        "work_activities": slugs,
        "start": pilot.start - dt.timedelta(days=length),
        "end": pilot.end,
    }


def _page_query(
    measure: Row, question: dict[str, Any], seed: int | None
) -> tuple[tuple[str, str], ...]:
    """The same question as parameters of the measurements' evaluation page."""
    pairs = [("measure", measure.slug)]
    if "pilot" in question:
        pairs.append(("design", "pilot_comparison"))
        pairs += [("pilot", slug) for slug in question["pilot"]]
        pairs += [("comparison", slug) for slug in question["comparison"]]
    else:
        pairs.append(("design", "before_after"))
        pairs += [("work_activities", slug) for slug in question["work_activities"]]
        pairs.append(("change_date", question["change_date"].isoformat()))
    pairs += [("start", question["start"].isoformat()), ("end", question["end"].isoformat())]
    if seed is not None:
        pairs.append(("seed", str(seed)))
    return tuple(pairs)


def pilot_results(
    pilot: Pilot, *, seed: int | None = None, n_boot: int | None = None
) -> list[PilotMeasureResult]:
    """The pilot's results now, one per measure (a read; nothing is stored).

    With comparison activities: the pilot group against the comparison group over the
    pilot's period. Without: the pilot group from the start to the end against the
    same number of days before the start. ``seed`` (default: the pilot's id) makes the
    bootstrap interval repeatable. A measure without enough data has ``error`` (the
    measurements' message) and status ``no_data``.
    """
    seed = pilot.pk if seed is None else seed
    slugs = sorted(pilot.work_activities.values_list("slug", flat=True))
    comparison = sorted(pilot.comparison_activities.values_list("slug", flat=True))
    benefits: dict[int, ExpectedBenefit] = {}
    for expected_benefit in pilot.proposal.benefits.order_by("pk"):
        benefits.setdefault(expected_benefit.measure_id, expected_benefit)
    question = _question(pilot, slugs, comparison)
    results = []
    for measure in pilot.measures.order_by("name"):
        benefit = benefits.get(measure.pk)
        expected = benefit.expected_change if benefit else None
        query = _page_query(measure, question, seed)
        try:
            run = evaluation_run(measure=measure, seed=seed, n_boot=n_boot, **question)
        except MeasurementError as error:
            results.append(
                PilotMeasureResult(
                    measure=measure,
                    run=None,
                    error=error.message,
                    benefit=benefit,
                    expected_change=expected,
                    observed_change=None,
                    status="no_data",
                    verdict=f"No evaluation yet: {error.message}",
                    query=query,
                )
            )
            continue
        status, verdict, observed = _judge(measure, run, benefit)
        results.append(
            PilotMeasureResult(
                measure=measure,
                run=run,
                error="",
                benefit=benefit,
                expected_change=expected,
                observed_change=observed,
                status=status,
                verdict=verdict,
                query=query,
            )
        )
    return results


def pilot_results_snapshot(
    results: Sequence[PilotMeasureResult], *, taken_at: dt.datetime
) -> dict[str, object]:
    """The results as JSON: what a decision stores in ``Pilot.results``."""
    return {
        "taken_at": taken_at.isoformat(),
        "measures": [result.as_json() for result in results],
    }


# -- decision ------------------------------------------------------------------------------


@transaction.atomic
def pilot_decide(
    *,
    pilot: Pilot,
    actor: User,
    decision: str,
    rationale: str,
    expected_version: int | None = None,
) -> Pilot:
    """Decide a running pilot (needs ``decide_proposal``; see the module's rules).

    Stores the results snapshot, the decision, its rationale, who and when; moves the
    proposal (terminate, rework, validate) through ``proposal_transition`` with the
    rationale as its reason. Raises ``PermissionDenied``, ``ConflictError`` and
    ``ImprovementError`` (an unknown decision, field ``decision``; no rationale, field
    ``rationale``; a pilot that is not running, field ``status``; a transition the
    proposal's life cycle refuses, field ``name``).
    """
    _require(actor, "improvements.decide_proposal", "decide pilots")
    if decision not in PilotDecision.values:
        raise ImprovementError(
            f"{decision!r} is not one of {', '.join(PilotDecision.values)}.", field="decision"
        )
    rationale = (rationale or "").strip()
    if not rationale:
        raise ImprovementError(
            "Give the rationale of the decision: it is kept with the pilot.", field="rationale"
        )
    current = lock_for_update(Pilot.objects.all(), pk=pilot.pk, expected_version=expected_version)
    if current.status != PilotStatus.RUNNING:
        raise ImprovementError(
            f"This pilot is {current.get_status_display().lower()}: only a running pilot is "
            "decided.",
            field="status",
        )
    now = timezone.now()
    current.results = pilot_results_snapshot(pilot_results(current), taken_at=now)
    current.decision = decision
    current.decision_rationale = rationale
    current.decided_by = actor
    current.decided_at = now
    current.status = (
        PilotStatus.PLANNED if decision == PilotDecision.REPLAN else (PilotStatus.COMPLETED)
    )
    current.version += 1
    label = PilotDecision(decision).label
    _record_actor(current, actor, f"Decided: {label}")
    fields = ["results", "decision", "decision_rationale", "decided_by", "decided_at", "status"]
    current.save(update_fields=[*fields, "version"])
    # After the pilot's save: validating a proposal that must be piloted needs a pilot
    # decided "proceed" to exist.
    transition = _TRANSITION_OF.get(PilotDecision(decision))
    if transition is not None:
        proposal_transition(
            proposal=current.proposal,
            name=transition,
            actor=actor,
            reason=f"Pilot “{current.title}”: {label.lower()}. {rationale}",
        )
    _sync(pilot, current, [*fields, "version"])
    return current
