"""The organization's pages: who may see them, what they list, and the history they show."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories.organization import (
    OrganizationalUnitFactory,
    PersonFactory,
    WorkActivityFactory,
)
from uplift.apps.accounts.roles import Role
from uplift.apps.organization import services
from uplift.apps.organization.choices import WorkActivityKind
from uplift.apps.organization.models import OrganizationalUnit

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit():
    return OrganizationalUnitFactory(name="Product Engineering", slug="product-engineering")


@pytest.fixture
def pages(unit):
    activity = WorkActivityFactory(unit=unit, name="Crane Controller", slug="crane-controller")
    person = PersonFactory(unit=unit, display_name="Lena Fischer", slug="lena-fischer")
    return {
        "organization:unit_list": reverse("organization:unit_list"),
        "organization:unit_detail": reverse("organization:unit_detail", args=[unit.slug]),
        "organization:work_activity_list": reverse("organization:work_activity_list"),
        "organization:work_activity_detail": reverse(
            "organization:work_activity_detail", args=[activity.slug]
        ),
        "organization:person_list": reverse("organization:person_list"),
        "organization:person_detail": reverse("organization:person_detail", args=[person.slug]),
    }


PAGE_NAMES = [
    "organization:unit_list",
    "organization:unit_detail",
    "organization:work_activity_list",
    "organization:work_activity_detail",
    "organization:person_list",
    "organization:person_detail",
]


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_anonymous_visitors_are_sent_to_sign_in(anonymous, pages, name):
    response = anonymous.get(pages[name])

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_users_without_a_role_are_refused(client_for, outsider, pages, name):
    response = client_for(outsider).get(pages[name])

    assert response.status_code == 403


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.SPONSOR, Role.APPRAISER])
@pytest.mark.parametrize("name", PAGE_NAMES)
def test_every_role_may_read_every_page(client_for, make_user, pages, name, role):
    response = client_for(make_user(role)).get(pages[name])

    assert response.status_code == 200


def test_an_unknown_slug_is_not_found(client_for, practitioner):
    response = client_for(practitioner).get(
        reverse("organization:unit_detail", args=["no-such-unit"])
    )

    assert response.status_code == 404


def test_work_activities_are_filtered_by_unit_kind_and_text(client_for, practitioner, unit):
    other = OrganizationalUnitFactory(slug="sourcing")
    WorkActivityFactory(unit=unit, name="Crane Controller")
    WorkActivityFactory(unit=unit, name="Service Desk", kind=WorkActivityKind.SERVICE)
    WorkActivityFactory(unit=other, name="Crane Supply", kind=WorkActivityKind.ACQUISITION)
    client = client_for(practitioner)
    url = reverse("organization:work_activity_list")

    def names(**params: str) -> list[str]:
        response = client.get(url, params)
        assert response.status_code == 200
        return [activity.name for activity in response.context["object_list"]]

    assert names(unit="product-engineering") == ["Crane Controller", "Service Desk"]
    assert names(kind="service") == ["Service Desk"]
    assert names(q="crane") == ["Crane Controller", "Crane Supply"]
    assert names(q="crane", unit="sourcing") == ["Crane Supply"]


def test_work_activities_sort_by_a_column_both_ways(client_for, practitioner, unit):
    for name in ["Beta", "Alpha", "Gamma"]:
        WorkActivityFactory(unit=unit, name=name)
    client = client_for(practitioner)
    url = reverse("organization:work_activity_list")

    ascending = client.get(url, {"sort": "name"}).context["object_list"]
    descending = client.get(url, {"sort": "-name"}).context["object_list"]

    assert [a.name for a in ascending] == ["Alpha", "Beta", "Gamma"]
    assert [a.name for a in descending] == ["Gamma", "Beta", "Alpha"]


def test_people_are_paginated_by_twenty_five(client_for, practitioner, unit):
    PersonFactory.create_batch(30, unit=unit)
    client = client_for(practitioner)
    url = reverse("organization:person_list")

    first = client.get(url)
    second = client.get(url, {"page": 2})

    assert len(first.context["object_list"]) == 25
    assert len(second.context["object_list"]) == 5
    assert "Page 2 of 2" in second.content.decode()


def test_people_are_filtered_by_text(client_for, practitioner, unit):
    PersonFactory(unit=unit, display_name="Lena Fischer", job_title="Software engineer")
    PersonFactory(unit=unit, display_name="Rajiv Menon", job_title="Director")

    response = client_for(practitioner).get(reverse("organization:person_list"), {"q": "software"})

    assert [p.display_name for p in response.context["object_list"]] == ["Lena Fischer"]


def test_an_htmx_filter_request_gets_only_the_results(client_for, practitioner, unit):
    response = client_for(practitioner).get(
        reverse("organization:unit_list"), {"q": "product"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert response.templates[0].name == "organization/unit_list_results.html"
    assert "<html" not in response.content.decode()


def test_the_unit_list_takes_a_fixed_number_of_queries(
    client_for, practitioner, django_assert_max_num_queries
):
    for index in range(10):
        unit = OrganizationalUnitFactory()
        WorkActivityFactory.create_batch(2, unit=unit, name=f"Activity {index}")
    client = client_for(practitioner)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("organization:unit_list"))

    assert len(response.context["object_list"]) == 10


def test_the_work_activity_list_takes_a_fixed_number_of_queries(
    client_for, practitioner, unit, django_assert_max_num_queries
):
    managers = PersonFactory.create_batch(5, unit=unit)
    for manager in managers:
        WorkActivityFactory.create_batch(3, unit=unit, manager=manager)
    client = client_for(practitioner)

    with django_assert_max_num_queries(9):
        response = client.get(reverse("organization:work_activity_list"))

    assert len(response.context["object_list"]) == 15


def test_the_unit_page_shows_a_change_made_through_the_service_in_its_history(
    client_for, practitioner, process_group_member
):
    unit = services.unit_create(name="Managed Services", model_identifier="CMMI-DEV")
    services.unit_update(
        unit=unit, data={"model_identifier": "CMMI-SVC"}, actor=process_group_member
    )

    response = client_for(practitioner).get(reverse("organization:unit_detail", args=[unit.slug]))

    content = response.content.decode()
    assert response.status_code == 200
    assert "History" in content
    assert "CMMI-DEV" in content  # the old value, only shown in the history
    assert "process.group" in content
    assert OrganizationalUnit.history.filter(history_type="~").count() == 1
