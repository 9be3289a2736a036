"""Deployments API: results (placeholder until written)."""

from __future__ import annotations

from rest_framework.routers import DefaultRouter


def register(router: DefaultRouter) -> None:
    """Register this module's viewsets (the specific prefixes first)."""
