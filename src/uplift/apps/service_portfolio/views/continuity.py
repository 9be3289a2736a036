"""Pages of continuity plans (CMMI-SVC SCON).

- ``continuity_list`` (``/services/continuity/``): every plan with its test status on
  today, the ones needing attention first (failed, overdue, never tested); filtered
  (text, service, owner, status, needs attention), sorted, paged, ``?export=csv``;
  and the catalog services that have no plan.
- ``continuity_create`` (``<slug>/continuity/new/``), ``continuity_detail``
  (``<slug>/continuity/<pk>/``: the plan, its status, every test recorded and its
  history), ``continuity_edit``, ``continuity_test`` (record a test),
  ``continuity_delete``.

Access, in this order: anonymous visitors are sent to sign in; reading needs
``view_continuityplan`` (the list) or ``service_can_see`` (a service's pages) (403); an
unknown service, or a plan that is not the service's, is a 404; then the page's own
check (403): ``service_row_can`` add, change or delete of ``continuityplan`` (the
services check again). Writes are POST only and redirect after success. A rule the
service refuses shows on the form with status 400 (the input kept); an edit started
from an older version shows "changed by …" with status 409.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, ClassVar

from django.contrib import messages
from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views import View

from uplift.apps.common.views import ObjectListView
from uplift.apps.service_portfolio import permissions
from uplift.apps.service_portfolio.choices import ServiceState
from uplift.apps.service_portfolio.errors import ConflictError, ServicePortfolioError
from uplift.apps.service_portfolio.forms.continuity import (
    ContinuityPlanFilterSet,
    ContinuityPlanForm,
    ContinuityTestForm,
    add_service_error,
)
from uplift.apps.service_portfolio.models import ContinuityPlan, Service
from uplift.apps.service_portfolio.selectors_continuity import (
    CONTINUITY_STATE_LABELS,
    ContinuityRow,
    continuity_get,
    continuity_overview,
    continuity_plans,
    continuity_status,
    continuity_tests,
)
from uplift.apps.service_portfolio.selectors_history import object_history
from uplift.apps.service_portfolio.services import continuity as services
from uplift.apps.service_portfolio.views.edits import refusal_status, say_saved
from uplift.apps.service_portfolio.views.portfolio import service_or_404

__all__ = [
    "ContinuityCreateView",
    "ContinuityDeleteView",
    "ContinuityDetailView",
    "ContinuityEditView",
    "ContinuityListView",
    "ContinuityTestView",
    "urlpatterns",
]

_MODEL = "continuityplan"

Check = Callable[[Any, Service], bool]


def _can(action: str) -> Check:
    def check(user: Any, service: Service) -> bool:
        return permissions.service_row_can(user, service, action, _MODEL)

    return check


# -- the overview ----------------------------------------------------------------------------

# Sort keys of the overview: a row's value (None sorts last either way).
_SORT_KEYS: dict[str, Callable[[ContinuityRow], Any]] = {
    "attention": lambda r: (r.severity, r.service.name.casefold(), r.plan.name.casefold()),
    "service": lambda r: (r.service.name.casefold(), r.plan.name.casefold()),
    "name": lambda r: (r.plan.name.casefold(), r.service.name.casefold()),
    "next_due": lambda r: r.status.next_due,
    "last_test": lambda r: r.plan.last_tested_on,
    "interval": lambda r: r.plan.test_interval_days,
}


def sort_rows(rows: list[ContinuityRow], sort: str) -> list[ContinuityRow]:
    """``rows`` in the order of ``sort`` (a key of ``_SORT_KEYS``, ``-`` for descending);
    rows without a value (never tested) last, ties by service and plan name."""
    key = _SORT_KEYS[sort.removeprefix("-")]
    ordered = sorted(rows, key=_SORT_KEYS["service"])
    present = [row for row in ordered if key(row) is not None]
    missing = [row for row in ordered if key(row) is None]
    present.sort(key=key, reverse=sort.startswith("-"))
    return present + missing


class ContinuityListView(ObjectListView):
    """Every continuity plan with its test status on today; CSV."""

    model = ContinuityPlan
    template_name = "service_portfolio/continuity_list.html"
    table_template_name = "partials/service_portfolio/continuity_table.html"
    filterset_class = ContinuityPlanFilterSet
    paginate_by = 50
    # The rows are sorted in Python (the status is the domain's): see ``sort_rows``.
    sort_fields: ClassVar[dict[str, str | tuple[str, ...]]] = {key: key for key in _SORT_KEYS}
    default_sort = "attention"
    export_columns: ClassVar[list[tuple[str, str]]] = [
        ("Service", "service.slug"),
        ("Service name", "service.name"),
        ("Service owner", "service.owner.username"),
        ("Plan", "plan.name"),
        ("Test status", "state_label"),
        ("Status detail", "status.detail"),
        ("Last tested on", "plan.last_tested_on"),
        ("Last result", "plan.last_test_result"),
        ("Next test due", "status.next_due"),
        ("Days overdue", "status.days_overdue"),
        ("Test interval (days)", "plan.test_interval_days"),
        ("Essential functions", "essential_functions_text"),
        ("Services depended on", "dependency_names"),
        ("Other dependencies", "plan.other_dependencies"),
        ("Vital records", "vital_records_text"),
    ]
    title = "Continuity plans"
    empty_message = "No continuity plans yet."

    def get_base_queryset(self) -> Any:
        return continuity_plans()

    def export_name(self) -> str:
        return "continuity-plans"

    def get_queryset(self) -> Any:
        queryset = self.filterset.qs if self.filterset else self.get_base_queryset()
        rows = continuity_overview(plans=queryset, user=self.request.user, today=_today())
        return sort_rows(rows, self.list_query.sort or self.default_sort)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        rows: list[ContinuityRow] = list(self.object_list)
        counts = {
            label: sum(1 for row in rows if row.status.state is state)
            for state, label in CONTINUITY_STATE_LABELS.items()
        }
        uncovered = (
            Service.objects.filter(state=ServiceState.CATALOG, continuity_plans__isnull=True)
            .select_related("owner")
            .order_by("name")
        )
        user = self.request.user
        context.update(
            {
                "counts": counts,
                "attention_count": sum(1 for row in rows if row.needs_attention),
                "uncovered": [
                    (service, permissions.service_row_can(user, service, "add", _MODEL))
                    for service in uncovered
                ],
                "query": self.request.GET.get("q", ""),
                "today": _today(),
            }
        )
        return context


def _today() -> dt.date:
    return timezone.localdate()


# -- one plan ------------------------------------------------------------------------------


class ContinuityPlanView(AccessMixin, View):
    """Sign-in, ``service_can_see``, the service of the URL (404), the plan of the URL
    when there is one (404 when it is not the service's), then the page's check (403):
    ``read_check`` guards GET, ``write_check`` POST (None: reading is enough)."""

    read_check: ClassVar[Check | None] = None
    write_check: ClassVar[Check | None] = None
    refusal: ClassVar[str] = "You may not change this service's continuity plans."
    service: Service
    plan: ContinuityPlan | None = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not permissions.service_can_see(request.user):
            raise PermissionDenied("You may not see the service portfolio.")
        self.service = service_or_404(kwargs["slug"])
        if "pk" in kwargs:
            try:
                self.plan = continuity_get(service=self.service, pk=kwargs["pk"])
            except ContinuityPlan.DoesNotExist:
                raise Http404("No such continuity plan of this service.") from None
        check = type(self).write_check if request.method == "POST" else type(self).read_check
        if check is not None and not check(request.user, self.service):
            raise PermissionDenied(self.refusal)
        return super().dispatch(request, *args, **kwargs)

    @property
    def the_plan(self) -> ContinuityPlan:
        assert self.plan is not None  # noqa: S101 - set by dispatch for URLs with a pk
        return self.plan

    def render(self, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
        user = self.request.user
        plan = self.plan
        can_change = permissions.service_row_can(user, self.service, "change", _MODEL)
        row = None
        if plan is not None:
            row = ContinuityRow(
                plan=plan, status=continuity_status(plan, today=_today()), can_edit=can_change
            )
        context = {
            "service": self.service,
            "can_edit": permissions.service_can_edit(user, self.service),
            "plan": plan,
            "row": row,
            "can_change_plan": can_change,
            "can_delete_plan": permissions.service_row_can(user, self.service, "delete", _MODEL),
            **context,
        }
        return render(self.request, template, context, status=status)


class ContinuityDetailView(ContinuityPlanView):
    """The plan: essential functions, dependencies, vital records, the plan, its test
    status, every test recorded, and its history."""

    def get(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        plan = self.the_plan
        return self.render(
            "service_portfolio/continuity_detail.html",
            {"tests": continuity_tests(plan), "history": object_history(plan)},
        )


class ContinuityCreateView(ContinuityPlanView):
    """Write a continuity plan of the service."""

    read_check = _can("add")
    write_check = _can("add")
    refusal = "You may not add continuity plans to this service."

    def show(self, form: ContinuityPlanForm, status: int = 200) -> HttpResponse:
        return self.render("service_portfolio/continuity_form.html", {"form": form}, status)

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        return self.show(ContinuityPlanForm(service=self.service))

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        form = ContinuityPlanForm(request.POST, service=self.service)
        if not form.is_valid():
            return self.show(form, status=400)
        try:
            plan = services.continuity_create(
                actor=request.user, service=self.service, **form.values()
            )
        except ServicePortfolioError as error:
            add_service_error(form, error)
            return self.show(form, status=400)
        messages.success(
            request,
            f"The continuity plan “{plan.name}” is written. It has never been tested: record "
            "its first test once it is held.",
        )
        return redirect("service_portfolio:continuity_detail", self.service.slug, plan.pk)


class ContinuityEditView(ContinuityPlanView):
    """Change the plan's content (its test has its own page)."""

    read_check = _can("change")
    write_check = _can("change")
    refusal = "You may not change the continuity plans of this service."

    def show(self, form: ContinuityPlanForm, status: int = 200) -> HttpResponse:
        return self.render(
            "service_portfolio/continuity_form.html", {"form": form, "editing": True}, status
        )

    def get(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        plan = self.the_plan
        initial = ContinuityPlanForm.initial_for(plan)
        return self.show(ContinuityPlanForm(initial=initial, service=self.service, plan=plan))

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        plan = self.the_plan
        form = ContinuityPlanForm(request.POST, service=self.service, plan=plan)
        if not form.is_valid():
            return self.show(form, status=400)
        version = plan.version
        try:
            services.continuity_update(
                actor=request.user,
                plan=plan,
                data=form.values(),
                expected_version=form.cleaned_data.get("version"),
            )
        except (ConflictError, ServicePortfolioError) as error:
            return self.show(form, status=refusal_status(form, error))
        say_saved(
            request,
            changed=plan.version != version,
            message=f"The continuity plan “{plan.name}” is saved.",
        )
        return redirect("service_portfolio:continuity_detail", self.service.slug, plan.pk)


class ContinuityTestView(ContinuityPlanView):
    """Record a test of the plan."""

    read_check = _can("change")
    write_check = _can("change")
    refusal = "You may not record tests of this service's continuity plans."

    def show(self, form: ContinuityTestForm, status: int = 200) -> HttpResponse:
        return self.render("service_portfolio/continuity_test.html", {"form": form}, status)

    def get(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        return self.show(ContinuityTestForm())

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        plan = self.the_plan
        form = ContinuityTestForm(request.POST)
        if not form.is_valid():
            return self.show(form, status=400)
        data = form.cleaned_data
        try:
            services.continuity_test_record(
                actor=request.user,
                plan=plan,
                tested_on=data["tested_on"],
                result=data["result"],
                notes=data["notes"],
            )
        except ServicePortfolioError as error:
            add_service_error(form, error)
            return self.show(form, status=400)
        status = continuity_status(plan, today=_today())
        messages.success(request, f"The test is recorded. {status.detail}")
        return redirect("service_portfolio:continuity_detail", self.service.slug, plan.pk)


class ContinuityDeleteView(ContinuityPlanView):
    """Delete the plan, after confirming; its history stays."""

    read_check = _can("delete")
    write_check = _can("delete")
    refusal = "You may not delete the continuity plans of this service."

    def get(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        return self.render("service_portfolio/continuity_delete.html", {})

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        plan = self.the_plan
        name = plan.name
        services.continuity_delete(actor=request.user, plan=plan)
        messages.success(request, f"The continuity plan “{name}” is deleted.")
        return redirect(
            reverse("service_portfolio:service_detail", args=[self.service.slug]) + "#continuity"
        )


urlpatterns: list[URLPattern] = [
    path("continuity/", ContinuityListView.as_view(), name="continuity_list"),
    path("<slug:slug>/continuity/new/", ContinuityCreateView.as_view(), name="continuity_create"),
    path(
        "<slug:slug>/continuity/<int:pk>/",
        ContinuityDetailView.as_view(),
        name="continuity_detail",
    ),
    path(
        "<slug:slug>/continuity/<int:pk>/edit/",
        ContinuityEditView.as_view(),
        name="continuity_edit",
    ),
    path(
        "<slug:slug>/continuity/<int:pk>/test/",
        ContinuityTestView.as_view(),
        name="continuity_test",
    ),
    path(
        "<slug:slug>/continuity/<int:pk>/delete/",
        ContinuityDeleteView.as_view(),
        name="continuity_delete",
    ),
]
