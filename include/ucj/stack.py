"""Production mode without Docker: the Airflow 3 processes with CeleryExecutor on this machine.

    scripts/env.sh python -m ucj.stack --metadata postgresql://airflow@127.0.0.1/airflow \\
        --warehouse postgresql://ucj@127.0.0.1/ucj_warehouse --broker redis://127.0.0.1:6379/0

starts an api-server, a scheduler, a dag-processor, a triggerer and Celery workers against
PostgreSQL (metadata), Redis (broker) and the warehouse, as docker-compose.yml does with
containers. The end-to-end distributed test drives this same class.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def url_for(database: str, base: str, user: str | None = None) -> str:
    """``base`` (a postgresql:// URL) with another database (and user, password dropped)."""
    parts = urlsplit(base)
    netloc = parts.netloc
    if user is not None:
        netloc = f"{user}@{netloc.rsplit('@', 1)[-1]}"
    return urlunsplit(parts._replace(netloc=netloc, path=f"/{database}"))


@contextmanager
def scratch_database(admin, admin_url: str, prefix: str) -> Iterator[str]:
    """Create ``<prefix>_<random>`` through ``admin`` (an autocommit psycopg2 connection to
    ``admin_url``'s server), yield its URL, drop it and its sessions, close ``admin``."""
    from psycopg2 import sql

    name = f"{prefix}_{secrets.token_hex(6)}"
    try:
        with admin.cursor() as cur:
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield url_for(name, admin_url)
        finally:
            with admin.cursor() as cur:
                cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                            .format(sql.Identifier(name)))
    finally:
        admin.close()


def _sqlalchemy(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg2://", 1)


@dataclass
class StackConfig:
    metadata_url: str  # postgresql://... (Airflow metadata)
    warehouse_url: str  # postgresql://... or duckdb:///... (the ucj_warehouse connection)
    broker_url: str  # redis://127.0.0.1:6379/N
    home: Path  # AIRFLOW_HOME: logs, pid files
    workers: int = 1
    concurrency: int = 2
    api_port: int = field(default_factory=free_port)
    extra_env: dict = field(default_factory=dict)
    # Each worker as on a host of its own: its own HOME, AIRFLOW_HOME (task logs), UCJ_HOME
    # (validation reports, dbt's work folder), TMPDIR and working folder under
    # ``home/worker<i>``, so that the workers share only what the deployment shares (broker,
    # metadata database, warehouse, and a lake and landing zone given as URLs).
    own_homes: bool = False
    worker_env: list[dict] = field(default_factory=list)  # worker i: worker_env[i - 1], on top

    def worker(self, i: int) -> tuple[dict, Path | None]:
        """Worker ``i``'s environment and working folder (None: this process's)."""
        env = self.env()
        cwd = None
        if self.own_homes:
            cwd = self.home / f"worker{i}"
            for sub in ("airflow", "ucj", "tmp"):
                (cwd / sub).mkdir(parents=True, exist_ok=True, mode=0o700)
            env.update({"HOME": str(cwd), "AIRFLOW_HOME": str(cwd / "airflow"),
                        "UCJ_HOME": str(cwd / "ucj"), "TMPDIR": str(cwd / "tmp")})
        if i <= len(self.worker_env):
            env.update(self.worker_env[i - 1])
        return env, cwd

    def env(self) -> dict:
        meta = _sqlalchemy(self.metadata_url)
        env = {
            **os.environ,
            "AIRFLOW_HOME": str(self.home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": meta,
            "AIRFLOW__CELERY__BROKER_URL": self.broker_url,
            "AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS": "ucj.celery_config.CELERY_CONFIG",
            "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + meta,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL":
                f"http://127.0.0.1:{self.api_port}/execution/",
            "AIRFLOW__API__PORT": str(self.api_port),
            "AIRFLOW__API_AUTH__JWT_SECRET": os.environ.get("AIRFLOW__API_AUTH__JWT_SECRET",
                                                            secrets.token_urlsafe(32)),
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "10",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
            "AIRFLOW_CONN_UCJ_WAREHOUSE": self.warehouse_url,
            **self.extra_env,
        }
        env.pop("AIRFLOW__CORE__UNIT_TEST_MODE", None)
        return env


class Processes:
    """Airflow processes started from one environment, each with its own log file under
    ``home``, stopped by their process groups. :class:`Stack` and the reliability tests'
    LocalExecutor stack say which processes to start."""

    def __init__(self, home: Path, env: dict, api_port: int):
        self.home = home
        self.env = env
        self.api_port = api_port
        self.procs: dict[str, subprocess.Popen] = {}
        home.mkdir(parents=True, exist_ok=True)

    def start(self) -> Processes:
        raise NotImplementedError

    def airflow(self, *args: str, check: bool = True, timeout: float = 300) -> str:
        out = subprocess.run([sys.executable, "-m", "airflow", *args], env=self.env,
                             capture_output=True, text=True, timeout=timeout)
        if check and out.returncode != 0:
            raise RuntimeError(f"airflow {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
        return out.stdout

    def _spawn(self, name: str, *args: str, env: dict | None = None,
               cwd: Path | None = None) -> None:
        log = open(self.home / f"{name}.log", "ab")  # noqa: SIM115 - owned by the child
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", "airflow", *args], env=env or self.env, cwd=cwd, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True)

    def wait(self, predicate, timeout: float, what: str, every: float = 1.0):
        """``predicate()``'s first value that is not None, checking the processes live."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            self.check_alive()
            if (value := predicate()) is not None:
                return value
            time.sleep(every)
        raise TimeoutError(f"{what} did not happen in {timeout}s; logs in {self.home}")

    def wait_healthy(self, timeout: float = 120) -> None:
        self.wait(self._healthy, timeout, "api-server health")

    def _healthy(self) -> bool | None:
        url = f"http://127.0.0.1:{self.api_port}/api/v2/monitor/health"
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                return True if resp.status == 200 else None
        except OSError:
            return None

    def check_alive(self) -> None:
        dead = {n: p.returncode for n, p in self.procs.items() if p.poll() is not None}
        if dead:
            raise RuntimeError(f"Airflow process(es) exited: {dead}; logs in {self.home}")

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)  # the process group this stack started
        deadline = time.time() + 30
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()


class Stack(Processes):
    """The CeleryExecutor deployment: api-server, scheduler, dag-processor, triggerer and
    Celery workers."""

    def __init__(self, cfg: StackConfig):
        super().__init__(cfg.home, cfg.env(), cfg.api_port)
        self.cfg = cfg

    def dag_run_states(self, dag_id: str, run_type: str | None = None) -> list[str] | None:
        """The states of the DAG's runs (of ``run_type`` only: ``manual``, ``scheduled``,
        ...); None while the DAG is not parsed yet. Read from the metadata database: an
        ``airflow`` CLI call every few seconds would import Airflow each time, seconds of CPU
        taken from the tasks being watched."""
        import psycopg2

        with closing(psycopg2.connect(self.cfg.metadata_url)) as conn, conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM dag WHERE dag_id = %s", (dag_id,))
            if not cur.fetchone()[0]:
                return None
            cur.execute("SELECT state FROM dag_run WHERE dag_id = %s "
                        "AND (%s IS NULL OR run_type = %s)", (dag_id, run_type, run_type))
            return [state for (state,) in cur.fetchall()]

    def start(self) -> Stack:
        self.airflow("db", "migrate")
        self._spawn("api-server", "api-server", "--port", str(self.cfg.api_port))
        self._spawn("scheduler", "scheduler")
        self._spawn("dag-processor", "dag-processor")
        self._spawn("triggerer", "triggerer")
        for i in range(1, self.cfg.workers + 1):
            env, cwd = self.cfg.worker(i)
            self._spawn(f"worker{i}", "celery", "worker", "--concurrency",
                        str(self.cfg.concurrency), "--celery-hostname", f"ucj-worker{i}@%h",
                        "--skip-serve-logs", env=env, cwd=cwd)
        self.wait_healthy()
        return self


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--metadata", required=True, help="PostgreSQL URL of Airflow's metadata")
    ap.add_argument("--warehouse", required=True, help="warehouse URL (connection ucj_warehouse)")
    ap.add_argument("--broker", default="redis://127.0.0.1:6379/0")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--concurrency", type=int, default=2)
    ap.add_argument("--home", default=os.environ.get("AIRFLOW_HOME", ".local/airflow-celery"))
    ap.add_argument("--port", type=int, default=8080)
    args = ap.parse_args(argv)
    cfg = StackConfig(args.metadata, args.warehouse, args.broker, Path(args.home).resolve(),
                      args.workers, args.concurrency, args.port)
    with Stack(cfg) as stack:
        print(f"Airflow UI/API on http://127.0.0.1:{cfg.api_port} (logs in {cfg.home}); "
              "Ctrl-C stops", flush=True)
        try:
            while True:
                time.sleep(5)
                stack.check_alive()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
