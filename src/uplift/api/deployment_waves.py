"""Waves and their gates over HTTP (``services.waves``).

- ``/api/deployments/waves/``: list (filters ``plan`` (id), ``state``, ``kind``, ``q``
  (name); ``ordering``),
  create ``{"plan", "name", "kind", "planned_start", "planned_end", "number"}``;
- ``/api/deployments/waves/{id}/``: retrieve (criteria, the latest gate evaluation);
  ``PATCH`` with the required ``version`` (a stale one is a 409); ``DELETE`` (a wave
  not started);
- ``POST /api/deployments/waves/{id}/criteria/``: add a gate criterion;
  ``POST /api/deployments/waves/{id}/assign/`` ``{"targets": [ids]}``;
- ``POST …/evaluate/``: evaluate the gate now (kept); ``GET …/evaluations/``: every
  evaluation, newest first;
- ``POST …/override/`` ``{"reason"}``: let the wave start though its gate has not passed;
- ``POST …/start/`` and ``POST …/finish/`` ``{"on": date}``;
- ``/api/deployments/gate-criteria/{id}/``: retrieve, ``DELETE``;
  ``POST …/manual/`` ``{"met": true}`` for a criterion checked by a person.

Permissions (``apps/deployments/permissions.py``): reads need ``plan_can_see``; every
write needs ``plan_can_edit`` of the wave's plan, except the override, which needs
``gate_can_override``, and evaluating a gate, which either allows. The services check
again: a refusal is a 403 and nothing is written; a rule refused (a gate not passed,
an earlier wave not started) is a 400 saying why; a stale ``version`` a 409.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Count, Prefetch, Q, QuerySet
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
from uplift.apps.deployments.choices import GateCriterionKind, WaveKind, WaveState
from uplift.apps.deployments.forms.waves import WaveFilterSet
from uplift.apps.deployments.models import (
    DeploymentPlan,
    GateCriterion,
    GateEvaluation,
    Target,
    Wave,
)
from uplift.apps.deployments.services.waves import (
    gate_criterion_add,
    gate_criterion_remove,
    gate_evaluate,
    gate_manual_set,
    gate_override,
    wave_assign,
    wave_create,
    wave_delete,
    wave_finish,
    wave_start,
    wave_update,
)
from uplift.apps.measurements.selectors import measure_list

__all__ = [
    "DeploymentWaveViewSet",
    "GateCriterionViewSet",
    "WaveApiFilterSet",
    "register",
]

TAGS = ["deployments"]
DETAIL_ERRORS = detail_errors("No such wave (or gate criterion).")
WRITE_ERRORS = {
    400: OpenApiResponse(
        ErrorSerializer,
        description="Invalid input or a rule refused; `errors` says why.",
    ),
    403: OpenApiResponse(
        ErrorSerializer,
        description="Not signed in, or not allowed to make this change.",
    ),
}
DETAIL_WRITE_ERRORS = {**WRITE_ERRORS, 404: DETAIL_ERRORS[404]}
CONFLICT = {
    409: OpenApiResponse(
        ErrorSerializer,
        description="Someone saved the wave after the `version` sent; nothing was saved.",
    )
}


def _editable(user: Any, wave: Wave, doing: str) -> None:
    require(
        rules.plan_can_edit(user, wave.plan),
        f"You may not {doing} of {wave.plan.reference}.",
    )


# Filters ---------------------------------------------------------------------------------------


class WaveApiFilterSet(WaveFilterSet):
    """The waves page's FilterSet (state, kind, name), plus the plan (id): the API
    lists the waves of every plan."""

    plan = django_filters.ModelChoiceFilter(queryset=DeploymentPlan.objects.all(), label="Plan")

    class Meta(WaveFilterSet.Meta):
        fields = [*WaveFilterSet.Meta.fields, "plan"]


# Serializers ------------------------------------------------------------------------------------


class DeploymentGateCriterionSerializer(serializers.ModelSerializer):
    """One criterion of a wave's entry gate."""

    kind = inline_enum(GateCriterionKind.values, read_only=True)
    measure: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    manual_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = GateCriterion
        fields = [
            "id",
            "wave",
            "kind",
            "description",
            "measure",
            "threshold",
            "confidence",
            "manual_met",
            "manual_by",
            "manual_at",
            "position",
        ]
        read_only_fields = fields


class DeploymentCriterionResultSerializer(serializers.Serializer):
    """One criterion's result in a gate evaluation."""

    criterion = serializers.IntegerField(allow_null=True, help_text="The criterion's id.")
    kind = inline_enum(GateCriterionKind.values)
    description = serializers.CharField(allow_blank=True)
    passed = serializers.BooleanField()
    detail = serializers.CharField(allow_blank=True)
    figures = serializers.DictField(help_text="The numbers behind the result.")


class DeploymentGateEvaluationSerializer(serializers.ModelSerializer):
    """One evaluation of a wave's gate (kept, never overwritten)."""

    evaluated_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    results = DeploymentCriterionResultSerializer(many=True, read_only=True)

    class Meta:
        model = GateEvaluation
        fields = ["id", "wave", "evaluated_at", "evaluated_by", "passed", "results"]
        read_only_fields = fields


class DeploymentWaveSerializer(serializers.ModelSerializer):
    """A wave: dates planned and actual, state, its gate (criteria, latest evaluation,
    override) and how many targets it holds."""

    plan_reference = serializers.SerializerMethodField()
    kind = inline_enum(WaveKind.values, read_only=True)
    state = inline_enum(WaveState.values, read_only=True)
    override_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    criteria = DeploymentGateCriterionSerializer(many=True, read_only=True)
    latest_evaluation = serializers.SerializerMethodField()
    target_count = serializers.SerializerMethodField()

    class Meta:
        model = Wave
        fields = [
            "id",
            "plan",
            "plan_reference",
            "number",
            "name",
            "kind",
            "state",
            "planned_start",
            "planned_end",
            "actual_start",
            "actual_end",
            "override_by",
            "override_at",
            "override_reason",
            "criteria",
            "latest_evaluation",
            "target_count",
            "version",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_plan_reference(self, wave: Wave) -> str:
        return f"DEP-{wave.plan_id}"

    @extend_schema_field(DeploymentGateEvaluationSerializer(allow_null=True))
    def get_latest_evaluation(self, wave: Wave) -> dict[str, Any] | None:
        evaluations = list(wave.evaluations.all())  # prefetched, newest first
        if not evaluations:
            return None
        return dict(DeploymentGateEvaluationSerializer(evaluations[0]).data)

    @extend_schema_field(OpenApiTypes.INT)
    def get_target_count(self, wave: Wave) -> int:
        count = getattr(wave, "target_count", None)
        if count is None:
            count = wave.targets.filter(excluded=False).count()
        return int(count)


class DeploymentWaveCreateSerializer(serializers.Serializer):
    """A new wave of a plan."""

    plan = serializers.PrimaryKeyRelatedField(
        queryset=DeploymentPlan.objects.all(), help_text="The plan's id."
    )
    name = serializers.CharField(max_length=100)
    kind = inline_enum(WaveKind.values, required=False, default=WaveKind.WAVE.value)
    planned_start = serializers.DateField()
    planned_end = serializers.DateField()
    number = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="Default: after the last wave.",
    )


class DeploymentWavePatchSerializer(serializers.Serializer):
    """A change to a wave: the ``version`` it started from and the fields to change."""

    version = serializers.IntegerField(
        min_value=1,
        help_text="The version the edit started from; a stale one is a 409.",
    )
    name = serializers.CharField(max_length=100, required=False)
    kind = inline_enum(WaveKind.values, required=False)
    planned_start = serializers.DateField(required=False)
    planned_end = serializers.DateField(required=False)
    number = serializers.IntegerField(required=False, min_value=1)


class DeploymentCriterionInputSerializer(serializers.Serializer):
    """A new gate criterion (see the kinds: a measure needs ``measure``, ``threshold``
    and ``confidence``; training and deployed share a ``threshold``)."""

    kind = inline_enum(GateCriterionKind.values)
    description = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=300
    )
    measure = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=measure_list(),
        required=False,
        allow_null=True,
        help_text="The measure's slug (measure_improved).",
    )
    threshold = serializers.FloatField(required=False, allow_null=True, help_text="A percentage.")
    confidence = serializers.FloatField(
        required=False, allow_null=True, help_text="e.g. 0.90 (measure_improved)."
    )


class DeploymentWaveAssignSerializer(serializers.Serializer):
    targets = serializers.PrimaryKeyRelatedField(
        queryset=Target.objects.all(),
        many=True,
        allow_empty=False,
        help_text="Ids of targets of the wave's plan.",
    )


class DeploymentWaveAssignResultSerializer(serializers.Serializer):
    assigned = serializers.IntegerField(help_text="How many targets were put in the wave.")


class DeploymentWaveReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(
        help_text="Why the wave may start though its gate has not passed."
    )


class DeploymentWaveDateSerializer(serializers.Serializer):
    on = serializers.DateField(required=False, allow_null=True, help_text="Default: today.")


class DeploymentWaveStartSerializer(serializers.Serializer):
    """The wave started, and what else happened (or was left) on the way."""

    wave = DeploymentWaveSerializer()
    messages = serializers.ListField(child=serializers.CharField())


class DeploymentManualSerializer(serializers.Serializer):
    met = serializers.BooleanField(help_text="Whether the criterion is met.")


# Permissions -----------------------------------------------------------------------------------


class WavePermissions(permissions.BasePermission):
    """Signed in and ``plan_can_see``; each write checks its own rule (and the service)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return rules.plan_can_see(request.user)


# Views -----------------------------------------------------------------------------------------


def _waves() -> QuerySet[Wave]:
    return (
        Wave.objects.select_related("plan", "override_by")
        .prefetch_related(
            Prefetch(
                "criteria",
                queryset=GateCriterion.objects.select_related("measure", "manual_by").order_by(
                    "position", "pk"
                ),
            ),
            Prefetch(
                "evaluations",
                queryset=GateEvaluation.objects.select_related("evaluated_by").order_by(
                    "-evaluated_at", "-pk"
                ),
            ),
        )
        .annotate(target_count=Count("targets", filter=Q(targets__excluded=False)))
        .order_by("plan", "number")
    )


@extend_schema_view(
    list=extend_schema(
        tags=TAGS,
        summary="List waves",
        responses={200: DeploymentWaveSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        tags=TAGS,
        summary="A wave",
        responses={200: DeploymentWaveSerializer, **DETAIL_ERRORS},
    ),
)
class DeploymentWaveViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ReadOnlyViewSet,
):
    """Waves of every plan and their gates; writes through ``services.waves``."""

    serializer_class = DeploymentWaveSerializer
    filterset_class = WaveApiFilterSet
    ordering_fields = ["number", "planned_start", "planned_end", "state", "id"]
    lookup_value_regex = r"\d+"
    permission_classes = [WavePermissions]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Wave]:
        return _waves()

    def _fresh(self, wave: Wave, code: int = status.HTTP_200_OK) -> Response:
        return Response(DeploymentWaveSerializer(_waves().get(pk=wave.pk)).data, status=code)

    @extend_schema(
        tags=TAGS,
        summary="Add a wave to a plan",
        description="Numbered after the last wave unless `number` is given; "
        "`planned_start` on or before `planned_end`. A content change of the plan.",
        request=DeploymentWaveCreateSerializer,
        responses={201: DeploymentWaveSerializer, **WRITE_ERRORS},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = DeploymentWaveCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        plan = values.pop("plan")
        require(
            rules.plan_can_edit(request.user, plan),
            f"You may not add waves to {plan.reference}.",
        )
        wave = wave_create(plan=plan, actor=request.user, **values)
        return self._fresh(wave, status.HTTP_201_CREATED)

    @extend_schema(
        tags=TAGS,
        summary="Change a wave",
        description="`version` is required: the version the edit started from (a stale one "
        "is a 409 and nothing is saved). A content change of the plan.",
        request=DeploymentWavePatchSerializer,
        responses={200: DeploymentWaveSerializer, **DETAIL_WRITE_ERRORS, **CONFLICT},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        wave = self.get_object()
        _editable(request.user, wave, "change the waves")
        serializer = DeploymentWavePatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        version = values.pop("version")
        wave_update(wave=wave, actor=request.user, expected_version=version, **values)
        return self._fresh(wave)

    @extend_schema(
        tags=TAGS,
        summary="Delete a wave",
        description="Only a wave that has not started; its targets are left without a wave.",
        responses={204: None, **DETAIL_WRITE_ERRORS},
    )
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        wave = self.get_object()
        _editable(request.user, wave, "delete the waves")
        wave_delete(wave=wave, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        tags=TAGS,
        operation_id="deployments_waves_criteria_create",
        summary="Add a criterion to a wave's gate",
        request=DeploymentCriterionInputSerializer,
        responses={201: DeploymentGateCriterionSerializer, **DETAIL_WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def criteria(self, request: Request, pk: Any = None) -> Response:
        wave = self.get_object()
        _editable(request.user, wave, "change the gates")
        serializer = DeploymentCriterionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        criterion = gate_criterion_add(wave=wave, actor=request.user, **serializer.validated_data)
        fresh = GateCriterion.objects.select_related("measure", "manual_by").get(pk=criterion.pk)
        return Response(
            DeploymentGateCriterionSerializer(fresh).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        tags=TAGS,
        operation_id="deployments_waves_assign",
        summary="Put targets in a wave",
        description="A target belongs to at most one wave of its plan: it leaves its "
        "former wave. A content change of the plan.",
        request=DeploymentWaveAssignSerializer,
        responses={200: DeploymentWaveAssignResultSerializer, **DETAIL_WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def assign(self, request: Request, pk: Any = None) -> Response:
        wave = self.get_object()
        _editable(request.user, wave, "change the waves")
        serializer = DeploymentWaveAssignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        targets = serializer.validated_data["targets"]
        return Response({"assigned": wave_assign(wave=wave, actor=request.user, targets=targets)})

    @extend_schema(
        tags=TAGS,
        operation_id="deployments_waves_evaluate",
        summary="Evaluate a wave's gate now",
        description="Each criterion from the measurements and the targets' statuses; the "
        "evaluation is kept. A gate with no criteria passes.",
        request=None,
        responses={201: DeploymentGateEvaluationSerializer, **DETAIL_WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def evaluate(self, request: Request, pk: Any = None) -> Response:
        wave = self.get_object()
        user = request.user
        require(
            rules.plan_can_edit(user, wave.plan) or rules.gate_can_override(user),
            f"You may not evaluate the gates of {wave.plan.reference}.",
        )
        evaluation = gate_evaluate(wave=wave, actor=request.user)
        fresh = GateEvaluation.objects.select_related("evaluated_by").get(pk=evaluation.pk)
        return Response(
            DeploymentGateEvaluationSerializer(fresh).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        tags=TAGS,
        operation_id="deployments_waves_evaluations_list",
        summary="Every evaluation of a wave's gate",
        description="Newest first.",
        responses={200: DeploymentGateEvaluationSerializer(many=True), **DETAIL_ERRORS},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def evaluations(self, request: Request, pk: Any = None) -> Response:
        wave = self.get_object()
        rows = wave.evaluations.select_related("evaluated_by").order_by("-evaluated_at", "-pk")
        return Response(DeploymentGateEvaluationSerializer(rows, many=True).data)

    @extend_schema(
        tags=TAGS,
        operation_id="deployments_waves_override",
        summary="Override a wave's gate",
        description="Needs the override permission (sponsor, steering committee) and a "
        "reason; the wave may then start though its gate has not passed.",
        request=DeploymentWaveReasonSerializer,
        responses={200: DeploymentWaveSerializer, **DETAIL_WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def override(self, request: Request, pk: Any = None) -> Response:
        wave = self.get_object()
        require(
            rules.gate_can_override(request.user),
            "You may not override a gate: that needs the sponsor's or the steering "
            "committee's authority.",
        )
        serializer = DeploymentWaveReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        gate_override(wave=wave, actor=request.user, reason=serializer.validated_data["reason"])
        return self._fresh(wave)

    @extend_schema(
        tags=TAGS,
        operation_id="deployments_waves_start",
        summary="Start a wave",
        description="Only when the plan's current revision is agreed, the previous wave has "
        "started, every proposal is selected for deployment or later, and the gate passes "
        "now (a fresh evaluation) or was overridden. Wave 1 moves the plan to deploying and "
        "the proposals to deploying where the user may; `messages` says what was done or "
        "left.",
        request=DeploymentWaveDateSerializer,
        responses={200: DeploymentWaveStartSerializer, **DETAIL_WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def start(self, request: Request, pk: Any = None) -> Response:
        wave = self.get_object()
        _editable(request.user, wave, "start the waves")
        serializer = DeploymentWaveDateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        started = wave_start(wave=wave, actor=request.user, on=serializer.validated_data.get("on"))
        fresh = _waves().get(pk=wave.pk)
        return Response(
            {
                "wave": DeploymentWaveSerializer(fresh).data,
                "messages": [str(message) for message in started.messages],
            }
        )

    @extend_schema(
        tags=TAGS,
        operation_id="deployments_waves_finish",
        summary="Finish a wave",
        description="When each of its targets not excluded is deployed, confirmed, opted "
        "out or rolled back; otherwise a 400 naming those that are not.",
        request=DeploymentWaveDateSerializer,
        responses={200: DeploymentWaveSerializer, **DETAIL_WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def finish(self, request: Request, pk: Any = None) -> Response:
        wave = self.get_object()
        _editable(request.user, wave, "finish the waves")
        serializer = DeploymentWaveDateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        wave_finish(wave=wave, actor=request.user, on=serializer.validated_data.get("on"))
        return self._fresh(wave)


@extend_schema_view(
    retrieve=extend_schema(
        tags=TAGS,
        summary="A gate criterion",
        responses={200: DeploymentGateCriterionSerializer, **DETAIL_ERRORS},
    ),
)
class GateCriterionViewSet(
    mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Gate criteria: read one, remove one, or say whether a manual one is met."""

    serializer_class = DeploymentGateCriterionSerializer
    lookup_value_regex = r"\d+"
    permission_classes = [WavePermissions]
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[GateCriterion]:
        return GateCriterion.objects.select_related("wave__plan", "measure", "manual_by")

    @extend_schema(
        tags=TAGS,
        summary="Remove a criterion from a wave's gate",
        description="A content change of the plan.",
        responses={204: None, **DETAIL_WRITE_ERRORS},
    )
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        criterion = self.get_object()
        _editable(request.user, criterion.wave, "change the gates")
        gate_criterion_remove(criterion=criterion, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        tags=TAGS,
        operation_id="deployments_gate_criteria_manual",
        summary="Say whether a criterion checked by a person is met",
        description="Only for `manual` criteria; who and when are kept.",
        request=DeploymentManualSerializer,
        responses={200: DeploymentGateCriterionSerializer, **DETAIL_WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def manual(self, request: Request, pk: Any = None) -> Response:
        criterion = self.get_object()
        _editable(request.user, criterion.wave, "check the gates")
        serializer = DeploymentManualSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        gate_manual_set(criterion=criterion, actor=request.user, **serializer.validated_data)
        return Response(
            DeploymentGateCriterionSerializer(self.get_queryset().get(pk=criterion.pk)).data
        )


def register(router: DefaultRouter) -> None:
    """Register this module's viewsets on the API's router (the specific prefixes first)."""
    router.register(
        "deployments/gate-criteria",
        GateCriterionViewSet,
        basename="deployment-gate-criterion",
    )
    router.register("deployments/waves", DeploymentWaveViewSet, basename="deployment-wave")
