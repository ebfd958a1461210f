"""The exact CSV path: the csv module, record by record, from any line start. It reads any
file (quotes, line breaks in fields, UTF-16, bare CR line ends) and is the judge the fast
path falls back on; it also finds and checks the header."""

from __future__ import annotations

import csv
from pathlib import Path

from ucj.io.readers.errors import EmptyFile, ReadError, SchemaError
from ucj.io.readers.header import HEADER_SEARCH_ROWS, canonical, check_header
from ucj.io.readers.text import Lines

HARD_FIELD_CHARS = 16 * 1024 * 1024  # longer fields refuse the file (memory stays bounded)


def raise_field_limit() -> None:
    if csv.field_size_limit() < HARD_FIELD_CHARS:
        csv.field_size_limit(HARD_FIELD_CHARS)


class Records:
    """CSV records read by the csv module from byte ``start`` (a line start, line
    ``first_line``): (number of the record's first line, fields). A record that starts at or
    after byte ``end`` is not read; one that starts before it is read whole."""

    def __init__(self, path: Path, encoding: str, delimiter: str, start: int = 0,
                 end: int | None = None, first_line: int = 1):
        self.path, self.end = path, end
        self.lines = Lines(path, encoding, start, first_line)
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


def read_header(path: Path, records: Records, columns: list[str],
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
            if len({canonical(f) for f in rec[1]} & set(columns)) * 2 >= len(columns):
                raise SchemaError(path, exc.missing, exc.extra,
                                  f"the header seems to be on line {rec[0]}: a CSV delivery "
                                  "starts with its header, remove the rows above it",
                                  header[0]) from None
        raise
    return header[0], header[1], names
