"""Results of a deployment: the value measured on stored observations, the payback,
lessons, revisions, risks mitigated and the response time; services and pages."""

from __future__ import annotations

import statistics

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.apps.deployments.test_results_fixtures import (
    AFTER,
    BEFORE,
    CHANGE,
    COST,
    RUNNING,
    VALUE_PER_UNIT,
    activities,
    counts,
    deploying,
    observed,
    plan_measure,
    proposal,
    risks,
)
from tests.factories.deployments import DeploymentPlanFactory
from uplift.apps.deployments.choices import LessonKind, RevisionSubject, TargetStatus
from uplift.apps.deployments.errors import DeploymentError
from uplift.apps.deployments.models import Lesson, PlanMeasure, Result, ResultRevision
from uplift.apps.deployments.services import results as services
from uplift.apps.measurements.services.evaluations import evaluation_payback, evaluation_run

pytestmark = pytest.mark.django_db

__all__ = ["activities", "deploying", "observed", "plan_measure", "proposal", "risks"]

MEAN_BEFORE = statistics.mean(BEFORE) + 0.1  # alpha as is, beta 0.2 higher
MEAN_AFTER = statistics.mean(AFTER) + 0.1


# -- evaluation -------------------------------------------------------------------------------


def test_a_result_is_evaluated_on_the_deployed_targets_observations(
    deploying, plan_measure, process_owner
):
    (result,) = services.result_evaluate(plan=deploying, actor=process_owner)

    run = evaluation_run(
        measure=plan_measure.measure,
        change_date=CHANGE,
        work_activities=["alpha", "beta"],
        seed=0,
    )
    assert result.data["result"] == run.evaluation.as_json()
    assert result.data["targets"] == ["alpha", "beta"]  # gamma is only preparing
    assert (result.data["result"]["n_before"], result.data["result"]["n_after"]) == (20, 20)
    assert result.change_date == CHANGE
    assert result.mean_before == pytest.approx(MEAN_BEFORE)
    assert result.mean_after == pytest.approx(MEAN_AFTER)
    assert result.percent_change == pytest.approx(100 * (MEAN_AFTER - MEAN_BEFORE) / MEAN_BEFORE)
    assert result.p_value < 0.001
    assert result.improved is True
    assert result.target_met is True  # 9.29 days against a target of 10
    assert result.data["objective_check"]["name"] == "Faster delivery"
    assert result.data["objective_check"]["met"] is True
    assert (result.plan, result.plan_measure, result.evaluated_by) == (
        deploying,
        plan_measure,
        process_owner,
    )


def test_the_payback_uses_the_proposals_costs_and_the_value_per_unit(
    deploying, plan_measure, process_owner
):
    (result,) = services.result_evaluate(plan=deploying, actor=process_owner)

    benefit = (MEAN_BEFORE - MEAN_AFTER) * VALUE_PER_UNIT  # lower is better
    assert result.monthly_benefit == pytest.approx(benefit)
    assert result.payback_months == pytest.approx(float(COST) / (benefit - float(RUNNING)))
    run = evaluation_run(
        measure=plan_measure.measure, change_date=CHANGE, work_activities=["alpha", "beta"], seed=0
    )
    expected = evaluation_payback(
        run=run, cost=float(COST), running_cost=float(RUNNING), value_per_unit=VALUE_PER_UNIT
    )
    assert (result.payback_low, result.payback_high) == (
        pytest.approx(expected.months_low),
        pytest.approx(expected.months_high),
    )
    assert result.payback_low < result.payback_months < result.payback_high
    assert result.data["payback"] == expected.as_json()
    assert result.data["money"] == {"cost": 12000.0, "running_cost": 100.0}


def test_the_same_data_gives_the_same_figures_each_time(deploying, plan_measure, process_owner):
    (first,) = services.result_evaluate(plan=deploying, actor=process_owner)
    (second,) = services.result_evaluate(
        plan=deploying, actor=process_owner, plan_measure=plan_measure
    )

    assert first.data["result"] == second.data["result"]
    assert Result.objects.count() == 2
    overview = services.results_overview(deploying)
    (outcome,) = overview.measures
    assert (outcome.result, outcome.evaluations) == (second, 2)
    assert outcome.payback_within_target is True  # about 4 months against 6


def test_without_a_value_per_unit_the_payback_is_skipped_and_said_so(
    deploying, plan_measure, process_owner
):
    PlanMeasure.objects.filter(pk=plan_measure.pk).update(value_per_unit=None)

    (result,) = services.result_evaluate(plan=deploying, actor=process_owner)

    assert (result.payback_months, result.monthly_benefit, result.data["payback"]) == (
        None,
        None,
        None,
    )
    assert result.data["payback_note"] == (
        "No value per unit of the measure is given: payback not computed."
    )
    assert result.improved is True


def test_a_missed_plan_target_is_not_met(deploying, plan_measure, process_owner):
    PlanMeasure.objects.filter(pk=plan_measure.pk).update(target_value=8.0)

    (result,) = services.result_evaluate(plan=deploying, actor=process_owner)

    assert result.target_met is False


def test_nothing_is_evaluated_before_the_first_wave_started(deploying, plan_measure, process_owner):
    deploying.waves.update(actual_start=None)
    before = counts()

    with pytest.raises(DeploymentError) as refused:
        services.result_evaluate(plan=deploying, actor=process_owner)

    assert refused.value.message == (
        "No wave has started: the results compare before and after the first wave's start."
    )
    assert counts() == before


def test_nothing_is_evaluated_without_a_deployed_target(deploying, plan_measure, process_owner):
    deploying.targets.update(status=TargetStatus.PREPARING)

    with pytest.raises(DeploymentError) as refused:
        services.result_evaluate(plan=deploying, actor=process_owner)

    assert refused.value.message == (
        "No target is deployed or confirmed yet: there is nothing to evaluate."
    )


def test_a_plan_without_measures_has_nothing_to_evaluate(deploying, process_owner):
    with pytest.raises(DeploymentError) as refused:
        services.result_evaluate(plan=deploying, actor=process_owner)

    assert refused.value.field == "plan_measure"


def test_too_few_observations_are_refused_naming_the_measure(
    deploying, plan_measure, process_owner
):
    deploying.waves.update(actual_start=CHANGE.replace(year=2030))
    before = counts()

    with pytest.raises(DeploymentError) as refused:
        services.result_evaluate(plan=deploying, actor=process_owner)

    assert refused.value.message == (
        "Cycle time cannot be evaluated: The after group has 0 values; at least 2 are needed."
    )
    assert counts() == before


def test_a_measure_of_another_plan_is_refused(deploying, plan_measure, process_owner):
    other = DeploymentPlanFactory(owner=process_owner)
    foreign = PlanMeasure.objects.create(plan=other, measure=plan_measure.measure)

    with pytest.raises(DeploymentError) as refused:
        services.result_evaluate(plan=deploying, actor=process_owner, plan_measure=foreign)

    assert refused.value.field == "plan_measure"


@pytest.mark.parametrize("persona", ["practitioner", "project_manager", "sponsor"])
def test_only_plan_editors_evaluate(deploying, plan_measure, persona, request):
    before = counts()

    with pytest.raises(PermissionDenied):
        services.result_evaluate(plan=deploying, actor=request.getfixturevalue(persona))

    assert counts() == before


# -- lessons, revisions, risks, response time ---------------------------------------------------


def test_a_project_manager_records_a_lesson(deploying, project_manager):
    lesson = services.lesson_add(
        plan=deploying,
        actor=project_manager,
        kind=LessonKind.TO_CHANGE,
        text="  Train the reviewers before the pilot starts.  ",
    )

    assert (lesson.kind, lesson.text, lesson.recorded_by) == (
        "to_change",
        "Train the reviewers before the pilot starts.",
        project_manager,
    )
    assert lesson.history.get().history_user == project_manager
    assert list(services.results_overview(deploying).lessons) == [lesson]


@pytest.mark.parametrize(
    ("kind", "text", "field"),
    [("wisdom", "Something", "kind"), (LessonKind.WENT_WELL, "   ", "text")],
)
def test_a_lesson_needs_a_known_kind_and_a_text(deploying, process_owner, kind, text, field):
    before = counts()

    with pytest.raises(DeploymentError) as refused:
        services.lesson_add(plan=deploying, actor=process_owner, kind=kind, text=text)

    assert refused.value.field == field
    assert counts() == before


def test_a_practitioner_records_no_lesson(deploying, practitioner):
    before = counts()

    with pytest.raises(PermissionDenied):
        services.lesson_add(plan=deploying, actor=practitioner, kind="went_well", text="Fine.")

    assert counts() == before


def test_a_revision_of_an_objective_is_recorded_by_a_plan_editor(deploying, process_owner):
    revision = services.result_revision_add(
        plan=deploying,
        actor=process_owner,
        subject_kind=RevisionSubject.OBJECTIVE,
        subject="Faster delivery QPPO",
        change="Target lowered from 10 to 9 days: the pilot reached 9.3.",
    )

    assert (revision.subject_kind, revision.recorded_by) == ("objective", process_owner)
    assert revision.history.get().history_user == process_owner


@pytest.mark.parametrize("persona", ["practitioner", "project_manager"])
def test_only_plan_editors_record_revisions(deploying, persona, request):
    before = counts()

    with pytest.raises(PermissionDenied):
        services.result_revision_add(
            plan=deploying,
            actor=request.getfixturevalue(persona),
            subject_kind="plan",
            subject="DEP",
            change="More waves.",
        )

    assert counts() == before


def test_a_risk_is_confirmed_mitigated_then_withdrawn(deploying, risks, process_owner):
    work, _ = risks

    services.risk_mitigated_set(risk=work, actor=process_owner, mitigated=True)
    assert services.results_overview(deploying).risks_mitigated == 1
    services.risk_mitigated_set(risk=work, actor=process_owner, mitigated=True)  # no change
    services.risk_mitigated_set(risk=work, actor=process_owner, mitigated=False)

    work.refresh_from_db()
    assert work.mitigated is False
    reasons = [r.history_change_reason for r in work.history.order_by("history_id")]
    assert reasons == [None, "Risk mitigated", "Risk not mitigated"]


def test_a_practitioner_confirms_no_risk(deploying, risks, practitioner):
    before = counts()

    with pytest.raises(PermissionDenied):
        services.risk_mitigated_set(risk=risks[0], actor=practitioner, mitigated=True)

    assert counts() == before


def test_the_response_time_is_recorded_against_its_objective(deploying, process_owner):
    version = deploying.version

    services.response_time_set(plan=deploying, actor=process_owner, days=8)

    deploying.refresh_from_db()
    assert (deploying.response_time_actual_days, deploying.version) == (8, version + 1)
    assert deploying.history.first().history_change_reason == "Response time recorded"
    assert services.results_overview(deploying).response_time_met is True  # 8 within 10


@pytest.mark.parametrize("days", [-1, 4000, 2.5, True])
def test_the_response_time_is_a_whole_number_of_days(deploying, process_owner, days):
    before = counts()

    with pytest.raises(DeploymentError) as refused:
        services.response_time_set(plan=deploying, actor=process_owner, days=days)

    assert refused.value.field == "days"
    assert counts() == before


# -- pages ------------------------------------------------------------------------------------


def urls(plan):
    return {
        "results": reverse("deployments:plan_results", args=[plan.pk]),
        "evaluate": reverse("deployments:result_evaluate", args=[plan.pk]),
        "lesson": reverse("deployments:lesson_add", args=[plan.pk]),
        "revision": reverse("deployments:result_revision_add", args=[plan.pk]),
    }


@pytest.mark.parametrize("page", ["results", "lesson", "revision"])
def test_anonymous_visitors_are_sent_to_sign_in(anonymous, deploying, page):
    response = anonymous.get(urls(deploying)[page])

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_users_without_a_role_are_refused(client_for, outsider, deploying):
    assert client_for(outsider).get(urls(deploying)["results"]).status_code == 403


def test_evaluating_is_post_only(client_for, process_owner, deploying):
    assert client_for(process_owner).get(urls(deploying)["evaluate"]).status_code == 405


def test_a_practitioner_reads_the_results_but_changes_nothing(
    client_for, practitioner, deploying, plan_measure, risks
):
    client = client_for(practitioner)
    before = counts()

    page = client.get(urls(deploying)["results"]).content.decode()
    responses = [
        client.post(urls(deploying)["evaluate"]),
        client.get(urls(deploying)["lesson"]),
        client.post(urls(deploying)["lesson"], {"kind": "went_well", "text": "Fine."}),
        client.get(urls(deploying)["revision"]),
        client.post(
            urls(deploying)["revision"],
            {"subject_kind": "plan", "subject": "x", "change": "y"},
        ),
        client.post(
            urls(deploying)["results"], {"action": "risk", "risk": risks[0].pk, "mitigated": "true"}
        ),
        client.post(urls(deploying)["results"], {"action": "response_time", "days": "3"}),
    ]

    assert "Not evaluated yet." in page
    assert "Evaluate every measure now" not in page
    assert "Record a lesson" not in page
    assert [response.status_code for response in responses] == [403] * 7
    assert counts() == before


def test_the_owner_evaluates_and_reads_the_value_and_the_payback(
    client_for, process_owner, deploying, plan_measure
):
    client = client_for(process_owner)

    evaluated = client.post(urls(deploying)["evaluate"], follow=True)

    page = evaluated.content.decode()
    result = Result.objects.get()
    assert evaluated.redirect_chain == [(urls(deploying)["results"], 302)]
    assert "Evaluated from the stored observations: Cycle time." in page
    assert f"{result.percent_change:+.1f}%" in page
    assert "Improved" in page
    assert "mean after 9.290 against a target of 10" in page
    assert "“Faster delivery”: mean after 9.290 against 10" in page
    assert f"{result.payback_months:.1f} months" in page
    assert "the objective of 6 months" in page
    assert "Within" in page


def test_an_evaluation_the_data_cannot_support_shows_why_with_a_400(
    client_for, process_owner, deploying, plan_measure
):
    deploying.waves.update(actual_start=None)

    response = client_for(process_owner).post(urls(deploying)["evaluate"])

    assert response.status_code == 400
    assert "No wave has started" in response.content.decode()
    assert Result.objects.count() == 0


def test_a_lesson_and_a_revision_are_recorded_through_their_pages(
    client_for, process_owner, deploying
):
    client = client_for(process_owner)

    lesson = client.post(
        urls(deploying)["lesson"],
        {"kind": "surprise", "text": "Reviews found more defects than tests."},
    )
    revision = client.post(
        urls(deploying)["revision"],
        {"subject_kind": "priority", "subject": "Test automation", "change": "Lowered."},
    )
    empty = client.post(urls(deploying)["lesson"], {"kind": "surprise", "text": ""})
    page = client.get(urls(deploying)["results"]).content.decode()

    assert (lesson.status_code, revision.status_code, empty.status_code) == (302, 302, 400)
    assert (Lesson.objects.count(), ResultRevision.objects.count()) == (1, 1)
    assert "Reviews found more defects than tests." in page
    assert "Test automation" in page


def test_a_project_manager_opens_the_lesson_page_but_not_the_revision_page(
    client_for, project_manager, deploying
):
    client = client_for(project_manager)

    assert client.get(urls(deploying)["lesson"]).status_code == 200
    assert client.get(urls(deploying)["revision"]).status_code == 403


def test_risks_and_the_response_time_are_recorded_on_the_results_page(
    client_for, process_owner, deploying, risks
):
    client = client_for(process_owner)
    url = urls(deploying)["results"]

    client.post(url, {"action": "risk", "risk": risks[1].pk, "mitigated": "true"})
    client.post(url, {"action": "response_time", "days": "12"})
    bad = client.post(url, {"action": "response_time", "days": "-3"})
    page = client.get(url).content.decode()

    risks[1].refresh_from_db()
    deploying.refresh_from_db()
    assert risks[1].mitigated is True
    assert deploying.response_time_actual_days == 12
    assert bad.status_code == 400
    assert "1 of 2 risks confirmed as mitigated." in page
    assert "12 days measured; objective 10 days." in page
    assert "Not met" in page


def test_the_results_page_reads_a_fixed_number_of_queries(
    client_for, process_owner, deploying, plan_measure, risks, django_assert_max_num_queries
):
    services.result_evaluate(plan=deploying, actor=process_owner)
    services.lesson_add(plan=deploying, actor=process_owner, kind="went_well", text="One.")
    client = client_for(process_owner)
    url = urls(deploying)["results"]
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    services.result_evaluate(plan=deploying, actor=process_owner)
    for text in ("Two.", "Three."):
        services.lesson_add(plan=deploying, actor=process_owner, kind="surprise", text=text)
        services.result_revision_add(
            plan=deploying, actor=process_owner, subject_kind="plan", subject=text, change=text
        )

    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)
