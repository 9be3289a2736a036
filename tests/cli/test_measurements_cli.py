"""``uplift measurements evaluate|xmr|payback`` on plain files: the contract of issue 4.

These commands use ``uplift.domain`` only: no database, no Django set-up (the last test
runs the installed script with settings that cannot load to prove it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner

from uplift.cli.app import app
from uplift.domain.statistics import evaluate, xmr

UPLIFT = str(Path(sys.executable).with_name("uplift"))

BEFORE = [12.1, 11.4, 13.0, 12.6, 11.8, 12.9, 12.2, 11.5, 13.3, 12.4]
AFTER = [9.2, 8.8, 9.9, 9.1, 8.4, 9.6, 9.3, 8.9, 9.7, 9.0]
PAYBACK = ["measurements", "payback", "--cost", "1200", "--running-cost", "100"]
RUN = [1, 1, 1, 1, 1, 1, 1, 1, 9]  # a run of 8 ending at index 7, 9 beyond the limits


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def write_csv(path: Path, values: Sequence[float], *, extra: bool = True) -> Path:
    """A CSV with the values and, by default, a column the commands must ignore."""
    if extra:
        rows = [f"2024-01-{day:02},{value}" for day, value in enumerate(values, start=1)]
        path.write_text("\n".join(["date,value", *rows]) + "\n", encoding="utf-8")
    else:
        path.write_text("\n".join(["value", *map(str, values)]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    return write_csv(tmp_path / "before.csv", BEFORE), write_csv(tmp_path / "after.csv", AFTER)


def test_evaluate_json_is_the_domain_evaluation(
    runner: CliRunner, files: tuple[Path, Path]
) -> None:
    before, after = files

    result = runner.invoke(
        app, ["measurements", "evaluate", str(before), str(after), "--json", "--seed", "7"]
    )

    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data == evaluate(BEFORE, AFTER, seed=7).as_json()
    assert {
        "n_before": data["n_before"],
        "n_after": data["n_after"],
        "difference": round(data["difference"], 10),
        "mannwhitney_u": data["mannwhitney_u"],
    } == {"n_before": 10, "n_after": 10, "difference": -3.13, "mannwhitney_u": 0.0}
    for key in ("welch_t", "welch_p", "mannwhitney_p", "hedges_g", "ci_low", "ci_high"):
        assert isinstance(data[key], float)


def test_evaluate_passes_confidence_boot_direction_and_target(
    runner: CliRunner, files: tuple[Path, Path]
) -> None:
    before, after = files
    options = ["--seed", "1", "--confidence", "0.9", "--boot", "500"]
    direction = ["--direction", "lower", "--target", "-2"]

    result = runner.invoke(
        app,
        ["measurements", "evaluate", str(before), str(after), "--json", *options, *direction],
    )

    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    expected = evaluate(
        BEFORE, AFTER, seed=1, confidence=0.9, n_boot=500, direction="lower", target=-2.0
    )
    assert data == expected.as_json()
    assert (data["n_boot"], data["confidence"]) == (500, 0.9)
    assert (data["verdict"]["improved"], data["verdict"]["objective"]) == (True, "met")


def test_evaluate_prints_a_summary_with_the_verdict_and_assumptions(
    runner: CliRunner, files: tuple[Path, Path]
) -> None:
    before, after = files

    result = runner.invoke(app, ["measurements", "evaluate", str(before), str(after)])

    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:4] == [
        "            before         after",
        "n               10            10",
        "mean         12.32          9.19",
        "sd        0.640833       0.45326",
    ]
    assert "difference (after - before)  -3.13 (-25.4%)" in lines
    assert "Hedges' g                    -5.401" in lines
    assert any(line.startswith("Verdict: The mean changed by -3.13") for line in lines)
    assert "Assumptions:" in lines


def test_an_evaluation_with_undefined_statistics_prints_null(
    runner: CliRunner, tmp_path: Path
) -> None:
    before = write_csv(tmp_path / "b.csv", [0, 0, 0])
    after = write_csv(tmp_path / "a.csv", [1, 1])

    result = runner.invoke(
        app, ["measurements", "evaluate", str(before), str(after), "--json", "--seed", "1"]
    )

    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["welch_t"], data["welch_p"], data["hedges_g"], data["percent_change"]) == (
        None,
        None,
        None,
        None,
    )
    assert "null" in result.stdout
    assert "NaN" not in result.stdout


def test_xmr_json_is_the_contract(runner: CliRunner, tmp_path: Path) -> None:
    file = write_csv(tmp_path / "x.csv", RUN)

    result = runner.invoke(app, ["measurements", "xmr", str(file), "--json"])

    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data == xmr(RUN).as_json()
    assert (data["center"], data["mr_bar"]) == (17 / 9, 1.0)
    assert (data["ucl"], data["lcl"]) == (17 / 9 + 2.66, 17 / 9 - 2.66)
    assert data["signals"] == [
        {"rule": "run_of_8", "index": 7},
        {"rule": "beyond_limits", "index": 8},
    ]


def test_xmr_limits_from_a_baseline_window(runner: CliRunner, tmp_path: Path) -> None:
    file = write_csv(tmp_path / "x.csv", [10, 12, 11, 13, 12, 20, 12], extra=False)

    result = runner.invoke(
        app, ["measurements", "xmr", str(file), "--json", "--limits-from", "0:5"]
    )

    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["limits_from"] == [0, 5]
    assert data["signals"] == [{"rule": "beyond_limits", "index": 5}]


def test_xmr_prints_a_table_of_limits_and_signals(runner: CliRunner, tmp_path: Path) -> None:
    file = write_csv(tmp_path / "x.csv", RUN)

    result = runner.invoke(app, ["measurements", "xmr", str(file)])

    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "points       9",
        "limits from  points 0 to 8",
        "center       1.88889",
        "mr_bar       1",
        "ucl          4.54889",
        "lcl          -0.771111",
        "mr_ucl       3.268",
        "Signals:",
        "  index 7: run_of_8 (value 1)",
        "  index 8: beyond_limits (value 9)",
        "Moving ranges above mr_ucl, ending at index 8.",
    ]


def test_payback_json(runner: CliRunner) -> None:
    result = runner.invoke(
        app,
        [*PAYBACK, "--benefit", "400", "--json"],
    )

    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["months"], data["net_benefit"]) == (4.0, 300.0)


def test_payback_is_null_when_the_benefit_does_not_cover_the_running_cost(
    runner: CliRunner,
) -> None:
    result = runner.invoke(
        app,
        [*PAYBACK, "--benefit", "100", "--json"],
    )

    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["months"] is None


def test_payback_with_a_benefit_interval_prints_a_range(runner: CliRunner) -> None:
    result = runner.invoke(
        app,
        [*PAYBACK, "--benefit", "400", "--benefit-low", "150", "--benefit-high", "700"],
    )

    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "payback   4 months",
        "shortest  2 months (benefit 700)",
        "longest   24 months (benefit 150)",
    ]


def _fails_with(result: object, line: str) -> None:
    assert getattr(result, "exit_code", None) == 2
    assert getattr(result, "stdout", None) == ""
    assert getattr(result, "stderr", None) == line + "\n"


def test_a_bad_value_names_file_line_and_column(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("date,value\n2024-01-01,1\n2024-01-02,abc\n2024-01-03,\n", encoding="utf-8")
    good = write_csv(tmp_path / "good.csv", AFTER)

    result = runner.invoke(app, ["measurements", "evaluate", str(bad), str(good), "--json"])

    _fails_with(result, f"{bad}:3 (field value): 'abc' is not a number (and 1 more problem)")


def test_a_missing_column_and_a_missing_file_fail_in_one_line(
    runner: CliRunner, tmp_path: Path
) -> None:
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("date,amount\n2024-01-01,1\n", encoding="utf-8")
    absent = tmp_path / "absent.csv"

    _fails_with(
        runner.invoke(app, ["measurements", "xmr", str(wrong)]),
        f"{wrong}:1 (field value): the column 'value' is missing (the header has 'date', 'amount')",
    )
    _fails_with(
        runner.invoke(app, ["measurements", "xmr", str(absent), "--json"]),
        f"{absent}: cannot read the file: No such file or directory",
    )


def test_an_xlsx_file_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    workbook = tmp_path / "values.xlsx"
    workbook.write_bytes(b"PK\x03\x04" + bytes(40))

    _fails_with(
        runner.invoke(app, ["measurements", "xmr", str(workbook)]),
        f"{workbook}: the file is a zipped document (an XLSX workbook?), not CSV text; "
        "save it as CSV",
    )


def test_too_few_values_name_the_file(runner: CliRunner, tmp_path: Path) -> None:
    one = write_csv(tmp_path / "one.csv", [5])
    good = write_csv(tmp_path / "good.csv", AFTER)

    _fails_with(
        runner.invoke(app, ["measurements", "evaluate", str(good), str(one)]),
        f"{one}: after has 1 value; at least 2 are needed",
    )
    _fails_with(
        runner.invoke(app, ["measurements", "xmr", str(one)]),
        f"{one}: values has 1 value; at least 2 are needed",
    )


@pytest.mark.parametrize(
    ("options", "line"),
    [
        (["--confidence", "1.5"], "--confidence: confidence must be between 0 and 1, not 1.5"),
        (["--boot", "10"], "--boot: n_boot must be at least 100, not 10"),
        (["--direction", "up"], "--direction must be 'higher' or 'lower', not 'up'"),
        (
            ["--target", "-1"],
            "--target: a target needs a direction ('higher' or 'lower' is better)",
        ),
    ],
)
def test_bad_evaluate_options_fail_in_one_line(
    runner: CliRunner, files: tuple[Path, Path], options: list[str], line: str
) -> None:
    before, after = files

    result = runner.invoke(app, ["measurements", "evaluate", str(before), str(after), *options])

    _fails_with(result, line)


@pytest.mark.parametrize(
    ("options", "line"),
    [
        (["--cost", "-5", "--benefit", "10"], "--cost: cost must be >= 0, not -5"),
        (
            ["--cost", "5", "--benefit", "10", "--running-cost", "-1"],
            "--running-cost: running_cost must be >= 0, not -1",
        ),
        (
            ["--cost", "5", "--benefit", "10", "--benefit-low", "1"],
            "--benefit-low and --benefit-high go together",
        ),
        (
            ["--cost", "5", "--benefit", "10", "--benefit-low", "9", "--benefit-high", "3"],
            "--benefit-low/--benefit-high: benefit_ci (9, 3) has its low end above its high end",
        ),
        (["--cost", "5", "--benefit", "nan"], "--benefit: benefit is nan, not a finite number"),
    ],
)
def test_bad_payback_options_fail_in_one_line(
    runner: CliRunner, options: list[str], line: str
) -> None:
    _fails_with(runner.invoke(app, ["measurements", "payback", *options]), line)


@pytest.mark.parametrize("window", ["5", "a:b", "3:3", "0:99"])
def test_a_bad_limits_window_fails_in_one_line(
    runner: CliRunner, tmp_path: Path, window: str
) -> None:
    file = write_csv(tmp_path / "x.csv", RUN)

    result = runner.invoke(app, ["measurements", "xmr", str(file), "--limits-from", window])

    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("--limits-from")


@pytest.mark.slow
def test_the_installed_script_runs_the_file_commands_without_django(tmp_path: Path) -> None:
    before = write_csv(tmp_path / "before.csv", BEFORE)
    after = write_csv(tmp_path / "after.csv", AFTER)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    # Settings that cannot even be imported, and no database: any Django start-up fails.
    env["DJANGO_SETTINGS_MODULE"] = "settings_that_do_not_exist"
    env["DATABASE_URL"] = "postgres://nobody@127.0.0.1:1/none"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603  (our own entry point, fixed arguments)
            [UPLIFT, "measurements", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    evaluated = run("evaluate", str(before), str(after), "--json", "--seed", "3")
    charted = run("xmr", str(before), "--json")
    paid = run("payback", "--cost", "1200", "--running-cost", "100", "--benefit", "400", "--json")
    refused = run("xmr", str(tmp_path / "absent.csv"))

    assert evaluated.returncode == 0, evaluated.stderr
    assert json.loads(evaluated.stdout) == evaluate(BEFORE, AFTER, seed=3).as_json()
    assert charted.returncode == 0, charted.stderr
    assert json.loads(charted.stdout) == xmr(BEFORE).as_json()
    assert (paid.returncode, json.loads(paid.stdout)["months"]) == (0, 4.0)
    assert (refused.returncode, refused.stdout) == (2, "")
    assert (
        refused.stderr
        == f"{tmp_path / 'absent.csv'}: cannot read the file: No such file or directory\n"
    )


@pytest.mark.slow
def test_the_file_commands_do_not_import_django(tmp_path: Path) -> None:
    file = write_csv(tmp_path / "x.csv", RUN)
    program = (
        "import sys\n"
        "from uplift.cli import main\n"
        "try:\n"
        f"    main(['measurements', 'xmr', {str(file)!r}, '--json'])\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'django'))\n"
    )

    ran = subprocess.run(  # noqa: S603  (this interpreter, a fixed program)
        [sys.executable, "-c", program],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines()[-1] == "[]"
