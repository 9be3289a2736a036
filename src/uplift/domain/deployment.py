"""The rules of deploying an improvement: wave gates, target statuses, monitoring.

Sources: CMMI OPM SP 3.1 *Plan the Deployment* (seed 000) and SP 3.2 *Manage the
Deployment* (seed 001), as issue 6 makes them concrete:

- **Gates** (seed 001 subpractice 3, "deploy improvements in a controlled and
  disciplined manner ... incrementally"): a wave starts only when its entry gate
  passes. The criteria are judged here from figures the services gather:
  ``measure_improved_check`` (a measure improved in the earlier waves),
  ``training_check`` (no target of this wave below a training share),
  ``deployed_share_check`` (enough of the earlier waves' targets deployed).
  Each returns a ``CriterionOutcome``: passed, a sentence saying why, the figures.
- **Target statuses** (seed 001 subpractices 1, 4 and 7)::

      not_started → preparing → deployed → confirmed
      not_started → deployed                (preparing may be skipped)
      not_started, preparing → opted_out    (reason required)
      deployed, confirmed → rolled_back     (reason required)
      opted_out, rolled_back → preparing    (a new attempt)

  ``target_transition_check`` raises ``DeploymentRuleError`` for any other move.
- **Monitoring and coordination** (seed 001 subpractices 1 and 2): ``slippage_days``
  (planned versus actual), ``burnup`` (cumulative planned, deployed and confirmed
  counts), ``peak_overlap`` (the most deployments a work activity receives at once).
- **Confirmation** (seed 001 subpractice 7, "confirm that the deployment of all
  improvements is completed in accordance with the deployment plan"):
  ``confirmation_missing`` lists the targets neither confirmed nor opted out.

Pure Python: statuses are the string values of
``uplift.apps.deployments.choices.TargetStatus``; thresholds are arguments.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "TARGET_TRANSITIONS",
    "BurnupPoint",
    "CriterionOutcome",
    "DeploymentRuleError",
    "burnup",
    "confirmation_missing",
    "deployed_share_check",
    "measure_improved_check",
    "peak_overlap",
    "slippage_days",
    "target_transition_check",
    "training_check",
]

Direction = Literal["lower", "higher"]

NOT_STARTED = "not_started"
PREPARING = "preparing"
DEPLOYED = "deployed"
CONFIRMED = "confirmed"
OPTED_OUT = "opted_out"
ROLLED_BACK = "rolled_back"

# from status → the statuses a target may move to (issue 6; see the module docstring).
TARGET_TRANSITIONS: Mapping[str, frozenset[str]] = {
    NOT_STARTED: frozenset({PREPARING, DEPLOYED, OPTED_OUT}),
    PREPARING: frozenset({DEPLOYED, OPTED_OUT}),
    DEPLOYED: frozenset({CONFIRMED, ROLLED_BACK}),
    CONFIRMED: frozenset({ROLLED_BACK}),
    OPTED_OUT: frozenset({PREPARING}),
    ROLLED_BACK: frozenset({PREPARING}),
}
# Moves that must say why (issue 6: "opted out with reason", rolled back likewise).
_NEEDS_REASON = frozenset({OPTED_OUT, ROLLED_BACK})
# Statuses that close a target for confirmation (seed 001 subpractice 7: confirmed, or
# excused per the plan).
_CLOSED = frozenset({CONFIRMED, OPTED_OUT})


class DeploymentRuleError(ValueError):
    """A move the deployment rules refuse; the message says why."""


@dataclass(frozen=True)
class CriterionOutcome:
    """The judgment of one gate criterion: passed or not, a sentence saying why, and the
    figures it was judged on (JSON-ready: numbers, strings, lists, None)."""

    passed: bool
    detail: str
    figures: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class BurnupPoint:
    """Cumulative counts on one date of a burn-up chart: targets planned to be deployed
    by then, actually deployed by then, and confirmed by then."""

    on: dt.date
    planned: int
    deployed: int
    confirmed: int


def _fmt(value: float) -> str:
    """A figure for a sentence: at most two decimals, no trailing zeros."""
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def measure_improved_check(
    *,
    direction: Direction,
    mean_before: float | None,
    mean_after: float | None,
    ci_low: float | None,
    ci_high: float | None,
    threshold_percent: float,
) -> CriterionOutcome:
    """Did a measure improve by at least ``threshold_percent``, significantly?

    Issue 6: "cycle time improved by 10 % with 90 % confidence in the pilot". The
    figures come from the measurements' before/after evaluation over the earlier
    waves' deployed targets; ``ci_low``/``ci_high`` bound the confidence interval of
    the difference *after - before* at the criterion's confidence. It passes when

    - the percent change in the better direction, ``(before - after) / |before|`` for
      a lower-is-better measure and ``(after - before) / |before|`` for a higher one,
      is at least the threshold, AND
    - the interval lies entirely on the better side of zero (``ci_high < 0`` for
      lower-is-better, ``ci_low > 0`` for higher-is-better): significant at 1 - c.

    Missing figures (not enough data) or a zero mean before (no percent change
    exists) do not pass, and the detail says so.
    """
    if direction not in ("lower", "higher"):
        raise DeploymentRuleError(f"Unknown direction {direction!r}: use 'lower' or 'higher'.")
    figures: dict[str, object] = {
        "direction": direction,
        "mean_before": mean_before,
        "mean_after": mean_after,
        "ci_low": ci_low,
        "ci_high": ci_high,
        "threshold_percent": threshold_percent,
        "percent_better": None,
        "significant": None,
    }
    if (
        mean_before is None
        or mean_after is None
        or ci_low is None
        or ci_high is None
        or not all(math.isfinite(v) for v in (mean_before, mean_after, ci_low, ci_high))
    ):
        return CriterionOutcome(
            False, "Not enough data: the evaluation gave no before/after means.", figures
        )
    if mean_before == 0:
        return CriterionOutcome(
            False, "The mean before is 0, so no percent change can be computed.", figures
        )
    change = (mean_after - mean_before) / abs(mean_before) * 100
    better = -change if direction == "lower" else change
    significant = ci_high < 0 if direction == "lower" else ci_low > 0
    figures["percent_better"] = better
    figures["significant"] = significant
    side = "lower" if direction == "lower" else "higher"
    moved = f"{_fmt(abs(better))} % {'better' if better >= 0 else 'worse'}"
    interval = f"interval of the difference [{_fmt(ci_low)}, {_fmt(ci_high)}]"
    if better < threshold_percent:
        return CriterionOutcome(
            False,
            f"The measure moved {moved} ({_fmt(mean_before)} → {_fmt(mean_after)}); "
            f"at least {_fmt(threshold_percent)} % better is needed.",
            figures,
        )
    if not significant:
        return CriterionOutcome(
            False,
            f"The measure moved {moved} ({_fmt(mean_before)} → {_fmt(mean_after)}) but the "
            f"{interval} is not entirely {side} than zero: not significant.",
            figures,
        )
    return CriterionOutcome(
        True,
        f"The measure moved {moved} ({_fmt(mean_before)} → {_fmt(mean_after)}), "
        f"{interval} entirely {side} than zero.",
        figures,
    )


def training_check(*, percents: Mapping[str, int], threshold: float) -> CriterionOutcome:
    """No target of the wave below ``threshold`` percent of its people trained.

    Issue 6: "no target below 80 % training completion". ``percents`` maps each
    non-excluded target of the wave (by name) to its training share; the detail
    lists those below, lowest first. A wave without targets passes (none is below).
    """
    below = sorted(
        ((name, pct) for name, pct in percents.items() if pct < threshold),
        key=lambda item: (item[1], item[0]),
    )
    figures: dict[str, object] = {
        "threshold": threshold,
        "targets": len(percents),
        "below": [[name, pct] for name, pct in below],
    }
    if not percents:
        return CriterionOutcome(True, "The wave has no targets, so none is below.", figures)
    if below:
        names = ", ".join(f"{name} ({pct} %)" for name, pct in below)
        count = len(below)
        return CriterionOutcome(
            False,
            f"{count} target{'' if count == 1 else 's'} below {_fmt(threshold)} % "
            f"training: {names}.",
            figures,
        )
    return CriterionOutcome(
        True,
        f"Every target of the wave ({len(percents)}) has at least {_fmt(threshold)} % training.",
        figures,
    )


def deployed_share_check(*, deployed: int, total: int, threshold: float) -> CriterionOutcome:
    """At least ``threshold`` percent of the earlier waves' targets deployed or confirmed.

    ``total`` counts the earlier waves' non-excluded targets that are not opted out
    (opting out excuses a target: it leaves the denominator); ``deployed`` those of
    them deployed or confirmed. With no such target there is nothing to show a share
    of, so the criterion does not pass (like a measure without data).
    """
    if deployed < 0 or total < 0 or deployed > total:
        raise DeploymentRuleError(
            f"Counts out of range: {deployed} deployed of {total}; need 0 ≤ deployed ≤ total."
        )
    figures: dict[str, object] = {
        "deployed": deployed,
        "total": total,
        "share_percent": None,
        "threshold": threshold,
    }
    if total == 0:
        return CriterionOutcome(
            False, "The earlier waves have no targets to count, so no share exists.", figures
        )
    share = deployed / total * 100
    figures["share_percent"] = share
    # Integer-exact comparison (deployed/total ≥ threshold/100) avoids float rounding.
    passed = deployed * 100 >= threshold * total
    verdict = "at least" if passed else "below"
    return CriterionOutcome(
        passed,
        f"{deployed} of {total} earlier targets deployed ({_fmt(share)} %), {verdict} "
        f"the {_fmt(threshold)} % needed.",
        figures,
    )


def target_transition_check(*, from_status: str, to_status: str, reason: str) -> None:
    """Refuse a target status move the rules do not allow (see the module docstring).

    Raises ``DeploymentRuleError`` for an unknown status, a move to the same status, a
    move not in ``TARGET_TRANSITIONS`` (e.g. confirmed only from deployed), or an
    opt-out or roll-back without a reason.
    """
    for status in (from_status, to_status):
        if status not in TARGET_TRANSITIONS:
            raise DeploymentRuleError(f"Unknown target status {status!r}.")
    label = {k: k.replace("_", " ") for k in TARGET_TRANSITIONS}
    if from_status == to_status:
        raise DeploymentRuleError(f"The target is already {label[to_status]}.")
    allowed = TARGET_TRANSITIONS[from_status]
    if to_status not in allowed:
        options = ", ".join(label[s] for s in sorted(allowed))
        raise DeploymentRuleError(
            f"A target cannot go from {label[from_status]} to {label[to_status]}; "
            f"from {label[from_status]} it may go to: {options}."
        )
    if to_status in _NEEDS_REASON and not reason.strip():
        raise DeploymentRuleError(f"Say why the target is {label[to_status]}.")


def peak_overlap(
    intervals: Sequence[tuple[dt.date, dt.date]], *, start: dt.date, end: dt.date
) -> tuple[int, dt.date | None]:
    """The most intervals covering one date within ``[start, end]``, and the first such date.

    Intervals and the window are inclusive of both ends; an interval that ends before
    it starts is empty. Returns ``(0, None)`` when no interval touches the window.
    Issue 6 coordination: a work activity is overloaded when the peak exceeds the
    organization's limit. A sweep over start and end events: O(n log n).
    """
    if end < start:
        raise DeploymentRuleError(f"The window ends ({end}) before it starts ({start}).")
    events: dict[dt.date, int] = {}
    for low, high in intervals:
        first, last = max(low, start), min(high, end)
        if first > last:
            continue
        events[first] = events.get(first, 0) + 1
        after = last + dt.timedelta(days=1)
        events[after] = events.get(after, 0) - 1
    best, best_on, running = 0, None, 0
    for on in sorted(events):
        running += events[on]
        if running > best:
            best, best_on = running, on
    return best, best_on


def burnup(
    *,
    planned: Sequence[dt.date],
    deployed: Sequence[dt.date],
    confirmed: Sequence[dt.date],
    start: dt.date,
    end: dt.date,
    step_days: int = 7,
) -> list[BurnupPoint]:
    """Burn-up points from ``start`` every ``step_days`` days, the last on ``end``.

    Each point counts the dates on or before it: targets planned to be deployed by
    then (their planned date), deployed by then (``deployed_on``) and confirmed by
    then (``confirmed_on``). Dates before ``start`` count from the first point; dates
    after ``end`` are not counted. The counts never fall and, when every date lies in
    the window, the last point holds the totals.
    """
    if step_days < 1:
        raise DeploymentRuleError("The step must be at least one day.")
    if end < start:
        raise DeploymentRuleError(f"The chart ends ({end}) before it starts ({start}).")
    days: list[dt.date] = []
    on = start
    step = dt.timedelta(days=step_days)
    while on < end:
        days.append(on)
        on += step
    days.append(end)
    series = [sorted(planned), sorted(deployed), sorted(confirmed)]
    points: list[BurnupPoint] = []
    positions = [0, 0, 0]
    for day in days:
        for i, values in enumerate(series):
            while positions[i] < len(values) and values[positions[i]] <= day:
                positions[i] += 1
        points.append(BurnupPoint(day, positions[0], positions[1], positions[2]))
    return points


def slippage_days(*, planned: dt.date | None, actual: dt.date | None, today: dt.date) -> int | None:
    """Days late (positive) or early (negative) against the plan; None without a plan.

    With an actual date: ``actual - planned``. Without one, the slip so far: the days
    since the planned date if it has passed (``today - planned``), else 0 (still on
    time). Seed 001 subpractice 1: monitor the deployment using the plan.
    """
    if planned is None:
        return None
    if actual is not None:
        return (actual - planned).days
    return max((today - planned).days, 0)


def confirmation_missing(statuses: Mapping[str, str]) -> list[tuple[str, str]]:
    """The targets that keep a deployment from being confirmed complete: ``(name, status)``.

    Seed 001 subpractice 7: complete only when every target is confirmed or excused
    per the plan (opted out with a reason). ``statuses`` maps each non-excluded
    target's name to its status (excluded targets are not passed); the result keeps
    the mapping's order. Empty: the deployment may be confirmed.
    """
    return [(name, status) for name, status in statuses.items() if status not in _CLOSED]
