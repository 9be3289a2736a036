"""Matrix page: CMMI-DEV ML 5 over 40 units, and one cell saved through the page.

1. Page: an appraisal of the shipped CMMI-DEV 1.3 as a staged ML 5 scope (22 process
   areas; specific practices and the generic practices of GG 2 and GG 3) over 40
   basic units, every cell characterized (imported through
   ``services.appraisal_import`` from a generated file), its matrix page fetched
   RUNS times through ``django.test.Client`` by a team member; median ms, size and
   queries; goal < 1 s (issue 3).
2. Cell save through the page (an htmx POST to ``appraisals:appraisal_cell``, the
   answer with its out-of-band rating updates) in an appraisal of ~100 cells and in
   one of ~10,000; median ms and the query count of each, which must be equal;
   goal < 50 ms. The follow-up request for the maturity level (``?part=summary``,
   which rates every cell) is timed for the record.

Each database runs in its own child process, like ``bench_rating``: SQLite always,
PostgreSQL when DATABASE_URL names one.

    python -m benchmarks.bench_matrix
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test python -m benchmarks.bench_matrix
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from benchmarks.harness import benchmark_database, main, run_children, timed

REPO = Path(__file__).resolve().parents[1]
CMMI_DEV = REPO / "data" / "library" / "cmmi-dev-1.3.yaml"
RUNS = 7
UNITS = 40
PAGE_GOAL_MS = 1000.0
CELL_GOAL_MS = 50.0
HTMX = {"HTTP_HX_REQUEST": "true"}


def run() -> bool:
    """The page and the cell saves on SQLite (and PostgreSQL), each in a child process."""
    return run_children("benchmarks.bench_matrix")


def _appraisal_file(refs: list[str], units: list[str], *, seed: int) -> bytes:
    """Every practice characterized at every unit; mostly FI, some LI (no judgments due)."""
    rng = random.Random(seed)  # noqa: S311  (benchmark data, not security)
    data = {
        "uplift": "appraisal/1",
        "name": f"bench {len(refs) * len(units)} cells",
        "model": "CMMI-DEV@1.3",
        "representation": "staged",
        "target_maturity_level": 5,
        "basic_units": units,
        "characterizations": {
            ref: {unit: "LI" if rng.random() < 0.1 else "FI" for unit in units} for ref in refs
        },
    }
    return yaml.safe_dump(data, sort_keys=False).encode()


def _child(label: str) -> int:
    """Set Django up on DATABASE_URL, build the appraisals, time the page and the saves."""
    ok = True
    with benchmark_database("bench_matrix"):
        from django.contrib.auth import get_user_model
        from django.test import Client
        from django.urls import reverse

        from uplift.apps.appraisals.choices import TeamRole
        from uplift.apps.appraisals.matrix import cell_dom_id, matrix_outline
        from uplift.apps.appraisals.models import TeamMember
        from uplift.apps.appraisals.services import appraisal_import
        from uplift.apps.library.selectors import model_rating_structure
        from uplift.apps.library.services import library_import_file

        model = library_import_file(path=CMMI_DEV)
        structure = model_rating_structure(model)
        refs = [
            ref
            for area in structure.areas
            for goal in (*area.specific_goals, *area.generic_goals)
            for ref in goal.practices
        ]
        start = time.perf_counter()
        page_appraisal = appraisal_import(
            data=_appraisal_file(refs, [f"unit-{n:02}" for n in range(UNITS)], seed=1),
            filename="page.yaml",
        )
        built_in = time.perf_counter() - start
        small = appraisal_import(
            data=_appraisal_file(refs[:20], [f"u{n}" for n in range(5)], seed=2),
            filename="small.yaml",
        )
        large = appraisal_import(
            data=_appraisal_file(refs, [f"u{n}" for n in range(24)], seed=3),
            filename="large.yaml",
        )
        user = get_user_model().objects.create_user(username="bench.member")
        for appraisal in (page_appraisal, small, large):
            TeamMember.objects.create(appraisal=appraisal, user=user, role=TeamRole.TEAM_MEMBER)
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")

        # 1. The whole page.
        url = reverse("appraisals:appraisal_matrix", args=[page_appraisal.pk])
        cells = page_appraisal.characterizations.count()
        client.get(url)  # warm-up: templates compiled, session read
        median, queries, response = timed(lambda _: client.get(url), RUNS)
        assert response.status_code == 200, response.status_code
        rows = response.content.count(b'<th scope="row">')
        met = median < PAGE_GOAL_MS and len(set(queries)) == 1
        ok = ok and met
        print(
            f"{label:<10} matrix page, {rows} practices x {UNITS} units = {cells} cells "
            f"(built in {built_in:.1f} s), {RUNS} runs: median {median:.0f} ms, "
            f"{len(response.content) / 1e6:.1f} MB, {queries[0]} queries; "
            f"goal < {PAGE_GOAL_MS:.0f} ms: {'met' if met else 'MISSED'}"
        )

        # 2. One cell saved through the page, small vs large.
        counts = []
        for appraisal in (small, large):
            outline = matrix_outline(appraisal)
            practice_id, area_id = outline.index.practices[refs[0]]
            unit = outline.units[1]
            cell_url = reverse(
                "appraisals:appraisal_cell", args=[appraisal.pk, area_id, practice_id, unit.pk]
            )
            size = appraisal.characterizations.count()

            field = f"{cell_dom_id(area_id, practice_id, unit.pk)}-value"  # fields are per cell

            def save(n: int, cell_url: str = cell_url, field: str = field) -> Any:
                return client.post(cell_url, {field: "LI" if n % 2 == 0 else "FI"}, **HTMX)

            save(1)  # warm-up
            median, queries, response = timed(save, RUNS)
            assert response.status_code == 200, response.status_code
            assert b"hx-swap-oob" in response.content
            counts.append(queries[0])
            met = median < CELL_GOAL_MS and len(set(queries)) == 1
            ok = ok and met
            print(
                f"{label:<10} save one cell through the page at {size:>6} cells, {RUNS} runs: "
                f"median {median:.1f} ms, {queries[0]} queries; goal < {CELL_GOAL_MS:.0f} ms: "
                f"{'met' if met else 'MISSED'}"
            )
        same = len(set(counts)) == 1
        ok = ok and same
        print(
            f"{label:<10} same queries at ~100 and ~10,000 cells: "
            f"{'yes' if same else 'NO'} ({' vs '.join(map(str, counts))})"
        )
        # For the record (no goal of its own): the follow-up maturity-level summary.
        summary_url = reverse("appraisals:appraisal_matrix", args=[large.pk]) + "?part=summary"
        median, queries, _ = timed(lambda _: client.get(summary_url, **HTMX), 5)
        print(
            f"{label:<10} maturity-level summary after a save (rates all {size} cells), "
            f"5 runs: median {median:.1f} ms, {queries[0]} queries"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(run, _child))
