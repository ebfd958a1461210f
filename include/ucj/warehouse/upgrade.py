"""What dbt does not do for a warehouse an earlier version created.

- ``audit.run_audit`` (written before any build reads it) gains the columns added after its
  first release.
- The tables of dbt models gain their new columns at publish (ucj.warehouse.publish), in the
  publishing transaction; the rows a run replaces get them filled. A column whose older rows
  must be filled too is listed in ``REBUILD`` with the months it applies to: the next run then
  rebuilds every loaded month (scope ``rebuild``).
"""

from __future__ import annotations

from ucj.warehouse.base import Session

# Columns audit.run_audit gained after its first release (audit/add_run_audit_columns.sql).
RUN_AUDIT_ADDED = ("data_docs", "batch_seconds")
# Columns of month marts added after their first release whose older rows a run rebuilds
# (issue 21: roll-ups over the same desa). Their presence with NULLs marks a warehouse to
# rebuild.
REBUILD = {
    "mart_coverage": "desa_penyebut",
    "mart_village_official_coverage": "desa_penyebut",
}


# Declared with a primary key by DuckDB warehouses created before the keys moved to PostgreSQL
# only: DuckDB keeps a key's index in memory and cannot spill it, so a national month would
# not fit the memory cap with it (benchmarks/duckdb_key_memory.py).
MONTH_KEYED = ("fct_participant_month", "fct_person_month")


def drop_month_keys(s: Session) -> list[str]:
    """Rebuild the keyed month tables of an old DuckDB warehouse without their key (DuckDB
    drops no key in place), rows unchanged; the tables rebuilt."""
    if s.backend != "duckdb":
        return []
    found = set(s.query("SELECT table_name FROM duckdb_constraints() WHERE schema_name = "
                        "'core' AND constraint_type = 'PRIMARY KEY'")["table_name"])
    keyed = [t for t in MONTH_KEYED if t in found]
    for table in keyed:  # names from MONTH_KEYED only
        s.execute(f"ALTER TABLE core.{table} RENAME TO {table}_keyed")
        s.execute(f"CREATE TABLE core.{table} AS SELECT * FROM core.{table}_keyed")
        s.execute(f"DROP TABLE core.{table}_keyed")
    return keyed


def add_missing_columns(s: Session) -> None:
    have = set(s.query("SELECT column_name FROM information_schema.columns "
                       "WHERE table_schema = 'audit' AND table_name = 'run_audit'")
               ["column_name"])
    if not set(RUN_AUDIT_ADDED) <= have:
        s.run_file("audit/add_run_audit_columns.sql")


def months_to_rebuild(s: Session) -> set[str]:
    """Loaded months whose marts an earlier version built without a column of ``REBUILD``
    (the column missing, or NULL on their rows)."""
    months: set[str] = set()
    for table, column in REBUILD.items():  # names from REBUILD only
        cols = set(s.query("SELECT column_name FROM information_schema.columns WHERE "
                           "table_schema = 'marts' AND table_name = :t", {"t": table})
                   ["column_name"])
        if not cols:
            continue
        if column not in cols:
            months |= set(s.query(f"SELECT DISTINCT periode FROM marts.{table}")["periode"])
        else:
            months |= set(s.query(f"SELECT DISTINCT periode FROM marts.{table} "
                                  f"WHERE {column} IS NULL")["periode"])
    return months
