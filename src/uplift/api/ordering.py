"""``?ordering=`` that refuses unknown fields instead of ignoring them (DRF's default)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request


class StrictOrderingFilter(OrderingFilter):
    """Orders by the view's ``ordering_fields``; any other term is a 400."""

    def remove_invalid_fields(
        self, queryset: QuerySet[Any], fields: Iterable[str], view: Any, request: Request
    ) -> list[str]:
        fields = list(fields)
        valid = super().remove_invalid_fields(queryset, fields, view, request)
        invalid = [term for term in fields if term not in valid]
        if invalid:
            known = self.get_valid_fields(queryset, view, {"request": request})
            message = "Unknown ordering {}; use one of {} (prefix '-' to reverse).".format(
                ", ".join(repr(term) for term in invalid), ", ".join(name for name, _ in known)
            )
            raise ValidationError({self.ordering_param: [message]})
        return valid

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        fields = ", ".join(
            name if isinstance(name, str) else name[0] for name in view.ordering_fields
        )
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": f"Comma-separated fields to order by: {fields}; "
                "prefix '-' to reverse. Any other field is a 400.",
                "schema": {"type": "string"},
            }
        ]
