"""Site-level commands: setup (migrate + models + demo) and serve."""

from __future__ import annotations

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
    ) -> None:
        """Serve Uplift with Django's server (for a local instance; see docs/deployment.md)."""
        setup_django()
        from django.core.management import call_command  # lazy: Django starts only for this command

        call_command("runserver", address, use_reloader=False)
