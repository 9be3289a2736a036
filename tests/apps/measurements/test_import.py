"""Importing observations: CSV and XLSX, mapping, preview, located problems, dedup.

Runs on SQLite and PostgreSQL; both paths of the writer are exercised (the staged
merge, and the load that sets the indexes aside, forced with a small LOAD_MIN_BYTES).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories.accounts import UserFactory
from uplift.apps.measurements import importing
from uplift.apps.measurements.models import Observation, ObservationImport
from uplift.apps.measurements.services import observation_import
from uplift.apps.measurements.services import observations as observation_services
from uplift.domain.errors import InvalidDocument, Problem

pytestmark = pytest.mark.django_db(transaction=False)

HEADER = "measure,work_activity,observed_at,value,source\n"
GOOD = (
    HEADER
    + "cycle-time,alpha,2024-01-01,12.5,tracker\n"
    + "cycle-time,alpha,2024-01-02T10:30:00+02:00,13,tracker\n"
    + "defect-density,beta,2024-01-01 08:00,0.8,\n"
    + "sla-attainment,gamma,2024-01-01T00:00:00Z,99.5,survey\n"
)
UTC = dt.UTC


@pytest.fixture(autouse=True)
def _setup(measures: dict[str, Any], work_activities: dict[str, Any]) -> None:
    """Every test has the three measures and the three work activities."""


@pytest.fixture(params=["merge", "load"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both writer paths: the staged merge, and the load (forced for small files)."""
    if request.param == "load":
        monkeypatch.setattr(observation_services, "LOAD_MIN_BYTES", 0)
    return str(request.param)


def stored() -> list[tuple[str, str, dt.datetime, float, str]]:
    return [
        (o.measure.slug, o.work_activity.slug, o.observed_at, o.value, o.source)
        for o in Observation.objects.select_related("measure", "work_activity").order_by(
            "measure__slug", "work_activity__slug", "observed_at"
        )
    ]


def problems_of(error: pytest.ExceptionInfo[InvalidDocument]) -> list[tuple[Any, ...]]:
    return [(p.line, p.field, p.message) for p in error.value.problems]


def index_names() -> set[str]:
    """The observations table's indexes and constraints, as the database lists them."""
    table = Observation._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass "
                "UNION SELECT indexrelid::regclass::text FROM pg_index "
                "WHERE indrelid = %s::regclass",
                [table, table],
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = %s", [table]
            )
        return {row[0] for row in cursor.fetchall()}


def assert_nothing_written() -> None:
    assert Observation.objects.count() == 0
    assert ObservationImport.objects.count() == 0


# --- good files -------------------------------------------------------------------------


def test_a_good_csv_lands_whole_with_times_in_utc(mode: str) -> None:
    user = UserFactory()

    result = observation_import(data=GOOD.encode(), filename="q1.csv", user=user)

    assert result.created
    assert (result.inserted, result.skipped, result.replaced) == (4, 0, 0)
    assert stored() == [
        ("cycle-time", "alpha", dt.datetime(2024, 1, 1, tzinfo=UTC), 12.5, "tracker"),
        ("cycle-time", "alpha", dt.datetime(2024, 1, 2, 8, 30, tzinfo=UTC), 13.0, "tracker"),
        ("defect-density", "beta", dt.datetime(2024, 1, 1, 8, 0, tzinfo=UTC), 0.8, ""),
        ("sla-attainment", "gamma", dt.datetime(2024, 1, 1, tzinfo=UTC), 99.5, "survey"),
    ]
    batch = ObservationImport.objects.get()
    assert (batch.filename, batch.rows, batch.created_by) == ("q1.csv", 4, user)
    assert len(batch.sha256) == 64
    assert set(Observation.objects.values_list("batch", flat=True)) == {batch.pk}


def test_the_load_path_builds_the_indexes_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(observation_services, "LOAD_MIN_BYTES", 0)
    before = index_names()

    observation_import(data=GOOD.encode(), filename="q1.csv")

    assert index_names() == before
    assert Observation.objects.count() == 4


def test_after_a_load_new_rows_get_new_ids(
    monkeypatch: pytest.MonkeyPatch, measures: dict[str, Any], work_activities: dict[str, Any]
) -> None:
    monkeypatch.setattr(observation_services, "LOAD_MIN_BYTES", 0)
    observation_import(data=GOOD.encode(), filename="q1.csv")
    loaded = sorted(Observation.objects.values_list("pk", flat=True))

    later = Observation.objects.create(
        measure=measures["cycle-time"],
        work_activity=work_activities["gamma"],
        observed_at=dt.datetime(2025, 1, 1, tzinfo=UTC),
        value=1.0,
    )

    assert len(loaded) == 4
    assert later.pk > loaded[-1]


def test_the_load_path_restores_the_indexes_when_a_file_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(observation_services, "LOAD_MIN_BYTES", 0)
    before = index_names()

    with pytest.raises(InvalidDocument):
        observation_import(data=(GOOD + "cycle-time,nobody,2024-02-01,1\n").encode(), filename="f")

    assert index_names() == before
    assert_nothing_written()


def test_a_file_on_disk_is_read_from_its_path(observation_file: Callable[..., Path]) -> None:
    path = observation_file(GOOD)

    result = observation_import(path=path)

    assert result.batch.filename == str(path)
    assert Observation.objects.count() == 4


def test_semicolon_and_tab_delimiters_a_byte_order_mark_and_quotes_are_read() -> None:
    semicolon = '\ufeffMeasure;Work_Activity;Observed_At;Value\n"cycle-time";alpha;2024-01-01;1.5\n'
    tab = "measure\twork_activity\tobserved_at\tvalue\ncycle-time\tbeta\t2024-01-01\t2\n"

    observation_import(data=semicolon.encode(), filename="a.csv")
    observation_import(data=tab.encode(), filename="b.tsv")

    assert [(m, w, v) for m, w, _, v, _ in stored()] == [
        ("cycle-time", "alpha", 1.5),
        ("cycle-time", "beta", 2.0),
    ]


def test_blank_lines_and_spaces_around_cells_are_tolerated() -> None:
    text = HEADER + "\n cycle-time , alpha , 2024-01-01 , 1.5 , x \n\n,,,,\n"

    result = observation_import(data=text.encode(), filename="a.csv")

    assert result.inserted == 1
    assert stored() == [("cycle-time", "alpha", dt.datetime(2024, 1, 1, tzinfo=UTC), 1.5, "x")]


def workbook(rows: list[list[object]], title: str = "Data", extra: str | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    if extra:
        sheet.title = extra
        sheet.append(["nothing", "here"])
        sheet = book.create_sheet(title)
    else:
        sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_good_xlsx_lands_with_dates_and_numbers_as_cells(mode: str) -> None:
    data = workbook(
        [
            ["Measure", "Work activity", "Observed at", "Value"],
            ["cycle-time", "alpha", dt.datetime(2024, 1, 1, 9, 0), 12],  # noqa: DTZ001 - a sheet has no zone
            ["cycle-time", "alpha", dt.date(2024, 1, 2), 12.25],
            ["defect-density", "gamma", "2024-01-03", "0.5"],
        ]
    )

    result = observation_import(data=data, filename="q1.xlsx")

    assert result.inserted == 3
    assert stored() == [
        ("cycle-time", "alpha", dt.datetime(2024, 1, 1, 9, 0, tzinfo=UTC), 12.0, ""),
        ("cycle-time", "alpha", dt.datetime(2024, 1, 2, tzinfo=UTC), 12.25, ""),
        ("defect-density", "gamma", dt.datetime(2024, 1, 3, tzinfo=UTC), 0.5, ""),
    ]


def test_a_named_sheet_of_a_workbook_is_read() -> None:
    data = workbook(
        [
            ["measure", "work_activity", "observed_at", "value"],
            ["cycle-time", "beta", "2024-01-01", 3],
        ],
        title="Data",
        extra="Notes",
    )

    observation_import(data=data, filename="q1.xlsx", sheet="Data")

    assert Observation.objects.count() == 1
    with pytest.raises(InvalidDocument) as error:
        importing.check(data=data, filename="q1.xlsx", sheet="Missing")
    assert "no sheet 'Missing'" in str(error.value)


def test_an_xlsx_row_with_a_bad_cell_is_located_at_its_sheet_row() -> None:
    data = workbook(
        [
            ["measure", "work_activity", "observed_at", "value"],
            ["cycle-time", "alpha", "2024-01-01", 1],
            ["cycle-time", "alpha", "2024-01-02", "n/a"],
        ]
    )

    with pytest.raises(InvalidDocument) as error:
        observation_import(data=data, filename="q1.xlsx")

    assert problems_of(error) == [(3, "value", "'n/a' is not a number")]
    assert_nothing_written()


# --- mapping and preview ----------------------------------------------------------------


def test_a_mapping_names_the_files_own_columns() -> None:
    text = "Metric,Project,When,Reading,Origin\ncycle-time,alpha,2024-01-01,4,jira\n"
    mapping = {
        "Metric": "measure",
        "Project": "work_activity",
        "When": "observed_at",
        "Reading": "value",
        "Origin": "source",
    }

    observation_import(data=text.encode(), filename="a.csv", mapping=mapping)

    assert stored() == [("cycle-time", "alpha", dt.datetime(2024, 1, 1, tzinfo=UTC), 4.0, "jira")]


def test_a_wrong_mapping_is_located_on_the_header_line() -> None:
    text = "Metric,Project,When,Reading\ncycle-time,alpha,2024-01-01,4\n"
    mapping = {
        "Metric": "measure",
        "Project": "work_activity",
        "Whenever": "observed_at",
        "Reading": "colour",
    }

    with pytest.raises(InvalidDocument) as error:
        observation_import(data=text.encode(), filename="a.csv", mapping=mapping)

    assert problems_of(error) == [
        (1, "observed_at", "the mapping names the column 'Whenever', which the header has not"),
        (
            1,
            "Reading",
            "the mapping names 'colour', which is not a column of ours "
            "(measure, work_activity, observed_at, value, source)",
        ),
        (
            1,
            "value",
            "the column 'value' is missing (the header has 'Metric', 'Project', 'When', 'Reading')",
        ),
    ]
    assert_nothing_written()


def test_the_preview_shows_the_first_rows_the_guessed_mapping_and_their_problems() -> None:
    text = "Measure,Project,Date,Value,Notes\n" + "".join(
        f"cycle-time,{'alpha' if n != 1 else 'nobody'},2024-01-{n + 1:02d},{n},x\n"
        for n in range(30)
    )

    preview = importing.preview(data=text.encode(), filename="a.csv", rows=3)

    assert preview.format == "csv"
    assert preview.header == ("Measure", "Project", "Date", "Value", "Notes")
    assert preview.rows == (
        ("cycle-time", "alpha", "2024-01-01", "0", "x"),
        ("cycle-time", "nobody", "2024-01-02", "1", "x"),
        ("cycle-time", "alpha", "2024-01-03", "2", "x"),
    )
    assert preview.mapping == {
        "Measure": "measure",
        "Project": "work_activity",
        "Date": "observed_at",
        "Value": "value",
    }
    assert preview.missing == ()
    assert preview.problems == (
        Problem("unknown work activity 'nobody'", file="a.csv", line=3, field="work_activity"),
    )


def test_the_preview_names_the_columns_it_could_not_guess() -> None:
    preview = importing.preview(data=b"what,ever\n1,2\n", filename="a.csv")

    assert preview.mapping == {}
    assert preview.missing == ("measure", "work_activity", "observed_at", "value")
    assert [p.field for p in preview.problems] == [
        "measure",
        "work_activity",
        "observed_at",
        "value",
    ]


def test_a_guess_is_not_made_when_two_columns_fit() -> None:
    assert importing.guess_mapping(["Date", "Time", "Value", "value "]) == {"Date": "observed_at"}


# --- bad files: every problem located, nothing written ----------------------------------


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("cycle-time,alpha,2024-01-05,,", [(3, "value", "the value is empty")]),
        ("cycle-time,alpha,2024-01-05,abc,", [(3, "value", "'abc' is not a number")]),
        (
            "cycle-time;alpha;2024-01-05;1,5;",
            [(3, None, "the row has 2 cells; the header has 5")],
        ),
        ("cycle-time,alpha,2024-01-05,nan,", [(3, "value", "'nan' is not a number")]),
        ("cycle-time,alpha,2024-01-05,1e999,", [(3, "value", "'1e999' is too large for a number")]),
        ("cycle-time,alpha,2024-01-05,1_000,", [(3, "value", "'1_000' is not a number")]),
        ("speed,alpha,2024-01-05,1,", [(3, "measure", "unknown measure 'speed'")]),
        (",alpha,2024-01-05,1,", [(3, "measure", "the measure is empty")]),
        ("cycle-time,omega,2024-01-05,1,", [(3, "work_activity", "unknown work activity 'omega'")]),
        (
            "cycle-time,alpha,05/01/2024,1,",
            [
                (
                    3,
                    "observed_at",
                    "'05/01/2024' is not an ISO date or date and time (YYYY-MM-DD, or "
                    "YYYY-MM-DDTHH:MM[:SS] with an optional offset such as Z or +02:00)",
                )
            ],
        ),
        (
            "cycle-time,alpha,2024-02-30,1,",
            [(3, "observed_at", "'2024-02-30' is not a valid date or time")],
        ),
        ("cycle-time,alpha,,1,", [(3, "observed_at", "the time is empty")]),
        ("cycle-time,alpha,2024-01-05,1,x,y", [(3, None, "the row has 6 cells; the header has 5")]),
        ("cycle-time,alpha,2024-01-05", [(3, None, "the row has 3 cells; the header has 5")]),
        (
            "cycle-time,alpha,2024-01-05,1," + "s" * 101,
            [(3, "source", "the source is longer than 100 characters")],
        ),
        (
            "cycle-time,alpha,2024-01-01 00:00:00+00:00,7,",
            [(3, "observed_at", "the same measure, work activity and time as line 2")],
        ),
        (
            "nothing,nobody,yesterday,lots,",
            [
                (3, "measure", "unknown measure 'nothing'"),
                (3, "work_activity", "unknown work activity 'nobody'"),
                (
                    3,
                    "observed_at",
                    "'yesterday' is not an ISO date or date and time (YYYY-MM-DD, or "
                    "YYYY-MM-DDTHH:MM[:SS] with an optional offset such as Z or +02:00)",
                ),
                (3, "value", "'lots' is not a number"),
            ],
        ),
    ],
)
def test_a_bad_row_is_located_by_line_and_column_and_nothing_is_written(
    mode: str, row: str, expected: list[tuple[Any, ...]]
) -> None:
    text = HEADER + "cycle-time,alpha,2024-01-01,1,\n" + row + "\n"

    with pytest.raises(InvalidDocument) as error:
        observation_import(data=text.encode(), filename="bad.csv")

    assert [
        (line, field or None, message) for line, field, message in problems_of(error)
    ] == expected
    assert all(p.file == "bad.csv" for p in error.value.problems)
    assert_nothing_written()


def test_a_missing_column_is_located_on_the_header_line() -> None:
    text = "measure,work_activity,value\ncycle-time,alpha,1\n"

    with pytest.raises(InvalidDocument) as error:
        observation_import(data=text.encode(), filename="bad.csv")

    assert problems_of(error) == [
        (
            1,
            "observed_at",
            "the column 'observed_at' is missing (the header has 'measure', "
            "'work_activity', 'value')",
        )
    ]
    assert_nothing_written()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "neither CSV text nor an XLSX workbook"),
        (b"", "the file is empty"),
        (b"measure,value\n\xff\xfe\n", "not UTF-8"),
        (b"measure,work_activity,observed_at,value\n", "no observations, only a header"),
        (b'measure,work_activity,observed_at,value\n"cycle-time,alpha', "not valid CSV"),
    ],
)
def test_a_file_that_is_not_csv_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(InvalidDocument) as error:
        observation_import(data=data, filename="x.bin")

    assert message in str(error.value)
    assert_nothing_written()


def test_a_byte_that_is_not_utf8_is_located_on_its_line() -> None:
    good = "".join(
        f"cycle-time,alpha,2024-01-{n % 28 + 1:02d}T{n // 28:02d}:00,1,\n" for n in range(600)
    )
    data = (HEADER + good).encode() + "cycle-time,alpha,2025-01-01,1,Zürich\n".encode("latin-1")

    with pytest.raises(InvalidDocument) as error:
        observation_import(data=data, filename="latin1.csv")

    assert problems_of(error) == [(602, "", "the file is not UTF-8 text")]
    assert_nothing_written()


def test_windows_line_ends_are_read() -> None:
    data = GOOD.replace("\n", "\r\n").encode()

    result = observation_import(data=data, filename="windows.csv")

    assert result.inserted == 4


def test_a_zip_that_is_not_a_workbook_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")

    with pytest.raises(InvalidDocument) as error:
        observation_import(data=buffer.getvalue(), filename="x.zip")

    assert "not an XLSX workbook" in str(error.value)
    assert_nothing_written()


def test_problems_are_capped_and_the_rest_counted() -> None:
    text = HEADER + "".join(f"cycle-time,alpha,2024-01-01,bad{n},\n" for n in range(150))

    with pytest.raises(InvalidDocument) as error:
        observation_import(data=text.encode(), filename="bad.csv")

    problems = error.value.problems
    assert len(problems) == importing.MAX_PROBLEMS + 1
    assert problems[0].line == 2
    assert problems[99].line == 101
    assert problems[-1].message == "and 50 more problems like these"
    assert_nothing_written()


def test_check_reports_without_writing_and_summarises_a_good_file() -> None:
    checked = importing.check(data=GOOD.encode(), filename="q1.csv")

    assert checked.rows == 4
    assert checked.measures == ("cycle-time", "defect-density", "sla-attainment")
    assert checked.work_activities == ("alpha", "beta", "gamma")
    assert checked.first == dt.datetime(2024, 1, 1, tzinfo=UTC)
    assert checked.last == dt.datetime(2024, 1, 2, 8, 30, tzinfo=UTC)
    assert_nothing_written()


# --- re-imports -------------------------------------------------------------------------


def test_the_same_bytes_imported_again_write_nothing(mode: str) -> None:
    first = observation_import(data=GOOD.encode(), filename="q1.csv")

    again = observation_import(data=GOOD.encode(), filename="renamed.csv")

    assert not again.created
    assert again.already_imported
    assert again.batch == first.batch
    assert (again.inserted, again.skipped) == (0, 0)
    assert Observation.objects.count() == 4
    assert ObservationImport.objects.count() == 1


def test_overlapping_rows_with_the_same_value_are_skipped(mode: str) -> None:
    observation_import(data=GOOD.encode(), filename="q1.csv")
    more = GOOD.replace("tracker\n", "other source\n", 1) + "cycle-time,beta,2024-01-05,9,\n"

    result = observation_import(data=more.encode(), filename="q1-and-more.csv")

    assert (result.inserted, result.skipped, result.replaced) == (1, 4, 0)
    assert Observation.objects.count() == 5
    # the skipped rows keep their first import and source
    assert Observation.objects.filter(batch=result.batch).count() == 1
    assert Observation.objects.filter(source="other source").count() == 0


def test_a_row_that_differs_from_the_stored_value_is_refused_and_nothing_is_written(
    mode: str,
) -> None:
    first = observation_import(data=GOOD.encode(), filename="q1.csv")
    changed = HEADER + "cycle-time,gamma,2024-01-01,1,\ncycle-time,alpha,2024-01-01,12.75,\n"

    with pytest.raises(InvalidDocument) as error:
        observation_import(data=changed.encode(), filename="q1-fixed.csv")

    assert problems_of(error) == [
        (
            3,
            "value",
            "differs from the stored value 12.5 (the file has 12.75); "
            "import with replace to overwrite stored values",
        )
    ]
    assert Observation.objects.count() == 4
    assert list(ObservationImport.objects.all()) == [first.batch]


def test_replace_overwrites_differing_values_and_adds_new_rows() -> None:
    observation_import(data=GOOD.encode(), filename="q1.csv")
    changed = HEADER + "cycle-time,gamma,2024-01-01,1,\ncycle-time,alpha,2024-01-01,12.75,fixed\n"

    result = observation_import(data=changed.encode(), filename="q1-fixed.csv", replace=True)

    assert (result.inserted, result.skipped, result.replaced) == (1, 0, 1)
    row = Observation.objects.get(
        measure__slug="cycle-time",
        work_activity__slug="alpha",
        observed_at=dt.datetime(2024, 1, 1, tzinfo=UTC),
    )
    assert (row.value, row.source, row.batch) == (12.75, "fixed", result.batch)
    assert Observation.objects.count() == 5


# --- size --------------------------------------------------------------------------------


def big_file(rows: int) -> bytes:
    """``rows`` observations: 3 measures x 3 work activities x consecutive days."""
    measures = ("cycle-time", "defect-density", "sla-attainment")
    activities = ("alpha", "beta", "gamma")
    start = dt.date(2000, 1, 1)
    lines = [HEADER]
    for n in range(rows):
        day = start + dt.timedelta(days=n // 9)
        lines.append(f"{measures[n % 3]},{activities[n // 3 % 3]},{day},{n % 97 + 0.5},\n")
    return "".join(lines).encode()


def test_a_50000_row_import_lands_in_few_statements(mode: str) -> None:
    data = big_file(50_000)
    seen: list[tuple[str, int, int | None]] = []

    with CaptureQueriesContext(connection) as queries:
        result = observation_import(
            data=data,
            filename="big.csv",
            progress=lambda phase, done, total: seen.append((phase, done, total)),
        )

    assert result.inserted == 50_000
    assert Observation.objects.count() == 50_000
    # Chunked writes: SQLite 500 rows a statement, PostgreSQL one COPY (not a query here).
    assert len(queries) < 200
    # rows read (and, for a sorted load, a second sweep of rows written), then the end
    assert seen[-1] == ("finish", 50_000, 50_000)
    assert all(0 < done <= 50_000 for _, done, _ in seen)
    phases = [phase for phase, _, _ in seen]
    assert phases == sorted(phases, key=["read", "write", "finish"].index)  # in order


def test_a_big_file_with_one_duplicate_names_both_lines() -> None:
    data = big_file(20_000) + b"cycle-time,alpha,2000-01-01,3,\n"

    with pytest.raises(InvalidDocument) as error:
        observation_import(data=data, filename="big.csv")

    assert problems_of(error) == [
        (20_002, "observed_at", "the same measure, work activity and time as line 2")
    ]
    assert_nothing_written()


def _waits_for(table: str) -> bool:
    """Whether another connection, reading ``table`` now, would wait for a lock (it
    gives up after a short lock timeout)."""
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"] or None,
        dbname=settings["NAME"],
        autocommit=True,
    ) as other:
        other.execute("SET lock_timeout = '300ms'")
        try:
            other.execute(f"SELECT count(*) FROM {table}")  # noqa: S608  (our table names)
        except psycopg.errors.LockNotAvailable:
            return True
    return False


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's locks")
def test_the_load_locks_the_tables_its_keys_refer_to_only_after_the_reading(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Setting the foreign keys aside locks measures, work activities and imports whole
    until the commit: not while the file is read, only for the write and the builds."""
    monkeypatch.setattr(observation_services, "LOAD_MIN_BYTES", 0)
    seen: dict[str, tuple[bool, bool]] = {}

    def progress(phase: str, done: int, total: int | None) -> None:
        if phase not in seen:
            seen[phase] = (
                _waits_for("measurements_measure"),
                _waits_for("organization_workactivity"),
            )

    observation_import(data=GOOD.encode(), filename="q1.csv", progress=progress)

    assert seen["read"] == (False, False)
    assert seen["write"] == (True, True)
