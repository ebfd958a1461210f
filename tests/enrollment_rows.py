"""Hand-made enrollment rows for tests: one valid row, and helpers to write contract files."""

from __future__ import annotations

from pathlib import Path

from ucj.contracts.enrollment import COLUMNS

DESA = "32.13.01.2003"  # Sukamandi, Kecamatan Sagalaherang

BASE = {
    "periode": "2026-01", "kpj": "00000000001", "nik": "3213011505900001", "nama": "Asep Sunandar",
    "tgl_lahir": "15/05/1990", "jenis_kelamin": "L", "segmen": "PU", "kategori": "SWASTA",
    "npp": "00012345", "kode_desa": DESA, "upah": "3737482", "program": "JKK+JKM+JHT+JP",
    "status": "AKTIF", "tgl_kepesertaan": "01/02/2020", "tgl_nonaktif": "",
    "sumber_iuran": "PEMBERI_KERJA", "iuran": "400000",
}


def row(**changes) -> dict:
    return {**BASE, **changes}


def write_csv(path: Path, rows: list[dict], bom: bool = False, trailer: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [";".join(COLUMNS)] + [";".join(str(r.get(c, "")) for c in COLUMNS) for r in rows]
    path.write_text(("\ufeff" if bom else "") + "\n".join(lines) + "\n" + trailer,
                    encoding="utf-8")
    return path
