"""Forms of the review pages, and the reviews' FilterSet: shape only;
``services.reviews`` applies the rules.

``ServicePortfolioError.field`` names one of these forms' fields where it can, so a
refused write shows beside its input (``add_service_error``); a ``ConflictError``
(field ``version``, hidden) shows above the form.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from uplift.apps.common.filters import (
    SEARCH_WIDGET,
    PersonChoiceField,
    PersonFilter,
    people_related,
)
from uplift.apps.common.forms import AccessibleFormMixin
from uplift.apps.service_portfolio.choices import (
    OutcomeChoice,
    ReviewKind,
    ReviewState,
    ServiceState,
)
from uplift.apps.service_portfolio.forms.portfolio import add_service_error
from uplift.apps.service_portfolio.models import Review, Service

__all__ = [
    "DecisionForm",
    "ReviewFilterSet",
    "ReviewForm",
    "add_service_error",
]

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class _ServicesField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        state = "" if obj.state == ServiceState.CATALOG else f" ({obj.get_state_display().lower()})"
        return f"{obj.name}{state}"


class _ServiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


def _people() -> QuerySet[Any]:
    return (
        get_user_model()
        ._default_manager.filter(is_active=True)
        .order_by("first_name", "last_name", "username")
    )


def _reviewable(review: Review | None) -> QuerySet[Service]:
    """Services that are not retired, and those the review has already."""
    condition = ~Q(state=ServiceState.RETIRED)
    if review is not None and review.pk is not None:
        condition |= Q(reviews=review)
    return Service.objects.filter(condition).distinct().order_by("name", "pk")


class ReviewForm(AccessibleFormMixin, forms.Form):
    """A review's title, kind, day, chair, services and notes; editing adds the hidden
    ``version``."""

    title = forms.CharField(
        max_length=200,
        help_text="E.g. “Portfolio review Q4 2026” or “Service alignment: Database Hosting”.",
    )
    kind = forms.ChoiceField(
        choices=ReviewKind.choices,
        help_text="A portfolio review looks at every service; a service alignment review at "
        "one service (or a few) and its fit with the business.",
    )
    held_on = forms.DateField(
        widget=_DATE,
        label="Held on",
        help_text="The scorecards are taken as of this day, or today if it is later.",
    )
    chair = PersonChoiceField(queryset=get_user_model()._default_manager.none(), required=False)
    services = _ServicesField(
        queryset=Service.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The services whose scorecards and shortfalls the review opens with. None "
        "chosen: every service in the catalog.",
    )
    notes = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Agenda, attendees, minutes.",
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, review: Review | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.review = review
        chair = self.fields["chair"]
        chair.queryset = _people()  # type: ignore[attr-defined]
        chair.help_text = (
            "Who chairs the review." if review is not None else "Who chairs it; you, if left empty."
        )
        self.fields["services"].queryset = _reviewable(review)  # type: ignore[attr-defined]
        if review is not None:
            self.fields[
                "services"
            ].help_text = (
                "A service added has its scorecard kept now; a service with decisions stays."
            )
        else:
            del self.fields["version"]

    @classmethod
    def initial_for(cls, review: Review | None, *, actor: Any, today: Any) -> dict[str, Any]:
        if review is None:
            catalog = Service.objects.filter(state=ServiceState.CATALOG).values_list(
                "pk", flat=True
            )
            return {
                "kind": ReviewKind.PORTFOLIO,
                "held_on": today,
                "chair": actor.pk,
                "services": list(catalog),
            }
        return {
            "title": review.title,
            "kind": review.kind,
            "held_on": review.held_on,
            "chair": review.chair_id,
            "services": list(review.services.values_list("pk", flat=True)),
            "notes": review.notes,
            "version": review.version,
        }

    def values(self) -> dict[str, Any]:
        """The service's arguments (``review_open``) or data (``review_update``)."""
        data = self.cleaned_data
        values = {
            "title": data["title"],
            "kind": data["kind"],
            "held_on": data["held_on"],
            "chair": data["chair"],
            "services": list(data["services"]),
            "notes": data["notes"],
        }
        if self.review is not None and values["chair"] is None:
            values["chair"] = self.review.chair  # an edit keeps the chair unless changed
        return values


class DecisionForm(AccessibleFormMixin, forms.Form):
    """A decision: what, about which service and outcome, who owns it, by when."""

    text = forms.CharField(
        label="Decision",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What was decided, as an action: “Add a replica to raise availability to "
        "99.5 %”. Its first line becomes the proposal's title.",
    )
    service = _ServiceField(
        queryset=Service.objects.none(),
        required=False,
        empty_label="The portfolio as a whole",
        help_text="The service the decision is about.",
    )
    outcome = forms.ChoiceField(
        choices=[("", "No particular outcome"), *OutcomeChoice.choices],
        required=False,
        help_text="The scorecard outcome it answers; its rule and evidence go into the "
        "improvement proposal.",
    )
    owner = PersonChoiceField(
        queryset=get_user_model()._default_manager.none(),
        required=False,
        empty_label="Nobody yet",
        help_text="Who carries it out.",
    )
    due = forms.DateField(required=False, widget=_DATE, help_text="By when (optional).")

    def __init__(self, *args: Any, review: Review, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = review.services.order_by("name", "pk")  # type: ignore[attr-defined]
        self.fields["owner"].queryset = _people()  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data[name] for name in ("text", "service", "outcome", "owner", "due")
        }


# -- the list's filters -------------------------------------------------------------------------


def _services(request: Any) -> QuerySet[Service]:
    return Service.objects.filter(reviews__isnull=False).distinct().order_by("name", "pk")


class _ServiceFilter(django_filters.ModelChoiceFilter):
    field_class = _ServiceField


class ReviewFilterSet(django_filters.FilterSet):
    """Reviews by text (title, notes, decisions), kind, state, chair (sign-in name),
    service (slug), the day held (from, to) and whether a decision still waits to
    become a proposal."""

    q = django_filters.CharFilter(method="filter_text", label="Search", widget=SEARCH_WIDGET)
    kind = django_filters.ChoiceFilter(choices=ReviewKind.choices, empty_label="Any")
    state = django_filters.ChoiceFilter(choices=ReviewState.choices, empty_label="Any")
    chair = PersonFilter(
        queryset=people_related("reviews_chaired"),
        to_field_name="username",
        label="Chair",
        empty_label="Anyone",
    )
    service = _ServiceFilter(
        queryset=_services,
        field_name="services",
        to_field_name="slug",
        label="Service",
        empty_label="Any",
    )
    held_from = django_filters.DateFilter(
        field_name="held_on", lookup_expr="gte", label="Held from", widget=_DATE
    )
    held_to = django_filters.DateFilter(
        field_name="held_on", lookup_expr="lte", label="Held to", widget=_DATE
    )
    unproposed = django_filters.ChoiceFilter(
        method="filter_unproposed",
        choices=[("yes", "Some"), ("no", "None")],
        label="Decisions not yet proposals",
        empty_label="Any",
    )

    class Meta:
        model = Review
        fields = ["q", "kind", "state", "chair", "service", "held_from", "held_to", "unproposed"]

    def filter_text(self, queryset: QuerySet[Review], name: str, value: str) -> QuerySet[Review]:
        """The text in the title, the notes or a decision."""
        return queryset.filter(
            Q(title__icontains=value)
            | Q(notes__icontains=value)
            | Q(pk__in=Review.objects.filter(decisions__text__icontains=value).values("pk"))
        )

    def filter_unproposed(
        self, queryset: QuerySet[Review], name: str, value: str
    ) -> QuerySet[Review]:
        """Reviews with (``yes``) or without (``no``) a decision not yet a proposal."""
        waiting = Review.objects.filter(decisions__isnull=False, decisions__proposal__isnull=True)
        pks = waiting.values("pk")
        return queryset.filter(pk__in=pks) if value == "yes" else queryset.exclude(pk__in=pks)
