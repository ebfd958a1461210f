"""Does a month's participant key fit DuckDB's memory cap? Inserts the (periode, kpj,
person_key) columns of a lake partition into a table with and without the primary key of
``core.fct_participant_month``, under the warehouse's cap, and prints what happened.

    scripts/env.sh python benchmarks/duckdb_key_memory.py LAKE/enrollment/periode=YYYY-MM \\
        [--memory-limit 2GB]

(The national month of ``pipeline_bench.py`` fails with the key and fits without it: DuckDB
keeps a primary-key index in memory, it does not spill.)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import duckdb
from ucj.io.lake import data_files
from ucj.warehouse.duckdb_backend import MEMORY_LIMIT


def insert(files: list[str], key: bool, memory_limit: str, folder: Path) -> str:
    con = duckdb.connect(str(folder / f"key_{key}.duckdb"), config={"memory_limit": memory_limit})
    try:
        con.execute("CREATE TABLE t (periode VARCHAR, kpj VARCHAR, person_key VARCHAR"
                    + (", PRIMARY KEY (periode, kpj))" if key else ")"))
        started = time.time()
        con.execute("INSERT INTO t SELECT periode, kpj, person_key FROM read_parquet($files)",
                    {"files": files})
        rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
        return f"{rows:,} rows in {time.time() - started:.1f} s"
    except duckdb.OutOfMemoryException as exc:
        return f"out of memory: {str(exc).splitlines()[0]}"
    finally:
        con.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("partition", type=Path)
    ap.add_argument("--memory-limit", default=MEMORY_LIMIT)
    args = ap.parse_args()
    files = [str(f) for f in data_files(args.partition)]
    with tempfile.TemporaryDirectory(prefix="ucj-key-") as tmp:
        for key in (True, False):
            print(f"{'with' if key else 'without'} the primary key, cap {args.memory_limit}: "
                  f"{insert(files, key, args.memory_limit, Path(tmp))}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
