"""The model comparison, without a database."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from uplift.domain.library_compare import (
    AreaComparison,
    AreaOutline,
    ChangedPractice,
    ModelComparison,
    ModelOutline,
    PracticeOutline,
    compare_models,
)

SP11 = PracticeOutline("SP 1.1", "Understand Requirements")
SP12 = PracticeOutline("SP 1.2", "Obtain Commitment to Requirements")
SP13_LEFT = PracticeOutline("SP 1.3", "Manage Requirements Changes")
SP13_RIGHT = PracticeOutline("SP 1.3", "Manage Requirement Changes")
SP14 = PracticeOutline("SP 1.4", "Maintain Bidirectional Traceability of Requirements")
SP15 = PracticeOutline("SP 1.5", "Ensure Alignment Between Project Work and Requirements")

DEV = ModelOutline(
    "CMMI-DEV@1.3",
    (
        AreaOutline("REQM", "Requirements Management", (SP11, SP12, SP13_LEFT, SP14)),
        AreaOutline("TS", "Technical Solution", (PracticeOutline("SP 1.1", "Develop"),)),
        AreaOutline("CM", "Configuration Management"),
    ),
)
SVC = ModelOutline(
    "CMMI-SVC@1.3",
    (
        AreaOutline("IRP", "Incident Resolution and Prevention"),
        AreaOutline("CM", "Configuration Management"),
        AreaOutline("REQM", "Requirements Management", (SP11, SP13_RIGHT, SP12, SP15)),
    ),
)


def test_compares_areas_by_abbreviation_and_practices_by_identifier_and_title():
    comparison = compare_models(DEV, SVC)

    assert comparison == ModelComparison(
        left="CMMI-DEV@1.3",
        right="CMMI-SVC@1.3",
        shared_areas=(
            AreaComparison(
                abbreviation="REQM",
                left_name="Requirements Management",
                right_name="Requirements Management",
                shared=(SP11, SP12),
                changed=(
                    ChangedPractice(
                        "SP 1.3", "Manage Requirements Changes", "Manage Requirement Changes"
                    ),
                ),
                only_left=(SP14,),
                only_right=(SP15,),
            ),
            AreaComparison(
                abbreviation="CM",
                left_name="Configuration Management",
                right_name="Configuration Management",
                shared=(),
                changed=(),
                only_left=(),
                only_right=(),
            ),
        ),
        only_left=(DEV.areas[1],),
        only_right=(SVC.areas[0],),
    )


def test_an_area_is_identical_only_without_any_difference():
    comparison = compare_models(DEV, SVC)

    assert [area.identical for area in comparison.shared_areas] == [False, True]


def test_rewrapped_whitespace_in_a_title_is_not_a_change():
    left = ModelOutline(
        "A@1", (AreaOutline("PP", "Planning", (PracticeOutline("SP 1", "Plan  it"),)),)
    )
    right = ModelOutline(
        "B@1", (AreaOutline("PP", "Planning", (PracticeOutline("SP 1", " Plan it"),)),)
    )

    (area,) = compare_models(left, right).shared_areas

    assert area.shared == (PracticeOutline("SP 1", "Plan  it"),)
    assert area.changed == ()


def test_a_model_compared_with_itself_has_only_identical_areas():
    comparison = compare_models(DEV, DEV)

    assert comparison.only_left == comparison.only_right == ()
    assert all(area.identical for area in comparison.shared_areas)


def test_a_repeated_abbreviation_is_refused():
    twice = ModelOutline("X@1", (AreaOutline("PP", "Planning"), AreaOutline("PP", "Again")))

    with pytest.raises(ValueError, match="Duplicate process area in X@1 'PP'"):
        compare_models(twice, DEV)


def test_a_repeated_practice_identifier_is_refused():
    twice = ModelOutline("X@1", (AreaOutline("REQM", "Requirements", (SP11, SP11)),))

    with pytest.raises(ValueError, match=re.escape("Duplicate practice in REQM 'SP 1.1'")):
        compare_models(DEV, twice)


_ids = st.sampled_from(["SP 1.1", "SP 1.2", "SP 2.1", "SP 2.2", "SP 3.1"])
_titles = st.sampled_from(["Plan", "Do", "Check", "Act"])
_practices = st.lists(st.tuples(_ids, _titles), unique_by=lambda p: p[0]).map(
    lambda items: tuple(PracticeOutline(i, t) for i, t in items)
)
_areas = st.lists(
    st.tuples(st.sampled_from(["PP", "PMC", "REQM", "CM"]), _practices), unique_by=lambda a: a[0]
).map(lambda items: tuple(AreaOutline(a, a.lower(), ps) for a, ps in items))


@given(left=_areas, right=_areas)
def test_every_practice_of_a_shared_area_lands_in_exactly_one_bucket(left, right):
    comparison = compare_models(ModelOutline("L@1", left), ModelOutline("R@1", right))
    left_by_abbr = {a.abbreviation: a for a in left}
    right_by_abbr = {a.abbreviation: a for a in right}

    for area in comparison.shared_areas:
        left_ids = [p.identifier for p in left_by_abbr[area.abbreviation].practices]
        right_ids = [p.identifier for p in right_by_abbr[area.abbreviation].practices]
        from_left = [p.identifier for p in (*area.shared, *area.only_left)] + [
            c.identifier for c in area.changed
        ]
        from_right = [p.identifier for p in (*area.shared, *area.only_right)] + [
            c.identifier for c in area.changed
        ]
        assert sorted(from_left) == sorted(left_ids)
        assert sorted(from_right) == sorted(right_ids)
    assert len(comparison.shared_areas) + len(comparison.only_left) == len(left)
    assert len(comparison.shared_areas) + len(comparison.only_right) == len(right)
