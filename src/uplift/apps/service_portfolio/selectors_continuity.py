"""Reads of continuity plans (CMMI-SVC SCON): each plan's test status on a day (batched
for the scorecard), the overview of every plan (the continuity page), the rows of one
service's page, one plan, and its test log.

The status is the domain's (``uplift.domain.service_outcomes.continuity_test_status``):
never tested, failed, overdue by N days, or due in N days. A plan whose recorded test is
dated after ``today`` (a status asked for an earlier day) had not been tested yet on
that day: it counts as never tested then.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from uplift.apps.service_portfolio import permissions
from uplift.apps.service_portfolio.models import ContinuityPlan, Service
from uplift.domain.service_outcomes import (
    ContinuityState,
    ContinuityStatus,
    continuity_test_status,
)

__all__ = [
    "CONTINUITY_STATE_LABELS",
    "TEST_RECORDED",
    "ContinuityRow",
    "ContinuitySection",
    "ContinuityTest",
    "continuity_get",
    "continuity_overview",
    "continuity_plans",
    "continuity_rows",
    "continuity_state_filter",
    "continuity_status",
    "continuity_statuses",
    "continuity_tests",
]

# The states in words, for pages, exports and filters (the status is never colour only).
CONTINUITY_STATE_LABELS: dict[ContinuityState, str] = {
    ContinuityState.NEVER_TESTED: "Never tested",
    ContinuityState.FAILED: "Last test failed",
    ContinuityState.OVERDUE: "Test overdue",
    ContinuityState.DUE: "Tested on time",
}

# The change reason ``services.continuity.continuity_test_record`` starts with.
TEST_RECORDED = "Test recorded"

# Worst first: the order of "needs attention" on the overview.
_SEVERITY: dict[ContinuityState, int] = {
    ContinuityState.FAILED: 0,
    ContinuityState.OVERDUE: 1,
    ContinuityState.NEVER_TESTED: 2,
    ContinuityState.DUE: 3,
}


def continuity_status(plan: ContinuityPlan, *, today: dt.date | None = None) -> ContinuityStatus:
    """The test status of ``plan`` on ``today`` (default: the local date). No query."""
    day = today if today is not None else timezone.localdate()
    last_test = plan.last_tested_on
    result: Any = plan.last_test_result or None
    if last_test is None or result is None or last_test > day:
        # Never tested (or not yet on ``day``): the service writes date and result together.
        return continuity_test_status(
            last_test=None, result=None, interval_days=plan.test_interval_days, today=day
        )
    return continuity_test_status(
        last_test=last_test, result=result, interval_days=plan.test_interval_days, today=day
    )


def continuity_statuses(
    plans: Iterable[ContinuityPlan], *, today: dt.date | None = None
) -> dict[int, ContinuityStatus]:
    """The test status of each plan on ``today``, by the plan's primary key. No query
    beyond evaluating ``plans`` (pass a queryset or a list of rows)."""
    day = today if today is not None else timezone.localdate()
    return {plan.pk: continuity_status(plan, today=day) for plan in plans}


def continuity_state_filter(state: str, *, today: dt.date | None = None) -> Q:
    """A condition on continuity plans matching those in ``state`` (a
    ``ContinuityState`` value) on ``today``, the same rule as ``continuity_status`` in
    SQL: overdue is ``last_tested_on < today - test_interval_days``, written per
    interval in use (one query to list them) so that no date arithmetic is needed in
    the database. An unknown state matches nothing."""
    day = today if today is not None else timezone.localdate()
    tested = Q(last_tested_on__isnull=False, last_tested_on__lte=day) & ~Q(last_test_result="")
    if state == ContinuityState.NEVER_TESTED:
        return ~tested
    if state == ContinuityState.FAILED:
        return tested & Q(last_test_result="failed")
    if state not in (ContinuityState.OVERDUE, ContinuityState.DUE):
        return Q(pk__in=[])
    passed = tested & Q(last_test_result="passed")
    intervals = (
        ContinuityPlan.objects.filter(passed)
        .order_by()
        .values_list("test_interval_days", flat=True)
        .distinct()
    )
    late = Q(pk__in=[])
    for days in sorted(intervals):
        late |= Q(test_interval_days=days, last_tested_on__lt=day - dt.timedelta(days=days))
    return passed & late if state == ContinuityState.OVERDUE else passed & ~late


@dataclass(frozen=True)
class ContinuityRow:
    """One plan with its status on a day, and whether the reader may change it."""

    plan: ContinuityPlan
    status: ContinuityStatus
    can_edit: bool = False

    @property
    def service(self) -> Service:
        return self.plan.service

    @property
    def state(self) -> str:
        return self.status.state.value

    @property
    def state_label(self) -> str:
        return CONTINUITY_STATE_LABELS[self.status.state]

    @property
    def needs_attention(self) -> bool:
        return self.status.needs_attention

    @property
    def severity(self) -> int:
        return _SEVERITY[self.status.state]

    @property
    def dependency_names(self) -> str:
        """The services depended on, by name, comma separated (prefetched)."""
        return ", ".join(service.name for service in self.plan.dependencies.all())

    @property
    def essential_function_list(self) -> list[str]:
        return _lines(self.plan.essential_functions)

    @property
    def vital_record_list(self) -> list[str]:
        return _lines(self.plan.vital_records)

    @property
    def essential_functions_text(self) -> str:
        """The essential functions on one line (for exports)."""
        return "; ".join(self.essential_function_list)

    @property
    def vital_records_text(self) -> str:
        return "; ".join(self.vital_record_list)

    def as_json(self) -> dict[str, object]:
        plan = self.plan
        return {
            "id": plan.pk,
            "service": plan.service.slug,
            "service_name": plan.service.name,
            "name": plan.name,
            "essential_functions": self.essential_function_list,
            "dependencies": [service.slug for service in plan.dependencies.all()],
            "other_dependencies": plan.other_dependencies,
            "vital_records": self.vital_record_list,
            "test_interval_days": plan.test_interval_days,
            "last_tested_on": plan.last_tested_on.isoformat() if plan.last_tested_on else None,
            "last_test_result": plan.last_test_result or None,
            "status": self.status.as_json(),
            "needs_attention": self.needs_attention,
        }


@dataclass(frozen=True)
class ContinuitySection:
    """The continuity section of a service's page: its plans (iterate the section for
    the rows) and whether the reader may add one."""

    service: Service
    rows: tuple[ContinuityRow, ...]
    can_add: bool

    def __iter__(self) -> Iterator[ContinuityRow]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __bool__(self) -> bool:
        return bool(self.rows)

    @property
    def attention(self) -> tuple[ContinuityRow, ...]:
        """The plans never tested, failed or overdue."""
        return tuple(row for row in self.rows if row.needs_attention)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def continuity_plans() -> QuerySet[ContinuityPlan]:
    """Every plan with its service and the service's owner joined, its dependencies
    prefetched, by service and name. Two queries."""
    return (
        ContinuityPlan.objects.select_related("service", "service__owner")
        .prefetch_related(Prefetch("dependencies", queryset=Service.objects.order_by("name")))
        .order_by("service__name", "name", "pk")
    )


def continuity_get(*, service: Service, pk: int) -> ContinuityPlan:
    """The plan ``pk`` of ``service`` (joined and prefetched as ``continuity_plans``);
    raises ``ContinuityPlan.DoesNotExist`` when the service has no such plan."""
    return continuity_plans().get(service=service, pk=pk)


def continuity_overview(
    *,
    today: dt.date | None = None,
    plans: Iterable[ContinuityPlan] | None = None,
    user: Any = None,
) -> list[ContinuityRow]:
    """The rows of the continuity page: every plan (or the given ``plans``, e.g. a
    filtered ``continuity_plans()``) with its status on ``today``, the ones needing
    attention first (failed, overdue, never tested), then by service and name.
    ``can_edit`` says whether ``user`` may change each plan (False without a user).
    A fixed number of queries."""
    day = today if today is not None else timezone.localdate()
    rows = [
        ContinuityRow(
            plan=plan,
            status=continuity_status(plan, today=day),
            can_edit=user is not None
            and permissions.service_row_can(user, plan.service, "change", "continuityplan"),
        )
        for plan in (plans if plans is not None else continuity_plans())
    ]
    rows.sort(key=lambda row: (row.severity, row.service.name, row.plan.name, row.plan.pk))
    return rows


def continuity_rows(
    service: Service, *, user: Any = None, today: dt.date | None = None
) -> ContinuitySection:
    """The continuity section of ``service``'s page (``continuity_rows`` in the page's
    context): its plans with their status on ``today``, attention first, and whether
    ``user`` may add or change plans. Two queries."""
    rows = continuity_overview(
        today=today, plans=continuity_plans().filter(service=service), user=user
    )
    can_add = user is not None and permissions.service_row_can(
        user, service, "add", "continuityplan"
    )
    return ContinuitySection(service=service, rows=tuple(rows), can_add=bool(can_add))


@dataclass(frozen=True)
class ContinuityTest:
    """One recorded test of a plan, from the plan's history."""

    tested_on: dt.date
    result: str
    notes: str
    recorded_at: dt.datetime
    recorded_by: Any

    @property
    def result_label(self) -> str:
        return "Passed" if self.result == "passed" else "Failed"


def continuity_tests(plan: ContinuityPlan) -> list[ContinuityTest]:
    """Every test recorded for ``plan``, newest first: the plan keeps its last test, its
    history keeps each one (a record written by ``continuity_test_record``, or one whose
    test date, result or notes differ from the record before). One query."""
    records = list(
        plan.history.select_related("history_user").order_by("history_date", "history_id")  # type: ignore[attr-defined]
    )
    tests: list[ContinuityTest] = []
    previous: tuple[Any, Any, Any] = (None, "", "")
    for record in records:
        current = (record.last_tested_on, record.last_test_result, record.last_test_notes)
        recorded = (record.history_change_reason or "").startswith(TEST_RECORDED)
        if record.last_tested_on is not None and (current != previous or recorded):
            tests.append(
                ContinuityTest(
                    tested_on=record.last_tested_on,
                    result=record.last_test_result,
                    notes=record.last_test_notes,
                    recorded_at=record.history_date,
                    recorded_by=record.history_user,
                )
            )
        previous = current
    tests.reverse()
    return tests
