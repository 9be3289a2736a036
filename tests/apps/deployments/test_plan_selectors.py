"""Deployment plan reads: status for the API and CLI, the list's counts, the page's drift."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from tests.apps.deployments.test_plan_fixtures import cycle_time, plan, proposal, sent, signers
from tests.factories.deployments import TargetFactory, WaveFactory
from tests.factories.organization import OrganizationalUnitFactory, WorkActivityFactory
from uplift.apps.deployments import selectors
from uplift.apps.deployments.choices import GateCriterionKind, TargetStatus
from uplift.apps.deployments.models import DeploymentPlan, GateCriterion, GateEvaluation, Result

__all__ = ["cycle_time", "plan", "proposal", "sent", "signers"]  # fixtures used by name


def test_plan_get_raises_does_not_exist_for_an_unknown_plan(db: None) -> None:
    with pytest.raises(DeploymentPlan.DoesNotExist):
        selectors.plan_get(pk=404)


def test_plan_list_is_empty_for_a_user_who_may_not_see_plans(
    outsider: Any, plan: DeploymentPlan
) -> None:
    assert not selectors.plan_list(user=outsider).exists()


def test_plan_status_sums_up_targets_waves_gates_and_what_is_missing(
    sent: DeploymentPlan, process_owner: Any
) -> None:
    pilot = WaveFactory(plan=sent, number=1, name="Pilot")
    second = WaveFactory(plan=sent, number=2, name="Wave 1")
    criterion = GateCriterion.objects.create(
        wave=second, kind=GateCriterionKind.MANUAL, description="Pilot reviewed"
    )
    GateEvaluation.objects.create(
        wave=second,
        passed=False,
        results=[
            {
                "criterion": criterion.pk,
                "description": "Pilot reviewed",
                "passed": False,
                "detail": "Not checked yet.",
                "figures": {},
            }
        ],
    )
    alpha = TargetFactory(
        plan=sent, wave=pilot, status=TargetStatus.DEPLOYED, work_activity__name="Alpha"
    )
    TargetFactory(plan=sent, wave=pilot, status=TargetStatus.CONFIRMED)
    TargetFactory(plan=sent, excluded=True, reason="Closing down")

    data = selectors.plan_status(sent).as_json()

    assert list(data) == [
        "plan",
        "title",
        "state",
        "revision",
        "agreed",
        "targets",
        "waves",
        "missing_for_confirmation",
        "results",
    ]
    assert (data["plan"], data["state"], data["revision"], data["agreed"]) == (
        sent.reference,
        "in_review",
        1,
        False,
    )
    assert data["targets"]["deployed"] == 1
    assert data["targets"]["confirmed"] == 1
    assert data["targets"]["excluded"] == 1
    assert [w["name"] for w in data["waves"]] == ["Pilot", "Wave 1"]
    assert data["waves"][0]["gate"] == {
        "passed": None,
        "overridden": False,
        "evaluated_at": None,
        "criteria": [],
    }
    gate = data["waves"][1]["gate"]
    assert gate["passed"] is False
    assert gate["criteria"][0]["detail"] == "Not checked yet."
    assert any(alpha.work_activity.name in line for line in data["missing_for_confirmation"])
    assert data["results"] == []


def test_the_plan_page_shows_what_the_rule_matches_now_that_the_targets_do_not(
    client_for: Any, practitioner: Any, plan: DeploymentPlan
) -> None:
    unit = OrganizationalUnitFactory(slug="product-engineering", name="Product Engineering")
    WorkActivityFactory(name="Zeta", slug="zeta", unit=unit)
    DeploymentPlan.objects.filter(pk=plan.pk).update(target_rule={"unit": [unit.slug]})
    response = client_for(practitioner).get(reverse("deployments:plan_detail", args=[plan.pk]))
    drift = response.context["overview"].drift
    assert [match.work_activity.name for match in drift.added] == ["Zeta"]
    assert "Zeta" in response.content.decode()


def test_the_latest_result_of_each_measure_is_shown(
    client_for: Any, practitioner: Any, plan: DeploymentPlan
) -> None:
    measure = plan.measures.get()
    for percent, met in ((-5.0, False), (-22.0, True)):
        Result.objects.create(
            plan=plan,
            plan_measure=measure,
            change_date=dt.date(2026, 3, 1),
            percent_change=percent,
            improved=True,
            target_met=met,
        )
    assert [r.percent_change for r in selectors.plan_latest_results(plan)] == [-22.0]
    assert selectors.plan_status(plan).results[0]["target_met"] is True
    response = client_for(practitioner).get(reverse("deployments:plan_detail", args=[plan.pk]))
    assert response.context["overview"].measure_rows[0][1].percent_change == -22.0
    assert "target met" in response.content.decode()
