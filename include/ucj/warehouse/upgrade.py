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
