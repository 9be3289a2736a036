"""Run every benchmark module; each one prints its figures and its goal.

The modules are listed here explicitly (no discovery by name): add a new one to
``BENCHMARKS``. Exit status 1 when a benchmark misses its goal.
"""

from __future__ import annotations

import sys

from benchmarks import (
    bench_deployments,
    bench_library_import,
    bench_matrix,
    bench_measurements,
    bench_rating,
    bench_services,
)

BENCHMARKS = [
    bench_library_import,
    bench_rating,
    bench_matrix,
    bench_measurements,
    bench_deployments,
    bench_services,
]


def main() -> int:
    failed = 0
    for module in BENCHMARKS:
        print(f"== {module.__name__}")
        if not module.run():
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
