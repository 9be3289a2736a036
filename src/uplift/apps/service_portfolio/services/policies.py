"""Writes of IT policies and compliance checks (MOF Policy SMF; the *compliant* outcome).

- ``policy_create`` / ``policy_update``: a policy's statement, owner, next review date,
  the services it governs, and whether it is active (an inactive policy's checks no
  longer count). The slug is the policy's permanent address and does not change.
- ``compliance_record``: one check of one service against one policy it governs:
  passed; failed, with the finding; or waived, with the reason. A waiver also needs
  ``waive_compliancecheck`` (the process group, sponsors, the steering committee): a
  service owner records checks of their services but does not waive them. Checks are
  never edited: a later check supersedes an earlier one, which stays as the record.

Who: ``permissions.policy_can_create`` / ``policy_can_edit`` /
``compliance_can_record`` (+ ``compliance_can_waive``), checked first. Refusals:
``PermissionDenied``; ``ServicePortfolioError`` naming the field; ``ConflictError`` for
an edit started from an older ``version``. Nothing is written then. Every write records
its actor in the row's history, one record per write; the services governed are part of
each record (``services.links``), so the history shows them before → after.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from uplift.apps.improvements.history import record_actor
from uplift.apps.service_portfolio import permissions
from uplift.apps.service_portfolio.choices import ComplianceResult, ServiceState
from uplift.apps.service_portfolio.errors import ServicePortfolioError, lock_for_update
from uplift.apps.service_portfolio.models import ComplianceCheck, Policy, Service
from uplift.apps.service_portfolio.services.links import links_insert, links_set
from uplift.apps.service_portfolio.services.portfolio_checks import _clean_day, _text

__all__ = [
    "POLICY_FIELDS",
    "RESERVED_POLICY_SLUGS",
    "compliance_record",
    "policy_create",
    "policy_update",
]

User = Any  # auth.User

POLICY_FIELDS: tuple[str, ...] = (
    "name",
    "statement",
    "owner",
    "review_due",
    "services",
    "active",
)
# Words of the policies' URLs (/services/policies/new/, /services/policies/checks/).
RESERVED_POLICY_SLUGS = frozenset({"new", "checks"})
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_SLUG_MAX = 100
_NAME_MAX = 200


# -- input checks ---------------------------------------------------------------------


def _clean_slug(value: Any) -> str:
    slug = _text(value, "slug").lower()
    if not slug:
        raise ServicePortfolioError(
            "Give the policy a short address, e.g. “backup-retention”.", field="slug"
        )
    if len(slug) > _SLUG_MAX or not _SLUG.match(slug):
        raise ServicePortfolioError(
            f"Use lowercase letters, digits and single hyphens (at most {_SLUG_MAX}).",
            field="slug",
        )
    if slug in RESERVED_POLICY_SLUGS:
        raise ServicePortfolioError(
            f"“{slug}” is a word of the policies' addresses; choose another.", field="slug"
        )
    if Policy.objects.filter(slug=slug).exists():
        raise ServicePortfolioError(f"A policy already has the address “{slug}”.", field="slug")
    return slug


def _clean_name(value: Any, policy: Policy | None = None) -> str:
    name = _text(value, "name")
    if not name:
        raise ServicePortfolioError("Name the policy.", field="name")
    if len(name) > _NAME_MAX:
        raise ServicePortfolioError(f"At most {_NAME_MAX} characters.", field="name")
    taken = Policy.objects.filter(name__iexact=name)
    if policy is not None:
        taken = taken.exclude(pk=policy.pk)
    if taken.exists():
        raise ServicePortfolioError(f"A policy named “{name}” exists already.", field="name")
    return name


def _clean_statement(value: Any) -> str:
    statement = _text(value, "statement")
    if not statement:
        raise ServicePortfolioError(
            "State what the policy requires of the services it governs.", field="statement"
        )
    return statement


def _clean_owner(value: Any) -> Any:
    if value is None or getattr(value, "pk", None) is None:
        raise ServicePortfolioError("Name the policy's owner.", field="owner")
    if not value.is_active:
        name = value.get_full_name() or value.get_username()
        raise ServicePortfolioError(f"{name} cannot sign in any more.", field="owner")
    return value


def _clean_services(value: Iterable[Any], *, already: Iterable[int] = ()) -> list[Service]:
    """Services of the portfolio; a retired one only if the policy governed it already."""
    if isinstance(value, str | bytes):
        raise ServicePortfolioError("Choose services.", field="services")
    kept = set(already)
    chosen: dict[int, Service] = {}
    for service in value:
        if not isinstance(service, Service) or service.pk is None:
            raise ServicePortfolioError("Choose services.", field="services")
        if service.state == ServiceState.RETIRED and service.pk not in kept:
            raise ServicePortfolioError(
                f"{service.name} is retired: a policy does not start governing it.",
                field="services",
            )
        chosen[service.pk] = service
    return sorted(chosen.values(), key=lambda s: (s.name, s.pk))


def _services_note(before: Iterable[Service], after: Iterable[Service]) -> str:
    old = {s.pk: s.name for s in before}
    new = {s.pk: s.name for s in after}
    added = sorted(name for pk, name in new.items() if pk not in old)
    removed = sorted(name for pk, name in old.items() if pk not in new)
    parts = []
    if added:
        parts.append(f"governs {', '.join(added)}")
    if removed:
        parts.append(f"no longer {', '.join(removed)}")
    return "; ".join(parts)


def _refresh(target: Policy, source: Policy) -> None:
    if target is source:
        return
    for field in Policy._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


# -- policies ---------------------------------------------------------------------------


@transaction.atomic
def policy_create(
    *,
    actor: User,
    slug: str,
    name: str,
    statement: str,
    owner: User,
    review_due: dt.date,
    services: Iterable[Service] = (),
) -> Policy:
    """Write an active policy governing ``services``.

    ``review_due`` may be past (a policy recorded late is overdue for review at once).

    Raises ``PermissionDenied`` without ``add_policy``; ``ServicePortfolioError`` for a
    malformed, reserved or taken slug, a missing or taken name (ignoring case), no
    statement, no owner or one who cannot sign in, no review date, or a retired service.
    """
    if not permissions.policy_can_create(actor):
        raise PermissionDenied("You may not write policies.")
    clean_slug = _clean_slug(slug)
    policy = Policy(
        slug=clean_slug,
        name=_clean_name(name),
        statement=_clean_statement(statement),
        owner=_clean_owner(owner),
        review_due=_clean_day(review_due, "review_due"),
        active=True,
        version=1,
    )
    governed = _clean_services(services)
    note = _services_note((), governed)
    record_actor(policy, actor, "Policy written" + (f"; {note}" if note else ""))
    taken = ServicePortfolioError(  # the slug was taken since the check above
        f"A policy already has the address “{clean_slug}”.", field="slug"
    )
    links_insert(policy, {"services": governed}, taken=taken)
    return policy


@transaction.atomic
def policy_update(
    *,
    actor: User,
    policy: Policy,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> Policy:
    """Change any of ``POLICY_FIELDS`` in ``data``. A save that changes nothing writes
    nothing (the version stays).

    Raises ``PermissionDenied`` without ``change_policy``; ``ConflictError`` when the
    policy was saved after ``expected_version``; ``ServicePortfolioError`` for an
    unknown field (the slug does not change) or a value ``policy_create`` refuses (a
    retired service the policy governed already may stay).
    """
    if not permissions.policy_can_edit(actor, policy):
        raise PermissionDenied("You may not change policies.")
    unknown = sorted(set(data) - set(POLICY_FIELDS))
    if unknown:
        message = f"Not a field a policy's edit changes: {', '.join(unknown)}."
        if "slug" in unknown:
            message = "The slug is the policy's permanent address: it does not change."
        raise ServicePortfolioError(message, field=unknown[0])
    locked = lock_for_update(Policy.objects.all(), pk=policy.pk, expected_version=expected_version)
    values: dict[str, Any] = {}
    if "name" in data:
        values["name"] = _clean_name(data["name"], locked)
    if "statement" in data:
        values["statement"] = _clean_statement(data["statement"])
    if "owner" in data:
        values["owner_id"] = _clean_owner(data["owner"]).pk
    if "review_due" in data:
        values["review_due"] = _clean_day(data["review_due"], "review_due")
    if "active" in data:
        if not isinstance(data["active"], bool):
            raise ServicePortfolioError("Say yes or no.", field="active")
        values["active"] = data["active"]
    before = list(locked.services.all())
    after = before
    if "services" in data:
        after = _clean_services(data["services"], already=[s.pk for s in before])
    changed = [name for name, value in values.items() if getattr(locked, name) != value]
    note = _services_note(before, after)
    if not changed and not note:
        _refresh(policy, locked)
        return policy
    for name in changed:
        setattr(locked, name, values[name])
    locked.version += 1
    labels = [name.removesuffix("_id") for name in changed]
    parts = [f"Changed: {', '.join(labels)}"] if labels else []
    if note:
        parts.append(note[:1].upper() + note[1:])
    record_actor(locked, actor, "; ".join(parts))
    if note:
        links_set(locked, {"services": after})  # recorded by the save, before → after
    locked.save(update_fields=[*changed, "version"])
    _refresh(policy, locked)
    return policy


# -- compliance checks ------------------------------------------------------------------


@transaction.atomic
def compliance_record(
    *,
    actor: User,
    policy: Policy,
    service: Service,
    result: str,
    reason: str = "",
    checked_on: dt.date | None = None,
) -> ComplianceCheck:
    """Record a check of ``service`` against ``policy``, by ``actor``, on ``checked_on``
    (default today). The newest check (by date, then as recorded) is the one that counts.

    Raises ``PermissionDenied`` unless ``actor`` may record checks of the service, or,
    for a waiver, may also waive; ``ServicePortfolioError`` for a result other than
    passed, failed or waived, a waiver without its reason, a failure without its
    finding, a date after today, an inactive policy, a policy that does not govern the
    service, or a retired service.
    """
    if not permissions.compliance_can_record(actor, service):
        raise PermissionDenied(f"You may not record compliance checks of {service.name}.")
    if result == ComplianceResult.WAIVED and not permissions.compliance_can_waive(actor):
        raise PermissionDenied(
            "You may not waive a policy: a waiver needs the process group, a sponsor or the "
            "steering committee. Record the check as failed, with the finding."
        )
    if result not in ComplianceResult.values:
        raise ServicePortfolioError(
            "Say whether the service passed, failed or is waived.", field="result"
        )
    text = _text(reason, "reason")
    if result == ComplianceResult.WAIVED and not text:
        raise ServicePortfolioError(
            "A waiver states its reason: why the service need not comply, and until when.",
            field="reason",
        )
    if result == ComplianceResult.FAILED and not text:
        raise ServicePortfolioError("State the finding: what does not comply.", field="reason")
    today = timezone.localdate()
    day = today if checked_on is None else _clean_day(checked_on, "checked_on")
    if day > today:
        raise ServicePortfolioError(
            f"{day:%Y-%m-%d} is in the future: record a check once it is made.",
            field="checked_on",
        )
    current = Policy.objects.select_for_update().get(pk=policy.pk)
    if not current.active:
        raise ServicePortfolioError(
            f"{current.name} is no longer active: its checks do not count.", field="policy"
        )
    if service.state == ServiceState.RETIRED:
        raise ServicePortfolioError(
            f"{service.name} is retired: it is no longer checked.", field="service"
        )
    if not current.services.filter(pk=service.pk).exists():
        raise ServicePortfolioError(
            f"{current.name} does not govern {service.name}: add the service to the policy first.",
            field="policy",
        )
    check = ComplianceCheck(
        policy=current,
        service=service,
        checked_on=day,
        result=result,
        reason=text,
        checked_by=actor,
    )
    record_actor(check, actor, f"Check recorded: {result}")
    check.save(force_insert=True)
    return check
