"""Deterministic refusals: a delivery that is wrong as it stands, which no retry can mend.

A file that cannot be read as its contract says, a file name that is not a delivery, a batch
that breaks a batch-level expectation: each raises a :class:`Refused` (or a subclass) whose
message names the file. Airflow retries a task that fails for a passing cause (a network
hiccup, a lock); a refusal would fail the same way on every try, so the tasks of the DAGs are
wrapped in :func:`final`, which turns a refusal into Airflow's fail-without-retry. The
failure callback still tells the data engineers, at once instead of after the retries.
"""

from __future__ import annotations

import functools


class Refused(Exception):
    """The input is wrong as a whole: refused, not retried. The message names the file."""


def final(fn):
    """Task decorator (below ``@task``): a :class:`Refused` raised by ``fn`` fails the task
    instance without retrying it (``AirflowFailException``, the refusal as its cause)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Refused as exc:
            from airflow.sdk.exceptions import AirflowFailException

            raise AirflowFailException(f"refused, not retried: {exc}") from exc

    return wrapper
