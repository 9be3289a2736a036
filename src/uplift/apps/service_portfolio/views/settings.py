"""Pages of the service portfolio: settings (placeholder; its owner fills it)."""

from __future__ import annotations

urlpatterns: list = []
