"""Appraisals over HTTP: lists, the current rating, cells, and file imports.

- ``GET /api/appraisals/`` and ``/{id}/``: the appraisals the user may see;
- ``GET /api/appraisals/{id}/rating/``: the rating of the current cells (the shape of
  ``uplift appraisal rate --json``), computed when asked, never stored by a GET;
- ``GET /api/appraisals/characterizations/`` (filters: appraisal, process_area, goal,
  practice, unit, value), ``POST`` a new cell, ``PUT``/``PATCH`` ``/{id}/`` one cell;
- ``GET /api/appraisals/{id}/judgments/``: the team's recorded practice and goal
  judgments and the judgments the rating still waits for; ``POST`` records one
  (``services.appraisal_judge_practice`` / ``appraisal_judge_goal``);
- ``POST /api/appraisals/{id}/rate/``: rate the current cells and store the result
  (``services.appraisal_rate``); the answer has the shape of ``/rating/``;
- ``GET /api/appraisals/{id}/export/?format=yaml|json`` (or ``?fmt=``): the appraisal
  as an exchange-format file (``exports.appraisal_export``);
- ``POST /api/appraisals/imports/``: an appraisal file in, the same errors as the
  library's import endpoint for a rejected file.

Permissions are the project default (model permissions, driven by each viewset's
queryset): reads need ``view``, imports ``add_appraisal``, new cells
``add_characterization``, changed cells ``change_characterization``. Every cell write
goes through ``services.appraisal_characterize``. Judgments and rating need
``permissions.appraisal_can_work`` on the appraisal (403 otherwise, nothing changed).
The export carries the team's evidence only for users who may see the team's
workspace (``permissions.appraisal_can_see_workspace``); affirmations name role
groups, never people (issue 3).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, parsers, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from uplift.api.errors import LIST_ERRORS, ErrorSerializer, detail_errors
from uplift.api.pagination import LimitOffsetPagination
from uplift.api.parsers import FileUploadSerializer, JSONFileParser, YAMLFileParser
from uplift.api.permissions import DjangoModelPermissionsOrAnonReadOnlyDenied
from uplift.api.viewsets import ReadOnlyViewSet
from uplift.apps.appraisals import selectors, services
from uplift.apps.appraisals.choices import PracticeValue
from uplift.apps.appraisals.errors import AppraisalError
from uplift.apps.appraisals.exports import EXPORT_FORMATS, appraisal_export
from uplift.apps.appraisals.filtersets import AppraisalFilterSet, CharacterizationFilterSet
from uplift.apps.appraisals.models import Appraisal, Characterization
from uplift.apps.appraisals.permissions import (
    appraisal_can_see_workspace,
    appraisal_can_work,
)
from uplift.apps.appraisals.plan_selectors import appraisal_judgment_list
from uplift.domain.ratings import normalize_goal_ref, normalize_practice_ref

TAGS = ["appraisals"]

DETAIL_ERRORS = detail_errors("No such id, or not visible to you.")
WRITE_ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="The rules refuse the cell."),
    403: OpenApiResponse(ErrorSerializer, description="No permission to change cells."),
}
WORK_ERRORS = {
    403: OpenApiResponse(
        ErrorSerializer,
        description="Not signed in, or not allowed to work on this appraisal (its lead "
        "appraiser, its team members and holders of change_characterization are).",
    ),
    404: DETAIL_ERRORS[404],
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


JUDGMENT_KINDS = ["practice", "goal"]


class RecordedJudgmentSerializer(serializers.Serializer):
    """A judgment the team recorded: on what, the value, why, who and when."""

    kind = serializers.ChoiceField(choices=JUDGMENT_KINDS)
    reference = serializers.CharField(help_text="A practice (REQM SP 1.1) or goal (REQM SG 1).")
    value = serializers.CharField(
        help_text="Practices: LI, PI or NI. Goals: satisfied, unsatisfied."
    )
    rationale = serializers.CharField()
    decided_by = serializers.CharField(allow_null=True, help_text="The username; null if unknown.")
    decided_at = serializers.DateTimeField()


class JudgmentListSerializer(serializers.Serializer):
    """What the team decided and what the rating still waits for."""

    recorded = RecordedJudgmentSerializer(many=True, help_text="Newest first.")
    open_judgments = OpenJudgmentSerializer(
        many=True, help_text="Decisions the rules call for that nobody recorded yet."
    )
    warnings = serializers.ListField(
        child=serializers.CharField(), help_text="E.g. a recorded judgment no longer called for."
    )


class JudgmentInputSerializer(serializers.Serializer):
    """One team decision, always with a rationale."""

    kind = serializers.ChoiceField(choices=JUDGMENT_KINDS)
    reference = serializers.CharField(
        max_length=40,
        help_text="A practice (REQM SP 1.1) for kind practice, a goal (REQM SG 1) for kind goal.",
    )
    value = serializers.CharField(
        max_length=16,
        help_text="Practices: one of the candidates the rating offers (LI or PI). Goals: "
        "satisfied or unsatisfied.",
    )
    rationale = serializers.CharField(help_text="Why; required.")


def _recorded(kind: str, reference: str, judgment: Any) -> dict[str, Any]:
    decided_by = judgment.decided_by
    return {
        "kind": kind,
        "reference": reference,
        "value": judgment.value,
        "rationale": judgment.rationale,
        "decided_by": decided_by.get_username() if decided_by is not None else None,
        "decided_at": judgment.decided_at,
    }


# Permissions and content negotiation of the team's actions ------------------------------


class AppraisalWorkPermission(permissions.BasePermission):
    """Reads: the project default (the view permission; visibility scopes the objects).
    Writes: signed in, and allowed to work on this appraisal (``appraisal_can_work``)."""

    message = "You may not work on this appraisal."

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return DjangoModelPermissionsOrAnonReadOnlyDenied().has_permission(request, view)
        return bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return appraisal_can_work(request.user, obj)


class ExportNegotiation(BaseContentNegotiation):
    """The export picks its file format from ``?format=``/``?fmt=`` itself (a file, not a
    rendering); errors are always JSON in the API's one error shape."""

    def select_renderer(
        self,
        request: Request,
        renderers: Iterable[BaseRenderer],
        format_suffix: str | None = None,
    ) -> tuple[BaseRenderer, str]:
        return JSONRenderer(), JSONRenderer.media_type

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> BaseParser | None:
        return None  # the export reads no body


EXPORT_MEDIA_TYPES = {"yaml": "application/yaml", "json": "application/json"}


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

    @extend_schema(
        tags=TAGS,
        methods=["GET"],
        summary="The team's judgments, recorded and open",
        description="Every recorded practice and goal judgment (newest first), and the "
        "judgments the rules call for that the team has not recorded yet (from the rating "
        "of the current cells).",
        responses={200: JudgmentListSerializer, **DETAIL_ERRORS},
    )
    @extend_schema(
        tags=TAGS,
        methods=["POST"],
        summary="Record a judgment",
        description="Records the team's decision on a practice whose instances call for "
        "one (LI or PI) or on a goal (satisfied or unsatisfied), replacing an earlier one "
        "on the same practice or goal. Refused with the input field at fault when the "
        "rules do not allow it; the rating is not stored here (see `/rate/`).",
        request=JudgmentInputSerializer,
        responses={
            200: RecordedJudgmentSerializer,
            400: OpenApiResponse(ErrorSerializer, description="The rules refuse the judgment."),
            **WORK_ERRORS,
        },
    )
    @action(
        detail=True,
        methods=["get", "post"],
        filter_backends=[],
        pagination_class=None,
        permission_classes=[AppraisalWorkPermission],
    )
    def judgments(self, request: Request, pk: str | None = None) -> Response:
        appraisal = self.get_object()
        if request.method == "GET":
            rating = selectors.appraisal_rating(appraisal)
            body = {
                "recorded": [
                    _recorded(j.kind, j.ref, j) for j in appraisal_judgment_list(appraisal)
                ],
                "open_judgments": rating.as_json()["open_judgments"],
                "warnings": list(rating.warnings),
            }
            return Response(JudgmentListSerializer(body).data)
        serializer = JudgmentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        kind, reference = data["kind"], data["reference"]
        judged: Any
        try:
            if kind == "practice":
                judged = services.appraisal_judge_practice(
                    appraisal=appraisal,
                    practice=reference,
                    value=data["value"],
                    rationale=data["rationale"],
                    user=request.user,
                )
            else:
                judged = services.appraisal_judge_goal(
                    appraisal=appraisal,
                    goal=reference,
                    value=data["value"],
                    rationale=data["rationale"],
                    user=request.user,
                )
        except AppraisalError as error:
            field = "reference" if error.field in ("practice", "goal") else error.field
            raise serializers.ValidationError(
                {field or "non_field_errors": [error.message]}
            ) from None
        # The service took the reference, so it is well formed.
        normalize = normalize_practice_ref if kind == "practice" else normalize_goal_ref
        reference = normalize(reference) or reference
        return Response(RecordedJudgmentSerializer(_recorded(kind, reference, judged)).data)

    @extend_schema(
        tags=TAGS,
        summary="Rate the appraisal and store the rating",
        description="Rates the current cells and judgments and stores the result as the "
        "appraisal's rating (its history keeps the earlier ones). The answer has the shape "
        "of `/rating/`.",
        request=None,
        responses={200: RatingSerializer, **WORK_ERRORS},
    )
    @action(
        detail=True,
        methods=["post"],
        filter_backends=[],
        pagination_class=None,
        permission_classes=[AppraisalWorkPermission],
    )
    def rate(self, request: Request, pk: str | None = None) -> Response:
        appraisal = self.get_object()
        result = services.appraisal_rate(appraisal=appraisal, user=request.user)
        return Response(result.as_json())

    @extend_schema(
        tags=TAGS,
        summary="Export the appraisal as a file",
        description="The appraisal in the exchange format (`docs/appraisal-format.md`), as "
        "YAML (the default) or JSON; it imports back to the same appraisal. The team's "
        "evidence (artifacts, affirmations) is included only for users who may see the "
        "team's workspace.",
        parameters=[
            OpenApiParameter(
                "format", str, enum=list(EXPORT_FORMATS), description="yaml (default) or json."
            ),
            OpenApiParameter("fmt", str, enum=list(EXPORT_FORMATS), description="Same as format."),
        ],
        responses={
            (200, "application/yaml"): OpenApiTypes.STR,
            (200, "application/json"): OpenApiTypes.OBJECT,
            400: OpenApiResponse(ErrorSerializer, description="An unknown format."),
            **DETAIL_ERRORS,
        },
    )
    @action(
        detail=True,
        methods=["get"],
        filter_backends=[],
        pagination_class=None,
        content_negotiation_class=ExportNegotiation,
    )
    def export(self, request: Request, pk: str | None = None, **kwargs: Any) -> HttpResponse:
        # ?fmt=, ?format=, or the router's suffix (export.json); YAML by default.
        fmt = (
            request.query_params.get("fmt")
            or request.query_params.get("format")
            or kwargs.get("format")
            or "yaml"
        )
        field = "fmt" if "fmt" in request.query_params else "format"
        if fmt not in EXPORT_FORMATS:
            raise serializers.ValidationError(
                {field: [f"Unknown format {fmt!r}; use {' or '.join(EXPORT_FORMATS)}."]}
            )
        appraisal = self.get_object()
        text = appraisal_export(
            appraisal=appraisal,
            format=fmt,
            evidence=appraisal_can_see_workspace(request.user, appraisal),
        )
        response = HttpResponse(text, content_type=f"{EXPORT_MEDIA_TYPES[fmt]}; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="appraisal-{appraisal.pk}.{fmt}"'
        return response


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
