"""The scorecard's settings page (``settings/``): the window, the satisfaction measure and
every threshold, with the rule of each outcome as the scorecard states it.

Access: anonymous visitors are sent to sign in; reading needs ``service_can_see`` (403);
changing needs ``settings_can_change`` (the process group; 403, and the service checks
it again). Everyone who reads sees the settings and the rules; the form shows to those
who may change them. A change the service refuses shows on its field with status 400,
the input kept; a change started from settings saved since (the form's hidden
``version``) shows "saved by …" above the form with status 409, the input kept.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views import View

from uplift.apps.service_portfolio import permissions
from uplift.apps.service_portfolio.errors import ConflictError, ServicePortfolioError
from uplift.apps.service_portfolio.forms.objectives import ScorecardSettingsForm
from uplift.apps.service_portfolio.selectors_scorecard import (
    scorecard_rules,
    scorecard_settings_get,
    scorecard_window,
)
from uplift.apps.service_portfolio.services.objectives import (
    SETTINGS_FIELDS,
    SETTINGS_LABELS,
    scorecard_settings_update,
)
from uplift.apps.service_portfolio.views.edits import refusal_status, say_saved
from uplift.domain.service_outcomes import outcome_rules

__all__ = ["ScorecardSettingsView", "urlpatterns"]


class ScorecardSettingsView(AccessMixin, View):
    """The scorecard's settings and the rules they make."""

    template_name = "service_portfolio/settings_form.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not permissions.service_can_see(request.user):
            raise PermissionDenied("You may not see the service portfolio.")
        if request.method == "POST" and not permissions.settings_can_change(request.user):
            raise PermissionDenied("You may not change the scorecard's settings.")
        return super().dispatch(request, *args, **kwargs)

    def show(self, form: ScorecardSettingsForm | None, status: int = 200) -> HttpResponse:
        row = scorecard_settings_get()
        start, end = scorecard_window(months=row.window_months)
        values = [
            (
                SETTINGS_LABELS[name],
                row.satisfaction_measure if name == "satisfaction_measure" else getattr(row, name),
            )
            for name in SETTINGS_FIELDS
        ]
        context = {
            "form": form,
            "settings": row,
            "saved": not row._state.adding,
            "values": values,
            "rules": outcome_rules(scorecard_rules(row)),
            "window_start": start,
            "window_end": end,
            "can_change": permissions.settings_can_change(self.request.user),
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not permissions.settings_can_change(request.user):
            return self.show(None)
        initial = ScorecardSettingsForm.initial_for(scorecard_settings_get())
        return self.show(ScorecardSettingsForm(initial=initial))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ScorecardSettingsForm(request.POST)
        if not form.is_valid():
            return self.show(form, status=400)
        version = form.cleaned_data["version"]
        try:
            row = scorecard_settings_update(
                actor=request.user, data=form.values(), expected_version=version
            )
        except (ConflictError, ServicePortfolioError) as error:
            return self.show(form, status=refusal_status(form, error))
        say_saved(
            request, changed=row.version != version, message="The scorecard's settings are saved."
        )
        return redirect("service_portfolio:settings")


urlpatterns: list[URLPattern] = [
    path("settings/", ScorecardSettingsView.as_view(), name="settings"),
]
