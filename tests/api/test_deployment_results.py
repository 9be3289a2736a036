"""The results API: measured value, lessons learned and the revisions the results led
to (/api/deployments/results/, …/lessons/, …/revisions/).

``measured``: a deploying plan of the process owner whose two targets were deployed
when the pilot started, with cycle times before and after. A refused write is a 403
(or 400) and nothing changes (rows and history).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from tests.api import test_deployment_fixtures as fixtures
from tests.api.test_deployment_fixtures import (
    CHANGE,
    DENIED,
    RESULTS,
    api,
    assert_documented,
    deployed_plan,
    fields,
)
from uplift.apps.deployments.models import (
    DeploymentPlan,
    Lesson,
    Result,
    ResultRevision,
)

pytestmark = pytest.mark.django_db

process_owner = fixtures.process_owner
sponsor = fixtures.sponsor
project_manager = fixtures.project_manager
plan = fixtures.plan

LESSONS = f"{RESULTS}lessons/"
REVISIONS = f"{RESULTS}revisions/"


@pytest.fixture
def measured(process_owner: User, sponsor: User) -> DeploymentPlan:
    return deployed_plan(process_owner, sponsor)


def counts() -> tuple[int, ...]:
    return (
        Result.objects.count(),
        Lesson.objects.count(),
        Lesson.history.count(),
        ResultRevision.objects.count(),
        ResultRevision.history.count(),
    )


@pytest.mark.parametrize("path", [RESULTS, LESSONS, REVISIONS])
def test_anonymous_and_roleless_users_are_refused(
    anonymous: APIClient, outsider: APIClient, path: str, db: None
) -> None:
    assert anonymous.get(path).status_code == 403
    assert outsider.get(path).json() == {"detail": DENIED, "errors": []}


def test_the_owner_evaluates_the_value_and_everyone_reads_it(
    process_owner: User, practitioner: User, measured: DeploymentPlan
) -> None:
    response = api(process_owner).post(f"{RESULTS}evaluate/", {"plan": measured.pk}, format="json")

    assert response.status_code == 201, response.json()
    assert_documented(response, "/api/deployments/results/evaluate/", "post")
    (row,) = response.json()
    assert (row["measure"], row["change_date"], row["evaluated_by"]) == (
        "cycle-time",
        str(CHANGE),
        "process.owner",
    )
    assert row["mean_after"] < row["mean_before"]
    assert (row["improved"], row["target_met"]) == (True, True)
    listed = api(practitioner).get(RESULTS, {"plan": measured.pk})
    assert_documented(listed, "/api/deployments/results/")
    assert [r["id"] for r in listed.json()["results"]] == [row["id"]]
    shown = api(practitioner).get(f"{RESULTS}{row['id']}/")
    assert_documented(shown, "/api/deployments/results/{id}/")


def test_evaluating_before_any_wave_started_is_a_400(
    process_owner: User, plan: DeploymentPlan
) -> None:
    before = counts()

    response = api(process_owner).post(f"{RESULTS}evaluate/", {"plan": plan.pk}, format="json")

    assert response.status_code == 400
    assert fields(response) == ["plan"]
    assert counts() == before


def test_a_practitioner_cannot_evaluate(practitioner: User, measured: DeploymentPlan) -> None:
    before = counts()

    response = api(practitioner).post(f"{RESULTS}evaluate/", {"plan": measured.pk}, format="json")

    assert response.status_code == 403
    assert_documented(response, "/api/deployments/results/evaluate/", "post")
    assert counts() == before


def test_an_unknown_plan_or_result_is_named_or_not_found(
    process_owner: User, practitioner: User, db: None
) -> None:
    response = api(process_owner).post(f"{RESULTS}evaluate/", {"plan": 999999}, format="json")

    assert fields(response) == ["plan"]
    assert api(practitioner).get(f"{RESULTS}999999/").status_code == 404


def test_a_project_manager_records_a_lesson(
    project_manager: User, practitioner: User, plan: DeploymentPlan
) -> None:
    response = api(project_manager).post(
        LESSONS,
        {
            "plan": plan.pk,
            "kind": "went_well",
            "text": "Pairing with the pilot team helped.",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert_documented(response, "/api/deployments/results/lessons/", "post")
    assert (response.json()["kind"], response.json()["recorded_by"]) == (
        "went_well",
        "project.manager",
    )
    listed = api(practitioner).get(LESSONS, {"plan": plan.pk, "kind": "went_well"})
    assert_documented(listed, "/api/deployments/results/lessons/")
    assert [row["text"] for row in listed.json()["results"]] == [
        "Pairing with the pilot team helped."
    ]


def test_a_lesson_needs_a_known_kind_and_a_text(process_owner: User, plan: DeploymentPlan) -> None:
    before = counts()

    unknown = api(process_owner).post(
        LESSONS, {"plan": plan.pk, "kind": "gossip", "text": "x"}, format="json"
    )
    empty = api(process_owner).post(
        LESSONS, {"plan": plan.pk, "kind": "to_change", "text": "   "}, format="json"
    )

    assert fields(unknown) == ["kind"]
    assert fields(empty) == ["text"]
    assert counts() == before


def test_a_practitioner_cannot_record_a_lesson(practitioner: User, plan: DeploymentPlan) -> None:
    before = counts()

    response = api(practitioner).post(
        LESSONS,
        {"plan": plan.pk, "kind": "surprise", "text": "Nobody asked me."},
        format="json",
    )

    assert response.status_code == 403
    assert counts() == before


def test_the_owner_records_a_revision_the_results_led_to(
    process_owner: User, plan: DeploymentPlan
) -> None:
    response = api(process_owner).post(
        REVISIONS,
        {
            "plan": plan.pk,
            "subject_kind": "objective",
            "subject": "Cycle time QPPO",
            "change": "Target lowered from 10 to 9 days: the pilot did better.",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert_documented(response, "/api/deployments/results/revisions/", "post")
    listed = api(process_owner).get(REVISIONS, {"plan": plan.pk})
    assert_documented(listed, "/api/deployments/results/revisions/")
    assert [row["subject"] for row in listed.json()["results"]] == ["Cycle time QPPO"]


def test_a_project_manager_cannot_record_a_revision(
    project_manager: User, plan: DeploymentPlan
) -> None:
    before = counts()

    response = api(project_manager).post(
        REVISIONS,
        {
            "plan": plan.pk,
            "subject_kind": "plan",
            "subject": "Schedule",
            "change": "Later.",
        },
        format="json",
    )

    assert response.status_code == 403
    assert counts() == before
