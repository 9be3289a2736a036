"""The team and actions of a process action plan: services.actions and selectors_actions.

Personas (tests/apps/improvements/conftest.py): ``pat_member`` and ``process_owner`` do
plan work (they may edit any plan: change_actionplan); ``steering`` reviews only;
``practitioner`` reads and suggests; ``outsider`` has no role. A denied write raises
PermissionDenied and leaves the rows and their history as they were.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from tests.factories.improvements import ActionFactory, ActionPlanFactory, ProposalFactory
from uplift.apps.improvements import selectors_actions as selectors
from uplift.apps.improvements.choices import ActionStatus, PlanRole
from uplift.apps.improvements.errors import ImprovementError
from uplift.apps.improvements.models import Action, PlanMember, PlanRevision
from uplift.apps.improvements.services.actions import (
    action_create,
    action_delete,
    action_update,
    member_add,
    member_remove,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)


def _counts() -> tuple[int, int, int, int]:
    return (
        Action.objects.count(),
        Action.history.count(),
        PlanMember.objects.count(),
        PlanMember.history.count(),
    )


@pytest.fixture
def plan(process_owner):
    return ActionPlanFactory(owner=process_owner)


# -- the team -------------------------------------------------------------------------------


def test_a_plan_worker_adds_a_member_and_history_names_them(plan, pat_member, practitioner):
    member = member_add(plan=plan, actor=pat_member, user=practitioner, role=PlanRole.LEAD)

    assert (member.plan, member.user, member.role) == (plan, practitioner, "lead")
    record = member.history.get()
    assert (record.history_type, record.history_user) == ("+", pat_member)


@pytest.mark.parametrize("persona", ["practitioner", "steering", "outsider", "project_manager"])
def test_members_are_not_added_by_those_without_plan_work(request, plan, persona, pat_member):
    actor = request.getfixturevalue(persona)
    before = _counts()

    with pytest.raises(PermissionDenied, match=plan.reference):
        member_add(plan=plan, actor=actor, user=pat_member, role=PlanRole.PRACTITIONER)

    assert _counts() == before


def test_the_plan_owner_without_the_permission_cannot_add_members(practitioner, pat_member):
    plan = ActionPlanFactory(owner=practitioner)  # may edit the plan, lacks add_planmember

    with pytest.raises(PermissionDenied):
        member_add(plan=plan, actor=practitioner, user=pat_member, role=PlanRole.LEAD)

    assert not PlanMember.objects.exists()


def test_a_person_holds_each_role_once_but_may_hold_several(plan, pat_member, practitioner):
    member_add(plan=plan, actor=pat_member, user=practitioner, role=PlanRole.PRACTITIONER)

    with pytest.raises(ImprovementError, match="already on the team as practitioner") as error:
        member_add(plan=plan, actor=pat_member, user=practitioner, role=PlanRole.PRACTITIONER)
    member_add(plan=plan, actor=pat_member, user=practitioner, role=PlanRole.LEAD)

    assert error.value.field == "user"
    assert sorted(plan.members.values_list("role", flat=True)) == ["lead", "practitioner"]


def test_an_unknown_role_is_refused(plan, pat_member, practitioner):
    with pytest.raises(ImprovementError) as error:
        member_add(plan=plan, actor=pat_member, user=practitioner, role="sponsor")

    assert error.value.field == "role"
    assert not PlanMember.objects.exists()


def test_a_member_is_removed_and_history_keeps_who_removed_them(plan, pat_member, practitioner):
    member = member_add(plan=plan, actor=pat_member, user=practitioner, role=PlanRole.LEAD)

    member_remove(member=member, actor=pat_member)

    assert not PlanMember.objects.exists()
    removal = PlanMember.history.filter(history_type="-").get()
    assert removal.history_user == pat_member


def test_a_member_is_not_removed_by_the_steering_committee(
    plan, pat_member, practitioner, steering
):
    member = member_add(plan=plan, actor=pat_member, user=practitioner, role=PlanRole.LEAD)
    before = _counts()

    with pytest.raises(PermissionDenied):
        member_remove(member=member, actor=steering)

    assert _counts() == before


def test_a_lead_practitioner_still_needs_the_permission_to_edit_the_team(
    plan, pat_member, practitioner
):
    member_add(plan=plan, actor=pat_member, user=practitioner, role=PlanRole.LEAD)

    with pytest.raises(PermissionDenied):
        member_add(plan=plan, actor=practitioner, user=pat_member, role=PlanRole.PRACTITIONER)


# -- creating actions -----------------------------------------------------------------------


def test_an_action_is_created_not_started_after_the_others(plan, pat_member, practitioner):
    first = action_create(
        plan=plan, actor=pat_member, title="Write the checklist", owner=practitioner, due=TODAY
    )
    second = action_create(
        plan=plan,
        actor=pat_member,
        title="  Train the reviewers ",
        owner=pat_member,
        start=TODAY,
        due=TODAY + 10 * DAY,
        description="Two sessions.",
        depends_on=[first],
    )

    assert (first.position, second.position) == (0, 1)
    assert second.title == "Train the reviewers"
    assert second.status == ActionStatus.NOT_STARTED
    assert list(second.depends_on.all()) == [first]
    assert [r.history_type for r in second.history.order_by("history_id")] == ["+", "~"]
    assert {r.history_user for r in second.history.all()} == {pat_member}


@pytest.mark.parametrize("persona", ["practitioner", "steering", "outsider"])
def test_actions_are_not_created_by_those_without_plan_work(request, plan, persona):
    actor = request.getfixturevalue(persona)

    with pytest.raises(PermissionDenied):
        action_create(plan=plan, actor=actor, title="Sneak", owner=actor, due=TODAY)

    assert _counts() == (0, 0, 0, 0)


def test_the_due_date_cannot_be_before_the_start(plan, pat_member):
    with pytest.raises(ImprovementError, match="cannot be before the start") as error:
        action_create(
            plan=plan, actor=pat_member, title="Backwards", owner=pat_member,
            start=TODAY, due=TODAY - DAY,
        )  # fmt: skip

    assert error.value.field == "due"
    assert not Action.objects.exists()


def test_an_action_depends_only_on_actions_of_its_own_plan(plan, pat_member):
    elsewhere = ActionFactory(title="Other plan's action")

    with pytest.raises(ImprovementError, match="its own plan") as error:
        action_create(
            plan=plan, actor=pat_member, title="Linked", owner=pat_member, due=TODAY,
            depends_on=[elsewhere],
        )  # fmt: skip

    assert error.value.field == "depends_on"
    assert Action.objects.count() == 1


def test_a_title_is_required(plan, pat_member):
    with pytest.raises(ImprovementError) as error:
        action_create(plan=plan, actor=pat_member, title="   ", owner=pat_member, due=TODAY)

    assert error.value.field == "title"


# -- changing actions -----------------------------------------------------------------------


def test_an_editor_changes_an_action_and_history_names_them(plan, pat_member, process_owner):
    action = ActionFactory(plan=plan, owner=pat_member)

    saved = action_update(
        action=action, actor=process_owner, title="Renamed", owner=process_owner,
        due=action.due + DAY,
    )  # fmt: skip

    assert (saved.title, saved.owner, saved.due) == ("Renamed", process_owner, action.due + DAY)
    assert saved.history.first().history_user == process_owner


def test_a_save_that_changes_nothing_writes_nothing(plan, pat_member):
    action = ActionFactory(plan=plan, title="Same")
    before = action.history.count()

    action_update(action=action, actor=pat_member, title="Same", due=action.due, depends_on=[])

    assert action.history.count() == before


def test_the_owner_may_change_the_status_of_their_own_action(plan, practitioner):
    action = ActionFactory(plan=plan, owner=practitioner)

    saved = action_update(action=action, actor=practitioner, status=ActionStatus.IN_PROGRESS)

    assert saved.status == ActionStatus.IN_PROGRESS
    assert saved.history.first().history_user == practitioner


def test_the_owner_without_edit_rights_changes_nothing_but_the_status(plan, practitioner):
    action = ActionFactory(plan=plan, owner=practitioner, title="Original")
    before = _counts()

    with pytest.raises(PermissionDenied, match="only the status"):
        action_update(action=action, actor=practitioner, title="Mine now", status="done")

    action.refresh_from_db()
    assert (action.title, action.status) == ("Original", ActionStatus.NOT_STARTED)
    assert _counts() == before


@pytest.mark.parametrize("persona", ["practitioner", "steering", "outsider"])
def test_others_cannot_change_the_status_of_an_action(request, plan, persona, pat_member):
    action = ActionFactory(plan=plan, owner=pat_member)
    before = _counts()

    with pytest.raises(PermissionDenied):
        action_update(
            action=action, actor=request.getfixturevalue(persona), status=ActionStatus.DONE
        )

    action.refresh_from_db()
    assert action.status == ActionStatus.NOT_STARTED
    assert _counts() == before


def test_done_records_the_day_it_was_completed_and_reopening_clears_it(plan, pat_member):
    action = ActionFactory(plan=plan)

    done = action_update(action=action, actor=pat_member, status=ActionStatus.DONE)
    assert done.completed_on == TODAY
    reopened = action_update(action=done, actor=pat_member, status=ActionStatus.IN_PROGRESS)

    assert reopened.completed_on is None


def test_an_action_cannot_be_done_while_what_it_depends_on_is_open(plan, pat_member):
    design = ActionFactory(plan=plan, title="Design", status=ActionStatus.IN_PROGRESS)
    pilot = ActionFactory(plan=plan, title="Pilot")
    pilot.depends_on.add(design)

    with pytest.raises(ImprovementError) as error:
        action_update(action=pilot, actor=pat_member, status=ActionStatus.DONE)

    assert error.value.field == "status"
    assert "“Design” (in progress)" in error.value.message
    pilot.refresh_from_db()
    assert pilot.status == ActionStatus.NOT_STARTED


@pytest.mark.parametrize("closed", [ActionStatus.DONE, ActionStatus.CANCELLED])
def test_an_action_may_be_done_once_its_dependencies_are_done_or_cancelled(
    plan, pat_member, closed
):
    design = ActionFactory(plan=plan, title="Design", status=closed)
    pilot = ActionFactory(plan=plan, title="Pilot")
    pilot.depends_on.add(design)

    assert action_update(action=pilot, actor=pat_member, status="done").status == "done"


def test_a_done_action_cannot_take_on_an_open_dependency(plan, pat_member):
    open_ = ActionFactory(plan=plan, title="Open")
    done = ActionFactory(plan=plan, title="Finished", status=ActionStatus.DONE)

    with pytest.raises(ImprovementError, match="“Open”"):
        action_update(action=done, actor=pat_member, depends_on=[open_])


def test_a_circle_of_dependencies_is_refused_naming_the_chain(plan, pat_member):
    a = ActionFactory(plan=plan, title="A")
    b = ActionFactory(plan=plan, title="B")
    c = ActionFactory(plan=plan, title="C")
    action_update(action=a, actor=pat_member, depends_on=[b])
    action_update(action=b, actor=pat_member, depends_on=[c])
    before = _counts()

    with pytest.raises(ImprovementError) as error:
        action_update(action=c, actor=pat_member, depends_on=[a])

    assert error.value.field == "depends_on"
    assert "“C” → “A” → “B” → “C”" in error.value.message
    assert not c.depends_on.exists()
    assert _counts() == before


def test_an_action_cannot_depend_on_itself(plan, pat_member):
    a = ActionFactory(plan=plan, title="A")

    with pytest.raises(ImprovementError, match="itself"):
        action_update(action=a, actor=pat_member, depends_on=[a])


def test_changing_dependencies_alone_makes_one_history_record(plan, pat_member):
    a, b, c = (ActionFactory(plan=plan, title=t) for t in "ABC")
    action_update(action=a, actor=pat_member, depends_on=[b])
    before = a.history.count()

    action_update(action=a, actor=pat_member, depends_on=[c])

    assert a.history.count() == before + 1
    assert list(a.depends_on.all()) == [c]
    assert a.history.first().history_user == pat_member


def test_an_unknown_field_is_refused(plan, pat_member):
    action = ActionFactory(plan=plan)

    with pytest.raises(ImprovementError, match="Unknown field: plan"):
        action_update(action=action, actor=pat_member, plan=ActionPlanFactory())


def test_team_and_actions_do_not_make_plan_revisions(plan, pat_member, practitioner):
    member_add(plan=plan, actor=pat_member, user=practitioner, role=PlanRole.LEAD)
    action = action_create(plan=plan, actor=pat_member, title="X", owner=pat_member, due=TODAY)
    action_update(action=action, actor=pat_member, status="done")

    plan.refresh_from_db()
    assert (plan.revision, plan.version) == (1, 1)
    assert not PlanRevision.objects.filter(plan=plan).exists()


# -- deleting actions -----------------------------------------------------------------------


def test_an_action_is_deleted_and_its_dependents_no_longer_wait(plan, pat_member):
    first = ActionFactory(plan=plan, title="First")
    then = ActionFactory(plan=plan, title="Then")
    then.depends_on.add(first)

    action_delete(action=first, actor=pat_member)

    assert list(Action.objects.all()) == [then]
    assert not then.depends_on.exists()
    assert Action.history.filter(history_type="-").get().history_user == pat_member


@pytest.mark.parametrize("persona", ["practitioner", "steering", "outsider"])
def test_actions_are_not_deleted_by_others(request, plan, persona):
    action = ActionFactory(plan=plan, owner=request.getfixturevalue(persona))
    before = _counts()

    with pytest.raises(PermissionDenied):
        action_delete(action=action, actor=request.getfixturevalue(persona))

    assert _counts() == before


# -- selectors ------------------------------------------------------------------------------


def test_late_means_due_before_today_and_neither_done_nor_cancelled(plan):
    late = ActionFactory(plan=plan, start=None, due=TODAY - DAY)
    done = ActionFactory(plan=plan, start=None, due=TODAY - DAY, status="done")
    cancelled = ActionFactory(plan=plan, start=None, due=TODAY - DAY, status="cancelled")
    due_today = ActionFactory(plan=plan, start=None, due=TODAY)

    assert [selectors.action_is_late(a) for a in (late, done, cancelled, due_today)] == [
        True,
        False,
        False,
        False,
    ]


def test_the_timeline_measures_bars_in_days_from_the_plans_earliest_date(plan):
    start = dt.date(2026, 1, 1)
    ActionFactory(plan=plan, title="Prepare", start=start, due=start + 9 * DAY)
    ActionFactory(plan=plan, title="Pilot", start=start + 10 * DAY, due=start + 39 * DAY)
    ActionFactory(plan=plan, title="Sign-off", start=None, due=start + 19 * DAY)

    chart = selectors.timeline(plan, today=start + 20 * DAY)

    assert (chart.first, chart.last, chart.days) == (start, start + 39 * DAY, 40)
    rows = {row.action.title: row for row in chart.rows}
    assert (rows["Prepare"].offset_days, rows["Prepare"].width_days) == (0, 10)
    assert (rows["Pilot"].offset, rows["Pilot"].width) == ("25.000%", "75.000%")
    assert (rows["Sign-off"].has_start, rows["Sign-off"].offset_days) == (False, 19)
    assert rows["Sign-off"].late
    assert rows["Sign-off"].days_late == 1
    assert chart.today_offset == "51.250%"
    assert [t.date for t in chart.ticks] == [dt.date(2026, 1, 1), dt.date(2026, 2, 1)]


def test_the_timeline_of_a_plan_without_actions_is_empty(plan):
    chart = selectors.timeline(plan)

    assert (chart.rows, chart.days, chart.today_offset) == ((), 0, None)


def test_what_a_person_owes_lists_open_actions_late_first(plan, practitioner):
    other_plan = ActionPlanFactory()
    soon = ActionFactory(plan=plan, owner=practitioner, start=None, due=TODAY + 2 * DAY)
    very_late = ActionFactory(plan=other_plan, owner=practitioner, start=None, due=TODAY - 9 * DAY)
    late = ActionFactory(plan=plan, owner=practitioner, start=None, due=TODAY - DAY)
    ActionFactory(plan=plan, owner=practitioner, status="done", start=None, due=TODAY - DAY)
    ActionFactory(plan=plan, start=None, due=TODAY - DAY)  # somebody else's

    rows = selectors.actions_owed(practitioner)

    assert [row.action for row in rows] == [very_late, late, soon]
    assert [row.days_late for row in rows] == [9, 1, 0]


def test_the_plan_list_counts_actions_late_actions_and_proposals(plan, django_assert_num_queries):
    plan.proposals.add(ProposalFactory(), ProposalFactory())
    ActionFactory(plan=plan, start=None, due=TODAY - DAY)
    ActionFactory(plan=plan, start=None, due=TODAY - DAY, status="cancelled")
    ActionFactory(plan=plan, start=None, due=TODAY + DAY)
    empty = ActionPlanFactory()

    with django_assert_num_queries(2):
        rows = {p.pk: p for p in selectors.plan_list()}
        proposals = {pk: len(p.proposals.all()) for pk, p in rows.items()}

    counts = (rows[plan.pk].action_count, rows[plan.pk].late_action_count)
    assert counts == (3, 1)
    assert (rows[plan.pk].proposal_count, proposals[plan.pk]) == (2, 2)
    assert (rows[empty.pk].action_count, rows[empty.pk].proposal_count) == (0, 0)


def test_the_actions_context_says_what_the_user_may_do(plan, pat_member, practitioner):
    member_add(plan=plan, actor=pat_member, user=practitioner, role=PlanRole.PRACTITIONER)
    member_add(plan=plan, actor=pat_member, user=pat_member, role=PlanRole.LEAD)
    mine = ActionFactory(plan=plan, owner=practitioner, start=None, due=TODAY - DAY)
    ActionFactory(plan=plan, owner=pat_member, start=None, due=TODAY + DAY)

    context = selectors.plan_actions_context(plan=plan, user=practitioner)

    assert [label for _, label, _ in context["team_groups"]] == ["Lead", "Practitioner"]
    assert context["late_action_count"] == 1
    assert not context["plan_rights"].add_action
    rows = {row.action.pk: row for row in context["action_rows"]}
    assert rows[mine.pk].can_change_status
    assert not rows[mine.pk].can_change
    assert not any(row.can_change_status for pk, row in rows.items() if pk != mine.pk)
    assert selectors.plan_actions_context(plan=plan, user=pat_member)["plan_rights"].add_action
