"""Import of the NIST SP 800-53 LOW catalog (OSCAL): parse + write, goal < 300 ms.

Each database runs in its own child process (Django is set up once per process):
SQLite in a throwaway file always, PostgreSQL in a throwaway test database when
DATABASE_URL names one. The catalog is imported RUNS times into fresh state (the model
is deleted between runs, untimed); only the ``parse_file`` + ``library_import`` calls are
timed, with ``time.perf_counter``.

    python -m benchmarks                                    # all benchmarks
    python -m benchmarks.bench_library_import               # this one
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test python -m benchmarks
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CATALOG = Path(
    os.environ.get(
        "UPLIFT_BENCH_CATALOG",
        str(
            Path(__file__).resolve().parents[1].parent
            / "shared/data/oscal/NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog.json"
        ),
    )
)
RUNS = 7
GOAL_MS = 300.0
CHILD_FLAG = "--child"


def run() -> bool:
    """Run the benchmark on SQLite (and PostgreSQL if DATABASE_URL is set); True if met."""
    if not CATALOG.exists():
        print(f"skipped: {CATALOG} is not here (set UPLIFT_BENCH_CATALOG)")
        return True
    targets: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as folder:
        targets.append(("SQLite", f"sqlite:///{Path(folder) / 'bench.sqlite3'}"))
        if os.environ.get("DATABASE_URL", "").startswith("postgres"):
            targets.append(("PostgreSQL", os.environ["DATABASE_URL"]))
        ok = True
        for label, url in targets:
            env = os.environ | {
                "DATABASE_URL": url,
                "DJANGO_SETTINGS_MODULE": "uplift.config.settings.test",
            }
            # Our own interpreter running our own module: no untrusted input.
            completed = subprocess.run(  # noqa: S603
                [sys.executable, "-m", "benchmarks.bench_library_import", CHILD_FLAG, label],
                env=env,
                check=False,
            )
            ok = ok and completed.returncode == 0
    return ok


def _child(label: str) -> int:
    """Set Django up on DATABASE_URL, migrate, time the imports, print the figures."""
    import django  # Django is set up only here, in the child, after the environment is set.
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    postgres = connection.vendor == "postgresql"
    if postgres:  # a throwaway test database next to the given one
        # its own name: never the test_<name> database a running pytest may be using
        test_name = f"bench_library_{connection.settings_dict['NAME']}"
        connection.settings_dict.setdefault("TEST", {})["NAME"] = test_name
        connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    else:
        call_command("migrate", interactive=False, verbosity=0)

    from uplift.apps.library.importers import parse_file
    from uplift.apps.library.models import ProcessModel
    from uplift.apps.library.services import library_import

    timings: list[float] = []
    counts = ""
    try:
        for _ in range(RUNS):
            ProcessModel.objects.all().delete()
            start = time.perf_counter()
            document = parse_file(CATALOG)
            model = library_import(document=document)
            timings.append((time.perf_counter() - start) * 1000)
            counts = (
                f"{model.process_areas.count()} process areas, {model.practices.count()} practices"
            )
    finally:
        if postgres:
            connection.creation.destroy_test_db(
                connection.settings_dict["NAME"], verbosity=0, keepdb=False
            )
    median, best = statistics.median(timings), min(timings)
    met = median < GOAL_MS
    print(
        f"{label:<10} NIST SP 800-53 LOW import ({counts}), {RUNS} runs: "
        f"median {median:.1f} ms, min {best:.1f} ms; goal < {GOAL_MS:.0f} ms: "
        f"{'met' if met else 'MISSED'}"
    )
    return 0 if met else 1


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == CHILD_FLAG:
        sys.exit(_child(sys.argv[2]))
    sys.exit(0 if run() else 1)
