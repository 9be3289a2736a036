"""Template context shared by every page: the navigation by bounded context."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

# (label, url name) per context; an entry appears once its URL name exists.
NAVIGATION: list[tuple[str, str]] = [
    ("Dashboard", "dashboard"),
    ("Model library", "library:model_list"),
    ("Search practices", "library:search"),
    ("Organization", "organization:unit_list"),
]


@dataclass(frozen=True)
class NavigationItem:
    """One entry of the main navigation; ``current`` marks the section being shown."""

    label: str
    url: str
    current: bool


def _current_url(request: HttpRequest, urls: list[str]) -> str | None:
    """The entry URL owning ``request.path``: the longest URL that prefixes it.

    The root URL ("/") only owns itself, or every page would be the dashboard.
    """
    path = request.path
    owners = [url for url in urls if path == url or (url != "/" and path.startswith(url))]
    return max(owners, key=len, default=None)


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Expose the navigation entries, marking the one whose URL prefixes the request path."""
    entries: list[tuple[str, str]] = []
    for label, url_name in NAVIGATION:
        try:
            entries.append((label, reverse(url_name)))
        except NoReverseMatch:  # the context ships its pages later
            continue
    current = _current_url(request, [url for _, url in entries])
    return {"navigation": [NavigationItem(label, url, url == current) for label, url in entries]}
