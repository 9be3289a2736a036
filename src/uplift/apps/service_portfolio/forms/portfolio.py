"""Forms of the portfolio's pages: shape only, ``services.portfolio`` applies the rules.

``ServicePortfolioError.field`` names one of these forms' fields where it can, so a
refused write shows beside its input (``add_service_error``); a ``ConflictError``
(field ``version``, hidden) shows above the form.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import FileExtensionValidator
from django.db.models import Q, QuerySet

from uplift.apps.common.filters import PersonChoiceField
from uplift.apps.common.forms import AccessibleFormMixin
from uplift.apps.improvements.errors import ImprovementError
from uplift.apps.organization.selectors import unit_list, work_activity_list
from uplift.apps.service_portfolio import permissions
from uplift.apps.service_portfolio.choices import ServiceState
from uplift.apps.service_portfolio.models import Service, ServiceChange
from uplift.apps.service_portfolio.selectors import business_objective_list, itsm_process_choices
from uplift.apps.service_portfolio.services.portfolio import MAX_IMPORT_BYTES

__all__ = [
    "ChangeForm",
    "PeriodForm",
    "PeriodImportForm",
    "ServiceForm",
    "add_service_error",
]

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


def add_service_error(form: forms.BaseForm, error: ImprovementError) -> None:
    """Show a refused write beside its field, or above the form when no field matches."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


class _WorkActivityChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.get_kind_display().lower()}, {obj.unit.name})"


def _possible_owners(current: Any = None) -> QuerySet[Any]:
    """Active people who may own a service (they hold ``change_service`` through a role
    group or directly, or are superusers), and the current owner."""
    app, codename = "service_portfolio", "change_service"
    may = (
        Q(is_superuser=True)
        | Q(
            groups__permissions__codename=codename, groups__permissions__content_type__app_label=app
        )
        | Q(user_permissions__codename=codename, user_permissions__content_type__app_label=app)
    )
    condition = Q(is_active=True) & may
    if current is not None:
        condition |= Q(pk=current)
    ids = get_user_model().objects.filter(condition).values("pk")
    return (
        get_user_model().objects.filter(pk__in=ids).order_by("first_name", "last_name", "username")
    )


class _LinesField(forms.CharField):
    """One entry per line (empty lines dropped)."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return "\n".join(str(item) for item in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value)
        return [line.strip() for line in str(text).splitlines() if line.strip()]


class ServiceForm(AccessibleFormMixin, forms.Form):
    """A service's identity, ownership, what it serves, how it is delivered, and its
    capacity and currency; editing adds the hidden ``version``."""

    name = forms.CharField(max_length=200, help_text="As the customers know it.")
    slug = forms.SlugField(
        max_length=100,
        help_text="Its name in links and on the command line, e.g. service-desk. Lower-case "
        "letters, digits and hyphens.",
    )
    description = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What the service provides, to whom, and what it does not cover.",
    )
    state = forms.ChoiceField(
        choices=ServiceState.choices,
        help_text="Proposed, in the catalog, or retired. A service in the catalog does not go "
        "back to proposed; only a portfolio manager brings a retired service back.",
    )
    owner = PersonChoiceField(
        queryset=get_user_model().objects.none(),
        help_text="Keeps the service valuable, reliable, compliant and cost-effective; edits "
        "it and its objectives, cost and changes. People with the service owner role.",
    )
    unit = forms.ModelChoiceField(
        queryset=unit_list(),
        label="Organizational unit",
        help_text="The unit that runs the service; its appraisal results are shown beside the "
        "scorecard.",
    )
    customers = _LinesField(
        required=False,
        help_text="Who the service serves, one customer (business unit, group) per line.",
    )
    objectives = forms.ModelMultipleChoiceField(
        queryset=business_objective_list(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Business objectives",
        help_text="The business objectives the service serves.",
    )
    work_activities = _WorkActivityChoiceField(
        queryset=work_activity_list(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        label="Work activities",
        help_text="The services and service teams that deliver it: its objectives, "
        "satisfaction and availability are read from their observations. Hold Ctrl (⌘ on a "
        "Mac) to choose several.",
    )
    itsm_processes = forms.MultipleChoiceField(
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="ITSM processes",
        help_text="The BS 15000 processes the service exercises; the page maps them to "
        "CMMI-SVC process areas.",
    )
    capacity = forms.FloatField(
        required=False,
        min_value=0,
        help_text="The demand the service can meet in a month, in its demand unit; utilization "
        "is demand over capacity. Leave empty when unknown.",
    )
    demand_unit = forms.CharField(
        max_length=50,
        required=False,
        help_text="What demand is counted in, e.g. tickets, users, GB stored.",
    )
    currency = forms.CharField(
        max_length=3,
        initial="EUR",
        help_text="The currency of its cost, as an ISO 4217 code (EUR, USD, GBP).",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(
        self, *args: Any, service: Service | None = None, user: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        owner = cast(forms.ModelChoiceField, self.fields["owner"])  # type: ignore[type-arg]
        owner.queryset = _possible_owners(service.owner_id if service is not None else None)
        itsm = cast(forms.MultipleChoiceField, self.fields["itsm_processes"])
        known = itsm_process_choices()
        current = list(service.itsm_processes) if service is not None else []
        itsm.choices = [(ident, f"{ident} · {name}") for ident, name in known] + [
            (ident, ident) for ident in current if ident not in dict(known)
        ]
        if not known:
            itsm.help_text += (
                " The model library does not hold the BS 15000 model: load it to choose "
                "among its processes."
            )
        state = cast(forms.ChoiceField, self.fields["state"])
        if service is None:
            del self.fields["version"]
            state.choices = [
                (ServiceState.PROPOSED.value, ServiceState.PROPOSED.label),
                (ServiceState.CATALOG.value, ServiceState.CATALOG.label),
            ]
            return
        state.choices = _state_choices(service, user)
        manager = permissions.portfolio_can_manage(user)
        if not manager:
            for name, why in (
                ("owner", "Only a portfolio manager hands a service to another owner."),
                ("slug", "Only a portfolio manager changes a service's slug."),
            ):
                self.fields[name].disabled = True
                self.fields[name].help_text = why

    @classmethod
    def initial_for(cls, service: Service) -> dict[str, Any]:
        """The form's initial values for editing ``service``."""
        return {
            "name": service.name,
            "slug": service.slug,
            "description": service.description,
            "state": service.state,
            "owner": service.owner_id,
            "unit": service.unit_id,
            "customers": list(service.customers or []),
            "objectives": [o.pk for o in service.objectives.all()],
            "work_activities": [w.pk for w in service.work_activities.all()],
            "itsm_processes": list(service.itsm_processes or []),
            "capacity": service.capacity,
            "demand_unit": service.demand_unit,
            "currency": service.currency,
            "version": service.version,
        }

    def values(self) -> dict[str, Any]:
        """The cleaned values as the services take them (no version)."""
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}


def _state_choices(service: Service, user: Any) -> list[tuple[str, str]]:
    """The service's state and those it may move to (the service checks again)."""
    allowed = {
        ServiceState.PROPOSED: [ServiceState.PROPOSED, ServiceState.CATALOG, ServiceState.RETIRED],
        ServiceState.CATALOG: [ServiceState.CATALOG, ServiceState.RETIRED],
        ServiceState.RETIRED: [ServiceState.RETIRED, ServiceState.CATALOG],
    }[ServiceState(service.state)]
    if service.state == ServiceState.RETIRED and not permissions.portfolio_can_manage(user):
        allowed = [ServiceState.RETIRED]
    return [(state.value, state.label) for state in allowed]


class _MonthField(forms.Field):
    """A month as ``YYYY-MM`` (what ``<input type="month">`` sends), as its first day."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"})
    default_error_messages = {"invalid": "Enter a month as YYYY-MM (e.g. 2025-03)."}

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dt.date):
            return f"{value:%Y-%m}"
        return value

    def to_python(self, value: Any) -> dt.date | None:
        if value in (None, ""):
            return None
        match = _MONTH.match(str(value))
        if not match:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            return dt.date(int(match.group(1)), int(match.group(2)), 1)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class PeriodForm(AccessibleFormMixin, forms.Form):
    """The cost and demand of one month (a month already recorded is replaced)."""

    period = _MonthField(
        label="Month",
        help_text="A past or the current month. A month already recorded is replaced.",
    )
    cost = forms.DecimalField(
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text="What the service cost in the month, in its currency.",
    )
    demand = forms.FloatField(
        required=False,
        min_value=0,
        help_text="The demand met in the month, in the service's demand unit; leave empty "
        "when unknown.",
    )
    # The version of the month being changed (empty when recording one): a stale one is
    # refused (409) rather than overwriting someone else's figures.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


class PeriodImportForm(AccessibleFormMixin, forms.Form):
    """A CSV file of months: ``period,cost,demand``."""

    file = forms.FileField(
        label="CSV file",
        validators=[FileExtensionValidator(["csv", "txt"])],
        help_text="UTF-8 text; the first line names the columns period (YYYY-MM), cost and "
        "optionally demand. Every row is checked first: if any is wrong nothing is imported "
        f"and each problem is listed with its line. At most {MAX_IMPORT_BYTES // 1000} kB.",
    )


class ChangeForm(AccessibleFormMixin, forms.Form):
    """A change of the service: what, its change record, when requested and delivered."""

    title = forms.CharField(max_length=200, help_text="What changed, in a line.")
    reference = forms.CharField(
        max_length=100,
        required=False,
        help_text="The change record's id in the change management tool, e.g. CHG-1042.",
    )
    requested_on = forms.DateField(
        widget=_DATE, label="Requested on", help_text="When the business asked for it."
    )
    delivered_on = forms.DateField(
        widget=_DATE,
        required=False,
        label="Delivered on",
        help_text="When it was in use; leave empty while it is open. The days between are "
        "its lead time.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not editing:  # a new change has no version; an edit says which it started from
            del self.fields["version"]

    @classmethod
    def initial_for(cls, change: ServiceChange) -> dict[str, Any]:
        return {name: getattr(change, name) for name in cls.base_fields}

    def values(self) -> dict[str, Any]:
        """The cleaned values as the services take them (no version)."""
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}
