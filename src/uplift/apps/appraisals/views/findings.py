"""Pages of the findings: the list by process area and goal, editing, the presentation.

Anyone who may see the appraisal reads its findings and the findings presentation
(text, references and ratings only: no evidence, no names, issue 3); writing needs
``permissions.appraisal_can_work`` (else 403). Every write goes through
``services.findings``; a refused edit is shown on the form. Deletes confirm on a GET
page and delete on POST.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.views import View

from uplift.apps.appraisals.errors import AppraisalError
from uplift.apps.appraisals.filtersets_workspace import FindingFilterSet
from uplift.apps.appraisals.forms.findings import FindingForm
from uplift.apps.appraisals.models import Finding
from uplift.apps.appraisals.services.findings import (
    finding_create,
    finding_delete,
    finding_update,
)
from uplift.apps.appraisals.views.workspace_mixins import (
    VISIBLE,
    WORK,
    AppraisalPageMixin,
    bad_request,
    form_error,
)
from uplift.apps.appraisals.workspace import finding_list, findings_by_area

__all__ = [
    "FindingDeleteView",
    "FindingEditView",
    "FindingListView",
    "FindingsPresentationView",
    "urlpatterns",
]


def _list_url(appraisal_pk: int) -> str:
    return reverse("appraisals:finding_list", args=[appraisal_pk])


class FindingListView(AppraisalPageMixin, View):
    """The findings by process area and goal, strengths then weaknesses, with the ratings.

    Filters: ``?kind=strength|weakness``, ``?process_area=REQM``, ``?goal=``,
    ``?practice=``; anything else is a 400.
    """

    access = VISIBLE

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        params = request.GET
        known = set(FindingFilterSet.base_filters) - {"appraisal"}
        unknown = sorted(set(params) - known)
        if unknown:
            return bad_request(request, f"Unknown parameter: {', '.join(unknown)}.")
        filterset = FindingFilterSet(
            params, queryset=finding_list(user=request.user, appraisal=self.appraisal)
        )
        filterset.form.fields.pop("appraisal")
        if not filterset.is_valid():
            problems = "; ".join(
                f"{name}: {' '.join(errors)}" for name, errors in filterset.errors.items()
            )
            return bad_request(request, f"Invalid filter: {problems}")
        is_filtered = bool(filterset.form.changed_data)
        shown = set(filterset.qs.values_list("pk", flat=True)) if is_filtered else None
        presentation = findings_by_area(self.appraisal, only=shown)
        areas = [(a.abbreviation, f"{a.abbreviation} {a.name}") for a in self.scope]
        filterset.form.fields["process_area"].widget = forms.Select(choices=[("", "Any"), *areas])
        context = {
            **self.base_context(),
            "presentation": presentation,
            "areas": [a for a in presentation.areas if not is_filtered or a.finding_count],
            "filter_form": filterset.form,
            "is_filtered": is_filtered,
        }
        return render(request, "appraisals/finding_list.html", context)


class FindingsPresentationView(AppraisalPageMixin, View):
    """A slide-like, printable page for the findings briefing: per process area its
    rating and each goal's, strengths then weaknesses. No evidence, no names."""

    access = VISIBLE

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        context = {"appraisal": self.appraisal, "presentation": findings_by_area(self.appraisal)}
        return render(request, "appraisals/findings_presentation.html", context)


class FindingEditView(AppraisalPageMixin, View):
    """Add a finding (``finding_create``) or change one (``finding_edit``).

    ``?process_area=REQM`` narrows the goals and practices offered to that area (the
    area picker asks for it with htmx when it changes).
    """

    access = WORK

    def get_item(self) -> Finding | None:
        item_pk = self.kwargs.get("item_pk")
        if item_pk is None:
            return None
        try:
            return finding_list(user=self.request.user, appraisal=self.appraisal).get(pk=item_pk)
        except Finding.DoesNotExist:
            raise Http404("No such finding in this appraisal.") from None

    def make_form(self, item: Finding | None, data: Any = None) -> FindingForm:
        area = (data or self.request.GET).get("process_area") or (
            item.process_area.abbreviation if item is not None else None
        )
        initial: dict[str, Any] = {}
        if item is not None:
            abbreviation = item.process_area.abbreviation
            initial = {
                "kind": item.kind,
                "process_area": abbreviation,
                "goal": f"{abbreviation} {item.goal.identifier}" if item.goal else "",
                "text": item.text,
                "practices": [f"{abbreviation} {p.identifier}" for p in item.practices.all()],
            }
        elif area:
            initial = {"process_area": area}
        if data is None and area:
            initial["process_area"] = area
        return FindingForm(data, scope=self.scope, area=area or None, initial=initial)

    def render_form(self, form: FindingForm, item: Finding | None, status: int = 200) -> Any:
        chosen = set(form.chosen_practices())
        context = {
            **self.base_context(),
            "form": form,
            "item": item,
            "offered": form.offered,
            "chosen": chosen,
            "open_areas": {a.abbreviation for a in form.offered if chosen & set(a.practice_refs)},
            "cancel_url": _list_url(self.appraisal.pk),
        }
        return render(self.request, "appraisals/finding_form.html", context, status=status)

    def get(self, request: HttpRequest, pk: int, item_pk: int | None = None) -> HttpResponse:
        item = self.get_item()
        return self.render_form(self.make_form(item), item)

    def post(self, request: HttpRequest, pk: int, item_pk: int | None = None) -> HttpResponse:
        item = self.get_item()
        form = self.make_form(item, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            fields = {
                "kind": data["kind"],
                "process_area": data["process_area"],
                "goal": data["goal"] or None,
                "text": data["text"],
                "practices": data["practices"],
                "user": request.user,
            }
            try:
                if item is None:
                    finding_create(appraisal=self.appraisal, **fields)
                else:
                    finding_update(finding=item, **fields)
            except AppraisalError as error:
                form_error(form, error)
            else:
                messages.success(request, "Finding saved." if item else "Finding added.")
                return HttpResponseRedirect(_list_url(self.appraisal.pk))
        return self.render_form(form, item, status=400)


class FindingDeleteView(FindingEditView):
    """GET: the finding and a button; POST: delete it."""

    def get(self, request: HttpRequest, pk: int, item_pk: int | None = None) -> HttpResponse:
        return self.render_confirm(self.get_item())

    def render_confirm(self, item: Any, error: str = "", status: int = 200) -> HttpResponse:
        context = {
            **self.base_context(),
            "item": item,
            "noun": "finding",
            "details": item.text,
            "error": error,
            "cancel_url": _list_url(self.appraisal.pk),
            "active": "findings",
        }
        return render(
            self.request, "appraisals/evidence_confirm_delete.html", context, status=status
        )

    def post(self, request: HttpRequest, pk: int, item_pk: int | None = None) -> HttpResponse:
        item = self.get_item()
        if item is None:  # the delete URL always names a finding
            raise Http404("No such finding in this appraisal.")
        try:
            finding_delete(finding=item, user=request.user)
        except AppraisalError as error:
            return self.render_confirm(item, error.message, status=400)
        messages.success(request, "Finding deleted.")
        return HttpResponseRedirect(_list_url(self.appraisal.pk))


urlpatterns: list[URLPattern] = [
    path("<int:pk>/findings/", FindingListView.as_view(), name="finding_list"),
    path("<int:pk>/findings/new/", FindingEditView.as_view(), name="finding_create"),
    path(
        "<int:pk>/findings/presentation/",
        FindingsPresentationView.as_view(),
        name="findings_presentation",
    ),
    path("<int:pk>/findings/<int:item_pk>/edit/", FindingEditView.as_view(), name="finding_edit"),
    path(
        "<int:pk>/findings/<int:item_pk>/delete/",
        FindingDeleteView.as_view(),
        name="finding_delete",
    ),
]
