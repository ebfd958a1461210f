"""A warehouse created by an earlier version is brought up to today's DDL by its next load
(ucj.warehouse.upgrade), rows unchanged; an up-to-date one is not altered, so its readers
are not locked out while a load runs."""

from __future__ import annotations

import pandas as pd
import pytest
from rencana_rows import KAB, build_lake
from test_indicators import MONTH
from test_postgres_warehouse import _indicator_lake
from test_rencana_aksi import inisiatif
from ucj.warehouse import load as wl
from ucj.warehouse import upgrade

ADDED = ["batch_seconds", "data_docs"]
RUNS = "SELECT run_id, source, partition_value FROM audit.run_audit ORDER BY 1, 2, 3"


def test_a_duckdb_warehouse_created_with_keys_loses_them_and_keeps_its_rows(tmp_path):
    """Warehouses created before the keys moved to 05_keys.postgres.sql declare them: the next
    refresh rebuilds both tables without, rows unchanged, and loads on."""
    from ucj import warehouse

    lake = _indicator_lake(tmp_path, MONTH)
    partitions = wl.enrollment_partitions(lake)
    wh = warehouse.connect(f"duckdb:///{tmp_path / 'old.duckdb'}")
    try:
        wl.refresh(wh, lake, partitions, "first")
        with wh.transaction() as s:  # as the DDL of those warehouses declared them
            s.execute("ALTER TABLE core.fct_participant_month ADD PRIMARY KEY (periode, kpj)")
            s.execute("ALTER TABLE core.fct_person_month ADD PRIMARY KEY (periode, person_key)")
        before = [_sorted(wh, t) for t in ("fct_participant_month", "fct_person_month")]
        assert len(_keyed(wh)) == 2

        wl.refresh(wh, lake, partitions, "second")
        assert _keyed(wh) == []
        for table, rows in zip(("fct_participant_month", "fct_person_month"), before,
                               strict=True):
            pd.testing.assert_frame_equal(_sorted(wh, table), rows)
        tables = set(wh.query("SELECT table_name FROM duckdb_tables() "
                              "WHERE schema_name = 'core'")["table_name"])
        assert not {"fct_participant_month_keyed", "fct_person_month_keyed"} & tables
    finally:
        wh.close()


def test_a_run_audit_without_the_added_columns_gets_them_and_keeps_its_rows(
        empty_warehouse, tmp_path):
    wh = empty_warehouse
    lake = _indicator_lake(tmp_path, MONTH)
    wl.refresh(wh, lake, wl.enrollment_partitions(lake), "first")
    with wh.transaction() as s:  # as audit.run_audit was first released
        for column in ADDED:
            s.execute(f"ALTER TABLE audit.run_audit DROP COLUMN {column}")
    runs = wh.query(RUNS)
    assert not set(ADDED) & set(_columns(wh))

    with wh.transaction() as s:
        wl.ensure_schema(s)
    assert set(ADDED) <= set(_columns(wh))
    pd.testing.assert_frame_equal(wh.query(RUNS), runs)


def test_an_up_to_date_postgres_warehouse_is_not_altered():
    """ALTER TABLE ... IF NOT EXISTS still locks the table against readers (PostgreSQL's
    AccessExclusiveLock) until the load's first transaction commits."""
    from pg_helpers import scratch_database
    from ucj import warehouse

    with scratch_database() as url:
        wh = warehouse.connect(url)
        try:
            with wh.transaction() as s:
                wl.ensure_schema(s)
            with wh.transaction() as s:
                wl.ensure_schema(s)
                locked = s.query("SELECT c.relname FROM pg_locks l JOIN pg_class c "
                                 "ON c.oid = l.relation WHERE l.pid = pg_backend_pid() "
                                 "AND l.mode = 'AccessExclusiveLock'")
        finally:
            wh.close()
    assert locked.empty, f"tables locked against readers: {list(locked['relname'])}"


def _columns(wh) -> list[str]:
    return list(wh.query("SELECT column_name FROM information_schema.columns "
                         "WHERE table_schema = 'audit' AND table_name = 'run_audit'")
                ["column_name"])


def _sorted(wh, table: str) -> pd.DataFrame:
    return wh.query(f"SELECT * FROM core.{table} ORDER BY ALL")


def _keyed(wh) -> list[str]:
    return sorted(wh.query("SELECT table_name FROM duckdb_constraints() "
                           "WHERE constraint_type = 'PRIMARY KEY' AND table_name IN "
                           "('fct_participant_month', 'fct_person_month')")["table_name"])



@pytest.mark.parametrize("empty_warehouse", ["duckdb", "postgres"], indirect=True)
def test_persons_published_without_their_payer_get_it_and_the_next_month_counts_right(
        empty_warehouse, tmp_path):
    """core.fct_person_month gained sumber_iuran (who pays for the placement row): a warehouse
    whose first month was published without it has it filled by the next load, equal to what
    a build makes, and the next month's mart_inisiatif_iuran counts the month before as
    tests/test_rencana_aksi.py worked out by hand."""
    wh = empty_warehouse
    lake = build_lake(tmp_path / "lake")
    first, second = wl.enrollment_partitions(lake)
    wl.refresh(wh, lake, [first], "first")
    persons = "SELECT * FROM core.fct_person_month ORDER BY periode, person_key"
    built = wh.query(persons)
    assert built["sumber_iuran"].notna().all()
    with wh.transaction() as s:  # as the table was before it carried the payer
        s.execute("ALTER TABLE core.fct_person_month DROP COLUMN sumber_iuran")
    with wh.transaction() as s:
        wl.ensure_schema(s)
    pd.testing.assert_frame_equal(wh.query(persons), built)
    with wh.transaction() as s:  # up to date: nothing is filled again
        assert upgrade.fill_person_payer(s) == []

    wl.refresh(wh, lake, [second], "second")
    assert inisiatif(wh, KAB) == {
        "PEMBERI_KERJA": (8, 8, 0), "DANA_DESA": (3, 3, 0), "APBD_KABUPATEN": (2, 2, 0),
        "MANDIRI": (4, 4, 0), "CSR": (1, 0, 1), "APBD_PROVINSI": (1, 0, 1)}
