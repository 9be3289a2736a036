"""One FilterSet per model, shared by the HTML lists and (later) the API.

Sorting is not a filter: the list views take ``?sort=`` from their ``sort_fields``.
An invalid value (an unknown unit slug or kind) is a form error, which the list
answers with a 400.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from uplift.apps.common.filters import SEARCH_WIDGET
from uplift.apps.organization.choices import WorkActivityKind
from uplift.apps.organization.models import OrganizationalUnit, Person, WorkActivity

__all__ = ["PersonFilterSet", "UnitFilterSet", "WorkActivityFilterSet"]


def _is_true(value: str) -> bool:
    return value == "true"


def _units() -> QuerySet[OrganizationalUnit]:
    return OrganizationalUnit.objects.order_by("name")


class UnitFilterSet(django_filters.FilterSet):
    """Units by text (name, description, model)."""

    q = django_filters.CharFilter(method="filter_text", label="Search", widget=SEARCH_WIDGET)

    class Meta:
        model = OrganizationalUnit
        fields = ["q"]

    def filter_text(
        self, queryset: QuerySet[OrganizationalUnit], name: str, value: str
    ) -> QuerySet[OrganizationalUnit]:
        """Match the text anywhere in name, description or model identifier."""
        return queryset.filter(
            Q(name__icontains=value)
            | Q(description__icontains=value)
            | Q(model_identifier__icontains=value)
        )


class WorkActivityFilterSet(django_filters.FilterSet):
    """Work activities by unit, kind, active flag and text."""

    q = django_filters.CharFilter(method="filter_text", label="Search", widget=SEARCH_WIDGET)
    unit = django_filters.ModelChoiceFilter(
        queryset=_units(), field_name="unit", to_field_name="slug", label="Unit", empty_label="Any"
    )
    kind = django_filters.ChoiceFilter(
        choices=WorkActivityKind.choices, label="Kind", empty_label="Any"
    )
    # true or false; anything else is an error (django-filter's BooleanFilter ignores it)
    active = django_filters.TypedChoiceFilter(
        choices=[("", "Any"), ("true", "Yes"), ("false", "No")],
        coerce=_is_true,
        label="Active",
    )

    class Meta:
        model = WorkActivity
        fields = ["q", "unit", "kind", "active"]

    def filter_text(
        self, queryset: QuerySet[WorkActivity], name: str, value: str
    ) -> QuerySet[WorkActivity]:
        """Match the text in the name or the slug."""
        return queryset.filter(Q(name__icontains=value) | Q(slug__icontains=value))


class PersonFilterSet(django_filters.FilterSet):
    """People by unit and text."""

    q = django_filters.CharFilter(method="filter_text", label="Search", widget=SEARCH_WIDGET)
    unit = django_filters.ModelChoiceFilter(
        queryset=_units(), field_name="unit", to_field_name="slug", label="Unit", empty_label="Any"
    )

    class Meta:
        model = Person
        fields = ["q", "unit"]

    def filter_text(self, queryset: QuerySet[Person], name: str, value: str) -> QuerySet[Person]:
        """Match the text in the name, job title, e-mail or username."""
        return queryset.filter(
            Q(display_name__icontains=value)
            | Q(job_title__icontains=value)
            | Q(email__icontains=value)
            | Q(user__username__icontains=value)
        )
