"""One FilterSet per model, shared by the HTML lists and (later) the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from uplift.apps.organization.choices import WorkActivityKind
from uplift.apps.organization.models import OrganizationalUnit, Person, WorkActivity

__all__ = ["PersonFilterSet", "UnitFilterSet", "WorkActivityFilterSet"]


def _units() -> QuerySet[OrganizationalUnit]:
    return OrganizationalUnit.objects.order_by("name")


class UnitFilterSet(django_filters.FilterSet):
    """Units by text (name, description, model) and sorted by a column."""

    q = django_filters.CharFilter(method="filter_text", label="Search")
    sort = django_filters.OrderingFilter(
        fields=(("name", "name"), ("model_identifier", "model"), ("work_activity_count", "size")),
        label="Sort",
    )

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
    """Work activities by unit, kind, active flag and text; sortable."""

    q = django_filters.CharFilter(method="filter_text", label="Search")
    unit = django_filters.ModelChoiceFilter(
        queryset=_units(), field_name="unit", to_field_name="slug", label="Unit"
    )
    kind = django_filters.ChoiceFilter(choices=WorkActivityKind.choices, label="Kind")
    sort = django_filters.OrderingFilter(
        fields=(
            ("name", "name"),
            ("kind", "kind"),
            ("unit__name", "unit"),
            ("activity_type", "type"),
            ("size", "size"),
            ("phase", "phase"),
        ),
        label="Sort",
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
    """People by unit and text; sortable."""

    q = django_filters.CharFilter(method="filter_text", label="Search")
    unit = django_filters.ModelChoiceFilter(
        queryset=_units(), field_name="unit", to_field_name="slug", label="Unit"
    )
    sort = django_filters.OrderingFilter(
        fields=(("display_name", "name"), ("job_title", "title"), ("unit__name", "unit")),
        label="Sort",
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
