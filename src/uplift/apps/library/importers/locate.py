"""Places in input files: JSON paths and the YAML lines they point at.

``json_path(("process_areas", 3, "goals", 0))`` renders ``$.process_areas[3].goals[0]``.
A ``YamlLocator`` walks a node tree from ``yaml.compose`` to turn such a path into a
1-based line number, so a schema error in a YAML file is reported at its line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import yaml

# The locator itself is the domain's, shared with the appraisal format.
from uplift.domain.yaml_locate import PathPart, YamlLocator

__all__ = ["PathPart", "SafeLoader", "YamlLocator", "json_path", "load_yaml"]

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
