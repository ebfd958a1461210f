"""Pipeline benchmark: one month through the real code path at district, province and
national scale, beside DuckDB's own CSV -> Parquet copy of the same file (the floor).

    scripts/env.sh python benchmarks/pipeline_bench.py --scales district [province national]

Scales: district = 500,000 rows (Subang), province = 8,000,000 (Jawa Barat), national =
61,000,000 (Indonesia); ``--rows N`` sets a custom one. The district file comes from the
generator; larger ones tile it (each tile with its own kpj and NIK ranges, so persons and
cards stay distinct) while streaming, so generation itself stays small in memory.
Each stage runs in its own process and reports wall time, rows per second and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCALES = {"district": 500_000, "province": 8_000_000, "national": 61_000_000}
BASE_ROWS = 500_000
MONTH = "2026-01"
FILE = f"kepesertaan_{MONTH.replace('-', '')}.csv"

STAGE = r"""
import json, sys, time
from pathlib import Path
stage, work = sys.argv[1], Path(sys.argv[2])
t = time.time()
rows = None
if stage == "floor":
    import duckdb
    con = duckdb.connect()
    con.execute("COPY (SELECT * FROM read_csv($src, delim=';', header=true, all_varchar=true)) "
                "TO $dst (FORMAT parquet)", {"src": str(work / "landing" / sys.argv[3]),
                                            "dst": str(work / "floor.parquet")})
    rows = con.execute("SELECT count(*) FROM read_parquet($p)",
                       {"p": str(work / "floor.parquet")}).fetchone()[0]
elif stage == "extract":
    from ucj.io import landing
    out = landing.copy_to_raw(str(work / "landing"), str(work / "landing" / sys.argv[3]),
                              work / "raw")
elif stage == "validate_transform":
    from ucj.pipeline import enrollment
    out = enrollment.process(work / "raw" / sys.argv[3], work / "lake", work / "validation",
                             "benchmark-secret")
    rows = out["rows_read"]
elif stage == "load":
    from ucj import warehouse
    from ucj.warehouse import load as wl
    wh = warehouse.connect(f"duckdb:///{work / 'warehouse.duckdb'}")
    wl.refresh(wh, work / "lake", wl.enrollment_partitions(work / "lake"), "bench")
    rows = int(wh.query("SELECT COUNT(*) FROM core.fct_participant_month").iloc[0, 0])
    wh.close()
# VmHWM, not ru_maxrss: the latter keeps the forking parent's peak across exec.
hwm = next(int(x.split()[1]) for x in open("/proc/self/status") if x.startswith("VmHWM"))
print("RESULT " + json.dumps({"seconds": time.time() - t, "rows": rows, "rss_mb": hwm / 1024}))
"""


def tile(base: Path, target: Path, rows: int) -> int:
    """Write ``rows`` data rows by repeating ``base`` with fresh kpj and NIK ranges."""
    written = 0
    with open(base, encoding="utf-8-sig") as src:
        header, body = src.readline(), [line for line in src if line.strip()]
    with open(target, "w", encoding="utf-8") as out:
        out.write(header)
        t = 0
        while written < rows:
            for line in body:
                if written >= rows:
                    break
                if t:
                    f = line.split(";")
                    if len(f[1]) == 11:
                        f[1] = f"{100 + t:03d}{f[1][3:]}"
                    if len(f[2]) == 16:
                        f[2] = f"{32 + t // 100:02d}{t % 100:02d}{f[2][4:]}"
                    line = ";".join(f)
                out.write(line)
                written += 1
            t += 1
    return written


def run_stage(stage: str, work: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", STAGE, stage, str(work), FILE],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"stage {stage} failed:\n{out.stderr[-3000:]}")
    line = next(x for x in reversed(out.stdout.splitlines()) if x.startswith("RESULT "))
    return json.loads(line[7:])


def bench(scale: str, rows: int, root: Path, base: Path) -> list[dict]:
    work = root / scale
    (work / "landing").mkdir(parents=True, exist_ok=True)
    started = time.time()
    tile(base, work / "landing" / FILE, rows)
    print(f"\n{scale}: {rows:,} rows, file {(work / 'landing' / FILE).stat().st_size / 1e9:.2f}"
          f" GB (made in {time.time() - started:.0f} s)", flush=True)
    results = []
    for stage in ("floor", "extract", "validate_transform", "load"):
        r = run_stage(stage, work)
        r.update(stage=stage, rows=r["rows"] or rows)
        results.append(r)
        print(f"  {stage:<20} {r['seconds']:8.1f} s {r['rows'] / r['seconds']:12,.0f} rows/s "
              f"{r['rss_mb']:8.0f} MB peak RSS", flush=True)
    ours = sum(r["seconds"] for r in results if r["stage"] != "floor")
    floor = results[0]["seconds"]
    slowest = max((r for r in results if r["stage"] != "floor"), key=lambda r: r["seconds"])
    print(f"  end to end {ours:.1f} s = {ours / floor:.1f} x the DuckDB copy floor "
          f"({floor:.1f} s); dominant stage: {slowest['stage']}", flush=True)
    return results


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scales", nargs="+", default=["district"], choices=list(SCALES))
    ap.add_argument("--rows", type=int, help="a custom scale instead of --scales")
    ap.add_argument("--workdir", help="where to write (default: a temporary folder)")
    args = ap.parse_args()
    root = Path(args.workdir or tempfile.mkdtemp(prefix="ucj-bench-"))
    base_landing = root / "base"
    if not (base_landing / "enrollment" / FILE).exists():
        from ucj.generate import generate

        generate(base_landing, [MONTH], BASE_ROWS, seed=11)
    base = base_landing / "enrollment" / FILE
    scales = {"custom": args.rows} if args.rows else {s: SCALES[s] for s in args.scales}
    print(f"machine: {os.cpu_count()} cores; work folder {root}")
    for scale, rows in scales.items():
        bench(scale, rows, root, base)
    return 0


if __name__ == "__main__":
    sys.exit(main())
