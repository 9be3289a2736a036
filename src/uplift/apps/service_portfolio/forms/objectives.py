"""Forms of the objectives' and the scorecard's pages: shape only; ``services.objectives``
applies the rules, and a refused write shows beside its field
(``forms.portfolio.add_service_error``); a ``ConflictError`` (field ``version``, hidden)
shows above the form.

Also the query forms of the read-only pages (the attainment range of an objective, the
scorecard's date, the portfolio matrix's filters): a malformed query is a 400.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from uplift.apps.common.forms import AccessibleFormMixin
from uplift.apps.measurements.selectors import measure_list
from uplift.apps.service_portfolio.choices import (
    OutcomeChoice,
    ServiceState,
    SloKind,
    SloPeriod,
    SloStatistic,
)
from uplift.apps.service_portfolio.models import ScorecardSettings, ServiceLevelObjective
from uplift.apps.service_portfolio.services.objectives import (
    MAX_WINDOW_MONTHS,
    SETTINGS_FIELDS,
    SETTINGS_LABELS,
    SLO_FIELDS,
)

__all__ = [
    "ATTAINMENT_MONTHS",
    "AttainmentRangeForm",
    "PortfolioScorecardFilterForm",
    "ScorecardDateForm",
    "ScorecardSettingsForm",
    "SloForm",
]

ATTAINMENT_MONTHS: tuple[int, ...] = (6, 12, 24, 36)
STATUS_CHOICES = (
    ("met", "Met"),
    ("at_risk", "At risk"),
    ("not_met", "Not met"),
    ("no_evidence", "No evidence"),
)
_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class _MeasureChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        direction = "lower is better" if obj.direction == "lower" else "higher is better"
        unit = f"{obj.unit}, " if obj.unit else ""
        return f"{obj.name} ({unit}{direction})"


class SloForm(AccessibleFormMixin, forms.Form):
    """A service-level objective (``slo_create`` / ``slo_update``); editing adds the
    hidden ``version``."""

    name = forms.CharField(
        label="Name",
        max_length=200,
        help_text="What the service promises, e.g. “Availability” or “Incidents resolved "
        "within 4 h”.",
    )
    kind = forms.ChoiceField(
        label="Kind",
        choices=SloKind.choices,
        initial=SloKind.SERVICE_LEVEL,
        help_text="An availability objective is the mean availability in % of the period; the "
        "scorecard's <em>reliable</em> outcome reads its observations as the service's "
        "availability. Capacity objectives judge utilization.",
    )
    measure = _MeasureChoiceField(
        label="Measure",
        queryset=measure_list(),
        help_text="Its observations for the work activities that deliver the service are "
        "judged; the target is judged in the measure's direction.",
    )
    statistic = forms.ChoiceField(
        label="Judged by",
        choices=SloStatistic.choices,
        initial=SloStatistic.MEAN,
        help_text="The mean of the period's observations against the target, or the share of "
        "observations meeting the target against a required share.",
    )
    target = forms.FloatField(
        label="Target",
        help_text="In the measure's unit, e.g. 99.5 (%) or 4 (hours).",
    )
    required_share = forms.FloatField(
        label="Required share",
        required=False,
        min_value=0,
        max_value=1,
        help_text="Only when judging the share: the share of observations that must meet the "
        "target, from 0 to 1 (0.95 is 95 %).",
    )
    period = forms.ChoiceField(
        label="Period",
        choices=SloPeriod.choices,
        initial=SloPeriod.MONTH,
        help_text="Attainment is judged per calendar month or quarter.",
    )
    active = forms.BooleanField(
        label="Active (judged on the scorecard)",
        required=False,
        initial=True,
        help_text="An inactive objective stays on record but is no longer judged.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, creating: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if creating:
            del self.fields["active"]
            del self.fields["version"]

    @staticmethod
    def initial_for(slo: ServiceLevelObjective) -> dict[str, Any]:
        return {name: getattr(slo, name) for name in SLO_FIELDS if name != "measure"} | {
            "measure": slo.measure_id,
            "version": slo.version,
        }

    def values(self) -> dict[str, Any]:
        """The cleaned values in the services' names (no version)."""
        return {name: self.cleaned_data[name] for name in SLO_FIELDS if name in self.fields}


class ScorecardSettingsForm(AccessibleFormMixin, forms.Form):
    """The scorecard's settings (``scorecard_settings_update``) and the hidden
    ``version`` they were read at (1: the defaults)."""

    window_months = forms.IntegerField(
        label=SETTINGS_LABELS["window_months"],
        min_value=1,
        max_value=MAX_WINDOW_MONTHS,
        help_text="How many full months before today the scorecard reads.",
    )
    satisfaction_measure = _MeasureChoiceField(
        label=SETTINGS_LABELS["satisfaction_measure"],
        queryset=measure_list(),
        required=False,
        help_text="Customer satisfaction: its observations for a service's work activities are "
        "the evidence of <em>valuable and compelling</em>. None: no service has that evidence.",
    )
    satisfaction_target = forms.FloatField(
        label=SETTINGS_LABELS["satisfaction_target"],
        help_text="Met when the mean satisfaction is at least this (on the measure's scale).",
    )
    satisfaction_at_risk_floor = forms.FloatField(
        label=SETTINGS_LABELS["satisfaction_at_risk_floor"],
        help_text="At risk from this up to the target; below it, not met.",
    )
    slo_met_share = forms.FloatField(
        label=SETTINGS_LABELS["slo_met_share"],
        help_text="<em>Predictable</em> is met when this share of the objectives' periods is "
        "met (0 to 1; 0.95 is 95 %).",
    )
    slo_at_risk_share = forms.FloatField(
        label=SETTINGS_LABELS["slo_at_risk_share"],
        help_text="At risk from this share up to the one above; below it, not met.",
    )
    availability_met_percent = forms.FloatField(
        label=SETTINGS_LABELS["availability_met_percent"],
        help_text="<em>Reliable</em> is met when availability is at least this.",
    )
    availability_at_risk_percent = forms.FloatField(
        label=SETTINGS_LABELS["availability_at_risk_percent"],
        help_text="Below this availability, reliable is not met.",
    )
    max_waived_share = forms.FloatField(
        label=SETTINGS_LABELS["max_waived_share"],
        help_text="<em>Compliant</em> is at risk when more than this share of the checks is "
        "waived (0 to 1).",
    )
    cost_flat_tolerance = forms.FloatField(
        label=SETTINGS_LABELS["cost_flat_tolerance"],
        help_text="<em>Cost-effective</em> is met while cost (per unit of demand) rises by at "
        "most this share of its mean per period (0.01 is 1 %).",
    )
    cost_at_risk_rise = forms.FloatField(
        label=SETTINGS_LABELS["cost_at_risk_rise"],
        help_text="At risk up to this rise per period; faster, not met.",
    )
    cost_min_periods = forms.IntegerField(
        label=SETTINGS_LABELS["cost_min_periods"],
        min_value=2,
        max_value=MAX_WINDOW_MONTHS,
        help_text="Fewer months of cost are no evidence of a trend.",
    )
    lead_time_target_days = forms.FloatField(
        label=SETTINGS_LABELS["lead_time_target_days"],
        help_text="<em>Able to adapt</em> is met when the median change lead time is at most this.",
    )
    lead_time_at_risk_ceiling_days = forms.FloatField(
        label=SETTINGS_LABELS["lead_time_at_risk_ceiling_days"],
        help_text="At risk up to this median; longer, not met.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    @staticmethod
    def initial_for(row: ScorecardSettings) -> dict[str, Any]:
        return {
            name: getattr(row, name) for name in SETTINGS_FIELDS if name != ("satisfaction_measure")
        } | {"satisfaction_measure": row.satisfaction_measure_id, "version": row.version}

    def values(self) -> dict[str, Any]:
        """The cleaned settings in the service's names (no version)."""
        return {name: self.cleaned_data[name] for name in SETTINGS_FIELDS}


class AttainmentRangeForm(forms.Form):
    """How many months of an objective's attainment to show (``?months=``)."""

    months = forms.TypedChoiceField(
        label="Show",
        choices=[(m, f"{m} months") for m in ATTAINMENT_MONTHS],
        coerce=int,
        required=False,
    )


class ScorecardDateForm(forms.Form):
    """The day the scorecard is read on (``?on=YYYY-MM-DD``; default today)."""

    on = forms.DateField(
        label="As on",
        required=False,
        widget=_DATE,
        help_text="The window is the full months before this day.",
    )

    def clean_on(self) -> dt.date | None:
        day: dt.date | None = self.cleaned_data.get("on")
        if day is not None and not dt.date(1990, 1, 1) <= day <= dt.date(2100, 12, 31):
            raise forms.ValidationError("Give a day from 1990 to 2100.")
        return day


class PortfolioScorecardFilterForm(ScorecardDateForm):
    """Filters of the portfolio's scorecards (``/services/scorecards/``), and the day
    they are read on (``on``, default today)."""

    q = forms.CharField(label="Service", required=False, max_length=100)
    state = forms.ChoiceField(
        label="State", required=False, choices=[("", "Any"), *ServiceState.choices]
    )
    outcome = forms.ChoiceField(
        label="Outcome", required=False, choices=[("", "Any"), *OutcomeChoice.choices]
    )
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any"), *STATUS_CHOICES]
    )
    shortfall = forms.BooleanField(label="Only services falling short", required=False)
    sort = forms.ChoiceField(
        label="Order",
        required=False,
        choices=[
            ("name", "By name"),
            ("-shortfalls", "Most shortfalls first"),
            ("shortfalls", "Fewest shortfalls first"),
        ],
    )
    page = forms.IntegerField(required=False, min_value=1)
    export = forms.ChoiceField(required=False, choices=[("", ""), ("csv", "CSV")])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("status") and not data.get("outcome"):
            self.add_error("outcome", "Choose the outcome whose status to filter by.")
        return data
