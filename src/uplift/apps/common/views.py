"""Site shell views (dashboard, health check) and the generic list and detail views.

Concrete views are declarations over the generic ones (NetBox-style)::

    class ProcessModelListView(ObjectListView):
        model = ProcessModel                      # permission: library.view_processmodel
        filterset_class = ProcessModelFilterSet   # the same FilterSet serves the API
        sort_fields = {"name": "name", "practices": "practice_count"}
        default_sort = "name"
        export_columns = [("Name", "name"), ("Practices", "practice_count")]
        table_template_name = "partials/library/processmodel_table.html"

        def get_base_queryset(self):
            return selectors.model_list()

The list view answers ``?sort=[-]key`` (keys from ``sort_fields``), ``?page=``,
``?per_page=`` (1..``max_per_page``), ``?export=csv`` (every filtered row, no paging)
and the FilterSet's fields. An unknown parameter, sort key or invalid filter value
is a 400 with a message, never a 500. htmx requests that are not boosted get the
table fragment only (``wants_fragment``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Model, QuerySet
from django.db.models.options import Options
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse, QueryDict
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import DetailView, ListView
from django_filters import FilterSet

from uplift.apps.common.exports import csv_response
from uplift.apps.library.selectors import library_summary

__all__ = [
    "InvalidListQuery",
    "ListQuery",
    "ObjectDetailView",
    "ObjectListView",
    "ProtectedViewMixin",
    "dashboard",
    "healthz",
    "wants_fragment",
]


def wants_fragment(request: HttpRequest) -> bool:
    """True for htmx requests that swap a fragment; boosted navigation wants whole pages."""
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.boosted


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The landing page after sign-in: what exists so far, for what the user may see."""
    can_view_library = request.user.has_perm("library.view_processmodel")
    library = library_summary() if can_view_library else None
    return render(request, "common/dashboard.html", {"library": library})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database readiness for load balancers; no authentication, no data."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception:  # any database error means not ready
        database = "unavailable"
    status = 200 if database == "ok" else 503
    return JsonResponse(
        {"status": "ok" if status == 200 else "error", "database": database}, status=status
    )


class ProtectedViewMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Sign-in first (anonymous → sign-in page), then the permission (missing → 403).

    ``permission_required`` defaults to ``<app_label>.view_<model_name>`` of ``model``.
    """

    def model_options(self) -> Options[Any]:
        """The declared model's ``_meta``; a view without a model is misconfigured."""
        model: type[Model] | None = getattr(self, "model", None)
        if model is None:
            raise ImproperlyConfigured(f"{type(self).__name__} needs a model.")
        return model._meta

    def get_permission_required(self) -> Sequence[str]:
        """The declared permissions, or the model's view permission."""
        if self.permission_required is None:
            opts = self.model_options()
            return (f"{opts.app_label}.view_{opts.model_name}",)
        return super().get_permission_required()


class InvalidListQuery(Exception):
    """A list request whose parameters cannot be honoured; shown as a 400 with the message."""


@dataclass(frozen=True)
class ListQuery:
    """The validated list parameters: sort key (with ``-`` for descending), page size, export."""

    sort: str
    per_page: int
    export: str


class ObjectListView(ProtectedViewMixin, ListView):
    """A filtered, sortable, paginated, exportable list; see the module docstring."""

    template_name = "common/object_list.html"
    table_template_name: str = ""  # default: partials/<app>/<model>_table.html
    filterset_class: type[FilterSet] | None = None
    # ?sort= key → ORM field or annotation, or a tuple of them (tie-breakers)
    sort_fields: ClassVar[Mapping[str, str | tuple[str, ...]]] = {}
    default_sort: str = ""  # a key of sort_fields, "-" prefixed for descending
    paginate_by = 50
    max_per_page = 500
    export_columns: ClassVar[Sequence[tuple[str, str]]] = ()  # (header, dotted attribute)
    title: str = ""  # default: the model's verbose_name_plural, capitalized
    empty_message: str = "Nothing here yet."

    reserved_parameters: ClassVar[frozenset[str]] = frozenset(
        {"sort", "page", "per_page", "export"}
    )

    def get_base_queryset(self) -> QuerySet[Any]:
        """The unfiltered rows; override to call the app's selector."""
        return self.model_options().model._default_manager.all()

    # -- request parsing ---------------------------------------------------------------

    def parse_query(self, params: QueryDict) -> ListQuery:
        """Validate the list parameters, or raise ``InvalidListQuery``."""
        known = set(self.reserved_parameters)
        if self.filterset_class is not None:
            known |= set(self.filterset_class.base_filters)
        unknown = sorted(set(params) - known)
        if unknown:
            raise InvalidListQuery(f"Unknown parameter: {', '.join(unknown)}.")
        for name in self.reserved_parameters:
            if len(params.getlist(name)) > 1:
                raise InvalidListQuery(f"The parameter {name} may be given once.")

        sort = params.get("sort") or self.default_sort
        if sort and sort.removeprefix("-") not in self.sort_fields:
            choices = ", ".join(sorted(self.sort_fields)) or "none"
            raise InvalidListQuery(f"Cannot sort by {sort!r}; sort keys: {choices}.")

        per_page = self.paginate_by
        if raw_per_page := params.get("per_page", ""):
            try:
                per_page = int(raw_per_page)
            except ValueError:
                raise InvalidListQuery("per_page must be a whole number.") from None
            per_page = max(1, min(per_page, self.max_per_page))

        export = params.get("export") or ""
        if export not in ("", "csv"):
            raise InvalidListQuery(f"Cannot export as {export!r}; use export=csv.")
        return ListQuery(sort=sort, per_page=per_page, export=export)

    # A CSV export streams (StreamingHttpResponse is no HttpResponse subclass).
    def get(  # type: ignore[override]
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        """Parse and validate, then export or render (page or fragment)."""
        try:
            self.list_query = self.parse_query(request.GET)
            self.filterset = self.build_filterset()
        except InvalidListQuery as error:
            return render(request, "common/bad_request.html", {"message": str(error)}, status=400)
        if self.list_query.export == "csv":
            return csv_response(
                self.get_queryset(), self.export_columns, filename=f"{self.export_name()}.csv"
            )
        response: HttpResponseBase = super().get(request, *args, **kwargs)
        return response

    def build_filterset(self) -> FilterSet | None:
        """Bind the FilterSet to the query string; an invalid value is a 400."""
        if self.filterset_class is None:
            return None
        filterset = self.filterset_class(
            self.request.GET, queryset=self.get_base_queryset(), request=self.request
        )
        if not filterset.is_valid():
            problems = "; ".join(
                f"{name}: {' '.join(errors)}" for name, errors in filterset.errors.items()
            )
            raise InvalidListQuery(f"Invalid filter: {problems}")
        return filterset

    # -- ListView hooks ----------------------------------------------------------------

    def get_queryset(self) -> QuerySet[Any]:
        """Filtered rows in the requested order; the primary key breaks ties for paging."""
        queryset = self.filterset.qs if self.filterset else self.get_base_queryset()
        sort = self.list_query.sort
        if not sort:
            return queryset
        fields = self.sort_fields[sort.removeprefix("-")]
        if isinstance(fields, str):
            fields = (fields,)
        direction = "-" if sort.startswith("-") else ""
        return queryset.order_by(*(f"{direction}{field}" for field in (*fields, "pk")))

    def get_paginate_by(self, queryset: QuerySet[Any]) -> int:
        """The requested page size, already bounded by ``parse_query``."""
        return self.list_query.per_page

    def get_table_template_name(self) -> str:
        """The table fragment, also the whole answer to a non-boosted htmx request."""
        if self.table_template_name:
            return self.table_template_name
        opts = self.model_options()
        return f"partials/{opts.app_label}/{opts.model_name}_table.html"

    def get_template_names(self) -> list[str]:
        """The fragment for htmx swaps, the page otherwise."""
        if wants_fragment(self.request):
            return [self.get_table_template_name()]
        return [self.template_name]

    def export_name(self) -> str:
        """The export's file name without extension: the model's plural, slugged."""
        return str(self.model_options().verbose_name_plural).replace(" ", "-")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        """Add the filter form, current sort, table template, title and export link."""
        context = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        params["export"] = "csv"
        context.update(
            {
                "title": self.title or str(self.model_options().verbose_name_plural).capitalize(),
                "filter_form": self.filterset.form if self.filterset else None,
                "is_filtered": bool(self.filterset and self.filterset.form.changed_data),
                "sort": self.list_query.sort,
                "table_template": self.get_table_template_name(),
                "export_url": f"?{params.urlencode()}" if self.export_columns else "",
                "empty_message": self.empty_message,
            }
        )
        return context


class ObjectDetailView(ProtectedViewMixin, DetailView):
    """A detail page behind sign-in and ``<app>.view_<model>``.

    Override ``get_object`` to call the app's selector (raising ``Http404`` when it
    finds nothing); the template is ``<app>/<model>_detail.html`` by default.
    """
