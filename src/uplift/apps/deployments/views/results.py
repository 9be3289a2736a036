"""Pages of a deployment's confirmation and results.

- ``plan_confirm`` (``<pk>/confirm/``): GET shows what is missing before the plan can
  be confirmed complete; POST confirms (``services.results.plan_confirm``), or shows
  the refusal with what is missing (400).
- ``plan_results`` (``<pk>/results/``): per measure the latest stored result (before
  and after means, % change, p-value, interval, verdict against the plan measure's
  target and its QPPO, payback and its range against the plan's payback target), the
  lessons learned, the revisions, the risks mitigated and the response time. POST
  (``action=risk`` or ``action=response_time``) records a risk as mitigated or the
  measured response time.
- ``result_evaluate`` (``<pk>/results/evaluate/``, POST only): evaluate every measure,
  or one (``plan_measure``), from the stored observations.
- ``lesson_add`` (``<pk>/lessons/new/``) and ``result_revision_add``
  (``<pk>/results/revisions/new/``): a form each.

Access as in ``views.support.PlanPageView``: sign-in, ``view_deploymentplan`` (403),
the plan (404), then the write's own check (403): ``plan_can_edit`` for all but
lessons (``lesson_can_add``). A refused write shows on its form with status 400.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path

from uplift.apps.deployments.choices import TargetStatus
from uplift.apps.deployments.errors import DeploymentError
from uplift.apps.deployments.forms.results import (
    LessonForm,
    ResponseTimeForm,
    ResultEvaluateForm,
    ResultRevisionForm,
    RiskMitigatedForm,
)
from uplift.apps.deployments.forms.support import add_service_error
from uplift.apps.deployments.permissions import lesson_can_add, plan_can_edit
from uplift.apps.deployments.services import results as services
from uplift.apps.deployments.views.support import Check, PlanPageView

__all__ = [
    "LessonAddView",
    "PlanConfirmView",
    "PlanResultsView",
    "ResultEvaluateView",
    "ResultRevisionAddView",
    "urlpatterns",
]


# -- confirmation ---------------------------------------------------------------------------


class PlanConfirmView(PlanPageView):
    """What is missing before the deployment is complete, and the confirm button."""

    write_checks: ClassVar[dict[str, Check]] = {"confirm": plan_can_edit}
    template_name = "deployments/confirm.html"

    def show(self, error: str = "", status: int = 200) -> HttpResponse:
        targets = self.plan.targets.filter(excluded=False)
        context = {
            "missing": services.plan_confirmation_missing(self.plan),
            "error": error,
            "pending": services.plan_proposals_pending(self.plan, self.request.user),
            "target_count": targets.count(),
            "opted_out": targets.filter(status=TargetStatus.OPTED_OUT)
            .select_related("work_activity")
            .order_by("work_activity__name"),
        }
        return self.render(self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.show()

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            services.plan_confirm(plan=self.plan, actor=request.user)
        except DeploymentError as error:
            return self.show(error=error.message, status=400)
        messages.success(request, f"{self.plan.reference} is confirmed complete.")
        for sentence in services.plan_proposals_pending(self.plan, request.user):
            messages.warning(request, sentence)
        return redirect("deployments:plan_confirm", self.plan.pk)


# -- results ----------------------------------------------------------------------------------


class PlanResultsView(PlanPageView):
    """The measured value and the records of what was learned and revised."""

    write_checks: ClassVar[dict[str, Check]] = {
        "risk": plan_can_edit,
        "response_time": plan_can_edit,
    }
    template_name = "deployments/results.html"

    def show(
        self,
        *,
        response_form: ResponseTimeForm | None = None,
        error: str = "",
        status: int = 200,
    ) -> HttpResponse:
        user = self.request.user
        initial = {"days": self.plan.response_time_actual_days}
        context = {
            "overview": services.results_overview(self.plan),
            "evaluate_form": ResultEvaluateForm(plan=self.plan),
            "response_form": response_form or ResponseTimeForm(initial=initial),
            "error": error,
            "can_add_lesson": lesson_can_add(user, self.plan),
        }
        return self.render(self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.show()

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        action = self.action()
        if action == "risk":
            return self.set_risk()
        if action == "response_time":
            return self.set_response_time()
        return self.show(error="Unknown action.", status=400)

    def set_risk(self) -> HttpResponse:
        form = RiskMitigatedForm(self.request.POST, plan=self.plan)
        if not form.is_valid():
            return self.show(
                error="Choose a risk of this plan and whether it was mitigated.", status=400
            )
        risk = services.risk_mitigated_set(
            risk=form.cleaned_data["risk"],
            actor=self.request.user,
            mitigated=form.cleaned_data["mitigated"],
        )
        state = "mitigated" if risk.mitigated else "not mitigated"
        messages.success(self.request, f"The risk “{risk}” is recorded as {state}.")
        return redirect("deployments:plan_results", self.plan.pk)

    def set_response_time(self) -> HttpResponse:
        form = ResponseTimeForm(self.request.POST)
        if not form.is_valid():
            return self.show(response_form=form, status=400)
        try:
            services.response_time_set(
                plan=self.plan, actor=self.request.user, days=form.cleaned_data["days"]
            )
        except DeploymentError as error:
            add_service_error(form, error)
            return self.show(response_form=form, status=400)
        messages.success(self.request, "The response time is recorded.")
        return redirect("deployments:plan_results", self.plan.pk)


class ResultEvaluateView(PlanPageView):
    """Evaluate the measures from the stored observations (POST only)."""

    http_method_names = ["post"]
    write_checks: ClassVar[dict[str, Check]] = {"evaluate": plan_can_edit}

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = ResultEvaluateForm(request.POST, plan=self.plan)
        if not form.is_valid():
            return self.refuse("Choose a measure of this plan, or every measure.")
        try:
            results = services.result_evaluate(
                plan=self.plan, actor=request.user, plan_measure=form.cleaned_data["plan_measure"]
            )
        except DeploymentError as error:
            return self.refuse(error.message)
        names = ", ".join(str(result.plan_measure.measure) for result in results)
        messages.success(request, f"Evaluated from the stored observations: {names}.")
        return redirect("deployments:plan_results", self.plan.pk)

    def refuse(self, message: str) -> HttpResponse:
        page = PlanResultsView()
        page.setup(self.request, pk=self.plan.pk)
        page.plan = self.plan
        return page.show(error=message, status=400)


class _RecordView(PlanPageView):
    """A page with one form that records a row and goes back to the results."""

    form_class: ClassVar[type[Any]]
    template_name: ClassVar[str]
    done_text: ClassVar[str]

    def show(self, form: Any, status: int = 200) -> HttpResponse:
        return self.render(self.template_name, {"form": form}, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.show(self.form_class())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = self.form_class(request.POST)
        if not form.is_valid():
            return self.show(form, status=400)
        try:
            self.record(form.cleaned_data)
        except DeploymentError as error:
            add_service_error(form, error)
            return self.show(form, status=400)
        messages.success(request, self.done_text)
        return redirect("deployments:plan_results", self.plan.pk)

    def record(self, data: dict[str, Any]) -> None:
        raise NotImplementedError


class LessonAddView(_RecordView):
    """Record a lesson learned."""

    read_check = lesson_can_add
    write_checks: ClassVar[dict[str, Check]] = {"add": lesson_can_add}
    form_class = LessonForm
    template_name = "deployments/results_lesson_form.html"
    done_text = "The lesson is recorded."

    def record(self, data: dict[str, Any]) -> None:
        services.lesson_add(plan=self.plan, actor=self.request.user, **data)


class ResultRevisionAddView(_RecordView):
    """Record a revision of a measure, objective, priority or plan."""

    read_check = plan_can_edit
    write_checks: ClassVar[dict[str, Check]] = {"add": plan_can_edit}
    form_class = ResultRevisionForm
    template_name = "deployments/results_revision_form.html"
    done_text = "The revision is recorded."

    def record(self, data: dict[str, Any]) -> None:
        services.result_revision_add(plan=self.plan, actor=self.request.user, **data)


urlpatterns: list[URLPattern] = [
    path("<int:pk>/confirm/", PlanConfirmView.as_view(), name="plan_confirm"),
    path("<int:pk>/results/", PlanResultsView.as_view(), name="plan_results"),
    path("<int:pk>/results/evaluate/", ResultEvaluateView.as_view(), name="result_evaluate"),
    path("<int:pk>/lessons/new/", LessonAddView.as_view(), name="lesson_add"),
    path(
        "<int:pk>/results/revisions/new/",
        ResultRevisionAddView.as_view(),
        name="result_revision_add",
    ),
]
