"""``uplift library …``: list, import and export process models.

Each command starts Django, then calls one selector or service. Import problems are
printed one per line on stderr with their place (file:line at path) and the command
exits with status 1, having written nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from uplift.cli.bootstrap import setup_django

app = typer.Typer(
    help="The model library: list, import and export process models.", no_args_is_help=True
)

IMPORT_FORMATS = ("uplift", "oscal", "csv")
EXPORT_FORMATS = ("yaml", "json", "csv")


def _fail(lines: list[str]) -> typer.Exit:
    for line in lines:
        typer.echo(line, err=True)
    return typer.Exit(code=1)


@app.command("list")
def list_models(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON array instead of a table.")
    ] = False,
) -> None:
    """List every model version with its counts; '*' marks the latest version of a model."""
    setup_django()
    # Lazy imports here and below: the models load only after django.setup().
    from uplift.apps.library.selectors import model_list

    # model_list() annotates the counts; the ORM type does not know them, hence Any.
    models: list[Any] = list(model_list())
    rows: list[dict[str, Any]] = [
        {
            "id": model.identifier,
            "version": model.version,
            "reference": model.reference,
            "name": model.name,
            "format": model.format,
            "process_areas": model.process_area_count,
            "goals": model.goal_count,
            "practices": model.practice_count,
            "generic_goals": model.generic_goal_count,
            "generic_practices": model.generic_practice_count,
            "is_latest": model.is_latest,
            "imported_at": model.imported_at.isoformat(),
        }
        for model in models
    ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        typer.echo("The model library is empty; load it with 'uplift setup' or import a file.")
        return
    header = ("MODEL", "PAS", "GOALS", "PRACTICES", "GG", "GP", "NAME")
    table = [
        (
            f"{row['reference']}{' *' if row['is_latest'] else ''}",
            str(row["process_areas"]),
            str(row["goals"]),
            str(row["practices"]),
            str(row["generic_goals"]),
            str(row["generic_practices"]),
            row["name"],
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [header, *table]) for i in range(len(header) - 1)]
    for line in [header, *table]:
        cells = [
            cell.rjust(width) if i else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=False))
        ]
        typer.echo("  ".join([*cells, line[-1]]))


@app.command("import")
def import_model(
    file: Annotated[
        Path, typer.Argument(help="A model file: .yaml/.json (ours or OSCAL) or .csv.")
    ],
    format: Annotated[
        str | None,
        typer.Option("--format", help="uplift, oscal or csv; guessed from the file if not given."),
    ] = None,
    identifier: Annotated[
        str | None,
        typer.Option("--id", help="Model id instead of the file's (OSCAL: instead of the title)."),
    ] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Overwrite the version if it is already loaded.")
    ] = False,
) -> None:
    """Import one model version from FILE, whole or not at all."""
    if format is not None and format not in IMPORT_FORMATS:
        raise _fail([f"unknown format {format!r}; use one of {', '.join(IMPORT_FORMATS)}"])
    setup_django()
    from uplift.apps.library.errors import LibraryImportError
    from uplift.apps.library.services import library_import_file

    try:
        model = library_import_file(
            path=file, filename=str(file), format=format, identifier=identifier, replace=replace
        )
    except LibraryImportError as error:
        count = len(error.problems)
        summary = (
            f"{file}: rejected ({count} problem{'s' if count != 1 else ''}); nothing was written"
        )
        raise _fail([*(str(problem) for problem in error.problems), summary]) from None
    areas = model.process_areas.count()
    practices = model.practices.filter(process_area__isnull=False).count()
    latest = "" if model.is_latest else f" (an older version; {model.identifier} has a newer one)"
    typer.echo(
        f"Imported {model.identifier} {model.version}: {areas} process areas, "
        f"{practices} practices{latest}."
    )


@app.command("export")
def export_model(
    model: Annotated[str, typer.Argument(help="CMMI-DEV (the latest version) or CMMI-DEV@1.3.")],
    format: Annotated[str, typer.Option("--format", help="yaml, json or csv.")] = "yaml",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file instead of standard output."),
    ] = None,
) -> None:
    """Export a model version in our YAML or JSON format, or as flat CSV."""
    if format not in EXPORT_FORMATS:
        raise _fail([f"unknown format {format!r}; use one of {', '.join(EXPORT_FORMATS)}"])
    setup_django()
    from uplift.apps.library.exports import model_export
    from uplift.apps.library.models import ProcessModel
    from uplift.apps.library.selectors import model_resolve

    try:
        found = model_resolve(model)
    except ProcessModel.DoesNotExist:
        raise _fail([f"{model} is not in the model library (see 'uplift library list')"]) from None
    text = model_export(model=found, format=format)
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise _fail([f"cannot write {output}: {error.strerror}"]) from None
    typer.echo(f"Exported {found.identifier} {found.version} to {output}.", err=True)
