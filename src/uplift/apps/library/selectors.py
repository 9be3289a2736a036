"""Reads of the model library. Views, the API and the CLI read through these."""

from __future__ import annotations

from django.db.models import Count, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from uplift.apps.library.choices import GoalKind
from uplift.apps.library.models import Goal, Practice, ProcessArea, ProcessModel


def _count(queryset: QuerySet, field: str = "model") -> Subquery:
    """A correlated COUNT(*) per model; subqueries avoid the row explosion of joined Counts."""
    return Coalesce(
        Subquery(
            queryset.filter(**{field: OuterRef("pk")})
            .order_by()
            .values(field)
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
        Value(0),
    )


def model_list() -> QuerySet[ProcessModel]:
    """Every model version with its counts.

    Annotations: ``process_area_count``; ``goal_count`` and ``practice_count`` (specific
    goals and practices, nested practices included); ``generic_goal_count`` and
    ``generic_practice_count``.
    """

    return ProcessModel.objects.annotate(
        process_area_count=_count(ProcessArea.objects.all()),
        goal_count=_count(Goal.objects.filter(kind=GoalKind.SPECIFIC)),
        practice_count=_count(Practice.objects.filter(process_area__isnull=False)),
        generic_goal_count=_count(Goal.objects.filter(kind=GoalKind.GENERIC)),
        generic_practice_count=_count(Practice.objects.filter(process_area__isnull=True)),
    ).order_by("identifier", "version")
