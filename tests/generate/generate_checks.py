"""Independent reading of generated files and a plain-Python reading of the enrollment rules.

Deliberately separate from the generator's own code, so the tests check the files against the
contract rather than against the generator. Cross-column rules are checked only when their
inputs are present and pass their own format rule (the convention the truth relies on).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path

import pandas as pd

COLUMNS = [
    "periode", "kpj", "nik", "nama", "tgl_lahir", "jenis_kelamin", "segmen", "kategori", "npp",
    "kode_desa", "upah", "program", "status", "tgl_kepesertaan", "tgl_nonaktif",
    "sumber_iuran", "iuran",
]
REQUIRED = [c for c in COLUMNS if c not in ("npp", "tgl_nonaktif")]
CODES = ["jenis_kelamin", "segmen", "kategori", "program", "status", "sumber_iuran"]
ENUMS = {
    "jenis_kelamin": {"L", "P"},
    "segmen": {"PU", "BPU", "JAKON", "PMI"},
    "kategori": {"SWASTA", "NON_ASN", "PERANGKAT_DESA", "PEKERJA_RENTAN", "LAINNYA"},
    "status": {"AKTIF", "NONAKTIF"},
    "sumber_iuran": {"PEMBERI_KERJA", "MANDIRI", "APBD_KABUPATEN", "APBD_PROVINSI", "DANA_DESA",
                     "CSR"},
}
PROGRAMS = {"JKK", "JKM", "JHT", "JP", "JKP"}
MONTHS = ["2025-12", "2026-01", "2026-02"]  # the shared landing zone spans two reference years
XLSX_MONTH = "2026-01"


def raw_rows(path: Path) -> pd.DataFrame:
    """Every data row as text exactly as written, with its physical row_number."""
    if path.suffix == ".xlsx":
        from openpyxl import load_workbook

        ws = load_workbook(path, read_only=True).worksheets[0]
        sheet = list(ws.iter_rows(values_only=True))
        header_at = next(i for i, r in enumerate(sheet) if r and r[0] == "periode")
        width = len(COLUMNS)  # a row ending in empty cells comes back shorter
        lines = [(i + 1, ["" if v is None else str(v) for v in (*r, *[None] * width)][:width])
                 for i, r in enumerate(sheet) if i > header_at]
    else:
        text = path.read_text(encoding="utf-8-sig").split("\n")
        lines = [(i + 1, line.split(";")) for i, line in enumerate(text) if i and line]
    frame = pd.DataFrame([values for _, values in lines], columns=COLUMNS, dtype=object)
    frame.insert(0, "row_number", [number for number, _ in lines])
    return frame


def normalised(frame: pd.DataFrame) -> pd.DataFrame:
    """The quirks the contract says must still be read: trailing spaces, lower-case codes."""
    out = frame.copy()
    for c in COLUMNS:
        out[c] = out[c].str.strip()
    for c in CODES:
        out[c] = out[c].str.upper()
    return out


def date_or_none(text: str) -> dt.date | None:
    if not re.fullmatch(r"\d{2}/\d{2}/\d{4}", text):
        return None
    try:
        return dt.datetime.strptime(text, "%d/%m/%Y").date()
    except ValueError:
        return None


def nik_parts(nik: str) -> tuple[str, str] | None:
    """(DDMMYY birth date, sex) of a well-formed NIK, else None."""
    if not re.fullmatch(r"\d{16}", nik) or nik[12:] == "0000":
        return None
    day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    sex = "P" if day > 40 else "L"
    day -= 40 if day > 40 else 0
    for century in (1900, 2000):
        try:
            dt.date(century + yy, month, day)
            return f"{day:02d}{month:02d}{yy:02d}", sex
        except ValueError:
            continue
    return None


def _number(text: str) -> float | None:
    return float(text) if re.fullmatch(r"-?\d+(\.\d+)?", text) else None


def _identity_rules(r: dict, periode: str, kpj_count: Counter) -> set[str]:
    bad = set()
    if r["periode"]:
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", r["periode"]):
            bad.add("periode_format")
        elif r["periode"] != periode:
            bad.add("periode_matches_file")
    if r["kpj"]:
        if not re.fullmatch(r"\d{11}", r["kpj"]):
            bad.add("kpj_format")
        if kpj_count[r["kpj"]] > 1:
            bad.add("kpj_unique")
    nik = nik_parts(r["nik"]) if r["nik"] else None
    if r["nik"] and nik is None:
        bad.add("nik_format")
    born = date_or_none(r["tgl_lahir"]) if r["tgl_lahir"] else None
    if r["tgl_lahir"] and born is None:
        bad.add("tgl_lahir_date")
    if nik and born and nik[0] != born.strftime("%d%m%y"):
        bad.add("nik_matches_tgl_lahir")
    if nik and r["jenis_kelamin"] in ENUMS["jenis_kelamin"] and nik[1] != r["jenis_kelamin"]:
        bad.add("nik_matches_jenis_kelamin")
    return bad


def _membership_rules(r: dict, desa: set[str]) -> set[str]:
    bad = {f"{c}_enum" for c, ok in ENUMS.items() if r[c] and r[c] not in ok}
    if r["npp"] and not re.fullmatch(r"\d{8}", r["npp"]):
        bad.add("npp_format")
    if r["segmen"] == "PU" and not r["npp"]:
        bad.add("npp_required_pu")
    if r["segmen"] in ("BPU", "PMI") and r["npp"]:
        bad.add("npp_blank_bpu_pmi")
    if r["kode_desa"] and r["kode_desa"] not in desa:
        bad.add("kode_desa_known")
    upah = _number(r["upah"]) if r["upah"] else 1.0
    if upah is None or upah <= 0:
        bad.add("upah_positive")
    parts = r["program"].split("+")
    if r["program"] and (not set(parts) <= PROGRAMS or len(set(parts)) != len(parts)):
        bad.add("program_set")
    for col in ("tgl_kepesertaan", "tgl_nonaktif"):
        if r[col] and date_or_none(r[col]) is None:
            bad.add(f"{col}_date")
    if r["status"] == "AKTIF" and r["tgl_nonaktif"]:
        bad.add("tgl_nonaktif_blank_when_aktif")
    iuran = _number(r["iuran"]) if r["iuran"] else 0.0
    if iuran is None or iuran < 0:
        bad.add("iuran_nonnegative")
    elif r["status"] == "NONAKTIF" and iuran != 0:
        bad.add("iuran_zero_when_nonaktif")
    return bad


def _date_order_rules(r: dict, periode: str) -> set[str]:
    """Dates a snapshot taken at the end of ``periode`` cannot hold (real dates only)."""
    born, reg, end = (date_or_none(r[c]) if r[c] else None
                      for c in ("tgl_lahir", "tgl_kepesertaan", "tgl_nonaktif"))
    year, month = (int(p) for p in periode.split("-"))
    last = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    bad = set()
    if reg and reg > last:
        bad.add("tgl_kepesertaan_not_after_month_end")
    if end and end > last:
        bad.add("tgl_nonaktif_not_after_month_end")
    if reg and end and end < reg:
        bad.add("tgl_nonaktif_not_before_tgl_kepesertaan")
    if born and reg and reg < born:
        bad.add("tgl_kepesertaan_not_before_tgl_lahir")
    return bad


def broken_rules(frame: pd.DataFrame, periode: str, desa: set[str]) -> dict[int, set[str]]:
    """row_number -> the rules the (normalised) row breaks."""
    kpj_count = Counter(k for k in frame["kpj"] if k)
    out = {}
    for r in frame.to_dict("records"):
        bad = {f"{c}_required" for c in REQUIRED if not r[c]}
        bad |= _identity_rules(r, periode, kpj_count) | _membership_rules(r, desa)
        bad |= _date_order_rules(r, periode)
        out[r["row_number"]] = bad
    return out


def periode_of(path: Path) -> str:
    stamp = re.search(r"(\d{6})", path.name).group(1)
    return f"{stamp[:4]}-{stamp[4:]}"
