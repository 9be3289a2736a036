"""``uplift measurements objectives``: statuses, provisional ones marked, and shortfalls.

The command is registered on a group of this test's own (``register``), as in
``test_measurements_stored_cli``; the last test checks the project's wiring.
"""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from tests.apps.measurements import fixtures_h
from tests.apps.measurements.fixtures_h import START, WEEK, add_series, make_qppo
from uplift.apps.measurements.services.baselines import baseline_compute
from uplift.apps.measurements.services.objectives import objective_create
from uplift.cli import measurements_objectives
from uplift.cli.app import app

pytestmark = pytest.mark.django_db

# Fixtures of fixtures_h (pytest finds them by name in this module).
unit = fixtures_h.unit
activities = fixtures_h.activities
cycle_time = fixtures_h.cycle_time

FIVE = [8, 10, 12, 14, 16]  # mean 12

group = typer.Typer()


@group.callback()
def _measurements() -> None:
    """A stand-in for the ``uplift measurements`` group."""


measurements_objectives.register(group)


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(group, ["objectives", *args])

    return invoke


@pytest.fixture
def goals(cycle_time, activities):
    """The business objective "Deliver faster" with a QPPO missed and one met (no
    baseline: provisional), and a QPPO of a segment without observations."""
    add_series(cycle_time, activities[0], FIVE)
    parent = objective_create(kind="business", name="Deliver faster", priority=1)
    missed = make_qppo(cycle_time, target=10, name="At most 10", parent=parent)
    met = make_qppo(cycle_time, target=12, name="At most 12", parent=parent)
    empty = make_qppo(
        cycle_time, target=5, segment={"size": "small"}, name="Small ones", parent=parent
    )
    return parent, missed, met, empty


def test_each_qppo_is_listed_with_its_status_provisional_ones_marked(run, goals):
    parent, missed, met, empty = goals

    result = run()

    assert result.exit_code == 0, result.output
    period = f"n = 5, {START:%Y-%m-%d} to {START + 4 * WEEK:%Y-%m-%d}"
    assert result.output.splitlines() == [
        f"Objective {parent.pk}: Deliver faster",
        f"  QPPO {missed.pk}: At most 10 [cycle-time, mean <= 10]: 12 days (provisional: "
        f"current data, no stored baseline, {period}): not met, short by 2 days (20%)",
        f"  QPPO {met.pk}: At most 12 [cycle-time, mean <= 12]: 12 days (provisional: "
        f"current data, no stored baseline, {period}): met",
        f"  QPPO {empty.pk}: Small ones [cycle-time, mean <= 5]: no data (no baseline, "
        "no observations)",
    ]


def test_shortfalls_lists_only_the_qppos_not_met(run, goals):
    _, missed, _, _ = goals

    result = run("--shortfalls")

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 2
    assert lines[1].startswith(f"  QPPO {missed.pk}: At most 10")
    assert "provisional" in lines[1]


def test_the_json_has_the_api_status_shape(run, goals):
    parent, missed, _, _ = goals

    result = run("--json", "--shortfalls")

    assert result.exit_code == 0, result.output
    (business,) = json.loads(result.output)["objectives"]
    assert (business["id"], business["status"]["status"]) == (parent.pk, "not_applicable")
    (qppo,) = business["qppos"]
    assert qppo["id"] == missed.pk
    assert qppo["status"] == {
        "status": "not_met",
        "value": 12.0,
        "gap": 2.0,
        "percent_gap": 20.0,
        "provisional": True,
        "n": 5,
        "period_start": START.isoformat(),
        "period_end": (START + 4 * WEEK).isoformat(),
        "baseline": None,
        "baseline_computed_at": None,
    }


def test_a_stored_baseline_is_named_instead_of_provisional(run, goals, cycle_time):
    _, missed, _, _ = goals
    stored = baseline_compute(measure=cycle_time, store=True).stored

    result = run()

    line = next(line for line in result.output.splitlines() if f"QPPO {missed.pk}:" in line)
    assert f"(baseline {stored.pk}, n = 5," in line
    assert "provisional" not in line


def test_without_objectives_it_says_so(run, db):
    assert run().output == "No business objectives yet.\n"
    assert run("--shortfalls").output == "No QPPO falls short.\n"


def test_the_command_is_wired_into_uplift_measurements():
    result = CliRunner().invoke(app, ["measurements", "objectives", "--help"])

    assert result.exit_code == 0
    assert "--shortfalls" in result.output
