"""Policies, management reviews and their decisions, and the scorecard's settings over
HTTP (/api/services/policies/, /reviews/, /settings/).

Personas and the portfolio: see ``test_services_fixtures``. Reviews are opened by the
steering committee today, so their scorecards read the fixtures' window: Service Desk
falls short in *predictable* and *reliable*. A refused write is a 403 (or 400, 404,
409) and nothing changes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.utils import timezone

from tests.api import test_services_fixtures as fixtures
from tests.api.test_services_fixtures import (
    POLICIES,
    REVIEWS,
    SETTINGS,
    api,
    assert_documented,
    fields,
    problems,
)
from tests.conftest import MakeUser
from uplift.apps.improvements.models import Proposal
from uplift.apps.measurements.models import Measure
from uplift.apps.service_portfolio.choices import ComplianceResult, ReviewKind
from uplift.apps.service_portfolio.models import (
    ComplianceCheck,
    Decision,
    Policy,
    Review,
    ScorecardSettings,
    Service,
)
from uplift.apps.service_portfolio.services.policies import compliance_record, policy_create
from uplift.apps.service_portfolio.services.reviews import decision_add, review_open

pytestmark = pytest.mark.django_db

settings_row = fixtures.settings_row
service_owner = fixtures.service_owner
other_owner = fixtures.other_owner
steering = fixtures.steering
unit = fixtures.unit
desk_team = fixtures.desk_team
desk = fixtures.desk
hosting = fixtures.hosting
availability = fixtures.availability
desk_availability = fixtures.desk_availability
missing_desk = fixtures.missing_desk

TODAY = timezone.localdate


def review_counts() -> dict[str, Any]:
    """What a refused write must leave as it was."""
    return {
        "reviews": list(Review.objects.order_by("pk").values_list("pk", "version", "state")),
        "decisions": list(Decision.objects.order_by("pk").values_list("pk", "proposal_id")),
        "proposals": Proposal.objects.count(),
        "history": (Review.history.count(), Decision.history.count()),
    }


# --- policies -------------------------------------------------------------------------------


@pytest.fixture
def backups(process_group_member: User, desk: Service, hosting: Service) -> Policy:
    """Backups, governing both services; due for review in 90 days."""
    return policy_create(
        actor=process_group_member,
        slug="backups",
        name="Backups",
        statement="Every service keeps its backups for 35 days.",
        owner=process_group_member,
        review_due=TODAY() + dt.timedelta(days=90),
        services=[desk, hosting],
    )


@pytest.fixture
def overdue(process_group_member: User, desk: Service) -> Policy:
    """Access reviews, governing Service Desk; its review was due a week ago."""
    return policy_create(
        actor=process_group_member,
        slug="access-reviews",
        name="Access reviews",
        statement="Access rights are reviewed every quarter.",
        owner=process_group_member,
        review_due=TODAY() - dt.timedelta(days=7),
        services=[desk],
    )


def test_a_practitioner_reads_the_policies_with_their_compliance(
    practitioner: User, service_owner: User, backups: Policy, overdue: Policy, desk: Service
) -> None:
    compliance_record(
        actor=service_owner, policy=backups, service=desk, result=ComplianceResult.PASSED
    )
    client = api(practitioner)

    response = client.get(POLICIES)

    assert response.status_code == 200
    assert_documented(response, "/api/services/policies/")
    rows = {row["slug"]: row for row in response.json()["results"]}
    assert list(rows) == ["access-reviews", "backups"]  # by name
    assert (
        rows["backups"]["services"],
        rows["backups"]["service_count"],
        rows["backups"]["passed_count"],
        rows["backups"]["unchecked_count"],
        rows["backups"]["review_overdue"],
    ) == (["hosting", "service-desk"], 2, 1, 1, False)
    assert rows["access-reviews"]["review_overdue"] is True
    shown = client.get(f"{POLICIES}backups/")
    assert_documented(shown, "/api/services/policies/{slug}/")
    assert shown.json()["statement"] == "Every service keeps its backups for 35 days."
    checks = client.get(f"{POLICIES}backups/checks/")
    assert_documented(checks, "/api/services/policies/{slug}/checks/")
    assert [(c["service"], c["result"]) for c in checks.json()] == [("service-desk", "passed")]


def test_the_policies_filter_and_refuse_malformed_values(
    practitioner: User, backups: Policy, overdue: Policy
) -> None:
    client = api(practitioner)

    def slugs(**query: str) -> list[str]:
        return [row["slug"] for row in client.get(POLICIES, query).json()["results"]]

    assert slugs(review_overdue="true") == ["access-reviews"]
    assert slugs(service="hosting") == ["backups"]
    assert slugs(active="false") == []
    malformed = client.get(POLICIES, {"review_overdue": "maybe", "service": "nowhere"})
    assert malformed.status_code == 400
    assert sorted(fields(malformed)) == ["review_overdue", "service"]
    assert client.get(f"{POLICIES}no-such-policy/").status_code == 404


def test_the_process_group_adds_and_changes_a_policy(
    process_group_member: User, desk: Service
) -> None:
    client = api(process_group_member)

    added = client.post(
        POLICIES,
        {
            "slug": "encryption",
            "name": "Encryption at rest",
            "statement": "Stored data is encrypted.",
            "owner": "process.group",
            "review_due": "2027-06-30",
            "services": ["service-desk"],
        },
        format="json",
    )
    changed = client.patch(f"{POLICIES}encryption/", {"version": 1, "active": False}, format="json")
    stale = client.patch(f"{POLICIES}encryption/", {"version": 1, "name": "Old"}, format="json")

    assert added.status_code == 201, added.json()
    assert_documented(added, "/api/services/policies/", "post")
    assert added.json()["services"] == ["service-desk"]
    assert changed.status_code == 200, changed.json()
    assert_documented(changed, "/api/services/policies/{slug}/", "patch")
    assert (changed.json()["active"], changed.json()["version"]) == (False, 2)
    assert stale.status_code == 409
    assert_documented(stale, "/api/services/policies/{slug}/", "patch")
    assert Policy.objects.get().name == "Encryption at rest"


def test_a_service_owner_may_not_write_policies(service_owner: User, backups: Policy) -> None:
    client = api(service_owner)
    before = (Policy.objects.count(), Policy.history.count())

    added = client.post(
        POLICIES,
        {
            "slug": "mine",
            "name": "Mine",
            "statement": "Mine.",
            "owner": "service.owner",
            "review_due": "2027-01-01",
        },
        format="json",
    )
    changed = client.patch(f"{POLICIES}backups/", {"version": 1, "name": "X"}, format="json")

    assert (added.status_code, changed.status_code) == (403, 403)
    assert_documented(added, "/api/services/policies/", "post")
    assert (Policy.objects.count(), Policy.history.count()) == before


def test_a_policy_the_rules_refuse_is_a_400_naming_the_field(
    process_group_member: User, backups: Policy
) -> None:
    response = api(process_group_member).post(
        POLICIES,
        {
            "slug": "backups-2",
            "name": "Backups",
            "statement": "Again.",
            "owner": "process.group",
            "review_due": "2027-01-01",
        },
        format="json",
    )

    assert response.status_code == 400
    assert fields(response) == ["name"]
    assert Policy.objects.count() == 1


# --- reviews --------------------------------------------------------------------------------


@pytest.fixture
def review(steering: User, missing_desk: Service, hosting: Service) -> Review:
    """Today's portfolio review of both services, opened by the steering committee."""
    return review_open(
        actor=steering, title="Portfolio review", kind=ReviewKind.PORTFOLIO, held_on=TODAY()
    )


@pytest.fixture
def decision(review: Review, steering: User, missing_desk: Service) -> Decision:
    return decision_add(
        actor=steering,
        review=review,
        text="Add a second database replica.",
        service=missing_desk,
        outcome="reliable",
        owner=missing_desk.owner,
    )


def test_the_steering_committee_opens_a_review_of_the_catalog(
    steering: User, missing_desk: Service, hosting: Service
) -> None:
    response = api(steering).post(
        REVIEWS,
        {"title": "Portfolio review", "kind": "portfolio", "held_on": TODAY().isoformat()},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert_documented(response, "/api/services/reviews/", "post")
    body = response.json()
    review = Review.objects.get()
    assert (body["id"], body["state"], body["chair"], body["version"]) == (
        review.pk,
        "open",
        "steering",
        1,
    )
    assert body["services"] == ["hosting", "service-desk"]
    assert [entry["slug"] for entry in body["opening_snapshot"]["services"]] == [
        "hosting",
        "service-desk",
    ]
    assert [(row["service"], row["outcome"], row["status"]) for row in body["shortfalls"]] == [
        ("service-desk", "predictable", "not_met"),
        ("service-desk", "reliable", "not_met"),
    ]
    assert body["decisions"] == []


def test_a_review_of_chosen_services(steering: User, desk: Service, hosting: Service) -> None:
    response = api(steering).post(
        REVIEWS,
        {
            "title": "Hosting alignment",
            "kind": "service_alignment",
            "held_on": TODAY().isoformat(),
            "services": ["hosting"],
            "chair": "other.owner",
            "notes": "With the hosting team.",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert (response.json()["services"], response.json()["chair"]) == (["hosting"], "other.owner")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "", "kind": "portfolio", "held_on": "2026-10-15"}, "title"),
        ({"title": "R", "kind": "weekly", "held_on": "2026-10-15"}, "kind"),
        ({"title": "R", "kind": "portfolio", "held_on": "soon"}, "held_on"),
        (
            {"title": "R", "kind": "portfolio", "held_on": "2026-10-15", "services": ["x"]},
            "services",
        ),
    ],
)
def test_a_review_the_rules_refuse_is_a_400(
    steering: User, desk: Service, body: dict[str, Any], field: str
) -> None:
    response = api(steering).post(REVIEWS, body, format="json")

    assert response.status_code == 400
    assert fields(response) == [field]
    assert Review.objects.count() == 0


def test_a_practitioner_reads_reviews_but_does_not_open_them(
    practitioner: User, review: Review, decision: Decision
) -> None:
    client = api(practitioner)
    before = review_counts()

    listed = client.get(REVIEWS, {"state": "open"})
    shown = client.get(f"{REVIEWS}{review.pk}/")
    refused = client.post(
        REVIEWS, {"title": "Mine", "kind": "portfolio", "held_on": "2026-10-15"}, format="json"
    )

    assert listed.status_code == 200
    assert_documented(listed, "/api/services/reviews/")
    assert [(r["id"], r["decision_count"]) for r in listed.json()["results"]] == [(review.pk, 1)]
    assert shown.status_code == 200
    assert_documented(shown, "/api/services/reviews/{id}/")
    (item,) = shown.json()["decisions"]
    assert (item["number"], item["service"], item["outcome"], item["proposal"]) == (
        1,
        "service-desk",
        "reliable",
        None,
    )
    assert refused.status_code == 403
    assert_documented(refused, "/api/services/reviews/", "post")
    assert review_counts() == before


def test_the_review_list_refuses_a_malformed_filter(practitioner: User, review: Review) -> None:
    client = api(practitioner)

    assert client.get(REVIEWS, {"state": "closed"}).json()["count"] == 0
    response = client.get(REVIEWS, {"kind": "weekly"})
    assert response.status_code == 400
    assert fields(response) == ["kind"]
    assert client.get(f"{REVIEWS}999999/").status_code == 404


def test_a_review_is_changed_from_its_version_and_closed(steering: User, review: Review) -> None:
    client = api(steering)
    address = f"{REVIEWS}{review.pk}/"

    changed = client.patch(address, {"version": 1, "notes": "Minutes attached."}, format="json")
    stale = client.patch(address, {"version": 1, "notes": "Lost."}, format="json")
    closed = client.post(f"{address}close/")
    again = client.post(f"{address}close/")

    assert changed.status_code == 200, changed.json()
    assert_documented(changed, "/api/services/reviews/{id}/", "patch")
    assert stale.status_code == 409
    assert fields(stale) == ["version"]
    assert closed.status_code == 200
    assert_documented(closed, "/api/services/reviews/{id}/close/", "post")
    assert (closed.json()["state"], closed.json()["notes"]) == ("closed", "Minutes attached.")
    assert again.status_code == 400
    assert_documented(again, "/api/services/reviews/{id}/close/", "post")


def test_a_service_owner_may_not_close_a_review(service_owner: User, review: Review) -> None:
    before = review_counts()

    response = api(service_owner).post(f"{REVIEWS}{review.pk}/close/")

    assert response.status_code == 403
    assert review_counts() == before


# --- decisions ------------------------------------------------------------------------------


def test_the_steering_committee_records_a_decision(
    steering: User, review: Review, missing_desk: Service
) -> None:
    response = api(steering).post(
        f"{REVIEWS}{review.pk}/decisions/",
        {
            "text": "Add a second database replica.",
            "service": "service-desk",
            "outcome": "reliable",
            "owner": "service.owner",
            "due": (TODAY() + dt.timedelta(days=60)).isoformat(),
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert_documented(response, "/api/services/reviews/{id}/decisions/", "post")
    body = response.json()
    decision = Decision.objects.get()
    assert (body["id"], body["number"], body["review"], body["owner"], body["created_by"]) == (
        decision.pk,
        1,
        review.pk,
        "service.owner",
        "steering",
    )
    listed = api(steering).get(f"{REVIEWS}{review.pk}/decisions/")
    assert_documented(listed, "/api/services/reviews/{id}/decisions/")
    assert [row["number"] for row in listed.json()] == [1]


def test_a_decision_about_a_service_not_reviewed_is_refused(
    steering: User, process_group_member: User, desk: Service, hosting: Service
) -> None:
    review = review_open(
        actor=steering,
        title="Desk only",
        kind=ReviewKind.PORTFOLIO,
        held_on=TODAY(),
        services=[desk],
    )

    response = api(steering).post(
        f"{REVIEWS}{review.pk}/decisions/",
        {"text": "Move it.", "service": "hosting"},
        format="json",
    )

    assert response.status_code == 400
    assert fields(response) == ["service"]
    assert Decision.objects.count() == 0


def test_a_closed_review_takes_no_decision_and_a_practitioner_none_at_all(
    steering: User, practitioner: User, review: Review
) -> None:
    refused = api(practitioner).post(
        f"{REVIEWS}{review.pk}/decisions/", {"text": "Mine."}, format="json"
    )
    api(steering).post(f"{REVIEWS}{review.pk}/close/")
    closed = api(steering).post(
        f"{REVIEWS}{review.pk}/decisions/", {"text": "Late."}, format="json"
    )

    assert refused.status_code == 403
    assert_documented(refused, "/api/services/reviews/{id}/decisions/", "post")
    assert closed.status_code == 400
    assert_documented(closed, "/api/services/reviews/{id}/decisions/", "post")
    assert Decision.objects.count() == 0


def test_a_decision_becomes_an_improvement_proposal_once(
    steering: User, review: Review, decision: Decision
) -> None:
    client = api(steering)
    address = f"{REVIEWS}{review.pk}/decisions/{decision.pk}/propose/"

    response = client.post(address, {}, format="json")
    again = client.post(address, {}, format="json")

    assert response.status_code == 201, response.json()
    assert_documented(response, "/api/services/reviews/{id}/decisions/{decision}/propose/", "post")
    proposal = Proposal.objects.get()
    assert response["Location"].endswith(f"/api/improvements/proposals/{proposal.pk}/")
    body = response.json()
    assert body["proposal"]["id"] == proposal.pk
    assert body["proposal"]["reference"] == proposal.reference
    assert proposal.source_kind == "service_review"
    assert "Portfolio review" in proposal.source_reference
    decision.refresh_from_db()
    assert decision.proposal == proposal
    assert again.status_code == 400
    ((field, message),) = problems(again)
    assert field == "proposal"
    assert proposal.reference in message
    assert Proposal.objects.count() == 1


def test_a_proposal_with_its_own_title(steering: User, review: Review, decision: Decision) -> None:
    response = api(steering).post(
        f"{REVIEWS}{review.pk}/decisions/{decision.pk}/propose/",
        {"title": "Replicate the desk's database", "problem_statement": "One node stops it."},
        format="json",
    )

    assert response.status_code == 201, response.json()
    proposal = Proposal.objects.get()
    assert (proposal.title, proposal.problem_statement) == (
        "Replicate the desk's database",
        "One node stops it.",
    )


def test_proposing_needs_the_permission_and_writes_nothing_without_it(
    make_user: MakeUser, review: Review, decision: Decision, practitioner: User
) -> None:
    decider = make_user(username="decider")
    decider.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="service_portfolio",
            codename__in=["view_service", "view_review", "add_decision"],
        )
    )
    before = review_counts()

    for user in (User.objects.get(pk=decider.pk), practitioner):
        response = api(user).post(f"{REVIEWS}{review.pk}/decisions/{decision.pk}/propose/")
        assert response.status_code == 403, user
    assert review_counts() == before


def test_a_decision_of_another_review_is_a_404(
    steering: User, review: Review, decision: Decision, desk: Service
) -> None:
    other = review_open(
        actor=steering, title="Other", kind=ReviewKind.PORTFOLIO, held_on=TODAY(), services=[desk]
    )

    response = api(steering).post(f"{REVIEWS}{other.pk}/decisions/{decision.pk}/propose/")

    assert response.status_code == 404
    assert_documented(response, "/api/services/reviews/{id}/decisions/{decision}/propose/", "post")
    assert Proposal.objects.count() == 0


# --- scorecard settings ---------------------------------------------------------------------


def test_everyone_reads_the_settings_with_each_outcomes_rule(practitioner: User) -> None:
    response = api(practitioner).get(SETTINGS)

    assert response.status_code == 200
    assert_documented(response, "/api/services/settings/")
    body = response.json()
    assert (body["window_months"], body["availability_met_percent"]) == (12, 99.5)
    assert body["satisfaction_measure"] is None
    assert [rule["outcome"] for rule in body["rules"]] == [
        "valuable_and_compelling",
        "predictable",
        "reliable",
        "compliant",
        "cost_effective",
        "able_to_adapt",
    ]
    assert ScorecardSettings.objects.count() == 0  # reading never writes


def test_the_process_group_changes_the_settings(
    process_group_member: User, availability: Measure
) -> None:
    response = api(process_group_member).patch(
        SETTINGS,
        {
            "version": 1,
            "window_months": 6,
            "satisfaction_measure": "availability",
            "slo_met_share": 0.9,
            "slo_at_risk_share": 0.8,
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert_documented(response, "/api/services/settings/", "patch")
    saved = ScorecardSettings.objects.get()
    assert (saved.window_months, saved.satisfaction_measure, saved.slo_met_share) == (
        6,
        availability,
        0.9,
    )
    assert response.json()["updated_by"] == "process.group"
    assert response.json()["version"] == 2
    assert "90 %" in response.json()["rules"][1]["text"]


def test_the_settings_are_changed_from_their_version_and_a_stale_one_is_a_409(
    process_group_member: User,
) -> None:
    client = api(process_group_member)
    assert client.get(SETTINGS).json()["version"] == 1  # the defaults

    changed = client.patch(SETTINGS, {"version": 1, "window_months": 6}, format="json")
    stale = client.patch(SETTINGS, {"version": 1, "window_months": 3}, format="json")

    assert changed.status_code == 200, changed.json()
    assert changed.json()["version"] == 2
    assert stale.status_code == 409
    assert_documented(stale, "/api/services/settings/", "patch")
    assert "you started from 1" in stale.json()["detail"]
    saved = ScorecardSettings.objects.get()
    assert (saved.window_months, saved.version) == (6, 2)


def test_a_change_of_the_settings_needs_the_version(process_group_member: User) -> None:
    response = api(process_group_member).patch(SETTINGS, {"window_months": 6}, format="json")

    assert response.status_code == 400
    assert fields(response) == ["version"]
    assert ScorecardSettings.objects.count() == 0


def test_contradicting_thresholds_are_a_400_naming_the_field(process_group_member: User) -> None:
    response = api(process_group_member).patch(
        SETTINGS, {"version": 1, "availability_at_risk_percent": 99.9}, format="json"
    )

    assert response.status_code == 400
    assert_documented(response, "/api/services/settings/", "patch")
    assert fields(response) == ["availability_at_risk_percent"]
    assert ScorecardSettings.objects.count() == 0


@pytest.mark.parametrize("who", ["practitioner", "steering", "service_owner"])
def test_only_the_process_group_changes_the_settings(
    request: pytest.FixtureRequest, who: str
) -> None:
    response = api(request.getfixturevalue(who)).patch(
        SETTINGS, {"version": 1, "window_months": 3}, format="json"
    )

    assert response.status_code == 403
    assert ScorecardSettings.objects.count() == 0


def test_a_policy_check_counts_on_the_scorecard(
    service_owner: User, backups: Policy, desk: Service
) -> None:
    compliance_record(
        actor=service_owner,
        policy=backups,
        service=desk,
        result=ComplianceResult.FAILED,
        reason="Kept 7 days.",
    )

    body = api(service_owner).get(f"/api/services/{desk.slug}/scorecard/").json()

    compliant = next(score for score in body["scores"] if score["outcome"] == "compliant")
    assert compliant["status"] == "not_met"
    assert ComplianceCheck.objects.count() == 1
