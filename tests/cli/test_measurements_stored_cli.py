"""``uplift measurements baseline|evaluate-stored``: exit codes, output and the database.

The commands are registered on a group of this test's own (``register``), the way the
``uplift measurements`` group registers them, so the tests hold before and after the
lead's wiring; the last test checks the wiring once it is there.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from tests.apps.measurements import fixtures_h
from tests.apps.measurements.fixtures_h import START, WEEK, add_series, make_qppo
from uplift.apps.measurements.models import Baseline
from uplift.cli import measurements_stored
from uplift.domain.statistics import describe, evaluate

pytestmark = pytest.mark.django_db

# Fixtures of fixtures_h (pytest finds them by name in this module).
unit = fixtures_h.unit
activities = fixtures_h.activities
cycle_time = fixtures_h.cycle_time

BEFORE = [12.1, 11.4, 13.0, 12.6, 11.8, 12.9, 12.2, 11.5, 13.3, 12.4]
AFTER = [9.2, 8.8, 9.9, 9.1, 8.4, 9.6, 9.3, 8.9, 9.7, 9.0]
CHANGE = str((START + 10 * WEEK).date())

group = typer.Typer()


@group.callback()
def _measurements() -> None:
    """A stand-in for the ``uplift measurements`` group."""


measurements_stored.register(group)


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(group, list(args))

    return invoke


@pytest.fixture
def observed(cycle_time, activities):
    add_series(cycle_time, activities[0], BEFORE + AFTER)
    add_series(cycle_time, activities[2], [30.0, 31.0, 29.0, 30.5])
    return cycle_time


def test_baseline_json_is_the_description_of_the_segments_values(run, observed):
    result = run("baseline", "cycle-time", "--segment", '{"size": "large"}', "--json")

    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert (body["measure"], body["segment"], body["n"], body["stored"]) == (
        "cycle-time",
        {"size": "large"},
        20,
        None,
    )
    assert body["summary"] == describe(BEFORE + AFTER).as_json()
    assert not Baseline.objects.exists()


def test_baseline_store_writes_a_snapshot_and_says_so(run, observed):
    result = run(
        "baseline", "cycle-time", "--start", "2024-01-01", "--end", "2024-03-10", "--store"
    )

    assert result.exit_code == 0, result.output
    stored = Baseline.objects.get()
    assert stored.n == 10 + 4
    assert f"Stored as baseline {stored.pk}." in result.stdout
    assert "natural limits" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nothing"], "MEASURE: no measure has the slug 'nothing'"),
        (["cycle-time", "--segment", "{size"], "--segment: not JSON"),
        (["cycle-time", "--segment", '{"size": "huge"}'], "--segment: size:"),
        (["cycle-time", "--start", "2024-13-01"], "--start: '2024-13-01' is not a date"),
        (["cycle-time", "--start", "2024-05-01", "--end", "2024-01-01"], "--end: The end is"),
        (["cycle-time", "--start", "2030-01-01", "--store"], "a baseline needs at least 2"),
    ],
)
def test_baseline_refuses_bad_arguments_in_one_line_and_writes_nothing(
    run, observed, args, message
):
    result = run("baseline", *args)

    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert not Baseline.objects.exists()


def test_evaluate_stored_json_is_the_domain_evaluation_before_and_after(run, observed):
    make_qppo(observed, target=10.0)

    result = run(
        "evaluate-stored",
        "cycle-time",
        "--change-date",
        CHANGE,
        "--activities",
        "alpha",
        "--seed",
        "7",
        "--boot",
        "500",
        "--json",
    )

    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    expected = evaluate(
        BEFORE, AFTER, seed=7, n_boot=500, direction="lower", target=10.0 - float(np.mean(BEFORE))
    )
    assert body["result"] == json.loads(json.dumps(expected.as_json()))
    assert body["result"]["verdict"]["objective"] == "met"
    assert body["objective_check"]["met"] is True


def test_evaluate_stored_compares_a_pilot_with_a_comparison_group(run, cycle_time, activities):
    add_series(cycle_time, activities[0], AFTER)
    add_series(cycle_time, activities[1], BEFORE)

    result = run(
        "evaluate-stored", "cycle-time", "--pilot", "alpha", "--comparison", "beta", "--seed", "1"
    )

    assert result.exit_code == 0, result.output
    assert "pilot alpha against comparison beta" in result.stdout
    assert "Verdict:" in result.stdout
    assert "Assumptions:" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "--change-date: Give the date of the change."),
        (["--change-date", CHANGE, "--activities", "omega"], "--activities: Unknown work activity"),
        (["--pilot", "alpha"], "--comparison: Name the comparison group"),
        (["--change-date", "soon"], "--change-date: 'soon' is not a date"),
        (["--change-date", CHANGE, "--objective", "999"], "--objective: no objective"),
    ],
)
def test_evaluate_stored_refuses_bad_arguments_in_one_line(run, observed, args, message):
    result = run("evaluate-stored", "cycle-time", *args)

    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_the_uplift_measurements_group_offers_the_stored_commands_once_registered():
    from uplift.cli.measurements import app as measurements_app

    names = {command.name for command in measurements_app.registered_commands}
    if "baseline" not in names:
        pytest.skip("the lead registers measurements_stored in cli/app.py")
    assert {"baseline", "evaluate-stored"} <= names
