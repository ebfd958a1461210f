"""Where a month's warehouse load spends its time: load a lake's enrollment months into a
fresh DuckDB warehouse and print each SQL file's seconds, staging the partition (and any
bulk insert), the whole refresh and closing the file. The timers are ``load_bench.py``'s.

    scripts/env.sh python benchmarks/load_breakdown.py WORK

WORK holds ``lake/`` (e.g. a scale folder of ``pipeline_bench.py --workdir``); the warehouse
is written to ``WORK/breakdown.duckdb``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from load_bench import FileTimes, instrumented
from ucj import warehouse
from ucj.warehouse import load as wl


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("work", type=Path)
    args = ap.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # progress shows as it happens, also in a log
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
    for name, seconds in sorted(times.seconds.items(), key=lambda kv: -kv[1]):
        if seconds >= 0.05:
            print(f"{seconds:8.2f} s  {name}")
    print(f"{refresh:8.2f} s  refresh in all\n{close:8.2f} s  closing the warehouse file")
    return 0


if __name__ == "__main__":
    sys.exit(main())
