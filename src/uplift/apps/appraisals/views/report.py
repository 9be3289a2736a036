"""The final report (HTML and PDF), the XLSX matrix, the path to the target, and the
comparison of two appraisals.

Access: anonymous visitors are sent to sign in; an appraisal the user may not see is a
404 (``selectors.appraisal_get``); seeing it is enough for every page here (the report
carries no evidence and no interviewee's name). A query parameter the page cannot
honour is a 400 that says why.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views import View

from uplift.apps.appraisals import selectors
from uplift.apps.appraisals.analysis import (
    DEFAULT_CAPABILITY_TARGET,
    appraisal_compare,
    appraisal_path,
)
from uplift.apps.appraisals.errors import AppraisalError
from uplift.apps.appraisals.models import Appraisal
from uplift.apps.appraisals.report import (
    RATING_LABELS,
    VALUE_LABELS,
    appraisal_report_pdf,
    report_context,
    report_slug,
)
from uplift.apps.appraisals.views.access import visible_appraisal
from uplift.apps.appraisals.workbook import XLSX_CONTENT_TYPE, appraisal_matrix_workbook

__all__ = ["urlpatterns"]

CHANGE_LABELS = {
    "improved": "Improved",
    "slipped": "Slipped",
    "unchanged": "Unchanged",
    "changed": "Changed",
    "new": "New",
    "dropped": "Dropped",
}
MATURITY_LEVELS = (2, 3, 4, 5)


class ReportPageView(LoginRequiredMixin, View):
    """Sign-in, then the visible appraisal of the URL as ``self.appraisal`` (404 otherwise)."""

    appraisal: Appraisal

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.appraisal = visible_appraisal(request, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class AppraisalReportView(ReportPageView):
    """The final report as a page, with links to the PDF and the XLSX matrix."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        context = report_context(self.appraisal)
        return render(request, "appraisals/appraisal_report.html", context)


class AppraisalReportPdfView(ReportPageView):
    """The final report as a PDF download (``<slug>-report.pdf``)."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        pdf = appraisal_report_pdf(self.appraisal)
        return _download(pdf, "application/pdf", f"{report_slug(self.appraisal)}-report.pdf")


class AppraisalMatrixXlsxView(ReportPageView):
    """The matrix, ratings and weaknesses as an XLSX download (``<slug>-matrix.xlsx``)."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        content = appraisal_matrix_workbook(self.appraisal)
        return _download(content, XLSX_CONTENT_TYPE, f"{report_slug(self.appraisal)}-matrix.xlsx")


def _level_param(params: QueryDict) -> int | None:
    """``?level=N`` as an int, None when absent or blank; AppraisalError otherwise."""
    text = params.get("level", "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise AppraisalError(f"The level must be a whole number, not {text!r}.", "level")
    return int(text)


class AppraisalPathView(ReportPageView):
    """What stands between the appraisal and a target: ``?level=N`` (a maturity level) or
    ``?profile=REQM:2,PP:3`` (a capability profile); by default the appraisal's target."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        params = request.GET
        profile = params.get("profile", "").strip() or None
        context: dict[str, Any] = {
            "appraisal": self.appraisal,
            "levels": MATURITY_LEVELS,
            "level_value": params.get("level", ""),
            "profile_value": params.get("profile", ""),
            "default_capability_level": DEFAULT_CAPABILITY_TARGET,
            "rating_labels": RATING_LABELS,
            "value_labels": VALUE_LABELS,
        }
        try:
            context["analysis"] = appraisal_path(
                self.appraisal, level=_level_param(params), profile=profile
            )
        except AppraisalError as error:
            context["error"] = error
            return render(request, "appraisals/appraisal_path.html", context, status=400)
        return render(request, "appraisals/appraisal_path.html", context)


def _id_param(params: QueryDict, name: str) -> int | None:
    text = params.get(name, "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise AppraisalError(f"Choose an appraisal from the list ({name}={text!r} is no id).", name)
    return int(text)


class AppraisalCompareView(LoginRequiredMixin, View):
    """Compare two appraisals of the same model the user may see: ``?a=<id>&b=<id>``,
    ``a`` the earlier one. Unknown (or invisible) ids are a 404, malformed ones or two
    different models a 400."""

    def get(self, request: HttpRequest) -> HttpResponse:
        choices = list(selectors.appraisal_list(user=request.user))
        context: dict[str, Any] = {
            "choices": choices,
            "a_value": request.GET.get("a", ""),
            "b_value": request.GET.get("b", ""),
            "change_labels": CHANGE_LABELS,
            "rating_labels": RATING_LABELS,
        }
        try:
            a, b = _id_param(request.GET, "a"), _id_param(request.GET, "b")
        except AppraisalError as error:
            context["error"] = error
            return render(request, "appraisals/appraisal_compare.html", context, status=400)
        if a is None or b is None:
            return render(request, "appraisals/appraisal_compare.html", context)
        try:
            before = selectors.appraisal_get(pk=a, user=request.user)
            after = selectors.appraisal_get(pk=b, user=request.user)
        except Appraisal.DoesNotExist:
            raise Http404("No such appraisal, or not visible to you.") from None
        try:
            context["analysis"] = appraisal_compare(before, after)
        except AppraisalError as error:
            context["error"] = error
            return render(request, "appraisals/appraisal_compare.html", context, status=400)
        return render(request, "appraisals/appraisal_compare.html", context)


urlpatterns: list[URLPattern] = [
    path("<int:pk>/report/", AppraisalReportView.as_view(), name="appraisal_report"),
    path("<int:pk>/report.pdf", AppraisalReportPdfView.as_view(), name="appraisal_report_pdf"),
    path("<int:pk>/matrix.xlsx", AppraisalMatrixXlsxView.as_view(), name="appraisal_matrix_xlsx"),
    path("<int:pk>/path/", AppraisalPathView.as_view(), name="appraisal_path"),
    path("compare/", AppraisalCompareView.as_view(), name="appraisal_compare"),
]
