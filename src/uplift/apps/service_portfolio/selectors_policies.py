"""Reads of IT policies and compliance checks (MOF Policy SMF).

The *latest* check per policy and service counts (on the scorecard, the service page,
a policy's page); earlier checks stay as the record. "Latest" is the newest
``checked_on``, the later recorded on the same day. Only active policies that still
govern the service count. A policy's review is *overdue* when it is active and its
``review_due`` is before today (due today is not overdue yet).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from uplift.apps.service_portfolio import permissions
from uplift.apps.service_portfolio.choices import ComplianceResult
from uplift.apps.service_portfolio.models import ComplianceCheck, Policy, Service
from uplift.domain.service_outcomes import ComplianceCheck as CheckEvidence

__all__ = [
    "ComplianceRow",
    "ComplianceSection",
    "PolicyServiceRow",
    "check_counts_condition",
    "compliance_checks",
    "compliance_evidence",
    "compliance_rows",
    "latest_checks",
    "latest_checks_by_service",
    "policies_review_overdue",
    "policy_compliance",
    "policy_failing_condition",
    "policy_get",
    "policy_list",
]


def _latest_pk(on: dt.date | None = None) -> Subquery:
    """The newest check of the outer row's policy and service (a subquery); with ``on``,
    the newest made on or before that day (what counted then)."""
    newest = ComplianceCheck.objects.filter(policy=OuterRef("policy"), service=OuterRef("service"))
    if on is not None:
        newest = newest.filter(checked_on__lte=on)
    return Subquery(newest.order_by("-checked_on", "-pk").values("pk")[:1])


def _latest(on: dt.date | None = None) -> QuerySet[ComplianceCheck]:
    """The checks that count: the latest per policy and service (on or before ``on``,
    when given), of active policies still governing the service."""
    return (
        ComplianceCheck.objects.filter(policy__active=True, policy__services=F("service"))
        .filter(pk=_latest_pk(on))
        .select_related("policy", "checked_by")
    )


def check_counts_condition() -> Q:
    """A condition on compliance checks: the check counts (the latest of its policy and
    service, the policy active and still governing the service)."""
    governs = Exists(
        Policy.services.through.objects.filter(
            policy=OuterRef("policy"), service=OuterRef("service")
        )
    )
    return Q(pk=_latest_pk()) & Q(policy__active=True) & Q(governs)


def policy_failing_condition() -> Exists:
    """A condition on policies: a service it governs failed its latest check."""
    failed = (
        ComplianceCheck.objects.filter(policy=OuterRef("pk"), policy__services=F("service"))
        .filter(pk=_latest_pk())
        .filter(result=ComplianceResult.FAILED)
    )
    return Exists(failed)


def latest_checks(service: Service) -> list[ComplianceCheck]:
    """The latest compliance check of ``service`` per active policy governing it, by
    policy name (policy and checker joined). One query."""
    return list(_latest().filter(service=service).order_by("policy__name", "policy_id"))


def latest_checks_by_service(
    services: Iterable[Service], *, on: dt.date | None = None
) -> dict[int, list[ComplianceCheck]]:
    """``latest_checks`` for many services in one query, by service primary key (every
    service present; an empty list when it has no check). With ``on``, the checks that
    counted on that day: a check made later is not seen (a review's scorecard as of the
    day it was held)."""
    ids = [service.pk for service in services]
    found: dict[int, list[ComplianceCheck]] = {pk: [] for pk in ids}
    rows = (
        _latest(on).filter(service_id__in=ids).order_by("service_id", "policy__name", "policy_id")
    )
    for check in rows:
        found[check.service_id].append(check)
    return found


def compliance_evidence(checks: Iterable[ComplianceCheck]) -> tuple[CheckEvidence, ...]:
    """The domain's evidence of the given checks (policy named by its name), for the
    scorecard. No query when the checks' policies are joined (``latest_checks``)."""
    return tuple(
        CheckEvidence(policy=check.policy.name, result=check.result, reason=check.reason)  # type: ignore[arg-type]
        for check in checks
    )


# -- policies -----------------------------------------------------------------------------


def _count(queryset: QuerySet[Any]) -> Coalesce:
    counted = (
        queryset.filter(policy=OuterRef("pk"))
        .order_by()
        .values("policy")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def policy_list(*, today: dt.date | None = None) -> QuerySet[Policy]:
    """Every policy with its owner joined and, per policy: ``service_count`` (services
    governed), ``passed_count``, ``failed_count``, ``waived_count`` (governed services
    whose latest check has that result), ``unchecked_count`` (governed services never
    checked against it) and ``review_overdue`` (active and due before ``today``). One
    query."""
    day = today if today is not None else timezone.localdate()
    governed: QuerySet[Any] = Policy.services.through.objects.filter(policy=OuterRef("pk"))
    service_count = Coalesce(
        Subquery(
            governed.order_by().values("policy").annotate(n=Count("pk")).values("n")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )
    latest = ComplianceCheck.objects.filter(policy__services=F("service")).filter(pk=_latest_pk())
    return (
        Policy.objects.select_related("owner")
        .annotate(
            service_count=service_count,
            passed_count=_count(latest.filter(result=ComplianceResult.PASSED)),
            failed_count=_count(latest.filter(result=ComplianceResult.FAILED)),
            waived_count=_count(latest.filter(result=ComplianceResult.WAIVED)),
            checked_count=_count(latest),
        )
        .annotate(
            unchecked_count=ExpressionWrapper(
                F("service_count") - F("checked_count"), output_field=IntegerField()
            ),
            review_overdue=ExpressionWrapper(
                Q(active=True, review_due__lt=day), output_field=BooleanField()
            ),
        )
        .order_by("name", "pk")
    )


def policy_get(*, slug: str) -> Policy:
    """One policy with its owner joined and its services prefetched; raises
    ``Policy.DoesNotExist``."""
    return Policy.objects.select_related("owner").prefetch_related("services").get(slug=slug)


def policies_review_overdue(today: dt.date | None = None) -> QuerySet[Policy]:
    """The active policies whose review was due before ``today`` (default: the local
    date), the longest overdue first."""
    day = today if today is not None else timezone.localdate()
    return (
        Policy.objects.select_related("owner")
        .filter(active=True, review_due__lt=day)
        .order_by("review_due", "name", "pk")
    )


@dataclass(frozen=True)
class PolicyServiceRow:
    """A service a policy governs, with its latest check against it (None: never
    checked) and how many checks were recorded."""

    service: Service
    latest: ComplianceCheck | None
    check_count: int


def policy_compliance(policy: Policy) -> list[PolicyServiceRow]:
    """The services ``policy`` governs, by name, each with its latest check and number
    of checks. Three queries."""
    services = list(policy.services.select_related("owner").order_by("name", "pk"))
    latest = {
        check.service_id: check
        for check in ComplianceCheck.objects.filter(policy=policy, service__in=services)
        .filter(pk=_latest_pk())
        .select_related("checked_by")
    }
    counts = dict(
        ComplianceCheck.objects.filter(policy=policy)
        .order_by()
        .values("service")
        .annotate(n=Count("pk"))
        .values_list("service", "n")
    )
    return [
        PolicyServiceRow(
            service=service, latest=latest.get(service.pk), check_count=counts.get(service.pk, 0)
        )
        for service in services
    ]


def compliance_checks() -> QuerySet[ComplianceCheck]:
    """Every check recorded, newest first, with policy, service and checker joined and
    ``counts`` (it is the check that counts now for its policy and service: see
    ``check_counts_condition``). One query."""
    return (
        ComplianceCheck.objects.select_related("policy", "service", "checked_by")
        .annotate(counts=ExpressionWrapper(check_counts_condition(), output_field=BooleanField()))
        .order_by("-checked_on", "-pk")
    )


# -- the service page -------------------------------------------------------------------


@dataclass(frozen=True)
class ComplianceRow:
    """An active policy governing the service, with the service's latest check against
    it (None: never checked), and whether the policy's own review is overdue."""

    policy: Policy
    latest: ComplianceCheck | None
    review_overdue: bool = False

    @property
    def status(self) -> str:
        """passed, failed, waived, or unchecked."""
        return self.latest.result if self.latest is not None else "unchecked"

    @property
    def status_label(self) -> str:
        if self.latest is None:
            return "Not checked"
        return str(self.latest.get_result_display())


@dataclass(frozen=True)
class ComplianceSection:
    """The compliance section of a service's page: one row per active policy governing
    it (iterate the section for the rows), and what the reader may do."""

    service: Service
    rows: tuple[ComplianceRow, ...]
    can_record: bool
    can_waive: bool

    def __iter__(self) -> Iterator[ComplianceRow]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __bool__(self) -> bool:
        return bool(self.rows)

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def failed(self) -> int:
        return self.count(ComplianceResult.FAILED)

    @property
    def waived(self) -> int:
        return self.count(ComplianceResult.WAIVED)

    @property
    def passed(self) -> int:
        return self.count(ComplianceResult.PASSED)

    @property
    def unchecked(self) -> int:
        return self.count("unchecked")


def compliance_rows(service: Service, *, user: Any = None) -> ComplianceSection:
    """The compliance section of ``service``'s page (``compliance_rows`` in the page's
    context): every active policy governing it, by name, with the latest check, and
    whether ``user`` may record checks and waive. Two queries."""
    policies = list(
        service.policies.filter(active=True).select_related("owner").order_by("name", "pk")
    )
    latest = {check.policy_id: check for check in latest_checks(service)}
    today = timezone.localdate()
    rows = tuple(
        ComplianceRow(
            policy=policy, latest=latest.get(policy.pk), review_overdue=policy.review_due < today
        )
        for policy in policies
    )
    can_record = user is not None and permissions.compliance_can_record(user, service)
    can_waive = user is not None and permissions.compliance_can_waive(user)
    return ComplianceSection(
        service=service, rows=rows, can_record=bool(can_record), can_waive=bool(can_waive)
    )
