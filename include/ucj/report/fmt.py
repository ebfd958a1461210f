"""Indonesian number formats and the plain HTML table of the report (ucj.report.html and its
sections, e.g. ucj.report.rencana)."""

from __future__ import annotations

import math
from html import escape

import pandas as pd


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA


def pct(v, digits: int = 2) -> str:
    """0.3499 -> '34,99 %' (a no-break space before the sign, as before every unit)."""
    if _missing(v):
        return "–"
    return f"{float(v) * 100:.{digits}f}".replace(".", ",") + "\u00a0%"


def num(v) -> str:
    """1234567 -> '1.234.567'."""
    if _missing(v):
        return "–"
    return f"{round(float(v)):,}".replace(",", ".")


def rupiah(v) -> str:
    if _missing(v):
        return "–"
    v = float(v)
    if abs(v) >= 1e9:
        return "Rp\u00a0" + f"{v / 1e9:.2f}".replace(".", ",") + "\u00a0miliar"
    if abs(v) >= 1e6:
        return "Rp\u00a0" + f"{v / 1e6:.1f}".replace(".", ",") + "\u00a0juta"
    return "Rp\u00a0" + num(v)


def points(v) -> str:
    """A difference of two ratios in percentage points: -0.0512 -> '−5,12 poin'."""
    if _missing(v):
        return "–"
    sign = "+" if v > 0 else "−" if v < 0 else ""
    return sign + f"{abs(float(v)) * 100:.2f}".replace(".", ",") + "\u00a0poin"


def _table(headers: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:
    head = "".join(f'<th class="{"n" if i in numeric else ""}">{escape(h)}</th>'
                   for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(
        f'<td class="{"n" if i in numeric else ""}">{cell}</td>' for i, cell in enumerate(row))
        + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
