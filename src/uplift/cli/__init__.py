"""The ``uplift`` command.

Uplift's own commands (``uplift library …``, ``uplift demo …``, ``uplift serve``) are
Typer commands; every other word is handed to Django's management commands, so
``DATABASE_URL=… uplift migrate`` prepares any database and ``uplift shell`` works.
"""

from __future__ import annotations

import os
import sys

from uplift.cli.app import app

__all__ = ["app", "main"]

DEFAULT_SETTINGS = "uplift.config.settings.dev"


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``uplift`` script."""
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)
    own = {command.name for command in app.registered_commands} | {
        group.name for group in app.registered_groups
    }
    if args and not args[0].startswith("-") and args[0] not in own:
        from django.core.management import execute_from_command_line  # noqa: PLC0415  (Django is loaded only on this path)

        execute_from_command_line(["uplift", *args])
        return
    app(args=args, prog_name="uplift")
