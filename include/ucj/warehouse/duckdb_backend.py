"""The embedded warehouse: one DuckDB file (one writer at a time; BI opens it read-only)."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from ucj.io.lake import data_files, local_files
from ucj.warehouse.base import Session, Warehouse, bound, placeholders


def _bind(sql: str, params: dict | None) -> tuple[str, dict | None]:
    text, names = placeholders(sql, "$%s")
    return text, bound(names, params) or None


class DuckDBSession(Session):
    backend = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def execute(self, sql: str, params: dict | None = None) -> None:
        self.con.execute(*_bind(sql, params))

    def query(self, sql: str, params: dict | None = None) -> pd.DataFrame:
        return self.con.execute(*_bind(sql, params)).df()

    def insert_parquet(self, table: str, path: str) -> int:
        before = self._count(table)
        with tempfile.TemporaryDirectory(prefix="ucj-insert-") as scratch:
            # a lake on an object store: its files fetched first (DuckDB without httpfs)
            files = local_files(data_files(path), Path(scratch))
            # The folder's key=value names must not override the file's own columns.
            self.con.execute(f"INSERT INTO {table} BY NAME "
                             "SELECT * FROM read_parquet($paths, hive_partitioning = false)",
                             {"paths": [str(f) for f in files]})
        return self._count(table) - before

    def insert_frame(self, table: str, df: pd.DataFrame) -> int:
        self.con.register("_ucj_frame", df)
        try:
            self.con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _ucj_frame")
        finally:
            self.con.unregister("_ucj_frame")
        return len(df)

    def _count(self, table: str) -> int:
        return self.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


# DuckDB's own memory (it spills beyond); the dbt build's too (include/sql/profiles.yml). Not
# the process: dbt and Python add about 300 MB, and a process stays within 2 GB at every scale
# with 1.6 GB here (the national month's dbt build: 1.87 GB peak; 2.3 GB with a 2 GB cap).
MEMORY_LIMIT = "1.6GB"


class DuckDBWarehouse(Warehouse):
    backend = "duckdb"

    def __init__(self, path: str, read_only: bool = False):
        self.path = Path(path)
        self.read_only = read_only
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.con = self._connect()

    def _connect(self) -> duckdb.DuckDBPyConnection:
        # DuckDB takes 80% of RAM by default; bounded, it spills to disk beside the file
        return duckdb.connect(str(self.path), read_only=self.read_only, config={
            "memory_limit": os.environ.get("UCJ_DUCKDB_MEMORY_LIMIT", MEMORY_LIMIT)})

    def reconnect(self) -> None:
        """A new connection to the same file. DuckDB 2.0.0: a table created in a transaction
        that then inserts more than a row group (written to the file at once) reads as empty
        to filters on the connection that wrote it, once committed (the file holds the rows:
        a new connection reads them). The first publish of a warehouse does just that."""
        self.con.close()
        self.con = self._connect()

    @contextmanager
    def released(self):
        """Let another process open the file meanwhile (DuckDB allows one writing process:
        dbt attaches the warehouse while it builds), then connect again."""
        self.con.close()
        try:
            yield
        finally:
            self.con = self._connect()

    @contextmanager
    def transaction(self):
        self.con.begin()
        try:
            yield DuckDBSession(self.con)
        except BaseException:
            self.con.rollback()
            raise
        self.con.commit()

    def close(self) -> None:
        self.con.close()
