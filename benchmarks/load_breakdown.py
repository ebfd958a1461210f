"""Where a warehouse load spends its time: load a lake's enrollment months into a fresh
DuckDB warehouse in one refresh and print the seconds of each phase (scope, staging the lake
partitions in the private build, dbt build, publish, alerts), of each dbt model (its
``execution_time`` in ``run_results.json``; the data tests summed, those of 0.3 s or more
also one by one), of the whole refresh and of closing the file, then the file's size.
The timers are ``load_bench.py``'s.

    scripts/env.sh python benchmarks/load_breakdown.py WORK

WORK holds ``lake/`` (e.g. a scale folder of ``pipeline_bench.py --workdir``); the warehouse
is written to ``WORK/breakdown.duckdb``, dbt's target folders to ``WORK/dbt`` (a first run
there pays dbt's full parse: it shows as the dbt process's time).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from load_bench import DBT, TESTS, TOP, FileTimes, instrumented, phases


def slow_tests(path: Path, at_least: float = 0.3) -> list[tuple[str, float]]:
    """The data tests of the last build of the warehouse at ``path`` that took ``at_least``
    seconds, slowest first (``run_results.json``): those that weigh in the sum."""
    from ucj.warehouse import build

    _, target = build.target_of(f"duckdb:///{path}")
    results = json.loads((target / "run_results.json").read_text())["results"]
    tests = [(r["unique_id"].split(".")[2], r.get("execution_time") or 0.0)
             for r in results if r["unique_id"].startswith("test.")]
    return sorted((t for t in tests if t[1] >= at_least), key=lambda t: -t[1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("work", type=Path)
    ap.add_argument("--warm-dbt", action="store_true",
                    help="build in a child of a warm dbt interpreter, as a worker's tasks do "
                         "(ucj.warehouse.warm; started before the timers, as by a worker)")
    args = ap.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # progress shows as it happens, also in a log
    os.environ.setdefault("UCJ_DBT_WORK_DIR", str(args.work / "dbt"))
    from ucj import warehouse
    from ucj.warehouse import load as wl

    if args.warm_dbt:
        from ucj.warehouse import dbt

        started = time.perf_counter()
        if dbt.start_warm() is None:
            print("the warm dbt interpreter did not start (its log says why)")
            return 1
        print(f"warm dbt interpreter started in {time.perf_counter() - started:.1f} s "
              "(once per worker)")

    path = args.work / "breakdown.duckdb"
    for old in args.work.glob("breakdown.duckdb*"):
        old.unlink()
    times = FileTimes()
    with instrumented(times):
        wh = warehouse.connect(f"duckdb:///{path}")
        partitions = wl.enrollment_partitions(args.work / "lake")
        started = time.perf_counter()
        print(f"loading {len(partitions)} month(s) into {path} ...")
        wl.refresh(wh, args.work / "lake", partitions, "breakdown")
        refresh = time.perf_counter() - started
        started = time.perf_counter()
        wh.close()
        close = time.perf_counter() - started
    seconds = phases(times, refresh)
    for label in TOP:
        print(f"{seconds.get(label, 0.0):8.2f} s  {label}")
        if label == DBT:
            nodes = {k: v for k, v in seconds.items() if k not in TOP}
            for name, t in sorted(nodes.items(), key=lambda kv: -kv[1]):
                if t >= 0.05:
                    print(f"{t:8.2f} s    {name}")
                if name == TESTS:
                    for test, took in slow_tests(path):
                        print(f"{took:8.2f} s      {test}")
    print(f"{refresh:8.2f} s  refresh in all\n{close:8.2f} s  closing the warehouse file")
    print(f"{path.stat().st_size / 2**20:8.0f} MB the warehouse file")
    return 0


if __name__ == "__main__":
    sys.exit(main())
