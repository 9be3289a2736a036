"""Reads of the appraisal plan pages: the model's areas, the plan, judgments and history.

Kept apart from ``selectors.py`` (the rating reads) so that the plan's pages and
services have one place for what they read; every function takes an appraisal the
caller already may see (``selectors.appraisal_get``) and reads a fixed number of
queries.

The library's process areas are read through the appraisal's pinned model
(``model.process_areas``): the appraisals never import the library's models.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db.models import Count, QuerySet

from uplift.apps.appraisals.choices import AreaScope, TeamRole
from uplift.apps.appraisals.models import (
    Appraisal,
    AppraisalArea,
    AppraisalUnit,
    Characterization,
    GoalJudgment,
    PracticeJudgment,
    RatingSnapshot,
    TeamMember,
)
from uplift.apps.appraisals.selectors import appraisal_rating, appraisal_rows
from uplift.domain.ratings import (
    AppraisalResult,
    GoalRating,
    PracticeValue,
    normalize_goal_ref,
    normalize_practice_ref,
)

__all__ = [
    "AreaGroup",
    "ModelArea",
    "OptionalGoalJudgment",
    "PlanArea",
    "PlanChange",
    "RatingSummary",
    "RecordedJudgment",
    "appraisal_area_list",
    "appraisal_judgment_list",
    "appraisal_optional_goal_judgments",
    "appraisal_plan_history",
    "appraisal_rating_summary",
    "appraisal_team_list",
    "appraisal_team_member_get",
    "appraisal_unit_get",
    "appraisal_unit_list",
    "area_groups",
    "model_area_list",
    "staged_default_scope",
    "unit_cell_count",
]


# -- the model's process areas ---------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ModelArea:
    """A process area of a model version as the plan pages need it."""

    id: int
    abbreviation: str
    name: str
    maturity_level: int | None
    optional: bool
    category: str


@dataclasses.dataclass(frozen=True)
class AreaGroup:
    """Areas under one heading (a maturity level, or "Without maturity level")."""

    title: str
    maturity_level: int | None
    areas: tuple[Any, ...]


def model_area_list(model: Any) -> list[ModelArea]:
    """Every process area of a model version (``library.ProcessModel``), in model order.

    One query.
    """
    return [
        ModelArea(pk, abbreviation, name, level, optional, category or "")
        for pk, abbreviation, name, level, optional, category in model.process_areas.order_by(
            "order", "pk"
        ).values_list("pk", "abbreviation", "name", "maturity_level", "optional", "category__name")
    ]


def staged_default_scope(
    areas: Iterable[ModelArea], target: int
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(in scope, not applicable)`` of a staged plan for maturity levels 2..target.

    Every process area at those levels is in scope except the optional ones
    (additions such as CMMI-SVC's SSD), which are recorded not applicable: left out
    of both lists they would block the maturity level (the rules need every area of
    the levels satisfied or not applicable). Put one in scope to appraise it.
    """
    staged = [a for a in areas if a.maturity_level is not None and 2 <= a.maturity_level <= target]
    return (
        tuple(a.abbreviation for a in staged if not a.optional),
        tuple(a.abbreviation for a in staged if a.optional),
    )


def area_groups(areas: Sequence[Any]) -> list[AreaGroup]:
    """Group areas (anything with ``maturity_level``) by maturity level, in level order."""
    levels = sorted({a.maturity_level for a in areas if a.maturity_level is not None})
    groups = [
        AreaGroup(
            f"Maturity level {level}", level, tuple(a for a in areas if a.maturity_level == level)
        )
        for level in levels
    ]
    rest = tuple(a for a in areas if a.maturity_level is None)
    if rest:
        groups.append(AreaGroup("Without maturity level", None, rest))
    return groups


# -- the plan --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PlanArea:
    """A model area with its place in the plan: ``scope`` is in_scope, not_applicable or ""."""

    area: ModelArea
    scope: str
    cell_count: int

    @property
    def maturity_level(self) -> int | None:
        return self.area.maturity_level


def appraisal_area_list(appraisal: Appraisal) -> list[PlanArea]:
    """Every area of the appraisal's model with its scope and number of cells; three queries."""
    scopes = dict(
        AppraisalArea.objects.filter(appraisal=appraisal).values_list("process_area_id", "scope")
    )
    cells = dict(
        Characterization.objects.filter(appraisal=appraisal)
        .order_by()
        .values("process_area_id")
        .annotate(n=Count("pk"))
        .values_list("process_area_id", "n")
    )
    return [
        PlanArea(area, scopes.get(area.id, ""), cells.get(area.id, 0))
        for area in model_area_list(appraisal.model)
    ]


def appraisal_unit_list(appraisal: Appraisal) -> QuerySet[AppraisalUnit]:
    """The units in plan order with their work activity (and its unit) and ``cell_count``."""
    return (
        AppraisalUnit.objects.filter(appraisal=appraisal)
        .select_related("work_activity", "work_activity__unit")
        .annotate(cell_count=Count("characterizations"))
        .order_by("order", "pk")
    )


def appraisal_unit_get(*, appraisal: Appraisal, pk: int) -> AppraisalUnit:
    """One unit of the appraisal with ``cell_count``; ``AppraisalUnit.DoesNotExist`` otherwise."""
    return appraisal_unit_list(appraisal).get(pk=pk)


def unit_cell_count(unit: AppraisalUnit) -> int:
    """How many characterizations the unit holds; one query."""
    return Characterization.objects.filter(unit=unit).count()


_ROLE_ORDER: dict[str, int] = {
    TeamRole.LEAD_APPRAISER: 0,
    TeamRole.TEAM_MEMBER: 1,
    TeamRole.OBSERVER: 2,
}


def appraisal_team_list(appraisal: Appraisal) -> list[TeamMember]:
    """The team with its users: lead appraisers first, then members, then observers."""
    members = list(TeamMember.objects.filter(appraisal=appraisal).select_related("user"))
    return sorted(
        members, key=lambda m: (_ROLE_ORDER.get(m.role, 9), m.user.get_username().lower())
    )


def appraisal_team_member_get(*, appraisal: Appraisal, pk: int) -> TeamMember:
    """One team member of the appraisal; ``TeamMember.DoesNotExist`` otherwise."""
    return TeamMember.objects.select_related("user").get(appraisal=appraisal, pk=pk)


# -- rating summary and judgments --------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class AreaLine:
    """One area of the rating summary."""

    abbreviation: str
    name: str
    rating: str
    capability_level: int | None


@dataclasses.dataclass(frozen=True)
class UnsatisfiedGoal:
    """A goal rated unsatisfied, why, and the weaknesses behind it."""

    ref: str
    reason: str
    weaknesses: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class RatingSummary:
    """The current rating of an appraisal beside its stored snapshot.

    ``result`` is computed now from the stored rows; ``snapshot`` is the last stored
    rating (None when never stored) and ``snapshot_current`` says whether it still
    matches the rows.
    """

    result: AppraisalResult
    areas: tuple[AreaLine, ...]
    unsatisfied_goals: tuple[UnsatisfiedGoal, ...]
    snapshot: RatingSnapshot | None
    snapshot_current: bool

    @property
    def open_judgment_count(self) -> int:
        return len(self.result.open_judgments)


def appraisal_rating_summary(appraisal: Appraisal) -> RatingSummary:
    """Rate the current rows (``selectors.appraisal_rating``) and compare the snapshot."""
    result = appraisal_rating(appraisal)
    names = {a.abbreviation: a.name for a in model_area_list(appraisal.model)}
    areas = tuple(
        AreaLine(abbr, names.get(abbr, ""), area.rating.value, area.capability_level)
        for abbr, area in result.areas.items()
    )
    unsatisfied = tuple(
        UnsatisfiedGoal(ref, goal.reason, goal.weaknesses)
        for ref, goal in result.goals.items()
        if goal.rating is GoalRating.UNSATISFIED
    )
    snapshot = RatingSnapshot.objects.filter(appraisal=appraisal).select_related("computed_by")
    stored = snapshot.first()
    current = stored is not None and stored.result == result.as_json()
    return RatingSummary(result, areas, unsatisfied, stored, current)


@dataclasses.dataclass(frozen=True)
class RecordedJudgment:
    """A judgment the team recorded: on what, the value, why, who and when."""

    kind: str  # "practice" or "goal"
    ref: str
    value: str
    rationale: str
    decided_by: Any
    decided_at: datetime


def _ref(abbreviation: str, identifier: str, *, goal: bool) -> str:
    text = f"{abbreviation} {identifier}"
    return (normalize_goal_ref(text) if goal else normalize_practice_ref(text)) or text


def appraisal_judgment_list(appraisal: Appraisal) -> list[RecordedJudgment]:
    """Every recorded practice and goal judgment, newest first; two queries."""
    practices = PracticeJudgment.objects.filter(appraisal=appraisal).select_related(
        "process_area", "practice", "decided_by"
    )
    goals = GoalJudgment.objects.filter(appraisal=appraisal).select_related(
        "process_area", "goal", "decided_by"
    )
    judgments = [
        RecordedJudgment(
            "practice",
            _ref(j.process_area.abbreviation, j.practice.identifier, goal=False),
            j.value,
            j.rationale,
            j.decided_by,
            j.decided_at,
        )
        for j in practices
    ] + [
        RecordedJudgment(
            "goal",
            _ref(j.process_area.abbreviation, j.goal.identifier, goal=True),
            j.value,
            j.rationale,
            j.decided_by,
            j.decided_at,
        )
        for j in goals
    ]
    return sorted(judgments, key=lambda j: j.decided_at, reverse=True)


@dataclasses.dataclass(frozen=True)
class OptionalGoalJudgment:
    """A goal presumed satisfied although some practices are only largely implemented.

    The team may record that the weaknesses hurt it (unsatisfied) or confirm it.
    """

    ref: str
    largely: tuple[str, ...]
    weaknesses: tuple[str, ...]


def appraisal_optional_goal_judgments(
    appraisal: Appraisal, result: AppraisalResult
) -> list[OptionalGoalJudgment]:
    """Goals the team may still judge (see :class:`OptionalGoalJudgment`); three queries."""
    structure = appraisal_rows(appraisal, details=False).index.structure
    found = []
    open_refs = {o.ref for o in result.open_judgments if o.kind == "goal"}
    for area in structure.areas:
        for goal in (*area.specific_goals, *area.generic_goals):
            rated = result.goals.get(goal.ref)
            if rated is None or rated.judged or goal.ref in open_refs:
                continue
            if rated.rating is not GoalRating.SATISFIED:
                continue
            largely = tuple(
                ref
                for ref in goal.practices
                if ref in result.practices and result.practices[ref].value is PracticeValue.LI
            )
            if largely:
                found.append(OptionalGoalJudgment(goal.ref, largely, rated.weaknesses))
    return found


# -- history ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PlanChange:
    """One recorded change of a plan row (area, unit, team member) or of the stored rating."""

    when: datetime
    who: Any
    action: str
    subject: str
    detail: str


_ACTIONS = {"+": "Added", "~": "Changed", "-": "Removed"}


def appraisal_plan_history(appraisal: Appraisal, *, limit: int = 200) -> list[PlanChange]:
    """Changes of the scope, units, team and stored rating, newest first; five queries.

    Removed rows are included (their history outlives them).
    """
    areas = {a.id: a for a in model_area_list(appraisal.model)}
    scope_labels = dict(AreaScope.choices)
    changes: list[PlanChange] = []

    def add(records: Iterable[Any], subject: Any, detail: Any) -> None:
        for record in records:
            changes.append(
                PlanChange(
                    record.history_date,
                    record.history_user,
                    _ACTIONS.get(record.history_type, record.history_type),
                    subject(record),
                    detail(record),
                )
            )

    def recent(model: Any) -> Any:
        return (
            model.history.filter(appraisal_id=appraisal.pk)
            .select_related("history_user")
            .order_by("-history_date", "-history_id")[:limit]
        )

    def area_name(record: Any) -> str:
        area = areas.get(record.process_area_id)
        return f"Process area {area.abbreviation if area else record.process_area_id}"

    add(recent(AppraisalArea), area_name, lambda r: str(scope_labels.get(r.scope, r.scope)))
    add(recent(AppraisalUnit), lambda r: f"Unit {r.name}", lambda r: r.get_kind_display())
    add(
        recent(TeamMember).select_related("user"),
        lambda r: f"Team member {r.user.get_username() if r.user else r.user_id}",
        lambda r: r.get_role_display(),
    )
    add(
        recent(RatingSnapshot),
        lambda r: "Stored rating",
        lambda r: (
            f"maturity level {r.maturity_level or '—'}, "
            f"equivalent {r.equivalent_maturity_level or '—'}, "
            f"{r.open_judgment_count} open judgment{'s' if r.open_judgment_count != 1 else ''}"
        ),
    )
    changes.sort(key=lambda change: change.when, reverse=True)
    return changes[:limit]
