"""Pages of objectives: business objectives with their QPPOs and status against target.

Access: anonymous visitors are sent to sign in; reading needs
``measurements.view_objective``, creating ``add_objective``, editing
``change_objective`` (else 403, nothing written). A QPPO's status compares the
newest stored baseline of its measure and segment with its target, honouring the
measure's direction (``selectors.objective_statuses``): met, not met (with the gap),
or no data. Without a stored baseline it is judged from the segment's current
observations and marked provisional, with n and the period (issue 4).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, ClassVar

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views import View

from uplift.apps.common.exports import csv_response
from uplift.apps.common.views import InvalidListQuery, ObjectListView
from uplift.apps.measurements import selectors
from uplift.apps.measurements.filtersets import ObjectiveTreeFilterSet
from uplift.apps.measurements.forms import ObjectiveForm, add_service_error
from uplift.apps.measurements.models import Objective
from uplift.apps.measurements.services.measures import MeasurementError
from uplift.apps.measurements.services.objectives import objective_create, objective_update

__all__ = [
    "ObjectiveCreateView",
    "ObjectiveDetailView",
    "ObjectiveListView",
    "ObjectiveUpdateView",
]


def objective_or_404(pk: int) -> Objective:
    try:
        return selectors.objective_get(pk=pk)
    except Objective.DoesNotExist:
        raise Http404("No such objective.") from None


@dataclass(frozen=True)
class ObjectiveRow:
    """One line of the objectives' CSV: a business objective or one of its QPPOs."""

    objective: Objective
    status: selectors.ObjectiveStatus


class ObjectiveListView(ObjectListView):
    """Business objectives (filtered, sorted, paged) with their QPPOs nested and the
    status of each against its target; the CSV has one line per objective."""

    model = Objective
    template_name = "measurements/objective_list.html"
    table_template_name = "partials/measurements/objective_table.html"
    filterset_class = ObjectiveTreeFilterSet
    paginate_by = 25
    sort_fields: ClassVar[dict[str, str | tuple[str, ...]]] = {
        "name": "name",
        "priority": ("priority", "name"),
        "due": ("due", "name"),
    }
    default_sort = "priority"
    export_columns: ClassVar[list[tuple[str, str]]] = [
        ("Id", "objective.pk"),
        ("Kind", "objective.kind"),
        ("Name", "objective.name"),
        ("Business objective", "objective.parent.name"),
        ("Measure", "objective.measure.slug"),
        ("Statistic", "objective.statistic"),
        ("Target", "objective.target"),
        ("Due", "objective.due"),
        ("Segment", "objective.segment"),
        ("Priority", "objective.priority"),
        ("Status", "status.status"),
        ("Value", "status.value"),
        ("Gap", "status.gap"),
        ("Provisional", "status.provisional"),
        ("N", "status.n"),
        ("Period start", "status.period_start"),
        ("Period end", "status.period_end"),
        ("Baseline computed at", "status.baseline.computed_at"),
    ]
    empty_message = "No business objectives yet."
    title = "Objectives"

    def get_base_queryset(self) -> QuerySet[Objective]:
        """Business objectives with their QPPOs (and measures) prefetched."""
        return selectors.objective_list()

    # A CSV export streams (StreamingHttpResponse is no HttpResponse subclass).
    def get(  # type: ignore[override]
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        """The CSV lists each business objective followed by its QPPOs, with status."""
        if request.GET.get("export") != "csv":
            return super().get(request, *args, **kwargs)
        try:
            self.list_query = self.parse_query(request.GET)
            self.filterset = self.build_filterset()
        except InvalidListQuery:
            return super().get(request, *args, **kwargs)  # renders the 400
        objectives = []
        for business in self.get_queryset():
            objectives += [business, *business.children.all()]
        statuses = selectors.objective_statuses(objectives)
        rows = [ObjectiveRow(o, statuses[o.pk]) for o in objectives]
        return csv_response(rows, self.export_columns, filename="objectives.csv")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        page = context["page_obj"].object_list if context.get("page_obj") else []
        qppos = [qppo for business in page for qppo in business.children.all()]
        statuses = selectors.objective_statuses(qppos)
        context["groups"] = [
            (business, [(qppo, statuses[qppo.pk]) for qppo in business.children.all()])
            for business in page
        ]
        context["can_add"] = self.request.user.has_perm("measurements.add_objective")
        return context


class ObjectiveDetailView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """One objective: its definition, status and baseline, or its QPPOs."""

    permission_required = "measurements.view_objective"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        objective = objective_or_404(pk)
        children = list(objective.children.all())
        statuses = selectors.objective_statuses([objective, *children])
        context = {
            "objective": objective,
            "status": statuses[objective.pk],
            "children": [(child, statuses[child.pk]) for child in children],
            "segment_label": selectors.segment_label(objective.segment),
            "segment_json": json.dumps(objective.segment or {}),
            "can_change": request.user.has_perm("measurements.change_objective"),
            "can_store": request.user.has_perm("measurements.add_baseline"),
        }
        return render(request, "measurements/objective_detail.html", context)


class ObjectiveCreateView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Record a business objective or a QPPO (``?parent=`` preselects its objective)."""

    permission_required = "measurements.add_objective"
    template_name = "measurements/objective_form.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        initial: dict[str, Any] = {}
        if request.GET.get("parent", "").isdigit():
            initial = {"kind": "qppo", "parent": int(request.GET["parent"])}
        return render(request, self.template_name, {"form": ObjectiveForm(initial=initial)})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ObjectiveForm(request.POST)
        if form.is_valid():
            try:
                objective = objective_create(**form.values(), user=request.user)
            except MeasurementError as error:
                add_service_error(form, error)
            else:
                messages.success(request, f"The objective “{objective.name}” is recorded.")
                return redirect("measurements:objective_detail", objective.pk)
        return render(request, self.template_name, {"form": form}, status=400)


class ObjectiveUpdateView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Change an objective."""

    permission_required = "measurements.change_objective"
    template_name = "measurements/objective_form.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        objective = objective_or_404(pk)
        initial = {
            "kind": objective.kind,
            "name": objective.name,
            "description": objective.description,
            "parent": objective.parent_id,
            "measure": objective.measure.slug if objective.measure else None,
            "statistic": objective.statistic,
            "target": objective.target,
            "due": objective.due,
            "priority": objective.priority,
            **ObjectiveForm.initial_for(objective.segment or {}),
        }
        form = ObjectiveForm(initial=initial, exclude=objective)
        return render(request, self.template_name, {"form": form, "objective": objective})

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        objective = objective_or_404(pk)
        form = ObjectiveForm(request.POST, exclude=objective)
        if form.is_valid():
            try:
                objective_update(objective=objective, user=request.user, **form.values())
            except MeasurementError as error:
                add_service_error(form, error)
            else:
                messages.success(request, "The objective is saved.")
                return redirect("measurements:objective_detail", objective.pk)
        context = {"form": form, "objective": objective}
        return render(request, self.template_name, context, status=400)
