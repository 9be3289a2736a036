"""Appraisals over HTTP: lists, the current rating, cells, and file imports.

- ``GET /api/appraisals/`` and ``/{id}/``: the appraisals the user may see;
- ``GET /api/appraisals/{id}/rating/``: the rating of the current cells (the shape of
  ``uplift appraisal rate --json``), computed when asked, never stored by a GET;
- ``GET /api/appraisals/characterizations/`` (filters: appraisal, process_area, goal,
  practice, unit, value), ``POST`` a new cell, ``PUT``/``PATCH`` ``/{id}/`` one cell;
- ``POST /api/appraisals/imports/``: an appraisal file in, the same errors as the
  library's import endpoint for a rejected file.

Permissions are the project default (model permissions, driven by each viewset's
queryset): reads need ``view``, imports ``add_appraisal``, new cells
``add_characterization``, changed cells ``change_characterization``. Every cell write
goes through ``services.appraisal_characterize``. Affirmations, and so people's names
behind them, never appear here (issue 3).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from uplift.api.errors import LIST_ERRORS, ErrorSerializer, detail_errors
from uplift.api.pagination import LimitOffsetPagination
from uplift.api.parsers import FileUploadSerializer, JSONFileParser, YAMLFileParser
from uplift.api.viewsets import ReadOnlyViewSet
from uplift.apps.appraisals import selectors, services
from uplift.apps.appraisals.choices import PracticeValue
from uplift.apps.appraisals.errors import AppraisalError
from uplift.apps.appraisals.filtersets import AppraisalFilterSet, CharacterizationFilterSet
from uplift.apps.appraisals.models import Appraisal, Characterization

TAGS = ["appraisals"]

DETAIL_ERRORS = detail_errors("No such id, or not visible to you.")
WRITE_ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="The rules refuse the cell."),
    403: OpenApiResponse(ErrorSerializer, description="No permission to change cells."),
}


# Serializers ------------------------------------------------------------------------


def _inline_enum(values: list[str], help_text: str) -> Any:
    """A read-only string field documented with an inline enum.

    drf-spectacular names each choice set after its field and warns when one set gets
    two names (``representation`` here, ``representations`` in the library); an inline
    enum is the same contract without a second component name.
    """

    @extend_schema_field({"type": "string", "enum": values})
    class InlineEnumField(serializers.CharField):
        pass

    return InlineEnumField(read_only=True, help_text=help_text)


class AppraisalSerializer(serializers.ModelSerializer):
    """One appraisal; needs the annotations of ``selectors.appraisal_list()``."""

    model_reference = serializers.CharField(
        source="model.reference", read_only=True, help_text="The pinned IDENTIFIER@VERSION."
    )
    appraisal_class = _inline_enum(["", "A", "B", "C"], "SCAMPI class; blank if not given.")
    representation = _inline_enum(["staged", "continuous"], "staged or continuous.")
    rated_maturity_level = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Maturity level of the stored rating."
    )
    rated_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When the stored rating was computed."
    )

    class Meta:
        model = Appraisal
        fields = [
            "id",
            "name",
            "appraisal_class",
            "model",
            "model_reference",
            "representation",
            "target_maturity_level",
            "organizational_unit",
            "organizational_unit_name",
            "status",
            "start_date",
            "end_date",
            "notes",
            "created_at",
            "rated_maturity_level",
            "rated_at",
        ]
        read_only_fields = fields


class PracticeRatingSerializer(serializers.Serializer):
    value = serializers.ChoiceField(
        choices=PracticeValue.choices, allow_null=True, help_text="Null while a judgment is open."
    )
    needs_judgment = serializers.BooleanField()
    candidates = serializers.ListField(
        child=_inline_enum(PracticeValue.values, "FI, LI, PI, NI or NY."),
        help_text="The values the rules allow; two when the team must choose.",
    )
    judged = serializers.BooleanField()


class GoalDetailSerializer(serializers.Serializer):
    reason = serializers.CharField()
    weaknesses = serializers.ListField(child=serializers.CharField())
    judged = serializers.BooleanField()


class AreaRatingSerializer(serializers.Serializer):
    rating = serializers.ChoiceField(
        choices=["satisfied", "unsatisfied", "not_rated", "pending", "not_applicable"]
    )
    capability_level = serializers.IntegerField(allow_null=True)


class OpenJudgmentSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["practice", "goal"])
    ref = serializers.CharField()
    candidates = serializers.ListField(child=serializers.CharField())


class RatingSerializer(serializers.Serializer):
    """``AppraisalResult.as_json()``: the documented shape of the rating (issue 3)."""

    practices = serializers.DictField(child=PracticeRatingSerializer())
    goals = serializers.DictField(
        child=serializers.ChoiceField(choices=["satisfied", "unsatisfied", "not_rated", "pending"])
    )
    goal_details = serializers.DictField(child=GoalDetailSerializer())
    process_areas = serializers.DictField(child=AreaRatingSerializer())
    maturity_level = serializers.IntegerField(allow_null=True)
    equivalent_maturity_level = serializers.IntegerField(allow_null=True)
    open_judgments = OpenJudgmentSerializer(many=True)
    warnings = serializers.ListField(child=serializers.CharField())


class CharacterizationSerializer(serializers.ModelSerializer):
    """One cell: a practice at a unit; needs ``selectors.characterization_list()``."""

    practice = serializers.SerializerMethodField(help_text="e.g. REQM SP 1.1 or REQM GP 2.1.")
    goal = serializers.SerializerMethodField(help_text="e.g. REQM SG 1 or REQM GG 2.")
    process_area = serializers.CharField(source="process_area.abbreviation", read_only=True)
    unit = serializers.CharField(source="unit.name", read_only=True)
    weaknesses = serializers.ListField(child=serializers.CharField(), read_only=True)
    strengths = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Characterization
        fields = [
            "id",
            "appraisal",
            "practice",
            "goal",
            "process_area",
            "unit",
            "value",
            "notes",
            "weaknesses",
            "strengths",
            "updated_at",
        ]
        read_only_fields = fields

    def get_practice(self, cell: Characterization) -> str:
        return f"{cell.process_area.abbreviation} {cell.practice.identifier}"

    def get_goal(self, cell: Characterization) -> str:
        return f"{cell.process_area.abbreviation} {cell.practice.goal.identifier}"


class CharacterizationInputSerializer(serializers.Serializer):
    """A new cell names its appraisal, practice and unit; a changed one only its values."""

    appraisal = serializers.IntegerField(help_text="New cells: the appraisal's id.")
    practice = serializers.CharField(help_text="New cells: e.g. REQM SP 1.1 or REQM GP 2.1.")
    unit = serializers.CharField(help_text="New cells: the unit's name.")
    value = serializers.ChoiceField(choices=PracticeValue.choices)
    notes = serializers.CharField(required=False, allow_blank=True)
    weaknesses = serializers.ListField(child=serializers.CharField(), required=False)
    strengths = serializers.ListField(child=serializers.CharField(), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance is not None:  # the cell is in the URL
            for name in ("appraisal", "practice", "unit"):
                self.fields.pop(name)


class AppraisalImportInputSerializer(FileUploadSerializer):
    """An appraisal file in the exchange format (YAML or JSON)."""


# Views ------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(tags=TAGS, responses={200: AppraisalSerializer(many=True), **LIST_ERRORS}),
    retrieve=extend_schema(tags=TAGS, responses={200: AppraisalSerializer, **DETAIL_ERRORS}),
)
class AppraisalViewSet(ReadOnlyViewSet):
    """The appraisals the user may see, newest first."""

    serializer_class = AppraisalSerializer
    filterset_class = AppraisalFilterSet
    ordering_fields = ["name", "created_at", "status"]
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[Appraisal]:
        return selectors.appraisal_list(user=self.request.user)

    @extend_schema(
        tags=TAGS,
        summary="The rating of the current cells",
        description="Computed from the stored cells and judgments when asked; nothing is "
        "stored. The same shape as `uplift appraisal rate --json`.",
        responses={200: RatingSerializer, **DETAIL_ERRORS},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def rating(self, request: Request, pk: str | None = None) -> Response:
        appraisal = self.get_object()
        return Response(selectors.appraisal_rating(appraisal).as_json())


@extend_schema_view(
    list=extend_schema(
        tags=TAGS, responses={200: CharacterizationSerializer(many=True), **LIST_ERRORS}
    ),
    retrieve=extend_schema(tags=TAGS, responses={200: CharacterizationSerializer, **DETAIL_ERRORS}),
    create=extend_schema(
        tags=TAGS,
        summary="Characterize a cell",
        description="Creates the cell, or changes it if the practice already has a value at "
        "the unit. The rating is not recomputed here: ask `/rating/`.",
        request=CharacterizationInputSerializer,
        responses={201: CharacterizationSerializer, **WRITE_ERRORS},
    ),
    update=extend_schema(
        tags=TAGS,
        request=CharacterizationInputSerializer,
        responses={200: CharacterizationSerializer, **WRITE_ERRORS, 404: DETAIL_ERRORS[404]},
    ),
    partial_update=extend_schema(
        tags=TAGS,
        request=CharacterizationInputSerializer,
        responses={200: CharacterizationSerializer, **WRITE_ERRORS, 404: DETAIL_ERRORS[404]},
    ),
)
class CharacterizationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Cells of the appraisals the user may see: practice x unit → FI, LI, PI, NI, NY."""

    serializer_class = CharacterizationSerializer
    filterset_class = CharacterizationFilterSet
    filter_backends = ReadOnlyViewSet.filter_backends
    pagination_class = LimitOffsetPagination
    ordering_fields = ["value", "updated_at"]
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[Characterization]:
        return selectors.characterization_list(user=self.request.user)

    def _write(self, request: Request, cell: Characterization | None, partial: bool) -> Any:
        serializer = CharacterizationInputSerializer(cell, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if cell is None:
            try:
                appraisal = selectors.appraisal_get(pk=data["appraisal"], user=request.user)
            except Appraisal.DoesNotExist:
                raise serializers.ValidationError(
                    {"appraisal": ["No such appraisal, or not visible to you."]}
                ) from None
            practice, unit = data["practice"], data["unit"]
        else:
            appraisal = cell.appraisal
            practice = f"{cell.process_area.abbreviation} {cell.practice.identifier}"
            unit = cell.unit
        try:
            written = services.appraisal_characterize(
                appraisal=appraisal,
                practice=practice,
                unit=unit,
                value=data.get("value", cell.value if cell else ""),
                notes=data.get("notes"),
                weaknesses=data.get("weaknesses"),
                strengths=data.get("strengths"),
                user=request.user,
            )
        except AppraisalError as error:
            field = error.field or "non_field_errors"
            raise serializers.ValidationError({field: [error.message]}) from None
        return CharacterizationSerializer(self.get_queryset().get(pk=written.pk)).data

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self._write(request, None, False), status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partial = kwargs.pop("partial", False)
        return Response(self._write(request, self.get_object(), partial))


class AppraisalImportViewSet(viewsets.GenericViewSet):
    """Import one appraisal file; nothing is written when the file is rejected."""

    queryset = Appraisal.objects.all()  # drives the permission: appraisals.add_appraisal
    serializer_class = AppraisalImportInputSerializer
    parser_classes = [parsers.MultiPartParser, JSONFileParser, YAMLFileParser]

    @extend_schema(
        tags=TAGS,
        operation_id="appraisals_imports_create",
        summary="Import an appraisal file",
        description="Send the file as multipart form data (`file`), or the document itself "
        "as the body with its media type. The file is checked whole (model, scope, "
        "practices, units, values and judgments) before anything is written; every "
        "problem of a rejected file is listed in `errors`, with its file, line and JSON path.",
        request={
            "multipart/form-data": AppraisalImportInputSerializer,
            "application/json": OpenApiTypes.OBJECT,
            "application/yaml": OpenApiTypes.STR,
        },
        responses={
            201: AppraisalSerializer,
            400: OpenApiResponse(ErrorSerializer, description="The file was rejected."),
            403: OpenApiResponse(ErrorSerializer, description="No permission to import."),
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        appraisal = services.appraisal_import(
            data=upload.read(), filename=upload.name, user=request.user
        )
        imported = selectors.appraisal_list(user=request.user).get(pk=appraisal.pk)
        location = reverse("api:appraisal-detail", args=[appraisal.pk], request=request)
        return Response(
            AppraisalSerializer(imported).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )
