"""The portfolio's reads (``selectors``): which scorecards an outcome filter keeps, the
lead times of changes, cost per unit and utilization, and the history of a service and
its rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.models import User

from tests.apps.service_portfolio.test_portfolio_fixtures import months_ago, period
from uplift.apps.service_portfolio.models import Service, ServiceChange
from uplift.apps.service_portfolio.selectors import (
    change_lead_times,
    scorecards_matching,
    service_history,
    service_period_rows,
)
from uplift.apps.service_portfolio.services import portfolio as services
from uplift.domain.service_outcomes import (
    ComplianceCheck,
    ScorecardRules,
    ServiceEvidence,
    scorecard,
)

D = dt.date


def card(**evidence: Any) -> Any:
    """A scorecard as ``portfolio_scorecards`` gives it (only ``.scorecard`` is read)."""
    return SimpleNamespace(scorecard=scorecard(ServiceEvidence(**evidence), ScorecardRules()))


# 1: reliable not met (98 %), everything else without evidence.
# 2: reliable met (99.9 %), compliant not met (a failed check).
# 3: compliant at risk (1 of 2 checks waived: 50 % > 25 %), reliable without evidence.
# 4: no evidence at all.
CARDS = {
    1: card(availability_percent=98.0),
    2: card(availability_percent=99.9, compliance_checks=(ComplianceCheck("Backups", "failed"),)),
    3: card(
        compliance_checks=(
            ComplianceCheck("Backups", "passed"),
            ComplianceCheck("Access", "waived", "Replaced in March"),
        )
    ),
    4: card(),
}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, [1, 2, 3, 4]),
        ({"outcome": "reliable"}, [1]),  # alone: a shortfall in that outcome
        ({"outcome": "reliable", "status": "met"}, [2]),
        ({"outcome": "reliable", "status": "no_evidence"}, [3, 4]),
        ({"outcome": "compliant"}, [2, 3]),
        ({"status": "not_met"}, [1, 2]),  # alone: in any outcome
        ({"status": "at_risk"}, [3]),
        ({"shortfall": True}, [1, 2, 3]),
        ({"shortfall": False}, [4]),
        ({"outcome": "reliable", "status": "met", "shortfall": True}, [2]),
        ({"outcome": "reliable", "status": "met", "shortfall": False}, []),
    ],
)
def test_the_outcome_filters_keep_the_matching_scorecards(
    filters: dict[str, Any], expected: list[int]
) -> None:
    assert scorecards_matching(CARDS, **filters) == expected


def change(requested: dt.date, delivered: dt.date | None) -> ServiceChange:
    return ServiceChange(title="x", requested_on=requested, delivered_on=delivered)


def test_lead_times_count_the_changes_delivered_in_the_last_year() -> None:
    today = D(2026, 11, 15)
    changes = [
        change(D(2026, 11, 1), None),  # open
        change(D(2026, 10, 1), D(2026, 10, 11)),  # 10 days
        change(D(2026, 6, 1), D(2026, 7, 1)),  # 30 days
        change(D(2026, 1, 1), D(2026, 1, 5)),  # 4 days
        change(D(2025, 10, 1), D(2025, 11, 15)),  # delivered 365 days ago: left out
    ]
    summary = change_lead_times(changes, today=today, recent=2)
    assert summary.recent == changes[:2]
    assert (summary.total, summary.open_count, summary.since) == (5, 1, D(2025, 11, 15))
    assert (summary.delivered_since, summary.median_lead_time_days) == (3, 10.0)
    assert summary.longest_lead_time_days == 30
    assert change_lead_times([], today=today).median_lead_time_days is None


@pytest.mark.django_db
def test_periods_give_cost_per_unit_and_utilization_of_the_capacity(
    owned_service: Service,
) -> None:
    owned_service.capacity = 400
    owned_service.save()
    period(owned_service, months_ago(3), "1000.00", 400)
    period(owned_service, months_ago(2), "1000.00", 500)
    period(owned_service, months_ago(1), "900.00", None)
    period(owned_service, months_ago(4), "10.00", 0)
    rows = service_period_rows(owned_service)
    assert [r.row.period for r in rows] == [months_ago(n) for n in (1, 2, 3, 4)]
    assert [r.cost_per_unit for r in rows] == [None, Decimal("2.00"), Decimal("2.50"), None]
    assert [r.utilization_percent for r in rows] == [None, 125.0, 100.0, 0.0]
    assert [r.over_capacity for r in rows] == [False, True, False, False]


@pytest.mark.django_db
def test_the_history_merges_the_service_and_its_rows_newest_first_with_their_changes(
    service_owner: User, owned_service: Service
) -> None:
    month = months_ago(1)
    services.period_set(actor=service_owner, service=owned_service, period=month, cost=5)
    services.service_update(actor=service_owner, service=owned_service, data={"name": "Desk"})
    services.period_set(actor=service_owner, service=owned_service, period=month, cost=7)
    entries = service_history(owned_service)
    assert [(e.subject, e.action) for e in entries] == [
        (f"Cost and demand {month:%Y-%m}", "Changed"),
        ("Service", "Changed"),
        (f"Cost and demand {month:%Y-%m}", "Created"),
        ("Service", "Created"),
    ]
    assert [(c.field, c.old, c.new) for c in entries[0].changes] == [
        ("cost", Decimal("5.00"), Decimal("7.00"))
    ]
    assert [(c.field, c.old, c.new) for c in entries[1].changes] == [
        ("name", "Service Desk", "Desk")
    ]
    assert {e.who for e in entries[:3]} == {service_owner}
    assert len(service_history(owned_service, limit=2)) == 2
