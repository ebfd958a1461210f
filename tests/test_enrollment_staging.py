"""A run's lake partitions are staged in its private build, never in the warehouse: on
PostgreSQL a schema of its own (a table per source, filled by COPY), on DuckDB a file of its
own (a view over the partitions' files: no copy). Neither outlives the run, loaded or failed,
and the BI reader never sees either."""

from __future__ import annotations

import duckdb
import pytest
from test_indicators import MONTH
from test_postgres_warehouse import PERIODE, _indicator_lake
from ucj import warehouse
from ucj.io.lake import read_manifest
from ucj.warehouse import build, dbt
from ucj.warehouse import load as wl


@pytest.fixture
def wh(empty_warehouse):
    return empty_warehouse


def _builds(wh) -> list[str]:
    if wh.backend == "postgres":
        return list(wh.query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'ucj_build%'")
                    ["nspname"])
    return [p.name for p in (dbt.work_dir() / "duckdb").glob("ucj_build.duckdb*")]


def test_the_month_is_staged_in_a_private_build_during_its_load_only(wh, tmp_path,
                                                                     monkeypatch):
    partition = wl.enrollment_partitions(_indicator_lake(tmp_path, MONTH))[0]
    rows = read_manifest(partition)["rows_valid"]
    seen = {}
    original = build.dbt.run

    def run(args, env, target):  # what dbt is given to read: the staged month
        seen["builds"] = _builds_while(env)
        return original(args, env, target)

    def _builds_while(env):
        if wh.backend == "postgres":
            schema = env["UCJ_DBT_BUILD_SCHEMA"]
            return wh.query(f"SELECT COUNT(*) AS n FROM {schema}.lake_enrollment")["n"][0]
        with duckdb.connect(env["UCJ_DBT_BUILD_PATH"], read_only=True) as con:
            return con.execute("SELECT COUNT(*) FROM lake_enrollment").fetchone()[0]

    monkeypatch.setattr(build.dbt, "run", run)
    result = wl.refresh(wh, partition.parent.parent, [partition], "load")
    assert seen["builds"] == rows
    assert result["months"] == [{"periode": PERIODE, "rows_loaded": rows}]
    assert _builds(wh) == []
    assert "staging" not in set(wh.query("SELECT schema_name FROM information_schema.schemata")
                                ["schema_name"])


def test_a_failed_build_leaves_no_build_behind(wh, tmp_path, monkeypatch):
    partition = wl.enrollment_partitions(_indicator_lake(tmp_path, MONTH))[0]

    def fail(args, env, target):
        raise dbt.DbtFailed("stopped")

    monkeypatch.setattr(build.dbt, "run", fail)
    with pytest.raises(dbt.DbtFailed, match="stopped"):
        wl.refresh(wh, partition.parent.parent, [partition], "load")
    assert _builds(wh) == []
    assert wh.query("SELECT COUNT(*) AS n FROM audit.run_audit")["n"][0] == 0


def test_a_warehouse_from_before_keeps_its_staging_schema_unread(tmp_path):
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as con:  # as the DDL made it before the dbt project
        con.execute("CREATE SCHEMA staging")
        con.execute("CREATE TABLE staging.enrollment (periode VARCHAR, kpj VARCHAR)")
    lake = _indicator_lake(tmp_path, MONTH)
    wh = warehouse.connect(f"duckdb:///{path}")
    try:
        wl.refresh(wh, lake, wl.enrollment_partitions(lake), "load")
        assert wh.query("SELECT COUNT(*) AS n FROM core.fct_participant_month")["n"][0] > 0
    finally:
        wh.close()
