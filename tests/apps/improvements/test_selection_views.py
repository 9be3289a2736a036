"""The selection pages: scores matrix and ranking, sensitivity, portfolio, what-if weights,
one proposal's scores, and the criteria pages; who may read and who may write.

Worked totals (default weights; see test_selection_services.py): B 4.65, A 4.20, C
incomplete (contribution only).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.apps.improvements import selection_fixtures
from tests.apps.improvements.selection_fixtures import proposal
from uplift.apps.improvements.choices import ProposalState
from uplift.apps.improvements.models import Criterion, Score

pytestmark = pytest.mark.django_db

criteria = selection_fixtures.criteria

A_SCORES = {"contribution": 5, "cost": 2, "risk": 2, "effort": 3, "time_to_benefit": 2}
B_SCORES = {"contribution": 4, "cost": 1, "risk": 1, "effort": 1, "time_to_benefit": 1}
SELECTION = reverse("improvements:selection")


@pytest.fixture
def candidates(criteria):
    return {
        "A": proposal(estimated_cost=100, title="Alpha change", **A_SCORES),
        "B": proposal(
            ProposalState.VALIDATING, estimated_cost=300, title="Beta change", **B_SCORES
        ),
        "C": proposal(title="Gamma change", contribution=3),
    }


@pytest.fixture
def reader(client_for, practitioner):
    return client_for(practitioner)


@pytest.fixture
def writer(client_for, process_group_member):
    return client_for(process_group_member)


def scores():
    return sorted(Score.objects.values_list("proposal__title", "criterion__slug", "value"))


# -- access ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["selection", "criterion_list", "criterion_create", "proposal_scores"]
)
def test_anonymous_visitors_are_sent_to_sign_in(client, candidates, name):
    args = [candidates["A"].pk] if name == "proposal_scores" else []

    response = client.get(reverse(f"improvements:{name}", args=args))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_someone_without_a_role_sees_no_selection(client_for, outsider, candidates):
    client = client_for(outsider)

    assert client.get(SELECTION).status_code == 403
    assert client.get(reverse("improvements:criterion_list")).status_code == 403
    scores_page = reverse("improvements:proposal_scores", args=[candidates["A"].pk])
    assert client.get(scores_page).status_code == 403


# -- the page ----------------------------------------------------------------------------------


def test_a_practitioner_reads_the_ranking_with_missing_scores_flagged(reader, candidates):
    response = reader.get(SELECTION)

    assert response.status_code == 200
    rows = [(row.proposal.title, row.ranked.rank) for row in response.context["result"].rows]
    assert rows == [("Beta change", 1), ("Alpha change", 2), ("Gamma change", 3)]
    page = response.content.decode()
    assert "<strong>4.650</strong>" in page
    assert "Missing: Cost, Risk, Effort, Time to benefit" in page
    assert 'name="s-' not in page
    assert "Save scores" not in page
    assert response.context["matrix_form"] is None


def test_the_sensitivity_is_said_in_words_with_the_ranks_at_other_weights(reader, candidates):
    b, a = candidates["B"].reference, candidates["A"].reference

    response = reader.get(SELECTION)

    page = response.content.decode()
    contribution = response.context["sensitivity"][0]
    assert contribution.name == "Contribution to objectives"
    assert contribution.leader_text.startswith(
        f"The leader stays {b} while the weight of Contribution to objectives stays between"
    )
    assert f"{b} and {a} swap" in contribution.leader_text
    assert contribution.leader_text in page
    assert [label for label, _, _ in contribution.headers] == ["-50%", "-25%", "+25%", "+50%"]
    assert "Ranks with the weight of Cost changed" in page


def test_what_if_weights_are_labelled_as_not_saved(reader, candidates):
    response = reader.get(SELECTION, {"w_contribution": "3"})

    assert response.status_code == 200
    titles = [row.proposal.title for row in response.context["result"].rows]
    assert titles[:2] == ["Alpha change", "Beta change"]
    page = response.content.decode()
    assert "What-if, not saved" in page
    assert "the weight of Contribution to objectives (3) is this page's only" in page
    assert Criterion.objects.get(slug="contribution").weight == Decimal("0.350")


def test_a_budget_shows_the_portfolio_and_what_it_leaves_out(reader, candidates):
    no_cost = proposal(title="Delta change", **A_SCORES)

    response = reader.get(SELECTION, {"budget": "350"})

    page = response.content.decode()
    assert [r.key for r in response.context["portfolio"].selected] == [candidates["B"].reference]
    assert response.context["portfolio_cost"] == Decimal("300.00")
    assert response.context["portfolio_remaining"] == Decimal("50.00")
    assert "Left out, without a cost estimate:" in page
    assert no_cost.reference in page
    assert "Left out, missing scores:" in page


def test_other_states_can_be_considered(reader, candidates):
    proposal(ProposalState.REJECTED, title="Rejected change", **B_SCORES)

    response = reader.get(SELECTION, {"states": ["rejected"]})

    assert [row.proposal.title for row in response.context["result"].rows] == ["Rejected change"]


@pytest.mark.parametrize(
    "query",
    [
        {"budget": "lots"},
        {"budget": "-5"},
        {"w_cost": "-1"},
        {"w_speed": "1"},
        {"states": "pending"},
        {"sort": "total"},
        {
            "w_contribution": "0",
            "w_cost": "0",
            "w_risk": "0",
            "w_effort": "0",
            "w_time-to-benefit": "0",
        },
    ],
)
def test_a_question_the_page_cannot_answer_is_a_400(reader, candidates, query):
    response = reader.get(SELECTION, query)

    assert response.status_code == 400
    assert response.templates[0].name == "common/bad_request.html"


def test_the_page_reads_in_a_bounded_number_of_queries(
    reader, candidates, django_assert_max_num_queries
):
    for index in range(12):
        proposal(title=f"More {index}", estimated_cost=index * 10, **A_SCORES)

    with django_assert_max_num_queries(10):  # 8 today, whatever the number of proposals
        response = reader.get(SELECTION, {"budget": "100"})

    assert response.status_code == 200
    assert len(response.context["result"].rows) == 15


def test_without_criteria_the_process_group_is_offered_the_defaults(writer):
    response = writer.get(SELECTION)

    assert response.status_code == 200
    assert "Create the default criteria" in response.content.decode()

    created = writer.post(reverse("improvements:criterion_list"))

    assert created.status_code == 302
    assert Criterion.objects.count() == 5


# -- scoring in the matrix ---------------------------------------------------------------------


def test_the_process_group_scores_in_the_matrix_and_returns_to_the_same_question(
    writer, candidates, criteria
):
    c = candidates["C"]
    url = f"{SELECTION}?budget=500"
    page = writer.get(url)
    assert f'name="s-{c.pk}-{criteria["cost"].pk}"' in page.content.decode()

    response = writer.post(
        url,
        {
            f"s-{c.pk}-{criteria['cost'].pk}": "2",
            f"s-{c.pk}-{criteria['contribution'].pk}": "3",  # unchanged
            f"s-{candidates['A'].pk}-{criteria['risk'].pk}": "",  # cleared
        },
    )

    assert response.status_code == 303
    assert response["Location"] == url
    assert ("Gamma change", "cost", 2) in scores()
    assert ("Alpha change", "risk", 2) not in scores()
    assert Score.history.filter(proposal_id=c.pk, criterion__slug="contribution").count() == 1


def test_an_htmx_change_answers_with_the_results_fragment(writer, candidates, criteria):
    c = candidates["C"]

    response = writer.post(
        SELECTION, {f"s-{c.pk}-{criteria['risk'].pk}": "4"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert response.templates[0].name == "partials/improvements/selection_results.html"
    assert b"<html" not in response.content
    assert ("Gamma change", "risk", 4) in scores()


def test_a_practitioner_may_not_score_and_nothing_changes(reader, candidates, criteria):
    before, history = scores(), Score.history.count()

    response = reader.post(SELECTION, {f"s-{candidates['C'].pk}-{criteria['cost'].pk}": "2"})

    assert response.status_code == 403
    assert scores() == before
    assert Score.history.count() == history


def test_a_bad_cell_is_refused_and_no_cell_is_saved(writer, candidates, criteria):
    c = candidates["C"]

    response = writer.post(
        SELECTION,
        {f"s-{c.pk}-{criteria['cost'].pk}": "2", f"s-{c.pk}-{criteria['risk'].pk}": "7"},
    )

    assert response.status_code == 400
    assert ("Gamma change", "cost", 2) not in scores()


# -- one proposal's scores ---------------------------------------------------------------------


def test_a_proposals_scores_show_with_their_notes(
    reader, candidates, criteria, process_group_member
):
    Score.objects.filter(proposal=candidates["A"], criterion__slug="risk").update(
        note="Touches the release.", scored_by=process_group_member
    )

    response = reader.get(reverse("improvements:proposal_scores", args=[candidates["A"].pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Touches the release." in page
    assert response.context["total"] == Decimal("4.200")
    assert response.context["form"] is None


def test_the_process_group_scores_a_proposal_with_notes(writer, candidates, criteria):
    c = candidates["C"]
    url = reverse("improvements:proposal_scores", args=[c.pk])
    data = {f"value-{criterion.pk}": "" for criterion in criteria.values()}
    data.update(
        {
            f"value-{criteria['contribution'].pk}": "3",
            f"value-{criteria['cost'].pk}": "4",
            f"note-{criteria['cost'].pk}": "Two licences.",
        }
    )

    response = writer.post(url, data)

    assert response.status_code == 302
    cost = Score.objects.get(proposal=c, criterion=criteria["cost"])
    assert (cost.value, cost.note) == (4, "Two licences.")


def test_a_practitioner_may_not_score_a_proposal(reader, candidates, criteria):
    url = reverse("improvements:proposal_scores", args=[candidates["C"].pk])

    response = reader.post(url, {f"value-{criteria['cost'].pk}": "4"})

    assert response.status_code == 403
    assert not Score.objects.filter(proposal=candidates["C"], criterion__slug="cost").exists()


# -- criteria -------------------------------------------------------------------------------


def test_the_criteria_list_shows_weights_and_shares(reader, criteria):
    response = reader.get(reverse("improvements:criterion_list"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Contribution to objectives" in page
    assert "35.0%" in page
    assert reverse("improvements:criterion_update", args=[criteria["cost"].pk]) not in page


def test_the_process_group_adds_and_edits_criteria(writer, criteria):
    created = writer.post(
        reverse("improvements:criterion_create"),
        {"name": "Reach", "slug": "reach", "direction": "benefit", "weight": "0.1", "active": "on"},
    )
    edited = writer.post(
        reverse("improvements:criterion_update", args=[criteria["cost"].pk]),
        {"name": "Cost", "slug": "cost", "direction": "cost", "weight": "0.3", "position": "20"},
    )

    assert (created.status_code, edited.status_code) == (302, 302)
    assert Criterion.objects.get(slug="reach").active is True
    cost = Criterion.objects.get(slug="cost")
    assert (cost.weight, cost.active) == (Decimal("0.300"), False)


def test_a_taken_slug_is_shown_beside_the_field(writer, criteria):
    response = writer.post(
        reverse("improvements:criterion_create"),
        {"name": "Cost again", "slug": "cost", "direction": "cost", "weight": "0.1"},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["slug"] == [
        "The slug 'cost' is taken by another criterion."
    ]


def test_a_practitioner_may_not_add_or_edit_criteria(reader, criteria):
    create = reverse("improvements:criterion_create")
    edit = reverse("improvements:criterion_update", args=[criteria["cost"].pk])
    history = Criterion.history.count()

    assert reader.get(create).status_code == 403
    assert reader.get(edit).status_code == 403
    assert (
        reader.post(
            create, {"name": "X", "slug": "x", "direction": "cost", "weight": "1"}
        ).status_code
        == 403
    )
    assert (
        reader.post(
            edit, {"name": "Cost", "slug": "cost", "direction": "cost", "weight": "9"}
        ).status_code
        == 403
    )
    assert reader.post(reverse("improvements:criterion_list")).status_code == 403

    assert Criterion.objects.count() == 5
    assert Criterion.objects.get(slug="cost").weight == Decimal("0.200")
    assert Criterion.history.count() == history
