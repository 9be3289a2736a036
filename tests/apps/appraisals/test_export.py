"""exports.appraisal_export: the exchange format out, and back in unchanged."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from tests.apps.appraisals.conftest import ISSUE_EXAMPLE, as_yaml, reqm_ml2
from tests.apps.appraisals.test_import import make_team_users, with_record
from uplift.apps.appraisals.exports import appraisal_document, appraisal_export
from uplift.apps.appraisals.models import Artifact
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


@pytest.fixture
def team_users(cmmi_dev: Any, django_user_model: Any) -> dict[str, Any]:
    return make_team_users(django_user_model)


@pytest.mark.parametrize("format", ["yaml", "json"])
def test_the_record_imports_back_unchanged(team_users: dict[str, Any], format: str) -> None:
    first = appraisal_import(data=as_yaml(with_record()), filename="first.yaml")

    text = appraisal_export(appraisal=first, format=format, evidence=True)
    second = appraisal_import(data=text.encode(), filename=f"second.{format}")

    assert appraisal_export(appraisal=second, format=format, evidence=True) == text
    for related in ("team", "artifacts", "affirmations", "evidence_links", "findings"):
        assert getattr(second, related).count() == getattr(first, related).count()
    assert (second.status, second.start_date, second.end_date) == (
        first.status,
        first.start_date,
        first.end_date,
    )


def test_the_export_writes_the_record_in_the_files_shape(team_users: dict[str, Any]) -> None:
    source = with_record()
    appraisal = appraisal_import(data=as_yaml(source), filename="r.yaml")

    document = yaml.safe_load(appraisal_export(appraisal=appraisal, evidence=True))

    assert (document["status"], document["start_date"], document["end_date"]) == (
        "rated",
        "2026-03-02",
        "2026-03-06",
    )
    assert document["team"] == source["team"]
    assert document["evidence"] == source["evidence"]
    strength, weakness = source["findings"]
    assert document["findings"] == [
        {**strength, "practices": ["REQM SP 1.2", "REQM SP 1.3"]},  # in the model's order
        weakness,
    ]


def test_evidence_is_left_out_unless_asked_for(team_users: dict[str, Any]) -> None:
    appraisal = appraisal_import(data=as_yaml(with_record()), filename="r.yaml")

    document = json.loads(appraisal_export(appraisal=appraisal, format="json"))

    assert "evidence" not in document
    assert "project managers" not in json.dumps(document)
    assert len(document["findings"]) == 2


def test_an_uploaded_file_without_a_link_does_not_travel(team_users: dict[str, Any]) -> None:
    appraisal = appraisal_import(data=as_yaml(with_record()), filename="r.yaml")
    Artifact.objects.create(appraisal=appraisal, name="Scanned minutes", file="appraisals/m.pdf")

    document = appraisal_document(appraisal, evidence=True)

    assert [a["name"] for a in document["evidence"]["artifacts"]] == [
        "Requirements baseline",
        "Change board minutes",
    ]


def test_links_that_are_not_one_block_are_exported_as_groups(team_users: dict[str, Any]) -> None:
    data = with_record()
    data["evidence"]["artifacts"][0]["supports"] = [
        {"practices": ["REQM SP 1.1"], "units": ["alpha"]},
        {"practices": ["REQM SP 1.1", "REQM SP 1.2"], "units": ["beta"]},
    ]
    appraisal = appraisal_import(data=as_yaml(data), filename="r.yaml")

    document = appraisal_document(appraisal, evidence=True)

    assert document["evidence"]["artifacts"][0]["supports"] == [
        {"practices": ["REQM SP 1.1"], "units": ["alpha", "beta"]},
        {"practices": ["REQM SP 1.2"], "units": ["beta"]},
    ]
