"""The deployment rules (uplift.domain.deployment): gates, target moves, monitoring."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from uplift.domain.deployment import (
    TARGET_TRANSITIONS,
    BurnupPoint,
    CriterionOutcome,
    DeploymentRuleError,
    burnup,
    confirmation_missing,
    deployed_share_check,
    measure_improved_check,
    peak_overlap,
    slippage_days,
    target_transition_check,
    training_check,
)

D = dt.date


# measure_improved_check ---------------------------------------------------------------


def test_a_lower_is_better_measure_that_fell_twenty_percent_significantly_passes_ten() -> None:
    # Cycle time 10 days → 8 days: 20 % better; interval of after - before [-3, -1].
    outcome = measure_improved_check(
        direction="lower",
        mean_before=10.0,
        mean_after=8.0,
        ci_low=-3.0,
        ci_high=-1.0,
        threshold_percent=10,
    )

    assert outcome.passed is True
    assert outcome.figures["percent_better"] == pytest.approx(20.0)
    assert outcome.figures["significant"] is True
    assert "20 % better" in outcome.detail


def test_a_measure_better_by_less_than_the_threshold_fails_and_says_what_is_needed() -> None:
    # 10 → 9.5: 5 % better, significant, but 10 % is asked.
    outcome = measure_improved_check(
        direction="lower",
        mean_before=10.0,
        mean_after=9.5,
        ci_low=-0.8,
        ci_high=-0.2,
        threshold_percent=10,
    )

    assert outcome.passed is False
    assert outcome.detail == (
        "The measure moved 5 % better (10 → 9.5); at least 10 % better is needed."
    )


def test_a_large_change_whose_interval_crosses_zero_is_not_significant() -> None:
    outcome = measure_improved_check(
        direction="lower",
        mean_before=10.0,
        mean_after=7.0,
        ci_low=-6.0,
        ci_high=0.5,
        threshold_percent=10,
    )

    assert outcome.passed is False
    assert outcome.figures["significant"] is False
    assert "not significant" in outcome.detail


def test_a_higher_is_better_measure_uses_the_lower_bound_and_the_rise() -> None:
    # Yield 50 → 60: 20 % better; interval [2, 18] entirely above zero.
    passed = measure_improved_check(
        direction="higher",
        mean_before=50.0,
        mean_after=60.0,
        ci_low=2.0,
        ci_high=18.0,
        threshold_percent=15,
    )
    # The same numbers read as lower-is-better are 20 % worse.
    worse = measure_improved_check(
        direction="lower",
        mean_before=50.0,
        mean_after=60.0,
        ci_low=2.0,
        ci_high=18.0,
        threshold_percent=15,
    )

    assert passed.passed is True
    assert worse.passed is False
    assert worse.figures["percent_better"] == pytest.approx(-20.0)
    assert "20 % worse" in worse.detail


def test_a_negative_mean_before_uses_its_size_for_the_percent() -> None:
    # Higher is better, -10 → -5: rose by 5, 50 % of |-10|.
    outcome = measure_improved_check(
        direction="higher",
        mean_before=-10.0,
        mean_after=-5.0,
        ci_low=1.0,
        ci_high=9.0,
        threshold_percent=50,
    )

    assert outcome.passed is True
    assert outcome.figures["percent_better"] == pytest.approx(50.0)


def test_exactly_the_threshold_passes() -> None:
    outcome = measure_improved_check(
        direction="lower",
        mean_before=100.0,
        mean_after=90.0,
        ci_low=-15.0,
        ci_high=-5.0,
        threshold_percent=10,
    )

    assert outcome.passed is True


@pytest.mark.parametrize(
    ("before", "after", "low", "high"),
    [
        (None, 8.0, -1.0, -0.5),
        (10.0, None, -1.0, -0.5),
        (10.0, 8.0, None, -0.5),
        (10.0, 8.0, -1.0, None),
        (10.0, float("nan"), -1.0, -0.5),
    ],
)
def test_missing_figures_mean_not_enough_data(
    before: float | None, after: float | None, low: float | None, high: float | None
) -> None:
    outcome = measure_improved_check(
        direction="lower",
        mean_before=before,
        mean_after=after,
        ci_low=low,
        ci_high=high,
        threshold_percent=10,
    )

    assert outcome == CriterionOutcome(
        False,
        "Not enough data: the evaluation gave no before/after means.",
        {
            "direction": "lower",
            "mean_before": before,
            "mean_after": after,
            "ci_low": low,
            "ci_high": high,
            "threshold_percent": 10,
            "percent_better": None,
            "significant": None,
        },
    )


def test_a_zero_mean_before_has_no_percent_change() -> None:
    outcome = measure_improved_check(
        direction="higher",
        mean_before=0.0,
        mean_after=3.0,
        ci_low=1.0,
        ci_high=5.0,
        threshold_percent=10,
    )

    assert outcome.passed is False
    assert "mean before is 0" in outcome.detail


def test_an_unknown_direction_is_refused() -> None:
    with pytest.raises(DeploymentRuleError, match="Unknown direction"):
        measure_improved_check(
            direction="sideways",  # type: ignore[arg-type]
            mean_before=1.0,
            mean_after=2.0,
            ci_low=0.5,
            ci_high=1.5,
            threshold_percent=10,
        )


# training_check -------------------------------------------------------------------


def test_training_fails_listing_the_targets_below_lowest_first() -> None:
    outcome = training_check(
        percents={"Alpha": 90, "Bravo": 75, "Charlie": 80, "Delta": 40}, threshold=80
    )

    assert outcome.passed is False
    assert outcome.detail == "2 targets below 80 % training: Delta (40 %), Bravo (75 %)."
    assert outcome.figures["below"] == [["Delta", 40], ["Bravo", 75]]


def test_training_passes_when_every_target_reaches_the_threshold() -> None:
    outcome = training_check(percents={"Alpha": 80, "Bravo": 100}, threshold=80)

    assert outcome.passed is True
    assert outcome.figures == {"threshold": 80, "targets": 2, "below": []}


def test_training_of_a_wave_without_targets_passes() -> None:
    assert training_check(percents={}, threshold=80).passed is True


def test_one_target_below_is_named_in_the_singular() -> None:
    outcome = training_check(percents={"Alpha": 79}, threshold=80)

    assert outcome.detail == "1 target below 80 % training: Alpha (79 %)."


# deployed_share_check -------------------------------------------------------------


@pytest.mark.parametrize(
    ("deployed", "total", "threshold", "passed"),
    [
        (8, 10, 80, True),
        (7, 10, 80, False),
        (1, 3, 33.34, False),
        (1, 3, 33.33, True),
        (2, 3, 66.67, False),
        (3, 3, 100, True),
        (0, 4, 0, True),
    ],
)
def test_deployed_share_compares_the_share_with_the_threshold(
    deployed: int, total: int, threshold: float, passed: bool
) -> None:
    assert (
        deployed_share_check(deployed=deployed, total=total, threshold=threshold).passed is passed
    )


def test_deployed_share_says_the_counts_and_the_share() -> None:
    outcome = deployed_share_check(deployed=3, total=4, threshold=80)

    assert outcome.detail == "3 of 4 earlier targets deployed (75 %), below the 80 % needed."
    assert outcome.figures == {
        "deployed": 3,
        "total": 4,
        "share_percent": 75.0,
        "threshold": 80,
    }


def test_deployed_share_without_earlier_targets_does_not_pass() -> None:
    outcome = deployed_share_check(deployed=0, total=0, threshold=50)

    assert outcome.passed is False
    assert outcome.figures["share_percent"] is None


@pytest.mark.parametrize(("deployed", "total"), [(-1, 3), (4, 3), (0, -1)])
def test_deployed_share_refuses_impossible_counts(deployed: int, total: int) -> None:
    with pytest.raises(DeploymentRuleError, match="out of range"):
        deployed_share_check(deployed=deployed, total=total, threshold=50)


# target_transition_check ----------------------------------------------------------

STATUSES = ["not_started", "preparing", "deployed", "confirmed", "opted_out", "rolled_back"]

# Every allowed move of issue 6, one row per arrow.
ALLOWED = {
    ("not_started", "preparing"),
    ("not_started", "deployed"),
    ("not_started", "opted_out"),
    ("preparing", "deployed"),
    ("preparing", "opted_out"),
    ("deployed", "confirmed"),
    ("deployed", "rolled_back"),
    ("confirmed", "rolled_back"),
    ("opted_out", "preparing"),
    ("rolled_back", "preparing"),
}


def test_the_transition_table_is_the_issues() -> None:
    table = {
        (source, target) for source, targets in TARGET_TRANSITIONS.items() for target in targets
    }

    assert table == ALLOWED
    assert set(TARGET_TRANSITIONS) == set(STATUSES)


@pytest.mark.parametrize(("source", "target"), sorted(ALLOWED))
def test_each_allowed_move_passes_with_a_reason(source: str, target: str) -> None:
    target_transition_check(from_status=source, to_status=target, reason="Agreed with the PM.")


@pytest.mark.parametrize(
    ("source", "target"),
    sorted({(s, t) for s in STATUSES for t in STATUSES if s != t} - ALLOWED),
)
def test_each_other_move_is_refused_naming_the_options(source: str, target: str) -> None:
    with pytest.raises(DeploymentRuleError, match="may go to"):
        target_transition_check(from_status=source, to_status=target, reason="Why not.")


@pytest.mark.parametrize(
    ("source", "target"),
    [("not_started", "opted_out"), ("preparing", "opted_out"), ("deployed", "rolled_back")],
)
@pytest.mark.parametrize("reason", ["", "   "])
def test_opting_out_and_rolling_back_need_a_reason(source: str, target: str, reason: str) -> None:
    with pytest.raises(DeploymentRuleError, match="Say why"):
        target_transition_check(from_status=source, to_status=target, reason=reason)


def test_confirmed_only_from_deployed() -> None:
    with pytest.raises(
        DeploymentRuleError,
        match="cannot go from preparing to confirmed; from preparing it may go to: "
        "deployed, opted out",
    ):
        target_transition_check(from_status="preparing", to_status="confirmed", reason="")


@pytest.mark.parametrize("status", STATUSES)
def test_a_move_to_the_same_status_is_refused(status: str) -> None:
    with pytest.raises(DeploymentRuleError, match="already"):
        target_transition_check(from_status=status, to_status=status, reason="x")


def test_an_unknown_status_is_refused() -> None:
    with pytest.raises(DeploymentRuleError, match="Unknown target status 'done'"):
        target_transition_check(from_status="deployed", to_status="done", reason="")


# peak_overlap ---------------------------------------------------------------------


def test_peak_overlap_counts_inclusive_ends_and_gives_the_first_peak_day() -> None:
    intervals = [
        (D(2025, 1, 1), D(2025, 1, 10)),
        (D(2025, 1, 10), D(2025, 1, 20)),  # touches the first on the 10th
        (D(2025, 1, 15), D(2025, 1, 25)),
    ]

    assert peak_overlap(intervals, start=D(2025, 1, 1), end=D(2025, 12, 31)) == (
        2,
        D(2025, 1, 10),
    )


def test_peak_overlap_clips_to_the_window() -> None:
    intervals = [(D(2025, 1, 1), D(2025, 3, 1)), (D(2025, 2, 1), D(2025, 4, 1))]

    assert peak_overlap(intervals, start=D(2025, 3, 2), end=D(2025, 6, 1)) == (1, D(2025, 3, 2))


def test_peak_overlap_of_nothing_is_zero_without_a_date() -> None:
    assert peak_overlap([], start=D(2025, 1, 1), end=D(2025, 1, 31)) == (0, None)
    outside = [(D(2024, 1, 1), D(2024, 12, 31)), (D(2025, 3, 1), D(2025, 2, 1))]
    assert peak_overlap(outside, start=D(2025, 1, 1), end=D(2025, 12, 31)) == (0, None)


def test_peak_overlap_refuses_a_window_ending_before_it_starts() -> None:
    with pytest.raises(DeploymentRuleError, match="window ends"):
        peak_overlap([], start=D(2025, 2, 1), end=D(2025, 1, 1))


BASE = D(2025, 1, 1)
day_offsets = st.integers(min_value=0, max_value=60)


@st.composite
def windows_and_intervals(
    draw: st.DrawFn,
) -> tuple[list[tuple[dt.date, dt.date]], dt.date, dt.date]:
    pairs = draw(st.lists(st.tuples(day_offsets, day_offsets), max_size=12))
    low = draw(day_offsets)
    high = draw(st.integers(min_value=low, max_value=60))
    intervals = [(BASE + dt.timedelta(a), BASE + dt.timedelta(b)) for a, b in pairs]
    return intervals, BASE + dt.timedelta(low), BASE + dt.timedelta(high)


# The shared test machines are sometimes slow: no deadline, no "too slow" health check.
RELAXED = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@RELAXED
@given(windows_and_intervals())
def test_peak_overlap_agrees_with_counting_every_day(
    case: tuple[list[tuple[dt.date, dt.date]], dt.date, dt.date],
) -> None:
    intervals, start, end = case
    counts = []
    day = start
    while day <= end:
        counts.append((sum(1 for a, b in intervals if a <= day <= b), day))
        day += dt.timedelta(days=1)
    best = max(count for count, _ in counts)
    first = next(day for count, day in counts if count == best) if best else None

    assert peak_overlap(intervals, start=start, end=end) == (best, first)


# burnup ---------------------------------------------------------------------------


def test_burnup_counts_weekly_and_ends_on_the_last_day() -> None:
    points = burnup(
        planned=[D(2025, 1, 5), D(2025, 1, 12), D(2025, 1, 20)],
        deployed=[D(2025, 1, 6), D(2025, 1, 16)],
        confirmed=[D(2025, 1, 18)],
        start=D(2025, 1, 1),
        end=D(2025, 1, 20),
    )

    assert points == [
        BurnupPoint(D(2025, 1, 1), 0, 0, 0),
        BurnupPoint(D(2025, 1, 8), 1, 1, 0),
        BurnupPoint(D(2025, 1, 15), 2, 1, 0),
        BurnupPoint(D(2025, 1, 20), 3, 2, 1),
    ]


def test_burnup_counts_dates_before_the_start_and_drops_those_after_the_end() -> None:
    points = burnup(
        planned=[D(2024, 12, 1), D(2025, 2, 1)],
        deployed=[],
        confirmed=[],
        start=D(2025, 1, 1),
        end=D(2025, 1, 1),
        step_days=1,
    )

    assert points == [BurnupPoint(D(2025, 1, 1), 1, 0, 0)]


def test_burnup_refuses_a_zero_step_and_a_reversed_range() -> None:
    with pytest.raises(DeploymentRuleError, match="step"):
        burnup(planned=[], deployed=[], confirmed=[], start=BASE, end=BASE, step_days=0)
    with pytest.raises(DeploymentRuleError, match="ends"):
        burnup(planned=[], deployed=[], confirmed=[], start=BASE, end=BASE - dt.timedelta(1))


dates_in_window = st.lists(day_offsets.map(lambda n: BASE + dt.timedelta(n)), max_size=15)


@RELAXED
@given(
    planned=dates_in_window,
    deployed=dates_in_window,
    confirmed=dates_in_window,
    span=st.integers(min_value=60, max_value=120),
    step=st.integers(min_value=1, max_value=30),
)
def test_burnup_never_falls_and_ends_at_the_totals(
    planned: list[dt.date],
    deployed: list[dt.date],
    confirmed: list[dt.date],
    span: int,
    step: int,
) -> None:
    end = BASE + dt.timedelta(span)
    points = burnup(
        planned=planned,
        deployed=deployed,
        confirmed=confirmed,
        start=BASE,
        end=end,
        step_days=step,
    )

    assert points[0].on == BASE
    assert points[-1].on == end
    assert all(b.on - a.on <= dt.timedelta(step) for a, b in itertools.pairwise(points))
    for a, b in itertools.pairwise(points):
        assert a.on < b.on
        assert a.planned <= b.planned
        assert a.deployed <= b.deployed
        assert a.confirmed <= b.confirmed
    last = points[-1]
    assert (last.planned, last.deployed, last.confirmed) == (
        len(planned),
        len(deployed),
        len(confirmed),
    )


# slippage_days and confirmation_missing -------------------------------------------


@pytest.mark.parametrize(
    ("planned", "actual", "today", "expected"),
    [
        (None, D(2025, 1, 5), D(2025, 1, 10), None),
        (D(2025, 1, 1), D(2025, 1, 5), D(2025, 3, 1), 4),
        (D(2025, 1, 5), D(2025, 1, 1), D(2025, 3, 1), -4),
        (D(2025, 1, 5), D(2025, 1, 5), D(2025, 3, 1), 0),
        (D(2025, 1, 1), None, D(2025, 1, 11), 10),
        (D(2025, 1, 11), None, D(2025, 1, 1), 0),
    ],
)
def test_slippage_is_actual_minus_planned_or_the_slip_so_far(
    planned: dt.date | None, actual: dt.date | None, today: dt.date, expected: int | None
) -> None:
    assert slippage_days(planned=planned, actual=actual, today=today) == expected


def test_confirmation_misses_every_target_neither_confirmed_nor_opted_out() -> None:
    statuses = {
        "Alpha": "deployed",
        "Bravo": "confirmed",
        "Charlie": "opted_out",
        "Delta": "not_started",
        "Echo": "rolled_back",
        "Foxtrot": "preparing",
    }

    assert confirmation_missing(statuses) == [
        ("Alpha", "deployed"),
        ("Delta", "not_started"),
        ("Echo", "rolled_back"),
        ("Foxtrot", "preparing"),
    ]
    assert confirmation_missing({"Bravo": "confirmed", "Charlie": "opted_out"}) == []
