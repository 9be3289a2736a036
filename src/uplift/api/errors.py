"""One error shape for the whole API.

Every error response is ``{"detail": str, "errors": [...]}``. ``errors`` is empty except
for invalid input (400), where it holds one entry per problem:
``{"field": "maturity_level", "message": "Enter a whole number."}``. ``field`` is the
dotted path of the input field (``null`` for problems of the whole input). A rejected
library file adds where the problem is in the file: ``file``, ``line`` and ``path`` (a
JSON path such as ``$.process_areas[3].goals[0].id``).

Domain errors that mean "bad input" are mapped here, once, so views only call services.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from uplift.apps.improvements.errors import ConflictError, ImprovementError
from uplift.domain.errors import InvalidDocument, Problem

INVALID_INPUT = "Invalid input."
FILE_REJECTED = "The file was rejected; nothing was imported."

ErrorItem = dict[str, Any]


class ErrorItemSerializer(serializers.Serializer):
    """One problem of an invalid input (documentation of the error shape only)."""

    field = serializers.CharField(
        allow_null=True, help_text="Dotted path of the input field; null for the whole input."
    )
    message = serializers.CharField()
    file = serializers.CharField(required=False, help_text="Rejected library files: file name.")
    line = serializers.IntegerField(
        required=False, allow_null=True, help_text="Rejected library files: line number."
    )
    path = serializers.CharField(
        required=False, help_text="Rejected library files: JSON path of the value."
    )


class ErrorSerializer(serializers.Serializer):
    """The body of every error response (documentation of the error shape only)."""

    detail = serializers.CharField()
    # Declared fields are popped from the class at runtime, so this does not shadow
    # Serializer.errors; only the type checker sees both.
    errors = ErrorItemSerializer(many=True)  # type: ignore[assignment]


def _flatten(detail: Any, field: str | None = None) -> list[ErrorItem]:
    """DRF's nested ``ValidationError.detail`` as a flat list of ``{field, message}``."""
    if isinstance(detail, dict):
        items: list[ErrorItem] = []
        for key, value in detail.items():
            if key == api_settings.NON_FIELD_ERRORS_KEY:
                name = field
            else:
                name = f"{field}.{key}" if field else str(key)
            items.extend(_flatten(value, name))
        return items
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return [{"field": field, "message": str(item)} for item in detail]
        items = []
        for index, item in enumerate(detail):
            items.extend(_flatten(item, f"{field or ''}[{index}]"))
        return items
    return [{"field": field, "message": str(detail)}]


def _problem(problem: Problem) -> ErrorItem:
    return {
        "field": problem.field or None,
        "message": problem.message,
        "file": problem.file,
        "line": problem.line,
        "path": problem.path,
    }


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Shape every API error as ``{"detail", "errors"}``; unknown exceptions stay 500."""
    if isinstance(exc, InvalidDocument):  # any rejected file: library, appraisal, …
        set_rollback()
        return Response(
            {"detail": FILE_REJECTED, "errors": [_problem(p) for p in exc.problems]},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, ImprovementError):  # a rule of proposals or plans; 409 for a conflict
        set_rollback()
        conflict = isinstance(exc, ConflictError)
        return Response(
            {
                "detail": exc.message if conflict else INVALID_INPUT,
                "errors": [{"field": exc.field, "message": exc.message}],
            },
            status=status.HTTP_409_CONFLICT if conflict else status.HTTP_400_BAD_REQUEST,
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": INVALID_INPUT, "errors": _flatten(exc.detail)}
    else:
        data = response.data
        detail = data.get("detail", "") if isinstance(data, dict) else data
        response.data = {"detail": str(detail), "errors": []}
    return response


# OpenAPI error responses shared by the read endpoints of every context.
LIST_ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="A malformed filter or page value."),
    403: OpenApiResponse(ErrorSerializer, description="Not signed in, or no view permission."),
}


def detail_errors(not_found: str = "No such id.") -> dict[int, OpenApiResponse]:
    """The 403 and 404 responses of a detail endpoint, with its own 404 wording."""
    return {
        403: OpenApiResponse(ErrorSerializer, description="Not signed in, or no view permission."),
        404: OpenApiResponse(ErrorSerializer, description=not_found),
    }
