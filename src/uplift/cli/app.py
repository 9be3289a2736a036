"""The Typer application; sub-command groups register themselves here."""

from __future__ import annotations

import typer

from uplift.cli import appraisal as appraisal_commands
from uplift.cli import demo as demo_commands
from uplift.cli import deployments as deployment_commands
from uplift.cli import improvements as improvement_commands
from uplift.cli import library as library_commands
from uplift.cli import measurements as measurement_commands
from uplift.cli import measurements_objectives, measurements_stored
from uplift.cli import services as service_commands
from uplift.cli import site as site_commands

app = typer.Typer(
    help=(
        "Uplift: plan, deploy and prove process improvements.\n\n"
        "Besides the commands below, every Django management command is available "
        "as 'uplift <command>' (migrate, createsuperuser, shell, check, …)."
    ),
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(library_commands.app, name="library")
app.add_typer(demo_commands.app, name="demo")
app.add_typer(appraisal_commands.app, name="appraisal")
measurements_stored.register(measurement_commands.app)
measurements_objectives.register(measurement_commands.app)
app.add_typer(measurement_commands.app, name="measurements")
app.add_typer(improvement_commands.app, name="improvements")
app.add_typer(deployment_commands.app, name="deployments")
app.add_typer(service_commands.app, name="services")
site_commands.register(app)
