"""Forms of the wave pages: a wave, its targets, its gate's criteria, the manual check,
the override, the start and finish dates, and the waves' FilterSet.

The forms shape input only; the rules live in ``services.waves``, whose
``DeploymentError`` is shown on the field it names (``add_service_error``).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet

from uplift.apps.common.filters import SEARCH_WIDGET
from uplift.apps.common.forms import AccessibleFormMixin
from uplift.apps.deployments.choices import GateCriterionKind, WaveKind, WaveState
from uplift.apps.deployments.errors import DeploymentError
from uplift.apps.deployments.models import DeploymentPlan, Target, Wave
from uplift.apps.measurements.selectors import measure_list

__all__ = [
    "GateCriterionForm",
    "GateManualForm",
    "GateOverrideForm",
    "WaveAssignForm",
    "WaveDateForm",
    "WaveFilterSet",
    "WaveForm",
    "add_service_error",
]

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def add_service_error(form: forms.BaseForm, error: DeploymentError) -> None:
    """Show a refused write beside its field, or above the form when no field matches."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


class WaveForm(AccessibleFormMixin, forms.Form):
    """A wave's number (new waves only), name, kind and planned dates; editing adds the
    reason and the hidden ``version`` the edit started from."""

    number = forms.IntegerField(
        required=False,
        min_value=1,
        help_text="Leave empty to add the wave after the last one. Waves start in number order.",
    )
    name = forms.CharField(max_length=100, help_text="e.g. “Pilot”, “Early adopters”, “Wave 2”.")
    kind = forms.ChoiceField(
        choices=WaveKind.choices,
        help_text="A pilot or early adopters first (seed 001 subpractice 3: deploy "
        "incrementally), then further waves.",
    )
    planned_start = forms.DateField(widget=_DATE, label="Planned start")
    planned_end = forms.DateField(
        widget=_DATE,
        label="Planned end",
        help_text="Targets of the wave are planned to be deployed by this day unless they "
        "have their own planned date.",
    )
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why the change",
        help_text="Kept in the wave's history. Once the plan was sent for sign-off, a change "
        "makes a new revision that the stakeholders are asked to agree again.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, wave: Wave | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.editing = wave is not None
        if self.editing:
            del self.fields["number"]
        else:
            del self.fields["reason"]
            del self.fields["version"]

    @staticmethod
    def initial_for(wave: Wave) -> dict[str, Any]:
        return {
            "name": wave.name,
            "kind": wave.kind,
            "planned_start": wave.planned_start,
            "planned_end": wave.planned_end,
            "version": wave.version,
        }

    def values(self) -> dict[str, Any]:
        """The service's keyword arguments (without ``version`` and ``reason``)."""
        data = self.cleaned_data
        values = {name: data[name] for name in ("name", "kind", "planned_start", "planned_end")}
        if not self.editing:
            values["number"] = data.get("number")
        return values


class _TargetChoices(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        where = f"now in {obj.wave.number}. {obj.wave.name}" if obj.wave_id else "in no wave"
        return f"{obj.work_activity.name} ({obj.get_status_display().lower()}, {where})"


class WaveAssignForm(AccessibleFormMixin, forms.Form):
    """The plan's targets (not excluded), those of the wave ticked: the ticked ones are
    the wave's targets once saved."""

    targets = _TargetChoices(
        queryset=Target.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="A target belongs to at most one wave: ticking one that is in another wave "
        "moves it here; unticking one takes it out of this wave.",
    )

    def __init__(self, *args: Any, wave: Wave, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["targets"].queryset = _assignable(wave.plan)  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial["targets"] = list(
                wave.targets.filter(excluded=False).values_list("pk", flat=True)
            )


def _assignable(plan: DeploymentPlan) -> QuerySet[Target]:
    return (
        Target.objects.filter(plan=plan, excluded=False)
        .select_related("work_activity", "wave")
        .order_by("work_activity__name", "pk")
    )


class _MeasureChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.get_direction_display().lower()})"


class GateCriterionForm(AccessibleFormMixin, forms.Form):
    """One criterion of a wave's entry gate; which fields count depends on the kind."""

    kind = forms.ChoiceField(choices=GateCriterionKind.choices, label="What the gate checks")
    description = forms.CharField(
        required=False,
        max_length=300,
        help_text="The criterion in words. Leave empty to have it written from the figures "
        "below; required for a criterion checked by a person.",
    )
    measure = _MeasureChoice(
        queryset=measure_list(),
        required=False,
        help_text="For “a measure improved”: compared before and after the first earlier "
        "wave's start, over the earlier waves' deployed targets.",
    )
    threshold = forms.FloatField(
        required=False,
        min_value=0,
        label="Threshold (%)",
        help_text="Improvement in percent; or the least training share of each target; or "
        "the least share of the earlier waves' targets deployed.",
    )
    confidence = forms.FloatField(
        required=False,
        min_value=50,
        max_value=99.9,
        initial=90,
        label="Confidence (%)",
        help_text="For “a measure improved”: the improvement must be significant at this "
        "confidence (e.g. 90 %).",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["measure"].queryset = measure_list()  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        confidence = data.get("confidence")
        return {
            "kind": data["kind"],
            "description": data.get("description") or "",
            "measure": data.get("measure"),
            "threshold": data.get("threshold"),
            "confidence": confidence / 100 if confidence is not None else None,
        }


class GateManualForm(forms.Form):
    """Met or not met, for a criterion checked by a person."""

    met = forms.TypedChoiceField(
        choices=[("yes", "Met"), ("no", "Not met")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )


class GateOverrideForm(AccessibleFormMixin, forms.Form):
    """Why the wave may start though its gate has not passed."""

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Kept on the wave and shown with its gate: what was weighed and why starting "
        "now is worth it.",
    )


class WaveDateForm(forms.Form):
    """The day a wave started or finished (empty: today)."""

    on = forms.DateField(
        required=False,
        widget=_DATE,
        label="On",
        help_text="Empty: today. Not in the future.",
    )


class WaveFilterSet(django_filters.FilterSet):
    """A plan's waves by state, kind, and name."""

    q = django_filters.CharFilter(
        field_name="name", lookup_expr="icontains", label="Name", widget=SEARCH_WIDGET
    )
    state = django_filters.ChoiceFilter(choices=WaveState.choices, empty_label="Any")
    kind = django_filters.ChoiceFilter(choices=WaveKind.choices, empty_label="Any")

    class Meta:
        model = Wave
        fields = ["q", "state", "kind"]
