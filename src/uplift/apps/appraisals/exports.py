"""Appraisals out: the exchange format (``uplift: appraisal/1``) as YAML or JSON.

The export is the file an import would need to make the same appraisal again: same
model version (pinned), scope, units, cells and judgments (see
``docs/appraisal-format.md``). Affirmations never appear here (issue 3).
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from uplift.apps.appraisals.choices import UnitKind
from uplift.apps.appraisals.models import Appraisal
from uplift.apps.appraisals.selectors import appraisal_rows
from uplift.domain.appraisal_format import FORMAT_MARKER

__all__ = ["EXPORT_FORMATS", "appraisal_document", "appraisal_export"]

EXPORT_FORMATS = ("yaml", "json")


def appraisal_document(appraisal: Appraisal) -> dict[str, Any]:
    """The appraisal as the exchange format's mapping; a fixed number of queries."""
    rows = appraisal_rows(appraisal)
    structure = rows.index.structure
    document: dict[str, Any] = {
        "uplift": FORMAT_MARKER,
        "model": appraisal.model.reference,
        "name": appraisal.name,
    }
    if appraisal.appraisal_class:
        document["class"] = appraisal.appraisal_class
    unit_name = appraisal.organizational_unit_name or (
        appraisal.organizational_unit.name if appraisal.organizational_unit else ""
    )
    if unit_name:
        document["organizational_unit"] = unit_name
    document["representation"] = appraisal.representation
    in_scope, not_applicable = list(rows.in_scope), list(rows.not_applicable)
    if appraisal.representation == "staged":
        target = appraisal.target_maturity_level or 0
        document["target_maturity_level"] = target
        staged = [
            a.abbreviation
            for a in structure.areas
            if a.maturity_level and 2 <= a.maturity_level <= target
        ]
        if set(in_scope) | (set(not_applicable) & set(staged)) != set(staged):
            # A narrowed scope; an empty list would mean "no narrowing", so an all
            # not-applicable scope lists its not-applicable areas.
            document["process_areas"] = in_scope or [a for a in not_applicable if a in staged]
    else:
        document["process_areas"] = in_scope
    if not_applicable:
        document["not_applicable"] = not_applicable
    basic = [u.name for u in rows.units if u.kind == UnitKind.BASIC_UNIT]
    support = [u.name for u in rows.units if u.kind == UnitKind.SUPPORT_FUNCTION]
    if basic:
        document["basic_units"] = basic
    if support:
        document["support_functions"] = support

    order: list[str] = [
        ref
        for area in structure.areas
        for goal in (*area.specific_goals, *area.generic_goals)
        for ref in goal.practices
    ]
    order += sorted(set(rows.cells) - set(order))
    characterizations: dict[str, dict[str, Any]] = {}
    for ref in order:
        by_unit = rows.cells.get(ref)
        if not by_unit:
            continue
        row: dict[str, Any] = {}
        for unit in rows.units:
            if unit.name not in by_unit:
                continue
            value, weaknesses, strengths, notes = by_unit[unit.name]
            if not (weaknesses or strengths or notes):
                row[unit.name] = value
                continue
            cell: dict[str, Any] = {"value": value}
            if weaknesses:
                cell["weaknesses"] = list(weaknesses)
            if strengths:
                cell["strengths"] = list(strengths)
            if notes:
                cell["notes"] = notes
            row[unit.name] = cell
        characterizations[ref] = row
    if characterizations:
        document["characterizations"] = characterizations
    judgments: dict[str, Any] = {}
    for key, recorded in (("practices", rows.practice_judgments), ("goals", rows.goal_judgments)):
        if recorded:
            judgments[key] = {
                ref: {"value": j.value, "rationale": j.rationale} for ref, j in recorded.items()
            }
    if judgments:
        document["judgments"] = judgments
    if appraisal.notes:
        document["notes"] = appraisal.notes
    return document


def appraisal_export(*, appraisal: Appraisal, format: str = "yaml") -> str:
    """The appraisal as a YAML or JSON text that ``services.appraisal_import`` reads back.

    Raises ``ValueError`` for a format other than yaml or json.
    """
    if format not in EXPORT_FORMATS:
        raise ValueError(f"unknown format {format!r}; use yaml or json")
    document = appraisal_document(appraisal)
    if format == "json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
