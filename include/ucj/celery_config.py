"""The Celery workers' configuration: Airflow's own, plus modules each worker imports once
when it starts (``[celery] celery_config_options = ucj.celery_config.CELERY_CONFIG``), and
dbt's interpreter kept warm beside each worker (``worker_init`` below).

Airflow forks every task from a worker process, so a module the worker has imported is
already there in the task. Great Expectations takes seconds to import (``pipeline_bench.py``
prints it): without this, every mapped ``validate`` task, one per part of a month, would
import it again. Airflow preloads its own operators the same way (the ``import_modules``
signal in ``celery_executor_utils``)."""

from __future__ import annotations

from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG
from celery.signals import worker_init

CELERY_CONFIG = {
    **DEFAULT_CELERY_CONFIG,
    "imports": [*DEFAULT_CELERY_CONFIG.get("imports", ()), "ucj.validation.preload"],
}


@worker_init.connect
def _warm_dbt(**_kwargs) -> None:
    """dbt's interpreter kept warm beside each worker, started before its pool forks the task
    processes, which inherit its socket (``ucj.warehouse.warm``). Sent in worker processes
    only, never where this configuration is read to send tasks."""
    from ucj.warehouse import dbt

    dbt.start_warm()
