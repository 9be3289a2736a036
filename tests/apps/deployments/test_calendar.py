"""The calendar of all deployments: months by plans and waves, and its iCalendar file."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from tests.conftest import ClientFor
from tests.factories.deployments import DeploymentPlanFactory, WaveFactory
from uplift.apps.deployments.choices import PlanState, WaveState
from uplift.apps.deployments.selectors_coordination import (
    CalendarEvent,
    calendar_events,
    calendar_ics,
    calendar_months,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 16)


@pytest.fixture
def plan():
    """Reviews, planned Feb to Jun 2026: a pilot that started late (16 Feb) and ended 20
    Mar, and a second wave planned for May."""
    plan = DeploymentPlanFactory(
        title="Reviews, checklists; templates",
        state=PlanState.DEPLOYING,
        planned_start=dt.date(2026, 2, 2),
        planned_end=dt.date(2026, 6, 26),
    )
    WaveFactory(
        plan=plan,
        number=1,
        name="Pilot",
        planned_start=dt.date(2026, 2, 2),
        planned_end=dt.date(2026, 3, 13),
        actual_start=dt.date(2026, 2, 16),
        actual_end=dt.date(2026, 3, 20),
        state=WaveState.FINISHED,
    )
    WaveFactory(
        plan=plan,
        number=2,
        name="Rest",
        planned_start=dt.date(2026, 5, 4),
        planned_end=dt.date(2026, 6, 26),
    )
    return plan


def _active(row) -> list[str]:
    return [f"{cell.month:%b}:{cell.text}" for cell in row.cells if cell.active]


def test_calendar_marks_the_months_of_each_plan_and_wave(plan) -> None:
    calendar = calendar_months(year=2026, today=TODAY)

    plan_row, pilot, rest = calendar.rows
    assert plan_row.wave is None
    assert plan_row.label == f"{plan.reference} Reviews, checklists; templates"
    assert _active(plan_row) == [
        "Feb:starts",
        "Mar:continues",
        "Apr:continues",
        "May:continues",
        "Jun:ends",
    ]
    # The pilot as it happened: 16 Feb to 20 Mar.
    assert (pilot.start, pilot.end) == (dt.date(2026, 2, 16), dt.date(2026, 3, 20))
    assert _active(pilot) == ["Feb:starts", "Mar:ends"]
    assert pilot.label == "Wave 1: Pilot"
    assert _active(rest) == ["May:starts", "Jun:ends"]
    assert calendar.plan_count == 1
    assert (calendar.previous_year, calendar.next_year) == (2025, 2027)


def test_calendar_of_another_year_leaves_the_plan_out(plan) -> None:
    assert calendar_months(year=2025, today=TODAY).rows == ()
    assert calendar_months(year=2027, today=TODAY).rows == ()


def test_a_running_wave_lasts_at_least_until_today(plan) -> None:
    plan.waves.filter(number=1).update(actual_end=None, state=WaveState.RUNNING)

    pilot = calendar_months(year=2026, today=dt.date(2026, 4, 20)).rows[1]

    assert pilot.end == dt.date(2026, 4, 20)
    assert _active(pilot) == ["Feb:starts", "Mar:continues", "Apr:ends"]


def test_cancelled_plans_are_left_out(plan) -> None:
    plan.state = PlanState.CANCELLED
    plan.save(update_fields=["state"])

    assert calendar_months(year=2026, today=TODAY).rows == ()
    assert calendar_events(today=TODAY) == []


def test_a_plan_spanning_years_shows_in_each(plan) -> None:
    long = DeploymentPlanFactory(
        title="Long", planned_start=dt.date(2025, 11, 3), planned_end=dt.date(2027, 1, 29)
    )

    rows = calendar_months(year=2026, today=TODAY).rows
    (long_row,) = [row for row in rows if row.plan == long]

    assert all(cell.active and cell.text == "continues" for cell in long_row.cells)


def test_ics_holds_one_all_day_event_per_plan_and_wave(plan) -> None:
    events = calendar_events(today=TODAY)
    text = calendar_ics(
        events,
        url_for=lambda pk: f"https://uplift.test/deployments/{pk}/",
        now=dt.datetime(2026, 3, 16, 9, 30, tzinfo=dt.UTC),
    )

    lines = text.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR"
    assert lines[-2:] == ["END:VCALENDAR", ""]  # every line ends with CRLF
    assert "VERSION:2.0" in lines
    assert text.count("BEGIN:VEVENT") == 3
    assert f"UID:deployment-plan-{plan.pk}@uplift" in lines
    pilot = plan.waves.get(number=1)
    start = lines.index(f"UID:deployment-wave-{pilot.pk}@uplift")
    assert lines[start + 1 : start + 4] == [
        "DTSTAMP:20260316T093000Z",
        "DTSTART;VALUE=DATE:20260216",
        "DTEND;VALUE=DATE:20260321",  # the day after the last: exclusive
    ]
    assert f"URL:https://uplift.test/deployments/{plan.pk}/" in lines
    # Commas and semicolons of the title are escaped as RFC 5545 says.
    assert f"SUMMARY:{plan.reference} Reviews\\, checklists\\; templates" in lines


def test_ics_folds_long_lines_at_75_octets() -> None:
    event = CalendarEvent(
        uid="x@uplift",
        plan_id=1,
        summary="Déploiement " * 12,
        description="d",
        start=dt.date(2026, 1, 5),
        end=dt.date(2026, 1, 5),
    )

    text = calendar_ics([event])

    physical = text.split("\r\n")
    assert all(len(line.encode()) <= 75 for line in physical)
    summary = next(i for i, line in enumerate(physical) if line.startswith("SUMMARY:"))
    assert physical[summary + 1].startswith(" ")
    unfolded = text.replace("\r\n ", "")
    assert "SUMMARY:" + "Déploiement " * 12 in unfolded
    assert "DTEND;VALUE=DATE:20260106" in unfolded


def test_calendar_page_shows_the_year(plan, practitioner: User, client_for: ClientFor) -> None:
    response = client_for(practitioner).get(reverse("deployments:calendar"), {"year": "2026"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Deployments in 2026" in html
    assert "Wave 1: Pilot" in html
    assert "starts" in html


def test_calendar_ics_downloads_as_text_calendar(
    plan, practitioner: User, client_for: ClientFor
) -> None:
    response = client_for(practitioner).get(reverse("deployments:calendar_ics"), {"year": "2026"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert 'filename="deployments-2026.ics"' in response["Content-Disposition"]
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\n")
    assert f"URL:http://testserver/deployments/{plan.pk}/" in text


def test_calendar_pages_refuse_people_without_a_role(outsider: User, client_for: ClientFor) -> None:
    client = client_for(outsider)

    assert client.get(reverse("deployments:calendar")).status_code == 403
    assert client.get(reverse("deployments:calendar_ics")).status_code == 403
