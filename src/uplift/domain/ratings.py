"""The SCAMPI-style rating engine: practices → goals → process areas → levels.

Pure Python, exact, and fast enough to re-rate a whole CMMI-DEV ML 5 scope over
40 basic units in a few milliseconds. The rules are those of
``shared/domain/rating-rules-and-concepts.md`` (section 1); the markers there
([V] verified, [P] partly, [U] uncertain) are repeated here beside each rule, and
every [U] rule is a field of :class:`RatingSettings` so it can be changed without
touching the code.

Steps
=====
1. **Aggregate** each practice's instance characterizations (one per basic unit or
   support function) to the organizational unit (§1.3, table [U]):

   ====================================================  ======================
   instance values                                        OU value
   ====================================================  ======================
   all NY                                                 NY
   only FI/NY, at least one FI                            FI
   only FI/LI/NY, at least one LI                         LI
   at least one FI or LI and at least one PI or NI        judgment: LI or PI
   only PI/NI/NY, at least one PI                         PI (setting: judgment PI or NI)
   only NI/NY, at least one NI                            NI
   ====================================================  ======================

   A practice with no characterization at all is *not characterized*.
2. **Rate goals** (§1.4 [V]): *not rated* if a practice is not characterized or NY
   at OU level; *unsatisfied* if any practice is PI or NI; otherwise satisfied,
   unless the team judges that the weaknesses (which exist wherever a practice is
   LI) significantly hurt the goal. Whether an LI goal is presumed satisfied or
   waits for that judgment is :attr:`RatingSettings.goal_weakness_judgment`.
   A goal waiting for a judgment is *pending*.
3. **Rate process areas** (§1.5 [P]): not applicable when agreed in planning;
   otherwise unsatisfied if a goal in scope is unsatisfied, pending if one is
   pending, not rated if one is not rated, else satisfied. Goals in scope: the
   specific goals, GG 2, and GG 3 when the staged target is ML 3 or more.
   **Capability level** (§1.5 [V]): CL 1 = all specific goals satisfied,
   CL 2 = + GG 2, CL 3 = + GG 3 (v1.3 stops at 3).
4. **Maturity level** (staged, §1.6 [V]): the highest N in 2..target such that every
   process area of levels 2..N in the model is satisfied or not applicable, with
   GG 3 required of every one of them (ML 2 areas included) once N ≥ 3.
   **Equivalent staging** (continuous, §1.7 [V]): ML 2 ⇐ every ML 2 area at CL ≥ 2;
   ML N ≥ 3 ⇐ every area of levels 2..N at CL 3.

A level is never guessed: if an open judgment could change the answer, the level
is ``None`` and the judgment is listed in ``open_judgments``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

__all__ = [
    "AppraisalResult",
    "AppraisalScope",
    "AreaRating",
    "AreaResult",
    "AreaSpec",
    "Characterization",
    "GoalRating",
    "GoalResult",
    "GoalSpec",
    "Judgment",
    "OpenJudgment",
    "PracticeAggregate",
    "PracticeResult",
    "PracticeValue",
    "RatingError",
    "RatingSettings",
    "aggregate_practice",
    "capability_level",
    "equivalent_maturity_level",
    "normalize_goal_ref",
    "normalize_practice_ref",
    "rate_appraisal",
    "rate_goal",
]


class RatingError(ValueError):
    """A judgment or scope that the rules do not allow; the message says which and why."""


class PracticeValue(StrEnum):
    """Characterization of a practice implementation (SCAMPI)."""

    FI = "FI"  # fully implemented
    LI = "LI"  # largely implemented
    PI = "PI"  # partially implemented
    NI = "NI"  # not implemented
    NY = "NY"  # not yet (the unit has not reached the point where the practice applies)


class GoalRating(StrEnum):
    SATISFIED = "satisfied"
    UNSATISFIED = "unsatisfied"
    NOT_RATED = "not_rated"
    PENDING = "pending"


class AreaRating(StrEnum):
    SATISFIED = "satisfied"
    UNSATISFIED = "unsatisfied"
    NOT_RATED = "not_rated"
    PENDING = "pending"
    NOT_APPLICABLE = "not_applicable"


_STRONG = frozenset({PracticeValue.FI, PracticeValue.LI})
_WEAK = frozenset({PracticeValue.PI, PracticeValue.NI})


@dataclass(frozen=True)
class RatingSettings:
    """The rules the reference marks uncertain, as settings (defaults in brackets).

    ``all_weak_rule`` [``"rule"``]: instances only PI/NI/NY with at least one PI
    aggregate to PI (``"rule"``) or ask the team to choose PI or NI (``"judgment"``).

    ``goal_weakness_judgment`` [``"presume_satisfied"``]: a goal whose practices are
    all FI/LI but some LI is satisfied unless the team records an *unsatisfied*
    judgment (``"presume_satisfied"``), or is pending until the team judges it
    (``"require"``, the strict reading of SCAMPI §1.4).

    ``gg3_for_ml2_at_ml3`` [``True``]: from ML 3 on, ML 2 process areas need GG 3 too.
    """

    all_weak_rule: Literal["rule", "judgment"] = "rule"
    goal_weakness_judgment: Literal["presume_satisfied", "require"] = "presume_satisfied"
    gg3_for_ml2_at_ml3: bool = True
    max_capability_level: int = 3


@dataclass(frozen=True)
class Characterization:
    """One practice at one basic unit or support function."""

    value: PracticeValue
    weaknesses: tuple[str, ...] = ()


@dataclass(frozen=True)
class Judgment:
    """A team decision where the rules call for one; the rationale is required."""

    value: str
    rationale: str


@dataclass(frozen=True)
class PracticeAggregate:
    """The OU-level value of a practice, or the candidates the team must choose from."""

    value: PracticeValue | None
    candidates: tuple[PracticeValue, ...]
    needs_judgment: bool

    @property
    def characterized(self) -> bool:
        return bool(self.candidates)


@dataclass(frozen=True)
class GoalSpec:
    """A goal and the practice references that belong to it."""

    ref: str
    practices: tuple[str, ...]
    generic_level: int | None = None  # 2 for GG 2, 3 for GG 3; None for specific goals


@dataclass(frozen=True)
class AreaSpec:
    """A process area of the model with its goals."""

    abbreviation: str
    maturity_level: int | None
    specific_goals: tuple[GoalSpec, ...]
    generic_goals: tuple[GoalSpec, ...] = ()


@dataclass(frozen=True)
class AppraisalScope:
    """What is rated: the model's areas, which of them are in scope, and the target.

    ``areas`` holds every process area of the model (the maturity level needs to know
    the areas out of scope too); ``in_scope`` names those appraised.
    """

    representation: Literal["staged", "continuous"]
    areas: tuple[AreaSpec, ...]
    in_scope: frozenset[str]
    not_applicable: frozenset[str] = frozenset()
    target_maturity_level: int | None = None


@dataclass(frozen=True)
class PracticeResult:
    value: PracticeValue | None
    needs_judgment: bool
    candidates: tuple[PracticeValue, ...]
    judged: bool = False
    weaknesses: tuple[str, ...] = ()


@dataclass(frozen=True)
class GoalResult:
    rating: GoalRating
    reason: str
    weaknesses: tuple[str, ...] = ()
    judged: bool = False


@dataclass(frozen=True)
class AreaResult:
    rating: AreaRating
    capability_level: int | None


@dataclass(frozen=True)
class OpenJudgment:
    """A decision the team still has to record."""

    kind: Literal["practice", "goal"]
    ref: str
    candidates: tuple[str, ...]


@dataclass(frozen=True)
class AppraisalResult:
    practices: Mapping[str, PracticeResult]
    goals: Mapping[str, GoalResult]
    areas: Mapping[str, AreaResult]
    maturity_level: int | None
    equivalent_maturity_level: int | None
    open_judgments: tuple[OpenJudgment, ...]
    warnings: tuple[str, ...] = field(default=())

    def as_json(self) -> dict[str, object]:
        """The documented JSON shape of ``uplift appraisal rate --json``."""
        return {
            "practices": {
                ref: {
                    "value": r.value.value if r.value else None,
                    "needs_judgment": r.needs_judgment,
                    "candidates": [c.value for c in r.candidates],
                    "judged": r.judged,
                }
                for ref, r in self.practices.items()
            },
            "goals": {ref: g.rating.value for ref, g in self.goals.items()},
            "goal_details": {
                ref: {"reason": g.reason, "weaknesses": list(g.weaknesses), "judged": g.judged}
                for ref, g in self.goals.items()
            },
            "process_areas": {
                abbr: {"rating": a.rating.value, "capability_level": a.capability_level}
                for abbr, a in self.areas.items()
            },
            "maturity_level": self.maturity_level,
            "equivalent_maturity_level": self.equivalent_maturity_level,
            "open_judgments": [
                {"kind": o.kind, "ref": o.ref, "candidates": list(o.candidates)}
                for o in self.open_judgments
            ],
            "warnings": list(self.warnings),
        }


# --- references -------------------------------------------------------------------

_PRACTICE_RE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+-]*)[\s.]+(SP|GP)\s*(\d+)\.(\d+)\s*$", re.I)
_GOAL_RE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+-]*)[\s.]+(SG|GG)\s*(\d+)\s*$", re.I)


def normalize_practice_ref(text: str) -> str | None:
    """``REQM.SP1.1``, ``REQM SP1.1``, ``reqm sp 1.1`` → ``REQM SP 1.1``; None if malformed."""
    match = _PRACTICE_RE.match(text)
    if not match:
        return None
    area, kind, major, minor = match.groups()
    return f"{area.upper()} {kind.upper()} {int(major)}.{int(minor)}"


def normalize_goal_ref(text: str) -> str | None:
    """``REQM.SG1``, ``REQM SG 1`` → ``REQM SG 1``; None if malformed."""
    match = _GOAL_RE.match(text)
    if not match:
        return None
    area, kind, number = match.groups()
    return f"{area.upper()} {kind.upper()} {int(number)}"


# --- step 1: practices ---------------------------------------------------------------

_NOT_CHARACTERIZED = PracticeAggregate(None, (), False)


def aggregate_practice(
    values: Iterable[PracticeValue], settings: RatingSettings = RatingSettings()
) -> PracticeAggregate:
    """Aggregate instance values to the organizational unit (the §1.3 table)."""
    present = set(values)
    if not present:
        return _NOT_CHARACTERIZED
    has_strong = bool(present & _STRONG)
    has_weak = bool(present & _WEAK)
    if has_strong and has_weak:
        return PracticeAggregate(None, (PracticeValue.LI, PracticeValue.PI), True)
    if has_strong:
        value = PracticeValue.LI if PracticeValue.LI in present else PracticeValue.FI
        return PracticeAggregate(value, (value,), False)
    if PracticeValue.PI in present:
        if settings.all_weak_rule == "judgment" and PracticeValue.NI in present:
            return PracticeAggregate(None, (PracticeValue.PI, PracticeValue.NI), True)
        return PracticeAggregate(PracticeValue.PI, (PracticeValue.PI,), False)
    if PracticeValue.NI in present:
        return PracticeAggregate(PracticeValue.NI, (PracticeValue.NI,), False)
    return PracticeAggregate(PracticeValue.NY, (PracticeValue.NY,), False)


# --- step 2: goals -------------------------------------------------------------------


def rate_goal(
    practices: Mapping[str, PracticeResult],
    judgment: Judgment | None = None,
    settings: RatingSettings = RatingSettings(),
) -> tuple[GoalResult, tuple[str, ...] | None]:
    """Rate one goal from its practices' OU results.

    Returns the result and, when the goal waits for a team judgment, the candidate
    values (else None). A judgment is used only where the rules call for one.
    """
    weak = [ref for ref, p in practices.items() if p.value in _WEAK]
    # Each distinct weakness once, in practice order: the same text recorded at several
    # units is one weakness of the organizational unit.
    weaknesses = tuple(dict.fromkeys(w for p in practices.values() for w in p.weaknesses))
    if weak:
        return GoalResult(
            GoalRating.UNSATISFIED,
            f"{', '.join(weak)} {'is' if len(weak) == 1 else 'are'} partially or not implemented",
            weaknesses,
        ), None
    missing = [ref for ref, p in practices.items() if not p.candidates]
    not_yet = [ref for ref, p in practices.items() if p.value is PracticeValue.NY]
    if missing or not_yet or not practices:
        parts = []
        if missing:
            parts.append(f"not characterized: {', '.join(missing)}")
        if not_yet:
            parts.append(f"not yet: {', '.join(not_yet)}")
        return GoalResult(GoalRating.NOT_RATED, "; ".join(parts) or "no practices"), None
    open_refs = [ref for ref, p in practices.items() if p.value is None]
    if open_refs:
        # A pending practice could still be PI (→ unsatisfied) or LI: undetermined.
        return GoalResult(
            GoalRating.PENDING, f"waiting for practice judgments: {', '.join(open_refs)}"
        ), None
    largely = [ref for ref, p in practices.items() if p.value is PracticeValue.LI]
    if not largely:
        return GoalResult(GoalRating.SATISFIED, "every practice fully implemented"), None
    if judgment is not None:
        rating = GoalRating(judgment.value)
        return GoalResult(rating, f"team judgment: {judgment.rationale}", weaknesses, True), None
    if settings.goal_weakness_judgment == "require":
        return GoalResult(
            GoalRating.PENDING,
            f"weaknesses in {', '.join(largely)}: the team judges whether they hurt the goal",
            weaknesses,
        ), (GoalRating.SATISFIED.value, GoalRating.UNSATISFIED.value)
    return GoalResult(
        GoalRating.SATISFIED,
        f"every practice largely or fully implemented; weaknesses in {', '.join(largely)} "
        "not judged significant",
        weaknesses,
    ), None


# --- step 3: process areas and capability levels ---------------------------------------


def _combine(ratings: Iterable[GoalRating]) -> GoalRating:
    """The weakest of several goal ratings: unsatisfied > pending > not rated > satisfied."""
    seen = set(ratings)
    for rating in (GoalRating.UNSATISFIED, GoalRating.PENDING, GoalRating.NOT_RATED):
        if rating in seen:
            return rating
    return GoalRating.SATISFIED if seen else GoalRating.NOT_RATED


def capability_level(
    specific: GoalRating, generic: Mapping[int, GoalRating], maximum: int = 3
) -> int | None:
    """CL from the combined specific-goal rating and the generic goals' ratings by level.

    None when an open judgment decides it or the specific goals are not rated.
    """
    if specific in (GoalRating.PENDING, GoalRating.NOT_RATED):
        return None
    if specific is GoalRating.UNSATISFIED:
        return 0
    level = 1
    for next_level in range(2, maximum + 1):
        rating = generic.get(next_level, GoalRating.NOT_RATED)
        if rating is GoalRating.PENDING:
            return None
        if rating is not GoalRating.SATISFIED:
            break
        level = next_level
    return level


# --- step 4: levels ------------------------------------------------------------------

_Status = Literal["yes", "no", "open"]


def _meets(status: Iterable[_Status]) -> _Status:
    values = set(status)
    if "no" in values:
        return "no"
    return "open" if "open" in values else "yes"


def equivalent_maturity_level(
    areas: Iterable[AreaSpec],
    levels: Mapping[str, int | None],
    not_applicable: frozenset[str],
    in_scope: frozenset[str],
) -> int | None:
    """Equivalent staging (§1.7): the ML a continuous profile corresponds to, or None."""
    by_level: dict[int, list[str]] = {}
    for area in areas:
        if area.maturity_level and area.maturity_level >= 2:
            by_level.setdefault(area.maturity_level, []).append(area.abbreviation)
    reached: int | None = None
    for target in range(2, 6):
        needed = 2 if target == 2 else 3
        statuses: list[_Status] = []
        for level in range(2, target + 1):
            for abbr in by_level.get(level, []):
                if abbr in not_applicable:
                    continue
                cl = levels.get(abbr) if abbr in in_scope else 0
                if cl is None:
                    statuses.append("open")
                else:
                    statuses.append("yes" if cl >= needed else "no")
        verdict = _meets(statuses)
        if verdict == "open":
            return None
        if verdict == "no" or target not in by_level:
            break
        reached = target
    return reached


# --- the whole appraisal -----------------------------------------------------------------


def _practice_result(
    ref: str,
    instances: Mapping[str, Characterization],
    judgment: Judgment | None,
    settings: RatingSettings,
    warnings: list[str],
) -> PracticeResult:
    aggregate = aggregate_practice((c.value for c in instances.values()), settings)
    weaknesses = tuple(w for c in instances.values() for w in c.weaknesses)
    if judgment is None:
        return PracticeResult(
            aggregate.value, aggregate.needs_judgment, aggregate.candidates, False, weaknesses
        )
    if not aggregate.needs_judgment:
        warnings.append(f"{ref}: {_UNNEEDED}")
        return PracticeResult(aggregate.value, False, aggregate.candidates, False, weaknesses)
    try:
        value = PracticeValue(judgment.value)
    except ValueError:
        value = None
    if value not in aggregate.candidates:
        allowed = " or ".join(c.value for c in aggregate.candidates)
        raise RatingError(f"{ref}: the judgment must be {allowed}, not {judgment.value!r}")
    return PracticeResult(value, True, aggregate.candidates, True, weaknesses)


_UNNEEDED = "no judgment is called for; the recorded one is ignored"


def _check_rationale(ref: str, judgment: Judgment) -> None:
    if not judgment.rationale.strip():
        raise RatingError(f"{ref}: a judgment needs a rationale")


def rate_appraisal(
    scope: AppraisalScope,
    characterizations: Mapping[str, Mapping[str, Characterization]],
    practice_judgments: Mapping[str, Judgment] | None = None,
    goal_judgments: Mapping[str, Judgment] | None = None,
    settings: RatingSettings = RatingSettings(),
) -> AppraisalResult:
    """Rate an appraisal: every practice, goal and process area in scope, and the levels.

    ``characterizations`` maps a practice reference (``REQM SP 1.1``) to its instance
    characterizations by unit. Raises :class:`RatingError` for a judgment whose value
    the rules do not allow or that lacks a rationale.
    """
    practice_judgments = practice_judgments or {}
    goal_judgments = goal_judgments or {}
    for ref, judgment in (*practice_judgments.items(), *goal_judgments.items()):
        _check_rationale(ref, judgment)
    for ref, judgment in goal_judgments.items():
        if judgment.value not in (GoalRating.SATISFIED, GoalRating.UNSATISFIED):
            raise RatingError(
                f"{ref}: a goal judgment is satisfied or unsatisfied, not {judgment.value!r}"
            )

    warnings: list[str] = []
    staged = scope.representation == "staged"
    target = scope.target_maturity_level or 0
    generic_in_scope = (2, 3) if (not staged or target >= 3) else (2,)
    practices: dict[str, PracticeResult] = {}
    goals: dict[str, GoalResult] = {}
    areas: dict[str, AreaResult] = {}
    open_judgments: list[OpenJudgment] = []
    # Per area: combined specific rating and generic ratings by level, for the levels.
    specific_of: dict[str, GoalRating] = {}
    generic_of: dict[str, dict[int, GoalRating]] = {}
    empty: Mapping[str, Characterization] = {}

    for area in scope.areas:
        abbr = area.abbreviation
        if abbr in scope.not_applicable:
            areas[abbr] = AreaResult(AreaRating.NOT_APPLICABLE, None)
            continue
        if abbr not in scope.in_scope:
            continue
        rated_goals = list(area.specific_goals) + [
            g for g in area.generic_goals if g.generic_level in generic_in_scope
        ]
        generic_ratings: dict[int, GoalRating] = {}
        specific_ratings: list[GoalRating] = []
        for goal in rated_goals:
            goal_practices: dict[str, PracticeResult] = {}
            for ref in goal.practices:
                result = _practice_result(
                    ref,
                    characterizations.get(ref, empty),
                    practice_judgments.get(ref),
                    settings,
                    warnings,
                )
                practices[ref] = result
                goal_practices[ref] = result
                if result.needs_judgment and not result.judged:
                    open_judgments.append(
                        OpenJudgment("practice", ref, tuple(c.value for c in result.candidates))
                    )
            goal_judgment = goal_judgments.get(goal.ref)
            goal_result, candidates = rate_goal(goal_practices, goal_judgment, settings)
            if goal_judgment is not None and not goal_result.judged:
                warnings.append(f"{goal.ref}: {_UNNEEDED}")
            goals[goal.ref] = goal_result
            if candidates is not None:
                open_judgments.append(OpenJudgment("goal", goal.ref, candidates))
            if goal.generic_level is None:
                specific_ratings.append(goal_result.rating)
            else:
                generic_ratings[goal.generic_level] = goal_result.rating
        specific = _combine(specific_ratings)
        specific_of[abbr] = specific
        generic_of[abbr] = generic_ratings
        combined = _combine([specific, *generic_ratings.values()])
        cl = capability_level(specific, generic_ratings, settings.max_capability_level)
        areas[abbr] = AreaResult(AreaRating(combined.value), cl)

    maturity: int | None = None
    equivalent: int | None = None
    if staged:
        maturity = _maturity_level(scope, specific_of, generic_of, settings)
    else:
        levels = {abbr: result.capability_level for abbr, result in areas.items()}
        equivalent = equivalent_maturity_level(
            scope.areas, levels, scope.not_applicable, scope.in_scope
        )
    return AppraisalResult(
        practices, goals, areas, maturity, equivalent, tuple(open_judgments), tuple(warnings)
    )


def _maturity_level(
    scope: AppraisalScope,
    specific_of: Mapping[str, GoalRating],
    generic_of: Mapping[str, Mapping[int, GoalRating]],
    settings: RatingSettings,
) -> int | None:
    """Staged maturity level (§1.6); None below ML 2 or while a judgment could change it."""
    target = scope.target_maturity_level or 0
    reached: int | None = None
    for level in range(2, min(target, 5) + 1):
        statuses: list[_Status] = []
        for area in scope.areas:
            if not area.maturity_level or not 2 <= area.maturity_level <= level:
                continue
            abbr = area.abbreviation
            if abbr in scope.not_applicable:
                continue
            if abbr not in specific_of:
                statuses.append("no")  # out of scope: the level cannot be reached
                continue
            needed = [specific_of[abbr], generic_of[abbr].get(2, GoalRating.NOT_RATED)]
            if level >= 3 and (area.maturity_level >= 3 or settings.gg3_for_ml2_at_ml3):
                needed.append(generic_of[abbr].get(3, GoalRating.NOT_RATED))
            combined = _combine(needed)
            statuses.append(
                "yes"
                if combined is GoalRating.SATISFIED
                else "open"
                if combined is GoalRating.PENDING
                else "no"
            )
        verdict = _meets(statuses)
        if verdict == "open":
            return None
        if verdict == "no":
            break
        reached = level
    return reached
