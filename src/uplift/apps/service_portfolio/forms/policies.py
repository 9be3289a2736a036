"""Forms and filters of the policy and compliance pages: shape only,
``services.policies`` applies the rules.

``ServicePortfolioError.field`` names one of these forms' fields where it can, so a
refused write shows beside its input (``add_service_error``); a ``ConflictError``
(field ``version``, hidden) shows above the form.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from uplift.apps.common.filters import (
    SEARCH_WIDGET,
    PersonChoiceField,
    PersonFilter,
    people_related,
)
from uplift.apps.common.forms import AccessibleFormMixin
from uplift.apps.service_portfolio.choices import ComplianceResult, ServiceState
from uplift.apps.service_portfolio.forms.portfolio import add_service_error
from uplift.apps.service_portfolio.models import ComplianceCheck, Policy, Service
from uplift.apps.service_portfolio.selectors_policies import (
    check_counts_condition,
    policy_failing_condition,
)

__all__ = [
    "ComplianceCheckFilterSet",
    "ComplianceForm",
    "PolicyFilterSet",
    "PolicyForm",
    "add_service_error",
]

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_YES_NO = (("yes", "Yes"), ("no", "No"))


class _ServicesField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        if obj.state == ServiceState.RETIRED:
            return f"{obj.name} (retired)"
        return str(obj.name)


def _people(current: Any = None) -> QuerySet[Any]:
    condition = Q(is_active=True)
    if current is not None:
        condition |= Q(pk=current)
    return (
        get_user_model().objects.filter(condition).order_by("first_name", "last_name", "username")
    )


class PolicyForm(AccessibleFormMixin, forms.Form):
    """A policy's address (new policies only), name, statement, owner, review date and
    services; editing adds ``active`` and the hidden ``version``."""

    slug = forms.SlugField(
        max_length=100,
        label="Address",
        help_text="Lowercase letters, digits and hyphens, e.g. “backup-retention”. It is "
        "the policy's permanent address: it does not change later.",
    )
    name = forms.CharField(max_length=200)
    statement = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What the policy requires of the services it governs, so that a check can "
        "say whether a service complies.",
    )
    owner = PersonChoiceField(
        queryset=get_user_model().objects.none(),
        help_text="Keeps the policy current and answers questions about it.",
    )
    review_due = forms.DateField(
        widget=_DATE,
        label="Next review",
        help_text="When the policy is next reviewed; after that day it is flagged as overdue.",
    )
    services = _ServicesField(
        queryset=Service.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Services governed",
        help_text="The services checked against this policy; their latest check counts on "
        "their scorecard's compliant outcome.",
    )
    active = forms.BooleanField(
        required=False,
        help_text="An inactive policy is kept with its checks, but they no longer count.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, policy: Policy | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        editing = policy is not None and policy.pk is not None
        self.fields["owner"].queryset = _people(  # type: ignore[attr-defined]
            policy.owner_id if editing and policy is not None else None
        )
        condition = ~Q(state=ServiceState.RETIRED)
        if editing:
            condition |= Q(policies=policy)
        self.fields["services"].queryset = (  # type: ignore[attr-defined]
            Service.objects.filter(condition).distinct().order_by("name")
        )
        if editing:
            del self.fields["slug"]
        else:
            del self.fields["active"]
            del self.fields["version"]

    @staticmethod
    def initial_for(policy: Policy) -> dict[str, Any]:
        return {
            "name": policy.name,
            "statement": policy.statement,
            "owner": policy.owner_id,
            "review_due": policy.review_due,
            "services": [service.pk for service in policy.services.all()],
            "active": policy.active,
            "version": policy.version,
        }

    def values(self) -> dict[str, Any]:
        """The cleaned input, as ``policy_create`` or ``policy_update`` takes it."""
        data = self.cleaned_data
        values = {
            "name": data["name"],
            "statement": data["statement"],
            "owner": data["owner"],
            "review_due": data["review_due"],
            "services": list(data["services"]),
        }
        if "slug" in self.fields:
            values["slug"] = data["slug"]
        if "active" in self.fields:
            values["active"] = data["active"]
        return values


class _PolicyChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class ComplianceForm(AccessibleFormMixin, forms.Form):
    """A check of one service against one active policy governing it. The waiver is
    offered only to those who may waive."""

    policy = _PolicyChoiceField(
        queryset=Policy.objects.none(),
        to_field_name="slug",
        help_text="The active policies that govern this service.",
    )
    result = forms.ChoiceField(
        choices=ComplianceResult.choices,
        widget=forms.RadioSelect,
        help_text="Failed: the service does not comply; say what the finding is. Waived: it "
        "need not comply for now; say why, and until when.",
    )
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Finding or reason",
        help_text="Required for a failure (the finding) and for a waiver (its reason).",
    )
    checked_on = forms.DateField(
        widget=_DATE, label="Checked on", help_text="The day of the check (not in the future)."
    )

    def __init__(self, *args: Any, service: Service, can_waive: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["policy"].queryset = (  # type: ignore[attr-defined]
            service.policies.filter(active=True).order_by("name")
        )
        today = timezone.localdate()
        self.fields["checked_on"].initial = today
        self.fields["checked_on"].widget.attrs["max"] = today.isoformat()
        if not can_waive:
            field = self.fields["result"]
            field.choices = [  # type: ignore[attr-defined]
                (value, label)
                for value, label in ComplianceResult.choices
                if value != ComplianceResult.WAIVED
            ]
            field.help_text = (
                "Failed: the service does not comply; say what the finding is. A waiver is "
                "granted by the process group, a sponsor or the steering committee."
            )
            self.fields["reason"].label = "Finding"
            self.fields["reason"].help_text = "Required for a failure: what does not comply."


# -- the lists' filters ----------------------------------------------------------------------


def _governed(request: Any) -> QuerySet[Service]:
    return Service.objects.filter(policies__isnull=False).distinct().order_by("name")


def _all_services(request: Any) -> QuerySet[Service]:
    # Every service, so that a link "every check of this service" is never a 400.
    return Service.objects.order_by("name")


def _policies(request: Any) -> QuerySet[Policy]:
    return Policy.objects.order_by("name")


_REVIEW = (("overdue", "Overdue"), ("due_90", "Due within 90 days"), ("later", "Later"))


class PolicyFilterSet(django_filters.FilterSet):
    """Policies by text (name, address, statement), owner (sign-in name), active, the
    review (overdue, due within 90 days, later), a service governed (slug) and whether
    a service's latest check against it failed."""

    q = django_filters.CharFilter(method="filter_text", label="Search", widget=SEARCH_WIDGET)
    owner = PersonFilter(
        queryset=people_related("policies_owned"),
        to_field_name="username",
        label="Owner",
        empty_label="Anyone",
    )
    active = django_filters.ChoiceFilter(
        choices=_YES_NO, method="filter_active", label="Active", empty_label="Any"
    )
    review = django_filters.ChoiceFilter(
        choices=_REVIEW, method="filter_review", label="Review", empty_label="Any"
    )
    service = django_filters.ModelChoiceFilter(
        queryset=_governed,
        field_name="services",
        to_field_name="slug",
        label="Governs",
        empty_label="Any service",
    )
    failing = django_filters.ChoiceFilter(
        choices=_YES_NO, method="filter_failing", label="A service fails it", empty_label="Any"
    )

    class Meta:
        model = Policy
        fields = ["q", "owner", "active", "review", "service", "failing"]

    def filter_text(self, queryset: QuerySet[Policy], name: str, value: str) -> QuerySet[Policy]:
        text = value.strip()
        if not text:
            return queryset
        return queryset.filter(
            Q(name__icontains=text) | Q(slug__icontains=text) | Q(statement__icontains=text)
        )

    def filter_active(self, queryset: QuerySet[Policy], name: str, value: str) -> QuerySet[Policy]:
        return queryset.filter(active=value == "yes")

    def filter_review(self, queryset: QuerySet[Policy], name: str, value: str) -> QuerySet[Policy]:
        today = timezone.localdate()
        soon = today + dt.timedelta(days=90)
        if value == "overdue":
            return queryset.filter(active=True, review_due__lt=today)
        if value == "due_90":
            return queryset.filter(review_due__gte=today, review_due__lte=soon)
        return queryset.filter(review_due__gt=soon)

    def filter_failing(self, queryset: QuerySet[Policy], name: str, value: str) -> QuerySet[Policy]:
        failing = policy_failing_condition()
        return queryset.filter(failing) if value == "yes" else queryset.exclude(failing)


class ComplianceCheckFilterSet(django_filters.FilterSet):
    """Compliance checks by policy (address), service (slug), result, whether it is
    the check that counts (the latest of its policy and service), and the period."""

    policy = django_filters.ModelChoiceFilter(
        queryset=_policies, to_field_name="slug", label="Policy", empty_label="Any"
    )
    service = django_filters.ModelChoiceFilter(
        queryset=_all_services, to_field_name="slug", label="Service", empty_label="Any"
    )
    result = django_filters.ChoiceFilter(
        choices=ComplianceResult.choices, label="Result", empty_label="Any"
    )
    latest = django_filters.ChoiceFilter(
        choices=_YES_NO, method="filter_latest", label="Counts now", empty_label="Any"
    )
    checked_from = django_filters.DateFilter(
        field_name="checked_on", lookup_expr="gte", label="Checked from", widget=_DATE
    )
    checked_to = django_filters.DateFilter(
        field_name="checked_on", lookup_expr="lte", label="Checked to", widget=_DATE
    )

    class Meta:
        model = ComplianceCheck
        fields = ["policy", "service", "result", "latest", "checked_from", "checked_to"]

    def filter_latest(
        self, queryset: QuerySet[ComplianceCheck], name: str, value: str
    ) -> QuerySet[ComplianceCheck]:
        counts = check_counts_condition()
        return queryset.filter(counts) if value == "yes" else queryset.exclude(counts)
