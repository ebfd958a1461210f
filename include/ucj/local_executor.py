"""The LocalExecutor of the embedded default, with Great Expectations imported once and dbt's
interpreter kept warm (``[core] executor = ucj.local_executor.PreloadLocalExecutor``, set by
``scripts/env.sh``).

What ``ucj.celery_config`` does for the Celery workers, for the LocalExecutor: Airflow 3.3's
LocalExecutor forks its worker processes from the scheduler, all at once when it starts
(multiprocessing's fork start method, Linux's default: ``LocalExecutor.start``), and each
worker forks every task it runs (the task SDK's supervisor, ``os.fork`` without exec on
Linux). So what the scheduler has imported before the executor starts is already there in
every task: GX imported here costs its seconds once, at the scheduler's start, instead of in
each validating task (every mapped ``validate`` part of a month). Its memory is shared too
(copy-on-write; Airflow freezes the collector's objects before forking the workers so that
they stay shared).

Under the spawn start method (``[core] mp_start_method = spawn``; macOS' default) a worker is
a new interpreter that inherits nothing: nothing is imported here, tasks import GX
themselves as before.
"""

from __future__ import annotations

from airflow.executors.local_executor import LocalExecutor


class PreloadLocalExecutor(LocalExecutor):
    """Airflow's LocalExecutor; under fork, GX is imported before the workers are forked."""

    def start(self) -> None:
        if self.is_mp_using_fork:
            import ucj.validation.preload  # noqa: F401 - the import is the point
        # dbt's interpreter warm beside the scheduler: its socket is in the environment that
        # the workers inherit, under fork or spawn (ucj.warehouse.warm)
        from ucj.warehouse import dbt

        dbt.start_warm()
        super().start()
