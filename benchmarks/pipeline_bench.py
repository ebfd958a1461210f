"""Pipeline benchmark: one month through the real code path at district, province and
national scale, beside DuckDB's own CSV -> Parquet copy of the same file (the floor) and a
SQL-first validator doing the same job in DuckDB (the peer, ``benchmarks/sql_peer.py``: every
enrollment rule a predicate, the same quarantine and valid rows, tested by
tests/test_sql_peer.py).

    scripts/env.sh python benchmarks/pipeline_bench.py --scales district [province national]

Scales: district = 500,000 rows (Subang), province = 8,000,000 (Jawa Barat), national =
61,000,000 (Indonesia); ``--rows N`` sets a custom one. The district file comes from the
generator; larger ones tile it (each tile with its own kpj and NIK ranges, so persons and
cards stay distinct) while streaming, so generation itself stays small in memory.
Each stage runs in its own process and reports wall time, rows per second and peak RSS
(the largest of its processes: validation with ``--workers 2`` runs its parts in a pool of
worker processes, as the mapped tasks of ucj_enrollment run on Celery workers).
``--workers 1 2`` validates the same file once per worker count: the scale-out figure.
``--store`` puts the lake on an object store instead of the work folder: an ``s3://`` bucket
on moto's S3 server on loopback (tests/s3_helpers.py), served by this process while each
stage's process reads and writes it over HTTP, as Celery workers on other hosts would.
Each scale ends with a table of the floor, the peer, our validation (its best worker count),
the load and end to end, in seconds, as multiples of the floor and of the peer, then the
fixed costs of a validation process apart (interpreter start, imports, GX's import). Then the
validation as production runs it, a task forked from a worker that imported GX once (as the
Celery workers and the LocalExecutor do): the forked process from fork to exit, beside the
cold whole process above (Airflow's own cost per task: ``benchmarks/airflow_bench.py``); and
the load as a task under a worker runs it, built by the worker's warm dbt interpreter
(``ucj.warehouse.warm``), beside the cold load of the table.
``--pairs N`` then runs the peer and that forked validation in N interleaved pairs and prints
the median of their ratios: the figure to quote on a machine whose speed drifts.
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
SECRET = "benchmark-secret"
# The peer's DuckDB memory cap (it spills beyond): our validation's own footprint, under
# 1 GB per process at every scale (README, Performance), so neither buys speed with memory.
PEER_MEMORY_LIMIT = "1GB"

STAGE = r"""
import json, sys, time
from pathlib import Path
import resource
stage, work, workers = sys.argv[1], Path(sys.argv[2]), int(sys.argv[4])
sys.path.insert(0, sys.argv[5])
from pipeline_bench import PEER_MEMORY_LIMIT, SECRET, duckdb_copy, raw_copy
from ucj.io.store import location
lake = location(sys.argv[6]) if len(sys.argv) > 6 else work / "lake"
t = time.time()
rows = None
extra = {}
if stage == "floor":
    rows = duckdb_copy(work / "landing" / sys.argv[3], work / "floor.parquet")
elif stage == "sql_peer":
    from sql_peer import run
    rows = run(raw_copy(work, sys.argv[3]), work / "peer", SECRET, PEER_MEMORY_LIMIT)["rows_read"]
elif stage == "imports":
    from ucj.pipeline import enrollment  # noqa: F401 - the validation's modules, GX aside
elif stage == "gx_import":
    from ucj.pipeline import enrollment  # noqa: F401 - already there: GX's own time counts
    from ucj.validation.rules import gx_expectations
    t = time.time()
    gx_expectations()  # the quiet-GX environment, as the validator sets it
    import great_expectations  # noqa: F401 - its import time is the figure
elif stage == "extract":
    from ucj.io import landing
    out = landing.copy_to_raw(str(work / "landing"), str(work / "landing" / sys.argv[3]),
                              work / "raw")
elif stage == "validate_transform":
    from ucj.pipeline import enrollment
    out = enrollment.process(raw_copy(work, sys.argv[3]), lake, work / "validation",
                             SECRET, workers=workers)
    rows = out["rows_read"]
elif stage == "validate_transform_forked":
    # As production runs a validating task: forked from a worker that imported GX and the
    # validation engine once when it started (ucj.validation.preload: the Celery workers'
    # imports, the LocalExecutor's scheduler). The figure is the forked process's, from the
    # fork to its exit; the worker's own start is the fixed cost it pays once.
    import os
    import ucj.validation.preload  # noqa: F401 - the worker's preload
    from ucj.pipeline import enrollment
    preload = time.time() - t
    t = time.time()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        out = enrollment.process(raw_copy(work, sys.argv[3]), lake, work / "validation",
                                 SECRET, workers=workers)
        os.write(write, str(out["rows_read"]).encode())
        os._exit(0)
    os.close(write)
    rows = int(os.read(read, 64) or 0)
    if os.waitpid(pid, 0)[1] != 0 or not rows:
        raise SystemExit("the forked validation failed")
    extra["preload_seconds"] = preload
elif stage in ("load", "load_warm"):
    if stage == "load_warm":
        # as a task under a worker: dbt's interpreter started once, by the worker (its start
        # reported apart); the build a child of it (ucj.warehouse.warm)
        from ucj.warehouse import dbt
        if dbt.start_warm() is None:
            raise SystemExit("the warm dbt interpreter did not start")
        extra["warm_seconds"] = time.time() - t
        t = time.time()
    from ucj import warehouse
    from ucj.warehouse import load as wl
    for old in work.glob("warehouse.duckdb*"):
        old.unlink()  # the month's first load (re-deliveries: benchmarks/load_bench.py)
    wh = warehouse.connect(f"duckdb:///{work / 'warehouse.duckdb'}")
    wl.refresh(wh, lake, wl.enrollment_partitions(lake), "bench")
    rows = int(wh.query("SELECT COUNT(*) FROM core.fct_participant_month").iloc[0, 0])
    wh.close()
# VmHWM, not ru_maxrss: the latter keeps the forking parent's peak across exec.
hwm = next(int(x.split()[1]) for x in open("/proc/self/status") if x.startswith("VmHWM"))
# the largest worker process (ru_maxrss of children: their peak, they exec nothing)
hwm = max(hwm, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print("RESULT " + json.dumps({"seconds": time.time() - t, "rows": rows, "rss_mb": hwm / 1024,
                              **extra}))
"""


def tile(base: Path, target: Path, rows: int) -> int:
    """Write ``rows`` data rows by repeating ``base`` with fresh kpj and NIK ranges: each
    distinct kpj of the base gets a number, a tile writes ``3TT`` + that number, so cards are
    unique across tiles and the base's planted repeats stay repeats within a tile."""
    written = 0
    with open(base, encoding="utf-8-sig") as src:
        header, body = src.readline(), [line for line in src if line.strip()]
    number: dict[str, int] = {}
    for line in body:
        number.setdefault(line.split(";")[1], len(number))
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
                        f[1] = f"{300 + t:03d}{number[f[1]]:08d}"
                    if len(f[2]) == 16:
                        f[2] = f"{32 + t // 100:02d}{t % 100:02d}{f[2][4:]}"
                    line = ";".join(f)
                out.write(line)
                written += 1
            t += 1
    return written


def duckdb_copy(src: Path, dst: Path) -> int:
    """The floor: DuckDB's own copy of the CSV file to Parquet (every field as text, as the
    delivery has it); the rows copied."""
    import duckdb

    con = duckdb.connect()
    con.execute("COPY (SELECT * FROM read_csv($src, delim=';', header=true, all_varchar=true)) "
                "TO $dst (FORMAT parquet)", {"src": str(src), "dst": str(dst)})
    return con.execute("SELECT count(*) FROM read_parquet($p)", {"p": str(dst)}).fetchone()[0]


def raw_copy(work: Path, name: str) -> Path:
    """The extract stage's copy of the file (the raw zone keeps each delivery under its
    content, ``raw/sha256=<hex>/<name>``): the newest, should a re-tiled file have left an
    older one."""
    copies = sorted((work / "raw").glob(f"sha256=*/{name}"), key=lambda p: p.stat().st_mtime)
    if not copies:
        raise FileNotFoundError(f"no raw copy of {name} under {work / 'raw'}: run extract first")
    return copies[-1]


# the lake URL of --store (None: the work folder's lake/)
LAKE_URL: str | None = None


def run_stage(stage: str, work: Path, workers: int = 1) -> dict:
    """The stage's figures; ``process_seconds``: its process from start to exit."""
    started = time.time()
    lake = [f"{LAKE_URL}/{work.name}"] if LAKE_URL else []  # a lake per scale
    out = subprocess.run([sys.executable, "-c", STAGE, stage, str(work), FILE, str(workers),
                          str(Path(__file__).resolve().parent), *lake],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"stage {stage} failed:\n{out.stderr[-3000:]}")
    line = next(x for x in reversed(out.stdout.splitlines()) if x.startswith("RESULT "))
    return {**json.loads(line[7:]), "process_seconds": time.time() - started}


def fixed_costs(work: Path, validation: dict) -> str:
    """What a validation process pays whatever the month's size, apart: the interpreter's
    start (and exit), the pipeline's imports, GX's import (once per process: the Celery
    workers and ``ucj.local_executor`` import it once for all the tasks they fork)."""
    start = run_stage("interpreter", work)["process_seconds"]
    imports = run_stage("imports", work)["seconds"]
    gx = run_stage("gx_import", work)["seconds"]
    whole = validation["process_seconds"]
    return (f"  fixed costs of a validation process: interpreter start {start:.1f} s, the "
            f"pipeline's imports {imports:.1f} s, importing Great Expectations {gx:.1f} s; "
            f"validate + transform + lake x{validation['workers']} as a whole process "
            f"{whole:.1f} s, {whole - start - imports - gx:.1f} s without them")


def forked_from_worker(forked: dict, peer: float) -> str:
    """The validation as production runs it: a task forked from a worker that imported GX
    once (the figure from the fork to the task's exit), and that worker's preload apart."""
    return (f"  forked from a warm worker (GX imported once by the worker, "
            f"ucj.validation.preload: {forked['preload_seconds']:.1f} s at its start): "
            f"validate + transform + lake x1 {forked['seconds']:.1f} s = "
            f"{forked['seconds'] / peer:.1f} x the SQL peer")


def peer_pairs(work: Path, pairs: int) -> str:
    """The SQL peer and the validation forked from a warm worker in ``pairs`` interleaved
    pairs: on a machine shared with other work, the speed of both drifts within minutes, so a
    pair's ratio is fairer than two stages run apart; each pair and the median of them."""
    import statistics

    runs = []
    for _ in range(pairs):
        peer = run_stage("sql_peer", work)["seconds"]
        runs.append((peer, run_stage("validate_transform_forked", work)["seconds"]))
    lines = [f"  {pairs} interleaved pairs, SQL peer and validate + transform + lake x1 forked "
             f"from a warm worker (seconds, x peer):"]
    lines += [f"    {peer:6.1f} {forked:6.1f} {forked / peer:6.2f}" for peer, forked in runs]
    lines.append(f"    median: peer {statistics.median(p for p, _ in runs):.1f} s, forked "
                 f"{statistics.median(f for _, f in runs):.1f} s, ratio "
                 f"{statistics.median(f / p for p, f in runs):.2f} x the SQL peer")
    return "\n".join(lines)


def bench(scale: str, rows: int, root: Path, base: Path, workers: list[int],
          pairs: int = 0) -> list[dict]:
    work = root / scale
    (work / "landing").mkdir(parents=True, exist_ok=True)
    started = time.time()
    made = work / "landing" / f".{FILE}.rows"  # a file tiled by an earlier run is reused
    if not made.exists() or made.read_text() != str(rows):
        tile(base, work / "landing" / FILE, rows)
        made.write_text(str(rows))
    print(f"\n{scale}: {rows:,} rows, file {(work / 'landing' / FILE).stat().st_size / 1e9:.2f}"
          f" GB (made in {time.time() - started:.0f} s)", flush=True)
    results = []
    stages = [("floor", 1), ("extract", 1), ("sql_peer", 1),
              *(("validate_transform", w) for w in workers), ("load", 1)]
    for stage, n in stages:
        r = run_stage(stage, work, n)
        r.update(stage=stage if stage != "validate_transform" else f"{stage} x{n}",
                 workers=n, rows=r["rows"] or rows)
        results.append(r)
        print(f"  {r['stage']:<22} {r['seconds']:8.1f} s {r['rows'] / r['seconds']:12,.0f} rows/s "
              f"{r['rss_mb']:8.0f} MB peak RSS", flush=True)
    # the same validation as a task forked from a warm worker (apart from the table's rows
    # above: its worker's start is not in its figure, see forked_from_worker)
    forked = run_stage("validate_transform_forked", work, 1)
    forked["rows"] = forked["rows"] or rows
    print(f"  {'  forked from a worker':<22} {forked['seconds']:8.1f} s "
          f"{forked['rows'] / forked['seconds']:12,.0f} rows/s "
          f"{forked['rss_mb']:8.0f} MB peak RSS", flush=True)
    # the load as a task under a worker runs it: dbt's interpreter kept warm by the worker;
    # no peak RSS here: the build runs in a child of that interpreter, not of this process
    warm = run_stage("load_warm", work, 1)
    print(f"  {'  built by a warm dbt':<22} {warm['seconds']:8.1f} s "
          f"{(warm['rows'] or rows) / warm['seconds']:12,.0f} rows/s   (dbt's interpreter "
          f"started once by the worker: {warm['warm_seconds']:.1f} s)", flush=True)
    floor = results[0]["seconds"]
    peer = next(r for r in results if r["stage"] == "sql_peer")
    validations = [r for r in results if r["stage"].startswith("validate")]
    best = min(validations, key=lambda r: r["seconds"])
    ours = [r for r in results if not r["stage"].startswith(("floor", "sql_peer", "validate"))]
    ours.append(best)
    total = sum(r["seconds"] for r in ours)
    slowest = max(ours, key=lambda r: r["seconds"])
    print(f"  end to end {total:.1f} s (validation with {best['workers']} worker(s)) = "
          f"{total / floor:.1f} x the DuckDB copy floor ({floor:.1f} s); peak RSS "
          f"{max(r['rss_mb'] for r in results if r not in (results[0], peer)):.0f} MB; "
          f"dominant stage: {slowest['stage']}",
          flush=True)
    load = next(r for r in results if r["stage"] == "load")
    print(ratios([("DuckDB copy floor", floor),
                  ("SQL peer (validation in DuckDB)", peer["seconds"]),
                  (f"validate + transform + lake x{best['workers']}", best["seconds"]),
                  ("warehouse load", load["seconds"]), ("end to end (extract .. load)", total)],
                 floor, peer["seconds"]), flush=True)
    print(fixed_costs(work, best), flush=True)
    print(forked_from_worker(forked, peer["seconds"]), flush=True)
    extract = next(r for r in results if r["stage"] == "extract")["seconds"]
    production = extract + forked["seconds"] + warm["seconds"]
    print(f"  end to end as a worker's tasks run it (extract, validation forked from the "
          f"worker, load built by its warm dbt): {production:.1f} s = "
          f"{production / floor:.1f} x the floor, {production / peer['seconds']:.1f} x the "
          f"SQL peer", flush=True)
    if pairs:
        print(peer_pairs(work, pairs), flush=True)
    if len(validations) > 1:
        one = next((r for r in validations if r["workers"] == 1), validations[0])
        print("  scale-out: " + ", ".join(
            f"{r['workers']} worker(s) {r['seconds']:.1f} s ({one['seconds'] / r['seconds']:.2f}x)"
            for r in validations), flush=True)
    return results


def ratios(rows: list[tuple[str, float]], floor: float, peer: float) -> str:
    """The scale's figures as multiples of the floor and of the peer."""
    lines = [f"  {'':<36} {'seconds':>8} {'x floor':>8} {'x peer':>8}"]
    lines += [f"  {name:<36} {seconds:8.1f} {seconds / floor:8.1f} {seconds / peer:8.1f}"
              for name, seconds in rows]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scales", nargs="+", default=["district"], choices=list(SCALES))
    ap.add_argument("--rows", type=int, help="a custom scale instead of --scales")
    ap.add_argument("--workdir", help="where to write (default: a temporary folder)")
    ap.add_argument("--workers", nargs="+", type=int, default=[1],
                    help="validate with each of these numbers of worker processes")
    ap.add_argument("--pairs", type=int, default=0,
                    help="then the SQL peer and the forked validation in this many "
                         "interleaved pairs (their ratios and the median)")
    ap.add_argument("--store", action="store_true",
                    help="the lake on an s3:// store (moto's server on loopback)")
    args = ap.parse_args()
    if args.store:
        return _on_store(args)
    return _run(args)


def _on_store(args) -> int:
    """The benchmark with its lake in a bucket of a loopback S3 server (the stages reach it
    through the standard AWS variables, set for them by ``s3_server``)."""
    global LAKE_URL
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from s3_helpers import new_bucket, s3_server

    with s3_server():
        LAKE_URL = new_bucket("ucj-bench")
        print(f"lake on the store: {LAKE_URL} (moto's S3 server on loopback)")
        return _run(args)


def _run(args) -> int:
    root = Path(args.workdir or tempfile.mkdtemp(prefix="ucj-bench-"))
    base_landing = root / "base"
    if not (base_landing / "enrollment" / FILE).exists():
        from ucj_sample import generate

        generate(base_landing, [MONTH], BASE_ROWS, seed=11)
    base = base_landing / "enrollment" / FILE
    scales = {"custom": args.rows} if args.rows else {s: SCALES[s] for s in args.scales}
    print(f"machine: {os.cpu_count()} cores; work folder {root}")
    for scale, rows in scales.items():
        bench(scale, rows, root, base, args.workers, args.pairs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
