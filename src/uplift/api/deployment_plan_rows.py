"""The rows of a deployment plan over HTTP, mixed into ``DeploymentPlanViewSet``.

Each kind of row has ``GET``/``POST`` on ``/api/deployments/plans/{id}/<rows>/`` and
``DELETE`` (some also ``PATCH``) on ``…/{id}/<rows>/{row_id}/``:

- ``stakeholders``: by sign-in name;
- ``measures``: by measure slug and objective id (``PATCH``);
- ``barriers`` and their strategies (``PATCH``);
- ``adjustments`` per target segment;
- ``risks`` the improvement mitigates (``PATCH``).

A create answers the row (201), a change the row, a removal 204; a row of another
plan is a 404. Reading needs ``plan_can_see``; every write ``plan_can_edit`` (the
services of ``services.plans`` check again), and each write is a content change (a
new revision once the current one was sent for sign-off). ``PlanRowsMixin`` expects
the viewset's ``_plan`` (the visible plan of the URL, else 404) and ``_editable``
(that plan, once ``plan_can_edit`` allows the change, else 403).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from uplift.api.errors import ErrorSerializer, detail_errors
from uplift.api.helpers import active_users, user_name
from uplift.api.measurement_shapes import inline_enum
from uplift.apps.deployments.choices import RiskType, StakeholderKind
from uplift.apps.deployments.models import (
    Adjustment,
    BarrierStrategy,
    DeploymentPlan,
    MitigatedRisk,
    PlanMeasure,
    Stakeholder,
)
from uplift.apps.deployments.services.plans import (
    adjustment_add,
    adjustment_remove,
    barrier_add,
    barrier_remove,
    barrier_update,
    measure_add,
    measure_remove,
    measure_update,
    risk_add,
    risk_remove,
    risk_update,
    stakeholder_add,
    stakeholder_remove,
)
from uplift.apps.measurements.models import Measure, Objective

__all__ = ["PlanRowsMixin"]

TAGS = ["deployments"]
DETAIL_ERRORS = detail_errors("No such deployment plan (or sign-off of it).")
WRITE_ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input; `errors` names the field."),
    403: OpenApiResponse(
        ErrorSerializer,
        description="Not signed in, or not allowed to make this change.",
    ),
    404: DETAIL_ERRORS[404],
}
ROW_ERRORS = {
    **WRITE_ERRORS,
    404: OpenApiResponse(ErrorSerializer, description="No such deployment plan, or row of it."),
}
ROW_ID = OpenApiParameter("row_id", int, OpenApiParameter.PATH, description="The row's id.")
CONTENT_CHANGE = (
    "A content change: once the current revision was sent for sign-off it makes a new "
    "revision and asks the same stakeholders again."
)
RowT = TypeVar("RowT", bound=Model)


# Shapes ----------------------------------------------------------------------------------------


class DeploymentStakeholderSerializer(serializers.ModelSerializer):
    """A relevant stakeholder of the plan: required ones are asked to agree."""

    user: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text="Sign-in name."
    )
    name = serializers.SerializerMethodField()
    kind = inline_enum(StakeholderKind.values, read_only=True)

    class Meta:
        model = Stakeholder
        fields = ["id", "user", "name", "kind", "required", "note"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_name(self, stakeholder: Stakeholder) -> str:
        return user_name(stakeholder.user)


class DeploymentStakeholderInputSerializer(serializers.Serializer):
    """A stakeholder to name: who, which kind, and whether their agreement is needed."""

    user = serializers.SlugRelatedField(
        slug_field="username", queryset=active_users(), help_text="Sign-in name."
    )
    kind = inline_enum(StakeholderKind.values)
    required = serializers.BooleanField(  # type: ignore[assignment]
        required=False,
        default=True,
        help_text="Asked to agree (needs the sign-off permission); false: kept informed.",
    )
    note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Whom they speak for."
    )


class DeploymentPlanMeasureSerializer(serializers.ModelSerializer):
    """A measure that judges the improvement's value: baseline, target, due, worth."""

    measure: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text="The measure's slug."
    )
    measure_name = serializers.CharField(source="measure.name", read_only=True)
    objective: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The objective's id, if any."
    )

    class Meta:
        model = PlanMeasure
        fields = [
            "id",
            "measure",
            "measure_name",
            "objective",
            "baseline_value",
            "baseline_at",
            "target_value",
            "due",
            "value_per_unit",
            "position",
        ]
        read_only_fields = fields


class _PlanMeasureFieldsSerializer(serializers.Serializer):
    objective = serializers.PrimaryKeyRelatedField(
        queryset=Objective.objects.all(),
        required=False,
        allow_null=True,
        help_text="The objective's id (the QPPO the improvement serves).",
    )
    target_value = serializers.FloatField(required=False, allow_null=True)
    due = serializers.DateField(required=False, allow_null=True)
    value_per_unit = serializers.FloatField(
        required=False,
        allow_null=True,
        help_text="What one unit of improvement is worth a month (payback).",
    )


class DeploymentPlanMeasureInputSerializer(_PlanMeasureFieldsSerializer):
    """A measure to judge the plan by; its baseline is taken now."""

    measure = serializers.SlugRelatedField(
        slug_field="slug", queryset=Measure.objects.all(), help_text="The measure's slug."
    )


class DeploymentPlanMeasurePatchSerializer(_PlanMeasureFieldsSerializer):
    """The fields of a plan measure to change; ``rebaseline`` takes the baseline again."""

    rebaseline = serializers.BooleanField(
        required=False, help_text="True: take the baseline again now."
    )


class DeploymentBarrierSerializer(serializers.ModelSerializer):
    """A barrier to deployment and the strategy that addresses it."""

    class Meta:
        model = BarrierStrategy
        fields = ["id", "barrier", "strategy", "position"]
        read_only_fields = fields


class DeploymentBarrierInputSerializer(serializers.Serializer):
    """A barrier and its strategy."""

    barrier = serializers.CharField(help_text="Required.")
    strategy = serializers.CharField(required=False, allow_blank=True, default="")


class DeploymentBarrierPatchSerializer(serializers.Serializer):
    """The barrier's text or strategy to change."""

    barrier = serializers.CharField(required=False)
    strategy = serializers.CharField(required=False, allow_blank=True)


class DeploymentAdjustmentSerializer(serializers.ModelSerializer):
    """How the improvement is adjusted for one target segment."""

    segment = serializers.JSONField(
        read_only=True, help_text="The segment with the target rule's keys ({}: not described)."
    )

    class Meta:
        model = Adjustment
        fields = ["id", "segment_label", "segment", "description", "position"]
        read_only_fields = fields


class DeploymentAdjustmentInputSerializer(serializers.Serializer):
    """A segment's adjustment."""

    segment_label = serializers.CharField(help_text='e.g. "COTS integration projects".')
    description = serializers.CharField(help_text="What changes for the segment.")
    segment = serializers.JSONField(
        required=False,
        allow_null=True,
        help_text="Optional: the segment as a JSON object with the target rule's keys.",
    )


class DeploymentRiskSerializer(serializers.ModelSerializer):
    """A work or organizational risk the improvement mitigates."""

    risk_type = inline_enum(RiskType.values, read_only=True)

    class Meta:
        model = MitigatedRisk
        fields = ["id", "risk_type", "description", "mitigated", "position"]
        read_only_fields = fields


class DeploymentRiskInputSerializer(serializers.Serializer):
    """A risk the improvement mitigates."""

    risk_type = inline_enum(RiskType.values)
    description = serializers.CharField()


class DeploymentRiskPatchSerializer(serializers.Serializer):
    """The risk's type or description to change."""

    risk_type = inline_enum(RiskType.values, required=False)
    description = serializers.CharField(required=False)


# Views -----------------------------------------------------------------------------------------


class PlanRowsMixin:
    """The nested row endpoints of ``DeploymentPlanViewSet``; writes through ``services.plans``."""

    if TYPE_CHECKING:
        # Provided by the viewset.
        def _plan(self, pk: Any) -> DeploymentPlan: ...

        def _editable(self, pk: Any, doing: str) -> DeploymentPlan: ...

    # Reading needs ``plan_can_see``; every write ``plan_can_edit`` (the services check
    # again). Each write is a content change: once the current revision was sent for
    # sign-off it makes a new revision and asks the same stakeholders again.

    def _row(self, rows: QuerySet[RowT], plan: DeploymentPlan, row_id: Any, what: str) -> RowT:
        """The row ``row_id`` of ``plan`` (404 for a row of another plan)."""
        row = rows.filter(pk=row_id, plan=plan).first()
        if row is None:
            raise Http404(f"No such {what} of this deployment plan.")
        return row

    @extend_schema(
        methods=["GET"],
        tags=TAGS,
        operation_id="deployments_plans_stakeholders_list",
        summary="Stakeholders of a plan",
        responses={200: DeploymentStakeholderSerializer(many=True), **DETAIL_ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        tags=TAGS,
        operation_id="deployments_plans_stakeholders_create",
        summary="Name a stakeholder of a plan",
        description="By sign-in name. A required stakeholder must hold the sign-off "
        "permission (a practitioner may only be kept informed: `required` false); a person "
        "is a stakeholder once. " + CONTENT_CHANGE,
        request=DeploymentStakeholderInputSerializer,
        responses={201: DeploymentStakeholderSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=None)
    def stakeholders(self, request: Request, pk: Any = None) -> Response:
        if request.method == "GET":
            rows = self._plan(pk).stakeholders.select_related("user")
            return Response(DeploymentStakeholderSerializer(rows, many=True).data)
        plan = self._editable(pk, "change the stakeholders of this deployment plan")
        serializer = DeploymentStakeholderInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row = stakeholder_add(plan=plan, actor=request.user, **serializer.validated_data)
        return Response(DeploymentStakeholderSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=TAGS,
        operation_id="deployments_plans_stakeholders_destroy",
        summary="Take a stakeholder off a plan",
        description="Their past sign-offs stay. " + CONTENT_CHANGE,
        parameters=[ROW_ID],
        request=None,
        responses={204: None, **ROW_ERRORS},
    )
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"stakeholders/(?P<row_id>\d+)",
        filter_backends=[],
        pagination_class=None,
    )
    def stakeholder_row(self, request: Request, pk: Any = None, row_id: Any = None) -> Response:
        plan = self._editable(pk, "change the stakeholders of this deployment plan")
        rows = Stakeholder.objects.select_related("plan", "user")
        stakeholder_remove(
            stakeholder=self._row(rows, plan, row_id, "stakeholder"), actor=request.user
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        methods=["GET"],
        tags=TAGS,
        operation_id="deployments_plans_measures_list",
        summary="Measures of a plan",
        responses={200: DeploymentPlanMeasureSerializer(many=True), **DETAIL_ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        tags=TAGS,
        operation_id="deployments_plans_measures_create",
        summary="Judge a plan by a measure",
        description="By the measure's slug (once per plan), optionally with the objective's "
        "id, the target, the date it is due and what one unit of improvement is worth a "
        "month. The baseline is taken now (over the plan's targets, or every work activity "
        "while it has none). " + CONTENT_CHANGE,
        request=DeploymentPlanMeasureInputSerializer,
        responses={201: DeploymentPlanMeasureSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=None)
    def measures(self, request: Request, pk: Any = None) -> Response:
        if request.method == "GET":
            rows = self._plan(pk).measures.select_related("measure")
            return Response(DeploymentPlanMeasureSerializer(rows, many=True).data)
        plan = self._editable(pk, "change the measures of this deployment plan")
        serializer = DeploymentPlanMeasureInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row = measure_add(plan=plan, actor=request.user, **serializer.validated_data)
        return Response(DeploymentPlanMeasureSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["PATCH"],
        tags=TAGS,
        operation_id="deployments_plans_measures_partial_update",
        summary="Change a plan measure",
        description="The objective, target, due date or worth; `rebaseline` takes the "
        "baseline again now. " + CONTENT_CHANGE,
        parameters=[ROW_ID],
        request=DeploymentPlanMeasurePatchSerializer,
        responses={200: DeploymentPlanMeasureSerializer, **ROW_ERRORS},
    )
    @extend_schema(
        methods=["DELETE"],
        tags=TAGS,
        operation_id="deployments_plans_measures_destroy",
        summary="Take a measure off a plan",
        description="Refused (400) once results were evaluated for it. " + CONTENT_CHANGE,
        parameters=[ROW_ID],
        request=None,
        responses={204: None, **ROW_ERRORS},
    )
    @action(
        detail=True,
        methods=["patch", "delete"],
        url_path=r"measures/(?P<row_id>\d+)",
        filter_backends=[],
        pagination_class=None,
    )
    def measure_row(self, request: Request, pk: Any = None, row_id: Any = None) -> Response:
        plan = self._editable(pk, "change the measures of this deployment plan")
        rows = PlanMeasure.objects.select_related("plan", "measure")
        row = self._row(rows, plan, row_id, "measure")
        if request.method == "DELETE":
            measure_remove(plan_measure=row, actor=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        serializer = DeploymentPlanMeasurePatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row = measure_update(plan_measure=row, actor=request.user, **serializer.validated_data)
        return Response(DeploymentPlanMeasureSerializer(row).data)

    @extend_schema(
        methods=["GET"],
        tags=TAGS,
        operation_id="deployments_plans_barriers_list",
        summary="Barriers of a plan and their strategies",
        responses={200: DeploymentBarrierSerializer(many=True), **DETAIL_ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        tags=TAGS,
        operation_id="deployments_plans_barriers_create",
        summary="Add a barrier and its strategy",
        description=CONTENT_CHANGE,
        request=DeploymentBarrierInputSerializer,
        responses={201: DeploymentBarrierSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=None)
    def barriers(self, request: Request, pk: Any = None) -> Response:
        if request.method == "GET":
            rows = self._plan(pk).barriers.all()
            return Response(DeploymentBarrierSerializer(rows, many=True).data)
        plan = self._editable(pk, "change the barriers of this deployment plan")
        serializer = DeploymentBarrierInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row = barrier_add(plan=plan, actor=request.user, **serializer.validated_data)
        return Response(DeploymentBarrierSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["PATCH"],
        tags=TAGS,
        operation_id="deployments_plans_barriers_partial_update",
        summary="Change a barrier or its strategy",
        description=CONTENT_CHANGE,
        parameters=[ROW_ID],
        request=DeploymentBarrierPatchSerializer,
        responses={200: DeploymentBarrierSerializer, **ROW_ERRORS},
    )
    @extend_schema(
        methods=["DELETE"],
        tags=TAGS,
        operation_id="deployments_plans_barriers_destroy",
        summary="Take a barrier off a plan",
        description=CONTENT_CHANGE,
        parameters=[ROW_ID],
        request=None,
        responses={204: None, **ROW_ERRORS},
    )
    @action(
        detail=True,
        methods=["patch", "delete"],
        url_path=r"barriers/(?P<row_id>\d+)",
        filter_backends=[],
        pagination_class=None,
    )
    def barrier_row(self, request: Request, pk: Any = None, row_id: Any = None) -> Response:
        plan = self._editable(pk, "change the barriers of this deployment plan")
        row = self._row(BarrierStrategy.objects.select_related("plan"), plan, row_id, "barrier")
        if request.method == "DELETE":
            barrier_remove(barrier=row, actor=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        serializer = DeploymentBarrierPatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        row = barrier_update(
            barrier=row,
            actor=request.user,
            text=data.get("barrier"),
            strategy=data.get("strategy"),
        )
        return Response(DeploymentBarrierSerializer(row).data)

    @extend_schema(
        methods=["GET"],
        tags=TAGS,
        operation_id="deployments_plans_adjustments_list",
        summary="Adjustments of a plan per target segment",
        responses={200: DeploymentAdjustmentSerializer(many=True), **DETAIL_ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        tags=TAGS,
        operation_id="deployments_plans_adjustments_create",
        summary="Say how the improvement is adjusted for a segment",
        description=CONTENT_CHANGE,
        request=DeploymentAdjustmentInputSerializer,
        responses={201: DeploymentAdjustmentSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=None)
    def adjustments(self, request: Request, pk: Any = None) -> Response:
        if request.method == "GET":
            rows = self._plan(pk).adjustments.all()
            return Response(DeploymentAdjustmentSerializer(rows, many=True).data)
        plan = self._editable(pk, "change the adjustments of this deployment plan")
        serializer = DeploymentAdjustmentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row = adjustment_add(plan=plan, actor=request.user, **serializer.validated_data)
        return Response(DeploymentAdjustmentSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=TAGS,
        operation_id="deployments_plans_adjustments_destroy",
        summary="Take a segment's adjustment off a plan",
        description=CONTENT_CHANGE,
        parameters=[ROW_ID],
        request=None,
        responses={204: None, **ROW_ERRORS},
    )
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"adjustments/(?P<row_id>\d+)",
        filter_backends=[],
        pagination_class=None,
    )
    def adjustment_row(self, request: Request, pk: Any = None, row_id: Any = None) -> Response:
        plan = self._editable(pk, "change the adjustments of this deployment plan")
        rows = Adjustment.objects.select_related("plan")
        adjustment_remove(
            adjustment=self._row(rows, plan, row_id, "adjustment"), actor=request.user
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        methods=["GET"],
        tags=TAGS,
        operation_id="deployments_plans_risks_list",
        summary="Risks the improvement mitigates",
        responses={200: DeploymentRiskSerializer(many=True), **DETAIL_ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        tags=TAGS,
        operation_id="deployments_plans_risks_create",
        summary="Name a risk the improvement mitigates",
        description="Whether it was mitigated is recorded with the results. " + CONTENT_CHANGE,
        request=DeploymentRiskInputSerializer,
        responses={201: DeploymentRiskSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=None)
    def risks(self, request: Request, pk: Any = None) -> Response:
        if request.method == "GET":
            rows = self._plan(pk).mitigated_risks.all()
            return Response(DeploymentRiskSerializer(rows, many=True).data)
        plan = self._editable(pk, "change the risks of this deployment plan")
        serializer = DeploymentRiskInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row = risk_add(plan=plan, actor=request.user, **serializer.validated_data)
        return Response(DeploymentRiskSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["PATCH"],
        tags=TAGS,
        operation_id="deployments_plans_risks_partial_update",
        summary="Change a risk's type or description",
        description=CONTENT_CHANGE,
        parameters=[ROW_ID],
        request=DeploymentRiskPatchSerializer,
        responses={200: DeploymentRiskSerializer, **ROW_ERRORS},
    )
    @extend_schema(
        methods=["DELETE"],
        tags=TAGS,
        operation_id="deployments_plans_risks_destroy",
        summary="Take a risk off a plan",
        description=CONTENT_CHANGE,
        parameters=[ROW_ID],
        request=None,
        responses={204: None, **ROW_ERRORS},
    )
    @action(
        detail=True,
        methods=["patch", "delete"],
        url_path=r"risks/(?P<row_id>\d+)",
        filter_backends=[],
        pagination_class=None,
    )
    def risk_row(self, request: Request, pk: Any = None, row_id: Any = None) -> Response:
        plan = self._editable(pk, "change the risks of this deployment plan")
        row = self._row(MitigatedRisk.objects.select_related("plan"), plan, row_id, "risk")
        if request.method == "DELETE":
            risk_remove(risk=row, actor=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        serializer = DeploymentRiskPatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row = risk_update(risk=row, actor=request.user, **serializer.validated_data)
        return Response(DeploymentRiskSerializer(row).data)
