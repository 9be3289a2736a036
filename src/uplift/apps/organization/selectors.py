"""Reads of the organization context. Views, the API and the CLI read through these."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from django.db.models import Count, Max, Model, Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from uplift.apps.organization.models import (
    OrganizationalUnit,
    Person,
    ProcessAsset,
    ProcessAssetVersion,
    RoleAssignment,
    WorkActivity,
)

__all__ = [
    "person_get",
    "person_list",
    "process_asset_get",
    "process_asset_list",
    "process_asset_version_list",
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


# -- process assets (issue 6) -------------------------------------------------------------


def process_asset_list() -> QuerySet[ProcessAsset]:
    """Every process asset with its owner, ``version_count`` and ``latest_release``
    (the newest release date, None without versions), by name."""
    return (
        ProcessAsset.objects.select_related("owner")
        .annotate(version_count=Count("versions"), latest_release=Max("versions__released_on"))
        .order_by("name")
    )


def process_asset_get(*, slug: str) -> ProcessAsset:
    """One asset with its owner and versions (newest first), and where each version is
    deployed: the deployment targets whose defined process now includes it
    (``deployment_targets``, with their plan and work activity) and the deployment
    packages that hand it out (``packages``, with their plan and receipt counts).

    Raises ``Http404`` if there is no asset with that slug.
    """
    # The deployments' rows are reached by their relation names only: no import of
    # the deployments context (which depends on this one, not the other way).
    targets_model = cast(
        type[Model], ProcessAssetVersion._meta.get_field("deployment_targets").related_model
    )
    packages_model = cast(
        type[Model], ProcessAssetVersion._meta.get_field("packages").related_model
    )
    targets = targets_model._default_manager.select_related("plan", "work_activity").order_by(
        "plan_id", "work_activity__name"
    )
    packages = (
        packages_model._default_manager.select_related("plan")
        .annotate(receipt_count=Count("receipts"))
        .order_by("plan_id")
    )
    versions = ProcessAssetVersion.objects.order_by("-released_on", "-pk").prefetch_related(
        Prefetch("deployment_targets", queryset=targets),
        Prefetch("packages", queryset=packages),
    )
    return get_object_or_404(
        ProcessAsset.objects.select_related("owner").prefetch_related(
            Prefetch("versions", queryset=versions)
        ),
        slug=slug,
    )


def process_asset_version_list(
    kind: str | Sequence[str] | None = None,
) -> QuerySet[ProcessAssetVersion]:
    """Every released version of every asset (of ``kind``, one kind or several, when
    given), with its asset, by asset name then newest first: the choices for a target's
    process version and a deployment's packages."""
    versions = ProcessAssetVersion.objects.select_related("asset", "asset__owner")
    if isinstance(kind, str) and kind:
        versions = versions.filter(asset__kind=kind)
    elif kind and not isinstance(kind, str):
        versions = versions.filter(asset__kind__in=list(kind))
    return versions.order_by("asset__name", "-released_on", "-pk")
