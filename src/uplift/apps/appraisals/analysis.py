"""Reads that analyse an appraisal's rating: the path to a target and a comparison.

They wire the stored rows (``selectors.appraisal_rows``) and the current rating
(``selectors.appraisal_rating``) to ``uplift.domain.appraisal_analysis``. Nothing is
written. Targets the rules refuse raise ``AppraisalError`` naming the query parameter
at fault (``level``, ``profile``, ``b``), which views show as a 400 with the message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from uplift.apps.appraisals.errors import AppraisalError
from uplift.apps.appraisals.files import DEFAULT_SETTINGS
from uplift.apps.appraisals.models import Appraisal
from uplift.apps.appraisals.selectors import AppraisalRows, appraisal_rating, appraisal_rows
from uplift.apps.library.selectors import RatingIndex, model_rating_index
from uplift.domain.appraisal_analysis import (
    AnalysisError,
    AreaChange,
    AreaGap,
    ChangeStatus,
    GoalChange,
    GoalGap,
    PracticeChange,
    PracticeGap,
    ResultComparison,
    TargetPath,
    compare_results,
    parse_profile,
    path_to_target,
)
from uplift.domain.ratings import (
    AppraisalResult,
    AppraisalScope,
    Characterization,
    PracticeValue,
)

__all__ = [
    "DEFAULT_CAPABILITY_TARGET",
    "ISSUE_LABELS",
    "AppraisalComparison",
    "AppraisalPath",
    "ChangeGroup",
    "ModelTitles",
    "TitledArea",
    "TitledChange",
    "TitledGoal",
    "TitledPractice",
    "appraisal_cells",
    "appraisal_compare",
    "appraisal_path",
    "appraisal_scope",
    "model_titles",
]

# A continuous appraisal stores no target profile: the path and the report aim at
# capability level 3 (the highest of CMMI v1.3) for every area in scope unless told.
DEFAULT_CAPABILITY_TARGET = 3


@dataclass(frozen=True)
class ModelTitles:
    """Names of a model version's areas and titles of its goals and practices, by reference."""

    areas: dict[str, str] = field(default_factory=dict)
    goals: dict[str, str] = field(default_factory=dict)
    practices: dict[str, str] = field(default_factory=dict)

    def merged(self, other: ModelTitles) -> ModelTitles:
        """These titles, completed (and overridden) by ``other``'s."""
        return ModelTitles(
            self.areas | other.areas, self.goals | other.goals, self.practices | other.practices
        )


def model_titles(appraisal: Appraisal, index: RatingIndex | None = None) -> ModelTitles:
    """Titles of the appraisal's model by reference; three queries (three more without
    ``index``).

    The library rows are read through the pinned model's relations (the appraisals
    app does not import the library's models).
    """
    index = index or model_rating_index(appraisal.model)
    model: Any = appraisal.model
    area_names = dict(model.process_areas.values_list("abbreviation", "name"))
    goal_titles = dict(model.goals.values_list("pk", "title"))
    practice_titles = dict(model.practices.values_list("pk", "title"))
    return ModelTitles(
        areas=area_names,
        goals={ref: goal_titles.get(ids[0], "") for ref, ids in index.goals.items()},
        practices={ref: practice_titles.get(ids[0], "") for ref, ids in index.practices.items()},
    )


def appraisal_scope(appraisal: Appraisal, rows: AppraisalRows) -> AppraisalScope:
    """The rating scope of the appraisal, from its rows."""
    return AppraisalScope(
        representation="staged" if appraisal.representation == "staged" else "continuous",
        areas=rows.index.structure.areas,
        in_scope=frozenset(rows.in_scope),
        not_applicable=frozenset(rows.not_applicable),
        target_maturity_level=appraisal.target_maturity_level,
    )


def appraisal_cells(rows: AppraisalRows) -> dict[str, dict[str, Characterization]]:
    """The cells as the engine reads them: practice → unit → value and weaknesses."""
    return {
        ref: {
            unit: Characterization(PracticeValue(value), weaknesses)
            for unit, (value, weaknesses, _, _) in by_unit.items()
        }
        for ref, by_unit in rows.cells.items()
    }


ISSUE_LABELS = {
    "not_characterized": "Not characterized",
    "needs_judgment": "Waiting for the team's judgment",
    "not_yet": "Not yet (NY)",
    "partially_implemented": "Partially implemented (PI)",
    "not_implemented": "Not implemented (NI)",
    "weaknesses": "Weaknesses judged significant",
}


@dataclass(frozen=True)
class TitledPractice:
    gap: PracticeGap
    title: str

    @property
    def issue_label(self) -> str:
        return ISSUE_LABELS.get(self.gap.issue, self.gap.issue)


@dataclass(frozen=True)
class TitledGoal:
    gap: GoalGap
    title: str
    practices: tuple[TitledPractice, ...]


@dataclass(frozen=True)
class TitledArea:
    gap: AreaGap
    name: str
    goals: tuple[TitledGoal, ...]


@dataclass(frozen=True)
class AppraisalPath:
    """The path from an appraisal's current rating to a target.

    ``level`` is the target maturity level, or None for a capability profile
    (``path.profile`` then holds it); ``label`` says the target in words.
    """

    appraisal: Appraisal
    path: TargetPath
    result: AppraisalResult
    level: int | None
    label: str
    units: tuple[str, ...]
    titles: ModelTitles

    @property
    def sections(self) -> tuple[TitledArea, ...]:
        """The path's areas, goals and practices with their names, for pages."""
        titles = self.titles
        return tuple(
            TitledArea(
                area,
                titles.areas.get(area.abbreviation, ""),
                tuple(
                    TitledGoal(
                        goal,
                        titles.goals.get(goal.ref, ""),
                        tuple(
                            TitledPractice(practice, titles.practices.get(practice.ref, ""))
                            for practice in goal.practices
                        ),
                    )
                    for goal in area.goals
                ),
            )
            for area in self.path.areas
        )


def _sentence(error: Exception) -> str:
    text = str(error)
    return f"{text[:1].upper()}{text[1:]}."


def _profile_label(profile: Mapping[str, int]) -> str:
    return ", ".join(f"{abbreviation} CL {level}" for abbreviation, level in profile.items())


def appraisal_path(
    appraisal: Appraisal,
    *,
    level: int | None = None,
    profile: str | Mapping[str, int] | None = None,
    titles: bool = True,
    rows: AppraisalRows | None = None,
    result: AppraisalResult | None = None,
) -> AppraisalPath:
    """What stands between the appraisal and a target (``domain.path_to_target``).

    The target is ``level`` (a maturity level) or ``profile`` (``"REQM:2,PP:3"`` or a
    mapping), not both; by default the appraisal's target maturity level (staged) or
    capability level 3 for every area in scope (continuous). Raises
    ``AppraisalError`` (field ``level`` or ``profile``) for a target the model
    cannot have. ``rows`` and ``result``, when the caller has them,
    save reading them again.
    """
    if level is not None and profile is not None:
        raise AppraisalError("Give a target maturity level or a profile, not both.", "profile")
    rows = rows or appraisal_rows(appraisal, details=False)
    result = result or appraisal_rating(appraisal)
    scope = appraisal_scope(appraisal, rows)
    target: int | Mapping[str, int]
    field_name = "level"
    if profile is not None:
        field_name = "profile"
        try:
            target = parse_profile(profile) if isinstance(profile, str) else profile
        except AnalysisError as error:
            raise AppraisalError(_sentence(error), "profile") from None
    elif level is not None:
        target = level
    elif appraisal.target_maturity_level:
        target = appraisal.target_maturity_level
    else:
        target = {abbreviation: DEFAULT_CAPABILITY_TARGET for abbreviation in rows.in_scope}
    units = tuple(unit.name for unit in rows.units)
    try:
        path = path_to_target(result, scope, target, appraisal_cells(rows), units, DEFAULT_SETTINGS)
    except AnalysisError as error:
        raise AppraisalError(_sentence(error), field_name) from None
    label = (
        f"maturity level {target}"
        if isinstance(target, int)
        else f"capability profile {_profile_label(path.profile)}"
        if path.profile
        else "an empty capability profile"
    )
    return AppraisalPath(
        appraisal=appraisal,
        path=path,
        result=result,
        level=target if isinstance(target, int) else None,
        label=label,
        units=units,
        titles=model_titles(appraisal, rows.index) if titles else ModelTitles(),
    )


@dataclass(frozen=True)
class TitledChange:
    """An area, goal or practice change with the name or title of what changed."""

    change: AreaChange | GoalChange | PracticeChange
    title: str


@dataclass(frozen=True)
class ChangeGroup:
    """The areas, goals and practices whose change has one of some statuses."""

    areas: tuple[TitledChange, ...]
    goals: tuple[TitledChange, ...]
    practices: tuple[TitledChange, ...]

    @property
    def count(self) -> int:
        return len(self.areas) + len(self.goals) + len(self.practices)


@dataclass(frozen=True)
class AppraisalComparison:
    """Two appraisals of the same model, ``before`` and ``after``, and what changed."""

    before: Appraisal
    after: Appraisal
    comparison: ResultComparison
    titles: ModelTitles

    def _group(self, *statuses: ChangeStatus) -> ChangeGroup:
        comparison, titles = self.comparison, self.titles
        if statuses == (ChangeStatus.IMPROVED,):
            practices: Iterable[PracticeChange] = comparison.improved_practices
        elif statuses == (ChangeStatus.SLIPPED,):
            practices = comparison.slipped_practices
        else:
            practices = (p for p in comparison.practices if p.status in statuses)
        return ChangeGroup(
            tuple(
                TitledChange(a, titles.areas.get(a.abbreviation, ""))
                for a in comparison.areas
                if a.status in statuses
            ),
            tuple(
                TitledChange(g, titles.goals.get(g.ref, ""))
                for g in comparison.goals
                if g.status in statuses
            ),
            tuple(TitledChange(p, titles.practices.get(p.ref, "")) for p in practices),
        )

    @property
    def improved(self) -> ChangeGroup:
        """What improved; practices with the biggest moves first."""
        return self._group(ChangeStatus.IMPROVED)

    @property
    def slipped(self) -> ChangeGroup:
        """What slipped; practices with the biggest falls first."""
        return self._group(ChangeStatus.SLIPPED)

    @property
    def other(self) -> ChangeGroup:
        """Changes that are neither better nor worse, and what only one side has."""
        return self._group(ChangeStatus.CHANGED, ChangeStatus.NEW, ChangeStatus.DROPPED)

    @property
    def areas(self) -> tuple[TitledChange, ...]:
        """Every process area of either appraisal, with its change."""
        return tuple(
            TitledChange(a, self.titles.areas.get(a.abbreviation, ""))
            for a in self.comparison.areas
        )


def appraisal_compare(before: Appraisal, after: Appraisal) -> AppraisalComparison:
    """Compare two appraisals of the same model identifier (versions may differ).

    Practices, goals and areas are matched by reference. Raises ``AppraisalError``
    (field ``b``) when the models differ.
    """
    if before.model.identifier != after.model.identifier:
        raise AppraisalError(
            f"{after.name} appraises {after.model.reference}, {before.name} "
            f"{before.model.reference}: only appraisals of the same model compare.",
            "b",
        )
    comparison = compare_results(appraisal_rating(before), appraisal_rating(after))
    titles = model_titles(before).merged(model_titles(after))
    return AppraisalComparison(before, after, comparison, titles)
