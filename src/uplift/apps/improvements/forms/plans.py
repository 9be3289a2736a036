"""Forms of the process action plan pages: shape only, ``services.plans`` applies the rules.

``ImprovementError.field`` names one of these forms' fields where it can, so a refused
write shows beside its input (``add_service_error``); a ``ConflictError`` (field
``version``, hidden) shows above the form.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from uplift.apps.common.forms import AccessibleFormMixin
from uplift.apps.improvements.choices import ReviewDecision
from uplift.apps.improvements.errors import ImprovementError
from uplift.apps.improvements.models import PLAN_FIELDS, ActionPlan, Proposal
from uplift.apps.improvements.services.plans import PLANNABLE_STATES, person_name

__all__ = [
    "PLAN_HELP",
    "PlanForm",
    "PlanReviewDecisionForm",
    "PlanReviewRequestForm",
    "add_service_error",
]

# What belongs in each of the nine items of seed 002 (OPF SP 2.1 subpractice 3).
PLAN_HELP: dict[str, str] = {
    "infrastructure": "Who facilitates and manages this improvement: the steering committee "
    "that oversees it, the process group, the process action team that carries it out, and "
    "the tools and repositories it uses.",
    "objectives": "What the plan is to achieve, measurably (measure, expected change, by "
    "when), and the business objectives or QPPOs it serves.",
    "improvements": "The proposals and weaknesses addressed, and the change each makes to "
    "the processes and process assets.",
    "tracking_procedures": "How the actions are planned, tracked and reported: the action "
    "list, status meetings, how late actions are escalated.",
    "strategies": "How the change is piloted (where, for how long, judged by what) and then "
    "rolled out: order of projects, training, support.",
    "responsibility": "Who answers for each part of the plan and what they may decide: the "
    "process owner, the team lead, the sponsor who commits resources.",
    "resources": "People, hours, money and tools needed; the schedule of the main steps and "
    "who is assigned to each (the actions hold the detail).",
    "effectiveness_methods": "How you will know it worked: the measures, baselines and "
    "comparisons, and the success criteria that decide it.",
    "risks": "What could stop or spoil the plan, how likely and how bad, and what you will do "
    "about it.",
}


def add_service_error(form: forms.BaseForm, error: ImprovementError) -> None:
    """Show a refused write beside its field, or above the form when no field matches."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


class _UserChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        full = obj.get_full_name()
        return f"{full} ({obj.get_username()})" if full else obj.get_username()


class _ProposalChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.reference} {obj.title} ({obj.get_state_display().lower()})"


def _plannable(plan: ActionPlan | None) -> QuerySet[Proposal]:
    """Selected proposals, and those the plan addresses already (they may have moved on)."""
    condition = Q(state__in=PLANNABLE_STATES)
    if plan is not None and plan.pk is not None:
        condition |= Q(plans=plan)
    return Proposal.objects.filter(condition).distinct().order_by("pk")


class PlanForm(AccessibleFormMixin, forms.Form):
    """A plan's title, owner, proposals and the nine items; editing adds the reason for
    the change and the hidden ``version`` the edit started from."""

    title = forms.CharField(max_length=200)
    owner = _UserChoiceField(
        queryset=get_user_model().objects.none(),
        help_text="Answers for the plan and revises it.",
    )
    proposals = _ProposalChoiceField(
        queryset=Proposal.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Proposals addressed",
        help_text="Proposals selected for validation or deployment.",
    )
    reason = forms.CharField(
        required=False,
        label="Reason for the change",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept with the revision; reviewers read it. Once the plan has been sent "
        "for review, a change makes a new revision that needs their approval again.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, plan: ActionPlan | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = cast(forms.ModelChoiceField, self.fields["owner"])  # type: ignore[type-arg]
        owner.queryset = (
            get_user_model()
            .objects.filter(is_active=True)
            .order_by("first_name", "last_name", "username")
        )
        proposals = cast(forms.ModelMultipleChoiceField, self.fields["proposals"])  # type: ignore[type-arg]
        proposals.queryset = _plannable(plan)
        for name, label in PLAN_FIELDS:
            self.fields[name] = forms.CharField(
                label=label,
                required=False,
                strip=True,
                widget=forms.Textarea(attrs={"rows": 4}),
                help_text=PLAN_HELP[name],
            )
        if plan is None:
            del self.fields["reason"]
            del self.fields["version"]
        order = ["title", "owner", "proposals", *(name for name, _ in PLAN_FIELDS)]
        self.order_fields([*order, "reason", "version"])

    @classmethod
    def initial_for(cls, plan: ActionPlan) -> dict[str, Any]:
        """The form's initial values for editing ``plan``."""
        return {
            "title": plan.title,
            "owner": plan.owner_id,
            "proposals": list(plan.proposals.values_list("pk", flat=True)),
            **{name: getattr(plan, name) for name, _ in PLAN_FIELDS},
            "version": plan.version,
        }

    def values(self) -> dict[str, Any]:
        """The cleaned values as the services take them (no version, no reason)."""
        data = self.cleaned_data
        names = ["title", "owner", "proposals", *(name for name, _ in PLAN_FIELDS)]
        values = {name: data[name] for name in names}
        values["proposals"] = list(values["proposals"])
        return values


REVIEW_CHOICES = [("", "Not asked"), ("required", "Required"), ("optional", "Optional")]


class PlanReviewRequestForm(AccessibleFormMixin, forms.Form):
    """One choice per person who may review plans: not asked, required or optional."""

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = {user.pk: user for user in candidates}
        for user in self.candidates.values():
            self.fields[f"reviewer_{user.pk}"] = forms.ChoiceField(
                choices=REVIEW_CHOICES,
                required=False,
                label=person_name(user),
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.reviewers():
            raise forms.ValidationError("Choose at least one reviewer.")
        return cleaned

    def reviewers(self) -> list[tuple[Any, bool]]:
        """The chosen ``(user, required)`` pairs, in the order offered."""
        chosen = []
        for pk, user in self.candidates.items():
            value = self.cleaned_data.get(f"reviewer_{pk}")
            if value:
                chosen.append((user, value == "required"))
        return chosen


class PlanReviewDecisionForm(AccessibleFormMixin, forms.Form):
    """A reviewer's decision on the revision they were asked to review."""

    decision = forms.ChoiceField(
        choices=[
            (ReviewDecision.APPROVED.value, "Approve this revision"),
            (ReviewDecision.CHANGES_REQUESTED.value, "Request changes"),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Needed when you request changes: say what should change and why.",
    )
