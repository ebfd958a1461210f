"""Domain figures (DOMAIN.md) and contract enumerations (SOURCES.md) the generator uses.

Figures stay parameters here, never buried in code: several are disputed or change yearly.
The enumerations are the generator's own copy, so it can serve as an independent oracle for
the validator.
"""

from __future__ import annotations

import zlib

import numpy as np

# --- contract: enrollment columns and codes -------------------------------------------------
ENROLLMENT_COLUMNS = (
    "periode", "kpj", "nik", "nama", "tgl_lahir", "jenis_kelamin", "segmen", "kategori", "npp",
    "kode_desa", "upah", "program", "status", "tgl_kepesertaan", "tgl_nonaktif", "sumber_iuran",
    "iuran",
)
REQUIRED_COLUMNS = (
    "periode", "kpj", "nik", "nama", "tgl_lahir", "jenis_kelamin", "segmen", "kategori",
    "kode_desa", "upah", "program", "status", "tgl_kepesertaan", "sumber_iuran", "iuran",
)
SEGMEN = ("PU", "BPU", "JAKON", "PMI")
KATEGORI = ("SWASTA", "NON_ASN", "PERANGKAT_DESA", "PEKERJA_RENTAN", "LAINNYA")
SUMBER = ("PEMBERI_KERJA", "MANDIRI", "APBD_KABUPATEN", "APBD_PROVINSI", "DANA_DESA", "CSR")
STATUS = ("AKTIF", "NONAKTIF")
JENIS_KELAMIN = ("L", "P")
PROGRAMS = ("JKK", "JKM", "JHT", "JP", "JKP")  # canonical order; bit i of a program mask

# integer codes used inside the generator
PU, BPU, JAKON, PMI = range(4)
SWASTA, NON_ASN, PERANGKAT_DESA, PEKERJA_RENTAN, LAINNYA = range(5)
PEMBERI_KERJA, MANDIRI, APBD_KABUPATEN, APBD_PROVINSI, DANA_DESA, CSR = range(6)
JKK, JKM, JHT, JP, JKP = (1 << i for i in range(5))

# --- reference files ----------------------------------------------------------------------
TENAGA_KERJA_COLUMNS = (
    "tahun", "kode_desa", "penduduk", "penduduk_usia_kerja", "penduduk_bekerja",
    "jumlah_perangkat_desa",
)
NON_ASN_COLUMNS = ("tahun", "kode_opd", "nama_opd", "npp", "kode_desa", "jumlah_non_asn")
UMK_COLUMNS = ("tahun", "umk")

# --- money ----------------------------------------------------------------------------------
# UMK Kabupaten Subang; 2025 is given with cents and is written to umk.csv as given.
UMK = {2024: 3294485, 2025: 3508626.53, 2026: 3737482}
# JP wage cap, effective from the month given.
JP_WAGE_CAP = {"2024-03": 10042300, "2025-03": 10547400, "2026-03": 11086300}
JKK_RATES = (0.0024, 0.0054, 0.0089, 0.0127, 0.0174)  # risk class very low .. very high
JKK_RATES_JKP = (0.0010, 0.0040, 0.0075, 0.0113, 0.0160)  # PP 49/2023, workers in JKP
JKM_RATE = 0.003
JHT_RATE = 0.057  # employer 3.7 % + worker 2 %
JP_RATE = 0.03  # employer 2 % + worker 1 %
BPU_JKK_RATE = 0.01
BPU_JKK_MIN = 10000
BPU_JKM = 6800
BPU_JHT_RATE = 0.02
RENTAN_IURAN = 16800  # lowest BPU band paid by the district / village / CSR
RENTAN_IURAN_PROVINSI = 10000  # province-funded programme (Nov 2025)
RENTAN_INCOME = 1000000
PERANGKAT_PAY = (2426640, 2224420, 2022200)  # kepala desa, sekretaris desa, other perangkat

# --- population shape -----------------------------------------------------------------------
PENDUDUK_AT_300K = 1677628  # Kemendagri 2025, matched to participants=300000
REFERENCE_PARTICIPANTS = 300000
SEGMENT_SHARES = {PU: 0.55, BPU: 0.35, JAKON: 0.07, PMI: 0.03}
RENTAN_SHARE_OF_BPU = 0.40
SECOND_ROW_SHARE = 0.03  # persons with two rows
BASE_INACTIVE_SHARE = 0.12
MONTHLY_NEW_SHARE = 0.008
MONTHLY_DEACTIVATION = 0.004  # keeps NONAKTIF within 10-20 % over two years
ROTATION_SHARE_OF_NEW = 0.10  # returners (history._returners), as a share of new registrations
N_AGENCIES = 25
FULL_ROSTER_PARTICIPANTS = 60000  # below this, village-official enrollment is scaled down


def round_half_up(x: np.ndarray) -> np.ndarray:
    """Whole Rupiah, halves rounded up (numpy's rint would round half to even)."""
    return np.floor(np.asarray(x, dtype=np.float64) + 0.5).astype(np.int64)


def umk_for_year(year: int) -> float:
    """UMK of the year; outside the known years, the nearest known year's."""
    if year in UMK:
        return UMK[year]
    known = sorted(UMK)
    before = [y for y in known if y <= year]
    return UMK[before[-1] if before else known[0]]


def umk_wage(year: int) -> int:
    """A wage 'exactly at UMK' in whole Rupiah (2025's cents rounded half up)."""
    return int(round_half_up(umk_for_year(year)))


def jp_cap_for_month(month: str) -> int:
    """JP wage cap in force in the month; before the first known cap, the first one."""
    keys = sorted(JP_WAGE_CAP)
    before = [k for k in keys if k <= month]
    return JP_WAGE_CAP[before[-1] if before else keys[0]]


def stream(seed: int, name: str) -> np.random.Generator:
    """Independent random stream per component, so one part's draws never shift another's."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])
