"""Deployment pages of the waves and their gates (OPM SP 3.2 subpractice 3).

- ``plan_waves`` (``<pk>/waves/``): the plan's waves, planned against actual with the
  slippage, their targets and gate; filtered (state, kind, name), sorted, paged,
  exported (``?export=csv|xlsx``).
- ``wave_create`` (``<pk>/waves/new/``), ``wave_update`` (``waves/<wave_pk>/edit/``),
  ``wave_delete`` (``waves/<wave_pk>/delete/``, POST).
- ``wave_detail`` (``waves/<wave_pk>/``): the wave, its targets, its gate's criteria
  (remove, the manual check), the latest evaluation and every earlier one, and the
  buttons: evaluate, override, start, finish.
- ``wave_assign`` (``waves/<wave_pk>/assign/``): tick the wave's targets.
- ``gate_criterion_add`` (``waves/<wave_pk>/criteria/new/``), ``gate_criterion_remove``
  (``criteria/<criterion_pk>/remove/``, POST), ``gate_manual``
  (``criteria/<criterion_pk>/manual/``, POST), ``gate_evaluate``
  (``waves/<wave_pk>/evaluate/``, POST), ``gate_override`` (``waves/<wave_pk>/override/``),
  ``wave_start`` and ``wave_finish`` (``waves/<wave_pk>/start|finish/``, POST).

Access, in this order: anonymous visitors are sent to sign in; reading needs
``deployments.view_deploymentplan`` (403); an unknown plan, wave or criterion is a
404; then the page's own check (403): every write needs ``permissions.plan_can_edit``
but the override (``permissions.gate_can_override``) and the evaluation (either).
Writes are POST only and redirect after success. A rule the service refuses shows on
the form (or, for a button, above the wave page) with status 400; an edit started from
an older version shows "changed by …" with the input kept, status 409.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from django.contrib import messages
from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views import View
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from uplift.apps.common.exports import (
    XLSX_CONTENT_TYPE,
    csv_response,
    download,
    resolve_attribute,
    safe_cell,
)
from uplift.apps.common.views import InvalidListQuery, ListQuery, ObjectListView
from uplift.apps.deployments import permissions
from uplift.apps.deployments.choices import GateCriterionKind, PlanState, WaveState
from uplift.apps.deployments.errors import ConflictError, DeploymentError
from uplift.apps.deployments.forms.waves import (
    GateCriterionForm,
    GateManualForm,
    GateOverrideForm,
    WaveAssignForm,
    WaveDateForm,
    WaveFilterSet,
    WaveForm,
    add_service_error,
)
from uplift.apps.deployments.models import DeploymentPlan, GateCriterion, GateEvaluation, Wave
from uplift.apps.deployments.services import waves as services
from uplift.domain.deployment import slippage_days

__all__ = [
    "GateCriterionAddView",
    "GateCriterionRemoveView",
    "GateEvaluateView",
    "GateManualView",
    "GateOverrideView",
    "PlanWavesView",
    "WaveAssignView",
    "WaveCreateView",
    "WaveDeleteView",
    "WaveDetailView",
    "WaveFinishView",
    "WaveStartView",
    "WaveUpdateView",
    "urlpatterns",
]

Check = Callable[[Any, DeploymentPlan], bool]
VIEW_PERMISSION = "deployments.view_deploymentplan"
_CLOSED = (PlanState.COMPLETE, PlanState.CANCELLED)

EXPORT_COLUMNS: list[tuple[str, str]] = [
    ("Plan", "plan.reference"),
    ("Number", "number"),
    ("Name", "name"),
    ("Kind", "get_kind_display"),
    ("State", "get_state_display"),
    ("Planned start", "planned_start"),
    ("Planned end", "planned_end"),
    ("Actual start", "actual_start"),
    ("Actual end", "actual_end"),
    ("Start slippage (days)", "start_slippage"),
    ("End slippage (days)", "end_slippage"),
    ("Targets", "target_count"),
    ("Deployed or confirmed", "deployed_count"),
    ("Gate", "gate_text"),
    ("Gate evaluated at", "gate_at"),
    ("Override reason", "override_reason"),
]


def _can_evaluate(user: Any, plan: DeploymentPlan) -> bool:
    return permissions.plan_can_edit(user, plan) or permissions.gate_can_override(user)


def _can_override(user: Any, plan: DeploymentPlan) -> bool:
    return permissions.gate_can_override(user)


def _plan_or_404(pk: int) -> DeploymentPlan:
    try:
        return DeploymentPlan.objects.select_related("owner").get(pk=pk)
    except DeploymentPlan.DoesNotExist:
        raise Http404("No such deployment plan.") from None


def _wave_or_404(pk: int) -> Wave:
    try:
        return Wave.objects.select_related("plan", "plan__owner", "override_by").get(pk=pk)
    except Wave.DoesNotExist:
        raise Http404("No such wave.") from None


def _criterion_or_404(pk: int) -> GateCriterion:
    try:
        return GateCriterion.objects.select_related(
            "wave", "wave__plan", "wave__plan__owner", "measure"
        ).get(pk=pk)
    except GateCriterion.DoesNotExist:
        raise Http404("No such gate criterion.") from None


def _gate_text(passed: bool | None, overridden: bool) -> str:
    if passed:
        return "Passed"
    if overridden:
        return "Overridden"
    if passed is None:
        return "Not evaluated"
    return "Not passed"


def decorate(waves: Iterable[Wave], *, today: Any = None) -> list[Wave]:
    """Set the figures a wave row shows: slippage of start and end (days late, negative
    early; the slip so far when not yet started or finished) and the gate in words.
    Expects ``wave_rows``' annotations."""
    today = today or timezone.localdate()
    rows = list(waves)
    for wave in rows:
        wave.start_slippage = slippage_days(  # type: ignore[attr-defined]
            planned=wave.planned_start, actual=wave.actual_start, today=today
        )
        wave.end_slippage = slippage_days(  # type: ignore[attr-defined]
            planned=wave.planned_end, actual=wave.actual_end, today=today
        )
        wave.gate_text = (  # type: ignore[attr-defined]
            "Behind it (started)"
            if wave.state != WaveState.PLANNED
            else _gate_text(getattr(wave, "gate_passed", None), bool(wave.override_at))
        )
    return rows


def wave_rows(plan: DeploymentPlan) -> QuerySet[Wave]:
    """The plan's waves with their target counts and latest gate evaluation (one query)."""
    latest = GateEvaluation.objects.filter(wave=OuterRef("pk")).order_by("-evaluated_at", "-pk")
    live = Q(targets__excluded=False)
    return (
        Wave.objects.filter(plan=plan)
        .select_related("plan")
        .annotate(
            target_count=Count("targets", filter=live, distinct=True),
            deployed_count=Count(
                "targets",
                filter=live & Q(targets__status__in=("deployed", "confirmed")),
                distinct=True,
            ),
            criteria_count=Count("criteria", distinct=True),
            gate_passed=Subquery(latest.values("passed")[:1]),
            gate_at=Subquery(latest.values("evaluated_at")[:1]),
        )
    )


def waves_workbook(rows: Iterable[Any], *, columns: list[tuple[str, str]], title: str) -> bytes:
    """The rows as one sheet, one column per ``(header, attribute)``; header in view."""
    workbook = Workbook()
    workbook.remove(workbook.worksheets[0])  # the blank default sheet
    sheet = workbook.create_sheet("Waves")
    workbook.properties.title = title
    workbook.properties.creator = "Uplift"
    sheet.append([header for header, _ in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    count = 1
    for row in rows:
        sheet.append([safe_cell(resolve_attribute(row, attribute)) for _, attribute in columns])
        count += 1
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(count, 2)}"
    for index, (header, _) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(header) + 4)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# -- the list ---------------------------------------------------------------------------


class PlanWavesView(ObjectListView):
    """The plan's waves: planned against actual, targets, gate; see the module docstring."""

    model = Wave
    permission_required = (VIEW_PERMISSION,)
    filterset_class = WaveFilterSet
    template_name = "deployments/wave_list.html"
    table_template_name = "partials/deployments/wave_table.html"
    paginate_by = 50
    default_sort = "number"
    sort_fields: ClassVar[dict[str, str | tuple[str, ...]]] = {
        "number": ("number",),
        "name": ("name", "number"),
        "state": ("state", "number"),
        "planned_start": ("planned_start", "number"),
        "planned_end": ("planned_end", "number"),
        "actual_start": ("actual_start", "number"),
        "targets": ("target_count", "number"),
    }
    export_columns: ClassVar[list[tuple[str, str]]] = EXPORT_COLUMNS
    empty_message = "No waves yet."
    plan: DeploymentPlan

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not request.user.has_perm(VIEW_PERMISSION):
            raise PermissionDenied("You may not see deployment plans.")
        self.plan = _plan_or_404(kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    @property
    def title(self) -> str:  # type: ignore[override]
        return f"Waves of {self.plan.reference}"

    def get_base_queryset(self) -> QuerySet[Wave]:
        return wave_rows(self.plan)

    def export_name(self) -> str:
        return f"{self.plan.reference.lower()}-waves"

    def parse_query(self, params: QueryDict) -> ListQuery:
        """The generic parameters, and ``export=xlsx`` besides ``export=csv``."""
        if params.get("export") == "xlsx" and len(params.getlist("export")) == 1:
            params = params.copy()
            params.pop("export")
            query = super().parse_query(params)
            return ListQuery(sort=query.sort, per_page=query.per_page, export="xlsx")
        try:
            return super().parse_query(params)
        except InvalidListQuery as error:
            message = str(error).replace("use export=csv.", "use export=csv or export=xlsx.")
            raise InvalidListQuery(message) from None

    def get(  # type: ignore[override]
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        export = request.GET.get("export")
        if export not in ("csv", "xlsx"):
            return super().get(request, *args, **kwargs)
        try:
            self.list_query = self.parse_query(request.GET)
            self.filterset = self.build_filterset()
        except InvalidListQuery:
            return super().get(request, *args, **kwargs)  # renders the 400
        rows = decorate(self.get_queryset())
        if export == "csv":
            return csv_response(rows, self.export_columns, filename=f"{self.export_name()}.csv")
        content = waves_workbook(rows, columns=EXPORT_COLUMNS, title=self.title)
        return download(content, XLSX_CONTENT_TYPE, f"{self.export_name()}.xlsx")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        params["export"] = "xlsx"
        page = context.get("page_obj")
        context.update(
            {
                "plan": self.plan,
                "rows": decorate(page.object_list if page else []),
                "xlsx_url": f"?{params.urlencode()}",
                "can_edit": permissions.plan_can_edit(self.request.user, self.plan),
                "closed": self.plan.state in _CLOSED,
            }
        )
        return context


# -- pages of one plan, wave or criterion -----------------------------------------------


class _Base(AccessMixin, View):
    """Sign-in, the view permission, the object of the URL (404), then the page's check.

    ``read_check`` guards GET, ``write_check`` POST (None: reading is enough).
    """

    read_check: ClassVar[Check | None] = None
    write_check: ClassVar[Check | None] = None
    plan: DeploymentPlan

    def load(self, kwargs: dict[str, Any]) -> None:
        raise NotImplementedError

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not request.user.has_perm(VIEW_PERMISSION):
            raise PermissionDenied("You may not see deployment plans.")
        self.load(kwargs)
        check = type(self).write_check if request.method == "POST" else type(self).read_check
        if check is not None and not check(request.user, self.plan):
            raise PermissionDenied("You may not do this on this deployment plan.")
        return super().dispatch(request, *args, **kwargs)

    def render(self, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
        user = self.request.user
        context = {
            "plan": self.plan,
            "can_edit": permissions.plan_can_edit(user, self.plan),
            "can_override": permissions.gate_can_override(user),
            "closed": self.plan.state in _CLOSED,
            **context,
        }
        return render(self.request, template, context, status=status)


class _PlanPage(_Base):
    def load(self, kwargs: dict[str, Any]) -> None:
        self.plan = _plan_or_404(kwargs["pk"])


class _WavePage(_Base):
    wave: Wave

    def load(self, kwargs: dict[str, Any]) -> None:
        self.wave = _wave_or_404(kwargs["wave_pk"])
        self.plan = self.wave.plan

    def detail(self, *, error: str = "", status: int = 200, **extra: Any) -> HttpResponse:
        """The wave page, with a refused action's message above it when there is one."""
        wave = self.wave
        evaluations = list(
            wave.evaluations.select_related("evaluated_by").order_by("-evaluated_at", "-pk")
        )
        gate = services.gate_state(wave, evaluations[0] if evaluations else None)
        targets = list(
            wave.targets.select_related("work_activity", "work_activity__unit").order_by(
                "work_activity__name", "pk"
            )
        )
        today = timezone.localdate()
        for target in targets:
            planned = target.planned_on or wave.planned_end
            target.planned = planned  # type: ignore[attr-defined]
            target.slippage = slippage_days(  # type: ignore[attr-defined]
                planned=planned, actual=target.deployed_on, today=today
            )
        previous = (
            Wave.objects.filter(plan_id=wave.plan_id, number__lt=wave.number)
            .order_by("-number")
            .first()
        )
        criteria = list(
            wave.criteria.select_related("measure", "manual_by").order_by("position", "pk")
        )
        latest = {row.get("criterion"): row for row in gate.criteria}
        for criterion in criteria:
            criterion.latest = latest.get(criterion.pk)  # type: ignore[attr-defined]
        context = {
            "wave": wave,
            "targets": targets,
            "criteria": criteria,
            "gate": gate,
            "evaluations": evaluations,
            "previous": previous,
            "start_slippage": slippage_days(
                planned=wave.planned_start, actual=wave.actual_start, today=today
            ),
            "end_slippage": slippage_days(
                planned=wave.planned_end, actual=wave.actual_end, today=today
            ),
            "can_evaluate": _can_evaluate(self.request.user, self.plan),
            "date_form": extra.pop("date_form", None) or WaveDateForm(),
            "manual_kind": GateCriterionKind.MANUAL,
            "action_error": error,
            **extra,
        }
        return self.render("deployments/wave_detail.html", context, status=status)


class _CriterionPage(_Base):
    criterion: GateCriterion
    wave: Wave

    def load(self, kwargs: dict[str, Any]) -> None:
        self.criterion = _criterion_or_404(kwargs["criterion_pk"])
        self.wave = self.criterion.wave
        self.plan = self.wave.plan


# -- create, edit, delete ---------------------------------------------------------------


class WaveCreateView(_PlanPage):
    """Add a wave to the plan."""

    read_check = permissions.plan_can_edit
    write_check = permissions.plan_can_edit
    template_name = "deployments/wave_form.html"

    def show(self, form: WaveForm, status: int = 200) -> HttpResponse:
        return self.render(self.template_name, {"form": form}, status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        last = self.plan.waves.order_by("-number").first()
        initial: dict[str, Any] = {
            "planned_start": last.planned_end if last else self.plan.planned_start,
            "planned_end": self.plan.planned_end,
            "kind": "wave" if last else "pilot",
            "name": f"Wave {last.number + 1}" if last else "Pilot",
        }
        return self.show(WaveForm(initial=initial))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = WaveForm(request.POST)
        if form.is_valid():
            try:
                wave = services.wave_create(plan=self.plan, actor=request.user, **form.values())
            except DeploymentError as error:
                add_service_error(form, error)
            else:
                messages.success(request, f"Wave {wave.number} “{wave.name}” is added.")
                return redirect("deployments:wave_detail", wave.pk)
        return self.show(form, status=400)


class WaveUpdateView(_WavePage):
    """Change a wave's name, kind or planned dates (and delete a planned wave)."""

    read_check = permissions.plan_can_edit
    write_check = permissions.plan_can_edit
    template_name = "deployments/wave_form.html"

    def show(self, form: WaveForm, status: int = 200) -> HttpResponse:
        return self.render(self.template_name, {"form": form, "wave": self.wave}, status)

    def get(self, request: HttpRequest, wave_pk: int) -> HttpResponse:
        return self.show(WaveForm(initial=WaveForm.initial_for(self.wave), wave=self.wave))

    def post(self, request: HttpRequest, wave_pk: int) -> HttpResponse:
        form = WaveForm(request.POST, wave=self.wave)
        if not form.is_valid():
            return self.show(form, status=400)
        version = self.wave.version
        try:
            wave = services.wave_update(
                wave=self.wave,
                actor=request.user,
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
                **form.values(),
            )
        except ConflictError as error:
            form.add_error(None, error.message)
            return self.show(form, status=409)
        except DeploymentError as error:
            add_service_error(form, error)
            return self.show(form, status=400)
        if wave.version == version:
            messages.info(request, "Nothing changed; nothing was saved.")
        else:
            messages.success(request, f"Wave {wave.number} “{wave.name}” is saved.")
        return redirect("deployments:wave_detail", wave.pk)


class WaveDeleteView(_WavePage):
    """POST: delete a planned wave; its targets stay in the plan without a wave."""

    write_check = permissions.plan_can_edit
    http_method_names: ClassVar[list[str]] = ["post"]  # type: ignore[misc]

    def post(self, request: HttpRequest, wave_pk: int) -> HttpResponse:
        label = f"Wave {self.wave.number} “{self.wave.name}”"
        try:
            services.wave_delete(wave=self.wave, actor=request.user)
        except DeploymentError as error:
            return self.detail(error=error.message, status=400)
        messages.success(request, f"{label} is deleted; its targets are in no wave.")
        return redirect("deployments:plan_waves", self.plan.pk)


# -- the wave page and its targets ------------------------------------------------------


class WaveDetailView(_WavePage):
    """The wave: dates, targets, gate criteria, evaluations, and what may be done next."""

    def get(self, request: HttpRequest, wave_pk: int) -> HttpResponse:
        return self.detail()


class WaveAssignView(_WavePage):
    """Tick the wave's targets among the plan's (not excluded)."""

    read_check = permissions.plan_can_edit
    write_check = permissions.plan_can_edit
    template_name = "deployments/wave_assign.html"

    def show(self, form: WaveAssignForm, status: int = 200) -> HttpResponse:
        return self.render(self.template_name, {"form": form, "wave": self.wave}, status)

    def get(self, request: HttpRequest, wave_pk: int) -> HttpResponse:
        return self.show(WaveAssignForm(wave=self.wave))

    def post(self, request: HttpRequest, wave_pk: int) -> HttpResponse:
        form = WaveAssignForm(request.POST, wave=self.wave)
        if form.is_valid():
            try:
                count = services.wave_assign(
                    wave=self.wave,
                    actor=request.user,
                    targets=list(form.cleaned_data["targets"]),
                    replace=True,
                )
            except DeploymentError as error:
                add_service_error(form, error)
            else:
                if count:
                    messages.success(
                        request, f"{count} target{'' if count == 1 else 's'} moved in or out."
                    )
                else:
                    messages.info(request, "Nothing changed; nothing was saved.")
                return redirect("deployments:wave_detail", self.wave.pk)
        return self.show(form, status=400)


# -- the gate ---------------------------------------------------------------------------


class GateCriterionAddView(_WavePage):
    """Add a criterion to the wave's entry gate."""

    read_check = permissions.plan_can_edit
    write_check = permissions.plan_can_edit
    template_name = "deployments/wave_criterion_form.html"

    def show(self, form: GateCriterionForm, status: int = 200) -> HttpResponse:
        return self.render(self.template_name, {"form": form, "wave": self.wave}, status)

    def get(self, request: HttpRequest, wave_pk: int) -> HttpResponse:
        initial = {"kind": request.GET.get("kind", GateCriterionKind.MEASURE_IMPROVED)}
        return self.show(GateCriterionForm(initial=initial))

    def post(self, request: HttpRequest, wave_pk: int) -> HttpResponse:
        form = GateCriterionForm(request.POST)
        if form.is_valid():
            try:
                criterion = services.gate_criterion_add(
                    wave=self.wave, actor=request.user, **form.values()
                )
            except DeploymentError as error:
                add_service_error(form, error)
            else:
                messages.success(request, f"Criterion “{criterion.description}” is added.")
                return redirect("deployments:wave_detail", self.wave.pk)
        return self.show(form, status=400)


class GateCriterionRemoveView(_CriterionPage):
    """POST: remove a criterion from a planned wave's gate."""

    write_check = permissions.plan_can_edit
    http_method_names: ClassVar[list[str]] = ["post"]  # type: ignore[misc]

    def post(self, request: HttpRequest, criterion_pk: int) -> HttpResponse:
        description = self.criterion.description
        try:
            services.gate_criterion_remove(criterion=self.criterion, actor=request.user)
        except DeploymentError as error:
            return _as_wave_page(self, error.message)
        messages.success(request, f"Criterion “{description}” is removed.")
        return redirect("deployments:wave_detail", self.wave.pk)


class GateManualView(_CriterionPage):
    """POST: a plan editor says a criterion checked by a person is met, or not."""

    write_check = permissions.plan_can_edit
    http_method_names: ClassVar[list[str]] = ["post"]  # type: ignore[misc]

    def post(self, request: HttpRequest, criterion_pk: int) -> HttpResponse:
        form = GateManualForm(request.POST)
        if not form.is_valid():
            return _as_wave_page(self, "Say whether the criterion is met.")
        met = form.cleaned_data["met"]
        try:
            services.gate_manual_set(criterion=self.criterion, actor=request.user, met=met)
        except DeploymentError as error:
            return _as_wave_page(self, error.message)
        state = "met" if met else "not met"
        messages.success(request, f"“{self.criterion.description}” is marked {state}.")
        return redirect("deployments:wave_detail", self.wave.pk)


def _as_wave_page(view: _CriterionPage, error: str) -> HttpResponse:
    """A refused criterion action: the wave page with the message, status 400."""
    page = WaveDetailView()
    page.setup(view.request, wave_pk=view.wave.pk)
    page.wave, page.plan = view.wave, view.plan
    return page.detail(error=error, status=400)


class GateEvaluateView(_WavePage):
    """POST: evaluate the gate now; the result is kept."""

    write_check = _can_evaluate
    http_method_names: ClassVar[list[str]] = ["post"]  # type: ignore[misc]

    def post(self, request: HttpRequest, wave_pk: int) -> HttpResponse:
        try:
            evaluation = services.gate_evaluate(wave=self.wave, actor=request.user)
        except DeploymentError as error:
            return self.detail(error=error.message, status=400)
        if evaluation.passed:
            messages.success(request, "The gate passed.")
        else:
            failed = sum(1 for row in evaluation.results if not row["passed"])
            messages.warning(
                request,
                f"The gate has not passed: {failed} criteri{'on' if failed == 1 else 'a'} "
                "not met (see below).",
            )
        return redirect("deployments:wave_detail", self.wave.pk)


class GateOverrideView(_WavePage):
    """Let the wave start though its gate has not passed, with a reason."""

    read_check = _can_override
    write_check = _can_override
    template_name = "deployments/wave_override.html"

    def show(self, form: GateOverrideForm, status: int = 200) -> HttpResponse:
        gate = services.gate_state(self.wave)
        return self.render(
            self.template_name, {"form": form, "wave": self.wave, "gate": gate}, status
        )

    def get(self, request: HttpRequest, wave_pk: int) -> HttpResponse:
        return self.show(GateOverrideForm())

    def post(self, request: HttpRequest, wave_pk: int) -> HttpResponse:
        form = GateOverrideForm(request.POST)
        if form.is_valid():
            try:
                services.gate_override(
                    wave=self.wave, actor=request.user, reason=form.cleaned_data["reason"]
                )
            except DeploymentError as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request,
                    f"The gate of wave {self.wave.number} is overridden: the wave may start.",
                )
                return redirect("deployments:wave_detail", self.wave.pk)
        return self.show(form, status=400)


# -- start and finish -------------------------------------------------------------------


class WaveStartView(_WavePage):
    """POST: start the wave (the gate is evaluated afresh)."""

    write_check = permissions.plan_can_edit
    http_method_names: ClassVar[list[str]] = ["post"]  # type: ignore[misc]

    def post(self, request: HttpRequest, wave_pk: int) -> HttpResponse:
        form = WaveDateForm(request.POST)
        if not form.is_valid():
            return self.detail(error="Give a date (YYYY-MM-DD).", status=400, date_form=form)
        try:
            started = services.wave_start(
                wave=self.wave, actor=request.user, on=form.cleaned_data["on"]
            )
        except DeploymentError as error:
            self.wave.refresh_from_db()
            return self.detail(error=error.message, status=400, date_form=form)
        first, *rest = started.messages
        messages.success(request, first)
        for text in rest:
            level = messages.WARNING if " stays " in text or "overrode" in text else messages.INFO
            messages.add_message(request, level, text)
        return redirect("deployments:wave_detail", self.wave.pk)


class WaveFinishView(_WavePage):
    """POST: finish the wave once each of its targets is done."""

    write_check = permissions.plan_can_edit
    http_method_names: ClassVar[list[str]] = ["post"]  # type: ignore[misc]

    def post(self, request: HttpRequest, wave_pk: int) -> HttpResponse:
        form = WaveDateForm(request.POST)
        if not form.is_valid():
            return self.detail(error="Give a date (YYYY-MM-DD).", status=400, date_form=form)
        try:
            wave = services.wave_finish(
                wave=self.wave, actor=request.user, on=form.cleaned_data["on"]
            )
        except DeploymentError as error:
            return self.detail(error=error.message, status=400, date_form=form)
        messages.success(
            request, f"Wave {wave.number} “{wave.name}” finished on {wave.actual_end:%Y-%m-%d}."
        )
        return redirect("deployments:wave_detail", wave.pk)


urlpatterns: list[URLPattern] = [
    path("<int:pk>/waves/", PlanWavesView.as_view(), name="plan_waves"),
    path("<int:pk>/waves/new/", WaveCreateView.as_view(), name="wave_create"),
    path("waves/<int:wave_pk>/", WaveDetailView.as_view(), name="wave_detail"),
    path("waves/<int:wave_pk>/edit/", WaveUpdateView.as_view(), name="wave_update"),
    path("waves/<int:wave_pk>/delete/", WaveDeleteView.as_view(), name="wave_delete"),
    path("waves/<int:wave_pk>/assign/", WaveAssignView.as_view(), name="wave_assign"),
    path(
        "waves/<int:wave_pk>/criteria/new/",
        GateCriterionAddView.as_view(),
        name="gate_criterion_add",
    ),
    path(
        "criteria/<int:criterion_pk>/remove/",
        GateCriterionRemoveView.as_view(),
        name="gate_criterion_remove",
    ),
    path("criteria/<int:criterion_pk>/manual/", GateManualView.as_view(), name="gate_manual"),
    path("waves/<int:wave_pk>/evaluate/", GateEvaluateView.as_view(), name="gate_evaluate"),
    path("waves/<int:wave_pk>/override/", GateOverrideView.as_view(), name="gate_override"),
    path("waves/<int:wave_pk>/start/", WaveStartView.as_view(), name="wave_start"),
    path("waves/<int:wave_pk>/finish/", WaveFinishView.as_view(), name="wave_finish"),
]
