"""GET /api/library/practices/: fields, filters, full-text search."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import Library, add_practice
from tests.api.schema import assert_matches_schema
from uplift.apps.library.choices import GoalKind
from uplift.apps.library.models import Goal

pytestmark = pytest.mark.django_db

URL = "/api/library/practices/"


def _practices(response) -> list[str]:
    return [
        f"{row['process_area_abbreviation'] or '-'} {row['identifier']}"
        for row in response.json()["results"]
    ]


def test_lists_specific_practices_by_area_then_generic_ones(
    reader: APIClient, library: Library
) -> None:
    response = reader.get(f"{URL}?model={library.dev13.pk}")

    assert response.status_code == 200
    assert _practices(response) == ["PP SP 1.1", "PP SP 1.1.1", "CM SP 1.1", "- GP 2.1"]
    assert_matches_schema(response, URL)


def test_detail_holds_goal_parent_subpractices_and_references(
    reader: APIClient, library: Library
) -> None:
    response = reader.get(f"{URL}{library.sp11.pk}/")

    assert response.status_code == 200
    assert response.json() == {
        "id": library.sp11.pk,
        "model": library.dev13.pk,
        "model_reference": "CMMI-DEV@1.3",
        "process_area": library.pp.pk,
        "process_area_abbreviation": "PP",
        "goal": library.sp11.goal_id,
        "goal_identifier": "SG 1",
        "goal_kind": "specific",
        "parent": None,
        "identifier": "SP 1.1",
        "title": "Estimate the Scope of the Project",
        "summary": "Establish a top-level work breakdown structure.",
        "description": "The WBS evolves with the project.",
        "subpractices": [
            {"text": "Develop a WBS.", "notes": "Use the architecture.", "examples": ["Tree"]},
            {"text": "Define work packages.", "notes": "", "examples": []},
        ],
        "example_work_products": ["Task descriptions", "WBS"],
        "references": ["RD", "TS"],
        "order": 1,
    }
    assert_matches_schema(response, f"{URL}{{id}}/")


def test_nested_and_generic_practices_show_parent_and_null_area(
    reader: APIClient, library: Library
) -> None:
    nested = reader.get(f"{URL}{library.sp11_nested.pk}/").json()
    generic = reader.get(f"{URL}{library.gp21.pk}/")

    assert nested["parent"] == library.sp11.pk
    assert generic.json()["process_area"] is None
    assert generic.json()["process_area_abbreviation"] is None
    assert generic.json()["goal_kind"] == "generic"
    assert_matches_schema(generic, f"{URL}{{id}}/")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=generic", ["- GP 2.1"]),
        ("kind=specific", ["PP SP 1.1", "PP SP 1.1.1", "CM SP 1.1"]),
        ("process_area_abbreviation=cm", ["CM SP 1.1"]),
        ("model_reference=CMMI-DEV@1.2", []),
        ("q=breakdown", ["PP SP 1.1"]),
        ("q=wbs", ["PP SP 1.1", "PP SP 1.1.1"]),
        ("q=wbs refine", ["PP SP 1.1.1"]),
        ("q=organizational policy", ["- GP 2.1"]),
        ("q=SP 1.1&process_area_abbreviation=PP", ["PP SP 1.1", "PP SP 1.1.1"]),
        ("q=nothing-like-this", []),
        ("process_area_abbreviation=PP&ordering=-identifier", ["PP SP 1.1.1", "PP SP 1.1"]),
    ],
)
def test_filters_exactly(
    reader: APIClient, library: Library, query: str, expected: list[str]
) -> None:
    response = reader.get(f"{URL}?{query}")

    assert response.status_code == 200, response.json()
    assert _practices(response) == expected


def test_filters_by_process_area_id(reader: APIClient, library: Library) -> None:
    response = reader.get(f"{URL}?process_area={library.pp.pk}")

    assert _practices(response) == ["PP SP 1.1", "PP SP 1.1.1"]


def test_list_query_count_does_not_grow_with_rows(
    reader: APIClient, library: Library, django_assert_num_queries
) -> None:
    goal = Goal.objects.create(
        model=library.svc,
        kind=GoalKind.GENERIC,
        identifier="GG 3",
        title="Institutionalize a Defined Process",
    )
    for number in range(10):
        add_practice(goal, f"GP 3.{number}", f"Extra {number}", order=number)

    # session, user, user and group permissions, count, page: none per row.
    with django_assert_num_queries(6):
        response = reader.get(URL)

    assert response.json()["count"] == 14
