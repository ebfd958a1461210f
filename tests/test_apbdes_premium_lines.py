"""Which APBDes lines are employment social-security premiums (SOURCES.md section 3), on
real-looking Siskeudes descriptions, including those that must not match."""

from __future__ import annotations

import json

import pytest
from ucj import village

OFFICIALS, VULNERABLE = "PERANGKAT_DESA", "PEKERJA_RENTAN"

# (kode_kegiatan, uraian, expected beneficiary) for BELANJA lines
CASES = [
    # Activity 01.01.03: every line except health insurance, whatever it says.
    ("01.01.03.", "Iuran BPJS Ketenagakerjaan Kepala Desa dan Perangkat Desa", OFFICIALS),
    ("01.01.03", "Premi BPJS TK Kades & Perangkat (JKK, JKM)", OFFICIALS),
    ("01.01.03.", "Belanja Jaminan Sosial Kepala Desa", OFFICIALS),
    ("01.01.03.", "Iuran Jaminan Kecelakaan Kerja dan Jaminan Kematian Perangkat Desa", OFFICIALS),
    ("01.01.03.", "IURAN BPJS PERANGKAT DESA", OFFICIALS),  # "BPJS" alone, no health context
    ("01.01.03.", "Pembayaran premi BPJamsostek aparatur desa", OFFICIALS),
    ("01.01.03.", "Iuran BPJS-TK sekdes, kaur dan kasi", OFFICIALS),
    ("01.01.03.", "Iuran BPJS Kesehatan perangkat desa", None),
    ("01.01.03.", "Iuran BPJS Kesehatan Kepala Desa dan Perangkat Desa (4 %)", None),
    ("01.01.03.", "Pembayaran JKN perangkat desa", None),
    ("01.01.03.", "Iuran JKN-KIS Kades dan Perangkat", None),
    ("01.01.03.", "Premi Jaminan Kesehatan Kepala Desa", None),
    ("01.01.03", "Iuran BPJS Kes. perangkat desa", None),
    ("01.01.03.", "iuran bpjskesehatan kades", None),
    ("01.01.03.", "Iuran BPJS untuk layanan kesehatan perangkat desa", None),  # health context
    ("01.01.03.", "Iuran BPJS (KIS) keluarga perangkat desa", None),
    ("01.01.03.", "Iuran BPJS Ketenagakerjaan dan Kesehatan Perangkat Desa", None),  # both
    ("01.01.03.", "Jamkesda perangkat desa", None),
    # Other activities: only lines naming employment social security.
    ("04.02.01.", "Iuran BPJS Ketenagakerjaan bagi pekerja rentan (buruh tani)", VULNERABLE),
    ("03.02.05.", "Premi BPJS TK guru ngaji dan marbot", VULNERABLE),
    ("03.01.01.", "Jaminan Sosial Ketenagakerjaan anggota Linmas", VULNERABLE),
    ("04.06.01.", "Iuran Jamsostek ketua RT/RW", VULNERABLE),
    ("04.06.01.", "Iuran jaminan sosial tenaga kerja nelayan", VULNERABLE),
    ("02.02.01.", "Iuran BPJS Ketenagakerjaan kader kesehatan (posyandu)", VULNERABLE),
    ("04.06.01.", "iuran  bpjs   ketenaga kerjaan pekerja rentan", VULNERABLE),
    ("04.06.01.", "Iuran B.P.J.S. T.K. petani penggarap", VULNERABLE),
    ("01.01.03.", "Iuran J.K.N perangkat desa", None),
    ("02.02.01.", "Bantuan iuran BPJS Kesehatan warga miskin", None),
    ("02.02.01.", "Iuran BPJS warga miskin (PBI)", None),  # "BPJS" alone in a health context
    ("02.02.01.", "Iuran BPJS", None),  # "BPJS" alone outside 01.01.03: not employment
    ("04.06.01.", "Iuran BPJS TK dan BPJS Kesehatan RT/RW", None),
    ("01.01.01.", "Honor petugas kebersihan kantor desa", None),
    ("01.01.02.", "Penghasilan Tetap Perangkat Desa", None),
    ("05.03.01.", "BLT Dana Desa", None),
    ("02.03.10.", "Pembangunan jalan desa (tenaga kerja HOK)", None),
    ("02.01.01.", "Penyelenggaraan PAUD/TK/TPA Milik Desa", None),  # TK = kindergarten
]


@pytest.mark.parametrize("kode,uraian,expected", CASES)
def test_premium_beneficiary(kode, uraian, expected):
    assert village.premium_beneficiary("BELANJA", kode, uraian) == expected


@pytest.mark.parametrize("jenis", ["PENDAPATAN", "PEMBIAYAAN", None])
def test_only_spending_lines_are_premiums(jenis):
    assert village.premium_beneficiary(jenis, "01.01.03.", "Iuran BPJS Ketenagakerjaan") is None
    assert village.premium_beneficiary(jenis, None, "Iuran BPJS Ketenagakerjaan") is None


def test_missing_description_of_the_officials_activity_still_counts():
    assert village.premium_beneficiary("BELANJA", "01.01.03.", None) == OFFICIALS
    assert village.premium_beneficiary("BELANJA", "04.06.01.", None) is None


@pytest.mark.parametrize("kode,item", [
    ("4.2.1", "DANA_DESA"), ("4.2.1.01", "DANA_DESA"), ("4.2.2", "BHP"), ("4.2.2.03", "BHP"),
    ("4.2.3", "ADD"), ("4.2.10", None), ("4.2.4", None), ("4.1.1", None), ("4.2", None),
])
def test_revenue_items(kode, item):
    assert village.revenue_item("PENDAPATAN", kode) == item
    assert village.revenue_item("BELANJA", kode) is None


@pytest.mark.parametrize("kode,normal", [
    ("01.01.03", "01.01.03."), ("01.01.03.", "01.01.03."), (" 02.03.10 ", "02.03.10."),
    ("", None), (None, None),
])
def test_activity_codes_get_their_trailing_dot(kode, normal):
    assert village.activity_code(kode) == normal


def test_thresholds_are_parameters(monkeypatch):
    assert village.thresholds()["premi_bulanan_rentan"] == 16_800
    monkeypatch.setenv("UCJ_VILLAGE_THRESHOLDS", json.dumps({"premi_min_selisih": 5}))
    assert village.thresholds()["premi_min_selisih"] == 5
    lower = village.thresholds({"premi_maks_porsi_peserta": 0.25})
    assert lower["premi_maks_porsi_peserta"] == 0.25
    with pytest.raises(KeyError):
        village.thresholds({"no_such_threshold": 1})
