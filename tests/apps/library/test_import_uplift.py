"""Importing our own format (YAML and JSON): counts, located problems, versions."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User

from uplift.apps.library.choices import GoalKind, LevelKind
from uplift.apps.library.errors import LibraryImportError
from uplift.apps.library.importers import parse_file
from uplift.apps.library.models import (
    Category,
    Goal,
    Level,
    Mapping,
    MappingEntry,
    Outcome,
    Practice,
    ProcessArea,
    ProcessModel,
    Variant,
)
from uplift.apps.library.selectors import model_list
from uplift.apps.library.services import library_import, library_import_file, version_key

FIXTURES = Path(__file__).parent / "fixtures"
LIBRARY_TABLES = (
    ProcessModel,
    Category,
    Level,
    ProcessArea,
    Goal,
    Practice,
    Variant,
    Outcome,
    Mapping,
    MappingEntry,
)


def problems_of(name: str) -> list[str]:
    with pytest.raises(LibraryImportError) as caught:
        library_import_file(path=FIXTURES / name, filename=name)
    return [str(problem) for problem in caught.value.problems]


def assert_library_is_empty() -> None:
    assert {table.__name__: table.objects.count() for table in LIBRARY_TABLES} == {
        table.__name__: 0 for table in LIBRARY_TABLES
    }


@pytest.mark.django_db
def test_imports_every_part_of_a_yaml_model_with_exact_counts() -> None:
    model = library_import_file(path=FIXTURES / "tiny-model.yaml")

    counted = model_list().get(pk=model.pk)
    assert (model.identifier, model.version, model.name, model.is_latest) == (
        "TINY",
        "1.0",
        "Tiny process model",
        True,
    )
    assert (
        counted.process_area_count,
        counted.goal_count,
        counted.practice_count,
        counted.generic_goal_count,
        counted.generic_practice_count,
    ) == (3, 4, 6, 1, 2)
    assert list(model.categories.values_list("name", flat=True)) == [
        "Project Management",
        "Support",
    ]
    assert list(model.levels.values_list("kind", "number", "name")) == [
        (LevelKind.CAPABILITY, 1, "Performed"),
        (LevelKind.MATURITY, 2, "Managed"),
        (LevelKind.MATURITY, 3, "Defined"),
    ]
    scon = model.process_areas.get(abbreviation="SCON")
    assert (scon.category.name, scon.maturity_level, scon.optional) == ("Support", 3, True)
    variant = model.variants.get()
    assert list(variant.process_areas.values_list("abbreviation", flat=True)) == ["SCON"]
    assert list(model.outcomes.values_list("identifier", "title")) == [
        ("O1", "Plans are realistic")
    ]
    nested = model.practices.get(identifier="SP 1.1.1")
    assert (nested.parent.identifier, nested.process_area.abbreviation) == ("SP 1.1", "CM")
    generic = model.goals.get(kind=GoalKind.GENERIC)
    assert (generic.identifier, generic.capability_level, generic.process_area) == ("GG 2", 2, None)
    practice = model.practices.get(process_area__abbreviation="PP", identifier="SP 1.1")
    assert practice.example_work_products == ["Task descriptions", "WBS"]
    assert practice.subpractices == [
        {"text": "Develop a WBS.", "notes": "", "examples": ["Work packages"]}
    ]


@pytest.mark.django_db
def test_keeps_the_document_order_of_practices() -> None:
    model = library_import_file(path=FIXTURES / "tiny-model.yaml")

    assert list(model.practices.order_by("order").values_list("identifier", flat=True)) == [
        "SP 1.1",
        "SP 1.2",
        "SP 2.1",
        "SP 1.1",
        "SP 1.1.1",
        "SP 1.1",
        "GP 2.1",
        "GP 2.2",
    ]


@pytest.mark.django_db
def test_imports_a_json_model() -> None:
    model = library_import_file(path=FIXTURES / "tiny-model.json")

    assert (model.reference, model.process_areas.count(), model.practices.count()) == (
        "TINY-JSON@1.0",
        1,
        1,
    )


@pytest.mark.django_db
def test_imports_a_mapping_to_a_model_already_in_the_library() -> None:
    tiny = library_import_file(path=FIXTURES / "tiny-model.yaml")

    itsm = library_import_file(path=FIXTURES / "tiny-mapping.yaml")

    mapping = itsm.mappings.get()
    assert (mapping.identifier, mapping.target_model) == ("to-tiny", tiny)
    entries = [
        (e.source_area.abbreviation, [a.abbreviation for a in e.target_areas.all()], e.note)
        for e in mapping.entries.order_by("order")
    ]
    assert entries == [("CFG", ["CM"], ""), ("CAP", [], "Not covered.")]


@pytest.mark.django_db
def test_rejects_a_mapping_whose_target_model_is_not_in_the_library() -> None:
    assert problems_of("tiny-mapping.yaml") == [
        "tiny-mapping.yaml:13 at $.mappings[0].target_model: the target model 'TINY@1.0' is "
        "not in the library; import it first"
    ]
    assert_library_is_empty()


@pytest.mark.django_db
def test_rejects_a_mapping_to_an_area_the_target_model_lacks() -> None:
    library_import_file(path=FIXTURES / "tiny-model.yaml")
    text = (FIXTURES / "tiny-mapping.yaml").read_text().replace("to: [CM]", "to: [CM, XYZ]")

    with pytest.raises(LibraryImportError) as caught:
        library_import_file(data=text.encode(), filename="mapping.yaml")

    assert [str(p) for p in caught.value.problems] == [
        "mapping.yaml:16 at $.mappings[0].entries[0].to: process area 'XYZ' is not in TINY@1.0"
    ]
    assert ProcessModel.objects.filter(identifier="TINY-ITSM").count() == 0


@pytest.mark.django_db
def test_reports_a_yaml_syntax_error_at_the_parsers_line() -> None:
    assert problems_of("bad-syntax.yaml") == [
        "bad-syntax.yaml:8: invalid YAML: while parsing a flow sequence; did not find expected "
        "',' or ']' (it starts on line 7)"
    ]
    assert_library_is_empty()


@pytest.mark.django_db
def test_reports_every_schema_violation_with_its_line_and_path() -> None:
    assert problems_of("schema-violation.yaml") == [
        "schema-violation.yaml:4 at $.version: 1.3 is not of type 'string'; quote it: '1.3'",
        "schema-violation.yaml:9 at $.process_areas[0].goals[0]: 'title' is a required property",
        "schema-violation.yaml:13 at $.process_areas[0].goals[0].practices[0].colour: "
        "unknown field 'colour'",
    ]
    assert_library_is_empty()


@pytest.mark.django_db
def test_reports_a_json_schema_violation_with_its_path_and_line() -> None:
    assert problems_of("schema-violation.json") == [
        "schema-violation.json:8 at $.process_areas[1]: 'name' is a required property"
    ]
    assert_library_is_empty()


@pytest.mark.django_db
def test_reports_a_json_syntax_error_at_its_line() -> None:
    with pytest.raises(LibraryImportError) as caught:
        library_import_file(data=b'{\n  "uplift": "model/1",\n  "id": \n}', filename="x.json")

    assert [str(p) for p in caught.value.problems] == ["x.json:4: invalid JSON: Expecting value"]
    assert_library_is_empty()


@pytest.mark.django_db
def test_reports_duplicate_practice_ids_and_process_areas() -> None:
    assert problems_of("duplicate-id.yaml") == [
        "duplicate-id.yaml:14 at $.process_areas[0].goals[0].practices[1].id: "
        "practice 'SP 1.1' is listed twice in this goal",
        "duplicate-id.yaml:16 at $.process_areas[1].abbreviation: "
        "process area 'PP' is listed twice",
    ]
    assert_library_is_empty()


@pytest.mark.django_db
def test_reports_an_unknown_category_and_an_unknown_variant_area() -> None:
    assert problems_of("unknown-category.yaml") == [
        "unknown-category.yaml:10 at $.process_areas[0].category: category 'Project Management' "
        "is not one of the model's categories ('Support')",
        "unknown-category.yaml:13 at $.variants[0].process_areas[0]: "
        "process area 'XX' is not in this model",
    ]
    assert_library_is_empty()


def test_reports_a_key_given_twice_in_one_mapping() -> None:
    text = b'uplift: model/1\nid: X\nname: X\nversion: "1"\nname: Y\nprocess_areas: []\n'

    with pytest.raises(LibraryImportError) as caught:
        parse_file(text, "twice.yaml")

    assert [str(p) for p in caught.value.problems] == [
        "twice.yaml:5: key 'name' is given twice in the same mapping"
    ]


@pytest.mark.django_db
def test_refuses_to_import_a_version_that_is_already_loaded() -> None:
    first = library_import_file(path=FIXTURES / "tiny-model.yaml")

    assert problems_of("tiny-model.yaml") == [
        "tiny-model.yaml: TINY 1.0 is already in the library; import it with --replace "
        "(replace=True) to overwrite it, or give it another version"
    ]
    assert list(ProcessModel.objects.values_list("pk", flat=True)) == [first.pk]
    assert Practice.objects.count() == 8


@pytest.mark.django_db
def test_replace_overwrites_the_version_in_place() -> None:
    library_import_file(path=FIXTURES / "tiny-model.yaml")
    text = (FIXTURES / "tiny-model.yaml").read_text().replace("Tiny process model", "Renamed")

    model = library_import_file(data=text.encode(), filename="tiny.yaml", replace=True)

    assert list(ProcessModel.objects.values_list("name", flat=True)) == ["Renamed"]
    assert (model.is_latest, Practice.objects.count()) == (True, 8)


@pytest.mark.django_db
def test_a_newer_version_keeps_the_older_one_and_becomes_latest() -> None:
    older = library_import_file(path=FIXTURES / "tiny-model.yaml")
    text = (FIXTURES / "tiny-model.yaml").read_text().replace('version: "1.0"', 'version: "1.10"')

    newer = library_import_file(data=text.encode(), filename="tiny-1.10.yaml")

    older.refresh_from_db()
    assert (older.is_latest, newer.is_latest) == (False, True)
    assert ProcessModel.objects.filter(identifier="TINY").count() == 2
    assert Practice.objects.count() == 16


@pytest.mark.django_db
def test_an_older_version_imported_later_does_not_become_latest() -> None:
    text = (FIXTURES / "tiny-model.yaml").read_text()
    newer = library_import_file(
        data=text.replace('version: "1.0"', 'version: "2.0"').encode(), filename="tiny.yaml"
    )

    older = library_import_file(data=text.encode(), filename="tiny.yaml")

    newer.refresh_from_db()
    assert (older.is_latest, newer.is_latest) == (False, True)


def test_version_labels_sort_naturally() -> None:
    assert sorted(["1.10", "1.2", "1.9", "0.9"], key=version_key) == ["0.9", "1.2", "1.9", "1.10"]


@pytest.mark.django_db
def test_the_identifier_option_replaces_the_files_id() -> None:
    document = parse_file(FIXTURES / "tiny-model.yaml", identifier="OTHER")

    model = library_import(document=document)

    assert model.reference == "OTHER@1.0"


@pytest.mark.django_db
def test_records_who_imported_the_model(django_user_model: type[User]) -> None:
    user = django_user_model.objects.create(username="importer")

    model = library_import_file(path=FIXTURES / "tiny-model.json", user=user)

    assert model.imported_by == user
