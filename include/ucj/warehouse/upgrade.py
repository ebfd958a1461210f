"""Bring a warehouse created by an earlier version up to today's DDL, touching only what is
out of date: on PostgreSQL an ALTER TABLE locks its table against every reader until the
load commits, with IF NOT EXISTS or not."""

from __future__ import annotations

from ucj.warehouse import village
from ucj.warehouse.base import Session

# Columns audit.run_audit gained after its first release (audit/add_run_audit_columns.sql).
RUN_AUDIT_ADDED = ("data_docs", "batch_seconds")
# Declared with a primary key by DuckDB warehouses created before core/05_keys.postgres.sql.
MONTH_KEYED = ("fct_participant_month", "fct_person_month")
# Columns marts tables gained after their first release (all BIGINT): how many desa a roll-up
# sums and the persons it leaves out of its ratio (issue 21). Their rows hold roll-ups that
# mixed desa sets, so the marts are rebuilt, not only given the columns.
MARTS_ADDED = {
    "mart_coverage": ("desa_penyebut", "desa_wilayah", "peserta_tanpa_penyebut"),
    "mart_village_official_coverage": ("desa_penyebut", "desa_wilayah",
                                       "perangkat_tanpa_penyebut"),
    "mart_dana_desa": ("desa_dana_desa", "desa_add", "desa_bhp", "desa_jumlah_perangkat"),
}
MONTH_MARTS_REBUILT = ("mart_coverage", "mart_village_official_coverage")  # by periode


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


def add_mart_columns(s: Session) -> list[str]:
    """Give existing marts tables the columns of ``MARTS_ADDED`` they lack; the tables
    altered. Runs before the DDL, whose COMMENT ON statements name those columns. The
    columns are nullable (DuckDB adds no NOT NULL column); :func:`rebuild_marts` fills them."""
    cols = s.query("SELECT table_name, column_name FROM information_schema.columns "
                   "WHERE table_schema = 'marts'")
    have: dict[str, set[str]] = {}
    for table, column in cols.itertuples(index=False):
        have.setdefault(table, set()).add(column)
    altered = []
    for table, added in MARTS_ADDED.items():
        if table not in have or set(added) <= have[table]:
            continue  # created by today's DDL, or up to date: no lock taken
        for column in added:  # names from MARTS_ADDED only
            if column not in have[table]:
                s.execute(f"ALTER TABLE marts.{table} ADD COLUMN {column} BIGINT")
        altered.append(table)
    return altered


def rebuild_marts(s: Session, altered: list[str]) -> None:
    """Rebuild every loaded month (and Dana Desa year) of the marts :func:`add_mart_columns`
    altered, after the DDL and :func:`restore_unkeyed` (the month facts must be back)."""
    months: set[str] = set()
    for table in MONTH_MARTS_REBUILT:
        if table in altered:
            months |= set(s.query(f"SELECT DISTINCT periode FROM marts.{table}")["periode"])
    for periode in sorted(months):  # the officials first: mart_dana_desa reads them
        for table in MONTH_MARTS_REBUILT:
            s.run_file(f"marts/{table}.sql", {"periode": periode})
    if "mart_dana_desa" in altered:
        for tahun in s.query("SELECT DISTINCT tahun FROM marts.mart_dana_desa ORDER BY tahun"
                             )["tahun"]:
            village.build_marts(s, int(tahun))
