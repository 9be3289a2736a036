"""Forms of the confirmation and results pages: shape only, ``services.results``
applies the rules and names the field at fault."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from uplift.apps.common.forms import AccessibleFormMixin
from uplift.apps.deployments.choices import LessonKind, RevisionSubject
from uplift.apps.deployments.models import DeploymentPlan, MitigatedRisk, PlanMeasure

__all__ = [
    "LessonForm",
    "ResponseTimeForm",
    "ResultEvaluateForm",
    "ResultRevisionForm",
    "RiskMitigatedForm",
]


class _MeasureChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.measure)


class ResultEvaluateForm(forms.Form):
    """Evaluate one plan measure, or (empty) every measure of the plan."""

    plan_measure = _MeasureChoiceField(
        queryset=PlanMeasure.objects.none(), required=False, empty_label="Every measure"
    )

    def __init__(self, *args: Any, plan: DeploymentPlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["plan_measure"])  # type: ignore[type-arg]
        field.queryset = PlanMeasure.objects.filter(plan=plan).select_related("measure")


class LessonForm(AccessibleFormMixin, forms.Form):
    """A lesson learned: its kind and the text."""

    kind = forms.ChoiceField(choices=LessonKind.choices)
    text = forms.CharField(
        label="Lesson",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Specific enough that the next deployment can act on it.",
    )


class ResultRevisionForm(AccessibleFormMixin, forms.Form):
    """A revision the results led to: of what, what, the change and why."""

    subject_kind = forms.ChoiceField(choices=RevisionSubject.choices, label="What was revised")
    subject = forms.CharField(
        max_length=200,
        label="Which one",
        help_text='e.g. "Cycle time QPPO" or "Deployment plan DEP-4, wave 3".',
    )
    change = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="The change and why",
        help_text="What was changed, and what in the results led to it.",
    )


class RiskMitigatedForm(forms.Form):
    """Confirm (or withdraw) that one of the plan's risks was mitigated."""

    risk = forms.ModelChoiceField(queryset=MitigatedRisk.objects.none(), widget=forms.HiddenInput)
    mitigated = forms.TypedChoiceField(
        choices=[("true", "Mitigated"), ("false", "Not mitigated")],
        coerce=lambda value: value == "true",
    )

    def __init__(self, *args: Any, plan: DeploymentPlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["risk"])  # type: ignore[type-arg]
        field.queryset = MitigatedRisk.objects.filter(plan=plan)


class ResponseTimeForm(AccessibleFormMixin, forms.Form):
    """The measured average time to respond to changes, in days (empty clears it)."""

    days = forms.IntegerField(
        required=False,
        min_value=0,
        label="Average response time (days)",
        help_text="The average time, measured after the deployment, to respond to changes "
        "in work requirements, the market or the business environment.",
    )
