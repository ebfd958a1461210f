"""Under the embedded default's LocalExecutor (``ucj.local_executor``) a task starts with Great
Expectations already imported: the scheduler imported it once, before forking the executor's
workers, which fork the tasks. It also finds the scheduler's warm dbt interpreter answering
(``ucj.warehouse.warm``), for its warehouse builds."""

from __future__ import annotations

import textwrap

import pytest
from pg_helpers import scratch_database
from reliability.airflow_stack import LocalStack

pytestmark = pytest.mark.e2e

PROBE_DAG = '''
"""What a task finds imported when it starts."""
import os
import socket
import sys
from datetime import datetime, timedelta
from pathlib import Path

from airflow.sdk import dag, task


# retried: on a loaded machine the api-server's first answer to a task can time out
@dag(dag_id="gx_probe", schedule="@once", start_date=datetime(2026, 1, 1), catchup=False,
     default_args={"retries": 2, "retry_delay": timedelta(seconds=5)})
def gx_probe():
    @task
    def probe():
        found = "great_expectations" in sys.modules
        warm = "cold"
        if os.environ.get("UCJ_DBT_WARM_SOCKET"):
            with socket.socket(socket.AF_UNIX) as conn:
                conn.connect(os.environ["UCJ_DBT_WARM_SOCKET"])
                warm = "warm"
        Path(os.environ["GX_PROBE_OUT"]).write_text(
            ("preloaded" if found else "absent") + " " + warm)

    probe()


gx_probe()
'''


def test_a_task_under_the_local_executor_starts_with_gx_imported_and_dbt_warm(tmp_path):
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "gx_probe.py").write_text(textwrap.dedent(PROBE_DAG))
    out = tmp_path / "probe.txt"
    env = {"AIRFLOW__CORE__DAGS_FOLDER": str(dags),
           "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False", "GX_PROBE_OUT": str(out)}
    with scratch_database() as metadata, LocalStack(tmp_path / "airflow", metadata, env) as stack:
        assert stack.env["AIRFLOW__CORE__EXECUTOR"] == "ucj.local_executor.PreloadLocalExecutor"
        stack.wait(lambda: out.exists() or None, 240, "the probe task")
    assert out.read_text() == "preloaded warm"
