"""The rows of a service over HTTP, mixed into ``ServiceViewSet`` (issue 7).

Each kind of row has ``GET``/``POST`` on ``/api/services/{slug}/<rows>/`` and ``PATCH``
and/or ``DELETE`` on ``…/{slug}/<rows>/{row_id}/``:

- ``objectives`` (``PATCH`` with ``version``, ``DELETE``), with
  ``…/{row_id}/attainment/?start=&end=``: met, missed or no data per period;
- ``periods``: cost and demand per month (``PATCH`` with ``version``, ``DELETE``); a
  ``POST`` for a month already kept changes it (with ``version``: only from that
  version); ``POST …/periods/import/`` a CSV file, all rows or none;
- ``changes`` (``PATCH`` with ``version``, ``DELETE``);
- ``continuity``: plans (``PATCH`` with ``version``), ``POST …/continuity/{row_id}/test/``;
- ``compliance``: every check, ``current`` marking the ones the scorecard counts.

A create answers the row (201), a change the row, a removal 204; a row of another
service is a 404; a stale ``version`` a 409 (nothing is saved). Reading needs
``service_can_see`` (the viewset's permission); each write ``service_row_can`` (a
portfolio manager, or the service's owner holding the row's permission), a compliance
check ``compliance_can_record`` and, for a waiver, ``compliance_can_waive``; the
services check again. ``ServiceRowsMixin`` expects the viewset's ``_service`` (the
service of the URL, else 404). Objectives and changes are declared as a
``RowCollection`` each (``uplift.api.row_actions``), and so are a period's change and
removal; the other endpoints behave differently and are written out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import parsers, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from uplift.api.errors import ErrorSerializer, detail_errors
from uplift.api.helpers import require, version_and_changes
from uplift.api.parsers import CSVFileParser
from uplift.api.row_actions import RowCollection, RowOp, RowParent
from uplift.api.service_row_shapes import (
    CONFLICT,
    DETAIL_ERRORS,
    ROW_ERRORS,
    ROW_ID,
    TAGS,
    WRITE_ERRORS,
    ComplianceCheckInputSerializer,
    ComplianceCheckSerializer,
    ContinuityPlanInputSerializer,
    ContinuityPlanPatchSerializer,
    ContinuityPlanSerializer,
    ContinuityTestInputSerializer,
    ObjectiveAttainmentSerializer,
    RowT,
    ServiceChangeInputSerializer,
    ServiceChangePatchSerializer,
    ServiceChangeSerializer,
    ServiceLevelObjectiveInputSerializer,
    ServiceLevelObjectivePatchSerializer,
    ServiceLevelObjectiveSerializer,
    ServicePeriodImportResultSerializer,
    ServicePeriodImportSerializer,
    ServicePeriodInputSerializer,
    ServicePeriodPatchSerializer,
    ServicePeriodSerializer,
    _AttainmentQuerySerializer,
)
from uplift.apps.service_portfolio import permissions as rules
from uplift.apps.service_portfolio.choices import (
    ComplianceResult,
)
from uplift.apps.service_portfolio.models import (
    ComplianceCheck,
    ContinuityPlan,
    Service,
    ServiceChange,
    ServiceLevelObjective,
    ServicePeriod,
)
from uplift.apps.service_portfolio.selectors import service_change_list
from uplift.apps.service_portfolio.selectors_continuity import (
    continuity_plans,
    continuity_statuses,
)
from uplift.apps.service_portfolio.selectors_policies import latest_checks
from uplift.apps.service_portfolio.selectors_scorecard import (
    scorecard_window,
    slo_attainments,
)
from uplift.apps.service_portfolio.services.continuity import (
    continuity_create,
    continuity_test_record,
    continuity_update,
)
from uplift.apps.service_portfolio.services.objectives import (
    slo_create,
    slo_delete,
    slo_update,
)
from uplift.apps.service_portfolio.services.policies import compliance_record
from uplift.apps.service_portfolio.services.portfolio import (
    change_add,
    change_delete,
    change_update,
    period_delete,
    period_set,
    periods_import,
)

__all__ = ["ServiceRowsMixin"]


SERVICE = RowParent(
    lookup="slug",
    operation_prefix="services",
    tags=TAGS,
    detail_errors=DETAIL_ERRORS,
    write_errors=WRITE_ERRORS,
    row_errors=ROW_ERRORS,
    row_id=ROW_ID,
)


def _slo_update(
    slo: ServiceLevelObjective, actor: Any, data: dict[str, Any]
) -> ServiceLevelObjective:
    version, values = version_and_changes(data)
    return slo_update(actor=actor, slo=slo, data=values, expected_version=version)


OBJECTIVES = RowCollection[Service, ServiceLevelObjective](
    parent=SERVICE,
    name="objectives",
    row_name="objective_row",
    noun="objective",
    serializer=ServiceLevelObjectiveSerializer,
    rows=lambda service: service.slos.select_related("measure"),
    row_queryset=ServiceLevelObjective.objects.select_related("service", "measure"),
    refusal={
        "add": "add service-level objectives",
        "change": "change service-level objectives",
        "delete": "remove service-level objectives",
    },
    list_summary="Service-level objectives of a service",
    add_input=ServiceLevelObjectiveInputSerializer,
    add=lambda service, actor, data: slo_create(actor=actor, service=service, **data),
    add_summary="Add a service-level objective",
    add_description="A measure (by slug) of the measurement store, a target, the statistic "
    "(the period's mean, or the share of observations meeting the target with a "
    "required share) and the period (month or quarter). Its name is unique in the "
    "service.",
    update_input=ServiceLevelObjectivePatchSerializer,
    update=_slo_update,
    update_summary="Change a service-level objective",
    update_description="`version` is required: the version the edit started from (a stale "
    "one is a 409 and nothing is saved). Any of its fields; `active` false keeps it but "
    "leaves it off the scorecard.",
    update_errors=CONFLICT,
    remove=lambda row, actor: slo_delete(actor=actor, slo=row),
    remove_summary="Remove a service-level objective",
)


def _period_update(row: ServicePeriod, actor: Any, data: dict[str, Any]) -> ServicePeriod:
    version, values = version_and_changes(data)
    return period_set(
        actor=actor,
        service=row.service,
        period=row.period,
        cost=values.get("cost", row.cost),
        demand=values.get("demand", row.demand),
        expected_version=version,
    )


# Only the row action is generated: ``ServiceRowsMixin.periods`` is hand-written.
PERIODS = RowCollection[Service, ServicePeriod](
    parent=SERVICE,
    name="periods",
    row_name="period_row",
    noun="month",
    serializer=ServicePeriodSerializer,
    rows=lambda service: service.periods.order_by("period"),
    row_queryset=ServicePeriod.objects.select_related("service"),
    refusal={"change": "change the cost and demand", "delete": "remove the cost and demand"},
    update_input=ServicePeriodPatchSerializer,
    update=_period_update,
    update_summary="Change a month's cost and demand",
    update_description="`version` is required: the version the edit started from (a stale "
    "one is a 409 and nothing is saved). `cost` and/or `demand` (null: unknown).",
    update_errors=CONFLICT,
    remove=lambda row, actor: period_delete(actor=actor, period_row=row),
    remove_summary="Remove a month's cost and demand",
)


def _change_update(row: ServiceChange, actor: Any, data: dict[str, Any]) -> ServiceChange:
    version, values = version_and_changes(data)
    return change_update(actor=actor, change=row, data=values, expected_version=version)


CHANGES = RowCollection[Service, ServiceChange](
    parent=SERVICE,
    name="changes",
    row_name="change_row",
    noun="change",
    serializer=ServiceChangeSerializer,
    rows=service_change_list,
    row_queryset=ServiceChange.objects.select_related("service"),
    refusal={"add": "record changes", "change": "change changes", "delete": "remove changes"},
    list_summary="Changes to a service",
    list_description="The newest request first, each with its lead time once delivered.",
    add_input=ServiceChangeInputSerializer,
    add=lambda service, actor, data: change_add(actor=actor, service=service, **data),
    add_summary="Record a change to a service",
    add_description="Delivered (if it was) on or after the day it was requested.",
    update_input=ServiceChangePatchSerializer,
    update=_change_update,
    update_summary="Change the record of a change",
    update_description="`version` is required: the version the edit started from (a stale "
    "one is a 409 and nothing is saved). Most often: the day it was delivered.",
    update_errors=CONFLICT,
    remove=lambda row, actor: change_delete(actor=actor, change=row),
    remove_summary="Remove a change",
)


class ServiceRowsMixin:
    """The nested row endpoints of ``ServiceViewSet``: objectives (and their attainment),
    cost and demand, changes, continuity plans and compliance checks. Reading needs
    ``service_can_see`` (the viewset's permission); each write ``service_row_can`` or
    ``compliance_can_record`` (the services check again)."""

    if TYPE_CHECKING:
        # Provided by the viewset.
        request: Any

        def _service(self, slug: Any) -> Service: ...

    def _rows_editable(self, slug: Any, model: str, *actions: str, doing: str) -> Service:
        """The service of the URL once ``service_row_can`` allows each of ``actions`` on
        its ``model`` rows (else 403)."""
        service = self._service(slug)
        user = self.request.user
        require(
            all(rules.service_row_can(user, service, act, model) for act in actions),
            f"You may not {doing} of {service.name}.",
        )
        return service

    def _row_parent(self, slug: Any) -> Service:
        return self._service(slug)

    def _row_parent_editable(
        self, slug: Any, rows: RowCollection[Service, Any], op: RowOp
    ) -> Service:
        return self._rows_editable(slug, rows.model_name, op, doing=rows.refusal_for(op))

    def _row(self, rows: QuerySet[RowT], service: Service, row_id: Any, what: str) -> RowT:
        """The row ``row_id`` of ``service`` (404 for a row of another service)."""
        row = rows.filter(pk=row_id, service=service).first()
        if row is None:
            raise Http404(f"No such {what} of this service.")
        return row

    # Objectives -------------------------------------------------------------------------------

    objectives = OBJECTIVES.list_action()
    objective_row = OBJECTIVES.row_action()

    @extend_schema(
        tags=TAGS,
        operation_id="services_objectives_attainment",
        summary="An objective's attainment per period",
        description="Met, missed or no data in each of its periods (months or quarters) "
        "lying within `start`..`end`, judged from the observations of the objective's "
        "measure for the service's work activities. Default: the scorecard's window (the "
        "last full months).",
        parameters=[
            ROW_ID,
            OpenApiParameter("start", OpenApiTypes.DATE, description="Default: window start."),
            OpenApiParameter("end", OpenApiTypes.DATE, description="Default: window end."),
        ],
        responses={
            200: ObjectiveAttainmentSerializer,
            400: OpenApiResponse(
                ErrorSerializer, description="A malformed date, or an end before the start."
            ),
            **detail_errors("No such service, or objective of it."),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"objectives/(?P<row_id>\d+)/attainment",
        filter_backends=[],
        pagination_class=None,
    )
    def attainment(self, request: Request, slug: Any = None, row_id: Any = None) -> Response:
        service = self._service(slug)
        slo = self._row(OBJECTIVES.row_queryset, service, row_id, OBJECTIVES.noun)
        query = _AttainmentQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        window_start, window_end = scorecard_window()
        start = query.validated_data.get("start") or window_start
        end = query.validated_data.get("end") or window_end
        if start > end:
            raise serializers.ValidationError({"end": ["The end is before the start."]})
        periods = slo_attainments(slo, start=start, end=end)
        body = {
            "objective": slo.pk,
            "name": slo.name,
            "start": start,
            "end": end,
            "periods": [period.as_json() for period in periods],
        }
        return Response(ObjectiveAttainmentSerializer(body).data)

    # Cost and demand --------------------------------------------------------------------------

    @extend_schema(
        methods=["GET"],
        tags=TAGS,
        operation_id="services_periods_list",
        summary="Cost and demand of a service per month",
        description="The oldest month first.",
        responses={200: ServicePeriodSerializer(many=True), **DETAIL_ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        tags=TAGS,
        operation_id="services_periods_create",
        summary="Keep a month's cost and demand",
        description="`period` is the month (YYYY-MM, or any date in it; it must have "
        "begun). A month already kept is changed (200); a new one is added (201). With "
        "`version`, only a month kept at that version is changed (else 409).",
        request=ServicePeriodInputSerializer,
        responses={
            201: ServicePeriodSerializer,
            200: OpenApiResponse(ServicePeriodSerializer, description="The month was changed."),
            **WRITE_ERRORS,
            **CONFLICT,
        },
    )
    # Hand-written: a POST for a month already kept changes it and answers 200.
    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=None)
    def periods(self, request: Request, slug: Any = None) -> Response:
        if request.method == "GET":
            rows = PERIODS.rows(self._service(slug))
            return Response(ServicePeriodSerializer(rows, many=True).data)
        service = self._rows_editable(
            slug, "serviceperiod", "add", "change", doing="keep the cost and demand"
        )
        serializer = ServicePeriodInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        month = serializer.validated_data["period"].replace(day=1)
        known = service.periods.filter(period=month).exists()
        version, values = version_and_changes(serializer.validated_data)
        row = period_set(actor=request.user, service=service, expected_version=version, **values)
        code = status.HTTP_200_OK if known else status.HTTP_201_CREATED
        return Response(ServicePeriodSerializer(row).data, status=code)

    period_row = PERIODS.row_action()

    @extend_schema(
        tags=TAGS,
        operation_id="services_periods_import",
        summary="Import cost and demand from a CSV file",
        description="Multipart `file`, or the CSV itself as the body (`text/csv`). Columns "
        "`period` (YYYY-MM or a date in the month), `cost` and optionally `demand`. Months "
        "already kept are changed. A rejected file is a 400 listing every problem with its "
        "line; then nothing is written.",
        request={
            "multipart/form-data": ServicePeriodImportSerializer,
            "text/csv": {"type": "string", "format": "binary"},
        },
        responses={200: ServicePeriodImportResultSerializer, **WRITE_ERRORS},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="periods/import",
        url_name="periods-import",
        parser_classes=[parsers.MultiPartParser, CSVFileParser],
        filter_backends=[],
        pagination_class=None,
    )
    def import_periods(self, request: Request, slug: Any = None) -> Response:
        service = self._rows_editable(
            slug, "serviceperiod", "add", "change", doing="import the cost and demand"
        )
        serializer = ServicePeriodImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        count = periods_import(
            actor=request.user, service=service, data=upload.read(), filename=upload.name
        )
        body = {"imported": count, "periods": list(service.periods.order_by("period"))}
        return Response(ServicePeriodImportResultSerializer(body).data)

    # Changes ----------------------------------------------------------------------------------

    changes = CHANGES.list_action()
    change_row = CHANGES.row_action()

    # Continuity -------------------------------------------------------------------------------
    # Hand-written: the list gives each plan's test status (serializer context), and a plan
    # is answered re-read through ``continuity_plans`` (its status annotations).

    def _plan_body(self, plan: ContinuityPlan) -> Any:
        fresh = continuity_plans().get(pk=plan.pk)
        return ContinuityPlanSerializer(fresh).data

    @extend_schema(
        methods=["GET"],
        tags=TAGS,
        operation_id="services_continuity_list",
        summary="Continuity plans of a service",
        description="Each with its test status today.",
        responses={200: ContinuityPlanSerializer(many=True), **DETAIL_ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        tags=TAGS,
        operation_id="services_continuity_create",
        summary="Add a continuity plan",
        description="Essential functions, dependencies (services by slug, and others), vital "
        "records, the plan and how often it is tested (days). Its name is unique in the "
        "service.",
        request=ContinuityPlanInputSerializer,
        responses={201: ContinuityPlanSerializer, **WRITE_ERRORS},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="continuity",
        url_name="continuity",
        filter_backends=[],
        pagination_class=None,
    )
    def continuity(self, request: Request, slug: Any = None) -> Response:
        if request.method == "GET":
            plans = list(continuity_plans().filter(service=self._service(slug)))
            context = {"statuses": continuity_statuses(plans)}
            return Response(ContinuityPlanSerializer(plans, many=True, context=context).data)
        service = self._rows_editable(slug, "continuityplan", "add", doing="add continuity plans")
        serializer = ContinuityPlanInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        plan = continuity_create(actor=request.user, service=service, **serializer.validated_data)
        return Response(self._plan_body(plan), status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=TAGS,
        operation_id="services_continuity_partial_update",
        summary="Change a continuity plan",
        description="`version` is required: the version the edit started from (a stale one "
        "is a 409 and nothing is saved). A test is recorded with `…/test/`.",
        parameters=[ROW_ID],
        request=ContinuityPlanPatchSerializer,
        responses={200: ContinuityPlanSerializer, **ROW_ERRORS, **CONFLICT},
    )
    @action(
        detail=True,
        methods=["patch"],
        url_path=r"continuity/(?P<row_id>\d+)",
        url_name="continuity-row",
        filter_backends=[],
        pagination_class=None,
    )
    def continuity_row(self, request: Request, slug: Any = None, row_id: Any = None) -> Response:
        service = self._rows_editable(
            slug, "continuityplan", "change", doing="change continuity plans"
        )
        plan = self._row(continuity_plans(), service, row_id, "continuity plan")
        serializer = ContinuityPlanPatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version, values = version_and_changes(serializer.validated_data)
        continuity_update(actor=request.user, plan=plan, data=values, expected_version=version)
        return Response(self._plan_body(plan))

    @extend_schema(
        tags=TAGS,
        operation_id="services_continuity_test",
        summary="Record a test of a continuity plan",
        description="The day it was tested (not in the future, not before the test already "
        "recorded), passed or failed (a failure says what failed, in `notes`). The next "
        "test falls due `test_interval_days` later.",
        parameters=[ROW_ID],
        request=ContinuityTestInputSerializer,
        responses={200: ContinuityPlanSerializer, **ROW_ERRORS},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"continuity/(?P<row_id>\d+)/test",
        url_name="continuity-test",
        filter_backends=[],
        pagination_class=None,
    )
    def continuity_test(self, request: Request, slug: Any = None, row_id: Any = None) -> Response:
        service = self._rows_editable(
            slug, "continuityplan", "change", doing="record continuity tests"
        )
        plan = self._row(continuity_plans(), service, row_id, "continuity plan")
        serializer = ContinuityTestInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        continuity_test_record(actor=request.user, plan=plan, **serializer.validated_data)
        return Response(self._plan_body(plan))

    # Compliance -------------------------------------------------------------------------------
    # Hand-written: its own door checks (``compliance_can_record``, a waiver
    # ``compliance_can_waive``) and ``current`` in the serializer context; no row action.

    @extend_schema(
        methods=["GET"],
        tags=TAGS,
        operation_id="services_compliance_list",
        summary="Compliance checks of a service",
        description="Every check, the newest first; `current` marks the latest check per "
        "active policy governing the service (the ones the scorecard counts).",
        responses={200: ComplianceCheckSerializer(many=True), **DETAIL_ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        tags=TAGS,
        operation_id="services_compliance_create",
        summary="Record a compliance check",
        description="Against an active policy governing the service, by the service's owner "
        "or a portfolio manager, not in the future. A failure states the finding in "
        "`reason`; a waiver states its reason and needs the waiver permission (process "
        "group, sponsor, steering committee: an owner does not waive their own service).",
        request=ComplianceCheckInputSerializer,
        responses={201: ComplianceCheckSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=None)
    def compliance(self, request: Request, slug: Any = None) -> Response:
        service = self._service(slug)
        checks = ComplianceCheck.objects.select_related("policy", "service", "checked_by")
        if request.method == "POST":
            require(
                rules.compliance_can_record(request.user, service),
                f"You may not record compliance checks of {service.name}.",
            )
            serializer = ComplianceCheckInputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            values = dict(serializer.validated_data)
            require(
                values["result"] != ComplianceResult.WAIVED
                or rules.compliance_can_waive(request.user),
                "You may not waive a policy: a waiver needs the process group, a sponsor or "
                "the steering committee.",
            )
            check = compliance_record(actor=request.user, service=service, **values)
            context = {"current": {row.pk for row in latest_checks(service)}}
            body = ComplianceCheckSerializer(checks.get(pk=check.pk), context=context).data
            return Response(body, status=status.HTTP_201_CREATED)
        rows = checks.filter(service=service).order_by("-checked_on", "-pk")
        context = {"current": {check.pk for check in latest_checks(service)}}
        return Response(ComplianceCheckSerializer(rows, many=True, context=context).data)
