"""Coordination across deployments: ``coordination`` (``coordination/``), the limit
form's target ``coordination_settings`` (``coordination/settings/``, POST), the
calendar ``calendar`` (``calendar/?year=``) and its iCalendar export
``calendar_ics`` (``calendar.ics``, optionally ``?year=``).

The coordination page shows the overloaded work activities, busiest first and 25 a
page (``?page=``), in a window of 180 days from today (``?start=YYYY-MM-DD`` shows
another window, past ones included), the
improvements deployed together, and the overload limit, with a form for those who may
change it (the process group).

Access: anonymous visitors are sent to sign in; every page needs
``deployments.view_deploymentplan`` (403); setting the limit needs
``change_coordinationsettings`` (403, and the service checks it again). A limit the
service refuses shows on the form with status 400.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views import View

from uplift.apps.common.forms import AccessibleFormMixin
from uplift.apps.deployments.errors import DeploymentError
from uplift.apps.deployments.permissions import coordination_can_change
from uplift.apps.deployments.selectors_coordination import (
    HORIZON_DAYS,
    calendar_events,
    calendar_ics,
    calendar_months,
    coordination_overloads,
    coordination_settings_get,
    related_deployments,
)
from uplift.apps.deployments.services.coordination import (
    OVERLOAD_LIMIT_MAX,
    coordination_settings_set,
)
from uplift.apps.deployments.views.monitoring import DeploymentsAccessMixin

__all__ = [
    "CalendarIcsView",
    "CalendarView",
    "CoordinationSettingsForm",
    "CoordinationSettingsView",
    "CoordinationView",
    "urlpatterns",
]

YEARS = range(2000, 2101)
OVERLOADS_PER_PAGE = 25


class CoordinationSettingsForm(AccessibleFormMixin, forms.Form):
    """The overload limit (shape only: the service checks the rule)."""

    overload_limit = forms.IntegerField(
        label="Overload limit",
        min_value=1,
        max_value=OVERLOAD_LIMIT_MAX,
        help_text="A work activity receiving more deployments than this at once is overloaded.",
    )
    reason = forms.CharField(
        label="Why", required=False, max_length=200, help_text="Recorded in the history."
    )


class WindowForm(AccessibleFormMixin, forms.Form):
    """The first day of the overload window (default today)."""

    start = forms.DateField(
        label="Window starts",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=f"The window runs {HORIZON_DAYS} days from this date.",
    )


def _year(request: HttpRequest) -> int | None:
    raw = request.GET.get("year", "")
    if raw.isdigit() and int(raw) in YEARS:
        return int(raw)
    return None


class CoordinationView(DeploymentsAccessMixin, View):
    """Overloaded work activities, related deployments, the limit."""

    template_name = "deployments/coordination.html"

    def show(self, request: HttpRequest, form: CoordinationSettingsForm, status: int = 200) -> Any:
        window = WindowForm(request.GET or None)
        start = timezone.localdate()
        if window.is_valid() and window.cleaned_data["start"]:
            start = window.cleaned_data["start"]
        settings = coordination_settings_get()
        overloads = coordination_overloads(today=start, limit=settings.overload_limit)
        page = Paginator(overloads, OVERLOADS_PER_PAGE).get_page(request.GET.get("page"))
        context = {
            "window": window,
            "start": start,
            "end": start + dt.timedelta(days=HORIZON_DAYS),
            "horizon": HORIZON_DAYS,
            "overload_count": len(overloads),
            "page_obj": page,
            "related": related_deployments(),
            "settings": settings,
            "form": form,
            "can_change": coordination_can_change(request.user),
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        settings = coordination_settings_get()
        form = CoordinationSettingsForm(initial={"overload_limit": settings.overload_limit})
        return self.show(request, form)


class CoordinationSettingsView(CoordinationView):
    """POST: set the overload limit, then back to the coordination page."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        if not coordination_can_change(request.user):
            raise PermissionDenied("Only the process group may set the overload limit.")
        form = CoordinationSettingsForm(request.POST)
        if not form.is_valid():
            return self.show(request, form, status=400)
        before = coordination_settings_get().overload_limit
        try:
            settings = coordination_settings_set(
                actor=request.user,
                overload_limit=form.cleaned_data["overload_limit"],
                reason=form.cleaned_data["reason"],
            )
        except DeploymentError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            return self.show(request, form, status=400)
        if settings.overload_limit == before:
            messages.info(request, "The overload limit is unchanged; nothing was saved.")
        else:
            messages.success(
                request,
                f"A work activity is now overloaded above {settings.overload_limit} "
                "deployments at once.",
            )
        return redirect("deployments:coordination")


class CalendarView(DeploymentsAccessMixin, View):
    """Every deployment of a year: months by plans and waves."""

    def get(self, request: HttpRequest) -> HttpResponse:
        year = _year(request) or timezone.localdate().year
        context = {"calendar": calendar_months(year=year)}
        return render(request, "deployments/calendar.html", context)


class CalendarIcsView(DeploymentsAccessMixin, View):
    """Every deployment as an iCalendar file (``?year=`` for one year)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        year = _year(request)

        def url_for(plan_id: int) -> str:
            return request.build_absolute_uri(reverse("deployments:plan_detail", args=[plan_id]))

        text = calendar_ics(calendar_events(year=year), url_for=url_for)
        response = HttpResponse(text.encode("utf-8"), content_type="text/calendar; charset=utf-8")
        name = f"deployments-{year}.ics" if year else "deployments.ics"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


urlpatterns: list[URLPattern] = [
    path("coordination/", CoordinationView.as_view(), name="coordination"),
    path(
        "coordination/settings/",
        CoordinationSettingsView.as_view(),
        name="coordination_settings",
    ),
    path("calendar/", CalendarView.as_view(), name="calendar"),
    path("calendar.ics", CalendarIcsView.as_view(), name="calendar_ics"),
]
