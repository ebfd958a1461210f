"""Read delivered files as text, in chunks, tolerating the quirks the contracts list.

Every value stays a string (leading zeros in kpj/npp/NIK survive); blanks become missing;
``row_number`` is the physical line (CSV and JSON lines, header = line 1 of a CSV; for a
record spanning lines, its first line) or sheet row (XLSX) of each record.

What a reader does with input that breaks the format (tests/reliability covers each case):

- the whole file is refused with a :class:`ReadError` naming the file, the line and the rule
  when it cannot be read as a table at all: empty, no data rows, a header that is not the
  contract's (:class:`SchemaError`, also for a wrong delimiter), bytes that are not text in
  the file's encoding (:class:`EncodingError`), a line that is not JSON, a field beyond
  :data:`HARD_FIELD_CHARS`, a workbook that is not one;
- a single record that cannot be trusted keeps its raw values and is marked in the
  :data:`READ_ISSUE` column with a rule name, so the batch quarantines it with that reason:
  ``field_count`` (more or fewer fields than the header: the surplus is kept, joined, in the
  last column, so nothing is shifted or dropped), ``field_too_long`` (a value over
  :data:`MAX_FIELD_CHARS` characters), ``control_character`` (NUL and other control bytes).

Encodings: UTF-8 (with or without a byte-order mark) as the contracts say; UTF-16 is read
when the file says so (a BOM, or a header whose characters alternate with NUL bytes, which
is unambiguous for an ASCII header). Anything else (Latin-1, Windows-1252) is refused at the
first undecodable line: those code pages decode any byte, so guessing one would silently
rewrite names rather than fail.

CSV is read on one of two paths that give the same frames, value for value (tested by
tests/test_fast_reader.py):

- exact: the csv module, record by record, for any file (quotes, line breaks in fields,
  UTF-16, bare CR line ends);
- fast: when the file is UTF-8 and its header is alone on line 1 (the header itself is read
  by the exact path, with all its checks), the data is read in byte blocks of about
  ``chunk_rows`` lines cut after a b"\\n", and a block without a quote or a bare CR is parsed
  by pyarrow.csv: every b"\\n" then ends a record, so a row's line is the block's first line
  plus its index. A block pyarrow does not read cleanly (another field count, bytes that are
  not UTF-8, a field over HARD_FIELD_CHARS) is read again by the exact path, which marks the
  records or refuses the file with the right line; a quote or a bare CR hands the rest to
  the exact path (a quoted field may run into the next block). Both paths end in the same
  column work (:func:`ucj.io.readers.frames.tidy`).

Byte ranges: ``read_csv_chunks(..., byte_range=(start, end, first_line))`` checks the header
from the file start, then reads only the records starting in bytes [start, end), numbered
from ``first_line``; :func:`plan_parts` cuts a file into such ranges, to be read separately
(in parallel), whose frames concatenated are the whole file's. ``require_rows`` is then the
caller's to check.

Memory stays bounded by the chunk size: files are streamed, never loaded whole.

One module a job: ``errors`` (the refusals), ``header`` (the header against the contract),
``text`` (encodings, decoded lines, the line of an undecodable byte), ``frames`` (records to
tidy frames, the reader rules), ``exact`` (the csv-module records), ``fast`` (pyarrow.csv
blocks), ``delimited`` (a CSV file on either path), ``parts`` (byte ranges), ``xlsx``,
``jsonl``; this module picks the reader by file type and names the public API.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from ucj.io.readers.delimited import read_csv_chunks
from ucj.io.readers.errors import EmptyFile, EncodingError, NoDataRows, ReadError, SchemaError
from ucj.io.readers.exact import HARD_FIELD_CHARS
from ucj.io.readers.frames import (
    CONTROL_CHARACTER,
    DEFAULT_CHUNK_ROWS,
    FIELD_COUNT,
    FIELD_TOO_LONG,
    MAX_FIELD_CHARS,
    READ_ISSUE,
    READER_RULES,
    ROW_NUMBER,
)
from ucj.io.readers.header import check_header
from ucj.io.readers.jsonl import read_jsonl_chunks
from ucj.io.readers.parts import plan_parts
from ucj.io.readers.text import undecodable
from ucj.io.readers.xlsx import read_xlsx_chunks

__all__ = [
    "CONTROL_CHARACTER", "DEFAULT_CHUNK_ROWS", "FIELD_COUNT", "FIELD_TOO_LONG",
    "HARD_FIELD_CHARS", "MAX_FIELD_CHARS", "READER_RULES", "READ_ISSUE", "ROW_NUMBER",
    "EmptyFile", "EncodingError", "NoDataRows", "ReadError", "SchemaError", "check_header",
    "plan_parts", "read_chunks", "read_csv_chunks", "read_jsonl_chunks", "read_xlsx_chunks",
    "undecodable",
]


def read_chunks(path: Path, columns: list[str], delimiter: str, upper: list[str] = (),
                chunk_rows: int = DEFAULT_CHUNK_ROWS,
                require_rows: bool = True) -> Iterator[pd.DataFrame]:
    """A delivered table (CSV, or XLSX by its suffix) as tidy frames of ``chunk_rows``."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        return read_xlsx_chunks(path, columns, upper, chunk_rows, require_rows)
    return read_csv_chunks(path, columns, delimiter, upper, chunk_rows, require_rows)
