"""Every page and endpoint refuses anonymous visitors, except an explicit public list.

The test walks the URL configuration itself, so a view added without a permission
check fails here even if its own tests forget the anonymous persona.
"""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

# Public on purpose: signing in, the health check for load balancers, the API
# document and its viewer (they hold no data; see docs/api.md), and the token
# endpoint (it checks a password itself).
PUBLIC = {
    "accounts/login/",
    "healthz",
    "api/schema/",
    "api/docs/",
    "api/auth/token/",
}


def _unanchored(entry: URLPattern | URLResolver) -> str:
    """Router patterns are regular expressions: drop their ^ and $ anchors."""
    return str(entry.pattern).removeprefix("^").removesuffix("$")


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + _unanchored(entry))
        elif isinstance(entry, URLPattern):
            yield prefix + _unanchored(entry)


def _concrete(route: str) -> str:
    """Turn a route into a path a client can request, with placeholder arguments."""
    route = route.replace("/?", "/").replace("\\.", ".")
    route = re.sub(r"\(\?P<format>[^)]*\)", "json", route)
    route = re.sub(r"\(\?P<[^>]+>[^)]*\)", "1", route)
    route = re.sub(r"<drf_format_suffix:[^>]+>", ".json", route)
    route = re.sub(r"<int:[^>]+>", "1", route)
    route = re.sub(r"<[^>]+>", "x", route)
    return "/" + route


ROUTES = sorted(
    {route for route in _walk(get_resolver().url_patterns) if not route.startswith("admin/")}
)


def test_the_walk_finds_the_pages_and_endpoints_of_every_context():
    assert any(r.startswith("library/") for r in ROUTES)
    assert any(r.startswith("organization/") for r in ROUTES)
    assert any(r.startswith("api/library/") for r in ROUTES)


@pytest.mark.parametrize("route", sorted(set(ROUTES) - PUBLIC))
def test_anonymous_visitors_are_refused(client, route):
    path = _concrete(route)

    response = client.get(path)

    if response.status_code == 302:
        assert "/accounts/login/" in response["Location"], path
    else:
        # 401/403 for refusals, 405 for POST-only actions (the POST is refused below).
        assert response.status_code in (401, 403, 405), (path, response.status_code)
        if response.status_code == 405:
            posted = client.post(path)
            assert posted.status_code in (302, 401, 403), (path, posted.status_code)


@pytest.mark.parametrize("route", sorted(PUBLIC - {"api/auth/token/"}))
def test_public_routes_answer_without_sign_in(client, route):
    assert client.get("/" + route).status_code == 200


def test_every_public_route_exists():
    assert set(ROUTES) >= PUBLIC
