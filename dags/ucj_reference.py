"""Yearly reference tables (tenaga kerja desa, non-ASN rosters, UMK): landing zone -> lake."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import dag, task
from ucj.notify import notify_data_engineers
from ucj.refusal import final, force_param
from ucj.sources import REFERENCE

DEFAULT_ARGS = {"owner": "data-engineering", "retries": 2, "retry_delay": timedelta(minutes=2),
                # after the last try: tell the data engineers (schema drift named as such)
                "on_failure_callback": notify_data_engineers}


@dag(
    dag_id="ucj_reference",
    schedule="@monthly",  # yearly tables, re-delivered during the year: look monthly
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["ucj", "reference"],
    params={"force": force_param()},
    doc_md=__doc__,
)
def ucj_reference():
    @task
    @final  # a refusal (wrong delivery) fails at once: no retry can mend it
    def find_files() -> list[str]:
        from ucj import airflow_settings
        from ucj.pipeline import reference

        return reference.delivered_files(airflow_settings.settings().landing_zone)

    @task(outlets=[REFERENCE[0].asset])  # one Asset for every reference table
    @final
    def process_file(source: str, params=None) -> dict:
        """One file: a name that is no reference table is refused on its own."""
        from pathlib import Path

        from ucj import airflow_settings
        from ucj.io import lake, landing
        from ucj.pipeline import reference

        cfg = airflow_settings.settings()
        table = reference.source_for(Path(source).name)
        raw = landing.copy_to_raw(cfg.landing_zone, source,
                                  lake.raw_dir(cfg.lake, table, table.partition_of(
                                      Path(source).name)))
        result = reference.process(raw["path"], cfg.lake, cfg.validation_dir,
                                   extra_manifest={"sha256": raw["sha256"],
                                                   "raw_copy": raw["path"]},
                                   policy=airflow_settings.batch_policy(params.get("force")))
        print(f"validation report: {result['validation_report']}")
        return result

    process_file.expand(source=find_files())


ucj_reference()
