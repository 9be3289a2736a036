"""Review pages: personas, 403/404/400/405/409, the list's filters and export, forms, and
the one-step proposal from a decision."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.apps.service_portfolio.test_reviews_fixtures import (
    HELD_ON,
    TITLE,
    availability,
    counts,
    decider_without_proposals,
    decision,
    evidence_service,
    review,
)
from tests.factories.service_portfolio import ReviewFactory, ServiceFactory
from uplift.apps.improvements.choices import SourceKind
from uplift.apps.improvements.models import Proposal
from uplift.apps.service_portfolio.choices import ReviewState, ServiceState
from uplift.apps.service_portfolio.models import Decision, Review, Service
from uplift.apps.service_portfolio.services import reviews as services

__all__ = [  # fixtures used by name
    "availability",
    "decider_without_proposals",
    "decision",
    "evidence_service",
    "review",
]

pytestmark = pytest.mark.django_db

PAGES = ["review_detail", "review_history"]
EDIT_PAGES = ["review_edit", "review_close", "decision_create"]


def url(name: str, *args: Any) -> str:
    return reverse(f"service_portfolio:{name}", args=args)


def html(response: Any) -> str:
    return response.content.decode()


# -- access ------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(anonymous: Client, review: Review) -> None:
    pages = [url("review_list"), url("review_create")]
    pages += [url(name, review.pk) for name in PAGES + EDIT_PAGES]
    for page in pages:
        response = anonymous.get(page)
        assert response.status_code == 302, page
        assert "login" in response["Location"]


def test_a_user_without_a_role_is_refused(
    client_for: Any, outsider: User, review: Review, decision: Decision
) -> None:
    client = client_for(outsider)
    assert client.get(url("review_list")).status_code == 403
    for name in PAGES:
        assert client.get(url(name, review.pk)).status_code == 403, name
    assert client.post(url("decision_propose", review.pk, decision.pk)).status_code == 403


@pytest.mark.parametrize("name", PAGES)
def test_a_practitioner_reads_the_review_pages(
    client_for: Any, practitioner: User, review: Review, name: str
) -> None:
    response = client_for(practitioner).get(url(name, review.pk))
    assert response.status_code == 200
    assert TITLE in html(response)


@pytest.mark.parametrize("name", EDIT_PAGES)
def test_a_practitioner_may_not_open_the_edit_pages(
    client_for: Any, practitioner: User, review: Review, name: str
) -> None:
    assert client_for(practitioner).get(url(name, review.pk)).status_code == 403


def test_nobody_without_the_permissions_changes_anything_by_posting(
    client_for: Any,
    practitioner: User,
    service_owner: User,
    review: Review,
    decision: Decision,
    evidence_service: Service,
) -> None:
    before = counts()
    for user in (practitioner, service_owner):
        client = client_for(user)
        responses = [
            client.post(url("review_create"), {"title": "Mine", "kind": "portfolio"}),
            client.post(url("review_edit", review.pk), {"title": "Mine", "kind": "portfolio"}),
            client.post(url("review_close", review.pk)),
            client.post(url("decision_create", review.pk), {"text": "Mine"}),
            client.post(url("decision_propose", review.pk, decision.pk)),
        ]
        assert [r.status_code for r in responses] == [403] * 5
    assert counts() == before


def test_unknown_reviews_and_decisions_are_404s(
    client_for: Any, steering: User, review: Review, decision: Decision
) -> None:
    client = client_for(steering)
    for name in PAGES + EDIT_PAGES:
        assert client.get(url(name, 999)).status_code == 404, name
    assert client.post(url("decision_propose", review.pk, 999)).status_code == 404
    other = ReviewFactory()
    assert client.post(url("decision_propose", other.pk, decision.pk)).status_code == 404
    assert not Proposal.objects.exists()


def test_a_closed_review_is_read_only(
    client_for: Any, steering: User, review: Review, evidence_service: Service
) -> None:
    services.review_close(actor=steering, review=review)
    client = client_for(steering)
    for name in EDIT_PAGES:
        assert client.get(url(name, review.pk)).status_code == 403, name
    response = client.post(url("decision_create", review.pk), {"text": "Late"})
    assert response.status_code == 403
    page = html(client.get(url("review_detail", review.pk)))
    assert "This review is closed" in page
    assert "Record the decision" not in page
    assert not Decision.objects.exists()


# -- the list ------------------------------------------------------------------------------------


def test_the_list_shows_reviews_with_their_counts(
    client_for: Any, practitioner: User, review: Review, decision: Decision
) -> None:
    response = client_for(practitioner).get(url("review_list"))
    assert response.status_code == 200
    row = response.context["page_obj"].object_list[0]
    assert (row.service_count, row.decision_count, row.proposal_count, row.shortfall_count) == (
        2,
        1,
        0,
        2,
    )
    page = html(response)
    assert f'href="{url("review_detail", review.pk)}"' in page
    assert "Open a review" not in page  # a practitioner opens none


@pytest.mark.parametrize(
    ("params", "found"),
    [
        ({"kind": "portfolio"}, ["Q4"]),
        ({"kind": "service_alignment"}, ["Alignment"]),
        ({"state": "closed"}, ["Alignment"]),
        ({"chair": "steering"}, ["Q4"]),
        ({"service": "service-desk"}, ["Q4"]),
        ({"service": "hosting"}, ["Q4", "Alignment"]),
        ({"q": "replica"}, ["Q4"]),
        ({"q": "alignment"}, ["Alignment"]),
        ({"held_from": "2026-10-01"}, ["Q4"]),
        ({"held_to": "2026-10-01"}, ["Alignment"]),
        ({"unproposed": "yes"}, ["Q4"]),
        ({"unproposed": "no"}, ["Alignment"]),
        ({"sort": "title"}, ["Alignment", "Q4"]),
        ({"sort": "-decisions"}, ["Q4", "Alignment"]),
    ],
)
def test_the_list_filters_and_sorts(
    client_for: Any,
    practitioner: User,
    review: Review,
    decision: Decision,
    other_service: Service,
    sponsor: User,
    params: dict[str, str],
    found: list[str],
) -> None:
    alignment = services.review_open(
        actor=sponsor,
        title="Alignment of Hosting",
        kind="service_alignment",
        held_on=dt.date(2026, 9, 1),
        services=[other_service],
    )
    services.review_close(actor=sponsor, review=alignment)
    response = client_for(practitioner).get(url("review_list"), params)
    assert response.status_code == 200
    titles = [r.title for r in response.context["page_obj"].object_list]
    names = {"Q4": TITLE, "Alignment": "Alignment of Hosting"}
    assert titles == [names[key] for key in found]


@pytest.mark.parametrize(
    "params",
    [
        {"state": "bogus"},
        {"kind": "annual"},
        {"held_from": "yesterday"},
        {"chair": "nobody"},
        {"service": "nope"},
        {"unproposed": "maybe"},
        {"sort": "nope"},
        {"colour": "red"},
    ],
)
def test_a_malformed_filter_is_a_400(
    client_for: Any, practitioner: User, review: Review, params: dict[str, str]
) -> None:
    response = client_for(practitioner).get(url("review_list"), params)
    assert response.status_code == 400


def test_the_list_exports_csv(
    client_for: Any, practitioner: User, review: Review, decision: Decision
) -> None:
    response = client_for(practitioner).get(url("review_list"), {"export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="service-reviews.csv"'
    lines = b"".join(response.streaming_content).decode().splitlines()  # type: ignore[attr-defined]
    assert lines[0] == ("Id,Title,Kind,Held on,State,Chair,Services,Decisions,Proposals,Closed at")
    assert lines[1] == f"{review.pk},{TITLE},Portfolio review,2026-10-15,Open,steering,2,1,0,"


def test_an_empty_list_says_what_to_do(client_for: Any, steering: User, db: None) -> None:
    page = html(client_for(steering).get(url("review_list")))
    assert "No reviews yet." in page
    assert f'href="{url("review_create")}">open a review</a>' in page


def test_the_list_reads_a_fixed_number_of_queries(
    client_for: Any, practitioner: User, review: Review
) -> None:
    client = client_for(practitioner)
    client.get(url("review_list"))
    with CaptureQueriesContext(connection) as one:
        client.get(url("review_list"))
    for n in range(4):
        ReviewFactory(title=f"Review {n}")
    with CaptureQueriesContext(connection) as five:
        client.get(url("review_list"))
    assert len(five.captured_queries) == len(one.captured_queries)


# -- opening and editing ---------------------------------------------------------------------------


def test_the_form_preselects_the_catalog_and_opens_a_review(
    client_for: Any, steering: User, evidence_service: Service, other_service: Service
) -> None:
    ServiceFactory(name="Fax", state=ServiceState.RETIRED)
    client = client_for(steering)
    form = client.get(url("review_create")).context["form"]
    assert set(form.initial["services"]) == {evidence_service.pk, other_service.pk}
    assert "Fax" not in [s.name for s in form.fields["services"].queryset]
    response = client.post(
        url("review_create"),
        {"title": TITLE, "kind": "portfolio", "held_on": "2026-10-15", "notes": "Agenda"},
    )
    opened = Review.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("review_detail", opened.pk)
    assert (opened.chair, opened.held_on, len(opened.opening_snapshot["services"])) == (
        steering,
        HELD_ON,
        2,
    )


def test_a_form_error_shows_on_its_field(
    client_for: Any, steering: User, evidence_service: Service
) -> None:
    client = client_for(steering)
    response = client.post(url("review_create"), {"title": "", "kind": "portfolio"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"title", "held_on"}
    assert 'aria-invalid="true"' in html(response)
    Service.objects.update(state=ServiceState.PROPOSED)
    response = client.post(
        url("review_create"), {"title": TITLE, "kind": "portfolio", "held_on": "2026-10-15"}
    )
    assert response.status_code == 400
    assert "No service is in the catalog yet" in response.context["form"].errors["services"][0]
    assert not Review.objects.exists()


def test_an_edit_from_an_older_version_comes_back_with_a_409_and_the_input_kept(
    client_for: Any, steering: User, process_group_member: User, review: Review
) -> None:
    client = client_for(steering)
    form = client.get(url("review_edit", review.pk)).context["form"]
    assert form.initial["version"] == 1
    services.review_update(actor=process_group_member, review=review, data={"notes": "Theirs"})
    data = {"title": "Mine", "kind": "portfolio", "held_on": "2026-10-15", "version": "1"}
    response = client.post(url("review_edit", review.pk), data)
    assert response.status_code == 409
    assert response.context["form"]["title"].value() == "Mine"
    assert "Nothing was saved" in html(response)
    review.refresh_from_db()
    assert (review.title, review.version) == (TITLE, 2)


def test_an_edit_saves_and_keeps_the_chair(
    client_for: Any, steering: User, review: Review, evidence_service: Service
) -> None:
    data = {
        "title": "Portfolio review, autumn",
        "kind": "portfolio",
        "held_on": "2026-10-15",
        "services": [evidence_service.pk],
        "version": "1",
    }
    response = client_for(steering).post(url("review_edit", review.pk), data)
    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.title, review.chair, list(review.services.all())) == (
        "Portfolio review, autumn",
        steering,
        [evidence_service],
    )


def test_closing_from_its_page(client_for: Any, sponsor: User, review: Review) -> None:
    client = client_for(sponsor)
    page = html(client.get(url("review_close", review.pk)))
    assert "No decision</strong> about the shortfalls of Service Desk" in page
    response = client.post(url("review_close", review.pk))
    assert response.status_code == 302
    assert Review.objects.get().state == ReviewState.CLOSED


# -- the review page, decisions, proposals ------------------------------------------------------


def test_the_review_opens_with_the_scorecards_and_shortfalls(
    client_for: Any, practitioner: User, review: Review, evidence_service: Service
) -> None:
    page = html(client_for(practitioner).get(url("review_detail", review.pk)))
    assert "Shortfalls when the review opened" in page
    assert 'Scorecards as of <time datetime="2026-10-15">' in page
    assert '<span class="badge badge--danger">Not met</span>' in page
    assert "Availability 98.5 %." in page
    assert "SLOs met in 0 of 3 period(s) (0 %)." in page
    assert f'href="{url("service_detail", "service-desk")}">Service Desk</a>' in page
    assert "No decision yet about Service Desk." in page
    assert "evidence 2026-07-01 to 2026-09-30" in page


def test_a_decision_is_recorded_from_the_review_page(
    client_for: Any, steering: User, review: Review, evidence_service: Service
) -> None:
    client = client_for(steering)
    page = client.get(url("review_detail", review.pk))
    assert [s.name for s in page.context["form"].fields["service"].queryset] == [
        "Hosting",
        "Service Desk",
    ]
    link = client.get(
        url("decision_create", review.pk), {"service": evidence_service.pk, "outcome": "reliable"}
    )
    assert link.context["form"].initial == {"service": evidence_service.pk, "outcome": "reliable"}
    response = client.post(
        url("decision_create", review.pk),
        {"text": "Add a replica", "service": evidence_service.pk, "outcome": "reliable"},
    )
    made = Decision.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{url('review_detail', review.pk)}#decision-{made.pk}"
    assert (made.text, made.service, made.created_by) == (
        "Add a replica",
        evidence_service,
        steering,
    )


def test_a_refused_decision_shows_its_error_on_the_field(
    client_for: Any, steering: User, review: Review
) -> None:
    client = client_for(steering)
    response = client.post(
        url("decision_create", review.pk), {"text": "Raise it", "outcome": "reliable"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["service"] == [
        "An outcome is an outcome of a service: choose the service too."
    ]
    outside = ServiceFactory(name="Payroll")
    response = client.post(
        url("decision_create", review.pk), {"text": "Raise it", "service": outside.pk}
    )
    assert response.status_code == 400
    assert "service" in response.context["form"].errors
    assert not Decision.objects.exists()


def test_create_improvement_proposal_lands_on_the_new_proposal(
    client_for: Any, steering: User, review: Review, decision: Decision
) -> None:
    client = client_for(steering)
    page = html(client.get(url("review_detail", review.pk)))
    action = url("decision_propose", review.pk, decision.pk)
    assert f'action="{action}"' in page
    assert "Create improvement proposal" in page
    response = client.post(action)
    proposal = Proposal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("improvements:proposal_detail", args=[proposal.pk])
    assert proposal.source_kind == SourceKind.SERVICE_REVIEW
    assert Decision.objects.get().proposal == proposal
    landed = client.get(response["Location"])
    assert landed.status_code == 200
    assert f"{TITLE} (2026-10-15), decision 1: Service Desk" in html(landed)
    page = html(client.get(url("review_detail", review.pk)))
    assert f'href="{reverse("improvements:proposal_detail", args=[proposal.pk])}"' in page
    assert '<span class="badge">Submitted</span>' in page
    assert f'action="{action}"' not in page


def test_a_second_click_is_refused_naming_the_proposal(
    client_for: Any, steering: User, review: Review, decision: Decision
) -> None:
    client = client_for(steering)
    client.post(url("decision_propose", review.pk, decision.pk))
    proposal = Proposal.objects.get()
    before = counts()
    response = client.post(url("decision_propose", review.pk, decision.pk))
    assert response.status_code == 400
    assert f"This decision became {proposal.reference}" in html(response)
    assert counts() == before


def test_proposing_is_a_post(
    client_for: Any, steering: User, review: Review, decision: Decision
) -> None:
    response = client_for(steering).get(url("decision_propose", review.pk, decision.pk))
    assert response.status_code == 405
    assert not Proposal.objects.exists()


def test_without_add_proposal_there_is_no_button_and_a_post_is_refused(
    client_for: Any, decider_without_proposals: User, review: Review, decision: Decision
) -> None:
    client = client_for(decider_without_proposals)
    page = html(client.get(url("review_detail", review.pk)))
    assert "Create improvement proposal" not in page
    assert "Not a proposal yet." in page
    assert "Record the decision" in page  # records decisions all the same
    before = counts()
    response = client.post(url("decision_propose", review.pk, decision.pk))
    assert response.status_code == 403
    assert counts() == before


def test_the_history_page_lists_the_decisions(
    client_for: Any, practitioner: User, review: Review, decision: Decision
) -> None:
    page = html(client_for(practitioner).get(url("review_history", review.pk)))
    assert "Decision 1" in page
    assert "Opened with 2 service(s)" in page


def test_the_review_page_reads_a_fixed_number_of_queries(
    client_for: Any, steering: User, review: Review, decision: Decision, evidence_service: Service
) -> None:
    client = client_for(steering)
    services.decision_propose(actor=steering, decision=decision)
    client.get(url("review_detail", review.pk))
    with CaptureQueriesContext(connection) as one:
        client.get(url("review_detail", review.pk))
    for n in range(4):
        more = services.decision_add(
            actor=steering, review=review, text=f"Decision {n}", service=evidence_service
        )
        services.decision_propose(actor=steering, decision=more)
    with CaptureQueriesContext(connection) as five:
        client.get(url("review_detail", review.pk))
    assert len(five.captured_queries) == len(one.captured_queries)
