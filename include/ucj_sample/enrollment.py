"""Monthly enrollment snapshots: honest rows, contract quirks, and the file writers."""

from __future__ import annotations

import io
import itertools
import re
import zipfile
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import dates
from . import domain as d
from .history import History
from .reference import World

COLUMNS = list(d.ENROLLMENT_COLUMNS)
BOM = b"\xef\xbb\xbf"
LOWER_COLS = ("segmen", "status", "kategori", "sumber_iuran", "jenis_kelamin", "program")
SPACE_COLS = ("nama", "kpj", "nik", "segmen", "kategori", "status", "kode_desa", "npp",
              "program", "upah", "iuran", "sumber_iuran")
XLSX_TITLE = "DAFTAR PESERTA BPJS KETENAGAKERJAAN - KANTOR CABANG SUBANG"
FIRST_DATA_LINE = {"csv": 2, "xlsx": 4}  # header is line 1; xlsx has 2 title rows above it


def _program_names(mask: int) -> list[str]:
    return [p for i, p in enumerate(d.PROGRAMS) if mask & (1 << i)]


PROGRAM_TEXT = np.array(["+".join(_program_names(m)) for m in range(32)], dtype=object)


@dataclass
class Snapshot:
    frame: pd.DataFrame  # clean contract text, sorted by kpj
    person: np.ndarray
    aktif: np.ndarray
    registered: np.ndarray  # registered within the month
    deactivated: np.ndarray  # deactivated within the month


def zfill(values: np.ndarray, width: int) -> np.ndarray:
    return np.strings.zfill(np.asarray(values).astype(str), width).astype(object)


def wages(m: dict, idx: np.ndarray, year: int) -> np.ndarray:
    """upah in the year: fixed amounts, a clump exactly at UMK, the rest above it."""
    umk = d.umk_for_year(year)
    above = np.ceil(umk * m["factor"][idx] / 1000.0) * 1000.0
    wage = np.where(m["at_umk"][idx], d.umk_wage(year), above)
    return np.where(m["fixed_wage"][idx] > 0, m["fixed_wage"][idx], wage).astype(np.int64)


def contributions(m: dict, idx: np.ndarray, upah: np.ndarray, month: str) -> np.ndarray:
    """Monthly iuran from the DOMAIN.md rates (JKP is government-funded, so not due)."""
    mask, risk, seg = m["mask"][idx], m["risk"][idx], m["seg"][idx]
    has = {bit: (mask & bit) > 0 for bit in (d.JHT, d.JP, d.JKP)}
    jkk = np.where(has[d.JKP], np.array(d.JKK_RATES_JKP)[risk], np.array(d.JKK_RATES)[risk])
    cap = d.jp_cap_for_month(month)
    wage_based = (upah * (jkk + d.JKM_RATE) + has[d.JHT] * upah * d.JHT_RATE
                  + has[d.JP] * np.minimum(upah, cap) * d.JP_RATE)
    bpu = (np.maximum(d.BPU_JKK_MIN, upah * d.BPU_JKK_RATE) + d.BPU_JKM
           + has[d.JHT] * upah * d.BPU_JHT_RATE)
    rentan = np.where(m["sumber"][idx] == d.APBD_PROVINSI, d.RENTAN_IURAN_PROVINSI,
                      d.RENTAN_IURAN)
    amount = np.select(
        [m["kat"][idx] == d.PEKERJA_RENTAN, np.isin(seg, (d.BPU, d.PMI))], [rentan, bpu],
        wage_based,
    )
    return d.round_half_up(amount)


def snapshot(history: History, world: World, month: str) -> Snapshot:
    s, e = dates.month_bounds(month)
    m, persons = history.members, history.persons
    idx = np.flatnonzero(m["reg"] <= e)
    idx = idx[np.argsort(m["kpj"][idx], kind="stable")]
    aktif = m["end"][idx] > e
    upah = wages(m, idx, int(month[:4]))
    iuran = np.where(aktif, contributions(m, idx, upah, month), 0)
    p = m["person"][idx]
    npp = m["npp"][idx]
    nonaktif_text = np.full(len(idx), "", dtype=object)
    nonaktif_text[~aktif] = dates.format_days(m["end"][idx][~aktif])
    frame = pd.DataFrame({
        "periode": np.full(len(idx), month, dtype=object),
        "kpj": zfill(m["kpj"][idx], 11),
        "nik": persons.nik_text[p],
        "nama": persons.nama[p],
        "tgl_lahir": persons.dob_text[p],
        "jenis_kelamin": persons.sex_text[p],
        "segmen": np.array(d.SEGMEN, dtype=object)[m["seg"][idx]],
        "kategori": np.array(d.KATEGORI, dtype=object)[m["kat"][idx]],
        "npp": np.where(npp < 0, "", zfill(npp, 8)),
        "kode_desa": world.villages.codes[m["desa"][idx]],
        "upah": upah.astype(str).astype(object),
        "program": PROGRAM_TEXT[m["mask"][idx]],
        "status": np.where(aktif, d.STATUS[0], d.STATUS[1]).astype(object),
        "tgl_kepesertaan": dates.format_days(m["reg"][idx]),
        "tgl_nonaktif": nonaktif_text,
        "sumber_iuran": np.array(d.SUMBER, dtype=object)[m["sumber"][idx]],
        "iuran": iuran.astype(str).astype(object),
    }, columns=COLUMNS, dtype=object)
    end = m["end"][idx]
    return Snapshot(frame, p, aktif, m["reg"][idx] >= s,
                    (end >= s) & (end <= e))


# --- quirks: valid rows written the way real exports write them ---------------------------
def _set(frame: pd.DataFrame, col: str, values: np.ndarray) -> None:
    """Keep object dtype (pandas would infer its string dtype and copy everything)."""
    frame[col] = pd.Series(values, index=frame.index, dtype=object)


def _reorderings(program: str) -> list[str]:
    parts = program.split("+")
    return ["+".join(p) for p in itertools.permutations(parts)][1:]  # [0] is the original


def _shuffle_programs(rng, frame: pd.DataFrame, share: float) -> int:
    """A program value is a set, so some rows list it in another order."""
    values = frame["program"].to_numpy(dtype=object).copy()
    rows = np.flatnonzero(rng.random(len(frame)) < share)
    cache: dict[str, list[str]] = {}
    changed = 0
    for i in rows:  # only a few percent of rows
        options = cache.setdefault(values[i], _reorderings(values[i]))
        if options:
            values[i] = options[rng.integers(0, len(options))]
            changed += 1
    _set(frame, "program", values)
    return changed


def _per_column(rng, frame: pd.DataFrame, share: float, cols, change) -> int:
    rows = np.flatnonzero(rng.random(len(frame)) < share)
    col_of = rng.integers(0, len(cols), len(rows))
    changed = 0
    for k, col in enumerate(cols):
        sel = rows[col_of == k]
        values = frame[col].to_numpy(dtype=object).copy()
        sel = sel[values[sel] != ""]  # a blank stays blank: whitespace-only is not a quirk
        values[sel] = change(values[sel], rng)
        _set(frame, col, values)
        changed += len(sel)
    return changed


def _lower(values: np.ndarray, rng) -> np.ndarray:
    return np.array([v.lower() for v in values], dtype=object)


def _trailing(values: np.ndarray, rng) -> np.ndarray:
    pad = np.array([" ", "  ", "   "], dtype=object)[rng.integers(0, 3, len(values))]
    return values + pad


def apply_quirks(rng, clean: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    frame = clean.copy()
    counts = {
        "program_order": _shuffle_programs(rng, frame, 0.05),
        "lower_case": _per_column(rng, frame, 0.01, LOWER_COLS, _lower),
        "trailing_space": _per_column(rng, frame, 0.01, SPACE_COLS, _trailing),
    }
    return frame, counts


# --- writers ---------------------------------------------------------------------------------
def csv_bytes(frame: pd.DataFrame, bom: bool, blank_lines: int) -> bytes:
    columns = [frame[c].to_numpy(dtype=object).tolist() for c in COLUMNS]
    lines = [";".join(COLUMNS), *(";".join(row) for row in zip(*columns, strict=True))]
    text = "\n".join(lines) + "\n" + "\n" * blank_lines
    return (BOM if bom else b"") + text.encode("utf-8")


def _cell(col: str, value: str):
    if value == "":
        return None
    if col in ("upah", "iuran") and re.fullmatch(r"-?[1-9][0-9]*|0", value):
        return int(value)  # real exports carry money as numbers
    return value


def xlsx_bytes(frame: pd.DataFrame, month: str) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Peserta")
    ws.append([XLSX_TITLE])
    ws.append([f"Periode {month}"])
    ws.append(COLUMNS)
    for row in frame[COLUMNS].itertuples(index=False, name=None):
        ws.append([_cell(c, v) for c, v in zip(COLUMNS, row, strict=True)])
    buf = io.BytesIO()
    wb.save(buf)
    return _stable_zip(buf.getvalue())


def _stable_zip(data: bytes) -> bytes:
    """openpyxl stamps the current time into the package; pin it for byte-identical runs."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*",
                              rb"\g<1>2000-01-01T00:00:00Z", body)
            stable = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            stable.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(stable, body)
    return out.getvalue()


