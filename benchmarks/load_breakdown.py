"""Where a month's warehouse load spends its time: load a lake's enrollment months into a
fresh DuckDB warehouse and print each SQL file's seconds (from the load's own log lines),
staging the partition, the whole refresh and closing the file.

    scripts/env.sh python benchmarks/load_breakdown.py WORK

WORK holds ``lake/`` (e.g. a scale folder of ``pipeline_bench.py --workdir``); the warehouse
is written to ``WORK/breakdown.duckdb``.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections import Counter
from pathlib import Path

from ucj import warehouse
from ucj.warehouse import load as wl
from ucj.warehouse.duckdb_backend import DuckDBSession


class _FileTimes(logging.Handler):
    """Collects the ``<file>: <seconds> s`` lines ``Session.run_file`` logs."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.seconds: Counter = Counter()

    def emit(self, record):
        relpath, seconds = record.args
        self.seconds[relpath] += seconds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("work", type=Path)
    args = ap.parse_args()
    times = _FileTimes()
    logger = logging.getLogger("ucj.warehouse.base")
    logger.addHandler(times)
    logger.setLevel(logging.INFO)
    stage = DuckDBSession.stage_parquet
    staged = Counter()

    def timed_stage(self, table, path):
        started = time.perf_counter()
        try:
            return stage(self, table, path)
        finally:
            staged[f"stage_parquet {table}"] += time.perf_counter() - started

    DuckDBSession.stage_parquet = timed_stage
    path = args.work / "breakdown.duckdb"
    for old in args.work.glob("breakdown.duckdb*"):
        old.unlink()
    wh = warehouse.connect(f"duckdb:///{path}")
    partitions = wl.enrollment_partitions(args.work / "lake")
    started = time.perf_counter()
    wl.refresh(wh, args.work / "lake", partitions, "breakdown")
    refresh = time.perf_counter() - started
    started = time.perf_counter()
    wh.close()
    close = time.perf_counter() - started
    for name, seconds in sorted({**times.seconds, **staged}.items(), key=lambda kv: -kv[1]):
        if seconds >= 0.05:
            print(f"{seconds:8.2f} s  {name}")
    print(f"{refresh:8.2f} s  refresh in all\n{close:8.2f} s  closing the warehouse file")
    return 0


if __name__ == "__main__":
    sys.exit(main())
