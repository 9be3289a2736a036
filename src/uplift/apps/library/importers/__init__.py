"""Importers: files → ``ModelDocument``; they never touch the database.

``parse_file`` is the entry point: it reads a path or bytes, picks the format (given, or
guessed from the extension and the content) and returns the document, or raises
``LibraryImportError`` listing every located problem. ``services.library_import`` then
writes the document.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from uplift.apps.library.choices import ModelFormat
from uplift.apps.library.errors import LibraryImportError, Problem
from uplift.apps.library.importers.csv_format import parse_csv
from uplift.apps.library.importers.document import ModelDocument
from uplift.apps.library.importers.oscal import parse_oscal
from uplift.apps.library.importers.uplift_format import parse_uplift

__all__ = ["FORMATS", "ModelDocument", "guess_format", "parse_file"]

FORMATS = tuple(choice.value for choice in ModelFormat)
_CATALOG_KEY = re.compile(r'^\s*\{\s*"catalog"\s*:')


def guess_format(filename: str, text: str) -> tuple[str, str]:
    """(format, syntax) of a file: format is a ``ModelFormat`` value, syntax yaml/json/csv.

    ``.csv`` is CSV; ``.yaml``/``.yml`` our YAML; ``.json`` is OSCAL when its top-level
    object has a ``catalog`` key, else our JSON. Without a known extension the content
    decides the same way; a first line naming ``model_id`` is CSV; anything else YAML.
    """
    suffix = Path(filename).suffix.lower()
    head = text.lstrip("\ufeff \t\r\n")[:4096]
    if suffix == ".csv":
        return str(ModelFormat.CSV), "csv"
    if suffix in {".yaml", ".yml"}:
        return str(ModelFormat.UPLIFT), "yaml"
    if suffix == ".json" or head.startswith("{"):
        return (_json_format(text), "json")
    if "model_id" in head.split("\n", 1)[0]:
        return str(ModelFormat.CSV), "csv"
    return str(ModelFormat.UPLIFT), "yaml"


def _json_format(text: str) -> str:
    if _CATALOG_KEY.match(text):
        return str(ModelFormat.OSCAL)
    if '"catalog"' not in text[:200_000]:
        return str(ModelFormat.UPLIFT)
    try:  # "catalog" appears but not first: decide on the parsed top-level keys
        data = json.loads(text)
    except json.JSONDecodeError:
        return str(ModelFormat.UPLIFT)  # the uplift parser reports the syntax error
    is_catalog = isinstance(data, dict) and "catalog" in data
    return str(ModelFormat.OSCAL if is_catalog else ModelFormat.UPLIFT)


def parse_file(
    source: str | Path | bytes,
    filename: str | None = None,
    format: str | None = None,
    *,
    identifier: str | None = None,
) -> ModelDocument:
    """Parse a model file into a ``ModelDocument``.

    ``source`` is a path (``str`` or ``Path``) or the file's bytes; ``filename`` names it in
    messages and for format guessing (defaults to the path's name). ``format`` is one of
    ``uplift``, ``oscal``, ``csv`` (guessed when None); ``identifier`` replaces the
    model id given by the file (for OSCAL: instead of the slug of the title).

    Raises ``LibraryImportError`` with every located problem (unreadable file, unknown
    format, syntax, schema and consistency problems).
    """
    if isinstance(source, bytes):
        raw = source
        name = filename or "<input>"
    else:
        path = Path(source)
        name = filename or path.name
        try:
            raw = path.read_bytes()
        except OSError as error:
            raise LibraryImportError(
                [Problem(f"cannot read the file: {error.strerror}", file=name)]
            ) from error
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise LibraryImportError(
            [Problem("the file is not UTF-8 text", file=name, line=line)]
        ) from error

    guessed, syntax = guess_format(name, text)
    if format is None:
        format = guessed
    elif format not in FORMATS:
        raise LibraryImportError(
            [Problem(f"unknown format {format!r}; use one of {', '.join(FORMATS)}", file=name)]
        )
    if format == ModelFormat.OSCAL:
        return parse_oscal(text, filename=name, identifier=identifier)
    if format == ModelFormat.CSV:
        return parse_csv(text, filename=name, identifier=identifier)
    if syntax == "csv":  # forced to uplift: the content decides between YAML and JSON
        syntax = "json" if text.lstrip().startswith("{") else "yaml"
    return parse_uplift(text, filename=name, syntax=syntax, identifier=identifier)
