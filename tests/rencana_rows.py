"""A hand-made district for the action plan (issue 18) and its plan worked out by hand.

Four areas matter (every other desa has 0 working residents, so a target of 0 and no plan):

- A Sukamandi (desa): 200 working residents, 10 officials of whom 2 covered, a MENENGAH company
  registering 5 of its 20 WLKP workers (PDS TK), 2 non-ASN staff living here of an agency
  seated in C, a CSR-funded informal worker; Dana Desa Rp100 million: its plan exceeds the cap;
- B Cicadas (desa): 10 working residents, 5 covered: above target (4 officials of 5 uncovered
  are not in the plan);
- C Cupunagara (desa, Kecamatan Cisalak): 100 working residents, 12 officials none covered, an
  unregistered KECIL company (PWBD, 8 workers), the seat of the agency (6 staff, 2 covered), a
  compliant BESAR company (a CSR sponsor); Dana Desa Rp500 million;
- K Parung (kelurahan, Kecamatan Subang): 50 working residents, 1 covered, no Dana Desa.

Two months: December 2025 (without the CSR and the province-funded persons) and January 2026.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction
from pathlib import Path

from enrollment_rows import write_csv
from reference_rows import write_tenaga_kerja
from test_apbdes_rules import write_apbdes
from test_indicators import person

A, B, C, K = "32.13.01.2003", "32.13.01.2004", "32.13.02.2001", "32.13.03.1001"
KEC_AB, KEC_C, KEC_K, KAB = "32.13.01", "32.13.02", "32.13.03", "32.13"
DESA = {A: "desa", B: "desa", C: "desa", K: "kelurahan"}
UMK_2026 = 3737482
WORKERS = {A: 200, B: 10, C: 100, K: 50}
ROSTER = {A: 10, B: 5, C: 12}
DANA_DESA = {A: 100_000_000, C: 500_000_000}  # 2026, budgeted 4.2.1

X_NPP, Z_NPP, AGENCY_NPP = "30000001", "30000003", "11111111"
PU = {"segmen": "PU", "kategori": "SWASTA", "upah": "5000000", "program": "JKK+JKM+JHT+JP",
      "sumber_iuran": "PEMBERI_KERJA", "iuran": "500000"}
OFFICIAL = {"kategori": "PERANGKAT_DESA", "npp": "90000001", "sumber_iuran": "DANA_DESA",
            "upah": "2224420", "program": "JKK+JKM", "iuran": "12012"}
NON_ASN = {"kategori": "NON_ASN", "npp": AGENCY_NPP, "sumber_iuran": "APBD_KABUPATEN"}
BPU = {"segmen": "BPU", "kategori": "PEKERJA_RENTAN", "npp": "", "upah": "1000000",
       "program": "JKK+JKM", "sumber_iuran": "MANDIRI", "iuran": "16800"}


def persons(january: bool) -> list[dict]:
    rows = [person(i, i, kode_desa=A, npp=X_NPP, **PU) for i in range(1, 6)]        # X: 5 of 20
    rows += [person(i, i, kode_desa=A, **OFFICIAL) for i in (6, 7)]                  # officials A
    rows += [person(i, i, kode_desa=A, **NON_ASN) for i in (8, 9)]                   # agency staff
    rows += [person(i, i, kode_desa=B, **BPU) for i in range(11, 15)]                # B: 4 BPU
    rows += [person(15, 15, kode_desa=B, **{**OFFICIAL, "npp": "90000002"})]         # + 1 official
    rows += [person(i, i, kode_desa=C, npp=Z_NPP, **PU) for i in (16, 17, 18)]       # Z: 3 of 3
    if january:
        rows += [person(10, 10, kode_desa=A, **{**BPU, "sumber_iuran": "CSR"}),      # CSR in A
                 person(19, 19, kode_desa=K, **{**BPU, "sumber_iuran": "APBD_PROVINSI"})]
    return rows


def company(nib: int, npp: str | None, wlkp: int, skala: str, desa: str) -> dict:
    laki = wlkp // 2
    return {"nib": f"{nib:013d}", "npp": npp, "npwp": "012345674901000",
            "nama_perusahaan": f"PT Contoh {nib}", "kbli": "10710", "skala_usaha": skala,
            "kode_desa": desa, "jumlah_tk_laki": laki, "jumlah_tk_perempuan": wlkp - laki,
            "jumlah_tk_wlkp": wlkp, "tgl_lapor_wlkp": "2025-11-01", "status_usaha": "AKTIF",
            "updated_at": "2025-11-15T00:00:00Z"}


REGISTRY = [company(1, X_NPP, 20, "MENENGAH", A),   # PDS TK, gap 15
            company(2, None, 8, "KECIL", C),         # PWBD, gap 8
            company(3, Z_NPP, 3, "BESAR", C)]        # compliant: a CSR sponsor


def _revenue(kode: str, amount: int) -> dict:
    return {"tahun": "2026", "kode_desa": kode, "nama_desa": "x", "jenis": "PENDAPATAN",
            "kode_kegiatan": "", "kode_rekening": "4.2.1", "uraian": "Dana Desa",
            "sumber_dana": "DDS", "anggaran": str(amount), "realisasi": "0",
            "tgl_update": "2026-01-20"}


def build_lake(tmp: Path) -> Path:
    from ucj.pipeline import apbdes, enrollment, reference, registry

    lake, val, ref = tmp / "lake", tmp / "val", tmp / "reference"
    figures = {code: (w * 3, w * 2, w, ROSTER.get(code, "")) for code, w in WORKERS.items()}
    write_tenaga_kerja(ref / "tenaga_kerja_desa_2025.csv", 2025, figures)
    (ref / "non_asn_2025.csv").write_text(
        "tahun,kode_opd,nama_opd,npp,kode_desa,jumlah_non_asn\n"
        f"2025,1.01,Dinas Pendidikan,{AGENCY_NPP},{C},6\n")
    (ref / "umk.csv").write_text(f"tahun,umk\n2025,3508626.53\n2026,{UMK_2026}\n")
    for f in sorted(ref.glob("*.csv")):
        reference.process(f, lake, val)
    extract = tmp / "registry.jsonl"
    extract.write_text("".join(json.dumps(r) + "\n" for r in REGISTRY))
    registry.process(extract, "20251201T000000Z", lake, val)
    for periode, january in (("2025-12", False), ("2026-01", True)):
        rows = [{**r, "periode": periode} for r in persons(january)]
        name = f"kepesertaan_{periode.replace('-', '')}.csv"
        enrollment.process(write_csv(tmp / name, rows), lake, val, "secret")
    write_apbdes(tmp / "apbdes_2026.csv", [_revenue(k, v) for k, v in DANA_DESA.items()])
    apbdes.process(tmp / "apbdes_2026.csv", lake, val)
    return lake


# ---------------------------------------------------------------- the plan, by hand

def rupiah(x: Fraction) -> int:
    """Whole rupiah, half away from zero (all amounts here are positive)."""
    return math.floor(x + Fraction(1, 2))


def expected_desa(code: str, target: str = "0.3499", cap: str = "0.05") -> dict:
    """January 2026 for one of A, B, C, K: every column of the plan worked out from the
    fixture above (default scenario unless given)."""
    jkk, jkm, jht, jp = Fraction("0.0024"), Fraction("0.003"), Fraction("0.037"), Fraction("0.02")
    active = {A: 10, B: 5, C: 3, K: 1}[code]
    peserta_target = math.ceil(Fraction(target) * WORKERS[code])
    kurang = max(peserta_target - active, 0)
    # channel 1: X in A (MENENGAH, 20 - 5), the PWBD in C (KECIL, 8 - 0)
    tk_potensi, rate = {A: (15, jkk + jkm + jht + jp), C: (8, jkk + jkm + jht)}.get(code, (0, 0))
    tk = min(kurang, tk_potensi)
    # channel 2: officials not covered (A: 10 - 2, B: 5 - 1, C: 12 - 0)
    perangkat_potensi = {A: 8, B: 4, C: 12}.get(code, 0)
    perangkat = min(kurang - tk, perangkat_potensi)
    n = ROSTER.get(code, 0)
    mean_pay = Fraction(2426640 + 2224420 + (n - 2) * 2022200, n) if n else 0
    # channel 3: the agency seated in C (6 staff, 2 covered: they live in A)
    non_asn_potensi = 4 if code == C else 0
    non_asn = min(kurang - tk - perangkat, non_asn_potensi)
    rentan = kurang - tk - perangkat - non_asn
    biaya_rentan = rentan * 16800 * 12
    dana_desa = 0 if DESA[code] == "kelurahan" else DANA_DESA.get(code)
    batas = math.floor(Fraction(cap) * dana_desa) if dana_desa is not None else None
    rentan_dd = None if batas is None else min(biaya_rentan, batas)
    lebih = None if batas is None else biaya_rentan - rentan_dd
    biaya_tk = rupiah(tk * UMK_2026 * rate * 12) if tk else 0
    biaya_perangkat = rupiah(perangkat * mean_pay * (jkk + jkm) * 12) if perangkat else 0
    biaya_non_asn = rupiah(non_asn * UMK_2026 * (jkk + jkm) * 12) if non_asn else 0
    return {
        "tingkat": DESA[code], "penduduk_bekerja": WORKERS[code], "peserta_aktif": active,
        "peserta_target": peserta_target, "kurang": kurang,
        "tk_perusahaan_potensi": tk_potensi, "tk_perusahaan": tk, "biaya_tk_perusahaan": biaya_tk,
        "perangkat_potensi": perangkat_potensi, "perangkat": perangkat,
        "biaya_perangkat": biaya_perangkat,
        "non_asn_potensi": non_asn_potensi, "non_asn": non_asn, "biaya_non_asn": biaya_non_asn,
        "rentan": rentan, "biaya_rentan": biaya_rentan, "dana_desa_anggaran": dana_desa,
        "porsi_rentan_dana_desa": (biaya_rentan / dana_desa) if dana_desa else None,
        "biaya_rentan_dana_desa": rentan_dd, "biaya_rentan_lebih": lebih,
        "desa_melebihi_batas": (None if DESA[code] == "kelurahan" or batas is None
                                else int(biaya_rentan > batas)),
        "biaya_total": biaya_tk + biaya_perangkat + biaya_non_asn + biaya_rentan,
        "biaya_pemberi_kerja": biaya_tk,
        "biaya_dana_desa": None if rentan_dd is None else biaya_perangkat + rentan_dd,
        "biaya_apbd": biaya_non_asn, "biaya_apbd_atau_csr": lebih,
        "peserta_csr": 1 if code == A else 0, "perusahaan_sponsor": 1 if code == C else 0,
        "desa_penyebut": 1, "desa_wilayah": 1,
        "desa_dana_desa": int(DESA[code] == "desa" and code in DANA_DESA),
    }


SUMMED = ["penduduk_bekerja", "peserta_aktif", "peserta_target", "kurang",
          "tk_perusahaan_potensi", "tk_perusahaan", "biaya_tk_perusahaan", "perangkat_potensi",
          "perangkat", "biaya_perangkat", "non_asn_potensi", "non_asn", "biaya_non_asn",
          "rentan", "biaya_rentan", "dana_desa_anggaran", "biaya_rentan_dana_desa",
          "biaya_rentan_lebih", "desa_melebihi_batas", "biaya_total", "biaya_pemberi_kerja",
          "biaya_dana_desa", "biaya_apbd", "biaya_apbd_atau_csr", "peserta_csr",
          "perusahaan_sponsor", "desa_penyebut", "desa_dana_desa"]


def expected_sum(codes: list[str], **scenario) -> dict:
    """A roll-up: the sums of its desa (the other desa add 0, or nothing where unknown)."""
    rows = [expected_desa(c, **scenario) for c in codes]
    out = {}
    for col in SUMMED:
        known = [r[col] for r in rows if r[col] is not None]
        out[col] = sum(known) if known else None
    return out
