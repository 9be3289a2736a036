"""Deployment plan services: create, revisions, sign-off, cancel, child rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from tests.apps.deployments.test_plan_fixtures import (
    counts,
    cycle_time,
    plan,
    proposal,
    sent,
    signers,
    signoff_of,
)
from tests.apps.measurements.fixtures_h import add_series, make_measure
from tests.factories.deployments import TargetFactory, WaveFactory
from tests.factories.improvements import ProposalFactory
from uplift.apps.deployments.choices import (
    PlanState,
    RiskType,
    SignOffDecision,
    StakeholderKind,
)
from uplift.apps.deployments.errors import ConflictError, DeploymentError
from uplift.apps.deployments.models import (
    BarrierStrategy,
    DeploymentPlan,
    PlanMeasure,
    PlanRevision,
    SignOff,
)
from uplift.apps.deployments.services import plans as services
from uplift.apps.improvements.choices import ProposalState

__all__ = ["cycle_time", "plan", "proposal", "sent", "signers"]  # fixtures used by name


# -- create ----------------------------------------------------------------------------------


def test_create_writes_a_draft_at_revision_one_with_its_snapshot(plan: DeploymentPlan) -> None:
    assert plan.state == PlanState.DRAFT
    assert (plan.revision, plan.version) == (1, 1)
    revision = PlanRevision.objects.get(plan=plan)
    assert revision.number == 1
    assert revision.snapshot["title"] == "Deploy peer reviews"
    assert revision.snapshot["planned_start"] == "2026-01-05"
    assert revision.snapshot["proposals"][0]["title"] == "Peer reviews"


def test_create_prefills_barriers_from_the_proposals_one_per_line(plan: DeploymentPlan) -> None:
    assert list(BarrierStrategy.objects.filter(plan=plan).values_list("barrier", "strategy")) == [
        ("Teams lack time for reviews", ""),
        ("Reviewers need training", ""),
    ]


def test_create_prefills_a_measure_per_expected_benefit_with_the_baseline_now(
    plan: DeploymentPlan,
) -> None:
    measure = PlanMeasure.objects.get(plan=plan)
    assert measure.measure.slug == "cycle-time"
    assert measure.baseline_value == pytest.approx(13.0)
    assert measure.target_value == pytest.approx(10.4)  # 20 % lower
    assert measure.due == dt.date(2026, 12, 31)
    assert measure.baseline_at is not None


def test_a_practitioner_may_not_create_a_plan(practitioner: Any, proposal: Any) -> None:
    before = counts()
    with pytest.raises(PermissionDenied):
        services.plan_create(actor=practitioner, title="Mine", proposals=[proposal])
    assert counts() == before


def test_create_refuses_a_proposal_not_selected(process_owner: Any, cycle_time: Any) -> None:
    submitted = ProposalFactory(state=ProposalState.SUBMITTED)
    with pytest.raises(DeploymentError) as error:
        services.plan_create(actor=process_owner, title="Too early", proposals=[submitted])
    assert error.value.field == "proposals"
    assert "submitted" in error.value.message
    assert not DeploymentPlan.objects.exists()


def test_create_accepts_a_proposal_still_being_validated(process_owner: Any) -> None:
    validating = ProposalFactory(state=ProposalState.VALIDATING)
    plan = services.plan_create(actor=process_owner, title="Early", proposals=[validating])
    assert list(plan.proposals.all()) == [validating]


def test_create_refuses_an_end_before_the_start(process_owner: Any, proposal: Any) -> None:
    with pytest.raises(DeploymentError) as error:
        services.plan_create(
            actor=process_owner,
            title="Backwards",
            proposals=[proposal],
            planned_start=dt.date(2026, 5, 1),
            planned_end=dt.date(2026, 4, 1),
        )
    assert error.value.field == "planned_end"


def test_create_refuses_an_owner_who_may_not_plan(
    process_owner: Any, practitioner: Any, proposal: Any
) -> None:
    with pytest.raises(DeploymentError) as error:
        services.plan_create(
            actor=process_owner, title="X", proposals=[proposal], owner=practitioner
        )
    assert error.value.field == "owner"


# -- revisions -------------------------------------------------------------------------------


def test_a_draft_is_edited_in_place(plan: DeploymentPlan, process_owner: Any) -> None:
    services.plan_update(plan=plan, actor=process_owner, schedule_notes="Pilot in Q1.")
    services.plan_update(plan=plan, actor=process_owner, schedule_notes="Pilot in Q2.")
    assert plan.revision == 1
    assert plan.version == 3
    revision = PlanRevision.objects.get(plan=plan)
    assert revision.snapshot["schedule_notes"] == "Pilot in Q2."


def test_a_change_after_sign_off_was_asked_makes_a_new_revision_and_asks_again(
    sent: DeploymentPlan, process_owner: Any, sponsor: Any, steering: Any
) -> None:
    services.plan_signoff_decide(
        signoff=signoff_of(sent, sponsor), actor=sponsor, decision=SignOffDecision.AGREED
    )
    services.plan_update(
        plan=sent, actor=process_owner, schedule_notes="Pilot moved to May.", reason="Late tool"
    )
    assert sent.revision == 2
    assert sent.state == PlanState.IN_REVIEW
    old = dict(SignOff.objects.filter(plan=sent, revision=1).values_list("stakeholder", "decision"))
    assert old == {sponsor.pk: SignOffDecision.AGREED, steering.pk: SignOffDecision.SUPERSEDED}
    new = SignOff.objects.filter(plan=sent, revision=2)
    assert {s.stakeholder_id for s in new} == {sponsor.pk, steering.pk}
    assert {s.decision for s in new} == {SignOffDecision.PENDING}
    kept = PlanRevision.objects.get(plan=sent, number=1)
    assert kept.snapshot["schedule_notes"] == ""
    newest = PlanRevision.objects.get(plan=sent, number=2)
    assert newest.snapshot["schedule_notes"] == "Pilot moved to May."
    assert newest.reason == "Late tool"


def test_changing_only_the_owner_makes_no_revision(
    sent: DeploymentPlan, process_owner: Any, process_group_member: Any
) -> None:
    services.plan_update(plan=sent, actor=process_owner, owner=process_group_member)
    assert sent.revision == 1
    assert sent.owner_id == process_group_member.pk
    assert not SignOff.objects.filter(decision=SignOffDecision.SUPERSEDED).exists()


def test_an_unchanged_save_writes_nothing(sent: DeploymentPlan, process_owner: Any) -> None:
    before = counts()
    version = sent.version
    services.plan_update(
        plan=sent, actor=process_owner, title=sent.title, adjustment=sent.adjustment
    )
    assert sent.version == version
    assert counts() == before


def test_an_edit_from_a_stale_version_is_a_conflict_and_changes_nothing(
    plan: DeploymentPlan, process_owner: Any
) -> None:
    stale = plan.version
    services.plan_update(plan=plan, actor=process_owner, schedule_notes="First")
    before = counts()
    with pytest.raises(ConflictError):
        services.plan_update(
            plan=plan, actor=process_owner, expected_version=stale, schedule_notes="Second"
        )
    assert counts() == before
    plan.refresh_from_db()
    assert plan.schedule_notes == "First"


def test_a_practitioner_may_not_edit_a_plan(plan: DeploymentPlan, practitioner: Any) -> None:
    before = counts()
    with pytest.raises(PermissionDenied):
        services.plan_update(plan=plan, actor=practitioner, title="Mine now")
    assert counts() == before


def test_a_child_row_change_after_sign_off_makes_a_new_revision(
    sent: DeploymentPlan, process_owner: Any
) -> None:
    barrier = BarrierStrategy.objects.filter(plan=sent).first()
    assert barrier is not None
    services.barrier_update(barrier=barrier, actor=process_owner, strategy="Two hours a week.")
    sent.refresh_from_db()
    assert sent.revision == 2
    snapshot = PlanRevision.objects.get(plan=sent, number=2).snapshot
    assert snapshot["barriers"][0]["strategy"] == "Two hours a week."


def test_the_hook_makes_one_revision_for_one_change_however_often_it_is_called(
    sent: DeploymentPlan, process_owner: Any
) -> None:
    TargetFactory(plan=sent)
    services.plan_content_changed(plan=sent, actor=process_owner, reason="Target added")
    services.plan_content_changed(plan=sent, actor=process_owner, reason="Target added")
    assert sent.revision == 2
    assert PlanRevision.objects.filter(plan=sent).count() == 2
    assert SignOff.objects.filter(plan=sent, revision=2).count() == 2


def test_the_hook_refreshes_a_draft_in_place(plan: DeploymentPlan, process_owner: Any) -> None:
    WaveFactory(plan=plan, number=1, name="Pilot")
    services.plan_content_changed(plan=plan, actor=process_owner, reason="Wave added")
    assert plan.revision == 1
    assert PlanRevision.objects.get(plan=plan).snapshot["waves"][0]["name"] == "Pilot"


def test_a_deploying_plan_stays_deploying_with_the_new_revision_awaiting_agreement(
    sent: DeploymentPlan, process_owner: Any, sponsor: Any, steering: Any
) -> None:
    for user in (sponsor, steering):
        services.plan_signoff_decide(
            signoff=signoff_of(sent, user), actor=user, decision=SignOffDecision.AGREED
        )
    DeploymentPlan.objects.filter(pk=sent.pk).update(state=PlanState.DEPLOYING)
    sent.refresh_from_db()
    TargetFactory(plan=sent)
    services.plan_content_changed(plan=sent, actor=process_owner, reason="Target added")
    status = services.plan_signoff_status(sent)
    assert sent.state == PlanState.DEPLOYING
    assert sent.revision == 2
    assert not status.agreed
    assert status.reapproval is not None
    assert set(status.waiting) == {"Helen", "Rajiv"}


def test_a_target_status_change_is_not_a_content_change(
    sent: DeploymentPlan, process_owner: Any
) -> None:
    target = TargetFactory(plan=sent)
    services.plan_content_changed(plan=sent, actor=process_owner, reason="Target added")
    target.status = "preparing"
    target.training_percent = 50
    target.save(update_fields=["status", "training_percent"])
    services.plan_content_changed(plan=sent, actor=process_owner, reason="Status")
    assert sent.revision == 2


def test_revisions_compare_section_by_section(sent: DeploymentPlan, process_owner: Any) -> None:
    services.risk_add(
        plan=sent,
        actor=process_owner,
        risk_type=RiskType.WORK,
        description="Late defects in integration",
    )
    changes = services.plan_revisions_compare(plan=sent, older=1, newer=2)
    changed = [change.label for change in changes if change.changed]
    assert changed == ["Risks mitigated"]
    risks = next(change for change in changes if change.field == "risks")
    assert risks.new == "Work activity risk: Late defects in integration"
    assert services.plan_revision_changes(sent) == ["Risks mitigated"]


def test_comparing_a_revision_the_plan_does_not_have_is_refused(plan: DeploymentPlan) -> None:
    with pytest.raises(DeploymentError) as error:
        services.plan_revisions_compare(plan=plan, older=1, newer=3)
    assert error.value.field == "newer"


# -- sign-off --------------------------------------------------------------------------------


def test_sign_off_is_asked_of_every_stakeholder_who_may_sign(
    sent: DeploymentPlan, sponsor: Any, steering: Any
) -> None:
    assert sent.state == PlanState.IN_REVIEW
    rows = SignOff.objects.filter(plan=sent, revision=1)
    assert {(s.stakeholder_id, s.kind) for s in rows} == {
        (sponsor.pk, StakeholderKind.SPONSOR),
        (steering.pk, StakeholderKind.SUPPORT),
    }


def test_the_plan_is_agreed_when_every_required_stakeholder_agreed(
    sent: DeploymentPlan, sponsor: Any, steering: Any
) -> None:
    services.plan_signoff_decide(
        signoff=signoff_of(sent, sponsor), actor=sponsor, decision=SignOffDecision.AGREED
    )
    sent.refresh_from_db()
    assert sent.state == PlanState.IN_REVIEW
    assert services.plan_signoff_status(sent).waiting == ("Rajiv",)
    services.plan_signoff_decide(
        signoff=signoff_of(sent, steering), actor=steering, decision=SignOffDecision.AGREED
    )
    sent.refresh_from_db()
    assert sent.state == PlanState.AGREED
    assert services.plan_signoff_status(sent).agreed


def test_only_the_named_stakeholder_may_decide(
    sent: DeploymentPlan, sponsor: Any, steering: Any
) -> None:
    before = counts()
    with pytest.raises(PermissionDenied):
        services.plan_signoff_decide(
            signoff=signoff_of(sent, sponsor), actor=steering, decision=SignOffDecision.AGREED
        )
    assert counts() == before
    assert signoff_of(sent, sponsor).decision == SignOffDecision.PENDING


def test_a_practitioner_is_denied_and_nothing_changes(
    sent: DeploymentPlan, sponsor: Any, practitioner: Any
) -> None:
    before = counts()
    with pytest.raises(PermissionDenied):
        services.plan_signoff_decide(
            signoff=signoff_of(sent, sponsor), actor=practitioner, decision="agreed"
        )
    assert counts() == before


def test_a_practitioner_cannot_be_asked_to_sign_off(
    plan: DeploymentPlan, process_owner: Any, practitioner: Any
) -> None:
    with pytest.raises(DeploymentError) as error:
        services.stakeholder_add(
            plan=plan, actor=process_owner, user=practitioner, kind=StakeholderKind.TARGET_GROUP
        )
    assert error.value.field == "user"
    services.stakeholder_add(
        plan=plan,
        actor=process_owner,
        user=practitioner,
        kind=StakeholderKind.TARGET_GROUP,
        required=False,
    )
    before = counts()
    with pytest.raises(DeploymentError) as error:
        services.plan_signoff_request(plan=plan, actor=process_owner, stakeholders=[practitioner])
    assert error.value.field == "stakeholders"
    assert counts() == before


def test_an_objection_needs_a_comment(sent: DeploymentPlan, sponsor: Any) -> None:
    before = counts()
    with pytest.raises(DeploymentError) as error:
        services.plan_signoff_decide(
            signoff=signoff_of(sent, sponsor), actor=sponsor, decision="objected", comment="  "
        )
    assert error.value.field == "comment"
    assert counts() == before
    services.plan_signoff_decide(
        signoff=signoff_of(sent, sponsor),
        actor=sponsor,
        decision="objected",
        comment="Pilot first in one unit.",
    )
    status = services.plan_signoff_status(sent)
    assert [row.name for row in status.objected] == ["Helen"]
    assert "objected to by Helen" in status.summary


def test_a_superseded_sign_off_can_no_longer_be_decided(
    sent: DeploymentPlan, process_owner: Any, sponsor: Any
) -> None:
    old = signoff_of(sent, sponsor)
    services.plan_update(plan=sent, actor=process_owner, title="Deploy peer reviews widely")
    with pytest.raises(PermissionDenied):
        services.plan_signoff_decide(signoff=old, actor=sponsor, decision="agreed")


def test_asking_the_same_stakeholders_twice_is_refused(
    sent: DeploymentPlan, process_owner: Any
) -> None:
    with pytest.raises(DeploymentError) as error:
        services.plan_signoff_request(plan=sent, actor=process_owner)
    assert "already asked" in error.value.message


def test_a_stakeholder_removed_is_not_asked_again(
    sent: DeploymentPlan, process_owner: Any, sponsor: Any, steering: Any
) -> None:
    stake = sent.stakeholders.get(user=steering)
    services.stakeholder_remove(stakeholder=stake, actor=process_owner)
    sent.refresh_from_db()
    assert sent.revision == 2
    assert list(
        SignOff.objects.filter(plan=sent, revision=2).values_list("stakeholder", flat=True)
    ) == [sponsor.pk]


# -- cancel and child rows -------------------------------------------------------------------


def test_cancel_needs_a_reason_and_ends_changes(plan: DeploymentPlan, process_owner: Any) -> None:
    with pytest.raises(DeploymentError) as error:
        services.plan_cancel(plan=plan, actor=process_owner, reason="")
    assert error.value.field == "reason"
    services.plan_cancel(plan=plan, actor=process_owner, reason="The proposal was withdrawn.")
    assert plan.state == PlanState.CANCELLED
    assert plan.history.first().history_change_reason == "Cancelled: The proposal was withdrawn."
    with pytest.raises(DeploymentError):
        services.barrier_add(plan=plan, actor=process_owner, barrier="Anything")
    with pytest.raises(DeploymentError):
        services.plan_cancel(plan=plan, actor=process_owner, reason="Again")


def test_measure_baseline_now_is_taken_over_the_plans_targets(
    plan: DeploymentPlan, process_owner: Any, cycle_time: Any
) -> None:
    defects = make_measure("defects", direction="lower")
    target = TargetFactory(plan=plan)
    add_series(defects, target.work_activity, [2, 4])
    add_series(defects, TargetFactory().work_activity, [100, 100])  # not a target of the plan
    row = services.measure_add(
        plan=plan, actor=process_owner, measure=defects, target_value=2.5, value_per_unit=100
    )
    assert row.baseline_value == pytest.approx(3.0)
    with pytest.raises(DeploymentError) as error:
        services.measure_add(plan=plan, actor=process_owner, measure=defects)
    assert error.value.field == "measure"


def test_adjustments_and_risks_are_kept_in_order(plan: DeploymentPlan, process_owner: Any) -> None:
    services.adjustment_add(
        plan=plan,
        actor=process_owner,
        segment_label="COTS integration projects",
        description="Review supplier deliveries instead of code.",
    )
    risk = services.risk_add(
        plan=plan, actor=process_owner, risk_type=RiskType.ORGANIZATIONAL, description="Audit"
    )
    services.risk_update(risk=risk, actor=process_owner, description="Failed audit")
    snapshot = PlanRevision.objects.get(plan=plan).snapshot
    assert snapshot["adjustments"][0]["segment_label"] == "COTS integration projects"
    assert snapshot["risks"] == [{"risk_type": "organizational", "description": "Failed audit"}]
    with pytest.raises(DeploymentError) as error:
        services.risk_add(plan=plan, actor=process_owner, risk_type="bogus", description="X")
    assert error.value.field == "risk_type"
