"""The demo organization, Harbourline Systems (see shared/demo.md).

Three units (Product Engineering against CMMI-DEV, Managed Services against CMMI-SVC,
Sourcing against CMMI-ACQ), 18 projects, 9 service teams delivering 12 services,
4 acquisition projects, and 40 people with sign-ins: one demo user per role plus
named managers and practitioners. Every sign-in's password is ``uplift-demo``.

The plan is computed first, from fixed tables and ``random.Random(2026)``, so it is the
same on every run whatever the database holds; it is then applied through the
services, keyed on slugs and usernames. A second run finds everything in place,
saves nothing and so writes no history rows.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import transaction

from uplift.apps.accounts.roles import Role
from uplift.apps.accounts.services import roles_ensure, user_roles_add
from uplift.apps.organization import services
from uplift.apps.organization.choices import (
    LifeCyclePhase,
    Size,
    WorkActivityKind,
    WorkActivityType,
)
from uplift.apps.organization.models import (
    OrganizationalUnit,
    Person,
    RoleAssignment,
    WorkActivity,
)

__all__ = ["DEMO_PASSWORD", "DEMO_SEED", "DemoUser", "demo_load", "demo_users"]

DEMO_SEED = 2026
DEMO_PASSWORD = "uplift-demo"  # noqa: S105  (published demo sign-in, shown on the run page)
EMAIL_DOMAIN = "harbourline.example"

ENGINEERING, SERVICES, SOURCING = "product-engineering", "managed-services", "sourcing"

UNITS: list[tuple[str, str, str, str]] = [
    (
        ENGINEERING,
        "Product Engineering",
        "CMMI-DEV",
        "Software development for Harbourline's port-logistics products: portals, "
        "integrations of bought-in packages and embedded controllers.",
    ),
    (
        SERVICES,
        "Managed Services",
        "CMMI-SVC",
        "IT services for internal and external customers, run with MOF Plan-and-Optimize reviews.",
    ),
    (
        SOURCING,
        "Sourcing",
        "CMMI-ACQ",
        "Acquisition projects that buy products and services from suppliers.",
    ),
]

_SW, _COTS, _HW = (
    WorkActivityType.SOFTWARE_ONLY,
    WorkActivityType.COTS_INTEGRATION,
    WorkActivityType.EMBEDDED_HARDWARE,
)
PROJECTS: list[tuple[str, WorkActivityType]] = [
    ("Tidewater Billing Portal", _SW),
    ("Quayside Mobile App", _SW),
    ("Beacon Customer Portal", _SW),
    ("Anchor Claims Engine", _SW),
    ("Lighthouse Analytics", _SW),
    ("Mooring Scheduler", _SW),
    ("Dockside Inventory", _SW),
    ("Berth Planner", _SW),
    ("Harbour ERP Rollout", _COTS),
    ("Customer CRM Integration", _COTS),
    ("Document Archive Integration", _COTS),
    ("HR Suite Integration", _COTS),
    ("Payments Gateway Integration", _COTS),
    ("Buoy Sensor Firmware", _HW),
    ("Crane Controller", _HW),
    ("Gate Access Controller", _HW),
    ("Container Tracker Tag", _HW),
    ("Tide Gauge Firmware", _HW),
]

# service team → the services it delivers (9 teams, 12 services)
SERVICE_TEAMS: list[tuple[str, list[str]]] = [
    ("Service Desk Team", ["Service Desk"]),
    ("Hosting Team", ["Hosting", "Database Hosting"]),
    ("Network Team", ["Network", "Remote Access"]),
    ("Identity Team", ["Identity and Access"]),
    ("Storage Team", ["Backup and Restore", "File Storage"]),
    ("Business Applications Team", ["Payroll Platform"]),
    ("Collaboration Team", ["Email and Calendar"]),
    ("Workplace Team", ["Laptop Provisioning"]),
    ("Security Operations Team", ["Security Monitoring"]),
]

ACQUISITIONS: list[tuple[str, WorkActivityType, str]] = [
    ("Data Centre Outsourcing", WorkActivityType.SERVICE_DELIVERY, "Carrick Data Services"),
    ("Fleet Telematics Procurement", _HW, "Solent Telematics"),
    ("Payroll Platform Renewal", _COTS, "Merrow Payroll Solutions"),
    ("Field Tablet Supply", _HW, "Fenwick Devices"),
]


@dataclass(frozen=True)
class DemoUser:
    """A demo sign-in for one role: shown by ``uplift demo users``."""

    username: str
    display_name: str
    role: Role
    job_title: str
    unit: str | None
    superuser: bool = False


DEMO_USERS: list[DemoUser] = [
    DemoUser("admin", "Morgan Hale", Role.ADMINISTRATOR, "Uplift administrator", None, True),
    DemoUser("sponsor", "Helen Ashdown", Role.SPONSOR, "Chief operating officer", None),
    DemoUser("steering", "Rajiv Menon", Role.STEERING_COMMITTEE, "Director of engineering", None),
    DemoUser("process.group", "Priya Castell", Role.PROCESS_GROUP, "Process group lead", None),
    DemoUser(
        "pat.member", "Tomasz Nowicki", Role.PROCESS_ACTION_TEAM, "Senior engineer", ENGINEERING
    ),
    DemoUser(
        "process.owner",
        "Grace Okafor",
        Role.PROCESS_OWNER,
        "Owner of the requirements process",
        ENGINEERING,
    ),
    DemoUser(
        "project.manager", "Daniel Reyes", Role.PROJECT_MANAGER, "Project manager", ENGINEERING
    ),
    DemoUser("practitioner", "Lena Fischer", Role.PRACTITIONER, "Software engineer", ENGINEERING),
    DemoUser("appraiser", "Samuel Whitby", Role.APPRAISER, "Lead appraiser", None),
    DemoUser(
        "service.owner", "Aisha Rahman", Role.SERVICE_OWNER, "Service owner, service desk", SERVICES
    ),
]

FIRST_NAMES = [
    "Amara", "Ben", "Chloe", "Dev", "Elif", "Finn", "Hana", "Ivan", "Jonas", "Kemi",
    "Liam", "Maya", "Noor", "Oscar", "Pia", "Quinn", "Rosa", "Sven", "Tara", "Umar",
    "Vera", "Wes", "Yara", "Zoe", "Arjun", "Bea", "Cato", "Dana", "Emil", "Farah",
]  # fmt: skip
LAST_NAMES = [
    "Abbott", "Brennan", "Carvalho", "Dunmore", "Eriksen", "Fairley", "Gallo", "Hartwell",
    "Ibarra", "Jansen", "Kowal", "Lindqvist", "Marsh", "Nakamura", "O'Dowd", "Petrov",
    "Quayle", "Rowntree", "Sato", "Thornbury", "Underwood", "Varga", "Whitlock", "Yilmaz",
]  # fmt: skip

# (unit, managers, practitioners) for the named staff beyond the role users: 30 people.
STAFF: list[tuple[str, int, int]] = [(ENGINEERING, 6, 10), (SERVICES, 4, 6), (SOURCING, 2, 2)]

ENGINEERING_TITLES = ["Software engineer", "Test engineer", "Systems engineer", "Developer"]
SERVICES_TITLES = ["Service engineer", "Support analyst", "Operations engineer"]
SOURCING_TITLES = ["Supplier manager", "Contracts analyst"]


@dataclass(frozen=True)
class _PersonPlan:
    username: str
    display_name: str
    job_title: str
    unit: str | None
    role: Role
    superuser: bool = False


@dataclass(frozen=True)
class _ActivityPlan:
    slug: str
    name: str
    kind: WorkActivityKind
    unit: str
    activity_type: WorkActivityType
    size: Size
    phase: LifeCyclePhase
    manager: str  # username
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Tally:
    created: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(("units", "activities", "people", "roles"), 0)
    )
    updated: int = 0

    @property
    def changed(self) -> bool:
        return self.updated > 0 or any(self.created.values())


def demo_users() -> list[DemoUser]:
    """The demo sign-ins, one per role (all with the password ``DEMO_PASSWORD``)."""
    return list(DEMO_USERS)


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower().replace("'", "")).strip("-")


def _plan_people(rng: random.Random) -> list[_PersonPlan]:
    """The role users, then 30 named managers and practitioners with seeded names."""
    people = [
        _PersonPlan(u.username, u.display_name, u.job_title, u.unit, u.role, u.superuser)
        for u in DEMO_USERS
    ]
    names = [(first, last) for first in FIRST_NAMES for last in LAST_NAMES]
    chosen = rng.sample(names, sum(m + p for _, m, p in STAFF))
    titles = {ENGINEERING: ENGINEERING_TITLES, SERVICES: SERVICES_TITLES, SOURCING: SOURCING_TITLES}
    manager_titles = {
        ENGINEERING: "Project manager",
        SERVICES: "Service manager",
        SOURCING: "Acquisition manager",
    }
    for unit, managers, practitioners in STAFF:
        for index in range(managers + practitioners):
            first, last = chosen.pop()
            is_manager = index < managers
            people.append(
                _PersonPlan(
                    username=f"{first}.{last}".lower().replace("'", ""),
                    display_name=f"{first} {last}",
                    job_title=manager_titles[unit] if is_manager else rng.choice(titles[unit]),
                    unit=unit,
                    role=Role.PROJECT_MANAGER if is_manager else Role.PRACTITIONER,
                )
            )
    return people


def _plan_activities(rng: random.Random, people: list[_PersonPlan]) -> list[_ActivityPlan]:
    """Projects, service teams, services and acquisitions, each with a manager."""
    managers = {
        unit: [p.username for p in people if p.unit == unit and p.role == Role.PROJECT_MANAGER]
        for unit, _, _ in STAFF
    }
    managers[ENGINEERING].insert(0, "project.manager")
    sizes = list(Size)
    customers = ["Port authority", "Shipping lines", "Terminal operators", "Internal"]
    plans: list[_ActivityPlan] = []
    for index, (name, kind_of) in enumerate(PROJECTS):
        plans.append(
            _ActivityPlan(
                slug=_slug(name),
                name=name,
                kind=WorkActivityKind.PROJECT,
                unit=ENGINEERING,
                activity_type=kind_of,
                size=rng.choice(sizes),
                phase=rng.choice(
                    [LifeCyclePhase.PLANNING, LifeCyclePhase.EXECUTION, LifeCyclePhase.EXECUTION]
                ),
                manager=managers[ENGINEERING][index % len(managers[ENGINEERING])],
                attributes={
                    "customer": rng.choice(customers),
                    "team_size": rng.randint(4, 25),
                    "start": f"{rng.choice([2024, 2025])}-{rng.randint(1, 12):02d}",
                },
            )
        )
    service_index = 0
    for team, team_services in SERVICE_TEAMS:
        team_manager = managers[SERVICES][service_index % len(managers[SERVICES])]
        plans.append(
            _ActivityPlan(
                slug=_slug(team),
                name=team,
                kind=WorkActivityKind.WORK_GROUP,
                unit=SERVICES,
                activity_type=WorkActivityType.SERVICE_DELIVERY,
                size=rng.choice(sizes),
                phase=LifeCyclePhase.OPERATION,
                manager=team_manager,
                attributes={"services": [_slug(s) for s in team_services]},
            )
        )
        for service in team_services:
            plans.append(
                _ActivityPlan(
                    slug=_slug(service),
                    name=service,
                    kind=WorkActivityKind.SERVICE,
                    unit=SERVICES,
                    activity_type=WorkActivityType.SERVICE_DELIVERY,
                    size=rng.choice(sizes),
                    phase=LifeCyclePhase.OPERATION,
                    manager=(
                        "service.owner"
                        if service == "Service Desk"
                        else managers[SERVICES][service_index % len(managers[SERVICES])]
                    ),
                    attributes={
                        "service_team": _slug(team),
                        "customers": rng.choice(["internal", "external", "internal and external"]),
                        "service_hours": rng.choice(["24x7", "business hours"]),
                    },
                )
            )
            service_index += 1
    for index, (name, kind_of, supplier) in enumerate(ACQUISITIONS):
        plans.append(
            _ActivityPlan(
                slug=_slug(name),
                name=name,
                kind=WorkActivityKind.ACQUISITION,
                unit=SOURCING,
                activity_type=kind_of,
                size=rng.choice(sizes),
                phase=rng.choice([LifeCyclePhase.PLANNING, LifeCyclePhase.EXECUTION]),
                manager=managers[SOURCING][index % len(managers[SOURCING])],
                attributes={
                    "supplier": supplier,
                    "contract": rng.choice(["fixed price", "time and materials"]),
                },
            )
        )
    return plans


def _ensure_units(tally: _Tally) -> dict[str, OrganizationalUnit]:
    units: dict[str, OrganizationalUnit] = {}
    for slug, name, model, description in UNITS:
        unit = OrganizationalUnit.objects.filter(slug=slug).first()
        data: dict[str, Any] = {"name": name, "description": description, "model_identifier": model}
        if unit is None:
            unit = services.unit_create(slug=slug, **data)
            tally.created["units"] += 1
        else:
            unit, changed = services.unit_update(unit=unit, data=data)
            tally.updated += bool(changed)
        units[slug] = unit
    return units


def _ensure_people(
    plans: list[_PersonPlan], units: dict[str, OrganizationalUnit], tally: _Tally
) -> dict[str, Person]:
    password = make_password(DEMO_PASSWORD)  # hashed once: 40 slow hashes would take seconds
    people: dict[str, Person] = {}
    for plan in plans:
        first, _, last = plan.display_name.partition(" ")
        user, _ = User.objects.get_or_create(
            username=plan.username,
            defaults={
                "password": password,
                "first_name": first,
                "last_name": last,
                "email": f"{plan.username}@{EMAIL_DOMAIN}",
                "is_staff": plan.superuser,
                "is_superuser": plan.superuser,
            },
        )
        unit = units[plan.unit] if plan.unit else None
        data: dict[str, Any] = {
            "display_name": plan.display_name,
            "email": f"{plan.username}@{EMAIL_DOMAIN}",
            "job_title": plan.job_title,
            "unit": unit,
            "user": user,
        }
        slug = _slug(plan.username)
        person = Person.objects.filter(slug=slug).first()
        if person is None:
            person = services.person_create(slug=slug, **data)
            tally.created["people"] += 1
        else:
            person, changed = services.person_update(person=person, data=data)
            tally.updated += bool(changed)
        if not RoleAssignment.objects.filter(
            person=person, role=plan.role, unit=unit, work_activity=None
        ).exists():
            services.role_assignment_create(person=person, role=plan.role, unit=unit)
            tally.created["roles"] += 1
        user_roles_add(user=user, roles=[plan.role])  # no-op when already a member
        people[plan.username] = person
    return people


def _ensure_activities(
    plans: list[_ActivityPlan],
    units: dict[str, OrganizationalUnit],
    people: dict[str, Person],
    tally: _Tally,
) -> None:
    for plan in plans:
        data: dict[str, Any] = {
            "name": plan.name,
            "kind": plan.kind.value,
            "unit": units[plan.unit],
            "activity_type": plan.activity_type.value,
            "size": plan.size.value,
            "phase": plan.phase.value,
            "manager": people[plan.manager],
            "attributes": plan.attributes,
        }
        activity = WorkActivity.objects.filter(slug=plan.slug).first()
        if activity is None:
            services.work_activity_create(slug=plan.slug, **data)
            tally.created["activities"] += 1
        else:
            _, changed = services.work_activity_update(work_activity=activity, data=data)
            tally.updated += bool(changed)


@transaction.atomic
def _apply() -> _Tally:
    """Write the plan; everything or nothing."""
    rng = random.Random(DEMO_SEED)  # noqa: S311  (reproducible demo data, not security)
    people_plan = _plan_people(rng)
    activity_plan = _plan_activities(rng, people_plan)
    roles_ensure()
    tally = _Tally()
    units = _ensure_units(tally)
    people = _ensure_people(people_plan, units, tally)
    _ensure_activities(activity_plan, units, people, tally)
    return tally


def demo_load() -> Iterator[str]:
    """Load the demo organization and its users; running it twice changes nothing.

    Yields one line per step for the command line. The writes happen in one
    transaction before the first line is yielded.
    """
    tally = _apply()
    units = OrganizationalUnit.objects.count()
    activities = WorkActivity.objects.count()
    people = Person.objects.count()
    if not tally.changed:
        yield (
            "Demo organization already loaded: Harbourline Systems "
            f"({units} units, {activities} work activities, {people} people)."
        )
        return
    created = tally.created
    yield (
        f"Demo organization Harbourline Systems: {created['units']} units, "
        f"{created['activities']} work activities, {created['people']} people and "
        f"{created['roles']} role assignments added"
        + (f", {tally.updated} rows brought up to date." if tally.updated else ".")
    )
    yield f"Demo sign-ins: see 'uplift demo users' (password '{DEMO_PASSWORD}')."
