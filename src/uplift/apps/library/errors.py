"""Errors of the model library.

``LibraryImportError`` carries every problem found in a file, each with its place
(``uplift.domain.errors.Problem``), so that the UI, the API and the CLI can report
all of them at once. An import that raises it has written nothing.
"""

from __future__ import annotations

from uplift.domain.errors import InvalidDocument, Problem

__all__ = ["LibraryImportError", "Problem"]


class LibraryImportError(InvalidDocument):
    """A model file was rejected; ``problems`` lists every located problem."""
