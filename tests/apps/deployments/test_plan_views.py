"""Deployment plan pages: personas, 403/404/409, forms, exports, sign-off, rows."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from tests.apps.deployments.test_plan_fixtures import (
    counts,
    cycle_time,
    plan,
    proposal,
    sent,
    signers,
    signoff_of,
)
from tests.factories.deployments import TargetFactory, WaveFactory
from uplift.apps.deployments.choices import PlanState, SignOffDecision, TargetStatus
from uplift.apps.deployments.models import BarrierStrategy, DeploymentPlan, PlanRevision
from uplift.apps.deployments.services import plans as services

__all__ = ["cycle_time", "plan", "proposal", "sent", "signers"]  # fixtures used by name

PAGES = [
    "plan_detail",
    "plan_history",
    "plan_revisions",
    "plan_stakeholders",
    "plan_measures",
    "plan_barriers",
    "plan_adjustments",
    "plan_risks",
]
EDIT_PAGES = ["plan_update", "plan_cancel", "plan_signoff_request"]


def url(name: str, *args: Any) -> str:
    return reverse(f"deployments:{name}", args=args)


# -- access ------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(anonymous: Client, plan: DeploymentPlan) -> None:
    for page in [url("plan_list"), url("plan_create"), *(url(n, plan.pk) for n in PAGES)]:
        response = anonymous.get(page)
        assert response.status_code == 302, page
        assert "login" in response["Location"]


def test_a_user_without_a_role_is_refused(
    client_for: Any, outsider: Any, plan: DeploymentPlan
) -> None:
    client = client_for(outsider)
    assert client.get(url("plan_list")).status_code == 403
    for name in PAGES:
        assert client.get(url(name, plan.pk)).status_code == 403, name


@pytest.mark.parametrize("name", PAGES)
def test_a_practitioner_reads_every_plan_page(
    client_for: Any, practitioner: Any, plan: DeploymentPlan, name: str
) -> None:
    response = client_for(practitioner).get(url(name, plan.pk))
    assert response.status_code == 200
    assert plan.title in response.content.decode()


@pytest.mark.parametrize("name", EDIT_PAGES)
def test_a_practitioner_may_not_open_the_edit_pages(
    client_for: Any, practitioner: Any, plan: DeploymentPlan, name: str
) -> None:
    assert client_for(practitioner).get(url(name, plan.pk)).status_code == 403


def test_a_practitioner_cannot_change_anything_by_posting(
    client_for: Any, practitioner: Any, plan: DeploymentPlan
) -> None:
    client = client_for(practitioner)
    before = counts()
    responses = [
        client.post(url("plan_update", plan.pk), {"title": "Mine", "version": plan.version}),
        client.post(url("plan_cancel", plan.pk), {"reason": "No"}),
        client.post(url("plan_barriers", plan.pk), {"action": "add", "barrier": "X"}),
        client.post(url("plan_create"), {"title": "New"}),
    ]
    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    assert counts() == before


def test_an_unknown_plan_is_a_404(client_for: Any, practitioner: Any, db: None) -> None:
    client = client_for(practitioner)
    for name in PAGES:
        assert client.get(url(name, 999)).status_code == 404, name


def test_the_sub_navigation_lists_the_deployment_pages(
    client_for: Any, practitioner: Any, db: None
) -> None:
    html = client_for(practitioner).get(url("plan_list")).content.decode()
    assert f'href="{url("plan_list")}" aria-current="page">Plans<' in html


# -- list and exports ----------------------------------------------------------------------------


def test_the_list_shows_plans_with_their_counts_and_filters(
    client_for: Any, practitioner: Any, plan: DeploymentPlan
) -> None:
    TargetFactory(plan=plan, status=TargetStatus.CONFIRMED)
    TargetFactory(plan=plan)
    TargetFactory(plan=plan, excluded=True, reason="Ends next month")
    WaveFactory(plan=plan)
    client = client_for(practitioner)
    response = client.get(url("plan_list"))
    assert response.status_code == 200
    row = response.context["page_obj"].object_list[0]
    assert (row.target_count, row.confirmed_count, row.wave_count) == (2, 1, 1)
    assert (
        client.get(url("plan_list"), {"state": "agreed"}).context["page_obj"].paginator.count == 0
    )
    found = client.get(url("plan_list"), {"q": plan.reference}).context["page_obj"]
    assert found.paginator.count == 1
    owner = client.get(url("plan_list"), {"owner": plan.owner.username})
    assert owner.context["page_obj"].paginator.count == 1
    assert client.get(url("plan_list"), {"state": "bogus"}).status_code == 400
    assert client.get(url("plan_list"), {"sort": "nope"}).status_code == 400


def test_the_list_exports_csv_and_xlsx(
    client_for: Any, practitioner: Any, plan: DeploymentPlan
) -> None:
    client = client_for(practitioner)
    response = client.get(url("plan_list"), {"export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    assert text.splitlines()[0].startswith("Reference,Title,State")
    assert plan.reference in text
    response = client.get(url("plan_list"), {"export": "xlsx"})
    assert response["Content-Disposition"] == 'attachment; filename="deployment-plans.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    assert sheet["A2"].value == plan.reference
    assert sheet["B2"].value == "Deploy peer reviews"


def test_the_list_shows_the_sign_offs_waiting_for_the_user(
    client_for: Any, sponsor: Any, sent: DeploymentPlan
) -> None:
    response = client_for(sponsor).get(url("plan_list"))
    assert [row.plan_id for row in response.context["waiting"]] == [sent.pk]


# -- create and edit -------------------------------------------------------------------------------


def test_a_process_owner_writes_a_plan_for_a_preselected_proposal(
    client_for: Any, process_owner: Any, proposal: Any
) -> None:
    client = client_for(process_owner)
    page = client.get(url("plan_create"), {"proposal": proposal.pk})
    assert page.context["form"].initial["proposals"] == [proposal.pk]
    response = client.post(
        url("plan_create"),
        {
            "title": "Deploy peer reviews",
            "owner": process_owner.pk,
            "proposals": [proposal.pk],
            "planned_start": "2026-01-05",
            "planned_end": "2026-06-26",
            "payback_target_months": "9",
        },
    )
    plan = DeploymentPlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("plan_detail", plan.pk)
    assert plan.payback_target_months == 9
    assert BarrierStrategy.objects.filter(plan=plan).count() == 2


def test_a_refused_create_shows_the_error_on_the_form(
    client_for: Any, process_owner: Any, proposal: Any
) -> None:
    response = client_for(process_owner).post(
        url("plan_create"),
        {
            "title": "Backwards",
            "owner": process_owner.pk,
            "proposals": [proposal.pk],
            "planned_start": "2026-06-01",
            "planned_end": "2026-01-01",
        },
    )
    assert response.status_code == 400
    assert "planned_end" in response.context["form"].errors
    assert not DeploymentPlan.objects.exists()


def _edit_data(plan: DeploymentPlan, **changes: Any) -> dict[str, Any]:
    data = {
        "title": plan.title,
        "owner": plan.owner_id,
        "proposals": [p.pk for p in plan.proposals.all()],
        "adjustment": plan.adjustment,
        "planned_start": plan.planned_start.isoformat() if plan.planned_start else "",
        "planned_end": plan.planned_end.isoformat() if plan.planned_end else "",
        "version": plan.version,
    }
    data.update(changes)
    return data


def test_editing_after_sign_off_was_asked_makes_a_new_revision(
    client_for: Any, process_owner: Any, sent: DeploymentPlan
) -> None:
    response = client_for(process_owner).post(
        url("plan_update", sent.pk),
        _edit_data(sent, schedule_notes="Pilot in May", reason="Tool late"),
        follow=True,
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "A new revision 2 was made; agreement has been asked again from Helen and Rajiv" in text
    sent.refresh_from_db()
    assert sent.revision == 2


def test_a_stale_edit_is_a_409_that_keeps_the_input(
    client_for: Any, process_owner: Any, plan: DeploymentPlan
) -> None:
    client = client_for(process_owner)
    stale = _edit_data(plan, schedule_notes="Mine")
    client.post(url("plan_update", plan.pk), _edit_data(plan, schedule_notes="Theirs"))
    before = counts()
    response = client.post(url("plan_update", plan.pk), stale)
    assert response.status_code == 409
    assert "Nothing was saved" in response.content.decode()
    assert response.context["form"]["schedule_notes"].value() == "Mine"
    assert counts() == before


def test_cancel_needs_a_reason(client_for: Any, process_owner: Any, plan: DeploymentPlan) -> None:
    client = client_for(process_owner)
    assert client.post(url("plan_cancel", plan.pk), {"reason": ""}).status_code == 400
    response = client.post(url("plan_cancel", plan.pk), {"reason": "Withdrawn"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.state == PlanState.CANCELLED
    assert client.get(url("plan_update", plan.pk)).status_code == 403


# -- sign-off --------------------------------------------------------------------------------------


def test_the_owner_asks_the_stakeholders_for_sign_off(
    client_for: Any, process_owner: Any, plan: DeploymentPlan, signers: list[Any]
) -> None:
    client = client_for(process_owner)
    page = client.get(url("plan_signoff_request", plan.pk))
    assert set(page.context["form"].initial["stakeholders"]) == {str(u.pk) for u in signers}
    response = client.post(
        url("plan_signoff_request", plan.pk), {"stakeholders": [str(u.pk) for u in signers]}
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.state == PlanState.IN_REVIEW


def test_the_named_stakeholder_agrees_from_the_plan_page(
    client_for: Any, sponsor: Any, sent: DeploymentPlan
) -> None:
    client = client_for(sponsor)
    page = client.get(url("plan_detail", sent.pk))
    mine = page.context["my_signoff"]
    assert mine is not None
    response = client.post(
        url("plan_signoff_decide", sent.pk, mine.signoff_id), {"decision": "agreed"}
    )
    assert response.status_code == 302
    assert signoff_of(sent, sponsor).decision == SignOffDecision.AGREED


def test_another_stakeholder_may_not_decide_someone_elses_sign_off(
    client_for: Any, steering: Any, sponsor: Any, sent: DeploymentPlan
) -> None:
    signoff = signoff_of(sent, sponsor)
    client = client_for(steering)
    before = counts()
    assert client.get(url("plan_signoff_decide", sent.pk, signoff.pk)).status_code == 403
    response = client.post(url("plan_signoff_decide", sent.pk, signoff.pk), {"decision": "agreed"})
    assert response.status_code == 403
    assert counts() == before


def test_a_practitioner_may_not_decide_and_nothing_changes(
    client_for: Any, practitioner: Any, sponsor: Any, sent: DeploymentPlan
) -> None:
    signoff = signoff_of(sent, sponsor)
    before = counts()
    response = client_for(practitioner).post(
        url("plan_signoff_decide", sent.pk, signoff.pk), {"decision": "agreed"}
    )
    assert response.status_code == 403
    assert counts() == before


def test_an_objection_without_a_comment_is_a_400(
    client_for: Any, sponsor: Any, sent: DeploymentPlan
) -> None:
    signoff = signoff_of(sent, sponsor)
    response = client_for(sponsor).post(
        url("plan_signoff_decide", sent.pk, signoff.pk), {"decision": "objected", "comment": ""}
    )
    assert response.status_code == 400
    assert "comment" in response.context["form"].errors
    assert signoff_of(sent, sponsor).decision == SignOffDecision.PENDING


def test_a_sign_off_of_another_plan_is_a_404(
    client_for: Any, sponsor: Any, sent: DeploymentPlan, process_owner: Any, proposal: Any
) -> None:
    other = services.plan_create(actor=process_owner, title="Other", proposals=[proposal])
    signoff = signoff_of(sent, sponsor)
    assert (
        client_for(sponsor).get(url("plan_signoff_decide", other.pk, signoff.pk)).status_code == 404
    )


# -- revisions, history, rows ----------------------------------------------------------------------


def test_the_revisions_page_compares_two_revisions(
    client_for: Any, process_owner: Any, practitioner: Any, sent: DeploymentPlan
) -> None:
    client_for(process_owner).post(
        url("plan_barriers", sent.pk), {"action": "add", "barrier": "Licences", "strategy": "Buy"}
    )
    client = client_for(practitioner)
    response = client.get(url("plan_revisions", sent.pk), {"older": 1, "newer": 2})
    assert response.status_code == 200
    assert response.context["changed_count"] == 1
    assert "+ Licences → Buy" in response.content.decode()
    assert client.get(url("plan_revisions", sent.pk), {"older": 1, "newer": 9}).status_code == 400


def test_the_history_lists_plan_and_row_changes(
    client_for: Any, practitioner: Any, sent: DeploymentPlan
) -> None:
    response = client_for(practitioner).get(url("plan_history", sent.pk))
    subjects = {entry.subject for entry in response.context["entries"]}
    assert {"Plan", "Sign-off of revision 1"} <= subjects
    assert any(subject.startswith("Barrier: ") for subject in subjects)


def test_barrier_strategies_are_edited_in_the_list(
    client_for: Any, process_owner: Any, plan: DeploymentPlan
) -> None:
    barrier = BarrierStrategy.objects.filter(plan=plan).first()
    assert barrier is not None
    response = client_for(process_owner).post(
        url("plan_barriers", plan.pk),
        {
            "action": "update",
            "row": barrier.pk,
            f"row{barrier.pk}-barrier": barrier.barrier,
            f"row{barrier.pk}-strategy": "Two hours a week for reviews.",
        },
    )
    assert response.status_code == 302
    barrier.refresh_from_db()
    assert barrier.strategy == "Two hours a week for reviews."


def test_rows_are_added_and_removed(
    client_for: Any, process_owner: Any, plan: DeploymentPlan
) -> None:
    client = client_for(process_owner)
    response = client.post(
        url("plan_risks", plan.pk),
        {"action": "add", "risk_type": "work", "description": "Late integration defects"},
    )
    assert response.status_code == 302
    risk = plan.mitigated_risks.get()
    assert client.post(url("plan_risks", plan.pk), {"action": "add"}).status_code == 400
    response = client.post(url("plan_risks", plan.pk), {"action": "remove", "row": risk.pk})
    assert response.status_code == 302
    assert not plan.mitigated_risks.exists()
    assert (
        client.post(url("plan_risks", plan.pk), {"action": "remove", "row": 999}).status_code == 404
    )


def test_a_required_stakeholder_who_may_not_sign_off_is_refused_on_the_form(
    client_for: Any, process_owner: Any, practitioner: Any, plan: DeploymentPlan
) -> None:
    response = client_for(process_owner).post(
        url("plan_stakeholders", plan.pk),
        {"action": "add", "user": practitioner.pk, "kind": "target_group", "required": "on"},
    )
    assert response.status_code == 400
    assert "user" in response.context["form"].errors
    assert not plan.stakeholders.exists()


# -- the plan page is cheap ---------------------------------------------------------------


def test_the_plan_page_takes_the_same_queries_however_many_targets(
    client_for: Any,
    practitioner: Any,
    sent: DeploymentPlan,
    django_assert_max_num_queries: Any,
) -> None:
    client = client_for(practitioner)
    wave = WaveFactory(plan=sent, number=1)
    TargetFactory(plan=sent, wave=wave)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url("plan_detail", sent.pk)).status_code == 200
    for _ in range(30):
        TargetFactory(plan=sent, wave=wave, status=TargetStatus.DEPLOYED)
    WaveFactory(plan=sent, number=2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url("plan_detail", sent.pk))
    assert response.context["overview"].target_counts["deployed"] == 30
    assert PlanRevision.objects.filter(plan=sent).count() == 1
