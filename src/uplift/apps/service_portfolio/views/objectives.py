"""Pages of service-level objectives and of the scorecards.

- ``slo_create`` (``<slug>/objectives/new/``), ``slo_edit``
  (``<slug>/objectives/<pk>/edit/``, also deletes with ``action=delete``);
- ``slo_detail`` (``<slug>/objectives/<pk>/``): the objective, its attainment per period
  as a table and an SVG chart (``?months=6|12|24|36`` full months before today, default
  24; ``?export=csv`` the table);
- ``scorecard`` (``<slug>/scorecard/``): the full scorecard of a service, every outcome
  with its rule, status, reason, figures and the evidence behind them (``?on=YYYY-MM-DD``
  reads it as on another day);
- ``portfolio_scorecard`` (``scorecards/``): every service by the six outcomes; filtered
  (``q``, ``state``, ``outcome`` with ``status``, ``shortfall``), sorted (``sort=name``,
  ``[-]shortfalls``), paged, ``?export=csv`` (every filtered service); ``?on=`` reads
  them as on another day. The scorecards
  are computed in one batch (``portfolio_scorecards``): for the page only, or for every
  filtered service when a status filter, the shortfall sort or the export needs them.

Access, in this order: anonymous visitors are sent to sign in; reading needs
``service_can_see`` (403); an unknown service or objective is a 404; then the write's
own check (403): ``service_row_can`` add / change / delete ``servicelevelobjective``
(the services check again). Writes are POST only and redirect after success; a rule
the service refuses shows on the form with status 400, the input kept; an edit started
from an older version of the objective (the form's hidden ``version``) shows "changed
by …" above the form with status 409, the input kept. A malformed query is a 400.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views import View

from uplift.apps.common.exports import csv_response
from uplift.apps.service_portfolio import permissions
from uplift.apps.service_portfolio.charts import attainment_svg
from uplift.apps.service_portfolio.choices import OutcomeChoice
from uplift.apps.service_portfolio.errors import ConflictError, ServicePortfolioError
from uplift.apps.service_portfolio.forms.objectives import (
    AttainmentRangeForm,
    PortfolioScorecardFilterForm,
    ScorecardDateForm,
    SloForm,
)
from uplift.apps.service_portfolio.forms.portfolio import add_service_error
from uplift.apps.service_portfolio.models import Service, ServiceLevelObjective
from uplift.apps.service_portfolio.selectors_scorecard import (
    ServiceScorecard,
    objective_text,
    portfolio_scorecards,
    scorecard_settings_get,
    service_scorecard,
    slo_attainments,
)
from uplift.apps.service_portfolio.services import objectives as services
from uplift.apps.service_portfolio.views.edits import refusal_status, say_saved
from uplift.apps.service_portfolio.views.portfolio import ServiceView
from uplift.domain.service_outcomes import OUTCOME_TITLES, Outcome

__all__ = [
    "PortfolioScorecardView",
    "ScorecardView",
    "SloCreateView",
    "SloDetailView",
    "SloEditView",
    "urlpatterns",
]

DEFAULT_ATTAINMENT_MONTHS = 24
MATRIX_PER_PAGE = 50
STATUS_LABELS = {
    "met": "Met",
    "at_risk": "At risk",
    "not_met": "Not met",
    "no_evidence": "No evidence",
}


def _slo_can(action: str) -> Any:
    def check(user: Any, service: Service) -> bool:
        return permissions.service_row_can(user, service, action, "servicelevelobjective")

    return check


def _bad_request(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "common/bad_request.html", {"message": message}, status=400)


def _errors_text(form: Any) -> str:
    return "; ".join(
        f"{name}: {' '.join(str(e) for e in errors)}" for name, errors in form.errors.items()
    )


class _SloView(ServiceView):
    """A page of one objective of the service (404 when it is another's)."""

    slo: ServiceLevelObjective

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.pk = kwargs["pk"]
        return super().dispatch(request, *args, **kwargs)

    def load(self) -> ServiceLevelObjective:
        slo = (
            ServiceLevelObjective.objects.select_related("measure", "service")
            .filter(service=self.service, pk=self.pk)
            .first()
        )
        if slo is None:
            raise Http404("No such objective of this service.")
        self.slo = slo
        return slo


# -- objectives -----------------------------------------------------------------------------


class SloCreateView(ServiceView):
    """Give the service an objective (a portfolio manager or the service's owner)."""

    read_check = staticmethod(_slo_can("add"))
    write_check = staticmethod(_slo_can("add"))
    refusal = "You may not add objectives to this service."
    template_name = "service_portfolio/slo_form.html"

    def show(self, form: SloForm, status: int = 200) -> HttpResponse:
        return self.render(self.template_name, {"form": form}, status=status)

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        return self.show(SloForm(creating=True))

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        form = SloForm(request.POST, creating=True)
        if not form.is_valid():
            return self.show(form, status=400)
        try:
            slo = services.slo_create(actor=request.user, service=self.service, **form.values())
        except ServicePortfolioError as error:
            add_service_error(form, error)
            return self.show(form, status=400)
        messages.success(request, f"“{slo.name}” is an objective of {self.service.name}.")
        return redirect("service_portfolio:slo_detail", self.service.slug, slo.pk)


class SloEditView(_SloView):
    """Change an objective, or delete it (``action=delete``)."""

    read_check = staticmethod(_slo_can("change"))
    refusal = "You may not change the objectives of this service."
    template_name = "service_portfolio/slo_form.html"

    def show(self, form: SloForm, status: int = 200) -> HttpResponse:
        context = {
            "form": form,
            "slo": self.slo,
            "editing": True,
            "can_delete": _slo_can("delete")(self.request.user, self.service),
        }
        return self.render(self.template_name, context, status=status)

    def get(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        slo = self.load()
        return self.show(SloForm(initial=SloForm.initial_for(slo)))

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        action = request.POST.get("action", "save")
        if action not in ("save", "delete"):
            return _bad_request(request, "Unknown action.")
        if not _slo_can("delete" if action == "delete" else "change")(request.user, self.service):
            raise PermissionDenied("You may not change the objectives of this service.")
        slo = self.load()
        if action == "delete":
            services.slo_delete(actor=request.user, slo=slo)
            messages.success(request, f"The objective “{slo.name}” is deleted.")
            return redirect("service_portfolio:service_detail", self.service.slug)
        form = SloForm(request.POST, initial=SloForm.initial_for(slo))
        if not form.is_valid():
            return self.show(form, status=400)
        try:
            saved = services.slo_update(
                actor=request.user,
                slo=slo,
                data=form.values(),
                expected_version=form.cleaned_data["version"],
            )
        except (ConflictError, ServicePortfolioError) as error:
            return self.show(form, status=refusal_status(form, error))
        say_saved(
            request, changed=saved.version != slo.version, message=f"“{saved.name}” is saved."
        )
        return redirect("service_portfolio:slo_detail", self.service.slug, slo.pk)


ATTAINMENT_COLUMNS = [
    ("Period", "label"),
    ("First day", "period_start"),
    ("Last day", "period_end"),
    ("Status", "attainment.status.value"),
    ("Observations", "attainment.n"),
    ("Value", "attainment.value"),
    ("Target", "attainment.target"),
    ("Required share", "attainment.required_share"),
    ("Detail", "attainment.detail"),
]


class SloDetailView(_SloView):
    """The objective, its attainment per period: a data table and an SVG chart."""

    template_name = "service_portfolio/slo_detail.html"

    def get(self, request: HttpRequest, slug: str, pk: int) -> HttpResponseBase:
        slo = self.load()
        form = AttainmentRangeForm(request.GET)
        if not form.is_valid():
            return _bad_request(request, f"The range is not understood ({_errors_text(form)}).")
        export = request.GET.get("export", "")
        if export not in ("", "csv"):
            return _bad_request(request, "Unknown export: use export=csv.")
        months = form.cleaned_data["months"] or DEFAULT_ATTAINMENT_MONTHS
        this_month = timezone.localdate().replace(day=1)
        end = this_month - dt.timedelta(days=1)
        index = this_month.year * 12 + this_month.month - 1 - months
        start = dt.date(index // 12, index % 12 + 1, 1)
        rows = slo_attainments(slo, start=start, end=end)
        if export == "csv":
            filename = f"{self.service.slug}-objective-{slo.pk}-attainment.csv"
            return csv_response(rows, ATTAINMENT_COLUMNS, filename=filename)
        scale = 100 if slo.statistic == "share_meeting" else 1
        context = {
            "slo": slo,
            "rows": [
                (
                    row,
                    "—"
                    if row.attainment.value is None
                    else f"{row.attainment.value * scale:,.3f}".rstrip("0").rstrip("."),
                )
                for row in rows
            ],
            "slo_text": objective_text(slo),
            "months": months,
            "month_choices": AttainmentRangeForm.base_fields["months"].choices,  # type: ignore[attr-defined]
            "start": start,
            "end": end,
            "met": sum(r.attainment.status == "met" for r in rows),
            "missed": sum(r.attainment.status == "missed" for r in rows),
            "no_data": sum(r.attainment.status == "no_data" for r in rows),
            "chart": attainment_svg(
                rows,
                title=f"{slo.name}: attainment per {slo.get_period_display().lower()}",
                unit=slo.measure.unit,
                element_id=f"slo-{slo.pk}",
            ),
            "can_change": _slo_can("change")(request.user, self.service),
            "work_activity_count": self.service.work_activities.count(),
        }
        return self.render(self.template_name, context)


# -- the scorecard of a service ---------------------------------------------------------------


class ScorecardView(ServiceView):
    """Every outcome of the service: rule, status, reason, figures, evidence."""

    template_name = "service_portfolio/scorecard.html"

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        form = ScorecardDateForm(request.GET)
        if not form.is_valid():
            return _bad_request(request, f"The date is not understood ({_errors_text(form)}).")
        on = form.cleaned_data["on"]
        card = service_scorecard(self.service, today=on)
        settings = scorecard_settings_get()
        availability = card.evidence.availability_percent
        context = {
            "service_scorecard": card,
            "availability_text": (
                f"{availability:,.3f}".rstrip("0").rstrip(".") if availability is not None else ""
            ),
            "outcomes": _outcome_sections(card),
            "cost_rows": [
                (
                    row.period,
                    row.cost,
                    row.demand,
                    float(row.cost) / row.demand if row.demand else None,
                )
                for row in card.periods
            ],
            "change_rows": [
                (change, (change.delivered_on - change.requested_on).days)
                for change in card.changes
                if change.delivered_on is not None
            ],
            "on": on,
            "today": timezone.localdate(),
            "date_form": form,
            "settings": settings,
            "can_change_settings": permissions.settings_can_change(request.user),
            "can_add_slo": _slo_can("add")(request.user, self.service),
        }
        return self.render(self.template_name, context)


FIGURE_LABELS = {
    "n": "Observations",
    "mean": "Mean",
    "target": "Target",
    "slo_periods": "Periods judged",
    "slo_periods_met": "Periods met",
    "slo_share_met": "Share of periods met",
    "availability_percent": "Availability (%)",
    "continuity_plans": "Continuity plans",
    "continuity_attention": "Plans needing a test",
    "checks": "Checks counted",
    "failed": "Failed",
    "waived": "Waived (with reason)",
    "waived_share": "Share waived",
    "measure": "Judged on",
    "periods": "Periods",
    "slope": "Slope per period",
    "relative_slope": "Slope relative to the mean",
    "median_days": "Median lead time (days)",
    "target_days": "Target (days)",
}
_SHARE_FIGURES = ("slo_share_met", "waived_share", "relative_slope")


def _figure_text(name: str, value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value) or "none"
    if isinstance(value, float):
        if name in _SHARE_FIGURES:
            return f"{value * 100:,.2f}".rstrip("0").rstrip(".") + " %"
        return f"{value:,.4f}".rstrip("0").rstrip(".")
    return str(value)


@dataclass(frozen=True)
class OutcomeSection:
    """One outcome on the scorecard page: its score, its figures in words."""

    key: str
    score: Any

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.score.status.value]

    @property
    def figure_rows(self) -> list[tuple[str, str]]:
        return [
            (FIGURE_LABELS.get(name, name.replace("_", " ").capitalize()), _figure_text(name, v))
            for name, v in self.score.figures.items()
        ]


def _outcome_sections(card: ServiceScorecard) -> list[OutcomeSection]:
    return [OutcomeSection(score.outcome.value, score) for score in card.scorecard.scores]


# -- the portfolio's scorecards ---------------------------------------------------------------


@dataclass(frozen=True)
class MatrixRow:
    """A service and its scorecard, a cell per outcome (the matrix and its CSV)."""

    service: Service
    card: ServiceScorecard

    @property
    def cells(self) -> list[tuple[Any, str]]:
        return [(score, STATUS_LABELS[score.status.value]) for score in self.card.scores]

    @property
    def shortfall_count(self) -> int:
        return len(self.card.shortfalls)

    @property
    def shortfall_titles(self) -> str:
        return "; ".join(score.title for score in self.card.shortfalls)

    @property
    def owner_name(self) -> str:
        owner = self.service.owner
        return str(owner.get_full_name() or owner.get_username())

    def label(self, outcome: Outcome) -> str:
        return STATUS_LABELS[self.card.scorecard[outcome].status.value]

    def reason(self, outcome: Outcome) -> str:
        return str(self.card.scorecard[outcome].reason)


def _outcome_columns() -> list[tuple[str, str]]:
    columns = []
    for outcome in Outcome:
        columns.append((OUTCOME_TITLES[outcome], f"status_{outcome.value}"))
        columns.append((f"{OUTCOME_TITLES[outcome]}: why", f"reason_{outcome.value}"))
    return columns


class _CsvRow:
    """A matrix row with an attribute per outcome column, for ``csv_response``."""

    def __init__(self, row: MatrixRow) -> None:
        self.row = row
        for outcome in Outcome:
            setattr(self, f"status_{outcome.value}", row.label(outcome))
            setattr(self, f"reason_{outcome.value}", row.reason(outcome))


MATRIX_COLUMNS = [
    ("Slug", "row.service.slug"),
    ("Name", "row.service.name"),
    ("State", "row.service.get_state_display"),
    ("Owner", "row.owner_name"),
    ("Unit", "row.service.unit.name"),
    ("Window start", "row.card.window_start"),
    ("Window end", "row.card.window_end"),
    *_outcome_columns(),
    ("Shortfalls", "row.shortfall_titles"),
    ("SLO periods missed", "row.card.slo_missed_periods"),
]


class PortfolioScorecardView(AccessMixin, View):
    """Every service by the six outcomes (a matrix)."""

    template_name = "service_portfolio/scorecard_portfolio.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not permissions.service_can_see(request.user):
            raise PermissionDenied("You may not see the service portfolio.")
        return super().dispatch(request, *args, **kwargs)

    def services(self, data: dict[str, Any]) -> QuerySet[Service]:
        rows = Service.objects.select_related("owner", "unit").order_by("name", "pk")
        if data["q"]:
            rows = rows.filter(Q(name__icontains=data["q"]) | Q(slug__icontains=data["q"]))
        if data["state"]:
            rows = rows.filter(state=data["state"])
        return rows

    def get(self, request: HttpRequest) -> HttpResponseBase:
        form = PortfolioScorecardFilterForm(request.GET)
        if not form.is_valid():
            return _bad_request(request, f"The filters are not understood ({_errors_text(form)}).")
        data = form.cleaned_data
        services = self.services(data)
        sort = data["sort"] or "name"
        needs_all = bool(data["status"] or data["shortfall"] or sort != "name" or data["export"])
        if needs_all:
            chosen = list(services)
            cards = portfolio_scorecards(chosen, today=data["on"])
            rows = [MatrixRow(s, cards[s.pk]) for s in chosen]
            if data["status"]:
                outcome = Outcome(data["outcome"])
                rows = [r for r in rows if r.card.status(outcome).value == data["status"]]
            if data["shortfall"]:
                rows = [r for r in rows if r.shortfall_count]
            if sort != "name":
                rows.sort(key=lambda r: r.shortfall_count, reverse=sort.startswith("-"))
            if data["export"] == "csv":
                return csv_response(
                    [_CsvRow(r) for r in rows], MATRIX_COLUMNS, filename="service-scorecards.csv"
                )
            page: Any = Paginator(rows, MATRIX_PER_PAGE).get_page(data["page"])
        else:
            page = Paginator(services, MATRIX_PER_PAGE).get_page(data["page"])
            chosen = list(page.object_list)
            cards = portfolio_scorecards(chosen, today=data["on"])
            page.object_list = [MatrixRow(s, cards[s.pk]) for s in chosen]
        params = request.GET.copy()
        params.pop("page", None)
        params["export"] = "csv"
        settings = scorecard_settings_get()
        first = next(iter(page.object_list), None)
        context = {
            "form": form,
            "page_obj": page,
            "outcome_titles": [title for _, title in OutcomeChoice.choices],
            "export_url": f"?{params.urlencode()}",
            "filtered": any(
                data[k] for k in ("q", "state", "outcome", "status", "shortfall", "on")
            ),
            "window_months": settings.window_months,
            "window": (first.card.window_start, first.card.window_end) if first else None,
            "can_change_settings": permissions.settings_can_change(request.user),
        }
        return render(request, self.template_name, context)


urlpatterns: list[URLPattern] = [
    path("scorecards/", PortfolioScorecardView.as_view(), name="portfolio_scorecard"),
    path("<slug:slug>/scorecard/", ScorecardView.as_view(), name="scorecard"),
    path("<slug:slug>/objectives/new/", SloCreateView.as_view(), name="slo_create"),
    path("<slug:slug>/objectives/<int:pk>/", SloDetailView.as_view(), name="slo_detail"),
    path("<slug:slug>/objectives/<int:pk>/edit/", SloEditView.as_view(), name="slo_edit"),
]
