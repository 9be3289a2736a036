"""The commands' shared output: JSON made from service results, and tables."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace

import pytest

from uplift.cli.output import json_ready, print_json, print_table, username


@dataclasses.dataclass(frozen=True)
class _Plain:
    share: Fraction
    on: dt.date


@dataclasses.dataclass(frozen=True)
class _Shaped:
    def as_json(self) -> dict[str, object]:
        return {"shape": "own"}


class _Row:
    pk = 7
    _meta = object()


def test_json_ready_turns_numbers_dates_dataclasses_and_rows_into_plain_values():
    value = {
        "cost": Decimal("1.50"),
        "when": dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC),
        "plain": _Plain(Fraction(1, 4), dt.date(2026, 3, 1)),
        "shaped": _Shaped(),
        "rows": (_Row(), {3}),
    }

    assert json_ready(value) == {
        "cost": 1.5,
        "when": "2026-03-01T09:30:00+00:00",
        "plain": {"share": 0.25, "on": "2026-03-01"},
        "shaped": {"shape": "own"},
        "rows": [7, [3]],
    }


def test_print_json_refuses_a_number_that_is_not_finite(capsys):
    print_json({"a": 1})
    assert json.loads(capsys.readouterr().out) == {"a": 1}
    with pytest.raises(ValueError, match="Out of range float"):
        print_json({"a": float("nan")})


def test_print_table_pads_each_column_to_its_widest_cell(capsys):
    print_table(("plan", "state"), [("DEP-1", "complete"), ("DEP-12", "draft")])

    assert capsys.readouterr().out.splitlines() == [
        "plan    state",
        "DEP-1   complete",
        "DEP-12  draft",
    ]


def test_username_is_the_sign_in_name_or_none():
    assert username(SimpleNamespace(get_username=lambda: "grace")) == "grace"
    assert username(None) is None
