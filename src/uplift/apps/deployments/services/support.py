"""Support of a deployment (SP 3.2 subpractices 5 and 6): the consulting log for early
adopters, and the training materials and communication packages handed out, with who
received them.

None of these is a content change of the plan (no new revision): they record what
happened while deploying. Who: consulting needs ``permissions.consulting_can_record``
(the plan's editors or ``add_consultingentry``); packages are part of the plan's
support and need ``plan_can_edit``; receipts need ``receipt_can_record`` (the plan's
editors, or ``add_packagereceipt``: project and service managers). Refused
(``DeploymentError``, nothing written): a cancelled plan, a target of another plan, a
date in the future, hours that are not positive, a package that is not a training
material or communication package, the same package twice, the same person twice for
a package, a package that has receipts (remove them first). Every row records who
wrote it; the history (simple-history) who changed or removed it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Prefetch, QuerySet, Sum
from django.utils import timezone

from uplift.apps.deployments.choices import PlanState
from uplift.apps.deployments.errors import DeploymentError
from uplift.apps.deployments.models import (
    ConsultingEntry,
    DeploymentPlan,
    Package,
    PackageReceipt,
    Target,
)
from uplift.apps.deployments.permissions import (
    consulting_can_record,
    plan_can_edit,
    receipt_can_record,
)
from uplift.apps.improvements.history import record_actor

__all__ = [
    "PACKAGE_KINDS",
    "ConsultingTotals",
    "consulting_add",
    "consulting_list",
    "consulting_remove",
    "consulting_totals",
    "package_add",
    "package_list",
    "package_remove",
    "packages_not_received",
    "receipt_add",
    "receipt_remove",
]

User = Any  # auth.User
Person = Any  # organization.Person (reached through the receipt's foreign key)
AssetVersion = Any  # organization.ProcessAssetVersion

# The kinds of process asset a deployment hands out as a package (models.Package).
PACKAGE_KINDS: tuple[str, ...] = ("training_material", "communication_package")

_MAX_HOURS = Decimal("9999.99")  # the column's max_digits=6, decimal_places=2


def _open(plan: DeploymentPlan) -> None:
    if plan.state == PlanState.CANCELLED:
        raise DeploymentError(
            f"{plan.reference} is cancelled: its support is no longer recorded.", field="plan"
        )


def _actor_or_none(actor: User) -> User | None:
    return actor if getattr(actor, "pk", None) else None


def _past_day(value: Any, field: str, what: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise DeploymentError(f"Give the day {what} (YYYY-MM-DD).", field=field)
    if value > timezone.localdate():
        raise DeploymentError(
            f"{value:%Y-%m-%d} is in the future; record {what} once it happened.", field=field
        )
    return value


def _target_of(plan: DeploymentPlan, target: Target | None) -> Target | None:
    if target is not None and target.plan_id != plan.pk:
        raise DeploymentError(
            f"{target.work_activity} is not a target of {plan.reference}.", field="target"
        )
    return target


def _hours(value: Any) -> Decimal:
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise DeploymentError("Enter the hours as a number, e.g. 1.5.", field="hours") from None
    if not hours.is_finite() or hours <= 0:
        raise DeploymentError("Enter more than 0 hours.", field="hours")
    if hours > _MAX_HOURS:
        raise DeploymentError(f"Enter at most {_MAX_HOURS} hours.", field="hours")
    return hours


# -- consulting ---------------------------------------------------------------------------------


@transaction.atomic
def consulting_add(
    *,
    plan: DeploymentPlan,
    actor: User,
    consultant: User,
    given_on: dt.date,
    hours: Decimal | float | int | str,
    topic: str,
    target: Target | None = None,
    notes: str = "",
) -> ConsultingEntry:
    """Record consulting given for the deployment (to one target, or to the plan's
    targets at large): who gave it, on which day, how many hours, on what.

    Raises ``PermissionDenied`` unless ``consulting_can_record``; ``DeploymentError``
    naming the field for a cancelled plan, a target of another plan, a day in the
    future, hours that are not a positive number, an empty topic, no consultant.
    """
    if not consulting_can_record(actor, plan):
        raise PermissionDenied(f"You may not record consulting for {plan.reference}.")
    _open(plan)
    if consultant is None:
        raise DeploymentError("Say who gave the consulting.", field="consultant")
    topic = (topic or "").strip()
    if not topic:
        raise DeploymentError("Say what the consulting was about.", field="topic")
    if len(topic) > 200:
        raise DeploymentError("Keep the topic within 200 characters.", field="topic")
    entry = ConsultingEntry(
        plan=plan,
        target=_target_of(plan, target),
        consultant=consultant,
        given_on=_past_day(given_on, "given_on", "the consulting was given"),
        hours=_hours(hours),
        topic=topic,
        notes=(notes or "").strip(),
        recorded_by=_actor_or_none(actor),
    )
    record_actor(entry, actor, "Consulting recorded")
    entry.save(force_insert=True)
    return entry


@transaction.atomic
def consulting_remove(*, entry: ConsultingEntry, actor: User) -> None:
    """Remove a consulting entry recorded by mistake (its history keeps it).

    Raises ``PermissionDenied`` unless ``consulting_can_record`` for its plan.
    """
    plan = entry.plan
    if not consulting_can_record(actor, plan):
        raise PermissionDenied(f"You may not change the consulting log of {plan.reference}.")
    _open(plan)
    record_actor(entry, actor, "Consulting entry removed")
    entry.delete()


# -- packages -----------------------------------------------------------------------------------


@transaction.atomic
def package_add(*, plan: DeploymentPlan, actor: User, asset_version: AssetVersion) -> Package:
    """Link a released version of a training material or communication package to the
    deployment, as a package it hands out.

    Raises ``PermissionDenied`` unless ``plan_can_edit``; ``DeploymentError`` (field
    ``asset_version``) for a cancelled plan, no version, an asset of another kind, or a
    version the plan hands out already.
    """
    if not plan_can_edit(actor, plan):
        raise PermissionDenied(f"You may not change the packages of {plan.reference}.")
    _open(plan)
    if asset_version is None:
        raise DeploymentError("Choose the version of the asset.", field="asset_version")
    asset = asset_version.asset
    if asset.kind not in PACKAGE_KINDS:
        raise DeploymentError(
            f"“{asset}” is a {asset.get_kind_display().lower()}: a package is a training "
            "material or a communication package (a target's process version records the "
            "process descriptions it now follows).",
            field="asset_version",
        )
    if Package.objects.filter(plan=plan, asset_version=asset_version).exists():
        raise DeploymentError(
            f"{plan.reference} hands out {asset_version} already.", field="asset_version"
        )
    package = Package(plan=plan, asset_version=asset_version, added_by=_actor_or_none(actor))
    record_actor(package, actor, "Package added")
    package.save(force_insert=True)
    return package


@transaction.atomic
def package_remove(*, package: Package, actor: User) -> None:
    """Take a package off the plan; refused while people are recorded as having
    received it (remove those receipts first: they are the record of who got what).

    Raises ``PermissionDenied`` unless ``plan_can_edit``; ``DeploymentError`` for a
    cancelled plan or a package with receipts.
    """
    plan = package.plan
    if not plan_can_edit(actor, plan):
        raise PermissionDenied(f"You may not change the packages of {plan.reference}.")
    _open(plan)
    received = package.receipts.count()
    if received:
        raise DeploymentError(
            f"{received} {'person has' if received == 1 else 'people have'} received "
            f"{package.asset_version}: remove the receipts first.",
            field="package",
        )
    record_actor(package, actor, "Package removed")
    package.delete()


# -- receipts -----------------------------------------------------------------------------------


@transaction.atomic
def receipt_add(
    *,
    package: Package,
    actor: User,
    person: Person,
    received_on: dt.date,
    target: Target | None = None,
) -> PackageReceipt:
    """Record that a person (of a target, or not) received a package, and when.

    Raises ``PermissionDenied`` unless ``receipt_can_record``; ``DeploymentError``
    naming the field for a cancelled plan, no person, a person recorded already for
    this package, a target of another plan, a day in the future.
    """
    plan = package.plan
    if not receipt_can_record(actor, plan):
        raise PermissionDenied(f"You may not record who received the packages of {plan.reference}.")
    _open(plan)
    if person is None:
        raise DeploymentError("Say who received the package.", field="person")
    if PackageReceipt.objects.filter(package=package, person=person).exists():
        raise DeploymentError(
            f"{person} is recorded as having received {package.asset_version} already.",
            field="person",
        )
    receipt = PackageReceipt(
        package=package,
        person=person,
        target=_target_of(plan, target),
        received_on=_past_day(received_on, "received_on", "it was received"),
        recorded_by=_actor_or_none(actor),
    )
    record_actor(receipt, actor, "Receipt recorded")
    receipt.save(force_insert=True)
    return receipt


@transaction.atomic
def receipt_remove(*, receipt: PackageReceipt, actor: User) -> None:
    """Remove a receipt recorded by mistake (its history keeps it).

    Raises ``PermissionDenied`` unless ``receipt_can_record`` for the package's plan.
    """
    plan = receipt.package.plan
    if not receipt_can_record(actor, plan):
        raise PermissionDenied(f"You may not change who received the packages of {plan.reference}.")
    _open(plan)
    record_actor(receipt, actor, "Receipt removed")
    receipt.delete()


# -- reads (the pages, the API) ---------------------------------------------------------------


def consulting_list(plan: DeploymentPlan) -> QuerySet[ConsultingEntry]:
    """The plan's consulting log with each entry's consultant, target and recorder,
    newest first."""
    return ConsultingEntry.objects.filter(plan=plan).select_related(
        "consultant", "target__work_activity", "recorded_by"
    )


@dataclass(frozen=True)
class ConsultingTotals:
    """How much consulting the plan gave: entries, hours, and per target (name, entries,
    hours) for the targets that received some, most hours first."""

    entries: int
    hours: Decimal
    by_target: tuple[tuple[str, int, Decimal], ...]


def consulting_totals(plan: DeploymentPlan) -> ConsultingTotals:
    """The plan's consulting totals, in two queries."""
    overall = ConsultingEntry.objects.filter(plan=plan).aggregate(
        entries=Count("pk"), hours=Sum("hours")
    )
    rows = (
        ConsultingEntry.objects.filter(plan=plan, target__isnull=False)
        .values("target__work_activity__name")
        .annotate(entries=Count("pk"), hours=Sum("hours"))
        .order_by("-hours", "target__work_activity__name")
    )
    return ConsultingTotals(
        entries=overall["entries"],
        hours=overall["hours"] or Decimal(0),
        by_target=tuple(
            (row["target__work_activity__name"], row["entries"], row["hours"]) for row in rows
        ),
    )


def package_list(plan: DeploymentPlan) -> QuerySet[Package]:
    """The plan's packages with their asset version and asset, ``receipt_count``, and
    their receipts (person, target) by person."""
    receipts = PackageReceipt.objects.select_related(
        "person", "target__work_activity", "recorded_by"
    ).order_by("person__display_name", "pk")
    return (
        Package.objects.filter(plan=plan)
        .select_related("asset_version__asset", "added_by")
        .annotate(receipt_count=Count("receipts"))
        .prefetch_related(Prefetch("receipts", queryset=receipts))
        .order_by("asset_version__asset__name", "pk")
    )


def packages_not_received(plan: DeploymentPlan) -> dict[int, list[str]]:
    """Package id → the names of the plan's non-excluded targets with no receipt of it
    yet (who still has to get the training or the communication), in two queries."""
    targets = dict(
        Target.objects.filter(plan=plan, excluded=False)
        .order_by("work_activity__name")
        .values_list("pk", "work_activity__name")
    )
    received: dict[int, set[int]] = {}
    pairs = PackageReceipt.objects.filter(package__plan=plan, target__isnull=False).values_list(
        "package_id", "target_id"
    )
    for package_id, target_id in pairs:
        received.setdefault(package_id, set()).add(target_id)
    return {
        package_id: [
            name for pk, name in targets.items() if pk not in received.get(package_id, set())
        ]
        for package_id in Package.objects.filter(plan=plan).values_list("pk", flat=True)
    }
