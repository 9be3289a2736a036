"""Errors of the model library.

``LibraryImportError`` carries every problem found in a file, each with its place, so
that the UI, the API and the CLI can report all of them at once. An import that raises
it has written nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One problem in an input file: where (file, line or JSON path, field) and what."""

    message: str
    file: str = ""
    line: int | None = None
    path: str = ""  # JSON path, e.g. $.process_areas[3].goals[0].id
    field: str = ""

    def __str__(self) -> str:
        place = self.file or "<input>"
        if self.line is not None:
            place += f":{self.line}"
        if self.path:
            place += f" at {self.path}"
        if self.field:
            place += f" (field {self.field})"
        return f"{place}: {self.message}"


@dataclass
class LibraryImportError(Exception):
    """An input file was rejected; ``problems`` lists every located problem."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)
