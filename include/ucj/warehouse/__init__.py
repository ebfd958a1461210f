"""The warehouse: one interface, a backend per database (DuckDB embedded, PostgreSQL)."""

from __future__ import annotations

from ucj.warehouse.base import Warehouse

POSTGRES_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg2://")


def connect(url: str, read_only: bool = False) -> Warehouse:
    """A warehouse for ``duckdb:///path`` or ``postgresql://user:password@host:port/dbname``."""
    if url.startswith("duckdb://"):
        from ucj.warehouse.duckdb_backend import DuckDBWarehouse

        return DuckDBWarehouse(url.removeprefix("duckdb://"), read_only=read_only)
    if url.startswith(POSTGRES_SCHEMES):
        from ucj.warehouse.postgres_backend import PostgresWarehouse

        return PostgresWarehouse(url, read_only=read_only)
    raise ValueError(f"unsupported warehouse URL scheme: {url.split(':', 1)[0]}")
