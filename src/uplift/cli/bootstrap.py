"""Start Django for commands that need the database."""

from __future__ import annotations

import os


def setup_django() -> None:
    """Configure Django once, with the dev settings unless DJANGO_SETTINGS_MODULE says otherwise."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "uplift.config.settings.dev")
    import django  # lazy: kept lazy: pure commands must not pay for Django

    django.setup()
