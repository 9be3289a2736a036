"""The service-outcome rules (uplift.domain.service_outcomes): SLOs, continuity, scorecard."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from uplift.domain.service_outcomes import (
    OUTCOME_TITLES,
    Attainment,
    AttainmentStatus,
    ComplianceCheck,
    ContinuityState,
    Outcome,
    OutcomeStatus,
    ScorecardRules,
    ServiceEvidence,
    ServiceOutcomeError,
    availability,
    continuity_test_status,
    outcome_rules,
    scorecard,
    slo_attainment,
    slo_attainment_from_totals,
    utilization,
)

D = dt.date
RULES = ScorecardRules()
# No timing in tests: the machine may be busy (deadlines and the slow-input check off).
RELAXED = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
MET, AT_RISK, NOT_MET, NONE = (
    OutcomeStatus.MET,
    OutcomeStatus.AT_RISK,
    OutcomeStatus.NOT_MET,
    OutcomeStatus.NO_EVIDENCE,
)


# slo_attainment -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "target", "direction", "status", "value"),
    [
        ([99.95, 99.85], 99.9, "higher", AttainmentStatus.MET, 99.9),  # tie meets
        ([99.8, 99.9], 99.9, "higher", AttainmentStatus.MISSED, 99.85),
        ([2.0, 4.0], 3.0, "lower", AttainmentStatus.MET, 3.0),  # tie meets
        ([3.0, 4.0], 3.0, "lower", AttainmentStatus.MISSED, 3.5),
        ([100.0], 99.9, "higher", AttainmentStatus.MET, 100.0),  # one observation
    ],
)
def test_mean_attainment_compares_the_mean_with_the_target(
    values, target, direction, status, value
) -> None:
    result = slo_attainment(values, target=target, direction=direction)
    assert result.status is status
    assert result.n == len(values)
    assert result.value == pytest.approx(value)
    assert result.met is (status is AttainmentStatus.MET)


@pytest.mark.parametrize(
    ("hours", "required", "status", "share"),
    [
        ([1, 2, 4, 5], 0.75, AttainmentStatus.MET, 0.75),  # 3 of 4 within 4 h: tie
        ([1, 2, 5, 5], 0.75, AttainmentStatus.MISSED, 0.5),
        ([5, 6], 0.0, AttainmentStatus.MET, 0.0),
    ],
)
def test_share_meeting_counts_incidents_resolved_within_the_target(
    hours, required, status, share
) -> None:
    result = slo_attainment(
        hours, target=4, direction="lower", statistic="share_meeting", required_share=required
    )
    assert (result.status, result.value, result.required_share) == (status, share, required)
    assert f"of {len(hours)} observation(s)" in result.detail


@pytest.mark.parametrize("statistic", ["mean", "share_meeting"])
def test_an_empty_period_is_no_data_not_a_sentinel(statistic) -> None:
    share = 0.9 if statistic == "share_meeting" else None
    result = slo_attainment(
        [], target=99.9, direction="higher", statistic=statistic, required_share=share
    )
    assert (result.status, result.n, result.value, result.met) == (
        AttainmentStatus.NO_DATA,
        0,
        None,
        None,
    )
    assert result.as_json()["status"] == "no_data"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"direction": "up"},
        {"statistic": "median"},
        {"statistic": "share_meeting"},  # required share missing
        {"statistic": "share_meeting", "required_share": 1.5},
        {"required_share": 0.9},  # only for share_meeting
        {"target": math.nan},
    ],
)
def test_slo_attainment_refuses_bad_arguments(kwargs) -> None:
    args = {"target": 1.0, "direction": "higher"} | kwargs
    with pytest.raises(ServiceOutcomeError):
        slo_attainment([1.0], **args)


def test_slo_attainment_refuses_a_non_finite_observation() -> None:
    with pytest.raises(ServiceOutcomeError, match=r"values\[1\]"):
        slo_attainment([1.0, math.inf], target=1.0, direction="higher")


@RELAXED
@given(
    st.lists(st.floats(-1e6, 1e6), max_size=30),
    st.floats(-1e6, 1e6),
    st.sampled_from(["higher", "lower"]),
    st.floats(0, 1),
)
def test_the_share_meeting_is_in_zero_one_and_met_iff_at_least_required(
    values, target, direction, required
) -> None:
    result = slo_attainment(
        values,
        target=target,
        direction=direction,
        statistic="share_meeting",
        required_share=required,
    )
    if not values:
        assert result.status is AttainmentStatus.NO_DATA
        return
    assert result.value is not None
    assert 0.0 <= result.value <= 1.0
    assert result.met is (result.value >= required)


@RELAXED
@given(
    st.lists(st.floats(-1e6, 1e6), max_size=30),
    st.floats(-1e6, 1e6),
    st.sampled_from(["higher", "lower"]),
    st.sampled_from(["mean", "share_meeting"]),
)
def test_attainment_from_totals_judges_as_from_the_values(
    values, target, direction, statistic
) -> None:
    share = 0.8 if statistic == "share_meeting" else None
    from_values = slo_attainment(
        values, target=target, direction=direction, statistic=statistic, required_share=share
    )
    meeting = sum((v >= target) if direction == "higher" else (v <= target) for v in values)
    from_totals = slo_attainment_from_totals(
        n=len(values),
        total=math.fsum(values),
        meeting=meeting,
        target=target,
        direction=direction,
        statistic=statistic,
        required_share=share,
    )
    assert from_totals == from_values


def test_a_mean_equal_to_the_target_but_for_rounding_is_a_tie() -> None:
    # Ten observations of 0.1 summed one by one (as a database's SUM does) make
    # 0.9999999999999999, a mean just below 0.1: the tie must still meet the target.
    total = sum([0.1] * 10)
    assert total < 1.0
    result = slo_attainment_from_totals(
        n=10, total=total, meeting=None, target=0.1, direction="higher"
    )
    assert result.status is AttainmentStatus.MET
    assert result.detail == "Mean 0.1 of 10 observation(s) meets ≥ 0.1."
    below = slo_attainment_from_totals(
        n=10, total=0.99, meeting=None, target=0.1, direction="higher"
    )
    assert below.status is AttainmentStatus.MISSED


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": -1, "total": 0.0, "meeting": None}, "n must be a count"),
        ({"n": 2, "total": math.nan, "meeting": None}, "total must be a finite number"),
        ({"n": 2, "total": 1.0, "meeting": 3}, r"meeting must be in \[0, n=2\]"),
        (
            {"n": 2, "total": 1.0, "meeting": None, "statistic": "share_meeting"},
            "meeting is needed",
        ),
    ],
)
def test_attainment_from_totals_refuses_impossible_totals(kwargs, message) -> None:
    args = {"target": 1.0, "direction": "higher"} | kwargs
    if args.get("statistic") == "share_meeting":
        args["required_share"] = 0.5
    with pytest.raises(ServiceOutcomeError, match=message):
        slo_attainment_from_totals(**args)


# availability and utilization ---------------------------------------------------------


@pytest.mark.parametrize(
    ("uptime", "scheduled", "percent"),
    [(43_156.8, 43_200, 99.9), (0, 60, 0.0), (60, 60, 100.0)],
)
def test_availability_is_uptime_over_scheduled_time_in_percent(uptime, scheduled, percent) -> None:
    assert availability(uptime, scheduled) == pytest.approx(percent)


@pytest.mark.parametrize(
    ("uptime", "scheduled", "message"),
    [
        (10, 0, "scheduled_minutes must be positive"),
        (10, -5, "scheduled_minutes must be positive"),
        (-1, 60, "uptime_minutes must not be negative"),
        (61, 60, "exceeds scheduled_minutes"),
        (math.nan, 60, "uptime_minutes must be a finite number"),
    ],
)
def test_availability_refuses_impossible_minutes(uptime, scheduled, message) -> None:
    with pytest.raises(ServiceOutcomeError, match=message):
        availability(uptime, scheduled)


@pytest.mark.parametrize(
    ("used", "capacity", "percent"), [(0, 8, 0.0), (6, 8, 75.0), (8, 8, 100.0), (10, 8, 125.0)]
)
def test_utilization_is_used_over_capacity_and_may_exceed_100(used, capacity, percent) -> None:
    assert utilization(used, capacity) == pytest.approx(percent)


@pytest.mark.parametrize(
    ("used", "capacity", "message"),
    [
        (1, 0, "capacity must be positive"),
        (1, -2, "capacity must be positive"),
        (-1, 8, "used must not be negative"),
        (math.inf, 8, "used must be a finite number"),
    ],
)
def test_utilization_refuses_impossible_inputs(used, capacity, message) -> None:
    with pytest.raises(ServiceOutcomeError, match=message):
        utilization(used, capacity)


@RELAXED
@given(st.floats(0, 1e9), st.floats(0, 1e9), st.floats(1e-3, 1e9))
def test_utilization_is_monotone_in_used(a, b, capacity) -> None:
    low, high = sorted((a, b))
    assert utilization(low, capacity) <= utilization(high, capacity)


@RELAXED
@given(st.floats(1e-3, 1e9), st.floats(0, 1))
def test_availability_lies_between_0_and_100(scheduled, fraction) -> None:
    assert 0.0 <= availability(scheduled * fraction, scheduled) <= 100.0


# continuity_test_status ---------------------------------------------------------------

TODAY = D(2024, 6, 30)


@pytest.mark.parametrize(
    ("last", "result", "state", "overdue", "until"),
    [
        (None, None, ContinuityState.NEVER_TESTED, None, None),
        (D(2024, 1, 1), "passed", ContinuityState.DUE, None, 5),  # due 2024-07-05
        (D(2023, 12, 27), "passed", ContinuityState.DUE, None, 0),  # due today: not overdue
        (D(2023, 12, 26), "passed", ContinuityState.OVERDUE, 1, None),
        (D(2023, 6, 1), "passed", ContinuityState.OVERDUE, 209, None),
        (D(2024, 6, 1), "failed", ContinuityState.FAILED, None, 157),  # failed wins
        (D(2023, 6, 1), "failed", ContinuityState.FAILED, 209, None),
        (TODAY, "passed", ContinuityState.DUE, None, 186),  # tested today
    ],
)
def test_continuity_status(last, result, state, overdue, until) -> None:
    status = continuity_test_status(last_test=last, result=result, interval_days=186, today=TODAY)
    assert (status.state, status.days_overdue, status.days_until_due) == (state, overdue, until)
    assert status.needs_attention is (state is not ContinuityState.DUE)
    if last is not None:
        assert status.next_due == last + dt.timedelta(days=186)


def test_an_overdue_plan_says_by_how_many_days() -> None:
    status = continuity_test_status(
        last_test=D(2023, 12, 26), result="passed", interval_days=186, today=TODAY
    )
    assert status.detail == "The next test was due on 2024-06-29: overdue by 1 day(s)."
    assert status.as_json()["next_due"] == "2024-06-29"


@pytest.mark.parametrize(
    ("last", "result", "interval"),
    [
        (None, "passed", 30),  # a result without a test date
        (D(2024, 1, 1), None, 30),  # a test without its result
        (D(2024, 7, 1), "passed", 30),  # in the future
        (D(2024, 1, 1), "passed", 0),
        (D(2024, 1, 1), "skipped", 30),
    ],
)
def test_continuity_status_refuses_impossible_inputs(last, result, interval) -> None:
    with pytest.raises(ServiceOutcomeError):
        continuity_test_status(last_test=last, result=result, interval_days=interval, today=TODAY)


@RELAXED
@given(st.dates(max_value=D(2030, 1, 1)), st.integers(1, 2000), st.integers(0, 4000))
def test_a_passed_plan_is_either_overdue_or_due_never_both(last, interval, age) -> None:
    today = last + dt.timedelta(days=age)
    status = continuity_test_status(
        last_test=last, result="passed", interval_days=interval, today=today
    )
    assert (status.days_overdue is None) != (status.days_until_due is None)
    assert (status.state is ContinuityState.OVERDUE) is (age > interval)


# scorecard ----------------------------------------------------------------------------


def _periods(met: int, missed: int, no_data: int = 0) -> tuple[Attainment, ...]:
    ok = slo_attainment([100.0], target=99.9, direction="higher")
    bad = slo_attainment([99.0], target=99.9, direction="higher")
    empty = slo_attainment([], target=99.9, direction="higher")
    return (ok,) * met + (bad,) * missed + (empty,) * no_data


PASSED = continuity_test_status(
    last_test=D(2024, 6, 1), result="passed", interval_days=365, today=TODAY
)
OVERDUE = continuity_test_status(
    last_test=D(2023, 1, 1), result="passed", interval_days=365, today=TODAY
)
FAILED = continuity_test_status(
    last_test=D(2024, 6, 1), result="failed", interval_days=365, today=TODAY
)
NEVER = continuity_test_status(last_test=None, result=None, interval_days=365, today=TODAY)


@pytest.mark.parametrize(
    ("outcome", "evidence", "status"),
    [
        # valuable: mean satisfaction vs 4.0 / 3.5
        (Outcome.VALUABLE, ServiceEvidence(), NONE),
        (Outcome.VALUABLE, ServiceEvidence(satisfaction_scores=(4.0,)), MET),  # one, tie
        (Outcome.VALUABLE, ServiceEvidence(satisfaction_scores=(3.0, 4.0)), AT_RISK),  # 3.5 tie
        (Outcome.VALUABLE, ServiceEvidence(satisfaction_scores=(3.0, 3.8)), NOT_MET),  # 3.4
        # predictable: share of SLO periods met vs 0.95 / 0.90; no-data periods not counted
        (Outcome.PREDICTABLE, ServiceEvidence(), NONE),
        (Outcome.PREDICTABLE, ServiceEvidence(slo_attainments=_periods(0, 0, 3)), NONE),
        (Outcome.PREDICTABLE, ServiceEvidence(slo_attainments=_periods(19, 1, 4)), MET),  # 0.95
        (Outcome.PREDICTABLE, ServiceEvidence(slo_attainments=_periods(12, 0)), MET),  # 1.0
        (Outcome.PREDICTABLE, ServiceEvidence(slo_attainments=_periods(18, 1)), AT_RISK),  # .947
        (Outcome.PREDICTABLE, ServiceEvidence(slo_attainments=_periods(9, 1)), AT_RISK),  # 0.90
        (Outcome.PREDICTABLE, ServiceEvidence(slo_attainments=_periods(8, 2)), NOT_MET),  # 0.80
        (Outcome.PREDICTABLE, ServiceEvidence(slo_attainments=_periods(0, 1, 11)), NOT_MET),
        # availability and continuity are not the predictable outcome's evidence
        (Outcome.PREDICTABLE, ServiceEvidence(availability_percent=99.9), NONE),
        (Outcome.PREDICTABLE, ServiceEvidence(continuity=(OVERDUE,)), NONE),
        # reliable: availability 99.5 / 99.0; a plan needing a test → at risk at best
        (Outcome.RELIABLE, ServiceEvidence(), NONE),
        (Outcome.RELIABLE, ServiceEvidence(availability_percent=99.5), MET),  # tie
        (Outcome.RELIABLE, ServiceEvidence(availability_percent=99.49), AT_RISK),
        (Outcome.RELIABLE, ServiceEvidence(availability_percent=99.0), AT_RISK),  # tie
        (Outcome.RELIABLE, ServiceEvidence(availability_percent=98.99), NOT_MET),
        (Outcome.RELIABLE, ServiceEvidence(availability_percent=99.9, continuity=(PASSED,)), MET),
        (
            Outcome.RELIABLE,
            ServiceEvidence(availability_percent=99.9, continuity=(PASSED, OVERDUE)),
            AT_RISK,
        ),
        (
            Outcome.RELIABLE,
            ServiceEvidence(availability_percent=99.9, continuity=(FAILED,)),
            AT_RISK,
        ),
        (
            Outcome.RELIABLE,
            ServiceEvidence(availability_percent=99.9, continuity=(NEVER,)),
            AT_RISK,
        ),
        (
            Outcome.RELIABLE,  # the worse part decides: availability is not met
            ServiceEvidence(availability_percent=97.0, continuity=(OVERDUE,)),
            NOT_MET,
        ),
        # without availability: a plan needing a test is still evidence of risk ...
        (Outcome.RELIABLE, ServiceEvidence(continuity=(OVERDUE,)), AT_RISK),
        # ... but a tested plan alone does not show the service reliable
        (Outcome.RELIABLE, ServiceEvidence(continuity=(PASSED,)), NONE),
        # SLO periods are not the reliable outcome's evidence
        (Outcome.RELIABLE, ServiceEvidence(slo_attainments=_periods(20, 0)), NONE),
        # compliant: failed → not met; waived counts as passed up to 25 %
        (Outcome.COMPLIANT, ServiceEvidence(), NONE),
        (
            Outcome.COMPLIANT,
            ServiceEvidence(
                compliance_checks=(
                    ComplianceCheck("backup", "passed"),
                    ComplianceCheck("access", "passed"),
                    ComplianceCheck("retention", "passed"),
                    ComplianceCheck("logging", "waived", "replaced in Q3"),
                )
            ),
            MET,  # 1 of 4 waived: 25 %, a tie
        ),
        (
            Outcome.COMPLIANT,
            ServiceEvidence(
                compliance_checks=(
                    ComplianceCheck("backup", "passed"),
                    ComplianceCheck("logging", "waived", "replaced in Q3"),
                )
            ),
            AT_RISK,
        ),
        (
            Outcome.COMPLIANT,
            ServiceEvidence(
                compliance_checks=(
                    ComplianceCheck("backup", "failed"),
                    ComplianceCheck("access", "passed"),
                )
            ),
            NOT_MET,
        ),
        # cost-effective: relative slope ≤ 1 % met, ≤ 5 % at risk, at least 3 periods
        (Outcome.COST_EFFECTIVE, ServiceEvidence(cost_per_period=(100.0, 90.0)), NONE),
        (Outcome.COST_EFFECTIVE, ServiceEvidence(cost_per_period=(100.0, 90.0, 80.0)), MET),
        (Outcome.COST_EFFECTIVE, ServiceEvidence(cost_per_period=(99.0, 100.0, 101.0)), MET),
        (Outcome.COST_EFFECTIVE, ServiceEvidence(cost_per_period=(0.0, 0.0, 0.0)), MET),
        (Outcome.COST_EFFECTIVE, ServiceEvidence(cost_per_period=(95.0, 100.0, 105.0)), AT_RISK),
        (Outcome.COST_EFFECTIVE, ServiceEvidence(cost_per_period=(90.0, 100.0, 110.0)), NOT_MET),
        (
            Outcome.COST_EFFECTIVE,  # cost rises 10 %/period but demand doubles: per unit falls
            ServiceEvidence(
                cost_per_period=(90.0, 100.0, 110.0), demand_per_period=(10.0, 20.0, 40.0)
            ),
            MET,
        ),
        # able to adapt: median lead time ≤ 30 days met, ≤ 45 at risk
        (Outcome.ADAPTABLE, ServiceEvidence(), NONE),
        (Outcome.ADAPTABLE, ServiceEvidence(change_lead_times_days=(10.0, 30.0, 90.0)), MET),
        (Outcome.ADAPTABLE, ServiceEvidence(change_lead_times_days=(40.0, 50.0)), AT_RISK),
        (Outcome.ADAPTABLE, ServiceEvidence(change_lead_times_days=(46.0,)), NOT_MET),
    ],
)
def test_scorecard_outcome_status(outcome, evidence, status) -> None:
    score = scorecard(evidence, RULES)[outcome]
    assert score.status is status
    assert score.rule.startswith(score.title + ": ")
    assert score.reason.endswith(".")


def test_a_waiver_is_listed_with_its_reason() -> None:
    checks = (ComplianceCheck("a", "passed"),) * 3 + (
        ComplianceCheck("logging", "waived", "replaced in Q3"),
    )
    score = scorecard(ServiceEvidence(compliance_checks=checks), RULES)[Outcome.COMPLIANT]
    assert score.figures["waived"] == ["logging: replaced in Q3"]
    assert score.figures["failed"] == []
    assert score.reason == "All 4 check(s) passed or waived (1 waived)."


def test_reliable_figures_and_reason_name_availability_and_continuity() -> None:
    evidence = ServiceEvidence(
        slo_attainments=_periods(0, 5), availability_percent=99.7, continuity=(PASSED, OVERDUE)
    )
    score = scorecard(evidence, RULES)[Outcome.RELIABLE]
    assert score.status is AT_RISK
    assert score.figures == {
        "availability_percent": 99.7,
        "continuity_plans": 2,
        "continuity_attention": ["The next test was due on 2024-01-01: overdue by 181 day(s)."],
    }
    assert score.reason == (
        "Availability 99.7 %; 1 continuity plan(s) never tested, failed or overdue."
    )


def test_reliable_without_availability_names_the_plans_needing_a_test() -> None:
    score = scorecard(ServiceEvidence(continuity=(NEVER, FAILED)), RULES)[Outcome.RELIABLE]
    assert score.status is AT_RISK
    assert score.reason == (
        "No availability measured; 2 continuity plan(s) never tested, failed or overdue."
    )
    assert score.figures["availability_percent"] is None


def test_reliable_availability_from_minutes_of_uptime() -> None:
    # A 30-day month has 43,200 minutes; 43.2 minutes down is 99.9 % available.
    percent = availability(43_200 - 43.2, 43_200)
    score = scorecard(ServiceEvidence(availability_percent=percent), RULES)[Outcome.RELIABLE]
    assert (score.status, score.reason) == (MET, "Availability 99.9 %.")


def test_predictable_figures_and_reason_count_judged_periods_only() -> None:
    score = scorecard(ServiceEvidence(slo_attainments=_periods(19, 1, 2)), RULES)[
        Outcome.PREDICTABLE
    ]
    assert score.status is MET
    assert score.figures == {"slo_periods": 20, "slo_periods_met": 19, "slo_share_met": 0.95}
    assert score.reason == "SLOs met in 19 of 20 period(s) (95 %)."


def test_predictable_pools_the_periods_of_every_objective() -> None:
    """Hand-worked: an availability objective (mean ≥ 99.9 %) over two months and an
    incident objective (≥ 75 % resolved within 4 h) over two months.

    - availability, month 1: (99.9 + 99.95) / 2 = 99.925 ≥ 99.9: met
    - availability, month 2: (99.7 + 99.9) / 2 = 99.8 < 99.9: missed
    - incidents, month 1: 1, 2, 3 and 9 h: 3 of 4 within 4 h = 75 % ≥ 75 %: met
    - incidents, month 2: no incidents: no data, not counted
    → 2 of 3 judged periods met = 66.67 % < 90 %: not met.
    """
    attainments = (
        slo_attainment([99.9, 99.95], target=99.9, direction="higher"),
        slo_attainment([99.7, 99.9], target=99.9, direction="higher"),
        slo_attainment(
            [1, 2, 3, 9],
            target=4,
            direction="lower",
            statistic="share_meeting",
            required_share=0.75,
        ),
        slo_attainment(
            [], target=4, direction="lower", statistic="share_meeting", required_share=0.75
        ),
    )
    assert [a.status for a in attainments] == [
        AttainmentStatus.MET,
        AttainmentStatus.MISSED,
        AttainmentStatus.MET,
        AttainmentStatus.NO_DATA,
    ]
    score = scorecard(ServiceEvidence(slo_attainments=attainments), RULES)[Outcome.PREDICTABLE]
    assert score.status is NOT_MET
    assert score.figures["slo_periods"] == 3
    assert score.figures["slo_share_met"] == pytest.approx(2 / 3)
    assert score.reason == "SLOs met in 2 of 3 period(s) (66.67 %)."


def test_predictable_and_reliable_can_diverge() -> None:
    """Every SLO period met, yet availability below its floor (its objective is looser
    than the scorecard's rule), and the other way round."""
    steady_but_down = ServiceEvidence(slo_attainments=_periods(12, 0), availability_percent=98.0)
    card = scorecard(steady_but_down, RULES)
    assert (card[Outcome.PREDICTABLE].status, card[Outcome.RELIABLE].status) == (MET, NOT_MET)
    up_but_erratic = ServiceEvidence(slo_attainments=_periods(6, 6), availability_percent=99.99)
    card = scorecard(up_but_erratic, RULES)
    assert (card[Outcome.PREDICTABLE].status, card[Outcome.RELIABLE].status) == (NOT_MET, MET)


def test_cost_trend_figures() -> None:
    score = scorecard(ServiceEvidence(cost_per_period=(100.0, 90.0, 80.0)), RULES)[
        Outcome.COST_EFFECTIVE
    ]
    assert score.figures["slope"] == pytest.approx(-10.0)
    assert score.figures["relative_slope"] == pytest.approx(-10.0 / 90.0)
    assert (
        score.reason
        == "The cost per period is falling: -11.11 % of its mean per period over 3 periods."
    )


def test_scorecard_lists_the_six_outcomes_in_order_and_the_shortfalls() -> None:
    card = scorecard(ServiceEvidence(change_lead_times_days=(60.0,)), RULES)
    assert [s.outcome for s in card.scores] == [
        Outcome.VALUABLE,
        Outcome.PREDICTABLE,
        Outcome.RELIABLE,
        Outcome.COMPLIANT,
        Outcome.COST_EFFECTIVE,
        Outcome.ADAPTABLE,
    ]
    assert [s.title for s in card.scores] == [OUTCOME_TITLES[o] for o in Outcome]
    assert [s.outcome for s in card.shortfalls] == [Outcome.ADAPTABLE]
    assert card.as_json()["scores"][5] | {"rule": "", "figures": {}} == {
        "outcome": "able_to_adapt",
        "title": "Able to adapt",
        "status": "not_met",
        "rule": "",
        "reason": "Median lead time 60 days over 1 change(s).",
        "figures": {},
    }


def test_rules_are_shown_as_text_with_the_thresholds() -> None:
    rules = outcome_rules(ScorecardRules(slo_met_share=0.98, slo_at_risk_share=0.9))
    assert [r.outcome for r in rules] == list(Outcome)
    predictable, reliable = rules[1], rules[2]
    assert predictable.evidence == ("slo_attainments",)
    assert predictable.text == (
        "Predictable: met when service-level objectives are met in ≥ 98 % of their periods; "
        "at risk when in ≥ 90 %; otherwise not met. Periods without data are not counted."
    )
    assert reliable.evidence == ("availability_percent", "continuity")
    assert reliable.text.startswith(
        "Reliable: met when availability ≥ 99.5 % and no continuity plan is never tested, "
        "failed or overdue; not met when availability < 99 %; otherwise at risk"
    )
    assert rules[0].text == (
        "Valuable and compelling: met when mean customer satisfaction ≥ 4; "
        "at risk when ≥ 3.5; otherwise not met."
    )


def test_thresholds_are_arguments() -> None:
    evidence = ServiceEvidence(satisfaction_scores=(3.0,))
    lenient = ScorecardRules(satisfaction_target=3.0, satisfaction_at_risk_floor=2.0)
    assert scorecard(evidence, RULES)[Outcome.VALUABLE].status is NOT_MET
    assert scorecard(evidence, lenient)[Outcome.VALUABLE].status is MET


@pytest.mark.parametrize(
    "kwargs",
    [
        {"satisfaction_target": 3.0, "satisfaction_at_risk_floor": 3.5},
        {"slo_met_share": 1.5},
        {"max_waived_share": -0.1},
        {"cost_min_periods": 1},
        {"cost_flat_tolerance": -0.1},
        {"lead_time_at_risk_ceiling_days": 10.0},
        {"availability_met_percent": math.nan},
    ],
)
def test_rules_refuse_incoherent_thresholds(kwargs) -> None:
    with pytest.raises(ServiceOutcomeError):
        ScorecardRules(**kwargs)


def test_a_waiver_needs_a_reason() -> None:
    with pytest.raises(ServiceOutcomeError, match="needs a reason"):
        ComplianceCheck("logging", "waived", "  ")


@pytest.mark.parametrize(
    "evidence",
    [
        ServiceEvidence(cost_per_period=(1.0, -1.0, 1.0)),
        ServiceEvidence(cost_per_period=(1.0, 1.0, 1.0), demand_per_period=(1.0, 0.0, 1.0)),
        ServiceEvidence(cost_per_period=(1.0, 1.0, 1.0), demand_per_period=(1.0, 1.0)),
        ServiceEvidence(change_lead_times_days=(-1.0,)),
        ServiceEvidence(availability_percent=math.nan),
    ],
)
def test_scorecard_refuses_impossible_evidence(evidence) -> None:
    with pytest.raises(ServiceOutcomeError):
        scorecard(evidence, RULES)


@RELAXED
@given(
    st.lists(st.booleans(), max_size=40),
    st.one_of(st.none(), st.floats(0, 100)),
    st.lists(st.sampled_from([PASSED, OVERDUE, FAILED, NEVER]), max_size=3),
    st.lists(st.floats(0, 1e6), max_size=12),
    st.lists(st.floats(0, 1e3), max_size=12),
)
def test_every_outcome_gets_exactly_one_status(met_flags, avail, plans, costs, lead_times) -> None:
    evidence = ServiceEvidence(
        slo_attainments=_periods(sum(met_flags), len(met_flags) - sum(met_flags)),
        availability_percent=avail,
        continuity=tuple(plans),
        cost_per_period=tuple(costs),
        change_lead_times_days=tuple(lead_times),
    )
    card = scorecard(evidence, RULES)
    assert len(card.scores) == len(Outcome)
    share = card[Outcome.PREDICTABLE].figures["slo_share_met"]
    assert share is None or 0.0 <= share <= 1.0
    assert (card[Outcome.PREDICTABLE].status is NONE) is (not met_flags)
    attention = any(p.needs_attention for p in plans)
    reliable = card[Outcome.RELIABLE].status
    assert (reliable is NONE) is (avail is None and not attention)
    if attention:
        assert reliable in (AT_RISK, NOT_MET)
