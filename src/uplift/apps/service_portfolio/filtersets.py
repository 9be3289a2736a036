"""FilterSets of the service portfolio, shared by the HTML list and the API.

An invalid value (an unknown state, a username who owns no service, an unknown
outcome) is a form error, which the list and the API answer with a 400. People are
named by their sign-in name (``owner=aisha``), units by slug (``unit=managed-services``).

The outcome filters (``outcome``, ``status``, ``shortfall``) read the services'
scorecards (``selectors_scorecard.portfolio_scorecards``, batched), computed once for
the services the other filters leave; ``scorecards`` keeps them for the page.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from uplift.apps.common.filters import SEARCH_WIDGET, PersonFilter, people_related
from uplift.apps.service_portfolio.choices import OutcomeChoice, ServiceState
from uplift.apps.service_portfolio.models import Service
from uplift.apps.service_portfolio.selectors import (
    OUTCOME_STATUS_LABELS,
    portfolio_scorecards_for,
    scorecards_matching,
)

__all__ = ["ServiceFilterSet"]

Unit: Any = Service._meta.get_field("unit").related_model


def _units(request: Any) -> QuerySet[Any]:
    return Unit.objects.filter(portfolio_services__isnull=False).distinct().order_by("name")


_YES_NO = (("yes", "Yes"), ("no", "No"))


class ServiceFilterSet(django_filters.FilterSet):
    """Services by text (slug, name, description, customers, owner), state, owner
    (sign-in name), unit (slug), an outcome's status, and whether any outcome falls
    short (at risk or not met)."""

    q = django_filters.CharFilter(method="filter_text", label="Search", widget=SEARCH_WIDGET)
    state = django_filters.ChoiceFilter(choices=ServiceState.choices, empty_label="Any")
    owner = PersonFilter(
        queryset=people_related("services_owned"),
        to_field_name="username",
        label="Owner",
        empty_label="Anyone",
    )
    unit = django_filters.ModelChoiceFilter(
        queryset=_units, to_field_name="slug", label="Unit", empty_label="Any"
    )
    outcome = django_filters.ChoiceFilter(
        choices=OutcomeChoice.choices,
        empty_label="Any",
        method="filter_scorecard",
        label="Outcome",
        help_text="Alone: services falling short in this outcome; with a status: services "
        "whose outcome has it.",
    )
    status = django_filters.ChoiceFilter(
        choices=list(OUTCOME_STATUS_LABELS.items()),
        empty_label="Any",
        method="filter_scorecard",
        label="Outcome status",
    )
    shortfall = django_filters.ChoiceFilter(
        choices=_YES_NO,
        empty_label="Either",
        method="filter_scorecard",
        label="Falls short",
        help_text="Some outcome at risk or not met.",
    )

    class Meta:
        model = Service
        fields = ["q", "state", "owner", "unit", "outcome", "status", "shortfall"]

    scorecards: dict[int, Any] | None = None

    def filter_text(self, queryset: QuerySet[Service], name: str, value: str) -> QuerySet[Service]:
        """Match the text in the slug, name, description, customers or owner's name."""
        text = value.strip()
        if not text:
            return queryset
        return queryset.filter(
            Q(slug__icontains=text)
            | Q(name__icontains=text)
            | Q(description__icontains=text)
            | Q(customers__icontains=text)
            | Q(owner__username__icontains=text)
            | Q(owner__first_name__icontains=text)
            | Q(owner__last_name__icontains=text)
        )

    def filter_scorecard(
        self, queryset: QuerySet[Service], name: str, value: Any
    ) -> QuerySet[Service]:
        """Applied in ``filter_queryset``, once for the three outcome filters."""
        return queryset

    def filter_queryset(self, queryset: QuerySet[Service]) -> QuerySet[Service]:
        """The ORM filters, then (when asked for) the outcome filters over the services
        they leave, from one batch of scorecards."""
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        outcome, status = data.get("outcome") or "", data.get("status") or ""
        shortfall = {"yes": True, "no": False}.get(data.get("shortfall") or "")
        if not (outcome or status or shortfall is not None):
            return queryset
        self.scorecards = portfolio_scorecards_for(queryset)
        chosen = scorecards_matching(
            self.scorecards, outcome=outcome, status=status, shortfall=shortfall
        )
        return queryset.filter(pk__in=chosen)
