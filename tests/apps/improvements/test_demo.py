"""The demo improvements: every state of the life cycle, pilots, plans; loaded once.

Loaded after the demo organization, the demo appraisals (with the library's CMMI-SVC
and CMMI-DEV, imported as tests/apps/appraisals/test_demo.py does) and the demo
measurements.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.paths import REPO_ROOT
from uplift.apps.appraisals.demo import appraisal_demo_load
from uplift.apps.improvements.choices import ProposalState, SourceKind
from uplift.apps.improvements.demo import DEMO_PLANS, DEMO_PROPOSALS, improvement_demo_load
from uplift.apps.improvements.models import (
    Action,
    ActionPlan,
    Criterion,
    ExpectedBenefit,
    Pilot,
    PlanMember,
    PlanRevision,
    Proposal,
    ProposalTransition,
    ReviewRequest,
    Score,
)
from uplift.apps.improvements.services.plans import plan_approval_status
from uplift.apps.improvements.services.selection import ranking_compute
from uplift.apps.library.services import library_import_file
from uplift.apps.measurements.demo import measurement_demo_load
from uplift.apps.organization.demo import demo_load

pytestmark = pytest.mark.django_db

TABLES = (
    Proposal,
    ProposalTransition,
    ExpectedBenefit,
    Criterion,
    Score,
    Pilot,
    ActionPlan,
    PlanRevision,
    PlanMember,
    Action,
    ReviewRequest,
)
HISTORY = (Proposal, ExpectedBenefit, Criterion, Score, Pilot, ActionPlan, PlanMember, Action)
STORY_START, STORY_TODAY = dt.date(2025, 1, 1), dt.date(2026, 11, 21)


def load_prerequisites() -> None:
    """The library's CMMI-SVC and CMMI-DEV, the organization, appraisals and measurements."""
    for name in ("cmmi-svc-1.3.yaml", "cmmi-dev-1.3.yaml"):
        library_import_file(path=REPO_ROOT / "data" / "library" / name)
    list(demo_load())
    list(appraisal_demo_load())
    list(measurement_demo_load())


@pytest.fixture
def demo() -> list[str]:
    load_prerequisites()
    return list(improvement_demo_load())


def counts() -> list[int]:
    rows = [table.objects.count() for table in TABLES]
    return rows + [table.history.count() for table in HISTORY]  # type: ignore[attr-defined]


def proposal(title: str) -> Proposal:
    return Proposal.objects.get(title=title)


def plan(title: str) -> ActionPlan:
    return ActionPlan.objects.get(title=title)


def test_every_state_of_the_life_cycle_holds_a_proposal_and_a_second_load_writes_nothing(
    demo: list[str],
) -> None:
    assert demo == [
        "Demo improvements: 15 proposals (every state of the life cycle), 60 scores, 5 "
        "pilots, 4 process action plans with 22 actions and 16 review requests added."
    ]
    states = set(Proposal.objects.values_list("state", flat=True))
    assert states == set(ProposalState.values)
    for spec in DEMO_PROPOSALS:
        assert proposal(spec.title).state == spec.state, spec.title
    before = counts()

    again = list(improvement_demo_load())

    assert again == ["Demo improvements already loaded: 15 proposals, 4 process action plans."]
    assert counts() == before


def test_the_proposals_come_from_the_weaknesses_the_shortfall_suggestions_and_records(
    demo: list[str],
) -> None:
    weaknesses = Proposal.objects.filter(source_kind=SourceKind.APPRAISAL_WEAKNESS)
    areas = {
        (p.finding.appraisal.name, p.finding.process_area.abbreviation)
        for p in weaknesses.select_related("finding__appraisal", "finding__process_area")
    }
    runbook = proposal("Incident triage runbook")
    kinds = set(Proposal.objects.values_list("source_kind", flat=True))

    assert {area for _, area in areas} == {"IRP", "CAM", "WP", "REQM", "MA"}
    assert {name for name, _ in areas} == {
        "Managed Services SCAMPI B 2025",
        "Product Engineering SCAMPI A 2026",
    }
    assert all(p.finding.kind == "weakness" for p in weaknesses)
    assert runbook.source_kind == SourceKind.QPPO_SHORTFALL
    assert runbook.objective.name == "Incident resolution time in Managed Services at most 8 hours"
    assert kinds >= {
        SourceKind.APPRAISAL_WEAKNESS,
        SourceKind.QPPO_SHORTFALL,
        SourceKind.SUGGESTION,
        SourceKind.LESSONS_LEARNED,
        SourceKind.TECHNOLOGY_SCAN,
    }
    suggesters = set(
        Proposal.objects.filter(source_kind=SourceKind.SUGGESTION).values_list(
            "submitted_by__username", flat=True
        )
    )
    assert "practitioner" in suggesters
    # every proposal addresses process areas of its model, every transition by a person
    assert (
        not Proposal.objects.filter(process_areas=None)
        .exclude(title="Replace requirements documents with a wiki")
        .exists()
    )
    assert not ProposalTransition.objects.filter(actor=None).exists()


def test_candidates_are_scored_on_the_default_criteria_and_ranked(demo: list[str]) -> None:
    criteria = list(Criterion.objects.values_list("slug", flat=True))
    scored = Proposal.objects.filter(scores__isnull=False).distinct()
    result = ranking_compute()

    assert criteria == ["contribution", "cost", "risk", "effort", "time-to-benefit"]
    assert all(p.scores.count() == 5 for p in scored)
    assert not scored.filter(state=ProposalState.SUBMITTED).exists()
    assert {row.proposal.title for row in result.rows} >= {
        "Trace requirements to design and tests",
        "Analysis procedures for every measure",
        "Capacity forecasting",
    }
    assert all(row.ranked.complete for row in result.rows)
    selected = ProposalTransition.objects.filter(name="select_for_validation")
    assert selected.count() >= 8
    assert set(selected.values_list("actor__username", flat=True)) == {"steering"}


def test_the_pilots_tell_the_story_of_the_deployments(demo: list[str]) -> None:
    peer = Pilot.objects.get(proposal__title="Peer reviews for requirements")
    runbook = Pilot.objects.get(proposal__title="Incident triage runbook")
    capacity = Pilot.objects.get(proposal__title="Capacity forecasting")
    template = Pilot.objects.get(proposal__title="Status report template")

    assert (peer.start, peer.status, peer.decision) == (dt.date(2025, 6, 1), "completed", "proceed")
    assert set(peer.work_activities.values_list("slug", flat=True)) == {
        "tidewater-billing-portal",
        "quayside-mobile-app",
        "beacon-customer-portal",
    }
    assert set(peer.work_activities.values_list("activity_type", flat=True)) == {"software_only"}
    assert set(peer.measures.values_list("slug", flat=True)) == {"defect-density", "cycle-time"}
    assert (runbook.start, runbook.decision) == (dt.date(2026, 3, 1), "proceed")
    assert (capacity.status, capacity.decision) == ("planned", "")
    assert template.decision in ("terminate", "rework")
    assert proposal("Status report template").state in ("terminated", "rework")
    assert proposal("Peer reviews for requirements").state == "evaluated"
    assert proposal("Incident triage runbook").state == "deploying"
    assert proposal("Capacity forecasting").state == "validating"
    assert peer.decided_at is not None
    assert peer.decided_at.date() == dt.date(2025, 9, 24)
    assert peer.results  # the measurements' evaluation, kept with the decision


def test_plans_are_in_review_approved_and_revised(demo: list[str]) -> None:
    approved = plan("Peer reviews for requirements in every software-only project")
    in_review = plan("Capacity forecasting for the hosting platform")
    revised = plan("Incident triage runbook: pilot and roll-out in Managed Services")
    waiting = plan("Known-error records and major incident reviews")

    assert (approved.state, approved.revision) == ("approved", 1)
    assert (in_review.state, in_review.revision) == ("in_review", 1)
    assert (revised.state, revised.revision) == ("approved", 2)
    assert (waiting.state, waiting.revision) == ("in_review", 2)
    assert plan_approval_status(revised).reapproval is not None
    status = plan_approval_status(waiting)
    assert status.reapproval is not None
    assert not status.approved
    assert [s.reviewer.username for s in status.missing] == ["sponsor"]
    assert list(revised.revisions.values_list("number", flat=True)) == [1, 2]
    assert revised.revisions.get(number=1).snapshot["resources"] != revised.resources
    for spec in DEMO_PLANS:
        stored = plan(spec.title)
        assert (stored.state, stored.revision) == (spec.state, spec.revision), spec.title
        assert all(getattr(stored, name) for name in spec.items), spec.title
        assert len(spec.items) == 9
        assert stored.members.exists()
        assert stored.actions.count() == len(spec.actions)
    today = STORY_TODAY
    actions = Action.objects.all()
    assert actions.filter(status="done", completed_on__lte=today).count() >= 10
    late = actions.exclude(status__in=("done", "cancelled")).filter(due__lt=today)
    assert late.count() >= 3
    assert not actions.filter(status="done", completed_on=None).exists()


def test_the_story_is_backdated_to_2025_and_2026(demo: list[str]) -> None:
    stamps = [
        *ProposalTransition.objects.values_list("at", flat=True),
        *Proposal.objects.values_list("submitted_at", flat=True),
        *Proposal.objects.values_list("state_changed_at", flat=True),
        *Score.objects.values_list("scored_at", flat=True),
        *PlanRevision.objects.values_list("created_at", flat=True),
        *ReviewRequest.objects.values_list("requested_at", flat=True),
        *ReviewRequest.objects.exclude(decided_at=None).values_list("decided_at", flat=True),
        *ActionPlan.objects.values_list("created_at", flat=True),
        *ActionPlan.objects.values_list("updated_at", flat=True),
    ]

    assert all(STORY_START <= stamp.date() < STORY_TODAY for stamp in stamps)
    for item in Proposal.objects.all():
        moves = list(item.transitions.order_by("at", "pk"))
        assert moves[0].name == "submit"
        assert moves[0].at == item.submitted_at
        assert moves[-1].at == item.state_changed_at
        assert moves[-1].to_state == item.state
        assert [m.from_state for m in moves[1:]] == [m.to_state for m in moves[:-1]]
    runbook = plan("Incident triage runbook: pilot and roll-out in Managed Services")
    revision_2 = runbook.revisions.get(number=2)
    assert revision_2.created_at.date() == dt.date(2026, 8, 24)
    assert all(r.requested_at >= revision_2.created_at for r in runbook.reviews.filter(revision=2))


def test_without_the_other_demos_nothing_is_loaded() -> None:
    list(demo_load())

    lines = list(improvement_demo_load())

    assert lines == [
        "Skipped the demo improvements: load the demo appraisals first (they need the "
        "model library: 'uplift setup')."
    ]
    assert not Proposal.objects.exists()
    assert not ActionPlan.objects.exists()
