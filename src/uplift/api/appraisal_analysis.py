"""Appraisal analysis over HTTP: the path to a target, a comparison, the report PDF.

- ``GET /api/appraisals/{id}/path/?level=N`` or ``?profile=REQM:2,PP:3``: the goals
  still short of the target and the practices, units and weaknesses behind them
  (default target: the appraisal's maturity level, or capability level 3 in every
  area of a continuous appraisal);
- ``GET /api/appraisals/compare/?a=<id>&b=<id>``: what improved and what slipped
  from appraisal ``a`` (earlier) to ``b`` (later), both of the same model;
- ``GET /api/appraisals/{id}/report.pdf``: the final report as a PDF document.

Everything is computed from the current cells when asked; nothing is stored. Reads
need the ``appraisals.view_appraisal`` permission (the project default, driven by
``queryset``) and the appraisal to be visible (else 404). Like the rest of the API,
nothing here carries evidence or an interviewee's name.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from uplift.api.appraisals import OpenJudgmentSerializer
from uplift.api.errors import ErrorSerializer, detail_errors
from uplift.apps.appraisals import analysis, selectors
from uplift.apps.appraisals.choices import PracticeValue
from uplift.apps.appraisals.errors import AppraisalError
from uplift.apps.appraisals.models import Appraisal
from uplift.apps.appraisals.report import appraisal_report_pdf, report_slug

__all__ = ["AppraisalCompareView", "AppraisalPathView", "AppraisalReportPdfView"]

TAGS = ["appraisals"]
NOT_VISIBLE = "No such id, or not visible to you."
DETAIL_ERRORS = detail_errors(NOT_VISIBLE)

PRACTICE_VALUES = ["FI", "LI", "PI", "NI", "NY"]
GOAL_RATINGS = ["satisfied", "unsatisfied", "not_rated", "pending"]
AREA_RATINGS = [*GOAL_RATINGS, "not_applicable"]
ISSUES = list(analysis.ISSUE_LABELS)
CHANGES = ["improved", "slipped", "unchanged", "changed", "new", "dropped"]


def _enum(values: list[str], help_text: str = "") -> Any:
    """A read-only string documented with an inline enum (its field name names it)."""

    @extend_schema_field({"type": "string", "enum": values})
    class InlineEnumField(serializers.CharField):
        pass

    return InlineEnumField(read_only=True, help_text=help_text)


def _one_of(values: list[str], help_text: str = "", *, nullable: bool = False) -> Any:
    """A string of a known set, documented in words.

    Used where one field name (``before``, ``after``, ``status``, ``rating``) holds
    different sets in different answers: drf-spectacular names enums after their field,
    and two sets under one name would make the schema ambiguous.
    """
    words = ", ".join(values)
    return serializers.CharField(
        allow_null=nullable,
        help_text=f"{help_text} One of: {words}{'; or null' if nullable else ''}.".strip(),
    )


def _practice_value(help_text: str) -> Any:
    return serializers.ChoiceField(
        choices=PracticeValue.choices, allow_null=True, help_text=help_text
    )


def _area_rating(help_text: str = "") -> Any:
    return serializers.ChoiceField(choices=AREA_RATINGS, allow_null=True, help_text=help_text)


# Serializers (documentation of the answers' shapes) -----------------------------------------


class PathUnitSerializer(serializers.Serializer):
    unit = serializers.CharField()
    value = _practice_value("The unit's own value; null: none there.")
    weaknesses = serializers.ListField(child=serializers.CharField())


class PathPracticeSerializer(serializers.Serializer):
    ref = serializers.CharField(help_text="e.g. REQM SP 1.1")
    value = _practice_value("Organizational-unit value; null: none (see issue).")
    issue = _enum(ISSUES, "Why the practice holds the goal back.")
    candidates = serializers.ListField(
        child=serializers.CharField(), help_text="The values a pending judgment chooses from."
    )
    units = PathUnitSerializer(many=True, help_text="The units at fault.")


class PathGoalSerializer(serializers.Serializer):
    ref = serializers.CharField(help_text="e.g. REQM SG 1")
    generic_level = serializers.IntegerField(allow_null=True, help_text="2 for GG 2 …")
    rating = _one_of(GOAL_RATINGS)
    reason = serializers.CharField()
    rated = serializers.BooleanField(
        help_text="False when the appraisal does not rate the goal (worked out from cells)."
    )
    weaknesses = serializers.ListField(child=serializers.CharField())
    open_judgments = OpenJudgmentSerializer(many=True)
    practices = PathPracticeSerializer(many=True)


class PathAreaSerializer(serializers.Serializer):
    abbreviation = serializers.CharField()
    target_level = serializers.IntegerField(help_text="Capability level the target needs.")
    rating = _area_rating("Null when the appraisal does not rate the area.")
    capability_level = serializers.IntegerField(allow_null=True)
    in_scope = serializers.BooleanField()
    goals = PathGoalSerializer(many=True)


class PathTargetSerializer(serializers.Serializer):
    maturity_level = serializers.IntegerField(allow_null=True)
    profile = serializers.DictField(
        child=serializers.IntegerField(), help_text="Capability level needed per area."
    )


class PathSummarySerializer(serializers.Serializer):
    process_areas = serializers.IntegerField()
    goals = serializers.IntegerField()
    practices = serializers.IntegerField()
    open_judgments = serializers.IntegerField()
    text = serializers.CharField(help_text="e.g. 3 process areas, 5 goals, 17 practices to close")


class AppraisalPathSerializer(serializers.Serializer):
    """``TargetPath.as_json()`` with the appraisal's id and the target in words."""

    appraisal = serializers.IntegerField()
    target_label = serializers.CharField(help_text="The target in words.")
    target = PathTargetSerializer()
    reached = serializers.BooleanField()
    summary = PathSummarySerializer()
    process_areas = PathAreaSerializer(many=True)
    met = serializers.ListField(child=serializers.CharField())
    not_applicable = serializers.ListField(child=serializers.CharField())
    out_of_scope = serializers.ListField(child=serializers.CharField())
    open_judgments = OpenJudgmentSerializer(many=True)


class PathQuerySerializer(serializers.Serializer):
    level = serializers.IntegerField(
        required=False, min_value=2, max_value=5, help_text="A target maturity level."
    )
    profile = serializers.CharField(
        required=False, help_text="A target capability profile, e.g. REQM:2,PP:3."
    )


class LevelChangeSerializer(serializers.Serializer):
    before = serializers.IntegerField(allow_null=True)
    after = serializers.IntegerField(allow_null=True)
    status = _one_of(CHANGES)


class ChangeCountsSerializer(serializers.Serializer):
    improved = serializers.IntegerField()
    slipped = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    changed = serializers.IntegerField()
    new = serializers.IntegerField()
    dropped = serializers.IntegerField()


class ComparisonSummarySerializer(serializers.Serializer):
    process_areas = ChangeCountsSerializer()
    goals = ChangeCountsSerializer()
    practices = ChangeCountsSerializer()


class AreaChangeSerializer(serializers.Serializer):
    abbreviation = serializers.CharField()
    before = _one_of(AREA_RATINGS, nullable=True)
    after = _one_of(AREA_RATINGS, nullable=True)
    before_capability_level = serializers.IntegerField(allow_null=True)
    after_capability_level = serializers.IntegerField(allow_null=True)
    status = _one_of(CHANGES)


class GoalChangeSerializer(serializers.Serializer):
    ref = serializers.CharField()
    before = _one_of(GOAL_RATINGS, nullable=True)
    after = _one_of(GOAL_RATINGS, nullable=True)
    status = _one_of(CHANGES)


class PracticeChangeSerializer(serializers.Serializer):
    ref = serializers.CharField()
    before = _one_of(PRACTICE_VALUES, nullable=True)
    after = _one_of(PRACTICE_VALUES, nullable=True)
    status = _one_of(CHANGES)
    steps = serializers.IntegerField(help_text="Places moved on FI > LI > PI > NI > NY.")


class AppraisalComparisonSerializer(serializers.Serializer):
    """``ResultComparison.as_json()`` with the two appraisals' ids."""

    a = serializers.IntegerField(help_text="The earlier appraisal.")
    b = serializers.IntegerField(help_text="The later appraisal.")
    maturity_level = LevelChangeSerializer()
    equivalent_maturity_level = LevelChangeSerializer()
    summary = ComparisonSummarySerializer()
    process_areas = AreaChangeSerializer(many=True)
    goals = GoalChangeSerializer(many=True)
    practices = PracticeChangeSerializer(many=True)


class CompareQuerySerializer(serializers.Serializer):
    a = serializers.IntegerField(help_text="The earlier appraisal's id.")
    b = serializers.IntegerField(help_text="The later appraisal's id (same model).")


# Views ---------------------------------------------------------------------------------------


def _refused(error: AppraisalError) -> serializers.ValidationError:
    return serializers.ValidationError({error.field or "non_field_errors": [error.message]})


class _AnalysisView(APIView):
    queryset = Appraisal.objects.all()  # drives the permission: appraisals.view_appraisal

    def visible(self, pk: int) -> Appraisal:
        try:
            return selectors.appraisal_get(pk=pk, user=self.request.user)
        except Appraisal.DoesNotExist:
            raise NotFound(NOT_VISIBLE) from None


class AppraisalPathView(_AnalysisView):
    """The path from an appraisal's current rating to a target."""

    @extend_schema(
        tags=TAGS,
        operation_id="appraisals_path_retrieve",
        summary="The path to a target",
        description="The goals still short of a target maturity level (`level`) or "
        "capability profile (`profile`), not both, with the practices behind each, the "
        "units at fault and their weaknesses, and the open judgments that block it. "
        "Default target: the appraisal's maturity level, or capability level 3 for every "
        "area of a continuous appraisal.",
        parameters=[PathQuerySerializer],
        responses={
            200: AppraisalPathSerializer,
            400: OpenApiResponse(ErrorSerializer, description="A target the model cannot have."),
            **DETAIL_ERRORS,
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        query = PathQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        appraisal = self.visible(pk)
        try:
            found = analysis.appraisal_path(
                appraisal,
                level=query.validated_data.get("level"),
                profile=query.validated_data.get("profile"),
                titles=False,
            )
        except AppraisalError as error:
            raise _refused(error) from None
        return Response(
            {"appraisal": appraisal.pk, "target_label": found.label, **found.path.as_json()}
        )


class AppraisalCompareView(_AnalysisView):
    """What changed from one appraisal to a later one of the same model."""

    @extend_schema(
        tags=TAGS,
        operation_id="appraisals_compare_retrieve",
        summary="Compare two appraisals",
        description="Process areas, goals and practices of `a` (earlier) and `b` (later), "
        "matched by reference (the model versions may differ, the model may not): "
        "improved, slipped, unchanged, changed (neither better nor worse), new or dropped.",
        parameters=[CompareQuerySerializer],
        responses={
            200: AppraisalComparisonSerializer,
            400: OpenApiResponse(
                ErrorSerializer, description="A missing or malformed id, or two models."
            ),
            **DETAIL_ERRORS,
        },
    )
    def get(self, request: Request) -> Response:
        query = CompareQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        before = self.visible(query.validated_data["a"])
        after = self.visible(query.validated_data["b"])
        try:
            compared = analysis.appraisal_compare(before, after)
        except AppraisalError as error:
            raise _refused(error) from None
        return Response({"a": before.pk, "b": after.pk, **compared.comparison.as_json()})


class JSONErrorsNegotiation(BaseContentNegotiation):
    """Any ``Accept`` (``application/pdf`` included) is served: the PDF is the view's
    own response, and the errors, the only answers DRF renders here, are JSON."""

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> BaseParser | None:
        return next(iter(parsers), None)  # a GET has no body to parse

    def select_renderer(
        self,
        request: Request,
        renderers: Iterable[BaseRenderer],
        format_suffix: str | None = None,
    ) -> tuple[BaseRenderer, str]:
        return JSONRenderer(), JSONRenderer.media_type


class AppraisalReportPdfView(_AnalysisView):
    """The final report of an appraisal as a PDF document."""

    renderer_classes = [JSONRenderer]
    content_negotiation_class = JSONErrorsNegotiation

    @extend_schema(
        tags=TAGS,
        operation_id="appraisals_report_pdf_retrieve",
        summary="The final report as PDF",
        description="The report of the appraisal page (plan, ratings, capability profile, "
        "practice heat map, findings, path to the target) as a PDF attachment named "
        "`<appraisal-slug>-report.pdf`. Errors are JSON.",
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The PDF document."
            ),
            **DETAIL_ERRORS,
        },
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        appraisal = self.visible(pk)
        response = HttpResponse(appraisal_report_pdf(appraisal), content_type="application/pdf")
        filename = f"{report_slug(appraisal)}-report.pdf"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
