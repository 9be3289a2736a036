"""Pages of deployment plans: list, create, read, edit, sign-off, revisions, history,
cancel. The plan's content rows (stakeholders, measures, barriers, adjustments,
mitigated risks) have their pages in ``views.plan_rows``.

Access, in this order: anonymous visitors are sent to sign in; reading needs
``deployments.view_deploymentplan`` (else 403); a plan that does not exist is a 404;
then the page's own check (403): creating needs ``plan_can_create``, every write
``plan_can_edit``, and the sign-off decision page is for the stakeholder the sign-off
was asked of (``plan_can_signoff``; the service checks again). Writes are POST only
and redirect after success. A rule the service refuses (``DeploymentError``) shows as
a form error with status 400; an edit started from an older version
(``ConflictError``) shows "changed by … at …; nothing was saved" above the form, the
input kept, with status 409.
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
from django.urls import URLPattern, path
from django.views import View
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from uplift.apps.common.exports import XLSX_CONTENT_TYPE, download, resolve_attribute, safe_cell
from uplift.apps.common.revisions import revision_comparison
from uplift.apps.common.views import InvalidListQuery, ListQuery, ObjectListView
from uplift.apps.deployments import permissions, selectors
from uplift.apps.deployments.choices import PlanState
from uplift.apps.deployments.errors import ConflictError, DeploymentError
from uplift.apps.deployments.filtersets import PlanFilterSet
from uplift.apps.deployments.forms.plans import (
    PlanCancelForm,
    PlanForm,
    SignoffDecisionForm,
    SignoffRequestForm,
    add_service_error,
)
from uplift.apps.deployments.models import (
    DeploymentPlan,
    SignOff,
    Stakeholder,
)
from uplift.apps.deployments.services import plans as services

__all__ = [
    "PlanCancelView",
    "PlanCreateView",
    "PlanDetailView",
    "PlanHistoryView",
    "PlanListView",
    "PlanRevisionsView",
    "PlanSignoffDecideView",
    "PlanSignoffRequestView",
    "PlanUpdateView",
    "urlpatterns",
]

Check = Callable[[Any, DeploymentPlan], bool]

VIEW_PERMISSION = "deployments.view_deploymentplan"
_CLOSED = (PlanState.COMPLETE, PlanState.CANCELLED)


def _plan_or_404(pk: int) -> DeploymentPlan:
    try:
        return selectors.plan_get(pk=pk)
    except DeploymentPlan.DoesNotExist:
        raise Http404("No such deployment plan.") from None


def can_change(user: Any, plan: DeploymentPlan) -> bool:
    """May edit the plan, and the plan is still open (neither complete nor cancelled)."""
    return plan.state not in _CLOSED and permissions.plan_can_edit(user, plan)


class PlanView(AccessMixin, View):
    """Sign-in, the view permission, the plan of the URL (404), then the page's check.

    ``read_check`` guards GET, ``write_check`` POST (None: reading it is enough).
    """

    read_check: ClassVar[Check | None] = None
    write_check: ClassVar[Check | None] = None
    plan: DeploymentPlan

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not request.user.has_perm(VIEW_PERMISSION):
            raise PermissionDenied("You may not see deployment plans.")
        self.plan = _plan_or_404(kwargs["pk"])
        check = type(self).write_check if request.method == "POST" else type(self).read_check
        if check is not None and not check(request.user, self.plan):
            raise PermissionDenied("You may not change this deployment plan.")
        return super().dispatch(request, *args, **kwargs)

    def render(self, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
        context = {
            "plan": self.plan,
            "can_edit": can_change(self.request.user, self.plan),
            **context,
        }
        return render(self.request, template, context, status=status)


# -- the list --------------------------------------------------------------------------


def plan_list_workbook(plans: Any, *, columns: Sequence[tuple[str, str]]) -> bytes:
    """The plans as one sheet, a row a plan; header kept in view, every column filters;
    formula-like texts neutralised (``safe_cell``)."""
    workbook = Workbook()
    workbook.remove(workbook.worksheets[0])  # the blank default sheet
    sheet = workbook.create_sheet("Deployment plans")
    workbook.properties.title = "Deployment plans"
    workbook.properties.creator = "Uplift"
    sheet.append([header for header, _ in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    rows = 1
    for plan in plans:
        sheet.append([safe_cell(resolve_attribute(plan, attribute)) for _, attribute in columns])
        rows += 1
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(rows, 2)}"
    for index, (header, _) in enumerate(columns, start=1):
        width = 48 if header == "Title" else max(12, len(header) + 4)
        sheet.column_dimensions[get_column_letter(index)].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class PlanListView(ObjectListView):
    """Deployment plans (filtered, sorted, paged) with their counts; CSV and XLSX."""

    model = DeploymentPlan
    template_name = "deployments/plan_list.html"
    table_template_name = "partials/deployments/plan_table.html"
    filterset_class = PlanFilterSet
    paginate_by = 25
    sort_fields: ClassVar[dict[str, str | tuple[str, ...]]] = {
        "updated": "updated_at",
        "title": "title",
        "state": ("state", "title"),
        "start": ("planned_start", "title"),
        "targets": ("target_count", "title"),
        "confirmed": ("confirmed_count", "title"),
    }
    default_sort = "-updated"
    export_columns: ClassVar[list[tuple[str, str]]] = [
        ("Reference", "reference"),
        ("Title", "title"),
        ("State", "get_state_display"),
        ("Revision", "revision"),
        ("Owner", "owner.username"),
        ("Planned start", "planned_start"),
        ("Planned end", "planned_end"),
        ("Targets", "target_count"),
        ("Deployed", "deployed_count"),
        ("Confirmed", "confirmed_count"),
        ("Waves", "wave_count"),
        ("Payback objective (months)", "payback_target_months"),
        ("Updated at", "updated_at"),
    ]
    title = "Deployment plans"
    empty_message = "No deployment plans yet."

    def get_base_queryset(self) -> QuerySet[DeploymentPlan]:
        return selectors.plan_list(user=self.request.user)

    def export_name(self) -> str:
        return "deployment-plans"

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
        """``?export=xlsx``: every filtered plan as a workbook; else the generic list."""
        if request.GET.get("export") != "xlsx":
            return super().get(request, *args, **kwargs)
        try:
            self.list_query = self.parse_query(request.GET)
            self.filterset = self.build_filterset()
        except InvalidListQuery:
            return super().get(request, *args, **kwargs)  # renders the 400
        content = plan_list_workbook(self.get_queryset(), columns=self.export_columns)
        return download(content, XLSX_CONTENT_TYPE, f"{self.export_name()}.xlsx")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        params["export"] = "xlsx"
        context["xlsx_url"] = f"?{params.urlencode()}"
        context["can_add"] = permissions.plan_can_create(self.request.user)
        context["query"] = self.request.GET.get("q", "")
        context["waiting"] = list(selectors.plan_signoffs_waiting(self.request.user))
        return context


# -- reading -----------------------------------------------------------------------------


class PlanDetailView(PlanView):
    """The plan: summary, content, stakeholders and sign-off, targets by status with the
    rule's drift, waves with their gates, what is missing for confirmation, results and
    the links to the plan's other pages. A fixed number of queries."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = request.user
        signoff = services.plan_signoff_status(self.plan)
        mine = signoff.for_user(user)
        may_decide = (
            mine is not None
            and mine.pending
            and self.plan.state not in _CLOSED
            and user.has_perm(services.SIGNOFF_PERMISSION)
        )
        context = {
            "overview": selectors.plan_overview(self.plan),
            "signoff": signoff,
            "my_signoff": mine if may_decide else None,
        }
        return self.render("deployments/plan_detail.html", context)


class PlanHistoryView(PlanView):
    """Who changed what and when: the plan, its content rows, sign-offs and revisions."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        entries = selectors.plan_history(self.plan)
        return self.render("deployments/plan_history.html", {"entries": entries})


class PlanRevisionsView(PlanView):
    """Every revision (who, when, why, the sign-offs of it) and ``?older=&newer=``: two
    revisions section by section, the changed sections highlighted."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        revisions = list(selectors.plan_revision_list(self.plan))
        signoffs: dict[int, list[SignOff]] = {}
        for row in selectors.plan_signoff_list(self.plan):
            signoffs.setdefault(row.revision, []).append(row)
        rows = [(revision, signoffs.get(revision.number, [])) for revision in revisions]
        comparison, status = revision_comparison(
            request.GET,
            current=self.plan.revision,
            compare=lambda older, newer: services.plan_revisions_compare(
                plan=self.plan, older=older, newer=newer
            ),
            refused=DeploymentError,
        )
        context = {"rows": rows, "numbers": [r.number for r in revisions], **comparison}
        return self.render("deployments/plan_revisions.html", context, status=status)


# -- create and edit ---------------------------------------------------------------------


class PlanCreateView(AccessMixin, View):
    """Write a new plan (``?proposal=<id>`` preselects a selected proposal)."""

    template_name = "deployments/plan_form.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not permissions.plan_can_create(request.user):
            raise PermissionDenied("You may not plan deployments.")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        initial: dict[str, Any] = {"owner": request.user.pk}
        form = PlanForm(initial=initial)
        raw = request.GET.get("proposal", "")
        if raw.isdigit():
            field = form.fields["proposals"]
            proposal = field.queryset.filter(pk=int(raw)).first()  # type: ignore[attr-defined]
            if proposal is not None:
                form.initial["proposals"] = [proposal.pk]
                form.initial["title"] = f"Deploy {proposal.title}"[:200]
        return render(request, self.template_name, {"form": form})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = PlanForm(request.POST)
        if form.is_valid():
            try:
                plan = services.plan_create(actor=request.user, **form.values())
            except DeploymentError as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request,
                    f"{plan.reference} “{plan.title}” is written (draft). Barriers and measures "
                    "were taken from the proposals: give each barrier a strategy.",
                )
                return redirect("deployments:plan_detail", plan.pk)
        return render(request, self.template_name, {"form": form}, status=400)


class PlanUpdateView(PlanView):
    """Change the plan. Once sent for sign-off, a change makes a new revision that the
    same stakeholders are asked to agree to again."""

    read_check = can_change
    write_check = can_change
    template_name = "deployments/plan_form.html"

    def show(self, form: PlanForm, status: int = 200) -> HttpResponse:
        context = {
            "form": form,
            "editing": True,
            "signoff": services.plan_signoff_status(self.plan),
        }
        return self.render(self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.show(PlanForm(initial=PlanForm.initial_for(self.plan), plan=self.plan))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = PlanForm(request.POST, plan=self.plan)
        if not form.is_valid():
            return self.show(form, status=400)
        revision, version = self.plan.revision, self.plan.version
        try:
            plan = services.plan_update(
                plan=self.plan,
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
        _revision_message(request, plan, revision, version)
        return redirect("deployments:plan_detail", plan.pk)


def _revision_message(
    request: HttpRequest, plan: DeploymentPlan, revision: int, version: int
) -> None:
    """Tell what a save did: a new revision (and who is asked again), nothing, or saved."""
    if plan.revision > revision:
        status = services.plan_signoff_status(plan)
        if status.rows:
            names = services.person_names(row.user for row in status.rows)
            messages.warning(
                request,
                f"A new revision {plan.revision} was made; agreement has been asked again "
                f"from {names}.",
            )
        else:
            messages.warning(
                request, f"A new revision {plan.revision} was made; ask for sign-off again."
            )
    elif plan.version == version:
        messages.info(request, "Nothing changed; nothing was saved.")
    else:
        messages.success(request, f"Revision {plan.revision} is saved.")


class PlanCancelView(PlanView):
    """Cancel the plan, with a reason."""

    read_check = can_change
    write_check = can_change

    def show(self, form: PlanCancelForm, status: int = 200) -> HttpResponse:
        return self.render("deployments/plan_cancel.html", {"form": form}, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.show(PlanCancelForm())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = PlanCancelForm(request.POST)
        if not form.is_valid():
            return self.show(form, status=400)
        try:
            services.plan_cancel(
                plan=self.plan, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except DeploymentError as error:
            add_service_error(form, error)
            return self.show(form, status=400)
        messages.success(request, f"{self.plan.reference} is cancelled.")
        return redirect("deployments:plan_detail", self.plan.pk)


# -- sign-off ------------------------------------------------------------------------------


class PlanSignoffRequestView(PlanView):
    """Ask the plan's stakeholders (those who may sign off and were not asked yet) to
    agree to the current revision."""

    read_check = can_change
    write_check = can_change
    template_name = "deployments/plan_signoff_request.html"

    def form(self, data: Any = None) -> SignoffRequestForm:
        self.signoff = services.plan_signoff_status(self.plan)
        asked = {row.user.pk for row in self.signoff.rows}
        candidates = [
            row for row in services.signoff_candidates(self.plan) if row.user_id not in asked
        ]
        return SignoffRequestForm(data, candidates=candidates)

    def show(self, form: SignoffRequestForm, status: int = 200) -> HttpResponse:
        stakeholders = list(Stakeholder.objects.filter(plan=self.plan).select_related("user"))
        context = {"form": form, "signoff": self.signoff, "stakeholders": stakeholders}
        return self.render(self.template_name, context, status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.show(self.form())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = self.form(request.POST)
        if not form.is_valid():
            return self.show(form, status=400)
        try:
            created = services.plan_signoff_request(
                plan=self.plan, actor=request.user, stakeholders=form.users()
            )
        except DeploymentError as error:
            add_service_error(form, error)
            self.signoff = services.plan_signoff_status(self.plan)
            return self.show(form, status=400)
        names = services.person_names(row.stakeholder for row in created)
        messages.success(
            request, f"Agreement to revision {self.plan.revision} was asked of {names}."
        )
        return redirect("deployments:plan_detail", self.plan.pk)


class PlanSignoffDecideView(PlanView):
    """The stakeholder asked agrees to the revision, or objects with a comment."""

    template_name = "deployments/plan_signoff_decide.html"

    def signoff_or_403(self, signoff_pk: int) -> SignOff:
        signoff = (
            SignOff.objects.select_related("stakeholder", "plan")
            .filter(pk=signoff_pk, plan=self.plan)
            .first()
        )
        if signoff is None:
            raise Http404("No such sign-off of this plan.")
        if self.plan.state in _CLOSED or not permissions.plan_can_signoff(
            self.request.user, signoff
        ):
            raise PermissionDenied("Only the stakeholder this sign-off was asked of may decide.")
        return signoff

    def show(self, signoff: SignOff, form: SignoffDecisionForm, status: int = 200) -> Any:
        context = {
            "signoff_row": signoff,
            "form": form,
            "overview": selectors.plan_overview(self.plan),
            "signoff": services.plan_signoff_status(self.plan),
            "changed": services.plan_revision_changes(self.plan),
        }
        return self.render(self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int, signoff_pk: int) -> HttpResponse:
        signoff = self.signoff_or_403(signoff_pk)
        initial = {"decision": request.GET.get("decision", "")}
        return self.show(signoff, SignoffDecisionForm(initial=initial))

    def post(self, request: HttpRequest, pk: int, signoff_pk: int) -> HttpResponse:
        signoff = self.signoff_or_403(signoff_pk)
        form = SignoffDecisionForm(request.POST)
        if not form.is_valid():
            return self.show(signoff, form, status=400)
        decision = form.cleaned_data["decision"]
        try:
            services.plan_signoff_decide(
                signoff=signoff,
                actor=request.user,
                decision=decision,
                comment=form.cleaned_data["comment"],
            )
        except DeploymentError as error:
            add_service_error(form, error)
            return self.show(signoff, form, status=400)
        self.plan.refresh_from_db()
        if decision == "agreed":
            text = f"You agreed to revision {signoff.revision}."
        else:
            text = f"You objected to revision {signoff.revision}."
        if self.plan.state == PlanState.AGREED:
            text += " Every required stakeholder has agreed: the plan is agreed."
        messages.success(request, text)
        return redirect("deployments:plan_detail", self.plan.pk)


urlpatterns: list[URLPattern] = [
    path("", PlanListView.as_view(), name="plan_list"),
    path("new/", PlanCreateView.as_view(), name="plan_create"),
    path("<int:pk>/", PlanDetailView.as_view(), name="plan_detail"),
    path("<int:pk>/edit/", PlanUpdateView.as_view(), name="plan_update"),
    path("<int:pk>/history/", PlanHistoryView.as_view(), name="plan_history"),
    path("<int:pk>/revisions/", PlanRevisionsView.as_view(), name="plan_revisions"),
    path(
        "<int:pk>/signoff/request/", PlanSignoffRequestView.as_view(), name="plan_signoff_request"
    ),
    path(
        "<int:pk>/signoff/<int:signoff_pk>/",
        PlanSignoffDecideView.as_view(),
        name="plan_signoff_decide",
    ),
    path("<int:pk>/cancel/", PlanCancelView.as_view(), name="plan_cancel"),
]
