"""The selection's services: criteria and weights, scores, the ranking and portfolio.

Default weights: contribution 0.35 (benefit), cost 0.20, risk, effort and time to
benefit 0.15 each (cost criteria: value = 6 - score). Worked totals:

- A: contribution 5, cost 2, risk 2, effort 3, time 2 → values 5, 4, 4, 3, 4 →
  1.75 + 0.80 + 0.60 + 0.45 + 0.60 = 4.20
- B: contribution 4, cost 1, risk 1, effort 1, time 1 → values 4, 5, 5, 5, 5 →
  1.40 + 1.00 + 0.75 + 0.75 + 0.75 = 4.65
- C: contribution 3 only → 1.05 over the one criterion scored (incomplete).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import PermissionDenied

from tests.apps.improvements import selection_fixtures
from tests.apps.improvements.selection_fixtures import proposal
from uplift.apps.improvements.choices import ProposalState
from uplift.apps.improvements.errors import ImprovementError
from uplift.apps.improvements.models import Criterion, Score
from uplift.apps.improvements.services.selection import (
    ScoreChange,
    criteria_defaults_ensure,
    criterion_create,
    criterion_update,
    ranking_compute,
    score_matrix_save,
    score_remove,
    score_set,
)

pytestmark = pytest.mark.django_db

criteria = selection_fixtures.criteria

A_SCORES = {"contribution": 5, "cost": 2, "risk": 2, "effort": 3, "time_to_benefit": 2}
B_SCORES = {"contribution": 4, "cost": 1, "risk": 1, "effort": 1, "time_to_benefit": 1}


@pytest.fixture
def candidates(criteria):
    return {
        "A": proposal(estimated_cost=100, title="A", **A_SCORES),
        "B": proposal(ProposalState.VALIDATING, estimated_cost=300, title="B", **B_SCORES),
        "C": proposal(title="C", contribution=3),
        "D": proposal(ProposalState.REJECTED, title="D", **B_SCORES),
    }


# -- criteria --------------------------------------------------------------------------------


def test_the_defaults_are_created_once_with_the_issues_weights():
    first = criteria_defaults_ensure()

    assert [(c.slug, c.weight, c.direction) for c in first] == [
        ("contribution", Decimal("0.350"), "benefit"),
        ("cost", Decimal("0.200"), "cost"),
        ("risk", Decimal("0.150"), "cost"),
        ("effort", Decimal("0.150"), "cost"),
        ("time-to-benefit", Decimal("0.150"), "cost"),
    ]
    Criterion.objects.filter(slug="cost").update(weight=Decimal("0.5"))
    again = criteria_defaults_ensure()
    assert Criterion.objects.count() == 5
    assert next(c for c in again if c.slug == "cost").weight == Decimal("0.5")


def test_the_process_group_adds_a_criterion_at_the_end(criteria, process_group_member):
    added = criterion_create(
        actor=process_group_member,
        slug="reach",
        name="Reach",
        direction="benefit",
        weight="0.1",
    )

    assert added.position > criteria["time-to-benefit"].position
    assert added.weight == Decimal("0.1")
    assert added.history.first().history_user == process_group_member


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"slug": "cost", "weight": "0.1"}, "slug"),
        ({"slug": "reach", "weight": "-0.1"}, "weight"),
        ({"slug": "reach", "weight": "much"}, "weight"),
        ({"slug": "reach", "weight": "0.1", "direction": "upward"}, "direction"),
    ],
)
def test_a_criterion_breaking_a_rule_is_refused_naming_the_field(
    criteria, process_group_member, fields, field
):
    values = {"name": "Reach", "direction": "benefit", **fields}

    with pytest.raises(ImprovementError) as refused:
        criterion_create(actor=process_group_member, **values)

    assert refused.value.field == field
    assert Criterion.objects.count() == 5


def test_a_practitioner_may_not_add_or_change_criteria(criteria, practitioner):
    with pytest.raises(PermissionDenied):
        criterion_create(
            actor=practitioner, slug="reach", name="Reach", direction="benefit", weight=1
        )
    with pytest.raises(PermissionDenied):
        criterion_update(criterion=criteria["cost"], actor=practitioner, weight="0.9")

    assert Criterion.objects.count() == 5
    assert Criterion.objects.get(slug="cost").weight == Decimal("0.200")
    assert Criterion.history.filter(history_type="~").count() == 0


def test_the_last_weighted_criterion_keeps_a_weight(criteria, process_group_member):
    for slug in ("cost", "risk", "effort", "time-to-benefit"):
        criterion_update(criterion=criteria[slug], actor=process_group_member, weight=0)

    with pytest.raises(ImprovementError) as zeroed:
        criterion_update(criterion=criteria["contribution"], actor=process_group_member, weight=0)
    with pytest.raises(ImprovementError) as deactivated:
        criterion_update(
            criterion=criteria["contribution"], actor=process_group_member, active=False
        )

    assert (zeroed.value.field, deactivated.value.field) == ("weight", "active")
    assert Criterion.objects.get(slug="contribution").weight == Decimal("0.350")


def test_an_unchanged_criterion_saves_nothing(criteria, process_group_member):
    before = Criterion.history.count()

    criterion_update(
        criterion=criteria["cost"], actor=process_group_member, weight="0.20", name="Cost"
    )

    assert Criterion.history.count() == before


# -- scores ----------------------------------------------------------------------------------


def test_a_score_is_set_then_changed_in_the_same_row(criteria, process_group_member):
    made = proposal()

    first = score_set(
        proposal=made, criterion=criteria["risk"], value=2, actor=process_group_member
    )
    second = score_set(
        proposal=made,
        criterion=criteria["risk"],
        value=4,
        actor=process_group_member,
        note="Touches the release process.",
    )

    assert first.pk == second.pk
    stored = Score.objects.get()
    assert (stored.value, stored.note, stored.scored_by) == (
        4,
        "Touches the release process.",
        process_group_member,
    )
    assert stored.history.count() == 2


@pytest.mark.parametrize("value", [0, 6, "3.5", True])
def test_a_score_outside_one_to_five_is_refused(criteria, process_group_member, value):
    with pytest.raises(ImprovementError) as refused:
        score_set(
            proposal=proposal(), criterion=criteria["risk"], value=value, actor=process_group_member
        )

    assert refused.value.field == "value"
    assert not Score.objects.exists()


def test_an_inactive_criterion_is_not_scored(criteria, process_group_member):
    criterion_update(criterion=criteria["risk"], actor=process_group_member, active=False)

    with pytest.raises(ImprovementError) as refused:
        score_set(
            proposal=proposal(), criterion=criteria["risk"], value=3, actor=process_group_member
        )

    assert refused.value.field == "criterion"


@pytest.mark.parametrize("persona", ["practitioner", "steering", "process_owner"])
def test_only_the_process_group_scores(criteria, persona, request):
    made = proposal(risk=2)
    actor = request.getfixturevalue(persona)

    with pytest.raises(PermissionDenied):
        score_set(proposal=made, criterion=criteria["cost"], value=3, actor=actor)
    with pytest.raises(PermissionDenied):
        score_set(proposal=made, criterion=criteria["risk"], value=5, actor=actor)
    with pytest.raises(PermissionDenied):
        score_remove(proposal=made, criterion=criteria["risk"], actor=actor)

    assert list(Score.objects.values_list("criterion__slug", "value")) == [("risk", 2)]
    assert Score.history.count() == 1


def test_the_matrix_saves_all_its_cells_or_none(criteria, process_group_member):
    made = proposal(risk=2)
    cells = [
        ScoreChange(proposal=made, criterion=criteria["cost"], value=3),
        ScoreChange(proposal=made, criterion=criteria["risk"], value=None),
        ScoreChange(proposal=made, criterion=criteria["effort"], value=9),
    ]

    with pytest.raises(ImprovementError) as refused:
        score_matrix_save(actor=process_group_member, changes=cells)

    assert refused.value.message.startswith(f"{made.reference}, Effort:")
    assert list(Score.objects.values_list("criterion__slug", "value")) == [("risk", 2)]
    assert score_matrix_save(actor=process_group_member, changes=cells[:2]) == 2
    assert list(Score.objects.values_list("criterion__slug", "value")) == [("cost", 3)]


# -- the ranking -------------------------------------------------------------------------------


def test_the_ranking_weighs_the_scores_of_the_candidates(candidates):
    result = ranking_compute()

    assert [(row.proposal.title, row.ranked.rank, row.ranked.total) for row in result.rows] == [
        ("B", 1, Fraction(465, 100)),
        ("A", 2, Fraction(420, 100)),
        ("C", 3, Fraction(105, 100)),
    ]
    incomplete = result.row(candidates["C"].reference).ranked
    assert incomplete.missing == ("cost", "risk", "effort", "time-to-benefit")
    assert result.sensitivity[0].leaders == (candidates["B"].reference,)
    assert result.portfolio is None


def test_other_states_are_considered_when_asked(candidates):
    result = ranking_compute(states=[ProposalState.REJECTED])

    assert [row.proposal.title for row in result.rows] == ["D"]


def test_what_if_weights_change_the_ranking_but_not_the_criteria(candidates):
    # contribution 3 (others as saved, sum 3.65): A = 17.45 / 3.65, B = 15.25 / 3.65
    result = ranking_compute(weights={"contribution": Decimal("3")})

    assert [row.proposal.title for row in result.rows][:2] == ["A", "B"]
    assert result.row(candidates["A"].reference).ranked.total == Fraction(1745, 365)
    assert result.overridden == ("contribution",)
    assert result.normalized["contribution"] == Fraction(300, 365)
    assert Criterion.objects.get(slug="contribution").weight == Decimal("0.350")


def test_the_portfolio_fits_the_budget_and_lists_what_it_leaves_out(candidates):
    no_cost = proposal(title="E", **A_SCORES)

    within_350 = ranking_compute(budget=Decimal("350"))
    within_400 = ranking_compute(budget=Decimal("400"))

    assert [r.key for r in within_350.portfolio.selected] == [candidates["B"].reference]
    assert [r.key for r in within_400.portfolio.selected] == [
        candidates["B"].reference,
        candidates["A"].reference,
    ]
    assert within_400.portfolio.total_cost == 400
    assert [r.key for r in within_400.portfolio.excluded_no_cost] == [no_cost.reference]
    assert [r.key for r in within_400.portfolio.excluded_incomplete] == [candidates["C"].reference]


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"states": ["pending"]}, "states"),
        ({"weights": {"speed": Decimal(1)}}, "w_speed"),
        ({"weights": {"cost": Decimal(-1)}}, "w_cost"),
        ({"budget": Decimal(-1)}, "budget"),
        (
            {
                "weights": {
                    slug: Decimal(0)
                    for slug in ("contribution", "cost", "risk", "effort", "time-to-benefit")
                }
            },
            "weights",
        ),
    ],
)
def test_a_question_the_ranking_cannot_answer_names_the_field(candidates, arguments, field):
    with pytest.raises(ImprovementError) as refused:
        ranking_compute(**arguments)

    assert refused.value.field == field
