"""Forms of the selection pages: they shape input; ``services.selection`` checks the rules.

- ``SelectionQueryForm``: the selection page's question (GET): the states considered,
  a budget, and what-if weights ``w_<slug>`` (not saved). Any other parameter, or a
  value that does not parse, is a 400.
- ``ScoreMatrixForm``: the scores matrix as one form, a select per proposal and
  criterion (``s-<proposal id>-<criterion id>``: blank, or 1 to 5).
- ``ProposalScoresForm``: one proposal's scores with their notes.
- ``CriterionForm``: a criterion and its weight.

A rule a service refuses (``ImprovementError``) is shown beside its field with
``add_service_error``.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms

from uplift.apps.common.forms import AccessibleFormMixin
from uplift.apps.improvements.choices import CriterionDirection, ProposalState
from uplift.apps.improvements.errors import ImprovementError
from uplift.apps.improvements.models import Criterion, Proposal, Score
from uplift.apps.improvements.services.selection import CANDIDATE_STATES, ScoreChange

__all__ = [
    "SCORE_CHOICES",
    "CriterionForm",
    "InvalidSelectionQuery",
    "ProposalScoresForm",
    "ScoreMatrixForm",
    "SelectionQueryForm",
    "add_service_error",
]

SCORE_CHOICES = [("", "—"), *((str(n), str(n)) for n in range(1, 6))]
WEIGHT_PREFIX = "w_"


def add_service_error(form: forms.BaseForm, error: ImprovementError) -> None:
    """Show a refused write beside its field, or above the form when no field matches."""
    if error.field in form.fields and error.field != "version":
        form.add_error(error.field, error.message)
    else:
        form.add_error(None, error.message)


class InvalidSelectionQuery(ValueError):
    """A selection question that cannot be answered; the page shows it with a 400."""


class SelectionQueryForm(AccessibleFormMixin, forms.Form):
    """The selection page's question; ``w_<slug>`` fields come from the criteria."""

    states = forms.MultipleChoiceField(
        choices=ProposalState.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The proposals the selection considers (none ticked: analyzed, selected "
        "for validation, validating and validated).",
    )
    budget = forms.DecimalField(
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text="One-off cost the portfolio may spend.",
    )

    def __init__(self, data: Any = None, *, criteria: Sequence[Criterion] = ()) -> None:
        super().__init__(data)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            self.fields[f"{WEIGHT_PREFIX}{criterion.slug}"] = forms.DecimalField(
                required=False,
                min_value=0,
                max_digits=9,
                decimal_places=3,
                label=criterion.name,
                widget=forms.NumberInput(attrs={"step": "0.01", "placeholder": criterion.weight}),
            )

    @classmethod
    def parse(cls, params: Any, *, criteria: Sequence[Criterion]) -> SelectionQueryForm:
        """The bound, valid form, or ``InvalidSelectionQuery`` naming what is wrong."""
        form = cls(params, criteria=criteria)
        unknown = sorted(set(params) - set(form.fields))
        if unknown:
            raise InvalidSelectionQuery(f"Unknown parameter: {', '.join(unknown)}.")
        for name in ("budget", *(f"{WEIGHT_PREFIX}{c.slug}" for c in criteria)):
            if len(params.getlist(name)) > 1:
                raise InvalidSelectionQuery(f"The parameter {name} may be given once.")
        if not form.is_valid():
            problems = "; ".join(
                f"{name}: {' '.join(str(e) for e in errors)}"
                for name, errors in form.errors.items()
            )
            raise InvalidSelectionQuery(f"Invalid parameter: {problems}")
        return form

    def states_value(self) -> tuple[str, ...]:
        return tuple(self.cleaned_data.get("states") or CANDIDATE_STATES)

    def weights(self) -> dict[str, Decimal]:
        """The what-if weights given, by slug."""
        return {
            c.slug: self.cleaned_data[f"{WEIGHT_PREFIX}{c.slug}"]
            for c in self.criteria
            if self.cleaned_data.get(f"{WEIGHT_PREFIX}{c.slug}") is not None
        }

    def weight_fields(self) -> list[forms.BoundField]:
        return [self[f"{WEIGHT_PREFIX}{c.slug}"] for c in self.criteria]


def _score(value: str) -> int | None:
    return int(value) if value else None


class ScoreMatrixForm(forms.Form):
    """A select per proposal and criterion; ``changes()`` lists every cell as submitted.

    Only cells present in the submission count (a partial submission, such as htmx's
    one changed cell, leaves the others alone).
    """

    def __init__(
        self,
        data: Any = None,
        *,
        proposals: Sequence[Proposal],
        criteria: Sequence[Criterion],
        scores: dict[tuple[int, int], Score] | None = None,
    ) -> None:
        super().__init__(data)
        self.cells: list[tuple[Proposal, Criterion, str]] = []
        scores = scores or {}
        for proposal in proposals:
            for criterion in criteria:
                name = f"s-{proposal.pk}-{criterion.pk}"
                stored = scores.get((proposal.pk, criterion.pk))
                self.fields[name] = forms.TypedChoiceField(
                    choices=SCORE_CHOICES,
                    coerce=_score,
                    empty_value=None,
                    required=False,
                    label=f"{proposal.reference} on {criterion.name}",
                    initial=str(stored.value) if stored else "",
                )
                self.cells.append((proposal, criterion, name))

    def field_name(self, proposal: Proposal, criterion: Criterion) -> str:
        return f"s-{proposal.pk}-{criterion.pk}"

    def changes(self) -> list[ScoreChange]:
        """The submitted cells (value None: clear the score)."""
        submitted = set(self.data)
        return [
            ScoreChange(proposal=p, criterion=c, value=self.cleaned_data.get(name))
            for p, c, name in self.cells
            if name in submitted
        ]


class ProposalScoresForm(AccessibleFormMixin, forms.Form):
    """One proposal's score (blank, or 1 to 5) and note on each active criterion."""

    def __init__(
        self,
        data: Any = None,
        *,
        proposal: Proposal,
        criteria: Sequence[Criterion],
        scores: dict[int, Score],
    ) -> None:
        super().__init__(data)
        self.proposal = proposal
        self.criteria = list(criteria)
        for criterion in self.criteria:
            stored = scores.get(criterion.pk)
            direction = (
                "5 is best" if criterion.direction == CriterionDirection.BENEFIT else "5 is worst"
            )
            self.fields[f"value-{criterion.pk}"] = forms.TypedChoiceField(
                choices=SCORE_CHOICES,
                coerce=_score,
                empty_value=None,
                required=False,
                label=f"{criterion.name} ({direction})",
                initial=str(stored.value) if stored else "",
                help_text=criterion.description,
            )
            self.fields[f"note-{criterion.pk}"] = forms.CharField(
                required=False,
                max_length=300,
                label=f"Note on {criterion.name}",
                initial=stored.note if stored else "",
            )

    def rows(self) -> list[tuple[Criterion, forms.BoundField, forms.BoundField]]:
        return [(c, self[f"value-{c.pk}"], self[f"note-{c.pk}"]) for c in self.criteria]

    def changes(self) -> list[ScoreChange]:
        return [
            ScoreChange(
                proposal=self.proposal,
                criterion=c,
                value=self.cleaned_data.get(f"value-{c.pk}"),
                note=self.cleaned_data.get(f"note-{c.pk}") or "",
            )
            for c in self.criteria
        ]


class CriterionForm(AccessibleFormMixin, forms.Form):
    """A criterion of the decision analysis (create and edit)."""

    name = forms.CharField(max_length=100)
    slug = forms.SlugField(
        max_length=50,
        help_text="Lower-case letters, digits and hyphens; the what-if parameter is "
        "<code>w_&lt;slug&gt;</code>.",
    )
    description = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What a score of 1 and of 5 mean.",
    )
    direction = forms.ChoiceField(choices=CriterionDirection.choices)
    weight = forms.DecimalField(
        min_value=0,
        max_digits=6,
        decimal_places=3,
        help_text="Relative importance, 0 or more; the analysis scales the active "
        "criteria's weights to sum 1.",
    )
    position = forms.IntegerField(
        min_value=0, required=False, help_text="Order of the columns; empty: last."
    )
    active = forms.BooleanField(
        required=False, initial=True, help_text="Inactive criteria are neither scored nor used."
    )

    @classmethod
    def initial_for(cls, criterion: Criterion) -> dict[str, Any]:
        return {
            name: getattr(criterion, name)
            for name in ("name", "slug", "description", "direction", "weight", "position", "active")
        }

    def values(self) -> dict[str, Any]:
        """The service's keyword arguments (``position`` left out when empty)."""
        data = dict(self.cleaned_data)
        if data.get("position") is None:
            data.pop("position", None)
        return data
