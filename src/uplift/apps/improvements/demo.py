"""The demo improvements of Harbourline Systems (shared/demo.md, steps 2 to 4 of the story).

Sixteen improvement proposals, at least one in every state of the life cycle, from the
demo appraisals' weaknesses (IRP, CAM and WP of the Managed Services SCAMPI B; REQM and
MA of the Product Engineering SCAMPI A), the incident resolution QPPO's shortfall,
practitioners' suggestions, a lessons-learned record, a causal analysis and a technology
scan; the default criteria and the scores of every proposal that was analyzed; five
pilots (peer reviews for requirements and the incident triage runbook decided *proceed*,
the status report template *terminate*, recurring-work estimation *rework*, capacity
forecasting planned); and four process action plans: one approved, one in review, one
revised and re-approved, one revised and waiting for its re-approval, each with its
nine items, its process action team and its actions (some done, some late).

Everything is written through the services, as the demo users of
``organization.demo`` (the process group decides, the steering committee and the
sponsor select and review, the process owner and the service owner plan), in the order
of the story: the events of every proposal and plan are sorted by date and replayed, so
that each write meets the rules of its time (a plan is written while its proposal is
selected, before it is evaluated). The services stamp what they write with the time of
loading; afterwards, **for the demo only**, the timestamps are set to the story's dates
with ``queryset.update()`` (``ProposalTransition.at``, ``Proposal.submitted_at`` and
``state_changed_at``, ``Score.scored_at``, ``Pilot.decided_at``, ``PlanRevision.created_at``,
``ReviewRequest.requested_at`` and ``decided_at``, ``ActionPlan.created_at`` and
``updated_at``, ``Action.completed_on``). The history tables keep the time of loading.

Nothing is random: the story is fixed. A proposal or plan is keyed on its title: one that
exists already is left as it is, so a second run writes nothing. Loading needs the demo
organization, the demo appraisals (and so the model library) and the demo measurements;
without them it says so and loads nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import Max

from uplift.apps.appraisals.workspace import finding_list
from uplift.apps.improvements.choices import (
    ActionStatus,
    Category,
    PlanRole,
    ProposalState,
    Size,
    SourceKind,
    ValidationMethod,
)
from uplift.apps.improvements.errors import ImprovementError
from uplift.apps.improvements.models import (
    Action,
    ActionPlan,
    Pilot,
    PlanRevision,
    Proposal,
    ProposalTransition,
    ReviewRequest,
    Score,
)
from uplift.apps.improvements.services import pilots as pilot_services
from uplift.apps.improvements.services.actions import action_create, action_update, member_add
from uplift.apps.improvements.services.plans import (
    plan_create,
    plan_request_review,
    plan_review_decide,
    plan_update,
)
from uplift.apps.improvements.services.proposals import (
    benefit_add,
    proposal_create,
    proposal_transition,
)
from uplift.apps.improvements.services.selection import criteria_defaults_ensure, score_set
from uplift.apps.library.selectors import model_resolve
from uplift.apps.measurements.selectors import measure_get, measure_list, qppo_list
from uplift.apps.organization.selectors import work_activity_list

__all__ = [
    "DEMO_PLANS",
    "DEMO_PROPOSALS",
    "DemoAction",
    "DemoPilot",
    "DemoPlan",
    "DemoProposal",
    "improvement_demo_load",
]

# The people of the story (organization.demo): the role users, and a few named staff.
PG, STEERING, SPONSOR = "process.group", "steering", "sponsor"
OWNER, PAT, PM, PRACTITIONER, SERVICE_OWNER = (
    "process.owner",
    "pat.member",
    "project.manager",
    "practitioner",
    "service.owner",
)
SERVICE_DESK_MANAGER, HOSTING_MANAGER, DATABASE_MANAGER = (
    "vera.whitlock",
    "zoe.ibarra",
    "arjun.kowal",
)
SERVICE_ENGINEER, OPERATIONS_1, OPERATIONS_2, OPERATIONS_3, SUPPORT_ANALYST = (
    "zoe.rowntree",
    "cato.marsh",
    "bea.petrov",
    "kemi.marsh",
    "dana.odowd",
)
SOFTWARE_ENGINEER = "dev.kowal"

SCAMPI_B, SCAMPI_A = "Managed Services SCAMPI B 2025", "Product Engineering SCAMPI A 2026"
INCIDENT_QPPO = "Incident resolution time in Managed Services at most 8 hours"
INTRANET = "https://intranet.harbourline.example"

SOFTWARE_PILOT = ("tidewater-billing-portal", "quayside-mobile-app", "beacon-customer-portal")
SOFTWARE_WAVE_1 = ("anchor-claims-engine", "lighthouse-analytics", "mooring-scheduler")
COTS = (
    "harbour-erp-rollout",
    "customer-crm-integration",
    "document-archive-integration",
    "hr-suite-integration",
    "payments-gateway-integration",
)

# The slugs of the five default criteria (services.selection.DEFAULT_CRITERIA): contribution
# to objectives (benefit), then cost, risk, effort and time to benefit (the higher, the
# worse). A proposal's ``scores`` follow this order; a criterion the process group has
# removed or deactivated since is not scored.
CRITERIA_ORDER = ("contribution", "cost", "risk", "effort", "time-to-benefit")


# --- the story's shapes ------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One event of a proposal after its submission, on a day of the story.

    ``name`` is a life-cycle transition (``analyze``, ``select_for_validation`` …), or
    ``pilot_create``, ``pilot_start`` (which starts the validation when it has not
    started) or ``pilot_decide`` (``decision`` says what; the pilot's decision moves
    the proposal).
    """

    on: str
    name: str
    actor: str
    reason: str = ""
    decision: str = ""


@dataclass(frozen=True)
class DemoPilot:
    """A pilot of a proposal: where, what it measures, when, and its criteria."""

    title: str
    work_activities: tuple[str, ...]
    measures: tuple[str, ...]
    start: str
    end: str
    success_criteria: str
    comparison: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoProposal:
    """One proposal of the story, from submission to the state it is in today."""

    title: str
    source_kind: str
    submitted_by: str
    submitted_on: str
    problem: str
    change: str
    category: str = Category.INCREMENTAL
    size: str = Size.MINOR
    proven: bool = False
    cost: int | None = None
    running_cost: int | None = None
    effort: int | None = None
    weeks: int | None = None
    risks: str = ""
    barriers: str = ""
    success_criteria: str = ""
    validation_method: str = ""
    finding: tuple[str, str] | None = None  # (appraisal, the finding's first words)
    objective: str | None = None  # a QPPO's name
    reference: str = ""
    practices: tuple[str, ...] = ()  # "CMMI-DEV REQM SP 1.1" (areas follow)
    benefits: tuple[tuple[str, int, str, str], ...] = ()  # (measure, %, by when, note)
    scores: tuple[int, int, int, int, int] | None = None  # in CRITERIA_ORDER
    scored_on: str = ""
    pilot: DemoPilot | None = None
    steps: tuple[Step, ...] = ()
    state: str = ProposalState.SUBMITTED  # where the steps leave it (checked by the tests)


@dataclass(frozen=True)
class DemoAction:
    """An action of a plan: who, when, its status today, and what it waits for."""

    key: str
    title: str
    owner: str
    start: str
    due: str
    status: str = ActionStatus.NOT_STARTED
    completed_on: str = ""
    depends_on: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class PlanStep:
    """One event of a plan: a review request, a reviewer's decision, or a revision."""

    on: str
    kind: str  # "request", "decide" or "revise"
    actor: str
    reviewers: tuple[tuple[str, bool], ...] = ()  # request: (username, required)
    decision: str = ""  # decide: approved or changes_requested
    comment: str = ""
    reason: str = ""  # revise
    changes: dict[str, str] = field(default_factory=dict)  # revise: field → new text


@dataclass(frozen=True)
class DemoPlan:
    """A process action plan of the story: its nine items, team, actions and reviews."""

    title: str
    owner: str
    created_by: str
    created_on: str
    proposals: tuple[str, ...]  # titles
    items: dict[str, str]  # the nine PLAN_FIELDS
    members: tuple[tuple[str, str], ...]  # (username, PlanRole)
    actions: tuple[DemoAction, ...]
    steps: tuple[PlanStep, ...]
    state: str  # where the steps leave it (checked by the tests)
    revision: int = 1


def _s(on: str, name: str, actor: str, reason: str) -> Step:
    return Step(on, name, actor, reason)


# --- the proposals -----------------------------------------------------------------------------

PEER_REVIEWS = DemoProposal(
    title="Peer reviews for requirements",
    source_kind=SourceKind.LESSONS_LEARNED,
    reference="Lessons-learned record LL-2024-07, Tidewater Billing Portal release 3.2: "
    "41 % of the defects found in test traced back to requirements",
    submitted_by=OWNER,
    submitted_on="2025-02-03",
    problem="Too many defects reach test and customers because requirements are "
    "ambiguous, incomplete or contradictory when development starts. In the lessons-"
    "learned record of the billing portal's release 3.2, 41 % of the defects found in "
    "test traced back to requirements; defect density of the software-only projects "
    "stands at about 1.2 defects/KLOC against an objective of 1.0.",
    change="Every requirements baseline and every significant requirements change is "
    "peer reviewed before development starts: a checklist, a trained moderator, the "
    "product owner, a developer and a tester; findings recorded and closed. Reviews "
    "are planned in each sprint and last at most 90 minutes.",
    size=Size.MAJOR,
    cost=38000,
    running_cost=1200,
    effort=620,
    weeks=16,
    risks="Reviews become a formality if moderators are not trained.\n"
    "Sprint capacity drops in the first weeks.",
    barriers="Product owners' availability for reviews\nNo review checklist yet",
    success_criteria="Defect density of the software-only projects at most 1.0 defects/KLOC "
    "over six months; cycle time not longer than before.",
    validation_method=ValidationMethod.PILOT,
    practices=("CMMI-DEV REQM SP 1.1", "CMMI-DEV VER SP 2.1", "CMMI-DEV VER SP 2.2"),
    benefits=(
        ("defect-density", -20, "2026-06-30", "software-only projects"),
        ("cycle-time", -10, "2026-06-30", "fewer returns from test"),
    ),
    scores=(5, 3, 2, 3, 2),
    scored_on="2025-03-03",
    pilot=DemoPilot(
        title="Requirements peer reviews on three software-only projects",
        work_activities=SOFTWARE_PILOT,
        comparison=SOFTWARE_WAVE_1,
        measures=("defect-density", "cycle-time"),
        start="2025-06-01",
        end="2025-09-30",
        success_criteria="Defect density at least 15 % lower than before the pilot "
        "(p < 0.05); cycle time not longer; review sessions under 90 minutes.",
    ),
    steps=(
        _s(
            "2025-03-03",
            "analyze",
            PG,
            "Cause confirmed in two more projects' defect data; "
            "cost and benefit estimated with the project managers.",
        ),
        _s(
            "2025-04-14",
            "select_for_validation",
            STEERING,
            "Highest score of the quarter; it addresses the defect density objective directly.",
        ),
        _s("2025-05-12", "pilot_create", OWNER, ""),
        _s("2025-06-02", "pilot_start", PG, ""),
        Step(
            "2025-09-24",
            "pilot_decide",
            PG,
            "Against the three comparison projects over the "
            "pilot's four months, defect density was about 30 % lower (p = 0.013) and cycle "
            "time about 12 % shorter (p < 0.001). Review sessions averaged 70 minutes. "
            "Proceed to deployment in two waves.",
            decision="proceed",
        ),
        _s(
            "2025-09-30",
            "select_for_deployment",
            STEERING,
            "Pilot passed and the process "
            "action plan is approved: deploy to the other five software-only projects.",
        ),
        _s(
            "2025-10-01",
            "start_deployment",
            PG,
            "Wave 1 starts: Anchor Claims Engine, Lighthouse Analytics, Mooring Scheduler.",
        ),
        _s(
            "2026-03-02",
            "complete_deployment",
            PG,
            "Wave 2 (Dockside Inventory, Berth Planner) "
            "reviewed its requirements through January and February: every software-only "
            "project now reviews its requirements.",
        ),
        _s(
            "2026-07-10",
            "evaluate",
            PG,
            "Evaluated on the stored data, before and after "
            "each wave: defect density 23 to 30 % lower and cycle time 7 to 11 % shorter, all "
            "significant; the defect density and cycle time QPPOs are met. Payback reached in "
            "month 9 (February 2026).",
        ),
    ),
    state=ProposalState.EVALUATED,
)

TRIAGE_RUNBOOK = DemoProposal(
    title="Incident triage runbook",
    source_kind=SourceKind.QPPO_SHORTFALL,
    objective=INCIDENT_QPPO,
    submitted_by=SERVICE_OWNER,
    submitted_on="2025-11-10",
    problem="Incident resolution time in Managed Services averages about 11 hours against "
    "a QPPO of 8. Most of the time is lost before the right team starts: incidents are "
    "categorised inconsistently, first checks depend on who takes the call, and stale "
    "incidents are escalated late.",
    change="One triage runbook for every service team: categories with their first checks, "
    "who to hand over to, and escalation after 2 hours without progress. The service "
    "desk applies it at logging; the teams at hand-over.",
    cost=14000,
    running_cost=400,
    effort=260,
    weeks=12,
    risks="The runbook goes out of date as services change.\n"
    "Teams without training keep their own habits.",
    barriers="Training of seven service teams\nThe incident tool's categories must change",
    success_criteria="Incident resolution time of the services at most 8 hours (mean over "
    "six months); SLA attainment not lower.",
    validation_method=ValidationMethod.PILOT,
    practices=("CMMI-SVC IRP SP 2.2", "CMMI-SVC IRP SP 2.3", "CMMI-SVC IRP SP 2.4"),
    benefits=(
        ("incident-resolution-time", -20, "2027-03-31", "every service of Managed Services"),
    ),
    scores=(5, 2, 2, 2, 2),
    scored_on="2025-12-01",
    pilot=DemoPilot(
        title="Triage runbook at the service desk and network teams",
        work_activities=("service-desk", "network", "remote-access"),
        comparison=("backup-and-restore", "identity-and-access", "payroll-platform"),
        measures=("incident-resolution-time", "sla-attainment"),
        start="2026-03-01",
        end="2026-06-30",
        success_criteria="Incident resolution time of the pilot services at least 15 % lower "
        "than before the pilot (p < 0.05); SLA attainment not lower.",
    ),
    steps=(
        _s(
            "2025-12-01",
            "analyze",
            PG,
            "The shortfall is real (baseline 11.3 h against 8 h); "
            "ticket samples show most delay before the first hand-over.",
        ),
        _s(
            "2026-01-19",
            "select_for_validation",
            STEERING,
            "Addresses the only QPPO that falls short; low cost.",
        ),
        _s("2026-02-09", "pilot_create", PG, ""),
        _s("2026-03-02", "pilot_start", PG, ""),
        Step(
            "2026-07-08",
            "pilot_decide",
            PG,
            "Over the pilot's four months the pilot services "
            "resolved incidents about 24 % faster than the comparison services (8.8 against "
            "11.6 hours, p < 0.001); SLA attainment unchanged. Proceed to deployment; wave 2 "
            "after the other teams are trained.",
            decision="proceed",
        ),
        _s(
            "2026-07-20",
            "select_for_deployment",
            SPONSOR,
            "Pilot passed its gate; deploy to the other seven service teams.",
        ),
        _s(
            "2026-08-03",
            "start_deployment",
            PG,
            "Deployment started: training of the other "
            "seven teams first; wave 2 waits on its completion.",
        ),
    ),
    state=ProposalState.DEPLOYING,
)

CAPACITY_FORECASTING = DemoProposal(
    title="Capacity forecasting",
    source_kind=SourceKind.APPRAISAL_WEAKNESS,
    finding=(SCAMPI_B, "There is no agreed capacity and availability strategy"),
    submitted_by=PG,
    submitted_on="2025-05-06",
    problem="Capacity is watched through alerts only: there is no model of demand, so the "
    "hosting services find out about a shortage when it causes downtime. Database "
    "Hosting's monthly downtime has grown from 0.2 % to about 0.8 % in two years.",
    change="A monthly capacity forecast for the hosting services from two years of usage "
    "data: a demand model per service, six months ahead, reviewed with the service "
    "owners; purchases and upgrades planned from it. An agreed capacity and availability "
    "strategy.",
    category=Category.INNOVATIVE,
    size=Size.MAJOR,
    cost=52000,
    running_cost=2500,
    effort=540,
    weeks=26,
    risks="The usage data are incomplete before 2025.\nForecasts are ignored if nobody owns them.",
    barriers="Data export from the monitoring tool\nModelling skills in the hosting team",
    success_criteria="Availability of Database Hosting at least 99.5 % over six months; no "
    "capacity incident without an earlier forecast warning.",
    validation_method=ValidationMethod.PILOT,
    benefits=(("availability", 1, "2027-06-30", "Database Hosting back above 99.5 %"),),
    scores=(4, 4, 3, 4, 4),
    scored_on="2025-06-16",
    pilot=DemoPilot(
        title="Monthly capacity forecast for Database Hosting and Hosting",
        work_activities=("database-hosting", "hosting"),
        measures=("availability",),
        start="2026-12-01",
        end="2027-03-31",
        success_criteria="Availability of Database Hosting at least 99.5 % in the pilot's "
        "last two months; every capacity shortage forecast at least four weeks ahead.",
    ),
    steps=(
        _s(
            "2025-06-16",
            "analyze",
            PG,
            "Costly and slow to pay back; the availability QPPO is "
            "met on average, so it waits for the next selection round.",
        ),
        _s(
            "2026-09-14",
            "select_for_validation",
            STEERING,
            "Database Hosting's availability "
            "keeps falling (the July storage upgrade failure); selected for validation.",
        ),
        _s(
            "2026-10-05",
            "start_validation",
            PG,
            "Validation starts with a simulation of six "
            "months of demand from the stored data; the pilot follows in December.",
        ),
        _s("2026-11-02", "pilot_create", PG, ""),
    ),
    state=ProposalState.VALIDATING,
)

STATUS_REPORT_TEMPLATE = DemoProposal(
    title="Status report template",
    source_kind=SourceKind.SUGGESTION,
    submitted_by=PM,
    submitted_on="2025-04-22",
    problem="COTS integration projects report status to suppliers and customers in "
    "different formats; misunderstood status leads to rework on both sides.",
    change="One status report template for the COTS integration projects: progress, open "
    "decisions, supplier dependencies and risks, sent every two weeks.",
    cost=3000,
    effort=60,
    weeks=8,
    risks="More reporting work for the project managers.",
    success_criteria="Rework effort of the COTS integration projects at least 10 % lower.",
    validation_method=ValidationMethod.PILOT,
    practices=("CMMI-DEV PMC SP 1.6",),
    benefits=(("rework-effort", -10, "2026-03-31", "COTS integration projects"),),
    scores=(2, 1, 1, 1, 2),
    scored_on="2025-05-19",
    pilot=DemoPilot(
        title="Status report template on the five COTS integration projects",
        work_activities=COTS,
        measures=("rework-effort",),
        start="2025-09-01",
        end="2026-02-28",
        success_criteria="Rework effort at least 10 % lower than before the pilot (p < 0.05).",
    ),
    steps=(
        _s(
            "2025-05-19",
            "analyze",
            PG,
            "Cheap to try; the link between status reports and "
            "rework is a hypothesis, so a pilot is needed.",
        ),
        _s(
            "2025-06-23",
            "select_for_validation",
            STEERING,
            "Low cost; pilot on every COTS integration project at once.",
        ),
        _s("2025-08-18", "pilot_create", PG, ""),
        _s("2025-09-01", "pilot_start", PG, ""),
        Step(
            "2026-03-16",
            "pilot_decide",
            PG,
            "Rework effort moved from 13.3 % to 12.9 % of "
            "effort against the six months before, well within the noise (p = 0.71): the "
            "template does not reduce rework, and the project managers report an hour more "
            "of reporting a week. Terminated; supplier misunderstandings go to a causal "
            "analysis of COTS rework instead.",
            decision="terminate",
        ),
    ),
    state=ProposalState.TERMINATED,
)

RECURRING_WORK = DemoProposal(
    title="Estimate recurring service work from ticket history",
    source_kind=SourceKind.APPRAISAL_WEAKNESS,
    finding=(SCAMPI_B, "The effort of recurring service work is not estimated"),
    submitted_by=PG,
    submitted_on="2025-05-06",
    problem="Service teams plan their changes and projects but not their recurring work "
    "(requests, patching, reports), so their plans overcommit them every month.",
    change="Each team estimates its recurring work every month from the last three months "
    "of tickets, per request type, and plans changes only in the capacity that is left.",
    cost=9000,
    effort=180,
    weeks=12,
    risks="Ticket categories too coarse for estimates.",
    success_criteria="SLA attainment of the pilot services not lower; planned and actual "
    "effort within 15 %.",
    validation_method=ValidationMethod.PILOT,
    benefits=(("sla-attainment", 1, "2026-12-31", "Storage Team's services"),),
    scores=(3, 2, 2, 3, 3),
    scored_on="2025-06-16",
    pilot=DemoPilot(
        title="Estimating recurring work at the Storage Team",
        work_activities=("backup-and-restore", "file-storage"),
        measures=("sla-attainment",),
        start="2026-05-04",
        end="2026-08-28",
        success_criteria="Planned and actual effort within 15 % for three months running; SLA "
        "attainment not lower.",
    ),
    steps=(
        _s("2025-06-16", "analyze", PG, "Needed for WP; the ticket tool holds the data."),
        _s(
            "2026-03-30",
            "select_for_validation",
            STEERING,
            "WP is a maturity level 2 gap; validate at one team first.",
        ),
        _s("2026-04-20", "pilot_create", OWNER, ""),
        _s("2026-05-04", "pilot_start", PG, ""),
        Step(
            "2026-09-14",
            "pilot_decide",
            PG,
            "Estimating every request type took the team "
            "leads about a day a month, and planned and actual effort still differed by a "
            "quarter; SLA attainment unchanged within the noise (p = 0.26). Rework: estimate "
            "only the ten most frequent request types, from the ticket tool's export, then "
            "pilot again.",
            decision="rework",
        ),
    ),
    state=ProposalState.REWORK,
)

RESOURCE_PLANS = DemoProposal(
    title="One resource plan per service team",
    source_kind=SourceKind.APPRAISAL_WEAKNESS,
    finding=(SCAMPI_B, "Budgets and schedules cover changes and projects only"),
    submitted_by=PG,
    submitted_on="2025-05-06",
    problem="Resources are planned in personal spreadsheets: nobody sees who is committed "
    "to what across the service teams, and budgets cover changes only.",
    change="Every service team keeps its resource plan and budget, including the service "
    "work, in the planning tool Product Engineering already uses; reviewed monthly by the "
    "service manager.",
    proven=True,
    cost=6000,
    effort=120,
    weeks=10,
    success_criteria="Every service team's plan for 2027 in the planning tool, including the "
    "service work, by 2026-12-15.",
    validation_method=ValidationMethod.REVIEW,
    scores=(3, 2, 1, 2, 2),
    scored_on="2025-06-16",
    steps=(
        _s("2025-06-16", "analyze", PG, "Proven in Product Engineering; small change."),
        _s(
            "2025-11-03",
            "select_for_validation",
            STEERING,
            "Cheap and proven; validate by a review with the service managers.",
        ),
        _s(
            "2025-11-10",
            "start_validation",
            PG,
            "Review of the planning tool's set-up with the four service managers.",
        ),
        _s(
            "2026-01-26",
            "validate",
            PG,
            "The service managers agreed the set-up; no pilot needed for a proven, minor change.",
        ),
        _s("2026-02-09", "select_for_deployment", STEERING, "Deploy to all nine service teams."),
        _s("2026-03-02", "start_deployment", PG, "Service managers trained; plans being moved."),
        _s(
            "2026-06-30",
            "complete_deployment",
            PG,
            "All nine service teams plan in the tool; evaluation after the 2027 plans are made.",
        ),
    ),
    state=ProposalState.DEPLOYED,
)

MAJOR_INCIDENT_REVIEWS = DemoProposal(
    title="Major incident reviews",
    source_kind=SourceKind.APPRAISAL_WEAKNESS,
    finding=(SCAMPI_B, "Selected incidents are not analysed for their causes"),
    submitted_by=PG,
    submitted_on="2025-05-06",
    problem="Major incidents are closed without analysis: their causes stay unknown and the "
    "same failures recur.",
    change="Every major incident gets a review within ten working days: timeline, causes, "
    "actions with owners; the review template exists already.",
    proven=True,
    cost=4000,
    effort=90,
    weeks=8,
    success_criteria="A completed review for every major incident within ten working days.",
    validation_method=ValidationMethod.REVIEW,
    practices=("CMMI-SVC IRP SP 3.1",),
    scores=(4, 1, 2, 2, 3),
    scored_on="2025-06-16",
    steps=(
        _s("2025-06-16", "analyze", PG, "The template exists; what is missing is the habit."),
        _s(
            "2026-06-01",
            "select_for_validation",
            STEERING,
            "Selected with the known-error "
            "records; validate both by a review with the service managers.",
        ),
        _s(
            "2026-06-08",
            "start_validation",
            PG,
            "Review of the procedure with the service "
            "managers and the hosting team, which already reviews its continuity tests.",
        ),
        _s("2026-09-21", "validate", PG, "Procedure agreed; proven at the hosting team."),
    ),
    state=ProposalState.VALIDATED,
)

KNOWN_ERRORS = DemoProposal(
    title="Known-error records for recurring incidents",
    source_kind=SourceKind.APPRAISAL_WEAKNESS,
    finding=(SCAMPI_B, "Selected incidents are not analysed for their causes"),
    submitted_by=SERVICE_OWNER,
    submitted_on="2025-08-18",
    problem="Recurring incidents are solved again each time: there are no workarounds or "
    "known-error records the service desk could apply.",
    change="A known-error record, with its workaround, for every incident that recurs three "
    "times in a quarter; the service desk searches them at logging.",
    proven=True,
    cost=5500,
    effort=110,
    weeks=8,
    success_criteria="Known-error records for the ten most frequent incidents; their "
    "resolution time halved.",
    validation_method=ValidationMethod.REVIEW,
    practices=("CMMI-SVC IRP SP 3.2",),
    benefits=(("incident-resolution-time", -10, "2027-06-30", "recurring incidents"),),
    scores=(4, 1, 1, 2, 2),
    scored_on="2025-09-15",
    steps=(
        _s("2025-09-15", "analyze", PG, "Supported by the incident tool; quick win."),
        _s(
            "2026-06-01",
            "select_for_validation",
            STEERING,
            "Selected with the major incident reviews.",
        ),
        _s("2026-06-08", "start_validation", PG, "Review with the service desk and two teams."),
        _s("2026-09-21", "validate", PG, "Agreed by the service desk; the tool supports it."),
        _s(
            "2026-11-09",
            "select_for_deployment",
            STEERING,
            "Deploy before the major incident reviews, as the revised plan proposes.",
        ),
    ),
    state=ProposalState.SELECTED_FOR_DEPLOYMENT,
)

TRACEABILITY = DemoProposal(
    title="Trace requirements to design and tests",
    source_kind=SourceKind.APPRAISAL_WEAKNESS,
    finding=(SCAMPI_A, "Requirements are not traced to design and tests"),
    submitted_by=OWNER,
    submitted_on="2026-10-26",
    problem="No project traces its requirements to design and tests: the impact of a change "
    "and the coverage of the tests are unknown (SCAMPI A 2026, REQM SP 1.4).",
    change="Requirements, design items and tests linked in the issue tracker; a coverage "
    "report per release; the traceability matrix template retired.",
    size=Size.MAJOR,
    cost=24000,
    running_cost=600,
    effort=400,
    weeks=20,
    risks="Link maintenance becomes a chore nobody does.",
    barriers="The tracker's test plug-in needs a licence",
    success_criteria="Every requirement of the release linked to at least one test in the "
    "pilot projects; defect density not higher.",
    validation_method=ValidationMethod.PILOT,
    benefits=(("rework-effort", -10, "2027-12-31", "fewer surprises from changes"),),
    scores=(4, 3, 3, 4, 3),
    scored_on="2026-11-16",
    steps=(
        _s(
            "2026-11-16",
            "analyze",
            PG,
            "Required for maturity level 2; costed with two "
            "project managers. Candidate for the December selection.",
        ),
    ),
    state=ProposalState.ANALYZED,
)

IMPACT_ANALYSIS = DemoProposal(
    title="Impact analysis of requirement changes",
    source_kind=SourceKind.APPRAISAL_WEAKNESS,
    finding=(SCAMPI_A, "Requirement changes are accepted without an impact analysis"),
    submitted_by=OWNER,
    submitted_on="2026-10-26",
    problem="Two of five projects accept requirement changes without analysing their impact "
    "on schedule, cost and other requirements.",
    change="A short impact analysis in every change request (schedule, effort, affected "
    "requirements and tests), reviewed in the change board.",
    proven=True,
    cost=8000,
    effort=150,
    weeks=8,
    validation_method=ValidationMethod.REVIEW,
)

MEASUREMENT_ANALYSIS = DemoProposal(
    title="Analysis procedures for every measure",
    source_kind=SourceKind.APPRAISAL_WEAKNESS,
    finding=(SCAMPI_A, "Analysis procedures are not specified"),
    submitted_by=PG,
    submitted_on="2026-10-27",
    problem="Measures are collected and charted but nobody agreed how to analyse them: "
    "results reach managers late and no decision refers to them.",
    change="An analysis procedure for each measure (chart, comparison, who reads it, when); "
    "a monthly measurement review with the project managers using Uplift's charts.",
    proven=True,
    cost=12000,
    effort=240,
    weeks=12,
    success_criteria="Every measure with an agreed analysis procedure; results to the "
    "managers within five working days of month end.",
    validation_method=ValidationMethod.REVIEW,
    scores=(4, 2, 2, 3, 3),
    scored_on="2026-11-09",
    steps=(
        _s(
            "2026-11-09",
            "analyze",
            PG,
            "Required for maturity level 2 (MA SG 1 and SG 2); the "
            "measurement plan gives the starting point.",
        ),
        _s(
            "2026-11-18",
            "select_for_validation",
            STEERING,
            "Required for maturity level 2 and "
            "cheap; validate the procedures with two project managers.",
        ),
    ),
    state=ProposalState.SELECTED_FOR_VALIDATION,
)

LOG_ANOMALY_DETECTION = DemoProposal(
    title="Automated log anomaly detection for the hosting platform",
    source_kind=SourceKind.TECHNOLOGY_SCAN,
    reference="Technology scan TS-2026-1 (process group, April 2026): AIOps tools for "
    f"hosting platforms, {INTRANET}/process-group/technology-scan-2026-1",
    submitted_by=PG,
    submitted_on="2026-04-20",
    problem="Capacity and availability problems of the hosting platform are noticed when "
    "alerts fire, too late to prevent downtime.",
    change="An AIOps tool that learns the platform's normal log and metric patterns and "
    "warns of anomalies hours ahead.",
    category=Category.INNOVATIVE,
    size=Size.MAJOR,
    cost=85000,
    running_cost=5000,
    effort=300,
    weeks=20,
    risks="Many false alarms in the first months.\nVendor lock-in.",
    validation_method=ValidationMethod.PROTOTYPE,
    practices=("CMMI-SVC CAM SP 2.1",),
    scores=(3, 5, 4, 4, 4),
    scored_on="2026-05-18",
    steps=(
        _s("2026-05-18", "analyze", PG, "Two vendors assessed; licence about 60,000 a year."),
        _s(
            "2026-06-01",
            "reject",
            STEERING,
            "Cost out of proportion to the benefit; capacity "
            "forecasting addresses the main cause of Database Hosting's downtime. Revisit after "
            "its pilot.",
        ),
    ),
    state=ProposalState.REJECTED,
)

DEFINITION_OF_READY = DemoProposal(
    title="A definition of ready for user stories",
    source_kind=SourceKind.SUGGESTION,
    submitted_by=PRACTITIONER,
    submitted_on="2026-11-12",
    problem="Stories enter the sprint without acceptance criteria or with open questions; we "
    "find out in the middle of the sprint and the work waits.",
    change="A short definition of ready (acceptance criteria, dependencies known, testable) "
    "checked in backlog refinement before a story may enter a sprint.",
    proven=True,
    cost=1500,
    effort=40,
    weeks=4,
    practices=("CMMI-DEV REQM SP 1.1",),
)

TEST_BENCH_BOOKING = DemoProposal(
    title="Book hardware test benches in the sprint plan",
    source_kind=SourceKind.CAUSAL_ANALYSIS,
    reference="Causal analysis CA-2026-03: waiting time in the embedded projects, after the "
    "Crane Controller's blocked week of March 2025 and two later ones",
    submitted_by=PAT,
    submitted_on="2026-10-05",
    problem="Embedded projects lose whole weeks waiting for the shared hardware test benches: "
    "nobody books them ahead, and two projects need them at once.",
    change="Test bench time is booked in sprint planning, in a shared calendar, with the "
    "embedded projects' test leads agreeing conflicts a sprint ahead.",
    proven=True,
    cost=2000,
    effort=40,
    weeks=4,
    success_criteria="No week of cycle time lost waiting for a test bench in six months.",
    validation_method=ValidationMethod.REVIEW,
    practices=("CMMI-DEV PP SP 2.4",),
    benefits=(("cycle-time", -5, "2027-06-30", "embedded projects"),),
    scores=(3, 1, 1, 1, 1),
    scored_on="2026-11-02",
    steps=(
        _s(
            "2026-11-02",
            "analyze",
            PG,
            "Cause confirmed in the cycle-time data of three embedded projects; cheap to do.",
        ),
    ),
    state=ProposalState.ANALYZED,
)

REQUIREMENTS_WIKI = DemoProposal(
    title="Replace requirements documents with a wiki",
    source_kind=SourceKind.SUGGESTION,
    submitted_by=PRACTITIONER,
    submitted_on="2025-07-07",
    problem="Requirements documents are long Word files that nobody reads to the end.",
    change="Move every project's requirements into the wiki, one page per feature.",
    size=Size.MAJOR,
    cost=7000,
    effort=200,
    steps=(
        _s(
            "2025-07-21",
            "reject",
            STEERING,
            "Peer reviews for requirements, in pilot, address "
            "the quality of requirements; moving them to a wiki would break the baselines and "
            "change control the projects rely on. Thank you for the suggestion.",
        ),
    ),
    state=ProposalState.REJECTED,
)

DEMO_PROPOSALS: tuple[DemoProposal, ...] = (
    PEER_REVIEWS,
    TRIAGE_RUNBOOK,
    CAPACITY_FORECASTING,
    STATUS_REPORT_TEMPLATE,
    RECURRING_WORK,
    RESOURCE_PLANS,
    MAJOR_INCIDENT_REVIEWS,
    KNOWN_ERRORS,
    TRACEABILITY,
    IMPACT_ANALYSIS,
    MEASUREMENT_ANALYSIS,
    LOG_ANOMALY_DETECTION,
    DEFINITION_OF_READY,
    TEST_BENCH_BOOKING,
    REQUIREMENTS_WIKI,
)


# --- the process action plans ------------------------------------------------------------------

PEER_REVIEWS_PLAN = DemoPlan(
    title="Peer reviews for requirements in every software-only project",
    owner=OWNER,
    created_by=OWNER,
    created_on="2025-09-15",
    proposals=(PEER_REVIEWS.title,),
    items={
        "infrastructure": "The process group (Priya Castell) facilitates and tracks the plan; "
        "the owner of the requirements process (Grace Okafor) owns it; a process action team "
        "of three engineers led by Tomasz Nowicki deploys it. The steering committee reviews "
        "progress every month.",
        "objectives": "Meet the QPPO 'defect density of software-only projects at most 1.0 "
        "defects/KLOC' by 2026-12-31 (about 1.2 before the pilot) without making cycle time "
        "longer (QPPO at most 20 days).",
        "improvements": "IP 'Peer reviews for requirements': every requirements baseline and "
        "significant change is peer reviewed with a checklist and a trained moderator before "
        "development starts.",
        "tracking_procedures": "Actions and their status in Uplift; the team meets every two "
        "weeks; the process group reports progress and late actions to the steering "
        "committee monthly. Defect density and cycle time are watched on the measures' "
        "charts after each wave.",
        "strategies": "The pilot on Tidewater Billing Portal, Quayside Mobile App and Beacon "
        "Customer Portal (June to September 2025) showed the effect. Deployment in two waves: "
        "Anchor Claims Engine, Lighthouse Analytics and Mooring Scheduler from October 2025; "
        "Dockside Inventory and Berth Planner from January 2026. Each project gets a trained "
        "moderator before its wave starts.",
        "responsibility": "Grace Okafor decides on the checklist and the procedure; the "
        "project managers plan the reviews in their sprints; the moderators run them; "
        "Tomasz Nowicki answers for the waves' schedule and reports to the process group.",
        "resources": "About 620 hours: 2 days of moderator training for 8 people, 90 minutes "
        "of review per sprint and project, 40 hours of coaching per wave. One-off cost about "
        "38,000; running cost about 1,200 a month. Schedule: wave 1 from 2025-10-01, wave 2 "
        "from 2026-01-05, evaluation by 2026-06-30.",
        "effectiveness_methods": "Before-and-after comparison of defect density and cycle "
        "time per wave on the stored data (Welch's test, effect size); the QPPOs' status on "
        "the objectives page; a short survey of the review participants after each wave.",
        "risks": "Reviews become a formality: mitigated by trained moderators and the "
        "checklist. Sprint capacity drops in the first weeks: accepted, reviews are planned "
        "as sprint work. Product owners are not available: the project managers book them "
        "a sprint ahead.",
    },
    members=(
        (PAT, PlanRole.LEAD),
        (OWNER, PlanRole.PROCESS_OWNER),
        (PRACTITIONER, PlanRole.PRACTITIONER),
        (SOFTWARE_ENGINEER, PlanRole.PRACTITIONER),
    ),
    actions=(
        DemoAction(
            "checklist",
            "Update the review checklist with the pilot's lessons",
            PAT,
            "2025-09-22",
            "2025-09-30",
            ActionStatus.DONE,
            "2025-09-29",
        ),
        DemoAction(
            "train-1",
            "Train review moderators for wave 1",
            OWNER,
            "2025-09-15",
            "2025-09-26",
            ActionStatus.DONE,
            "2025-09-26",
        ),
        DemoAction(
            "wave-1",
            "Wave 1: Anchor Claims Engine, Lighthouse Analytics, Mooring Scheduler",
            PAT,
            "2025-10-01",
            "2025-12-19",
            ActionStatus.DONE,
            "2025-12-19",
            depends_on=("checklist", "train-1"),
        ),
        DemoAction(
            "train-2",
            "Train review moderators for wave 2",
            OWNER,
            "2025-12-01",
            "2025-12-19",
            ActionStatus.DONE,
            "2026-01-09",
            description="Finished three weeks late: two moderators were ill in December.",
        ),
        DemoAction(
            "wave-2",
            "Wave 2: Dockside Inventory, Berth Planner",
            PAT,
            "2026-01-05",
            "2026-02-27",
            ActionStatus.DONE,
            "2026-02-27",
            depends_on=("train-2",),
        ),
        DemoAction(
            "evaluate",
            "Evaluate defect density and cycle time after both waves",
            PG,
            "2026-03-02",
            "2026-06-30",
            ActionStatus.DONE,
            "2026-07-03",
            depends_on=("wave-2",),
        ),
    ),
    steps=(
        PlanStep(
            "2025-09-19",
            "request",
            OWNER,
            reviewers=((STEERING, True), (PM, True), (SPONSOR, False)),
        ),
        PlanStep(
            "2025-09-26",
            "decide",
            PM,
            decision="approved",
            comment="Fine for my projects; keep the sessions under 90 minutes.",
        ),
        PlanStep(
            "2025-09-29",
            "decide",
            STEERING,
            decision="approved",
            comment="Approved; report the waves' results to the committee.",
        ),
        PlanStep("2025-10-02", "decide", SPONSOR, decision="approved", comment=""),
    ),
    state="approved",
)

RUNBOOK_PLAN_ITEMS = {
    "infrastructure": "The service owner of the service desk (Aisha Rahman) owns the plan; the "
    "process group facilitates; a process action team of the service desk and network teams "
    "writes the runbook and trains the other teams. Progress goes to the monthly Managed "
    "Services operations review.",
    "objectives": "Meet the QPPO 'incident resolution time in Managed Services at most 8 "
    "hours' by 2027-06-30 (11.3 hours before the pilot); SLA attainment stays at 98 % or "
    "more.",
    "improvements": "IP 'Incident triage runbook': categories with first checks, hand-over "
    "rules and escalation after 2 hours without progress, applied at logging and hand-over.",
    "tracking_procedures": "Actions in Uplift, reviewed every two weeks by the team; the "
    "incident resolution QPPO's chart reviewed monthly at the operations review; late "
    "actions escalated to the service owner.",
    "strategies": "Pilot at the service desk and network teams (services Service Desk, "
    "Network and Remote Access) from March to June 2026, against comparison services that "
    "keep the old practice. If the pilot passes, the other seven teams adopt the runbook "
    "together in a second wave from September 2026.",
    "responsibility": "Aisha Rahman decides on the runbook's content and the waves; the "
    "service managers make their teams apply it; the process group evaluates the pilot and "
    "advises the sponsor on deployment.",
    "resources": "About 260 hours: runbook writing 80, pilot coaching 60, training 120. "
    "One-off cost about 14,000 (incident tool categories), running cost 400 a month. "
    "Schedule: runbook by 2026-02-20, pilot 2026-03-01 to 2026-06-30, wave 2 from "
    "2026-09-01.",
    "effectiveness_methods": "Pilot services against comparison services and against their "
    "own history (before/after 2026-03-01) on incident resolution time, Welch's test and "
    "effect size; SLA attainment watched for side effects; the QPPO's status after wave 2.",
    "risks": "The runbook goes out of date as services change: each team reviews its part "
    "quarterly. Teams without training keep their habits: wave 2 starts only after training. "
    "Incident volume peaks in December: no wave starts in December.",
}

TRIAGE_RUNBOOK_PLAN = DemoPlan(
    title="Incident triage runbook: pilot and roll-out in Managed Services",
    owner=SERVICE_OWNER,
    created_by=PG,
    created_on="2026-01-26",
    proposals=(TRIAGE_RUNBOOK.title,),
    items=RUNBOOK_PLAN_ITEMS,
    members=(
        (SERVICE_OWNER, PlanRole.LEAD),
        (SERVICE_DESK_MANAGER, PlanRole.PROCESS_OWNER),
        (OPERATIONS_3, PlanRole.PRACTITIONER),
        (SUPPORT_ANALYST, PlanRole.PRACTITIONER),
    ),
    actions=(
        DemoAction(
            "write",
            "Write the triage runbook (categories, first checks, escalation)",
            OPERATIONS_3,
            "2026-01-12",
            "2026-02-20",
            ActionStatus.DONE,
            "2026-02-18",
        ),
        DemoAction(
            "brief",
            "Brief the service desk and network teams",
            SERVICE_OWNER,
            "2026-02-16",
            "2026-02-27",
            ActionStatus.DONE,
            "2026-02-27",
            depends_on=("write",),
        ),
        DemoAction(
            "pilot",
            "Run the pilot at the service desk and network teams",
            SERVICE_DESK_MANAGER,
            "2026-03-01",
            "2026-06-30",
            ActionStatus.DONE,
            "2026-06-30",
            depends_on=("brief",),
        ),
        DemoAction(
            "evaluate",
            "Evaluate the pilot against the incident resolution QPPO",
            PG,
            "2026-07-01",
            "2026-07-08",
            ActionStatus.DONE,
            "2026-07-08",
            depends_on=("pilot",),
        ),
        DemoAction(
            "train",
            "Train the other seven service teams on the runbook",
            SUPPORT_ANALYST,
            "2026-08-31",
            "2026-10-30",
            ActionStatus.IN_PROGRESS,
            depends_on=("evaluate",),
            description="Five of seven teams trained; the Storage and Workplace teams' "
            "sessions moved twice.",
        ),
        DemoAction(
            "wave-2",
            "Wave 2: the other seven service teams adopt the runbook",
            SERVICE_OWNER,
            "2026-11-02",
            "2027-01-29",
            depends_on=("train",),
        ),
        DemoAction(
            "measure",
            "Measure resolution time across Managed Services for three months",
            PG,
            "2027-02-01",
            "2027-04-30",
            depends_on=("wave-2",),
        ),
    ),
    steps=(
        PlanStep(
            "2026-02-02",
            "request",
            PG,
            reviewers=((STEERING, True), (SPONSOR, True), (OWNER, False)),
        ),
        PlanStep("2026-02-09", "decide", SPONSOR, decision="approved", comment=""),
        PlanStep(
            "2026-02-11",
            "decide",
            STEERING,
            decision="approved",
            comment="Approved. Keep the comparison services unchanged until July.",
        ),
        PlanStep(
            "2026-08-24",
            "revise",
            SERVICE_OWNER,
            # At most 100 characters: the reason is also the history's change reason.
            reason="Wave 2 waits until the other seven teams are trained: strategy, resources "
            "and risks revised.",
            changes={
                "strategies": "Pilot at the service desk and network teams (services "
                "Service Desk, Network and Remote Access) from March to June 2026 passed "
                "its gate on 2026-07-08. The other seven teams adopt the runbook together "
                "in a second wave that starts only when all of them have completed the "
                "runbook training (planned for November 2026).",
                "resources": "About 300 hours: runbook writing 80, pilot coaching 60, "
                "training 160 (two more sessions for the teams on shifts). One-off cost "
                "about 15,500, running cost 400 a month. Schedule: training 2026-08-31 to "
                "2026-10-30; wave 2 from the end of training, by 2027-01-29; measurement "
                "until 2027-04-30.",
                "risks": "The runbook goes out of date as services change: each team "
                "reviews its part quarterly. Training slips for teams on shifts: sessions "
                "recorded and repeated; wave 2 waits for the last team. Incident volume "
                "peaks in December: no team switches in the last two weeks of December.",
            },
        ),
        PlanStep(
            "2026-09-01",
            "decide",
            SPONSOR,
            decision="approved",
            comment="Agreed; the training gate is the right call.",
        ),
        PlanStep("2026-09-03", "decide", STEERING, decision="approved", comment=""),
    ),
    state="approved",
    revision=2,
)

CAPACITY_PLAN = DemoPlan(
    title="Capacity forecasting for the hosting platform",
    owner=DATABASE_MANAGER,
    created_by=PG,
    created_on="2026-10-19",
    proposals=(CAPACITY_FORECASTING.title,),
    items={
        "infrastructure": "The service manager of Database Hosting (Arjun Kowal) owns the plan; "
        "the hosting team's manager (Zoe Ibarra) owns the capacity process; the process group "
        "facilitates. Progress is reported at the Managed Services operations review.",
        "objectives": "Database Hosting's availability back to at least 99.5 % (about 99.0 % "
        "over the last twelve months) and the QPPO 'availability of hosting and network "
        "services at least 99.5 %' kept; CAM SG 1 and SG 2 satisfied at the next appraisal.",
        "improvements": "IP 'Capacity forecasting': a demand model per hosting service, a "
        "monthly forecast six months ahead reviewed with the service owners, and an agreed "
        "capacity and availability strategy.",
        "tracking_procedures": "Actions in Uplift; a weekly stand-up of the team while the "
        "model is built, every two weeks afterwards; availability charted monthly per service.",
        "strategies": "Validate in two steps: a simulation of six months of demand from the "
        "stored usage data, then a four-month pilot of the monthly forecast at Database "
        "Hosting and Hosting (December 2026 to March 2027). Deploy to the other hosting and "
        "network services only if the pilot passes.",
        "responsibility": "Arjun Kowal decides on the model and the pilot's scope; Zoe Ibarra "
        "agrees the strategy with the service owners; the process group evaluates the pilot; "
        "the steering committee decides on deployment.",
        "resources": "About 540 hours: data preparation 80, modelling 200, pilot 180, "
        "evaluation 80. One-off cost about 52,000 (modelling tool and training), running cost "
        "about 2,500 a month. Schedule: model by 2026-11-20, strategy agreed by 2026-11-27, "
        "pilot 2026-12-01 to 2027-03-31.",
        "effectiveness_methods": "Availability of Database Hosting before and after the pilot's "
        "start on the stored data; forecast accuracy (forecast against actual peak use) per "
        "month; count of capacity incidents without an earlier warning.",
        "risks": "Usage data incomplete before 2025: the model starts from 2025. Forecasts "
        "ignored: reviewed in the operations review with a named owner. Modelling skills "
        "scarce: two engineers trained, the vendor's support hours bought.",
    },
    members=(
        (DATABASE_MANAGER, PlanRole.LEAD),
        (HOSTING_MANAGER, PlanRole.PROCESS_OWNER),
        (OPERATIONS_2, PlanRole.PRACTITIONER),
        (OPERATIONS_1, PlanRole.PRACTITIONER),
    ),
    actions=(
        DemoAction(
            "data",
            "Collect two years of usage and availability data for the hosting services",
            OPERATIONS_2,
            "2026-10-19",
            "2026-11-06",
            ActionStatus.DONE,
            "2026-11-05",
        ),
        DemoAction(
            "model",
            "Build the demand model and simulate six months of load",
            OPERATIONS_1,
            "2026-11-02",
            "2026-11-20",
            ActionStatus.IN_PROGRESS,
            depends_on=("data",),
            description="The storage growth model is done; the compute model is not.",
        ),
        DemoAction(
            "strategy",
            "Agree the capacity and availability strategy with the service owners",
            HOSTING_MANAGER,
            "2026-11-09",
            "2026-11-27",
            ActionStatus.IN_PROGRESS,
        ),
        DemoAction(
            "pilot",
            "Pilot the monthly forecast at Database Hosting and Hosting",
            DATABASE_MANAGER,
            "2026-12-01",
            "2027-03-31",
            depends_on=("model", "strategy"),
        ),
        DemoAction(
            "decide",
            "Evaluate the pilot and propose the deployment decision",
            PG,
            "2027-04-01",
            "2027-04-16",
            depends_on=("pilot",),
        ),
    ),
    steps=(
        PlanStep(
            "2026-11-09",
            "request",
            PG,
            reviewers=((STEERING, True), (SPONSOR, True), (SERVICE_OWNER, False)),
        ),
        PlanStep(
            "2026-11-16",
            "decide",
            STEERING,
            decision="approved",
            comment="Approved; the pilot's success criteria are clear.",
        ),
    ),
    state="in_review",
)

KNOWN_ERRORS_PLAN_ITEMS = {
    "infrastructure": "The service owner of the service desk (Aisha Rahman) owns the plan; the "
    "service desk team's manager (Vera Whitlock) owns the incident process; the process group "
    "facilitates.",
    "objectives": "Satisfy IRP SG 3 at the next appraisal; resolution time of recurring "
    "incidents halved; a completed review for every major incident within ten working days.",
    "improvements": "IP 'Known-error records for recurring incidents' and IP 'Major incident "
    "reviews'.",
    "tracking_procedures": "Actions in Uplift, reviewed every two weeks with the triage "
    "runbook's team; the count of known-error records and of reviews reported monthly.",
    "strategies": "Both improvements are proven and minor, validated by review: deploy them "
    "together to every service team from November 2026, known-error records first, reviews "
    "from the first major incident after that.",
    "responsibility": "Aisha Rahman decides on the content of the records and the procedure; "
    "Vera Whitlock runs the reviews; every service manager names an owner for the records "
    "of their services.",
    "resources": "About 200 hours: tool set-up 40, records for the ten most frequent incidents "
    "80, procedure and training 80. One-off cost about 9,500. Schedule: tool by 2026-11-13, "
    "records by 2026-12-18, procedure by 2026-11-06, reviews from November 2026.",
    "effectiveness_methods": "Resolution time of incidents matched to a known error, before "
    "and after; the share of major incidents with a review within ten working days.",
    "risks": "Records not kept up to date: each has an owner and a review date. Teams busy "
    "with the triage runbook's wave 2: the service managers plan the work together.",
}

KNOWN_ERRORS_PLAN = DemoPlan(
    title="Known-error records and major incident reviews",
    owner=SERVICE_OWNER,
    created_by=PG,
    created_on="2026-09-28",
    proposals=(KNOWN_ERRORS.title, MAJOR_INCIDENT_REVIEWS.title),
    items=KNOWN_ERRORS_PLAN_ITEMS,
    members=(
        (SERVICE_OWNER, PlanRole.LEAD),
        (SERVICE_DESK_MANAGER, PlanRole.PROCESS_OWNER),
        (SERVICE_ENGINEER, PlanRole.PRACTITIONER),
    ),
    actions=(
        DemoAction(
            "tool",
            "Set up known-error records in the incident tool",
            SERVICE_ENGINEER,
            "2026-10-12",
            "2026-11-13",
            ActionStatus.DONE,
            "2026-11-12",
        ),
        DemoAction(
            "procedure",
            "Write the major incident review procedure",
            SERVICE_DESK_MANAGER,
            "2026-10-12",
            "2026-11-06",
            ActionStatus.IN_PROGRESS,
            description="Draft circulated; waiting for the hosting team's comments.",
        ),
        DemoAction(
            "records",
            "Record known errors for the ten most frequent incidents",
            SERVICE_ENGINEER,
            "2026-11-16",
            "2026-12-18",
            ActionStatus.IN_PROGRESS,
            depends_on=("tool",),
        ),
        DemoAction(
            "reviews",
            "Hold the first major incident reviews",
            SERVICE_DESK_MANAGER,
            "2027-02-01",
            "2027-03-31",
            depends_on=("procedure",),
        ),
    ),
    steps=(
        PlanStep("2026-09-30", "request", PG, reviewers=((STEERING, True), (SPONSOR, True))),
        PlanStep("2026-10-07", "decide", SPONSOR, decision="approved", comment=""),
        PlanStep("2026-10-12", "decide", STEERING, decision="approved", comment="Approved."),
        PlanStep(
            "2026-11-16",
            "revise",
            SERVICE_OWNER,
            reason="Known-error records first; major incident reviews after the runbook's "
            "wave 2, from February 2027.",
            changes={
                "strategies": "Both improvements are proven and minor, validated by "
                "review. Known-error records are deployed to every service team from "
                "November 2026; major incident reviews start in February 2027, after the "
                "triage runbook's wave 2, so that no team changes two practices at once.",
                "resources": "About 200 hours: tool set-up 40, records for the ten most "
                "frequent incidents 80, procedure and training 80. One-off cost about "
                "9,500. Schedule: tool by 2026-11-13, records by 2026-12-18, procedure by "
                "2026-12-11, first reviews from 2027-02-01.",
            },
        ),
        PlanStep(
            "2026-11-19",
            "decide",
            STEERING,
            decision="approved",
            comment="Sensible sequencing; approved.",
        ),
    ),
    state="in_review",
    revision=2,
)

DEMO_PLANS: tuple[DemoPlan, ...] = (
    PEER_REVIEWS_PLAN,
    TRIAGE_RUNBOOK_PLAN,
    CAPACITY_PLAN,
    KNOWN_ERRORS_PLAN,
)

REQUIRED_USERS = frozenset(
    {
        PG, STEERING, SPONSOR, OWNER, PAT, PM, PRACTITIONER, SERVICE_OWNER,
        SERVICE_DESK_MANAGER, HOSTING_MANAGER, DATABASE_MANAGER, SERVICE_ENGINEER,
        OPERATIONS_1, OPERATIONS_2, OPERATIONS_3, SUPPORT_ANALYST, SOFTWARE_ENGINEER,
    }
)  # fmt: skip


# --- replaying the story -----------------------------------------------------------------------


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _at(day: str, slot: int) -> dt.datetime:
    """The story's time of the ``slot``-th event of ``day``: from 09:00 UTC, 20 minutes apart."""
    return dt.datetime.combine(_day(day), dt.time(9), tzinfo=dt.UTC) + dt.timedelta(
        minutes=20 * slot
    )


@dataclass
class _Tally:
    proposals: int = 0
    pilots: int = 0
    scores: int = 0
    plans: int = 0
    actions: int = 0
    reviews: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.proposals or self.plans or self.scores)


@dataclass
class _Story:
    """What the replay needs: the people, the criteria, and what it made so far."""

    users: dict[str, Any]
    criteria: dict[str, Any]
    tally: _Tally
    proposals: dict[str, Proposal] = field(default_factory=dict)
    pilots: dict[str, Pilot] = field(default_factory=dict)
    plans: dict[str, ActionPlan] = field(default_factory=dict)

    def user(self, username: str) -> Any:
        return self.users[username]


def _newest(model: Any) -> int:
    return model.objects.aggregate(top=Max("pk"))["top"] or 0


def _practices(codes: tuple[str, ...]) -> tuple[list[Any], list[Any]]:
    """Practices ("CMMI-DEV REQM SP 1.1") and their process areas, from the library."""
    areas: dict[int, Any] = {}
    practices: list[Any] = []
    for code in codes:
        model_id, area, identifier = code.split(" ", 2)
        practice = (
            model_resolve(model_id)
            .practices.select_related("process_area")
            .get(process_area__abbreviation=area, identifier=identifier)
        )
        practices.append(practice)
        if practice.process_area is not None:
            areas[practice.process_area.pk] = practice.process_area
    return list(areas.values()), practices


def _finding(appraisal: str, text: str, story: _Story) -> Any:
    """The weakness of the demo appraisal that starts with ``text`` (the process group,
    a member of both appraisal teams, sees them)."""
    return finding_list(user=story.user(PG)).get(
        appraisal__name=appraisal, kind="weakness", text__startswith=text
    )


def _submit(spec: DemoProposal, when: dt.datetime, story: _Story) -> None:
    before = _newest(ProposalTransition)
    areas, practices = _practices(spec.practices)
    extra: dict[str, Any] = {}
    if spec.finding is not None:
        extra["finding"] = _finding(*spec.finding, story)
    if spec.objective is not None:
        extra["objective"] = qppo_list().get(name=spec.objective)
    if practices:
        extra["process_areas"] = areas
        extra["practices"] = practices
    optional = {
        "source_reference": spec.reference,
        "risks": spec.risks,
        "barriers": spec.barriers,
        "success_criteria": spec.success_criteria,
        "validation_method": spec.validation_method,
    }
    numbers = {
        "estimated_cost": spec.cost,
        "running_cost": spec.running_cost,
        "estimated_effort": spec.effort,
        "estimated_duration_weeks": spec.weeks,
    }
    extra |= {key: value for key, value in optional.items() if value}
    extra |= {
        key: (Decimal(value) if key != "estimated_duration_weeks" else value)
        for key, value in numbers.items()
        if value is not None
    }
    submitter = story.user(spec.submitted_by)
    proposal = proposal_create(
        actor=submitter,
        title=spec.title,
        source_kind=spec.source_kind,
        problem_statement=spec.problem,
        proposed_change=spec.change,
        category=spec.category,
        size=spec.size,
        proven=spec.proven,
        **extra,
    )
    for measure, change, by_when, note in spec.benefits:
        benefit_add(
            proposal=proposal,
            actor=submitter,
            measure=measure_get(slug=measure),
            expected_change=Decimal(change),
            by_when=_day(by_when),
            note=note,
        )
    Proposal.objects.filter(pk=proposal.pk).update(submitted_at=when, state_changed_at=when)
    ProposalTransition.objects.filter(proposal=proposal, pk__gt=before).update(at=when)
    story.proposals[spec.title] = proposal
    story.tally.proposals += 1


def _score(spec: DemoProposal, when: dt.datetime, story: _Story) -> None:
    assert spec.scores is not None  # noqa: S101  (the event exists only when it has scores)
    proposal = story.proposals[spec.title]
    for slug, value in zip(CRITERIA_ORDER, spec.scores, strict=True):
        criterion = story.criteria.get(slug)
        if criterion is None:
            continue
        score_set(proposal=proposal, criterion=criterion, value=value, actor=story.user(PG))
        story.tally.scores += 1
    Score.objects.filter(proposal=proposal).update(scored_at=when)


def _step(spec: DemoProposal, step: Step, when: dt.datetime, story: _Story) -> None:
    before = _newest(ProposalTransition)
    proposal = Proposal.objects.get(pk=story.proposals[spec.title].pk)
    actor = story.user(step.actor)
    if step.name == "pilot_create":
        plan = spec.pilot
        assert plan is not None  # noqa: S101  (a pilot step needs the proposal's pilot)
        activities = {a.slug: a for a in work_activity_list()}
        story.pilots[spec.title] = pilot_services.pilot_create(
            proposal=proposal,
            actor=actor,
            title=plan.title,
            work_activities=[activities[slug] for slug in plan.work_activities],
            comparison_activities=[activities[slug] for slug in plan.comparison],
            measures=list(measure_list().filter(slug__in=plan.measures).order_by("slug")),
            start=_day(plan.start),
            end=_day(plan.end),
            success_criteria=plan.success_criteria,
        )
        story.tally.pilots += 1
    elif step.name == "pilot_start":
        pilot = Pilot.objects.get(pk=story.pilots[spec.title].pk)
        pilot_services.pilot_start(pilot=pilot, actor=actor)
    elif step.name == "pilot_decide":
        pilot = Pilot.objects.get(pk=story.pilots[spec.title].pk)
        pilot_services.pilot_decide(
            pilot=pilot, actor=actor, decision=step.decision, rationale=step.reason
        )
        Pilot.objects.filter(pk=pilot.pk).update(decided_at=when)
    else:
        proposal_transition(proposal=proposal, name=step.name, actor=actor, reason=step.reason)
    moved = ProposalTransition.objects.filter(proposal=proposal, pk__gt=before)
    if moved.update(at=when):
        Proposal.objects.filter(pk=proposal.pk).update(state_changed_at=when)


def _plan_create(spec: DemoPlan, when: dt.datetime, story: _Story) -> None:
    proposals = [Proposal.objects.get(title=title) for title in spec.proposals]
    before = _newest(PlanRevision)
    plan = plan_create(
        actor=story.user(spec.created_by),
        title=spec.title,
        owner=story.user(spec.owner),
        proposals=proposals,
        **spec.items,
    )
    PlanRevision.objects.filter(plan=plan, pk__gt=before).update(created_at=when)
    ActionPlan.objects.filter(pk=plan.pk).update(created_at=when, updated_at=when)
    story.plans[spec.title] = plan
    story.tally.plans += 1
    creator = story.user(spec.created_by)
    for username, role in spec.members:
        member_add(plan=plan, actor=creator, user=story.user(username), role=role)
    made: dict[str, Action] = {}
    for action in spec.actions:
        made[action.key] = action_create(
            plan=plan,
            actor=creator,
            title=action.title,
            owner=story.user(action.owner),
            start=_day(action.start),
            due=_day(action.due),
            description=action.description,
            depends_on=[made[key] for key in action.depends_on],
        )
        story.tally.actions += 1
    for action in spec.actions:
        if action.status == ActionStatus.NOT_STARTED:
            continue
        row = Action.objects.get(pk=made[action.key].pk)
        action_update(action=row, actor=creator, status=action.status)
        if action.completed_on:
            Action.objects.filter(pk=row.pk).update(completed_on=_day(action.completed_on))


def _plan_step(spec: DemoPlan, step: PlanStep, when: dt.datetime, story: _Story) -> None:
    plan = ActionPlan.objects.get(pk=story.plans[spec.title].pk)
    actor = story.user(step.actor)
    before_reviews, before_revisions = _newest(ReviewRequest), _newest(PlanRevision)
    if step.kind == "request":
        plan_request_review(
            plan=plan,
            actor=actor,
            reviewers=[(story.user(name), required) for name, required in step.reviewers],
        )
    elif step.kind == "decide":
        review = ReviewRequest.objects.get(plan=plan, revision=plan.revision, reviewer=actor)
        plan_review_decide(review=review, actor=actor, decision=step.decision, comment=step.comment)
    else:
        plan_update(
            plan=plan,
            actor=actor,
            expected_version=plan.version,
            reason=step.reason,
            **step.changes,
        )
    # What this event stamped (new requests and revisions, decisions, superseded requests)
    # carries the time of loading, later than every day of the story: set the story's.
    story.tally.reviews += ReviewRequest.objects.filter(plan=plan, pk__gt=before_reviews).update(
        requested_at=when
    )
    ReviewRequest.objects.filter(plan=plan, decided_at__gt=when).update(decided_at=when)
    PlanRevision.objects.filter(plan=plan, pk__gt=before_revisions).update(created_at=when)
    ActionPlan.objects.filter(pk=plan.pk).update(updated_at=when)


Event = tuple[str, int, Callable[[dt.datetime, _Story], None]]


def _events(story: _Story) -> list[Event]:
    """Every event of the story still to be written, as (day, order, write)."""
    events: list[Event] = []
    order = 0

    def add(day: str, write: Callable[[dt.datetime, _Story], None]) -> None:
        nonlocal order
        events.append((day, order, write))
        order += 1

    for spec in DEMO_PROPOSALS:
        if Proposal.objects.filter(title=spec.title).exists():
            continue
        add(spec.submitted_on, partial(_submit, spec))
        if spec.scores is not None:
            add(spec.scored_on, partial(_score, spec))
        for step in spec.steps:
            add(step.on, partial(_step, spec, step))
    for plan in DEMO_PLANS:
        if ActionPlan.objects.filter(title=plan.title).exists():
            continue
        add(plan.created_on, partial(_plan_create, plan))
        for plan_step in plan.steps:
            add(plan_step.on, partial(_plan_step, plan, plan_step))
    # The story's order: by day, then in the order written above (a proposal's submission
    # and scoring before its analysis on the same day).
    return sorted(events, key=lambda event: (event[0], event[1]))


@transaction.atomic
def _apply(users: dict[str, Any]) -> _Tally:
    """Replay every missing part of the story; everything or nothing."""
    criteria = {c.slug: c for c in criteria_defaults_ensure() if c.active}
    story = _Story(users=users, criteria=criteria, tally=_Tally())
    slots: dict[str, int] = {}
    for day, _, write in _events(story):
        slot = slots.get(day, 0)
        slots[day] = slot + 1
        write(_at(day, slot), story)
    return story.tally


def _missing(users: dict[str, Any]) -> str | None:
    """What the demo needs and does not find (None: everything is there)."""
    if (
        set(users) != REQUIRED_USERS
        or not work_activity_list().filter(slug="database-hosting").exists()
    ):
        return "load the demo organization first"
    appraisals = finding_list(user=users[PG]).filter(appraisal__name__in=(SCAMPI_A, SCAMPI_B))
    if len(set(appraisals.values_list("appraisal__name", flat=True))) != 2:
        return "load the demo appraisals first (they need the model library: 'uplift setup')"
    if not qppo_list().filter(name=INCIDENT_QPPO).exists():
        return "load the demo measurements first"
    return None


def improvement_demo_load() -> Iterator[str]:
    """Load the demo proposals, scores, pilots and plans; running it twice changes nothing.

    Needs the demo organization, appraisals and measurements: without them, says so and
    loads nothing. Yields one line for the command line (two when something was
    skipped); the writes happen in one transaction before the first line is yielded.
    """
    users = {
        u.get_username(): u for u in get_user_model().objects.filter(username__in=REQUIRED_USERS)
    }
    missing = _missing(users)
    if missing:
        yield f"Skipped the demo improvements: {missing}."
        return
    try:
        tally = _apply(users)
    except (ImprovementError, ObjectDoesNotExist) as error:
        yield f"Skipped the demo improvements: {error} (nothing was written)."
        return
    proposals = Proposal.objects.filter(title__in=[p.title for p in DEMO_PROPOSALS]).count()
    plans = ActionPlan.objects.filter(title__in=[p.title for p in DEMO_PLANS]).count()
    if not tally.changed:
        yield (
            f"Demo improvements already loaded: {proposals} proposals, {plans} process "
            "action plans."
        )
        return
    yield (
        f"Demo improvements: {tally.proposals} proposals (every state of the life cycle), "
        f"{tally.scores} scores, {tally.pilots} pilots, {tally.plans} process action plans "
        f"with {tally.actions} actions and {tally.reviews} review requests added."
    )
