"""The evaluation page: did a change make a difference, and when does it pay back?

A GET form (the page's address is the question, so a result can be shared and
reloaded): a measure; work activities and a change date, or a pilot and a comparison
group; an optional period, QPPO and bootstrap seed; and for the payback the one-off
cost, the running cost a month and what one unit of improvement is worth a month.
The answer: the statistics of both groups, the difference with its confidence
interval, Welch's t, Mann-Whitney U, Hedges' g, the verdict with its assumptions,
the control chart with the two phases, and the months to recover the cost with their
range. Reading it needs ``measurements.view_observation``; nothing is stored.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import View

from uplift.apps.measurements import charts
from uplift.apps.measurements.forms import EvaluationForm, add_service_error
from uplift.apps.measurements.services.evaluations import (
    EvaluationRun,
    evaluation_payback,
    evaluation_run,
)
from uplift.apps.measurements.services.measures import MeasurementError

__all__ = ["EvaluationView"]


def _chart(run: EvaluationRun) -> str:
    if not run.phases:
        return ""
    before, after = run.phases
    what = "monthly means" if run.monthly else "values"
    names = (run.before_label.capitalize(), run.after_label.capitalize())
    desc = (
        f"{names[0]}: {len(before.values)} {what}, center {before.center:.4g}, limits "
        f"{before.lcl:.4g} to {before.ucl:.4g}. {names[1]}: {len(after.values)} {what}, "
        f"center {after.center:.4g}, limits {after.lcl:.4g} to {after.ucl:.4g}."
    )
    values = [*before.values, *after.values]
    return charts.cached_svg(
        "phases",
        [values, run.phase_labels, before.start, after.start, names, run.measure.unit],
        lambda: charts.xmr_chart_svg(
            run.phases,
            run.phase_labels,
            unit=run.measure.unit,
            chart_id="evaluation-chart",
            title=f"XmR chart of {run.measure.name}: {names[0].lower()} and {names[1].lower()}",
            desc=desc,
            phase_names=names,
        ),
    )


class EvaluationView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """The form, and with a question the evaluation and payback (see the module)."""

    permission_required = "measurements.view_observation"
    template_name = "measurements/evaluation.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        if "measure" not in request.GET:
            initial: dict[str, Any] = {}
            if request.GET.get("for"):
                initial["measure"] = request.GET["for"]
            form = EvaluationForm(initial=initial)
            return render(request, self.template_name, {"form": form})
        form = EvaluationForm(request.GET)
        context: dict[str, Any] = {"form": form}
        if not form.is_valid():
            return render(request, self.template_name, context, status=400)
        try:
            run = evaluation_run(**form.arguments())
        except MeasurementError as error:
            add_service_error(form, error)
            return render(request, self.template_name, context, status=400)
        context.update({"run": run, "result": run.evaluation, "chart_svg": _chart(run)})
        data = form.cleaned_data
        if data.get("cost") is not None and data.get("value_per_unit") is not None:
            try:
                context["payback"] = evaluation_payback(
                    run=run,
                    cost=data["cost"],
                    running_cost=data.get("running_cost") or 0.0,
                    value_per_unit=data["value_per_unit"],
                )
            except MeasurementError as error:
                add_service_error(form, error)
                return render(request, self.template_name, context, status=400)
        return render(request, self.template_name, context)
