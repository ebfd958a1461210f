"""Read delivered files as text, in chunks, tolerating the quirks the contracts list.

Every value stays a string (leading zeros in kpj/npp/NIK survive); blanks become missing;
``row_number`` is the physical line (CSV, header = line 1) or sheet row (XLSX) of each record.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd

ROW_NUMBER = "row_number"
DEFAULT_CHUNK_ROWS = 250_000


class SchemaError(ValueError):
    """The file's header does not match its contract (drift): the whole batch is refused."""

    def __init__(self, path: Path | str, missing: list[str], extra: list[str]):
        self.missing, self.extra = missing, extra
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if extra:
            parts.append(f"unexpected column(s) {', '.join(extra)}")
        super().__init__(f"{path}: header does not match the contract: {'; '.join(parts)}")


def _canonical(name: object) -> str:
    return str(name).replace("\ufeff", "").strip().lower()


def check_header(path, header: list[str], columns: list[str]) -> list[str]:
    found = [_canonical(h) for h in header]
    # Trailing empty header cells are spreadsheet noise, not columns.
    while found and found[-1] in ("", "nan", "none"):
        found.pop()
    missing = [c for c in columns if c not in found]
    extra = [h for h in found if h not in columns]
    if missing or extra or len(found) != len(set(found)):
        raise SchemaError(path, missing, extra or [h for h in found if found.count(h) > 1])
    return found


def _tidy(chunk: pd.DataFrame, columns: list[str], upper: list[str]) -> pd.DataFrame:
    for col in columns:
        s = chunk[col].astype("string").str.strip()
        chunk[col] = s.mask(s == "")
    for col in upper:
        chunk[col] = chunk[col].str.upper()
    blank = chunk[columns].isna().all(axis=1)
    return chunk.loc[~blank, [ROW_NUMBER, *columns]]


def read_csv_chunks(path: Path, columns: list[str], delimiter: str, upper: list[str] = (),
                    chunk_rows: int = DEFAULT_CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        header = fh.readline().rstrip("\r\n").split(delimiter)
    names = check_header(path, header, columns)
    reader = pd.read_csv(
        path, sep=delimiter, header=None, skiprows=1, names=names, dtype=str,
        keep_default_na=False, na_values=[""], skip_blank_lines=False, encoding="utf-8-sig",
        chunksize=chunk_rows, quoting=0, engine="c",
    )
    start = 2  # line 1 is the header
    for chunk in reader:
        chunk.index = pd.RangeIndex(start, start + len(chunk))
        start += len(chunk)
        chunk[ROW_NUMBER] = chunk.index
        yield _tidy(chunk, columns, list(upper))


def _find_header(rows, columns: list[str]) -> tuple[int, list]:
    """XLSX exports put title rows above the header: the header is the first row naming
    at least half of the contract's columns."""
    for number, row in rows:
        names = {_canonical(v) for v in row if v is not None}
        if len(names & set(columns)) * 2 >= len(columns):
            return number, list(row)
    raise SchemaError("(xlsx)", columns, [])


def read_xlsx_chunks(path: Path, columns: list[str], upper: list[str] = (),
                     chunk_rows: int = DEFAULT_CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = enumerate(wb.worksheets[0].iter_rows(values_only=True), start=1)
        try:
            _, header = _find_header(rows, columns)
        except SchemaError:
            raise SchemaError(path, columns, []) from None
        names = check_header(path, header, columns)
        width = len(names)
        batch, numbers = [], []
        for number, row in rows:
            batch.append([_cell(v) for v in row[:width]])
            numbers.append(number)
            if len(batch) >= chunk_rows:
                yield _xlsx_frame(batch, numbers, names, columns, upper)
                batch, numbers = [], []
        if batch:
            yield _xlsx_frame(batch, numbers, names, columns, upper)
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


def _xlsx_frame(batch, numbers, names, columns, upper) -> pd.DataFrame:
    df = pd.DataFrame(batch, columns=names, index=pd.Index(numbers), dtype="object")
    df[ROW_NUMBER] = df.index
    return _tidy(df, columns, list(upper))


def read_chunks(path: Path, columns: list[str], delimiter: str, upper: list[str] = (),
                chunk_rows: int = DEFAULT_CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        return read_xlsx_chunks(path, columns, upper, chunk_rows)
    return read_csv_chunks(path, columns, delimiter, upper, chunk_rows)


def read_jsonl_chunks(path: Path, columns: list[str], upper: list[str] = (),
                      chunk_rows: int = DEFAULT_CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    """JSON-lines records (one object a line) as text columns; a key outside the contract
    is drift and refuses the file, a missing key is a missing value."""
    import json

    def frame(records, numbers):
        df = pd.DataFrame.from_records(records, index=pd.Index(numbers))
        extra = sorted(set(df.columns) - set(columns))
        if extra:
            raise SchemaError(path, [], extra)
        df = df.reindex(columns=columns)
        for col in columns:
            df[col] = df[col].map(_json_text, na_action="ignore").astype("object")
        df[ROW_NUMBER] = df.index
        return _tidy(df, columns, list(upper))

    batch, numbers = [], []
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            batch.append(json.loads(line))
            numbers.append(number)
            if len(batch) >= chunk_rows:
                yield frame(batch, numbers)
                batch, numbers = [], []
    if batch:
        yield frame(batch, numbers)


def _json_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
