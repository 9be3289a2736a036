"""Filter and field classes shared by every context's FilterSets and forms.

People are offered as "Full Name (username)" (just the username when the name is
empty) and chosen in a list's filters among those who hold the relation the filter is
about: ``owner = PersonFilter(queryset=people_related("services_owned"), ...)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet

__all__ = [
    "BY_FIRST_NAME",
    "BY_LAST_NAME",
    "SEARCH_WIDGET",
    "PersonChoiceField",
    "PersonFilter",
    "people_related",
]

# The free-text filter's input (``q``): a search box. Fields copy their widget.
SEARCH_WIDGET = forms.TextInput(attrs={"type": "search"})

BY_FIRST_NAME = ("first_name", "last_name", "username")
BY_LAST_NAME = ("last_name", "first_name", "username")


class PersonChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A choice of person, each labelled "Full Name (username)"."""

    def label_from_instance(self, obj: Any) -> str:
        name = obj.get_full_name()
        return f"{name} ({obj.get_username()})" if name else str(obj.get_username())


class PersonFilter(django_filters.ModelChoiceFilter):
    """A filter on a person, offered as in ``PersonChoiceField``."""

    field_class = PersonChoiceField


def people_related(
    lookup: str, *, order_by: Sequence[str] = BY_FIRST_NAME
) -> Callable[[Any], QuerySet[Any]]:
    """A FilterSet ``queryset`` callable: the people having at least one ``lookup``
    (a relation path from the user, e.g. ``"services_owned__continuity_plans"``), once
    each, by name."""

    def people(request: Any) -> QuerySet[Any]:
        return (
            get_user_model()
            ._default_manager.filter(**{f"{lookup}__isnull": False})
            .distinct()
            .order_by(*order_by)
        )

    return people
