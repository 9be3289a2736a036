"""Writes of the model library."""

from __future__ import annotations

from collections.abc import Iterator


def library_load_shipped() -> Iterator[str]:
    """Import every shipped model under data/library that is not loaded yet."""
    yield from ()
