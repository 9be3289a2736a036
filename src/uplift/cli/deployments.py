"""``uplift deployments …``: plans, waves, targets and results (placeholder until written)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Deployments: plans, waves, targets and results.", no_args_is_help=True)
