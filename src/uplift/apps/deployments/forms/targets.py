"""Forms of the target pages: the rule editor, adding, excluding, a target's status and
details, the bulk update, and the targets' FilterSet (the table's and the API's).

The forms shape input only; the rules live in ``services.targeting`` and
``services.targets``, whose ``DeploymentError`` is shown on the field it names
(``add_service_error``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from uplift.apps.common.filters import SEARCH_WIDGET
from uplift.apps.common.forms import AccessibleFormMixin
from uplift.apps.deployments.choices import TargetSource, TargetStatus
from uplift.apps.deployments.errors import DeploymentError
from uplift.apps.deployments.models import DeploymentPlan, Target, Wave
from uplift.apps.organization import selectors as organization
from uplift.apps.organization.choices import (
    LifeCyclePhase,
    Size,
    WorkActivityKind,
    WorkActivityType,
)

__all__ = [
    "EXCLUDED",
    "NO_WAVE",
    "TargetAddForm",
    "TargetBulkForm",
    "TargetDetailsForm",
    "TargetExcludeForm",
    "TargetFilterSet",
    "TargetRuleForm",
    "TargetStatusForm",
    "add_service_error",
]

EXCLUDED = "excluded"  # the status filter's value for excluded rows
NO_WAVE = "none"  # the wave filter's value for targets in no wave
_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def add_service_error(form: forms.BaseForm, error: DeploymentError) -> None:
    """Show a refused write beside its field (``target_rule.unit`` → ``unit``), or above
    the form when no field matches."""
    field = (error.field or "").removeprefix("target_rule.")
    form.add_error(field if field in form.fields else None, error.message)


def _waves(plan: DeploymentPlan | None) -> QuerySet[Wave]:
    waves = Wave.objects.order_by("plan_id", "number")
    return waves.filter(plan=plan) if plan is not None else waves


class _WaveField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.number}. {obj.name}"


class _VersionField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.asset.name} {obj.label} ({obj.released_on:%Y-%m-%d})"


class _ActivityField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.unit.name}, {obj.get_activity_type_display()})"


# -- the FilterSet ---------------------------------------------------------------------------


class TargetFilterSet(django_filters.FilterSet):
    """Targets by status (or ``excluded``), wave (id, or ``none``), source, unit (slug),
    type of work activity, and text (work activity name or slug, reason).

    ``plan`` limits the wave choices to that plan's waves.
    """

    q = django_filters.CharFilter(method="filter_text", label="Search", widget=SEARCH_WIDGET)
    status = django_filters.ChoiceFilter(
        choices=[*TargetStatus.choices, (EXCLUDED, "Excluded")],
        method="filter_status",
        empty_label="Any",
    )
    wave = django_filters.ChoiceFilter(choices=[], method="filter_wave", empty_label="Any")
    source = django_filters.ChoiceFilter(choices=TargetSource.choices, empty_label="Any")
    unit = django_filters.ModelChoiceFilter(
        field_name="work_activity__unit",
        to_field_name="slug",
        queryset=lambda request: organization.unit_list(),
        label="Unit",
        empty_label="Any",
    )
    type = django_filters.ChoiceFilter(
        field_name="work_activity__activity_type",
        choices=WorkActivityType.choices,
        label="Type",
        empty_label="Any",
    )

    class Meta:
        model = Target
        fields = ["q", "status", "wave", "source", "unit", "type"]

    def __init__(self, *args: Any, plan: DeploymentPlan | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(NO_WAVE, "No wave")]
        choices += [
            (str(wave.pk), f"{wave.number}. {wave.name}" if plan else f"{wave.plan_id}/{wave}")
            for wave in _waves(plan)
        ]
        wave = self.filters["wave"]
        wave.extra["choices"] = choices  # read when the form field is built…
        # …unless a field was built and cached before (the OpenAPI generator reads
        # base_filters' fields; the deep copy of base_filters carries the cache along).
        wave.__dict__.pop("_field", None)

    def filter_text(self, queryset: QuerySet[Target], name: str, value: str) -> QuerySet[Target]:
        text = value.strip()
        return queryset.filter(
            Q(work_activity__name__icontains=text)
            | Q(work_activity__slug__icontains=text)
            | Q(reason__icontains=text)
        )

    def filter_status(self, queryset: QuerySet[Target], name: str, value: str) -> QuerySet[Target]:
        if value == EXCLUDED:
            return queryset.filter(excluded=True)
        return queryset.filter(excluded=False, status=value)

    def filter_wave(self, queryset: QuerySet[Target], name: str, value: str) -> QuerySet[Target]:
        if value == NO_WAVE:
            return queryset.filter(wave__isnull=True)
        return queryset.filter(wave_id=int(value))


# -- the rule --------------------------------------------------------------------------------

_ATTRIBUTES_HELP = (
    "One attribute a line: <code>name: value, value</code> (e.g. <code>customer: acme, "
    "tidewater</code>). A work activity matches when its attribute is one of the values."
)


class TargetRuleForm(AccessibleFormMixin, forms.Form):
    """The rule as checkboxes per condition and attribute lines. Conditions left empty
    do not restrict; the ones filled in must all hold (AND), any value of one (OR)."""

    activity_type = forms.MultipleChoiceField(
        label="Type",
        choices=WorkActivityType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    unit = forms.MultipleChoiceField(
        label="Unit", choices=[], required=False, widget=forms.CheckboxSelectMultiple
    )
    kind = forms.MultipleChoiceField(
        label="Kind",
        choices=WorkActivityKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    size = forms.MultipleChoiceField(
        label="Size", choices=Size.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    phase = forms.MultipleChoiceField(
        label="Life-cycle phase",
        choices=LifeCyclePhase.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    attributes = forms.CharField(
        label="Attributes",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_ATTRIBUTES_HELP,
    )
    every_active = forms.BooleanField(
        label="Every active work activity",
        required=False,
        help_text="Tick to target every active work activity the other conditions keep "
        "(with no other condition: all of them). A rule with no condition matches "
        "nothing. Inactive work activities never match.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = organization.unit_list()
        choices = [(unit.slug, unit.name) for unit in units]
        self.fields["unit"].choices = choices  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(plan: DeploymentPlan) -> dict[str, Any]:
        """The form's values from the plan's stored rule."""
        rule: Mapping[str, Any] = plan.target_rule if isinstance(plan.target_rule, dict) else {}
        initial: dict[str, Any] = {"version": plan.version}
        for key in ("activity_type", "unit", "kind", "size", "phase"):
            if key in rule:
                value = rule[key]
                initial[key] = [str(v) for v in (value if isinstance(value, list) else [value])]
        attributes = rule.get("attributes")
        if isinstance(attributes, dict):
            lines = []
            for name, values in attributes.items():
                items = values if isinstance(values, list) else [values]
                lines.append(f"{name}: {', '.join(str(v) for v in items)}")
            initial["attributes"] = "\n".join(lines)
        initial["every_active"] = bool(rule.get("active"))
        return initial

    def clean_attributes(self) -> dict[str, list[str]]:
        text = self.cleaned_data.get("attributes") or ""
        attributes: dict[str, list[str]] = {}
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            name, colon, values = line.partition(":")
            items = [value.strip() for value in values.split(",") if value.strip()]
            if not colon or not name.strip() or not items:
                raise forms.ValidationError(
                    f"Line {number}: write name: value, value (e.g. customer: acme)."
                )
            attributes.setdefault(name.strip(), []).extend(items)
        return attributes

    def rule(self) -> dict[str, Any]:
        """The rule the form describes (call after ``is_valid``)."""
        data = self.cleaned_data
        rule: dict[str, Any] = {
            key: list(data[key])
            for key in ("activity_type", "unit", "kind", "size", "phase")
            if data.get(key)
        }
        if data.get("attributes"):
            rule["attributes"] = data["attributes"]
        if data.get("every_active"):
            rule["active"] = True
        return rule


# -- adding and excluding --------------------------------------------------------------------


class TargetAddForm(AccessibleFormMixin, forms.Form):
    """A work activity to add by hand (active ones that are not yet targets), why, and
    optionally its wave."""

    work_activity = _ActivityField(queryset=None, label="Work activity")
    reason = forms.CharField(
        label="Why it is in",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required: people reading the plan see it in the targets table.",
    )
    wave = _WaveField(queryset=None, required=False, label="Wave", empty_label="No wave yet")

    def __init__(self, *args: Any, plan: DeploymentPlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        taken = Target.objects.filter(plan=plan).values("work_activity_id")
        self.fields["work_activity"].queryset = (  # type: ignore[attr-defined]
            organization.work_activity_list().filter(active=True).exclude(pk__in=taken)
        )
        self.fields["wave"].queryset = _waves(plan)  # type: ignore[attr-defined]


class TargetExcludeForm(AccessibleFormMixin, forms.Form):
    """Why the target is taken out of the plan."""

    reason = forms.CharField(
        label="Why it is excluded",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required: it replaces the reason shown in the targets table.",
    )


# -- status and details ----------------------------------------------------------------------

_REASON_HELP = "Required when opting out or rolling back; recorded in the history otherwise."
_ON_HELP = "The day it was deployed or confirmed (default today); ignored for other statuses."


class TargetStatusForm(AccessibleFormMixin, forms.Form):
    """A status move with its reason and day."""

    status = forms.ChoiceField(label="New status", choices=TargetStatus.choices)
    reason = forms.CharField(
        label="Reason",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_REASON_HELP,
    )
    on = forms.DateField(label="On", required=False, widget=_DATE, help_text=_ON_HELP)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, allowed: Iterable[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if allowed is not None:
            allowed = set(allowed)
            self.fields["status"].choices = [  # type: ignore[attr-defined]
                (value, label) for value, label in TargetStatus.choices if value in allowed
            ]


class TargetDetailsForm(AccessibleFormMixin, forms.Form):
    """Training share and process version; the wave and planned day for plan editors."""

    training_percent = forms.IntegerField(
        label="Training done (%)",
        min_value=0,
        max_value=100,
        help_text="Share of the target's people trained, 0 to 100.",
    )
    process_version = _VersionField(
        queryset=None,
        required=False,
        label="Process version",
        empty_label="Not updated yet",
        help_text="The process asset version its defined process now includes.",
    )
    planned_on = forms.DateField(
        label="Planned deployment day",
        required=False,
        widget=_DATE,
        help_text="Empty: its wave's planned end.",
    )
    wave = _WaveField(queryset=None, required=False, label="Wave", empty_label="No wave")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, target: Target, schedule: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["process_version"].queryset = (  # type: ignore[attr-defined]
            organization.process_asset_version_list()
        )
        if schedule:
            self.fields["wave"].queryset = _waves(target.plan)  # type: ignore[attr-defined]
        else:  # the plan's schedule is its editors' to change
            del self.fields["planned_on"]
            del self.fields["wave"]

    @staticmethod
    def initial_for(target: Target) -> dict[str, Any]:
        return {
            "training_percent": target.training_percent,
            "process_version": target.process_version_id,
            "planned_on": target.planned_on,
            "wave": target.wave_id,
            "version": target.version,
        }

    def values(self) -> dict[str, Any]:
        """The fields for ``target_update``."""
        return {
            name: self.cleaned_data[name]
            for name in ("training_percent", "process_version", "planned_on", "wave")
            if name in self.fields
        }


class TargetBulkForm(AccessibleFormMixin, forms.Form):
    """The selected targets and what to do to each: a status move, a training share, a
    process version (any of them)."""

    targets = forms.ModelMultipleChoiceField(
        queryset=Target.objects.none(),
        label="Targets",
        error_messages={"required": "Select at least one target."},
    )
    status = forms.ChoiceField(
        label="New status", required=False, choices=[("", "Keep"), *TargetStatus.choices]
    )
    reason = forms.CharField(label="Reason", required=False, help_text=_REASON_HELP)
    on = forms.DateField(label="On", required=False, widget=_DATE, help_text=_ON_HELP)
    training_percent = forms.IntegerField(
        label="Training done (%)", required=False, min_value=0, max_value=100
    )
    process_version = _VersionField(
        queryset=None, required=False, label="Process version", empty_label="Keep"
    )

    def __init__(self, *args: Any, plan: DeploymentPlan, **kwargs: Any) -> None:
        # Its own ids: the filter form on the same page has a "status" field too, and
        # two elements with id_status would leave this select without its label.
        kwargs.setdefault("auto_id", "bulk_%s")
        super().__init__(*args, **kwargs)
        self.fields["targets"].queryset = (  # type: ignore[attr-defined]
            Target.objects.filter(plan=plan).select_related(
                "plan", "work_activity", "work_activity__manager"
            )
        )
        self.fields["process_version"].queryset = (  # type: ignore[attr-defined]
            organization.process_asset_version_list()
        )

    def values(self) -> dict[str, Any]:
        """The arguments for ``targets_bulk_update``, the targets in table order."""
        data = self.cleaned_data
        targets = sorted(data["targets"], key=lambda t: (t.work_activity.name, t.pk))
        return {
            "targets": targets,
            "status": data["status"] or None,
            "reason": data["reason"],
            "on": data["on"],
            "training_percent": data["training_percent"],
            "process_version": data["process_version"],
        }
