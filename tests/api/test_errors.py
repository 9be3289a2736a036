"""One error shape: malformed filters, ordering and paging are 400s naming the field."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import Library
from tests.api.schema import assert_matches_schema

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "field", "message"),
    [
        (
            "/api/library/models/?latest=maybe",
            "latest",
            "Select a valid choice. maybe is not one of the available choices.",
        ),
        (
            "/api/library/models/?reference=CMMI-DEV",
            "reference",
            "Use IDENTIFIER@VERSION, for example CMMI-DEV@1.3.",
        ),
        (
            "/api/library/process-areas/?maturity_level=two",
            "maturity_level",
            "Enter a whole number.",
        ),
        (
            "/api/library/process-areas/?maturity_level=1.5",
            "maturity_level",
            "Enter a whole number.",
        ),
        (
            "/api/library/process-areas/?model=abc",
            "model",
            "Select a valid choice. That choice is not one of the available choices.",
        ),
        (
            "/api/library/process-areas/?model=999999",
            "model",
            "Select a valid choice. That choice is not one of the available choices.",
        ),
        (
            "/api/library/practices/?kind=both",
            "kind",
            "Select a valid choice. both is not one of the available choices.",
        ),
        (
            "/api/library/practices/?model_reference=@1.3",
            "model_reference",
            "Use IDENTIFIER@VERSION, for example CMMI-DEV@1.3.",
        ),
        ("/api/library/practices/?limit=ten", "limit", "Enter a whole number of at least 1."),
        ("/api/library/practices/?limit=0", "limit", "Enter a whole number of at least 1."),
        ("/api/library/practices/?offset=-1", "offset", "Enter a whole number of at least 0."),
    ],
)
def test_malformed_query_value_is_a_400_naming_the_field(
    reader: APIClient, library: Library, url: str, field: str, message: str
) -> None:
    response = reader.get(url)

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Invalid input.",
        "errors": [{"field": field, "message": message}],
    }
    assert_matches_schema(response, url.split("?")[0])


def test_unknown_ordering_is_a_400_listing_the_allowed_fields(
    reader: APIClient, library: Library
) -> None:
    response = reader.get("/api/library/models/?ordering=name,-secret")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Invalid input.",
        "errors": [
            {
                "field": "ordering",
                "message": "Unknown ordering '-secret'; use one of identifier, version, name, "
                "imported_at (prefix '-' to reverse).",
            }
        ],
    }


def test_every_malformed_filter_is_reported_at_once(reader: APIClient, library: Library) -> None:
    response = reader.get("/api/library/process-areas/?maturity_level=x&optional=perhaps")

    assert response.status_code == 400
    assert sorted(error["field"] for error in response.json()["errors"]) == [
        "maturity_level",
        "optional",
    ]


def test_unknown_query_parameters_are_ignored(reader: APIClient, library: Library) -> None:
    response = reader.get("/api/library/models/?colour=blue")

    assert response.status_code == 200
    assert response.json()["count"] == 3


def test_limit_above_the_maximum_is_capped(reader: APIClient, library: Library) -> None:
    response = reader.get("/api/library/models/?limit=100000&offset=1")

    assert response.status_code == 200
    body = response.json()
    assert [row["reference"] for row in body["results"]] == ["CMMI-DEV@1.3", "CMMI-SVC@1.3"]
    assert body["next"] is None
    assert body["previous"] == "http://testserver/api/library/models/?limit=500"


def test_pages_link_to_each_other(reader: APIClient, library: Library) -> None:
    response = reader.get("/api/library/models/?limit=1&offset=1")

    body = response.json()
    assert body["count"] == 3
    assert [row["reference"] for row in body["results"]] == ["CMMI-DEV@1.3"]
    assert body["next"] == "http://testserver/api/library/models/?limit=1&offset=2"
    assert body["previous"] == "http://testserver/api/library/models/?limit=1"
