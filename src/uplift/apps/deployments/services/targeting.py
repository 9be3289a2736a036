"""Target work activities chosen by rule, added and excluded by hand (SP 3.1 subpractice 3).

The rule (``DeploymentPlan.target_rule``) is a JSON object. Its keys combine with AND;
a value is one value or a list of values (OR within the key)::

    {"unit": ["product-engineering"], "kind": ["project"],
     "activity_type": ["software_only", "cots_integration"], "size": ["large"],
     "phase": ["execution"], "attributes": {"customer": ["acme", "tidewater"]},
     "active": true}

- ``unit`` holds unit slugs (the work activity's own unit, not its parent units);
  ``kind``, ``activity_type``, ``size`` and ``phase`` the organization's choice values;
  ``attributes`` maps an attribute name to its wanted values (a work activity whose
  attribute is a list matches when any of its items is wanted; texts compare without
  regard to case); ``active`` may only be ``true``.
- ``{}`` matches nothing: a plan without a rule has only added targets. Inactive work
  activities never match.
- ``rule_check`` normalises a rule (every value a list, duplicates dropped) or raises
  ``DeploymentError`` naming ``target_rule.<key>``; ``rule_matches`` gives every
  matching work activity with the reason ("type is Software-only; unit is Product
  Engineering").

The targets are stored rows (``Target``): ``source=rule`` with the matched conditions
as ``reason``, or ``source=added`` with the person's reason; ``excluded`` takes a row
out, with a reason (kept in ``reason``; ``target_include`` puts the row back).

Drift. The rule is re-evaluated against the organization on every read
(``targets_drift``): work activities the rule matches now without a row (``added``),
rule rows that no longer match (``gone``) and rule rows marked as no longer matching
that match again (``back``). Applying it is one explicit, recorded action
(``targets_refresh``; ``targets_refresh_all`` for every open plan, the CLI's
``uplift deployments refresh``): new matches become rule rows (not started); a rule
row that no longer matches is deleted when not started, else kept with
``matches_rule=False``. It is not automatic because the targets are part of what the
stakeholders agreed to; changing them silently would void the sign-off.

Every write here is a content change of the plan: it calls
``services.plans.plan_content_changed``, which makes a new revision once the current
one was sent for sign-off. Writes need ``permissions.plan_can_edit`` (else
``PermissionDenied``) and an open plan (not complete or cancelled).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from uplift.apps.deployments.choices import PlanState, TargetSource, TargetStatus
from uplift.apps.deployments.errors import DeploymentError, lock_for_update
from uplift.apps.deployments.models import DeploymentPlan, Target, Wave
from uplift.apps.deployments.permissions import plan_can_edit
from uplift.apps.deployments.services import plans as plan_services
from uplift.apps.improvements.history import record_actor
from uplift.apps.organization import selectors as organization
from uplift.apps.organization.choices import (
    LifeCyclePhase,
    Size,
    WorkActivityKind,
    WorkActivityType,
)

__all__ = [
    "CLOSED_STATES",
    "RULE_KEYS",
    "Drift",
    "Match",
    "PreviewRow",
    "RulePreview",
    "plan_rule_set",
    "rule_check",
    "rule_describe",
    "rule_matches",
    "rule_preview",
    "target_add",
    "target_exclude",
    "target_include",
    "targets_drift",
    "targets_refresh",
    "targets_refresh_all",
]

User = Any  # auth.User
WorkActivity = Any  # organization.WorkActivity (read through its selectors)

# A plan in these states is closed: its targets are frozen.
CLOSED_STATES: tuple[str, ...] = (PlanState.COMPLETE, PlanState.CANCELLED)

# key → (label in reasons, the work activity's field, the allowed values and labels).
_CHOICE_KEYS: dict[str, tuple[str, str, Mapping[str, str]]] = {
    "activity_type": ("type", "activity_type", dict(WorkActivityType.choices)),
    "kind": ("kind", "kind", dict(WorkActivityKind.choices)),
    "size": ("size", "size", dict(Size.choices)),
    "phase": ("phase", "phase", dict(LifeCyclePhase.choices)),
}
# The keys in the order of a normalised rule and of the reason text.
RULE_KEYS: tuple[str, ...] = (
    "activity_type",
    "unit",
    "kind",
    "size",
    "phase",
    "attributes",
    "active",
)
_SCALARS = (str, int, float, bool)
_REASON_LENGTH = 2000


class Match(NamedTuple):
    """A work activity the rule matches and why (the matched conditions)."""

    work_activity: WorkActivity
    reason: str


@dataclass(frozen=True)
class Drift:
    """How what the rule matches now differs from the stored rule targets.

    ``added``: matches without a row; ``gone``: rule rows (still marked as matching)
    that no longer match; ``back``: rule rows marked as no longer matching that match
    again. False when there is nothing to apply.
    """

    added: list[Match] = field(default_factory=list)
    gone: list[Target] = field(default_factory=list)
    back: list[Target] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.gone or self.back)

    def summary(self) -> str:
        """ "2 new matches, 1 no longer matching" (or "no change")."""
        parts = []
        if self.added:
            parts.append(_count(len(self.added), "new match", "new matches"))
        if self.gone:
            parts.append(_count(len(self.gone), "no longer matching", "no longer matching"))
        if self.back:
            parts.append(_count(len(self.back), "matching again", "matching again"))
        return ", ".join(parts) or "no change"

    def as_json(self) -> dict[str, list[dict[str, Any]]]:
        """For the API and the CLI: slugs, names, reasons and what a refresh does."""
        return {
            "added": [
                {
                    "work_activity": m.work_activity.slug,
                    "name": m.work_activity.name,
                    "reason": m.reason,
                }
                for m in self.added
            ],
            "gone": [
                {
                    "work_activity": t.work_activity.slug,
                    "name": t.work_activity.name,
                    "status": t.status,
                    "on_refresh": "removed"
                    if t.status == TargetStatus.NOT_STARTED
                    else "kept, marked as no longer matching",
                }
                for t in self.gone
            ],
            "back": [
                {"work_activity": t.work_activity.slug, "name": t.work_activity.name}
                for t in self.back
            ],
        }


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


# -- the rule --------------------------------------------------------------------------------


def _values(key: str, raw: Any) -> list[Any]:
    """One value or a list of them, as a list without duplicates (first kept)."""
    items = raw if isinstance(raw, list | tuple) else [raw]
    if not items:
        raise DeploymentError(f"Give at least one value for {key}.", field=f"target_rule.{key}")
    out: list[Any] = []
    for item in items:
        if not isinstance(item, _SCALARS) or (isinstance(item, str) and not item.strip()):
            raise DeploymentError(
                f"The values of {key} are texts or numbers; {item!r} is not.",
                field=f"target_rule.{key}",
            )
        value = item.strip() if isinstance(item, str) else item
        if value not in out:
            out.append(value)
    return out


def rule_check(rule: Any) -> dict[str, Any]:
    """The rule normalised: keys in ``RULE_KEYS`` order, every value a list.

    Raises ``DeploymentError`` naming ``target_rule`` (not an object) or
    ``target_rule.<key>`` (an unknown key, an unknown value, an unknown unit, an
    attribute without values, ``active`` other than true).
    """
    if rule is None:
        return {}
    if not isinstance(rule, Mapping):
        raise DeploymentError(
            'The rule is an object of conditions, e.g. {"activity_type": ["software_only"]}.',
            field="target_rule",
        )
    unknown = sorted(str(key) for key in rule if key not in RULE_KEYS)
    if unknown:
        raise DeploymentError(
            f"Unknown rule condition {unknown[0]!r}; the conditions are: {', '.join(RULE_KEYS)}.",
            field=f"target_rule.{unknown[0]}",
        )
    normal: dict[str, Any] = {}
    for key in RULE_KEYS:
        if key not in rule:
            continue
        raw = rule[key]
        if key == "active":
            if raw is not True:
                raise DeploymentError(
                    "Inactive work activities never match: active may only be true.",
                    field="target_rule.active",
                )
            normal["active"] = True
        elif key == "attributes":
            attributes = _attributes_check(raw)
            if attributes:
                normal["attributes"] = attributes
        elif key == "unit":
            slugs = [str(value) for value in _values(key, raw)]
            known = set(
                organization.unit_list().filter(slug__in=slugs).values_list("slug", flat=True)
            )
            missing = [slug for slug in slugs if slug not in known]
            if missing:
                raise DeploymentError(f"There is no unit {missing[0]!r}.", field="target_rule.unit")
            normal["unit"] = slugs
        else:
            allowed = _CHOICE_KEYS[key][2]
            values = [str(value) for value in _values(key, raw)]
            wrong = [value for value in values if value not in allowed]
            if wrong:
                raise DeploymentError(
                    f"{wrong[0]!r} is not a {_CHOICE_KEYS[key][0]}; choose from "
                    f"{', '.join(allowed)}.",
                    field=f"target_rule.{key}",
                )
            normal[key] = values
    return normal


def _attributes_check(raw: Any) -> dict[str, list[Any]]:
    if not isinstance(raw, Mapping):
        raise DeploymentError(
            'attributes maps an attribute name to its values, e.g. {"customer": ["acme"]}.',
            field="target_rule.attributes",
        )
    out: dict[str, list[Any]] = {}
    for name, values in raw.items():
        key = str(name).strip()
        if not key:
            raise DeploymentError("An attribute needs a name.", field="target_rule.attributes")
        try:
            out[key] = _values(f"attribute {key}", values)
        except DeploymentError as error:
            raise DeploymentError(error.message, field="target_rule.attributes") from None
    return out


def _fold(value: Any) -> str:
    """How rule values and attribute values compare: as text, regardless of case."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip().casefold()


def _attribute_hit(wanted: Sequence[Any], actual: Any) -> Any:
    """The work activity's value that a wanted value matches, or None."""
    items = actual if isinstance(actual, list) else [actual]
    folded = {_fold(value) for value in wanted}
    for item in items:
        if item is not None and isinstance(item, _SCALARS) and _fold(item) in folded:
            return item
    return None


def _reason(rule: Mapping[str, Any], work_activity: WorkActivity) -> str | None:
    """The matched conditions as text, or None when the work activity does not match."""
    if not work_activity.active:
        return None
    parts: list[str] = []
    for key in RULE_KEYS:
        if key not in rule:
            continue
        if key == "active":
            parts.append("is active")
        elif key == "unit":
            if work_activity.unit.slug not in rule["unit"]:
                return None
            parts.append(f"unit is {work_activity.unit.name}")
        elif key == "attributes":
            attributes = (
                work_activity.attributes if isinstance(work_activity.attributes, dict) else {}
            )
            for name, wanted in rule["attributes"].items():
                hit = _attribute_hit(wanted, attributes.get(name))
                if hit is None:
                    return None
                parts.append(f"{name} is {_fold(hit) if isinstance(hit, bool) else hit}")
        else:
            label, attribute, choices = _CHOICE_KEYS[key]
            value = getattr(work_activity, attribute)
            if value not in rule[key]:
                return None
            parts.append(f"{label} is {choices.get(value, value)}")
    return "; ".join(parts)


def rule_describe(rule: Any) -> str:
    """The rule as a sentence for people ("type is Software-only or COTS integration and
    unit is product-engineering"); "no rule" for an empty one."""
    normal = rule_check(rule) if rule else {}
    parts: list[str] = []
    for key, values in normal.items():
        if key == "active":
            parts.append("active")
        elif key == "attributes":
            for name, wanted in values.items():
                parts.append(f"{name} is {' or '.join(str(v) for v in wanted)}")
        elif key == "unit":
            parts.append(f"unit is {' or '.join(values)}")
        else:
            label, _, choices = _CHOICE_KEYS[key]
            parts.append(f"{label} is {' or '.join(choices.get(v, v) for v in values)}")
    return " and ".join(parts) or "no rule (targets are added by hand)"


def _candidates(rule: Mapping[str, Any]) -> QuerySet[Any]:
    """The active work activities the column conditions keep (attributes are checked
    in Python: list-valued JSON compares the same way on every database)."""
    queryset = organization.work_activity_list().filter(active=True)
    if "unit" in rule:
        queryset = queryset.filter(unit__slug__in=rule["unit"])
    for key, (_, attribute, _choices) in _CHOICE_KEYS.items():
        if key in rule:
            queryset = queryset.filter(**{f"{attribute}__in": rule[key]})
    return queryset


def rule_matches(rule: Any) -> list[Match]:
    """Every active work activity the rule matches, by name, with the reason.

    ``{}`` (or None) matches nothing. Raises ``DeploymentError`` for a rule
    ``rule_check`` refuses.
    """
    normal = rule_check(rule)
    if not normal:
        return []
    matches = []
    for work_activity in _candidates(normal):
        reason = _reason(normal, work_activity)
        if reason is not None:
            matches.append(Match(work_activity, reason))
    return matches


# -- drift -----------------------------------------------------------------------------------


def _stored_rule(plan: DeploymentPlan) -> dict[str, Any]:
    """The plan's rule, normalised; a stored rule that no longer checks (a unit deleted
    since) matches nothing rather than failing every read of the plan."""
    try:
        return rule_check(plan.target_rule)
    except DeploymentError:
        return {}


def _drift(plan: DeploymentPlan, matches: Iterable[Match]) -> Drift:
    rows = list(
        Target.objects.filter(plan=plan).select_related("work_activity", "work_activity__unit")
    )
    by_activity = {row.work_activity_id: row for row in rows}
    matched = {m.work_activity.pk: m for m in matches}
    added = [m for pk, m in matched.items() if pk not in by_activity]
    gone = [
        row
        for row in rows
        if row.source == TargetSource.RULE
        and row.matches_rule
        and row.work_activity_id not in matched
    ]
    back = [
        row
        for row in rows
        if row.source == TargetSource.RULE
        and not row.matches_rule
        and row.work_activity_id in matched
    ]
    gone.sort(key=lambda row: row.work_activity.name)
    back.sort(key=lambda row: row.work_activity.name)
    return Drift(added=added, gone=gone, back=back)


def _matched_ids(rule: Mapping[str, Any]) -> set[int]:
    """The ids of the work activities ``rule`` (normalised) matches, read as plain
    values: no model object is built for the thousands that did not drift."""
    if not rule:
        return set()
    candidates = _candidates(rule).order_by()
    if "attributes" not in rule:
        return set(candidates.values_list("pk", flat=True))
    matched = set()
    for pk, attributes in candidates.values_list("pk", "attributes"):
        values = attributes if isinstance(attributes, dict) else {}
        if all(
            _attribute_hit(wanted, values.get(name)) is not None
            for name, wanted in rule["attributes"].items()
        ):
            matched.add(pk)
    return matched


def targets_drift(plan: DeploymentPlan) -> Drift:
    """What applying the rule to the organization as it is now would change; writes
    nothing. A closed plan (complete, cancelled) has no drift: its targets are history.

    Read on every view of the plan, so it compares ids first and builds model objects
    only for the rows that drifted (a plan of 2,000 targets without drift reads two
    lists of integers)."""
    if plan.state in CLOSED_STATES:
        return Drift()
    rule = _stored_rule(plan)
    matched = _matched_ids(rule)
    stored = list(
        Target.objects.filter(plan=plan)
        .order_by()
        .values_list("pk", "work_activity_id", "source", "matches_rule")
    )
    present = {activity for _, activity, _, _ in stored}
    added_ids = matched - present
    gone_ids = [
        pk
        for pk, activity, source, matches in stored
        if source == TargetSource.RULE and matches and activity not in matched
    ]
    back_ids = [
        pk
        for pk, activity, source, matches in stored
        if source == TargetSource.RULE and not matches and activity in matched
    ]
    if not (added_ids or gone_ids or back_ids):
        return Drift()
    added = [
        Match(work_activity, reason)
        for work_activity in _candidates(rule).filter(pk__in=added_ids)
        if (reason := _reason(rule, work_activity)) is not None
    ]
    rows = Target.objects.filter(pk__in=[*gone_ids, *back_ids]).select_related(
        "work_activity", "work_activity__unit"
    )
    gone_set = set(gone_ids)
    gone = sorted((r for r in rows if r.pk in gone_set), key=lambda r: r.work_activity.name)
    back = sorted((r for r in rows if r.pk not in gone_set), key=lambda r: r.work_activity.name)
    return Drift(added=added, gone=gone, back=back)


@dataclass(frozen=True)
class PreviewRow:
    """A work activity a rule matches, why, and where it stands in the plan now:
    ``target`` (a rule target), ``added`` (added by hand), ``excluded`` or ``new``."""

    work_activity: WorkActivity
    reason: str
    now: str


@dataclass(frozen=True)
class RulePreview:
    """What setting ``rule`` on the plan would give: the matches, and the rule rows that
    would leave (``removed`` when not started, else kept and marked)."""

    rule: dict[str, Any]
    description: str
    rows: list[PreviewRow]
    leaving: list[Target]

    @property
    def new_count(self) -> int:
        return sum(1 for row in self.rows if row.now == "new")


def rule_preview(*, plan: DeploymentPlan, rule: Any) -> RulePreview:
    """The matches of ``rule`` compared with the plan's targets; writes nothing.
    Raises ``DeploymentError`` for a rule ``rule_check`` refuses."""
    normal = rule_check(rule)
    matches = rule_matches(normal)
    stored = {
        row.work_activity_id: row
        for row in Target.objects.filter(plan=plan).select_related("work_activity")
    }
    rows = []
    for match in matches:
        row = stored.get(match.work_activity.pk)
        if row is None:
            now = "new"
        elif row.excluded:
            now = "excluded"
        else:
            now = "target" if row.source == TargetSource.RULE else "added"
        rows.append(PreviewRow(match.work_activity, match.reason, now))
    matched = {match.work_activity.pk for match in matches}
    leaving = sorted(
        (
            row
            for row in stored.values()
            if row.source == TargetSource.RULE and row.work_activity_id not in matched
        ),
        key=lambda row: row.work_activity.name,
    )
    return RulePreview(normal, rule_describe(normal), rows, leaving)


# -- writes ----------------------------------------------------------------------------------


def _require_edit(actor: User, plan: DeploymentPlan) -> None:
    if not plan_can_edit(actor, plan):
        raise PermissionDenied(
            "Only the plan's owner or a deployment planner may change its targets."
        )


def _require_open(plan: DeploymentPlan) -> None:
    if plan.state in CLOSED_STATES:
        raise DeploymentError(
            f"{plan.reference} is {plan.get_state_display().lower()}: its targets no "
            "longer change.",
            field="plan",
        )


def _lock_plan(plan: DeploymentPlan, expected_version: int | None = None) -> DeploymentPlan:
    return lock_for_update(
        DeploymentPlan.objects.all(), pk=plan.pk, expected_version=expected_version
    )


def _content_changed(*, plan: DeploymentPlan, actor: User, reason: str) -> None:
    """The plans' hook: a new revision once the current one was sent for sign-off."""
    plan_services.plan_content_changed(plan=plan, actor=actor, reason=reason)


def _reason_text(reason: str, what: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise DeploymentError(f"Say why the work activity is {what}.", field="reason")
    if len(text) > _REASON_LENGTH:
        raise DeploymentError(f"Keep the reason under {_REASON_LENGTH} characters.", field="reason")
    return text


def _touch(row: Target, actor: User, reason: str, fields: list[str]) -> None:
    """Stamp who and when, bump the version, record the history, save those fields."""
    row.updated_at = timezone.now()
    row.updated_by = actor if getattr(actor, "pk", None) else None
    row.version += 1
    record_actor(row, actor, reason)
    row.save(update_fields=[*fields, "updated_at", "updated_by", "version"])


def _apply(plan: DeploymentPlan, actor: User, matches: list[Match], why: str) -> Drift:
    """Write the drift: new matches in, rule rows that no longer match out (or marked),
    rows matching again marked, and the matched conditions of matching rule rows
    brought up to date (the rule may have changed)."""
    drift = _drift(plan, matches)
    now = timezone.now()
    user = actor if getattr(actor, "pk", None) else None
    for match in drift.added:
        row = Target(
            plan=plan,
            work_activity=match.work_activity,
            source=TargetSource.RULE,
            reason=match.reason[:_REASON_LENGTH],
            updated_at=now,
            updated_by=user,
        )
        record_actor(row, actor, why)
        row.save()
    for row in drift.gone:
        if row.status == TargetStatus.NOT_STARTED:
            record_actor(row, actor, why)
            row.delete()
        else:
            row.matches_rule = False
            _touch(row, actor, why, ["matches_rule"])
    reasons = {m.work_activity.pk: m.reason for m in matches}
    for row in Target.objects.filter(plan=plan, source=TargetSource.RULE, excluded=False):
        reason = reasons.get(row.work_activity_id)
        if reason is None:
            continue
        changed = []
        if not row.matches_rule:
            row.matches_rule = True
            changed.append("matches_rule")
        if row.reason != reason:
            row.reason = reason[:_REASON_LENGTH]
            changed.append("reason")
        if changed:
            _touch(row, actor, why, changed)
    for row in drift.back:  # excluded rows matching again: only the mark
        if row.excluded:
            row.matches_rule = True
            _touch(row, actor, why, ["matches_rule"])
    return drift


def _save_plan(plan: DeploymentPlan, actor: User, reason: str, fields: list[str]) -> None:
    plan.updated_at = timezone.now()
    plan.version += 1
    record_actor(plan, actor, reason)
    plan.save(update_fields=[*fields, "updated_at", "version"])


@transaction.atomic
def plan_rule_set(
    *, plan: DeploymentPlan, actor: User, rule: Any, expected_version: int | None = None
) -> DeploymentPlan:
    """Set the plan's rule and apply it at once: the targets become what it matches now
    (plus the added ones; excluded rows stay excluded; started rows that no longer
    match are kept, marked). A content change of the plan.

    An unchanged rule whose targets are up to date writes nothing. Raises
    ``PermissionDenied`` (not an editor), ``DeploymentError`` (rule refused, plan
    closed), ``ConflictError`` (``expected_version`` is stale).
    """
    _require_edit(actor, plan)
    locked = _lock_plan(plan, expected_version)
    _require_open(locked)
    normal = rule_check(rule)
    matches = rule_matches(normal)
    rule_changed = normal != _stored_rule(locked) or locked.target_rule != normal
    if not rule_changed and not _drift(locked, matches):
        return locked
    why = f"Target rule set: {rule_describe(normal)}" if rule_changed else "Targets refreshed"
    locked.target_rule = normal
    locked.rule_evaluated_at = timezone.now()
    _save_plan(locked, actor, why, ["target_rule", "rule_evaluated_at"])
    _apply(locked, actor, matches, why)
    _content_changed(plan=locked, actor=actor, reason=why)
    return locked


@transaction.atomic
def targets_refresh(*, plan: DeploymentPlan, actor: User) -> Drift:
    """Apply the drift (see the module docstring) and return what was applied; with no
    drift, nothing is written. A content change of the plan when something changed.

    Raises ``PermissionDenied`` (not an editor) or ``DeploymentError`` (plan closed).
    """
    _require_edit(actor, plan)
    locked = _lock_plan(plan)
    _require_open(locked)
    matches = rule_matches(_stored_rule(locked))
    if not _drift(locked, matches):
        return Drift()
    drift = _drift(locked, matches)
    why = f"Targets refreshed from the rule: {drift.summary()}"
    locked.rule_evaluated_at = timezone.now()
    _save_plan(locked, actor, why, ["rule_evaluated_at"])
    applied = _apply(locked, actor, matches, why)
    _content_changed(plan=locked, actor=actor, reason=why)
    plan.version = locked.version
    return applied


def targets_refresh_all(*, actor: User) -> dict[DeploymentPlan, Drift]:
    """Refresh every open plan (not complete or cancelled), each in its own transaction;
    returns each plan's applied drift (empty when it had none).

    Needs ``deployments.change_deploymentplan`` (it touches every plan): else
    ``PermissionDenied`` and nothing is written.
    """
    if not (
        actor is not None
        and actor.is_authenticated
        and actor.has_perm("deployments.change_deploymentplan")
    ):
        raise PermissionDenied("Only a deployment planner may refresh every plan's targets.")
    results: dict[DeploymentPlan, Drift] = {}
    for plan in DeploymentPlan.objects.exclude(state__in=CLOSED_STATES).order_by("pk"):
        results[plan] = targets_refresh(plan=plan, actor=actor)
    return results


@transaction.atomic
def target_add(
    *,
    plan: DeploymentPlan,
    actor: User,
    work_activity: WorkActivity,
    reason: str,
    wave: Wave | None = None,
) -> Target:
    """Add a work activity by hand (``source=added``) with the reason it is in.

    Refuses (``DeploymentError``) an empty reason, an inactive work activity, one
    already a target of the plan (an excluded one is put back with ``target_include``),
    a wave of another plan, a closed plan. A content change of the plan.
    """
    _require_edit(actor, plan)
    locked = _lock_plan(plan)
    _require_open(locked)
    text = _reason_text(reason, "added")
    if work_activity is None:
        raise DeploymentError("Choose a work activity.", field="work_activity")
    if not work_activity.active:
        raise DeploymentError(
            f"{work_activity} is inactive: only active work activities receive deployments.",
            field="work_activity",
        )
    existing = Target.objects.filter(plan=locked, work_activity=work_activity).first()
    if existing is not None:
        hint = " (excluded: include it again instead)" if existing.excluded else ""
        raise DeploymentError(
            f"{work_activity} is already a target of {locked.reference}{hint}.",
            field="work_activity",
        )
    if wave is not None and wave.plan_id != locked.pk:
        raise DeploymentError(f"{wave} is a wave of another plan.", field="wave")
    row = Target(
        plan=locked,
        work_activity=work_activity,
        wave=wave,
        source=TargetSource.ADDED,
        reason=text,
        matches_rule=False,
        updated_at=timezone.now(),
        updated_by=actor,
    )
    why = f"Added {work_activity}: {text}"
    record_actor(row, actor, why)
    row.save()
    _content_changed(plan=locked, actor=actor, reason=why)
    return row


def _lock_target(target: Target) -> Target:
    return lock_for_update(Target.objects.all(), pk=target.pk, expected_version=None)


@transaction.atomic
def target_exclude(*, target: Target, actor: User, reason: str) -> Target:
    """Take a target out of the plan, saying why (kept in ``reason``). A target already
    deployed or confirmed is rolled back or opted out instead. A content change.

    Raises ``PermissionDenied`` (not an editor of the plan) or ``DeploymentError``
    (no reason, already excluded, deployed or confirmed, plan closed).
    """
    _require_edit(actor, target.plan)
    locked = _lock_plan(target.plan)
    row = _lock_target(target)
    _require_open(locked)
    text = _reason_text(reason, "excluded")
    if row.excluded:
        raise DeploymentError(f"{row.work_activity} is already excluded.", field="excluded")
    if row.status in (TargetStatus.DEPLOYED, TargetStatus.CONFIRMED):
        raise DeploymentError(
            f"{row.work_activity} is {row.get_status_display().lower()}: roll it back "
            "instead of excluding it.",
            field="excluded",
        )
    row.excluded = True
    row.reason = text
    why = f"Excluded {row.work_activity}: {text}"
    _touch(row, actor, why, ["excluded", "reason"])
    _content_changed(plan=locked, actor=actor, reason=why)
    return row


def _reason_before_exclusion(row: Target) -> str:
    """The reason the row had before it was excluded, from its history."""
    record = row.history.filter(excluded=False).order_by("-history_date", "-history_id").first()
    return record.reason if record is not None else ""


@transaction.atomic
def target_include(*, target: Target, actor: User) -> Target:
    """Put an excluded target back; its reason becomes the matched conditions (rule
    rows that match) or the reason it had before the exclusion. A content change.

    Raises ``PermissionDenied`` or ``DeploymentError`` (not excluded, plan closed).
    """
    _require_edit(actor, target.plan)
    locked = _lock_plan(target.plan)
    row = _lock_target(target)
    _require_open(locked)
    if not row.excluded:
        raise DeploymentError(f"{row.work_activity} is not excluded.", field="excluded")
    reason = ""
    if row.source == TargetSource.RULE:
        for match in rule_matches(_stored_rule(locked)):
            if match.work_activity.pk == row.work_activity_id:
                reason = match.reason
        row.matches_rule = bool(reason)
    reason = reason or _reason_before_exclusion(row) or "Included again."
    row.excluded = False
    row.reason = reason[:_REASON_LENGTH]
    why = f"Included {row.work_activity} again"
    _touch(row, actor, why, ["excluded", "reason", "matches_rule"])
    _content_changed(plan=locked, actor=actor, reason=why)
    return row
