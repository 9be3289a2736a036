"""Input checks of the portfolio's writes (``services.portfolio`` and its topic
modules; ``_text`` and ``_clean_day`` also serve ``services.continuity`` and
``services.policies``): each cleans one value or raises ``ServicePortfolioError``
naming the field, and the permission check of a service's rows. Callers import the
services from ``services.portfolio``."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from uplift.apps.improvements.services.plans import person_name
from uplift.apps.measurements.choices import ObjectiveKind
from uplift.apps.service_portfolio import permissions
from uplift.apps.service_portfolio.choices import ServiceState
from uplift.apps.service_portfolio.errors import ServicePortfolioError
from uplift.apps.service_portfolio.models import Service, ServiceChange
from uplift.apps.service_portfolio.selectors import itsm_process_choices, month_start

__all__ = ["EARLIEST_PERIOD", "OWNER_PERMISSION", "RESERVED_SLUGS", "User"]

User = Any  # auth.User

# Words of the portfolio's own URLs (/services/new/, /services/policies/ ...): a service
# named so would be unreachable.
RESERVED_SLUGS: frozenset[str] = frozenset(
    {"new", "policies", "reviews", "continuity", "settings", "scorecards"}
)
# An owner keeps the service valuable, reliable, compliant and cost-effective: they must
# be able to edit it (the service owner role, or the process group).
OWNER_PERMISSION = "service_portfolio.change_service"
# A period before this is a typing error of the year (0224-05), not a cost record.
EARLIEST_PERIOD = dt.date(1990, 1, 1)

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?$")
_ITSM_ID = re.compile(r"^[A-Z][A-Z0-9-]{1,15}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_COST_LIMIT = Decimal("999999999999.99")  # ServicePeriod.cost: 14 digits, 2 decimals

Objective: Any = Service._meta.get_field("objectives").related_model
WorkActivity: Any = Service._meta.get_field("work_activities").related_model
Unit: Any = Service._meta.get_field("unit").related_model


def _text(value: Any, field: str, limit: int | None = None) -> str:
    """Stored text: stripped, with the newlines browsers send (CRLF) made plain."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ServicePortfolioError("Enter text.", field=field)
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if limit is not None and len(text) > limit:
        raise ServicePortfolioError(f"At most {limit} characters.", field=field)
    return text


def _required(value: Any, field: str, message: str, limit: int) -> str:
    text = _text(value, field, limit)
    if not text:
        raise ServicePortfolioError(message, field=field)
    return text


def _clean_slug(value: Any, service: Service | None = None) -> str:
    slug = _required(value, "slug", "Give the service a slug (its name in links).", 100).lower()
    if not _SLUG.match(slug):
        raise ServicePortfolioError(
            "Use lower-case letters, digits, hyphens and underscores, starting and ending "
            "with a letter or digit (e.g. service-desk).",
            field="slug",
        )
    if slug in RESERVED_SLUGS:
        raise ServicePortfolioError(
            f"“{slug}” names a page of the portfolio; choose another slug "
            f"(not {', '.join(sorted(RESERVED_SLUGS))}).",
            field="slug",
        )
    others = Service.objects.filter(slug=slug)
    if service is not None:
        others = others.exclude(pk=service.pk)
    taken = others.first()
    if taken is not None:
        raise ServicePortfolioError(
            f"The slug “{slug}” is taken by the service “{taken.name}”.", field="slug"
        )
    return slug


def _clean_name(value: Any, service: Service | None = None) -> str:
    name = _required(value, "name", "Give the service a name.", 200)
    others = Service.objects.filter(name__iexact=name)
    if service is not None:
        others = others.exclude(pk=service.pk)
    taken = others.first()
    if taken is not None:
        raise ServicePortfolioError(
            f"The portfolio has a service named “{taken.name}” already ({taken.slug}).",
            field="name",
        )
    return name


def _clean_owner(owner: Any) -> Any:
    if owner is None or getattr(owner, "pk", None) is None or not hasattr(owner, "has_perm"):
        raise ServicePortfolioError("Name the service's owner.", field="owner")
    if not owner.is_active:
        raise ServicePortfolioError(f"{person_name(owner)} cannot sign in any more.", field="owner")
    if not owner.has_perm(OWNER_PERMISSION):
        raise ServicePortfolioError(
            f"{person_name(owner)} may not own a service: an owner edits their service "
            "(give them the service owner role first).",
            field="owner",
        )
    return owner


def _clean_unit(unit: Any) -> Any:
    if not isinstance(unit, Unit) or unit.pk is None:
        raise ServicePortfolioError(
            "Name the organizational unit that runs the service.", field="unit"
        )
    return unit


def _clean_state(value: Any) -> str:
    if value not in ServiceState.values:
        raise ServicePortfolioError(
            f"The state is one of {', '.join(ServiceState.values)}.", field="state"
        )
    return str(value)


def _sequence(value: Any, field: str) -> list[Any]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ServicePortfolioError("Give a list.", field=field)
    return list(value)


def _clean_customers(value: Any) -> list[str]:
    customers: list[str] = []
    seen: set[str] = set()
    for item in _sequence(value, "customers"):
        name = _text(item, "customers")
        if len(name) > 200:
            raise ServicePortfolioError(
                f"A customer's name has at most 200 characters: “{name[:40]}…”.",
                field="customers",
            )
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            customers.append(name)
    return customers


def _clean_objectives(value: Any, already: Iterable[int] = ()) -> list[Any]:
    chosen: dict[int, Any] = {}
    for objective in _sequence(value, "objectives"):
        if not isinstance(objective, Objective) or objective.pk is None:
            raise ServicePortfolioError("Choose business objectives.", field="objectives")
        chosen[objective.pk] = objective
    kept = set(already)
    refused = [o for o in chosen.values() if o.pk not in kept and o.kind != ObjectiveKind.BUSINESS]
    if refused:
        names = ", ".join(f"“{o.name}”" for o in refused)
        raise ServicePortfolioError(
            f"A service serves business objectives; {names} "
            f"{'is a QPPO' if len(refused) == 1 else 'are QPPOs'} (give them to its "
            "service-level objectives instead).",
            field="objectives",
        )
    return list(chosen.values())


def _clean_work_activities(value: Any) -> list[Any]:
    chosen: dict[int, Any] = {}
    for activity in _sequence(value, "work_activities"):
        if not isinstance(activity, WorkActivity) or activity.pk is None:
            raise ServicePortfolioError("Choose work activities.", field="work_activities")
        chosen[activity.pk] = activity
    return list(chosen.values())


def _clean_itsm(value: Any) -> list[str]:
    """Identifiers of the library's BS 15000 processes (upper case, in the model's
    order); any identifier-like text when the library does not hold the model."""
    given: list[str] = []
    for item in _sequence(value, "itsm_processes"):
        ident = _text(item, "itsm_processes").upper()
        if ident and ident not in given:
            given.append(ident)
    if not given:
        return []
    known = [abbreviation for abbreviation, _ in itsm_process_choices()]
    if known:
        unknown = [ident for ident in given if ident not in known]
        if unknown:
            raise ServicePortfolioError(
                f"Not an ITSM process of the library: {', '.join(unknown)} (the processes "
                f"are {', '.join(known)}).",
                field="itsm_processes",
            )
        return [ident for ident in known if ident in given]
    bad = [ident for ident in given if not _ITSM_ID.match(ident)]
    if bad:
        raise ServicePortfolioError(
            f"Not a process identifier: {', '.join(bad)} (e.g. SLM, CAPM).",
            field="itsm_processes",
        )
    return given


def _finite(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ServicePortfolioError("Enter a number.", field=field)
    number = float(value)
    if not math.isfinite(number):
        raise ServicePortfolioError("Enter a finite number.", field=field)
    return number


def _clean_capacity(value: Any) -> float | None:
    if value is None or value == "":
        return None
    number = _finite(value, "capacity")
    if number <= 0:
        raise ServicePortfolioError(
            "The capacity is more than 0 (leave it empty when unknown).", field="capacity"
        )
    return number


def _clean_currency(value: Any) -> str:
    currency = _text(value, "currency").upper()
    if not _CURRENCY.match(currency):
        raise ServicePortfolioError(
            "Give the currency as its three-letter ISO 4217 code (e.g. EUR).", field="currency"
        )
    return currency


def _today() -> dt.date:
    return timezone.localdate()


def _clean_day(value: Any, field: str) -> dt.date:
    """A date, or its ISO text (YYYY-MM-DD); never a date and time."""
    if isinstance(value, dt.datetime):
        raise ServicePortfolioError("Enter a date, not a date and time.", field=field)
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ServicePortfolioError("Enter a date as YYYY-MM-DD.", field=field)


def _clean_period(value: Any) -> dt.date:
    """A month, named by its first day: a date (any day of the month) or ``YYYY-MM``;
    not after the current month and not before 1990."""
    if isinstance(value, str):
        text = value.strip()
        month = _MONTH.match(text)
        try:
            value = (
                dt.date(int(month.group(1)), int(month.group(2)), 1)
                if month
                else dt.date.fromisoformat(text)
            )
        except ValueError:
            raise ServicePortfolioError(
                f"“{text}” is not a month: write YYYY-MM (e.g. 2025-03) or a date YYYY-MM-DD.",
                field="period",
            ) from None
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ServicePortfolioError("Give the period as a month (YYYY-MM).", field="period")
    period = month_start(value)
    if period < EARLIEST_PERIOD:
        raise ServicePortfolioError(
            f"{period:%Y-%m} is before {EARLIEST_PERIOD:%Y}: check the year.", field="period"
        )
    current = month_start(_today())
    if period > current:
        raise ServicePortfolioError(
            f"{period:%Y-%m} has not begun (this is {current:%Y-%m}): record cost and demand "
            "of past and current months.",
            field="period",
        )
    return period


def _clean_cost(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise ServicePortfolioError("Enter the cost as a number.", field="cost")
    try:
        cost = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise ServicePortfolioError(
            "Enter the cost as a number (e.g. 1234.50).", field="cost"
        ) from None
    if not cost.is_finite():
        raise ServicePortfolioError("Enter a finite cost.", field="cost")
    if cost < 0:
        raise ServicePortfolioError("A cost is not negative.", field="cost")
    if cost > _COST_LIMIT:
        raise ServicePortfolioError(f"A cost is at most {_COST_LIMIT:,}.", field="cost")
    cents = cost.quantize(Decimal("0.01"))
    if cost != cents:
        raise ServicePortfolioError(
            f"A cost has at most two decimals (cents), got {cost}.", field="cost"
        )
    return cents


def _clean_demand(value: Any) -> float | None:
    if value is None or value == "":
        return None
    number = _finite(value, "demand")
    if number < 0:
        raise ServicePortfolioError(
            "Demand is not negative (leave it empty when unknown).", field="demand"
        )
    return number


def _clean_date(value: Any, field: str, *, required: bool) -> dt.date | None:
    if value in (None, ""):
        if required:
            raise ServicePortfolioError("Give the date.", field=field)
        return None
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ServicePortfolioError("Enter a date as YYYY-MM-DD.", field=field) from None
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ServicePortfolioError("Enter a date as YYYY-MM-DD.", field=field)
    if value > _today():
        raise ServicePortfolioError(
            f"{value:%Y-%m-%d} is in the future: record changes that were requested "
            "(and delivered) already.",
            field=field,
        )
    return value


# -- permissions ----------------------------------------------------------------------------


def _row_check(actor: User, service: Service, action: str, model: str, what: str) -> None:
    if not permissions.service_row_can(actor, service, action, model):
        raise PermissionDenied(f"You may not {what} of the service “{service.name}”.")


# -- changes ---------------------------------------------------------------------------


def _clean_reference(value: Any, service: Service, change: ServiceChange | None = None) -> str:
    reference = _text(value, "reference", 100)
    if reference:
        others = ServiceChange.objects.filter(service=service, reference__iexact=reference)
        if change is not None:
            others = others.exclude(pk=change.pk)
        taken = others.first()
        if taken is not None:
            raise ServicePortfolioError(
                f"The change “{taken.title}” of this service has the reference {reference} "
                "already.",
                field="reference",
            )
    return reference


def _check_delivery(requested_on: dt.date, delivered_on: dt.date | None) -> None:
    if delivered_on is not None and delivered_on < requested_on:
        raise ServicePortfolioError(
            f"Delivered on {delivered_on:%Y-%m-%d}, before it was requested "
            f"({requested_on:%Y-%m-%d}).",
            field="delivered_on",
        )
