"""The final report of an appraisal: what the HTML page and the PDF show (issue 3).

:func:`appraisal_report` reads everything once: the plan (class, model, scope, units,
team), the evidence base *by role group only* (affirmations never carry a person's
name, and the report adds none: team members are named, interviewees are not), the
ratings of process areas and goals with the levels, the capability profile chart
(SVG, with the same numbers as a table), the practice heat map (each cell's value
written out, colour only as a second cue), the findings per process area and goal,
and the path to the appraisal's target.

The heat map comes in two sizes: the *overview*, process areas by practices with the
organizational-unit values, always; and the *detail*, practices by units, when it has
at most :data:`DETAIL_CELL_LIMIT` cells. A CMMI-DEV ML 5 scope over 40 units has some
18,000 cells: that is the matrix page's and the XLSX export's job, not a report's
(the PDF would run to dozens of pages and take a minute to lay out).

:func:`appraisal_report_pdf` renders the same content with WeasyPrint. The PDF
document carries its stylesheet and chart inline and loads nothing: its URL fetcher
refuses every URL but ``data:`` ones, so rendering never touches the network or the
file system.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.contrib.staticfiles import finders
from django.db.models import Count
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from uplift.apps.appraisals.analysis import (
    DEFAULT_CAPABILITY_TARGET,
    AppraisalPath,
    ModelTitles,
    appraisal_path,
    model_titles,
)
from uplift.apps.appraisals.charts import ProfileBar, capability_profile_svg
from uplift.apps.appraisals.choices import AffirmationKind, TeamRole, UnitKind
from uplift.apps.appraisals.models import Affirmation, Appraisal, Artifact, TeamMember
from uplift.apps.appraisals.selectors import AppraisalRows, appraisal_rating, appraisal_rows
from uplift.apps.appraisals.workspace import FindingsPresentation, findings_by_area
from uplift.apps.common.pdf import html_to_pdf
from uplift.domain.ratings import AppraisalResult, GoalSpec

__all__ = [
    "DETAIL_CELL_LIMIT",
    "RATING_LABELS",
    "VALUE_LABELS",
    "AppraisalReport",
    "AreaRow",
    "GoalRow",
    "HeatArea",
    "HeatCell",
    "HeatOverview",
    "HeatRow",
    "OverviewCell",
    "OverviewRow",
    "appraisal_report",
    "appraisal_report_pdf",
    "report_context",
    "report_slug",
]

RATING_LABELS = {
    "satisfied": "Satisfied",
    "unsatisfied": "Unsatisfied",
    "not_rated": "Not rated",
    "pending": "Pending judgment",
    "not_applicable": "Not applicable",
}
VALUE_LABELS = {
    "FI": "Fully implemented",
    "LI": "Largely implemented",
    "PI": "Partially implemented",
    "NI": "Not implemented",
    "NY": "Not yet",
}


@dataclass(frozen=True)
class GoalRow:
    """A rated goal: its rating, the reason, and the weaknesses behind an unsatisfied one."""

    ref: str
    title: str
    rating: str
    reason: str
    weaknesses: tuple[str, ...]
    judged: bool

    @property
    def rating_label(self) -> str:
        return RATING_LABELS.get(self.rating, self.rating)


@dataclass(frozen=True)
class AreaRow:
    """A process area in scope: rating, capability level achieved and targeted, goals."""

    abbreviation: str
    name: str
    rating: str
    capability_level: int | None
    target_level: int
    goals: tuple[GoalRow, ...]

    @property
    def rating_label(self) -> str:
        return RATING_LABELS.get(self.rating, self.rating)

    @property
    def met(self) -> bool | None:
        """Whether the target level is reached; None while undetermined."""
        if self.capability_level is None:
            return None
        return self.capability_level >= self.target_level


@dataclass(frozen=True)
class HeatCell:
    """One practice at one unit; ``value`` None when not characterized there."""

    unit: str
    value: str | None

    @property
    def label(self) -> str:
        return VALUE_LABELS.get(self.value or "", "Not characterized")


@dataclass(frozen=True)
class HeatRow:
    """A practice: its goal, organizational-unit value and the value at each unit."""

    ref: str
    title: str
    goal: str
    value: str | None
    needs_judgment: bool
    candidates: tuple[str, ...]
    cells: tuple[HeatCell, ...]

    @property
    def value_text(self) -> str:
        """The value; ``LI/PI?`` while the team has to choose; ``—`` if not characterized."""
        if self.value:
            return self.value
        return "/".join(self.candidates) + "?" if self.needs_judgment else "—"


@dataclass(frozen=True)
class HeatArea:
    abbreviation: str
    name: str
    rows: tuple[HeatRow, ...]


@dataclass(frozen=True)
class OverviewCell:
    """A practice in the overview: ``label`` without the area (``SP 1.1``), its value."""

    label: str
    title: str
    value: str | None
    text: str
    needs_judgment: bool

    @property
    def value_label(self) -> str:
        if self.needs_judgment:
            return "waiting for a team judgment"
        return VALUE_LABELS.get(self.value or "", "not characterized")


@dataclass(frozen=True)
class OverviewRow:
    """A process area: its specific practices in order (padded with None to the widest
    area), then one cell per generic practice column (None where it has none)."""

    abbreviation: str
    name: str
    specific: tuple[OverviewCell | None, ...]
    generic: tuple[OverviewCell | None, ...]


@dataclass(frozen=True)
class HeatOverview:
    """Process areas by practices, organizational-unit values."""

    specific_width: int
    generic_labels: tuple[str, ...]
    rows: tuple[OverviewRow, ...]

    @property
    def columns(self) -> int:
        return 1 + self.specific_width + len(self.generic_labels)


@dataclass(frozen=True)
class AppraisalReport:
    """Everything the report shows, read in a bounded number of queries."""

    appraisal: Appraisal
    generated_at: datetime
    result: AppraisalResult
    areas: tuple[AreaRow, ...]
    not_applicable: tuple[tuple[str, str], ...]
    units: tuple[tuple[str, str], ...]  # (name, kind label)
    team: tuple[tuple[str, str], ...]  # (name, role label)
    affirmations: tuple[tuple[str, str, int], ...]  # (role group, kind label, sessions)
    artifact_count: int
    chart_svg: str
    heat_map: tuple[HeatArea, ...]  # the detail; empty above DETAIL_CELL_LIMIT cells
    heat_overview: HeatOverview
    detail_cells: int
    findings: FindingsPresentation
    path: AppraisalPath
    slug: str

    @property
    def unit_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.units)

    @property
    def units_by_kind(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """(kind label, unit names) per kind of unit, basic units first."""
        kinds: dict[str, list[str]] = {}
        for name, kind in self.units:
            kinds.setdefault(kind, []).append(name)
        return tuple((kind, tuple(names)) for kind, names in kinds.items())

    @property
    def detail_shown(self) -> bool:
        return bool(self.heat_map)

    @property
    def heat_columns(self) -> int:
        """Columns of the heat map: the practice, one per unit, the organizational unit."""
        return len(self.units) + 2

    @property
    def target_label(self) -> str:
        appraisal = self.appraisal
        if appraisal.target_maturity_level:
            return f"Maturity level {appraisal.target_maturity_level}"
        return f"Capability level {DEFAULT_CAPABILITY_TARGET} in every process area in scope"


def report_slug(appraisal: Appraisal) -> str:
    """The file name stem of the report's downloads: the appraisal's name, slugified."""
    return slugify(appraisal.name) or f"appraisal-{appraisal.pk}"


def _goal_specs(rows: AppraisalRows, abbreviation: str) -> tuple[GoalSpec, ...]:
    for spec in rows.index.structure.areas:
        if spec.abbreviation == abbreviation:
            return (*spec.specific_goals, *spec.generic_goals)
    return ()


def _areas(
    rows: AppraisalRows,
    result: AppraisalResult,
    titles: ModelTitles,
    targets: Mapping[str, int],
) -> tuple[AreaRow, ...]:
    areas = []
    for abbreviation in rows.in_scope:
        area = result.areas.get(abbreviation)
        if area is None:
            continue
        goals = tuple(
            GoalRow(
                goal.ref,
                titles.goals.get(goal.ref, ""),
                rated.rating.value,
                rated.reason,
                rated.weaknesses,
                rated.judged,
            )
            for goal in _goal_specs(rows, abbreviation)
            if (rated := result.goals.get(goal.ref)) is not None
        )
        areas.append(
            AreaRow(
                abbreviation,
                titles.areas.get(abbreviation, ""),
                area.rating.value,
                area.capability_level,
                targets.get(abbreviation, DEFAULT_CAPABILITY_TARGET),
                goals,
            )
        )
    return tuple(areas)


# The largest practices-by-units heat map a report shows (see the module docstring).
DETAIL_CELL_LIMIT = 2000


def _overview(heat_map: tuple[HeatArea, ...]) -> HeatOverview:
    def cell(abbreviation: str, row: HeatRow) -> OverviewCell:
        label = row.ref.removeprefix(f"{abbreviation} ")
        return OverviewCell(label, row.title, row.value, row.value_text, row.needs_judgment)

    generic_labels: list[str] = []
    specific: dict[str, list[OverviewCell]] = {}
    generic: dict[str, dict[str, OverviewCell]] = {}
    for area in heat_map:
        specific[area.abbreviation] = []
        generic[area.abbreviation] = {}
        for row in area.rows:
            item = cell(area.abbreviation, row)
            if " GP " in row.ref:
                generic[area.abbreviation][item.label] = item
                if item.label not in generic_labels:
                    generic_labels.append(item.label)
            else:
                specific[area.abbreviation].append(item)
    width = max((len(cells) for cells in specific.values()), default=0)
    return HeatOverview(
        width,
        tuple(generic_labels),
        tuple(
            OverviewRow(
                area.abbreviation,
                area.name,
                (
                    *specific[area.abbreviation],
                    *[None] * (width - len(specific[area.abbreviation])),
                ),
                tuple(generic[area.abbreviation].get(label) for label in generic_labels),
            )
            for area in heat_map
        ),
    )


def _heat_map(
    rows: AppraisalRows, result: AppraisalResult, titles: ModelTitles
) -> tuple[HeatArea, ...]:
    units = [unit.name for unit in rows.units]
    areas = []
    for abbreviation in rows.in_scope:
        heat_rows = []
        for goal in _goal_specs(rows, abbreviation):
            if goal.ref not in result.goals:
                continue
            for ref in goal.practices:
                practice = result.practices.get(ref)
                cells = rows.cells.get(ref, {})
                heat_rows.append(
                    HeatRow(
                        ref,
                        titles.practices.get(ref, ""),
                        goal.ref,
                        practice.value.value if practice and practice.value else None,
                        bool(practice and practice.needs_judgment and not practice.judged),
                        tuple(c.value for c in practice.candidates) if practice else (),
                        tuple(
                            HeatCell(unit, cells[unit][0] if unit in cells else None)
                            for unit in units
                        ),
                    )
                )
        areas.append(HeatArea(abbreviation, titles.areas.get(abbreviation, ""), tuple(heat_rows)))
    return tuple(areas)


def appraisal_report(appraisal: Appraisal) -> AppraisalReport:
    """The report of one appraisal from its current cells, judgments and findings.

    Not permission-scoped: the caller has checked that the user may see the appraisal.
    """
    rows = appraisal_rows(appraisal, details=False)
    result = appraisal_rating(appraisal)
    titles = model_titles(appraisal, rows.index)
    path = appraisal_path(appraisal, rows=rows, result=result, titles=False)
    path = AppraisalPath(
        path.appraisal, path.path, path.result, path.level, path.label, path.units, titles
    )
    areas = _areas(rows, result, titles, path.path.profile)
    heat_map = _heat_map(rows, result, titles)
    detail_cells = len(rows.units) * sum(len(area.rows) for area in heat_map)
    chart = capability_profile_svg(
        [ProfileBar(a.abbreviation, a.capability_level, a.target_level) for a in areas],
        title=f"Capability profile of {appraisal.name}: achieved and target level per "
        "process area (the table below gives the numbers)",
    )
    unit_kinds = dict(UnitKind.choices)
    roles = dict(TeamRole.choices)
    kinds = dict(AffirmationKind.choices)
    team = tuple(
        (member.user.get_full_name() or member.user.get_username(), roles.get(member.role, ""))
        for member in TeamMember.objects.filter(appraisal=appraisal)
        .select_related("user")
        .order_by("role", "user__last_name", "user__username", "pk")
    )
    affirmations = tuple(
        (row["role_group"], str(kinds.get(row["kind"], row["kind"])), row["sessions"])
        for row in Affirmation.objects.filter(appraisal=appraisal)
        .values("role_group", "kind")
        .annotate(sessions=Count("pk"))
        .order_by("role_group", "kind")
    )
    return AppraisalReport(
        appraisal=appraisal,
        generated_at=timezone.now(),
        result=result,
        areas=areas,
        not_applicable=tuple(
            (abbreviation, titles.areas.get(abbreviation, ""))
            for abbreviation in rows.not_applicable
        ),
        units=tuple((unit.name, str(unit_kinds.get(unit.kind, ""))) for unit in rows.units),
        team=tuple((name, str(role)) for name, role in team),
        affirmations=affirmations,
        artifact_count=Artifact.objects.filter(appraisal=appraisal).count(),
        chart_svg=chart,
        heat_map=heat_map if detail_cells <= DETAIL_CELL_LIMIT else (),
        heat_overview=_overview(heat_map),
        detail_cells=detail_cells,
        findings=findings_by_area(appraisal),
        path=path,
        slug=report_slug(appraisal),
    )


def report_context(appraisal: Appraisal) -> dict[str, Any]:
    """The template context of the report page and the PDF."""
    return {
        "appraisal": appraisal,
        "report": appraisal_report(appraisal),
        "value_labels": VALUE_LABELS,
    }


@cache
def _stylesheet() -> str:
    """The report's stylesheet as text, to inline in the PDF document."""
    found = finders.find("uplift/report.css")
    path = found[0] if isinstance(found, list) else found
    if not path:
        return ""
    with open(path, encoding="utf-8") as stylesheet:
        return stylesheet.read()


def appraisal_report_pdf(appraisal: Appraisal, context: dict[str, Any] | None = None) -> bytes:
    """The report as PDF bytes (WeasyPrint), with the page's content.

    ``context`` is :func:`report_context`'s result when the caller has it.
    """
    context = dict(context or report_context(appraisal))
    context["inline_css"] = _stylesheet()
    return html_to_pdf(render_to_string("appraisals/appraisal_report_pdf.html", context))
