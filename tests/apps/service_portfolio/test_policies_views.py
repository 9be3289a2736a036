"""Policy and compliance pages: the policy list (review overdue flagged, filters, sort,
CSV), a policy's pages (read, write, edit with 409), the check register, recording a
check (the waiver needs its own permission), the service page's section; personas,
403 with nothing written, 404, 400."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories.service_portfolio import PolicyFactory, ServiceFactory
from uplift.apps.service_portfolio.models import ComplianceCheck, Policy, Service
from uplift.apps.service_portfolio.selectors_policies import compliance_rows
from uplift.apps.service_portfolio.services.policies import policy_update

TODAY = timezone.localdate()


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def url(name: str, *args: Any) -> str:
    return reverse(f"service_portfolio:{name}", args=args)


def stored() -> list[Any]:
    """Policies, services governed, checks and the histories' sizes."""
    return [
        list(Policy.objects.order_by("pk").values()),
        list(Policy.services.through.objects.order_by("pk").values_list("policy_id", "service_id")),
        list(ComplianceCheck.objects.order_by("pk").values()),
        Policy.history.count(),
        ComplianceCheck.history.count(),
    ]


def rows_of(response: Any) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.fixture
def policy(owned_service: Service, other_service: Service) -> Policy:
    """Backup retention: governs both services; its review is 3 days overdue."""
    row = PolicyFactory(slug="backups", name="Backup retention", review_due=days_ago(3))
    row.services.add(owned_service, other_service)
    return row


def policy_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "slug": "access-reviews",
        "name": "Access reviews",
        "statement": "Owners review access every quarter.",
        "review_due": (TODAY + dt.timedelta(days=90)).isoformat(),
    }
    data.update(overrides)
    return data


# -- access --------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(
    anonymous: Client, policy: Policy, owned_service: Service
) -> None:
    pages = [
        url("policy_list"),
        url("policy_create"),
        url("compliance_list"),
        url("policy_detail", policy.slug),
        url("policy_edit", policy.slug),
        url("compliance_record", owned_service.slug),
    ]
    for page in pages:
        response = anonymous.get(page)
        assert response.status_code == 302, page
        assert "login" in response["Location"]


def test_a_user_without_a_role_is_refused(
    client_for: Any, outsider: Any, policy: Policy, owned_service: Service
) -> None:
    client = client_for(outsider)
    for page in [
        url("policy_list"),
        url("compliance_list"),
        url("policy_detail", policy.slug),
        url("compliance_record", owned_service.slug),
    ]:
        assert client.get(page).status_code == 403, page


def test_a_practitioner_reads_but_may_not_write(
    client_for: Any, practitioner: Any, policy: Policy, owned_service: Service
) -> None:
    client = client_for(practitioner)
    html = client.get(url("policy_detail", policy.slug)).content.decode()
    assert "Backup retention" in html
    assert "Review overdue since" in html
    assert url("policy_edit", policy.slug) not in html
    assert url("compliance_record", owned_service.slug) not in html
    for page in [
        url("policy_create"),
        url("policy_edit", policy.slug),
        url("compliance_record", owned_service.slug),
    ]:
        assert client.get(page).status_code == 403, page


def test_nothing_is_written_by_posting_without_the_permission(
    client_for: Any,
    practitioner: Any,
    service_owner: Any,
    steering: Any,
    policy: Policy,
    owned_service: Service,
    other_service: Service,
) -> None:
    before = stored()
    check = {"policy": policy.slug, "result": "passed", "checked_on": TODAY.isoformat()}
    responses = [
        client_for(practitioner).post(url("policy_create"), policy_data()),
        client_for(service_owner).post(url("policy_create"), policy_data()),
        client_for(service_owner).post(
            url("policy_edit", policy.slug), policy_data(name="Mine", version="1")
        ),
        client_for(practitioner).post(url("compliance_record", owned_service.slug), check),
        # An owner records checks of their services only.
        client_for(service_owner).post(url("compliance_record", other_service.slug), check),
        # An owner never waives, even on their own service.
        client_for(service_owner).post(
            url("compliance_record", owned_service.slug),
            {**check, "result": "waived", "reason": "Accepted"},
        ),
    ]
    assert [r.status_code for r in responses] == [403] * 6
    assert stored() == before


def test_the_waiver_needs_its_own_permission(
    client_for: Any, service_owner: Any, policy: Policy, owned_service: Service
) -> None:
    client = client_for(service_owner)
    form = client.get(url("compliance_record", owned_service.slug)).content.decode()
    assert 'value="failed"' in form
    assert 'value="waived"' not in form
    before = stored()
    response = client.post(
        url("compliance_record", owned_service.slug),
        {"policy": policy.slug, "result": "waived", "reason": "Legacy", "checked_on": TODAY},
    )
    assert response.status_code == 403
    assert stored() == before


def test_unknown_policies_and_services_are_404(
    client_for: Any, process_group_member: Any, db: None
) -> None:
    client = client_for(process_group_member)
    assert client.get(url("policy_detail", "no-such-policy")).status_code == 404
    assert client.get(url("policy_edit", "no-such-policy")).status_code == 404
    assert client.post(url("policy_edit", "no-such-policy"), policy_data()).status_code == 404
    assert client.get(url("compliance_record", "no-such-service")).status_code == 404


# -- the policy list -----------------------------------------------------------------------


@pytest.fixture
def policies(policy: Policy, owned_service: Service, other_service: Service) -> dict[str, Policy]:
    access = PolicyFactory(slug="access", name="Access reviews", review_due=TODAY)
    access.services.add(owned_service)
    old = PolicyFactory(slug="old", name="Old fax rules", active=False, review_due=days_ago(400))
    ComplianceCheck.objects.create(
        policy=policy, service=owned_service, result="failed", reason="7 days only"
    )
    ComplianceCheck.objects.create(
        policy=policy, service=other_service, result="waived", reason="Until June"
    )
    ComplianceCheck.objects.create(policy=access, service=owned_service, result="passed")
    return {"backups": policy, "access": access, "old": old}


def test_the_list_flags_overdue_reviews_and_counts_the_latest_results(
    client_for: Any, practitioner: Any, policies: dict[str, Policy]
) -> None:
    response = client_for(practitioner).get(url("policy_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 policy is overdue for review" in html
    assert html.count("Review overdue</span>") == 1  # not the inactive one, not due today
    assert "Inactive" in html
    assert 'aria-current="page">Policies<' in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Access reviews", "Backup retention", "Old fax rules"]),
        ("review=overdue", ["Backup retention"]),
        ("review=due_90", ["Access reviews"]),
        ("active=no", ["Old fax rules"]),
        ("failing=yes", ["Backup retention"]),
        ("failing=no", ["Access reviews", "Old fax rules"]),
        ("service=hosting", ["Backup retention"]),
        ("q=FAX", ["Old fax rules"]),
        ("sort=-services", ["Backup retention", "Access reviews", "Old fax rules"]),
        ("sort=review", ["Old fax rules", "Backup retention", "Access reviews"]),
        ("sort=-failed", ["Backup retention", "Old fax rules", "Access reviews"]),
    ],
)
def test_the_list_filters_sorts_and_exports(
    client_for: Any,
    practitioner: Any,
    policies: dict[str, Policy],
    query: str,
    expected: list[str],
) -> None:
    response = client_for(practitioner).get(f"{url('policy_list')}?{query}&export=csv")
    assert response.status_code == 200
    assert [row["Name"] for row in rows_of(response)] == expected


def test_the_csv_has_the_counts_and_the_overdue_flag(
    client_for: Any, practitioner: Any, policies: dict[str, Policy]
) -> None:
    response = client_for(practitioner).get(f"{url('policy_list')}?export=csv&q=retention")
    (row,) = rows_of(response)
    assert (row["Address"], row["Review overdue"], row["Services governed"]) == (
        "backups",
        "true",
        "2",
    )
    assert (row["Passed"], row["Failed"], row["Waived"], row["Not checked"]) == ("0", "1", "1", "0")


@pytest.mark.parametrize(
    "query", ["review=soon", "owner=nobody", "sort=colour", "page=x&per_page=y"]
)
def test_a_malformed_list_query_is_a_400(
    client_for: Any, practitioner: Any, policies: dict[str, Policy], query: str
) -> None:
    assert client_for(practitioner).get(f"{url('policy_list')}?{query}").status_code == 400


def test_an_empty_list_says_what_to_do(client_for: Any, process_group_member: Any) -> None:
    html = client_for(process_group_member).get(url("policy_list")).content.decode()
    assert "No IT policies yet." in html
    assert url("policy_create") in html


# -- a policy's pages ------------------------------------------------------------------------


def test_the_process_group_writes_a_policy(
    client_for: Any, process_group_member: Any, owned_service: Service
) -> None:
    client = client_for(process_group_member)
    assert client.get(url("policy_create")).status_code == 200
    response = client.post(
        url("policy_create"),
        policy_data(owner=process_group_member.pk, services=[owned_service.pk]),
    )
    assert response.status_code == 302
    assert response["Location"] == url("policy_detail", "access-reviews")
    created = Policy.objects.get()
    assert list(created.services.all()) == [owned_service]
    assert created.history.get().history_user == process_group_member
    html = client.get(response["Location"]).content.decode()
    assert "Service Desk" in html
    assert "Not checked" in html


def test_a_refused_policy_shows_the_message_on_its_field_and_keeps_the_input(
    client_for: Any, process_group_member: Any, policy: Policy
) -> None:
    before = stored()
    response = client_for(process_group_member).post(
        url("policy_create"),
        policy_data(slug="backups", owner=process_group_member.pk, statement="Keep me"),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_slug_error"' in html
    assert "already has the address" in html
    assert "Keep me" in html
    response = client_for(process_group_member).post(
        url("policy_create"), policy_data(review_due="", owner=process_group_member.pk)
    )
    assert response.status_code == 400
    assert 'id="id_review_due_error"' in response.content.decode()
    assert stored() == before


def test_an_edit_saves_and_a_stale_edit_is_a_409_with_the_input_kept(
    client_for: Any, process_group_member: Any, policy: Policy, owned_service: Service
) -> None:
    client = client_for(process_group_member)
    form = client.get(url("policy_edit", policy.slug)).content.decode()
    assert 'name="version" value="1"' in form
    assert 'name="slug"' not in form
    data = policy_data(
        name="Backups kept",
        owner=policy.owner_id,
        services=[owned_service.pk],
        active="on",
        version="1",
    )
    response = client.post(url("policy_edit", policy.slug), data)
    assert response.status_code == 302
    policy.refresh_from_db()
    assert (policy.name, policy.version, policy.slug) == ("Backups kept", 2, "backups")
    assert list(policy.services.all()) == [owned_service]
    assert policy.history.first().history_user == process_group_member

    policy_update(actor=process_group_member, policy=policy, data={"statement": "Theirs"})
    before = stored()
    stale = {**data, "name": "Mine, from an old page", "version": "2"}
    response = client.post(url("policy_edit", policy.slug), stale)
    assert response.status_code == 409
    html = response.content.decode()
    assert "you started from 2" in html
    assert "Mine, from an old page" in html
    assert stored() == before


# -- checks ------------------------------------------------------------------------------------


def test_the_owner_records_a_failed_check_with_its_finding(
    client_for: Any, service_owner: Any, policy: Policy, owned_service: Service
) -> None:
    client = client_for(service_owner)
    page = client.get(f"{url('compliance_record', owned_service.slug)}?policy=backups")
    assert page.status_code == 200
    assert '<option value="backups" selected>' in page.content.decode()
    missing = client.post(
        url("compliance_record", owned_service.slug),
        {"policy": "backups", "result": "failed", "checked_on": TODAY.isoformat()},
    )
    assert missing.status_code == 400
    assert 'id="id_reason_error"' in missing.content.decode()
    assert not ComplianceCheck.objects.exists()
    response = client.post(
        url("compliance_record", owned_service.slug),
        {
            "policy": "backups",
            "result": "failed",
            "reason": "Kept 7 days",
            "checked_on": days_ago(1).isoformat(),
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/services/{owned_service.slug}/#compliance")
    check = ComplianceCheck.objects.get()
    assert (check.result, check.checked_by, check.checked_on) == (
        "failed",
        service_owner,
        days_ago(1),
    )
    assert check.history.get().history_user == service_owner


def test_the_process_group_waives_from_the_policy_page_and_returns_to_it(
    client_for: Any, process_group_member: Any, policy: Policy, owned_service: Service
) -> None:
    client = client_for(process_group_member)
    detail = client.get(url("policy_detail", policy.slug)).content.decode()
    record = f"{url('compliance_record', owned_service.slug)}?policy=backups&amp;from=policy"
    assert record in detail
    form = client.get(record.replace("&amp;", "&")).content.decode()
    assert 'value="waived"' in form
    assert 'name="from" value="policy"' in form
    response = client.post(
        url("compliance_record", owned_service.slug),
        {
            "policy": "backups",
            "result": "waived",
            "reason": "Until the migration in June",
            "checked_on": TODAY.isoformat(),
            "from": "policy",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == url("policy_detail", "backups")
    html = client.get(response["Location"]).content.decode()
    assert "Until the migration in June" in html
    assert "<strong>1</strong> waived" in html


def test_a_policy_that_does_not_govern_the_service_is_not_offered_nor_accepted(
    client_for: Any, process_group_member: Any, owned_service: Service, policy: Policy
) -> None:
    PolicyFactory(slug="encryption", name="Encryption")
    client = client_for(process_group_member)
    assert (
        "Encryption"
        not in client.get(url("compliance_record", owned_service.slug)).content.decode()
    )
    response = client.post(
        url("compliance_record", owned_service.slug),
        {"policy": "encryption", "result": "passed", "checked_on": TODAY.isoformat()},
    )
    assert response.status_code == 400
    assert not ComplianceCheck.objects.exists()


def test_a_service_no_policy_governs_says_so(
    client_for: Any, process_group_member: Any, db: None
) -> None:
    lonely = ServiceFactory(slug="lonely", name="Lonely")
    html = (
        client_for(process_group_member).get(url("compliance_record", lonely.slug)).content.decode()
    )
    assert "No active policy governs Lonely" in html


def test_the_register_lists_every_check_and_which_counts(
    client_for: Any, practitioner: Any, policies: dict[str, Policy], owned_service: Service
) -> None:
    ComplianceCheck.objects.create(
        policy=policies["backups"], service=owned_service, result="passed", checked_on=days_ago(30)
    )
    client = client_for(practitioner)
    response = client.get(f"{url('compliance_list')}?export=csv&service=service-desk&sort=checked")
    assert [(r["Policy"], r["Result"], r["Counts now"]) for r in rows_of(response)] == [
        ("backups", "passed", "false"),
        ("backups", "failed", "true"),
        ("access", "passed", "true"),
    ]
    latest = client.get(f"{url('compliance_list')}?export=csv&latest=no")
    assert [(r["Policy"], r["Result"]) for r in rows_of(latest)] == [("backups", "passed")]
    assert client.get(f"{url('compliance_list')}?result=maybe").status_code == 400
    assert client.get(f"{url('compliance_list')}?checked_from=yesterday").status_code == 400
    html = client.get(url("compliance_list")).content.decode()
    assert "7 days only" in html
    assert "Until June" in html


# -- the service page's section --------------------------------------------------------------


def _section(user: Any, service: Service) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return render_to_string(
        "partials/service_portfolio/compliance.html",
        {"service": service, "compliance_rows": compliance_rows(service, user=user)},
        request=request,
    )


def test_the_service_section_shows_each_policy_with_its_latest_check(
    service_owner: Any, practitioner: Any, policies: dict[str, Policy], owned_service: Service
) -> None:
    PolicyFactory(slug="zero-trust", name="Zero trust").services.add(owned_service)
    html = _section(service_owner, owned_service)
    assert (
        "3 active policies govern Service Desk: 1 passed, 1 failed, 0 waived, 1 not checked" in html
    )
    assert "7 days only" in html
    assert "Not checked" in html
    assert html.count("Policy review overdue") == 1  # Backup retention; Access is due today
    assert f"{url('compliance_record', owned_service.slug)}?policy=zero-trust" in html
    assert url("compliance_record", owned_service.slug) not in _section(practitioner, owned_service)


def test_the_service_section_without_policies_says_what_it_means(
    practitioner: Any, owned_service: Service
) -> None:
    html = _section(practitioner, owned_service)
    assert "No active policy governs Service Desk" in html
    assert "no evidence" in html


def test_the_service_page_includes_the_section(
    client_for: Any, practitioner: Any, policy: Policy, owned_service: Service
) -> None:
    response = client_for(practitioner).get(url("service_detail", owned_service.slug))
    assert response.status_code == 200
    assert 'id="compliance-heading"' in response.content.decode()


def test_the_lists_take_as_many_queries_for_many_policies_as_for_few(
    client_for: Any, practitioner: Any, policies: dict[str, Policy], owned_service: Service
) -> None:
    client = client_for(practitioner)

    def queries(page: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(page).status_code == 200
        return len(captured)

    few = (queries(url("policy_list")), queries(url("compliance_list")))
    for n in range(6):
        extra = PolicyFactory(review_due=days_ago(n))
        extra.services.add(owned_service, ServiceFactory())
        ComplianceCheck.objects.create(policy=extra, service=owned_service, result="passed")
    assert (queries(url("policy_list")), queries(url("compliance_list"))) == few
