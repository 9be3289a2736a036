"""Service outcomes (issue 7): SLO attainment, availability, continuity, the scorecard.

Source: MOF Plan and Optimize (seed 003) asks that IT services be *valuable and
compelling*, *predictable and reliable*, *compliant*, *cost-effective* and *able to
adapt to the changing needs of the business*. The seed's bullet list has five
outcomes, and its text names seven qualities ("compelling, valuable, predictable,
reliable, compliant, adaptable, and cost-effective"). Uplift scores six, one per kind
of named evidence (issue 7): *predictable and reliable* is split into **predictable**
(service-level objectives met period after period) and **reliable** (availability,
with continuity testing; the Reliability SMF: availability, capacity, continuity),
because the two can diverge and each needs its own owner's attention.

- :func:`slo_attainment`: is a service-level objective met in one period, from that
  period's observations (the mean against the target, or the share of observations
  meeting the target against a required share). An empty period is ``no_data``.
  :func:`slo_attainment_from_totals` is the same rule from the totals a database
  aggregates (count, sum, count meeting the target).
- :func:`availability`, :func:`utilization`: percentages, with
  :class:`ServiceOutcomeError` for impossible inputs.
- :func:`continuity_test_status`: never tested, failed, overdue by N days, or due in
  N days.
- :func:`scorecard`: each outcome derived from named evidence
  (:class:`ServiceEvidence`) under thresholds (:class:`ScorecardRules`), with the rule
  as text, the figures used and a sentence saying why. :func:`outcome_rules` gives
  the rules alone, for a page that shows them before any evidence exists.

Ties at a threshold meet it (a computed figure within one part in 10⁹ of the threshold
is a tie). Undefined figures are ``None``, never a sentinel.

Exception tree::

    ValueError
    └── ServiceOutcomeError   an impossible input (negative minutes, uptime above the
                              scheduled time, a test dated after today, ...); the
                              message names the argument
"""

from __future__ import annotations

import datetime as dt
import math
import statistics as pystats
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

__all__ = [
    "OUTCOME_TITLES",
    "Attainment",
    "AttainmentStatus",
    "ComplianceCheck",
    "ContinuityState",
    "ContinuityStatus",
    "Direction",
    "Outcome",
    "OutcomeRule",
    "OutcomeScore",
    "OutcomeStatus",
    "Scorecard",
    "ScorecardRules",
    "ServiceEvidence",
    "ServiceOutcomeError",
    "Statistic",
    "availability",
    "continuity_test_status",
    "outcome_rules",
    "scorecard",
    "slo_attainment",
    "slo_attainment_from_totals",
    "utilization",
]

Direction = Literal["higher", "lower"]
Statistic = Literal["mean", "share_meeting"]


class ServiceOutcomeError(ValueError):
    """An impossible input to a service-outcome rule; the message names the argument."""


def _fmt(value: float) -> str:
    """A figure for a sentence: at most two decimals, no trailing zeros."""
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _pct(share: float) -> str:
    return f"{_fmt(share * 100)} %"


def _finite(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ServiceOutcomeError(f"{name} must be a finite number, got {value!r}.")
    return float(value)


def _meets(value: float, target: float, direction: Direction) -> bool:
    """One observation against the target: exact (as a database compares it)."""
    return value >= target if direction == "higher" else value <= target


_TIE_TOLERANCE = 1e-9


def _at_least(value: float, bound: float) -> bool:
    """``value ≥ bound``, a tie within one part in 10⁹ meeting it: a computed figure (a
    mean, a share, a slope) carries rounding that depends on the order of addition."""
    return value >= bound or math.isclose(value, bound, rel_tol=_TIE_TOLERANCE, abs_tol=1e-12)


# SLO attainment ----------------------------------------------------------------------


class AttainmentStatus(StrEnum):
    """Whether an objective was met in a period."""

    MET = "met"
    MISSED = "missed"
    NO_DATA = "no_data"


@dataclass(frozen=True)
class Attainment:
    """One objective in one period.

    ``value`` is the statistic (the mean, or the share in [0, 1] of observations
    meeting the target); ``None`` when there is no data. ``required_share`` is set only
    for ``share_meeting``.
    """

    status: AttainmentStatus
    n: int
    value: float | None
    target: float
    direction: Direction
    statistic: Statistic
    detail: str
    required_share: float | None = None

    @property
    def met(self) -> bool | None:
        """True or False; None when there is no data."""
        if self.status is AttainmentStatus.NO_DATA:
            return None
        return self.status is AttainmentStatus.MET

    def as_json(self) -> dict[str, object]:
        return {
            "status": self.status.value,
            "n": self.n,
            "value": self.value,
            "target": self.target,
            "direction": self.direction,
            "statistic": self.statistic,
            "required_share": self.required_share,
            "detail": self.detail,
        }


def _check_slo_arguments(
    target: float, direction: Direction, statistic: Statistic, required_share: float | None
) -> tuple[float, float | None]:
    if direction not in ("higher", "lower"):
        raise ServiceOutcomeError(f"direction must be 'higher' or 'lower', got {direction!r}.")
    if statistic not in ("mean", "share_meeting"):
        raise ServiceOutcomeError(
            f"statistic must be 'mean' or 'share_meeting', got {statistic!r}."
        )
    target = _finite("target", target)
    if statistic == "share_meeting":
        if required_share is None:
            raise ServiceOutcomeError("required_share is needed for statistic 'share_meeting'.")
        required_share = _finite("required_share", required_share)
        if not 0.0 <= required_share <= 1.0:
            raise ServiceOutcomeError(f"required_share must be in [0, 1], got {required_share}.")
    elif required_share is not None:
        raise ServiceOutcomeError("required_share applies only to statistic 'share_meeting'.")
    return target, required_share


def _judge_period(
    *,
    n: int,
    total: float,
    meeting: int,
    target: float,
    direction: Direction,
    statistic: Statistic,
    required_share: float | None,
) -> Attainment:
    comparator = "≥" if direction == "higher" else "≤"

    def result(status: AttainmentStatus, value: float | None, detail: str) -> Attainment:
        return Attainment(
            status=status,
            n=n,
            value=value,
            target=target,
            direction=direction,
            statistic=statistic,
            detail=detail,
            required_share=required_share,
        )

    if n == 0:
        return result(AttainmentStatus.NO_DATA, None, "No observations in the period.")
    if statistic == "mean":
        mean = total / n
        ok = _at_least(mean, target) if direction == "higher" else _at_least(target, mean)
        verb = "meets" if ok else "misses"
        detail = f"Mean {_fmt(mean)} of {n} observation(s) {verb} {comparator} {_fmt(target)}."
        return result(AttainmentStatus.MET if ok else AttainmentStatus.MISSED, mean, detail)
    assert required_share is not None  # noqa: S101 - checked by the caller; narrows the type
    share = meeting / n
    ok = share >= required_share  # a ratio of counts: a tie rounds as the bound does
    verb = "meets" if ok else "misses"
    detail = (
        f"{meeting} of {n} observation(s) {comparator} {_fmt(target)}: {_pct(share)}, which "
        f"{verb} the required {_pct(required_share)}."
    )
    return result(AttainmentStatus.MET if ok else AttainmentStatus.MISSED, share, detail)


def slo_attainment(
    values: Sequence[float],
    *,
    target: float,
    direction: Direction,
    statistic: Statistic = "mean",
    required_share: float | None = None,
) -> Attainment:
    """Is a service-level objective met in one period, from its observations?

    - ``statistic="mean"``: met when the mean of ``values`` meets ``target`` in
      ``direction`` (``higher``: mean ≥ target, e.g. availability % ≥ 99.9;
      ``lower``: mean ≤ target).
    - ``statistic="share_meeting"``: each observation meets or misses ``target``; met
      when the share meeting it is ≥ ``required_share`` (e.g. resolution hours ≤ 4 for
      ≥ 0.95 of incidents). ``required_share`` is required here and refused for
      ``mean``.

    Ties meet (a mean within one part in 10⁹ of the target is a tie: sums of floats
    differ in their last bits with the order of addition). No observations →
    ``no_data`` with ``value`` None.

    Raises:
        ServiceOutcomeError: unknown direction or statistic, a non-finite value or
            target, or a required share missing, misplaced or outside [0, 1].
    """
    target, required_share = _check_slo_arguments(target, direction, statistic, required_share)
    observations = [_finite(f"values[{i}]", v) for i, v in enumerate(values)]
    return _judge_period(
        n=len(observations),
        total=math.fsum(observations),
        meeting=sum(_meets(v, target, direction) for v in observations),
        target=target,
        direction=direction,
        statistic=statistic,
        required_share=required_share,
    )


def slo_attainment_from_totals(
    *,
    n: int,
    total: float,
    meeting: int | None,
    target: float,
    direction: Direction,
    statistic: Statistic = "mean",
    required_share: float | None = None,
) -> Attainment:
    """:func:`slo_attainment` from a period's totals, as a database aggregates them:
    ``n`` observations summing to ``total``, of which ``meeting`` meet ``target`` in
    ``direction`` (needed for ``share_meeting`` only). Same rules, same result.

    Raises:
        ServiceOutcomeError: as :func:`slo_attainment`; also a negative ``n``, a
            ``meeting`` count missing (for ``share_meeting``) or outside [0, n], or a
            non-finite total.
    """
    target, required_share = _check_slo_arguments(target, direction, statistic, required_share)
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ServiceOutcomeError(f"n must be a count (an integer ≥ 0), got {n!r}.")
    total = _finite("total", total)
    if statistic == "share_meeting" and meeting is None:
        raise ServiceOutcomeError("meeting is needed for statistic 'share_meeting'.")
    if meeting is not None and not 0 <= meeting <= n:
        raise ServiceOutcomeError(f"meeting must be in [0, n={n}], got {meeting}.")
    return _judge_period(
        n=n,
        total=total,
        meeting=meeting or 0,
        target=target,
        direction=direction,
        statistic=statistic,
        required_share=required_share,
    )


# Availability and capacity -----------------------------------------------------------


def availability(uptime_minutes: float, scheduled_minutes: float) -> float:
    """Availability in percent: ``100 * uptime / scheduled`` over agreed service time.

    Raises:
        ServiceOutcomeError: a non-finite or negative figure, no scheduled time (0), or
            more uptime than scheduled time.
    """
    uptime = _finite("uptime_minutes", uptime_minutes)
    scheduled = _finite("scheduled_minutes", scheduled_minutes)
    if scheduled <= 0:
        raise ServiceOutcomeError(
            f"scheduled_minutes must be positive, got {_fmt(scheduled)}: "
            "availability is undefined without scheduled service time."
        )
    if uptime < 0:
        raise ServiceOutcomeError(f"uptime_minutes must not be negative, got {_fmt(uptime)}.")
    if uptime > scheduled:
        raise ServiceOutcomeError(
            f"uptime_minutes ({_fmt(uptime)}) exceeds scheduled_minutes ({_fmt(scheduled)})."
        )
    # The ratio first: rounding is monotone, so uptime == scheduled gives exactly 100.0
    # (100 * uptime / scheduled can round to 100.00000000000001).
    return 100.0 * (uptime / scheduled)


def utilization(used: float, capacity: float) -> float:
    """Utilization in percent: ``100 * used / capacity``.

    Above 100 is allowed (demand beyond capacity: queues, overcommit) and is the
    signal capacity management looks for.

    Raises:
        ServiceOutcomeError: a non-finite figure, negative ``used``, or a capacity that
            is not positive.
    """
    used_ = _finite("used", used)
    cap = _finite("capacity", capacity)
    if cap <= 0:
        raise ServiceOutcomeError(f"capacity must be positive, got {_fmt(cap)}.")
    if used_ < 0:
        raise ServiceOutcomeError(f"used must not be negative, got {_fmt(used_)}.")
    return 100.0 * used_ / cap


# Continuity --------------------------------------------------------------------------


class ContinuityState(StrEnum):
    """The state of a service's continuity testing."""

    NEVER_TESTED = "never_tested"
    FAILED = "failed"  # the last test failed (whatever its date)
    OVERDUE = "overdue"  # passed, but the next test is past due
    DUE = "due"  # passed, next test due today or later


@dataclass(frozen=True)
class ContinuityStatus:
    """Continuity testing of one plan on ``today``.

    ``next_due`` is ``last_test + interval_days`` (None when never tested);
    ``days_overdue`` > 0 when today is past it, else ``days_until_due`` ≥ 0. Both are
    None when never tested.
    """

    state: ContinuityState
    last_test: dt.date | None
    next_due: dt.date | None
    days_overdue: int | None
    days_until_due: int | None
    detail: str

    @property
    def needs_attention(self) -> bool:
        """Never tested, failed or overdue."""
        return self.state is not ContinuityState.DUE

    def as_json(self) -> dict[str, object]:
        return {
            "state": self.state.value,
            "last_test": self.last_test.isoformat() if self.last_test else None,
            "next_due": self.next_due.isoformat() if self.next_due else None,
            "days_overdue": self.days_overdue,
            "days_until_due": self.days_until_due,
            "detail": self.detail,
        }


def continuity_test_status(
    *,
    last_test: dt.date | None,
    result: Literal["passed", "failed"] | None,
    interval_days: int,
    today: dt.date,
) -> ContinuityStatus:
    """The continuity-test state of a plan tested every ``interval_days``.

    Precedence: never tested; then a failed last test (a failure needs a new test
    whatever the calendar says; the due date is still reported); then overdue when
    ``today > last_test + interval_days``; else due in N days (N = 0 on the due date).

    Raises:
        ServiceOutcomeError: ``interval_days`` not a positive integer, a test dated after
            ``today``, a result without a date or a date without a result, or a result
            other than passed/failed.
    """
    if isinstance(interval_days, bool) or not isinstance(interval_days, int) or interval_days <= 0:
        raise ServiceOutcomeError(
            f"interval_days must be a positive integer, got {interval_days!r}."
        )
    if result not in ("passed", "failed", None):
        raise ServiceOutcomeError(f"result must be 'passed', 'failed' or None, got {result!r}.")
    if last_test is None:
        if result is not None:
            raise ServiceOutcomeError("A test result needs the date of the test (last_test).")
        return ContinuityStatus(
            ContinuityState.NEVER_TESTED, None, None, None, None, "The plan has never been tested."
        )
    if result is None:
        raise ServiceOutcomeError(f"The test on {last_test.isoformat()} needs its result.")
    if last_test > today:
        raise ServiceOutcomeError(
            f"last_test {last_test.isoformat()} is after today {today.isoformat()}."
        )
    next_due = last_test + dt.timedelta(days=interval_days)
    late = (today - next_due).days
    overdue, until = (late, None) if late > 0 else (None, -late)
    when = f"overdue by {late} day(s)" if late > 0 else f"due in {-late} day(s)"
    if result == "failed":
        state = ContinuityState.FAILED
        detail = f"The last test, on {last_test.isoformat()}, failed; the next test is {when}."
    elif late > 0:
        state = ContinuityState.OVERDUE
        detail = f"The next test was due on {next_due.isoformat()}: {when}."
    else:
        state = ContinuityState.DUE
        detail = f"Last test passed on {last_test.isoformat()}; the next test is {when}."
    return ContinuityStatus(state, last_test, next_due, overdue, until, detail)


# Scorecard ---------------------------------------------------------------------------


class Outcome(StrEnum):
    """The outcomes of MOF Plan and Optimize (seed 003), in the seed's order."""

    VALUABLE = "valuable_and_compelling"
    PREDICTABLE = "predictable"
    RELIABLE = "reliable"
    COMPLIANT = "compliant"
    COST_EFFECTIVE = "cost_effective"
    ADAPTABLE = "able_to_adapt"


OUTCOME_TITLES: dict[Outcome, str] = {
    Outcome.VALUABLE: "Valuable and compelling",
    Outcome.PREDICTABLE: "Predictable",
    Outcome.RELIABLE: "Reliable",
    Outcome.COMPLIANT: "Compliant",
    Outcome.COST_EFFECTIVE: "Cost-effective",
    Outcome.ADAPTABLE: "Able to adapt",
}


class OutcomeStatus(StrEnum):
    """An outcome's status on the scorecard."""

    MET = "met"
    AT_RISK = "at_risk"
    NOT_MET = "not_met"
    NO_EVIDENCE = "no_evidence"


_SEVERITY = {OutcomeStatus.MET: 0, OutcomeStatus.AT_RISK: 1, OutcomeStatus.NOT_MET: 2}


@dataclass(frozen=True)
class ComplianceCheck:
    """One policy compliance check of a service; a waiver must give its reason."""

    policy: str
    result: Literal["passed", "failed", "waived"]
    reason: str = ""

    def __post_init__(self) -> None:
        if self.result not in ("passed", "failed", "waived"):
            raise ServiceOutcomeError(
                f"Compliance result must be passed, failed or waived, got {self.result!r}."
            )
        if self.result == "waived" and not self.reason.strip():
            raise ServiceOutcomeError(f"The waiver of policy {self.policy!r} needs a reason.")


@dataclass(frozen=True)
class ServiceEvidence:
    """The named evidence of one service over the scorecard's window.

    - ``satisfaction_scores``: customer satisfaction responses (any scale; the rules'
      target is on the same scale).
    - ``slo_attainments``: one :class:`Attainment` per objective and period;
      ``no_data`` periods are not counted.
    - ``availability_percent``: measured availability over the window
      (:func:`availability`), or None.
    - ``continuity``: one :class:`ContinuityStatus` per continuity plan.
    - ``compliance_checks``: the policy compliance checks.
    - ``cost_per_period``: cost of each period, in time order; with
      ``demand_per_period`` (same length, positive) the trend is of cost per unit of
      demand.
    - ``change_lead_times_days``: lead time of each change delivered in the window.
    """

    satisfaction_scores: tuple[float, ...] = ()
    slo_attainments: tuple[Attainment, ...] = ()
    availability_percent: float | None = None
    continuity: tuple[ContinuityStatus, ...] = ()
    compliance_checks: tuple[ComplianceCheck, ...] = ()
    cost_per_period: tuple[float, ...] = ()
    demand_per_period: tuple[float, ...] | None = None
    change_lead_times_days: tuple[float, ...] = ()


@dataclass(frozen=True)
class ScorecardRules:
    """Thresholds of the scorecard: settings, passed in by the caller.

    The reference (seed 003) names the outcomes but gives no thresholds; the defaults
    below are Uplift's starting settings, to be tuned per organization. Each outcome
    has a *met* bound and a looser *at risk* bound; beyond the latter it is not met.
    Ties meet the bound.

    - ``satisfaction_target`` 4.0 / ``satisfaction_at_risk_floor`` 3.5: mean customer
      satisfaction (a 1 to 5 scale assumed by the defaults).
    - ``slo_met_share`` 0.95 / ``slo_at_risk_share`` 0.90: share of SLO periods met.
    - ``availability_met_percent`` 99.5 / ``availability_at_risk_percent`` 99.0.
    - ``max_waived_share`` 0.25: compliant but at risk when more than this share of
      the checks are waived.
    - ``cost_flat_tolerance`` 0.01 / ``cost_at_risk_rise`` 0.05: the least-squares slope
      of cost (per unit of demand) per period, relative to its mean; falling or rising
      by at most 1 % per period counts as flat.
    - ``cost_min_periods`` 3: fewer periods are no evidence of a trend (at least 2).
    - ``lead_time_target_days`` 30 / ``lead_time_at_risk_ceiling_days`` 45: median
      change lead time.
    """

    satisfaction_target: float = 4.0
    satisfaction_at_risk_floor: float = 3.5
    slo_met_share: float = 0.95
    slo_at_risk_share: float = 0.90
    availability_met_percent: float = 99.5
    availability_at_risk_percent: float = 99.0
    max_waived_share: float = 0.25
    cost_flat_tolerance: float = 0.01
    cost_at_risk_rise: float = 0.05
    cost_min_periods: int = 3
    lead_time_target_days: float = 30.0
    lead_time_at_risk_ceiling_days: float = 45.0

    def __post_init__(self) -> None:
        for name in (
            "satisfaction_target",
            "satisfaction_at_risk_floor",
            "slo_met_share",
            "slo_at_risk_share",
            "availability_met_percent",
            "availability_at_risk_percent",
            "max_waived_share",
            "cost_flat_tolerance",
            "cost_at_risk_rise",
            "lead_time_target_days",
            "lead_time_at_risk_ceiling_days",
        ):
            _finite(name, getattr(self, name))
        pairs = (
            ("satisfaction_at_risk_floor", "satisfaction_target"),
            ("slo_at_risk_share", "slo_met_share"),
            ("availability_at_risk_percent", "availability_met_percent"),
            ("cost_flat_tolerance", "cost_at_risk_rise"),
            ("lead_time_target_days", "lead_time_at_risk_ceiling_days"),
        )
        for low, high in pairs:
            if getattr(self, low) > getattr(self, high):
                raise ServiceOutcomeError(f"{low} must not exceed {high}.")
        for name in ("slo_met_share", "slo_at_risk_share", "max_waived_share"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ServiceOutcomeError(f"{name} must be in [0, 1].")
        if self.cost_flat_tolerance < 0:
            raise ServiceOutcomeError("cost_flat_tolerance must not be negative.")
        if isinstance(self.cost_min_periods, bool) or self.cost_min_periods < 2:
            raise ServiceOutcomeError("cost_min_periods must be at least 2.")


@dataclass(frozen=True)
class OutcomeRule:
    """How one outcome is judged: its evidence (names of :class:`ServiceEvidence`
    fields) and the rule as a sentence for the page."""

    outcome: Outcome
    title: str
    evidence: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class OutcomeScore:
    """One outcome judged: status, the rule, the figures used and why."""

    outcome: Outcome
    title: str
    status: OutcomeStatus
    rule: str
    reason: str
    figures: dict[str, object] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {
            "outcome": self.outcome.value,
            "title": self.title,
            "status": self.status.value,
            "rule": self.rule,
            "reason": self.reason,
            "figures": dict(self.figures),
        }


@dataclass(frozen=True)
class Scorecard:
    """A service's outcomes, one score each, in the order of :class:`Outcome`."""

    scores: tuple[OutcomeScore, ...]

    def __getitem__(self, outcome: Outcome) -> OutcomeScore:
        for score in self.scores:
            if score.outcome is outcome:
                return score
        raise KeyError(outcome)

    @property
    def shortfalls(self) -> tuple[OutcomeScore, ...]:
        """The outcomes at risk or not met (what the review opens with)."""
        return tuple(
            s for s in self.scores if s.status in (OutcomeStatus.AT_RISK, OutcomeStatus.NOT_MET)
        )

    def as_json(self) -> dict[str, object]:
        return {"scores": [score.as_json() for score in self.scores]}


def outcome_rules(rules: ScorecardRules) -> tuple[OutcomeRule, ...]:
    """The rule of each outcome as text, under ``rules``."""
    r = rules
    texts = {
        Outcome.VALUABLE: (
            ("satisfaction_scores",),
            f"met when mean customer satisfaction ≥ {_fmt(r.satisfaction_target)}; at risk "
            f"when ≥ {_fmt(r.satisfaction_at_risk_floor)}; otherwise not met.",
        ),
        Outcome.PREDICTABLE: (
            ("slo_attainments",),
            f"met when service-level objectives are met in ≥ {_pct(r.slo_met_share)} of "
            f"their periods; at risk when in ≥ {_pct(r.slo_at_risk_share)}; otherwise not "
            "met. Periods without data are not counted.",
        ),
        Outcome.RELIABLE: (
            ("availability_percent", "continuity"),
            f"met when availability ≥ {_fmt(r.availability_met_percent)} % and no "
            "continuity plan is never tested, failed or overdue; not met when availability "
            f"< {_fmt(r.availability_at_risk_percent)} %; otherwise at risk (a continuity "
            "plan needing a test makes it at risk at best, even without availability "
            "figures).",
        ),
        Outcome.COMPLIANT: (
            ("compliance_checks",),
            "met when no policy compliance check failed (waived counts as passed and is "
            f"listed); at risk when more than {_pct(r.max_waived_share)} of checks are "
            "waived; not met when any check failed.",
        ),
        Outcome.COST_EFFECTIVE: (
            ("cost_per_period", "demand_per_period"),
            "met when cost (per unit of demand, if known) per period is falling or flat "
            f"(slope ≤ {_pct(r.cost_flat_tolerance)} of the mean per period, over ≥ "
            f"{r.cost_min_periods} periods); at risk when rising by ≤ "
            f"{_pct(r.cost_at_risk_rise)}; otherwise not met.",
        ),
        Outcome.ADAPTABLE: (
            ("change_lead_times_days",),
            f"met when the median change lead time ≤ {_fmt(r.lead_time_target_days)} days; "
            f"at risk when ≤ {_fmt(r.lead_time_at_risk_ceiling_days)} days; otherwise not "
            "met.",
        ),
    }
    return tuple(
        OutcomeRule(o, OUTCOME_TITLES[o], texts[o][0], f"{OUTCOME_TITLES[o]}: {texts[o][1]}")
        for o in Outcome
    )


def _band_higher(value: float, met: float, at_risk: float) -> OutcomeStatus:
    if _at_least(value, met):
        return OutcomeStatus.MET
    return OutcomeStatus.AT_RISK if _at_least(value, at_risk) else OutcomeStatus.NOT_MET


def _band_lower(value: float, met: float, at_risk: float) -> OutcomeStatus:
    if _at_least(met, value):
        return OutcomeStatus.MET
    return OutcomeStatus.AT_RISK if _at_least(at_risk, value) else OutcomeStatus.NOT_MET


def _valuable(
    ev: ServiceEvidence, r: ScorecardRules
) -> tuple[OutcomeStatus, str, dict[str, object]]:
    scores = [_finite("satisfaction_scores", s) for s in ev.satisfaction_scores]
    if not scores:
        return OutcomeStatus.NO_EVIDENCE, "No customer satisfaction responses.", {"n": 0}
    mean = math.fsum(scores) / len(scores)
    status = _band_higher(mean, r.satisfaction_target, r.satisfaction_at_risk_floor)
    figures: dict[str, object] = {"n": len(scores), "mean": mean, "target": r.satisfaction_target}
    return status, f"Mean satisfaction {_fmt(mean)} from {len(scores)} response(s).", figures


def _predictable(
    ev: ServiceEvidence, r: ScorecardRules
) -> tuple[OutcomeStatus, str, dict[str, object]]:
    judged = [a for a in ev.slo_attainments if a.status is not AttainmentStatus.NO_DATA]
    met = sum(a.status is AttainmentStatus.MET for a in judged)
    share = met / len(judged) if judged else None
    figures: dict[str, object] = {
        "slo_periods": len(judged),
        "slo_periods_met": met,
        "slo_share_met": share,
    }
    if share is None:
        return OutcomeStatus.NO_EVIDENCE, "No service-level objective periods with data.", figures
    status = _band_higher(share, r.slo_met_share, r.slo_at_risk_share)
    return status, f"SLOs met in {met} of {len(judged)} period(s) ({_pct(share)}).", figures


def _reliable(
    ev: ServiceEvidence, r: ScorecardRules
) -> tuple[OutcomeStatus, str, dict[str, object]]:
    avail = ev.availability_percent
    if avail is not None:
        avail = _finite("availability_percent", avail)
    attention = [c for c in ev.continuity if c.needs_attention]
    figures: dict[str, object] = {
        "availability_percent": avail,
        "continuity_plans": len(ev.continuity),
        "continuity_attention": [c.detail for c in attention],
    }
    needs_test = f"{len(attention)} continuity plan(s) never tested, failed or overdue"
    if avail is None:
        if attention:
            # A plan needing a test is evidence of risk on its own; nothing shows "met".
            return OutcomeStatus.AT_RISK, f"No availability measured; {needs_test}.", figures
        return OutcomeStatus.NO_EVIDENCE, "No availability measured.", figures
    status = _band_higher(avail, r.availability_met_percent, r.availability_at_risk_percent)
    reason = f"Availability {_fmt(avail)} %"
    if attention:
        status = max(status, OutcomeStatus.AT_RISK, key=_SEVERITY.__getitem__)
        reason += f"; {needs_test}"
    return status, reason + ".", figures


def _compliant(
    ev: ServiceEvidence, r: ScorecardRules
) -> tuple[OutcomeStatus, str, dict[str, object]]:
    checks = ev.compliance_checks
    failed = [c.policy for c in checks if c.result == "failed"]
    waived = [f"{c.policy}: {c.reason}" for c in checks if c.result == "waived"]
    figures: dict[str, object] = {"checks": len(checks), "failed": failed, "waived": waived}
    if not checks:
        return OutcomeStatus.NO_EVIDENCE, "No policy compliance checks.", figures
    if failed:
        return OutcomeStatus.NOT_MET, f"Failed: {', '.join(failed)}.", figures
    share = len(waived) / len(checks)
    figures["waived_share"] = share
    reason = f"All {len(checks)} check(s) passed or waived ({len(waived)} waived)."
    if share > r.max_waived_share:
        return OutcomeStatus.AT_RISK, reason, figures
    return OutcomeStatus.MET, reason, figures


def _slope(ys: Sequence[float]) -> float:
    """Least-squares slope of ``ys`` against 0, 1, 2, ..."""
    n = len(ys)
    x_mean = (n - 1) / 2
    y_mean = math.fsum(ys) / n
    num = math.fsum((i - x_mean) * (y - y_mean) for i, y in enumerate(ys))
    den = math.fsum((i - x_mean) ** 2 for i in range(n))
    return num / den


def _cost_effective(
    ev: ServiceEvidence, r: ScorecardRules
) -> tuple[OutcomeStatus, str, dict[str, object]]:
    costs = [_finite(f"cost_per_period[{i}]", c) for i, c in enumerate(ev.cost_per_period)]
    if any(c < 0 for c in costs):
        raise ServiceOutcomeError("cost_per_period must not be negative.")
    per_unit = ev.demand_per_period is not None
    if ev.demand_per_period is not None:
        demand = [_finite(f"demand_per_period[{i}]", d) for i, d in enumerate(ev.demand_per_period)]
        if len(demand) != len(costs):
            raise ServiceOutcomeError("demand_per_period must have one figure per cost period.")
        if any(d <= 0 for d in demand):
            raise ServiceOutcomeError("demand_per_period must be positive to divide cost by it.")
        costs = [c / d for c, d in zip(costs, demand, strict=True)]
    measure = "cost per unit of demand" if per_unit else "cost per period"
    figures: dict[str, object] = {"measure": measure, "periods": len(costs)}
    if len(costs) < r.cost_min_periods:
        return (
            OutcomeStatus.NO_EVIDENCE,
            f"{len(costs)} period(s) of cost; a trend needs {r.cost_min_periods}.",
            figures,
        )
    slope = _slope(costs)
    mean = math.fsum(costs) / len(costs)
    relative = slope / mean if mean > 0 else 0.0  # all zero: flat
    figures.update({"slope": slope, "mean": mean, "relative_slope": relative})
    status = _band_lower(relative, r.cost_flat_tolerance, r.cost_at_risk_rise)
    trend = "falling" if relative < 0 else "rising" if relative > 0 else "flat"
    reason = (
        f"The {measure} is {trend}: {_pct(relative)} of its mean per period over "
        f"{len(costs)} periods."
    )
    return status, reason, figures


def _adaptable(
    ev: ServiceEvidence, r: ScorecardRules
) -> tuple[OutcomeStatus, str, dict[str, object]]:
    times = [_finite("change_lead_times_days", t) for t in ev.change_lead_times_days]
    if any(t < 0 for t in times):
        raise ServiceOutcomeError("change_lead_times_days must not be negative.")
    if not times:
        return OutcomeStatus.NO_EVIDENCE, "No changes delivered in the window.", {"n": 0}
    median = float(pystats.median(times))
    status = _band_lower(median, r.lead_time_target_days, r.lead_time_at_risk_ceiling_days)
    figures: dict[str, object] = {
        "n": len(times),
        "median_days": median,
        "target_days": r.lead_time_target_days,
    }
    return status, f"Median lead time {_fmt(median)} days over {len(times)} change(s).", figures


_JUDGES = {
    Outcome.VALUABLE: _valuable,
    Outcome.PREDICTABLE: _predictable,
    Outcome.RELIABLE: _reliable,
    Outcome.COMPLIANT: _compliant,
    Outcome.COST_EFFECTIVE: _cost_effective,
    Outcome.ADAPTABLE: _adaptable,
}


def scorecard(evidence: ServiceEvidence, rules: ScorecardRules) -> Scorecard:
    """Judge each outcome of seed 003 from ``evidence`` under ``rules``.

    The rule of each outcome is :func:`outcome_rules`; missing evidence gives
    ``no_evidence``, never a guess. Reliability takes the worse of availability and
    continuity (a continuity plan needing a test makes it at risk at best, and at risk
    when no availability is measured).

    Raises:
        ServiceOutcomeError: impossible evidence (negative cost or lead time, demand not
            positive or of another length than cost, a non-finite figure).
    """
    r = rules
    scores = []
    for rule in outcome_rules(r):
        status, reason, figures = _JUDGES[rule.outcome](evidence, r)
        scores.append(OutcomeScore(rule.outcome, rule.title, status, rule.text, reason, figures))
    return Scorecard(tuple(scores))
