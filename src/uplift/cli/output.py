"""What the commands print: JSON made from the services' results, and plain tables.

Shared by the command groups that print rows of the database (improvements,
deployments); the statistics commands print their own documented JSON shapes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from typing import Any

import typer

__all__ = ["json_ready", "print_json", "print_table", "username"]


def json_ready(value: Any) -> Any:
    """A JSON-ready copy: decimals and fractions as numbers, dates as ISO text,
    dataclasses as objects (their ``as_json()`` when they have one), rows as their id."""
    if isinstance(value, Decimal | Fraction):
        return float(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        as_json = getattr(value, "as_json", None)
        if callable(as_json):
            return json_ready(as_json())
        return {f.name: json_ready(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(key): json_ready(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_ready(item) for item in value]
    if hasattr(value, "pk") and hasattr(value, "_meta"):
        return value.pk
    return value


def print_json(data: Mapping[str, Any]) -> None:
    """``data`` as indented JSON (no NaN: a non-finite number is a bug, not output)."""
    typer.echo(json.dumps(json_ready(data), indent=2, ensure_ascii=False, allow_nan=False))


def print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """Rows under a header, each column as wide as its widest cell."""
    widths = [max(len(line[i]) for line in [header, *rows]) for i in range(len(header))]
    for line in [header, *rows]:
        typer.echo(
            "  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip()
        )


def username(user: Any) -> str | None:
    """The user's sign-in name, or None."""
    return None if user is None else str(user.get_username())
