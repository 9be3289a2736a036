"""The demo deployments of Harbourline Systems (shared/demo.md, step 4 of the story).

Three deployment plans, built on the demo improvements and the demo measurements:

- *Peer reviews for requirements* is **finished**: the rule "software-only projects of
  Product Engineering" chooses the eight projects; a pilot on three of them from
  2025-06-01, wave 1 from 2025-10-01 and wave 2 from 2026-01-01 (the waves and dates of
  the measurements' ``DEMO_EFFECTS``, so that the gates and results find the effect
  planted in the data); wave 1's gate passes on the measured defect density, wave 2's
  gate is overridden by the sponsor when a moderator's training slipped; every target
  confirmed, the plan complete, results evaluated (defect density and cycle time
  better, payback in about nine months), lessons learned and a result revision; the
  review checklist, the moderator training and the communication package are process
  asset versions, with receipts; the pilot projects' consulting is logged.
- *Incident triage runbook* is **in flight**: the rule chooses the twelve services of
  Managed Services; the pilot at the services of the service desk and network teams
  (from 2026-03-01, as ``DEMO_EFFECTS``) passed its gate and is confirmed; revision 2
  of the plan added a training gate to wave 2, agreed again; wave 2's gate now fails
  only on training (three services below 80 %); Security Monitoring opted out.
- *Capacity forecasting* is **being planned**: rule, measure, stakeholders and waves
  written, sign-off requested from three stakeholders, given by one.

The process group sets the overload limit to 1 ("no team changes two practices at
once", the known-error plan's rule): Hosting and Database Hosting receive the
runbook's wave 2 and the capacity pilot at the same time and are flagged.

Everything is written through the services, as the demo users, in the order of the
story. The services stamp what they write with the time of loading; afterwards, **for
the demo only**, each event's rows get the story's time with ``queryset.update()``
(plans' ``created_at``, ``updated_at``, ``completed_at`` and ``rule_evaluated_at``,
revisions, sign-offs, gate evaluations, manual gate checks, overrides, targets'
``updated_at``, packages, results, lessons and result revisions); dates the services
take (a wave's start and end, a target's deployed and confirmed days, releases,
receipts, consulting) are given as the story's. The history tables keep the time of
loading.

A plan is keyed on its title: one that exists is left as it is, so a second run writes
nothing. Loading needs the demo organization, measurements and improvements; without
them it says so and loads nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import transaction
from django.utils import timezone

from uplift.apps.deployments.choices import (
    GateCriterionKind,
    LessonKind,
    PlanState,
    RevisionSubject,
    RiskType,
    SignOffDecision,
    StakeholderKind,
    TargetStatus,
    WaveKind,
)
from uplift.apps.deployments.models import (
    DeploymentPlan,
    GateCriterion,
    GateEvaluation,
    Lesson,
    Package,
    PlanMeasure,
    PlanRevision,
    Result,
    ResultRevision,
    SignOff,
    Target,
    Wave,
)
from uplift.apps.deployments.services import plans as plan_services
from uplift.apps.deployments.services import results as result_services
from uplift.apps.deployments.services import support as support_services
from uplift.apps.deployments.services import targeting, targets, waves
from uplift.apps.deployments.services.coordination import coordination_settings_set
from uplift.apps.improvements.errors import ImprovementError
from uplift.apps.improvements.selectors import proposal_list
from uplift.apps.measurements.demo import DEMO_EFFECTS
from uplift.apps.measurements.selectors import measure_get, qppo_list
from uplift.apps.organization import selectors as organization_selectors
from uplift.apps.organization import services as organization_services

__all__ = [
    "DEMO_DEPLOYMENTS",
    "DEMO_OVERLOAD_LIMIT",
    "DemoDeployment",
    "deployment_demo_load",
]

# The people of the story (organization.demo; improvements.demo names the same).
PG, STEERING, SPONSOR = "process.group", "steering", "sponsor"
OWNER, PAT, PM, SERVICE_OWNER = "process.owner", "pat.member", "project.manager", "service.owner"
SERVICE_DESK_MANAGER, HOSTING_MANAGER, DATABASE_MANAGER = (
    "vera.whitlock",
    "zoe.ibarra",
    "arjun.kowal",
)
OPERATIONS_3 = "kemi.marsh"  # wrote the triage runbook; coaches the pilot teams
REQUIRED_USERS = frozenset(
    {
        PG, STEERING, SPONSOR, OWNER, PAT, PM, SERVICE_OWNER,
        SERVICE_DESK_MANAGER, HOSTING_MANAGER, DATABASE_MANAGER, OPERATIONS_3,
    }
)  # fmt: skip

PEER_REVIEWS, RUNBOOK, CAPACITY = (
    "Peer reviews for requirements",
    "Incident triage runbook",
    "Capacity forecasting",
)  # the proposals' titles (improvements.demo)
INTRANET = "https://intranet.harbourline.example/processes"

DEMO_OVERLOAD_LIMIT = 1
"""The overload limit the process group sets: no work activity takes two changes at once."""


@dataclass(frozen=True)
class DemoDeployment:
    """A deployment plan of the story and where it stands today (checked by the tests)."""

    title: str
    proposal: str
    action_plan: str
    state: str
    revision: int
    waves: tuple[str, ...]


PEER_REVIEWS_PLAN = DemoDeployment(
    title="Peer reviews for requirements: every software-only project",
    proposal=PEER_REVIEWS,
    action_plan="Peer reviews for requirements in every software-only project",
    state=PlanState.COMPLETE,
    revision=1,
    waves=("Pilot", "Wave 1", "Wave 2"),
)
RUNBOOK_PLAN = DemoDeployment(
    title="Incident triage runbook: every service of Managed Services",
    proposal=RUNBOOK,
    action_plan="Incident triage runbook: pilot and roll-out in Managed Services",
    state=PlanState.DEPLOYING,
    revision=2,
    waves=("Pilot", "Wave 2"),
)
CAPACITY_PLAN = DemoDeployment(
    title="Capacity forecasting: hosting and network services",
    proposal=CAPACITY,
    action_plan="Capacity forecasting for the hosting platform",
    state=PlanState.IN_REVIEW,
    revision=1,
    waves=("Pilot", "Wave 2"),
)
DEMO_DEPLOYMENTS: tuple[DemoDeployment, ...] = (PEER_REVIEWS_PLAN, RUNBOOK_PLAN, CAPACITY_PLAN)


def _effect_waves(slug: str) -> dict[str, tuple[dt.date | None, tuple[str, ...]]]:
    """A DEMO_EFFECTS improvement's waves: name → (start, the work activities measured)."""
    effect = next(e for e in DEMO_EFFECTS if e.slug == slug)
    return {wave.name: (wave.start, wave.measured) for wave in effect.waves}


# --- the story's clock -------------------------------------------------------------------------


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# The tables, the way from a row to its plan, and the moments the services stamp with
# the time of loading.
_STAMPS: tuple[tuple[Any, str, tuple[str, ...]], ...] = (
    (DeploymentPlan, "pk", ("created_at", "updated_at", "completed_at", "rule_evaluated_at")),
    (PlanMeasure, "plan", ("baseline_at",)),
    (PlanRevision, "plan", ("created_at",)),
    (SignOff, "plan", ("requested_at", "decided_at")),
    (Wave, "plan", ("override_at",)),
    (GateCriterion, "wave__plan", ("manual_at",)),
    (GateEvaluation, "wave__plan", ("evaluated_at",)),
    (Target, "plan", ("updated_at",)),
    (Package, "plan", ("added_at",)),
    (Result, "plan", ("evaluated_at",)),
    (Lesson, "plan", ("recorded_at",)),
    (ResultRevision, "plan", ("recorded_at",)),
)


@dataclass
class _Tally:
    """What a load wrote: the plans it made (their rows are counted at the end) and the
    process assets."""

    plans: list[int] = field(default_factory=list)
    assets: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.plans or self.assets)


@dataclass
class _Story:
    """The people, what was made, and the story's clock (events of a day 20 minutes apart
    from 09:00 UTC)."""

    users: dict[str, Any]
    tally: _Tally
    slots: dict[dt.date, int] = field(default_factory=dict)
    versions: dict[str, Any] = field(default_factory=dict)  # "asset-slug@label" → version

    def user(self, username: str) -> Any:
        return self.users[username]

    @contextmanager
    def on(self, day: str) -> Iterator[dt.date]:
        """One event of the story: what it writes to the story's plans is stamped with
        ``day``'s next slot."""
        date = _day(day)
        slot = self.slots.get(date, 0)
        self.slots[date] = slot + 1
        when = dt.datetime.combine(date, dt.time(9), tzinfo=dt.UTC) + dt.timedelta(
            minutes=20 * slot
        )
        started = timezone.now()
        yield date
        plans = self.tally.plans
        for model, path, names in _STAMPS:
            rows = model.objects.filter(**{f"{path}__in": plans})
            for name in names:
                rows.filter(**{f"{name}__gte": started}).update(**{name: when})


# --- reading what the services made ------------------------------------------------------------


def _plan(pk: int) -> DeploymentPlan:
    return DeploymentPlan.objects.get(pk=pk)


def _wave(plan_pk: int, number: int) -> Wave:
    return Wave.objects.select_related("plan").get(plan_id=plan_pk, number=number)


def _targets(plan_pk: int, slugs: tuple[str, ...] | list[str]) -> list[Target]:
    rows = Target.objects.select_related("plan", "work_activity__manager__user").filter(
        plan_id=plan_pk, work_activity__slug__in=slugs
    )
    return sorted(rows, key=lambda t: list(slugs).index(t.work_activity.slug))


def _target(plan_pk: int, slug: str) -> Target:
    return _targets(plan_pk, [slug])[0]


def _manager(target: Target, story: _Story, fallback: str) -> Any:
    """The target's manager when they have a sign-in (project managers update their own
    targets), else ``fallback``."""
    manager = target.work_activity.manager
    if manager is not None and manager.user is not None:
        return manager.user
    return story.user(fallback)


def _person(username: str) -> Any:
    return organization_selectors.person_list().get(user__username=username)


# --- steps shared by the plans -----------------------------------------------------------------


def _create(spec: DemoDeployment, story: _Story, *, actor: str, owner: str, **content: Any) -> int:
    proposal = proposal_list(user=story.user(PG)).get(title=spec.proposal)
    action_plan = proposal.plans.filter(title=spec.action_plan).first()
    plan = plan_services.plan_create(
        actor=story.user(actor),
        title=spec.title,
        proposals=[proposal],
        owner=story.user(owner),
        action_plan=action_plan,
        **content,
    )
    story.tally.plans.append(plan.pk)
    return plan.pk


def _measure(
    plan_pk: int,
    story: _Story,
    actor: str,
    *,
    measure: str,
    objective: str,
    target_value: float,
    due: str,
    value_per_unit: float | None = None,
) -> None:
    """The plan measure of ``measure`` with its QPPO, target, due date and value: the one
    ``plan_create`` prefilled from the proposal's expected benefit is replaced (the plan
    is a draft: revision 1 is edited in place)."""
    user = story.user(actor)
    for row in PlanMeasure.objects.filter(plan_id=plan_pk, measure__slug=measure):
        plan_services.measure_remove(plan_measure=row, actor=user)
    plan_services.measure_add(
        plan=_plan(plan_pk),
        actor=user,
        measure=measure_get(slug=measure),
        objective=qppo_list().get(name=objective),
        target_value=target_value,
        due=_day(due),
        value_per_unit=value_per_unit,
    )


def _barriers(plan_pk: int, story: _Story, actor: str, strategies: dict[str, str]) -> None:
    """The strategy for each barrier the proposal named (prefilled by ``plan_create``)."""
    plan = _plan(plan_pk)
    for barrier in plan.barriers.all():
        strategy = strategies.get(barrier.barrier)
        if strategy:
            plan_services.barrier_update(
                barrier=barrier, actor=story.user(actor), strategy=strategy
            )


def _stakeholders(
    plan_pk: int, story: _Story, actor: str, people: tuple[tuple[str, str, bool, str], ...]
) -> None:
    for username, kind, required, note in people:
        plan_services.stakeholder_add(
            plan=_plan(plan_pk),
            actor=story.user(actor),
            user=story.user(username),
            kind=kind,
            required=required,
            note=note,
        )


def _wave_add(
    plan_pk: int,
    story: _Story,
    actor: str,
    *,
    name: str,
    kind: str,
    start: str,
    end: str,
    slugs: tuple[str, ...],
    criteria: tuple[dict[str, Any], ...] = (),
) -> None:
    """A wave with its targets and its gate's criteria."""
    user = story.user(actor)
    wave = waves.wave_create(
        plan=_plan(plan_pk),
        actor=user,
        name=name,
        kind=kind,
        planned_start=_day(start),
        planned_end=_day(end),
    )
    waves.wave_assign(
        wave=Wave.objects.get(pk=wave.pk), actor=user, targets=_targets(plan_pk, slugs)
    )
    for criterion in criteria:
        spec = dict(criterion)
        if "measure" in spec:
            spec["measure"] = measure_get(slug=spec["measure"])
        waves.gate_criterion_add(wave=Wave.objects.get(pk=wave.pk), actor=user, **spec)


def _request(plan_pk: int, story: _Story, actor: str) -> None:
    plan_services.plan_signoff_request(plan=_plan(plan_pk), actor=story.user(actor))


def _decide(plan_pk: int, story: _Story, username: str, comment: str = "") -> None:
    """``username`` agrees to the plan's current revision."""
    plan = _plan(plan_pk)
    signoff = SignOff.objects.get(
        plan=plan, revision=plan.revision, stakeholder=story.user(username)
    )
    plan_services.plan_signoff_decide(
        signoff=signoff,
        actor=story.user(username),
        decision=SignOffDecision.AGREED,
        comment=comment,
    )


def _prepare(
    plan_pk: int, story: _Story, actor: str, training: dict[str, int], *, status: bool = True
) -> None:
    """Training shares recorded; with ``status``, targets trained to 80 % or more are
    preparing."""
    for target in _targets(plan_pk, list(training)):
        percent = training[target.work_activity.slug]
        user = _manager(target, story, actor)
        targets.target_update(target=target, actor=user, training_percent=percent)
        if status and percent >= 80 and target.status == TargetStatus.NOT_STARTED:
            targets.target_status_set(
                target=Target.objects.get(pk=target.pk), actor=user, status=TargetStatus.PREPARING
            )


def _set_status(
    plan_pk: int,
    story: _Story,
    actor: str,
    slugs: tuple[str, ...],
    status: str,
    on: dt.date,
    *,
    version: str = "",
) -> None:
    """Each target (by its manager when they may) moves to ``status`` on ``on``."""
    for target in _targets(plan_pk, slugs):
        user = _manager(target, story, actor)
        if status == TargetStatus.DEPLOYED and target.status == TargetStatus.NOT_STARTED:
            targets.target_status_set(target=target, actor=user, status=TargetStatus.PREPARING)
            target = Target.objects.get(pk=target.pk)
        targets.target_status_set(target=target, actor=user, status=status, on=on)
        if version:
            targets.target_update(
                target=Target.objects.get(pk=target.pk),
                actor=user,
                process_version=story.versions[version],
            )


def _asset(
    story: _Story,
    actor: str,
    *,
    slug: str,
    name: str,
    kind: str,
    owner: str,
    description: str,
    versions: tuple[tuple[str, str, str], ...],
) -> None:
    """A process asset and its versions (label, released on, change note), kept by slug:
    an asset or version that exists is used as it is (``name`` and ``description`` are
    only needed to create the asset)."""
    existing = organization_selectors.process_asset_list().filter(slug=slug).first()
    if existing is None:
        existing = organization_services.process_asset_create(
            actor=story.user(actor),
            slug=slug,
            name=name,
            kind=kind,
            owner=_person(owner),
            description=description,
        )
        story.tally.assets += 1
    for label, released_on, note in versions:
        version = existing.versions.filter(label=label).first()
        if version is None:
            version = organization_services.process_asset_version_create(
                asset=existing,
                actor=story.user(actor),
                label=label,
                released_on=_day(released_on),
                change_note=note,
                location=f"{INTRANET}/{slug}/{label}",
            )
        story.versions[f"{slug}@{label}"] = version


def _package(plan_pk: int, story: _Story, actor: str, version: str) -> None:
    support_services.package_add(
        plan=_plan(plan_pk), actor=story.user(actor), asset_version=story.versions[version]
    )


def _receipts(
    plan_pk: int, story: _Story, actor: str, version: str, slugs: tuple[str, ...], on: dt.date
) -> None:
    """The managers of the targets received the package (once each)."""
    package = Package.objects.get(plan_id=plan_pk, asset_version=story.versions[version])
    for target in _targets(plan_pk, slugs):
        person = target.work_activity.manager
        if person is None or package.receipts.filter(person=person).exists():
            continue
        support_services.receipt_add(
            package=package, actor=story.user(actor), person=person, received_on=on, target=target
        )


def _consult(
    plan_pk: int,
    story: _Story,
    actor: str,
    consultant: str,
    entries: tuple[tuple[str, str | None, str, str], ...],
) -> None:
    """Consulting entries: (given on, target slug or None, hours, topic)."""
    for given_on, slug, hours, topic in entries:
        support_services.consulting_add(
            plan=_plan(plan_pk),
            actor=story.user(actor),
            consultant=story.user(consultant),
            given_on=_day(given_on),
            hours=Decimal(hours),
            topic=topic,
            target=_target(plan_pk, slug) if slug else None,
        )


def _evaluate(plan_pk: int, number: int, story: _Story, actor: str) -> None:
    waves.gate_evaluate(wave=_wave(plan_pk, number), actor=story.user(actor))


def _start(plan_pk: int, number: int, story: _Story, actor: str, on: dt.date) -> None:
    waves.wave_start(wave=_wave(plan_pk, number), actor=story.user(actor), on=on)


def _finish(plan_pk: int, number: int, story: _Story, actor: str, on: dt.date) -> None:
    waves.wave_finish(wave=_wave(plan_pk, number), actor=story.user(actor), on=on)


# --- peer reviews for requirements: finished ---------------------------------------------------

PEER = _effect_waves("peer-reviews-for-requirements")
PEER_PILOT, PEER_WAVE_1, PEER_WAVE_2 = (PEER[name][1] for name in ("Pilot", "Wave 1", "Wave 2"))
PEER_ALL = PEER_PILOT + PEER_WAVE_1 + PEER_WAVE_2
CHECKLIST, MODERATOR_TRAINING, REVIEW_BRIEFING = (
    "requirements-review-checklist",
    "requirements-review-moderator-training",
    "requirements-review-briefing",
)
# What one defects/KLOC less is worth a month over the eight projects: the defects that
# no longer reach test and customers (about 30 hours each to find, fix and retest).
PEER_VALUE_PER_DEFECT_DENSITY = 23500.0


def _peer_reviews(story: _Story) -> None:
    spec = PEER_REVIEWS_PLAN
    with story.on("2025-05-12"):
        pk = _create(
            spec,
            story,
            actor=OWNER,
            owner=OWNER,
            adjustment="The software-only projects adopt the review as the pilot shapes it: "
            "a checklist, a trained moderator, the product owner, a developer and a "
            "tester; at most 90 minutes a session, planned as sprint work.",
            risk_strategies="Reviews become a formality: trained moderators and the "
            "checklist; the process group samples the findings every month. Sprint "
            "capacity drops at first: accepted, reviews are planned as sprint work. "
            "Product owners not available: booked a sprint ahead by the project managers.",
            schedule_notes="Pilot on three projects from June 2025; wave 1 (three more) "
            "from October 2025 if defect density improved in the pilot; wave 2 (the last "
            "two) from January 2026 when their moderators are trained.",
            planned_start=_day("2025-06-01"),
            planned_end=_day("2026-02-27"),
            payback_target_months=12,
            response_time_target_days=5,
        )
        targeting.plan_rule_set(
            plan=_plan(pk),
            actor=story.user(OWNER),
            rule={
                "unit": ["product-engineering"],
                "kind": ["project"],
                "activity_type": ["software_only"],
            },
        )
        _barriers(
            pk,
            story,
            OWNER,
            {
                "Product owners' availability for reviews": "Project managers book the "
                "product owner a sprint ahead; a review without them is moved, not held.",
                "No review checklist yet": "The checklist is written before the pilot and "
                "revised with its lessons before wave 1.",
            },
        )
        plan_services.adjustment_add(
            plan=_plan(pk),
            actor=story.user(OWNER),
            segment_label="Projects still in planning",
            segment={"phase": ["planning"]},
            description="Review the first requirements baseline before the first sprint, "
            "then every significant change.",
        )
        plan_services.adjustment_add(
            plan=_plan(pk),
            actor=story.user(OWNER),
            segment_label="Large projects",
            segment={"size": ["large"]},
            description="Two moderators; reviews split by feature area so that none "
            "lasts more than 90 minutes.",
        )
        for risk_type, text in (
            (RiskType.WORK, "Requirements defects found late, in system test and by customers."),
            (
                RiskType.ORGANIZATIONAL,
                "Missing the defect density QPPO of the software-only projects.",
            ),
        ):
            plan_services.risk_add(
                plan=_plan(pk), actor=story.user(OWNER), risk_type=risk_type, description=text
            )
        _measure(
            pk,
            story,
            OWNER,
            measure="defect-density",
            objective="Defect density of software-only projects at most 1.0 defects/KLOC",
            target_value=1.0,
            due="2026-12-31",
            value_per_unit=PEER_VALUE_PER_DEFECT_DENSITY,
        )
        _measure(
            pk,
            story,
            OWNER,
            measure="cycle-time",
            objective="Cycle time of software-only projects at most 20 days",
            target_value=20.0,
            due="2026-12-31",
        )
        _stakeholders(
            pk,
            story,
            OWNER,
            (
                (SPONSOR, StakeholderKind.SPONSOR, True, "Chief operating officer"),
                (PM, StakeholderKind.TARGET_GROUP, True, "The software-only projects' managers"),
                (PAT, StakeholderKind.SUPPORT, True, "The process action team: coaching"),
                (STEERING, StakeholderKind.OTHER, False, "Steering committee"),
            ),
        )
        _wave_add(
            pk,
            story,
            OWNER,
            name="Pilot",
            kind=WaveKind.PILOT,
            start="2025-06-01",
            end="2025-09-30",
            slugs=PEER_PILOT,
            criteria=(
                {
                    "kind": GateCriterionKind.MANUAL,
                    "description": "The review checklist is written and three moderators "
                    "are trained",
                },
            ),
        )
        _wave_add(
            pk,
            story,
            OWNER,
            name="Wave 1",
            kind=WaveKind.WAVE,
            start="2025-10-01",
            end="2025-12-19",
            slugs=PEER_WAVE_1,
            criteria=(
                {
                    "kind": GateCriterionKind.MEASURE_IMPROVED,
                    "description": "Defect density improved by 10 % with 90 % confidence "
                    "in the pilot",
                    "measure": "defect-density",
                    "threshold": 10.0,
                    "confidence": 0.9,
                },
                {
                    "kind": GateCriterionKind.DEPLOYED_SHARE,
                    "description": "Every pilot project deployed",
                    "threshold": 100.0,
                },
            ),
        )
        _wave_add(
            pk,
            story,
            OWNER,
            name="Wave 2",
            kind=WaveKind.WAVE,
            start="2026-01-01",
            end="2026-02-27",
            slugs=PEER_WAVE_2,
            criteria=(
                {
                    "kind": GateCriterionKind.MEASURE_IMPROVED,
                    "description": "Cycle time improved by 5 % with 90 % confidence in "
                    "the earlier waves",
                    "measure": "cycle-time",
                    "threshold": 5.0,
                    "confidence": 0.9,
                },
                {
                    "kind": GateCriterionKind.TRAINING_COMPLETION,
                    "description": "No project below 80 % of its moderators trained",
                    "threshold": 80.0,
                },
            ),
        )
    with story.on("2025-05-19"):
        _asset(
            story,
            OWNER,
            slug=MODERATOR_TRAINING,
            name="Requirements review moderator training",
            kind="training_material",
            owner=OWNER,
            description="Two days: the checklist, running a session, recording findings.",
            versions=(("1.0", "2025-05-19", "First version, for the pilot's moderators."),),
        )
        _request(pk, story, OWNER)
    with story.on("2025-05-21"):
        _decide(pk, story, PM, "Fine for my projects; keep the sessions under 90 minutes.")
    with story.on("2025-05-22"):
        _decide(pk, story, PAT, "We coach the pilot's first reviews.")
    with story.on("2025-05-26"):
        _decide(pk, story, SPONSOR, "Agreed.")
        _asset(
            story,
            OWNER,
            slug=CHECKLIST,
            name="Requirements review checklist",
            kind="checklist",
            owner=OWNER,
            description="What a requirements review checks: ambiguity, completeness, "
            "testability, consistency, traceability to the customer's request.",
            versions=(("1.0", "2025-05-26", "First version, for the pilot."),),
        )
        _asset(
            story,
            OWNER,
            slug=REVIEW_BRIEFING,
            name="Peer reviews for requirements: briefing for project teams",
            kind="communication_package",
            owner=OWNER,
            description="Why and how the projects review their requirements: slides, a "
            "one-page guide and questions and answers.",
            versions=(("1.0", "2025-05-26", "For the pilot and both waves."),),
        )
        _package(pk, story, OWNER, f"{MODERATOR_TRAINING}@1.0")
        _package(pk, story, OWNER, f"{REVIEW_BRIEFING}@1.0")
    with story.on("2025-05-27"):
        _decide(pk, story, STEERING, "Report the pilot's results to the committee.")
    with story.on("2025-05-29"):
        criterion = _wave(pk, 1).criteria.get()
        waves.gate_manual_set(criterion=criterion, actor=story.user(OWNER), met=True)
        _prepare(pk, story, OWNER, dict.fromkeys(PEER_PILOT, 100))
        for version in (MODERATOR_TRAINING, REVIEW_BRIEFING):
            _receipts(pk, story, OWNER, f"{version}@1.0", PEER_PILOT, _day("2025-05-29"))
    pilot_start, wave_1_start, wave_2_start = (
        PEER[name][0] for name in ("Pilot", "Wave 1", "Wave 2")
    )
    # DEMO_EFFECTS dates the three waves.
    assert pilot_start is not None  # noqa: S101
    assert wave_1_start is not None  # noqa: S101
    assert wave_2_start is not None  # noqa: S101
    with story.on(pilot_start.isoformat()) as day:
        _start(pk, 1, story, OWNER, day)
        _set_status(
            pk, story, OWNER, PEER_PILOT, TargetStatus.DEPLOYED, day, version=f"{CHECKLIST}@1.0"
        )
    _consult(
        pk,
        story,
        PAT,
        PAT,
        (
            ("2025-06-04", PEER_PILOT[0], "3", "Moderating the first requirements review"),
            ("2025-06-05", PEER_PILOT[1], "3", "Moderating the first requirements review"),
            ("2025-06-06", PEER_PILOT[2], "3", "Moderating the first requirements review"),
            ("2025-06-18", PEER_PILOT[2], "2", "Splitting a large baseline into sessions"),
            ("2025-07-02", None, "4", "Moderators' clinic: findings that are not defects"),
            ("2025-07-16", PEER_PILOT[1], "1.5", "Reviewing a change request mid-sprint"),
        ),
    )
    with story.on("2025-09-29"):
        _asset(
            story,
            OWNER,
            slug=CHECKLIST,
            name="",
            kind="checklist",
            owner=OWNER,
            description="",
            versions=(
                (
                    "1.1",
                    "2025-09-29",
                    "The pilot's lessons: a section on interfaces, shorter wording; "
                    "findings recorded in the tracker.",
                ),
            ),
        )
        _prepare(pk, story, OWNER, dict.fromkeys(PEER_WAVE_1, 100))
        for version in (MODERATOR_TRAINING, REVIEW_BRIEFING):
            _receipts(pk, story, OWNER, f"{version}@1.0", PEER_WAVE_1, _day("2025-09-29"))
        _evaluate(pk, 2, story, PG)
    with story.on("2025-09-30") as day:
        _finish(pk, 1, story, OWNER, day)
    with story.on(wave_1_start.isoformat()) as day:
        _start(pk, 2, story, OWNER, day)
        _set_status(
            pk, story, OWNER, PEER_WAVE_1, TargetStatus.DEPLOYED, day, version=f"{CHECKLIST}@1.1"
        )
    with story.on("2025-12-01") as day:
        _set_status(
            pk, story, OWNER, PEER_PILOT, TargetStatus.CONFIRMED, day, version=f"{CHECKLIST}@1.1"
        )
    with story.on("2025-12-19") as day:
        _finish(pk, 2, story, OWNER, day)
        # Two moderators of wave 2 were ill in December: Berth Planner has one of two.
        _prepare(pk, story, OWNER, {PEER_WAVE_2[0]: 100, PEER_WAVE_2[1]: 50})
        for version in (MODERATOR_TRAINING, REVIEW_BRIEFING):
            _receipts(pk, story, OWNER, f"{version}@1.0", PEER_WAVE_2, day)
    with story.on("2025-12-22"):
        _evaluate(pk, 3, story, PG)  # training: Berth Planner at 50 %, not passed
    with story.on("2025-12-23"):
        waves.gate_override(
            wave=_wave(pk, 3),
            actor=story.user(SPONSOR),
            reason="Berth Planner starts with its one trained moderator; the second is "
            "trained in the first week of January. Waiting would cost a quarter.",
        )
    with story.on(wave_2_start.isoformat()) as day:
        _start(pk, 3, story, OWNER, day)
        _set_status(
            pk, story, OWNER, PEER_WAVE_2, TargetStatus.DEPLOYED, day, version=f"{CHECKLIST}@1.1"
        )
    with story.on("2026-01-09"):
        _prepare(pk, story, OWNER, {PEER_WAVE_2[1]: 100}, status=False)
    with story.on("2026-02-20") as day:
        _set_status(pk, story, OWNER, PEER_WAVE_1, TargetStatus.CONFIRMED, day)
    with story.on("2026-02-27") as day:
        _finish(pk, 3, story, OWNER, day)
    with story.on("2026-03-02") as day:
        _set_status(pk, story, OWNER, PEER_WAVE_2, TargetStatus.CONFIRMED, day)
        result_services.plan_confirm(plan=_plan(pk), actor=story.user(OWNER))
    with story.on("2026-07-03"):
        result_services.result_evaluate(plan=_plan(pk), actor=story.user(PG), seed=0)
        for risk in _plan(pk).mitigated_risks.all():
            result_services.risk_mitigated_set(risk=risk, actor=story.user(PG), mitigated=True)
        result_services.response_time_set(plan=_plan(pk), actor=story.user(PG), days=4)
    with story.on("2026-07-08"):
        for username, kind, text in (
            (
                PAT,
                LessonKind.WENT_WELL,
                "Trained moderators kept the sessions short (70 minutes on average) and "
                "the findings concrete; the checklist's 1.1 revision after the pilot helped "
                "the waves start faster.",
            ),
            (
                OWNER,
                LessonKind.TO_CHANGE,
                "Train a wave's moderators a month before it starts, with a stand-in: two "
                "moderators falling ill in December forced the override of wave 2's gate.",
            ),
            (
                PM,
                LessonKind.SURPRISE,
                "Cycle time fell as well, by about a tenth: fewer stories came back from "
                "test with questions about what was meant.",
            ),
        ):
            result_services.lesson_add(
                plan=_plan(pk), actor=story.user(username), kind=kind, text=text
            )
    with story.on("2026-07-10"):
        result_services.result_revision_add(
            plan=_plan(pk),
            actor=story.user(PG),
            subject_kind=RevisionSubject.OBJECTIVE,
            subject="Defect density of software-only projects at most 1.0 defects/KLOC",
            change="Met since wave 2 (about 0.9 over the last six months): the steering "
            "committee is asked to tighten the QPPO to 0.9 defects/KLOC for 2027.",
        )


# --- incident triage runbook: in flight --------------------------------------------------------

RUNBOOK_WAVES = _effect_waves("incident-triage-runbook")
# The targets are the services: the runbook is applied where incidents are resolved, and
# the services carry the incident resolution times the gates read (DEMO_EFFECTS' measured
# work activities of the service desk and network teams).
RUNBOOK_PILOT = RUNBOOK_WAVES["Pilot"][1]
RUNBOOK_WAVE_2 = RUNBOOK_WAVES["Wave 2"][1]
RUNBOOK_OPTED_OUT = "security-monitoring"
RUNBOOK_TRAINING = {
    "hosting": 100,
    "database-hosting": 90,
    "identity-and-access": 85,
    "backup-and-restore": 60,  # the Storage and Workplace teams' sessions moved twice
    "file-storage": 55,
    "payroll-platform": 100,
    "email-and-calendar": 95,
    "laptop-provisioning": 40,
}
RUNBOOK_DOC, RUNBOOK_BRIEFING, RUNBOOK_COURSE = (
    "incident-triage-runbook",
    "incident-triage-briefing",
    "incident-triage-training",
)


def _runbook(story: _Story) -> None:
    spec = RUNBOOK_PLAN
    with story.on("2026-02-09"):
        pk = _create(
            spec,
            story,
            actor=PG,
            owner=PG,
            adjustment="The runbook is the same for every service; each team adds the first "
            "checks of its own services to the categories it owns.",
            risk_strategies="The runbook goes out of date: each team reviews its part every "
            "quarter. Teams without training keep their habits: a wave starts only when its "
            "teams are trained. Incident peaks in December: no team switches in the last two "
            "weeks of December.",
            schedule_notes="Pilot at the service desk and network teams' services from "
            "2026-03-01 to 2026-06-30; the other services in one wave after the pilot passed "
            "its gate.",
            planned_start=_day("2026-03-01"),
            planned_end=_day("2027-04-30"),
            payback_target_months=6,
        )
        targeting.plan_rule_set(
            plan=_plan(pk),
            actor=story.user(PG),
            rule={"unit": ["managed-services"], "kind": ["service"]},
        )
        _barriers(
            pk,
            story,
            PG,
            {
                "Training of seven service teams": "Training sessions recorded and repeated "
                "for the teams on shifts; wave 2 waits for the last team.",
                "The incident tool's categories must change": "The tool's categories are "
                "changed before the pilot, for every team at once.",
            },
        )
        for risk_type, text in (
            (RiskType.WORK, "Incidents escalated late because nobody owns them after logging."),
            (RiskType.ORGANIZATIONAL, "Missing the incident resolution QPPO of Managed Services."),
        ):
            plan_services.risk_add(
                plan=_plan(pk), actor=story.user(PG), risk_type=risk_type, description=text
            )
        _measure(
            pk,
            story,
            PG,
            measure="incident-resolution-time",
            objective="Incident resolution time in Managed Services at most 8 hours",
            target_value=8.0,
            due="2027-06-30",
            value_per_unit=1500.0,
        )
        _stakeholders(
            pk,
            story,
            PG,
            (
                (SPONSOR, StakeholderKind.SPONSOR, True, "Chief operating officer"),
                (SERVICE_OWNER, StakeholderKind.TARGET_GROUP, True, "The service teams"),
                (SERVICE_DESK_MANAGER, StakeholderKind.TARGET_GROUP, True, "The service desk"),
                (STEERING, StakeholderKind.OTHER, True, "Steering committee"),
            ),
        )
        _wave_add(
            pk,
            story,
            PG,
            name="Pilot",
            kind=WaveKind.PILOT,
            start="2026-03-01",
            end="2026-06-30",
            slugs=RUNBOOK_PILOT,
            criteria=(
                {
                    "kind": GateCriterionKind.MANUAL,
                    "description": "The runbook is written and the pilot teams are briefed",
                },
            ),
        )
        _wave_add(
            pk,
            story,
            PG,
            name="Wave 2",
            kind=WaveKind.WAVE,
            start="2026-11-02",
            end="2027-01-29",
            slugs=tuple(slug for slug in RUNBOOK_WAVE_2 if slug != RUNBOOK_OPTED_OUT),
            criteria=(
                {
                    "kind": GateCriterionKind.MEASURE_IMPROVED,
                    "description": "Incident resolution time improved by 10 % with 90 % "
                    "confidence in the pilot",
                    "measure": "incident-resolution-time",
                    "threshold": 10.0,
                    "confidence": 0.9,
                },
                {
                    "kind": GateCriterionKind.DEPLOYED_SHARE,
                    "description": "Every pilot service deployed",
                    "threshold": 100.0,
                },
            ),
        )
    with story.on("2026-02-10"):
        # Security Monitoring's manager opts out while the plan is drafted: it is in no wave.
        opted = _target(pk, RUNBOOK_OPTED_OUT)
        targets.target_status_set(
            target=opted,
            actor=_manager(opted, story, PG),
            status=TargetStatus.OPTED_OUT,
            reason="Security incidents follow the security incident response procedure; the "
            "runbook's categories and hand-overs do not fit them.",
        )
    with story.on("2026-02-11"):
        _request(pk, story, PG)
    with story.on("2026-02-12"):
        _decide(pk, story, SERVICE_OWNER, "The teams are ready for it.")
    with story.on("2026-02-13"):
        _decide(pk, story, SERVICE_DESK_MANAGER, "")
    with story.on("2026-02-16"):
        _decide(pk, story, SPONSOR, "")
    with story.on("2026-02-18"):
        _decide(pk, story, STEERING, "Keep the comparison services unchanged until July.")
    with story.on("2026-02-20"):
        _asset(
            story,
            PG,
            slug=RUNBOOK_DOC,
            name="Incident triage runbook",
            kind="procedure",
            owner=SERVICE_OWNER,
            description="Categories with their first checks, hand-over rules, and escalation "
            "after two hours without progress.",
            versions=(("1.0", "2026-02-20", "First version, for the pilot."),),
        )
        _asset(
            story,
            PG,
            slug=RUNBOOK_BRIEFING,
            name="Incident triage runbook: briefing for service teams",
            kind="communication_package",
            owner=SERVICE_OWNER,
            description="What changes at logging and hand-over, in one page and ten slides.",
            versions=(("1.0", "2026-02-20", "For the pilot teams."),),
        )
        _package(pk, story, PG, f"{RUNBOOK_BRIEFING}@1.0")
    with story.on("2026-02-26"):
        criterion = _wave(pk, 1).criteria.get()
        waves.gate_manual_set(criterion=criterion, actor=story.user(PG), met=True)
    with story.on("2026-02-27") as day:
        _prepare(pk, story, PG, dict.fromkeys(RUNBOOK_PILOT, 100))
        _receipts(pk, story, PG, f"{RUNBOOK_BRIEFING}@1.0", RUNBOOK_PILOT, day)
        _evaluate(pk, 1, story, PG)
    start = RUNBOOK_WAVES["Pilot"][0]
    assert start is not None  # noqa: S101  (DEMO_EFFECTS dates the pilot)
    with story.on(start.isoformat()) as day:
        _start(pk, 1, story, PG, day)
        _set_status(
            pk, story, PG, RUNBOOK_PILOT, TargetStatus.DEPLOYED, day, version=f"{RUNBOOK_DOC}@1.0"
        )
    _consult(
        pk,
        story,
        PG,
        OPERATIONS_3,
        (
            ("2026-03-03", RUNBOOK_PILOT[0], "4", "Triage at logging: the first week"),
            ("2026-03-05", RUNBOOK_PILOT[1], "2", "Hand-over from the service desk"),
            ("2026-03-05", RUNBOOK_PILOT[2], "2", "Hand-over from the service desk"),
            ("2026-03-24", RUNBOOK_PILOT[0], "1.5", "Escalating stale incidents after 2 hours"),
            ("2026-04-14", None, "3", "Pilot review: categories that do not fit"),
        ),
    )
    with story.on("2026-06-30") as day:
        _finish(pk, 1, story, PG, day)
    with story.on("2026-07-10") as day:
        _set_status(pk, story, PG, RUNBOOK_PILOT, TargetStatus.CONFIRMED, day)
    with story.on("2026-07-15"):
        _asset(
            story,
            PG,
            slug=RUNBOOK_DOC,
            name="",
            kind="procedure",
            owner=SERVICE_OWNER,
            description="",
            versions=(
                (
                    "1.1",
                    "2026-07-15",
                    "The pilot's lessons: two categories merged; remote access checks first.",
                ),
            ),
        )
        for target in _targets(pk, RUNBOOK_PILOT):
            targets.target_update(
                target=target,
                actor=story.user(PG),
                process_version=story.versions[f"{RUNBOOK_DOC}@1.1"],
            )
    with story.on("2026-08-24"):
        # A content change after the agreement: revision 2, agreement asked again.
        waves.gate_criterion_add(
            wave=_wave(pk, 2),
            actor=story.user(PG),
            kind=GateCriterionKind.TRAINING_COMPLETION,
            description="No service below 80 % of its team trained on the runbook",
            threshold=80.0,
        )
        _asset(
            story,
            PG,
            slug=RUNBOOK_COURSE,
            name="Incident triage runbook training",
            kind="training_material",
            owner=SERVICE_OWNER,
            description="A two-hour session with exercises on last year's incidents; "
            "recorded for the teams on shifts.",
            versions=(("1.0", "2026-08-28", "For wave 2's teams."),),
        )
        _package(pk, story, PG, f"{RUNBOOK_COURSE}@1.0")
    with story.on("2026-09-01"):
        _decide(pk, story, SPONSOR, "Agreed; the training gate is the right call.")
    with story.on("2026-09-02"):
        _decide(pk, story, SERVICE_OWNER, "")
        _decide(pk, story, SERVICE_DESK_MANAGER, "")
    with story.on("2026-09-03"):
        _decide(pk, story, STEERING, "")
    with story.on("2026-10-30") as day:
        _prepare(pk, story, PG, RUNBOOK_TRAINING)
        _receipts(pk, story, PG, f"{RUNBOOK_COURSE}@1.0", RUNBOOK_WAVE_2, day)
    with story.on("2026-11-16"):
        _evaluate(pk, 2, story, PG)  # passes on the data, fails on training


# --- capacity forecasting: being planned -------------------------------------------------------

CAPACITY_PILOT = ("database-hosting", "hosting")
CAPACITY_WAVE_2 = ("network", "remote-access")


def _capacity(story: _Story) -> None:
    spec = CAPACITY_PLAN
    with story.on("2026-11-02"):
        pk = _create(
            spec,
            story,
            actor=PG,
            owner=PG,
            adjustment="Hosting services forecast storage and compute; network services "
            "forecast bandwidth and remote sessions.",
            risk_strategies="Usage data incomplete before 2025: the model starts from 2025. "
            "Forecasts ignored: each is reviewed at the operations review with a named owner.",
            schedule_notes="Pilot at Database Hosting and Hosting from December 2026 to "
            "March 2027; the network services from May 2027 if availability improved.",
            planned_start=_day("2026-12-01"),
            planned_end=_day("2027-06-30"),
            payback_target_months=24,
        )
        targeting.plan_rule_set(
            plan=_plan(pk),
            actor=story.user(PG),
            rule={
                "unit": ["managed-services"],
                "kind": ["service"],
                "attributes": {"service_team": ["hosting-team", "network-team"]},
            },
        )
        _barriers(
            pk,
            story,
            PG,
            {
                "Data export from the monitoring tool": "A nightly export to the measurement "
                "store, set up by the hosting team in November.",
                "Modelling skills in the hosting team": "Two engineers trained; the vendor's "
                "support hours bought for the pilot.",
            },
        )
        plan_services.risk_add(
            plan=_plan(pk),
            actor=story.user(PG),
            risk_type=RiskType.WORK,
            description="Capacity shortages found only when they cause downtime.",
        )
        _measure(
            pk,
            story,
            PG,
            measure="availability",
            objective="Availability of hosting and network services at least 99.5 %",
            target_value=99.5,
            due="2027-06-30",
        )
        _stakeholders(
            pk,
            story,
            PG,
            (
                (SPONSOR, StakeholderKind.SPONSOR, True, "Chief operating officer"),
                (STEERING, StakeholderKind.OTHER, True, "Steering committee"),
                (HOSTING_MANAGER, StakeholderKind.TARGET_GROUP, True, "The hosting team"),
                (SERVICE_OWNER, StakeholderKind.OTHER, False, "Service owner"),
            ),
        )
        _wave_add(
            pk,
            story,
            PG,
            name="Pilot",
            kind=WaveKind.PILOT,
            start="2026-12-01",
            end="2027-03-31",
            slugs=CAPACITY_PILOT,
            criteria=(
                {
                    "kind": GateCriterionKind.MANUAL,
                    "description": "The demand model is built and the capacity strategy agreed",
                },
            ),
        )
        _wave_add(
            pk,
            story,
            PG,
            name="Wave 2",
            kind=WaveKind.WAVE,
            start="2027-05-03",
            end="2027-06-30",
            slugs=CAPACITY_WAVE_2,
            criteria=(
                {
                    "kind": GateCriterionKind.MEASURE_IMPROVED,
                    "description": "Availability improved by 0.2 % with 90 % confidence in "
                    "the pilot",
                    "measure": "availability",
                    "threshold": 0.2,
                    "confidence": 0.9,
                },
            ),
        )
    with story.on("2026-11-16"):
        _request(pk, story, PG)
    with story.on("2026-11-18"):
        _decide(pk, story, STEERING, "Agreed; the pilot's gate is clear.")
    with story.on("2026-11-19"):
        coordination_settings_set(actor=story.user(PG), overload_limit=DEMO_OVERLOAD_LIMIT)


STORIES: tuple[tuple[DemoDeployment, Callable[[_Story], None]], ...] = (
    (PEER_REVIEWS_PLAN, _peer_reviews),
    (RUNBOOK_PLAN, _runbook),
    (CAPACITY_PLAN, _capacity),
)


# --- loading -----------------------------------------------------------------------------------


@transaction.atomic
def _apply(users: dict[str, Any]) -> _Tally:
    """Write every plan that is missing; everything or nothing."""
    story = _Story(users=users, tally=_Tally())
    for spec, tell in STORIES:
        if DeploymentPlan.objects.filter(title=spec.title).exists():
            continue
        tell(story)
    return story.tally


def _missing(users: dict[str, Any]) -> str | None:
    """What the demo needs and does not find (None: everything is there)."""
    if set(users) != REQUIRED_USERS:
        return "load the demo organization first"
    if not qppo_list().filter(name__startswith="Incident resolution time").exists():
        return "load the demo measurements first"
    titles = {spec.proposal for spec in DEMO_DEPLOYMENTS}
    found = proposal_list(user=users[PG]).filter(title__in=titles).values_list("title", flat=True)
    if set(found) != titles:
        return "load the demo improvements first"
    return None


def deployment_demo_load() -> Iterator[str]:
    """Load the demo deployment plans; running it twice changes nothing.

    Needs the demo organization, measurements and improvements: without them, says so
    and loads nothing. Yields one line for the command line; the writes happen in one
    transaction before it is yielded.
    """
    users = {
        u.get_username(): u for u in get_user_model().objects.filter(username__in=REQUIRED_USERS)
    }
    missing = _missing(users)
    if missing:
        yield f"Skipped the demo deployments: {missing}."
        return
    try:
        tally = _apply(users)
    except (ImprovementError, ObjectDoesNotExist, ValidationError) as error:
        yield f"Skipped the demo deployments: {error} (nothing was written)."
        return
    if not tally.changed:
        plans = DeploymentPlan.objects.filter(title__in=[d.title for d in DEMO_DEPLOYMENTS])
        yield f"Demo deployments already loaded: {plans.count()} deployment plans."
        return
    made = tally.plans
    yield (
        f"Demo deployments: {len(made)} deployment plans with "
        f"{Wave.objects.filter(plan__in=made).count()} waves, "
        f"{Target.objects.filter(plan__in=made).count()} targets, "
        f"{SignOff.objects.filter(plan__in=made).count()} sign-offs, "
        f"{GateEvaluation.objects.filter(wave__plan__in=made).count()} gate evaluations, "
        f"{Result.objects.filter(plan__in=made).count()} results and {tally.assets} process "
        "assets added."
    )
