"""The organization's pages: who may see them, what they list and export, and their history."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories.accounts import UserFactory
from tests.factories.organization import (
    OrganizationalUnitFactory,
    PersonFactory,
    WorkActivityFactory,
)
from uplift.apps.accounts.roles import Role
from uplift.apps.organization import services
from uplift.apps.organization.choices import (
    LifeCyclePhase,
    Size,
    WorkActivityKind,
    WorkActivityType,
)
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
    WorkActivityFactory(
        unit=other, name="Crane Supply", kind=WorkActivityKind.ACQUISITION, active=False
    )
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
    assert names(active="false") == ["Crane Supply"]
    assert names(active="true", q="crane") == ["Crane Controller"]


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


def test_an_htmx_filter_request_gets_only_the_table(client_for, practitioner, unit):
    response = client_for(practitioner).get(
        reverse("organization:unit_list"), {"q": "product"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert response.templates[0].name == "partials/organization/organizationalunit_table.html"
    assert "<html" not in response.content.decode()


def test_a_list_page_links_the_other_lists_and_marks_its_own(client_for, practitioner):
    response = client_for(practitioner).get(reverse("organization:person_list"))

    content = response.content.decode()
    assert f'<a href="{reverse("organization:unit_list")}">Organizational units</a>' in content
    assert f'<a href="{reverse("organization:person_list")}" aria-current="page">People</a>' in (
        content
    )


LIST_NAMES = [
    "organization:unit_list",
    "organization:work_activity_list",
    "organization:person_list",
]


@pytest.mark.parametrize("name", LIST_NAMES)
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"page_size": "5"}, "Unknown parameter: page_size."),
        ({"sort": "slug"}, "Cannot sort by &#x27;slug&#x27;"),
        ({"export": "xlsx"}, "Cannot export as &#x27;xlsx&#x27;; use export=csv."),
    ],
)
def test_an_unknown_parameter_or_sort_key_is_a_bad_request(
    client_for, practitioner, name, params, message
):
    response = client_for(practitioner).get(reverse(name), params)

    assert response.status_code == 400
    assert message in response.content.decode()


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("organization:work_activity_list", {"unit": "no-such-unit"}),
        ("organization:work_activity_list", {"kind": "castle"}),
        ("organization:work_activity_list", {"active": "maybe"}),
        ("organization:person_list", {"unit": "no-such-unit"}),
    ],
)
def test_an_invalid_filter_value_is_a_bad_request(client_for, practitioner, name, params):
    response = client_for(practitioner).get(reverse(name), params)

    assert response.status_code == 400
    assert "Invalid filter" in response.content.decode()


def _csv_lines(response) -> list[str]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return b"".join(response.streaming_content).decode().splitlines()


def test_the_unit_list_exports_every_filtered_row_as_csv(client_for, practitioner, unit):
    child = OrganizationalUnitFactory(
        name="Embedded Products", slug="embedded", parent=unit, model_identifier=""
    )
    WorkActivityFactory.create_batch(2, unit=child)
    PersonFactory(unit=child)
    OrganizationalUnitFactory(name="Sourcing", slug="sourcing")

    response = client_for(practitioner).get(
        reverse("organization:unit_list"), {"q": "product", "sort": "-name", "export": "csv"}
    )

    assert response["Content-Disposition"] == 'attachment; filename="organizational-units.csv"'
    assert _csv_lines(response) == [
        "Slug,Name,Appraised against,Parent,Work activities,People",
        "product-engineering,Product Engineering,CMMI-DEV,,0,0",
        "embedded,Embedded Products,,product-engineering,2,1",
    ]


def test_the_work_activity_list_exports_every_row_as_csv_past_the_page(
    client_for, practitioner, unit
):
    manager = PersonFactory(unit=unit, slug="lena-fischer")
    WorkActivityFactory(
        unit=unit,
        name="Service Desk",
        slug="service-desk",
        kind=WorkActivityKind.SERVICE,
        activity_type=WorkActivityType.SERVICE_DELIVERY,
        size=Size.SMALL,
        phase=LifeCyclePhase.OPERATION,
        manager=manager,
    )
    WorkActivityFactory(unit=unit, name="Crane Controller", slug="crane", active=False)

    response = client_for(practitioner).get(
        reverse("organization:work_activity_list"), {"export": "csv", "page": "2"}
    )

    assert response["Content-Disposition"] == 'attachment; filename="work-activities.csv"'
    assert _csv_lines(response) == [
        "Slug,Name,Kind,Unit,Type,Size,Life-cycle phase,Manager,Active",
        "crane,Crane Controller,Project,product-engineering,Software-only,Medium,Execution,,false",
        "service-desk,Service Desk,Service,product-engineering,Service delivery,Small,"
        "Operation,lena-fischer,true",
    ]


def test_the_person_list_exports_csv_with_formulas_neutralized(
    client_for, practitioner, unit, make_user
):
    user = make_user(username="lena")
    PersonFactory(
        unit=unit,
        display_name="Lena Fischer",
        slug="lena-fischer",
        job_title="=HYPERLINK()",
        email="lena@example.test",
        user=user,
    )
    PersonFactory(unit=None, display_name="Anna Berg", slug="anna-berg", job_title="")

    response = client_for(practitioner).get(reverse("organization:person_list"), {"export": "csv"})

    assert response["Content-Disposition"] == 'attachment; filename="people.csv"'
    assert _csv_lines(response) == [
        "Slug,Name,Job title,Unit,E-mail,Sign-in",
        "anna-berg,Anna Berg,,,anna-berg@example.test,",
        "lena-fischer,Lena Fischer,'=HYPERLINK(),product-engineering,lena@example.test,lena",
    ]


def _make_units(count: int) -> None:
    for _ in range(count):
        unit = OrganizationalUnitFactory()
        WorkActivityFactory.create_batch(2, unit=unit)
        PersonFactory(unit=unit)


def _make_work_activities(count: int) -> None:
    unit = OrganizationalUnitFactory()
    for manager in PersonFactory.create_batch(count, unit=unit):
        WorkActivityFactory(unit=unit, manager=manager)


def _make_people(count: int) -> None:
    unit = OrganizationalUnitFactory()
    for index in range(count):
        PersonFactory(unit=unit, user=UserFactory(username=f"person-{index}"))


# Sign-in (session, user, user and group permissions) is 4 queries; then the page count
# and the page, plus the unit choices of a filter form. An export reads its rows once.
@pytest.mark.parametrize("rows", [2, 20])
@pytest.mark.parametrize(
    ("name", "make", "page_queries"),
    [
        ("organization:unit_list", _make_units, 6),
        ("organization:work_activity_list", _make_work_activities, 7),
        ("organization:person_list", _make_people, 7),
    ],
)
def test_a_list_page_takes_a_fixed_number_of_queries_whatever_the_rows(
    client_for, practitioner, django_assert_max_num_queries, name, make, page_queries, rows
):
    make(rows)
    client = client_for(practitioner)

    with django_assert_max_num_queries(page_queries):
        response = client.get(reverse(name))

    assert len(response.context["object_list"]) == rows


@pytest.mark.parametrize("rows", [2, 20])
@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("organization:unit_list", _make_units),
        ("organization:work_activity_list", _make_work_activities),
        ("organization:person_list", _make_people),
    ],
)
def test_a_list_export_takes_a_fixed_number_of_queries_whatever_the_rows(
    client_for, practitioner, django_assert_max_num_queries, name, make, rows
):
    make(rows)
    client = client_for(practitioner)

    with django_assert_max_num_queries(5):
        lines = _csv_lines(client.get(reverse(name), {"export": "csv"}))

    assert len(lines) == rows + 1


def test_the_unit_page_lists_its_work_activities_and_people(client_for, practitioner, unit):
    WorkActivityFactory(unit=unit, name="Service Desk")
    PersonFactory(unit=unit, display_name="Rajiv Menon", job_title="Director")
    PersonFactory(display_name="Anna Berg")  # another unit

    response = client_for(practitioner).get(reverse("organization:unit_detail", args=[unit.slug]))

    content = response.content.decode()
    assert "Work activities (1)" in content
    assert "Service Desk" in content
    assert "People (1)" in content
    assert "Rajiv Menon</a>, Director" in content
    assert "Anna Berg" not in content


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
