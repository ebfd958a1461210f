"""Yearly reference tables (SOURCES.md section 4), each delivered as a `,`-delimited CSV."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa

from ucj.validation import rules as r

DELIMITER = ","
YEAR = r"^\d{4}$"
COUNT = r"^\d+$"


@dataclass(frozen=True)
class ReferenceTable:
    """A table's columns, lake schema and rules; its file names, lake dataset and Asset are
    declared with the other sources (``ucj.sources``: ``reference/<name>``)."""

    name: str
    columns: list[str]
    schema: pa.Schema
    rules: Callable[[str | None, set[str]], list[r.Rule]]


def _tahun_rules(year: str | None) -> list[r.Rule]:
    out = [r.regex("tahun_format", "tahun", YEAR, "tahun is a 4-digit year")]
    if year and year != "all":
        out.append(r.in_set("tahun_matches_file", "tahun", {year},
                            "tahun equals the year in the file name"))
    return out


def _counts(columns: list[str]) -> list[r.Rule]:
    return [r.regex(f"{c}_count", c, COUNT, f"{c} is a whole number >= 0") for c in columns]


def _tenaga_kerja_rules(year, villages):
    gxe = r.gx_expectations()
    counts = ["penduduk", "penduduk_usia_kerja", "penduduk_bekerja", "jumlah_perangkat_desa"]
    return [
        *r.required(["tahun", "kode_desa", *counts[:3]]),
        *_tahun_rules(year),
        r.in_set("kode_desa_known", "kode_desa", villages,
                 "kode_desa is a desa/kelurahan of Kabupaten Subang"),
        r.Rule("kode_desa_unique", "one row per desa and year",
               gxe.ExpectColumnValuesToBeUnique(column="kode_desa"), columns=("kode_desa",)),
        *_counts(counts),
        r.Rule("bekerja_within_usia_kerja", "penduduk_bekerja <= penduduk_usia_kerja",
               gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                   column_A="x_usia_kerja", column_B="x_bekerja", or_equal=True,
                   ignore_row_if="either_value_is_missing"),
               columns=("penduduk_usia_kerja", "penduduk_bekerja")),
        r.Rule("usia_kerja_within_penduduk", "penduduk_usia_kerja <= penduduk",
               gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                   column_A="x_penduduk", column_B="x_usia_kerja", or_equal=True,
                   ignore_row_if="either_value_is_missing"),
               columns=("penduduk", "penduduk_usia_kerja")),
    ]


def _non_asn_rules(year, villages):
    gxe = r.gx_expectations()
    return [
        *r.required(["tahun", "kode_opd", "nama_opd", "npp", "jumlah_non_asn"]),
        *_tahun_rules(year),
        r.regex("npp_format", "npp", r"^\d{8}$", "npp is 8 digits"),
        r.Rule("kode_opd_unique", "one row per agency and year",
               gxe.ExpectColumnValuesToBeUnique(column="kode_opd"), columns=("kode_opd",)),
        r.in_set("kode_desa_known", "kode_desa", villages,
                 "kode_desa is a desa/kelurahan of Kabupaten Subang"),
        *_counts(["jumlah_non_asn"]),
    ]


def _umk_rules(year, villages):
    gxe = r.gx_expectations()
    return [
        *r.required(["tahun", "umk"]),
        *_tahun_rules(None),
        r.Rule("tahun_unique", "one minimum wage per year",
               gxe.ExpectColumnValuesToBeUnique(column="tahun"), columns=("tahun",)),
        r.regex("umk_positive", "umk", r"^(?=.*[1-9])\d+(?:\.\d+)?$", "umk is a number > 0"),
    ]


def prepare(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col, x in (("penduduk", "x_penduduk"), ("penduduk_usia_kerja", "x_usia_kerja"),
                   ("penduduk_bekerja", "x_bekerja")):
        if col in out:
            out[x] = pd.to_numeric(out[col], errors="coerce")
    return out


TENAGA_KERJA_DESA = ReferenceTable(
    "tenaga_kerja_desa",
    ["tahun", "kode_desa", "penduduk", "penduduk_usia_kerja", "penduduk_bekerja",
     "jumlah_perangkat_desa"],
    pa.schema([("tahun", pa.int32()), ("kode_desa", pa.string()), ("penduduk", pa.int64()),
               ("penduduk_usia_kerja", pa.int64()), ("penduduk_bekerja", pa.int64()),
               ("jumlah_perangkat_desa", pa.int32())]),
    _tenaga_kerja_rules,
)
NON_ASN = ReferenceTable(
    "non_asn",
    ["tahun", "kode_opd", "nama_opd", "npp", "kode_desa", "jumlah_non_asn"],
    pa.schema([("tahun", pa.int32()), ("kode_opd", pa.string()), ("nama_opd", pa.string()),
               ("npp", pa.string()), ("kode_desa", pa.string()), ("jumlah_non_asn", pa.int32())]),
    _non_asn_rules,
)
UMK = ReferenceTable(
    "umk", ["tahun", "umk"],
    pa.schema([("tahun", pa.int32()), ("umk", pa.decimal128(18, 2))]),
    _umk_rules,
)
TABLES = [TENAGA_KERJA_DESA, NON_ASN, UMK]
