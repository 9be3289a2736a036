"""Forms of the library pages: practice search and model comparison (shape only)."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from uplift.apps.common.forms import AccessibleFormMixin

__all__ = ["ModelCompareForm", "PracticeSearchForm"]


class PracticeSearchForm(AccessibleFormMixin, forms.Form):
    """Words to look for, optionally within one model version."""

    q = forms.CharField(
        label="Search practices",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    model = forms.ChoiceField(label="Model", required=False)

    def __init__(self, *args: Any, references: list[tuple[str, str]], **kwargs: Any) -> None:
        """``references``: the ``(reference, label)`` choices of loaded model versions."""
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["model"]).choices = [("", "All models"), *references]


class ModelCompareForm(AccessibleFormMixin, forms.Form):
    """Two model versions to compare, by reference (``CMMI-DEV@1.3``)."""

    left = forms.ChoiceField(label="Left model")
    right = forms.ChoiceField(label="Right model")

    def __init__(self, *args: Any, references: list[tuple[str, str]], **kwargs: Any) -> None:
        """``references``: the ``(reference, label)`` choices of loaded model versions."""
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["left"]).choices = references
        cast(forms.ChoiceField, self.fields["right"]).choices = references
