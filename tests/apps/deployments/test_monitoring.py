"""Monitoring against the plan: planned versus actual per wave and target, slippage,
overdue targets, the burn-up (SVG and table), the timeline, and the page's access."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.conftest import ClientFor
from tests.factories.deployments import DeploymentPlanFactory, TargetFactory, WaveFactory
from tests.factories.organization import WorkActivityFactory
from uplift.apps.deployments.charts import burnup_svg
from uplift.apps.deployments.choices import PlanState, TargetStatus, WaveState
from uplift.apps.deployments.selectors_monitoring import (
    plan_monitoring,
    plan_monitoring_rows,
    slip_words,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 4, 10)


@pytest.fixture
def plan():
    """A plan of 2026 whose wave 1 (5 Jan to 27 Mar) started a week late and is still
    running on 10 Apr, with targets in every situation (names say which)."""
    plan = DeploymentPlanFactory(
        title="Peer reviews",
        state=PlanState.DEPLOYING,
        planned_start=dt.date(2026, 1, 5),
        planned_end=dt.date(2026, 6, 26),
    )
    wave = WaveFactory(
        plan=plan,
        number=1,
        name="Pilot",
        planned_start=dt.date(2026, 1, 5),
        planned_end=dt.date(2026, 3, 27),
        actual_start=dt.date(2026, 1, 12),
        state=WaveState.RUNNING,
    )
    WaveFactory(
        plan=plan,
        number=2,
        name="Everyone else",
        planned_start=dt.date(2026, 4, 6),
        planned_end=dt.date(2026, 6, 26),
    )

    def target(name: str, **fields: object):
        activity = WorkActivityFactory(name=name)
        return TargetFactory(plan=plan, work_activity=activity, wave=wave, **fields)

    target("A early", status=TargetStatus.DEPLOYED, deployed_on=dt.date(2026, 3, 20))
    target("B not started")
    target("C later", planned_on=dt.date(2026, 5, 1))
    target("D opted out", status=TargetStatus.OPTED_OUT, status_reason="Closing down.")
    target("E excluded", excluded=True, reason="Out of scope.")
    target("F rolled back", status=TargetStatus.ROLLED_BACK, status_reason="Broke builds.")
    target(
        "G confirmed",
        status=TargetStatus.CONFIRMED,
        deployed_on=dt.date(2026, 4, 1),
        confirmed_on=dt.date(2026, 4, 5),
    )
    return plan


def _rows_by_name(monitoring):
    return {row.target.work_activity.name: row for row in monitoring.page.object_list}


def test_slippage_in_words_says_late_early_or_on_time() -> None:
    assert slip_words(3) == "3 days late"
    assert slip_words(1, actual=False) == "1 day late so far"
    assert slip_words(-2) == "2 days early"
    assert slip_words(0) == "on time"
    assert slip_words(None) == ""


def test_targets_planned_against_actual_are_worked_out_by_hand(plan) -> None:
    monitoring = plan_monitoring(plan, today=TODAY)
    rows = _rows_by_name(monitoring)

    # Planned on the wave's end (27 Mar) unless set; deployed 20 Mar: 7 days early.
    assert rows["A early"].planned == dt.date(2026, 3, 27)
    assert (rows["A early"].slip, rows["A early"].overdue) == (-7, False)
    # Not deployed, 14 days past 27 Mar: overdue by 14 days.
    assert (rows["B not started"].slip, rows["B not started"].overdue) == (14, True)
    assert rows["B not started"].days_overdue == 14
    assert rows["B not started"].slip_text == "14 days late so far"
    # Its own planned date (1 May) has not come: on time.
    assert rows["C later"].planned == dt.date(2026, 5, 1)
    assert (rows["C later"].slip, rows["C later"].overdue) == (0, False)
    # Opted out and excluded: no slippage, never overdue.
    assert (rows["D opted out"].slip, rows["D opted out"].overdue) == (None, False)
    assert (rows["E excluded"].slip, rows["E excluded"].overdue) == (None, False)
    # Rolled back: to be deployed again, so overdue like one not started.
    assert (rows["F rolled back"].slip, rows["F rolled back"].overdue) == (14, True)
    # Deployed 1 Apr against 27 Mar: 5 days late, done.
    assert (rows["G confirmed"].slip, rows["G confirmed"].overdue) == (5, False)


def test_totals_count_targets_excusing_opted_out_and_leaving_out_excluded(plan) -> None:
    totals = plan_monitoring(plan, today=TODAY).totals

    assert totals.targets == 5  # A B C F G
    assert totals.deployed == 2  # A G
    assert totals.confirmed == 1
    assert totals.overdue == 2  # B F
    assert (totals.opted_out, totals.excluded, totals.without_wave) == (1, 1, 0)
    assert totals.percent_deployed == 40


def test_waves_show_start_and_end_slippage(plan) -> None:
    first, second = plan_monitoring(plan, today=TODAY).waves

    # Started 12 Jan against 5 Jan; planned to end 27 Mar and still running on 10 Apr.
    assert (first.start_slip, first.end_slip) == (7, 14)
    assert first.start_slip_text == "7 days late"
    assert first.end_slip_text == "14 days late so far"
    assert first.late is True
    assert (first.targets, first.deployed, first.opted_out, first.overdue) == (5, 2, 1, 2)
    # Wave 2 was to start on 6 Apr and has not: 4 days late so far.
    assert (second.start_slip, second.end_slip, second.targets) == (4, 0, 0)


def test_burnup_counts_planned_deployed_and_confirmed_weekly_until_today(plan) -> None:
    points = {row.on: row for row in plan_monitoring(plan, today=TODAY).burnup}

    assert min(points) == dt.date(2026, 1, 5)
    assert max(points) == dt.date(2026, 6, 26)  # the plan's end
    # 30 Mar: A B F G planned by 27 Mar (C is for 1 May); A deployed 20 Mar.
    assert points[dt.date(2026, 3, 30)].planned == 4
    assert points[dt.date(2026, 3, 30)].deployed == 1
    assert points[dt.date(2026, 3, 30)].confirmed == 0
    # 6 Apr: G deployed 1 Apr and confirmed 5 Apr.
    assert (points[dt.date(2026, 4, 6)].deployed, points[dt.date(2026, 4, 6)].confirmed) == (2, 1)
    # After today the actual counts are unknown; C's planned date counts from 4 May.
    after = points[dt.date(2026, 5, 4)]
    assert (after.planned, after.deployed, after.confirmed) == (5, None, None)


def test_burnup_svg_is_labelled_and_says_the_latest_figures(plan) -> None:
    rows = plan_monitoring(plan, today=TODAY).burnup
    svg = burnup_svg(rows, today=TODAY, title="Burn-up <of> DEP")

    assert svg.startswith("<svg")
    assert 'role="img"' in svg
    assert 'aria-labelledby="burnup-title burnup-desc"' in svg
    assert "Burn-up &lt;of&gt; DEP" in svg
    assert "By 2026-04-06: 4 targets planned, 2 deployed, 1 confirmed" in svg
    assert svg.count("<polyline") == 3
    assert burnup_svg((), today=TODAY, title="none") == ""


def test_timeline_places_planned_and_actual_bars(plan) -> None:
    timeline = plan_monitoring(plan, today=TODAY).timeline

    assert (timeline.first, timeline.last) == (dt.date(2026, 1, 5), dt.date(2026, 6, 26))
    pilot, rest = timeline.rows
    assert pilot.planned_offset_days == 0
    assert pilot.planned_days == 82  # 5 Jan to 27 Mar inclusive
    assert (pilot.actual_offset_days, pilot.actual_days) == (7, 89)  # 12 Jan to 10 Apr
    assert pilot.late is True
    assert rest.actual_offset is None


def test_overdue_only_and_sorting_choose_the_rows(plan) -> None:
    overdue = plan_monitoring(plan, today=TODAY, overdue_only=True)
    by_name = plan_monitoring(plan, today=TODAY, order="name")
    by_slip = plan_monitoring(plan, today=TODAY, order="slip")

    assert [r.target.work_activity.name for r in overdue.page.object_list] == [
        "B not started",
        "F rolled back",
    ]
    assert [r.target.work_activity.name for r in by_name.page.object_list][:2] == [
        "A early",
        "B not started",
    ]
    assert [r.slip for r in by_slip.page.object_list][:3] == [14, 14, 5]


def test_monitoring_queries_do_not_grow_with_the_targets(plan) -> None:
    with CaptureQueriesContext(connection) as small:
        monitoring = plan_monitoring(plan, today=TODAY)
        list(monitoring.page.object_list)
    wave = plan.waves.get(number=2)
    for n in range(60):
        TargetFactory(plan=plan, wave=wave, work_activity=WorkActivityFactory(name=f"More {n}"))
    with CaptureQueriesContext(connection) as large:
        monitoring = plan_monitoring(plan, today=TODAY, per_page=25)
        list(monitoring.page.object_list)

    assert len(small) == len(large) == 3
    assert monitoring.page.paginator.num_pages == 3
    assert len(monitoring.page.object_list) == 25


def test_export_rows_hold_every_target_in_planned_order(plan) -> None:
    rows = plan_monitoring_rows(plan, today=TODAY)

    assert len(rows) == 7
    assert rows[0].planned == dt.date(2026, 3, 27)
    assert rows[-1].target.excluded is True


# -- the page ------------------------------------------------------------------------------


@pytest.fixture
def live_plan():
    """A plan running now: its wave ended 10 days ago with one target not deployed."""
    today = timezone.localdate()
    plan = DeploymentPlanFactory(
        title="Live plan",
        state=PlanState.DEPLOYING,
        planned_start=today - dt.timedelta(days=60),
        planned_end=today + dt.timedelta(days=60),
    )
    wave = WaveFactory(
        plan=plan,
        number=1,
        name="Pilot",
        planned_start=today - dt.timedelta(days=60),
        planned_end=today - dt.timedelta(days=10),
        actual_start=today - dt.timedelta(days=60),
        state=WaveState.RUNNING,
    )
    TargetFactory(plan=plan, wave=wave, work_activity=WorkActivityFactory(name="Late team"))
    TargetFactory(
        plan=plan,
        wave=wave,
        work_activity=WorkActivityFactory(name="Done team"),
        status=TargetStatus.DEPLOYED,
        deployed_on=today - dt.timedelta(days=20),
    )
    return plan


def test_page_highlights_overdue_targets_in_words(
    live_plan, practitioner: User, client_for: ClientFor
) -> None:
    response = client_for(practitioner).get(
        reverse("deployments:plan_monitoring", args=[live_plan.pk])
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Overdue by 10 days" in html
    assert 'class="row--overdue"' in html
    assert "10 days early" in html  # the deployed team
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="burnup" role="img"' in html
    assert "Burn-up data" in html
    assert "gantt__bar--planned" in html


def test_page_exports_planned_against_actual_as_csv(
    live_plan, practitioner: User, client_for: ClientFor
) -> None:
    response = client_for(practitioner).get(
        reverse("deployments:plan_monitoring", args=[live_plan.pk]), {"export": "csv"}
    )

    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("Work activity,Wave,Status,Excluded,Planned")
    assert any(line.startswith("Late team,Pilot,Not started,false,") for line in lines)
    assert lines[1].endswith(",10,true") or lines[2].endswith(",10,true")


def test_page_sends_anonymous_visitors_to_sign_in(live_plan, anonymous) -> None:
    response = anonymous.get(reverse("deployments:plan_monitoring", args=[live_plan.pk]))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"] or "login" in response["Location"]


def test_page_refuses_people_without_a_role(
    live_plan, outsider: User, client_for: ClientFor
) -> None:
    response = client_for(outsider).get(reverse("deployments:plan_monitoring", args=[live_plan.pk]))

    assert response.status_code == 403


def test_page_of_an_unknown_plan_is_not_found(practitioner: User, client_for: ClientFor) -> None:
    response = client_for(practitioner).get(reverse("deployments:plan_monitoring", args=[999]))

    assert response.status_code == 404
