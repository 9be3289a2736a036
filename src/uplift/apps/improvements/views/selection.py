"""Pages of the selection: the scores matrix with the ranking, its sensitivity to the
weights and the portfolio within a budget; one proposal's scores; the criteria.

Access: anonymous visitors are sent to sign in. Reading needs
``improvements.view_proposal``, ``view_score`` and ``view_criterion`` (every role);
scoring needs ``add_score`` / ``change_score`` (clearing a score ``delete_score``),
editing criteria ``add_criterion`` / ``change_criterion``: the process group's work.
A denied write answers 403 and changes nothing (the services raise
``PermissionDenied``). The selection page's question is its query string:
``states`` (repeated), ``budget`` and what-if weights ``w_<slug>`` (not saved); an
unknown parameter or a value that does not parse answers 400.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.forms import BoundField
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views import View

from uplift.apps.common.views import wants_fragment
from uplift.apps.improvements import selectors
from uplift.apps.improvements.choices import ProposalState
from uplift.apps.improvements.errors import ImprovementError
from uplift.apps.improvements.forms.selection import (
    CriterionForm,
    InvalidSelectionQuery,
    ProposalScoresForm,
    ScoreMatrixForm,
    SelectionQueryForm,
    add_service_error,
)
from uplift.apps.improvements.models import Criterion, Proposal
from uplift.apps.improvements.permissions import proposal_can_see
from uplift.apps.improvements.selectors_selection import (
    criterion_get,
    criterion_list,
    proposal_scorecard,
)
from uplift.apps.improvements.services.selection import (
    CANDIDATE_STATES,
    RankingResult,
    RankingRow,
    criteria_defaults_ensure,
    criterion_create,
    criterion_update,
    ranking_compute,
    score_matrix_save,
)
from uplift.domain.decision_analysis import as_decimal, sensitivity_sentences

__all__ = [
    "CriterionCreateView",
    "CriterionListView",
    "CriterionUpdateView",
    "ProposalScoresView",
    "SelectionView",
    "urlpatterns",
]

READ = ("improvements.view_proposal", "improvements.view_score", "improvements.view_criterion")
SCORE_PERMISSIONS = ("improvements.add_score", "improvements.change_score")


def _bad_request(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "common/bad_request.html", {"message": message}, status=400)


def can_score(user: Any) -> bool:
    """Whether ``user`` may score proposals (the process group)."""
    return any(user.has_perm(permission) for permission in SCORE_PERMISSIONS)


def _share(weight: Fraction) -> Decimal:
    return as_decimal(weight * 100, 1)


# -- what the selection page shows -----------------------------------------------------------


@dataclass(frozen=True)
class CriterionColumn:
    criterion: Criterion
    weight: Decimal
    share: Decimal  # percent of the total weight
    overridden: bool


@dataclass(frozen=True)
class MatrixCell:
    criterion: Criterion
    score: int | None
    contribution: Decimal | None
    field: BoundField | None


@dataclass(frozen=True)
class MatrixRow:
    row: RankingRow
    total: Decimal
    cells: tuple[MatrixCell, ...]
    missing: tuple[str, ...]  # criterion names


@dataclass(frozen=True)
class SensitivityView:
    name: str
    weight: Decimal
    leader_text: str
    order_text: str
    headers: tuple[tuple[str, Decimal, bool], ...]  # label, weight, capped
    ranks: tuple[tuple[Proposal, int, tuple[int, ...]], ...]


def _matrix(result: RankingResult, form: ScoreMatrixForm | None) -> list[MatrixRow]:
    names = {c.slug: c.name for c in result.criteria}
    rows = []
    for row in result.rows:
        contributions = {c.criterion: c for c in row.ranked.contributions}
        cells = []
        for criterion in result.criteria:
            part = contributions[criterion.slug]
            cells.append(
                MatrixCell(
                    criterion=criterion,
                    score=part.score,
                    contribution=(
                        as_decimal(part.contribution) if part.contribution is not None else None
                    ),
                    field=form[form.field_name(row.proposal, criterion)] if form else None,
                )
            )
        rows.append(
            MatrixRow(
                row=row,
                total=as_decimal(row.ranked.total),
                cells=tuple(cells),
                missing=tuple(names[slug] for slug in row.ranked.missing),
            )
        )
    return rows


def _sensitivity(result: RankingResult) -> list[SensitivityView]:
    views = []
    for item in result.sensitivity:
        leader_text, order_text = sensitivity_sentences(item)
        headers = tuple((s.label, as_decimal(s.weight), s.capped) for s in item.scenarios)
        ranks = tuple(
            (
                row.proposal,
                row.ranked.rank,
                tuple(s.ranks[row.ranked.key] for s in item.scenarios),
            )
            for row in result.rows
        )
        views.append(
            SensitivityView(
                name=item.name,
                weight=as_decimal(item.weight),
                leader_text=leader_text,
                order_text=order_text,
                headers=headers,
                ranks=ranks,
            )
        )
    return views


def _scores_by_cell(result: RankingResult) -> dict[tuple[int, int], Any]:
    return {
        (row.proposal.pk, criterion_id): score
        for row in result.rows
        for criterion_id, score in row.scores.items()
    }


class SelectionView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """The scores matrix, ranking, sensitivity and portfolio (see the module)."""

    permission_required = READ
    template_name = "improvements/selection.html"
    fragment_name = "partials/improvements/selection_results.html"

    def _question(
        self, request: HttpRequest
    ) -> tuple[SelectionQueryForm, RankingResult | None] | HttpResponse:
        """The page's question and its answer (None without criteria), or a 400."""
        criteria = list(criterion_list(active=True))
        try:
            query = SelectionQueryForm.parse(request.GET, criteria=criteria)
        except InvalidSelectionQuery as error:
            return _bad_request(request, str(error))
        if not criteria:
            return query, None
        try:
            result = ranking_compute(
                states=query.states_value(),
                weights=query.weights(),
                budget=query.cleaned_data.get("budget"),
            )
        except ImprovementError as error:
            return _bad_request(request, error.message)
        return query, result

    def _render(
        self,
        request: HttpRequest,
        query: SelectionQueryForm,
        result: RankingResult | None,
        matrix: ScoreMatrixForm | None,
        status: int = 200,
    ) -> HttpResponse:
        user = request.user
        context: dict[str, Any] = {
            "query": query,
            "result": result,
            "can_score": can_score(user),
            "can_change_criteria": user.has_perm("improvements.change_criterion"),
            "can_add_criteria": user.has_perm("improvements.add_criterion"),
            "matrix_form": matrix,
            "default_states": [ProposalState(s).label for s in CANDIDATE_STATES],
        }
        if result is not None:
            portfolio = result.portfolio
            context.update(
                {
                    "columns": [
                        CriterionColumn(
                            criterion=c,
                            weight=result.weights[c.slug],
                            share=_share(result.normalized[c.slug]),
                            overridden=c.slug in result.overridden,
                        )
                        for c in result.criteria
                    ],
                    "what_if": [
                        f"the weight of {c.name} ({result.weights[c.slug]})"
                        for c in result.criteria
                        if c.slug in result.overridden
                    ],
                    "rows": _matrix(result, matrix),
                    "sensitivity": _sensitivity(result),
                    "portfolio": portfolio,
                    "portfolio_rows": [
                        (result.row(r.key), as_decimal(r.total)) for r in portfolio.selected
                    ]
                    if portfolio
                    else [],
                    "portfolio_value": as_decimal(portfolio.total_value) if portfolio else None,
                    "portfolio_cost": as_decimal(portfolio.total_cost, 2) if portfolio else None,
                    "portfolio_remaining": as_decimal(portfolio.remaining, 2)
                    if portfolio
                    else None,
                    "excluded_no_cost": [result.row(r.key) for r in portfolio.excluded_no_cost]
                    if portfolio
                    else [],
                    "excluded_incomplete": [
                        result.row(r.key) for r in portfolio.excluded_incomplete
                    ]
                    if portfolio
                    else [],
                }
            )
        template = self.fragment_name if wants_fragment(request) else self.template_name
        return render(request, template, context, status=status)

    def _matrix_form(
        self, result: RankingResult | None, data: Any = None
    ) -> ScoreMatrixForm | None:
        if result is None or not can_score(self.request.user):
            return None
        return ScoreMatrixForm(
            data,
            proposals=[row.proposal for row in result.rows],
            criteria=list(result.criteria),
            scores=_scores_by_cell(result),
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        answer = self._question(request)
        if isinstance(answer, HttpResponse):
            return answer
        query, result = answer
        return self._render(request, query, result, self._matrix_form(result))

    def post(self, request: HttpRequest) -> HttpResponse:
        """Save the changed scores of the matrix (all or none), then show the page again."""
        if not can_score(request.user):
            raise PermissionDenied("You may not score proposals.")
        answer = self._question(request)
        if isinstance(answer, HttpResponse):
            return answer
        query, result = answer
        form = self._matrix_form(result, request.POST)
        if form is None:
            return _bad_request(request, "There is nothing to score: no criterion is active.")
        if form.is_valid():
            try:
                saved = score_matrix_save(actor=request.user, changes=form.changes())
            except ImprovementError as error:
                add_service_error(form, error)
            else:
                if not wants_fragment(request):
                    messages.success(
                        request,
                        f"{saved} score{'' if saved == 1 else 's'} saved."
                        if saved
                        else "No score changed.",
                    )
                    return HttpResponseRedirect(request.get_full_path(), status=303)
                answer = self._question(request)
                if isinstance(answer, HttpResponse):
                    return answer
                query, result = answer
                return self._render(request, query, result, self._matrix_form(result))
        # htmx swaps only successful answers: the fragment with its errors comes as a 200.
        status = 200 if wants_fragment(request) else 400
        return self._render(request, query, result, form, status=status)


# -- one proposal's scores ------------------------------------------------------------------


class ProposalScoresView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """One proposal's scores on each active criterion, with notes, who and when; the
    process group edits them here."""

    permission_required = ("improvements.view_score", "improvements.view_criterion")
    template_name = "improvements/proposal_scores.html"

    def _proposal(self, pk: int) -> Proposal:
        proposal = selectors.proposal_get(pk=pk)
        if not proposal_can_see(self.request.user, proposal):
            raise PermissionDenied("You may not see this proposal.")
        return proposal

    def _render(
        self, proposal: Proposal, form: ProposalScoresForm | None, status: int = 200
    ) -> HttpResponse:
        card = proposal_scorecard(proposal)
        if form is None and can_score(self.request.user):
            form = ProposalScoresForm(proposal=proposal, criteria=card.criteria, scores=card.scores)
        contributions = {c.criterion: c for c in card.ranked.contributions} if card.ranked else {}
        lines = []
        for criterion in card.criteria:
            part = contributions.get(criterion.slug)
            lines.append(
                {
                    "criterion": criterion,
                    "score": card.scores.get(criterion.pk),
                    "share": _share(card.normalized[criterion.slug]) if card.normalized else None,
                    "contribution": as_decimal(part.contribution)
                    if part and part.contribution is not None
                    else None,
                    "value": form[f"value-{criterion.pk}"] if form else None,
                    "note": form[f"note-{criterion.pk}"] if form else None,
                }
            )
        context = {
            "proposal": proposal,
            "card": card,
            "lines": lines,
            "form": form,
            "total": as_decimal(card.ranked.total) if card.ranked and card.scores else None,
            "missing": [
                c.name for c in card.criteria if card.ranked and c.slug in card.ranked.missing
            ],
            "candidate": proposal.state in CANDIDATE_STATES,
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._render(self._proposal(pk), None)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not can_score(request.user):
            raise PermissionDenied("You may not score proposals.")
        proposal = self._proposal(pk)
        card = proposal_scorecard(proposal)
        form = ProposalScoresForm(
            request.POST, proposal=proposal, criteria=card.criteria, scores=card.scores
        )
        if form.is_valid():
            try:
                saved = score_matrix_save(actor=request.user, changes=form.changes())
            except ImprovementError as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request,
                    f"{saved} score{'' if saved == 1 else 's'} saved."
                    if saved
                    else "No score changed.",
                )
                return redirect("improvements:proposal_scores", proposal.pk)
        return self._render(proposal, form, status=400)


# -- criteria --------------------------------------------------------------------------------


class CriterionListView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """The criteria with their weights and share of the total; ``POST`` creates the five
    defaults when there are none (``add_criterion``)."""

    permission_required = "improvements.view_criterion"
    template_name = "improvements/criterion_list.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        criteria = list(criterion_list())
        total = sum((Fraction(c.weight) for c in criteria if c.active), Fraction(0))
        rows = [
            (c, _share(Fraction(c.weight) / total) if c.active and total else None)
            for c in criteria
        ]
        context = {
            "rows": rows,
            "can_add": request.user.has_perm("improvements.add_criterion"),
            "can_change": request.user.has_perm("improvements.change_criterion"),
        }
        return render(request, self.template_name, context)

    def post(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("improvements.add_criterion"):
            raise PermissionDenied("You may not add criteria.")
        existed = criterion_list().exists()
        criteria_defaults_ensure()
        if existed:
            messages.warning(request, "Criteria exist already: the defaults were not added.")
        else:
            messages.success(request, "The five default criteria are in place.")
        return redirect("improvements:criterion_list")


class CriterionCreateView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Add a criterion of the decision analysis."""

    permission_required = "improvements.add_criterion"
    template_name = "improvements/criterion_form.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": CriterionForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = CriterionForm(request.POST)
        if form.is_valid():
            try:
                criterion = criterion_create(actor=request.user, **form.values())
            except ImprovementError as error:
                add_service_error(form, error)
            else:
                messages.success(request, f"The criterion “{criterion.name}” is added.")
                return redirect("improvements:criterion_list")
        return render(request, self.template_name, {"form": form}, status=400)


class CriterionUpdateView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Change a criterion: its name, weight, direction, position, whether it is used."""

    permission_required = "improvements.change_criterion"
    template_name = "improvements/criterion_form.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        criterion = criterion_get(pk=pk)
        form = CriterionForm(initial=CriterionForm.initial_for(criterion))
        return render(request, self.template_name, {"form": form, "criterion": criterion})

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        criterion = criterion_get(pk=pk)
        form = CriterionForm(request.POST)
        if form.is_valid():
            try:
                criterion_update(criterion=criterion, actor=request.user, **form.values())
            except ImprovementError as error:
                add_service_error(form, error)
            else:
                messages.success(request, f"The criterion “{criterion.name}” is saved.")
                return redirect("improvements:criterion_list")
        context = {"form": form, "criterion": criterion}
        return render(request, self.template_name, context, status=400)


urlpatterns: list[URLPattern] = [
    path("selection/", SelectionView.as_view(), name="selection"),
    path("proposals/<int:pk>/scores/", ProposalScoresView.as_view(), name="proposal_scores"),
    path("criteria/", CriterionListView.as_view(), name="criterion_list"),
    path("criteria/new/", CriterionCreateView.as_view(), name="criterion_create"),
    path("criteria/<int:pk>/edit/", CriterionUpdateView.as_view(), name="criterion_update"),
]
