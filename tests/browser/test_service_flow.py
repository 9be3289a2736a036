"""Issue 7 in a real browser: the portfolio shows a service missing its availability
objective; the process group opens a portfolio review, records a decision about that
service's shortfall and turns it into an improvement proposal in one step, landing on
the proposal, which says where it came from.

The data: the demo organization (its sign-ins and work activities) and the demo
measurements (about two seconds on SQLite), as ``test_deployment_flow.py`` loads them,
not the whole demo. The portfolio is small and made through the services: three
services of Managed Services owned by the service owner, each with the availability
objective of the demo (99.5 %, the monthly mean), and the scorecard reading satisfaction
from the demo's measure. The measurements make Database Hosting's downtime grow with
its load (``DEMO_AVAILABILITY_MISS``, docs/demo-data.md): it misses the objective in
most months of the last year, Hosting and the Service Desk in none. The scorecards are
today's, so the test reads counts with patterns rather than fixed figures.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.pages import sign_in
from uplift.apps.improvements.choices import SourceKind
from uplift.apps.improvements.models import Proposal
from uplift.apps.measurements.demo import DEMO_AVAILABILITY_MISS, measurement_demo_load
from uplift.apps.measurements.selectors import measure_get
from uplift.apps.organization.demo import demo_load
from uplift.apps.organization.selectors import unit_get, work_activity_list
from uplift.apps.service_portfolio.choices import ServiceState, SloKind
from uplift.apps.service_portfolio.models import Decision, Review
from uplift.apps.service_portfolio.services.objectives import (
    scorecard_settings_update,
    slo_create,
)
from uplift.apps.service_portfolio.services.portfolio import service_create

pytestmark = pytest.mark.browser

SERVICES = ("service-desk", "hosting", DEMO_AVAILABILITY_MISS)
OBJECTIVE = "Availability at least 99.5 %"
REVIEW = "Portfolio review of the hosting services"
DECISION = (
    "Find the causes of Database Hosting's outages and remove them; report at the next review."
)


@pytest.fixture
def portfolio(transactional_db: None) -> None:
    """The demo organization and measurements; three services with their availability
    objective, written through the services by the process group and the owner."""
    list(demo_load())
    list(measurement_demo_load())
    users = get_user_model().objects
    group, owner = users.get(username="process.group"), users.get(username="service.owner")
    scorecard_settings_update(
        actor=group, data={"satisfaction_measure": measure_get(slug="customer-satisfaction")}
    )
    activities = {wa.slug: wa for wa in work_activity_list().filter(slug__in=SERVICES)}
    for slug in SERVICES:
        service = service_create(
            actor=group,
            slug=slug,
            name=activities[slug].name,
            owner=owner,
            unit=unit_get(slug="managed-services"),
            state=ServiceState.CATALOG,
            customers=["Product Engineering"],
            work_activities=[activities[slug]],
        )
        slo_create(
            actor=owner,
            service=service,
            name=OBJECTIVE,
            measure=measure_get(slug="availability"),
            target=99.5,
            kind=SloKind.AVAILABILITY,
        )


def _row(table: Any, name: str) -> Any:
    """The table's row whose first cell names ``name`` (a link of that exact text)."""
    return table.get_by_role("row").filter(
        has=table.page.get_by_role("link", name=name, exact=True)
    )


def test_a_missed_availability_objective_becomes_an_improvement_proposal_from_the_review(
    page: Any, portfolio: None
) -> None:
    # The portfolio: Database Hosting visibly misses its availability objective.
    sign_in(page, "process.group", reverse("service_portfolio:service_list"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Service portfolio")
    table = page.get_by_role("table", name=re.compile("the status of its six outcomes"))
    expect(table.get_by_role("row")).to_have_count(4)  # a header and three services
    missing = _row(table, "Database Hosting")
    expect(missing).to_contain_text(re.compile(rf"{re.escape(OBJECTIVE)}: missed \d+ of \d+"))
    expect(missing).to_contain_text("Reliable: Availability")  # the status's reason
    expect(missing.locator(".badge", has_text=re.compile(r"At risk|Not met"))).not_to_have_count(0)
    for name in ("Hosting", "Service Desk"):
        expect(_row(table, name)).to_contain_text(re.compile(r"none of \d+ periods"))
        expect(_row(table, name)).not_to_contain_text(f"{OBJECTIVE}: missed")

    # A portfolio review opens with every catalog service's scorecard and shortfalls.
    page.get_by_role("navigation", name="Service portfolio").get_by_role(
        "link", name="Reviews"
    ).click()
    page.get_by_role("link", name="Open a review", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open a review")
    page.get_by_label(re.compile(r"^Title")).fill(REVIEW)
    page.get_by_role("button", name="Open the review").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(REVIEW)
    shortfalls = page.get_by_role("table", name=re.compile("at risk or not met when the review"))
    reliable = _row(shortfalls, "Database Hosting").filter(has_text="Reliable")
    expect(reliable).to_have_count(1)
    expect(reliable).to_contain_text("Availability")
    expect(_row(shortfalls, "Hosting")).to_have_count(0)

    # A decision about that shortfall, the service and outcome chosen from the row.
    reliable.get_by_role("link", name=re.compile("Record a decision")).click()
    expect(page.get_by_label(re.compile(r"^Service"))).to_have_value(
        re.compile(r"\d+")  # the service, chosen
    )
    page.get_by_label(re.compile(r"^Decision")).fill(DECISION)
    page.get_by_role("button", name="Record the decision").click()
    decision = page.get_by_role("heading", level=3, name=re.compile(r"^Decision 1: Database"))
    expect(decision).to_contain_text("reliable")

    # One step: the decision becomes a proposal, and the browser lands on it.
    review_url = page.url.split("#")[0]
    page.get_by_role("button", name="Create improvement proposal from decision 1").click()
    expect(page).to_have_url(re.compile(r"/improvements/proposals/\d+/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Database Hosting")
    source = page.get_by_role("region", name="Source and scope")
    expect(source).to_contain_text("Service review decision")
    expect(source).to_contain_text(f"{REVIEW} (")
    expect(source).to_contain_text("decision 1: Database Hosting")

    stored = Decision.objects.select_related("proposal").get(review__title=REVIEW)
    assert stored.proposal is not None
    assert stored.proposal.source_kind == SourceKind.SERVICE_REVIEW
    assert stored.proposal.submitted_by.username == "process.group"
    assert DECISION in stored.proposal.problem_statement
    assert Proposal.objects.count() == 1
    assert Review.objects.get(title=REVIEW).services.count() == 3

    # Back on the review, the decision links its proposal and cannot be proposed again.
    page.goto(review_url)
    entry = page.locator(f"#decision-{stored.pk}")
    expect(
        entry.get_by_role("link", name=re.compile(re.escape(stored.proposal.title)))
    ).to_be_visible()
    expect(
        entry.get_by_role("button", name=re.compile("Create improvement proposal"))
    ).to_have_count(0)
