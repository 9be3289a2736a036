"""The appraisal exchange format (``uplift: appraisal/1``), checked against a model.

Two steps, both pure:

1. :func:`parse_appraisal` turns the loaded YAML/JSON mapping into an
   :class:`AppraisalDocument`, reporting every shape problem with its JSON path (and
   line, when the caller passes a ``locate`` function for the source text).
2. :func:`resolve_scope` checks the document against a :class:`ModelStructure` (the
   process areas, goals and practices of the model version it names) and returns the
   rating engine's inputs. Every practice, goal, area or unit the file names that the
   model or the plan does not have is a located problem.

Besides the plan and the cells, a file may carry the appraisal's record: its team
(usernames and roles), its evidence (artifacts with links, affirmations by role group,
each with the practices at units it supports) and its findings (strengths and
weaknesses per process area and goal). Their shape is checked by ``parse_appraisal``
and their references (practices in scope, declared units, findings' practices in
their area and goal) by ``resolve_scope``; what needs the database (does the user
exist, does a role group name a person?) is checked by the caller.

Nothing is rated or written here; ``docs/appraisal-format.md`` documents the format.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

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
    "AFFIRMATION_KINDS",
    "FINDING_KINDS",
    "FORMAT_MARKER",
    "STATUSES",
    "TEAM_ROLES",
    "AffirmationInput",
    "AppraisalDocument",
    "ArtifactInput",
    "FindingInput",
    "ModelStructure",
    "RatingInputs",
    "Supports",
    "TeamEntry",
    "parse_appraisal",
    "resolve_scope",
    "split_model_reference",
    "supported_cells",
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
    "status",
    "start_date",
    "end_date",
    "team",
    "evidence",
    "findings",
}
_CELL_KEYS = {"value", "weaknesses", "strengths", "notes"}

STATUSES = ("planned", "in_progress", "rated", "closed")
TEAM_ROLES = ("lead_appraiser", "team_member", "observer")
AFFIRMATION_KINDS = ("interview", "questionnaire")
FINDING_KINDS = ("strength", "weakness")

# The lengths of the tables' text fields (Artifact.name, Affirmation.session, …): a
# file that fits the format fits the tables.
_MAX_ARTIFACT_NAME = 300
_MAX_LINK = 1000
_MAX_SHORT = 200
_MAX_USERNAME = 150
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Locate = Callable[[str], int | None]


@dataclass(frozen=True)
class CellInput:
    """One practice at one unit as the file gives it."""

    value: PracticeValue
    weaknesses: tuple[str, ...] = ()
    strengths: tuple[str, ...] = ()
    notes: str = ""


@dataclass(frozen=True)
class Supports:
    """What a piece of evidence supports: every practice listed at every unit listed.

    ``path`` is where the group is in the file (for located problems).
    """

    practices: tuple[str, ...]
    units: tuple[str, ...]
    path: str = field(default="", compare=False)


@dataclass(frozen=True)
class TeamEntry:
    """A member of the appraisal team: a username of the site and a role."""

    username: str
    role: str = "team_member"


@dataclass(frozen=True)
class ArtifactInput:
    """A document, record or tool output the team examined; in a file always a link."""

    name: str
    link: str
    date: dt.date | None = None
    description: str = ""
    supports: tuple[Supports, ...] = ()


@dataclass(frozen=True)
class AffirmationInput:
    """An interview or questionnaire: the role group, never a person (issue 3)."""

    kind: str
    date: dt.date
    session: str
    role_group: str
    summary: str = ""
    supports: tuple[Supports, ...] = ()


@dataclass(frozen=True)
class FindingInput:
    """A strength or weakness of a process area, optionally of one of its goals."""

    kind: str
    process_area: str
    text: str
    goal: str | None = None
    practices: tuple[str, ...] = ()


def supported_cells(groups: Iterable[Supports]) -> tuple[tuple[str, str], ...]:
    """The (practice, unit) pairs a piece of evidence supports, once each, in file order."""
    cells: dict[tuple[str, str], None] = {}
    for group in groups:
        for practice in group.practices:
            for unit in group.units:
                cells[(practice, unit)] = None
    return tuple(cells)


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
    status: str = ""
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    team: tuple[TeamEntry, ...] = ()
    artifacts: tuple[ArtifactInput, ...] = ()
    affirmations: tuple[AffirmationInput, ...] = ()
    findings: tuple[FindingInput, ...] = ()

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
    status = data.get("status") or ""
    if status not in ("", *STATUSES):
        out.add("$.status", f"must be one of {', '.join(STATUSES)}", "status")
        status = ""
    start_date = _date(data.get("start_date"), "$.start_date", out)
    end_date = _date(data.get("end_date"), "$.end_date", out)
    if start_date and end_date and end_date < start_date:
        out.add("$.end_date", "is before the start date", "end_date")
    team = _team(data.get("team"), out)
    artifacts, affirmations = _evidence(data.get("evidence"), out)
    findings = _findings(data.get("findings"), out)
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
        status=status,
        start_date=start_date,
        end_date=end_date,
        team=team,
        artifacts=artifacts,
        affirmations=affirmations,
        findings=findings,
    )


# -- the record: team, evidence, findings -------------------------------------------------


def _date(value: Any, path: str, out: _Collector, *, required: bool = False) -> dt.date | None:
    """A date from YAML (a date) or JSON (an ISO text ``2025-03-01``)."""
    if value is None:
        if required:
            out.add(path, "needs a date like 2025-03-01", path.rpartition(".")[2])
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    out.add(path, f"{value!r} is not a date like 2025-03-01", path.rpartition(".")[2])
    return None


def _text(
    body: Mapping[str, Any],
    key: str,
    path: str,
    out: _Collector,
    *,
    required: bool = False,
    max_length: int | None = None,
) -> str:
    value = body.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            out.add(f"{path}.{key}", f"needs a {key.replace('_', ' ')}", key)
        return ""
    if not isinstance(value, str):
        out.add(f"{path}.{key}", "must be a text", key)
        return ""
    text = value.strip()
    if max_length is not None and len(text) > max_length:
        out.add(f"{path}.{key}", f"is longer than {max_length} characters", key)
    return text


def _mapping(value: Any, path: str, keys: set[str], what: str, out: _Collector) -> bool:
    """Whether ``value`` is a mapping of known keys; reports what is wrong otherwise."""
    if not isinstance(value, dict):
        out.add(path, f"must be a mapping: {what}")
        return False
    for key in value:
        if key not in keys:
            out.add(f"{path}.{key}", f"unknown key {key!r}", str(key))
    return True


def _list(value: Any, path: str, what: str, out: _Collector) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        out.add(path, f"must be a list of {what}")
        return []
    return value


def _team(raw: Any, out: _Collector) -> tuple[TeamEntry, ...]:
    team: list[TeamEntry] = []
    seen: set[str] = set()
    for index, entry in enumerate(_list(raw, "$.team", "{username, role}", out)):
        path = f"$.team[{index}]"
        if not _mapping(entry, path, {"username", "role"}, "{username, role}", out):
            continue
        username = _text(entry, "username", path, out, required=True, max_length=_MAX_USERNAME)
        role = entry.get("role", "team_member")
        if role not in TEAM_ROLES:
            out.add(f"{path}.role", f"must be one of {', '.join(TEAM_ROLES)}", "role")
            continue
        if not username:
            continue
        if username in seen:
            out.add(f"{path}.username", f"{username!r} is on the team twice", "username")
            continue
        seen.add(username)
        team.append(TeamEntry(username, role))
    return tuple(team)


def _supports(raw: Any, path: str, out: _Collector) -> tuple[Supports, ...]:
    """``{practices, units}`` or a list of them: every practice at every unit of a group."""
    if raw is None:
        return ()
    groups = [(raw, path)] if isinstance(raw, dict) else None
    if groups is None:
        if not isinstance(raw, list):
            out.add(path, "must be {practices: [...], units: [...]} or a list of them")
            return ()
        groups = [(group, f"{path}[{index}]") for index, group in enumerate(raw)]
    result: list[Supports] = []
    for group, here in groups:
        if not _mapping(group, here, {"practices", "units"}, "{practices, units}", out):
            continue
        practices: list[str] = []
        raw_practices = group.get("practices")
        if not isinstance(raw_practices, list) or not raw_practices:
            out.add(f"{here}.practices", "lists at least one practice", "practices")
            raw_practices = []
        for position, item in enumerate(raw_practices):
            ref = normalize_practice_ref(item) if isinstance(item, str) else None
            if ref is None:
                out.add(
                    f"{here}.practices[{position}]",
                    f"{item!r} is not a practice reference like 'REQM SP 1.1'",
                    "practices",
                )
            elif ref not in practices:
                practices.append(ref)
        units: list[str] = []
        raw_units = group.get("units")
        if not isinstance(raw_units, list) or not raw_units:
            out.add(f"{here}.units", "lists at least one unit", "units")
            raw_units = []
        for position, item in enumerate(raw_units):
            if not isinstance(item, str) or not item.strip():
                out.add(f"{here}.units[{position}]", "must be a unit's name", "units")
            elif item.strip() not in units:
                units.append(item.strip())
        result.append(Supports(tuple(practices), tuple(units), here))
    return tuple(result)


def _link(body: Mapping[str, Any], path: str, out: _Collector) -> str:
    if not isinstance(body.get("link", ""), str):
        out.add(f"{path}.link", "must be a text", "link")
        return ""
    link = _text(body, "link", path, out, max_length=_MAX_LINK)
    if not link:
        out.add(
            f"{path}.link" if "link" in body else path,
            "needs a link: uploaded files do not travel in the file; link to where the "
            "artifact is kept",
            "link",
        )
        return ""
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in link):
        out.add(f"{path}.link", f"{link!r} is not an http(s) address", "link")
        return ""
    return link


_ARTIFACT_KEYS = {"name", "link", "date", "description", "supports"}
_AFFIRMATION_KEYS = {"kind", "date", "session", "role_group", "summary", "supports"}


def _evidence(
    raw: Any, out: _Collector
) -> tuple[tuple[ArtifactInput, ...], tuple[AffirmationInput, ...]]:
    if raw is None:
        return (), ()
    if not _mapping(
        raw, "$.evidence", {"artifacts", "affirmations"}, "artifacts, affirmations", out
    ):
        return (), ()
    artifacts: list[ArtifactInput] = []
    for index, body in enumerate(
        _list(raw.get("artifacts"), "$.evidence.artifacts", "artifacts", out)
    ):
        path = f"$.evidence.artifacts[{index}]"
        if not _mapping(
            body, path, _ARTIFACT_KEYS, "{name, link, date, description, supports}", out
        ):
            continue
        name = _text(body, "name", path, out, required=True, max_length=_MAX_ARTIFACT_NAME)
        link = _link(body, path, out)
        date = _date(body.get("date"), f"{path}.date", out)
        description = _text(body, "description", path, out)
        supports = _supports(body.get("supports"), f"{path}.supports", out)
        if name and link:
            artifacts.append(ArtifactInput(name, link, date, description, supports))
    affirmations: list[AffirmationInput] = []
    raw_affirmations = _list(
        raw.get("affirmations"), "$.evidence.affirmations", "affirmations", out
    )
    for index, body in enumerate(raw_affirmations):
        path = f"$.evidence.affirmations[{index}]"
        what = "{kind, date, session, role_group, summary, supports}"
        if not _mapping(body, path, _AFFIRMATION_KEYS, what, out):
            continue
        kind = body.get("kind")
        if kind not in AFFIRMATION_KINDS:
            out.add(f"{path}.kind", f"must be one of {', '.join(AFFIRMATION_KINDS)}", "kind")
        date = _date(body.get("date"), f"{path}.date", out, required=True)
        session = _text(body, "session", path, out, required=True, max_length=_MAX_SHORT)
        # Spacing normalized as the evidence service does: "project  managers" is one group.
        role_group = " ".join(
            _text(body, "role_group", path, out, required=True, max_length=_MAX_SHORT).split()
        )
        summary = _text(body, "summary", path, out)
        supports = _supports(body.get("supports"), f"{path}.supports", out)
        if kind in AFFIRMATION_KINDS and date and session and role_group:
            affirmations.append(
                AffirmationInput(str(kind), date, session, role_group, summary, supports)
            )
    return tuple(artifacts), tuple(affirmations)


_FINDING_KEYS = {"kind", "process_area", "goal", "text", "practices"}


def _findings(raw: Any, out: _Collector) -> tuple[FindingInput, ...]:
    findings: list[FindingInput] = []
    for index, body in enumerate(_list(raw, "$.findings", "findings", out)):
        path = f"$.findings[{index}]"
        what = "{kind, process_area, goal, text, practices}"
        if not _mapping(body, path, _FINDING_KEYS, what, out):
            continue
        kind = body.get("kind")
        if kind not in FINDING_KINDS:
            out.add(f"{path}.kind", f"must be one of {', '.join(FINDING_KINDS)}", "kind")
        area = _text(body, "process_area", path, out, required=True).upper()
        text = _text(body, "text", path, out, required=True)
        goal: str | None = None
        raw_goal = body.get("goal")
        if raw_goal is not None:
            goal = normalize_goal_ref(raw_goal) if isinstance(raw_goal, str) else None
            if goal is None:
                out.add(
                    f"{path}.goal", f"{raw_goal!r} is not a goal reference like 'REQM SG 1'", "goal"
                )
        practices: list[str] = []
        for position, item in enumerate(
            _list(body.get("practices"), f"{path}.practices", "practice references", out)
        ):
            ref = normalize_practice_ref(item) if isinstance(item, str) else None
            if ref is None:
                out.add(
                    f"{path}.practices[{position}]",
                    f"{item!r} is not a practice reference like 'REQM SP 1.1'",
                    "practices",
                )
            elif ref not in practices:
                practices.append(ref)
        if kind in FINDING_KINDS and area and text:
            findings.append(FindingInput(str(kind), area, text, goal, tuple(practices)))
    return tuple(findings)


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
    _check_record(document, model, frozenset(in_scope) - set(document.not_applicable), known, out)
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


def _check_record(
    document: AppraisalDocument,
    model: ModelStructure,
    rated: frozenset[str],
    known: Mapping[str, str],
    out: _Collector,
) -> None:
    """Evidence supports practices in scope at declared units; findings stay in their area."""
    label = f"{model.identifier} {model.version}"

    def area_of(ref: str) -> str | None:
        if ref in known:
            return known[ref]
        return ref.split(" ", 1)[0] if ref in model.extra_practices else None

    def practice_problem(ref: str) -> str | None:
        area = area_of(ref)
        if area is None:
            return f"{ref} is not a practice of {label}"
        if area not in rated:
            return f"{ref}: {area} is not in the appraisal's scope"
        return None

    units = set(document.units)
    evidence = [a.supports for a in document.artifacts] + [
        a.supports for a in document.affirmations
    ]
    for groups in evidence:
        for group in groups:  # each group knows its place in the file
            for position, ref in enumerate(group.practices):
                problem = practice_problem(ref)
                if problem:
                    out.add(f"{group.path}.practices[{position}]", problem, "practices")
            for position, unit in enumerate(group.units):
                if unit not in units:
                    out.add(
                        f"{group.path}.units[{position}]",
                        f"{unit!r} is not a basic unit or support function",
                        "units",
                    )

    goals = {
        goal.ref: (area.abbreviation, goal.practices)
        for area in model.areas
        for goal in (*area.specific_goals, *area.generic_goals)
    }
    areas = {area.abbreviation for area in model.areas}
    for index, finding in enumerate(document.findings):
        path = f"$.findings[{index}]"
        if finding.process_area not in areas:
            out.add(
                f"{path}.process_area",
                f"{finding.process_area} is not a process area of {label}",
                "process_area",
            )
            continue
        if finding.process_area not in rated:
            out.add(
                f"{path}.process_area",
                f"{finding.process_area} is not in the appraisal's scope",
                "process_area",
            )
            continue
        goal_practices: tuple[str, ...] | None = None
        if finding.goal is not None:
            goal_area, goal_practices = goals.get(finding.goal, (None, None))
            if goal_area is None:
                out.add(f"{path}.goal", f"{finding.goal} is not a goal of {label}", "goal")
            elif goal_area != finding.process_area:
                out.add(
                    f"{path}.goal",
                    f"{finding.goal} is not a goal of {finding.process_area}",
                    "goal",
                )
                goal_practices = None
        for position, ref in enumerate(finding.practices):
            where = f"{path}.practices[{position}]"
            if area_of(ref) is None:
                out.add(where, f"{ref} is not a practice of {label}", "practices")
            elif area_of(ref) != finding.process_area:
                out.add(where, f"{ref} is not a practice of {finding.process_area}", "practices")
            elif goal_practices is not None and ref not in goal_practices:
                out.add(where, f"{ref} is not a practice of {finding.goal}", "practices")
