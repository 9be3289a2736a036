"""The service portfolio at scale (issue 7): 200 services with 24 months of evidence.

The portfolio, built in a fresh database with ``bulk_create`` (fixed seed): 200 catalog
services in 4 units, each delivered by its own work activity (every tenth also by a
shared team activity), each with a monthly availability objective (mean ≥ 99.5 %), a
monthly incident objective (≥ 90 % resolved within 4 or 8 hours: a share-meeting
objective) and, for every fourth service, a quarterly one; over the 24 full months
before today: daily availability observations, about 20 incidents a month, weekly
satisfaction scores (≈ 290,000 observations in all), cost and demand every month, ten
changes, a continuity plan (some never tested, some overdue) and the checks of four
policies (two each, the latest counting). The scorecard settings read 12 months.

Then, each RUNS times after a warm-up: ``portfolio_scorecards`` over all 200 services
(and over 20, for the query count), and, signed in as a process group member through
``django.test.Client``, the portfolio page (``service_portfolio:service_list``: a page
of services with their six outcomes; and sorted by shortfalls, which judges all 200),
the scorecards matrix (``service_portfolio:portfolio_scorecard``, likewise), one
service's scorecard page and its page. Printed: the median ms and the query count of
each against the goal (PASS/FAIL), and whether ``portfolio_scorecards`` reads the same
number of queries for 20 and 200 services. A page whose URL does not exist yet prints
"missing" and does not fail the run.

Each database runs in its own child process, like ``bench_deployments``: SQLite in a
throwaway file always, PostgreSQL in a throwaway database next to DATABASE_URL's when
it names one.

    python -m benchmarks.bench_services
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test python -m benchmarks.bench_services
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from typing import Any

from benchmarks.harness import benchmark_database, main, run_children, timed

RUNS = 5
SERVICES = 200
UNITS = 4
MONTHS = 24
INCIDENTS_PER_MONTH = 20
CHANGES_PER_SERVICE = 10
POLICIES = 4
GOAL_MS = 1000.0
SEED = 20261121


def run() -> bool:
    """The figures on SQLite (and PostgreSQL), each database in a child process."""
    return run_children("benchmarks.bench_services")


# --- the portfolio -----------------------------------------------------------------------


def _month(first: dt.date, offset: int) -> dt.date:
    index = first.year * 12 + first.month - 1 + offset
    return dt.date(index // 12, index % 12 + 1, 1)


def _build(rng: random.Random) -> dict[str, Any]:
    """Create the portfolio with bulk_create; return the services and the member."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from uplift.apps.accounts.roles import Role
    from uplift.apps.accounts.services import roles_ensure, user_roles_add
    from uplift.apps.measurements.choices import Direction
    from uplift.apps.measurements.models import Measure, Observation
    from uplift.apps.organization.choices import WorkActivityKind
    from uplift.apps.organization.models import OrganizationalUnit, WorkActivity
    from uplift.apps.service_portfolio.choices import (
        ServiceState,
        SloKind,
        SloPeriod,
        SloStatistic,
    )
    from uplift.apps.service_portfolio.models import (
        ComplianceCheck,
        ContinuityPlan,
        Policy,
        ScorecardSettings,
        Service,
        ServiceChange,
        ServiceLevelObjective,
        ServicePeriod,
    )

    today = timezone.localdate()
    first = _month(today.replace(day=1), -MONTHS)
    roles_ensure()
    users = get_user_model()
    member = users.objects.create_user(username="bench.member", first_name="Bench")
    user_roles_add(user=member, roles=[Role.PROCESS_GROUP])
    owners = [users.objects.create_user(username=f"owner{n}") for n in range(10)]
    for owner in owners:
        user_roles_add(user=owner, roles=[Role.SERVICE_OWNER])

    units = OrganizationalUnit.objects.bulk_create(
        OrganizationalUnit(name=f"Unit {u}", slug=f"unit-{u}", model_identifier="CMMI-SVC")
        for u in range(UNITS)
    )
    activities = WorkActivity.objects.bulk_create(
        WorkActivity(
            name=f"Service team {n:03d}",
            slug=f"team-{n:03d}",
            kind=WorkActivityKind.SERVICE,
            unit=units[n % UNITS],
        )
        for n in range(SERVICES + SERVICES // 10)
    )
    services = Service.objects.bulk_create(
        Service(
            slug=f"service-{n:03d}",
            name=f"Service {n:03d}",
            state=ServiceState.CATALOG,
            owner=owners[n % len(owners)],
            unit=units[n % UNITS],
            customers=["Finance", "Sales"][: 1 + n % 2],
            capacity=1000.0 if n % 5 == 0 else None,
            demand_unit="tickets",
        )
        for n in range(SERVICES)
    )
    through = Service.work_activities.through
    links = [
        through(service_id=s.pk, workactivity_id=activities[n].pk) for n, s in enumerate(services)
    ]
    links += [
        through(service_id=s.pk, workactivity_id=activities[SERVICES + n // 10].pk)
        for n, s in enumerate(services)
        if n % 10 == 0
    ]
    through.objects.bulk_create(links)

    availability = Measure.objects.create(
        slug="availability", name="Availability", unit="%", direction=Direction.HIGHER
    )
    resolution = Measure.objects.create(
        slug="resolution-hours", name="Resolution time", unit="h", direction=Direction.LOWER
    )
    satisfaction = Measure.objects.create(
        slug="satisfaction", name="Customer satisfaction", unit="score", direction=Direction.HIGHER
    )
    ScorecardSettings.objects.create(pk=1, window_months=12, satisfaction_measure=satisfaction)
    slos = []
    for n, service in enumerate(services):
        slos.append(
            ServiceLevelObjective(
                service=service,
                name="Availability",
                kind=SloKind.AVAILABILITY,
                measure=availability,
                target=99.5,
            )
        )
        slos.append(
            ServiceLevelObjective(
                service=service,
                name="Incidents resolved in time",
                measure=resolution,
                statistic=SloStatistic.SHARE_MEETING,
                target=4.0 if n % 2 else 8.0,
                required_share=0.9,
            )
        )
        if n % 4 == 0:
            slos.append(
                ServiceLevelObjective(
                    service=service,
                    name="Availability by quarter",
                    measure=availability,
                    target=99.7,
                    period=SloPeriod.QUARTER,
                )
            )
    ServiceLevelObjective.objects.bulk_create(slos)

    def moment(day: dt.date, hour: int) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)

    days = (today.replace(day=1) - first).days
    observations = []
    for n, activity in enumerate(activities):
        level = 99.2 + (n % 9) * 0.1
        for d in range(days):
            day = first + dt.timedelta(days=d)
            value = min(100.0, level + rng.gauss(0, 0.3))
            observations.append(
                Observation(
                    measure=availability,
                    work_activity=activity,
                    observed_at=moment(day, 0),
                    value=value,
                )
            )
            if d % 7 == 0:
                observations.append(
                    Observation(
                        measure=satisfaction,
                        work_activity=activity,
                        observed_at=moment(day, 1),
                        value=float(rng.randint(2, 5)),
                    )
                )
        for m in range(MONTHS):
            start = _month(first, m)
            for k in range(INCIDENTS_PER_MONTH):
                observations.append(
                    Observation(
                        measure=resolution,
                        work_activity=activity,
                        observed_at=moment(start + dt.timedelta(days=k), 2 + k % 20),
                        value=round(rng.expovariate(1 / 2.5), 2),
                    )
                )
    Observation.objects.bulk_create(observations, batch_size=5000)

    ServicePeriod.objects.bulk_create(
        ServicePeriod(
            service=service,
            period=_month(first, m),
            cost=1000 + 10 * m * (n % 3),
            demand=500.0 + rng.randint(0, 100),
        )
        for n, service in enumerate(services)
        for m in range(MONTHS)
    )
    changes = []
    for service in services:
        for k in range(CHANGES_PER_SERVICE):
            requested = first + dt.timedelta(days=rng.randint(0, days - 100))
            changes.append(
                ServiceChange(
                    service=service,
                    title=f"Change {k}",
                    requested_on=requested,
                    delivered_on=requested + dt.timedelta(days=rng.randint(5, 60)),
                )
            )
    ServiceChange.objects.bulk_create(changes)
    ContinuityPlan.objects.bulk_create(
        ContinuityPlan(
            service=service,
            name="Continuity plan",
            essential_functions="Serve users",
            plan="Fail over.",
            test_interval_days=365,
            last_tested_on=None if n % 7 == 0 else today - dt.timedelta(days=100 + n),
            last_test_result="" if n % 7 == 0 else "passed",
        )
        for n, service in enumerate(services)
    )
    policies = Policy.objects.bulk_create(
        Policy(
            slug=f"policy-{p}",
            name=f"Policy {p}",
            statement="Keep backups.",
            owner=member,
            review_due=today + dt.timedelta(days=90),
        )
        for p in range(POLICIES)
    )
    Policy.services.through.objects.bulk_create(
        Policy.services.through(policy_id=p.pk, service_id=s.pk) for p in policies for s in services
    )
    ComplianceCheck.objects.bulk_create(
        ComplianceCheck(
            policy=policy,
            service=service,
            checked_on=today - dt.timedelta(days=200 - 100 * k),
            result="failed"
            if k == 0 and n % 3 == 0
            else ("waived" if (n + p) % 11 == 0 else "passed"),
            reason="Reason given",
            checked_by=member,
        )
        for n, service in enumerate(services)
        for p, policy in enumerate(policies)
        for k in range(2)
    )
    return {
        "member": member,
        "services": services,
        "observations": len(observations),
    }


# --- timing ------------------------------------------------------------------------------


def _line(label: str, name: str, what: str, median: float, queries: list[int], extra: str) -> bool:
    steady = len(set(queries)) == 1
    met = median < GOAL_MS
    print(
        f"{label:<11} {name:<22} {what:<34} {RUNS} runs: median {median:7.1f} ms, "
        f"{queries[-1]:3d} queries{'' if steady else ' (varies: ' + str(queries) + ')'}"
        f"{extra}; goal < {GOAL_MS:.0f} ms: {'PASS' if met else 'FAIL'}"
    )
    return met


def _page(client: Any, label: str, name: str, args: list[Any], query: str = "") -> bool:
    """Time one page; print its line; True when it meets the goal or does not exist yet."""
    from django.urls import NoReverseMatch, reverse

    try:
        url = reverse(f"service_portfolio:{name}", args=args) + query
    except NoReverseMatch:
        print(f"{label:<11} {name:<22} missing (no URL service_portfolio:{name} yet)")
        return True
    try:
        first = client.get(url)  # warm-up: templates compiled, session read
    except Exception as error:  # a page being written may still fail: report, go on
        print(f"{label:<11} {name:<22} error: {type(error).__name__}: {error}")
        return False
    if first.status_code != 200:
        print(f"{label:<11} {name:<22} {url} answered {first.status_code}: FAIL")
        return False
    median, queries, response = timed(lambda _: client.get(url), RUNS)
    return _line(label, name, url, median, queries, f", {len(response.content) / 1000:.0f} kB")


def _child(label: str) -> int:
    """Set Django up on DATABASE_URL, build the portfolio, time the reads and pages."""
    ok = True
    with benchmark_database("bench_services") as postgres:
        from django.db import connection
        from django.test import Client

        from uplift.apps.service_portfolio.models import Service
        from uplift.apps.service_portfolio.selectors_scorecard import portfolio_scorecards

        start = time.perf_counter()
        built = _build(random.Random(SEED))  # noqa: S311  (benchmark data, not security)
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(
            f"{label:<11} portfolio: {len(built['services'])} services, {MONTHS} months, "
            f"{built['observations']:,} observations; built in "
            f"{time.perf_counter() - start:.1f} s"
        )
        every = list(Service.objects.select_related("owner", "unit").order_by("name"))
        some = every[:20]
        portfolio_scorecards(every)  # warm-up
        median, queries, cards = timed(lambda _: portfolio_scorecards(every), RUNS)
        shortfalls = sum(bool(card.shortfalls) for card in cards.values())
        ok = (
            _line(
                label,
                "portfolio_scorecards",
                f"{len(every)} services",
                median,
                queries,
                f", {shortfalls} with a shortfall",
            )
            and ok
        )
        small, small_q, _ = timed(lambda _: portfolio_scorecards(some), RUNS)
        _line(label, "portfolio_scorecards", f"{len(some)} services", small, small_q, "")
        same = small_q[-1] == queries[-1]
        print(
            f"{label:<11} portfolio_scorecards   same queries for {len(some)} and {len(every)} "
            f"services: {'yes' if same else 'NO'} ({small_q[-1]} vs {queries[-1]})"
        )
        ok = ok and same

        client = Client()
        client.force_login(built["member"], backend="django.contrib.auth.backends.ModelBackend")
        service = every[0]
        for name, args, query in (
            ("service_list", [], ""),
            ("service_list", [], "?sort=-shortfalls"),
            ("portfolio_scorecard", [], ""),
            ("portfolio_scorecard", [], "?sort=-shortfalls"),
            ("scorecard", [service.slug], ""),
            ("service_detail", [service.slug], ""),
        ):
            ok = _page(client, label, name, args, query) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(run, _child))
