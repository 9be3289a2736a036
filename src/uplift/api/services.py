"""The service portfolio's API (placeholder; its owner fills it)."""

from __future__ import annotations

from rest_framework.routers import BaseRouter


def register(router: BaseRouter) -> None:
    """Register this module's viewsets (the specific prefixes first)."""
