"""Pages of the service portfolio: policies (placeholder; its owner fills it)."""

from __future__ import annotations

urlpatterns: list = []
