"""Two Celery workers as on two hosts: each with its own home, working folder and temporary
folder, sharing nothing but the broker (Redis), the metadata database and the warehouse
(PostgreSQL scratch databases) and the landing zone and lake as URLs on an object store
(``s3://`` on moto's S3 server on loopback). The months are cut into parts, so one month's
parts are validated on both workers and committed on either. The marts equal those of a
single process running the same deliveries on a local lake."""

from __future__ import annotations

import os

import pandas as pd
import psycopg2
import pytest
from pg_helpers import scratch_database
from s3_helpers import new_bucket, s3_server
from test_distributed import all_succeeded, deliver_and_wait
from ucj import sources, warehouse
from ucj.io import lake as lk
from ucj.io import store
from ucj.pipeline import enrollment, reference
from ucj.stack import Stack, StackConfig
from ucj.warehouse import load as wl
from ucj_sample import generate

MONTHS = ["2026-01", "2026-02"]
MARTS = ["core.dim_month", "core.fct_participant_month", "core.fct_person_month",
         "marts.mart_coverage", "marts.mart_village_official_coverage",
         "marts.mart_non_asn_coverage", "audit.reference_load"]
VOLATILE = {"loaded_at", "refreshed_at", "hours_since_load", "days_since_period_end",
            "run_id", "last_run_id"}
PART_ROWS = 700  # 2000 participants a month: three parts or so, spread over the workers
pytestmark = pytest.mark.e2e


def _table(url: str, table: str) -> pd.DataFrame:
    from test_dbt_warehouse import _plain

    wh = warehouse.connect(url)
    try:
        df = wh.query(f"SELECT * FROM {table}")
    finally:
        wh.close()
    df = df[sorted(c for c in df.columns if c not in VOLATILE)]
    df = df.astype(object).where(df.notna(), None).apply(lambda c: c.map(_plain))
    return df.sort_values(list(df.columns), key=lambda c: c.astype(str)).reset_index(drop=True)


def retried_tasks(meta_url: str) -> list[tuple]:
    """Task instances of the test's runs that needed more than one try (the scheduled
    enrollment run for last month, whose file is never delivered, is not the test's)."""
    with psycopg2.connect(meta_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT ti.dag_id, ti.task_id, ti.map_index, ti.try_number "
                    "FROM task_instance ti JOIN dag_run r "
                    "  ON r.dag_id = ti.dag_id AND r.run_id = ti.run_id "
                    "WHERE r.run_type <> 'scheduled' AND ti.try_number > 1")
        return cur.fetchall()


def single_process(landing, tmp, url: str) -> None:
    """The same deliveries, one process, a local lake: what the marts should be."""
    lake, val = tmp / "lake", tmp / "validation"
    for f in sorted((landing / "reference").glob("*.csv")):
        reference.process(f, lake, val)
    for periode in MONTHS:
        f = landing / "enrollment" / f"kepesertaan_{periode.replace('-', '')}.csv"
        enrollment.process(f, lake, val, os.environ["UCJ_PSEUDONYM_KEY"])
    wh = warehouse.connect(url)
    try:
        wl.refresh(wh, lake, wl.enrollment_partitions(lake), "single")
    finally:
        wh.close()


def test_two_workers_sharing_only_broker_database_and_store(tmp_path):
    landing = tmp_path / "landing"
    generate(landing, MONTHS, 2000, seed=3)
    with s3_server() as aws, scratch_database() as meta_url, scratch_database() as wh_url, \
            scratch_database() as expected_url:
        bucket = new_bucket().removesuffix("/lake")
        fs, _ = store.fs_and_path(bucket)
        fs.put(f"{landing}/", bucket.removeprefix("s3://") + "/landing/", recursive=True)
        lake = store.location(f"{bucket}/lake")
        cfg = StackConfig(
            metadata_url=meta_url, warehouse_url=wh_url,
            broker_url="redis://127.0.0.1:6379/12", home=tmp_path / "airflow", workers=2,
            own_homes=True,
            extra_env={**aws, "UCJ_LANDING_ZONE": f"{bucket}/landing", "UCJ_LAKE": str(lake),
                       "UCJ_PART_ROWS": str(PART_ROWS),
                       "UCJ_PSEUDONYM_KEY": os.environ["UCJ_PSEUDONYM_KEY"]})
        with Stack(cfg) as stack:
            deliver_and_wait(stack, wh_url, MONTHS, 420)
            stack.wait(lambda: all_succeeded(stack, "ucj_reference", 1), 60, "reference run", 3)
            # every task of the runs went through on its first try, whichever worker took
            # it (a task needing what another host left on its disk would fail there first)
            retried = retried_tasks(meta_url)
            assert not retried, f"retried: {retried}; logs in {cfg.home}"
        single_process(landing, tmp_path / "single", expected_url)
        # both workers took tasks: each has task logs in its own home
        homes = [cfg.home / f"worker{i}" for i in (1, 2)]
        for home in homes:
            assert list((home / "airflow" / "logs").rglob("*.log")), f"no task ran in {home}"
        # the lake is on the store only: no worker kept a Parquet file of its own
        assert not [p for home in homes for p in home.rglob("*.parquet")]
        months = lk.source_partitions(lake, sources.ENROLLMENT)
        assert [v for v, _ in months] == MONTHS
        assert all(lk.read_manifest(p)["parts"] > 1 for _, p in months)
        for table in MARTS:
            expected, got = _table(expected_url, table), _table(wh_url, table)
            assert len(expected) > 0, table
            pd.testing.assert_frame_equal(got, expected, check_dtype=False, obj=table)
