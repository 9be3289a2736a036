"""The model library files shipped in data/library are valid and complete.

Pure file checks: no database, no Django models.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

REPO_DIR = Path(__file__).resolve().parents[3]
LIBRARY_DIR = REPO_DIR / "data" / "library"
SCHEMA_PATH = REPO_DIR / "src" / "uplift" / "apps" / "library" / "schema" / "model.schema.json"

SHIPPED_FILES = sorted(LIBRARY_DIR.glob("*.yaml"))
CMMI_V13_FILES = ["cmmi-dev-1.3.yaml", "cmmi-acq-1.3.yaml", "cmmi-svc-1.3.yaml"]


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((LIBRARY_DIR / name).read_text(encoding="utf-8"))
    return data


def iter_practices(practices: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for practice in practices:
        yield practice
        yield from iter_practices(practice.get("practices", []))


def specific_goals(model: dict[str, Any]) -> list[dict[str, Any]]:
    return [goal for pa in model["process_areas"] for goal in pa.get("goals", [])]


def specific_practices(model: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        practice
        for goal in specific_goals(model)
        for practice in iter_practices(goal.get("practices", []))
    ]


def process_area(model: dict[str, Any], abbreviation: str) -> dict[str, Any]:
    matches: list[dict[str, Any]] = [
        pa for pa in model["process_areas"] if pa["abbreviation"] == abbreviation
    ]
    (pa,) = matches
    return pa


def practice(model: dict[str, Any], abbreviation: str, practice_id: str) -> dict[str, Any]:
    pa = process_area(model, abbreviation)
    (found,) = [
        p
        for goal in pa["goals"]
        for p in iter_practices(goal["practices"])
        if p["id"] == practice_id
    ]
    return found


def abbreviations(model: dict[str, Any]) -> set[str]:
    return {pa["abbreviation"] for pa in model["process_areas"]}


def models_by_ref() -> dict[str, dict[str, Any]]:
    """Every shipped model, reachable as ``ID`` and as ``ID@version``."""
    refs: dict[str, dict[str, Any]] = {}
    for path in SHIPPED_FILES:
        model = load(path.name)
        refs[model["id"]] = model
        refs[f"{model['id']}@{model['version']}"] = model
    return refs


def test_library_ships_the_expected_files() -> None:
    assert {path.name for path in SHIPPED_FILES} == {
        "bs15000-itsm.yaml",
        "cmmi-acq-1.3.yaml",
        "cmmi-dev-1.3.yaml",
        "cmmi-svc-1.3.yaml",
        "cmmi-svc-overview-2007.yaml",
        "mof-4.0-plan.yaml",
    }


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=lambda path: path.name)
def test_every_shipped_file_validates_against_the_model_schema(path: Path) -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)

    errors = [error.message for error in validator.iter_errors(load(path.name))]

    assert errors == []


def test_model_ids_and_versions_are_unique_across_files() -> None:
    refs = [(load(p.name)["id"], load(p.name)["version"]) for p in SHIPPED_FILES]

    assert len(refs) == len(set(refs))


@pytest.mark.parametrize(
    ("name", "process_areas", "goals", "practices"),
    [
        ("cmmi-dev-1.3.yaml", 22, 49, 167),
        ("cmmi-acq-1.3.yaml", 22, 47, 163),
        ("cmmi-svc-1.3.yaml", 24, 53, 181),
    ],
)
def test_cmmi_v13_files_have_the_exact_numbers_of_process_areas_goals_and_practices(
    name: str, process_areas: int, goals: int, practices: int
) -> None:
    model = load(name)

    assert len(model["process_areas"]) == process_areas
    assert len(specific_goals(model)) == goals
    assert len(specific_practices(model)) == practices


def test_cmmi_dev_has_22_process_areas() -> None:
    assert len(load("cmmi-dev-1.3.yaml")["process_areas"]) == 22


@pytest.mark.parametrize("name", CMMI_V13_FILES)
def test_cmmi_v13_files_have_generic_goals_one_to_three_with_their_thirteen_practices(
    name: str,
) -> None:
    generic_goals = load(name)["generic_goals"]

    assert [goal["id"] for goal in generic_goals] == ["GG 1", "GG 2", "GG 3"]
    assert [len(goal["practices"]) for goal in generic_goals] == [1, 10, 2]


@pytest.mark.parametrize("name", CMMI_V13_FILES)
def test_cmmi_v13_files_have_five_maturity_levels_and_four_capability_levels(
    name: str,
) -> None:
    model = load(name)

    assert [level["level"] for level in model["maturity_levels"]] == [1, 2, 3, 4, 5]
    assert [level["level"] for level in model["capability_levels"]] == [0, 1, 2, 3]


def test_only_service_system_development_is_optional_in_cmmi_svc() -> None:
    model = load("cmmi-svc-1.3.yaml")

    assert {pa["abbreviation"] for pa in model["process_areas"] if pa.get("optional")} == {"SSD"}


@pytest.mark.parametrize("name", CMMI_V13_FILES)
@pytest.mark.parametrize(
    ("abbreviation", "practice_id", "subpractices", "references"),
    [
        ("OPM", "SP 3.1", 7, ["OPF"]),
        ("OPM", "SP 3.2", 8, ["CAR", "OPF", "OT"]),
        ("OPF", "SP 2.1", 5, ["OPM"]),
    ],
)
def test_enriched_practices_keep_the_seed_number_of_subpractices_and_their_references(
    name: str, abbreviation: str, practice_id: str, subpractices: int, references: list[str]
) -> None:
    model = load(name)
    enriched = practice(model, abbreviation, practice_id)

    assert len(enriched["subpractices"]) == subpractices
    assert enriched["summary"]
    assert enriched["example_work_products"]
    assert enriched["references"] == references
    assert set(references) <= abbreviations(model)


def test_opm_sp_3_1_keeps_the_seed_example_list_of_value_measures() -> None:
    sp31 = practice(load("cmmi-dev-1.3.yaml"), "OPM", "SP 3.1")

    assert len(sp31["subpractices"][3]["examples"]) == 4
    assert "Time to recover the cost of the improvement" in sp31["subpractices"][3]["examples"]


def test_opf_sp_2_1_lists_nine_topics_of_a_process_action_plan() -> None:
    sp21 = practice(load("cmmi-svc-1.3.yaml"), "OPF", "SP 2.1")

    assert len(sp21["subpractices"][2]["examples"]) == 9


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=lambda path: path.name)
def test_every_category_named_by_a_process_area_exists_in_the_file(path: Path) -> None:
    model = load(path.name)
    categories = {category["name"] for category in model.get("categories", [])}

    used = {pa["category"] for pa in model["process_areas"] if "category" in pa}

    assert used <= categories


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=lambda path: path.name)
def test_process_area_abbreviations_are_unique_within_a_file(path: Path) -> None:
    names = [pa["abbreviation"] for pa in load(path.name)["process_areas"]]

    assert len(names) == len(set(names))


def test_svc_overview_has_eight_variants_built_from_the_optional_process_areas() -> None:
    model = load("cmmi-svc-overview-2007.yaml")
    optional = {pa["abbreviation"] for pa in model["process_areas"] if pa.get("optional")}

    variants = model["variants"]

    assert len(variants) == 8
    assert variants[0]["id"] == "CMMI-SVC"
    assert variants[0]["process_areas"] == []
    for variant in variants:
        assert variant["id"] == "+".join(["CMMI-SVC", *variant["process_areas"]])
        assert set(variant["process_areas"]) <= optional
    assert len({frozenset(v["process_areas"]) for v in variants}) == 8


def test_svc_overview_marks_osm_scon_and_ssd_optional() -> None:
    model = load("cmmi-svc-overview-2007.yaml")

    optional = {pa["abbreviation"] for pa in model["process_areas"] if pa.get("optional")}

    assert optional == {"OSM", "SCON", "SSD"}


def test_svc_overview_lists_the_seed_goals_and_practices() -> None:
    model = load("cmmi-svc-overview-2007.yaml")

    with_goals = {pa["abbreviation"] for pa in model["process_areas"] if pa.get("goals")}

    assert with_goals == {"REQM", "IRM", "CAM", "SD", "ST", "PRM", "OSM", "SSD", "SCON"}
    assert len(specific_goals(model)) == 20
    assert len(specific_practices(model)) == 68
    assert [g["title"] for g in process_area(model, "REQM")["goals"]] == [
        "Manage Requirements",
        "Establish Service Requirements Agreements",
    ]


def test_svc_overview_has_generic_goals_one_to_five_with_the_seed_titles() -> None:
    model = load("cmmi-svc-overview-2007.yaml")
    titles = {p["id"]: p["title"] for g in model["generic_goals"] for p in g["practices"]}

    assert [g["id"] for g in model["generic_goals"]] == ["GG 1", "GG 2", "GG 3", "GG 4", "GG 5"]
    assert titles["GP 1.1"] == "Perform Base Practices"
    assert titles["GP 2.6"] == "Manage Configurations"
    assert titles["GP 3.2"] == "Collect Improvement Information"
    assert [level["level"] for level in model["capability_levels"]] == [0, 1, 2, 3, 4, 5]


def test_mof_plan_has_four_smfs_and_five_outcomes() -> None:
    model = load("mof-4.0-plan.yaml")

    assert [pa["abbreviation"] for pa in model["process_areas"]] == ["BITA", "REL", "POL", "FIN"]
    assert [outcome["id"] for outcome in model["outcomes"]] == ["O1", "O2", "O3", "O4", "O5"]


def test_mof_plan_models_each_smf_as_one_goal_of_processes() -> None:
    model = load("mof-4.0-plan.yaml")

    processes = {
        pa["abbreviation"]: [p["title"] for p in pa["goals"][0]["practices"]]
        for pa in model["process_areas"]
    }

    assert all(len(pa["goals"]) == 1 for pa in model["process_areas"])
    assert processes["BITA"] == [
        "Business Relationship Management",
        "Portfolio Management",
        "Demand Management",
        "Service Level Management",
    ]
    assert processes["REL"] == [
        "Availability Management",
        "Capacity Management",
        "Service Continuity Management",
    ]


def test_bs15000_has_thirteen_processes_in_five_groups() -> None:
    model = load("bs15000-itsm.yaml")

    assert len(model["process_areas"]) == 13
    assert len(model["categories"]) == 5


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=lambda path: path.name)
def test_mapping_sources_and_targets_exist_in_their_models(path: Path) -> None:
    model = load(path.name)
    refs = models_by_ref()

    for mapping in model.get("mappings", []):
        target = refs[mapping["target_model"]]
        for entry in mapping["entries"]:
            assert entry["from"] in abbreviations(model)
            assert set(entry["to"]) <= abbreviations(target)


def test_bs15000_mapping_covers_every_process_and_leaves_security_and_budgeting_empty() -> None:
    model = load("bs15000-itsm.yaml")
    (mapping,) = model["mappings"]

    targets = {entry["from"]: entry["to"] for entry in mapping["entries"]}

    assert mapping["target_model"] == "CMMI-SVC-OVERVIEW@2007-draft"
    assert set(targets) == abbreviations(model)
    assert targets["ISM"] == []
    assert targets["BAIT"] == []
    assert targets["CHGM"] == ["ST", "CM"]
