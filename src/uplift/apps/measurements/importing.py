"""Observation files: reading, column mapping and checking (issue 4). Writes nothing.

The format is described for users in ``docs/measurements-import.md``; in short:

- CSV text (UTF-8, with or without a byte-order mark, delimiter ``,`` ``;`` or tab
  sniffed from the header) or an XLSX workbook (the first sheet, or the one named);
- a header row naming the columns ``measure`` (a measure's slug), ``work_activity``
  (a work activity's slug), ``observed_at`` (an ISO date or date and time), ``value``
  (a number written with a decimal point) and optionally ``source``; names are
  case-insensitive, other columns are ignored, and ``mapping`` ({file column: our
  column}) maps a file's own names to ours;
- a date means midnight UTC; a time without an offset is UTC; an offset (``Z``,
  ``+02:00``) is converted to UTC. No naive time leaves this module;
- one value per measure, work activity and time: a second row with the same key is a
  problem, located at the later line.

Three entry points:

- :func:`preview`: the header, the first rows, the mapping (given or guessed) and the
  problems found so far, for the UI's preview and mapping step;
- :func:`check`: reads the whole file and raises :class:`InvalidDocument` listing
  every bad row (line, column, reason; the first ``MAX_PROBLEMS`` and a count of the
  rest), else returns a summary. It looks measures and work activities up once;
- :class:`ObservationReader`: the streaming reader both use, and which the import
  service (``services.observations``) writes from: it yields :class:`RowBatch` es of
  ``BATCH_ROWS`` checked rows as NumPy columns, never one Python object per row for
  the whole file. Besides the current batch it keeps 12 bytes per row (the compact
  key and line used to find duplicates at the end), so 5 million rows cost ~60 MB;
  with ``keep_rows`` (an import into an empty table) the values too, ~25 bytes a row,
  to give the rows back sorted by key (:meth:`ObservationReader.sorted_batches`).

Lines are counted from 1, the header being line 1 (in a workbook: the sheet's row
numbers). Problems use :class:`uplift.domain.errors.Problem`, so the UI, the API and
the CLI print them like every other rejected file.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice
from operator import itemgetter
from pathlib import Path
from typing import IO, Any, Literal

import numpy as np
import numpy.typing as npt

from uplift.apps.measurements.fast_csv import PlainBlock, PlainReader
from uplift.apps.measurements.models import Measure
from uplift.apps.organization.selectors import work_activity_list
from uplift.domain.errors import InvalidDocument, Problem

__all__ = [
    "BATCH_ROWS",
    "COLUMNS",
    "MAX_PROBLEMS",
    "REQUIRED_COLUMNS",
    "SOURCE_MAX_LENGTH",
    "CheckedFile",
    "ObservationReader",
    "Preview",
    "RowBatch",
    "check",
    "guess_mapping",
    "lookups",
    "preview",
]

COLUMNS = ("measure", "work_activity", "observed_at", "value", "source")
REQUIRED_COLUMNS = ("measure", "work_activity", "observed_at", "value")
MAX_PROBLEMS = 100
BATCH_ROWS = 10_000
SOURCE_MAX_LENGTH = 100  # Observation.source

FileFormat = Literal["csv", "xlsx"]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

# Header names (lower case, spaces and hyphens as underscores) guessed as our columns.
_SYNONYMS = {
    "measure": ("measure", "measure_slug", "metric", "indicator"),
    "work_activity": (
        "work_activity",
        "work_activity_slug",
        "activity",
        "project",
        "service",
    ),
    "observed_at": ("observed_at", "date", "time", "timestamp", "datetime", "observed"),
    "value": ("value", "observation", "measurement"),
    "source": ("source",),
}
_ZIP_MAGIC = b"PK\x03\x04"
_DECODE_BLOCK = 1 << 20
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
# ISO 8601 as people write it: a date, or a date and a time (T or a space between),
# seconds and fractions optional, then an optional Z or numeric offset.
_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|z|[+-]\d{2}(?::?\d{2})?)?)?"
)
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_DECIMAL_COMMA = re.compile(r"[+-]?[0-9]*,[0-9]+")


# --- results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    """What the UI shows before an import: the file's header and first rows, the mapping
    (given, or guessed from the header) and the problems found in those rows.

    ``mapping`` maps a file column to one of ``COLUMNS``, like the ``mapping`` argument;
    ``problems`` covers the header, the mapping and the previewed rows only.
    """

    filename: str
    format: FileFormat
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    mapping: dict[str, str]
    problems: tuple[Problem, ...]

    @property
    def missing(self) -> tuple[str, ...]:
        """The required columns that no file column maps to."""
        mapped = set(self.mapping.values())
        return tuple(column for column in REQUIRED_COLUMNS if column not in mapped)


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed :func:`check`: how many rows, which measures, which period."""

    filename: str
    format: FileFormat
    rows: int
    measures: tuple[str, ...]
    work_activities: tuple[str, ...]
    first: datetime | None
    last: datetime | None


@dataclass(frozen=True)
class RowBatch:
    """Checked rows as columns: ids, UTC microseconds since 1970, values, sources.

    ``sources`` is ``None`` when every row of the batch has an empty source.
    """

    lines: IntArray
    measure_ids: IntArray
    work_activity_ids: IntArray
    observed_at: IntArray
    values: FloatArray
    sources: list[str] | None

    def __len__(self) -> int:
        return int(self.lines.size)


# --- lookups ------------------------------------------------------------------------------


def lookups() -> tuple[dict[str, int], dict[str, int]]:
    """Every measure's and every work activity's ``{slug: id}``: two queries."""
    measures = dict(Measure.objects.values_list("slug", "pk"))
    work_activities = dict(work_activity_list().order_by().values_list("slug", "pk"))
    return measures, work_activities


# --- mapping ------------------------------------------------------------------------------


def _normal(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def guess_mapping(header: Iterable[str]) -> dict[str, str]:
    """Guess ``{file column: our column}`` from a header (case-insensitive, synonyms).

    A column of ours is guessed only when exactly one file column fits it, so a guess
    is never ambiguous; the caller shows it and lets the user change it.
    """
    names = list(header)
    mapping: dict[str, str] = {}
    for ours, synonyms in _SYNONYMS.items():
        for synonym in synonyms:
            found = [name for name in names if _normal(name) == synonym]
            if len(found) == 1 and found[0] not in mapping:
                mapping[found[0]] = ours
                break
            if len(found) > 1:
                break
    return mapping


def _resolve(
    header: list[str], mapping: Mapping[str, str] | None, filename: str
) -> tuple[dict[str, int], list[Problem]]:
    """Our column → its position in the header, and the problems of header and mapping."""
    problems: list[Problem] = []
    if mapping is None:
        mapping = guess_mapping(header)
    positions: dict[str, int] = {}
    stripped = [name.strip() for name in header]
    for theirs, ours in mapping.items():
        if ours not in COLUMNS:
            problems.append(
                Problem(
                    f"the mapping names {ours!r}, which is not a column of ours "
                    f"({', '.join(COLUMNS)})",
                    file=filename,
                    line=1,
                    field=theirs,
                )
            )
            continue
        matches = [i for i, name in enumerate(stripped) if name == theirs.strip()]
        if not matches:
            matches = [i for i, name in enumerate(stripped) if name.lower() == theirs.lower()]
        if len(matches) != 1:
            problems.append(
                Problem(
                    f"the mapping names the column {theirs!r}, which the header has "
                    + ("twice" if matches else "not"),
                    file=filename,
                    line=1,
                    field=ours,
                )
            )
            continue
        if ours in positions:
            problems.append(
                Problem(f"two columns are mapped to {ours!r}", file=filename, line=1, field=ours)
            )
            continue
        positions[ours] = matches[0]
    found = ", ".join(repr(name) for name in stripped) or "nothing"
    for ours in REQUIRED_COLUMNS:
        if ours not in positions and not any(p.field == ours for p in problems):
            problems.append(
                Problem(
                    f"the column {ours!r} is missing (the header has {found})",
                    file=filename,
                    line=1,
                    field=ours,
                )
            )
    return positions, problems


# --- opening ------------------------------------------------------------------------------


class _Rows:
    """A file's rows as lists of strings.

    ``rows`` iterates them; ``counter.line_num`` is the line (or sheet row) the last row
    returned ends on, as ``csv.reader`` counts it. CSV: ``csv.reader`` over the decoded
    stream. XLSX: the sheet's rows, each cell written as text the way a CSV file would
    hold it (numbers in full precision, dates and times in ISO form).
    """

    format: FileFormat
    header: list[str]
    rows: Iterator[list[str]]
    counter: Any
    total_rows: int | None = None  # known for workbooks

    def fraction(self) -> float | None:
        """How much of the file has been read (0..1), if known."""
        return None

    def bad_text_line(self) -> int | None:
        """The line of the first byte that is not UTF-8 (CSV only; after a decode error)."""
        return None

    def close(self) -> None:
        return None


class _CsvRows(_Rows):
    """See :class:`_Rows`. ``plain_header``: the header is one line without quotes, so
    the fast path (``fast_csv``) may read the rows; ``resume`` then goes on from a line."""

    format: FileFormat = "csv"

    def __init__(
        self, raw: IO[bytes], size: int | None, *, path: str | None, data: bytes | None
    ) -> None:
        self._raw = raw
        self._size = size
        self.path = path
        self.data = data
        bom = raw.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8
        raw.seek(0)
        self._text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        first = self._text.readline()
        self.header_bytes = len(first.encode()) + (len(codecs.BOM_UTF8) if bom else 0)
        self._text.seek(0)
        counts = {delimiter: first.count(delimiter) for delimiter in (",", ";", "\t")}
        delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
        self.delimiter = delimiter
        self.plain_header = '"' not in first
        self._start(0)
        self.header = next(self.rows, [])

    def _start(self, skip: int) -> None:
        """A csv reader from the start of the text, after ``skip`` lines."""
        if skip:
            for _ in islice(self._text, skip):
                pass
        # strict: an unterminated quote is an error, not a cell running to the end
        reader = csv.reader(self._text, delimiter=self.delimiter, strict=True)
        self.rows = reader
        self.counter = _LineCounter(reader, skip)

    def resume(self, line: int) -> None:
        """Read on from ``line`` (the next row starts there), from the file's start.

        Only for a file read so far one line a row (no quotes, no blank lines): the
        lines before are skipped as text. Raises ``UnicodeDecodeError`` like reading.
        """
        self._raw.seek(0)
        self._text.detach()
        self._text = io.TextIOWrapper(self._raw, encoding="utf-8-sig", newline="")
        self._start(line - 1)

    def fraction(self, done: int | None = None) -> float | None:
        if not self._size:
            return None
        try:
            return min(1.0, (self._raw.tell() if done is None else done) / self._size)
        except (OSError, ValueError):
            return None

    def bad_text_line(self) -> int | None:
        return _bad_utf8_line(self._raw)

    def close(self) -> None:
        self._text.close()


class _LineCounter:
    """The line a csv reader is at, counting the lines skipped before it started."""

    def __init__(self, reader: Any, skipped: int) -> None:
        self._reader = reader
        self._skipped = skipped

    @property
    def line_num(self) -> int:
        return int(self._reader.line_num) + self._skipped


def _bad_utf8_line(raw: IO[bytes]) -> int | None:
    """The line of the first byte of ``raw`` that is not UTF-8, or None.

    The decoder works ahead of the csv reader in blocks, so the line it failed on is
    found again from the start: the file is being refused, time is no issue.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    raw.seek(0)
    newlines = 0
    while block := raw.read(_DECODE_BLOCK):
        try:
            decoder.decode(block)
        except UnicodeDecodeError as error:
            return newlines + block[: max(error.start, 0)].count(b"\n") + 1
        newlines += block.count(b"\n")
    return None


class _XlsxRows(_Rows):
    format: FileFormat = "xlsx"

    def __init__(self, raw: IO[bytes], filename: str, sheet: str | None) -> None:
        import openpyxl  # a heavy import, needed only for workbooks

        self._raw = raw
        self._book = openpyxl.load_workbook(raw, read_only=True, data_only=True)
        if sheet is None:
            worksheet = self._book.worksheets[0]
        elif sheet in self._book.sheetnames:
            worksheet = self._book[sheet]
        else:
            names = ", ".join(repr(name) for name in self._book.sheetnames)
            self.close()
            raise InvalidDocument(
                [Problem(f"the workbook has no sheet {sheet!r} (it has {names})", file=filename)]
            )
        cells = worksheet.iter_rows(values_only=True)
        self.header = [_cell_text(cell) for cell in next(cells, ())]
        while self.header and not self.header[-1]:
            self.header.pop()
        self.line_num = 1
        self.counter = self
        self.rows = self._texts(cells)
        max_row = worksheet.max_row
        self.total_rows = max_row - 1 if isinstance(max_row, int) and max_row > 1 else None

    def _texts(self, rows: Iterator[tuple[object, ...]]) -> Iterator[list[str]]:
        width = len(self.header)
        for cells in rows:
            self.line_num += 1
            texts = [_cell_text(cell) for cell in cells]
            if len(texts) > width and not any(texts[width:]):  # the sheet's empty columns
                del texts[width:]
            yield texts

    def fraction(self) -> float | None:
        if self.total_rows:
            return min(1.0, (self.line_num - 1) / self.total_rows)
        return None

    def close(self) -> None:
        self._book.close()
        self._raw.close()


def _cell_text(cell: object) -> str:
    """A workbook cell as the text a CSV file would hold."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, float):
        return repr(cell)
    if isinstance(cell, datetime):
        return cell.isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, time):
        return cell.isoformat()
    return str(cell)


def _open(
    *, path: str | Path | None, data: bytes | None, filename: str, sheet: str | None
) -> _Rows:
    """Open a CSV or XLSX file; raise ``InvalidDocument`` if it is neither."""
    if (path is None) == (data is None):
        raise ValueError("Give either path or data.")
    raw: IO[bytes]
    if data is not None:
        raw, size = io.BytesIO(data), len(data)
    else:
        assert path is not None  # noqa: S101 - narrowing for mypy; checked above
        try:
            raw = open(path, "rb")  # noqa: SIM115 - closed by the _Rows that takes it
            size = Path(path).stat().st_size
        except OSError as error:
            raise InvalidDocument(
                [Problem(f"cannot read the file: {error.strerror}", file=filename)]
            ) from None
    head = raw.read(65536)
    raw.seek(0)
    if not head:
        raw.close()
        raise InvalidDocument([Problem("the file is empty", file=filename, line=1)])
    if head.startswith(_ZIP_MAGIC):
        try:
            return _XlsxRows(raw, filename, sheet)
        except InvalidDocument:
            raise
        except (zipfile.BadZipFile, KeyError, ValueError, OSError):
            raw.close()
            raise InvalidDocument(
                [
                    Problem(
                        "the file is a zipped document but not an XLSX workbook; "
                        "save it as XLSX or CSV",
                        file=filename,
                    )
                ]
            ) from None
    if b"\x00" in head:
        line = head[: head.index(b"\x00")].count(b"\n") + 1
        raw.close()
        raise InvalidDocument(
            [
                Problem(
                    "the file is neither CSV text nor an XLSX workbook (it holds binary data)",
                    file=filename,
                    line=line,
                )
            ]
        )
    try:
        return _CsvRows(raw, size, path=str(path) if path is not None else None, data=data)
    except UnicodeDecodeError:
        line = _bad_utf8_line(raw) or 1
        raw.close()
        raise InvalidDocument(
            [Problem("the file is not UTF-8 text", file=filename, line=line)]
        ) from None
    except csv.Error as error:
        raw.close()
        raise InvalidDocument([Problem(f"not valid CSV: {error}", file=filename, line=1)]) from None


# --- cells --------------------------------------------------------------------------------


def parse_timestamp(text: str) -> datetime | str:
    """An aware UTC datetime, or the reason ``text`` is not an ISO date or date and time."""
    cell = text.strip()
    if not cell:
        return "the time is empty"
    if _TIMESTAMP.fullmatch(cell):
        try:
            moment = datetime.fromisoformat(cell.replace("z", "Z"))
        except ValueError:
            return f"{cell!r} is not a valid date or time"
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    return (
        f"{cell!r} is not an ISO date or date and time "
        "(YYYY-MM-DD, or YYYY-MM-DDTHH:MM[:SS] with an optional offset such as Z or +02:00)"
    )


def parse_value(text: str) -> float | str:
    """The number in ``text``, or the reason it is not one (decimal point, finite)."""
    cell = text.strip()
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


def _microseconds(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICROSECOND


# --- the reader ---------------------------------------------------------------------------

_CHUNK_ROWS = 2048


@dataclass(frozen=True)
class _Checked:
    """The good rows of one chunk: lines, dense measure/activity/time indices, values,
    and the sources (empty when the file has no source column)."""

    lines: IntArray
    measures: IntArray
    activities: IntArray
    times: IntArray
    values: FloatArray
    sources: list[str]


@dataclass
class _Collected:
    """Problems kept (the first ``limit``) and counted."""

    filename: str
    limit: int
    problems: list[Problem] = field(default_factory=list)
    count: int = 0

    def add(self, message: str, line: int | None = None, column: str = "") -> None:
        self.count += 1
        if len(self.problems) < self.limit:
            self.problems.append(Problem(message, file=self.filename, line=line, field=column))

    def all(self) -> list[Problem]:
        more = self.count - len(self.problems)
        if more > 0:
            return [
                *self.problems,
                Problem(f"and {more} more problems like these", file=self.filename),
            ]
        return list(self.problems)


class ObservationReader:
    """Read a CSV or XLSX file of observations as checked batches of columns.

    ``measures`` and ``work_activities`` map slugs to ids (see :func:`lookups`).
    Iterate :meth:`batches`: each :class:`RowBatch` holds about ``batch_rows`` good
    rows; bad rows are not in any batch but collected in :attr:`problems` (capped at
    ``max_problems``, the rest counted). After the last batch, :meth:`finish` looks
    for duplicate keys and raises :class:`InvalidDocument` if the file had any
    problem; with ``keep_rows=True``, :meth:`sorted_batches` then gives the rows again
    in key order. Opening raises ``InvalidDocument`` when the file is not CSV or XLSX.

    A plain CSV file is read by pyarrow (``fast_csv``, about 0.3 µs a row): its
    blocks of rows checked on their distinct slugs and times. From the first block
    with anything irregular (``fast=False``: from the start), the csv module reads on.
    Its rows are checked in chunks of ``_CHUNK_ROWS``, column by column with C-level
    ``map`` calls (about 1.4 µs a row, the CSV parsing included); a chunk with any
    problem is checked again row by row, so every problem is found and located.

    The reader holds an open file: use it as a context manager, or call :meth:`close`.
    """

    def __init__(
        self,
        *,
        path: str | Path | None = None,
        data: bytes | None = None,
        filename: str | None = None,
        measures: Mapping[str, int],
        work_activities: Mapping[str, int],
        mapping: Mapping[str, str] | None = None,
        sheet: str | None = None,
        batch_rows: int = BATCH_ROWS,
        max_problems: int = MAX_PROBLEMS,
        keep_rows: bool = False,
        fast: bool = True,
    ) -> None:
        self.filename = filename or (str(path) if path is not None else "<input>")
        self._collected = _Collected(self.filename, max_problems)
        self._file = _open(path=path, data=data, filename=self.filename, sheet=sheet)
        self.format: FileFormat = self._file.format
        self.header = [name.strip() for name in self._file.header]
        self._positions, header_problems = _resolve(self.header, mapping, self.filename)
        for problem in header_problems:
            self._collected.add(problem.message, problem.line, problem.field)
        self._batch_rows = batch_rows
        # Dense indices make the duplicate key compact: slug -> index, index -> id.
        self._measure_slugs = sorted(measures)
        self._measure_ids = np.array([measures[s] for s in self._measure_slugs], dtype=np.int64)
        self._measure_index = {slug: i for i, slug in enumerate(self._measure_slugs)}
        self._activity_slugs = sorted(work_activities)
        self._activity_ids = np.array(
            [work_activities[s] for s in self._activity_slugs], dtype=np.int64
        )
        self._activity_index = {slug: i for i, slug in enumerate(self._activity_slugs)}
        # Distinct times: cell text -> index; index -> UTC microseconds.
        self._time_index: dict[str, int] = {}
        self._instant_index: dict[int, int] = {}
        self._instants: list[int] = []
        self._instant_array: IntArray = np.empty(0, dtype=np.int64)
        pairs = max(len(self._measure_slugs), 1) * max(len(self._activity_slugs), 1)
        self._pair_type = np.int32 if pairs < 2**31 else np.int64
        self._keys: list[tuple[npt.NDArray[np.integer[Any]], npt.NDArray[np.int32]]] = []
        self._lines: list[npt.NDArray[np.int32]] = []
        # keep_rows: the values and sources too, for sorted_batches() (8-12 bytes a row)
        self._keep_rows = keep_rows
        self._values: list[FloatArray] = []
        self._source_codes: list[npt.NDArray[np.int32]] = []
        self._source_index: dict[str, int] = {"": 0}
        self._order: IntArray | None = None
        self._measures_seen: set[int] = set()
        self._activities_seen: set[int] = set()
        self.rows = 0
        self._finished = False
        self._fast = fast
        self._plain: PlainReader | None = None  # while the fast path reads
        self.fast_rows = 0  # rows read by the fast path (the rest by the csv module)

    # context manager
    def __enter__(self) -> ObservationReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._file.close()

    @property
    def problems(self) -> list[Problem]:
        """The problems so far: the first ``max_problems``, then one counting the rest."""
        return self._collected.all()

    @property
    def has_problems(self) -> bool:
        return self._collected.count > 0

    def fraction(self) -> float | None:
        """How much of the file has been read (0..1), when it can be told."""
        if self._plain is not None and isinstance(self._file, _CsvRows):
            return self._file.fraction(self._plain.bytes)
        return self._file.fraction()

    @property
    def total_rows(self) -> int | None:
        """The number of data rows, when the file says so (workbooks)."""
        return self._file.total_rows

    def estimated_total(self) -> int | None:
        """The number of rows, known (workbook) or estimated from the bytes read so far."""
        if self._file.total_rows is not None:
            return self._file.total_rows
        fraction = self.fraction()
        if fraction and self.rows:
            return max(self.rows, round(self.rows / fraction))
        return None

    def batches(self, *, max_rows: int | None = None) -> Iterator[RowBatch]:
        """Checked rows, about ``batch_rows`` at a time.

        Reads nothing when the header or mapping is wrong. ``max_rows`` stops after that
        many data rows, good or bad (a preview); the rest of the file is not checked.
        """
        if self._collected.count:  # the header or mapping is wrong: rows cannot be read
            return
        file = self._file
        if self._fast and max_rows is None and isinstance(file, _CsvRows) and file.plain_header:
            plain = PlainReader(
                path=file.path,
                data=file.data,
                delimiter=file.delimiter,
                width=len(self.header),
                positions=self._positions,
                number_pattern=_NUMBER.pattern,
                header_bytes=file.header_bytes,
            )
            self._plain = plain
            yield from self._plain_batches(plain)
            self._plain = None
            self.fast_rows = plain.rows
            if plain.complete:
                if self.rows == 0:
                    self._collected.add("the file has no observations, only a header", 1)
                return
            # Something irregular: the slow path goes on from the block that holds it.
            try:
                file.resume(line=plain.rows + 2)
            except UnicodeDecodeError:
                self._collected.add("the file is not UTF-8 text", file.bad_text_line())
                return
        yield from self._slow_batches(max_rows)

    def _plain_batches(self, plain: PlainReader) -> Iterator[RowBatch]:
        """The fast path's batches, up to the first block it or :meth:`_plain` refuses."""
        pending: list[_Checked] = []
        pending_rows = 0
        blocks = plain.blocks()
        try:
            for block in blocks:
                checked = self._plain_block(block)
                if checked is None:
                    break
                pending.append(checked)
                pending_rows += checked.lines.size
                if pending_rows >= self._batch_rows:
                    yield self._batch(pending)
                    pending, pending_rows = [], 0
        finally:
            blocks.close()
        if pending:
            yield self._batch(pending)

    def _plain_block(self, block: PlainBlock) -> _Checked | None:
        """A fast-path block checked on its distinct texts, or None when any is wrong:
        an unknown slug (exact: no spaces), a time that does not parse, a long source."""
        measures = [self._measure_index.get(text, -1) for text in block.measure.texts]
        activities = [self._activity_index.get(text, -1) for text in block.work_activity.texts]
        if -1 in measures or -1 in activities:
            return None
        times = [self._time(text) for text in block.observed_at.texts]
        if any(isinstance(t, str) for t in times):
            return None
        sources: list[str] = []
        if block.source is not None:
            stripped = [text.strip() for text in block.source.texts]
            if any(len(text) > SOURCE_MAX_LENGTH for text in stripped):
                return None
            sources = np.array(stripped, dtype=object)[block.source.indices].tolist()
        first_line = block.first + 2  # the header is line 1; one line a row
        return _Checked(
            np.arange(first_line, first_line + block.rows, dtype=np.int64),
            np.array(measures, dtype=np.int64)[block.measure.indices],
            np.array(activities, dtype=np.int64)[block.work_activity.indices],
            np.array(times, dtype=np.int64)[block.observed_at.indices],
            block.values,
            sources,
        )

    def _slow_batches(self, max_rows: int | None) -> Iterator[RowBatch]:
        """Rows read by the csv module (or from a workbook), checked chunk by chunk."""
        rows: Iterator[list[str]] = self._file.rows
        if max_rows is not None:
            rows = islice(rows, max_rows)
        counter = self._file.counter
        pending: list[_Checked] = []
        pending_rows = 0
        ended = False
        while not ended:
            # Small chunks: a list of a few thousand rows stays in the CPU caches and
            # keeps the garbage collector's passes short (three times faster than 50,000).
            before = counter.line_num
            chunk: list[list[str]] = []
            add = chunk.append
            try:
                for cells in islice(rows, _CHUNK_ROWS):
                    add(cells)
            except csv.Error as error:
                self._collected.add(f"not valid CSV: {error}", counter.line_num + 1)
                ended = True
            except UnicodeDecodeError:
                self._collected.add("the file is not UTF-8 text", self._file.bad_text_line())
                ended = True
            if not chunk:
                ended = True
            else:
                lines = _lines(chunk, before, counter.line_num)
                checked = self._columns(chunk, lines)
                if checked is None:  # a problem somewhere in the chunk: row by row
                    checked = self._rows(chunk, lines)
                if checked is not None:
                    pending.append(checked)
                    pending_rows += checked.lines.size
            if pending and (ended or pending_rows >= self._batch_rows):
                yield self._batch(pending)
                pending, pending_rows = [], 0
        if self.rows == 0 and not self._collected.count and max_rows is None:
            self._collected.add("the file has no observations, only a header", 1)

    def _columns(self, chunk: list[list[str]], lines: IntArray) -> _Checked | None:
        """A chunk checked column by column (C-level ``map``), or ``None`` when a row
        needs a closer look: a blank or ragged row, an unknown slug, a bad value."""
        positions = self._positions
        if set(map(len, chunk)) != {len(self.header)}:
            return None
        measures = list(map(self._measure_index.get, map(itemgetter(positions["measure"]), chunk)))
        if None in measures:
            return None
        activities = list(
            map(self._activity_index.get, map(itemgetter(positions["work_activity"]), chunk))
        )
        if None in activities:
            return None
        texts = list(map(itemgetter(positions["observed_at"]), chunk))
        get_time = self._time_index.get
        times = list(map(get_time, texts))
        if None in times:  # times not seen before: parse each once, then they are known
            for text in set(texts).difference(self._time_index):
                self._time(text)
            times = list(map(get_time, texts))
            if None in times:
                return None
        value_texts = list(map(itemgetter(positions["value"]), chunk))
        try:
            values = np.array(list(map(float, value_texts)), dtype=np.float64)
        except ValueError:
            return None
        # float() also takes nan, inf, 1_000 and non-ASCII digits; parse_value() does not
        joined = "".join(value_texts)
        if not np.isfinite(values).all() or "_" in joined or not joined.isascii():
            return None
        sources: list[str] = []
        if "source" in positions:
            sources = list(map(str.strip, map(itemgetter(positions["source"]), chunk)))
            if max(map(len, sources)) > SOURCE_MAX_LENGTH:
                return None
        return _Checked(
            lines,
            np.array(measures, dtype=np.int64),
            np.array(activities, dtype=np.int64),
            np.array(times, dtype=np.int64),
            values,
            sources,
        )

    def _rows(self, chunk: list[list[str]], lines: IntArray) -> _Checked | None:
        """A chunk checked row by row: every problem of every row is collected."""
        positions = self._positions
        width = len(self.header)
        im, iw, it, iv = (positions[c] for c in REQUIRED_COLUMNS)
        isource = positions.get("source")
        collected = self._collected
        kept: list[int] = []
        ms: list[int] = []
        ws: list[int] = []
        ts: list[int] = []
        vs: list[float] = []
        sources: list[str] = []
        for cells, line in zip(chunk, lines.tolist(), strict=True):
            if len(cells) != width and (len(cells) < width or any(cells[width:])):
                if any(c.strip() for c in cells):
                    count = len(cells)
                    collected.add(
                        f"the row has {count} cell{'' if count == 1 else 's'}; "
                        f"the header has {width}",
                        line,
                    )
                continue
            checked = self._slow_cells(cells, im, iw, it, iv, line)
            if checked is None:
                continue
            if isource is not None:
                source = cells[isource].strip()
                if len(source) > SOURCE_MAX_LENGTH:
                    collected.add(
                        f"the source is longer than {SOURCE_MAX_LENGTH} characters",
                        line,
                        "source",
                    )
                    continue
                sources.append(source)
            m, w, t, v = checked
            kept.append(line)
            ms.append(m)
            ws.append(w)
            ts.append(t)
            vs.append(v)
        if not kept:
            return None
        return _Checked(
            np.array(kept, dtype=np.int64),
            np.array(ms, dtype=np.int64),
            np.array(ws, dtype=np.int64),
            np.array(ts, dtype=np.int64),
            np.array(vs, dtype=np.float64),
            sources,
        )

    def _slow_cells(
        self, cells: list[str], im: int, iw: int, it: int, iv: int, line: int
    ) -> tuple[int, int, int, float] | None:
        """Check a row the fast path did not accept: stripped cells; every problem."""
        collected = self._collected
        if not any(c.strip() for c in cells):
            return None  # a blank line
        m = self._measure_index.get(cells[im].strip())
        if m is None:
            collected.add(_unknown("measure", cells[im]), line, "measure")
        w = self._activity_index.get(cells[iw].strip())
        if w is None:
            collected.add(_unknown("work activity", cells[iw]), line, "work_activity")
        t = self._time(cells[it])
        if isinstance(t, str):
            collected.add(t, line, "observed_at")
        v = parse_value(cells[iv])
        if isinstance(v, str):
            collected.add(v, line, "value")
        if m is None or w is None or isinstance(t, str) or isinstance(v, str):
            return None
        return m, w, t, v

    def _time(self, text: str) -> int | str:
        """The index of the time in ``text`` (cached per distinct text), or a reason."""
        index = self._time_index.get(text)
        if index is not None:
            return index
        moment = parse_timestamp(text)
        if isinstance(moment, str):
            return moment
        micros = _microseconds(moment)
        index = self._instant_index.get(micros)
        if index is None:
            index = self._instant_index[micros] = len(self._instants)
            self._instants.append(micros)
        self._time_index[text] = index
        return index

    def _batch(self, parts: list[_Checked]) -> RowBatch:
        """Checked chunks as one batch, with ids; keeps the keys for the duplicate search."""
        lines = np.concatenate([part.lines for part in parts])
        m = np.concatenate([part.measures for part in parts])
        w = np.concatenate([part.activities for part in parts])
        t = np.concatenate([part.times for part in parts])
        values = np.concatenate([part.values for part in parts])
        sources = [source for part in parts for source in part.sources]
        # The key of a row, kept for the duplicate search: (measure, work activity) pair
        # and time index, with the row's line; 12 bytes a row.
        pair = m * len(self._activity_slugs) + w
        self._keys.append((pair.astype(self._pair_type), t.astype(np.int32)))
        self._lines.append(lines.astype(np.int32))
        self._measures_seen.update(np.unique(m).tolist())
        self._activities_seen.update(np.unique(w).tolist())
        self.rows += int(lines.size)
        if len(self._instants) > self._instant_array.size:  # new distinct times: extend
            tail = np.array(self._instants[self._instant_array.size :], dtype=np.int64)
            self._instant_array = np.concatenate([self._instant_array, tail])
        has_sources = any(sources)
        if self._keep_rows:
            self._values.append(values)
            codes = self._source_index
            self._source_codes.append(
                np.array([codes.setdefault(x, len(codes)) for x in sources], dtype=np.int32)
                if has_sources
                else np.zeros(lines.size, dtype=np.int32)
            )
        return RowBatch(
            lines=lines,
            measure_ids=self._measure_ids[m],
            work_activity_ids=self._activity_ids[w],
            observed_at=self._instant_array[t],
            values=values,
            sources=list(sources) if has_sources else None,
        )

    def finish(self) -> None:
        """Look for duplicate keys; raise ``InvalidDocument`` if the file had problems.

        A duplicate is reported at its later line, naming the first.
        """
        if not self._finished and not self._collected.count:
            self._finished = True
            if self._keys:
                self._find_duplicates()
        if self._collected.count:
            raise InvalidDocument(self._collected.all())

    def _key(self) -> IntArray:
        """Each row's key as one integer, ordered as (measure, work activity, time)."""
        instants = self._instant_array
        rank = np.empty(instants.size, dtype=np.int64)
        rank[np.argsort(instants, kind="stable")] = np.arange(instants.size)
        pair = np.concatenate([p for p, _ in self._keys]).astype(np.int64)
        times = np.concatenate([t for _, t in self._keys])
        return pair * max(instants.size, 1) + rank[times]

    def _find_duplicates(self) -> None:
        key = self._key()
        if self._keep_rows:
            order: IntArray | None = np.argsort(key)
            ordered = key[order]
        else:  # sorting alone is cheaper; the order is needed only if there are duplicates
            order, ordered = None, np.sort(key)
        if not (ordered[1:] == ordered[:-1]).any():
            self._order = order
            return
        if order is None:
            order = np.argsort(key)
            ordered = key[order]
        lines = np.concatenate(self._lines)[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        run = np.cumsum(np.r_[True, ordered[1:] != ordered[:-1]]) - 1
        first = np.minimum.reduceat(lines, starts)[run]  # each run's first line
        later = lines != first
        for line, earlier in sorted(zip(lines[later].tolist(), first[later].tolist(), strict=True)):
            self._collected.add(
                f"the same measure, work activity and time as line {earlier}",
                line,
                "observed_at",
            )

    def sorted_batches(self, batch_rows: int | None = None) -> Iterator[RowBatch]:
        """The checked rows again, ordered by measure, work activity and time.

        Needs ``keep_rows=True`` and a :meth:`finish` that found no problem. Inserting
        in key order appends to the unique index instead of scattering writes over it.
        """
        if not self._keep_rows or not self._finished or self._collected.count:
            raise RuntimeError("sorted_batches() needs keep_rows=True and a good finish()")
        if not self._keys:
            return
        order = self._order if self._order is not None else np.argsort(self._key())
        pair = np.concatenate([p for p, _ in self._keys])
        times = np.concatenate([t for _, t in self._keys])
        lines = np.concatenate(self._lines)
        values = np.concatenate(self._values)
        codes = np.concatenate(self._source_codes)
        names = sorted(self._source_index, key=self._source_index.__getitem__)
        activities = max(len(self._activity_slugs), 1)
        step = batch_rows or self._batch_rows
        for start in range(0, order.size, step):
            chosen = order[start : start + step]
            chosen_pair = pair[chosen].astype(np.int64)
            chosen_codes = codes[chosen]
            yield RowBatch(
                lines=lines[chosen].astype(np.int64),
                measure_ids=self._measure_ids[chosen_pair // activities],
                work_activity_ids=self._activity_ids[chosen_pair % activities],
                observed_at=self._instant_array[times[chosen]],
                values=values[chosen],
                sources=[names[c] for c in chosen_codes.tolist()] if chosen_codes.any() else None,
            )

    def summary(self) -> CheckedFile:
        """What the file holds, after :meth:`finish`."""
        first = last = None
        if self._instants:
            instants = np.array(self._instants, dtype=np.int64)
            first = _EPOCH + timedelta(microseconds=int(instants.min()))
            last = _EPOCH + timedelta(microseconds=int(instants.max()))
        return CheckedFile(
            filename=self.filename,
            format=self.format,
            rows=self.rows,
            measures=tuple(self._measure_slugs[i] for i in sorted(self._measures_seen)),
            work_activities=tuple(self._activity_slugs[i] for i in sorted(self._activities_seen)),
            first=first,
            last=last,
        )


def _lines(chunk: list[list[str]], before: int, after: int) -> IntArray:
    """The line each row of ``chunk`` starts on: ``before`` is the line the previous
    chunk ended on, ``after`` the line this one ends on (``csv.reader.line_num``)."""
    first = np.arange(before + 1, before + 1 + len(chunk), dtype=np.int64)
    if after - before == len(chunk):  # one line a row (blank lines are rows too)
        return first
    # Quoted cells holding line breaks: each such row pushes the next ones down.
    extra = np.array([sum(_line_breaks(cell) for cell in cells) for cells in chunk], dtype=np.int64)
    return first + np.concatenate([[0], np.cumsum(extra)[:-1]])


def _line_breaks(text: str) -> int:
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def _unknown(what: str, cell: str) -> str:
    text = cell.strip()
    if not text:
        return f"the {what} is empty"
    return f"unknown {what} {text!r}"


# --- entry points -------------------------------------------------------------------------


def preview(
    *,
    path: str | Path | None = None,
    data: bytes | None = None,
    filename: str | None = None,
    mapping: Mapping[str, str] | None = None,
    sheet: str | None = None,
    rows: int = 10,
) -> Preview:
    """The header, the first ``rows`` rows as written, the mapping (``mapping``, or a
    guess) and the problems of the header, the mapping and those rows.

    Reads only the first rows, however long the file. Raises :class:`InvalidDocument`
    only when the file is not CSV or XLSX at all.
    """
    measures, work_activities = lookups()
    name = filename or (str(path) if path is not None else "<input>")
    with ObservationReader(
        path=path,
        data=data,
        filename=name,
        measures=measures,
        work_activities=work_activities,
        mapping=mapping,
        sheet=sheet,
    ) as reader:
        header = tuple(reader.header)
        for _ in reader.batches(max_rows=rows):
            pass
        problems = tuple(reader.problems)
    return Preview(
        filename=name,
        format=reader.format,
        header=header,
        rows=tuple(_sample(path=path, data=data, filename=name, sheet=sheet, rows=rows)),
        mapping=dict(mapping) if mapping is not None else guess_mapping(header),
        problems=problems,
    )


def _sample(
    *, path: str | Path | None, data: bytes | None, filename: str, sheet: str | None, rows: int
) -> list[tuple[str, ...]]:
    file = _open(path=path, data=data, filename=filename, sheet=sheet)
    try:
        sample: list[tuple[str, ...]] = []
        for cells in file.rows:
            if len(sample) >= rows:
                break
            if any(c.strip() for c in cells):
                sample.append(tuple(cells))
        return sample
    except (csv.Error, UnicodeDecodeError):
        return sample
    finally:
        file.close()


def check(
    *,
    path: str | Path | None = None,
    data: bytes | None = None,
    filename: str | None = None,
    mapping: Mapping[str, str] | None = None,
    sheet: str | None = None,
) -> CheckedFile:
    """Read the whole file and check every row; write nothing.

    Raises :class:`InvalidDocument` with every located problem (the first
    ``MAX_PROBLEMS``, then a count): not CSV or XLSX, a missing column, a wrong
    mapping, a row of the wrong width, an unknown measure or work activity, a time
    that does not parse, a value that is not a number, a key repeated in the file.
    """
    measures, work_activities = lookups()
    with ObservationReader(
        path=path,
        data=data,
        filename=filename,
        measures=measures,
        work_activities=work_activities,
        mapping=mapping,
        sheet=sheet,
    ) as reader:
        for _ in reader.batches():
            pass
        reader.finish()
        return reader.summary()
