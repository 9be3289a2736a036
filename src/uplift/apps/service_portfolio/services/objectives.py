"""Writes of service-level objectives and of the scorecard's settings (issue 7).

A service-level objective names a measure of the measurement store, a target, how a
period's observations are judged (their mean, or the share of them meeting the target
against a required share) and the period (month or quarter); attainment is computed
from the observations of the service's work activities
(``selectors_scorecard.slo_attainments``). The target is judged in the measure's
direction (higher or lower is better). An *availability* objective is a mean
percentage (0 to 100) of a higher-is-better measure: the scorecard's *reliable*
outcome reads its observations as the service's availability.

The scorecard's settings (one row) hold the window, the satisfaction measure and every
threshold of ``uplift.domain.service_outcomes.ScorecardRules``; they are checked
through that class, so thresholds that contradict each other are refused with the
field at fault.

Who may: objectives need ``service_row_can(actor, service, add|change|delete,
"servicelevelobjective")`` (a portfolio manager, or the service's owner); settings
``settings_can_change`` (the process group). Every write checks the permission first
(``PermissionDenied``), refuses bad input with ``ServicePortfolioError`` naming the
field, refuses an edit started from an older ``version`` with ``ConflictError`` (nothing
is written then), is one transaction and records who made it (django-simple-history).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from uplift.apps.improvements.history import record_actor
from uplift.apps.service_portfolio import permissions
from uplift.apps.service_portfolio.choices import SloKind, SloPeriod, SloStatistic
from uplift.apps.service_portfolio.errors import (
    ConflictError,
    ServicePortfolioError,
    lock_for_update,
)
from uplift.apps.service_portfolio.models import (
    ScorecardSettings,
    Service,
    ServiceLevelObjective,
)
from uplift.apps.service_portfolio.selectors_scorecard import SETTINGS_PK
from uplift.domain.service_outcomes import ScorecardRules, ServiceOutcomeError

__all__ = [
    "MAX_WINDOW_MONTHS",
    "SETTINGS_FIELDS",
    "SETTINGS_LABELS",
    "SLO_FIELDS",
    "scorecard_settings_update",
    "slo_create",
    "slo_delete",
    "slo_update",
]

User = Any  # auth.User
Measure: Any = ServiceLevelObjective._meta.get_field("measure").related_model

SLO_FIELDS: tuple[str, ...] = (
    "name",
    "kind",
    "measure",
    "statistic",
    "target",
    "required_share",
    "period",
    "active",
)
MAX_WINDOW_MONTHS = 60
_RULE_FIELDS: tuple[str, ...] = (
    "satisfaction_target",
    "satisfaction_at_risk_floor",
    "slo_met_share",
    "slo_at_risk_share",
    "availability_met_percent",
    "availability_at_risk_percent",
    "max_waived_share",
    "cost_flat_tolerance",
    "cost_at_risk_rise",
    "cost_min_periods",
    "lead_time_target_days",
    "lead_time_at_risk_ceiling_days",
)
SETTINGS_FIELDS: tuple[str, ...] = ("window_months", "satisfaction_measure", *_RULE_FIELDS)
SETTINGS_LABELS: dict[str, str] = {
    "window_months": "Window (months)",
    "satisfaction_measure": "Satisfaction measure",
    "satisfaction_target": "Satisfaction target",
    "satisfaction_at_risk_floor": "Satisfaction at-risk floor",
    "slo_met_share": "Share of SLO periods met",
    "slo_at_risk_share": "Share of SLO periods at risk",
    "availability_met_percent": "Availability met (%)",
    "availability_at_risk_percent": "Availability at-risk floor (%)",
    "max_waived_share": "Largest share of waived checks",
    "cost_flat_tolerance": "Flat cost tolerance",
    "cost_at_risk_rise": "Cost rise at risk",
    "cost_min_periods": "Periods for a cost trend",
    "lead_time_target_days": "Lead time target (days)",
    "lead_time_at_risk_ceiling_days": "Lead time at-risk ceiling (days)",
}
# (lower, higher): the looser bound of each outcome must not pass its "met" bound.
_PAIRS: tuple[tuple[str, str], ...] = (
    ("satisfaction_at_risk_floor", "satisfaction_target"),
    ("slo_at_risk_share", "slo_met_share"),
    ("availability_at_risk_percent", "availability_met_percent"),
    ("cost_flat_tolerance", "cost_at_risk_rise"),
    ("lead_time_target_days", "lead_time_at_risk_ceiling_days"),
)
_SHARES = ("slo_met_share", "slo_at_risk_share", "max_waived_share")
_PERCENTS = ("availability_met_percent", "availability_at_risk_percent")
_NOT_NEGATIVE = (
    "cost_flat_tolerance",
    "cost_at_risk_rise",
    "lead_time_target_days",
    "lead_time_at_risk_ceiling_days",
)


# -- input checks ---------------------------------------------------------------------------


def _number(value: Any, field: str, *, required: bool = True) -> float | None:
    if value is None or value == "":
        if required:
            raise ServicePortfolioError("Enter a number.", field=field)
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise ServicePortfolioError("Enter a number.", field=field)
    try:
        number = float(value)
    except ValueError:
        raise ServicePortfolioError("Enter a number.", field=field) from None
    if not math.isfinite(number):
        raise ServicePortfolioError("Enter a finite number.", field=field)
    return number


def _choice(value: Any, choices: Any, field: str) -> str:
    if value not in choices.values:
        raise ServicePortfolioError(f"Choose one of {', '.join(choices.values)}.", field=field)
    return str(value)


def _clean_name(value: Any, service: Service, slo: ServiceLevelObjective | None) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ServicePortfolioError("Give the objective a name.", field="name")
    name = " ".join(value.split())
    if len(name) > 200:
        raise ServicePortfolioError("At most 200 characters.", field="name")
    others = ServiceLevelObjective.objects.filter(service=service, name__iexact=name)
    if slo is not None:
        others = others.exclude(pk=slo.pk)
    if others.exists():
        raise ServicePortfolioError(
            f"{service.name} has an objective named “{name}” already.", field="name"
        )
    return name


def _clean_measure(value: Any) -> Any:
    if not isinstance(value, Measure) or value.pk is None:
        raise ServicePortfolioError("Choose a measure of the measurement store.", field="measure")
    return value


def _clean_objective(values: dict[str, Any]) -> dict[str, Any]:
    """Kind, statistic, target, required share and period checked together; the domain
    (``slo_attainment``) has the last word on the statistic's arguments."""
    kind = _choice(values["kind"], SloKind, "kind")
    statistic = _choice(values["statistic"], SloStatistic, "statistic")
    period = _choice(values["period"], SloPeriod, "period")
    target = _number(values["target"], "target")
    assert target is not None  # noqa: S101 - required above; narrows the type
    share = _number(values["required_share"], "required_share", required=False)
    measure = values["measure"]
    if statistic == SloStatistic.SHARE_MEETING:
        if share is None:
            raise ServicePortfolioError(
                "Give the share of observations that must meet the target (e.g. 0.95).",
                field="required_share",
            )
        if not 0 <= share <= 1:
            raise ServicePortfolioError(
                "Give the share between 0 and 1 (0.95 is 95 %).", field="required_share"
            )
    elif share is not None:
        raise ServicePortfolioError(
            "A required share applies only when the share of observations meeting the target "
            "is judged; leave it empty for the mean.",
            field="required_share",
        )
    if kind == SloKind.AVAILABILITY:
        if statistic != SloStatistic.MEAN:
            raise ServicePortfolioError(
                "An availability objective judges the mean availability of the period.",
                field="statistic",
            )
        if not 0 <= target <= 100:
            raise ServicePortfolioError(
                "Availability is a percentage: give a target from 0 to 100 (e.g. 99.5).",
                field="target",
            )
        if measure.direction != "higher":
            raise ServicePortfolioError(
                f"{measure.name} is lower-is-better; availability is higher-is-better: "
                "choose an availability measure.",
                field="measure",
            )
    return {
        **values,
        "kind": kind,
        "statistic": statistic,
        "period": period,
        "target": target,
        "required_share": share,
    }


def _row_check(actor: User, service: Service, action: str) -> None:
    if not permissions.service_row_can(actor, service, action, "servicelevelobjective"):
        raise PermissionDenied(f"You may not {action} the objectives of {service.name}.")


# -- objectives -----------------------------------------------------------------------------


@transaction.atomic
def slo_create(
    *,
    actor: User,
    service: Service,
    name: str,
    measure: Any,
    target: float,
    kind: str = SloKind.SERVICE_LEVEL,
    statistic: str = SloStatistic.MEAN,
    required_share: float | None = None,
    period: str = SloPeriod.MONTH,
) -> ServiceLevelObjective:
    """Give ``service`` a service-level objective: ``measure`` (its observations for the
    service's work activities), ``target`` in the measure's direction, judged by the
    period's ``statistic`` (``mean``, or ``share_meeting`` with ``required_share`` in
    [0, 1]) every ``period`` (month or quarter). Active from the start.

    Raises:
        PermissionDenied: the actor may not add objectives to the service.
        ServicePortfolioError: a name the service uses already, no measure, a statistic
            and required share that do not go together, an availability objective that is
            not a mean percentage of a higher-is-better measure.
    """
    _row_check(actor, service, "add")
    values = _clean_objective(
        {
            "measure": _clean_measure(measure),
            "kind": kind,
            "statistic": statistic,
            "target": target,
            "required_share": required_share,
            "period": period,
        }
    )
    slo = ServiceLevelObjective(
        service=service, name=_clean_name(name, service, None), active=True, **values
    )
    record_actor(slo, actor, "Objective created")
    slo.save(force_insert=True)
    return slo


@transaction.atomic
def slo_update(
    *,
    actor: User,
    slo: ServiceLevelObjective,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> ServiceLevelObjective:
    """Change any of ``SLO_FIELDS`` of an objective (``active=False`` takes it off the
    scorecard; its history stays). Switching to the mean clears a required share not
    given again. ``expected_version`` is the ``version`` the edit started from (None:
    the row as it is). A save that changes nothing writes nothing (the version stays).

    Raises:
        PermissionDenied: the actor may not change the service's objectives.
        ConflictError: the objective was saved after ``expected_version``.
        ServicePortfolioError: an unknown field, or input ``slo_create`` refuses.
    """
    _row_check(actor, slo.service, "change")
    unknown = sorted(set(data) - set(SLO_FIELDS))
    if unknown:
        raise ServicePortfolioError(
            f"Not a field of an objective: {', '.join(unknown)}.", field=unknown[0]
        )
    row = lock_for_update(
        ServiceLevelObjective.objects.select_related("service"),
        pk=slo.pk,
        expected_version=expected_version,
    )
    merged = {name: getattr(row, name) for name in SLO_FIELDS if name != "measure"}
    merged["measure"] = row.measure
    merged.update(data)
    if (
        merged["statistic"] == SloStatistic.MEAN
        and "required_share" not in data
        and "statistic" in data
    ):
        merged["required_share"] = None
    values = _clean_objective({**merged, "measure": _clean_measure(merged["measure"])})
    values["name"] = _clean_name(values["name"], row.service, row)
    if not isinstance(values["active"], bool):
        raise ServicePortfolioError("Say whether the objective is active.", field="active")
    changed = [name for name in SLO_FIELDS if getattr(row, name) != values[name]]
    if not changed:
        return row
    for name in changed:
        setattr(row, name, values[name])
    row.version += 1
    record_actor(row, actor, f"Changed: {', '.join(changed)}")
    row.save(update_fields=[*changed, "version"])
    return row


@transaction.atomic
def slo_delete(*, actor: User, slo: ServiceLevelObjective) -> None:
    """Delete an objective (its history stays). To keep it on record but off the
    scorecard, make it inactive instead.

    Raises:
        PermissionDenied: the actor may not delete the service's objectives.
    """
    _row_check(actor, slo.service, "delete")
    record_actor(slo, actor, "Objective deleted")
    slo.delete()


# -- the scorecard's settings ---------------------------------------------------------------


def _clean_settings(values: dict[str, Any]) -> dict[str, Any]:
    window = values["window_months"]
    if (
        isinstance(window, bool)
        or not isinstance(window, int)
        or not (1 <= window <= MAX_WINDOW_MONTHS)
    ):
        raise ServicePortfolioError(
            f"Give a whole number of months from 1 to {MAX_WINDOW_MONTHS}.", field="window_months"
        )
    measure = values["satisfaction_measure"]
    if measure is not None and (not isinstance(measure, Measure) or measure.pk is None):
        raise ServicePortfolioError(
            "Choose a measure of the measurement store (or none).", field="satisfaction_measure"
        )
    clean: dict[str, Any] = {"window_months": window, "satisfaction_measure": measure}
    for name in _RULE_FIELDS:
        if name == "cost_min_periods":
            periods = values[name]
            if isinstance(periods, bool) or not isinstance(periods, int) or periods < 2:
                raise ServicePortfolioError(
                    "A trend needs at least 2 periods: give a whole number ≥ 2.", field=name
                )
            if periods > MAX_WINDOW_MONTHS:
                raise ServicePortfolioError(f"At most {MAX_WINDOW_MONTHS}.", field=name)
            clean[name] = periods
            continue
        number = _number(values[name], name)
        if name in _SHARES and not 0 <= (number or 0.0) <= 1:
            raise ServicePortfolioError("Give a share between 0 and 1 (0.95 is 95 %).", field=name)
        if name in _PERCENTS and not 0 <= (number or 0.0) <= 100:
            raise ServicePortfolioError("Give a percentage from 0 to 100.", field=name)
        if name in _NOT_NEGATIVE and (number or 0.0) < 0:
            raise ServicePortfolioError("Give a number of at least 0.", field=name)
        clean[name] = number
    for low, high in _PAIRS:
        if clean[low] > clean[high]:
            raise ServicePortfolioError(
                f"{SETTINGS_LABELS[low]} ({clean[low]:g}) must not exceed "
                f"{SETTINGS_LABELS[high]} ({clean[high]:g}).",
                field=low,
            )
    try:
        ScorecardRules(**{name: clean[name] for name in _RULE_FIELDS})
    except ServiceOutcomeError as error:  # the domain's last word, named by its field
        field = next((n for n in _RULE_FIELDS if str(error).startswith(n)), None)
        raise ServicePortfolioError(str(error), field=field) from None
    return clean


def _settings_conflict(expected_version: int | None) -> ConflictError:
    started = "" if expected_version is None else f" (you started from version {expected_version})"
    return ConflictError(
        f"The scorecard's settings were saved by someone else after you opened them{started}. "
        "Nothing was saved: reload the page to see the changes, then make yours again.",
        field="version",
    )


def _lock_settings(expected_version: int | None) -> ScorecardSettings | None:
    """The settings row, locked, if still at ``expected_version``; None while nothing is
    saved (the defaults, version 1)."""
    try:
        return lock_for_update(
            ScorecardSettings.objects.all(), pk=SETTINGS_PK, expected_version=expected_version
        )
    except ScorecardSettings.DoesNotExist:
        default = ScorecardSettings._meta.get_field("version").get_default()
        if expected_version is not None and expected_version != default:
            raise _settings_conflict(expected_version) from None
        return None


@transaction.atomic
def scorecard_settings_update(
    *, actor: User, data: Mapping[str, Any], expected_version: int | None = None
) -> ScorecardSettings:
    """Change any of ``SETTINGS_FIELDS`` of the scorecard's settings (the row is made
    with the defaults on the first change). Thresholds are checked together through the
    domain's ``ScorecardRules``: each outcome's at-risk bound must not pass its met bound,
    shares lie in [0, 1], availability in [0, 100]. ``expected_version`` is the
    ``version`` the edit started from (1: the defaults; None: the settings as they are);
    every save adds one to it, the first included. A save of a saved row that changes
    nothing writes nothing.

    Raises:
        PermissionDenied: the actor may not change the settings.
        ConflictError: the settings were saved after ``expected_version``.
        ServicePortfolioError: an unknown field or a threshold the rules refuse, naming
            the field.
    """
    if not permissions.settings_can_change(actor):
        raise PermissionDenied("You may not change the scorecard's settings.")
    unknown = sorted(set(data) - set(SETTINGS_FIELDS))
    if unknown:
        raise ServicePortfolioError(
            f"Not a setting of the scorecard: {', '.join(unknown)}.", field=unknown[0]
        )
    row = _lock_settings(expected_version)
    new = row is None
    if row is None:
        row = ScorecardSettings(pk=SETTINGS_PK)
    merged = {name: getattr(row, name) for name in SETTINGS_FIELDS}
    merged.update(data)
    clean = _clean_settings(merged)
    changed = [name for name in SETTINGS_FIELDS if getattr(row, name) != clean[name]]
    if not changed and not new:
        return row
    for name in changed:
        setattr(row, name, clean[name])
    row.updated_by = actor
    row.version += 1
    record_actor(row, actor, f"Changed: {', '.join(changed)}" if changed else "Saved")
    if not new:
        row.save(update_fields=[*changed, "updated_by", "version"])
        return row
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:  # saved for the first time by someone else meanwhile
        raise _settings_conflict(expected_version) from None
    return row
