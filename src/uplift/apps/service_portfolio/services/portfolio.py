"""Writes of the portfolio (issue 7): services, their cost and demand per period (one
at a time or from a CSV file), and their changes.

A service (MOF Business Alignment: portfolio management) has an owner, customers, the
business objectives it serves, the work activities that deliver it, the unit that runs
it, the ITSM processes it exercises, a capacity and a currency. Its life cycle:

- a new service is *proposed* or goes straight into the *catalog* (never born retired);
- proposed → catalog, proposed → retired (a proposal dropped), catalog → retired;
- retired → catalog only by a portfolio manager; nothing goes back to proposed.

Who may do what (``uplift.apps.service_portfolio.permissions``): creating needs
``service_can_create`` (a portfolio manager); editing ``service_can_edit`` (a portfolio
manager, or the service's owner holding ``change_service``), but only a portfolio
manager hands the service to another owner or changes its slug (pages, scripts and the
API name it by slug). Rows (cost and demand, changes) need ``service_row_can``.

Every write checks the permission first and raises ``PermissionDenied``; input the
rules refuse raises ``ServicePortfolioError`` naming the field; a service, a change or
a month edited from a stale ``expected_version`` raises ``ConflictError``. A CSV file
of periods that breaks any rule raises ``uplift.domain.errors.InvalidDocument`` listing
every bad row with its line. Nothing is written then. Each write is one transaction and records
who made it (django-simple-history, ``record_actor``).

Split by topic, every public name imported from this module: ``portfolio_periods``
(cost and demand, the CSV import) and ``portfolio_checks`` (the input checks shared by
all). This module keeps services and changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from uplift.apps.improvements.history import record_actor
from uplift.apps.service_portfolio import permissions
from uplift.apps.service_portfolio.choices import ServiceState
from uplift.apps.service_portfolio.errors import ServicePortfolioError, lock_for_update
from uplift.apps.service_portfolio.models import Service, ServiceChange
from uplift.apps.service_portfolio.services.links import links_record_creation, links_set
from uplift.apps.service_portfolio.services.portfolio_checks import (
    EARLIEST_PERIOD,
    OWNER_PERMISSION,
    RESERVED_SLUGS,
    User,
    _check_delivery,
    _clean_capacity,
    _clean_currency,
    _clean_customers,
    _clean_date,
    _clean_itsm,
    _clean_name,
    _clean_objectives,
    _clean_owner,
    _clean_reference,
    _clean_slug,
    _clean_state,
    _clean_unit,
    _clean_work_activities,
    _required,
    _row_check,
    _text,
)
from uplift.apps.service_portfolio.services.portfolio_periods import (
    IMPORT_COLUMNS,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    period_delete,
    period_set,
    periods_import,
)

__all__ = [
    "CHANGE_FIELDS",
    "EARLIEST_PERIOD",
    "IMPORT_COLUMNS",
    "MAX_IMPORT_BYTES",
    "MAX_IMPORT_ROWS",
    "OWNER_PERMISSION",
    "RESERVED_SLUGS",
    "SERVICE_FIELDS",
    "change_add",
    "change_delete",
    "change_update",
    "period_delete",
    "period_set",
    "periods_import",
    "service_create",
    "service_update",
]

SERVICE_FIELDS: tuple[str, ...] = (
    "slug",
    "name",
    "owner",
    "unit",
    "description",
    "state",
    "customers",
    "objectives",
    "work_activities",
    "itsm_processes",
    "capacity",
    "demand_unit",
    "currency",
)
CHANGE_FIELDS: tuple[str, ...] = ("title", "reference", "requested_on", "delivered_on")

_LABELS: dict[str, str] = {
    "slug": "Slug",
    "name": "Name",
    "owner": "Owner",
    "unit": "Unit",
    "description": "Description",
    "state": "State",
    "customers": "Customers",
    "objectives": "Business objectives",
    "work_activities": "Work activities",
    "itsm_processes": "ITSM processes",
    "capacity": "Capacity",
    "demand_unit": "Demand unit",
    "currency": "Currency",
}
_TRANSITIONS: dict[str, tuple[str, ...]] = {
    ServiceState.PROPOSED: (ServiceState.CATALOG, ServiceState.RETIRED),
    ServiceState.CATALOG: (ServiceState.RETIRED,),
    ServiceState.RETIRED: (ServiceState.CATALOG,),  # by a portfolio manager only
}


# -- services -------------------------------------------------------------------------------


def _save(service: Service, *, actor: User, reason: str, fields: Iterable[str]) -> None:
    service.version += 1
    record_actor(service, actor, reason)
    service.full_clean(validate_unique=False)
    service.save(update_fields=sorted({*fields, "version"}))


@transaction.atomic
def service_create(
    *,
    actor: User,
    slug: str,
    name: str,
    owner: User,
    unit: Any,
    description: str = "",
    state: str = ServiceState.PROPOSED,
    customers: Iterable[str] = (),
    objectives: Iterable[Any] = (),
    work_activities: Iterable[Any] = (),
    itsm_processes: Iterable[str] = (),
    capacity: float | None = None,
    demand_unit: str = "",
    currency: str = "EUR",
) -> Service:
    """Add a service to the portfolio, proposed (default) or in the catalog.

    Raises ``PermissionDenied`` unless ``service_can_create``; ``ServicePortfolioError``
    for a slug that is empty, malformed, reserved (``RESERVED_SLUGS``) or taken; a name
    that is empty or taken (case-insensitive); an owner who cannot sign in or may not
    own a service (``OWNER_PERMISSION``); no unit; a retired or unknown state; a QPPO
    among the business objectives; an ITSM process the library does not know; a
    capacity not above 0; a currency that is not three letters.
    """
    if not permissions.service_can_create(actor):
        raise PermissionDenied("You may not add services to the portfolio.")
    clean_state = _clean_state(state)
    if clean_state == ServiceState.RETIRED:
        raise ServicePortfolioError(
            "A new service is proposed or in the catalog, not retired.", field="state"
        )
    service = Service(
        slug=_clean_slug(slug),
        name=_clean_name(name),
        owner=_clean_owner(owner),
        unit=_clean_unit(unit),
        description=_text(description, "description"),
        state=clean_state,
        customers=_clean_customers(customers),
        itsm_processes=_clean_itsm(itsm_processes),
        capacity=_clean_capacity(capacity),
        demand_unit=_text(demand_unit, "demand_unit", 50),
        currency=_clean_currency(currency),
        version=1,
    )
    chosen_objectives = _clean_objectives(objectives)
    chosen_activities = _clean_work_activities(work_activities)
    service.full_clean(validate_unique=False)
    record_actor(service, actor, "Added to the portfolio")
    service.save(force_insert=True)
    links_set(service, {"objectives": chosen_objectives, "work_activities": chosen_activities})
    links_record_creation(service)
    return service


def _check_transition(actor: User, old: str, new: str) -> None:
    if new == old:
        return
    if new not in _TRANSITIONS[old]:
        raise ServicePortfolioError(
            f"A service {ServiceState(old).label.lower()} does not go back to proposed.",
            field="state",
        )
    if old == ServiceState.RETIRED and not permissions.portfolio_can_manage(actor):
        raise ServicePortfolioError(
            "Only a portfolio manager brings a retired service back into the catalog.",
            field="state",
        )


def _refresh(target: Service, source: Service) -> None:
    if target is source:
        return
    for concrete in Service._meta.concrete_fields:
        setattr(target, concrete.attname, getattr(source, concrete.attname))


@transaction.atomic
def service_update(
    *,
    actor: User,
    service: Service,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> Service:
    """Change any of ``SERVICE_FIELDS`` of a service; see the module docstring for the
    life cycle. ``expected_version`` is the ``version`` the edit started from (None:
    take the service as it is). An unchanged save writes nothing. The history records
    the change with its actor and the fields changed (business objectives and work
    activities included).

    Raises ``PermissionDenied`` unless ``service_can_edit``, or when someone who is not
    a portfolio manager changes the owner or the slug; ``ConflictError`` for a stale
    version; ``ServicePortfolioError`` for an unknown field, a transition the life
    cycle does not allow, or any value ``service_create`` refuses.
    """
    if not permissions.service_can_edit(actor, service):
        raise PermissionDenied(f"You may not change the service “{service.name}”.")
    unknown = sorted(set(data) - set(SERVICE_FIELDS))
    if unknown:
        raise ServicePortfolioError(
            f"Not a field of a service: {', '.join(unknown)}.", field=unknown[0]
        )
    locked = lock_for_update(
        Service.objects.all(), pk=service.pk, expected_version=expected_version
    )
    manager = permissions.portfolio_can_manage(actor)
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name == "slug":
            slug = _text(value, "slug").lower()
            if slug != locked.slug:
                if not manager:
                    raise PermissionDenied("Only a portfolio manager changes a service's slug.")
                values["slug"] = _clean_slug(slug, locked)
        elif name == "name":
            values["name"] = _clean_name(value, locked)
        elif name == "owner":
            owner = value
            if getattr(owner, "pk", None) != locked.owner_id:
                if not manager:
                    raise PermissionDenied(
                        "Only a portfolio manager hands a service to another owner."
                    )
                values["owner"] = _clean_owner(owner)
        elif name == "unit":
            values["unit"] = _clean_unit(value)
        elif name == "state":
            state = _clean_state(value)
            _check_transition(actor, locked.state, state)
            values["state"] = state
        elif name == "customers":
            values["customers"] = _clean_customers(value)
        elif name == "itsm_processes":
            values["itsm_processes"] = _clean_itsm(value)
        elif name == "capacity":
            values["capacity"] = _clean_capacity(value)
        elif name == "currency":
            values["currency"] = _clean_currency(value)
        elif name == "description":
            values["description"] = _text(value, "description")
        elif name == "demand_unit":
            values["demand_unit"] = _text(value, "demand_unit", 50)
    objectives = None
    if "objectives" in data:
        current = set(locked.objectives.values_list("pk", flat=True))
        chosen = _clean_objectives(data["objectives"], already=current)
        objectives = chosen if {o.pk for o in chosen} != current else None
    activities = None
    if "work_activities" in data:
        current = set(locked.work_activities.values_list("pk", flat=True))
        chosen = _clean_work_activities(data["work_activities"])
        activities = chosen if {a.pk for a in chosen} != current else None

    changed = [
        name
        for name, value in values.items()
        if (
            getattr(locked, f"{name}_id") != value.pk
            if name in ("owner", "unit")
            else getattr(locked, name) != value
        )
    ]
    if objectives is not None:
        changed.append("objectives")
    if activities is not None:
        changed.append("work_activities")
    if not changed:
        _refresh(service, locked)
        return service  # an unchanged save changes nothing
    for name in changed:
        if name in values:
            setattr(locked, name, values[name])
    links: dict[str, Any] = {}
    if objectives is not None:
        links["objectives"] = objectives
    if activities is not None:
        links["work_activities"] = activities
    links_set(locked, links)  # recorded by the save below, before → after
    reason = "Changed: " + ", ".join(_LABELS[name] for name in changed)
    if "state" in changed:
        reason = f"{ServiceState(locked.state).label}. {reason}"
    _save(locked, actor=actor, reason=reason, fields=[n for n in changed if n in values])
    _refresh(service, locked)
    return service


# -- changes -------------------------------------------------------------------------------


@transaction.atomic
def change_add(
    *,
    actor: User,
    service: Service,
    title: str,
    requested_on: dt.date,
    delivered_on: dt.date | None = None,
    reference: str = "",
) -> ServiceChange:
    """Record a change of a service: when it was requested and (once done) delivered;
    the difference is its lead time (the *able to adapt* outcome).

    Raises ``PermissionDenied`` unless the actor may add the service's changes;
    ``ServicePortfolioError`` for an empty title, a date in the future, a delivery
    before the request, or a reference another change of the service has.
    """
    _row_check(actor, service, "add", "servicechange", "record changes")
    clean_title = _required(title, "title", "Say what the change was.", 200)
    requested = _clean_date(requested_on, "requested_on", required=True)
    assert requested is not None  # noqa: S101 - required above; narrows the type for mypy
    delivered = _clean_date(delivered_on, "delivered_on", required=False)
    _check_delivery(requested, delivered)
    change = ServiceChange(
        service=service,
        title=clean_title,
        reference=_clean_reference(reference, service),
        requested_on=requested,
        delivered_on=delivered,
    )
    record_actor(change, actor, "Recorded")
    change.save(force_insert=True)
    return change


@transaction.atomic
def change_update(
    *,
    actor: User,
    change: ServiceChange,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> ServiceChange:
    """Change any of ``CHANGE_FIELDS`` of a change (typically: record its delivery).
    ``expected_version`` is the ``version`` the edit started from (None: the change as
    it is). An unchanged save writes nothing (the version stays). Raises as
    ``change_add``; ``ConflictError`` for a stale version; ``ServicePortfolioError`` for
    an unknown field."""
    service = change.service
    _row_check(actor, service, "change", "servicechange", "change the changes")
    unknown = sorted(set(data) - set(CHANGE_FIELDS))
    if unknown:
        raise ServicePortfolioError(
            f"Not a field of a change: {', '.join(unknown)}.", field=unknown[0]
        )
    locked = lock_for_update(
        ServiceChange.objects.all(), pk=change.pk, expected_version=expected_version
    )
    values: dict[str, Any] = {}
    if "title" in data:
        values["title"] = _required(data["title"], "title", "Say what the change was.", 200)
    if "reference" in data:
        values["reference"] = _clean_reference(data["reference"], service, locked)
    if "requested_on" in data:
        values["requested_on"] = _clean_date(data["requested_on"], "requested_on", required=True)
    if "delivered_on" in data:
        values["delivered_on"] = _clean_date(data["delivered_on"], "delivered_on", required=False)
    _check_delivery(
        values.get("requested_on", locked.requested_on),
        values.get("delivered_on", locked.delivered_on),
    )
    changed = [name for name, value in values.items() if getattr(locked, name) != value]
    if changed:
        for name in changed:
            setattr(locked, name, values[name])
        what = "Delivered" if changed == ["delivered_on"] and locked.delivered_on else "Changed"
        locked.version += 1
        record_actor(locked, actor, what)
        locked.save(update_fields=[*changed, "version"])
    for name in (*CHANGE_FIELDS, "version"):
        setattr(change, name, getattr(locked, name))
    return change


@transaction.atomic
def change_delete(*, actor: User, change: ServiceChange) -> ServiceChange:
    """Delete a change recorded by mistake (the history keeps it, with who deleted it).
    Returns the deleted row. Raises ``PermissionDenied`` unless the actor may delete
    the service's changes."""
    _row_check(actor, change.service, "delete", "servicechange", "delete changes")
    record_actor(change, actor, "Deleted")
    change.delete()
    return change
