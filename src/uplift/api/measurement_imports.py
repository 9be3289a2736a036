"""Observation imports over HTTP (issue 4).

- ``POST /api/measurements/imports/``: a CSV or XLSX file (multipart ``file``), with an
  optional ``mapping`` (a JSON object: file column → ours), ``sheet`` and ``replace``;
  ``services.observations.observation_import`` writes it whole or not at all. 201 with
  the counts; the same bytes again: 200 with ``already_imported`` true, nothing
  written; a rejected file: 400 listing every problem with its line and column
  (``uplift.api.errors``).
- ``GET /api/measurements/imports/`` (and ``/{id}/``): the imports, the newest first.

Permissions: importing needs ``measurements.add_observation``, reading the list
``measurements.view_observationimport``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, parsers, permissions, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from uplift.api.errors import LIST_ERRORS, ErrorSerializer, detail_errors
from uplift.api.pagination import LimitOffsetPagination
from uplift.apps.measurements.importing import COLUMNS
from uplift.apps.measurements.models import ObservationImport
from uplift.apps.measurements.services.observations import observation_import

__all__ = ["ObservationImportViewSet"]

TAGS = ["measurements"]
MAX_UPLOAD_BYTES = 200 * 1024 * 1024


class ObservationImportSerializer(serializers.ModelSerializer):
    created_by: serializers.Field = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = ObservationImport
        fields = ["id", "filename", "sha256", "rows", "created_by", "created_at"]
        read_only_fields = fields


class ObservationImportResultSerializer(serializers.Serializer):
    """What an import did (documentation and output)."""

    already_imported = serializers.BooleanField(
        help_text="True when the same bytes were imported before; nothing was written."
    )
    inserted = serializers.IntegerField(help_text="Rows added.")
    skipped = serializers.IntegerField(help_text="Rows stored already with the same value.")
    replaced = serializers.IntegerField(
        help_text="Rows stored with another value, overwritten (replace=true)."
    )
    batch = ObservationImportSerializer(help_text="The import (the earlier one if repeated).")


class ObservationImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=f"CSV or XLSX with a header row; at most {MAX_UPLOAD_BYTES} bytes."
    )
    mapping = serializers.JSONField(
        required=False,
        help_text="File column → ours (" + ", ".join(COLUMNS) + "), e.g. "
        '{"Metric": "measure"}; without it the columns are guessed from the header.',
    )
    sheet = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text="Workbooks: the sheet."
    )
    replace = serializers.BooleanField(
        default=False, help_text="Overwrite stored values that differ (else a problem)."
    )

    def validate_file(self, upload: Any) -> Any:
        if upload.size > MAX_UPLOAD_BYTES:
            raise serializers.ValidationError(f"The file is larger than {MAX_UPLOAD_BYTES} bytes.")
        return upload

    def validate_mapping(self, mapping: Any) -> dict[str, str]:
        if not isinstance(mapping, dict) or not all(
            isinstance(key, str) and isinstance(value, str) for key, value in mapping.items()
        ):
            raise serializers.ValidationError(
                "Give a JSON object of file column names to our column names."
            )
        return mapping


class CanImportObservations(permissions.BasePermission):
    """Signed in; reading needs ``view_observationimport``, importing ``add_observation``."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS:
            return bool(user.has_perm("measurements.view_observationimport"))
        return bool(user.has_perm("measurements.add_observation"))


@extend_schema_view(
    list=extend_schema(
        tags=TAGS,
        summary="Observation imports",
        responses={200: ObservationImportSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        tags=TAGS,
        summary="An observation import",
        responses={200: ObservationImportSerializer, **detail_errors("No such import.")},
    ),
)
class ObservationImportViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Import an observation file; list the imports."""

    serializer_class = ObservationImportSerializer
    permission_classes = [CanImportObservations]
    parser_classes = [parsers.MultiPartParser]
    pagination_class = LimitOffsetPagination
    filter_backends: list[Any] = []  # the newest first; no filters

    def get_queryset(self) -> QuerySet[ObservationImport]:
        return ObservationImport.objects.select_related("created_by").order_by("-created_at", "-pk")

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "create":
            return ObservationImportInputSerializer
        return ObservationImportSerializer

    @extend_schema(
        tags=TAGS,
        operation_id="measurements_imports_create",
        summary="Import an observation file",
        description="Send a CSV or XLSX file as multipart form data (`file`), optionally "
        "with `mapping` (a JSON object from the file's column names to ours), `sheet` and "
        "`replace`. The file is checked whole before anything is written; every problem "
        "of a rejected file is listed in `errors`, with its file, line and column "
        "(`field`). The same bytes imported again write nothing: 200 with "
        "`already_imported` true.",
        request={"multipart/form-data": ObservationImportInputSerializer},
        responses={
            201: ObservationImportResultSerializer,
            200: OpenApiResponse(
                ObservationImportResultSerializer,
                description="The same file was imported before; nothing was written.",
            ),
            400: OpenApiResponse(ErrorSerializer, description="The file was rejected."),
            403: OpenApiResponse(ErrorSerializer, description="No permission to import."),
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        upload = data["file"]
        source: dict[str, Any] = (
            {"path": upload.temporary_file_path()}
            if hasattr(upload, "temporary_file_path")
            else {"data": upload.read()}
        )
        result = observation_import(
            **source,
            filename=upload.name,
            mapping=data.get("mapping"),
            sheet=data.get("sheet") or None,
            user=request.user,  # type: ignore[arg-type]  # signed in: the permission
            replace=data["replace"],
        )
        body = ObservationImportResultSerializer(
            {
                "already_imported": result.already_imported,
                "inserted": result.inserted,
                "skipped": result.skipped,
                "replaced": result.replaced,
                "batch": result.batch,
            }
        ).data
        location = reverse("api:measurement-import-detail", args=[result.batch.pk], request=request)
        return Response(
            body,
            status=status.HTTP_200_OK if result.already_imported else status.HTTP_201_CREATED,
            headers={"Location": location},
        )
