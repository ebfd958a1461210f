"""What every warehouse backend offers: transactions, SQL files with bound parameters, bulk loads.

The loader's own SQL (its queries and the files of ``include/sql`` that are not dbt models:
docs/warehouse.md, "What stays outside dbt") uses ``:name`` placeholders, spelled for each
driver by :func:`placeholders`. Values always travel as bound parameters, never formatted
into the SQL text.
"""

from __future__ import annotations

import logging
import re
import time
from abc import ABC, abstractmethod
from contextlib import contextmanager

import pandas as pd
import sqlparse

from ucj.config import sql_dir

log = logging.getLogger(__name__)
PARAM = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
# Parts of a statement where a colon or a percent sign is text, not syntax.
_OPAQUE = re.compile(
    r"""'(?:[^']|'')*'            # string literal (E'' escapes aside)
      | "(?:[^"]|"")*"            # quoted identifier
      | --[^\n]*                  # line comment
      | /\*.*?\*/                 # block comment
      | \$\$.*?\$\$                           # dollar-quoted body
      | \$(?P<tag>[A-Za-z_]\w*)\$.*?\$(?P=tag)\$  # dollar-quoted body with a tag
    """,
    re.S | re.X,
)


def statements(sql: str) -> list[str]:
    return [s.strip().rstrip(";") for s in sqlparse.split(sql) if s.strip().rstrip(";").strip()]


def placeholders(statement: str, spelling: str, escape_percent: bool = False
                 ) -> tuple[str, list[str]]:
    """``statement`` with each ``:name`` placeholder spelled as the driver wants it
    (``spelling`` formats ``name``: ``"$%s"`` for DuckDB, ``"%%(%s)s"`` for psycopg2), and
    the names it uses. ``:name`` inside a string literal, a quoted identifier, a comment or a
    dollar-quoted body is text and stays, ``::`` casts too. With ``escape_percent`` every
    literal ``%`` is doubled when there is a parameter (psycopg2 formats the statement then,
    and leaves it alone without one).
    """
    pieces: list[tuple[bool, str]] = []  # (is_code, text)
    pos = 0
    for m in _OPAQUE.finditer(statement):
        pieces += [(True, statement[pos:m.start()]), (False, m.group(0))]
        pos = m.end()
    pieces.append((True, statement[pos:]))
    names = sorted({n for code, text in pieces if code for n in PARAM.findall(text)})
    if not names:
        return statement, []
    out = []
    for code, text in pieces:
        if escape_percent:
            text = text.replace("%", "%%")
        out.append(PARAM.sub(lambda m: spelling % m.group(1), text) if code else text)
    return "".join(out), names


def bound(names: list[str], params: dict | None) -> dict:
    """The values of ``names`` (a missing one is a ``KeyError`` naming it)."""
    params = params or {}
    missing = set(names) - params.keys()
    if missing:
        raise KeyError(f"SQL needs parameter(s) {sorted(missing)}")
    return {n: params[n] for n in names}


class Warehouse(ABC):
    backend: str

    @abstractmethod
    @contextmanager
    def transaction(self):
        """Yield a session; everything in it commits together or not at all."""

    def close(self) -> None:  # noqa: B027 - optional for backends
        pass

    def query(self, sql: str, params: dict | None = None) -> pd.DataFrame:
        with self.transaction() as s:
            return s.query(sql, params or {})


class Session(ABC):
    backend: str  # "duckdb" or "postgres"

    @abstractmethod
    def execute(self, sql: str, params: dict | None = None) -> None: ...

    @abstractmethod
    def query(self, sql: str, params: dict | None = None) -> pd.DataFrame: ...

    @abstractmethod
    def insert_parquet(self, table: str, path: str) -> int:
        """Append the rows of a Parquet file, or of every file of a lake partition folder, to
        ``table`` (matching columns by name)."""

    @abstractmethod
    def insert_frame(self, table: str, df: pd.DataFrame) -> int:
        """Append a DataFrame's rows to ``table`` (matching columns by name)."""

    def run_file(self, relpath: str, params: dict | None = None) -> None:
        started = time.perf_counter()
        sql = (sql_dir() / relpath).read_text()
        for stmt in statements(sql):
            self.execute(stmt, params or {})
        # in the task log: which step of a load takes the time
        log.info("%s: %.2f s", relpath, time.perf_counter() - started)

    def scalar(self, sql: str, params: dict | None = None):
        df = self.query(sql, params)
        return None if df.empty else df.iloc[0, 0]

