"""Pages of the evidence: artifacts and affirmations and what each supports.

Reading needs the team's workspace (``permissions.appraisal_can_see_workspace``);
writing needs ``appraisal_can_work``; otherwise 403. An appraisal the user may not
see is a 404. Every write goes through ``services.evidence``; a refused edit is shown
on the form. Deletes confirm on a GET page and delete on POST.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any, ClassVar

from django import forms
from django.contrib import messages
from django.core.paginator import InvalidPage, Paginator
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.views import View

from uplift.apps.appraisals.errors import AppraisalError
from uplift.apps.appraisals.filtersets_workspace import AffirmationFilterSet, ArtifactFilterSet
from uplift.apps.appraisals.forms.evidence import AffirmationForm, ArtifactForm
from uplift.apps.appraisals.models import Affirmation, AppraisalUnit, Artifact
from uplift.apps.appraisals.services.evidence import (
    affirmation_create,
    affirmation_delete,
    affirmation_update,
    artifact_create,
    artifact_delete,
    artifact_update,
)
from uplift.apps.appraisals.views.workspace_mixins import (
    WORK,
    WORKSPACE,
    AppraisalPageMixin,
    bad_request,
    form_error,
)
from uplift.apps.appraisals.workspace import (
    EvidenceRow,
    affirmation_list,
    artifact_list,
    evidence_rows,
)
from uplift.apps.common.exports import csv_response
from uplift.apps.common.views import wants_fragment

__all__ = [
    "AffirmationDeleteView",
    "AffirmationEditView",
    "ArtifactDeleteView",
    "ArtifactEditView",
    "ArtifactFileView",
    "EvidenceListView",
    "urlpatterns",
]

TABS = ("artifacts", "affirmations")
PER_PAGE = 50

ARTIFACT_COLUMNS = [
    ("Name", "item.name"),
    ("Link", "item.link"),
    ("File", "file_name"),
    ("Date", "item.date"),
    ("Description", "item.description"),
    ("Supports", "supports"),
]
AFFIRMATION_COLUMNS = [
    ("Kind", "item.get_kind_display"),
    ("Date", "item.date"),
    ("Session", "item.session"),
    ("Role group", "item.role_group"),
    ("Summary", "item.summary"),
    ("Supports", "supports"),
]


def _evidence_url(appraisal_pk: int, tab: str = "artifacts") -> str:
    url = reverse("appraisals:evidence_list", args=[appraisal_pk])
    return f"{url}?tab={tab}" if tab != "artifacts" else url


def _file_name(name: str | None) -> str:
    return PurePosixPath(name).name if name else ""


class _CsvRow:
    """An evidence row as the CSV columns read it (the file by its name, not its path)."""

    def __init__(self, row: EvidenceRow) -> None:
        self.item = row.item
        self.supports = row.supports
        self.file_name = _file_name(row.item.file.name) if isinstance(row.item, Artifact) else ""


class EvidenceListView(AppraisalPageMixin, View):
    """Artifacts and affirmations of the appraisal on two tabs, filtered, with their links.

    ``?tab=artifacts|affirmations``, the FilterSet's fields (process area, practice,
    unit, and kind or name search), ``?page=``, ``?export=csv``. Anything else is a 400.
    """

    access = WORKSPACE
    reserved: ClassVar[frozenset[str]] = frozenset({"tab", "page", "export"})

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        params = request.GET
        tab = params.get("tab") or "artifacts"
        if tab not in TABS:
            return bad_request(request, f"Unknown tab {tab!r}; use artifacts or affirmations.")
        filterset_class = ArtifactFilterSet if tab == "artifacts" else AffirmationFilterSet
        known = (set(filterset_class.base_filters) - {"appraisal"}) | self.reserved
        unknown = sorted(set(params) - known)
        if unknown:
            return bad_request(request, f"Unknown parameter: {', '.join(unknown)}.")
        export = params.get("export") or ""
        if export not in ("", "csv"):
            return bad_request(request, f"Cannot export as {export!r}; use export=csv.")
        queryset: QuerySet[Any] = (
            artifact_list(user=request.user, appraisal=self.appraisal)
            if tab == "artifacts"
            else affirmation_list(user=request.user, appraisal=self.appraisal)
        )
        data = params.copy()
        for name in self.reserved:
            data.pop(name, None)
        filterset = filterset_class(data, queryset=queryset, request=request)
        filterset.form.fields.pop("appraisal")  # the appraisal is the one in the URL
        if not filterset.is_valid():
            problems = "; ".join(
                f"{name}: {' '.join(errors)}" for name, errors in filterset.errors.items()
            )
            return bad_request(request, f"Invalid filter: {problems}")
        if export == "csv":
            columns = ARTIFACT_COLUMNS if tab == "artifacts" else AFFIRMATION_COLUMNS
            rows = (_CsvRow(row) for row in evidence_rows(filterset.qs))
            return csv_response(rows, columns, filename=f"appraisal-{self.appraisal.pk}-{tab}.csv")
        self._choices(filterset.form)
        try:
            page = Paginator(filterset.qs, PER_PAGE).page(params.get("page") or 1)
        except InvalidPage:
            return bad_request(request, "page must be a page number of the list.")
        context = {
            **self.base_context(),
            "tab": tab,
            "filter_form": filterset.form,
            "is_filtered": bool(filterset.form.changed_data),
            "page_obj": page,
            "rows": evidence_rows(page.object_list),
            "counts": {
                "artifacts": artifact_list(user=request.user, appraisal=self.appraisal).count(),
                "affirmations": affirmation_list(
                    user=request.user, appraisal=self.appraisal
                ).count(),
            },
            "export_url": "?" + _with(params, export="csv", page=None),
        }
        template = (
            "partials/appraisals/evidence_table.html"
            if wants_fragment(request)
            else "appraisals/evidence_list.html"
        )
        return render(request, template, context)

    def _choices(self, form: forms.Form) -> None:
        """Pick lists for the area and unit filters (the FilterSet takes any text)."""
        areas = [(a.abbreviation, f"{a.abbreviation} {a.name}") for a in self.scope]
        units = [(u.name, u.name) for u in AppraisalUnit.objects.filter(appraisal=self.appraisal)]
        for name, choices in (("process_area", areas), ("unit", units)):
            if name in form.fields:
                form.fields[name].widget = forms.Select(choices=[("", "Any"), *choices])


def _with(params: Any, **changes: str | None) -> str:
    query = params.copy()
    for name, value in changes.items():
        query.pop(name, None)
        if value is not None:
            query[name] = value
    return str(query.urlencode())


# -- artifacts and affirmations: create, edit, delete --------------------------------------------


class _EvidenceFormView(AppraisalPageMixin, View):
    """A create or edit page of one piece of evidence; subclasses fill in the kind."""

    access = WORK
    form_class: ClassVar[type[Any]]
    template_name: ClassVar[str]
    tab: ClassVar[str]
    noun: ClassVar[str]

    def get_item(self) -> Any:
        """The item in the URL (edit pages), or None (create pages); 404 if not here."""
        item_pk = self.kwargs.get("item_pk")
        if item_pk is None:
            return None
        model = Artifact if self.tab == "artifacts" else Affirmation
        lister = artifact_list if self.tab == "artifacts" else affirmation_list
        try:
            item: Any = lister(user=self.request.user, appraisal=self.appraisal).get(pk=item_pk)
        except model.DoesNotExist:
            raise Http404(f"No such {self.noun} in this appraisal.") from None
        return item

    def make_form(self, item: Any, data: Any = None, files: Any = None) -> Any:
        units = list(
            AppraisalUnit.objects.filter(appraisal=self.appraisal).values_list("name", flat=True)
        )
        kwargs: dict[str, Any] = {"scope": self.scope, "units": units}
        if item is not None:
            kwargs["initial"] = self.initial(item)
        if self.tab == "artifacts":
            kwargs["has_file"] = bool(item is not None and item.file)
            return self.form_class(data, files, **kwargs)
        return self.form_class(data, **kwargs)

    def initial(self, item: Any) -> dict[str, Any]:
        rows = evidence_rows([item])
        units: list[str] = []
        for group in rows[0].links:
            units.extend(unit for unit in group.units if unit not in units)
        return {"practices": list(rows[0].practices), "units": units}

    def render_form(self, form: Any, item: Any, status: int = 200) -> HttpResponse:
        chosen = set(form.chosen_practices())
        context = {
            **self.base_context(),
            "form": form,
            "item": item,
            "file_name": _file_name(item.file.name) if isinstance(item, Artifact) else "",
            "scope": self.scope,
            "chosen": chosen,
            "open_areas": {a.abbreviation for a in self.scope if chosen & set(a.practice_refs)},
            "cancel_url": _evidence_url(self.appraisal.pk, self.tab),
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int, item_pk: int | None = None) -> HttpResponse:
        item = self.get_item()
        return self.render_form(self.make_form(item), item)

    def post(self, request: HttpRequest, pk: int, item_pk: int | None = None) -> HttpResponse:
        item = self.get_item()
        form = self.make_form(item, request.POST, request.FILES)
        if form.is_valid():
            try:
                saved = self.save(form.cleaned_data, item)
            except AppraisalError as error:
                form_error(form, error)
            else:
                verb = "added" if item is None else "saved"
                messages.success(request, f"{self.noun.capitalize()} {verb}: {saved}.")
                return HttpResponseRedirect(_evidence_url(self.appraisal.pk, self.tab))
        return self.render_form(form, item, status=400)

    def save(self, data: dict[str, Any], item: Any) -> Any:
        raise NotImplementedError


class ArtifactEditView(_EvidenceFormView):
    """Add an artifact (``artifact_create``) or change one (``artifact_edit``)."""

    form_class = ArtifactForm
    template_name = "appraisals/artifact_form.html"
    tab = "artifacts"
    noun = "artifact"

    def initial(self, item: Any) -> dict[str, Any]:
        return {
            **super().initial(item),
            "name": item.name,
            "link": item.link,
            "date": item.date,
            "description": item.description,
        }

    def save(self, data: dict[str, Any], item: Artifact | None) -> Artifact:
        fields = {
            "name": data["name"],
            "link": data["link"],
            "date": data["date"],
            "description": data["description"],
            "practices": data["practices"],
            "units": data["units"],
            "user": self.request.user,
        }
        if item is None:
            return artifact_create(appraisal=self.appraisal, file=data["file"], **fields)
        if data.get("file"):
            return artifact_update(artifact=item, file=data["file"], **fields)
        if data.get("remove_file"):
            return artifact_update(artifact=item, file=None, **fields)
        return artifact_update(artifact=item, **fields)


class AffirmationEditView(_EvidenceFormView):
    """Add an affirmation (``affirmation_create``) or change one (``affirmation_edit``)."""

    form_class = AffirmationForm
    template_name = "appraisals/affirmation_form.html"
    tab = "affirmations"
    noun = "affirmation"

    def initial(self, item: Any) -> dict[str, Any]:
        return {
            **super().initial(item),
            "kind": item.kind,
            "date": item.date,
            "session": item.session,
            "role_group": item.role_group,
            "summary": item.summary,
        }

    def save(self, data: dict[str, Any], item: Affirmation | None) -> Affirmation:
        fields = {
            "kind": data["kind"],
            "date": data["date"],
            "session": data["session"],
            "role_group": data["role_group"],
            "summary": data["summary"],
            "practices": data["practices"],
            "units": data["units"],
            "user": self.request.user,
        }
        if item is None:
            return affirmation_create(appraisal=self.appraisal, **fields)
        return affirmation_update(affirmation=item, **fields)


class _EvidenceDeleteView(_EvidenceFormView):
    """GET: what will be deleted, and a button; POST: delete."""

    def get(self, request: HttpRequest, pk: int, item_pk: int | None = None) -> HttpResponse:
        return self.render_confirm(self.get_item())

    def render_confirm(self, item: Any, error: str = "", status: int = 200) -> HttpResponse:
        rows = evidence_rows([item])
        context = {
            **self.base_context(),
            "item": item,
            "noun": self.noun,
            "details": rows[0].supports,
            "error": error,
            "cancel_url": _evidence_url(self.appraisal.pk, self.tab),
            "active": "evidence",
        }
        return render(
            self.request, "appraisals/evidence_confirm_delete.html", context, status=status
        )

    def post(self, request: HttpRequest, pk: int, item_pk: int | None = None) -> HttpResponse:
        item = self.get_item()
        label = str(item)
        try:
            self.delete(item)
        except AppraisalError as error:
            return self.render_confirm(item, error.message, status=400)
        messages.success(request, f"{self.noun.capitalize()} deleted: {label}.")
        return HttpResponseRedirect(_evidence_url(self.appraisal.pk, self.tab))

    def delete(self, item: Any) -> None:
        raise NotImplementedError


class ArtifactDeleteView(_EvidenceDeleteView):
    """Delete an artifact, its links and its stored file."""

    tab = "artifacts"
    noun = "artifact"

    def delete(self, item: Any) -> None:
        artifact_delete(artifact=item, user=self.request.user)


class AffirmationDeleteView(_EvidenceDeleteView):
    """Delete an affirmation and its links."""

    tab = "affirmations"
    noun = "affirmation"

    def delete(self, item: Any) -> None:
        affirmation_delete(affirmation=item, user=self.request.user)


class ArtifactFileView(AppraisalPageMixin, View):
    """Download an artifact's uploaded file (an attachment, never shown inline)."""

    access = WORKSPACE

    def get(self, request: HttpRequest, pk: int, item_pk: int) -> FileResponse:
        artifact = (
            artifact_list(user=request.user, appraisal=self.appraisal)
            .filter(pk=item_pk)
            .exclude(file="")
            .first()
        )
        if artifact is None:
            raise Http404("No such artifact, or it has no file.")
        try:
            handle = artifact.file.open("rb")
        except FileNotFoundError:
            raise Http404("The artifact's file is missing from storage.") from None
        return FileResponse(handle, as_attachment=True, filename=_file_name(artifact.file.name))


urlpatterns: list[URLPattern] = [
    path("<int:pk>/evidence/", EvidenceListView.as_view(), name="evidence_list"),
    path("<int:pk>/evidence/artifacts/new/", ArtifactEditView.as_view(), name="artifact_create"),
    path(
        "<int:pk>/evidence/artifacts/<int:item_pk>/edit/",
        ArtifactEditView.as_view(),
        name="artifact_edit",
    ),
    path(
        "<int:pk>/evidence/artifacts/<int:item_pk>/delete/",
        ArtifactDeleteView.as_view(),
        name="artifact_delete",
    ),
    path(
        "<int:pk>/evidence/artifacts/<int:item_pk>/file",
        ArtifactFileView.as_view(),
        name="artifact_file",
    ),
    path(
        "<int:pk>/evidence/affirmations/new/",
        AffirmationEditView.as_view(),
        name="affirmation_create",
    ),
    path(
        "<int:pk>/evidence/affirmations/<int:item_pk>/edit/",
        AffirmationEditView.as_view(),
        name="affirmation_edit",
    ),
    path(
        "<int:pk>/evidence/affirmations/<int:item_pk>/delete/",
        AffirmationDeleteView.as_view(),
        name="affirmation_delete",
    ),
]
