"""Pages of the model library: list, model, process area, practice search, comparison.

Every page needs sign-in and ``library.view_processmodel`` (anonymous → sign-in page,
signed in without it → 403). Views parse, call a selector, render.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404
from django.views.generic import TemplateView

from uplift.apps.common.views import (
    ObjectDetailView,
    ObjectListView,
    ProtectedViewMixin,
    wants_fragment,
)
from uplift.apps.library import selectors
from uplift.apps.library.filters import ProcessModelListFilterSet
from uplift.apps.library.forms import ModelCompareForm, PracticeSearchForm
from uplift.apps.library.models import ProcessArea, ProcessModel

__all__ = [
    "ModelCompareView",
    "PracticeSearchView",
    "ProcessAreaDetailView",
    "ProcessModelDetailView",
    "ProcessModelListView",
]

LIBRARY_PERMISSION = "library.view_processmodel"


class ProcessModelListView(ObjectListView):
    """Every loaded model version with its counts."""

    model = ProcessModel
    title = "Model library"
    filterset_class = ProcessModelListFilterSet
    sort_fields: ClassVar[dict[str, str | tuple[str, ...]]] = {
        "identifier": ("identifier", "version"),
        "name": "name",
        "version": "version",
        "process_areas": "process_area_count",
        "goals": "goal_count",
        "practices": "practice_count",
    }
    default_sort = "identifier"
    export_columns: ClassVar[list[tuple[str, str]]] = [
        ("Identifier", "identifier"),
        ("Version", "version"),
        ("Name", "name"),
        ("Latest", "is_latest"),
        ("Process areas", "process_area_count"),
        ("Goals", "goal_count"),
        ("Practices", "practice_count"),
        ("Generic goals", "generic_goal_count"),
        ("Generic practices", "generic_practice_count"),
    ]
    table_template_name = "partials/library/processmodel_table.html"
    empty_message = "No models loaded yet — run `uplift library import FILE`."

    def get_base_queryset(self) -> QuerySet[ProcessModel]:
        """All versions with their counts."""
        return selectors.model_list()


class ProcessModelDetailView(ObjectDetailView):
    """One model version: staged and continuous views, generic goals, variants, mappings."""

    model = ProcessModel
    template_name = "library/processmodel_detail.html"
    context_object_name = "detail"

    def get_object(self, queryset: QuerySet[Any] | None = None) -> selectors.ModelDetail:
        """The model version named in the URL, or 404."""
        try:
            return selectors.model_detail_get(
                identifier=self.kwargs["identifier"], version=self.kwargs["version"]
            )
        except ProcessModel.DoesNotExist:
            raise Http404("No such model version.") from None


class ProcessAreaDetailView(ObjectDetailView):
    """One process area: purpose, goals, practices with their details and references."""

    model = ProcessArea
    permission_required = LIBRARY_PERMISSION
    template_name = "library/processarea_detail.html"
    context_object_name = "detail"

    def get_object(self, queryset: QuerySet[Any] | None = None) -> selectors.ProcessAreaDetail:
        """The process area named in the URL, or 404."""
        try:
            return selectors.process_area_detail_get(
                identifier=self.kwargs["identifier"],
                version=self.kwargs["version"],
                abbreviation=self.kwargs["abbreviation"],
            )
        except ProcessArea.DoesNotExist:
            raise Http404("No such process area.") from None


class PracticeSearchView(ProtectedViewMixin, TemplateView):
    """Words in practice identifiers, titles, summaries and descriptions; paginated."""

    permission_required = LIBRARY_PERMISSION
    template_name = "library/practice_search.html"
    fragment_template_name = "partials/library/practice_search_results.html"
    paginate_by = 25

    def get_template_names(self) -> list[str]:
        """The results fragment for htmx swaps (search as you type), the page otherwise."""
        return [self.fragment_template_name if wants_fragment(self.request) else self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        """The form and, for a valid non-empty query, one page of results."""
        context = super().get_context_data(**kwargs)
        form = PracticeSearchForm(self.request.GET, references=selectors.model_references())
        query = form.cleaned_data["q"].strip() if form.is_valid() else ""
        page = None
        if query:
            practices = selectors.practice_search(
                query=query, model_reference=form.cleaned_data["model"]
            )
            page = Paginator(practices, self.paginate_by).get_page(self.request.GET.get("page"))
        context.update({"form": form, "query": query, "page_obj": page})
        return context


class ModelCompareView(ProtectedViewMixin, TemplateView):
    """Two model versions side by side: shared and unique areas, and practice differences."""

    permission_required = LIBRARY_PERMISSION
    template_name = "library/model_compare.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        """The form and, when both sides are valid, the comparison."""
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        bound = "left" in params or "right" in params
        form = ModelCompareForm(params if bound else None, references=selectors.model_references())
        comparison = None
        error = ""
        if bound and form.is_valid():
            try:
                comparison = selectors.model_compare(
                    left=form.cleaned_data["left"], right=form.cleaned_data["right"]
                )
            except ValueError as exc:  # data that has no unambiguous comparison
                error = f"These models cannot be compared: {exc}"
        context.update({"form": form, "comparison": comparison, "error": error})
        return context
