"""``uplift measurements import FILE``: exit codes, messages and what lands in the database."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tests.apps.measurements.test_import import GOOD
from uplift.apps.measurements.models import Observation, ObservationImport
from uplift.cli.app import app

pytestmark = pytest.mark.django_db(transaction=True)

runner = CliRunner()


def test_import_stores_the_rows_and_a_second_import_writes_nothing(
    measures, work_activities, observation_file
):
    path = observation_file(GOOD)

    first = runner.invoke(app, ["measurements", "import", str(path)])
    stored = Observation.objects.count()
    again = runner.invoke(app, ["measurements", "import", str(path)])

    assert first.exit_code == 0, first.output
    assert "Imported" in first.output
    assert stored > 0
    assert again.exit_code == 0
    assert "already imported" in again.output
    assert Observation.objects.count() == stored
    assert ObservationImport.objects.count() == 1


def test_a_bad_row_rejects_the_file_with_its_line_and_writes_nothing(
    measures, work_activities, observation_file
):
    path = observation_file(GOOD + "cycle-time,nobody,2024-02-01,1\n")

    result = runner.invoke(app, ["measurements", "import", str(path)])

    assert result.exit_code == 1
    assert "observations.csv:6:" in result.output  # the file and line at fault
    assert "nothing was written" in result.output
    assert Observation.objects.count() == 0


def test_check_only_reads_the_file_and_writes_nothing(measures, work_activities, observation_file):
    result = runner.invoke(app, ["measurements", "import", "--check", str(observation_file(GOOD))])

    assert result.exit_code == 0, result.output
    assert "no problems (nothing written)" in result.output
    assert Observation.objects.count() == 0


def test_a_malformed_mapping_exits_2_with_one_line(measures, work_activities, observation_file):
    path = observation_file(GOOD)

    result = runner.invoke(app, ["measurements", "import", "--map", "Date", str(path)])

    assert result.exit_code == 2
    assert "write COLUMN=OURS" in result.output
