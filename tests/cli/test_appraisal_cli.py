"""``uplift appraisal list|rate|import|export``: exit codes, output and the database."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from tests.apps.appraisals.conftest import CMMI_DEV, ISSUE_EXAMPLE, as_yaml, reqm_ml2
from tests.apps.appraisals.test_import import make_team_users, ml2, with_record
from uplift.apps.appraisals.models import Appraisal, Characterization
from uplift.apps.appraisals.services import appraisal_import
from uplift.apps.library.services import library_import_file
from uplift.cli.app import app

pytestmark = pytest.mark.django_db

BROKEN = """\
uplift: appraisal/1
model: CMMI-DEV@1.3
representation: staged
target_maturity_level: 2
basic_units: [alpha]
characterizations:
  REQM SP 9.9: {alpha: FI}
  REQM SP 1.1: {alpha: XI, omega: FI}
"""


@pytest.fixture
def dev() -> Any:
    """CMMI-DEV 1.3 as shipped."""
    return library_import_file(path=CMMI_DEV)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def example(tmp_path: Path, dev: Any) -> Path:
    path = tmp_path / "example.yaml"
    path.write_text(ISSUE_EXAMPLE)
    return path


def test_rate_json_prints_the_documented_shape_and_writes_nothing(
    runner: CliRunner, example: Path
) -> None:
    result = runner.invoke(app, ["appraisal", "rate", str(example), "--json"])

    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["practices"]["REQM SP 1.1"] == {
        "value": "LI",
        "needs_judgment": False,
        "candidates": ["LI"],
        "judged": False,
    }
    assert body["goals"]["REQM SG 1"] == "not_rated"
    assert body["process_areas"]["SAM"] == {"rating": "not_applicable", "capability_level": None}
    assert (body["maturity_level"], body["open_judgments"]) == (None, [])
    assert not Appraisal.objects.exists()


def test_rate_without_json_prints_a_summary(runner: CliRunner, tmp_path: Path, dev: Any) -> None:
    data = reqm_ml2()
    data["characterizations"]["REQM SP 1.3"] = {"alpha": "FI", "beta": "PI"}
    path = tmp_path / "reqm.yaml"
    path.write_bytes(as_yaml(data))

    result = runner.invoke(app, ["appraisal", "rate", str(path)])

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"{path}: CMMI-DEV@1.3, staged",
        "Maturity level: undecided (1 open judgment)",
        "Process areas:",
        "  REQM  pending",
        "Open judgments:",
        "  practice REQM SP 1.3: LI or PI",
    ]


def test_a_rejected_file_prints_every_problem_on_stderr_and_exits_1(
    runner: CliRunner, tmp_path: Path, dev: Any
) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN)

    for command in ("rate", "import"):
        result = runner.invoke(app, ["appraisal", command, str(path)])

        assert result.exit_code == 1
        assert result.stdout == ""
        assert result.stderr.splitlines() == [
            f"{path}:8 at $.characterizations[\"REQM SP 1.1\"].alpha (field value): 'XI' is not "
            "one of FI, LI, PI, NI, NY",
            f"{path}: rejected (1 problem); nothing was written",
        ]
        assert "Traceback" not in result.output
    assert not Appraisal.objects.exists()


def test_model_problems_are_reported_together(runner: CliRunner, tmp_path: Path, dev: Any) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN.replace("alpha: XI, ", "alpha: FI, "))

    result = runner.invoke(app, ["appraisal", "import", str(path)])

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f'{path}:7 at $.characterizations["REQM SP 9.9"]: REQM SP 9.9 is not a practice of '
        "CMMI-DEV 1.3",
        f"{path}:8 at $.characterizations[\"REQM SP 1.1\"].omega: 'omega' is not a basic unit "
        "or support function",
        f"{path}: rejected (2 problems); nothing was written",
    ]
    assert not Characterization.objects.exists()


def test_import_stores_the_appraisal_and_prints_its_id_and_rating(
    runner: CliRunner, example: Path
) -> None:
    result = runner.invoke(app, ["appraisal", "import", str(example)])

    appraisal = Appraisal.objects.get()
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:5] == [
        f"Imported appraisal {appraisal.pk}: example (CMMI-DEV@1.3, staged).",
        "Maturity level: not reached",
        "Process areas:",
        "  PP    not_rated",
        "  REQM  not_rated",
    ]
    assert appraisal.characterizations.count() == 6


def test_export_prints_the_file_that_imports_back(
    runner: CliRunner, example: Path, tmp_path: Path
) -> None:
    runner.invoke(app, ["appraisal", "import", str(example)])
    appraisal = Appraisal.objects.get()

    result = runner.invoke(app, ["appraisal", "export", str(appraisal.pk), "--format", "json"])
    out = tmp_path / "out.yaml"
    written = runner.invoke(app, ["appraisal", "export", str(appraisal.pk), "-o", str(out)])

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["characterizations"]["REQM SP 1.1"] == {
        "alpha": "FI",
        "beta": "LI",
        "gamma": "NY",
    }
    assert written.exit_code == 0
    assert yaml.safe_load(out.read_text()) == json.loads(result.stdout)


def test_export_of_an_unknown_id_or_format_fails_cleanly(runner: CliRunner, dev: Any) -> None:
    missing = runner.invoke(app, ["appraisal", "export", "999"])
    bad_format = runner.invoke(app, ["appraisal", "export", "1", "--format", "xml"])

    assert (missing.exit_code, missing.stderr) == (1, "there is no appraisal 999\n")
    assert (bad_format.exit_code, bad_format.stderr) == (
        1,
        "unknown format 'xml'; use one of yaml, json\n",
    )


def test_list_shows_every_appraisal_with_its_stored_maturity_level(
    runner: CliRunner, dev: Any
) -> None:
    empty = runner.invoke(app, ["appraisal", "list"])
    first = appraisal_import(data=ISSUE_EXAMPLE.encode(), filename="example.yaml")
    second = appraisal_import(data=ml2(dev), filename="ml2.yaml")

    table = runner.invoke(app, ["appraisal", "list"])
    listed = runner.invoke(app, ["appraisal", "list", "--json"])

    assert (empty.exit_code, empty.stdout) == (
        0,
        "No appraisals yet; import one with 'uplift appraisal import FILE'.\n",
    )
    assert table.exit_code == 0, table.output
    assert [re.split(r"\s{2,}", line) for line in table.stdout.splitlines()] == [
        ["ID", "NAME", "MODEL", "STATUS", "ML"],
        [str(first.pk), "example", "CMMI-DEV@1.3", "in_progress", "-"],
        [str(second.pk), "REQM check", "CMMI-DEV@1.3", "in_progress", "2"],
    ]
    rows = json.loads(listed.stdout)
    assert [(r["id"], r["class"], r["representation"], r["maturity_level"]) for r in rows] == [
        (first.pk, "", "staged", None),
        (second.pk, "C", "staged", 2),
    ]
    assert rows[1]["rated_at"] is not None


def test_export_carries_the_team_evidence_and_findings(
    runner: CliRunner, dev: Any, django_user_model: Any
) -> None:
    make_team_users(django_user_model)
    appraisal = appraisal_import(data=as_yaml(with_record()), filename="r.yaml")

    result = runner.invoke(app, ["appraisal", "export", str(appraisal.pk)])

    assert result.exit_code == 0, result.output
    document = yaml.safe_load(result.stdout)
    assert [m["username"] for m in document["team"]] == ["lead", "member"]
    assert [a["name"] for a in document["evidence"]["artifacts"]] == [
        "Requirements baseline",
        "Change board minutes",
    ]
    assert document["evidence"]["affirmations"][0]["role_group"] == "project managers"
    assert [f["kind"] for f in document["findings"]] == ["strength", "weakness"]
