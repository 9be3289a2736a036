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
(that plan, once ``plan_can_edit`` allows the change, else 403). Every kind of row is a
``RowCollection`` (``uplift.api.row_actions``) that builds its two actions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema_field,
)
from rest_framework import serializers

from uplift.api.errors import ErrorSerializer, detail_errors
from uplift.api.helpers import active_users, user_name
from uplift.api.measurement_shapes import inline_enum
from uplift.api.row_actions import RowCollection, RowOp, RowParent
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

PLAN = RowParent(
    lookup="pk",
    operation_prefix="deployments_plans",
    tags=TAGS,
    detail_errors=DETAIL_ERRORS,
    write_errors=WRITE_ERRORS,
    row_errors=ROW_ERRORS,
    row_id=ROW_ID,
    write_note=CONTENT_CHANGE,
)

STAKEHOLDERS = RowCollection[DeploymentPlan, Stakeholder](
    parent=PLAN,
    name="stakeholders",
    row_name="stakeholder_row",
    noun="stakeholder",
    serializer=DeploymentStakeholderSerializer,
    rows=lambda plan: plan.stakeholders.select_related("user"),
    row_queryset=Stakeholder.objects.select_related("plan", "user"),
    refusal="change the stakeholders of this deployment plan",
    list_summary="Stakeholders of a plan",
    add_input=DeploymentStakeholderInputSerializer,
    add=lambda plan, actor, data: stakeholder_add(plan=plan, actor=actor, **data),
    add_summary="Name a stakeholder of a plan",
    add_description="By sign-in name. A required stakeholder must hold the sign-off "
    "permission (a practitioner may only be kept informed: `required` false); a person "
    "is a stakeholder once.",
    remove=lambda row, actor: stakeholder_remove(stakeholder=row, actor=actor),
    remove_summary="Take a stakeholder off a plan",
    remove_description="Their past sign-offs stay.",
)

MEASURES = RowCollection[DeploymentPlan, PlanMeasure](
    parent=PLAN,
    name="measures",
    row_name="measure_row",
    noun="measure",
    serializer=DeploymentPlanMeasureSerializer,
    rows=lambda plan: plan.measures.select_related("measure"),
    row_queryset=PlanMeasure.objects.select_related("plan", "measure"),
    refusal="change the measures of this deployment plan",
    list_summary="Measures of a plan",
    add_input=DeploymentPlanMeasureInputSerializer,
    add=lambda plan, actor, data: measure_add(plan=plan, actor=actor, **data),
    add_summary="Judge a plan by a measure",
    add_description="By the measure's slug (once per plan), optionally with the objective's "
    "id, the target, the date it is due and what one unit of improvement is worth a "
    "month. The baseline is taken now (over the plan's targets, or every work activity "
    "while it has none).",
    update_input=DeploymentPlanMeasurePatchSerializer,
    update=lambda row, actor, data: measure_update(plan_measure=row, actor=actor, **data),
    update_summary="Change a plan measure",
    update_description="The objective, target, due date or worth; `rebaseline` takes the "
    "baseline again now.",
    remove=lambda row, actor: measure_remove(plan_measure=row, actor=actor),
    remove_summary="Take a measure off a plan",
    remove_description="Refused (400) once results were evaluated for it.",
)

BARRIERS = RowCollection[DeploymentPlan, BarrierStrategy](
    parent=PLAN,
    name="barriers",
    row_name="barrier_row",
    noun="barrier",
    serializer=DeploymentBarrierSerializer,
    rows=lambda plan: plan.barriers.all(),
    row_queryset=BarrierStrategy.objects.select_related("plan"),
    refusal="change the barriers of this deployment plan",
    list_summary="Barriers of a plan and their strategies",
    add_input=DeploymentBarrierInputSerializer,
    add=lambda plan, actor, data: barrier_add(plan=plan, actor=actor, **data),
    add_summary="Add a barrier and its strategy",
    update_input=DeploymentBarrierPatchSerializer,
    update=lambda row, actor, data: barrier_update(
        barrier=row, actor=actor, text=data.get("barrier"), strategy=data.get("strategy")
    ),
    update_summary="Change a barrier or its strategy",
    remove=lambda row, actor: barrier_remove(barrier=row, actor=actor),
    remove_summary="Take a barrier off a plan",
)

ADJUSTMENTS = RowCollection[DeploymentPlan, Adjustment](
    parent=PLAN,
    name="adjustments",
    row_name="adjustment_row",
    noun="adjustment",
    serializer=DeploymentAdjustmentSerializer,
    rows=lambda plan: plan.adjustments.all(),
    row_queryset=Adjustment.objects.select_related("plan"),
    refusal="change the adjustments of this deployment plan",
    list_summary="Adjustments of a plan per target segment",
    add_input=DeploymentAdjustmentInputSerializer,
    add=lambda plan, actor, data: adjustment_add(plan=plan, actor=actor, **data),
    add_summary="Say how the improvement is adjusted for a segment",
    remove=lambda row, actor: adjustment_remove(adjustment=row, actor=actor),
    remove_summary="Take a segment's adjustment off a plan",
)

RISKS = RowCollection[DeploymentPlan, MitigatedRisk](
    parent=PLAN,
    name="risks",
    row_name="risk_row",
    noun="risk",
    serializer=DeploymentRiskSerializer,
    rows=lambda plan: plan.mitigated_risks.all(),
    row_queryset=MitigatedRisk.objects.select_related("plan"),
    refusal="change the risks of this deployment plan",
    list_summary="Risks the improvement mitigates",
    add_input=DeploymentRiskInputSerializer,
    add=lambda plan, actor, data: risk_add(plan=plan, actor=actor, **data),
    add_summary="Name a risk the improvement mitigates",
    add_description="Whether it was mitigated is recorded with the results.",
    update_input=DeploymentRiskPatchSerializer,
    update=lambda row, actor, data: risk_update(risk=row, actor=actor, **data),
    update_summary="Change a risk's type or description",
    remove=lambda row, actor: risk_remove(risk=row, actor=actor),
    remove_summary="Take a risk off a plan",
)


class PlanRowsMixin:
    """The nested row endpoints of ``DeploymentPlanViewSet``; writes through ``services.plans``.

    Reading needs ``plan_can_see``; every write ``plan_can_edit`` (the services check
    again). Each write is a content change: once the current revision was sent for
    sign-off it makes a new revision and asks the same stakeholders again.
    """

    if TYPE_CHECKING:
        # Provided by the viewset.
        def _plan(self, pk: Any) -> DeploymentPlan: ...

        def _editable(self, pk: Any, doing: str) -> DeploymentPlan: ...

    def _row_parent(self, pk: Any) -> DeploymentPlan:
        return self._plan(pk)

    def _row_parent_editable(
        self, pk: Any, rows: RowCollection[DeploymentPlan, Any], op: RowOp
    ) -> DeploymentPlan:
        return self._editable(pk, rows.refusal_for(op))

    def _row(self, rows: QuerySet[RowT], plan: DeploymentPlan, row_id: Any, what: str) -> RowT:
        """The row ``row_id`` of ``plan`` (404 for a row of another plan)."""
        row = rows.filter(pk=row_id, plan=plan).first()
        if row is None:
            raise Http404(f"No such {what} of this deployment plan.")
        return row

    stakeholders = STAKEHOLDERS.list_action()
    stakeholder_row = STAKEHOLDERS.row_action()
    measures = MEASURES.list_action()
    measure_row = MEASURES.row_action()
    barriers = BARRIERS.list_action()
    barrier_row = BARRIERS.row_action()
    adjustments = ADJUSTMENTS.list_action()
    adjustment_row = ADJUSTMENTS.row_action()
    risks = RISKS.list_action()
    risk_row = RISKS.row_action()
