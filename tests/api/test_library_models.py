"""GET /api/library/models/: model versions, their counts and filters."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import Library, build_model
from tests.api.schema import assert_matches_schema

pytestmark = pytest.mark.django_db

URL = "/api/library/models/"


def _references(response) -> list[str]:
    return [row["reference"] for row in response.json()["results"]]


def test_lists_every_version_ordered_by_identifier_and_version(
    reader: APIClient, library: Library
) -> None:
    response = reader.get(URL)

    assert response.status_code == 200
    assert response.json()["count"] == 3
    assert _references(response) == ["CMMI-DEV@1.2", "CMMI-DEV@1.3", "CMMI-SVC@1.3"]
    assert_matches_schema(response, URL)


def test_detail_holds_the_fields_and_counts(reader: APIClient, library: Library) -> None:
    response = reader.get(f"{URL}{library.dev13.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert {key: body[key] for key in body if key != "imported_at"} == {
        "id": library.dev13.pk,
        "identifier": "CMMI-DEV",
        "version": "1.3",
        "reference": "CMMI-DEV@1.3",
        "name": "CMMI-DEV 1.3",
        "description": "",
        "source": {"title": "Test source"},
        "representations": ["staged", "continuous"],
        "format": "uplift",
        "is_latest": True,
        "counts": {
            "process_areas": 3,
            "goals": 2,
            "practices": 3,
            "generic_goals": 1,
            "generic_practices": 1,
        },
    }
    assert body["imported_at"] == library.dev13.imported_at.isoformat().replace("+00:00", "Z")
    assert_matches_schema(response, f"{URL}{{id}}/")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("identifier=CMMI-DEV", ["CMMI-DEV@1.2", "CMMI-DEV@1.3"]),
        ("identifier=cmmi-dev", []),
        ("version=1.3", ["CMMI-DEV@1.3", "CMMI-SVC@1.3"]),
        ("identifier=CMMI-DEV&version=1.2", ["CMMI-DEV@1.2"]),
        ("reference=CMMI-SVC@1.3", ["CMMI-SVC@1.3"]),
        ("latest=true", ["CMMI-DEV@1.3", "CMMI-SVC@1.3"]),
        ("latest=false", ["CMMI-DEV@1.2"]),
        ("ordering=-version,identifier", ["CMMI-DEV@1.3", "CMMI-SVC@1.3", "CMMI-DEV@1.2"]),
    ],
)
def test_filters_and_orders_exactly(
    reader: APIClient, library: Library, query: str, expected: list[str]
) -> None:
    response = reader.get(f"{URL}?{query}")

    assert response.status_code == 200
    assert _references(response) == expected


def test_unknown_id_is_a_json_404(reader: APIClient, library: Library) -> None:
    response = reader.get(f"{URL}999999/")

    assert response.status_code == 404
    assert response.json() == {"detail": "No ProcessModel matches the given query.", "errors": []}
    assert_matches_schema(response, f"{URL}{{id}}/")


def test_non_numeric_id_is_a_json_404(reader: APIClient, library: Library) -> None:
    response = reader.get(f"{URL}abc/")

    assert response.status_code == 404
    assert response.json()["errors"] == []


def test_list_query_count_does_not_grow_with_rows(
    reader: APIClient, library: Library, django_assert_num_queries
) -> None:
    for number in range(10):
        build_model("EXTRA", f"{number}.0")

    # session, user, user and group permissions, count, page: none per row.
    with django_assert_num_queries(6):
        response = reader.get(URL)

    assert response.json()["count"] == 13
