"""``uplift library list|import|export``: exit codes, output and the database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.paths import NIST_LOW_CATALOG
from uplift.apps.library.models import Practice, ProcessArea, ProcessModel
from uplift.cli.app import app

FIXTURES = Path(__file__).resolve().parents[1] / "apps" / "library" / "fixtures"
NIST_LOW = NIST_LOW_CATALOG

pytestmark = pytest.mark.django_db


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_import_prints_the_counts_and_writes_the_model(runner: CliRunner) -> None:
    result = runner.invoke(app, ["library", "import", str(FIXTURES / "tiny-model.yaml")])

    assert (result.exit_code, result.stdout) == (
        0,
        "Imported TINY 1.0: 3 process areas, 6 practices.\n",
    )
    assert ProcessModel.objects.get().reference == "TINY@1.0"


def test_import_of_an_oscal_catalog_takes_the_id_option(runner: CliRunner) -> None:
    result = runner.invoke(
        app, ["library", "import", str(NIST_LOW), "--format", "oscal", "--id", "NIST-LOW"]
    )

    assert (result.exit_code, result.stdout) == (
        0,
        "Imported NIST-LOW 5.1.1+u4: 18 process areas, 149 practices.\n",
    )


def test_a_rejected_file_prints_every_problem_on_stderr_and_exits_1(runner: CliRunner) -> None:
    path = FIXTURES / "schema-violation.yaml"

    result = runner.invoke(app, ["library", "import", str(path)])

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{path}:4 at $.version: 1.3 is not of type 'string'; quote it: '1.3'",
        f"{path}:9 at $.process_areas[0].goals[0]: 'title' is a required property",
        f"{path}:13 at $.process_areas[0].goals[0].practices[0].colour: unknown field 'colour'",
        f"{path}: rejected (3 problems); nothing was written",
    ]
    assert "Traceback" not in result.output
    assert (ProcessModel.objects.count(), ProcessArea.objects.count()) == (0, 0)


def test_importing_the_same_version_twice_fails_without_replace(runner: CliRunner) -> None:
    path = str(FIXTURES / "tiny-model.yaml")
    runner.invoke(app, ["library", "import", path])

    again = runner.invoke(app, ["library", "import", path])
    replaced = runner.invoke(app, ["library", "import", path, "--replace"])

    assert again.exit_code == 1
    assert again.stderr.splitlines()[0] == (
        f"{path}: TINY 1.0 is already in the library; import it with --replace "
        "(replace=True) to overwrite it, or give it another version"
    )
    assert replaced.exit_code == 0
    assert (ProcessModel.objects.count(), Practice.objects.count()) == (1, 8)


def test_an_unknown_import_format_exits_1(runner: CliRunner) -> None:
    result = runner.invoke(
        app, ["library", "import", str(FIXTURES / "tiny-model.yaml"), "--format", "xml"]
    )

    assert (result.exit_code, result.stderr) == (
        1,
        "unknown format 'xml'; use one of uplift, oscal, csv\n",
    )


def test_a_missing_file_is_a_located_problem(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"

    result = runner.invoke(app, ["library", "import", str(path)])

    assert result.exit_code == 1
    assert (
        result.stderr.splitlines()[0] == f"{path}: cannot read the file: No such file or directory"
    )


def test_list_as_json_gives_the_counts_of_every_version(runner: CliRunner) -> None:
    runner.invoke(app, ["library", "import", str(FIXTURES / "tiny-model.yaml")])
    runner.invoke(app, ["library", "import", str(FIXTURES / "tiny-model.csv")])

    result = runner.invoke(app, ["library", "list", "--json"])

    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    keys = (
        "id",
        "version",
        "process_areas",
        "goals",
        "practices",
        "generic_goals",
        "generic_practices",
        "is_latest",
    )
    assert [tuple(row[key] for key in keys) for row in rows] == [
        ("TINY", "1.0", 3, 4, 6, 1, 2, True),
        ("TINY-CSV", "1.0", 2, 2, 4, 1, 1, True),
    ]


def test_list_prints_a_table_marking_the_latest_versions(runner: CliRunner) -> None:
    runner.invoke(app, ["library", "import", str(FIXTURES / "tiny-model.yaml")])

    result = runner.invoke(app, ["library", "list"])

    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "MODEL       PAS  GOALS  PRACTICES  GG  GP  NAME",
        "TINY@1.0 *    3      4          6   1   2  Tiny process model",
    ]


def test_list_of_an_empty_library_says_how_to_fill_it(runner: CliRunner) -> None:
    result = runner.invoke(app, ["library", "list"])

    assert (result.exit_code, result.stdout) == (
        0,
        "The model library is empty; load it with 'uplift setup' or import a file.\n",
    )


def test_export_of_the_latest_version_to_stdout(runner: CliRunner) -> None:
    runner.invoke(app, ["library", "import", str(FIXTURES / "tiny-model.json")])

    result = runner.invoke(app, ["library", "export", "TINY-JSON", "--format", "json"])

    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert (data["uplift"], data["id"], data["version"]) == ("model/1", "TINY-JSON", "1.0")


def test_export_of_a_pinned_version_to_a_file(runner: CliRunner, tmp_path: Path) -> None:
    runner.invoke(app, ["library", "import", str(FIXTURES / "tiny-model.yaml")])
    output = tmp_path / "tiny.csv"

    result = runner.invoke(
        app, ["library", "export", "TINY@1.0", "--format", "csv", "--output", str(output)]
    )

    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == f"Exported TINY 1.0 to {output}.\n"
    assert len(output.read_text().splitlines()) == 9  # header + 8 practices


@pytest.mark.parametrize("reference", ["NOPE", "TINY@9.9"])
def test_export_of_an_unknown_model_is_a_one_line_error(runner: CliRunner, reference: str) -> None:
    runner.invoke(app, ["library", "import", str(FIXTURES / "tiny-model.yaml")])

    result = runner.invoke(app, ["library", "export", reference])

    assert (result.exit_code, result.stderr) == (
        1,
        f"{reference} is not in the model library (see 'uplift library list')\n",
    )
