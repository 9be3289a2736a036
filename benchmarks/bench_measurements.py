"""Measurements at scale (issue 4): import 5 million observations, baseline 10,000 groups.

One generated CSV (fixed seed, written once to a temporary folder with NumPy): 500 work
activities x 20 measures x ``--rows``/10,000 dates (default 5,000,000 rows, 500 dates),
columns ``measure,work_activity,observed_at,value``. Then, in the same run, each step
beside its reference and goal:

(a) PostgreSQL's own ``COPY`` of the CSV into a bare table of the same columns, no
    indexes: the database's limit (reference for b);
(b) ``observation_import`` of the CSV into PostgreSQL (empty table: the load path,
    indexes and foreign keys built after the load); goal <= 1.5 x (a); then the floor
    of any load that keeps the table keyed: (a) plus the unique index alone, built on
    the imported table with the import's memory;
(c) the same into SQLite; goal < 30 s at 5 million rows (scaled for other sizes);
(d) a 50,000-row import on both, into the empty table and into the full one (new
    dates: the staged merge with every index in place); goal < 3 s;
(e) ``baseline_by_group`` over every row (10,000 groups: n, mean, sd, quartiles,
    p10/p90, mean moving range), against DuckDB reading the CSV and grouping the same
    way (the engine's limit); goal <= 3 x DuckDB; the numbers of both are compared;
(f) one work activity's control chart (one measure, one point per date: 500 at the
    default size) through the app's selector; goal < 50 ms.

Each database runs in its own child process (Django is set up once per process):
SQLite in a throwaway file always, PostgreSQL in a throwaway test database when
DATABASE_URL names one. Timings are ``time.perf_counter`` around the call, medians of
``--runs`` runs (the big import: ``--import-runs``). DuckDB is a benchmark-only
dependency (the ``bench`` extra); without it (e) prints no reference.

    python -m benchmarks.bench_measurements                       # SQLite only
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test python -m benchmarks.bench_measurements
    ... python -m benchmarks.bench_measurements --rows 1000000 --runs 3 --import-runs 3
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

CHILD_FLAG = "--child"
SEED = 20261121
MEASURES = 20
WORK_ACTIVITIES = 500
GROUPS = MEASURES * WORK_ACTIVITIES
DEFAULT_ROWS = 5_000_000
SMALL_ROWS = 50_000
COPY_RATIO_GOAL = 1.5
SQLITE_GOAL_S = 30.0  # at DEFAULT_ROWS
SMALL_GOAL_S = 3.0
DUCKDB_RATIO_GOAL = 3.0
CHART_GOAL_MS = 50.0
START_DAY = np.datetime64("2020-01-01")


def measure_slug(n: int) -> str:
    return f"measure-{n:02d}"


def activity_slug(n: int) -> str:
    return f"wa-{n:03d}"


def generate(path: Path, *, dates: int, first_day: int = 0, seed: int = SEED) -> int:
    """Write the CSV: one row per date, work activity and measure; return the rows.

    Each group has its own level (NumPy, seeded); values have three decimals.
    """
    rng = np.random.default_rng(seed)
    prefixes = [
        f"{measure_slug(m)},{activity_slug(w)},"
        for w in range(WORK_ACTIVITIES)
        for m in range(MEASURES)
    ]
    level = rng.uniform(10.0, 100.0, size=GROUPS)
    spread = rng.uniform(1.0, 5.0, size=GROUPS)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("measure,work_activity,observed_at,value\n")
        for day in range(first_day, first_day + dates):
            values = np.round(level + spread * rng.standard_normal(GROUPS), 3).tolist()
            stamp = str(START_DAY + day)
            out.write("".join([f"{p}{stamp},{v}\n" for p, v in zip(prefixes, values, strict=True)]))
    return dates * GROUPS


def timed(
    function: Callable[[], Any], runs: int, before: Callable[[], Any] | None = None
) -> tuple[float, Any]:
    """The median seconds of ``runs`` calls (``before`` runs untimed before each) and the
    last call's result."""
    seconds = []
    result = None
    for _ in range(runs):
        if before is not None:
            before()
        start = time.perf_counter()
        result = function()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), result


def verdict(met: bool) -> str:
    return "PASS" if met else "FAIL"


# --- DuckDB (the parent process: no Django) -------------------------------------------

DUCKDB_SQL = """
WITH base AS (
    SELECT measure, work_activity, value,
           abs(value - lag(value) OVER (PARTITION BY measure, work_activity
                                        ORDER BY observed_at)) AS mr
    FROM read_csv('{path}', header = true,
                  columns = {{'measure': 'VARCHAR', 'work_activity': 'VARCHAR',
                             'observed_at': 'TIMESTAMP', 'value': 'DOUBLE'}})
)
SELECT measure, work_activity, count(*) AS n, avg(value) AS mean, stddev_samp(value) AS sd,
       quantile_cont(value, [0.1, 0.25, 0.5, 0.75, 0.9]) AS q, avg(mr) AS mr_bar
FROM base GROUP BY measure, work_activity ORDER BY measure, work_activity
"""


def duckdb_reference(csv_path: Path, runs: int, sample_out: Path) -> float | None:
    """DuckDB's median seconds for the grouped baseline; writes a sample of its rows."""
    try:
        import duckdb  # a benchmark-only dependency (the ``bench`` extra)
    except ImportError:
        print("(e) DuckDB is not installed (pip install -e '.[bench]'): no reference")
        return None
    sql = DUCKDB_SQL.format(path=str(csv_path).replace("'", "''"))
    seconds, rows = timed(lambda: duckdb.sql(sql).fetchall(), runs)
    sample = [
        [m, w, n, mean, sd, list(q), mr]
        for m, w, n, mean, sd, q, mr in rows[:: max(1, len(rows) // 50)]
    ]
    sample_out.write_text(json.dumps(sample))
    print(
        f"(e) DuckDB {duckdb.__version__} reads the CSV and groups it ({len(rows)} groups), "
        f"{runs} runs: median {seconds:.2f} s"
    )
    return seconds


# --- the parent ---------------------------------------------------------------------------


def run(argv: list[str] | None = None) -> bool:
    """Generate the file, time DuckDB here and each database in a child; True if met."""
    options = _options(argv or [])
    dates = max(1, options.rows // GROUPS)
    print(
        f"machine: {os.cpu_count()} CPUs, load average "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    with tempfile.TemporaryDirectory(prefix="uplift-bench-") as folder:
        big = Path(folder) / "observations.csv"
        small = Path(folder) / "observations-50k.csv"
        later = Path(folder) / "observations-50k-later.csv"
        start = time.perf_counter()
        rows = generate(big, dates=dates)
        small_dates = max(1, SMALL_ROWS // GROUPS)
        generate(small, dates=small_dates, seed=SEED + 1)
        generate(later, dates=small_dates, first_day=dates, seed=SEED + 2)
        print(
            f"generated {rows:,} rows ({big.stat().st_size / 1e6:.0f} MB) and two files of "
            f"{small_dates * GROUPS:,} rows in {time.perf_counter() - start:.1f} s"
        )
        sample = Path(folder) / "duckdb-sample.json"
        duck = duckdb_reference(big, options.runs, sample)
        targets = [("SQLite", f"sqlite:///{Path(folder) / 'bench.sqlite3'}")]
        if os.environ.get("DATABASE_URL", "").startswith("postgres"):
            targets.insert(0, ("PostgreSQL", os.environ["DATABASE_URL"]))
        ok = True
        for label, url in targets:
            env = os.environ | {
                "DATABASE_URL": url,
                "DJANGO_SETTINGS_MODULE": "uplift.config.settings.test",
            }
            arguments = {
                "label": label,
                "big": str(big),
                "small": str(small),
                "later": str(later),
                "rows": rows,
                "dates": dates,
                "runs": options.runs,
                "import_runs": options.import_runs,
                "duckdb": duck,
                "duckdb_sample": str(sample) if duck is not None else None,
            }
            # Our own interpreter running our own module: no untrusted input.
            completed = subprocess.run(  # noqa: S603
                [
                    sys.executable,
                    "-m",
                    "benchmarks.bench_measurements",
                    CHILD_FLAG,
                    json.dumps(arguments),
                ],
                env=env,
                check=False,
            )
            ok = ok and completed.returncode == 0
    return ok


def _options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_measurements")
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="rows of the big file")
    parser.add_argument("--runs", type=int, default=3, help="runs of the small steps")
    parser.add_argument("--import-runs", type=int, default=1, help="runs of the big import")
    return parser.parse_args(argv)


# --- a child: one database ----------------------------------------------------------------


class _Phases(logging.Handler):
    """Keeps the import service's phase record (read and load, then indexes or merge)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.last: dict[str, Any] = {}

    def emit(self, record: logging.LogRecord) -> None:
        self.last = {
            key: getattr(record, key, None) for key in ("mode", "read_seconds", "finish_seconds")
        }


def _child(arguments: dict[str, Any]) -> int:
    """Set Django up on DATABASE_URL, migrate, time the steps, print the figures."""
    import django  # Django is set up only here, in the child, after the environment is set.
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    postgres = connection.vendor == "postgresql"
    if postgres:  # a throwaway test database next to the given one
        connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    else:
        call_command("migrate", interactive=False, verbosity=0)
    try:
        return _steps(arguments, postgres)
    finally:
        if postgres:
            connection.close()
            connection.creation.destroy_test_db(
                connection.settings_dict["NAME"], verbosity=0, keepdb=False
            )


def _steps(arguments: dict[str, Any], postgres: bool) -> int:
    from django.db import connection

    from uplift.apps.measurements import selectors
    from uplift.apps.measurements.baselines_sql import baseline_by_group, series
    from uplift.apps.measurements.importing import check
    from uplift.apps.measurements.models import Measure, Observation, ObservationImport
    from uplift.apps.measurements.services import observation_import
    from uplift.apps.organization.services import unit_create, work_activity_create
    from uplift.domain.statistics import xmr

    label: str = arguments["label"]
    big, small, later = Path(arguments["big"]), Path(arguments["small"]), Path(arguments["later"])
    rows, runs, import_runs = arguments["rows"], arguments["runs"], arguments["import_runs"]
    name = f"{label:<10}"
    ok = True
    phases = _Phases()
    service_log = logging.getLogger("uplift.apps.measurements.services.observations")
    service_log.setLevel(logging.INFO)
    service_log.propagate = False  # the figures are printed below, not logged
    service_log.addHandler(phases)

    unit = unit_create(name="Benchmark", slug="benchmark")
    activities = [
        work_activity_create(
            name=activity_slug(w), slug=activity_slug(w), kind="project", unit=unit
        )
        for w in range(WORK_ACTIVITIES)
    ]
    measures = Measure.objects.bulk_create(
        Measure(
            slug=measure_slug(m),
            name=f"Measure {m}",
            unit="h",
            operational_definition="generated",
            direction="lower",
        )
        for m in range(MEASURES)
    )
    version = connection.cursor().connection.info.server_version if postgres else None
    print(
        f"{name} "
        + (
            f"PostgreSQL {version // 10000}.{version % 10000}"
            if version
            else "SQLite " + _sqlite_version()
        )
    )

    def empty() -> None:
        Observation.objects.all().delete() if not postgres else _truncate()
        ObservationImport.objects.all().delete()

    def _truncate() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {Observation._meta.db_table}")

    # (a) the reference: PostgreSQL's own COPY into a bare table
    copy_seconds = None
    if postgres:
        copies: list[float] = []
        sql = "COPY bench_bare FROM STDIN (FORMAT csv, HEADER true)"
        for _ in range(max(runs, import_runs)):
            with connection.cursor() as cursor:
                cursor.execute("DROP TABLE IF EXISTS bench_bare")
                cursor.execute(
                    "CREATE TABLE bench_bare (measure text, work_activity text, "
                    "observed_at timestamptz, value double precision)"
                )
                start = time.perf_counter()
                with big.open("rb") as file, cursor.copy(sql) as copy:
                    while block := file.read(1 << 20):
                        copy.write(block)
                copies.append(time.perf_counter() - start)
                cursor.execute("DROP TABLE bench_bare")
        copy_seconds = statistics.median(copies)
        print(
            f"{name} (a) bare COPY of the CSV ({rows:,} rows), {len(copies)} runs: "
            f"median {copy_seconds:.2f} s"
        )

    # For the record: reading and checking the file alone (Python, no database writes).
    check_seconds, _ = timed(lambda: check(path=big), 1)
    print(f"{name}     read and check the CSV alone (no writes): {check_seconds:.2f} s")

    # (d1) 50,000 rows into the empty table
    small_seconds, result = timed(lambda: observation_import(path=small), runs, before=empty)
    met = small_seconds < SMALL_GOAL_S
    ok = ok and met
    print(
        f"{name} (d) import {result.inserted:,} rows into the empty table ({phases.last['mode']}), "
        f"{runs} runs: median {small_seconds:.2f} s; goal < {SMALL_GOAL_S:.0f} s: {verdict(met)}"
    )

    # (b)/(c) the big import into the empty table
    details: list[dict[str, Any]] = []

    def big_import() -> Any:
        result = observation_import(path=big)
        details.append(dict(phases.last))
        return result

    big_seconds, result = timed(big_import, import_runs, before=empty)
    assert result.inserted == rows, (result.inserted, rows)
    read = statistics.median(d["read_seconds"] for d in details)
    finish = statistics.median(d["finish_seconds"] for d in details)
    phase_text = f"read and {details[-1]['mode']} {read:.2f} s, then indexes {finish:.2f} s"
    if postgres:
        assert copy_seconds is not None
        ratio = big_seconds / copy_seconds
        met = ratio <= COPY_RATIO_GOAL
        print(
            f"{name} (b) import {rows:,} rows, {import_runs} runs: median {big_seconds:.2f} s "
            f"({phase_text}) = {ratio:.2f} x bare COPY {copy_seconds:.2f} s; "
            f"goal <= {COPY_RATIO_GOAL} x: {verdict(met)}"
        )
        unique_seconds = _unique_index_seconds(import_runs)
        floor = copy_seconds + unique_seconds
        print(
            f"{name}     floor: bare COPY + the unique index alone (built on the imported "
            f"table, {unique_seconds:.2f} s) = {floor:.2f} s = {floor / copy_seconds:.2f} x"
        )
    else:
        goal = SQLITE_GOAL_S * rows / DEFAULT_ROWS
        met = big_seconds < goal
        scaled = "" if rows == DEFAULT_ROWS else f" (30 s at 5M, scaled to {rows:,} rows)"
        print(
            f"{name} (c) import {rows:,} rows, {import_runs} runs: median {big_seconds:.2f} s "
            f"({phase_text}); goal < {goal:.1f} s{scaled}: {verdict(met)}"
        )
    ok = ok and met

    # (d2) 50,000 new rows into the full table: the staged merge with the indexes in place
    def forget_later() -> None:
        batches = ObservationImport.objects.filter(filename=str(later))
        Observation.objects.filter(batch__in=batches).delete()
        batches.delete()

    merge_seconds, result = timed(lambda: observation_import(path=later), runs, before=forget_later)
    met = merge_seconds < SMALL_GOAL_S
    ok = ok and met
    print(
        f"{name} (d) import {result.inserted:,} new rows into the table of {rows:,} "
        f"({phases.last['mode']}), {runs} runs: median {merge_seconds:.2f} s; "
        f"goal < {SMALL_GOAL_S:.0f} s: {verdict(met)}"
    )
    forget_later()

    # (e) the baseline of every group, in the database
    baseline_seconds, groups = timed(baseline_by_group, runs)
    duck = arguments["duckdb"]
    if duck is not None:
        ratio = baseline_seconds / duck
        met = ratio <= DUCKDB_RATIO_GOAL
        ok = ok and met
        agreement = _compare(groups, Path(arguments["duckdb_sample"]), measures, activities)
        print(
            f"{name} (e) baseline of {len(groups):,} groups over {rows:,} rows, {runs} runs: "
            f"median {baseline_seconds:.2f} s = {ratio:.2f} x DuckDB {duck:.2f} s; "
            f"goal <= {DUCKDB_RATIO_GOAL:.0f} x: {verdict(met)}; {agreement}"
        )
    else:
        print(
            f"{name} (e) baseline of {len(groups):,} groups over {rows:,} rows, {runs} runs: "
            f"median {baseline_seconds:.2f} s (no DuckDB reference)"
        )

    # (f) one work activity's control chart
    measure, activity = measures[7], activities[123]
    chart_runs = 21
    chart_data = getattr(selectors, "control_chart_data", None)
    if chart_data is not None:  # the page's own selector

        def chart() -> int:
            return len(chart_data(measure, work_activity_ids=[activity.pk]).values)
    else:  # until the selector exists: the series and the domain's XmR

        def chart() -> int:
            _, values = series(measure_id=measure.pk, work_activity_ids=[activity.pk])
            return xmr(values).center and len(values)

    chart_seconds, points = timed(chart, chart_runs)
    met = chart_seconds * 1000 < CHART_GOAL_MS
    ok = ok and met
    print(
        f"{name} (f) control chart of one work activity and measure ({points} points, "
        f"XmR), {chart_runs} runs: median {chart_seconds * 1000:.1f} ms; "
        f"goal < {CHART_GOAL_MS:.0f} ms: {verdict(met)}"
    )
    return 0 if ok else 1


def _unique_index_seconds(runs: int) -> float:
    """The median seconds to build the unique (measure, work activity, time) index on the
    imported table, as the import does (same memory): what any keyed load must add."""
    from django.db import connection, transaction

    from uplift.apps.measurements.services.observations import _PG_INDEX_MEMORY

    seconds = []
    for _ in range(runs):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL maintenance_work_mem = '{_PG_INDEX_MEMORY}'")
            start = time.perf_counter()
            cursor.execute(
                "CREATE UNIQUE INDEX bench_floor ON measurements_observation "
                "(measure_id, work_activity_id, observed_at)"
            )
            seconds.append(time.perf_counter() - start)
            cursor.execute("DROP INDEX bench_floor")
    return statistics.median(seconds)


def _compare(
    groups: list[Any], sample_path: Path, measures: list[Any], activities: list[Any]
) -> str:
    """Check our statistics against DuckDB's on its sample of groups."""
    ids = {(m.pk, a.pk): (m.slug, a.slug) for m in measures for a in activities}
    ours = {ids[(g.measure_id, g.work_activity_id)]: g for g in groups}
    worst = 0.0
    sample = json.loads(sample_path.read_text())
    for measure, activity, n, mean, sd, quantiles, mr_bar in sample:
        mine = ours[(measure, activity)]
        assert mine.n == n, (measure, activity, mine.n, n)
        theirs = [mean, sd, *quantiles, mr_bar]
        values = [
            mine.mean,
            mine.sd,
            mine.p10,
            mine.q1,
            mine.median,
            mine.q3,
            mine.p90,
            mine.mr_bar,
        ]
        worst = max(
            worst, *(abs(a - b) / max(abs(b), 1e-12) for a, b in zip(values, theirs, strict=True))
        )
    if worst > 1e-9:
        raise AssertionError(f"the baseline differs from DuckDB's by {worst:.2e} (relative)")
    return (
        f"same numbers as DuckDB on {len(sample)} groups (largest relative difference {worst:.0e})"
    )


def _sqlite_version() -> str:
    import sqlite3

    return sqlite3.sqlite_version


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == CHILD_FLAG:
        sys.exit(_child(json.loads(sys.argv[2])))
    sys.exit(0 if run(sys.argv[1:]) else 1)
