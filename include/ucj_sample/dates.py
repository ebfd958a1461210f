"""Dates as integer days since 1970-01-01, and their contract text form DD/MM/YYYY."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

EPOCH = dt.date(1970, 1, 1)
MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def day_of(date: dt.date) -> int:
    return (date - EPOCH).days


def day_of_ymd(year: int, month: int, day: int) -> int:
    return day_of(dt.date(year, month, day))


def date_of(day: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(day))


def month_bounds(month: str) -> tuple[int, int]:
    """First and last day of a YYYY-MM month."""
    year, mon = (int(p) for p in month.split("-"))
    first = dt.date(year, mon, 1)
    nxt = dt.date(year + mon // 12, mon % 12 + 1, 1)
    return day_of(first), day_of(nxt) - 1


def shift_month(month: str, delta: int) -> str:
    year, mon = (int(p) for p in month.split("-"))
    idx = year * 12 + mon - 1 + delta
    return f"{idx // 12:04d}-{idx % 12 + 1:02d}"


def month_range(start: str, count: int) -> list[str]:
    return [shift_month(start, i) for i in range(count)]


def normalise_months(months) -> list[str]:
    """A 'YYYY-MM', a list of them, or (start, count); consecutive months, sorted."""
    if isinstance(months, str):
        months = [months]
    elif isinstance(months, tuple) and len(months) == 2 and isinstance(months[1], int):
        months = month_range(months[0], months[1])
    months = sorted(months)
    if not months or not all(MONTH_RE.match(m) for m in months):
        raise ValueError(f"months must be YYYY-MM strings, got {months!r}")
    if months != month_range(months[0], len(months)):
        raise ValueError(f"months must be consecutive, got {months!r}")
    return months


def ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month, day arrays of day numbers."""
    d64 = np.asarray(days, dtype="int64").astype("datetime64[D]")
    months = d64.astype("datetime64[M]")
    year = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (d64 - months.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, day


def format_days(days: np.ndarray) -> np.ndarray:
    """DD/MM/YYYY strings; formats each distinct day once (a few thousand at most)."""
    days = np.asarray(days, dtype=np.int64)
    uniq, inverse = np.unique(days, return_inverse=True)
    text = pd.to_datetime(uniq, unit="D").strftime("%d/%m/%Y").to_numpy(dtype=object)
    return text[inverse]
