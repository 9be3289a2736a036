"""The characterization matrix (practices by units) and its in-place cells (htmx).

- ``appraisal_matrix``: the page, filtered by the query string (an unknown parameter or
  value is a 400); ``?part=summary`` answers the rating summary alone, which a cell
  save asks for in a follow-up request (the maturity level needs every cell).
- ``appraisal_cell``: GET the editor of one cell (a fragment for htmx, a page without
  JavaScript; ``?show=cell`` gives the cell back, for Cancel), POST to save it through
  ``services.appraisal_characterize``. htmx gets the cell plus out-of-band updates
  of its practice, goal and process area, rated from that area alone; a plain form
  post is redirected back to the matrix.

Anyone who may see the appraisal may read the matrix; editing needs
``permissions.appraisal_can_work`` (else no edit controls, and 403).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.safestring import mark_safe
from django.views import View
from django_htmx.http import reswap, retarget

from uplift.apps.appraisals import services
from uplift.apps.appraisals.choices import AppraisalStatus
from uplift.apps.appraisals.errors import AppraisalError
from uplift.apps.appraisals.forms.matrix import CellForm, MatrixFilterForm
from uplift.apps.appraisals.matrix import (
    CELL_OPEN_FORM,
    MatrixAreaRating,
    MatrixCell,
    MatrixOutline,
    matrix_area_rating,
    matrix_cell_content,
    matrix_cell_get,
    matrix_get,
    matrix_outline,
    practice_value_html,
)
from uplift.apps.appraisals.models import Appraisal
from uplift.apps.appraisals.permissions import appraisal_can_work
from uplift.apps.appraisals.selectors import appraisal_rating
from uplift.apps.appraisals.views.access import visible_appraisal
from uplift.apps.common.views import wants_fragment

__all__ = ["AppraisalCellView", "AppraisalMatrixView", "urlpatterns"]

PARTS = ("summary",)


def _bad_request(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "common/bad_request.html", {"message": message}, status=400)


def _filter_form(params: QueryDict, outline: MatrixOutline) -> MatrixFilterForm:
    areas = [
        (abbr, f"{abbr} {outline.area_names.get(outline.index.areas[abbr], '')}".strip())
        for abbr in outline.in_scope
    ]
    goals = [
        (goal.ref, f"{goal.ref} {outline.goal_titles.get(outline.index.goals[goal.ref][0], '')}")
        for abbr in outline.in_scope
        for goal in outline.goals[abbr]
    ]
    return MatrixFilterForm(params, areas=areas, goals=goals)


def _parameter_problem(params: QueryDict) -> str:
    """What is wrong with the query string's shape (the form checks the values), or ""."""
    unknown = sorted(set(params) - {*MatrixFilterForm.base_fields, "part"})
    if unknown:
        return f"Unknown parameter: {', '.join(unknown)}."
    repeated = sorted(name for name in params if name != "area" and len(params.getlist(name)) > 1)
    if repeated:
        return f"The parameter {', '.join(repeated)} may be given once."
    part = params.get("part", "")
    if part and part not in PARTS:
        return f"Unknown part {part!r}; parts: {', '.join(PARTS)}."
    return ""


class AppraisalMatrixView(LoginRequiredMixin, View):
    """The matrix page, or its rating summary alone (``?part=summary``)."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        appraisal = visible_appraisal(request, pk)
        params = request.GET
        problem = _parameter_problem(params)
        if problem:
            return _bad_request(request, problem)
        if params.get("part") == "summary":
            return render(
                request,
                "partials/appraisals/matrix_summary.html",
                {"appraisal": appraisal, "result": appraisal_rating(appraisal)},
            )
        outline = matrix_outline(appraisal)
        form = _filter_form(params, outline)
        if not form.is_valid():
            problems = "; ".join(
                f"{form.fields[name].label}: {' '.join(str(e) for e in errors)}"
                for name, errors in form.errors.items()
            )
            return _bad_request(request, f"Invalid filter: {problems}")
        filters = form.filters()
        can_work = appraisal_can_work(request.user, appraisal)
        # A closed appraisal refuses every change: its cells are not buttons then.
        editable = can_work and appraisal.status != AppraisalStatus.CLOSED
        matrix = matrix_get(appraisal, outline=outline, filters=filters, editable=editable)
        return render(
            request,
            "appraisals/appraisal_matrix.html",
            {
                "appraisal": appraisal,
                "matrix": matrix,
                "result": matrix.result,
                "form": form,
                "filters": filters,
                "editable": editable,
                "can_work": can_work,
                "cell_open_form": CELL_OPEN_FORM,
            },
        )


def _saved_message(cell: MatrixCell, value: str, rating: MatrixAreaRating) -> str:
    """``REQM SP 1.1 at alpha: LI; REQM SG 1 now unsatisfied`` (for the live region)."""
    message = f"{cell.ref} at {cell.unit.name}: {value}"
    if rating.goal is not None:
        message += f"; {rating.goal_ref} now {rating.goal.rating.value.replace('_', ' ')}"
    return message


class AppraisalCellView(LoginRequiredMixin, View):
    """One cell's editor (GET) and its save (POST); both need ``appraisal_can_work``."""

    def _load(
        self, request: HttpRequest, pk: int, area_id: int, practice_id: int, unit_id: int
    ) -> tuple[Appraisal, MatrixOutline, MatrixCell]:
        appraisal = visible_appraisal(request, pk)
        if not appraisal_can_work(request.user, appraisal):
            raise PermissionDenied("Only the appraisal team characterizes practices.")
        # Names only for the editor page (no JavaScript); a save does not read the old cell.
        reading = request.method == "GET"
        outline = matrix_outline(appraisal, titles=not wants_fragment(request))
        try:
            cell = matrix_cell_get(
                appraisal,
                outline=outline,
                area_id=area_id,
                practice_id=practice_id,
                unit_id=unit_id,
                stored=reading,
            )
        except LookupError:
            raise Http404("No such cell in this appraisal's matrix.") from None
        return appraisal, outline, cell

    def _editor(
        self,
        request: HttpRequest,
        appraisal: Appraisal,
        cell: MatrixCell,
        form: CellForm,
        *,
        status: int = 200,
    ) -> HttpResponse:
        inline = wants_fragment(request)
        if inline:
            form.fields["value"].widget.attrs["autofocus"] = True
        context = {
            "appraisal": appraisal,
            "cell": cell,
            "form": form,
            "inline": inline,
            "cell_url": request.path,
            "matrix_url": reverse("appraisals:appraisal_matrix", args=[appraisal.pk]),
        }
        if not inline:
            return render(request, "appraisals/appraisal_cell.html", context, status=status)
        response = render(request, "partials/appraisals/matrix_cell_editor.html", context)
        # The editor opens from the page's one cell-open form: put it into this cell.
        return reswap(retarget(response, f"#{cell.dom_id}"), "innerHTML")

    def get(
        self, request: HttpRequest, pk: int, area_id: int, practice_id: int, unit_id: int
    ) -> HttpResponse:
        show = request.GET.get("show", "")
        if set(request.GET) - {"show"} or show not in ("", "cell"):
            return _bad_request(request, "The cell editor takes only ?show=cell.")
        appraisal, _, cell = self._load(request, pk, area_id, practice_id, unit_id)
        if show == "cell":  # Cancel: the cell as it is, focused again
            content = matrix_cell_content(
                cell.area_id,
                cell.practice_id,
                cell.unit.pk,
                cell.value,
                cell.evidence,
                editable=True,
                autofocus=True,
            )
            return HttpResponse(content)
        initial = {
            "value": cell.value or "",
            "notes": cell.notes,
            "weaknesses": "\n".join(cell.weaknesses),
            "strengths": "\n".join(cell.strengths),
        }
        form = CellForm(initial=initial, prefix=cell.dom_id)
        return self._editor(request, appraisal, cell, form)

    def post(
        self, request: HttpRequest, pk: int, area_id: int, practice_id: int, unit_id: int
    ) -> HttpResponse:
        appraisal, outline, cell = self._load(request, pk, area_id, practice_id, unit_id)
        form = CellForm(request.POST, prefix=cell.dom_id)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.appraisal_characterize(
                    appraisal=appraisal,
                    practice=cell.ref,
                    unit=cell.unit.instance,
                    value=data["value"],
                    notes=data["notes"],
                    weaknesses=data["weaknesses"],
                    strengths=data["strengths"],
                    user=request.user,
                )
            except AppraisalError as error:
                field = error.field if error.field in form.fields else None
                form.add_error(field, error.message)
        if not form.is_valid():
            # htmx swaps 200 answers only: the editor comes back with its errors.
            status = 200 if wants_fragment(request) else 422
            return self._editor(request, appraisal, cell, form, status=status)
        value = form.cleaned_data["value"]
        rating = matrix_area_rating(
            appraisal, outline=outline, area_id=cell.area_id, practice_ref=cell.ref
        )
        message = _saved_message(cell, value, rating)
        matrix_url = reverse("appraisals:appraisal_matrix", args=[appraisal.pk])
        if not wants_fragment(request):
            messages.success(request, message)
            return HttpResponseRedirect(f"{matrix_url}#{cell.dom_id}")
        content = matrix_cell_content(
            cell.area_id,
            cell.practice_id,
            cell.unit.pk,
            value,
            cell.evidence,
            editable=True,
            autofocus=True,
        )
        return render(
            request,
            "partials/appraisals/matrix_cell_saved.html",
            {
                "appraisal": appraisal,
                "cell": cell,
                "cell_content": mark_safe(content),  # noqa: S308  (integers and fixed strings)
                "rating": rating,
                "practice_value": practice_value_html(
                    cell.area_id, cell.practice_id, rating.practice, oob=True
                ),
                "message": message,
                "matrix_url": matrix_url,
            },
        )


urlpatterns = [
    path("<int:pk>/matrix/", AppraisalMatrixView.as_view(), name="appraisal_matrix"),
    path(
        "<int:pk>/matrix/cells/<int:area_id>/<int:practice_id>/<int:unit_id>/",
        AppraisalCellView.as_view(),
        name="appraisal_cell",
    ),
]
