"""Forms of the consulting log and the packages pages: shape only, ``services.support``
applies the rules (dates, hours, kinds, duplicates) and names the field at fault."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from uplift.apps.common.forms import AccessibleFormMixin
from uplift.apps.deployments.errors import DeploymentError
from uplift.apps.deployments.models import DeploymentPlan, Package, Target
from uplift.apps.deployments.services.support import PACKAGE_KINDS
from uplift.apps.organization.selectors import person_list, process_asset_version_list

__all__ = [
    "ConsultingForm",
    "PackageForm",
    "ReceiptForm",
    "RemoveForm",
    "add_service_error",
]


def add_service_error(form: forms.BaseForm, error: DeploymentError) -> None:
    """Show a refused write beside its field, or above the form when no field matches."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


class _UserChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        full = obj.get_full_name()
        return f"{full} ({obj.get_username()})" if full else obj.get_username()


class _TargetChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.work_activity)


class _VersionChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        kind = obj.asset.get_kind_display().lower()
        return f"{obj.asset} {obj.label} ({kind}, released {obj.released_on:%Y-%m-%d})"


def _targets(plan: DeploymentPlan) -> QuerySet[Target]:
    return (
        Target.objects.filter(plan=plan, excluded=False)
        .select_related("work_activity")
        .order_by("work_activity__name")
    )


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"})


def _set_queryset(form: forms.BaseForm, name: str, queryset: QuerySet[Any]) -> None:
    field = cast(forms.ModelChoiceField, form.fields[name])  # type: ignore[type-arg]
    field.queryset = queryset


class ConsultingForm(AccessibleFormMixin, forms.Form):
    """One consulting entry: who gave it, to which target, when, how long, on what."""

    consultant = _UserChoiceField(
        queryset=get_user_model().objects.none(), help_text="Who gave the consulting."
    )
    target = _TargetChoiceField(
        queryset=Target.objects.none(),
        required=False,
        empty_label="The plan's targets at large",
        help_text="The target (an early adopter, often) the consulting was for.",
    )
    given_on = forms.DateField(widget=_date_input(), label="Given on")
    hours = forms.DecimalField(
        max_digits=6, decimal_places=2, help_text="How long, in hours (e.g. 1.5)."
    )
    topic = forms.CharField(max_length=200, help_text="What the consulting was about.")
    notes = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What was agreed, open questions, what to follow up.",
    )

    def __init__(self, *args: Any, plan: DeploymentPlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        users = (
            get_user_model()
            .objects.filter(is_active=True)
            .order_by("first_name", "last_name", "username")
        )
        _set_queryset(self, "consultant", users)
        _set_queryset(self, "target", _targets(plan))


class PackageForm(AccessibleFormMixin, forms.Form):
    """A released version of a training material or communication package to hand out."""

    asset_version = _VersionChoiceField(
        queryset=process_asset_version_list(kind=PACKAGE_KINDS).none(),
        label="Package",
        help_text="A released version of a training material or communication package "
        "(kept in the organization's process assets).",
    )

    def __init__(self, *args: Any, plan: DeploymentPlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        linked = Package.objects.filter(plan=plan).values("asset_version_id")
        _set_queryset(
            self,
            "asset_version",
            process_asset_version_list(kind=PACKAGE_KINDS).exclude(pk__in=linked),
        )


class ReceiptForm(AccessibleFormMixin, forms.Form):
    """Who received which package, for which target, when."""

    package = forms.ModelChoiceField(queryset=Package.objects.none())
    person = forms.ModelChoiceField(
        queryset=person_list().none(), help_text="Who received the package."
    )
    target = _TargetChoiceField(
        queryset=Target.objects.none(),
        required=False,
        empty_label="No target in particular",
        help_text="The target the person received it for.",
    )
    received_on = forms.DateField(widget=_date_input(), label="Received on")

    def __init__(self, *args: Any, plan: DeploymentPlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        packages = Package.objects.filter(plan=plan).select_related("asset_version__asset")
        _set_queryset(self, "package", packages)
        _set_queryset(self, "person", person_list())
        _set_queryset(self, "target", _targets(plan))


class RemoveForm(forms.Form):
    """Which row of the page to remove (its id); the view looks it up within the plan."""

    row = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
