"""``uplift measurements baseline|evaluate-stored``: statistics of stored observations.

Unlike the file commands of ``cli/measurements.py`` (``evaluate``, ``xmr``,
``payback``: no database), these start Django and read the measurement store through
the services: ``baseline`` describes a measure over a segment and period (and stores
the snapshot with ``--store``), ``evaluate-stored`` evaluates a change before and
after a date, or a pilot group against a comparison group. ``--json`` prints one JSON
object (the API's shape); a bad argument (an unknown measure or work activity, a
segment that is not valid JSON, a date that does not parse, a period the rules
refuse) prints one line on stderr and exits with status 2, having written nothing.

``register(app)`` adds both commands to the ``uplift measurements`` group.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from uplift.cli.bootstrap import setup_django
from uplift.cli.measurements import BAD_INPUT, evaluation_lines

if TYPE_CHECKING:
    from uplift.apps.measurements.services.baselines import BaselineResult
    from uplift.apps.measurements.services.evaluations import EvaluationRun

__all__ = ["baseline_command", "evaluate_stored_command", "register"]

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON object instead of a summary.")
]
MeasureArgument = Annotated[str, typer.Argument(metavar="MEASURE", help="The measure's slug.")]
StartOption = Annotated[
    str | None, typer.Option("--start", metavar="YYYY-MM-DD", help="First day (inclusive).")
]
EndOption = Annotated[
    str | None, typer.Option("--end", metavar="YYYY-MM-DD", help="Last day (inclusive).")
]


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code=BAD_INPUT)


def _date(option: str, text: str | None) -> dt.date | None:
    if text is None or not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise _fail(f"{option}: {text!r} is not a date (YYYY-MM-DD)") from None


def _slugs(text: str | None) -> list[str]:
    return [slug.strip() for slug in (text or "").split(",") if slug.strip()]


def _print_json(data: dict[str, object]) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False))


def _measure(slug: str) -> Any:
    from uplift.apps.measurements.models import Measure
    from uplift.apps.measurements.selectors import measure_get

    try:
        return measure_get(slug=slug)
    except Measure.DoesNotExist:
        raise _fail(f"MEASURE: no measure has the slug {slug!r}") from None


OPTION_NAMES = {
    "segment": "--segment",
    "end": "--end",
    "start": "--start",
    "change_date": "--change-date",
    "work_activities": "--activities",
    "pilot": "--pilot",
    "comparison": "--comparison",
    "objective": "--objective",
    "n_boot": "--boot",
    "confidence": "--confidence",
}


def _refused(error: Any) -> typer.Exit:
    option = OPTION_NAMES.get(error.field, "")
    return _fail(f"{option}: {error.message}" if option else error.message)


def baseline_command(
    measure: MeasureArgument,
    segment: Annotated[
        str | None,
        typer.Option(
            "--segment",
            metavar="JSON",
            help='Work activities, e.g. \'{"unit": "web", "size": "large"}\' (default: all).',
        ),
    ] = None,
    start: StartOption = None,
    end: EndOption = None,
    store: Annotated[
        bool, typer.Option("--store", help="Store the baseline as a dated snapshot.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """The baseline of MEASURE: n, mean, sd, quartiles, percentiles, natural limits."""
    parsed: Any = {}
    if segment:
        try:
            parsed = json.loads(segment)
        except ValueError as error:
            raise _fail(f"--segment: not JSON ({error})") from None
    first, last = _date("--start", start), _date("--end", end)
    setup_django()
    # Lazy imports here and below: the models load only after django.setup().
    from uplift.apps.measurements.services.baselines import baseline_compute
    from uplift.apps.measurements.services.measures import MeasurementError

    found = _measure(measure)
    try:
        result = baseline_compute(
            measure=found, segment=parsed, start=first, end=last, store=store, user=None
        )
    except MeasurementError as error:
        raise _refused(error) from None
    if as_json:
        _print_json(result.as_json())
        return
    for line in baseline_lines(result):
        typer.echo(line)


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.6g}"


def baseline_lines(result: BaselineResult) -> list[str]:
    """A readable summary of a computed baseline."""
    period = (
        f"{result.start:%Y-%m-%d} to {result.end:%Y-%m-%d}"
        if result.start and result.end
        else f"{result.start:%Y-%m-%d} onwards"
        if result.start
        else f"up to {result.end:%Y-%m-%d}"
        if result.end
        else "all of it"
    )
    lines = [
        f"{result.measure.name} ({result.measure.unit}), {result.segment_label}, period: {period}"
    ]
    summary = result.summary
    if summary is None:
        lines.append(f"{result.n} value(s): a baseline needs at least 2.")
        return lines
    rows = [
        ("n", str(summary.n)),
        ("mean", _number(summary.mean)),
        ("sd", _number(summary.sd)),
        ("median", _number(summary.median)),
        ("quartiles", f"{_number(summary.q1)} to {_number(summary.q3)}"),
        ("10th-90th percentile", f"{_number(summary.p10)} to {_number(summary.p90)}"),
        ("natural limits", f"{_number(summary.lower_limit)} to {_number(summary.upper_limit)}"),
    ]
    width = max(len(label) for label, _ in rows)
    lines += [f"{label.ljust(width)}  {text}" for label, text in rows]
    if result.stored is not None:
        lines.append(f"Stored as baseline {result.stored.pk}.")
    return lines


def evaluate_stored_command(
    measure: MeasureArgument,
    change_date: Annotated[
        str | None,
        typer.Option(
            "--change-date",
            metavar="YYYY-MM-DD",
            help="The first day of the change (a pilot's start by default).",
        ),
    ] = None,
    activities: Annotated[
        str | None,
        typer.Option(
            "--activities", metavar="A,B", help="Work activities that changed (default: all)."
        ),
    ] = None,
    pilot: Annotated[
        str | None, typer.Option("--pilot", metavar="A,B", help="The pilot group's slugs.")
    ] = None,
    comparison: Annotated[
        str | None,
        typer.Option("--comparison", metavar="C,D", help="The comparison group's slugs."),
    ] = None,
    start: StartOption = None,
    end: EndOption = None,
    objective: Annotated[
        int | None, typer.Option("--objective", help="A QPPO's id (default: the measure's first).")
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Seed of the bootstrap, for a repeatable CI.")
    ] = None,
    boot: Annotated[
        int | None, typer.Option("--boot", help="Bootstrap resamples (default 10,000).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Evaluate a change of MEASURE on stored data: before/after or pilot/comparison."""
    changed = _date("--change-date", change_date)
    first, last = _date("--start", start), _date("--end", end)
    setup_django()
    from uplift.apps.measurements.models import Objective
    from uplift.apps.measurements.services.evaluations import evaluation_run
    from uplift.apps.measurements.services.measures import MeasurementError

    found = _measure(measure)
    qppo = None
    if objective is not None:
        qppo = Objective.objects.filter(pk=objective).first()
        if qppo is None:
            raise _fail(f"--objective: no objective has the id {objective}")
    try:
        run = evaluation_run(
            measure=found,
            change_date=changed,
            work_activities=_slugs(activities),
            pilot=_slugs(pilot),
            comparison=_slugs(comparison),
            start=first,
            end=last,
            objective=qppo,
            seed=seed,
            n_boot=boot,
        )
    except MeasurementError as error:
        raise _refused(error) from None
    if as_json:
        _print_json(run.as_json())
        return
    for line in run_lines(run):
        typer.echo(line)


def run_lines(run: EvaluationRun) -> list[str]:
    """A readable summary of an evaluation on stored data."""
    if run.design == "before_after":
        who = ", ".join(run.before_activities) or "all work activities"
        when = f"{run.change_date:%Y-%m-%d}" if run.change_date else "?"
        lines = [f"{run.measure.name}: {who}, before and after {when}"]
    else:
        lines = [
            f"{run.measure.name}: pilot {', '.join(run.after_activities)} against "
            f"comparison {', '.join(run.before_activities)}"
        ]
    lines += evaluation_lines(run.evaluation)
    if run.objective_check is not None:
        check = run.objective_check
        lines.append(
            f"Objective “{check.objective.name}”: {run.after_label} {check.statistic} "
            f"{check.value:.6g} against target {check.target:.6g}: "
            + ("met" if check.met else "not met")
            + " (a point estimate)."
        )
    lines += [f"  - {note}" for note in run.notes]
    return lines


def import_command(
    file: Annotated[Path, typer.Argument(help="A CSV or XLSX file of observations.")],
    mapping: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            metavar="COLUMN=OURS",
            help="Read the file's COLUMN as one of ours: measure, work_activity, observed_at, "
            "value, source. Repeat for each column to map.",
        ),
    ] = None,
    sheet: Annotated[
        str | None, typer.Option(help="The workbook's sheet (default: the first).")
    ] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Overwrite stored values that differ.")
    ] = False,
    check_only: Annotated[
        bool, typer.Option("--check", help="Check the file only; write nothing.")
    ] = False,
) -> None:
    """Import a CSV or XLSX FILE of observations, whole or not at all.

    Rows already stored with the same value are skipped; a different value is refused
    unless --replace. The same file imported again writes nothing.
    """
    columns: dict[str, str] = {}
    for item in mapping or []:
        theirs, equals, ours = item.partition("=")
        if not equals or not theirs.strip() or not ours.strip():
            typer.echo(f"--map {item}: write COLUMN=OURS, e.g. --map Date=observed_at", err=True)
            raise typer.Exit(code=BAD_INPUT)
        columns[theirs.strip()] = ours.strip()
    if not file.is_file():
        typer.echo(f"{file}: no such file", err=True)
        raise typer.Exit(code=BAD_INPUT)
    setup_django()
    from uplift.apps.measurements.importing import check
    from uplift.apps.measurements.services.observations import observation_import
    from uplift.domain.errors import InvalidDocument

    try:
        if check_only:
            checked = check(path=file, filename=str(file), mapping=columns or None, sheet=sheet)
            typer.echo(
                f"{file}: {checked.rows} rows, {len(checked.measures)} measures, "
                f"{len(checked.work_activities)} work activities, {checked.first:%Y-%m-%d} "
                f"to {checked.last:%Y-%m-%d}; no problems (nothing written)"
            )
            return
        result = observation_import(
            path=file, filename=str(file), mapping=columns or None, sheet=sheet, replace=replace
        )
    except InvalidDocument as error:
        for problem in error.problems:
            typer.echo(str(problem), err=True)
        count = len(error.problems)
        plural = "s" if count != 1 else ""
        typer.echo(f"{file}: rejected ({count} problem{plural}); nothing was written", err=True)
        raise typer.Exit(code=1) from None
    batch = result.batch
    if result.already_imported:
        typer.echo(
            f"{file}: already imported on {batch.created_at:%Y-%m-%d %H:%M} as import "
            f"{batch.pk} ({batch.filename}); nothing written"
        )
        return
    typer.echo(
        f"Imported {batch.rows} rows from {file} (import {batch.pk}): {result.inserted} new, "
        f"{result.skipped} already stored, {result.replaced} replaced."
    )


def register(app: typer.Typer) -> None:
    """Add ``import``, ``baseline`` and ``evaluate-stored`` to ``uplift measurements``."""
    app.command("import")(import_command)
    app.command("baseline")(baseline_command)
    app.command("evaluate-stored")(evaluate_stored_command)
