"""Appraisal files in: read, parse, check against the library and rate; no writes.

``appraisal_file_check`` is shared by ``uplift appraisal rate`` (which only prints)
and ``services.appraisal_import`` (which then writes): a file that passes it breaks
no rule, so the import's writes cannot fail on the file's content.

Beyond the format and the model, two rules need the database and are checked here:
every team member is a user of the site, and no affirmation's role group names a
person of the organization (issue 3: affirmations record role groups, never names).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist

from uplift.apps.library.selectors import RatingIndex, model_rating_index, model_resolve
from uplift.apps.organization.selectors import person_list
from uplift.domain.appraisal_format import (
    AppraisalDocument,
    RatingInputs,
    parse_appraisal,
    resolve_scope,
)
from uplift.domain.errors import InvalidDocument, Problem
from uplift.domain.ratings import AppraisalResult, RatingError, RatingSettings, rate_appraisal
from uplift.domain.yaml_locate import Locate, load_located

__all__ = ["DEFAULT_SETTINGS", "CheckedFile", "appraisal_file_check", "texts_naming_people"]

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
    team_user_ids: Mapping[str, int] = field(default_factory=dict)  # username → user id


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
    satisfied/unsatisfied), team members who are not users, role groups that name a
    person, and a rated or closed status while judgments are open.
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
    problems: list[Problem] = []
    try:
        inputs = resolve_scope(document, index.structure, filename=name, locate=locate)
    except InvalidDocument as error:
        problems.extend(error.problems)
    team_user_ids = _check_people(document, name, locate, problems)
    if problems:
        raise InvalidDocument(problems)
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
    if document.status in ("rated", "closed") and result.open_judgments:
        waiting = ", ".join(o.ref for o in result.open_judgments)
        raise InvalidDocument(
            [
                Problem(
                    f"a {document.status} appraisal has no open judgments; still open: {waiting}",
                    name,
                    locate("$.status"),
                    "$.status",
                    "status",
                )
            ]
        )
    notes = raw.get("notes") if isinstance(raw, dict) else None
    return CheckedFile(
        document,
        model,
        index,
        inputs,
        result,
        name,
        notes if isinstance(notes, str) else "",
        team_user_ids,
    )


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def texts_naming_people(texts: Iterable[str]) -> set[str]:
    """The texts that name a person of the organization or a user of the site.

    The rule of ``services.evidence`` for role groups (issue 3: affirmations record the
    role group interviewed, never a person): a text that is a person's display name or
    e-mail, a user's username, e-mail or full name (case and spacing ignored), or that
    contains a name of two words or more as whole words ("interview with Ada
    Lovelace"). Two queries whatever the number of texts.
    """
    given = [text for text in texts if text.strip()]
    if not given:
        return set()
    exact: set[str] = set()
    names: set[str] = set()  # names of two words or more, looked for inside the texts
    for display_name, email in person_list().order_by().values_list("display_name", "email"):
        exact.update({_normal(display_name), _normal(email)})
        names.add(_normal(display_name))
    for username, email, first, last in (
        get_user_model()
        .objects.order_by()
        .values_list("username", "email", "first_name", "last_name")
    ):
        full_name = _normal(f"{first} {last}")
        exact.update({_normal(username), _normal(email), full_name})
        if first.strip() and last.strip():
            names.add(full_name)
    exact.discard("")
    names = {name for name in names if " " in name}
    found = set()
    for text in given:
        needle = _normal(text)
        if needle in exact or any(
            re.search(rf"(?<!\w){re.escape(name)}(?!\w)", needle)
            for name in names
            if name in needle
        ):
            found.add(text)
    return found


def _check_people(
    document: AppraisalDocument, name: str, locate: Locate, problems: list[Problem]
) -> dict[str, int]:
    """Team usernames are users; role groups name no person. Returns username → user id."""
    usernames = [entry.username for entry in document.team]
    user_ids: dict[str, int] = (
        dict(get_user_model().objects.filter(username__in=usernames).values_list("username", "pk"))
        if usernames
        else {}
    )
    for index, entry in enumerate(document.team):
        if entry.username not in user_ids:
            where = f"$.team[{index}].username"
            problems.append(
                Problem(
                    f"{entry.username!r} is not a user of this site",
                    name,
                    locate(where),
                    where,
                    "username",
                )
            )
    people = texts_naming_people(a.role_group for a in document.affirmations)
    for index, affirmation in enumerate(document.affirmations):
        if affirmation.role_group in people:
            where = f"$.evidence.affirmations[{index}].role_group"
            problems.append(
                Problem(
                    f"{affirmation.role_group!r} names a person; record the role group "
                    "interviewed (e.g. 'service desk leads'), never a name",
                    name,
                    locate(where),
                    where,
                    "role_group",
                )
            )
    return user_ids
