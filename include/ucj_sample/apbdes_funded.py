"""The participants a desa pays for, read back from the enrollment files already written.

The latest month file of a year, its planted bad rows left out (the pipeline quarantines
them), gives the active DANA_DESA participants per desa, placed the way the warehouse places
them (among their DANA_DESA rows, latest tgl_kepesertaan, smallest kpj); the village roster
gives each desa's number of officials.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from . import domain as d
from .truth import TRUTH_DIR


def months_of_year(landing: Path, year: int) -> list[tuple[str, Path]]:
    """(YYYY-MM, path) of the year's enrollment files in the landing zone, by month."""
    pattern = re.compile(rf"^kepesertaan_({year})(\d{{2}})\.(csv|xlsx)$", re.IGNORECASE)
    folder = landing / "enrollment"
    found = []
    for p in sorted(folder.iterdir()) if folder.exists() else []:
        if m := pattern.match(p.name):
            found.append((f"{m.group(1)}-{m.group(2)}", p))
    return sorted(found)


def _read_enrollment(path: Path) -> pd.DataFrame:
    """Data rows as text with their physical row_number (header = line 1; xlsx: sheet row)."""
    cols = list(d.ENROLLMENT_COLUMNS)
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = list(wb.worksheets[0].iter_rows(values_only=True))
        finally:
            wb.close()
        head = next(i for i, r in enumerate(sheet) if r and str(r[0]).strip() == "periode")
        rows = [(i + 1, ["" if v is None else str(v) for v in (*r, *[None] * len(cols))][
            :len(cols)]) for i, r in enumerate(sheet) if i > head]
    else:
        text = path.read_text(encoding="utf-8-sig").split("\n")
        rows = [(i + 1, line.split(";")) for i, line in enumerate(text) if i and line.strip()]
    frame = pd.DataFrame([v for _, v in rows], columns=cols, dtype=object)
    frame = frame.apply(lambda c: c.str.strip())
    for c in ("kategori", "status", "sumber_iuran"):
        frame[c] = frame[c].str.upper()
    frame.insert(0, "row_number", [n for n, _ in rows])
    return frame


def dana_desa_participants(landing: Path, month_file: Path) -> pd.DataFrame:
    """Per desa and group (perangkat / rentan): active DANA_DESA persons placed there and the
    month's iuran of all their active DANA_DESA rows."""
    frame = _read_enrollment(month_file)
    truth = landing / TRUTH_DIR / "enrollment_bad_rows.csv"
    if truth.exists():
        bad = pd.read_csv(truth, dtype=str, keep_default_na=False)
        planted = bad.loc[bad["file"] == f"enrollment/{month_file.name}", "row_number"]
        frame = frame[~frame["row_number"].isin(planted.astype(int))]
    funded = frame[(frame["status"] == "AKTIF") & (frame["sumber_iuran"] == "DANA_DESA")].copy()
    funded["since"] = pd.to_datetime(funded["tgl_kepesertaan"], format="%d/%m/%Y")
    funded["iuran"] = pd.to_numeric(funded["iuran"])
    placed = funded.sort_values(["nik", "since", "kpj"], ascending=[True, False, True])
    placed = placed.drop_duplicates("nik").set_index("nik")
    paid = funded.groupby("nik")["iuran"].sum()
    out = pd.DataFrame({
        "kode_desa": placed["kode_desa"],
        "group": np.where(placed["kategori"] == "PERANGKAT_DESA", "perangkat", "rentan"),
        "iuran": paid.reindex(placed.index),
    })
    return out.groupby(["kode_desa", "group"]).agg(persons=("iuran", "size"),
                                                   iuran=("iuran", "sum")).reset_index()


def officials_roster(landing: Path, year: int) -> dict[str, int]:
    """Officials per desa from the year's village roster (reference/tenaga_kerja_desa_YYYY.csv)."""
    path = landing / "reference" / f"tenaga_kerja_desa_{year}.csv"
    if not path.exists():
        return {}
    t = pd.read_csv(path, dtype=str, keep_default_na=False)
    return {k: int(v) for k, v in zip(t["kode_desa"], t["jumlah_perangkat_desa"], strict=True)
            if v.isdigit()}
