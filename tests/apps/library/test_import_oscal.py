"""Importing OSCAL catalogs: the NIST SP 800-53 LOW baseline and broken catalogs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.paths import NIST_LOW_CATALOG
from uplift.apps.library.choices import ModelFormat
from uplift.apps.library.errors import LibraryImportError
from uplift.apps.library.importers import parse_file
from uplift.apps.library.importers.oscal import slug_identifier
from uplift.apps.library.models import Goal, Practice, ProcessArea, ProcessModel
from uplift.apps.library.selectors import model_list
from uplift.apps.library.services import library_import_file

FIXTURES = Path(__file__).parent / "fixtures"
NIST_LOW = NIST_LOW_CATALOG


@pytest.mark.django_db
def test_the_nist_low_baseline_gives_18_process_areas_and_149_practices() -> None:
    model = library_import_file(path=NIST_LOW)

    counted = model_list().get(pk=model.pk)
    assert (model.identifier, model.version, model.format) == (
        "NIST-SP-800-53-LOW",
        "5.1.1+u4",
        ModelFormat.OSCAL,
    )
    assert model.name == "NIST Special Publication 800-53 Revision 5.1.1 LOW IMPACT BASELINE"
    assert (counted.process_area_count, counted.goal_count, counted.practice_count) == (18, 18, 149)
    assert (counted.generic_goal_count, counted.generic_practice_count) == (0, 0)
    access = model.process_areas.get(abbreviation="AC")
    assert (access.name, list(access.goals.values_list("identifier", "title"))) == (
        "Access Control",
        [("ac", "Access Control")],
    )
    enhancement = model.practices.get(identifier="at-2.2")
    assert (enhancement.title, enhancement.parent.identifier) == ("Insider Threat", "at-2")


def test_a_nist_control_statement_is_flattened_with_labels_and_parameters() -> None:
    document = parse_file(NIST_LOW)

    ac2 = next(p for p in document.process_areas[0].goals[0].practices if p.identifier == "ac-2")
    lines = ac2.description.splitlines()
    assert lines[:2] == [
        "a. Define and document the types of accounts allowed and specifically prohibited for "
        "use within the system;",
        "b. Assign account managers;",
    ]
    assert lines[3:5] == ["d. Specify:", "  1. Authorized users of the system;"]
    assert (
        "c. Require [Assignment: prerequisites and criteria] for group and role membership;"
        in lines
    )
    assert any(line.startswith("Guidance: ") for line in lines)


@pytest.mark.django_db
def test_imports_a_small_catalog_with_groups_controls_and_enhancements() -> None:
    model = library_import_file(path=FIXTURES / "tiny-catalog.json", identifier="TINY-CAT")

    assert model.reference == "TINY-CAT@2.0"
    assert list(model.process_areas.values_list("abbreviation", "name")) == [
        ("AC", "Access Control"),
        ("AU", "Audit"),
    ]
    assert list(
        model.practices.order_by("order").values_list("identifier", "parent__identifier")
    ) == [
        ("ac-1", None),
        ("ac-1.1", "ac-1"),
        ("ac-2", None),
        ("au-1", None),
    ]
    assert model.practices.get(identifier="ac-1").description == (
        "Review the policy [Assignment: frequency]:\n"
        "a. after incidents; and\n"
        "b. after audits.\n"
        "\n"
        "Guidance: Policies age."
    )


@pytest.mark.django_db
def test_a_broken_catalog_gives_every_problem_at_its_json_path_and_writes_nothing() -> None:
    with pytest.raises(LibraryImportError) as caught:
        library_import_file(path=FIXTURES / "bad-catalog.json")

    assert [str(p) for p in caught.value.problems] == [
        "bad-catalog.json:7 at $.catalog.groups[0].controls[1] (field id): the control has no id",
        "bad-catalog.json:9 at $.catalog.groups[1] (field id): the group has no id",
    ]
    assert (ProcessModel.objects.count(), ProcessArea.objects.count()) == (0, 0)
    assert (Goal.objects.count(), Practice.objects.count()) == (0, 0)


def test_a_json_file_without_a_catalog_is_rejected_when_read_as_oscal() -> None:
    with pytest.raises(LibraryImportError) as caught:
        parse_file(b'{"profile": {}}', "profile.json", "oscal")

    assert [str(p) for p in caught.value.problems] == [
        "profile.json:1 at $: not an OSCAL catalog: there is no 'catalog' object"
    ]


def test_a_catalog_without_metadata_version_is_rejected() -> None:
    with pytest.raises(LibraryImportError) as caught:
        parse_file(b'{"catalog": {"metadata": {"title": "T"}, "groups": []}}', "c.json")

    assert [str(p) for p in caught.value.problems] == [
        "c.json:1 at $.catalog.metadata (field version): the catalog metadata has no version"
    ]


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        (
            "NIST Special Publication 800-53 Revision 5.1.1 LOW IMPACT BASELINE",
            "NIST-SP-800-53-LOW",
        ),
        ("FedRAMP Moderate Baseline", "FEDRAMP-MODERATE"),
        ("Tiny Control Catalog", "TINY-CONTROL-CATALOG"),
    ],
)
def test_the_model_id_is_a_slug_of_the_catalog_title(title: str, slug: str) -> None:
    assert slug_identifier(title) == slug
