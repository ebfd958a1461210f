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


class UnknownDelivery(Refused, ValueError):
    """A file whose name is not a delivery of its source's contract (``kepesertaan_202513``,
    ``apbdes_20X5``): refused on its own, naming it; the other deliveries go on."""


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


def force_param():
    """The DAGs' ``force`` trigger parameter: load a delivery although it breaks a batch-level
    expectation (``ucj.validation.batch_rules``), when an engineer knows the data really
    changed. The expectations are still evaluated and recorded, and the engineers told."""
    from airflow.sdk import Param

    return Param(False, type="boolean",
                 description="Load even a delivery that breaks a batch-level expectation "
                             "(refused otherwise): only when the data really changed")
