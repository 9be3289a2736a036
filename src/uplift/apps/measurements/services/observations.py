"""Writing imported observations: one file, one transaction (issue 4).

``observation_import`` reads the file with :class:`~uplift.apps.measurements.importing.
ObservationReader` (checked batches of NumPy columns) and writes it in bulk:

- PostgreSQL: binary ``COPY`` (psycopg's ``cursor.copy``), the batches encoded by NumPy
  as fixed-size records, never a Python object per row;
- SQLite: multi-row ``INSERT`` statements of up to 500 rows (one statement per 500 rows;
  about four times faster than ``executemany``), through sqlite3's own cursor.

Two ways to land the rows, chosen per import:

- **load** (the table is empty and the file is at least ``LOAD_MIN_BYTES``): the rows go
  straight into the observations table with its indexes and foreign keys set aside,
  which are built again after the load, in the same transaction (PostgreSQL: every
  index, unique and foreign-key constraint; SQLite: the plain indexes, since its unique
  constraint and foreign keys belong to the table). The table is locked against other
  readers and writers meanwhile (PostgreSQL ``ACCESS EXCLUSIVE``), which only an empty
  table can afford. On PostgreSQL, dropping the foreign keys also locks the tables they
  refer to (measures, work activities, imports) until the commit, so they are set aside
  only once the file is read and checked: for the write and the index builds, not the
  reading (a refused file locks none of them).
- **merge** (otherwise): the rows go into a temporary staging table; one
  ``INSERT … SELECT … ON CONFLICT DO NOTHING`` (SQLite: ``INSERT OR IGNORE``) adds the
  new ones, so overlapping data is not duplicated; only if some keys were stored
  already does one join find those stored with a different value (a located problem,
  or with ``replace=True`` an update). Indexes and foreign keys stay in place; readers
  are not blocked.

Imports run one at a time (a PostgreSQL advisory lock; SQLite has one writer anyway),
so two imports of overlapping data cannot both decide that a key is new.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import struct
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import chain, repeat
from pathlib import Path
from typing import Any

import numpy as np
from django.contrib.auth.models import User
from django.db import connection, transaction

from uplift.apps.measurements.importing import ObservationReader, RowBatch, lookups
from uplift.apps.measurements.models import Observation, ObservationImport
from uplift.domain.errors import InvalidDocument, Problem

__all__ = [
    "LOAD_MIN_BYTES",
    "ObservationImportResult",
    "Progress",
    "observation_import",
]

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int | None], None]
"""Called as the import goes with its phase, the rows done and their total:

- ``"read"``, after each batch read and checked: the rows read and the total, known
  (workbooks) or estimated from the bytes read (CSV), ``None`` when it cannot be told;
- ``"write"``, after each batch of the load's second sweep (rows in key order into
  the empty table): the rows written and all rows;
- ``"finish"``, once, before the last step (the load: the indexes and keys built
  again; the merge: the staged rows added to the table): all rows, twice."""

LOAD_MIN_BYTES = 16 * 1024 * 1024  # ~400,000 rows: below, rebuilding indexes costs more
MAX_CONFLICTS = 100
_ADVISORY_LOCK = 0x75706C6966740004  # "uplift" + issue 4: serializes observation imports
_STAGE = "uplift_observation_stage"
# For the index builds after a load. Measured at 5 million rows (issue 4): the indexes
# and foreign keys take ~5.5 s with 256MB, ~5.15 s with 512MB, ~5.0 s with 1GB; 512MB
# holds that many rows' key sort, without a gigabyte granted to one transaction.
_PG_INDEX_MEMORY = "512MB"
_PG_EPOCH_OFFSET_US = 946_684_800_000_000  # 2000-01-01 (PostgreSQL's epoch) - 1970-01-01
_PG_BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_PG_BINARY_TRAILER = struct.pack(">h", -1)
_SQLITE_ROWS_PER_STATEMENT = 500
_SQLITE_CACHE_KIB = 256 * 1024
_READ_BLOCK = 1 << 20

# The merge, as SQL templates over {table} (the observations), {stage} (the staging
# table) and {same_key}; _sql() fills them in: our identifiers, never user input.
_SAME_KEY = (
    "o.measure_id = s.measure_id AND o.work_activity_id = s.work_activity_id "
    "AND o.observed_at = s.observed_at"
)
_CONFLICTS = (
    "SELECT s.line, o.value, s.value, count(*) OVER () FROM {stage} s "
    "JOIN {table} o ON {same_key} WHERE o.value <> s.value ORDER BY s.line LIMIT %s"
)
_REPLACE = {
    "postgresql": (
        "UPDATE {table} o SET value = s.value, source = s.source, batch_id = %s "
        "FROM {stage} s WHERE {same_key} AND o.value <> s.value"
    ),
    # UPDATE ... FROM needs SQLite 3.33; Django 5.2 allows 3.31: a correlated update.
    "sqlite": (
        "UPDATE {table} AS o SET "
        "value = (SELECT s.value FROM {stage} s WHERE {same_key}), "
        "source = (SELECT s.source FROM {stage} s WHERE {same_key}), batch_id = %s "
        "WHERE EXISTS (SELECT 1 FROM {stage} s WHERE {same_key} AND o.value <> s.value)"
    ),
}
_INSERT_NEW = {
    "postgresql": (
        "INSERT INTO {table} (measure_id, work_activity_id, observed_at, value, source, "
        "batch_id) SELECT measure_id, work_activity_id, observed_at, value, source, %s "
        "FROM {stage} ORDER BY measure_id, work_activity_id, observed_at "
        "ON CONFLICT (measure_id, work_activity_id, observed_at) DO NOTHING"
    ),
    "sqlite": (
        "INSERT OR IGNORE INTO {table} (measure_id, work_activity_id, observed_at, value, "
        "source, batch_id) SELECT measure_id, work_activity_id, observed_at, value, source, "
        "%s FROM {stage} ORDER BY measure_id, work_activity_id, observed_at"
    ),
}


def _sql(template: str) -> str:
    """``template`` with the observations table and the staging table filled in."""
    table = connection.ops.quote_name(Observation._meta.db_table)
    return template.format(table=table, stage=_STAGE, same_key=_SAME_KEY)


@dataclass(frozen=True)
class ObservationImportResult:
    """What an import did.

    ``created`` is False when the same bytes were imported before: ``batch`` is that
    earlier import and nothing was written. ``skipped`` rows were stored already with
    the same value; ``replaced`` rows had a different stored value, overwritten on
    request (``replace=True``).
    """

    batch: ObservationImport
    created: bool
    inserted: int = 0
    skipped: int = 0
    replaced: int = 0

    @property
    def already_imported(self) -> bool:
        return not self.created


@transaction.atomic
def observation_import(
    *,
    path: str | Path | None = None,
    data: bytes | None = None,
    filename: str | None = None,
    mapping: Mapping[str, str] | None = None,
    sheet: str | None = None,
    user: User | None = None,
    replace: bool = False,
    progress: Progress | None = None,
) -> ObservationImportResult:
    """Import a CSV or XLSX file of observations, whole or not at all.

    Give ``path``, or ``data`` with ``filename``. ``mapping`` maps the file's column
    names to ours (see ``importing``); ``sheet`` names a workbook's sheet (default: the
    first). The same bytes imported again are not read: the earlier import is returned
    with ``created=False``. Rows already stored with the same value are skipped; a row
    whose key is stored with a different value is a problem unless ``replace`` is
    true, which overwrites the stored value (and its source and import).

    Raises :class:`InvalidDocument` listing every located problem (the file's, and
    the rows that differ from stored values); nothing is written then.
    """
    if (path is None) == (data is None):
        raise ValueError("Give either path or data.")
    name = filename or (str(path) if path is not None else "<input>")
    digest = _sha256(path=path, data=data, name=name)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK])
    earlier = ObservationImport.objects.filter(sha256=digest).first()
    if earlier is not None:
        return ObservationImportResult(batch=earlier, created=False)

    batch = ObservationImport(filename=name[:300], sha256=digest, rows=0, created_by=user)
    batch.save(force_insert=True)
    measures, work_activities = lookups()
    size = len(data) if data is not None else Path(path).stat().st_size  # type: ignore[arg-type]
    writer = _writer(batch_id=batch.pk, load=size >= LOAD_MIN_BYTES and _table_is_empty())
    started = time.perf_counter()
    with ObservationReader(
        path=path,
        data=data,
        filename=name,
        measures=measures,
        work_activities=work_activities,
        mapping=mapping,
        sheet=sheet,
        batch_rows=writer.batch_rows,
        keep_rows=writer.sorted,
    ) as reader:
        writer.begin()
        try:
            for rows in reader.batches():
                # A bad file is read to the end (every problem counts), not written.
                if not writer.sorted and not reader.has_problems:
                    writer.write(rows)
                if progress is not None:
                    progress("read", reader.rows, reader.estimated_total())
            reader.finish()  # raises InvalidDocument: the transaction rolls back
            if writer.sorted:  # a second sweep, in key order
                writer.expect(reader.rows)
                for rows in reader.sorted_batches():
                    writer.write(rows)
                    if progress is not None:
                        progress("write", writer.rows, reader.rows)
            writer.end()
            loaded = time.perf_counter()
            if progress is not None:
                progress("finish", reader.rows, reader.rows)
            inserted, replaced = writer.finish(replace=replace, filename=name)
        except BaseException as error:
            writer.abort(error)
            raise
        finally:
            writer.close()
        batch.rows = reader.rows
        batch.save(update_fields=["rows"])
    finished = time.perf_counter()
    # The phases, for operators and for benchmarks/bench_measurements.py.
    logger.info(
        "observation import %s: %d rows (%d new, %d replaced) by %s in %.2f s: "
        "read and %s %.2f s, then %s %.2f s",
        name,
        reader.rows,
        inserted,
        replaced,
        "load" if writer.load else "merge",
        finished - started,
        "load" if writer.load else "stage",
        loaded - started,
        "indexes" if writer.load else "merge",
        finished - loaded,
        extra={
            "rows": reader.rows,
            "mode": "load" if writer.load else "merge",
            "read_seconds": loaded - started,
            "finish_seconds": finished - loaded,
        },
    )
    return ObservationImportResult(
        batch=batch,
        created=True,
        inserted=inserted,
        skipped=reader.rows - inserted - replaced,
        replaced=replaced,
    )


def _sha256(*, path: str | Path | None, data: bytes | None, name: str) -> str:
    if data is not None:
        return hashlib.sha256(data).hexdigest()
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as file:  # type: ignore[arg-type]
            while block := file.read(_READ_BLOCK):
                digest.update(block)
    except OSError as error:
        raise InvalidDocument(
            [Problem(f"cannot read the file: {error.strerror}", file=name)]
        ) from None
    return digest.hexdigest()


def _table_is_empty() -> bool:
    return not Observation.objects.exists()


def _writer(*, batch_id: int, load: bool) -> _Writer:
    if connection.vendor == "postgresql":
        return _PostgresWriter(batch_id=batch_id, load=load)
    if connection.vendor == "sqlite":
        return _SqliteWriter(batch_id=batch_id, load=load)
    raise NotImplementedError(f"imports need PostgreSQL or SQLite, not {connection.vendor}")


def _conflict_problems(
    rows: list[tuple[int, float, float]], total: int, filename: str
) -> list[Problem]:
    problems = [
        Problem(
            f"differs from the stored value {stored!r} (the file has {value!r}); "
            "import with replace to overwrite stored values",
            file=filename,
            line=int(line),
            field="value",
        )
        for line, stored, value in rows
    ]
    if total > len(rows):
        problems.append(Problem(f"and {total - len(rows)} more rows that differ", file=filename))
    return problems


# --- writers --------------------------------------------------------------------------------


class _Writer:
    """Lands checked batches: ``begin``, ``write`` each, ``end``, then ``finish``."""

    batch_rows = 10_000
    table = Observation._meta.db_table

    def __init__(self, *, batch_id: int, load: bool) -> None:
        self.batch_id = batch_id
        self.load = load
        self.rows = 0
        self._cursor: Any = None
        self._rebuild: list[str] = []  # DDL that builds set-aside indexes again

    @property
    def sorted(self) -> bool:
        """Whether the rows are written after reading, in key order (else as read)."""
        return False

    def begin(self) -> None:
        raise NotImplementedError

    def expect(self, rows: int) -> None:
        """Before the sorted writes: how many rows will come."""

    def write(self, rows: RowBatch) -> None:
        raise NotImplementedError

    def end(self) -> None:
        """Close the stream."""

    def abort(self, error: BaseException) -> None:
        """Close the stream after ``error``; the transaction will roll back."""

    def close(self) -> None:
        """Release the cursor (after success or failure)."""
        if self._cursor is not None:
            self._cursor.close()
            self._cursor = None

    def finish(self, *, replace: bool, filename: str) -> tuple[int, int]:
        """Land the rows; return (inserted, replaced), or raise ``InvalidDocument``."""
        if self.load:
            for ddl in self._rebuild:
                self._cursor.execute(ddl)
            return self.rows, 0
        return self._merge(self._cursor, replace=replace, filename=filename)

    def _merge(self, cursor: Any, *, replace: bool, filename: str) -> tuple[int, int]:
        """Staged rows into the table: add the new ones, then refuse or replace differing
        values. When every row was new (the usual import of new data) the second step,
        a join with the table, is not needed at all."""
        vendor = connection.vendor
        cursor.execute(_sql(_INSERT_NEW[vendor]), [self.batch_id])
        inserted = cursor.rowcount
        replaced = 0
        if inserted < self.rows:  # some keys are stored already: same value, or not?
            if vendor == "postgresql":
                cursor.execute(_sql("ANALYZE {stage}"))  # so the join is planned on real sizes
            if replace:
                cursor.execute(_sql(_REPLACE[vendor]), [self.batch_id])
                replaced = cursor.rowcount
            else:
                cursor.execute(_sql(_CONFLICTS), [MAX_CONFLICTS])
                found = cursor.fetchall()
                if found:  # the transaction rolls back, the rows just added with it
                    rows = [(line, stored, value) for line, stored, value, _ in found]
                    raise InvalidDocument(_conflict_problems(rows, found[0][3], filename))
        cursor.execute(_sql("DROP TABLE {stage}"))
        return inserted, replaced


class _PostgresWriter(_Writer):
    """Binary ``COPY`` into the table (load) or a temporary staging table (merge).

    The load writes after reading, in key order, like a ``CLUSTER``: the unique index
    is then built from sorted rows, and the per-group reads (baselines, control charts)
    scan the table in order instead of jumping across it (2.5 times faster at 1
    million rows). The merge streams the rows to the staging table while reading.
    """

    batch_rows = 50_000

    @property
    def sorted(self) -> bool:
        return self.load

    def __init__(self, *, batch_id: int, load: bool) -> None:
        super().__init__(batch_id=batch_id, load=load)
        self._copy_context: Any = None
        self._copy: Any = None
        self._first_id: int | None = None  # the load's first reserved id
        self._freeze = False  # the load's COPY freezes its rows (see begin())

    def begin(self) -> None:
        self._cursor = connection.cursor()
        cursor = self._cursor
        table = connection.ops.quote_name(self.table)
        if self.load:
            cursor.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
            if not _table_is_empty():  # someone got there first: merge instead
                self.load = False
        if self.load:
            # Memory for building the indexes again (this transaction only).
            cursor.execute(f"SET LOCAL maintenance_work_mem = '{_PG_INDEX_MEMORY}'")
            return  # indexes and keys are set aside in expect(), after the reading
        cursor.execute(f"DROP TABLE IF EXISTS {_STAGE}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {_STAGE} (line bigint, measure_id bigint, "
            "work_activity_id bigint, observed_at timestamptz, value double precision, "
            "source varchar(100)) ON COMMIT DROP"
        )
        self._open_copy(_STAGE, "line, measure_id, work_activity_id, observed_at, value, source")

    def _open_copy(self, target: str, columns: str, *, freeze: bool = False) -> None:
        options = "FORMAT BINARY, FREEZE" if freeze else "FORMAT BINARY"
        self._copy_context = self._cursor.copy(f"COPY {target} ({columns}) FROM STDIN ({options})")
        self._copy = self._copy_context.__enter__()
        self._copy.write(_PG_BINARY_HEADER)

    def expect(self, rows: int) -> None:
        """Reserve ``rows`` ids and start the COPY into the table.

        The ids come from the table's own sequence, reserved in one step: sending them
        saves the sequence call per row (a quarter of the COPY's time). Nobody else can
        take ids meanwhile: the table is locked, and inserts lock it before they ask
        the sequence.
        """
        cursor = self._cursor
        # Only now, after the reading: dropping a foreign key locks the table it refers
        # to whole (measures, work activities, imports) until the commit, and every page
        # reading those waits meanwhile.
        self._set_aside_for_load()
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [self.table])
        sequence = cursor.fetchone()[0]
        columns = "measure_id, work_activity_id, observed_at, value, source, batch_id"
        if sequence is not None and rows:
            cursor.execute("SELECT nextval(%s)", [sequence])
            self._first_id = int(cursor.fetchone()[0])
            cursor.execute("SELECT setval(%s, %s)", [sequence, self._first_id + rows - 1])
            columns = "id, " + columns
        self._open_copy(connection.ops.quote_name(self.table), columns, freeze=self._freeze)

    def _set_aside_for_load(self) -> None:
        cursor = self._cursor
        # Dropping a foreign key alters the referenced tables too, which PostgreSQL
        # refuses while they have deferred checks pending (the import row's own): run
        # those now, then defer again (Django's foreign keys are all deferred).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        self._set_aside_indexes()
        if self._freeze:
            # Emptied in this transaction, the table takes its rows frozen (COPY FREEZE)
            # and marked all-visible: the index builds and later reads check no
            # visibility, and no vacuum rewrites every page later to freeze them. The
            # index builds take 0.25 s less at 5 million rows (4.74 s against 5.0 s,
            # medians of six alternated runs). (Rows committed frozen are visible to
            # older snapshots too: nobody had any in an empty table.)
            cursor.execute(f"TRUNCATE {connection.ops.quote_name(self.table)}")

    def _set_aside_indexes(self) -> None:
        """Drop the table's indexes and constraints, remembering how to build them again.

        The primary key stays when another table's foreign key needs it.
        """
        cursor = self._cursor
        table = connection.ops.quote_name(self.table)
        cursor.execute(
            "SELECT conname, contype, pg_get_constraintdef(oid), conindid FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f') ORDER BY conname",
            [self.table],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE confrelid = %s::regclass",
            [self.table],
        )
        referenced = cursor.fetchone()[0] > 0
        self._freeze = not referenced  # TRUNCATE refuses a table other tables refer to
        backing = {index for _, kind, _, index in constraints if kind in "pu"}
        cursor.execute(
            "SELECT indexrelid, indexrelid::regclass::text, pg_get_indexdef(indexrelid) "
            "FROM pg_index WHERE indrelid = %s::regclass ORDER BY 2",
            [self.table],
        )
        indexes = [(name, ddl) for oid, name, ddl in cursor.fetchall() if oid not in backing]
        keys = [c for c in constraints if c[1] in "pu" and not (c[1] == "p" and referenced)]
        foreign = [c for c in constraints if c[1] == "f"]
        for name, _, _, _ in foreign + keys:
            quoted = connection.ops.quote_name(name)
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quoted}")
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
        # Built again in this order: keys, plain indexes, then foreign keys (validated).
        self._rebuild = [
            *(
                f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {ddl}"
                for name, _, ddl, _ in keys
            ),
            *(ddl for _, ddl in indexes),
            *(
                f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {ddl}"
                for name, _, ddl, _ in foreign
            ),
        ]

    def write(self, rows: RowBatch) -> None:
        observed = rows.observed_at - _PG_EPOCH_OFFSET_US
        if self.load:
            ids = (
                [("q", np.arange(len(rows), dtype=np.int64) + (self._first_id + self.rows))]
                if self._first_id is not None
                else []
            )
            fixed = [
                *ids,
                ("q", rows.measure_ids),
                ("q", rows.work_activity_ids),
                ("q", observed),
                ("d", rows.values),
            ]
            tail: list[tuple[str, Any]] = [("q", np.full(len(rows), self.batch_id))]
        else:
            fixed = [
                ("q", rows.lines),
                ("q", rows.measure_ids),
                ("q", rows.work_activity_ids),
                ("q", observed),
                ("d", rows.values),
            ]
            tail = []
        for chunk in _binary_records(fixed, rows.sources, tail, len(rows)):
            self._copy.write(chunk)
        self.rows += len(rows)

    def end(self) -> None:
        if self._copy_context is not None:
            context, self._copy_context = self._copy_context, None
            self._copy.write(_PG_BINARY_TRAILER)
            context.__exit__(None, None, None)

    def abort(self, error: BaseException) -> None:
        if self._copy_context is not None:  # psycopg ends the COPY with a failure
            context, self._copy_context = self._copy_context, None
            context.__exit__(type(error), error, error.__traceback__)


def _binary_records(
    fixed: list[tuple[str, Any]],
    sources: list[str] | None,
    tail: list[tuple[str, Any]],
    count: int,
) -> Iterator[bytes]:
    """Rows in PostgreSQL's binary COPY format, built column-wise by NumPy.

    Every field is its length (int32) then its bytes, big-endian; a row starts with
    its field count (int16). ``fixed`` and ``tail`` are 8-byte columns (``q`` int64,
    ``d`` float64) before and after the varchar ``source``. Rows are grouped by source,
    so that each group is an array of fixed-size records.
    """
    if sources is None:
        groups: list[tuple[bytes, Any]] = [(b"", slice(None))]
    else:
        names, inverse = np.unique(np.array(sources, dtype=object), return_inverse=True)
        groups = [
            (str(name).encode(), np.flatnonzero(inverse == i)) for i, name in enumerate(names)
        ]
    for source, selection in groups:
        fields: list[tuple[str, str]] = [("count", ">i2")]
        for i, (kind, _) in enumerate(fixed):
            fields += [(f"l{i}", ">i4"), (f"f{i}", ">i8" if kind == "q" else ">f8")]
        fields.append(("ls", ">i4"))
        if source:
            fields.append(("fs", f"S{len(source)}"))
        for i, (kind, _) in enumerate(tail):
            fields += [(f"lt{i}", ">i4"), (f"t{i}", ">i8" if kind == "q" else ">f8")]
        records = np.empty(count if sources is None else len(selection), dtype=fields)
        records["count"] = len(fixed) + 1 + len(tail)
        for i, (_, column) in enumerate(fixed):
            records[f"l{i}"] = 8
            records[f"f{i}"] = column[selection]
        records["ls"] = len(source)
        if source:
            records["fs"] = source
        for i, (_, column) in enumerate(tail):
            records[f"lt{i}"] = 8
            records[f"t{i}"] = column[selection]
        yield records.tobytes()


class _SqliteWriter(_Writer):
    """Multi-row ``INSERT`` statements into the table (load) or a staging table (merge).

    The load writes after reading, in key order: appending to the unique index is
    about twice as fast as scattering rows over it. The page cache is raised to
    ``_SQLITE_CACHE_KIB`` for the import (the index of millions of rows does not fit
    SQLite's default 2 MB) and set back after.
    """

    @property
    def sorted(self) -> bool:
        return self.load

    def __init__(self, *, batch_id: int, load: bool) -> None:
        super().__init__(batch_id=batch_id, load=load)
        self._texts: dict[int, str] = {}
        self._raw: Any = None  # sqlite3's own cursor, from begin()

    def begin(self) -> None:
        self._cursor = connection.cursor()
        cursor = self._cursor
        cursor.execute("PRAGMA cache_size")
        self._cache_size = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{_SQLITE_CACHE_KIB}")
        table = connection.ops.quote_name(self.table)
        if self.load:
            # The plain indexes are set aside; the unique constraint is part of the table.
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL ORDER BY name",
                [self.table],
            )
            indexes = cursor.fetchall()
            for name, _ in indexes:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
            self._rebuild = [sql for _, sql in indexes]
            self._columns: tuple[str, ...] = (
                "measure_id",
                "work_activity_id",
                "observed_at",
                "value",
                "source",
                "batch_id",
            )
            self._target = table
            self._verb = "INSERT INTO"  # in key order, after the file was found free of duplicates
        else:
            cursor.execute(f"DROP TABLE IF EXISTS {_STAGE}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {_STAGE} (line integer, measure_id integer, "
                "work_activity_id integer, observed_at text, value real, source text)"
            )
            self._columns = (
                "line",
                "measure_id",
                "work_activity_id",
                "observed_at",
                "value",
                "source",
            )
            self._target = _STAGE
            self._verb = "INSERT INTO"
        limit = _sqlite_variable_limit()
        self._per_statement = max(1, min(_SQLITE_ROWS_PER_STATEMENT, limit // len(self._columns)))
        self._statements: dict[int, str] = {}
        # The rows go through sqlite3's own cursor (same connection, same transaction):
        # Django's wrapper rewrites each statement's thousands of %s into ? with a regex,
        # which cost a quarter of the load (1.4 s a million rows).
        self._raw = connection.connection.cursor()

    def _statement(self, rows: int) -> str:
        statement = self._statements.get(rows)
        if statement is None:
            marks = "(" + ", ".join(["?"] * len(self._columns)) + ")"
            statement = self._statements[rows] = (
                f"{self._verb} {self._target} ({', '.join(self._columns)}) VALUES "
                + ", ".join([marks] * rows)
            )
        return statement

    def _observed_texts(self, observed: Any) -> list[str]:
        """Django's SQLite text for each time (naive UTC, ``str(datetime)``)."""
        unique, inverse = np.unique(observed, return_inverse=True)
        texts = self._texts
        adapt = connection.ops.adapt_datetimefield_value
        table: list[str] = []
        for micros in unique.tolist():
            text = texts.get(micros)
            if text is None:
                moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)
                text = texts[micros] = str(adapt(moment))
            table.append(text)
        return [table[i] for i in inverse.tolist()]

    def write(self, rows: RowBatch) -> None:
        columns: list[Any] = []
        if not self.load:
            columns.append(rows.lines.tolist())
        columns += [
            rows.measure_ids.tolist(),
            rows.work_activity_ids.tolist(),
            self._observed_texts(rows.observed_at),
            rows.values.tolist(),
            rows.sources if rows.sources is not None else repeat("", len(rows)),
        ]
        if self.load:
            columns.append(repeat(self.batch_id, len(rows)))
        flat = list(chain.from_iterable(zip(*columns, strict=False)))
        width = len(self._columns)
        step = self._per_statement * width
        cursor = self._raw
        for start in range(0, len(flat), step):
            values = flat[start : start + step]
            cursor.execute(self._statement(len(values) // width), values)
        self.rows += len(rows)

    def close(self) -> None:
        if self._raw is not None:
            self._raw.close()
            self._raw = None
        if self._cursor is not None:
            self._cursor.execute(f"PRAGMA cache_size = {int(self._cache_size)}")
        super().close()


def _sqlite_variable_limit() -> int:
    """How many ``?`` one statement may hold (SQLITE_LIMIT_VARIABLE_NUMBER)."""
    connection.ensure_connection()
    return int(connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
