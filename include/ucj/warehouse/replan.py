"""Which loaded months' action plans a run must rebuild because its scenario changed.

``marts.mart_rencana_aksi`` stores the scenario it was built with (target, cap, unit costs:
``ucj.rencana``) on every row. A run given another scenario - a new target chosen in the
trigger form, a cap changed in ``UCJ_RENCANA_AKSI`` - rebuilds the plan of every loaded month
whose stored scenario differs, or that has no plan yet (a warehouse loaded before the plan
existed), so the published plans always share one scenario. Called from
``ucj.warehouse.scope.compute``; the months it names are rebuilt like any other month in scope.
"""

from __future__ import annotations

from ucj import rencana
from ucj.warehouse.base import Session

TABLE = ("marts", "mart_rencana_aksi")


def stale_months(s: Session, loaded: list[str], scenario: dict) -> set[str]:
    """The months of ``loaded`` whose published plan was not built with ``scenario``
    (``ucj.rencana.parameters``, plain names)."""
    if not loaded:
        return set()
    have = set(s.query("SELECT column_name FROM information_schema.columns "
                       "WHERE table_schema = :schema AND table_name = :table",
                       {"schema": TABLE[0], "table": TABLE[1]})["column_name"].str.lower())
    if not have or not set(rencana.COLUMNS) <= have:
        return set(loaded)  # no plan yet, or one from a version without these columns
    cols = ", ".join(rencana.COLUMNS)
    # the kabupaten row carries the month's scenario like every other row, and is one a month
    plans = s.query(f"SELECT periode, {cols} FROM {TABLE[0]}.{TABLE[1]} "
                    "WHERE tingkat = 'kabupaten'")
    current = {r["periode"] for r in plans.to_dict("records") if rencana.same(r, scenario)}
    return set(loaded) - current
