"""One month through Airflow itself, as production runs it: the CeleryExecutor stack of
``ucj.stack`` (api-server, scheduler, dag-processor, triggerer, Celery workers) on PostgreSQL
metadata and Redis; ``ucj_enrollment``'s scheduled run takes the last complete month,
``ucj_warehouse`` is started by its asset event.

    scripts/env.sh python benchmarks/airflow_bench.py [--rows 500000] [--part-rows 125000]
        [--workers 1 2] [--without-preload] [--warehouse duckdb|postgres]

Each configuration gets a fresh metadata database, Redis database, lake and warehouse. Per
configuration it prints, from Airflow's metadata, each task's duration (a mapped task: how
many, the longest, the sum), each run's wall time, and the month end to end (the enrollment
run's start to the warehouse run's end) beside DuckDB's CSV -> Parquet copy of the same file
(the floor of ``pipeline_bench.py``). ``--workers 1 2``: one Celery worker with one task slot,
then two (the scale-out over Celery workers); ``--without-preload`` adds one worker without
``ucj.celery_config`` (each task imports Great Expectations itself). The month is the
generator's (``--rows`` rows, made once in ``--workdir``; beyond the district's 500,000
tiled as in ``pipeline_bench.py``, e.g. ``--rows 8000000`` for the province); ``--part-rows``
cuts it into the parts the mapped tasks take (``UCJ_PART_ROWS``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import date, timedelta
from pathlib import Path

import psycopg2
import redis
from pipeline_bench import BASE_ROWS, duckdb_copy, tile
from ucj.stack import Stack, StackConfig, scratch_database

# the month ucj_enrollment's scheduled run takes when unpaused: the last complete one
MONTH = (date.today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
DEFAULT_CELERY_CONFIG = "airflow.providers.celery.executors.default_celery.DEFAULT_CELERY_CONFIG"
TASKS = """SELECT task_id, start_date, end_date FROM task_instance
           WHERE dag_id = %s AND run_id = %s ORDER BY start_date"""


def month_landing(workdir: Path, rows: int) -> Path:
    """A landing zone with the month (and the generator's reference tables): generated up to
    the district's size, larger months tiled from it as ``pipeline_bench.py`` does."""
    from ucj_sample import generate

    name = f"kepesertaan_{MONTH.replace('-', '')}.csv"
    base = workdir / f"landing-{MONTH}-{min(rows, BASE_ROWS)}"
    if not (base / "enrollment" / name).exists():
        generate(base, [MONTH], min(rows, BASE_ROWS), seed=11)
    if rows <= BASE_ROWS:
        return base
    landing = workdir / f"landing-{MONTH}-{rows}"
    if not (landing / "enrollment" / name).exists():
        shutil.rmtree(landing, ignore_errors=True)
        shutil.copytree(base, landing, copy_function=os.link)
        (landing / "enrollment" / name).unlink()
        tile(base / "enrollment" / name, landing / "enrollment" / name, rows)
    return landing


def floor_seconds(csv: Path, out: Path) -> float:
    started = time.time()
    duckdb_copy(csv, out)
    return time.time() - started


def settled(stack: Stack, dag_id: str, successes: int) -> int | None:
    """The number of the DAG's runs once ``successes`` of them succeeded and none is still
    going."""
    states = stack.dag_run_states(dag_id) or []
    if "failed" in states:
        raise RuntimeError(f"{dag_id} failed: logs in {stack.cfg.home}")
    done = states.count("success") >= successes and not {"queued", "running"} & set(states)
    return len(states) if done else None


def run_month(stack: Stack, timeout: float) -> None:
    """Reference tables first (their warehouse run is not timed), then the month: unpausing
    the monthly ucj_enrollment starts its scheduled run for the last complete month."""
    stack.wait(lambda: stack.dag_run_states("ucj_warehouse"), 180, "DAG parsing", 1)
    for dag_id in ("ucj_reference", "ucj_warehouse"):
        stack.airflow("dags", "unpause", dag_id)
    stack.airflow("dags", "trigger", "ucj_reference")
    stack.wait(lambda: settled(stack, "ucj_reference", 1), timeout, "ucj_reference")
    before = stack.wait(lambda: settled(stack, "ucj_warehouse", 1), timeout,
                        "the reference's warehouse run")
    stack.airflow("dags", "unpause", "ucj_enrollment")
    stack.wait(lambda: settled(stack, "ucj_enrollment", 1), timeout, "ucj_enrollment")
    stack.wait(lambda: settled(stack, "ucj_warehouse", before + 1), timeout,
               "the month's warehouse run")


def report(meta_url: str) -> tuple[float, list[str]]:
    """(the month end to end in seconds, lines describing each run and task)."""
    lines = []
    with psycopg2.connect(meta_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT run_id, start_date, end_date FROM dag_run "
                    "WHERE dag_id = 'ucj_enrollment'")
        enrollment = cur.fetchone()
        cur.execute("SELECT run_id, start_date, end_date FROM dag_run "
                    "WHERE dag_id = 'ucj_warehouse' ORDER BY start_date DESC LIMIT 1")
        load = cur.fetchone()
        for dag_id, (run_id, start, end) in (("ucj_enrollment", enrollment),
                                             ("ucj_warehouse", load)):
            cur.execute(TASKS, (dag_id, run_id))
            instances = cur.fetchall()
            lines.append(f"  {dag_id:<16} run {(end - start).total_seconds():7.1f} s, a task "
                         f"running during {_covered(instances):.1f} s of it")
            lines += _task_lines(instances)
    return (load[2] - enrollment[1]).total_seconds(), lines


def _task_lines(instances: list[tuple]) -> list[str]:
    """Per task: its duration; a mapped task's number of instances, longest and sum."""
    by_task: dict[str, list[float]] = {}
    for task_id, start, end in instances:
        by_task.setdefault(task_id, []).append((end - start).total_seconds())
    lines = []
    for task_id, seconds in by_task.items():
        mapped = (f" x{len(seconds)}: longest {max(seconds):.1f} s, sum {sum(seconds):.1f} s"
                  if len(seconds) > 1 else f" {seconds[0]:.1f} s")
        lines.append(f"    {task_id:<18}{mapped}")
    return lines


def _covered(instances: list[tuple]) -> float:
    """Seconds during which at least one of the run's task instances was running (the rest
    of the run's wall time is Airflow scheduling and queueing them)."""
    covered, reach = 0.0, None
    for _, start, end in sorted(instances, key=lambda i: i[1]):
        if reach is None or start > reach:
            covered += (end - start).total_seconds()
            reach = end
        elif end > reach:
            covered += (end - reach).total_seconds()
            reach = end
    return covered


def _admin(url: str):
    conn = psycopg2.connect(url)
    conn.autocommit = True
    return conn


def bench(label: str, workers: int, preload: bool, args, landing: Path, floor: float) -> None:
    work = args.workdir / label
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(landing, work / "landing", copy_function=os.link)
    redis.Redis.from_url(args.broker).flushdb()  # no message left by an earlier run
    env = {"UCJ_LANDING_ZONE": str(work / "landing"), "UCJ_LAKE": str(work / "lake"),
           "UCJ_VALIDATION_DIR": str(work / "validation"),
           "UCJ_PSEUDONYM_KEY": "benchmark-secret", "UCJ_PART_ROWS": str(args.part_rows)}
    if not preload:
        env["AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS"] = DEFAULT_CELERY_CONFIG
    with ExitStack() as scratch:
        meta_url = scratch.enter_context(
            scratch_database(_admin(args.postgres), args.postgres, "ucj_bench"))
        warehouse_url = (
            scratch.enter_context(scratch_database(_admin(args.postgres), args.postgres,
                                                   "ucj_bench"))
            if args.warehouse == "postgres" else f"duckdb:///{work / 'warehouse.duckdb'}")
        cfg = StackConfig(meta_url, warehouse_url, args.broker, work / "airflow",
                          workers=workers, concurrency=1, extra_env=env)
        with Stack(cfg) as stack:
            run_month(stack, args.timeout)
        seconds, lines = report(meta_url)
    print(f"\n{label}: {workers} Celery worker(s), one task slot each, GX "
          f"{'preloaded by the worker' if preload else 'imported by each task'}", flush=True)
    print("\n".join(lines))
    print(f"  end to end {seconds:.1f} s = {seconds / floor:.1f} x the DuckDB copy floor "
          f"({floor:.1f} s)", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=500_000)
    ap.add_argument("--part-rows", type=int, default=125_000)
    ap.add_argument("--workers", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--without-preload", action="store_true",
                    help="also run one worker whose tasks import Great Expectations themselves")
    ap.add_argument("--warehouse", choices=["duckdb", "postgres"], default="duckdb")
    ap.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres",
                    help="a server where scratch databases may be created (admin URL)")
    ap.add_argument("--broker", default="redis://127.0.0.1:6379/12",
                    help="a Redis database the benchmark may empty")
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("--workdir", type=Path, help="default: a temporary folder")
    args = ap.parse_args()
    args.workdir = (args.workdir or Path(tempfile.mkdtemp(prefix="ucj-airflow-bench-"))).resolve()
    landing = month_landing(args.workdir, args.rows)
    csv = landing / "enrollment" / f"kepesertaan_{MONTH.replace('-', '')}.csv"
    floor = floor_seconds(csv, args.workdir / "floor.parquet")
    print(f"machine: {os.cpu_count()} cores; {args.rows:,} rows in parts of {args.part_rows:,}; "
          f"work folder {args.workdir}; DuckDB copy floor {floor:.1f} s", flush=True)
    configs = [(f"workers-{n}", n, True) for n in args.workers]
    if args.without_preload:
        configs.append((f"workers-{min(args.workers)}-no-preload", min(args.workers), False))
    for label, workers, preload in configs:
        bench(label, workers, preload, args, landing, floor)
    return 0


if __name__ == "__main__":
    sys.exit(main())
