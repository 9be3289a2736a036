"""Deployment pages of the targets: who is in and why, the rule, status and bulk updates.

- ``plan_targets`` (``<pk>/targets/``): the targets table (source, reason, excluded,
  matches the rule, wave, status, dates, training, process version, consulting count),
  filtered (status, wave, source, unit, type, q), sorted, 50 a page, exported
  (``?export=csv|xlsx``), with the drift banner (Apply) and the bulk form. The page runs
  a fixed number of queries however many targets.
- ``plan_rule`` (``<pk>/targets/rule/``): the rule editor; ``?preview=1`` with the form's
  fields previews the matches (an htmx request gets the preview fragment only).
- ``plan_targets_refresh`` (POST), ``target_add``, ``target_exclude`` (also includes an
  excluded target again), ``target_update`` (status, then details), ``targets_bulk``
  (POST), ``targets_mine`` (the targets of the work activities the user manages).

Access, in this order: anonymous visitors are sent to sign in; reading needs
``deployments.view_deploymentplan`` (403); an unknown plan or target is a 404; then the
page's own check (403): the rule, refresh, add and exclude need
``permissions.plan_can_edit``; a target's update ``permissions.target_can_update`` (a
project manager only for the work activities they manage); bulk updates check each
selected target in the service (the first refused one is named; nothing changes). A
rule the service refuses shows on the form with status 400 (the input kept); a stale
version shows "changed by …" with status 409.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from django.contrib import messages
from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from uplift.apps.common.exports import XLSX_CONTENT_TYPE, download, resolve_attribute, safe_cell
from uplift.apps.common.views import InvalidListQuery, ListQuery, ObjectListView, wants_fragment
from uplift.apps.deployments import permissions
from uplift.apps.deployments.errors import ConflictError, DeploymentError
from uplift.apps.deployments.forms.targets import (
    TargetAddForm,
    TargetBulkForm,
    TargetDetailsForm,
    TargetExcludeForm,
    TargetFilterSet,
    TargetRuleForm,
    TargetStatusForm,
    add_service_error,
)
from uplift.apps.deployments.models import DeploymentPlan, Target
from uplift.apps.deployments.services import targeting, targets
from uplift.domain.deployment import TARGET_TRANSITIONS

__all__ = [
    "PlanRuleView",
    "PlanTargetsRefreshView",
    "PlanTargetsView",
    "TargetAddView",
    "TargetExcludeView",
    "TargetUpdateView",
    "TargetsBulkView",
    "TargetsMineView",
    "urlpatterns",
]

Check = Callable[[Any, DeploymentPlan], bool]
VIEW_PERMISSION = "deployments.view_deploymentplan"

EXPORT_COLUMNS: list[tuple[str, str]] = [
    ("Plan", "plan.reference"),
    ("Work activity", "work_activity.name"),
    ("Slug", "work_activity.slug"),
    ("Unit", "work_activity.unit.name"),
    ("Type", "work_activity.get_activity_type_display"),
    ("Manager", "work_activity.manager"),
    ("Source", "get_source_display"),
    ("Reason", "reason"),
    ("Excluded", "excluded"),
    ("Matches the rule", "matches_rule"),
    ("Wave", "wave.name"),
    ("Status", "get_status_display"),
    ("Status reason", "status_reason"),
    ("Planned on", "planned_on"),
    ("Deployed on", "deployed_on"),
    ("Confirmed on", "confirmed_on"),
    ("Training (%)", "training_percent"),
    ("Process version", "process_version"),
    ("Consulting entries", "consulting_count"),
]


def _plan_or_404(pk: int) -> DeploymentPlan:
    try:
        return DeploymentPlan.objects.select_related("owner").get(pk=pk)
    except DeploymentPlan.DoesNotExist:
        raise Http404("No such deployment plan.") from None


def _target_or_404(pk: int) -> Target:
    try:
        return Target.objects.select_related(
            "plan",
            "plan__owner",
            "work_activity",
            "work_activity__unit",
            "work_activity__manager",
            "wave",
            "process_version",
            "process_version__asset",
        ).get(pk=pk)
    except Target.DoesNotExist:
        raise Http404("No such target.") from None


def _targets_url(plan: DeploymentPlan) -> str:
    return reverse("deployments:plan_targets", args=[plan.pk])


def _next_url(request: HttpRequest, default: str) -> str:
    """A safe ``next`` (this site only), else ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def targets_workbook(rows: Any, *, columns: Sequence[tuple[str, str]], title: str) -> bytes:
    """The rows as one sheet, one column per ``(header, attribute)``; the header row
    stays in view and filters; formula-like texts are neutralised (``safe_cell``)."""
    workbook = Workbook()
    workbook.remove(workbook.worksheets[0])  # the blank default sheet
    sheet = workbook.create_sheet("Targets")
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
        width = 48 if header == "Reason" else max(12, len(header) + 4)
        sheet.column_dimensions[get_column_letter(index)].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# -- the tables ------------------------------------------------------------------------------


class _TargetTableView(ObjectListView):
    """Targets with filters, sort, pages and CSV/XLSX export (``?export=xlsx`` too)."""

    model = Target
    permission_required = (VIEW_PERMISSION,)
    filterset_class = TargetFilterSet
    paginate_by = 50
    sort_fields: ClassVar[dict[str, str | tuple[str, ...]]] = {
        "activity": ("work_activity__name",),
        "unit": ("work_activity__unit__name", "work_activity__name"),
        "source": ("source", "work_activity__name"),
        "wave": ("wave__number", "work_activity__name"),
        "status": ("status", "work_activity__name"),
        "planned": ("planned_on", "work_activity__name"),
        "deployed": ("deployed_on", "work_activity__name"),
        "training": ("training_percent", "work_activity__name"),
        "consulting": ("consulting_count", "work_activity__name"),
        "plan": ("plan_id", "work_activity__name"),
    }
    export_columns: ClassVar[list[tuple[str, str]]] = EXPORT_COLUMNS
    page_plan: DeploymentPlan | None = None  # the plan of a plan's table

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

    def build_filterset(self) -> Any:
        filterset = TargetFilterSet(
            self.request.GET,
            queryset=self.get_base_queryset(),
            request=self.request,
            plan=self.page_plan,
        )
        if not filterset.is_valid():
            problems = "; ".join(
                f"{name}: {' '.join(errors)}" for name, errors in filterset.errors.items()
            )
            raise InvalidListQuery(f"Invalid filter: {problems}")
        return filterset

    def get(  # type: ignore[override]
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        if request.GET.get("export") != "xlsx":
            return super().get(request, *args, **kwargs)
        try:
            self.list_query = self.parse_query(request.GET)
            self.filterset = self.build_filterset()
        except InvalidListQuery:
            return super().get(request, *args, **kwargs)  # renders the 400
        content = targets_workbook(
            self.get_queryset(), columns=self.export_columns, title=str(self.title)
        )
        return download(content, XLSX_CONTENT_TYPE, f"{self.export_name()}.xlsx")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        params["export"] = "xlsx"
        user = self.request.user
        rows = list(context["page_obj"].object_list) if context.get("page_obj") else []
        for row in rows:
            if self.page_plan is not None:
                row.plan = self.page_plan  # the page's plan: no query per row for the checks
            row.can_update = permissions.target_can_update(user, row)
        context.update(
            {
                "rows": rows,
                "xlsx_url": f"?{params.urlencode()}",
                "query": self.request.GET.get("q", ""),
                "plan": self.page_plan,
            }
        )
        return context


class PlanTargetsView(_TargetTableView):
    """Who is in and why: the plan's targets, the rule, the drift, the bulk form."""

    template_name = "deployments/target_list.html"
    table_template_name = "partials/deployments/target_table.html"
    default_sort = "wave"
    empty_message = "No targets yet."
    plan: DeploymentPlan

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not request.user.has_perm(VIEW_PERMISSION):
            raise PermissionDenied("You may not see deployment plans.")
        self.plan = self.page_plan = _plan_or_404(kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    @property
    def title(self) -> str:  # type: ignore[override]
        return f"Targets of {self.plan.reference}"

    def get_base_queryset(self) -> QuerySet[Target]:
        return targets.target_list(plan=self.plan)

    def export_name(self) -> str:
        return f"{self.plan.reference.lower()}-targets"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        plan = self.plan
        user = self.request.user
        can_edit = permissions.plan_can_edit(user, plan)
        may_bulk = can_edit or any(row.can_update for row in context["rows"])
        context.update(
            {
                "can_edit": can_edit,
                "drift": targeting.targets_drift(plan),
                "rule_text": targeting.rule_describe(plan.target_rule)
                if _rule_ok(plan)
                else "a rule that no longer checks (edit it)",
                "counts": targets.target_counts(plan),
                "closed": plan.state in targeting.CLOSED_STATES,
                "bulk_form": context.get("bulk_form")
                or (TargetBulkForm(plan=plan) if may_bulk else None),
                "selected": context.get("selected", set()),
                "next": self.request.get_full_path(),
            }
        )
        return context


def _rule_ok(plan: DeploymentPlan) -> bool:
    try:
        targeting.rule_check(plan.target_rule)
    except DeploymentError:
        return False
    return True


class TargetsBulkView(PlanTargetsView):
    """POST: one status move, training share or process version for the selected
    targets, all or nothing; on a refusal the table comes back with the error (400)."""

    http_method_names: ClassVar[list[str]] = ["post"]  # type: ignore[misc]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        plan = self.plan
        if not (
            permissions.plan_can_edit(request.user, plan)
            or request.user.has_perm("deployments.change_target")
        ):
            raise PermissionDenied("You may not update targets.")
        form = TargetBulkForm(request.POST, plan=plan)
        if form.is_valid():
            try:
                count = targets.targets_bulk_update(plan=plan, actor=request.user, **form.values())
            except DeploymentError as error:
                add_service_error(form, error)
            else:
                messages.success(request, f"{count} target{'' if count == 1 else 's'} updated.")
                return redirect(_next_url(request, _targets_url(plan)))
        return self.show_errors(form)

    def show_errors(self, form: TargetBulkForm) -> HttpResponse:
        self.list_query = self.parse_query(QueryDict(""))
        self.filterset = self.build_filterset_empty()
        self.object_list = self.get_queryset()
        selected = {str(pk) for pk in self.request.POST.getlist("targets")}
        context = self.get_context_data(bulk_form=form, selected=selected)
        return render(self.request, self.template_name, context, status=400)

    def build_filterset_empty(self) -> Any:
        return TargetFilterSet(
            QueryDict(""), queryset=self.get_base_queryset(), request=self.request, plan=self.plan
        )


class TargetsMineView(_TargetTableView):
    """The targets of the work activities the signed-in manager manages, across plans."""

    template_name = "deployments/target_mine.html"
    table_template_name = "partials/deployments/target_mine_table.html"
    default_sort = "-plan"
    title = "My deployment targets"
    empty_message = "None of the work activities you manage is a deployment target."

    def get_base_queryset(self) -> QuerySet[Target]:
        return targets.target_list_managed_by(user=self.request.user)

    def export_name(self) -> str:
        return "my-deployment-targets"


# -- plan pages ------------------------------------------------------------------------------


class _PlanPage(AccessMixin, View):
    """Sign-in, the view permission, the plan of the URL (404), then the page's check."""

    check: ClassVar[Check] = staticmethod(permissions.plan_can_edit)  # type: ignore[assignment]
    plan: DeploymentPlan

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not request.user.has_perm(VIEW_PERMISSION):
            raise PermissionDenied("You may not see deployment plans.")
        self.plan = _plan_or_404(kwargs["pk"])
        if not type(self).check(request.user, self.plan):
            raise PermissionDenied("Only the plan's owner or a deployment planner may do this.")
        return super().dispatch(request, *args, **kwargs)

    def render(self, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
        return render(self.request, template, {"plan": self.plan, **context}, status=status)


class PlanRuleView(_PlanPage):
    """Edit the rule, with a preview of what it matches and of who would leave."""

    template_name = "deployments/target_rule.html"
    preview_template = "partials/deployments/target_rule_preview.html"

    def show(self, form: TargetRuleForm, status: int = 200) -> HttpResponse:
        preview = None
        if form.is_bound and form.is_valid():
            try:
                preview = targeting.rule_preview(plan=self.plan, rule=form.rule())
            except DeploymentError as error:
                add_service_error(form, error)
                status = 400
        elif not form.is_bound:
            try:
                preview = targeting.rule_preview(plan=self.plan, rule=self.plan.target_rule)
            except DeploymentError as error:
                form.add_error(None, error.message)
        elif status == 200:
            status = 400
        context = {"form": form, "preview": preview, "drift": targeting.targets_drift(self.plan)}
        if wants_fragment(self.request):
            return self.render(self.preview_template, context, status=status)
        return self.render(self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        if "preview" in request.GET:
            return self.show(TargetRuleForm(request.GET))
        return self.show(TargetRuleForm(initial=TargetRuleForm.initial_for(self.plan)))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = TargetRuleForm(request.POST)
        if not form.is_valid():
            return self.show(form, status=400)
        revision = self.plan.revision
        try:
            plan = targeting.plan_rule_set(
                plan=self.plan,
                actor=request.user,
                rule=form.rule(),
                expected_version=form.cleaned_data["version"],
            )
        except ConflictError as error:
            form.add_error(None, error.message)
            return self.show(form, status=409)
        except DeploymentError as error:
            add_service_error(form, error)
            return self.show(form, status=400)
        count = plan.targets.filter(excluded=False).count()
        text = f"The rule is set: {count} target{'' if count == 1 else 's'} in the plan."
        plan.refresh_from_db(fields=["revision"])
        if plan.revision > revision:
            text += f" Revision {plan.revision} was made; agreement is asked again."
        messages.success(request, text)
        return redirect(_targets_url(plan))


class PlanTargetsRefreshView(_PlanPage):
    """POST: apply the drift (new matches in, rows that no longer match out or marked)."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            drift = targeting.targets_refresh(plan=self.plan, actor=request.user)
        except DeploymentError as error:
            messages.error(request, error.message)
        else:
            if drift:
                messages.success(request, f"Targets refreshed from the rule: {drift.summary()}.")
            else:
                messages.info(request, "The targets already match the rule; nothing changed.")
        return redirect(_next_url(request, _targets_url(self.plan)))


class TargetAddView(_PlanPage):
    """Add a work activity by hand, with the reason it is in."""

    template_name = "deployments/target_add.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.render(self.template_name, {"form": TargetAddForm(plan=self.plan)})

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = TargetAddForm(request.POST, plan=self.plan)
        if form.is_valid():
            try:
                row = targeting.target_add(plan=self.plan, actor=request.user, **form.cleaned_data)
            except DeploymentError as error:
                add_service_error(form, error)
            else:
                messages.success(request, f"{row.work_activity} is added to the targets.")
                return redirect(_targets_url(self.plan))
        return self.render(self.template_name, {"form": form}, status=400)


# -- target pages ----------------------------------------------------------------------------


class _TargetPage(AccessMixin, View):
    """Sign-in, the view permission, the target of the URL (404), then the page's check."""

    target: Target

    def check(self, user: Any, target: Target) -> bool:
        return permissions.plan_can_edit(user, target.plan)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not request.user.has_perm(VIEW_PERMISSION):
            raise PermissionDenied("You may not see deployment plans.")
        self.target = _target_or_404(kwargs["target_pk"])
        if not self.check(request.user, self.target):
            raise PermissionDenied("You may not change this target.")
        return super().dispatch(request, *args, **kwargs)

    def render(self, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
        context = {
            "target": self.target,
            "plan": self.target.plan,
            "next": _next_url(self.request, _targets_url(self.target.plan)),
            **context,
        }
        return render(self.request, template, context, status=status)


class TargetExcludeView(_TargetPage):
    """Exclude the target with a reason, or (``action=include``) include it again."""

    template_name = "deployments/target_exclude.html"

    def get(self, request: HttpRequest, target_pk: int) -> HttpResponse:
        return self.render(self.template_name, {"form": TargetExcludeForm()})

    def post(self, request: HttpRequest, target_pk: int) -> HttpResponse:
        done = _next_url(request, _targets_url(self.target.plan))
        form = TargetExcludeForm(request.POST)
        if request.POST.get("action") == "include":
            try:
                targeting.target_include(target=self.target, actor=request.user)
            except DeploymentError as error:
                form = TargetExcludeForm()
                form.add_error(None, error.message)
                return self.render(self.template_name, {"form": form}, status=400)
            messages.success(request, f"{self.target.work_activity} is a target again.")
            return redirect(done)
        if form.is_valid():
            try:
                targeting.target_exclude(
                    target=self.target, actor=request.user, reason=form.cleaned_data["reason"]
                )
            except DeploymentError as error:
                add_service_error(form, error)
            else:
                messages.success(request, f"{self.target.work_activity} is excluded.")
                return redirect(done)
        return self.render(self.template_name, {"form": form}, status=400)


class TargetUpdateView(_TargetPage):
    """A target's status (with reason and day) and its details (training, process
    version; wave and planned day for plan editors). Two forms: ``action=status`` and
    ``action=details``."""

    template_name = "deployments/target_update.html"

    def check(self, user: Any, target: Target) -> bool:
        return permissions.target_can_update(user, target)

    def forms(
        self, status_data: Any = None, details_data: Any = None
    ) -> tuple[TargetStatusForm, TargetDetailsForm]:
        target = self.target
        allowed = TARGET_TRANSITIONS.get(target.status, frozenset())
        status_form = TargetStatusForm(
            status_data, allowed=allowed, initial={"version": target.version}
        )
        details_form = TargetDetailsForm(
            details_data,
            target=target,
            schedule=permissions.plan_can_edit(self.request.user, target.plan),
            initial=TargetDetailsForm.initial_for(target),
            auto_id="details_%s",  # two forms on one page: distinct element ids
        )
        return status_form, details_form

    def show(
        self, status_form: TargetStatusForm, details_form: TargetDetailsForm, status: int = 200
    ) -> HttpResponse:
        context = {
            "status_form": status_form,
            "details_form": details_form,
            "can_edit": permissions.plan_can_edit(self.request.user, self.target.plan),
        }
        return self.render(self.template_name, context, status=status)

    def get(self, request: HttpRequest, target_pk: int) -> HttpResponse:
        return self.show(*self.forms())

    def post(self, request: HttpRequest, target_pk: int) -> HttpResponse:
        if request.POST.get("action") == "details":
            return self.post_details(request)
        return self.post_status(request)

    def post_status(self, request: HttpRequest) -> HttpResponse:
        form, details_form = self.forms(status_data=request.POST)
        if not form.is_valid():
            return self.show(form, details_form, status=400)
        data = form.cleaned_data
        try:
            row = targets.target_status_set(
                target=self.target,
                actor=request.user,
                status=data["status"],
                reason=data["reason"],
                on=data["on"],
                expected_version=data["version"],
            )
        except ConflictError as error:
            form.add_error(None, error.message)
            return self.show(form, details_form, status=409)
        except DeploymentError as error:
            add_service_error(form, error)
            return self.show(form, details_form, status=400)
        messages.success(request, f"{row.work_activity} is {row.get_status_display().lower()}.")
        return redirect(_next_url(request, _targets_url(row.plan)))

    def post_details(self, request: HttpRequest) -> HttpResponse:
        status_form, form = self.forms(details_data=request.POST)
        if not form.is_valid():
            return self.show(status_form, form, status=400)
        try:
            row = targets.target_update(
                target=self.target,
                actor=request.user,
                expected_version=form.cleaned_data["version"],
                **form.values(),
            )
        except ConflictError as error:
            form.add_error(None, error.message)
            return self.show(status_form, form, status=409)
        except DeploymentError as error:
            add_service_error(form, error)
            return self.show(status_form, form, status=400)
        messages.success(request, f"{row.work_activity}: the details are saved.")
        return redirect(_next_url(request, _targets_url(row.plan)))


urlpatterns: list[URLPattern] = [
    path("<int:pk>/targets/", PlanTargetsView.as_view(), name="plan_targets"),
    path("<int:pk>/targets/rule/", PlanRuleView.as_view(), name="plan_rule"),
    path(
        "<int:pk>/targets/refresh/", PlanTargetsRefreshView.as_view(), name="plan_targets_refresh"
    ),
    path("<int:pk>/targets/add/", TargetAddView.as_view(), name="target_add"),
    path("<int:pk>/targets/bulk/", TargetsBulkView.as_view(), name="targets_bulk"),
    path("targets/mine/", TargetsMineView.as_view(), name="targets_mine"),
    path("targets/<int:target_pk>/exclude/", TargetExcludeView.as_view(), name="target_exclude"),
    path("targets/<int:target_pk>/", TargetUpdateView.as_view(), name="target_update"),
]
