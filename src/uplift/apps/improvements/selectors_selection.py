"""Reads of the selection and the pilots: criteria, scores, a proposal's scorecard, pilots.

Pages, the API and the CLI read through these; the ranking itself is
``services.selection.ranking_compute`` (a computation, nothing stored).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from uplift.apps.improvements.models import Criterion, Pilot, Proposal, Score
from uplift.domain.decision_analysis import (
    Candidate,
    CriterionSpec,
    DecisionAnalysisError,
    RankedCandidate,
    rank,
)

__all__ = [
    "Scorecard",
    "criterion_get",
    "criterion_list",
    "pilot_get",
    "pilot_list",
    "proposal_scorecard",
    "score_list",
]


def criterion_list(*, active: bool | None = None) -> QuerySet[Criterion]:
    """The criteria in column order (only the active or inactive ones if asked)."""
    criteria = Criterion.objects.order_by("position", "pk")
    return criteria if active is None else criteria.filter(active=active)


def criterion_get(*, pk: int) -> Criterion:
    """One criterion; ``Http404`` if there is none."""
    try:
        return Criterion.objects.get(pk=pk)
    except Criterion.DoesNotExist:
        raise Http404("No such criterion.") from None


def score_list() -> QuerySet[Score]:
    """Every score with its proposal, criterion and scorer."""
    return Score.objects.select_related("proposal", "criterion", "scored_by").order_by(
        "proposal_id", "criterion__position", "criterion_id"
    )


@dataclass(frozen=True)
class Scorecard:
    """One proposal's scores on the active criteria, and its weighted total.

    ``ranked`` is None when the criteria cannot be weighed (no weight above 0).
    ``normalized`` holds each active criterion's weight scaled to sum 1, by slug.
    """

    proposal: Proposal
    criteria: tuple[Criterion, ...]
    scores: dict[int, Score]
    ranked: RankedCandidate | None
    normalized: dict[str, Fraction]


def proposal_scorecard(proposal: Proposal) -> Scorecard:
    """The proposal's scorecard (see ``Scorecard``)."""
    criteria = tuple(criterion_list(active=True))
    scores = {
        score.criterion_id: score
        for score in Score.objects.filter(proposal=proposal).select_related("scored_by")
    }
    by_id = {criterion.pk: criterion for criterion in criteria}
    specs = [
        CriterionSpec(c.slug, c.name, c.weight, "cost" if c.direction == "cost" else "benefit")
        for c in criteria
    ]
    candidate = Candidate(
        key=proposal.reference,
        scores={by_id[i].slug: s.value for i, s in scores.items() if i in by_id},
        cost=proposal.estimated_cost,
    )
    try:
        ranked: RankedCandidate | None = rank([candidate], specs)[0]
    except DecisionAnalysisError:
        ranked = None
    total = sum((Fraction(c.weight) for c in criteria), Fraction(0))
    normalized = {c.slug: Fraction(c.weight) / total for c in criteria} if total else {}
    return Scorecard(
        proposal=proposal, criteria=criteria, scores=scores, ranked=ranked, normalized=normalized
    )


def pilot_list() -> QuerySet[Pilot]:
    """Every pilot with its proposal and decider, newest start first."""
    return Pilot.objects.select_related("proposal", "decided_by").order_by("-start", "-pk")


def pilot_get(*, pk: int) -> Pilot:
    """One pilot with its proposal, activities and measures; ``Http404`` if none."""
    activity = Pilot._meta.get_field("work_activities").related_model
    queryset = Pilot.objects.select_related("proposal", "decided_by").prefetch_related(
        Prefetch(
            "work_activities",
            queryset=activity._default_manager.order_by("name"),  # type: ignore[union-attr]
        ),
        Prefetch(
            "comparison_activities",
            queryset=activity._default_manager.order_by("name"),  # type: ignore[union-attr]
        ),
        "measures",
        "proposal__benefits__measure",
    )
    try:
        return queryset.get(pk=pk)
    except Pilot.DoesNotExist:
        raise Http404("No such pilot.") from None
