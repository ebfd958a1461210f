"""Monthly BPJS Ketenagakerjaan enrollment snapshot: landing zone -> validated Parquet lake."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import Param, dag, task
from ucj.notify import notify_data_engineers
from ucj.refusal import final, force_param
from ucj.report.deadline import POKE_INTERVAL, SENSOR_TIMEOUT
from ucj.sources import ENROLLMENT

DEFAULT_ARGS = {"owner": "data-engineering", "retries": 2, "retry_delay": timedelta(minutes=2),
                # after the last try: tell the data engineers (schema drift named as such)
                "on_failure_callback": notify_data_engineers}


@dag(
    dag_id="ucj_enrollment",
    schedule="@monthly",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=2,
    default_args=DEFAULT_ARGS,
    tags=["ucj", "enrollment", "bpjs-ketenagakerjaan"],
    params={"periode": Param(None, type=["null", "string"], pattern=r"^\d{4}-\d{2}$",
                             description="Month YYYY-MM (default: the run's month)"),
            "force": force_param()},
    doc_md=__doc__,
)
def ucj_enrollment():
    @task.sensor(poke_interval=POKE_INTERVAL, timeout=SENSOR_TIMEOUT, mode="reschedule")
    @final  # overdue: fails once, with the deadline notice
    def wait_for_delivery(params=None, dag_run=None, data_interval_start=None,
                          data_interval_end=None, logical_date=None, run_id=None):
        """The month's file is due by day 10 (variable ucj_enrollment_due_day) of the next
        month: until then a missing file is no failure, the sensor looks again hourly."""
        from datetime import UTC, datetime

        from airflow.sdk import PokeReturnValue
        from ucj import airflow_settings, periods
        from ucj.report import deadline

        periode = periods.for_run(params.get("periode"), getattr(dag_run, "run_type", None),
                                  data_interval_start, logical_date, data_interval_end)
        found = deadline.look_for_delivery(airflow_settings.settings().landing_zone, periode,
                                           airflow_settings.enrollment_due_day(),
                                           datetime.now(UTC), run_id)
        return PokeReturnValue(is_done=found is not None, xcom_value=found)

    # the copy to the raw zone: a national month (9.4 GB) takes under a minute on a local
    # disk; an hour bounds a landing zone that stalls (an object store that stops answering)
    @task(execution_timeout=timedelta(hours=1))
    @final  # a refusal (wrong delivery) fails at once: no retry can mend it
    def extract(delivered: str, params=None, dag_run=None, data_interval_start=None,
                data_interval_end=None, logical_date=None) -> dict:
        """Copy the month's delivered file (the sensor's find) to the raw zone."""
        from ucj import airflow_settings, periods
        from ucj.io import lake, landing

        periode = periods.for_run(params.get("periode"), getattr(dag_run, "run_type", None),
                                  data_interval_start, logical_date, data_interval_end)
        cfg = airflow_settings.settings()
        raw_dir = lake.raw_dir(cfg.lake, ENROLLMENT, periode)
        return {"periode": periode, **landing.copy_to_raw(cfg.landing_zone, delivered, raw_dir)}

    @task
    @final
    def plan_parts(raw: dict) -> list[dict]:
        """Check the header and cut the month into parts (byte ranges of the file)."""
        from ucj import airflow_settings
        from ucj.pipeline import enrollment

        return enrollment.plan(raw["path"], airflow_settings.settings().lake)

    @task.branch
    @final
    def first_pass(parts: list[dict]) -> str:
        """kpj uniqueness spans the month, so its kpjs are counted before validation: over a
        month of several parts by a task per part (count_kpj, then find_duplicates); a month
        of one part here, and on to validate, with no task mapped over its one part."""
        from ucj.pipeline import enrollment

        return "validate" if enrollment.first_pass_if_one_part(parts) else "count_kpj"

    @task
    @final
    def count_kpj(part: dict) -> str:
        """First pass over one part: kpj and row number of every record."""
        from ucj.pipeline import enrollment

        return enrollment.scan_kpj(part)

    @task
    @final
    def find_duplicates(parts: list[dict]) -> str:
        """kpj uniqueness spans the month: count repeats over all parts (out of core)."""
        from ucj.pipeline import enrollment

        return enrollment.find_duplicates(parts)

    @task(trigger_rule="none_failed_min_one_success")  # find_duplicates skipped for one part
    @final
    def validate(part: dict) -> str:
        """Great Expectations validation of one part: valid and quarantined part files."""
        from ucj import airflow_settings
        from ucj.pipeline import enrollment

        return enrollment.validate_part(part, airflow_settings.settings().pseudonym_key)

    @task(outlets=[ENROLLMENT.asset])
    @final
    def commit(parts: list[dict], raw: dict, params=None, outlet_events=None) -> dict:
        """The month's batch-level expectations hold (or the run is forced): its partition
        and quarantine are swapped in at once; a refused month changes nothing."""
        from ucj import airflow_settings
        from ucj.pipeline import enrollment

        result = enrollment.commit(parts, airflow_settings.settings().validation_dir,
                                   extra_manifest={"sha256": raw["sha256"],
                                                   "raw_copy": raw["path"]},
                                   policy=airflow_settings.batch_policy(params.get("force")))
        print(f"validation report: {result['validation_report']}")
        outlet_events[ENROLLMENT.asset].extra = {ENROLLMENT.partition_key: result["periode"],
                                                 "partition": result["partition"]}
        return result

    raw = extract(wait_for_delivery())
    parts = plan_parts(raw)
    counted = count_kpj.expand(part=parts)
    validated = validate.expand(part=parts)
    first_pass(parts) >> [counted, validated]
    counted >> find_duplicates(parts) >> validated >> commit(parts, raw)


ucj_enrollment()
