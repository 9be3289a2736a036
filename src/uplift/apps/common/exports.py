"""Exports of lists: CSV (declared columns over a queryset, streamed row by row) and
the pieces every XLSX export shares (a safe cell, the download response)."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse

__all__ = [
    "XLSX_CONTENT_TYPE",
    "csv_cell",
    "csv_response",
    "download",
    "resolve_attribute",
    "safe_cell",
]

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Spreadsheets run a cell starting with these as a formula (CSV injection, OWASP).
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def resolve_attribute(obj: Any, path: str) -> Any:
    """Follow a dotted attribute path (``model.identifier``), calling callables on the way."""
    value = obj
    for name in path.split("."):
        if value is None:
            return None
        value = getattr(value, name)
        if callable(value):
            value = value()
    return value


def csv_cell(value: Any) -> str:
    """Render one value: empty for None, true/false for booleans, formulas neutralized."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if text.startswith(_FORMULA_PREFIXES) and not isinstance(value, int | float):
        return f"'{text}"
    return text


def _rows(objects: Iterable[Any], columns: Sequence[tuple[str, str]]) -> Iterator[list[str]]:
    yield [header for header, _ in columns]
    for obj in objects:
        yield [csv_cell(resolve_attribute(obj, path)) for _, path in columns]


def csv_response(
    objects: QuerySet[Any] | Iterable[Any],
    columns: Sequence[tuple[str, str]],
    *,
    filename: str,
) -> StreamingHttpResponse:
    """Stream ``objects`` as CSV with one column per ``(header, dotted attribute)``."""
    if isinstance(objects, QuerySet):
        objects = objects.iterator(chunk_size=2000)
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in _rows(objects, columns)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    """``content`` as an attachment named ``filename``."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def safe_cell(value: Any) -> Any:
    """A value a spreadsheet shows as written: formula-like texts get a leading ``'``;
    aware date-times become naive UTC (Excel has no time zones); None stays empty."""
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    if value is not None and not isinstance(value, str | int | float | dt.date):
        return str(value)
    return value
