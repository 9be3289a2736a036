"""The cost trend chart of a service's page (issue 7): monthly cost as bars and the cost
per unit of demand as a line over the scorecard's window, server-side SVG with its
figures in a table."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from tests.apps.service_portfolio.test_portfolio_fixtures import months_ago, period
from uplift.apps.service_portfolio.charts import CostPoint, _nice_top, cost_points, cost_trend_svg
from uplift.apps.service_portfolio.models import Service


class Row:
    """A period row as ``cost_points`` reads it."""

    def __init__(self, month: dt.date, cost: str, demand: float | None = None) -> None:
        self.period, self.cost, self.demand = month, Decimal(cost), demand


def test_the_points_cover_every_month_of_the_window_with_cost_per_unit_when_known() -> None:
    rows = [Row(dt.date(2026, 1, 1), "100", 40), Row(dt.date(2026, 3, 1), "90")]
    points = cost_points(rows, start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31))
    assert points == [
        CostPoint(dt.date(2026, 1, 1), Decimal("100"), Decimal("2.50")),
        CostPoint(dt.date(2026, 2, 1), None, None),
        CostPoint(dt.date(2026, 3, 1), Decimal("90"), None),
    ]


def test_the_chart_draws_bars_a_broken_line_and_escapes_its_texts() -> None:
    points = [
        CostPoint(dt.date(2026, 1, 1), Decimal("100"), Decimal("2.50")),
        CostPoint(dt.date(2026, 2, 1), Decimal("110"), Decimal("2.20")),
        CostPoint(dt.date(2026, 3, 1), None, None),
        CostPoint(dt.date(2026, 4, 1), Decimal("120"), Decimal("2.00")),
    ]
    svg = str(cost_trend_svg(points, title="Desk <cost>", currency="EUR", demand_unit="tickets"))
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" class="cost-trend" role="img"')
    assert '<title id="cost-trend-title">Desk &lt;cost&gt;</title>' in svg
    assert (
        '<desc id="cost-trend-desc">4 month(s) from 2026-01 to 2026-04, 3 with a cost: '
        "100.00 EUR in 2026-01, 120.00 EUR in 2026-04. Cost per unit of demand (tickets): 2.50 "
        "in 2026-01, "
        "2.00 in 2026-04.</desc>"
    ) in svg
    assert svg.count('class="cost-trend__cost"') == 3
    assert svg.count('class="cost-trend__unit-mark"') == 3
    # The line breaks at the month without a record: January to February, then April alone.
    assert svg.count("<polyline") == 1
    assert svg.count(">n/a</text>") == 1
    assert "Cost per unit of demand (EUR)" in svg  # not "per tickets"


def test_without_demand_only_the_cost_is_drawn() -> None:
    points = [CostPoint(dt.date(2026, 1, 1), Decimal("5"), None)]
    svg = str(cost_trend_svg(points, title="Desk", currency="EUR"))
    assert svg.count('class="cost-trend__cost"') == 1
    assert "cost-trend__unit-mark" not in svg
    assert "Cost per" not in svg


def test_no_cost_no_chart() -> None:
    assert cost_trend_svg([], title="Nothing", currency="EUR") == ""
    empty = [CostPoint(dt.date(2026, 1, 1), None, None)]
    assert cost_trend_svg(empty, title="Nothing", currency="EUR") == ""


@pytest.mark.django_db
def test_the_service_page_shows_the_chart_and_its_figures(
    client_for: Any, practitioner: User, owned_service: Service
) -> None:
    period(owned_service, months_ago(2), "1000.00", 400)
    period(owned_service, months_ago(1), "1100.00")
    response = client_for(practitioner).get(
        reverse("service_portfolio:service_detail", args=[owned_service.slug])
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="cost-trend__cost"') == 2
    assert 'aria-labelledby="cost-trend-caption"' in html
    assert f'<th scope="row">{months_ago(2):%Y-%m}</th><td>1,000.00</td><td>2.50</td>' in html
    assert len(response.context["cost_points"]) == 12  # the default window


@pytest.mark.django_db
def test_a_service_without_costs_has_no_chart(
    client_for: Any, practitioner: User, owned_service: Service
) -> None:
    response = client_for(practitioner).get(
        reverse("service_portfolio:service_detail", args=[owned_service.slug])
    )
    assert "cost-trend" not in response.content.decode()


@pytest.mark.parametrize(
    ("value", "top"),
    [
        (43_707, 48_000),
        (231.85, 240),
        (100, 100),
        (4, 4),
        (0.7, 0.8),
        (1_000_001, 1_200_000),
        (0, 1),
    ],
)
def test_the_axes_end_on_four_round_steps(value: float, top: float) -> None:
    assert _nice_top(value) == pytest.approx(top)
