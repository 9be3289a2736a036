"""A deployment's results over HTTP: measured value, lessons learned, revisions
(``services.results``; SP 3.2 subpractice 8, SP 3.3).

- ``/api/deployments/results/``: list (filters ``plan`` (id), ``plan_measure`` (id),
  ``measure`` (slug); ``ordering``), retrieve; ``POST /api/deployments/results/evaluate/``
  ``{"plan", "plan_measure"}``: evaluate each plan measure (or the one given) over the
  deployed targets, before and after the first wave's start, with the payback; each
  result is kept;
- ``/api/deployments/results/lessons/``: list (filters ``plan``, ``kind``), create
  ``{"plan", "kind", "text"}``;
- ``/api/deployments/results/revisions/``: list (filters ``plan``, ``subject_kind``),
  create ``{"plan", "subject_kind", "subject", "change"}``: a revision of a measure,
  objective, priority or plan that the results led to.

Permissions (``apps/deployments/permissions.py``): reads need ``plan_can_see``;
evaluating and recording revisions need ``plan_can_edit``; lessons need
``lesson_can_add``. The services check again: a refusal is a 403 and nothing is
written; a rule refused is a 400 naming the field.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.views import APIView

from uplift.api.errors import LIST_ERRORS, ErrorSerializer, detail_errors
from uplift.api.helpers import require
from uplift.api.measurement_shapes import inline_enum
from uplift.api.viewsets import ReadOnlyViewSet
from uplift.apps.deployments import permissions as rules
from uplift.apps.deployments.choices import LessonKind, RevisionSubject
from uplift.apps.deployments.models import (
    DeploymentPlan,
    Lesson,
    PlanMeasure,
    Result,
    ResultRevision,
)
from uplift.apps.deployments.services.results import (
    lesson_add,
    result_evaluate,
    result_revision_add,
)

__all__ = ["LessonViewSet", "ResultRevisionViewSet", "ResultViewSet", "register"]

TAGS = ["deployments"]
DETAIL_ERRORS = detail_errors("No such result, lesson or revision.")
WRITE_ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input; `errors` names the field."),
    403: OpenApiResponse(
        ErrorSerializer,
        description="Not signed in, or not allowed to make this change.",
    ),
}


class _SeePermission(permissions.BasePermission):
    """Signed in and ``plan_can_see``; each write checks its own rule (and the service)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return rules.plan_can_see(request.user)


def _plans() -> QuerySet[DeploymentPlan]:
    return DeploymentPlan.objects.all()


# Filters ---------------------------------------------------------------------------------------


class ResultFilterSet(django_filters.FilterSet):
    """Results by plan (id), plan measure (id) and measure (slug)."""

    plan = django_filters.ModelChoiceFilter(queryset=_plans(), label="Plan")
    plan_measure = django_filters.ModelChoiceFilter(
        queryset=PlanMeasure.objects.all(), label="Plan measure"
    )
    measure = django_filters.CharFilter(
        field_name="plan_measure__measure__slug", label="Measure (slug)"
    )

    class Meta:
        model = Result
        fields = ["plan", "plan_measure", "measure"]


class LessonFilterSet(django_filters.FilterSet):
    """Lessons by plan (id) and kind."""

    plan = django_filters.ModelChoiceFilter(queryset=_plans(), label="Plan")
    kind = django_filters.ChoiceFilter(choices=LessonKind.choices)

    class Meta:
        model = Lesson
        fields = ["plan", "kind"]


class ResultRevisionFilterSet(django_filters.FilterSet):
    """Revisions by plan (id) and what was revised."""

    plan = django_filters.ModelChoiceFilter(queryset=_plans(), label="Plan")
    subject_kind = django_filters.ChoiceFilter(choices=RevisionSubject.choices)

    class Meta:
        model = ResultRevision
        fields = ["plan", "subject_kind"]


# Serializers ------------------------------------------------------------------------------------


class DeploymentResultSerializer(serializers.ModelSerializer):
    """One evaluation of a plan measure's value, kept as a dated snapshot. ``data`` is
    the measurements' evaluation run as JSON with ``payback`` (null without a value per
    unit)."""

    plan_reference = serializers.SerializerMethodField()
    measure = serializers.SerializerMethodField()
    evaluated_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    # Declared fields are popped from the class at runtime, so this does not shadow
    # Serializer.data; only the type checker sees both.
    data = serializers.JSONField(read_only=True)  # type: ignore[assignment]

    class Meta:
        model = Result
        fields = [
            "id",
            "plan",
            "plan_reference",
            "plan_measure",
            "measure",
            "evaluated_at",
            "evaluated_by",
            "change_date",
            "mean_before",
            "mean_after",
            "percent_change",
            "p_value",
            "improved",
            "target_met",
            "monthly_benefit",
            "payback_months",
            "payback_low",
            "payback_high",
            "data",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_plan_reference(self, result: Result) -> str:
        return f"DEP-{result.plan_id}"

    @extend_schema_field(OpenApiTypes.STR)
    def get_measure(self, result: Result) -> str:
        return str(result.plan_measure.measure.slug)


class DeploymentResultEvaluateSerializer(serializers.Serializer):
    """Which plan to evaluate, and optionally only one of its measures."""

    plan = serializers.PrimaryKeyRelatedField(queryset=_plans(), help_text="The plan's id.")
    plan_measure = serializers.PrimaryKeyRelatedField(
        queryset=PlanMeasure.objects.select_related("measure"),
        required=False,
        allow_null=True,
        help_text="A plan measure's id (default: every measure of the plan).",
    )


class DeploymentLessonSerializer(serializers.ModelSerializer):
    """A lesson learned from the deployment: what, who, when."""

    plan = serializers.PrimaryKeyRelatedField(  # type: ignore[var-annotated]
        queryset=_plans(), help_text="The plan's id."
    )
    kind = inline_enum(LessonKind.values)
    recorded_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Lesson
        fields = ["id", "plan", "kind", "text", "recorded_by", "recorded_at"]
        read_only_fields = ["id", "recorded_by", "recorded_at"]


class DeploymentResultRevisionSerializer(serializers.ModelSerializer):
    """A revision of a measure, objective, priority or plan the results led to."""

    plan = serializers.PrimaryKeyRelatedField(  # type: ignore[var-annotated]
        queryset=_plans(), help_text="The plan's id."
    )
    subject_kind = inline_enum(RevisionSubject.values)
    recorded_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = ResultRevision
        fields = [
            "id",
            "plan",
            "subject_kind",
            "subject",
            "change",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = ["id", "recorded_by", "recorded_at"]


# Views -----------------------------------------------------------------------------------------


def _results() -> QuerySet[Result]:
    return Result.objects.select_related("plan_measure__measure", "evaluated_by").order_by(
        "plan", "plan_measure__position", "plan_measure", "-evaluated_at", "-pk"
    )


@extend_schema_view(
    list=extend_schema(
        tags=TAGS,
        summary="List results of deployments",
        description="Every kept evaluation, newest first per plan measure.",
        responses={200: DeploymentResultSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        tags=TAGS,
        summary="A result",
        responses={200: DeploymentResultSerializer, **DETAIL_ERRORS},
    ),
)
class ResultViewSet(ReadOnlyViewSet):
    """Results of every plan; evaluated through ``services.results``."""

    serializer_class = DeploymentResultSerializer
    filterset_class = ResultFilterSet
    ordering_fields = ["evaluated_at", "percent_change", "payback_months", "id"]
    lookup_value_regex = r"\d+"
    permission_classes = [_SeePermission]

    def get_queryset(self) -> QuerySet[Result]:
        return _results()

    @extend_schema(
        tags=TAGS,
        operation_id="deployments_results_evaluate",
        summary="Evaluate a deployment's value now",
        description="For each plan measure (or the one given): the measurements' "
        "before/after evaluation over the deployed and confirmed targets, the change date "
        "being the first wave's actual start, and the payback from the proposals' costs "
        "when the measure has a value per unit. Each result is kept (201).",
        request=DeploymentResultEvaluateSerializer,
        responses={201: DeploymentResultSerializer(many=True), **WRITE_ERRORS},
    )
    @action(detail=False, methods=["post"], filter_backends=[], pagination_class=None)
    def evaluate(self, request: Request) -> Response:
        serializer = DeploymentResultEvaluateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        plan = serializer.validated_data["plan"]
        require(
            rules.plan_can_edit(request.user, plan),
            f"You may not evaluate the results of {plan.reference}.",
        )
        plan_measure = serializer.validated_data.get("plan_measure")
        results = result_evaluate(plan=plan, actor=request.user, plan_measure=plan_measure)
        rows = _results().filter(pk__in=[result.pk for result in results])
        return Response(
            DeploymentResultSerializer(rows, many=True).data,
            status=status.HTTP_201_CREATED,
        )


@extend_schema_view(
    list=extend_schema(
        tags=TAGS,
        summary="List lessons learned",
        responses={200: DeploymentLessonSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        tags=TAGS,
        summary="A lesson learned",
        responses={200: DeploymentLessonSerializer, **DETAIL_ERRORS},
    ),
    create=extend_schema(
        tags=TAGS,
        summary="Record a lesson learned",
        responses={201: DeploymentLessonSerializer, **WRITE_ERRORS},
    ),
)
class LessonViewSet(mixins.CreateModelMixin, ReadOnlyViewSet):
    """Lessons learned of every plan; recorded through ``services.results``."""

    serializer_class = DeploymentLessonSerializer
    filterset_class = LessonFilterSet
    ordering_fields = ["recorded_at", "kind", "id"]
    lookup_value_regex = r"\d+"
    permission_classes = [_SeePermission]

    def get_queryset(self) -> QuerySet[Lesson]:
        return Lesson.objects.select_related("recorded_by").order_by("plan", "recorded_at", "pk")

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        plan = data.pop("plan")
        require(
            rules.lesson_can_add(self.request.user, plan),
            f"You may not record lessons of {plan.reference}.",
        )
        lesson = lesson_add(plan=plan, actor=self.request.user, **data)
        serializer.instance = self.get_queryset().get(pk=lesson.pk)


@extend_schema_view(
    list=extend_schema(
        tags=TAGS,
        summary="List revisions the results led to",
        responses={200: DeploymentResultRevisionSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        tags=TAGS,
        summary="A revision the results led to",
        responses={200: DeploymentResultRevisionSerializer, **DETAIL_ERRORS},
    ),
    create=extend_schema(
        tags=TAGS,
        summary="Record a revision of a measure, objective, priority or plan",
        responses={201: DeploymentResultRevisionSerializer, **WRITE_ERRORS},
    ),
)
class ResultRevisionViewSet(mixins.CreateModelMixin, ReadOnlyViewSet):
    """Revisions the results led to; recorded through ``services.results``."""

    serializer_class = DeploymentResultRevisionSerializer
    filterset_class = ResultRevisionFilterSet
    ordering_fields = ["recorded_at", "subject_kind", "id"]
    lookup_value_regex = r"\d+"
    permission_classes = [_SeePermission]

    def get_queryset(self) -> QuerySet[ResultRevision]:
        return ResultRevision.objects.select_related("recorded_by").order_by(
            "plan", "recorded_at", "pk"
        )

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        plan = data.pop("plan")
        require(
            rules.plan_can_edit(self.request.user, plan),
            f"You may not record revisions of {plan.reference}.",
        )
        revision = result_revision_add(plan=plan, actor=self.request.user, **data)
        serializer.instance = self.get_queryset().get(pk=revision.pk)


ROUTES: Sequence[tuple[str, type[viewsets.GenericViewSet], str]] = [
    # The specific prefixes first: the result routes take any id after results/.
    ("deployments/results/lessons", LessonViewSet, "deployment-lesson"),
    (
        "deployments/results/revisions",
        ResultRevisionViewSet,
        "deployment-result-revision",
    ),
    ("deployments/results", ResultViewSet, "deployment-result"),
]


def register(router: DefaultRouter) -> None:
    """Register this module's viewsets on the API's router."""
    for prefix, viewset, basename in ROUTES:
        router.register(prefix, viewset, basename=basename)
