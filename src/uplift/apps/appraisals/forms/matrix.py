"""Forms of the matrix page: its filters and one cell's editor (shape only).

The rules (which values, which practices, a closed appraisal) are the service's:
``services.appraisal_characterize`` raises ``AppraisalError`` and the view shows it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms

from uplift.apps.appraisals.choices import PracticeValue, UnitKind
from uplift.apps.appraisals.matrix import EMPTY, MatrixFilters
from uplift.apps.common.forms import AccessibleFormMixin

__all__ = ["CellForm", "MatrixFilterForm"]


class MatrixFilterForm(AccessibleFormMixin, forms.Form):
    """The matrix's filters from the query string; choices come from the appraisal.

    ``area`` may be given several times; an unknown area or goal, a value other than
    FI…NY or ``empty``, or an unknown unit kind is invalid (the view answers 400).
    """

    area = forms.MultipleChoiceField(
        label="Process areas",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every process area in scope.",
    )
    goal = forms.ChoiceField(label="Goal", required=False)
    value = forms.ChoiceField(
        label="Rows with a cell",
        required=False,
        choices=[
            ("", "Any value"),
            *((value, f"{value} · {label.lower()}") for value, label in PracticeValue.choices),
            (EMPTY, "Not characterized"),
        ],
    )
    kind = forms.ChoiceField(
        label="Units",
        required=False,
        choices=[("", "All units"), *UnitKind.choices],
    )
    judgment = forms.BooleanField(
        label="Only practices that need a team judgment",
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        areas: Iterable[tuple[str, str]],
        goals: Iterable[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        """``areas``: ``(abbreviation, label)`` in scope; ``goals``: ``(reference, label)``."""
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["area"]).choices = list(areas)
        cast(forms.ChoiceField, self.fields["goal"]).choices = [("", "Any goal"), *goals]

    def filters(self) -> MatrixFilters:
        """The validated filters; call after ``is_valid()``."""
        data = self.cleaned_data
        return MatrixFilters(
            areas=frozenset(data["area"]),
            goal=data["goal"],
            value=data["value"],
            unit_kind=data["kind"],
            needs_judgment=bool(data["judgment"]),
        )


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class CellForm(AccessibleFormMixin, forms.Form):
    """One cell's value, notes, weaknesses and strengths (one per line)."""

    value = forms.ChoiceField(
        label="Characterization",
        choices=[("", "Choose a value"), *PracticeValue.choices],
    )
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    weaknesses = forms.CharField(
        label="Weaknesses",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One per line.",
    )
    strengths = forms.CharField(
        label="Strengths",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One per line.",
    )

    def clean_weaknesses(self) -> list[str]:
        return _lines(self.cleaned_data["weaknesses"])

    def clean_strengths(self) -> list[str]:
        return _lines(self.cleaned_data["strengths"])
