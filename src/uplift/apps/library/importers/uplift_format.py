"""Our own format, ``uplift: model/1``, in YAML or JSON (docs/model-format.md).

The file is checked in three steps and every problem of a step is reported, each with
its place (YAML: line and JSON path; JSON: JSON path, and the line when the text can be
composed as YAML, which almost all JSON can):

1. syntax: an unparseable file gives one problem at the parser's line;
2. the JSON Schema ``schema/model.schema.json``;
3. what the schema cannot say: unique abbreviations and ids, categories, variant and
   mapping areas that exist. Mapping targets (another model) are checked at write time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from uplift.apps.library.choices import ModelFormat
from uplift.apps.library.errors import LibraryImportError, Problem
from uplift.apps.library.importers.document import (
    CategoryDoc,
    GoalDoc,
    LevelDoc,
    MappingDoc,
    MappingEntryDoc,
    ModelDocument,
    OutcomeDoc,
    Place,
    PracticeDoc,
    ProcessAreaDoc,
    SubpracticeDoc,
    VariantDoc,
)
from uplift.apps.library.importers.locate import PathPart, YamlLocator, json_path, load_yaml

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "schema" / "model.schema.json"


@cache
def schema_validator() -> jsonschema.Draft202012Validator:
    """The validator of ``schema/model.schema.json`` (built once per process)."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def parse_uplift(
    text: str, *, filename: str, syntax: str, identifier: str | None = None
) -> ModelDocument:
    """Parse an ``uplift: model/1`` text (``syntax`` is "yaml" or "json").

    ``identifier`` replaces the file's ``id``. Raises ``LibraryImportError`` with every
    problem found.
    """
    locator: YamlLocator | None
    if syntax == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise LibraryImportError(
                [Problem(f"invalid JSON: {error.msg}", file=filename, line=error.lineno)]
            ) from error
        locator = None  # composed only if there is a problem to place
    else:
        try:
            node, data = load_yaml(text)
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            message = "; ".join(part for part in (error.context, error.problem) if part) or str(
                error
            )
            started = error.context_mark
            if mark and started and started.line != mark.line:
                message += f" (it starts on line {started.line + 1})"
            raise LibraryImportError(
                [
                    Problem(
                        f"invalid YAML: {message}",
                        file=filename,
                        line=mark.line + 1 if mark else None,
                    )
                ]
            ) from error
        except yaml.YAMLError as error:
            raise LibraryImportError([Problem(f"invalid YAML: {error}", file=filename)]) from error
        locator = YamlLocator(node)

    checker = _Checker(filename, locator, text)
    if locator is not None:
        for key, line in locator.duplicate_keys():
            checker.problems.append(
                Problem(f"key {key!r} is given twice in the same mapping", file=filename, line=line)
            )
    if data is None:
        checker.add("the file is empty; expected an 'uplift: model/1' document", ())
    else:
        checker.check_schema(data)
        if not checker.problems:
            checker.check_semantics(data)
    if checker.problems:
        raise LibraryImportError(checker.sorted_problems())
    return _build(data, filename=filename, identifier=identifier, place=checker.place)


class _Checker:
    """Collects located problems of one file."""

    def __init__(self, filename: str, locator: YamlLocator | None, text: str) -> None:
        self.filename = filename
        self._locator = locator
        self._text = text
        self.problems: list[Problem] = []

    @property
    def locator(self) -> YamlLocator:
        if self._locator is None:
            # A JSON file: compose it as YAML to find lines. Only on the problem path, and
            # only best effort (a few JSON texts, e.g. with tabs, are not YAML).
            try:
                node, _ = load_yaml(self._text)
            except yaml.YAMLError:
                node = None
            self._locator = YamlLocator(node)
        return self._locator

    def place(self, parts: Sequence[PathPart]) -> Place:
        return Place(line=self.locator.line(parts), path=json_path(parts))

    def add(
        self, message: str, parts: Sequence[PathPart], *, key: bool = False, field: str = ""
    ) -> None:
        self.problems.append(
            Problem(
                message,
                file=self.filename,
                line=self.locator.line(parts, key=key),
                path=json_path(parts),
                field=field,
            )
        )

    def sorted_problems(self) -> list[Problem]:
        return sorted(self.problems, key=lambda p: (p.line or 0, p.path))

    # -- step 2: the schema -------------------------------------------------------------

    def check_schema(self, data: Any) -> None:
        for error in schema_validator().iter_errors(data):
            parts: list[PathPart] = list(error.absolute_path)
            message = error.message
            key = False
            if error.validator == "additionalProperties" and isinstance(error.instance, dict):
                allowed = error.schema.get("properties", {})
                unexpected = [name for name in error.instance if name not in allowed]
                if unexpected:
                    parts.append(unexpected[0])
                    key = True
                    message = f"unknown field {unexpected[0]!r}" + (
                        f" (and {', '.join(map(repr, unexpected[1:]))})"
                        if len(unexpected) > 1
                        else ""
                    )
            elif error.validator == "type" and error.validator_value == "string":
                if isinstance(error.instance, int | float) and not isinstance(error.instance, bool):
                    message += f"; quote it: '{error.instance}'"
                elif error.instance is None:
                    message = "a value is missing here (the field is empty)"
            elif error.validator == "const" and parts == ["uplift"]:
                message = f"{error.instance!r} is not a supported format marker; expected 'model/1'"
            self.add(message, parts, key=key)

    # -- step 3: what the schema cannot say ------------------------------------------------

    def check_semantics(self, data: dict[str, Any]) -> None:
        categories = [c["name"] for c in data.get("categories", [])]
        self._unique(
            (
                (c["name"], ("categories", i, "name"))
                for i, c in enumerate(data.get("categories", []))
            ),
            "category {value!r} is listed twice",
        )
        for kind in ("maturity_levels", "capability_levels"):
            self._unique(
                ((lv["level"], (kind, i, "level")) for i, lv in enumerate(data.get(kind, []))),
                "level {value} is listed twice",
            )
        areas = data.get("process_areas", [])
        self._unique(
            (
                (a["abbreviation"], ("process_areas", i, "abbreviation"))
                for i, a in enumerate(areas)
            ),
            "process area {value!r} is listed twice",
        )
        abbreviations = {area["abbreviation"] for area in areas}
        for i, area in enumerate(areas):
            category = area.get("category")
            if category is not None and category not in categories:
                known = ", ".join(map(repr, categories)) or "none are listed"
                self.add(
                    f"category {category!r} is not one of the model's categories ({known})",
                    ("process_areas", i, "category"),
                )
            self._check_goals(area.get("goals", []), ("process_areas", i, "goals"))
        self._check_goals(data.get("generic_goals", []), ("generic_goals",))

        variants = data.get("variants", [])
        self._unique(
            ((v["id"], ("variants", i, "id")) for i, v in enumerate(variants)),
            "variant {value!r} is listed twice",
        )
        for i, variant in enumerate(variants):
            for j, abbreviation in enumerate(variant["process_areas"]):
                if abbreviation not in abbreviations:
                    self.add(
                        f"process area {abbreviation!r} is not in this model",
                        ("variants", i, "process_areas", j),
                    )
        self._unique(
            ((o["id"], ("outcomes", i, "id")) for i, o in enumerate(data.get("outcomes", []))),
            "outcome {value!r} is listed twice",
        )
        mappings = data.get("mappings", [])
        self._unique(
            ((m["id"], ("mappings", i, "id")) for i, m in enumerate(mappings)),
            "mapping {value!r} is listed twice",
        )
        for i, mapping in enumerate(mappings):
            for j, entry in enumerate(mapping["entries"]):
                if entry["from"] not in abbreviations:
                    self.add(
                        f"process area {entry['from']!r} is not in this model",
                        ("mappings", i, "entries", j, "from"),
                    )

    def _check_goals(self, goals: list[dict[str, Any]], parts: tuple[PathPart, ...]) -> None:
        self._unique(
            ((g["id"], (*parts, i, "id")) for i, g in enumerate(goals)),
            "goal {value!r} is listed twice",
        )
        for i, goal in enumerate(goals):
            self._unique(
                _practice_ids(goal.get("practices", []), (*parts, i, "practices")),
                "practice {value!r} is listed twice in this goal",
            )

    def _unique(self, items: Iterable[tuple[object, tuple[PathPart, ...]]], message: str) -> None:
        seen: set[object] = set()
        for value, parts in items:
            if value in seen:
                self.add(message.format(value=value), parts)
            seen.add(value)


def _practice_ids(
    practices: list[dict[str, Any]], parts: tuple[PathPart, ...]
) -> Iterable[tuple[object, tuple[PathPart, ...]]]:
    for i, practice in enumerate(practices):
        yield practice["id"], (*parts, i, "id")
        yield from _practice_ids(practice.get("practices", []), (*parts, i, "practices"))


# -- building the document (the data is valid here) -------------------------------------


def _build(
    data: dict[str, Any],
    *,
    filename: str,
    identifier: str | None,
    place: Callable[[Sequence[PathPart]], Place],
) -> ModelDocument:
    return ModelDocument(
        identifier=identifier or data["id"],
        version=data["version"],
        name=data["name"],
        format=ModelFormat.UPLIFT.value,
        description=data.get("description", ""),
        source=dict(data.get("source", {})),
        representations=tuple(data.get("representations", ())),
        categories=tuple(
            CategoryDoc(name=c["name"], description=c.get("description", ""))
            for c in data.get("categories", [])
        ),
        maturity_levels=_levels(data.get("maturity_levels", [])),
        capability_levels=_levels(data.get("capability_levels", [])),
        process_areas=tuple(
            ProcessAreaDoc(
                abbreviation=a["abbreviation"],
                name=a["name"],
                category=a.get("category", ""),
                maturity_level=a.get("maturity_level"),
                purpose=a.get("purpose", ""),
                optional=a.get("optional", False),
                notes=a.get("notes", ""),
                goals=tuple(_goal(g, generic=False) for g in a.get("goals", [])),
            )
            for a in data["process_areas"]
        ),
        generic_goals=tuple(_goal(g, generic=True) for g in data.get("generic_goals", [])),
        variants=tuple(
            VariantDoc(
                identifier=v["id"], name=v.get("name", ""), process_areas=tuple(v["process_areas"])
            )
            for v in data.get("variants", [])
        ),
        outcomes=tuple(
            OutcomeDoc(identifier=o["id"], title=o["title"], description=o.get("description", ""))
            for o in data.get("outcomes", [])
        ),
        mappings=tuple(
            MappingDoc(
                identifier=m["id"],
                name=m["name"],
                target_model=m["target_model"],
                source=dict(m.get("source", {})),
                notes=m.get("notes", ""),
                place=place(("mappings", i, "target_model")),
                entries=tuple(
                    MappingEntryDoc(
                        source_area=e["from"],
                        target_areas=tuple(e["to"]),
                        note=e.get("note", ""),
                        place=place(("mappings", i, "entries", j, "to")),
                    )
                    for j, e in enumerate(m["entries"])
                ),
            )
            for i, m in enumerate(data.get("mappings", []))
        ),
        filename=filename,
    )


def _levels(items: list[dict[str, Any]]) -> tuple[LevelDoc, ...]:
    return tuple(
        LevelDoc(number=lv["level"], name=lv["name"], description=lv.get("description", ""))
        for lv in items
    )


def _goal(data: dict[str, Any], *, generic: bool) -> GoalDoc:
    # Only generic goals carry a capability level (the schema constrains it there).
    return GoalDoc(
        identifier=data["id"],
        title=data["title"],
        summary=data.get("summary", ""),
        capability_level=data.get("capability_level") if generic else None,
        practices=tuple(_practice(p) for p in data.get("practices", [])),
    )


def _practice(data: dict[str, Any]) -> PracticeDoc:
    return PracticeDoc(
        identifier=data["id"],
        title=data["title"],
        summary=data.get("summary", ""),
        description=data.get("description", ""),
        example_work_products=tuple(data.get("example_work_products", ())),
        subpractices=tuple(
            SubpracticeDoc(
                text=s["text"], notes=s.get("notes", ""), examples=tuple(s.get("examples", ()))
            )
            for s in data.get("subpractices", [])
        ),
        references=tuple(data.get("references", ())),
        practices=tuple(_practice(p) for p in data.get("practices", [])),
    )
