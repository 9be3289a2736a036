"""The reader's fast path (pyarrow) gives what its csv-module path gives, on any file.

The reader is given its slugs directly, so these tests need no database. Each compares
a reader with ``fast=True`` (pyarrow for plain blocks, the csv module from the first
irregular block on) with one with ``fast=False`` (the csv module throughout): the
same rows on the same lines, the same ids, times and values, the same problems.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from uplift.apps.measurements import fast_csv
from uplift.apps.measurements.importing import _NUMBER, ObservationReader
from uplift.domain.errors import InvalidDocument, Problem

MEASURES = {"cycle-time": 1, "defect-density": 2, "sla": 3}
WORK_ACTIVITIES = {"alpha": 10, "beta": 11, "gamma": 12}
HEADER = ["measure", "work_activity", "observed_at", "value", "source"]


@dataclass
class Outcome:
    """Everything a reader gives: the rows read (as columns), the rows again in key
    order, the summary, the problems, and how many rows the fast path read."""

    rows: dict[str, list[Any]]
    ordered: dict[str, list[Any]]
    summary: Any
    problems: list[Problem]
    fast_rows: int


def columns(batches: list[Any]) -> dict[str, list[Any]]:
    return {
        "lines": [line for b in batches for line in b.lines.tolist()],
        "measures": [m for b in batches for m in b.measure_ids.tolist()],
        "work_activities": [w for b in batches for w in b.work_activity_ids.tolist()],
        "observed_at": [t for b in batches for t in b.observed_at.tolist()],
        "values": [v for b in batches for v in b.values.tolist()],
        "sources": [s for b in batches for s in (b.sources or [""] * len(b))],
    }


def read(data: bytes, *, fast: bool, batch_rows: int = 7, path: Path | None = None) -> Outcome:
    try:
        reader = ObservationReader(
            data=None if path else data,
            path=path,
            filename="f.csv",
            measures=MEASURES,
            work_activities=WORK_ACTIVITIES,
            batch_rows=batch_rows,
            keep_rows=True,
            fast=fast,
        )
    except InvalidDocument as error:  # not CSV at all: refused before any row
        return Outcome({}, {}, None, error.problems, 0)
    with reader:
        rows = columns(list(reader.batches()))
        try:
            reader.finish()
        except InvalidDocument as error:
            return Outcome(rows, {}, None, error.problems, reader.fast_rows)
        ordered = columns(list(reader.sorted_batches()))
        return Outcome(rows, ordered, reader.summary(), [], reader.fast_rows)


def assert_same(data: bytes, **options: Any) -> Outcome:
    """Read ``data`` both ways; assert the same outcome; return the fast one.

    The rows read are compared when the file is good. A refused file is written
    nowhere, and the fast path may give back more of its good rows: the csv module
    loses the rows that precede a byte that is not UTF-8 in the same decoded block.
    """
    slow = read(data, fast=False, **options)
    fast = read(data, fast=True, **options)
    assert fast.problems == slow.problems
    if not slow.problems:
        assert fast.rows == slow.rows
    assert fast.ordered == slow.ordered
    assert fast.summary == slow.summary
    assert slow.fast_rows == 0
    return fast


def csv_bytes(rows: list[list[str]], *, delimiter: str = ",", newline: str = "\n") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    writer.writerows(rows)
    return out.getvalue().encode()


@pytest.fixture(autouse=True)
def _small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of a few rows, so that files of a few rows span several blocks."""
    monkeypatch.setattr(fast_csv, "BLOCK_BYTES", 256)


# --- plain files: read fast, and the same ----------------------------------------------

GOOD_ROWS = [
    ["cycle-time", "alpha", "2024-01-01", "12.5", "tracker"],
    ["cycle-time", "alpha", "2024-01-02T10:30:00+02:00", "13", "tracker"],
    ["defect-density", "beta", "2024-01-01 08:00", "0.8", ""],
    ["sla", "gamma", "2024-01-01T00:00:00Z", "99.5", "survey"],
    ["sla", "gamma", "2024-01-01T00:00:00.250-0500", "-.5e+3", "  padded  "],
    ["sla", "beta", "2024-03-01T09:30z", "+1.", "x" * 100],
]


def test_a_plain_file_is_read_by_the_fast_path_with_the_same_rows() -> None:
    rows = [HEADER] + [list(row) for row in GOOD_ROWS * 10]
    for n, row in enumerate(rows[1:]):  # distinct keys: one day per row
        row[2] = f"2023-{n % 12 + 1:02d}-{n % 28 + 1:02d}T{n % 24:02d}:00"

    fast = assert_same(csv_bytes(rows))

    assert fast.fast_rows == 60
    assert len(fast.rows["lines"]) == 60
    assert fast.problems == []


@pytest.mark.parametrize(
    ("delimiter", "newline", "bom"),
    [(";", "\n", False), ("\t", "\r\n", False), (",", "\r\n", True)],
)
def test_delimiters_windows_line_ends_and_a_byte_order_mark_are_read_fast(
    delimiter: str, newline: str, bom: bool
) -> None:
    data = csv_bytes([HEADER, *GOOD_ROWS], delimiter=delimiter, newline=newline)

    fast = assert_same(b"\xef\xbb\xbf" + data if bom else data)

    assert fast.fast_rows == len(GOOD_ROWS)


def test_a_file_is_read_fast_from_its_path(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_bytes(csv_bytes([HEADER, *GOOD_ROWS]))

    fast = assert_same(b"", path=path)

    assert fast.fast_rows == len(GOOD_ROWS)


def test_columns_in_another_order_and_ignored_columns_are_read_fast() -> None:
    header = ["note", "value", "observed_at", "work_activity", "measure"]
    rows = [[f"n{i}", r[3], r[2], r[1], r[0]] for i, r in enumerate(GOOD_ROWS)]

    fast = assert_same(csv_bytes([header, *rows]))

    assert fast.fast_rows == len(GOOD_ROWS)


# --- irregular files: the csv-module path takes over, with the same problems -----------

IRREGULAR = {
    "quoted cell": 'sla,gamma,2024-02-01,1,"a, b"',
    "quoted newline": 'sla,gamma,2024-02-01,1,"a\nb"',
    "quote in an ignored cell": 'sla,gamma,2024-02-01,1,x,"y"',
    "blank line": "",
    "spaces around a slug": " sla ,gamma,2024-02-01,1,",
    "spaces around a value": "sla,gamma,2024-02-01, 1 ,",
    "unknown measure": "speed,gamma,2024-02-01,1,",
    "unknown work activity": "sla,delta,2024-02-01,1,",
    "empty measure": ",gamma,2024-02-01,1,",
    "bad time": "sla,gamma,01/02/2024,1,",
    "impossible date": "sla,gamma,2024-02-30,1,",
    "decimal comma": 'sla,gamma,2024-02-01,"1,5",',
    "not a number": "sla,gamma,2024-02-01,nan,",
    "too large": "sla,gamma,2024-02-01,1e999,",
    "empty value": "sla,gamma,2024-02-01,,",
    "underscore": "sla,gamma,2024-02-01,1_000,",
    "long source": "sla,gamma,2024-02-01,1," + "s" * 101,
    "too few cells": "sla,gamma,2024-02-01",
    "too many cells": "sla,gamma,2024-02-01,1,x,y",
    "empty extra cells": "sla,gamma,2024-02-01,1,x,,",
    "duplicate": "cycle-time,alpha,2023-01-01T00:00,5,",
    "unterminated quote": 'sla,gamma,2024-02-01,1,"open',
    "non-ascii digit": "sla,gamma,2024-02-01,\u0661,",
}


@pytest.mark.parametrize("where", ["first", "middle", "last"])
@pytest.mark.parametrize("name", sorted(IRREGULAR))
def test_an_irregular_row_gives_the_same_rows_and_problems_either_way(
    name: str, where: str
) -> None:
    good = [
        f"cycle-time,alpha,2023-01-{n % 28 + 1:02d}T{n // 28:02d}:00,{n}.5,src{n % 3}"
        for n in range(40)
    ]
    at = {"first": 0, "middle": 20, "last": 40}[where]
    lines = [",".join(HEADER), *good[:at], IRREGULAR[name], *good[at:]]

    assert_same("\n".join(lines).encode() + b"\n")


def test_bytes_that_are_not_utf8_are_located_the_same_way() -> None:
    good = "".join(
        f"cycle-time,alpha,2024-01-{n % 28 + 1:02d}T{n // 28:02d}:00,1,\n" for n in range(600)
    )
    data = (",".join(HEADER) + "\n" + good).encode() + "sla,beta,2025-01-01,1,Zürich\n".encode(
        "latin-1"
    )

    fast = assert_same(data)

    assert [(p.line, p.message) for p in fast.problems] == [(602, "the file is not UTF-8 text")]


@pytest.mark.parametrize(
    "text",
    [
        ",".join(HEADER) + "\n",
        ",".join(HEADER) + "\n\n\n",
        ",".join(HEADER),
        '"measure","work_activity","observed_at","value"\n"sla","gamma","2024-01-01","1"\n',
    ],
)
def test_a_file_without_rows_or_with_a_quoted_header_gives_the_same_outcome(text: str) -> None:
    assert_same(text.encode())


# --- any file: a property ----------------------------------------------------------------

SLUG_CELLS = st.sampled_from([*MEASURES, "cycle-time", "sla"]) | st.sampled_from(
    ["", " sla", "nope", '"sla"']
)
ACTIVITY_CELLS = st.sampled_from([*WORK_ACTIVITIES, "alpha"]) | st.sampled_from(
    ["", "beta ", "delta"]
)
GOOD_TIMES = st.builds(
    lambda day, time: f"2024-02-{day:02d}{time}",
    st.integers(1, 29),
    st.sampled_from(["", "T09:00", " 23:30:15", "T00:59:59.123456Z", "T09:00z", "T01:00+02:00"])
    | st.sampled_from([" 12:00-0530", "T12:00:00+01"]),
)
TIME_CELLS = GOOD_TIMES | st.sampled_from(
    ["", "2024-02-30", "01/02/2024", "2024-02-01 ", "yesterday", '"2024-02-01"']
)
GOOD_VALUES = st.floats(allow_nan=False, allow_infinity=False).map(repr) | st.from_regex(
    r"[+-]?(?:[0-9]{1,9}(?:\.[0-9]{0,9})?|\.[0-9]{1,9})(?:[eE][+-]?[0-9]{1,2})?", fullmatch=True
)
VALUE_CELLS = st.from_regex(_NUMBER, fullmatch=True) | st.sampled_from(
    ["", "1,5", "nan", "inf", " 2", "1e999", "1_0", "x"]
)
SOURCE_CELLS = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12
) | st.just("s" * 101)


@st.composite
def observation_files(draw: st.DrawFn) -> bytes:
    """CSV files of up to 40 rows, mostly good, sometimes irregular in any way."""
    extra = draw(st.booleans())
    header = [*HEADER, "note"] if extra else list(HEADER)
    rows: list[list[str]] = [header]
    for _ in range(draw(st.integers(0, 40))):
        regular = draw(st.integers(0, 29)) > 0
        measure = draw(SLUG_CELLS if not regular else st.sampled_from(sorted(MEASURES)))
        activity = draw(ACTIVITY_CELLS if not regular else st.sampled_from(sorted(WORK_ACTIVITIES)))
        when = draw(TIME_CELLS if not regular else GOOD_TIMES)
        value = draw(VALUE_CELLS if not regular else GOOD_VALUES)
        source = draw(SOURCE_CELLS if not regular else st.sampled_from(["", "jira", "a b"]))
        row = [measure, activity, when, value, source]
        if extra:
            row.append(draw(st.sampled_from(["", "n", "a,b" if not regular else "ab", 'q"q'])))
        if not regular and draw(st.booleans()):
            row = row[: draw(st.integers(1, len(row)))] if draw(st.booleans()) else [*row, "x"]
        rows.append(row)
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    data = csv_bytes(rows, delimiter=delimiter, newline=draw(st.sampled_from(["\n", "\r\n"])))
    if draw(st.integers(0, 19)) == 0:  # a blank line somewhere
        lines = data.split(b"\n")
        lines.insert(draw(st.integers(1, len(lines))), b"")
        data = b"\n".join(lines)
    return data


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=observation_files(), batch_rows=st.integers(1, 50))
def test_the_fast_and_the_slow_path_agree_on_any_file(data: bytes, batch_rows: int) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fast_csv, "BLOCK_BYTES", 256)
        fast = assert_same(data, batch_rows=batch_rows)
    read_fast = fast.fast_rows > 0
    read_slow = bool(fast.problems) or fast.fast_rows < len(fast.rows.get("lines", []))
    event(
        {(True, False): "fast only", (False, True): "slow only"}.get((read_fast, read_slow), "both")
    )


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.lists(st.from_regex(_NUMBER, fullmatch=True), min_size=1, max_size=30),
)
def test_every_plain_number_is_read_fast_as_python_reads_it(values: list[str]) -> None:
    rows = [HEADER] + [
        ["sla", "gamma", f"2024-01-01T00:{n // 60:02d}:{n % 60:02d}", value, ""]
        for n, value in enumerate(values)
    ]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fast_csv, "BLOCK_BYTES", 1 << 16)
        fast = assert_same(csv_bytes(rows))

    if all(np.isfinite(float(v)) for v in values):
        assert fast.fast_rows == len(values)
        assert fast.rows["values"] == [float(v) for v in values]
