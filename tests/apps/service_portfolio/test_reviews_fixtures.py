"""Fixtures of the review tests (no tests here): a portfolio with evidence, a review
opened through the service, a decision, and a person who records decisions but may not
add improvement proposals.

The review is held on 2026-10-15 with a three-month window: its scorecards read
2026-07-01 to 2026-09-30. Service Desk's availability is 98.5 % in each of those months
against its 99.5 % objective: *predictable* (0 of 3 periods met) and *reliable*
(98.5 % < 99.0 %) are not met. Hosting has no evidence at all.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User

from tests.conftest import MakeUser
from tests.factories.organization import WorkActivityFactory
from tests.factories.service_portfolio import MeasureFactory, SloFactory
from uplift.apps.improvements.models import Proposal, ProposalTransition
from uplift.apps.measurements.models import Observation
from uplift.apps.service_portfolio.choices import OutcomeChoice, ReviewKind
from uplift.apps.service_portfolio.models import Decision, Review, ScorecardSettings, Service
from uplift.apps.service_portfolio.services import reviews as services

HELD_ON = dt.date(2026, 10, 15)
TITLE = "Portfolio review Q4 2026"


def observe(measure: Any, activity: Any, rows: list[tuple[dt.date, float]]) -> None:
    Observation.objects.bulk_create(
        Observation(
            measure=measure,
            work_activity=activity,
            observed_at=dt.datetime.combine(when, dt.time(12), tzinfo=dt.UTC),
            value=value,
        )
        for when, value in rows
    )


def counts() -> dict[str, Any]:
    """What a refused write must leave as it was."""
    return {
        "reviews": list(Review.objects.order_by("pk").values_list("pk", "version", "state")),
        "decisions": list(Decision.objects.order_by("pk").values_list("pk", "proposal_id", "text")),
        "proposals": Proposal.objects.count(),
        "transitions": ProposalTransition.objects.count(),
        "review_history": Review.history.count(),
        "decision_history": Decision.history.count(),
    }


@pytest.fixture
def availability(db: None) -> Any:
    return MeasureFactory(slug="availability", name="Availability")


@pytest.fixture
def evidence_service(owned_service: Service, availability: Any) -> Service:
    """Service Desk, missing its availability objective in every month of the window."""
    activity = WorkActivityFactory(slug="service-desk-team", name="Service Desk team")
    owned_service.work_activities.set([activity])
    ScorecardSettings.objects.create(pk=1, window_months=3)
    SloFactory(service=owned_service, name="Availability", measure=availability, target=99.5)
    observe(
        availability,
        activity,
        [
            (dt.date(2026, 6, 20), 99.9),  # before the window
            (dt.date(2026, 7, 10), 98.5),
            (dt.date(2026, 8, 10), 98.5),
            (dt.date(2026, 9, 10), 98.5),
            (dt.date(2026, 10, 10), 99.9),  # after the window
        ],
    )
    return owned_service


@pytest.fixture
def review(steering: User, evidence_service: Service, other_service: Service) -> Review:
    """The portfolio review of Service Desk and Hosting, opened by the steering committee."""
    return services.review_open(
        actor=steering, title=TITLE, kind=ReviewKind.PORTFOLIO, held_on=HELD_ON
    )


@pytest.fixture
def decision(review: Review, steering: User, evidence_service: Service) -> Decision:
    """Decision 1: raise Service Desk's availability (the reliable outcome)."""
    return services.decision_add(
        actor=steering,
        review=review,
        text="Add a second database replica\nso that a node failure no longer stops the desk.",
        service=evidence_service,
        outcome=OutcomeChoice.RELIABLE,
        owner=evidence_service.owner,
        due=dt.date(2026, 12, 31),
    )


@pytest.fixture
def decider_without_proposals(make_user: MakeUser) -> User:
    """Reads the portfolio and records decisions, but may not add improvement proposals."""
    user = make_user(username="decider", first_name="Dana")
    codenames = ["view_review", "view_service", "view_decision", "add_decision"]
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="service_portfolio", codename__in=codenames
        )
    )
    return User.objects.get(pk=user.pk)  # a fresh instance: no cached permissions
