"""The HTML list's FilterSet: the shared one (``filtersets.py``, also the API's) plus words.

Kept as a subclass so that the list and the API agree on every shared filter; the
free-text ``q`` could move into ``ProcessModelFilterSet`` itself, and this module go.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from uplift.apps.library.filtersets import ProcessModelFilterSet
from uplift.apps.library.models import ProcessModel

__all__ = ["ProcessModelListFilterSet"]


class ProcessModelListFilterSet(ProcessModelFilterSet):
    """Model versions by words (identifier, name, version, description) and the shared filters."""

    q = django_filters.CharFilter(
        method="filter_q",
        label="Search",
        widget=forms.TextInput(attrs={"type": "search"}),
        help_text="Words found in the identifier, name, version or description.",
    )

    class Meta:
        model = ProcessModel
        fields = ["q", "identifier", "version", "reference", "latest"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Give the shared filters the labels a person reads (the API shows help texts)."""
        super().__init__(*args, **kwargs)
        self.filters["reference"].label = "Reference"
        self.filters["latest"].label = "Latest only"

    def filter_q(
        self, queryset: QuerySet[ProcessModel], name: str, value: str
    ) -> QuerySet[ProcessModel]:
        """Every word must occur in one of the text fields (case-insensitive)."""
        for word in value.split():
            queryset = queryset.filter(
                Q(identifier__icontains=word)
                | Q(name__icontains=word)
                | Q(version__icontains=word)
                | Q(description__icontains=word)
            )
        return queryset
