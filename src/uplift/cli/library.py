"""``uplift library …``: list, import and export process models."""

from __future__ import annotations

import typer

app = typer.Typer(help="The model library: list, import and export process models.", no_args_is_help=True)
