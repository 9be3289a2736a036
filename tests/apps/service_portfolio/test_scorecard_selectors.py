"""The scorecard's selectors (``selectors_scorecard``) on hand-worked stored evidence.

The portfolio below is read on 2026-11-15 with a six-month window: 2026-05-01 to
2026-10-31. Every figure in the assertions is worked out by hand in the comments.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.apps.service_portfolio.scorecard_data import TODAY, make_measures, make_portfolio
from tests.factories.organization import WorkActivityFactory
from tests.factories.service_portfolio import ContinuityPlanFactory, ServiceFactory, SloFactory
from uplift.apps.service_portfolio.models import ComplianceCheck, ScorecardSettings, ServicePeriod
from uplift.apps.service_portfolio.selectors_scorecard import (
    objective_periods,
    portfolio_scorecards,
    scorecard_rules,
    scorecard_settings_get,
    scorecard_window,
    service_evidence,
    service_scorecard,
    slo_attainments,
)
from uplift.domain.service_outcomes import (
    AttainmentStatus,
    ContinuityState,
    Outcome,
    OutcomeStatus,
    ScorecardRules,
)

pytestmark = pytest.mark.django_db

D = dt.date
MET, AT_RISK, NOT_MET, NONE = (
    OutcomeStatus.MET,
    OutcomeStatus.AT_RISK,
    OutcomeStatus.NOT_MET,
    OutcomeStatus.NO_EVIDENCE,
)


@pytest.fixture
def measures():
    return make_measures()


@pytest.fixture
def portfolio(measures, owned_service, other_service):
    """See ``scorecard_data.make_portfolio`` for every figure."""
    return make_portfolio(measures, owned_service, other_service)


def test_the_window_is_the_last_full_months_before_today() -> None:
    assert scorecard_window(today=TODAY, months=12) == (D(2025, 11, 1), D(2026, 10, 31))
    assert scorecard_window(today=D(2026, 1, 1), months=1) == (D(2025, 12, 1), D(2025, 12, 31))
    assert scorecard_window(today=D(2026, 3, 31), months=2) == (D(2026, 1, 1), D(2026, 2, 28))


def test_the_window_defaults_to_the_settings(db) -> None:
    ScorecardSettings.objects.create(pk=1, window_months=3)
    assert scorecard_window(today=TODAY) == (D(2026, 8, 1), D(2026, 10, 31))


@pytest.mark.parametrize(
    ("period", "start", "end", "expected"),
    [
        ("month", D(2026, 5, 1), D(2026, 7, 31), ["2026-05", "2026-06", "2026-07"]),
        ("month", D(2026, 5, 2), D(2026, 7, 30), ["2026-06"]),  # cut months are left out
        ("quarter", D(2025, 11, 1), D(2026, 10, 31), ["2026-01", "2026-04", "2026-07"]),
        ("quarter", D(2026, 5, 1), D(2026, 8, 31), []),
    ],
)
def test_objective_periods_lie_wholly_in_the_range(period, start, end, expected) -> None:
    periods = objective_periods(period, start, end)
    assert [f"{first:%Y-%m}" for first, _ in periods] == expected
    for first, last in periods:
        assert first.day == 1
        assert (last + dt.timedelta(days=1)).day == 1


def test_settings_default_to_the_domain_rules_without_writing(db) -> None:
    settings = scorecard_settings_get()
    assert settings._state.adding
    assert ScorecardSettings.objects.count() == 0
    assert scorecard_rules(settings) == ScorecardRules()
    assert settings.window_months == 12


def test_rules_come_from_the_saved_settings(db) -> None:
    ScorecardSettings.objects.create(pk=1, slo_met_share=0.98, lead_time_target_days=20)
    rules = scorecard_rules()
    assert (rules.slo_met_share, rules.lead_time_target_days) == (0.98, 20.0)


def test_attainment_per_month_from_the_observations_of_the_service(portfolio) -> None:
    desk, _ = portfolio
    slo = desk.slos.get(name="Availability")
    rows = slo_attainments(slo, start=D(2026, 5, 1), end=D(2026, 10, 31))
    assert [(r.label, r.attainment.status, r.attainment.n) for r in rows] == [
        ("2026-05", AttainmentStatus.MET, 2),
        ("2026-06", AttainmentStatus.MISSED, 2),
        ("2026-07", AttainmentStatus.MET, 1),
        ("2026-08", AttainmentStatus.NO_DATA, 0),
        ("2026-09", AttainmentStatus.MET, 1),
        ("2026-10", AttainmentStatus.MET, 2),
    ]
    assert [r.attainment.value for r in rows] == pytest.approx(
        [99.8, 99.3, 99.6, None, 99.5, 99.6], abs=1e-9
    )
    assert rows[5].period_end == D(2026, 10, 31)
    assert rows[0].as_json()["period_start"] == "2026-05-01"


def test_share_meeting_attainment_counts_observations_meeting_the_target(portfolio) -> None:
    desk, _ = portfolio
    slo = desk.slos.get(name="Incidents within 4 h")
    rows = slo_attainments(slo, start=D(2026, 7, 1), end=D(2026, 8, 31))
    assert [(r.attainment.status, r.attainment.value) for r in rows] == [
        (AttainmentStatus.MET, 0.75),
        (AttainmentStatus.MISSED, 0.0),
    ]
    assert rows[0].attainment.detail == (
        "3 of 4 observation(s) ≤ 4: 75 %, which meets the required 75 %."
    )


def test_quarterly_attainment_pools_its_months(portfolio) -> None:
    desk, _ = portfolio
    slo = desk.slos.get(name="Availability by quarter")
    rows = slo_attainments(slo, start=D(2026, 1, 1), end=D(2026, 12, 31))
    assert [(r.label, r.attainment.status) for r in rows] == [
        ("2026-Q1", AttainmentStatus.NO_DATA),
        ("2026-Q2", AttainmentStatus.MISSED),  # (99.9 + 99.7 + 99.0 + 99.6) / 4 = 99.55
        ("2026-Q3", AttainmentStatus.MISSED),  # (99.6 + 99.5) / 2 = 99.55
        ("2026-Q4", AttainmentStatus.MISSED),  # Oct 99.4, 99.8; Nov 90: 96.4
    ]
    assert rows[2].attainment.value == pytest.approx(99.55)


def test_the_scorecard_of_a_service_from_its_stored_evidence(portfolio) -> None:
    desk, _ = portfolio
    card = service_scorecard(desk, today=TODAY)
    assert (card.window_start, card.window_end) == (D(2026, 5, 1), D(2026, 10, 31))
    assert card.statuses == {
        "valuable_and_compelling": "met",  # 4.0 from 3 responses, a tie
        "predictable": "not_met",  # 5 of 8 periods: 62.5 %
        "reliable": "at_risk",  # 99.5625 % ≥ 99.5 but a plan never tested
        "compliant": "at_risk",  # 1 of 2 checks waived
        "cost_effective": "met",  # cost per unit falling
        "able_to_adapt": "at_risk",  # median 40 days
    }
    ev = card.evidence
    assert ev.satisfaction_scores == (4.0, 5.0, 3.0)
    # availability: (99.9 + 99.7 + 99.0 + 99.6 + 99.6 + 99.5 + 99.4 + 99.8) / 8
    assert ev.availability_percent == pytest.approx(99.5625)
    assert len(ev.slo_attainments) == 6 + 6 + 1
    assert card.scorecard[Outcome.PREDICTABLE].figures == {
        "slo_periods": 8,
        "slo_periods_met": 5,
        "slo_share_met": 0.625,
    }
    assert [c.state for c in ev.continuity] == [
        ContinuityState.DUE,
        ContinuityState.NEVER_TESTED,
    ]
    assert [(c.policy, c.result) for c in ev.compliance_checks] == [
        ("Backup", "passed"),
        ("Logging", "waived"),
    ]
    assert card.unchecked_policies == ("Retention",)
    assert ev.cost_per_period == (100.0,) * 6
    assert ev.demand_per_period == (10.0,) * 5 + (20.0,)
    assert card.scorecard[Outcome.COST_EFFECTIVE].figures["slope"] == pytest.approx(-12.5 / 17.5)
    assert sorted(ev.change_lead_times_days) == [20.0, 60.0]
    assert [row.slo.name for row in card.slos] == [
        "Availability",
        "Availability by quarter",
        "Incidents within 4 h",
    ]
    assert [(row.met, row.missed, row.no_data) for row in card.slos] == [
        (4, 1, 1),
        (0, 1, 0),
        (1, 1, 4),
    ]
    assert card.slo_missed_periods == 3
    assert [s.outcome for s in card.shortfalls] == [
        Outcome.PREDICTABLE,
        Outcome.RELIABLE,
        Outcome.COMPLIANT,
        Outcome.ADAPTABLE,
    ]


def test_a_work_activity_delivering_two_services_counts_for_both(portfolio) -> None:
    _, hosting = portfolio
    card = service_scorecard(hosting, today=TODAY)
    assert card.evidence.satisfaction_scores == (3.0,)
    assert card.status(Outcome.VALUABLE) is NOT_MET
    assert card.status("predictable") is NONE  # no objectives
    assert card.status(Outcome.RELIABLE) is NONE  # no availability objective, no plan
    # The check recorded against "elsewhere" was for Service Desk: Hosting has none.
    assert card.status(Outcome.COMPLIANT) is NONE
    assert card.unchecked_policies == ("Elsewhere",)


def test_a_service_without_evidence_has_no_evidence_for_every_outcome(portfolio) -> None:
    bare = ServiceFactory(slug="bare")
    card = service_scorecard(bare, today=TODAY)
    assert set(card.statuses.values()) == {"no_evidence"}
    assert card.shortfalls == ()


def test_demand_counts_only_when_every_period_has_a_positive_one(portfolio) -> None:
    desk, _ = portfolio
    ServicePeriod.objects.filter(service=desk, period=D(2026, 6, 1)).update(demand=0)
    card = service_scorecard(desk, today=TODAY)
    assert card.evidence.demand_per_period is None
    assert card.scorecard[Outcome.COST_EFFECTIVE].figures["measure"] == "cost per period"
    assert "not per unit of demand" in card.notes[0]


def test_service_evidence_is_the_scorecards_evidence(portfolio) -> None:
    desk, _ = portfolio
    assert service_evidence(desk, today=TODAY) == service_scorecard(desk, today=TODAY).evidence


def test_the_scorecard_as_json_is_plain_json(portfolio) -> None:
    desk, _ = portfolio
    data = json.loads(json.dumps(service_scorecard(desk, today=TODAY).as_json()))
    assert data["service"] == "service-desk"
    assert data["shortfalls"] == ["predictable", "reliable", "compliant", "able_to_adapt"]
    assert [s["outcome"] for s in data["scores"]] == [o.value for o in Outcome]
    assert data["evidence"]["availability_percent"] == pytest.approx(99.5625)
    assert data["evidence"]["satisfaction_mean"] == 4.0
    assert data["evidence"]["unchecked_policies"] == ["Retention"]
    assert data["objectives"][0]["periods"][1] | {"detail": ""} == {
        "period": "2026-06",
        "period_start": "2026-06-01",
        "period_end": "2026-06-30",
        "status": "missed",
        "n": 2,
        "value": pytest.approx(99.3),
        "target": 99.5,
        "direction": "higher",
        "statistic": "mean",
        "required_share": None,
        "detail": "",
    }


def test_rules_from_the_settings_change_the_judgement(portfolio) -> None:
    desk, _ = portfolio
    ScorecardSettings.objects.filter(pk=1).update(slo_met_share=0.6, slo_at_risk_share=0.5)
    assert service_scorecard(desk, today=TODAY).status(Outcome.PREDICTABLE) is MET


def test_portfolio_scorecards_read_a_fixed_number_of_queries(portfolio) -> None:
    desk, hosting = portfolio
    with CaptureQueriesContext(connection) as one:
        portfolio_scorecards([desk], today=TODAY)
    more = [ServiceFactory(slug=f"more-{i}") for i in range(5)]
    for service in more:
        SloFactory(service=service, measure=desk.slos.first().measure)
        ContinuityPlanFactory(service=service)
        service.work_activities.add(WorkActivityFactory())
    with CaptureQueriesContext(connection) as many:
        cards = portfolio_scorecards([desk, hosting, *more], today=TODAY)
    assert len(one) == len(many) == 10
    assert set(cards) == {desk.pk, hosting.pk, *(s.pk for s in more)}
    assert cards[desk.pk].statuses == service_scorecard(desk, today=TODAY).statuses


def test_no_services_no_scorecards(db) -> None:
    assert portfolio_scorecards([], today=TODAY) == {}


def test_a_scorecard_as_of_a_day_counts_the_checks_made_by_then(portfolio) -> None:
    desk, _ = portfolio
    backup = desk.policies.get(slug="backup")
    ComplianceCheck.objects.create(
        policy=backup, service=desk, checked_on=D(2026, 11, 20), result="failed", reason="Later"
    )

    before = service_scorecard(desk, today=TODAY)  # 2026-11-15: the June pass counts
    after = service_scorecard(desk, today=D(2026, 11, 21))

    assert [(c.policy, c.result) for c in before.evidence.compliance_checks] == [
        ("Backup", "passed"),
        ("Logging", "waived"),
    ]
    assert ("Backup", "failed") in [(c.policy, c.result) for c in after.evidence.compliance_checks]
    assert after.statuses["compliant"] == "not_met"
