"""Forms of the proposal pages: they shape input; ``services.proposals`` checks the rules.

- ``ProposalForm``: the whole proposal (create and edit). The process areas and
  practices it addresses are typed as references of one model version (``REQM, PP``;
  ``REQM SP 1.1, PP GP 2.1``), resolved through the library's selectors: quicker to
  write and to read than a picker over hundreds of practices, and what the appraisal
  findings already show.
- ``SuggestionForm``: the simple form anyone signed in may use.
- ``BenefitForm``: one expected benefit (measure, change in percent, by when).
- ``TransitionForm``: a move along the life cycle, with its reason.

A rule a service refuses (``ImprovementError``) is shown beside its field with
``add_service_error``; a ``ConflictError`` above the form.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet

from uplift.apps.common.forms import AccessibleFormMixin
from uplift.apps.improvements.choices import (
    Category,
    Size,
    SourceKind,
    ValidationMethod,
)
from uplift.apps.improvements.errors import ImprovementError
from uplift.apps.improvements.services.proposals import REASON_REQUIRED
from uplift.apps.library.selectors import model_rating_index, model_references, model_resolve
from uplift.apps.measurements.selectors import measure_list, qppo_list
from uplift.domain.proposal_lifecycle import Transition
from uplift.domain.ratings import normalize_practice_ref

__all__ = [
    "BenefitForm",
    "ProposalForm",
    "SuggestionForm",
    "TransitionForm",
    "add_service_error",
]

_DATE = forms.DateInput(attrs={"type": "date"})


def _text_area(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def add_service_error(form: forms.BaseForm, error: ImprovementError) -> None:
    """Show a refused write beside its field, or above the form when no field matches."""
    if error.field in form.fields and error.field != "version":
        form.add_error(error.field, error.message)
    else:
        form.add_error(None, error.message)


def _split(text: str) -> list[str]:
    """Items separated by commas, semicolons or new lines; blanks dropped."""
    for separator in (";", "\n"):
        text = text.replace(separator, ",")
    return [item.strip() for item in text.split(",") if item.strip()]


class _QppoChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.measure.name})" if obj.measure else str(obj.name)


class _FindingChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return finding_label(obj)


def finding_label(finding: Any) -> str:
    """``Weakness of REQM in <appraisal>: <the text's start>``."""
    text = " ".join(finding.text.split())
    short = text if len(text) <= 90 else f"{text[:89]}…"
    return (
        f"{finding.get_kind_display()} of {finding.process_area.abbreviation} in "
        f"{finding.appraisal.name}: {short}"
    )


class ProposalForm(AccessibleFormMixin, forms.Form):
    """A whole proposal. ``findings``: the findings the user may choose from (those they
    may see); ``finding``: the one to offer (preselected or current; without one the
    field is left out). ``values()`` are ``proposal_create``/``proposal_update``'s
    keyword arguments."""

    title = forms.CharField(max_length=200)
    source_kind = forms.ChoiceField(
        choices=SourceKind.choices,
        label="Source",
        help_text="Where the need for the change comes from.",
    )
    finding = _FindingChoiceField(
        queryset=None,
        required=False,
        empty_label="— none",
        label="Appraisal finding",
        help_text="The weakness or finding the proposal answers.",
    )
    objective = _QppoChoiceField(
        queryset=None,
        required=False,
        empty_label="— none",
        label="QPPO",
        help_text="For a QPPO shortfall: the quality and process performance objective "
        "that is not met.",
    )
    source_reference = forms.CharField(
        max_length=300,
        required=False,
        label="Source reference",
        help_text="Lessons learned, causal analyses, technology scans: the record it comes "
        "from (a title, an identifier or a link).",
    )
    problem_statement = forms.CharField(widget=_text_area(4))
    proposed_change = forms.CharField(widget=_text_area(4), required=False)
    model = forms.ChoiceField(
        choices=(),
        required=False,
        label="Model",
        help_text="The model version the process areas and practices below belong to.",
    )
    process_areas = forms.CharField(
        required=False,
        label="Process areas",
        help_text="Abbreviations separated by commas, e.g. <code>REQM, PP</code>. The "
        "areas of the practices below are added by themselves.",
    )
    practices = forms.CharField(
        widget=_text_area(2),
        required=False,
        label="Practices",
        help_text="References separated by commas or new lines, e.g. <code>REQM SP 1.1, "
        "PP GP 2.1</code> (the references the appraisal findings show).",
    )
    category = forms.ChoiceField(
        choices=Category.choices,
        initial=Category.INCREMENTAL,
        help_text="Innovative: new to the organization.",
    )
    size = forms.ChoiceField(choices=Size.choices, initial=Size.MINOR)
    proven = forms.BooleanField(
        required=False,
        label="Proven in a comparable environment",
        help_text="New, unproven and major changes must pass a pilot before deployment.",
    )
    estimated_cost = forms.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, help_text="One-off cost."
    )
    running_cost = forms.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, help_text="Per month."
    )
    estimated_effort = forms.DecimalField(
        max_digits=10,
        decimal_places=1,
        min_value=0,
        required=False,
        label="Estimated effort",
        help_text="Person-hours.",
    )
    estimated_duration_weeks = forms.IntegerField(
        min_value=0,
        required=False,
        label="Weeks until the benefit shows",
        help_text="From selection.",
    )
    risks = forms.CharField(widget=_text_area(3), required=False)
    barriers = forms.CharField(
        widget=_text_area(3),
        required=False,
        label="Barriers to deployment",
        help_text="One per line.",
    )
    success_criteria = forms.CharField(
        widget=_text_area(3),
        required=False,
        label="Quantitative success criteria",
        help_text="What the deployment's results must show, in numbers.",
    )
    validation_method = forms.ChoiceField(
        choices=[("", "— not decided"), *ValidationMethod.choices],
        required=False,
        label="Validation method",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        findings: QuerySet[Any] | None = None,
        finding: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["objective"].queryset = qppo_list()  # type: ignore[attr-defined]
        references = model_references()
        self.fields["model"].choices = [("", "—"), *references]  # type: ignore[attr-defined]
        if not self.initial.get("model") and references:
            self.initial["model"] = _default_model([r for r, _ in references])
        if finding is None or findings is None:
            del self.fields["finding"]
        else:
            field = self.fields["finding"]
            field.queryset = findings  # type: ignore[attr-defined]
            # Offer the one finding, not every finding of every appraisal.
            field.widget.choices = [("", "— none"), (finding.pk, finding_label(finding))]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        """Resolve the process areas and practices in the chosen model version."""
        data = super().clean() or {}
        areas = _split(data.get("process_areas") or "")
        practices = _split(data.get("practices") or "")
        data["process_area_ids"], data["practice_ids"] = [], []
        if not areas and not practices:
            return data
        reference = data.get("model")
        if not reference:
            self.add_error("model", "Choose the model the process areas and practices are of.")
            return data
        try:
            model = model_resolve(reference)
        except ObjectDoesNotExist:  # the library's ProcessModel.DoesNotExist
            self.add_error("model", f"{reference} is not in the model library.")
            return data
        index = model_rating_index(model)
        area_ids, unknown = [], []
        for abbreviation in areas:
            area_id = index.areas.get(abbreviation.upper())
            if area_id is None:
                unknown.append(abbreviation)
            elif area_id not in area_ids:
                area_ids.append(area_id)
        if unknown:
            self.add_error(
                "process_areas",
                f"Not a process area of {reference}: {', '.join(unknown)}.",
            )
        practice_ids, unknown = [], []
        for text in practices:
            located = index.practices.get(normalize_practice_ref(text) or "")
            if located is None:
                unknown.append(text)
                continue
            practice_id, area_id = located
            if practice_id not in practice_ids:
                practice_ids.append(practice_id)
            if area_id not in area_ids:
                area_ids.append(area_id)
        if unknown:
            self.add_error(
                "practices",
                f"Not a practice of {reference}: {', '.join(unknown)} (write references "
                "like REQM SP 1.1).",
            )
        data["process_area_ids"], data["practice_ids"] = area_ids, practice_ids
        return data

    def values(self) -> dict[str, Any]:
        """The service's keyword arguments (without the actor and the version)."""
        data = self.cleaned_data
        names = (
            "title",
            "source_kind",
            "objective",
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
        )
        values = {name: data.get(name) for name in names}
        values["finding"] = data.get("finding")
        values["process_areas"] = data["process_area_ids"]
        values["practices"] = data["practice_ids"]
        return values


def _default_model(references: list[str]) -> str:
    """The latest CMMI-DEV when loaded (the model the appraisals use), else the first."""
    try:
        return str(model_resolve("CMMI-DEV").reference)
    except ObjectDoesNotExist:
        return references[0]


class SuggestionForm(AccessibleFormMixin, forms.Form):
    """A practitioner's suggestion: what is wrong, what to change, where it was seen."""

    title = forms.CharField(max_length=200, help_text="A short name for the change.")
    problem_statement = forms.CharField(
        widget=_text_area(4),
        label="What is the problem?",
        help_text="What goes wrong today, where, and how often.",
    )
    proposed_change = forms.CharField(
        widget=_text_area(4),
        required=False,
        label="What would you change?",
    )
    source_reference = forms.CharField(
        max_length=300,
        required=False,
        label="Where did you see it? (optional)",
        help_text="A project, a retrospective, a ticket: a name or a link.",
    )

    def values(self) -> dict[str, Any]:
        """``proposal_create``'s keyword arguments for a suggestion."""
        return {"source_kind": SourceKind.SUGGESTION, **self.cleaned_data}


class _MeasureChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.unit})"


class BenefitForm(AccessibleFormMixin, forms.Form):
    """One expected benefit: the measure it shows in, the change in percent, by when."""

    measure = _MeasureChoiceField(queryset=None, to_field_name="slug", empty_label="—")
    expected_change = forms.DecimalField(
        max_digits=7,
        decimal_places=2,
        label="Expected change (%)",
        help_text="Signed: -20 means 20% lower, 15 means 15% higher.",
    )
    by_when = forms.DateField(required=False, widget=_DATE, label="By when")
    note = forms.CharField(max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "benefit")
        super().__init__(*args, **kwargs)
        self.fields["measure"].queryset = measure_list()  # type: ignore[attr-defined]


class TransitionForm(AccessibleFormMixin, forms.Form):
    """A move along the life cycle: which (from those offered) and why."""

    name = forms.ChoiceField(choices=(), label="Transition")
    reason = forms.CharField(
        widget=_text_area(4),
        required=False,
        help_text="Why; kept in the proposal's record. Required to reject, terminate or "
        "send back for rework.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, transitions: list[Transition], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].choices = [(t.name, t.label) for t in transitions]  # type: ignore[attr-defined]
        chosen = self.data.get("name") or self.initial.get("name")
        if chosen in REASON_REQUIRED:
            self.fields["reason"].required = False  # the service says so, once
            self.fields["reason"].label = "Reason (required)"
