"""uplift.domain.yaml_locate: JSON paths to lines, syntax errors and repeated keys."""

from __future__ import annotations

import pytest

from uplift.domain.errors import InvalidDocument
from uplift.domain.yaml_locate import load_located, parse_json_path

TEXT = """\
uplift: appraisal/1
basic_units: [alpha, beta]
characterizations:
  REQM SP 1.1: {alpha: FI,
    beta: LI}
  PP SP 1.1:
    alpha: FI
judgments:
  practices:
    'PP SP 2.3': {value: LI, rationale: r}
"""


@pytest.mark.parametrize(
    ("path", "parts"),
    [
        ("$", ()),
        ("$.model", ("model",)),
        ("$.basic_units[1]", ("basic_units", 1)),
        ('$.characterizations["REQM SP 1.1"].alpha', ("characterizations", "REQM SP 1.1", "alpha")),
        ("$.judgments.practices['PP SP 2.3']", ("judgments", "practices", "PP SP 2.3")),
        ('$.a["say \\"hi\\""]', ("a", 'say "hi"')),
        ("not a path", ()),
    ],
)
def test_json_paths_split_into_keys_and_indexes(path: str, parts: tuple[object, ...]) -> None:
    assert parse_json_path(path) == parts


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ("$", 1),
        ("$.basic_units[1]", 2),
        ('$.characterizations["REQM SP 1.1"]', 4),
        ('$.characterizations["REQM SP 1.1"].beta', 5),
        ('$.characterizations["PP SP 1.1"]', 6),  # the key's line, not the value's
        ('$.characterizations["PP SP 1.1"].alpha', 7),
        ('$.characterizations["PP SP 1.1"].gamma', 7),  # missing: its nearest parent
        ('$.judgments.practices["PP SP 2.3"]', 10),
        ("$.model", 1),
    ],
)
def test_a_path_points_at_its_line(path: str, line: int) -> None:
    data, locate = load_located(TEXT)

    assert locate(path) == line
    assert isinstance(data, dict)


def test_json_texts_are_located_too() -> None:
    _, locate = load_located('{\n  "uplift": "appraisal/1",\n  "basic_units": ["a",\n "b"]\n}')

    assert locate("$.basic_units[1]") == 4


def test_a_syntax_error_is_a_located_problem() -> None:
    with pytest.raises(InvalidDocument) as excinfo:
        load_located("a: 1\nb: [1, 2\nc: 3\n", filename="x.yaml")

    (problem,) = excinfo.value.problems
    assert (problem.file, problem.line) == ("x.yaml", 3)
    assert problem.message.startswith("syntax error: ")


def test_keys_given_twice_are_refused_with_the_line_of_each_repeat() -> None:
    with pytest.raises(InvalidDocument) as excinfo:
        load_located("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n", filename="x.yaml")

    assert [str(p) for p in excinfo.value.problems] == [
        "x.yaml:4: the key 'c' is given twice in one mapping",
        "x.yaml:5: the key 'a' is given twice in one mapping",
    ]


def test_an_empty_text_has_no_data_and_no_lines() -> None:
    data, locate = load_located("")

    assert (data, locate("$.model")) == (None, None)
