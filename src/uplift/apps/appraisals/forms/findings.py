"""Forms of the findings pages: one finding (shape only; ``services.findings`` rules)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms

from uplift.apps.appraisals.choices import FindingKind
from uplift.apps.appraisals.workspace import ScopeArea
from uplift.apps.common.forms import AccessibleFormMixin

__all__ = ["FindingForm"]


class FindingForm(AccessibleFormMixin, forms.Form):
    """A strength or weakness of a process area, optionally of one of its goals.

    ``area`` (an abbreviation) narrows the goals and practices offered to that area;
    without it every area in scope is offered and the service checks that they match.
    """

    kind = forms.ChoiceField(choices=FindingKind.choices, label="Kind", widget=forms.RadioSelect)
    process_area = forms.ChoiceField(label="Process area")
    goal = forms.ChoiceField(
        required=False,
        label="Goal",
        help_text="Optional: the goal the finding is about; leave empty for the whole area.",
    )
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Finding",
        help_text="As it will read in the findings presentation and the report; no names.",
    )
    practices = forms.MultipleChoiceField(
        required=False,
        label="Practices",
        help_text="The practices the finding is about (of the area, and of the goal if one "
        "is chosen).",
    )

    def __init__(
        self, *args: Any, scope: Sequence[ScopeArea], area: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.scope = scope
        self.offered = [a for a in scope if area is None or a.abbreviation == area] or list(scope)
        cast(forms.ChoiceField, self.fields["process_area"]).choices = [
            ("", "Choose a process area"),
            *((a.abbreviation, f"{a.abbreviation} {a.name}") for a in scope),
        ]
        goal_groups: list[tuple[str, list[tuple[str, str]]]] = [
            (a.abbreviation, [(g.ref, f"{g.ref} {g.title}") for g in a.goals]) for a in self.offered
        ]
        cast(forms.ChoiceField, self.fields["goal"]).choices = [
            ("", "The whole process area"),
            *goal_groups,
        ]
        cast(forms.MultipleChoiceField, self.fields["practices"]).choices = [
            (ref, ref) for a in scope for ref in a.practice_refs
        ]

    def chosen_practices(self) -> list[str]:
        """The practices ticked (bound) or stored (initial), for the grouped checkboxes."""
        value = self["practices"].value() or []
        return [str(item) for item in value]
