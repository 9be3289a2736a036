"""Policies, management reviews and their decisions, and the scorecard's settings over
HTTP (issue 7).

- ``/api/services/policies/``: list (filters ``active``, ``service`` (slug), ``owner``
  (sign-in name), ``review_overdue``; ``ordering``), create; ``/{slug}/``: retrieve,
  ``PATCH`` with the required ``version`` (a stale one is a 409);
  ``GET /{slug}/checks/`` every compliance check against the policy;
- ``/api/services/reviews/``: list (filters ``state``, ``kind``; ``ordering``), open a
  review (``services.reviews.review_open``: its services' scorecards are kept as they
  were); ``/{id}/``: the review with its opening scorecards, shortfalls and decisions,
  ``PATCH`` with ``version``; ``POST /{id}/close/``;
- ``GET``/``POST /api/services/reviews/{id}/decisions/``: the review's decisions, record
  one (while the review is open); ``POST …/decisions/{decision}/propose/`` turns a
  decision into an improvement proposal (source *service review*), once;
- ``GET``/``PATCH /api/services/settings/``: the scorecard's settings (window,
  satisfaction measure, thresholds) and each outcome's rule under them; ``PATCH`` with
  the required ``version`` (1 for the defaults; a stale one is a 409).

Permissions (``apps/service_portfolio/permissions.py``): reading needs
``service_can_see``; policies need ``policy_can_create`` / ``policy_can_edit``; reviews
``review_can_open`` / ``review_can_edit``; decisions ``decision_can_add`` and, to propose,
``decision_can_propose``; the settings ``settings_can_change``. The services check
again. A refusal is a 403 and nothing is written; a rule the service refuses is a 400
naming the field; a stale ``version`` a 409.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
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
from rest_framework.reverse import reverse
from rest_framework.routers import BaseRouter
from rest_framework.views import APIView

from uplift.api.errors import LIST_ERRORS, ErrorSerializer, detail_errors
from uplift.api.helpers import active_users, require, user_name, version_and_changes
from uplift.api.measurement_shapes import inline_enum
from uplift.api.pagination import LimitOffsetPagination
from uplift.api.viewsets import ReadOnlyViewSet
from uplift.apps.improvements.models import Proposal
from uplift.apps.library.filtersets import StrictBooleanFilter
from uplift.apps.measurements.models import Measure
from uplift.apps.service_portfolio import permissions as rules
from uplift.apps.service_portfolio.choices import (
    ComplianceResult,
    OutcomeChoice,
    ReviewKind,
    ReviewState,
)
from uplift.apps.service_portfolio.forms.reviews import ReviewFilterSet
from uplift.apps.service_portfolio.models import (
    ComplianceCheck,
    Decision,
    Policy,
    Review,
    ScorecardSettings,
    Service,
)
from uplift.apps.service_portfolio.selectors_policies import policy_list
from uplift.apps.service_portfolio.selectors_reviews import (
    ReviewDetail,
    decision_number,
    review_detail,
    review_list,
)
from uplift.apps.service_portfolio.selectors_scorecard import (
    scorecard_rules,
    scorecard_settings_get,
)
from uplift.apps.service_portfolio.services.objectives import scorecard_settings_update
from uplift.apps.service_portfolio.services.policies import policy_create, policy_update
from uplift.apps.service_portfolio.services.reviews import (
    decision_add,
    decision_propose,
    review_close,
    review_open,
    review_update,
)
from uplift.domain.service_outcomes import Outcome, outcome_rules

__all__ = ["PolicyViewSet", "ReviewViewSet", "ScorecardSettingsViewSet", "register"]

TAGS = ["services"]
DENIED = OpenApiResponse(
    ErrorSerializer, description="Not signed in, or not allowed to make this change."
)
INVALID = OpenApiResponse(ErrorSerializer, description="Invalid input; `errors` names the field.")
CONFLICT = {
    409: OpenApiResponse(
        ErrorSerializer,
        description="Someone saved it after the `version` sent; nothing was saved.",
    )
}
POLICY_ERRORS = detail_errors("No such policy.")
REVIEW_ERRORS = detail_errors("No such review.")
DECISION_ERRORS = detail_errors("No such review, or decision of it.")


class SeeServices(permissions.BasePermission):
    """Signed in and ``service_can_see``; the views check each write's own rule, and the
    services check again."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return rules.service_can_see(request.user)


# Filters ---------------------------------------------------------------------------------------


class PolicyFilterSet(django_filters.FilterSet):
    """Policies by state, a service they govern (slug), owner (sign-in name) and whether
    their review is overdue."""

    active = StrictBooleanFilter(help_text="true or false.")
    service = django_filters.ModelChoiceFilter(
        queryset=Service.objects.all(), to_field_name="slug", field_name="services"
    )
    owner = django_filters.ModelChoiceFilter(
        queryset=active_users(), to_field_name="username", field_name="owner"
    )
    review_overdue = StrictBooleanFilter(
        field_name="review_overdue", help_text="true: active and due for review before today."
    )

    class Meta:
        model = Policy
        fields = ["active", "service", "owner", "review_overdue"]


# Policies --------------------------------------------------------------------------------------


class PolicySerializer(serializers.ModelSerializer):
    """An IT policy: what it requires, its owner, when it is next reviewed, the services
    it governs."""

    owner: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text="Sign-in name."
    )
    owner_name = serializers.SerializerMethodField()
    services: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True, help_text="Slugs of the services."
    )
    review_overdue = serializers.BooleanField(
        read_only=True, help_text="Active and due for review before today."
    )
    service_count = serializers.IntegerField(read_only=True, help_text="Services governed.")
    passed_count = serializers.IntegerField(
        read_only=True, help_text="Governed services whose latest check passed."
    )
    failed_count = serializers.IntegerField(read_only=True)
    waived_count = serializers.IntegerField(read_only=True)
    unchecked_count = serializers.IntegerField(
        read_only=True, help_text="Governed services never checked against it."
    )

    class Meta:
        model = Policy
        fields = [
            "id",
            "slug",
            "name",
            "statement",
            "owner",
            "owner_name",
            "review_due",
            "review_overdue",
            "services",
            "active",
            "version",
            "service_count",
            "passed_count",
            "failed_count",
            "waived_count",
            "unchecked_count",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_owner_name(self, policy: Policy) -> str:
        return user_name(policy.owner)


class _PolicyFieldsSerializer(serializers.Serializer):
    services = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Service.objects.all(),
        many=True,
        required=False,
        help_text="Slugs of the services it governs.",
    )


class PolicyInputSerializer(_PolicyFieldsSerializer):
    """A new policy."""

    slug = serializers.SlugField(max_length=100)
    name = serializers.CharField(max_length=200)
    statement = serializers.CharField(help_text="What the policy requires.")
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=active_users(), help_text="Sign-in name."
    )
    review_due = serializers.DateField(help_text="When the policy is next reviewed.")


class PolicyPatchSerializer(_PolicyFieldsSerializer):
    """A change to a policy: the ``version`` it started from, and the fields to change."""

    version = serializers.IntegerField(
        min_value=1, help_text="The version the edit started from; a stale one is a 409."
    )
    name = serializers.CharField(max_length=200, required=False)
    statement = serializers.CharField(required=False)
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=active_users(), required=False
    )
    review_due = serializers.DateField(required=False)
    active = serializers.BooleanField(required=False)


class PolicyCheckSerializer(serializers.ModelSerializer):
    """A compliance check against the policy."""

    service: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text="The service's slug."
    )
    result = inline_enum(ComplianceResult.values, read_only=True)
    checked_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = ComplianceCheck
        fields = ["id", "service", "checked_on", "result", "reason", "checked_by", "created_at"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(
        tags=TAGS,
        summary="IT policies",
        responses={200: PolicySerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        tags=TAGS, summary="An IT policy", responses={200: PolicySerializer, **POLICY_ERRORS}
    ),
)
class PolicyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """IT policies; writes through ``services.policies``."""

    serializer_class = PolicySerializer
    filterset_class = PolicyFilterSet
    filter_backends = ReadOnlyViewSet.filter_backends
    pagination_class = LimitOffsetPagination
    ordering_fields = ["name", "slug", "review_due", "id"]
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    permission_classes = [SeeServices]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Policy]:
        return policy_list().prefetch_related(
            Prefetch("services", queryset=Service.objects.order_by("name"))
        )

    def _policy(self, slug: Any) -> Policy:
        policy = self.get_queryset().filter(slug=slug).first()
        if policy is None:
            raise Http404("No such policy.")
        return policy

    @extend_schema(
        tags=TAGS,
        summary="Add an IT policy",
        description="Its slug, name, statement, owner, the day it is next reviewed and the "
        "services it governs.",
        request=PolicyInputSerializer,
        responses={201: PolicySerializer, 400: INVALID, 403: DENIED},
    )
    def create(self, request: Request) -> Response:
        require(rules.policy_can_create(request.user), "You may not add policies.")
        serializer = PolicyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        policy = policy_create(actor=request.user, **serializer.validated_data)
        return Response(
            PolicySerializer(self._policy(policy.slug)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        tags=TAGS,
        summary="Change an IT policy",
        description="`version` is required: the version the edit started from (a stale one "
        "is a 409 and nothing is saved). `active` false retires the policy: its checks no "
        "longer count.",
        request=PolicyPatchSerializer,
        responses={200: PolicySerializer, 400: INVALID, 403: DENIED, **POLICY_ERRORS, **CONFLICT},
    )
    def partial_update(self, request: Request, slug: Any = None) -> Response:
        policy = self._policy(slug)
        require(rules.policy_can_edit(request.user, policy), "You may not change this policy.")
        serializer = PolicyPatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version, values = version_and_changes(serializer.validated_data)
        policy_update(actor=request.user, policy=policy, data=values, expected_version=version)
        return Response(PolicySerializer(self._policy(policy.slug)).data)

    @extend_schema(
        tags=TAGS,
        operation_id="services_policies_checks",
        summary="Compliance checks against a policy",
        description="Every check of every service, the newest first.",
        responses={200: PolicyCheckSerializer(many=True), **POLICY_ERRORS},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def checks(self, request: Request, slug: Any = None) -> Response:
        policy = self._policy(slug)
        rows = policy.checks.select_related("service", "checked_by").order_by("-checked_on", "-pk")
        return Response(PolicyCheckSerializer(rows, many=True).data)


# Reviews and decisions -------------------------------------------------------------------------


class ProposalRefSerializer(serializers.ModelSerializer):
    """The improvement proposal a decision became."""

    reference = serializers.CharField(read_only=True, help_text="IP-<id>.")
    state = serializers.CharField(read_only=True)

    class Meta:
        model = Proposal
        fields = ["id", "reference", "title", "state", "source_reference"]
        read_only_fields = fields


class DecisionSerializer(serializers.ModelSerializer):
    """A decision of a review, about a service and one of its outcomes (optional), with
    its number in the review and the proposal it became (null: not yet)."""

    number = serializers.SerializerMethodField()
    service: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True, help_text="The service's slug."
    )
    outcome = inline_enum(["", *OutcomeChoice.values], read_only=True)
    owner: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="Sign-in name."
    )
    proposal = ProposalRefSerializer(read_only=True, allow_null=True)
    created_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Decision
        fields = [
            "id",
            "number",
            "review",
            "service",
            "outcome",
            "text",
            "owner",
            "due",
            "proposal",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.INT)
    def get_number(self, decision: Decision) -> int:
        """1, 2, … in the order the review recorded them."""
        numbers = self.context.get("numbers") or {}
        found = numbers.get(decision.pk)
        return found if found is not None else decision_number(decision)


class DecisionInputSerializer(serializers.Serializer):
    """A decision: its text, and optionally the service (one of the review's), the outcome
    it is about, who owns it and by when."""

    text = serializers.CharField()
    service = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Service.objects.all(),
        required=False,
        allow_null=True,
        help_text="The service's slug (one of the review's services).",
    )
    outcome = inline_enum(["", *OutcomeChoice.values], required=False)
    owner = serializers.SlugRelatedField(
        slug_field="username",
        queryset=active_users(),
        required=False,
        allow_null=True,
        help_text="Sign-in name.",
    )
    due = serializers.DateField(required=False, allow_null=True)


class DecisionProposeSerializer(serializers.Serializer):
    """The proposal's title and problem statement; by default built from the decision,
    the service's shortfall and its evidence."""

    title = serializers.CharField(max_length=200, required=False)
    problem_statement = serializers.CharField(required=False)


class ReviewSerializer(serializers.ModelSerializer):
    """A management review: kind, when, chair, the services it reviews, its state, and
    how many decisions it took (``proposal_count``: those that became proposals)."""

    kind = inline_enum(ReviewKind.values, read_only=True)
    state = inline_enum(ReviewState.values, read_only=True)
    chair: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text="Sign-in name."
    )
    chair_name = serializers.SerializerMethodField()
    services: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True, help_text="Slugs of the services."
    )
    created_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    decision_count = serializers.IntegerField(read_only=True)
    proposal_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Review
        fields = [
            "id",
            "title",
            "kind",
            "held_on",
            "chair",
            "chair_name",
            "services",
            "state",
            "notes",
            "created_by",
            "created_at",
            "closed_at",
            "version",
            "decision_count",
            "proposal_count",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_chair_name(self, review: Review) -> str:
        return user_name(review.chair)


class ReviewShortfallSerializer(serializers.Serializer):
    """An outcome of a service at risk or not met when the review opened."""

    service = serializers.CharField(help_text="The service's slug.")
    service_name = serializers.CharField()
    outcome = inline_enum([o.value for o in Outcome])
    title = serializers.CharField()
    status = inline_enum(["at_risk", "not_met"])
    reason = serializers.CharField()


class ReviewDetailSerializer(ReviewSerializer):
    """A review with the scorecards of its services as kept when it opened
    (``opening_snapshot``: ``{taken_at, as_of, services: [{id, slug, name, taken_at,
    scorecard}]}``, each scorecard as ``GET /api/services/{slug}/scorecard/``), their
    shortfalls, and its decisions with the proposals they became."""

    opening_snapshot = serializers.JSONField(read_only=True)
    shortfalls = serializers.SerializerMethodField()
    decisions = serializers.SerializerMethodField()

    class Meta(ReviewSerializer.Meta):
        fields = [*ReviewSerializer.Meta.fields, "opening_snapshot", "shortfalls", "decisions"]
        read_only_fields = fields

    def _detail(self, review: Review) -> ReviewDetail:
        found = self.context.get("detail")
        return found if found is not None else review_detail(review)

    @extend_schema_field(ReviewShortfallSerializer(many=True))
    def get_shortfalls(self, review: Review) -> list[dict[str, Any]]:
        return [
            {
                "service": row.slug,
                "service_name": row.name,
                "outcome": score.outcome,
                "title": score.title,
                "status": score.status,
                "reason": score.reason,
            }
            for row, score in self._detail(review).shortfalls
        ]

    @extend_schema_field(DecisionSerializer(many=True))
    def get_decisions(self, review: Review) -> Any:
        rows = self._detail(review).decisions
        context = {"numbers": {row.decision.pk: row.number for row in rows}}
        return DecisionSerializer([row.decision for row in rows], many=True, context=context).data


def _decisions() -> QuerySet[Decision]:
    return Decision.objects.select_related(
        "review", "service", "owner", "proposal", "created_by"
    ).order_by("pk")


class _ReviewFieldsSerializer(serializers.Serializer):
    notes = serializers.CharField(required=False, allow_blank=True)
    chair = serializers.SlugRelatedField(
        slug_field="username",
        queryset=active_users(),
        required=False,
        help_text="Sign-in name (default: you).",
    )


class ReviewInputSerializer(_ReviewFieldsSerializer):
    """A review to open: its title, kind, day and services (default: every service in the
    catalog). Their scorecards are kept as they are now."""

    title = serializers.CharField(max_length=200)
    kind = inline_enum(ReviewKind.values)
    held_on = serializers.DateField()
    services = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Service.objects.all(),
        many=True,
        required=False,
        help_text="Slugs of the services (default: every service in the catalog).",
    )


class ReviewPatchSerializer(_ReviewFieldsSerializer):
    """A change to a review: the ``version`` it started from, and the fields to change."""

    version = serializers.IntegerField(
        min_value=1, help_text="The version the edit started from; a stale one is a 409."
    )
    title = serializers.CharField(max_length=200, required=False)
    held_on = serializers.DateField(required=False)


@extend_schema_view(
    list=extend_schema(
        tags=TAGS,
        summary="Management reviews",
        responses={200: ReviewSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        tags=TAGS,
        summary="A management review",
        description="With the scorecards of its services as they were when it opened, "
        "their shortfalls and the decisions, each with the proposal it became.",
        responses={200: ReviewDetailSerializer, **REVIEW_ERRORS},
    ),
)
class ReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Service alignment and portfolio reviews; writes through ``services.reviews``."""

    serializer_class = ReviewDetailSerializer
    filterset_class = ReviewFilterSet
    filter_backends = ReadOnlyViewSet.filter_backends
    pagination_class = LimitOffsetPagination
    ordering_fields = ["held_on", "title", "state", "id"]
    lookup_value_regex = r"\d+"
    permission_classes = [SeeServices]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Review]:
        return (
            review_list()
            .select_related("created_by")
            .prefetch_related(Prefetch("services", queryset=Service.objects.order_by("name")))
        )

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "list":
            return ReviewSerializer
        return ReviewDetailSerializer

    def _review(self, pk: Any) -> Review:
        review = self.get_queryset().filter(pk=pk).first()
        if review is None:
            raise Http404("No such review.")
        return review

    def _editable(self, pk: Any, doing: str) -> Review:
        review = self._review(pk)
        require(rules.review_can_edit(self.request.user, review), f"You may not {doing}.")
        return review

    def _detail(self, review: Review, code: int = status.HTTP_200_OK) -> Response:
        fresh = self._review(review.pk)
        context = {"detail": review_detail(fresh)}
        return Response(ReviewDetailSerializer(fresh, context=context).data, status=code)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(self._review(kwargs.get("pk")))

    @extend_schema(
        tags=TAGS,
        summary="Open a management review",
        description="The scorecards of its services (default: every service in the catalog) "
        "are kept as they are now, with their shortfalls, so the record shows what was "
        "decided on. The chair defaults to you.",
        request=ReviewInputSerializer,
        responses={201: ReviewDetailSerializer, 400: INVALID, 403: DENIED},
    )
    def create(self, request: Request) -> Response:
        require(rules.review_can_open(request.user), "You may not open reviews.")
        serializer = ReviewInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        if "services" in values:
            values["services"] = list(values["services"])
        review = review_open(actor=request.user, **values)
        return self._detail(review, status.HTTP_201_CREATED)

    @extend_schema(
        tags=TAGS,
        summary="Change a management review",
        description="`version` is required: the version the edit started from (a stale one "
        "is a 409 and nothing is saved).",
        request=ReviewPatchSerializer,
        responses={
            200: ReviewDetailSerializer,
            400: INVALID,
            403: DENIED,
            **REVIEW_ERRORS,
            **CONFLICT,
        },
    )
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        review = self._editable(pk, "change this review")
        serializer = ReviewPatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version, values = version_and_changes(serializer.validated_data)
        review_update(actor=request.user, review=review, data=values, expected_version=version)
        return self._detail(review)

    @extend_schema(
        tags=TAGS,
        operation_id="services_reviews_close",
        summary="Close a management review",
        description="No decisions are recorded after it closes.",
        request=None,
        responses={200: ReviewDetailSerializer, 400: INVALID, 403: DENIED, **REVIEW_ERRORS},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def close(self, request: Request, pk: Any = None) -> Response:
        review = self._editable(pk, "close this review")
        review_close(actor=request.user, review=review)
        return self._detail(review)

    @extend_schema(
        methods=["GET"],
        tags=TAGS,
        operation_id="services_reviews_decisions_list",
        summary="Decisions of a review",
        responses={200: DecisionSerializer(many=True), **REVIEW_ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        tags=TAGS,
        operation_id="services_reviews_decisions_create",
        summary="Record a decision",
        description="While the review is open; the service, if named, is one of the review's.",
        request=DecisionInputSerializer,
        responses={201: DecisionSerializer, 400: INVALID, 403: DENIED, **REVIEW_ERRORS},
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=None)
    def decisions(self, request: Request, pk: Any = None) -> Response:
        review = self._review(pk)
        if request.method == "GET":
            rows = list(_decisions().filter(review=review))
            context = {"numbers": {row.pk: n for n, row in enumerate(rows, start=1)}}
            return Response(DecisionSerializer(rows, many=True, context=context).data)
        # Whether the person records decisions at all; a closed review is a rule the
        # service names (400), not a refusal.
        require(
            rules.decision_can_add(request.user, Review(state=ReviewState.OPEN)),
            "You may not record decisions of reviews.",
        )
        serializer = DecisionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decision = decision_add(actor=request.user, review=review, **serializer.validated_data)
        body = DecisionSerializer(_decisions().get(pk=decision.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=TAGS,
        operation_id="services_reviews_decisions_propose",
        summary="Turn a decision into an improvement proposal",
        description="Submits a proposal whose source is this service review (the review, "
        "its date, the decision and the service), with a title and problem statement "
        "built from the decision, the service's shortfall and its evidence unless given. "
        "Once per decision: a second time is a 400 naming the proposal. Answers the "
        "decision with its proposal; `Location` is the proposal's API address.",
        parameters=[OpenApiParameter("decision", int, OpenApiParameter.PATH)],
        request=DecisionProposeSerializer,
        responses={201: DecisionSerializer, 400: INVALID, 403: DENIED, **DECISION_ERRORS},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"decisions/(?P<decision>\d+)/propose",
        url_name="decision-propose",
        filter_backends=[],
        pagination_class=None,
    )
    def propose(self, request: Request, pk: Any = None, decision: Any = None) -> Response:
        review = self._review(pk)
        found = _decisions().filter(pk=decision, review=review).first()
        if found is None:
            raise Http404("No such decision of this review.")
        # Whether the person may propose at all; a decision that became a proposal already
        # is a rule the service names (400), not a refusal.
        unproposed = found if found.proposal_id is None else Decision(review_id=found.review_id)
        require(
            rules.decision_can_propose(request.user, unproposed),
            "You may not turn decisions into improvement proposals: that needs the "
            "permission to record decisions and to add proposals.",
        )
        serializer = DecisionProposeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        proposal = decision_propose(actor=request.user, decision=found, **serializer.validated_data)
        body = DecisionSerializer(_decisions().get(pk=found.pk)).data
        location = reverse("api:improvement-proposal-detail", args=[proposal.pk], request=request)
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": location})


# Scorecard settings ----------------------------------------------------------------------------


class OutcomeRuleSerializer(serializers.Serializer):
    """How one outcome is judged under the settings."""

    outcome = inline_enum([o.value for o in Outcome])
    title = serializers.CharField()
    evidence = serializers.ListField(child=serializers.CharField())
    text = serializers.CharField()


SETTINGS_FIELDS = [
    "window_months",
    "satisfaction_target",
    "satisfaction_at_risk_floor",
    "slo_met_share",
    "slo_at_risk_share",
    "availability_met_percent",
    "availability_at_risk_percent",
    "max_waived_share",
    "cost_flat_tolerance",
    "cost_at_risk_rise",
    "cost_min_periods",
    "lead_time_target_days",
    "lead_time_at_risk_ceiling_days",
]


class ScorecardSettingsSerializer(serializers.ModelSerializer):
    """The scorecard's settings and each outcome's rule under them."""

    satisfaction_measure: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True, help_text="The measure's slug."
    )
    updated_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    rules = serializers.SerializerMethodField()

    class Meta:
        model = ScorecardSettings
        fields = [*SETTINGS_FIELDS, "satisfaction_measure", "updated_by", "version", "rules"]
        read_only_fields = fields

    @extend_schema_field(OutcomeRuleSerializer(many=True))
    def get_rules(self, settings: ScorecardSettings) -> list[dict[str, Any]]:
        return [
            {
                "outcome": rule.outcome.value,
                "title": rule.title,
                "evidence": list(rule.evidence),
                "text": rule.text,
            }
            for rule in outcome_rules(scorecard_rules(settings))
        ]


class ScorecardSettingsPatchSerializer(serializers.Serializer):
    """The ``version`` the change started from (1 for the defaults) and the settings to
    change; thresholds are checked together (a met bound looser than its at-risk bound is
    a 400 naming the field)."""

    version = serializers.IntegerField(
        min_value=1,
        help_text="The version the edit started from (1 for the defaults); a stale one is a 409.",
    )
    window_months = serializers.IntegerField(required=False, min_value=1)
    satisfaction_measure = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Measure.objects.all(),
        required=False,
        allow_null=True,
        help_text="The measure's slug.",
    )
    satisfaction_target = serializers.FloatField(required=False)
    satisfaction_at_risk_floor = serializers.FloatField(required=False)
    slo_met_share = serializers.FloatField(required=False)
    slo_at_risk_share = serializers.FloatField(required=False)
    availability_met_percent = serializers.FloatField(required=False)
    availability_at_risk_percent = serializers.FloatField(required=False)
    max_waived_share = serializers.FloatField(required=False)
    cost_flat_tolerance = serializers.FloatField(required=False)
    cost_at_risk_rise = serializers.FloatField(required=False)
    cost_min_periods = serializers.IntegerField(required=False, min_value=0)
    lead_time_target_days = serializers.FloatField(required=False)
    lead_time_at_risk_ceiling_days = serializers.FloatField(required=False)


class ScorecardSettingsViewSet(viewsets.GenericViewSet):
    """The one row of scorecard settings at ``/api/services/settings/``; writes through
    ``services.objectives.scorecard_settings_update``."""

    serializer_class = ScorecardSettingsSerializer
    permission_classes = [SeeServices]
    filter_backends: list[Any] = []
    pagination_class = None

    def get_queryset(self) -> QuerySet[ScorecardSettings]:
        return ScorecardSettings.objects.all()

    @extend_schema(
        methods=["GET"],
        tags=TAGS,
        operation_id="services_settings_retrieve",
        summary="The scorecard's settings",
        description="The window, the satisfaction measure and every threshold, with each "
        "outcome's rule as text (the defaults until someone saves them).",
        responses={200: ScorecardSettingsSerializer, 403: LIST_ERRORS[403]},
    )
    @extend_schema(
        methods=["PATCH"],
        tags=TAGS,
        operation_id="services_settings_partial_update",
        summary="Change the scorecard's settings",
        description="The process group only. `version` is required: the version the edit "
        "started from (1 for the defaults; every save adds one; a stale one is a 409 and "
        "nothing is saved). Every scorecard is judged under the new settings from now on; "
        "reviews keep the scorecards they opened with.",
        request=ScorecardSettingsPatchSerializer,
        responses={200: ScorecardSettingsSerializer, 400: INVALID, 403: DENIED, **CONFLICT},
    )
    # Not named ``settings``: a view's ``settings`` are DRF's API settings.
    @action(detail=False, methods=["get", "patch"], url_path="settings", url_name="settings")
    def scorecard_settings(self, request: Request) -> Response:
        if request.method == "GET":
            return Response(ScorecardSettingsSerializer(scorecard_settings_get()).data)
        require(
            rules.settings_can_change(request.user), "You may not change the scorecard settings."
        )
        serializer = ScorecardSettingsPatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version, values = version_and_changes(serializer.validated_data)
        saved = scorecard_settings_update(actor=request.user, data=values, expected_version=version)
        return Response(ScorecardSettingsSerializer(saved).data)


def register(router: BaseRouter) -> None:
    """Register this module's viewsets (the specific prefixes first: they come before a
    service's slug under ``services/``)."""
    router.register("services/policies", PolicyViewSet, basename="service-policy")
    router.register("services/reviews", ReviewViewSet, basename="service-review")
    # Only ``services/settings/`` (an action on the list route; no list of its own).
    router.register("services", ScorecardSettingsViewSet, basename="service-settings")
