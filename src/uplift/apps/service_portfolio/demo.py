"""The demo's service portfolio (placeholder; its owner fills it)."""

from __future__ import annotations

from collections.abc import Iterator


def service_portfolio_demo_load() -> Iterator[str]:
    """Load the demo's services, objectives, continuity, policies and reviews."""
    yield from ()
