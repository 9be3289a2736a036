"""Pages of a deployment plan's content rows: stakeholders, measures, barriers with
their strategies, adjustments per target segment, and mitigated risks. A list per kind
with an add form, a remove button per row and, where the row can be changed, an edit
form per row. Access as for the other plan pages (``views.plans``): reading needs
``deployments.view_deploymentplan``, every write ``plan_can_edit`` on an open plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path

from uplift.apps.deployments.errors import DeploymentError
from uplift.apps.deployments.forms.plans import (
    AdjustmentForm,
    BarrierForm,
    BarrierStrategyForm,
    MeasureForm,
    RiskForm,
    StakeholderForm,
    add_service_error,
)
from uplift.apps.deployments.models import (
    Adjustment,
    BarrierStrategy,
    MitigatedRisk,
    PlanMeasure,
    Stakeholder,
)
from uplift.apps.deployments.services import plans as services
from uplift.apps.deployments.views.plans import PlanView, _revision_message, can_change

__all__ = [
    "PlanAdjustmentsView",
    "PlanBarriersView",
    "PlanMeasuresView",
    "PlanRisksView",
    "PlanRowsView",
    "PlanStakeholdersView",
    "urlpatterns",
]


# -- content rows --------------------------------------------------------------------------


class PlanRowsView(PlanView):
    """A list of one kind of content row with an add form and a remove button per row
    (and, where ``update_form_class`` is set, an edit form per row). Every change goes
    through the row's service, which makes a new revision once the plan was sent for
    sign-off."""

    template_name = "deployments/plan_rows.html"
    write_check = can_change
    kind: ClassVar[str] = ""
    heading: ClassVar[str] = ""
    intro: ClassVar[str] = ""
    model: ClassVar[Any] = None
    form_class: ClassVar[type[forms.Form]]
    update_form_class: ClassVar[type[forms.Form] | None] = None

    def rows(self) -> list[Any]:
        return list(self.model.objects.filter(plan=self.plan))

    def make_form(self, data: Any = None) -> forms.Form:
        return self.form_class(data)

    def add(self, form: forms.Form) -> str:
        raise NotImplementedError

    def remove(self, row: Any) -> str:
        raise NotImplementedError

    def update(self, row: Any, form: forms.Form) -> str:
        raise NotImplementedError

    def show(
        self,
        form: forms.Form | None = None,
        *,
        status: int = 200,
        errors: Sequence[str] = (),
        editing: tuple[int, forms.Form] | None = None,
    ) -> HttpResponse:
        rows = self.rows()
        can_edit = can_change(self.request.user, self.plan)
        edit_forms: dict[int, forms.Form] = {}
        if can_edit and self.update_form_class is not None:
            for row in rows:
                if editing is not None and editing[0] == row.pk:
                    edit_forms[row.pk] = editing[1]
                else:
                    initial = {
                        name: getattr(row, name) for name in self.update_form_class.base_fields
                    }
                    edit_forms[row.pk] = self.update_form_class(
                        initial=initial, prefix=f"row{row.pk}"
                    )
        context = {
            "kind": self.kind,
            "heading": self.heading,
            "intro": self.intro,
            "rows": [(row, edit_forms.get(row.pk)) for row in rows],
            "form": (form or self.make_form()) if can_edit else None,
            "row_errors": list(errors),
            "signoff": services.plan_signoff_status(self.plan),
        }
        return self.render(self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.show()

    def _row(self, raw: str | None) -> Any:
        if raw is None or not raw.isdigit():
            raise Http404("No such row.")
        row = self.model.objects.filter(plan=self.plan, pk=int(raw)).first()
        if row is None:
            raise Http404("No such row of this plan.")
        return row

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        action = request.POST.get("action", "add")
        revision, version = self.plan.revision, self.plan.version
        if action == "remove":
            row = self._row(request.POST.get("row"))
            try:
                text = self.remove(row)
            except DeploymentError as error:
                return self.show(status=400, errors=[error.message])
        elif action == "update" and self.update_form_class is not None:
            row = self._row(request.POST.get("row"))
            form = self.update_form_class(request.POST, prefix=f"row{row.pk}")
            if not form.is_valid():
                return self.show(status=400, editing=(row.pk, form))
            try:
                text = self.update(row, form)
            except DeploymentError as error:
                add_service_error(form, error)
                return self.show(status=400, editing=(row.pk, form))
        elif action == "add":
            form = self.make_form(request.POST)
            if not form.is_valid():
                return self.show(form, status=400)
            try:
                text = self.add(form)
            except DeploymentError as error:
                add_service_error(form, error)
                return self.show(form, status=400)
        else:
            return self.show(status=400, errors=[f"Unknown action {action!r}."])
        self.plan.refresh_from_db()
        if self.plan.revision > revision:
            _revision_message(request, self.plan, revision, version)
        messages.success(request, text)
        return redirect(f"deployments:plan_{self.kind}", self.plan.pk)


class PlanStakeholdersView(PlanRowsView):
    kind = "stakeholders"
    heading = "Stakeholders"
    intro = (
        "The relevant stakeholders whose agreement the plan needs (seed 000, subpractice 6): "
        "the improvement sponsor, target work groups, support organizations. Required "
        "stakeholders are asked to agree to each revision."
    )
    model = Stakeholder

    def rows(self) -> list[Any]:
        return list(Stakeholder.objects.filter(plan=self.plan).select_related("user"))

    def make_form(self, data: Any = None) -> forms.Form:
        return StakeholderForm(data, plan=self.plan)

    def add(self, form: forms.Form) -> str:
        data = form.cleaned_data
        row = services.stakeholder_add(
            plan=self.plan,
            actor=self.request.user,
            user=data["user"],
            kind=data["kind"],
            required=data["required"],
            note=data["note"],
        )
        return f"{services.person_name(row.user)} is a stakeholder of the plan."

    def remove(self, row: Any) -> str:
        name = services.person_name(row.user)
        services.stakeholder_remove(stakeholder=row, actor=self.request.user)
        return f"{name} is no longer a stakeholder of the plan."


class PlanMeasuresView(PlanRowsView):
    kind = "measures"
    heading = "Measures and objectives"
    intro = (
        "The measures that judge the improvement's value against the organization's quality "
        "and process performance objectives (seed 000, subpractice 4): the baseline now, "
        "the target and by when."
    )
    model = PlanMeasure

    def rows(self) -> list[Any]:
        return list(
            PlanMeasure.objects.filter(plan=self.plan).select_related("measure", "objective")
        )

    def make_form(self, data: Any = None) -> forms.Form:
        return MeasureForm(data, plan=self.plan)

    def add(self, form: forms.Form) -> str:
        data = form.cleaned_data
        row = services.measure_add(
            plan=self.plan,
            actor=self.request.user,
            measure=data["measure"],
            objective=data["objective"],
            target_value=data["target_value"],
            due=data["due"],
            value_per_unit=data["value_per_unit"],
        )
        baseline = (
            "no baseline (too few values)"
            if row.baseline_value is None
            else (f"baseline {row.baseline_value:.4g}")
        )
        return f"{row.measure.name} is a measure of the plan, {baseline}."

    def remove(self, row: Any) -> str:
        name = row.measure.name
        services.measure_remove(plan_measure=row, actor=self.request.user)
        return f"{name} is no longer a measure of the plan."


class PlanBarriersView(PlanRowsView):
    kind = "barriers"
    heading = "Barriers and strategies"
    intro = (
        "The barriers to deployment named in the proposals, and the strategy that addresses "
        "each (seed 000, subpractice 2)."
    )
    model = BarrierStrategy
    form_class = BarrierForm
    update_form_class = BarrierStrategyForm

    def add(self, form: forms.Form) -> str:
        services.barrier_add(plan=self.plan, actor=self.request.user, **form.cleaned_data)
        return "The barrier is added."

    def update(self, row: Any, form: forms.Form) -> str:
        data = form.cleaned_data
        services.barrier_update(
            barrier=row, actor=self.request.user, text=data["barrier"], strategy=data["strategy"]
        )
        return "The barrier is saved."

    def remove(self, row: Any) -> str:
        services.barrier_remove(barrier=row, actor=self.request.user)
        return "The barrier is removed."


class PlanAdjustmentsView(PlanRowsView):
    kind = "adjustments"
    heading = "Adjustments per target segment"
    intro = (
        "How the improvement is adjusted for each segment of the targets (seed 000, "
        "subpractice 1), e.g. a lighter checklist for COTS integration projects."
    )
    model = Adjustment
    form_class = AdjustmentForm

    def add(self, form: forms.Form) -> str:
        row = services.adjustment_add(plan=self.plan, actor=self.request.user, **form.cleaned_data)
        return f"The adjustment for {row.segment_label} is added."

    def remove(self, row: Any) -> str:
        label = row.segment_label
        services.adjustment_remove(adjustment=row, actor=self.request.user)
        return f"The adjustment for {label} is removed."


class PlanRisksView(PlanRowsView):
    kind = "risks"
    heading = "Risks mitigated"
    intro = (
        "The work and organizational risks the improvement mitigates (seed 000, subpractice "
        "4); whether each was mitigated is judged with the results."
    )
    model = MitigatedRisk
    form_class = RiskForm

    def add(self, form: forms.Form) -> str:
        services.risk_add(plan=self.plan, actor=self.request.user, **form.cleaned_data)
        return "The risk is added."

    def remove(self, row: Any) -> str:
        services.risk_remove(risk=row, actor=self.request.user)
        return "The risk is removed."


urlpatterns: list[URLPattern] = [
    path("<int:pk>/stakeholders/", PlanStakeholdersView.as_view(), name="plan_stakeholders"),
    path("<int:pk>/measures/", PlanMeasuresView.as_view(), name="plan_measures"),
    path("<int:pk>/barriers/", PlanBarriersView.as_view(), name="plan_barriers"),
    path("<int:pk>/adjustments/", PlanAdjustmentsView.as_view(), name="plan_adjustments"),
    path("<int:pk>/risks/", PlanRisksView.as_view(), name="plan_risks"),
]
