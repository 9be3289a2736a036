"""Writes of a plan's process action team and its actions (issue 5, OPF SP 2.1).

Who may write:

- the team and the actions are edited by those who may edit the plan
  (``permissions.plan_can_edit``: its owner, its team's lead, ``change_actionplan``)
  *and* hold the matching model permission (``add_planmember``,
  ``delete_planmember``, ``add_action``, ``change_action``, ``delete_action``);
- an action's owner may change the status of their own action even without those
  rights (nothing else of it).

A refused write raises ``django.core.exceptions.PermissionDenied`` (pages answer 403,
the API 403) before anything is read for writing; a rule the input breaks raises
``ImprovementError`` naming the field. Either way nothing is written.

Rules of actions: the due date is not before the start; an action depends only on
actions of its own plan, never (through any chain) on itself; it cannot be done while
an action it depends on is neither done nor cancelled. Marking it done records
``completed_on`` (today); leaving done clears it. Team and actions never make a plan
revision (they are the plan's execution, not its content). History: every row keeps
its simple-history record with the actor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from uplift.apps.improvements.choices import ActionStatus, PlanRole
from uplift.apps.improvements.errors import ImprovementError
from uplift.apps.improvements.history import record_actor as _record_actor
from uplift.apps.improvements.models import Action, ActionPlan, PlanMember
from uplift.apps.improvements.permissions import plan_can_edit

__all__ = [
    "ACTION_FIELDS",
    "CLOSED_STATUSES",
    "action_can_change",
    "action_can_change_status",
    "action_create",
    "action_delete",
    "action_update",
    "member_add",
    "member_remove",
    "plan_may",
]

User = Any  # auth.User

# The fields ``action_update`` accepts.
ACTION_FIELDS = (
    "title",
    "description",
    "owner",
    "start",
    "due",
    "status",
    "depends_on",
    "position",
)
# An action in one of these no longer holds up the actions that depend on it.
CLOSED_STATUSES = frozenset({ActionStatus.DONE, ActionStatus.CANCELLED})

_DOING = {
    "add_planmember": "add members to the team of",
    "delete_planmember": "remove members from the team of",
    "add_action": "add actions to",
    "change_action": "change the actions of",
    "delete_action": "delete actions of",
}


# -- permissions --------------------------------------------------------------------------


def plan_may(user: Any, plan: ActionPlan, codename: str) -> bool:
    """Whether ``user`` may edit ``plan`` and holds ``improvements.<codename>``."""
    if not (user is not None and user.is_authenticated):
        return False
    return bool(user.has_perm(f"improvements.{codename}")) and plan_can_edit(user, plan)


def action_can_change(user: Any, action: Action) -> bool:
    """Whether ``user`` may change every field of ``action``."""
    return plan_may(user, action.plan, "change_action")


def action_can_change_status(user: Any, action: Action) -> bool:
    """Whether ``user`` may change the status of ``action``: its editors and its owner."""
    if user is None or not user.is_authenticated:
        return False
    return action.owner_id == user.pk or action_can_change(user, action)


def _require(actor: Any, plan: ActionPlan, codename: str) -> None:
    if not plan_may(actor, plan, codename):
        raise PermissionDenied(
            f"You may not {_DOING[codename]} {plan.reference}: that needs the right to edit "
            "the plan (its owner, its team's lead or a plan editor) and to "
            f"{_DOING[codename].split(' ')[0]} them."
        )


# -- helpers ------------------------------------------------------------------------------


def _name(user: Any) -> str:
    return str(user.get_full_name() or user.get_username())


def _full_clean(instance: models.Model, *, exclude: Iterable[str] = ()) -> None:
    """``full_clean`` with Django's ValidationError turned into an ImprovementError."""
    try:
        instance.full_clean(exclude=list(exclude))
    except ValidationError as error:
        problems = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
        field, messages = next(iter(problems.items()))
        name = None if field in (None, "__all__") else field
        raise ImprovementError(" ".join(messages), field=name) from None


def _text(value: Any, field: str, *, required: bool, max_length: int | None = None) -> str:
    text = (value or "").strip() if isinstance(value, str | type(None)) else None
    if text is None:
        raise ImprovementError("Enter text.", field=field)
    if required and not text:
        raise ImprovementError("This field is required.", field=field)
    if max_length is not None and len(text) > max_length:
        raise ImprovementError(f"At most {max_length} characters.", field=field)
    return text


def _user(value: Any, field: str) -> Any:
    if not isinstance(value, get_user_model()):
        raise ImprovementError("Choose a person.", field=field)
    if not value.is_active:
        raise ImprovementError(f"{_name(value)} cannot sign in any more.", field=field)
    return value


def _date(value: Any, field: str, *, required: bool) -> dt.date | None:
    if value is None:
        if required:
            raise ImprovementError("Enter a date.", field=field)
        return None
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ImprovementError("Enter a date (YYYY-MM-DD).", field=field)
    return value


def _quote(action: Action) -> str:
    return f"“{action.title}”"


# -- the team -----------------------------------------------------------------------------


@transaction.atomic
def member_add(*, plan: ActionPlan, actor: User, user: User, role: str) -> PlanMember:
    """Put ``user`` on the plan's process action team in ``role`` (lead, process owner,
    practitioner). A person may hold several roles, each once.

    Raises ``PermissionDenied`` without ``add_planmember`` and the right to edit the
    plan; ``ImprovementError`` (field ``user`` or ``role``) for an inactive person, an
    unknown role, or a role the person already holds on this team.
    """
    _require(actor, plan, "add_planmember")
    user = _user(user, "user")
    if role not in PlanRole.values:
        raise ImprovementError(
            f"{role!r} is not one of {', '.join(PlanRole.values)}.", field="role"
        )
    if PlanMember.objects.filter(plan=plan, user=user, role=role).exists():
        raise ImprovementError(
            f"{_name(user)} is already on the team as {PlanRole(role).label.lower()}.",
            field="user",
        )
    member = PlanMember(plan=plan, user=user, role=role)
    _full_clean(member)
    _record_actor(member, actor)
    member.save()
    return member


@transaction.atomic
def member_remove(*, member: PlanMember, actor: User) -> None:
    """Take a member (in one role) off the team; the actions they own stay theirs.

    Raises ``PermissionDenied`` without ``delete_planmember`` and the right to edit
    the plan. History keeps the removal and who made it.
    """
    _require(actor, member.plan, "delete_planmember")
    _record_actor(member, actor)
    member.delete()


# -- actions --------------------------------------------------------------------------------


def _dependency_chain(edges: dict[int, set[int]], start: int, target: int) -> list[int] | None:
    """A path ``start → … → target`` along ``edges`` (depends-on links), or None."""
    stack: list[tuple[int, list[int]]] = [(start, [start])]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        if node == target:
            return path
        if node in seen:
            continue
        seen.add(node)
        for following in sorted(edges.get(node, ()), reverse=True):
            stack.append((following, [*path, following]))
    return None


def _check_dependencies(
    *, plan: ActionPlan, action: Action | None, dependencies: list[Action]
) -> None:
    """Same plan, not itself, no cycle through the plan's other links (``action`` None:
    a new action, which nothing depends on yet)."""
    for dependency in dependencies:
        if dependency.plan_id != plan.pk:
            raise ImprovementError(
                f"{_quote(dependency)} belongs to PAP-{dependency.plan_id}: an action depends "
                f"only on actions of its own plan ({plan.reference}).",
                field="depends_on",
            )
        if action is not None and dependency.pk == action.pk:
            raise ImprovementError(f"{_quote(action)} cannot depend on itself.", field="depends_on")
    if action is None or not dependencies:
        return
    through = Action.depends_on.through
    edges: dict[int, set[int]] = {}
    for source, target in through.objects.filter(from_action__plan=plan).values_list(
        "from_action_id", "to_action_id"
    ):
        edges.setdefault(source, set()).add(target)
    edges[action.pk] = {dependency.pk for dependency in dependencies}
    for dependency in dependencies:
        chain = _dependency_chain(edges, dependency.pk, action.pk)
        if chain is not None:
            titles = dict(Action.objects.filter(pk__in=chain).values_list("pk", "title"))
            path = " → ".join(f"“{titles[pk]}”" for pk in [action.pk, *chain])
            raise ImprovementError(
                f"That would make a circle of dependencies: {path} (each waits for the "
                "next). Remove one of these links first.",
                field="depends_on",
            )


def _check_done(action_title: str, dependencies: list[Action]) -> None:
    """Refuse ``done`` while a dependency is still open, naming the first such one."""
    open_ = [d for d in dependencies if d.status not in CLOSED_STATUSES]
    if open_:
        names = ", ".join(f"{_quote(d)} ({ActionStatus(d.status).label.lower()})" for d in open_)
        raise ImprovementError(
            f"“{action_title}” cannot be done while {names}, which it depends on, "
            f"{'is' if len(open_) == 1 else 'are'} neither done nor cancelled.",
            field="status",
        )


def _dependency_list(value: Any) -> list[Action]:
    if value is None:
        return []
    if isinstance(value, Action | str | bytes) or not isinstance(value, Iterable):
        raise ImprovementError("Give a list of actions.", field="depends_on")
    dependencies = list(value)
    if not all(isinstance(item, Action) for item in dependencies):
        raise ImprovementError("Give a list of actions.", field="depends_on")
    unique = {item.pk: item for item in dependencies}
    return list(unique.values())


@transaction.atomic
def action_create(
    *,
    plan: ActionPlan,
    actor: User,
    title: str,
    owner: User,
    due: dt.date,
    start: dt.date | None = None,
    description: str = "",
    depends_on: Iterable[Action] = (),
) -> Action:
    """Add an action to the plan, not started, after the plan's other actions.

    Raises ``PermissionDenied`` without ``add_action`` and the right to edit the
    plan; ``ImprovementError`` for a missing title, an inactive owner, a due date
    before the start, or a dependency on another plan's action.
    """
    _require(actor, plan, "add_action")
    values = {
        "title": _text(title, "title", required=True, max_length=200),
        "description": _text(description, "description", required=False),
        "owner": _user(owner, "owner"),
        "start": _date(start, "start", required=False),
        "due": _date(due, "due", required=True),
    }
    _check_dates(values["start"], values["due"])
    dependencies = _dependency_list(depends_on)
    # serialize the plan's dependency changes (the cycle check reads every link)
    ActionPlan.objects.select_for_update().only("pk").get(pk=plan.pk)
    _check_dependencies(plan=plan, action=None, dependencies=dependencies)
    last = plan.actions.aggregate(last=models.Max("position"))["last"]
    action = Action(plan=plan, position=0 if last is None else last + 1, **values)
    _full_clean(action)
    _record_actor(action, actor)
    action.save()
    if dependencies:
        action.depends_on.add(*dependencies)  # history: one more record, with the links
    return action


def _check_dates(start: dt.date | None, due: dt.date | None) -> None:
    if start is not None and due is not None and due < start:
        raise ImprovementError(
            f"The due date ({due:%Y-%m-%d}) cannot be before the start ({start:%Y-%m-%d}).",
            field="due",
        )


def _changes(current: Action, fields: dict[str, Any]) -> dict[str, Any]:
    """The given fields whose value differs from the action's (dependencies as sets)."""
    changed: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "depends_on":
            dependencies = _dependency_list(value)
            now = set(current.depends_on.values_list("pk", flat=True))
            if {d.pk for d in dependencies} != now:
                changed[name] = dependencies
        elif name == "owner":
            if getattr(value, "pk", value) != current.owner_id:
                changed[name] = value
        elif value != getattr(current, name):
            changed[name] = value
    return changed


@transaction.atomic
def action_update(*, action: Action, actor: User, **fields: Any) -> Action:
    """Change an action's fields (those of ``ACTION_FIELDS``); returns the saved action.

    Its editors may change everything; its owner may change its status. ``done``
    records ``completed_on`` (today); leaving done clears it. A save that changes
    nothing writes nothing.

    Raises ``PermissionDenied`` for anyone else (or an owner changing more than the
    status); ``ImprovementError`` naming the field for an unknown field, a missing
    title, a due date before the start, a dependency on another plan's action or one
    that closes a circle (the message names the chain), or ``done`` while an action it
    depends on is neither done nor cancelled (the message names it).
    """
    unknown = sorted(set(fields) - set(ACTION_FIELDS))
    if unknown:
        raise ImprovementError(f"Unknown field: {', '.join(unknown)}.", field=unknown[0])
    current = Action.objects.select_related("plan").get(pk=action.pk)
    plan = current.plan
    if not action_can_change(actor, current):
        if not action_can_change_status(actor, current):
            raise PermissionDenied(
                f"You may not change {_quote(current)}: that needs the right to edit "
                f"{plan.reference} and to change its actions, or owning the action."
            )
        only_status = PermissionDenied(
            f"You may change only the status of {_quote(current)}: editing the rest "
            f"needs the right to edit {plan.reference} and to change its actions."
        )
        try:
            if set(_changes(current, fields)) - {"status"}:
                raise only_status
        except ImprovementError:
            raise only_status from None
    if not _changes(current, fields):
        return current

    # lock the plan (dependency links) and the action, then check against the locked rows
    ActionPlan.objects.select_for_update().only("pk").get(pk=plan.pk)
    current = Action.objects.select_for_update().select_related("plan").get(pk=action.pk)
    changes = _changes(current, fields)
    if not changes:
        return current

    if "title" in changes:
        changes["title"] = _text(changes["title"], "title", required=True, max_length=200)
    if "description" in changes:
        changes["description"] = _text(changes["description"], "description", required=False)
    if "owner" in changes:
        changes["owner"] = _user(changes["owner"], "owner")
    if "start" in changes:
        changes["start"] = _date(changes["start"], "start", required=False)
    if "due" in changes:
        changes["due"] = _date(changes["due"], "due", required=True)
    if "status" in changes and changes["status"] not in ActionStatus.values:
        allowed = ", ".join(ActionStatus.values)
        raise ImprovementError(f"{changes['status']!r} is not one of {allowed}.", field="status")
    if "position" in changes and (
        not isinstance(changes["position"], int) or changes["position"] < 0
    ):
        raise ImprovementError("Enter a whole number, 0 or more.", field="position")
    _check_dates(changes.get("start", current.start), changes.get("due", current.due))

    dependencies = changes.get("depends_on")
    if dependencies is not None:
        _check_dependencies(plan=plan, action=current, dependencies=dependencies)
    status = changes.get("status", current.status)
    if status == ActionStatus.DONE and ("status" in changes or dependencies is not None):
        _check_done(
            changes.get("title", current.title),
            dependencies if dependencies is not None else list(current.depends_on.all()),
        )
    if "status" in changes:
        changes["completed_on"] = timezone.localdate() if status == ActionStatus.DONE else None

    scalar = {name: value for name, value in changes.items() if name != "depends_on"}
    for name, value in scalar.items():
        setattr(current, name, value)
    _full_clean(current)
    _record_actor(current, actor)
    if dependencies is not None:
        _set_dependencies(current, dependencies, record=not scalar)
    if scalar:
        current.save(update_fields=sorted(scalar))  # its history record holds the links
    return current


def _set_dependencies(action: Action, dependencies: list[Action], *, record: bool) -> None:
    """Set the links with one history record at most: the last operation records it when
    ``record`` (nothing else is saved), else the scalar save that follows does."""
    wanted = {d.pk: d for d in dependencies}
    now = set(action.depends_on.values_list("pk", flat=True))
    removed = sorted(now - set(wanted))
    added = [wanted[pk] for pk in sorted(set(wanted) - now)]
    operations: list[tuple[str, list[Any]]] = []
    if removed:
        operations.append(("remove", removed))
    if added:
        operations.append(("add", added))
    for index, (operation, items) in enumerate(operations):
        last = index == len(operations) - 1
        if not (record and last):
            action.skip_history_when_saving = True  # type: ignore[attr-defined]
        try:
            getattr(action.depends_on, operation)(*items)
        finally:
            if hasattr(action, "skip_history_when_saving"):
                del action.skip_history_when_saving


@transaction.atomic
def action_delete(*, action: Action, actor: User) -> None:
    """Delete an action; the actions that depended on it no longer wait for it.

    Raises ``PermissionDenied`` without ``delete_action`` and the right to edit the
    plan. History keeps the deleted row and who deleted it.
    """
    _require(actor, action.plan, "delete_action")
    _record_actor(action, actor)
    action.delete()
