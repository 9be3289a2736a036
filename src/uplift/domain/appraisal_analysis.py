"""What an appraisal's rating means next: the path to a target, and how two appraisals differ.

Pure Python over :class:`uplift.domain.ratings.AppraisalResult` (issue 3, "Path to the
target" and "Comparison of two appraisals").

Path to the target
==================
A target is a staged maturity level or a continuous capability profile
(``{"REQM": 2, "PP": 3}``). Both come down to the goals each process area needs:

- capability level 1: the specific goals; level 2: + GG 2; level 3: + GG 3 (§1.5);
- maturity level 2: every ML 2 area at capability level 2; maturity level N ≥ 3: every
  area of levels 2..N at capability level 3 (§1.6; from ML 3 on, ML 2 areas need GG 3
  too unless :attr:`RatingSettings.gg3_for_ml2_at_ml3` says otherwise). This is also
  equivalent staging (§1.7), so a maturity level is a fair target for a continuous
  appraisal as well.

Areas agreed not applicable need nothing. A goal the target needs is *short* unless it
is satisfied. For each short goal :func:`path_to_target` lists the practices behind it:
those whose organizational-unit value is below LI (PI, NI, NY), not characterized, or
waiting for a team judgment; when none is (the goal is short because its weaknesses
were judged significant, or that judgment is still open) the LI practices and their
weaknesses. Each practice names the units at fault (the units whose own value is the
problem) with the weaknesses recorded there, and each goal the open judgments that
block it. A goal the appraisal did not rate (GG 3 of an ML 2 appraisal, an area out of
scope) is rated here from the cells the same way the engine would, without judgments.

Comparison
==========
:func:`compare_results` compares two results of the same organizational unit, *before*
and *after*, by reference (the model versions may differ): process areas, goals and
practices present on both sides are improved, slipped, unchanged or *changed* (a change
that is neither better nor worse, see below); those on one side only are new or
dropped.

- practices: by the organizational-unit value on the scale FI > LI > PI > NI > NY;
  a practice without a value on one side (not characterized, or waiting for a
  judgment) is *changed* unless both lack one;
- goals: becoming satisfied is an improvement, ceasing to be one a slip; any other
  move (not rated → unsatisfied) is a change;
- process areas: by capability level when both are known and differ, else as goals
  (satisfied or not; not applicable on either side is a change);
- levels: a missing maturity level counts as below 2 when the result has no open
  judgment, else it is undetermined and any difference is a change.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from uplift.domain.ratings import (
    AppraisalResult,
    AppraisalScope,
    AreaRating,
    AreaResult,
    AreaSpec,
    Characterization,
    GoalRating,
    GoalResult,
    GoalSpec,
    OpenJudgment,
    PracticeResult,
    PracticeValue,
    RatingSettings,
    aggregate_practice,
    rate_goal,
)

__all__ = [
    "PRACTICE_SCALE",
    "AnalysisError",
    "AreaChange",
    "AreaGap",
    "ChangeCounts",
    "ChangeStatus",
    "GoalChange",
    "GoalGap",
    "LevelChange",
    "PathSummary",
    "PracticeChange",
    "PracticeGap",
    "PracticeIssue",
    "ResultComparison",
    "TargetPath",
    "UnitGap",
    "compare_results",
    "parse_profile",
    "path_to_target",
    "practice_rank",
    "target_profile",
]


class AnalysisError(ValueError):
    """A target the model cannot have (unknown area, level out of range); says which."""


# --- shared vocabulary ------------------------------------------------------------------

PRACTICE_SCALE: tuple[PracticeValue, ...] = (
    PracticeValue.FI,
    PracticeValue.LI,
    PracticeValue.PI,
    PracticeValue.NI,
    PracticeValue.NY,
)
"""Organizational-unit values from best to worst, as the comparison orders them."""

_DEFAULT_SETTINGS = RatingSettings()
_RANK = {value: len(PRACTICE_SCALE) - n for n, value in enumerate(PRACTICE_SCALE)}
_BELOW_LI = frozenset({PracticeValue.PI, PracticeValue.NI, PracticeValue.NY})
_WEAK = frozenset({PracticeValue.PI, PracticeValue.NI})


def practice_rank(value: PracticeValue) -> int:
    """FI 5, LI 4, PI 3, NI 2, NY 1: higher is better."""
    return _RANK[value]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# --- path to the target --------------------------------------------------------------------

PracticeIssue = Literal[
    "not_characterized",
    "needs_judgment",
    "not_yet",
    "partially_implemented",
    "not_implemented",
    "weaknesses",
]


@dataclass(frozen=True)
class UnitGap:
    """A unit at fault for a practice: its own value (None: no value there) and weaknesses."""

    unit: str
    value: PracticeValue | None
    weaknesses: tuple[str, ...] = ()


@dataclass(frozen=True)
class PracticeGap:
    """A practice behind a short goal, what is wrong with it, and the units at fault."""

    ref: str
    value: PracticeValue | None
    issue: PracticeIssue
    candidates: tuple[PracticeValue, ...] = ()
    units: tuple[UnitGap, ...] = ()


@dataclass(frozen=True)
class GoalGap:
    """A goal the target needs that is not satisfied.

    ``rated`` is False when the appraisal did not rate the goal and the rating shown
    was worked out here from the cells (no judgments).
    """

    ref: str
    area: str
    generic_level: int | None
    rating: GoalRating
    reason: str
    rated: bool
    practices: tuple[PracticeGap, ...]
    open_judgments: tuple[OpenJudgment, ...] = ()
    weaknesses: tuple[str, ...] = ()


@dataclass(frozen=True)
class AreaGap:
    """A process area below its target capability level, with its short goals."""

    abbreviation: str
    target_level: int
    rating: AreaRating | None  # None: the appraisal did not rate the area
    capability_level: int | None
    in_scope: bool
    goals: tuple[GoalGap, ...]


@dataclass(frozen=True)
class PathSummary:
    """How much is left: areas, goals and practices to close, judgments to record."""

    process_areas: int
    goals: int
    practices: int
    open_judgments: int

    @property
    def text(self) -> str:
        """``3 process areas, 5 goals, 17 practices to close`` (and open judgments)."""
        if not self.goals:
            return "Nothing to close: the target is reached"
        text = (
            f"{_plural(self.process_areas, 'process area')}, {_plural(self.goals, 'goal')}, "
            f"{_plural(self.practices, 'practice')} to close"
        )
        if self.open_judgments:
            judgments = "open judgment" if self.open_judgments == 1 else "open judgments"
            text += f"; {self.open_judgments} {judgments} to record"
        return text


@dataclass(frozen=True)
class TargetPath:
    """Everything between a result and a target, area by area in model order.

    ``profile`` is the capability level the target needs of each area (for a maturity
    level, worked out as described in the module docstring); ``met`` names the areas
    that already have it; ``not_applicable`` those the target would name but the
    appraisal agreed not applicable; ``out_of_scope`` the short areas the appraisal
    did not cover.
    """

    maturity_level: int | None
    profile: Mapping[str, int]
    areas: tuple[AreaGap, ...]
    met: tuple[str, ...]
    not_applicable: tuple[str, ...]
    out_of_scope: tuple[str, ...]
    open_judgments: tuple[OpenJudgment, ...]

    @property
    def reached(self) -> bool:
        return not self.areas

    @property
    def summary(self) -> PathSummary:
        goals = [goal for area in self.areas for goal in area.goals]
        practices = {p.ref for goal in goals for p in goal.practices}
        return PathSummary(len(self.areas), len(goals), len(practices), len(self.open_judgments))

    def as_json(self) -> dict[str, object]:
        """Plain JSON: the target, the summary and every gap."""
        summary = self.summary
        return {
            "target": {
                "maturity_level": self.maturity_level,
                "profile": dict(self.profile),
            },
            "reached": self.reached,
            "summary": {
                "process_areas": summary.process_areas,
                "goals": summary.goals,
                "practices": summary.practices,
                "open_judgments": summary.open_judgments,
                "text": summary.text,
            },
            "process_areas": [_area_gap_json(area) for area in self.areas],
            "met": list(self.met),
            "not_applicable": list(self.not_applicable),
            "out_of_scope": list(self.out_of_scope),
            "open_judgments": [_open_json(o) for o in self.open_judgments],
        }


def _open_json(judgment: OpenJudgment) -> dict[str, object]:
    return {"kind": judgment.kind, "ref": judgment.ref, "candidates": list(judgment.candidates)}


def _area_gap_json(area: AreaGap) -> dict[str, object]:
    return {
        "abbreviation": area.abbreviation,
        "target_level": area.target_level,
        "rating": area.rating.value if area.rating else None,
        "capability_level": area.capability_level,
        "in_scope": area.in_scope,
        "goals": [
            {
                "ref": goal.ref,
                "generic_level": goal.generic_level,
                "rating": goal.rating.value,
                "reason": goal.reason,
                "rated": goal.rated,
                "weaknesses": list(goal.weaknesses),
                "open_judgments": [_open_json(o) for o in goal.open_judgments],
                "practices": [
                    {
                        "ref": practice.ref,
                        "value": practice.value.value if practice.value else None,
                        "issue": practice.issue,
                        "candidates": [c.value for c in practice.candidates],
                        "units": [
                            {
                                "unit": unit.unit,
                                "value": unit.value.value if unit.value else None,
                                "weaknesses": list(unit.weaknesses),
                            }
                            for unit in practice.units
                        ],
                    }
                    for practice in goal.practices
                ],
            }
            for goal in area.goals
        ],
    }


_PROFILE_ITEM = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+-]*)\s*[:=]\s*(\d+)\s*$")


def parse_profile(text: str) -> dict[str, int]:
    """``"REQM:2, PP:3"`` → ``{"REQM": 2, "PP": 3}``; raises :class:`AnalysisError`.

    Area abbreviations are upper-cased; each area may be named once.
    """
    profile: dict[str, int] = {}
    items = [item for item in text.split(",") if item.strip()]
    if not items:
        raise AnalysisError("name at least one process area, e.g. REQM:2,PP:3")
    for item in items:
        match = _PROFILE_ITEM.match(item)
        if not match:
            raise AnalysisError(f"{item.strip()!r} is not AREA:LEVEL, e.g. REQM:2")
        abbreviation, level = match.group(1).upper(), int(match.group(2))
        if abbreviation in profile:
            raise AnalysisError(f"{abbreviation} is named twice")
        profile[abbreviation] = level
    return profile


def _max_level(area: AreaSpec) -> int:
    return max((g.generic_level or 1 for g in area.generic_goals), default=1)


def target_profile(
    scope: AppraisalScope,
    target: int | Mapping[str, int],
    settings: RatingSettings = _DEFAULT_SETTINGS,
) -> dict[str, int]:
    """The capability level the target needs of each area, in model order.

    A maturity level N needs the areas of levels 2..N (not applicable ones left out).
    A profile is checked against the model: unknown areas and levels above what the
    area's generic goals reach raise :class:`AnalysisError`; not applicable areas and
    level 0 are dropped (they need nothing).
    """
    if isinstance(target, int):
        if not 2 <= target <= 5:
            raise AnalysisError(f"a target maturity level is 2 to 5, not {target}")
        needed: dict[str, int] = {}
        for area in scope.areas:
            level = area.maturity_level
            if not level or not 2 <= level <= target or area.abbreviation in scope.not_applicable:
                continue
            if target == 2:
                needed[area.abbreviation] = 2
            elif level >= 3 or settings.gg3_for_ml2_at_ml3:
                needed[area.abbreviation] = 3
            else:
                needed[area.abbreviation] = 2
        return needed
    by_abbreviation = {area.abbreviation: area for area in scope.areas}
    unknown = sorted(set(target) - set(by_abbreviation))
    if unknown:
        raise AnalysisError(f"not a process area of the model: {', '.join(unknown)}")
    for abbreviation, level in target.items():
        highest = _max_level(by_abbreviation[abbreviation])
        if not 0 <= level <= highest:
            raise AnalysisError(
                f"{abbreviation}: a target capability level is 0 to {highest}, not {level}"
            )
    return {
        area.abbreviation: target[area.abbreviation]
        for area in scope.areas
        if target.get(area.abbreviation, 0) > 0 and area.abbreviation not in scope.not_applicable
    }


def _needed_goals(area: AreaSpec, level: int) -> list[GoalSpec]:
    goals = list(area.specific_goals) if level >= 1 else []
    goals += [g for g in area.generic_goals if g.generic_level and g.generic_level <= level]
    return goals


_ISSUE_OF: dict[PracticeValue, PracticeIssue] = {
    PracticeValue.PI: "partially_implemented",
    PracticeValue.NI: "not_implemented",
    PracticeValue.NY: "not_yet",
    PracticeValue.LI: "weaknesses",
}


def _issue(practice: PracticeResult) -> PracticeIssue | None:
    if practice.value is None:
        return "needs_judgment" if practice.candidates else "not_characterized"
    return _ISSUE_OF.get(practice.value)


def _units_at_fault(
    issue: PracticeIssue, cells: Mapping[str, Characterization], units: Sequence[str]
) -> tuple[UnitGap, ...]:
    if issue == "not_characterized":
        return tuple(UnitGap(unit, None) for unit in units if unit not in cells)
    at_fault: frozenset[PracticeValue]
    if issue == "not_yet":
        at_fault = frozenset({PracticeValue.NY})
    elif issue == "weaknesses":
        at_fault = frozenset({PracticeValue.LI})
    else:
        at_fault = _WEAK
    known = set(units)
    ordered = [unit for unit in units if unit in cells]
    ordered += [unit for unit in cells if unit not in known]
    return tuple(
        UnitGap(unit, cells[unit].value, cells[unit].weaknesses)
        for unit in ordered
        if cells[unit].value in at_fault
    )


def _practice_gaps(
    practices: Mapping[str, PracticeResult],
    characterizations: Mapping[str, Mapping[str, Characterization]],
    units: Sequence[str],
) -> tuple[PracticeGap, ...]:
    issues = {ref: _issue(p) for ref, p in practices.items()}
    below = {ref for ref, issue in issues.items() if issue not in (None, "weaknesses")}
    gaps = []
    for ref, practice in practices.items():
        issue = issues[ref]
        if issue is None or (issue == "weaknesses" and below):
            continue
        cells = characterizations.get(ref, {})
        candidates = practice.candidates if issue == "needs_judgment" else ()
        gaps.append(
            PracticeGap(
                ref, practice.value, issue, candidates, _units_at_fault(issue, cells, units)
            )
        )
    return tuple(gaps)


def path_to_target(
    result: AppraisalResult,
    scope: AppraisalScope,
    target: int | Mapping[str, int],
    characterizations: Mapping[str, Mapping[str, Characterization]] | None = None,
    units: Sequence[str] = (),
    settings: RatingSettings = _DEFAULT_SETTINGS,
) -> TargetPath:
    """The goals still short of ``target`` and the practices and weaknesses behind them.

    ``target`` is a maturity level (int) or a capability profile (area → level);
    ``characterizations`` (practice → unit → cell) and ``units`` (in display order)
    name the units at fault. Raises :class:`AnalysisError` for an impossible target.
    """
    characterizations = characterizations or {}
    profile = target_profile(scope, target, settings)
    open_by_ref: dict[str, list[OpenJudgment]] = {}
    for judgment in result.open_judgments:
        open_by_ref.setdefault(judgment.ref, []).append(judgment)
    by_abbreviation = {area.abbreviation: area for area in scope.areas}
    areas: list[AreaGap] = []
    met: list[str] = []
    out_of_scope: list[str] = []
    blocking: list[OpenJudgment] = []
    for abbreviation, level in profile.items():
        spec = by_abbreviation[abbreviation]
        goals: list[GoalGap] = []
        for goal in _needed_goals(spec, level):
            practices = {
                ref: result.practices.get(ref) or _practice_from_cells(ref, characterizations)
                for ref in goal.practices
            }
            goal_result = result.goals.get(goal.ref)
            rated = goal_result is not None
            if goal_result is None:
                goal_result = rate_goal(practices, None, settings)[0]
            if goal_result.rating is GoalRating.SATISFIED:
                continue
            judgments = tuple(
                j for ref in (*goal.practices, goal.ref) for j in open_by_ref.get(ref, ())
            )
            blocking.extend(judgments)
            goals.append(
                GoalGap(
                    goal.ref,
                    abbreviation,
                    goal.generic_level,
                    goal_result.rating,
                    goal_result.reason if rated else _unrated_reason(goal_result),
                    rated,
                    _practice_gaps(practices, characterizations, units),
                    judgments,
                    goal_result.weaknesses,
                )
            )
        area_result: AreaResult | None = result.areas.get(abbreviation)
        if not goals:
            met.append(abbreviation)
            continue
        in_scope = abbreviation in scope.in_scope
        if not in_scope:
            out_of_scope.append(abbreviation)
        areas.append(
            AreaGap(
                abbreviation,
                level,
                area_result.rating if area_result else None,
                area_result.capability_level if area_result else None,
                in_scope,
                tuple(goals),
            )
        )
    not_applicable = tuple(
        area.abbreviation
        for area in scope.areas
        if area.abbreviation in scope.not_applicable and _named(area, target)
    )
    return TargetPath(
        target if isinstance(target, int) else None,
        profile,
        tuple(areas),
        tuple(met),
        not_applicable,
        tuple(out_of_scope),
        tuple(dict.fromkeys(blocking)),
    )


def _named(area: AreaSpec, target: int | Mapping[str, int]) -> bool:
    """Whether the target would need the area, were it applicable."""
    if isinstance(target, int):
        return bool(area.maturity_level and 2 <= area.maturity_level <= target)
    return target.get(area.abbreviation, 0) > 0


def _practice_from_cells(
    ref: str, characterizations: Mapping[str, Mapping[str, Characterization]]
) -> PracticeResult:
    cells = characterizations.get(ref, {})
    aggregate = aggregate_practice(c.value for c in cells.values())
    weaknesses = tuple(w for c in cells.values() for w in c.weaknesses)
    return PracticeResult(
        aggregate.value, aggregate.needs_judgment, aggregate.candidates, False, weaknesses
    )


def _unrated_reason(goal: GoalResult) -> str:
    return f"not rated by the appraisal; from the cells: {goal.reason}"


# --- comparison ----------------------------------------------------------------------------


class ChangeStatus(StrEnum):
    IMPROVED = "improved"
    SLIPPED = "slipped"
    UNCHANGED = "unchanged"
    CHANGED = "changed"  # different, but neither better nor worse (e.g. not rated → unsatisfied)
    NEW = "new"  # only in the later appraisal
    DROPPED = "dropped"  # only in the earlier appraisal


def _by_order(before: int, after: int) -> ChangeStatus:
    if after > before:
        return ChangeStatus.IMPROVED
    if after < before:
        return ChangeStatus.SLIPPED
    return ChangeStatus.UNCHANGED


@dataclass(frozen=True)
class PracticeChange:
    """A practice's organizational-unit value before and after (None: no value)."""

    ref: str
    before: PracticeValue | None
    after: PracticeValue | None
    status: ChangeStatus

    @property
    def steps(self) -> int:
        """Places moved on the FI > LI > PI > NI > NY scale (negative: down); 0 if unknown."""
        if self.before is None or self.after is None:
            return 0
        return practice_rank(self.after) - practice_rank(self.before)


@dataclass(frozen=True)
class GoalChange:
    ref: str
    before: GoalRating | None
    after: GoalRating | None
    status: ChangeStatus


@dataclass(frozen=True)
class AreaChange:
    abbreviation: str
    before: AreaRating | None
    after: AreaRating | None
    before_level: int | None
    after_level: int | None
    status: ChangeStatus


@dataclass(frozen=True)
class LevelChange:
    """A maturity level (or equivalent one) before and after."""

    before: int | None
    after: int | None
    status: ChangeStatus


@dataclass(frozen=True)
class ChangeCounts:
    improved: int = 0
    slipped: int = 0
    unchanged: int = 0
    changed: int = 0
    new: int = 0
    dropped: int = 0

    @classmethod
    def of(cls, statuses: Iterable[ChangeStatus]) -> ChangeCounts:
        counts = Counter(status.value for status in statuses)
        return cls(**counts)

    def as_json(self) -> dict[str, int]:
        return {status.value: getattr(self, status.value) for status in ChangeStatus}


@dataclass(frozen=True)
class ResultComparison:
    """Two results side by side: every area, goal and practice, in model order."""

    maturity_level: LevelChange
    equivalent_maturity_level: LevelChange
    areas: tuple[AreaChange, ...]
    goals: tuple[GoalChange, ...]
    practices: tuple[PracticeChange, ...]

    def counts(self) -> dict[str, ChangeCounts]:
        """How many areas, goals and practices improved, slipped, …"""
        return {
            "process_areas": ChangeCounts.of(a.status for a in self.areas),
            "goals": ChangeCounts.of(g.status for g in self.goals),
            "practices": ChangeCounts.of(p.status for p in self.practices),
        }

    @property
    def improved_practices(self) -> tuple[PracticeChange, ...]:
        """Improved practices, the biggest moves first (then in model order)."""
        return _biggest_first(self.practices, ChangeStatus.IMPROVED)

    @property
    def slipped_practices(self) -> tuple[PracticeChange, ...]:
        """Slipped practices, the biggest falls first (then in model order)."""
        return _biggest_first(self.practices, ChangeStatus.SLIPPED)

    def as_json(self) -> dict[str, object]:
        def level(change: LevelChange) -> dict[str, object]:
            return {"before": change.before, "after": change.after, "status": change.status.value}

        def value(rating: StrEnum | None) -> str | None:
            return rating.value if rating is not None else None

        return {
            "maturity_level": level(self.maturity_level),
            "equivalent_maturity_level": level(self.equivalent_maturity_level),
            "summary": {kind: counts.as_json() for kind, counts in self.counts().items()},
            "process_areas": [
                {
                    "abbreviation": a.abbreviation,
                    "before": value(a.before),
                    "after": value(a.after),
                    "before_capability_level": a.before_level,
                    "after_capability_level": a.after_level,
                    "status": a.status.value,
                }
                for a in self.areas
            ],
            "goals": [
                {
                    "ref": g.ref,
                    "before": value(g.before),
                    "after": value(g.after),
                    "status": g.status.value,
                }
                for g in self.goals
            ],
            "practices": [
                {
                    "ref": p.ref,
                    "before": value(p.before),
                    "after": value(p.after),
                    "status": p.status.value,
                    "steps": p.steps,
                }
                for p in self.practices
            ],
        }


def _biggest_first(
    practices: Iterable[PracticeChange], status: ChangeStatus
) -> tuple[PracticeChange, ...]:
    chosen = [p for p in practices if p.status is status]
    return tuple(sorted(chosen, key=lambda p: -abs(p.steps)))  # sorted() is stable


def _keys(before: Mapping[str, object], after: Mapping[str, object]) -> list[str]:
    """Keys of both, in the earlier order, then the later one's new keys in its order."""
    return [*before, *(key for key in after if key not in before)]


def _practice_status(before: PracticeResult | None, after: PracticeResult | None) -> ChangeStatus:
    if before is None:
        return ChangeStatus.NEW
    if after is None:
        return ChangeStatus.DROPPED
    if before.value is None or after.value is None:
        same = before.value is after.value and before.candidates == after.candidates
        return ChangeStatus.UNCHANGED if same else ChangeStatus.CHANGED
    return _by_order(practice_rank(before.value), practice_rank(after.value))


def _satisfaction(before: str, after: str) -> ChangeStatus:
    """Goal-like ratings: becoming satisfied improves, ceasing to be slips."""
    if before == after:
        return ChangeStatus.UNCHANGED
    open_values = (GoalRating.UNSATISFIED, GoalRating.NOT_RATED, GoalRating.PENDING)
    if after == GoalRating.SATISFIED and before in open_values:
        return ChangeStatus.IMPROVED
    if before == GoalRating.SATISFIED and after in open_values:
        return ChangeStatus.SLIPPED
    return ChangeStatus.CHANGED


def _goal_status(before: GoalResult | None, after: GoalResult | None) -> ChangeStatus:
    if before is None:
        return ChangeStatus.NEW
    if after is None:
        return ChangeStatus.DROPPED
    return _satisfaction(before.rating.value, after.rating.value)


def _area_status(before: AreaResult | None, after: AreaResult | None) -> ChangeStatus:
    if before is None:
        return ChangeStatus.NEW
    if after is None:
        return ChangeStatus.DROPPED
    levels = (before.capability_level, after.capability_level)
    if levels[0] is not None and levels[1] is not None and levels[0] != levels[1]:
        return _by_order(levels[0], levels[1])
    return _satisfaction(before.rating.value, after.rating.value)


def _level_change(
    before: int | None, after: int | None, before_open: bool, after_open: bool
) -> LevelChange:
    if before == after:
        return LevelChange(before, after, ChangeStatus.UNCHANGED)
    if (before is None and before_open) or (after is None and after_open):
        return LevelChange(before, after, ChangeStatus.CHANGED)
    return LevelChange(before, after, _by_order(before or 1, after or 1))


def _area_change(
    abbreviation: str, before: AreaResult | None, after: AreaResult | None
) -> AreaChange:
    return AreaChange(
        abbreviation,
        before.rating if before else None,
        after.rating if after else None,
        before.capability_level if before else None,
        after.capability_level if after else None,
        _area_status(before, after),
    )


def _goal_change(ref: str, before: GoalResult | None, after: GoalResult | None) -> GoalChange:
    return GoalChange(
        ref,
        before.rating if before else None,
        after.rating if after else None,
        _goal_status(before, after),
    )


def _practice_change(
    ref: str, before: PracticeResult | None, after: PracticeResult | None
) -> PracticeChange:
    return PracticeChange(
        ref,
        before.value if before else None,
        after.value if after else None,
        _practice_status(before, after),
    )


def compare_results(before: AppraisalResult, after: AppraisalResult) -> ResultComparison:
    """Compare two results of the same organizational unit by reference (module docstring)."""
    areas = tuple(
        _area_change(key, before.areas.get(key), after.areas.get(key))
        for key in _keys(before.areas, after.areas)
    )
    goals = tuple(
        _goal_change(key, before.goals.get(key), after.goals.get(key))
        for key in _keys(before.goals, after.goals)
    )
    practices = tuple(
        _practice_change(key, before.practices.get(key), after.practices.get(key))
        for key in _keys(before.practices, after.practices)
    )
    before_open, after_open = bool(before.open_judgments), bool(after.open_judgments)
    return ResultComparison(
        _level_change(before.maturity_level, after.maturity_level, before_open, after_open),
        _level_change(
            before.equivalent_maturity_level,
            after.equivalent_maturity_level,
            before_open,
            after_open,
        ),
        areas,
        goals,
        practices,
    )
