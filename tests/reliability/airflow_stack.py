"""A throw-away Airflow 3 deployment for one test: api-server, scheduler and dag-processor with
the embedded default's LocalExecutor (``ucj.local_executor``) on a scratch PostgreSQL metadata
database, started as real processes and stopped (by their own process ids) when the test
ends."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from ucj.stack import ROOT, Processes, free_port


class LocalStack(Processes):
    def __init__(self, home: Path, metadata_url: str, extra_env: dict):
        self.metadata_url = metadata_url
        port = free_port()
        env = {
            **os.environ,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "ucj.local_executor.PreloadLocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN":
                metadata_url.replace("postgresql://", "postgresql+psycopg2://", 1),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "5",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
            "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": "120",
            **extra_env,
        }
        for key in ("AIRFLOW__CORE__UNIT_TEST_MODE", "PYTEST_CURRENT_TEST"):
            env.pop(key, None)
        super().__init__(home, env, port)

    def start(self) -> LocalStack:
        self.airflow("db", "migrate", timeout=180)
        self._spawn("api-server", "api-server", "--port", str(self.api_port))
        self._spawn("dag-processor", "dag-processor")
        self._spawn("scheduler", "scheduler")
        self.wait_healthy(90)
        return self

    def _sql(self, statement: str, params: tuple = ()) -> list[dict]:
        """A statement on the metadata database (polling without a CLI start-up each time)."""
        import psycopg2

        conn = psycopg2.connect(self.metadata_url)
        try:
            with conn, conn.cursor() as cur:
                cur.execute(statement, params)
                if cur.description is None:
                    return []
                names = [d.name for d in cur.description]
                return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        finally:
            conn.close()

    def runs(self, dag_id: str) -> list[dict]:
        return self._sql("SELECT run_id, run_type, state, logical_date, data_interval_start "
                         "FROM dag_run WHERE dag_id = %s ORDER BY logical_date", (dag_id,))

    def dag_ids(self) -> set[str]:
        return {r["dag_id"] for r in self._sql("SELECT dag_id FROM dag WHERE NOT is_stale")}

    def set_paused(self, dag_id: str, paused: bool) -> None:
        """What ``airflow dags pause/unpause`` does (DagModel.is_paused), without its start-up."""
        self._sql("UPDATE dag SET is_paused = %s WHERE dag_id = %s", (paused, dag_id))
