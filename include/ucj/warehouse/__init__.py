"""The warehouse: one interface, a backend per database (DuckDB embedded; PostgreSQL later)."""

from __future__ import annotations

from ucj.warehouse.base import Warehouse


def connect(url: str, read_only: bool = False) -> Warehouse:
    """A warehouse for ``duckdb:///path`` (or ``postgresql://...`` once that backend lands)."""
    if url.startswith("duckdb://"):
        from ucj.warehouse.duckdb_backend import DuckDBWarehouse

        return DuckDBWarehouse(url.removeprefix("duckdb://"), read_only=read_only)
    raise ValueError(f"unsupported warehouse URL scheme: {url.split(':', 1)[0]}")
