"""Reads of the appraisals context: permission-scoped lists and the current rating.

The rating is computed lazily, when asked, from the stored rows: one query per table
(characterizations with ``values_list``, never row by row) plus three for the model,
so its cost grows with the number of cells only in the engine and in one fetch, and
a cell write never pays for it (issue 3).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from typing import Any

from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce

from uplift.apps.appraisals.choices import AreaScope, UnitKind
from uplift.apps.appraisals.files import DEFAULT_SETTINGS
from uplift.apps.appraisals.models import (
    Appraisal,
    AppraisalArea,
    AppraisalUnit,
    Characterization,
    GoalJudgment,
    PracticeJudgment,
)
from uplift.apps.library.selectors import RatingIndex, model_rating_index
from uplift.domain.appraisal_format import RatingInputs
from uplift.domain.ratings import (
    AppraisalResult,
    AppraisalScope,
    Judgment,
    PracticeValue,
    RatingSettings,
    aggregate_practice,
    rate_appraisal,
)
from uplift.domain.ratings import (
    Characterization as CellValue,
)

__all__ = [
    "AppraisalRows",
    "appraisal_get",
    "appraisal_get_unscoped",
    "appraisal_latest_rated",
    "appraisal_list",
    "appraisal_rating",
    "appraisal_rating_inputs",
    "appraisal_rows",
    "characterization_list",
]


def appraisal_list(*, user: Any) -> QuerySet[Appraisal]:
    """The appraisals the user may see, newest first, with their model and unit.

    Annotations from the stored rating: ``rated_maturity_level``, ``rated_at`` (None
    when the appraisal was never rated).
    """
    return (
        Appraisal.objects.visible_to(user)
        .select_related("model", "organizational_unit")
        .annotate(
            rated_maturity_level=F("rating__maturity_level"), rated_at=F("rating__computed_at")
        )
        .order_by("-created_at", "-pk")
    )


def appraisal_get(*, pk: int, user: Any) -> Appraisal:
    """One appraisal the user may see; raises ``Appraisal.DoesNotExist`` otherwise."""
    return appraisal_list(user=user).get(pk=pk)


def characterization_list(*, user: Any) -> QuerySet[Characterization]:
    """Cells of the appraisals the user may see, with practice, area, goal and unit."""
    return (
        Characterization.objects.filter(appraisal__in=Appraisal.objects.visible_to(user))
        .select_related("process_area", "practice", "practice__goal", "unit")
        .order_by("appraisal_id", "process_area__order", "practice__order", "unit__order", "pk")
    )


@dataclasses.dataclass(frozen=True)
class AppraisalRows:
    """An appraisal's plan and cells keyed by reference, read in a fixed number of queries."""

    index: RatingIndex
    in_scope: tuple[str, ...]
    not_applicable: tuple[str, ...]
    units: tuple[AppraisalUnit, ...]
    # ref → unit name → (value, weaknesses, strengths, notes)
    cells: dict[str, dict[str, tuple[str, tuple[str, ...], tuple[str, ...], str]]]
    practice_judgments: dict[str, Judgment]
    goal_judgments: dict[str, Judgment]


def _texts(value: object) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(item) for item in value)
    return (str(value),) if value else ()


def appraisal_rows(appraisal: Appraisal, *, details: bool = True) -> AppraisalRows:
    """Everything stored about an appraisal's scope, cells and judgments, by reference.

    Eight queries whatever the size: the model (three), areas, units, cells, and the
    two kinds of judgments. Without ``details`` the cells' strengths and notes are not
    read (the rating does not need them).
    """
    index = model_rating_index(appraisal.model)
    area_names = {area_id: abbr for abbr, area_id in index.areas.items()}
    practice_refs = {ids: ref for ref, ids in index.practices.items()}
    goal_refs = {ids: ref for ref, ids in index.goals.items()}
    in_scope: list[str] = []
    not_applicable: list[str] = []
    for area_id, scope in (
        AppraisalArea.objects.filter(appraisal=appraisal)
        .order_by("pk")
        .values_list("process_area_id", "scope")
    ):
        (in_scope if scope == AreaScope.IN_SCOPE else not_applicable).append(area_names[area_id])
    order = {abbr: n for n, abbr in enumerate(index.areas)}
    in_scope.sort(key=order.__getitem__)
    not_applicable.sort(key=order.__getitem__)
    units = tuple(AppraisalUnit.objects.filter(appraisal=appraisal).order_by("order", "pk"))
    unit_names = {unit.pk: unit.name for unit in units}
    fields = ["practice_id", "process_area_id", "unit_id", "value", "weaknesses"]
    if details:
        fields += ["strengths", "notes"]
    cells: dict[str, dict[str, tuple[str, tuple[str, ...], tuple[str, ...], str]]] = defaultdict(
        dict
    )
    for row in Characterization.objects.filter(appraisal=appraisal).order_by().values_list(*fields):
        ref = practice_refs[(row[0], row[1])]
        strengths = _texts(row[5]) if details else ()
        notes = row[6] if details else ""
        cells[ref][unit_names[row[2]]] = (row[3], _texts(row[4]), strengths, notes)
    practice_judgments = {
        practice_refs[(practice_id, area_id)]: Judgment(value, rationale)
        for practice_id, area_id, value, rationale in PracticeJudgment.objects.filter(
            appraisal=appraisal
        )
        .order_by("pk")
        .values_list("practice_id", "process_area_id", "value", "rationale")
    }
    goal_judgments = {
        goal_refs[(goal_id, area_id)]: Judgment(value, rationale)
        for goal_id, area_id, value, rationale in GoalJudgment.objects.filter(appraisal=appraisal)
        .order_by("pk")
        .values_list("goal_id", "process_area_id", "value", "rationale")
    }
    return AppraisalRows(
        index,
        tuple(in_scope),
        tuple(not_applicable),
        units,
        dict(cells),
        practice_judgments,
        goal_judgments,
    )


def appraisal_rating_inputs(appraisal: Appraisal) -> RatingInputs:
    """The rating engine's inputs from the stored rows (see :func:`appraisal_rows`).

    A practice judgment that the current cells no longer call for, or whose value is
    no longer a candidate (the cells changed after the team decided), is left out
    with a warning: the practice shows as needing a judgment again.
    """
    rows = appraisal_rows(appraisal, details=False)
    characterizations = {
        ref: {
            unit: CellValue(PracticeValue(value), weaknesses)
            for unit, (value, weaknesses, _, _) in by_unit.items()
        }
        for ref, by_unit in rows.cells.items()
    }
    warnings: list[str] = []
    practice_judgments: dict[str, Judgment] = {}
    for ref, judgment in rows.practice_judgments.items():
        aggregate = aggregate_practice(c.value for c in characterizations.get(ref, {}).values())
        if aggregate.needs_judgment and judgment.value not in aggregate.candidates:
            warnings.append(
                f"{ref}: the recorded judgment {judgment.value} is no longer a candidate "
                f"({' or '.join(aggregate.candidates)}); judge it again"
            )
            continue
        practice_judgments[ref] = judgment
    scope = AppraisalScope(
        representation="staged" if appraisal.representation == "staged" else "continuous",
        areas=rows.index.structure.areas,
        in_scope=frozenset(rows.in_scope),
        not_applicable=frozenset(rows.not_applicable),
        target_maturity_level=appraisal.target_maturity_level,
    )
    return RatingInputs(
        scope, characterizations, practice_judgments, rows.goal_judgments, tuple(warnings)
    )


def appraisal_rating(
    appraisal: Appraisal, *, settings: RatingSettings = DEFAULT_SETTINGS
) -> AppraisalResult:
    """Rate the appraisal's current rows with the engine; writes nothing."""
    inputs = appraisal_rating_inputs(appraisal)
    result = rate_appraisal(
        inputs.scope,
        inputs.characterizations,
        inputs.practice_judgments,
        inputs.goal_judgments,
        settings,
    )
    if inputs.warnings:
        result = dataclasses.replace(result, warnings=inputs.warnings + result.warnings)
    return result


def unit_kind_of(unit: AppraisalUnit) -> str:
    """``basic_units`` or ``support_functions``: the file's list a unit belongs to."""
    return "support_functions" if unit.kind == UnitKind.SUPPORT_FUNCTION else "basic_units"


def appraisal_get_unscoped(*, pk: int) -> Appraisal:
    """One appraisal whoever asks: for the operator's command line only.

    Raises ``Appraisal.DoesNotExist``.
    """
    return Appraisal.objects.select_related("model", "organizational_unit").get(pk=pk)


def appraisal_latest_rated(*, organizational_unit_id: int, user: Any = None) -> Appraisal | None:
    """The organizational unit's latest appraisal with a stored rating, with its model and
    rating (``appraisal.rating.result`` is ``AppraisalResult.as_json()``), or None.

    Latest by the appraisal's end date (its start date when it has none), then by when
    it was rated. ``user`` given: only an appraisal that user may see
    (``visible_to``); None: whoever asks (the caller checked access). One query.
    """
    appraisals = Appraisal.objects.all() if user is None else Appraisal.objects.visible_to(user)
    return (
        appraisals.filter(organizational_unit_id=organizational_unit_id, rating__isnull=False)
        .select_related("model", "rating", "organizational_unit")
        .annotate(held_on=Coalesce("end_date", "start_date"))
        .order_by(F("held_on").desc(nulls_last=True), "-rating__computed_at", "-pk")
        .first()
    )
