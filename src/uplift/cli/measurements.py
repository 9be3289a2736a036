"""``uplift measurements …``: statistics on plain CSV files and on stored measurements."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Measurements: baselines, control charts, evaluations, payback.", no_args_is_help=True
)
