"""The fast path of the observation reader: plain CSV parsed by pyarrow (issue 4).

:class:`~uplift.apps.measurements.importing.ObservationReader` reads a CSV file with
Python's ``csv`` module and checks it row by row where needed; that costs about a
microsecond a row. Most large files are plain: no quotes, no blank lines, no spaces
around cells, every cell right. For those, :class:`PlainReader` parses the file in
C++ (``pyarrow.csv.open_csv``, every column as text) and returns each block of rows
as columns the reader can check cheaply:

- ``measure``, ``work_activity``, ``observed_at`` and ``source`` dictionary-encoded:
  the reader looks up or parses the few distinct texts, never each cell;
- ``value`` as float64, only where every cell matches the slow path's own number
  pattern (``importing._NUMBER``, anchored, in RE2) and casts to a finite number.

Anything irregular ends the fast path at the start of the block that holds it: a
quote character anywhere (quotes are parsed as plain characters here, so a quoted
cell is never accepted), a blank line or a row of the wrong width (pyarrow refuses
the block), bytes that are not UTF-8, a cell that is not a plain number. The reader
then goes on with its slow path from that block's first line, which reports every
problem exactly as before. The rows accepted up to there are the rows the slow path
would have accepted, on the same lines: without quotes or blank lines, data row ``i``
(from 0) is line ``i + 2``.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

__all__ = ["BLOCK_BYTES", "PlainBlock", "PlainReader", "Texts"]

BLOCK_BYTES = 1 << 21  # ~55,000 rows of the benchmark's file per block

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Texts:
    """A text column as its distinct texts and, per row, the index of its text."""

    texts: list[str]
    indices: IntArray


@dataclass(frozen=True)
class PlainBlock:
    """One block of rows of a plain file: ``first`` is the index (from 0) of its first
    data row; ``source`` is None when the file has no source column."""

    first: int
    rows: int
    measure: Texts
    work_activity: Texts
    observed_at: Texts
    values: FloatArray
    source: Texts | None


class PlainReader:
    """Blocks of a plain CSV file (``path``, or ``data``), read by pyarrow's own handle.

    ``width`` is the header's number of cells, ``positions`` our column -> position.
    Iterate :meth:`blocks`; a block is counted in ``rows`` once the caller asks for the
    next one, so when the caller stops at a block it refuses, ``rows`` is where that
    block starts. ``complete`` says whether the end of the file was reached.
    """

    def __init__(
        self,
        *,
        path: str | None,
        data: bytes | None,
        delimiter: str,
        width: int,
        positions: Mapping[str, int],
        number_pattern: str,
        header_bytes: int = 0,
        block_bytes: int | None = None,
    ) -> None:
        self._source: Any = path if path is not None else pa.BufferReader(data)
        self._delimiter = delimiter
        self._width = width
        self._positions = dict(positions)
        self._number = f"^(?:{number_pattern})$"
        self._block_bytes = block_bytes or BLOCK_BYTES
        self.complete = False
        self.rows = 0
        # Read so far: the header, then each block's cells, delimiters and line ends
        # (counted as one byte each): exact for a file of Unix line ends.
        self.bytes = header_bytes

    def blocks(self) -> Generator[PlainBlock, None, None]:
        names = [f"c{i}" for i in range(self._width)]
        try:
            reader = pa_csv.open_csv(
                self._source,
                read_options=pa_csv.ReadOptions(
                    block_size=self._block_bytes, skip_rows=1, column_names=names
                ),
                parse_options=pa_csv.ParseOptions(
                    delimiter=self._delimiter,
                    quote_char=False,  # a quote is a character; a cell holding one is refused
                    escape_char=False,
                    newlines_in_values=False,
                    ignore_empty_lines=False,  # a blank line moves the line numbers: refused
                ),
                convert_options=pa_csv.ConvertOptions(
                    column_types={name: pa.string() for name in names},
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                    check_utf8=True,
                ),
            )
        except (pa.ArrowException, OSError):
            return
        try:
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    self.complete = True
                    return
                except (pa.ArrowException, OSError):
                    return
                block = self._block(batch)
                if block is None:
                    return
                self.bytes += block.rows * self._width + sum(
                    pc.sum(pc.binary_length(column)).as_py() or 0 for column in batch.columns
                )
                yield block
                self.rows += block.rows
        finally:
            reader.close()

    def _block(self, batch: Any) -> PlainBlock | None:
        """The block as columns, or None if a cell holds a quote or a value is not a plain
        finite number."""
        positions = self._positions
        dictionary = {
            positions[c]: c
            for c in ("measure", "work_activity", "observed_at", "source")
            if c in positions
        }
        for position in range(self._width):
            if position in dictionary or position == positions["value"]:
                continue  # checked below (the number pattern has no quote)
            if pc.any(pc.match_substring(batch.column(position), '"')).as_py():
                return None
        texts: dict[str, Texts] = {}
        for position, column in dictionary.items():
            encoded = pc.dictionary_encode(batch.column(position))
            if pc.any(pc.match_substring(encoded.dictionary, '"')).as_py():
                return None
            texts[column] = Texts(
                encoded.dictionary.to_pylist(),
                encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64),
            )
        cells = batch.column(positions["value"])
        if not pc.all(pc.match_substring_regex(cells, self._number)).as_py():
            return None
        try:
            values = pc.cast(cells, pa.float64()).to_numpy(zero_copy_only=False)
        except pa.ArrowException:
            return None
        if not np.isfinite(values).all():
            return None
        return PlainBlock(
            first=self.rows,
            rows=batch.num_rows,
            measure=texts["measure"],
            work_activity=texts["work_activity"],
            observed_at=texts["observed_at"],
            values=values,
            source=texts.get("source"),
        )
