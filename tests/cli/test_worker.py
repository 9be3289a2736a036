"""``uplift worker`` runs the background imports; ``uplift serve`` starts one beside it.

The worker goes through the database task backend (as in production); the serve test
starts the installed command in a subprocess (marked slow).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django_tasks_db.models import DBTaskResult
from typer.testing import CliRunner

from tests.apps.measurements import conftest as measurement_fixtures
from tests.apps.measurements.test_import import GOOD
from uplift.apps.measurements import uploads
from uplift.apps.measurements.models import Observation, ObservationImportJob
from uplift.apps.measurements.services.import_jobs import import_job_create
from uplift.apps.measurements.tasks import observation_import_job_run
from uplift.cli.app import app

UPLIFT = str(Path(sys.executable).with_name("uplift"))

measures = measurement_fixtures.measures
work_activities = measurement_fixtures.work_activities


@pytest.fixture
def _signals() -> Iterator[None]:
    """The worker installs its own SIGINT/SIGTERM handlers: give pytest its own back."""
    saved = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    yield
    for number, handler in saved.items():
        signal.signal(number, handler)


@pytest.fixture
def queued_job(
    measures: Any, work_activities: Any, process_group_member: Any, settings: Any, tmp_path: Path
) -> ObservationImportJob:
    """An import job queued in the database (the backend ``uplift worker`` reads)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    return import_job_create(
        token=uploads.store([GOOD.encode()]), filename="q1.csv", user=process_group_member
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_signals")
def test_uplift_worker_batch_runs_the_queued_imports_and_exits(queued_job):
    job = queued_job
    result = CliRunner().invoke(app, ["worker", "--batch", "--interval", "0"])

    assert result.exit_code == 0, result.output
    job.refresh_from_db()
    assert (job.state, job.inserted) == ("succeeded", 4)
    assert Observation.objects.count() == 4


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_signals")
def test_uplift_worker_first_queues_again_the_import_its_dead_predecessor_left_running(
    queued_job,
):
    job = queued_job
    dead = subprocess.Popen([sys.executable, "-c", ""])
    dead.wait()
    # The worker died while it ran the job: the job stays running, its task too.
    ObservationImportJob.objects.filter(pk=job.pk).update(
        state="running", attempt=1, worker=f"{socket.gethostname()}:{dead.pid}"
    )
    DBTaskResult.objects.update(status="RUNNING")

    result = CliRunner().invoke(app, ["worker", "--batch", "--interval", "0"])

    assert result.exit_code == 0, result.output
    assert f"Import job {job.pk} (q1.csv) queued again: its worker had stopped." in result.output
    job.refresh_from_db()
    assert (job.state, job.attempt, job.inserted) == ("succeeded", 2, 4)
    assert Observation.objects.count() == 4
    # The dead run's task row is failed, not left running; the new run's succeeded.
    runs = DBTaskResult.objects.filter(task_path=observation_import_job_run.module_path)
    assert sorted(runs.values_list("status", "exception_class_path")) == [
        ("FAILED", "uplift.apps.measurements.services.import_jobs.WorkerGone"),
        ("SUCCESSFUL", ""),
    ]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


@pytest.mark.slow
def test_uplift_serve_starts_a_worker_and_stops_it_with_the_server(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env |= {"UPLIFT_HOME": str(tmp_path), "DJANGO_SETTINGS_MODULE": "uplift.config.settings.dev"}
    subprocess.run(  # noqa: S603  (our own entry point, fixed arguments)
        [UPLIFT, "migrate", "--verbosity", "0"], cwd=tmp_path, env=env, check=True, timeout=300
    )
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603  (our own entry point, fixed arguments)
        [UPLIFT, "serve", "--address", f"127.0.0.1:{port}"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.5)
        workers = _children(server.pid)
        assert len(workers) == 1
        assert "worker" in Path(f"/proc/{workers[0]}/cmdline").read_text()
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=30)

    assert server.returncode is not None
    assert "Starting the task worker" in output
    assert not Path(f"/proc/{workers[0]}").exists()  # stopped and reaped by the server
