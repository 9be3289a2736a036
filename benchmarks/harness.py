"""How every database benchmark runs: one child process per database, a fresh database
in each, and timed calls with their query counts.

A benchmark module ``bench_x`` defines ``run()`` (``return run_children("benchmarks.bench_x")``,
after anything it times without a database) and ``_child(label)``, which opens
``benchmark_database("bench_x")`` and times what it builds there; it ends with
``sys.exit(main(run, _child))``. Django is set up only in the children, after their
environment names their database.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHILD_FLAG = "--child"


def run_children(module: str) -> bool:
    """Run ``python -m <module> --child <label>`` on SQLite in a throwaway file, and on
    PostgreSQL when DATABASE_URL names it; True when every child exits with 0."""
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        targets = [("SQLite", f"sqlite:///{Path(folder) / 'bench.sqlite3'}")]
        if os.environ.get("DATABASE_URL", "").startswith("postgres"):
            targets.append(("PostgreSQL", os.environ["DATABASE_URL"]))
        for label, url in targets:
            env = os.environ | {
                "DATABASE_URL": url,
                "DJANGO_SETTINGS_MODULE": "uplift.config.settings.test",
            }
            # Our own interpreter running our own module: no untrusted input.
            completed = subprocess.run(  # noqa: S603
                [sys.executable, "-m", module, CHILD_FLAG, label],
                env=env,
                check=False,
            )
            ok = ok and completed.returncode == 0
    return ok


def main(run: Callable[[], bool], child: Callable[[str], int]) -> int:
    """The exit status of a benchmark module: ``child(label)`` when started by
    ``run_children``, else ``run()`` (0 when it met its goals)."""
    if len(sys.argv) == 3 and sys.argv[1] == CHILD_FLAG:
        return child(sys.argv[2])
    return 0 if run() else 1


@contextmanager
def benchmark_database(name: str) -> Iterator[bool]:
    """Set Django up on DATABASE_URL with an empty, migrated database; yield whether it
    is PostgreSQL.

    On PostgreSQL the database is a throwaway one of its own next to the given one,
    ``<name>_<its name>`` (not pytest's ``test_<name>``, which a test run may be using
    at the same time), dropped at the end. On SQLite it is the throwaway file of
    ``run_children``, migrated here.
    """
    import django  # Django is set up only here, in the child, after the environment is set.
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    postgres = connection.vendor == "postgresql"
    original_name = connection.settings_dict["NAME"]
    if postgres:
        connection.settings_dict.setdefault("TEST", {})["NAME"] = f"{name}_{original_name}"
        connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    else:
        call_command("migrate", interactive=False, verbosity=0)
    try:
        yield postgres
    finally:
        if postgres:
            connection.creation.destroy_test_db(original_name, verbosity=0, keepdb=False)


def timed(call: Callable[[int], Any], runs: int) -> tuple[float, list[int], Any]:
    """Median ms over ``runs`` calls, each call's query count, and the last answer.

    ``call`` gets the run's index (0, 1, …), for calls that alternate what they write.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings, queries, answer = [], [], None
    for n in range(runs):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            answer = call(n)
            timings.append((time.perf_counter() - start) * 1000)
        queries.append(len(captured))
    return statistics.median(timings), queries, answer
