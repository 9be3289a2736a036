"""OSCAL catalogs (JSON) as process models.

Mapping (documented in docs/model-format.md):

- ``catalog.metadata.title`` → name; ``metadata.version`` → version; the id is given by
  the caller (``--id``) or made from the title (``slug_identifier``);
- each group (nested groups too, flattened) → a process area: abbreviation = group id
  upper-cased, name = group title; it gets one implicit goal (id = group id, title =
  group title) that holds the group's controls;
- controls → practices (id = control id, e.g. ``ac-2``; title = control title); control
  enhancements (controls inside controls) → nested practices;
- the ``statement`` part → description: its prose, then every sub-part on its own line
  with its label (``a.``, ``1.``), indented by depth; parameters are written the way
  NIST prints them: ``[Assignment: label]`` and ``[Selection (one or more): a; b]``;
- the ``guidance`` part → appended to the description after a blank line, prefixed
  ``Guidance:``. The summary stays empty: NIST statements are lists, not one line.
- controls directly under the catalog (no group) go to a process area ``GENERAL``.

Structural problems (no catalog, a group or control without id or title, repeated ids)
are reported with their JSON path, and with their line when the text is cheap to place.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from typing import Any

import yaml

from uplift.apps.library.choices import ModelFormat
from uplift.apps.library.errors import LibraryImportError, Problem
from uplift.apps.library.importers.document import (
    GoalDoc,
    ModelDocument,
    PracticeDoc,
    ProcessAreaDoc,
)
from uplift.apps.library.importers.locate import PathPart, YamlLocator, json_path, load_yaml

UNGROUPED_AREA = "GENERAL"
_INSERT = re.compile(r"\{\{\s*insert:\s*param,\s*([^\s}]+)\s*\}\}")
_LOCATE_LIMIT = 5_000_000  # characters; composing a larger text for line numbers costs seconds


def slug_identifier(title: str) -> str:
    """A model id from a catalog title.

    "NIST Special Publication 800-53 Revision 5.1.1 LOW IMPACT BASELINE" gives
    "NIST-SP-800-53-LOW": "Special Publication" becomes "SP"; "Revision …" and
    "(impact) baseline" are dropped (the version is kept apart); the rest is upper-cased
    with dashes, at most 64 characters.
    """
    text = re.sub(r"\bspecial\s+publication\b", "SP", title, flags=re.IGNORECASE)
    text = re.sub(r"\b(revision|rev\.?)\s*[\w.]+", " ", text, flags=re.IGNORECASE)
    text = re.sub(r"\b(impact\s+)?baseline\b", " ", text, flags=re.IGNORECASE)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").upper()
    if len(slug) > 64:
        slug = slug[:64].rsplit("-", 1)[0]
    return slug or "OSCAL-CATALOG"


def parse_oscal(text: str, *, filename: str, identifier: str | None = None) -> ModelDocument:
    """Parse an OSCAL catalog JSON text; raises ``LibraryImportError`` with every problem."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise LibraryImportError(
            [Problem(f"invalid JSON: {error.msg}", file=filename, line=error.lineno)]
        ) from error
    reader = _CatalogReader(filename, text)
    document = reader.read(data, identifier)
    if reader.problems or document is None:
        raise LibraryImportError(sorted(reader.problems, key=lambda p: (p.line or 0, p.path)))
    return document


class _CatalogReader:
    def __init__(self, filename: str, text: str) -> None:
        self.filename = filename
        self.text = text
        self.problems: list[Problem] = []
        self.params: dict[str, str] = {}
        self._locator: YamlLocator | None = None
        self._control_ids: set[str] = set()

    def problem(self, message: str, parts: Sequence[PathPart], field: str = "") -> None:
        self.problems.append(
            Problem(
                message,
                file=self.filename,
                line=self._line(parts),
                path=json_path(parts),
                field=field,
            )
        )

    def _line(self, parts: Sequence[PathPart]) -> int | None:
        if len(self.text) > _LOCATE_LIMIT:
            return None
        locator = self._locator
        if locator is None:
            try:
                node, _ = load_yaml(self.text)
            except yaml.YAMLError:  # a few JSON texts (e.g. tab-indented) are not YAML
                node = None
            locator = self._locator = YamlLocator(node)
        line: int | None = locator.line(parts)
        return line

    def read(self, data: Any, identifier: str | None) -> ModelDocument | None:
        catalog = data.get("catalog") if isinstance(data, dict) else None
        if not isinstance(catalog, dict):
            self.problem("not an OSCAL catalog: there is no 'catalog' object", ())
            return None
        metadata = catalog.get("metadata")
        if not isinstance(metadata, dict):
            self.problem("the catalog has no 'metadata' object", ("catalog",), "metadata")
            metadata = {}
        title = metadata.get("title")
        version = metadata.get("version")
        for name, value in (("title", title), ("version", version)):
            if not isinstance(value, str) or not value.strip():
                self.problem(f"the catalog metadata has no {name}", ("catalog", "metadata"), name)
        self._collect_params(catalog)

        areas: list[ProcessAreaDoc] = []
        seen_groups: set[str] = set()
        for group, parts in self._groups(catalog.get("groups", []), ("catalog", "groups")):
            area = self._area(group, parts, seen_groups)
            if area is not None:
                areas.append(area)
        loose = catalog.get("controls", [])
        if loose:
            practices = self._practices(loose, ("catalog", "controls"))
            goal = GoalDoc(
                identifier="general", title="Controls outside any group", practices=practices
            )
            areas.append(
                ProcessAreaDoc(
                    abbreviation=UNGROUPED_AREA, name="Controls outside any group", goals=(goal,)
                )
            )
        if not areas and not self.problems:
            self.problem("the catalog has no groups and no controls", ("catalog",))
        if self.problems or not isinstance(title, str) or not isinstance(version, str):
            return None
        source = {
            "title": title,
            "oscal_version": metadata.get("oscal-version", ""),
            "last_modified": metadata.get("last-modified", ""),
            "uuid": catalog.get("uuid", ""),
        }
        return ModelDocument(
            identifier=identifier or slug_identifier(title),
            version=version.strip()[:32],
            name=title.strip(),
            format=ModelFormat.OSCAL.value,
            description=_remarks(metadata),
            source={key: value for key, value in source.items() if value},
            process_areas=tuple(areas),
            filename=self.filename,
        )

    def _groups(
        self, groups: Any, parts: tuple[PathPart, ...]
    ) -> Iterator[tuple[dict[str, Any], tuple[PathPart, ...]]]:
        if not isinstance(groups, list):
            self.problem("'groups' must be a list", parts)
            return
        for index, group in enumerate(groups):
            here = (*parts, index)
            if not isinstance(group, dict):
                self.problem("a group must be an object", here)
                continue
            yield group, here
            yield from self._groups(group.get("groups", []), (*here, "groups"))

    def _area(
        self, group: dict[str, Any], parts: tuple[PathPart, ...], seen: set[str]
    ) -> ProcessAreaDoc | None:
        group_id, title = group.get("id"), group.get("title")
        ok = True
        if not isinstance(group_id, str) or not group_id.strip():
            self.problem("the group has no id", parts, "id")
            ok = False
        elif group_id.upper() in seen:
            self.problem(f"group {group_id!r} is listed twice", (*parts, "id"))
            ok = False
        else:
            seen.add(group_id.upper())
        if not isinstance(title, str) or not title.strip():
            self.problem("the group has no title", parts, "title")
            ok = False
        practices = self._practices(group.get("controls", []), (*parts, "controls"))
        if not ok or not isinstance(group_id, str) or not isinstance(title, str):
            return None
        goal = GoalDoc(identifier=group_id, title=title.strip(), practices=practices)
        return ProcessAreaDoc(abbreviation=group_id.upper(), name=title.strip(), goals=(goal,))

    def _practices(self, controls: Any, parts: tuple[PathPart, ...]) -> tuple[PracticeDoc, ...]:
        if not isinstance(controls, list):
            self.problem("'controls' must be a list", parts)
            return ()
        practices = []
        for index, control in enumerate(controls):
            here = (*parts, index)
            if not isinstance(control, dict):
                self.problem("a control must be an object", here)
                continue
            practice = self._practice(control, here)
            if practice is not None:
                practices.append(practice)
        return tuple(practices)

    def _practice(self, control: dict[str, Any], parts: tuple[PathPart, ...]) -> PracticeDoc | None:
        control_id, title = control.get("id"), control.get("title")
        ok = True
        if not isinstance(control_id, str) or not control_id.strip():
            self.problem("the control has no id", parts, "id")
            ok = False
        elif control_id in self._control_ids:
            self.problem(f"control {control_id!r} is listed twice", (*parts, "id"))
            ok = False
        else:
            self._control_ids.add(control_id)
        if not isinstance(title, str) or not title.strip():
            self.problem("the control has no title", parts, "title")
            ok = False
        children = self._practices(control.get("controls", []), (*parts, "controls"))
        if not ok or not isinstance(control_id, str) or not isinstance(title, str):
            return None
        statement, guidance = "", ""
        for part in control.get("parts", []):
            if not isinstance(part, dict):
                continue
            if part.get("name") == "statement":
                statement = "\n".join(self._flatten(part, depth=0))
            elif part.get("name") == "guidance":
                guidance = self._prose(part)
        description = statement
        if guidance:
            description = f"{statement}\n\nGuidance: {guidance}" if statement else guidance
        return PracticeDoc(
            identifier=control_id,
            title=title.strip(),
            description=description,
            practices=children,
        )

    def _flatten(self, part: dict[str, Any], depth: int) -> Iterator[str]:
        """The part's prose, then each sub-part as "label prose", indented by depth."""
        label = _label(part)
        prose = self._prose(part)
        line = " ".join(text for text in (label, prose) if text)
        if line:
            yield "  " * max(depth - 1, 0) + line
        for child in part.get("parts", []):
            if isinstance(child, dict):
                yield from self._flatten(child, depth + 1)

    def _prose(self, part: dict[str, Any]) -> str:
        prose = part.get("prose", "")
        if not isinstance(prose, str):
            return ""
        return _INSERT.sub(lambda m: self.params.get(m.group(1), m.group(0)), prose).strip()

    def _collect_params(self, catalog: dict[str, Any]) -> None:
        """Every parameter's printed form, by id (params of groups and nested controls too)."""
        raw: dict[str, dict[str, Any]] = {}
        stack: list[Any] = [catalog]
        while stack:
            item = stack.pop()
            if not isinstance(item, dict):
                continue
            for param in item.get("params", []) or []:
                if isinstance(param, dict) and isinstance(param.get("id"), str):
                    raw[param["id"]] = param
            stack.extend(item.get("groups", []) or [])
            stack.extend(item.get("controls", []) or [])

        def render(param: dict[str, Any], depth: int = 0) -> str:
            select = param.get("select")
            if isinstance(select, dict):
                choices = [
                    _INSERT.sub(
                        lambda m: (
                            render(raw[m.group(1)], depth + 1)
                            if m.group(1) in raw and depth < 3
                            else m.group(0)
                        ),
                        str(choice),
                    )
                    for choice in select.get("choice", [])
                ]
                how = " (one or more)" if select.get("how-many") == "one-or-more" else ""
                return f"[Selection{how}: {'; '.join(choices)}]"
            label = param.get("label")
            return f"[Assignment: {label}]" if label else f"[Assignment: {param.get('id')}]"

        self.params = {param_id: render(param) for param_id, param in raw.items()}


def _label(part: dict[str, Any]) -> str:
    for prop in part.get("props", []) or []:
        if isinstance(prop, dict) and prop.get("name") == "label" and "class" not in prop:
            return str(prop.get("value", ""))
    return ""


def _remarks(metadata: dict[str, Any]) -> str:
    remarks = metadata.get("remarks", "")
    return remarks.strip() if isinstance(remarks, str) else ""
