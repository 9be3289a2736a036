"""Reads of the organization context. Views, the API and the CLI read through these."""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from uplift.apps.organization.models import (
    OrganizationalUnit,
    Person,
    RoleAssignment,
    WorkActivity,
)

__all__ = [
    "person_get",
    "person_list",
    "unit_get",
    "unit_list",
    "work_activity_get",
    "work_activity_list",
]


def unit_list() -> QuerySet[OrganizationalUnit]:
    """Every unit with its parent, ``work_activity_count`` and ``person_count``."""
    return (
        OrganizationalUnit.objects.select_related("parent")
        .annotate(
            work_activity_count=Count("work_activities", distinct=True),
            person_count=Count("people", distinct=True),
        )
        .order_by("name")
    )


def unit_get(*, slug: str) -> OrganizationalUnit:
    """One unit with its children, work activities (with managers) and people, each by name.

    Raises ``Http404`` if there is no unit with that slug.
    """
    return get_object_or_404(
        OrganizationalUnit.objects.select_related("parent").prefetch_related(
            "children",
            Prefetch("work_activities", queryset=work_activity_list()),
            Prefetch("people", queryset=Person.objects.order_by("display_name")),
        ),
        slug=slug,
    )


def work_activity_list() -> QuerySet[WorkActivity]:
    """Every work activity with its unit and manager."""
    return WorkActivity.objects.select_related("unit", "manager").order_by("name")


def work_activity_get(*, slug: str) -> WorkActivity:
    """One work activity with its unit, manager and role holders; ``Http404`` if none."""
    return get_object_or_404(
        WorkActivity.objects.select_related("unit", "manager").prefetch_related(
            Prefetch(
                "role_assignments",
                queryset=RoleAssignment.objects.select_related("person").order_by("role"),
            )
        ),
        slug=slug,
    )


def person_list() -> QuerySet[Person]:
    """Every person with their unit and sign-in."""
    return Person.objects.select_related("unit", "user").order_by("display_name")


def person_get(*, slug: str) -> Person:
    """One person with their roles and the activities they manage; ``Http404`` if none."""
    return get_object_or_404(
        Person.objects.select_related("unit", "user").prefetch_related(
            Prefetch(
                "role_assignments",
                queryset=RoleAssignment.objects.select_related("unit", "work_activity"),
            ),
            "managed_activities",
        ),
        slug=slug,
    )
