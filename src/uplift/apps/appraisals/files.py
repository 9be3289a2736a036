"""Appraisal files in: read, parse, check against the library and rate; no writes.

``appraisal_file_check`` is shared by ``uplift appraisal rate`` (which only prints)
and ``services.appraisal_import`` (which then writes): a file that passes it breaks
no rule, so the import's writes cannot fail on the file's content.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ObjectDoesNotExist

from uplift.apps.library.selectors import RatingIndex, model_rating_index, model_resolve
from uplift.domain.appraisal_format import (
    AppraisalDocument,
    RatingInputs,
    parse_appraisal,
    resolve_scope,
)
from uplift.domain.errors import InvalidDocument, Problem
from uplift.domain.ratings import AppraisalResult, RatingError, RatingSettings, rate_appraisal
from uplift.domain.yaml_locate import Locate, load_located

__all__ = ["DEFAULT_SETTINGS", "CheckedFile", "appraisal_file_check"]

DEFAULT_SETTINGS = RatingSettings()


@dataclass(frozen=True)
class CheckedFile:
    """A file that breaks no rule: the document, its model, the inputs and the rating."""

    document: AppraisalDocument
    model: Any  # library.ProcessModel (other apps' models are not imported here)
    index: RatingIndex
    inputs: RatingInputs
    result: AppraisalResult
    filename: str
    notes: str = ""  # the file's top-level notes (the format keeps them; the engine not)


def _read(path: str | Path | None, data: bytes | None, filename: str | None) -> tuple[str, str]:
    if (path is None) == (data is None):
        raise ValueError("give exactly one of path and data")
    if data is None:
        name = filename or str(path)
        try:
            data = Path(path).read_bytes()  # type: ignore[arg-type]  # checked above
        except OSError as error:
            raise InvalidDocument(
                [Problem(f"cannot read the file: {error.strerror}", name)]
            ) from error
    else:
        name = filename or "<input>"
    try:
        return data.decode("utf-8-sig"), name
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InvalidDocument([Problem("the file is not UTF-8 text", name, line)]) from error


_MAX_NAME = 200  # the length of the name fields of Appraisal and AppraisalUnit


def _check_plan(document: AppraisalDocument, name: str, locate: Locate) -> None:
    """What the tables need beyond the format: a SCAMPI class, names that fit."""
    problems = []
    if document.appraisal_class.upper() not in {"", "A", "B", "C"}:
        problems.append(Problem("must be A, B or C", name, locate("$.class"), "$.class", "class"))
    for key in ("name", "organizational_unit"):
        if len(getattr(document, key)) > _MAX_NAME:
            problems.append(
                Problem(
                    f"is longer than {_MAX_NAME} characters", name, locate(f"$.{key}"), f"$.{key}"
                )
            )
    for key in ("basic_units", "support_functions"):
        for position, unit in enumerate(getattr(document, key)):
            if len(unit) > _MAX_NAME:
                where = f"$.{key}[{position}]"
                problems.append(
                    Problem(f"is longer than {_MAX_NAME} characters", name, locate(where), where)
                )
    if problems:
        raise InvalidDocument(problems)


def appraisal_file_check(
    *,
    path: str | Path | None = None,
    data: bytes | None = None,
    filename: str | None = None,
    settings: RatingSettings = DEFAULT_SETTINGS,
) -> CheckedFile:
    """Read an appraisal file (YAML or JSON), check it against its model and rate it.

    Give ``path``, or ``data`` with ``filename``. Raises ``InvalidDocument`` listing
    every located problem: syntax, shape, a model the library lacks (at ``$.model``),
    practices, goals, areas or units the model or plan lacks, and judgments the rules
    refuse (a value outside the candidates, a goal judgment other than
    satisfied/unsatisfied).
    """
    text, name = _read(path, data, filename)
    raw, locate = load_located(text, filename=name)
    document = parse_appraisal(raw, filename=name, locate=locate)
    _check_plan(document, name, locate)
    reference = f"{document.model}@{document.version}" if document.version else document.model
    try:
        model = model_resolve(reference)
    except ObjectDoesNotExist as error:
        message = f"{reference} is not in the model library"
        raise InvalidDocument(
            [Problem(message, name, locate("$.model"), "$.model", "model")]
        ) from error
    index = model_rating_index(model)
    inputs = resolve_scope(document, index.structure, filename=name, locate=locate)
    try:
        result = rate_appraisal(
            inputs.scope,
            inputs.characterizations,
            inputs.practice_judgments,
            inputs.goal_judgments,
            settings,
        )
    except RatingError as error:
        # The engine's message starts with the reference it refuses: "PP SP 2.3: …".
        ref = str(error).partition(": ")[0]
        where = document.paths.get(f"judgment {ref}", "$.judgments")
        raise InvalidDocument([Problem(str(error), name, locate(where), where)]) from error
    notes = raw.get("notes") if isinstance(raw, dict) else None
    return CheckedFile(
        document, model, index, inputs, result, name, notes if isinstance(notes, str) else ""
    )
