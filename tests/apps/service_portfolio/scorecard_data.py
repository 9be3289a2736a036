"""Hand-worked stored evidence of two services for the scorecard's tests (selectors,
pages): see ``make_portfolio`` for every figure. Read on 2026-11-15 with a six-month
window: 2026-05-01 to 2026-10-31."""

from __future__ import annotations

import datetime as dt

from tests.factories.organization import WorkActivityFactory
from tests.factories.service_portfolio import (
    ContinuityPlanFactory,
    MeasureFactory,
    PolicyFactory,
    SloFactory,
)
from uplift.apps.measurements.choices import Direction
from uplift.apps.measurements.models import Observation
from uplift.apps.service_portfolio.choices import SloKind, SloPeriod, SloStatistic
from uplift.apps.service_portfolio.models import (
    ComplianceCheck,
    ScorecardSettings,
    ServiceChange,
    ServicePeriod,
)

D = dt.date
TODAY = D(2026, 11, 15)


def observe(measure, activity, rows) -> None:
    """Store ``(date or datetime, value)`` observations (UTC midday for a date)."""
    Observation.objects.bulk_create(
        Observation(
            measure=measure,
            work_activity=activity,
            observed_at=(
                when
                if isinstance(when, dt.datetime)
                else dt.datetime.combine(when, dt.time(12), tzinfo=dt.UTC)
            ),
            value=value,
        )
        for when, value in rows
    )


def make_measures():
    return {
        "availability": MeasureFactory(slug="availability", name="Availability"),
        "resolution": MeasureFactory(
            slug="resolution-hours", name="Resolution time", unit="h", direction=Direction.LOWER
        ),
        "satisfaction": MeasureFactory(slug="csat", name="Satisfaction", unit="score"),
    }


def make_portfolio(measures, owned_service, other_service):
    """Service Desk (work activities desk-a, shared) and Hosting (shared, hosting-a);
    the ``shared`` activity delivers both."""
    desk_a = WorkActivityFactory(slug="desk-a")
    shared = WorkActivityFactory(slug="shared")
    hosting_a = WorkActivityFactory(slug="hosting-a")
    owned_service.work_activities.set([desk_a, shared])
    other_service.work_activities.set([shared, hosting_a])
    ScorecardSettings.objects.create(
        pk=1, window_months=6, satisfaction_measure=measures["satisfaction"]
    )
    availability, resolution = measures["availability"], measures["resolution"]
    # Availability, mean ≥ 99.5 % monthly:
    #   May (99.9 + 99.7) / 2 = 99.8 met; Jun (99.0 + 99.6) / 2 = 99.3 missed;
    #   Jul 99.6 met; Aug no data; Sep 99.5 met (a tie); Oct (99.4 + 99.8) / 2 = 99.6 met.
    # April and November lie outside the window.
    SloFactory(service=owned_service, name="Availability", measure=availability, target=99.5)
    observe(
        availability,
        desk_a,
        [
            (D(2026, 4, 30), 90.0),
            (D(2026, 5, 3), 99.9),
            (D(2026, 6, 3), 99.0),
            (D(2026, 7, 3), 99.6),
            (D(2026, 9, 3), 99.5),
            (D(2026, 10, 3), 99.4),
            (dt.datetime(2026, 10, 31, 23, 59, tzinfo=dt.UTC), 99.8),
            (dt.datetime(2026, 11, 1, 0, 0, tzinfo=dt.UTC), 90.0),
        ],
    )
    observe(availability, shared, [(D(2026, 5, 20), 99.7), (D(2026, 6, 20), 99.6)])
    # Incidents resolved within 4 h for ≥ 75 % of them, monthly:
    #   Jul 1, 2, 3, 9 h: 3 of 4 = 75 % met (a tie); Aug 5, 6 h: 0 of 2 missed.
    SloFactory(
        service=owned_service,
        name="Incidents within 4 h",
        kind=SloKind.SERVICE_LEVEL,
        measure=resolution,
        statistic=SloStatistic.SHARE_MEETING,
        target=4,
        required_share=0.75,
    )
    observe(
        resolution,
        desk_a,
        [(D(2026, 7, d), h) for d, h in ((1, 1.0), (2, 2.0), (3, 3.0), (4, 9.0))],
    )
    observe(resolution, shared, [(D(2026, 8, 1), 5.0), (D(2026, 8, 2), 6.0)])
    # Availability, mean ≥ 99.6 % quarterly: only Q3 lies wholly in the window;
    # Jul 99.6 and Sep 99.5: (99.6 + 99.5) / 2 = 99.55 missed.
    SloFactory(
        service=owned_service,
        name="Availability by quarter",
        measure=availability,
        target=99.6,
        period=SloPeriod.QUARTER,
        kind=SloKind.SERVICE_LEVEL,
    )
    # An inactive objective counts for nothing.
    SloFactory(
        service=owned_service, name="Retired", measure=availability, target=100, active=False
    )
    # Satisfaction: desk-a 4 (Jun) and 5 (Sep), shared 3 (Oct); April is outside.
    # Service Desk: (4 + 5 + 3) / 3 = 4.0, a tie: met. Hosting: shared's 3: not met.
    observe(
        measures["satisfaction"],
        desk_a,
        [(D(2026, 4, 2), 1.0), (D(2026, 6, 2), 4.0), (D(2026, 9, 2), 5.0)],
    )
    observe(measures["satisfaction"], shared, [(D(2026, 10, 2), 3.0)])
    # Continuity: one plan tested and due, one never tested.
    ContinuityPlanFactory(
        service=owned_service,
        name="Fail-over",
        last_tested_on=D(2026, 3, 1),
        last_test_result="passed",
    )
    ContinuityPlanFactory(service=owned_service, name="Restore")
    # Compliance: backup failed then passed (the latest counts); logging waived;
    # retention never checked; an inactive policy's failure and a check against a policy
    # that does not govern the service do not count. 1 of 2 waived: 50 % > 25 %.
    backup = PolicyFactory(slug="backup", name="Backup")
    logging = PolicyFactory(slug="logging", name="Logging")
    retention = PolicyFactory(slug="retention", name="Retention")
    retired = PolicyFactory(slug="old", name="Old", active=False)
    elsewhere = PolicyFactory(slug="elsewhere", name="Elsewhere")
    for policy in (backup, logging, retention, retired):
        policy.services.add(owned_service)
    elsewhere.services.add(other_service)
    for policy, day, result, reason in (
        (backup, D(2026, 1, 10), "failed", "No restore test"),
        (backup, D(2026, 6, 1), "passed", ""),
        (logging, D(2026, 6, 1), "waived", "Replaced in Q3"),
        (retired, D(2026, 6, 1), "failed", "Gone"),
        (elsewhere, D(2026, 6, 1), "failed", "Not ours"),
    ):
        ComplianceCheck.objects.create(
            policy=policy, service=owned_service, checked_on=day, result=result, reason=reason
        )
    # Cost 100 a month, demand 10 a month and 20 in October: per unit 10 five times, then 5:
    # slope -12.5 / 17.5 = -0.714 per period, falling: met. April is outside.
    ServicePeriod.objects.create(service=owned_service, period=D(2026, 4, 1), cost=1000)
    for month in range(5, 11):
        ServicePeriod.objects.create(
            service=owned_service,
            period=D(2026, month, 1),
            cost=100,
            demand=20.0 if month == 10 else 10.0,
        )
    # Changes delivered in the window: 20 and 60 days: median 40 > 30: at risk.
    for requested, delivered in (
        (D(2026, 4, 20), D(2026, 5, 10)),
        (D(2026, 9, 1), D(2026, 10, 31)),
        (D(2026, 10, 1), D(2026, 11, 2)),  # after the window
        (D(2026, 3, 1), D(2026, 4, 30)),  # before it
        (D(2026, 10, 1), None),  # not delivered
    ):
        ServiceChange.objects.create(
            service=owned_service, title="Change", requested_on=requested, delivered_on=delivered
        )
    return owned_service, other_service
