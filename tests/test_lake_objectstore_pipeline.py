"""The whole pipeline with its lake on an object store (``s3://`` on moto's S3 server on
loopback) gives what it gives with a local lake: the same partitions, rows and quarantine
(raw copies, enrollment parts staged on the store, the registry's watermark there), the same
quarantine view, and the same warehouse, staged by DuckDB (files fetched into the run's
scratch folder) and by PostgreSQL (streamed from the store)."""

from __future__ import annotations

import os

import pandas as pd
import pytest
from s3_helpers import new_bucket, s3_server
from ucj import quarantine_view, sources, warehouse
from ucj.io import lake as lk
from ucj.io import landing, store
from ucj.pipeline import apbdes, enrollment, reference, registry
from ucj.registry.records import read_csv, write_jsonl
from ucj.registry.watermark import read_watermark, write_claim
from ucj.warehouse import load as wl
from ucj_sample import generate

MONTHS = ["2026-01", "2026-02"]
MARTS = ["core.dim_month", "core.fct_participant_month", "core.dim_company",
         "marts.mart_coverage", "marts.mart_company_compliance",
         "marts.mart_village_official_coverage", "marts.mart_dana_desa",
         "audit.reference_load"]
VOLATILE = {"loaded_at", "refreshed_at", "hours_since_load", "days_since_period_end",
            "run_id", "last_run_id"}


@pytest.fixture(scope="module")
def s3():
    with s3_server() as env:
        yield env


def fill(landing_zone, lake, val) -> None:
    """Every source's deliveries through the raw zone into ``lake``, as the DAGs do."""
    def raw(source, path, value):
        return landing.copy_to_raw(str(landing_zone), str(path),
                                   lk.raw_dir(lake, source, value))["path"]

    for f in sorted((landing_zone / "reference").glob("*.csv")):
        table = reference.source_for(f.name)
        reference.process(raw(table, f, table.partition_of(f.name)), lake, val)
    for f in sorted((landing_zone / "registry").glob("perusahaan_*.csv")):
        # as the API client leaves it: the extract and its claim in the lake's raw zone
        state = lk.extract_state_dir(lake, sources.REGISTRY)
        extract = lk.extracts_dir(lake, sources.REGISTRY) / f"{f.stem}.jsonl"
        write_jsonl(extract, read_csv(f))
        write_claim(extract, state, read_watermark(state))
        result = registry.process(extract, f"{f.stem.removeprefix('perusahaan_')}T235959Z",
                                  lake, val)
        assert result["watermark"] == read_watermark(state).updated_at is not None
    for f in sorted((landing_zone / "enrollment").iterdir()):
        periode = enrollment.contract.periode_of_file(f.name)
        enrollment.process(raw(sources.ENROLLMENT, f, periode), lake, val,
                           os.environ["UCJ_PSEUDONYM_KEY"], part_rows=700, chunk_rows=300)
    for f in sorted((landing_zone / "village_budget").glob("apbdes_*.csv")):
        apbdes.process(raw(sources.VILLAGE_BUDGET, f, sources.VILLAGE_BUDGET.partition_of(
            f.name)), lake, val)


@pytest.fixture(scope="module")
def lakes(s3, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("store_lake")
    generate(tmp / "landing", MONTHS, participants=1000, seed=11)
    local, remote = tmp / "lake", store.location(new_bucket())
    fill(tmp / "landing", local, tmp / "val_local")
    fill(tmp / "landing", remote, tmp / "val_remote")
    return local, remote


def datasets() -> list[tuple[str, str]]:
    return [(d, s.partition_key) for s in sources.SOURCES
            for d in (s.name, lk.quarantine_dataset(s.name))]


def rows(partition) -> pd.DataFrame:
    frame = pd.concat([lk.read_table(f).to_pandas() for f in lk.data_files(partition)])
    frame = frame.drop(columns=["quarantined_at"], errors="ignore")
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def test_the_store_holds_the_partitions_a_local_lake_holds(lakes):
    local, remote = lakes
    for dataset, key in datasets():
        here = lk.committed_partitions(local, dataset, key)
        there = lk.committed_partitions(remote, dataset, key)
        assert [v for v, _ in here] == [v for v, _ in there], dataset
        assert there or dataset.startswith(lk.QUARANTINE), dataset
        for (_, a), (_, b) in zip(here, there, strict=True):
            assert str(b).startswith("s3://")
            pd.testing.assert_frame_equal(rows(a), rows(b), obj=str(b))
            counts = ("rows_read", "rows_valid", "rows_quarantined", "rule_counts")
            assert {k: lk.read_manifest(a).get(k) for k in counts} == \
                   {k: lk.read_manifest(b).get(k) for k in counts}
    # the months were validated in parts on the store: one file per part, staging gone
    months = lk.source_partitions(remote, sources.ENROLLMENT)
    assert all(lk.read_manifest(p)["parts"] > 1 for _, p in months)
    fs, prefix = store.fs_and_path(remote)
    assert not fs.find(f"{prefix}/{lk.STAGING}")
    # raw copies under their content's hash, as locally
    raw_here = sorted(p.relative_to(local).as_posix() for p in (local / lk.RAW).rglob("*.csv"))
    raw_there = sorted(k[len(prefix) + 1:] for k in fs.find(f"{prefix}/{lk.RAW}")
                       if k.endswith(".csv"))
    assert raw_here == raw_there and raw_here


def test_the_quarantine_view_reads_the_store(lakes):
    local, remote = lakes
    here = quarantine_view.query(local, "enrollment")
    there = quarantine_view.query(remote, "enrollment")
    assert len(there) > 0
    pd.testing.assert_frame_equal(here, there)
    pd.testing.assert_frame_equal(quarantine_view.rows(local, "enrollment", partition="2026-02"),
                                  quarantine_view.rows(remote, "enrollment",
                                                       partition="2026-02"))


def _table(wh, table: str) -> pd.DataFrame:
    """The table in one form for either backend (as tests/test_dbt_warehouse.py compares)."""
    from test_dbt_warehouse import _plain

    df = wh.query(f"SELECT * FROM {table}")
    df = df[sorted(c for c in df.columns if c not in VOLATILE)]
    df = df.astype(object).where(df.notna(), None).apply(lambda c: c.map(_plain))
    return df.sort_values(list(df.columns), key=lambda c: c.astype(str)).reset_index(drop=True)


def _loaded(url: str, lake) -> dict:
    wh = warehouse.connect(url)
    try:
        wl.refresh(wh, lake, wl.enrollment_partitions(lake), "run-1")
        return {t: _table(wh, t) for t in MARTS}
    finally:
        wh.close()


def test_the_warehouse_from_the_store_equals_the_one_from_a_local_lake(lakes, tmp_path):
    from pg_helpers import scratch_database

    local, remote = lakes
    expected = _loaded(f"duckdb:///{tmp_path / 'local.duckdb'}", local)
    got = _loaded(f"duckdb:///{tmp_path / 'remote.duckdb'}", remote)
    with scratch_database() as url:
        pg = _loaded(url, remote)
    for table in MARTS:
        assert len(expected[table]) > 0, table
        pd.testing.assert_frame_equal(got[table], expected[table], obj=table)
        pd.testing.assert_frame_equal(pg[table], expected[table], check_dtype=False, obj=table)
