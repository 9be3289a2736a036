"""Reading the ``value`` column of a CSV file: values, their lines, located problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from uplift.domain.errors import InvalidDocument, Problem
from uplift.domain.measurement_files import MAX_PROBLEMS, parse_values, read_values


def problems_of(text: str) -> list[Problem]:
    with pytest.raises(InvalidDocument) as raised:
        parse_values(text, filename="m.csv")
    return raised.value.problems


def test_reads_the_value_column_and_ignores_the_others() -> None:
    column = parse_values(
        "date,unit,value\n2024-01-01,A,12\n2024-01-02,B,-0.5\n\n2024-01-03,A,1.2e3\n",
        filename="m.csv",
    )

    assert column.values == (12.0, -0.5, 1200.0)
    assert column.lines == (2, 3, 5)  # the blank line 4 is skipped
    assert (column.filename, column.column) == ("m.csv", "value")


@pytest.mark.parametrize(
    "text",
    [
        "value\n1\n2.5\n",
        "when;value\nmon;1\ntue;2.5\n",
        "when\tvalue\nmon\t1\ntue\t2.5\n",
        "\ufeffvalue\r\n1\r\n2.5\r\n",
        ' value ,note\n"1","a, b"\n+2.5,\n',
    ],
    ids=["single column", "semicolons", "tabs", "BOM and CRLF", "quoted cells"],
)
def test_delimiters_quotes_and_line_endings(text: str) -> None:
    assert parse_values(text, filename="m.csv").values == (1.0, 2.5)


def test_a_quoted_cell_over_two_lines_keeps_the_line_numbers_right() -> None:
    text = 'value,note\n1,"two\nlines"\nabc,x\n'

    assert problems_of(text) == [
        Problem("'abc' is not a number", file="m.csv", line=4, field="value")
    ]


def test_every_bad_value_is_reported_with_its_line_and_column() -> None:
    text = "id;value\na;1,5\nb;\nc;nan\nd;1e999\ne;12 kg\nf;7\ng\n"

    assert problems_of(text) == [
        Problem(message, file="m.csv", line=line, field="value")
        for line, message in [
            (2, "'1,5' is not a number; write decimals with a point"),
            (3, "the value is empty"),
            (4, "'nan' is not a number"),
            (5, "'1e999' is too large for a number"),
            (6, "'12 kg' is not a number"),
            (8, "the row has 1 cell; the header has 2"),
        ]
    ]


def test_problems_stop_at_the_cap_and_count_the_rest() -> None:
    text = "value\n" + "x\n" * (MAX_PROBLEMS + 7)

    problems = problems_of(text)

    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[-1] == Problem("and 7 more problems like these", file="m.csv", field="value")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", Problem("the file is empty", file="m.csv", line=1)),
        (
            "value\n\n",
            Problem("the file has no values, only a header", file="m.csv", line=1, field="value"),
        ),
        (
            "Value,other\n1,2\n",
            Problem(
                "the column 'value' is missing (the header has 'Value', 'other')",
                file="m.csv",
                line=1,
                field="value",
            ),
        ),
        (
            "value,value\n1,2\n",
            Problem("the column 'value' appears 2 times", file="m.csv", line=1, field="value"),
        ),
        (
            'value\n1\n"2\n3\n',
            Problem("not valid CSV: unexpected end of data", file="m.csv", line=3, field="value"),
        ),
        (
            '{"value": [1, 2]}\n',
            Problem(
                """the column 'value' is missing (the header has '{"value": [1', '2]}')""",
                file="m.csv",
                line=1,
                field="value",
            ),
        ),
    ],
    ids=["empty", "header only", "missing column", "twice", "open quote", "json"],
)
def test_a_file_without_usable_values_is_one_located_problem(text: str, problem: Problem) -> None:
    assert problems_of(text) == [problem]


def test_reads_a_path_and_names_it_as_given(tmp_path: Path) -> None:
    path = tmp_path / "cycle-time.csv"
    path.write_text("value\n3\n4\n", encoding="utf-8")

    assert read_values(path).values == (3.0, 4.0)
    assert read_values(path, filename="upload.csv").filename == "upload.csv"
    assert read_values(str(path)).filename == str(path)


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (
            b"PK\x03\x04\x14\x00\x06\x00",
            Problem(
                "the file is a zipped document (an XLSX workbook?), not CSV text; save it as CSV",
                file="f.csv",
            ),
        ),
        (
            b"value\n1\n\x00\x01\x02",
            Problem("the file is binary (a NUL byte), not CSV text", file="f.csv", line=3),
        ),
        (b"value\n1\n\xe9\n", Problem("the file is not UTF-8 text", file="f.csv", line=3)),
    ],
    ids=["xlsx", "binary", "latin-1"],
)
def test_a_file_that_is_not_csv_text_is_refused(raw: bytes, problem: Problem) -> None:
    with pytest.raises(InvalidDocument) as raised:
        read_values(raw, filename="f.csv")

    assert raised.value.problems == [problem]


def test_a_missing_file_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.csv"

    with pytest.raises(InvalidDocument) as raised:
        read_values(path)

    assert str(raised.value) == f"{path}: cannot read the file: No such file or directory"


def test_another_column_can_be_read() -> None:
    column = parse_values("value,effort\n1,30\n2,45\n", filename="m.csv", column="effort")

    assert (column.column, column.values) == ("effort", (30.0, 45.0))
