"""Template context shared by every page: the navigation by bounded context."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

# (label, url name, section) per context; an entry appears once its URL name exists.
# The section is the path prefix the entry owns (None: the entry's own URL).
NAVIGATION: list[tuple[str, str, str | None]] = [
    ("Dashboard", "dashboard", None),
    ("Model library", "library:model_list", None),
    ("Search practices", "library:search", None),
    ("Organization", "organization:unit_list", "/organization/"),
    ("Appraisals", "appraisals:appraisal_list", "/appraisals/"),
    ("Measurements", "measurements:measure_list", "/measurements/"),
    ("Improvements", "improvements:proposal_list", "/improvements/"),
    ("Deployments", "deployments:plan_list", "/deployments/"),
    ("Services", "service_portfolio:service_list", "/services/"),
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
    entries: list[tuple[str, str, str]] = []
    for label, url_name, section in NAVIGATION:
        try:
            url = reverse(url_name)
        except NoReverseMatch:  # the context ships its pages later
            continue
        entries.append((label, url, section or url))
    current = _current_url(request, [section for _, _, section in entries])
    return {
        "navigation": [
            NavigationItem(label, url, section == current) for label, url, section in entries
        ]
    }
