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

Memory stays bounded by the chunk size: files are streamed, never loaded whole.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

ROW_NUMBER = "row_number"
READ_ISSUE = "_read_issue"  # the rule a record broke while being read, else missing
DEFAULT_CHUNK_ROWS = 250_000
FRAME_ROWS = 50_000  # records turned into a frame at a time (bounds the Python objects held)
MAX_FIELD_CHARS = 4_096  # longer values are quarantined (field_too_long)
HARD_FIELD_CHARS = 16 * 1024 * 1024  # longer fields refuse the file (memory stays bounded)
HEADER_SEARCH_ROWS = 30  # XLSX title rows tolerated above the header

FIELD_COUNT = "field_count"
FIELD_TOO_LONG = "field_too_long"
CONTROL_CHARACTER = "control_character"
READER_RULES = (FIELD_COUNT, FIELD_TOO_LONG, CONTROL_CHARACTER)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DELIMITERS = (";", ",", "\t", "|")


class ReadError(ValueError):
    """The file cannot be read as its contract says: the whole batch is refused.

    The message names the file, the line (when there is one) and the rule broken."""

    rule = "readable"

    def __init__(self, path: Path | str, problem: str, line: int | None = None,
                 rule: str | None = None):
        self.path, self.line, self.problem = str(path), line, problem
        self.rule = rule or self.rule
        where = f"{path}, line {line}" if line else f"{path}"
        super().__init__(f"{where}: {problem} [rule {self.rule}]")


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


def _undecodable(path: Path, line: int, exc: UnicodeDecodeError, encoding: str) -> EncodingError:
    byte = exc.object[exc.start:exc.start + 1].hex() if exc.object else "?"
    hint = (" (Latin-1/Windows-1252? re-export the file as UTF-8)"
            if encoding.startswith("utf-8") else "")
    return EncodingError(path, f"not valid {encoding.upper()}: {exc.reason} (byte 0x{byte})"
                               f"{hint}", line)


class _Lines:
    """Decoded lines of a text file (line ends kept, as the csv module wants them), with the
    number of the line last handed out."""

    def __init__(self, path: Path, encoding: str):
        self.path, self.encoding = path, encoding
        self.number = 0

    def __iter__(self) -> Iterator[str]:
        with open(self.path, "rb") as raw:
            text = io.TextIOWrapper(raw, encoding=self.encoding, newline="")
            try:
                for line in text:
                    self.number += 1
                    yield line.removeprefix("\ufeff") if self.number == 1 else line
            except UnicodeDecodeError as exc:
                line = _failing_line(self.path, self.encoding)
                raise _undecodable(self.path, line, exc, self.encoding) from None


def _failing_line(path: Path, encoding: str) -> int:
    """The line where decoding fails, read again two bytes at a time (the error path only:
    the normal reader decodes in blocks, so its own count can be ahead or behind)."""
    number = 1
    with open(path, "rb") as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, newline="")
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


def read_csv_chunks(path: Path, columns: list[str], delimiter: str, upper: list[str] = (),
                    chunk_rows: int = DEFAULT_CHUNK_ROWS,
                    require_rows: bool = True) -> Iterator[pd.DataFrame]:
    path = Path(path)
    lines = _Lines(path, _sniff_encoding(path))
    _raise_field_limit()
    records = csv.reader(iter(lines), delimiter=delimiter)

    def next_record() -> tuple[int, list[str]] | None:
        start = lines.number + 1
        try:
            fields = next(records)
        except StopIteration:
            return None
        except csv.Error as exc:
            raise ReadError(path, f"unreadable CSV record: {exc}", start,
                            "field_size" if "field limit" in str(exc) else "csv_syntax") from None
        return start, fields

    header = None
    while (rec := next_record()) is not None:
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
            rec = next_record()
            if rec is None:
                break
            if len({_canonical(f) for f in rec[1]} & set(columns)) * 2 >= len(columns):
                raise SchemaError(path, exc.missing, exc.extra,
                                  f"the header seems to be on line {rec[0]}: a CSV delivery "
                                  "starts with its header, remove the rows above it",
                                  header[0]) from None
        raise
    width = len(names)

    def rows() -> Iterator[tuple[int, list, str | None]]:
        while (rec := next_record()) is not None:
            number, fields = rec
            if len(fields) == width and "".join(fields).strip():
                yield number, fields, None  # the usual record: no per-field work here
                continue
            if not "".join(fields).strip():
                continue  # a blank line, or one of only delimiters
            values, issue = _fit(fields, width, delimiter)
            yield number, values, issue

    yield from _chunked(path, rows(), names, columns, upper, chunk_rows, require_rows)


def _chunked(path, rows: Iterable[tuple[int, list, str | None]], names, columns, upper,
             chunk_rows: int, require_rows: bool) -> Iterator[pd.DataFrame]:
    """Group (row number, values, issue) records into tidy frames of ``chunk_rows``."""
    frames, batch, numbers, issues, held, total = [], [], [], [], 0, 0
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
        total += 1
        if len(batch) >= step:
            flush_batch()
        if held >= chunk_rows:
            flush_batch()
            yield _concat(frames)
            frames, held = [], 0
    flush_batch()
    if frames:
        yield _concat(frames)
    if require_rows and total == 0:
        raise NoDataRows(path, "the file has a header but no data rows (it would replace the "
                               "partition with nothing)")


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return frames[0] if len(frames) == 1 else pd.concat(frames)


def _frame(batch, numbers, issues, names, columns, upper) -> pd.DataFrame:
    """Records (lists of raw values) -> a frame of trimmed text columns (blank = missing),
    ``row_number`` as index and column, the reader's rule per row in ``READ_ISSUE``.
    Column-wise in Arrow: the per-value work stays out of Python."""
    by_name = dict(zip(names, zip(*batch, strict=True), strict=True))
    issues = list(issues)
    data = {}
    for col in columns:
        values = pa.array(by_name[col], type=pa.string())
        values = pc.utf8_trim_whitespace(values)
        values = pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)
        for mask, rule in ((pc.greater(pc.utf8_length(values), MAX_FIELD_CHARS), FIELD_TOO_LONG),
                           (pc.match_substring_regex(values, _CONTROL.pattern), CONTROL_CHARACTER)):
            mask = pc.fill_null(mask, False)
            if pc.any(mask).as_py():
                for n in pc.indices_nonzero(mask).to_pylist():
                    rules = issues[n].split(";") if issues[n] else []
                    if rule not in rules:
                        issues[n] = ";".join([*rules, rule])
        if col in upper:
            values = pc.utf8_upper(values)
        data[col] = values
    table = pa.table(data)
    blank = functools.reduce(pc.and_, [pc.is_null(table[c]) for c in columns])
    keep = pc.invert(blank)
    df = table.to_pandas(types_mapper=_STRING_TYPES.get)
    df.index = pd.Index(numbers)
    df.insert(0, ROW_NUMBER, df.index)
    df[READ_ISSUE] = pd.Series(issues, index=df.index, dtype="object")
    return df.loc[keep.to_numpy(zero_copy_only=False)]


_STRING_TYPES = {pa.string(): pd.StringDtype("pyarrow")}


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
