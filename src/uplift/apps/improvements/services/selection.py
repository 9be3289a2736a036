"""The selection of proposals: criteria and weights, scores, the ranking and portfolio.

The analysis itself is pure and exact (``uplift.domain.decision_analysis``: the
weighted sum of CMMI DAR, scores 1..5, cost criteria counted as 6 - score, weights
normalized to sum 1, missing scores reported). This module keeps its inputs and runs
it over the stored proposals. Every write is one transaction; a refusal writes
nothing:

- ``PermissionDenied`` when the actor lacks the permission (``add_criterion`` /
  ``change_criterion`` for criteria; ``add_score`` for a new score, ``change_score``
  to change one, ``delete_score`` to clear one: the process group's work). ``actor``
  None is the command line, trusted;
- ``ImprovementError(message, field=...)`` for a rule: a weight below 0; no active
  criterion left with a weight above 0; a slug already taken; a score outside 1..5
  or on an inactive criterion.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from uplift.apps.improvements.choices import CriterionDirection, ProposalState
from uplift.apps.improvements.errors import ImprovementError
from uplift.apps.improvements.history import record_actor as _record_actor
from uplift.apps.improvements.models import Criterion, Proposal, Score
from uplift.domain.decision_analysis import (
    Candidate,
    CriterionSensitivity,
    CriterionSpec,
    DecisionAnalysisError,
    Portfolio,
    RankedCandidate,
    portfolio,
    rank,
    sensitivity,
)

__all__ = [
    "CANDIDATE_STATES",
    "CRITERION_FIELDS",
    "DEFAULT_CRITERIA",
    "RankingResult",
    "RankingRow",
    "ScoreChange",
    "criteria_defaults_ensure",
    "criterion_create",
    "criterion_update",
    "ranking_compute",
    "score_matrix_save",
    "score_remove",
    "score_set",
]

User = Any  # auth.User, or None for the command line

# The states a selection considers: analyzed proposals and those being validated.
CANDIDATE_STATES: tuple[str, ...] = (
    ProposalState.ANALYZED,
    ProposalState.SELECTED_FOR_VALIDATION,
    ProposalState.VALIDATING,
    ProposalState.VALIDATED,
)

# The defaults of issue 5: (slug, name, direction, weight, description).
DEFAULT_CRITERIA: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "contribution",
        "Contribution to objectives",
        CriterionDirection.BENEFIT,
        "0.35",
        "How much the change moves the business objectives and QPPOs (5: a great deal).",
    ),
    ("cost", "Cost", CriterionDirection.COST, "0.20", "One-off and running cost (5: very high)."),
    ("risk", "Risk", CriterionDirection.COST, "0.15", "Risk of failure or harm (5: very high)."),
    ("effort", "Effort", CriterionDirection.COST, "0.15", "Work to deploy it (5: very high)."),
    (
        "time-to-benefit",
        "Time to benefit",
        CriterionDirection.COST,
        "0.15",
        "Time until the benefit shows (5: very long).",
    ),
)

CRITERION_FIELDS = ("slug", "name", "description", "direction", "weight", "position", "active")


def _require(actor: User | None, permission: str, doing: str) -> None:
    if actor is not None and not (actor.is_authenticated and actor.has_perm(permission)):
        raise PermissionDenied(f"You may not {doing}: that needs the permission {permission}.")


def _full_clean(instance: models.Model, *, exclude: Iterable[str] = ()) -> None:
    """``full_clean`` as an ``ImprovementError`` naming the first field at fault."""
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=False)
    except ValidationError as error:
        problems = getattr(error, "error_dict", None)
        if problems:
            field, errors = next(iter(problems.items()))
            message = " ".join(str(m) for e in errors for m in e.messages)
            raise ImprovementError(message, field=field) from None
        raise ImprovementError(" ".join(error.messages)) from None


def _weight(value: Any) -> Decimal:
    try:
        weight = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ImprovementError("Enter a number.", field="weight") from None
    if not weight.is_finite():
        raise ImprovementError("Enter a finite number.", field="weight")
    if weight < 0:
        raise ImprovementError("A weight is 0 or more.", field="weight")
    return weight


def _check_some_weight(criterion: Criterion) -> None:
    """At least one active criterion keeps a weight above 0, counting ``criterion``'s
    new values (the others are locked so that two edits cannot both zero them)."""
    others = list(
        Criterion.objects.select_for_update()
        .exclude(pk=criterion.pk)
        .filter(active=True, weight__gt=0)
        .values_list("pk", flat=True)
    )
    if not others and not (criterion.active and criterion.weight > 0):
        raise ImprovementError(
            "At least one active criterion must keep a weight above 0.",
            field="weight" if criterion.active else "active",
        )


def _check_slug(slug: str, current: Criterion | None) -> None:
    taken = Criterion.objects.filter(slug=slug)
    if current is not None:
        taken = taken.exclude(pk=current.pk)
    if taken.exists():
        raise ImprovementError(f"The slug {slug!r} is taken by another criterion.", field="slug")


@transaction.atomic
def criteria_defaults_ensure() -> list[Criterion]:
    """The criteria, after creating issue 5's five defaults if there are none.

    Contribution to objectives (benefit) 0.35; cost 0.20, risk, effort and time to
    benefit 0.15 each (cost criteria). Idempotent: existing criteria are left alone.
    """
    if not Criterion.objects.exists():
        for position, (slug, name, direction, weight, description) in enumerate(
            DEFAULT_CRITERIA, start=1
        ):
            criterion = Criterion(
                slug=slug,
                name=name,
                direction=direction,
                weight=Decimal(weight),
                description=description,
                position=position * 10,
            )
            criterion.full_clean()
            criterion.save(force_insert=True)
    return list(Criterion.objects.order_by("position", "pk"))


@transaction.atomic
def criterion_create(
    *,
    actor: User | None,
    slug: str,
    name: str,
    direction: str,
    weight: Decimal | int | str,
    description: str = "",
    position: int | None = None,
    active: bool = True,
) -> Criterion:
    """Add a criterion of the decision analysis (needs ``add_criterion``).

    ``position`` None puts it last. Raises ``PermissionDenied`` and
    ``ImprovementError`` (module docstring).
    """
    _require(actor, "improvements.add_criterion", "add criteria")
    slug = (slug or "").strip()
    _check_slug(slug, None)
    if position is None:
        last = Criterion.objects.order_by("-position").values_list("position", flat=True).first()
        position = (last or 0) + 10
    criterion = Criterion(
        slug=slug,
        name=(name or "").strip(),
        description=(description or "").strip(),
        direction=direction,
        weight=_weight(weight),
        position=position,
        active=active,
    )
    _full_clean(criterion)
    _check_some_weight(criterion)
    _record_actor(criterion, actor)
    criterion.save(force_insert=True)
    return criterion


@transaction.atomic
def criterion_update(*, criterion: Criterion, actor: User | None, **fields: Any) -> Criterion:
    """Change a criterion (any of ``CRITERION_FIELDS``; needs ``change_criterion``).

    A change that changes nothing saves nothing. Raises ``PermissionDenied`` and
    ``ImprovementError`` (module docstring; an unknown field too).
    """
    _require(actor, "improvements.change_criterion", "change criteria")
    unknown = sorted(set(fields) - set(CRITERION_FIELDS))
    if unknown:
        raise ImprovementError(f"Unknown field: {', '.join(unknown)}.", field=unknown[0])
    current = Criterion.objects.select_for_update().get(pk=criterion.pk)
    values = {k: v.strip() if isinstance(v, str) else v for k, v in fields.items()}
    if "weight" in values:
        values["weight"] = _weight(values["weight"])
    if "slug" in values:
        _check_slug(values["slug"], current)
    changed = [name for name, value in values.items() if getattr(current, name) != value]
    if not changed:
        return current
    for name in changed:
        setattr(current, name, values[name])
    _full_clean(current)
    _check_some_weight(current)
    _record_actor(current, actor)
    current.save(update_fields=changed)
    for name in changed:
        setattr(criterion, name, getattr(current, name))
    return current


def _score_value(value: Any) -> int:
    if isinstance(value, bool):
        raise ImprovementError("A score is a whole number from 1 to 5.", field="value")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ImprovementError("A score is a whole number from 1 to 5.", field="value") from None
    if str(value).strip() != str(number) or not 1 <= number <= 5:
        raise ImprovementError("A score is a whole number from 1 to 5.", field="value")
    return number


@transaction.atomic
def score_set(
    *, proposal: Proposal, criterion: Criterion, value: int, actor: User | None, note: str = ""
) -> Score:
    """Score a proposal on a criterion, 1 to 5, or change its score (an upsert).

    A new score needs ``add_score``, a change ``change_score``; the same value and
    note again saves nothing. Raises ``PermissionDenied`` and ``ImprovementError``
    (a value outside 1..5, field ``value``; an inactive criterion, field ``criterion``).
    """
    number = _score_value(value)
    note = (note or "").strip()
    if not criterion.active:
        raise ImprovementError(
            f"The criterion {criterion.name} is inactive: it is not scored.", field="criterion"
        )
    score = Score.objects.select_for_update().filter(proposal=proposal, criterion=criterion).first()
    if score is None:
        _require(actor, "improvements.add_score", "score proposals")
        score = Score(
            proposal=proposal,
            criterion=criterion,
            value=number,
            note=note,
            scored_by=actor,
            scored_at=timezone.now(),
        )
        _full_clean(score, exclude=["proposal", "criterion", "scored_by"])
        _record_actor(score, actor)
        score.save(force_insert=True)
        return score
    _require(actor, "improvements.change_score", "change scores")
    if score.value == number and score.note == note:
        return score
    score.value, score.note = number, note
    score.scored_by, score.scored_at = actor, timezone.now()
    _full_clean(score, exclude=["proposal", "criterion", "scored_by"])
    _record_actor(score, actor)
    score.save(update_fields=["value", "note", "scored_by", "scored_at"])
    return score


@transaction.atomic
def score_remove(*, proposal: Proposal, criterion: Criterion, actor: User | None) -> bool:
    """Clear a proposal's score on a criterion (needs ``delete_score``); False if there
    was none. The proposal is then reported as missing that score."""
    score = Score.objects.filter(proposal=proposal, criterion=criterion).first()
    if score is None:
        return False
    _require(actor, "improvements.delete_score", "clear scores")
    _record_actor(score, actor)
    score.delete()
    return True


@dataclass(frozen=True)
class ScoreChange:
    """One cell of the scores matrix as submitted: a value 1..5, or None to clear."""

    proposal: Proposal
    criterion: Criterion
    value: int | None
    note: str | None = None  # None: keep the note


@transaction.atomic
def score_matrix_save(*, actor: User | None, changes: Sequence[ScoreChange]) -> int:
    """Save the changed cells of the scores matrix, all or none; the number changed.

    Each cell goes through ``score_set`` (or ``score_remove`` for None) with its
    permission; an unchanged cell saves nothing. Raises as they do: the first refusal
    rolls every cell back.
    """
    keys = [(c.proposal.pk, c.criterion.pk) for c in changes]
    stored = {
        (s.proposal_id, s.criterion_id): s
        for s in Score.objects.filter(
            proposal__in={c.proposal.pk for c in changes},
            criterion__in={c.criterion.pk for c in changes},
        )
    }
    saved = 0
    for key, change in zip(keys, changes, strict=True):
        current = stored.get(key)
        if change.value is None:
            if current is not None:
                score_remove(proposal=change.proposal, criterion=change.criterion, actor=actor)
                saved += 1
            continue
        note = change.note if change.note is not None else (current.note if current else "")
        if current is not None and current.value == change.value and current.note == note:
            continue
        try:
            score_set(
                proposal=change.proposal,
                criterion=change.criterion,
                value=change.value,
                actor=actor,
                note=note,
            )
        except ImprovementError as error:
            raise ImprovementError(
                f"{change.proposal.reference}, {change.criterion.name}: {error.message}",
                field=error.field,
            ) from None
        saved += 1
    return saved


# -- the ranking ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RankingRow:
    """A proposal, its place in the ranking, and its stored scores by criterion id."""

    proposal: Proposal
    ranked: RankedCandidate
    scores: Mapping[int, Score]


@dataclass(frozen=True)
class RankingResult:
    """The decision analysis over the stored proposals and criteria.

    ``weights`` are the weights used (a what-if's when ``overridden``), ``normalized``
    the same scaled to sum 1, both by slug. ``portfolio`` is None without a budget.
    """

    states: tuple[str, ...]
    criteria: tuple[Criterion, ...]
    weights: Mapping[str, Decimal]
    normalized: Mapping[str, Fraction]
    overridden: tuple[str, ...]
    rows: tuple[RankingRow, ...]
    sensitivity: tuple[CriterionSensitivity, ...]
    portfolio: Portfolio | None
    budget: Decimal | None
    computed_at: dt.datetime

    def row(self, key: str) -> RankingRow:
        return next(row for row in self.rows if row.ranked.key == key)

    @property
    def proposals(self) -> dict[str, Proposal]:
        """The proposals by reference (``IP-3``)."""
        return {row.ranked.key: row.proposal for row in self.rows}


def ranking_candidates(states: Sequence[str]) -> QuerySet[Proposal]:
    """The proposals in ``states`` with their scores, oldest first (ties keep it)."""
    return (
        Proposal.objects.filter(state__in=list(states))
        .prefetch_related(
            Prefetch("scores", queryset=Score.objects.select_related("criterion", "scored_by"))
        )
        .order_by("pk")
    )


def ranking_compute(
    *,
    states: Sequence[str] = CANDIDATE_STATES,
    weights: Mapping[str, Decimal] | None = None,
    budget: Decimal | None = None,
) -> RankingResult:
    """Rank the proposals in ``states`` by the active criteria (a read; nothing stored).

    ``weights`` overrides some criteria's weights by slug for a what-if (not saved).
    With ``budget``, the portfolio of the proposals whose one-off ``estimated_cost``
    fits it. Raises ``ImprovementError`` for an unknown state (field ``states``), an
    override of an unknown criterion (field ``w_<slug>``), a negative weight or budget,
    or no weight above 0.
    """
    states = tuple(states)
    unknown = sorted(set(states) - set(ProposalState.values))
    if unknown:
        raise ImprovementError(f"Unknown state: {', '.join(unknown)}.", field="states")
    criteria = tuple(Criterion.objects.filter(active=True).order_by("position", "pk"))
    if not criteria:
        raise ImprovementError("There is no active criterion to rank by.", field="criteria")
    by_slug = {criterion.slug: criterion for criterion in criteria}
    overrides = dict(weights or {})
    for slug, weight in overrides.items():
        if slug not in by_slug:
            raise ImprovementError(f"No active criterion has the slug {slug!r}.", field=f"w_{slug}")
        if not isinstance(weight, Decimal) or not weight.is_finite() or weight < 0:
            raise ImprovementError("A weight is a number of 0 or more.", field=f"w_{slug}")
    used = {c.slug: overrides.get(c.slug, c.weight) for c in criteria}
    specs = [
        CriterionSpec(c.slug, c.name, used[c.slug], "cost" if c.direction == "cost" else "benefit")
        for c in criteria
    ]
    proposals = list(ranking_candidates(states))
    stored = {
        proposal.pk: {score.criterion_id: score for score in proposal.scores.all()}
        for proposal in proposals
    }
    candidates = [
        Candidate(
            key=proposal.reference,
            scores={
                score.criterion.slug: score.value
                for score in stored[proposal.pk].values()
                if score.criterion.slug in by_slug
            },
            cost=proposal.estimated_cost,
        )
        for proposal in proposals
    ]
    try:
        ranked = rank(candidates, specs)
        items = sensitivity(candidates, specs)
        chosen = portfolio(ranked, budget) if budget is not None else None
    except DecisionAnalysisError as error:
        field = f"w_{error.field}" if error.field in by_slug else error.field
        raise ImprovementError(error.message, field=field) from None
    by_key = {proposal.reference: proposal for proposal in proposals}
    total = sum((Fraction(w) for w in used.values()), Fraction(0))
    return RankingResult(
        states=states,
        criteria=criteria,
        weights=used,
        normalized={slug: Fraction(w) / total for slug, w in used.items()},
        overridden=tuple(slug for slug in used if slug in overrides),
        rows=tuple(
            RankingRow(proposal=by_key[r.key], ranked=r, scores=stored[by_key[r.key].pk])
            for r in ranked
        ),
        sensitivity=tuple(items),
        portfolio=chosen,
        budget=budget,
        computed_at=timezone.now(),
    )
