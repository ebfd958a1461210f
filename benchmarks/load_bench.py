"""Warehouse load benchmark: does loading month N cost more when more months are loaded?

    scripts/env.sh python benchmarks/load_bench.py [--months 12] [--rows 100000]
        [--backend duckdb|postgres|both] [--rounds 3] [--workdir DIR] [--by-model]

Preparation (timed apart, reused from ``--workdir`` when it already holds the same months,
rows and seed): the generator writes the months' enrollment files, reference tables, APBDes
and the monthly registry snapshots; each goes into the lake through the pipeline code (raw
copy, validation): reference tables and APBDes once, every month's enrollment file, and per
month one registry extract taken from a local registry API serving that month's snapshot
(as ``ucj.demo`` does), so each extract holds only the companies changed since the last.

Then, per backend and round, a fresh warehouse (DuckDB file, or a scratch PostgreSQL
database created on ``--pg-url``'s server and dropped afterwards): one setup refresh with no
month (wilayah, reference tables, APBDes, the first registry extract), then months 1..N, one
``ucj.warehouse.load.refresh`` each, with that month's registry extract added to the lake
just before (as in production, where the registry DAG runs between warehouse loads), then a
re-delivery of a middle month (it rebuilds that month, the month after it and the later
months' company alerts, by design). Other load on the machine only ever adds time, so each
month keeps its best time over the ``--rounds`` rounds. Each line gives those wall seconds,
the rows loaded, the months already in the warehouse, the seconds per 100,000 rows (the
generated months grow by new registrations, so the per-row figure is the fair one), this
process's CPU seconds (the loader's share: on DuckDB the scope, staging, publish and alerts
run in-process; dbt's build runs in a process of its own, PostgreSQL's work in the server)
and the seconds of every round.

Finally the least-squares slope of the seconds against the months already loaded, with its
standard error, the ratio last/first, and a verdict from the seconds per 100k rows of months
2..N (month 1 has no month before it, so it skips the month-over-month work of every later
month): GROWS when their fitted growth exceeds 30 % and the slope is more than two standard
errors from zero, FLAT otherwise (one noisy month can move last/first, so it does not decide
alone).

Then where each month's time goes, the phases of a refresh (ucj.warehouse.load and .build):
``scope`` (what the run replaces, read from the lake and the published audit), ``stage`` (the
lake partitions into the private build: views on DuckDB, COPY on PostgreSQL), ``dbt build``
(in dbt's own interpreter), ``publish`` (the one transaction that replaces the run's scope in
the warehouse), ``alerts`` (read from the published marts) and the rest; per phase its best
seconds in the first and last month loaded, its own slope and its seconds in the
re-delivery, to find what grows. ``--by-model`` adds dbt's nodes under ``dbt build``, each
model's ``execution_time`` from ``run_results.json`` (``ucj.warehouse.dbt.Result.nodes``; the
data tests summed) and what the dbt process spends outside them (its wall time beyond
``run_results.json``'s ``elapsed_time``: the interpreter, dbt's imports, the partial parse,
writing its artifacts). dbt's target folders go under the work folder
(``UCJ_DBT_WORK_DIR``); the setup refresh pays dbt's first, full parse.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

SEED = 11
SECRET = "benchmark-secret"
GROWTH_LIMIT = 0.30


# -- preparation ------------------------------------------------------------------------------

def months_of(start: str, count: int) -> list[str]:
    from ucj import periods

    return [periods.shift(periods.check(start), i) for i in range(count)]


def prepare(root: Path, months: list[str], rows: int) -> dict:
    """Landing files and lake partitions for ``months``; reused when already made."""
    from ucj.io import lake as lake_io
    from ucj.io import landing
    from ucj.pipeline import apbdes, enrollment, reference, registry
    from ucj.registry.client import load_snapshot_csv
    from ucj.registry.server import RegistryServer
    from ucj_sample import generate

    key = {"months": months, "rows": rows, "seed": SEED}
    marker = root / "prepared.json"
    if marker.exists() and json.loads(marker.read_text()).get("key") == key:
        print(f"preparation reused from {root}")
        return json.loads(marker.read_text())
    shutil.rmtree(root, ignore_errors=True)
    land, lake, val = root / "landing", root / "lake", root / "validation"
    t = time.perf_counter()
    generate(land, months, rows, seed=SEED)
    print(f"generated {len(months)} months x {rows:,} participants in "
          f"{time.perf_counter() - t:.1f} s", flush=True)

    t = time.perf_counter()
    for source in reference.delivered_files(str(land)):
        table = reference.source_for(Path(source).name)
        raw = landing.copy_to_raw(str(land), source, lake_io.raw_dir(
            lake, table, table.partition_of(Path(source).name)))
        reference.process(raw["path"], lake, val, extra_manifest={"sha256": raw["sha256"]})
    for source in apbdes.delivered_files(str(land)):
        raw = landing.copy_to_raw(str(land), source, lake_io.raw_dir(
            lake, apbdes.SOURCE, apbdes.SOURCE.partition_of(Path(source).name)))
        apbdes.process(raw["path"], lake, val, extra_manifest={"sha256": raw["sha256"]})
    print(f"reference tables and APBDes into the lake in {time.perf_counter() - t:.1f} s",
          flush=True)

    extracts: dict[str, str] = {}
    token = secrets.token_urlsafe(16)
    with RegistryServer([], token=token) as server:
        for periode in months:
            snapshot = sorted((land / "registry").glob(
                f"perusahaan_{periode.replace('-', '')}*.csv"))
            if not snapshot:
                continue
            server.upsert(load_snapshot_csv(snapshot[-1]))
            ext = registry.extract(server.base_url, token, lake, str(land))
            registry.process(ext["path"], ext["extract_id"], lake, val,
                             {"extract_source": ext["source"]})
            extracts[periode] = f"extract={ext['extract_id']}"

    validation = {}
    for periode in months:
        t = time.perf_counter()
        source = landing.find_delivery(str(land), "enrollment", enrollment.landing_names(periode))
        raw = landing.copy_to_raw(str(land), source,
                                  lake_io.raw_dir(lake, enrollment.SOURCE, periode))
        out = enrollment.process(raw["path"], lake, val, SECRET,
                                 extra_manifest={"sha256": raw["sha256"]})
        validation[periode] = time.perf_counter() - t
        print(f"  validated {periode}: {out['rows_valid']:>9,} valid rows in "
              f"{validation[periode]:6.1f} s", flush=True)
    info = {"key": key, "registry_extracts": extracts, "validation_seconds": validation}
    marker.write_text(json.dumps(info, indent=2))
    return info


def load_lake(prep: Path, run_dir: Path) -> Path:
    """A lake for one backend run: links to the prepared datasets, registry extracts added
    month by month (``add_extract``)."""
    shutil.rmtree(run_dir, ignore_errors=True)
    lake = run_dir / "lake"
    lake.mkdir(parents=True)
    for dataset in ("reference", "village_budget", "enrollment"):
        if (prep / "lake" / dataset).exists():
            (lake / dataset).symlink_to((prep / "lake" / dataset).resolve())
    (lake / "registry").mkdir()
    return lake


def add_extract(prep: Path, lake: Path, name: str | None) -> None:
    if name:
        (lake / "registry" / name).symlink_to((prep / "lake" / "registry" / name).resolve())


# -- timing of the load's phases --------------------------------------------------------------

class FileTimes:
    """Seconds and calls per phase of the current refresh (scope, stage, dbt build and each
    of its models, publish, alerts). The name is older than the phases: the breakdown used to
    be per SQL file."""

    def __init__(self):
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()

    def add(self, label: str, seconds: float) -> None:
        self.seconds[label] += seconds
        self.calls[label] += 1


# the phases of a refresh: (label, module, function), as ucj.warehouse.load and .build call them
PHASES = [
    ("scope", "ucj.warehouse.scope", "compute"),
    ("stage (lake partitions into the build)", "ucj.warehouse.stage", "stage_duckdb"),
    ("stage (lake partitions into the build)", "ucj.warehouse.stage", "stage_postgres"),
    ("publish (one transaction)", "ucj.warehouse.publish", "publish"),
    ("alerts", "ucj.warehouse.load", "store_alerts"),
]
DBT = "dbt build"
TESTS = "dbt data tests (sum)"
REST = "rest of the refresh"
DBT_PROCESS = "dbt process outside its nodes (start, imports, parse, artifacts)"
# the phases that add up to a refresh (the dbt nodes are a breakdown of "dbt build")
TOP = ["scope", "stage (lake partitions into the build)", DBT, "publish (one transaction)",
       "alerts", REST]


def node_label(unique_id: str) -> str:
    """``model.ucj_warehouse.fct_person_month`` -> ``dbt model fct_person_month``; every data
    test under one label (they run on the build's rows only)."""
    kind, _, name = unique_id.split(".", 2)
    return TESTS if kind == "test" else f"dbt {kind} {name}"


def add_dbt(times: FileTimes, result, seconds: float) -> None:
    """dbt's wall time, and the per-node times of its ``run_results.json``; what its wall time
    has beyond the nodes' (run side by side: ``elapsed_time``) is the dbt process itself:
    the interpreter, dbt's imports, the partial parse, writing its artifacts, exiting."""
    times.add(DBT, seconds)
    for node in result.nodes:
        times.add(node_label(node["unique_id"]), node.get("execution_time") or 0.0)
    times.add(DBT_PROCESS, max(seconds - result.graph_seconds, 0.0))


@contextmanager
def instrumented(times: FileTimes):
    """Wrap the refresh's phases with timers: ``scope.compute``, the build's staging, ``dbt
    run`` (its nodes' times from run_results.json, ``ucj.warehouse.dbt.Result.nodes``), the
    publish and the alerts. Only ``dbt build`` is timed (the docs site is a task of its own)."""
    import importlib

    from ucj.warehouse import dbt

    saved = []

    def wrap(label, orig):
        def timed(*args, **kwargs):
            t = time.perf_counter()
            try:
                return orig(*args, **kwargs)
            finally:
                times.add(label, time.perf_counter() - t)
        return timed

    def dbt_run(args, *rest, _orig=dbt.run, **kwargs):
        t = time.perf_counter()
        result = _orig(args, *rest, **kwargs)
        if args and args[0] == "build":
            add_dbt(times, result, time.perf_counter() - t)
        return result

    for label, module, name in PHASES:
        mod = importlib.import_module(module)
        saved.append((mod, name, getattr(mod, name)))
        setattr(mod, name, wrap(label, getattr(mod, name)))
    saved.append((dbt, "run", dbt.run))
    dbt.run = dbt_run
    try:
        yield times
    finally:
        for mod, name, orig in reversed(saved):
            setattr(mod, name, orig)


# -- warehouses -------------------------------------------------------------------------------

@contextmanager
def scratch_warehouse(backend: str, run_dir: Path, pg_url: str):
    from ucj import warehouse

    if backend == "duckdb":
        path = run_dir / "warehouse.duckdb"
        path.unlink(missing_ok=True)
        wh = warehouse.connect(f"duckdb:///{path}")
        try:
            yield wh
        finally:
            wh.close()
        return
    import psycopg2
    from psycopg2 import sql

    name = f"ucj_load_bench_{os.getpid()}"
    admin = psycopg2.connect(pg_url, connect_timeout=5)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        parts = urlsplit(pg_url)
        wh = warehouse.connect(urlunsplit(parts._replace(path=f"/{name}")))
        try:
            yield wh
        finally:
            wh.close()
    finally:
        with admin.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        admin.close()


# -- the benchmark ----------------------------------------------------------------------------

def fit(xs: list[float], ys: list[float]) -> tuple[float, float, float]:
    """Least-squares slope, intercept and the slope's standard error."""
    n = len(xs)
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    if not sxx:
        return 0.0, my, 0.0
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    intercept = my - slope * mx
    sse = sum((y - intercept - slope * x) ** 2 for x, y in zip(xs, ys, strict=True))
    stderr = (sse / (n - 2) / sxx) ** 0.5 if n > 2 else 0.0
    return slope, intercept, stderr


def one_round(backend: str, prep: Path, info: dict, months: list[str], root: Path,
              pg_url: str, times: FileTimes) -> dict:
    """A fresh warehouse, the setup refresh, months 1..N one refresh each, a re-delivery."""
    from ucj.warehouse import load as wl

    run_dir = root / f"run-{backend}"
    lake = load_lake(prep, run_dir)
    extracts = info["registry_extracts"]
    loads = []
    with scratch_warehouse(backend, run_dir, pg_url) as wh:
        add_extract(prep, lake, extracts.get(months[0]))
        t = time.perf_counter()
        wl.refresh(wh, lake, [], "bench-setup")
        setup = time.perf_counter() - t
        for i, periode in enumerate(months):
            if i:
                add_extract(prep, lake, extracts.get(periode))
            already = int(wh.query("SELECT COUNT(*) AS n FROM core.dim_month").iloc[0, 0])
            parts = wl.enrollment_partitions(lake, [periode])
            times.reset()
            t, cpu = time.perf_counter(), time.process_time()
            out = wl.refresh(wh, lake, parts, f"bench-{periode}")
            seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
            loads.append({"periode": periode, "already": already,
                          "rows": sum(m["rows_loaded"] for m in out["months"]),
                          "seconds": seconds, "cpu": cpu, "files": phases(times, seconds)})
            print(f"{seconds:.2f}", end=" ", flush=True)
        middle = months[(len(months) - 1) // 2]
        times.reset()
        t = time.perf_counter()
        out = wl.refresh(wh, lake, wl.enrollment_partitions(lake, [middle]), "bench-redelivery")
        seconds = time.perf_counter() - t
        redelivery = {"periode": middle, "seconds": seconds,
                      "rows": out["months"][0]["rows_loaded"], "files": phases(times, seconds)}
        print(f"| re-delivery {redelivery['seconds']:.2f}", flush=True)
    return {"setup": setup, "loads": loads, "redelivery": redelivery}


def phases(times: FileTimes, seconds: float) -> dict[str, float]:
    """The refresh's phase times, with what the phases leave of its ``seconds`` (the schema
    check, connections, the rows-loaded count)."""
    out = dict(times.seconds)
    out[REST] = max(seconds - sum(out.get(p, 0.0) for p in TOP[:-1]), 0.0)
    return out


def best(values: list[dict[str, float]]) -> dict[str, float]:
    """Per key, the smallest value over the rounds (a key missing in a round counts 0)."""
    keys = {k for v in values for k in v}
    return {k: min(v.get(k, 0.0) for v in values) for k in keys}


def run_backend(backend: str, prep: Path, info: dict, months: list[str], root: Path,
                pg_url: str, by_model: bool, rounds: int) -> dict:
    times = FileTimes()
    print(f"\n== {backend}: {len(months)} months, one refresh each; {rounds} round(s), each "
          f"from an empty warehouse (seconds per month as they run)", flush=True)
    runs = []
    with instrumented(times):
        for r in range(rounds):
            print(f"round {r + 1}: ", end="", flush=True)
            runs.append(one_round(backend, prep, info, months, root, pg_url, times))
    print(f"setup refresh (wilayah, reference tables, APBDes, first registry extract): "
          f"{min(r['setup'] for r in runs):.2f} s")
    print(f"{'month':<8} {'already':>7} {'rows':>9} {'seconds':>8} {'s/100k rows':>11} "
          f"{'cpu s':>8}   (best of {rounds} round(s); seconds of every round)")
    results, per_file = [], []
    for i, periode in enumerate(months):
        ones = [r["loads"][i] for r in runs]
        seconds, cpu = min(o["seconds"] for o in ones), min(o["cpu"] for o in ones)
        rows, already = ones[0]["rows"], ones[0]["already"]
        results.append({"periode": periode, "already": already, "rows": rows,
                        "seconds": seconds, "per_100k": seconds / rows * 1e5, "cpu": cpu})
        per_file.append(best([o["files"] for o in ones]))
        print(f"{periode:<8} {already:>7} {rows:>9,} {seconds:>8.2f} "
              f"{seconds / rows * 1e5:>11.2f} {cpu:>8.2f}   "
              + " ".join(f"{o['seconds']:.2f}" for o in ones), flush=True)
    red = [r["redelivery"] for r in runs]
    redelivery = min(x["seconds"] for x in red)
    redelivery_files = best([x["files"] for x in red])
    middle = red[0]["periode"]
    later = len(months) - months.index(middle) - 1
    print(f"re-delivery of {middle} ({red[0]['rows']:,} rows; {len(months)} months loaded, "
          f"{later} after it, whose company alerts follow): {redelivery:.2f} s")

    xs = [r["already"] for r in results]
    raw_slope, _, raw_se = fit(xs, [r["seconds"] for r in results])
    first, last = results[0], results[-1]
    ratio_raw = last["seconds"] / first["seconds"]
    ratio = last["per_100k"] / first["per_100k"]
    print(f"slope: {raw_slope:+.4f} s (+/- {raw_se:.4f}) per month already loaded; "
          f"last/first: {ratio_raw:.2f} in seconds, {ratio:.2f} per row")
    # Month 1 has no month before it, so it skips the month-over-month work every later month
    # does: the verdict fits months 2..N (all months when there are fewer than 4).
    fitted = results[1:] if len(results) >= 4 else results
    fx = [r["already"] for r in fitted]
    slope, intercept, se = fit(fx, [r["per_100k"] for r in fitted])
    cpu_slope, cpu_intercept, _ = fit(fx, [r["cpu"] / r["rows"] * 1e5 for r in fitted])
    span = fx[-1] - fx[0]
    growth = slope * span / (intercept + slope * fx[0]) if intercept > 0 else 0.0
    cpu_growth = (cpu_slope * span / (cpu_intercept + cpu_slope * fx[0])
                  if cpu_intercept > 0 else 0.0)
    print(f"months {fitted[0]['periode']}..{fitted[-1]['periode']}: per 100k rows "
          f"{slope:+.4f} s (+/- {se:.4f}) per month already loaded, fitted growth "
          f"{growth:+.1%} over {span} months (process CPU per row: {cpu_growth:+.1%}); "
          f"last/first {fitted[-1]['per_100k'] / fitted[0]['per_100k']:.2f} per row")
    grows = span > 1 and growth > GROWTH_LIMIT and slope > 2 * se
    verdict = "GROWS" if grows else "FLAT"
    print(f"VERDICT {backend}: {verdict} - fitted growth {growth:+.1%} of the per-row load "
          f"time over {span} more months loaded, slope {slope / se if se else 0:.1f} standard "
          f"errors from 0 (GROWS above {GROWTH_LIMIT:.0%} and 2 standard errors)", flush=True)
    print_phases(per_file, xs, redelivery_files, by_model)
    return {"backend": backend, "months": results, "redelivery": redelivery,
            "slope": raw_slope, "slope_per_100k": slope, "ratio": ratio_raw,
            "ratio_per_row": ratio, "verdict": verdict}


def print_phases(per_file: list[dict[str, float]], xs: list[int], redelivery: dict,
                 by_model: bool) -> None:
    """Each phase's best seconds in the first and last month loaded, its own slope against the
    months already loaded and its seconds in the re-delivery; with ``by_model``, dbt's nodes
    below (slowest first)."""
    def line(label: str, indent: str = "") -> None:
        ys = [d.get(label, 0.0) for d in per_file]
        print(f"{indent + label:<50} {ys[0]:>7.3f} {ys[-1]:>7.3f} {fit(xs, ys)[0]:>+9.4f} "
              f"{redelivery.get(label, 0.0):>8.3f}")

    print(f"\n{'phase':<50} {'first':>7} {'last':>7} {'slope/mo':>9} {'re-deliv':>8}")
    for label in TOP:
        line(label)
        if label == DBT and by_model:
            nodes = sorted({k for d in per_file for k in d if k not in TOP},
                           key=lambda k: -sum(d.get(k, 0.0) for d in per_file))
            for node in nodes:
                line(node, "  ")
    sums = [sum(d.get(k, 0.0) for k in TOP) for d in per_file]
    print(f"{'(the refresh: sum of the phases)':<50} {sums[0]:>7.3f} {sums[-1]:>7.3f} "
          f"{fit(xs, sums)[0]:>+9.4f} {sum(redelivery.get(k, 0.0) for k in TOP):>8.3f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--rows", type=int, default=100_000,
                    help="participants of the first month (later months grow slightly)")
    ap.add_argument("--start", default="2026-01", help="first month (YYYY-MM)")
    ap.add_argument("--backend", choices=["duckdb", "postgres", "both"], default="duckdb")
    ap.add_argument("--workdir", help="where to write (default: a temporary folder); "
                                      "preparation is reused from it")
    ap.add_argument("--pg-url", default=os.environ.get(
        "UCJ_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="server (and admin database) on which a scratch database is created and dropped")
    ap.add_argument("--rounds", type=int, default=3,
                    help="load the months this many times, each from an empty warehouse, and "
                         "keep each month's best time (other load on the machine only adds)")
    ap.add_argument("--by-model", "--by-file", dest="by_model", action="store_true",
                    help="also print each dbt model's time (first, last month, slope)")
    args = ap.parse_args()
    if args.months < 1 or args.rounds < 1:
        ap.error("--months and --rounds must be at least 1")
    root = Path(args.workdir or tempfile.mkdtemp(prefix="ucj-load-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    months = months_of(args.start, args.months)
    prep = root / f"prep-{months[0]}-{args.months}m-{args.rows}r"
    # dbt's target and log folders (its partial parse) with the benchmark's, not the demo's
    os.environ.setdefault("UCJ_DBT_WORK_DIR", str(root / "dbt"))
    print(f"machine: {os.cpu_count()} cores; work folder {root}", flush=True)
    t = time.perf_counter()
    info = prepare(prep, months, args.rows)
    print(f"preparation: {time.perf_counter() - t:.1f} s (not part of the load times)")
    backends = ["duckdb", "postgres"] if args.backend == "both" else [args.backend]
    summary = [run_backend(b, prep, info, months, root, args.pg_url, args.by_model, args.rounds)
               for b in backends]
    print("\nsummary")
    for s in summary:
        print(f"  {s['backend']:<9} first {s['months'][0]['seconds']:6.2f} s, last "
              f"{s['months'][-1]['seconds']:6.2f} s, re-delivery {s['redelivery']:6.2f} s, "
              f"slope {s['slope']:+.4f} s/month, last/first {s['ratio']:.2f} "
              f"({s['ratio_per_row']:.2f} per row): {s['verdict']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
