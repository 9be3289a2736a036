"""The JSON Schema of the exchange format agrees with the parser and the export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from tests.apps.appraisals.conftest import ISSUE_EXAMPLE, as_yaml, reqm_ml2
from tests.apps.appraisals.test_export import RICH
from uplift.apps.appraisals.exports import appraisal_document
from uplift.apps.appraisals.services import appraisal_import
from uplift.domain.appraisal_format import parse_appraisal
from uplift.domain.errors import InvalidDocument

SCHEMA_FILE = (
    Path(__file__).resolve().parents[3] / "src/uplift/apps/appraisals/schema/appraisal.schema.json"
)
VALIDATOR = Draft202012Validator(json.loads(SCHEMA_FILE.read_text()))


def test_the_schema_is_a_valid_json_schema() -> None:
    Draft202012Validator.check_schema(VALIDATOR.schema)


def test_the_issue_example_and_an_export_are_valid(cmmi_dev: Any) -> None:
    exported = appraisal_document(appraisal_import(data=as_yaml(RICH), filename="r.yaml"))

    assert list(VALIDATOR.iter_errors(yaml.safe_load(ISSUE_EXAMPLE))) == []
    assert list(VALIDATOR.iter_errors(exported)) == []


@pytest.mark.parametrize(
    "change",
    [
        {"colour": "blue"},
        {"uplift": "appraisal/2"},
        {"representation": "mixed"},
        {"target_maturity_level": 6},
        {"representation": "continuous", "process_areas": []},
        {"basic_units": []},
        {"basic_units": ["a", "a"]},
        {"characterizations": {"REQM SX 1.1": {"alpha": "FI"}}},
        {"characterizations": {"REQM SP 1.1": {"alpha": "XI"}}},
        {"characterizations": {"REQM SP 1.1": {"alpha": {"value": "FI", "colour": 1}}}},
        {"judgments": {"practices": {"REQM SP 1.1": {"value": "LI"}}}},
        {"judgments": {"others": {}}},
    ],
)
def test_what_the_parser_refuses_the_schema_refuses(change: dict[str, Any]) -> None:
    data = reqm_ml2(**change)

    with pytest.raises(InvalidDocument):
        parse_appraisal(data, filename="x.yaml")
    assert list(VALIDATOR.iter_errors(data)) != []


def test_a_goal_judgment_other_than_satisfied_is_refused_by_both(cmmi_dev: Any) -> None:
    data = reqm_ml2(judgments={"goals": {"REQM SG 1": {"value": "maybe", "rationale": "r"}}})

    with pytest.raises(InvalidDocument):  # the parser takes it; the rating refuses it
        appraisal_import(data=as_yaml(data), filename="x.yaml")
    assert list(VALIDATOR.iter_errors(data)) != []


def test_every_spelling_of_a_reference_the_parser_takes_the_schema_takes() -> None:
    data = reqm_ml2(
        characterizations={
            "REQM.SP1.1": {"alpha": " fi "},
            "reqm sp 1.2": {"alpha": {"value": "LI", "weaknesses": "one"}},
        }
    )

    parse_appraisal(data, filename="x.yaml")
    assert list(VALIDATOR.iter_errors(data)) == []
