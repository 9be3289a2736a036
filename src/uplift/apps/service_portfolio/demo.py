"""The demo service portfolio of Harbourline Systems (shared/demo.md, step 6 of the story).

The twelve services of Managed Services (the work activities of kind *service* of
``organization.demo``, whose observations ``measurements.demo`` holds for 2024-11 to
2026-10) become the portfolio, each owned by the manager of its work activity (the
service owner, Aisha Rahman, owns the Service Desk; the four service managers, who are
project managers in the demo organization, are given the service owner role for the
services they own, since only a service owner may own one), plus one proposed service:

- every service in the catalog has an **availability objective** (99.5 %, the monthly
  mean) and an **SLA attainment objective** (97 %, the monthly mean); the Service Desk
  also has a share objective (incidents resolved within 12 hours in 80 % of the weeks of
  each quarter). **Database Hosting misses its availability objective**
  (``DEMO_AVAILABILITY_MISS``: its downtime grows with its load);
- 24 months of **cost and demand** (fixed seed ``DEMO_SERVICES_SEED``), imported as one
  CSV file per service; File Storage's **cost per terabyte rises** from the renewal of
  its support contract (2025-11); Database Hosting runs **near its capacity**;
- **changes** with their lead times (Payroll Platform's are slow: the supplier's release
  calendar), none for Laptop Provisioning;
- **continuity plans**: Database Hosting's test is **overdue** (last passed 2025-06-12,
  tested yearly), Payroll Platform's plan has **never been tested**, Identity and
  Access failed a test and passed the retest;
- four **policies** with their compliance checks: Remote Access **failed** the
  information security check (contractor accounts without MFA); Email and Calendar's
  backup check is **waived** with its reason (the steering committee's decision); the data
  protection policy's review is overdue;
- the **scorecard settings** read customer satisfaction from the measure
  ``customer-satisfaction`` (the thresholds are the defaults);
- a **closed service alignment review** (2026-05-20) whose decision on Database
  Hosting's availability became an **improvement proposal** (source: service review),
  and the **open portfolio review** of November 2026 with two decisions not yet
  proposals.

Everything is written through the services, as the demo users, in the order of the
story: the process group is the portfolio manager (services, policies, compliance
checks, the settings); the steering committee records the waiver it decided; each owner writes
their service's objectives, cost and demand, changes and continuity plans; the steering
committee chairs the reviews and turns the decision into a proposal. The services
stamp with the time of loading; afterwards, **for the demo only**, the story's time is
set with ``queryset.update()`` on ``Service.created_at``, ``ComplianceCheck.created_at``,
``Review.created_at`` and ``closed_at``, the ``taken_at`` of a review's snapshot and
``Decision.created_at``. History keeps the time of loading.

Keyed on slugs (services, policies) and titles (reviews): one that exists is left as it
is, with its rows, so a second run writes nothing; the scorecard settings are written
only when there are none, the owners' role assignments only for services being added.
Loading needs the demo organization and the demo
measurements; without them it says so and loads nothing. Everything is one transaction.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import transaction

from uplift.apps.accounts.roles import Role
from uplift.apps.improvements.errors import ImprovementError
from uplift.apps.measurements.demo import DEMO_AVAILABILITY_MISS, SERVICES_DELIVERED
from uplift.apps.measurements.selectors import measure_list, objective_list, qppo_list
from uplift.apps.organization import services as organization_services
from uplift.apps.organization.selectors import unit_list, work_activity_list
from uplift.apps.service_portfolio.choices import (
    ComplianceResult,
    OutcomeChoice,
    ReviewKind,
    ServiceState,
    SloKind,
    SloPeriod,
    SloStatistic,
    TestResult,
)
from uplift.apps.service_portfolio.models import (
    ComplianceCheck,
    ContinuityPlan,
    Decision,
    Policy,
    Review,
    ScorecardSettings,
    Service,
    ServiceChange,
    ServiceLevelObjective,
    ServicePeriod,
)
from uplift.apps.service_portfolio.services import continuity as continuity_services
from uplift.apps.service_portfolio.services import objectives as objective_services
from uplift.apps.service_portfolio.services import policies as policy_services
from uplift.apps.service_portfolio.services import portfolio as portfolio_services
from uplift.apps.service_portfolio.services import reviews as review_services

__all__ = [
    "DEMO_CLOSED_REVIEW",
    "DEMO_CONTINUITY",
    "DEMO_OPEN_REVIEW",
    "DEMO_POLICIES",
    "DEMO_PROPOSED_SERVICE",
    "DEMO_SERVICES",
    "DEMO_SERVICES_SEED",
    "DEMO_SLOS",
    "DemoChange",
    "DemoCheck",
    "DemoContinuity",
    "DemoDecision",
    "DemoPolicy",
    "DemoReview",
    "DemoService",
    "service_portfolio_demo_csv",
    "service_portfolio_demo_load",
]

DEMO_SERVICES_SEED = 7007  # issue 7
SERVICES_UNIT = "managed-services"
# The months of cost and demand: those of the demo measurements' monthly observations.
FIRST_MONTH, MONTHS = dt.date(2024, 11, 1), 24
CATALOG_WRITTEN = dt.date(2024, 10, 28)  # the catalog was written before its first month
PROPOSED_ON = dt.date(2026, 9, 14)  # the container platform was proposed

# The people of the story (organization.demo); owners are the work activities' managers.
PG, STEERING, SPONSOR, SERVICE_OWNER = "process.group", "steering", "sponsor", "service.owner"
REQUIRED_USERS = frozenset({PG, STEERING, SPONSOR, SERVICE_OWNER})

AVAILABILITY, SLA, RESOLUTION, SATISFACTION = (
    "availability",
    "sla-attainment",
    "incident-resolution-time",
    "customer-satisfaction",
)
RESTORE, AVAILABLE, SATISFIED = (
    "Restore service fast",
    "Keep services available",
    "Keep customers satisfied",
)  # business objectives of measurements.demo
INTERNAL = ("Product Engineering", "Sourcing", "Harbourline staff")
EXTERNAL = ("Port authority", "Shipping lines", "Terminal operators")


# --- the services -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoChange:
    """A change to a service: requested on a day, delivered ``lead_days`` later (None:
    still open)."""

    title: str
    reference: str
    requested_on: str
    lead_days: int | None


@dataclass(frozen=True)
class DemoService:
    """A service of the portfolio: its work activity's slug (its observations), what it
    is for, and how its cost and demand run over the 24 months.

    Demand runs linearly from ``demand[0]`` to ``demand[1]`` (noise 3 %); the cost per
    unit of demand starts at ``unit_cost`` and changes by ``unit_cost_drift`` a month
    (compounded) from month ``drift_from`` (noise 1.5 %). ``capacity`` is the demand the
    service can meet in a month.
    """

    slug: str
    name: str
    description: str
    customers: tuple[str, ...]
    objectives: tuple[str, ...]
    itsm_processes: tuple[str, ...]
    demand_unit: str
    demand: tuple[float, float]
    unit_cost: float
    unit_cost_drift: float = 0.0
    drift_from: int = 0
    capacity: float | None = None
    changes: tuple[DemoChange, ...] = ()
    state: str = ServiceState.CATALOG


DEMO_SERVICES: tuple[DemoService, ...] = (
    DemoService(
        slug="service-desk",
        name="Service Desk",
        description="The single point of contact for incidents and requests, by phone, "
        "portal and chat, in business hours.",
        customers=(*INTERNAL, *EXTERNAL),
        objectives=(RESTORE, SATISFIED),
        itsm_processes=("INCM", "SLM", "BRM"),
        demand_unit="tickets",
        demand=(2300, 2480),
        unit_cost=29.5,
        unit_cost_drift=-0.002,
        capacity=3000,
        changes=(
            DemoChange("Chat channel on the customer portal", "CHG-2025-0112", "2025-03-03", 24),
            DemoChange("Knowledge articles linked to ticket categories", "CHG-2025-0388",
                       "2025-11-10", 12),
            DemoChange("Triage runbook in the ticket form", "CHG-2026-0071", "2026-02-16", 9),
            DemoChange("Satisfaction survey after every resolved ticket", "CHG-2026-0305",
                       "2026-08-24", 15),
        ),
    ),
    DemoService(
        slug="hosting",
        name="Hosting",
        description="Virtual machines on the two data centre clusters, with monitoring, "
        "patching and backups included.",
        customers=("Product Engineering", "Business applications"),
        objectives=(AVAILABLE, RESTORE),
        itsm_processes=("CAPM", "SCAM", "CHGM", "RELM"),
        demand_unit="virtual machines",
        demand=(620, 715),
        unit_cost=86.0,
        unit_cost_drift=-0.004,
        capacity=900,
        changes=(
            DemoChange("Cluster B hypervisor upgrade", "CHG-2025-0041", "2025-01-20", 32),
            DemoChange("Self-service virtual machine requests", "CHG-2025-0402", "2025-11-17",
                       21),
            DemoChange("Second storage tier for test machines", "CHG-2026-0154", "2026-04-13",
                       18),
        ),
    ),
    DemoService(
        slug="database-hosting",
        name="Database Hosting",
        description="Managed PostgreSQL and SQL Server databases for internal and customer "
        "applications, with point-in-time recovery.",
        customers=("Product Engineering", "Payroll", "Shipping lines"),
        objectives=(AVAILABLE, RESTORE),
        itsm_processes=("CAPM", "SCAM", "CHGM"),
        demand_unit="databases",
        demand=(150, 191),
        unit_cost=205.0,
        unit_cost_drift=0.0,
        capacity=200,
        changes=(
            DemoChange("PostgreSQL 16 for new databases", "CHG-2025-0207", "2025-06-02", 27),
            DemoChange("Connection pooling on the shared cluster", "CHG-2025-0420",
                       "2025-12-01", 16),
            DemoChange("Read replicas for reporting", "CHG-2026-0233", "2026-06-15", 38),
        ),
    ),
    DemoService(
        slug="network",
        name="Network",
        description="Wired and wireless networks of the offices and the port sites, and "
        "the links between them.",
        customers=INTERNAL,
        objectives=(AVAILABLE,),
        itsm_processes=("CAPM", "SCAM", "CONM"),
        demand_unit="sites",
        demand=(42, 44),
        unit_cost=930.0,
        unit_cost_drift=-0.001,
        changes=(
            DemoChange("Wireless at the north terminal", "CHG-2025-0260", "2025-07-07", 41),
            DemoChange("Second link to the data centre", "CHG-2026-0012", "2026-01-12", 26),
            DemoChange("Guest network separated", "CHG-2026-0280", "2026-07-20", 11),
        ),
    ),
    DemoService(
        slug="remote-access",
        name="Remote Access",
        description="VPN and remote desktop for staff, contractors and customers' support "
        "engineers.",
        customers=("Harbourline staff", "Contractors", "Terminal operators"),
        objectives=(AVAILABLE,),
        itsm_processes=("ISM", "SCAM"),
        demand_unit="remote users",
        demand=(780, 905),
        unit_cost=15.5,
        unit_cost_drift=-0.002,
        capacity=1200,
        changes=(
            DemoChange("VPN client update", "CHG-2025-0150", "2025-04-07", 10),
            DemoChange("Remote desktop gateway for contractors", "CHG-2026-0096", "2026-03-09",
                       22),
            DemoChange("MFA for contractor accounts", "CHG-2026-0361", "2026-10-05", None),
        ),
    ),
    DemoService(
        slug="identity-and-access",
        name="Identity and Access",
        description="Accounts, groups, single sign-on and access reviews for every "
        "application.",
        customers=(*INTERNAL, "Port authority"),
        objectives=(AVAILABLE,),
        itsm_processes=("ISM", "CONM"),
        demand_unit="accounts",
        demand=(3900, 4210),
        unit_cost=4.6,
        unit_cost_drift=0.002,
        changes=(
            DemoChange("Single sign-on for the ERP", "CHG-2025-0230", "2025-06-23", 30),
            DemoChange("Quarterly access review workflow", "CHG-2025-0431", "2025-12-08", 19),
            DemoChange("Directory replica in the second data centre", "CHG-2026-0120",
                       "2026-03-23", 28),
        ),
    ),
    DemoService(
        slug="backup-and-restore",
        name="Backup and Restore",
        description="Backups of servers, databases and file shares, kept off site, and "
        "restores on request.",
        customers=("Product Engineering", "Business applications", "Harbourline staff"),
        objectives=(AVAILABLE, RESTORE),
        itsm_processes=("SCAM", "CONM"),
        demand_unit="terabytes protected",
        demand=(310, 382),
        unit_cost=71.0,
        unit_cost_drift=-0.003,
        changes=(
            DemoChange("Immutable copies for ransomware recovery", "CHG-2025-0301",
                       "2025-08-18", 35),
            DemoChange("Self-service file restores", "CHG-2026-0188", "2026-05-04", 14),
            DemoChange("Restore tests scheduled monthly", "CHG-2026-0290", "2026-07-27", 8),
        ),
    ),
    DemoService(
        slug="file-storage",
        name="File Storage",
        description="Team and personal file shares on the storage arrays, with snapshots.",
        customers=INTERNAL,
        objectives=(AVAILABLE,),
        itsm_processes=("CAPM", "BAIT"),
        demand_unit="terabytes",
        demand=(140, 152),
        unit_cost=104.0,
        unit_cost_drift=0.03,
        drift_from=12,  # the storage arrays' support contract was renewed for 2025-11
        changes=(
            DemoChange("Quotas per team share", "CHG-2025-0180", "2025-05-12", 17),
            DemoChange("Snapshot schedule aligned with backups", "CHG-2026-0060", "2026-02-02",
                       12),
        ),
    ),
    DemoService(
        slug="payroll-platform",
        name="Payroll Platform",
        description="The payroll application, run by its supplier, integrated with HR and "
        "finance; monthly and off-cycle runs.",
        customers=("Payroll", "Finance", "Harbourline staff"),
        objectives=(SATISFIED,),
        itsm_processes=("SUPM", "SLM", "ISM"),
        demand_unit="payslips",
        demand=(405, 418),
        unit_cost=23.0,
        unit_cost_drift=0.001,
        changes=(
            DemoChange("Statutory rates for 2025", "CHG-2024-0390", "2024-12-02", 29),
            DemoChange("Pension scheme export", "CHG-2025-0350", "2025-10-06", 58),
            DemoChange("Statutory rates for 2026", "CHG-2025-0441", "2025-12-08", 33),
            DemoChange("Expense claims from the HR suite", "CHG-2026-0210", "2026-05-18", 47),
        ),
    ),
    DemoService(
        slug="email-and-calendar",
        name="Email and Calendar",
        description="Mailboxes, calendars and shared mailboxes, hosted by a SaaS provider.",
        customers=("Harbourline staff", "Contractors"),
        objectives=(SATISFIED,),
        itsm_processes=("SUPM", "SLM"),
        demand_unit="mailboxes",
        demand=(408, 431),
        unit_cost=14.8,
        unit_cost_drift=0.0,
        changes=(
            DemoChange("Shared mailboxes for the terminals", "CHG-2025-0122", "2025-03-17", 6),
            DemoChange("Room booking on the meeting room panels", "CHG-2026-0140", "2026-04-06",
                       20),
        ),
    ),
    DemoService(
        slug="laptop-provisioning",
        name="Laptop Provisioning",
        description="New and replacement laptops, imaged, enrolled and delivered to the "
        "desk.",
        customers=("Harbourline staff", "Contractors"),
        objectives=(SATISFIED,),
        itsm_processes=("RELM", "CONM"),
        demand_unit="laptops delivered",
        demand=(24, 31),
        unit_cost=310.0,
        unit_cost_drift=-0.001,
    ),
    DemoService(
        slug="security-monitoring",
        name="Security Monitoring",
        description="Security events collected from every service, watched in business "
        "hours, with an on-call analyst at night.",
        customers=INTERNAL,
        objectives=(RESTORE,),
        itsm_processes=("ISM", "INCM", "PRBM"),
        demand_unit="million events",
        demand=(118, 162),
        unit_cost=210.0,
        unit_cost_drift=-0.006,
        changes=(
            DemoChange("Firewall logs collected", "CHG-2025-0199", "2025-05-26", 19),
            DemoChange("Alert rules for the remote desktop gateway", "CHG-2026-0110",
                       "2026-03-16", 13),
            DemoChange("Phishing reports from the mail client", "CHG-2026-0318", "2026-09-07",
                       16),
        ),
    ),
)  # fmt: skip

DEMO_PROPOSED_SERVICE = DemoService(
    slug="container-platform",
    name="Container Platform",
    description="Managed Kubernetes clusters for Product Engineering's services; proposed "
    "by the hosting team, not yet in the catalog.",
    customers=("Product Engineering",),
    objectives=(AVAILABLE,),
    itsm_processes=("CAPM", "RELM", "CHGM"),
    demand_unit="clusters",
    demand=(0, 0),
    unit_cost=0.0,
    state=ServiceState.PROPOSED,
)
"""A proposed service: no work activity, no objectives, no cost yet (owner: the hosting
team's manager)."""


@dataclass(frozen=True)
class DemoSlo:
    name: str
    kind: str
    measure: str
    target: float
    statistic: str = SloStatistic.MEAN
    required_share: float | None = None
    period: str = SloPeriod.MONTH


DEMO_SLOS: tuple[DemoSlo, ...] = (
    DemoSlo("Availability at least 99.5 %", SloKind.AVAILABILITY, AVAILABILITY, 99.5),
    DemoSlo("SLA attainment at least 97 %", SloKind.SERVICE_LEVEL, SLA, 97.0),
)
"""The objectives of every service in the catalog (monthly means)."""

SERVICE_DESK_SLO = DemoSlo(
    "Incidents resolved within 12 hours in 80 % of weeks",
    SloKind.SERVICE_LEVEL,
    RESOLUTION,
    12.0,
    statistic=SloStatistic.SHARE_MEETING,
    required_share=0.8,
    period=SloPeriod.QUARTER,
)


def _months() -> list[dt.date]:
    return [
        dt.date(FIRST_MONTH.year + (FIRST_MONTH.month - 1 + i) // 12,
                (FIRST_MONTH.month - 1 + i) % 12 + 1, 1)
        for i in range(MONTHS)
    ]  # fmt: skip


def service_portfolio_demo_csv(spec: DemoService) -> bytes:
    """One service's cost and demand as the CSV file ``periods_import`` reads: the same
    bytes on every call (its own generator, seeded by the seed and the slug)."""
    rng = random.Random(f"{DEMO_SERVICES_SEED}:{spec.slug}")  # noqa: S311  (reproducible demo data)
    first, last = spec.demand
    out = io.StringIO()
    out.write("period,cost,demand\n")
    for index, month in enumerate(_months()):
        trend = first + (last - first) * index / (MONTHS - 1)
        demand = max(1, round(trend * (1 + rng.gauss(0, 0.03))))
        drift = (1 + spec.unit_cost_drift) ** max(0, index - spec.drift_from)
        unit_cost = spec.unit_cost * drift * (1 + rng.gauss(0, 0.015))
        out.write(f"{month:%Y-%m},{demand * unit_cost:.2f},{demand}\n")
    return out.getvalue().encode()


# --- continuity ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoContinuity:
    """A continuity plan and its tests, oldest first ((day, result, notes))."""

    service: str
    name: str
    essential_functions: str
    vital_records: str
    plan: str
    dependencies: tuple[str, ...] = ()
    other_dependencies: str = ""
    test_interval_days: int = 365
    tests: tuple[tuple[str, str, str], ...] = ()


DEMO_CONTINUITY: tuple[DemoContinuity, ...] = (
    DemoContinuity(
        service="service-desk",
        name="Service desk continuity plan",
        essential_functions="Take calls and portal tickets\nEscalate major incidents",
        vital_records="Ticket database\nOn-call rota",
        plan="Calls divert to the second site's agents; the ticket tool runs from the SaaS "
        "provider's standby region. Runbook: intranet/continuity/service-desk.",
        dependencies=("identity-and-access", "network"),
        other_dependencies="Telephony provider; ticket tool SaaS provider",
        tests=(("2026-04-14", TestResult.PASSED, "Divert drill: 11 minutes to full service."),),
    ),
    DemoContinuity(
        service="hosting",
        name="Hosting platform recovery plan",
        essential_functions="Run production virtual machines\nRestore a cluster",
        vital_records="Cluster configuration\nVirtual machine inventory",
        plan="Fail over production machines to cluster B; rebuild cluster A from the "
        "configuration repository.",
        dependencies=("network", "backup-and-restore"),
        other_dependencies="Data centre facilities (Carrick Data Services)",
        tests=(("2026-06-09", TestResult.PASSED, "Fail-over of 40 machines in 52 minutes."),),
    ),
    DemoContinuity(
        service="database-hosting",
        name="Database recovery plan",
        essential_functions="Serve production databases\nPoint-in-time recovery",
        vital_records="Production databases\nBackup catalogue\nRecovery runbook",
        plan="Promote the standby of each production database in the second data centre; "
        "recover from the last backup and the write-ahead log where no standby exists.",
        dependencies=("hosting", "network", "backup-and-restore"),
        tests=(
            ("2025-06-12", TestResult.PASSED, "Standby promotion of the payroll database in "
             "18 minutes; three small databases recovered from backup."),
        ),
    ),
    DemoContinuity(
        service="network",
        name="Network resilience plan",
        essential_functions="Connect the offices and port sites\nReach the data centres",
        vital_records="Network configuration backups\nCircuit contracts",
        plan="Traffic moves to the second link; spare switches are kept at every site.",
        other_dependencies="Two carriers",
        tests=(("2026-08-25", TestResult.PASSED, "Link cut-over at the north terminal."),),
    ),
    DemoContinuity(
        service="identity-and-access",
        name="Directory recovery plan",
        essential_functions="Sign-in to every application\nAccount changes",
        vital_records="Directory database\nSigning certificates",
        plan="Promote the directory replica in the second data centre; restore from the "
        "nightly export if both fail.",
        dependencies=("hosting",),
        tests=(
            ("2026-01-20", TestResult.FAILED, "The replica did not take over: its "
             "certificates had expired."),
            ("2026-02-24", TestResult.PASSED, "Retest after renewing the certificates: "
             "sign-in restored in 9 minutes."),
        ),
    ),
    DemoContinuity(
        service="backup-and-restore",
        name="Backup service recovery plan",
        essential_functions="Restore from backup\nKeep off-site copies",
        vital_records="Backup catalogue\nEncryption keys (escrowed)",
        plan="Rebuild the backup server from its image; restores read the off-site copies.",
        dependencies=("network",),
        other_dependencies="Off-site vault provider",
        test_interval_days=180,
        tests=(("2026-09-15", TestResult.PASSED, "Full restore of a file share and a "
                "database from the off-site copy."),),
    ),
    DemoContinuity(
        service="payroll-platform",
        name="Payroll continuity plan",
        essential_functions="Monthly payroll run\nPayslips to staff",
        vital_records="Payroll database\nBank file archive",
        plan="The supplier's standby environment; a manual bank file from the last run if "
        "both environments fail on pay day.",
        dependencies=("database-hosting", "identity-and-access"),
        other_dependencies="Merrow Payroll Solutions",
    ),
)  # fmt: skip


# --- policies -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoCheck:
    """A compliance check; ``by`` records it."""

    service: str
    result: str
    checked_on: str
    reason: str = ""
    by: str = PG


@dataclass(frozen=True)
class DemoPolicy:
    slug: str
    name: str
    statement: str
    owner: str
    review_due: str
    services: tuple[str, ...]
    checks: tuple[DemoCheck, ...]


def _passed(services: tuple[str, ...], day: str) -> tuple[DemoCheck, ...]:
    return tuple(
        DemoCheck(s, ComplianceResult.PASSED, day, by=SERVICE_OWNER if s == "service-desk" else PG)
        for s in services
    )


SECURITY_SERVICES = SERVICES_DELIVERED
CHANGE_SERVICES = (
    "hosting",
    "database-hosting",
    "network",
    "remote-access",
    "identity-and-access",
    "payroll-platform",
)
BACKUP_SERVICES = (
    "database-hosting",
    "backup-and-restore",
    "file-storage",
    "payroll-platform",
    "email-and-calendar",
)
DATA_SERVICES = ("service-desk", "identity-and-access", "payroll-platform", "email-and-calendar")
REMOTE_ACCESS_FINDING = (
    "14 contractor accounts sign in to the VPN without multi-factor authentication "
    "(audit of 2026-09-22)."
)
EMAIL_WAIVER = (
    "Waived by the steering committee on 2026-10-08: the SaaS provider keeps the "
    "mailboxes' backups under its contract; our 35-day copy is not possible before the "
    "contract's renewal in March 2027."
)

DEMO_POLICIES: tuple[DemoPolicy, ...] = (
    DemoPolicy(
        slug="information-security",
        name="Information security policy",
        statement="Every service protects the information it handles: access reviewed "
        "quarterly, multi-factor authentication for remote and privileged access, security "
        "patches within 30 days.",
        owner=SPONSOR,
        review_due="2027-03-31",
        services=SECURITY_SERVICES,
        checks=(
            *_passed(tuple(s for s in SECURITY_SERVICES if s != "remote-access"), "2026-09-28"),
            DemoCheck("remote-access", ComplianceResult.FAILED, "2026-09-28",
                      REMOTE_ACCESS_FINDING),
        ),
    ),
    DemoPolicy(
        slug="backup-and-retention",
        name="Backup and retention policy",
        statement="Data of every service is backed up daily, kept for 35 days and copied "
        "off site; a restore is tested every quarter.",
        owner=PG,
        review_due="2027-06-30",
        services=BACKUP_SERVICES,
        checks=(
            *_passed(tuple(s for s in BACKUP_SERVICES if s != "email-and-calendar"),
                     "2026-10-12"),
            DemoCheck("email-and-calendar", ComplianceResult.WAIVED, "2026-10-12",
                      EMAIL_WAIVER, by=STEERING),
        ),
    ),
    DemoPolicy(
        slug="change-management",
        name="Change management policy",
        statement="Every change to a production service is recorded, assessed for risk and "
        "approved before it is made; emergency changes are reviewed afterwards.",
        owner=PG,
        review_due="2027-01-31",
        services=CHANGE_SERVICES,
        checks=_passed(CHANGE_SERVICES, "2026-10-19"),
    ),
    DemoPolicy(
        slug="personal-data-protection",
        name="Personal data protection policy",
        statement="Personal data is kept only as long as needed, only where the record of "
        "processing says, and is readable only by those who need it.",
        owner=SPONSOR,
        review_due="2026-10-31",  # overdue: the policy's own review is late
        services=DATA_SERVICES,
        checks=_passed(DATA_SERVICES, "2026-08-31"),
    ),
)  # fmt: skip


# --- reviews ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoDecision:
    """A decision of a review; ``proposal`` is the improvement proposal's title when it
    became one."""

    service: str
    outcome: str
    text: str
    owner: str  # a username, or "" for the service's owner
    due: str
    proposal: str = ""


@dataclass(frozen=True)
class DemoReview:
    title: str
    kind: str
    held_on: str
    chair: str
    notes: str
    decisions: tuple[DemoDecision, ...]
    closed: bool = False


DEMO_CLOSED_REVIEW = DemoReview(
    title="Service alignment review, May 2026",
    kind=ReviewKind.SERVICE_ALIGNMENT,
    held_on="2026-05-20",
    chair=STEERING,
    notes="Managed Services' scorecards with the service owners and the process group.",
    closed=True,
    decisions=(
        DemoDecision(
            service=DEMO_AVAILABILITY_MISS,
            outcome=OutcomeChoice.RELIABLE,
            text="Database Hosting missed its availability objective of 99.5 % in four of "
            "the last six months. Find the causes of its outages and remove them now; "
            "capacity forecasting will not help before 2027.",
            owner="",
            due="2026-09-30",
            proposal="Database Hosting outages: find and remove their causes",
        ),
        DemoDecision(
            service="payroll-platform",
            outcome=OutcomeChoice.ADAPTABLE,
            text="Payroll Platform's changes wait for the supplier's release calendar. "
            "Agree a monthly release slot with the supplier at the contract review.",
            owner="",
            due="2026-11-30",
        ),
    ),
)

DEMO_OPEN_REVIEW = DemoReview(
    title="Portfolio review, November 2026",
    kind=ReviewKind.PORTFOLIO,
    held_on="2026-11-19",
    chair=STEERING,
    notes="The yearly review of the whole catalog before the 2027 budget.",
    decisions=(
        DemoDecision(
            service="file-storage",
            outcome=OutcomeChoice.COST_EFFECTIVE,
            text="File Storage's cost per terabyte has risen every month since its support "
            "contract was renewed. Compare the contract with the alternatives before the "
            "budget round.",
            owner="",
            due="2027-01-31",
        ),
        DemoDecision(
            service="remote-access",
            outcome=OutcomeChoice.COMPLIANT,
            text="Remote Access failed the information security check: enforce multi-factor "
            "authentication for every contractor account.",
            owner="",
            due="2026-12-15",
        ),
    ),
)
DEMO_REVIEWS: tuple[DemoReview, ...] = (DEMO_CLOSED_REVIEW, DEMO_OPEN_REVIEW)


# --- loading ------------------------------------------------------------------------------------


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _at(day: dt.date, minutes: int = 0) -> dt.datetime:
    """The story's moment: ``day`` at 09:00 UTC plus ``minutes``."""
    return dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC) + dt.timedelta(minutes=minutes)


@dataclass
class _Tally:
    services: list[int] = field(default_factory=list)
    policies: list[int] = field(default_factory=list)
    reviews: list[int] = field(default_factory=list)
    settings: bool = False
    roles: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.services or self.policies or self.reviews or self.settings or self.roles)


@dataclass
class _Story:
    users: dict[str, Any]
    owners: dict[str, Any]  # service slug → its owner
    tally: _Tally

    def user(self, username: str) -> Any:
        return self.users[username]

    def service(self, slug: str) -> Service:
        return Service.objects.get(slug=slug)


def _service(spec: DemoService, story: _Story, activities: dict[str, Any]) -> None:
    """The service with its objectives, cost and demand and changes."""
    pg = story.user(PG)
    owner = story.owners[spec.slug]
    in_catalog = spec.state == ServiceState.CATALOG
    service = portfolio_services.service_create(
        actor=pg,
        slug=spec.slug,
        name=spec.name,
        owner=owner,
        unit=unit_list().get(slug=SERVICES_UNIT),
        description=spec.description,
        state=spec.state,
        customers=spec.customers,
        objectives=list(objective_list().filter(name__in=spec.objectives)),
        work_activities=[activities[spec.slug]] if spec.slug in activities else [],
        itsm_processes=spec.itsm_processes,
        capacity=spec.capacity,
        demand_unit=spec.demand_unit,
    )
    story.tally.services.append(service.pk)
    if not in_catalog:
        return
    actor = owner  # the owner keeps the service's objectives, figures and changes
    measures = {m.slug: m for m in measure_list()}
    slos = DEMO_SLOS + ((SERVICE_DESK_SLO,) if spec.slug == "service-desk" else ())
    for slo in slos:
        objective_services.slo_create(
            actor=actor,
            service=story.service(spec.slug),
            name=slo.name,
            measure=measures[slo.measure],
            target=slo.target,
            kind=slo.kind,
            statistic=slo.statistic,
            required_share=slo.required_share,
            period=slo.period,
        )
    portfolio_services.periods_import(
        actor=actor,
        service=story.service(spec.slug),
        data=service_portfolio_demo_csv(spec),
        filename=f"{spec.slug}-cost-and-demand.csv",
    )
    for change in spec.changes:
        requested = _day(change.requested_on)
        delivered = (
            None if change.lead_days is None else requested + dt.timedelta(days=change.lead_days)
        )
        portfolio_services.change_add(
            actor=actor,
            service=story.service(spec.slug),
            title=change.title,
            requested_on=requested,
            delivered_on=delivered,
            reference=change.reference,
        )


def _continuity(spec: DemoContinuity, story: _Story) -> None:
    actor = story.owners[spec.service]
    plan = continuity_services.continuity_create(
        actor=actor,
        service=story.service(spec.service),
        name=spec.name,
        essential_functions=spec.essential_functions,
        plan=spec.plan,
        vital_records=spec.vital_records,
        dependencies=list(Service.objects.filter(slug__in=spec.dependencies)),
        other_dependencies=spec.other_dependencies,
        test_interval_days=spec.test_interval_days,
    )
    for day, result, notes in spec.tests:
        continuity_services.continuity_test_record(
            actor=actor,
            plan=ContinuityPlan.objects.get(pk=plan.pk),
            tested_on=_day(day),
            result=result,
            notes=notes,
        )


def _policy(spec: DemoPolicy, story: _Story) -> None:
    policy = policy_services.policy_create(
        actor=story.user(PG),
        slug=spec.slug,
        name=spec.name,
        statement=spec.statement,
        owner=story.user(spec.owner),
        review_due=_day(spec.review_due),
        services=list(Service.objects.filter(slug__in=spec.services)),
    )
    story.tally.policies.append(policy.pk)
    for check in spec.checks:
        row = policy_services.compliance_record(
            actor=story.owners[check.service]
            if check.by == SERVICE_OWNER
            else story.user(check.by),
            policy=Policy.objects.get(pk=policy.pk),
            service=story.service(check.service),
            result=check.result,
            reason=check.reason,
            checked_on=_day(check.checked_on),
        )
        ComplianceCheck.objects.filter(pk=row.pk).update(created_at=_at(_day(check.checked_on)))


def _settings(story: _Story) -> None:
    objective_services.scorecard_settings_update(
        actor=story.user(PG),
        data={"satisfaction_measure": measure_list().get(slug=SATISFACTION)},
    )
    story.tally.settings = True


def _review(spec: DemoReview, story: _Story) -> None:
    chair = story.user(spec.chair)
    held_on = _day(spec.held_on)
    review = review_services.review_open(
        actor=chair,
        title=spec.title,
        kind=spec.kind,
        held_on=held_on,
        chair=chair,
        notes=spec.notes,
    )
    story.tally.reviews.append(review.pk)
    for index, decision_spec in enumerate(spec.decisions, start=1):
        decision = review_services.decision_add(
            actor=chair,
            review=Review.objects.get(pk=review.pk),
            text=decision_spec.text,
            service=story.service(decision_spec.service),
            outcome=decision_spec.outcome,
            owner=(
                story.user(decision_spec.owner)
                if decision_spec.owner
                else story.owners[decision_spec.service]
            ),
            due=_day(decision_spec.due),
        )
        Decision.objects.filter(pk=decision.pk).update(created_at=_at(held_on, 20 * index))
        if decision_spec.proposal:
            review_services.decision_propose(
                actor=chair,
                decision=Decision.objects.get(pk=decision.pk),
                title=decision_spec.proposal,
            )  # the problem statement: the decision and the evidence when the review opened
    snapshot = Review.objects.get(pk=review.pk).opening_snapshot
    taken_at = _at(held_on).isoformat()
    snapshot["taken_at"] = taken_at
    for entry in snapshot.get("services", []):
        entry["taken_at"] = taken_at
    stamps: dict[str, Any] = {"created_at": _at(held_on), "opening_snapshot": snapshot}
    if spec.closed:
        review_services.review_close(actor=chair, review=Review.objects.get(pk=review.pk))
        stamps["closed_at"] = _at(held_on, 180)
    Review.objects.filter(pk=review.pk).update(**stamps)


def _owner_roles(slugs: list[str], story: _Story, activities: dict[str, Any]) -> None:
    """The owner of each service holds the service owner role for its work activity
    (the demo organization made the service managers project managers, and only a
    service owner may own a service); then the owners are read again, with their new
    permissions."""
    for slug in slugs:
        activity = activities.get(slug)
        if activity is None:
            continue
        person = activity.manager
        if activity.role_assignments.filter(person=person, role=Role.SERVICE_OWNER).exists():
            continue
        organization_services.role_assignment_create(
            person=person, role=Role.SERVICE_OWNER, work_activity=activity, actor=story.user(PG)
        )
        story.tally.roles += 1
    fresh = get_user_model().objects.in_bulk([user.pk for user in story.owners.values()])
    story.owners = {slug: fresh[user.pk] for slug, user in story.owners.items()}


@transaction.atomic
def _apply(users: dict[str, Any], owners: dict[str, Any], activities: dict[str, Any]) -> _Tally:
    """Write what is missing; everything or nothing."""
    story = _Story(users=users, owners=owners, tally=_Tally())
    specs = (*DEMO_SERVICES, DEMO_PROPOSED_SERVICE)
    existing = set(Service.objects.filter(slug__in=[s.slug for s in specs]).values_list(
        "slug", flat=True))  # fmt: skip
    _owner_roles([s.slug for s in specs if s.slug not in existing], story, activities)
    for spec in specs:
        if spec.slug not in existing:
            _service(spec, story, activities)
    made = Service.objects.filter(pk__in=story.tally.services)
    made.filter(state=ServiceState.CATALOG).update(created_at=_at(CATALOG_WRITTEN))
    made.filter(state=ServiceState.PROPOSED).update(created_at=_at(PROPOSED_ON))
    for plan in DEMO_CONTINUITY:
        if plan.service not in existing:
            _continuity(plan, story)
    for policy in DEMO_POLICIES:
        if not Policy.objects.filter(slug=policy.slug).exists():
            _policy(policy, story)
    if not ScorecardSettings.objects.exists():
        _settings(story)
    for review in DEMO_REVIEWS:
        if not Review.objects.filter(title=review.title).exists():
            _review(review, story)
    return story.tally


def _people() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The role users, each service's owner (its work activity's manager; the hosting
    team's for the proposed service) and the services' work activities."""
    users = {
        u.get_username(): u for u in get_user_model().objects.filter(username__in=REQUIRED_USERS)
    }
    activities = {
        wa.slug: wa
        for wa in work_activity_list()
        .select_related("manager__user")
        .filter(slug__in=(*SERVICES_DELIVERED, "hosting-team"), unit__slug=SERVICES_UNIT)
    }
    owners = {
        slug: wa.manager.user
        for slug, wa in activities.items()
        if wa.manager is not None and wa.manager.user is not None
    }
    if "hosting-team" in owners:
        owners[DEMO_PROPOSED_SERVICE.slug] = owners.pop("hosting-team")
    activities.pop("hosting-team", None)
    return users, owners, activities


def _missing(users: dict[str, Any], owners: dict[str, Any]) -> str | None:
    """What the demo needs and does not find (None: everything is there)."""
    if set(users) != REQUIRED_USERS or len(owners) != len(SERVICES_DELIVERED) + 1:
        return "load the demo organization first"
    measures = {AVAILABILITY, SLA, RESOLUTION, SATISFACTION}
    if (
        measure_list().filter(slug__in=measures).count() != len(measures)
        or not qppo_list().filter(name__startswith="Availability of hosting").exists()
    ):
        return "load the demo measurements first"
    return None


def service_portfolio_demo_load() -> Iterator[str]:
    """Load the demo's service portfolio; running it twice changes nothing.

    Needs the demo organization and measurements: without them, says so and loads
    nothing. Yields one line for the command line; the writes happen in one transaction
    before it is yielded.
    """
    users, owners, activities = _people()
    missing = _missing(users, owners)
    if missing:
        yield f"Skipped the demo service portfolio: {missing}."
        return
    try:
        tally = _apply(users, owners, activities)
    except (ImprovementError, ObjectDoesNotExist, ValidationError) as error:
        yield f"Skipped the demo service portfolio: {error} (nothing was written)."
        return
    slugs = [s.slug for s in (*DEMO_SERVICES, DEMO_PROPOSED_SERVICE)]
    if not tally.changed:
        yield (
            "Demo service portfolio already loaded: "
            f"{Service.objects.filter(slug__in=slugs).count()} services, "
            f"{Policy.objects.filter(slug__in=[p.slug for p in DEMO_POLICIES]).count()} "
            "policies, "
            f"{Review.objects.filter(title__in=[r.title for r in DEMO_REVIEWS]).count()} "
            "reviews."
        )
        return
    made = tally.services
    proposals = Decision.objects.filter(review__in=tally.reviews, proposal__isnull=False)
    yield (
        f"Demo service portfolio: {len(made)} services with "
        f"{ServiceLevelObjective.objects.filter(service__in=made).count()} service-level "
        f"objectives, {ServicePeriod.objects.filter(service__in=made).count()} months of cost "
        f"and demand, {ServiceChange.objects.filter(service__in=made).count()} changes and "
        f"{ContinuityPlan.objects.filter(service__in=made).count()} continuity plans, their "
        f"owners in the service owner role ({tally.roles} role assignments); "
        f"{len(tally.policies)} policies with "
        f"{ComplianceCheck.objects.filter(policy__in=tally.policies).count()} compliance "
        f"checks; {'scorecard settings; ' if tally.settings else ''}"
        f"{len(tally.reviews)} reviews with "
        f"{Decision.objects.filter(review__in=tally.reviews).count()} decisions "
        f"({proposals.count()} turned into an improvement proposal) added."
    )
