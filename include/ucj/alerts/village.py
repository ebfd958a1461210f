"""Village alerts (subject_type ``desa``): APBDes premiums against the participants they pay.

One alert per desa, rule and fiscal year, raised from the flags of ``marts.mart_dana_desa``
(rules and thresholds in the dbt model ``include/sql/models/marts/mart_dana_desa.sql`` and in
``ucj.village``; the thresholds reach the SQL through the run's staged scope and the macro
``threshold``, not as bound parameters). The alerts table is keyed by month, so a year's
alerts carry the latest enrollment month of the year loaded in the warehouse
(``periode_akhir``): when the next month of the year arrives they are computed again for it
and become ongoing, or are resolved when the condition is gone. A run that loads several
months of a year at once computes them once, at its latest month.
"""

from __future__ import annotations

import pandas as pd

from ucj.alerts.company import AlertRule, _plain

SUBJECT_TYPE = "desa"

RULES = [
    AlertRule("PREMI_PERANGKAT_TANPA_PESERTA", "is_premi_perangkat_tanpa_peserta",
              "Premi BPJS Ketenagakerjaan perangkat desa direalisasikan tanpa peserta yang "
              "sepadan", "tinggi",
              ("tahun", "premi_perangkat_anggaran", "premi_perangkat_realisasi",
               "setara_peserta_premi_perangkat", "peserta_dana_desa_perangkat",
               "perangkat_aktif", "jumlah_perangkat_desa")),
    AlertRule("PREMI_RENTAN_TANPA_PESERTA", "is_premi_rentan_tanpa_peserta",
              "Premi BPJS Ketenagakerjaan pekerja rentan direalisasikan tanpa peserta yang "
              "sepadan", "tinggi",
              ("tahun", "premi_rentan_anggaran", "premi_rentan_realisasi",
               "setara_peserta_premi_rentan", "peserta_dana_desa_rentan")),
    AlertRule("PESERTA_PERANGKAT_TANPA_PREMI", "is_peserta_perangkat_tanpa_premi",
              "Perangkat desa dengan iuran dari Dana Desa tanpa anggaran premi di APBDes",
              "sedang",
              ("tahun", "peserta_dana_desa_perangkat", "iuran_dana_desa_perangkat",
               "bulan_dimuat", "premi_perangkat_anggaran", "premi_perangkat_realisasi")),
    AlertRule("PESERTA_RENTAN_TANPA_PREMI", "is_peserta_rentan_tanpa_premi",
              "Pekerja rentan dengan iuran dari Dana Desa tanpa anggaran premi di APBDes",
              "sedang",
              ("tahun", "peserta_dana_desa_rentan", "iuran_dana_desa_rentan", "bulan_dimuat",
               "premi_rentan_anggaran", "premi_rentan_realisasi")),
]
LABELS = {r.code: r.label for r in RULES}


def candidates(mart: pd.DataFrame, npp: dict[str, str] | None = None) -> list[dict]:
    """One alert per raised flag of the desa rows of ``mart`` (one year). ``npp``: the village
    government's employer number per desa, when its officials are registered."""
    desa = mart[mart["tingkat"] == "desa"]
    rows = []
    for rule in RULES:
        raised = desa[rule.flag].astype("boolean").fillna(False).astype(bool)
        for rec in desa.loc[raised].to_dict("records"):
            rows.append({
                "rule": rule.code, "subject_type": SUBJECT_TYPE,
                "subject_id": rec["kode_wilayah"], "subject_name": _plain(rec["nama_wilayah"]),
                "npp": (npp or {}).get(rec["kode_wilayah"]), "kode_desa": rec["kode_wilayah"],
                "periode": rec["periode_akhir"], "severity": rule.severity,
                "evidence": {k: _plain(rec[k]) for k in rule.evidence},
            })
    return rows
