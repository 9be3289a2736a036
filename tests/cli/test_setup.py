"""`uplift setup` is what the README's run command does: it must work on a new
directory and change nothing when run again."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

UPLIFT = str(Path(sys.executable).with_name("uplift"))


def run(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env["UPLIFT_HOME"] = str(home)
    return subprocess.run(  # noqa: S603  (our own entry point, fixed arguments)
        [UPLIFT, *args], cwd=home, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def table_counts(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
                " AND name NOT IN ('django_session', 'axes_accessattempt', 'axes_accesslog')"
            )
        ]
        return {t: connection.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608


def test_setup_on_a_new_directory_loads_models_and_demo_and_a_second_run_changes_nothing(
    tmp_path,
):
    first = run("setup", home=tmp_path)

    assert first.returncode == 0, first.stderr
    database = tmp_path / "var" / "uplift.sqlite3"
    assert database.exists()
    assert "Loaded CMMI-DEV 1.3" in first.stdout
    after_first = table_counts(database)
    assert after_first["library_processmodel"] == 6
    assert after_first["auth_user"] >= 10

    second = run("setup", home=tmp_path)

    assert second.returncode == 0, second.stderr
    assert "CMMI-DEV 1.3 is already loaded" in second.stdout
    assert table_counts(database) == after_first


def test_library_list_json_reports_the_shipped_counts(tmp_path):
    assert run("setup", "--no-demo", home=tmp_path).returncode == 0

    listed = run("library", "list", "--json", home=tmp_path)

    assert listed.returncode == 0, listed.stderr
    rows = {row["id"]: row for row in json.loads(listed.stdout)}
    counts = {
        key: (rows[key]["process_areas"], rows[key]["goals"], rows[key]["practices"])
        for key in ("CMMI-DEV", "CMMI-ACQ", "CMMI-SVC")
    }
    assert counts == {
        "CMMI-DEV": (22, 49, 167),
        "CMMI-ACQ": (22, 47, 163),
        "CMMI-SVC": (24, 53, 181),
    }


def test_every_django_command_is_reachable_through_uplift(tmp_path):
    result = run("showmigrations", "library", home=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "[ ] 0001_initial" in result.stdout
