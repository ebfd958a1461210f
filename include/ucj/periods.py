"""Which month a run is about."""

from __future__ import annotations

import re
from datetime import date, datetime

PERIODE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def check(periode: str) -> str:
    if not PERIODE.fullmatch(periode or ""):  # fullmatch: "$" would let "2026-01\n" in
        raise ValueError(f"periode must be YYYY-MM, got {periode!r}")
    return periode


def of(moment: date | datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def previous(moment: date | datetime) -> str:
    year, month = (moment.year, moment.month - 1) if moment.month > 1 else (moment.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def for_run(param: str | None, run_type: str | None, interval_start, logical_date,
            interval_end=None) -> str:
    """The explicit parameter wins. A scheduled or backfill run covers its data interval's
    month when it has one (a data-interval timetable); with Airflow 3's default cron trigger
    (start == end, fired at the start of a month) it covers the month that just ended, whose
    end-of-month snapshot is due then. A manual run without a parameter takes the month
    before it too."""
    if param:
        return check(param)
    if run_type in ("scheduled", "backfill") and interval_start is not None:
        if interval_end is not None and interval_end > interval_start:
            return of(interval_start)
        return previous(interval_start)
    return previous(logical_date or datetime.now())


def shift(periode: str, months: int) -> str:
    year, month = map(int, check(periode).split("-"))
    index = year * 12 + month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def bounds(periode: str) -> tuple[date, date]:
    """The month's first day and the next month's first day."""
    year, month = map(int, check(periode).split("-"))
    start = date(year, month, 1)
    nxt = shift(periode, 1)
    return start, date(int(nxt[:4]), int(nxt[5:]), 1)
