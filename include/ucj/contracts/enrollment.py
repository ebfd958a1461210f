"""BPJS Ketenagakerjaan monthly participant snapshot (`enrollment/kepesertaan_YYYYMM.csv`)."""

from __future__ import annotations

import calendar
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ucj import sources
from ucj.validation import rules as r

SOURCE = sources.ENROLLMENT.name
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
# No lookahead (serial 0001-9999 spelled out): Arrow's RE2 then matches it in C++, where a
# lookahead sends pandas to Python's re, one value at a time.
NIK = (r"^\d{6}(?:0[1-9]|[12]\d|3[01]|4[1-9]|[56]\d|7[01])(?:0[1-9]|1[0-2])\d{2}"
       r"(?:000[1-9]|00[1-9]\d|0[1-9]\d{2}|[1-9]\d{3})$")
# Province codes of Indonesia; an unknown prefix only warns (people move, codes change).
NIK_PROVINCE = r"^(?:1[1-9]|21|3[1-6]|5[1-3]|6[1-5]|7[1-6]|8[1-2]|9[1-7])"
PERIODE = r"^\d{4}-(?:0[1-9]|1[0-2])$"
# A number with a non-zero digit, without lookahead (RE2, see NIK).
POSITIVE = r"^(?:\d*[1-9]\d*(?:\.\d+)?|\d+\.\d*[1-9]\d*)$"
NON_NEGATIVE = r"^\d+(?:\.\d+)?$"
ZERO = r"^0+(?:\.0+)?$"


def periode_of_file(name: str) -> str:
    """The month of a delivered file's name (``ucj.sources.ENROLLMENT`` declares the names)."""
    return sources.ENROLLMENT.partition_of(name)


class DateParts(NamedTuple):
    """A date column read per row: ``real`` (a real DD/MM/YYYY date), ``ddmmyy`` (its DDMMYY
    digits, Arrow text), ``ymd`` (YYYYMMDD as a number) and ``day`` (days since 1970-01-01);
    the last three missing where the value is blank or not a real date."""
    real: pd.Series
    ddmmyy: pd.Series
    ymd: pd.Series
    day: pd.Series


def date_parts(raw: pd.Series) -> DateParts:
    """:class:`DateParts` per value. Each distinct value is parsed once (a million rows hold a
    few thousand dates); a blank is not a date."""
    codes, distinct = pd.factorize(raw)
    real, ddmmyy, ymd, day = _distinct_date_parts(pd.Series(distinct, dtype=object))
    known = codes >= 0
    at = np.where(known, codes, 0)
    real_rows = known & real.to_numpy()[at] if len(real) else np.zeros(len(raw), dtype=bool)
    ddmmyy_rows = pc.take(pa.array(ddmmyy, type=pa.large_string(), from_pandas=True),
                          pa.array(codes, mask=~known))

    def per_row(values: np.ndarray) -> pd.Series:
        taken = values[at] if len(values) else np.zeros(len(raw), dtype=np.int64)
        return pd.Series(pd.arrays.IntegerArray(taken, ~real_rows), index=raw.index)

    return DateParts(pd.Series(real_rows, index=raw.index),
                     pd.Series(pd.arrays.ArrowStringArray(ddmmyy_rows), index=raw.index),
                     per_row(ymd), per_row(day))


def _distinct_date_parts(raw: pd.Series) -> tuple[pd.Series, pd.Series, np.ndarray,
                                                  np.ndarray]:
    """:func:`date_parts` of distinct values, vectorised in Arrow: 31/02 and 29/02 of a
    common year are not dates. A per-value strptime costs a minute on a district month, and
    Arrow's strptime rolls 31/02 over into March, so days are checked here. The YYYYMMDD and
    day numbers are meaningful only where ``real``."""
    text = pa.array(raw.astype("string[pyarrow]").array)
    well_formed = pc.fill_null(pc.match_substring_regex(text, r"^\d{2}/\d{2}/\d{4}$"), False)
    digits = pc.if_else(well_formed, text, "00/00/0000")

    def number(start: int, stop: int) -> np.ndarray:
        return pc.cast(pc.utf8_slice_codeunits(digits, start, stop), pa.int64()).to_numpy()

    day, month, year = number(0, 2), number(3, 5), number(6, 10)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    days_in_month = _DAYS_IN_MONTH[month.clip(0, 12)] + ((month == 2) & leap)
    real = (well_formed.to_numpy(zero_copy_only=False) & (month >= 1) & (month <= 12)
            & (day >= 1) & (day <= days_in_month))
    ddmmyy = pc.binary_join_element_wise(*(pc.utf8_slice_codeunits(digits, a, b)
                                           for a, b in ((0, 2), (3, 5), (8, 10))),
                                         pa.scalar("", digits.type))
    ddmmyy = pd.Series(ddmmyy.to_numpy(zero_copy_only=False), index=raw.index, dtype=object)
    # the month's first day as a day number (numpy's calendar), plus the day of the month
    first = ((year - 1970) * 12 + month.clip(1, 12) - 1).astype("datetime64[M]")
    days = first.astype("datetime64[D]").astype(np.int64) + day - 1
    ymd = year * 10_000 + month * 100 + day
    return pd.Series(real, index=raw.index), ddmmyy.where(real), ymd, days


_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _validity(real: pd.Series, raw: pd.Series) -> pd.Series:
    """'ok' for a real date, 'bad' otherwise, missing if blank: a categorical, numbered as
    it is built (the distinct validation numbers its values)."""
    codes = np.where(raw.isna().to_numpy(), -1, real.to_numpy().astype(np.int8))
    return pd.Series(pd.Categorical.from_codes(codes, categories=_BAD_OK), index=raw.index)


_BAD_OK = ["bad", "ok"]


def _nik_day(nik: pd.Series, nik_ok: pd.Series) -> pd.Series:
    """The NIK's day digits (7-8) as a number where the NIK is well formed, else NaN: sliced
    and cast in Arrow (pandas' to_numeric takes a Python step per value)."""
    text = pa.array(nik.astype("string[pyarrow]").array)
    digits = pc.if_else(pa.array(nik_ok.to_numpy()), pc.utf8_slice_codeunits(text, 6, 8), None)
    return pd.Series(pc.cast(digits, pa.float64()).to_numpy(zero_copy_only=False),
                     index=nik.index)


def prepare(df: pd.DataFrame, kpj_counts: pd.Series) -> pd.DataFrame:
    """Add the derived columns the cross-column rules compare (prefix ``x_``).

    ``kpj_counts``: by row number (the frame's index), how often the row's kpj occurs in the
    whole file, for the rows whose kpj repeats (uniqueness spans chunks and parts)."""
    out = df.copy()
    nik_ok = out["nik"].str.fullmatch(NIK, na=False)
    day = _nik_day(out["nik"], nik_ok)
    out["x_nik_sex"] = day.gt(40).map({True: "P", False: "L"}).where(nik_ok)
    birth_day = (day - 40 * day.gt(40)).astype("Int64").astype("string").str.zfill(2)
    out["x_nik_dob"] = (birth_day + out["nik"].str.slice(8, 12)).where(nik_ok)
    parts = {col: date_parts(out[col]) for col in DATES}
    for col in DATES:
        out[f"x_{col}_valid"] = _validity(parts[col].real, out[col])
    out["x_dob"] = parts["tgl_lahir"].ddmmyy
    # The date-order rules compare real dates only (missing otherwise, so GX skips the row): a
    # blank or malformed date breaks its own *_required / *_date rule and nothing more. Each
    # comparison is one column of day differences, not a pair of date columns, so that it is
    # validated per distinct value: a generated 250 000-row chunk holds 15 252 distinct ages
    # at registration (in days) but 232 919 distinct (tgl_lahir, tgl_kepesertaan) pairs.
    out["x_tgl_kepesertaan_ymd"] = parts["tgl_kepesertaan"].ymd
    out["x_tgl_nonaktif_ymd"] = parts["tgl_nonaktif"].ymd
    out["x_days_lahir_to_kepesertaan"] = parts["tgl_kepesertaan"].day - parts["tgl_lahir"].day
    out["x_days_kepesertaan_to_nonaktif"] = (parts["tgl_nonaktif"].day
                                             - parts["tgl_kepesertaan"].day)
    out["x_jk"] = out["jenis_kelamin"].where(out["jenis_kelamin"].isin(JENIS_KELAMIN))
    # A malformed periode breaks periode_format only; the file-month check needs a month.
    out["x_periode"] = out["periode"].where(out["periode"].str.fullmatch(PERIODE, na=False))
    out["x_kpj_count"] = out.index.to_series().map(kpj_counts).fillna(0).astype("int64")
    return out


def _date_rule(name: str, column: str, description: str) -> r.Rule:
    gxe = r.gx_expectations()
    return r.Rule(name, description, gxe.ExpectColumnValuesToBeInSet(
        column=f"x_{column}_valid", value_set=["ok"]), columns=(column,))


def month_end(periode: str) -> int:
    """The last day of a ``YYYY-MM`` month as YYYYMMDD."""
    year, month = (int(p) for p in periode.split("-"))
    return year * 10_000 + month * 100 + calendar.monthrange(year, month)[1]


def _date_order_rules(periode: str) -> list[r.Rule]:
    """Dates the snapshot cannot hold. All are errors: the file is the list "as of the month's
    end" (SOURCES.md section 1), so a registration or deactivation dated later contradicts
    the file itself, and ``status`` (what makes an active participant) cannot be trusted
    beside it; a membership ending before it began, or begun before its holder was born, is
    not a fact either. Such a row counts nowhere rather than somewhere wrong."""
    gxe = r.gx_expectations()
    end = month_end(periode)
    return [
        r.Rule("tgl_kepesertaan_not_after_month_end",
               f"tgl_kepesertaan is not after the file month's last day ({end})",
               gxe.ExpectColumnValuesToBeBetween(column="x_tgl_kepesertaan_ymd", max_value=end),
               columns=("tgl_kepesertaan",)),
        r.Rule("tgl_nonaktif_not_after_month_end",
               f"tgl_nonaktif is not after the file month's last day ({end})",
               gxe.ExpectColumnValuesToBeBetween(column="x_tgl_nonaktif_ymd", max_value=end),
               columns=("tgl_nonaktif",)),
        r.Rule("tgl_nonaktif_not_before_tgl_kepesertaan",
               "tgl_nonaktif is not before tgl_kepesertaan (days between them >= 0)",
               gxe.ExpectColumnValuesToBeBetween(
                   column="x_days_kepesertaan_to_nonaktif", min_value=0),
               columns=("tgl_nonaktif", "tgl_kepesertaan")),
        r.Rule("tgl_kepesertaan_not_before_tgl_lahir",
               "tgl_kepesertaan is not before tgl_lahir (days from birth to registration >= 0)",
               gxe.ExpectColumnValuesToBeBetween(
                   column="x_days_lahir_to_kepesertaan", min_value=0),
               columns=("tgl_kepesertaan", "tgl_lahir")),
    ]


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
        *_date_order_rules(periode),
        r.regex("iuran_nonnegative", "iuran", NON_NEGATIVE, "iuran is a number >= 0"),
        r.regex("iuran_zero_when_nonaktif", "iuran", ZERO, "iuran is 0 when NONAKTIF",
                **r.when(r.column("status") == "NONAKTIF")),
    ]

