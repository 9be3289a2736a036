"""Pages of the portfolio: the list, a service (its page, edit, history), its cost and
demand per month (with CSV import and export), and its changes.

- ``service_list`` (``/services/``): every service with state, owner, customers, unit,
  the six outcome statuses of its scorecard and the SLO periods missed; filtered
  (text, state, owner, unit, an outcome's status, falls short), sorted, paged,
  exported (``?export=csv|xlsx``: every filtered service).
- ``service_create`` (``new/``), ``service_detail`` (``<slug>/``: the overview, its
  objectives, cost and changes, and the sections of the scorecard, continuity,
  compliance and the ITSM to CMMI-SVC mapping),
  ``service_edit``, ``service_history``.
- ``service_periods`` (``<slug>/periods/``): every month's cost and demand, a form to
  record or replace one (``?period=YYYY-MM`` fills it in to edit that month), delete,
  a CSV import (all or nothing, every problem listed with its line) and
  ``?export=csv`` in the import's format.
- ``service_changes`` (``<slug>/changes/``): the changes with their lead times, add,
  edit (``?edit=<id>``), delete; ``?export=csv``.

Access, in this order: anonymous visitors are sent to sign in; reading needs
``service_can_see`` (403); an unknown service or row is a 404; then the page's own
check (403): creating needs ``service_can_create``, editing ``service_can_edit``, the
rows ``service_row_can`` (the services check again). Writes are POST only and redirect
after success. A rule the service refuses shows on the form with status 400 (the input
kept); an edit started from an older version shows "changed by …" with status 409.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar

from django.contrib import messages
from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views import View
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from uplift.apps.common.exports import (
    XLSX_CONTENT_TYPE,
    csv_response,
    download,
    resolve_attribute,
    safe_cell,
)
from uplift.apps.common.views import InvalidListQuery, ListQuery, ObjectListView
from uplift.apps.service_portfolio import permissions, selectors
from uplift.apps.service_portfolio.charts import cost_points, cost_trend_svg
from uplift.apps.service_portfolio.choices import OutcomeChoice
from uplift.apps.service_portfolio.errors import ConflictError, ServicePortfolioError
from uplift.apps.service_portfolio.filtersets import ServiceFilterSet
from uplift.apps.service_portfolio.forms.portfolio import (
    ChangeForm,
    PeriodForm,
    PeriodImportForm,
    ServiceForm,
    add_service_error,
)
from uplift.apps.service_portfolio.models import Service, ServiceChange, ServicePeriod
from uplift.apps.service_portfolio.selectors import PortfolioRow
from uplift.apps.service_portfolio.services import portfolio as services
from uplift.apps.service_portfolio.views.edits import refusal_status, say_saved
from uplift.domain.errors import InvalidDocument

__all__ = [
    "ServiceChangesView",
    "ServiceCreateView",
    "ServiceDetailView",
    "ServiceEditView",
    "ServiceHistoryView",
    "ServiceListView",
    "ServicePeriodsView",
    "ServiceView",
    "service_or_404",
    "urlpatterns",
]

Check = Callable[[Any, Service], bool]


def _bad_request(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "common/bad_request.html", {"message": message}, status=400)


def service_or_404(slug: str) -> Service:
    """The service of a URL, or a 404."""
    try:
        return selectors.service_get(slug=slug)
    except Service.DoesNotExist:
        raise Http404("No such service in the portfolio.") from None


class ServiceView(AccessMixin, View):
    """Sign-in, the view permission, the service of the URL (404), then the page's check.

    ``read_check`` guards GET, ``write_check`` POST (None: reading it is enough). The
    other pages of a service (objectives, continuity, compliance) may build on it.
    """

    read_check: ClassVar[Check | None] = None
    write_check: ClassVar[Check | None] = None
    refusal: ClassVar[str] = "You may not change this service."
    service: Service

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not permissions.service_can_see(request.user):
            raise PermissionDenied("You may not see the service portfolio.")
        self.service = service_or_404(kwargs["slug"])
        check = type(self).write_check if request.method == "POST" else type(self).read_check
        if check is not None and not check(request.user, self.service):
            raise PermissionDenied(self.refusal)
        return super().dispatch(request, *args, **kwargs)

    def render(self, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
        context = {
            "service": self.service,
            "can_edit": permissions.service_can_edit(self.request.user, self.service),
            **context,
        }
        return render(self.request, template, context, status=status)


# -- the portfolio ------------------------------------------------------------------------------

EXPORT_COLUMNS: list[tuple[str, str]] = [
    ("Slug", "service.slug"),
    ("Name", "service.name"),
    ("State", "service.get_state_display"),
    ("Owner", "owner_name"),
    ("Owner sign-in", "service.owner.username"),
    ("Customers", "customers_text"),
    ("Unit", "service.unit.name"),
    ("ITSM processes", "itsm_text"),
    ("Capacity", "service.capacity"),
    ("Demand unit", "service.demand_unit"),
    ("Currency", "service.currency"),
    ("Active objectives", "service.slo_count"),
    ("Valuable and compelling", "valuable"),
    ("Predictable", "predictable"),
    ("Reliable", "reliable"),
    ("Compliant", "compliant"),
    ("Cost-effective", "cost_effective"),
    ("Able to adapt", "adaptable"),
    ("Shortfalls", "shortfall_titles"),
    ("SLO periods judged", "slo_periods"),
    ("SLO periods missed", "slo_periods_missed"),
    ("Objectives missed", "slos_missing_text"),
]


def portfolio_workbook(rows: Iterable[Any], *, columns: Sequence[tuple[str, str]]) -> bytes:
    """The portfolio as one sheet, a row a service; header kept in view, every column
    filters; formula-like texts neutralised (``safe_cell``)."""
    workbook = Workbook()
    workbook.remove(workbook.worksheets[0])  # the blank default sheet
    sheet = workbook.create_sheet("Service portfolio")
    workbook.properties.title = "Service portfolio"
    workbook.properties.creator = "Uplift"
    sheet.append([header for header, _ in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    count = 1
    for row in rows:
        sheet.append([safe_cell(resolve_attribute(row, attribute)) for _, attribute in columns])
        count += 1
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(count, 2)}"
    for index, (header, _) in enumerate(columns, start=1):
        width = 36 if header in ("Name", "Customers", "Shortfalls") else max(12, len(header) + 4)
        sheet.column_dimensions[get_column_letter(index)].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class ServiceListView(ObjectListView):
    """The portfolio: filtered, sorted, paged; CSV and XLSX. The scorecards are computed
    in one batch for the page (or, when an outcome filter or the shortfall sort needs
    them, for every filtered service)."""

    model = Service
    template_name = "service_portfolio/service_list.html"
    table_template_name = "partials/service_portfolio/service_table.html"
    filterset_class = ServiceFilterSet
    paginate_by = 50
    sort_fields: ClassVar[dict[str, str | tuple[str, ...]]] = {
        "name": "name",
        "state": ("state", "name"),
        "owner": ("owner__first_name", "owner__last_name", "owner__username", "name"),
        "unit": ("unit__name", "name"),
        "objectives": ("slo_count", "name"),
        "shortfalls": "name",  # computed from the scorecards: see get_queryset
        "missed": "name",  # computed from the scorecards: see get_queryset
        "created": "created_at",
    }
    default_sort = "name"
    export_columns: ClassVar[list[tuple[str, str]]] = EXPORT_COLUMNS
    title = "Service portfolio"
    empty_message = "The portfolio has no services yet."

    scorecards: dict[int, Any]

    def get_base_queryset(self) -> QuerySet[Service]:
        return selectors.service_list()

    def export_name(self) -> str:
        return "service-portfolio"

    def parse_query(self, params: QueryDict) -> ListQuery:
        """The generic parameters, and ``export=xlsx`` besides ``export=csv``."""
        if params.get("export") == "xlsx" and len(params.getlist("export")) == 1:
            params = params.copy()
            params.pop("export")
            query = super().parse_query(params)
            return ListQuery(sort=query.sort, per_page=query.per_page, export="xlsx")
        try:
            return super().parse_query(params)
        except InvalidListQuery as error:
            message = str(error).replace("use export=csv.", "use export=csv or export=xlsx.")
            raise InvalidListQuery(message) from None

    def _scorecards(self, services: Sequence[Service]) -> dict[int, Any]:
        """The scorecards of ``services``, computing only those not known yet."""
        if not hasattr(self, "scorecards"):
            self.scorecards = dict(getattr(self.filterset, "scorecards", None) or {})
        missing = [s for s in services if s.pk not in self.scorecards]
        if missing:
            self.scorecards.update(selectors.portfolio_scorecards_for(missing))
        return self.scorecards

    def rows(self, services: Iterable[Service]) -> list[PortfolioRow]:
        chosen = list(services)
        return selectors.portfolio_rows(chosen, scorecards=self._scorecards(chosen))

    def get_queryset(self) -> Any:
        """The ORM's order; for ``shortfalls`` (outcomes at risk or not met, then SLO
        periods missed) and ``missed`` (SLO periods missed, then shortfalls) a list
        ordered from the scorecards, ties by name."""
        sort = self.list_query.sort
        key = sort.removeprefix("-")
        if key not in ("shortfalls", "missed"):
            return super().get_queryset()
        rows = self.rows(self.filterset.qs if self.filterset else self.get_base_queryset())
        rows.sort(key=lambda r: r.service.name.casefold())

        def rank(row: PortfolioRow) -> tuple[int, int]:
            missed = row.slo_periods_missed or 0
            return (
                (row.shortfall_count, missed)
                if key == "shortfalls"
                else (missed, row.shortfall_count)
            )

        rows.sort(key=rank, reverse=sort.startswith("-"))
        return [row.service for row in rows]

    def get(  # type: ignore[override]
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        """``?export=csv|xlsx``: every filtered service with its outcomes; else the list."""
        if request.GET.get("export") not in ("csv", "xlsx"):
            return super().get(request, *args, **kwargs)
        try:
            self.list_query = self.parse_query(request.GET)
            self.filterset = self.build_filterset()
        except InvalidListQuery:
            return super().get(request, *args, **kwargs)  # renders the 400
        rows = self.rows(self.get_queryset())
        if self.list_query.export == "xlsx":
            content = portfolio_workbook(rows, columns=self.export_columns)
            return download(content, XLSX_CONTENT_TYPE, f"{self.export_name()}.xlsx")
        return csv_response(rows, self.export_columns, filename=f"{self.export_name()}.csv")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        params["export"] = "xlsx"
        page = context["page_obj"]
        context.update(
            {
                "xlsx_url": f"?{params.urlencode()}",
                "can_add": permissions.service_can_create(self.request.user),
                "query": self.request.GET.get("q", ""),
                "rows": self.rows(page.object_list),
                "outcome_titles": [title for _, title in OutcomeChoice.choices],
            }
        )
        return context


# -- create, read, edit -------------------------------------------------------------------------


class ServiceCreateView(AccessMixin, View):
    """Add a service to the portfolio (a portfolio manager)."""

    template_name = "service_portfolio/service_form.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not permissions.service_can_create(request.user):
            raise PermissionDenied("You may not add services to the portfolio.")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        form = ServiceForm(user=request.user)
        form.initial = {"state": "proposed", "currency": "EUR"}
        owners = form.fields["owner"].queryset  # type: ignore[attr-defined]
        if owners.filter(pk=request.user.pk).exists():
            form.initial["owner"] = request.user.pk
        return render(request, self.template_name, {"form": form})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ServiceForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                service = services.service_create(actor=request.user, **form.values())
            except ServicePortfolioError as error:
                add_service_error(form, error)
            else:
                state = service.get_state_display().lower()
                messages.success(
                    request,
                    f"“{service.name}” is in the portfolio ({state}). Give it service-level "
                    "objectives so its scorecard has evidence.",
                )
                return redirect("service_portfolio:service_detail", service.slug)
        return render(request, self.template_name, {"form": form}, status=400)


class ServiceDetailView(ServiceView):
    """The service: overview (owner, customers, objectives, delivery, capacity), its
    objectives, cost and demand, changes, then its scorecard, continuity, compliance,
    and the ITSM to CMMI-SVC mapping with the unit's appraisal results."""

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        page = selectors.service_page(self.service, user=request.user)
        card = page.service_scorecard
        points = cost_points(card.periods, start=card.window_start, end=card.window_end)
        chart = cost_trend_svg(
            points,
            title=f"{self.service.name}: cost per month",
            currency=self.service.currency,
            demand_unit=self.service.demand_unit,
        )
        context = {**page.context(), "cost_points": points, "cost_chart": chart}
        return self.render("service_portfolio/service_detail.html", context)


class ServiceEditView(ServiceView):
    """Change the service; its state moves along its life cycle."""

    read_check = permissions.service_can_edit
    write_check = permissions.service_can_edit
    template_name = "service_portfolio/service_form.html"

    def show(self, form: ServiceForm, status: int = 200) -> HttpResponse:
        return self.render(self.template_name, {"form": form, "editing": True}, status=status)

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        initial = ServiceForm.initial_for(self.service)
        return self.show(ServiceForm(initial=initial, service=self.service, user=request.user))

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        initial = ServiceForm.initial_for(self.service)
        form = ServiceForm(request.POST, initial=initial, service=self.service, user=request.user)
        if not form.is_valid():
            return self.show(form, status=400)
        version = self.service.version
        try:
            service = services.service_update(
                actor=request.user,
                service=self.service,
                data=form.values(),
                expected_version=form.cleaned_data["version"],
            )
        except (ConflictError, ServicePortfolioError) as error:
            return self.show(form, status=refusal_status(form, error))
        say_saved(
            request, changed=service.version != version, message=f"“{service.name}” is saved."
        )
        return redirect("service_portfolio:service_detail", service.slug)


class ServiceHistoryView(ServiceView):
    """Who changed what and when: the service, its objectives, cost and demand,
    changes, continuity plans and compliance checks."""

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        entries = selectors.service_history(self.service)
        return self.render("service_portfolio/service_history.html", {"entries": entries})


# -- cost and demand ----------------------------------------------------------------------------


def _can_change_periods(user: Any, service: Service) -> bool:
    return permissions.service_row_can(user, service, "change", "serviceperiod")


class ServicePeriodsView(ServiceView):
    """Every month's cost and demand; record, replace, delete, import, export."""

    write_check = _can_change_periods
    refusal = "You may not change the cost and demand of this service."
    template_name = "service_portfolio/periods.html"

    def show(
        self,
        *,
        form: PeriodForm | None = None,
        import_form: PeriodImportForm | None = None,
        problems: Sequence[Any] = (),
        status: int = 200,
    ) -> HttpResponse:
        user = self.request.user
        may_change = _can_change_periods(user, self.service)
        editing = self._editing() if may_change else None
        if form is None and may_change:
            initial: dict[str, Any] = {}
            if editing is not None:
                initial = {
                    "period": editing.period,
                    "cost": editing.cost,
                    "demand": editing.demand,
                    "version": editing.version,
                }
            form = PeriodForm(initial=initial)
        context = {
            "rows": selectors.service_period_rows(self.service),
            "form": form if may_change else None,
            "import_form": (import_form or PeriodImportForm()) if may_change else None,
            "problems": list(problems),
            "can_delete": permissions.service_row_can(
                user, self.service, "delete", "serviceperiod"
            ),
            "editing_row": editing,
        }
        return self.render(self.template_name, context, status=status)

    def _editing(self) -> ServicePeriod | None:
        """The month ``?period=YYYY-MM`` names, when the service has it recorded."""
        raw = self.request.GET.get("period", "")
        try:
            month = PeriodForm.base_fields["period"].to_python(raw) if raw else None
        except ValidationError:  # a malformed ?period= just leaves the form empty
            return None
        if month is None:
            return None
        return ServicePeriod.objects.filter(service=self.service, period=month).first()

    def get(self, request: HttpRequest, slug: str) -> HttpResponseBase:
        export = request.GET.get("export", "")
        if export == "csv":
            periods = ServicePeriod.objects.filter(service=self.service).order_by("period")
            columns = [("period", "month"), ("cost", "cost"), ("demand", "demand")]
            return csv_response(
                (_PeriodExport(p) for p in periods), columns, filename=f"{slug}-periods.csv"
            )
        if export:
            return _bad_request(request, f"Cannot export as {export!r}; use export=csv.")
        return self.show()

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        action = request.POST.get("action", "set")
        if action == "delete":
            row = self._row(request.POST.get("row"))
            services.period_delete(actor=request.user, period_row=row)
            messages.success(request, f"The cost and demand of {row.period:%Y-%m} are deleted.")
            return redirect("service_portfolio:service_periods", self.service.slug)
        if action == "import":
            return self._import(request)
        if action != "set":
            return _bad_request(request, f"Unknown action {action!r}: set, delete or import.")
        form = PeriodForm(request.POST)
        if not form.is_valid():
            return self.show(form=form, status=400)
        data = form.cleaned_data
        try:
            row = services.period_set(
                actor=request.user,
                service=self.service,
                period=data["period"],
                cost=data["cost"],
                demand=data["demand"],
                expected_version=data["version"],
            )
        except (ConflictError, ServicePortfolioError) as error:
            return self.show(form=form, status=refusal_status(form, error))
        messages.success(request, f"The cost and demand of {row.period:%Y-%m} are recorded.")
        return redirect("service_portfolio:service_periods", self.service.slug)

    def _import(self, request: HttpRequest) -> HttpResponse:
        form = PeriodImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.show(import_form=form, status=400)
        upload = form.cleaned_data["file"]
        try:
            count = services.periods_import(
                actor=request.user, service=self.service, data=upload.read(), filename=upload.name
            )
        except InvalidDocument as error:
            return self.show(import_form=form, problems=error.problems, status=400)
        messages.success(
            request, f"{count} month{'s' if count != 1 else ''} imported from {upload.name}."
        )
        return redirect("service_portfolio:service_periods", self.service.slug)

    def _row(self, raw: str | None) -> ServicePeriod:
        if raw is None or not raw.isdigit():
            raise Http404("No such month.")
        row = ServicePeriod.objects.filter(service=self.service, pk=int(raw)).first()
        if row is None:
            raise Http404("No such month of this service.")
        return row


class _PeriodExport:
    """A period as the import reads it (``YYYY-MM``, cost, demand)."""

    def __init__(self, row: ServicePeriod) -> None:
        self.month = f"{row.period:%Y-%m}"
        self.cost = row.cost
        self.demand = row.demand


# -- changes ------------------------------------------------------------------------------------


def _can_change_changes(user: Any, service: Service) -> bool:
    return permissions.service_row_can(user, service, "add", "servicechange") or (
        permissions.service_row_can(user, service, "change", "servicechange")
    )


class ServiceChangesView(ServiceView):
    """The service's changes with their lead times; add, edit, delete, export."""

    write_check = _can_change_changes
    refusal = "You may not change the changes of this service."
    template_name = "service_portfolio/changes.html"

    def show(
        self,
        *,
        form: ChangeForm | None = None,
        editing: tuple[ServiceChange, ChangeForm] | None = None,
        status: int = 200,
    ) -> HttpResponse:
        user = self.request.user
        can = {
            action: permissions.service_row_can(user, self.service, action, "servicechange")
            for action in ("add", "change", "delete")
        }
        if editing is None and can["change"]:
            editing = self._editing_from_query()
        changes = list(selectors.service_change_list(self.service))
        context = {
            "changes": [(change, _lead_time(change)) for change in changes],
            "form": (form or ChangeForm()) if can["add"] else None,
            "editing": editing,
            "can_change": can["change"],
            "can_delete": can["delete"],
            "summary": selectors.change_lead_times(changes),
        }
        return self.render(self.template_name, context, status=status)

    def _editing_from_query(self) -> tuple[ServiceChange, ChangeForm] | None:
        raw = self.request.GET.get("edit", "")
        if not raw:
            return None
        change = self._row(raw)
        form = ChangeForm(initial=ChangeForm.initial_for(change), prefix="edit", editing=True)
        return change, form

    def get(self, request: HttpRequest, slug: str) -> HttpResponseBase:
        export = request.GET.get("export", "")
        if export == "csv":
            columns = [
                ("Title", "title"),
                ("Reference", "reference"),
                ("Requested on", "requested_on"),
                ("Delivered on", "delivered_on"),
                ("Lead time (days)", "lead_time_days"),
            ]
            rows = (_ChangeExport(c) for c in selectors.service_change_list(self.service))
            return csv_response(rows, columns, filename=f"{slug}-changes.csv")
        if export:
            return _bad_request(request, f"Cannot export as {export!r}; use export=csv.")
        return self.show()

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        action = request.POST.get("action", "add")
        if action == "delete":
            change = self._row(request.POST.get("row"))
            services.change_delete(actor=request.user, change=change)
            messages.success(request, f"The change “{change.title}” is deleted.")
            return redirect("service_portfolio:service_changes", self.service.slug)
        if action == "update":
            change = self._row(request.POST.get("row"))
            form = ChangeForm(request.POST, prefix="edit", editing=True)
            if not form.is_valid():
                return self.show(editing=(change, form), status=400)
            try:
                services.change_update(
                    actor=request.user,
                    change=change,
                    data=form.values(),
                    expected_version=form.cleaned_data["version"],
                )
            except (ConflictError, ServicePortfolioError) as error:
                status = refusal_status(form, error)
                return self.show(editing=(change, form), status=status)
            messages.success(request, f"The change “{change.title}” is saved.")
            return redirect("service_portfolio:service_changes", self.service.slug)
        if action != "add":
            return _bad_request(request, f"Unknown action {action!r}: add, update or delete.")
        form = ChangeForm(request.POST)
        if not form.is_valid():
            return self.show(form=form, status=400)
        try:
            change = services.change_add(
                actor=request.user, service=self.service, **form.cleaned_data
            )
        except ServicePortfolioError as error:
            add_service_error(form, error)
            return self.show(form=form, status=400)
        messages.success(request, f"The change “{change.title}” is recorded.")
        return redirect("service_portfolio:service_changes", self.service.slug)

    def _row(self, raw: str | None) -> ServiceChange:
        if raw is None or not raw.isdigit():
            raise Http404("No such change.")
        change = ServiceChange.objects.filter(service=self.service, pk=int(raw)).first()
        if change is None:
            raise Http404("No such change of this service.")
        return change


def _lead_time(change: ServiceChange) -> int | None:
    """Days from request to delivery; None while the change is open."""
    if change.delivered_on is None:
        return None
    return (change.delivered_on - change.requested_on).days


class _ChangeExport:
    """A change as the export writes it, with its lead time."""

    def __init__(self, change: ServiceChange) -> None:
        self.title = change.title
        self.reference = change.reference
        self.requested_on = change.requested_on
        self.delivered_on = change.delivered_on
        self.lead_time_days = _lead_time(change)


urlpatterns: list[URLPattern] = [
    path("", ServiceListView.as_view(), name="service_list"),
    path("new/", ServiceCreateView.as_view(), name="service_create"),
    path("<slug:slug>/", ServiceDetailView.as_view(), name="service_detail"),
    path("<slug:slug>/edit/", ServiceEditView.as_view(), name="service_edit"),
    path("<slug:slug>/history/", ServiceHistoryView.as_view(), name="service_history"),
    path("<slug:slug>/periods/", ServicePeriodsView.as_view(), name="service_periods"),
    path("<slug:slug>/changes/", ServiceChangesView.as_view(), name="service_changes"),
]
