"""GET /api/library/process-areas/: filters, search, detail."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import Library, add_area
from tests.api.schema import assert_matches_schema
from uplift.apps.library.models import Category

pytestmark = pytest.mark.django_db

URL = "/api/library/process-areas/"


def _areas(response) -> list[str]:
    return [f"{row['model_reference']} {row['abbreviation']}" for row in response.json()["results"]]


def test_lists_areas_by_model_version_then_order(reader: APIClient, library: Library) -> None:
    response = reader.get(URL)

    assert response.status_code == 200
    assert _areas(response) == [
        "CMMI-DEV@1.2 PP",
        "CMMI-DEV@1.3 PP",
        "CMMI-DEV@1.3 CM",
        "CMMI-DEV@1.3 SAM",
        "CMMI-SVC@1.3 SD",
    ]
    assert_matches_schema(response, URL)


def test_detail_holds_the_fields(reader: APIClient, library: Library) -> None:
    response = reader.get(f"{URL}{library.sam.pk}/")

    assert response.status_code == 200
    assert response.json() == {
        "id": library.sam.pk,
        "model": library.dev13.pk,
        "model_reference": "CMMI-DEV@1.3",
        "abbreviation": "SAM",
        "name": "Supplier Agreement Management",
        "category": "Project Management",
        "maturity_level": 2,
        "purpose": "",
        "optional": True,
        "notes": "",
        "order": 3,
    }
    assert_matches_schema(response, f"{URL}{{id}}/")


def test_area_without_category_has_null_category(reader: APIClient, library: Library) -> None:
    response = reader.get(f"{URL}?model_reference=CMMI-SVC@1.3")

    assert [row["category"] for row in response.json()["results"]] == [None]
    assert_matches_schema(response, URL)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "model_reference=CMMI-DEV@1.3",
            ["CMMI-DEV@1.3 PP", "CMMI-DEV@1.3 CM", "CMMI-DEV@1.3 SAM"],
        ),
        ("model_reference=CMMI-DEV@1.2", ["CMMI-DEV@1.2 PP"]),
        ("model_reference=CMMI-DEV@9", []),
        ("category=support", ["CMMI-DEV@1.3 CM"]),
        ("category=Project Management&optional=false", ["CMMI-DEV@1.3 PP"]),
        ("optional=true", ["CMMI-DEV@1.3 SAM"]),
        ("q=management&model_reference=CMMI-DEV@1.3", ["CMMI-DEV@1.3 CM", "CMMI-DEV@1.3 SAM"]),
        ("q=supplier management", ["CMMI-DEV@1.3 SAM"]),
        ("q=pp", ["CMMI-DEV@1.2 PP", "CMMI-DEV@1.3 PP", "CMMI-DEV@1.3 SAM"]),
        (
            "model_reference=CMMI-DEV@1.3&ordering=-abbreviation",
            ["CMMI-DEV@1.3 SAM", "CMMI-DEV@1.3 PP", "CMMI-DEV@1.3 CM"],
        ),
    ],
)
def test_filters_exactly(
    reader: APIClient, library: Library, query: str, expected: list[str]
) -> None:
    response = reader.get(f"{URL}?{query}")

    assert response.status_code == 200, response.json()
    assert _areas(response) == expected


def test_filters_by_model_id_and_maturity_level(reader: APIClient, library: Library) -> None:
    add_area(library.svc, "CAM", "Capacity and Availability Management", maturity_level=3, order=2)

    response = reader.get(f"{URL}?model={library.svc.pk}&maturity_level=3")

    assert _areas(response) == ["CMMI-SVC@1.3 CAM"]


def test_list_query_count_does_not_grow_with_rows(
    reader: APIClient, library: Library, django_assert_num_queries
) -> None:
    category = Category.objects.create(model=library.svc, name="Service Establishment")
    for number in range(10):
        add_area(library.svc, f"X{number}", f"Extra {number}", category=category, order=10 + number)

    # session, user, user and group permissions, count, page: none per row.
    with django_assert_num_queries(6):
        response = reader.get(URL)

    assert response.json()["count"] == 15
