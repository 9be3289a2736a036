"""Continuity plans (CMMI-SVC SCON): writing, changing, testing, deleting; who may; the
statuses the scorecard reads."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from tests.factories.service_portfolio import ContinuityPlanFactory, ServiceFactory
from uplift.apps.service_portfolio.choices import ServiceState
from uplift.apps.service_portfolio.errors import ConflictError, ServicePortfolioError
from uplift.apps.service_portfolio.models import ContinuityPlan, Service
from uplift.apps.service_portfolio.selectors_continuity import (
    continuity_overview,
    continuity_rows,
    continuity_state_filter,
    continuity_status,
    continuity_statuses,
    continuity_tests,
)
from uplift.apps.service_portfolio.services.continuity import (
    continuity_create,
    continuity_delete,
    continuity_test_record,
    continuity_update,
)
from uplift.domain.service_outcomes import ContinuityState

TODAY = timezone.localdate()


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def snapshot() -> dict[str, Any]:
    """Every continuity plan as stored, and the history's size: a refused write leaves
    both as they were."""
    return {
        "plans": list(
            ContinuityPlan.objects.order_by("pk").values(
                "pk",
                "name",
                "essential_functions",
                "plan",
                "version",
                "last_tested_on",
                "last_test_result",
                "test_interval_days",
            )
        ),
        "dependencies": list(
            ContinuityPlan.dependencies.through.objects.order_by("pk").values_list(
                "continuityplan_id", "service_id"
            )
        ),
        "history": ContinuityPlan.history.count(),
    }


@pytest.fixture
def plan(owned_service: Service) -> ContinuityPlan:
    return ContinuityPlanFactory(service=owned_service, name="Loss of the data centre")


def write(actor: Any, service: Service, **overrides: Any) -> ContinuityPlan:
    values: dict[str, Any] = {
        "name": "Loss of the ticketing tool",
        "essential_functions": "Log incidents\nRestore service",
        "plan": "Switch to the e-mail queue; runbook RB-12.",
    }
    values.update(overrides)
    return continuity_create(actor=actor, service=service, **values)


# -- create ------------------------------------------------------------------------------


def test_the_owner_writes_a_plan_with_its_dependencies_and_the_history_names_them(
    service_owner: Any, owned_service: Service, other_service: Service
) -> None:
    row = write(
        service_owner,
        owned_service,
        essential_functions=" Log incidents \r\n\r\nRestore service\nlog incidents\n",
        vital_records="CMDB\nTicket database",
        dependencies=[other_service, other_service],
        other_dependencies="Telephony supplier",
        test_interval_days=180,
    )
    row.refresh_from_db()
    assert row.essential_functions == "Log incidents\nRestore service"
    assert row.vital_records == "CMDB\nTicket database"
    assert list(row.dependencies.all()) == [other_service]
    assert (row.test_interval_days, row.version, row.last_tested_on) == (180, 1, None)
    record = row.history.get()
    assert record.history_user == service_owner
    assert record.history_change_reason == "Plan written; dependencies added Hosting"


def test_a_portfolio_manager_writes_a_plan_for_any_service(
    process_group_member: Any, other_service: Service
) -> None:
    row = write(process_group_member, other_service)
    assert row.service == other_service
    assert row.history.get().history_user == process_group_member


@pytest.mark.parametrize("who", ["practitioner", "steering", "service_owner"])
def test_who_may_not_write_a_plan_is_refused_and_nothing_is_written(
    request: pytest.FixtureRequest, who: str, other_service: Service, owned_service: Service
) -> None:
    actor = request.getfixturevalue(who)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        write(actor, other_service)  # the owner does not own this one
    assert snapshot() == before


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": "  "}, "name", "Name the plan"),
        ({"name": "x" * 201}, "name", "At most 200"),
        ({"essential_functions": "\n \n"}, "essential_functions", "at least one essential"),
        ({"plan": ""}, "plan", "Write the plan"),
        ({"test_interval_days": 0}, "test_interval_days", "Enter 1 to 3660"),
        ({"test_interval_days": 3661}, "test_interval_days", "Enter 1 to 3660"),
        ({"test_interval_days": "30"}, "test_interval_days", "whole number"),
    ],
)
def test_bad_input_is_refused_on_its_field(
    service_owner: Any, owned_service: Service, overrides: dict[str, Any], field: str, message: str
) -> None:
    before = snapshot()
    with pytest.raises(ServicePortfolioError) as error:
        write(service_owner, owned_service, **overrides)
    assert error.value.field == field
    assert message in error.value.message
    assert snapshot() == before


def test_a_name_is_unique_per_service_ignoring_case(
    service_owner: Any, owned_service: Service, plan: ContinuityPlan, other_service: Service
) -> None:
    with pytest.raises(ServicePortfolioError) as error:
        write(service_owner, owned_service, name="LOSS OF THE DATA CENTRE")
    assert error.value.field == "name"
    assert "already has a continuity plan named" in error.value.message
    # Another service may use the name.
    ContinuityPlanFactory(service=other_service, name="Loss of the data centre")


def test_a_service_does_not_depend_on_itself_nor_newly_on_a_retired_service(
    service_owner: Any, owned_service: Service
) -> None:
    retired = ServiceFactory(name="Old mail", state=ServiceState.RETIRED)
    with pytest.raises(ServicePortfolioError, match="does not depend on itself"):
        write(service_owner, owned_service, dependencies=[owned_service])
    with pytest.raises(ServicePortfolioError, match="Old mail is retired"):
        write(service_owner, owned_service, dependencies=[retired])
    assert not ContinuityPlan.objects.exists()


def test_a_retired_service_gets_no_plan(process_group_member: Any) -> None:
    retired = ServiceFactory(state=ServiceState.RETIRED)
    with pytest.raises(ServicePortfolioError) as error:
        write(process_group_member, retired)
    assert error.value.field == "service"


# -- update --------------------------------------------------------------------------------


def test_an_update_changes_the_content_bumps_the_version_and_names_the_changes(
    service_owner: Any, plan: ContinuityPlan, other_service: Service
) -> None:
    continuity_update(
        actor=service_owner,
        plan=plan,
        data={"name": "Site loss", "test_interval_days": 90, "dependencies": [other_service]},
        expected_version=1,
    )
    assert (plan.name, plan.test_interval_days, plan.version) == ("Site loss", 90, 2)
    stored = ContinuityPlan.objects.get(pk=plan.pk)
    assert (stored.name, stored.version) == ("Site loss", 2)
    assert list(stored.dependencies.all()) == [other_service]
    record = stored.history.first()
    assert record.history_user == service_owner
    assert record.history_change_reason == (
        "Changed: name, test_interval_days; Dependencies added Hosting"
    )


def test_an_update_that_changes_nothing_writes_nothing(
    service_owner: Any, plan: ContinuityPlan
) -> None:
    before = snapshot()
    continuity_update(actor=service_owner, plan=plan, data={"name": plan.name, "dependencies": []})
    assert snapshot() == before


def test_an_edit_started_from_an_older_version_is_a_conflict(
    service_owner: Any, process_group_member: Any, plan: ContinuityPlan
) -> None:
    continuity_update(actor=process_group_member, plan=plan, data={"plan": "New runbook"})
    stale = ContinuityPlan.objects.get(pk=plan.pk)
    before = snapshot()
    with pytest.raises(ConflictError) as error:
        continuity_update(
            actor=service_owner, plan=stale, data={"name": "Mine"}, expected_version=1
        )
    assert error.value.field == "version"
    assert "version 2, you started from 1" in error.value.message
    assert snapshot() == before


def test_an_update_of_an_unknown_field_or_by_an_outsider_is_refused(
    practitioner: Any, service_owner: Any, plan: ContinuityPlan
) -> None:
    before = snapshot()
    with pytest.raises(ServicePortfolioError) as error:
        continuity_update(actor=service_owner, plan=plan, data={"last_tested_on": TODAY})
    assert error.value.field == "last_tested_on"
    with pytest.raises(PermissionDenied):
        continuity_update(actor=practitioner, plan=plan, data={"name": "Mine"})
    assert snapshot() == before


def test_a_retired_dependency_already_on_the_plan_may_stay(
    process_group_member: Any, plan: ContinuityPlan, other_service: Service
) -> None:
    plan.dependencies.add(other_service)
    Service.objects.filter(pk=other_service.pk).update(state=ServiceState.RETIRED)
    other_service.refresh_from_db()
    continuity_update(
        actor=process_group_member,
        plan=plan,
        data={"dependencies": [other_service], "plan": "Changed"},
    )
    assert list(plan.dependencies.all()) == [other_service]


# -- tests of the plan ---------------------------------------------------------------------


def test_recording_a_test_sets_the_last_test_and_the_history_keeps_every_test(
    service_owner: Any, process_group_member: Any, plan: ContinuityPlan
) -> None:
    continuity_test_record(
        actor=service_owner,
        plan=plan,
        tested_on=days_ago(30),
        result="failed",
        notes="Restore took 9 hours",
    )
    continuity_test_record(
        actor=process_group_member, plan=plan, tested_on=days_ago(2), result="passed"
    )
    stored = ContinuityPlan.objects.get(pk=plan.pk)
    assert (stored.last_tested_on, stored.last_test_result, stored.version) == (
        days_ago(2),
        "passed",
        3,
    )
    tests = continuity_tests(stored)
    assert [(t.tested_on, t.result, t.notes, t.recorded_by) for t in tests] == [
        (days_ago(2), "passed", "", process_group_member),
        (days_ago(30), "failed", "Restore took 9 hours", service_owner),
    ]
    assert stored.history.first().history_change_reason == (
        f"Test recorded: passed on {days_ago(2):%Y-%m-%d}"
    )


@pytest.mark.parametrize(
    ("tested_on", "result", "notes", "field", "message"),
    [
        (TODAY + dt.timedelta(days=1), "passed", "", "tested_on", "in the future"),
        (TODAY, "maybe", "", "result", "passed or failed"),
        (TODAY, "failed", "  ", "notes", "Say what failed"),
        ("yesterday", "passed", "", "tested_on", "YYYY-MM-DD"),
    ],
)
def test_a_bad_test_is_refused_on_its_field(
    service_owner: Any,
    plan: ContinuityPlan,
    tested_on: Any,
    result: str,
    notes: str,
    field: str,
    message: str,
) -> None:
    before = snapshot()
    with pytest.raises(ServicePortfolioError) as error:
        continuity_test_record(
            actor=service_owner, plan=plan, tested_on=tested_on, result=result, notes=notes
        )
    assert (error.value.field, message in error.value.message) == (field, True)
    assert snapshot() == before


def test_a_test_before_the_last_recorded_one_is_refused(
    service_owner: Any, plan: ContinuityPlan
) -> None:
    continuity_test_record(actor=service_owner, plan=plan, tested_on=days_ago(5), result="passed")
    before = snapshot()
    with pytest.raises(ServicePortfolioError, match="is already recorded"):
        continuity_test_record(
            actor=service_owner, plan=plan, tested_on=days_ago(6), result="passed"
        )
    assert snapshot() == before


def test_who_may_not_change_the_plan_may_not_record_a_test(
    steering: Any, plan: ContinuityPlan
) -> None:
    before = snapshot()
    with pytest.raises(PermissionDenied):
        continuity_test_record(actor=steering, plan=plan, tested_on=TODAY, result="passed")
    assert snapshot() == before


def test_deleting_a_plan_keeps_its_history_with_who_deleted_it(
    service_owner: Any, practitioner: Any, plan: ContinuityPlan
) -> None:
    with pytest.raises(PermissionDenied):
        continuity_delete(actor=practitioner, plan=plan)
    assert ContinuityPlan.objects.filter(pk=plan.pk).exists()
    pk = plan.pk
    continuity_delete(actor=service_owner, plan=plan)
    assert not ContinuityPlan.objects.filter(pk=pk).exists()
    record = ContinuityPlan.history.filter(id=pk).first()
    assert (record.history_type, record.history_user) == ("-", service_owner)


# -- statuses ---------------------------------------------------------------------------


def test_statuses_follow_the_domain_rule_on_the_day_asked(owned_service: Service) -> None:
    never = ContinuityPlanFactory(service=owned_service, name="Never")
    failed = ContinuityPlanFactory(
        service=owned_service,
        name="Failed",
        last_tested_on=days_ago(1),
        last_test_result="failed",
    )
    overdue = ContinuityPlanFactory(
        service=owned_service,
        name="Overdue",
        last_tested_on=days_ago(31),
        last_test_result="passed",
        test_interval_days=30,
    )
    due = ContinuityPlanFactory(
        service=owned_service,
        name="Due",
        last_tested_on=days_ago(30),
        last_test_result="passed",
        test_interval_days=30,
    )
    statuses = continuity_statuses(ContinuityPlan.objects.all(), today=TODAY)
    assert {pk: s.state for pk, s in statuses.items()} == {
        never.pk: ContinuityState.NEVER_TESTED,
        failed.pk: ContinuityState.FAILED,
        overdue.pk: ContinuityState.OVERDUE,
        due.pk: ContinuityState.DUE,
    }
    assert statuses[overdue.pk].days_overdue == 1
    assert statuses[due.pk].days_until_due == 0
    # Asked for a day before the test was held, the plan had not been tested yet.
    assert continuity_status(failed, today=days_ago(2)).state == ContinuityState.NEVER_TESTED
    assert continuity_status(due, today=days_ago(20)).state == ContinuityState.DUE


def test_the_overview_puts_the_plans_needing_attention_first(
    service_owner: Any,
    owned_service: Service,
    other_service: Service,
    django_assert_max_num_queries: Any,
) -> None:
    ok = ContinuityPlanFactory(
        service=owned_service,
        name="A fine plan",
        last_tested_on=days_ago(1),
        last_test_result="passed",
    )
    never = ContinuityPlanFactory(service=other_service, name="Z never")
    failed = ContinuityPlanFactory(
        service=other_service,
        name="Y failed",
        last_tested_on=days_ago(1),
        last_test_result="failed",
    )
    for _ in range(3):
        ContinuityPlanFactory(service=other_service).dependencies.add(owned_service)
    with django_assert_max_num_queries(2):
        rows = continuity_overview(today=TODAY)
        names = [(r.plan.name, r.dependency_names) for r in rows]
    assert rows[0].plan == failed
    assert [r.state for r in rows[1:5]] == ["never_tested"] * 4
    assert never in [r.plan for r in rows[1:5]]
    assert rows[-1].plan == ok
    assert len(names) == 6
    # The service page's section: the owner may add and change their service's plans.
    section = continuity_rows(owned_service, user=service_owner, today=TODAY)
    assert [row.plan for row in section] == [ok]
    assert section.can_add
    assert section.rows[0].can_edit
    assert not continuity_rows(other_service, user=service_owner).can_add


def test_the_sql_state_filter_agrees_with_the_domain_status(owned_service: Service) -> None:
    """On the due date a plan is due (not overdue); a day later it is overdue; a test
    dated after the day asked counts as never tested; for every interval in use."""
    cases = [
        (None, "", 30),
        (days_ago(30), "passed", 30),  # due today
        (days_ago(31), "passed", 30),  # overdue by 1
        (days_ago(7), "passed", 7),
        (days_ago(8), "passed", 7),
        (days_ago(400), "failed", 365),
        (days_ago(1), "failed", 365),
        (days_ago(364), "passed", 365),
        (TODAY, "passed", 1),
    ]
    for n, (tested, result, interval) in enumerate(cases):
        ContinuityPlanFactory(
            service=owned_service,
            name=f"Plan {n}",
            last_tested_on=tested,
            last_test_result=result,
            test_interval_days=interval,
        )
    for day in (TODAY, days_ago(1)):
        statuses = continuity_statuses(ContinuityPlan.objects.all(), today=day)
        for state in ContinuityState:
            matched = set(
                ContinuityPlan.objects.filter(
                    continuity_state_filter(state.value, today=day)
                ).values_list("pk", flat=True)
            )
            expected = {pk for pk, status in statuses.items() if status.state is state}
            assert matched == expected, (day, state)
    assert not ContinuityPlan.objects.filter(continuity_state_filter("bogus"))
