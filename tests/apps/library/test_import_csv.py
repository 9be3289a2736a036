"""Importing flat CSV: one row per practice."""

from __future__ import annotations

from pathlib import Path

import pytest

from uplift.apps.library.choices import ModelFormat
from uplift.apps.library.errors import LibraryImportError
from uplift.apps.library.importers import parse_file
from uplift.apps.library.models import Category, Goal, Practice, ProcessArea, ProcessModel
from uplift.apps.library.selectors import model_list
from uplift.apps.library.services import library_import_file

FIXTURES = Path(__file__).parent / "fixtures"
HEADER = (
    "model_id,model_name,version,process_area,process_area_name,goal,goal_title,"
    "practice,practice_title"
)


def problems_of(text: str) -> list[str]:
    with pytest.raises(LibraryImportError) as caught:
        parse_file(text.encode(), "model.csv")
    return [str(problem) for problem in caught.value.problems]


@pytest.mark.django_db
def test_imports_a_csv_model_with_exact_counts() -> None:
    model = library_import_file(path=FIXTURES / "tiny-model.csv")

    counted = model_list().get(pk=model.pk)
    assert (model.reference, model.name, model.format) == (
        "TINY-CSV@1.0",
        "Tiny CSV model",
        ModelFormat.CSV,
    )
    assert (
        counted.process_area_count,
        counted.goal_count,
        counted.practice_count,
        counted.generic_goal_count,
        counted.generic_practice_count,
    ) == (2, 2, 4, 1, 1)
    assert list(model.categories.values_list("name", flat=True)) == [
        "Project Management",
        "Support",
    ]
    planning = model.process_areas.get(abbreviation="PP")
    assert (planning.name, planning.category.name, planning.maturity_level) == (
        "Project Planning",
        "Project Management",
        2,
    )
    assert model.practices.get(identifier="SP 1.1.1").parent.identifier == "SP 1.1"
    assert model.practices.get(process_area=planning, identifier="SP 1.1").summary == "Scope first."


@pytest.mark.django_db
def test_a_bad_row_is_reported_with_its_line_and_column_and_nothing_is_written() -> None:
    with pytest.raises(LibraryImportError) as caught:
        library_import_file(path=FIXTURES / "bad-row.csv")

    assert [str(p) for p in caught.value.problems] == [
        "bad-row.csv:3 (field practice_title): practice_title is empty",
        "bad-row.csv:3 (field maturity_level): maturity_level must be a whole number from 0 to 5, "
        "not 'two'",
    ]
    counts = [
        table.objects.count() for table in (ProcessModel, Category, ProcessArea, Goal, Practice)
    ]
    assert counts == [0, 0, 0, 0, 0]


def test_a_missing_column_is_reported_on_the_header_line() -> None:
    assert problems_of("model_id,model_name,version\nX,Y,1\n") == [
        f"model.csv:1 (field {name}): the required column {name!r} is missing"
        for name in (
            "process_area",
            "process_area_name",
            "goal",
            "goal_title",
            "practice",
            "practice_title",
        )
    ]


def test_a_practice_given_twice_in_a_goal_is_reported() -> None:
    row = "X,Model,1,PP,Planning,SG 1,Goal,SP 1.1,Practice"
    assert problems_of(f"{HEADER}\n{row}\n{row}\n") == [
        "model.csv:3 (field practice): practice 'SP 1.1' is listed twice in goal 'SG 1'"
    ]


def test_a_parent_that_is_not_an_earlier_practice_is_reported() -> None:
    text = f"{HEADER},parent\nX,Model,1,PP,Planning,SG 1,Goal,SP 1.2,Practice,SP 9\n"
    assert problems_of(text) == [
        "model.csv:2 (field parent): parent 'SP 9' is not an earlier practice of goal 'SG 1'"
    ]


def test_a_different_version_on_a_later_row_is_reported() -> None:
    text = (
        f"{HEADER}\nX,Model,1,PP,Planning,SG 1,Goal,SP 1.1,Practice\n"
        "X,Model,2,PP,Planning,SG 1,Goal,SP 1.2,Practice\n"
    )
    assert problems_of(text) == [
        "model.csv:3 (field version): version '2' differs from '1' on the rows above"
    ]


def test_a_quoted_cell_spanning_lines_keeps_later_line_numbers_right() -> None:
    text = (
        f"{HEADER},summary\n"
        'X,Model,1,PP,Planning,SG 1,Goal,SP 1.1,Practice,"two\nlines"\n'
        "X,Model,1,PP,Planning,SG 1,Goal,SP 1.2,,\n"
    )
    assert problems_of(text) == ["model.csv:4 (field practice_title): practice_title is empty"]


def test_semicolon_separated_files_are_read_too() -> None:
    text = HEADER.replace(",", ";") + "\nX;Model;1;PP;Planning;SG 1;Goal;SP 1.1;Practice\n"

    document = parse_file(text.encode(), "model.csv")

    assert (document.reference, document.specific_practice_count()) == ("X@1", 1)
