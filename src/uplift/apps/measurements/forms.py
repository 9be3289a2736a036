"""Forms of the measurement pages: they shape input; the services check the rules.

A rule refused by a service (``MeasurementError``) is shown beside its field with
``add_service_error``; no rule is checked twice.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from uplift.apps.common.forms import AccessibleFormMixin
from uplift.apps.measurements.choices import (
    Direction,
    Frequency,
    ObjectiveKind,
    Priority,
    Scale,
    Statistic,
)
from uplift.apps.measurements.models import Baseline, Measure, Objective
from uplift.apps.measurements.services.measures import MeasurementError
from uplift.apps.organization.choices import (
    LifeCyclePhase,
    Size,
    WorkActivityKind,
    WorkActivityType,
)
from uplift.apps.organization.selectors import unit_list, work_activity_list

__all__ = [
    "BaselineCompareForm",
    "ChartSelectionForm",
    "EvaluationForm",
    "MeasureForm",
    "ObjectiveForm",
    "add_service_error",
]

_DATE = forms.DateInput(attrs={"type": "date"})


def add_service_error(form: forms.BaseForm, error: MeasurementError) -> None:
    """Show a refused write beside its field, or above the form when no field matches
    (a segment's problem too: it may lie in any of the segment's fields)."""
    if error.field in form.fields:
        form.add_error(error.field, error.message)
    elif error.field == "segment":
        form.add_error(None, f"Segment: {error.message}")
    else:
        form.add_error(None, error.message)


def _any(choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [("", "Any"), *choices]


class _SlugChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.slug})"


class _SlugMultipleChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.slug})"


# -- measures ----------------------------------------------------------------------------


class MeasureForm(AccessibleFormMixin, forms.Form):
    """A measure's definition (create and edit)."""

    slug = forms.CharField(
        max_length=100, help_text="Lower-case letters, digits and hyphens; files name it."
    )
    name = forms.CharField(max_length=200)
    unit = forms.CharField(max_length=50, help_text="e.g. hours, defects/KLOC, %.")
    operational_definition = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="How the value is obtained, precisely enough that two people get the same.",
    )
    scale = forms.ChoiceField(
        choices=Scale.choices,
        initial=Scale.CONTINUOUS,
        help_text="Decides the control chart: XmR, or also a u-chart (counts) or "
        "p-chart (proportions).",
    )
    direction = forms.ChoiceField(choices=Direction.choices)
    describes = forms.CharField(
        max_length=200, required=False, help_text="The process or service it describes."
    )
    collected_by = forms.CharField(max_length=200, required=False, help_text="A role, not a name.")
    frequency = forms.ChoiceField(choices=Frequency.choices, initial=Frequency.MONTHLY)


# -- segments ----------------------------------------------------------------------------


class SegmentFieldsMixin(forms.Form):
    """The segment of work activities as fields; ``segment()`` is its JSON filter."""

    segment_unit = forms.ModelChoiceField(
        queryset=unit_list(),
        to_field_name="slug",
        required=False,
        label="Unit",
        empty_label="Any",
    )
    segment_kind = forms.ChoiceField(
        choices=_any(WorkActivityKind.choices), required=False, label="Kind"
    )
    segment_activity_type = forms.ChoiceField(
        choices=_any(WorkActivityType.choices), required=False, label="Type"
    )
    segment_size = forms.ChoiceField(choices=_any(Size.choices), required=False, label="Size")
    segment_phase = forms.ChoiceField(
        choices=_any(LifeCyclePhase.choices), required=False, label="Life-cycle phase"
    )
    segment_attributes = forms.CharField(
        required=False,
        label="Attributes",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One <code>name=value</code> a line; every one must match.",
    )

    def clean_segment_attributes(self) -> dict[str, str]:
        text = self.cleaned_data.get("segment_attributes") or ""
        attributes: dict[str, str] = {}
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            name, equals, value = line.partition("=")
            if not equals or not name.strip():
                raise forms.ValidationError(f"Line {number}: write name=value.")
            attributes[name.strip()] = value.strip()
        return attributes

    def segment(self) -> dict[str, Any]:
        """The segment of the cleaned fields (empty values left out)."""
        data = self.cleaned_data
        unit = data.get("segment_unit")
        segment: dict[str, Any] = {"unit": unit.slug} if unit else {}
        for key in ("kind", "activity_type", "size", "phase"):
            if data.get(f"segment_{key}"):
                segment[key] = data[f"segment_{key}"]
        if data.get("segment_attributes"):
            segment["attributes"] = data["segment_attributes"]
        return segment

    @staticmethod
    def initial_for(segment: dict[str, Any]) -> dict[str, Any]:
        """The fields' initial values for a stored segment."""
        initial: dict[str, Any] = {
            f"segment_{key}": segment.get(key, "")
            for key in ("unit", "kind", "activity_type", "size", "phase")
        }
        initial["segment_attributes"] = "\n".join(
            f"{k}={v}" for k, v in (segment.get("attributes") or {}).items()
        )
        initial["segment_work_activities"] = list(segment.get("work_activities") or [])
        return initial


# -- objectives --------------------------------------------------------------------------


class ObjectiveForm(AccessibleFormMixin, SegmentFieldsMixin):
    """A business objective or a QPPO (create and edit)."""

    kind = forms.ChoiceField(choices=ObjectiveKind.choices)
    name = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    parent = forms.ModelChoiceField(
        queryset=Objective.objects.none(),
        required=False,
        empty_label="—",
        label="Business objective",
        help_text="QPPOs: the business objective it traces to.",
    )
    measure = _SlugChoiceField(
        queryset=Measure.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label="—",
        help_text="QPPOs: the measure the target is about.",
    )
    statistic = forms.ChoiceField(choices=Statistic.choices, initial=Statistic.MEAN)
    target = forms.FloatField(
        required=False, help_text="QPPOs: the value of the statistic to reach, in its unit."
    )
    due = forms.DateField(required=False, widget=_DATE, help_text="By when.")
    priority = forms.TypedChoiceField(choices=Priority.choices, coerce=int, initial=Priority.MEDIUM)
    segment_work_activities = _SlugMultipleChoiceField(
        queryset=work_activity_list(),
        to_field_name="slug",
        required=False,
        label="Work activities",
        help_text="Only these (with the filters above, if any).",
    )

    field_order = [
        "kind",
        "name",
        "description",
        "parent",
        "measure",
        "statistic",
        "target",
        "due",
        "priority",
    ]

    def __init__(self, *args: Any, exclude: Objective | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parents: QuerySet[Objective] = Objective.objects.filter(
            kind=ObjectiveKind.BUSINESS
        ).order_by("priority", "name")
        if exclude is not None:
            parents = parents.exclude(pk=exclude.pk)
        parent_field = self.fields["parent"]
        assert isinstance(parent_field, forms.ModelChoiceField)  # noqa: S101
        parent_field.queryset = parents

    def segment(self) -> dict[str, Any]:
        segment = super().segment()
        chosen = self.cleaned_data.get("segment_work_activities")
        if chosen:
            segment["work_activities"] = sorted(activity.slug for activity in chosen)
        return segment

    def values(self) -> dict[str, Any]:
        """The service's keyword arguments."""
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "name": data["name"],
            "description": data["description"],
            "parent": data["parent"],
            "measure": data["measure"],
            "statistic": data["statistic"],
            "target": data["target"],
            "due": data["due"],
            "priority": data["priority"],
            "segment": self.segment(),
        }


# -- the measure page's selection ----------------------------------------------------------


class ChartSelectionForm(AccessibleFormMixin, SegmentFieldsMixin):
    """What the measure page charts: one work activity, or a segment; a period."""

    work_activity = _SlugChoiceField(
        queryset=work_activity_list(),
        to_field_name="slug",
        required=False,
        empty_label="— a segment —",
        help_text="One work activity's values one by one; otherwise the segment's monthly means.",
    )
    start = forms.DateField(required=False, widget=_DATE, label="From")
    end = forms.DateField(required=False, widget=_DATE, label="To")

    field_order = ["work_activity"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", "The end is before the start.")
        return data

    def segment(self) -> dict[str, Any]:
        activity = self.cleaned_data.get("work_activity")
        if activity is not None:
            return {"work_activities": [activity.slug]}
        return super().segment()


class BaselineCompareForm(forms.Form):
    """Two stored baselines of one measure, to set side by side."""

    older = forms.ModelChoiceField(queryset=Baseline.objects.none())
    newer = forms.ModelChoiceField(queryset=Baseline.objects.none())

    def __init__(self, *args: Any, measure: Measure, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("older", "newer"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)  # noqa: S101
            field.queryset = Baseline.objects.filter(measure=measure)


# -- evaluation ----------------------------------------------------------------------------

DESIGNS = [
    ("before_after", "Before and after a change date"),
    ("pilot_comparison", "A pilot group against a comparison group"),
]


class EvaluationForm(AccessibleFormMixin, forms.Form):
    """An evaluation's question (GET: the page's address is the question), and the
    payback's costs."""

    measure = _SlugChoiceField(queryset=Measure.objects.order_by("name"), to_field_name="slug")
    design = forms.ChoiceField(choices=DESIGNS, initial="before_after", widget=forms.RadioSelect)
    work_activities = _SlugMultipleChoiceField(
        queryset=work_activity_list(),
        to_field_name="slug",
        required=False,
        help_text="Before and after: the activities that changed (none: every one).",
    )
    change_date = forms.DateField(
        required=False,
        widget=_DATE,
        help_text="The first day of the new way of working; a pilot's start by default.",
    )
    pilot = _SlugMultipleChoiceField(
        queryset=work_activity_list(), to_field_name="slug", required=False
    )
    comparison = _SlugMultipleChoiceField(
        queryset=work_activity_list(), to_field_name="slug", required=False
    )
    start = forms.DateField(required=False, widget=_DATE, label="From")
    end = forms.DateField(required=False, widget=_DATE, label="To")
    objective = forms.ModelChoiceField(
        queryset=Objective.objects.filter(kind=ObjectiveKind.QPPO).order_by("priority", "name"),
        required=False,
        empty_label="The measure's first QPPO",
        label="QPPO",
    )
    seed = forms.IntegerField(
        required=False,
        min_value=0,
        initial=1,
        help_text="Makes the bootstrap interval repeatable; empty: a new draw each time.",
    )
    cost = forms.FloatField(
        required=False, min_value=0, label="One-off cost", help_text="For the payback."
    )
    running_cost = forms.FloatField(required=False, min_value=0, label="Running cost a month")
    value_per_unit = forms.FloatField(
        required=False,
        min_value=0,
        label="Value of one unit of improvement a month",
        help_text="What one unit of the measure, better by one, is worth each month.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("design") == "before_after":
            data["pilot"] = data["comparison"] = []
        else:
            data["work_activities"] = []
        if data.get("cost") is not None and data.get("value_per_unit") is None:
            self.add_error("value_per_unit", "The payback needs the value of an improvement.")
        return data

    def arguments(self) -> dict[str, Any]:
        """``services.evaluations.evaluation_run``'s keyword arguments."""
        data = self.cleaned_data
        return {
            "measure": data["measure"],
            "change_date": data["change_date"],
            "work_activities": [a.slug for a in data["work_activities"] or []],
            "pilot": [a.slug for a in data["pilot"] or []],
            "comparison": [a.slug for a in data["comparison"] or []],
            "start": data["start"],
            "end": data["end"],
            "objective": data["objective"],
            "seed": data["seed"],
        }
