"""The appraisal exchange format (``uplift: appraisal/1``), checked against a model.

Two steps, both pure:

1. :func:`parse_appraisal` turns the loaded YAML/JSON mapping into an
   :class:`AppraisalDocument`, reporting every shape problem with its JSON path (and
   line, when the caller passes a ``locate`` function for the source text).
2. :func:`resolve_scope` checks the document against a :class:`ModelStructure` (the
   process areas, goals and practices of the model version it names) and returns the
   rating engine's inputs. Every practice, goal, area or unit the file names that the
   model or the plan does not have is a located problem.

Nothing is rated or written here; ``docs/appraisal-format.md`` documents the format.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from uplift.domain.errors import InvalidDocument, Problem
from uplift.domain.ratings import (
    AppraisalScope,
    AreaSpec,
    Characterization,
    Judgment,
    PracticeValue,
    normalize_goal_ref,
    normalize_practice_ref,
)

__all__ = [
    "FORMAT_MARKER",
    "AppraisalDocument",
    "ModelStructure",
    "RatingInputs",
    "parse_appraisal",
    "resolve_scope",
    "split_model_reference",
]

FORMAT_MARKER = "appraisal/1"
_TOP_LEVEL = {
    "uplift",
    "model",
    "name",
    "class",
    "organizational_unit",
    "representation",
    "target_maturity_level",
    "process_areas",
    "not_applicable",
    "basic_units",
    "support_functions",
    "characterizations",
    "judgments",
    "notes",
}
_CELL_KEYS = {"value", "weaknesses", "strengths", "notes"}

Locate = Callable[[str], int | None]


@dataclass(frozen=True)
class CellInput:
    """One practice at one unit as the file gives it."""

    value: PracticeValue
    weaknesses: tuple[str, ...] = ()
    strengths: tuple[str, ...] = ()
    notes: str = ""


@dataclass(frozen=True)
class AppraisalDocument:
    """A parsed appraisal file; references are normalized (``REQM SP 1.1``)."""

    model: str
    version: str | None
    representation: Literal["staged", "continuous"]
    target_maturity_level: int | None
    process_areas: tuple[str, ...]
    not_applicable: tuple[str, ...]
    basic_units: tuple[str, ...]
    support_functions: tuple[str, ...]
    characterizations: Mapping[str, Mapping[str, CellInput]]
    practice_judgments: Mapping[str, Judgment]
    goal_judgments: Mapping[str, Judgment]
    name: str = ""
    appraisal_class: str = ""
    organizational_unit: str = ""
    paths: Mapping[str, str] = field(default_factory=dict)  # normalized ref → JSON path

    @property
    def units(self) -> tuple[str, ...]:
        return self.basic_units + self.support_functions


@dataclass(frozen=True)
class ModelStructure:
    """What the rating needs of a model version: its areas with goals and practices.

    ``areas`` carry their generic goals (``REQM GG 2`` with ``REQM GP 2.1`` …) for the
    levels the model rates; ``extra_practices`` are references that exist but are not
    rated (e.g. ``REQM GP 1.1``, implied by the specific goals).
    """

    identifier: str
    version: str
    areas: tuple[AreaSpec, ...]
    extra_practices: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RatingInputs:
    """The engine's arguments, ready for :func:`uplift.domain.ratings.rate_appraisal`."""

    scope: AppraisalScope
    characterizations: Mapping[str, Mapping[str, Characterization]]
    practice_judgments: Mapping[str, Judgment]
    goal_judgments: Mapping[str, Judgment]
    warnings: tuple[str, ...]


def split_model_reference(text: str) -> tuple[str, str | None]:
    """``CMMI-DEV@1.3`` → (``CMMI-DEV``, ``1.3``); ``CMMI-DEV`` → (``CMMI-DEV``, None)."""
    identifier, _, version = text.partition("@")
    return identifier.strip(), (version.strip() or None)


class _Collector:
    def __init__(self, filename: str, locate: Locate | None) -> None:
        self.filename = filename
        self.locate = locate
        self.problems: list[Problem] = []

    def add(self, path: str, message: str, field_name: str = "") -> None:
        line = self.locate(path) if self.locate else None
        self.problems.append(Problem(message, self.filename, line, path, field_name))

    def raise_if_any(self) -> None:
        if self.problems:
            raise InvalidDocument(self.problems)


def _str_list(data: Mapping[str, Any], key: str, out: _Collector) -> tuple[str, ...]:
    raw = data.get(key, [])
    if not isinstance(raw, list) or not all(isinstance(x, str) and x.strip() for x in raw):
        out.add(f"$.{key}", "must be a list of names", key)
        return ()
    items = tuple(x.strip() for x in raw)
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item in seen:
            out.add(f"$.{key}[{index}]", f"{item!r} is listed twice", key)
        seen.add(item)
    return items


def _text_list(value: Any, path: str, out: _Collector) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(x, str) for x in value):
        return tuple(value)
    out.add(path, "must be a text or a list of texts")
    return ()


def _judgments(
    raw: Any, path: str, normalize: Callable[[str], str | None], kind: str, out: _Collector
) -> tuple[dict[str, Judgment], dict[str, str]]:
    result: dict[str, Judgment] = {}
    paths: dict[str, str] = {}
    if raw is None:
        return result, paths
    if not isinstance(raw, dict):
        out.add(path, f"must map {kind} references to {{value, rationale}}")
        return result, paths
    for key, body in raw.items():
        here = f"{path}.{key}" if " " not in str(key) else f'{path}["{key}"]'
        ref = normalize(str(key))
        if ref is None:
            out.add(here, f"{key!r} is not a {kind} reference")
            continue
        if not isinstance(body, dict) or set(body) - {"value", "rationale"}:
            out.add(here, "must be {value: …, rationale: …}")
            continue
        value, rationale = body.get("value"), body.get("rationale")
        if not isinstance(value, str) or not value:
            out.add(here, "needs a value", "value")
            continue
        if not isinstance(rationale, str) or not rationale.strip():
            out.add(here, "needs a rationale: every judgment says why", "rationale")
            continue
        result[ref] = Judgment(value.strip(), rationale.strip())
        paths[ref] = here
    return result, paths


def _key_path(parent: str, key: str) -> str:
    return f'{parent}["{key}"]'


def parse_appraisal(
    data: Any, *, filename: str = "", locate: Locate | None = None
) -> AppraisalDocument:
    """Check the shape of an appraisal file and normalize it.

    Raises :class:`InvalidDocument` listing every problem found, each with its path.
    """
    out = _Collector(filename, locate)
    if not isinstance(data, dict):
        out.add("$", "an appraisal file is a mapping with 'uplift: appraisal/1' at the top")
        out.raise_if_any()
    for key in data:
        if key not in _TOP_LEVEL:
            out.add(f"$.{key}", f"unknown key {key!r}", str(key))
    if data.get("uplift") != FORMAT_MARKER:
        out.add("$.uplift", f"must be {FORMAT_MARKER!r}", "uplift")
    model = data.get("model")
    identifier, version = ("", None)
    if not isinstance(model, str) or not model.strip():
        out.add("$.model", "names the model, e.g. CMMI-DEV or CMMI-DEV@1.3", "model")
    else:
        identifier, version = split_model_reference(model)
    representation = data.get("representation")
    if representation not in ("staged", "continuous"):
        out.add("$.representation", "must be staged or continuous", "representation")
    target = data.get("target_maturity_level")
    if representation == "staged":
        if not isinstance(target, int) or isinstance(target, bool) or not 2 <= target <= 5:
            out.add(
                "$.target_maturity_level",
                "a staged appraisal needs a target maturity level from 2 to 5",
                "target_maturity_level",
            )
    elif target is not None:
        out.add("$.target_maturity_level", "only staged appraisals have a target maturity level")
    process_areas = tuple(a.upper() for a in _str_list(data, "process_areas", out))
    if representation == "continuous" and not process_areas:
        out.add("$.process_areas", "a continuous appraisal lists its process areas")
    not_applicable = tuple(a.upper() for a in _str_list(data, "not_applicable", out))
    basic_units = _str_list(data, "basic_units", out)
    support_functions = _str_list(data, "support_functions", out)
    if not basic_units and not support_functions:
        out.add("$.basic_units", "list at least one basic unit", "basic_units")
    for index, unit in enumerate(support_functions):
        if unit in basic_units:
            out.add(f"$.support_functions[{index}]", f"{unit!r} is also a basic unit")

    characterizations: dict[str, dict[str, CellInput]] = {}
    paths: dict[str, str] = {}
    raw_chars = data.get("characterizations", {}) or {}
    if not isinstance(raw_chars, dict):
        out.add("$.characterizations", "must map practice references to {unit: value}")
        raw_chars = {}
    for key, cells in raw_chars.items():
        here = _key_path("$.characterizations", str(key))
        ref = normalize_practice_ref(str(key))
        if ref is None:
            out.add(here, f"{key!r} is not a practice reference like 'REQM SP 1.1'")
            continue
        if ref in characterizations:
            out.add(here, f"{ref} is characterized twice (as {paths[ref]} too)")
            continue
        if not isinstance(cells, dict):
            out.add(here, "must map units to values, e.g. {alpha: FI}")
            continue
        row: dict[str, CellInput] = {}
        for unit, cell in cells.items():
            cell_path = f"{here}.{unit}"
            cell_input = _cell(cell, cell_path, out)
            if cell_input is not None:
                row[str(unit)] = cell_input
        characterizations[ref] = row
        paths[ref] = here

    raw_judgments = data.get("judgments") or {}
    if not isinstance(raw_judgments, dict) or set(raw_judgments) - {"practices", "goals"}:
        out.add("$.judgments", "has two parts: practices and goals")
        raw_judgments = {}
    practice_judgments, practice_paths = _judgments(
        raw_judgments.get("practices"),
        "$.judgments.practices",
        normalize_practice_ref,
        "practice",
        out,
    )
    goal_judgments, goal_paths = _judgments(
        raw_judgments.get("goals"), "$.judgments.goals", normalize_goal_ref, "goal", out
    )
    out.raise_if_any()
    return AppraisalDocument(
        model=identifier,
        version=version,
        representation=representation,  # checked above
        target_maturity_level=target if representation == "staged" else None,
        process_areas=process_areas,
        not_applicable=not_applicable,
        basic_units=basic_units,
        support_functions=support_functions,
        characterizations=characterizations,
        practice_judgments=practice_judgments,
        goal_judgments=goal_judgments,
        name=str(data.get("name", "")),
        appraisal_class=str(data.get("class", "")),
        organizational_unit=str(data.get("organizational_unit", "")),
        paths={
            **paths,
            **{f"judgment {k}": v for k, v in {**practice_paths, **goal_paths}.items()},
        },
    )


def _cell(cell: Any, path: str, out: _Collector) -> CellInput | None:
    if isinstance(cell, str):
        body: dict[str, Any] = {"value": cell}
    elif isinstance(cell, dict) and not set(cell) - _CELL_KEYS:
        body = cell
    else:
        out.add(path, "must be FI, LI, PI, NI or NY, or {value, weaknesses, strengths, notes}")
        return None
    raw_value = str(body.get("value", "")).strip().upper()
    try:
        value = PracticeValue(raw_value)
    except ValueError:
        out.add(path, f"{body.get('value')!r} is not one of FI, LI, PI, NI, NY", "value")
        return None
    notes = body.get("notes", "")
    return CellInput(
        value,
        _text_list(body.get("weaknesses"), f"{path}.weaknesses", out),
        _text_list(body.get("strengths"), f"{path}.strengths", out),
        notes if isinstance(notes, str) else "",
    )


def resolve_scope(
    document: AppraisalDocument,
    model: ModelStructure,
    *,
    filename: str = "",
    locate: Locate | None = None,
) -> RatingInputs:
    """Check the document against its model and build the rating engine's inputs.

    Staged scope: every area at maturity levels 2..target, narrowed to
    ``process_areas`` when given. Continuous scope: ``process_areas``.
    Raises :class:`InvalidDocument` for names the model or the plan does not have.
    """
    out = _Collector(filename, locate)
    by_abbreviation = {area.abbreviation: area for area in model.areas}
    for key in ("process_areas", "not_applicable"):
        for index, abbr in enumerate(getattr(document, key)):
            if abbr not in by_abbreviation:
                out.add(
                    f"$.{key}[{index}]",
                    f"{abbr} is not a process area of {model.identifier} {model.version}",
                )
    if document.representation == "staged":
        target = document.target_maturity_level or 0
        staged = {
            a.abbreviation
            for a in model.areas
            if a.maturity_level and 2 <= a.maturity_level <= target
        }
        in_scope = staged & set(document.process_areas) if document.process_areas else staged
        for index, abbr in enumerate(document.process_areas):
            if abbr in by_abbreviation and abbr not in staged:
                out.add(
                    f"$.process_areas[{index}]",
                    f"{abbr} is not at maturity level 2..{target}; raise the target to include it",
                )
    else:
        in_scope = set(document.process_areas)

    known: dict[str, str] = {}  # practice ref → its area
    goal_refs: set[str] = set()
    for area in model.areas:
        for goal in (*area.specific_goals, *area.generic_goals):
            goal_refs.add(goal.ref)
            for ref in goal.practices:
                known[ref] = area.abbreviation
    units = set(document.units)
    warnings: list[str] = []
    characterizations: dict[str, dict[str, Characterization]] = {}
    for ref, cells in document.characterizations.items():
        path = document.paths.get(ref, "$.characterizations")
        if ref not in known and ref not in model.extra_practices:
            out.add(path, f"{ref} is not a practice of {model.identifier} {model.version}")
            continue
        if known.get(ref) not in in_scope:
            warnings.append(f"{ref}: outside the appraisal's scope; not rated")
        for unit in cells:
            if unit not in units:
                out.add(f"{path}.{unit}", f"{unit!r} is not a basic unit or support function")
        characterizations[ref] = {
            unit: Characterization(cell.value, cell.weaknesses)
            for unit, cell in cells.items()
            if unit in units
        }
    for ref in document.practice_judgments:
        if ref not in known:
            out.add(
                document.paths.get(f"judgment {ref}", "$.judgments.practices"),
                f"{ref} is not a practice of {model.identifier} {model.version}",
            )
    for ref in document.goal_judgments:
        if ref not in goal_refs:
            out.add(
                document.paths.get(f"judgment {ref}", "$.judgments.goals"),
                f"{ref} is not a goal of {model.identifier} {model.version}",
            )
    out.raise_if_any()
    scope = AppraisalScope(
        representation=document.representation,
        areas=model.areas,
        in_scope=frozenset(in_scope),
        not_applicable=frozenset(document.not_applicable),
        target_maturity_level=document.target_maturity_level,
    )
    return RatingInputs(
        scope,
        characterizations,
        dict(document.practice_judgments),
        dict(document.goal_judgments),
        tuple(warnings),
    )
