"""BPJS Ketenagakerjaan monthly participant snapshot (`enrollment/kepesertaan_YYYYMM.csv`)."""

from __future__ import annotations

import re

import pandas as pd

from ucj.validation import rules as r

SOURCE = "enrollment"
FILE_PATTERN = re.compile(r"^kepesertaan_(\d{4})(\d{2})\.(csv|xlsx)$", re.IGNORECASE)
DELIMITER = ";"
DATE_FORMAT = "%d/%m/%Y"

COLUMNS = [
    "periode", "kpj", "nik", "nama", "tgl_lahir", "jenis_kelamin", "segmen", "kategori", "npp",
    "kode_desa", "upah", "program", "status", "tgl_kepesertaan", "tgl_nonaktif",
    "sumber_iuran", "iuran",
]
REQUIRED = [c for c in COLUMNS if c not in ("npp", "tgl_nonaktif")]
# Code columns arrive in lower case in some exports; they are read case-insensitively.
DATES = ["tgl_lahir", "tgl_kepesertaan", "tgl_nonaktif"]
UPPER_CASE = ["jenis_kelamin", "segmen", "kategori", "program", "status", "sumber_iuran"]

JENIS_KELAMIN = {"L", "P"}
SEGMEN = {"PU", "BPU", "JAKON", "PMI"}
KATEGORI = {"SWASTA", "NON_ASN", "PERANGKAT_DESA", "PEKERJA_RENTAN", "LAINNYA"}
STATUS = {"AKTIF", "NONAKTIF"}
SUMBER_IURAN = {"PEMBERI_KERJA", "MANDIRI", "APBD_KABUPATEN", "APBD_PROVINSI", "DANA_DESA", "CSR"}
PROGRAMS = ("JKK", "JKM", "JHT", "JP", "JKP")

_PROGRAM = "(?:" + "|".join(PROGRAMS) + ")"
# A '+'-joined set: known programs, each at most once, any order.
_ONCE = "".join(rf"(?!.*\b{p}\b.*\b{p}\b)" for p in PROGRAMS)
PROGRAM_SET = rf"^{_ONCE}{_PROGRAM}(?:\+{_PROGRAM})*$"
# 16 digits: region (6), birth day (women +40), month, year (DDMMYY), serial from 0001.
NIK = r"^\d{6}(?:0[1-9]|[12]\d|3[01]|4[1-9]|[56]\d|7[01])(?:0[1-9]|1[0-2])\d{2}(?!0000)\d{4}$"
# Province codes of Indonesia; an unknown prefix only warns (people move, codes change).
NIK_PROVINCE = r"^(?:1[1-9]|21|3[1-6]|5[1-3]|6[1-5]|7[1-6]|8[1-2]|9[1-7])"
PERIODE = r"^\d{4}-(?:0[1-9]|1[0-2])$"
POSITIVE = r"^(?=.*[1-9])\d+(?:\.\d+)?$"
NON_NEGATIVE = r"^\d+(?:\.\d+)?$"
ZERO = r"^0+(?:\.0+)?$"


def periode_of_file(name: str) -> str:
    m = FILE_PATTERN.match(name)
    if not m:
        raise ValueError(f"{name}: not an enrollment file name (kepesertaan_YYYYMM.csv|.xlsx)")
    return f"{m.group(1)}-{m.group(2)}"


def _date_validity(raw: pd.Series) -> pd.Series:
    """'ok' for a real DD/MM/YYYY date (31/02 is not), 'bad' otherwise, missing if blank.
    Parsed vectorised: a per-value strptime costs a minute on a district month."""
    well_formed = raw.str.fullmatch(r"\d{2}/\d{2}/\d{4}", na=False)
    parsed = pd.to_datetime(raw.where(well_formed), format=DATE_FORMAT, errors="coerce")
    return pd.Series("bad", index=raw.index, dtype="object").mask(parsed.notna(), "ok").where(
        raw.notna())


def prepare(df: pd.DataFrame, kpj_counts: pd.Series) -> pd.DataFrame:
    """Add the derived columns the cross-column rules compare (prefix ``x_``)."""
    out = df.copy()
    nik_ok = out["nik"].str.fullmatch(NIK, na=False)
    day = pd.to_numeric(out["nik"].str.slice(6, 8).where(nik_ok), errors="coerce")
    out["x_nik_sex"] = day.gt(40).map({True: "P", False: "L"}).where(nik_ok)
    birth_day = (day - 40 * day.gt(40)).astype("Int64").astype("string").str.zfill(2)
    out["x_nik_dob"] = (birth_day + out["nik"].str.slice(8, 12)).where(nik_ok)
    for col in DATES:
        out[f"x_{col}_valid"] = _date_validity(out[col])
    born = pd.to_datetime(out["tgl_lahir"], format=DATE_FORMAT, errors="coerce")
    out["x_dob"] = born.dt.strftime("%d%m%y").where(born.notna())
    out["x_jk"] = out["jenis_kelamin"].where(out["jenis_kelamin"].isin(JENIS_KELAMIN))
    # A malformed periode breaks periode_format only; the file-month check needs a month.
    out["x_periode"] = out["periode"].where(out["periode"].str.fullmatch(PERIODE, na=False))
    out["x_kpj_count"] = out["kpj"].map(kpj_counts).fillna(0).astype("int64")
    return out


def _date_rule(name: str, column: str, description: str) -> r.Rule:
    gxe = r.gx_expectations()
    return r.Rule(name, description, gxe.ExpectColumnValuesToBeInSet(
        column=f"x_{column}_valid", value_set=["ok"]), columns=(column,))


def rules(periode: str, kode_desa: set[str]) -> list[r.Rule]:
    gxe = r.gx_expectations()
    return [
        *r.required(REQUIRED),
        r.regex("periode_format", "periode", PERIODE, "periode is YYYY-MM"),
        r.in_set("periode_matches_file", "x_periode", {periode},
                 "periode equals the month in the file name"),
        r.regex("kpj_format", "kpj", r"^\d{11}$", "kpj is 11 digits"),
        r.Rule("kpj_unique", "kpj is unique within the file",
               gxe.ExpectColumnValuesToBeBetween(column="x_kpj_count", max_value=1),
               columns=("kpj",)),
        r.regex("nik_format", "nik", NIK,
                "nik is 16 digits: region, DDMMYY birth date (day+40 for women), serial 0001+"),
        r.Rule("nik_matches_tgl_lahir", "the NIK's date digits equal tgl_lahir",
               gxe.ExpectColumnPairValuesToBeEqual(
                   column_A="x_nik_dob", column_B="x_dob", ignore_row_if="either_value_is_missing"),
               columns=("nik", "tgl_lahir")),
        r.Rule("nik_matches_jenis_kelamin", "the NIK day (>40 for women) agrees with jenis_kelamin",
               gxe.ExpectColumnPairValuesToBeEqual(
                   column_A="x_nik_sex", column_B="x_jk", ignore_row_if="either_value_is_missing"),
               columns=("nik", "jenis_kelamin")),
        r.regex("nik_region_known", "nik", NIK_PROVINCE,
                "the NIK's region prefix is a known province", severity=r.WARNING),
        _date_rule("tgl_lahir_date", "tgl_lahir", "tgl_lahir is a DD/MM/YYYY date"),
        r.in_set("jenis_kelamin_enum", "jenis_kelamin", JENIS_KELAMIN, "jenis_kelamin is L or P"),
        r.in_set("segmen_enum", "segmen", SEGMEN, "segmen is PU, BPU, JAKON or PMI"),
        r.in_set("kategori_enum", "kategori", KATEGORI, "kategori is a contract category"),
        r.in_set("status_enum", "status", STATUS, "status is AKTIF or NONAKTIF"),
        r.in_set("sumber_iuran_enum", "sumber_iuran", SUMBER_IURAN,
                 "sumber_iuran is a contract funding source"),
        r.regex("npp_format", "npp", r"^\d{8}$", "npp is 8 digits"),
        r.Rule("npp_required_pu", "npp is required for PU",
               gxe.ExpectColumnValuesToNotBeNull(
                   column="npp", **r.when(r.column("segmen") == "PU")),
               columns=("npp", "segmen")),
        r.Rule("npp_blank_bpu_pmi", "npp is blank for BPU and PMI",
               gxe.ExpectColumnValuesToBeNull(
                   column="npp", **r.when(r.column("segmen").is_in(["BPU", "PMI"]))),
               columns=("npp", "segmen")),
        r.in_set("kode_desa_known", "kode_desa", kode_desa,
                 "kode_desa is a desa/kelurahan of Kabupaten Subang"),
        r.regex("upah_positive", "upah", POSITIVE, "upah is a number > 0"),
        r.regex("program_set", "program", PROGRAM_SET,
                "program is a '+'-joined set of JKK, JKM, JHT, JP, JKP"),
        _date_rule("tgl_kepesertaan_date", "tgl_kepesertaan",
                   "tgl_kepesertaan is a DD/MM/YYYY date"),
        _date_rule("tgl_nonaktif_date", "tgl_nonaktif",
                   "tgl_nonaktif is a DD/MM/YYYY date when present"),
        r.Rule("tgl_nonaktif_blank_when_aktif", "tgl_nonaktif is blank while AKTIF",
               gxe.ExpectColumnValuesToBeNull(
                   column="tgl_nonaktif", **r.when(r.column("status") == "AKTIF")),
               columns=("tgl_nonaktif", "status")),
        r.regex("iuran_nonnegative", "iuran", NON_NEGATIVE, "iuran is a number >= 0"),
        r.regex("iuran_zero_when_nonaktif", "iuran", ZERO, "iuran is 0 when NONAKTIF",
                **r.when(r.column("status") == "NONAKTIF")),
    ]

