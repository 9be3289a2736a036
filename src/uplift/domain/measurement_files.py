"""CSV files of measured values, for the statistics that run on plain files (issue 4).

A file is CSV text (UTF-8, with or without a byte-order mark) whose header names a
``value`` column; other columns are ignored. The delimiter is a comma, semicolon or
tab, sniffed from the header. Blank lines are skipped. Each other row must have as
many cells as the header, and its value must be a decimal number written with a
point (``12``, ``-0.5``, ``1.2e3``): a decimal comma, a thousands separator, ``nan``
or ``inf`` is refused rather than guessed at, and so is an empty cell (a missing
observation is left out of the file, not written as a blank).

Every problem is a :class:`~uplift.domain.errors.Problem` naming the file, the line
(counted from 1, the header being line 1) and the column, raised together in one
:class:`~uplift.domain.errors.InvalidDocument`: "not CSV", a missing column, a bad
value, no values at all. Reading stops collecting after ``MAX_PROBLEMS`` problems and
adds one that counts the rest, so a wrong file of a million rows stays readable.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

from uplift.domain.errors import InvalidDocument, Problem

__all__ = ["MAX_PROBLEMS", "VALUE_COLUMN", "ValueColumn", "parse_values", "read_values"]

VALUE_COLUMN = "value"
MAX_PROBLEMS = 50

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+")
_ZIP_MAGIC = b"PK\x03\x04"  # XLSX, ODS and other zipped documents


@dataclass(frozen=True)
class ValueColumn:
    """The values of a file's value column, in file order, with each one's line."""

    filename: str
    column: str
    values: tuple[float, ...]
    lines: tuple[int, ...]


def read_values(
    source: str | Path | bytes, *, filename: str | None = None, column: str = VALUE_COLUMN
) -> ValueColumn:
    """Read the ``column`` of a CSV file (a path, or the file's bytes).

    ``filename`` names the file in problems (defaults to the path as given). Raises
    :class:`InvalidDocument` when the file cannot be read, is not UTF-8 CSV text, has
    no such column, a bad value, or no values.
    """
    if isinstance(source, bytes):
        raw = source
        name = filename or "<input>"
    else:
        name = filename or str(source)
        try:
            raw = Path(source).read_bytes()
        except OSError as error:
            raise InvalidDocument(
                [Problem(f"cannot read the file: {error.strerror}", file=name)]
            ) from None
    if raw.startswith(_ZIP_MAGIC):
        raise InvalidDocument(
            [
                Problem(
                    "the file is a zipped document (an XLSX workbook?), not CSV text; "
                    "save it as CSV",
                    file=name,
                )
            ]
        )
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise InvalidDocument(
            [Problem("the file is binary (a NUL byte), not CSV text", file=name, line=line)]
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise InvalidDocument(
            [Problem("the file is not UTF-8 text", file=name, line=line)]
        ) from None
    return parse_values(text, filename=name, column=column)


def parse_values(text: str, *, filename: str, column: str = VALUE_COLUMN) -> ValueColumn:
    """Parse CSV ``text``; see the module docstring for the rules and the problems."""
    text = text.removeprefix("\ufeff")
    header_line = text.split("\n", 1)[0]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(header_line, ",;\t")
    except csv.Error:
        dialect = csv.excel
    # strict: an unterminated quote is an error, not a value running to the end of the file
    reader = csv.reader(io.StringIO(text, newline=""), dialect, strict=True)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise InvalidDocument([Problem("the file is empty", file=filename, line=1)]) from None
    except csv.Error as error:
        raise InvalidDocument([Problem(f"not valid CSV: {error}", file=filename, line=1)]) from None
    positions = [i for i, name in enumerate(header) if name == column]
    if len(positions) != 1:
        found = ", ".join(repr(name) for name in header)
        message = (
            f"the column {column!r} is missing (the header has {found})"
            if not positions
            else f"the column {column!r} appears {len(positions)} times"
        )
        raise InvalidDocument([Problem(message, file=filename, line=1, field=column)])
    position = positions[0]

    problems: list[Problem] = []
    more = 0
    values: list[float] = []
    lines: list[int] = []

    def problem(message: str, line: int) -> None:
        nonlocal more
        if len(problems) < MAX_PROBLEMS:
            problems.append(Problem(message, file=filename, line=line, field=column))
        else:
            more += 1

    previous_end = reader.line_num
    while True:
        line = previous_end + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problem(f"not valid CSV: {error}", line)
            break
        previous_end = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            count = len(cells)
            problem(
                f"the row has {count} cell{'' if count == 1 else 's'}; "
                f"the header has {len(header)}",
                line,
            )
            continue
        value = _number(cells[position].strip())
        if isinstance(value, str):
            problem(value, line)
            continue
        values.append(value)
        lines.append(line)
    if more:
        problems.append(
            Problem(f"and {more} more problems like these", file=filename, field=column)
        )
    if not problems and not values:
        problems.append(
            Problem("the file has no values, only a header", file=filename, line=1, field=column)
        )
    if problems:
        raise InvalidDocument(problems)
    return ValueColumn(filename, column, tuple(values), tuple(lines))


def _number(cell: str) -> float | str:
    """The cell's number, or the reason it is not one."""
    if not cell:
        return "the value is empty"
    if _NUMBER.fullmatch(cell):
        number = float(cell)
        if math.isfinite(number):
            return number
        return f"{cell!r} is too large for a number"
    if _DECIMAL_COMMA.fullmatch(cell):
        return f"{cell!r} is not a number; write decimals with a point"
    return f"{cell!r} is not a number"
