"""Alert texts in Indonesian for labour inspectors (pengawas ketenagakerjaan)."""

from __future__ import annotations

import os

EVIDENCE_LABELS = {
    "jumlah_tk_wlkp": "Tenaga kerja menurut WLKP",
    "jumlah_tk_wlkp_prev": "Tenaga kerja WLKP bulan lalu",
    "npp": "NPP",
    "peserta_pu_aktif": "Peserta PU aktif",
    "peserta_pu_prev": "Peserta PU aktif bulan lalu",
    "selisih_tk": "Selisih (WLKP - peserta)",
    "porsi_upah_le_umk": "Porsi peserta dengan upah <= UMK",
    "umk": "UMK",
    "upah_median": "Median upah dilaporkan",
    "skala_usaha": "Skala usaha",
    "program_wajib": "Program wajib",
    "porsi_tanpa_program_wajib": "Porsi peserta tanpa program wajib",
    "didaftarkan_ulang": "Pekerja dinonaktifkan lalu didaftarkan ulang",
    "status_usaha": "Status usaha",
    "tahun": "Tahun anggaran",
    "premi_perangkat_anggaran": "Anggaran premi perangkat desa",
    "premi_perangkat_realisasi": "Realisasi premi perangkat desa",
    "setara_peserta_premi_perangkat": "Jumlah peserta yang dapat dibiayai premi perangkat",
    "peserta_dana_desa_perangkat": "Perangkat aktif dengan iuran Dana Desa",
    "perangkat_aktif": "Perangkat desa peserta aktif",
    "jumlah_perangkat_desa": "Jumlah perangkat desa",
    "premi_rentan_anggaran": "Anggaran premi pekerja rentan",
    "premi_rentan_realisasi": "Realisasi premi pekerja rentan",
    "setara_peserta_premi_rentan": "Jumlah peserta yang dapat dibiayai premi pekerja rentan",
    "peserta_dana_desa_rentan": "Pekerja rentan aktif dengan iuran Dana Desa",
    "iuran_dana_desa_perangkat": "Iuran perangkat dari Dana Desa",
    "iuran_dana_desa_rentan": "Iuran pekerja rentan dari Dana Desa",
    "bulan_dimuat": "Bulan kepesertaan yang dimuat",
}
MONEY = {"umk", "upah_median", "premi_perangkat_anggaran", "premi_perangkat_realisasi",
         "premi_rentan_anggaran", "premi_rentan_realisasi", "iuran_dana_desa_perangkat",
         "iuran_dana_desa_rentan"}
SUBJECT = {"company": "Perusahaan", "desa": "Desa"}
SEVERITY = {"tinggi": "TINGGI", "sedang": "SEDANG"}


def _value(key: str, value) -> str:
    if value is None:
        return "-"
    if key.startswith("porsi_"):
        return f"{float(value) * 100:.1f} %"
    if key in MONEY:
        return "Rp" + f"{float(value):,.0f}".replace(",", ".")
    return str(value)


def link(alert_id: str) -> str | None:
    template = os.environ.get("UCJ_ALERT_URL_TEMPLATE")
    return template.format(alert_id=alert_id) if template else None


def subject_line(alert: dict, label: str) -> str:
    who = alert["subject_name"] or alert["subject_id"]
    return f"[UCJ Subang] {label}: {who} - periode {alert['periode']}"


def body(alert: dict, label: str) -> str:
    npp = alert.get("npp") or "belum terdaftar"
    lines = [
        "Yth. Pengawas Ketenagakerjaan,",
        "",
        f"Sistem UCJ Subang mendeteksi pola pelaporan yang perlu diperiksa: {label}.",
        "",
        f"{SUBJECT.get(alert['subject_type'], 'Subjek'):<18}: {alert['subject_name'] or '-'} "
        f"({alert['subject_id']})",
        f"NPP               : {npp}",
        f"Kode desa         : {alert.get('kode_desa') or '-'}",
        f"Periode           : {alert['periode']}",
        f"Tingkat           : {SEVERITY.get(alert['severity'], alert['severity'])}",
        "",
        "Bukti:",
    ]
    for key, value in alert["evidence"].items():
        lines.append(f"  - {EVIDENCE_LABELS.get(key, key)}: {_value(key, value)}")
    lines += ["", f"ID peringatan: {alert['alert_id']}"]
    if url := link(alert["alert_id"]):
        lines.append(f"Tautan: {url}")
    return "\n".join(lines) + "\n"
