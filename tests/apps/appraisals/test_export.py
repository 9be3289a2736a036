"""exports.appraisal_export: the exchange format out, and back in unchanged."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from tests.apps.appraisals.conftest import ISSUE_EXAMPLE, as_yaml, reqm_ml2
from uplift.apps.appraisals.exports import appraisal_export
from uplift.apps.appraisals.selectors import appraisal_rating
from uplift.apps.appraisals.services import appraisal_import

RICH = reqm_ml2(
    organizational_unit="Harbourline Engineering",
    basic_units=["alpha", "beta"],
    support_functions=["qa"],
    not_applicable=["SAM"],
    notes="Second SCAMPI C of the year.",
)
RICH["characterizations"]["REQM SP 1.2"] = {
    "alpha": {"value": "LI", "weaknesses": ["no sign-off"], "strengths": ["early"], "notes": "n"},
    "qa": "FI",
}
RICH["characterizations"]["REQM SP 1.3"] = {"alpha": "FI", "beta": "PI"}
RICH["judgments"] = {
    "practices": {"REQM SP 1.3": {"value": "LI", "rationale": "beta is catching up"}},
    "goals": {"REQM SG 1": {"value": "unsatisfied", "rationale": "sign-off gaps"}},
}


@pytest.mark.parametrize("format", ["yaml", "json"])
@pytest.mark.parametrize("source", [RICH, "issue example"])
def test_an_exported_appraisal_imports_back_to_the_same_file_and_rating(
    cmmi_dev: Any, format: str, source: Any
) -> None:
    data = ISSUE_EXAMPLE.encode() if source == "issue example" else as_yaml(source)
    first = appraisal_import(data=data, filename="first.yaml")

    text = appraisal_export(appraisal=first, format=format)
    second = appraisal_import(data=text.encode(), filename=f"second.{format}")

    assert appraisal_export(appraisal=second, format=format) == text
    assert appraisal_rating(second) == appraisal_rating(first)


def test_the_export_pins_the_model_version_and_keeps_cell_details(cmmi_dev: Any) -> None:
    appraisal = appraisal_import(data=as_yaml(RICH), filename="rich.yaml")

    document = yaml.safe_load(appraisal_export(appraisal=appraisal))

    assert document["model"] == "CMMI-DEV@1.3"
    assert document["process_areas"] == ["REQM"]
    assert document["not_applicable"] == ["SAM"]
    assert document["support_functions"] == ["qa"]
    assert document["characterizations"]["REQM SP 1.2"] == {
        "alpha": {
            "value": "LI",
            "weaknesses": ["no sign-off"],
            "strengths": ["early"],
            "notes": "n",
        },
        "qa": "FI",
    }
    assert document["judgments"] == RICH["judgments"]
    assert document["notes"] == "Second SCAMPI C of the year."


def test_a_staged_scope_that_is_not_narrowed_lists_no_process_areas(cmmi_dev: Any) -> None:
    data = reqm_ml2(not_applicable=["SAM"])
    data.pop("process_areas")
    appraisal = appraisal_import(data=as_yaml(data), filename="a.yaml")

    document = json.loads(appraisal_export(appraisal=appraisal, format="json"))

    assert "process_areas" not in document
    assert appraisal.areas.count() == 7
