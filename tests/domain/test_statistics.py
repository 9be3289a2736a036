"""The statistics of issue 4: hand-worked cases, SciPy/NumPy on fixed data, invariants.

Each hand-worked case shows its arithmetic in comments; where the computation is the
same as NumPy's or SciPy's the comparison is exact, otherwise the tolerance is tight.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from uplift.domain.statistics import (
    ASSUMPTIONS,
    Direction,
    Signal,
    SignalRule,
    StatisticsError,
    describe,
    evaluate,
    p_chart,
    payback,
    u_chart,
    xmr,
    xmr_phases,
)

BEYOND, RUN, TREND = SignalRule.BEYOND_LIMITS, SignalRule.RUN_OF_8, SignalRule.TREND_OF_6


def rules(chart_signals: tuple[Signal, ...]) -> list[tuple[str, int]]:
    return [(signal.rule.value, signal.index) for signal in chart_signals]


# --- describe ---------------------------------------------------------------------------


def test_describe_a_hand_worked_baseline() -> None:
    summary = describe([1, 2, 3, 4, 10])

    # mean = 20 / 5 = 4; squared deviations 9 + 4 + 1 + 0 + 36 = 50; sd = √(50 / 4)
    assert (summary.n, summary.mean, summary.sd) == (5, 4.0, math.sqrt(12.5))
    # type 7: h = (n - 1) p = 4p; p10: h = 0.4 → 1 + 0.4 (2 - 1) = 1.4; q1: h = 1 → 2;
    # median: h = 2 → 3; q3: h = 3 → 4; p90: h = 3.6 → 4 + 0.6 (10 - 4) = 7.6
    assert summary.p10 == pytest.approx(1.4, abs=1e-12)
    assert (summary.q1, summary.median, summary.q3) == (2.0, 3.0, 4.0)
    assert summary.p90 == pytest.approx(7.6, abs=1e-12)
    assert (summary.min, summary.max) == (1.0, 10.0)
    # moving ranges 1, 1, 1, 6 → mr_bar = 9 / 4 = 2.25; limits 4 ± 2.66 * 2.25 = 4 ± 5.985
    assert summary.mr_bar == 2.25
    assert summary.lower_limit == pytest.approx(-1.985, abs=1e-12)
    assert summary.upper_limit == pytest.approx(9.985, abs=1e-12)


def test_describe_agrees_with_numpy_and_scipy() -> None:
    values = np.random.default_rng(4).lognormal(mean=2, sigma=0.7, size=137)

    summary = describe(values)

    p10, q1, median, q3, p90 = np.percentile(values, [10, 25, 50, 75, 90])
    assert (summary.p10, summary.q1, summary.median, summary.q3, summary.p90) == (
        p10,
        q1,
        median,
        q3,
        p90,
    )
    reference = scipy.stats.describe(values)
    assert summary.n == reference.nobs
    assert summary.mean == pytest.approx(reference.mean, rel=1e-14)
    assert summary.sd == pytest.approx(math.sqrt(reference.variance), rel=1e-14)
    assert (summary.min, summary.max) == tuple(reference.minmax)


def test_describe_needs_two_finite_values() -> None:
    with pytest.raises(StatisticsError, match="values has 1 value; at least 2 are needed"):
        describe([3.0])
    with pytest.raises(StatisticsError, match=r"values\[1\] is nan, not a finite number"):
        describe([1.0, math.nan])


def test_describe_as_json_has_the_baseline_fields() -> None:
    assert list(describe([1, 2]).as_json()) == [
        "n",
        "mean",
        "sd",
        "median",
        "q1",
        "q3",
        "p10",
        "p90",
        "min",
        "max",
        "mr_bar",
        "lower_limit",
        "upper_limit",
    ]


# --- XmR ----------------------------------------------------------------------------


def test_xmr_flags_a_run_of_8_and_a_point_beyond_the_limits() -> None:
    chart = xmr([1, 1, 1, 1, 1, 1, 1, 1, 9])

    # center = 17 / 9; moving ranges 0 * 7 and 8 → mr_bar = 8 / 8 = 1
    assert chart.center == pytest.approx(17 / 9, abs=1e-15)
    assert chart.mr_bar == 1.0
    # ucl = 1.889 + 2.66 = 4.549, lcl = 1.889 - 2.66 = -0.771, mr_ucl = 3.268
    assert chart.ucl == pytest.approx(17 / 9 + 2.66, abs=1e-15)
    assert chart.lcl == pytest.approx(17 / 9 - 2.66, abs=1e-15)
    assert chart.mr_ucl == 3.268
    # points 0..7 are below 1.889: the run completes at index 7; 9 > 4.549 at index 8
    assert rules(chart.signals) == [("run_of_8", 7), ("beyond_limits", 8)]
    # the range 8 from index 7 to 8 is above 3.268
    assert chart.mr_signals == (8,)


def test_a_longer_run_signals_again_at_each_further_point() -> None:
    chart = xmr([1] * 10 + [13, 13])

    # center = (10 + 26) / 12 = 3; mr_bar = 12 / 11 = 1.0909; ucl = 3 + 2.9018 = 5.9018
    assert chart.center == 3.0
    assert chart.ucl == pytest.approx(3 + 2.66 * 12 / 11, abs=1e-15)
    # ten points below 3: windows of 8 end at indices 7, 8, 9
    assert rules(chart.signals) == [
        ("run_of_8", 7),
        ("run_of_8", 8),
        ("run_of_8", 9),
        ("beyond_limits", 10),
        ("beyond_limits", 11),
    ]


def test_xmr_flags_six_rising_points_at_the_sixth_and_after() -> None:
    chart = xmr([1, 2, 3, 4, 5, 6, 7])

    # center 4, mr_bar 1: limits 1.34 and 6.66, so 1 and 7 are beyond them;
    # 1 < 2 < … < 6 completes a trend at index 5 and 2 < … < 7 again at index 6
    assert (chart.center, chart.mr_bar) == (4.0, 1.0)
    assert (chart.ucl, chart.lcl) == pytest.approx((6.66, 1.34), abs=1e-15)
    assert rules(chart.signals) == [
        ("beyond_limits", 0),
        ("trend_of_6", 5),
        ("beyond_limits", 6),
        ("trend_of_6", 6),
    ]


def test_falling_points_make_a_trend_and_a_tie_breaks_it() -> None:
    # center 45/7 = 6.43, mr_bar 7/6: limits 3.33 to 9.53, every point inside
    assert rules(xmr([9, 8, 7, 6, 5, 4, 6]).signals) == [("trend_of_6", 5)]
    # 9 8 7 7 6 5 4: the tie at index 3 leaves runs of 3 and 4 falling points
    tied = xmr([9, 8, 7, 7, 6, 5, 4]).signals
    assert [signal for signal in tied if signal.rule == TREND] == []


def test_a_point_on_the_center_line_breaks_a_run() -> None:
    # limits from the first two points: center 0, mr_bar 2, limits ±5.32
    baseline = [-1.0, 1.0]
    broken = baseline + [-1.0] * 7 + [0.0] + [-1.0] * 7

    assert xmr(broken, limits_from=(0, 2)).signals == ()
    # one more point below completes 8 in a row at index 17
    assert rules(xmr([*broken, -1.0], limits_from=(0, 2)).signals) == [("run_of_8", 17)]


def test_a_point_on_a_limit_is_not_beyond_it() -> None:
    ucl = xmr([0.0, 1.0]).ucl  # 0.5 + 2.66

    on_limit = xmr([0.0, 1.0, ucl], limits_from=(0, 2))
    above = xmr([0.0, 1.0, math.nextafter(ucl, math.inf)], limits_from=(0, 2))

    assert on_limit.signals == ()
    assert rules(above.signals) == [("beyond_limits", 2)]


def test_limits_from_a_baseline_judge_the_later_points() -> None:
    chart = xmr([10, 12, 11, 13, 12, 20, 12], limits_from=(0, 5))

    # baseline 10 12 11 13 12: center 58 / 5 = 11.6; ranges 2 1 2 1 → 1.5;
    # ucl = 11.6 + 3.99 = 15.59, so 20 at index 5 is beyond
    assert chart.center == pytest.approx(11.6, abs=1e-15)
    assert chart.mr_bar == 1.5
    assert chart.ucl == pytest.approx(15.59, abs=1e-12)
    assert chart.limits_from == (0, 5)
    assert rules(chart.signals) == [("beyond_limits", 5)]
    # all seven moving ranges are on the chart; 8 and 8 exceed 3.268 * 1.5 = 4.902
    assert chart.moving_ranges == (2.0, 1.0, 2.0, 1.0, 8.0, 8.0)
    assert chart.mr_signals == (5, 6)


@pytest.mark.parametrize("window", [(0, 1), (3, 3), (-1, 2), (0, 8), (5, 2)])
def test_limits_from_must_be_a_range_of_two_points_or_more(window: tuple[int, int]) -> None:
    with pytest.raises(StatisticsError, match="limits_from") as raised:
        xmr([1, 2, 3, 4, 5, 6, 7], limits_from=window)

    assert raised.value.argument == "limits_from"


def test_xmr_needs_two_points() -> None:
    with pytest.raises(StatisticsError, match="at least 2 are needed"):
        xmr([5])


def test_xmr_as_json_is_the_cli_contract() -> None:
    assert xmr([1, 1, 1, 1, 1, 1, 1, 1, 9]).as_json() == {
        "n": 9,
        "start": 0,
        "center": 17 / 9,
        "mr_bar": 1.0,
        "ucl": 17 / 9 + 2.66,
        "lcl": 17 / 9 - 2.66,
        "mr_ucl": 3.268,
        "limits_from": [0, 9],
        "signals": [{"rule": "run_of_8", "index": 7}, {"rule": "beyond_limits", "index": 8}],
        "mr_signals": [8],
    }


def test_phases_have_their_own_limits_and_leave_out_the_range_across_the_change() -> None:
    before, after = xmr_phases([1, 2, 1, 2, 11, 12, 11, 12], [4])

    # before: center 1.5, ranges 1 1 1 → 1; after: center 11.5, ranges 1 1 1 → 1
    # (the range 9 from index 3 to 4 belongs to neither phase)
    assert (before.start, before.center, before.mr_bar, before.ucl) == (0, 1.5, 1.0, 4.16)
    assert (after.start, after.center, after.mr_bar, after.limits_from) == (4, 11.5, 1.0, (4, 8))
    assert after.ucl == pytest.approx(14.16, abs=1e-12)


def test_phase_signals_count_from_the_start_of_the_series() -> None:
    values = [5, 6, 5, 6, 5, 6, 1, 2, 3, 4, 5, 6]

    _, later = xmr_phases(values, [6])

    # the rising 1..6 starts at index 6 of the series and completes at index 11
    assert TREND in {signal.rule for signal in later.signals}
    assert rules(later.signals)[-1] == ("trend_of_6", 11)


@pytest.mark.parametrize("changes", [[1], [3, 4], [6], [4, 2]])
def test_each_phase_needs_two_points(changes: list[int]) -> None:
    with pytest.raises(StatisticsError, match="fewer than 2"):
        xmr_phases([1, 2, 3, 4, 5, 6, 7], changes)


def _windows(values: list[float], center: float, lcl: float, ucl: float) -> set[tuple[str, int]]:
    """The run rules by their definition, window by window (the oracle)."""
    found = {("beyond_limits", i) for i, x in enumerate(values) if x > ucl or x < lcl}
    for i in range(7, len(values)):
        window = values[i - 7 : i + 1]
        if all(x > center for x in window) or all(x < center for x in window):
            found.add(("run_of_8", i))
    for i in range(5, len(values)):
        pairs = list(zip(values[i - 5 : i], values[i - 4 : i + 1], strict=True))
        if all(a < b for a, b in pairs) or all(a > b for a, b in pairs):
            found.add(("trend_of_6", i))
    return found


series = st.lists(st.integers(-20, 20).map(float), min_size=2, max_size=60)


@given(series)
@settings(max_examples=300, deadline=None)
def test_xmr_signals_are_exactly_the_windows_meeting_each_rule(values: list[float]) -> None:
    chart = xmr(values)

    assert set(rules(chart.signals)) == _windows(values, chart.center, chart.lcl, chart.ucl)
    indices = [signal.index for signal in chart.signals]
    assert indices == sorted(indices)
    assert len(set(rules(chart.signals))) == len(chart.signals)


@given(st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=60))
@settings(max_examples=200, deadline=None)
def test_xmr_limits_are_symmetric_about_the_center(values: list[float]) -> None:
    chart = xmr(values)

    assert chart.ucl - chart.center == pytest.approx(chart.center - chart.lcl, abs=1e-6)
    assert chart.lcl <= chart.center <= chart.ucl
    assert chart.mr_ucl == pytest.approx(3.268 * chart.mr_bar, rel=1e-12)


# --- attribute charts -----------------------------------------------------------------


def test_p_chart_hand_worked() -> None:
    chart = p_chart([40, 44, 36, 80, 20], [400] * 5)

    # p̄ = 220 / 2000 = 0.11; sigma = √(0.11 * 0.89 / 400) = 0.0156445; 3 sigma = 0.0469335
    sigma = math.sqrt(0.11 * 0.89 / 400)
    assert chart.center == 0.11
    assert chart.values == (0.1, 0.11, 0.09, 0.2, 0.05)
    assert chart.ucl[0] == pytest.approx(0.11 + 3 * sigma, abs=1e-15)  # 0.1569
    assert chart.lcl[0] == pytest.approx(0.11 - 3 * sigma, abs=1e-15)  # 0.0631
    # 0.2 > 0.1569 and 0.05 < 0.0631
    assert rules(chart.signals) == [("beyond_limits", 3), ("beyond_limits", 4)]


def test_p_chart_limits_are_per_point_floored_at_0_and_capped_at_1() -> None:
    chart = p_chart([1, 1, 0], [1, 2, 100])

    # p̄ = 2 / 103; point 0: sigma = √(p̄ (1 - p̄) / 1) = 0.137, so ucl 0.43 and lcl < 0
    center = 2 / 103
    assert chart.center == center
    assert chart.ucl[0] == pytest.approx(center + 3 * math.sqrt(center * (1 - center)))
    assert chart.lcl == (0.0, 0.0, 0.0)
    assert rules(chart.signals) == [("beyond_limits", 0), ("beyond_limits", 1)]
    assert p_chart([1, 1], [1, 2]).ucl == (1.0, 1.0)  # p̄ = 2/3: 2/3 + 3 * 0.47 > 1


def test_u_chart_hand_worked() -> None:
    chart = u_chart([2, 3, 40], [2, 2, 4])

    # ū = 45 / 8 = 5.625; point 2: sigma = √(5.625 / 4) = 1.18585, limits 2.0674 to 9.1826;
    # points 0, 1: sigma = √(5.625 / 2) = 1.67705, limits 0.5938 to 10.6562
    assert chart.center == 5.625
    assert chart.values == (1.0, 1.5, 10.0)
    assert chart.ucl[2] == pytest.approx(5.625 + 3 * math.sqrt(5.625 / 4), abs=1e-14)
    assert chart.lcl[0] == pytest.approx(5.625 - 3 * math.sqrt(5.625 / 2), abs=1e-14)
    assert rules(chart.signals) == [("beyond_limits", 2)]


@pytest.mark.parametrize(
    ("defectives", "sizes", "message"),
    [
        ([5], [4], r"defectives\[0\] = 5 exceeds its sample size 4"),
        ([1.5], [4], r"defectives\[0\] is 1.5, not a whole number >= 0"),
        ([-1], [4], r"defectives\[0\] is -1.0, not a whole number >= 0"),
        ([1, 2], [4], "sample_sizes has 1 values for 2 counts"),
        ([1], [0], r"sample_sizes\[0\] is 0.0, not > 0"),
        ([1], [2.5], r"sample_sizes\[0\] is 2.5, not a whole number >= 0"),
    ],
)
def test_p_chart_rejects_impossible_counts(
    defectives: list[float], sizes: list[float], message: str
) -> None:
    with pytest.raises(StatisticsError, match=message):
        p_chart(defectives, sizes)


def test_u_chart_takes_fractional_exposures_but_whole_counts() -> None:
    assert u_chart([3], [1.5]).center == 2.0
    with pytest.raises(StatisticsError, match=r"counts\[0\] is 0.5"):
        u_chart([0.5], [1.0])
    with pytest.raises(StatisticsError, match=r"exposures\[1\] is -1.0, not > 0"):
        u_chart([1, 1], [1.0, -1.0])


# --- evaluate -------------------------------------------------------------------------

BEFORE = [1.0, 2.0, 3.0]
AFTER = [4.0, 5.0, 6.0, 7.0]
# Groups far apart, without ties: cycle times (lower is better) that fell by about 3.
SLOW = [12.1, 11.4, 13.0, 12.6, 11.8, 12.9, 12.2, 11.5, 13.3, 12.4]
FAST = [9.2, 8.8, 9.9, 9.1, 8.4, 9.6, 9.3, 8.9, 9.7, 9.0]


def test_welch_hand_worked() -> None:
    result = evaluate(BEFORE, AFTER, seed=1, n_boot=1000)

    # means 2 and 5.5; variances 1 and (2.25 + .25 + .25 + 2.25) / 3 = 5/3
    # se² = 1/3 + (5/3)/4 = 0.75; t = 3.5 / √0.75 = 4.0415
    # df = 0.75² / ((1/3)² / 2 + (5/12)² / 3) = 0.5625 / (49/432) = 243/49 = 4.959
    assert (result.mean_before, result.mean_after, result.difference) == (2.0, 5.5, 3.5)
    assert result.percent_change == 175.0
    assert result.welch_t == pytest.approx(3.5 / math.sqrt(0.75), rel=1e-14)
    assert result.welch_df == pytest.approx(243 / 49, rel=1e-14)
    reference = scipy.stats.ttest_ind(AFTER, BEFORE, equal_var=False)
    assert result.welch_t == pytest.approx(reference.statistic, rel=1e-14)
    assert result.welch_p == pytest.approx(reference.pvalue, rel=1e-12)


def test_mann_whitney_exact_hand_worked() -> None:
    result = evaluate([1, 2, 3], [4, 5, 6], seed=1, n_boot=1000)

    # every after value beats every before value: U = 3 * 3 = 9, the most extreme of the
    # C(6, 3) = 20 equally likely rankings; two-sided exact p = 2 / 20
    assert (result.mannwhitney_u, result.mannwhitney_method) == (9.0, "exact")
    assert result.mannwhitney_p == pytest.approx(0.1, abs=1e-15)


def test_mann_whitney_with_ties_is_asymptotic_with_tie_and_continuity_corrections() -> None:
    result = evaluate([1, 2, 2], [2, 3, 4], seed=1, n_boot=1000)

    # pooled 1 2 2 2 3 4 → ranks 1, 3 3 3, 5, 6; after's ranks 3 + 5 + 6 = 14
    # U = 14 - 3 * 4 / 2 = 8; mean n1 n2 / 2 = 4.5
    # var = 9/12 * (7 - (3³ - 3) / (6 * 5)) = 0.75 * 6.2 = 4.65
    # z = (8 - 4.5 - 0.5) / √4.65; p = erfc(z / √2)
    z = 3 / math.sqrt(4.65)
    assert (result.mannwhitney_u, result.mannwhitney_method) == (8.0, "asymptotic")
    assert result.mannwhitney_p == pytest.approx(math.erfc(z / math.sqrt(2)), rel=1e-12)


def test_hedges_g_hand_worked_with_the_exact_correction() -> None:
    result = evaluate(BEFORE, AFTER, seed=1, n_boot=1000)

    # pooled variance (2 * 1 + 3 * 5/3) / 5 = 1.4; d = 3.5 / √1.4 = 2.958
    # m = 5: J = Γ(2.5) / (√2.5 Γ(2)) = 0.84075 (the approximation 1 - 3/19 = 0.8421)
    j = math.gamma(2.5) / (math.sqrt(2.5) * math.gamma(2))
    assert result.hedges_g == pytest.approx(j * 3.5 / math.sqrt(1.4), rel=1e-14)


def test_evaluate_agrees_with_scipy_on_fixed_data() -> None:
    rng = np.random.default_rng(20240)
    before = rng.normal(10, 2, 45)
    after = rng.gamma(4, 2.2, 60)

    result = evaluate(before, after, seed=7)

    welch = scipy.stats.ttest_ind(after, before, equal_var=False)
    assert result.welch_t == pytest.approx(welch.statistic, rel=1e-12)
    assert result.welch_df == pytest.approx(welch.df, rel=1e-12)
    assert result.welch_p == pytest.approx(welch.pvalue, rel=1e-10)
    mwu = scipy.stats.mannwhitneyu(after, before)
    assert (result.mannwhitney_u, result.mannwhitney_p) == (mwu.statistic, mwu.pvalue)
    assert result.mannwhitney_method == "asymptotic"


def test_u_refers_to_the_after_group() -> None:
    forward = evaluate(BEFORE, AFTER, seed=1, n_boot=1000)
    backward = evaluate(AFTER, BEFORE, seed=1, n_boot=1000)

    # U(after) counts the 12 pairs in which after wins; U(before) the 0 others
    assert (forward.mannwhitney_u, backward.mannwhitney_u) == (12.0, 0.0)
    assert forward.mannwhitney_p == backward.mannwhitney_p


def test_bootstrap_is_the_percentile_interval_of_independent_resamples() -> None:
    before = np.array([3.1, 4.0, 2.2, 5.3, 4.4, 3.9, 4.8])
    after = np.array([5.0, 6.1, 4.2, 5.9, 7.3, 5.5])

    result = evaluate(before, after, seed=11, n_boot=2000, confidence=0.9)

    # the same resampling written out: before's index matrix, then after's, one rng
    rng = np.random.default_rng(11)
    before_means = before[rng.integers(0, 7, size=(2000, 7))].mean(axis=1)
    after_means = after[rng.integers(0, 6, size=(2000, 6))].mean(axis=1)
    low, high = np.quantile(after_means - before_means, [0.05, 0.95])
    assert (result.ci_low, result.ci_high) == (low, high)


def test_bootstrap_agrees_with_scipy_bootstrap() -> None:
    rng = np.random.default_rng(3)
    before = rng.normal(20, 4, 80)
    after = rng.normal(18, 3, 70)

    result = evaluate(before, after, seed=5)

    def mean_difference(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
        return a.mean(axis=axis) - b.mean(axis=axis)

    reference = scipy.stats.bootstrap(
        (after, before),
        mean_difference,
        method="percentile",
        n_resamples=10_000,
        rng=np.random.default_rng(6),
    ).confidence_interval
    width = reference.high - reference.low
    # two Monte Carlo estimates of the same interval: within 3% of its width
    assert result.ci_low == pytest.approx(reference.low, abs=0.03 * width)
    assert result.ci_high == pytest.approx(reference.high, abs=0.03 * width)


def test_a_seed_makes_the_interval_repeatable() -> None:
    before, after = SLOW, FAST  # enough distinct values for the interval to vary

    first = evaluate(before, after, seed=42)
    again = evaluate(before, after, seed=42)
    other = evaluate(before, after, seed=43)

    assert (first.ci_low, first.ci_high) == (again.ci_low, again.ci_high)
    assert (first.ci_low, first.ci_high) != (other.ci_low, other.ci_high)


def test_large_groups_are_resampled_in_blocks() -> None:
    rng = np.random.default_rng(8)
    before = rng.normal(0, 1, 5000)

    result = evaluate(before, before + 0.5, seed=1, n_boot=1000)

    assert result.ci_low < 0.5 < result.ci_high
    assert result.ci_high - result.ci_low == pytest.approx(2 * 1.96 * math.sqrt(2 / 5000), 0.15)


def test_groups_without_variation_leave_t_and_g_undefined() -> None:
    result = evaluate([1.0, 1.0, 1.0], [2.0, 2.0], seed=1, n_boot=100)

    assert (result.welch_t, result.welch_df, result.welch_p, result.hedges_g) == (
        None,
        None,
        None,
        None,
    )
    assert (result.ci_low, result.ci_high) == (1.0, 1.0)
    assert result.mannwhitney_u == 6.0  # all 6 pairs won by after
    assert result.verdict.significant is None
    assert result.verdict.change == "undetermined"
    assert "Welch's t (and Hedges' g) is undefined" in result.verdict.notes[0]


def test_identical_constant_groups_have_no_mann_whitney_p() -> None:
    result = evaluate([4.0, 4.0], [4.0, 4.0, 4.0], seed=1, n_boot=100)

    assert (result.mannwhitney_u, result.mannwhitney_p) == (3.0, None)
    assert "nothing to rank" in " ".join(result.verdict.notes)


def test_percent_change_is_none_for_a_zero_baseline_and_signed_like_the_difference() -> None:
    assert evaluate([-1.0, 1.0], [2.0, 3.0], seed=1, n_boot=100).percent_change is None
    # before mean -2, after mean -1: difference +1 is +50% of |-2|
    assert evaluate([-3.0, -1.0], [-2.0, 0.0], seed=1, n_boot=100).percent_change == 50.0


@pytest.mark.parametrize(
    ("kwargs", "argument", "message"),
    [
        ({"before": [1.0]}, "before", "before has 1 value; at least 2 are needed"),
        ({"after": []}, "after", "after has 0 values; at least 2 are needed"),
        ({"after": [1.0, math.inf]}, "after", r"after\[1\] is inf"),
        ({"confidence": 1.0}, "confidence", "confidence must be between 0 and 1"),
        ({"n_boot": 99}, "n_boot", "n_boot must be at least 100"),
        ({"direction": "up"}, "direction", "direction must be 'higher', 'lower' or None"),
        ({"target": 1.0}, "target", "a target needs a direction"),
    ],
)
def test_evaluate_rejects_unusable_input(
    kwargs: dict[str, object], argument: str, message: str
) -> None:
    arguments: dict[str, object] = {"before": BEFORE, "after": AFTER, **kwargs}

    with pytest.raises(StatisticsError, match=message) as raised:
        evaluate(**arguments)  # type: ignore[arg-type]

    assert raised.value.argument == argument


@pytest.mark.parametrize(
    ("direction", "target", "improved", "objective"),
    [
        ("lower", -2.0, True, "met"),  # the whole interval is below -2
        ("lower", -5.0, True, "not_met"),  # the whole interval is above -5
        ("lower", -3.1, True, "inconclusive"),  # -3.1 lies inside the interval
        ("higher", None, False, None),  # a significant fall is a deterioration
        (None, None, None, None),
    ],
)
def test_the_verdict_judges_direction_and_target(
    direction: Direction | None,
    target: float | None,
    improved: bool | None,
    objective: str | None,
) -> None:
    result = evaluate(SLOW, FAST, seed=3, direction=direction, target=target)

    verdict = result.verdict
    assert result.ci_low < -3.1 < result.ci_high  # the premise of the "inconclusive" row
    assert (verdict.significant, verdict.change, verdict.alpha) == (True, "decrease", 0.05)
    assert (verdict.improved, verdict.objective, verdict.target) == (improved, objective, target)
    assert verdict.assumptions == ASSUMPTIONS


def test_no_detectable_change_when_welch_p_is_above_alpha() -> None:
    result = evaluate([1.0, 3.0, 2.0, 4.0], [2.0, 3.0, 1.0, 4.5], seed=1, direction="higher")

    assert result.welch_p is not None
    assert result.welch_p > 0.05
    assert (result.verdict.significant, result.verdict.change) == (False, "no_detectable_change")
    assert result.verdict.improved is False
    assert "no detectable change" in result.verdict.summary


def test_the_assumptions_are_stated_in_words() -> None:
    text = " ".join(ASSUMPTIONS)

    for words in (
        "independent",
        "without assuming equal variances",
        "central limit theorem",
        "stochastic dominance",
        "bootstrap",
        "pooled standard deviation",
    ):
        assert words in text


def test_evaluation_as_json_has_the_cli_contract_keys() -> None:
    data = evaluate(BEFORE, AFTER, seed=1, n_boot=1000).as_json()

    assert {
        "n_before",
        "n_after",
        "mean_before",
        "mean_after",
        "difference",
        "percent_change",
        "welch_t",
        "welch_p",
        "mannwhitney_u",
        "mannwhitney_p",
        "hedges_g",
        "ci_low",
        "ci_high",
    } <= set(data)
    verdict = data["verdict"]
    assert isinstance(verdict, dict)
    assert verdict["assumptions"] == list(ASSUMPTIONS)


groups = st.lists(st.integers(-50, 50).map(float), min_size=2, max_size=25)


@given(groups, groups)
@settings(max_examples=60, deadline=None)
def test_swapping_the_groups_negates_the_difference(
    before: list[float], after: list[float]
) -> None:
    forward = evaluate(before, after, seed=0, n_boot=100)
    backward = evaluate(after, before, seed=0, n_boot=100)

    assert forward.difference == -backward.difference
    assert forward.mannwhitney_u + backward.mannwhitney_u == len(before) * len(after)
    if forward.welch_t is not None and backward.welch_t is not None:
        assert forward.welch_t == pytest.approx(-backward.welch_t, rel=1e-12)
        assert forward.welch_p == pytest.approx(backward.welch_p, rel=1e-9)


@given(groups, groups, st.integers(-1000, 1000))
@settings(max_examples=60, deadline=None)
def test_adding_a_constant_to_both_groups_leaves_the_tests_unchanged(
    before: list[float], after: list[float], shift: int
) -> None:
    plain = evaluate(before, after, seed=0, n_boot=100)
    shifted = evaluate([x + shift for x in before], [x + shift for x in after], seed=0, n_boot=100)

    assert shifted.difference == pytest.approx(plain.difference, abs=1e-9)
    assert (shifted.mannwhitney_u, shifted.mannwhitney_p) == (
        plain.mannwhitney_u,
        plain.mannwhitney_p,
    )
    if plain.welch_p is None:
        assert shifted.welch_p is None
    else:
        assert shifted.welch_p == pytest.approx(plain.welch_p, rel=1e-6, abs=1e-12)
        assert shifted.hedges_g == pytest.approx(plain.hedges_g, rel=1e-6, abs=1e-12)


# --- payback --------------------------------------------------------------------------


def test_payback_hand_worked() -> None:
    result = payback(1200, 100, 400, benefit_ci=(150, 700))

    # 1200 / (400 - 100) = 4; shortest 1200 / (700 - 100) = 2; longest 1200 / 50 = 24
    assert (result.months, result.months_low, result.months_high) == (4.0, 2.0, 24.0)
    assert result.as_json()["net_benefit"] == 300.0


def test_payback_is_none_when_the_benefit_does_not_exceed_the_running_cost() -> None:
    assert payback(1000, 50, 50).months is None
    assert payback(1000, 50, 30).as_json()["months"] is None
    # the interval's low end does not cover the running cost: it may never pay back
    partial = payback(1000, 50, 250, benefit_ci=(20, 550))
    assert (partial.months, partial.months_low, partial.months_high) == (5.0, 2.0, None)


def test_nothing_to_recover_takes_no_time() -> None:
    assert payback(0, 0, 10).months == 0.0


@pytest.mark.parametrize(
    ("arguments", "benefit_ci", "message"),
    [
        ((-1, 0, 10), None, "cost must be >= 0, not -1"),
        ((100, -5, 10), None, "running_cost must be >= 0, not -5"),
        ((100, 0, math.nan), None, "benefit is nan, not a finite number"),
        ((100, 0, 10), (20, 5), r"benefit_ci \(20, 5\) has its low end above its high end"),
    ],
)
def test_payback_rejects_impossible_costs(
    arguments: tuple[float, float, float], benefit_ci: tuple[float, float] | None, message: str
) -> None:
    with pytest.raises(StatisticsError, match=message):
        payback(*arguments, benefit_ci=benefit_ci)
