"""A delimited (CSV) delivery read in chunks: the header checked by the exact path, then the
data on the fast path block by block where it gives the same values, else on the exact path;
optionally only the records of one byte range (see :func:`ucj.io.readers.parts.plan_parts`)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ucj.io.readers.exact import Records, raise_field_limit, read_header
from ucj.io.readers.fast import Block, bare_cr, block_bytes, parsed_blocks
from ucj.io.readers.frames import DEFAULT_CHUNK_ROWS, counted, fit_fields, record_frames, tidy
from ucj.io.readers.text import sniff_encoding


def _plain_header(path: Path, encoding: str, records: Records, line: int,
                  fields: list[str], names: list[str]) -> bool:
    """Whether the data may take the fast path: UTF-8, and the header alone on line 1 as
    plain bytes (ending in b"\\n"; no quote, bare CR or trailing empty cell)."""
    if not encoding.startswith("utf-8") or line != 1 or records.lines.number != 1 \
            or len(fields) != len(names):
        return False
    with open(path, "rb") as fh:
        first = fh.read(records.lines.position)
    return (first.endswith(b"\n") and first.count(b"\n") == 1 and b'"' not in first
            and not bare_cr(first))


def read_csv_chunks(path: Path, columns: list[str], delimiter: str, upper: list[str] = (),
                    chunk_rows: int = DEFAULT_CHUNK_ROWS, require_rows: bool = True,
                    byte_range: tuple[int, int | None, int] | None = None,
                    exact: bool = False,
                    keep: Sequence[str] | None = None) -> Iterator[pd.DataFrame]:
    """The file's records as tidy frames of about ``chunk_rows`` rows (see the
    :mod:`ucj.io.readers` docstring). ``byte_range`` (start, end, first line), e.g. from
    :func:`ucj.io.readers.parts.plan_parts`, reads only the records starting in bytes
    [start, end), the header still checked; ``exact`` forces the csv-module path. ``keep``:
    only these columns in the frames, the others parsed but not converted (a row blank in them
    is dropped like a blank record)."""
    path = Path(path)
    encoding = sniff_encoding(path)
    raise_field_limit()
    records = Records(path, encoding, delimiter)
    line, fields, names = read_header(path, records, columns, delimiter)
    start, end, first = records.lines.position, None, records.lines.number + 1
    if byte_range is not None:
        start, end, first = _clamped(byte_range, start, first)
    data = _CsvData(path, encoding, delimiter, names, list(keep or columns), upper,
                    chunk_rows)
    if not exact and _plain_header(path, encoding, records, line, fields, names):
        records.close()
        frames = data.fast_frames(start, end, first)
    elif byte_range is not None:
        records.close()
        frames = data.exact_frames(data.records(start, end, first))
    else:
        frames = data.exact_frames(records)  # on from the header, as ever
    yield from counted(path, frames, require_rows and byte_range is None)


def _clamped(byte_range: tuple[int, int | None, int], data_start: int,
             data_line: int) -> tuple[int, int | None, int]:
    start, end, first = byte_range
    if start < data_start:  # the header is no record: a range from the file start skips it
        start, first = data_start, data_line
    return start, end, first


@dataclass(frozen=True)
class _CsvData:
    """A CSV file whose header has been checked: its data records as tidy frames, read by
    the csv module (exact) or, block by block where that gives the same values, by
    pyarrow.csv (fast)."""

    path: Path
    encoding: str
    delimiter: str
    names: list[str]
    columns: list[str]
    upper: Sequence[str]
    chunk_rows: int

    def records(self, start: int, end: int | None, first_line: int) -> Records:
        return Records(self.path, self.encoding, self.delimiter, start, end, first_line)

    def exact_frames(self, records: Records) -> Iterator[tuple[pd.DataFrame, int]]:
        return record_frames(self._rows(records), self.names, self.columns, self.upper,
                             self.chunk_rows)

    def _rows(self, records: Records) -> Iterator[tuple[int, list, str | None]]:
        width = len(self.names)
        while (rec := records.next()) is not None:
            number, fields = rec
            if len(fields) == width and "".join(fields).strip():
                yield number, fields, None  # the usual record: no per-field work here
                continue
            if not "".join(fields).strip():
                continue  # a blank line, or one of only delimiters
            values, issue = fit_fields(fields, width, self.delimiter)
            yield number, values, issue

    def fast_frames(self, start: int, end: int | None,
                    line: int) -> Iterator[tuple[pd.DataFrame, int]]:
        """Blocks of about ``chunk_rows`` lines parsed by pyarrow.csv. Without a quote or a
        bare CR every b"\\n" ends a record, so a row's line is the block's first line plus
        its index; a block pyarrow does not read cleanly is read again by the csv module."""
        size = block_bytes(self.path, start, self.chunk_rows)
        spans_from = None
        with contextlib.closing(parsed_blocks(self.path, start, end, size, self.names,
                                              self.delimiter, self.columns)) as blocks:
            for block in blocks:
                if block.spans:
                    spans_from = block.offset
                    break
                if block.table is None:
                    yield from self.exact_frames(
                        self.records(block.offset, block.offset + block.size, line))
                else:
                    yield from self._arrow_frames(block, line)
                line += block.lines
        if spans_from is not None:
            # A quoted field may run into the next block, and a bare CR ends a line b"\n"
            # counts miss: the csv module reads the rest.
            yield from self.exact_frames(self.records(spans_from, end, line))

    def _arrow_frames(self, block: Block, line: int) -> Iterator[tuple[pd.DataFrame, int]]:
        # The block size is a guess from the first MB: a block may hold more lines.
        for at in range(0, block.lines, self.chunk_rows):
            rows = block.table.slice(at, self.chunk_rows)
            frame = tidy(rows, np.arange(line + at, line + at + rows.num_rows), None,
                         self.columns, self.upper, controls=block.controls,
                         plain_ascii=block.plain_ascii)
            # A record the csv module skips as blank (only whitespace and delimiters) is a
            # row tidy() drops: Arrow trims exactly what str.strip does.
            yield frame, len(frame)
