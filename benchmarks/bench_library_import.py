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
import sys
import time
from pathlib import Path

from benchmarks.harness import benchmark_database, main, run_children

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


def run() -> bool:
    """Run the benchmark on SQLite (and PostgreSQL if DATABASE_URL is set); True if met."""
    if not CATALOG.exists():
        print(f"skipped: {CATALOG} is not here (set UPLIFT_BENCH_CATALOG)")
        return True
    return run_children("benchmarks.bench_library_import")


def _child(label: str) -> int:
    """Set Django up on DATABASE_URL, migrate, time the imports, print the figures."""
    timings: list[float] = []
    counts = ""
    with benchmark_database("bench_library"):
        from uplift.apps.library.importers import parse_file
        from uplift.apps.library.models import ProcessModel
        from uplift.apps.library.services import library_import

        for _ in range(RUNS):
            ProcessModel.objects.all().delete()
            start = time.perf_counter()
            document = parse_file(CATALOG)
            model = library_import(document=document)
            timings.append((time.perf_counter() - start) * 1000)
            counts = (
                f"{model.process_areas.count()} process areas, {model.practices.count()} practices"
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
    sys.exit(main(run, _child))
