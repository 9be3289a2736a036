"""Continuity pages: the overview (filters, sort, pages, CSV, overdue flagged), a plan's
pages (read, write, edit with 409, test, delete), the service page's section; personas,
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

from tests.factories.service_portfolio import ContinuityPlanFactory, ServiceFactory
from uplift.apps.service_portfolio.choices import ServiceState
from uplift.apps.service_portfolio.models import ContinuityPlan, Service
from uplift.apps.service_portfolio.selectors_continuity import continuity_rows
from uplift.apps.service_portfolio.services.continuity import continuity_update

TODAY = timezone.localdate()


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def url(name: str, *args: Any) -> str:
    return reverse(f"service_portfolio:{name}", args=args)


def stored() -> list[dict[str, Any]]:
    """Every plan as stored and the history's size: a refusal leaves them unchanged."""
    return [
        *ContinuityPlan.objects.order_by("pk").values(),
        {"history": ContinuityPlan.history.count()},
    ]


@pytest.fixture
def plan(owned_service: Service) -> ContinuityPlan:
    """Overdue by 5 days: tested 35 days ago, every 30 days."""
    return ContinuityPlanFactory(
        service=owned_service,
        name="Loss of the data centre",
        last_tested_on=days_ago(35),
        last_test_result="passed",
        test_interval_days=30,
        vital_records="Ticket database",
    )


def plan_pages(plan: ContinuityPlan) -> dict[str, str]:
    slug = plan.service.slug
    return {
        "detail": url("continuity_detail", slug, plan.pk),
        "edit": url("continuity_edit", slug, plan.pk),
        "test": url("continuity_test", slug, plan.pk),
        "delete": url("continuity_delete", slug, plan.pk),
    }


def form_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "Loss of the ticketing tool",
        "essential_functions": "Log incidents\r\nRestore service",
        "plan": "Switch to the e-mail queue.",
        "test_interval_days": "180",
    }
    data.update(overrides)
    return data


# -- access ------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(anonymous: Client, plan: ContinuityPlan) -> None:
    pages = [url("continuity_list"), url("continuity_create", plan.service.slug)]
    for page in [*pages, *plan_pages(plan).values()]:
        response = anonymous.get(page)
        assert response.status_code == 302, page
        assert "login" in response["Location"]


def test_a_user_without_a_role_is_refused(
    client_for: Any, outsider: Any, plan: ContinuityPlan
) -> None:
    client = client_for(outsider)
    assert client.get(url("continuity_list")).status_code == 403
    for page in plan_pages(plan).values():
        assert client.get(page).status_code == 403, page


def test_a_practitioner_reads_but_may_not_open_the_write_pages(
    client_for: Any, practitioner: Any, plan: ContinuityPlan
) -> None:
    client = client_for(practitioner)
    pages = plan_pages(plan)
    detail = client.get(pages["detail"])
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "Loss of the data centre" in html
    assert "Test overdue by 5 days" in html
    assert pages["edit"] not in html
    assert pages["test"] not in html
    for name in ("edit", "test", "delete"):
        assert client.get(pages[name]).status_code == 403, name
    assert client.get(url("continuity_create", plan.service.slug)).status_code == 403


def test_nothing_is_written_by_posting_without_the_permission(
    client_for: Any,
    practitioner: Any,
    service_owner: Any,
    plan: ContinuityPlan,
    other_service: Service,
) -> None:
    before = stored()
    pages = plan_pages(plan)
    client = client_for(practitioner)
    responses = [
        client.post(url("continuity_create", plan.service.slug), form_data()),
        client.post(pages["edit"], form_data(version=plan.version)),
        client.post(pages["test"], {"tested_on": TODAY.isoformat(), "result": "passed"}),
        client.post(pages["delete"]),
        # The owner of another service: not this one.
        client_for(service_owner).post(url("continuity_create", other_service.slug), form_data()),
    ]
    assert [r.status_code for r in responses] == [403] * 5
    assert stored() == before


def test_unknown_services_and_plans_of_another_service_are_404(
    client_for: Any, process_group_member: Any, plan: ContinuityPlan, other_service: Service
) -> None:
    client = client_for(process_group_member)
    assert client.get(url("continuity_create", "no-such-service")).status_code == 404
    for page in plan_pages(plan).values():
        wrong_service = page.replace(f"/{plan.service.slug}/", f"/{other_service.slug}/")
        assert client.get(wrong_service).status_code == 404, wrong_service
        assert client.get(page.replace(f"/{plan.pk}/", "/999999/")).status_code == 404
    assert (
        client.post(plan_pages(plan)["delete"].replace(f"/{plan.pk}/", "/999999/")).status_code
        == 404
    )


# -- the overview ------------------------------------------------------------------------


@pytest.fixture
def portfolio(plan: ContinuityPlan, other_service: Service) -> dict[str, ContinuityPlan]:
    """Four plans, one per status, and a catalog service without a plan."""
    ServiceFactory(name="Payroll", slug="payroll")
    return {
        "overdue": plan,
        "never": ContinuityPlanFactory(service=other_service, name="Power loss"),
        "failed": ContinuityPlanFactory(
            service=other_service,
            name="Ransomware",
            last_tested_on=days_ago(3),
            last_test_result="failed",
            last_test_notes="Backups encrypted too",
        ),
        "due": ContinuityPlanFactory(
            service=other_service,
            name="Supplier loss",
            last_tested_on=days_ago(10),
            last_test_result="passed",
            test_interval_days=365,
        ),
    }


def test_the_overview_flags_the_plans_needing_attention_first(
    client_for: Any, practitioner: Any, portfolio: dict[str, ContinuityPlan]
) -> None:
    response = client_for(practitioner).get(url("continuity_list"))
    assert response.status_code == 200
    html = response.content.decode()
    order = [
        html.index(name)
        for name in ("Ransomware", "Loss of the data centre", "Power loss", "Supplier loss")
    ]
    assert order == sorted(order)
    assert "Test overdue by 5 days" in html
    assert "Last test failed" in html
    assert "Never tested" in html
    assert "<strong>3</strong> need attention" in html
    # The catalog service without a plan is named; a practitioner may not add one.
    assert "Payroll" in html
    assert url("continuity_create", "payroll") not in html
    assert 'aria-current="page">Continuity<' in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("state=overdue", ["Loss of the data centre"]),
        ("state=never_tested", ["Power loss"]),
        ("state=failed", ["Ransomware"]),
        ("state=due", ["Supplier loss"]),
        ("attention=no", ["Supplier loss"]),
        ("attention=yes&sort=name", ["Loss of the data centre", "Power loss", "Ransomware"]),
        ("service=hosting&sort=-name", ["Supplier loss", "Ransomware", "Power loss"]),
        ("owner=service.owner", ["Loss of the data centre"]),
        ("q=RANSOM", ["Ransomware"]),
        ("sort=next_due", ["Loss of the data centre", "Supplier loss", "Ransomware", "Power loss"]),
        (
            "sort=-next_due",
            ["Ransomware", "Supplier loss", "Loss of the data centre", "Power loss"],
        ),
    ],
)
def test_the_overview_filters_and_sorts(
    client_for: Any,
    practitioner: Any,
    portfolio: dict[str, ContinuityPlan],
    query: str,
    expected: list[str],
) -> None:
    response = client_for(practitioner).get(f"{url('continuity_list')}?{query}&export=csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["Plan"] for row in rows] == expected


def test_the_csv_export_has_every_column_a_continuity_review_needs(
    client_for: Any, practitioner: Any, portfolio: dict[str, ContinuityPlan]
) -> None:
    response = client_for(practitioner).get(f"{url('continuity_list')}?export=csv&state=overdue")
    assert response["Content-Disposition"] == 'attachment; filename="continuity-plans.csv"'
    (row,) = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    assert row == {
        "Service": "service-desk",
        "Service name": "Service Desk",
        "Service owner": "service.owner",
        "Plan": "Loss of the data centre",
        "Test status": "Test overdue",
        "Status detail": (
            f"The next test was due on {days_ago(5).isoformat()}: overdue by 5 day(s)."
        ),
        "Last tested on": days_ago(35).isoformat(),
        "Last result": "passed",
        "Next test due": days_ago(5).isoformat(),
        "Days overdue": "5",
        "Test interval (days)": "30",
        "Essential functions": "Log in; Restore from backup",
        "Services depended on": "",
        "Other dependencies": "",
        "Vital records": "Ticket database",
    }


def test_the_overview_pages(
    client_for: Any, practitioner: Any, portfolio: dict[str, ContinuityPlan]
) -> None:
    html = (
        client_for(practitioner).get(f"{url('continuity_list')}?per_page=2&page=2").content.decode()
    )
    assert "Page 2 of 2" in html
    assert "Power loss" in html
    assert "Ransomware" not in html


@pytest.mark.parametrize(
    "query",
    [
        "state=bogus",
        "sort=bogus",
        "service=no-such-service",
        "owner=nobody",
        "colour=red",
        "export=pdf",
    ],
)
def test_a_malformed_query_is_a_400(
    client_for: Any, practitioner: Any, portfolio: dict[str, ContinuityPlan], query: str
) -> None:
    assert client_for(practitioner).get(f"{url('continuity_list')}?{query}").status_code == 400


def test_an_empty_overview_says_what_to_do(client_for: Any, practitioner: Any) -> None:
    html = client_for(practitioner).get(url("continuity_list")).content.decode()
    assert "No continuity plans yet." in html
    assert "add its continuity plan" in html
    html = client_for(practitioner).get(f"{url('continuity_list')}?q=zzz").content.decode()
    assert "No continuity plans match these filters." in html


# -- writing -------------------------------------------------------------------------------


def test_the_owner_writes_a_plan_and_lands_on_it(
    client_for: Any, service_owner: Any, owned_service: Service, other_service: Service
) -> None:
    client = client_for(service_owner)
    page = client.get(url("continuity_create", owned_service.slug))
    assert page.status_code == 200
    assert 'name="essential_functions"' in page.content.decode()
    response = client.post(
        url("continuity_create", owned_service.slug),
        form_data(dependencies=[other_service.pk], vital_records="CMDB"),
    )
    created = ContinuityPlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("continuity_detail", owned_service.slug, created.pk)
    assert (created.name, created.test_interval_days) == ("Loss of the ticketing tool", 180)
    assert list(created.dependencies.all()) == [other_service]
    assert created.history.get().history_user == service_owner
    html = client.get(response["Location"]).content.decode()
    assert "has never been tested" in html
    assert "Hosting" in html


def test_a_refused_plan_shows_the_message_on_its_field_and_keeps_the_input(
    client_for: Any, service_owner: Any, owned_service: Service, plan: ContinuityPlan
) -> None:
    response = client_for(service_owner).post(
        url("continuity_create", owned_service.slug),
        form_data(name="loss of the data centre", plan="My careful plan"),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_name_error"' in html
    assert "already has a continuity plan named" in html
    assert "My careful plan" in html
    assert ContinuityPlan.objects.count() == 1

    response = client_for(service_owner).post(
        url("continuity_create", owned_service.slug), form_data(test_interval_days="0")
    )
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()
    assert ContinuityPlan.objects.count() == 1


def test_an_edit_saves_and_a_stale_edit_is_a_409_with_the_input_kept(
    client_for: Any, service_owner: Any, process_group_member: Any, plan: ContinuityPlan
) -> None:
    client = client_for(service_owner)
    pages = plan_pages(plan)
    form = client.get(pages["edit"]).content.decode()
    assert 'name="version" value="1"' in form
    response = client.post(pages["edit"], form_data(name="Site loss", version="1"))
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.name, plan.version) == ("Site loss", 2)
    assert plan.history.first().history_user == service_owner

    continuity_update(actor=process_group_member, plan=plan, data={"plan": "Theirs"})
    before = stored()
    response = client.post(pages["edit"], form_data(name="Mine, from an old page", version="2"))
    assert response.status_code == 409
    html = response.content.decode()
    assert "you started from 2" in html
    assert "Mine, from an old page" in html
    assert stored() == before


def test_recording_a_test_clears_the_overdue_flag(
    client_for: Any, service_owner: Any, plan: ContinuityPlan
) -> None:
    client = client_for(service_owner)
    pages = plan_pages(plan)
    assert client.get(pages["test"]).status_code == 200
    future = client.post(
        pages["test"], {"tested_on": (TODAY + dt.timedelta(days=1)).isoformat(), "result": "passed"}
    )
    assert future.status_code == 400
    assert "in the future" in future.content.decode()
    failed = client.post(pages["test"], {"tested_on": TODAY.isoformat(), "result": "failed"})
    assert failed.status_code == 400
    assert "Say what failed" in failed.content.decode()
    response = client.post(
        pages["test"],
        {"tested_on": TODAY.isoformat(), "result": "passed", "notes": "Restored in 2 h"},
    )
    assert response.status_code == 302
    html = client.get(pages["detail"]).content.decode()
    assert "Test overdue" not in html
    assert "Restored in 2 h" in html
    plan.refresh_from_db()
    assert (plan.last_tested_on, plan.last_test_result) == (TODAY, "passed")


def test_deleting_a_plan_asks_first_then_returns_to_the_service(
    client_for: Any, service_owner: Any, plan: ContinuityPlan
) -> None:
    client = client_for(service_owner)
    pages = plan_pages(plan)
    assert "Delete the plan" in client.get(pages["delete"]).content.decode()
    response = client.post(pages["delete"])
    assert response.status_code == 302
    assert response["Location"].endswith(f"/services/{plan.service.slug}/#continuity")
    assert not ContinuityPlan.objects.exists()


def test_writes_are_post_only(client_for: Any, service_owner: Any, plan: ContinuityPlan) -> None:
    client = client_for(service_owner)
    assert client.put(plan_pages(plan)["delete"]).status_code == 405
    assert ContinuityPlan.objects.filter(pk=plan.pk).exists()


# -- the service page's section ------------------------------------------------------------


def _section(user: Any, service: Service) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return render_to_string(
        "partials/service_portfolio/continuity.html",
        {"service": service, "continuity_rows": continuity_rows(service, user=user)},
        request=request,
    )


def test_the_service_section_lists_the_plans_and_offers_the_owner_to_add_and_test(
    service_owner: Any, practitioner: Any, plan: ContinuityPlan
) -> None:
    html = _section(service_owner, plan.service)
    assert "Test overdue by 5 days" in html
    assert "1 needs attention" in html
    assert url("continuity_create", plan.service.slug) in html
    assert url("continuity_test", plan.service.slug, plan.pk) in html
    html = _section(practitioner, plan.service)
    assert url("continuity_create", plan.service.slug) not in html
    assert url("continuity_test", plan.service.slug, plan.pk) not in html


def test_the_service_section_of_a_service_without_plans_says_what_to_do(
    service_owner: Any, owned_service: Service
) -> None:
    html = _section(service_owner, owned_service)
    assert "has no continuity plan" in html
    assert "add a continuity plan" in html


def test_the_service_page_includes_the_section(
    client_for: Any, practitioner: Any, plan: ContinuityPlan
) -> None:
    response = client_for(practitioner).get(url("service_detail", plan.service.slug))
    assert response.status_code == 200
    assert 'id="continuity-heading"' in response.content.decode()


def test_a_retired_service_is_not_offered_as_a_new_dependency(
    client_for: Any, service_owner: Any, owned_service: Service, other_service: Service
) -> None:
    ServiceFactory(name="Fax", state=ServiceState.RETIRED)
    html = (
        client_for(service_owner).get(url("continuity_create", owned_service.slug)).content.decode()
    )
    assert "Hosting" in html
    assert "Fax" not in html


def test_an_htmx_filter_gets_the_table_with_its_summary_only(
    client_for: Any, practitioner: Any, portfolio: dict[str, ContinuityPlan]
) -> None:
    response = client_for(practitioner).get(
        f"{url('continuity_list')}?attention=yes", headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "<strong>3</strong> need attention" in html
    assert "Supplier loss" not in html


def test_the_overview_takes_as_many_queries_for_many_plans_as_for_few(
    client_for: Any, practitioner: Any, owned_service: Service, other_service: Service
) -> None:
    client = client_for(practitioner)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"{url('continuity_list')}?attention=yes").status_code == 200
        return len(captured)

    ContinuityPlanFactory(service=owned_service).dependencies.add(other_service)
    few = queries()
    for _ in range(6):
        plan = ContinuityPlanFactory(
            service=ServiceFactory(), last_tested_on=days_ago(400), last_test_result="passed"
        )
        plan.dependencies.add(owned_service, other_service)
    assert queries() == few
