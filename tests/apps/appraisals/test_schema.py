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
from tests.apps.appraisals.test_import import make_team_users, with_record
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


@pytest.fixture
def team_users(cmmi_dev: Any, django_user_model: Any) -> dict[str, Any]:
    return make_team_users(django_user_model)


def test_a_file_with_a_record_and_its_export_are_valid(team_users: dict[str, Any]) -> None:
    appraisal = appraisal_import(data=as_yaml(with_record()), filename="r.yaml")

    assert list(VALIDATOR.iter_errors(with_record())) == []
    assert list(VALIDATOR.iter_errors(appraisal_document(appraisal, evidence=True))) == []


ARTIFACT = {"name": "Plan", "link": "https://intranet.example/plan"}
AFFIRMATION = {"kind": "interview", "date": "2026-03-03", "session": "1", "role_group": "PMs"}
FINDING = {"kind": "weakness", "process_area": "REQM", "text": "t"}


@pytest.mark.parametrize(
    "change",
    [
        {"status": "done"},
        {"start_date": "3 March"},
        {"team": [{"username": "lead", "role": "boss"}]},
        {"team": [{"role": "observer"}]},
        {"evidence": {"artifacts": [{"name": "Plan"}]}},
        {"evidence": {"artifacts": [{**ARTIFACT, "link": "file:///plan.pdf"}]}},
        {"evidence": {"artifacts": [{**ARTIFACT, "file": "plan.pdf"}]}},
        {"evidence": {"artifacts": [{**ARTIFACT, "supports": {"practices": ["REQM SP 1.1"]}}]}},
        {
            "evidence": {
                "artifacts": [{**ARTIFACT, "supports": {"practices": ["x"], "units": ["a"]}}]
            }
        },
        {"evidence": {"affirmations": [{**AFFIRMATION, "kind": "chat"}]}},
        {"evidence": {"affirmations": [{**AFFIRMATION, "role_group": " "}]}},
        {"evidence": {"affirmations": [{**AFFIRMATION, "person": "Ada"}]}},
        {"evidence": {"links": []}},
        {"findings": [{**FINDING, "kind": "opportunity"}]},
        {"findings": [{**FINDING, "goal": "REQM 1"}]},
        {"findings": [{**FINDING, "text": ""}]},
    ],
)
def test_what_the_parser_refuses_in_the_record_the_schema_refuses(change: dict[str, Any]) -> None:
    data = reqm_ml2(**change)

    with pytest.raises(InvalidDocument):
        parse_appraisal(data, filename="x.yaml")
    assert list(VALIDATOR.iter_errors(data)) != []


def test_the_documented_example_is_valid() -> None:
    text = (SCHEMA_FILE.parents[5] / "docs" / "appraisal-format.md").read_text()
    example = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    data = yaml.safe_load(example)

    document = parse_appraisal(data, filename="example.yaml")
    as_json = json.loads(json.dumps(data, default=str))  # YAML dates are ISO texts in JSON

    assert list(VALIDATOR.iter_errors(as_json)) == []
    assert (len(document.team), len(document.artifacts), len(document.findings)) == (3, 1, 2)
