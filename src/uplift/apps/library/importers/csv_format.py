"""Flat CSV: one row per practice (docs/model-format.md, "Flat CSV").

Columns, in any order, headers as written (extra columns are an error, so that a typo
does not silently drop data):

required  model_id, model_name, version, process_area, process_area_name, goal,
          goal_title, practice, practice_title
optional  category, maturity_level, purpose, optional, goal_summary, capability_level,
          summary, description, parent

- ``model_id``, ``model_name`` and ``version`` are the same on every row;
- a row with an empty ``process_area`` holds a generic goal and practice;
- ``optional`` marks an optional process area: true/false, yes/no or 1/0;
- columns describing a process area or goal (name, category, maturity level, purpose,
  goal title and summary, capability level) must agree on every row that repeats them;
  an empty cell on a later row means "same as before";
- ``parent`` is the id of an earlier practice of the same goal: the row is a nested
  practice (e.g. a control enhancement);
- categories are created in the order they first appear.

The delimiter is a comma, semicolon or tab (sniffed from the header); UTF-8 with or
without a byte-order mark. Problems name the row's line and the column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from uplift.apps.library.choices import ModelFormat
from uplift.apps.library.errors import LibraryImportError, Problem
from uplift.apps.library.importers.document import (
    CategoryDoc,
    GoalDoc,
    ModelDocument,
    PracticeDoc,
    ProcessAreaDoc,
)

REQUIRED_COLUMNS = (
    "model_id",
    "model_name",
    "version",
    "process_area",
    "process_area_name",
    "goal",
    "goal_title",
    "practice",
    "practice_title",
)
OPTIONAL_COLUMNS = (
    "category",
    "maturity_level",
    "purpose",
    "optional",
    "goal_summary",
    "capability_level",
    "summary",
    "description",
    "parent",
)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
# The order the exporter writes.
EXPORT_COLUMNS = (
    "model_id",
    "model_name",
    "version",
    "process_area",
    "process_area_name",
    "category",
    "maturity_level",
    "purpose",
    "optional",
    "goal",
    "goal_title",
    "goal_summary",
    "capability_level",
    "practice",
    "practice_title",
    "parent",
    "summary",
    "description",
)


@dataclass
class _Practice:
    identifier: str
    title: str
    summary: str
    description: str
    children: list[_Practice] = field(default_factory=list)

    def freeze(self) -> PracticeDoc:
        return PracticeDoc(
            identifier=self.identifier,
            title=self.title,
            summary=self.summary,
            description=self.description,
            practices=tuple(child.freeze() for child in self.children),
        )


@dataclass
class _Goal:
    identifier: str
    attributes: dict[str, str]
    practices: list[_Practice] = field(default_factory=list)
    index: dict[str, _Practice] = field(default_factory=dict)


@dataclass
class _Area:
    abbreviation: str
    attributes: dict[str, str]
    goals: dict[str, _Goal] = field(default_factory=dict)


_AREA_COLUMNS = ("process_area_name", "category", "maturity_level", "purpose", "optional")
_BOOLEANS = {"true": "true", "yes": "true", "1": "true", "false": "", "no": "", "0": ""}
_GOAL_COLUMNS = ("goal_title", "goal_summary", "capability_level")


def parse_csv(text: str, *, filename: str, identifier: str | None = None) -> ModelDocument:
    """Parse a flat CSV text; raises ``LibraryImportError`` with every bad row and column."""
    problems: list[Problem] = []

    def problem(message: str, line: int | None, column: str = "") -> None:
        problems.append(Problem(message, file=filename, line=line, field=column))

    text = text.removeprefix("\ufeff")
    header_line = text.split("\n", 1)[0]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(header_line, ",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise LibraryImportError([Problem("the file is empty", file=filename, line=1)]) from None
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    unknown = [name for name in header if name not in COLUMNS]
    for name in missing:
        problem(f"the required column {name!r} is missing", 1, name)
    for name in unknown:
        problem(f"unknown column {name!r} (known: {', '.join(COLUMNS)})", 1, name)
    if problems:
        raise LibraryImportError(problems)

    model: dict[str, str] = {}
    areas: dict[str, _Area] = {}
    generic: dict[str, _Goal] = {}
    categories: list[str] = []
    previous_end = reader.line_num
    rows = 0
    for cells in reader:
        line = previous_end + 1
        previous_end = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        rows += 1
        if len(cells) != len(header):
            problem(f"the row has {len(cells)} cells; the header has {len(header)}", line)
            continue
        row = {name: cell.strip() for name, cell in zip(header, cells, strict=True)}
        for name in ("model_id", "model_name", "version"):
            value = row[name]
            if not value:
                if name not in model:
                    problem(f"{name} is empty", line, name)
                continue
            if model.setdefault(name, value) != value:
                problem(
                    f"{name} {value!r} differs from {model[name]!r} on the rows above", line, name
                )
        for name in ("goal", "goal_title", "practice", "practice_title"):
            if not row[name]:
                problem(f"{name} is empty", line, name)
        for name in ("maturity_level", "capability_level"):
            value = row.get(name, "")
            if value and not (value.isdigit() and 0 <= int(value) <= 5):
                problem(f"{name} must be a whole number from 0 to 5, not {value!r}", line, name)
                row[name] = ""  # reported once; not compared with other rows
        flag = row.get("optional", "")
        if flag:
            if flag.lower() not in _BOOLEANS:
                problem(f"optional must be true or false, not {flag!r}", line, "optional")
            row["optional"] = _BOOLEANS.get(flag.lower(), "")
        if not row["goal"] or not row["practice"]:
            continue

        abbreviation = row["process_area"]
        if abbreviation:
            if not row["process_area_name"] and abbreviation not in areas:
                problem("process_area_name is empty", line, "process_area_name")
            area = areas.setdefault(abbreviation, _Area(abbreviation, {}))
            _agree(
                area.attributes, row, _AREA_COLUMNS, line, problem, f"process area {abbreviation!r}"
            )
            category = row.get("category", "")
            if category and category not in categories:
                categories.append(category)
            goals = area.goals
        else:
            for name in _AREA_COLUMNS:
                if row.get(name):
                    problem(
                        f"{name} is set but process_area is empty (a generic practice row)",
                        line,
                        name,
                    )
            goals = generic
        goal = goals.setdefault(row["goal"], _Goal(row["goal"], {}))
        _agree(goal.attributes, row, _GOAL_COLUMNS, line, problem, f"goal {row['goal']!r}")
        if abbreviation and row.get("capability_level"):
            problem("capability_level is only for generic goals", line, "capability_level")

        practice_id = row["practice"]
        if practice_id in goal.index:
            problem(
                f"practice {practice_id!r} is listed twice in goal {goal.identifier!r}",
                line,
                "practice",
            )
            continue
        practice = _Practice(
            practice_id, row["practice_title"], row.get("summary", ""), row.get("description", "")
        )
        parent_id = row.get("parent", "")
        if parent_id:
            parent = goal.index.get(parent_id)
            if parent is None:
                problem(
                    f"parent {parent_id!r} is not an earlier practice of goal {goal.identifier!r}",
                    line,
                    "parent",
                )
                continue
            parent.children.append(practice)
        else:
            goal.practices.append(practice)
        goal.index[practice_id] = practice

    if not rows and not problems:
        problem("the file has a header but no rows", 2)
    if problems:
        raise LibraryImportError(problems)
    return ModelDocument(
        identifier=identifier or model["model_id"],
        version=model["version"],
        name=model["model_name"],
        format=ModelFormat.CSV.value,
        categories=tuple(CategoryDoc(name=name) for name in categories),
        process_areas=tuple(
            ProcessAreaDoc(
                abbreviation=area.abbreviation,
                name=area.attributes.get("process_area_name", ""),
                category=area.attributes.get("category", ""),
                maturity_level=_int(area.attributes.get("maturity_level", "")),
                purpose=area.attributes.get("purpose", ""),
                optional=area.attributes.get("optional") == "true",
                goals=tuple(_goal(goal, generic=False) for goal in area.goals.values()),
            )
            for area in areas.values()
        ),
        generic_goals=tuple(_goal(goal, generic=True) for goal in generic.values()),
        filename=filename,
    )


def _agree(
    known: dict[str, str],
    row: dict[str, str],
    columns: tuple[str, ...],
    line: int,
    problem: Callable[[str, int | None, str], None],
    what: str,
) -> None:
    """Record the row's values for ``columns``; a different non-empty value is a problem."""
    for name in columns:
        value = row.get(name, "")
        if not value:
            continue
        before = known.setdefault(name, value)
        if before != value:
            problem(f"{name} {value!r} differs from {before!r} given for {what} above", line, name)


def _int(value: str) -> int | None:
    return int(value) if value else None


def _goal(goal: _Goal, *, generic: bool) -> GoalDoc:
    return GoalDoc(
        identifier=goal.identifier,
        title=goal.attributes.get("goal_title", ""),
        summary=goal.attributes.get("goal_summary", ""),
        capability_level=_int(goal.attributes.get("capability_level", "")) if generic else None,
        practices=tuple(practice.freeze() for practice in goal.practices),
    )
