"""Writes of the Plan-and-Optimize management reviews (MOF: service alignment and
portfolio reviews) and their decisions.

- ``review_open`` opens a review of some services (by default every service in the
  catalog) and keeps their scorecards as they are then (``opening_snapshot``), so the
  record shows what was decided on even after the evidence changes. The scorecards are
  taken as of the review's day, or today when it is held later.
- ``review_update`` changes its title, kind, day, chair, notes or services while it is
  open; a service added gets its scorecard kept then, one removed (without decisions)
  loses it. ``review_close`` ends it: a closed review is a record and does not change.
- ``decision_add`` records a decision of an open review, about one of its services
  (and one of the scorecard's six outcomes) or about the portfolio as a whole.
- ``decision_propose`` turns a decision into an improvement proposal in one step: one
  transaction creates the proposal (``improvements.services.proposals.proposal_create``,
  source *service review decision*, its ``source_reference`` naming the review and the
  decision) and links the decision to it. A decision becomes a proposal once.

Who may: opening and changing a review needs ``add_review`` / ``change_review``;
decisions ``add_decision`` while the review is open; a proposal also
``improvements.add_proposal`` (``uplift.apps.service_portfolio.permissions``). A
refusal raises ``PermissionDenied``; a broken rule ``ServicePortfolioError`` naming the
field; a stale ``expected_version`` ``ConflictError``. Nothing is written then.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone

from uplift.apps.improvements.choices import SourceKind
from uplift.apps.improvements.errors import ImprovementError
from uplift.apps.improvements.history import record_actor
from uplift.apps.improvements.services.proposals import proposal_create
from uplift.apps.service_portfolio import permissions
from uplift.apps.service_portfolio.choices import (
    OutcomeChoice,
    ReviewKind,
    ReviewState,
    ServiceState,
)
from uplift.apps.service_portfolio.errors import ServicePortfolioError, lock_for_update
from uplift.apps.service_portfolio.models import Decision, Review, Service
from uplift.apps.service_portfolio.selectors_reviews import (
    SnapshotService,
    decision_number,
    snapshot_services,
)
from uplift.apps.service_portfolio.selectors_scorecard import portfolio_scorecards
from uplift.apps.service_portfolio.services.links import links_record_creation, links_set

__all__ = [
    "REVIEW_FIELDS",
    "decision_add",
    "decision_propose",
    "proposal_defaults",
    "review_close",
    "review_open",
    "review_update",
]

User = Any
Proposal = Any  # improvements.Proposal: reached through its service, never its model

REVIEW_FIELDS = ("title", "kind", "held_on", "chair", "notes", "services")
_LABELS = {
    "title": "title",
    "kind": "kind",
    "held_on": "day held",
    "chair": "chair",
    "notes": "notes",
    "services": "services",
}
_TITLE_LENGTH = Review._meta.get_field("title").max_length or 200
_PROPOSAL_TITLE_LENGTH = 200
_SOURCE_REFERENCE_LENGTH = 300


# -- input checks ------------------------------------------------------------------------------


def _text(value: Any, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ServicePortfolioError(f"The {_LABELS.get(name, name)} must be text.", field=name)
    return value.strip()


def _clean_title(value: Any) -> str:
    title = _text(value, "title")
    if not title:
        raise ServicePortfolioError("Give the review a title.", field="title")
    if len(title) > _TITLE_LENGTH:
        raise ServicePortfolioError(
            f"The title is {len(title)} characters long; at most {_TITLE_LENGTH}.", field="title"
        )
    return title


def _clean_kind(value: Any) -> str:
    if value not in ReviewKind.values:
        raise ServicePortfolioError(
            f"{value!r} is not a kind of review; use {' or '.join(ReviewKind.values)}.",
            field="kind",
        )
    return str(value)


def _clean_date(value: Any, name: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ServicePortfolioError(
                f"{value!r} is not a date (YYYY-MM-DD).", field=name
            ) from None
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ServicePortfolioError("Give a date (YYYY-MM-DD), not a time.", field=name)
    return value


def _required_date(value: Any, name: str) -> dt.date:
    day = _clean_date(value, name)
    if day is None:
        raise ServicePortfolioError("Give the date (YYYY-MM-DD).", field=name)
    return day


def _clean_person(value: Any, name: str) -> Any:
    """An active user (a row, an id or a sign-in name), or None."""
    if value in (None, ""):
        return None
    users = get_user_model()._default_manager.filter(is_active=True)
    if isinstance(value, Model):
        person = users.filter(pk=value.pk).first()
    elif isinstance(value, int) and not isinstance(value, bool):
        person = users.filter(pk=value).first()
    elif isinstance(value, str):
        person = users.filter(username=value.strip()).first()
    else:
        raise ServicePortfolioError(f"{value!r} is not a person.", field=name)
    if person is None:
        raise ServicePortfolioError("That person is not an active user of Uplift.", field=name)
    return person


def _clean_services(values: Iterable[Any]) -> list[Service]:
    """Services (rows, ids or slugs) that exist and are not retired, in name order."""
    wanted: set[int] = set()
    slugs: set[str] = set()
    for value in values:
        if isinstance(value, Service):
            wanted.add(value.pk)
        elif isinstance(value, int) and not isinstance(value, bool):
            wanted.add(value)
        elif isinstance(value, str) and value.strip():
            slugs.add(value.strip())
        else:
            raise ServicePortfolioError(f"{value!r} is not a service.", field="services")
    found = list(Service.objects.filter(Q(pk__in=wanted) | Q(slug__in=slugs)))
    missing = sorted(
        [str(pk) for pk in wanted - {s.pk for s in found}] + sorted(slugs - {s.slug for s in found})
    )
    if missing:
        raise ServicePortfolioError(
            f"No service is known as {', '.join(missing)}.", field="services"
        )
    retired = sorted(s.name for s in found if s.state == ServiceState.RETIRED)
    if retired:
        raise ServicePortfolioError(
            f"Retired services are not reviewed: {', '.join(retired)}.", field="services"
        )
    return sorted(found, key=lambda s: (s.name.casefold(), s.pk))


def _as_of(held_on: dt.date) -> dt.date:
    """The scorecards' day: the review's, or today when it is held later."""
    return min(held_on, timezone.localdate())


def _json(value: Any) -> Any:
    """``value`` as plain JSON (dates as ISO text), as the JSON field stores it."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _snapshot_entries(services: list[Service], *, as_of: dt.date) -> list[dict[str, Any]]:
    """Each service's scorecard now (``portfolio_scorecards``: a fixed number of queries)."""
    if not services:
        return []
    cards = portfolio_scorecards(services, today=as_of)
    taken_at = timezone.now().isoformat()
    entries = []
    for service in services:
        card = cards.get(service.pk)
        entries.append(
            {
                "id": service.pk,
                "slug": service.slug,
                "name": service.name,
                "taken_at": taken_at,
                "scorecard": _json(card.as_json()) if card is not None else None,
            }
        )
    return entries


def _refresh(target: Review, source: Review) -> None:
    """Give the caller's instance the saved values, so it does not go stale."""
    for name in (
        "title",
        "kind",
        "held_on",
        "chair_id",
        "notes",
        "state",
        "closed_at",
        "opening_snapshot",
        "version",
    ):
        setattr(target, name, getattr(source, name))


def _open_or_refuse(review: Review) -> None:
    if review.state != ReviewState.OPEN:
        raise ServicePortfolioError(
            f"“{review.title}” is closed; a closed review is kept as it was.", field="state"
        )


# -- reviews ------------------------------------------------------------------------------------


@transaction.atomic
def review_open(
    *,
    actor: User,
    title: str,
    kind: str,
    held_on: dt.date,
    services: Iterable[Any] = (),
    chair: User | None = None,
    notes: str = "",
) -> Review:
    """Open a review of ``services`` (default: every service in the catalog) chaired by
    ``chair`` (default: the actor), keeping each service's scorecard as of ``held_on``
    (today when it is later) in ``opening_snapshot``.

    Raises ``PermissionDenied`` without ``add_review``; ``ServicePortfolioError`` for an
    empty or long title, an unknown kind, a missing date, a chair who is not an active
    user, an unknown or retired service, or nothing to review.
    """
    if not permissions.review_can_open(actor):
        raise PermissionDenied("You may not open reviews.")
    clean_title = _clean_title(title)
    clean_kind = _clean_kind(kind)
    day = _required_date(held_on, "held_on")
    person = _clean_person(chair, "chair") or actor
    clean_notes = _text(notes, "notes")
    chosen = list(services)
    reviewed = (
        _clean_services(chosen)
        if chosen
        else list(Service.objects.filter(state=ServiceState.CATALOG).order_by("name", "pk"))
    )
    if not reviewed:
        raise ServicePortfolioError(
            "No service is in the catalog yet: choose the services to review, or add them "
            "to the catalog first.",
            field="services",
        )
    as_of = _as_of(day)
    snapshot = {
        "taken_at": timezone.now().isoformat(),
        "as_of": as_of.isoformat(),
        "services": _snapshot_entries(reviewed, as_of=as_of),
    }
    review = Review(
        title=clean_title,
        kind=clean_kind,
        held_on=day,
        chair=person,
        notes=clean_notes,
        state=ReviewState.OPEN,
        opening_snapshot=snapshot,
        created_by=actor,
        version=1,
    )
    record_actor(review, actor, f"Opened with {len(reviewed)} service(s)")
    review.save(force_insert=True)
    links_set(review, {"services": reviewed})
    links_record_creation(review)  # the first record names the services reviewed
    return review


@transaction.atomic
def review_update(
    *,
    actor: User,
    review: Review,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> Review:
    """Change any of ``REVIEW_FIELDS`` of an open review. A service added has its
    scorecard kept now; a service removed loses its kept scorecard, and one with
    decisions cannot be removed. An unchanged save writes nothing.

    Raises ``PermissionDenied`` without ``change_review``; ``ConflictError`` when
    ``expected_version`` is stale; ``ServicePortfolioError`` for a closed review, an
    unknown field or a value ``review_open`` refuses.
    """
    if not permissions.review_can_edit(actor, review):
        raise PermissionDenied("You may not change reviews.")
    unknown = sorted(set(data) - set(REVIEW_FIELDS))
    if unknown:
        raise ServicePortfolioError(f"Unknown field: {', '.join(unknown)}.", field=unknown[0])
    values: dict[str, Any] = {}
    if "title" in data:
        values["title"] = _clean_title(data["title"])
    if "kind" in data:
        values["kind"] = _clean_kind(data["kind"])
    if "held_on" in data:
        values["held_on"] = _required_date(data["held_on"], "held_on")
    if "chair" in data:
        chair = _clean_person(data["chair"], "chair")
        if chair is None:
            raise ServicePortfolioError("A review has a chair.", field="chair")
        values["chair"] = chair
    if "notes" in data:
        values["notes"] = _text(data["notes"], "notes")
    new_services = _clean_services(data["services"]) if "services" in data else None

    locked = lock_for_update(Review.objects.all(), pk=review.pk, expected_version=expected_version)
    _open_or_refuse(locked)
    changed = [
        name
        for name, value in values.items()
        if (locked.chair_id != value.pk if name == "chair" else getattr(locked, name) != value)
    ]
    added: list[Service] = []
    removed: set[int] = set()
    if new_services is not None:
        if not new_services:
            raise ServicePortfolioError("A review reviews at least one service.", field="services")
        current = set(locked.services.values_list("pk", flat=True))
        wanted = {s.pk for s in new_services}
        added = [s for s in new_services if s.pk not in current]
        removed = current - wanted
        decided = sorted(
            Decision.objects.filter(review=locked, service_id__in=removed)
            .values_list("service__name", flat=True)
            .distinct()
        )
        if decided:
            raise ServicePortfolioError(
                f"Decisions were recorded about {', '.join(decided)}: it stays in the review.",
                field="services",
            )
        if added or removed:
            changed.append("services")
    if not changed:
        _refresh(review, locked)
        return review  # an unchanged save changes nothing

    fields = [name for name in changed if name != "services"]
    for name in fields:
        setattr(locked, name, values[name])
    if "services" in changed:
        snapshot = dict(locked.opening_snapshot or {})
        kept = [
            entry
            for entry in snapshot.get("services", [])
            if isinstance(entry, dict) and entry.get("id") not in removed
        ]
        kept += _snapshot_entries(added, as_of=_as_of(locked.held_on))
        snapshot["services"] = kept
        locked.opening_snapshot = snapshot
        fields.append("opening_snapshot")
        # One history record for the whole change (the save's): services before → after.
        links_set(locked, {"services": new_services or []})  # given: services changed
    locked.version += 1
    reason = "Changed: " + ", ".join(_LABELS[name] for name in changed)
    record_actor(locked, actor, reason)
    locked.save(update_fields=[*fields, "version"])
    _refresh(review, locked)
    return review


@transaction.atomic
def review_close(*, actor: User, review: Review) -> Review:
    """Close an open review: it is kept as it is, with its decisions; decisions may still
    become proposals. Raises ``PermissionDenied`` without ``change_review``;
    ``ServicePortfolioError`` when it is closed already."""
    if not permissions.review_can_edit(actor, review):
        raise PermissionDenied("You may not close reviews.")
    locked = lock_for_update(Review.objects.all(), pk=review.pk, expected_version=None)
    _open_or_refuse(locked)
    locked.state = ReviewState.CLOSED
    locked.closed_at = timezone.now()
    locked.version += 1
    record_actor(locked, actor, "Closed")
    locked.save(update_fields=["state", "closed_at", "version"])
    _refresh(review, locked)
    return review


# -- decisions ----------------------------------------------------------------------------------


def _check_may_decide(actor: User, review: Review) -> None:
    """``decision_can_add``; a closed review is a broken rule for those who may decide."""
    if permissions.decision_can_add(actor, review):
        return
    if review.state != ReviewState.OPEN and permissions.decision_can_add(
        actor, Review(state=ReviewState.OPEN)
    ):
        _open_or_refuse(review)
    raise PermissionDenied("You may not record decisions of reviews.")


@transaction.atomic
def decision_add(
    *,
    actor: User,
    review: Review,
    text: str,
    service: Service | None = None,
    outcome: str = "",
    owner: User | None = None,
    due: dt.date | None = None,
) -> Decision:
    """Record a decision of an open review: about one of its ``services`` (and one of
    the six outcomes) or the portfolio as a whole, with an owner and a due date.

    Raises ``PermissionDenied`` without ``add_decision``; ``ServicePortfolioError`` for
    a closed review, no text, a service not in the review, an outcome without a service
    or not one of the six, an owner who is not an active user, or a due date before the
    review was held.
    """
    _check_may_decide(actor, review)
    clean_text = _text(text, "text")
    if not clean_text:
        raise ServicePortfolioError("Say what was decided.", field="text")
    outcome = _text(outcome, "outcome")
    if outcome and outcome not in OutcomeChoice.values:
        raise ServicePortfolioError(
            f"{outcome!r} is not one of the outcomes ({', '.join(OutcomeChoice.values)}).",
            field="outcome",
        )
    if outcome and service is None:
        raise ServicePortfolioError(
            "An outcome is an outcome of a service: choose the service too.", field="service"
        )
    person = _clean_person(owner, "owner")
    day = _clean_date(due, "due")

    locked = Review.objects.select_for_update().get(pk=review.pk)
    _open_or_refuse(locked)
    if service is not None and not locked.services.filter(pk=service.pk).exists():
        raise ServicePortfolioError(
            f"{service.name} is not among the services of “{locked.title}”.", field="service"
        )
    if day is not None and day < locked.held_on:
        raise ServicePortfolioError(
            f"The due date is before the review was held ({locked.held_on:%Y-%m-%d}).",
            field="due",
        )
    decision = Decision(
        review=locked,
        service=service,
        outcome=outcome,
        text=clean_text,
        owner=person,
        due=day,
        created_by=actor,
    )
    record_actor(decision, actor, "Recorded")
    decision.save(force_insert=True)
    return decision


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _source_reference(review: Review, number: int, service: Service | None) -> str:
    tail = f", decision {number}" + (f": {service.name}" if service is not None else "")
    head = f" ({review.held_on:%Y-%m-%d})"
    title = _clip(review.title, _SOURCE_REFERENCE_LENGTH - len(head) - len(tail))
    return f"{title}{head}{tail}"


def _kept(review: Review, service: Service | None) -> SnapshotService | None:
    if service is None:
        return None
    return next((row for row in snapshot_services(review, [service]) if row.id == service.pk), None)


def proposal_defaults(
    decision: Decision, *, review: Review | None = None, number: int | None = None
) -> dict[str, str]:
    """The proposal a decision becomes by default: ``title``, ``problem_statement``,
    ``proposed_change``, ``success_criteria`` and ``source_reference``, from the
    decision, its service's shortfall when the review opened and the evidence then."""
    review = review or decision.review
    number = number or decision_number(decision)
    service = decision.service
    text = decision.text.strip()
    title = _first_line(text)
    if service is not None:
        title = f"{service.name}: {title}"
    lines = [f"Decided at “{review.title}” ({review.held_on:%Y-%m-%d}), decision {number}: {text}"]
    criteria = ""
    kept = _kept(review, service)
    if service is not None and (kept is None or not kept.has_scorecard):
        lines.append(f"No scorecard of {service.name} was kept when the review opened.")
    elif kept is not None:
        window = f" (evidence {kept.window})" if kept.window else ""
        score = kept.score(decision.outcome) if decision.outcome else None
        if score is not None:
            lines.append(
                f"{score.title} of {kept.name} when the review opened{window}: "
                f"{score.status_label.lower()}. {score.reason}"
            )
            if score.rule:
                lines.append(f"Rule: {score.rule}")
            if score.figures:
                lines.append(
                    "Evidence: " + "; ".join(f"{name}: {value}" for name, value in score.figures)
                )
            criteria = f"The scorecard of {kept.name} shows {score.title.lower()} as met again."
            if score.rule:
                criteria += f" {score.rule}"
        elif kept.shortfalls:
            lines.append(f"Shortfalls of {kept.name} when the review opened{window}:")
            lines += [f"- {s.title}: {s.status_label.lower()}. {s.reason}" for s in kept.shortfalls]
        else:
            lines.append(f"{kept.name} had no shortfall on its scorecard when the review opened.")
    return {
        "title": _clip(title, _PROPOSAL_TITLE_LENGTH),
        "problem_statement": "\n\n".join(lines),
        "proposed_change": text,
        "success_criteria": criteria,
        "source_reference": _source_reference(review, number, service),
    }


def _check_may_propose(actor: User, decision: Decision) -> None:
    """``decision_can_propose`` for this review's decisions; that it has become a
    proposal already is a broken rule (named), not a refusal."""
    fresh = decision if decision.proposal_id is None else Decision(review_id=decision.review_id)
    if not permissions.decision_can_propose(actor, fresh):
        raise PermissionDenied(
            "You may not turn decisions into improvement proposals: that needs the "
            "permission to record decisions and to add proposals."
        )


def _already(decision: Decision) -> ServicePortfolioError:
    proposal: Any = decision.proposal
    return ServicePortfolioError(
        f"This decision became {proposal.reference} “{proposal.title}” already; a decision "
        "becomes one proposal.",
        field="proposal",
    )


@transaction.atomic
def decision_propose(
    *,
    actor: User,
    decision: Decision,
    title: str | None = None,
    problem_statement: str | None = None,
) -> Proposal:
    """Turn a decision into an improvement proposal, in one transaction: create the
    proposal (submitted; source *service review decision*, ``source_reference`` "<review
    title> (<held on>), decision <n>: <service>") and link the decision to it.

    ``title`` and ``problem_statement`` default to :func:`proposal_defaults` (the
    decision, its service's shortfall and the evidence when the review opened); the
    proposed change is the decision's text, the success criteria the outcome's rule.

    Raises ``PermissionDenied`` without ``add_decision`` and ``improvements.add_proposal``;
    ``ServicePortfolioError`` when the decision became a proposal already (naming it) or
    the proposal's rules refuse the title or problem statement.
    """
    _check_may_propose(actor, decision)
    locked = Decision.objects.select_for_update().get(pk=decision.pk)
    if locked.proposal_id is not None:
        raise _already(locked)
    defaults = proposal_defaults(locked)
    chosen_title = defaults["title"] if title is None else title
    statement = defaults["problem_statement"] if problem_statement is None else problem_statement
    try:
        proposal = proposal_create(
            actor=actor,
            title=chosen_title,
            source_kind=SourceKind.SERVICE_REVIEW,
            problem_statement=statement,
            source_reference=defaults["source_reference"],
            proposed_change=defaults["proposed_change"],
            success_criteria=defaults["success_criteria"],
        )
    except ImprovementError as error:
        if isinstance(error, ServicePortfolioError):
            raise
        raise ServicePortfolioError(error.message, field=error.field) from error
    locked.proposal = proposal
    record_actor(locked, actor, f"Became {proposal.reference}")
    locked.save(update_fields=["proposal"])
    decision.proposal = proposal
    return proposal
