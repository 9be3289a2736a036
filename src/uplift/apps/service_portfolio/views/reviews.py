"""Pages of the service portfolio: reviews (placeholder; its owner fills it)."""

from __future__ import annotations

urlpatterns: list = []
