"""Pages of the organization context: lists (filtered, sorted, paginated, exported) and details.

Each view is a declaration over the generic views of ``apps/common/views.py``: the
model (its ``organization.view_<model>`` permission), the selector it reads, the
FilterSet, the ``?sort=`` keys and the CSV columns. Anonymous visitors are sent to
sign in, signed-in users without the permission get 403, and an unknown parameter,
sort key or filter value is a 400. The table fragments are
``partials/organization/<model>_table.html``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet

from uplift.apps.common.views import ObjectDetailView, ObjectListView
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


class OrganizationListView(ObjectListView):
    """What the organization's lists share: 25 rows a page, links between the lists."""

    template_name = "organization/object_list.html"
    paginate_by = 25


class UnitListView(OrganizationListView):
    """Organizational units with their counts of work activities and people."""

    model = OrganizationalUnit
    filterset_class = UnitFilterSet
    sort_fields: ClassVar[dict[str, str | tuple[str, ...]]] = {
        "name": "name",
        "model": ("model_identifier", "name"),
        "parent": ("parent__name", "name"),
        "activities": ("work_activity_count", "name"),
        "people": ("person_count", "name"),
    }
    default_sort = "name"
    export_columns: ClassVar[list[tuple[str, str]]] = [
        ("Slug", "slug"),
        ("Name", "name"),
        ("Appraised against", "model_identifier"),
        ("Parent", "parent.slug"),
        ("Work activities", "work_activity_count"),
        ("People", "person_count"),
    ]
    empty_message = "No organizational units yet."

    def get_base_queryset(self) -> QuerySet[OrganizationalUnit]:
        """Every unit with its parent and counts."""
        return selectors.unit_list()


class UnitDetailView(ObjectDetailView):
    """One unit with its work activities and people."""

    model = OrganizationalUnit
    context_object_name = "unit"

    def get_object(self, queryset: QuerySet[Any] | None = None) -> OrganizationalUnit:
        """The unit named in the URL, or 404."""
        return selectors.unit_get(slug=self.kwargs["slug"])


class WorkActivityListView(OrganizationListView):
    """Projects, services, work groups and acquisition projects."""

    model = WorkActivity
    filterset_class = WorkActivityFilterSet
    sort_fields: ClassVar[dict[str, str | tuple[str, ...]]] = {
        "name": "name",
        "kind": ("kind", "name"),
        "unit": ("unit__name", "name"),
        "type": ("activity_type", "name"),
        "size": ("size", "name"),
        "phase": ("phase", "name"),
        "manager": ("manager__display_name", "name"),
    }
    default_sort = "name"
    export_columns: ClassVar[list[tuple[str, str]]] = [
        ("Slug", "slug"),
        ("Name", "name"),
        ("Kind", "get_kind_display"),
        ("Unit", "unit.slug"),
        ("Type", "get_activity_type_display"),
        ("Size", "get_size_display"),
        ("Life-cycle phase", "get_phase_display"),
        ("Manager", "manager.slug"),
        ("Active", "active"),
    ]
    empty_message = "No work activities yet."

    def get_base_queryset(self) -> QuerySet[WorkActivity]:
        """Every work activity with its unit and manager."""
        return selectors.work_activity_list()


class WorkActivityDetailView(ObjectDetailView):
    """One work activity with its attributes and role holders."""

    model = WorkActivity
    context_object_name = "work_activity"

    def get_object(self, queryset: QuerySet[Any] | None = None) -> WorkActivity:
        """The work activity named in the URL, or 404."""
        return selectors.work_activity_get(slug=self.kwargs["slug"])


class PersonListView(OrganizationListView):
    """People with their units and sign-ins."""

    model = Person
    filterset_class = PersonFilterSet
    sort_fields: ClassVar[dict[str, str | tuple[str, ...]]] = {
        "name": "display_name",
        "title": ("job_title", "display_name"),
        "unit": ("unit__name", "display_name"),
    }
    default_sort = "name"
    export_columns: ClassVar[list[tuple[str, str]]] = [
        ("Slug", "slug"),
        ("Name", "display_name"),
        ("Job title", "job_title"),
        ("Unit", "unit.slug"),
        ("E-mail", "email"),
        ("Sign-in", "user.username"),
    ]
    empty_message = "No people yet."

    def get_base_queryset(self) -> QuerySet[Person]:
        """Every person with their unit and sign-in."""
        return selectors.person_list()


class PersonDetailView(ObjectDetailView):
    """One person with their roles and managed activities."""

    model = Person

    def get_object(self, queryset: QuerySet[Any] | None = None) -> Person:
        """The person named in the URL, or 404."""
        return selectors.person_get(slug=self.kwargs["slug"])
