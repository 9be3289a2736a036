"""Forms of the deployment plan pages: shape only, ``services.plans`` applies the rules.

``DeploymentError.field`` names one of these forms' fields where it can, so a refused
write shows beside its input (``add_service_error``); a ``ConflictError`` (field
``version``, hidden) shows above the form.
"""

from __future__ import annotations

import json
from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from uplift.apps.common.forms import AccessibleFormMixin
from uplift.apps.deployments.choices import RiskType, SignOffDecision, StakeholderKind
from uplift.apps.deployments.models import DeploymentPlan, PlanMeasure, Stakeholder
from uplift.apps.deployments.services.plans import DEPLOYABLE_STATES, person_name
from uplift.apps.improvements.errors import ImprovementError

__all__ = [
    "AdjustmentForm",
    "BarrierForm",
    "BarrierStrategyForm",
    "MeasureForm",
    "PlanCancelForm",
    "PlanForm",
    "RiskForm",
    "SignoffDecisionForm",
    "SignoffRequestForm",
    "StakeholderForm",
    "add_service_error",
]

Proposal: Any = DeploymentPlan._meta.get_field("proposals").related_model
ActionPlan: Any = DeploymentPlan._meta.get_field("action_plan").related_model
Measure: Any = PlanMeasure._meta.get_field("measure").related_model
Objective: Any = PlanMeasure._meta.get_field("objective").related_model

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def add_service_error(form: forms.BaseForm, error: ImprovementError) -> None:
    """Show a refused write beside its field, or above the form when no field matches."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


class _UserChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        full = obj.get_full_name()
        return f"{full} ({obj.get_username()})" if full else str(obj.get_username())


class _ProposalChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.reference} {obj.title} ({obj.get_state_display().lower()})"


class _PlanChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.reference} {obj.title}"


class _ActionPlanChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.reference} {obj.title}"


def _deployable(plan: DeploymentPlan | None) -> QuerySet[Any]:
    """Selected proposals, and those the plan deploys already (they may have moved on)."""
    condition = Q(state__in=DEPLOYABLE_STATES)
    if plan is not None and plan.pk is not None:
        condition |= Q(deployment_plans=plan)
    return Proposal.objects.filter(condition).distinct().order_by("pk")


def _people() -> QuerySet[Any]:
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .order_by("first_name", "last_name", "username")
    )


_CONTENT_HELP: dict[str, str] = {
    "adjustment": "How the improvement is adjusted for this deployment as a whole; adjust it "
    "per target segment on the Adjustments page (seed 000, subpractice 1).",
    "risk_strategies": "What could stop the deployment and what you will do about it.",
    "schedule_notes": "The schedule in words: milestones, waves, dependencies; the waves "
    "hold the dates of each increment.",
}


class PlanForm(AccessibleFormMixin, forms.Form):
    """A plan's title, owner, proposals, content and value objectives; editing adds the
    related plans, the reason for the change and the hidden ``version``."""

    title = forms.CharField(max_length=200)
    owner = _UserChoiceField(
        queryset=get_user_model().objects.none(),
        help_text="Manages the deployment and answers for the plan.",
    )
    proposals = _ProposalChoiceField(
        queryset=Proposal.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Improvements deployed",
        help_text="Proposals selected for validation or deployment. Waves start only once "
        "each is selected for deployment.",
    )
    action_plan = _ActionPlanChoiceField(
        queryset=ActionPlan.objects.none(),
        required=False,
        label="Process action plan",
        help_text="The process action plan the deployment belongs to, if any.",
    )
    adjustment = forms.CharField(
        required=False,
        label="How the improvement is adjusted",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    risk_strategies = forms.CharField(
        required=False, label="Risk strategies", widget=forms.Textarea(attrs={"rows": 3})
    )
    schedule_notes = forms.CharField(
        required=False, label="Schedule", widget=forms.Textarea(attrs={"rows": 3})
    )
    planned_start = forms.DateField(required=False, widget=_DATE)
    planned_end = forms.DateField(required=False, widget=_DATE)
    payback_target_months = forms.IntegerField(
        required=False,
        min_value=1,
        label="Payback objective (months)",
        help_text="The cost is to be recovered within this many months.",
    )
    response_time_target_days = forms.IntegerField(
        required=False,
        min_value=1,
        label="Response time objective (days)",
        help_text="Average time to respond to changes in work requirements, market or "
        "business environment that the improvement is to reach.",
    )
    related_plans = _PlanChoiceField(
        queryset=DeploymentPlan.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Deployed together with",
        help_text="Related improvements deployed together with this one (coordination).",
    )
    reason = forms.CharField(
        required=False,
        label="Reason for the change",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept with the revision; stakeholders read it. Once the plan has been sent "
        "for sign-off, a change makes a new revision that they are asked to agree to again.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, plan: DeploymentPlan | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = cast(forms.ModelChoiceField, self.fields["owner"])  # type: ignore[type-arg]
        owner.queryset = _people()
        proposals = cast(forms.ModelMultipleChoiceField, self.fields["proposals"])  # type: ignore[type-arg]
        proposals.queryset = _deployable(plan)
        action_plan = cast(forms.ModelChoiceField, self.fields["action_plan"])  # type: ignore[type-arg]
        action_plan.queryset = ActionPlan.objects.order_by("-pk")
        for name, text in _CONTENT_HELP.items():
            self.fields[name].help_text = text
        if plan is None:
            for name in ("reason", "version", "related_plans"):
                del self.fields[name]
        else:
            related = cast(forms.ModelMultipleChoiceField, self.fields["related_plans"])  # type: ignore[type-arg]
            related.queryset = DeploymentPlan.objects.exclude(pk=plan.pk).order_by("-pk")

    @classmethod
    def initial_for(cls, plan: DeploymentPlan) -> dict[str, Any]:
        """The form's initial values for editing ``plan``."""
        return {
            "title": plan.title,
            "owner": plan.owner_id,
            "proposals": [p.pk for p in plan.proposals.all()],
            "action_plan": plan.action_plan_id,
            "adjustment": plan.adjustment,
            "risk_strategies": plan.risk_strategies,
            "schedule_notes": plan.schedule_notes,
            "planned_start": plan.planned_start,
            "planned_end": plan.planned_end,
            "payback_target_months": plan.payback_target_months,
            "response_time_target_days": plan.response_time_target_days,
            "related_plans": list(plan.related_plans.values_list("pk", flat=True)),
            "version": plan.version,
        }

    def values(self) -> dict[str, Any]:
        """The cleaned values as the services take them (no version, no reason)."""
        data = self.cleaned_data
        names = [
            "title",
            "owner",
            "proposals",
            "action_plan",
            "adjustment",
            "risk_strategies",
            "schedule_notes",
            "planned_start",
            "planned_end",
            "payback_target_months",
            "response_time_target_days",
        ]
        if "related_plans" in self.fields:
            names.append("related_plans")
        values = {name: data[name] for name in names}
        values["proposals"] = list(values["proposals"])
        if "related_plans" in values:
            values["related_plans"] = list(values["related_plans"])
        return values


class PlanCancelForm(AccessibleFormMixin, forms.Form):
    reason = forms.CharField(
        label="Why is the plan cancelled?",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept in the plan's history. Its targets, waves and sign-offs stay for the "
        "record.",
    )


class SignoffRequestForm(AccessibleFormMixin, forms.Form):
    """The stakeholders to ask: those who may sign off and were not asked yet."""

    stakeholders = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple,
        label="Ask these stakeholders",
        help_text="Each is asked as listed on the plan (required or optional). The plan is "
        "agreed when every required stakeholder asked has agreed to the current revision.",
    )

    def __init__(self, *args: Any, candidates: list[Stakeholder], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = {str(row.user_id): row for row in candidates}
        field = cast(forms.MultipleChoiceField, self.fields["stakeholders"])
        field.choices = [
            (
                key,
                f"{person_name(row.user)}, {row.get_kind_display().lower()}"
                f" ({'required' if row.required else 'optional'})",
            )
            for key, row in self.candidates.items()
        ]
        if not self.is_bound:
            self.initial.setdefault("stakeholders", list(self.candidates))

    def users(self) -> list[Any]:
        return [self.candidates[key].user for key in self.cleaned_data["stakeholders"]]


class SignoffDecisionForm(AccessibleFormMixin, forms.Form):
    """A stakeholder's decision on the revision they were asked to agree to."""

    decision = forms.ChoiceField(
        choices=[
            (SignOffDecision.AGREED.value, "Agree to this revision"),
            (SignOffDecision.OBJECTED.value, "Object: changes are needed"),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Needed when you object: say what must change before you can agree.",
    )


class StakeholderForm(AccessibleFormMixin, forms.Form):
    user = _UserChoiceField(queryset=get_user_model().objects.none(), label="Person")
    kind = forms.ChoiceField(
        choices=StakeholderKind.choices,
        help_text="Seed 000: the improvement sponsor, target work groups, support organizations.",
    )
    required = forms.BooleanField(
        required=False,
        initial=True,
        label="Their agreement is required",
        help_text="Optional stakeholders are kept informed; a person who may not sign off "
        "plans (a practitioner) can only be optional.",
    )
    note = forms.CharField(required=False, max_length=200, help_text="Whom they speak for.")

    def __init__(self, *args: Any, plan: DeploymentPlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = cast(forms.ModelChoiceField, self.fields["user"])  # type: ignore[type-arg]
        user.queryset = _people().exclude(deployment_stakes__plan=plan)


class _MeasureChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.unit})"


class MeasureForm(AccessibleFormMixin, forms.Form):
    measure = _MeasureChoiceField(
        queryset=Measure.objects.none(),
        help_text="The baseline is taken now: the newest stored baseline over the plan's "
        "targets, else computed from the observations.",
    )
    objective = forms.ModelChoiceField(
        queryset=Objective.objects.none(),
        required=False,
        label="Objective (QPPO)",
        help_text="The quality and process performance objective the improvement serves.",
    )
    target_value = forms.FloatField(required=False, label="Target")
    due = forms.DateField(required=False, widget=_DATE, label="By when")
    value_per_unit = forms.FloatField(
        required=False,
        label="Value of one unit a month",
        help_text="What one unit of improvement of the measure is worth a month, for the "
        "payback (leave empty to skip the payback).",
    )

    def __init__(self, *args: Any, plan: DeploymentPlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        measure = cast(forms.ModelChoiceField, self.fields["measure"])  # type: ignore[type-arg]
        measure.queryset = Measure.objects.exclude(deployment_measures__plan=plan).order_by("name")
        objective = cast(forms.ModelChoiceField, self.fields["objective"])  # type: ignore[type-arg]
        objective.queryset = Objective.objects.filter(measure__isnull=False).order_by("name")


class BarrierForm(AccessibleFormMixin, forms.Form):
    barrier = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    strategy = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="How the deployment addresses the barrier (seed 000, subpractice 2).",
    )


class BarrierStrategyForm(AccessibleFormMixin, forms.Form):
    """One barrier's text and strategy, edited in the list."""

    barrier = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    strategy = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AdjustmentForm(AccessibleFormMixin, forms.Form):
    segment_label = forms.CharField(
        max_length=200, label="Segment", help_text='e.g. "COTS integration projects".'
    )
    description = forms.CharField(
        label="How the improvement is adjusted for it", widget=forms.Textarea(attrs={"rows": 3})
    )
    segment = forms.CharField(
        required=False,
        label="Segment as a rule (JSON, optional)",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text='The target rule\'s keys, e.g. {"activity_type": ["cots_integration"]}.',
    )

    def clean_segment(self) -> dict[str, Any]:
        text = (self.cleaned_data.get("segment") or "").strip()
        if not text:
            return {}
        try:
            value = json.loads(text)
        except ValueError:
            raise forms.ValidationError("Write the segment as a JSON object.") from None
        if not isinstance(value, dict):
            raise forms.ValidationError("Write the segment as a JSON object.")
        return value


class RiskForm(AccessibleFormMixin, forms.Form):
    risk_type = forms.ChoiceField(choices=RiskType.choices, label="Type")
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="A work or organizational risk the improvement mitigates (seed 000, "
        "subpractice 4).",
    )
