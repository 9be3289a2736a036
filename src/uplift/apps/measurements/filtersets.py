"""One FilterSet per model of the measurements, shared by the HTML lists and the API.

An invalid value (an unknown measure slug, a date that does not parse) is a form
error, which the lists and the API answer with a 400. Observation periods are
inclusive dates (``from``, ``to``), compared with the column itself so that the
(measure, work activity, time) index serves them.
"""

from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import Q, QuerySet

from uplift.apps.common.filters import SEARCH_WIDGET
from uplift.apps.measurements.choices import (
    Direction,
    Frequency,
    ObjectiveKind,
    Priority,
    Scale,
)
from uplift.apps.measurements.models import Baseline, Measure, Objective, Observation
from uplift.apps.measurements.selectors import period_bounds
from uplift.apps.organization.selectors import work_activity_list

__all__ = [
    "BaselineFilterSet",
    "MeasureFilterSet",
    "ObjectiveFilterSet",
    "ObjectiveTreeFilterSet",
    "ObservationFilterSet",
]


def _measures() -> QuerySet[Measure]:
    return Measure.objects.order_by("name")


class MeasureFilterSet(django_filters.FilterSet):
    """Measures by text, scale, direction and frequency."""

    q = django_filters.CharFilter(method="filter_text", label="Search", widget=SEARCH_WIDGET)
    scale = django_filters.ChoiceFilter(choices=Scale.choices, empty_label="Any")
    direction = django_filters.ChoiceFilter(choices=Direction.choices, empty_label="Any")
    frequency = django_filters.ChoiceFilter(choices=Frequency.choices, empty_label="Any")

    class Meta:
        model = Measure
        fields = ["q", "scale", "direction", "frequency"]

    def filter_text(self, queryset: QuerySet[Measure], name: str, value: str) -> QuerySet[Measure]:
        """Match the text in the name, slug, unit or what the measure describes."""
        return queryset.filter(
            Q(name__icontains=value)
            | Q(slug__icontains=value)
            | Q(unit__icontains=value)
            | Q(describes__icontains=value)
        )


class ObjectiveFilterSet(django_filters.FilterSet):
    """Objectives by text, kind, priority, measure and parent."""

    q = django_filters.CharFilter(method="filter_text", label="Search", widget=SEARCH_WIDGET)
    kind = django_filters.ChoiceFilter(choices=ObjectiveKind.choices, empty_label="Any")
    priority = django_filters.TypedChoiceFilter(
        choices=[("", "Any"), *((str(v), label) for v, label in Priority.choices)],
        coerce=int,
        label="Priority",
    )
    measure = django_filters.ModelChoiceFilter(
        queryset=_measures(), to_field_name="slug", label="Measure", empty_label="Any"
    )

    class Meta:
        model = Objective
        fields = ["q", "kind", "priority", "measure", "parent"]

    def filter_text(
        self, queryset: QuerySet[Objective], name: str, value: str
    ) -> QuerySet[Objective]:
        """Match the text in the name or description (of a business objective or of
        one of its QPPOs, so the nested list keeps the parent of a match)."""
        match = Q(name__icontains=value) | Q(description__icontains=value)
        children = Q(children__name__icontains=value) | Q(children__description__icontains=value)
        return queryset.filter(match | children).distinct()


class ObjectiveTreeFilterSet(django_filters.FilterSet):
    """The objectives page's filters over business objectives: text and measure match
    the objective or one of its QPPOs, so a QPPO keeps its parent in the list."""

    q = django_filters.CharFilter(method="filter_text", label="Search", widget=SEARCH_WIDGET)
    priority = django_filters.TypedChoiceFilter(
        choices=[("", "Any"), *((str(v), label) for v, label in Priority.choices)],
        coerce=int,
        label="Priority",
    )
    measure = django_filters.ModelChoiceFilter(
        queryset=_measures(),
        to_field_name="slug",
        label="Measure",
        empty_label="Any",
        method="filter_measure",
    )

    class Meta:
        model = Objective
        fields = ["q", "priority", "measure"]

    filter_text = ObjectiveFilterSet.filter_text

    def filter_measure(
        self, queryset: QuerySet[Objective], name: str, value: Measure
    ) -> QuerySet[Objective]:
        return queryset.filter(Q(measure=value) | Q(children__measure=value)).distinct()


class ObservationFilterSet(django_filters.FilterSet):
    """Observations by measure and work activity (slugs) and period (inclusive dates
    ``from`` and ``to``)."""

    measure = django_filters.ModelChoiceFilter(
        queryset=_measures(), to_field_name="slug", label="Measure"
    )
    work_activity = django_filters.ModelChoiceFilter(
        queryset=work_activity_list(), to_field_name="slug", label="Work activity"
    )
    from_ = django_filters.DateFilter(
        method="filter_from", label="From", help_text="Inclusive date, YYYY-MM-DD."
    )
    to = django_filters.DateFilter(
        method="filter_to", label="To", help_text="Inclusive date, YYYY-MM-DD."
    )

    class Meta:
        model = Observation
        fields = ["measure", "work_activity"]

    def filter_from(
        self, queryset: QuerySet[Observation], name: str, value: dt.date
    ) -> QuerySet[Observation]:
        return queryset.filter(observed_at__gte=period_bounds(value, None)[0])

    def filter_to(
        self, queryset: QuerySet[Observation], name: str, value: dt.date
    ) -> QuerySet[Observation]:
        return queryset.filter(observed_at__lte=period_bounds(None, value)[1])


# ``from`` is a keyword in Python: declared as ``from_``, offered as ``from``.
ObservationFilterSet.base_filters["from"] = ObservationFilterSet.base_filters.pop("from_")


class BaselineFilterSet(django_filters.FilterSet):
    """Stored baselines by measure (slug)."""

    measure = django_filters.ModelChoiceFilter(
        queryset=_measures(), to_field_name="slug", label="Measure"
    )

    class Meta:
        model = Baseline
        fields = ["measure"]
