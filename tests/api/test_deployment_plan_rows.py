"""The deployment plan's rows over HTTP: stakeholders, measures, barriers, adjustments
and mitigated risks (/api/deployments/plans/{id}/<rows>/).

Personas: see ``test_deployment_fixtures``. The plan's owner and a process group member
write rows; a practitioner reads them and gets a 403 for a write, with nothing written
(rows and history). A row of another plan is a 404. Responses are checked against the
OpenAPI document drf-spectacular builds from the code.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db.models import Model

from tests.api import test_deployment_fixtures as fixtures
from tests.api.test_deployment_fixtures import PLANS, api, assert_documented, fields
from tests.apps.measurements.fixtures_h import make_measure
from uplift.apps.deployments.choices import PlanState, RiskType, SignOffDecision
from uplift.apps.deployments.models import (
    Adjustment,
    BarrierStrategy,
    DeploymentPlan,
    MitigatedRisk,
    PlanMeasure,
    PlanRevision,
    SignOff,
    Stakeholder,
)
from uplift.apps.deployments.services.plans import (
    adjustment_add,
    barrier_add,
    measure_add,
    risk_add,
)
from uplift.apps.measurements.choices import ObjectiveKind
from uplift.apps.measurements.models import Objective
from uplift.apps.measurements.services.objectives import objective_create

pytestmark = pytest.mark.django_db

process_owner = fixtures.process_owner
sponsor = fixtures.sponsor
plan = fixtures.plan
agreed = fixtures.agreed

ROWS: dict[str, type[Model]] = {
    "stakeholders": Stakeholder,
    "measures": PlanMeasure,
    "barriers": BarrierStrategy,
    "adjustments": Adjustment,
    "risks": MitigatedRisk,
}
LIST = "/api/deployments/plans/{id}/%s/"
ROW = "/api/deployments/plans/{id}/%s/{row_id}/"


def counts() -> tuple[int, ...]:
    """Every row and history count a refused write must leave alone."""
    models: list[Any] = [DeploymentPlan, *ROWS.values()]
    return (
        *(model.objects.count() for model in models),
        *(model.history.count() for model in models),
        PlanRevision.objects.count(),
        SignOff.objects.count(),
    )


def url(plan: DeploymentPlan, kind: str, row: Any = None) -> str:
    return f"{PLANS}{plan.pk}/{kind}/" + (f"{row.pk}/" if row is not None else "")


def one_of_each(plan: DeploymentPlan, owner: User) -> dict[str, Any]:
    """A row of every kind on ``plan`` (its stakeholder is the sponsor of make_plan)."""
    return {
        "stakeholders": plan.stakeholders.get(),
        "measures": measure_add(plan=plan, actor=owner, measure=make_measure(f"m-{plan.pk}")),
        "barriers": barrier_add(plan=plan, actor=owner, barrier="No time.", strategy="Pair."),
        "adjustments": adjustment_add(
            plan=plan, actor=owner, segment_label="COTS", description="Lighter."
        ),
        "risks": risk_add(
            plan=plan, actor=owner, risk_type=RiskType.WORK, description="Late defects."
        ),
    }


# --- stakeholders ---------------------------------------------------------------------------


def test_the_owner_names_lists_and_removes_a_stakeholder(
    process_owner: User, process_group_member: User, plan: DeploymentPlan
) -> None:
    client = api(process_owner)

    created = client.post(
        url(plan, "stakeholders"),
        {"user": "process.group", "kind": "support", "note": "Process group"},
        format="json",
    )

    assert created.status_code == 201, created.json()
    assert_documented(created, LIST % "stakeholders", "post")
    body = created.json()
    row = Stakeholder.objects.get(pk=body["id"])
    assert (body["user"], body["kind"], body["required"], body["note"]) == (
        "process.group",
        "support",
        True,
        "Process group",
    )
    assert row.plan_id == plan.pk
    listed = client.get(url(plan, "stakeholders"))
    assert listed.status_code == 200
    assert_documented(listed, LIST % "stakeholders")
    assert sorted(item["user"] for item in listed.json()) == ["process.group", "sponsor"]

    removed = client.delete(url(plan, "stakeholders", row))

    assert removed.status_code == 204
    assert list(plan.stakeholders.values_list("user__username", flat=True)) == ["sponsor"]


def test_naming_a_stakeholder_of_a_plan_sent_for_sign_off_makes_a_new_revision(
    process_owner: User, process_group_member: User, agreed: DeploymentPlan
) -> None:
    assert (agreed.revision, agreed.state) == (1, PlanState.AGREED)

    response = api(process_owner).post(
        url(agreed, "stakeholders"), {"user": "process.group", "kind": "other"}, format="json"
    )

    assert response.status_code == 201, response.json()
    agreed.refresh_from_db()
    assert (agreed.revision, agreed.state) == (2, PlanState.IN_REVIEW)
    assert list(agreed.revisions.values_list("number", flat=True)) == [1, 2]
    # The sponsor, who agreed to revision 1, is asked again on revision 2.
    assert list(
        agreed.signoffs.filter(revision=2).values_list("stakeholder__username", "decision")
    ) == [("sponsor", SignOffDecision.PENDING)]


def test_an_unknown_person_or_one_who_may_not_sign_off_is_a_400(
    process_owner: User, practitioner: User, plan: DeploymentPlan
) -> None:
    client = api(process_owner)
    before = counts()

    unknown = client.post(
        url(plan, "stakeholders"), {"user": "nobody", "kind": "support"}, format="json"
    )
    may_not_sign = client.post(
        url(plan, "stakeholders"), {"user": "practitioner", "kind": "target_group"}, format="json"
    )
    twice = client.post(
        url(plan, "stakeholders"), {"user": "sponsor", "kind": "sponsor"}, format="json"
    )
    no_kind = client.post(url(plan, "stakeholders"), {"user": "practitioner"}, format="json")

    for response in (unknown, may_not_sign, twice):
        assert response.status_code == 400
        assert fields(response) == ["user"]
    assert_documented(may_not_sign, LIST % "stakeholders", "post")
    assert fields(no_kind) == ["kind"]
    assert counts() == before
    informed = client.post(
        url(plan, "stakeholders"),
        {"user": "practitioner", "kind": "target_group", "required": False},
        format="json",
    )
    assert informed.status_code == 201
    assert informed.json()["required"] is False


# --- measures -------------------------------------------------------------------------------


def test_a_process_group_member_adds_changes_and_removes_a_measure(
    process_group_member: User, plan: DeploymentPlan
) -> None:
    make_measure("cycle-time")
    objective = objective_create(kind=ObjectiveKind.BUSINESS, name="Deliver faster")
    client = api(process_group_member)

    created = client.post(
        url(plan, "measures"),
        {"measure": "cycle-time", "objective": objective.pk, "target_value": 10},
        format="json",
    )

    assert created.status_code == 201, created.json()
    assert_documented(created, LIST % "measures", "post")
    body = created.json()
    assert (body["measure"], body["objective"], body["target_value"]) == (
        "cycle-time",
        objective.pk,
        10.0,
    )
    row = PlanMeasure.objects.get(pk=body["id"])

    changed = client.patch(
        url(plan, "measures", row),
        {"target_value": 8.5, "due": "2026-12-31", "objective": None},
        format="json",
    )

    assert changed.status_code == 200, changed.json()
    assert_documented(changed, ROW % "measures", "patch")
    row.refresh_from_db()
    assert (row.target_value, str(row.due), row.objective_id) == (8.5, "2026-12-31", None)
    listed = client.get(url(plan, "measures"))
    assert_documented(listed, LIST % "measures")
    assert [item["measure"] for item in listed.json()] == ["cycle-time"]

    removed = client.delete(url(plan, "measures", row))

    assert removed.status_code == 204
    assert not plan.measures.exists()


def test_an_unknown_measure_or_objective_is_a_400(
    process_owner: User, plan: DeploymentPlan
) -> None:
    make_measure("cycle-time")
    client = api(process_owner)
    before = counts()

    unknown_measure = client.post(url(plan, "measures"), {"measure": "nope"}, format="json")
    unknown_objective = client.post(
        url(plan, "measures"), {"measure": "cycle-time", "objective": 999999}, format="json"
    )

    assert unknown_measure.status_code == 400
    assert_documented(unknown_measure, LIST % "measures", "post")
    assert fields(unknown_measure) == ["measure"]
    assert unknown_objective.status_code == 400
    assert fields(unknown_objective) == ["objective"]
    assert not Objective.objects.exists()
    assert counts() == before


# --- barriers -------------------------------------------------------------------------------


def test_the_owner_adds_changes_and_removes_a_barrier(
    process_owner: User, plan: DeploymentPlan
) -> None:
    client = api(process_owner)

    created = client.post(url(plan, "barriers"), {"barrier": "No time for reviews."}, format="json")

    assert created.status_code == 201, created.json()
    assert_documented(created, LIST % "barriers", "post")
    row = BarrierStrategy.objects.get(pk=created.json()["id"])
    assert (row.barrier, row.strategy) == ("No time for reviews.", "")

    changed = client.patch(
        url(plan, "barriers", row), {"strategy": "Budget two hours a week."}, format="json"
    )

    assert changed.status_code == 200, changed.json()
    assert_documented(changed, ROW % "barriers", "patch")
    assert changed.json()["strategy"] == "Budget two hours a week."
    assert changed.json()["barrier"] == "No time for reviews."
    listed = client.get(url(plan, "barriers"))
    assert_documented(listed, LIST % "barriers")
    assert row.pk in [item["id"] for item in listed.json()]

    removed = client.delete(url(plan, "barriers", row))

    assert removed.status_code == 204
    assert not BarrierStrategy.objects.filter(pk=row.pk).exists()


def test_a_barrier_needs_its_text(process_owner: User, plan: DeploymentPlan) -> None:
    row = barrier_add(plan=plan, actor=process_owner, barrier="No time.")
    client = api(process_owner)
    before = counts()

    missing = client.post(url(plan, "barriers"), {"strategy": "Pair."}, format="json")
    blanked = client.patch(url(plan, "barriers", row), {"barrier": "  "}, format="json")

    assert missing.status_code == 400
    assert fields(missing) == ["barrier"]
    assert blanked.status_code == 400
    assert_documented(blanked, ROW % "barriers", "patch")
    assert fields(blanked) == ["barrier"]
    assert counts() == before


# --- adjustments ----------------------------------------------------------------------------


def test_a_process_group_member_adds_and_removes_an_adjustment(
    process_group_member: User, plan: DeploymentPlan
) -> None:
    client = api(process_group_member)

    created = client.post(
        url(plan, "adjustments"),
        {
            "segment_label": "COTS integration projects",
            "description": "Review the glue code only.",
            "segment": {"activity_type": ["cots_integration"]},
        },
        format="json",
    )

    assert created.status_code == 201, created.json()
    assert_documented(created, LIST % "adjustments", "post")
    body = created.json()
    assert body["segment"] == {"activity_type": ["cots_integration"]}
    listed = client.get(url(plan, "adjustments"))
    assert_documented(listed, LIST % "adjustments")
    assert [item["segment_label"] for item in listed.json()] == ["COTS integration projects"]

    removed = client.delete(url(plan, "adjustments", Adjustment.objects.get(pk=body["id"])))

    assert removed.status_code == 204
    assert not plan.adjustments.exists()


def test_an_adjustment_needs_a_description_and_an_object_as_segment(
    process_owner: User, plan: DeploymentPlan
) -> None:
    client = api(process_owner)
    before = counts()

    missing = client.post(url(plan, "adjustments"), {"segment_label": "COTS"}, format="json")
    bad_segment = client.post(
        url(plan, "adjustments"),
        {"segment_label": "COTS", "description": "Lighter.", "segment": ["cots"]},
        format="json",
    )

    assert missing.status_code == 400
    assert_documented(missing, LIST % "adjustments", "post")
    assert fields(missing) == ["description"]
    assert bad_segment.status_code == 400
    assert fields(bad_segment) == ["segment"]
    assert counts() == before


# --- risks ----------------------------------------------------------------------------------


def test_the_owner_names_changes_and_removes_a_risk(
    process_owner: User, plan: DeploymentPlan
) -> None:
    client = api(process_owner)

    created = client.post(
        url(plan, "risks"),
        {"risk_type": "work", "description": "Defects found late."},
        format="json",
    )

    assert created.status_code == 201, created.json()
    assert_documented(created, LIST % "risks", "post")
    row = MitigatedRisk.objects.get(pk=created.json()["id"])

    changed = client.patch(url(plan, "risks", row), {"risk_type": "organizational"}, format="json")

    assert changed.status_code == 200, changed.json()
    assert_documented(changed, ROW % "risks", "patch")
    assert (changed.json()["risk_type"], changed.json()["mitigated"]) == ("organizational", False)
    listed = client.get(url(plan, "risks"))
    assert_documented(listed, LIST % "risks")
    assert [item["description"] for item in listed.json()] == ["Defects found late."]

    removed = client.delete(url(plan, "risks", row))

    assert removed.status_code == 204
    assert not plan.mitigated_risks.exists()


def test_a_risk_needs_a_known_type_and_a_description(
    process_owner: User, plan: DeploymentPlan
) -> None:
    row = risk_add(plan=plan, actor=process_owner, risk_type=RiskType.WORK, description="Late.")
    client = api(process_owner)
    before = counts()

    bad_type = client.post(
        url(plan, "risks"), {"risk_type": "weather", "description": "Rain."}, format="json"
    )
    missing = client.post(url(plan, "risks"), {"risk_type": "work"}, format="json")
    blanked = client.patch(url(plan, "risks", row), {"description": ""}, format="json")

    assert bad_type.status_code == 400
    assert fields(bad_type) == ["risk_type"]
    assert fields(missing) == ["description"]
    assert blanked.status_code == 400
    assert fields(blanked) == ["description"]
    assert counts() == before


# --- refusals -------------------------------------------------------------------------------

GOOD_INPUT = {
    "stakeholders": {"user": "practitioner", "kind": "other", "required": False},
    "measures": {"measure": "cycle-time"},
    "barriers": {"barrier": "No time."},
    "adjustments": {"segment_label": "COTS", "description": "Lighter."},
    "risks": {"risk_type": "work", "description": "Late defects."},
}
PATCHES = {
    "measures": {"target_value": 1.0},
    "barriers": {"strategy": "Mine."},
    "risks": {"description": "Mine."},
}


@pytest.mark.parametrize("kind", list(ROWS))
def test_a_practitioner_reads_rows_but_cannot_write_them(
    practitioner: User, process_owner: User, plan: DeploymentPlan, kind: str
) -> None:
    make_measure("cycle-time")
    row = one_of_each(plan, process_owner)[kind]
    client = api(practitioner)
    before = counts()

    listed = client.get(url(plan, kind))
    created = client.post(url(plan, kind), GOOD_INPUT[kind], format="json")
    removed = client.delete(url(plan, kind, row))

    assert listed.status_code == 200
    assert row.pk in [item["id"] for item in listed.json()]
    assert created.status_code == 403
    assert_documented(created, LIST % kind, "post")
    assert removed.status_code == 403
    assert_documented(removed, ROW % kind, "delete")
    if kind in PATCHES:
        changed = client.patch(url(plan, kind, row), PATCHES[kind], format="json")
        assert changed.status_code == 403
    assert counts() == before
    assert type(row).objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("kind", list(ROWS))
def test_a_row_of_another_plan_is_a_404(
    process_owner: User, plan: DeploymentPlan, agreed: DeploymentPlan, kind: str
) -> None:
    other = one_of_each(agreed, process_owner)[kind]
    client = api(process_owner)
    before = counts()

    removed = client.delete(url(plan, kind, other))

    assert removed.status_code == 404
    assert_documented(removed, ROW % kind, "delete")
    if kind in PATCHES:
        changed = client.patch(url(plan, kind, other), PATCHES[kind], format="json")
        assert changed.status_code == 404
    assert counts() == before
    assert type(other).objects.filter(pk=other.pk).exists()


def test_an_unknown_plan_is_a_404(practitioner: User, process_owner: User) -> None:
    assert api(practitioner).get(f"{PLANS}999999/risks/").status_code == 404
    response = api(process_owner).post(
        f"{PLANS}999999/risks/", {"risk_type": "work", "description": "x"}, format="json"
    )
    assert response.status_code == 404
    assert_documented(response, LIST % "risks", "post")
