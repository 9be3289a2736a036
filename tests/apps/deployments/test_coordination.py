"""Coordination: overloaded work activities, related deployments, and the overload
limit that only the process group sets."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from tests.conftest import ClientFor
from tests.factories.deployments import DeploymentPlanFactory, TargetFactory, WaveFactory
from tests.factories.improvements import ProposalFactory
from tests.factories.organization import WorkActivityFactory
from uplift.apps.deployments.choices import PlanState, TargetStatus
from uplift.apps.deployments.errors import DeploymentError
from uplift.apps.deployments.models import CoordinationSettings
from uplift.apps.deployments.selectors_coordination import (
    coordination_overloads,
    coordination_settings_get,
    related_deployments,
)
from uplift.apps.deployments.services.coordination import coordination_settings_set

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 2)


def _deploy(project, *, start: dt.date, end: dt.date, **target: object):
    """A plan of one wave from ``start`` to ``end`` that deploys to ``project``."""
    plan = DeploymentPlanFactory(planned_start=start, planned_end=end)
    wave = WaveFactory(plan=plan, number=1, planned_start=start, planned_end=end)
    TargetFactory(plan=plan, wave=wave, work_activity=project, **target)
    return plan


@pytest.fixture
def project():
    return WorkActivityFactory(name="Billing rewrite", slug="billing-rewrite")


@pytest.fixture
def three_at_once(project):
    """Three plans deploying to the project, overlapping from 1 to 15 April."""
    return [
        _deploy(project, start=dt.date(2026, 3, 16), end=dt.date(2026, 4, 30)),
        _deploy(project, start=dt.date(2026, 4, 1), end=dt.date(2026, 5, 29)),
        _deploy(project, start=dt.date(2026, 2, 2), end=dt.date(2026, 4, 15)),
    ]


def _set_limit(limit: int) -> None:
    CoordinationSettings.objects.update_or_create(pk=1, defaults={"overload_limit": limit})


def test_settings_default_to_a_limit_of_two_without_writing() -> None:
    settings = coordination_settings_get()

    assert (settings.pk, settings.overload_limit) == (1, 2)
    assert CoordinationSettings.objects.count() == 0


def test_three_plans_on_one_project_with_limit_two_overload_it(project, three_at_once) -> None:
    _set_limit(2)

    (overload,) = coordination_overloads(today=TODAY)

    assert (overload.name, overload.slug) == ("Billing rewrite", "billing-rewrite")
    assert (overload.peak, overload.peak_on, overload.limit) == (3, dt.date(2026, 4, 1), 2)
    assert {r.plan_id for r in overload.at_peak} == {p.pk for p in three_at_once}
    assert len(overload.deployments) == 3


def test_three_plans_on_one_project_with_limit_three_do_not(project, three_at_once) -> None:
    _set_limit(3)

    assert coordination_overloads(today=TODAY) == []


def test_deployments_that_do_not_overlap_do_not_overload(project) -> None:
    _deploy(project, start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 27))
    _deploy(project, start=dt.date(2026, 4, 6), end=dt.date(2026, 4, 24))
    _deploy(project, start=dt.date(2026, 5, 4), end=dt.date(2026, 5, 29))

    assert coordination_overloads(today=TODAY, limit=1) == []


def test_cancelled_plans_and_excluded_targets_do_not_count(project, three_at_once) -> None:
    first, second, _ = three_at_once
    first.state = PlanState.CANCELLED
    first.save(update_fields=["state"])

    assert coordination_overloads(today=TODAY, limit=2) == []
    assert len(coordination_overloads(today=TODAY, limit=1)) == 1
    second.targets.update(excluded=True, reason="Not this project.")
    assert coordination_overloads(today=TODAY, limit=1) == []


def test_a_confirmed_target_stops_receiving_on_its_confirmation(project, three_at_once) -> None:
    # The third plan's target was confirmed on 20 March: before the others overlap it.
    three_at_once[2].targets.update(
        status=TargetStatus.CONFIRMED,
        deployed_on=dt.date(2026, 3, 10),
        confirmed_on=dt.date(2026, 3, 20),
    )

    assert coordination_overloads(today=TODAY, limit=2) == []
    (overload,) = coordination_overloads(today=TODAY, limit=1)
    assert (overload.peak, overload.peak_on) == (2, dt.date(2026, 3, 16))


def test_a_past_window_shows_past_overloads(project) -> None:
    _deploy(project, start=dt.date(2025, 1, 6), end=dt.date(2025, 2, 28))
    _deploy(project, start=dt.date(2025, 2, 3), end=dt.date(2025, 3, 28))

    (overload,) = coordination_overloads(today=dt.date(2025, 1, 1), limit=1)

    assert (overload.peak, overload.peak_on) == (2, dt.date(2025, 2, 3))


def test_related_plans_and_plans_of_several_proposals_are_deployed_together(project) -> None:
    first = _deploy(project, start=dt.date(2026, 3, 2), end=dt.date(2026, 5, 29))
    second = _deploy(project, start=dt.date(2026, 4, 6), end=dt.date(2026, 6, 26))
    first.related_plans.add(second)
    bundle = DeploymentPlanFactory(title="Two in one")
    bundle.proposals.add(ProposalFactory(title="Checklists"), ProposalFactory(title="Templates"))
    DeploymentPlanFactory(title="Alone")

    related, together = related_deployments()

    assert related.kind == "related"
    assert {p.pk for p in related.plans} == {first.pk, second.pk}
    assert related.shared_work_activities == 1
    assert related.starts == dt.date(2026, 3, 2)
    assert together.kind == "bundle"
    assert together.plans == (bundle,)
    assert [p.title for p in together.proposals] == ["Checklists", "Templates"]


# -- the limit -----------------------------------------------------------------------------


def test_process_group_sets_the_limit_with_its_history(process_group_member: User) -> None:
    settings = coordination_settings_set(
        actor=process_group_member, overload_limit=3, reason="Fewer changes at once"
    )

    assert (settings.pk, coordination_settings_get().overload_limit) == (1, 3)
    record = settings.history.get()
    assert record.history_user == process_group_member
    assert record.history_change_reason == "Fewer changes at once"


@pytest.mark.parametrize("limit", [0, 51, "3"])
def test_a_limit_out_of_range_is_refused(process_group_member: User, limit: object) -> None:
    with pytest.raises(DeploymentError) as refused:
        coordination_settings_set(actor=process_group_member, overload_limit=limit)  # type: ignore[arg-type]

    assert refused.value.field == "overload_limit"
    assert CoordinationSettings.objects.count() == 0


def test_a_project_manager_may_not_set_the_limit(project_manager: User) -> None:
    _set_limit(2)

    with pytest.raises(PermissionDenied):
        coordination_settings_set(actor=project_manager, overload_limit=5)

    assert CoordinationSettings.objects.get().overload_limit == 2


def test_settings_page_saves_the_limit_for_the_process_group(
    process_group_member: User, client_for: ClientFor
) -> None:
    response = client_for(process_group_member).post(
        reverse("deployments:coordination_settings"), {"overload_limit": "4", "reason": ""}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("deployments:coordination")
    assert CoordinationSettings.objects.get().overload_limit == 4


def test_settings_page_refuses_a_project_manager_and_changes_nothing(
    project_manager: User, client_for: ClientFor
) -> None:
    _set_limit(2)
    history = CoordinationSettings.history.count()

    response = client_for(project_manager).post(
        reverse("deployments:coordination_settings"), {"overload_limit": "9"}
    )

    assert response.status_code == 403
    assert CoordinationSettings.objects.get().overload_limit == 2
    assert CoordinationSettings.objects.count() == 1
    assert CoordinationSettings.history.count() == history


def test_settings_page_shows_a_refused_limit_on_the_form(
    process_group_member: User, client_for: ClientFor
) -> None:
    response = client_for(process_group_member).post(
        reverse("deployments:coordination_settings"), {"overload_limit": "0"}
    )

    assert response.status_code == 400
    assert "greater than or equal to 1" in response.content.decode()
    assert CoordinationSettings.objects.count() == 0


def test_settings_page_answers_only_posts(
    process_group_member: User, client_for: ClientFor
) -> None:
    response = client_for(process_group_member).get(reverse("deployments:coordination_settings"))

    assert response.status_code == 405


def test_coordination_page_lists_overloads_and_the_form_for_the_process_group(
    project, process_group_member: User, client_for: ClientFor
) -> None:
    today = timezone.localdate()
    for offset in (0, 5, 10):
        _deploy(
            project,
            start=today + dt.timedelta(days=offset),
            end=today + dt.timedelta(days=offset + 40),
        )

    response = client_for(process_group_member).get(reverse("deployments:coordination"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Billing rewrite" in html
    assert "Overloaded" in html
    assert 'name="overload_limit"' in html


def test_coordination_page_has_no_form_for_a_practitioner(
    practitioner: User, client_for: ClientFor
) -> None:
    response = client_for(practitioner).get(reverse("deployments:coordination"))

    assert response.status_code == 200
    assert 'name="overload_limit"' not in response.content.decode()


def test_coordination_page_refuses_people_without_a_role(
    outsider: User, client_for: ClientFor
) -> None:
    response = client_for(outsider).get(reverse("deployments:coordination"))

    assert response.status_code == 403
