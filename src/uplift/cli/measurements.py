"""``uplift measurements …``: statistics on plain CSV files and on stored measurements.

The file commands (``evaluate``, ``xmr``, ``payback``) are the command-line contract of
issue 4: they read CSV files with a ``value`` column (other columns ignored) and call
``uplift.domain`` only, without starting Django or touching a database, so a process
group can run them in its own pipelines. ``--json`` prints one JSON object (numbers as
numbers, undefined values as null); without it a readable summary. A bad file or
argument prints one line on stderr naming the file, line and column, and exits with
status 2.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from uplift.domain.errors import InvalidDocument
from uplift.domain.measurement_files import read_values

if TYPE_CHECKING:
    from uplift.domain.statistics import Evaluation, Payback, XmrChart

app = typer.Typer(
    help="Measurements: baselines, control charts, evaluations, payback.", no_args_is_help=True
)

BAD_INPUT = 2  # the exit status of a bad file or argument, as for Click's usage errors

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON object instead of a summary.")
]


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code=BAD_INPUT)


def _values(file: Path) -> tuple[float, ...]:
    """The file's values, or exit with its first problem (and how many more)."""
    try:
        return read_values(file, filename=str(file)).values
    except InvalidDocument as error:
        first, *rest = error.problems
        more = f" (and {len(rest)} more problem{'s' if len(rest) != 1 else ''})" if rest else ""
        raise _fail(f"{first}{more}") from None


def _print_json(data: dict[str, object]) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False))


def _number(value: float | None, digits: int = 6) -> str:
    return "n/a" if value is None else f"{value:.{digits}g}"


def _table(rows: Sequence[tuple[str, str]]) -> list[str]:
    width = max(len(label) for label, _ in rows)
    return [f"{label.ljust(width)}  {text}" for label, text in rows]


@app.command("evaluate")
def evaluate_files(
    before: Annotated[Path, typer.Argument(help="CSV of the values before the change.")],
    after: Annotated[Path, typer.Argument(help="CSV of the values after the change.")],
    as_json: JsonOption = False,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Seed of the bootstrap, for a repeatable CI.")
    ] = None,
    confidence: Annotated[
        float, typer.Option("--confidence", help="Confidence of the interval; alpha = 1 - it.")
    ] = 0.95,
    boot: Annotated[int, typer.Option("--boot", help="Bootstrap resamples.")] = 10_000,
    direction: Annotated[
        str | None, typer.Option("--direction", help="Which is better: higher or lower.")
    ] = None,
    target: Annotated[
        float | None,
        typer.Option("--target", help="The change (after - before) the objective asks for."),
    ] = None,
) -> None:
    """Compare BEFORE and AFTER: difference, Welch's t, Mann-Whitney U, Hedges' g, CI."""
    # lazy here and below: SciPy takes a second to import, which every other uplift
    # command (this module is imported for each) would pay
    from uplift.domain.statistics import StatisticsError, evaluate

    before_values = _values(before)
    after_values = _values(after)
    if direction not in (None, "higher", "lower"):
        raise _fail(f"--direction must be 'higher' or 'lower', not {direction!r}")
    better: Literal["higher", "lower"] | None = (
        "higher" if direction == "higher" else "lower" if direction == "lower" else None
    )
    try:
        result = evaluate(
            before_values,
            after_values,
            seed=seed,
            n_boot=boot,
            confidence=confidence,
            direction=better,
            target=target,
        )
    except StatisticsError as error:
        files = {"before": before, "after": after}
        options = {"n_boot": "--boot", "confidence": "--confidence", "target": "--target"}
        if error.argument in files:
            raise _fail(f"{files[error.argument]}: {error}") from None
        raise _fail(f"{options.get(error.argument, error.argument)}: {error}") from None
    if as_json:
        _print_json(result.as_json())
        return
    for line in evaluation_lines(result):
        typer.echo(line)


def evaluation_lines(result: Evaluation) -> list[str]:
    """A readable summary of an evaluation."""
    percent = result.percent_change
    lines = _table(
        [
            ("", f"{'before':>12}  {'after':>12}"),
            ("n", f"{result.n_before:>12}  {result.n_after:>12}"),
            ("mean", f"{_number(result.mean_before):>12}  {_number(result.mean_after):>12}"),
            ("sd", f"{_number(result.sd_before):>12}  {_number(result.sd_after):>12}"),
        ]
    )
    lines.append("")
    lines += _table(
        [
            (
                "difference (after - before)",
                f"{_number(result.difference)}"
                + ("" if percent is None else f" ({percent:+.3g}%)"),
            ),
            (
                f"{result.confidence:.0%} bootstrap CI",
                f"[{_number(result.ci_low)}, {_number(result.ci_high)}] "
                f"({result.n_boot} resamples, "
                + ("no seed)" if result.seed is None else f"seed {result.seed})"),
            ),
            (
                "Welch's t-test",
                f"t = {_number(result.welch_t, 4)}, df = {_number(result.welch_df, 4)}, "
                f"p = {_number(result.welch_p, 4)}",
            ),
            (
                "Mann-Whitney U (after)",
                f"U = {_number(result.mannwhitney_u)}, p = {_number(result.mannwhitney_p, 4)} "
                f"({result.mannwhitney_method})",
            ),
            ("Hedges' g", _number(result.hedges_g, 4)),
        ]
    )
    verdict = result.verdict
    lines += ["", f"Verdict: {verdict.summary}"]
    if verdict.notes:
        lines.append("Notes:")
        lines += [f"  - {note}" for note in verdict.notes]
    lines.append("Assumptions:")
    lines += [f"  - {assumption}" for assumption in verdict.assumptions]
    return lines


def _limits_window(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    start, colon, stop = text.partition(":")
    if not colon or not start.strip().isdigit() or not stop.strip().isdigit():
        raise _fail(f"--limits-from must be START:STOP (0-based, STOP excluded), not {text!r}")
    return int(start), int(stop)


@app.command("xmr")
def xmr_file(
    file: Annotated[Path, typer.Argument(help="CSV of the values, in time order.")],
    as_json: JsonOption = False,
    limits_from: Annotated[
        str | None,
        typer.Option(
            "--limits-from",
            metavar="START:STOP",
            help="Compute the limits from these points only (0-based, STOP excluded).",
        ),
    ] = None,
) -> None:
    """The XmR chart of FILE: center, natural process limits and run-rule signals."""
    from uplift.domain.statistics import StatisticsError, xmr

    window = _limits_window(limits_from)
    values = _values(file)
    try:
        chart = xmr(values, limits_from=window)
    except StatisticsError as error:
        place = "--limits-from" if error.argument == "limits_from" else str(file)
        raise _fail(f"{place}: {error}") from None
    if as_json:
        _print_json(chart.as_json())
        return
    for line in xmr_lines(chart):
        typer.echo(line)


def xmr_lines(chart: XmrChart) -> list[str]:
    """A readable summary of an XmR chart."""
    low, high = chart.limits_from
    lines = _table(
        [
            ("points", str(len(chart.values))),
            ("limits from", f"points {low} to {high - 1}"),
            ("center", _number(chart.center)),
            ("mr_bar", _number(chart.mr_bar)),
            ("ucl", _number(chart.ucl)),
            ("lcl", _number(chart.lcl)),
            ("mr_ucl", _number(chart.mr_ucl)),
        ]
    )
    if not chart.signals:
        lines.append("No signals.")
    else:
        lines.append("Signals:")
        values = chart.values
        lines += [
            f"  index {signal.index}: {signal.rule.value} "
            f"(value {_number(values[signal.index - chart.start])})"
            for signal in chart.signals
        ]
    if chart.mr_signals:
        indices = ", ".join(str(index) for index in chart.mr_signals)
        lines.append(f"Moving ranges above mr_ucl, ending at index {indices}.")
    return lines


@app.command("payback")
def payback_command(
    cost: Annotated[float, typer.Option("--cost", help="One-off cost of the improvement.")],
    benefit: Annotated[float, typer.Option("--benefit", help="Measured benefit per month.")],
    running_cost: Annotated[
        float, typer.Option("--running-cost", help="Running cost per month.")
    ] = 0.0,
    benefit_low: Annotated[
        float | None, typer.Option("--benefit-low", help="Low end of the benefit's interval.")
    ] = None,
    benefit_high: Annotated[
        float | None, typer.Option("--benefit-high", help="High end of the benefit's interval.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Months to recover COST from BENEFIT - RUNNING COST a month (null: never)."""
    from uplift.domain.statistics import StatisticsError, payback

    if (benefit_low is None) != (benefit_high is None):
        raise _fail("--benefit-low and --benefit-high go together")
    interval = None
    if benefit_low is not None and benefit_high is not None:
        interval = (benefit_low, benefit_high)
    try:
        result = payback(cost, running_cost, benefit, benefit_ci=interval)
    except StatisticsError as error:
        option = {"benefit_ci": "--benefit-low/--benefit-high"}.get(
            error.argument, "--" + error.argument.replace("_", "-")
        )
        raise _fail(f"{option}: {error}") from None
    if as_json:
        _print_json(result.as_json())
        return
    for line in payback_lines(result):
        typer.echo(line)


def _months(months: float | None) -> str:
    return (
        "never (the benefit does not exceed the running cost)"
        if months is None
        else (f"{months:.3g} months")
    )


def payback_lines(result: Payback) -> list[str]:
    """A readable summary of a payback computation."""
    rows = [("payback", _months(result.months))]
    if result.benefit_low is not None:
        rows += [
            ("shortest", f"{_months(result.months_low)} (benefit {result.benefit_high:g})"),
            ("longest", f"{_months(result.months_high)} (benefit {result.benefit_low:g})"),
        ]
    return _table(rows)
