"""A throw-away Airflow 3 deployment for one test: api-server, scheduler and dag-processor with
the LocalExecutor on a scratch PostgreSQL metadata database, started as real processes and
stopped (by their own process ids) when the test ends."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalStack:
    def __init__(self, home: Path, metadata_url: str, extra_env: dict):
        self.home = home
        self.metadata_url = metadata_url
        self.port = free_port()
        self.env = {
            **os.environ,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN":
                metadata_url.replace("postgresql://", "postgresql+psycopg2://", 1),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL":
                f"http://127.0.0.1:{self.port}/execution/",
            "AIRFLOW__API__PORT": str(self.port),
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "5",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
            "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": "120",
            **extra_env,
        }
        for key in ("AIRFLOW__CORE__UNIT_TEST_MODE", "PYTEST_CURRENT_TEST"):
            self.env.pop(key, None)
        self.procs: dict[str, subprocess.Popen] = {}
        home.mkdir(parents=True, exist_ok=True)

    def airflow(self, *args: str, check: bool = True, timeout: float = 120) -> str:
        out = subprocess.run([sys.executable, "-m", "airflow", *args], env=self.env,
                             capture_output=True, text=True, timeout=timeout)
        if check and out.returncode != 0:
            raise RuntimeError(f"airflow {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
        return out.stdout

    def _spawn(self, name: str, *args: str) -> None:
        log = open(self.home / f"{name}.log", "ab")  # noqa: SIM115 - owned by the child
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", "airflow", *args], env=self.env, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True)

    def start(self) -> LocalStack:
        self.airflow("db", "migrate", timeout=180)
        self._spawn("api-server", "api-server", "--port", str(self.port))
        self._spawn("dag-processor", "dag-processor")
        self._spawn("scheduler", "scheduler")
        self.wait(self._healthy, 90, "api-server health")
        return self

    def _healthy(self):
        try:
            with urllib.request.urlopen(
                    f"http://127.0.0.1:{self.port}/api/v2/monitor/health", timeout=2) as resp:
                return True if resp.status == 200 else None
        except OSError:
            return None

    def check_alive(self) -> None:
        dead = {n: p.returncode for n, p in self.procs.items() if p.poll() is not None}
        if dead:
            raise RuntimeError(f"Airflow process(es) exited: {dead}; logs in {self.home}")

    def wait(self, predicate, timeout: float, what: str, every: float = 1.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            self.check_alive()
            if (value := predicate()) is not None:
                return value
            time.sleep(every)
        raise TimeoutError(f"{what} did not happen in {timeout}s; logs in {self.home}")

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

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)  # the process group this stack started
        deadline = time.time() + 20
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def __enter__(self) -> LocalStack:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()
