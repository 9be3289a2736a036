"""Charts of the service portfolio's pages, drawn on the server as SVG (no JavaScript).

``attainment_svg`` draws a service-level objective's attainment per period
(``selectors_scorecard.slo_attainments``): the period's statistic (the mean, or the
share of observations meeting the target, in %) against the target as a dashed line.
A met period is a filled circle, a missed one a cross, so the status does not rest on
colour alone; a period without data leaves a gap and a mark on the axis. The SVG has a
title and a description saying the counts and the latest period (``role="img"``), and
the page shows the same figures as a data table beside it. Texts are escaped; the
markup is built here, not in templates.

``cost_trend_svg`` draws a service's monthly cost over the scorecard's window as bars
and, where demand is known, the cost per unit of demand as a line with square marks on
a second axis (``cost_points`` makes its months); the service page shows the same
figures as a table.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from uplift.apps.service_portfolio.selectors_scorecard import PeriodAttainment
from uplift.domain.service_outcomes import AttainmentStatus

__all__ = [
    "MET_COLOUR",
    "MISSED_COLOUR",
    "TARGET_COLOUR",
    "CostPoint",
    "attainment_svg",
    "cost_points",
    "cost_trend_svg",
]

WIDTH = 720
HEIGHT = 280
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 48
COST_SIDE = 72  # the cost trend's margin on both sides: tick labels and an axis title
MET_COLOUR = "#15803d"
MISSED_COLOUR = "#b91c1c"
TARGET_COLOUR = "#b45309"
LINE_COLOUR = "#475569"


def _fmt(value: float) -> str:
    return f"{value:,.3f}".rstrip("0").rstrip(".")


def _nice_top(value: float) -> float:
    """The top of an axis of four equal steps from 0 that holds ``value``, the step a
    round number (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten):
    43,707 → steps of 12,000 → 48,000; 231.85 → steps of 60 → 240."""
    if value <= 0:
        return 1.0
    quarter = value / 4
    power = 10 ** math.floor(math.log10(quarter))
    factors = (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)
    factor = next(f for f in factors if f * power >= quarter * (1 - 1e-12))
    return 4 * factor * power


def _range(values: Sequence[float], target: float) -> tuple[float, float]:
    """A y range holding the values and the target, with a margin; never empty."""
    low, high = min(*values, target), max(*values, target)
    if math.isclose(low, high):
        pad = abs(low) * 0.01 or 1.0
        return low - pad, high + pad
    pad = (high - low) * 0.1
    return low - pad, high + pad


def attainment_svg(
    rows: Sequence[PeriodAttainment],
    *,
    title: str,
    unit: str = "",
    element_id: str = "attainment",
) -> SafeString:
    """The attainment per period as an inline SVG element (empty without periods).

    A share objective is drawn in percent on a 0 to 100 axis, the required share as the
    target line; a mean objective in the measure's ``unit`` around its values and
    target. ``element_id`` prefixes the ids of the title and the description.
    """
    if not rows:
        return mark_safe("")
    first = rows[0].attainment
    share = first.statistic == "share_meeting"
    scale = 100.0 if share else 1.0
    target = (first.required_share or 0.0) * 100.0 if share else first.target
    values = [r.attainment.value * scale for r in rows if r.attainment.value is not None]
    low, high = (0.0, 100.0) if share else _range(values or [target], target)
    axis_unit = "%" if share else unit
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / len(rows)

    def x_of(index: int) -> float:
        return LEFT + step * (index + 0.5)

    def y_of(value: float) -> float:
        return TOP + plot_h * (1 - (value - low) / (high - low))

    parts: list[str] = []
    for i in range(5):
        tick = low + (high - low) * i / 4
        y = y_of(tick)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            f'stroke="#e2e8f0" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#475569">{escape(_fmt(tick))}</text>'
        )
    label_every = max(1, math.ceil(len(rows) / 12))  # at most 12 labels
    for index, row in enumerate(rows):
        x = x_of(index)
        if index % label_every == 0 or index == len(rows) - 1:
            parts.append(
                f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
                f'font-size="11" fill="#475569">{escape(row.label)}</text>'
            )
        if row.attainment.status is AttainmentStatus.NO_DATA:
            parts.append(
                f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM - 4}" text-anchor="middle" '
                f'font-size="10" fill="#64748b">n/a</text>'
            )
    parts.append(
        f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" y2="{HEIGHT - BOTTOM}" '
        f'stroke="#64748b" stroke-width="1"/>'
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{HEIGHT - BOTTOM}" '
        f'stroke="#64748b" stroke-width="1"/>'
        f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 8}" text-anchor="middle" '
        f'font-size="12" fill="#334155">Period</text>'
        f'<text x="14" y="{TOP + plot_h / 2:.1f}" text-anchor="middle" font-size="12" '
        f'fill="#334155" transform="rotate(-90 14 {TOP + plot_h / 2:.1f})">'
        f"{escape('Share meeting the target (%)' if share else (axis_unit or 'Value'))}</text>"
    )
    y_target = y_of(target)
    parts.append(
        f'<g class="attainment__target"><line x1="{LEFT}" y1="{y_target:.1f}" '
        f'x2="{WIDTH - RIGHT}" y2="{y_target:.1f}" stroke="{TARGET_COLOUR}" stroke-width="1.5" '
        f'stroke-dasharray="6 4"/><text x="{WIDTH - RIGHT - 4}" y="{y_target - 5:.1f}" '
        f'text-anchor="end" font-size="11" fill="#92400e">'
        f"{escape(('required ' if share else 'target ') + _fmt(target) + ' ' + axis_unit)}"
        "</text></g>"
    )
    # The line, broken where a period has no data.
    segment: list[str] = []
    lines: list[str] = []
    for index, row in enumerate(rows):
        if row.attainment.value is None:
            if len(segment) > 1:
                lines.append(" ".join(segment))
            segment = []
            continue
        segment.append(f"{x_of(index):.1f},{y_of(row.attainment.value * scale):.1f}")
    if len(segment) > 1:
        lines.append(" ".join(segment))
    for points in lines:
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{LINE_COLOUR}" stroke-width="1.5"/>'
        )
    for index, row in enumerate(rows):
        value = row.attainment.value
        if value is None:
            continue
        x, y = x_of(index), y_of(value * scale)
        if row.attainment.status is AttainmentStatus.MET:
            parts.append(
                f'<circle class="attainment__met" cx="{x:.1f}" cy="{y:.1f}" r="4" '
                f'fill="{MET_COLOUR}"/>'
            )
        else:
            parts.append(
                f'<path class="attainment__missed" d="M{x - 4:.1f},{y - 4:.1f} '
                f'L{x + 4:.1f},{y + 4:.1f} M{x - 4:.1f},{y + 4:.1f} L{x + 4:.1f},{y - 4:.1f}" '
                f'stroke="{MISSED_COLOUR}" stroke-width="2.5"/>'
            )
    met = sum(r.attainment.status is AttainmentStatus.MET for r in rows)
    missed = sum(r.attainment.status is AttainmentStatus.MISSED for r in rows)
    empty = len(rows) - met - missed
    latest = next((r for r in reversed(rows) if r.attainment.value is not None), None)
    summary = (
        f"{len(rows)} period(s) from {rows[0].label} to {rows[-1].label}: {met} met, "
        f"{missed} missed, {empty} without data."
    )
    if latest is not None:
        status = "met" if latest.attainment.status is AttainmentStatus.MET else "missed"
        summary += (
            f" Latest with data, {latest.label}: {_fmt((latest.attainment.value or 0) * scale)}"
            f" {axis_unit} against {_fmt(target)} {axis_unit}, {status}."
        )
    title_id, desc_id = f"{element_id}-title", f"{element_id}-desc"
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="attainment" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'aria-labelledby="{escape(title_id)} {escape(desc_id)}">'
        f'<title id="{escape(title_id)}">{escape(title)}</title>'
        f'<desc id="{escape(desc_id)}">{escape(summary)}</desc>' + "".join(parts) + "</svg>"
    )
    return mark_safe(svg)  # noqa: S308  (every text in it is escaped above)


@dataclass(frozen=True)
class CostPoint:
    """One month of the cost trend: its cost and cost per unit of demand (None: not
    recorded, or no demand known)."""

    month: dt.date
    cost: Decimal | None
    cost_per_unit: Decimal | None


def cost_points(periods: Iterable[Any], *, start: dt.date, end: dt.date) -> list[CostPoint]:
    """Every month from ``start`` to ``end`` with its recorded cost and cost per unit of
    demand (``periods``: rows with ``period``, ``cost``, ``demand``). No query."""
    kept = {p.period: p for p in periods}
    points = []
    month = start.replace(day=1)
    while month <= end:
        row = kept.get(month)
        per_unit = None
        if row is not None and row.demand:
            per_unit = (row.cost / Decimal(str(row.demand))).quantize(Decimal("0.01"))
        points.append(CostPoint(month, row.cost if row is not None else None, per_unit))
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return points


def cost_trend_svg(
    points: Sequence[CostPoint],
    *,
    title: str,
    currency: str,
    demand_unit: str = "",
    element_id: str = "cost-trend",
) -> SafeString:
    """Monthly cost as bars (left axis, in ``currency``) and, where demand is known, the
    cost per unit of demand as a line with square marks (right axis); a month without a
    record leaves a gap and "n/a" on the axis. Empty when no month has a cost. The
    description says the first and last costs; the page shows the data table beside it.
    """
    costs = [float(p.cost) for p in points if p.cost is not None]
    if not costs:
        return mark_safe("")
    per_units = [float(p.cost_per_unit) for p in points if p.cost_per_unit is not None]
    side = COST_SIDE  # both axes carry tick labels and a title
    plot_w, plot_h = WIDTH - 2 * side, HEIGHT - TOP - BOTTOM
    step = plot_w / len(points)
    high = _nice_top(max(costs))
    unit_high = _nice_top(max(per_units)) if per_units else 1.0

    def x_of(index: int) -> float:
        return side + step * (index + 0.5)

    def y_of(value: float, top: float) -> float:
        return TOP + plot_h * (1 - value / top)

    parts: list[str] = []
    for i in range(5):
        y = y_of(high * i / 4, high)
        parts.append(
            f'<line x1="{side}" y1="{y:.1f}" x2="{WIDTH - side}" y2="{y:.1f}" '
            f'stroke="#e2e8f0" stroke-width="1"/>'
            f'<text x="{side - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#475569">{escape(_fmt(high * i / 4))}</text>'
        )
        if per_units:
            parts.append(
                f'<text x="{WIDTH - side + 6}" y="{y + 4:.1f}" font-size="11" '
                f'fill="{TARGET_COLOUR}">{escape(_fmt(unit_high * i / 4))}</text>'
            )
    label_every = max(1, math.ceil(len(points) / 12))
    bar_w = step * 0.6
    for index, point in enumerate(points):
        x = x_of(index)
        label = f"{point.month:%Y-%m}"
        if index % label_every == 0 or index == len(points) - 1:
            parts.append(
                f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
                f'font-size="11" fill="#475569">{escape(label)}</text>'
            )
        if point.cost is None:
            parts.append(
                f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM - 4}" text-anchor="middle" '
                f'font-size="10" fill="#64748b">n/a</text>'
            )
            continue
        y = y_of(float(point.cost), high)
        parts.append(
            f'<rect class="cost-trend__cost" x="{x - bar_w / 2:.1f}" y="{y:.1f}" '
            f'width="{bar_w:.1f}" height="{HEIGHT - BOTTOM - y:.1f}" fill="{LINE_COLOUR}">'
            f"<title>{escape(f'{label}: {point.cost:,.2f} {currency}')}</title></rect>"
        )
    segment: list[str] = []
    lines: list[str] = []
    for index, point in enumerate(points):
        if point.cost_per_unit is None:
            if len(segment) > 1:
                lines.append(" ".join(segment))
            segment = []
            continue
        segment.append(f"{x_of(index):.1f},{y_of(float(point.cost_per_unit), unit_high):.1f}")
    if len(segment) > 1:
        lines.append(" ".join(segment))
    for line in lines:
        parts.append(
            f'<polyline class="cost-trend__per-unit" points="{line}" fill="none" '
            f'stroke="{TARGET_COLOUR}" stroke-width="2"/>'
        )
    for index, point in enumerate(points):
        if point.cost_per_unit is not None:
            x, y = x_of(index), y_of(float(point.cost_per_unit), unit_high)
            parts.append(
                f'<rect class="cost-trend__unit-mark" x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" '
                f'width="7" height="7" fill="{TARGET_COLOUR}"/>'
            )
    # The demand unit is written as people enter it ("tickets", "databases"): not
    # "per tickets"; the table and the page name it.
    per = " per unit of demand"
    parts.append(
        f'<line x1="{side}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - side}" y2="{HEIGHT - BOTTOM}" '
        f'stroke="#64748b" stroke-width="1"/>'
        f'<text x="12" y="{TOP + plot_h / 2:.1f}" text-anchor="middle" font-size="12" '
        f'fill="#334155" transform="rotate(-90 12 {TOP + plot_h / 2:.1f})">'
        f"{escape(f'Cost ({currency})')}</text>"
    )
    if per_units:
        x_right = WIDTH - 8
        parts.append(
            f'<text x="{x_right}" y="{TOP + plot_h / 2:.1f}" text-anchor="middle" '
            f'font-size="12" fill="#92400e" '
            f'transform="rotate(90 {x_right} {TOP + plot_h / 2:.1f})">'
            f"{escape(f'Cost{per} ({currency})')}</text>"
        )
    recorded = [p for p in points if p.cost is not None]
    first, last = recorded[0], recorded[-1]
    summary = (
        f"{len(points)} month(s) from {points[0].month:%Y-%m} to {points[-1].month:%Y-%m}, "
        f"{len(recorded)} with a cost: {first.cost:,.2f} {currency} in {first.month:%Y-%m}, "
        f"{last.cost:,.2f} {currency} in {last.month:%Y-%m}."
    )
    known = [p for p in points if p.cost_per_unit is not None]
    if known:
        summary += (
            f" Cost{per}{f' ({demand_unit})' if demand_unit else ''}: "
            f"{known[0].cost_per_unit:,.2f} in {known[0].month:%Y-%m}, "
            f"{known[-1].cost_per_unit:,.2f} in {known[-1].month:%Y-%m}."
        )
    title_id, desc_id = f"{element_id}-title", f"{element_id}-desc"
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="cost-trend" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'aria-labelledby="{escape(title_id)} {escape(desc_id)}">'
        f'<title id="{escape(title_id)}">{escape(title)}</title>'
        f'<desc id="{escape(desc_id)}">{escape(summary)}</desc>' + "".join(parts) + "</svg>"
    )
    return mark_safe(svg)  # noqa: S308  (every text in it is escaped above)
