"""Exports of a stored model version: our YAML and JSON (``uplift: model/1``), flat CSV.

The export reads the version back into a ``ModelDocument`` (a fixed number of queries,
whatever the size) and writes that, so an exported file imports into another library as the same
model: same areas, goals, practices, titles and order. CSV keeps only what its columns
hold (no levels, variants, outcomes or mappings; see docs/model-format.md).
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from typing import Any

import yaml

from uplift.apps.library.choices import GoalKind, LevelKind
from uplift.apps.library.importers.csv_format import EXPORT_COLUMNS
from uplift.apps.library.importers.document import (
    CategoryDoc,
    GoalDoc,
    LevelDoc,
    MappingDoc,
    MappingEntryDoc,
    ModelDocument,
    OutcomeDoc,
    PracticeDoc,
    ProcessAreaDoc,
    SubpracticeDoc,
    VariantDoc,
)
from uplift.apps.library.models import (
    Category,
    Goal,
    Level,
    Mapping,
    MappingEntry,
    Practice,
    ProcessArea,
    ProcessModel,
)

__all__ = ["EXPORT_FORMATS", "document_to_data", "model_document", "model_export"]

EXPORT_FORMATS = ("yaml", "json", "csv")


def model_export(*, model: ProcessModel, format: str) -> str:
    """The model version as text in ``format`` (``yaml``, ``json`` or ``csv``).

    Raises ``ValueError`` for another format.
    """
    document = model_document(model)
    if format == "yaml":
        return _dump_yaml(document_to_data(document))
    if format == "json":
        return json.dumps(document_to_data(document), indent=2, ensure_ascii=False) + "\n"
    if format == "csv":
        return _dump_csv(document)
    raise ValueError(f"unknown export format {format!r}; use one of {', '.join(EXPORT_FORMATS)}")


def model_document(model: ProcessModel) -> ModelDocument:
    """Read a stored model version back into a ``ModelDocument``."""
    categories = list(Category.objects.filter(model=model).order_by("order", "pk"))
    category_names = {category.pk: category.name for category in categories}
    levels: dict[str, list[LevelDoc]] = defaultdict(list)
    for level in Level.objects.filter(model=model).order_by("kind", "number"):
        levels[level.kind].append(LevelDoc(level.number, level.name, level.description))

    children: dict[int | None, list[Practice]] = defaultdict(list)
    by_goal: dict[int, list[Practice]] = defaultdict(list)
    for practice in Practice.objects.filter(model=model).order_by("order", "pk"):
        if practice.parent_id is None:
            by_goal[practice.goal_id].append(practice)
        else:
            children[practice.parent_id].append(practice)

    def practice_doc(practice: Practice) -> PracticeDoc:
        return PracticeDoc(
            identifier=practice.identifier,
            title=practice.title,
            summary=practice.summary,
            description=practice.description,
            example_work_products=tuple(practice.example_work_products),
            subpractices=tuple(
                SubpracticeDoc(
                    text=s["text"],
                    notes=s.get("notes", ""),
                    examples=tuple(s.get("examples", ())),
                )
                for s in practice.subpractices
            ),
            references=tuple(practice.references),
            practices=tuple(practice_doc(child) for child in children[practice.pk]),
        )

    goals_by_area: dict[int | None, list[GoalDoc]] = defaultdict(list)
    for goal in Goal.objects.filter(model=model).order_by("order", "pk"):
        goals_by_area[goal.process_area_id].append(
            GoalDoc(
                identifier=goal.identifier,
                title=goal.title,
                summary=goal.summary,
                capability_level=goal.capability_level if goal.kind == GoalKind.GENERIC else None,
                practices=tuple(practice_doc(p) for p in by_goal[goal.pk]),
            )
        )
    areas = list(ProcessArea.objects.filter(model=model).order_by("order", "pk"))
    abbreviations = {area.pk: area.abbreviation for area in areas}

    mappings = []
    for mapping in (
        Mapping.objects.filter(model=model)
        .select_related("target_model")
        .prefetch_related("entries__target_areas", "entries__source_area")
        .order_by("identifier")
    ):
        entries: list[MappingEntry] = sorted(mapping.entries.all(), key=lambda e: (e.order, e.pk))
        mappings.append(
            MappingDoc(
                identifier=mapping.identifier,
                name=mapping.name,
                target_model=mapping.target_model.reference,
                source=dict(mapping.source),
                notes=mapping.notes,
                entries=tuple(
                    MappingEntryDoc(
                        source_area=entry.source_area.abbreviation,
                        target_areas=tuple(
                            area.abbreviation
                            for area in sorted(entry.target_areas.all(), key=lambda a: a.order)
                        ),
                        note=entry.note,
                    )
                    for entry in entries
                ),
            )
        )

    return ModelDocument(
        identifier=model.identifier,
        version=model.version,
        name=model.name,
        format=model.format,
        description=model.description,
        source=dict(model.source),
        representations=tuple(model.representations),
        categories=tuple(CategoryDoc(name=c.name) for c in categories),
        maturity_levels=tuple(levels[LevelKind.MATURITY]),
        capability_levels=tuple(levels[LevelKind.CAPABILITY]),
        process_areas=tuple(
            ProcessAreaDoc(
                abbreviation=area.abbreviation,
                name=area.name,
                category=category_names.get(area.category_id, "") if area.category_id else "",
                maturity_level=area.maturity_level,
                purpose=area.purpose,
                optional=area.optional,
                notes=area.notes,
                goals=tuple(goals_by_area[area.pk]),
            )
            for area in areas
        ),
        generic_goals=tuple(goals_by_area[None]),
        variants=tuple(
            VariantDoc(
                identifier=variant.identifier,
                name=variant.name,
                process_areas=tuple(
                    abbreviations[area.pk]
                    for area in sorted(variant.process_areas.all(), key=lambda a: a.order)
                ),
            )
            for variant in model.variants.prefetch_related("process_areas").order_by("order")
        ),
        outcomes=tuple(
            OutcomeDoc(identifier=o.identifier, title=o.title, description=o.description)
            for o in model.outcomes.order_by("order")
        ),
        mappings=tuple(mappings),
    )


def document_to_data(document: ModelDocument) -> dict[str, Any]:
    """The document as ``uplift: model/1`` data; empty optional fields are left out."""
    data: dict[str, Any] = {
        "uplift": "model/1",
        "id": document.identifier,
        "name": document.name,
        "version": document.version,
        "description": document.description,
        "source": document.source,
        "representations": list(document.representations),
        "categories": [
            _compact({"name": c.name, "description": c.description}) for c in document.categories
        ],
        "maturity_levels": [_level(lv) for lv in document.maturity_levels],
        "capability_levels": [_level(lv) for lv in document.capability_levels],
        "process_areas": [
            _compact(
                {
                    "abbreviation": a.abbreviation,
                    "name": a.name,
                    "category": a.category,
                    "maturity_level": a.maturity_level,
                    "purpose": a.purpose,
                    "optional": a.optional or None,
                    "notes": a.notes,
                    "goals": [_goal(g) for g in a.goals],
                }
            )
            for a in document.process_areas
        ],
        "generic_goals": [_goal(g) for g in document.generic_goals],
        "variants": [
            _compact({"id": v.identifier, "name": v.name})
            | {"process_areas": list(v.process_areas)}
            for v in document.variants
        ],
        "outcomes": [
            _compact({"id": o.identifier, "title": o.title, "description": o.description})
            for o in document.outcomes
        ],
        "mappings": [
            _compact(
                {
                    "id": m.identifier,
                    "name": m.name,
                    "target_model": m.target_model,
                    "source": m.source,
                    "notes": m.notes,
                }
            )
            | {
                "entries": [
                    {"from": e.source_area, "to": list(e.target_areas)} | _compact({"note": e.note})
                    for e in m.entries
                ]
            }
            for m in document.mappings
        ],
    }
    return _compact(data, keep={"process_areas"})


def _compact(data: dict[str, Any], keep: set[str] | frozenset[str] = frozenset()) -> dict[str, Any]:
    """Drop empty values (None, "", [], {}) except the keys in ``keep``."""
    return {
        key: value
        for key, value in data.items()
        if key in keep or (value is not None and value != "" and value != [] and value != {})
    }


def _level(level: LevelDoc) -> dict[str, Any]:
    return _compact({"level": level.number, "name": level.name, "description": level.description})


def _goal(goal: GoalDoc) -> dict[str, Any]:
    return _compact(
        {
            "id": goal.identifier,
            "title": goal.title,
            "summary": goal.summary,
            "capability_level": goal.capability_level,
            "practices": [_practice(p) for p in goal.practices],
        }
    )


def _practice(practice: PracticeDoc) -> dict[str, Any]:
    return _compact(
        {
            "id": practice.identifier,
            "title": practice.title,
            "summary": practice.summary,
            "description": practice.description,
            "example_work_products": list(practice.example_work_products),
            "subpractices": [
                _compact({"text": s.text, "notes": s.notes, "examples": list(s.examples)})
                for s in practice.subpractices
            ],
            "references": list(practice.references),
            "practices": [_practice(p) for p in practice.practices],
        }
    )


_BaseDumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml: ~5x


class _Dumper(_BaseDumper):  # type: ignore[valid-type,misc]
    """Safe YAML with multi-line strings as literal blocks, readable in a diff."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def _dump_yaml(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def _dump_csv(document: ModelDocument) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    model = {
        "model_id": document.identifier,
        "model_name": document.name,
        "version": document.version,
    }

    def rows(goal: GoalDoc, area: dict[str, Any]) -> None:
        goal_cells = {
            "goal": goal.identifier,
            "goal_title": goal.title,
            "goal_summary": goal.summary,
            "capability_level": goal.capability_level if goal.capability_level is not None else "",
        }

        def write(practice: PracticeDoc, parent: str) -> None:
            writer.writerow(
                model
                | area
                | goal_cells
                | {
                    "practice": practice.identifier,
                    "practice_title": practice.title,
                    "parent": parent,
                    "summary": practice.summary,
                    "description": practice.description,
                }
            )
            for child in practice.practices:
                write(child, practice.identifier)

        for practice in goal.practices:
            write(practice, "")

    for area in document.process_areas:
        cells = {
            "process_area": area.abbreviation,
            "process_area_name": area.name,
            "category": area.category,
            "maturity_level": area.maturity_level if area.maturity_level is not None else "",
            "purpose": area.purpose,
            "optional": "true" if area.optional else "",
        }
        for goal in area.goals:
            rows(goal, cells)
    for goal in document.generic_goals:
        rows(goal, {})
    return out.getvalue()
