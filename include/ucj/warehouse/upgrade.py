"""Bring a warehouse created by an earlier version up to today's DDL, touching only what is
out of date: on PostgreSQL an ALTER TABLE locks its table against every reader until the
load commits, with IF NOT EXISTS or not."""

from __future__ import annotations

from ucj.warehouse.base import Session

# Columns audit.run_audit gained after its first release (audit/add_run_audit_columns.sql).
RUN_AUDIT_ADDED = ("data_docs", "batch_seconds")
# Declared with a primary key by DuckDB warehouses created before core/05_keys.postgres.sql.
MONTH_KEYED = ("fct_participant_month", "fct_person_month")


def set_aside_keyed(s: Session) -> list[str]:
    """Rename the keyed month tables of an old DuckDB warehouse (DuckDB drops no key in
    place: their index does not spill, and a national month would not fit the memory cap);
    the DDL then creates them again, unkeyed, and :func:`restore_unkeyed` fills them."""
    if s.backend != "duckdb":
        return []
    found = set(s.query("SELECT table_name FROM duckdb_constraints() WHERE schema_name = "
                        "'core' AND constraint_type = 'PRIMARY KEY'")["table_name"])
    keyed = [t for t in MONTH_KEYED if t in found]
    for table in keyed:  # names from MONTH_KEYED only
        s.execute(f"ALTER TABLE core.{table} RENAME TO {table}_keyed")
    return keyed


def restore_unkeyed(s: Session, keyed: list[str]) -> None:
    for table in keyed:
        s.execute(f"INSERT INTO core.{table} BY NAME SELECT * FROM core.{table}_keyed")
        s.execute(f"DROP TABLE core.{table}_keyed")


def add_missing_columns(s: Session) -> None:
    have = set(s.query("SELECT column_name FROM information_schema.columns "
                       "WHERE table_schema = 'audit' AND table_name = 'run_audit'")
               ["column_name"])
    if not set(RUN_AUDIT_ADDED) <= have:
        s.run_file("audit/add_run_audit_columns.sql")
