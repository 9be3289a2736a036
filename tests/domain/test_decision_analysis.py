"""The weighted-sum decision analysis: ranks, sensitivity of the ranking, the portfolio.

The hand-worked cases write their arithmetic beside the assertions. Criteria
(weights 5, 3, 2 → normalized 1/2, 3/10, 1/5): ``benefit`` (a benefit criterion:
value = score), ``cost`` and ``risk`` (cost criteria: value = 6 - score).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from uplift.domain.decision_analysis import (
    Candidate,
    CriterionSpec,
    DecisionAnalysisError,
    as_decimal,
    normalized_weights,
    portfolio,
    rank,
    sensitivity,
    sensitivity_sentences,
)

CRITERIA = [
    CriterionSpec("benefit", "Benefit", 5, "benefit"),
    CriterionSpec("cost", "Cost", 3, "cost"),
    CriterionSpec("risk", "Risk", 2, "cost"),
]
# values (benefit, 6 - cost, 6 - risk) and totals ½·b + 3/10·c + 1/5·r:
# IP-1: (4, 4, 3) → 2 + 1.2 + 0.6 = 3.8
# IP-2: (5, 2, 5) → 2.5 + 0.6 + 1.0 = 4.1
# IP-3: (3, 5, 3) → 1.5 + 1.5 + 0.6 = 3.6
IP1 = Candidate("IP-1", {"benefit": 4, "cost": 2, "risk": 3}, cost=30)
IP2 = Candidate("IP-2", {"benefit": 5, "cost": 4, "risk": 1}, cost=50)
IP3 = Candidate("IP-3", {"benefit": 3, "cost": 1, "risk": 3}, cost=Decimal("20.00"))


def ranks(candidates, criteria):
    return {r.key: r.rank for r in rank(candidates, criteria)}


def ranks_at(candidates, criteria, slug, t):
    """The ranks with ``slug``'s normalized weight set to t and the others scaled."""
    weights = normalized_weights(criteria)
    k = [c.slug for c in criteria].index(slug)
    scale = (1 - t) / (1 - weights[k])
    moved = [
        CriterionSpec(c.slug, c.name, t if j == k else weights[j] * scale, c.direction)
        for j, c in enumerate(criteria)
    ]
    return ranks(candidates, moved)


def by_slug(items, slug):
    return next(item for item in items if item.criterion == slug)


# -- rank ----------------------------------------------------------------------------------


def test_weights_are_normalized_exactly_to_sum_one():
    assert normalized_weights(CRITERIA) == (Fraction(1, 2), Fraction(3, 10), Fraction(1, 5))
    thirds = [CriterionSpec(s, s, Decimal("0.1"), "benefit") for s in "abc"]
    assert normalized_weights(thirds) == (Fraction(1, 3),) * 3


def test_the_total_is_the_weighted_sum_of_values_with_cost_criteria_turned_round():
    ranked = rank([IP1, IP2, IP3], CRITERIA)

    assert [(r.key, r.total, r.rank) for r in ranked] == [
        ("IP-2", Fraction(41, 10), 1),
        ("IP-1", Fraction(38, 10), 2),
        ("IP-3", Fraction(36, 10), 3),
    ]
    ip2 = ranked[0]
    # cost scored 4 counts 6 - 4 = 2, weighing 3/10: 0.6
    cost = by_slug(ip2.contributions, "cost")
    assert (cost.score, cost.value, cost.weight, cost.contribution) == (
        4,
        2,
        Fraction(3, 10),
        Fraction(6, 10),
    )
    assert ip2.complete
    assert ip2.missing == ()


def test_equal_totals_share_a_rank_and_the_next_rank_skips():
    # IP-4: (3, 5, 4) → 1.5 + 1.5 + 0.8 = 3.8, the same as IP-1
    ip4 = Candidate("IP-4", {"benefit": 3, "cost": 1, "risk": 2})

    ranked = rank([IP1, IP2, ip4, IP3], CRITERIA)

    assert [(r.key, r.rank) for r in ranked] == [("IP-2", 1), ("IP-1", 2), ("IP-4", 2), ("IP-3", 4)]


def test_a_candidate_with_missing_scores_is_ranked_after_the_complete_ones_and_flagged():
    # IP-5 scored on benefit only: 1/2 · 5 = 2.5 (not a total to compare with the others)
    ip5 = Candidate("IP-5", {"benefit": 5})
    unscored = Candidate("IP-6", {})

    ranked = rank([ip5, IP3, unscored], CRITERIA)

    assert [(r.key, r.rank, r.complete) for r in ranked] == [
        ("IP-3", 1, True),
        ("IP-5", 2, False),
        ("IP-6", 3, False),
    ]
    assert ranked[1].missing == ("cost", "risk")
    assert ranked[1].total == Fraction(5, 2)
    assert by_slug(ranked[1].contributions, "cost").contribution is None


@pytest.mark.parametrize(
    ("candidates", "criteria", "field"),
    [
        ([IP1], [], "criteria"),
        ([IP1], [CriterionSpec("benefit", "B", -1), *CRITERIA[1:]], "benefit"),
        ([IP1], [CriterionSpec(c.slug, c.name, 0, c.direction) for c in CRITERIA], "weights"),
        ([Candidate("IP-9", {"benefit": 6})], CRITERIA, "scores"),
        ([Candidate("IP-9", {"benefit": 0})], CRITERIA, "scores"),
        ([IP1], [CRITERIA[0], CRITERIA[0]], "criteria"),
        ([IP1], [CriterionSpec("benefit", "B", 1, "upward")], "direction"),
    ],
)
def test_inputs_the_analysis_cannot_use_are_refused_naming_the_field(candidates, criteria, field):
    with pytest.raises(DecisionAnalysisError) as raised:
        rank(candidates, criteria)

    assert raised.value.field == field


# -- sensitivity -----------------------------------------------------------------------------


def test_the_order_and_the_leader_intervals_of_a_criterion_are_its_nearest_crossings():
    # Benefit's weight set to t, cost and risk scaled by (1 - t) / (1 - 1/2):
    # T(t) = t·a + (1 - t)·b, b = (3/10·c + 1/5·r) / (1/2)
    # IP-1: a = 4, b = (1.2 + 0.6) / 0.5 = 3.6 → 3.6 + 0.4t
    # IP-2: a = 5, b = (0.6 + 1.0) / 0.5 = 3.2 → 3.2 + 1.8t
    # IP-3: a = 3, b = (1.5 + 0.6) / 0.5 = 4.2 → 4.2 - 1.2t
    # crossings: IP-2/IP-1 at 1.4t = 0.4 → 2/7; IP-2/IP-3 at 3t = 1 → 1/3;
    # IP-1/IP-3 at 1.6t = 0.6 → 3/8. All below 1/2, none above.
    benefit = by_slug(sensitivity([IP1, IP2, IP3], CRITERIA), "benefit")

    assert benefit.weight == Fraction(1, 2)
    assert benefit.leaders == ("IP-2",)
    assert (benefit.order.low, benefit.order.high) == (Fraction(3, 8), Fraction(1))
    assert benefit.order.low_swap.pairs == (("IP-1", "IP-3"),)
    assert benefit.order.high_swap is None
    assert benefit.first_swap.weight == Fraction(3, 8)
    assert (benefit.leader.low, benefit.leader.high) == (Fraction(1, 3), Fraction(1))
    assert benefit.leader.low_swap.pairs == (("IP-2", "IP-3"),)


def test_the_order_holds_just_inside_the_interval_and_changes_just_outside_it():
    current = ranks([IP1, IP2, IP3], CRITERIA)
    epsilon = Fraction(1, 10**9)
    benefit = by_slug(sensitivity([IP1, IP2, IP3], CRITERIA), "benefit")
    low = benefit.order.low  # 3/8

    assert ranks_at([IP1, IP2, IP3], CRITERIA, "benefit", low + epsilon) == current
    assert ranks_at([IP1, IP2, IP3], CRITERIA, "benefit", Fraction(1)) == current
    # at 3/8 IP-1 and IP-3 tie (3.75 each); below it IP-3 is ahead of IP-1
    assert ranks_at([IP1, IP2, IP3], CRITERIA, "benefit", low) == {
        "IP-2": 1,
        "IP-1": 2,
        "IP-3": 2,
    }
    assert ranks_at([IP1, IP2, IP3], CRITERIA, "benefit", low - epsilon) == {
        "IP-2": 1,
        "IP-3": 2,
        "IP-1": 3,
    }
    # the leader: IP-2 leads down to just above 1/3, IP-3 leads just below it
    leader = benefit.leader.low
    assert ranks_at([IP1, IP2, IP3], CRITERIA, "benefit", leader + epsilon)["IP-2"] == 1
    assert ranks_at([IP1, IP2, IP3], CRITERIA, "benefit", leader - epsilon)["IP-3"] == 1


def test_a_criterion_whose_crossings_lie_above_its_weight_gives_an_upper_bound():
    # Cost's weight t; b = (1/2·benefit + 1/5·risk) / (7/10):
    # IP-1: a = 4, b = 2.6 / 0.7 = 26/7 → 26/7 + 2/7·t
    # IP-2: a = 2, b = 3.5 / 0.7 = 5    → 5 - 3t
    # IP-3: a = 5, b = 2.1 / 0.7 = 3    → 3 + 2t
    # IP-2/IP-1: 9/7 = 23/7·t → t = 9/23; IP-2/IP-3: t = 2/5; IP-1/IP-3: t = 5/12
    cost = by_slug(sensitivity([IP1, IP2, IP3], CRITERIA), "cost")

    assert (cost.order.low, cost.order.high) == (Fraction(0), Fraction(9, 23))
    assert cost.order.low_swap is None
    assert cost.first_swap.pairs == (("IP-2", "IP-1"),)
    assert cost.leader.high == Fraction(9, 23)
    assert cost.order.contains(Fraction(0))
    assert not cost.order.contains(Fraction(9, 23))
    leader_text, order_text = sensitivity_sentences(cost)
    assert leader_text == (
        "The leader stays IP-2 while the weight of Cost stays between 0 and 0.391 "
        "(now 0.3); at 0.391 IP-2 and IP-1 swap."
    )
    assert order_text == (
        "The order stays the same while the weight of Cost stays between 0 and 0.391 "
        "(now 0.3); the first swap is at 0.391: IP-2 and IP-1."
    )


def test_a_tie_that_any_change_of_weight_breaks_is_an_interval_of_one_point():
    # IP-4: (3, 5, 4) ties IP-1 at 3.8; on benefit IP-1 is 3.6 + 0.4t and IP-4 is
    # 4.6 - 1.6t: different slopes, so any other weight separates them.
    ip4 = Candidate("IP-4", {"benefit": 3, "cost": 1, "risk": 2})

    benefit = by_slug(sensitivity([IP1, IP2, ip4], CRITERIA), "benefit")

    assert benefit.order.degenerate
    assert benefit.order.low == benefit.order.high == Fraction(1, 2)
    assert benefit.first_swap.pairs == (("IP-1", "IP-4"),)
    assert not benefit.leader.degenerate


def test_ranks_are_listed_at_a_quarter_and_a_half_more_and_less_weight():
    # benefit at 1/4, 3/8, 5/8, 3/4 (lines of the interval test):
    # 1/4: IP-1 3.7, IP-2 3.65, IP-3 3.9 · 3/8: 3.75, 3.875, 3.75 (IP-1 and IP-3 tie)
    benefit = by_slug(sensitivity([IP1, IP2, IP3], CRITERIA), "benefit")

    table = {s.label: (s.weight, dict(s.ranks)) for s in benefit.scenarios}

    assert table["-50%"] == (Fraction(1, 4), {"IP-3": 1, "IP-1": 2, "IP-2": 3})
    assert table["-25%"] == (Fraction(3, 8), {"IP-2": 1, "IP-1": 2, "IP-3": 2})
    assert table["+25%"] == (Fraction(5, 8), {"IP-2": 1, "IP-1": 2, "IP-3": 3})
    assert table["+50%"] == (Fraction(3, 4), {"IP-2": 1, "IP-1": 2, "IP-3": 3})


def test_a_weight_that_would_pass_one_is_capped():
    # risk is not in this analysis: its scores are left aside
    heavy = [CriterionSpec("benefit", "Benefit", 8), CriterionSpec("cost", "Cost", 2, "cost")]

    benefit = by_slug(sensitivity([IP1, IP2], heavy), "benefit")

    plus_half = next(s for s in benefit.scenarios if s.change == 50)
    assert (plus_half.weight, plus_half.capped) == (Fraction(1), True)


def test_a_criterion_holding_all_the_weight_has_no_interval():
    only = [CriterionSpec("benefit", "Benefit", 1), CriterionSpec("cost", "Cost", 0, "cost")]

    items = sensitivity([IP1, IP2], only)

    benefit = by_slug(items, "benefit")
    assert benefit.order is None
    assert benefit.first_swap is None
    assert "holds all the weight" in sensitivity_sentences(benefit)[0]
    # cost at weight 0: its lines still cross where raising it would reorder
    cost = by_slug(items, "cost")
    assert cost.order.low == 0
    assert cost.order.low_swap is None


def test_only_complete_candidates_are_compared_when_there_are_some():
    # IP-5 (benefit only) and IP-6 (risk only) have partial totals, ranked apart from
    # the complete candidates and not comparable: no swap names them.
    ip5 = Candidate("IP-5", {"benefit": 5})
    ip6 = Candidate("IP-6", {"risk": 1})

    benefit = by_slug(sensitivity([IP1, IP2, ip5, ip6], CRITERIA), "benefit")

    pairs = [
        pair
        for swap in (benefit.order.low_swap, benefit.order.high_swap)
        if swap
        for pair in swap.pairs
    ]
    assert pairs
    assert all("IP-5" not in pair and "IP-6" not in pair for pair in pairs)


def test_without_complete_candidates_the_incomplete_ones_are_compared():
    # benefit only: IP-5 is 1/2·5 = 2.5, IP-7 1/2·4 = 2 at every weight but 0, where
    # both are 0 (benefit's weight t: T = 5t and 4t)
    items = sensitivity(
        [Candidate("IP-5", {"benefit": 5}), Candidate("IP-7", {"benefit": 4})], CRITERIA
    )

    benefit = by_slug(items, "benefit")
    assert benefit.leaders == ("IP-5",)
    assert benefit.order.low_swap.weight == 0
    assert benefit.order.low_swap.pairs == (("IP-5", "IP-7"),)


def test_a_leader_without_any_crossing_stays_whatever_the_weight():
    dominant = Candidate("IP-7", {"benefit": 5, "cost": 1, "risk": 1})

    items = sensitivity([dominant, IP1], CRITERIA)

    assert sensitivity_sentences(by_slug(items, "risk"))[0] == (
        "The leader stays IP-7 whatever the weight of Risk, from 0 to 1."
    )


# -- portfolio -------------------------------------------------------------------------------


def test_the_portfolio_is_the_most_valuable_selection_within_the_budget():
    # budget 60: {IP-2} is worth 4.1 for 50; {IP-1, IP-3} 3.8 + 3.6 = 7.4 for 30 + 20 = 50
    no_cost = Candidate("IP-8", {"benefit": 5, "cost": 1, "risk": 1})
    partial = Candidate("IP-5", {"benefit": 5}, cost=1)
    ranked = rank([IP1, IP2, IP3, no_cost, partial], CRITERIA)

    chosen = portfolio(ranked, Decimal("60"))

    assert [r.key for r in chosen.selected] == ["IP-1", "IP-3"]
    assert (chosen.total_cost, chosen.total_value) == (Fraction(50), Fraction(74, 10))
    assert chosen.remaining == Fraction(10)
    assert [r.key for r in chosen.excluded_no_cost] == ["IP-8"]
    assert [r.key for r in chosen.excluded_incomplete] == ["IP-5"]
    assert [r.key for r in portfolio(ranked, 100).selected] == ["IP-2", "IP-1", "IP-3"]
    assert portfolio(ranked, 0).selected == ()


def test_equal_values_go_to_the_cheaper_selection_then_to_the_better_ranked():
    # A and B tie at 3 (ranks 1 and 1, A first); C is worth 3 as well but costs less.
    criteria = [CriterionSpec("benefit", "Benefit", 1)]
    a = Candidate("A", {"benefit": 3}, cost=10)
    b = Candidate("B", {"benefit": 3}, cost=10)
    c = Candidate("C", {"benefit": 3}, cost=8)

    assert [r.key for r in portfolio(rank([a, b], criteria), 10).selected] == ["A"]
    assert [r.key for r in portfolio(rank([b, a], criteria), 10).selected] == ["B"]
    assert [r.key for r in portfolio(rank([a, b, c], criteria), 10).selected] == ["C"]


def test_a_negative_budget_or_cost_is_refused():
    ranked = rank([IP1], CRITERIA)
    with pytest.raises(DecisionAnalysisError) as raised:
        portfolio(ranked, -1)
    assert raised.value.field == "budget"
    with pytest.raises(DecisionAnalysisError):
        portfolio(rank([Candidate("X", {"benefit": 1, "cost": 1, "risk": 1}, -5)], CRITERIA), 9)


def test_as_decimal_rounds_half_up():
    assert as_decimal(Fraction(9, 23)) == Decimal("0.391")
    assert as_decimal(Fraction(1, 8), 2) == Decimal("0.13")


# -- properties ------------------------------------------------------------------------------

_SLUGS = ("a", "b", "c")
_criteria = st.lists(
    st.tuples(st.integers(0, 6), st.sampled_from(["benefit", "cost"])), min_size=3, max_size=3
).filter(lambda rows: any(weight for weight, _ in rows))


@st.composite
def _candidates(draw, *, allow_missing=True):
    n = draw(st.integers(0, 7))
    candidates = []
    for index in range(n):
        scores = {}
        for slug in _SLUGS:
            if allow_missing and draw(st.integers(0, 9)) == 0:
                continue
            scores[slug] = draw(st.integers(1, 5))
        cost = draw(
            st.one_of(
                st.none(),
                st.integers(0, 30),
                st.decimals(min_value=0, max_value=30, places=2, allow_nan=False),
            )
        )
        candidates.append(Candidate(f"IP-{index}", scores, cost))
    return candidates


def _specs(rows):
    return [
        CriterionSpec(slug, slug.upper(), weight, direction)
        for slug, (weight, direction) in zip(_SLUGS, rows, strict=True)
    ]


@settings(max_examples=300, deadline=None)
@given(rows=_criteria, candidates=_candidates(), budget=st.integers(0, 60))
def test_the_portfolio_equals_the_best_subset_found_by_brute_force(rows, candidates, budget):
    ranked = rank(candidates, _specs(rows))
    eligible = [r for r in ranked if r.complete and r.candidate.cost is not None]

    def key(subset):
        value = sum((r.total for r in subset), Fraction(0))
        cost = sum((Fraction(r.candidate.cost) for r in subset), Fraction(0))
        held = tuple(r in subset for r in eligible)  # the better-ranked where they differ
        return (value, -cost, held)

    feasible = [
        subset
        for size in range(len(eligible) + 1)
        for subset in combinations(eligible, size)
        if sum((Fraction(r.candidate.cost) for r in subset), Fraction(0)) <= budget
    ]
    best = max(feasible, key=key)

    chosen = portfolio(ranked, budget)

    assert chosen.selected == best
    assert chosen.total_cost <= budget
    assert chosen.total_value == sum((r.total for r in best), Fraction(0))


@settings(max_examples=200, deadline=None)
@given(rows=_criteria, candidates=_candidates())
def test_the_order_holds_inside_each_interval_and_changes_at_and_beyond_its_swaps(rows, candidates):
    specs = _specs(rows)
    ranked = rank(candidates, specs)
    compared = {r.key for r in ranked if r.complete} or {r.key for r in ranked}

    def ranks_of_compared(t_ranks):
        return {key: value for key, value in t_ranks.items() if key in compared}

    current = ranks_of_compared(ranks(candidates, specs))
    epsilon = Fraction(1, 10**12)

    for item in sensitivity(candidates, specs):
        if item.order is None:
            continue
        w, low, high = item.weight, item.order.low, item.order.high
        inside = [w] if item.order.degenerate else [(low + w) / 2, (w + high) / 2]
        if item.order.low_swap is None:
            inside.append(low)
        if item.order.high_swap is None:
            inside.append(high)
        for t in inside:
            assert ranks_of_compared(ranks_at(candidates, specs, item.criterion, t)) == current
        for swap, beyond in (
            (item.order.low_swap, item.order.low - epsilon),
            (item.order.high_swap, item.order.high + epsilon),
        ):
            if swap is None or not 0 <= beyond <= 1:
                continue
            at = ranks_of_compared(ranks_at(candidates, specs, item.criterion, swap.weight))
            if not item.order.degenerate:  # a tie now: the crossing is the current weight
                assert at != current
            after = ranks_of_compared(ranks_at(candidates, specs, item.criterion, beyond))
            assert after != current
