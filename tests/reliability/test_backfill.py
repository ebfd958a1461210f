"""A backfill of several months with Airflow's own backfill (``airflow backfill create``, run by
a real scheduler with the LocalExecutor) gives the same lake and warehouse as running the
months one by one with ``dag.test``.

``ucj_enrollment`` is ``@monthly`` with ``catchup=False``; a backfill run fired at the start
of a month covers the month that just ended (``ucj.periods.for_run``). The stack's
scheduler is told not to create scheduled runs (``use_job_schedule = False``), so only the
backfill's runs happen; the
warehouse DAG stays paused there and the warehouse of both lakes is built the same way."""

from __future__ import annotations

import shutil
import threading

import pandas as pd
import pytest
from pg_helpers import scratch_database
from ucj import periods

from reliability.airflow_stack import LocalStack
from reliability.helpers import (
    Env,
    checksums,
    enrollment_file,
    load,
    month_rows,
    process_reference,
    row,
    write_reference,
)

MONTHS = ["2026-01", "2026-02", "2026-03"]
pytestmark = pytest.mark.e2e


def deliver(env: Env) -> None:
    write_reference(env)
    for i, periode in enumerate(MONTHS):
        rows = month_rows(periode, 25 + 5 * i, salt=i)
        rows.append(row(periode=periode, kpj="00000000999", upah="0"))  # one quarantined
        enrollment_file(env, periode, rows)


def lake_months(env: Env) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    out = {}
    for periode in MONTHS:
        # a partition is a folder of Parquet files (one per part)
        valid = pd.read_parquet(env.lake / "enrollment" / f"periode={periode}")
        bad = pd.read_parquet(env.lake / "quarantine" / "enrollment" / f"periode={periode}")
        out[periode] = (valid.sort_values("kpj").reset_index(drop=True),
                        bad.sort_values("row_number").reset_index(drop=True))
    return out


def test_airflow_backfill_equals_one_by_one_runs(tmp_path, dagbag, airflow_db, monkeypatch):
    import os

    one, back = Env.under(tmp_path / "one_by_one"), Env.under(tmp_path / "backfill")
    deliver(one)
    shutil.copytree(one.landing, back.landing, dirs_exist_ok=True)

    # The backfill's Airflow starts, parses and runs while the one-by-one runs go (each side
    # has its own lake; both take a while, so they overlap).
    stack_env = {**back.environ(), "UCJ_PSEUDONYM_KEY": os.environ["UCJ_PSEUDONYM_KEY"],
                 "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False"}
    with scratch_database() as metadata:
        stack = LocalStack(tmp_path / "airflow", metadata, stack_env)
        outcome: list = []
        boot = threading.Thread(target=lambda: outcome.append(_backfill(stack)), daemon=True)
        boot.start()
        try:
            for key, value in one.environ().items():
                monkeypatch.setenv(key, value)
            process_reference(one)  # the reference tables are not what is compared here
            for periode in MONTHS:
                assert _ok(dagbag.dags["ucj_enrollment"].test(run_conf={"periode": periode}))
            boot.join(timeout=170)
            assert outcome and not isinstance(outcome[0], BaseException), outcome
            runs = stack.wait(lambda: _backfill_done(stack), 150, "backfill runs", every=2)
        finally:
            stack.stop()
    assert [r["run_type"] for r in runs] == ["backfill"] * 3
    assert sorted(p.name for p in (back.lake / "enrollment").iterdir()) == [
        f"periode={m}" for m in MONTHS]

    # the same lake, month by month (valid rows and quarantine)
    a, b = lake_months(one), lake_months(back)
    for periode in MONTHS:
        pd.testing.assert_frame_equal(a[periode][0], b[periode][0])
        pd.testing.assert_frame_equal(a[periode][1], b[periode][1])

    # and the same warehouse, table by table, built the same way from either lake
    shutil.copytree(one.lake / "reference", back.lake / "reference")  # same reference files
    load(one, MONTHS, run_id="one-by-one")
    load(back, MONTHS, run_id="backfill")
    assert checksums(one.warehouse_url) == checksums(back.warehouse_url)


def _backfill(stack: LocalStack):
    """Start the stack, wait for the DAG to be parsed, create the backfill (Airflow's CLI)."""
    try:
        stack.start()
        stack.wait(lambda: _parsed(stack), 90, "DAG parsing")
        stack.set_paused("ucj_enrollment", False)  # backfill runs start on unpaused DAGs
        return stack.airflow("backfill", "create", "--dag-id", "ucj_enrollment",
                             "--from-date", f"{periods.shift(MONTHS[0], 1)}-01",
                             "--to-date", f"{periods.shift(MONTHS[-1], 1)}-01")
    except BaseException as exc:  # noqa: BLE001 - reported by the test thread
        return exc


def _ok(run) -> bool:
    return str(run.state).endswith("success")


def _parsed(stack: LocalStack):
    return True if stack.dag_ids() >= {"ucj_enrollment"} else None


def _backfill_done(stack: LocalStack):
    runs = [r for r in stack.runs("ucj_enrollment")]
    states = [r["state"] for r in runs]
    if "failed" in states:
        raise AssertionError(f"a backfill run failed: {runs}; logs in {stack.home}")
    return runs if len(runs) == len(MONTHS) and set(states) == {"success"} else None
