"""Errors of the appraisals context.

A rejected appraisal *file* raises ``uplift.domain.errors.InvalidDocument`` with every
located problem (nothing written). A rejected *edit* (one cell, one judgment) raises
``AppraisalError`` naming the input field at fault and why.
"""

from __future__ import annotations

__all__ = ["AppraisalError"]


class AppraisalError(ValueError):
    """An appraisal edit the rules refuse; ``field`` names the input at fault."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
