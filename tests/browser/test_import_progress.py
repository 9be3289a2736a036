"""Issue 4 in a real browser: the job's page follows a running import, without a reload.

The job's page polls its status with htmx every second while the job is queued or
running. Here the task backend is the database one (as deployed) and a real worker,
django-tasks-db's ``Worker`` loop, runs in a thread of the test process: the live
server's database and its process-local cache (the progress goes through the cache).
It is started once the page says it waits for a worker; the page then goes through
the import's phases to the outcome, its ``<progress>`` bar named and moving.

Half a million rows take the worker a second or two, each phase a few tenths of a
second: less than one poll. So the worker is held at the first progress report of each
phase (``Pacer``) until the page has shown that phase. The import itself is untouched
(the service, its one transaction, the progress written to the cache by the task);
only its pace is the test's.

Two imports of the same 480,000 rows (over 16 MB): into a table holding observations
already (the usual case: the rows are staged while read, then merged), and the first
import into an empty table (the load: read, then written in key order, then the
indexes built). The load is not run on SQLite: the in-memory test database shares one
cache between connections, where the load's pending ``DROP INDEX`` locks the schema
against every other connection ("database table is locked"); a database file in WAL
mode, as deployed, lets readers see the last commit meanwhile.

The data: the demo organization's work activities and the two measures of
``test_import_flow``.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections
from django_tasks_db.management.commands.db_worker import Worker
from playwright.sync_api import expect

from tests.browser import test_import_flow
from tests.browser.pages import sign_in
from uplift.apps.measurements import tasks
from uplift.apps.measurements.models import Observation
from uplift.apps.measurements.services.observations import LOAD_MIN_BYTES, observation_import
from uplift.apps.organization.models import WorkActivity

pytestmark = pytest.mark.browser

measures = test_import_flow.measures

ROWS = 480_000
FILENAME = "history.csv"
JOB_URL = re.compile(r"/measurements/imports/jobs/\d+/$")
BETWEEN_0_AND_100 = re.compile(r"^[1-9][0-9]?$")  # the bar's value, neither empty nor full
# What the page says in each phase of the import.
READING = re.compile(
    r"Reading and checking the file: [\d,]+ of about [\d,]+ rows \(\d+% in all\)\."
)
WRITING = re.compile(rf"Writing the rows in order: [\d,]+ of {ROWS:,} \(\d+% in all\)\.")
STORING = re.compile(
    re.escape(
        f"All {ROWS:,} rows are read and written; storing them: building the indexes and "
        "checking the keys (the last step)."
    )
)
HELD = 30  # seconds the worker waits for the test at most, so that it never hangs
LAST_STEP_MS = 30_000  # the wait for the outcome: PostgreSQL merges these rows in seconds


class Pacer:
    """Holds the worker at the first progress report of each phase of the import until
    ``release(phase)``: ``observation_import`` wrapped so that its progress callback (the
    task's, which writes to the cache) is called, then waits."""

    def __init__(self) -> None:
        self.gates = {phase: threading.Event() for phase in ("read", "write", "finish")}
        self.reached: list[str] = []  # the phases the worker went through, in order

    def release(self, phase: str) -> None:
        self.gates[phase].set()

    def release_all(self) -> None:
        for gate in self.gates.values():
            gate.set()

    def wrap(self, run: Callable[..., Any]) -> Callable[..., Any]:
        def paced(**options: Any) -> Any:
            report = options["progress"]

            def progress(phase: str, rows_done: int, rows_total: int | None) -> None:
                report(phase, rows_done, rows_total)
                if phase not in self.reached:
                    self.reached.append(phase)
                    self.gates[phase].wait(HELD)

            return run(**{**options, "progress": progress})

        return paced


@pytest.fixture
def history(measures: None, tmp_path: Path) -> Path:
    """A CSV of ``ROWS`` observations: both measures, every demo work activity, a day apart
    from 1990 on, under the header names the import guesses (Metric, Project, Date)."""
    keys = [
        f"{measure},{activity},"
        for activity in sorted(WorkActivity.objects.values_list("slug", flat=True))
        for measure in ("review-hours", "escaped-defects")
    ]
    path = tmp_path / FILENAME
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("Metric,Project,Date,Value\n")
        for row in range(ROWS):
            day, key = divmod(row, len(keys))
            when = dt.date(1990, 1, 1) + dt.timedelta(days=day)
            out.write(f"{keys[key]}{when.isoformat()},{row % 50 / 4}\n")
    assert path.stat().st_size >= LOAD_MIN_BYTES  # big enough for the load, into an empty table
    return path


@pytest.fixture
def pacer(monkeypatch: pytest.MonkeyPatch) -> Iterator[Pacer]:
    pacer = Pacer()
    monkeypatch.setattr(tasks, "observation_import", pacer.wrap(tasks.observation_import))
    yield pacer
    pacer.release_all()  # a test that failed half-way does not leave the worker waiting


@pytest.fixture
def start_worker(settings: Any, pacer: Pacer) -> Iterator[Callable[[], None]]:
    """Start the task worker in a thread: the database backend's loop, as ``uplift worker``
    runs it, for one task. Stopped and joined after the test; its errors fail the test."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    worker = Worker(
        queue_names=["default"],
        interval=0.2,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=1,
        worker_id="browser-test",
        excluded_queue_names=[],
    )
    errors: list[BaseException] = []

    def run() -> None:
        try:
            worker.run()
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()  # this thread's own: PostgreSQL then drops the database

    thread = threading.Thread(target=run, name="uplift-worker", daemon=True)
    yield thread.start
    pacer.release_all()
    worker.running = False
    if thread.ident is not None:
        thread.join(timeout=HELD + 30)
        assert not thread.is_alive(), "the worker did not stop"
    assert not errors


def _watch_import(
    page: Any,
    history: Path,
    pacer: Pacer,
    start_worker: Callable[[], None],
    phases: dict[str, re.Pattern[str]],
) -> None:
    """Upload ``history``, import it, and follow its job's page through ``phases`` (each
    phase: the status it shows) to the outcome, the worker released phase by phase."""
    sign_in(page, "process.group", "/measurements/imports/new/")
    page.get_by_label("Observation file").set_input_files(str(history))
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name=f"{FILENAME}: the first rows")).to_be_visible()
    page.get_by_role("button", name="Import", exact=True).click()

    expect(page).to_have_url(JOB_URL)
    page.evaluate("window.loadedOnce = true")  # gone if the page were loaded again
    job = page.locator("#import-job")
    status = job.get_by_role("status")
    bar = job.get_by_role("progressbar")
    expect(job).to_have_attribute("data-state", "queued")
    expect(status).to_have_text("Waiting for the worker to start the import.")
    expect(bar).to_have_accessible_name("Queued")  # aria-labelledby: the state's heading

    start_worker()

    values: list[int] = []
    for phase, text in phases.items():
        expect(status).to_have_text(text)
        expect(job).to_have_attribute("data-state", "running")
        expect(job).to_have_attribute("aria-busy", "true")
        expect(bar).to_have_accessible_name("Running")
        expect(bar).to_have_accessible_description(text)
        expect(bar).to_have_attribute("value", BETWEEN_0_AND_100)
        values.append(int(bar.get_attribute("value")))
        pacer.release(phase)
    assert values == sorted(set(values))  # the bar moved forward at each phase

    expect(job).to_have_attribute("data-state", "succeeded", timeout=LAST_STEP_MS)
    expect(status).to_have_text(
        f"“{FILENAME}” is imported: {ROWS:,} new, 0 already stored, 0 replaced."
    )
    expect(bar).to_have_accessible_name("Succeeded")
    expect(bar).to_have_attribute("value", "100")
    expect(job.locator("#import-inserted")).to_have_text(f"{ROWS:,}")
    expect(job).not_to_have_attribute("hx-get", re.compile(".*"))  # the polling stopped
    expect(job).not_to_have_attribute("aria-busy", re.compile(".*"))
    assert page.evaluate("window.loadedOnce") is True  # htmx changed it in place
    assert pacer.reached == list(phases)  # the worker went through these phases, no other


def test_the_job_page_follows_an_import_merged_into_stored_observations(
    page, history, pacer, start_worker
):
    observation_import(  # one observation stored already: the big file is merged
        data=b"measure,work_activity,observed_at,value\n"
        b"review-hours,anchor-claims-engine,1989-12-31,12\n",
        filename="earlier.csv",
    )

    _watch_import(
        page,
        history,
        pacer,
        start_worker,
        {"read": READING, "finish": STORING},
    )

    assert Observation.objects.count() == ROWS + 1


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="the in-memory SQLite test database locks its schema during the load",
)
def test_the_job_page_follows_the_first_import_loaded_into_an_empty_table(
    page, history, pacer, start_worker
):
    _watch_import(
        page,
        history,
        pacer,
        start_worker,
        {"read": READING, "write": WRITING, "finish": STORING},
    )

    assert Observation.objects.count() == ROWS
