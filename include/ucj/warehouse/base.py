"""What every warehouse backend offers: transactions, SQL files with bound parameters, bulk loads.

SQL files in ``include/sql`` use ``:name`` placeholders; each backend binds them its own way.
Values always travel as bound parameters, never formatted into the SQL text.
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


def statements(sql: str) -> list[str]:
    return [s.strip().rstrip(";") for s in sqlparse.split(sql) if s.strip().rstrip(";").strip()]


def params_used(sql: str, params: dict) -> dict:
    names = set(PARAM.findall(sql))
    missing = names - params.keys()
    if missing:
        raise KeyError(f"SQL needs parameter(s) {sorted(missing)}")
    return {k: params[k] for k in names}


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

