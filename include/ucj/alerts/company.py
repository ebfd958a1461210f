"""Company alerts: one per compliance flag raised in a month, with the numbers behind it."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class AlertRule:
    code: str
    flag: str  # column of marts.mart_company_compliance
    label: str  # Indonesian, for inspectors
    severity: str
    evidence: tuple[str, ...]
    # A small case keeps its alert (no honest explanation at any size) at a lower severity:
    # (column, limit): below the limit the alert is "sedang".
    small_below: tuple[str, int] | None = None

    def severity_of(self, rec: dict) -> str:
        if self.small_below is None:
            return self.severity
        column, limit = self.small_below
        value = rec.get(column)
        return "sedang" if value is not None and not pd.isna(value) and value < limit \
            else self.severity


RULES = [
    AlertRule("PWBD", "is_pwbd", "Perusahaan Wajib Belum Daftar (PWBD)", "tinggi",
              ("jumlah_tk_wlkp", "npp", "peserta_pu_aktif", "status_usaha")),
    AlertRule("PDS_TK", "is_pds_tk", "Perusahaan Daftar Sebagian - Tenaga Kerja", "tinggi",
              ("jumlah_tk_wlkp", "peserta_pu_aktif", "selisih_tk"), ("selisih_tk", 5)),
    AlertRule("PDS_UPAH", "is_pds_upah", "Perusahaan Daftar Sebagian - Upah", "sedang",
              ("peserta_pu_aktif", "porsi_upah_le_umk", "umk", "upah_median", "skala_usaha")),
    AlertRule("PDS_PROGRAM", "is_pds_program", "Perusahaan Daftar Sebagian - Program", "sedang",
              ("skala_usaha", "program_wajib", "porsi_tanpa_program_wajib", "peserta_pu_aktif")),
    AlertRule("PENURUNAN_MENDADAK", "is_penurunan_mendadak",
              "Penurunan peserta mendadak tanpa penurunan WLKP", "tinggi",
              ("peserta_pu_prev", "peserta_pu_aktif", "jumlah_tk_wlkp_prev", "jumlah_tk_wlkp")),
    AlertRule("ROTASI", "is_rotasi", "Rotasi pekerja: dinonaktifkan lalu didaftarkan ulang",
              "tinggi", ("didaftarkan_ulang", "peserta_pu_aktif"), ("didaftarkan_ulang", 3)),
]
LABELS = {r.code: r.label for r in RULES}


def _plain(value):
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float):
        return round(value, 4)
    if not isinstance(value, (int, str, bool)):
        return float(value) if str(value).replace(".", "", 1).isdigit() else str(value)
    return value


def candidates(compliance: pd.DataFrame) -> list[dict]:
    """Rows (rule, subject, evidence) for every flag raised in ``compliance``."""
    rows = []
    for rule in RULES:
        for rec in compliance.loc[compliance[rule.flag].astype(bool)].to_dict("records"):
            rows.append({
                "rule": rule.code, "subject_type": "company", "subject_id": rec["nib"],
                "subject_name": _plain(rec["nama_perusahaan"]), "npp": _plain(rec["npp"]),
                "kode_desa": _plain(rec["kode_desa"]), "periode": rec["periode"],
                "severity": rule.severity_of(rec),
                "evidence": {k: _plain(rec[k]) for k in rule.evidence},
            })
    return rows
