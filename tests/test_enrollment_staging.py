"""staging.enrollment holds the month being loaded, during its load only: on PostgreSQL a table
the load copies the partition into and empties, on DuckDB a view over the partition's files
(a copy took as long as the insert into core that reads it)."""

from __future__ import annotations

import duckdb
import pytest
from test_indicators import MONTH
from test_postgres_warehouse import _indicator_lake
from ucj import warehouse
from ucj.io.lake import read_manifest
from ucj.warehouse import load as wl


@pytest.fixture
def wh(empty_warehouse):
    return empty_warehouse


def _staging_objects(wh) -> set[str]:
    return set(wh.query("SELECT table_name FROM information_schema.tables "
                        "WHERE table_schema = 'staging'")["table_name"])


def test_the_month_is_staged_during_its_load_only(wh, tmp_path):
    partition = wl.enrollment_partitions(_indicator_lake(tmp_path, MONTH))[0]
    rows = read_manifest(partition)["rows_valid"]
    with wh.transaction() as s:
        wl.ensure_schema(s)
        assert s.stage_parquet("staging.enrollment", partition) == rows
        assert s.scalar("SELECT COUNT(DISTINCT kpj) FROM staging.enrollment") == rows
        s.unstage("staging.enrollment")
    postgres = wh.backend == "postgres"
    assert ("enrollment" in _staging_objects(wh)) == postgres
    if postgres:
        assert wh.query("SELECT COUNT(*) AS n FROM staging.enrollment")["n"][0] == 0
    # a load that fails after staging leaves nothing staged either
    with pytest.raises(RuntimeError, match="stopped"), wh.transaction() as s:
        s.stage_parquet("staging.enrollment", partition)
        raise RuntimeError("stopped")
    assert ("enrollment" in _staging_objects(wh)) == postgres
    assert wl.refresh(wh, partition.parent.parent, [partition], "load")
    assert wh.query("SELECT COUNT(*) AS n FROM core.fct_participant_month")["n"][0] == rows


def test_a_duckdb_warehouse_from_before_drops_its_staging_table(tmp_path):
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as con:  # as the DDL made it before
        con.execute("CREATE SCHEMA staging")
        con.execute("CREATE TABLE staging.enrollment (periode VARCHAR, kpj VARCHAR)")
    lake = _indicator_lake(tmp_path, MONTH)
    wh = warehouse.connect(f"duckdb:///{path}")
    try:
        wl.refresh(wh, lake, wl.enrollment_partitions(lake), "load")
        assert "enrollment" not in _staging_objects(wh)
        assert wh.query("SELECT COUNT(*) AS n FROM core.fct_participant_month")["n"][0] > 0
    finally:
        wh.close()
