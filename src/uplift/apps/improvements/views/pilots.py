"""Pages of pilots: list, plan (from a proposal), detail with live results, edit, start,
decide.

Access: anonymous visitors are sent to sign in. Reading needs
``improvements.view_pilot``; planning ``add_pilot``; editing and starting
``change_pilot`` (starting a pilot of a proposal selected for validation also moves
the proposal to validating, which needs ``decide_proposal``); deciding
``decide_proposal``. A denied write answers 403 and changes nothing (the services
raise ``PermissionDenied``). A rule a service refuses is shown on the page (400); an
edit or decision made from an older version is refused with a message and the
user's input kept (409).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views import View

from uplift.apps.common.views import ObjectListView
from uplift.apps.improvements import selectors
from uplift.apps.improvements.choices import PilotStatus
from uplift.apps.improvements.errors import ConflictError, ImprovementError
from uplift.apps.improvements.forms.pilots import PilotDecisionForm, PilotFilterSet, PilotForm
from uplift.apps.improvements.forms.selection import add_service_error
from uplift.apps.improvements.models import Pilot
from uplift.apps.improvements.selectors_selection import pilot_get, pilot_list
from uplift.apps.improvements.services.pilots import (
    PILOTED_STATES,
    pilot_create,
    pilot_decide,
    pilot_results,
    pilot_start,
    pilot_update,
)

__all__ = [
    "PilotCreateView",
    "PilotDecideView",
    "PilotDetailView",
    "PilotListView",
    "PilotStartView",
    "PilotUpdateView",
    "urlpatterns",
]


def _abilities(user: Any, pilot: Pilot) -> dict[str, bool]:
    """What the page offers ``user`` (the services check again)."""
    return {
        "can_edit": user.has_perm("improvements.change_pilot")
        and pilot.status != PilotStatus.COMPLETED,
        "can_start": user.has_perm("improvements.change_pilot")
        and pilot.status == PilotStatus.PLANNED
        and pilot.proposal.state in PILOTED_STATES,
        "can_decide": user.has_perm("improvements.decide_proposal")
        and pilot.status == PilotStatus.RUNNING,
    }


def _detail_context(request: HttpRequest, pilot: Pilot) -> dict[str, Any]:
    """The pilot, its live results (until it is completed) and the stored snapshot."""
    live = pilot.status != PilotStatus.COMPLETED
    return {
        "pilot": pilot,
        "proposal": pilot.proposal,
        "results": pilot_results(pilot) if live else None,
        "snapshot": (pilot.results or {}).get("measures") if pilot.decision else None,
        "snapshot_taken_at": (pilot.results or {}).get("taken_at"),
        **_abilities(request.user, pilot),
    }


class PilotListView(ObjectListView):
    """Pilots (filters status, decision, proposal, text; sort; CSV export)."""

    model = Pilot
    template_name = "improvements/pilot_list.html"
    table_template_name = "partials/improvements/pilot_table.html"
    filterset_class = PilotFilterSet
    paginate_by = 25
    sort_fields: ClassVar[dict[str, str | tuple[str, ...]]] = {
        "title": "title",
        "start": ("start", "title"),
        "end": ("end", "title"),
        "status": ("status", "start"),
        "decision": ("decision", "start"),
    }
    default_sort = "-start"
    export_columns: ClassVar[list[tuple[str, str]]] = [
        ("Id", "pk"),
        ("Title", "title"),
        ("Proposal", "proposal.reference"),
        ("Proposal title", "proposal.title"),
        ("Status", "status"),
        ("Start", "start"),
        ("End", "end"),
        ("Decision", "decision"),
        ("Decided by", "decided_by.username"),
        ("Decided at", "decided_at"),
        ("Rationale", "decision_rationale"),
    ]
    empty_message = "No pilot yet."
    title = "Pilots"

    def get_base_queryset(self) -> QuerySet[Pilot]:
        return pilot_list()


class PilotCreateView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Plan a pilot of a proposal selected for validation or validating."""

    permission_required = "improvements.add_pilot"
    template_name = "improvements/pilot_form.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        proposal = selectors.proposal_get(pk=pk)
        initial = {
            "title": f"Pilot of {proposal.reference}",
            "measures": [benefit.measure for benefit in proposal.benefits.all()],
            "success_criteria": proposal.success_criteria,
        }
        context = {"form": PilotForm(initial=initial), "proposal": proposal}
        return render(request, self.template_name, context)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        proposal = selectors.proposal_get(pk=pk)
        form = PilotForm(request.POST)
        if form.is_valid():
            try:
                pilot = pilot_create(proposal=proposal, actor=request.user, **form.values())
            except ImprovementError as error:
                add_service_error(form, error)
            else:
                messages.success(request, f"The pilot “{pilot.title}” is planned.")
                return redirect("improvements:pilot_detail", pilot.pk)
        context = {"form": form, "proposal": proposal}
        return render(request, self.template_name, context, status=400)


class PilotDetailView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """The plan, status, live results per measure against the expected benefits, the
    decision with its rationale, and the history."""

    permission_required = "improvements.view_pilot"
    template_name = "improvements/pilot_detail.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        pilot = pilot_get(pk=pk)
        return render(request, self.template_name, _detail_context(request, pilot))


class PilotUpdateView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Change a pilot's plan; an edit from an older version is refused (409)."""

    permission_required = "improvements.change_pilot"
    template_name = "improvements/pilot_form.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        pilot = pilot_get(pk=pk)
        form = PilotForm(initial=PilotForm.initial_for(pilot))
        context = {"form": form, "pilot": pilot, "proposal": pilot.proposal}
        return render(request, self.template_name, context)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        pilot = pilot_get(pk=pk)
        form = PilotForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                pilot_update(
                    pilot=pilot,
                    actor=request.user,
                    expected_version=form.cleaned_data.get("version"),
                    **form.values(),
                )
            except ConflictError as error:
                form.add_error(None, error.message)
                status = 409
            except ImprovementError as error:
                add_service_error(form, error)
            else:
                messages.success(request, "The pilot is saved.")
                return redirect("improvements:pilot_detail", pilot.pk)
        context = {"form": form, "pilot": pilot, "proposal": pilot.proposal}
        return render(request, self.template_name, context, status=status)


class PilotStartView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """``POST``: start a planned pilot (the proposal moves to validating)."""

    permission_required = "improvements.change_pilot"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        pilot = pilot_get(pk=pk)
        try:
            pilot_start(pilot=pilot, actor=request.user)
        except ImprovementError as error:
            context = {**_detail_context(request, pilot_get(pk=pk)), "error": error.message}
            return render(request, "improvements/pilot_detail.html", context, status=400)
        messages.success(request, f"The pilot “{pilot.title}” is running.")
        return redirect("improvements:pilot_detail", pilot.pk)


class PilotDecideView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Decide a running pilot: terminate, rework, replan and continue, or proceed."""

    permission_required = "improvements.decide_proposal"
    template_name = "improvements/pilot_decide.html"

    def _render(
        self, request: HttpRequest, pilot: Pilot, form: PilotDecisionForm, status: int = 200
    ) -> HttpResponse:
        context = {
            "pilot": pilot,
            "proposal": pilot.proposal,
            "form": form,
            "results": pilot_results(pilot) if pilot.status == PilotStatus.RUNNING else None,
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        pilot = pilot_get(pk=pk)
        form = PilotDecisionForm(initial={"version": pilot.version})
        return self._render(request, pilot, form)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        pilot = pilot_get(pk=pk)
        form = PilotDecisionForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                pilot_decide(
                    pilot=pilot,
                    actor=request.user,
                    decision=form.cleaned_data["decision"],
                    rationale=form.cleaned_data["rationale"],
                    expected_version=form.cleaned_data.get("version"),
                )
            except ConflictError as error:
                form.add_error(None, error.message)
                status = 409
            except ImprovementError as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request,
                    f"The decision on “{pilot.title}” is recorded: "
                    f"{pilot.get_decision_display().lower()}.",
                )
                return redirect("improvements:pilot_detail", pilot.pk)
        return self._render(request, pilot, form, status=status)


urlpatterns: list[URLPattern] = [
    path("pilots/", PilotListView.as_view(), name="pilot_list"),
    path("proposals/<int:pk>/pilots/new/", PilotCreateView.as_view(), name="pilot_create"),
    path("pilots/<int:pk>/", PilotDetailView.as_view(), name="pilot_detail"),
    path("pilots/<int:pk>/edit/", PilotUpdateView.as_view(), name="pilot_update"),
    path("pilots/<int:pk>/start/", PilotStartView.as_view(), name="pilot_start"),
    path("pilots/<int:pk>/decide/", PilotDecideView.as_view(), name="pilot_decide"),
]
