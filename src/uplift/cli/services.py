"""``uplift services …``: the service portfolio (placeholder; its owner fills it)."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="The IT service portfolio: services, scorecards, reviews.", no_args_is_help=True
)


@app.command("list")
def services_list() -> None:
    """List the services of the portfolio."""
