"""Segments: validation with located problems, the work activities they select, labels."""

from __future__ import annotations

from typing import Any

import pytest

from uplift.apps.measurements.segments import (
    segment_check,
    segment_label,
    segment_work_activity_ids,
)
from uplift.domain.errors import InvalidDocument

pytestmark = pytest.mark.django_db


def ids(work_activities: dict[str, Any], *slugs: str) -> list[int]:
    return sorted(work_activities[slug].pk for slug in slugs)


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        ({}, ("alpha", "beta", "gamma")),
        ({"unit": "engineering"}, ("alpha", "beta")),
        ({"size": "small"}, ("gamma",)),
        ({"kind": "service", "activity_type": "service_delivery"}, ("gamma",)),
        ({"phase": "closed"}, ()),
        ({"attributes": {"customer": "acme"}}, ("alpha",)),
        ({"attributes": {"regulated": True}}, ("alpha",)),
        ({"attributes": {"customer": None}}, ("gamma",)),
        ({"work_activities": ["gamma", "beta"]}, ("beta", "gamma")),
        ({"unit": "engineering", "work_activities": ["gamma", "beta"]}, ("beta",)),
    ],
)
def test_a_segment_selects_the_work_activities_matching_every_key(
    work_activities: dict[str, Any], segment: dict[str, Any], expected: tuple[str, ...]
) -> None:
    assert segment_work_activity_ids(segment) == ids(work_activities, *expected)


def test_a_segment_is_returned_normalised(work_activities: dict[str, Any]) -> None:
    checked = segment_check(
        {"work_activities": [" beta", "beta", "alpha"], "size": "large", "unit": "engineering"}
    )

    assert checked == {"unit": "engineering", "size": "large", "work_activities": ["beta", "alpha"]}
    assert segment_check(None) == {}


def test_every_problem_of_a_segment_is_located_by_its_json_path(
    work_activities: dict[str, Any],
) -> None:
    segment = {
        "unit": "nowhere",
        "size": "huge",
        "colour": "blue",
        "attributes": {"a__b": 1, "ok": [1, 2]},
        "work_activities": ["alpha", "omega", 3],
    }

    with pytest.raises(InvalidDocument) as error:
        segment_check(segment)

    assert [(p.path, p.field, p.message) for p in error.value.problems] == [
        (
            "$.colour",
            "colour",
            "unknown key 'colour' (a segment may have unit, activity_type, kind, size, phase, "
            "attributes, work_activities)",
        ),
        ("$.unit", "unit", "unknown unit 'nowhere'"),
        ("$.size", "size", "'huge' is not a size (small, medium, large)"),
        ("$.attributes.a__b", "attributes", "'a__b': an attribute name may not hold '__'"),
        (
            "$.attributes.ok",
            "attributes",
            "an attribute value is a string, a number, true, false or null",
        ),
        ("$.work_activities[2]", "work_activities", "a work activity is named by its slug"),
        ("$.work_activities[1]", "work_activities", "unknown work activity 'omega'"),
    ]


def test_a_segment_that_is_not_an_object_is_refused(db: None) -> None:
    with pytest.raises(InvalidDocument) as error:
        segment_work_activity_ids(["alpha"])

    assert str(error.value) == "<input> at $ (field segment): a segment is a JSON object"


@pytest.mark.parametrize(
    ("segment", "label"),
    [
        ({}, "all work activities"),
        (None, "all work activities"),
        (
            {"unit": "engineering", "size": "large", "activity_type": "software_only"},
            "unit engineering; software-only; large",
        ),
        ({"attributes": {"customer": "acme"}}, "customer=acme"),
        (
            {"work_activities": ["a", "b", "c", "d", "e"]},
            "work activities a, b, c and 2 more",
        ),
    ],
)
def test_a_segment_has_a_short_label(segment: dict[str, Any] | None, label: str) -> None:
    assert segment_label(segment) == label
