"""IT policies and compliance checks: writing, changing, recording checks, waivers and
who may; the latest check is the one that counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from tests.factories.accounts import UserFactory
from tests.factories.service_portfolio import PolicyFactory, ServiceFactory
from uplift.apps.service_portfolio.choices import ServiceState
from uplift.apps.service_portfolio.errors import ConflictError, ServicePortfolioError
from uplift.apps.service_portfolio.models import ComplianceCheck, Policy, Service
from uplift.apps.service_portfolio.selectors_policies import (
    compliance_evidence,
    compliance_rows,
    latest_checks,
    latest_checks_by_service,
    policies_review_overdue,
    policy_compliance,
    policy_list,
)
from uplift.apps.service_portfolio.services.policies import (
    compliance_record,
    policy_create,
    policy_update,
)

TODAY = timezone.localdate()


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def snapshot() -> dict[str, Any]:
    """Policies, the services they govern, checks, and the histories' sizes."""
    return {
        "policies": list(
            Policy.objects.order_by("pk").values(
                "pk", "slug", "name", "statement", "owner", "review_due", "active", "version"
            )
        ),
        "governed": list(
            Policy.services.through.objects.order_by("pk").values_list("policy_id", "service_id")
        ),
        "checks": list(ComplianceCheck.objects.order_by("pk").values()),
        "history": (Policy.history.count(), ComplianceCheck.history.count()),
    }


@pytest.fixture
def policy(owned_service: Service, other_service: Service) -> Policy:
    """Backups, governing both services."""
    row = PolicyFactory(slug="backups", name="Backup retention")
    row.services.add(owned_service, other_service)
    return row


def create(actor: Any, **overrides: Any) -> Policy:
    values: dict[str, Any] = {
        "slug": "access-reviews",
        "name": "Access reviews",
        "statement": "Every quarter, owners review who has access.",
        "owner": actor,
        "review_due": TODAY + dt.timedelta(days=90),
    }
    values.update(overrides)
    return policy_create(actor=actor, **values)


# -- policies ------------------------------------------------------------------------------


def test_the_process_group_writes_a_policy_and_the_history_names_the_services(
    process_group_member: Any, owned_service: Service, other_service: Service
) -> None:
    row = create(
        process_group_member, slug=" Access-Reviews ", services=[other_service, owned_service]
    )
    row.refresh_from_db()
    assert (row.slug, row.active, row.version) == ("access-reviews", True, 1)
    assert list(row.services.order_by("name")) == [other_service, owned_service]
    record = row.history.get()
    assert record.history_user == process_group_member
    assert record.history_change_reason == "Policy written; governs Hosting, Service Desk"


@pytest.mark.parametrize("who", ["service_owner", "steering", "practitioner"])
def test_only_the_process_group_writes_policies(request: pytest.FixtureRequest, who: str) -> None:
    actor = request.getfixturevalue(who)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        create(actor)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"slug": ""}, "slug", "short address"),
        ({"slug": "Not a slug!"}, "slug", "lowercase letters"),
        ({"slug": "new"}, "slug", "a word of the policies' addresses"),
        ({"slug": "checks"}, "slug", "a word of the policies' addresses"),
        ({"slug": "backups"}, "slug", "already has the address"),
        ({"name": " "}, "name", "Name the policy"),
        ({"name": "BACKUP RETENTION"}, "name", "exists already"),
        ({"statement": ""}, "statement", "State what the policy requires"),
        ({"owner": None}, "owner", "Name the policy's owner"),
        ({"review_due": None}, "review_due", "YYYY-MM-DD"),
        ({"review_due": "31/12/2026"}, "review_due", "YYYY-MM-DD"),
    ],
)
def test_bad_policy_input_is_refused_on_its_field(
    process_group_member: Any, policy: Policy, overrides: dict[str, Any], field: str, message: str
) -> None:
    before = snapshot()
    with pytest.raises(ServicePortfolioError) as error:
        create(process_group_member, **overrides)
    assert error.value.field == field
    assert message in error.value.message
    assert snapshot() == before


def test_an_owner_who_cannot_sign_in_and_a_retired_service_are_refused(
    process_group_member: Any,
) -> None:
    gone = UserFactory(is_active=False, first_name="Gone")
    with pytest.raises(ServicePortfolioError, match="cannot sign in"):
        create(process_group_member, owner=gone)
    retired = ServiceFactory(name="Fax", state=ServiceState.RETIRED)
    with pytest.raises(ServicePortfolioError, match="Fax is retired"):
        create(process_group_member, services=[retired])
    assert not Policy.objects.exists()


def test_an_update_changes_the_policy_and_names_the_services_added_and_removed(
    process_group_member: Any, policy: Policy, other_service: Service, owned_service: Service
) -> None:
    owner = UserFactory()
    third = ServiceFactory(name="Payroll")
    policy_update(
        actor=process_group_member,
        policy=policy,
        data={
            "review_due": days_ago(1),
            "owner": owner,
            "services": [owned_service, third],
        },
        expected_version=1,
    )
    stored = Policy.objects.get(pk=policy.pk)
    assert (stored.review_due, stored.owner, stored.version) == (days_ago(1), owner, 2)
    assert set(stored.services.all()) == {owned_service, third}
    record = stored.history.first()
    assert record.history_user == process_group_member
    assert record.history_change_reason == (
        "Changed: owner, review_due; Governs Payroll; no longer Hosting"
    )


def test_a_policy_update_that_changes_nothing_writes_nothing(
    process_group_member: Any, policy: Policy
) -> None:
    before = snapshot()
    policy_update(
        actor=process_group_member,
        policy=policy,
        data={"name": policy.name, "services": list(policy.services.all())},
    )
    assert snapshot() == before


def test_a_stale_policy_edit_is_a_conflict_and_the_slug_never_changes(
    process_group_member: Any, service_owner: Any, policy: Policy
) -> None:
    policy_update(actor=process_group_member, policy=policy, data={"statement": "Keep 35 days."})
    stale = Policy.objects.get(pk=policy.pk)
    stale.version = 1
    before = snapshot()
    with pytest.raises(ConflictError):
        policy_update(
            actor=process_group_member, policy=stale, data={"name": "X"}, expected_version=1
        )
    with pytest.raises(ServicePortfolioError, match="permanent address"):
        policy_update(actor=process_group_member, policy=policy, data={"slug": "other"})
    with pytest.raises(PermissionDenied):
        policy_update(actor=service_owner, policy=policy, data={"name": "Mine"})
    with pytest.raises(ServicePortfolioError) as error:
        policy_update(actor=process_group_member, policy=policy, data={"active": "no"})
    assert error.value.field == "active"
    assert snapshot() == before


# -- compliance checks ---------------------------------------------------------------------


def test_the_owner_records_a_passed_and_a_failed_check_of_their_service(
    service_owner: Any, owned_service: Service, policy: Policy
) -> None:
    passed = compliance_record(
        actor=service_owner,
        policy=policy,
        service=owned_service,
        result="passed",
        checked_on=days_ago(10),
    )
    failed = compliance_record(
        actor=service_owner,
        policy=policy,
        service=owned_service,
        result="failed",
        reason=" Backups kept 7 days, not 35 ",
    )
    assert (passed.checked_by, passed.checked_on) == (service_owner, days_ago(10))
    assert (failed.checked_on, failed.reason) == (TODAY, "Backups kept 7 days, not 35")
    assert failed.history.get().history_user == service_owner
    assert latest_checks(owned_service) == [failed]


@pytest.mark.parametrize("who", ["service_owner", "practitioner"])
def test_who_may_not_waive_is_refused_a_waiver_and_nothing_is_written(
    request: pytest.FixtureRequest, who: str, owned_service: Service, policy: Policy
) -> None:
    actor = request.getfixturevalue(who)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        compliance_record(
            actor=actor,
            policy=policy,
            service=owned_service,
            result="waived",
            reason="Legacy system until June",
        )
    assert snapshot() == before


@pytest.mark.parametrize("who", ["steering", "sponsor"])
def test_who_decides_waivers_records_them_for_any_service(
    request: pytest.FixtureRequest, who: str, owned_service: Service, policy: Policy
) -> None:
    """Sponsors and the steering committee decide waivers, so they record them, for a
    service they neither own nor manage."""
    actor = request.getfixturevalue(who)
    check = compliance_record(
        actor=actor,
        policy=policy,
        service=owned_service,
        result="waived",
        reason="Accepted risk",
    )
    assert (check.result, check.reason, check.checked_by) == ("waived", "Accepted risk", actor)


def test_the_process_group_waives_with_a_reason(
    process_group_member: Any, owned_service: Service, policy: Policy
) -> None:
    check = compliance_record(
        actor=process_group_member,
        policy=policy,
        service=owned_service,
        result="waived",
        reason="Legacy system until June",
    )
    assert (check.result, check.reason) == ("waived", "Legacy system until June")
    assert compliance_evidence([check])[0].reason == "Legacy system until June"


def test_the_owner_may_not_record_checks_of_a_service_they_do_not_own(
    service_owner: Any, other_service: Service, policy: Policy
) -> None:
    before = snapshot()
    with pytest.raises(PermissionDenied):
        compliance_record(
            actor=service_owner, policy=policy, service=other_service, result="passed"
        )
    assert snapshot() == before


@pytest.mark.parametrize(
    ("result", "reason", "checked_on", "field", "message"),
    [
        ("waived", "  ", None, "reason", "A waiver states its reason"),
        ("failed", "", None, "reason", "State the finding"),
        ("ok", "", None, "result", "passed, failed or is waived"),
        ("passed", "", TODAY + dt.timedelta(days=1), "checked_on", "in the future"),
        ("passed", "", "soon", "checked_on", "YYYY-MM-DD"),
    ],
)
def test_a_bad_check_is_refused_on_its_field(
    process_group_member: Any,
    owned_service: Service,
    policy: Policy,
    result: str,
    reason: str,
    checked_on: Any,
    field: str,
    message: str,
) -> None:
    before = snapshot()
    with pytest.raises(ServicePortfolioError) as error:
        compliance_record(
            actor=process_group_member,
            policy=policy,
            service=owned_service,
            result=result,
            reason=reason,
            checked_on=checked_on,
        )
    assert error.value.field == field
    assert message in error.value.message
    assert snapshot() == before


def test_a_check_needs_an_active_policy_governing_a_service_in_service(
    process_group_member: Any, owned_service: Service, policy: Policy
) -> None:
    ungoverning = PolicyFactory(name="Encryption")
    inactive = PolicyFactory(name="Old", active=False)
    inactive.services.add(owned_service)
    retired = ServiceFactory(name="Fax", state=ServiceState.RETIRED)
    policy.services.add(retired)
    before = snapshot()
    for candidate, service, text in [
        (ungoverning, owned_service, "Encryption does not govern Service Desk"),
        (inactive, owned_service, "Old is no longer active"),
        (policy, retired, "Fax is retired"),
    ]:
        with pytest.raises(ServicePortfolioError, match=text):
            compliance_record(
                actor=process_group_member, policy=candidate, service=service, result="passed"
            )
    assert snapshot() == before


# -- reads -----------------------------------------------------------------------------------


def test_the_latest_check_counts_by_date_then_as_recorded(
    process_group_member: Any, owned_service: Service, other_service: Service, policy: Policy
) -> None:
    access = PolicyFactory(name="Access")
    access.services.add(owned_service)
    retired_policy = PolicyFactory(name="Retired", active=False)
    retired_policy.services.add(owned_service)
    ungoverning = PolicyFactory(name="Ungoverning")

    def check(p: Policy, s: Service, result: str, day: dt.date, reason: str = "x") -> Any:
        return ComplianceCheck.objects.create(
            policy=p, service=s, result=result, checked_on=day, reason=reason
        )

    newer = check(policy, owned_service, "passed", days_ago(1))
    check(policy, owned_service, "failed", days_ago(9))  # recorded later, but older
    check(access, owned_service, "passed", days_ago(3))
    same_day_later = check(access, owned_service, "waived", days_ago(3), "Until June")
    check(retired_policy, owned_service, "failed", days_ago(1))
    check(ungoverning, owned_service, "failed", days_ago(1))
    other = check(policy, other_service, "failed", days_ago(2))

    assert latest_checks(owned_service) == [same_day_later, newer]
    lonely = ServiceFactory()
    assert latest_checks_by_service([owned_service, other_service, lonely]) == {
        owned_service.pk: [same_day_later, newer],
        other_service.pk: [other],
        lonely.pk: [],
    }
    evidence = compliance_evidence(latest_checks(owned_service))
    assert [(e.policy, e.result) for e in evidence] == [
        ("Access", "waived"),
        ("Backup retention", "passed"),
    ]

    # A policy's page: each service governed with its latest check and count.
    rows = policy_compliance(policy)
    assert [(r.service, r.latest, r.check_count) for r in rows] == [
        (other_service, other, 1),
        (owned_service, newer, 2),
    ]
    # The service page's section: every active governing policy, checked or not.
    PolicyFactory(name="Zero trust").services.add(owned_service)
    section = compliance_rows(owned_service, user=process_group_member)
    assert [(r.policy.name, r.status) for r in section] == [
        ("Access", "waived"),
        ("Backup retention", "passed"),
        ("Zero trust", "unchecked"),
    ]
    assert (section.can_record, section.can_waive, section.unchecked) == (True, True, 1)


def test_the_policy_list_counts_the_latest_results_and_flags_overdue_reviews(
    owned_service: Service,
    other_service: Service,
    policy: Policy,
    django_assert_num_queries: Any,
) -> None:
    Policy.objects.filter(pk=policy.pk).update(review_due=days_ago(1))
    ServiceFactory().policies.add(policy)  # governed, never checked
    ComplianceCheck.objects.create(
        policy=policy, service=owned_service, result="passed", checked_on=days_ago(5)
    )
    ComplianceCheck.objects.create(
        policy=policy,
        service=owned_service,
        result="failed",
        checked_on=days_ago(1),
        reason="7 days only",
    )
    ComplianceCheck.objects.create(
        policy=policy, service=other_service, result="waived", reason="Until June"
    )
    due_today = PolicyFactory(name="Due today", review_due=TODAY)
    inactive = PolicyFactory(name="Inactive", review_due=days_ago(100), active=False)
    with django_assert_num_queries(1):
        rows = {p.pk: p for p in policy_list(today=TODAY)}
    counts = rows[policy.pk]
    assert (
        counts.service_count,
        counts.passed_count,
        counts.failed_count,
        counts.waived_count,
        counts.unchecked_count,
        counts.review_overdue,
    ) == (3, 0, 1, 1, 1, True)
    assert (rows[due_today.pk].review_overdue, rows[inactive.pk].review_overdue) == (False, False)
    assert rows[due_today.pk].service_count == 0
    assert list(policies_review_overdue(TODAY)) == [policy]
