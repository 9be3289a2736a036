"""Baseline statistics computed in the database, one row per group (issue 4).

:func:`baseline_by_group` returns, per measure and work activity (or per measure over
the selected work activities), the statistics a ``Baseline`` records: n, mean, sample
standard deviation, median, quartiles, 10th and 90th percentiles, the mean moving
range and the natural process limits. On PostgreSQL only the ~10,000 result rows reach
Python, never the observations; SQLite has no ordered-set aggregates, so there the
values are read once, in group and time order, into NumPy, which computes per group. The
benchmark (``benchmarks/bench_measurements.py``) measures this very function over 5
million rows.

The numbers match :func:`uplift.domain.statistics.describe` (tested):

- quantiles by linear interpolation between order statistics (Hyndman & Fan type 7,
  NumPy's default): PostgreSQL's ``percentile_cont``; on SQLite each group's values
  sorted (one ``lexsort``) and the two order statistics around ``(n - 1) p``
  interpolated;
- the sample standard deviation: PostgreSQL's ``stddev_samp``; on SQLite the sum of
  squared deviations from the group mean (two passes, so no cancellation);
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
from django.db import connection, transaction

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

# SQLite: the size of each group, then the values alone in group and time order (the
# unique index's order when grouped by work activity); NumPy does the rest.
_SQLITE_GROUPS = "SELECT {keys}, count(*) FROM {table}{where} GROUP BY {keys} ORDER BY {keys}"
_SQLITE_VALUES = "SELECT value FROM {table}{where} ORDER BY {order}"


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
    if connection.vendor != "postgresql":
        return _sqlite_by_group(table, where, params, by_work_activity=by_work_activity)
    sql = _POSTGRES.format(group=group, table=table, where=where, order=order)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, list(QUANTILES)])
        rows = cursor.fetchall()
    width = 2 if by_work_activity else 1
    result = []
    for row in rows:
        ids, (n, mean, sd, quantiles_row, mr_bar) = row[:width], row[width:]
        result.append(
            _group(
                ids[0],
                ids[1] if by_work_activity else None,
                int(n),
                float(mean),
                float(sd) if sd is not None else None,
                [float(q) for q in quantiles_row],
                float(mr_bar) if mr_bar is not None else None,
            )
        )
    return result


def _group(
    measure_id: int,
    work_activity_id: int | None,
    n: int,
    mean: float,
    sd: float | None,
    quantiles_row: Sequence[float],
    mr_bar: float | None,
) -> GroupBaseline:
    p10, q1, median, q3, p90 = quantiles_row
    lnpl = unpl = None
    if mr_bar is not None:
        lnpl = mean - XMR_LIMIT_FACTOR * mr_bar
        unpl = mean + XMR_LIMIT_FACTOR * mr_bar
    return GroupBaseline(
        measure_id=measure_id,
        work_activity_id=work_activity_id,
        n=n,
        mean=mean,
        sd=sd,
        median=median,
        q1=q1,
        q3=q3,
        p10=p10,
        p90=p90,
        mr_bar=mr_bar,
        lnpl=lnpl,
        unpl=unpl,
    )


def _sqlite_by_group(
    table: str, where: str, params: list[Any], *, by_work_activity: bool
) -> list[GroupBaseline]:
    """SQLite: the group sizes, then the values in group and time order; NumPy computes.

    SQLite has no ordered-set aggregates; its window functions (``row_number()`` to
    find the order statistics) cost three passes and a sort per group, eight times
    DuckDB's time at 5 million rows. Reading the values alone in the unique index's
    order and using NumPy's vectorised group operations is about three times faster.
    """
    if by_work_activity:
        keys, order = "measure_id, work_activity_id", "measure_id, work_activity_id, observed_at"
    else:
        keys, order = "measure_id", "measure_id, observed_at, work_activity_id"
    with transaction.atomic(), connection.cursor() as cursor:  # both reads, one snapshot
        cursor.execute(_SQLITE_GROUPS.format(table=table, where=where, keys=keys), params)
        groups = cursor.fetchall()
        total = sum(count for *_, count in groups)
        cursor.execute(_SQLITE_VALUES.format(table=table, where=where, order=order), params)
        # One row at a time into a NumPy array: never all the rows as Python objects.
        values = np.fromiter((row[0] for row in cursor), dtype=np.float64, count=total)
    if not groups:
        return []
    counts = np.array([count for *_, count in groups], dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    group_of = np.repeat(np.arange(len(starts)), counts)
    sums = np.add.reduceat(values, starts)
    means = sums / counts
    deviations = values - means[group_of]
    squares = np.add.reduceat(deviations * deviations, starts)
    # Moving ranges in time order, not across a group boundary.
    ranges = np.abs(np.diff(values))
    ranges[starts[1:] - 1] = 0.0
    range_sums = np.add.reduceat(np.concatenate((ranges, [0.0])), starts)
    # Quantiles (type 7): sort each group's values, interpolate between order statistics.
    ordered = values[np.lexsort((values, group_of))]
    quantiles = []
    for p in QUANTILES:
        position = (counts - 1) * p
        low = np.floor(position).astype(np.int64)
        high = np.minimum(low + 1, counts - 1)
        fraction = position - low
        quantiles.append(ordered[starts + low] * (1 - fraction) + ordered[starts + high] * fraction)
    result = []
    for k, key in enumerate(groups):
        n = int(counts[k])
        result.append(
            _group(
                int(key[0]),
                int(key[1]) if by_work_activity else None,
                n,
                float(means[k]),
                math.sqrt(float(squares[k]) / (n - 1)) if n > 1 else None,
                [float(q[k]) for q in quantiles],
                float(range_sums[k]) / (n - 1) if n > 1 else None,
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
