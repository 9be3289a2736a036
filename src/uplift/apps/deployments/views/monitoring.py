"""Monitoring a deployment against its plan: ``plan_monitoring`` (``<pk>/monitoring/``).

Planned versus actual per wave (start and end, slippage) and per target (planned date
against ``deployed_on``), overdue targets highlighted in words and style, the burn-up
(server-side SVG beside its data table) and the waves' timeline. The targets table is
paginated (``?page=``), sorted (``?sort=planned|name|slip|status``), filtered
(``?overdue=1``) and exported (``?export=csv``: every target, not just the page).

Access, in this order: anonymous visitors are sent to sign in; reading needs
``deployments.view_deploymentplan`` (403); an unknown plan is a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views import View

from uplift.apps.common.exports import csv_response
from uplift.apps.deployments.charts import BURNUP_SERIES, burnup_svg
from uplift.apps.deployments.models import DeploymentPlan
from uplift.apps.deployments.permissions import plan_can_edit, plan_can_see
from uplift.apps.deployments.selectors_monitoring import (
    TARGET_ORDERS,
    plan_monitoring,
    plan_monitoring_rows,
)

__all__ = ["DeploymentsAccessMixin", "PlanMonitoringView", "urlpatterns"]

SORT_LABELS = {
    "planned": "Planned date",
    "name": "Work activity",
    "slip": "Slippage, largest first",
    "status": "Status",
}

EXPORT_COLUMNS = [
    ("Work activity", "target.work_activity.name"),
    ("Wave", "target.wave.name"),
    ("Status", "target.get_status_display"),
    ("Excluded", "target.excluded"),
    ("Planned", "planned"),
    ("Deployed on", "target.deployed_on"),
    ("Confirmed on", "target.confirmed_on"),
    ("Slippage (days)", "slip"),
    ("Overdue", "overdue"),
]


class DeploymentsAccessMixin(AccessMixin):
    """Sign-in (else the sign-in page), then ``view_deploymentplan`` (else 403)."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not plan_can_see(request.user):
            raise PermissionDenied("You may not see deployments.")
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class PlanMonitoringView(DeploymentsAccessMixin, View):
    """The plan against its schedule."""

    template_name = "deployments/monitoring.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            plan = DeploymentPlan.objects.select_related("owner").get(pk=pk)
        except DeploymentPlan.DoesNotExist:
            raise Http404("No such deployment plan.") from None
        overdue_only = request.GET.get("overdue") == "1"
        if request.GET.get("export") == "csv":
            rows = plan_monitoring_rows(plan, overdue_only=overdue_only)
            filename = f"{plan.reference}-monitoring.csv"
            return csv_response(rows, EXPORT_COLUMNS, filename=filename)  # type: ignore[return-value]
        order = request.GET.get("sort", "planned")
        monitoring = plan_monitoring(
            plan,
            page=request.GET.get("page", 1),
            order=order if order in TARGET_ORDERS else "planned",
            overdue_only=overdue_only,
        )
        chart = burnup_svg(
            monitoring.burnup,
            today=monitoring.today,
            title=f"Burn-up of {plan.reference}: targets planned, deployed and confirmed",
        )
        context = {
            "plan": plan,
            "monitoring": monitoring,
            "page_obj": monitoring.page,
            "chart": chart,
            "series": BURNUP_SERIES,
            "sort_labels": SORT_LABELS,
            "can_edit": plan_can_edit(request.user, plan),
        }
        return render(request, self.template_name, context)


urlpatterns: list[URLPattern] = [
    path("<int:pk>/monitoring/", PlanMonitoringView.as_view(), name="plan_monitoring"),
]
