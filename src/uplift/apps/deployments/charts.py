"""Charts of the deployments' pages, drawn on the server as SVG (no JavaScript).

``burnup_svg`` draws the burn-up of ``selectors_monitoring``: the cumulative targets
planned to be deployed, deployed and confirmed, one point a week. The lines differ by
dash pattern and marker as well as colour, the SVG carries a title and a description
that say the latest figures (``role="img"``), and the page shows the same numbers as a
data table beside it. Texts are escaped; the markup is built here, not in templates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from uplift.apps.deployments.selectors_monitoring import BurnupRow

__all__ = ["BURNUP_SERIES", "Series", "burnup_svg"]

WIDTH = 720
HEIGHT = 300
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 44


@dataclass(frozen=True)
class Series:
    """One line of the burn-up: its key on ``BurnupRow``, label, colour and dashes."""

    key: str
    label: str
    colour: str
    dash: str  # SVG stroke-dasharray, "" for a solid line
    marker: str  # "none", "circle" or "square"


BURNUP_SERIES: tuple[Series, ...] = (
    Series("planned", "Planned", "#475569", "8 5", "none"),
    Series("deployed", "Deployed", "#1d4ed8", "", "circle"),
    Series("confirmed", "Confirmed", "#15803d", "2 3", "square"),
)


def _nice_top(value: int) -> int:
    """The axis' top: a round number at or above ``value`` (at least 1)."""
    if value <= 5:
        return max(value, 1)
    for step in (5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if value <= step * 5:
            return -(-value // step) * step
    step = 10 ** (len(str(value)) - 1)
    return -(-value // step) * step


def _y_ticks(top: int) -> list[int]:
    if top <= 5:
        return list(range(top + 1))
    return [round(top * i / 5) for i in range(6)]


def _month_ticks(first: dt.date, last: dt.date) -> list[dt.date]:
    months = []
    current = dt.date(first.year, first.month, 1)
    while current <= last:
        if current >= first:
            months.append(current)
        current = dt.date(current.year + current.month // 12, current.month % 12 + 1, 1)
    step = max(1, -(-len(months) // 8))  # at most 8 labels
    return months[::step]


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.6" fill="{colour}"/>'
    if kind == "square":
        return f'<rect x="{x - 2.5:.1f}" y="{y - 2.5:.1f}" width="5" height="5" fill="{colour}"/>'
    return ""


def burnup_svg(
    rows: Sequence[BurnupRow],
    *,
    today: dt.date,
    title: str,
    element_id: str = "burnup",
) -> SafeString:
    """The burn-up as an inline SVG element (empty when there are no rows).

    x: the dates from the first to the last row; y: targets, from 0. Actual lines stop
    at the last row on or before ``today``; a dashed vertical line marks today when it
    falls inside the chart. ``element_id`` prefixes the ids of the title and the
    description (``aria-labelledby``).
    """
    if not rows:
        return mark_safe("")
    first, last = rows[0].on, rows[-1].on
    span = max((last - first).days, 1)
    top = _nice_top(max(max(r.planned, r.deployed or 0, r.confirmed or 0) for r in rows))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x_of(on: dt.date) -> float:
        return LEFT + plot_w * (on - first).days / span

    def y_of(count: int) -> float:
        return TOP + plot_h * (1 - count / top)

    parts: list[str] = []
    # Grid and the y axis' labels.
    for tick in _y_ticks(top):
        y = y_of(tick)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            f'stroke="#e2e8f0" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="#475569">{tick}</text>'
        )
    # The x axis' month labels.
    for month in _month_ticks(first, last):
        x = x_of(month)
        parts.append(
            f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{HEIGHT - BOTTOM}" '
            f'stroke="#f1f5f9" stroke-width="1"/>'
            f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" font-size="12" '
            f'fill="#475569">{escape(month.strftime("%b %Y"))}</text>'
        )
    parts.append(
        f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" y2="{HEIGHT - BOTTOM}" '
        f'stroke="#64748b" stroke-width="1"/>'
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{HEIGHT - BOTTOM}" '
        f'stroke="#64748b" stroke-width="1"/>'
        f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 6}" text-anchor="middle" '
        f'font-size="12" fill="#334155">Week</text>'
        f'<text x="12" y="{TOP + plot_h / 2:.1f}" text-anchor="middle" font-size="12" '
        f'fill="#334155" transform="rotate(-90 12 {TOP + plot_h / 2:.1f})">Targets</text>'
    )
    # Today.
    if first <= today <= last:
        x = x_of(today)
        parts.append(
            f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{HEIGHT - BOTTOM}" '
            f'stroke="#b45309" stroke-width="1.5" stroke-dasharray="4 3"/>'
            f'<text x="{x + 4:.1f}" y="{TOP + 10}" font-size="12" fill="#92400e">today</text>'
        )
    # The three lines.
    for series in BURNUP_SERIES:
        points = [
            (x_of(row.on), y_of(value))
            for row in rows
            if (value := getattr(row, series.key)) is not None
        ]
        if not points:
            continue
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        dash = f' stroke-dasharray="{series.dash}"' if series.dash else ""
        parts.append(
            f'<g class="burnup__{series.key}"><polyline points="{path}" fill="none" '
            f'stroke="{series.colour}" stroke-width="2"{dash}/>'
            + "".join(_marker(series.marker, x, y, series.colour) for x, y in points)
            + "</g>"
        )
    latest = next((row for row in reversed(rows) if row.deployed is not None), None)
    if latest is None:
        summary = (
            f"{rows[-1].planned} targets planned by {last:%Y-%m-%d}; "
            f"nothing deployed yet (the chart starts {first:%Y-%m-%d})."
        )
    else:
        summary = (
            f"By {latest.on:%Y-%m-%d}: {latest.planned} targets planned, {latest.deployed} "
            f"deployed, {latest.confirmed} confirmed; {rows[-1].planned} planned by "
            f"{last:%Y-%m-%d}."
        )
    title_id, desc_id = f"{element_id}-title", f"{element_id}-desc"
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="burnup" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'aria-labelledby="{escape(title_id)} {escape(desc_id)}">'
        f'<title id="{escape(title_id)}">{escape(title)}</title>'
        f'<desc id="{escape(desc_id)}">{escape(summary)}</desc>' + "".join(parts) + "</svg>"
    )
    return mark_safe(svg)  # noqa: S308  (every text in it is escaped above)
