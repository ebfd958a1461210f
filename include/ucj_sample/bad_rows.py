"""Rows planted to break exactly one enrollment rule each, and where they land in a file.

Each bad row starts from a clean honest row of the month (so every other column is valid),
gets a fresh person and a kpj from a series honest rows never use, then has one defect
applied. Cross-column rules are assumed to be checked only when their inputs are present and
pass their own format/enum rules (as Great Expectations skips missing values), so e.g. a
malformed NIK breaks nik_format only, not nik_matches_tgl_lahir as well.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from . import dates
from . import domain as d
from .population import make_persons
from .reference import World

RULES = (
    "periode_format", "periode_matches_file", "kpj_format", "kpj_unique", "nik_format",
    "nik_matches_tgl_lahir", "nik_matches_jenis_kelamin", "tgl_lahir_date",
    "jenis_kelamin_enum", "segmen_enum", "kategori_enum", "status_enum", "sumber_iuran_enum",
    "npp_format", "npp_required_pu", "npp_blank_bpu_pmi", "kode_desa_known", "upah_positive",
    "program_set", "tgl_kepesertaan_date", "tgl_nonaktif_date", "tgl_nonaktif_blank_when_aktif",
    "tgl_kepesertaan_not_after_month_end", "tgl_nonaktif_not_after_month_end",
    "tgl_nonaktif_not_before_tgl_kepesertaan", "tgl_kepesertaan_not_before_tgl_lahir",
    "iuran_nonnegative", "iuran_zero_when_nonaktif",
)
REQUIRED_RULES = tuple(f"{c}_required" for c in d.REQUIRED_COLUMNS)
ALL_KINDS = RULES + REQUIRED_RULES

BAD_KPJ_BASE = 77_000_000_000  # honest kpj start with 0 or 2
BAD_SERIAL_BASE = 5000  # honest NIK serials stay far below
UNKNOWN_DESA = (
    "32.14.01.2001", "32.15.05.2003", "32.13.99.2001", "32.13.01.2999", "32.13.05",
    "32.13.31.2001",
)
TEMPLATE_OF = {  # which honest rows a defect starts from
    "npp_format": "pu", "npp_required_pu": "pu", "npp_blank_bpu_pmi": "bpu_pmi",
    "tgl_nonaktif_date": "nonaktif", "iuran_zero_when_nonaktif": "nonaktif",
    "tgl_nonaktif_not_after_month_end": "nonaktif",
    "tgl_nonaktif_not_before_tgl_kepesertaan": "nonaktif", "status_enum": "any",
}


def impossible_date(rng, year: int, day: int, month: int) -> str:
    """A DD/MM/YYYY string no calendar has."""
    options = (
        f"31/02/{year}", f"30/02/{year}", f"31/04/{year}", f"31/06/{year}", f"31/09/{year}",
        f"31/11/{year}", f"{day:02d}/13/{year}", f"00/{month:02d}/{year}",
        f"{day:02d}/00/{year}",
    )
    return options[rng.integers(0, len(options))]


def _pick(rng, options):
    return options[rng.integers(0, len(options))]


def _parse(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%d/%m/%Y").date()


def _text(date: dt.date) -> str:
    return date.strftime("%d/%m/%Y")


class Planter:
    """Plans and builds the bad rows of every file of a run, cycling through all kinds."""

    def __init__(self, seed: int, world: World, n_total: int, ref_day: int):
        self.rng = d.stream(seed, "bad_rows")
        self.cycle = [str(k) for k in self.rng.permutation(np.array(ALL_KINDS))]
        self.pos = 0
        self.persons = make_persons(
            self.rng, max(n_total, 1), ref_day, world, BAD_SERIAL_BASE, serial_limit=9999
        )
        self.next_person = 0
        self.next_kpj = 0
        self.known_desa = set(world.villages.codes)
        self.employer_npp = world.employers.npp

    def kinds_for_file(self, n: int) -> list[str]:
        """n rule names; kpj_unique takes two rows, kpj_required at most one per file."""
        out: list[str] = []
        blank_kpj = False  # several blank kpj could read as duplicates to a strict checker
        while len(out) < n:
            kind = self.cycle[self.pos % len(self.cycle)]
            self.pos += 1
            if kind == "kpj_unique":
                if n - len(out) >= 2:
                    out += [kind, kind]
            elif kind == "kpj_required":
                if not blank_kpj:
                    out.append(kind)
                blank_kpj = True
            else:
                out.append(kind)
        return out

    def rows(self, clean: pd.DataFrame, month: str, n: int) -> tuple[pd.DataFrame, list[str]]:
        kinds = self.kinds_for_file(n)
        pools = self._pools(clean)
        columns = {c: clean[c].to_numpy(dtype=object) for c in clean.columns}
        records: list[dict] = []
        shared_kpj = None
        for kind in kinds:
            row = self._template(columns, pools, TEMPLATE_OF.get(kind, "aktif"))
            if kind == "kpj_unique":  # pairs come back to back: the second reuses the kpj
                if shared_kpj is None:
                    shared_kpj = row["kpj"]
                else:
                    row["kpj"], shared_kpj = shared_kpj, None
            self._break(row, kind, month)
            records.append(row)
        frame = pd.DataFrame(records, columns=list(d.ENROLLMENT_COLUMNS), dtype=object)
        return frame, kinds

    # -- templates --
    def _pools(self, clean: pd.DataFrame) -> dict[str, np.ndarray]:
        aktif = (clean["status"] == "AKTIF").to_numpy()
        seg = clean["segmen"].to_numpy()
        pools = {
            "aktif": np.flatnonzero(aktif),
            "any": np.arange(len(clean)),
            "nonaktif": np.flatnonzero(~aktif),
            "pu": np.flatnonzero(aktif & (seg == "PU")),
            "bpu_pmi": np.flatnonzero(aktif & np.isin(seg, ("BPU", "PMI"))),
        }
        return {k: (v if len(v) else pools["aktif"]) for k, v in pools.items()}

    def _template(self, columns: dict[str, np.ndarray], pools: dict, need: str) -> dict:
        idx = pools[need][self.rng.integers(0, len(pools[need]))]
        row = {c: values[idx] for c, values in columns.items()}
        self._fit(row, need)
        p = self.next_person
        self.next_person += 1
        row["nik"] = self.persons.nik_text[p]
        row["nama"] = self.persons.nama[p]
        row["tgl_lahir"] = self.persons.dob_text[p]
        row["jenis_kelamin"] = self.persons.sex_text[p]
        kpj = BAD_KPJ_BASE + 10 * self.next_kpj + int(self.rng.integers(0, 10))
        self.next_kpj += 1
        row["kpj"] = f"{kpj:011d}"
        return row

    def _fit(self, row: dict, need: str) -> None:
        """Tiny months may lack a row of the needed shape: reshape a valid one."""
        if need == "nonaktif" and row["status"] != "NONAKTIF":
            row.update(status="NONAKTIF", tgl_nonaktif=row["tgl_kepesertaan"], iuran="0")
        elif need == "pu" and row["segmen"] != "PU":
            row.update(segmen="PU", kategori="SWASTA", sumber_iuran="PEMBERI_KERJA",
                       npp=f"{self.employer_npp[0]:08d}")
        elif need == "bpu_pmi" and row["segmen"] not in ("BPU", "PMI"):
            row.update(segmen="BPU", kategori="LAINNYA", sumber_iuran="MANDIRI", npp="")

    # -- defects --
    def _break(self, row: dict, kind: str, month: str) -> None:
        if kind.endswith("_required"):
            row[kind.removesuffix("_required")] = ""
        else:
            getattr(self, "_" + kind)(row, month)

    def _periode_format(self, row, month):
        y, m = month.split("-")
        row["periode"] = _pick(self.rng, (f"{y}/{m}", f"{m}-{y}", f"{y}{m}", f"{m}/{y}"))

    def _periode_matches_file(self, row, month):
        row["periode"] = dates.shift_month(month, int(_pick(self.rng, (-1, -2, 1))))

    def _kpj_format(self, row, month):
        k = row["kpj"]
        row["kpj"] = _pick(self.rng, (k[:-1], k + "0", k[:5] + "A" + k[6:]))

    def _kpj_unique(self, row, month):
        pass  # the defect is the shared kpj set in rows()

    def _nik_format(self, row, month):
        n = row["nik"]
        row["nik"] = _pick(self.rng, (
            n[:-1], n + "1", n[:12] + "0000", n[:8] + "13" + n[10:], n[:6] + "00" + n[8:],
            n[:10] + "A" + n[11:],
        ))

    def _nik_matches_tgl_lahir(self, row, month):
        born = _parse(row["tgl_lahir"])
        shift = int(_pick(self.rng, (1, -3, 31, 365, -730, 12)))
        row["tgl_lahir"] = (born + dt.timedelta(days=shift)).strftime("%d/%m/%Y")

    def _nik_matches_jenis_kelamin(self, row, month):
        row["jenis_kelamin"] = "P" if row["jenis_kelamin"] == "L" else "L"

    def _tgl_lahir_date(self, row, month):
        born = _parse(row["tgl_lahir"])
        row["tgl_lahir"] = impossible_date(self.rng, born.year, born.day, born.month)

    def _jenis_kelamin_enum(self, row, month):
        row["jenis_kelamin"] = _pick(self.rng, ("X", "W", "LP", "0"))

    def _segmen_enum(self, row, month):
        row["segmen"] = {"PU": "PPU", "BPU": "BP", "JAKON": "KONSTRUKSI", "PMI": "TKI"}[
            row["segmen"]]

    def _kategori_enum(self, row, month):
        row["kategori"] = _pick(self.rng, ("HONORER", "PNS", "UMUM", "INFORMAL"))

    def _status_enum(self, row, month):
        aktif = ("AKTIV", "AKTIP", "A")
        nonaktif = ("NON AKTIF", "NON-AKTIF", "KELUAR")
        row["status"] = _pick(self.rng, aktif if row["status"] == "AKTIF" else nonaktif)

    def _sumber_iuran_enum(self, row, month):
        row["sumber_iuran"] = _pick(self.rng, ("APBD", "PEMDA", "SENDIRI", "PERUSAHAAN"))

    def _npp_format(self, row, month):
        n = row["npp"]
        row["npp"] = _pick(self.rng, (n[1:], n + "0", n[:3] + "AB" + n[5:]))

    def _npp_required_pu(self, row, month):
        row["npp"] = ""

    def _npp_blank_bpu_pmi(self, row, month):
        npp = self.employer_npp[self.rng.integers(0, len(self.employer_npp))]
        row["npp"] = f"{npp:08d}"

    def _kode_desa_known(self, row, month):
        options = [c for c in UNKNOWN_DESA if c not in self.known_desa]
        row["kode_desa"] = _pick(self.rng, options)

    def _upah_positive(self, row, month):
        row["upah"] = _pick(self.rng, ("0", "-" + row["upah"], "TIGA JUTA"))

    def _program_set(self, row, month):
        row["program"] = _pick(self.rng, ("JKK+JKN", "JKK+JKM+JHT+JPK", "JKK+JKM+BPJS",
                                          "JAMSOSTEK"))

    def _tgl_kepesertaan_date(self, row, month):
        reg = _parse(row["tgl_kepesertaan"])
        row["tgl_kepesertaan"] = impossible_date(self.rng, reg.year, reg.day, reg.month)

    def _tgl_nonaktif_date(self, row, month):
        end = _parse(row["tgl_nonaktif"])
        row["tgl_nonaktif"] = impossible_date(self.rng, end.year, end.day, end.month)

    def _tgl_nonaktif_blank_when_aktif(self, row, month):
        _, last = dates.month_bounds(month)
        row["tgl_nonaktif"] = _text(dates.date_of(last))

    def _tgl_kepesertaan_not_after_month_end(self, row, month):
        """Registered after the month the snapshot closes (a system date typo, or a later
        extract)."""
        _, last = dates.month_bounds(month)
        row["tgl_kepesertaan"] = _text(dates.date_of(last + int(self.rng.integers(1, 62))))

    def _tgl_nonaktif_not_after_month_end(self, row, month):
        _, last = dates.month_bounds(month)
        row["tgl_nonaktif"] = _text(dates.date_of(last + int(self.rng.integers(1, 31))))

    def _tgl_nonaktif_not_before_tgl_kepesertaan(self, row, month):
        reg = _parse(row["tgl_kepesertaan"])
        row["tgl_nonaktif"] = _text(reg - dt.timedelta(days=int(self.rng.integers(1, 400))))

    def _tgl_kepesertaan_not_before_tgl_lahir(self, row, month):
        """Registered before birth: the registration moves (the birth date stays, so the NIK
        still agrees with it)."""
        born = _parse(row["tgl_lahir"])
        row["tgl_kepesertaan"] = _text(born - dt.timedelta(days=int(self.rng.integers(1, 3650))))

    def _iuran_nonnegative(self, row, month):
        row["iuran"] = "-" + row["iuran"]

    def _iuran_zero_when_nonaktif(self, row, month):
        upah = int(row["upah"])
        row["iuran"] = str(max(d.RENTAN_IURAN, round(upah * 0.0054)))


def interleave(rng, n_honest: int, n_bad: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions of bad rows spread through the file, and the full row order."""
    bad_pos = np.sort(rng.choice(n_honest + n_bad, n_bad, replace=False))
    order = np.empty(n_honest + n_bad, dtype=np.int64)
    is_bad = np.zeros(n_honest + n_bad, dtype=bool)
    is_bad[bad_pos] = True
    order[bad_pos] = n_honest + np.arange(n_bad)
    order[~is_bad] = np.arange(n_honest)
    return bad_pos, order
