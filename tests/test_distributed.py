"""A real distributed run: api-server, scheduler, dag-processor, triggerer and a Celery worker
on PostgreSQL (metadata and warehouse) and Redis; the warehouse DAG is started by the assets
the producer DAGs publish, not by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import psycopg2
import pytest
from pg_helpers import scratch_database
from ucj import warehouse
from ucj.stack import Stack, StackConfig
from ucj_sample import generate

MONTHS = ["2026-01", "2026-02"]
pytestmark = pytest.mark.e2e


def all_succeeded(stack: Stack, dag_id: str, count: int):
    # Unpausing ucj_enrollment also starts its scheduled run for last month, whose file this
    # test does not deliver: it fails (after its retries), as it should. The test's runs are
    # the manual ones.
    states = stack.dag_run_states(dag_id, "manual") or []
    if "failed" in states:
        raise AssertionError(f"{dag_id} failed: logs in {stack.cfg.home}")
    return True if states.count("success") >= count else None


def marts_have(wh_url: str, months: list[str]):
    try:
        wh = warehouse.connect(wh_url)
    except Exception:  # noqa: BLE001 - not created yet
        return None
    try:
        got = wh.query("SELECT DISTINCT periode FROM marts.mart_coverage")
    except Exception:  # noqa: BLE001 - schema not built yet
        return None
    finally:
        wh.close()
    return True if set(months) <= set(got["periode"]) else None


def deliver_and_wait(stack: Stack, wh_url: str, months: list[str], timeout: float) -> None:
    """Once the DAGs are parsed: unpause them, run the references and one enrollment run per
    month, and wait for those runs and for the warehouse runs their assets start to fill the
    marts."""
    stack.wait(lambda: stack.dag_run_states("ucj_warehouse"), 120, "DAG parsing", 3)
    for dag_id in ("ucj_reference", "ucj_enrollment", "ucj_warehouse"):
        stack.airflow("dags", "unpause", dag_id)
    stack.airflow("dags", "trigger", "ucj_reference")
    for periode in months:
        stack.airflow("dags", "trigger", "ucj_enrollment", "--conf",
                      json.dumps({"periode": periode}))
    stack.wait(lambda: all_succeeded(stack, "ucj_enrollment", len(months)), timeout,
               "enrollment runs", 3)
    stack.wait(lambda: marts_have(wh_url, months), timeout, "asset-triggered warehouse runs", 3)


def test_celery_stack_runs_the_dags_and_fills_postgres(tmp_path):
    generate(tmp_path / "landing", MONTHS, 2000, seed=3)
    with scratch_database() as meta_url, scratch_database() as wh_url:
        cfg = StackConfig(
            metadata_url=meta_url, warehouse_url=wh_url,
            broker_url="redis://127.0.0.1:6379/11", home=tmp_path / "airflow", workers=1,
            extra_env={"UCJ_LANDING_ZONE": str(tmp_path / "landing"),
                       "UCJ_LAKE": str(tmp_path / "lake"),
                       "UCJ_VALIDATION_DIR": str(tmp_path / "validation"),
                       "UCJ_PSEUDONYM_KEY": "distributed-test-secret"})
        with Stack(cfg) as stack:
            deliver_and_wait(stack, wh_url, MONTHS, 300)
            # The worker imported Great Expectations when it started (ucj.celery_config), so
            # the tasks it forks do not: GX's compiled dependencies are mapped in it (pure
            # Python modules are not, and Airflow itself does not load scipy).
            worker = stack.procs["worker1"].pid
            children = Path(f"/proc/{worker}/task/{worker}/children").read_text().split()
            # Celery's pool processes: each ran Airflow's task supervisor, which forks the task
            pool = [pid for pid in children
                    if Path(f"/proc/{pid}/cmdline").read_text().startswith("airflow supervisor")]
            assert pool
            for pid in [worker, *pool]:
                assert "/scipy/" in Path(f"/proc/{pid}/maps").read_text()
            # and started dbt's interpreter, warm, for the warehouse builds (worker_init)
            assert any(b"warm_server.py" in Path(f"/proc/{pid}/cmdline").read_bytes()
                       for pid in children)
        # the warehouse builds ran in it (ucj.warehouse.dbt logs which way each build ran)
        logs = [p.read_text(errors="replace") for p in (tmp_path / "airflow").rglob("*.log")]
        assert any("dbt build" in text and "(warm interpreter)" in text for text in logs)
        with psycopg2.connect(meta_url) as conn, conn.cursor() as cur:
            cur.execute("SELECT run_type, state FROM dag_run WHERE dag_id = 'ucj_warehouse'")
            wh_runs = cur.fetchall()
        # Nobody triggered the warehouse: the producers' asset events did.
        assert wh_runs and {r[0] for r in wh_runs} == {"asset_triggered"}

        wh = warehouse.connect(wh_url)
        try:
            audit = wh.query("SELECT * FROM audit.run_audit WHERE source = 'enrollment'")
            kab = wh.query("SELECT periode, peserta_aktif FROM marts.mart_coverage "
                           "WHERE tingkat = 'kabupaten' ORDER BY periode")
        finally:
            wh.close()
    assert sorted(set(audit["partition_value"])) == MONTHS
    assert (audit["rows_read"] == audit["rows_valid"] + audit["rows_quarantined"]).all()
    lake = pd.read_parquet(tmp_path / "lake" / "enrollment" / f"periode={MONTHS[-1]}")
    active = lake[lake["is_active"]]["person_key"].nunique()
    assert kab["periode"].tolist() == MONTHS
    assert kab["peserta_aktif"].iloc[-1] == active
