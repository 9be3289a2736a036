"""The scorecard pages: a service's full scorecard, the portfolio's matrix, the settings,
and the scorecard section of a service's page."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.apps.service_portfolio.scorecard_data import make_measures, make_portfolio
from tests.factories.organization import WorkActivityFactory
from tests.factories.service_portfolio import ServiceFactory, SloFactory
from uplift.apps.service_portfolio.models import ScorecardSettings
from uplift.apps.service_portfolio.services.objectives import scorecard_settings_update

pytestmark = pytest.mark.django_db

ON = "2026-11-15"


@pytest.fixture
def portfolio(owned_service, other_service):
    """See ``scorecard_data.make_portfolio`` for every figure."""
    return make_portfolio(make_measures(), owned_service, other_service)


def _text(response) -> str:
    return " ".join(response.content.decode().split())


# -- a service's scorecard ------------------------------------------------------------------


def test_the_scorecard_shows_every_outcome_with_rule_reason_and_evidence(
    client_for, practitioner, portfolio
):
    desk, _ = portfolio
    response = client_for(practitioner).get(
        reverse("service_portfolio:scorecard", args=[desk.slug]), {"on": ON}
    )
    assert response.status_code == 200
    text = _text(response)
    assert "from <strong>2026-05-01</strong> to <strong>2026-10-31</strong>" in text
    for title in (
        "Valuable and compelling",
        "Predictable",
        "Reliable",
        "Compliant",
        "Cost-effective",
        "Able to adapt",
    ):
        assert f'{title} <span class="badge' in text
    assert "Mean satisfaction 4 from 3 response(s)." in text
    assert "SLOs met in 5 of 8 period(s) (62.5 %)." in text
    assert "Availability 99.56 %; 1 continuity plan(s) never tested, failed or overdue." in text
    assert "All 2 check(s) passed or waived (1 waived)." in text
    assert "Median lead time 40 days over 2 change(s)." in text
    assert "Predictable: met when service-level objectives are met in ≥ 95 %" in text
    assert "<strong>Never checked:</strong> Retention" in text
    assert "! never tested" in text  # the Restore plan, in words
    assert "Replaced in Q3" in text
    assert "<dt>Share of periods met</dt><dd>62.5 %</dd>" in text
    assert "2026-06 <strong>✗</strong>" in text


def test_the_scorecard_says_what_to_do_without_evidence(client_for, service_owner, owned_service):
    response = client_for(service_owner).get(
        reverse("service_portfolio:scorecard", args=[owned_service.slug])
    )
    text = _text(response)
    assert response.status_code == 200
    assert "No active service-level objectives." in text
    assert "Add one</a> (e.g. availability ≥ 99.5 % a month)" in text
    assert "No satisfaction measure is set" in text
    assert text.count("\N{EN DASH} No evidence") == 2 * 6  # the summary and each section


@pytest.mark.parametrize("query", [{"on": "yesterday"}, {"on": "1800-01-01"}])
def test_a_malformed_date_is_a_bad_request(client_for, practitioner, owned_service, query):
    response = client_for(practitioner).get(
        reverse("service_portfolio:scorecard", args=[owned_service.slug]), query
    )
    assert response.status_code == 400


def test_scorecard_access(client, client_for, outsider, practitioner, owned_service):
    url = reverse("service_portfolio:scorecard", args=[owned_service.slug])
    assert client.get(url).status_code == 302
    assert client_for(outsider).get(url).status_code == 403
    missing = reverse("service_portfolio:scorecard", args=["no-such-service"])
    assert client_for(practitioner).get(missing).status_code == 404


def test_the_service_page_includes_the_scorecard(client_for, practitioner, owned_service):
    response = client_for(practitioner).get(
        reverse("service_portfolio:service_detail", args=[owned_service.slug])
    )
    assert response.status_code == 200
    text = _text(response)
    assert 'id="scorecard-heading">Scorecard</h2>' in text
    assert "The full scorecard: rules, figures and evidence" in text


# -- the portfolio's scorecards -------------------------------------------------------------


def test_the_matrix_shows_every_service_by_the_six_outcomes(client_for, practitioner, portfolio):
    response = client_for(practitioner).get(
        reverse("service_portfolio:portfolio_scorecard"), {"on": ON}
    )
    assert response.status_code == 200
    text = _text(response)
    assert "2 services." in text
    assert text.index("Hosting") < text.index("Service Desk")
    assert 'title="Mean satisfaction 3 from 1 response(s)."' in text


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ({"outcome": "valuable_and_compelling", "status": "not_met"}, ["Hosting"]),
        ({"outcome": "predictable", "status": "no_evidence"}, ["Hosting"]),
        ({"outcome": "compliant", "status": "at_risk"}, ["Service Desk"]),
        ({"q": "desk"}, ["Service Desk"]),
        ({"shortfall": "on"}, ["Hosting", "Service Desk"]),
        ({"sort": "-shortfalls"}, ["Service Desk", "Hosting"]),  # 4 shortfalls, then 1
        ({"state": "retired"}, []),
    ],
)
def test_the_matrix_filters_and_sorts(client_for, practitioner, portfolio, query, names):
    response = client_for(practitioner).get(
        reverse("service_portfolio:portfolio_scorecard"), {"on": ON, **query}
    )
    assert response.status_code == 200
    rows = [r.service.name for r in response.context["page_obj"].object_list]
    assert rows == names
    if not names:
        assert "No service matches these filters." in _text(response)


@pytest.mark.parametrize(
    "query",
    [
        {"status": "met"},  # needs an outcome
        {"outcome": "fast"},
        {"state": "gone"},
        {"sort": "owner"},
        {"page": "x"},
        {"export": "pdf"},
        {"on": "2026-13-01"},
    ],
)
def test_a_malformed_matrix_query_is_a_bad_request(client_for, practitioner, query):
    response = client_for(practitioner).get(reverse("service_portfolio:portfolio_scorecard"), query)
    assert response.status_code == 400


def test_the_matrix_exports_every_filtered_service_as_csv(client_for, practitioner, portfolio):
    response = client_for(practitioner).get(
        reverse("service_portfolio:portfolio_scorecard"), {"on": ON, "export": "csv"}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="service-scorecards.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    header, *body = rows
    assert header[:9] == [
        "Slug",
        "Name",
        "State",
        "Owner",
        "Unit",
        "Window start",
        "Window end",
        "Valuable and compelling",
        "Valuable and compelling: why",
    ]
    desk = next(r for r in body if r[0] == "service-desk")
    assert desk[5:8] == ["2026-05-01", "2026-10-31", "Met"]
    assert desk[header.index("Predictable")] == "Not met"
    assert desk[header.index("Shortfalls")] == "Predictable; Reliable; Compliant; Able to adapt"
    assert desk[header.index("SLO periods missed")] == "3"


def test_the_matrix_reads_a_fixed_number_of_queries(client_for, practitioner, portfolio):
    client = client_for(practitioner)
    url = reverse("service_portfolio:portfolio_scorecard")
    client.get(url, {"on": ON})  # warm the session and content types
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"on": ON})
    desk, _ = portfolio
    for i in range(6):
        service = ServiceFactory(slug=f"more-{i}")
        service.work_activities.add(WorkActivityFactory())
        SloFactory(service=service, measure=desk.slos.first().measure)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url, {"on": ON})
    assert len(response.context["page_obj"].object_list) == 8
    assert len(many) == len(few)


def test_the_matrix_without_services_says_what_to_do(client_for, process_group_member):
    response = client_for(process_group_member).get(
        reverse("service_portfolio:portfolio_scorecard")
    )
    assert "The portfolio has no services yet." in _text(response)
    assert "Add a service</a>" in _text(response)


def test_the_matrix_needs_the_view_permission(client, client_for, outsider):
    url = reverse("service_portfolio:portfolio_scorecard")
    assert client.get(url).status_code == 302
    assert client_for(outsider).get(url).status_code == 403


# -- settings -------------------------------------------------------------------------------


def test_readers_see_the_settings_and_rules_without_a_form(client_for, practitioner):
    response = client_for(practitioner).get(reverse("service_portfolio:settings"))
    assert response.status_code == 200
    text = _text(response)
    assert "Nothing is saved yet: these are Uplift's defaults." in text
    assert "Reliable: met when availability ≥ 99.5 %" in text
    assert response.context["form"] is None
    assert "<dt>Window (months)</dt><dd>12</dd>" in text


def test_the_process_group_changes_the_settings(client_for, process_group_member):
    client = client_for(process_group_member)
    response = client.get(reverse("service_portfolio:settings"))
    assert response.context["form"] is not None
    data = {
        name: value for name, value in response.context["form"].initial.items() if value is not None
    }
    data |= {"window_months": "6", "slo_met_share": "0.98"}
    response = client.post(reverse("service_portfolio:settings"), data)
    assert response.status_code == 302
    row = ScorecardSettings.objects.get(pk=1)
    assert (row.window_months, row.slo_met_share, row.updated_by) == (
        6,
        0.98,
        process_group_member,
    )
    page = _text(client.get(reverse("service_portfolio:settings")))
    assert "met in ≥ 98 % of their periods" in page


def test_incoherent_settings_come_back_on_the_field(client_for, process_group_member):
    client = client_for(process_group_member)
    data = {
        name: value
        for name, value in client.get(reverse("service_portfolio:settings"))
        .context["form"]
        .initial.items()
        if value is not None
    }
    data["availability_at_risk_percent"] = "99.9"
    response = client.post(reverse("service_portfolio:settings"), data)
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["availability_at_risk_percent"] == [
        "Availability at-risk floor (%) (99.9) must not exceed Availability met (%) (99.5)."
    ]
    assert form["availability_at_risk_percent"].value() == "99.9"
    assert not ScorecardSettings.objects.exists()


def test_a_stale_settings_edit_is_a_409_with_the_input_kept(client_for, process_group_member):
    client = client_for(process_group_member)
    page = client.get(reverse("service_portfolio:settings"))
    assert 'name="version" value="1"' in page.content.decode()
    data = {
        name: value for name, value in page.context["form"].initial.items() if value is not None
    }
    data |= {"window_months": "6", "lead_time_target_days": "21"}
    scorecard_settings_update(actor=process_group_member, data={"window_months": 9})
    response = client.post(reverse("service_portfolio:settings"), data)
    assert response.status_code == 409
    html = _text(response)
    assert "you started from 1" in html
    form = response.context["form"]
    assert (form["window_months"].value(), form["lead_time_target_days"].value()) == ("6", "21")
    assert 'value="21"' in html
    row = ScorecardSettings.objects.get()
    assert (row.window_months, row.lead_time_target_days, row.version) == (9, 30.0, 2)


def test_saving_unchanged_settings_says_nothing_was_saved(client_for, process_group_member):
    scorecard_settings_update(actor=process_group_member, data={"window_months": 9})
    client = client_for(process_group_member)
    page = client.get(reverse("service_portfolio:settings"))
    data = {
        name: value for name, value in page.context["form"].initial.items() if value is not None
    }
    response = client.post(reverse("service_portfolio:settings"), data, follow=True)
    assert "Nothing changed; nothing was saved." in _text(response)
    assert ScorecardSettings.objects.get().version == 2


def test_only_the_process_group_posts_the_settings(client_for, service_owner, outsider):
    ScorecardSettings.objects.create(pk=1)
    response = client_for(service_owner).post(
        reverse("service_portfolio:settings"), {"window_months": "3"}
    )
    assert response.status_code == 403
    assert ScorecardSettings.objects.get(pk=1).window_months == 12
    assert client_for(outsider).get(reverse("service_portfolio:settings")).status_code == 403
