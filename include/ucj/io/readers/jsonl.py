"""JSON-lines extracts (one object a line, e.g. the registry API's): keys checked against the
contract, values as text."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from ucj.io.readers.errors import ReadError, SchemaError
from ucj.io.readers.frames import DEFAULT_CHUNK_ROWS, FIELD_COUNT, chunked
from ucj.io.readers.text import Lines


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
        for number, line in enumerate(Lines(path, "utf-8"), start=1):
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

    yield from chunked(path, rows(), list(columns), columns, upper, chunk_rows, False)


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
