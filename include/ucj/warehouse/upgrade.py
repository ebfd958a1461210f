"""What dbt does not do for a warehouse an earlier version created.

- ``audit.run_audit`` (written before any build reads it) gains the columns added after its
  first release.
- The tables of dbt models gain their new columns at publish (ucj.warehouse.publish), in the
  publishing transaction; the rows a run replaces get them filled. A column whose older rows
  must be filled too is listed in ``REBUILD`` with the months it applies to: the next run then
  rebuilds every loaded month (scope ``rebuild``).
- ``core.fct_person_month`` gained its placement row's ``sumber_iuran`` (who pays, read by
  ``marts.mart_inisiatif_iuran`` for the month and the month before): a rebuilt month does not
  re-read its participants from the lake, so the months published before are filled in place,
  from their published participant rows, by the placement rule of fct_person_month.
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


# The placement row of each active person of a month (models/core/fct_person_month.sql),
# here for the months published before fct_person_month carried its sumber_iuran.
FILL_PERSON_PAYER = """
UPDATE core.fct_person_month AS p SET sumber_iuran = r.sumber_iuran
FROM (
    SELECT person_key, sumber_iuran FROM (
        SELECT person_key, sumber_iuran,
               ROW_NUMBER() OVER (PARTITION BY person_key
                                  ORDER BY tgl_kepesertaan DESC NULLS LAST, kpj) AS placement
        FROM core.fct_participant_month
        WHERE periode = :periode AND is_active
    ) ranked
    WHERE placement = 1
) r
WHERE p.periode = :periode AND p.person_key = r.person_key
"""


def fill_person_payer(s: Session) -> list[str]:
    """Add ``sumber_iuran`` to a ``core.fct_person_month`` published without it and fill it,
    a month at a time (bounded memory), in the load's first transaction: the column's presence
    means its rows are filled. The months filled."""
    cols = set(s.query("SELECT column_name FROM information_schema.columns WHERE "
                       "table_schema = 'core' AND table_name = 'fct_person_month'")
               ["column_name"])
    if not cols or "sumber_iuran" in cols:
        return []
    s.execute("ALTER TABLE core.fct_person_month ADD COLUMN sumber_iuran VARCHAR")
    months = sorted(s.query("SELECT DISTINCT periode FROM core.fct_person_month")["periode"])
    for periode in months:
        s.execute(FILL_PERSON_PAYER, {"periode": periode})
    return months


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
