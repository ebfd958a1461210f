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
  column work (:func:`_tidy`).

Byte ranges: ``read_csv_chunks(..., byte_range=(start, end, first_line))`` checks the header
from the file start, then reads only the records starting in bytes [start, end), numbered
from ``first_line``; :func:`plan_parts` cuts a file into such ranges, to be read separately
(in parallel), whose frames concatenated are the whole file's. ``require_rows`` is then the
caller's to check.

Memory stays bounded by the chunk size: files are streamed, never loaded whole.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import functools
import io
import json
import re
from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from ucj.refusal import Refused

ROW_NUMBER = "row_number"
READ_ISSUE = "_read_issue"  # the rule a record broke while being read, else missing
DEFAULT_CHUNK_ROWS = 250_000
FRAME_ROWS = 50_000  # records turned into a frame at a time (bounds the Python objects held)
MAX_FIELD_CHARS = 4_096  # longer values are quarantined (field_too_long)
HARD_FIELD_CHARS = 16 * 1024 * 1024  # longer fields refuse the file (memory stays bounded)
HEADER_SEARCH_ROWS = 30  # XLSX title rows tolerated above the header
SAMPLE_BYTES = 1 << 20  # read to judge the bytes a line takes
MAX_BLOCK_BYTES = 256 << 20  # a fast-path block at most (memory stays bounded)
ARROW_BLOCK_BYTES = 4 << 20  # pyarrow parses a block in pieces of this size (threads)
PART_READ_BYTES = 64 << 20  # plan_parts reads this much at a time
CUT_SLICE_BYTES = 1 << 20  # and counts its line ends in slices of this size

FIELD_COUNT = "field_count"
FIELD_TOO_LONG = "field_too_long"
CONTROL_CHARACTER = "control_character"
READER_RULES = (FIELD_COUNT, FIELD_TOO_LONG, CONTROL_CHARACTER)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DELIMITERS = (";", ",", "\t", "|")


class ReadError(Refused, ValueError):
    """The file cannot be read as its contract says: the whole batch is refused.

    The message names the file, the line (when there is one) and the rule broken."""

    rule = "readable"

    def __init__(self, path: Path | str, problem: str, line: int | None = None,
                 rule: str | None = None):
        self.path, self.line, self.problem = str(path), line, problem
        self.rule = rule or self.rule
        where = f"{path}, line {line}" if line else f"{path}"
        super().__init__(f"{where}: {problem} [rule {self.rule}]")

    def __reduce__(self):
        # Raised in a worker process, it crosses back by pickle: rebuild it from its message
        # and attributes (the subclasses' __init__ take other arguments).
        return _rebuild_error, (type(self), self.args, self.__dict__)


def _rebuild_error(cls, args, state):
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class SchemaError(ReadError):
    """The file's header does not match its contract (drift): the whole batch is refused."""

    rule = "header_matches_contract"

    def __init__(self, path: Path | str, missing: list[str], extra: list[str],
                 hint: str = "", line: int | None = 1):
        self.missing, self.extra, self.hint = list(missing), list(extra), hint
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if extra:
            parts.append(f"unexpected column(s) {', '.join(_short(e) for e in extra)}")
        text = f"header does not match the contract: {'; '.join(parts) or 'no header'}"
        super().__init__(path, text + (f" ({hint})" if hint else ""), line)


class EncodingError(ReadError):
    """Bytes that are not text in the file's encoding (the contracts say UTF-8)."""

    rule = "encoding"


class EmptyFile(ReadError):
    """No header at all (zero bytes, or only blank lines)."""

    rule = "not_empty"


class NoDataRows(ReadError):
    """A header and nothing under it: taken as a delivery that went wrong, since it would
    replace the partition with nothing."""

    rule = "has_rows"


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def _canonical(name: object) -> str:
    return str(name).replace("\ufeff", "").strip().lower()


def check_header(path, header: list[str], columns: list[str], delimiter: str | None = None,
                 line: int = 1) -> list[str]:
    found = [_canonical(h) for h in header]
    # Trailing empty header cells are spreadsheet noise, not columns.
    while found and found[-1] in ("", "nan", "none"):
        found.pop()
    missing = [c for c in columns if c not in found]
    extra = [h for h in found if h not in columns]
    if missing or extra or len(found) != len(set(found)):
        raise SchemaError(path, missing, extra or [h for h in found if found.count(h) > 1],
                          _header_hint(found, columns, delimiter), line)
    return found


def _header_hint(found: list[str], columns: list[str], delimiter: str | None) -> str:
    if delimiter and len(found) == 1:
        for other in _DELIMITERS:
            if other != delimiter and len(set(found[0].split(other)) & set(columns)) * 2 >= \
                    len(columns):
                return (f"the header splits on {other!r}: the file seems delimited by "
                        f"{other!r}, the contract says {delimiter!r}")
    return ""


# -- text decoding ----------------------------------------------------------------------------


def _sniff_encoding(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(4)
    if not head:
        raise EmptyFile(path, "the file is empty (0 bytes): no header")
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return "utf-16"
    if len(head) >= 4 and head[1] == 0 and head[3] == 0 and head[0] and head[2]:
        return "utf-16-le"  # an ASCII header without BOM: every second byte is NUL
    if len(head) >= 4 and head[0] == 0 and head[2] == 0 and head[1] and head[3]:
        return "utf-16-be"
    return "utf-8"


def undecodable(path: Path, line: int | None, exc: UnicodeDecodeError,
                encoding: str) -> EncodingError:
    """The EncodingError for bytes that did not decode (with a hint for UTF-8 files)."""
    byte = exc.object[exc.start:exc.start + 1].hex() if exc.object else "?"
    hint = (" (Latin-1/Windows-1252? re-export the file as UTF-8)"
            if encoding.startswith("utf-8") else "")
    return EncodingError(path, f"not valid {encoding.upper()}: {exc.reason} (byte 0x{byte})"
                               f"{hint}", line)


def _bom_length(encoding: str) -> int:
    return {"utf-8-sig": len(codecs.BOM_UTF8), "utf-16": len(codecs.BOM_UTF16)}.get(encoding, 0)


def _plain_codec(path: Path, encoding: str) -> str:
    """The codec without byte-order-mark handling: to decode from an offset past the mark, and
    to measure decoded lines in bytes (``"x".encode("utf-16")`` would add a mark)."""
    if encoding == "utf-8-sig":
        return "utf-8"
    if encoding == "utf-16":
        with open(path, "rb") as fh:
            return "utf-16-le" if fh.read(2) == codecs.BOM_UTF16_LE else "utf-16-be"
    return encoding


class _Lines:
    """Decoded lines of a text file from byte ``start`` (a line start), line ends kept as the
    csv module wants them. ``number`` is the line last handed out (``first_line`` is the
    number of the line at ``start``), ``position`` the byte offset after it."""

    def __init__(self, path: Path, encoding: str, start: int = 0, first_line: int = 1):
        self.path, self.encoding, self.start, self.first_line = path, encoding, start, first_line
        self.plain = _plain_codec(path, encoding)
        self.number = first_line - 1
        self.position = start + (_bom_length(encoding) if start == 0 else 0)

    def __iter__(self) -> Iterator[str]:
        codec = self.encoding if self.start == 0 else self.plain
        with open(self.path, "rb") as raw:
            raw.seek(self.start)
            text = io.TextIOWrapper(raw, encoding=codec, newline="")
            try:
                for line in text:
                    self.number += 1
                    # Decoding is exact, so encoding again gives the bytes the line took.
                    self.position += len(line.encode(self.plain))
                    first = self.start == 0 and self.number == 1
                    yield line.removeprefix("\ufeff") if first else line
            except UnicodeDecodeError as exc:
                line = _failing_line(self.path, codec, self.start, self.first_line)
                raise undecodable(self.path, line, exc, self.encoding) from None


def _failing_line(path: Path, codec: str, start: int = 0, first_line: int = 1) -> int:
    """The line where decoding fails, read again two bytes at a time (the error path only:
    the normal reader decodes in blocks, so its own count can be ahead or behind)."""
    number = first_line
    with open(path, "rb") as raw:
        raw.seek(start)
        text = io.TextIOWrapper(raw, encoding=codec, newline="")
        text._CHUNK_SIZE = 2  # noqa: SLF001 - a documented CPython attribute
        try:
            for _ in text:
                number += 1
        except UnicodeDecodeError:
            return number
    return number


# -- CSV --------------------------------------------------------------------------------------


def _raise_field_limit() -> None:
    if csv.field_size_limit() < HARD_FIELD_CHARS:
        csv.field_size_limit(HARD_FIELD_CHARS)


class _Records:
    """CSV records read by the csv module from byte ``start`` (a line start, line
    ``first_line``): (number of the record's first line, fields). A record that starts at or
    after byte ``end`` is not read; one that starts before it is read whole."""

    def __init__(self, path: Path, encoding: str, delimiter: str, start: int = 0,
                 end: int | None = None, first_line: int = 1):
        self.path, self.end = path, end
        self.lines = _Lines(path, encoding, start, first_line)
        self._text = iter(self.lines)
        self._reader = csv.reader(self._text, delimiter=delimiter)

    def close(self) -> None:
        self._text.close()

    def next(self) -> tuple[int, list[str]] | None:
        # The csv module pulls lines only as a record needs them: ``position`` is where the
        # next record starts.
        if self.end is not None and self.lines.position >= self.end:
            return None
        start = self.lines.number + 1
        try:
            fields = next(self._reader)
        except StopIteration:
            return None
        except csv.Error as exc:
            raise ReadError(self.path, f"unreadable CSV record: {exc}", start,
                            "field_size" if "field limit" in str(exc) else "csv_syntax") from None
        return start, fields


def _fit(fields: list[str], width: int, joiner: str) -> tuple[list, str | None]:
    """The record's values under the header's columns, and the reader rule it broke.

    Surplus fields are kept, joined, in the last column (trailing blank ones, a spreadsheet's
    stray delimiters, are dropped); missing ones are missing."""
    if len(fields) == width:
        return fields, None
    if len(fields) > width:
        if not "".join(fields[width:]).strip():
            return fields[:width], None
        return [*fields[:width - 1], joiner.join(fields[width - 1:])], FIELD_COUNT
    return [*fields, *([None] * (width - len(fields)))], FIELD_COUNT


def _read_header(path: Path, records: _Records, columns: list[str],
                 delimiter: str) -> tuple[int, list[str], list[str]]:
    """(line, raw fields, column names) of the header: the first record that is not blank."""
    header = None
    while (rec := records.next()) is not None:
        if any(f.strip() for f in rec[1]):
            header = rec
            break
    if header is None:
        raise EmptyFile(path, "the file holds no header (only blank lines)")
    try:
        names = check_header(path, header[1], columns, delimiter, header[0])
    except SchemaError as exc:
        if exc.hint:
            raise
        for _ in range(HEADER_SEARCH_ROWS):  # title rows above the header?
            rec = records.next()
            if rec is None:
                break
            if len({_canonical(f) for f in rec[1]} & set(columns)) * 2 >= len(columns):
                raise SchemaError(path, exc.missing, exc.extra,
                                  f"the header seems to be on line {rec[0]}: a CSV delivery "
                                  "starts with its header, remove the rows above it",
                                  header[0]) from None
        raise
    return header[0], header[1], names


def _bare_cr(data: bytes | bytearray, end: int | None = None) -> bool:
    """A CR not followed by LF in ``data[:end]``: a line end to the csv module, none to a
    count of b"\\n"."""
    end = len(data) if end is None else end
    return (data.find(b"\r", 0, end) >= 0
            and data.count(b"\r", 0, end) != data.count(b"\r\n", 0, end))


def _plain_header(path: Path, encoding: str, records: _Records, line: int,
                  fields: list[str], names: list[str]) -> bool:
    """Whether the data may take the fast path: UTF-8, and the header alone on line 1 as
    plain bytes (ending in b"\\n"; no quote, bare CR or trailing empty cell)."""
    if not encoding.startswith("utf-8") or line != 1 or records.lines.number != 1 \
            or len(fields) != len(names):
        return False
    with open(path, "rb") as fh:
        first = fh.read(records.lines.position)
    return (first.endswith(b"\n") and first.count(b"\n") == 1 and b'"' not in first
            and not _bare_cr(first))


def read_csv_chunks(path: Path, columns: list[str], delimiter: str, upper: list[str] = (),
                    chunk_rows: int = DEFAULT_CHUNK_ROWS, require_rows: bool = True,
                    byte_range: tuple[int, int | None, int] | None = None,
                    exact: bool = False,
                    keep: Sequence[str] | None = None) -> Iterator[pd.DataFrame]:
    """The file's records as tidy frames of about ``chunk_rows`` rows (see the module
    docstring). ``byte_range`` (start, end, first line), e.g. from :func:`plan_parts`, reads
    only the records starting in bytes [start, end), the header still checked; ``exact``
    forces the csv-module path. ``keep``: only these columns in the frames, the others
    parsed but not converted (a row blank in them is dropped like a blank record)."""
    path = Path(path)
    encoding = _sniff_encoding(path)
    _raise_field_limit()
    records = _Records(path, encoding, delimiter)
    line, fields, names = _read_header(path, records, columns, delimiter)
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
    yield from _counted(path, frames, require_rows and byte_range is None)


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

    def records(self, start: int, end: int | None, first_line: int) -> _Records:
        return _Records(self.path, self.encoding, self.delimiter, start, end, first_line)

    def exact_frames(self, records: _Records) -> Iterator[tuple[pd.DataFrame, int]]:
        return _frames(self._rows(records), self.names, self.columns, self.upper,
                       self.chunk_rows)

    def _rows(self, records: _Records) -> Iterator[tuple[int, list, str | None]]:
        width = len(self.names)
        while (rec := records.next()) is not None:
            number, fields = rec
            if len(fields) == width and "".join(fields).strip():
                yield number, fields, None  # the usual record: no per-field work here
                continue
            if not "".join(fields).strip():
                continue  # a blank line, or one of only delimiters
            values, issue = _fit(fields, width, self.delimiter)
            yield number, values, issue

    def fast_frames(self, start: int, end: int | None,
                    line: int) -> Iterator[tuple[pd.DataFrame, int]]:
        """Blocks of about ``chunk_rows`` lines parsed by pyarrow.csv. Without a quote or a
        bare CR every b"\\n" ends a record, so a row's line is the block's first line plus
        its index; a block pyarrow does not read cleanly is read again by the csv module."""
        size = _block_bytes(self.path, start, self.chunk_rows)
        spans_from = None
        with contextlib.closing(_parsed_blocks(self.path, start, end, size, self.names,
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

    def _arrow_frames(self, block: _Block, line: int) -> Iterator[tuple[pd.DataFrame, int]]:
        # The block size is a guess from the first MB: a block may hold more lines.
        for at in range(0, block.lines, self.chunk_rows):
            rows = block.table.slice(at, self.chunk_rows)
            frame = _tidy(rows, np.arange(line + at, line + at + rows.num_rows), None,
                          self.columns, self.upper, controls=block.controls,
                          plain_ascii=block.plain_ascii)
            # A record the csv module skips as blank (only whitespace and delimiters) is a
            # row _tidy drops: Arrow trims exactly what str.strip does.
            yield frame, len(frame)


@dataclass(frozen=True)
class _Block:
    """A block of whole lines, as the fast path found it."""

    offset: int
    size: int
    lines: int = 0
    table: pa.Table | None = None  # None: for the csv module to read
    controls: bool = True  # some value may hold a control character
    plain_ascii: bool = False  # ASCII kernels give what the UTF-8 ones give
    spans: bool = False  # a quote or a bare CR: the csv module reads from here on


def _parsed_blocks(path: Path, start: int, end: int | None, size: int, names: list[str],
                   delimiter: str,
                   columns: list[str] | None = None) -> Generator[_Block, None, None]:
    """The blocks of [start, end), each parsed by pyarrow.csv when it is plain (``columns``
    of them converted, default all); the first one holding a quote or a bare CR ends them."""
    for offset, data in _blocks(path, start, end, size):
        if b'"' in data or _bare_cr(data):
            yield _Block(offset, len(data), spans=True)
            return
        lines, controls, plain_ascii = _scan(data)
        table = _arrow_block(data, names, delimiter, check_utf8=not plain_ascii,
                             columns=columns)
        if table is not None and table.num_rows != lines:
            table = None  # not one row a line, as the row numbers assume
        yield _Block(offset, len(data), lines, table, controls, plain_ascii)


def _block_bytes(path: Path, start: int, rows: int) -> int:
    """Bytes holding about ``rows`` lines, judged from the first MB read from ``start``."""
    with open(path, "rb") as fh:
        fh.seek(start)
        sample = fh.read(SAMPLE_BYTES)
    per_line = len(sample) / max(sample.count(b"\n"), 1)
    # 10% short of the estimate: a block of a few lines more than ``rows`` would be cut
    # into a chunk and a small leftover chunk, each validated at the full fixed cost
    return max(1, min(MAX_BLOCK_BYTES, round(0.9 * rows * per_line)))


def _blocks(path: Path, start: int, end: int | None, size: int) -> Iterator[tuple[int, bytes]]:
    """(offset, bytes) of blocks of about ``size`` bytes covering [start, end), each ending
    at a b"\\n" (or the file's end); the line ``end`` falls in is read whole (its record
    starts before end). Each block is read once, at its exact length: no copy."""
    with open(path, "rb") as fh:
        file_size = fh.seek(0, io.SEEK_END)
        stop = file_size if end is None else min(end, file_size)
        offset = start
        while offset < stop:
            length = min(size, stop - offset)
            fh.seek(offset + length - 1)
            length += len(fh.readline()) - 1  # on to the end of that byte's line
            fh.seek(offset)
            yield offset, fh.read(length)
            offset += length


def _scan(block: bytes) -> tuple[int, bool, bool]:
    """(lines, may hold a control character, plain ASCII) of a block, from byte counts: each
    character _CONTROL matches is one byte below 0x80, which UTF-8 never uses inside another
    character. Plain ASCII (no control character either) lets ASCII kernels stand in for the
    UTF-8 ones: they differ only on non-ASCII text and on 0x1c-0x1f, which str.strip trims."""
    codes = np.frombuffer(block, np.uint8)

    def count(byte: int) -> int:
        return int(np.count_nonzero(codes == byte)) if byte in block else 0

    ends = count(ord("\n"))
    allowed = ends + count(ord("\r")) + count(ord("\t"))  # the control bytes that are text
    controls = int(np.count_nonzero(codes < 0x20)) != allowed or 0x7f in block
    return ends + (not block.endswith(b"\n")), controls, block.isascii() and not controls


def _arrow_block(block: bytes, names: list[str], delimiter: str, check_utf8: bool = True,
                 columns: list[str] | None = None) -> pa.Table | None:
    """The block's lines as text columns (``columns``, default all), parsed by pyarrow.csv;
    None when the result cannot be trusted to be the csv module's: a line with another number
    of fields, bytes that are not UTF-8 or a field over HARD_FIELD_CHARS in those columns, a
    line beyond pyarrow's block size, a U+FEFF starting the block."""
    if block.startswith(codecs.BOM_UTF8):
        return None  # pyarrow would drop it, the csv module keeps it as text
    read = pcsv.ReadOptions(column_names=names, block_size=ARROW_BLOCK_BYTES)
    # No invalid_row_handler: pyarrow raises at the first line with another field count,
    # which is all there is to know (and a handler cannot be called for a non-UTF-8 line).
    # An empty line is a row of empty values, so rows stay lines.
    parse = pcsv.ParseOptions(delimiter=delimiter, quote_char=False, ignore_empty_lines=False)
    # large_string: what pandas keeps (it would cast string columns over).
    convert = pcsv.ConvertOptions(column_types=dict.fromkeys(names, pa.large_string()),
                                  check_utf8=check_utf8, include_columns=columns or names)
    try:
        table = pcsv.read_csv(pa.py_buffer(block), read, parse, convert)
    except pa.ArrowException:
        return None
    if len(block) > HARD_FIELD_CHARS and any(
            (pc.max(pc.binary_length(c)).as_py() or 0) > HARD_FIELD_CHARS for c in table.columns):
        return None  # bytes >= characters: the csv module decides, and refuses the file
    return table


# -- byte ranges ------------------------------------------------------------------------------


def plan_parts(path: Path, part_rows: int, *,
               block_bytes: int = PART_READ_BYTES) -> list[tuple[int, int, int]]:
    """Byte ranges (start, end, first line) of ``part_rows`` lines each (the last one the
    rest), cut after a b"\\n", that hold the CSV file's data (after the header line) in
    order: read each with ``read_csv_chunks(..., byte_range=part)`` and concatenate to get
    the whole-file result. At least one range, so the header is always checked (from byte 0
    when the file does not decode: the reader starts after the header and names the line).

    One streaming pass in blocks of ``block_bytes``. The file is a single range whenever a
    cut could fall inside a record: a quote anywhere (a field may hold a line break), a bare
    CR (a line end that b"\\n" counts miss), not UTF-8, or line 1 blank (the header is
    further down)."""
    if part_rows < 1:
        raise ValueError(f"part_rows must be at least 1, not {part_rows}")
    path = Path(path)
    encoding = _sniff_encoding(path)
    size = path.stat().st_size
    lines = _Lines(path, encoding)
    try:
        with contextlib.closing(iter(lines)) as text:
            line_one = next(text, "")
    except EncodingError:  # in the first block read: the reader will name the line
        return [(0, size, 1)]
    data_start = lines.position
    cuts = None
    if encoding.startswith("utf-8") and not _blank_line(line_one) and '"' not in line_one \
            and not line_one.endswith("\r"):
        cuts = _line_cuts(path, data_start, part_rows, block_bytes)
    bounds = [data_start, *(cuts or [])]
    if bounds[-1] < size or len(bounds) == 1:
        bounds.append(size)
    return [(start, end, 2 + i * part_rows)
            for i, (start, end) in enumerate(zip(bounds, bounds[1:], strict=False))]


def _line_cuts(path: Path, start: int, part_rows: int, block_bytes: int) -> list[int] | None:
    """Offsets after every ``part_rows``-th b"\\n" from ``start``; None when the data holds a
    quote or a bare CR."""
    cuts, seen, dangling_cr = [], 0, False
    buffer = bytearray(block_bytes)  # read into again and again: no new block of bytes a read
    with open(path, "rb", buffering=0) as fh:
        fh.seek(start)
        offset = start
        while size := fh.readinto(buffer):
            block = buffer if size == len(buffer) else buffer[:size]
            if dangling_cr and not block.startswith(b"\n"):
                return None
            # A CR ending the block is judged by the next block's first byte.
            if b'"' in block or _bare_cr(block, size - block.endswith(b"\r")):
                return None
            dangling_cr = block.endswith(b"\r")
            found, ends = _every_nth_line_end(block, (part_rows - 1 - seen) % part_rows,
                                              part_rows)
            cuts += [offset + i for i in found]
            seen += ends
            offset += size
    return None if dangling_cr else cuts


def _every_nth_line_end(block: bytearray, first: int, every: int,
                        slice_bytes: int | None = None) -> tuple[list[int], int]:
    """(the offsets just after the ``first``-th, ``first + every``-th, ... b"\\n" of
    ``block``, counted from 0; how many b"\\n" it holds). Counted slice by slice with
    bytes.count, several times faster than comparing each byte in numpy, which locates line
    ends only in the slices holding a wanted one: few, for parts of many lines."""
    slice_bytes = slice_bytes or CUT_SLICE_BYTES
    found: list[int] = []
    seen = 0
    for start in range(0, len(block), slice_bytes):
        stop = min(start + slice_bytes, len(block))
        ends = block.count(b"\n", start, stop)
        if first < seen + ends:
            at = np.flatnonzero(np.frombuffer(block, np.uint8, stop - start, start) == 10)
            picked = at[first - seen::every]
            found += (picked + start + 1).tolist()
            first += len(picked) * every
        seen += ends
    return found, seen


def _blank_line(text: str) -> bool:
    """Only whitespace and delimiters: a record the reader skips, so no header."""
    return not re.sub(f"[{re.escape(''.join(_DELIMITERS))}]", "", text).strip()


# -- frames -----------------------------------------------------------------------------------


def _counted(path, frames: Iterable[tuple[pd.DataFrame, int]],
             require_rows: bool) -> Iterator[pd.DataFrame]:
    """The frames, then NoDataRows if ``require_rows`` and they held no record."""
    total = 0
    for frame, records in frames:
        total += records
        yield frame
    if require_rows and total == 0:
        raise NoDataRows(path, "the file has a header but no data rows (it would replace the "
                               "partition with nothing)")


def _chunked(path, rows: Iterable[tuple[int, list, str | None]], names, columns, upper,
             chunk_rows: int, require_rows: bool) -> Iterator[pd.DataFrame]:
    yield from _counted(path, _frames(rows, names, columns, upper, chunk_rows), require_rows)


def _frames(rows: Iterable[tuple[int, list, str | None]], names, columns, upper,
            chunk_rows: int) -> Iterator[tuple[pd.DataFrame, int]]:
    """Group (row number, values, issue) records into tidy frames of ``chunk_rows`` records,
    each with its count of records."""
    frames, batch, numbers, issues, held = [], [], [], [], 0
    step = min(chunk_rows, FRAME_ROWS)

    def flush_batch() -> None:
        nonlocal batch, numbers, issues
        if batch:
            frames.append(_frame(batch, numbers, issues, names, columns, upper))
            batch, numbers, issues = [], [], []

    for number, values, issue in rows:
        batch.append(values)
        numbers.append(number)
        issues.append(issue)
        held += 1
        if len(batch) >= step:
            flush_batch()
        if held >= chunk_rows:
            flush_batch()
            yield _concat(frames), held
            frames, held = [], 0
    flush_batch()
    if frames:
        yield _concat(frames), held


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return frames[0] if len(frames) == 1 else pd.concat(frames)


def _frame(batch, numbers, issues, names, columns, upper) -> pd.DataFrame:
    """Records (lists of raw values in header order) -> a tidy frame (see :func:`_tidy`)."""
    by_name = dict(zip(names, zip(*batch, strict=True), strict=True))
    raw = {col: pa.array(by_name[col], type=pa.string()) for col in columns}
    return _tidy(raw, numbers, issues, columns, upper)


def _tidy(raw, numbers, issues: list | None, columns, upper, *, controls: bool = True,
          plain_ascii: bool = False) -> pd.DataFrame:
    """Raw text columns (Arrow, by name) -> a frame of trimmed text columns (blank =
    missing), ``row_number`` as index and column, the reader's rule per row in
    ``READ_ISSUE`` (``issues`` None: none yet); rows left blank are dropped. Column-wise in
    Arrow: the per-value work stays out of Python. Every reader ends here, so the CSV paths
    cannot drift apart. Hints from a byte scan (see :func:`_scan`): ``controls`` False, no
    value holds a control character; ``plain_ascii``, the text is ASCII without one."""
    trim, to_upper = ((pc.ascii_trim_whitespace, pc.ascii_upper) if plain_ascii
                      else (pc.utf8_trim_whitespace, pc.utf8_upper))
    issues = [None] * len(numbers) if issues is None else list(issues)
    data = {}
    for col in columns:
        values = trim(raw[col])
        values = pc.if_else(pc.equal(values, ""), pa.scalar(None, values.type), values)
        for rule, mask in _marks(values, controls):
            mask = pc.fill_null(mask, False)
            if pc.any(mask).as_py():
                for n in pc.indices_nonzero(mask).to_pylist():
                    rules = issues[n].split(";") if issues[n] else []
                    if rule not in rules:
                        issues[n] = ";".join([*rules, rule])
        if col in upper:
            values = to_upper(values)
        data[col] = values
    table = pa.table(data)
    blank = functools.reduce(pc.and_, [pc.is_null(table[c]) for c in columns])
    df = table.to_pandas(types_mapper=_STRING_TYPES.get)
    df.index = pd.Index(numbers)
    df.insert(0, ROW_NUMBER, df.index)
    df[READ_ISSUE] = pd.Series(issues, index=df.index, dtype="object")
    if not pc.any(blank).as_py():
        return df
    return df.loc[pc.invert(blank).to_numpy(zero_copy_only=False)]


def _marks(values, controls: bool) -> Iterator[tuple[str, pa.Array]]:
    """(rule, mask) per reader rule a column's values may break, in the order issues are
    listed; the character count only where some value has that many bytes."""
    if (pc.max(pc.binary_length(values)).as_py() or 0) > MAX_FIELD_CHARS:
        yield FIELD_TOO_LONG, pc.greater(pc.utf8_length(values), MAX_FIELD_CHARS)
    if controls:
        yield CONTROL_CHARACTER, pc.match_substring_regex(values, _CONTROL.pattern)


_STRING_TYPES = dict.fromkeys([pa.string(), pa.large_string()], pd.StringDtype("pyarrow"))


# -- XLSX -------------------------------------------------------------------------------------


def _find_header(path, rows, columns: list[str]) -> tuple[int, list]:
    """XLSX exports put title rows above the header: the header is the first row naming
    at least half of the contract's columns (searched in the first rows only)."""
    seen = 0
    for number, row in rows:
        names = {_canonical(v) for v in row if v is not None}
        if len(names & set(columns)) * 2 >= len(columns):
            return number, list(row)
        seen += 1
        if seen >= HEADER_SEARCH_ROWS:
            break
    if seen == 0:
        raise EmptyFile(path, "the first worksheet is empty: no header")
    raise SchemaError(path, columns, [], f"no header row in the first {seen} rows of the "
                                         "first worksheet", line=None)


def read_xlsx_chunks(path: Path, columns: list[str], upper: list[str] = (),
                     chunk_rows: int = DEFAULT_CHUNK_ROWS,
                     require_rows: bool = True) -> Iterator[pd.DataFrame]:
    from openpyxl import load_workbook

    path = Path(path)
    if path.stat().st_size == 0:
        raise EmptyFile(path, "the file is empty (0 bytes): no header")
    try:
        # Formulas are read as their text, never evaluated (openpyxl does not evaluate; a
        # cached result would hide what the cell holds).
        wb = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - zipfile, XML and openpyxl errors alike
        raise ReadError(path, f"not a readable .xlsx workbook ({type(exc).__name__}: {exc})",
                        rule="xlsx_format") from None
    try:
        rows = enumerate(wb.worksheets[0].iter_rows(values_only=True), start=1)
        number, header = _find_header(path, rows, columns)
        names = check_header(path, header, columns, line=number)
        width = len(names)

        def records() -> Iterator[tuple[int, list, str | None]]:
            for n, row in rows:
                cells = [_cell(v) for v in row]
                if not any(c is not None and c.strip() for c in cells):
                    continue
                cells += [None] * (width - len(cells))  # trailing empty cells may be left out
                values, issue = _fit([c or "" for c in cells], width, ";")
                yield n, [v if v != "" else None for v in values], issue

        yield from _chunked(path, records(), names, columns, upper, chunk_rows, require_rows)
    finally:
        wb.close()


def _cell(v) -> str | None:
    if v is None:
        return None
    if hasattr(v, "strftime"):
        return v.strftime("%d/%m/%Y")
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def read_chunks(path: Path, columns: list[str], delimiter: str, upper: list[str] = (),
                chunk_rows: int = DEFAULT_CHUNK_ROWS,
                require_rows: bool = True) -> Iterator[pd.DataFrame]:
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        return read_xlsx_chunks(path, columns, upper, chunk_rows, require_rows)
    return read_csv_chunks(path, columns, delimiter, upper, chunk_rows, require_rows)


# -- JSON lines -------------------------------------------------------------------------------


def read_jsonl_chunks(path: Path, columns: list[str], upper: list[str] = (),
                      chunk_rows: int = DEFAULT_CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    """JSON-lines records (one object a line) as text columns. A key outside the contract is
    drift and refuses the file, and so does a contract key that no record carries (dropped or
    renamed at the source: the API sends ``null``, it does not leave a field out); a key
    missing from some records only is a missing value. An empty file is an empty extract
    (nothing changed), not an error.

    ``_extra`` holds the cells a CSV snapshot row had beyond its header (``csv.DictReader``'s
    restkey): the record is quarantined as ``field_count`` with them kept in the last column.
    """
    path = Path(path)
    known = set(columns)

    def rows() -> Iterator[tuple[int, list, str | None]]:
        absent, seen = set(columns), 0
        for number, line in enumerate(_Lines(path, "utf-8"), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as exc:
                raise ReadError(path, f"not a JSON object: {exc}", number, "json_syntax") \
                    from None
            if not isinstance(record, dict):
                raise ReadError(path, f"not a JSON object but {type(record).__name__}", number,
                                "json_syntax")
            overflow = record.pop("_extra", None)
            extra = sorted(set(record) - known)
            absent -= set(record)
            if extra:
                raise SchemaError(path, sorted(absent), extra, line=number)
            values = [_json_text(record.get(c)) for c in columns]
            issue = None
            if overflow:
                tail = [values[-1] or "", *(_json_text(v) or "" for v in overflow)]
                values[-1], issue = ",".join(tail), FIELD_COUNT
            yield number, values, issue
            seen += 1
        if seen and absent:  # a field no record carries: dropped or renamed at the source
            raise SchemaError(path, sorted(absent), [], "absent from every record", line=None)

    yield from _chunked(path, rows(), list(columns), columns, upper, chunk_rows, False)


def _json_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
