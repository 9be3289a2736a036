"""API URLs (namespace ``api``): the router, token sign-in, the OpenAPI document and docs.

The schema and its Swagger UI are public: they describe the API and hold no data.
"""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from uplift.api.appraisal_analysis import (
    AppraisalCompareView,
    AppraisalPathView,
    AppraisalReportPdfView,
)
from uplift.api.auth import TokenObtainView
from uplift.api.router import router

app_name = "api"

urlpatterns = [
    path("auth/token/", TokenObtainView.as_view(), name="token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    # Appraisal analysis (before the router: its detail route takes any id after appraisals/)
    path("appraisals/compare/", AppraisalCompareView.as_view(), name="appraisal-compare"),
    path("appraisals/<int:pk>/path/", AppraisalPathView.as_view(), name="appraisal-path"),
    path(
        "appraisals/<int:pk>/report.pdf",
        AppraisalReportPdfView.as_view(),
        name="appraisal-report-pdf",
    ),
    path("", include(router.urls)),
]
