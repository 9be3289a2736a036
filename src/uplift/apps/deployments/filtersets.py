"""FilterSets of deployment plans, shared by the HTML list and the API.

An invalid value (an unknown state, a username nobody has) is a form error, which the
list and the API answer with a 400. People are named by their sign-in name
(``owner=grace``), proposals by id (``proposal=12``).
"""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from uplift.apps.common.filters import BY_LAST_NAME, SEARCH_WIDGET, PersonFilter, people_related
from uplift.apps.deployments.choices import PlanState
from uplift.apps.deployments.models import DeploymentPlan

__all__ = ["PlanFilterSet"]

_REFERENCE = re.compile(r"^\s*DEP-?(\d+)\s*$", re.IGNORECASE)
Proposal: Any = DeploymentPlan._meta.get_field("proposals").related_model


class _ProposalField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.reference} {obj.title}"


class _ProposalFilter(django_filters.ModelChoiceFilter):
    field_class = _ProposalField


def _proposals(request: Any) -> QuerySet[Any]:
    return Proposal.objects.filter(deployment_plans__isnull=False).distinct().order_by("pk")


class PlanFilterSet(django_filters.FilterSet):
    """Plans by text (title, adjustment, schedule, ``DEP-12``), state, owner (sign-in
    name) and proposal (id)."""

    q = django_filters.CharFilter(method="filter_text", label="Search", widget=SEARCH_WIDGET)
    state = django_filters.ChoiceFilter(choices=PlanState.choices, empty_label="Any")
    owner = PersonFilter(
        queryset=people_related("deployment_plans_owned", order_by=BY_LAST_NAME),
        to_field_name="username",
        label="Owner",
        empty_label="Anyone",
    )
    proposal = _ProposalFilter(
        queryset=_proposals,
        field_name="proposals",
        label="Improvement",
        empty_label="Any",
    )

    class Meta:
        model = DeploymentPlan
        fields = ["q", "state", "owner", "proposal"]

    def filter_text(
        self, queryset: QuerySet[DeploymentPlan], name: str, value: str
    ) -> QuerySet[DeploymentPlan]:
        """Match the reference (``DEP-12``), or the text in the title, the adjustment or
        the schedule."""
        reference = _REFERENCE.match(value)
        if reference:
            return queryset.filter(pk=int(reference.group(1)))
        return queryset.filter(
            Q(title__icontains=value)
            | Q(adjustment__icontains=value)
            | Q(schedule_notes__icontains=value)
        )
