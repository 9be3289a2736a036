"""Lines of JSON paths in YAML (and JSON) texts, for located problems.

Pure: PyYAML only. :func:`load_located` composes a text once and returns its data
and a ``locate`` function that turns a JSON path as the parsers report it
(``$.process_areas[3]``, ``$.characterizations["REQM SP 1.1"].alpha``,
``$.judgments.practices['PP SP 2.3']``) into the 1-based line it points at: the
line of the mapping key for a mapping entry (the key names the thing), of the item
for a sequence element, and of the nearest existing parent for a path into
something missing. YAML syntax errors and keys given twice in one mapping (PyYAML
would silently keep the last one) are reported as :class:`InvalidDocument`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence

import yaml

from uplift.domain.errors import InvalidDocument, Problem

__all__ = [
    "Locate",
    "PathPart",
    "YamlLocator",
    "load_located",
    "parse_json_path",
]

PathPart = str | int
Locate = Callable[[str], int | None]

# libyaml is an optional C extension of PyYAML; it makes composing ~10x faster.
_Loader: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = getattr(
    yaml, "CSafeLoader", yaml.SafeLoader
)

_TOKEN = re.compile(
    r"""\.(?P<name>[^.\[]+)            # .name
      | \[(?P<index>\d+)\]             # [3]
      | \["(?P<dq>(?:[^"\\]|\\.)*)"\]  # ["key with spaces"]
      | \['(?P<sq>(?:[^'\\]|\\.)*)'\]  # ['key'] (Python repr, as the library reports)
    """,
    re.VERBOSE,
)


def parse_json_path(path: str) -> tuple[PathPart, ...]:
    """``$.a["b c"][2].d`` → ``("a", "b c", 2, "d")``; parsing stops at anything unknown."""
    if not path.startswith("$"):
        return ()
    parts: list[PathPart] = []
    position = 1
    while position < len(path):
        match = _TOKEN.match(path, position)
        if match is None:
            break
        if match.group("index") is not None:
            parts.append(int(match.group("index")))
        else:
            text = next(g for g in (match["name"], match["dq"], match["sq"]) if g is not None)
            parts.append(re.sub(r"\\(.)", r"\1", text) if match["name"] is None else text)
        position = match.end()
    return tuple(parts)


class YamlLocator:
    """Maps JSON paths to 1-based lines in a composed YAML (or JSON) node tree."""

    def __init__(self, root: yaml.Node | None) -> None:
        self.root = root

    def __call__(self, path: str) -> int | None:
        """The line of a JSON path string (the ``Locate`` protocol of the parsers)."""
        return self.line(parse_json_path(path), key=True)

    def line(self, parts: Sequence[PathPart], *, key: bool = False) -> int | None:
        """The line of the value at ``parts``; with ``key`` the line of its mapping key.

        Stops at the deepest node that exists, so a path into a missing element still
        gives the line of its nearest existing parent.
        """
        node = self.root
        if node is None:
            return None
        line: int = node.start_mark.line + 1
        last = len(parts) - 1
        for index, part in enumerate(parts):
            child: yaml.Node | None = None
            if isinstance(node, yaml.MappingNode):
                for key_node, value_node in node.value:
                    if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(part):
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
        """Every mapping key given twice in one mapping, with the line of the repeat."""
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


def load_located(text: str, *, filename: str = "") -> tuple[object, YamlLocator]:
    """Compose and construct a YAML or JSON text in one pass; return (data, locator).

    Raises :class:`InvalidDocument` for a syntax error (with its line) and for keys
    given twice in one mapping (each with the line of the repeat).
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        message = error.problem or error.context or "is not valid YAML or JSON"
        raise InvalidDocument(
            [Problem(f"syntax error: {message}", filename, mark.line + 1 if mark else None)]
        ) from error
    except yaml.YAMLError as error:
        raise InvalidDocument([Problem(f"syntax error: {error}", filename)]) from error
    finally:
        loader.dispose()
    locator = YamlLocator(node)
    repeated = [
        Problem(f"the key {key!r} is given twice in one mapping", filename, line)
        for key, line in locator.duplicate_keys()
    ]
    if repeated:
        raise InvalidDocument(sorted(repeated, key=lambda p: p.line or 0))
    return data, locator
