"""Site-level commands: setup (migrate + models + demo), serve and worker.

``uplift worker`` runs the task worker (django-tasks-db's ``db_worker``): background
work such as observation imports (issue 4) waits in the database until it runs it.
``uplift serve`` starts one beside Django's server (``--no-worker`` to run it apart)
and stops it when the server stops. A worker that starts first queues again the
import jobs left running by a dead worker of its host (``import_jobs_recover``).
"""

from __future__ import annotations

import signal
import subprocess
import sys
from types import FrameType

import typer

from uplift.cli.bootstrap import setup_django


def register(app: typer.Typer) -> None:
    """Add the site commands to the top-level application."""

    @app.command()
    def setup(
        demo: bool = typer.Option(
            True,
            help="Load the demo organization, its users, appraisals, measurements, "
            "improvements and deployments.",
        ),
    ) -> None:
        """Migrate the database, load the shipped models and (by default) the demo. Idempotent."""
        setup_django()
        from django.core.management import call_command  # lazy: Django starts only for this command

        from uplift.apps.accounts.services import (
            roles_ensure,  # lazy: Django starts only for this command
        )
        from uplift.apps.library.services import (
            library_load_shipped,  # lazy: Django starts only for this command
        )

        call_command("migrate", interactive=False, verbosity=0)
        typer.echo("Database migrated.")
        roles_ensure()
        typer.echo("Roles and their permissions are in place.")
        from uplift.apps.improvements.services.selection import (
            criteria_defaults_ensure,  # lazy: Django starts only for this command
        )

        if criteria_defaults_ensure():
            typer.echo("The decision analysis has its criteria.")
        for line in library_load_shipped():
            typer.echo(line)
        if demo:
            from uplift.cli.demo import demo_lines

            for line in demo_lines():
                typer.echo(line)

    @app.command()
    def serve(
        address: str = typer.Option("127.0.0.1:8000", help="host:port to listen on."),
        worker: bool = typer.Option(
            True, help="Start the task worker beside the server (imports need one)."
        ),
    ) -> None:
        """Serve Uplift with Django's server (for a local instance; see docs/deployment.md)."""
        setup_django()
        from django.core.management import call_command  # lazy: Django starts only for this command

        process = _start_worker() if worker else None
        # A SIGTERM stops the server like Ctrl+C does, so that the worker is stopped too.
        previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            call_command("runserver", address, use_reloader=False)
        finally:
            signal.signal(signal.SIGTERM, previous)
            if process is not None:
                _stop_worker(process)

    @app.command(name="worker")
    def worker_(
        interval: float = typer.Option(
            1.0, min=0.0, help="Seconds between two looks for work when there is none."
        ),
        batch: bool = typer.Option(False, help="Run what is waiting, then exit."),
    ) -> None:
        """Run the task worker: background work (observation imports) waits for it."""
        setup_django()
        from django.core.management import call_command  # lazy: Django starts only for this command

        from uplift.apps.measurements.services.import_jobs import (
            import_jobs_recover,  # lazy: Django starts only for this command
        )

        for job in import_jobs_recover():
            typer.echo(
                f"Import job {job.pk} ({job.filename}) queued again: its worker had stopped."
            )
        call_command("db_worker", interval=interval, batch=batch, reload=False, startup_delay=False)


WORKER_STOP_SECONDS = 10


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _start_worker() -> subprocess.Popen[bytes]:
    """``uplift worker`` in a child process, with this process's settings (environment)."""
    typer.echo("Starting the task worker (uplift worker).")
    return subprocess.Popen([sys.executable, "-m", "uplift.cli", "worker"])


def _stop_worker(process: subprocess.Popen[bytes]) -> None:
    """Ask the worker to stop (it ends its current task first), then make it."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=WORKER_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
