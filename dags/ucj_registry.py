"""Company registry (Disnakertrans WLKP + OSS) from its HTTP API: incremental, validated, lake."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import dag, task
from ucj.notify import notify_data_engineers
from ucj.refusal import final, force_param
from ucj.sources import REGISTRY

DEFAULT_ARGS = {"owner": "data-engineering", "retries": 2, "retry_delay": timedelta(minutes=5),
                # after the last try: tell the data engineers (schema drift named as such)
                "on_failure_callback": notify_data_engineers}
# The extract's backstop: the client's own deadline (ucj_registry_deadline_seconds, default
# 20 min, lowered to 90 % of this when set higher) fails first, naming the page; this also
# bounds what follows it (reading a snapshot, writing the extract).
EXTRACT_TIMEOUT = timedelta(minutes=30)


@dag(
    dag_id="ucj_registry",
    schedule="@daily",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,  # the watermark is advanced by one run at a time
    default_args=DEFAULT_ARGS,
    tags=["ucj", "registry", "wlkp"],
    params={"force": force_param()},
    doc_md=__doc__,
)
def ucj_registry():
    @task(execution_timeout=EXTRACT_TIMEOUT)
    @final  # a refusal (a bad token, a wrong delivery) fails at once: no retry can mend it
    def extract() -> dict:
        """Pages through the API from the watermark; an unreachable API falls back to a recent
        CSV snapshot (the data engineers are told). Never moves the watermark."""
        from ucj import airflow_settings
        from ucj.pipeline import registry

        cfg = airflow_settings.settings()
        creds = airflow_settings.registry_credentials()
        limits = airflow_settings.registry_limits(EXTRACT_TIMEOUT.total_seconds())
        result = registry.extract(creds.base_url, creds.token, cfg.lake, cfg.landing_zone,
                                  **limits)
        print(f"registry extract: {result['records']} records from {result['source']}")
        return result

    @task(outlets=[REGISTRY.asset])
    @final
    def validate(extracted: dict, params=None, outlet_events=None) -> dict:
        """Validates the extract into the lake, then moves the watermark over it (quarantined
        records are held and asked for again)."""
        from ucj import airflow_settings
        from ucj.pipeline import registry

        cfg = airflow_settings.settings()
        result = registry.process(extracted["path"], extracted["extract_id"], cfg.lake,
                                  cfg.validation_dir, {"extract_source": extracted["source"]},
                                  policy=airflow_settings.batch_policy(params.get("force")))
        print(f"validation report: {result['validation_report']}")
        outlet_events[REGISTRY.asset].extra = {REGISTRY.partition_key: extracted["extract_id"]}
        return result

    validate(extract())


ucj_registry()
