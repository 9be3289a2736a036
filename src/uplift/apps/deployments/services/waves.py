"""Waves and their gates: deploying incrementally (OPM SP 3.2 subpractice 3, seed 001).

A plan deploys in waves numbered from 1: a pilot or early adopters, then further
waves, each with planned dates, its targets (a target belongs to at most one wave of
its plan) and an *entry gate* (its ``criteria``). Issue 6: "the next wave cannot start
until its gate passes or an authorized person overrides it with a reason".

- ``wave_create`` / ``wave_update`` / ``wave_delete``, ``wave_assign`` and
  ``gate_criterion_add`` / ``gate_criterion_remove`` change the plan's content: each
  calls ``services.plans.plan_content_changed``, which makes a new revision (asked
  again for agreement) once the current one was sent for sign-off (seed 000
  subpractice 7).
- ``gate_manual_set``, ``gate_evaluate``, ``gate_override``, ``wave_start`` and
  ``wave_finish`` are the deployment's conduct, not its content: no new revision.
- ``gate_evaluate`` judges each criterion with ``uplift.domain.deployment`` from the
  stored data and keeps the result (``GateEvaluation``): ``measure_improved`` runs the
  measurements' before/after ``evaluation_run`` over the earlier waves' deployed
  targets, the change date being the first earlier wave's actual start (seed 0, 2,000
  resamples). A gate without criteria passes.
- ``wave_start`` starts a wave only when the plan is agreed or deploying with its
  current revision agreed, the previous wave has started, every proposal of the plan
  is selected for deployment or later, and the gate passes on a fresh evaluation (kept
  even when the start is refused) or was overridden. The first start moves the plan
  to deploying; every start moves the proposals still selected for deployment to
  deploying through the improvements' ``proposal_transition`` when the actor may, and
  says so otherwise (``WaveStart.messages``).
- ``wave_finish`` finishes a running wave once each of its targets (not excluded) is
  deployed, confirmed, opted out or rolled back.

Who: ``permissions.plan_can_edit`` for every write but ``gate_override``
(``permissions.gate_can_override``) and ``gate_evaluate`` (plan editors and those who
may override; no actor: the command line). Refusals: ``PermissionDenied``;
``DeploymentError`` naming the field at fault; ``ConflictError`` for an edit started
from an older ``version``. Nothing is written then. Every save of a wave adds one to
its ``version`` and records who and why in its history.

The gates' services (criteria, evaluation, override, ``gate_state``) live in
``services.gates`` and the helpers both share in ``services.wave_common``; every
public name of both is importable from here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from uplift.apps.deployments.choices import (
    PlanState,
    SignOffDecision,
    TargetStatus,
    WaveKind,
    WaveState,
)
from uplift.apps.deployments.errors import DeploymentError
from uplift.apps.deployments.models import (
    DeploymentPlan,
    GateEvaluation,
    SignOff,
    Target,
    Wave,
)
from uplift.apps.deployments.services import plans as plan_services
from uplift.apps.deployments.services.gates import (
    DEFAULT_CONFIDENCE,
    GATE_BOOT,
    GateState,
    gate_criterion_add,
    gate_criterion_remove,
    gate_evaluate,
    gate_manual_set,
    gate_override,
    gate_state,
)
from uplift.apps.deployments.services.wave_common import (
    User,
    _content_changed,
    _live_targets,
    _lock_wave,
    _person,
    _refresh,
    _require_edit,
    _require_open,
    _require_planned,
    _save_wave,
    _target_name,
    _text,
    _wave_label,
)
from uplift.apps.improvements.choices import ProposalState
from uplift.apps.improvements.errors import ImprovementError
from uplift.apps.improvements.history import record_actor
from uplift.apps.improvements.permissions import proposal_can_transition
from uplift.apps.improvements.services.proposals import proposal_transition
from uplift.domain.proposal_lifecycle import TRANSITIONS

__all__ = [
    "DEFAULT_CONFIDENCE",
    "GATE_BOOT",
    "GateState",
    "WaveStart",
    "gate_criterion_add",
    "gate_criterion_remove",
    "gate_evaluate",
    "gate_manual_set",
    "gate_override",
    "gate_state",
    "wave_assign",
    "wave_create",
    "wave_delete",
    "wave_finish",
    "wave_start",
    "wave_update",
]


# Proposals a wave may deploy (issue 6: a plan may be drafted while its proposal is
# still validating, but no wave starts before it is selected for deployment).
STARTABLE_PROPOSAL_STATES: tuple[str, ...] = (
    ProposalState.SELECTED_FOR_DEPLOYMENT,
    ProposalState.DEPLOYING,
    ProposalState.DEPLOYED,
    ProposalState.EVALUATED,
)
_DONE = (
    TargetStatus.DEPLOYED,
    TargetStatus.CONFIRMED,
    TargetStatus.OPTED_OUT,
    TargetStatus.ROLLED_BACK,
)
_NAME_MAX = 100  # Wave.name
_WAVE_FIELDS = ("name", "kind", "planned_start", "planned_end")


@dataclass(frozen=True)
class WaveStart:
    """What ``wave_start`` did: the wave as saved and sentences for the person."""

    wave: Wave
    messages: tuple[str, ...]


def _lock_plan(plan: DeploymentPlan) -> DeploymentPlan:
    return DeploymentPlan.objects.select_for_update().get(pk=plan.pk)


def _day(value: Any, field: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise DeploymentError("Give a date (YYYY-MM-DD).", field=field)
    return value


def _on(value: Any, field: str = "on") -> dt.date:
    """The day something happened: today by default, never in the future."""
    today = timezone.localdate()
    if value is None:
        return today
    day = _day(value, field)
    if day > today:
        raise DeploymentError(
            f"{day:%Y-%m-%d} is in the future; give the day it happened.", field=field
        )
    return day


def _clean_name(value: Any) -> str:
    name = _text(value, "name")
    if not name:
        raise DeploymentError("Name the wave (e.g. “Pilot”).", field="name")
    if len(name) > _NAME_MAX:
        raise DeploymentError(f"At most {_NAME_MAX} characters.", field="name")
    return name


def _clean_kind(value: Any) -> str:
    if value not in WaveKind.values:
        options = ", ".join(WaveKind.values)
        raise DeploymentError(f"Choose a kind of wave: {options}.", field="kind")
    return str(value)


def _check_dates(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise DeploymentError(
            f"The wave ends ({end:%Y-%m-%d}) before it starts ({start:%Y-%m-%d}).",
            field="planned_end",
        )


def _previous(wave: Wave) -> Wave | None:
    return (
        Wave.objects.filter(plan_id=wave.plan_id, number__lt=wave.number)
        .order_by("-number")
        .first()
    )


# -- waves -----------------------------------------------------------------------------


@transaction.atomic
def wave_create(
    *,
    plan: DeploymentPlan,
    actor: User,
    name: str,
    kind: str,
    planned_start: dt.date,
    planned_end: dt.date,
    number: int | None = None,
    reason: str = "",
) -> Wave:
    """Add a wave to the plan: ``number`` (default: after the last wave), name, kind,
    planned dates (start on or before end).

    Refused: a closed plan, a number taken or below 1, a number that would come before
    a wave that has started (waves start in number order). A content change.
    """
    _require_edit(actor, plan)
    locked = _lock_plan(plan)
    _require_open(locked)
    clean_name = _clean_name(name)
    clean_kind = _clean_kind(kind)
    start = _day(planned_start, "planned_start")
    end = _day(planned_end, "planned_end")
    _check_dates(start, end)
    waves = Wave.objects.filter(plan=locked)
    if number is None:
        number = (waves.aggregate(top=Max("number"))["top"] or 0) + 1
    elif not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise DeploymentError("Waves are numbered from 1.", field="number")
    elif waves.filter(number=number).exists():
        raise DeploymentError(f"{locked.reference} already has a wave {number}.", field="number")
    started_after = (
        waves.filter(number__gt=number).exclude(state=WaveState.PLANNED).order_by("number").first()
    )
    if started_after is not None:
        raise DeploymentError(
            f"Wave {number} would come before {_wave_label(started_after)}, which has "
            "started: waves start in number order.",
            field="number",
        )
    wave = Wave(
        plan=locked,
        number=number,
        name=clean_name,
        kind=clean_kind,
        planned_start=start,
        planned_end=end,
        state=WaveState.PLANNED,
        version=1,
    )
    wave.full_clean()
    note = _text(reason, "reason") or f"Wave {number} added"
    record_actor(wave, actor, note)
    wave.save(force_insert=True)
    _content_changed(plan=locked, actor=actor, reason=f"{_wave_label(wave)} added.")
    return wave


@transaction.atomic
def wave_update(
    *,
    wave: Wave,
    actor: User,
    expected_version: int | None = None,
    reason: str = "",
    **fields: Any,
) -> Wave:
    """Change a wave's name, kind or planned dates (``fields``); see the module docstring.

    An unchanged save writes nothing. Raises ``ConflictError`` when the wave was saved
    after ``expected_version``. A content change.
    """
    _require_edit(actor, wave.plan)
    unknown = sorted(set(fields) - set(_WAVE_FIELDS))
    if unknown:
        raise DeploymentError(
            f"Not a field a wave's edit changes: {', '.join(unknown)}.", field=unknown[0]
        )
    locked = _lock_wave(wave, expected_version)
    _require_open(locked.plan)
    values: dict[str, Any] = {}
    if "name" in fields:
        values["name"] = _clean_name(fields["name"])
    if "kind" in fields:
        values["kind"] = _clean_kind(fields["kind"])
    for name in ("planned_start", "planned_end"):
        if name in fields:
            values[name] = _day(fields[name], name)
    _check_dates(
        values.get("planned_start", locked.planned_start),
        values.get("planned_end", locked.planned_end),
    )
    changed = [name for name, value in values.items() if getattr(locked, name) != value]
    if not changed:
        _refresh(wave, locked)
        return wave
    for name in changed:
        setattr(locked, name, values[name])
    locked.full_clean()
    note = _text(reason, "reason") or f"Changed: {', '.join(changed)}"
    _save_wave(locked, actor, note, changed)
    _content_changed(
        plan=locked.plan, actor=actor, reason=f"{_wave_label(locked)} changed: {note}."
    )
    _refresh(wave, locked)
    return wave


@transaction.atomic
def wave_delete(*, wave: Wave, actor: User, reason: str = "") -> None:
    """Delete a planned wave with its gate; its targets stay in the plan without a wave.

    Refused for a wave that has started (its record is the deployment's). A content
    change.
    """
    _require_edit(actor, wave.plan)
    locked = _lock_wave(wave)
    _require_open(locked.plan)
    _require_planned(locked, "its record stays")
    label = _wave_label(locked)
    note = _text(reason, "reason") or f"{label} deleted"
    for target in Target.objects.select_for_update().filter(wave=locked):
        target.wave = None
        _save_target(target, actor, note, ["wave"])
    record_actor(locked, actor, note)
    plan = locked.plan
    locked.delete()
    _content_changed(plan=plan, actor=actor, reason=f"{label} deleted.")


def _save_target(target: Target, actor: User, reason: str, fields: Sequence[str]) -> None:
    target.updated_at = timezone.now()
    target.updated_by = actor if getattr(actor, "pk", None) else None
    target.version += 1
    record_actor(target, actor, reason)
    target.save(update_fields=[*fields, "updated_at", "updated_by", "version"])


@transaction.atomic
def wave_assign(
    *, wave: Wave, actor: User, targets: Iterable[Target], replace: bool = False
) -> int:
    """Put ``targets`` in this wave (a target leaves the wave it was in); with
    ``replace``, the wave's other targets leave it too (they keep no wave).

    Refused: a target of another plan, an excluded target, a finished wave, a target
    that would leave a wave that has started when it is no longer "not started" (its
    record belongs to that wave). Returns how many targets changed. A content change
    when any did.
    """
    _require_edit(actor, wave.plan)
    locked = _lock_wave(wave)
    _require_open(locked.plan)
    if locked.state == WaveState.FINISHED:
        raise DeploymentError(f"{_wave_label(locked)} has finished.", field="targets")
    wanted = {target.pk for target in targets}
    rows = {
        row.pk: row
        for row in Target.objects.select_for_update(of=("self",))
        .select_related("work_activity", "wave")
        .filter(pk__in=wanted)
    }
    leaving = (
        list(
            Target.objects.select_for_update(of=("self",))
            .select_related("work_activity", "wave")
            .filter(wave=locked)
            .exclude(pk__in=wanted)
            .order_by("work_activity__name")
        )
        if replace
        else []
    )
    for pk in wanted:
        row = rows.get(pk)
        if row is None or row.plan_id != locked.plan_id:
            raise DeploymentError("Choose targets of this plan.", field="targets")
    ordered = sorted(rows.values(), key=_target_name)
    for row in ordered:
        if row.excluded and row.wave_id != locked.pk:
            raise DeploymentError(
                f"{_target_name(row)} is excluded from the plan: include it first.",
                field="targets",
            )
        if row.wave_id not in (None, locked.pk):
            _check_may_leave(row)
    for row in leaving:
        _check_may_leave(row)
    note = f"Assigned to {_wave_label(locked)}"
    count = 0
    for row in ordered:
        if row.wave_id == locked.pk:
            continue
        row.wave = locked
        _save_target(row, actor, note, ["wave"])
        count += 1
    for row in leaving:
        row.wave = None
        _save_target(row, actor, f"Taken out of {_wave_label(locked)}", ["wave"])
        count += 1
    if count:
        _content_changed(
            plan=locked.plan,
            actor=actor,
            reason=f"{_wave_label(locked)}: {count} target{'' if count == 1 else 's'} "
            "assigned or taken out.",
        )
    return count


def _check_may_leave(row: Target) -> None:
    current = row.wave
    if (
        current is not None
        and current.state != WaveState.PLANNED
        and row.status != TargetStatus.NOT_STARTED
    ):
        raise DeploymentError(
            f"{_target_name(row)} is {row.get_status_display().lower()} in "
            f"{_wave_label(current)}, which has started: it stays in that wave.",
            field="targets",
        )


# -- start and finish ------------------------------------------------------------------


def _current_revision_agreed(plan: DeploymentPlan) -> bool:
    """Every required stakeholder agreed to the plan's current revision.

    The plans helper's ``plan_signoff_status`` says so; until it is written, the
    sign-offs are read here: no required sign-off of the current revision is
    anything but agreed.
    """
    try:
        return bool(plan_services.plan_signoff_status(plan).agreed)
    except NotImplementedError:
        return not (
            SignOff.objects.filter(plan=plan, revision=plan.revision, required=True)
            .exclude(decision=SignOffDecision.AGREED)
            .exists()
        )


def _start_checks(wave: Wave, plan: DeploymentPlan, on: dt.date) -> None:
    """Everything but the gate; raises DeploymentError with the first reason."""
    _require_open(plan)
    if wave.state != WaveState.PLANNED:
        raise DeploymentError(f"{_wave_label(wave)} has already started.", field="wave")
    if plan.state not in (PlanState.AGREED, PlanState.DEPLOYING):
        raise DeploymentError(
            f"{plan.reference} is {plan.get_state_display().lower()}: a wave starts once "
            f"every required stakeholder has agreed to revision {plan.revision}.",
            field="plan",
        )
    if not _current_revision_agreed(plan):
        raise DeploymentError(
            f"Revision {plan.revision} of {plan.reference} awaits agreement: no wave starts "
            "until every required stakeholder has agreed to it.",
            field="plan",
        )
    previous = _previous(wave)
    if previous is not None:
        if previous.actual_start is None:
            raise DeploymentError(
                f"{_wave_label(previous)} has not started: waves start in order.",
                field="wave",
            )
        if on < previous.actual_start:
            raise DeploymentError(
                f"{_wave_label(previous)} started on {previous.actual_start:%Y-%m-%d}; this "
                "wave cannot start before it.",
                field="on",
            )
    waiting = [
        f"{p.reference} is {p.get_state_display().lower()}"
        for p in plan.proposals.order_by("pk")
        if p.state not in STARTABLE_PROPOSAL_STATES
    ]
    if waiting:
        raise DeploymentError(
            "A wave starts once every proposal of the plan is selected for deployment: "
            f"{'; '.join(waiting)}.",
            field="plan",
        )


def _gate_refusal(wave: Wave, evaluation: GateEvaluation) -> DeploymentError:
    failed = [
        f"{row['description']}: {row['detail']}" for row in evaluation.results if not row["passed"]
    ]
    return DeploymentError(
        f"The gate of {_wave_label(wave)} has not passed ({'; '.join(failed)}). It starts "
        "once the gate passes, or when a person who may override gates overrides it with "
        "a reason.",
        field="gate",
    )


def wave_start(*, wave: Wave, actor: User, on: dt.date | None = None) -> WaveStart:
    """Start the wave on ``on`` (default today; not in the future, not before the
    previous wave's start); see the module docstring for the checks and effects.

    The gate is evaluated afresh and that evaluation is kept even when the start is
    refused (it is the gate's record). Raises ``PermissionDenied`` unless the actor
    edits the plan, ``DeploymentError`` (field ``plan``, ``wave``, ``on`` or ``gate``)
    naming the first reason it may not start.
    """
    _require_edit(actor, wave.plan)
    day = _on(on)
    fresh = Wave.objects.select_related("plan").get(pk=wave.pk)
    _start_checks(fresh, fresh.plan, day)
    evaluation = gate_evaluate(wave=fresh, actor=actor)
    return _start(wave=wave, actor=actor, day=day, evaluation=evaluation)


@transaction.atomic
def _start(*, wave: Wave, actor: User, day: dt.date, evaluation: GateEvaluation) -> WaveStart:
    locked = _lock_wave(wave)
    plan = _lock_plan(locked.plan)
    _start_checks(locked, plan, day)  # again, under the locks
    messages: list[str] = []
    if not evaluation.passed:
        if not locked.override_at:
            raise _gate_refusal(locked, evaluation)
        messages.append(
            f"The gate has not passed; {_person(locked.override_by)} overrode it: "
            f"{locked.override_reason}"
        )
    locked.state = WaveState.RUNNING
    locked.actual_start = day
    _save_wave(locked, actor, f"Started on {day:%Y-%m-%d}", ["state", "actual_start"])
    messages.insert(0, f"{_wave_label(locked)} started on {day:%Y-%m-%d}.")
    if plan.state == PlanState.AGREED:
        plan.state = PlanState.DEPLOYING
        plan.version += 1
        plan.updated_at = timezone.now()
        record_actor(plan, actor, f"{_wave_label(locked)} started")
        plan.save(update_fields=["state", "version", "updated_at"])
        messages.append(f"{plan.reference} is now deploying.")
    messages.extend(_proposals_start(plan, locked, actor))
    _refresh(wave, locked)
    return WaveStart(wave=wave, messages=tuple(messages))


def _proposals_start(plan: DeploymentPlan, wave: Wave, actor: User) -> list[str]:
    """Move the plan's proposals still selected for deployment to deploying, where the
    actor may (``improvements.decide_proposal``); say what was left and why."""
    transition = TRANSITIONS["start_deployment"]
    messages: list[str] = []
    for proposal in plan.proposals.filter(state=ProposalState.SELECTED_FOR_DEPLOYMENT).order_by(
        "pk"
    ):
        if not proposal_can_transition(actor, transition.permission):
            messages.append(
                f"{proposal.reference} stays selected for deployment: moving it to deploying "
                f"needs the permission {transition.permission} (the process group)."
            )
            continue
        try:
            proposal_transition(
                proposal=proposal,
                name="start_deployment",
                actor=actor,
                reason=f"{_wave_label(wave)} of {plan.reference} started.",
            )
        except (ImprovementError, PermissionDenied) as error:
            message = getattr(error, "message", None) or str(error)
            messages.append(f"{proposal.reference} stays selected for deployment: {message}")
        else:
            messages.append(f"{proposal.reference} is now deploying.")
    return messages


@transaction.atomic
def wave_finish(*, wave: Wave, actor: User, on: dt.date | None = None) -> Wave:
    """Finish a running wave on ``on`` (default today; not before its start) once each
    of its targets (not excluded) is deployed, confirmed, opted out or rolled back;
    otherwise refuse, naming those that are not."""
    _require_edit(actor, wave.plan)
    day = _on(on)
    locked = _lock_wave(wave)
    _require_open(locked.plan)
    if locked.state != WaveState.RUNNING:
        state = "has not started" if locked.state == WaveState.PLANNED else "has finished"
        raise DeploymentError(f"{_wave_label(locked)} {state}.", field="wave")
    if locked.actual_start is not None and day < locked.actual_start:
        raise DeploymentError(
            f"{_wave_label(locked)} started on {locked.actual_start:%Y-%m-%d}; it cannot "
            "finish before.",
            field="on",
        )
    open_ = [t for t in _live_targets([locked]) if t.status not in _DONE]
    if open_:
        names = ", ".join(f"{_target_name(t)} ({t.get_status_display().lower()})" for t in open_)
        count = len(open_)
        raise DeploymentError(
            f"{count} target{'' if count == 1 else 's'} of {_wave_label(locked)} "
            f"{'is' if count == 1 else 'are'} not done yet: {names}.",
            field="wave",
        )
    locked.state = WaveState.FINISHED
    locked.actual_end = day
    _save_wave(locked, actor, f"Finished on {day:%Y-%m-%d}", ["state", "actual_end"])
    _refresh(wave, locked)
    return wave
