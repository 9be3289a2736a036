"""Deployment plans over HTTP: content, sign-offs, revisions, status (``services.plans``).

- ``/api/deployments/plans/``: list (filters ``state``, ``owner`` (sign-in name),
  ``proposal`` (id), ``q`` (title or ``DEP-12``); ``ordering``), create;
- ``/api/deployments/plans/{id}/``: retrieve (content, proposals, rule, state,
  revision, version, the sign-off status of the current revision and the targets'
  drift from the rule); ``PATCH`` with the required ``version`` the edit started
  from: a stale one is a 409 and nothing is saved; once the current revision was sent
  for sign-off, a change makes a new revision and asks the same stakeholders again;
- ``GET /api/deployments/plans/{id}/status/``: ``plan_status(plan).as_json()``, the
  same JSON as ``uplift deployments status PLAN --json``;
- ``/api/deployments/plans/{id}/signoffs/``: every sign-off of every revision;
  ``POST /api/deployments/plans/{id}/signoff-request/`` asks the stakeholders (all
  of them, or the sign-in names given) to agree the current revision;
  ``POST /api/deployments/plans/{id}/signoffs/{signoff_id}/decide/``
  ``{"decision": "agreed"|"objected", "comment": "…"}``;
- ``GET /api/deployments/plans/{id}/revisions/``: every kept revision with its snapshot;
- ``POST …/cancel/`` ``{"reason"}``, ``POST …/confirm/`` (complete when every
  target is confirmed or excused; otherwise a 400 listing what is missing),
  ``POST …/refresh-targets/`` (apply the drift between the rule and the organization);
- the plan's rows, each ``GET``/``POST`` on ``…/{id}/<rows>/`` and ``DELETE`` (some
  also ``PATCH``) on ``…/{id}/<rows>/{row_id}/``: ``stakeholders`` (by sign-in name),
  ``measures`` (by measure slug and objective id; ``PATCH``), ``barriers`` (``PATCH``),
  ``adjustments``, ``risks`` (``PATCH``). A create answers the row (201), a change the
  row, a removal 204; each write is a content change (a new revision once the current
  one was sent for sign-off); a row of another plan is a 404.

Permissions (``apps/deployments/permissions.py``): every endpoint needs
``plan_can_see``; creating needs ``plan_can_create``; changing, asking for
sign-offs, cancelling, confirming, refreshing and writing rows need ``plan_can_edit``; deciding
needs ``plan_can_signoff`` (the stakeholder asked, for the current revision). The
services check again. A refusal is a 403 and nothing is written; a rule the service
refuses is a 400 naming the field; a stale ``version`` a 409.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
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
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.views import APIView

from uplift.api.deployment_plan_rows import PlanRowsMixin
from uplift.api.errors import LIST_ERRORS, ErrorSerializer, detail_errors
from uplift.api.helpers import active_users, require, user_name
from uplift.api.measurement_shapes import inline_enum
from uplift.api.pagination import LimitOffsetPagination
from uplift.api.viewsets import ReadOnlyViewSet
from uplift.apps.deployments import permissions as rules
from uplift.apps.deployments import selectors
from uplift.apps.deployments.choices import (
    PlanState,
    SignOffDecision,
    StakeholderKind,
    WaveState,
)
from uplift.apps.deployments.filtersets import PlanFilterSet
from uplift.apps.deployments.models import (
    DeploymentPlan,
    PlanRevision,
    SignOff,
)
from uplift.apps.deployments.services.plans import (
    plan_cancel,
    plan_create,
    plan_revisions_compare,
    plan_signoff_decide,
    plan_signoff_request,
    plan_signoff_status,
    plan_update,
)
from uplift.apps.deployments.services.results import plan_confirm
from uplift.apps.deployments.services.targeting import targets_drift, targets_refresh
from uplift.apps.improvements.models import ActionPlan, Proposal

__all__ = ["DeploymentPlanViewSet", "register"]

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
CREATE_ERRORS = {400: WRITE_ERRORS[400], 403: WRITE_ERRORS[403]}
CONFLICT = {
    409: OpenApiResponse(
        ErrorSerializer,
        description="Someone saved the plan after the `version` sent; nothing was saved.",
    )
}
CONTENT_FIELDS = [
    "adjustment",
    "risk_strategies",
    "schedule_notes",
    "planned_start",
    "planned_end",
    "payback_target_months",
    "response_time_target_days",
]


# Shapes shared with the other deployment modules -----------------------------------------------


class DeploymentDriftAddedSerializer(serializers.Serializer):
    """A work activity the rule matches now that has no target row, and why."""

    work_activity = serializers.CharField(help_text="The work activity's slug.")
    name = serializers.CharField()
    reason = serializers.CharField(allow_blank=True, help_text="The matched conditions.")


class DeploymentDriftGoneSerializer(serializers.Serializer):
    """A rule target that the rule no longer matches, and what a refresh does with it."""

    work_activity = serializers.CharField(help_text="The work activity's slug.")
    name = serializers.CharField()
    status = serializers.CharField()
    on_refresh = serializers.CharField(
        help_text='"removed" (not started) or "kept, marked as no longer matching".'
    )


class DeploymentDriftBackSerializer(serializers.Serializer):
    """A rule target marked as no longer matching that the rule matches again."""

    work_activity = serializers.CharField(help_text="The work activity's slug.")
    name = serializers.CharField()


class DeploymentDriftSerializer(serializers.Serializer):
    """``Drift.as_json()``: the rule's matches now against the stored rule targets."""

    added = DeploymentDriftAddedSerializer(many=True)
    gone = DeploymentDriftGoneSerializer(many=True)
    back = DeploymentDriftBackSerializer(many=True)


# Serializers ------------------------------------------------------------------------------------


class DeploymentProposalRefSerializer(serializers.ModelSerializer):
    """A selected improvement the plan deploys."""

    reference = serializers.CharField(read_only=True, help_text="IP-<id>.")
    state = serializers.CharField(read_only=True)

    class Meta:
        model = Proposal
        fields = ["id", "reference", "title", "state"]
        read_only_fields = fields


class DeploymentSignOffSerializer(serializers.ModelSerializer):
    """One stakeholder's sign-off of one revision."""

    stakeholder: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    stakeholder_name = serializers.SerializerMethodField()
    kind = inline_enum(StakeholderKind.values, read_only=True)
    decision = inline_enum(SignOffDecision.values, read_only=True)
    requested_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = SignOff
        fields = [
            "id",
            "revision",
            "stakeholder",
            "stakeholder_name",
            "kind",
            "required",
            "decision",
            "comment",
            "requested_by",
            "requested_at",
            "decided_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_stakeholder_name(self, signoff: SignOff) -> str:
        return user_name(signoff.stakeholder)


class DeploymentSignOffRowSerializer(serializers.Serializer):
    """A stakeholder asked to agree the current revision, and their decision."""

    signoff = serializers.IntegerField(help_text="The sign-off's id (for `decide`).")
    stakeholder = serializers.CharField(help_text="Sign-in name.")
    name = serializers.CharField()
    kind = inline_enum(StakeholderKind.values)
    # Declared fields are popped from the class at runtime (Field.required stays the
    # serializer's own); only the type checker sees both.
    required = serializers.BooleanField()  # type: ignore[assignment]
    decision = inline_enum(SignOffDecision.values)
    comment = serializers.CharField(allow_blank=True)
    requested_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)


class DeploymentSignOffStatusSerializer(serializers.Serializer):
    """``SignoffStatus.as_json()``: where the current revision stands with its
    stakeholders."""

    revision = serializers.IntegerField()
    agreed = serializers.BooleanField(
        help_text="At least one required stakeholder was asked and every required one agreed."
    )
    summary = serializers.CharField(help_text="One sentence: agreed by whom, or what is missing.")
    waiting = serializers.ListField(
        child=serializers.CharField(),
        help_text="Names of the required stakeholders who have not decided.",
    )
    signoffs = DeploymentSignOffRowSerializer(many=True)


class DeploymentPlanSummarySerializer(serializers.ModelSerializer):
    """A plan in the list: what it is and where it stands (no content)."""

    reference = serializers.CharField(read_only=True, help_text="DEP-<id>.")
    state = inline_enum(PlanState.values, read_only=True)
    owner: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    proposals = DeploymentProposalRefSerializer(many=True, read_only=True)
    target_count = serializers.IntegerField(read_only=True, help_text="Targets not excluded.")
    deployed_count = serializers.IntegerField(
        read_only=True, help_text="Targets deployed or confirmed."
    )
    confirmed_count = serializers.IntegerField(read_only=True)
    wave_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = DeploymentPlan
        fields = [
            "id",
            "reference",
            "title",
            "state",
            "owner",
            "proposals",
            "planned_start",
            "planned_end",
            "revision",
            "version",
            "target_count",
            "deployed_count",
            "confirmed_count",
            "wave_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class DeploymentPlanSerializer(DeploymentPlanSummarySerializer):
    """A plan: its content, rule, proposals, revision, version, sign-off status and the
    drift between its rule targets and what the rule matches now."""

    action_plan: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )
    target_rule = serializers.JSONField(read_only=True)
    signoff = serializers.SerializerMethodField()
    drift = serializers.SerializerMethodField()

    class Meta(DeploymentPlanSummarySerializer.Meta):
        fields = [
            *DeploymentPlanSummarySerializer.Meta.fields,
            "action_plan",
            *CONTENT_FIELDS,
            "response_time_actual_days",
            "target_rule",
            "rule_evaluated_at",
            "completed_at",
            "signoff",
            "drift",
        ]
        read_only_fields = fields

    @extend_schema_field(DeploymentSignOffStatusSerializer)
    def get_signoff(self, plan: DeploymentPlan) -> dict[str, Any]:
        return plan_signoff_status(plan).as_json()

    @extend_schema_field(DeploymentDriftSerializer)
    def get_drift(self, plan: DeploymentPlan) -> dict[str, Any]:
        return targets_drift(plan).as_json()


class _PlanInputSerializer(serializers.Serializer):
    owner = serializers.SlugRelatedField(
        slug_field="username",
        queryset=active_users(),
        required=False,
        help_text="Sign-in name (default: you).",
    )
    action_plan = serializers.PrimaryKeyRelatedField(
        queryset=ActionPlan.objects.all(),
        required=False,
        allow_null=True,
        help_text="The process action plan's id, if any.",
    )
    adjustment = serializers.CharField(required=False, allow_blank=True)
    risk_strategies = serializers.CharField(required=False, allow_blank=True)
    schedule_notes = serializers.CharField(required=False, allow_blank=True)
    planned_start = serializers.DateField(required=False, allow_null=True)
    planned_end = serializers.DateField(required=False, allow_null=True)
    payback_target_months = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    response_time_target_days = serializers.IntegerField(
        required=False, allow_null=True, min_value=0
    )


class DeploymentPlanCreateSerializer(_PlanInputSerializer):
    """A new plan: title, the selected proposals it deploys, owner and content."""

    title = serializers.CharField(max_length=200)
    proposals = serializers.PrimaryKeyRelatedField(
        queryset=Proposal.objects.all(),
        many=True,
        allow_empty=False,
        help_text="Ids of the selected proposals the plan deploys.",
    )


class DeploymentPlanPatchSerializer(_PlanInputSerializer):
    """A change to a plan: the ``version`` it started from, and the fields to change."""

    version = serializers.IntegerField(
        min_value=1,
        help_text="The version the edit started from; a stale one is a 409.",
    )
    title = serializers.CharField(max_length=200, required=False)
    proposals = serializers.PrimaryKeyRelatedField(
        queryset=Proposal.objects.all(),
        many=True,
        required=False,
        help_text="Ids of the selected proposals the plan deploys (all of them).",
    )
    related_plans = serializers.PrimaryKeyRelatedField(
        queryset=DeploymentPlan.objects.all(),
        many=True,
        required=False,
        help_text="Ids of the plans deployed together with this one (not content).",
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, help_text="Why: kept with the revision."
    )


class DeploymentSignOffRequestSerializer(serializers.Serializer):
    """Whom to ask to agree the current revision (default: every stakeholder)."""

    stakeholders = serializers.SlugRelatedField(
        slug_field="username",
        queryset=active_users(),
        many=True,
        required=False,
        help_text="Sign-in names of stakeholders of the plan; omit to ask all of them.",
    )


class DeploymentSignOffDecisionSerializer(serializers.Serializer):
    """A stakeholder's decision on the revision they were asked to agree."""

    decision = inline_enum([SignOffDecision.AGREED.value, SignOffDecision.OBJECTED.value])
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Needed to object."
    )


class DeploymentReasonSerializer(serializers.Serializer):
    """Why (kept in the history)."""

    reason = serializers.CharField(help_text="Required.")


class DeploymentPlanRevisionSerializer(serializers.ModelSerializer):
    """A kept revision: its number, who made it, when and why, and its snapshot."""

    created_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    snapshot = serializers.JSONField(read_only=True, help_text="The plan's content then.")

    class Meta:
        model = PlanRevision
        fields = ["number", "reason", "created_by", "created_at", "snapshot"]
        read_only_fields = fields


class DeploymentPlanFieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    old = serializers.CharField(allow_blank=True)
    new = serializers.CharField(allow_blank=True)
    changed = serializers.BooleanField()


class DeploymentPlanComparisonSerializer(serializers.Serializer):
    """Two revisions section by section."""

    plan = serializers.IntegerField()
    older = serializers.IntegerField()
    newer = serializers.IntegerField()
    changes = DeploymentPlanFieldChangeSerializer(many=True)


class _CompareQuerySerializer(serializers.Serializer):
    older = serializers.IntegerField(min_value=1)
    newer = serializers.IntegerField(min_value=1)


class DeploymentGateCriterionStatusSerializer(serializers.Serializer):
    """One criterion of a gate: its latest result (``passed`` null: not evaluated yet)."""

    criterion = serializers.IntegerField(allow_null=True, help_text="The criterion's id.")
    kind = serializers.CharField(required=False, help_text="Present once evaluated.")
    description = serializers.CharField(allow_blank=True)
    passed = serializers.BooleanField(allow_null=True)
    detail = serializers.CharField(allow_blank=True)
    figures = serializers.DictField(help_text="The numbers behind the result.")


class DeploymentGateStatusSerializer(serializers.Serializer):
    """A wave's gate: the latest evaluation (``passed`` null: never evaluated) and
    whether it was overridden."""

    passed = serializers.BooleanField(allow_null=True)
    overridden = serializers.BooleanField()
    evaluated_at = serializers.DateTimeField(allow_null=True)
    criteria = DeploymentGateCriterionStatusSerializer(many=True)


class DeploymentWaveStatusSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    name = serializers.CharField()
    state = inline_enum(WaveState.values)
    planned_start = serializers.DateField()
    planned_end = serializers.DateField()
    actual_start = serializers.DateField(allow_null=True)
    actual_end = serializers.DateField(allow_null=True)
    gate = DeploymentGateStatusSerializer()


class DeploymentResultStatusSerializer(serializers.Serializer):
    """The latest result of one plan measure."""

    measure = serializers.CharField(help_text="The measure's slug.")
    evaluated_at = serializers.DateTimeField()
    change_date = serializers.DateField()
    mean_before = serializers.FloatField(allow_null=True)
    mean_after = serializers.FloatField(allow_null=True)
    percent_change = serializers.FloatField(allow_null=True)
    p_value = serializers.FloatField(allow_null=True)
    improved = serializers.BooleanField(allow_null=True)
    target_met = serializers.BooleanField(allow_null=True)
    monthly_benefit = serializers.FloatField(allow_null=True)
    payback_months = serializers.FloatField(allow_null=True)


class DeploymentPlanStatusSerializer(serializers.Serializer):
    """``plan_status(plan).as_json()``: the JSON of ``uplift deployments status``."""

    plan = serializers.CharField(help_text="DEP-<id>.")
    title = serializers.CharField()
    state = inline_enum(PlanState.values)
    revision = serializers.IntegerField()
    agreed = serializers.BooleanField(
        help_text="Every required stakeholder asked agreed to the current revision."
    )
    targets = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Targets not excluded per status (every status present), and `excluded`.",
    )
    waves = DeploymentWaveStatusSerializer(many=True)
    missing_for_confirmation = serializers.ListField(
        child=serializers.CharField(),
        help_text="What keeps the plan from being confirmed complete.",
    )
    results = DeploymentResultStatusSerializer(many=True)


# Permissions -----------------------------------------------------------------------------------


class PlanPermissions(permissions.BasePermission):
    """Signed in and ``plan_can_see``; creating also needs ``plan_can_create``. The
    views check the plan-level rule of each write, and the services check again."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if getattr(view, "action", None) == "create":
            return rules.plan_can_create(user)
        return rules.plan_can_see(user)


# Views -----------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        tags=TAGS,
        summary="List deployment plans",
        responses={200: DeploymentPlanSummarySerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        tags=TAGS,
        summary="A deployment plan",
        responses={200: DeploymentPlanSerializer, **DETAIL_ERRORS},
    ),
)
class DeploymentPlanViewSet(
    PlanRowsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Deployment plans; writes through ``services.plans``, ``targeting`` and ``results``."""

    serializer_class = DeploymentPlanSerializer
    filterset_class = PlanFilterSet
    filter_backends = ReadOnlyViewSet.filter_backends
    pagination_class = LimitOffsetPagination
    ordering_fields = [
        "updated_at",
        "created_at",
        "title",
        "state",
        "planned_start",
        "id",
    ]
    lookup_value_regex = r"\d+"
    permission_classes = [PlanPermissions]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[DeploymentPlan]:
        return selectors.plan_list(user=self.request.user)

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "list":
            return DeploymentPlanSummarySerializer
        return DeploymentPlanSerializer

    def _plan(self, pk: Any) -> DeploymentPlan:
        """The plan of the URL (404), for the nested endpoints (no list filters)."""
        plan = self.get_queryset().filter(pk=pk).first()
        if plan is None:
            raise Http404("No such deployment plan.")
        return plan

    def _editable(self, pk: Any, doing: str) -> DeploymentPlan:
        plan = self._plan(pk)
        require(rules.plan_can_edit(self.request.user, plan), f"You may not {doing}.")
        return plan

    def _detail(self, plan: DeploymentPlan, code: int = status.HTTP_200_OK) -> Response:
        return Response(DeploymentPlanSerializer(self._plan(plan.pk)).data, status=code)

    @extend_schema(
        tags=TAGS,
        summary="Plan a deployment",
        description="A draft at revision 1 for the selected proposals: the barriers come "
        "from each proposal's barriers, one plan measure per expected benefit that names a "
        "measure.",
        request=DeploymentPlanCreateSerializer,
        responses={201: DeploymentPlanSerializer, **CREATE_ERRORS},
    )
    def create(self, request: Request) -> Response:
        serializer = DeploymentPlanCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        plan = plan_create(actor=request.user, **serializer.validated_data)
        return self._detail(plan, status.HTTP_201_CREATED)

    @extend_schema(
        tags=TAGS,
        summary="Change a deployment plan",
        description="`version` is required: the version the edit started from (a stale one "
        "is a 409 and nothing is saved). Revision 1 in draft is changed in place; once "
        "the current revision was sent for sign-off, a change makes a new revision and asks "
        "the same stakeholders again.",
        request=DeploymentPlanPatchSerializer,
        responses={200: DeploymentPlanSerializer, **WRITE_ERRORS, **CONFLICT},
    )
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        plan = self._editable(pk, "change this deployment plan")
        serializer = DeploymentPlanPatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        version = values.pop("version")
        plan_update(plan=plan, actor=request.user, expected_version=version, **values)
        return self._detail(plan)

    @extend_schema(
        tags=TAGS,
        operation_id="deployments_plans_status",
        summary="Where a deployment stands",
        description="State, revision and agreement, targets per status, each wave with its "
        "gate, what is missing for confirmation and the latest results: the JSON of "
        "`uplift deployments status PLAN --json`.",
        responses={200: DeploymentPlanStatusSerializer, **DETAIL_ERRORS},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="status",
        filter_backends=[],
        pagination_class=None,
    )
    def plan_status(self, request: Request, pk: Any = None) -> Response:
        plan = self._plan(pk)
        return Response(selectors.plan_status(plan).as_json())

    @extend_schema(
        tags=TAGS,
        operation_id="deployments_plans_signoffs_list",
        summary="Sign-offs of a plan",
        description="Every sign-off of every revision, newest revision first, required first.",
        responses={200: DeploymentSignOffSerializer(many=True), **DETAIL_ERRORS},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def signoffs(self, request: Request, pk: Any = None) -> Response:
        plan = self._plan(pk)
        rows = selectors.plan_signoff_list(plan)
        return Response(DeploymentSignOffSerializer(rows, many=True).data)

    @extend_schema(
        tags=TAGS,
        operation_id="deployments_plans_signoff_request",
        summary="Ask the stakeholders to agree the current revision",
        description="Asks each required and optional stakeholder (or the ones named) who "
        "has not been asked for this revision; the plan is then in review.",
        request=DeploymentSignOffRequestSerializer,
        responses={201: DeploymentSignOffSerializer(many=True), **WRITE_ERRORS},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="signoff-request",
        filter_backends=[],
        pagination_class=None,
    )
    def signoff_request(self, request: Request, pk: Any = None) -> Response:
        plan = self._editable(pk, "ask for sign-offs of this deployment plan")
        serializer = DeploymentSignOffRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        chosen = serializer.validated_data.get("stakeholders")  # absent: every stakeholder
        created = plan_signoff_request(plan=plan, actor=request.user, stakeholders=chosen)
        rows = SignOff.objects.select_related("stakeholder", "requested_by").filter(
            pk__in=[signoff.pk for signoff in created]
        )
        return Response(
            DeploymentSignOffSerializer(rows.order_by("pk"), many=True).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        tags=TAGS,
        operation_id="deployments_plans_signoffs_decide",
        summary="Agree a revision, or object",
        description="Only the stakeholder asked, holding the sign-off permission, decides; "
        "only for the plan's current revision and only once (403 otherwise, nothing "
        "changed). Objecting needs a comment. When every required stakeholder agreed, the "
        "plan is agreed.",
        parameters=[OpenApiParameter("signoff_id", int, OpenApiParameter.PATH)],
        request=DeploymentSignOffDecisionSerializer,
        responses={200: DeploymentSignOffSerializer, **WRITE_ERRORS},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"signoffs/(?P<signoff_id>\d+)/decide",
        filter_backends=[],
        pagination_class=None,
    )
    def decide(self, request: Request, pk: Any = None, signoff_id: Any = None) -> Response:
        plan = self._plan(pk)
        found = (
            SignOff.objects.select_related("plan", "stakeholder")
            .filter(pk=signoff_id, plan=plan)
            .first()
        )
        if found is None:
            raise Http404("No such sign-off of this plan.")
        require(
            rules.plan_can_signoff(request.user, found),
            "You may not decide this sign-off: only the stakeholder asked may, once, for the "
            "plan's current revision.",
        )
        serializer = DeploymentSignOffDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        plan_signoff_decide(signoff=found, actor=request.user, **serializer.validated_data)
        fresh = SignOff.objects.select_related("stakeholder", "requested_by").get(pk=found.pk)
        return Response(DeploymentSignOffSerializer(fresh).data)

    @extend_schema(
        tags=TAGS,
        operation_id="deployments_plans_revisions_list",
        summary="Kept revisions of a plan",
        description="Oldest first, each with who made it, when, why and its snapshot.",
        responses={200: DeploymentPlanRevisionSerializer(many=True), **DETAIL_ERRORS},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def revisions(self, request: Request, pk: Any = None) -> Response:
        plan = self._plan(pk)
        rows = plan.revisions.select_related("created_by").order_by("number")
        return Response(DeploymentPlanRevisionSerializer(rows, many=True).data)

    @extend_schema(
        tags=TAGS,
        operation_id="deployments_plans_compare",
        summary="Compare two revisions section by section",
        parameters=[
            OpenApiParameter("older", int, required=True, description="A revision number."),
            OpenApiParameter("newer", int, required=True, description="A later one."),
        ],
        responses={
            200: DeploymentPlanComparisonSerializer,
            400: OpenApiResponse(
                ErrorSerializer, description="A revision number the plan does not have."
            ),
            **DETAIL_ERRORS,
        },
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def compare(self, request: Request, pk: Any = None) -> Response:
        plan = self._plan(pk)
        query = _CompareQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        older, newer = query.validated_data["older"], query.validated_data["newer"]
        changes = plan_revisions_compare(plan=plan, older=older, newer=newer)
        return Response(
            {
                "plan": plan.pk,
                "older": older,
                "newer": newer,
                "changes": [change.as_json() for change in changes],
            }
        )

    @extend_schema(
        tags=TAGS,
        operation_id="deployments_plans_cancel",
        summary="Cancel a deployment plan",
        description="From any state but complete, with a reason.",
        request=DeploymentReasonSerializer,
        responses={200: DeploymentPlanSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def cancel(self, request: Request, pk: Any = None) -> Response:
        plan = self._editable(pk, "cancel this deployment plan")
        serializer = DeploymentReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        plan_cancel(plan=plan, actor=request.user, reason=serializer.validated_data["reason"])
        return self._detail(plan)

    @extend_schema(
        tags=TAGS,
        operation_id="deployments_plans_confirm",
        summary="Confirm the deployment complete",
        description="Only when every target not excluded is confirmed or opted out with a "
        "reason; otherwise a 400 whose message lists what is missing. Moves the proposals "
        "from deploying to deployed where the user may.",
        request=None,
        responses={200: DeploymentPlanSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def confirm(self, request: Request, pk: Any = None) -> Response:
        plan = self._editable(pk, "confirm this deployment")
        plan_confirm(plan=plan, actor=request.user)
        return self._detail(plan)

    @extend_schema(
        tags=TAGS,
        operation_id="deployments_plans_refresh_targets",
        summary="Apply the rule's drift to the targets",
        description="New matches are added (not started); a rule target that no longer "
        "matches is removed if not started, else kept and marked. On a plan sent for "
        "sign-off this is a content change (a new revision). Answers what changed.",
        request=None,
        responses={200: DeploymentDriftSerializer, **WRITE_ERRORS},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="refresh-targets",
        filter_backends=[],
        pagination_class=None,
    )
    def refresh_targets(self, request: Request, pk: Any = None) -> Response:
        plan = self._editable(pk, "refresh the targets of this deployment plan")
        return Response(targets_refresh(plan=plan, actor=request.user).as_json())


def register(router: DefaultRouter) -> None:
    """Register this module's viewsets on the API's router."""
    router.register("deployments/plans", DeploymentPlanViewSet, basename="deployment-plan")
