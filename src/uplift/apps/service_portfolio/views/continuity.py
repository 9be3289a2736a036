"""Pages of the service portfolio: continuity (placeholder; its owner fills it)."""

from __future__ import annotations

urlpatterns: list = []
