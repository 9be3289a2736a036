"""``KEEP``: the default of an update service's arguments, meaning "leave it as it is".

``None`` cannot say that, since it is a value some fields take (no date, no goal,
no file): ``artifact_update(artifact=a, date=None)`` clears the date, while leaving
``date`` out keeps it.
"""

from __future__ import annotations

import enum

__all__ = ["KEEP", "Keep"]


class Keep(enum.Enum):
    """The type of ``KEEP`` (an enum of one member, so type checkers narrow on ``is``)."""

    KEEP = "keep"


KEEP = Keep.KEEP
