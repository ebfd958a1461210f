"""Sample village budgets: `village_budget/apbdes_YYYY.csv` for every desa, with ground truth.

    from ucj.generate.apbdes import generate_apbdes
    generate_apbdes("landing", [2026], seed=42)

Each desa gets a Siskeudes-shaped APBDes: revenue (4.1.x PAD, 4.2.1 Dana Desa, 4.2.2 BHP,
4.2.3 ADD, provincial and district aid in some), spending lines over bidang 01..05 with
several activities each, and financing. Dana Desa is a parameter (Rp147 billion a year by
default, DOMAIN.md) split over the 245 desa (a basic equal part plus a formula part), as is
Alokasi Dana Desa.

Premium lines follow the enrollment deliveries already in the landing zone: the latest month
file of the year is read back (its planted bad rows left out, as the pipeline quarantines
them) and the active participants with sumber_iuran DANA_DESA are placed per desa the way the
warehouse places them (among their DANA_DESA rows, latest tgl_kepesertaan, smallest kpj).
A desa budgets activity 01.01.03. (BPJS Ketenagakerjaan for its DANA_DESA-funded officials,
and in many desa BPJS Kesehatan too, which is not an employment premium) and a
vulnerable-worker line where it funds other participants; realisation follows the months
elapsed. Then mismatches are planted and written to ``_truth/apbdes_mismatches.csv`` (tahun,
kode_desa, rule, detail) with the alert rule each must raise:

- PREMI_PERANGKAT_TANPA_PESERTA: an officials' premium paid for the whole year with no
  DANA_DESA-funded official, or about six times what the funded officials cost;
- PREMI_RENTAN_TANPA_PESERTA: a vulnerable-worker premium for 8..30 persons where none is
  funded;
- PESERTA_PERANGKAT_TANPA_PREMI / PESERTA_RENTAN_TANPA_PREMI: funded participants, no line
  (only the health-insurance line is left in 01.01.03.).

Older exports: in every year but the last, and for a share of desa in the last, amounts carry
thousands separators and activity codes lose their trailing dot. A few bad lines per file,
each breaking exactly one contract rule, are listed in ``_truth/apbdes_bad_rows.csv`` (file,
row_number, kode_desa, rule). Deterministic for a seed.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from . import domain as d
from .reference import _allocate, load_wilayah
from .truth import TRUTH_DIR

COLUMNS = ("tahun", "kode_desa", "nama_desa", "jenis", "kode_kegiatan", "kode_rekening",
           "uraian", "sumber_dana", "anggaran", "realisasi", "tgl_update")
MISMATCH_FILE = "apbdes_mismatches.csv"
BAD_ROWS_FILE = "apbdes_bad_rows.csv"
MISMATCH_RULES = ("PREMI_PERANGKAT_TANPA_PESERTA", "PREMI_RENTAN_TANPA_PESERTA",
                  "PESERTA_PERANGKAT_TANPA_PREMI", "PESERTA_RENTAN_TANPA_PREMI")
BAD_KINDS = (
    "tahun_matches_file", "kode_desa_known", "kode_desa_is_desa", "jenis_enum",
    "kode_kegiatan_format", "kode_kegiatan_required_belanja", "kode_kegiatan_blank_otherwise",
    "kode_rekening_format", "kode_rekening_matches_jenis", "sumber_dana_enum",
    "anggaran_nonnegative", "realisasi_nonnegative", "tgl_update_date", "uraian_required",
)
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
KELURAHAN = ("32.13.03.1001", "Parung")
BAD_DESA = "32.13.99.2001"


def _rupiah(x: float) -> int:
    return int(np.floor(x + 0.5))


def _thousands(x: float) -> int:
    return int(np.ceil(x / 1000.0) * 1000)


def _text(amount: int, old: bool) -> str:
    return f"{amount:,}".replace(",", ".") if old else str(amount)


# --- the participants the desa pay for --------------------------------------------------------
def _months_of_year(landing: Path, year: int) -> list[tuple[str, Path]]:
    pattern = re.compile(rf"^kepesertaan_({year})(\d{{2}})\.(csv|xlsx)$", re.IGNORECASE)
    folder = landing / "enrollment"
    found = []
    for p in sorted(folder.iterdir()) if folder.exists() else []:
        if m := pattern.match(p.name):
            found.append((f"{m.group(1)}-{m.group(2)}", p))
    return sorted(found)


def _read_enrollment(path: Path) -> pd.DataFrame:
    """Data rows as text with their physical row_number (header = line 1; xlsx: sheet row)."""
    cols = list(d.ENROLLMENT_COLUMNS)
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = list(wb.worksheets[0].iter_rows(values_only=True))
        finally:
            wb.close()
        head = next(i for i, r in enumerate(sheet) if r and str(r[0]).strip() == "periode")
        rows = [(i + 1, ["" if v is None else str(v) for v in (*r, *[None] * len(cols))][
            :len(cols)]) for i, r in enumerate(sheet) if i > head]
    else:
        text = path.read_text(encoding="utf-8-sig").split("\n")
        rows = [(i + 1, line.split(";")) for i, line in enumerate(text) if i and line.strip()]
    frame = pd.DataFrame([v for _, v in rows], columns=cols, dtype=object)
    frame = frame.apply(lambda c: c.str.strip())
    for c in ("kategori", "status", "sumber_iuran"):
        frame[c] = frame[c].str.upper()
    frame.insert(0, "row_number", [n for n, _ in rows])
    return frame


def dana_desa_participants(landing: Path, month_file: Path) -> pd.DataFrame:
    """Per desa and group (perangkat / rentan): active DANA_DESA persons placed there and the
    month's iuran of all their active DANA_DESA rows."""
    frame = _read_enrollment(month_file)
    truth = landing / TRUTH_DIR / "enrollment_bad_rows.csv"
    if truth.exists():
        bad = pd.read_csv(truth, dtype=str, keep_default_na=False)
        planted = bad.loc[bad["file"] == f"enrollment/{month_file.name}", "row_number"]
        frame = frame[~frame["row_number"].isin(planted.astype(int))]
    funded = frame[(frame["status"] == "AKTIF") & (frame["sumber_iuran"] == "DANA_DESA")].copy()
    funded["since"] = pd.to_datetime(funded["tgl_kepesertaan"], format="%d/%m/%Y")
    funded["iuran"] = pd.to_numeric(funded["iuran"])
    placed = funded.sort_values(["nik", "since", "kpj"], ascending=[True, False, True])
    placed = placed.drop_duplicates("nik").set_index("nik")
    paid = funded.groupby("nik")["iuran"].sum()
    out = pd.DataFrame({
        "kode_desa": placed["kode_desa"],
        "group": np.where(placed["kategori"] == "PERANGKAT_DESA", "perangkat", "rentan"),
        "iuran": paid.reindex(placed.index),
    })
    return out.groupby(["kode_desa", "group"]).agg(persons=("iuran", "size"),
                                                   iuran=("iuran", "sum")).reset_index()


def _officials_roster(landing: Path, year: int) -> dict[str, int]:
    path = landing / "reference" / f"tenaga_kerja_desa_{year}.csv"
    if not path.exists():
        return {}
    t = pd.read_csv(path, dtype=str, keep_default_na=False)
    return {k: int(v) for k, v in zip(t["kode_desa"], t["jumlah_perangkat_desa"], strict=True)
            if v.isdigit()}


# --- one desa's budget -----------------------------------------------------------------------
class _Desa:
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


class _YearPlan:
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

    def build(self, i: int, plant: dict[str, str]) -> tuple[_Desa, str | None]:
        rng, frac = self.rng, self.frac
        kode, nama = self.desa["kode_wilayah"].iat[i], self.desa["nama"].iat[i]
        day = min(28, 20 + int(rng.integers(0, 9)))
        update = f"{self.year}-{self.month:02d}-{day:02d}"
        b = _Desa(kode, nama, self.year, bool(self.old[i]), update)
        dd, add = int(self.dd[i]), int(self.add[i])
        bhp = _thousands(rng.lognormal(np.log(70e6), 0.35))
        usaha = _thousands(rng.uniform(5e6, 40e6))
        b.revenue("4.1.1", "Hasil Usaha Desa (BUMDes)", "PAD", usaha, usaha * frac)
        if rng.random() < 0.5:
            aset = _thousands(rng.uniform(2e6, 20e6))
            b.revenue("4.1.2", "Hasil Aset Desa (tanah kas desa)", "PAD", aset, aset * frac)
        dd_r = _thousands(dd * _dana_desa_share(self.month) * rng.uniform(0.9, 1.0))
        b.revenue("4.2.1", "Dana Desa", "DDS", dd, dd_r)
        b.revenue("4.2.2", "Bagi Hasil Pajak dan Retribusi Daerah", "PBH", bhp,
                  _thousands(bhp * frac * rng.uniform(0.7, 1.0)))
        b.revenue("4.2.3", "Alokasi Dana Desa", "ADD", add,
                  _thousands(add * frac * rng.uniform(0.8, 1.0)))
        if rng.random() < 0.5:
            b.revenue("4.2.4", "Bantuan Keuangan Provinsi", "BKP", 130_000_000,
                      130_000_000 if self.month >= 9 else 0)
        if rng.random() < 0.3:
            bkk = _thousands(rng.uniform(50e6, 200e6))
            b.revenue("4.2.5", "Bantuan Keuangan Kabupaten", "BKK", bkk, bkk * (frac > 0.5))
        silpa = _thousands(rng.uniform(5e6, 80e6))
        b.add("PEMBIAYAAN", "", "6.1.1", "SiLPA Tahun Sebelumnya", "LAIN", silpa, silpa)
        if rng.random() < 0.3:
            modal = _thousands(rng.uniform(20e6, 100e6))
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
            amount = _thousands(max(pool, 1e8) * w / weights.sum())
            b.spend(kegiatan, rekening, uraian, sumber, amount,
                    _thousands(amount * frac * rng.uniform(0.3, 1.0)))
        if rng.random() < 0.2:
            kegiatan, rekening, uraian = HEALTH_AID
            aid = _thousands(rng.uniform(5e6, 20e6))
            b.spend(kegiatan, rekening, uraian, "DDS", aid, aid * frac)
        return b, plant.get(kode)

    def _premiums(self, b: _Desa, i: int, officials: int, planted: str | None) -> None:
        rng, month = self.rng, self.month
        kegiatan = OFFICIALS_ACTIVITY[0]
        if self.health[i] or planted == "PESERTA_PERANGKAT_TANPA_PREMI":
            jkn = _thousands(officials * 12 * 2_300_000 * 0.04)
            b.spend(kegiatan, "5.1.3.02", OFFICIAL_HEALTH[rng.integers(0, len(OFFICIAL_HEALTH))],
                    "ADD", jkn, jkn * self.frac)
        p, iuran = self.persons(b.kode, "perangkat")
        sumber = "DDS" if rng.random() < 0.45 else "ADD"
        tk = OFFICIAL_TK[rng.integers(0, len(OFFICIAL_TK))]
        if planted == "PREMI_PERANGKAT_TANPA_PESERTA":
            paid = officials * 12 * OFFICIAL_PREMIUM if p == 0 else MISMATCH_FACTOR * 12 * iuran
            b.spend(kegiatan, "5.1.3.01", tk, sumber, _thousands(paid), _thousands(paid))
        elif p > 0 and planted != "PESERTA_PERANGKAT_TANPA_PREMI":
            anggaran = _thousands(12 * iuran * rng.uniform(1.0, 1.15))
            realisasi = _rupiah(month * iuran * rng.uniform(0.85, 1.0))
            if rng.random() < 0.3 and p >= 2:  # kepala desa on a line of their own
                share = 1.0 / p
                b.spend(kegiatan, "5.1.3.01", "Iuran BPJS Ketenagakerjaan Kepala Desa", sumber,
                        _thousands(anggaran * share), _rupiah(realisasi * share))
                b.spend(kegiatan, "5.1.3.01", "Iuran BPJS Ketenagakerjaan Perangkat Desa",
                        sumber, _thousands(anggaran * (1 - share)),
                        _rupiah(realisasi * (1 - share)))
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
                    _thousands(12 * iuran_q * rng.uniform(1.0, 1.2)),
                    _rupiah(month * iuran_q * rng.uniform(0.85, 1.0)))


def _plan_mismatches(rng, plan: _YearPlan, n: int) -> dict[str, str]:
    """Disjoint desa per planted rule, each where its condition can hold."""
    codes = list(plan.desa["kode_wilayah"])
    pp = {k: plan.persons(k, "perangkat")[0] for k in codes}
    pr = {k: plan.persons(k, "rentan")[0] for k in codes}
    candidates = {
        "PREMI_PERANGKAT_TANPA_PESERTA": [k for k in codes if pp[k] == 0],
        "PREMI_RENTAN_TANPA_PESERTA": [k for k in codes if pr[k] == 0],
        "PESERTA_PERANGKAT_TANPA_PREMI": [k for k in codes if pp[k] > 0],
        "PESERTA_RENTAN_TANPA_PREMI": [k for k in codes if pr[k] > 0],
    }
    # An officials' premium far above what its funded officials cost, in a desa that has some.
    inflated = [k for k in codes if pp[k] > 0]
    taken: dict[str, str] = {}
    for rule in MISMATCH_RULES:
        pool = [k for k in candidates[rule] if k not in taken]
        want = n
        if rule == "PREMI_PERANGKAT_TANPA_PESERTA":
            extra = [k for k in inflated if k not in taken]
            if extra:
                taken[extra[int(rng.integers(0, len(extra)))]] = rule
                want -= 1
                pool = [k for k in pool if k not in taken]
        for k in rng.permutation(np.array(pool, dtype=object))[:max(want, 0)]:
            taken[str(k)] = rule
    return taken


# --- bad lines --------------------------------------------------------------------------------
def _break(kind: str, line: dict, year: int) -> dict:
    """A copy of an honest line that breaks exactly the rule ``kind``."""
    out = dict(line)
    if kind == "tahun_matches_file":
        out["tahun"] = str(year - 1)
    elif kind == "kode_desa_known":
        out["kode_desa"] = BAD_DESA
    elif kind == "kode_desa_is_desa":
        out["kode_desa"], out["nama_desa"] = KELURAHAN
    elif kind == "jenis_enum":
        out["jenis"] = "BELANJA MODAL"
    elif kind == "kode_kegiatan_format":
        out["kode_kegiatan"] = "2.3.10"
    elif kind == "kode_kegiatan_required_belanja":
        out["kode_kegiatan"] = ""
    elif kind == "kode_kegiatan_blank_otherwise":
        out["kode_kegiatan"] = "01.01.05."
    elif kind == "kode_rekening_format":
        out["kode_rekening"] = out["kode_rekening"] + ".001"
    elif kind == "kode_rekening_matches_jenis":
        out["kode_rekening"] = "4.1.1" if out["jenis"] == "BELANJA" else "5.2.1.01"
    elif kind == "sumber_dana_enum":
        out["sumber_dana"] = "APBN"
    elif kind == "anggaran_nonnegative":
        out["anggaran"] = "-" + out["anggaran"]
    elif kind == "realisasi_nonnegative":
        out["realisasi"] = "-5000"
    elif kind == "tgl_update_date":
        y, m, dd = out["tgl_update"].split("-")
        out["tgl_update"] = f"{dd}/{m}/{y}"
    elif kind == "uraian_required":
        out["uraian"] = ""
    else:
        raise ValueError(kind)
    return out


def _bad_lines(rng, desa: list[_Desa], year: int, n: int) -> list[tuple[dict, str]]:
    order = rng.permutation(len(BAD_KINDS))  # every kind once before any repeats
    kinds = [BAD_KINDS[order[k % len(BAD_KINDS)]] for k in range(max(n, 0))]
    out = []
    for kind in kinds:
        b = desa[int(rng.integers(0, len(desa)))]
        jenis = "PENDAPATAN" if kind == "kode_kegiatan_blank_otherwise" else "BELANJA"
        pool = [x for x in b.lines if x["jenis"] == jenis and x["sumber_dana"] != "LAIN"
                and not x["kode_kegiatan"].startswith("01.01.03")]
        out.append((_break(kind, pool[int(rng.integers(0, len(pool)))], year), kind))
    return out


def _csv(lines: list[dict]) -> bytes:
    rows = [";".join(COLUMNS)] + [";".join(x[c] for c in COLUMNS) for x in lines]
    return ("\n".join(rows) + "\n").encode("utf-8")


def generate_apbdes(
    landing: Path | str,
    years: list[int] | int,
    seed: int = 42,
    dana_desa_total: int = 147_000_000_000,
    add_total: int = 139_000_000_000,
    mismatches: int = 4,
    bad_lines: int = len(BAD_KINDS),
    old_export_share: float = 0.3,
    as_of: dict[int, str] | None = None,
) -> dict:
    """Write ``village_budget/apbdes_YYYY.csv`` for each year and the APBDes ground truth.

    dana_desa_total / add_total: Rupiah a year over all desa (DOMAIN.md; keep as parameters).
    mismatches: planted desa per alert rule (fewer when too few desa qualify).
    bad_lines: lines per file breaking exactly one contract rule.
    old_export_share: share of desa written as older exports in the last year (all desa in
    earlier years).
    as_of: month (YYYY-MM) the realisation is reported up to, per year; by default the latest
    enrollment month of the year in the landing zone, else December.
    """
    landing = Path(landing)
    years = sorted({int(y) for y in ([years] if isinstance(years, int | str) else years)})
    w = load_wilayah()
    desa = w[w["tingkat"] == "desa"].sort_values("kode_wilayah").reset_index(drop=True)
    truth_mismatch, truth_bad, files, per_year = [], [], [], {}
    for year in years:
        rng = d.stream(seed, f"apbdes_{year}")
        months = _months_of_year(landing, year)
        month = (as_of or {}).get(year) or (months[-1][0] if months else f"{year}-12")
        month_file = dict(months).get(month)
        funded = (dana_desa_participants(landing, month_file) if month_file is not None else
                  pd.DataFrame(columns=["kode_desa", "group", "persons", "iuran"]))
        plan = _YearPlan(rng, desa, year, int(month[5:]), funded,
                         _officials_roster(landing, year), dana_desa_total, add_total,
                         old_export_share, all_old=year != years[-1])
        planted = _plan_mismatches(rng, plan, mismatches)
        built = [plan.build(i, planted) for i in range(len(desa))]
        for b, rule in built:
            if rule:
                p, iuran = plan.persons(b.kode, "perangkat" if "PERANGKAT" in rule else "rentan")
                truth_mismatch.append((year, b.kode, rule,
                                       f"peserta_dana_desa={p} iuran_bulan={_rupiah(iuran)}"))
        honest = [x for b, _ in built for x in b.lines]
        bad = _bad_lines(rng, [b for b, _ in built], year, bad_lines)
        positions = np.sort(rng.choice(len(honest) + len(bad), len(bad), replace=False))
        lines, k, j = [], 0, 0
        for pos in range(len(honest) + len(bad)):
            if j < len(bad) and positions[j] == pos:
                lines.append(bad[j][0])
                j += 1
            else:
                lines.append(honest[k])
                k += 1
        rel = f"village_budget/apbdes_{year}.csv"
        path = landing / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_csv(lines))
        files.append(rel)
        truth_bad += [(rel, int(p) + 2, line["kode_desa"], kind)
                      for p, (line, kind) in zip(positions, bad, strict=True)]
        per_year[str(year)] = {
            "file": rel, "as_of": month, "lines": len(lines), "bad_lines": len(bad),
            "dana_desa": int(plan.dd.sum()), "alokasi_dana_desa": int(plan.add.sum()),
            "old_export_desa": int(plan.old.sum()),
            "mismatches": {r: sum(1 for v in planted.values() if v == r)
                           for r in MISMATCH_RULES},
        }
    _write_truth(landing, MISMATCH_FILE, ["tahun", "kode_desa", "rule", "detail"],
                 sorted(truth_mismatch))
    _write_truth(landing, BAD_ROWS_FILE, ["file", "row_number", "kode_desa", "rule"],
                 sorted(truth_bad))
    return {"files": files, "desa": len(desa), "years": per_year,
            "bad_lines": len(truth_bad), "mismatches": len(truth_mismatch)}


def _write_truth(landing: Path, name: str, columns: list[str], rows: list[tuple]) -> None:
    path = landing / TRUTH_DIR / name
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(rows, columns=columns)
    path.write_bytes(frame.to_csv(index=False, lineterminator="\n").encode("utf-8"))


def read_mismatches(landing: Path | str) -> pd.DataFrame:
    frame = pd.read_csv(Path(landing) / TRUTH_DIR / MISMATCH_FILE, dtype=str,
                        keep_default_na=False)
    frame["tahun"] = frame["tahun"].astype("int64")
    return frame


def read_bad_rows(landing: Path | str) -> pd.DataFrame:
    frame = pd.read_csv(Path(landing) / TRUTH_DIR / BAD_ROWS_FILE, dtype=str,
                        keep_default_na=False)
    frame["row_number"] = frame["row_number"].astype("int64")
    return frame
