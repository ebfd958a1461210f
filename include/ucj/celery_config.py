"""The Celery workers' configuration: Airflow's own, plus modules each worker imports once
when it starts (``[celery] celery_config_options = ucj.celery_config.CELERY_CONFIG``).

Airflow forks every task from a worker process, so a module the worker has imported is
already there in the task. Great Expectations takes seconds to import (``pipeline_bench.py``
prints it): without this, every mapped ``validate`` task, one per part of a month, would
import it again. Airflow preloads its own operators the same way (the ``import_modules``
signal in ``celery_executor_utils``)."""

from __future__ import annotations

from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG

CELERY_CONFIG = {
    **DEFAULT_CELERY_CONFIG,
    "imports": [*DEFAULT_CELERY_CONFIG.get("imports", ()), "ucj.validation.preload"],
}
