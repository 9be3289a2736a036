"""library.selectors.model_rating_structure: the shipped CMMI-DEV as the engine sees it."""

from __future__ import annotations

from typing import Any

from uplift.apps.library.selectors import model_rating_structure


def test_every_process_area_has_its_specific_and_generic_goals(cmmi_dev: Any) -> None:
    structure = model_rating_structure(cmmi_dev)

    areas = {area.abbreviation: area for area in structure.areas}
    reqm = areas["REQM"]
    assert (structure.identifier, structure.version, len(areas)) == ("CMMI-DEV", "1.3", 22)
    assert reqm.maturity_level == 2
    assert [g.ref for g in reqm.specific_goals] == ["REQM SG 1"]
    assert reqm.specific_goals[0].practices == tuple(f"REQM SP 1.{n}" for n in range(1, 6))
    assert [(g.ref, g.generic_level) for g in reqm.generic_goals] == [
        ("REQM GG 2", 2),
        ("REQM GG 3", 3),
    ]
    assert reqm.generic_goals[0].practices == tuple(f"REQM GP 2.{n}" for n in range(1, 11))
    assert reqm.generic_goals[1].practices == ("REQM GP 3.1", "REQM GP 3.2")


def test_generic_practices_of_level_one_are_extra_practices(cmmi_dev: Any) -> None:
    structure = model_rating_structure(cmmi_dev)

    assert "REQM GP 1.1" in structure.extra_practices
    assert len(structure.extra_practices) == 22


def test_the_structure_takes_three_queries(cmmi_dev: Any, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(3):
        model_rating_structure(cmmi_dev)
