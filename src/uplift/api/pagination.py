"""Pagination of every API list: ``?limit=&offset=`` with strict values.

DRF's own class falls back to the default for ``limit=abc`` and to 0 for
``offset=-3``; a client with a bug would then page silently wrong, so a value that is
not a whole number in range is a 400 here, like a malformed filter.
"""

from __future__ import annotations

from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

MAX_LIMIT = 500


def _whole_number(request: Request, name: str, minimum: int) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise ValidationError({name: [f"Enter a whole number of at least {minimum}."]})
    return value


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """``limit`` 1 or more (default 50, capped at ``MAX_LIMIT``), ``offset`` 0 or more."""

    max_limit = MAX_LIMIT

    def get_limit(self, request: Request) -> int | None:
        limit = _whole_number(request, self.limit_query_param, 1)
        if limit is None:
            return self.default_limit
        return min(limit, self.max_limit)

    def get_offset(self, request: Request) -> int:
        return _whole_number(request, self.offset_query_param, 0) or 0
