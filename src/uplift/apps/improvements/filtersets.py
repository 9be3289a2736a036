"""One FilterSet per model of the improvements, shared by the HTML lists and the API.

An invalid value (a state that does not exist) is a form error, which the lists and
the API answer with a 400.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from uplift.apps.common.filters import SEARCH_WIDGET
from uplift.apps.improvements.choices import Category, ProposalState, Size, SourceKind
from uplift.apps.improvements.models import Proposal

__all__ = ["ProposalFilterSet"]


class ProposalFilterSet(django_filters.FilterSet):
    """Proposals by text (title or problem statement), state, source, category and size."""

    q = django_filters.CharFilter(
        method="filter_text",
        label="Search",
        widget=SEARCH_WIDGET,
        help_text="Words in the title or the problem statement.",
    )
    state = django_filters.ChoiceFilter(choices=ProposalState.choices, empty_label="Any")
    source_kind = django_filters.ChoiceFilter(
        choices=SourceKind.choices, empty_label="Any", label="Source"
    )
    category = django_filters.ChoiceFilter(choices=Category.choices, empty_label="Any")
    size = django_filters.ChoiceFilter(choices=Size.choices, empty_label="Any")

    class Meta:
        model = Proposal
        fields = ["q", "state", "source_kind", "category", "size"]

    def filter_text(
        self, queryset: QuerySet[Proposal], name: str, value: str
    ) -> QuerySet[Proposal]:
        """Every word in the title or the problem statement (case-insensitive)."""
        for word in value.split():
            queryset = queryset.filter(
                Q(title__icontains=word) | Q(problem_statement__icontains=word)
            )
        return queryset
