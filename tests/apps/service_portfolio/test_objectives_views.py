"""The objectives' pages: add, edit, delete, and an objective's attainment per period
(table, SVG chart, CSV)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories.organization import WorkActivityFactory
from tests.factories.service_portfolio import MeasureFactory, SloFactory
from uplift.apps.measurements.models import Observation
from uplift.apps.service_portfolio.charts import attainment_svg
from uplift.apps.service_portfolio.models import ServiceLevelObjective
from uplift.apps.service_portfolio.selectors_scorecard import PeriodAttainment
from uplift.apps.service_portfolio.services.objectives import slo_update
from uplift.domain.service_outcomes import slo_attainment

pytestmark = pytest.mark.django_db


@pytest.fixture
def availability():
    return MeasureFactory(slug="availability", name="Availability")


@pytest.fixture
def slo(owned_service, availability):
    return SloFactory(service=owned_service, name="Availability", measure=availability)


def _text(response) -> str:
    return " ".join(response.content.decode().split())


def _months_ago(months: int) -> dt.date:
    """The first day of the month ``months`` before the current one."""
    today = timezone.localdate()
    index = today.year * 12 + today.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


# -- add ------------------------------------------------------------------------------------


def test_the_owner_adds_an_objective(client_for, service_owner, owned_service, availability):
    client = client_for(service_owner)
    url = reverse("service_portfolio:slo_create", args=[owned_service.slug])
    page = client.get(url)
    assert page.status_code == 200
    assert "Required share" in _text(page)
    response = client.post(
        url,
        {
            "name": "Availability",
            "kind": "availability",
            "measure": availability.pk,
            "statistic": "mean",
            "target": "99.5",
            "period": "month",
        },
    )
    slo = ServiceLevelObjective.objects.get(service=owned_service)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "service_portfolio:slo_detail", args=[owned_service.slug, slo.pk]
    )
    assert (slo.kind, slo.target, slo.active) == ("availability", 99.5, True)
    assert slo.history.first().history_user == service_owner


def test_a_refused_objective_comes_back_on_its_field(
    client_for, service_owner, owned_service, availability
):
    response = client_for(service_owner).post(
        reverse("service_portfolio:slo_create", args=[owned_service.slug]),
        {
            "name": "Incidents",
            "kind": "service_level",
            "measure": availability.pk,
            "statistic": "share_meeting",
            "target": "4",
            "period": "month",
        },
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["required_share"] == [
        "Give the share of observations that must meet the target (e.g. 0.95)."
    ]
    assert form["name"].value() == "Incidents"
    assert 'aria-invalid="true"' in response.content.decode()
    assert not ServiceLevelObjective.objects.exists()


@pytest.mark.parametrize("persona", ["practitioner", "steering"])
def test_others_may_not_add_objectives(request, client_for, persona, owned_service, availability):
    client = client_for(request.getfixturevalue(persona))
    url = reverse("service_portfolio:slo_create", args=[owned_service.slug])
    assert client.get(url).status_code == 403
    response = client.post(
        url, {"name": "A", "kind": "service_level", "measure": availability.pk, "target": "1"}
    )
    assert response.status_code == 403
    assert not ServiceLevelObjective.objects.exists()


def test_an_owner_may_not_add_objectives_to_anothers_service(
    client_for, service_owner, other_service
):
    url = reverse("service_portfolio:slo_create", args=[other_service.slug])
    assert client_for(service_owner).get(url).status_code == 403


def test_objective_pages_need_sign_in_and_a_known_service(client, client_for, practitioner):
    url = reverse("service_portfolio:slo_create", args=["nothing"])
    assert client.get(url).status_code == 302
    assert client_for(practitioner).get(url).status_code == 404


# -- the objective and its attainment -------------------------------------------------------


@pytest.fixture
def observed(slo, owned_service):
    """Availability of the service's work activity: 99.9 two months ago (met), 99.0 last
    month (missed)."""
    activity = WorkActivityFactory()
    owned_service.work_activities.add(activity)
    for months, value in ((2, 99.9), (1, 99.0)):
        day = _months_ago(months) + dt.timedelta(days=9)
        Observation.objects.create(
            measure=slo.measure,
            work_activity=activity,
            observed_at=dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC),
            value=value,
        )
    return slo


def test_the_objective_shows_its_attainment_as_a_table_and_a_chart(
    client_for, practitioner, owned_service, observed
):
    response = client_for(practitioner).get(
        reverse("service_portfolio:slo_detail", args=[owned_service.slug, observed.pk]),
        {"months": "6"},
    )
    assert response.status_code == 200
    text = _text(response)
    assert "<strong>1</strong> period met, <strong>1</strong> missed, 4 without data." in text
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="attainment" role="img"' in text
    assert "6 period(s) from" in text  # the chart's description
    assert f"{_months_ago(1):%Y-%m}" in text
    assert text.count('class="attainment__met"') == 1
    assert text.count('class="attainment__missed"') == 1
    assert "✗ missed" in text
    assert "Edit the objective" not in text  # a reader


def test_without_observations_the_objective_says_where_they_come_from(
    client_for, service_owner, owned_service, slo
):
    response = client_for(service_owner).get(
        reverse("service_portfolio:slo_detail", args=[owned_service.slug, slo.pk])
    )
    text = _text(response)
    assert response.status_code == 200
    assert "names no work activities yet" in text
    assert "<svg" not in text
    assert "Edit the objective" in text


def test_the_attainment_exports_as_csv(client_for, practitioner, owned_service, observed):
    response = client_for(practitioner).get(
        reverse("service_portfolio:slo_detail", args=[owned_service.slug, observed.pk]),
        {"months": "6", "export": "csv"},
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:6] == ["Period", "First day", "Last day", "Status", "Observations", "Value"]
    assert [row[3] for row in rows[1:]] == ["no_data"] * 4 + ["met", "missed"]
    assert rows[-1][5] == "99.0"


@pytest.mark.parametrize("query", [{"months": "5"}, {"months": "x"}, {"export": "xlsx"}])
def test_a_malformed_attainment_query_is_a_bad_request(
    client_for, practitioner, owned_service, slo, query
):
    response = client_for(practitioner).get(
        reverse("service_portfolio:slo_detail", args=[owned_service.slug, slo.pk]), query
    )
    assert response.status_code == 400


def test_an_objective_of_another_service_is_not_found(client_for, practitioner, other_service, slo):
    response = client_for(practitioner).get(
        reverse("service_portfolio:slo_detail", args=[other_service.slug, slo.pk])
    )
    assert response.status_code == 404


# -- edit and delete ------------------------------------------------------------------------


def _form_data(response) -> dict[str, str]:
    initial = response.context["form"].initial
    data = {k: v for k, v in initial.items() if v is not None and k != "active"}
    if initial.get("active"):
        data["active"] = "on"
    return data


def test_the_owner_edits_an_objective(client_for, service_owner, owned_service, slo):
    client = client_for(service_owner)
    url = reverse("service_portfolio:slo_edit", args=[owned_service.slug, slo.pk])
    data = _form_data(client.get(url)) | {"target": "99.9", "action": "save"}
    data.pop("active")  # unchecked: inactive
    response = client.post(url, data)
    assert response.status_code == 302
    slo.refresh_from_db()
    assert (slo.target, slo.active) == (99.9, False)


def test_a_refused_edit_keeps_the_input(client_for, service_owner, owned_service, slo):
    client = client_for(service_owner)
    url = reverse("service_portfolio:slo_edit", args=[owned_service.slug, slo.pk])
    data = _form_data(client.get(url)) | {"target": "120"}
    response = client.post(url, data)
    assert response.status_code == 400
    assert response.context["form"].errors["target"] == [
        "Availability is a percentage: give a target from 0 to 100 (e.g. 99.5)."
    ]
    assert response.context["form"]["target"].value() == "120"
    slo.refresh_from_db()
    assert slo.target == 99.5


def test_a_stale_edit_is_a_409_with_the_input_kept(
    client_for, service_owner, process_group_member, owned_service, slo
):
    client = client_for(service_owner)
    url = reverse("service_portfolio:slo_edit", args=[owned_service.slug, slo.pk])
    page = client.get(url)
    assert 'name="version" value="1"' in page.content.decode()
    data = _form_data(page) | {"name": "Availability (mine)", "target": "99.7"}
    slo_update(actor=process_group_member, slo=slo, data={"target": 99.0})
    response = client.post(url, data)
    assert response.status_code == 409
    html = _text(response)
    assert "you started from 1" in html
    assert 'value="Availability (mine)"' in html
    assert response.context["form"]["target"].value() == "99.7"
    slo.refresh_from_db()
    assert (slo.name, slo.target, slo.version) == ("Availability", 99.0, 2)


def test_saving_an_unchanged_objective_says_nothing_was_saved(
    client_for, service_owner, owned_service, slo
):
    client = client_for(service_owner)
    url = reverse("service_portfolio:slo_edit", args=[owned_service.slug, slo.pk])
    response = client.post(url, _form_data(client.get(url)), follow=True)
    assert "Nothing changed; nothing was saved." in _text(response)
    slo.refresh_from_db()
    assert slo.version == 1


def test_the_owner_deletes_an_objective(client_for, service_owner, owned_service, slo):
    response = client_for(service_owner).post(
        reverse("service_portfolio:slo_edit", args=[owned_service.slug, slo.pk]),
        {"action": "delete"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "service_portfolio:service_detail", args=[owned_service.slug]
    )
    assert not ServiceLevelObjective.objects.exists()


@pytest.mark.parametrize("action", ["save", "delete"])
def test_others_may_not_edit_or_delete(client_for, practitioner, owned_service, slo, action):
    client = client_for(practitioner)
    url = reverse("service_portfolio:slo_edit", args=[owned_service.slug, slo.pk])
    assert client.get(url).status_code == 403
    response = client.post(url, {"action": action, "name": "Hacked", "target": "1"})
    assert response.status_code == 403
    slo.refresh_from_db()
    assert (slo.name, slo.target) == ("Availability", 99.5)


def test_an_unknown_action_is_a_bad_request(client_for, service_owner, owned_service, slo):
    response = client_for(service_owner).post(
        reverse("service_portfolio:slo_edit", args=[owned_service.slug, slo.pk]),
        {"action": "archive"},
    )
    assert response.status_code == 400
    assert ServiceLevelObjective.objects.filter(pk=slo.pk).exists()


# -- the chart ------------------------------------------------------------------------------


def _period(month: int, values: list[float], **kwargs) -> PeriodAttainment:
    first = dt.date(2026, month, 1)
    last = dt.date(2026, month + 1, 1) - dt.timedelta(days=1)
    args = {"target": 99.5, "direction": "higher"} | kwargs
    return PeriodAttainment(first, last, slo_attainment(values, **args))


def test_the_chart_marks_status_by_shape_and_escapes_its_texts() -> None:
    rows = [_period(1, [99.9]), _period(2, [99.0]), _period(3, []), _period(4, [99.6])]
    svg = str(attainment_svg(rows, title="Availability <monthly>", unit="%", element_id="a"))
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" class="attainment" role="img"')
    assert '<title id="a-title">Availability &lt;monthly&gt;</title>' in svg
    assert (
        '<desc id="a-desc">4 period(s) from 2026-01 to 2026-04: 2 met, 1 missed, 1 without '
        "data. Latest with data, 2026-04: 99.6 % against 99.5 %, met.</desc>"
    ) in svg
    assert svg.count('class="attainment__met"') == 2
    assert svg.count('class="attainment__missed"') == 1
    assert svg.count(">n/a</text>") == 1
    # The line breaks at the month without data: January to February, then April alone.
    assert svg.count("<polyline") == 1
    assert "target 99.5 %" in svg


def test_a_share_objective_is_charted_in_percent_against_the_required_share() -> None:
    share = {
        "target": 4,
        "direction": "lower",
        "statistic": "share_meeting",
        "required_share": 0.9,
    }
    rows = [_period(1, [1, 2, 3, 9], **share), _period(2, [1, 2], **share)]
    svg = str(attainment_svg(rows, title="Incidents", unit="h"))
    assert "required 90 %" in svg
    assert "Latest with data, 2026-02: 100 % against 90 %, met." in svg
    assert "Share meeting the target (%)" in svg


def test_no_periods_no_chart() -> None:
    assert attainment_svg([], title="Nothing") == ""
