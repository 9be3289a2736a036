"""The characterization matrix of an appraisal: practices by units (issue 3).

The read model of the matrix page (``views.matrix``), in three steps:

1. :func:`matrix_outline`: the plan as the matrix shows it (process areas in scope,
   the goals the rating rates, units with basic units first, titles), six queries;
2. :func:`matrix_get`: the rows (practices grouped by process area and goal) for the
   validated :class:`MatrixFilters`, each with its cells, evidence counts and the
   engine's result; a fixed number of queries whatever the size (cells, evidence
   counts in one ``GROUP BY``, judgments);
3. :func:`matrix_area_rating`: after one cell changed, the rating of that cell's
   process area only, from that area's cells and judgments: a fixed number of
   queries and time bounded by one area, so answering a cell write does not grow
   with the appraisal (the maturity level is recomputed by a follow-up request).

Both rate with the engine from the matrix's own read of the cells' values (one
query, no JSON), not through ``selectors.appraisal_rating``, which would read every
cell a second time with its weaknesses.

The cells' markup is built here, in Python (:func:`matrix_cell_content`), not by
the template engine: a CMMI-DEV ML 5 appraisal over 40 units has about 17,000
cells, and a template loop with tags per cell takes most of a second on its own
(``benchmarks/bench_matrix.py`` measures the page). Every piece of a cell is a
fixed string or an integer, so nothing in it needs escaping.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from django.db.models import Count
from django.utils.safestring import SafeString, mark_safe

from uplift.apps.appraisals.choices import AreaScope, PracticeValue, UnitKind
from uplift.apps.appraisals.files import DEFAULT_SETTINGS
from uplift.apps.appraisals.models import (
    Appraisal,
    AppraisalArea,
    AppraisalUnit,
    Characterization,
    EvidenceLink,
    GoalJudgment,
    PracticeJudgment,
)
from uplift.apps.library.selectors import RatingIndex, model_rating_index, practice_search
from uplift.domain.ratings import (
    AppraisalResult,
    AppraisalScope,
    AreaResult,
    GoalResult,
    GoalSpec,
    Judgment,
    PracticeResult,
    RatingSettings,
    aggregate_practice,
    rate_appraisal,
)
from uplift.domain.ratings import Characterization as CellValue
from uplift.domain.ratings import PracticeValue as EngineValue

__all__ = [
    "CELL_OPEN_FORM",
    "EMPTY",
    "Matrix",
    "MatrixArea",
    "MatrixAreaRating",
    "MatrixCell",
    "MatrixFilters",
    "MatrixGoal",
    "MatrixOutline",
    "MatrixRow",
    "MatrixUnit",
    "cell_dom_id",
    "iter_rows",
    "matrix_area_rating",
    "matrix_cell_content",
    "matrix_cell_get",
    "matrix_get",
    "matrix_outline",
    "practice_value_html",
]

EMPTY = "empty"  # the value filter's name for "not characterized"
CELL_OPEN_FORM = "cell-open"  # the id of the form around the table that opens cell editors


# -- the plan as the matrix shows it --------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class MatrixUnit:
    """A column: a basic unit or support function of the appraisal."""

    pk: int
    name: str
    kind: str
    instance: AppraisalUnit = dataclasses.field(repr=False, compare=False)

    @property
    def is_support_function(self) -> bool:
        return self.kind == UnitKind.SUPPORT_FUNCTION


@dataclasses.dataclass(frozen=True)
class MatrixOutline:
    """What the matrix rows and columns are made of, read in six queries.

    ``goals`` lists, per process area in scope, the goals the rating rates (the
    specific goals, GG 2, and GG 3 for continuous appraisals and staged targets of
    ML 3 and up, as ``uplift.domain.ratings.rate_appraisal`` decides).
    """

    index: RatingIndex
    in_scope: tuple[str, ...]
    not_applicable: tuple[str, ...]
    units: tuple[MatrixUnit, ...]
    area_names: dict[int, str]
    goal_titles: dict[int, str]
    practice_titles: dict[int, str]
    goals: dict[str, tuple[GoalSpec, ...]]

    def unit(self, pk: int) -> MatrixUnit | None:
        return next((unit for unit in self.units if unit.pk == pk), None)

    def area_abbreviation(self, area_id: int) -> str | None:
        return next((abbr for abbr, pk in self.index.areas.items() if pk == area_id), None)

    def practice_ref(self, area_id: int, practice_id: int) -> str | None:
        """The reference of a practice shown in the matrix (rated, area in scope), or None."""
        abbreviation = self.area_abbreviation(area_id)
        if abbreviation not in self.in_scope:
            return None
        for goal in self.goals[abbreviation]:
            for ref in goal.practices:
                if self.index.practices[ref] == (practice_id, area_id):
                    return ref
        return None

    def goal_of(self, practice_ref: str) -> GoalSpec:
        abbreviation = practice_ref.split(" ", 1)[0]
        return next(g for g in self.goals[abbreviation] if practice_ref in g.practices)


def _generic_levels(appraisal: Appraisal) -> tuple[int, ...]:
    """The generic goals' levels the engine rates (mirrors ``rate_appraisal``)."""
    staged = appraisal.representation == "staged"
    if not staged or (appraisal.target_maturity_level or 0) >= 3:
        return (2, 3)
    return (2,)


def matrix_outline(appraisal: Appraisal, *, titles: bool = True) -> MatrixOutline:
    """The rows' and columns' make-up of an appraisal's matrix; six queries at any size.

    Without ``titles`` the names of areas, goals and practices are not read (five
    queries): a cell save needs references only.
    """
    index = model_rating_index(appraisal.model)
    names = {area_id: abbr for abbr, area_id in index.areas.items()}
    in_scope: set[str] = set()
    not_applicable: set[str] = set()
    for area_id, scope in AppraisalArea.objects.filter(appraisal=appraisal).values_list(
        "process_area_id", "scope"
    ):
        (in_scope if scope == AreaScope.IN_SCOPE else not_applicable).add(names[area_id])
    units = sorted(
        AppraisalUnit.objects.filter(appraisal=appraisal),
        key=lambda unit: (unit.kind != UnitKind.BASIC_UNIT, unit.order, unit.pk),
    )
    area_names: dict[int, str] = {}
    goal_titles: dict[int, str] = {}
    practice_titles: dict[int, str] = {}
    if titles:
        # The library's practice list: every practice of the version for an empty query.
        for practice_id, title, goal_id, goal_title, area_id, area_name in practice_search(
            query="", model_reference=appraisal.model.reference
        ).values_list(
            "pk", "title", "goal_id", "goal__title", "process_area_id", "process_area__name"
        ):
            practice_titles[practice_id] = title
            goal_titles[goal_id] = goal_title
            if area_id is not None:
                area_names[area_id] = area_name
    levels = _generic_levels(appraisal)
    goals = {
        area.abbreviation: (
            *area.specific_goals,
            *(g for g in area.generic_goals if g.generic_level in levels),
        )
        for area in index.structure.areas
        if area.abbreviation in in_scope
    }
    order = list(index.areas)
    return MatrixOutline(
        index=index,
        in_scope=tuple(sorted(in_scope, key=order.index)),
        not_applicable=tuple(sorted(not_applicable, key=order.index)),
        units=tuple(MatrixUnit(u.pk, u.name, u.kind, u) for u in units),
        area_names=area_names,
        goal_titles=goal_titles,
        practice_titles=practice_titles,
        goals=goals,
    )


# -- the rating, from the matrix's own reads --------------------------------------------------

_CellKey = tuple[int, int, int]  # (process area id, practice id, unit id)


def _cell_values(appraisal: Appraisal, **where: Any) -> dict[_CellKey, str]:
    """Every cell's value by (area, practice, unit): one query, no JSON read."""
    return {
        (area_id, practice_id, unit_id): value
        for area_id, practice_id, unit_id, value in Characterization.objects.filter(
            appraisal=appraisal, **where
        )
        .order_by()
        .values_list("process_area_id", "practice_id", "unit_id", "value")
    }


# Cells without weaknesses are equal by value: one immutable instance each (17,000 cells).
_ENGINE_CELLS = {value: CellValue(EngineValue(value)) for value in PracticeValue.values}


def _rate(
    appraisal: Appraisal,
    outline: MatrixOutline,
    values: Mapping[_CellKey, str],
    areas: frozenset[str],
    settings: RatingSettings,
    **where: Any,
) -> AppraisalResult:
    """Rate ``areas`` from cell values already read, plus the judgments (two queries).

    The same rating as ``selectors.appraisal_rating`` (a test holds them equal) but
    from the matrix's single read of the cells: the goals' lists of weaknesses stay
    empty (the matrix does not show them; ratings do not depend on them). A recorded
    practice judgment that the current cells no longer allow is left out with a
    warning, as ``selectors.appraisal_rating_inputs`` does.
    """
    index = outline.index
    refs = {ids: ref for ref, ids in index.practices.items()}
    goal_refs = {ids: ref for ref, ids in index.goals.items()}
    cells: dict[str, dict[str, CellValue]] = defaultdict(dict)
    for (area_id, practice_id, unit_id), value in values.items():
        cells[refs[(practice_id, area_id)]][str(unit_id)] = _ENGINE_CELLS[value]
    warnings: list[str] = []
    practice_judgments: dict[str, Judgment] = {}
    for area_id, practice_id, value, rationale in (
        PracticeJudgment.objects.filter(appraisal=appraisal, **where)
        .order_by("pk")
        .values_list("process_area_id", "practice_id", "value", "rationale")
    ):
        ref = refs[(practice_id, area_id)]
        aggregate = aggregate_practice(c.value for c in cells.get(ref, {}).values())
        if aggregate.needs_judgment and value not in aggregate.candidates:
            warnings.append(
                f"{ref}: the recorded judgment {value} is no longer a candidate "
                f"({' or '.join(aggregate.candidates)}); judge it again"
            )
            continue
        practice_judgments[ref] = Judgment(value, rationale)
    goal_judgments = {
        goal_refs[(goal_id, area_id)]: Judgment(value, rationale)
        for area_id, goal_id, value, rationale in GoalJudgment.objects.filter(
            appraisal=appraisal, **where
        )
        .order_by("pk")
        .values_list("process_area_id", "goal_id", "value", "rationale")
    }
    scope = AppraisalScope(
        representation="staged" if appraisal.representation == "staged" else "continuous",
        areas=index.structure.areas,
        in_scope=areas,
        not_applicable=frozenset(outline.not_applicable),
        target_maturity_level=appraisal.target_maturity_level,
    )
    result = rate_appraisal(scope, cells, practice_judgments, goal_judgments, settings)
    if warnings:
        result = dataclasses.replace(result, warnings=(*warnings, *result.warnings))
    return result


# -- filters ----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class MatrixFilters:
    """Validated filters (``forms.matrix.MatrixFilterForm``); empty values filter nothing.

    ``areas``: abbreviations; ``goal``: a goal reference (``REQM SG 1``); ``value``:
    FI…NY or ``"empty"`` (rows with a cell of that value, or without a cell, at a shown
    unit); ``unit_kind``: a ``UnitKind`` (columns); ``needs_judgment``: rows whose
    instances call for a team judgment not yet recorded.
    """

    areas: frozenset[str] = frozenset()
    goal: str = ""
    value: str = ""
    unit_kind: str = ""
    needs_judgment: bool = False

    @property
    def active(self) -> bool:
        return bool(self.areas or self.goal or self.value or self.unit_kind or self.needs_judgment)


# -- the matrix ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class MatrixRow:
    """A practice of one process area: its cells (markup) and its OU-level result."""

    ref: str
    label: str  # "SP 1.1", "GP 2.1"
    title: str
    area_id: int
    practice_id: int
    result: PracticeResult | None
    value: SafeString  # the OU value's markup (practice_value_html)
    cells: SafeString


@dataclasses.dataclass(frozen=True)
class MatrixGoal:
    """A goal with the rows of its practices shown and its rating."""

    ref: str
    label: str  # "SG 1", "GG 2"
    title: str
    area_id: int
    goal_id: int
    result: GoalResult | None
    rows: tuple[MatrixRow, ...]

    @property
    def dom_id(self) -> str:
        return goal_dom_id(self.area_id, self.goal_id)


@dataclasses.dataclass(frozen=True)
class MatrixArea:
    """A process area in scope with its goals shown, its rating and capability level."""

    abbreviation: str
    name: str
    area_id: int
    result: AreaResult | None
    goals: tuple[MatrixGoal, ...]

    @property
    def dom_id(self) -> str:
        return area_dom_id(self.area_id)


@dataclasses.dataclass(frozen=True)
class Matrix:
    """The page's table: the units shown (columns) and the areas, goals and rows shown.

    ``cell_count`` counts the cells shown and ``characterized`` those with a value;
    ``evidence_missing`` those with a value but no evidence linked.
    """

    units: tuple[MatrixUnit, ...]
    areas: tuple[MatrixArea, ...]
    not_applicable: tuple[str, ...]
    result: AppraisalResult
    row_count: int
    cell_count: int
    characterized: int
    evidence_missing: int

    @property
    def column_count(self) -> int:
        """Every column: the practice, its OU value and one per unit."""
        return len(self.units) + 2


def practice_dom_id(area_id: int, practice_id: int) -> str:
    return f"o{area_id}-{practice_id}"


def goal_dom_id(area_id: int, goal_id: int) -> str:
    return f"g{area_id}-{goal_id}"


def area_dom_id(area_id: int) -> str:
    return f"a{area_id}"


def cell_dom_id(area_id: int, practice_id: int, unit_id: int) -> str:
    return f"c{area_id}-{practice_id}-{unit_id}"


_VALUES = frozenset(PracticeValue.values)
_DASH = "\N{EN DASH}"  # shown for "no value"; screen readers get the words instead
_NOT_CHARACTERIZED = (
    f'<span aria-hidden="true">{_DASH}</span><span class="visually-hidden">none</span>'
)
_NOT_CHARACTERIZED_OU = (
    f'<span aria-hidden="true">{_DASH}</span><span class="visually-hidden">not characterized</span>'
)


def matrix_cell_content(
    area_id: int,
    practice_id: int,
    unit_id: int,
    value: str | None,
    evidence: int,
    *,
    editable: bool,
    autofocus: bool = False,
) -> str:
    """The inside of one cell: its value as text and class, and its evidence count.

    Editable cells are submit buttons of the ``cell-open`` form that wraps the table,
    each with the cell's editor as ``formaction`` (relative to the matrix page): htmx
    loads the editor into the cell, and without JavaScript the button opens the
    editor page. (Not ``form="cell-open"`` on each button outside a form: Chromium
    then parses 17,000 cells in 20 s instead of 1.) A value without evidence gets the
    ``ne`` class and shows its count, 0.
    """
    if value is not None and value not in _VALUES:  # never from the database's choices
        raise ValueError(f"not a characterization value: {value!r}")
    css = f"v {value}" if value else "v"
    text = value or _NOT_CHARACTERIZED
    if value and not evidence:
        css += " ne"
        text += "<small>0</small>"
    elif evidence:
        text += f"<small>{int(evidence)}</small>"
    if not editable:
        return f'<span class="{css}">{text}</span>'
    focus = " autofocus" if autofocus else ""
    return (
        f'<button class="{css}" formaction="cells/{int(area_id)}/{int(practice_id)}/'
        f'{int(unit_id)}/"{focus}>{text}</button>'
    )


def practice_value_html(
    area_id: int, practice_id: int, result: PracticeResult | None, *, oob: bool = False
) -> SafeString:
    """A practice's organizational-unit value: the value (judged or not), the judgment the
    team must make (``judgment: LI or PI``), or not characterized. ``oob`` marks it for an
    htmx out-of-band swap."""
    start = f'<span id="{practice_dom_id(area_id, practice_id)}" class="v'
    swap = ' hx-swap-oob="true"' if oob else ""
    if result is None or not result.candidates:
        html = f'{start}"{swap}>{_NOT_CHARACTERIZED_OU}</span>'
    elif result.value is not None:
        judged = " <small>judged</small>" if result.judged else ""
        html = f'{start} {result.value.value}"{swap}>{result.value.value}{judged}</span>'
    else:
        candidates = " or ".join(c.value for c in result.candidates)
        html = f'{start} nj"{swap}>judgment: {candidates}</span>'
    return mark_safe(html)  # noqa: S308  (integers and the engine's fixed values only)


def _row_cells(
    area_id: int,
    practice_id: int,
    units: Iterable[MatrixUnit],
    values: Mapping[tuple[int, int, int], str],
    evidence: Mapping[tuple[int, int, int], int],
    editable: bool,
) -> str:
    parts = []
    for unit in units:
        key = (area_id, practice_id, unit.pk)
        content = matrix_cell_content(
            area_id, practice_id, unit.pk, values.get(key), evidence.get(key, 0), editable=editable
        )
        parts.append(f'<td id="c{area_id}-{practice_id}-{unit.pk}">{content}</td>')
    return "".join(parts)


def _evidence_counts(appraisal: Appraisal, **where: Any) -> dict[tuple[int, int, int], int]:
    """Evidence links per (process area, practice, unit): one ``GROUP BY`` query."""
    return {
        (area_id, practice_id, unit_id): count
        for area_id, practice_id, unit_id, count in EvidenceLink.objects.filter(
            appraisal=appraisal, **where
        )
        .order_by()
        .values("process_area_id", "practice_id", "unit_id")
        .annotate(count=Count("pk"))
        .values_list("process_area_id", "practice_id", "unit_id", "count")
    }


def _matches(
    filters: MatrixFilters,
    row_values: list[str | None],
    result: PracticeResult | None,
) -> bool:
    if filters.needs_judgment and not (result and result.needs_judgment and not result.judged):
        return False
    if filters.value == EMPTY:
        return None in row_values
    if filters.value:
        return filters.value in row_values
    return True


def matrix_get(
    appraisal: Appraisal,
    *,
    outline: MatrixOutline,
    filters: MatrixFilters = MatrixFilters(),
    editable: bool = False,
    settings: RatingSettings = DEFAULT_SETTINGS,
) -> Matrix:
    """The matrix for the filters: four queries at any size (cells, evidence, judgments).

    ``editable`` makes every cell a button that opens its editor (``views.matrix``
    decides it from ``permissions.appraisal_can_work``).
    """
    values = _cell_values(appraisal)
    evidence = _evidence_counts(appraisal)
    result = _rate(appraisal, outline, values, frozenset(outline.in_scope), settings)
    units = tuple(
        unit for unit in outline.units if not filters.unit_kind or unit.kind == filters.unit_kind
    )
    index = outline.index
    areas: list[MatrixArea] = []
    row_count = cell_count = characterized = evidence_missing = 0
    for abbreviation in outline.in_scope:
        if filters.areas and abbreviation not in filters.areas:
            continue
        area_id = index.areas[abbreviation]
        goals: list[MatrixGoal] = []
        for goal in outline.goals[abbreviation]:
            if filters.goal and goal.ref != filters.goal:
                continue
            rows: list[MatrixRow] = []
            for ref in goal.practices:
                practice_id = index.practices[ref][0]
                practice_result = result.practices.get(ref)
                row_values = [values.get((area_id, practice_id, unit.pk)) for unit in units]
                if filters.active and not _matches(filters, row_values, practice_result):
                    continue
                rows.append(
                    MatrixRow(
                        ref=ref,
                        label=ref.split(" ", 1)[1],
                        title=outline.practice_titles.get(practice_id, ""),
                        area_id=area_id,
                        practice_id=practice_id,
                        result=practice_result,
                        value=practice_value_html(area_id, practice_id, practice_result),
                        cells=mark_safe(  # noqa: S308  (integers and fixed strings only)
                            _row_cells(area_id, practice_id, units, values, evidence, editable)
                        ),
                    )
                )
                cell_count += len(units)
                for unit, value in zip(units, row_values, strict=True):
                    if value is not None:
                        characterized += 1
                        if not evidence.get((area_id, practice_id, unit.pk)):
                            evidence_missing += 1
            if rows:
                goal_id = index.goals[goal.ref][0]
                goals.append(
                    MatrixGoal(
                        ref=goal.ref,
                        label=goal.ref.split(" ", 1)[1],
                        title=outline.goal_titles.get(goal_id, ""),
                        area_id=area_id,
                        goal_id=goal_id,
                        result=result.goals.get(goal.ref),
                        rows=tuple(rows),
                    )
                )
                row_count += len(rows)
        if goals:
            areas.append(
                MatrixArea(
                    abbreviation=abbreviation,
                    name=outline.area_names.get(area_id, ""),
                    area_id=area_id,
                    result=result.areas.get(abbreviation),
                    goals=tuple(goals),
                )
            )
    return Matrix(
        units=units,
        areas=tuple(areas),
        not_applicable=outline.not_applicable,
        result=result,
        row_count=row_count,
        cell_count=cell_count,
        characterized=characterized,
        evidence_missing=evidence_missing,
    )


# -- one cell ----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class MatrixCell:
    """One cell of the matrix as its editor shows it (value None: not characterized)."""

    area_id: int
    practice_id: int
    unit: MatrixUnit
    ref: str
    title: str
    value: str | None
    notes: str
    weaknesses: tuple[str, ...]
    strengths: tuple[str, ...]
    evidence: int

    @property
    def dom_id(self) -> str:
        return cell_dom_id(self.area_id, self.practice_id, self.unit.pk)


def _texts(value: object) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(item) for item in value)
    return (str(value),) if value else ()


def matrix_cell_get(
    appraisal: Appraisal,
    *,
    outline: MatrixOutline,
    area_id: int,
    practice_id: int,
    unit_id: int,
    stored: bool = True,
) -> MatrixCell:
    """One cell shown in the matrix and its evidence count; two queries.

    Without ``stored`` the cell's value and texts are not read (one query: a save
    replaces them). Raises ``LookupError`` when the area is not in scope, the
    practice is not one the rating rates there, or the unit is not the appraisal's.
    """
    ref = outline.practice_ref(area_id, practice_id)
    unit = outline.unit(unit_id)
    if ref is None or unit is None:
        raise LookupError("no such cell in this appraisal's matrix")
    row = None
    if stored:
        row = (
            Characterization.objects.filter(
                appraisal=appraisal,
                process_area_id=area_id,
                practice_id=practice_id,
                unit_id=unit_id,
            )
            .values_list("value", "notes", "weaknesses", "strengths")
            .first()
        )
    value, notes, weaknesses, strengths = row or (None, "", [], [])
    evidence = EvidenceLink.objects.filter(
        appraisal=appraisal, process_area_id=area_id, practice_id=practice_id, unit_id=unit_id
    ).count()
    return MatrixCell(
        area_id=area_id,
        practice_id=practice_id,
        unit=unit,
        ref=ref,
        title=outline.practice_titles.get(practice_id, ""),
        value=value,
        notes=notes,
        weaknesses=_texts(weaknesses),
        strengths=_texts(strengths),
        evidence=evidence,
    )


# -- the rating of one process area, after a cell changed ------------------------------------------


@dataclasses.dataclass(frozen=True)
class MatrixAreaRating:
    """One process area rated alone, with what the page shows of the changed practice."""

    abbreviation: str
    area_id: int
    result: AreaResult
    practice: PracticeResult | None
    goal_ref: str
    goal_id: int
    goal: GoalResult | None
    warnings: tuple[str, ...]

    @property
    def goal_dom_id(self) -> str:
        return goal_dom_id(self.area_id, self.goal_id)

    @property
    def area_dom_id(self) -> str:
        return area_dom_id(self.area_id)


def matrix_area_rating(
    appraisal: Appraisal,
    *,
    outline: MatrixOutline,
    area_id: int,
    practice_ref: str,
    settings: RatingSettings = DEFAULT_SETTINGS,
) -> MatrixAreaRating:
    """Rate one process area from its own cells and judgments: three queries at any size.

    The engine rates the appraisal's scope narrowed to this area (an area's rating
    and capability level depend on its own goals only), so the time is bounded by
    one area's cells. The maturity level is not computed here: it needs every area.
    """
    abbreviation = next(abbr for abbr, pk in outline.index.areas.items() if pk == area_id)
    where = {"process_area_id": area_id}
    values = _cell_values(appraisal, **where)
    result = _rate(appraisal, outline, values, frozenset({abbreviation}), settings, **where)
    goal = outline.goal_of(practice_ref)
    return MatrixAreaRating(
        abbreviation=abbreviation,
        area_id=area_id,
        result=result.areas[abbreviation],
        practice=result.practices.get(practice_ref),
        goal_ref=goal.ref,
        goal_id=outline.index.goals[goal.ref][0],
        goal=result.goals.get(goal.ref),
        warnings=result.warnings,
    )


def iter_rows(matrix: Matrix) -> Iterator[MatrixRow]:
    """Every row shown, in order (for tests and exports)."""
    for area in matrix.areas:
        for goal in area.goals:
            yield from goal.rows
