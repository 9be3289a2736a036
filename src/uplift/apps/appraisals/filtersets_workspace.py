"""FilterSets of the team's workspace: artifacts, affirmations and findings.

One FilterSet per model for the evidence and findings pages and for the API
(``/api/appraisals/artifacts/`` …). Evidence is filtered through its links: the
process area, practice and unit filters together select the evidence with *one* link
matching all of them (``process_area=REQM&unit=alpha`` is evidence for REQM at
alpha, not evidence for REQM somewhere and for something at alpha). A malformed
practice or goal reference is a form error (a 400), never silently ignored.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from uplift.apps.appraisals.choices import AffirmationKind, FindingKind
from uplift.apps.appraisals.filtersets import (
    GoalReferenceFilter,
    IntegerFilter,
    PracticeReferenceFilter,
)
from uplift.apps.appraisals.models import Affirmation, Artifact, EvidenceLink, Finding

__all__ = ["AffirmationFilterSet", "ArtifactFilterSet", "FindingFilterSet"]

_LINK_FILTERS = ("process_area", "practice", "unit")


def _keep(queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
    """The link filters are applied together in ``filter_queryset``."""
    return queryset


class _EvidenceFilterSet(django_filters.FilterSet):
    """What artifacts and affirmations share: appraisal, and the link filters."""

    appraisal = IntegerFilter(field_name="appraisal_id", help_text="The appraisal's id.")
    process_area = django_filters.CharFilter(
        method=_keep, label="Process area", help_text="Abbreviation, e.g. REQM."
    )
    practice = PracticeReferenceFilter(
        method=_keep, label="Practice", help_text="e.g. REQM SP 1.1 or REQM GP 2.1."
    )
    unit = django_filters.CharFilter(method=_keep, label="Unit", help_text="Unit name (exact).")

    source_field = ""  # the EvidenceLink field naming the evidence

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        condition = Q()
        if data.get("process_area"):
            condition &= Q(process_area__abbreviation=data["process_area"].strip().upper())
        if data.get("practice"):
            abbreviation, _, identifier = data["practice"].partition(" ")
            condition &= Q(process_area__abbreviation=abbreviation, practice__identifier=identifier)
        if data.get("unit"):
            condition &= Q(unit__name=data["unit"])
        if not condition:
            return queryset
        links = EvidenceLink.objects.filter(condition, **{f"{self.source_field}__isnull": False})
        return queryset.filter(pk__in=links.values(self.source_field))


class ArtifactFilterSet(_EvidenceFilterSet):
    """Artifacts by appraisal, name, and what they support (area, practice, unit)."""

    search = django_filters.CharFilter(
        method="filter_search", label="Name contains", help_text="Part of the name or description."
    )

    source_field = "artifact"

    class Meta:
        model = Artifact
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value))


class AffirmationFilterSet(_EvidenceFilterSet):
    """Affirmations by appraisal, kind, and what they support (area, practice, unit)."""

    kind = django_filters.ChoiceFilter(
        choices=AffirmationKind.choices, label="Kind", empty_label="Any"
    )

    source_field = "affirmation"

    class Meta:
        model = Affirmation
        fields: list[str] = []


class FindingFilterSet(django_filters.FilterSet):
    """Findings by appraisal, kind, process area, goal and practice."""

    appraisal = IntegerFilter(field_name="appraisal_id", help_text="The appraisal's id.")
    kind = django_filters.ChoiceFilter(choices=FindingKind.choices, label="Kind", empty_label="Any")
    process_area = django_filters.CharFilter(
        method="filter_process_area", label="Process area", help_text="Abbreviation, e.g. REQM."
    )
    goal = GoalReferenceFilter(
        method="filter_goal", label="Goal", help_text="e.g. REQM SG 1 or REQM GG 2."
    )
    practice = PracticeReferenceFilter(
        method="filter_practice", label="Practice", help_text="e.g. REQM SP 1.1 or REQM GP 2.1."
    )

    class Meta:
        model = Finding
        fields: list[str] = []

    def filter_process_area(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(process_area__abbreviation=value.strip().upper())

    def filter_goal(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        abbreviation, _, identifier = value.partition(" ")
        return queryset.filter(process_area__abbreviation=abbreviation, goal__identifier=identifier)

    def filter_practice(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        abbreviation, _, identifier = value.partition(" ")
        matching = Finding.practices.through.objects.filter(
            finding__process_area__abbreviation=abbreviation, practice__identifier=identifier
        )
        return queryset.filter(pk__in=matching.values("finding_id"))
