"""Forms of the appraisal plan pages: shape only, the services apply the rules.

``AppraisalError.field`` names one of these forms' fields, so a refused edit shows
beside its input (``add_service_error``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.text import slugify

from uplift.apps.appraisals.choices import (
    AppraisalClass,
    AppraisalStatus,
    AreaScope,
    GoalJudgmentValue,
    PracticeValue,
    TeamRole,
    UnitKind,
)
from uplift.apps.appraisals.errors import AppraisalError
from uplift.apps.appraisals.plan_selectors import ModelArea, PlanArea
from uplift.apps.common.forms import AccessibleFormMixin
from uplift.apps.library import selectors as library_selectors
from uplift.apps.library.choices import Representation
from uplift.apps.organization import selectors as organization_selectors

__all__ = [
    "MAX_IMPORT_BYTES",
    "AppraisalCreateForm",
    "AppraisalEditForm",
    "AppraisalImportForm",
    "AppraisalScopeForm",
    "AppraisalStatusForm",
    "AppraisalUnitForm",
    "JudgmentForm",
    "TeamMemberForm",
    "add_service_error",
]

MAX_IMPORT_BYTES = 10 * 1024 * 1024  # the API's bound on uploads as well

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_LEVELS = [("", "—"), *((n, f"Maturity level {n}") for n in range(2, 6))]


def add_service_error(form: forms.BaseForm, error: AppraisalError) -> None:
    """Show a refused edit beside its field, or above the form when no field matches."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _empty_to_none(value: str) -> int | None:
    return int(value) if value else None


class _ModelChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A library model version, shown as ``CMMI-DEV 1.3 — CMMI for Development``."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.identifier} {obj.version} — {obj.name}"


class _UserChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        full = obj.get_full_name()
        return f"{full} ({obj.get_username()})" if full else obj.get_username()


class _WorkActivityChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.unit.name})"


def _organizational_unit_field() -> forms.ModelChoiceField:  # type: ignore[type-arg]
    return forms.ModelChoiceField(
        queryset=organization_selectors.unit_list(),
        required=False,
        label="Organizational unit",
        empty_label="—",
        help_text="The part of the organization the appraisal rates.",
    )


class _PlanFieldsForm(AccessibleFormMixin, forms.Form):
    """The fields the create and edit forms share."""

    name = forms.CharField(max_length=200)
    appraisal_class = forms.ChoiceField(
        label="Class",
        choices=[("", "—"), *AppraisalClass.choices],
        required=False,
        help_text="SCAMPI class: A rates, B and C do not need to.",
    )
    target_maturity_level = forms.TypedChoiceField(
        label="Target maturity level",
        choices=_LEVELS,
        coerce=int,
        empty_value=None,
        required=False,
        help_text="Staged appraisals only: the scope is every process area at levels 2 up to it.",
    )
    start_date = forms.DateField(label="Start date", required=False, widget=_DATE)
    end_date = forms.DateField(label="End date", required=False, widget=_DATE)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organizational_unit"] = _organizational_unit_field()
        self.order_fields(
            [
                "name",
                "model",
                "representation",
                "target_maturity_level",
                "appraisal_class",
                "organizational_unit",
                "start_date",
                "end_date",
                "notes",
            ]
        )


@dataclass(frozen=True)
class AreaChoice:
    """A process area of the create form with its two checkboxes."""

    area: ModelArea
    in_scope: Any
    not_applicable: Any

    @property
    def maturity_level(self) -> int | None:
        return self.area.maturity_level


class AppraisalCreateForm(_PlanFieldsForm):
    """A new appraisal; the process areas of the chosen model are offered as checkboxes.

    ``areas``: the chosen model's areas (``plan_selectors.model_area_list``), empty
    until a model is chosen.
    """

    representation = forms.ChoiceField(choices=Representation.choices)
    process_areas = forms.MultipleChoiceField(
        label="Process areas in scope",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Staged: leave all unticked for every process area at levels 2 up to the "
        "target, or tick some to narrow the scope. Continuous: tick the areas to appraise.",
    )
    not_applicable = forms.MultipleChoiceField(
        label="Not applicable",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Areas agreed not applicable to the organizational unit.",
    )

    def __init__(self, *args: Any, areas: Iterable[ModelArea] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["model"] = _ModelChoiceField(
            queryset=library_selectors.model_list(),
            label="Model",
            empty_label="Choose a model version",
            help_text="The model version is pinned: the appraisal keeps it.",
        )
        self.order_fields(["name", "model", "representation"])
        self.areas = list(areas)
        choices = [(a.abbreviation, f"{a.abbreviation} — {a.name}") for a in self.areas]
        for name in ("process_areas", "not_applicable"):
            cast(forms.MultipleChoiceField, self.fields[name]).choices = choices

    def clean(self) -> dict[str, Any]:
        """A continuous appraisal has no target: the menu's value is not used then."""
        cleaned = super().clean() or {}
        if cleaned.get("representation") == Representation.CONTINUOUS:
            cleaned["target_maturity_level"] = None
        return cleaned

    def selected_model(self) -> Any:
        """The model version the data names, or None (to offer its areas)."""
        field = cast(forms.ModelChoiceField, self.fields["model"])  # type: ignore[type-arg]
        raw = (
            self.data.get(self.add_prefix("model")) if self.is_bound else self.initial.get("model")
        )
        if not raw:
            return None
        try:
            return field.clean(raw)
        except forms.ValidationError:
            return None

    def area_fields(self) -> list[AreaChoice]:
        """Per area: the area with its "in scope" and "not applicable" checkboxes."""
        scope = {w.data["value"]: w for w in self["process_areas"]}
        na = {w.data["value"]: w for w in self["not_applicable"]}
        return [AreaChoice(a, scope[a.abbreviation], na[a.abbreviation]) for a in self.areas]


class AppraisalEditForm(_PlanFieldsForm):
    """The plan's editable fields; the model version and representation stay as created."""

    def __init__(self, *args: Any, staged: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if staged:
            self.fields["target_maturity_level"].required = True
            self.fields["target_maturity_level"].help_text = (
                "Raising it adds the process areas of the new levels to the scope; "
                "lowering it removes those above it (refused while they hold cells)."
            )
        else:
            del self.fields["target_maturity_level"]


@dataclass(frozen=True)
class ScopeRow:
    """A process area of the scope form with its bound radio field."""

    plan_area: PlanArea
    field: Any

    @property
    def maturity_level(self) -> int | None:
        return self.plan_area.maturity_level


class AppraisalScopeForm(AccessibleFormMixin, forms.Form):
    """One choice per process area of the model: in scope, not applicable, or neither."""

    CHOICES = [
        (AreaScope.IN_SCOPE.value, "In scope"),
        (AreaScope.NOT_APPLICABLE.value, "Not applicable"),
        ("", "Not appraised"),
    ]

    def __init__(self, *args: Any, areas: Iterable[PlanArea], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.areas = list(areas)
        for plan_area in self.areas:
            self.fields[self.field_name(plan_area.area)] = forms.ChoiceField(
                label=f"{plan_area.area.abbreviation} — {plan_area.area.name}",
                choices=self.CHOICES,
                required=False,
                initial=plan_area.scope,
                widget=forms.RadioSelect,
            )

    @staticmethod
    def field_name(area: ModelArea) -> str:
        return f"area_{area.id}"

    def rows(self) -> list[ScopeRow]:
        """Each area of the model with its bound field, for the table."""
        return [ScopeRow(a, self[self.field_name(a.area)]) for a in self.areas]

    def scope(self) -> tuple[list[str], list[str]]:
        """``(in scope, not applicable)`` abbreviations from the cleaned data."""
        chosen = {
            a.area.abbreviation: self.cleaned_data.get(self.field_name(a.area)) for a in self.areas
        }
        return (
            [abbr for abbr, scope in chosen.items() if scope == AreaScope.IN_SCOPE],
            [abbr for abbr, scope in chosen.items() if scope == AreaScope.NOT_APPLICABLE],
        )


class AppraisalUnitForm(AccessibleFormMixin, forms.Form):
    """A basic unit or support function, optionally linked to a work activity."""

    name = forms.CharField(
        max_length=200, help_text="Unique in the appraisal; files and cells use it."
    )
    kind = forms.ChoiceField(choices=UnitKind.choices, initial=UnitKind.BASIC_UNIT)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["work_activity"] = _WorkActivityChoiceField(
            queryset=organization_selectors.work_activity_list(),
            required=False,
            label="Work activity",
            empty_label="—",
            help_text="The project, service or work group of the organization it samples.",
        )


def _users() -> QuerySet[Any]:
    return get_user_model().objects.filter(is_active=True).order_by("username")


class TeamMemberForm(AccessibleFormMixin, forms.Form):
    """A user to put on the team, with a role."""

    role = forms.ChoiceField(choices=TeamRole.choices, initial=TeamRole.TEAM_MEMBER)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"] = _UserChoiceField(
            queryset=_users(), label="User", empty_label="Choose a user"
        )
        self.order_fields(["member", "role"])


class AppraisalStatusForm(forms.Form):
    """The status to move to (a button per allowed status)."""

    status = forms.ChoiceField(choices=AppraisalStatus.choices)


class JudgmentForm(AccessibleFormMixin, forms.Form):
    """A team judgment on a practice (one of its candidate values) or a goal (satisfied
    or unsatisfied); the rationale is required.

    Each form on the judgments page is prefixed by its reference, so that the ids of
    its inputs are unique on the page; ``kind`` and ``ref`` travel in the page's
    hidden ``judgment`` input (``practice:REQM SP 1.3``).
    """

    value = forms.ChoiceField(label="Decision", widget=forms.RadioSelect)
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why the team decided so; it is kept with the judgment.",
    )

    def __init__(
        self, *args: Any, kind: str, ref: str, candidates: Iterable[str], **kwargs: Any
    ) -> None:
        kwargs.setdefault("prefix", "j-" + slugify(f"{kind} {ref}"))
        super().__init__(*args, **kwargs)
        self.kind, self.ref = kind, ref
        practice = dict(PracticeValue.choices)
        goal = dict(GoalJudgmentValue.choices)
        cast(forms.ChoiceField, self.fields["value"]).choices = [
            (
                value,
                f"{value} ({practice[value].lower()})"
                if value in practice
                else goal.get(value, value),
            )
            for value in candidates
        ]

    @property
    def judgment(self) -> str:
        """The hidden ``judgment`` value naming what is judged."""
        return f"{self.kind}:{self.ref}"


class AppraisalImportForm(AccessibleFormMixin, forms.Form):
    """An appraisal file (YAML or JSON) and the organizational unit it rates."""

    file = forms.FileField(
        label="Appraisal file",
        help_text="YAML or JSON in the format uplift: appraisal/1, at most 10 MB. "
        "A file that breaks any rule is refused whole, with every problem and its line.",
        widget=forms.ClearableFileInput(attrs={"accept": ".yaml,.yml,.json"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organizational_unit"] = _organizational_unit_field()

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_IMPORT_BYTES} bytes.")
        return upload
