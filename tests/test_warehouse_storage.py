"""How the DuckDB warehouse stores the month tables: the columns a model's
``meta.publish.duckdb_uncompressed`` names (person_key, a keyed hash) are stored without
compression, in the published tables and in the build's persons table, every other column as
DuckDB chooses; the published rows are those of a load without it; a model naming a column it
lacks fails its first publish, naming the table."""

from __future__ import annotations

import duckdb
import pytest
from test_indicators import MONTH
from test_postgres_warehouse import _indicator_lake
from ucj import warehouse
from ucj.warehouse import build
from ucj.warehouse import load as wl
from ucj.warehouse.publish import _create_duckdb

MONTH_TABLES = ["fct_participant_month", "fct_person_month"]


def _compression(con, table: str, column: str) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT DISTINCT compression FROM pragma_storage_info(?) "
        "WHERE column_name = ? AND segment_type = 'VARCHAR'", [f"core.{table}", column])
        .fetchall()}


def test_person_key_is_stored_uncompressed_in_the_month_tables(tmp_path):
    lake = _indicator_lake(tmp_path, MONTH)
    path = tmp_path / "wh.duckdb"
    wh = warehouse.connect(f"duckdb:///{path}")
    wl.refresh(wh, lake, wl.enrollment_partitions(lake), "first")
    published = wh.query("SELECT * FROM core.fct_person_month")
    wh.close()  # closing writes every row into the file's segments (a checkpoint)
    assert len(published) > 0 and published["person_key"].str.fullmatch("[0-9a-f]{32}").all()
    con = duckdb.connect(str(path), read_only=True)
    try:
        for table in MONTH_TABLES:
            assert _compression(con, table, "person_key") == {"Uncompressed"}, table
            assert _compression(con, table, "kode_desa") - {"Uncompressed"}, table  # DuckDB's
            ddl = con.execute("SELECT sql FROM duckdb_tables() WHERE schema_name = 'core' "
                              "AND table_name = ?", [table]).fetchall()[0][0]
            assert "person_key VARCHAR USING COMPRESSION Uncompressed" in ddl
    finally:
        con.close()
    # the build's persons table: its DDL as dbt ran it (target/run)
    _, target = build.target_of(f"duckdb:///{path}")
    ran = next(target.joinpath("run").rglob("fct_person_month.sql")).read_text()
    assert "person_key varchar USING COMPRESSION uncompressed not null" in ran
    ran = next(target.joinpath("run").rglob("dim_wilayah.sql")).read_text()
    assert "USING COMPRESSION" not in ran  # a model naming no column is built as dbt-duckdb does


def test_a_model_naming_a_column_it_lacks_fails_naming_its_table():
    types = {"periode": "VARCHAR", "person_key": "VARCHAR"}
    assert _create_duckdb("core.t", types, ["PERSON_KEY"]) == (
        'CREATE TABLE core.t ("periode" VARCHAR, "person_key" VARCHAR USING COMPRESSION '
        'uncompressed)')
    with pytest.raises(ValueError, match=r"core\.t: .*'nik'"):
        _create_duckdb("core.t", types, ["nik"])
