"""The month's keys (periode, kpj) and (periode, person_key) hold on both warehouses: a unique
index on PostgreSQL, the build's unique_key test on both (DuckDB cannot spill a key index: a
national month would not fit its memory cap). The participants' not_null constraints hold on
both: the build's table enforces them on PostgreSQL, the not_null_by_contract test on DuckDB's
view. A month that breaks them fails its load and leaves the warehouse as it was."""

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


def _tamper(partition, change) -> None:
    """Rewrite a validated month as ``change`` makes it (what no validation would let
    through), its manifest counting the rows written."""
    files = data_files(partition)
    table = pd.concat([pq.read_table(f).to_pandas() for f in files], ignore_index=True)
    for f in files:
        f.unlink()
    table = change(table)
    table.to_parquet(partition / "data.parquet", index=False)
    manifest = read_manifest(partition)
    manifest["rows_valid"] = len(table)
    manifest["files"] = ["data.parquet"]  # readers take the files the manifest lists
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
    _tamper(partitions[0], lambda t: pd.concat([t, t.iloc[:1]]))  # a kpj twice
    with pytest.raises(Exception, match="fct_participant_month|duplicate key"):
        wl.refresh(wh, lake, partitions, "second")
    assert _month(wh) == before


def _without_kategori(table: pd.DataFrame) -> pd.DataFrame:
    table = table.astype({"kategori": object})
    table.loc[table.index[0], "kategori"] = None
    return table


def test_a_participant_without_kategori_fails_the_load_and_keeps_the_month(wh, tmp_path):
    lake = _indicator_lake(tmp_path, MONTH)
    partitions = wl.enrollment_partitions(lake)
    wl.refresh(wh, lake, partitions, "first")
    before = _month(wh)
    _tamper(partitions[0], _without_kategori)
    with pytest.raises(Exception, match="not_null_by_contract_fct_participant_month|kategori"):
        wl.refresh(wh, lake, partitions, "second")
    assert _month(wh) == before


def test_the_key_index_is_on_postgres_only(wh, tmp_path):
    lake = _indicator_lake(tmp_path, MONTH)
    wl.refresh(wh, lake, wl.enrollment_partitions(lake), "first")  # the tables' first publish
    with wh.transaction() as s:
        wl.ensure_schema(s)  # idempotent
    if wh.backend == "postgres":
        indexes = set(wh.query("SELECT indexname FROM pg_indexes WHERE schemaname = 'core'")
                      ["indexname"])
        assert {"fct_participant_month_pkey", "fct_person_month_pkey"} <= indexes
    else:
        keys = wh.query("SELECT table_name FROM duckdb_constraints() "
                        "WHERE constraint_type IN ('PRIMARY KEY', 'UNIQUE')")
        assert not {"fct_participant_month", "fct_person_month"} & set(keys["table_name"])
