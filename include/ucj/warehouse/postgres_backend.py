"""The production warehouse: PostgreSQL through psycopg2.

- ``:name`` placeholders become ``%(name)s`` (``ucj.warehouse.base.placeholders``) and their
  values travel as driver parameters (psycopg2 quotes them).
- One ``transaction()`` is one database transaction: concurrent readers see the warehouse
  before or after it, never half of it (PostgreSQL MVCC).
- Bulk loads stream record batches as CSV into ``COPY ... FROM STDIN`` (bounded memory),
  matching columns by name like DuckDB's ``INSERT ... BY NAME``.
- ``query`` returns a DataFrame; NUMERIC values come back as floats, as DuckDB's do.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress

import numpy as np
import pandas as pd
import psycopg2
import psycopg2.extensions as pgext
import pyarrow as pa
import pyarrow.csv as pacsv
from psycopg2 import sql as pgsql

from ucj.io.lake import data_files, parquet_file
from ucj.warehouse.base import Session, Warehouse, bound, placeholders
from ucj.warehouse.schema import ensure_schema

log = logging.getLogger(__name__)

BATCH_ROWS = 65_536
COPY_READ_SIZE = 1 << 20
BI_READER_PASSWORD_ENV = "BI_READER_PASSWORD"

_TABLE = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)?")

_NUMERIC_AS_FLOAT = pgext.new_type(
    pgext.DECIMAL.values, "UCJ_NUMERIC_AS_FLOAT",
    lambda value, cur: None if value is None else float(value))


def to_pyformat(statement: str) -> tuple[str, list[str]]:
    """``statement`` in psycopg2's ``%(name)s`` style, and the parameter names it uses."""
    return placeholders(statement, "%%(%s)s", escape_percent=True)


def _value(v):
    """Python scalars psycopg2 can adapt (numpy and pandas scalars are not among them)."""
    if v is None or v is pd.NaT or v is pd.NA:
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if isinstance(v, np.generic):
        return v.item()
    return v


def _bind(statement: str, params: dict | None) -> tuple[str, dict | None]:
    text, names = to_pyformat(statement)
    if not names:
        return text, None
    return text, {n: _value(v) for n, v in bound(names, params).items()}


class _CsvStream:
    """A read-only file over record batches rendered as CSV one at a time (for COPY)."""

    def __init__(self, batches: Iterable[pa.RecordBatch]):
        self._batches: Iterator[pa.RecordBatch] = iter(batches)
        self._chunk = memoryview(b"")
        self._pos = 0

    def read(self, size: int = -1) -> bytes:
        while self._pos >= len(self._chunk):
            batch = next(self._batches, None)
            if batch is None:
                return b""
            sink = pa.BufferOutputStream()
            pacsv.write_csv(batch, sink, pacsv.WriteOptions(include_header=False))
            self._chunk, self._pos = memoryview(sink.getvalue().to_pybytes()), 0
        end = len(self._chunk) if size is None or size < 0 else self._pos + size
        out = self._chunk[self._pos:end].tobytes()
        self._pos += len(out)
        return out


class PostgresSession(Session):
    backend = "postgres"

    def __init__(self, conn, cur):
        self.conn = conn
        self.cur = cur

    def execute(self, sql: str, params: dict | None = None) -> None:
        self.cur.execute(*_bind(sql, params))

    def query(self, sql: str, params: dict | None = None) -> pd.DataFrame:
        self.cur.execute(*_bind(sql, params))
        if self.cur.description is None:
            return pd.DataFrame()
        columns = [d.name for d in self.cur.description]
        return pd.DataFrame(self.cur.fetchall(), columns=columns)

    def insert_parquet(self, table: str, path: str) -> int:
        # a lake on an object store is read in ranges through fsspec, batch by batch
        files = [parquet_file(f) for f in data_files(path)]
        batches = (b for pf in files for b in pf.iter_batches(batch_size=BATCH_ROWS))
        return self._copy(table, files[0].schema_arrow.names, batches)

    def insert_frame(self, table: str, df: pd.DataFrame) -> int:
        if df.empty:
            return 0
        arrow = pa.Table.from_pandas(df, preserve_index=False)
        return self._copy(table, arrow.column_names, arrow.to_batches(max_chunksize=BATCH_ROWS))

    def _columns(self, table: str) -> dict[str, str]:
        """The table's columns, lower-cased name -> name."""
        if not _TABLE.fullmatch(table):
            raise ValueError(f"not a table name: {table!r}")
        self.cur.execute("SELECT attname FROM pg_attribute WHERE attrelid = %(t)s::regclass "
                         "AND attnum > 0 AND NOT attisdropped ORDER BY attnum", {"t": table})
        return {name.lower(): name for (name,) in self.cur.fetchall()}

    def _copy(self, table: str, names: list[str], batches: Iterable[pa.RecordBatch]) -> int:
        target = self._columns(table)
        unknown = [n for n in names if n.lower() not in target]
        if unknown:
            raise ValueError(f"{table} has no column(s) {unknown}")
        if len({n.lower() for n in names}) != len(names):
            raise ValueError(f"duplicate column names for {table}: {names}")
        statement = pgsql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv)").format(
            pgsql.SQL(table), pgsql.SQL(", ").join(pgsql.Identifier(target[n.lower()])
                                                   for n in names))
        self.cur.copy_expert(statement, _CsvStream(batches), size=COPY_READ_SIZE)
        return self.cur.rowcount


def _dsn(url: str) -> str:
    """``postgresql+psycopg2://`` (SQLAlchemy style) and ``postgres://`` as libpq URIs."""
    scheme, rest = url.split("://", 1)
    if scheme.split("+", 1)[0] not in ("postgresql", "postgres"):
        raise ValueError(f"not a PostgreSQL URL scheme: {scheme}")
    return "postgresql://" + rest


class PostgresWarehouse(Warehouse):
    backend = "postgres"

    def __init__(self, url: str, read_only: bool = False):
        self.conn = psycopg2.connect(_dsn(url), application_name="ucj")
        # for dbt, which connects on its own (ucj.warehouse.build); never logged
        self.password = psycopg2.extensions.parse_dsn(_dsn(url)).get("password")
        self.conn.set_session(readonly=read_only, autocommit=False)
        pgext.register_type(_NUMERIC_AS_FLOAT, self.conn)
        self._open = False

    def __repr__(self) -> str:  # never the URL: it may hold a password
        p = self.conn.get_dsn_parameters()
        return f"PostgresWarehouse({p.get('host')}:{p.get('port')}/{p.get('dbname')})"

    @contextmanager
    def transaction(self):
        if self._open:
            raise RuntimeError("a transaction is already open on this warehouse connection")
        self._open = True
        cur = self.conn.cursor()
        try:
            yield PostgresSession(self.conn, cur)
        except BaseException:
            with suppress(psycopg2.Error):
                self.conn.rollback()
            raise
        else:
            self.conn.commit()
        finally:
            self._open = False
            with suppress(psycopg2.Error):
                cur.close()

    def close(self) -> None:
        self.conn.close()


def grant_bi_reader(wh: PostgresWarehouse, password: str | None = None) -> list[str]:
    """Create (or update) role ``bi_reader`` and grant it read access to schema ``marts`` only.

    Runs ``include/sql/roles/bi_reader.sql`` after the warehouse schema, in one transaction:
    it also takes the default CONNECT and TEMPORARY of every role (PUBLIC) off this database.
    The password comes from the argument or the ``BI_READER_PASSWORD`` environment variable;
    only its SCRAM-SHA-256 verifier, computed here, is sent to the server. The connecting role
    needs CREATEROLE, must own the database and be the one that creates the marts tables
    (default privileges).

    Returns the other databases of the cluster that ``bi_reader`` may still connect to (each
    one open to PUBLIC, PostgreSQL's default for a new database), also logged as a warning:
    they are not the warehouse's to lock, their owner revokes CONNECT from PUBLIC there (as
    compose's init script does for every database of its server).
    """
    from ucj.config import MissingSecret

    password = password or os.environ.get(BI_READER_PASSWORD_ENV)
    if not password:
        raise MissingSecret(f"no password for role bi_reader (set {BI_READER_PASSWORD_ENV})")
    verifier = pgext.encrypt_password(password, "bi_reader", wh.conn, "scram-sha-256")
    with wh.transaction() as s:
        ensure_schema(s)
        s.run_file("roles/bi_reader.sql", {"password": verifier})
    others = bi_reader_other_databases(wh)
    if others:
        log.warning("role bi_reader can still connect to %d other database(s) of this server, "
                    "open to every role: %s (their owner: REVOKE CONNECT ON DATABASE ... FROM "
                    "PUBLIC)", len(others), ", ".join(others))
    return others


def bi_reader_other_databases(wh: PostgresWarehouse) -> list[str]:
    """Databases of the cluster, other than the warehouse, that ``bi_reader`` may connect to
    (``template0`` takes no connection at all)."""
    return wh.query(
        "SELECT datname FROM pg_database WHERE datallowconn AND datname <> current_database() "
        "AND has_database_privilege('bi_reader', oid, 'CONNECT') ORDER BY datname"
    )["datname"].tolist()
