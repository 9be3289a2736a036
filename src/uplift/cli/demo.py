"""``uplift demo …``: load the demo organization and list its sign-ins."""

from __future__ import annotations

from collections.abc import Iterator

import typer

from uplift.cli.bootstrap import setup_django

app = typer.Typer(
    help="The demo organization (Harbourline Systems) and its sign-ins.", no_args_is_help=True
)


@app.command("load")
def load() -> None:
    """Load the demo organization, its people and sign-ins, appraisals, measurements,
    improvements, deployments and the service portfolio.

    The appraisals need the shipped models of the library ('uplift setup' loads them).
    """
    setup_django()
    for line in demo_lines():
        typer.echo(line)


def demo_lines() -> Iterator[str]:
    """Load every context's part of the demo, in story order, yielding what each did.

    Django must be set up; the apps are imported here, lazily, so that the command
    line starts fast.
    """
    from uplift.apps.appraisals.demo import appraisal_demo_load
    from uplift.apps.deployments.demo import deployment_demo_load
    from uplift.apps.improvements.demo import improvement_demo_load
    from uplift.apps.measurements.demo import measurement_demo_load
    from uplift.apps.organization.demo import demo_load
    from uplift.apps.service_portfolio.demo import service_portfolio_demo_load

    yield from demo_load()
    yield from appraisal_demo_load()
    yield from measurement_demo_load()
    yield from improvement_demo_load()
    yield from deployment_demo_load()
    yield from service_portfolio_demo_load()


@app.command("users")
def users() -> None:
    """List the demo sign-ins: one per role, all with the same password."""
    setup_django()
    from uplift.apps.organization.demo import DEMO_PASSWORD, demo_users

    header = ("username", "role", "name", "password")
    rows = [
        (user.username, user.role.label, user.display_name, DEMO_PASSWORD) for user in demo_users()
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        typer.echo(
            "  ".join(text.ljust(width) for text, width in zip(row, widths, strict=True)).rstrip()
        )
    typer.echo("Load them with 'uplift demo load' (or 'uplift setup').")
