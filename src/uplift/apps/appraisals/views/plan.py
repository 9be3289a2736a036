"""Pages of the appraisal plan: list, overview, create and edit, scope, units, team,
status, rating, judgments, file import and export, history.

Access, in this order: anonymous visitors are sent to sign in; an appraisal the user
may not see is a 404 (``selectors.appraisal_get``); then the page's permission
(``apps.appraisals.permissions``) or a 403. Reading needs only the appraisal to be
visible; changing the plan needs ``appraisal_can_edit_plan``; rating and judging
need ``appraisal_can_work``; creating and importing need ``appraisals.add_appraisal``.
Writes are POST only and redirect after success; an edit the rules refuse
(``AppraisalError``) shows as a form error, never a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.contrib import messages
from django.contrib.auth.mixins import AccessMixin, LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.text import slugify
from django.views import View

from uplift.apps.appraisals import permissions, selectors, services
from uplift.apps.appraisals import plan_selectors as plan
from uplift.apps.appraisals.choices import AppraisalStatus, GoalJudgmentValue
from uplift.apps.appraisals.errors import AppraisalError
from uplift.apps.appraisals.exports import EXPORT_FORMATS, appraisal_export
from uplift.apps.appraisals.filtersets import AppraisalFilterSet
from uplift.apps.appraisals.forms.plan import (
    AppraisalCreateForm,
    AppraisalEditForm,
    AppraisalImportForm,
    AppraisalScopeForm,
    AppraisalStatusForm,
    AppraisalUnitForm,
    JudgmentForm,
    TeamMemberForm,
    add_service_error,
)
from uplift.apps.appraisals.models import Appraisal, AppraisalUnit, TeamMember
from uplift.apps.appraisals.services import plan as plan_services
from uplift.apps.appraisals.views.access import visible_appraisal
from uplift.apps.common.views import ObjectListView
from uplift.apps.library.choices import Representation
from uplift.domain.errors import InvalidDocument
from uplift.domain.ratings import AppraisalResult

__all__ = ["urlpatterns"]

Check = Callable[[Any, Appraisal], bool]

ADD_PERMISSION = "appraisals.add_appraisal"
STATUS_LABELS = dict(AppraisalStatus.choices)
GOAL_VALUES = tuple(GoalJudgmentValue.values)
# The service refuses a value that is not one of the practice's candidates.
PRACTICE_VALUES = ("FI", "LI", "PI", "NI")


def _detail(appraisal: Appraisal) -> str:
    return reverse("appraisals:appraisal_detail", args=[appraisal.pk])


# -- the list ------------------------------------------------------------------------------


class AppraisalListView(ObjectListView):
    """The appraisals the user may see (every one with the view permission, else their
    team's): filtered, sorted, paged, exported as CSV."""

    model = Appraisal
    permission_required = ()  # the selector scopes the rows to the user
    template_name = "appraisals/appraisal_list.html"
    table_template_name = "partials/appraisals/appraisal_table.html"
    filterset_class = AppraisalFilterSet
    paginate_by = 25
    sort_fields: ClassVar[dict[str, str | tuple[str, ...]]] = {
        "name": ("name", "created_at"),
        "model": ("model__identifier", "model__version", "name"),
        "class": ("appraisal_class", "name"),
        "status": ("status", "name"),
        "unit": ("organizational_unit__name", "organizational_unit_name", "name"),
        "start": ("start_date", "name"),
        "level": ("rated_maturity_level", "name"),
        "created": "created_at",
    }
    default_sort = "-created"
    export_columns: ClassVar[list[tuple[str, str]]] = [
        ("Id", "pk"),
        ("Name", "name"),
        ("Model", "model.reference"),
        ("Class", "appraisal_class"),
        ("Representation", "representation"),
        ("Target maturity level", "target_maturity_level"),
        ("Status", "status"),
        ("Organizational unit", "organizational_unit.slug"),
        ("Organizational unit (as named)", "organizational_unit_name"),
        ("Start", "start_date"),
        ("End", "end_date"),
        ("Rated maturity level", "rated_maturity_level"),
        ("Rated at", "rated_at"),
    ]
    empty_message = "No appraisals yet."

    def get_base_queryset(self) -> QuerySet[Appraisal]:
        """The appraisals the user may see, with model, unit and stored level."""
        return selectors.appraisal_list(user=self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        """Add whether the user may create and import appraisals."""
        context = super().get_context_data(**kwargs)
        context["can_add"] = self.request.user.has_perm(ADD_PERMISSION)
        return context


# -- one appraisal: access ------------------------------------------------------------------


class AppraisalView(AccessMixin, View):
    """Sign-in, the visible appraisal of the URL (404 otherwise), then the page's check.

    ``read_check`` guards GET, ``write_check`` POST (None: seeing it is enough).
    """

    read_check: ClassVar[Check | None] = None
    write_check: ClassVar[Check | None] = permissions.appraisal_can_edit_plan
    appraisal: Appraisal

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.appraisal = visible_appraisal(request, kwargs["pk"])
        check = type(self).write_check if request.method == "POST" else type(self).read_check
        if check is not None and not check(request.user, self.appraisal):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def render(self, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
        user = self.request.user
        context = {
            "appraisal": self.appraisal,
            "can_edit_plan": permissions.appraisal_can_edit_plan(user, self.appraisal),
            "can_work": permissions.appraisal_can_work(user, self.appraisal),
            "is_closed": self.appraisal.status == AppraisalStatus.CLOSED,
            **context,
        }
        return render(self.request, template, context, status=status)


class AppraisalDetailView(AppraisalView):
    """The overview: plan, units, team, scope and the current rating."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        areas = plan.appraisal_area_list(self.appraisal)
        return self.render(
            "appraisals/appraisal_detail.html",
            {
                "in_scope": [a for a in areas if a.scope == "in_scope"],
                "not_applicable": [a for a in areas if a.scope == "not_applicable"],
                "units": plan.appraisal_unit_list(self.appraisal),
                "team": plan.appraisal_team_list(self.appraisal),
                "summary": plan.appraisal_rating_summary(self.appraisal),
                "next_statuses": [
                    (status, STATUS_LABELS[status])
                    for status in plan_services.STATUS_TRANSITIONS.get(self.appraisal.status, ())
                ],
            },
        )


# -- create, edit, import --------------------------------------------------------------------


class AppraisalCreateView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Plan a new appraisal. The chosen model's areas are offered (htmx refreshes them
    when the model changes; without script, "Show process areas" does)."""

    permission_required = ADD_PERMISSION
    template_name = "appraisals/appraisal_form.html"
    choice_fields = (
        "name",
        "model",
        "representation",
        "target_maturity_level",
        "appraisal_class",
        "organizational_unit",
        "start_date",
        "end_date",
        "notes",
    )
    multiple_fields = ("process_areas", "not_applicable")

    def form(self, data: Any = None, initial: dict[str, Any] | None = None) -> AppraisalCreateForm:
        model = AppraisalCreateForm(data, initial=initial).selected_model()
        areas = plan.model_area_list(model) if model is not None else []
        return AppraisalCreateForm(data, initial=initial, areas=areas)

    def initial_from(self, params: Any) -> dict[str, Any]:
        """What the user chose so far (query or post), to show the form again unbound."""
        initial: dict[str, Any] = {
            name: params[name] for name in self.choice_fields if params.get(name)
        }
        initial.update({name: params.getlist(name) for name in self.multiple_fields})
        initial.setdefault("representation", Representation.STAGED)
        initial.setdefault("target_maturity_level", "2")
        return initial

    def show(self, form: AppraisalCreateForm) -> HttpResponse:
        groups = plan.area_groups(form.area_fields())
        return render(self.request, self.template_name, {"form": form, "groups": groups})

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.show(self.form(initial=self.initial_from(request.GET)))

    def post(self, request: HttpRequest) -> HttpResponse:
        if "refresh" in request.POST:
            return self.show(self.form(initial=self.initial_from(request.POST)))
        form = self.form(request.POST)
        if not form.is_valid():
            return self.show(form)
        data = form.cleaned_data
        try:
            appraisal = plan_services.appraisal_create(
                name=data["name"],
                model=data["model"],
                representation=data["representation"],
                target_maturity_level=data["target_maturity_level"],
                appraisal_class=data["appraisal_class"],
                organizational_unit=data["organizational_unit"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                notes=data["notes"],
                process_areas=data["process_areas"] or None,
                not_applicable=data["not_applicable"],
                user=request.user,
            )
        except AppraisalError as error:
            add_service_error(form, error)
            return self.show(form)
        messages.success(request, f"The appraisal “{appraisal.name}” is planned.")
        return redirect(_detail(appraisal))


class AppraisalEditView(AppraisalView):
    """Change the plan's fields (not the model version or representation)."""

    read_check = permissions.appraisal_can_edit_plan
    fields = (
        "name",
        "appraisal_class",
        "target_maturity_level",
        "organizational_unit",
        "start_date",
        "end_date",
        "notes",
    )

    def form(self, data: Any = None) -> AppraisalEditForm:
        appraisal = self.appraisal
        initial = {name: getattr(appraisal, name) for name in self.fields}
        initial["organizational_unit"] = appraisal.organizational_unit_id
        staged = appraisal.representation == Representation.STAGED
        return AppraisalEditForm(data, initial=initial, staged=staged)

    def show(self, form: AppraisalEditForm) -> HttpResponse:
        return self.render("appraisals/appraisal_form.html", {"form": form, "editing": True})

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.show(self.form())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = self.form(request.POST)
        if not form.is_valid():
            return self.show(form)
        values = {name: form.cleaned_data[name] for name in self.fields if name in form.fields}
        try:
            plan_services.appraisal_update(appraisal=self.appraisal, user=request.user, **values)
        except AppraisalError as error:
            add_service_error(form, error)
            return self.show(form)
        messages.success(request, "The plan is saved.")
        return redirect(_detail(self.appraisal))


class AppraisalImportView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Upload an appraisal file; a file that breaks any rule writes nothing and every
    problem shows with its place."""

    permission_required = ADD_PERMISSION
    template_name = "appraisals/appraisal_import.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": AppraisalImportForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = AppraisalImportForm(request.POST, request.FILES)
        problems: list[Any] = []
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                appraisal = services.appraisal_import(
                    data=upload.read(),
                    filename=upload.name,
                    user=request.user,
                    organizational_unit=form.cleaned_data["organizational_unit"],
                )
            except InvalidDocument as error:
                problems = list(error.problems)
            else:
                messages.success(request, f"The appraisal “{appraisal.name}” is imported.")
                return redirect(_detail(appraisal))
        context = {"form": form, "problems": problems}
        return render(request, self.template_name, context, status=400 if problems else 200)


class AppraisalExportView(AppraisalView):
    """The appraisal file (``export.yaml`` or ``export.json``) that imports back the same."""

    def get(self, request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
        if fmt not in EXPORT_FORMATS:
            raise Http404("Export as yaml or json.")
        # Evidence is the team's workspace: only those who may see it get it in the file.
        evidence = permissions.appraisal_can_see_workspace(request.user, self.appraisal)
        text = appraisal_export(appraisal=self.appraisal, format=fmt, evidence=evidence)
        content_type = "application/json" if fmt == "json" else "application/yaml"
        response = HttpResponse(text, content_type=f"{content_type}; charset=utf-8")
        filename = f"{slugify(self.appraisal.name) or 'appraisal'}-{self.appraisal.pk}.{fmt}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


# -- scope, units, team ----------------------------------------------------------------------


class AppraisalScopeView(AppraisalView):
    """Which process areas are in scope, agreed not applicable, or not appraised."""

    read_check = permissions.appraisal_can_edit_plan

    def show(self, form: AppraisalScopeForm) -> HttpResponse:
        groups = plan.area_groups(form.rows())
        return self.render("appraisals/appraisal_scope.html", {"form": form, "groups": groups})

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.show(AppraisalScopeForm(areas=plan.appraisal_area_list(self.appraisal)))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = AppraisalScopeForm(request.POST, areas=plan.appraisal_area_list(self.appraisal))
        if not form.is_valid():
            return self.show(form)
        in_scope, not_applicable = form.scope()
        try:
            plan_services.appraisal_scope_set(
                appraisal=self.appraisal,
                in_scope=in_scope,
                not_applicable=not_applicable,
                user=request.user,
            )
        except AppraisalError as error:
            form.add_error(None, error.message)
            return self.show(form)
        messages.success(request, "The scope is saved.")
        return redirect(_detail(self.appraisal))


class AppraisalUnitsView(AppraisalView):
    """The basic units and support functions, and a form to add one."""

    def show(self, form: AppraisalUnitForm) -> HttpResponse:
        units = plan.appraisal_unit_list(self.appraisal)
        return self.render("appraisals/appraisal_units.html", {"form": form, "units": units})

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.show(AppraisalUnitForm())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = AppraisalUnitForm(request.POST)
        if not form.is_valid():
            return self.show(form)
        try:
            unit = plan_services.appraisal_unit_add(
                appraisal=self.appraisal, user=request.user, **form.cleaned_data
            )
        except AppraisalError as error:
            add_service_error(form, error)
            return self.show(form)
        messages.success(request, f"The unit “{unit.name}” is added.")
        return redirect("appraisals:appraisal_units", pk=self.appraisal.pk)


class AppraisalUnitMixin(AppraisalView):
    """A unit of the appraisal in the URL (404 otherwise); plan editors only."""

    read_check = permissions.appraisal_can_edit_plan

    def get_unit(self, unit_pk: int) -> AppraisalUnit:
        try:
            return plan.appraisal_unit_get(appraisal=self.appraisal, pk=unit_pk)
        except AppraisalUnit.DoesNotExist:
            raise Http404("No such unit.") from None


class AppraisalUnitEditView(AppraisalUnitMixin):
    """Rename a unit, change its kind or work activity."""

    def show(self, form: AppraisalUnitForm, unit: AppraisalUnit) -> HttpResponse:
        return self.render("appraisals/appraisal_unit_form.html", {"form": form, "unit": unit})

    def get(self, request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
        unit = self.get_unit(unit_pk)
        initial = {"name": unit.name, "kind": unit.kind, "work_activity": unit.work_activity_id}
        return self.show(AppraisalUnitForm(initial=initial), unit)

    def post(self, request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
        unit = self.get_unit(unit_pk)
        form = AppraisalUnitForm(request.POST)
        if not form.is_valid():
            return self.show(form, unit)
        try:
            plan_services.appraisal_unit_update(unit=unit, user=request.user, **form.cleaned_data)
        except AppraisalError as error:
            add_service_error(form, error)
            return self.show(form, unit)
        messages.success(request, f"The unit “{unit.name}” is saved.")
        return redirect("appraisals:appraisal_units", pk=self.appraisal.pk)


class AppraisalUnitDeleteView(AppraisalUnitMixin):
    """Confirm, then remove a unit with its characterizations."""

    def get(self, request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
        unit = self.get_unit(unit_pk)
        return self.render(
            "appraisals/appraisal_confirm_delete.html",
            {
                "object_label": f"the unit “{unit.name}”",
                "consequences": _cells_going(getattr(unit, "cell_count", 0)),
                "cancel_url": reverse("appraisals:appraisal_units", args=[self.appraisal.pk]),
            },
        )

    def post(self, request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
        unit = self.get_unit(unit_pk)
        try:
            removed = plan_services.appraisal_unit_remove(unit=unit, user=request.user)
        except AppraisalError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                f"The unit “{unit.name}” is removed"
                + (f" with {_cells(removed)}." if removed else "."),
            )
        return redirect("appraisals:appraisal_units", pk=self.appraisal.pk)


def _cells(count: int) -> str:
    return f"{count} characterization{'s' if count != 1 else ''}"


def _cells_going(count: int) -> str:
    if not count:
        return "It holds no characterizations."
    return f"Its {_cells(count)} will be removed with it, and the evidence links to it."


class AppraisalTeamView(AppraisalView):
    """The appraisal team, and a form to add a member."""

    def show(self, form: TeamMemberForm) -> HttpResponse:
        team = plan.appraisal_team_list(self.appraisal)
        return self.render("appraisals/appraisal_team.html", {"form": form, "team": team})

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.show(TeamMemberForm())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = TeamMemberForm(request.POST)
        if not form.is_valid():
            return self.show(form)
        try:
            member = plan_services.appraisal_team_member_add(
                appraisal=self.appraisal, user=request.user, **form.cleaned_data
            )
        except AppraisalError as error:
            add_service_error(form, error)
            return self.show(form)
        messages.success(
            request,
            f"{member.user.get_username()} is on the team as {member.get_role_display().lower()}.",
        )
        return redirect("appraisals:appraisal_team", pk=self.appraisal.pk)


class AppraisalTeamDeleteView(AppraisalView):
    """Confirm, then take a member off the team."""

    read_check = permissions.appraisal_can_edit_plan

    def get_member(self, member_pk: int) -> TeamMember:
        try:
            return plan.appraisal_team_member_get(appraisal=self.appraisal, pk=member_pk)
        except TeamMember.DoesNotExist:
            raise Http404("No such team member.") from None

    def get(self, request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
        member = self.get_member(member_pk)
        return self.render(
            "appraisals/appraisal_confirm_delete.html",
            {
                "object_label": f"{member.user.get_username()} "
                f"({member.get_role_display().lower()}) from the team",
                "action_label": "Remove from the team",
                "consequences": "Their past changes stay in the history.",
                "cancel_url": reverse("appraisals:appraisal_team", args=[self.appraisal.pk]),
            },
        )

    def post(self, request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
        member = self.get_member(member_pk)
        try:
            plan_services.appraisal_team_member_remove(member=member, user=request.user)
        except AppraisalError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"{member.user.get_username()} is off the team.")
        return redirect("appraisals:appraisal_team", pk=self.appraisal.pk)


# -- status, rating, judgments -----------------------------------------------------------------


class AppraisalStatusView(AppraisalView):
    """Move the appraisal along its status flow (POST from the overview's buttons)."""

    http_method_names: ClassVar[list[str]] = ["post"]  # type: ignore[misc]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = AppraisalStatusForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose a status.")
            return redirect(_detail(self.appraisal))
        try:
            plan_services.appraisal_status_set(
                appraisal=self.appraisal, status=form.cleaned_data["status"], user=request.user
            )
        except AppraisalError as error:
            messages.error(request, f"The status did not change: {error.message}.")
        else:
            label = STATUS_LABELS[self.appraisal.status].lower()
            messages.success(request, f"The appraisal is {label}.")
        return redirect(_detail(self.appraisal))


class AppraisalRateView(AppraisalView):
    """Rate the current cells and store the result as the appraisal's rating."""

    http_method_names: ClassVar[list[str]] = ["post"]  # type: ignore[misc]
    write_check = permissions.appraisal_can_work

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        result = services.appraisal_rate(appraisal=self.appraisal, user=request.user)
        messages.success(request, f"The rating is stored: {_rating_words(self.appraisal, result)}.")
        return redirect(_detail(self.appraisal))


def _rating_words(appraisal: Appraisal, result: AppraisalResult) -> str:
    """The level of a result in words, for the message after rating."""
    waiting = len(result.open_judgments)
    open_part = f"{waiting} judgment{'s' if waiting != 1 else ''} open" if waiting else ""
    if appraisal.representation == Representation.STAGED:
        level = (
            f"maturity level {result.maturity_level}"
            if result.maturity_level
            else "no maturity level reached"
        )
    else:
        level = (
            f"equivalent maturity level {result.equivalent_maturity_level}"
            if result.equivalent_maturity_level
            else "no equivalent maturity level"
        )
    return f"{level}; {open_part}" if open_part else level


class AppraisalJudgmentsView(AppraisalView):
    """The judgments the rules wait for, each with its form, and those recorded."""

    write_check = permissions.appraisal_can_work

    def show(self, failed: JudgmentForm | None = None, status: int = 200) -> HttpResponse:
        result = selectors.appraisal_rating(self.appraisal)

        def form_for(kind: str, ref: str, candidates: tuple[str, ...]) -> JudgmentForm:
            if failed is not None and (failed.kind, failed.ref) == (kind, ref):
                return failed
            return JudgmentForm(kind=kind, ref=ref, candidates=candidates)

        open_items = [
            (item, form_for(item.kind, item.ref, item.candidates)) for item in result.open_judgments
        ]
        optional = [
            (item, form_for("goal", item.ref, GOAL_VALUES))
            for item in plan.appraisal_optional_goal_judgments(self.appraisal, result)
        ]
        shown = [form for _, form in open_items + optional]
        context = {
            "result": result,
            "open_items": open_items,
            "optional_items": optional,
            # a refused judgment no longer on the list (the cells changed meanwhile)
            "failed_elsewhere": failed if failed is not None and failed not in shown else None,
            "recorded": plan.appraisal_judgment_list(self.appraisal),
        }
        return self.render("appraisals/appraisal_judgments.html", context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.show()

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        kind, _, ref = request.POST.get("judgment", "").partition(":")
        if kind not in ("practice", "goal") or not ref:
            return render(
                request,
                "common/bad_request.html",
                {"message": "Say what is judged: judgment=practice:<ref> or goal:<ref>."},
                status=400,
            )
        candidates = GOAL_VALUES if kind == "goal" else PRACTICE_VALUES
        form = JudgmentForm(request.POST, kind=kind, ref=ref, candidates=candidates)
        if not form.is_valid():
            return self.show(form, status=400)
        target = {kind: ref}  # goal=... or practice=...
        judge = (
            services.appraisal_judge_goal if kind == "goal" else services.appraisal_judge_practice
        )
        try:
            judge(
                appraisal=self.appraisal,
                value=form.cleaned_data["value"],
                rationale=form.cleaned_data["rationale"],
                user=request.user,
                **target,
            )
        except AppraisalError as error:
            add_service_error(form, error)
            return self.show(form, status=400)
        messages.success(request, f"The judgment on {ref} is recorded.")
        return redirect("appraisals:appraisal_judgments", pk=self.appraisal.pk)


# -- history -------------------------------------------------------------------------------------


class AppraisalHistoryView(AppraisalView):
    """Who changed the appraisal and its plan (scope, units, team, stored rating), when."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        changes = plan.appraisal_plan_history(self.appraisal)
        return self.render("appraisals/appraisal_history.html", {"changes": changes})


urlpatterns: list[URLPattern] = [
    path("", AppraisalListView.as_view(), name="appraisal_list"),
    path("new/", AppraisalCreateView.as_view(), name="appraisal_create"),
    path("import/", AppraisalImportView.as_view(), name="appraisal_import"),
    path("<int:pk>/", AppraisalDetailView.as_view(), name="appraisal_detail"),
    path("<int:pk>/edit/", AppraisalEditView.as_view(), name="appraisal_edit"),
    path("<int:pk>/scope/", AppraisalScopeView.as_view(), name="appraisal_scope"),
    path("<int:pk>/units/", AppraisalUnitsView.as_view(), name="appraisal_units"),
    path(
        "<int:pk>/units/<int:unit_pk>/edit/",
        AppraisalUnitEditView.as_view(),
        name="appraisal_unit_edit",
    ),
    path(
        "<int:pk>/units/<int:unit_pk>/delete/",
        AppraisalUnitDeleteView.as_view(),
        name="appraisal_unit_delete",
    ),
    path("<int:pk>/team/", AppraisalTeamView.as_view(), name="appraisal_team"),
    path(
        "<int:pk>/team/<int:member_pk>/delete/",
        AppraisalTeamDeleteView.as_view(),
        name="appraisal_team_delete",
    ),
    path("<int:pk>/status/", AppraisalStatusView.as_view(), name="appraisal_status"),
    path("<int:pk>/rate/", AppraisalRateView.as_view(), name="appraisal_rate"),
    path("<int:pk>/judgments/", AppraisalJudgmentsView.as_view(), name="appraisal_judgments"),
    path("<int:pk>/export.<str:fmt>", AppraisalExportView.as_view(), name="appraisal_export"),
    path("<int:pk>/history/", AppraisalHistoryView.as_view(), name="appraisal_history"),
]
