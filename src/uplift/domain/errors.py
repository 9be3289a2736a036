"""Errors shared by the domain and every interface.

Exception tree::

    ValueError
    ├── InvalidDocument      an input file breaks its format; .problems lists each, located
    └── ratings.RatingError  a judgment or scope the rating rules do not allow

``Problem`` is the one located-problem record of Uplift: the library importers, the
appraisal format and the measurement imports all report with it, and the UI, API
and CLI render it the same way: ``file:line at $.path (field f): message``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["InvalidDocument", "Problem"]


@dataclass(frozen=True)
class Problem:
    """One problem in an input: where (file, line or JSON path, field) and what."""

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
class InvalidDocument(ValueError):
    """An input was rejected; ``problems`` lists every located problem found."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)
