"""The main job: sample data for Kabupaten Subang, the DAGs run through Airflow, a summary.

    scripts/env.sh python -m ucj.demo [--months 3] [--participants 60000] [--fresh]

Each month, the registry API (a real HTTP server on loopback, unless the connection
``ucj_registry_api`` is configured) serves that month's company snapshot and ``ucj_registry``
extracts what changed; ``ucj_enrollment`` validates the month's file; then ``ucj_warehouse``
loads the warehouse and delivers new alerts (to loopback mail and webhook sinks that file
them under the outbox, unless ``ucj_smtp`` / ``ucj_alert_webhook`` are configured).
With real deliveries, point UCJ_LANDING_ZONE at them and pass --no-generate.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

from ucj import config, periods


def _months(start: str, count: int) -> list[str]:
    return [periods.shift(periods.check(start), i) for i in range(count)]


def _delivered_months(landing: Path) -> list[str]:
    """The months delivered; a file whose name is no delivery is refused on its own (said
    here, naming it) and the other months go on."""
    from ucj.contracts import enrollment
    from ucj.refusal import Refused

    months = set()
    for path in sorted((landing / "enrollment").glob("*")):
        try:
            months.add(enrollment.periode_of_file(path.name))
        except Refused as exc:
            print(f"skipped: {exc}", file=sys.stderr)
    return sorted(months)


def _snapshot(landing: Path, periode: str) -> Path | None:
    """The registry CSV snapshot at the month's end, if the landing zone has one."""
    found = sorted((landing / "registry").glob(f"perusahaan_{periode.replace('-', '')}*.csv"))
    return found[-1] if found else None


def _wipe(cfg: config.Settings) -> None:
    for path in (Path(cfg.landing_zone), cfg.lake, cfg.validation_dir, _outbox(cfg)):
        shutil.rmtree(path, ignore_errors=True)
    if cfg.warehouse_url.startswith("duckdb://"):
        Path(cfg.warehouse_url.removeprefix("duckdb://")).unlink(missing_ok=True)


def _outbox(cfg: config.Settings) -> Path:
    return cfg.lake.parent / "outbox"


@contextmanager
def _airflow_output_to(log: Path):
    """Airflow's task logs go to a file; the terminal keeps the progress and the summary."""
    log.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(log, "a") as fh:
        os.dup2(fh.fileno(), 1)
        os.dup2(fh.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


class Runner:
    """Runs DAGs with ``dag.test()`` (in-process, through Airflow's own task runner)."""

    def __init__(self, log: Path):
        from airflow.dag_processing.dagbag import DagBag

        self.log = log
        with _airflow_output_to(log):
            self.bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
        if self.bag.import_errors:
            raise RuntimeError(f"DAG import errors: {self.bag.import_errors}")
        self.stamp = datetime.now(UTC).replace(microsecond=0)
        self.count = 0
        # as a worker does for the tasks it runs: dbt's interpreter started once, kept warm
        # for every warehouse build of the demo (ucj.warehouse.warm)
        from ucj.warehouse import dbt

        dbt.start_warm()

    def __call__(self, dag_id: str, conf: dict, label: str = "") -> None:
        started = time.time()
        self.count += 1
        logical = self.stamp.replace(second=self.count % 60, minute=self.count // 60 % 60)
        with _airflow_output_to(self.log):
            run = self.bag.dags[dag_id].test(run_conf=conf, logical_date=logical)
        state = str(getattr(run, "state", run))
        print(f"  {dag_id:<18} {label:<10} {state.rsplit('.', 1)[-1]:<8} "
              f"{time.time() - started:6.1f} s", flush=True)
        if not state.endswith("success"):
            raise RuntimeError(f"{dag_id} {conf} ended {state}; see {self.log}")


def _set_connection(conn_id: str, value: dict) -> bool:
    """Define a connection for this run unless the user configured one."""
    key = f"AIRFLOW_CONN_{conn_id.upper()}"
    if os.environ.get(key):
        return False
    os.environ[key] = json.dumps(value)
    return True


def _set_variable(key: str, value: str) -> bool:
    """Define a Variable for this run unless the user configured one."""
    env = f"AIRFLOW_VAR_{key.upper()}"
    if os.environ.get(env):
        return False
    os.environ[env] = value
    return True


def _local_services(stack: ExitStack, cfg: config.Settings, with_registry: bool):
    """Loopback registry API, mail server and webhook for the connections not configured."""
    from ucj.devservers import MailSink, WebhookSink
    from ucj.registry.server import RegistryServer

    server = None
    if with_registry and not os.environ.get("AIRFLOW_CONN_UCJ_REGISTRY_API"):
        token = secrets.token_urlsafe(24)
        server = stack.enter_context(RegistryServer([], token=token))
        _set_connection("ucj_registry_api",
                        {"conn_type": "http", "host": server.base_url, "password": token})
    if not os.environ.get("AIRFLOW_CONN_UCJ_SMTP"):
        mail = stack.enter_context(MailSink(_outbox(cfg)))
        # The provider's format, as docker-compose.yml; plain SMTP since the sink is on
        # loopback and never leaves this machine.
        _set_connection("ucj_smtp", {
            "conn_type": "smtp", "host": "127.0.0.1", "port": mail.port,
            "extra": {"from_email": "ucj@subang.go.id", "disable_ssl": True,
                      "disable_tls": True}})
        # Addressees of the sink only: with a real ucj_smtp the Variables must be given too.
        _set_variable("ucj_inspector_emails", "pengawas@disnakertrans.subang.go.id")
        _set_variable("ucj_data_engineer_emails", "data-engineering@subang.go.id")
    if not os.environ.get("AIRFLOW_CONN_UCJ_ALERT_WEBHOOK"):
        hook = stack.enter_context(WebhookSink(_outbox(cfg)))
        _set_connection("ucj_alert_webhook", {"conn_type": "http", "host": hook.url})
    return server


def migrate_airflow_db() -> None:
    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def run_pipeline(cfg: config.Settings, months: list[str], log: Path) -> None:
    """Reference tables; per month the registry and the enrollment file; then the warehouse."""
    from ucj.registry.client import load_snapshot_csv

    landing = Path(cfg.landing_zone)
    has_registry = any(_snapshot(landing, m) for m in months)
    run = Runner(log)
    with ExitStack() as stack:
        server = _local_services(stack, cfg, has_registry)
        run("ucj_reference", {})
        if any((landing / "village_budget").glob("apbdes_*.csv")):
            run("ucj_village_budget", {})
        for periode in months:
            snapshot = _snapshot(landing, periode)
            if snapshot and (server or os.environ.get("AIRFLOW_CONN_UCJ_REGISTRY_API")):
                if server:
                    server.upsert(load_snapshot_csv(snapshot))
                run("ucj_registry", {}, periode)
            run("ucj_enrollment", {"periode": periode}, periode)
        run("ucj_warehouse", {"periodes": months})


def print_summary(cfg: config.Settings, log: Path) -> None:
    from ucj import warehouse
    from ucj.io import lake
    from ucj.report import html as report_html
    from ucj.validation import datadocs
    from ucj.warehouse import load as wl

    wh = warehouse.connect(cfg.warehouse_url, read_only=True)
    try:
        summary = wl.coverage_summary(wh)
        audit = wh.query("SELECT source, partition_value, rows_read, rows_valid, "
                         "rows_quarantined, rows_loaded FROM audit.run_audit "
                         "ORDER BY source, partition_value")
        compliance = wh.query(
            "SELECT kategori_kepatuhan, COUNT(*) AS perusahaan FROM marts.mart_company_compliance "
            "WHERE periode = (SELECT MAX(periode) FROM marts.mart_company_compliance) "
            "GROUP BY kategori_kepatuhan ORDER BY kategori_kepatuhan")
        alerts = wh.query("SELECT subject_type, rule, status, COUNT(*) AS alerts "
                          "FROM marts.alerts GROUP BY subject_type, rule, status "
                          "ORDER BY subject_type, rule, status")
        sent = wh.query("SELECT channel, status, COUNT(*) AS n FROM audit.alert_delivery "
                        "GROUP BY channel, status ORDER BY channel")
    finally:
        wh.close()
    summary["coverage"] = (summary["coverage"] * 100).round(2).astype(str) + " %"
    print(f"\nUCJ coverage per kecamatan, {summary['periode'].iloc[0]}")
    print(summary.drop(columns="periode").to_string(index=False))
    print("\nRun audit (read = valid + quarantined; loaded = rows in core)")
    print(audit.drop_duplicates(["source", "partition_value"], keep="last").to_string(index=False))
    if not compliance.empty:
        print("\nCompany compliance, latest month")
        print(compliance.to_string(index=False))
    if not alerts.empty:
        print("\nAlerts for inspectors (by rule and lifecycle status)")
        print(alerts.to_string(index=False))
        print("\nDeliveries")
        print(sent.to_string(index=False))
    print(f"\nwarehouse:          {cfg.warehouse_url}")
    print(f"lake:               {cfg.lake}")
    print(f"quarantine:         {lake.quarantine_root(cfg.lake)}")
    print(f"validation reports: {cfg.validation_dir}")
    print(f"GX Data Docs:       {datadocs.site_index(cfg.validation_dir)}")
    dbt_docs = Path(cfg.validation_dir) / "dbt_docs" / "index.html"
    print(f"dbt docs:           {dbt_docs if dbt_docs.exists() else '(none: see the task log)'}")
    reports = sorted(report_html.report_dir(cfg.lake).glob("ucj_report_*.html"))
    print(f"district report:    {reports[-1] if reports else '(none: see the task log)'}")
    print(f"landing zone:       {cfg.landing_zone}")
    print(f"alert outbox:       {_outbox(cfg)}")
    print(f"airflow task logs:  {log}")


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
        from ucj_sample import generate

        print(f"generating {args.months} sample months into {landing} ...", flush=True)
        step = time.time()
        generate(landing, _months(args.start, args.months), args.participants, seed=args.seed,
                 progress=lambda line: print(line, flush=True))
        print(f"  generated in {time.time() - step:.1f} s", flush=True)
    months = _delivered_months(landing)
    if not months:
        print(f"no enrollment file in {landing}/enrollment", file=sys.stderr)
        return 2
    log = Path(os.environ.get("UCJ_HOME", ".local")) / "logs" / "demo-airflow.log"
    print("migrating the Airflow metadata database ...", flush=True)
    step = time.time()
    migrate_airflow_db()
    print(f"  migrated in {time.time() - step:.1f} s", flush=True)
    print(f"running the DAGs through Airflow ({len(months)} months):", flush=True)
    step = time.time()
    run_pipeline(cfg, months, log)
    print(f"  all DAG runs in {time.time() - step:.1f} s", flush=True)
    print_summary(cfg, log)
    return 0


if __name__ == "__main__":
    sys.exit(main())
