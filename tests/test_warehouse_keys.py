"""The month's keys (periode, kpj) and (periode, person_key) hold on both warehouses: a unique
index on PostgreSQL, a check at load on DuckDB (which cannot spill a key index: a national
month would not fit its memory cap). A month that breaks them fails its load and leaves the
warehouse as it was."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow.parquet as pq
import pytest
from test_indicators import MONTH
from test_postgres_warehouse import _indicator_lake
from ucj.io.lake import data_files, read_manifest
from ucj.warehouse import load as wl


@pytest.fixture
def wh(empty_warehouse):
    return empty_warehouse


def _repeat_first_row(partition) -> None:
    """Tamper with a validated month as no validation would let through: a kpj twice."""
    files = data_files(partition)
    table = pd.concat([pq.read_table(f).to_pandas() for f in files], ignore_index=True)
    for f in files:
        f.unlink()
    pd.concat([table, table.iloc[:1]]).to_parquet(partition / "data.parquet", index=False)
    manifest = read_manifest(partition)
    manifest["rows_valid"] += 1
    (partition / "_manifest.json").write_text(json.dumps(manifest))


def _month(wh) -> list[tuple]:
    return sorted(wh.query("SELECT kpj, person_key, kode_desa FROM core.fct_participant_month")
                  .itertuples(index=False, name=None))


def test_a_repeated_kpj_fails_the_load_and_keeps_the_month(wh, tmp_path):
    lake = _indicator_lake(tmp_path, MONTH)
    partitions = wl.enrollment_partitions(lake)
    wl.refresh(wh, lake, partitions, "first")
    before = _month(wh)
    assert len(before) == len({kpj for kpj, _, _ in before}) > 0
    _repeat_first_row(partitions[0])
    with pytest.raises(Exception, match="fct_participant_month|duplicate key"):
        wl.refresh(wh, lake, partitions, "second")
    assert _month(wh) == before


def test_the_key_index_is_on_postgres_only(wh):
    with wh.transaction() as s:
        wl.ensure_schema(s)
        wl.ensure_schema(s)  # idempotent
    if wh.backend == "postgres":
        indexes = set(wh.query("SELECT indexname FROM pg_indexes WHERE schemaname = 'core'")
                      ["indexname"])
        assert {"fct_participant_month_pkey", "fct_person_month_pkey"} <= indexes
    else:
        keys = wh.query("SELECT table_name FROM duckdb_constraints() "
                        "WHERE constraint_type IN ('PRIMARY KEY', 'UNIQUE')")
        assert not {"fct_participant_month", "fct_person_month"} & set(keys["table_name"])


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
        before = _month(wh), wh.query("SELECT * FROM core.fct_person_month ORDER BY ALL")
        assert len(_keyed(wh)) == 2

        wl.refresh(wh, lake, partitions, "second")
        assert _keyed(wh) == []
        assert _month(wh) == before[0]
        pd.testing.assert_frame_equal(
            wh.query("SELECT * FROM core.fct_person_month ORDER BY ALL"), before[1])
        tables = set(wh.query("SELECT table_name FROM duckdb_tables() "
                              "WHERE schema_name = 'core'")["table_name"])
        assert not {"fct_participant_month_keyed", "fct_person_month_keyed"} & tables
    finally:
        wh.close()


def _keyed(wh) -> list[str]:
    return sorted(wh.query("SELECT table_name FROM duckdb_constraints() "
                           "WHERE constraint_type = 'PRIMARY KEY' AND table_name IN "
                           "('fct_participant_month', 'fct_person_month')")["table_name"])
