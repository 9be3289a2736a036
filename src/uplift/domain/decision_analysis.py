"""Decision analysis for selecting improvement proposals: rank, sensitivity, portfolio.

Source: the weighted-sum method of multi-criteria decision analysis, as CMMI's
Decision Analysis and Resolution applies it (DAR SP 1.2 establish the evaluation
criteria and their relative importance, SP 1.5 evaluate the alternatives against
them, SP 1.6 select) to the analysis and selection of improvements (OPM SP 2.2,
SP 2.4). Pure Python and exact: every weight and total is a ``Fraction``
(``Decimal`` and ``int`` inputs convert exactly), so two totals that are equal on
paper are equal here and a sensitivity bound is the exact crossing point.

Rules
=====
- **Scores** run from 1 to 5. A *benefit* criterion (contribution to objectives)
  counts its score; a *cost* criterion (cost, risk, effort, time to benefit), where a
  high score is bad, counts ``6 - score``. That is the criterion's *value* (1..5,
  higher is better).
- **Weights** are ≥ 0 with a positive sum and are normalized to sum 1:
  ``w_i / Σ w``. A candidate's **total** is ``Σ w_i · value_i``, in 1..5.
- **Missing scores** are reported, never guessed: a candidate without a score on some
  criterion is *incomplete*; its total counts only the criteria scored (so it is not
  comparable with a complete one), it is ranked after every complete candidate and
  lists the criteria it misses. Scores on criteria outside the analysis are ignored.
- **Ranks**: by total, highest first; equal totals share a rank and the next rank
  skips ("1, 1, 3"); candidates that tie keep the order they were given in.
- **Sensitivity** (:func:`sensitivity`): one criterion's weight is set to ``t`` in
  [0, 1] and the others are scaled by ``(1 - t) / (1 - w)`` so the weights still sum
  to 1. Every total is then linear in ``t``: ``T(t) = t·a + (1 - t)·b`` with ``a`` the
  candidate's value on that criterion and ``b`` the weighted mean of its other
  values; two candidates swap where their lines cross. The interval around the
  current weight ``w`` in which the order (separately: the leader) stays the same is
  bounded by the nearest crossings on each side, or by 0 and 1 when there are none;
  at a crossing the two candidates tie, beyond it they have swapped. Only the complete
  candidates are compared (all of them when none is complete). A criterion that holds
  all the weight has no others to scale: no interval is given for it.
- **Portfolio** (:func:`portfolio`): the 0/1 selection of complete candidates with a
  cost estimate whose one-off costs fit the budget and whose totals sum highest
  (dynamic programming over the Pareto frontier of (cost, value) pairs: exact, no
  rounding of costs). Among equally valuable selections the cheaper wins, then the
  one holding the better-ranked candidate where they differ. Candidates without a
  cost, and incomplete ones, are left out and listed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from typing import Literal

__all__ = [
    "Candidate",
    "Contribution",
    "CriterionSensitivity",
    "CriterionSpec",
    "DecisionAnalysisError",
    "Portfolio",
    "RankedCandidate",
    "Scenario",
    "Swap",
    "WeightInterval",
    "as_decimal",
    "normalized_weights",
    "portfolio",
    "rank",
    "sensitivity",
    "sensitivity_sentences",
]

Number = Fraction | Decimal | int
Direction = Literal["benefit", "cost"]

MIN_SCORE = 1
MAX_SCORE = 5
# The changes of a criterion's weight whose ranks the sensitivity lists (percent).
DEFAULT_CHANGES: tuple[int, ...] = (-50, -25, 25, 50)


class DecisionAnalysisError(ValueError):
    """Inputs the analysis cannot work with; ``field`` names the one at fault."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class CriterionSpec:
    """A criterion: its slug, name, weight (≥ 0, any scale) and direction."""

    slug: str
    name: str
    weight: Number
    direction: Direction = "benefit"


@dataclass(frozen=True)
class Candidate:
    """An alternative: its key (``IP-3``), scores by criterion slug, one-off cost."""

    key: str
    scores: Mapping[str, int] = field(default_factory=dict, hash=False)
    cost: Number | None = None


@dataclass(frozen=True)
class Contribution:
    """One criterion of one candidate: score, value (6 - score for a cost criterion),
    normalized weight and weight · value (None when the score is missing)."""

    criterion: str
    weight: Fraction
    score: int | None
    value: int | None
    contribution: Fraction | None


@dataclass(frozen=True)
class RankedCandidate:
    """A candidate's place: rank (shared on ties), total, contributions, what it misses.

    ``position`` is its 0-based place in the ranked list (ties in input order).
    """

    candidate: Candidate
    rank: int
    position: int
    total: Fraction
    contributions: tuple[Contribution, ...]
    missing: tuple[str, ...]

    @property
    def key(self) -> str:
        return self.candidate.key

    @property
    def complete(self) -> bool:
        """Scored on every criterion."""
        return not self.missing


@dataclass(frozen=True)
class Swap:
    """Where two or more pairs of candidates cross: at ``weight`` they tie, beyond it
    they have swapped. Each pair is (ahead now, behind now)."""

    weight: Fraction
    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class WeightInterval:
    """The weights of one criterion around its current one in which something holds.

    A bound with a swap is excluded (the candidates tie there); a bound without one is
    the end of the weight's range (0 or 1) and is included.
    """

    low: Fraction
    high: Fraction
    low_swap: Swap | None
    high_swap: Swap | None

    def contains(self, weight: Fraction) -> bool:
        """Whether ``weight`` lies in the interval (see the class docstring)."""
        above = weight > self.low or (weight == self.low and self.low_swap is None)
        below = weight < self.high or (weight == self.high and self.high_swap is None)
        return above and below

    def nearest_swap(self, weight: Fraction) -> Swap | None:
        """The swap nearest ``weight`` (the lower one when both are as near)."""
        low, high = self.low_swap, self.high_swap
        if low is None or high is None:
            return low or high
        return low if weight - low.weight <= high.weight - weight else high

    @property
    def degenerate(self) -> bool:
        """A tie that any change of the weight breaks: the interval is one point."""
        return self.low == self.high and self.low_swap is not None


@dataclass(frozen=True)
class Scenario:
    """The ranks when one criterion's weight is changed by ``change`` percent.

    ``capped``: the weight would pass 1 and is set to 1.
    """

    change: int
    weight: Fraction
    capped: bool
    ranks: Mapping[str, int] = field(hash=False)

    @property
    def label(self) -> str:
        return f"{self.change:+d}%"


@dataclass(frozen=True)
class CriterionSensitivity:
    """How the ranking responds to one criterion's weight (see the module docstring).

    ``order`` and ``leader`` are None when the criterion holds all the weight (``note``
    says so). ``leaders`` are the candidates ranked first now.
    """

    criterion: str
    name: str
    weight: Fraction
    leaders: tuple[str, ...]
    order: WeightInterval | None
    leader: WeightInterval | None
    scenarios: tuple[Scenario, ...]
    note: str = ""

    @property
    def first_swap(self) -> Swap | None:
        """The nearest weight at which the order changes, and the pairs that swap."""
        return None if self.order is None else self.order.nearest_swap(self.weight)


# -- helpers -------------------------------------------------------------------------------


def _fraction(number: Number, what: str, field_name: str) -> Fraction:
    if isinstance(number, bool) or not isinstance(number, Fraction | Decimal | int):
        raise DecisionAnalysisError(f"{what} must be a number, not {number!r}.", field=field_name)
    if isinstance(number, Decimal) and not number.is_finite():
        raise DecisionAnalysisError(f"{what} must be a finite number.", field=field_name)
    return Fraction(number)


def as_decimal(number: Fraction, places: int = 3) -> Decimal:
    """``number`` rounded half up to ``places`` decimals, for display."""
    with localcontext() as context:
        context.prec = 60
        value = Decimal(number.numerator) / Decimal(number.denominator)
        return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _check_criteria(criteria: Sequence[CriterionSpec]) -> None:
    if not criteria:
        raise DecisionAnalysisError("There is no criterion to rank by.", field="criteria")
    seen: set[str] = set()
    for criterion in criteria:
        if criterion.slug in seen:
            raise DecisionAnalysisError(
                f"The criterion {criterion.slug!r} is given twice.", field="criteria"
            )
        seen.add(criterion.slug)
        if criterion.direction not in ("benefit", "cost"):
            raise DecisionAnalysisError(
                f"The direction of {criterion.slug!r} must be 'benefit' or 'cost'.",
                field="direction",
            )


def normalized_weights(criteria: Sequence[CriterionSpec]) -> tuple[Fraction, ...]:
    """The weights scaled to sum 1, in the criteria's order.

    Raises ``DecisionAnalysisError`` for a negative weight or when they sum to 0.
    """
    _check_criteria(criteria)
    weights = []
    for criterion in criteria:
        weight = _fraction(criterion.weight, f"The weight of {criterion.slug}", criterion.slug)
        if weight < 0:
            raise DecisionAnalysisError(
                f"The weight of {criterion.name} must be 0 or more.", field=criterion.slug
            )
        weights.append(weight)
    total = sum(weights, Fraction(0))
    if total == 0:
        raise DecisionAnalysisError(
            "At least one criterion needs a weight above 0.", field="weights"
        )
    return tuple(weight / total for weight in weights)


def _values(
    candidates: Sequence[Candidate], criteria: Sequence[CriterionSpec]
) -> list[tuple[int | None, ...]]:
    """Each candidate's value per criterion (None: missing), checking the scores."""
    keys: set[str] = set()
    rows = []
    for candidate in candidates:
        if candidate.key in keys:
            raise DecisionAnalysisError(f"The candidate {candidate.key} is given twice.")
        keys.add(candidate.key)
        row: list[int | None] = []
        for criterion in criteria:
            score = candidate.scores.get(criterion.slug)
            if score is None:
                row.append(None)
                continue
            if isinstance(score, bool) or not isinstance(score, int):
                raise DecisionAnalysisError(
                    f"{candidate.key}'s score on {criterion.name} must be a whole number.",
                    field="scores",
                )
            if not MIN_SCORE <= score <= MAX_SCORE:
                raise DecisionAnalysisError(
                    f"{candidate.key}'s score on {criterion.name} is {score}; scores run "
                    f"from {MIN_SCORE} to {MAX_SCORE}.",
                    field="scores",
                )
            row.append(score if criterion.direction == "benefit" else MAX_SCORE + 1 - score)
        rows.append(tuple(row))
    return rows


def _competition_ranks(
    totals: Sequence[Fraction], complete: Sequence[bool]
) -> tuple[list[int], list[int]]:
    """The order (indices) and the rank of each index: complete first, then by total."""
    order = sorted(range(len(totals)), key=lambda i: (not complete[i], -totals[i], i))
    ranks = [0] * len(totals)
    for place, index in enumerate(order):
        previous = order[place - 1] if place else None
        if (
            previous is not None
            and complete[previous] == complete[index]
            and totals[previous] == totals[index]
        ):
            ranks[index] = ranks[previous]
        else:
            ranks[index] = place + 1
    return order, ranks


def _ranked(
    candidates: Sequence[Candidate],
    criteria: Sequence[CriterionSpec],
    weights: Sequence[Fraction],
    values: Sequence[tuple[int | None, ...]],
) -> list[RankedCandidate]:
    totals: list[Fraction] = []
    contributions: list[tuple[Contribution, ...]] = []
    missing: list[tuple[str, ...]] = []
    for candidate, row in zip(candidates, values, strict=True):
        parts = []
        for criterion, weight, value in zip(criteria, weights, row, strict=True):
            parts.append(
                Contribution(
                    criterion=criterion.slug,
                    weight=weight,
                    score=candidate.scores.get(criterion.slug),
                    value=value,
                    contribution=None if value is None else weight * value,
                )
            )
        contributions.append(tuple(parts))
        totals.append(
            sum((p.contribution for p in parts if p.contribution is not None), Fraction())
        )
        missing.append(tuple(p.criterion for p in parts if p.value is None))
    order, ranks = _competition_ranks(totals, [not m for m in missing])
    return [
        RankedCandidate(
            candidate=candidates[index],
            rank=ranks[index],
            position=place,
            total=totals[index],
            contributions=contributions[index],
            missing=missing[index],
        )
        for place, index in enumerate(order)
    ]


# -- rank ----------------------------------------------------------------------------------


def rank(
    proposals: Sequence[Candidate], criteria: Sequence[CriterionSpec]
) -> list[RankedCandidate]:
    """The candidates ranked by their weighted totals (see the module docstring).

    Raises ``DecisionAnalysisError`` for no criterion, a criterion given twice, a
    negative weight, weights summing to 0, a score outside 1..5 or on an unknown
    criterion, or a candidate given twice.
    """
    weights = normalized_weights(criteria)
    values = _values(proposals, criteria)
    return _ranked(proposals, criteria, weights, values)


# -- sensitivity ---------------------------------------------------------------------------


def _lines(
    values: Sequence[tuple[int | None, ...]], weights: Sequence[Fraction], k: int
) -> list[tuple[Fraction, Fraction]]:
    """(a, b) per candidate: T(t) = t·a + (1 - t)·b when criterion k weighs t."""
    rest = 1 - weights[k]
    lines = []
    for row in values:
        a = Fraction(row[k] or 0)
        b = sum(
            (weights[j] * v for j, v in enumerate(row) if j != k and v is not None),
            Fraction(0),
        )
        lines.append((a, b / rest))
    return lines


def _interval(
    pairs: Iterable[tuple[int, int]],
    lines: Sequence[tuple[Fraction, Fraction]],
    weight: Fraction,
    keys: Sequence[str],
) -> WeightInterval:
    """The interval around ``weight`` in which no pair (ahead, behind) crosses."""
    below: dict[Fraction, list[tuple[str, str]]] = {}
    above: dict[Fraction, list[tuple[str, str]]] = {}
    for i, j in pairs:
        (ai, bi), (aj, bj) = lines[i], lines[j]
        slope = (ai - bi) - (aj - bj)
        if slope == 0:
            continue  # parallel: the pair keeps its relation at every weight
        now = (weight * ai + (1 - weight) * bi) - (weight * aj + (1 - weight) * bj)
        crossing = weight - now / slope
        if not 0 <= crossing <= 1:
            continue
        pair = (keys[i], keys[j])
        if crossing <= weight:
            below.setdefault(crossing, []).append(pair)
        if crossing >= weight:
            above.setdefault(crossing, []).append(pair)
    low_swap = high_swap = None
    low, high = Fraction(0), Fraction(1)
    if below:
        low = max(below)
        low_swap = Swap(low, tuple(below[low]))
    if above:
        high = min(above)
        high_swap = Swap(high, tuple(above[high]))
    return WeightInterval(low=low, high=high, low_swap=low_swap, high_swap=high_swap)


def _scenario_weights(weights: Sequence[Fraction], k: int, t: Fraction) -> tuple[Fraction, ...]:
    scale = (1 - t) / (1 - weights[k])
    return tuple(t if j == k else w * scale for j, w in enumerate(weights))


def sensitivity(
    proposals: Sequence[Candidate],
    criteria: Sequence[CriterionSpec],
    *,
    changes: Sequence[int] = DEFAULT_CHANGES,
) -> list[CriterionSensitivity]:
    """For each criterion, the weights that keep the order and the leader, and the
    ranks when its weight changes by each of ``changes`` percent (see the module).

    The intervals compare the complete candidates only (those missing a score are
    ranked apart, and their partial totals are not comparable), or the incomplete ones
    when none is complete. Raises ``DecisionAnalysisError`` as :func:`rank` does.
    """
    weights = normalized_weights(criteria)
    values = _values(proposals, criteria)
    ranked = _ranked(proposals, criteria, weights, values)
    index_of = {candidate.key: i for i, candidate in enumerate(proposals)}
    keys = [candidate.key for candidate in proposals]
    # The compared group: the complete candidates, or the incomplete ones when none is.
    compared = [index_of[r.key] for r in ranked if r.complete] or [index_of[r.key] for r in ranked]
    pairs = [
        (compared[p], compared[q])
        for p in range(len(compared))
        for q in range(p + 1, len(compared))
    ]
    leaders = tuple(r.key for r in ranked if r.rank == 1)
    leader_indices = {index_of[key] for key in leaders}
    leader_pairs = [(i, j) for i, j in pairs if i in leader_indices or j in leader_indices]

    result = []
    for k, criterion in enumerate(criteria):
        weight = weights[k]
        scenarios = []
        for change in changes:
            target = weight * (1 + Fraction(change, 100))
            capped = target > 1
            target = min(max(target, Fraction(0)), Fraction(1))
            if weight == 1:
                ranks = {r.key: r.rank for r in ranked}
            else:
                moved = _ranked(proposals, criteria, _scenario_weights(weights, k, target), values)
                ranks = {r.key: r.rank for r in moved}
            scenarios.append(Scenario(change=change, weight=target, capped=capped, ranks=ranks))
        if weight == 1:
            result.append(
                CriterionSensitivity(
                    criterion=criterion.slug,
                    name=criterion.name,
                    weight=weight,
                    leaders=leaders,
                    order=None,
                    leader=None,
                    scenarios=tuple(scenarios),
                    note=f"{criterion.name} holds all the weight: there are no other "
                    "weights to scale.",
                )
            )
            continue
        lines = _lines(values, weights, k)
        result.append(
            CriterionSensitivity(
                criterion=criterion.slug,
                name=criterion.name,
                weight=weight,
                leaders=leaders,
                order=_interval(pairs, lines, weight, keys),
                leader=_interval(leader_pairs, lines, weight, keys),
                scenarios=tuple(scenarios),
            )
        )
    return result


def _pairs_text(swap: Swap) -> str:
    return "; ".join(f"{ahead} and {behind}" for ahead, behind in swap.pairs)


def sensitivity_sentences(item: CriterionSensitivity, places: int = 3) -> tuple[str, str]:
    """The leader's and the order's sensitivity to one criterion's weight, in words.

    E.g. "The leader stays IP-3 while the weight of Cost stays between 0.12 and 0.41;
    at 0.41 IP-7 and IP-3 swap."
    """
    name = item.name
    if item.order is None or item.leader is None:
        return item.note, ""

    def number(value: Fraction) -> str:
        return str(as_decimal(value, places).normalize()) if value else "0"

    if not item.leaders:
        leader_text = "There is no candidate to rank."
    else:
        who = " and ".join(item.leaders)
        stays = f"The leader stays {who}" if len(item.leaders) == 1 else f"{who} share the lead"
        interval = item.leader
        swap = interval.nearest_swap(item.weight)
        if interval.degenerate and swap is not None:
            leader_text = (
                f"{who} are tied now, and any change of the weight of {name} breaks the "
                f"tie ({_pairs_text(swap)})."
            )
        elif swap is None:
            leader_text = f"{stays} whatever the weight of {name}, from 0 to 1."
        else:
            ends = [
                f"at {number(swap.weight)} {_pairs_text(swap)} swap"
                for swap in (interval.low_swap, interval.high_swap)
                if swap is not None
            ]
            leader_text = (
                f"{stays} while the weight of {name} stays between "
                f"{number(interval.low)} and {number(interval.high)} (now "
                f"{number(item.weight)}); {'; '.join(ends)}."
            )
    first = item.first_swap
    if item.order.degenerate and first is not None:
        order_text = (
            f"Candidates tie now ({_pairs_text(first)}): any change of the weight of "
            f"{name} changes the order."
        )
    elif first is None:
        order_text = f"The order stays the same whatever the weight of {name}."
    else:
        order_text = (
            f"The order stays the same while the weight of {name} stays between "
            f"{number(item.order.low)} and {number(item.order.high)} (now "
            f"{number(item.weight)}); the first swap is "
            f"at {number(first.weight)}: {_pairs_text(first)}."
        )
    return leader_text, order_text


# -- portfolio -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Portfolio:
    """The best selection within ``budget`` and what was left out (see the module)."""

    budget: Fraction
    selected: tuple[RankedCandidate, ...]
    total_cost: Fraction
    total_value: Fraction
    excluded_no_cost: tuple[RankedCandidate, ...]
    excluded_incomplete: tuple[RankedCandidate, ...]

    @property
    def remaining(self) -> Fraction:
        return self.budget - self.total_cost


def portfolio(candidates: Sequence[RankedCandidate], budget: Number) -> Portfolio:
    """The 0/1 selection of candidates maximizing the sum of totals within ``budget``.

    Exact: dynamic programming over the Pareto frontier of (cost, value) pairs, each
    state remembering its selection. Ties: the lower cost, then the selection holding
    the better-ranked candidate where two selections differ. Candidates without a cost
    estimate, and incomplete ones, are excluded and listed. Raises
    ``DecisionAnalysisError`` for a negative budget or cost.
    """
    limit = _fraction(budget, "The budget", "budget")
    if limit < 0:
        raise DecisionAnalysisError("The budget must be 0 or more.", field="budget")
    ordered = sorted(candidates, key=lambda c: c.position)
    eligible: list[tuple[RankedCandidate, Fraction]] = []
    no_cost, incomplete = [], []
    for candidate in ordered:
        if not candidate.complete:
            incomplete.append(candidate)
            continue
        if candidate.candidate.cost is None:
            no_cost.append(candidate)
            continue
        cost = _fraction(candidate.candidate.cost, f"The cost of {candidate.key}", "cost")
        if cost < 0:
            raise DecisionAnalysisError(f"The cost of {candidate.key} is negative.", field="cost")
        eligible.append((candidate, cost))

    size = len(eligible)
    # A state: (cost, value, mask); bit (size - 1 - p) stands for the p-th best ranked,
    # so of two selections the one holding the better-ranked candidate where they
    # differ has the larger mask.
    states: list[tuple[Fraction, Fraction, int]] = [(Fraction(0), Fraction(0), 0)]
    for place, (candidate, cost) in enumerate(eligible):
        bit = 1 << (size - 1 - place)
        grown = [
            (c + cost, v + candidate.total, m | bit) for c, v, m in states if c + cost <= limit
        ]
        states = _frontier(states + grown)
    best_cost, best_value, best_mask = max(states, key=lambda s: (s[1], -s[0], s[2]))
    selected = tuple(
        candidate
        for place, (candidate, _cost) in enumerate(eligible)
        if best_mask & (1 << (size - 1 - place))
    )
    return Portfolio(
        budget=limit,
        selected=selected,
        total_cost=best_cost,
        total_value=best_value,
        excluded_no_cost=tuple(no_cost),
        excluded_incomplete=tuple(incomplete),
    )


def _frontier(
    states: list[tuple[Fraction, Fraction, int]],
) -> list[tuple[Fraction, Fraction, int]]:
    """The states no other state beats: cheaper or as cheap, and worth more (or as
    much with a better selection). What one state beats, it beats after any addition."""
    kept = []
    best: Fraction | None = None
    for cost, value, mask in sorted(states, key=lambda s: (s[0], -s[1], -s[2])):
        if best is None or value > best:
            kept.append((cost, value, mask))
            best = value
    return kept
