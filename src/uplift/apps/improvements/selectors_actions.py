"""Reads of process action plans' execution: teams, actions, timelines, the plan list.

- ``plan_actions_context``: the team and actions section of a plan's page (part C1's
  page includes ``partials/improvements/plan_actions_section.html`` with this context);
- ``actions_owed``: a person's open actions across plans, late ones first;
- ``timeline``: the rows of a plan's Gantt chart, in days from its earliest date;
- ``plan_list``: plans with their counts of actions, late actions and proposals;
- ``plan_document``: everything the print view and the PDF show.

An action is *late* when its due date is before today and it is neither done nor
cancelled ("today" is the site's local date). None of these check permissions beyond
saying what ``user`` may do: the caller has checked that the user may read plans.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models import Value as V
from django.db.models.functions import Coalesce
from django.utils import timezone

from uplift.apps.improvements.choices import ActionStatus, PlanRole, ReviewDecision
from uplift.apps.improvements.models import (
    PLAN_FIELDS,
    Action,
    ActionPlan,
    PlanMember,
    Proposal,
    ReviewRequest,
)
from uplift.apps.improvements.permissions import plan_can_edit

__all__ = [
    "CLOSED",
    "ActionRow",
    "PlanDocument",
    "PlanRights",
    "Timeline",
    "TimelineRow",
    "TimelineTick",
    "action_is_late",
    "action_list",
    "actions_owed",
    "member_list",
    "plan_actions_context",
    "plan_document",
    "plan_list",
    "plan_rights",
    "team_by_role",
    "timeline",
    "user_by_username",
]

CLOSED = (ActionStatus.DONE, ActionStatus.CANCELLED)


def _today() -> dt.date:
    return timezone.localdate()


def action_is_late(action: Action, today: dt.date | None = None) -> bool:
    """Due before today and neither done nor cancelled."""
    today = today or _today()
    return action.due < today and action.status not in CLOSED


def _late_q(today: dt.date) -> Q:
    return Q(due__lt=today) & ~Q(status__in=CLOSED)


# -- rights -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanRights:
    """What a user may do with a plan's team and actions (see ``services.actions``)."""

    edit_plan: bool
    add_action: bool
    change_action: bool
    delete_action: bool
    add_member: bool
    remove_member: bool


def plan_rights(user: Any, plan: ActionPlan) -> PlanRights:
    """The user's rights on the plan's team and actions, asking ``plan_can_edit`` once."""
    editable = bool(user is not None and user.is_authenticated and plan_can_edit(user, plan))

    def may(codename: str) -> bool:
        return editable and bool(user.has_perm(f"improvements.{codename}"))

    return PlanRights(
        edit_plan=editable,
        add_action=may("add_action"),
        change_action=may("change_action"),
        delete_action=may("delete_action"),
        add_member=may("add_planmember"),
        remove_member=may("delete_planmember"),
    )


# -- actions and team ---------------------------------------------------------------------


@dataclass(frozen=True)
class ActionRow:
    """An action as lists show it: late or not, its dependencies, what the user may do."""

    action: Action
    late: bool
    days_late: int
    dependencies: tuple[Action, ...]
    can_change: bool = False
    can_change_status: bool = False
    can_delete: bool = False

    @property
    def waiting_for(self) -> tuple[Action, ...]:
        """The dependencies still open (neither done nor cancelled)."""
        return tuple(d for d in self.dependencies if d.status not in CLOSED)


def _row(
    action: Action, today: dt.date, user: Any = None, rights: PlanRights | None = None
) -> ActionRow:
    late = action_is_late(action, today)
    owner = user is not None and user.is_authenticated and action.owner_id == user.pk
    return ActionRow(
        action=action,
        late=late,
        days_late=(today - action.due).days if late else 0,
        dependencies=tuple(action.depends_on.all()),
        can_change=bool(rights and rights.change_action),
        can_change_status=bool(owner or (rights and rights.change_action)),
        can_delete=bool(rights and rights.delete_action),
    )


def _plan_actions(plan: ActionPlan) -> list[Action]:
    return list(
        plan.actions.select_related("owner")
        .prefetch_related(Prefetch("depends_on", queryset=Action.objects.order_by("due", "pk")))
        .order_by("due", "position", "pk")
    )


def team_by_role(members: Iterable[PlanMember]) -> list[tuple[str, str, list[PlanMember]]]:
    """Members grouped by role, in the roles' order: (value, label, members); empty
    roles are left out."""
    groups: dict[str, list[PlanMember]] = {role: [] for role in PlanRole.values}
    for member in members:
        groups.setdefault(member.role, []).append(member)
    labels = dict(PlanRole.choices)
    return [(role, str(labels.get(role, role)), rows) for role, rows in groups.items() if rows]


def _members(plan: ActionPlan) -> list[PlanMember]:
    return list(
        plan.members.select_related("user").order_by(
            "user__last_name", "user__first_name", "user__username", "pk"
        )
    )


def plan_actions_context(*, plan: ActionPlan, user: Any) -> dict[str, Any]:
    """The context of ``partials/improvements/plan_actions_section.html``.

    Merge it into the plan page's context (``context.update(...)``); its keys are
    prefixed so that they do not clash with the page's own: ``actions_plan``,
    ``team_members``, ``team_groups`` (role, label, members), ``action_rows``
    (``ActionRow``), ``late_action_count``, ``actions_today`` and ``plan_rights``
    (``PlanRights``). Four queries (plan_can_edit may add one).
    """
    today = _today()
    rights = plan_rights(user, plan)
    members = _members(plan)
    rows = [_row(action, today, user, rights) for action in _plan_actions(plan)]
    return {
        "actions_plan": plan,
        "team_members": members,
        "team_groups": team_by_role(members),
        "action_rows": rows,
        "late_action_count": sum(1 for row in rows if row.late),
        "actions_today": today,
        "plan_rights": rights,
    }


def actions_owed(user: Any) -> list[ActionRow]:
    """The open actions (not done, not cancelled) ``user`` owns across every plan: late
    ones first (longest overdue first), then the others by due date. Two queries."""
    today = _today()
    actions = (
        Action.objects.filter(owner=user)
        .exclude(status__in=CLOSED)
        .select_related("plan", "owner")
        .prefetch_related(Prefetch("depends_on", queryset=Action.objects.order_by("due", "pk")))
        .order_by("due", "plan_id", "position", "pk")
    )
    rows = [_row(action, today, user) for action in actions]
    return sorted(rows, key=lambda row: not row.late)  # stable: each part stays by due date


def reviews_waiting(user: Any) -> list[ReviewRequest]:
    """The reviews a person was asked for and has not decided, current revisions only."""
    return list(
        ReviewRequest.objects.filter(
            reviewer=user, decision=ReviewDecision.PENDING, revision=F("plan__revision")
        )
        .select_related("plan", "requested_by")
        .order_by("requested_at", "pk")
    )


def user_by_username(username: str) -> Any:
    """The user with that sign-in name, or None."""
    return get_user_model()._default_manager.filter(username=username).first()


def action_list() -> QuerySet[Action]:
    """Every action with its plan, owner and dependencies (the API's list)."""
    return (
        Action.objects.select_related("plan", "owner")
        .prefetch_related(Prefetch("depends_on", queryset=Action.objects.only("pk").order_by("pk")))
        .order_by("plan_id", "due", "position", "pk")
    )


def member_list() -> QuerySet[PlanMember]:
    """Every team member with the plan and the person (the API's list)."""
    return PlanMember.objects.select_related("plan", "user").order_by("plan_id", "role", "pk")


# -- timeline -----------------------------------------------------------------------------


def _percent(value: float) -> str:
    """A CSS percentage, never localized (``12.500%``)."""
    return f"{value:.3f}%"


@dataclass(frozen=True)
class TimelineRow:
    """One action's bar: ``offset_days`` from the plan's earliest date, ``width_days``
    long (start to due, both inclusive); without a start, one day at the due date."""

    action: Action
    start: dt.date
    has_start: bool
    offset_days: int
    width_days: int
    late: bool
    days_late: int
    dependencies: tuple[Action, ...]
    span_days: int

    @property
    def offset(self) -> str:
        return _percent(100 * self.offset_days / self.span_days)

    @property
    def width(self) -> str:
        return _percent(100 * self.width_days / self.span_days)


@dataclass(frozen=True)
class TimelineTick:
    """A labelled date on the scale (the first of a month), at ``offset_days``."""

    date: dt.date
    offset_days: int
    span_days: int

    @property
    def offset(self) -> str:
        return _percent(100 * self.offset_days / self.span_days)


@dataclass(frozen=True)
class Timeline:
    """A plan's Gantt chart: rows in due order, the span, month ticks and today's line."""

    plan: ActionPlan
    first: dt.date | None
    last: dt.date | None
    days: int
    rows: tuple[TimelineRow, ...]
    ticks: tuple[TimelineTick, ...]
    today: dt.date
    today_offset_days: int | None

    @property
    def today_offset(self) -> str | None:
        """Where today's line goes (the middle of today), or None outside the span."""
        if self.today_offset_days is None:
            return None
        return _percent(100 * (self.today_offset_days + 0.5) / self.days)

    @property
    def late_count(self) -> int:
        return sum(1 for row in self.rows if row.late)


def _month_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    months = []
    current = dt.date(first.year, first.month, 1)
    while current <= last:
        if current >= first:
            months.append(current)
        current = dt.date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return months


def timeline(plan: ActionPlan, *, today: dt.date | None = None) -> Timeline:
    """The Gantt rows of the plan's actions, measured in days from its earliest date
    (the earliest start, or due date of an action without one). Two queries."""
    today = today or _today()
    actions = _plan_actions(plan)
    if not actions:
        return Timeline(plan, None, None, 0, (), (), today, None)
    first = min(a.start or a.due for a in actions)
    last = max(a.due for a in actions)
    days = (last - first).days + 1
    rows = []
    for action in actions:
        start = action.start or action.due
        late = action_is_late(action, today)
        rows.append(
            TimelineRow(
                action=action,
                start=start,
                has_start=action.start is not None,
                offset_days=(start - first).days,
                width_days=(action.due - start).days + 1,
                late=late,
                days_late=(today - action.due).days if late else 0,
                dependencies=tuple(action.depends_on.all()),
                span_days=days,
            )
        )
    months = _month_starts(first, last)
    step = max(1, -(-len(months) // 12))  # at most 12 labels
    ticks = tuple(TimelineTick(m, (m - first).days, days) for m in months[::step])
    today_offset = (today - first).days if first <= today <= last else None
    return Timeline(plan, first, last, days, tuple(rows), ticks, today, today_offset)


# -- the plan list ------------------------------------------------------------------------


def _count(queryset: QuerySet[Any], key: str) -> Coalesce:
    counted = queryset.order_by().values(key).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), V(0))


def plan_list() -> QuerySet[ActionPlan]:
    """Plans with their owner and proposals, annotated with ``action_count``,
    ``late_action_count`` and ``proposal_count`` (two queries for any number of
    plans)."""
    today = _today()
    actions = Action.objects.filter(plan=OuterRef("pk"))
    links = ActionPlan.proposals.through.objects.filter(actionplan=OuterRef("pk"))
    return (
        ActionPlan.objects.select_related("owner")
        .prefetch_related(
            Prefetch("proposals", queryset=Proposal.objects.only("pk", "title").order_by("pk"))
        )
        .annotate(
            action_count=_count(actions, "plan"),
            late_action_count=_count(actions.filter(_late_q(today)), "plan"),
            proposal_count=_count(links, "actionplan"),
        )
    )


# -- the plan as a document ---------------------------------------------------------------


@dataclass(frozen=True)
class PlanDocument:
    """What the print view and the PDF show of a plan."""

    plan: ActionPlan
    items: tuple[tuple[str, str, str], ...]  # (field, label, text) of the nine items
    proposals: tuple[Proposal, ...]
    team_groups: list[tuple[str, str, list[PlanMember]]]
    actions: tuple[ActionRow, ...]
    reviews: tuple[ReviewRequest, ...]  # of the current revision
    generated_at: dt.datetime
    today: dt.date

    @property
    def approved_required(self) -> bool:
        """Every required reviewer of the current revision approved (and there is one)."""
        required = [r for r in self.reviews if r.required]
        return bool(required) and all(r.decision == "approved" for r in required)


def plan_document(plan: ActionPlan) -> PlanDocument:
    """The plan's header, proposals, nine items, team, actions and the approval record
    of its current revision (read from the review requests). Seven queries."""
    today = _today()
    plan = ActionPlan.objects.select_related("owner").get(pk=plan.pk)
    reviews = (
        ReviewRequest.objects.filter(plan=plan, revision=plan.revision)
        .select_related("reviewer", "requested_by")
        .order_by("-required", "reviewer__last_name", "reviewer__username", "pk")
    )
    return PlanDocument(
        plan=plan,
        items=tuple((field, label, getattr(plan, field)) for field, label in PLAN_FIELDS),
        proposals=tuple(plan.proposals.order_by("pk")),
        team_groups=team_by_role(_members(plan)),
        actions=tuple(_row(action, today) for action in _plan_actions(plan)),
        reviews=tuple(reviews),
        generated_at=timezone.now(),
        today=today,
    )
