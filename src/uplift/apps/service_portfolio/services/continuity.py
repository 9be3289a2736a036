"""Writes of continuity plans (CMMI-SVC SCON: Service Continuity).

A service's continuity plan names its *essential functions* (SCON SP 1.1), what they
depend on: other services of the portfolio and suppliers, facilities or systems outside
it (SP 1.1), the *vital records* to protect (SP 1.1), the plan itself or where it is
kept (SP 2.1), and how often it is tested (SP 3.x). ``continuity_test_record`` keeps the
last test (date, result, notes) on the plan; the plan's history keeps every test.

- ``continuity_create`` writes a plan of a service that is not retired.
- ``continuity_update`` changes its content (not its test: that is a test's record).
- ``continuity_test_record`` records a test: not in the future, not before the test
  already recorded, passed or failed, and a failure says what failed.
- ``continuity_delete`` removes a plan (its history stays).

Who: a portfolio manager, or the service's owner holding the row's permission
(``permissions.service_row_can``); checked first. Refusals: ``PermissionDenied``;
``ServicePortfolioError`` naming the field; ``ConflictError`` for an edit started from
an older ``version``. Nothing is written then. Every write records its actor and a
reason in the plan's history, one record per write; the dependencies are part of each
record (``services.links``), so the history shows them before → after.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from uplift.apps.improvements.history import record_actor
from uplift.apps.service_portfolio import permissions
from uplift.apps.service_portfolio.choices import ServiceState, TestResult
from uplift.apps.service_portfolio.errors import ServicePortfolioError, lock_for_update
from uplift.apps.service_portfolio.models import ContinuityPlan, Service
from uplift.apps.service_portfolio.selectors_continuity import TEST_RECORDED
from uplift.apps.service_portfolio.services.links import links_insert, links_set
from uplift.apps.service_portfolio.services.portfolio_checks import _clean_day, _text

__all__ = [
    "CONTINUITY_FIELDS",
    "MAX_TEST_INTERVAL_DAYS",
    "continuity_create",
    "continuity_delete",
    "continuity_test_record",
    "continuity_update",
]

User = Any  # auth.User

# What continuity_update may change (the test has its own service).
CONTINUITY_FIELDS: tuple[str, ...] = (
    "name",
    "essential_functions",
    "dependencies",
    "other_dependencies",
    "vital_records",
    "plan",
    "test_interval_days",
)
# Ten years: a longer interval is a typo (days for weeks), not a test regime.
MAX_TEST_INTERVAL_DAYS = 3660
_NAME_MAX = 200
_MODEL = "continuityplan"


# -- input checks ---------------------------------------------------------------------


def _lines(value: Any, field: str) -> str:
    """One entry per line: each stripped, blank lines and repeats dropped."""
    seen: list[str] = []
    for line in _text(value, field).splitlines():
        entry = line.strip()
        if entry and entry.casefold() not in {s.casefold() for s in seen}:
            seen.append(entry)
    return "\n".join(seen)


def _clean_name(value: Any, service: Service, plan: ContinuityPlan | None = None) -> str:
    name = _text(value, "name")
    if not name:
        raise ServicePortfolioError("Name the plan (e.g. “Loss of the data centre”).", field="name")
    if len(name) > _NAME_MAX:
        raise ServicePortfolioError(f"At most {_NAME_MAX} characters.", field="name")
    taken = ContinuityPlan.objects.filter(service=service, name__iexact=name)
    if plan is not None:
        taken = taken.exclude(pk=plan.pk)
    if taken.exists():
        raise ServicePortfolioError(
            f"{service.name} already has a continuity plan named “{name}”.", field="name"
        )
    return name


def _clean_functions(value: Any) -> str:
    functions = _lines(value, "essential_functions")
    if not functions:
        raise ServicePortfolioError(
            "Name at least one essential function, one per line: what must keep working "
            "(or be restored first) when the service is disrupted.",
            field="essential_functions",
        )
    return functions


def _clean_plan_text(value: Any) -> str:
    text = _text(value, "plan")
    if not text:
        raise ServicePortfolioError(
            "Write the plan, or say where it is kept (a document, a runbook).", field="plan"
        )
    return text


def _clean_interval(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ServicePortfolioError("Enter a whole number of days.", field="test_interval_days")
    if not 1 <= value <= MAX_TEST_INTERVAL_DAYS:
        raise ServicePortfolioError(
            f"Enter 1 to {MAX_TEST_INTERVAL_DAYS} days (at most ten years between tests).",
            field="test_interval_days",
        )
    return value


def _clean_dependencies(
    value: Iterable[Any], service: Service, *, already: Iterable[int] = ()
) -> list[Service]:
    """Services of the portfolio, not the plan's own; a retired one only if it was a
    dependency already (it may have been retired since)."""
    if isinstance(value, str | bytes):
        raise ServicePortfolioError("Choose services.", field="dependencies")
    kept = set(already)
    chosen: dict[int, Service] = {}
    for other in value:
        if not isinstance(other, Service) or other.pk is None:
            raise ServicePortfolioError("Choose services.", field="dependencies")
        if other.pk == service.pk:
            raise ServicePortfolioError(
                "A service does not depend on itself: list the services it needs.",
                field="dependencies",
            )
        if other.state == ServiceState.RETIRED and other.pk not in kept:
            raise ServicePortfolioError(
                f"{other.name} is retired: it cannot be a new dependency.", field="dependencies"
            )
        chosen[other.pk] = other
    return sorted(chosen.values(), key=lambda s: (s.name, s.pk))


def _require(actor: User, service: Service, action: str) -> None:
    if not permissions.service_row_can(actor, service, action, _MODEL):
        verb = {"add": "add continuity plans to", "change": "change the continuity plans of"}
        raise PermissionDenied(
            f"You may not {verb.get(action, 'delete the continuity plans of')} {service.name}."
        )


def _dependency_note(before: Iterable[Service], after: Iterable[Service]) -> str:
    old = {s.pk: s.name for s in before}
    new = {s.pk: s.name for s in after}
    added = sorted(name for pk, name in new.items() if pk not in old)
    removed = sorted(name for pk, name in old.items() if pk not in new)
    parts = []
    if added:
        parts.append(f"added {', '.join(added)}")
    if removed:
        parts.append(f"removed {', '.join(removed)}")
    return f"dependencies {'; '.join(parts)}" if parts else ""


def _refresh(target: ContinuityPlan, source: ContinuityPlan) -> None:
    """Bring the caller's instance up to the saved row (it may be another object)."""
    if target is source:
        return
    for field in ContinuityPlan._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


def _lock(plan: ContinuityPlan, expected_version: int | None = None) -> ContinuityPlan:
    return lock_for_update(
        ContinuityPlan.objects.select_related("service"),
        pk=plan.pk,
        expected_version=expected_version,
    )


# -- writes ---------------------------------------------------------------------------


@transaction.atomic
def continuity_create(
    *,
    actor: User,
    service: Service,
    name: str,
    essential_functions: str,
    plan: str,
    vital_records: str = "",
    dependencies: Iterable[Service] = (),
    other_dependencies: str = "",
    test_interval_days: int = 365,
) -> ContinuityPlan:
    """Write a continuity plan of ``service``, never tested yet.

    ``essential_functions`` and ``vital_records``: one per line (blank lines and repeats
    dropped). ``dependencies``: other services of the portfolio this one needs.

    Raises ``PermissionDenied`` unless ``actor`` may add continuity plans to the service;
    ``ServicePortfolioError`` for a retired service, a missing or taken name (per
    service, ignoring case), no essential function, no plan, an interval outside 1 to
    ``MAX_TEST_INTERVAL_DAYS`` days, or a dependency on itself or on a retired service.
    """
    _require(actor, service, "add")
    if service.state == ServiceState.RETIRED:
        raise ServicePortfolioError(
            f"{service.name} is retired: it needs no continuity plan.", field="service"
        )
    clean_name = _clean_name(name, service)
    depends_on = _clean_dependencies(dependencies, service)
    row = ContinuityPlan(
        service=service,
        name=clean_name,
        essential_functions=_clean_functions(essential_functions),
        plan=_clean_plan_text(plan),
        vital_records=_lines(vital_records, "vital_records"),
        other_dependencies=_text(other_dependencies, "other_dependencies"),
        test_interval_days=_clean_interval(test_interval_days),
        version=1,
    )
    note = _dependency_note((), depends_on)
    record_actor(row, actor, "Plan written" + (f"; {note}" if note else ""))
    taken = ServicePortfolioError(  # written by someone else since the check above
        f"{service.name} already has a continuity plan named “{clean_name}”.", field="name"
    )
    links_insert(row, {"dependencies": depends_on}, taken=taken)
    return row


@transaction.atomic
def continuity_update(
    *,
    actor: User,
    plan: ContinuityPlan,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> ContinuityPlan:
    """Change a plan's content: any of ``CONTINUITY_FIELDS`` in ``data``. A save that
    changes nothing writes nothing (the version stays).

    Raises ``PermissionDenied`` unless ``actor`` may change the service's continuity
    plans; ``ConflictError`` when the plan was saved after ``expected_version``;
    ``ServicePortfolioError`` for an unknown field or a value ``continuity_create``
    refuses (a retired dependency already on the plan may stay).
    """
    _require(actor, plan.service, "change")
    unknown = sorted(set(data) - set(CONTINUITY_FIELDS))
    if unknown:
        raise ServicePortfolioError(
            f"Not a field a continuity plan's edit changes: {', '.join(unknown)}.",
            field=unknown[0],
        )
    locked = _lock(plan, expected_version)
    service = locked.service
    values: dict[str, Any] = {}
    if "name" in data:
        values["name"] = _clean_name(data["name"], service, locked)
    if "essential_functions" in data:
        values["essential_functions"] = _clean_functions(data["essential_functions"])
    if "plan" in data:
        values["plan"] = _clean_plan_text(data["plan"])
    if "vital_records" in data:
        values["vital_records"] = _lines(data["vital_records"], "vital_records")
    if "other_dependencies" in data:
        values["other_dependencies"] = _text(data["other_dependencies"], "other_dependencies")
    if "test_interval_days" in data:
        values["test_interval_days"] = _clean_interval(data["test_interval_days"])
    before = list(locked.dependencies.all())
    after = before
    if "dependencies" in data:
        after = _clean_dependencies(data["dependencies"], service, already=[s.pk for s in before])
    changed = [name for name, value in values.items() if getattr(locked, name) != value]
    note = _dependency_note(before, after)
    if not changed and not note:
        _refresh(plan, locked)
        return plan
    for name in changed:
        setattr(locked, name, values[name])
    locked.version += 1
    parts = [f"Changed: {', '.join(changed)}"] if changed else []
    if note:
        parts.append(note[:1].upper() + note[1:])
    record_actor(locked, actor, "; ".join(parts))
    if note:
        links_set(locked, {"dependencies": after})  # recorded by the save, before → after
    locked.save(update_fields=[*changed, "version"])
    _refresh(plan, locked)
    return plan


@transaction.atomic
def continuity_test_record(
    *,
    actor: User,
    plan: ContinuityPlan,
    tested_on: dt.date,
    result: str,
    notes: str = "",
) -> ContinuityPlan:
    """Record a test of the plan: it becomes the plan's last test (its history keeps
    the earlier ones) and the next test falls due ``test_interval_days`` later.

    Raises ``PermissionDenied`` unless ``actor`` may change the service's continuity
    plans; ``ServicePortfolioError`` for a result other than passed or failed, a failure
    without notes (what failed), a date after today or before the test already
    recorded.
    """
    _require(actor, plan.service, "change")
    if result not in TestResult.values:
        raise ServicePortfolioError("Say whether the test passed or failed.", field="result")
    day = _clean_day(tested_on, "tested_on")
    today = timezone.localdate()
    if day > today:
        raise ServicePortfolioError(
            f"{day:%Y-%m-%d} is in the future: record a test once it has been held.",
            field="tested_on",
        )
    text = _text(notes, "notes")
    if result == TestResult.FAILED and not text:
        raise ServicePortfolioError(
            "Say what failed: it is what the next test must show fixed.", field="notes"
        )
    locked = _lock(plan)
    if locked.last_tested_on is not None and day < locked.last_tested_on:
        raise ServicePortfolioError(
            f"A test on {locked.last_tested_on:%Y-%m-%d} is already recorded: a test before "
            "it is not the plan's last test.",
            field="tested_on",
        )
    locked.last_tested_on = day
    locked.last_test_result = result
    locked.last_test_notes = text
    locked.version += 1
    record_actor(locked, actor, f"{TEST_RECORDED}: {result} on {day:%Y-%m-%d}")
    locked.save(update_fields=["last_tested_on", "last_test_result", "last_test_notes", "version"])
    _refresh(plan, locked)
    return plan


@transaction.atomic
def continuity_delete(*, actor: User, plan: ContinuityPlan) -> None:
    """Delete a plan; its history (with who deleted it) stays.

    Raises ``PermissionDenied`` unless ``actor`` may delete the service's continuity
    plans.
    """
    _require(actor, plan.service, "delete")
    locked = _lock(plan)
    record_actor(locked, actor, "Plan deleted")
    locked.delete()
