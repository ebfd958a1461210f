"""The main job: sample data for Kabupaten Subang, the DAGs run through Airflow, a summary.

    scripts/env.sh python -m ucj.demo [--months 3] [--participants 60000] [--fresh]

With real deliveries, point UCJ_LANDING_ZONE at them and pass --no-generate.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from ucj import config


def _months(start: str, count: int) -> list[str]:
    year, month = map(int, start.split("-"))
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _delivered_months(landing: Path) -> list[str]:
    names = sorted((landing / "enrollment").glob("kepesertaan_*.*"))
    return sorted({f"{p.stem[12:16]}-{p.stem[16:18]}" for p in names})


def _wipe(cfg: config.Settings) -> None:
    for path in (Path(cfg.landing_zone), cfg.lake, cfg.validation_dir):
        shutil.rmtree(path, ignore_errors=True)
    if cfg.warehouse_url.startswith("duckdb://"):
        Path(cfg.warehouse_url.removeprefix("duckdb://")).unlink(missing_ok=True)


def migrate_airflow_db() -> None:
    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], check=True,
                   stdout=subprocess.DEVNULL)


def run_dag(dag_id: str, conf: dict, logical_date: datetime):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    if bag.import_errors:
        raise RuntimeError(f"DAG import errors: {bag.import_errors}")
    run = bag.get_dag(dag_id).test(run_conf=conf, logical_date=logical_date)
    state = str(getattr(run, "state", run))
    if not state.endswith("success"):
        raise RuntimeError(f"{dag_id} {conf} ended {state}")
    return run


def run_pipeline(months: list[str]) -> None:
    """Reference tables, each month's enrollment, then the warehouse, as Airflow runs."""
    stamp = datetime.now(UTC).replace(microsecond=0)
    run_dag("ucj_reference", {}, stamp)
    for i, periode in enumerate(months):
        run_dag("ucj_enrollment", {"periode": periode}, stamp.replace(second=i % 60))
    run_dag("ucj_warehouse", {"periodes": months}, stamp)


def print_summary(cfg: config.Settings) -> None:
    from ucj import warehouse
    from ucj.warehouse import load as wl

    wh = warehouse.connect(cfg.warehouse_url, read_only=True)
    try:
        summary = wl.coverage_summary(wh)
        audit = wh.query("SELECT source, partition_value, rows_read, rows_valid, "
                         "rows_quarantined, rows_loaded FROM audit.run_audit "
                         "ORDER BY source, partition_value")
    finally:
        wh.close()
    summary["coverage"] = (summary["coverage"] * 100).round(2).astype(str) + " %"
    print(f"\nUCJ coverage per kecamatan, {summary['periode'].iloc[0]}")
    print(summary.drop(columns="periode").to_string(index=False))
    print("\nRun audit (read = valid + quarantined; loaded = rows in core)")
    print(audit.drop_duplicates(["source", "partition_value"], keep="last").to_string(index=False))
    print(f"\nwarehouse:          {cfg.warehouse_url}")
    print(f"lake:               {cfg.lake}")
    print(f"quarantine:         {cfg.lake / 'quarantine'}")
    print(f"validation reports: {cfg.validation_dir}")
    print(f"landing zone:       {cfg.landing_zone}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--start", default="2026-01", help="first sample month (YYYY-MM)")
    ap.add_argument("--months", type=int, default=3, help="sample months to generate")
    ap.add_argument("--participants", type=int, default=60_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--fresh", action="store_true", help="wipe landing, lake and warehouse first")
    ap.add_argument("--no-generate", action="store_true",
                    help="use the deliveries already in the landing zone")
    args = ap.parse_args(argv)
    cfg = config.from_env()
    if args.fresh:
        _wipe(cfg)
    landing = Path(cfg.landing_zone)
    if not args.no_generate and not _delivered_months(landing):
        from ucj.generate import generate

        print(f"generating {args.months} sample months into {landing} ...")
        generate(landing, _months(args.start, args.months), args.participants, seed=args.seed)
    months = _delivered_months(landing)
    if not months:
        print(f"no enrollment file in {landing}/enrollment", file=sys.stderr)
        return 2
    migrate_airflow_db()
    run_pipeline(months)
    print_summary(cfg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
