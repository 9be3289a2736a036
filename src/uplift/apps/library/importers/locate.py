"""Places in input files: JSON paths and the YAML lines they point at.

``json_path(("process_areas", 3, "goals", 0))`` renders ``$.process_areas[3].goals[0]``.
A ``YamlLocator`` walks a node tree from ``yaml.compose`` to turn such a path into a
1-based line number, so a schema error in a YAML file is reported at its line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import yaml

PathPart = str | int

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")

# libyaml is an optional C extension of PyYAML; it makes composing ~10x faster.
SafeLoader: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = getattr(
    yaml, "CSafeLoader", yaml.SafeLoader
)


def json_path(parts: Sequence[PathPart]) -> str:
    """Render path parts as a JSON path: ``$``, ``$.id``, ``$.process_areas[3].name``."""
    out = ["$"]
    for part in parts:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif _PLAIN_KEY.match(part):
            out.append(f".{part}")
        else:
            out.append(f"[{part!r}]")
    return "".join(out)


class YamlLocator:
    """Maps JSON paths to 1-based lines in a composed YAML (or JSON) node tree."""

    def __init__(self, root: yaml.Node | None) -> None:
        self.root = root

    def line(self, parts: Sequence[PathPart], *, key: bool = False) -> int | None:
        """The line of the value at ``parts``; with ``key`` the line of its mapping key.

        Stops at the deepest node that exists, so a path into a missing element still
        gives the line of its nearest existing parent.
        """
        node = self.root
        if node is None:
            return None
        line = node.start_mark.line + 1
        last = len(parts) - 1
        for index, part in enumerate(parts):
            child: yaml.Node | None = None
            if isinstance(node, yaml.MappingNode) and isinstance(part, str):
                for key_node, value_node in node.value:
                    if isinstance(key_node, yaml.ScalarNode) and key_node.value == part:
                        child = key_node if key and index == last else value_node
                        break
            elif (
                isinstance(node, yaml.SequenceNode)
                and isinstance(part, int)
                and 0 <= part < len(node.value)
            ):
                child = node.value[part]
            if child is None:
                return line
            node = child
            line = node.start_mark.line + 1
        return line

    def duplicate_keys(self) -> Iterator[tuple[str, int]]:
        """Every mapping key given twice in one mapping, with the line of the repeat.

        PyYAML silently keeps the last value of a repeated key, which would drop data.
        """
        stack: list[yaml.Node] = [self.root] if self.root is not None else []
        while stack:
            node = stack.pop()
            if isinstance(node, yaml.MappingNode):
                seen: set[str] = set()
                for key_node, value_node in node.value:
                    if isinstance(key_node, yaml.ScalarNode):
                        if key_node.value in seen:
                            yield key_node.value, key_node.start_mark.line + 1
                        seen.add(key_node.value)
                    stack.append(value_node)
            elif isinstance(node, yaml.SequenceNode):
                stack.extend(node.value)


def load_yaml(text: str) -> tuple[yaml.Node | None, object]:
    """Compose a YAML (or JSON) text and construct its data in one pass.

    Returns the node tree (for ``YamlLocator``) and the data; raises ``yaml.YAMLError``.
    """
    loader = SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return node, data
