"""The appraisal exchange format: shape checks, model checks, and the rating they feed."""

from __future__ import annotations

import pytest

from uplift.domain.appraisal_format import (
    ModelStructure,
    parse_appraisal,
    resolve_scope,
    split_model_reference,
)
from uplift.domain.errors import InvalidDocument
from uplift.domain.ratings import AreaSpec, GoalSpec, rate_appraisal


def _area(abbr: str, level: int, practices: int) -> AreaSpec:
    sg = GoalSpec(f"{abbr} SG 1", tuple(f"{abbr} SP 1.{p}" for p in range(1, practices + 1)))
    gg2 = GoalSpec(f"{abbr} GG 2", (f"{abbr} GP 2.1",), generic_level=2)
    gg3 = GoalSpec(f"{abbr} GG 3", (f"{abbr} GP 3.1",), generic_level=3)
    return AreaSpec(abbr, level, (sg,), (gg2, gg3))


MODEL = ModelStructure(
    "CMMI-DEV",
    "1.3",
    (_area("REQM", 2, 2), _area("PP", 2, 1), _area("SAM", 2, 1), _area("OPF", 3, 1)),
    frozenset({"REQM GP 1.1", "PP GP 1.1", "SAM GP 1.1", "OPF GP 1.1"}),
)


def document(**overrides):
    data = {
        "uplift": "appraisal/1",
        "model": "CMMI-DEV@1.3",
        "representation": "staged",
        "target_maturity_level": 2,
        "not_applicable": ["SAM"],
        "basic_units": ["alpha", "beta", "gamma"],
        "characterizations": {
            "REQM SP 1.1": {"alpha": "FI", "beta": "LI", "gamma": "NY"},
            "REQM.SP1.2": {"alpha": "FI", "beta": "FI", "gamma": "FI"},
            "REQM GP 2.1": {"alpha": "FI", "beta": "FI", "gamma": "FI"},
            "PP SP 1.1": {"alpha": "FI", "beta": {"value": "PI", "weaknesses": ["no WBS"]}},
            "PP GP 2.1": {"alpha": "FI"},
        },
        "judgments": {"practices": {"PP SP 1.1": {"value": "LI", "rationale": "WBS drafted"}}},
    }
    data.update(overrides)
    return data


def messages(excinfo) -> list[str]:
    return [str(problem) for problem in excinfo.value.problems]


def test_model_references_split_into_identifier_and_pinned_version():
    assert split_model_reference("CMMI-DEV@1.3") == ("CMMI-DEV", "1.3")
    assert split_model_reference("CMMI-DEV") == ("CMMI-DEV", None)


def test_a_valid_file_rates_end_to_end():
    doc = parse_appraisal(document(), filename="a.yaml")
    inputs = resolve_scope(doc, MODEL)

    result = rate_appraisal(
        inputs.scope, inputs.characterizations, inputs.practice_judgments, inputs.goal_judgments
    )

    assert doc.version == "1.3"
    assert result.as_json()["practices"]["REQM SP 1.1"]["value"] == "LI"
    assert result.goals["REQM SG 1"].rating.value == "satisfied"
    assert result.areas["PP"].rating.value == "satisfied"
    assert result.areas["SAM"].rating.value == "not_applicable"
    assert result.maturity_level == 2
    assert "OPF" not in result.areas  # ML 3 area outside an ML 2 scope


def test_every_shape_problem_is_reported_with_its_path_at_once():
    bad = document(
        uplift="appraisal/2",
        representation="staged",
        target_maturity_level=7,
        basic_units=["alpha", "alpha"],
        colour="blue",
        characterizations={"REQM SX 1.1": {"alpha": "FI"}, "PP SP 1.1": {"alpha": "XX"}},
        judgments={"goals": {"REQM SG 1": {"value": "unsatisfied"}}},
    )

    with pytest.raises(InvalidDocument) as excinfo:
        parse_appraisal(
            bad, filename="bad.yaml", locate=lambda path: 7 if path == "$.colour" else None
        )

    found = messages(excinfo)
    assert "bad.yaml:7 at $.colour (field colour): unknown key 'colour'" in found
    assert any("$.uplift" in m and "must be 'appraisal/1'" in m for m in found)
    assert any("$.target_maturity_level" in m and "from 2 to 5" in m for m in found)
    assert any("$.basic_units[1]" in m and "'alpha' is listed twice" in m for m in found)
    assert any(
        '$.characterizations["REQM SX 1.1"]' in m and "not a practice reference" in m for m in found
    )
    assert any(
        '$.characterizations["PP SP 1.1"].alpha' in m and "'XX' is not one of" in m for m in found
    )
    assert any("needs a rationale" in m for m in found)


def test_names_the_model_does_not_have_are_located_errors():
    bad = document(
        process_areas=["REQM", "XYZ"],
        characterizations={"REQM SP 9.9": {"alpha": "FI"}, "REQM SP 1.1": {"delta": "FI"}},
        judgments={"goals": {"PP SG 4": {"value": "satisfied", "rationale": "r"}}},
    )

    with pytest.raises(InvalidDocument) as excinfo:
        resolve_scope(parse_appraisal(bad, filename="f.yaml"), MODEL, filename="f.yaml")

    assert messages(excinfo) == [
        "f.yaml at $.process_areas[1]: XYZ is not a process area of CMMI-DEV 1.3",
        'f.yaml at $.characterizations["REQM SP 9.9"]: REQM SP 9.9 is not a practice of '
        "CMMI-DEV 1.3",
        "f.yaml at $.characterizations[\"REQM SP 1.1\"].delta: 'delta' is not a basic unit or "
        "support function",
        'f.yaml at $.judgments.goals["PP SG 4"]: PP SG 4 is not a goal of CMMI-DEV 1.3',
    ]


def test_staged_scope_cannot_name_an_area_above_the_target():
    with pytest.raises(InvalidDocument, match=r"OPF is not at maturity level 2\.\.2"):
        resolve_scope(parse_appraisal(document(process_areas=["OPF"])), MODEL)


def test_characterizing_a_practice_outside_the_scope_is_a_warning_not_an_error():
    doc = document()
    doc["characterizations"]["OPF SP 1.1"] = {"alpha": "FI"}

    inputs = resolve_scope(parse_appraisal(doc), MODEL)

    assert inputs.warnings == ("OPF SP 1.1: outside the appraisal's scope; not rated",)


def test_continuous_appraisal_needs_its_process_areas_and_no_target():
    with pytest.raises(InvalidDocument) as excinfo:
        parse_appraisal(document(representation="continuous"))

    found = messages(excinfo)
    assert any("only staged appraisals have a target" in m for m in found)
    assert any("a continuous appraisal lists its process areas" in m for m in found)
