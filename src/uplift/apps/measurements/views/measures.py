"""Pages of measures: the list, a measure's page (charts, baselines, QPPOs), create and
edit, storing a baseline.

Access: anonymous visitors are sent to sign in; reading needs
``measurements.view_measure``, creating ``add_measure``, editing ``change_measure``,
storing a baseline ``add_baseline`` (else 403, nothing written). A write the rules
refuse (``MeasurementError``) shows beside its field, never as a 500.

The measure page charts what its GET form selects: one work activity (its values one
by one) or a segment (monthly means), over a period. One work activity's chart data
is one indexed query; the drawings are cached under a hash of their data
(``charts.cached_svg``), so an unchanged chart is not drawn again.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any, ClassVar

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from uplift.apps.common.views import ObjectListView
from uplift.apps.measurements import charts, selectors
from uplift.apps.measurements.filtersets import MeasureFilterSet
from uplift.apps.measurements.forms import (
    BaselineCompareForm,
    ChartSelectionForm,
    MeasureForm,
    add_service_error,
)
from uplift.apps.measurements.models import Baseline, Measure
from uplift.apps.measurements.services.baselines import baseline_compare, baseline_compute
from uplift.apps.measurements.services.measures import (
    MEASURE_FIELDS,
    MeasurementError,
    measure_create,
    measure_update,
)

__all__ = [
    "BaselineStoreView",
    "MeasureCreateView",
    "MeasureDetailView",
    "MeasureListView",
    "MeasureUpdateView",
]

BASELINE_HISTORY = 50  # the newest snapshots shown on a measure's page
PER_ACTIVITY_AUTO = 50  # segments up to this many activities show each one's statistics


def measure_or_404(slug: str) -> Measure:
    try:
        return selectors.measure_get(slug=slug)
    except Measure.DoesNotExist:
        raise Http404("No such measure.") from None


class MeasureListView(ObjectListView):
    """Every measure: filtered, sorted, paged, exported as CSV."""

    model = Measure
    template_name = "measurements/measure_list.html"
    table_template_name = "partials/measurements/measure_table.html"
    filterset_class = MeasureFilterSet
    paginate_by = 25
    sort_fields: ClassVar[dict[str, str | tuple[str, ...]]] = {
        "name": "name",
        "unit": ("unit", "name"),
        "scale": ("scale", "name"),
        "direction": ("direction", "name"),
        "frequency": ("frequency", "name"),
        "objectives": ("objective_count", "name"),
        "baselines": ("baseline_count", "name"),
    }
    default_sort = "name"
    export_columns: ClassVar[list[tuple[str, str]]] = [
        ("Slug", "slug"),
        ("Name", "name"),
        ("Unit", "unit"),
        ("Scale", "scale"),
        ("Direction", "direction"),
        ("Describes", "describes"),
        ("Collected by", "collected_by"),
        ("Frequency", "frequency"),
        ("Operational definition", "operational_definition"),
        ("Objectives", "objective_count"),
        ("Baselines", "baseline_count"),
    ]
    empty_message = "No measures yet."

    def get_base_queryset(self) -> QuerySet[Measure]:
        """Every measure with its counts of objectives and baselines."""
        return selectors.measure_list()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_add"] = self.request.user.has_perm("measurements.add_measure")
        return context


# -- the measure's page -------------------------------------------------------------------


@dataclass(frozen=True)
class BaselineRow:
    """A stored baseline with the change of its mean since the previous snapshot of the
    same segment (None for the first)."""

    baseline: Baseline
    previous: Baseline | None
    mean_change: float | None


def _segment_key(segment: Any) -> str:
    return json.dumps(segment or {}, sort_keys=True)


def baseline_rows(baselines: list[Baseline]) -> list[BaselineRow]:
    """Newest first, each set against the snapshot of its segment just before it."""
    rows = []
    for index, baseline in enumerate(baselines):
        key = _segment_key(baseline.segment)
        previous = next((b for b in baselines[index + 1 :] if _segment_key(b.segment) == key), None)
        change = (
            baseline.mean - previous.mean
            if previous is not None and baseline.mean is not None and previous.mean is not None
            else None
        )
        rows.append(BaselineRow(baseline, previous, change))
    return rows


def _selection_text(form: ChartSelectionForm, label: str) -> str:
    activity = form.cleaned_data.get("work_activity") if form.is_bound else None
    return activity.name if activity is not None else label


def _charts(measure: Measure, data: selectors.ControlChartData, scope: str) -> dict[str, str]:
    """The run chart, the XmR chart and the attribute chart, drawn or from the cache."""
    unit = measure.unit
    what = "values" if data.grouping == "individual" else "monthly means"
    period = f"{data.labels[0]} to {data.labels[-1]}" if data.labels else "no period"
    svgs = {
        "run": charts.cached_svg(
            "run",
            [data.values, data.labels, unit],
            lambda: charts.run_chart_svg(
                data.values,
                data.labels,
                unit=unit,
                chart_id="run-chart",
                title=f"Run chart of {measure.name}, {scope}",
                desc=f"{len(data.values)} {what} from {period}, with their median.",
            ),
        )
    }
    if data.xmr is not None:
        chart = data.xmr
        svgs["xmr"] = charts.cached_svg(
            "xmr",
            [data.values, data.labels, unit],
            lambda: charts.xmr_chart_svg(
                [chart],
                data.labels,
                unit=unit,
                chart_id="xmr-chart",
                title=f"XmR chart of {measure.name}, {scope}",
                desc=(
                    f"Individuals and moving ranges of {len(data.values)} {what}; center "
                    f"{chart.center:.4g}, natural process limits {chart.lcl:.4g} to "
                    f"{chart.ucl:.4g}; {len(chart.signals)} signal(s)."
                ),
            ),
        )
    if data.attribute is not None:
        attribute = data.attribute
        svgs["attribute"] = charts.cached_svg(
            attribute.kind,
            [attribute.values, attribute.sizes, data.attribute_labels, unit],
            lambda: charts.attribute_chart_svg(
                attribute,
                data.attribute_labels,
                unit=unit,
                chart_id="attribute-chart",
                title=f"{attribute.kind}-chart of {measure.name}, {scope}",
                desc=(
                    f"{len(attribute.values)} months; center {attribute.center:.4g}; "
                    f"{len(attribute.signals)} point(s) beyond their limits."
                ),
            ),
        )
    return svgs


class MeasureDetailView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """A measure: its definition, charts of a selection, baselines and QPPOs."""

    permission_required = "measurements.view_measure"

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        measure = measure_or_404(slug)
        form = ChartSelectionForm(request.GET if _selects(request) else None)
        context: dict[str, Any] = {"measure": measure, "form": form}
        segment: dict[str, Any] = {}
        start = end = None
        valid = not form.is_bound or form.is_valid()
        if form.is_bound and valid:
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
            try:
                segment = selectors.segment_clean(form.segment())
            except selectors.InvalidSegment as error:
                form.add_error(None, str(error))
                valid = False
        if valid:
            ids = selectors.segment_work_activity_ids(segment)
            data = selectors.control_chart_data(
                measure, work_activity_ids=ids, start=start, end=end
            )
            scope = _selection_text(form, selectors.segment_label(segment))
            current = selectors.baselines_for(measure, segment)
            if data.grouping == "monthly":
                # A grouped query over every value: on demand for large segments.
                wanted = request.GET.get("per_activity") == "1"
                if wanted or (ids is not None and len(ids) <= PER_ACTIVITY_AUTO):
                    context["activity_baselines"] = selectors.work_activity_baselines(
                        measure, work_activity_ids=ids, start=start, end=end
                    )
                else:
                    query = request.GET.copy()
                    query["per_activity"] = "1"
                    context["per_activity_url"] = f"?{query.urlencode()}"
            context.update(
                {
                    "chart": data,
                    "signals": _signal_rows(data),
                    "signal_counts": sorted(
                        Counter(rule for *_, rule in _signal_rows(data)).items()
                    ),
                    "svgs": _charts(measure, data, scope) if len(data.values) else {},
                    "scope": scope,
                    "current_baseline": current[0] if current else None,
                    "selection_query": request.GET.urlencode() if _selects(request) else "",
                }
            )
        baselines = list(selectors.baseline_list(measure=measure)[:BASELINE_HISTORY])
        qppos = list(selectors.qppo_list().filter(measure=measure))
        statuses = selectors.objective_statuses(qppos)
        context.update(
            {
                "span": selectors.measure_observation_span(measure),
                "baselines": baseline_rows(baselines),
                "qppos": [
                    (qppo, statuses[qppo.pk], selectors.segment_label(qppo.segment))
                    for qppo in qppos
                ],
                "comparison": _comparison(request, measure),
                "compare_form": BaselineCompareForm(measure=measure),
                "can_change": request.user.has_perm("measurements.change_measure"),
                "can_store": request.user.has_perm("measurements.add_baseline"),
            }
        )
        status = 200 if valid else 400
        return render(request, "measurements/measure_detail.html", context, status=status)


_SELECTION_FIELDS = frozenset(ChartSelectionForm.base_fields) | {"per_activity"}


def _selects(request: HttpRequest) -> bool:
    return any(name in _SELECTION_FIELDS for name in request.GET)


def _signal_rows(data: selectors.ControlChartData) -> list[tuple[str, float, str]]:
    if data.xmr is None:
        return []
    return [
        (data.labels[signal.index], float(data.values[signal.index]), signal.rule.value)
        for signal in data.xmr.signals
    ]


def _comparison(request: HttpRequest, measure: Measure) -> Any:
    if "older" not in request.GET or "newer" not in request.GET:
        return None
    form = BaselineCompareForm(request.GET, measure=measure)
    if not form.is_valid():
        return {"errors": form.errors}
    try:
        return baseline_compare(older=form.cleaned_data["older"], newer=form.cleaned_data["newer"])
    except MeasurementError as error:
        return {"errors": {"newer": [error.message]}}


class BaselineStoreView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """POST: compute the baseline of a selection (work activity or segment, period) and
    store it as a dated snapshot; back to the measure page (or ``next``). A ``segment``
    field (JSON, as objectives store it) replaces the selection's segment."""

    permission_required = "measurements.add_baseline"

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        measure = measure_or_404(slug)
        form = ChartSelectionForm(request.POST)
        target = reverse("measurements:measure_detail", args=[measure.slug])
        following = request.POST.get("next", "")
        if following and url_has_allowed_host_and_scheme(
            following, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = following
        if not form.is_valid():
            messages.error(request, "The selection is not valid; no baseline was stored.")
            return redirect(target)
        segment: Any = form.segment()
        if request.POST.get("segment"):  # an objective's segment, as stored
            try:
                segment = json.loads(request.POST["segment"])
            except ValueError:
                messages.error(request, "The segment is not JSON; no baseline was stored.")
                return redirect(target)
        try:
            result = baseline_compute(
                measure=measure,
                segment=segment,
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
                store=True,
                user=request.user,
            )
        except MeasurementError as error:
            messages.error(request, f"No baseline was stored: {error.message}")
            return redirect(target)
        summary = result.summary
        mean = f"{summary.mean:.4g}" if summary else "—"
        messages.success(
            request,
            f"Baseline stored for {result.segment_label}: n = {result.n}, mean {mean} "
            f"{measure.unit}.",
        )
        return redirect(target)


# -- create and edit ----------------------------------------------------------------------


class MeasureCreateView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Define a new measure."""

    permission_required = "measurements.add_measure"
    template_name = "measurements/measure_form.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": MeasureForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = MeasureForm(request.POST)
        if form.is_valid():
            try:
                measure = measure_create(**form.cleaned_data, user=request.user)
            except MeasurementError as error:
                add_service_error(form, error)
            else:
                messages.success(request, f"The measure “{measure.name}” is defined.")
                return redirect("measurements:measure_detail", measure.slug)
        return render(request, self.template_name, {"form": form}, status=400)


class MeasureUpdateView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Change a measure's definition."""

    permission_required = "measurements.change_measure"
    template_name = "measurements/measure_form.html"

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        measure = measure_or_404(slug)
        initial = {name: getattr(measure, name) for name in MEASURE_FIELDS}
        form = MeasureForm(initial=initial)
        return render(request, self.template_name, {"form": form, "measure": measure})

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        measure = measure_or_404(slug)
        form = MeasureForm(request.POST)
        if form.is_valid():
            try:
                measure_update(measure=measure, user=request.user, **form.cleaned_data)
            except MeasurementError as error:
                add_service_error(form, error)
            else:
                messages.success(request, "The measure is saved.")
                return redirect("measurements:measure_detail", measure.slug)
        context = {"form": form, "measure": measure}
        return render(request, self.template_name, context, status=400)
