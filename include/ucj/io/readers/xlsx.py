"""XLSX deliveries: the first worksheet, its header found below any title rows, cells as text
(dates as dd/mm/yyyy, whole floats without ".0", formulas as their text)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from ucj.io.readers.errors import EmptyFile, ReadError, SchemaError
from ucj.io.readers.frames import DEFAULT_CHUNK_ROWS, chunked, fit_fields
from ucj.io.readers.header import HEADER_SEARCH_ROWS, canonical, check_header


def _find_header(path, rows, columns: list[str]) -> tuple[int, list]:
    """XLSX exports put title rows above the header: the header is the first row naming
    at least half of the contract's columns (searched in the first rows only)."""
    seen = 0
    for number, row in rows:
        names = {canonical(v) for v in row if v is not None}
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
                values, issue = fit_fields([c or "" for c in cells], width, ";")
                yield n, [v if v != "" else None for v in values], issue

        yield from chunked(path, records(), names, columns, upper, chunk_rows, require_rows)
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
