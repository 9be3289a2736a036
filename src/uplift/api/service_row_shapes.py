"""The shapes of a service's rows over HTTP (serializers, shared error responses and
door checks) for ``uplift.api.service_rows`` and ``uplift.api.services``."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from django.db.models import Model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema_field,
)
from rest_framework import serializers

from uplift.api.errors import ErrorSerializer, detail_errors
from uplift.api.measurement_shapes import inline_enum
from uplift.api.parsers import FileUploadSerializer
from uplift.apps.measurements.models import Measure
from uplift.apps.service_portfolio.choices import (
    ComplianceResult,
    SloKind,
    SloPeriod,
    SloStatistic,
    TestResult,
)
from uplift.apps.service_portfolio.models import (
    ComplianceCheck,
    ContinuityPlan,
    Policy,
    Service,
    ServiceChange,
    ServiceLevelObjective,
    ServicePeriod,
)
from uplift.apps.service_portfolio.selectors_continuity import (
    continuity_status,
)
from uplift.domain.service_outcomes import (
    ContinuityState,
    ContinuityStatus,
)

TAGS = ["services"]
DETAIL_ERRORS = detail_errors("No such service.")
DENIED = OpenApiResponse(
    ErrorSerializer, description="Not signed in, or not allowed to make this change."
)
INVALID = OpenApiResponse(ErrorSerializer, description="Invalid input; `errors` names the field.")
WRITE_ERRORS = {400: INVALID, 403: DENIED, 404: DETAIL_ERRORS[404]}
ROW_ERRORS = {
    **WRITE_ERRORS,
    404: OpenApiResponse(ErrorSerializer, description="No such service, or row of it."),
}
CONFLICT = {
    409: OpenApiResponse(
        ErrorSerializer,
        description="Someone saved it after the `version` sent; nothing was saved.",
    )
}
ROW_ID = OpenApiParameter("row_id", int, OpenApiParameter.PATH, description="The row's id.")
RowT = TypeVar("RowT", bound=Model)


@extend_schema_field(
    {"type": "string", "example": "2026-03", "description": "YYYY-MM, or a date in the month."}
)
class MonthField(serializers.DateField):
    """A month: ``YYYY-MM`` or any date in it (the service keeps the first of the month)."""

    default_error_messages = {"invalid": "Enter a month as YYYY-MM, or a date as YYYY-MM-DD."}

    def to_internal_value(self, value: Any) -> dt.date:
        if isinstance(value, str) and len(value.strip()) == len("YYYY-MM"):
            value = f"{value.strip()}-01"
        return super().to_internal_value(value)


# Shapes ----------------------------------------------------------------------------------------


class ContinuityStatusSerializer(serializers.Serializer):
    """``ContinuityStatus.as_json()``: a plan's testing on the day."""

    state = inline_enum([state.value for state in ContinuityState])
    last_test = serializers.DateField(allow_null=True)
    next_due = serializers.DateField(allow_null=True)
    days_overdue = serializers.IntegerField(allow_null=True)
    days_until_due = serializers.IntegerField(allow_null=True)
    detail = serializers.CharField()


class PeriodAttainmentSerializer(serializers.Serializer):
    """``PeriodAttainment.as_json()``: an objective in one period (met, missed or no data)."""

    period = serializers.CharField(help_text='"2026-03" for a month, "2026-Q1" for a quarter.')
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    status = inline_enum(["met", "missed", "no_data"])
    n = serializers.IntegerField(help_text="Observations in the period.")
    value = serializers.FloatField(
        allow_null=True, help_text="The mean, or the share meeting the target (0 to 1)."
    )
    target = serializers.FloatField()
    direction = inline_enum(["higher", "lower"])
    statistic = inline_enum(SloStatistic.values)
    required_share = serializers.FloatField(allow_null=True)
    detail = serializers.CharField()


class ServiceLevelObjectiveSerializer(serializers.ModelSerializer):
    """A service-level objective: a measure, a target, a statistic and a period."""

    kind = inline_enum(SloKind.values, read_only=True)
    measure: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text="The measure's slug."
    )
    statistic = inline_enum(SloStatistic.values, read_only=True)
    period = inline_enum(SloPeriod.values, read_only=True)

    class Meta:
        model = ServiceLevelObjective
        fields = [
            "id",
            "name",
            "kind",
            "measure",
            "statistic",
            "target",
            "required_share",
            "period",
            "active",
            "version",
        ]
        read_only_fields = fields


class _SloFieldsSerializer(serializers.Serializer):
    kind = inline_enum(SloKind.values, required=False)
    statistic = inline_enum(SloStatistic.values, required=False)
    required_share = serializers.FloatField(
        required=False, allow_null=True, help_text="With share_meeting: 0 to 1."
    )
    period = inline_enum(SloPeriod.values, required=False)


class ServiceLevelObjectiveInputSerializer(_SloFieldsSerializer):
    """A new objective of the service."""

    name = serializers.CharField(max_length=200)
    measure = serializers.SlugRelatedField(
        slug_field="slug", queryset=Measure.objects.all(), help_text="The measure's slug."
    )
    target = serializers.FloatField()


class ServiceLevelObjectivePatchSerializer(_SloFieldsSerializer):
    """A change to an objective: the ``version`` it started from, and the fields to
    change."""

    version = serializers.IntegerField(
        min_value=1, help_text="The version the edit started from; a stale one is a 409."
    )
    name = serializers.CharField(max_length=200, required=False)
    measure = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Measure.objects.all(),
        required=False,
        help_text="The measure's slug.",
    )
    target = serializers.FloatField(required=False)
    active = serializers.BooleanField(required=False)


class ObjectiveAttainmentSerializer(serializers.Serializer):
    """An objective's attainment in each of its periods lying within ``start``..``end``."""

    objective = serializers.IntegerField()
    name = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    periods = PeriodAttainmentSerializer(many=True)


class _AttainmentQuerySerializer(serializers.Serializer):
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("start"), attrs.get("end")
        if start is not None and end is not None and start > end:
            raise serializers.ValidationError({"end": ["The end is before the start."]})
        return attrs


class ServicePeriodSerializer(serializers.ModelSerializer):
    """Cost and demand of the service in one month (named by its first day)."""

    cost = serializers.FloatField(read_only=True, help_text="In the service's currency.")

    class Meta:
        model = ServicePeriod
        fields = ["id", "period", "cost", "demand", "version"]
        read_only_fields = fields


class ServicePeriodInputSerializer(serializers.Serializer):
    """A month's cost and demand; a month already kept is changed."""

    period = MonthField()
    cost = serializers.DecimalField(max_digits=14, decimal_places=2)
    demand = serializers.FloatField(required=False, allow_null=True)
    version = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="To change a month kept: the version the edit started from (a stale one, "
        "or a month deleted since, is a 409). Without it a month kept is replaced.",
    )


class ServicePeriodPatchSerializer(serializers.Serializer):
    """A change to a month: the ``version`` it started from, its cost and demand."""

    version = serializers.IntegerField(
        min_value=1, help_text="The version the edit started from; a stale one is a 409."
    )
    cost = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    demand = serializers.FloatField(required=False, allow_null=True)


class ServicePeriodImportSerializer(FileUploadSerializer):
    """A CSV file with the columns period (YYYY-MM or a date), cost and demand."""


class ServicePeriodImportResultSerializer(serializers.Serializer):
    imported = serializers.IntegerField(help_text="Months added or changed.")
    periods = ServicePeriodSerializer(many=True, help_text="Every month kept now.")


class ServiceChangeSerializer(serializers.ModelSerializer):
    """A change to the service: requested and delivered dates give its lead time."""

    lead_time_days = serializers.SerializerMethodField()

    class Meta:
        model = ServiceChange
        fields = [
            "id",
            "title",
            "reference",
            "requested_on",
            "delivered_on",
            "lead_time_days",
            "version",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True, help_text="Days."))
    def get_lead_time_days(self, change: ServiceChange) -> int | None:
        if change.delivered_on is None:
            return None
        return (change.delivered_on - change.requested_on).days


class ServiceChangeInputSerializer(serializers.Serializer):
    """A change: its title, when it was requested and (once) delivered."""

    title = serializers.CharField(max_length=200)
    requested_on = serializers.DateField()
    delivered_on = serializers.DateField(required=False, allow_null=True)
    reference = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="The change record's id."
    )


class ServiceChangePatchSerializer(serializers.Serializer):
    """A change to a change's record: the ``version`` it started from, and the fields to
    change."""

    version = serializers.IntegerField(
        min_value=1, help_text="The version the edit started from; a stale one is a 409."
    )
    title = serializers.CharField(max_length=200, required=False)
    requested_on = serializers.DateField(required=False)
    delivered_on = serializers.DateField(required=False, allow_null=True)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True)


class ContinuityPlanSerializer(serializers.ModelSerializer):
    """A continuity plan (CMMI-SVC SCON) and its test status today."""

    service: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text="The service's slug."
    )
    dependencies: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True, help_text="Slugs of services it needs."
    )
    last_test_result = inline_enum(["", *TestResult.values], read_only=True)
    status = serializers.SerializerMethodField()
    needs_attention = serializers.SerializerMethodField()

    class Meta:
        model = ContinuityPlan
        fields = [
            "id",
            "service",
            "name",
            "essential_functions",
            "dependencies",
            "other_dependencies",
            "vital_records",
            "plan",
            "test_interval_days",
            "last_tested_on",
            "last_test_result",
            "last_test_notes",
            "version",
            "status",
            "needs_attention",
        ]
        read_only_fields = fields

    def _status(self, plan: ContinuityPlan) -> ContinuityStatus:
        found = self.context.get("statuses", {}).get(plan.pk)
        return found if found is not None else continuity_status(plan)

    @extend_schema_field(ContinuityStatusSerializer)
    def get_status(self, plan: ContinuityPlan) -> dict[str, object]:
        return self._status(plan).as_json()

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_needs_attention(self, plan: ContinuityPlan) -> bool:
        return self._status(plan).needs_attention


class _ContinuityFieldsSerializer(serializers.Serializer):
    vital_records = serializers.CharField(required=False, allow_blank=True)
    dependencies = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Service.objects.all(),
        many=True,
        required=False,
        help_text="Slugs of the services this one needs.",
    )
    other_dependencies = serializers.CharField(required=False, allow_blank=True)
    test_interval_days = serializers.IntegerField(required=False, min_value=1)


class ContinuityPlanInputSerializer(_ContinuityFieldsSerializer):
    """A new continuity plan of the service."""

    name = serializers.CharField(max_length=200)
    essential_functions = serializers.CharField(help_text="One essential function per line.")
    plan = serializers.CharField(help_text="The plan, or where it is kept.")


class ContinuityPlanPatchSerializer(_ContinuityFieldsSerializer):
    """A change to a plan: the ``version`` it started from, and the fields to change."""

    version = serializers.IntegerField(
        min_value=1, help_text="The version the edit started from; a stale one is a 409."
    )
    name = serializers.CharField(max_length=200, required=False)
    essential_functions = serializers.CharField(required=False)
    plan = serializers.CharField(required=False)


class ContinuityTestInputSerializer(serializers.Serializer):
    """A test of the plan: when (not in the future), the result and notes."""

    tested_on = serializers.DateField()
    result = inline_enum(TestResult.values)
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class ComplianceCheckSerializer(serializers.ModelSerializer):
    """A check of the service against a policy; ``current``: the latest of an active
    policy governing the service (the one the scorecard counts)."""

    policy: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text="The policy's slug."
    )
    policy_name = serializers.CharField(source="policy.name", read_only=True)
    service: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text="The service's slug."
    )
    result = inline_enum(ComplianceResult.values, read_only=True)
    checked_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    current = serializers.SerializerMethodField()

    class Meta:
        model = ComplianceCheck
        fields = [
            "id",
            "policy",
            "policy_name",
            "service",
            "checked_on",
            "result",
            "reason",
            "checked_by",
            "created_at",
            "current",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_current(self, check: ComplianceCheck) -> bool:
        return check.pk in self.context.get("current", ())


class ComplianceCheckInputSerializer(serializers.Serializer):
    """A check against a policy governing the service. A failure states the finding; a
    waiver its reason (and needs the waiver permission)."""

    policy = serializers.SlugRelatedField(
        slug_field="slug", queryset=Policy.objects.all(), help_text="The policy's slug."
    )
    result = inline_enum(ComplianceResult.values)
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Needed to fail or waive."
    )
    checked_on = serializers.DateField(
        required=False, allow_null=True, help_text="Default: today; not in the future."
    )


# The rows of a service -------------------------------------------------------------------------
