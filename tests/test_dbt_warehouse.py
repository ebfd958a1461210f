"""The warehouse as a dbt project (include/sql, issue 17): on generated deliveries, the dbt build
published in one transaction (ucj.warehouse.build) gives the same warehouse, table by table and
row by row, as the SQL runner that loads production today, on DuckDB and PostgreSQL, month by
month as Airflow loads them; and re-running it changes nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from ucj import warehouse
from ucj.generate import generate
from ucj.pipeline import apbdes, enrollment, reference, registry
from ucj.registry.records import read_csv, write_jsonl
from ucj.warehouse import build
from ucj.warehouse import load as wl

MONTHS = ["2025-12", "2026-01", "2026-02"]  # two fiscal years
TABLES = ["core.dim_wilayah", "core.ref_tenaga_kerja_desa", "core.ref_non_asn", "core.ref_umk",
          "core.dim_month", "core.dim_company", "core.fct_participant_month",
          "core.fct_person_month", "core.fct_dana_desa_month", "core.fct_company_month",
          "core.fct_apbdes", "marts.mart_coverage", "marts.mart_village_official_coverage",
          "marts.mart_non_asn_coverage", "marts.mart_company_compliance",
          "marts.mart_dana_desa", "marts.mart_dana_desa_premi", "marts.alerts",
          "audit.reference_load"]
# when it ran, not what it holds
VOLATILE = {"loaded_at", "refreshed_at", "hours_since_load", "days_since_period_end"}

pytestmark = pytest.mark.skipif(not Path(build.dbt.executable()).exists()
                                and build.dbt.executable() != "dbt",
                                reason="no .venv-dbt (scripts/bootstrap.sh makes it)")


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dbt_lake")
    landing, lake, val = tmp / "landing", tmp / "lake", tmp / "val"
    generate(landing, MONTHS, participants=2500, seed=5)
    for f in sorted((landing / "reference").glob("*.csv")):
        reference.process(f, lake, val)
    for f in sorted((landing / "registry").glob("perusahaan_*.csv")):
        stamp = f.stem.removeprefix("perusahaan_")
        extract = tmp / "extracts" / f"{f.stem}.jsonl"
        write_jsonl(extract, read_csv(f))
        registry.process(extract, f"{stamp}T235959Z", lake, val)
    for f in sorted((landing / "enrollment").iterdir()):
        enrollment.process(f, lake, val, os.environ["UCJ_PSEUDONYM_KEY"])
    for f in sorted((landing / "village_budget").glob("apbdes_*.csv")):
        apbdes.process(f, lake, val)
    return lake


def _table(wh, table: str) -> pd.DataFrame:
    df = wh.query(f"SELECT * FROM {table}")
    df = df[[c for c in df.columns if c not in VOLATILE]]
    df = df.astype(object).where(df.notna(), None)
    return df.sort_values(list(df.columns), key=lambda c: c.astype(str)).reset_index(drop=True)


def _load(wh, lake: Path, refresh) -> None:
    for i, part in enumerate(wl.enrollment_partitions(lake)):  # as Airflow: a month a run
        refresh(wh, lake, [part], f"run-{i}")


@pytest.fixture(params=["duckdb", "postgres"])
def pair(request, tmp_path):
    from pg_helpers import scratch_database

    if request.param == "duckdb":
        a = warehouse.connect(f"duckdb:///{tmp_path / 'runner.duckdb'}")
        b = warehouse.connect(f"duckdb:///{tmp_path / 'dbt.duckdb'}")
        yield a, b
        a.close()
        b.close()
        return
    with scratch_database() as url_a, scratch_database() as url_b:
        a, b = warehouse.connect(url_a), warehouse.connect(url_b)
        yield a, b
        a.close()
        b.close()


def test_dbt_build_equals_the_sql_runner(pair, lake):
    runner, dbt_wh = pair
    _load(runner, lake, wl.refresh)
    _load(dbt_wh, lake, build.refresh)
    for table in TABLES:
        expected, got = _table(runner, table), _table(dbt_wh, table)
        assert len(got) == len(expected), table
        assert len(got) > 0 or table == "audit.reference_load", table
        pd.testing.assert_frame_equal(got[expected.columns], expected, check_dtype=False,
                                      obj=table)
    health = dbt_wh.query("SELECT * FROM marts.mart_pipeline_health")
    assert len(health) == len(runner.query("SELECT * FROM marts.mart_pipeline_health"))
    # a re-run with nothing new publishes the same warehouse
    before = {t: _table(dbt_wh, t) for t in TABLES}
    build.refresh(dbt_wh, lake, [], "again")
    for table in TABLES:
        pd.testing.assert_frame_equal(_table(dbt_wh, table), before[table], obj=table)
