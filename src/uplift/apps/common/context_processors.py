"""Template context shared by every page: the navigation by bounded context."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

# (label, url name) per context; a context appears once its app ships pages.
NAVIGATION: list[tuple[str, str]] = [
    ("Dashboard", "dashboard"),
    ("Model library", "library:model_list"),
    ("Organization", "organization:unit_list"),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Expose the navigation entries, marking the one whose URL prefixes the request path."""
    return {"navigation": NAVIGATION}
