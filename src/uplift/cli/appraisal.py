"""``uplift appraisal …``: list stored appraisals, rate a file, import it, export one.

Each command starts Django (the model comes from the library database), then calls
one service or selector. A rejected file prints every problem on its own line on
stderr with its place (file:line at path) and exits with status 1, having written
nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from uplift.cli.bootstrap import setup_django

app = typer.Typer(
    help="Appraisals: list them, rate an appraisal file, import it, export a stored appraisal.",
    no_args_is_help=True,
)

EXPORT_FORMATS = ("yaml", "json")


def _fail(lines: list[str]) -> typer.Exit:
    for line in lines:
        typer.echo(line, err=True)
    return typer.Exit(code=1)


def _rejected(file: Path, error: Any) -> typer.Exit:
    count = len(error.problems)
    summary = f"{file}: rejected ({count} problem{'s' if count != 1 else ''}); nothing was written"
    return _fail([*(str(problem) for problem in error.problems), summary])


def _level(value: int | None, open_count: int) -> str:
    if value is not None:
        return str(value)
    if open_count:
        return f"undecided ({open_count} open judgment{'s' if open_count != 1 else ''})"
    return "not reached"


def summary_lines(result: dict[str, Any], representation: str) -> list[str]:
    """A readable summary of ``AppraisalResult.as_json()``."""
    open_judgments: list[dict[str, Any]] = result["open_judgments"]
    lines = []
    if representation == "staged":
        lines.append(f"Maturity level: {_level(result['maturity_level'], len(open_judgments))}")
    else:
        equivalent = _level(result["equivalent_maturity_level"], len(open_judgments))
        lines.append(f"Equivalent maturity level: {equivalent}")
    lines.append("Process areas:")
    areas: dict[str, dict[str, Any]] = result["process_areas"]
    width = max((len(abbr) for abbr in areas), default=0)
    for abbr, area in areas.items():
        level = area["capability_level"]
        cl = f"  CL {level}" if level is not None else ""
        lines.append(f"  {abbr.ljust(width)}  {area['rating']}{cl}")
    if open_judgments:
        lines.append("Open judgments:")
        lines.extend(
            f"  {item['kind']} {item['ref']}: {' or '.join(item['candidates'])}"
            for item in open_judgments
        )
    warnings: list[str] = result.get("warnings", [])
    if warnings:
        lines.append("Warnings:")
        lines.extend(f"  {warning}" for warning in warnings)
    return lines


@app.command("list")
def list_appraisals(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON array instead of a table.")
    ] = False,
) -> None:
    """List every stored appraisal: id, name, model, status and stored maturity level."""
    setup_django()
    # Lazy imports here and below: the models load only after django.setup().
    from django.db.models import F

    from uplift.apps.appraisals.models import Appraisal

    # The operator sees every appraisal (like selectors.appraisal_get_unscoped), with the
    # annotations of selectors.appraisal_list; oldest first, as ids grow.
    appraisals: list[Any] = list(
        Appraisal.objects.select_related("model")
        .annotate(
            rated_maturity_level=F("rating__maturity_level"), rated_at=F("rating__computed_at")
        )
        .order_by("pk")
    )
    rows: list[dict[str, Any]] = [
        {
            "id": appraisal.pk,
            "name": appraisal.name,
            "class": appraisal.appraisal_class,
            "model": appraisal.model.reference,
            "representation": appraisal.representation,
            "status": appraisal.status,
            "maturity_level": appraisal.rated_maturity_level,
            "rated_at": appraisal.rated_at.isoformat() if appraisal.rated_at else None,
        }
        for appraisal in appraisals
    ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        typer.echo("No appraisals yet; import one with 'uplift appraisal import FILE'.")
        return
    header = ("ID", "NAME", "MODEL", "STATUS", "ML")
    table = [
        (
            str(row["id"]),
            row["name"],
            row["model"],
            row["status"],
            "-" if row["maturity_level"] is None else str(row["maturity_level"]),
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [header, *table]) for i in range(len(header))]
    for line in [header, *table]:
        typer.echo(
            "  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip()
        )


@app.command("rate")
def rate(
    file: Annotated[Path, typer.Argument(help="An appraisal file (.yaml or .json).")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the rating as JSON instead of a summary.")
    ] = False,
) -> None:
    """Rate an appraisal FILE against its model in the library; writes nothing."""
    setup_django()
    # Lazy imports here and below: the models load only after django.setup().
    from uplift.apps.appraisals.files import appraisal_file_check
    from uplift.domain.errors import InvalidDocument

    try:
        checked = appraisal_file_check(path=file, filename=str(file))
    except InvalidDocument as error:
        raise _rejected(file, error) from None
    result = checked.result.as_json()
    if as_json:
        typer.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    document = checked.document
    typer.echo(f"{file}: {checked.model.reference}, {document.representation}")
    for line in summary_lines(result, document.representation):
        typer.echo(line)


@app.command("import")
def import_appraisal(
    file: Annotated[Path, typer.Argument(help="An appraisal file (.yaml or .json).")],
) -> None:
    """Store an appraisal FILE as a new appraisal, rated; whole or not at all."""
    setup_django()
    from uplift.apps.appraisals.services import appraisal_import
    from uplift.domain.errors import InvalidDocument

    try:
        appraisal = appraisal_import(path=file, filename=str(file))
    except InvalidDocument as error:
        raise _rejected(file, error) from None
    typer.echo(
        f"Imported appraisal {appraisal.pk}: {appraisal.name} ({appraisal.model.reference}, "
        f"{appraisal.representation})."
    )
    for line in summary_lines(appraisal.rating.result, appraisal.representation):
        typer.echo(line)


@app.command("export")
def export_appraisal(
    appraisal_id: Annotated[int, typer.Argument(metavar="ID", help="The appraisal's id.")],
    format: Annotated[str, typer.Option("--format", help="yaml or json.")] = "yaml",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file instead of standard output."),
    ] = None,
) -> None:
    """Export a stored appraisal in the exchange format (imports back unchanged).

    The file holds the plan, team, cells, judgments, findings and the team's evidence
    (artifacts by link, affirmations by role group).
    """
    if format not in EXPORT_FORMATS:
        raise _fail([f"unknown format {format!r}; use one of {', '.join(EXPORT_FORMATS)}"])
    setup_django()
    from uplift.apps.appraisals.exports import appraisal_export
    from uplift.apps.appraisals.models import Appraisal
    from uplift.apps.appraisals.selectors import appraisal_get_unscoped

    try:
        appraisal = appraisal_get_unscoped(pk=appraisal_id)
    except Appraisal.DoesNotExist:
        raise _fail([f"there is no appraisal {appraisal_id}"]) from None
    # The operator's command line sees the team's workspace too.
    text = appraisal_export(appraisal=appraisal, format=format, evidence=True)
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise _fail([f"cannot write {output}: {error.strerror}"]) from None
    typer.echo(f"Exported appraisal {appraisal_id} to {output}.", err=True)
