"""One desa's APBDes lines: the catalogue of revenue, spending and financing lines and their
amounts, premium lines following the participants the desa funds.

Dana Desa and Alokasi Dana Desa are split over the desa (a basic equal part plus a formula
part); realisation follows the months elapsed. Older exports write amounts with thousands
separators and activity codes without their trailing dot. A desa chosen for a planted mismatch
(apbdes_planted) gets its premium lines drawn here, so they sit among the honest ones.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import domain as d
from .reference import _allocate

COLUMNS = ("tahun", "kode_desa", "nama_desa", "jenis", "kode_kegiatan", "kode_rekening",
           "uraian", "sumber_dana", "anggaran", "realisasi", "tgl_update")
OFFICIAL_PREMIUM = 12_000  # a month of JKK + JKM for one official, paid up front by a planted line
MISMATCH_FACTOR = 6  # a planted officials' premium is this many times what its officials cost

OFFICIALS_ACTIVITY = ("01.01.03.", "Penyediaan Jaminan Sosial bagi Kepala Desa dan Perangkat")
OFFICIAL_TK = (
    "Iuran BPJS Ketenagakerjaan Kepala Desa dan Perangkat Desa",
    "Premi BPJS TK Kepala Desa dan Perangkat Desa",
    "Iuran Jaminan Sosial Ketenagakerjaan Kades dan Perangkat",
    "Belanja Jaminan Sosial Kepala Desa dan Perangkat Desa (JKK dan JKM)",
    "Iuran BPJamsostek Aparatur Pemerintah Desa",
    "Iuran BPJS-TK Kepala Desa, Sekdes, Kaur dan Kasi",
)
OFFICIAL_HEALTH = (
    "Iuran BPJS Kesehatan Kepala Desa dan Perangkat Desa",
    "Premi JKN Kepala Desa dan Perangkat Desa",
    "Iuran Jaminan Kesehatan Kades dan Perangkat Desa",
    "Iuran BPJS Kesehatan Aparatur Desa (4 persen)",
)
VULNERABLE = (  # (kode_kegiatan, kode_rekening, uraian)
    ("04.02.03.", "5.4.1.03", "Iuran BPJS Ketenagakerjaan bagi Pekerja Rentan (buruh tani)"),
    ("03.02.05.", "5.4.1.03", "Premi BPJS TK Guru Ngaji, Marbot dan Amil"),
    ("04.06.05.", "5.4.1.03", "Jaminan Sosial Ketenagakerjaan Pekerja Rentan Desa"),
    ("03.01.02.", "5.4.1.03", "Iuran Jamsostek Ketua RT dan RW"),
    ("02.02.04.", "5.4.1.03", "Iuran BPJS Ketenagakerjaan Kader Posyandu dan Kader Kesehatan"),
)
HEALTH_AID = ("02.02.03.", "5.4.1.02", "Bantuan Iuran BPJS Kesehatan Warga Miskin (PBI Desa)")
# Spending: (kode_kegiatan, kode_rekening, uraian, sumber_dana, relative size)
ACTIVITIES = (
    ("01.01.04.", "5.1.2.04", "Tunjangan dan Operasional BPD", "ADD", 3.0),
    ("01.01.05.", "5.2.1.01", "Penyediaan Operasional Pemerintah Desa (ATK, listrik, air)",
     "ADD", 4.0),
    ("01.02.01.", "5.2.2.01", "Penyediaan Sarana Prasarana Kantor Desa", "PBH", 2.0),
    ("01.03.01.", "5.2.1.02", "Pelayanan Administrasi Umum dan Kependudukan", "PAD", 1.0),
    ("02.01.01.", "5.2.1.03", "Penyelenggaraan PAUD/TK/TPA Milik Desa (honor pengajar)", "DDS",
     3.0),
    ("02.02.01.", "5.2.1.04", "Penyelenggaraan Posyandu (PMT, kelas ibu hamil)", "DDS", 3.0),
    ("02.02.02.", "5.2.2.02", "Pencegahan dan Penanganan Stunting", "DDS", 3.0),
    ("02.03.10.", "5.3.2.01", "Pembangunan/Rehabilitasi Jalan Desa", "DDS", 14.0),
    ("02.03.14.", "5.3.4.01", "Pembangunan Saluran Irigasi Tersier", "DDS", 6.0),
    ("02.04.03.", "5.3.4.02", "Pembangunan Sumur Bor dan Sarana Air Bersih", "DDS", 4.0),
    ("03.01.01.", "5.2.1.05", "Honor dan Operasional Linmas", "ADD", 1.5),
    ("03.02.01.", "5.2.2.03", "Pembinaan Kegiatan Keagamaan", "PAD", 1.0),
    ("03.03.01.", "5.2.2.04", "Pembinaan Karang Taruna dan Kepemudaan", "ADD", 1.0),
    ("04.02.01.", "5.2.2.05", "Pelatihan dan Bantuan Kelompok Tani", "DDS", 3.0),
    ("04.04.01.", "5.2.2.06", "Pelatihan dan Pembinaan PKK", "ADD", 1.5),
    ("04.06.01.", "5.4.3.01", "Ketahanan Pangan Desa", "DDS", 6.0),
    ("05.01.01.", "5.5.1.01", "Penanggulangan Bencana", "DDS", 1.0),
    ("05.03.01.", "5.4.1.01", "Bantuan Langsung Tunai Dana Desa (BLT-DD)", "DDS", 5.0),
)


def rupiah(x: float) -> int:
    return int(np.floor(x + 0.5))


def thousands(x: float) -> int:
    return int(np.ceil(x / 1000.0) * 1000)


def _text(amount: int, old: bool) -> str:
    return f"{amount:,}".replace(",", ".") if old else str(amount)


class DesaBudget:
    """One desa's lines as text, in the form of its export (older or current)."""

    def __init__(self, kode: str, nama: str, year: int, old: bool, update: str):
        self.kode, self.nama, self.year, self.old, self.update = kode, nama, year, old, update
        self.lines: list[dict] = []

    def add(self, jenis: str, kegiatan: str, rekening: str, uraian: str, sumber: str,
            anggaran: int, realisasi: int) -> dict:
        if kegiatan and self.old:
            kegiatan = kegiatan.rstrip(".")
        line = {"tahun": str(self.year), "kode_desa": self.kode, "nama_desa": self.nama,
                "jenis": jenis, "kode_kegiatan": kegiatan, "kode_rekening": rekening,
                "uraian": uraian, "sumber_dana": sumber,
                "anggaran": _text(int(anggaran), self.old),
                "realisasi": _text(int(min(realisasi, anggaran)), self.old),
                "tgl_update": self.update}
        self.lines.append(line)
        return line

    def revenue(self, rekening, uraian, sumber, anggaran, realisasi):
        return self.add("PENDAPATAN", "", rekening, uraian, sumber, anggaran, realisasi)

    def spend(self, kegiatan, rekening, uraian, sumber, anggaran, realisasi):
        return self.add("BELANJA", kegiatan, rekening, uraian, sumber, anggaran, realisasi)


def _dana_desa_share(month: int) -> float:
    """Dana Desa arrives in three tranches (40 %, 40 %, 20 %)."""
    return 0.0 if month < 3 else 0.4 if month < 6 else 0.8 if month < 10 else 1.0


class YearPlan:
    """Draws one year's budgets; premium lines follow the funded participants."""

    def __init__(self, rng, desa: pd.DataFrame, year: int, month: int, funded: pd.DataFrame,
                 roster: dict[str, int], dana_desa_total: int, add_total: int,
                 old_share: float, all_old: bool):
        self.rng, self.year, self.month = rng, year, month
        self.frac = month / 12.0
        self.desa = desa
        n = len(desa)
        self.funded = {(r.kode_desa, r.group): (int(r.persons), float(r.iuran))
                       for r in funded.itertuples()}
        self.roster = roster
        size = rng.lognormal(0.0, 0.35, n)
        self.dd = _allocate(dana_desa_total // 1000, 0.7 + 0.3 * size / size.mean()) * 1000
        self.dd[0] += dana_desa_total - int(self.dd.sum())
        self.add = _allocate(add_total // 1000, 0.6 + 0.4 * rng.lognormal(0.0, 0.3, n)) * 1000
        self.add[0] += add_total - int(self.add.sum())
        self.old = np.full(n, True) if all_old else rng.random(n) < old_share
        self.health = rng.random(n) < 0.7  # desa that also insure their officials' health

    def persons(self, kode: str, group: str) -> tuple[int, float]:
        return self.funded.get((kode, group), (0, 0.0))

    def build(self, i: int, plant: dict[str, str]) -> tuple[DesaBudget, str | None]:
        rng, frac = self.rng, self.frac
        kode, nama = self.desa["kode_wilayah"].iat[i], self.desa["nama"].iat[i]
        day = min(28, 20 + int(rng.integers(0, 9)))
        update = f"{self.year}-{self.month:02d}-{day:02d}"
        b = DesaBudget(kode, nama, self.year, bool(self.old[i]), update)
        dd, add = int(self.dd[i]), int(self.add[i])
        bhp = thousands(rng.lognormal(np.log(70e6), 0.35))
        usaha = thousands(rng.uniform(5e6, 40e6))
        b.revenue("4.1.1", "Hasil Usaha Desa (BUMDes)", "PAD", usaha, usaha * frac)
        if rng.random() < 0.5:
            aset = thousands(rng.uniform(2e6, 20e6))
            b.revenue("4.1.2", "Hasil Aset Desa (tanah kas desa)", "PAD", aset, aset * frac)
        dd_r = thousands(dd * _dana_desa_share(self.month) * rng.uniform(0.9, 1.0))
        b.revenue("4.2.1", "Dana Desa", "DDS", dd, dd_r)
        b.revenue("4.2.2", "Bagi Hasil Pajak dan Retribusi Daerah", "PBH", bhp,
                  thousands(bhp * frac * rng.uniform(0.7, 1.0)))
        b.revenue("4.2.3", "Alokasi Dana Desa", "ADD", add,
                  thousands(add * frac * rng.uniform(0.8, 1.0)))
        if rng.random() < 0.5:
            b.revenue("4.2.4", "Bantuan Keuangan Provinsi", "BKP", 130_000_000,
                      130_000_000 if self.month >= 9 else 0)
        if rng.random() < 0.3:
            bkk = thousands(rng.uniform(50e6, 200e6))
            b.revenue("4.2.5", "Bantuan Keuangan Kabupaten", "BKK", bkk, bkk * (frac > 0.5))
        silpa = thousands(rng.uniform(5e6, 80e6))
        b.add("PEMBIAYAAN", "", "6.1.1", "SiLPA Tahun Sebelumnya", "LAIN", silpa, silpa)
        if rng.random() < 0.3:
            modal = thousands(rng.uniform(20e6, 100e6))
            b.add("PEMBIAYAAN", "", "6.2.2", "Penyertaan Modal Desa (BUMDes)", "DDS", modal,
                  modal * (frac > 0.5))
        officials = self.roster.get(kode, 11)
        pay = d.PERANGKAT_PAY
        siltap = (pay[0], pay[1], *[pay[2]] * max(officials - 2, 0))
        b.spend("01.01.01.", "5.1.1.01", "Penghasilan Tetap Kepala Desa", "ADD", 12 * pay[0],
                12 * pay[0] * frac)
        b.spend("01.01.01.", "5.1.2.01", "Tunjangan Kepala Desa", "ADD", 12 * 1_000_000,
                12 * 1_000_000 * frac)
        rest = 12 * sum(siltap[1:])
        b.spend("01.01.02.", "5.1.1.02", "Penghasilan Tetap Sekretaris Desa dan Perangkat Desa",
                "ADD", rest, rest * frac)
        self._premiums(b, i, officials, plant.get(kode))
        pool = dd + add + bhp - sum(
            int(x["anggaran"].replace(".", "")) for x in b.lines if x["jenis"] == "BELANJA")
        chosen = [a for a in ACTIVITIES if rng.random() < 0.8]
        weights = np.array([a[4] for a in chosen]) * rng.uniform(0.6, 1.4, len(chosen))
        for (kegiatan, rekening, uraian, sumber, _), w in zip(chosen, weights, strict=True):
            amount = thousands(max(pool, 1e8) * w / weights.sum())
            b.spend(kegiatan, rekening, uraian, sumber, amount,
                    thousands(amount * frac * rng.uniform(0.3, 1.0)))
        if rng.random() < 0.2:
            kegiatan, rekening, uraian = HEALTH_AID
            aid = thousands(rng.uniform(5e6, 20e6))
            b.spend(kegiatan, rekening, uraian, "DDS", aid, aid * frac)
        return b, plant.get(kode)

    def _premiums(self, b: DesaBudget, i: int, officials: int, planted: str | None) -> None:
        rng, month = self.rng, self.month
        kegiatan = OFFICIALS_ACTIVITY[0]
        if self.health[i] or planted == "PESERTA_PERANGKAT_TANPA_PREMI":
            jkn = thousands(officials * 12 * 2_300_000 * 0.04)
            b.spend(kegiatan, "5.1.3.02", OFFICIAL_HEALTH[rng.integers(0, len(OFFICIAL_HEALTH))],
                    "ADD", jkn, jkn * self.frac)
        p, iuran = self.persons(b.kode, "perangkat")
        sumber = "DDS" if rng.random() < 0.45 else "ADD"
        tk = OFFICIAL_TK[rng.integers(0, len(OFFICIAL_TK))]
        if planted == "PREMI_PERANGKAT_TANPA_PESERTA":
            paid = officials * 12 * OFFICIAL_PREMIUM if p == 0 else MISMATCH_FACTOR * 12 * iuran
            b.spend(kegiatan, "5.1.3.01", tk, sumber, thousands(paid), thousands(paid))
        elif p > 0 and planted != "PESERTA_PERANGKAT_TANPA_PREMI":
            anggaran = thousands(12 * iuran * rng.uniform(1.0, 1.15))
            realisasi = rupiah(month * iuran * rng.uniform(0.85, 1.0))
            if rng.random() < 0.3 and p >= 2:  # kepala desa on a line of their own
                share = 1.0 / p
                b.spend(kegiatan, "5.1.3.01", "Iuran BPJS Ketenagakerjaan Kepala Desa", sumber,
                        thousands(anggaran * share), rupiah(realisasi * share))
                b.spend(kegiatan, "5.1.3.01", "Iuran BPJS Ketenagakerjaan Perangkat Desa",
                        sumber, thousands(anggaran * (1 - share)),
                        rupiah(realisasi * (1 - share)))
            else:
                b.spend(kegiatan, "5.1.3.01", tk, sumber, anggaran, realisasi)
        q, iuran_q = self.persons(b.kode, "rentan")
        kegiatan_v, rekening_v, uraian_v = VULNERABLE[rng.integers(0, len(VULNERABLE))]
        sumber_v = "DDS" if rng.random() < 0.8 else ("PAD" if rng.random() < 0.5 else "ADD")
        if planted == "PREMI_RENTAN_TANPA_PESERTA":
            paid = int(rng.integers(8, 31)) * 12 * d.RENTAN_IURAN
            b.spend(kegiatan_v, rekening_v, uraian_v, sumber_v, paid, paid)
        elif q > 0 and planted != "PESERTA_RENTAN_TANPA_PREMI":
            b.spend(kegiatan_v, rekening_v, uraian_v, sumber_v,
                    thousands(12 * iuran_q * rng.uniform(1.0, 1.2)),
                    rupiah(month * iuran_q * rng.uniform(0.85, 1.0)))
