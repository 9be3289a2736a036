"""The organization dashboard: ``dashboard`` (``dashboard/``) and its PDF for the
steering committee, ``dashboard_pdf`` (``dashboard.pdf``, WeasyPrint).

Both show ``selectors_dashboard.dashboard_data``: the pipeline by state, deployments
in flight with their waves' progress, value delivered so far (the latest stored
results) and payback to date. The PDF's document carries its stylesheet inline and
loads nothing: the URL fetcher refuses every URL but ``data:`` ones, so rendering
never touches the network or the file system (as the improvements' plan PDF).

Access: anonymous visitors are sent to sign in; both need
``deployments.view_deploymentplan`` (403 otherwise).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import URLPattern, path
from django.views import View

from uplift.apps.common.pdf import html_to_pdf
from uplift.apps.deployments.selectors_dashboard import Dashboard, dashboard_data
from uplift.apps.deployments.views.monitoring import DeploymentsAccessMixin

__all__ = ["DashboardPdfView", "DashboardView", "dashboard_pdf", "urlpatterns"]


def dashboard_pdf(dashboard: Dashboard) -> bytes:
    """The dashboard as PDF bytes (WeasyPrint), with the page's content."""
    context = {"dashboard": dashboard, "pdf": True}
    return html_to_pdf(render_to_string("deployments/dashboard_pdf.html", context))


class DashboardView(DeploymentsAccessMixin, View):
    """Every improvement from proposal to measured value on one page."""

    def get(self, request: HttpRequest) -> HttpResponse:
        context = {"dashboard": dashboard_data(), "pdf": False}
        return render(request, "deployments/dashboard.html", context)


class DashboardPdfView(DeploymentsAccessMixin, View):
    """The dashboard as a PDF download (``deployments-dashboard-<date>.pdf``)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        dashboard = dashboard_data()
        response = HttpResponse(dashboard_pdf(dashboard), content_type="application/pdf")
        filename = f"deployments-dashboard-{dashboard.today:%Y-%m-%d}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


urlpatterns: list[URLPattern] = [
    path("dashboard/", DashboardView.as_view(), name="dashboard"),
    path("dashboard.pdf", DashboardPdfView.as_view(), name="dashboard_pdf"),
]
