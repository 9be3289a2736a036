"""Rating: the engine on a CMMI-DEV ML 5 scope, and one cell write at 100 vs 10,000 cells.

1. Engine (pure, no database): the shipped ``data/library/cmmi-dev-1.3.yaml`` as a
   staged ML 5 scope (22 process areas; specific practices and the generic practices
   of GG 2 and GG 3) over 40 basic units with random values (seeded), rated RUNS
   times; goal < 50 ms (issue 3).
2. Cell write (``services.appraisal_characterize``): the same cell changed RUNS times
   in an appraisal of ~100 cells and in one of ~10,000; median ms and the query count
   of each, which must be equal; goal < 50 ms. Each database runs in its own child
   process, like ``bench_library_import``: SQLite always, PostgreSQL when
   DATABASE_URL names one.

    python -m benchmarks.bench_rating
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test python -m benchmarks.bench_rating
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from benchmarks.harness import benchmark_database, main, run_children, timed
from uplift.domain.ratings import (
    AppraisalScope,
    AreaSpec,
    Characterization,
    GoalSpec,
    PracticeValue,
    rate_appraisal,
)

REPO = Path(__file__).resolve().parents[1]
CMMI_DEV = REPO / "data" / "library" / "cmmi-dev-1.3.yaml"
RUNS = 15
UNITS = 40
ENGINE_GOAL_MS = 50.0
CELL_GOAL_MS = 50.0


def _engine_inputs() -> tuple[AppraisalScope, dict[str, dict[str, Characterization]]]:
    data = yaml.safe_load(CMMI_DEV.read_text())
    generic = [g for g in data["generic_goals"] if g["capability_level"] >= 2]
    areas = []
    for area in data["process_areas"]:
        abbr = area["abbreviation"]
        specific = tuple(
            GoalSpec(f"{abbr} {g['id']}", tuple(f"{abbr} {p['id']}" for p in g["practices"]))
            for g in area["goals"]
        )
        generic_goals = tuple(
            GoalSpec(
                f"{abbr} {g['id']}",
                tuple(f"{abbr} {p['id']}" for p in g["practices"]),
                g["capability_level"],
            )
            for g in generic
        )
        areas.append(AreaSpec(abbr, area.get("maturity_level"), specific, generic_goals))
    scope = AppraisalScope(
        representation="staged",
        areas=tuple(areas),
        in_scope=frozenset(a.abbreviation for a in areas),
        target_maturity_level=5,
    )
    rng = random.Random(20261121)  # noqa: S311  (benchmark data, not security)
    values = [PracticeValue.FI] * 6 + [PracticeValue.LI] * 3 + [PracticeValue.PI, PracticeValue.NY]
    cells = {
        ref: {
            f"unit-{n}": Characterization(rng.choice(values), ("w",) if rng.random() < 0.2 else ())
            for n in range(UNITS)
        }
        for area in areas
        for goal in (*area.specific_goals, *area.generic_goals)
        for ref in goal.practices
    }
    return scope, cells


def engine() -> bool:
    """Time the engine alone; print the median and the goal."""
    scope, cells = _engine_inputs()
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        result = rate_appraisal(scope, cells)
        timings.append((time.perf_counter() - start) * 1000)
    median = statistics.median(timings)
    met = median < ENGINE_GOAL_MS
    print(
        f"engine     CMMI-DEV ML 5 ({len(scope.areas)} process areas, {len(cells)} practices, "
        f"{len(cells) * UNITS} cells, {len(result.open_judgments)} open judgments), {RUNS} runs: "
        f"median {median:.1f} ms, min {min(timings):.1f} ms; goal < {ENGINE_GOAL_MS:.0f} ms: "
        f"{'met' if met else 'MISSED'}"
    )
    return met


def run() -> bool:
    """The engine here; the cell writes on SQLite (and PostgreSQL) in child processes."""
    ok = engine()
    return run_children("benchmarks.bench_rating") and ok


def _appraisal_file(refs: list[str], units: list[str]) -> bytes:
    data = {
        "uplift": "appraisal/1",
        "model": "CMMI-DEV@1.3",
        "representation": "staged",
        "target_maturity_level": 5,
        "basic_units": units,
        "characterizations": {ref: dict.fromkeys(units, "FI") for ref in refs},
    }
    return yaml.safe_dump(data, sort_keys=False).encode()


def _child(label: str) -> int:
    """Set Django up on DATABASE_URL, build both appraisals, time the cell writes."""
    ok = True
    with benchmark_database("bench_rating"):
        from uplift.apps.appraisals.selectors import appraisal_rating
        from uplift.apps.appraisals.services import appraisal_characterize, appraisal_import
        from uplift.apps.library.selectors import model_rating_structure
        from uplift.apps.library.services import library_import_file

        model = library_import_file(path=CMMI_DEV)
        refs = [
            ref
            for area in model_rating_structure(model).areas
            for goal in (*area.specific_goals, *area.generic_goals)
            for ref in goal.practices
        ]
        small = appraisal_import(
            data=_appraisal_file(refs[:20], [f"u{n}" for n in range(5)]), filename="small.yaml"
        )
        large = appraisal_import(
            data=_appraisal_file(refs, [f"u{n}" for n in range(24)]), filename="large.yaml"
        )
        for appraisal in (small, large):
            cells = appraisal.characterizations.count()

            def characterize(n: int, appraisal: Any = appraisal) -> Any:
                return appraisal_characterize(
                    appraisal=appraisal,
                    practice=refs[0],
                    unit="u1",
                    value="LI" if n % 2 == 0 else "FI",
                )

            median, queries, _ = timed(characterize, RUNS)
            met = median < CELL_GOAL_MS and len(set(queries)) == 1
            ok = ok and met
            print(
                f"{label:<10} characterize one cell of {cells:>6} cells, {RUNS} runs: "
                f"median {median:.1f} ms, {queries[0]} queries; goal < {CELL_GOAL_MS:.0f} ms "
                f"with the same queries at any size: {'met' if met else 'MISSED'}"
            )
        # For the record (no goal of its own): the lazy rating of the whole large appraisal.
        median, queries, _ = timed(lambda _: appraisal_rating(large), 5)
        print(
            f"{label:<10} rate the stored appraisal of 10344 cells (read + engine), 5 runs: "
            f"median {median:.1f} ms, {queries[-1]} queries"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(run, _child))
