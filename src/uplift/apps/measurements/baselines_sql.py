"""Baseline statistics computed in the database, one row per group (issue 4).

:func:`baseline_by_group` returns, per measure and work activity (or per measure over
the selected work activities), the statistics a ``Baseline`` records: n, mean, sample
standard deviation, median, quartiles, 10th and 90th percentiles, the mean moving
range and the natural process limits. Only the ~10,000 result rows reach Python, never
the observations: the benchmark (``benchmarks/bench_measurements.py``) measures this
very function over 5 million rows.

The numbers match :func:`uplift.domain.statistics.describe` (tested):

- quantiles by linear interpolation between order statistics (Hyndman & Fan type 7,
  NumPy's default): PostgreSQL's ``percentile_cont``; SQLite has no ordered-set
  aggregates, so each row's rank within its group (``row_number()`` over the group
  ordered by value) picks the two order statistics around ``(n - 1) p`` and an
  aggregate over just those rows interpolates between them;
- the sample standard deviation: PostgreSQL's ``stddev_samp``; on SQLite the sum of
  squared deviations from the group mean (a window average: two passes, so no
  cancellation), the square root taken in Python on the result rows;
- moving ranges ``|x[i] - x[i-1]|`` in time order within each group (``lag()``), their
  mean ``mr_bar``, and limits ``mean ± 2.66 mr_bar`` (Wheeler's XmR chart). For a
  pooled group (``by_work_activity=False``) the moving ranges run over the pooled
  values in time order, then work activity order (as :func:`series` returns them).

Groups of one observation have ``sd``, ``mr_bar`` and the limits ``None``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import connection

from uplift.apps.measurements.models import Observation
from uplift.domain.statistics import XMR_LIMIT_FACTOR

__all__ = ["QUANTILES", "GroupBaseline", "baseline_by_group", "series"]

QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)


@dataclass(frozen=True)
class GroupBaseline:
    """The baseline statistics of one group; ``work_activity_id`` is ``None`` when pooled."""

    measure_id: int
    work_activity_id: int | None
    n: int
    mean: float
    sd: float | None
    median: float
    q1: float
    q3: float
    p10: float
    p90: float
    mr_bar: float | None
    lnpl: float | None
    unpl: float | None


def _where(
    measure_ids: Sequence[int] | None,
    work_activity_ids: Sequence[int] | None,
    start: datetime | None,
    end: datetime | None,
) -> tuple[str, list[Any]]:
    """The WHERE clause and its parameters (``start`` inclusive, ``end`` exclusive)."""
    clauses: list[str] = []
    params: list[Any] = []
    postgres = connection.vendor == "postgresql"
    # One parameter however many ids (old SQLite builds allow 999 parameters).
    membership = "{} = ANY(%s)" if postgres else "{} IN (SELECT value FROM json_each(%s))"
    for column, ids in (("measure_id", measure_ids), ("work_activity_id", work_activity_ids)):
        if ids is None:
            continue
        clauses.append(membership.format(column))
        numbers = [int(i) for i in ids]
        params.append(numbers if postgres else json.dumps(numbers))
    if start is not None:
        clauses.append("observed_at >= %s")
        params.append(connection.ops.adapt_datetimefield_value(start))
    if end is not None:
        clauses.append("observed_at < %s")
        params.append(connection.ops.adapt_datetimefield_value(end))
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


_POSTGRES = """
WITH base AS (
    SELECT {group}, value,
           abs(value - lag(value) OVER (PARTITION BY {group} ORDER BY {order})) AS mr
    FROM {table}{where}
)
SELECT {group}, count(*), avg(value), stddev_samp(value),
       percentile_cont(%s::float8[]) WITHIN GROUP (ORDER BY value), avg(mr)
FROM base GROUP BY {group} ORDER BY {group}
"""

# SQLite: three passes. stats (n, mean) and spread (squared deviations, moving ranges)
# read the table in the unique index's order, (measure, work activity, time), which is
# already the order lag() needs; ranked sorts each group by value, and only the rows at
# the ranks the quantiles need (two per quantile) reach the last aggregate.
_SQLITE_POSITION = "CAST((n - 1) * {p} AS INTEGER)"
_SQLITE_QUANTILE = (
    "sum(CASE WHEN i = {lo} THEN v * (1 - ((n - 1) * {p} - {lo})) "
    "WHEN i = {lo} + 1 THEN v * ((n - 1) * {p} - {lo}) ELSE 0 END)"
)
_SQLITE = """
WITH stats AS (
    SELECT {group}, count(*) AS n, avg(value) AS mean FROM {table}{where} GROUP BY {group}
),
spread AS (
    SELECT {group}, sum((v - mean) * (v - mean)) AS squares, avg(mr) AS mr_bar FROM (
        SELECT {group}, value AS v, mean,
               abs(value - lag(value) OVER (PARTITION BY {group} ORDER BY {order})) AS mr
        FROM {table} JOIN stats USING ({group}){where}
    ) GROUP BY {group}
),
ranked AS (
    SELECT {group}, value AS v, n,
           row_number() OVER (PARTITION BY {group} ORDER BY value) - 1 AS i
    FROM {table} JOIN stats USING ({group}){where}
),
quantiles AS (
    SELECT {group}, {quantiles} FROM ranked WHERE {positions} GROUP BY {group}
)
SELECT {group}, n, mean, CASE WHEN n > 1 THEN squares / (n - 1) END, {quantile_columns}, mr_bar
FROM stats JOIN spread USING ({group}) JOIN quantiles USING ({group}) ORDER BY {group}
"""


def _sqlite_sql(group: str, table: str, where: str, order: str) -> str:
    positions = [_SQLITE_POSITION.format(p=repr(p)) for p in QUANTILES]
    quantiles = ", ".join(
        _SQLITE_QUANTILE.format(p=repr(p), lo=lo) + f" AS q{k}"
        for k, (p, lo) in enumerate(zip(QUANTILES, positions, strict=True))
    )
    wanted = " OR ".join(f"i = {lo} OR i = {lo} + 1" for lo in positions)
    return _SQLITE.format(
        group=group,
        table=table,
        where=where,
        order=order,
        quantiles=quantiles,
        positions=wanted,
        quantile_columns=", ".join(f"q{k}" for k in range(len(QUANTILES))),
    )


def baseline_by_group(
    measure_ids: Sequence[int] | None = None,
    work_activity_ids: Sequence[int] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    by_work_activity: bool = True,
) -> list[GroupBaseline]:
    """Baseline statistics per measure and work activity, in one query.

    ``measure_ids``/``work_activity_ids`` narrow the observations (``None``: all);
    ``start`` (inclusive) and ``end`` (exclusive) bound ``observed_at``. With
    ``by_work_activity=False`` the selected work activities are pooled: one row per
    measure. Rows come ordered by measure and work activity; groups without
    observations are absent.
    """
    where, params = _where(measure_ids, work_activity_ids, start, end)
    group = "measure_id, work_activity_id" if by_work_activity else "measure_id"
    # Pooled: observations at the same time are taken in work activity order, as series().
    order = "observed_at" if by_work_activity else "observed_at, work_activity_id"
    table = connection.ops.quote_name(Observation._meta.db_table)
    postgres = connection.vendor == "postgresql"
    if postgres:
        sql = _POSTGRES.format(group=group, table=table, where=where, order=order)
        params = [*params, list(QUANTILES)]
    else:
        sql = _sqlite_sql(group, table, where, order)
        params = params * 3  # the WHERE clause is in each of the three passes
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    width = 2 if by_work_activity else 1
    result = []
    for row in rows:
        ids, (n, mean, spread, *rest) = row[:width], row[width:]
        if postgres:
            quantiles_row, mr_bar = rest
            sd = spread
        else:
            *quantiles_row, mr_bar = rest
            sd = math.sqrt(max(spread, 0.0)) if spread is not None else None
        p10, q1, median, q3, p90 = (float(q) for q in quantiles_row)
        lnpl = unpl = None
        if mr_bar is not None:
            lnpl = mean - XMR_LIMIT_FACTOR * mr_bar
            unpl = mean + XMR_LIMIT_FACTOR * mr_bar
        result.append(
            GroupBaseline(
                measure_id=ids[0],
                work_activity_id=ids[1] if by_work_activity else None,
                n=int(n),
                mean=float(mean),
                sd=float(sd) if sd is not None else None,
                median=median,
                q1=q1,
                q3=q3,
                p10=p10,
                p90=p90,
                mr_bar=float(mr_bar) if mr_bar is not None else None,
                lnpl=lnpl,
                unpl=unpl,
            )
        )
    return result


def series(
    *,
    measure_id: int,
    work_activity_ids: Sequence[int],
    start: datetime | None = None,
    end: datetime | None = None,
) -> tuple[list[datetime], npt.NDArray[np.float64]]:
    """A measure's observations for some work activities in time order: the times and
    the values, for a control chart (the unique index serves this query).

    ``start`` is inclusive and ``end`` exclusive. Observations of several work
    activities at the same time are ordered by work activity.
    """
    rows = Observation.objects.filter(
        measure_id=measure_id, work_activity_id__in=list(work_activity_ids)
    )
    if start is not None:
        rows = rows.filter(observed_at__gte=start)
    if end is not None:
        rows = rows.filter(observed_at__lt=end)
    pairs = list(
        rows.order_by("observed_at", "work_activity_id").values_list("observed_at", "value")
    )
    times = [moment for moment, _ in pairs]
    values = np.fromiter((value for _, value in pairs), dtype=np.float64, count=len(pairs))
    return times, values
