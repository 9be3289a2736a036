"""FilterSets of the appraisals: one per model, for the API and the pages.

Every filter validates its value: a malformed practice or goal reference is a form
error (a 400 in the API and the pages), never silently ignored. Ids stay ids (the
API's contract); the pages show them as menus whose choices are read only when a
form is rendered.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.choices import CallableChoiceIterator

from uplift.apps.appraisals.choices import AppraisalClass, AppraisalStatus, PracticeValue
from uplift.apps.appraisals.models import Appraisal, Characterization
from uplift.apps.library import selectors as library_selectors
from uplift.apps.library.choices import Representation
from uplift.apps.organization import selectors as organization_selectors
from uplift.domain.ratings import normalize_goal_ref, normalize_practice_ref


class IntegerFilter(django_filters.NumberFilter):
    """A whole number; ``1.5`` is an error rather than a rounded match."""

    field_class = forms.IntegerField


class ReferenceField(forms.CharField):
    """A practice or goal reference, normalized (``REQM.SP1.1`` → ``REQM SP 1.1``)."""

    def __init__(self, *, normalize: Any, example: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.normalize = normalize
        self.example = example

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        if not value:
            return value
        ref = self.normalize(value)
        if ref is None:
            raise forms.ValidationError(f"Use a reference like {self.example}.")
        return ref


class PracticeReferenceFilter(django_filters.CharFilter):
    field_class = ReferenceField

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("normalize", normalize_practice_ref)
        kwargs.setdefault("example", "REQM SP 1.1")
        super().__init__(**kwargs)


class GoalReferenceFilter(django_filters.CharFilter):
    field_class = ReferenceField

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("normalize", normalize_goal_ref)
        kwargs.setdefault("example", "REQM SG 1")
        super().__init__(**kwargs)


def _by_reference(queryset: QuerySet[Any], value: str, identifier_field: str) -> QuerySet[Any]:
    abbreviation, _, identifier = value.partition(" ")
    return queryset.filter(
        process_area__abbreviation=abbreviation, **{identifier_field: identifier}
    )


def _model_choices() -> list[tuple[Any, str]]:
    models = library_selectors.model_list().values_list("pk", "identifier", "version")
    return [("", "Any"), *((pk, f"{identifier} {version}") for pk, identifier, version in models)]


def _unit_choices() -> list[tuple[Any, str]]:
    return [("", "Any"), *organization_selectors.unit_list().values_list("pk", "name")]


class AppraisalFilterSet(django_filters.FilterSet):
    """Appraisals by status, class, representation, model, organizational unit and text."""

    q = django_filters.CharFilter(
        method="filter_text",
        label="Search",
        help_text="Words in the name, notes or organizational unit.",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    status = django_filters.ChoiceFilter(choices=AppraisalStatus.choices, empty_label="Any")
    appraisal_class = django_filters.ChoiceFilter(
        choices=AppraisalClass.choices, label="Class", empty_label="Any"
    )
    representation = django_filters.ChoiceFilter(choices=Representation.choices, empty_label="Any")
    model = IntegerFilter(
        field_name="model_id",
        label="Model",
        help_text="The model version's id.",
        widget=forms.Select(choices=CallableChoiceIterator(_model_choices)),
    )
    organizational_unit = IntegerFilter(
        field_name="organizational_unit_id",
        label="Organizational unit",
        help_text="The organizational unit's id.",
        widget=forms.Select(choices=CallableChoiceIterator(_unit_choices)),
    )

    class Meta:
        model = Appraisal
        fields: list[str] = []

    def filter_text(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        """Every word somewhere in the name, notes or organizational unit (either name)."""
        for word in value.split():
            queryset = queryset.filter(
                Q(name__icontains=word)
                | Q(notes__icontains=word)
                | Q(organizational_unit_name__icontains=word)
                | Q(organizational_unit__name__icontains=word)
            )
        return queryset


class CharacterizationFilterSet(django_filters.FilterSet):
    """Cells by appraisal, process area, goal, practice, unit and value."""

    appraisal = IntegerFilter(field_name="appraisal_id", help_text="The appraisal's id.")
    process_area = django_filters.CharFilter(
        field_name="process_area__abbreviation", help_text="Abbreviation, e.g. REQM."
    )
    goal = GoalReferenceFilter(method="filter_goal", help_text="e.g. REQM SG 1 or REQM GG 2.")
    practice = PracticeReferenceFilter(
        method="filter_practice", help_text="e.g. REQM SP 1.1 or REQM GP 2.1."
    )
    unit = django_filters.CharFilter(field_name="unit__name", help_text="Unit name (exact).")
    value = django_filters.ChoiceFilter(choices=PracticeValue.choices)

    class Meta:
        model = Characterization
        fields: list[str] = []

    def filter_goal(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return _by_reference(queryset, value, "practice__goal__identifier")

    def filter_practice(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return _by_reference(queryset, value, "practice__identifier")
