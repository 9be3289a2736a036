"""Reads of the improvements context: proposals, as pages, the API and the CLI see them.

Who sees what (``permissions.proposal_can_see``): a holder of
``improvements.view_proposal`` sees every proposal; anyone else signed in sees the
proposals they submitted; an anonymous visitor none.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When
from django.http import Http404

from uplift.apps.improvements.choices import ProposalState
from uplift.apps.improvements.models import (
    ExpectedBenefit,
    Proposal,
    ProposalTransition,
)

__all__ = [
    "proposal_get",
    "proposal_list",
    "proposal_practice_references",
    "proposal_visible_to",
]

# The life cycle's order, for sorting by state (submitted first, evaluated last).
_STATE_ORDER = Case(
    *(When(state=value, then=Value(index)) for index, value in enumerate(ProposalState.values)),
    default=Value(len(ProposalState.values)),
    output_field=IntegerField(),
)


def _areas() -> Prefetch[Any]:
    area = Proposal._meta.get_field("process_areas").related_model
    return Prefetch(
        "process_areas",
        queryset=area._default_manager.select_related("model").order_by("order", "pk"),  # type: ignore[union-attr]
    )


def _practices() -> Prefetch[Any]:
    practice = Proposal._meta.get_field("practices").related_model
    return Prefetch(
        "practices",
        queryset=practice._default_manager.select_related("process_area", "goal").order_by(  # type: ignore[union-attr]
            "process_area__order", "goal__order", "order", "pk"
        ),
    )


def proposal_visible_to(user: Any) -> QuerySet[Proposal]:
    """The proposals ``user`` may see (module docstring), unordered and unjoined."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Proposal.objects.none()
    if user.has_perm("improvements.view_proposal"):
        return Proposal.objects.all()
    return Proposal.objects.filter(submitted_by=user)


def _benefits() -> Prefetch[Any]:
    return Prefetch(
        "benefits", queryset=ExpectedBenefit.objects.select_related("measure").order_by("pk")
    )


def proposal_list(*, user: Any, details: bool = False) -> QuerySet[Proposal]:
    """The proposals ``user`` may see, newest first, as lists show them.

    Submitter joined, process areas prefetched (two queries for a page); with
    ``details`` (the API's representation) also practices and expected benefits (two
    more). Annotation ``state_order``: the state's place in the life cycle, for sorting.
    """
    lookups: list[Any] = [_areas()]
    if details:
        lookups += [_practices(), _benefits()]
    return (
        proposal_visible_to(user)
        .select_related("submitted_by")
        .prefetch_related(*lookups)
        .annotate(state_order=_STATE_ORDER)
        .order_by("-submitted_at", "-pk")
    )


def proposal_get(*, pk: int, user: Any = None) -> Proposal:
    """One proposal with what its page shows; raises ``Http404`` when there is none.

    With ``user``, only a proposal they may see (else ``Http404`` too). Joined: the
    source (finding with its appraisal and area, objective with its measure) and the
    submitter; prefetched: areas, practices, benefits with their measures, transitions
    with their actors.
    """
    proposals = Proposal.objects.all() if user is None else proposal_visible_to(user)
    try:
        return (
            proposals.select_related(
                "submitted_by",
                "finding__appraisal",
                "finding__process_area",
                "objective__measure",
            )
            .prefetch_related(
                _areas(),
                _practices(),
                _benefits(),
                Prefetch(
                    "transitions",
                    queryset=ProposalTransition.objects.select_related("actor").order_by(
                        "at", "pk"
                    ),
                ),
            )
            .get(pk=pk)
        )
    except Proposal.DoesNotExist:
        raise Http404("No such proposal.") from None


def proposal_practice_references(proposal: Proposal) -> list[str]:
    """The practices the proposal addresses as references: ``REQM SP 1.1``; a generic
    practice (one row shared by every area) as ``REQM GP 2.1`` for each addressed area
    of its model, or ``GP 2.1`` when none. Uses the prefetched rows when there are."""
    areas = list(proposal.process_areas.all())
    references: list[str] = []
    for practice in proposal.practices.all():
        if practice.process_area is not None:
            references.append(f"{practice.process_area.abbreviation} {practice.identifier}")
            continue
        owners = [area for area in areas if area.model_id == practice.model_id]
        if owners:
            references += [f"{area.abbreviation} {practice.identifier}" for area in owners]
        else:
            references.append(practice.identifier)
    return references
