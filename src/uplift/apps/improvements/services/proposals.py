"""Writes of improvement proposals: create, update, transitions and expected benefits.

Every function is one transaction; a refusal writes nothing. Refusals:

- ``ImprovementError(message, field=...)`` for a rule of the proposal (source, content,
  life cycle, a missing reason); ``ConflictError`` (a subclass) when the proposal was
  saved by someone else after the edit began (``expected_version`` is stale);
- ``django.core.exceptions.PermissionDenied`` when the actor may not make the change
  (``uplift.apps.improvements.permissions``): pages answer 403, the API 403.

Rules:

- anyone signed in may submit a *suggestion*; a proposal from another source (an
  appraisal finding, a QPPO shortfall, a lessons-learned record...) needs
  ``improvements.add_proposal``;
- an ``appraisal_weakness`` source names a weakness finding, an ``appraisal_finding``
  any finding, a ``qppo_shortfall`` a QPPO; lessons learned, causal analyses and
  technology scans and service review decisions name their record in
  ``source_reference``; only those sources link
  to a finding or an objective;
- a finding source addresses the finding's process area and practices unless others
  are given; a practice's process area is always among the addressed areas;
- a proposal is edited by ``proposal_can_edit`` (``change_proposal``, or its submitter
  while it is submitted), and so are its expected benefits;
- the state changes only through ``proposal_transition``: the permission the life
  cycle names (``uplift.domain.proposal_lifecycle``), the life cycle's rules (a
  proposal that must be piloted is validated and selected for deployment only after a
  pilot decided *proceed*), and a reason for reject, terminate and rework. Each change
  of state records a ``ProposalTransition`` (who, when, why).

Every save of a proposal locks its row (``lock_for_update``) and bumps ``version``;
history (django-simple-history) records the actor and, for a transition, its label.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from uplift.apps.appraisals.choices import FindingKind
from uplift.apps.improvements.choices import PilotDecision, ProposalState, SourceKind
from uplift.apps.improvements.errors import ImprovementError, lock_for_update
from uplift.apps.improvements.history import record_actor as _record_actor
from uplift.apps.improvements.models import ExpectedBenefit, Proposal, ProposalTransition
from uplift.apps.improvements.permissions import (
    proposal_can_edit,
    proposal_can_submit,
    proposal_can_transition,
)
from uplift.apps.measurements.choices import ObjectiveKind
from uplift.domain.proposal_lifecycle import (
    TRANSITIONS,
    LifecycleError,
    pilot_reasons,
    transition_check,
)

__all__ = [
    "CONTENT_FIELDS",
    "REASON_REQUIRED",
    "UPDATE_FIELDS",
    "benefit_add",
    "benefit_remove",
    "proposal_create",
    "proposal_pilot_reasons",
    "proposal_transition",
    "proposal_update",
]

# Another app's rows (a Finding, an Objective, a Measure, a library ProcessArea or
# Practice): the apps use each other's models only through their services and selectors.
User = Any
Row = Any

# Content a proposal may be created or updated with, besides its title, source,
# problem statement and addressed process areas and practices.
CONTENT_FIELDS = (
    "source_reference",
    "proposed_change",
    "category",
    "size",
    "proven",
    "estimated_cost",
    "running_cost",
    "estimated_effort",
    "estimated_duration_weeks",
    "risks",
    "barriers",
    "success_criteria",
    "validation_method",
)
_SCALAR_FIELDS = ("title", "source_kind", "problem_statement", "finding", "objective")
UPDATE_FIELDS = (*_SCALAR_FIELDS, *CONTENT_FIELDS, "process_areas", "practices")

# Transitions that end or send back a proposal: the person says why.
REASON_REQUIRED = frozenset({"reject", "terminate", "rework"})

# A source that is a record elsewhere names it in ``source_reference``.
_REFERENCED_SOURCES: dict[str, str] = {
    SourceKind.LESSONS_LEARNED: "the lessons-learned record",
    SourceKind.CAUSAL_ANALYSIS: "the causal analysis",
    SourceKind.TECHNOLOGY_SCAN: "the technology scan",
    SourceKind.SERVICE_REVIEW: "the service review decision",
}
# Numbers a form or request may clear (None); the text fields take "" instead.
_NULLABLE = frozenset(
    {"estimated_cost", "running_cost", "estimated_effort", "estimated_duration_weeks"}
)


def _full_clean(instance: models.Model, *, exclude: Iterable[str] = ()) -> None:
    """``full_clean`` as an ``ImprovementError`` naming the first field at fault."""
    try:
        instance.full_clean(exclude=list(exclude))
    except ValidationError as error:
        problems = getattr(error, "error_dict", None)
        if problems:
            field, errors = next(iter(problems.items()))
            message = " ".join(str(m) for e in errors for m in e.messages)
            raise ImprovementError(message, field=field) from None
        raise ImprovementError(" ".join(error.messages)) from None


def _text(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _related_model(name: str) -> type[models.Model]:
    """The library's ProcessArea or Practice, reached through the relation."""
    return cast("type[models.Model]", Proposal._meta.get_field(name).related_model)


def _key(value: Any) -> int:
    return int(value.pk if isinstance(value, models.Model) else value)


def _addressed(process_areas: Iterable[Any], practices: Iterable[Any]) -> tuple[set[int], set[int]]:
    """The ids of the areas and practices (rows or ids); a practice's area joins the areas.

    Raises ``ImprovementError`` for an id the library lacks.
    """
    area_ids = {_key(area) for area in process_areas}
    practice_ids = {_key(practice) for practice in practices}
    known_areas = set(
        _related_model("process_areas")
        ._default_manager.filter(pk__in=area_ids)
        .values_list("pk", flat=True)
    )
    if missing := sorted(area_ids - known_areas):
        raise ImprovementError(
            f"No process area has the id {', '.join(map(str, missing))}.", field="process_areas"
        )
    rows = (
        _related_model("practices")
        ._default_manager.filter(pk__in=practice_ids)
        .values_list("pk", "process_area_id")
    )
    found = dict(rows)
    if missing := sorted(practice_ids - set(found)):
        raise ImprovementError(
            f"No practice has the id {', '.join(map(str, missing))}.", field="practices"
        )
    area_ids |= {area_id for area_id in found.values() if area_id is not None}
    return area_ids, practice_ids


def _from_finding(finding: Row) -> tuple[set[int], set[int]]:
    """The area and practices a finding is about."""
    practice_ids = set(finding.practices.values_list("pk", flat=True))
    return {finding.process_area_id}, practice_ids


def _check_source(
    *, source_kind: str, finding: Row | None, objective: Row | None, source_reference: str
) -> None:
    """The source is consistent: what it links to, and nothing else."""
    if source_kind not in SourceKind.values:
        raise ImprovementError(
            f"{source_kind!r} is not one of {', '.join(SourceKind.values)}.", field="source_kind"
        )
    if source_kind == SourceKind.APPRAISAL_WEAKNESS:
        if finding is None or finding.kind != FindingKind.WEAKNESS:
            raise ImprovementError(
                "An appraisal weakness source names a weakness finding: start from the "
                "weakness on the appraisal's findings page.",
                field="finding",
            )
    elif source_kind == SourceKind.APPRAISAL_FINDING:
        if finding is None:
            raise ImprovementError(
                "An appraisal finding source names the finding: start from it on the "
                "appraisal's findings page.",
                field="finding",
            )
    elif finding is not None:
        raise ImprovementError(
            "Only an appraisal weakness or finding source links to a finding.", field="finding"
        )
    if source_kind == SourceKind.QPPO_SHORTFALL:
        if objective is None or objective.kind != ObjectiveKind.QPPO:
            raise ImprovementError(
                "A QPPO shortfall source names the QPPO (quality and process performance "
                "objective) that falls short.",
                field="objective",
            )
    elif objective is not None:
        raise ImprovementError(
            "Only a QPPO shortfall source links to an objective.", field="objective"
        )
    what = _REFERENCED_SOURCES.get(source_kind)
    if what and not source_reference:
        raise ImprovementError(
            f"Name {what} the proposal comes from (a title, an identifier or a link).",
            field="source_reference",
        )


def _may_edit(actor: User, proposal: Proposal) -> bool:
    """Signed in, active, and ``proposal_can_edit``."""
    return proposal_can_submit(actor) and proposal_can_edit(actor, proposal)


def _check_source_permission(actor: User, source_kind: str) -> None:
    """Anyone signed in may suggest; another source needs ``add_proposal``."""
    if source_kind != SourceKind.SUGGESTION and not actor.has_perm("improvements.add_proposal"):
        raise PermissionDenied(
            "You may submit a suggestion; proposals from other sources need the "
            "permission to add proposals."
        )


def _check_fields(fields: dict[str, Any], allowed: Iterable[str]) -> None:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise ImprovementError(f"Unknown field: {', '.join(unknown)}.", field=unknown[0])


def _sync(target: Proposal, source: Proposal, names: Iterable[str]) -> None:
    """Give the caller's instance the saved values, so it does not go stale."""
    for name in names:
        setattr(target, name, getattr(source, name))


@transaction.atomic
def proposal_create(
    *,
    actor: User,
    title: str,
    source_kind: str,
    problem_statement: str,
    finding: Row | None = None,
    objective: Row | None = None,
    process_areas: Iterable[Any] = (),
    practices: Iterable[Any] = (),
    **fields: Any,
) -> Proposal:
    """Submit a proposal (state *submitted*), recording the ``submit`` transition.

    ``fields`` are any of ``CONTENT_FIELDS``. ``process_areas`` and ``practices`` are
    library rows or their ids; a finding source without either addresses the
    finding's area and practices. Raises ``PermissionDenied`` (not signed in; a source
    other than a suggestion without ``add_proposal``) and ``ImprovementError`` for the
    source rules (module docstring), an unknown field or an invalid value (field named).
    """
    if not proposal_can_submit(actor):
        raise PermissionDenied("Sign in to suggest an improvement.")
    _check_source_permission(actor, source_kind)
    _check_fields(fields, CONTENT_FIELDS)
    values = {name: _text(value) for name, value in fields.items()}
    values = {
        name: value for name, value in values.items() if value is not None or name in _NULLABLE
    }
    _check_source(
        source_kind=source_kind,
        finding=finding,
        objective=objective,
        source_reference=values.get("source_reference", ""),
    )
    now = timezone.now()
    proposal = Proposal(
        title=_text(title),
        source_kind=source_kind,
        problem_statement=_text(problem_statement),
        finding=finding,
        objective=objective,
        state=ProposalState.SUBMITTED,
        submitted_by=actor,
        submitted_at=now,
        state_changed_at=now,
        version=1,
        **values,
    )
    _full_clean(proposal)
    area_ids, practice_ids = _addressed(process_areas, practices)
    if finding is not None and not area_ids and not practice_ids:
        area_ids, practice_ids = _from_finding(finding)
    _record_actor(proposal, actor)
    proposal.save(force_insert=True)
    if area_ids:
        _record_actor(proposal, actor)
        proposal.process_areas.set(area_ids)
    if practice_ids:
        _record_actor(proposal, actor)
        proposal.practices.set(practice_ids)
    _transition_record(
        proposal=proposal, name="submit", from_state="", actor=actor, reason="", at=now
    )
    return proposal


@transaction.atomic
def proposal_update(
    *, proposal: Proposal, actor: User, expected_version: int | None, **fields: Any
) -> Proposal:
    """Change a proposal's content (any of ``UPDATE_FIELDS``; never its state).

    ``expected_version`` is the version the edit started from (None: take the row as it
    is); a stale one raises ``ConflictError`` naming who saved last. An edit that
    changes nothing saves nothing. Raises ``PermissionDenied`` unless
    ``proposal_can_edit``, and ``ImprovementError`` as ``proposal_create`` does.
    """
    if not _may_edit(actor, proposal):
        raise PermissionDenied("You may not edit this proposal.")
    _check_fields(fields, UPDATE_FIELDS)
    _check_source_permission(actor, fields.get("source_kind", proposal.source_kind))
    current = lock_for_update(
        Proposal.objects.all(), pk=proposal.pk, expected_version=expected_version
    )
    if not _may_edit(actor, current):  # it may have moved on since it was read
        raise PermissionDenied(
            "You may not edit this proposal any more: it is no longer submitted."
        )
    values = {name: _text(value) for name, value in fields.items()}
    for name in ("title", "problem_statement", "source_kind", *CONTENT_FIELDS):
        if name in values and values[name] is None and name not in _NULLABLE:
            values[name] = ""
    _check_source(
        source_kind=values.get("source_kind", current.source_kind),
        finding=values.get("finding", current.finding),
        objective=values.get("objective", current.objective),
        source_reference=values.get("source_reference", current.source_reference),
    )
    changed = []
    for name in (*_SCALAR_FIELDS, *CONTENT_FIELDS):
        if name not in values:
            continue
        if name in ("finding", "objective"):
            new_id = values[name].pk if values[name] is not None else None
            if getattr(current, f"{name}_id") != new_id:
                setattr(current, name, values[name])
                changed.append(name)
        elif _differs(getattr(current, name), values[name]):
            setattr(current, name, values[name])
            changed.append(name)

    areas_changed = practices_changed = False
    if "process_areas" in values or "practices" in values:
        old_areas = set(current.process_areas.values_list("pk", flat=True))
        old_practices = set(current.practices.values_list("pk", flat=True))
        area_ids, practice_ids = _addressed(
            values.get("process_areas", old_areas), values.get("practices", old_practices)
        )
        areas_changed, practices_changed = area_ids != old_areas, practice_ids != old_practices

    if not changed and not areas_changed and not practices_changed:
        return current
    _full_clean(current)
    current.version += 1
    _record_actor(current, actor)
    current.save(update_fields=[*changed, "version"])
    if areas_changed:
        _record_actor(current, actor)
        current.process_areas.set(area_ids)
    if practices_changed:
        _record_actor(current, actor)
        current.practices.set(practice_ids)
    _sync(proposal, current, [*changed, "version"])
    return current


def _differs(old: Any, new: Any) -> bool:
    """Whether a submitted value changes the stored one (``"12.50"`` equals 12.5)."""
    if isinstance(old, Decimal) and new is not None:
        try:
            return old != Decimal(str(new))
        except ArithmeticError:
            return True
    if isinstance(old, int) and isinstance(new, str) and new.strip().lstrip("-").isdigit():
        return old != int(new)
    return bool(old != new)


def proposal_pilot_reasons(proposal: Proposal) -> list[str]:
    """Why the proposal must pass a pilot before deployment (empty: it need not).

    Seed 002: new (innovative), unproven and major changes are piloted.
    """
    return pilot_reasons(category=proposal.category, size=proposal.size, proven=proposal.proven)


def _transition_record(
    *,
    proposal: Proposal,
    name: str,
    from_state: str,
    actor: User,
    reason: str,
    at: dt.datetime,
) -> ProposalTransition:
    record = ProposalTransition(
        proposal=proposal,
        name=name,
        from_state=from_state,
        to_state=proposal.state,
        actor=actor,
        at=at,
        reason=reason,
    )
    _full_clean(record, exclude=["proposal", "actor"])  # both are the rows just in hand
    record.save(force_insert=True)
    return record


@transaction.atomic
def proposal_transition(
    *,
    proposal: Proposal,
    name: str,
    actor: User,
    reason: str,
    expected_version: int | None = None,
) -> Proposal:
    """Move the proposal along its life cycle by the transition ``name``.

    Checks, in order: a known transition (``ImprovementError`` field ``name``); the
    permission it names (``PermissionDenied``); ``expected_version`` (``ConflictError``);
    the life cycle, including the pilot rule (``ImprovementError`` field ``name``); a
    reason for reject, terminate and rework (field ``reason``). Then saves the state,
    ``state_changed_at`` and the version, and records the ``ProposalTransition``.
    """
    transition = TRANSITIONS.get(name)
    if transition is None:
        known = ", ".join(TRANSITIONS)
        raise ImprovementError(f"Unknown transition {name!r}; transitions: {known}.", field="name")
    if not proposal_can_transition(actor, transition.permission):
        raise PermissionDenied(
            f"You may not {transition.label.lower()} proposals: that needs the permission "
            f"{transition.permission}."
        )
    current = lock_for_update(
        Proposal.objects.all(), pk=proposal.pk, expected_version=expected_version
    )
    try:
        transition_check(
            state=current.state,
            name=name,
            pilot_required_because=proposal_pilot_reasons(current),
            pilot_passed=current.pilots.filter(decision=PilotDecision.PROCEED).exists(),
        )
    except LifecycleError as error:
        raise ImprovementError(str(error), field="name") from None
    reason = (reason or "").strip()
    if name in REASON_REQUIRED and not reason:
        raise ImprovementError(
            f"Say why: {transition.label.lower()} needs a reason, kept in the proposal's record.",
            field="reason",
        )
    from_state = current.state
    now = timezone.now()
    current.state = transition.target
    current.state_changed_at = now
    current.version += 1
    _record_actor(current, actor, f"{transition.label}: {reason}" if reason else transition.label)
    current.save(update_fields=["state", "state_changed_at", "version"])
    _transition_record(
        proposal=current, name=name, from_state=from_state, actor=actor, reason=reason, at=now
    )
    _sync(proposal, current, ["state", "state_changed_at", "version"])
    return current


@transaction.atomic
def benefit_add(
    *,
    proposal: Proposal,
    actor: User,
    measure: Row,
    expected_change: Decimal | float | str,
    by_when: dt.date | None = None,
    note: str = "",
) -> ExpectedBenefit:
    """Add a measurable effect the proposal expects: a measure, its change in percent
    (signed: -20 means 20% lower) and by when.

    Raises ``PermissionDenied`` unless ``proposal_can_edit``; ``ImprovementError``
    naming the field for a missing measure or an invalid value.
    """
    if not _may_edit(actor, proposal):
        raise PermissionDenied("You may not change the expected benefits of this proposal.")
    if measure is None:
        raise ImprovementError("Choose the measure the benefit shows in.", field="measure")
    if expected_change is None or expected_change == "":
        raise ImprovementError("Enter the expected change in percent.", field="expected_change")
    benefit = ExpectedBenefit(
        proposal=proposal,
        measure=measure,
        expected_change=expected_change,
        by_when=by_when,
        note=_text(note or ""),
    )
    _full_clean(benefit, exclude=["proposal"])
    _record_actor(benefit, actor)
    benefit.save(force_insert=True)
    return benefit


@transaction.atomic
def benefit_remove(*, benefit: ExpectedBenefit, actor: User) -> None:
    """Remove an expected benefit; ``PermissionDenied`` unless ``proposal_can_edit``."""
    if not _may_edit(actor, benefit.proposal):
        raise PermissionDenied("You may not change the expected benefits of this proposal.")
    _record_actor(benefit, actor)
    benefit.delete()
