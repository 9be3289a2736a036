"""Wave and gate pages: access by persona, forms, errors, conflicts, exports."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.apps.deployments import test_wave_fixtures
from tests.apps.deployments.test_wave_fixtures import make_target, make_wave
from tests.apps.measurements.fixtures_h import make_measure
from uplift.apps.deployments.choices import (
    GateCriterionKind,
    PlanState,
    TargetStatus,
    WaveState,
)
from uplift.apps.deployments.models import GateCriterion, GateEvaluation, Target, Wave
from uplift.apps.deployments.services import waves as services

pytestmark = pytest.mark.django_db

plan = test_wave_fixtures.plan

D = dt.date


def _url(name, *args):
    return reverse(f"deployments:{name}", args=args)


@pytest.fixture
def waves(plan):
    """Pilot (running since 2024-03-11, Alpha deployed) and wave 2 (planned, Charlie 60 %
    trained, a training gate of 80 %)."""
    pilot = make_wave(plan, 1, name="Pilot", state=WaveState.RUNNING, actual_start=D(2024, 3, 11))
    second = make_wave(plan, 2, name="Wave 2")
    make_target(plan, "Alpha", wave=pilot, status=TargetStatus.DEPLOYED)
    make_target(plan, "Charlie", wave=second, training_percent=60)
    GateCriterion.objects.create(
        wave=second,
        kind=GateCriterionKind.TRAINING_COMPLETION,
        threshold=80,
        description="No target below 80 % training",
    )
    return pilot, second


# -- access ----------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, waves):
    pilot, second = waves

    for path in (_url("plan_waves", pilot.plan_id), _url("wave_detail", second.pk)):
        response = client.get(path)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_an_outsider_may_not_read_the_waves(client_for, outsider, waves):
    pilot, second = waves
    client = client_for(outsider)

    assert client.get(_url("plan_waves", pilot.plan_id)).status_code == 403
    assert client.get(_url("wave_detail", second.pk)).status_code == 403


def test_a_practitioner_reads_the_waves_but_changes_nothing(client_for, practitioner, waves):
    pilot, second = waves
    client = client_for(practitioner)

    listing = client.get(_url("plan_waves", pilot.plan_id))
    detail = client.get(_url("wave_detail", second.pk))

    assert listing.status_code == 200
    assert detail.status_code == 200
    assert b"New wave" not in listing.content
    assert b"Start wave 2" not in detail.content
    assert b"Override the gate" not in detail.content
    for name, args in [
        ("wave_create", (pilot.plan_id,)),
        ("wave_update", (second.pk,)),
        ("wave_assign", (second.pk,)),
        ("gate_criterion_add", (second.pk,)),
        ("gate_override", (second.pk,)),
    ]:
        assert client.get(_url(name, *args)).status_code == 403, name
    for name in ("wave_start", "wave_finish", "gate_evaluate", "wave_delete"):
        assert client.post(_url(name, second.pk)).status_code == 403, name
    assert Wave.objects.filter(state=WaveState.PLANNED).count() == 1
    assert not GateEvaluation.objects.exists()


def test_unknown_plans_waves_and_criteria_are_404(client_for, process_owner):
    client = client_for(process_owner)

    assert client.get(_url("plan_waves", 999)).status_code == 404
    assert client.get(_url("wave_detail", 999)).status_code == 404
    assert client.post(_url("gate_manual", 999)).status_code == 404


# -- the list --------------------------------------------------------------------------


def test_the_list_shows_planned_against_actual_and_the_gate(client_for, process_owner, waves):
    pilot, _ = waves

    response = client_for(process_owner).get(_url("plan_waves", pilot.plan_id))

    html = response.content.decode()
    assert response.status_code == 200
    assert "1. Pilot" in html
    assert "2. Wave 2" in html
    assert "1 of 1 deployed" in html
    assert "Not evaluated" in html
    assert "Behind it (started)" in html
    assert "665 days early" in html  # the pilot started 2024-03-11, planned for 2026-01-05


def test_the_list_filters_by_state_and_refuses_an_unknown_sort(client_for, process_owner, waves):
    pilot, _ = waves
    client = client_for(process_owner)

    filtered = client.get(_url("plan_waves", pilot.plan_id), {"state": "running"})
    bad = client.get(_url("plan_waves", pilot.plan_id), {"sort": "colour"})

    assert [row.name for row in filtered.context["rows"]] == ["Pilot"]
    assert bad.status_code == 400


def test_the_waves_export_as_csv_and_xlsx(client_for, process_owner, waves):
    pilot, _ = waves
    client = client_for(process_owner)

    csv_response = client.get(_url("plan_waves", pilot.plan_id), {"export": "csv"})
    xlsx = client.get(_url("plan_waves", pilot.plan_id), {"export": "xlsx"})

    lines = b"".join(csv_response.streaming_content).decode().splitlines()
    assert lines[0].startswith("Plan,Number,Name,Kind,State,Planned start")
    assert lines[1].split(",")[1:5] == ["1", "Pilot", "Wave", "Running"]
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [cell.value for cell in sheet[3]][1:3] == [2, "Wave 2"]
    assert sheet.cell(row=3, column=14).value == "Not evaluated"


def test_a_plan_without_waves_says_how_to_start(client_for, process_owner, plan):
    response = client_for(process_owner).get(_url("plan_waves", plan.pk))

    assert b"No waves yet." in response.content
    assert b"Add the first wave" in response.content


# -- create, edit, delete --------------------------------------------------------------


def test_a_plan_editor_adds_a_wave(client_for, process_owner, plan):
    response = client_for(process_owner).post(
        _url("wave_create", plan.pk),
        {
            "name": "Pilot",
            "kind": "pilot",
            "planned_start": "2026-01-05",
            "planned_end": "2026-03-27",
        },
    )

    wave = Wave.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("wave_detail", wave.pk)
    assert (wave.number, wave.name, wave.planned_end) == (1, "Pilot", D(2026, 3, 27))


def test_a_wave_ending_before_it_starts_shows_on_the_form(client_for, process_owner, plan):
    response = client_for(process_owner).post(
        _url("wave_create", plan.pk),
        {
            "name": "Pilot",
            "kind": "pilot",
            "planned_start": "2026-03-05",
            "planned_end": "2026-01-27",
        },
    )

    assert response.status_code == 400
    assert response.context["form"].errors["planned_end"] == [
        "The wave ends (2026-01-27) before it starts (2026-03-05)."
    ]
    assert not Wave.objects.exists()


def test_a_project_manager_adds_no_wave(client_for, project_manager, plan):
    response = client_for(project_manager).post(
        _url("wave_create", plan.pk),
        {
            "name": "Pilot",
            "kind": "pilot",
            "planned_start": "2026-01-05",
            "planned_end": "2026-03-27",
        },
    )

    assert response.status_code == 403
    assert not Wave.objects.exists()


def test_a_stale_edit_is_a_conflict_that_keeps_the_input(client_for, process_owner, waves):
    _, second = waves
    Wave.objects.filter(pk=second.pk).update(version=5)

    response = client_for(process_owner).post(
        _url("wave_update", second.pk),
        {
            "name": "Wave 2 (renamed)",
            "kind": "wave",
            "planned_start": "2026-04-01",
            "planned_end": "2026-06-30",
            "version": "1",
            "reason": "",
        },
    )

    second.refresh_from_db()
    assert response.status_code == 409
    assert "you started from 1" in response.content.decode()
    assert response.context["form"]["name"].value() == "Wave 2 (renamed)"
    assert second.name == "Wave 2"


def test_an_edit_saves_and_redirects(client_for, process_owner, waves):
    _, second = waves

    response = client_for(process_owner).post(
        _url("wave_update", second.pk),
        {
            "name": "Wave 2 (renamed)",
            "kind": "wave",
            "planned_start": "2026-04-01",
            "planned_end": "2026-06-30",
            "version": "1",
            "reason": "Renamed for the steering committee.",
        },
    )

    second.refresh_from_db()
    assert response.status_code == 302
    assert (second.name, second.version) == ("Wave 2 (renamed)", 2)


def test_deleting_a_started_wave_is_refused_on_the_wave_page(client_for, process_owner, waves):
    pilot, second = waves
    client = client_for(process_owner)

    refused = client.post(_url("wave_delete", pilot.pk))
    deleted = client.post(_url("wave_delete", second.pk))

    assert refused.status_code == 400
    assert "has started: its record stays" in refused.content.decode()
    assert deleted.status_code == 302
    assert list(Wave.objects.values_list("name", flat=True)) == ["Pilot"]


# -- targets and criteria --------------------------------------------------------------


def test_ticking_targets_makes_them_the_waves(client_for, process_owner, waves):
    _, second = waves
    beta = make_target(second.plan, "Beta")
    charlie = Target.objects.get(work_activity__name="Charlie")

    response = client_for(process_owner).post(
        _url("wave_assign", second.pk), {"targets": [str(beta.pk)]}
    )

    assert response.status_code == 302
    assert list(second.targets.values_list("work_activity__name", flat=True)) == ["Beta"]
    assert Target.objects.get(pk=charlie.pk).wave is None


def test_moving_a_deployed_target_out_of_its_started_wave_shows_the_reason(
    client_for, process_owner, waves
):
    _, second = waves
    alpha = Target.objects.get(work_activity__name="Alpha")

    response = client_for(process_owner).post(
        _url("wave_assign", second.pk), {"targets": [str(alpha.pk)]}
    )

    assert response.status_code == 400
    assert "Alpha is deployed in Wave 1" in response.content.decode()


def test_a_criterion_is_added_with_its_confidence_in_percent(client_for, process_owner, waves):
    _, second = waves
    measure = make_measure("cycle-time")

    response = client_for(process_owner).post(
        _url("gate_criterion_add", second.pk),
        {
            "kind": GateCriterionKind.MEASURE_IMPROVED,
            "measure": str(measure.pk),
            "threshold": "10",
            "confidence": "90",
            "description": "",
        },
    )

    assert response.status_code == 302
    criterion = GateCriterion.objects.get(kind=GateCriterionKind.MEASURE_IMPROVED)
    assert (criterion.threshold, criterion.confidence) == (10.0, 0.9)


def test_a_criterion_without_its_measure_shows_on_the_form(client_for, process_owner, waves):
    _, second = waves

    response = client_for(process_owner).post(
        _url("gate_criterion_add", second.pk),
        {"kind": GateCriterionKind.MEASURE_IMPROVED, "threshold": "10", "confidence": "90"},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["measure"] == ["Choose the measure that is to improve."]


def test_a_manual_check_and_a_removal_are_posted_from_the_wave_page(
    client_for, process_owner, waves
):
    _, second = waves
    manual = GateCriterion.objects.create(
        wave=second, kind=GateCriterionKind.MANUAL, description="Checklist written"
    )
    client = client_for(process_owner)

    checked = client.post(_url("gate_manual", manual.pk), {"met": "yes"})
    removed = client.post(_url("gate_criterion_remove", manual.pk))

    assert (checked.status_code, removed.status_code) == (302, 302)
    assert not GateCriterion.objects.filter(pk=manual.pk).exists()


def test_setting_an_evaluated_criterion_by_hand_is_refused_on_the_wave_page(
    client_for, process_owner, waves
):
    _, second = waves
    criterion = second.criteria.get()

    response = client_for(process_owner).post(_url("gate_manual", criterion.pk), {"met": "yes"})

    assert response.status_code == 400
    assert "Only a criterion checked by a person is set by hand" in response.content.decode()


# -- evaluate, override, start, finish -------------------------------------------------


def test_evaluating_shows_the_failed_criterion_on_the_wave_page(client_for, sponsor, waves):
    _, second = waves
    client = client_for(sponsor)

    response = client.post(_url("gate_evaluate", second.pk), follow=True)

    html = response.content.decode()
    assert response.status_code == 200
    assert "The gate has not passed: 1 criterion not met" in html
    assert "1 target below 80 % training: Charlie (60 %)." in html
    assert GateEvaluation.objects.filter(wave=second, passed=False, evaluated_by=sponsor).exists()


@pytest.mark.parametrize("persona", ["practitioner", "project_manager", "process_owner"])
def test_people_without_the_override_permission_cannot_override(
    client_for, persona, request, waves
):
    _, second = waves
    client = client_for(request.getfixturevalue(persona))

    page = client.get(_url("gate_override", second.pk))
    posted = client.post(_url("gate_override", second.pk), {"reason": "We are late."})

    second.refresh_from_db()
    assert (page.status_code, posted.status_code) == (403, 403)
    assert (second.override_at, second.version, second.history.count()) == (None, 1, 1)


def test_an_override_needs_a_reason_then_lets_the_wave_start(
    client_for, sponsor, process_owner, waves
):
    _, second = waves
    sponsor_client = client_for(sponsor)

    empty = sponsor_client.post(_url("gate_override", second.pk), {"reason": " "})
    done = sponsor_client.post(
        _url("gate_override", second.pk), {"reason": "Charlie trains in week one."}
    )
    started = client_for(process_owner).post(
        _url("wave_start", second.pk), {"on": "2024-06-03"}, follow=True
    )

    second.refresh_from_db()
    html = started.content.decode()
    assert empty.status_code == 400
    assert done.status_code == 302
    assert second.state == WaveState.RUNNING
    assert "Wave 2 “Wave 2” started on 2024-06-03." in html
    assert "overrode it: Charlie trains in week one." in html


def test_a_refused_start_shows_why_on_the_wave_page(client_for, process_owner, waves):
    _, second = waves

    response = client_for(process_owner).post(_url("wave_start", second.pk), {"on": ""})

    html = response.content.decode()
    assert response.status_code == 400
    assert "The gate of Wave 2 “Wave 2” has not passed" in html
    assert Wave.objects.get(pk=second.pk).state == WaveState.PLANNED
    assert GateEvaluation.objects.filter(wave=second).count() == 1  # kept: the gate's record


def test_starting_the_first_wave_of_an_agreed_plan_moves_it_to_deploying(
    client_for, process_group_member, plan
):
    wave = make_wave(plan, 1, name="Pilot")

    response = client_for(process_group_member).post(
        _url("wave_start", wave.pk), {"on": "2026-01-05"}, follow=True
    )

    plan.refresh_from_db()
    html = response.content.decode()
    assert plan.state == PlanState.DEPLOYING
    assert f"{plan.reference} is now deploying." in html
    assert f"{plan.proposals.get().reference} is now deploying." in html


def test_a_wave_with_targets_not_done_does_not_finish(client_for, process_owner, waves):
    pilot, _ = waves
    make_target(pilot.plan, "Bravo", wave=pilot, status=TargetStatus.PREPARING)
    client = client_for(process_owner)

    refused = client.post(_url("wave_finish", pilot.pk), {"on": ""})
    Target.objects.filter(work_activity__name="Bravo").update(status=TargetStatus.DEPLOYED)
    finished = client.post(_url("wave_finish", pilot.pk), {"on": "2024-06-01"})

    assert refused.status_code == 400
    assert "1 target of Wave 1 “Pilot” is not done yet: Bravo (preparing)." in (
        refused.content.decode()
    )
    assert finished.status_code == 302
    assert Wave.objects.get(pk=pilot.pk).actual_end == D(2024, 6, 1)


def test_the_wave_page_shows_the_gate_the_override_and_the_history(
    client_for, practitioner, sponsor, waves
):
    _, second = waves
    services.gate_evaluate(wave=second, actor=sponsor)
    services.gate_override(wave=second, actor=sponsor, reason="Worth a quarter.")

    html = client_for(practitioner).get(_url("wave_detail", second.pk)).content.decode()

    assert "Entry gate:\n    overridden" in html
    assert "Worth a quarter." in html
    assert "No target below 80 % training" in html
    assert "Gate evaluations (1)" in html
    assert "Charlie" in html
