"""Process action plans over HTTP: content, reviews, revisions (``services.plans``).

- ``/api/improvements/plans/``: list (filters ``state``, ``owner`` (sign-in name),
  ``q`` (title, objectives or ``PAP-12``); ``ordering``), create;
- ``/api/improvements/plans/{id}/``: retrieve (the nine items, proposals, state,
  revision, version and the approval status of the current revision); ``PATCH``
  with the required ``version`` the edit started from: a stale one is a 409 and
  nothing is saved; once the current revision was sent for review, a change makes
  a new revision and asks the same reviewers again;
- ``/api/improvements/plans/{id}/reviews/``: ``GET`` every review request of every
  revision; ``POST {"reviewers": [{"reviewer": "grace", "required": true}]}`` asks
  them to review the current revision;
- ``POST /api/improvements/plans/{id}/reviews/{review_id}/decide/``
  ``{"decision": "approved"|"changes_requested", "comment": "…"}``: the reviewer's
  decision (only the reviewer asked, for the current revision, while pending);
- ``/api/improvements/plans/{id}/revisions/``: every kept revision with its snapshot;
  ``/api/improvements/plans/{id}/compare/?older=1&newer=2``: two revisions field by
  field.

Permissions: every endpoint needs ``improvements.view_actionplan``; creating needs
``add_actionplan``. The services decide the rest (403, nothing written): editing
and asking for reviews need ``permissions.plan_can_edit`` (owner, team lead,
``change_actionplan``); deciding needs ``review_actionplan`` and being the reviewer
asked for the current revision. A rule the service refuses is a 400 naming the
field; a stale ``version`` a 409 naming who saved last.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404
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

from uplift.api.errors import LIST_ERRORS, ErrorSerializer, detail_errors
from uplift.api.helpers import active_users, user_name
from uplift.api.measurement_shapes import inline_enum
from uplift.api.pagination import LimitOffsetPagination
from uplift.api.viewsets import ReadOnlyViewSet
from uplift.apps.improvements.choices import PlanState, ProposalState, ReviewDecision
from uplift.apps.improvements.filtersets_plans import PlanFilterSet
from uplift.apps.improvements.models import (
    PLAN_FIELDS,
    ActionPlan,
    PlanRevision,
    Proposal,
    ReviewRequest,
)
from uplift.apps.improvements.services.plans import (
    ApprovalStatus,
    ReviewerStatus,
    plan_approval_status,
    plan_create,
    plan_request_review,
    plan_review_decide,
    plan_review_list,
    plan_revision_list,
    plan_revisions_compare,
    plan_update,
)

__all__ = ["ActionPlanViewSet", "register"]

TAGS = ["improvements"]
CONTENT_FIELDS = [name for name, _ in PLAN_FIELDS]
DETAIL_ERRORS = detail_errors("No such process action plan (or review of it).")
WRITE_ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input; `errors` names the field."),
    403: OpenApiResponse(
        ErrorSerializer, description="Not signed in, or not allowed to make this change."
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


# Serializers ----------------------------------------------------------------------------------


class ImprovementPlanProposalRefSerializer(serializers.ModelSerializer):
    """A proposal the plan addresses."""

    reference = serializers.CharField(read_only=True, help_text="IP-<id>.")
    state = inline_enum(ProposalState.values, read_only=True)

    class Meta:
        model = Proposal
        fields = ["id", "reference", "title", "state"]
        read_only_fields = fields


class ImprovementPlanReviewSerializer(serializers.ModelSerializer):
    """One review request: who was asked to review which revision, and their decision."""

    reviewer: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    reviewer_name = serializers.SerializerMethodField()
    requested_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    decision = inline_enum(ReviewDecision.values, read_only=True)

    class Meta:
        model = ReviewRequest
        fields = [
            "id",
            "revision",
            "reviewer",
            "reviewer_name",
            "required",
            "decision",
            "comment",
            "requested_by",
            "requested_at",
            "decided_at",
        ]
        read_only_fields = fields

    def get_reviewer_name(self, review: ReviewRequest) -> str:
        return user_name(review.reviewer)


class ImprovementPlanReviewerSerializer(serializers.Serializer):
    """A reviewer of the current revision as the approval status lists them."""

    review = serializers.IntegerField(help_text="The review request's id (for `decide`).")
    reviewer = serializers.CharField(help_text="Sign-in name.")
    name = serializers.CharField()
    # Declared fields are popped from the class at runtime (Field.required stays the
    # serializer's own); only the type checker sees both.
    required = serializers.BooleanField()  # type: ignore[assignment]
    decision = inline_enum(ReviewDecision.values)
    comment = serializers.CharField(allow_blank=True)
    requested_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)


class ImprovementPlanReapprovalSerializer(serializers.Serializer):
    """The current revision replaced one that had been sent for review."""

    revision = serializers.IntegerField()
    previous = serializers.IntegerField()
    changed = serializers.ListField(
        child=serializers.CharField(), help_text="Labels of the fields that changed."
    )
    reason = serializers.CharField(allow_blank=True)


class ImprovementPlanApprovalSerializer(serializers.Serializer):
    """Where the current revision stands with its reviewers."""

    revision = serializers.IntegerField()
    requested = serializers.BooleanField(help_text="Whether it was sent for review at all.")
    approved = serializers.BooleanField(
        help_text="Every required reviewer approved it (at least one required)."
    )
    missing = serializers.ListField(
        child=serializers.CharField(),
        help_text="Sign-in names of the required reviewers who have not approved.",
    )
    summary = serializers.CharField(help_text='e.g. "… waiting for Grace Okafor and Daniel Reyes."')
    reviewers = ImprovementPlanReviewerSerializer(many=True)
    reapproval = ImprovementPlanReapprovalSerializer(allow_null=True)


def _reviewer_json(status_: ReviewerStatus) -> dict[str, Any]:
    return {
        "review": status_.review_id,
        "reviewer": status_.reviewer.get_username(),
        "name": status_.name,
        "required": status_.required,
        "decision": status_.decision,
        "comment": status_.comment,
        "requested_at": status_.requested_at,
        "decided_at": status_.decided_at,
    }


def _approval_json(approval: ApprovalStatus) -> dict[str, Any]:
    reapproval = approval.reapproval
    return {
        "revision": approval.revision,
        "requested": approval.requested,
        "approved": approval.approved,
        "missing": [status_.reviewer.get_username() for status_ in approval.missing],
        "summary": approval.summary,
        "reviewers": [_reviewer_json(status_) for status_ in approval.reviewers],
        "reapproval": None
        if reapproval is None
        else {
            "revision": reapproval.revision,
            "previous": reapproval.previous,
            "changed": list(reapproval.changed),
            "reason": reapproval.reason,
        },
    }


class ImprovementPlanSummarySerializer(serializers.ModelSerializer):
    """A plan in the list: what it is, where it stands (no content)."""

    reference = serializers.CharField(read_only=True, help_text="PAP-<id>.")
    state = inline_enum(PlanState.values, read_only=True)
    owner: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    proposals = ImprovementPlanProposalRefSerializer(many=True, read_only=True)

    class Meta:
        model = ActionPlan
        fields = [
            "id",
            "reference",
            "title",
            "state",
            "owner",
            "proposals",
            "revision",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ImprovementPlanSerializer(ImprovementPlanSummarySerializer):
    """A plan: the nine items of seed 002, its proposals, revision, version, approval."""

    approval = serializers.SerializerMethodField()

    class Meta(ImprovementPlanSummarySerializer.Meta):
        fields = [*ImprovementPlanSummarySerializer.Meta.fields, *CONTENT_FIELDS, "approval"]
        read_only_fields = fields

    @extend_schema_field(ImprovementPlanApprovalSerializer)
    def get_approval(self, plan: ActionPlan) -> dict[str, Any]:
        return _approval_json(plan_approval_status(plan))


def _content_fields() -> dict[str, serializers.Field]:
    return {
        name: serializers.CharField(required=False, allow_blank=True, help_text=label)
        for name, label in PLAN_FIELDS
    }


class _PlanInputSerializer(serializers.Serializer):
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=active_users(), help_text="Sign-in name."
    )
    proposals = serializers.PrimaryKeyRelatedField(
        queryset=Proposal.objects.all(),
        many=True,
        help_text="Ids of selected proposals (selected for validation or later).",
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, help_text="Why: kept with the revision."
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields.update(_content_fields())
        return fields


class ImprovementPlanCreateSerializer(_PlanInputSerializer):
    """A new plan: title, owner, proposals and any of the nine items."""

    title = serializers.CharField(max_length=200)


class ImprovementPlanPatchSerializer(_PlanInputSerializer):
    """A change to a plan: the ``version`` it started from, and the fields to change."""

    version = serializers.IntegerField(
        min_value=1, help_text="The version the edit started from; a stale one is a 409."
    )
    title = serializers.CharField(max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("owner", "proposals"):
            self.fields[name].required = False


class ImprovementPlanReviewerInputSerializer(serializers.Serializer):
    reviewer = serializers.SlugRelatedField(
        slug_field="username", queryset=active_users(), help_text="Sign-in name."
    )
    required = serializers.BooleanField(  # type: ignore[assignment]
        default=True, help_text="The plan is approved when every required reviewer has."
    )


class ImprovementPlanReviewAskSerializer(serializers.Serializer):
    """Whom to ask to review the current revision."""

    reviewers = ImprovementPlanReviewerInputSerializer(many=True, allow_empty=False)


class ImprovementPlanDecisionSerializer(serializers.Serializer):
    """A reviewer's decision on the revision they were asked to review."""

    decision = inline_enum([ReviewDecision.APPROVED.value, ReviewDecision.CHANGES_REQUESTED.value])
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Needed to request changes."
    )


class ImprovementPlanProposalEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()


class ImprovementPlanSnapshotSerializer(serializers.Serializer):
    """The content a revision keeps."""

    title = serializers.CharField()
    proposals = ImprovementPlanProposalEntrySerializer(many=True)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for name, label in PLAN_FIELDS:
            fields[name] = serializers.CharField(allow_blank=True, help_text=label)
        return fields


class ImprovementPlanRevisionSerializer(serializers.ModelSerializer):
    """A kept revision: its number, who made it, when and why, and its content."""

    created_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    snapshot = ImprovementPlanSnapshotSerializer(read_only=True)

    class Meta:
        model = PlanRevision
        fields = ["number", "reason", "created_by", "created_at", "snapshot"]
        read_only_fields = fields


class ImprovementPlanFieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    old = serializers.CharField(allow_blank=True)
    new = serializers.CharField(allow_blank=True)
    changed = serializers.BooleanField()


class ImprovementPlanComparisonSerializer(serializers.Serializer):
    """Two revisions field by field: title, the nine items in order, proposals."""

    plan = serializers.IntegerField()
    older = serializers.IntegerField()
    newer = serializers.IntegerField()
    changes = ImprovementPlanFieldChangeSerializer(many=True)


class _CompareQuerySerializer(serializers.Serializer):
    older = serializers.IntegerField(min_value=1)
    newer = serializers.IntegerField(min_value=1)


# Permissions ----------------------------------------------------------------------------------


class PlanPermissions(permissions.BasePermission):
    """Signed in with ``view_actionplan``; creating also needs ``add_actionplan``. The
    services check the rest (editing, asking for reviews, deciding)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if getattr(view, "action", None) == "create":
            return bool(user.has_perm("improvements.add_actionplan"))
        return bool(user.has_perm("improvements.view_actionplan"))


# Views ----------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        tags=TAGS,
        summary="List process action plans",
        responses={200: ImprovementPlanSummarySerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        tags=TAGS,
        summary="A process action plan",
        responses={200: ImprovementPlanSerializer, **DETAIL_ERRORS},
    ),
)
class ActionPlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Process action plans; writes through ``services.plans``."""

    serializer_class = ImprovementPlanSerializer
    filterset_class = PlanFilterSet
    filter_backends = ReadOnlyViewSet.filter_backends
    pagination_class = LimitOffsetPagination
    ordering_fields = ["updated_at", "created_at", "title", "state", "id"]
    lookup_value_regex = r"\d+"
    permission_classes = [PlanPermissions]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[ActionPlan]:
        return (
            ActionPlan.objects.select_related("owner")
            .prefetch_related(Prefetch("proposals", queryset=Proposal.objects.order_by("pk")))
            .order_by("-updated_at", "-pk")
        )

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "list":
            return ImprovementPlanSummarySerializer
        return ImprovementPlanSerializer

    def _plan(self, pk: Any) -> ActionPlan:
        """The plan of the URL (404), for the nested endpoints (no list filters)."""
        plan = self.get_queryset().filter(pk=pk).first()
        if plan is None:
            raise Http404("No such process action plan.")
        return plan

    def _detail(self, plan: ActionPlan, code: int = status.HTTP_200_OK) -> Response:
        fresh = self._plan(plan.pk)
        return Response(ImprovementPlanSerializer(fresh).data, status=code)

    @extend_schema(
        tags=TAGS,
        summary="Write a process action plan",
        description="A draft at revision 1 (its snapshot kept). The proposals must have "
        "been selected (selected for validation or later, not terminated).",
        request=ImprovementPlanCreateSerializer,
        responses={201: ImprovementPlanSerializer, **CREATE_ERRORS},
    )
    def create(self, request: Request) -> Response:
        serializer = ImprovementPlanCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        plan = plan_create(actor=request.user, **serializer.validated_data)
        return self._detail(plan, status.HTTP_201_CREATED)

    @extend_schema(
        tags=TAGS,
        summary="Change a process action plan",
        description="`version` is required: the version the edit started from (a stale one "
        "is a 409 and nothing is saved). While the current revision was never sent for "
        "review it is changed in place; once it was, a change makes a new revision and asks "
        "the same reviewers (same `required` flags) to approve it again. An unchanged save "
        "changes nothing.",
        request=ImprovementPlanPatchSerializer,
        responses={200: ImprovementPlanSerializer, **WRITE_ERRORS, **CONFLICT},
    )
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        plan = self._plan(pk)
        serializer = ImprovementPlanPatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        version = values.pop("version")
        plan_update(plan=plan, actor=request.user, expected_version=version, **values)
        return self._detail(plan)

    @extend_schema(
        methods=["GET"],
        tags=TAGS,
        operation_id="improvements_plans_reviews_list",
        summary="Review requests of a plan",
        description="Every request of every revision, newest revision first.",
        responses={200: ImprovementPlanReviewSerializer(many=True), **DETAIL_ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        tags=TAGS,
        operation_id="improvements_plans_reviews_create",
        summary="Ask stakeholders to review the current revision",
        description="Each reviewer must hold the review permission (a practitioner never "
        "does: 400). Nobody is asked twice for the same revision; at least one reviewer "
        "must be required. The plan is then in review.",
        request=ImprovementPlanReviewAskSerializer,
        responses={201: ImprovementPlanReviewSerializer(many=True), **WRITE_ERRORS},
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=None)
    def reviews(self, request: Request, pk: Any = None) -> Response:
        plan = self._plan(pk)
        if request.method == "GET":
            return Response(ImprovementPlanReviewSerializer(plan_review_list(plan), many=True).data)
        serializer = ImprovementPlanReviewAskSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reviewers = [(r["reviewer"], r["required"]) for r in serializer.validated_data["reviewers"]]
        created = plan_request_review(plan=plan, actor=request.user, reviewers=reviewers)
        return Response(
            ImprovementPlanReviewSerializer(created, many=True).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        tags=TAGS,
        operation_id="improvements_plans_reviews_decide",
        summary="Approve a revision, or request changes",
        description="Only the reviewer the request was sent to, holding the review "
        "permission, may decide; only for the plan's current revision and only once (403 "
        "otherwise, nothing changed). Requesting changes needs a comment. When every "
        "required reviewer has approved, the plan is approved.",
        parameters=[OpenApiParameter("review_id", int, OpenApiParameter.PATH)],
        request=ImprovementPlanDecisionSerializer,
        responses={200: ImprovementPlanReviewSerializer, **WRITE_ERRORS},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"reviews/(?P<review_id>\d+)/decide",
        filter_backends=[],
        pagination_class=None,
    )
    def decide(self, request: Request, pk: Any = None, review_id: Any = None) -> Response:
        plan = self._plan(pk)
        review = ReviewRequest.objects.select_related("reviewer").filter(pk=review_id, plan=plan)
        found = review.first()
        if found is None:
            raise Http404("No such review of this plan.")
        serializer = ImprovementPlanDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        plan_review_decide(review=found, actor=request.user, **serializer.validated_data)
        fresh = ReviewRequest.objects.select_related("reviewer", "requested_by").get(pk=found.pk)
        return Response(ImprovementPlanReviewSerializer(fresh).data)

    @extend_schema(
        tags=TAGS,
        operation_id="improvements_plans_revisions_list",
        summary="Kept revisions of a plan",
        description="Oldest first, each with who made it, when, why and its content.",
        responses={200: ImprovementPlanRevisionSerializer(many=True), **DETAIL_ERRORS},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def revisions(self, request: Request, pk: Any = None) -> Response:
        plan = self._plan(pk)
        return Response(ImprovementPlanRevisionSerializer(plan_revision_list(plan), many=True).data)

    @extend_schema(
        tags=TAGS,
        operation_id="improvements_plans_compare",
        summary="Compare two revisions field by field",
        parameters=[
            OpenApiParameter("older", int, required=True, description="A revision number."),
            OpenApiParameter("newer", int, required=True, description="A later one."),
        ],
        responses={
            200: ImprovementPlanComparisonSerializer,
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


def register(router: DefaultRouter) -> None:
    """Register this module's viewsets on the API's router."""
    router.register("improvements/plans", ActionPlanViewSet, basename="improvement-plan")
