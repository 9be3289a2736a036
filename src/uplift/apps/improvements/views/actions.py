"""Pages of a plan's execution: the plan list, the team, actions, the timeline and what
each person owes.

Access: anonymous visitors are sent to sign in. Reading needs the model's view
permission (plans ``view_actionplan``, the team ``view_planmember``, actions and the
timeline ``view_action``); what a person owes is open to that person, and to readers of
actions for anybody else. Writing needs what ``services.actions`` says (the right to
edit the plan and the matching add/change/delete permission; an action's owner may
change its status); a refusal is a 403 and nothing is written. A rule the input breaks
is shown on the form (400), the input kept.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from uplift.apps.common.exports import XLSX_CONTENT_TYPE, download
from uplift.apps.common.views import InvalidListQuery, ListQuery, ObjectListView
from uplift.apps.improvements import selectors_actions as selectors
from uplift.apps.improvements.errors import ImprovementError
from uplift.apps.improvements.filtersets_plans import PlanFilterSet
from uplift.apps.improvements.forms.actions import (
    ActionForm,
    ActionStatusForm,
    PlanMemberForm,
    add_service_error,
)
from uplift.apps.improvements.models import Action, ActionPlan, PlanMember
from uplift.apps.improvements.services.actions import (
    action_can_change,
    action_can_change_status,
    action_create,
    action_delete,
    action_update,
    member_add,
    member_remove,
)
from uplift.apps.improvements.views.plan_exports import plan_list_workbook

__all__ = [
    "ActionCreateView",
    "ActionDeleteView",
    "ActionUpdateView",
    "ActionsOwedByView",
    "ActionsOwedView",
    "PlanListView",
    "PlanMemberRemoveView",
    "PlanTeamView",
    "PlanTimelineView",
    "urlpatterns",
]


def plan_or_404(pk: int) -> ActionPlan:
    try:
        return ActionPlan.objects.select_related("owner").get(pk=pk)
    except ActionPlan.DoesNotExist:
        raise Http404("No such plan.") from None


def action_or_404(pk: int) -> Action:
    try:
        return Action.objects.select_related("plan", "plan__owner", "owner").get(pk=pk)
    except Action.DoesNotExist:
        raise Http404("No such action.") from None


def _require_perm(request: HttpRequest, permission: str, message: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied(message)


def _next_url(request: HttpRequest, default: str) -> str:
    """The page to return to: a safe ``next`` (this site only), else ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _plan_actions_url(plan: ActionPlan) -> str:
    return reverse("improvements:plan_detail", args=[plan.pk]) + "#plan-actions"


# -- the plan list ------------------------------------------------------------------------


class PlanListView(ObjectListView):
    """Process action plans (filtered, sorted, paged) with their counts; CSV and XLSX."""

    model = ActionPlan
    template_name = "improvements/plan_list.html"
    table_template_name = "partials/improvements/plan_table.html"
    filterset_class = PlanFilterSet
    paginate_by = 25
    sort_fields: ClassVar[dict[str, str | tuple[str, ...]]] = {
        "updated": "updated_at",
        "title": "title",
        "state": ("state", "title"),
        "late": ("late_action_count", "updated_at"),
    }
    default_sort = "-updated"
    export_columns: ClassVar[list[tuple[str, str]]] = [
        ("Reference", "reference"),
        ("Title", "title"),
        ("State", "get_state_display"),
        ("Revision", "revision"),
        ("Owner", "owner.username"),
        ("Proposals", "proposal_count"),
        ("Actions", "action_count"),
        ("Late actions", "late_action_count"),
        ("Created at", "created_at"),
        ("Updated at", "updated_at"),
    ]
    title = "Process action plans"
    empty_message = "No process action plans yet."

    def get_base_queryset(self) -> QuerySet[ActionPlan]:
        return selectors.plan_list()

    def export_name(self) -> str:
        return "process-action-plans"

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
        context["can_add"] = self.request.user.has_perm("improvements.add_actionplan")
        context["query"] = self.request.GET.get("q", "")
        return context


# -- the team -----------------------------------------------------------------------------


class PlanTeamView(LoginRequiredMixin, View):
    """The process action team by role; its editors add members here."""

    template_name = "improvements/plan_team.html"

    def _context(self, request: HttpRequest, plan: ActionPlan, **extra: Any) -> dict[str, Any]:
        members = list(
            plan.members.select_related("user").order_by(
                "user__last_name", "user__first_name", "user__username", "pk"
            )
        )
        return {
            "plan": plan,
            "team_groups": selectors.team_by_role(members),
            "team_members": members,
            "rights": selectors.plan_rights(request.user, plan),
            **extra,
        }

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        _require_perm(request, "improvements.view_planmember", "You may not see plan teams.")
        plan = plan_or_404(pk)
        context = self._context(request, plan)
        if context["rights"].add_member:
            context["form"] = PlanMemberForm()
        return render(request, self.template_name, context)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        plan = plan_or_404(pk)
        if not selectors.plan_rights(request.user, plan).add_member:
            raise PermissionDenied(f"You may not add members to the team of {plan.reference}.")
        form = PlanMemberForm(request.POST)
        if form.is_valid():
            try:
                member = member_add(plan=plan, actor=request.user, **form.cleaned_data)
            except ImprovementError as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request,
                    f"{member.user.get_full_name() or member.user.get_username()} is on the "
                    f"team as {member.get_role_display().lower()}.",
                )
                return redirect("improvements:plan_team", plan.pk)
        context = self._context(request, plan, form=form)
        return render(request, self.template_name, context, status=400)


class PlanMemberRemoveView(LoginRequiredMixin, View):
    """Confirm, then take a member (in one role) off the team."""

    def _member(self, request: HttpRequest, pk: int, member_pk: int) -> PlanMember:
        plan = plan_or_404(pk)
        try:
            member = plan.members.select_related("user").get(pk=member_pk)
        except PlanMember.DoesNotExist:
            raise Http404("No such team member.") from None
        member.plan = plan
        if not selectors.plan_rights(request.user, plan).remove_member:
            raise PermissionDenied(f"You may not remove members from the team of {plan.reference}.")
        return member

    def get(self, request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
        member = self._member(request, pk, member_pk)
        owned = member.plan.actions.filter(owner=member.user).count()
        context = {"plan": member.plan, "removing": member, "owned_actions": owned}
        return render(request, "improvements/plan_team.html", context)

    def post(self, request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
        member = self._member(request, pk, member_pk)
        name = member.user.get_full_name() or member.user.get_username()
        role = member.get_role_display().lower()
        member_remove(member=member, actor=request.user)
        messages.success(request, f"{name} is no longer on the team as {role}.")
        return redirect("improvements:plan_team", pk)


# -- actions ------------------------------------------------------------------------------


class ActionCreateView(LoginRequiredMixin, View):
    """Add an action to a plan."""

    template_name = "improvements/action_form.html"

    def _plan(self, request: HttpRequest, pk: int) -> ActionPlan:
        plan = plan_or_404(pk)
        if not selectors.plan_rights(request.user, plan).add_action:
            raise PermissionDenied(f"You may not add actions to {plan.reference}.")
        return plan

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        plan = self._plan(request, pk)
        form = ActionForm(plan=plan, initial={"owner": request.user.get_username()})
        context = {"plan": plan, "form": form, "next": _next_url(request, "")}
        return render(request, self.template_name, context)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        plan = self._plan(request, pk)
        form = ActionForm(request.POST, plan=plan)
        if form.is_valid():
            try:
                action = action_create(plan=plan, actor=request.user, **form.values())
            except ImprovementError as error:
                add_service_error(form, error)
            else:
                messages.success(request, f"The action “{action.title}” is added.")
                return redirect(_next_url(request, _plan_actions_url(plan)))
        context = {"plan": plan, "form": form, "next": _next_url(request, "")}
        return render(request, self.template_name, context, status=400)


class ActionUpdateView(LoginRequiredMixin, View):
    """Edit an action; its owner without the plan's edit rights changes its status only."""

    template_name = "improvements/action_form.html"

    def _action(self, request: HttpRequest, pk: int) -> tuple[Action, bool]:
        """The action and whether the user may change all of it (else: the status)."""
        action = action_or_404(pk)
        if action_can_change(request.user, action):
            return action, True
        if action_can_change_status(request.user, action):
            return action, False
        raise PermissionDenied(f"You may not change the action “{action.title}”.")

    def _form(self, action: Action, full: bool, data: Any = None) -> ActionForm | ActionStatusForm:
        if full:
            initial = None if data is not None else ActionForm.initial_for(action)
            return ActionForm(data, plan=action.plan, action=action, initial=initial)
        return ActionStatusForm(
            data, initial=None if data is not None else {"status": action.status}
        )

    def _render(
        self, request: HttpRequest, action: Action, form: Any, full: bool, status: int = 200
    ) -> HttpResponse:
        context = {
            "plan": action.plan,
            "action": action,
            "form": form,
            "status_only": not full,
            "can_delete": selectors.plan_rights(request.user, action.plan).delete_action,
            "next": _next_url(request, ""),
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        action, full = self._action(request, pk)
        return self._render(request, action, self._form(action, full), full)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        action, full = self._action(request, pk)
        form = self._form(action, full, request.POST)
        if form.is_valid():
            values = form.values() if isinstance(form, ActionForm) else dict(form.cleaned_data)
            try:
                saved = action_update(action=action, actor=request.user, **values)
            except ImprovementError as error:
                add_service_error(form, error)
            else:
                messages.success(request, f"The action “{saved.title}” is saved.")
                default = (
                    _plan_actions_url(action.plan) if full else reverse("improvements:actions_owed")
                )
                return redirect(_next_url(request, default))
        return self._render(request, action, form, full, status=400)


class ActionDeleteView(LoginRequiredMixin, View):
    """Confirm, then delete an action."""

    def _action(self, request: HttpRequest, pk: int) -> Action:
        action = action_or_404(pk)
        if not selectors.plan_rights(request.user, action.plan).delete_action:
            raise PermissionDenied(f"You may not delete the action “{action.title}”.")
        return action

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        action = self._action(request, pk)
        context = {
            "plan": action.plan,
            "action": action,
            "dependents": list(action.dependents.order_by("due", "pk")),
        }
        return render(request, "improvements/action_confirm_delete.html", context)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        action = self._action(request, pk)
        plan, title = action.plan, action.title
        action_delete(action=action, actor=request.user)
        messages.success(request, f"The action “{title}” is deleted.")
        return redirect(_plan_actions_url(plan))


# -- timeline and what people owe ---------------------------------------------------------


class PlanTimelineView(LoginRequiredMixin, View):
    """The plan's actions as a Gantt chart: an HTML table, one bar a row."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        _require_perm(request, "improvements.view_action", "You may not see plans' actions.")
        plan = plan_or_404(pk)
        context = {
            "plan": plan,
            "timeline": selectors.timeline(plan),
            "rights": selectors.plan_rights(request.user, plan),
        }
        return render(request, "improvements/plan_timeline.html", context)


class ActionsOwedView(LoginRequiredMixin, View):
    """What the signed-in person owes: their open actions across plans, late first."""

    def get(self, request: HttpRequest) -> HttpResponse:
        context = {
            "person": request.user,
            "rows": selectors.actions_owed(request.user),
            "reviews": selectors.reviews_waiting(request.user),
            "mine": True,
        }
        return render(request, "improvements/actions_owed.html", context)


class ActionsOwedByView(LoginRequiredMixin, View):
    """What somebody owes, for readers of actions (404 for an unknown sign-in name)."""

    def get(self, request: HttpRequest, username: str) -> HttpResponse:
        _require_perm(request, "improvements.view_action", "You may not see others' actions.")
        person = selectors.user_by_username(username)
        if person is None:
            raise Http404("Nobody signs in with that name.")
        mine = person.pk == request.user.pk
        context = {
            "person": person,
            "rows": selectors.actions_owed(person),
            "reviews": selectors.reviews_waiting(person),
            "mine": mine,
        }
        return render(request, "improvements/actions_owed.html", context)


urlpatterns: list[URLPattern] = [
    path("plans/", PlanListView.as_view(), name="plan_list"),
    path("plans/<int:pk>/team/", PlanTeamView.as_view(), name="plan_team"),
    path(
        "plans/<int:pk>/team/<int:member_pk>/remove/",
        PlanMemberRemoveView.as_view(),
        name="plan_member_remove",
    ),
    path("plans/<int:pk>/actions/new/", ActionCreateView.as_view(), name="action_create"),
    path("actions/<int:pk>/edit/", ActionUpdateView.as_view(), name="action_update"),
    path("actions/<int:pk>/delete/", ActionDeleteView.as_view(), name="action_delete"),
    path("plans/<int:pk>/timeline/", PlanTimelineView.as_view(), name="plan_timeline"),
    path("actions/owed/", ActionsOwedView.as_view(), name="actions_owed"),
    path("actions/owed/<str:username>/", ActionsOwedByView.as_view(), name="actions_owed_by"),
]
