"""A plan on paper and in files: the print view, the PDF, and the plan list's workbook.

- ``plan_print`` (``plans/<pk>/print/``): the plan's header, proposals, the nine items
  of OPF SP 2.1 with their labels, the team, the actions, and the approval record of
  the current revision (its review requests), with a print stylesheet;
- ``plan_pdf`` (``plans/<pk>/plan.pdf``): the same content as a PDF (WeasyPrint),
  downloaded as ``PAP-<id>.pdf``. The document carries its stylesheet inline and loads
  nothing: the URL fetcher refuses every URL but ``data:`` ones, so rendering never
  touches the network or the file system;
- ``plan_list_workbook``: the plan list's XLSX export (``PlanListView`` answers
  ``?export=xlsx`` with it). A text that a spreadsheet would evaluate (starting with
  ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is written with a leading
  ``'`` (formula injection), as the appraisal matrix's workbook does.

Access: anonymous visitors are sent to sign in; both pages need ``view_actionplan``
(403 otherwise); an unknown plan is a 404.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import URLPattern, path
from django.views import View
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from uplift.apps.common.exports import resolve_attribute
from uplift.apps.improvements.models import ActionPlan
from uplift.apps.improvements.selectors_actions import plan_document

__all__ = [
    "XLSX_CONTENT_TYPE",
    "download",
    "plan_list_workbook",
    "plan_pdf",
    "safe_cell",
    "urlpatterns",
]

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_HEADER_FILL = PatternFill("solid", fgColor="E5E9F0")


def download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    """``content`` as an attachment named ``filename``."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def safe_cell(value: Any) -> Any:
    """A value a spreadsheet shows as written: formula-like texts get a leading ``'``;
    aware date-times become naive UTC (Excel has no time zones); None stays empty."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    if value is not None and not isinstance(value, str | int | float | dt.date):
        return str(value)
    return value


def plan_list_workbook(plans: Iterable[ActionPlan], *, columns: Sequence[tuple[str, str]]) -> bytes:
    """The plans as one sheet, one row a plan, one column per ``(header, attribute)``;
    the header row stays in view and every column filters."""
    workbook = Workbook()
    workbook.remove(workbook.worksheets[0])  # the blank default sheet
    sheet = workbook.create_sheet("Plans")
    workbook.properties.title = "Process action plans"
    workbook.properties.creator = "Uplift"
    sheet.append([header for header, _ in columns])
    for column in range(1, len(columns) + 1):
        cell = sheet.cell(row=1, column=column)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
    rows = 1
    for plan in plans:
        sheet.append([safe_cell(resolve_attribute(plan, attribute)) for _, attribute in columns])
        rows += 1
    sheet.freeze_panes = "A2"
    last = get_column_letter(len(columns))
    sheet.auto_filter.ref = f"A1:{last}{max(rows, 2)}"
    for index, (header, _) in enumerate(columns, start=1):
        width = 48 if header == "Title" else max(12, len(header) + 4)
        sheet.column_dimensions[get_column_letter(index)].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _refuse_remote(url: str, timeout: int = 10, ssl_context: Any = None) -> dict[str, Any]:
    """WeasyPrint's URL fetcher: inline ``data:`` URLs only; anything else is refused."""
    if url.startswith("data:"):
        # Imported late for the reason given in plan_pdf, which runs first.
        from weasyprint.urls import default_url_fetcher

        return default_url_fetcher(url, timeout=timeout, ssl_context=ssl_context)
    raise ValueError(f"the plan PDF loads nothing from {url}")


def plan_pdf(plan: ActionPlan) -> bytes:
    """The plan as PDF bytes (WeasyPrint), with the print view's content."""
    # Imported here, not at the top: WeasyPrint takes over half a second to import and
    # only the PDF needs it; the site and the CLI start without it.
    import weasyprint

    context = {"document": plan_document(plan), "pdf": True}
    html = render_to_string("improvements/plan_pdf.html", context)
    document = weasyprint.HTML(string=html, base_url=None, url_fetcher=_refuse_remote)
    pdf: bytes = document.write_pdf()
    return pdf


class _PlanDocumentView(LoginRequiredMixin, View):
    """Sign-in, ``view_actionplan`` (403), then the plan of the URL (404)."""

    def plan(self, request: HttpRequest, pk: int) -> ActionPlan:
        if not request.user.has_perm("improvements.view_actionplan"):
            raise PermissionDenied("You may not see process action plans.")
        try:
            return ActionPlan.objects.get(pk=pk)
        except ActionPlan.DoesNotExist:
            raise Http404("No such plan.") from None


class PlanPrintView(_PlanDocumentView):
    """The plan for printing (the browser's print, or the PDF link)."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        plan = self.plan(request, pk)
        context = {"document": plan_document(plan), "pdf": False}
        return render(request, "improvements/plan_print.html", context)


class PlanPdfView(_PlanDocumentView):
    """The plan as a PDF download (``PAP-<id>.pdf``)."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        plan = self.plan(request, pk)
        return download(plan_pdf(plan), "application/pdf", f"{plan.reference}.pdf")


urlpatterns: list[URLPattern] = [
    path("plans/<int:pk>/print/", PlanPrintView.as_view(), name="plan_print"),
    path("plans/<int:pk>/plan.pdf", PlanPdfView.as_view(), name="plan_pdf"),
]
