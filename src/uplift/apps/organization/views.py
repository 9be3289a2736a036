"""Pages of the organization context: lists (filtered, sorted, paginated) and details.

Each view is a declaration: the permission it needs, the selector it reads, the
FilterSet that shapes the list. Anonymous visitors are sent to sign in; signed-in
users without the view permission get 403. A list answers an htmx request (not a
boosted one) with just its results table, so filtering does not reload the page.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db.models import Model, QuerySet
from django.views.generic import DetailView
from django_filters.filterset import FilterSet
from django_filters.views import FilterView

from uplift.apps.organization import selectors
from uplift.apps.organization.filters import (
    PersonFilterSet,
    UnitFilterSet,
    WorkActivityFilterSet,
)
from uplift.apps.organization.models import OrganizationalUnit, Person, WorkActivity

__all__ = [
    "PersonDetailView",
    "PersonListView",
    "UnitDetailView",
    "UnitListView",
    "WorkActivityDetailView",
    "WorkActivityListView",
]


class ObjectListView(PermissionRequiredMixin, FilterView):
    """A filtered, sortable, paginated list read through a selector."""

    paginate_by = 25
    strict = False  # an invalid filter value is shown as a form error, the list stays
    results_template_name: ClassVar[str]
    filterset_class: type[FilterSet]

    def selector(self) -> QuerySet[Any]:
        """The unfiltered rows; concrete views name their selector here."""
        raise NotImplementedError

    def get_queryset(self) -> QuerySet[Any]:
        """Rows come from the selector, never straight from the model."""
        return self.selector()

    def get_template_names(self) -> list[str]:
        """The results fragment for htmx filtering, the whole page otherwise."""
        htmx = getattr(self.request, "htmx", None)
        if htmx and not htmx.boosted:
            return [self.results_template_name]
        return super().get_template_names()


class ObjectDetailView(PermissionRequiredMixin, DetailView):  # type: ignore[type-arg]
    """One object read through a selector by its slug."""

    def selector(self, slug: str) -> Model:
        """The object; concrete views name their selector here."""
        raise NotImplementedError

    def get_object(self, queryset: QuerySet[Any] | None = None) -> Model:
        """Read the object through the selector (404 if absent)."""
        return self.selector(self.kwargs["slug"])


class UnitListView(ObjectListView):
    """Organizational units."""

    permission_required = "organization.view_organizationalunit"
    filterset_class = UnitFilterSet
    template_name = "organization/unit_list.html"
    results_template_name = "organization/unit_list_results.html"

    def selector(self) -> QuerySet[OrganizationalUnit]:
        return selectors.unit_list()


class UnitDetailView(ObjectDetailView):
    """One unit with its work activities and people."""

    permission_required = "organization.view_organizationalunit"
    template_name = "organization/unit_detail.html"
    context_object_name = "unit"

    def selector(self, slug: str) -> OrganizationalUnit:
        return selectors.unit_get(slug=slug)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["work_activities"] = selectors.work_activity_list().filter(unit=self.object)
        context["people"] = selectors.person_list().filter(unit=self.object)
        return context


class WorkActivityListView(ObjectListView):
    """Projects, services, work groups and acquisition projects."""

    permission_required = "organization.view_workactivity"
    filterset_class = WorkActivityFilterSet
    template_name = "organization/work_activity_list.html"
    results_template_name = "organization/work_activity_list_results.html"

    def selector(self) -> QuerySet[WorkActivity]:
        return selectors.work_activity_list()


class WorkActivityDetailView(ObjectDetailView):
    """One work activity with its attributes and role holders."""

    permission_required = "organization.view_workactivity"
    template_name = "organization/work_activity_detail.html"
    context_object_name = "work_activity"

    def selector(self, slug: str) -> WorkActivity:
        return selectors.work_activity_get(slug=slug)


class PersonListView(ObjectListView):
    """People."""

    permission_required = "organization.view_person"
    filterset_class = PersonFilterSet
    template_name = "organization/person_list.html"
    results_template_name = "organization/person_list_results.html"

    def selector(self) -> QuerySet[Person]:
        return selectors.person_list()


class PersonDetailView(ObjectDetailView):
    """One person with their roles and managed activities."""

    permission_required = "organization.view_person"
    template_name = "organization/person_detail.html"
    context_object_name = "person"

    def selector(self, slug: str) -> Person:
        return selectors.person_get(slug=slug)
