"""Forms of the evidence pages: an artifact, an affirmation (shape only).

The rules (a link or a file, http(s) links, the size limit, practices in scope, a
role group that is not a person) live in ``services.evidence``; a refused edit comes
back as a form error on its field.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms

from uplift.apps.appraisals.choices import AffirmationKind
from uplift.apps.appraisals.workspace import ScopeArea
from uplift.apps.common.forms import AccessibleFormMixin

__all__ = ["AffirmationForm", "ArtifactForm", "EvidenceLinksMixin"]


class EvidenceLinksMixin(forms.Form):
    """The practices (of the areas in scope) and units a piece of evidence supports."""

    practices = forms.MultipleChoiceField(
        required=False,
        label="Practices supported",
        help_text="The practices this evidence supports, by process area.",
    )
    units = forms.MultipleChoiceField(
        required=False,
        label="Units",
        widget=forms.CheckboxSelectMultiple,
        help_text="The basic units or support functions where it supports them.",
    )

    def __init__(
        self, *args: Any, scope: Sequence[ScopeArea], units: Sequence[str], **kwargs: Any
    ) -> None:
        """``scope``: the areas in scope (``workspace.scope_practices``); ``units``: names."""
        super().__init__(*args, **kwargs)
        self.scope = scope
        cast(forms.MultipleChoiceField, self.fields["practices"]).choices = [
            (ref, ref) for area in scope for ref in area.practice_refs
        ]
        cast(forms.MultipleChoiceField, self.fields["units"]).choices = [
            (name, name) for name in units
        ]

    def chosen_practices(self) -> list[str]:
        """The practices ticked (bound) or stored (initial), for the grouped checkboxes."""
        value = self["practices"].value() or []
        return [str(item) for item in value]


class ArtifactForm(AccessibleFormMixin, EvidenceLinksMixin):
    """A document, record or tool output: a link or an uploaded file."""

    name = forms.CharField(max_length=300, label="Name")
    link = forms.URLField(
        required=False,
        max_length=1000,
        assume_scheme="https",
        label="Link",
        help_text="An http or https address. Give a link, upload a file, or both.",
    )
    file = forms.FileField(required=False, label="File", max_length=200)
    remove_file = forms.BooleanField(required=False, label="Remove the stored file")
    date = forms.DateField(
        required=False,
        label="Date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="The artifact's own date (YYYY-MM-DD).",
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    field_order = ["name", "link", "file", "remove_file", "date", "description"]

    def __init__(self, *args: Any, has_file: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not has_file:
            del self.fields["remove_file"]


class AffirmationForm(AccessibleFormMixin, EvidenceLinksMixin):
    """An interview or questionnaire: the role group, never a person."""

    kind = forms.ChoiceField(choices=AffirmationKind.choices, label="Kind")
    date = forms.DateField(
        label="Date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="YYYY-MM-DD.",
    )
    session = forms.CharField(
        max_length=200, label="Session", help_text="e.g. 'Interview 3' or 'Survey round 1'."
    )
    role_group = forms.CharField(
        max_length=200,
        label="Role group",
        help_text="The role group interviewed or surveyed, e.g. 'project managers'. "
        "Never a person's name: affirmations are anonymous.",
    )
    summary = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What was affirmed, without names.",
    )

    field_order = ["kind", "date", "session", "role_group", "summary"]
