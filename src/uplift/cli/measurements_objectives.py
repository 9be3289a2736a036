"""``uplift measurements objectives``: business objectives, their QPPOs and status.

The status is the pages' and the API's (``selectors.objective_statuses``): each QPPO
against the newest stored baseline of its measure and segment or, without one,
provisionally against the segment's current observations, with n and the period
(issue 4). ``--shortfalls`` lists only the QPPOs not met; ``--json`` prints one JSON
object whose ``status`` entries have the API's shape.

``register(app)`` adds the command to the ``uplift measurements`` group.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from uplift.cli.bootstrap import setup_django

if TYPE_CHECKING:
    from uplift.apps.measurements.selectors import ObjectiveStatus

__all__ = ["objective_lines", "objectives_command", "register"]


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.6g}"


def _objective_json(objective: Any, status: ObjectiveStatus) -> dict[str, object]:
    return {
        "id": objective.pk,
        "kind": objective.kind,
        "name": objective.name,
        "parent": objective.parent_id,
        "measure": objective.measure.slug if objective.measure else None,
        "statistic": objective.statistic if objective.measure else None,
        "target": objective.target,
        "due": objective.due.isoformat() if objective.due else None,
        "segment": objective.segment or {},
        "status": status.as_json(),
    }


def _status_text(objective: Any, status: ObjectiveStatus) -> str:
    unit = objective.measure.unit
    if status.status == "no_data":
        if status.n:
            return f"no data ({status.n} value; a baseline needs at least 2)"
        return "no data (no baseline, no observations)"
    verdict = (
        "met"
        if status.status == "met"
        else f"not met, short by {_number(status.gap)} {unit}"
        + (f" ({status.percent_gap:.0f}%)" if status.percent_gap is not None else "")
    )
    start, end = status.period_start, status.period_end
    period = f"{start:%Y-%m-%d} to {end:%Y-%m-%d}" if start and end else "period n/a"
    if status.provisional:
        source = f"provisional: current data, no stored baseline, n = {status.n}, {period}"
    else:
        baseline = status.baseline
        source = f"baseline {baseline.pk if baseline else '?'}, n = {status.n}, {period}"
    return f"{_number(status.value)} {unit} ({source}): {verdict}"


def objective_lines(
    groups: list[tuple[Any, list[tuple[Any, ObjectiveStatus]]]],
) -> list[str]:
    """Each business objective, then its QPPOs indented with their status."""
    lines: list[str] = []
    for business, qppos in groups:
        lines.append(f"Objective {business.pk}: {business.name}")
        if not qppos:
            lines.append("  (no QPPO traces to it)")
        for qppo, status in qppos:
            if qppo.measure is None:  # pragma: no cover - a QPPO has a measure
                continue
            direction = "<=" if qppo.measure.direction == "lower" else ">="
            lines.append(
                f"  QPPO {qppo.pk}: {qppo.name} [{qppo.measure.slug}, {qppo.statistic} "
                f"{direction} {_number(qppo.target)}]: {_status_text(qppo, status)}"
            )
    return lines


def objectives_command(
    shortfalls: Annotated[
        bool,
        typer.Option(
            "--shortfalls", help="Only the QPPOs not met (provisional ones included, marked)."
        ),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object instead of a summary.")
    ] = False,
) -> None:
    """Business objectives and their QPPOs, each with its status against target."""
    setup_django()
    # Lazy import: the models load only after django.setup().
    from uplift.apps.measurements import selectors

    business = list(selectors.objective_list())
    qppos = [qppo for objective in business for qppo in objective.children.all()]
    statuses = selectors.objective_statuses(qppos)
    groups = [
        (
            objective,
            [
                (qppo, statuses[qppo.pk])
                for qppo in objective.children.all()
                if not shortfalls or statuses[qppo.pk].status == "not_met"
            ],
        )
        for objective in business
    ]
    if shortfalls:
        groups = [(objective, rows) for objective, rows in groups if rows]
    if as_json:
        data = {
            "objectives": [
                {
                    **_objective_json(objective, selectors.ObjectiveStatus("not_applicable")),
                    "qppos": [_objective_json(qppo, status) for qppo, status in rows],
                }
                for objective, rows in groups
            ]
        }
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False))
        return
    if not groups:
        typer.echo("No QPPO falls short." if shortfalls else "No business objectives yet.")
        return
    for line in objective_lines(groups):
        typer.echo(line)


def register(app: typer.Typer) -> None:
    """Add ``objectives`` to ``uplift measurements``."""
    app.command("objectives")(objectives_command)
