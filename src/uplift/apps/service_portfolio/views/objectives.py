"""Pages of the service portfolio: objectives (placeholder; its owner fills it)."""

from __future__ import annotations

urlpatterns: list = []
