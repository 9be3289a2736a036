"""The model library over HTTP: read-only lists of models, process areas and practices,
and ``POST /api/library/imports/`` to import a model file.

Reads need the model's ``view`` permission, imports ``library.add_processmodel`` (the
project's default permission class, driven by each viewset's queryset).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import parsers, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from uplift.api.errors import LIST_ERRORS, ErrorSerializer, detail_errors
from uplift.api.parsers import CSVFileParser, FileUploadSerializer, JSONFileParser, YAMLFileParser
from uplift.api.viewsets import ReadOnlyViewSet
from uplift.apps.library import selectors, services
from uplift.apps.library.choices import GoalKind, ModelFormat, Representation
from uplift.apps.library.filtersets import (
    PracticeFilterSet,
    ProcessAreaFilterSet,
    ProcessModelFilterSet,
)
from uplift.apps.library.models import Practice, ProcessArea, ProcessModel

TAGS = ["library"]

DETAIL_ERRORS = detail_errors("No such id.")


# Serializers ------------------------------------------------------------------------


class ProcessModelCountsSerializer(serializers.Serializer):
    """How much a model version holds (nested practices included)."""

    process_areas = serializers.IntegerField(source="process_area_count", read_only=True)
    goals = serializers.IntegerField(source="goal_count", read_only=True)
    practices = serializers.IntegerField(source="practice_count", read_only=True)
    generic_goals = serializers.IntegerField(source="generic_goal_count", read_only=True)
    generic_practices = serializers.IntegerField(source="generic_practice_count", read_only=True)


class ProcessModelSerializer(serializers.ModelSerializer):
    """One model version; needs the annotations of ``selectors.model_list()``."""

    reference = serializers.CharField(read_only=True, help_text="IDENTIFIER@VERSION.")
    # Shadows Field.source only for the type checker: this is the model's "source" field.
    source = serializers.DictField(read_only=True, help_text="title, url, notes, …")  # type: ignore[assignment]
    representations = serializers.ListField(
        child=serializers.ChoiceField(choices=Representation.choices), read_only=True
    )
    counts = ProcessModelCountsSerializer(source="*", read_only=True)

    class Meta:
        model = ProcessModel
        fields = [
            "id",
            "identifier",
            "version",
            "reference",
            "name",
            "description",
            "source",
            "representations",
            "format",
            "is_latest",
            "imported_at",
            "counts",
        ]
        read_only_fields = fields


class ProcessAreaSerializer(serializers.ModelSerializer):
    model_reference = serializers.CharField(source="model.reference", read_only=True)
    category = serializers.CharField(
        source="category.name", read_only=True, allow_null=True, help_text="Category name."
    )

    class Meta:
        model = ProcessArea
        fields = [
            "id",
            "model",
            "model_reference",
            "abbreviation",
            "name",
            "category",
            "maturity_level",
            "purpose",
            "optional",
            "notes",
            "order",
        ]
        read_only_fields = fields


class SubpracticeSerializer(serializers.Serializer):
    text = serializers.CharField(read_only=True)
    notes = serializers.CharField(read_only=True, default="")
    examples = serializers.ListField(child=serializers.CharField(), read_only=True, default=list)


class PracticeSerializer(serializers.ModelSerializer):
    model_reference = serializers.CharField(source="model.reference", read_only=True)
    process_area_abbreviation = serializers.CharField(
        source="process_area.abbreviation",
        read_only=True,
        allow_null=True,
        help_text="Null for generic practices.",
    )
    goal_identifier = serializers.CharField(source="goal.identifier", read_only=True)
    goal_kind = serializers.ChoiceField(
        source="goal.kind", choices=GoalKind.choices, read_only=True
    )
    example_work_products = serializers.ListField(child=serializers.CharField(), read_only=True)
    subpractices = SubpracticeSerializer(many=True, read_only=True)
    references = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Abbreviations of related process areas.",
    )

    class Meta:
        model = Practice
        fields = [
            "id",
            "model",
            "model_reference",
            "process_area",
            "process_area_abbreviation",
            "goal",
            "goal_identifier",
            "goal_kind",
            "parent",
            "identifier",
            "title",
            "summary",
            "description",
            "subpractices",
            "example_work_products",
            "references",
            "order",
        ]
        read_only_fields = fields


class LibraryImportInputSerializer(FileUploadSerializer):
    """A model file: uplift YAML/JSON, an OSCAL catalog (JSON) or a flat CSV."""

    format = serializers.ChoiceField(
        choices=ModelFormat.choices,
        required=False,
        allow_null=True,
        help_text="Omit to detect it from the file name and content.",
    )


# Views ------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        tags=TAGS, responses={200: ProcessModelSerializer(many=True), **LIST_ERRORS}
    ),
    retrieve=extend_schema(tags=TAGS, responses={200: ProcessModelSerializer, **DETAIL_ERRORS}),
)
class ProcessModelViewSet(ReadOnlyViewSet):
    """Model versions with their counts."""

    serializer_class = ProcessModelSerializer
    filterset_class = ProcessModelFilterSet
    ordering_fields = ["identifier", "version", "name", "imported_at"]

    def get_queryset(self) -> QuerySet[ProcessModel]:
        return selectors.model_list()


@extend_schema_view(
    list=extend_schema(tags=TAGS, responses={200: ProcessAreaSerializer(many=True), **LIST_ERRORS}),
    retrieve=extend_schema(tags=TAGS, responses={200: ProcessAreaSerializer, **DETAIL_ERRORS}),
)
class ProcessAreaViewSet(ReadOnlyViewSet):
    """Process areas of every model version."""

    serializer_class = ProcessAreaSerializer
    filterset_class = ProcessAreaFilterSet
    ordering_fields = ["abbreviation", "name", "maturity_level", "order"]

    def get_queryset(self) -> QuerySet[ProcessArea]:
        return ProcessArea.objects.select_related("model", "category").order_by(
            "model__identifier", "model__version", "order", "pk"
        )


@extend_schema_view(
    list=extend_schema(tags=TAGS, responses={200: PracticeSerializer(many=True), **LIST_ERRORS}),
    retrieve=extend_schema(tags=TAGS, responses={200: PracticeSerializer, **DETAIL_ERRORS}),
)
class PracticeViewSet(ReadOnlyViewSet):
    """Specific and generic practices, nested practices included (see ``parent``)."""

    serializer_class = PracticeSerializer
    filterset_class = PracticeFilterSet
    ordering_fields = ["identifier", "title", "order"]

    def get_queryset(self) -> QuerySet[Practice]:
        # No words: every practice, joined and ordered by model, area (generic last) and
        # practice; the FilterSet narrows it down.
        return selectors.practice_search(query="")


class LibraryImportViewSet(viewsets.GenericViewSet):
    """Import one model file; nothing is written when the file is rejected."""

    queryset = ProcessModel.objects.all()  # drives the permission: library.add_processmodel
    serializer_class = LibraryImportInputSerializer
    parser_classes = [
        parsers.MultiPartParser,
        JSONFileParser,
        YAMLFileParser,
        CSVFileParser,
    ]

    @extend_schema(
        tags=TAGS,
        operation_id="library_imports_create",
        summary="Import a model file",
        description="Send the file as multipart form data (`file`, optional `format`), or "
        "the document itself as the body with its media type. Every problem of a rejected "
        "file is listed in `errors`, with its file, line and JSON path.",
        request={
            "multipart/form-data": LibraryImportInputSerializer,
            "application/json": OpenApiTypes.OBJECT,
            "application/yaml": OpenApiTypes.STR,
            "text/csv": OpenApiTypes.STR,
        },
        responses={
            201: ProcessModelSerializer,
            400: OpenApiResponse(ErrorSerializer, description="The file was rejected."),
            403: OpenApiResponse(ErrorSerializer, description="No permission to import."),
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        model = services.library_import_file(
            data=upload.read(),
            filename=upload.name,
            format=serializer.validated_data.get("format"),
            user=request.user if request.user.is_authenticated else None,
        )
        imported = selectors.model_list().get(pk=model.pk)
        location = reverse("api:library-model-detail", args=[model.pk], request=request)
        return Response(
            ProcessModelSerializer(imported).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )
