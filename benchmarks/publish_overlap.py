"""Would the publish pay to run beside the dbt build? The largest part of the publish is
writing the month's participants into the warehouse (a province month: about 7 s of 10 s,
``load_breakdown.py``), and that write reads the lake only: it could start as the build
starts, in dbt's own process (the one that holds the warehouse then). This measures what it
would save before anyone builds it.

    scripts/env.sh python benchmarks/publish_overlap.py WORK [--pairs 2]

WORK holds ``lake/`` (as for ``load_breakdown.py``). Each pair loads the lake's months into a
fresh DuckDB warehouse (``ucj.warehouse.load.refresh``, dbt kept warm as by a worker) twice:
alone, and beside a process that writes the same months' participants from the lake into a
scratch DuckDB file (every lake column, the publish's write), started with the refresh; then
that write alone. It prints the ``dbt build`` seconds alone and beside the write, the write's
seconds alone and beside, and the two run one after the other against side by side (the
later end of the two). Where the build already keeps every core busy, side by side only
shares the cores: the sum stays, and publishing beside the build would not shorten the load.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from load_bench import DBT, FileTimes, instrumented, phases

WRITE = r"""
import sys, time
import duckdb
out, files = sys.argv[1], sys.argv[2:]
con = duckdb.connect(out, config={"memory_limit": "1.6GB"})  # the build's cap
started = time.perf_counter()
con.execute("CREATE TABLE participants AS SELECT * FROM read_parquet($files, "
            "hive_partitioning = false)", {"files": files})
con.close()
print(time.perf_counter() - started)
"""


def _write(out: Path, files: list[str]) -> subprocess.Popen:
    for f in (out, Path(f"{out}.wal")):
        f.unlink(missing_ok=True)
    return subprocess.Popen([sys.executable, "-c", WRITE, str(out), *files],
                            stdout=subprocess.PIPE, text=True)


def _written(proc: subprocess.Popen) -> float:
    out, _ = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit("the participants' write failed")
    return float(out.strip().splitlines()[-1])


def _load(work: Path) -> tuple[float, float]:
    """(dbt build seconds, refresh seconds) of one refresh into a fresh warehouse."""
    from ucj import warehouse
    from ucj.warehouse import load as wl

    path = work / "overlap.duckdb"
    for old in work.glob("overlap.duckdb*"):
        old.unlink()
    times = FileTimes()
    with instrumented(times):
        wh = warehouse.connect(f"duckdb:///{path}")
        started = time.perf_counter()
        wl.refresh(wh, work / "lake", wl.enrollment_partitions(work / "lake"), "overlap")
        seconds = time.perf_counter() - started
        wh.close()
    return phases(times, seconds).get(DBT, 0.0), seconds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("work", type=Path)
    ap.add_argument("--pairs", type=int, default=2)
    args = ap.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    os.environ.setdefault("UCJ_DBT_WORK_DIR", str(args.work / "dbt"))
    from ucj.io.lake import data_files
    from ucj.warehouse import dbt
    from ucj.warehouse import load as wl

    if dbt.start_warm() is None:
        print("the warm dbt interpreter did not start (its log says why)")
        return 1
    files = [str(f) for p in wl.enrollment_partitions(args.work / "lake")
             for f in data_files(p)]
    scratch = args.work / "overlap_participants.duckdb"
    _load(args.work)  # dbt's partial parse and the page cache, as in a worker's later loads
    print("      dbt build alone, beside the write | the write alone, beside the load | "
          "load and write one after the other, side by side")
    for _ in range(args.pairs):
        build_alone, load_alone = _load(args.work)
        started = time.perf_counter()
        writer = _write(scratch, files)
        build_beside, _ = _load(args.work)
        write_beside = _written(writer)
        together = time.perf_counter() - started
        write_alone = _written(_write(scratch, files))
        print(f"      {build_alone:6.1f} s, {build_beside:6.1f} s | {write_alone:6.1f} s, "
              f"{write_beside:6.1f} s | {load_alone + write_alone:6.1f} s, {together:6.1f} s")
    for f in (scratch, Path(f"{scratch}.wal")):
        f.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
