"""Charts of the measurement pages, drawn with Matplotlib as inline SVG text.

- :func:`run_chart_svg`: the values in time order with their median (a run chart);
- :func:`xmr_chart_svg`: the individuals chart (center line, natural process limits,
  run-rule signals marked) above the moving-range chart; given several phases (the
  level before and after a change) each phase has its own center and limits, so a
  change of level shows as a step;
- :func:`attribute_chart_svg`: a p- or u-chart with per-point limits.

As in ``apps/appraisals/charts.py``: no pyplot, no GUI backend, a ``Figure`` on its own
SVG canvas in memory (thread-safe, nothing global, nothing on disk); text stays text;
the output is deterministic. Each SVG carries ``role="img"``, a ``<title>`` and a
``<desc>`` (``aria-labelledby`` points at both) and the page shows the numbers as
text or a table beside it: the chart is never the only way to read them.

Drawing takes a tenth of a second or more, so :func:`cached_svg` keeps each chart in
Django's cache under a hash of its data: a page drawn again for unchanged data costs
a hash, not a drawing (issue 4's 50 ms for one work activity's chart).
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from django.core.cache import cache
from django.utils.html import escape

from uplift.domain.statistics import AttributeChart, SignalRule, XmrChart

__all__ = [
    "attribute_chart_svg",
    "cached_svg",
    "run_chart_svg",
    "xmr_chart_svg",
]

# Colours with a contrast of at least 4.5:1 on white; signals differ by shape too.
INK = "#1f2933"
LINE = "#2563eb"
LIMIT = "#b91c1c"
CENTER = "#15803d"
SIGNAL = "#b91c1c"
MUTED = "#52606d"
CACHE_SECONDS = 24 * 3600
MARKERS = {
    SignalRule.BEYOND_LIMITS: ("o", "beyond the limits"),
    SignalRule.RUN_OF_8: ("s", "8 in a row on one side"),
    SignalRule.TREND_OF_6: ("^", "6 rising or falling"),
}

_PROLOG = re.compile(r"^.*?(?=<svg)", re.S)
_SVG_OPEN = re.compile(r"<svg\b[^>]*>")


def cached_svg(kind: str, parts: Sequence[Any], draw: Callable[[], str]) -> str:
    """The chart drawn by ``draw``, from the cache when ``kind`` and ``parts`` (the data
    and labels it is drawn from) were drawn before."""
    digest = hashlib.sha256(kind.encode())
    for part in parts:
        if isinstance(part, np.ndarray):
            # 32-bit floats: a database's parallel AVG may differ in the last bits from
            # one query to the next, which must not cost a drawing; the eye cannot tell.
            digest.update(np.ascontiguousarray(part, dtype=np.float32).tobytes())
        else:
            digest.update(repr(part).encode())
        digest.update(b"\x00")
    key = f"uplift:measurements:chart:{digest.hexdigest()}"
    svg = cache.get(key)
    if svg is None:
        svg = draw()
        cache.set(key, svg, CACHE_SECONDS)
    return str(svg)


def _figure(height: float, rows: int = 1, ratios: Sequence[float] | None = None) -> Any:
    # Imported here, not at the top: Matplotlib takes over half a second to import, and
    # only chart pages need it (the site and the CLI do not pay for it on start).
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8.0, height), layout="constrained")
    FigureCanvasSVG(figure)
    axes = figure.subplots(
        rows, 1, sharex=True, gridspec_kw={"height_ratios": ratios} if ratios else None
    )
    return figure, axes


def _render(draw: Callable[[], Any], *, chart_id: str, title: str, desc: str) -> str:
    import matplotlib

    with matplotlib.rc_context(
        {"svg.fonttype": "none", "svg.hashsalt": f"uplift-{chart_id}", "font.size": 9}
    ):
        figure = draw()
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    svg = _PROLOG.sub("", buffer.getvalue(), count=1)
    head = (
        f'<svg role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'class="chart__svg" id="{chart_id}" '
    )
    svg = svg.replace("<svg ", head, 1)
    opening = _SVG_OPEN.search(svg)
    end = opening.end() if opening else 0
    labels = (
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>'
    )
    return svg[:end] + labels + svg[end:]


def _ticks(axes: Any, labels: Sequence[str]) -> None:
    if not labels:
        return
    step = max(1, len(labels) // 8)
    positions = list(range(0, len(labels), step))
    axes.set_xticks(positions, [labels[i] for i in positions])
    axes.tick_params(axis="x", labelrotation=30)


def _plain(text: str) -> str:
    """Text Matplotlib draws as written: a ``$`` would start mathtext (a unit of "$")."""
    return text.replace("$", r"\$")


def _style(axes: Any, ylabel: str) -> None:
    axes.set_ylabel(_plain(ylabel))
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="y", color="#e4e7eb", linewidth=0.6)


def run_chart_svg(
    values: Sequence[float] | np.ndarray,
    labels: Sequence[str],
    *,
    unit: str,
    chart_id: str,
    title: str,
    desc: str,
) -> str:
    """The values in order with their median line; empty without values."""
    data = np.asarray(values, dtype=np.float64)
    if data.size == 0:
        return ""

    def draw() -> Any:
        figure, axes = _figure(2.6)
        positions = np.arange(data.size)
        axes.plot(positions, data, color=LINE, linewidth=1.0, marker=".", markersize=4)
        median = float(np.median(data))
        axes.axhline(median, color=CENTER, linewidth=1.2, linestyle="--")
        axes.annotate(
            f"median {median:.4g}",
            (1.0, median),
            xycoords=("axes fraction", "data"),
            ha="right",
            va="bottom",
            color=CENTER,
        )
        _style(axes, unit)
        _ticks(axes, labels)
        return figure

    return _render(draw, chart_id=chart_id, title=title, desc=desc)


def xmr_chart_svg(
    phases: Sequence[XmrChart],
    labels: Sequence[str],
    *,
    unit: str,
    chart_id: str,
    title: str,
    desc: str,
    phase_names: Sequence[str] = (),
) -> str:
    """The X chart (limits per phase, signals marked) above the mR chart.

    ``phases`` are consecutive charts of one series (a single chart, or those of
    ``xmr_phases``); ``labels`` name its points. Empty without phases.
    """
    if not phases:
        return ""

    def draw() -> Any:
        figure, (x_axes, mr_axes) = _figure(4.4, rows=2, ratios=(3, 1.4))
        seen: set[SignalRule] = set()
        for number, phase in enumerate(phases):
            first = phase.start
            last = first + len(phase.values) - 1
            positions = np.arange(first, last + 1)
            x_axes.plot(
                positions, phase.values, color=LINE, linewidth=1.0, marker=".", markersize=4
            )
            span = (first - 0.4, last + 0.4)
            x_axes.hlines(phase.center, *span, colors=CENTER, linewidth=1.2)
            x_axes.hlines([phase.ucl, phase.lcl], *span, colors=LIMIT, linestyles="--")
            x_axes.annotate(
                f"UCL {phase.ucl:.4g}",
                (last + 0.4, phase.ucl),
                ha="right",
                va="bottom",
                color=LIMIT,
                fontsize=8,
            )
            x_axes.annotate(
                f"LCL {phase.lcl:.4g}",
                (last + 0.4, phase.lcl),
                ha="right",
                va="top",
                color=LIMIT,
                fontsize=8,
            )
            name = phase_names[number] if number < len(phase_names) else ""
            if name:
                x_axes.annotate(
                    name,
                    (first, 1.0),
                    xycoords=("data", "axes fraction"),
                    ha="left",
                    va="top",
                    color=MUTED,
                )
            if number:
                x_axes.axvline(first - 0.5, color=MUTED, linewidth=0.8, linestyle=":")
                mr_axes.axvline(first - 0.5, color=MUTED, linewidth=0.8, linestyle=":")
            for signal in phase.signals:
                marker, _ = MARKERS[signal.rule]
                x_axes.plot(
                    [signal.index],
                    [phase.values[signal.index - first]],
                    linestyle="none",
                    marker=marker,
                    markersize=8,
                    markerfacecolor="none",
                    markeredgecolor=SIGNAL,
                    markeredgewidth=1.4,
                )
                seen.add(signal.rule)
            ranges = np.asarray(phase.moving_ranges)
            mr_axes.plot(positions[1:], ranges, color=LINE, linewidth=1.0, marker=".", markersize=3)
            mr_axes.hlines(phase.mr_bar, *span, colors=CENTER, linewidth=1.2)
            mr_axes.hlines(phase.mr_ucl, *span, colors=LIMIT, linestyles="--")
        if seen:
            from matplotlib.lines import Line2D

            x_axes.legend(
                handles=[
                    Line2D(
                        [],
                        [],
                        linestyle="none",
                        marker=MARKERS[rule][0],
                        markerfacecolor="none",
                        markeredgecolor=SIGNAL,
                        label=MARKERS[rule][1],
                    )
                    for rule in SignalRule
                    if rule in seen
                ],
                loc="upper left",
                bbox_to_anchor=(1.0, 1.0),
                frameon=False,
                fontsize=8,
            )
        _style(x_axes, unit)
        _style(mr_axes, "moving range")
        _ticks(mr_axes, labels)
        return figure

    return _render(draw, chart_id=chart_id, title=title, desc=desc)


def attribute_chart_svg(
    chart: AttributeChart,
    labels: Sequence[str],
    *,
    unit: str,
    chart_id: str,
    title: str,
    desc: str,
) -> str:
    """A p- or u-chart: the points, the center line and each point's limits."""
    if not chart.values:
        return ""

    def draw() -> Any:
        figure, axes = _figure(2.8)
        positions = np.arange(len(chart.values))
        axes.plot(positions, chart.values, color=LINE, linewidth=1.0, marker=".", markersize=4)
        axes.axhline(chart.center, color=CENTER, linewidth=1.2)
        axes.step(positions, chart.ucl, where="mid", color=LIMIT, linestyle="--", linewidth=1)
        axes.step(positions, chart.lcl, where="mid", color=LIMIT, linestyle="--", linewidth=1)
        for signal in chart.signals:
            axes.plot(
                [signal.index],
                [chart.values[signal.index]],
                linestyle="none",
                marker="o",
                markersize=8,
                markerfacecolor="none",
                markeredgecolor=SIGNAL,
                markeredgewidth=1.4,
            )
        _style(axes, unit)
        _ticks(axes, labels)
        return figure

    return _render(draw, chart_id=chart_id, title=title, desc=desc)
