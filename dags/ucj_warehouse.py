"""Warehouse load, scheduled on the lake assets: staging -> core -> marts in DuckDB/PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import Param, dag, task
from ucj.assets import ENROLLMENT, MARTS, REFERENCE, REGISTRY

DEFAULT_ARGS = {"owner": "data-engineering", "retries": 2, "retry_delay": timedelta(minutes=2)}


@dag(
    dag_id="ucj_warehouse",
    schedule=(ENROLLMENT | REFERENCE | REGISTRY),
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,  # one writer at a time (DuckDB allows a single read-write process)
    default_args=DEFAULT_ARGS,
    tags=["ucj", "warehouse"],
    params={"periodes": Param([], type="array",
                              description="Months to (re)load when run by hand; [] = every "
                                          "month in the lake")},
    doc_md=__doc__,
)
def ucj_warehouse():
    @task(outlets=[MARTS])
    def load(params=None, triggering_asset_events=None, run_id=None) -> dict:
        from ucj import airflow_settings
        from ucj.warehouse import load as wl

        cfg = airflow_settings.settings()
        extras = [dict(e.extra or {}) for events in (triggering_asset_events or {}).values()
                  for e in events]
        result = wl.run(cfg.warehouse_url, cfg.lake, extras, params.get("periodes") or [], run_id)
        print(result.pop("summary"))
        return result

    @task
    def deliver_alerts() -> dict:
        """New alerts to inspectors by e-mail and webhook; failures stay pending for the
        next run (and fail this task so the engineers see it)."""
        from ucj import airflow_settings, warehouse
        from ucj.alerts import company
        from ucj.alerts.deliver import deliver

        cfg = airflow_settings.settings()
        notifiers = airflow_settings.alert_notifiers(company.LABELS)
        if not notifiers:
            print("no alert channel configured (connections ucj_smtp, ucj_alert_webhook)")
            return {}
        wh = warehouse.connect(cfg.warehouse_url)
        try:
            return deliver(wh, notifiers)
        finally:
            wh.close()

    load() >> deliver_alerts()


ucj_warehouse()
