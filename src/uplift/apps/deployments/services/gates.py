"""The entry gates of a plan's waves (OPM SP 3.2 subpractice 3, seed 001; issue 6).

``gate_criterion_add`` / ``gate_criterion_remove`` (content changes), ``gate_manual_set``,
``gate_evaluate`` with the judging of each kind of criterion, ``gate_override`` and
``gate_state``; see ``services.waves`` for the rules. Callers import from
``services.waves``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from uplift.apps.deployments.choices import (
    GateCriterionKind,
    TargetStatus,
)
from uplift.apps.deployments.errors import DeploymentError
from uplift.apps.deployments.models import (
    DeploymentPlan,
    GateCriterion,
    GateEvaluation,
    Wave,
)
from uplift.apps.deployments.permissions import gate_can_override, plan_can_edit
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
from uplift.apps.improvements.history import record_actor
from uplift.apps.measurements.services.evaluations import evaluation_run
from uplift.apps.measurements.services.measures import MeasurementError
from uplift.domain.deployment import (
    CriterionOutcome,
    deployed_share_check,
    measure_improved_check,
    training_check,
)
from uplift.domain.statistics import StatisticsError

__all__ = [
    "DEFAULT_CONFIDENCE",
    "GATE_BOOT",
    "GATE_SEED",
    "GateState",
    "gate_criterion_add",
    "gate_criterion_remove",
    "gate_evaluate",
    "gate_manual_set",
    "gate_override",
    "gate_state",
]


# Resamples of the gate's bootstrap interval: enough for a stable 90-95 % interval,
# few enough that starting a wave answers at once. The seed is 0: the same data give
# the same verdict on every evaluation.
GATE_BOOT = 2_000
GATE_SEED = 0
DEFAULT_CONFIDENCE = 0.90
_DEPLOYED = (TargetStatus.DEPLOYED, TargetStatus.CONFIRMED)
_DESCRIPTION_MAX = 300  # GateCriterion.description


@dataclass(frozen=True)
class GateState:
    """A wave's gate as pages, the API and the CLI show it: the latest evaluation
    (None: never evaluated) and the override, if any."""

    passed: bool | None
    overridden: bool
    evaluated_at: dt.datetime | None
    criteria: tuple[dict[str, Any], ...]
    evaluation: GateEvaluation | None

    @property
    def open(self) -> bool:
        """The wave may start as far as its gate goes: passed or overridden."""
        return bool(self.passed) or self.overridden

    def as_json(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "overridden": self.overridden,
            "evaluated_at": self.evaluated_at.isoformat() if self.evaluated_at else None,
            "criteria": list(self.criteria),
        }


def _earlier(wave: Wave) -> list[Wave]:
    return list(
        Wave.objects.filter(plan_id=wave.plan_id, number__lt=wave.number).order_by("number")
    )


# -- gate criteria ---------------------------------------------------------------------


def _number(value: Any, field: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise DeploymentError("Enter a number.", field=field) from None
    number = float(value)
    if not math.isfinite(number):
        raise DeploymentError("Enter a number.", field=field)
    return number


def _percent(value: Any, *, upper: float | None = 100.0) -> float:
    number = _number(value, "threshold")
    if number is None:
        raise DeploymentError("Give the threshold, in percent.", field="threshold")
    if number < 0 or (upper is not None and number > upper):
        bound = f"0 to {upper:g}" if upper is not None else "0 or more"
        raise DeploymentError(f"The threshold is a percentage: {bound}.", field="threshold")
    return number


def _fmt(value: float) -> str:
    return f"{value:g}"


def _default_description(
    kind: str, measure: Any, threshold: float | None, confidence: float | None
) -> str:
    if kind == GateCriterionKind.MEASURE_IMPROVED:
        return (
            f"{measure.name} improved by at least {_fmt(threshold or 0)} % with "
            f"{_fmt((confidence or DEFAULT_CONFIDENCE) * 100)} % confidence in the earlier waves"
        )
    if kind == GateCriterionKind.TRAINING_COMPLETION:
        return f"No target of this wave below {_fmt(threshold or 0)} % training completion"
    return f"At least {_fmt(threshold or 0)} % of the earlier waves' targets deployed"


@transaction.atomic
def gate_criterion_add(
    *,
    wave: Wave,
    actor: User,
    kind: str,
    description: str = "",
    measure: Any = None,
    threshold: Any = None,
    confidence: Any = None,
) -> GateCriterion:
    """Add a criterion to the wave's entry gate (kinds: ``GateCriterionKind``).

    - ``measure_improved`` needs a measure and a threshold (percent, 0 or more); the
      confidence (default 0.90) lies in [0.5, 1);
    - ``training_completion`` and ``deployed_share`` need a threshold (0 to 100);
    - ``manual`` needs a description.

    The description defaults to the criterion in words. A criterion about the earlier
    waves needs an earlier wave. Refused for a wave that has started. A content change.
    """
    _require_edit(actor, wave.plan)
    locked = _lock_wave(wave)
    _require_open(locked.plan)
    _require_planned(locked, "its gate is behind it")
    if kind not in GateCriterionKind.values:
        options = ", ".join(GateCriterionKind.values)
        raise DeploymentError(f"Choose a kind of criterion: {options}.", field="kind")
    text = _text(description, "description")
    if len(text) > _DESCRIPTION_MAX:
        raise DeploymentError(f"At most {_DESCRIPTION_MAX} characters.", field="description")
    clean_threshold: float | None = None
    clean_confidence: float | None = None
    if kind == GateCriterionKind.MEASURE_IMPROVED:
        if measure is None or getattr(measure, "pk", None) is None:
            raise DeploymentError("Choose the measure that is to improve.", field="measure")
        clean_threshold = _percent(threshold, upper=None)
        clean_confidence = _number(confidence, "confidence")
        if clean_confidence is None:
            clean_confidence = DEFAULT_CONFIDENCE
        if not 0.5 <= clean_confidence < 1:
            raise DeploymentError(
                "The confidence is a share from 0.5 up to (not including) 1, e.g. 0.90.",
                field="confidence",
            )
    elif kind in (GateCriterionKind.TRAINING_COMPLETION, GateCriterionKind.DEPLOYED_SHARE):
        clean_threshold = _percent(threshold)
        measure = None
    else:
        if not text:
            raise DeploymentError(
                "Say what a person is to check (e.g. “The checklist is written”).",
                field="description",
            )
        measure = None
    if kind in (
        GateCriterionKind.MEASURE_IMPROVED,
        GateCriterionKind.DEPLOYED_SHARE,
    ) and not _earlier(locked):
        raise DeploymentError(
            f"{_wave_label(locked)} has no earlier wave: this criterion judges the earlier "
            "waves' targets.",
            field="kind",
        )
    if not text:
        text = _default_description(kind, measure, clean_threshold, clean_confidence)
    position = (locked.criteria.aggregate(top=Max("position"))["top"] or 0) + 1
    criterion = GateCriterion(
        wave=locked,
        kind=kind,
        description=text[:_DESCRIPTION_MAX],
        measure=measure,
        threshold=clean_threshold,
        confidence=clean_confidence,
        position=position,
    )
    criterion.full_clean()
    record_actor(criterion, actor, "Criterion added")
    criterion.save(force_insert=True)
    _content_changed(
        plan=locked.plan,
        actor=actor,
        reason=f"{_wave_label(locked)}: gate criterion “{criterion.description}” added.",
    )
    return criterion


def _lock_criterion(criterion: GateCriterion) -> GateCriterion:
    return (
        GateCriterion.objects.select_for_update()
        .select_related("wave", "wave__plan")
        .get(pk=criterion.pk)
    )


@transaction.atomic
def gate_criterion_remove(*, criterion: GateCriterion, actor: User) -> None:
    """Remove a criterion from a planned wave's gate. A content change."""
    _require_edit(actor, criterion.wave.plan)
    locked = _lock_criterion(criterion)
    wave = locked.wave
    _require_open(wave.plan)
    _require_planned(wave, "its gate is behind it")
    description = locked.description
    record_actor(locked, actor, "Criterion removed")
    locked.delete()
    _content_changed(
        plan=wave.plan,
        actor=actor,
        reason=f"{_wave_label(wave)}: gate criterion “{description}” removed.",
    )


@transaction.atomic
def gate_manual_set(*, criterion: GateCriterion, actor: User, met: bool) -> GateCriterion:
    """A plan editor says whether a manual criterion is met (who and when are kept).

    Not a content change: it is the check the plan asked for, not a change to it.
    """
    _require_edit(actor, criterion.wave.plan)
    locked = _lock_criterion(criterion)
    _require_open(locked.wave.plan)
    _require_planned(locked.wave, "its gate is behind it")
    if locked.kind != GateCriterionKind.MANUAL:
        raise DeploymentError(
            "Only a criterion checked by a person is set by hand; the others are evaluated.",
            field="kind",
        )
    if not isinstance(met, bool):
        raise DeploymentError("Say met or not met.", field="met")
    locked.manual_met = met
    locked.manual_by = actor if getattr(actor, "pk", None) else None
    locked.manual_at = timezone.now()
    record_actor(locked, actor, "Met" if met else "Not met")
    locked.save(update_fields=["manual_met", "manual_by", "manual_at"])
    _refresh(criterion, locked)
    return criterion


# -- gate evaluation -------------------------------------------------------------------


def _json_ready(value: Any) -> Any:
    """Figures for a JSON column: dates as ISO text, non-finite floats as None."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(key): _json_ready(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(item) for item in value]
    return value


def _measure_improved(criterion: GateCriterion, earlier: Sequence[Wave]) -> CriterionOutcome:
    measure = criterion.measure
    threshold = criterion.threshold or 0.0
    confidence = criterion.confidence or DEFAULT_CONFIDENCE
    base: dict[str, Any] = {
        "measure": measure.slug if measure else None,
        "threshold_percent": threshold,
        "confidence": confidence,
    }
    if measure is None:
        return CriterionOutcome(False, "The criterion names no measure.", base)
    started = [wave.actual_start for wave in earlier if wave.actual_start is not None]
    if not started:
        return CriterionOutcome(
            False, "Not enough data: no earlier wave has started, so there is no after.", base
        )
    change = min(started)
    deployed = [t for t in _live_targets(earlier) if t.status in _DEPLOYED]
    slugs = [target.work_activity.slug for target in deployed]
    base |= {"change_date": change, "work_activities": slugs}
    if not slugs:
        return CriterionOutcome(
            False, "Not enough data: no target of the earlier waves is deployed yet.", base
        )
    try:
        run = evaluation_run(
            measure=measure,
            change_date=change,
            work_activities=slugs,
            confidence=confidence,
            seed=GATE_SEED,
            n_boot=GATE_BOOT,
        )
    except (MeasurementError, StatisticsError) as error:
        message = getattr(error, "message", None) or str(error)
        return CriterionOutcome(False, f"Not enough data: {message}", base)
    result = run.evaluation
    outcome = measure_improved_check(
        direction="lower" if measure.direction == "lower" else "higher",
        mean_before=result.mean_before,
        mean_after=result.mean_after,
        ci_low=result.ci_low,
        ci_high=result.ci_high,
        threshold_percent=threshold,
    )
    figures = (
        base
        | dict(outcome.figures)
        | {
            "n_before": result.n_before,
            "n_after": result.n_after,
            "welch_p": result.welch_p,
            "n_boot": result.n_boot,
            "seed": result.seed,
        }
    )
    return CriterionOutcome(outcome.passed, outcome.detail, figures)


def _training(criterion: GateCriterion, wave: Wave) -> CriterionOutcome:
    # An opted-out target is excused (as in the deployed share): it will not be trained.
    percents = {
        _target_name(t): t.training_percent
        for t in _live_targets([wave])
        if t.status != TargetStatus.OPTED_OUT
    }
    return training_check(percents=percents, threshold=criterion.threshold or 0.0)


def _deployed_share(criterion: GateCriterion, earlier: Sequence[Wave]) -> CriterionOutcome:
    counted = [t for t in _live_targets(earlier) if t.status != TargetStatus.OPTED_OUT]
    deployed = sum(1 for t in counted if t.status in _DEPLOYED)
    outcome = deployed_share_check(
        deployed=deployed, total=len(counted), threshold=criterion.threshold or 0.0
    )
    not_yet = [
        f"{_target_name(t)} ({t.get_status_display().lower()})"
        for t in counted
        if t.status not in _DEPLOYED
    ]
    if not outcome.passed and not_yet:
        return CriterionOutcome(
            False,
            f"{outcome.detail} Not deployed: {', '.join(not_yet)}.",
            dict(outcome.figures) | {"not_deployed": not_yet},
        )
    return outcome


def _manual(criterion: GateCriterion) -> CriterionOutcome:
    figures: dict[str, Any] = {
        "met": criterion.manual_met,
        "by": _person(criterion.manual_by) if criterion.manual_by_id else None,
        "at": criterion.manual_at,
    }
    if criterion.manual_met is None:
        return CriterionOutcome(False, "Not yet checked by a person.", figures)
    when = f"{timezone.localtime(criterion.manual_at):%Y-%m-%d}" if criterion.manual_at else ""
    who = f"{figures['by'] or 'someone'}{f' on {when}' if when else ''}"
    if criterion.manual_met:
        return CriterionOutcome(True, f"Met, said {who}.", figures)
    return CriterionOutcome(False, f"Not met, said {who}.", figures)


def _judge(criterion: GateCriterion, wave: Wave, earlier: Sequence[Wave]) -> CriterionOutcome:
    if criterion.kind == GateCriterionKind.MEASURE_IMPROVED:
        return _measure_improved(criterion, earlier)
    if criterion.kind == GateCriterionKind.TRAINING_COMPLETION:
        return _training(criterion, wave)
    if criterion.kind == GateCriterionKind.DEPLOYED_SHARE:
        return _deployed_share(criterion, earlier)
    return _manual(criterion)


def _require_evaluator(actor: User, plan: DeploymentPlan) -> None:
    if actor is None:
        return  # the command line and the demo
    if not (plan_can_edit(actor, plan) or gate_can_override(actor)):
        raise PermissionDenied("You may not evaluate this deployment's gates.")


@transaction.atomic
def gate_evaluate(*, wave: Wave, actor: User = None) -> GateEvaluation:
    """Evaluate the wave's entry gate now and keep the result (see the module docstring).

    The gate passes when every criterion passes (a gate without criteria passes).
    Refused for a wave that has started: its gate is behind it.
    """
    _require_evaluator(actor, wave.plan)
    locked = Wave.objects.select_related("plan").get(pk=wave.pk)
    _require_open(locked.plan)
    _require_planned(locked, "its gate is behind it")
    earlier = _earlier(locked)
    rows: list[dict[str, Any]] = []
    for criterion in locked.criteria.select_related("measure", "manual_by").order_by(
        "position", "pk"
    ):
        outcome = _judge(criterion, locked, earlier)
        rows.append(
            {
                "criterion": criterion.pk,
                "kind": criterion.kind,
                "description": criterion.description,
                "passed": outcome.passed,
                "detail": outcome.detail,
                "figures": _json_ready(outcome.figures),
            }
        )
    evaluation = GateEvaluation(
        wave=locked,
        evaluated_at=timezone.now(),
        evaluated_by=actor if getattr(actor, "pk", None) else None,
        passed=all(row["passed"] for row in rows),
        results=rows,
    )
    evaluation.full_clean(exclude=["results"])  # an empty list is a gate without criteria
    evaluation.save(force_insert=True)
    return evaluation


def gate_state(wave: Wave, latest: GateEvaluation | None = None) -> GateState:
    """The wave's gate: its latest evaluation (pass ``latest`` when already fetched) and
    whether it was overridden."""
    if latest is None:
        latest = wave.evaluations.order_by("-evaluated_at", "-pk").first()
    return GateState(
        passed=latest.passed if latest is not None else None,
        overridden=bool(wave.override_at),
        evaluated_at=latest.evaluated_at if latest is not None else None,
        criteria=tuple(latest.results) if latest is not None else (),
        evaluation=latest,
    )


@transaction.atomic
def gate_override(*, wave: Wave, actor: User, reason: str) -> Wave:
    """Let a planned wave start though its gate has not passed: needs
    ``deployments.override_gate`` (sponsor, steering committee) and a reason, both
    kept on the wave."""
    if not gate_can_override(actor):
        raise PermissionDenied(
            "You may not override a gate: that needs the permission deployments.override_gate "
            "(the sponsor or the steering committee)."
        )
    text = _text(reason, "reason")
    if not text:
        raise DeploymentError(
            "Say why the wave may start though its gate has not passed.", field="reason"
        )
    locked = _lock_wave(wave)
    _require_open(locked.plan)
    _require_planned(locked, "there is no gate left to override")
    locked.override_by = actor
    locked.override_at = timezone.now()
    locked.override_reason = text
    _save_wave(
        locked, actor, f"Gate overridden: {text}", ["override_by", "override_at", "override_reason"]
    )
    _refresh(wave, locked)
    return wave
