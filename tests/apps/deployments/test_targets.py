"""A target's status, training and process version, one at a time and in bulk
(``services.targets``).

Personas: the process owner (edits the plan), Daniel the project manager (updates the
targets of ``managed_project`` only), the practitioner (reads only).
"""

from __future__ import annotations

import datetime as dt
from itertools import product
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from tests.factories.deployments import DeploymentPlanFactory, TargetFactory, WaveFactory
from tests.factories.organization import ProcessAssetVersionFactory, WorkActivityFactory
from uplift.apps.deployments.choices import PlanState, TargetStatus
from uplift.apps.deployments.errors import ConflictError, DeploymentError
from uplift.apps.deployments.models import DeploymentPlan, Target
from uplift.apps.deployments.services import plans as plan_services
from uplift.apps.deployments.services.targets import (
    target_status_set,
    target_update,
    targets_bulk_update,
)

pytestmark = pytest.mark.django_db

S = TargetStatus
ALLOWED = {
    (S.NOT_STARTED, S.PREPARING),
    (S.NOT_STARTED, S.DEPLOYED),
    (S.NOT_STARTED, S.OPTED_OUT),
    (S.PREPARING, S.DEPLOYED),
    (S.PREPARING, S.OPTED_OUT),
    (S.DEPLOYED, S.CONFIRMED),
    (S.DEPLOYED, S.ROLLED_BACK),
    (S.CONFIRMED, S.ROLLED_BACK),
    (S.OPTED_OUT, S.PREPARING),
    (S.ROLLED_BACK, S.PREPARING),
}
PAIRS = list(product(S.values, S.values))
TODAY = dt.date(2026, 3, 16)


@pytest.fixture(autouse=True)
def today(monkeypatch: pytest.MonkeyPatch) -> dt.date:
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    return TODAY


@pytest.fixture
def plan(process_owner: Any) -> DeploymentPlan:
    return DeploymentPlanFactory(owner=process_owner, title="Peer reviews")


@pytest.fixture
def target(plan: DeploymentPlan) -> Target:
    return TargetFactory(plan=plan, work_activity=WorkActivityFactory(name="Alpha"))


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    monkeypatch.setattr(
        plan_services, "plan_content_changed", lambda *, plan, actor, reason: calls.append(reason)
    )
    return calls


def at(target: Target, status: str, **fields: Any) -> Target:
    Target.objects.filter(pk=target.pk).update(status=status, **fields)
    return Target.objects.get(pk=target.pk)


def snapshot(*targets: Target) -> list[tuple[Any, ...]]:
    """What must not change on a refused write: each row and the history's length."""
    fresh = Target.objects.filter(pk__in=[t.pk for t in targets]).order_by("pk")
    return [
        (t.status, t.training_percent, t.version, t.history.count(), t.deployed_on) for t in fresh
    ]


# -- status moves --------------------------------------------------------------------------


@pytest.mark.parametrize(("before", "after"), [p for p in PAIRS if p in ALLOWED])
def test_every_allowed_move_is_made(
    target: Target, process_owner: Any, before: str, after: str
) -> None:
    target = at(target, before, deployed_on=dt.date(2026, 3, 2))
    moved = target_status_set(target=target, actor=process_owner, status=after, reason="Because.")
    assert moved.status == after
    assert moved.version == target.version + 1
    assert moved.updated_by == process_owner
    record = moved.history.first()
    assert (record.history_user, record.status) == (process_owner, after)


@pytest.mark.parametrize(("before", "after"), [p for p in PAIRS if p not in ALLOWED])
def test_every_other_move_is_refused_and_nothing_changes(
    target: Target, process_owner: Any, before: str, after: str
) -> None:
    target = at(target, before)
    before_rows = snapshot(target)
    with pytest.raises(DeploymentError) as caught:
        target_status_set(target=target, actor=process_owner, status=after, reason="Because.")
    assert caught.value.field == "status"
    assert snapshot(target) == before_rows


@pytest.mark.parametrize(
    ("before", "after"), [(S.PREPARING, S.OPTED_OUT), (S.DEPLOYED, S.ROLLED_BACK)]
)
def test_opting_out_and_rolling_back_need_a_reason(
    target: Target, process_owner: Any, before: str, after: str
) -> None:
    target = at(target, before)
    with pytest.raises(DeploymentError) as caught:
        target_status_set(target=target, actor=process_owner, status=after, reason="  ")
    assert caught.value.field == "reason"
    moved = target_status_set(
        target=target, actor=process_owner, status=after, reason="The team disbanded."
    )
    assert moved.status_reason == "The team disbanded."


def test_deployed_stamps_today_or_the_given_day(target: Target, process_owner: Any) -> None:
    moved = target_status_set(target=target, actor=process_owner, status=S.DEPLOYED)
    assert moved.deployed_on == TODAY
    other = TargetFactory(plan=target.plan)
    moved = target_status_set(
        target=other, actor=process_owner, status=S.DEPLOYED, on=dt.date(2026, 3, 1)
    )
    assert moved.deployed_on == dt.date(2026, 3, 1)


def test_confirmed_stamps_its_day_never_before_the_deployment(
    target: Target, process_owner: Any
) -> None:
    target = at(target, S.DEPLOYED, deployed_on=dt.date(2026, 3, 10))
    with pytest.raises(DeploymentError) as caught:
        target_status_set(
            target=target, actor=process_owner, status=S.CONFIRMED, on=dt.date(2026, 3, 9)
        )
    assert caught.value.field == "on"
    moved = target_status_set(target=target, actor=process_owner, status=S.CONFIRMED)
    assert (moved.deployed_on, moved.confirmed_on) == (dt.date(2026, 3, 10), TODAY)


def test_a_day_in_the_future_is_refused(target: Target, process_owner: Any) -> None:
    with pytest.raises(DeploymentError) as caught:
        target_status_set(
            target=target, actor=process_owner, status=S.DEPLOYED, on=dt.date(2026, 3, 17)
        )
    assert caught.value.field == "on"
    assert Target.objects.get(pk=target.pk).status == S.NOT_STARTED


def test_a_new_attempt_after_a_roll_back_clears_the_last_one(
    target: Target, process_owner: Any
) -> None:
    target = at(
        target,
        S.ROLLED_BACK,
        deployed_on=dt.date(2026, 2, 1),
        confirmed_on=dt.date(2026, 2, 5),
        status_reason="Broke the build.",
    )
    moved = target_status_set(target=target, actor=process_owner, status=S.PREPARING)
    assert (moved.deployed_on, moved.confirmed_on, moved.status_reason) == (None, None, "")


def test_an_excluded_target_has_no_status_changes(target: Target, process_owner: Any) -> None:
    Target.objects.filter(pk=target.pk).update(excluded=True, reason="Closing.")
    target.refresh_from_db()
    with pytest.raises(DeploymentError) as caught:
        target_status_set(target=target, actor=process_owner, status=S.PREPARING)
    assert caught.value.field == "excluded"
    with pytest.raises(DeploymentError):
        target_update(target=target, actor=process_owner, training_percent=50)
    assert snapshot(target)[0][:3] == (S.NOT_STARTED, 0, 1)


@pytest.mark.parametrize("state", [PlanState.COMPLETE, PlanState.CANCELLED])
def test_the_targets_of_a_closed_plan_do_not_change(
    target: Target, process_owner: Any, state: str
) -> None:
    DeploymentPlan.objects.filter(pk=target.plan_id).update(state=state)
    with pytest.raises(DeploymentError) as caught:
        target_status_set(target=target, actor=process_owner, status=S.PREPARING)
    assert caught.value.field == "plan"


def test_a_stale_version_is_a_conflict(target: Target, process_owner: Any) -> None:
    with pytest.raises(ConflictError):
        target_status_set(
            target=target, actor=process_owner, status=S.PREPARING, expected_version=5
        )
    assert Target.objects.get(pk=target.pk).status == S.NOT_STARTED


def test_a_status_change_is_no_content_change(
    target: Target, process_owner: Any, hook: list[str]
) -> None:
    target_status_set(target=target, actor=process_owner, status=S.PREPARING)
    target_update(target=Target.objects.get(pk=target.pk), actor=process_owner, training_percent=40)
    assert hook == []


# -- project managers ----------------------------------------------------------------------


@pytest.fixture
def own(plan: DeploymentPlan, managed_project: Any) -> Target:
    return TargetFactory(plan=plan, work_activity=managed_project)


def test_a_project_manager_updates_the_targets_they_manage(
    own: Target, project_manager: Any
) -> None:
    moved = target_status_set(target=own, actor=project_manager, status=S.PREPARING)
    version = ProcessAssetVersionFactory()
    moved = target_update(
        target=moved, actor=project_manager, training_percent=80, process_version=version
    )
    assert (moved.status, moved.training_percent, moved.process_version) == (
        S.PREPARING,
        80,
        version,
    )
    assert moved.history.first().history_user == project_manager


def test_a_project_manager_may_not_update_other_targets(
    target: Target, project_manager: Any, practitioner: Any
) -> None:
    before = snapshot(target)
    for user in (project_manager, practitioner):
        with pytest.raises(PermissionDenied):
            target_status_set(target=target, actor=user, status=S.PREPARING)
        with pytest.raises(PermissionDenied):
            target_update(target=target, actor=user, training_percent=50)
    assert snapshot(target) == before


def test_a_project_manager_may_not_move_their_target_to_a_wave(
    own: Target, project_manager: Any
) -> None:
    wave = WaveFactory(plan=own.plan)
    with pytest.raises(PermissionDenied):
        target_update(target=own, actor=project_manager, wave=wave)
    assert Target.objects.get(pk=own.pk).wave is None


# -- update --------------------------------------------------------------------------------


def test_the_wave_and_planned_day_are_a_content_change(
    target: Target, process_owner: Any, hook: list[str]
) -> None:
    wave = WaveFactory(plan=target.plan)
    moved = target_update(
        target=target, actor=process_owner, wave=wave, planned_on=dt.date(2026, 3, 20)
    )
    assert (moved.wave, moved.planned_on, moved.version) == (wave, dt.date(2026, 3, 20), 2)
    assert hook == ["Alpha: Updated: planned on 2026-03-20, wave Wave " + str(wave.number)]


def test_unchanged_values_write_nothing(target: Target, process_owner: Any) -> None:
    before = snapshot(target)
    moved = target_update(target=target, actor=process_owner, training_percent=0, wave=None)
    assert moved.version == 1
    assert snapshot(target) == before


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"training_percent": 101}, "training_percent"),
        ({"training_percent": -1}, "training_percent"),
        ({"training_percent": "50"}, "training_percent"),
        ({"status": "deployed"}, "status"),
        ({"planned_on": "2026-03-01"}, "planned_on"),
        ({"process_version": "1.2"}, "process_version"),
    ],
)
def test_update_refuses_wrong_values_naming_the_field(
    target: Target, process_owner: Any, fields: dict[str, Any], field: str
) -> None:
    with pytest.raises(DeploymentError) as caught:
        target_update(target=target, actor=process_owner, **fields)
    assert caught.value.field == field
    assert Target.objects.get(pk=target.pk).version == 1


def test_a_wave_of_another_plan_is_refused(target: Target, process_owner: Any) -> None:
    with pytest.raises(DeploymentError) as caught:
        target_update(target=target, actor=process_owner, wave=WaveFactory())
    assert caught.value.field == "wave"


# -- bulk ----------------------------------------------------------------------------------


@pytest.fixture
def three(plan: DeploymentPlan) -> list[Target]:
    return [
        TargetFactory(plan=plan, work_activity=WorkActivityFactory(name=name))
        for name in ("Alpha", "Beta", "Gamma")
    ]


def test_bulk_moves_every_target_in_one_go(three: list[Target], process_owner: Any) -> None:
    count = targets_bulk_update(
        plan=three[0].plan,
        actor=process_owner,
        targets=three,
        status=S.DEPLOYED,
        on=dt.date(2026, 3, 12),
        training_percent=90,
    )
    assert count == 3
    for row in Target.objects.filter(pk__in=[t.pk for t in three]):
        assert (row.status, row.deployed_on, row.training_percent, row.version) == (
            S.DEPLOYED,
            dt.date(2026, 3, 12),
            90,
            2,
        )
        assert row.history.first().history_change_reason.startswith("Bulk update")


def test_bulk_is_all_or_nothing_and_names_the_first_offending_target(
    three: list[Target], process_owner: Any
) -> None:
    three[1] = at(three[1], S.CONFIRMED)
    three[2] = at(three[2], S.CONFIRMED)
    before = snapshot(*three)
    with pytest.raises(DeploymentError) as caught:
        targets_bulk_update(
            plan=three[0].plan, actor=process_owner, targets=three, status=S.PREPARING
        )
    assert caught.value.message.startswith("Beta: A target cannot go from confirmed")
    assert caught.value.message.endswith("Nothing was changed.")
    assert snapshot(*three) == before


def test_bulk_refuses_a_training_share_out_of_range_for_all(
    three: list[Target], process_owner: Any
) -> None:
    before = snapshot(*three)
    with pytest.raises(DeploymentError) as caught:
        targets_bulk_update(
            plan=three[0].plan, actor=process_owner, targets=three, training_percent=120
        )
    assert caught.value.field == "training_percent"
    assert snapshot(*three) == before


def test_bulk_needs_targets_and_something_to_change(
    three: list[Target], process_owner: Any
) -> None:
    plan = three[0].plan
    with pytest.raises(DeploymentError) as caught:
        targets_bulk_update(plan=plan, actor=process_owner, targets=[], status=S.PREPARING)
    assert caught.value.field == "targets"
    with pytest.raises(DeploymentError) as caught:
        targets_bulk_update(plan=plan, actor=process_owner, targets=three)
    assert caught.value.field == "status"


def test_bulk_refuses_a_target_of_another_plan(three: list[Target], process_owner: Any) -> None:
    stranger = TargetFactory()
    before = snapshot(*three, stranger)
    with pytest.raises(DeploymentError) as caught:
        targets_bulk_update(
            plan=three[0].plan,
            actor=process_owner,
            targets=[*three, stranger],
            status=S.PREPARING,
        )
    assert caught.value.field == "targets"
    assert snapshot(*three, stranger) == before


def test_a_project_manager_bulk_updates_their_own_targets_only(
    three: list[Target], own: Target, project_manager: Any
) -> None:
    before = snapshot(own, *three)
    with pytest.raises(PermissionDenied) as caught:
        targets_bulk_update(
            plan=own.plan, actor=project_manager, targets=[own, three[0]], status=S.PREPARING
        )
    assert "Alpha" in str(caught.value)
    assert snapshot(own, *three) == before

    assert (
        targets_bulk_update(plan=own.plan, actor=project_manager, targets=[own], status=S.PREPARING)
        == 1
    )
    assert Target.objects.get(pk=own.pk).status == S.PREPARING
