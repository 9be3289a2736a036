"""The ``uplift`` command.

Uplift's own commands (``uplift library …``, ``uplift demo …``, ``uplift serve``) are
Typer commands; every other word is handed to Django's management commands, so
``DATABASE_URL=… uplift migrate`` prepares any database and ``uplift shell`` works.
"""

from __future__ import annotations

import os
import sys

import typer

from uplift.cli.app import app

__all__ = ["app", "main"]

DEFAULT_SETTINGS = "uplift.config.settings.dev"


def _command_name(command: typer.models.CommandInfo) -> str | None:
    """Typer names a command after its function unless a name was given."""
    if command.name:
        return command.name
    callback = command.callback
    return callback.__name__.replace("_", "-") if callback else None


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``uplift`` script."""
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)
    own = {_command_name(command) for command in app.registered_commands} | {
        group.name for group in app.registered_groups
    }
    if args and not args[0].startswith("-") and args[0] not in own:
        from django.core.management import (
            execute_from_command_line,  # lazy: Django is loaded only on this path
        )

        execute_from_command_line(["uplift", *args])
        return
    app(args=args, prog_name="uplift")
