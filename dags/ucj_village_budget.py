"""Village budgets (APBDes from Siskeudes, one file per fiscal year): landing zone -> lake.

Each ``village_budget/apbdes_YYYY.csv`` delivered is copied to the raw zone, validated with
Great Expectations and written to ``village_budget/tahun=YYYY`` (a re-delivery replaces the
year); the warehouse DAG runs on the asset and rebuilds the year's Dana Desa mart and alerts.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import dag, task
from ucj.notify import notify_data_engineers
from ucj.refusal import final, force_param
from ucj.sources import VILLAGE_BUDGET

DEFAULT_ARGS = {"owner": "data-engineering", "retries": 2, "retry_delay": timedelta(minutes=2),
                # after the last try: tell the data engineers by e-mail and webhook
                "on_failure_callback": notify_data_engineers}


@dag(
    dag_id="ucj_village_budget",
    schedule="@monthly",  # yearly files, re-delivered as realisation grows: look monthly
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["ucj", "village-budget", "apbdes"],
    params={"force": force_param()},
    doc_md=__doc__,
)
def ucj_village_budget():
    @task
    @final  # a refusal (wrong delivery) fails at once: no retry can mend it
    def find_files() -> list[str]:
        """Every APBDes year delivered in the landing zone."""
        from ucj import airflow_settings
        from ucj.pipeline import apbdes

        return apbdes.delivered_files(airflow_settings.settings().landing_zone)

    @task(outlets=[VILLAGE_BUDGET.asset])
    @final
    def process_file(source: str, params=None, outlet_events=None) -> dict:
        """Raw copy, Great Expectations validation, lake partition and quarantine."""
        from pathlib import Path

        from ucj import airflow_settings
        from ucj.io import lake, landing
        from ucj.pipeline import apbdes

        cfg = airflow_settings.settings()
        year = VILLAGE_BUDGET.partition_of(Path(source).name)
        raw = landing.copy_to_raw(cfg.landing_zone, source,
                                  lake.raw_dir(cfg.lake, VILLAGE_BUDGET, year))
        result = apbdes.process(raw["path"], cfg.lake, cfg.validation_dir,
                                extra_manifest={"sha256": raw["sha256"],
                                                "raw_copy": raw["path"]},
                                policy=airflow_settings.batch_policy(params.get("force")))
        print(f"validation report: {result['validation_report']}")
        outlet_events[VILLAGE_BUDGET.asset].extra = {VILLAGE_BUDGET.partition_key: year,
                                                     "partition": result["partition"]}
        return result

    process_file.expand(source=find_files())


ucj_village_budget()
