"""Appraisals out: the exchange format (``uplift: appraisal/1``) as YAML or JSON.

The export is the file an import would need to make the same appraisal again: same
model version (pinned), plan (status, dates, scope, units, team), cells, judgments
and findings, and, with ``evidence=True``, the team's evidence: artifacts (their
links; uploaded files do not travel in the file) and affirmations (role groups,
never names: the tables have no field for one), each with what it supports. See
``docs/appraisal-format.md``.

Evidence is the team's workspace (``permissions.appraisal_can_see_workspace``):
callers pass ``evidence=True`` only for users who may see it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import yaml

from uplift.apps.appraisals.choices import UnitKind
from uplift.apps.appraisals.models import (
    Affirmation,
    Appraisal,
    Artifact,
    EvidenceLink,
    Finding,
    TeamMember,
)
from uplift.apps.appraisals.selectors import AppraisalRows, appraisal_rows
from uplift.domain.appraisal_format import FORMAT_MARKER

__all__ = ["EXPORT_FORMATS", "appraisal_document", "appraisal_export"]

EXPORT_FORMATS = ("yaml", "json")


def appraisal_document(appraisal: Appraisal, *, evidence: bool = False) -> dict[str, Any]:
    """The appraisal as the exchange format's mapping; a fixed number of queries.

    JSON-ready: dates are ISO texts. ``evidence`` adds the team's artifacts and
    affirmations (the workspace: only for users who may see it).
    """
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
    document["status"] = str(appraisal.status)  # a TextChoices member on a new instance
    if appraisal.start_date:
        document["start_date"] = appraisal.start_date.isoformat()
    if appraisal.end_date:
        document["end_date"] = appraisal.end_date.isoformat()
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
    team = [
        {"username": username, "role": role}
        for username, role in TeamMember.objects.filter(appraisal=appraisal)
        .order_by("pk")
        .values_list("user__username", "role")
    ]
    if team:
        document["team"] = team
    if evidence:
        document.update(_evidence(appraisal, rows, order))
    findings = _findings(appraisal, rows)
    if findings:
        document["findings"] = findings
    if appraisal.notes:
        document["notes"] = appraisal.notes
    return document


def _supports(
    cells: Iterable[tuple[str, str]], rows: AppraisalRows, order: list[str]
) -> dict[str, Any] | list[dict[str, Any]]:
    """Links as ``{practices, units}`` groups: practices sharing their units go together."""
    position = {ref: n for n, ref in enumerate(order)}
    unit_position = {unit.name: n for n, unit in enumerate(rows.units)}
    units_of: dict[str, set[str]] = defaultdict(set)
    for ref, unit in cells:
        units_of[ref].add(unit)
    groups: dict[tuple[str, ...], list[str]] = {}
    for ref in sorted(units_of, key=lambda r: (position.get(r, len(position)), r)):
        key = tuple(sorted(units_of[ref], key=unit_position.__getitem__))
        groups.setdefault(key, []).append(ref)
    result = [{"practices": refs, "units": list(units)} for units, refs in groups.items()]
    return result[0] if len(result) == 1 else result


def _evidence(appraisal: Appraisal, rows: AppraisalRows, order: list[str]) -> dict[str, Any]:
    """Artifacts and affirmations with what they support; four queries."""
    practice_refs = {ids: ref for ref, ids in rows.index.practices.items()}
    unit_names = {unit.pk: unit.name for unit in rows.units}
    cells: dict[tuple[str, int], list[tuple[str, str]]] = defaultdict(list)
    for artifact_id, affirmation_id, practice_id, area_id, unit_id in (
        EvidenceLink.objects.filter(appraisal=appraisal)
        .order_by("pk")
        .values_list("artifact_id", "affirmation_id", "practice_id", "process_area_id", "unit_id")
    ):
        source = ("artifact", artifact_id) if artifact_id else ("affirmation", affirmation_id)
        cells[source].append((practice_refs[(practice_id, area_id)], unit_names[unit_id]))
    artifacts = []
    for artifact in Artifact.objects.filter(appraisal=appraisal).order_by("pk"):
        if not artifact.link:
            continue  # an uploaded file without a link does not travel in the file
        item: dict[str, Any] = {"name": artifact.name, "link": artifact.link}
        if artifact.date:
            item["date"] = artifact.date.isoformat()
        if artifact.description:
            item["description"] = artifact.description
        if cells.get(("artifact", artifact.pk)):
            item["supports"] = _supports(cells[("artifact", artifact.pk)], rows, order)
        artifacts.append(item)
    affirmations = []
    for affirmation in Affirmation.objects.filter(appraisal=appraisal).order_by("pk"):
        entry: dict[str, Any] = {
            "kind": affirmation.kind,
            "date": affirmation.date.isoformat(),
            "session": affirmation.session,
            "role_group": affirmation.role_group,
        }
        if affirmation.summary:
            entry["summary"] = affirmation.summary
        if cells.get(("affirmation", affirmation.pk)):
            entry["supports"] = _supports(cells[("affirmation", affirmation.pk)], rows, order)
        affirmations.append(entry)
    result: dict[str, Any] = {}
    if artifacts:
        result["artifacts"] = artifacts
    if affirmations:
        result["affirmations"] = affirmations
    return {"evidence": result} if result else {}


def _findings(appraisal: Appraisal, rows: AppraisalRows) -> list[dict[str, Any]]:
    """Findings in the presentation's order (area, kind, order); two queries."""
    area_names = {area_id: abbr for abbr, area_id in rows.index.areas.items()}
    practice_refs = {ids: ref for ref, ids in rows.index.practices.items()}
    goal_refs = {ids: ref for ref, ids in rows.index.goals.items()}
    area_order = {abbr: n for n, abbr in enumerate(rows.index.areas)}
    practice_order = {ref: n for n, ref in enumerate(rows.index.practices)}
    findings = list(
        Finding.objects.filter(appraisal=appraisal)
        .order_by()
        .values_list("pk", "kind", "process_area_id", "goal_id", "text", "order")
    )
    practices: dict[int, list[str]] = defaultdict(list)
    for finding_id, practice_id, area_id in (
        Finding.practices.through.objects.filter(finding__appraisal=appraisal)
        .order_by("pk")
        .values_list("finding_id", "practice_id", "finding__process_area_id")
    ):
        practices[finding_id].append(practice_refs[(practice_id, area_id)])
    findings.sort(key=lambda f: (area_order[area_names[f[2]]], f[1], f[5], f[0]))
    result = []
    for pk, kind, area_id, goal_id, text, _ in findings:
        item: dict[str, Any] = {"kind": kind, "process_area": area_names[area_id]}
        if goal_id is not None:
            item["goal"] = goal_refs[(goal_id, area_id)]
        item["text"] = text
        if practices[pk]:
            item["practices"] = sorted(practices[pk], key=practice_order.__getitem__)
        result.append(item)
    return result


def appraisal_export(*, appraisal: Appraisal, format: str = "yaml", evidence: bool = False) -> str:
    """The appraisal as a YAML or JSON text that ``services.appraisal_import`` reads back.

    ``evidence`` adds the team's artifacts and affirmations (see the module's note).
    Raises ``ValueError`` for a format other than yaml or json.
    """
    if format not in EXPORT_FORMATS:
        raise ValueError(f"unknown format {format!r}; use yaml or json")
    document = appraisal_document(appraisal, evidence=evidence)
    if format == "json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
