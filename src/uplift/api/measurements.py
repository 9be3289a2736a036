"""Measurements over HTTP: measures, objectives, observations, baselines, evaluations.

- ``/api/measurements/measures/`` list, create; ``/{slug}/`` retrieve, update
  (``services.measures``); ``/{slug}/xmr/?work_activity=&from=&to=``: the control
  chart's data (one work activity's values one by one, else monthly means);
- ``/api/measurements/objectives/`` list, create; ``/{id}/`` retrieve, update
  (``services.objectives``), each with its ``status`` against target;
- ``/api/measurements/observations/``: read-only list (filters ``measure``,
  ``work_activity``, ``from``, ``to``; strict paging);
- ``/api/measurements/baselines/`` stored snapshots; ``POST`` computes one
  (``services.baselines.baseline_compute``), storing it when ``store`` is true;
  ``/compare/?older=&newer=`` sets two side by side;
- ``POST /api/measurements/evaluations/``: the evaluation of a change, with its payback
  when costs are given (``services.evaluations``); nothing is stored.

Permissions: the project default (model permissions) for measures and objectives;
reading observations and baselines needs their ``view`` permission; computing a
baseline or an evaluation (reads) needs ``view_observation``, storing a baseline also
``add_baseline``. A rule a service refuses is a 400 naming the input field.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from uplift.api.errors import LIST_ERRORS, ErrorSerializer, detail_errors
from uplift.api.measurement_shapes import (
    BaselineComparisonSerializer,
    BaselineResultSerializer,
    ControlChartSerializer,
    EvaluationRunSerializer,
    IntegerChoiceField,
    inline_enum,
)
from uplift.api.pagination import LimitOffsetPagination
from uplift.api.viewsets import ReadOnlyViewSet
from uplift.apps.measurements import selectors
from uplift.apps.measurements.choices import ObjectiveKind, Priority, Statistic
from uplift.apps.measurements.filtersets import (
    BaselineFilterSet,
    MeasureFilterSet,
    ObjectiveFilterSet,
    ObservationFilterSet,
)
from uplift.apps.measurements.models import Baseline, Measure, Objective, Observation
from uplift.apps.measurements.services.baselines import baseline_compare, baseline_compute
from uplift.apps.measurements.services.evaluations import evaluation_payback, evaluation_run
from uplift.apps.measurements.services.measures import (
    MeasurementError,
    measure_create,
    measure_update,
)
from uplift.apps.measurements.services.objectives import objective_create, objective_update
from uplift.apps.organization.selectors import work_activity_list

TAGS = ["measurements"]
DETAIL_ERRORS = detail_errors("No such measure, objective or baseline.")
WRITE_ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input; `errors` names the field."),
    403: OpenApiResponse(ErrorSerializer, description="No permission to write."),
}
COMPUTE_ERRORS = {
    400: WRITE_ERRORS[400],
    403: OpenApiResponse(
        ErrorSerializer,
        description="Not signed in, or without view_observation (add_baseline to store).",
    ),
}


def _refused(error: MeasurementError) -> serializers.ValidationError:
    return serializers.ValidationError({error.field or "non_field_errors": [error.message]})


# Model serializers -----------------------------------------------------------------------


class MeasureSerializer(serializers.ModelSerializer):
    """A measure's definition (read and write; the service checks the rules)."""

    scale = inline_enum(["continuous", "count", "proportion"], required=False)
    direction = inline_enum(["higher", "lower"])
    frequency = inline_enum(["event", "daily", "weekly", "monthly", "quarterly"], required=False)

    class Meta:
        model = Measure
        fields = [
            "slug",
            "name",
            "unit",
            "operational_definition",
            "scale",
            "direction",
            "describes",
            "collected_by",
            "frequency",
        ]
        # uniqueness is the service's rule, stated once (measure_create)
        extra_kwargs: dict[str, dict[str, Any]] = {"slug": {"validators": []}}


class ObjectiveStatusSerializer(serializers.Serializer):
    """A QPPO against the newest stored baseline of its measure and segment or, without
    one, provisionally against the segment's current observations."""

    status = inline_enum(["met", "not_met", "no_data", "not_applicable"], read_only=True)
    value = serializers.FloatField(allow_null=True)
    gap = serializers.FloatField(allow_null=True, help_text="How far short, in the unit.")
    percent_gap = serializers.FloatField(allow_null=True)
    provisional = serializers.BooleanField(
        help_text="True: judged from current data, no stored baseline (store one to make "
        "it official)."
    )
    n = serializers.IntegerField(
        allow_null=True, help_text="How many observations the value stands on."
    )
    period_start = serializers.DateTimeField(
        allow_null=True, help_text="The first observation's time (the baseline's period)."
    )
    period_end = serializers.DateTimeField(
        allow_null=True, help_text="The last observation's time (the baseline's period)."
    )
    baseline = serializers.IntegerField(allow_null=True)
    baseline_computed_at = serializers.DateTimeField(allow_null=True)


class ObjectiveSerializer(serializers.ModelSerializer):
    """A business objective or QPPO; ``status`` needs the view's statuses."""

    kind = inline_enum(ObjectiveKind.values)
    statistic = inline_enum(Statistic.values, required=False)
    priority = IntegerChoiceField(
        choices=Priority.values, required=False, help_text="1 high, 2 medium, 3 low."
    )
    # Declared fields are popped from the class at runtime (Field.parent stays the
    # binding parent); only the type checker sees both.
    parent = serializers.PrimaryKeyRelatedField(  # type: ignore[assignment]
        queryset=Objective.objects.filter(kind=ObjectiveKind.BUSINESS),
        allow_null=True,
        required=False,
        help_text="QPPOs: the business objective's id.",
    )
    measure = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Measure.objects.all(),
        allow_null=True,
        required=False,
        help_text="QPPOs: the measure's slug.",
    )
    segment = serializers.JSONField(required=False, help_text="A filter over work activities.")
    status = serializers.SerializerMethodField()

    class Meta:
        model = Objective
        fields = [
            "id",
            "kind",
            "name",
            "description",
            "parent",
            "measure",
            "statistic",
            "target",
            "due",
            "segment",
            "priority",
            "status",
        ]
        read_only_fields = ["id", "status"]

    @extend_schema_field(ObjectiveStatusSerializer)
    def get_status(self, objective: Objective) -> dict[str, object]:
        statuses = self.context.get("statuses") or {}
        found = statuses.get(objective.pk) or selectors.objective_status(objective)
        return found.as_json()


class ObservationSerializer(serializers.ModelSerializer):
    measure: serializers.SlugRelatedField[Measure] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    work_activity: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )

    class Meta:
        model = Observation
        fields = ["id", "measure", "work_activity", "observed_at", "value", "source", "batch"]
        read_only_fields = fields


class BaselineSerializer(serializers.ModelSerializer):
    measure: serializers.SlugRelatedField[Measure] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    computed_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    segment = serializers.JSONField(read_only=True)

    class Meta:
        model = Baseline
        fields = [
            "id",
            "measure",
            "segment",
            "segment_label",
            "period_start",
            "period_end",
            "n",
            "mean",
            "sd",
            "median",
            "q1",
            "q3",
            "p10",
            "p90",
            "lnpl",
            "unpl",
            "computed_at",
            "computed_by",
        ]
        read_only_fields = fields


class _MeasureSlugField(serializers.SlugRelatedField):  # type: ignore[type-arg]
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="slug", queryset=Measure.objects.all(), **kwargs)


class BaselineComputeSerializer(serializers.Serializer):
    measure = _MeasureSlugField(help_text="The measure's slug.")
    segment = serializers.JSONField(required=False, help_text="{} or absent: every activity.")
    start = serializers.DateField(required=False, allow_null=True, help_text="Inclusive.")
    end = serializers.DateField(required=False, allow_null=True, help_text="Inclusive.")
    store = serializers.BooleanField(default=False, help_text="Store a dated snapshot.")


class PaybackInputSerializer(serializers.Serializer):
    cost = serializers.FloatField(min_value=0, help_text="One-off cost.")
    running_cost = serializers.FloatField(min_value=0, default=0.0, help_text="A month.")
    value_per_unit = serializers.FloatField(
        min_value=0, help_text="What one unit of improvement of the measure is worth a month."
    )


def _slugs(**kwargs: Any) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.SlugField(), required=False, default=list, **kwargs
    )


class EvaluationInputSerializer(serializers.Serializer):
    measure = _MeasureSlugField(help_text="The measure's slug.")
    change_date = serializers.DateField(required=False, allow_null=True)
    work_activities = _slugs(help_text="Before/after: the activities (empty: every one).")
    pilot = _slugs(help_text="Pilot/comparison: the pilot group's slugs.")
    comparison = _slugs(help_text="Pilot/comparison: the comparison group's slugs.")
    start = serializers.DateField(required=False, allow_null=True)
    end = serializers.DateField(required=False, allow_null=True)
    objective = serializers.PrimaryKeyRelatedField(
        queryset=Objective.objects.filter(kind=ObjectiveKind.QPPO),
        required=False,
        allow_null=True,
        help_text="A QPPO of the measure (default: its first by priority).",
    )
    seed = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    n_boot = serializers.IntegerField(required=False, allow_null=True, max_value=100_000)
    confidence = serializers.FloatField(default=0.95)
    payback = PaybackInputSerializer(required=False, allow_null=True)


# Permissions -------------------------------------------------------------------------------


class CanReadObservations(permissions.BasePermission):
    """Signed in with ``measurements.view_observation``: computations over the stored
    observations (baselines, evaluations) are reads, whatever the HTTP method."""

    message = "You may not read observations."

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(
            user and user.is_authenticated and user.has_perm("measurements.view_observation")
        )


# Views ----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(tags=TAGS, responses={200: MeasureSerializer(many=True), **LIST_ERRORS}),
    retrieve=extend_schema(tags=TAGS, responses={200: MeasureSerializer, **DETAIL_ERRORS}),
    create=extend_schema(tags=TAGS, responses={201: MeasureSerializer, **WRITE_ERRORS}),
    update=extend_schema(
        tags=TAGS, responses={200: MeasureSerializer, **WRITE_ERRORS, 404: DETAIL_ERRORS[404]}
    ),
    partial_update=extend_schema(
        tags=TAGS, responses={200: MeasureSerializer, **WRITE_ERRORS, 404: DETAIL_ERRORS[404]}
    ),
)
class MeasureViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Measures by slug; writes through ``measure_create`` / ``measure_update``."""

    serializer_class = MeasureSerializer
    filterset_class = MeasureFilterSet
    filter_backends = ReadOnlyViewSet.filter_backends
    pagination_class = LimitOffsetPagination
    ordering_fields = ["name", "slug"]
    lookup_field = "slug"

    def get_queryset(self) -> QuerySet[Measure]:
        return selectors.measure_list()

    def perform_create(self, serializer: Any) -> None:
        try:
            serializer.instance = measure_create(
                **serializer.validated_data, user=self.request.user
            )
        except MeasurementError as error:
            raise _refused(error) from None

    def perform_update(self, serializer: Any) -> None:
        try:
            measure_update(
                measure=serializer.instance, user=self.request.user, **serializer.validated_data
            )
        except MeasurementError as error:
            raise _refused(error) from None

    @extend_schema(
        tags=TAGS,
        summary="Control chart data",
        description="One work activity's values one by one (the latest 500) with their XmR "
        "chart (center, natural process limits, run-rule signals), or, without "
        "`work_activity`, the measure's monthly means over every activity. One indexed "
        "query for one work activity.",
        parameters=[
            OpenApiParameter("work_activity", str, description="A work activity's slug."),
            OpenApiParameter("from", OpenApiTypes.DATE, description="Inclusive date."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Inclusive date."),
        ],
        responses={
            200: ControlChartSerializer,
            400: OpenApiResponse(ErrorSerializer, description="An unknown work activity or date."),
            **DETAIL_ERRORS,
        },
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def xmr(self, request: Request, slug: str | None = None) -> Response:
        measure = self.get_object()
        query = _ChartQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        activity = query.validated_data.get("work_activity")
        data = selectors.control_chart_data(
            measure,
            work_activity_ids=[activity.pk] if activity is not None else None,
            start=query.validated_data.get("from"),
            end=query.validated_data.get("to"),
            attribute=False,
        )
        return Response(data.as_json())


class _ChartQuerySerializer(serializers.Serializer):
    work_activity = serializers.SlugRelatedField(
        slug_field="slug", queryset=work_activity_list(), required=False
    )
    to = serializers.DateField(required=False)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = serializers.DateField(required=False)  # a keyword in Python
        return fields


@extend_schema_view(
    list=extend_schema(tags=TAGS, responses={200: ObjectiveSerializer(many=True), **LIST_ERRORS}),
    retrieve=extend_schema(tags=TAGS, responses={200: ObjectiveSerializer, **DETAIL_ERRORS}),
    create=extend_schema(tags=TAGS, responses={201: ObjectiveSerializer, **WRITE_ERRORS}),
    update=extend_schema(
        tags=TAGS, responses={200: ObjectiveSerializer, **WRITE_ERRORS, 404: DETAIL_ERRORS[404]}
    ),
    partial_update=extend_schema(
        tags=TAGS, responses={200: ObjectiveSerializer, **WRITE_ERRORS, 404: DETAIL_ERRORS[404]}
    ),
)
class ObjectiveViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Business objectives and QPPOs with their status against target."""

    serializer_class = ObjectiveSerializer
    filterset_class = ObjectiveFilterSet
    filter_backends = ReadOnlyViewSet.filter_backends
    pagination_class = LimitOffsetPagination
    ordering_fields = ["name", "priority", "due"]
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[Objective]:
        return Objective.objects.select_related("measure", "parent").order_by(
            "kind", "priority", "name", "pk"
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(page if page is not None else queryset)
        context = {**self.get_serializer_context(), "statuses": selectors.objective_statuses(rows)}
        data = ObjectiveSerializer(rows, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def perform_create(self, serializer: Any) -> None:
        try:
            serializer.instance = objective_create(
                **serializer.validated_data, user=self.request.user
            )
        except MeasurementError as error:
            raise _refused(error) from None

    def perform_update(self, serializer: Any) -> None:
        try:
            objective_update(
                objective=serializer.instance,
                user=self.request.user,
                **serializer.validated_data,
            )
        except MeasurementError as error:
            raise _refused(error) from None


@extend_schema_view(
    list=extend_schema(tags=TAGS, responses={200: ObservationSerializer(many=True), **LIST_ERRORS}),
    retrieve=extend_schema(tags=TAGS, responses={200: ObservationSerializer, **DETAIL_ERRORS}),
)
class ObservationViewSet(ReadOnlyViewSet):
    """Stored observations in key order (measure, work activity, time)."""

    serializer_class = ObservationSerializer
    filterset_class = ObservationFilterSet
    ordering_fields = ["observed_at", "value"]
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[Observation]:
        return selectors.observation_list()


@extend_schema_view(
    list=extend_schema(tags=TAGS, responses={200: BaselineSerializer(many=True), **LIST_ERRORS}),
    retrieve=extend_schema(tags=TAGS, responses={200: BaselineSerializer, **DETAIL_ERRORS}),
)
class BaselineViewSet(mixins.CreateModelMixin, ReadOnlyViewSet):
    """Stored baselines, newest first; ``POST`` computes one (and stores it if asked)."""

    serializer_class = BaselineSerializer
    filterset_class = BaselineFilterSet
    ordering_fields = ["computed_at", "period_start"]
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[Baseline]:
        return selectors.baseline_list()

    def get_permissions(self) -> Sequence[Any]:
        if self.action in ("create", "compare"):
            return [CanReadObservations()]
        return super().get_permissions()

    @extend_schema(
        tags=TAGS,
        summary="Compute a baseline",
        description="Describes the measure over the segment and period (n, mean, sd, "
        "quartiles, 10th/90th percentiles, natural process limits). With `store` the "
        "result is stored as a dated snapshot (201, needs add_baseline); else nothing is "
        "written (200). Storing needs at least two values.",
        request=BaselineComputeSerializer,
        responses={201: BaselineResultSerializer, 200: BaselineResultSerializer, **COMPUTE_ERRORS},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = BaselineComputeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["store"] and not request.user.has_perm("measurements.add_baseline"):
            raise PermissionDenied("You may not store baselines.")
        try:
            result = baseline_compute(
                measure=data["measure"],
                segment=data.get("segment") or {},
                start=data.get("start"),
                end=data.get("end"),
                store=data["store"],
                user=request.user,
            )
        except MeasurementError as error:
            raise _refused(error) from None
        if result.stored is None:
            return Response(result.as_json())
        location = reverse(
            "api:measurement-baseline-detail", args=[result.stored.pk], request=request
        )
        return Response(
            result.as_json(), status=status.HTTP_201_CREATED, headers={"Location": location}
        )

    @extend_schema(
        tags=TAGS,
        summary="Compare two stored baselines",
        description="Changes of mean, sd and median (newer minus older) and, when the raw "
        "values of both periods are stored and the periods do not overlap, the test of "
        "the shift (Welch, Mann-Whitney, bootstrap, seed 0).",
        parameters=[
            OpenApiParameter("older", int, required=True),
            OpenApiParameter("newer", int, required=True),
        ],
        responses={200: BaselineComparisonSerializer, **COMPUTE_ERRORS},
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def compare(self, request: Request) -> Response:
        query = _CompareQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            result = baseline_compare(
                older=query.validated_data["older"], newer=query.validated_data["newer"]
            )
        except MeasurementError as error:
            raise _refused(error) from None
        return Response(result.as_json())


class _CompareQuerySerializer(serializers.Serializer):
    older = serializers.PrimaryKeyRelatedField(queryset=selectors.baseline_list())
    newer = serializers.PrimaryKeyRelatedField(queryset=selectors.baseline_list())


class EvaluationViewSet(viewsets.GenericViewSet):
    """``POST``: evaluate a change on the stored observations; nothing is stored."""

    serializer_class = EvaluationInputSerializer
    permission_classes = [CanReadObservations]

    @extend_schema(
        tags=TAGS,
        operation_id="measurements_evaluations_create",
        summary="Evaluate a change",
        description="Before/after: `change_date` and `work_activities` (empty: every one). "
        "Pilot/comparison: `pilot` and `comparison` over `start`..`end` (start defaults "
        "to the change date). The result has the shape of `uplift measurements "
        "evaluate-stored --json`; with `payback` costs, the months to recover them.",
        request=EvaluationInputSerializer,
        responses={200: EvaluationRunSerializer, **COMPUTE_ERRORS},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = EvaluationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        costs = data.pop("payback", None)
        try:
            run = evaluation_run(**data)
            body = run.as_json()
            if costs:
                body["payback"] = evaluation_payback(run=run, **costs).as_json()
        except MeasurementError as error:
            if costs and error.field in PaybackInputSerializer().fields:
                error.field = f"payback.{error.field}"
            raise _refused(error) from None
        return Response(body)


ROUTES = [
    ("measurements/measures", MeasureViewSet, "measurement-measure"),
    ("measurements/objectives", ObjectiveViewSet, "measurement-objective"),
    ("measurements/observations", ObservationViewSet, "measurement-observation"),
    ("measurements/baselines", BaselineViewSet, "measurement-baseline"),
    ("measurements/evaluations", EvaluationViewSet, "measurement-evaluation"),
]
