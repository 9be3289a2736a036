"""FilterSets of the model library: one per model, shared by the HTML lists and the API.

Every filter validates its value: a malformed value (``maturity_level=two``,
``latest=maybe``, ``model_reference=CMMI-DEV``) is a form error, which the API turns
into a 400 and the UI shows next to the field, instead of being silently ignored.
"""

from __future__ import annotations

from typing import Any, TypeVar

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.db.models import Model, Q, QuerySet

from uplift.apps.library.choices import GoalKind
from uplift.apps.library.models import Practice, ProcessArea, ProcessModel

_M = TypeVar("_M", bound=Model)

REFERENCE_VALIDATOR = RegexValidator(
    r"^[^@\s]+@[^@\s]+$", "Use IDENTIFIER@VERSION, for example CMMI-DEV@1.3."
)


def _is_true(value: str) -> bool:
    return value == "true"


class StrictBooleanField(forms.TypedChoiceField):
    """``true`` or ``false`` (or empty: no filter); anything else is an error."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("choices", [("", "Any"), ("true", "Yes"), ("false", "No")])
        kwargs.setdefault("coerce", _is_true)
        kwargs.setdefault("empty_value", None)
        super().__init__(**kwargs)


class StrictBooleanFilter(django_filters.BooleanFilter):
    """A boolean filter that refuses ``maybe`` (django-filter's own ignores it)."""

    field_class = StrictBooleanField


class IntegerFilter(django_filters.NumberFilter):
    """A whole number; ``1.5`` is an error rather than a rounded match."""

    field_class = forms.IntegerField


def _filter_reference(queryset: QuerySet[_M], prefix: str, value: str) -> QuerySet[_M]:
    identifier, version = value.split("@", 1)
    return queryset.filter(**{f"{prefix}identifier": identifier, f"{prefix}version": version})


def _search(queryset: QuerySet[_M], fields: tuple[str, ...], value: str) -> QuerySet[_M]:
    """Every word must occur (case-insensitively) in at least one of ``fields``."""
    for word in value.split():
        match = Q()
        for field in fields:
            match |= Q(**{f"{field}__icontains": word})
        queryset = queryset.filter(match)
    return queryset


class ProcessModelFilterSet(django_filters.FilterSet):
    """Model versions by identifier, version, reference or only the latest of each."""

    identifier = django_filters.CharFilter(help_text="Model family, e.g. CMMI-DEV (exact).")
    version = django_filters.CharFilter(help_text="Version label, e.g. 1.3 (exact).")
    reference = django_filters.CharFilter(
        method="filter_reference",
        validators=[REFERENCE_VALIDATOR],
        help_text="IDENTIFIER@VERSION, e.g. CMMI-DEV@1.3.",
    )
    latest = StrictBooleanFilter(
        field_name="is_latest", help_text="true: only the newest version of each model."
    )

    class Meta:
        model = ProcessModel
        fields = ["identifier", "version", "reference", "latest"]

    def filter_reference(
        self, queryset: QuerySet[ProcessModel], name: str, value: str
    ) -> QuerySet[ProcessModel]:
        return _filter_reference(queryset, "", value)


class ProcessAreaFilterSet(django_filters.FilterSet):
    """Process areas by model, category, maturity level, optionality or words."""

    model = django_filters.ModelChoiceFilter(
        queryset=ProcessModel.objects.all(), help_text="Model version id."
    )
    model_reference = django_filters.CharFilter(
        method="filter_model_reference",
        validators=[REFERENCE_VALIDATOR],
        help_text="IDENTIFIER@VERSION of the model, e.g. CMMI-DEV@1.3.",
    )
    category = django_filters.CharFilter(
        field_name="category__name",
        lookup_expr="iexact",
        help_text="Category name, e.g. Support (case-insensitive).",
    )
    maturity_level = IntegerFilter(help_text="Maturity level the area belongs to.")
    optional = StrictBooleanFilter(help_text="true: only optional areas (additions).")
    q = django_filters.CharFilter(
        method="filter_q", help_text="Words found in the abbreviation or the name."
    )

    class Meta:
        model = ProcessArea
        fields = ["model", "model_reference", "category", "maturity_level", "optional", "q"]

    def filter_model_reference(
        self, queryset: QuerySet[ProcessArea], name: str, value: str
    ) -> QuerySet[ProcessArea]:
        return _filter_reference(queryset, "model__", value)

    def filter_q(
        self, queryset: QuerySet[ProcessArea], name: str, value: str
    ) -> QuerySet[ProcessArea]:
        return _search(queryset, ("abbreviation", "name"), value)


class PracticeFilterSet(django_filters.FilterSet):
    """Practices by model, process area, goal kind or words."""

    model = django_filters.ModelChoiceFilter(
        queryset=ProcessModel.objects.all(), help_text="Model version id."
    )
    model_reference = django_filters.CharFilter(
        method="filter_model_reference",
        validators=[REFERENCE_VALIDATOR],
        help_text="IDENTIFIER@VERSION of the model, e.g. CMMI-DEV@1.3.",
    )
    process_area = django_filters.ModelChoiceFilter(
        queryset=ProcessArea.objects.all(), help_text="Process area id."
    )
    process_area_abbreviation = django_filters.CharFilter(
        field_name="process_area__abbreviation",
        lookup_expr="iexact",
        help_text="Abbreviation of the process area, e.g. PP (case-insensitive).",
    )
    kind = django_filters.ChoiceFilter(
        field_name="goal__kind",
        choices=GoalKind.choices,
        help_text="Kind of the goal: specific or generic practices.",
    )
    q = django_filters.CharFilter(
        method="filter_q",
        help_text="Words found in the identifier, title, summary or description.",
    )

    class Meta:
        model = Practice
        fields = [
            "model",
            "model_reference",
            "process_area",
            "process_area_abbreviation",
            "kind",
            "q",
        ]

    def filter_model_reference(
        self, queryset: QuerySet[Practice], name: str, value: str
    ) -> QuerySet[Practice]:
        return _filter_reference(queryset, "model__", value)

    def filter_q(self, queryset: QuerySet[Practice], name: str, value: str) -> QuerySet[Practice]:
        return _search(queryset, ("identifier", "title", "summary", "description"), value)
