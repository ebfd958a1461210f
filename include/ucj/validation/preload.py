"""Imported once by each Celery worker when it starts (``ucj.celery_config``) and by the
scheduler before the LocalExecutor forks its workers (``ucj.local_executor``): Great
Expectations and the validation engine, in GX's quiet set-up, for the tasks forked from it.
No GX context is made here: each task makes its own."""

import logging

# Where Airflow's logging is set up before this import (the scheduler), GX's import logs a
# few hundred info lines about its own API docs and metric registry: noise in that log.
for _name in ("great_expectations._docs_decorators", "great_expectations.expectations.registry"):
    logging.getLogger(_name).setLevel(logging.WARNING)

from ucj.validation import engine  # noqa: E402, F401 - the import is the point
from ucj.validation.rules import gx_expectations  # noqa: E402

gx_expectations()
