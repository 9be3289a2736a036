"""Writes of a service's cost and demand per month: one at a time (``period_set``,
``period_delete``) or from a CSV file, all or nothing (``periods_import``). Callers
import them from ``services.portfolio``."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from uplift.apps.improvements.history import record_actor
from uplift.apps.service_portfolio.errors import (
    ConflictError,
    ServicePortfolioError,
    lock_for_update,
)
from uplift.apps.service_portfolio.models import Service, ServicePeriod
from uplift.apps.service_portfolio.services.portfolio_checks import (
    User,
    _clean_cost,
    _clean_demand,
    _clean_period,
    _row_check,
)
from uplift.domain.errors import InvalidDocument, Problem

__all__ = [
    "IMPORT_COLUMNS",
    "MAX_IMPORT_BYTES",
    "MAX_IMPORT_ROWS",
    "period_delete",
    "period_set",
    "periods_import",
]

IMPORT_COLUMNS: tuple[str, ...] = ("period", "cost", "demand")
MAX_IMPORT_BYTES = 1_000_000
MAX_IMPORT_ROWS = 5_000
_MAX_PROBLEMS = 100
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")


def _period_write(
    row: ServicePeriod | None,
    *,
    service: Service,
    period: dt.date,
    cost: Decimal,
    demand: float | None,
    actor: User,
    reason: str,
) -> tuple[ServicePeriod, bool]:
    """Create or change one period row; ``(row, written)``: unchanged rows are not saved."""
    if row is None:
        row = ServicePeriod(service=service, period=period, cost=cost, demand=demand)
        record_actor(row, actor, reason)
        row.save(force_insert=True)
        return row, True
    if row.cost == cost and row.demand == demand:
        return row, False
    row.cost, row.demand = cost, demand
    row.version += 1
    record_actor(row, actor, reason)
    row.save(update_fields=["cost", "demand", "version"])
    return row, True


@transaction.atomic
def period_set(
    *,
    actor: User,
    service: Service,
    period: dt.date,
    cost: Any,
    demand: Any = None,
    expected_version: int | None = None,
) -> ServicePeriod:
    """Record the cost (and demand) of one month of a service, or replace what was
    recorded for it. ``period`` is any day of the month (it is stored as the first);
    the month must have begun. An unchanged figure writes nothing (the version stays).
    ``expected_version`` is the ``version`` of the month's row an edit started from
    (None: record the month, replacing what is kept).

    Raises ``PermissionDenied`` unless the actor may add and change the service's
    periods; ``ConflictError`` when the month was saved after ``expected_version``, or
    deleted since; ``ServicePortfolioError`` for a month in the future or before 1990, a
    cost that is negative or has more than two decimals, or negative demand.
    """
    _row_check(actor, service, "add", "serviceperiod", "record cost and demand")
    _row_check(actor, service, "change", "serviceperiod", "change cost and demand")
    month = _clean_period(period)
    clean_cost = _clean_cost(cost)
    clean_demand = _clean_demand(demand)
    existing = (
        ServicePeriod.objects.select_for_update().filter(service=service, period=month).first()
    )
    if expected_version is not None:
        if existing is None:
            raise ConflictError(
                f"The cost and demand of {month:%Y-%m} were deleted after you opened them. "
                "Nothing was saved: reload the page, then record the month again.",
                field="version",
            )
        existing = lock_for_update(
            ServicePeriod.objects.all(), pk=existing.pk, expected_version=expected_version
        )
    row, _ = _period_write(
        existing,
        service=service,
        period=month,
        cost=clean_cost,
        demand=clean_demand,
        actor=actor,
        reason=f"{'Changed' if existing else 'Recorded'} cost and demand of {month:%Y-%m}",
    )
    return row


@transaction.atomic
def period_delete(*, actor: User, period_row: ServicePeriod) -> ServicePeriod:
    """Delete one period's cost and demand (the history keeps it, with who deleted it).
    Returns the deleted row. Raises ``PermissionDenied`` unless the actor may delete
    the service's periods."""
    service = period_row.service
    _row_check(actor, service, "delete", "serviceperiod", "delete cost and demand")
    record_actor(period_row, actor, f"Deleted cost and demand of {period_row.period:%Y-%m}")
    period_row.delete()
    return period_row


@dataclass(frozen=True)
class _FileRow:
    line: int
    period: dt.date
    cost: Decimal
    demand: float | None


class _Problems:
    """The problems of one file, in line order, at most ``_MAX_PROBLEMS`` kept."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.items: list[Problem] = []
        self.more = 0

    def add(self, message: str, line: int | None = None, field: str = "") -> None:
        if len(self.items) < _MAX_PROBLEMS:
            self.items.append(Problem(message, self.filename, line, "", field))
        else:
            self.more += 1

    def raise_if_any(self) -> None:
        if not self.items:
            return
        problems = list(self.items)
        if self.more:
            problems.append(
                Problem(f"… and {self.more} more problem(s) not listed.", self.filename)
            )
        raise InvalidDocument(problems)


def _decode(data: bytes, filename: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        message = "The file is not UTF-8 text (save it as “CSV UTF-8”)."
        raise InvalidDocument([Problem(message, filename, line)]) from None


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _file_number(text: str, field: str) -> Decimal:
    """A number as a file writes it: a decimal point, no thousands separators."""
    if not _NUMBER.match(text):
        if re.fullmatch(r"[+-]?[\d.]*,\d+", text):
            raise ServicePortfolioError(
                f"“{text}”: write the number with a decimal point and no thousands "
                "separators (e.g. 1234.5).",
                field=field,
            )
        raise ServicePortfolioError(f"“{text}” is not a number.", field=field)
    return Decimal(text)


def _read_header(row: list[str], problems: _Problems) -> dict[str, int]:
    names = [cell.strip().lower() for cell in row]
    found = ", ".join(cell.strip() for cell in row if cell.strip()) or "nothing"
    if not set(names) & set(IMPORT_COLUMNS):
        problems.add(
            "The first line names the columns: period, cost and (optionally) demand; found "
            f"{found}.",
            line=1,
        )
        return {}
    columns: dict[str, int] = {}
    for index, name in enumerate(names):
        if name in columns:
            problems.add(f"The column {name} is named twice.", line=1)
        elif name in IMPORT_COLUMNS:
            columns[name] = index
        elif name:
            problems.add(
                f"Unknown column “{row[index].strip()}”: the columns are period, cost and "
                "(optionally) demand.",
                line=1,
            )
    missing = [name for name in ("period", "cost") if name not in columns]
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        problems.add(
            f"The column {' and '.join(missing)} {verb} missing from the first line (found "
            f"{found}).",
            line=1,
        )
    return columns


def _read_periods(data: bytes, filename: str) -> list[_FileRow]:
    """Every row of a periods file checked by the rules of ``period_set``; raises
    ``InvalidDocument`` with every problem, located by line and column."""
    problems = _Problems(filename)
    if len(data) > MAX_IMPORT_BYTES:
        message = f"The file is larger than {MAX_IMPORT_BYTES // 1000} kB: split it."
        raise InvalidDocument([Problem(message, filename)])
    text = _decode(data, filename)
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    try:
        header = next(reader, None)
    except csv.Error as error:
        problems.add(f"The file is not CSV: {error}.", line=1)
        problems.raise_if_any()
    if header is None or not any(cell.strip() for cell in header):
        problems.add("The file is empty: the first line names the columns period, cost, demand.")
        problems.raise_if_any()
    assert header is not None  # noqa: S101 - refused above; narrows the type for mypy
    columns = _read_header(header, problems)
    problems.raise_if_any()

    rows: list[_FileRow] = []
    seen: dict[dt.date, int] = {}
    line = reader.line_num
    try:
        for record in reader:
            start, line = line + 1, reader.line_num
            if not any(cell.strip() for cell in record):
                continue  # a blank line
            if len(rows) >= MAX_IMPORT_ROWS:
                problems.add(f"More than {MAX_IMPORT_ROWS} rows: split the file.", line=start)
                break
            if len(record) > len(header):
                problems.add(
                    f"{len(record)} cells, but the first line names {len(header)} columns.",
                    line=start,
                )
                continue

            checked: dict[str, Any] = {}
            for name in IMPORT_COLUMNS:
                index = columns.get(name)
                text = record[index].strip() if index is not None and index < len(record) else ""
                try:
                    checked[name] = _file_cell(name, text)
                except ServicePortfolioError as error:
                    problems.add(error.message, line=start, field=name)
            if len(checked) < len(IMPORT_COLUMNS):
                continue
            earlier = seen.get(checked["period"])
            if earlier is not None:
                problems.add(
                    f"{checked['period']:%Y-%m} is on line {earlier} already.",
                    line=start,
                    field="period",
                )
                continue
            seen[checked["period"]] = start
            rows.append(_FileRow(start, checked["period"], checked["cost"], checked["demand"]))
    except csv.Error as error:
        problems.add(f"The file is not CSV: {error}.", line=line + 1)
    if not rows and not problems.items:
        problems.add("The file has no rows under its first line.", line=2)
    problems.raise_if_any()
    return rows


def _file_cell(name: str, text: str) -> Any:
    """One cell of a periods file checked by the rules of ``period_set``."""
    if name == "period":
        if not text:
            raise ServicePortfolioError("Give the month (YYYY-MM).", field="period")
        return _clean_period(text)
    if name == "cost":
        if not text:
            raise ServicePortfolioError("Give the cost of the month.", field="cost")
        return _clean_cost(_file_number(text, "cost"))
    return _clean_demand(float(_file_number(text, "demand"))) if text else None


@transaction.atomic
def periods_import(*, actor: User, service: Service, data: bytes, filename: str) -> int:
    """Record the cost and demand of many months from a CSV file: all or nothing.

    The file (UTF-8; ``,`` ``;`` or tab between cells) names its columns on the first
    line: ``period`` (``YYYY-MM`` or a date in the month), ``cost`` (a number with a
    decimal point, at most two decimals) and optionally ``demand``; the names are
    case-insensitive. Every row follows the rules of ``period_set``; a month may appear
    once. Months already recorded are replaced by the file's figures (unchanged ones are
    not written again). Returns the number of months in the file.

    Raises ``PermissionDenied`` unless the actor may add and change the service's
    periods; ``InvalidDocument`` listing every problem (line, column, what is wrong):
    nothing is written then.
    """
    _row_check(actor, service, "add", "serviceperiod", "record cost and demand")
    _row_check(actor, service, "change", "serviceperiod", "change cost and demand")
    rows = _read_periods(data, filename)
    existing = {
        row.period: row
        for row in ServicePeriod.objects.select_for_update().filter(
            service=service, period__in=[r.period for r in rows]
        )
    }
    reason = f"Imported from {filename}" if filename else "Imported"
    for row in rows:
        _period_write(
            existing.get(row.period),
            service=service,
            period=row.period,
            cost=row.cost,
            demand=row.demand,
            actor=actor,
            reason=reason,
        )
    return len(rows)
