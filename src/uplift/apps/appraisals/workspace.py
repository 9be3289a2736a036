"""Reads of the team's workspace: evidence (artifacts, affirmations) and findings.

Permission scoping (``apps.appraisals.permissions`` decides per appraisal; these are
the same rules as querysets, for lists):

- evidence is read by those who may see the appraisal *and* its workspace (anyone on
  its team, observers included, or a holder of ``appraisals.change_characterization``):
  :func:`workspace_appraisals`, :func:`artifact_list`, :func:`affirmation_list`;
- findings are read by anyone who may see the appraisal: :func:`finding_list`,
  :func:`findings_by_area` (the findings presentation and the final report: text,
  references and ratings only, never evidence or a name, issue 3).

Every function reads in a fixed number of queries whatever the number of rows
(links and practices are prefetched).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Prefetch, QuerySet

from uplift.apps.appraisals.choices import AreaScope, FindingKind
from uplift.apps.appraisals.models import (
    Affirmation,
    Appraisal,
    AppraisalArea,
    Artifact,
    EvidenceLink,
    Finding,
)
from uplift.apps.appraisals.selectors import appraisal_rating
from uplift.apps.library.selectors import model_rating_index

__all__ = [
    "AreaFindings",
    "EvidenceList",
    "EvidenceRow",
    "FindingItem",
    "FindingsPresentation",
    "GoalFindings",
    "LinkGroup",
    "ScopeArea",
    "ScopeGoal",
    "ScopePractice",
    "affirmation_list",
    "artifact_list",
    "evidence_coverage",
    "evidence_list",
    "evidence_rows",
    "finding_list",
    "findings_by_area",
    "scope_practices",
    "workspace_appraisals",
]


# -- scoping ---------------------------------------------------------------------------


def workspace_appraisals(user: Any) -> QuerySet[Appraisal]:
    """The appraisals whose workspace (evidence) the user may read.

    The queryset form of ``permissions.appraisal_can_see_workspace`` within
    ``Appraisal.objects.visible_to(user)``: every visible appraisal for a holder of
    ``appraisals.change_characterization``, else those of the user's teams.
    """
    visible = Appraisal.objects.visible_to(user)
    if not user.is_authenticated or not user.is_active:
        return visible.none()
    if user.has_perm("appraisals.change_characterization"):
        return visible
    return Appraisal.objects.filter(team__user=user).distinct()


def _links() -> Prefetch[Any]:
    return Prefetch(
        "links",
        queryset=EvidenceLink.objects.select_related("process_area", "practice", "unit").order_by(
            "process_area__order",
            F("practice__process_area_id").asc(nulls_last=True),  # specific, then generic
            "practice__order",
            "practice__pk",
            "unit__order",
            "unit__pk",
        ),
    )


def artifact_list(*, user: Any, appraisal: Appraisal | None = None) -> QuerySet[Artifact]:
    """Artifacts of the appraisals whose workspace the user may read, by name.

    With ``appraisal``, that appraisal's only (the caller has checked the permission,
    or the scope makes the list empty). Links are prefetched with area, practice and
    unit: three queries for any number of rows.
    """
    artifacts = Artifact.objects.filter(appraisal__in=workspace_appraisals(user))
    if appraisal is not None:
        artifacts = artifacts.filter(appraisal=appraisal)
    return artifacts.prefetch_related(_links()).order_by("appraisal_id", "name", "pk")


def affirmation_list(*, user: Any, appraisal: Appraisal | None = None) -> QuerySet[Affirmation]:
    """Affirmations of the appraisals whose workspace the user may read, by date.

    Like :func:`artifact_list`.
    """
    affirmations = Affirmation.objects.filter(appraisal__in=workspace_appraisals(user))
    if appraisal is not None:
        affirmations = affirmations.filter(appraisal=appraisal)
    return affirmations.prefetch_related(_links()).order_by("appraisal_id", "date", "pk")


def finding_list(*, user: Any, appraisal: Appraisal | None = None) -> QuerySet[Finding]:
    """Findings of the appraisals the user may see, by area, kind and order.

    Area and goal joined, practices prefetched (ordered): two queries for any number.
    """
    findings = Finding.objects.filter(appraisal__in=Appraisal.objects.visible_to(user))
    if appraisal is not None:
        findings = findings.filter(appraisal=appraisal)
    return (
        findings.select_related("process_area", "goal")
        .prefetch_related(_finding_practices())
        .order_by("appraisal_id", "process_area__order", "kind", "order", "pk")
    )


def _finding_practices() -> Prefetch[Any]:
    """A finding's practices in model order: specific practices, then generic ones."""
    # The library's Practice, reached through the relation (apps do not import its models).
    practice: Any = Finding._meta.get_field("practices").related_model
    return Prefetch(
        "practices",
        queryset=practice._default_manager.order_by(
            F("process_area_id").asc(nulls_last=True), "order", "pk"
        ),
    )


# -- the scope as forms offer it ---------------------------------------------------------------


@dataclass(frozen=True)
class ScopePractice:
    """A practice of an area in scope: ``REQM SP 1.1`` and its title."""

    ref: str
    title: str


@dataclass(frozen=True)
class ScopeGoal:
    """A rated goal of an area in scope with its practices, in model order."""

    ref: str  # "REQM SG 1", "REQM GG 2"
    title: str
    practices: tuple[ScopePractice, ...]


@dataclass(frozen=True)
class ScopeArea:
    """A process area in scope with its goals (specific, then generic of level 2 and up)."""

    abbreviation: str
    name: str
    goals: tuple[ScopeGoal, ...]

    @property
    def practice_refs(self) -> tuple[str, ...]:
        return tuple(p.ref for goal in self.goals for p in goal.practices)


def scope_practices(appraisal: Appraisal) -> tuple[ScopeArea, ...]:
    """The areas in scope with their goals and practices, titled, in model order.

    What the evidence and finding forms offer; six queries whatever the size. A
    generic goal appears under every area (``REQM GG 2``, ``PP GG 2``), as the rating
    reads it.
    """
    index = model_rating_index(appraisal.model)
    goal_titles = dict(appraisal.model.goals.values_list("pk", "title"))
    practice_titles = dict(appraisal.model.practices.values_list("pk", "title"))
    names = dict(
        AppraisalArea.objects.filter(appraisal=appraisal, scope=AreaScope.IN_SCOPE).values_list(
            "process_area__abbreviation", "process_area__name"
        )
    )
    areas = []
    for spec in index.structure.areas:
        if spec.abbreviation not in names:
            continue
        goals = tuple(
            ScopeGoal(
                goal.ref,
                goal_titles.get(index.goals[goal.ref][0], ""),
                tuple(
                    ScopePractice(ref, practice_titles.get(index.practices[ref][0], ""))
                    for ref in goal.practices
                ),
            )
            for goal in (*spec.specific_goals, *spec.generic_goals)
        )
        areas.append(ScopeArea(spec.abbreviation, names[spec.abbreviation], goals))
    return tuple(areas)


# -- evidence as the pages show it -------------------------------------------------------------


@dataclass(frozen=True)
class LinkGroup:
    """One practice a piece of evidence supports, and the units where it does."""

    practice: str  # "REQM SP 1.1", "REQM GP 2.1"
    units: tuple[str, ...]


@dataclass(frozen=True)
class EvidenceRow:
    """An artifact or affirmation with its links grouped by practice."""

    item: Artifact | Affirmation
    links: tuple[LinkGroup, ...]

    @property
    def practices(self) -> tuple[str, ...]:
        return tuple(group.practice for group in self.links)

    @property
    def safe_link(self) -> str:
        """The artifact's link when it is http(s), else "" (pages link only to those)."""
        link = getattr(self.item, "link", "") or ""
        return link if link.lower().startswith(("http://", "https://")) else ""

    @property
    def supports(self) -> str:
        """The links as one line: ``REQM SP 1.1 (alpha, beta); REQM GP 2.1 (alpha)``."""
        return "; ".join(f"{group.practice} ({', '.join(group.units)})" for group in self.links)


@dataclass(frozen=True)
class EvidenceList:
    """An appraisal's evidence: artifacts by name, affirmations by date."""

    artifacts: tuple[EvidenceRow, ...]
    affirmations: tuple[EvidenceRow, ...]


def evidence_rows(items: Iterable[Artifact | Affirmation]) -> list[EvidenceRow]:
    """Group each item's links by practice (in model order), units in plan order.

    Expects the links prefetched as :func:`artifact_list` does; no query then.
    """
    rows = []
    for item in items:
        by_practice: dict[str, list[str]] = defaultdict(list)
        for link in item.links.all():
            ref = f"{link.process_area.abbreviation} {link.practice.identifier}"
            by_practice[ref].append(link.unit.name)
        rows.append(
            EvidenceRow(
                item, tuple(LinkGroup(ref, tuple(units)) for ref, units in by_practice.items())
            )
        )
    return rows


def evidence_list(appraisal: Appraisal) -> EvidenceList:
    """Every artifact and affirmation of one appraisal with its links; four queries.

    Not permission-scoped: the caller has checked ``appraisal_can_see_workspace``.
    """
    artifacts = Artifact.objects.filter(appraisal=appraisal).prefetch_related(_links())
    affirmations = Affirmation.objects.filter(appraisal=appraisal).prefetch_related(_links())
    return EvidenceList(
        tuple(evidence_rows(artifacts.order_by("name", "pk"))),
        tuple(evidence_rows(affirmations.order_by("date", "pk"))),
    )


def evidence_coverage(appraisal: Appraisal) -> dict[tuple[int, int, int], int]:
    """How many pieces of evidence support each (area id, practice id, unit id); one query.

    Cells without evidence are absent. A piece of evidence links a cell at most once,
    so the count is of artifacts and affirmations.
    """
    return {
        (row["process_area_id"], row["practice_id"], row["unit_id"]): row["n"]
        for row in EvidenceLink.objects.filter(appraisal=appraisal)
        .order_by()
        .values("process_area_id", "practice_id", "unit_id")
        .annotate(n=Count("pk"))
    }


# -- findings by process area and goal ----------------------------------------------------------


@dataclass(frozen=True)
class FindingItem:
    """One finding as presented: its text and the practices it is about."""

    id: int
    kind: str  # FindingKind value: "strength" or "weakness"
    text: str
    goal: str | None  # "REQM SG 1", or None for a finding of the whole area
    practices: tuple[str, ...]  # "REQM SP 1.1", … in model order


@dataclass(frozen=True)
class GoalFindings:
    """A goal of an area with its rating and findings.

    ``rating`` is a ``uplift.domain.ratings.GoalRating`` value (satisfied,
    unsatisfied, not_rated, pending), or None for a goal this appraisal does not rate
    (GG 3 in a maturity level 2 appraisal) that has findings nonetheless.
    """

    ref: str  # "REQM SG 1", "REQM GG 2"
    title: str
    rating: str | None
    strengths: tuple[FindingItem, ...]
    weaknesses: tuple[FindingItem, ...]


@dataclass(frozen=True)
class AreaFindings:
    """A process area in scope: its rating, each rated goal, and its findings.

    ``rating`` is a ``uplift.domain.ratings.AreaRating`` value; ``capability_level``
    the area's level (0 when its specific goals are unsatisfied; None while a judgment
    decides it or its specific goals are not rated). ``strengths`` and
    ``weaknesses`` are the findings of the whole area (no goal); those of a goal are
    under ``goals``.
    """

    abbreviation: str
    name: str
    rating: str | None
    capability_level: int | None
    goals: tuple[GoalFindings, ...]
    strengths: tuple[FindingItem, ...]
    weaknesses: tuple[FindingItem, ...]

    @property
    def strength_count(self) -> int:
        """Strengths of the area and of its goals."""
        return len(self.strengths) + sum(len(goal.strengths) for goal in self.goals)

    @property
    def weakness_count(self) -> int:
        """Weaknesses of the area and of its goals."""
        return len(self.weaknesses) + sum(len(goal.weaknesses) for goal in self.goals)

    @property
    def finding_count(self) -> int:
        return self.strength_count + self.weakness_count


@dataclass(frozen=True)
class FindingsPresentation:
    """An appraisal's findings by process area and goal, with the current ratings.

    ``areas``: the areas in scope in model order. ``not_applicable``: (abbreviation,
    name) of the areas agreed not applicable. The levels are those of
    ``selectors.appraisal_rating`` (computed from the current cells; None while not
    reached or while a judgment could change them).
    """

    areas: tuple[AreaFindings, ...]
    not_applicable: tuple[tuple[str, str], ...]
    maturity_level: int | None
    equivalent_maturity_level: int | None
    open_judgment_count: int

    @property
    def finding_count(self) -> int:
        return sum(area.finding_count for area in self.areas)


def _split(items: Iterable[FindingItem]) -> tuple[tuple[FindingItem, ...], ...]:
    items = list(items)
    return (
        tuple(item for item in items if item.kind == FindingKind.STRENGTH),
        tuple(item for item in items if item.kind == FindingKind.WEAKNESS),
    )


def findings_by_area(
    appraisal: Appraisal, *, only: Collection[int] | None = None
) -> FindingsPresentation:
    """The findings presentation of an appraisal: per area in scope its rating, each rated
    goal's rating, and the strengths then the weaknesses (of the area, then per goal).

    Not permission-scoped: the caller has checked that the user may see the appraisal.
    ``only`` limits the findings to those ids (a filtered list); every area and rated
    goal is still listed. Findings carry their text and practice references only.
    About twenty queries whatever the size (the rating reads the appraisal's rows once).
    """
    result = appraisal_rating(appraisal)
    index = model_rating_index(appraisal.model)
    goal_titles = dict(appraisal.model.goals.values_list("pk", "title"))
    areas = list(
        AppraisalArea.objects.filter(appraisal=appraisal)
        .select_related("process_area")
        .order_by("process_area__order", "pk")
    )
    findings = Finding.objects.filter(appraisal=appraisal)
    if only is not None:
        findings = findings.filter(pk__in=list(only))
    by_area: dict[str, list[FindingItem]] = defaultdict(list)
    for finding in (
        findings.select_related("process_area", "goal")
        .prefetch_related(_finding_practices())
        .order_by("process_area__order", "kind", "order", "pk")
    ):
        abbreviation = finding.process_area.abbreviation
        by_area[abbreviation].append(
            FindingItem(
                id=finding.pk,
                kind=finding.kind,
                text=finding.text,
                goal=f"{abbreviation} {finding.goal.identifier}" if finding.goal else None,
                practices=tuple(f"{abbreviation} {p.identifier}" for p in finding.practices.all()),
            )
        )
    specs = {spec.abbreviation: spec for spec in index.structure.areas}
    presented: list[AreaFindings] = []
    not_applicable: list[tuple[str, str]] = []
    for area in areas:
        abbreviation = area.process_area.abbreviation
        if area.scope != AreaScope.IN_SCOPE:
            not_applicable.append((abbreviation, area.process_area.name))
            continue
        items = by_area.get(abbreviation, [])
        goals = []
        for goal in (*specs[abbreviation].specific_goals, *specs[abbreviation].generic_goals):
            goal_items = [item for item in items if item.goal == goal.ref]
            rated = result.goals.get(goal.ref)
            if rated is None and not goal_items:
                continue  # a generic goal this appraisal does not rate, without findings
            strengths, weaknesses = _split(goal_items)
            goals.append(
                GoalFindings(
                    ref=goal.ref,
                    title=goal_titles.get(index.goals[goal.ref][0], ""),
                    rating=rated.rating.value if rated is not None else None,
                    strengths=strengths,
                    weaknesses=weaknesses,
                )
            )
        area_result = result.areas.get(abbreviation)
        strengths, weaknesses = _split(item for item in items if item.goal is None)
        presented.append(
            AreaFindings(
                abbreviation=abbreviation,
                name=area.process_area.name,
                rating=area_result.rating.value if area_result is not None else None,
                capability_level=area_result.capability_level if area_result else None,
                goals=tuple(goals),
                strengths=strengths,
                weaknesses=weaknesses,
            )
        )
    return FindingsPresentation(
        areas=tuple(presented),
        not_applicable=tuple(not_applicable),
        maturity_level=result.maturity_level,
        equivalent_maturity_level=result.equivalent_maturity_level,
        open_judgment_count=len(result.open_judgments),
    )
