"""Village budget: APBDes from Siskeudes (`village_budget/apbdes_YYYY.csv`, SOURCES.md section 3).

One file per fiscal year, re-delivered as realisation grows; a re-delivery replaces the year.
Older exports write amounts with thousands separators (``1.250.000``) and activity codes
without the trailing dot (``01.01.03``): both are read (the amounts without their separators,
the codes with the dot added); anything else off the contract quarantines the line.

Rule names (stable; they appear in the quarantine and in the generator's ground truth):
``<column>_required`` for ``tahun kode_desa nama_desa jenis kode_rekening uraian sumber_dana
anggaran realisasi tgl_update``, ``tahun_format``, ``tahun_matches_file``,
``kode_desa_known``, ``kode_desa_is_desa`` (kelurahan have no APBDes), ``jenis_enum``,
``kode_kegiatan_format``, ``kode_kegiatan_required_belanja``, ``kode_kegiatan_blank_otherwise``,
``kode_rekening_format``, ``kode_rekening_matches_jenis`` (Permendagri 20/2018: 4 pendapatan,
5 belanja, 6 pembiayaan), ``sumber_dana_enum``, ``anggaran_nonnegative``,
``realisasi_nonnegative``, ``tgl_update_date``. Warning only: ``nama_desa_matches`` (the name
differs from the project's wilayah table).
"""

from __future__ import annotations

import pandas as pd

from ucj import sources, wilayah
from ucj.validation import rules as r

SOURCE = sources.VILLAGE_BUDGET.name
DELIMITER = ";"
DATE_FORMAT = "%Y-%m-%d"

COLUMNS = [
    "tahun", "kode_desa", "nama_desa", "jenis", "kode_kegiatan", "kode_rekening", "uraian",
    "sumber_dana", "anggaran", "realisasi", "tgl_update",
]
REQUIRED = [c for c in COLUMNS if c != "kode_kegiatan"]

JENIS = {"PENDAPATAN", "BELANJA", "PEMBIAYAAN"}
SUMBER_DANA = {"DDS", "ADD", "PBH", "PAD", "BKP", "BKK", "LAIN"}
ACCOUNT_HEAD = {"PENDAPATAN": "4", "BELANJA": "5", "PEMBIAYAAN": "6"}

YEAR = r"^\d{4}$"
# Siskeudes activity code BB.SS.KK. (zero-padded); older exports drop the trailing dot.
KODE_KEGIATAN = r"^\d{2}\.\d{2}\.\d{2}\.?$"
# Account code: akun.kelompok.jenis.objek..., 2 to 5 levels, e.g. 4.2.1, 5.1.3.01.
KODE_REKENING = r"^\d(?:\.\d{1,2}){1,4}$"
# Whole Rupiah >= 0, bare or with '.' thousands separators (older exports).
AMOUNT = r"^(?:\d+|\d{1,3}(?:\.\d{3})+)$"


def year_of_file(name: str) -> str:
    """The fiscal year of a delivered file's name (declared in ``ucj.sources``)."""
    return sources.VILLAGE_BUDGET.partition_of(name)


def amount(values: pd.Series) -> pd.Series:
    """Validated amount text -> whole Rupiah (thousands separators removed)."""
    return pd.to_numeric(values.str.replace(".", "", regex=False)).astype("int64")


def _name(values: pd.Series) -> pd.Series:
    return values.str.lower().str.replace(r"[^0-9a-z]+", "", regex=True)


def prepare(df: pd.DataFrame) -> pd.DataFrame:
    """Add the derived columns the cross-column rules compare (prefix ``x_``)."""
    out = df.copy()
    places = wilayah.load().set_index("kode_wilayah")
    out["x_tahun"] = out["tahun"].where(out["tahun"].str.fullmatch(YEAR, na=False))
    known = out["kode_desa"].isin(wilayah.village_codes())
    out["x_tingkat"] = out["kode_desa"].map(places["tingkat"]).where(known)
    out["x_nama_ref"] = _name(out["kode_desa"].map(places["nama"]).where(known))
    out["x_nama"] = _name(out["nama_desa"])
    rekening_ok = out["kode_rekening"].str.fullmatch(KODE_REKENING, na=False)
    out["x_akun"] = out["kode_rekening"].str.slice(0, 1).where(rekening_ok)
    out["x_akun_jenis"] = out["jenis"].map(ACCOUNT_HEAD)
    return out


def rules(year: str, villages: set[str]) -> list[r.Rule]:
    gxe = r.gx_expectations()
    jenis = r.column("jenis")
    return [
        *r.required(REQUIRED),
        r.regex("tahun_format", "tahun", YEAR, "tahun is a 4-digit year"),
        r.in_set("tahun_matches_file", "x_tahun", {year}, "tahun equals the year in the file name"),
        r.in_set("kode_desa_known", "kode_desa", villages,
                 "kode_desa is a desa/kelurahan of Kabupaten Subang"),
        r.in_set("kode_desa_is_desa", "x_tingkat", {"desa"},
                 "kode_desa is a desa (kelurahan have no APBDes)"),
        r.Rule("nama_desa_matches", "nama_desa is the desa's name in the wilayah table",
               gxe.ExpectColumnPairValuesToBeEqual(
                   column_A="x_nama", column_B="x_nama_ref",
                   ignore_row_if="either_value_is_missing"),
               severity=r.WARNING, columns=("nama_desa", "kode_desa")),
        r.in_set("jenis_enum", "jenis", JENIS, "jenis is PENDAPATAN, BELANJA or PEMBIAYAAN"),
        r.regex("kode_kegiatan_format", "kode_kegiatan", KODE_KEGIATAN,
                "kode_kegiatan is a Siskeudes activity code BB.SS.KK."),
        r.Rule("kode_kegiatan_required_belanja", "kode_kegiatan is present on BELANJA lines",
               gxe.ExpectColumnValuesToNotBeNull(
                   column="kode_kegiatan", **r.when(jenis == "BELANJA")),
               columns=("kode_kegiatan", "jenis")),
        r.Rule("kode_kegiatan_blank_otherwise",
               "kode_kegiatan is blank on PENDAPATAN and PEMBIAYAAN lines",
               gxe.ExpectColumnValuesToBeNull(
                   column="kode_kegiatan",
                   **r.when(jenis.is_in(["PENDAPATAN", "PEMBIAYAAN"]))),
               columns=("kode_kegiatan", "jenis")),
        r.regex("kode_rekening_format", "kode_rekening", KODE_REKENING,
                "kode_rekening is a Permendagri 20/2018 account code such as 4.2.1 or 5.1.3.01"),
        r.Rule("kode_rekening_matches_jenis",
               "kode_rekening starts with 4 for PENDAPATAN, 5 for BELANJA, 6 for PEMBIAYAAN",
               gxe.ExpectColumnPairValuesToBeEqual(
                   column_A="x_akun", column_B="x_akun_jenis",
                   ignore_row_if="either_value_is_missing"),
               columns=("kode_rekening", "jenis")),
        r.in_set("sumber_dana_enum", "sumber_dana", SUMBER_DANA,
                 "sumber_dana is DDS, ADD, PBH, PAD, BKP, BKK or LAIN"),
        r.regex("anggaran_nonnegative", "anggaran", AMOUNT,
                "anggaran is whole Rupiah >= 0 (thousands separators allowed)"),
        r.regex("realisasi_nonnegative", "realisasi", AMOUNT,
                "realisasi is whole Rupiah >= 0 (thousands separators allowed)"),
        r.date_format("tgl_update_date", "tgl_update", DATE_FORMAT,
                      "tgl_update is a YYYY-MM-DD date"),
    ]
