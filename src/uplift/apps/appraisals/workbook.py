"""The XLSX export of an appraisal's matrix, for teams that work in spreadsheets.

Three sheets:

- **Matrix**: one row per practice, grouped by process area and goal (model order),
  one column per unit with the cell's value (coloured, the value written out), then
  the organizational-unit value; the header row and the practice columns stay in
  view (frozen panes) and every column filters (autofilter);
- **Ratings**: the levels, then per process area its rating and capability level,
  each followed by its goals' ratings and reasons;
- **Weaknesses**: one row per weakness recorded at a cell (practice, unit, value, text).

Every text from the appraisal is written as a string, never a formula: a text that
starts with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) is prefixed with
``'`` so a spreadsheet shows it instead of evaluating it (CSV/formula injection).
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, NamedStyle, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from uplift.apps.appraisals.analysis import ModelTitles, model_titles
from uplift.apps.appraisals.models import Appraisal
from uplift.apps.appraisals.selectors import AppraisalRows, appraisal_rating, appraisal_rows
from uplift.domain.ratings import AppraisalResult

__all__ = ["XLSX_CONTENT_TYPE", "appraisal_matrix_workbook", "safe_text"]

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Fills by value, light enough for black text; the value is always written too.
FILLS = {
    "FI": "BBF7D0",
    "LI": "D9F99D",
    "PI": "FDE68A",
    "NI": "FECACA",
    "NY": "E5E7EB",
}
HEADER_FILL = PatternFill("solid", fgColor="E5E9F0")
BOLD = Font(bold=True)
CENTRED = Alignment(horizontal="center")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: Any) -> Any:
    """A string a spreadsheet will not evaluate: formula-like texts get a leading ``'``."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _append(sheet: Worksheet, values: list[Any]) -> None:
    sheet.append([safe_text(value) for value in values])


def _header(sheet: Worksheet, values: list[str], row: int) -> None:
    """Append ``values`` as the header row, which is row ``row`` of the sheet."""
    _append(sheet, values)
    for column in range(1, len(values) + 1):
        cell = sheet.cell(row=row, column=column)
        cell.font = BOLD
        cell.fill = HEADER_FILL


def _widths(sheet: Worksheet, widths: list[int]) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def _value_styles(workbook: Workbook) -> dict[str, str]:
    """One named style per value (a named style is set far faster than a fill per cell)."""
    names = {}
    for value, colour in FILLS.items():
        name = f"Uplift {value}"
        workbook.add_named_style(
            NamedStyle(name=name, fill=PatternFill("solid", fgColor=colour), alignment=CENTRED)
        )
        names[value] = name
    workbook.add_named_style(NamedStyle(name="Uplift none", alignment=CENTRED))
    names[""] = "Uplift none"
    return names


def _matrix(
    sheet: Worksheet,
    rows: AppraisalRows,
    result: AppraisalResult,
    titles: ModelTitles,
    styles: dict[str, str],
) -> None:
    units = [unit.name for unit in rows.units]
    _header(sheet, ["Process area", "Goal", "Practice", "Title", *units, "Organizational unit"], 1)
    first_unit_column = 5
    row = 1  # worksheet.max_row walks every cell: count the rows instead
    for abbreviation in rows.in_scope:
        spec = next(a for a in rows.index.structure.areas if a.abbreviation == abbreviation)
        for goal in (*spec.specific_goals, *spec.generic_goals):
            if goal.ref not in result.goals and not any(p in rows.cells for p in goal.practices):
                continue  # a generic goal the appraisal does not rate, and no cell of it
            for ref in goal.practices:
                cells = rows.cells.get(ref, {})
                practice = result.practices.get(ref)
                ou_value = practice.value.value if practice and practice.value else ""
                if practice and practice.needs_judgment and not practice.judged:
                    ou_value = "/".join(c.value for c in practice.candidates) + "?"
                values = [cells[unit][0] if unit in cells else "" for unit in units]
                _append(
                    sheet,
                    [abbreviation, goal.ref, ref, titles.practices.get(ref, ""), *values, ou_value],
                )
                row += 1
                for offset, value in enumerate([*values, ou_value]):
                    cell = sheet.cell(row=row, column=first_unit_column + offset)
                    cell.style = styles.get(value, styles[""])
    sheet.freeze_panes = sheet.cell(row=2, column=first_unit_column)
    last = get_column_letter(first_unit_column + len(units))
    sheet.auto_filter.ref = f"A1:{last}{max(row, 2)}"
    _widths(sheet, [12, 12, 15, 48, *(max(8, len(u) + 2) for u in units), 20])


def _ratings(
    sheet: Worksheet,
    appraisal: Appraisal,
    rows: AppraisalRows,
    result: AppraisalResult,
    titles: ModelTitles,
) -> None:
    def level(value: int | None) -> Any:
        return value if value is not None else "not reached or undetermined"

    facts: list[tuple[str, Any]] = [
        ("Appraisal", appraisal.name),
        ("Model", appraisal.model.reference),
        ("Representation", appraisal.representation),
    ]
    if appraisal.representation == "staged":
        facts += [
            ("Target maturity level", appraisal.target_maturity_level),
            ("Maturity level", level(result.maturity_level)),
        ]
    else:
        facts.append(("Equivalent maturity level", level(result.equivalent_maturity_level)))
    facts.append(("Open judgments", len(result.open_judgments)))
    for label, value in facts:
        _append(sheet, [label, value])
    for row in range(1, len(facts) + 1):
        sheet.cell(row=row, column=1).font = BOLD
    sheet.append([])
    header_row = len(facts) + 2
    _header(
        sheet, ["Process area", "Goal", "Title", "Rating", "Capability level", "Reason"], header_row
    )
    row = header_row
    for abbreviation in (*rows.in_scope, *rows.not_applicable):
        area = result.areas.get(abbreviation)
        if area is None:
            continue
        name = titles.areas.get(abbreviation, "")
        _append(sheet, [abbreviation, "", name, area.rating.value, area.capability_level, ""])
        row += 1
        for column in range(1, 7):
            sheet.cell(row=row, column=column).font = BOLD
        spec = next(a for a in rows.index.structure.areas if a.abbreviation == abbreviation)
        for goal in (*spec.specific_goals, *spec.generic_goals):
            rated = result.goals.get(goal.ref)
            if rated is None:
                continue
            title = titles.goals.get(goal.ref, "")
            _append(sheet, [abbreviation, goal.ref, title, rated.rating.value, None, rated.reason])
            row += 1
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    _widths(sheet, [22, 12, 40, 16, 16, 70])


def _weaknesses(sheet: Worksheet, rows: AppraisalRows) -> None:
    _header(sheet, ["Practice", "Process area", "Unit", "Value", "Weakness"], 1)
    row = 1
    order = {unit.name: n for n, unit in enumerate(rows.units)}
    for abbreviation in rows.in_scope:
        spec = next(a for a in rows.index.structure.areas if a.abbreviation == abbreviation)
        for goal in (*spec.specific_goals, *spec.generic_goals):
            for ref in goal.practices:
                cells = rows.cells.get(ref, {})
                for unit in sorted(cells, key=lambda name: order.get(name, len(order))):
                    value, weaknesses, _, _ = cells[unit]
                    for weakness in weaknesses:
                        _append(sheet, [ref, abbreviation, unit, value, weakness])
                        row += 1
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:E{max(row, 2)}"
    _widths(sheet, [15, 12, 16, 8, 80])


def appraisal_matrix_workbook(appraisal: Appraisal) -> bytes:
    """The appraisal's matrix, ratings and weaknesses as an XLSX file (bytes).

    Not permission-scoped: the caller has checked that the user may see the appraisal.
    """
    rows = appraisal_rows(appraisal, details=False)
    result = appraisal_rating(appraisal)
    titles = model_titles(appraisal, rows.index)
    workbook = Workbook()
    workbook.remove(workbook.worksheets[0])  # the blank default sheet
    _matrix(workbook.create_sheet("Matrix"), rows, result, titles, _value_styles(workbook))
    _ratings(workbook.create_sheet("Ratings"), appraisal, rows, result, titles)
    _weaknesses(workbook.create_sheet("Weaknesses"), rows)
    workbook.properties.title = safe_text(f"{appraisal.name}: practice matrix")
    workbook.properties.creator = "Uplift"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
