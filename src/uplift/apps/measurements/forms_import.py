"""Forms of the observation import page (issue 4): the upload, then the column mapping.

Step 1 (:class:`ObservationUploadForm`) takes the file and, for a workbook, the sheet;
step 2 (:class:`ObservationMappingForm`) names the stored upload by its token and maps
each file column to one of ours (or ``ignore``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from django import forms

from uplift.apps.common.forms import AccessibleFormMixin
from uplift.apps.measurements.importing import COLUMNS

__all__ = [
    "IGNORE",
    "MAX_UPLOAD_BYTES",
    "TOKEN_PATTERN",
    "ObservationMappingForm",
    "ObservationUploadForm",
]

MAX_UPLOAD_BYTES = 200 * 1024 * 1024  # ~5 million rows of CSV
IGNORE = "ignore"
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)

_TARGETS = [(column, column) for column in COLUMNS] + [(IGNORE, "ignore this column")]


class ObservationUploadForm(AccessibleFormMixin, forms.Form):
    """A CSV or XLSX file of observations and, for a workbook, the sheet to read."""

    file = forms.FileField(
        label="Observation file",
        help_text="CSV (UTF-8) or XLSX with a header row: measure, work_activity, "
        f"observed_at, value and optionally source; at most {MAX_UPLOAD_BYTES // 2**20} MB. "
        "You check the first rows and the columns before anything is imported.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )
    sheet = forms.CharField(
        label="Sheet",
        required=False,
        max_length=100,
        help_text="Workbooks only: the sheet to read; empty for the first one.",
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_UPLOAD_BYTES} bytes.")
        return upload


class ObservationMappingForm(AccessibleFormMixin, forms.Form):
    """The stored upload's token and one select per file column: ``column_<i>``."""

    token = forms.RegexField(regex=TOKEN_PATTERN, widget=forms.HiddenInput)
    replace = forms.BooleanField(
        label="Overwrite stored values that differ",
        required=False,
        help_text="Without it, a row whose measure, work activity and time are stored "
        "with another value is a problem and nothing is imported.",
    )

    def __init__(
        self,
        *args: Any,
        header: Sequence[str] = (),
        mapping: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.header = tuple(header)
        mapping = mapping or {}
        for index, name in enumerate(self.header):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=name or f"(column {index + 1} has no name)",
                choices=_TARGETS,
                initial=mapping.get(name, IGNORE),
            )

    def column_fields(self) -> list[forms.BoundField]:
        """The select of each file column, in the file's order."""
        return [self[f"column_{index}"] for index in range(len(self.header))]

    def mapping(self) -> dict[str, str]:
        """``{file column: our column}`` for the import, the ignored columns left out."""
        chosen = {
            name: self.cleaned_data[f"column_{index}"] for index, name in enumerate(self.header)
        }
        return {name: ours for name, ours in chosen.items() if ours != IGNORE}
