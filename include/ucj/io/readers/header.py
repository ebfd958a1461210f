"""The header of a delivery against its contract: the same columns, each once, in any order
(a missing or unexpected column is drift, :class:`SchemaError`), with a hint when the header
looks split on another delimiter. Shared by the CSV and XLSX readers."""

from __future__ import annotations

import re

from ucj.io.readers.errors import SchemaError

HEADER_SEARCH_ROWS = 30  # XLSX title rows tolerated above the header

_DELIMITERS = (";", ",", "\t", "|")


def canonical(name: object) -> str:
    return str(name).replace("\ufeff", "").strip().lower()


def check_header(path, header: list[str], columns: list[str], delimiter: str | None = None,
                 line: int = 1) -> list[str]:
    found = [canonical(h) for h in header]
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


def blank_line(text: str) -> bool:
    """Only whitespace and delimiters: a record the reader skips, so no header."""
    return not re.sub(f"[{re.escape(''.join(_DELIMITERS))}]", "", text).strip()
