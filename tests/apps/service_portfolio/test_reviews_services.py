"""Reviews and decisions (``services.reviews``, ``selectors_reviews``): the opening
snapshot, edits, closing, decisions, and a decision turned into an improvement
proposal in one step. Figures: see ``test_reviews_fixtures``."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from tests.apps.service_portfolio.test_reviews_fixtures import (
    HELD_ON,
    TITLE,
    availability,
    counts,
    decider_without_proposals,
    decision,
    evidence_service,
    observe,
    review,
)
from tests.factories.service_portfolio import ServiceFactory
from uplift.apps.improvements.choices import ProposalState, SourceKind
from uplift.apps.improvements.models import Proposal, ProposalTransition
from uplift.apps.service_portfolio.choices import (
    OutcomeChoice,
    ReviewKind,
    ReviewState,
    ServiceState,
)
from uplift.apps.service_portfolio.errors import ConflictError, ServicePortfolioError
from uplift.apps.service_portfolio.models import Decision, Review, Service
from uplift.apps.service_portfolio.selectors_reviews import (
    review_detail,
    review_history,
    review_list,
    snapshot_services,
    snapshot_shortfall_count,
)
from uplift.apps.service_portfolio.selectors_scorecard import portfolio_scorecards
from uplift.apps.service_portfolio.services import reviews as services

__all__ = [  # fixtures used by name
    "availability",
    "decider_without_proposals",
    "decision",
    "evidence_service",
    "review",
]

pytestmark = pytest.mark.django_db


def statuses(entry: dict[str, Any]) -> dict[str, str]:
    return {score["outcome"]: score["status"] for score in entry["scorecard"]["scores"]}


# -- opening: the snapshot -----------------------------------------------------------------------


def test_opening_keeps_every_catalog_services_scorecard_as_of_the_day_held(
    review: Review, evidence_service: Service, other_service: Service, steering: User
) -> None:
    snapshot = review.opening_snapshot
    assert snapshot["as_of"] == "2026-10-15"
    assert dt.datetime.fromisoformat(snapshot["taken_at"]) <= timezone.now()
    entries = snapshot["services"]
    assert [(e["id"], e["slug"], e["name"]) for e in entries] == [
        (other_service.pk, "hosting", "Hosting"),
        (evidence_service.pk, "service-desk", "Service Desk"),
    ]
    desk = entries[1]
    assert desk["scorecard"]["window_start"] == "2026-07-01"
    assert desk["scorecard"]["window_end"] == "2026-09-30"
    assert statuses(desk)["predictable"] == "not_met"
    assert statuses(desk)["reliable"] == "not_met"
    assert set(statuses(entries[0]).values()) == {"no_evidence"}
    # The kept scorecard is the scorecard of that day, whole.
    expected = portfolio_scorecards([evidence_service], today=HELD_ON)[evidence_service.pk]
    assert desk["scorecard"] == json.loads(json.dumps(expected.as_json(), cls=DjangoJSONEncoder))
    assert set(review.services.all()) == {evidence_service, other_service}
    assert (review.state, review.version, review.chair, review.created_by) == (
        ReviewState.OPEN,
        1,
        steering,
        steering,
    )
    record = review.history.get()
    assert (record.history_user, record.history_change_reason) == (
        steering,
        "Opened with 2 service(s)",
    )


def test_the_kept_scorecard_does_not_follow_later_evidence(
    review: Review, evidence_service: Service, availability: Any
) -> None:
    activity = evidence_service.work_activities.get()
    observe(availability, activity, [(dt.date(2026, 8, d), 100.0) for d in range(11, 31)])
    now = portfolio_scorecards([evidence_service], today=HELD_ON)[evidence_service.pk]
    assert now.statuses["reliable"] != "not_met"  # the evidence did change
    review.refresh_from_db()
    kept = review_detail(review).services[1]
    assert kept.score("reliable").status == "not_met"  # type: ignore[union-attr]
    assert "98.5" in kept.score("reliable").reason  # type: ignore[union-attr]


def test_a_review_held_later_takes_the_scorecards_of_today(
    steering: User, evidence_service: Service
) -> None:
    later = timezone.localdate() + dt.timedelta(days=30)
    opened = services.review_open(
        actor=steering, title="Next review", kind=ReviewKind.PORTFOLIO, held_on=later
    )
    assert opened.opening_snapshot["as_of"] == timezone.localdate().isoformat()


def test_opening_reviews_only_the_services_chosen_and_the_chair_named(
    sponsor: User, steering: User, evidence_service: Service, other_service: Service
) -> None:
    opened = services.review_open(
        actor=sponsor,
        title="Service alignment: Service Desk",
        kind=ReviewKind.SERVICE_ALIGNMENT,
        held_on=HELD_ON,
        services=[evidence_service.slug],
        chair=steering,
        notes="  Agenda: availability.  ",
    )
    assert list(opened.services.all()) == [evidence_service]
    assert [e["slug"] for e in opened.opening_snapshot["services"]] == ["service-desk"]
    assert (opened.chair, opened.notes) == (steering, "Agenda: availability.")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": "  "}, "title", "Give the review a title."),
        ({"title": "x" * 201}, "title", "at most 200"),
        ({"kind": "annual"}, "kind", "not a kind of review"),
        ({"held_on": None}, "held_on", "Give the date"),
        ({"held_on": "15/10/2026"}, "held_on", "not a date"),
        ({"services": [999]}, "services", "No service is known as 999"),
        ({"services": ["nope"]}, "services", "No service is known as nope"),
        ({"chair": "nobody"}, "chair", "not an active user"),
    ],
)
def test_opening_refuses_bad_input_and_writes_nothing(
    steering: User,
    evidence_service: Service,
    changes: dict[str, Any],
    field: str,
    message: str,
) -> None:
    values: dict[str, Any] = {
        "title": TITLE,
        "kind": ReviewKind.PORTFOLIO,
        "held_on": HELD_ON,
        **changes,
    }
    with pytest.raises(ServicePortfolioError) as caught:
        services.review_open(actor=steering, **values)
    assert caught.value.field == field
    assert message in caught.value.message
    assert not Review.objects.exists()


def test_opening_refuses_a_retired_service_and_an_empty_catalog(steering: User, db: None) -> None:
    retired = ServiceFactory(name="Fax", state=ServiceState.RETIRED)
    ServiceFactory(name="Ideas", state=ServiceState.PROPOSED)
    with pytest.raises(ServicePortfolioError, match="Retired services are not reviewed: Fax"):
        services.review_open(
            actor=steering, title=TITLE, kind="portfolio", held_on=HELD_ON, services=[retired]
        )
    with pytest.raises(ServicePortfolioError, match="No service is in the catalog yet"):
        services.review_open(actor=steering, title=TITLE, kind="portfolio", held_on=HELD_ON)
    assert not Review.objects.exists()


@pytest.mark.parametrize("persona", ["service_owner", "practitioner"])
def test_only_those_who_open_reviews_may_open_one(
    request: pytest.FixtureRequest, persona: str, evidence_service: Service
) -> None:
    actor = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        services.review_open(actor=actor, title=TITLE, kind="portfolio", held_on=HELD_ON)
    assert not Review.objects.exists()


# -- editing and closing ---------------------------------------------------------------------------


def test_an_edit_saves_what_changed_with_its_reason(
    review: Review, process_group_member: User
) -> None:
    services.review_update(
        actor=process_group_member,
        review=review,
        data={"title": "Portfolio review 2026-Q4", "notes": "Minutes follow.", "kind": "portfolio"},
        expected_version=1,
    )
    review.refresh_from_db()
    assert (review.title, review.notes, review.version) == (
        "Portfolio review 2026-Q4",
        "Minutes follow.",
        2,
    )
    record = review.history.first()
    assert record.history_user == process_group_member  # type: ignore[union-attr]
    assert record.history_change_reason == "Changed: title, notes"  # type: ignore[union-attr]


def test_an_unchanged_save_writes_nothing(review: Review, steering: User) -> None:
    before = counts()
    services.review_update(actor=steering, review=review, data={"title": TITLE})
    assert counts() == before


def test_an_edit_from_an_older_version_is_refused(review: Review, steering: User) -> None:
    services.review_update(actor=steering, review=review, data={"notes": "First"})
    before = counts()
    with pytest.raises(ConflictError, match="you started from 1"):
        services.review_update(
            actor=steering, review=review, data={"notes": "Second"}, expected_version=1
        )
    assert counts() == before


def test_a_service_added_gets_its_scorecard_kept_and_one_removed_loses_it(
    review: Review, steering: User, evidence_service: Service, other_service: Service
) -> None:
    third = ServiceFactory(slug="backup", name="Backup")
    services.review_update(
        actor=steering, review=review, data={"services": [evidence_service, third]}
    )
    review.refresh_from_db()
    assert [e["slug"] for e in review.opening_snapshot["services"]] == ["service-desk", "backup"]
    assert set(review.services.all()) == {evidence_service, third}
    assert review.history.first().history_change_reason == "Changed: services"  # type: ignore[union-attr]
    assert review.history.count() == 2  # one record for the change, not one per service


def test_the_history_names_the_services_before_and_after(
    review: Review, steering: User, evidence_service: Service, other_service: Service
) -> None:
    third = ServiceFactory(slug="backup", name="Backup")
    opened = {s.name for s in review.services.all()}
    services.review_update(
        actor=steering, review=review, data={"services": [evidence_service, third]}
    )
    entries = review_history(review)
    [change] = entries[0].changes
    assert (change.field, change.old, change.new) == (
        "services",
        ", ".join(sorted(opened)),
        ", ".join(sorted([evidence_service.name, "Backup"])),
    )
    created = review.history.earliest("history_date")
    assert {link.service.name for link in created.services.all()} == opened


def test_a_service_with_decisions_stays_in_the_review(
    review: Review, decision: Decision, steering: User, other_service: Service
) -> None:
    before = counts()
    with pytest.raises(ServicePortfolioError, match="Decisions were recorded about Service Desk"):
        services.review_update(actor=steering, review=review, data={"services": [other_service]})
    assert counts() == before


def test_unknown_fields_and_empty_service_lists_are_refused(review: Review, steering: User) -> None:
    with pytest.raises(ServicePortfolioError, match="Unknown field: state") as caught:
        services.review_update(actor=steering, review=review, data={"state": "closed"})
    assert caught.value.field == "state"
    with pytest.raises(ServicePortfolioError, match="at least one service"):
        services.review_update(actor=steering, review=review, data={"services": []})


def test_closing_keeps_the_review_as_it_is(review: Review, steering: User) -> None:
    services.review_close(actor=steering, review=review)
    assert review.state == ReviewState.CLOSED
    review.refresh_from_db()
    assert (review.state, review.version) == (ReviewState.CLOSED, 2)
    assert review.closed_at is not None
    assert review.history.first().history_change_reason == "Closed"  # type: ignore[union-attr]
    before = counts()
    with pytest.raises(ServicePortfolioError, match="is closed") as caught:
        services.review_close(actor=steering, review=review)
    assert caught.value.field == "state"
    with pytest.raises(ServicePortfolioError, match="is closed"):
        services.review_update(actor=steering, review=review, data={"notes": "Late"})
    assert counts() == before


@pytest.mark.parametrize("persona", ["service_owner", "practitioner"])
def test_only_those_who_change_reviews_may_edit_or_close_them(
    request: pytest.FixtureRequest, persona: str, review: Review
) -> None:
    actor = request.getfixturevalue(persona)
    before = counts()
    with pytest.raises(PermissionDenied):
        services.review_update(actor=actor, review=review, data={"notes": "Mine"})
    with pytest.raises(PermissionDenied):
        services.review_close(actor=actor, review=review)
    assert counts() == before


# -- decisions -------------------------------------------------------------------------------------


def test_a_decision_is_recorded_with_its_owner_and_due_date(
    decision: Decision, steering: User, service_owner: User, evidence_service: Service
) -> None:
    decision.refresh_from_db()
    assert (decision.service, decision.outcome, decision.owner, decision.due) == (
        evidence_service,
        "reliable",
        service_owner,
        dt.date(2026, 12, 31),
    )
    assert (decision.created_by, decision.proposal) == (steering, None)
    record = decision.history.get()
    assert (record.history_user, record.history_change_reason) == (steering, "Recorded")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"text": " \n "}, "text", "Say what was decided."),
        ({"service": None}, "service", "choose the service too"),
        ({"outcome": "happy"}, "outcome", "not one of the outcomes"),
        ({"due": dt.date(2026, 10, 14)}, "due", "before the review was held (2026-10-15)"),
        ({"owner": "nobody"}, "owner", "not an active user"),
    ],
)
def test_a_decision_refuses_bad_input(
    review: Review,
    steering: User,
    evidence_service: Service,
    changes: dict[str, Any],
    field: str,
    message: str,
) -> None:
    values: dict[str, Any] = {
        "text": "Raise availability",
        "service": evidence_service,
        "outcome": OutcomeChoice.RELIABLE,
        **changes,
    }
    before = counts()
    with pytest.raises(ServicePortfolioError) as caught:
        services.decision_add(actor=steering, review=review, **values)
    assert (caught.value.field, message in caught.value.message) == (field, True)
    assert counts() == before


def test_a_decision_is_about_a_service_of_the_review(review: Review, steering: User) -> None:
    outside = ServiceFactory(name="Payroll")
    with pytest.raises(ServicePortfolioError, match="Payroll is not among the services"):
        services.decision_add(actor=steering, review=review, text="Drop it", service=outside)
    assert not Decision.objects.exists()


def test_a_closed_review_takes_no_more_decisions(review: Review, steering: User) -> None:
    services.review_close(actor=steering, review=review)
    with pytest.raises(ServicePortfolioError, match="is closed") as caught:
        services.decision_add(actor=steering, review=review, text="Too late")
    assert caught.value.field == "state"
    assert not Decision.objects.exists()


@pytest.mark.parametrize("persona", ["service_owner", "practitioner"])
def test_only_those_who_decide_may_record_a_decision(
    request: pytest.FixtureRequest, persona: str, review: Review
) -> None:
    actor = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        services.decision_add(actor=actor, review=review, text="Mine")
    assert not Decision.objects.exists()


# -- a decision becomes an improvement proposal ----------------------------------------------------


def test_a_decision_becomes_a_submitted_proposal_linked_both_ways(
    decision: Decision, steering: User
) -> None:
    proposal = services.decision_propose(actor=steering, decision=decision)

    decision.refresh_from_db()
    assert decision.proposal_id == proposal.pk
    stored = Proposal.objects.get()
    assert stored == proposal
    assert (stored.state, stored.source_kind, stored.submitted_by) == (
        ProposalState.SUBMITTED,
        SourceKind.SERVICE_REVIEW,
        steering,
    )
    assert stored.source_reference == f"{TITLE} (2026-10-15), decision 1: Service Desk"
    assert stored.title == "Service Desk: Add a second database replica"
    assert stored.proposed_change == decision.text
    problem = stored.problem_statement
    assert problem.startswith(
        f"Decided at “{TITLE}” (2026-10-15), decision 1: Add a second database replica"
    )
    assert (
        "Reliable of Service Desk when the review opened (evidence 2026-07-01 to 2026-09-30): "
        "not met. Availability 98.5 %." in problem
    )
    assert "Rule: Reliable: met when availability ≥ 99.5 %" in problem
    assert "Availability percent: 98.5" in problem
    assert stored.success_criteria.startswith(
        "The scorecard of Service Desk shows reliable as met again. Reliable: met when"
    )
    assert ProposalTransition.objects.get(proposal=stored).name == "submit"
    record = decision.history.first()
    assert (record.history_user, record.history_change_reason) == (  # type: ignore[union-attr]
        steering,
        f"Became {stored.reference}",
    )


def test_a_decision_becomes_one_proposal_only(decision: Decision, steering: User) -> None:
    first = services.decision_propose(actor=steering, decision=decision)
    before = counts()
    stale = Decision.objects.get(pk=decision.pk)
    stale.proposal_id = None  # as a second click from a page read before the first
    with pytest.raises(ServicePortfolioError) as caught:
        services.decision_propose(actor=steering, decision=stale)
    assert caught.value.field == "proposal"
    assert f"became {first.reference} “{first.title}” already" in caught.value.message
    with pytest.raises(ServicePortfolioError, match=first.reference):
        services.decision_propose(actor=steering, decision=decision)
    assert counts() == before


def test_without_the_permission_to_add_proposals_nothing_is_written(
    decision: Decision, decider_without_proposals: User
) -> None:
    before = counts()
    with pytest.raises(PermissionDenied, match="add proposals"):
        services.decision_propose(actor=decider_without_proposals, decision=decision)
    assert counts() == before


@pytest.mark.parametrize("persona", ["service_owner", "practitioner"])
def test_those_who_do_not_decide_may_not_propose(
    request: pytest.FixtureRequest, persona: str, decision: Decision
) -> None:
    before = counts()
    with pytest.raises(PermissionDenied):
        services.decision_propose(actor=request.getfixturevalue(persona), decision=decision)
    assert counts() == before


def test_the_proposal_and_the_link_are_one_transaction(
    decision: Decision, steering: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure after the proposal is written (here: recording the link) leaves neither."""
    real = services.record_actor

    def failing(instance: Any, actor: Any, reason: str = "") -> None:
        if reason.startswith("Became"):
            raise RuntimeError("the link could not be recorded")
        real(instance, actor, reason)

    monkeypatch.setattr(services, "record_actor", failing)
    before = counts()
    with pytest.raises(RuntimeError):
        services.decision_propose(actor=steering, decision=decision)
    assert counts() == before


def test_a_proposal_the_proposal_rules_refuse_writes_nothing(
    decision: Decision, steering: User
) -> None:
    before = counts()
    with pytest.raises(ServicePortfolioError) as caught:
        services.decision_propose(actor=steering, decision=decision, title="x" * 201)
    assert caught.value.field == "title"
    assert counts() == before


def test_the_title_and_problem_may_be_given(decision: Decision, steering: User) -> None:
    proposal = services.decision_propose(
        actor=steering, decision=decision, title="Replica", problem_statement="Outages."
    )
    assert (proposal.title, proposal.problem_statement) == ("Replica", "Outages.")
    assert proposal.source_reference.endswith("decision 1: Service Desk")


def test_a_portfolio_decision_names_no_service(
    review: Review, decision: Decision, sponsor: User
) -> None:
    second = services.decision_add(
        actor=sponsor, review=review, text="Review the portfolio every quarter."
    )
    proposal = services.decision_propose(actor=sponsor, decision=second)
    assert proposal.source_reference == f"{TITLE} (2026-10-15), decision 2"
    assert proposal.title == "Review the portfolio every quarter."
    assert proposal.problem_statement == (
        f"Decided at “{TITLE}” (2026-10-15), decision 2: Review the portfolio every quarter."
    )
    assert proposal.success_criteria == ""


def test_a_decision_without_an_outcome_carries_the_services_shortfalls(
    review: Review, steering: User, evidence_service: Service, other_service: Service
) -> None:
    about_desk = services.decision_add(
        actor=steering, review=review, text="Rework the desk", service=evidence_service
    )
    problem = services.decision_propose(actor=steering, decision=about_desk).problem_statement
    assert "Shortfalls of Service Desk when the review opened (evidence 2026-07-01 to" in problem
    assert "- Predictable: not met. SLOs met in 0 of 3 period(s) (0 %)." in problem
    assert "- Reliable: not met. Availability 98.5 %." in problem
    about_hosting = services.decision_add(
        actor=steering, review=review, text="Keep hosting", service=other_service
    )
    problem = services.decision_propose(actor=steering, decision=about_hosting).problem_statement
    assert "Hosting had no shortfall on its scorecard when the review opened." in problem


def test_a_decision_of_a_closed_review_still_becomes_a_proposal(
    review: Review, decision: Decision, steering: User
) -> None:
    services.review_close(actor=steering, review=review)
    proposal = services.decision_propose(actor=steering, decision=decision)
    assert Decision.objects.get(pk=decision.pk).proposal == proposal


# -- reading ---------------------------------------------------------------------------------------


def test_the_review_detail_opens_with_the_shortfalls_and_the_decisions_proposals(
    review: Review, decision: Decision, steering: User, other_service: Service
) -> None:
    detail = review_detail(review)
    assert [row.name for row in detail.services] == ["Hosting", "Service Desk"]
    assert [(row.name, score.outcome, score.status) for row, score in detail.shortfalls] == [
        ("Service Desk", "predictable", "not_met"),
        ("Service Desk", "reliable", "not_met"),
    ]
    assert detail.as_of == HELD_ON
    assert detail.undecided == []
    [row] = detail.decisions
    assert (row.number, row.proposal, row.score.status) == (1, None, "not_met")  # type: ignore[union-attr]
    proposal = services.decision_propose(actor=steering, decision=decision)
    [row] = review_detail(review).decisions
    assert (row.proposal, row.proposal_state) == (proposal, "Submitted")
    assert review_detail(review).proposal_count == 1


def test_a_service_the_snapshot_lacks_shows_without_a_scorecard(
    review: Review, other_service: Service
) -> None:
    Review.objects.filter(pk=review.pk).update(opening_snapshot={"services": "garbled"})
    review.refresh_from_db()
    rows = snapshot_services(review)
    assert {(row.name, row.has_scorecard) for row in rows} == {
        ("Hosting", False),
        ("Service Desk", False),
    }
    assert snapshot_shortfall_count(review.opening_snapshot) == 0


def test_the_list_counts_services_decisions_proposals_and_shortfalls(
    review: Review, decision: Decision, steering: User
) -> None:
    services.decision_add(actor=steering, review=review, text="Another")
    services.decision_propose(actor=steering, decision=decision)
    row = review_list().get()
    assert (row.service_count, row.decision_count, row.proposal_count) == (2, 2, 1)
    assert snapshot_shortfall_count(row.opening_snapshot) == 2


def test_the_history_lists_the_review_and_its_decisions(
    review: Review, decision: Decision, steering: User
) -> None:
    services.review_update(actor=steering, review=review, data={"notes": "Minutes"})
    proposal = services.decision_propose(actor=steering, decision=decision)
    entries = review_history(review)
    assert [(e.subject, e.action, e.reason) for e in entries] == [
        ("Decision 1", "Changed", f"Became {proposal.reference}"),
        ("Review", "Changed", "Changed: notes"),
        ("Decision 1", "Created", "Recorded"),
        ("Review", "Created", "Opened with 2 service(s)"),
    ]
    assert all(entry.who == steering for entry in entries)
    assert [(c.field, c.old, c.new) for c in entries[1].changes] == [("notes", "", "Minutes")]


def test_the_review_detail_reads_two_queries(
    review: Review, decision: Decision, steering: User, django_assert_num_queries: Any
) -> None:
    proposal = services.decision_propose(actor=steering, decision=decision)
    fresh = Review.objects.get(pk=review.pk)
    with django_assert_num_queries(2):
        [row] = review_detail(fresh).decisions
        seen = (row.proposal.title, row.decision.service.name, row.decision.owner.username)
    assert seen == (proposal.title, "Service Desk", "service.owner")
