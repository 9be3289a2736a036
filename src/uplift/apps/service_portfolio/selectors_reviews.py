"""Reads of the Plan-and-Optimize reviews: the list, one review as its page shows it
(the scorecards and shortfalls kept when it opened, its decisions with their proposals'
state) and its history.

A review's ``opening_snapshot`` is ``{"taken_at", "as_of", "services": [{"id", "slug",
"name", "taken_at", "scorecard": ServiceScorecard.as_json()}]}`` (written by
``services.reviews``); it is read here tolerantly, so that a snapshot taken by an older
release still shows what it holds.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.dateparse import parse_date, parse_datetime

from uplift.apps.service_portfolio.models import Decision, Review, Service
from uplift.apps.service_portfolio.selectors_history import record_changes

__all__ = [
    "SHORTFALL_STATUSES",
    "STATUS_LABELS",
    "DecisionRow",
    "ReviewDetail",
    "ReviewHistoryEntry",
    "SnapshotScore",
    "SnapshotService",
    "decision_number",
    "figure_lines",
    "review_detail",
    "review_get",
    "review_history",
    "review_list",
    "snapshot_scores",
    "snapshot_services",
    "snapshot_shortfall_count",
]

STATUS_LABELS: dict[str, str] = {
    "met": "Met",
    "at_risk": "At risk",
    "not_met": "Not met",
    "no_evidence": "No evidence",
}
SHORTFALL_STATUSES = frozenset({"at_risk", "not_met"})


# -- the opening snapshot ---------------------------------------------------------------------


def _figure_text(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return f"{value:,.4f}".rstrip("0").rstrip(".")
    if isinstance(value, list | tuple):
        return "; ".join(_figure_text(item) for item in value) if value else "none"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_figure_text(v)}" for k, v in value.items()) or "none"
    return str(value)


def figure_lines(figures: Any) -> tuple[tuple[str, str], ...]:
    """``(name, value)`` of a score's figures for reading: ``availability_percent`` →
    ``("Availability percent", "99.21")``."""
    if not isinstance(figures, Mapping):
        return ()
    return tuple(
        (str(name).replace("_", " ").capitalize(), _figure_text(value))
        for name, value in figures.items()
    )


@dataclass(frozen=True)
class SnapshotScore:
    """One outcome of a service as the scorecard judged it when the review opened."""

    outcome: str
    title: str
    status: str
    rule: str
    reason: str
    figures: tuple[tuple[str, str], ...]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status.replace("_", " "))

    @property
    def shortfall(self) -> bool:
        return self.status in SHORTFALL_STATUSES


def _score_list(scorecard: Any) -> list[Any]:
    """The ``scores`` of a scorecard's JSON, at its top or under ``scorecard``."""
    if not isinstance(scorecard, Mapping):
        return []
    scores = scorecard.get("scores")
    if isinstance(scores, list):
        return scores
    return _score_list(scorecard.get("scorecard"))


def snapshot_scores(scorecard: Any) -> tuple[SnapshotScore, ...]:
    """The scores of one service's kept scorecard (``ServiceScorecard.as_json()``)."""
    rows = []
    for raw in _score_list(scorecard):
        if not isinstance(raw, Mapping):
            continue
        rows.append(
            SnapshotScore(
                outcome=str(raw.get("outcome", "")),
                title=str(raw.get("title", raw.get("outcome", ""))),
                status=str(raw.get("status", "")),
                rule=str(raw.get("rule", "")),
                reason=str(raw.get("reason", "")),
                figures=figure_lines(raw.get("figures")),
            )
        )
    return tuple(rows)


def _window(scorecard: Any) -> str:
    """``2025-10-01 to 2026-09-30`` from the scorecard's window, or ""."""
    if not isinstance(scorecard, Mapping):
        return ""
    start, end = scorecard.get("window_start"), scorecard.get("window_end")
    if start and end:
        return f"{start} to {end}"
    return ""


@dataclass(frozen=True)
class SnapshotService:
    """A service of the review with its scorecard as kept when it was added to the review.

    ``service`` is the service as it is now (None when it no longer exists);
    ``has_scorecard`` is False when nothing was kept (a snapshot without the service).
    """

    id: int
    slug: str
    name: str
    service: Service | None
    scores: tuple[SnapshotScore, ...]
    window: str
    taken_at: dt.datetime | None
    has_scorecard: bool

    @property
    def shortfalls(self) -> tuple[SnapshotScore, ...]:
        return tuple(score for score in self.scores if score.shortfall)

    def score(self, outcome: str) -> SnapshotScore | None:
        for score in self.scores:
            if score.outcome == outcome:
                return score
        return None


def _entries(snapshot: Any) -> list[Mapping[str, Any]]:
    if not isinstance(snapshot, Mapping):
        return []
    entries = snapshot.get("services")
    if not isinstance(entries, list):
        return []
    return [entry for entry in entries if isinstance(entry, Mapping)]


def _when(value: Any) -> dt.datetime | None:
    return parse_datetime(value) if isinstance(value, str) else None


def snapshot_services(
    review: Review, services: Sequence[Service] | None = None
) -> tuple[SnapshotService, ...]:
    """The review's services, in the snapshot's order, each with its kept scorecard; a
    service of the review the snapshot lacks comes last, without a scorecard.
    ``services``: the review's services already read (else one query)."""
    current = list(review.services.all()) if services is None else list(services)
    by_id = {service.pk: service for service in current}
    rows: list[SnapshotService] = []
    seen: set[int] = set()
    for entry in _entries(review.opening_snapshot):
        raw_id = entry.get("id")
        if not isinstance(raw_id, int) or raw_id in seen:
            continue
        seen.add(raw_id)
        scorecard = entry.get("scorecard")
        rows.append(
            SnapshotService(
                id=raw_id,
                slug=str(entry.get("slug", "")),
                name=str(entry.get("name", "")),
                service=by_id.get(raw_id),
                scores=snapshot_scores(scorecard),
                window=_window(scorecard),
                taken_at=_when(entry.get("taken_at"))
                or _when(review.opening_snapshot.get("taken_at")),
                has_scorecard=bool(_score_list(scorecard)),
            )
        )
    for service in current:
        if service.pk not in seen:
            rows.append(
                SnapshotService(
                    service.pk, service.slug, service.name, service, (), "", None, False
                )
            )
    return tuple(rows)


def snapshot_shortfall_count(snapshot: Any) -> int:
    """How many outcomes were at risk or not met, over every service of a snapshot."""
    return sum(
        1
        for entry in _entries(snapshot)
        for score in _score_list(entry.get("scorecard"))
        if isinstance(score, Mapping) and score.get("status") in SHORTFALL_STATUSES
    )


# -- the list and one review -----------------------------------------------------------------


def review_list() -> QuerySet[Review]:
    """Every review (everyone who reads the portfolio reads its reviews), newest first,
    with the chair. Annotations: ``service_count``, ``decision_count``,
    ``proposal_count`` (decisions that became a proposal)."""
    return (
        Review.objects.select_related("chair")
        .annotate(
            service_count=Count("services", distinct=True),
            decision_count=Count("decisions", distinct=True),
            proposal_count=Count(
                "decisions", filter=Q(decisions__proposal__isnull=False), distinct=True
            ),
        )
        .order_by("-held_on", "-pk")
    )


def review_get(*, pk: int) -> Review:
    """One review with its chair; raises ``Review.DoesNotExist``."""
    return Review.objects.select_related("chair", "created_by").get(pk=pk)


def decision_number(decision: Decision) -> int:
    """The decision's number in its review (1, 2, … in the order recorded); one query."""
    return Decision.objects.filter(review_id=decision.review_id, pk__lte=decision.pk).count()


@dataclass(frozen=True)
class DecisionRow:
    """A decision as the review page shows it: its number, and the proposal it became
    (None: not yet) with that proposal's state in words. ``score`` is the decision's
    outcome for its service as kept when the review opened."""

    decision: Decision
    number: int
    proposal: Any
    proposal_state: str
    score: SnapshotScore | None


@dataclass(frozen=True)
class ReviewDetail:
    """A review's page: its services with their kept scorecards, and its decisions."""

    review: Review
    services: tuple[SnapshotService, ...]
    decisions: tuple[DecisionRow, ...]
    taken_at: dt.datetime | None
    as_of: dt.date | None

    @property
    def shortfalls(self) -> list[tuple[SnapshotService, SnapshotScore]]:
        """Every outcome at risk or not met, service by service: what the review opens with."""
        return [(row, score) for row in self.services for score in row.shortfalls]

    @property
    def proposal_count(self) -> int:
        return sum(row.proposal is not None for row in self.decisions)

    @property
    def undecided(self) -> list[SnapshotService]:
        """Services with a shortfall and no decision about them yet."""
        decided = {row.decision.service_id for row in self.decisions}
        return [row for row in self.services if row.shortfalls and row.id not in decided]


def review_detail(review: Review) -> ReviewDetail:
    """The review's services with the scorecards and shortfalls kept when it opened, and
    its decisions (numbered) with their service, owner and proposal. Two queries."""
    by_id = {row.id: row for row in snapshot_services(review)}
    decisions = (
        Decision.objects.filter(review=review)
        .select_related("service", "owner", "proposal", "created_by")
        .order_by("pk")
    )
    rows = []
    for number, decision in enumerate(decisions, start=1):
        proposal = decision.proposal
        kept = by_id.get(decision.service_id) if decision.service_id else None
        score = kept.score(decision.outcome) if kept and decision.outcome else None
        rows.append(
            DecisionRow(
                decision=decision,
                number=number,
                proposal=proposal,
                proposal_state=proposal.get_state_display() if proposal is not None else "",
                score=score,
            )
        )
    snapshot = review.opening_snapshot if isinstance(review.opening_snapshot, Mapping) else {}
    as_of = snapshot.get("as_of")
    return ReviewDetail(
        review=review,
        services=tuple(by_id.values()),
        decisions=tuple(rows),
        taken_at=_when(snapshot.get("taken_at")),
        as_of=parse_date(as_of) if isinstance(as_of, str) else None,
    )


# -- history ------------------------------------------------------------------------------------


_ACTIONS = {"+": "Created", "~": "Changed", "-": "Deleted"}
# The edit counter says nothing to a reader; the snapshot's change is in the reason.
_UNSHOWN = frozenset({"version", "opening snapshot"})


@dataclass(frozen=True)
class ReviewHistoryEntry:
    """One change of the review or of one of its decisions, newest first."""

    when: dt.datetime
    who: Any
    subject: str  # "Review", "Decision 2"
    action: str
    reason: str
    changes: tuple[Any, ...] = ()


def review_history(review: Review, *, limit: int = 200) -> list[ReviewHistoryEntry]:
    """The review's changes field by field (its services by name) and its decisions'
    records (recorded, became a proposal), newest first, at most ``limit``. Five queries."""
    records = list(
        review.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : limit + 1
        ]
    )
    changes = record_changes(records)  # the services reviewed by name, before → after
    entries = [
        ReviewHistoryEntry(
            record.history_date,
            record.history_user,
            "Review",
            _ACTIONS.get(record.history_type, record.history_type),
            record.history_change_reason or "",
            tuple(
                change
                for change in changes.get(record.history_id, ())
                if change.field not in _UNSHOWN
            ),
        )
        for record in records[:limit]
    ]
    numbers = {
        pk: n
        for n, pk in enumerate(
            Decision.objects.filter(review=review).order_by("pk").values_list("pk", flat=True),
            start=1,
        )
    }
    decision_records = (
        Decision.history.filter(review_id=review.pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[:limit]
    )
    for record in decision_records:
        number = numbers.get(record.id)
        subject = f"Decision {number}" if number else "Decision (deleted)"
        entries.append(
            ReviewHistoryEntry(
                record.history_date,
                record.history_user,
                subject,
                _ACTIONS.get(record.history_type, record.history_type),
                record.history_change_reason or "",
            )
        )
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries[:limit]
