"""Store a month's alerts with their lifecycle: new, ongoing (raised the month before too),
resolved (raised the month before, not any more). Ids are deterministic per (rule, subject,
month), so re-running a month rewrites the same alerts and keeps their delivery state."""

from __future__ import annotations

import hashlib
import json
import math
from decimal import Decimal
from numbers import Integral, Real

import numpy as np
import pandas as pd

from ucj import periods
from ucj.alerts import messages
from ucj.warehouse.base import Session

COLUMNS = ["alert_id", "rule", "subject_type", "subject_id", "subject_name", "npp", "kode_desa",
           "periode", "severity", "status", "first_periode", "resolved_periode", "evidence",
           "message"]


def alert_id(rule: str, subject_type: str, subject_id: str, periode: str) -> str:
    key = "|".join([rule, subject_type, subject_id, periode])
    return hashlib.sha256(key.encode()).hexdigest()[:20]


def plain_number(value):
    """One written form for an evidence value on both backends. PostgreSQL rows reach pandas
    as Python values, so an integer column holding a NULL becomes float (``14.0`` workers)
    where DuckDB keeps a nullable integer (``14``), and a NUMERIC arrives as a Decimal: a whole
    number is written as an integer, any other number rounded to 4 decimals, missing as None.
    Strings (NPP, status) stay as they are."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (str, bool)):
        return value
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, (Real, Decimal)):
        number = float(value)
        if math.isnan(number):
            return None
        return int(number) if number.is_integer() else round(number, 4)
    return value


def store(s: Session, periode: str, subject_type: str, found: list[dict],
          labels: dict[str, str]) -> dict:
    """``found``: dicts with rule, subject_id, subject_name, npp, kode_desa, periode,
    severity and evidence (a dict of the numbers behind the alert)."""
    prev = periods.shift(periode, -1)
    params = {"periode": periode, "prev_periode": prev, "subject_type": subject_type}
    s.run_file("alerts/reopen.sql", params)
    before = s.query("SELECT rule, subject_id, first_periode FROM marts.alerts "
                     "WHERE periode = :prev_periode AND subject_type = :subject_type", params)
    carried = {(r.rule, r.subject_id): r.first_periode for r in before.itertuples()}
    rows = []
    for rec in found:
        first = carried.get((rec["rule"], rec["subject_id"]), periode)
        rec = {**rec, "evidence": {k: plain_number(v) for k, v in rec["evidence"].items()}}
        alert = {**rec, "alert_id": alert_id(rec["rule"], subject_type, rec["subject_id"],
                                             periode),
                 "status": "new" if first == periode else "ongoing",
                 "first_periode": first, "resolved_periode": None}
        alert["message"] = messages.body(alert, labels[rec["rule"]])
        alert["evidence"] = json.dumps(rec["evidence"], ensure_ascii=False, sort_keys=True)
        rows.append(alert)
    s.execute("DELETE FROM marts.alerts WHERE periode = :periode AND subject_type = :subject_type",
              params)
    frame = pd.DataFrame(rows, columns=COLUMNS).astype({"resolved_periode": "object"})
    if not frame.empty:
        s.insert_frame("marts.alerts", frame)
    s.run_file("alerts/resolve.sql", params)
    return {"alerts": len(frame), "new": int((frame["status"] == "new").sum())}
