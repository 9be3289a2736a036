"""The demo organization (Harbourline Systems); see ../shared/demo.md."""

from __future__ import annotations

from collections.abc import Iterator


def demo_load() -> Iterator[str]:
    """Load the demo organization and its users; running it twice changes nothing."""
    yield from ()
