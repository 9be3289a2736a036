"""Forms of the pilot pages: they shape input; ``services.pilots`` checks the rules.

- ``PilotForm``: a pilot's plan (create and edit; an edit carries the hidden
  ``version`` it started from);
- ``PilotDecisionForm``: the decision and its rationale;
- ``PilotFilterSet``: the pilot list's filters (status, decision, proposal), shared by
  the page and the API.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from uplift.apps.common.forms import AccessibleFormMixin
from uplift.apps.improvements.choices import PilotDecision, PilotStatus
from uplift.apps.improvements.models import Pilot
from uplift.apps.measurements.selectors import measure_list
from uplift.apps.organization.selectors import work_activity_list

__all__ = ["PilotDecisionForm", "PilotFilterSet", "PilotForm"]

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class _NamedChoices(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.slug})"


class PilotForm(AccessibleFormMixin, forms.Form):
    """Where the pilot runs, against what, which measures show it, when, and its
    success criteria."""

    title = forms.CharField(max_length=200)
    work_activities = _NamedChoices(
        queryset=work_activity_list(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="The work activities that try the change.",
    )
    comparison_activities = _NamedChoices(
        queryset=work_activity_list(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="Alike but unchanged, to compare with. None: the pilot's activities are "
        "compared with themselves over as long a time before the start.",
    )
    measures = _NamedChoices(
        queryset=measure_list(),
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="The measures that should show the effect (those of the expected benefits).",
    )
    start = forms.DateField(widget=_DATE)
    end = forms.DateField(widget=_DATE)
    success_criteria = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What the pilot must show to proceed to deployment, in numbers.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    @classmethod
    def initial_for(cls, pilot: Pilot) -> dict[str, Any]:
        return {
            "title": pilot.title,
            "work_activities": list(pilot.work_activities.all()),
            "comparison_activities": list(pilot.comparison_activities.all()),
            "measures": list(pilot.measures.all()),
            "start": pilot.start,
            "end": pilot.end,
            "success_criteria": pilot.success_criteria,
            "version": pilot.version,
        }

    def values(self) -> dict[str, Any]:
        """The service's keyword arguments (without the proposal, actor and version)."""
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


class PilotDecisionForm(AccessibleFormMixin, forms.Form):
    """The decision on a running pilot."""

    decision = forms.ChoiceField(choices=PilotDecision.choices, widget=forms.RadioSelect)
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Why, in the light of the results and the success criteria; it is kept "
        "with the pilot and the proposal's record.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class PilotFilterSet(django_filters.FilterSet):
    """Pilots by text, status, decision and proposal."""

    q = django_filters.CharFilter(
        method="filter_text", label="Search", widget=forms.TextInput(attrs={"type": "search"})
    )
    status = django_filters.ChoiceFilter(choices=PilotStatus.choices, empty_label="Any")
    decision = django_filters.ChoiceFilter(choices=PilotDecision.choices, empty_label="Any")
    proposal = django_filters.NumberFilter(field_name="proposal", label="Proposal id")

    class Meta:
        model = Pilot
        fields = ["q", "status", "decision", "proposal"]

    def filter_text(self, queryset: QuerySet[Pilot], name: str, value: str) -> QuerySet[Pilot]:
        """Match the text in the pilot's or its proposal's title."""
        return queryset.filter(Q(title__icontains=value) | Q(proposal__title__icontains=value))
