"""Deployment targets over HTTP: who is in and why, and each one's status.

- ``/api/deployments/targets/``: list (the targets page's filters ``status`` (or
  ``excluded``), ``wave`` (id or ``none``), ``source``, ``unit`` (slug), ``type``,
  ``q``; plus ``plan`` (id) and ``work_activity`` (slug); ``ordering``);
- ``/api/deployments/targets/{id}/``: retrieve; ``PATCH`` with the required
  ``version``: ``status`` (with ``reason`` for opted out and rolled back, ``on`` for
  the date deployed or confirmed), ``training_percent``, ``process_version`` (a
  process asset version's id), ``planned_on``, ``wave`` — all or nothing;
- ``POST /api/deployments/targets/bulk/`` ``{"plan", "targets": [ids], "status",
  "reason", "on", "training_percent", "process_version"}``: one transaction, all or
  nothing, the first offending target named in the error;
- ``POST /api/deployments/targets/add/`` ``{"plan", "work_activity": slug, "reason",
  "wave"}``: a target added by hand;
- ``POST /api/deployments/targets/{id}/exclude/`` ``{"reason"}`` and
  ``POST …/include/``: take a target out of the plan, or back in.

Permissions (``apps/deployments/permissions.py``): reads need ``plan_can_see``; a
target's status, training, process version and dates need ``target_can_update``
(plan editors; the manager of the work activity); adding, excluding and including
need ``plan_can_edit``. The services check again: a refusal is a 403 and nothing is
written; a rule refused is a 400 naming the field; a stale ``version`` a 409.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, permissions, serializers, status
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
from uplift.apps.deployments.choices import TargetSource, TargetStatus
from uplift.apps.deployments.forms.targets import NO_WAVE, TargetFilterSet
from uplift.apps.deployments.models import DeploymentPlan, Target, Wave
from uplift.apps.deployments.services.targeting import (
    target_add,
    target_exclude,
    target_include,
)
from uplift.apps.deployments.services.targets import (
    target_status_set,
    target_update,
    targets_bulk_update,
)
from uplift.apps.organization.selectors import work_activity_list

__all__ = ["DeploymentTargetViewSet", "TargetApiFilterSet", "register"]

TAGS = ["deployments"]
DETAIL_ERRORS = detail_errors("No such deployment target.")
WRITE_ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input; `errors` names the field."),
    403: OpenApiResponse(
        ErrorSerializer,
        description="Not signed in, or not allowed to make this change.",
    ),
}
DETAIL_WRITE_ERRORS = {**WRITE_ERRORS, 404: DETAIL_ERRORS[404]}
CONFLICT = {
    409: OpenApiResponse(
        ErrorSerializer,
        description="Someone saved the target after the `version` sent; nothing was saved.",
    )
}


def _asset_versions() -> QuerySet[Any]:
    # The organization's model, reached through the foreign key (no import of its models).
    return Target._meta.get_field("process_version").related_model._default_manager.all()


# Filters ---------------------------------------------------------------------------------------


class TargetApiFilterSet(TargetFilterSet):
    """The targets page's FilterSet (``status`` or ``excluded``, ``source``, ``unit``,
    ``type``, ``q``) plus the plan (id) and the work activity (slug): the API lists the
    targets of every plan.

    The page's ``wave`` filter offers one plan's waves as choices, set on each instance;
    the API takes a wave's id (or ``none``) instead, checked here.
    """

    plan = django_filters.ModelChoiceFilter(queryset=DeploymentPlan.objects.all(), label="Plan")
    wave = django_filters.CharFilter(
        method="filter_wave_id",
        label="Wave",
        help_text="A wave's id, or `none` for the targets in no wave.",
    )
    work_activity = django_filters.CharFilter(
        field_name="work_activity__slug", label="Work activity (slug)"
    )

    class Meta(TargetFilterSet.Meta):
        fields = [*TargetFilterSet.Meta.fields, "plan", "work_activity"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["wave"].extra.pop("choices", None)  # the page's; not a text field's

    def filter_wave_id(self, queryset: QuerySet[Target], name: str, value: str) -> QuerySet[Target]:
        if value == NO_WAVE:
            return queryset.filter(wave__isnull=True)
        if not value.isdigit():
            raise serializers.ValidationError({"wave": ["Give a wave's id, or none."]})
        return queryset.filter(wave_id=int(value))


# Serializers ------------------------------------------------------------------------------------


class DeploymentTargetSerializer(serializers.ModelSerializer):
    """A target: the work activity, why it is in (or out), its wave, status and dates."""

    plan_reference = serializers.SerializerMethodField()
    work_activity: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    work_activity_name = serializers.SerializerMethodField()
    wave_number = serializers.SerializerMethodField()
    source = inline_enum(TargetSource.values, read_only=True)
    status = inline_enum(TargetStatus.values, read_only=True)
    process_version_label = serializers.SerializerMethodField()
    updated_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Target
        fields = [
            "id",
            "plan",
            "plan_reference",
            "work_activity",
            "work_activity_name",
            "wave",
            "wave_number",
            "source",
            "excluded",
            "reason",
            "matches_rule",
            "status",
            "status_reason",
            "planned_on",
            "deployed_on",
            "confirmed_on",
            "process_version",
            "process_version_label",
            "training_percent",
            "updated_at",
            "updated_by",
            "version",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_plan_reference(self, target: Target) -> str:
        return f"DEP-{target.plan_id}"

    @extend_schema_field(OpenApiTypes.STR)
    def get_work_activity_name(self, target: Target) -> str:
        return str(target.work_activity.name)

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_wave_number(self, target: Target) -> int | None:
        return target.wave.number if target.wave is not None else None

    @extend_schema_field({"type": "string", "nullable": True})
    def get_process_version_label(self, target: Target) -> str | None:
        return str(target.process_version) if target.process_version is not None else None


class DeploymentTargetPatchSerializer(serializers.Serializer):
    """A change to a target: the ``version`` it started from and the fields to change."""

    version = serializers.IntegerField(
        min_value=1,
        help_text="The version the edit started from; a stale one is a 409.",
    )
    status = inline_enum(TargetStatus.values, required=False)
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="With `status`: why (required for opted out and rolled back).",
    )
    on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="With `status`: the date deployed or confirmed (default today).",
    )
    training_percent = serializers.IntegerField(required=False, min_value=0, max_value=100)
    process_version = serializers.PrimaryKeyRelatedField(
        queryset=_asset_versions(),
        required=False,
        allow_null=True,
        help_text="The process asset version's id its defined process now includes.",
    )
    planned_on = serializers.DateField(required=False, allow_null=True)
    wave = serializers.PrimaryKeyRelatedField(
        queryset=Wave.objects.all(),
        required=False,
        allow_null=True,
        help_text="A wave of the same plan (null: none).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "status" not in attrs:
            for name in ("reason", "on"):
                if name in attrs:
                    raise serializers.ValidationError(
                        {name: ["Give it with the `status` it is for."]}
                    )
        return attrs


class DeploymentTargetBulkSerializer(serializers.Serializer):
    """The same change to many targets of one plan, all or nothing."""

    plan = serializers.PrimaryKeyRelatedField(
        queryset=DeploymentPlan.objects.all(), help_text="The plan's id."
    )
    targets = serializers.PrimaryKeyRelatedField(
        queryset=Target.objects.select_related("plan", "work_activity__manager"),
        many=True,
        allow_empty=False,
        help_text="Ids of targets of that plan.",
    )
    status = inline_enum(TargetStatus.values, required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    on = serializers.DateField(required=False, allow_null=True)
    training_percent = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=100
    )
    process_version = serializers.PrimaryKeyRelatedField(
        queryset=_asset_versions(), required=False, allow_null=True
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        changes = ("status", "training_percent", "process_version")
        if all(attrs.get(name) is None for name in changes):
            raise serializers.ValidationError(
                {"status": ["Give a status, a training share or a process version to set."]}
            )
        return attrs


class DeploymentTargetBulkResultSerializer(serializers.Serializer):
    updated = serializers.IntegerField(help_text="How many targets were changed.")


class DeploymentTargetAddSerializer(serializers.Serializer):
    """A work activity added to a plan by hand, with the reason."""

    plan = serializers.PrimaryKeyRelatedField(
        queryset=DeploymentPlan.objects.all(), help_text="The plan's id."
    )
    work_activity = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=work_activity_list(),
        help_text="The work activity's slug.",
    )
    reason = serializers.CharField(help_text="Why it is a target.")
    wave = serializers.PrimaryKeyRelatedField(
        queryset=Wave.objects.all(),
        required=False,
        allow_null=True,
        help_text="A wave's id.",
    )


class DeploymentTargetReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why it is taken out of the plan.")


# Permissions -----------------------------------------------------------------------------------


class TargetPermissions(permissions.BasePermission):
    """Signed in and ``plan_can_see``; each write checks its own rule (and the service)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return rules.plan_can_see(request.user)


# Views -----------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        tags=TAGS,
        summary="List deployment targets",
        responses={200: DeploymentTargetSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        tags=TAGS,
        summary="A deployment target",
        responses={200: DeploymentTargetSerializer, **DETAIL_ERRORS},
    ),
)
class DeploymentTargetViewSet(mixins.UpdateModelMixin, ReadOnlyViewSet):
    """Targets of every plan; writes through ``services.targets`` and ``targeting``."""

    serializer_class = DeploymentTargetSerializer
    filterset_class = TargetApiFilterSet
    ordering_fields = [
        "work_activity__name",
        "status",
        "planned_on",
        "deployed_on",
        "id",
    ]
    lookup_value_regex = r"\d+"
    permission_classes = [TargetPermissions]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Target]:
        return Target.objects.select_related(
            "plan",
            "work_activity__manager",
            "wave",
            "process_version__asset",
            "updated_by",
        ).order_by("plan", "wave__number", "work_activity__name", "pk")

    def _fresh(self, target: Target, code: int = status.HTTP_200_OK) -> Response:
        found = self.get_queryset().get(pk=target.pk)
        return Response(DeploymentTargetSerializer(found).data, status=code)

    @extend_schema(
        tags=TAGS,
        summary="Change a target",
        description="`version` is required (a stale one is a 409). `status` follows the "
        "target's transitions (opted out and rolled back need a `reason`; deployed and "
        "confirmed stamp the date `on`, default today); the other fields are set as given. "
        "All or nothing. A status, training or process version is not a content change "
        "of the plan; `planned_on` and `wave` are.",
        request=DeploymentTargetPatchSerializer,
        responses={200: DeploymentTargetSerializer, **DETAIL_WRITE_ERRORS, **CONFLICT},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        target = self.get_object()
        require(
            rules.target_can_update(request.user, target),
            f"You may not update the target {target.work_activity.name} of "
            f"{target.plan.reference}.",
        )
        serializer = DeploymentTargetPatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        expected: int | None = values.pop("version")
        new_status = values.pop("status", None)
        reason = values.pop("reason", "")
        on = values.pop("on", None)
        with transaction.atomic():
            if new_status is not None:
                target = target_status_set(
                    target=target,
                    actor=request.user,
                    status=new_status,
                    reason=reason,
                    on=on,
                    expected_version=expected,
                )
                expected = None  # checked, and the row is locked until the end
            if values:
                target = target_update(
                    target=target,
                    actor=request.user,
                    expected_version=expected,
                    **values,
                )
        return self._fresh(target)

    @extend_schema(
        tags=TAGS,
        operation_id="deployments_targets_bulk",
        summary="Change many targets of a plan at once",
        description="One transaction: every target changes, or none does (the error names "
        "the first target refused).",
        request=DeploymentTargetBulkSerializer,
        responses={200: DeploymentTargetBulkResultSerializer, **WRITE_ERRORS},
    )
    @action(detail=False, methods=["post"], filter_backends=[], pagination_class=None)
    def bulk(self, request: Request) -> Response:
        serializer = DeploymentTargetBulkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        plan, targets = values.pop("plan"), values.pop("targets")
        for target in targets:
            require(
                rules.target_can_update(request.user, target),
                f"You may not update the target {target.work_activity.name} of "
                f"{target.plan.reference}.",
            )
        count = targets_bulk_update(plan=plan, actor=request.user, targets=targets, **values)
        return Response({"updated": count})

    @extend_schema(
        tags=TAGS,
        operation_id="deployments_targets_add",
        summary="Add a work activity to a plan",
        description="A target added by hand, with the reason; on a plan sent for sign-off "
        "this is a content change (a new revision).",
        request=DeploymentTargetAddSerializer,
        responses={201: DeploymentTargetSerializer, **WRITE_ERRORS},
    )
    @action(detail=False, methods=["post"], filter_backends=[], pagination_class=None)
    def add(self, request: Request) -> Response:
        serializer = DeploymentTargetAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        plan = values.pop("plan")
        require(
            rules.plan_can_edit(request.user, plan),
            f"You may not add targets to {plan.reference}.",
        )
        target = target_add(plan=plan, actor=request.user, **values)
        return self._fresh(target, status.HTTP_201_CREATED)

    @extend_schema(
        tags=TAGS,
        operation_id="deployments_targets_exclude",
        summary="Take a target out of its plan",
        description="With a reason; the row stays (excluded). A content change of the plan.",
        request=DeploymentTargetReasonSerializer,
        responses={200: DeploymentTargetSerializer, **DETAIL_WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def exclude(self, request: Request, pk: Any = None) -> Response:
        target = self.get_object()
        require(
            rules.plan_can_edit(request.user, target.plan),
            f"You may not exclude targets of {target.plan.reference}.",
        )
        serializer = DeploymentTargetReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reason = serializer.validated_data["reason"]
        return self._fresh(target_exclude(target=target, actor=request.user, reason=reason))

    @extend_schema(
        tags=TAGS,
        operation_id="deployments_targets_include",
        summary="Take an excluded target back into its plan",
        request=None,
        responses={200: DeploymentTargetSerializer, **DETAIL_WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def include(self, request: Request, pk: Any = None) -> Response:
        target = self.get_object()
        require(
            rules.plan_can_edit(request.user, target.plan),
            f"You may not include targets in {target.plan.reference}.",
        )
        return self._fresh(target_include(target=target, actor=request.user))


def register(router: DefaultRouter) -> None:
    """Register this module's viewsets on the API's router."""
    router.register("deployments/targets", DeploymentTargetViewSet, basename="deployment-target")
