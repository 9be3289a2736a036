"""Form base classes shared by every context."""

from __future__ import annotations

from django import forms

__all__ = ["NON_FIELD_ERRORS_ID", "AccessibleFormMixin"]

# The id of the element listing a form's non-field errors (partials/common/form_errors.html).
NON_FIELD_ERRORS_ID = "form-errors"


class AccessibleFormMixin(forms.BaseForm):
    """Tie each input to the messages about it, for screen readers.

    Put it first among the bases: ``class SignInForm(AccessibleFormMixin, AuthenticationForm)``.

    After validation, an input with errors gets ``aria-invalid="true"`` and an
    ``aria-describedby`` listing its error list (``<id>_error``), its help text
    (``<id>_helptext``) and the form's non-field errors, in that order. The ids match
    ``partials/common/form_field.html`` and ``partials/common/form_errors.html``.
    """

    def full_clean(self) -> None:
        """Validate, then point every affected input at its messages."""
        super().full_clean()
        non_field = bool(self.non_field_errors())
        for name, field in self.fields.items():
            auto_id = self[name].auto_id
            described_by = []
            if name in self.errors:
                described_by.append(f"{auto_id}_error")
            if field.help_text:
                described_by.append(f"{auto_id}_helptext")
            if non_field:
                described_by.append(NON_FIELD_ERRORS_ID)
            if name in self.errors or non_field:
                field.widget.attrs["aria-invalid"] = "true"
                field.widget.attrs["aria-describedby"] = " ".join(described_by)
