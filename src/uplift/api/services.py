"""The service portfolio over HTTP: services and their rows (issue 7).

- ``/api/services/``: the portfolio (filters of ``ServiceFilterSet``; ``ordering``),
  each service with its six outcome statuses and shortfalls; ``POST`` creates a
  service (``services.portfolio.service_create``);
- ``/api/services/{slug}/``: a service; ``PATCH`` with the required ``version`` the
  edit started from (a stale one is a 409 and nothing is saved); the state moves
  proposed → catalog → retired (back to the catalog only by a portfolio manager);
- ``GET /api/services/{slug}/scorecard/``: ``service_scorecard(service).as_json()``,
  the JSON of ``uplift services scorecard SLUG --json``; ``GET /api/services/scorecards/``
  every service's (``portfolio_scorecards``);
- ``GET /api/services/continuity/``: every continuity plan with its test status
  (``?attention=true``: never tested, failed or overdue);
- the service's rows, each ``GET``/``POST`` on ``…/{slug}/<rows>/`` and ``PATCH``/
  ``DELETE`` on ``…/{slug}/<rows>/{row_id}/``: ``objectives`` (with
  ``…/{row_id}/attainment/?start=&end=`` per period), ``periods`` (cost and demand per
  month; a ``POST`` for a month already kept changes it; ``POST …/periods/import/`` a
  CSV file, all rows or none), ``changes``, ``continuity`` (``PATCH`` with ``version``;
  ``POST …/continuity/{row_id}/test/`` records a test) and ``compliance`` (every
  check, the ones counting marked ``current``; ``POST`` records one). A create answers
  the row (201), a change the row, a removal 204; a row of another service is a 404.

Permissions (``apps/service_portfolio/permissions.py``): reading needs
``service_can_see``; creating a service ``service_can_create``; changing it
``service_can_edit``; each row write ``service_row_can`` (a portfolio manager, or the
service's owner holding the row's permission); a compliance check
``compliance_can_record`` and, for a waiver, ``compliance_can_waive``. The services
check again. A refusal is a 403 and nothing is written; a rule the service refuses is
a 400 naming the field; a stale ``version`` a 409.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone
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
from rest_framework.routers import BaseRouter
from rest_framework.views import APIView

from uplift.api.errors import LIST_ERRORS, ErrorSerializer, detail_errors
from uplift.api.helpers import active_users, require, user_name, version_and_changes
from uplift.api.measurement_shapes import inline_enum
from uplift.api.pagination import LimitOffsetPagination
from uplift.api.service_row_shapes import (
    ContinuityStatusSerializer,
    PeriodAttainmentSerializer,
)
from uplift.api.service_rows import ServiceRowsMixin
from uplift.api.viewsets import ReadOnlyViewSet
from uplift.apps.measurements.models import Objective
from uplift.apps.organization.models import OrganizationalUnit, WorkActivity
from uplift.apps.service_portfolio import permissions as rules
from uplift.apps.service_portfolio import selectors
from uplift.apps.service_portfolio.choices import (
    ComplianceResult,
    ServiceState,
    SloKind,
    SloPeriod,
    SloStatistic,
    TestResult,
)
from uplift.apps.service_portfolio.filtersets import ServiceFilterSet
from uplift.apps.service_portfolio.models import (
    Service,
)
from uplift.apps.service_portfolio.selectors_continuity import (
    continuity_overview,
)
from uplift.apps.service_portfolio.selectors_scorecard import (
    portfolio_scorecards,
    service_scorecard,
)
from uplift.apps.service_portfolio.services.portfolio import (
    service_create,
    service_update,
)
from uplift.domain.service_outcomes import (
    OUTCOME_TITLES,
    Outcome,
    OutcomeStatus,
)

__all__ = ["ServiceViewSet", "register"]

TAGS = ["services"]
DETAIL_ERRORS = detail_errors("No such service.")
DENIED = OpenApiResponse(
    ErrorSerializer, description="Not signed in, or not allowed to make this change."
)
INVALID = OpenApiResponse(ErrorSerializer, description="Invalid input; `errors` names the field.")
WRITE_ERRORS = {400: INVALID, 403: DENIED, 404: DETAIL_ERRORS[404]}
CONFLICT = {
    409: OpenApiResponse(
        ErrorSerializer,
        description="Someone saved it after the `version` sent; nothing was saved.",
    )
}
SLUG_PATTERN = r"[-a-zA-Z0-9_]+"


# Shapes ----------------------------------------------------------------------------------------


def _outcome_status(outcome: Outcome) -> Any:
    return inline_enum(
        [status.value for status in OutcomeStatus], help_text=OUTCOME_TITLES[outcome]
    )


class ServiceOutcomesSerializer(serializers.Serializer):
    """The status of each of the six outcomes on the service's scorecard."""

    valuable_and_compelling = _outcome_status(Outcome.VALUABLE)
    predictable = _outcome_status(Outcome.PREDICTABLE)
    reliable = _outcome_status(Outcome.RELIABLE)
    compliant = _outcome_status(Outcome.COMPLIANT)
    cost_effective = _outcome_status(Outcome.COST_EFFECTIVE)
    able_to_adapt = _outcome_status(Outcome.ADAPTABLE)


class ServiceSerializer(serializers.ModelSerializer):
    """A service: who owns it, whom it serves, which objectives and work activities, and
    its scorecard at a glance (``outcomes``; ``shortfalls``: outcomes at risk or not
    met)."""

    state = inline_enum(ServiceState.values, read_only=True)
    owner: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text="Sign-in name."
    )
    owner_name = serializers.SerializerMethodField()
    unit: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text="The organizational unit's slug."
    )
    objectives: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="Ids of the business objectives it serves."
    )
    work_activities: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True, help_text="Slugs of the work activities."
    )
    customers = serializers.ListField(child=serializers.CharField(), read_only=True)
    itsm_processes = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="ITSM process area ids."
    )
    outcomes = serializers.SerializerMethodField()
    shortfalls = serializers.SerializerMethodField()

    class Meta:
        model = Service
        fields = [
            "id",
            "slug",
            "name",
            "description",
            "state",
            "owner",
            "owner_name",
            "customers",
            "unit",
            "objectives",
            "work_activities",
            "itsm_processes",
            "capacity",
            "demand_unit",
            "currency",
            "version",
            "created_at",
            "outcomes",
            "shortfalls",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_owner_name(self, service: Service) -> str:
        return user_name(service.owner)

    def _scorecard(self, service: Service) -> Any:
        found = self.context.get("scorecards", {}).get(service.pk)
        return found if found is not None else service_scorecard(service)

    @extend_schema_field(ServiceOutcomesSerializer)
    def get_outcomes(self, service: Service) -> dict[str, str]:
        scores = self._scorecard(service).scorecard.scores
        return {score.outcome.value: score.status.value for score in scores}

    @extend_schema_field(
        serializers.ListField(
            child=inline_enum([o.value for o in Outcome]),
            help_text="The outcomes at risk or not met.",
        )
    )
    def get_shortfalls(self, service: Service) -> list[str]:
        return [score.outcome.value for score in self._scorecard(service).scorecard.shortfalls]


class _ServiceInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    state = inline_enum(ServiceState.values, required=False)
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=active_users(), required=False, help_text="Sign-in name."
    )
    unit = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=OrganizationalUnit.objects.all(),
        required=False,
        help_text="The organizational unit's slug.",
    )
    customers = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, help_text="Whom it serves."
    )
    objectives = serializers.PrimaryKeyRelatedField(
        queryset=Objective.objects.all(),
        many=True,
        required=False,
        help_text="Ids of the business objectives it serves.",
    )
    work_activities = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=WorkActivity.objects.all(),
        many=True,
        required=False,
        help_text="Slugs of the work activities that deliver it.",
    )
    itsm_processes = serializers.ListField(
        child=serializers.CharField(max_length=50),
        required=False,
        help_text="Identifiers of ITSM process areas (SLM, CAPM, …).",
    )
    capacity = serializers.FloatField(required=False, allow_null=True)
    demand_unit = serializers.CharField(max_length=50, required=False, allow_blank=True)
    currency = serializers.CharField(max_length=3, required=False)


class ServiceCreateSerializer(_ServiceInputSerializer):
    """A new service: slug, name, owner and unit at least (state default: proposed)."""

    slug = serializers.SlugField(max_length=100, help_text="Not one of the reserved words.")
    name = serializers.CharField(max_length=200)
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=active_users(), help_text="Sign-in name."
    )
    unit = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=OrganizationalUnit.objects.all(),
        help_text="The organizational unit's slug.",
    )


class ServicePatchSerializer(_ServiceInputSerializer):
    """A change to a service: the ``version`` it started from, and the fields to change."""

    version = serializers.IntegerField(
        min_value=1, help_text="The version the edit started from; a stale one is a 409."
    )


class OutcomeScoreSerializer(serializers.Serializer):
    """One outcome judged: its status, the rule, why, and the figures used."""

    outcome = inline_enum([o.value for o in Outcome])
    title = serializers.CharField()
    status = inline_enum([s.value for s in OutcomeStatus])
    rule = serializers.CharField()
    reason = serializers.CharField()
    figures = serializers.DictField(help_text="The numbers behind the status, by name.")


class ScorecardContinuitySerializer(ContinuityStatusSerializer):
    plan = serializers.CharField(help_text="The plan's name.")


class ScorecardComplianceSerializer(serializers.Serializer):
    """The latest check against one active policy governing the service."""

    policy = serializers.CharField(help_text="The policy's slug.")
    result = inline_enum(ComplianceResult.values)
    reason = serializers.CharField(allow_blank=True)
    checked_on = serializers.DateField()


class ScorecardPeriodSerializer(serializers.Serializer):
    period = serializers.CharField(help_text="YYYY-MM.")
    cost = serializers.FloatField()
    demand = serializers.FloatField(allow_null=True)


class ScorecardEvidenceSerializer(serializers.Serializer):
    """The evidence of the window the outcomes were judged from."""

    satisfaction_measure = serializers.CharField(
        allow_null=True, help_text="The settings' satisfaction measure (slug)."
    )
    satisfaction_responses = serializers.IntegerField()
    satisfaction_mean = serializers.FloatField(allow_null=True)
    availability_percent = serializers.FloatField(allow_null=True)
    continuity = ScorecardContinuitySerializer(many=True)
    compliance = ScorecardComplianceSerializer(many=True)
    unchecked_policies = serializers.ListField(
        child=serializers.CharField(), help_text="Active governing policies never checked."
    )
    periods = ScorecardPeriodSerializer(many=True)
    demand_used = serializers.BooleanField(help_text="Cost was judged per unit of demand.")
    change_lead_times_days = serializers.ListField(child=serializers.FloatField())
    utilization_percent = serializers.FloatField(
        allow_null=True, help_text="The latest period's demand against the capacity."
    )


class ScorecardObjectiveSerializer(serializers.Serializer):
    """An active objective and its periods in the window."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = inline_enum(SloKind.values)
    measure = serializers.CharField(help_text="The measure's slug.")
    statistic = inline_enum(SloStatistic.values)
    target = serializers.FloatField()
    required_share = serializers.FloatField(allow_null=True)
    period = inline_enum(SloPeriod.values)
    met = serializers.IntegerField()
    missed = serializers.IntegerField()
    no_data = serializers.IntegerField()
    periods = PeriodAttainmentSerializer(many=True)


class ServiceScorecardSerializer(serializers.Serializer):
    """``service_scorecard(service).as_json()``: the six outcomes judged from the
    evidence of the window (the last full months), with the objectives' periods."""

    service = serializers.CharField(help_text="The service's slug.")
    window_start = serializers.DateField()
    window_end = serializers.DateField()
    scores = OutcomeScoreSerializer(many=True)
    shortfalls = serializers.ListField(
        child=inline_enum([o.value for o in Outcome]),
        help_text="The outcomes at risk or not met.",
    )
    evidence = ScorecardEvidenceSerializer()
    objectives = ScorecardObjectiveSerializer(many=True)
    slo_missed_periods = serializers.IntegerField(
        help_text="Periods missed in the window, over every active objective."
    )
    notes = serializers.ListField(child=serializers.CharField())


class PortfolioScorecardsSerializer(serializers.Serializer):
    """Every service's scorecard, by service name."""

    count = serializers.IntegerField()
    scorecards = ServiceScorecardSerializer(many=True)


class ContinuityOverviewRowSerializer(serializers.Serializer):
    """``ContinuityRow.as_json()``: a plan, its service and its test status today."""

    id = serializers.IntegerField()
    service = serializers.CharField(help_text="The service's slug.")
    service_name = serializers.CharField()
    name = serializers.CharField()
    essential_functions = serializers.ListField(child=serializers.CharField())
    dependencies = serializers.ListField(
        child=serializers.CharField(), help_text="Slugs of the services it needs."
    )
    other_dependencies = serializers.CharField(allow_blank=True)
    vital_records = serializers.ListField(child=serializers.CharField())
    test_interval_days = serializers.IntegerField()
    last_tested_on = serializers.DateField(allow_null=True)
    last_test_result = inline_enum(TestResult.values, allow_null=True)
    status = ContinuityStatusSerializer()
    needs_attention = serializers.BooleanField(help_text="Never tested, failed or overdue.")


class ContinuityOverviewSerializer(serializers.Serializer):
    """Every continuity plan with its test status on ``today``: the ones needing attention
    first (failed, overdue, never tested), then by service and name."""

    today = serializers.DateField()
    count = serializers.IntegerField()
    plans = ContinuityOverviewRowSerializer(many=True)


# Permissions -----------------------------------------------------------------------------------


class ServicePermissions(permissions.BasePermission):
    """Signed in and ``service_can_see``; creating also needs ``service_can_create``.
    The views check each write's rule on the service, and the services check again."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if getattr(view, "action", None) == "create":
            return rules.service_can_create(user)
        return rules.service_can_see(user)


class _StateQuerySerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=ServiceState.values, required=False)


class _AttentionQuerySerializer(serializers.Serializer):
    attention = serializers.BooleanField(required=False, default=False)


# The services ----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        tags=TAGS,
        summary="The service portfolio",
        description="Each service with the status of its six outcomes and its shortfalls "
        "(the scorecard over the window). The outcome filters: `outcome` alone, services "
        "falling short in it; with `status`, services whose outcome has that status; "
        "`shortfall=yes|no`.",
        responses={200: ServiceSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        tags=TAGS, summary="A service", responses={200: ServiceSerializer, **DETAIL_ERRORS}
    ),
)
class ServiceViewSet(
    ServiceRowsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Services and their rows; writes through ``services.portfolio``, ``objectives``,
    ``continuity`` and ``policies``."""

    serializer_class = ServiceSerializer
    filterset_class = ServiceFilterSet
    filter_backends = ReadOnlyViewSet.filter_backends
    pagination_class = LimitOffsetPagination
    ordering_fields = ["name", "slug", "state", "created_at", "id"]
    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN
    permission_classes = [ServicePermissions]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Service]:
        return selectors.service_list().prefetch_related(
            Prefetch("work_activities", queryset=WorkActivity.objects.order_by("slug")),
            Prefetch("objectives", queryset=Objective.objects.order_by("pk")),
        )

    def _service(self, slug: Any) -> Service:
        """The service of the URL (404), for the nested endpoints (no list filters)."""
        service = self.get_queryset().filter(slug=slug).first()
        if service is None:
            raise Http404("No such service.")
        return service

    def _serialize(self, services: list[Service]) -> Any:
        """The services with their scorecards (one batch for all of them)."""
        context = {**self.get_serializer_context(), "scorecards": portfolio_scorecards(services)}
        return ServiceSerializer(services, many=True, context=context).data

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        if page is None:
            return Response(self._serialize(list(queryset)))
        return self.get_paginated_response(self._serialize(list(page)))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self._serialize([self._service(kwargs.get("slug"))])[0])

    def _detail(self, service: Service, code: int = status.HTTP_200_OK) -> Response:
        return Response(self._serialize([self._service(service.slug)])[0], status=code)

    @extend_schema(
        tags=TAGS,
        summary="Add a service to the portfolio",
        description="A portfolio manager only. The slug may not be one of the reserved "
        "words (new, policies, reviews, continuity, settings, scorecards); the owner must "
        "be able to edit the service (the service owner role, or the process group).",
        request=ServiceCreateSerializer,
        responses={201: ServiceSerializer, 400: INVALID, 403: DENIED},
    )
    def create(self, request: Request) -> Response:
        serializer = ServiceCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        service = service_create(actor=request.user, **serializer.validated_data)
        return self._detail(service, status.HTTP_201_CREATED)

    @extend_schema(
        tags=TAGS,
        summary="Change a service",
        description="`version` is required: the version the edit started from (a stale one "
        "is a 409 and nothing is saved). The state moves proposed → catalog or retired, "
        "catalog → retired; a retired service returns to the catalog only by a portfolio "
        "manager, and nothing goes back to proposed. Only a portfolio manager changes the "
        "owner or the slug.",
        request=ServicePatchSerializer,
        responses={200: ServiceSerializer, **WRITE_ERRORS, **CONFLICT},
    )
    def partial_update(self, request: Request, slug: Any = None) -> Response:
        service = self._service(slug)
        require(rules.service_can_edit(request.user, service), "You may not change this service.")
        serializer = ServicePatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version, values = version_and_changes(serializer.validated_data)
        service_update(actor=request.user, service=service, data=values, expected_version=version)
        return self._detail(service)

    @extend_schema(
        tags=TAGS,
        operation_id="services_scorecard",
        summary="A service's scorecard",
        description="Each of the six outcomes judged from the evidence of the window (the "
        "last full months), with its rule, the figures used and why, and each active "
        "objective's periods: the JSON of `uplift services scorecard SLUG --json`.",
        responses={200: ServiceScorecardSerializer, **DETAIL_ERRORS},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def scorecard(self, request: Request, slug: Any = None) -> Response:
        return Response(service_scorecard(self._service(slug)).as_json())

    @extend_schema(
        tags=TAGS,
        operation_id="services_scorecards",
        summary="Every service's scorecard",
        description="Every service with its six outcomes, by name (`state` narrows it): "
        "the JSON of `uplift services scorecard --all --json`.",
        parameters=[
            OpenApiParameter(
                "state", str, enum=ServiceState.values, description="Only services in this state."
            )
        ],
        responses={200: PortfolioScorecardsSerializer, **LIST_ERRORS},
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def scorecards(self, request: Request) -> Response:
        query = _StateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        services = selectors.service_list()
        if query.validated_data.get("state"):
            services = services.filter(state=query.validated_data["state"])
        return Response(_portfolio_scorecards_json(list(services)))

    @extend_schema(
        tags=TAGS,
        operation_id="services_continuity_overview",
        summary="Every continuity plan and its testing",
        description="Each plan with its test status today, the ones needing attention first "
        "(failed, overdue, never tested); `attention=true` keeps only those. The JSON of "
        "`uplift services continuity --json`.",
        parameters=[
            OpenApiParameter(
                "attention", bool, description="Only the plans never tested, failed or overdue."
            )
        ],
        responses={200: ContinuityOverviewSerializer, **LIST_ERRORS},
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="continuity",
        url_name="continuity-overview",
        filter_backends=[],
        pagination_class=None,
    )
    def continuity_index(self, request: Request) -> Response:
        query = _AttentionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(_continuity_overview_json(attention=query.validated_data["attention"]))


def _portfolio_scorecards_json(services: list[Service]) -> dict[str, Any]:
    """``{"count", "scorecards": [ServiceScorecard.as_json()]}`` of ``services`` in their
    order (the body of ``GET /api/services/scorecards/`` and of
    ``uplift services scorecard --all --json``)."""
    found = portfolio_scorecards(services)
    cards = [found[service.pk].as_json() for service in services]
    return {"count": len(cards), "scorecards": cards}


def _continuity_overview_json(*, attention: bool = False) -> dict[str, Any]:
    """``{"today", "count", "plans": [ContinuityRow.as_json()]}`` (the body of ``GET
    /api/services/continuity/`` and of ``uplift services continuity --json``)."""
    today = timezone.localdate()
    rows = continuity_overview(today=today)
    if attention:
        rows = [row for row in rows if row.needs_attention]
    return {
        "today": today.isoformat(),
        "count": len(rows),
        "plans": [row.as_json() for row in rows],
    }


def register(router: BaseRouter) -> None:
    """Register this module's viewsets (the specific prefixes first)."""
    router.register("services", ServiceViewSet, basename="service")
