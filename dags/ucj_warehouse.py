"""Warehouse load, scheduled on the lake assets: the dbt project (include/sql) builds the run's
scope privately and one transaction publishes it (DuckDB or PostgreSQL); then the alerts of what
it published, their delivery, the district report and the dbt docs site."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import Param, dag, task
from ucj.assets import ENROLLMENT, MARTS, REFERENCE, REGISTRY, VILLAGE_BUDGET
from ucj.notify import notify_data_engineers

DEFAULT_ARGS = {"owner": "data-engineering", "retries": 2, "retry_delay": timedelta(minutes=2),
                # after the last try: tell the data engineers by e-mail and webhook
                "on_failure_callback": notify_data_engineers}


@dag(
    dag_id="ucj_warehouse",
    schedule=(ENROLLMENT | REFERENCE | REGISTRY | VILLAGE_BUDGET),
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,  # one writer at a time (DuckDB allows a single read-write process)
    max_active_tasks=1,  # alerts (write) and report (read) never open DuckDB together
    default_args=DEFAULT_ARGS,
    tags=["ucj", "warehouse"],
    params={"periodes": Param([], type="array",
                              description="Months to (re)load when run by hand; [] = every "
                                          "month in the lake"),
            "target_coverage": Param(None, type=["null", "number"], exclusiveMinimum=0,
                                     maximum=100,
                                     description="UCJ coverage target of the report and the "
                                                 "action plan, percent (default "
                                                 "UCJ_TARGET_COVERAGE, else 34.99 = RKP 2026; "
                                                 "RPJMN 2025 32.15, RPJMN 2029 43.92, "
                                                 "Kemendagri 2025 52.15, Purwakarta 55, "
                                                 "Kabupaten Serang 50.87)"),
            # the action plan's scenario (ucj.rencana): empty fields keep the defaults
            "batas_dana_desa_persen": Param(None, type=["null", "number"], minimum=0,
                                            maximum=100,
                                            description="Rencana aksi: share of a desa's Dana "
                                                        "Desa its informal workers' premiums "
                                                        "may take, percent (default 5)"),
            "iuran_bpu_bulanan": Param(None, type=["null", "integer"], minimum=0,
                                       description="Rencana aksi: BPU premium per person and "
                                                   "month, rupiah (default 16800, lowest band)"),
            "rencana_aksi": Param({}, type="object",
                                  description="Rencana aksi: other parameters of ucj.rencana "
                                              "(tarif_jkk, tarif_jkm, gaji_kepala_desa, ...), "
                                              "e.g. {\"tarif_jkk\": 0.0054}")},
    doc_md=__doc__,
)
def ucj_warehouse():
    @task(outlets=[MARTS])
    def load(params=None, triggering_asset_events=None, run_id=None) -> dict:
        """dbt builds the run's scope privately; one transaction publishes it. Each model's
        status and time are in the log (and dbt's run_results.json)."""
        from ucj import airflow_settings, rencana
        from ucj.warehouse import load as wl

        cfg = airflow_settings.settings()
        extras = [dict(e.extra or {}) for events in (triggering_asset_events or {}).values()
                  for e in events]
        # the action plan's scenario of the trigger form (its empty fields: the configured one)
        result = wl.run(cfg.warehouse_url, cfg.lake, extras, params.get("periodes") or [], run_id,
                        scenario=rencana.from_dag_params(params) or None)
        for node in result.pop("models"):
            print(f"dbt {node['status']:<8} {node['execution_time'] or 0:6.2f} s  "
                  f"{node['unique_id']}")
        print(result.pop("summary"))
        return result

    @task
    def alerts(published: dict) -> dict:
        """The alerts of what the load published, read from the published marts."""
        from ucj import airflow_settings, warehouse
        from ucj.warehouse import load as wl

        wh = warehouse.connect(airflow_settings.settings().warehouse_url)
        try:
            return wl.store_alerts(wh, published)
        finally:
            wh.close()

    @task
    def dbt_docs() -> str:
        """dbt's docs site (lineage, models, columns, tests), beside the GX Data Docs."""
        from ucj import airflow_settings
        from ucj.warehouse import build

        cfg = airflow_settings.settings()
        page = build.docs(cfg.warehouse_url, cfg.validation_dir / "dbt_docs")
        print(f"dbt docs: {page}")
        return str(page)

    @task
    def deliver_alerts() -> dict:
        """New alerts to inspectors by e-mail and webhook, at least once; failures stay
        pending for the next run (and fail this task so the engineers see it)."""
        import logging

        from ucj import airflow_settings, warehouse
        from ucj.alerts import company, village
        from ucj.alerts.deliver import deliver

        cfg = airflow_settings.settings()
        notifiers = airflow_settings.alert_notifiers({**company.LABELS, **village.LABELS})
        if not notifiers:  # each missing connection is logged; the alerts stay pending
            logging.getLogger(__name__).error(
                "no alert channel configured (connections ucj_smtp, ucj_alert_webhook): "
                "no alert was delivered")
            return {}
        wh = warehouse.connect(cfg.warehouse_url)
        try:
            return deliver(wh, notifiers)
        finally:
            wh.close()

    @task
    def report(loaded: dict, params=None) -> list[str]:
        """The district's HTML report of the months loaded (and of the latest month)."""
        from ucj import airflow_settings
        from ucj.report import html

        cfg = airflow_settings.settings()
        months = loaded.get("periodes_baru", [])
        target = html.target_from(params.get("target_coverage") or html.env_target())
        paths = html.write_reports(cfg.warehouse_url, cfg.lake, months, target)
        for path in paths:
            print(f"report: {path}")
        return [str(p) for p in paths]

    loaded = load()
    alerts(loaded) >> deliver_alerts()
    report(loaded) >> dbt_docs()


ucj_warehouse()
