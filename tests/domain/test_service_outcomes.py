"""The service-outcome rules (uplift.domain.service_outcomes): SLOs, continuity, scorecard."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from uplift.domain.service_outcomes import (
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
    utilization,
)

D = dt.date
RULES = ScorecardRules()
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


@given(st.floats(0, 1e9), st.floats(0, 1e9), st.floats(1e-3, 1e9))
def test_utilization_is_monotone_in_used(a, b, capacity) -> None:
    low, high = sorted((a, b))
    assert utilization(low, capacity) <= utilization(high, capacity)


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


@pytest.mark.parametrize(
    ("outcome", "evidence", "status"),
    [
        # valuable: mean satisfaction vs 4.0 / 3.5
        (Outcome.VALUABLE, ServiceEvidence(), NONE),
        (Outcome.VALUABLE, ServiceEvidence(satisfaction_scores=(4.0,)), MET),  # one, tie
        (Outcome.VALUABLE, ServiceEvidence(satisfaction_scores=(3.0, 4.0)), AT_RISK),  # 3.5 tie
        (Outcome.VALUABLE, ServiceEvidence(satisfaction_scores=(3.0, 3.8)), NOT_MET),  # 3.4
        # reliable: SLO share 0.95 / 0.90, availability 99.5 / 99.0, continuity
        (Outcome.RELIABLE, ServiceEvidence(), NONE),
        (Outcome.RELIABLE, ServiceEvidence(slo_attainments=_periods(0, 0, 3)), NONE),
        (Outcome.RELIABLE, ServiceEvidence(slo_attainments=_periods(19, 1, 4)), MET),  # 0.95
        (Outcome.RELIABLE, ServiceEvidence(slo_attainments=_periods(9, 1)), AT_RISK),  # 0.90
        (Outcome.RELIABLE, ServiceEvidence(slo_attainments=_periods(8, 2)), NOT_MET),
        (Outcome.RELIABLE, ServiceEvidence(availability_percent=99.5), MET),
        (Outcome.RELIABLE, ServiceEvidence(availability_percent=99.0), AT_RISK),
        (Outcome.RELIABLE, ServiceEvidence(availability_percent=98.99), NOT_MET),
        (
            Outcome.RELIABLE,
            ServiceEvidence(
                slo_attainments=_periods(20, 0), availability_percent=99.9, continuity=(PASSED,)
            ),
            MET,
        ),
        (
            Outcome.RELIABLE,
            ServiceEvidence(slo_attainments=_periods(20, 0), continuity=(PASSED, OVERDUE)),
            AT_RISK,
        ),
        (
            Outcome.RELIABLE,  # the worst part decides
            ServiceEvidence(
                slo_attainments=_periods(20, 0), availability_percent=97.0, continuity=(OVERDUE,)
            ),
            NOT_MET,
        ),
        (Outcome.RELIABLE, ServiceEvidence(continuity=(OVERDUE,)), NONE),
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


def test_reliability_figures_and_reason_name_every_part() -> None:
    evidence = ServiceEvidence(
        slo_attainments=_periods(19, 1, 2), availability_percent=99.7, continuity=(OVERDUE,)
    )
    score = scorecard(evidence, RULES)[Outcome.RELIABLE]
    assert score.status is AT_RISK
    assert score.figures["slo_periods"] == 20
    assert score.figures["slo_share_met"] == 0.95
    assert score.reason == (
        "SLOs met in 19 of 20 period(s) (95 %); availability 99.7 %; "
        "1 continuity plan(s) never tested, failed or overdue."
    )


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


def test_scorecard_lists_the_five_outcomes_in_order_and_the_shortfalls() -> None:
    card = scorecard(ServiceEvidence(change_lead_times_days=(60.0,)), RULES)
    assert [s.outcome for s in card.scores] == list(Outcome)
    assert [s.outcome for s in card.shortfalls] == [Outcome.ADAPTABLE]
    assert card.as_json()["scores"][4]["status"] == "not_met"


def test_rules_are_shown_as_text_with_the_thresholds() -> None:
    rules = outcome_rules(ScorecardRules(slo_met_share=0.98, slo_at_risk_share=0.9))
    reliable = rules[1]
    assert reliable.evidence == ("slo_attainments", "availability_percent", "continuity")
    assert reliable.text.startswith(
        "Predictable and reliable: met when SLOs are met in ≥ 98 % of periods, "
        "availability ≥ 99.5 %"
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


@given(
    st.lists(st.booleans(), max_size=40),
    st.one_of(st.none(), st.floats(0, 100)),
    st.lists(st.floats(0, 1e6), max_size=12),
    st.lists(st.floats(0, 1e3), max_size=12),
)
def test_every_outcome_gets_exactly_one_status(met_flags, avail, costs, lead_times) -> None:
    evidence = ServiceEvidence(
        slo_attainments=_periods(sum(met_flags), len(met_flags) - sum(met_flags)),
        availability_percent=avail,
        cost_per_period=tuple(costs),
        change_lead_times_days=tuple(lead_times),
    )
    card = scorecard(evidence, RULES)
    assert len(card.scores) == len(Outcome)
    share = card[Outcome.RELIABLE].figures["slo_share_met"]
    assert share is None or 0.0 <= share <= 1.0
    assert (card[Outcome.RELIABLE].status is NONE) is (not met_flags and avail is None)
