"""A plan on paper and in files: the print view, the PDF, and the plan list's workbook.

- ``plan_print`` (``plans/<pk>/print/``): the plan's header, proposals, the nine items
  of OPF SP 2.1 with their labels, the team, the actions, and the approval record of
  the current revision (its review requests), with a print stylesheet;
- ``plan_pdf`` (``plans/<pk>/plan.pdf``): the same content as a PDF (WeasyPrint),
  downloaded as ``PAP-<id>.pdf``, rendered offline by ``common.pdf.html_to_pdf``;
- ``plan_list_workbook``: the plan list's XLSX export (``PlanListView`` answers
  ``?export=xlsx`` with it). A text that a spreadsheet would evaluate (starting with
  ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is written with a leading
  ``'`` (formula injection), as the appraisal matrix's workbook does.

Access: anonymous visitors are sent to sign in; both pages need ``view_actionplan``
(403 otherwise); an unknown plan is a 404.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

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

from uplift.apps.common.exports import (
    download,
    resolve_attribute,
    safe_cell,
)
from uplift.apps.common.pdf import html_to_pdf
from uplift.apps.improvements.models import ActionPlan
from uplift.apps.improvements.selectors_actions import plan_document

__all__ = ["plan_list_workbook", "plan_pdf", "urlpatterns"]

_HEADER_FILL = PatternFill("solid", fgColor="E5E9F0")


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


def plan_pdf(plan: ActionPlan) -> bytes:
    """The plan as PDF bytes (WeasyPrint), with the print view's content."""
    context = {"document": plan_document(plan), "pdf": True}
    return html_to_pdf(render_to_string("improvements/plan_pdf.html", context))


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
