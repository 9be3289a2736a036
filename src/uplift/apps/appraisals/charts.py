"""Charts of the appraisal report, drawn with Matplotlib as inline SVG text.

No pyplot and no GUI backend: a ``Figure`` is drawn on its own SVG canvas in memory,
so nothing is global, nothing is written to disk and rendering is safe in a server
thread. Text stays text in the SVG (searchable, and scaled by the browser or
WeasyPrint); the output is deterministic (no date, fixed ids) so a report renders
the same twice. The report shows the same numbers in a table next to each chart:
the chart is never the only way to read them.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape

__all__ = ["ProfileBar", "capability_profile_svg"]

# Colours with text contrast of at least 4.5:1 on white, told apart by hatching too.
MET = "#15803d"
SHORT = "#b45309"
UNKNOWN = "#cbd2d9"
TARGET = "#1f2933"
UNKNOWN_STUB = 0.15  # an undetermined level is drawn as a stub labelled "?"


@dataclass(frozen=True)
class ProfileBar:
    """One process area: the capability level achieved (None: undetermined) and targeted."""

    area: str
    achieved: int | None
    target: int


_PROLOG = re.compile(r"^.*?(?=<svg)", re.S)


def capability_profile_svg(bars: Sequence[ProfileBar], *, title: str) -> str:
    """A bar per process area (achieved capability level) with the target marked.

    Returns ``<svg …>…</svg>`` markup with ``role="img"`` and ``title`` as its
    accessible name; empty when there are no bars.
    """
    if not bars:
        return ""
    # Imported here, not at the top: Matplotlib takes over half a second to import and
    # only the report draws charts, so the site and the CLI do not pay for it on start.
    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    top = max(3, *(bar.target for bar in bars), *(bar.achieved or 0 for bar in bars))
    with matplotlib.rc_context(
        {"svg.fonttype": "none", "svg.hashsalt": "uplift-report", "font.size": 9}
    ):
        figure = Figure(figsize=(max(4.0, 0.55 * len(bars) + 1.6), 3.0), layout="constrained")
        FigureCanvasSVG(figure)
        axes = figure.add_subplot()
        positions = range(len(bars))
        heights = [bar.achieved if bar.achieved is not None else UNKNOWN_STUB for bar in bars]
        colours = [_colour(bar) for bar in bars]
        hatches = [_hatch(bar) for bar in bars]
        drawn = axes.bar(
            positions, heights, width=0.6, color=colours, edgecolor=TARGET, linewidth=0.6
        )
        for patch, hatch in zip(drawn.patches, hatches, strict=True):
            patch.set_hatch(hatch)
        for x, bar in zip(positions, bars, strict=True):
            axes.hlines(bar.target, x - 0.4, x + 0.4, colors=TARGET, linewidth=2.2)
            label = str(bar.achieved) if bar.achieved is not None else "?"
            y = (bar.achieved if bar.achieved is not None else UNKNOWN_STUB) + 0.06
            axes.text(x, y, label, ha="center", va="bottom", color=TARGET)
        axes.set_xticks(list(positions), [bar.area for bar in bars], rotation=0)
        if len(bars) > 10:
            axes.tick_params(axis="x", labelrotation=60)
        axes.set_yticks(range(top + 1))
        axes.set_ylim(0, top + 0.6)
        axes.set_ylabel("Capability level")
        axes.spines[["top", "right"]].set_visible(False)
        axes.legend(
            handles=[
                Patch(facecolor=MET, edgecolor=TARGET, label="At or above target"),
                Patch(facecolor=SHORT, edgecolor=TARGET, hatch="//", label="Below target"),
                Patch(facecolor=UNKNOWN, edgecolor=TARGET, hatch="\\\\", label="Undetermined (?)"),
                Line2D([], [], color=TARGET, linewidth=2.2, label="Target"),
            ],
            loc="upper left",
            bbox_to_anchor=(1.0, 1.0),
            frameon=False,
            fontsize=8,
        )
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    svg = _PROLOG.sub("", buffer.getvalue(), count=1)
    return svg.replace(
        "<svg ", f'<svg role="img" aria-label="{escape(title)}" class="chart__svg" ', 1
    )


def _colour(bar: ProfileBar) -> str:
    if bar.achieved is None:
        return UNKNOWN
    return MET if bar.achieved >= bar.target else SHORT


def _hatch(bar: ProfileBar) -> str:
    if bar.achieved is None:
        return "\\\\"
    return "" if bar.achieved >= bar.target else "//"
