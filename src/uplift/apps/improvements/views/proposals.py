"""Pages of improvement proposals: list, suggest, create, detail, edit, transitions.

Access (``uplift.apps.improvements.permissions``): anonymous visitors are sent to sign
in. Anyone signed in may suggest an improvement and sees the proposals they submitted;
``improvements.view_proposal`` sees them all; the full form needs ``add_proposal``;
editing needs ``proposal_can_edit``; each transition the permission the life cycle
names. A denied write answers 403 and changes nothing (the services raise
``PermissionDenied``). A rule a service refuses is shown on the form (400); an edit
made from an older version is refused with a message and the user's input kept (409).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.text import slugify
from django.views import View

from uplift.apps.appraisals.choices import FindingKind
from uplift.apps.appraisals.workspace import finding_list
from uplift.apps.common.exports import csv_response
from uplift.apps.common.views import InvalidListQuery, ObjectListView
from uplift.apps.improvements import selectors
from uplift.apps.improvements.choices import PilotDecision, ProposalState, SourceKind
from uplift.apps.improvements.errors import ConflictError, ImprovementError
from uplift.apps.improvements.filtersets import ProposalFilterSet
from uplift.apps.improvements.forms.proposals import (
    BenefitForm,
    ProposalForm,
    SuggestionForm,
    TransitionForm,
    add_service_error,
)
from uplift.apps.improvements.models import ExpectedBenefit, Proposal
from uplift.apps.improvements.permissions import (
    proposal_can_edit,
    proposal_can_see,
    proposal_can_submit,
    proposal_can_transition,
)
from uplift.apps.improvements.services.proposals import (
    benefit_add,
    benefit_remove,
    proposal_create,
    proposal_pilot_reasons,
    proposal_transition,
    proposal_update,
)
from uplift.apps.measurements import selectors as measurement_selectors
from uplift.apps.measurements.choices import ObjectiveKind
from uplift.domain.proposal_lifecycle import TRANSITIONS, Transition, available_transitions

__all__ = [
    "ProposalBenefitAddView",
    "ProposalBenefitRemoveView",
    "ProposalCreateView",
    "ProposalDetailView",
    "ProposalListView",
    "ProposalSuggestView",
    "ProposalTransitionView",
    "ProposalUpdateView",
    "urlpatterns",
]

# States in which a proposal is piloted, and in which a plan may address it.
PILOT_STATES = (ProposalState.SELECTED_FOR_VALIDATION, ProposalState.VALIDATING)
PLAN_STATES = (
    ProposalState.SELECTED_FOR_VALIDATION,
    ProposalState.VALIDATING,
    ProposalState.VALIDATED,
    ProposalState.SELECTED_FOR_DEPLOYMENT,
    ProposalState.DEPLOYING,
    ProposalState.DEPLOYED,
)


def _bad_request(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "common/bad_request.html", {"message": message}, status=400)


def _visible(request: HttpRequest, pk: int) -> Proposal:
    """The proposal with what its pages show; 404 if none, 403 if the user may not see it."""
    proposal = selectors.proposal_get(pk=pk)
    if not proposal_can_see(request.user, proposal):
        raise PermissionDenied("You may not see this proposal.")
    return proposal


def offered_transitions(user: Any, proposal: Proposal) -> list[Transition]:
    """The transitions out of the proposal's state that ``user`` may make."""
    return [
        t
        for t in available_transitions(proposal.state)
        if proposal_can_transition(user, t.permission)
    ]


# -- list --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProposalRow:
    """One line of the proposals' CSV."""

    proposal: Proposal

    @property
    def process_areas(self) -> str:
        return " ".join(area.abbreviation for area in self.proposal.process_areas.all())

    @property
    def pilot_required(self) -> bool:
        return bool(proposal_pilot_reasons(self.proposal))


class ProposalListView(ObjectListView):
    """The proposals the user may see: filtered, sorted, paged, exported as CSV."""

    model = Proposal
    permission_required: ClassVar[tuple[str, ...]] = ()  # type: ignore[misc]  # scoped below
    template_name = "improvements/proposal_list.html"
    table_template_name = "partials/improvements/proposal_table.html"
    filterset_class = ProposalFilterSet
    paginate_by = 25
    sort_fields: ClassVar[dict[str, str | tuple[str, ...]]] = {
        "submitted": ("submitted_at",),
        "title": ("title",),
        "state": ("state_order", "submitted_at"),
        "category": ("category", "submitted_at"),
    }
    default_sort = "-submitted"
    export_columns: ClassVar[list[tuple[str, str]]] = [
        ("Reference", "proposal.reference"),
        ("Title", "proposal.title"),
        ("State", "proposal.state"),
        ("Source", "proposal.source_kind"),
        ("Source reference", "proposal.source_reference"),
        ("Finding", "proposal.finding_id"),
        ("QPPO", "proposal.objective_id"),
        ("Process areas", "process_areas"),
        ("Category", "proposal.category"),
        ("Size", "proposal.size"),
        ("Proven", "proposal.proven"),
        ("Pilot required", "pilot_required"),
        ("Validation method", "proposal.validation_method"),
        ("Estimated cost", "proposal.estimated_cost"),
        ("Running cost per month", "proposal.running_cost"),
        ("Effort (person-hours)", "proposal.estimated_effort"),
        ("Weeks to benefit", "proposal.estimated_duration_weeks"),
        ("Submitted by", "proposal.submitted_by.username"),
        ("Submitted at", "proposal.submitted_at"),
        ("State changed at", "proposal.state_changed_at"),
    ]
    title = "Improvement proposals"
    empty_message = "No improvement proposals yet."

    def get_base_queryset(self) -> QuerySet[Proposal]:
        """What the user may see (``selectors.proposal_list``)."""
        return selectors.proposal_list(user=self.request.user)

    def export_name(self) -> str:
        return "improvement-proposals"

    # A CSV export streams (StreamingHttpResponse is no HttpResponse subclass).
    def get(  # type: ignore[override]
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        """The CSV has a line per proposal, with its areas and whether it needs a pilot."""
        if request.GET.get("export") != "csv":
            return super().get(request, *args, **kwargs)
        try:
            self.list_query = self.parse_query(request.GET)
            self.filterset = self.build_filterset()
        except InvalidListQuery:
            return super().get(request, *args, **kwargs)  # renders the 400
        rows = (ProposalRow(p) for p in self.get_queryset().iterator(chunk_size=500))
        return csv_response(rows, self.export_columns, filename=f"{self.export_name()}.csv")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["can_add"] = user.has_perm("improvements.add_proposal")
        context["sees_all"] = user.has_perm("improvements.view_proposal")
        return context


# -- suggest and create ------------------------------------------------------------------


class ProposalSuggestView(LoginRequiredMixin, View):
    """The simple form: anyone signed in may suggest an improvement."""

    template_name = "improvements/proposal_suggest.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": SuggestionForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        if not proposal_can_submit(request.user):
            raise PermissionDenied("Sign in to suggest an improvement.")
        form = SuggestionForm(request.POST)
        if form.is_valid():
            try:
                proposal = proposal_create(actor=request.user, **form.values())
            except ImprovementError as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request,
                    f"Thank you: your suggestion is {proposal.reference}. The process group "
                    "will analyze it; this page shows where it stands.",
                )
                return redirect("improvements:proposal_detail", proposal.pk)
        return render(request, self.template_name, {"form": form}, status=400)


@dataclass(frozen=True)
class Source:
    """What a new proposal starts from: a finding or a QPPO (with its status), or nothing."""

    finding: Any = None
    objective: Any = None
    status: Any = None  # the QPPO's ObjectiveStatus


def _findings(request: HttpRequest) -> QuerySet[Any]:
    """The findings the user may see (in the appraisals they may see), with their appraisal."""
    return finding_list(user=request.user).select_related("appraisal__model")


def _finding(request: HttpRequest, raw: str | None) -> Any:
    """The finding of a ``?finding=`` or form value; ``Http404`` when the user cannot see it."""
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404("No such finding.")
    try:
        return _findings(request).get(pk=int(raw))
    except ObjectDoesNotExist:
        raise Http404("No such finding.") from None


def _qppo(raw: str | None) -> Any:
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404("No such QPPO.")
    try:
        objective = measurement_selectors.objective_get(pk=int(raw))
    except ObjectDoesNotExist:
        raise Http404("No such QPPO.") from None
    if objective.kind != ObjectiveKind.QPPO:
        raise Http404("That objective is a business objective, not a QPPO.")
    return objective


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.4g}"


def _shortfall_text(objective: Any, status: Any) -> str:
    """The problem statement a QPPO's status suggests."""
    measure = objective.measure
    statistic = objective.get_statistic_display().lower()
    unit = measure.unit
    # Without a stored baseline the status is judged from today's data (issue 4).
    basis = (
        f" (provisional: from current data, n = {status.n}, "
        f"{status.period_start:%Y-%m-%d} to {status.period_end:%Y-%m-%d}; no stored baseline)"
        if status.provisional
        else ""
    )
    if status.status == "not_met":
        gap = f"short by {_number(status.gap)} {unit}"
        if status.percent_gap is not None:
            gap += f" ({status.percent_gap:.0f}% of the target)"
        return (
            f"The QPPO “{objective.name}” is not met: the {statistic} of {measure.name.lower()} "
            f"is {_number(status.value)} {unit} against a target of "
            f"{_number(objective.target)} {unit}, {gap}{basis}."
        )
    if status.status == "met":
        return (
            f"The QPPO “{objective.name}” is met today: the {statistic} of "
            f"{measure.name.lower()} is {_number(status.value)} {unit} against a target of "
            f"{_number(objective.target)} {unit}{basis}."
        )
    return f"No stored baseline of {measure.name.lower()} judges the QPPO “{objective.name}” yet."


def _initial_from(source: Source) -> dict[str, Any]:
    """The form's initial values for a new proposal from a finding or a QPPO."""
    finding, objective = source.finding, source.objective
    if finding is not None:
        area = finding.process_area.abbreviation
        first_line = " ".join(finding.text.split())
        return {
            "source_kind": SourceKind.APPRAISAL_WEAKNESS
            if finding.kind == FindingKind.WEAKNESS
            else SourceKind.APPRAISAL_FINDING,
            "finding": finding.pk,
            "title": f"{area}: {first_line[:120]}",
            "problem_statement": finding.text,
            "model": finding.appraisal.model.reference,
            "process_areas": area,
            "practices": ", ".join(f"{area} {p.identifier}" for p in finding.practices.all()),
        }
    if objective is not None:
        return {
            "source_kind": SourceKind.QPPO_SHORTFALL,
            "objective": objective.pk,
            "title": f"Close the shortfall of {objective.name}"[:200],
            "problem_statement": _shortfall_text(objective, source.status),
        }
    return {}


class ProposalCreateView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """The full form. ``?finding=<id>`` starts from an appraisal finding (a weakness, or
    any finding), ``?objective=<id>`` from a QPPO's shortfall: the source is chosen and
    the title, problem and addressed practices filled in."""

    permission_required = "improvements.add_proposal"
    template_name = "improvements/proposal_form.html"

    def source(self, request: HttpRequest, data: Any) -> Source:
        finding = _finding(request, data.get("finding") or request.GET.get("finding"))
        objective = _qppo(request.GET.get("objective"))
        status = (
            measurement_selectors.objective_status(objective) if objective is not None else None
        )
        return Source(finding=finding, objective=objective, status=status)

    def render_form(
        self, request: HttpRequest, form: ProposalForm, source: Source, status: int = 200
    ) -> HttpResponse:
        context = {"form": form, "source": source, "source_url": _source_url(source.finding)}
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        source = self.source(request, {})
        form = ProposalForm(
            initial=_initial_from(source), findings=_findings(request), finding=source.finding
        )
        return self.render_form(request, form, source)

    def post(self, request: HttpRequest) -> HttpResponse:
        source = self.source(request, request.POST)
        form = ProposalForm(request.POST, findings=_findings(request), finding=source.finding)
        if form.is_valid():
            try:
                proposal = proposal_create(actor=request.user, **form.values())
            except ImprovementError as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request,
                    f"{proposal.reference} is submitted. Add the benefits you expect below.",
                )
                return redirect("improvements:proposal_detail", proposal.pk)
        return self.render_form(request, form, source, status=400)


def _source_url(finding: Any) -> str:
    """The findings page of the finding's appraisal, at its process area."""
    if finding is None:
        return ""
    url = reverse("appraisals:finding_list", args=[finding.appraisal_id])
    return f"{url}#area-{slugify(finding.process_area.abbreviation)}"


# -- detail ------------------------------------------------------------------------------


def detail_context(
    request: HttpRequest, proposal: Proposal, benefit_form: BenefitForm | None = None
) -> dict[str, Any]:
    """What the proposal's page shows, and what the user may do there."""
    user = request.user
    can_edit = proposal_can_edit(user, proposal)
    pilots = list(proposal.pilots.all())
    objective_status = (
        measurement_selectors.objective_status(proposal.objective)
        if proposal.objective is not None
        else None
    )
    return {
        "proposal": proposal,
        "source_url": _source_url(proposal.finding),
        "objective_status": objective_status,
        "areas": list(proposal.process_areas.all()),
        "practice_refs": selectors.proposal_practice_references(proposal),
        "pilot_reasons": proposal_pilot_reasons(proposal),
        "pilot_passed": any(p.decision == PilotDecision.PROCEED for p in pilots),
        "pilots": pilots,
        "plans": list(proposal.plans.all()),
        "benefits": list(proposal.benefits.all()),
        "transitions": list(proposal.transitions.all()),
        "offered": offered_transitions(user, proposal),
        "can_edit": can_edit,
        "benefit_form": benefit_form or (BenefitForm() if can_edit else None),
        "can_add_pilot": user.has_perm("improvements.add_pilot") and proposal.state in PILOT_STATES,
        "can_add_plan": user.has_perm("improvements.add_actionplan")
        and proposal.state in PLAN_STATES,
        "sees_all": user.has_perm("improvements.view_proposal"),
    }


class ProposalDetailView(LoginRequiredMixin, View):
    """A proposal: its source, what it addresses, content, pilot rule, expected benefits,
    transitions (who, when, why), the moves the user may make, scores, pilots, plans
    and history."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        proposal = _visible(request, pk)
        return render(
            request, "improvements/proposal_detail.html", detail_context(request, proposal)
        )


class ProposalBenefitAddView(LoginRequiredMixin, View):
    """POST: add an expected benefit (``benefit_add``); whoever may edit the proposal."""

    http_method_names: ClassVar[list[str]] = ["post"]  # type: ignore[misc]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        proposal = _visible(request, pk)
        if not proposal_can_edit(request.user, proposal):
            raise PermissionDenied("You may not change the expected benefits of this proposal.")
        form = BenefitForm(request.POST)
        if form.is_valid():
            try:
                benefit_add(proposal=proposal, actor=request.user, **form.cleaned_data)
            except ImprovementError as error:
                add_service_error(form, error)
            else:
                messages.success(request, "The expected benefit is added.")
                return redirect(
                    f"{reverse('improvements:proposal_detail', args=[pk])}#benefits-heading"
                )
        context = detail_context(request, proposal, benefit_form=form)
        return render(request, "improvements/proposal_detail.html", context, status=400)


class ProposalBenefitRemoveView(LoginRequiredMixin, View):
    """POST: remove an expected benefit (``benefit_remove``)."""

    http_method_names: ClassVar[list[str]] = ["post"]  # type: ignore[misc]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            benefit = ExpectedBenefit.objects.select_related("proposal").get(pk=pk)
        except ExpectedBenefit.DoesNotExist:
            raise Http404("No such expected benefit.") from None
        if not proposal_can_see(request.user, benefit.proposal):
            raise PermissionDenied("You may not see this proposal.")
        benefit_remove(benefit=benefit, actor=request.user)
        messages.success(request, "The expected benefit is removed.")
        return redirect(
            f"{reverse('improvements:proposal_detail', args=[benefit.proposal_id])}"
            "#benefits-heading"
        )


# -- edit --------------------------------------------------------------------------------


def _initial_of(proposal: Proposal) -> dict[str, Any]:
    """The full form's values for a stored proposal."""
    areas = list(proposal.process_areas.all())
    names = (
        "title",
        "source_kind",
        "source_reference",
        "problem_statement",
        "proposed_change",
        "category",
        "size",
        "proven",
        "estimated_cost",
        "running_cost",
        "estimated_effort",
        "estimated_duration_weeks",
        "risks",
        "barriers",
        "success_criteria",
        "validation_method",
        "version",
    )
    initial = {name: getattr(proposal, name) for name in names}
    initial |= {
        "finding": proposal.finding_id,
        "objective": proposal.objective_id,
        "process_areas": ", ".join(area.abbreviation for area in areas),
        "practices": ", ".join(selectors.proposal_practice_references(proposal)),
    }
    if areas:
        initial["model"] = areas[0].model.reference
    return initial


class ProposalUpdateView(LoginRequiredMixin, View):
    """Edit a proposal (``proposal_can_edit``); an edit from an older version is refused
    (409) with the user's input kept."""

    template_name = "improvements/proposal_form.html"

    def editable(self, request: HttpRequest, pk: int) -> Proposal:
        proposal = _visible(request, pk)
        if not proposal_can_edit(request.user, proposal):
            raise PermissionDenied("You may not edit this proposal.")
        return proposal

    def render_form(
        self, request: HttpRequest, form: ProposalForm, proposal: Proposal, status: int = 200
    ) -> HttpResponse:
        context = {"form": form, "proposal": proposal, "source": Source()}
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        proposal = self.editable(request, pk)
        form = ProposalForm(
            initial=_initial_of(proposal), findings=_findings(request), finding=proposal.finding
        )
        return self.render_form(request, form, proposal)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        proposal = self.editable(request, pk)
        form = ProposalForm(request.POST, findings=_findings(request), finding=proposal.finding)
        status = 400
        if form.is_valid():
            try:
                proposal_update(
                    proposal=proposal,
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
                messages.success(request, f"{proposal.reference} is saved.")
                return redirect("improvements:proposal_detail", proposal.pk)
        return self.render_form(request, form, proposal, status=status)


# -- transitions -------------------------------------------------------------------------


class ProposalTransitionView(LoginRequiredMixin, View):
    """GET ``?name=``: confirm a transition and give the reason; POST: make it.

    A transition the user may not make answers 403 (nothing changes); one the life
    cycle refuses shows the form again with the reason why (400); a stale version 409.
    """

    template_name = "improvements/proposal_transition.html"

    def render_form(
        self,
        request: HttpRequest,
        proposal: Proposal,
        form: TransitionForm,
        chosen: Transition | None,
        status: int = 200,
        refusal: str = "",
    ) -> HttpResponse:
        reasons = proposal_pilot_reasons(proposal)
        piloted = chosen is not None and chosen.name in ("validate", "select_for_deployment")
        context = {
            "proposal": proposal,
            "form": form,
            "chosen": chosen,
            "target_label": ProposalState(chosen.target).label if chosen else "",
            "pilot_reasons": reasons if piloted else [],
            "refusal": refusal,
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        proposal = _visible(request, pk)
        name = request.GET.get("name", "")
        offered = offered_transitions(request.user, proposal)
        chosen = None
        if name:
            chosen = TRANSITIONS.get(name)
            if chosen is None:
                return _bad_request(request, f"There is no transition {name!r}.")
            if not proposal_can_transition(request.user, chosen.permission):
                raise PermissionDenied(f"You may not {chosen.label.lower()} proposals.")
        elif not offered:
            raise PermissionDenied("You may make no transition of this proposal now.")
        form = TransitionForm(
            initial={"name": name, "version": proposal.version},
            transitions=[chosen] if chosen else offered,
        )
        if chosen is not None and chosen not in offered:
            state = proposal.get_state_display().lower()
            refusal = f"{proposal.reference} is {state}: it cannot be moved that way."
            return self.render_form(request, proposal, form, chosen, status=400, refusal=refusal)
        return self.render_form(request, proposal, form, chosen)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        proposal = _visible(request, pk)
        form = TransitionForm(request.POST, transitions=list(TRANSITIONS.values()))
        chosen = TRANSITIONS.get(request.POST.get("name", ""))
        status = 400
        if form.is_valid():
            try:
                proposal_transition(
                    proposal=proposal,
                    name=form.cleaned_data["name"],
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    expected_version=form.cleaned_data.get("version"),
                )
            except ConflictError as error:
                form.add_error(None, error.message)
                status = 409
            except ImprovementError as error:
                form.add_error("reason" if error.field == "reason" else None, error.message)
            else:
                messages.success(
                    request,
                    f"{proposal.reference} is {proposal.get_state_display().lower()}.",
                )
                return redirect("improvements:proposal_detail", proposal.pk)
        return self.render_form(request, proposal, form, chosen, status=status)


urlpatterns: list[URLPattern] = [
    path("", ProposalListView.as_view(), name="proposal_list"),
    path("proposals/new/", ProposalCreateView.as_view(), name="proposal_create"),
    path("proposals/suggest/", ProposalSuggestView.as_view(), name="proposal_suggest"),
    path("proposals/<int:pk>/", ProposalDetailView.as_view(), name="proposal_detail"),
    path("proposals/<int:pk>/edit/", ProposalUpdateView.as_view(), name="proposal_update"),
    path(
        "proposals/<int:pk>/transition/",
        ProposalTransitionView.as_view(),
        name="proposal_transition",
    ),
    path(
        "proposals/<int:pk>/benefits/new/",
        ProposalBenefitAddView.as_view(),
        name="proposal_benefit_add",
    ),
    path(
        "proposals/benefits/<int:pk>/delete/",
        ProposalBenefitRemoveView.as_view(),
        name="proposal_benefit_remove",
    ),
]
