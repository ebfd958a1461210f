"""Records -> tidy frames, the column work every reader ends in (so the readers cannot drift
apart): values trimmed, blanks missing, some columns upper-cased, ``row_number`` kept, and the
reader's rules marked per record in :data:`READ_ISSUE` (``field_count``, ``field_too_long``,
``control_character``) for the batch to quarantine."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ucj.io.readers.errors import NoDataRows

ROW_NUMBER = "row_number"
READ_ISSUE = "_read_issue"  # the rule a record broke while being read, else missing
DEFAULT_CHUNK_ROWS = 250_000
FRAME_ROWS = 50_000  # records turned into a frame at a time (bounds the Python objects held)
MAX_FIELD_CHARS = 4_096  # longer values are quarantined (field_too_long)

FIELD_COUNT = "field_count"
FIELD_TOO_LONG = "field_too_long"
CONTROL_CHARACTER = "control_character"
READER_RULES = (FIELD_COUNT, FIELD_TOO_LONG, CONTROL_CHARACTER)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def fit_fields(fields: list[str], width: int, joiner: str) -> tuple[list, str | None]:
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


def counted(path, frames: Iterable[tuple[pd.DataFrame, int]],
            require_rows: bool) -> Iterator[pd.DataFrame]:
    """The frames, then NoDataRows if ``require_rows`` and they held no record."""
    total = 0
    for frame, records in frames:
        total += records
        yield frame
    if require_rows and total == 0:
        raise NoDataRows(path, "the file has a header but no data rows (it would replace the "
                               "partition with nothing)")


def chunked(path, rows: Iterable[tuple[int, list, str | None]], names, columns, upper,
            chunk_rows: int, require_rows: bool) -> Iterator[pd.DataFrame]:
    yield from counted(path, record_frames(rows, names, columns, upper, chunk_rows), require_rows)


def record_frames(rows: Iterable[tuple[int, list, str | None]], names, columns, upper,
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
    """Records (lists of raw values in header order) -> a tidy frame (see :func:`tidy`)."""
    by_name = dict(zip(names, zip(*batch, strict=True), strict=True))
    raw = {col: pa.array(by_name[col], type=pa.string()) for col in columns}
    return tidy(raw, numbers, issues, columns, upper)


def tidy(raw, numbers, issues: list | None, columns, upper, *, controls: bool = True,
         plain_ascii: bool = False) -> pd.DataFrame:
    """Raw text columns (Arrow, by name) -> a frame of trimmed text columns (blank =
    missing), ``row_number`` as index and column, the reader's rule per row in
    ``READ_ISSUE`` (``issues`` None: none yet); rows left blank are dropped. Column-wise in
    Arrow: the per-value work stays out of Python. Every reader ends here, so the CSV paths
    cannot drift apart. Hints from a byte scan (see :func:`ucj.io.readers.fast._scan`):
    ``controls`` False, no value holds a control character; ``plain_ascii``, the text is ASCII
    without one."""
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
