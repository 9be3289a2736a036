"""Forms and the filters of the continuity pages: shape only, ``services.continuity``
applies the rules.

``ServicePortfolioError.field`` names one of these forms' fields where it can, so a
refused write shows beside its input (``add_service_error``); a ``ConflictError``
(field ``version``, hidden) shows above the form.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from uplift.apps.common.filters import SEARCH_WIDGET, PersonFilter, people_related
from uplift.apps.common.forms import AccessibleFormMixin
from uplift.apps.service_portfolio.choices import ServiceState, TestResult
from uplift.apps.service_portfolio.forms.portfolio import add_service_error
from uplift.apps.service_portfolio.models import ContinuityPlan, Service
from uplift.apps.service_portfolio.selectors_continuity import (
    CONTINUITY_STATE_LABELS,
    continuity_state_filter,
)
from uplift.apps.service_portfolio.services.continuity import MAX_TEST_INTERVAL_DAYS

__all__ = [
    "ContinuityPlanFilterSet",
    "ContinuityPlanForm",
    "ContinuityTestForm",
    "add_service_error",
]

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class _ServiceChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        if obj.state == ServiceState.RETIRED:
            return f"{obj.name} (retired)"
        return str(obj.name)


class ContinuityPlanForm(AccessibleFormMixin, forms.Form):
    """A continuity plan's content (CMMI-SVC SCON SP 1.1 to 2.1); editing adds the
    hidden ``version``."""

    name = forms.CharField(
        max_length=200,
        help_text="The disruption the plan answers, e.g. “Loss of the primary data centre”.",
    )
    essential_functions = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One per line: what must keep working, or be restored first, when the "
        "service is disrupted.",
    )
    dependencies = _ServiceChoiceField(
        queryset=Service.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Services it depends on",
        help_text="Services of the portfolio the essential functions need.",
    )
    other_dependencies = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Other dependencies",
        help_text="Suppliers, facilities, people and systems outside the portfolio.",
    )
    vital_records = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line: the records and databases that must be protected to "
        "restore the service.",
    )
    plan = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        label="The plan",
        help_text="What is done, by whom, in which order, and how the service is brought "
        "back; or where the plan is kept (a document, a runbook).",
    )
    test_interval_days = forms.IntegerField(
        min_value=1,
        max_value=MAX_TEST_INTERVAL_DAYS,
        initial=365,
        label="Test every (days)",
        help_text="The next test falls due this many days after the last one (365: yearly).",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self, *args: Any, service: Service, plan: ContinuityPlan | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        condition = ~Q(state=ServiceState.RETIRED)
        if plan is not None and plan.pk is not None:
            condition |= Q(dependents=plan)
        field = self.fields["dependencies"]
        field.queryset = (  # type: ignore[attr-defined]
            Service.objects.filter(condition).exclude(pk=service.pk).distinct().order_by("name")
        )
        if plan is None:
            del self.fields["version"]

    @staticmethod
    def initial_for(plan: ContinuityPlan) -> dict[str, Any]:
        return {
            "name": plan.name,
            "essential_functions": plan.essential_functions,
            "dependencies": [service.pk for service in plan.dependencies.all()],
            "other_dependencies": plan.other_dependencies,
            "vital_records": plan.vital_records,
            "plan": plan.plan,
            "test_interval_days": plan.test_interval_days,
            "version": plan.version,
        }

    def values(self) -> dict[str, Any]:
        """The cleaned content, as ``continuity_create`` and ``continuity_update`` take it."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "essential_functions": data["essential_functions"],
            "dependencies": list(data["dependencies"]),
            "other_dependencies": data["other_dependencies"],
            "vital_records": data["vital_records"],
            "plan": data["plan"],
            "test_interval_days": data["test_interval_days"],
        }


class ContinuityTestForm(AccessibleFormMixin, forms.Form):
    """A test of the plan: when, the result, and notes (what failed, what was learnt)."""

    tested_on = forms.DateField(
        widget=_DATE,
        label="Tested on",
        help_text="The day the test was held (not in the future).",
    )
    result = forms.ChoiceField(
        choices=TestResult.choices,
        widget=forms.RadioSelect,
        help_text="Passed: the essential functions were restored as the plan says.",
    )
    notes = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Required when the test failed: what failed, and what must change.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tested_on"].initial = timezone.localdate()
        self.fields["tested_on"].widget.attrs["max"] = timezone.localdate().isoformat()


# -- the overview's filters ------------------------------------------------------------------


def _services(request: Any) -> QuerySet[Service]:
    return Service.objects.filter(continuity_plans__isnull=False).distinct().order_by("name")


_STATE_CHOICES = [(state.value, label) for state, label in CONTINUITY_STATE_LABELS.items()]
_YES_NO = (("yes", "Yes"), ("no", "No"))


class ContinuityPlanFilterSet(django_filters.FilterSet):
    """Continuity plans by text (name, service, essential functions, vital records),
    service (slug), owner of the service (sign-in name), test status on today and
    whether they need attention (never tested, failed or overdue)."""

    q = django_filters.CharFilter(method="filter_text", label="Search", widget=SEARCH_WIDGET)
    service = django_filters.ModelChoiceFilter(
        queryset=_services, to_field_name="slug", label="Service", empty_label="Any"
    )
    owner = PersonFilter(
        queryset=people_related("services_owned__continuity_plans"),
        field_name="service__owner",
        to_field_name="username",
        label="Service owner",
        empty_label="Anyone",
    )
    state = django_filters.ChoiceFilter(
        choices=_STATE_CHOICES, method="filter_state", label="Test status", empty_label="Any"
    )
    attention = django_filters.ChoiceFilter(
        choices=_YES_NO, method="filter_attention", label="Needs attention", empty_label="Any"
    )

    class Meta:
        model = ContinuityPlan
        fields = ["q", "service", "owner", "state", "attention"]

    def filter_text(
        self, queryset: QuerySet[ContinuityPlan], name: str, value: str
    ) -> QuerySet[ContinuityPlan]:
        text = value.strip()
        if not text:
            return queryset
        return queryset.filter(
            Q(name__icontains=text)
            | Q(service__name__icontains=text)
            | Q(service__slug__icontains=text)
            | Q(essential_functions__icontains=text)
            | Q(vital_records__icontains=text)
        )

    def filter_state(
        self, queryset: QuerySet[ContinuityPlan], name: str, value: str
    ) -> QuerySet[ContinuityPlan]:
        return queryset.filter(continuity_state_filter(value, today=_today()))

    def filter_attention(
        self, queryset: QuerySet[ContinuityPlan], name: str, value: str
    ) -> QuerySet[ContinuityPlan]:
        fine = continuity_state_filter("due", today=_today())
        return queryset.exclude(fine) if value == "yes" else queryset.filter(fine)


def _today() -> dt.date:
    return timezone.localdate()
