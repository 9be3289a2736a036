"""The floor of a keyed PostgreSQL import read by Python (issue 4's 1.5 x goal).

``bench_measurements`` times ``observation_import`` of 5 million rows against
PostgreSQL's own ``COPY`` of the same CSV into a bare table. This one asks how close
*any* design of ours could get: the import's own reader (pyarrow, every row checked,
duplicates looked for) and its key-ordered binary ``COPY``, into the narrowest table
that still keeps observations keyed, then that key's index alone, nothing else:

- no ``id`` (the key itself as a composite primary key; Django 5.2 could model it,
  at the price of the API's observation ids and a table rebuild);
- no work-activity index and no foreign keys (the import checks every slug against
  the database anyway; PostgreSQL would not have checked the rows);
- the table created in the transaction, so ``COPY FREEZE``;

and, for comparison in the same run, the bare ``COPY`` of the CSV. Each phase is
printed with its median of ``--runs``; the table is rolled back after each run. If
this floor is above 1.5 x, no change to the table alone reaches the goal: the reading
in Python, which the bare ``COPY`` does not pay, has to overlap the database's work
(in parallel processes), or the goal is out of reach with a keyed table.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test python -m benchmarks.bench_import_floor
    ... python -m benchmarks.bench_import_floor --rows 1000000 --runs 5

Needs PostgreSQL (``DATABASE_URL``). Not part of ``python -m benchmarks``: an analysis
of the goal, not a goal of its own.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.bench_measurements import (
    GROUPS,
    MEASURES,
    WORK_ACTIVITIES,
    activity_slug,
    generate,
    measure_slug,
)

if TYPE_CHECKING:
    import psycopg

_KEYED_TABLE = (
    "CREATE TABLE bench_floor (measure_id bigint NOT NULL, work_activity_id bigint NOT NULL, "
    "observed_at timestamptz NOT NULL, value double precision NOT NULL, "
    "source varchar(100) NOT NULL, batch_id bigint)"
)
_BARE_TABLE = (
    "CREATE TABLE bench_bare (measure text, work_activity text, observed_at timestamptz, "
    "value double precision)"
)


def run(argv: list[str] | None = None) -> bool:
    """Print the figures; True (there is no goal here, only the floor)."""
    options = _options(argv or [])
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        print("bench_import_floor: set DATABASE_URL to a PostgreSQL database.")
        return True
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "uplift.config.settings.test")
    import django  # the reader's module loads the models: Django set up, no database used
    import psycopg

    django.setup()
    with tempfile.TemporaryDirectory(prefix="uplift-floor-") as folder:
        path = Path(folder) / "observations.csv"
        rows = generate(path, dates=max(1, options.rows // GROUPS))
        print(f"machine: {os.cpu_count()} CPUs; {rows:,} rows ({path.stat().st_size / 1e6:.0f} MB)")
        with psycopg.connect(url) as connection:
            print(f"PostgreSQL {connection.info.server_version // 10000}")
            bare, phases = [], []
            for _ in range(options.runs):
                bare.append(_bare_copy(connection, path))
                phases.append(_keyed_floor(connection, path))
    copy = statistics.median(bare)
    read, write, key = (statistics.median(p[i] for p in phases) for i in range(3))
    total = statistics.median(sum(p) for p in phases)
    print(f"(a) bare COPY of the CSV, {options.runs} runs: median {copy:.2f} s")
    print(
        f"(b) keyed floor, {options.runs} runs: median {total:.2f} s = {total / copy:.2f} x (a): "
        f"read and check {read:.2f} s, sort and binary COPY FREEZE {write:.2f} s, "
        f"the key's index {key:.2f} s"
    )
    print(
        f"    without the reading (the database's part alone): {write + key:.2f} s = "
        f"{(write + key) / copy:.2f} x (a)"
    )
    return True


def _bare_copy(connection: psycopg.Connection[Any], path: Path) -> float:
    with connection.transaction(), connection.cursor() as cursor:
        cursor.execute(_BARE_TABLE)
        start = time.perf_counter()
        with (
            path.open("rb") as file,
            cursor.copy("COPY bench_bare FROM STDIN (FORMAT csv, HEADER true)") as copy,
        ):
            while block := file.read(1 << 20):
                copy.write(block)
        seconds = time.perf_counter() - start
        cursor.execute("DROP TABLE bench_bare")
    return seconds


def _keyed_floor(connection: psycopg.Connection[Any], path: Path) -> tuple[float, float, float]:
    """(read and check, sort and COPY, the key's index) in seconds; rolled back."""
    import numpy as np

    from uplift.apps.measurements.importing import ObservationReader
    from uplift.apps.measurements.services.observations import (
        _PG_BINARY_HEADER,
        _PG_BINARY_TRAILER,
        _PG_EPOCH_OFFSET_US,
        _binary_records,
    )

    measures = {measure_slug(m): m + 1 for m in range(MEASURES)}
    activities = {activity_slug(w): w + 1 for w in range(WORK_ACTIVITIES)}
    with connection.transaction() as transaction, connection.cursor() as cursor:
        cursor.execute(_KEYED_TABLE)
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        start = time.perf_counter()
        with ObservationReader(
            path=path,
            filename=path.name,
            measures=measures,
            work_activities=activities,
            batch_rows=50_000,
            keep_rows=True,
        ) as reader:
            for _ in reader.batches():
                pass
            reader.finish()
            read = time.perf_counter()
            with cursor.copy("COPY bench_floor FROM STDIN (FORMAT BINARY, FREEZE)") as copy:
                copy.write(_PG_BINARY_HEADER)
                for batch in reader.sorted_batches():
                    fixed = [
                        ("q", batch.measure_ids),
                        ("q", batch.work_activity_ids),
                        ("q", batch.observed_at - _PG_EPOCH_OFFSET_US),
                        ("d", batch.values),
                    ]
                    tail = [("q", np.ones(len(batch), dtype=np.int64))]
                    for chunk in _binary_records(fixed, batch.sources, tail, len(batch)):
                        copy.write(chunk)
                copy.write(_PG_BINARY_TRAILER)
        written = time.perf_counter()
        cursor.execute(
            "ALTER TABLE bench_floor ADD PRIMARY KEY (measure_id, work_activity_id, observed_at)"
        )
        keyed = time.perf_counter()
        transaction.force_rollback = True  # psycopg: roll back on leaving the block
    return read - start, written - read, keyed - written


def _options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_import_floor")
    parser.add_argument("--rows", type=int, default=5_000_000, help="rows of the file")
    parser.add_argument("--runs", type=int, default=3, help="runs of each step")
    return parser.parse_args(argv)


if __name__ == "__main__":
    run(sys.argv[1:])
