"""Root URLs: one include per bounded context, the API under /api/."""

from django.contrib import admin
from django.urls import include, path

from uplift.apps.common import views as common_views

urlpatterns = [
    path("", common_views.dashboard, name="dashboard"),
    path("healthz", common_views.healthz, name="healthz"),
    path("accounts/", include("uplift.apps.accounts.urls")),
    path("library/", include("uplift.apps.library.urls")),
    path("organization/", include("uplift.apps.organization.urls")),
    path("appraisals/", include("uplift.apps.appraisals.urls")),
    path("measurements/", include("uplift.apps.measurements.urls")),
    path("improvements/", include("uplift.apps.improvements.urls")),
    path("deployments/", include("uplift.apps.deployments.urls")),
    path("services/", include("uplift.apps.service_portfolio.urls")),
    path("api/", include("uplift.api.urls")),
    path("admin/", admin.site.urls),
]
