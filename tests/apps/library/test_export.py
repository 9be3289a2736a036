"""Exports: YAML and JSON round-trip to the same model; CSV keeps the practice tree."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from tests.paths import NIST_LOW_CATALOG
from uplift.apps.library.exports import model_export
from uplift.apps.library.models import ProcessModel
from uplift.apps.library.selectors import model_list
from uplift.apps.library.services import library_import_file

FIXTURES = Path(__file__).parent / "fixtures"
NIST_LOW = NIST_LOW_CATALOG


def snapshot(model: ProcessModel) -> dict[str, Any]:
    """Everything an export must carry, keyed by identifiers rather than primary keys."""
    counted = model_list().get(pk=model.pk)
    return {
        "model": (model.identifier, model.version, model.name, model.description, model.source),
        "counts": (
            counted.process_area_count,
            counted.goal_count,
            counted.practice_count,
            counted.generic_goal_count,
            counted.generic_practice_count,
        ),
        "categories": list(model.categories.values_list("name", "order")),
        "levels": list(model.levels.values_list("kind", "number", "name")),
        "areas": list(
            model.process_areas.order_by("order").values_list(
                "abbreviation", "name", "category__name", "maturity_level", "optional", "purpose"
            )
        ),
        "goals": list(
            model.goals.order_by("order").values_list(
                "process_area__abbreviation", "kind", "identifier", "title", "capability_level"
            )
        ),
        "practices": list(
            model.practices.order_by("order").values_list(
                "goal__identifier",
                "parent__identifier",
                "identifier",
                "title",
                "description",
                "example_work_products",
                "subpractices",
                "references",
            )
        ),
        "variants": [
            (v.identifier, v.name, [a.abbreviation for a in v.process_areas.all()])
            for v in model.variants.all()
        ],
        "outcomes": list(model.outcomes.values_list("identifier", "title")),
        "mappings": [
            (
                m.identifier,
                m.target_model.reference,
                [
                    (
                        e.source_area.abbreviation,
                        sorted(a.abbreviation for a in e.target_areas.all()),
                    )
                    for e in m.entries.order_by("order")
                ],
            )
            for m in model.mappings.all()
        ],
    }


@pytest.mark.django_db
@pytest.mark.parametrize("export_format", ["yaml", "json"])
def test_an_exported_model_imports_as_the_same_model(export_format: str) -> None:
    original = library_import_file(path=FIXTURES / "tiny-model.yaml")
    before = snapshot(original)
    text = model_export(model=original, format=export_format)
    original.delete()

    copy = library_import_file(data=text.encode(), filename=f"tiny.{export_format}")

    assert snapshot(copy) == before


@pytest.mark.django_db
def test_an_exported_mapping_keeps_its_pinned_target() -> None:
    library_import_file(path=FIXTURES / "tiny-model.yaml")
    original = library_import_file(path=FIXTURES / "tiny-mapping.yaml")
    before = snapshot(original)
    text = model_export(model=original, format="yaml")
    original.delete()

    copy = library_import_file(data=text.encode(), filename="itsm.yaml")

    assert "target_model: TINY@1.0" in text
    assert snapshot(copy) == before


@pytest.mark.django_db
def test_the_nist_catalog_round_trips_through_yaml() -> None:
    original = library_import_file(path=NIST_LOW)
    before = snapshot(original)
    text = model_export(model=original, format="yaml")
    original.delete()

    copy = library_import_file(data=text.encode(), filename="nist.yaml")

    assert snapshot(copy)["practices"] == before["practices"]
    assert snapshot(copy)["counts"] == (18, 18, 149, 0, 0)


@pytest.mark.django_db
def test_the_csv_export_has_one_row_per_practice_with_its_parent() -> None:
    model = library_import_file(path=FIXTURES / "tiny-model.yaml")

    rows = list(csv.DictReader(io.StringIO(model_export(model=model, format="csv"))))

    assert len(rows) == 8
    assert [(r["process_area"], r["goal"], r["practice"], r["parent"]) for r in rows[3:5]] == [
        ("CM", "SG 1", "SP 1.1", ""),
        ("CM", "SG 1", "SP 1.1.1", "SP 1.1"),
    ]
    assert (rows[-1]["process_area"], rows[-1]["goal"], rows[-1]["capability_level"]) == (
        "",
        "GG 2",
        "2",
    )


@pytest.mark.django_db
def test_a_csv_export_imports_with_the_same_areas_goals_and_practices() -> None:
    original = library_import_file(path=FIXTURES / "tiny-model.yaml")
    before = snapshot(original)
    text = model_export(model=original, format="csv")
    original.delete()

    copy = snapshot(library_import_file(data=text.encode(), filename="tiny.csv"))

    assert copy["counts"] == before["counts"]
    assert copy["areas"] == before["areas"]
    assert copy["goals"] == before["goals"]
    assert [p[:4] for p in copy["practices"]] == [p[:4] for p in before["practices"]]


@pytest.mark.django_db
def test_an_unknown_export_format_is_refused() -> None:
    model = library_import_file(path=FIXTURES / "tiny-model.json")

    with pytest.raises(ValueError, match="unknown export format 'xml'"):
        model_export(model=model, format="xml")
