"""The service portfolio's refusals: the improvements' error types, so that every
interface (pages, API, CLI) already maps them (400 with the field, 409 for a conflict,
exit 2)."""

from __future__ import annotations

from uplift.apps.improvements.errors import ConflictError, ImprovementError, lock_for_update

__all__ = ["ConflictError", "ServicePortfolioError", "lock_for_update"]


class ServicePortfolioError(ImprovementError):
    """A portfolio write the rules refuse; ``field`` names the input at fault."""
