"""The demo measurements of Harbourline Systems (shared/demo.md, step 5 of the story).

Seven measures, four business objectives with six QPPOs tracing to them, two years of
observations (weekly from 2024-11-18 to 2026-11-09, monthly from 2024-11 to 2026-10)
for the demo organization's projects and services, and, for every QPPO, two stored
baselines (before the first improvement, and the last six months) so that the
objectives page shows what is met and what falls short. docs/demo-data.md describes it
for users and for the issues that build on it.

The values are computed first, in NumPy, from ``DEMO_SEED`` and fixed tables, and are
the same on every run whatever the database holds: each series (one measure, one work
activity) draws from its own generator, seeded by the seed and the two slugs, so that
changing one series changes no other. The effects of the improvements deployed in the
story are real (``DEMO_EFFECTS``): from each wave's start, the level of a measure moves
by the stated fraction for the wave's work activities, and by nothing elsewhere.

The observations are written as one CSV file through the import service
(``services.observations.observation_import``): a second run offers the same bytes,
which the import recognises by their hash and skips. Measures and objectives are created
through their services when missing, keyed on slug and on (kind, name), and left as
they are when present. Everything happens in one transaction. Loading needs the demo
organization (``organization.demo.demo_load``); without it nothing is loaded.
"""

from __future__ import annotations

import datetime as dt
import io
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from django.contrib.auth import get_user_model
from django.db import transaction

from uplift.apps.measurements.choices import (
    Direction,
    Frequency,
    ObjectiveKind,
    Priority,
    Scale,
    Statistic,
)
from uplift.apps.measurements.models import Measure, Objective, Observation
from uplift.apps.measurements.selectors import baselines_for
from uplift.apps.measurements.services.baselines import baseline_compute
from uplift.apps.measurements.services.measures import measure_create
from uplift.apps.measurements.services.objectives import objective_create
from uplift.apps.measurements.services.observations import observation_import
from uplift.apps.organization.selectors import work_activity_list

__all__ = [
    "DEMO_ACTIVITIES",
    "DEMO_AVAILABILITY_MISS",
    "DEMO_BASELINE_PERIODS",
    "DEMO_EFFECTS",
    "DEMO_FILENAME",
    "DEMO_MEASURES",
    "DEMO_OBJECTIVES",
    "DEMO_OUTLIERS",
    "DEMO_SEED",
    "DemoEffect",
    "DemoMeasure",
    "DemoModel",
    "DemoObjective",
    "DemoOutlier",
    "DemoQppo",
    "DemoWave",
    "measurement_demo_csv",
    "measurement_demo_load",
]

DEMO_SEED = 4004  # issue 4
DEMO_FILENAME = "harbourline-demo-observations.csv"
AUTHOR = "process.group"  # the demo user who records the measures (organization.demo)

# Weekly values are stamped on the Monday that starts their week, monthly values on the
# first day of their month: the stamp is the start of the period a value describes.
# Today is 2026-11-21 in the story: the last complete week started on 2026-11-09 and the
# last complete month is October 2026.
FIRST_WEEK, LAST_WEEK = dt.date(2024, 11, 18), dt.date(2026, 11, 9)  # 104 weeks
FIRST_MONTH, LAST_MONTH = dt.date(2024, 11, 1), dt.date(2026, 10, 1)  # 24 months

FloatArray = npt.NDArray[np.float64]

# --- the demo organization's work activities (organization.demo, by slug) -----------------

ENGINEERING, SERVICES = "product-engineering", "managed-services"
SOFTWARE_ONLY = (
    "tidewater-billing-portal",
    "quayside-mobile-app",
    "beacon-customer-portal",
    "anchor-claims-engine",
    "lighthouse-analytics",
    "mooring-scheduler",
    "dockside-inventory",
    "berth-planner",
)
COTS_INTEGRATION = (
    "harbour-erp-rollout",
    "customer-crm-integration",
    "document-archive-integration",
    "hr-suite-integration",
    "payments-gateway-integration",
)
EMBEDDED_HARDWARE = (
    "buoy-sensor-firmware",
    "crane-controller",
    "gate-access-controller",
    "container-tracker-tag",
    "tide-gauge-firmware",
)
PROJECTS = SOFTWARE_ONLY + COTS_INTEGRATION + EMBEDDED_HARDWARE
# service team (a work group) → the services it delivers
SERVICE_TEAMS: Mapping[str, tuple[str, ...]] = {
    "service-desk-team": ("service-desk",),
    "hosting-team": ("hosting", "database-hosting"),
    "network-team": ("network", "remote-access"),
    "identity-team": ("identity-and-access",),
    "storage-team": ("backup-and-restore", "file-storage"),
    "business-applications-team": ("payroll-platform",),
    "collaboration-team": ("email-and-calendar",),
    "workplace-team": ("laptop-provisioning",),
    "security-operations-team": ("security-monitoring",),
}
SERVICES_DELIVERED = tuple(s for services in SERVICE_TEAMS.values() for s in services)
HOSTING_AND_NETWORK = ("hosting", "database-hosting", "network", "remote-access")
DEMO_ACTIVITIES = PROJECTS + SERVICES_DELIVERED
"""Every work activity the demo has observations for: 18 projects and 12 services."""

DEMO_AVAILABILITY_MISS = "database-hosting"
"""The service that misses its availability objective (issue 7): its downtime grows
with its load over the two years, the problem capacity forecasting is meant to fix."""


# --- the improvements and their effects ------------------------------------------------------


@dataclass(frozen=True)
class DemoWave:
    """One wave of a deployment: from ``start`` (None: not started) at ``targets``.

    ``measured`` are the work activities whose observations carry the effect: the
    targets themselves for projects; for service teams, the services they deliver.
    """

    name: str
    start: dt.date | None
    targets: tuple[str, ...]
    measured: tuple[str, ...]


@dataclass(frozen=True)
class DemoEffect:
    """An improvement of the story and what it does to the data.

    ``changes`` maps a measure's slug to the relative change of its level from each
    wave's start (-0.25: a quarter lower); 0.0 says the measure was expected to move
    and does not. Observations stamped on or after a wave's start carry the change.
    """

    slug: str
    name: str
    changes: Mapping[str, float]
    waves: tuple[DemoWave, ...]
    note: str


def _projects_wave(name: str, start: dt.date | None, projects: tuple[str, ...]) -> DemoWave:
    return DemoWave(name, start, projects, projects)


def _teams_wave(name: str, start: dt.date | None, teams: tuple[str, ...]) -> DemoWave:
    return DemoWave(name, start, teams, tuple(s for team in teams for s in SERVICE_TEAMS[team]))


DEMO_EFFECTS: tuple[DemoEffect, ...] = (
    DemoEffect(
        slug="peer-reviews-for-requirements",
        name="Peer reviews for requirements",
        changes={"defect-density": -0.25, "cycle-time": -0.12},
        waves=(
            _projects_wave("Pilot", dt.date(2025, 6, 1), SOFTWARE_ONLY[:3]),
            _projects_wave("Wave 1", dt.date(2025, 10, 1), SOFTWARE_ONLY[3:6]),
            _projects_wave("Wave 2", dt.date(2026, 1, 1), SOFTWARE_ONLY[6:]),
        ),
        note="Finished: every software-only project reviews its requirements; defect "
        "density a quarter lower and cycle time 12 % shorter from each project's wave.",
    ),
    DemoEffect(
        slug="incident-triage-runbook",
        name="Incident triage runbook",
        changes={"incident-resolution-time": -0.20},
        waves=(
            _teams_wave("Pilot", dt.date(2026, 3, 1), ("service-desk-team", "network-team")),
            _teams_wave(
                "Wave 2",
                None,  # waiting on training completion; issue 6 plans its date
                tuple(t for t in SERVICE_TEAMS if t not in ("service-desk-team", "network-team")),
            ),
        ),
        note="In flight: the pilot teams' services resolve incidents a fifth faster from "
        "March 2026; the other teams have not started, so Managed Services as a whole "
        "still misses its incident resolution QPPO.",
    ),
    DemoEffect(
        slug="status-report-template",
        name="Status report template",
        changes={"rework-effort": 0.0},
        waves=(_projects_wave("All COTS projects", dt.date(2025, 9, 1), COTS_INTEGRATION),),
        note="Piloted without effect: rework effort of the COTS integration projects is "
        "the same before and after September 2025; the pilot was terminated.",
    ),
    DemoEffect(
        slug="capacity-forecasting",
        name="Capacity forecasting",
        changes={},
        waves=(),
        note="Being planned: no effect in the data. Database Hosting's falling "
        "availability is the problem it is meant to fix.",
    ),
)


@dataclass(frozen=True)
class DemoOutlier:
    """A special cause planted in the data: the bad side of one value times ``factor``
    (a time or a density grows; a percentage's shortfall from 100 grows)."""

    measure: str
    work_activity: str
    observed_at: dt.date
    factor: float
    why: str


DEMO_OUTLIERS: tuple[DemoOutlier, ...] = (
    DemoOutlier(
        "incident-resolution-time",
        "hosting",
        dt.date(2025, 8, 11),
        3.5,
        "A storage array failure held dozens of incidents open for days.",
    ),
    DemoOutlier(
        "incident-resolution-time",
        "email-and-calendar",
        dt.date(2026, 2, 2),
        2.8,
        "A vendor outage nobody in Harbourline could fix.",
    ),
    DemoOutlier(
        "cycle-time",
        "crane-controller",
        dt.date(2025, 3, 3),
        2.5,
        "Work blocked for weeks waiting for test hardware.",
    ),
    DemoOutlier(
        "defect-density",
        "buoy-sensor-firmware",
        dt.date(2025, 9, 1),
        2.6,
        "A release with a module that skipped its reviews.",
    ),
    DemoOutlier(
        "availability",
        "database-hosting",
        dt.date(2026, 7, 1),
        3.0,
        "A failed storage upgrade: the longest outage of the two years.",
    ),
    DemoOutlier(
        "sla-attainment",
        "identity-and-access",
        dt.date(2025, 1, 1),
        3.0,
        "A directory migration that overran its change window.",
    ),
)


# --- the measures ---------------------------------------------------------------------------

Kind = Literal["lognormal", "shortfall", "score"]


@dataclass(frozen=True)
class DemoModel:
    """How a measure's values are drawn for one work activity.

    - ``lognormal`` (times, densities, shares): ``level * effect * exp(sigma z - sigma²/2)``,
      so that the mean is the level;
    - ``shortfall`` (percentages near 100): ``100 - level * effect * exp(...)``, the
      level being the mean shortfall from 100, bounded below by ``floor``;
    - ``score`` (1 to 5): ``level + sigma z`` within [1, 5].

    ``levels`` names the work activities the measure has data for, each with the range
    its level is drawn from (uniformly); ``trends`` replace the level of some with a line
    from a first to a last level over the two years. The effects of ``DEMO_EFFECTS`` and
    the factors of ``DEMO_OUTLIERS`` multiply the level (for ``shortfall``, the shortfall).
    """

    kind: Kind
    levels: Mapping[str, tuple[float, float]]
    sigma: float
    decimals: int
    floor: float = 0.0
    trends: Mapping[str, tuple[float, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoMeasure:
    """A demo measure: the fields ``measure_create`` takes, and how its data is made."""

    slug: str
    name: str
    unit: str
    operational_definition: str
    scale: Scale
    direction: Direction
    describes: str
    collected_by: str
    frequency: Frequency
    source: str  # the observations' source column
    model: DemoModel

    @property
    def work_activities(self) -> tuple[str, ...]:
        return tuple(self.model.levels)


def _levels(
    groups: Mapping[tuple[str, ...], tuple[float, float]],
) -> dict[str, tuple[float, float]]:
    return {slug: bounds for slugs, bounds in groups.items() for slug in slugs}


DEMO_MEASURES: tuple[DemoMeasure, ...] = (
    DemoMeasure(
        slug="defect-density",
        name="Defect density",
        unit="defects/KLOC",
        operational_definition=(
            "Defects found in the month by system test, acceptance test or customers "
            "(the defect tracker's records with a found-date in the month, duplicates and "
            "rejected reports excluded), divided by the thousands of lines of code added "
            "or changed in the project's repository in the same month (comments and blank "
            "lines excluded). One value per project and month."
        ),
        scale=Scale.CONTINUOUS,
        direction=Direction.LOWER,
        describes="Software development: verification and peer reviews",
        collected_by="Quality assurance engineer",
        frequency=Frequency.MONTHLY,
        source="defect tracker",
        model=DemoModel(
            "lognormal",
            _levels(
                {
                    SOFTWARE_ONLY: (1.05, 1.35),
                    COTS_INTEGRATION: (0.7, 1.1),
                    EMBEDDED_HARDWARE: (0.4, 0.8),
                }
            ),
            sigma=0.22,
            decimals=2,
        ),
    ),
    DemoMeasure(
        slug="cycle-time",
        name="Cycle time",
        unit="days",
        operational_definition=(
            "Mean calendar days from 'ready' to 'done' of the work items (stories, "
            "defects, tasks) the project finished in the week, Monday to Sunday, as the "
            "work tracker's status history records them. One value per project and week."
        ),
        scale=Scale.CONTINUOUS,
        direction=Direction.LOWER,
        describes="Software development: from a ready work item to a done one",
        collected_by="Project manager",
        frequency=Frequency.WEEKLY,
        source="work tracker",
        model=DemoModel(
            "lognormal",
            _levels(
                {
                    SOFTWARE_ONLY: (19.0, 23.0),
                    COTS_INTEGRATION: (22.0, 30.0),
                    EMBEDDED_HARDWARE: (30.0, 42.0),
                }
            ),
            sigma=0.18,
            decimals=1,
        ),
    ),
    DemoMeasure(
        slug="rework-effort",
        name="Rework effort",
        unit="% of effort",
        operational_definition=(
            "Hours booked in the month to rework (fixing defects, redoing work after a "
            "failed review or a changed requirement) as a percentage of all hours booked "
            "to the project in the month, from the timesheets. Hours, not items: the "
            "binomial model of a p-chart does not fit, so the scale is continuous."
        ),
        scale=Scale.CONTINUOUS,
        direction=Direction.LOWER,
        describes="Software development: effort spent on rework",
        collected_by="Project manager",
        frequency=Frequency.MONTHLY,
        source="timesheets",
        model=DemoModel("lognormal", _levels({PROJECTS: (9.0, 17.0)}), sigma=0.15, decimals=1),
    ),
    DemoMeasure(
        slug="incident-resolution-time",
        name="Incident resolution time",
        unit="hours",
        operational_definition=(
            "Mean elapsed hours from an incident's logging to its resolution (not its "
            "closure), over the incidents of the service resolved in the week, Monday to "
            "Sunday, from the service desk tool; time on hold waiting for the customer is "
            "excluded. One value per service and week."
        ),
        scale=Scale.CONTINUOUS,
        direction=Direction.LOWER,
        describes="Incident resolution and prevention",
        collected_by="Incident manager",
        frequency=Frequency.WEEKLY,
        source="service desk tool",
        model=DemoModel(
            "lognormal", _levels({SERVICES_DELIVERED: (9.0, 13.5)}), sigma=0.3, decimals=1
        ),
    ),
    DemoMeasure(
        slug="sla-attainment",
        name="SLA attainment",
        unit="%",
        operational_definition=(
            "Percentage of the service's requests and incidents closed in the month "
            "within the time their service level agreement allows, from the service desk "
            "tool. Recorded as a percentage (0 to 100), not as 0/1 per ticket, so the "
            "charts are XmR charts of the monthly percentages."
        ),
        scale=Scale.PROPORTION,
        direction=Direction.HIGHER,
        describes="Service delivery",
        collected_by="Service level manager",
        frequency=Frequency.MONTHLY,
        source="service desk tool",
        model=DemoModel(
            "shortfall",
            _levels({SERVICES_DELIVERED: (0.8, 2.4)}),
            sigma=0.35,
            decimals=2,
            floor=80.0,
        ),
    ),
    DemoMeasure(
        slug="availability",
        name="Availability",
        unit="%",
        operational_definition=(
            "Percentage of the month's agreed service hours in which the service was "
            "available to its users, from the monitoring system's synthetic checks every "
            "minute; planned maintenance announced a week ahead does not count as down."
        ),
        scale=Scale.CONTINUOUS,
        direction=Direction.HIGHER,
        describes="Capacity and availability management",
        collected_by="Operations engineer",
        frequency=Frequency.MONTHLY,
        source="monitoring",
        model=DemoModel(
            "shortfall",
            _levels({SERVICES_DELIVERED: (0.06, 0.22)}),
            sigma=0.4,
            decimals=3,
            floor=90.0,
            trends={DEMO_AVAILABILITY_MISS: (0.2, 0.8)},
        ),
    ),
    DemoMeasure(
        slug="customer-satisfaction",
        name="Customer satisfaction",
        unit="score 1-5",
        operational_definition=(
            "Mean answer to 'How satisfied are you with this project's (service's) work "
            "this month?' on a scale from 1 (very dissatisfied) to 5 (very satisfied), "
            "over the month's survey responses from the customers of the project or "
            "service; months with fewer than five responses are not reported."
        ),
        scale=Scale.CONTINUOUS,
        direction=Direction.HIGHER,
        describes="Project and service delivery: the customer's view",
        collected_by="Customer relationship manager",
        frequency=Frequency.MONTHLY,
        source="customer survey",
        model=DemoModel(
            "score",
            _levels({PROJECTS + SERVICES_DELIVERED: (3.8, 4.5)}),
            sigma=0.18,
            decimals=2,
        ),
    ),
)


# --- the objectives -------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoQppo:
    """A QPPO of the demo (``objective_create`` with kind ``qppo``)."""

    name: str
    description: str
    measure: str
    target: float
    segment: Mapping[str, Any]
    due: dt.date
    priority: Priority
    statistic: Statistic = Statistic.MEAN


@dataclass(frozen=True)
class DemoObjective:
    """A business objective of the demo and the QPPOs that trace to it."""

    name: str
    description: str
    due: dt.date
    priority: Priority
    qppos: tuple[DemoQppo, ...]


SOFTWARE_SEGMENT = {"unit": ENGINEERING, "activity_type": "software_only"}
SERVICE_SEGMENT = {"unit": SERVICES, "kind": "service"}

DEMO_OBJECTIVES: tuple[DemoObjective, ...] = (
    DemoObjective(
        name="Deliver software customers can trust",
        description="Fewer defects reach customers, and changes reach them sooner.",
        due=dt.date(2027, 6, 30),
        priority=Priority.HIGH,
        qppos=(
            DemoQppo(
                name="Defect density of software-only projects at most 1.0 defects/KLOC",
                description="Met once peer reviews for requirements reached every "
                "software-only project; missed before.",
                measure="defect-density",
                target=1.0,
                segment=SOFTWARE_SEGMENT,
                due=dt.date(2026, 12, 31),
                priority=Priority.HIGH,
            ),
            DemoQppo(
                name="Cycle time of software-only projects at most 20 days",
                description="From a ready work item to a done one.",
                measure="cycle-time",
                target=20.0,
                segment=SOFTWARE_SEGMENT,
                due=dt.date(2026, 12, 31),
                priority=Priority.MEDIUM,
            ),
        ),
    ),
    DemoObjective(
        name="Restore service fast",
        description="Customers of Managed Services get their service back quickly and "
        "within what was agreed.",
        due=dt.date(2027, 6, 30),
        priority=Priority.HIGH,
        qppos=(
            DemoQppo(
                name="Incident resolution time in Managed Services at most 8 hours",
                description="A shortfall: the runbook's pilot helps its two teams, the "
                "other teams are still above the target.",
                measure="incident-resolution-time",
                target=8.0,
                segment=SERVICE_SEGMENT,
                due=dt.date(2027, 6, 30),
                priority=Priority.HIGH,
            ),
            DemoQppo(
                name="SLA attainment in Managed Services at least 98 %",
                description="Requests and incidents closed within their agreed time.",
                measure="sla-attainment",
                target=98.0,
                segment=SERVICE_SEGMENT,
                due=dt.date(2026, 12, 31),
                priority=Priority.MEDIUM,
            ),
        ),
    ),
    DemoObjective(
        name="Keep services available",
        description="The platforms others build on are there when they are needed.",
        due=dt.date(2027, 12, 31),
        priority=Priority.MEDIUM,
        qppos=(
            DemoQppo(
                name="Availability of hosting and network services at least 99.5 %",
                description="The mean over the four services; Database Hosting alone falls short.",
                measure="availability",
                target=99.5,
                segment={"work_activities": list(HOSTING_AND_NETWORK)},
                due=dt.date(2027, 3, 31),
                priority=Priority.HIGH,
            ),
        ),
    ),
    DemoObjective(
        name="Keep customers satisfied",
        description="Customers of projects and services would choose Harbourline again.",
        due=dt.date(2027, 12, 31),
        priority=Priority.LOW,
        qppos=(
            DemoQppo(
                name="Customer satisfaction at least 4.0",
                description="Over every project and service that is surveyed.",
                measure="customer-satisfaction",
                target=4.0,
                segment={},
                due=dt.date(2027, 12, 31),
                priority=Priority.MEDIUM,
            ),
        ),
    ),
)

DEMO_BASELINE_PERIODS: tuple[tuple[dt.date, dt.date], ...] = (
    (dt.date(2024, 11, 1), dt.date(2025, 5, 31)),  # before the first pilot
    (dt.date(2026, 5, 1), dt.date(2026, 11, 15)),  # the last six months: "current"
)
"""The periods of the baselines stored per QPPO, oldest first (the newest is current)."""


# --- generation (no database) -----------------------------------------------------------------


def _times(frequency: Frequency) -> list[dt.date]:
    if frequency == Frequency.WEEKLY:
        weeks = (LAST_WEEK - FIRST_WEEK).days // 7 + 1
        return [FIRST_WEEK + dt.timedelta(weeks=i) for i in range(weeks)]
    months = (LAST_MONTH.year - FIRST_MONTH.year) * 12 + LAST_MONTH.month - FIRST_MONTH.month + 1
    return [
        dt.date(
            FIRST_MONTH.year + (FIRST_MONTH.month - 1 + i) // 12,
            (FIRST_MONTH.month - 1 + i) % 12 + 1,
            1,
        )
        for i in range(months)
    ]


def _rng(measure: str, work_activity: str) -> np.random.Generator:
    """The series' own generator: the seed and both slugs, so series are independent."""
    return np.random.default_rng(
        [DEMO_SEED, zlib.crc32(measure.encode()), zlib.crc32(work_activity.encode())]
    )


def _effect(measure: str, work_activity: str, days: npt.NDArray[np.int64]) -> FloatArray:
    """The multiplier of the level at each time (days since 1970) from DEMO_EFFECTS."""
    factor = np.ones(days.size)
    for effect in DEMO_EFFECTS:
        change = effect.changes.get(measure)
        if not change:
            continue
        for wave in effect.waves:
            if wave.start is not None and work_activity in wave.measured:
                start = (wave.start - dt.date(1970, 1, 1)).days
                factor[days >= start] *= 1 + change
    return factor


def _series(measure: DemoMeasure, work_activity: str, times: list[dt.date]) -> FloatArray:
    """One work activity's values of a measure at ``times`` (see :class:`DemoModel`)."""
    model = measure.model
    rng = _rng(measure.slug, work_activity)
    low, high = model.levels[work_activity]
    level: float | FloatArray = float(rng.uniform(low, high))
    noise = rng.standard_normal(len(times))
    if work_activity in model.trends:
        first, last = model.trends[work_activity]
        level = np.linspace(first, last, len(times))
    days = np.array([(t - dt.date(1970, 1, 1)).days for t in times], dtype=np.int64)
    bad = level * _effect(measure.slug, work_activity, days)  # the bad side of the value
    for outlier in DEMO_OUTLIERS:
        if outlier.measure == measure.slug and outlier.work_activity == work_activity:
            bad = bad * np.where(np.array(times) == outlier.observed_at, outlier.factor, 1.0)
    if model.kind == "score":
        values = np.clip(bad + model.sigma * noise, 1.0, 5.0)
    else:
        spread = np.exp(model.sigma * noise - model.sigma**2 / 2)
        values = bad * spread
        if model.kind == "shortfall":
            values = np.clip(100.0 - values, model.floor, 100.0)
    return np.round(values, model.decimals)


def measurement_demo_csv() -> bytes:
    """The demo observations as the CSV file ``measurement_demo_load`` imports.

    The same bytes on every call: ``measure,work_activity,observed_at,value,source``,
    measure by measure, work activity by work activity, in time order.
    """
    out = io.StringIO()
    out.write("measure,work_activity,observed_at,value,source\n")
    for measure in DEMO_MEASURES:
        times = _times(measure.frequency)
        stamps = [t.isoformat() for t in times]
        for work_activity in measure.work_activities:
            values = _series(measure, work_activity, times)
            text = f"{{:.{measure.model.decimals}f}}"
            prefix = f"{measure.slug},{work_activity},"
            suffix = f",{measure.source}\n"
            out.writelines(
                prefix + stamp + "," + text.format(value) + suffix
                for stamp, value in zip(stamps, values.tolist(), strict=True)
            )
    return out.getvalue().encode()


# --- loading -----------------------------------------------------------------------------------


@dataclass
class _Tally:
    measures: int = 0
    objectives: int = 0
    qppos: int = 0
    observations: int = 0
    baselines: int = 0

    @property
    def changed(self) -> bool:
        return any((self.measures, self.objectives, self.qppos, self.observations, self.baselines))


def _ensure_measures(user: Any, tally: _Tally) -> dict[str, Measure]:
    existing = {m.slug: m for m in Measure.objects.filter(slug__in=[d.slug for d in DEMO_MEASURES])}
    for spec in DEMO_MEASURES:
        if spec.slug in existing:
            continue  # a user may have refined the definition: theirs stands
        existing[spec.slug] = measure_create(
            slug=spec.slug,
            name=spec.name,
            unit=spec.unit,
            operational_definition=spec.operational_definition,
            scale=spec.scale,
            direction=spec.direction,
            describes=spec.describes,
            collected_by=spec.collected_by,
            frequency=spec.frequency,
            user=user,
        )
        tally.measures += 1
    return existing


def _ensure_objectives(measures: dict[str, Measure], user: Any, tally: _Tally) -> list[Objective]:
    """The objectives, created when missing (by kind and name); returns the QPPOs."""
    qppos: list[Objective] = []
    for spec in DEMO_OBJECTIVES:
        business = Objective.objects.filter(kind=ObjectiveKind.BUSINESS, name=spec.name).first()
        if business is None:
            business = objective_create(
                kind=ObjectiveKind.BUSINESS,
                name=spec.name,
                description=spec.description,
                due=spec.due,
                priority=spec.priority,
                user=user,
            )
            tally.objectives += 1
        for q in spec.qppos:
            qppo = Objective.objects.filter(kind=ObjectiveKind.QPPO, name=q.name).first()
            if qppo is None:
                qppo = objective_create(
                    kind=ObjectiveKind.QPPO,
                    name=q.name,
                    description=q.description,
                    parent=business,
                    measure=measures[q.measure],
                    statistic=q.statistic,
                    target=q.target,
                    due=q.due,
                    segment=dict(q.segment),
                    priority=q.priority,
                    user=user,
                )
                tally.qppos += 1
            qppos.append(qppo)
    return qppos


def _ensure_baselines(qppos: list[Objective], user: Any, tally: _Tally) -> None:
    """Two baselines per QPPO's measure and segment, unless it has some already."""
    for qppo in qppos:
        if qppo.measure is None or baselines_for(qppo.measure, qppo.segment):
            continue
        for start, end in DEMO_BASELINE_PERIODS:
            baseline_compute(
                measure=qppo.measure,
                segment=qppo.segment,
                start=start,
                end=end,
                store=True,
                user=user,
            )
            tally.baselines += 1


@transaction.atomic
def _apply(user: Any) -> _Tally:
    """Write what is missing; everything or nothing."""
    tally = _Tally()
    measures = _ensure_measures(user, tally)
    qppos = _ensure_objectives(measures, user, tally)
    result = observation_import(
        data=measurement_demo_csv(), filename=DEMO_FILENAME, user=user, replace=True
    )
    tally.observations = result.inserted + result.replaced
    _ensure_baselines(qppos, user, tally)
    return tally


def measurement_demo_load() -> Iterator[str]:
    """Load the demo measurements; running it twice changes nothing.

    Needs the demo organization (its work activities and the process group's sign-in):
    without it, says so and loads nothing. Yields one line for the command line; the
    writes happen in one transaction before it is yielded.
    """
    present = set(
        work_activity_list().filter(slug__in=DEMO_ACTIVITIES).values_list("slug", flat=True)
    )
    user = get_user_model().objects.filter(username=AUTHOR).first()
    if present != set(DEMO_ACTIVITIES) or user is None:
        yield "Skipped the demo measurements: load the demo organization first."
        return
    tally = _apply(user)
    observations = Observation.objects.filter(
        measure__slug__in=[m.slug for m in DEMO_MEASURES]
    ).count()
    if not tally.changed:
        yield (
            f"Demo measurements already loaded: {len(DEMO_MEASURES)} measures, "
            f"{observations:,} observations."
        )
        return
    yield (
        f"Demo measurements: {tally.measures} measures, {tally.objectives} business "
        f"objectives, {tally.qppos} QPPOs, {tally.observations:,} observations "
        f"({FIRST_MONTH:%Y-%m} to {LAST_WEEK:%Y-%m}) and {tally.baselines} baselines added."
    )
