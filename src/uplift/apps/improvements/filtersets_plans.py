"""FilterSets of plans, actions and team members, shared by the HTML lists and the API.

An invalid value (an unknown state, a username nobody has) is a form error, which the
lists and the API answer with a 400. People are named by their sign-in name
(``owner=grace``). ``late`` means due before today and neither done nor cancelled.
"""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from uplift.apps.common.filters import BY_LAST_NAME, SEARCH_WIDGET, PersonFilter, people_related
from uplift.apps.improvements.choices import ActionStatus, PlanState
from uplift.apps.improvements.models import Action, ActionPlan, PlanMember

__all__ = ["ActionFilterSet", "PlanFilterSet", "PlanMemberFilterSet"]

_REFERENCE = re.compile(r"^\s*PAP-?(\d+)\s*$", re.IGNORECASE)
_CLOSED = (ActionStatus.DONE, ActionStatus.CANCELLED)


def _people(request: Any) -> QuerySet[Any]:
    return get_user_model()._default_manager.order_by("username")


class PlanFilterSet(django_filters.FilterSet):
    """Plans by text (title, objectives, ``PAP-12``), state and owner (sign-in name)."""

    q = django_filters.CharFilter(method="filter_text", label="Search", widget=SEARCH_WIDGET)
    state = django_filters.ChoiceFilter(choices=PlanState.choices, empty_label="Any")
    owner = PersonFilter(
        queryset=people_related("action_plans_owned", order_by=BY_LAST_NAME),
        to_field_name="username",
        label="Owner",
        empty_label="Anyone",
    )

    class Meta:
        model = ActionPlan
        fields = ["q", "state", "owner"]

    def filter_text(
        self, queryset: QuerySet[ActionPlan], name: str, value: str
    ) -> QuerySet[ActionPlan]:
        """Match the reference (``PAP-12``), or the text in the title or objectives."""
        reference = _REFERENCE.match(value)
        if reference:
            return queryset.filter(pk=int(reference.group(1)))
        return queryset.filter(Q(title__icontains=value) | Q(objectives__icontains=value))


class ActionFilterSet(django_filters.FilterSet):
    """Actions by plan (id), owner (sign-in name), status and lateness."""

    plan = django_filters.ModelChoiceFilter(queryset=ActionPlan.objects.all(), label="Plan")
    owner = django_filters.ModelChoiceFilter(
        queryset=_people, to_field_name="username", label="Owner"
    )
    status = django_filters.ChoiceFilter(choices=ActionStatus.choices)
    late = django_filters.BooleanFilter(
        method="filter_late",
        label="Late",
        help_text="true: due before today and neither done nor cancelled; false: the others.",
    )

    class Meta:
        model = Action
        fields = ["plan", "owner", "status", "late"]

    def filter_late(self, queryset: QuerySet[Action], name: str, value: bool) -> QuerySet[Action]:
        late = Q(due__lt=timezone.localdate()) & ~Q(status__in=_CLOSED)
        return queryset.filter(late) if value else queryset.exclude(late)


class PlanMemberFilterSet(django_filters.FilterSet):
    """Team members by plan (id)."""

    plan = django_filters.ModelChoiceFilter(queryset=ActionPlan.objects.all(), label="Plan")

    class Meta:
        model = PlanMember
        fields = ["plan"]
