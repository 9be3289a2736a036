"""Statistics of measured process performance (issue 4): baselines, control charts,
the evaluation of a change, payback.

Every function is pure: it takes plain numbers (a sequence or a 1-D NumPy array, in
time order where order matters), validates them, and returns a frozen result with
``as_json()``, the shape the CLI's ``--json`` prints. Undefined quantities are
``None`` with a note saying why, never NaN or a sentinel. Bad input raises
:class:`StatisticsError` naming the argument.

What each statistic assumes and where it comes from:

- :func:`describe`: sample standard deviation (``ddof=1``); quantiles by linear
  interpolation between order statistics, Hyndman & Fan (1996) type 7, NumPy's and
  R's default; natural process limits as in :func:`xmr`.
- :func:`xmr`: the individuals and moving-range chart of Wheeler & Chambers,
  *Understanding Statistical Process Control* (2nd ed., 1992) and Wheeler,
  *Understanding Variation* (2000): limits ``mean ± 2.66 * mean moving range``
  (2.66 = 3 / d2 with d2 = 1.128 for ranges of two) and the moving-range limit
  ``3.268 * mean moving range`` (D4 for n = 2). The values must be in time order: the
  moving ranges estimate the short-term (within-process) variation, so the limits
  show what the process does when nothing special happens. Run rules after the
  Western Electric *Statistical Quality Control Handbook* (1956) and Nelson, "The
  Shewhart control chart: tests for special causes", JQT 16(4), 1984.
- :func:`p_chart`, :func:`u_chart`: Shewhart's 3-sigma attribute charts with per-point
  limits (Montgomery, *Introduction to Statistical Quality Control*, ch. 7): the
  p-chart assumes each item is defective independently with a common probability
  (binomial), the u-chart that counts arise independently at a common rate per unit
  of exposure (Poisson).
- :func:`evaluate`: Welch's t-test, Welch (1947) "The generalization of 'Student's'
  problem when several different population variances are involved", Biometrika 34,
  with the Welch-Satterthwaite degrees of freedom; the Mann-Whitney U test, Mann &
  Whitney (1947), Ann. Math. Statist. 18; Hedges' g, Hedges & Olkin, *Statistical
  Methods for Meta-Analysis* (1985), with the exact gamma-function correction; the
  percentile bootstrap, Efron (1979) and Efron & Tibshirani, *An Introduction to the
  Bootstrap* (1993), ch. 13. The assumptions are returned in words with the result.
- :func:`payback`: simple (undiscounted) payback time.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import stats as scipy_stats

__all__ = [
    "ASSUMPTIONS",
    "MR_LIMIT_FACTOR",
    "RUN_LENGTH",
    "TREND_LENGTH",
    "XMR_LIMIT_FACTOR",
    "AttributeChart",
    "BaselineSummary",
    "Direction",
    "Evaluation",
    "Payback",
    "Signal",
    "SignalRule",
    "StatisticsError",
    "Verdict",
    "XmrChart",
    "describe",
    "evaluate",
    "p_chart",
    "payback",
    "u_chart",
    "xmr",
    "xmr_phases",
]

FloatArray = npt.NDArray[np.float64]
Values = Sequence[float] | FloatArray
Direction = Literal["higher", "lower"]

XMR_LIMIT_FACTOR = 2.66  # 3 / d2, d2 = 1.128 for moving ranges of two points (Wheeler)
MR_LIMIT_FACTOR = 3.268  # D4 for subgroups of two (Wheeler)
RUN_LENGTH = 8  # points in a row on one side of the center (Western Electric, Wheeler)
TREND_LENGTH = 6  # points in a row rising or falling (Nelson 1984, test 3)

# Bootstrap index matrices are drawn in blocks of at most this many cells, so that
# memory stays bounded (about 32 MB) whatever the group size.
_BOOTSTRAP_BLOCK_CELLS = 1 << 22


class StatisticsError(ValueError):
    """Input a statistic cannot use; ``argument`` names the offending parameter."""

    def __init__(self, message: str, *, argument: str = "") -> None:
        super().__init__(message)
        self.argument = argument


def _as_values(values: Values, name: str, *, minimum: int) -> FloatArray:
    """A 1-D float array of finite numbers with at least ``minimum`` of them."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise StatisticsError(f"{name} must be numbers: {error}", argument=name) from None
    if array.ndim != 1:
        raise StatisticsError(f"{name} must be a flat sequence of numbers", argument=name)
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        index = int(bad[0])
        raise StatisticsError(
            f"{name}[{index}] is {array[index]}, not a finite number", argument=name
        )
    if array.size < minimum:
        raise StatisticsError(
            f"{name} has {array.size} value{'' if array.size == 1 else 's'}; "
            f"at least {minimum} are needed",
            argument=name,
        )
    return array


def _finite(value: float, name: str) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise StatisticsError(f"{name} is {number}, not a finite number", argument=name)
    return number


# --- control charts -------------------------------------------------------------------


class SignalRule(StrEnum):
    """The run rules flagged on a control chart."""

    BEYOND_LIMITS = "beyond_limits"  # a point strictly above the UCL or below the LCL
    RUN_OF_8 = "run_of_8"  # 8 points in a row strictly on one side of the center line
    TREND_OF_6 = "trend_of_6"  # 6 points in a row, each strictly above (below) the last


_RULE_ORDER = {rule: order for order, rule in enumerate(SignalRule)}


@dataclass(frozen=True)
class Signal:
    """A run rule met at ``index``: the 0-based index of the point completing it."""

    rule: SignalRule
    index: int

    def as_json(self) -> dict[str, object]:
        return {"rule": self.rule.value, "index": self.index}


@dataclass(frozen=True)
class XmrChart:
    """An individuals and moving-range chart.

    ``values`` are the chart's points; ``start`` is the index of the first of them in
    the whole series (0 unless the chart is a phase of :func:`xmr_phases`), and every
    index reported (signals, ``limits_from``) counts from the start of the whole
    series. ``moving_ranges[k]`` is ``|values[k+1] - values[k]|``.
    """

    values: tuple[float, ...]
    moving_ranges: tuple[float, ...]
    center: float
    mr_bar: float
    ucl: float
    lcl: float
    mr_ucl: float
    limits_from: tuple[int, int]  # [start, stop) of the points the limits come from
    signals: tuple[Signal, ...]
    mr_signals: tuple[int, ...]  # index i: |x[i] - x[i-1]| is above mr_ucl
    start: int = 0

    def as_json(self) -> dict[str, object]:
        """The shape of ``uplift measurements xmr --json``."""
        return {
            "n": len(self.values),
            "start": self.start,
            "center": self.center,
            "mr_bar": self.mr_bar,
            "ucl": self.ucl,
            "lcl": self.lcl,
            "mr_ucl": self.mr_ucl,
            "limits_from": list(self.limits_from),
            "signals": [signal.as_json() for signal in self.signals],
            "mr_signals": list(self.mr_signals),
        }


def _run_rule_signals(
    values: FloatArray, center: float, lcl: float, ucl: float, offset: int
) -> tuple[Signal, ...]:
    """The three run rules, each as a sliding window.

    A rule signals at every point that completes a qualifying window: a run of 10
    points above the center signals at its 8th, 9th and 10th point (as Minitab does),
    so a longer run keeps showing on the chart. A point on the center line breaks a
    run; two equal consecutive points break a trend.
    """
    signals = [
        Signal(SignalRule.BEYOND_LIMITS, offset + int(i))
        for i in np.flatnonzero((values > ucl) | (values < lcl))
    ]
    sides = np.sign(values - center).tolist()
    steps = np.sign(np.diff(values)).tolist()
    run = 0
    trend = 0  # consecutive steps in the same direction
    for i in range(len(sides)):
        if sides[i] == 0:
            run = 0
        elif i and sides[i] == sides[i - 1]:
            run += 1
        else:
            run = 1
        if run >= RUN_LENGTH:
            signals.append(Signal(SignalRule.RUN_OF_8, offset + i))
        if i:
            step = steps[i - 1]
            if step == 0:
                trend = 0
            elif i > 1 and step == steps[i - 2]:
                trend += 1
            else:
                trend = 1
            if trend >= TREND_LENGTH - 1:
                signals.append(Signal(SignalRule.TREND_OF_6, offset + i))
    return tuple(sorted(signals, key=lambda s: (s.index, _RULE_ORDER[s.rule])))


def _xmr_chart(values: FloatArray, *, start: int, limits_from: tuple[int, int]) -> XmrChart:
    low, high = limits_from
    base = values[low - start : high - start]
    center = float(base.mean())
    mr_bar = float(np.abs(np.diff(base)).mean())
    ucl = center + XMR_LIMIT_FACTOR * mr_bar
    lcl = center - XMR_LIMIT_FACTOR * mr_bar
    mr_ucl = MR_LIMIT_FACTOR * mr_bar
    moving_ranges = np.abs(np.diff(values))
    return XmrChart(
        values=tuple(float(v) for v in values),
        moving_ranges=tuple(float(r) for r in moving_ranges),
        center=center,
        mr_bar=mr_bar,
        ucl=ucl,
        lcl=lcl,
        mr_ucl=mr_ucl,
        limits_from=limits_from,
        signals=_run_rule_signals(values, center, lcl, ucl, start),
        mr_signals=tuple(start + int(i) + 1 for i in np.flatnonzero(moving_ranges > mr_ucl)),
        start=start,
    )


def xmr(values: Values, *, limits_from: tuple[int, int] | None = None) -> XmrChart:
    """The XmR chart of ``values`` (in time order), with its run-rule signals.

    The center line is the mean and the natural process limits are
    ``center ± 2.66 * mr_bar``, where ``mr_bar`` is the mean of the moving ranges
    ``|x[i] - x[i-1]|`` (Wheeler). ``limits_from=(start, stop)`` computes center and
    limits from the points ``values[start:stop]`` only (a baseline period, at least two
    points) and judges every point against them: the usual way to see whether later
    data departs from the baseline. Limits are not floored at 0 for measures that
    cannot be negative: the chart shows where the process would go.

    Signals (see :class:`SignalRule`) use strict comparisons: a point on a limit is
    not beyond it, a point on the center line is on neither side. The moving-range
    chart's limit is ``3.268 * mr_bar``; ranges above it are listed in ``mr_signals``.

    Raises :class:`StatisticsError` for fewer than two points, non-finite values or a
    ``limits_from`` outside the series.
    """
    array = _as_values(values, "values", minimum=2)
    window = _limits_window(limits_from, array.size)
    return _xmr_chart(array, start=0, limits_from=window)


def _limits_window(limits_from: tuple[int, int] | None, size: int) -> tuple[int, int]:
    if limits_from is None:
        return (0, size)
    low, high = (int(bound) for bound in limits_from)
    if not 0 <= low < high <= size or high - low < 2:
        raise StatisticsError(
            f"limits_from ({low}, {high}) must be a range of at least 2 of the "
            f"{size} points, [start, stop) with 0 <= start < stop <= {size}",
            argument="limits_from",
        )
    return (low, high)


def xmr_phases(values: Values, change_at: Sequence[int]) -> tuple[XmrChart, ...]:
    """XmR charts of the phases of a series split at the indices ``change_at``.

    Each phase ``values[c_k:c_k+1]`` gets its own center and limits, computed from its
    own points; the moving range across a change is left out, since it mixes two
    levels. A chart of the phases shows a change in the process's level as a step in
    the center line (issue 4). Each phase's ``start`` places it in the series, and its
    signals use indices of the whole series.

    Raises :class:`StatisticsError` unless the change indices increase strictly and
    every phase has at least two points.
    """
    array = _as_values(values, "values", minimum=2)
    bounds = [0, *(int(c) for c in change_at), array.size]
    for low, high in itertools.pairwise(bounds):
        if high - low < 2:
            raise StatisticsError(
                f"change_at {list(change_at)} leaves the phase [{low}, {high}) with fewer "
                f"than 2 of the {array.size} points",
                argument="change_at",
            )
    return tuple(
        _xmr_chart(array[low:high], start=low, limits_from=(low, high))
        for low, high in itertools.pairwise(bounds)
    )


@dataclass(frozen=True)
class AttributeChart:
    """A p-chart (proportions) or u-chart (rates) with per-point 3-sigma limits.

    ``values[i]`` is the point's proportion or rate, ``sizes[i]`` its sample size or
    exposure, ``lcl[i]``/``ucl[i]`` its limits (they widen for small samples).
    """

    kind: Literal["p", "u"]
    center: float
    values: tuple[float, ...]
    sizes: tuple[float, ...]
    lcl: tuple[float, ...]
    ucl: tuple[float, ...]
    signals: tuple[Signal, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "center": self.center,
            "values": list(self.values),
            "sizes": list(self.sizes),
            "lcl": list(self.lcl),
            "ucl": list(self.ucl),
            "signals": [signal.as_json() for signal in self.signals],
        }


def _counts(values: Values, name: str) -> FloatArray:
    array = _as_values(values, name, minimum=1)
    bad = np.flatnonzero((array < 0) | (array != np.floor(array)))
    if bad.size:
        index = int(bad[0])
        raise StatisticsError(
            f"{name}[{index}] is {array[index]}, not a whole number >= 0", argument=name
        )
    return array


def _sizes(values: Values, name: str, length: int) -> FloatArray:
    array = _as_values(values, name, minimum=1)
    if array.size != length:
        raise StatisticsError(f"{name} has {array.size} values for {length} counts", argument=name)
    bad = np.flatnonzero(array <= 0)
    if bad.size:
        index = int(bad[0])
        raise StatisticsError(f"{name}[{index}] is {array[index]}, not > 0", argument=name)
    return array


def _attribute_chart(
    kind: Literal["p", "u"],
    center: float,
    points: FloatArray,
    sizes: FloatArray,
    sigma: FloatArray,
) -> AttributeChart:
    lcl = np.maximum(center - 3 * sigma, 0.0)
    ucl = center + 3 * sigma
    if kind == "p":
        ucl = np.minimum(ucl, 1.0)
    beyond = np.flatnonzero((points > ucl) | (points < lcl))
    return AttributeChart(
        kind=kind,
        center=center,
        values=tuple(float(v) for v in points),
        sizes=tuple(float(n) for n in sizes),
        lcl=tuple(float(v) for v in lcl),
        ucl=tuple(float(v) for v in ucl),
        signals=tuple(Signal(SignalRule.BEYOND_LIMITS, int(i)) for i in beyond),
    )


def p_chart(defectives: Values, sample_sizes: Values) -> AttributeChart:
    """The p-chart of ``defectives[i]`` out of ``sample_sizes[i]`` items.

    ``p̄ = Σ defectives / Σ sample sizes``; point i's limits are
    ``p̄ ± 3 √(p̄ (1 - p̄) / n_i)``, the lower floored at 0 and the upper capped at 1.
    Assumes binomial counts: items defective independently, with one probability.
    Only points beyond their limits are signalled (run rules need equal sizes).

    Raises :class:`StatisticsError` for counts that are not whole numbers, sizes that
    are not positive whole numbers, a count above its size or unequal lengths.
    """
    counts = _counts(defectives, "defectives")
    sizes = _sizes(sample_sizes, "sample_sizes", counts.size)
    _counts(sizes, "sample_sizes")
    over = np.flatnonzero(counts > sizes)
    if over.size:
        index = int(over[0])
        raise StatisticsError(
            f"defectives[{index}] = {counts[index]:g} exceeds its sample size {sizes[index]:g}",
            argument="defectives",
        )
    center = float(counts.sum() / sizes.sum())
    sigma = np.sqrt(center * (1 - center) / sizes)
    return _attribute_chart("p", center, counts / sizes, sizes, sigma)


def u_chart(counts: Values, exposures: Values) -> AttributeChart:
    """The u-chart of ``counts[i]`` events over ``exposures[i]`` units (e.g. KLOC).

    ``ū = Σ counts / Σ exposures``; point i's limits are ``ū ± 3 √(ū / a_i)``, the
    lower floored at 0. Assumes Poisson counts: events independent, at one rate per
    unit of exposure. Only points beyond their limits are signalled.

    Raises :class:`StatisticsError` for counts that are not whole numbers >= 0,
    exposures that are not > 0 or unequal lengths.
    """
    events = _counts(counts, "counts")
    sizes = _sizes(exposures, "exposures", events.size)
    center = float(events.sum() / sizes.sum())
    sigma = np.sqrt(center / sizes)
    return _attribute_chart("u", center, events / sizes, sizes, sigma)


# --- baseline -------------------------------------------------------------------------


@dataclass(frozen=True)
class BaselineSummary:
    """What a baseline records about a measure over a period.

    Quantiles are Hyndman & Fan type 7 (linear interpolation, NumPy's default);
    ``sd`` is the sample standard deviation; ``lower_limit``/``upper_limit`` are the
    XmR natural process limits ``mean ± 2.66 * mr_bar`` of the values in the order
    given, so they are meaningful only when the values are in time order.
    """

    n: int
    mean: float
    sd: float
    median: float
    q1: float
    q3: float
    p10: float
    p90: float
    min: float
    max: float
    mr_bar: float
    lower_limit: float
    upper_limit: float

    def as_json(self) -> dict[str, object]:
        return {
            "n": self.n,
            "mean": self.mean,
            "sd": self.sd,
            "median": self.median,
            "q1": self.q1,
            "q3": self.q3,
            "p10": self.p10,
            "p90": self.p90,
            "min": self.min,
            "max": self.max,
            "mr_bar": self.mr_bar,
            "lower_limit": self.lower_limit,
            "upper_limit": self.upper_limit,
        }


def describe(values: Values) -> BaselineSummary:
    """The baseline statistics of ``values`` (in time order; at least two).

    Raises :class:`StatisticsError` for fewer than two or non-finite values.
    """
    array = _as_values(values, "values", minimum=2)
    p10, q1, median, q3, p90 = (
        float(q) for q in np.percentile(array, [10, 25, 50, 75, 90], method="linear")
    )
    chart = _xmr_chart(array, start=0, limits_from=(0, array.size))
    return BaselineSummary(
        n=int(array.size),
        mean=chart.center,
        sd=float(array.std(ddof=1)),
        median=median,
        q1=q1,
        q3=q3,
        p10=p10,
        p90=p90,
        min=float(array.min()),
        max=float(array.max()),
        mr_bar=chart.mr_bar,
        lower_limit=chart.lcl,
        upper_limit=chart.ucl,
    )


# --- evaluation of a change -----------------------------------------------------------

ASSUMPTIONS = (
    "Observations are independent, within and between the two groups: no "
    "autocorrelation and no unit measured in both (use a paired design otherwise); "
    "runs or trends on the XmR chart of either period break this.",
    "Any difference is attributed to the change only if nothing else changed between "
    "the periods or groups; the tests measure a difference, not its cause.",
    "Welch's t-test compares the means without assuming equal variances; it assumes "
    "each group's mean is close to normally distributed: true for normal data, and by "
    "the central limit theorem for large enough groups (30 or more is a common rule; "
    "skewed data needs more).",
    "The Mann-Whitney U test assumes only that values can be ordered; it tests "
    "whether a value after the change tends to be larger (or smaller) than one before "
    "(stochastic dominance), a difference of medians only when both distributions "
    "have the same shape.",
    "The percentile bootstrap interval treats each group as representative of its "
    "process and resamples the groups independently; with small groups it is too "
    "narrow.",
    "Hedges' g scales the difference by the pooled standard deviation, which presumes "
    "a similar spread in both groups.",
)


@dataclass(frozen=True)
class Verdict:
    """The judgment of an evaluation and what it rests on.

    ``significant``: Welch's p below ``alpha = 1 - confidence`` (None when the test is
    undefined). ``change``: the sign of a significant difference. ``improved``: a
    significant change in the better ``direction`` (None without a direction).
    ``objective``: against ``target``, a change (after - before) in the measure's unit:
    ``met`` when the whole bootstrap interval lies at or beyond the target in the
    better direction, ``not_met`` when it lies wholly short of it, else
    ``inconclusive``; None without a target.
    """

    alpha: float
    significant: bool | None
    change: Literal["increase", "decrease", "no_detectable_change", "undetermined"]
    direction: Direction | None
    improved: bool | None
    target: float | None
    objective: Literal["met", "not_met", "inconclusive"] | None
    summary: str
    assumptions: tuple[str, ...]
    notes: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "alpha": self.alpha,
            "significant": self.significant,
            "change": self.change,
            "direction": self.direction,
            "improved": self.improved,
            "target": self.target,
            "objective": self.objective,
            "summary": self.summary,
            "assumptions": list(self.assumptions),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Evaluation:
    """Before against after: see :func:`evaluate` for each field's definition."""

    n_before: int
    n_after: int
    mean_before: float
    mean_after: float
    sd_before: float
    sd_after: float
    difference: float
    percent_change: float | None
    welch_t: float | None
    welch_df: float | None
    welch_p: float | None
    mannwhitney_u: float
    mannwhitney_p: float | None
    mannwhitney_method: Literal["exact", "asymptotic"]
    hedges_g: float | None
    ci_low: float
    ci_high: float
    confidence: float
    n_boot: int
    seed: int | None
    verdict: Verdict

    def as_json(self) -> dict[str, object]:
        """The shape of ``uplift measurements evaluate --json``."""
        return {
            "n_before": self.n_before,
            "n_after": self.n_after,
            "mean_before": self.mean_before,
            "mean_after": self.mean_after,
            "sd_before": self.sd_before,
            "sd_after": self.sd_after,
            "difference": self.difference,
            "percent_change": self.percent_change,
            "welch_t": self.welch_t,
            "welch_df": self.welch_df,
            "welch_p": self.welch_p,
            "mannwhitney_u": self.mannwhitney_u,
            "mannwhitney_p": self.mannwhitney_p,
            "mannwhitney_method": self.mannwhitney_method,
            "hedges_g": self.hedges_g,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "confidence": self.confidence,
            "n_boot": self.n_boot,
            "seed": self.seed,
            "verdict": self.verdict.as_json(),
        }


def _welch(
    after: FloatArray, before: FloatArray
) -> tuple[float | None, float | None, float | None]:
    """Welch's t, Welch-Satterthwaite df and two-sided p of mean(after) - mean(before)."""
    var_a = float(after.var(ddof=1)) / after.size
    var_b = float(before.var(ddof=1)) / before.size
    se2 = var_a + var_b
    if se2 == 0:
        return None, None, None
    t = (float(after.mean()) - float(before.mean())) / math.sqrt(se2)
    df = se2**2 / (var_a**2 / (after.size - 1) + var_b**2 / (before.size - 1))
    p = min(1.0, float(2 * scipy_stats.t.sf(abs(t), df)))
    return t, df, p


def _mann_whitney(
    after: FloatArray, before: FloatArray
) -> tuple[float, float | None, Literal["exact", "asymptotic"]]:
    """U of ``after``, its two-sided p, and the method used for p.

    U counts the pairs (a, b) with a > b, ties counting one half: ``U / (n_a n_b)``
    estimates P(after > before) + ½ P(tie). It equals
    ``scipy.stats.mannwhitneyu(after, before).statistic``. The p-value is exact when
    one group has at most 8 values and no value is tied, else asymptotic (normal) with
    the tie correction of the variance and a continuity correction of ½: SciPy's
    ``method="auto"`` rule (SciPy 1.17), written out here so that it stays put.
    """
    pooled = np.concatenate([after, before])
    ranks = scipy_stats.rankdata(pooled)
    u = float(ranks[: after.size].sum()) - after.size * (after.size + 1) / 2
    ties = np.unique(pooled).size < pooled.size
    method: Literal["exact", "asymptotic"] = (
        "asymptotic" if (after.size > 8 and before.size > 8) or ties else "exact"
    )
    if np.all(pooled == pooled[0]):
        return u, None, method
    result = scipy_stats.mannwhitneyu(
        after, before, use_continuity=True, alternative="two-sided", method=method
    )
    return u, float(result.pvalue), method


def _hedges_g(after: FloatArray, before: FloatArray) -> float | None:
    """Hedges' g of after - before with the exact small-sample correction J.

    ``d = (mean_a - mean_b) / s_pooled``, ``J(m) = Γ(m/2) / (√(m/2) Γ((m-1)/2))`` with
    ``m = n_a + n_b - 2`` (Hedges & Olkin 1985, eq. 5.10); the common approximation
    ``1 - 3 / (4m - 1)`` differs from J by less than 0.001 for m >= 8.
    """
    m = after.size + before.size - 2
    pooled = (
        (after.size - 1) * float(after.var(ddof=1)) + (before.size - 1) * float(before.var(ddof=1))
    ) / m
    if pooled == 0:
        return None
    d = (float(after.mean()) - float(before.mean())) / math.sqrt(pooled)
    correction = math.exp(math.lgamma(m / 2) - math.lgamma((m - 1) / 2)) / math.sqrt(m / 2)
    return correction * d


def _bootstrap_means(values: FloatArray, n_boot: int, rng: np.random.Generator) -> FloatArray:
    """Means of ``n_boot`` resamples with replacement, drawn in bounded blocks."""
    rows = max(1, _BOOTSTRAP_BLOCK_CELLS // values.size)
    means = np.empty(n_boot, dtype=np.float64)
    for first in range(0, n_boot, rows):
        last = min(n_boot, first + rows)
        indices = rng.integers(0, values.size, size=(last - first, values.size))
        means[first:last] = values[indices].mean(axis=1)
    return means


def _bootstrap_interval(
    after: FloatArray,
    before: FloatArray,
    *,
    n_boot: int,
    confidence: float,
    seed: int | None,
) -> tuple[float, float]:
    """Percentile bootstrap interval of mean(after) - mean(before) (Efron).

    ``numpy.random.default_rng(seed)`` draws the ``before`` resamples first, then the
    ``after`` ones; the interval's ends are the ``(1 ± confidence) / 2`` quantiles
    (type 7) of the ``n_boot`` differences.
    """
    rng = np.random.default_rng(seed)
    before_means = _bootstrap_means(before, n_boot, rng)
    after_means = _bootstrap_means(after, n_boot, rng)
    alpha = 1 - confidence
    low, high = np.quantile(after_means - before_means, [alpha / 2, 1 - alpha / 2])
    return float(low), float(high)


def evaluate(
    before: Values,
    after: Values,
    *,
    seed: int | None = None,
    n_boot: int = 10_000,
    confidence: float = 0.95,
    direction: Direction | None = None,
    target: float | None = None,
) -> Evaluation:
    """Compare a measure before and after a change (or a comparison and a pilot group).

    - ``difference`` = mean(after) - mean(before); ``percent_change`` =
      ``100 * difference / |mean(before)|`` (None when mean(before) is 0), so its
      sign is the sign of the difference.
    - ``welch_t``, ``welch_df``, ``welch_p``: Welch's t of after - before with the
      Welch-Satterthwaite degrees of freedom, two-sided; None when both groups have
      no variation (the standard error is 0). Equal to
      ``scipy.stats.ttest_ind(after, before, equal_var=False)``.
    - ``mannwhitney_u``, ``mannwhitney_p``: U of the ``after`` group and the two-sided
      p: exact when a group has at most 8 values and none is tied, else the normal
      approximation with tie and continuity corrections (``mannwhitney_method`` says
      which); None when every value is equal.
    - ``hedges_g``: the bias-corrected standardized difference (after - before), None
      when both groups have no variation.
    - ``ci_low``, ``ci_high``: the percentile bootstrap interval of the difference at
      ``confidence`` from ``n_boot`` resamples of each group; ``seed`` makes it
      repeatable.
    - ``verdict``: see :class:`Verdict`; ``direction`` is the better direction of the
      measure, ``target`` the change the objective asks for (after - before, signed,
      in the measure's unit; needs ``direction``).

    Raises :class:`StatisticsError` for a group with fewer than two values, non-finite
    values, ``confidence`` outside (0, 1), ``n_boot`` below 100, an unknown
    ``direction`` or a ``target`` without one.
    """
    before_values = _as_values(before, "before", minimum=2)
    after_values = _as_values(after, "after", minimum=2)
    if not 0 < confidence < 1:
        raise StatisticsError(
            f"confidence must be between 0 and 1, not {confidence}", argument="confidence"
        )
    if n_boot < 100:
        raise StatisticsError(f"n_boot must be at least 100, not {n_boot}", argument="n_boot")
    if direction not in (None, "higher", "lower"):
        raise StatisticsError(
            f"direction must be 'higher', 'lower' or None, not {direction!r}",
            argument="direction",
        )
    if target is not None:
        target = _finite(target, "target")
        if direction is None:
            raise StatisticsError(
                "a target needs a direction ('higher' or 'lower' is better)", argument="target"
            )

    mean_before = float(before_values.mean())
    mean_after = float(after_values.mean())
    difference = mean_after - mean_before
    welch_t, welch_df, welch_p = _welch(after_values, before_values)
    u, mw_p, mw_method = _mann_whitney(after_values, before_values)
    ci_low, ci_high = _bootstrap_interval(
        after_values, before_values, n_boot=n_boot, confidence=confidence, seed=seed
    )
    evaluation = Evaluation(
        n_before=int(before_values.size),
        n_after=int(after_values.size),
        mean_before=mean_before,
        mean_after=mean_after,
        sd_before=float(before_values.std(ddof=1)),
        sd_after=float(after_values.std(ddof=1)),
        difference=difference,
        percent_change=None if mean_before == 0 else 100 * difference / abs(mean_before),
        welch_t=welch_t,
        welch_df=welch_df,
        welch_p=welch_p,
        mannwhitney_u=u,
        mannwhitney_p=mw_p,
        mannwhitney_method=mw_method,
        hedges_g=_hedges_g(after_values, before_values),
        ci_low=ci_low,
        ci_high=ci_high,
        confidence=confidence,
        n_boot=n_boot,
        seed=seed,
        verdict=_UNJUDGED,  # replaced just below: the verdict reads the fields above
    )
    return _with_verdict(evaluation, direction=direction, target=target)


_UNJUDGED = Verdict(
    alpha=0.0,
    significant=None,
    change="undetermined",
    direction=None,
    improved=None,
    target=None,
    objective=None,
    summary="",
    assumptions=(),
    notes=(),
)


def _with_verdict(
    evaluation: Evaluation, *, direction: Direction | None, target: float | None
) -> Evaluation:
    e = evaluation
    alpha = round(1 - e.confidence, 12)  # 0.05, not 1 - 0.95 = 0.050000000000000044
    notes: list[str] = []
    significant = None if e.welch_p is None else e.welch_p < alpha
    change: Literal["increase", "decrease", "no_detectable_change", "undetermined"]
    if significant is None:
        change = "undetermined"
        notes.append(
            "Neither group varies, so Welch's t (and Hedges' g) is undefined; "
            "significance cannot be judged."
        )
    elif not significant:
        change = "no_detectable_change"
    else:
        change = "increase" if e.difference > 0 else "decrease"
    improved = None
    if direction is not None and significant is not None:
        improved = change == ("increase" if direction == "higher" else "decrease")

    objective: Literal["met", "not_met", "inconclusive"] | None = None
    if target is not None:
        if direction == "higher":
            met, missed = e.ci_low >= target, e.ci_high < target
        else:
            met, missed = e.ci_high <= target, e.ci_low > target
        objective = "met" if met else "not_met" if missed else "inconclusive"

    if min(e.n_before, e.n_after) < 30:
        notes.append(
            f"A group has fewer than 30 values (before {e.n_before}, after {e.n_after}): "
            "the t-test leans on normal data and the bootstrap interval is optimistic."
        )
    if e.mannwhitney_p is None:
        notes.append("Every value is equal, so the Mann-Whitney test has nothing to rank.")
    elif e.mannwhitney_method == "asymptotic" and min(e.n_before, e.n_after) <= 8:
        notes.append(
            "Tied values: the Mann-Whitney p-value is the normal approximation with a "
            "tie correction, rough for groups this small."
        )
    inside = e.ci_low <= 0 <= e.ci_high
    if significant is not None and significant == inside:
        notes.append(
            "The bootstrap interval and Welch's test disagree on whether the difference "
            "is zero; the evidence is borderline."
        )
    if e.seed is None:
        notes.append("No seed was given: the bootstrap interval varies from run to run.")

    verdict = Verdict(
        alpha=alpha,
        significant=significant,
        change=change,
        direction=direction,
        improved=improved,
        target=target,
        objective=objective,
        summary=_summary(e, change, alpha, improved, objective, target),
        assumptions=ASSUMPTIONS,
        notes=tuple(notes),
    )
    return replace(e, verdict=verdict)


def _summary(
    e: Evaluation,
    change: str,
    alpha: float,
    improved: bool | None,
    objective: str | None,
    target: float | None,
) -> str:
    percent = "" if e.percent_change is None else f" ({e.percent_change:+.3g}%)"
    interval = f"{e.confidence:.0%} CI [{e.ci_low:.4g}, {e.ci_high:.4g}]"
    text = f"The mean changed by {e.difference:+.4g}{percent}, {interval}. "
    if change == "undetermined":
        text += "Welch's test is undefined (no variation in either group)."
    elif change == "no_detectable_change":
        text += f"Welch's p = {e.welch_p:.3g} >= {alpha:.3g}: no detectable change."
    else:
        text += f"Welch's p = {e.welch_p:.3g} < {alpha:.3g}: a significant {change}"
        if improved is not None:
            text += ", an improvement" if improved else ", a deterioration"
        text += "."
    if objective is not None:
        words = {"met": "met", "not_met": "not met", "inconclusive": "not shown either way"}
        text += f" The target change of {target:+.4g} is {words[objective]}."
    return text


# --- payback --------------------------------------------------------------------------


@dataclass(frozen=True)
class Payback:
    """Time to recover a one-off cost from a monthly net benefit.

    ``months = cost / (benefit - running_cost)`` when the benefit exceeds the running
    cost, else None (never recovered). With a benefit interval, ``months_low`` is the
    shortest time (from the interval's high benefit) and ``months_high`` the longest
    (from its low benefit); each None when that benefit does not exceed the running
    cost. Undiscounted: no interest, benefit constant from the first month.
    """

    cost: float
    running_cost: float
    benefit: float
    months: float | None
    benefit_low: float | None = None
    benefit_high: float | None = None
    months_low: float | None = None
    months_high: float | None = None

    def as_json(self) -> dict[str, object]:
        """The shape of ``uplift measurements payback --json``."""
        return {
            "cost": self.cost,
            "running_cost": self.running_cost,
            "benefit": self.benefit,
            "net_benefit": self.benefit - self.running_cost,
            "months": self.months,
            "benefit_low": self.benefit_low,
            "benefit_high": self.benefit_high,
            "months_low": self.months_low,
            "months_high": self.months_high,
        }


def _months(cost: float, running_cost: float, benefit: float) -> float | None:
    return cost / (benefit - running_cost) if benefit > running_cost else None


def payback(
    cost: float,
    running_cost: float,
    benefit: float,
    *,
    benefit_ci: tuple[float, float] | None = None,
) -> Payback:
    """The months needed to recover ``cost`` from ``benefit - running_cost`` a month.

    ``benefit_ci=(low, high)`` (e.g. the bootstrap interval of the measured benefit,
    converted to money) gives the range of payback times. Raises
    :class:`StatisticsError` for a negative or non-finite cost or running cost, a
    non-finite benefit or an interval whose low end exceeds its high end.
    """
    cost = _finite(cost, "cost")
    running_cost = _finite(running_cost, "running_cost")
    benefit = _finite(benefit, "benefit")
    for name, value in (("cost", cost), ("running_cost", running_cost)):
        if value < 0:
            raise StatisticsError(f"{name} must be >= 0, not {value:g}", argument=name)
    result = Payback(cost, running_cost, benefit, _months(cost, running_cost, benefit))
    if benefit_ci is None:
        return result
    low, high = (_finite(bound, "benefit_ci") for bound in benefit_ci)
    if low > high:
        raise StatisticsError(
            f"benefit_ci ({low:g}, {high:g}) has its low end above its high end",
            argument="benefit_ci",
        )
    return Payback(
        cost,
        running_cost,
        benefit,
        result.months,
        benefit_low=low,
        benefit_high=high,
        months_low=_months(cost, running_cost, high),
        months_high=_months(cost, running_cost, low),
    )
