"""The organization dashboard: pipeline, deployments in flight, value delivered and
payback to date, in a fixed number of queries; and its PDF."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from tests.conftest import ClientFor
from tests.factories.deployments import DeploymentPlanFactory, TargetFactory, WaveFactory
from tests.factories.improvements import ProposalFactory
from uplift.apps.deployments.choices import PlanState, TargetStatus, WaveState
from uplift.apps.deployments.models import PlanMeasure, Result
from uplift.apps.deployments.selectors_dashboard import dashboard_data
from uplift.apps.improvements.choices import ProposalState
from uplift.apps.measurements.choices import Direction
from uplift.apps.measurements.models import Measure

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 5, 5)
CHANGE = dt.date(2026, 1, 5)  # 120 days before TODAY


def _measure(slug: str, direction: str = Direction.LOWER) -> Measure:
    return Measure.objects.create(
        slug=slug,
        name=slug.replace("-", " ").capitalize(),
        unit="days",
        operational_definition="As the tracker records it.",
        direction=direction,
    )


def _result(
    plan_measure: PlanMeasure, *, at: dt.datetime, payback: dict | None, **fields
) -> Result:
    return Result.objects.create(
        plan=plan_measure.plan,
        plan_measure=plan_measure,
        evaluated_at=at,
        change_date=CHANGE,
        data={"payback": payback},
        **fields,
    )


def _deploying_plan(n: int, measure: Measure | None = None):
    """A plan deploying: wave 1 finished (3 deployed or confirmed, 1 opted out), wave 2
    running (1 deployed, 1 not started and overdue on TODAY)."""
    plan = DeploymentPlanFactory(
        title=f"Plan {n}",
        state=PlanState.DEPLOYING,
        planned_start=dt.date(2026, 1, 5),
        planned_end=dt.date(2026, 6, 26),
        payback_target_months=6,
    )
    plan.proposals.add(ProposalFactory(title=f"Improvement {n}", state=ProposalState.DEPLOYING))
    first = WaveFactory(
        plan=plan,
        number=1,
        name="Pilot",
        planned_start=dt.date(2026, 1, 5),
        planned_end=dt.date(2026, 2, 27),
        actual_start=CHANGE,
        actual_end=dt.date(2026, 3, 2),
        state=WaveState.FINISHED,
    )
    second = WaveFactory(
        plan=plan,
        number=2,
        name="Rest",
        planned_start=dt.date(2026, 3, 2),
        planned_end=dt.date(2026, 4, 24),
        actual_start=dt.date(2026, 3, 2),
        state=WaveState.RUNNING,
    )
    deployed = {"status": TargetStatus.DEPLOYED, "deployed_on": dt.date(2026, 2, 20)}
    confirmed = {**deployed, "status": TargetStatus.CONFIRMED, "confirmed_on": dt.date(2026, 3, 1)}
    for fields in (deployed, deployed, confirmed):
        TargetFactory(plan=plan, wave=first, **fields)
    TargetFactory(plan=plan, wave=first, status=TargetStatus.OPTED_OUT, status_reason="No.")
    TargetFactory(plan=plan, wave=first, excluded=True, reason="Out.")
    TargetFactory(plan=plan, wave=second, **deployed)
    TargetFactory(plan=plan, wave=second)
    if measure is not None:
        pm = PlanMeasure.objects.create(plan=plan, measure=measure, target_value=8.5)
        older = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
        _result(pm, at=older, payback=None, mean_before=10, mean_after=9.5, target_met=False)
        _result(
            pm,
            at=older + dt.timedelta(days=30),
            payback={"cost": 12000.0, "running_cost": 500.0, "benefit": 3000.0},
            mean_before=10.0,
            mean_after=8.0,
            percent_change=-20.0,
            target_met=True,
            monthly_benefit=3000.0,
        )
    return plan


@pytest.fixture
def organization():
    """One plan deploying with results, one being planned, one proposal submitted."""
    plan = _deploying_plan(1, _measure("cycle-time"))
    unpriced = PlanMeasure.objects.create(plan=plan, measure=_measure("defects"), position=1)
    _result(
        unpriced,
        at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC),
        payback=None,
        mean_before=4.0,
        mean_after=3.0,
        percent_change=-25.0,
    )
    DeploymentPlanFactory(title="Being planned")
    ProposalFactory(state=ProposalState.SUBMITTED)
    return plan


def test_pipeline_counts_proposals_and_plans_by_state(organization) -> None:
    dashboard = dashboard_data(today=TODAY)
    proposals = {stage.state: stage.count for stage in dashboard.proposals}
    plans = {stage.state: stage.count for stage in dashboard.plans}

    assert [stage.state for stage in dashboard.proposals][:2] == ["submitted", "analyzed"]
    assert (proposals["submitted"], proposals["deploying"], proposals["analyzed"]) == (1, 1, 0)
    assert (plans["deploying"], plans["draft"], plans["complete"]) == (1, 1, 0)
    assert (dashboard.proposal_total, dashboard.plan_total) == (2, 2)


def test_in_flight_shows_each_waves_progress_excusing_opted_out(organization) -> None:
    (row,) = dashboard_data(today=TODAY).in_flight

    assert row.plan == organization
    assert [title for _, title in row.proposals] == ["Improvement 1"]
    # 7 targets: 1 excluded (out), 1 opted out (excused): 5 counted, 4 deployed.
    assert (row.targets, row.deployed, row.confirmed, row.opted_out) == (5, 4, 1, 1)
    assert (row.overdue, row.without_wave, row.percent) == (1, 0, 80)
    pilot, rest = row.waves
    assert (pilot.targets, pilot.deployed, pilot.overdue, pilot.percent) == (3, 3, 0, 100)
    assert (rest.targets, rest.deployed, rest.overdue, rest.percent) == (2, 1, 1, 50)
    assert row.current_wave == rest.wave


def test_value_delivered_reads_the_latest_result_of_each_measure(organization) -> None:
    dashboard = dashboard_data(today=TODAY)

    cycle, defects = dashboard.values
    assert (cycle.measure.slug, cycle.result.mean_after, cycle.result.target_met) == (
        "cycle-time",
        8.0,
        True,
    )
    assert (defects.measure.slug, defects.result.percent_change) == ("defects", -25.0)
    assert dashboard.targets_met == 1


def test_payback_to_date_is_worked_out_from_the_stored_results(organization) -> None:
    dashboard = dashboard_data(today=TODAY)

    (payback,) = dashboard.paybacks
    # 120 days since 5 Jan = 3.94 months at 3,000 - 500 = 2,500 a month net.
    assert payback.since == CHANGE
    assert payback.months == pytest.approx(120 / (365.25 / 12))
    assert (payback.cost, payback.running_cost, payback.benefit) == (12000.0, 500.0, 3000.0)
    assert payback.net == 2500.0
    assert payback.recovered == pytest.approx(9856.26, abs=0.01)
    assert payback.percent_recovered == 82
    assert payback.payback_months == pytest.approx(4.8)
    assert payback.on_target is True  # within 6 months
    assert payback.paid_back is False
    assert dashboard.recovered == pytest.approx(9856.26, abs=0.01)
    assert dashboard.monthly_net_benefit == 2500.0


def test_cancelled_plans_deliver_no_value(organization) -> None:
    organization.state = PlanState.CANCELLED
    organization.save(update_fields=["state"])

    dashboard = dashboard_data(today=TODAY)

    assert (dashboard.in_flight, dashboard.values, dashboard.paybacks) == ((), (), ())


@pytest.mark.parametrize("plans", [2, 6])
def test_dashboard_reads_in_seven_queries_however_many_plans(
    plans: int, django_assert_num_queries
) -> None:
    measure = _measure("cycle-time")
    for n in range(plans):
        _deploying_plan(n, measure)

    with django_assert_num_queries(7):
        dashboard = dashboard_data(today=TODAY)

    assert len(dashboard.in_flight) == len(dashboard.paybacks) == plans


@pytest.mark.parametrize("plans", [2, 6])
def test_dashboard_page_query_count_does_not_grow_with_plans(
    plans: int,
    process_group_member: User,
    client_for: ClientFor,
    django_assert_num_queries,
) -> None:
    measure = _measure("cycle-time")
    for n in range(plans):
        _deploying_plan(n, measure)
    client = client_for(process_group_member)
    client.get(reverse("deployments:dashboard"))  # the session and permissions, cached

    # Session, user, the user's permissions (two), then the dashboard's seven.
    with django_assert_num_queries(11):
        response = client.get(reverse("deployments:dashboard"))

    assert response.status_code == 200
    assert response.content.decode().count("Plan ") >= plans


def test_dashboard_page_writes_states_and_flags_in_words(
    organization, practitioner: User, client_for: ClientFor
) -> None:
    response = client_for(practitioner).get(reverse("deployments:dashboard"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Deployments in flight" in html
    assert "overdue" in html
    assert "Met" in html
    assert "Cycle time" in html


def test_dashboard_pdf_is_a_pdf(organization, practitioner: User, client_for: ClientFor) -> None:
    response = client_for(practitioner).get(reverse("deployments:dashboard_pdf"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert 'filename="deployments-dashboard-' in response["Content-Disposition"]


def test_dashboard_sends_anonymous_visitors_to_sign_in(anonymous) -> None:
    assert anonymous.get(reverse("deployments:dashboard")).status_code == 302
    assert anonymous.get(reverse("deployments:dashboard_pdf")).status_code == 302


def test_dashboard_refuses_people_without_a_role(outsider: User, client_for: ClientFor) -> None:
    client = client_for(outsider)

    assert client.get(reverse("deployments:dashboard")).status_code == 403
    assert client.get(reverse("deployments:dashboard_pdf")).status_code == 403


def test_estimated_costs_are_not_what_the_dashboard_reads(organization) -> None:
    # The cost comes from the stored result, not from today's proposal figures.
    organization.proposals.update(estimated_cost=Decimal("99999.00"))

    (payback,) = dashboard_data(today=TODAY).paybacks

    assert payback.cost == 12000.0
