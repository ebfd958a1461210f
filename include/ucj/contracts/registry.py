"""Company registry (Disnakertrans WLKP + OSS), from the HTTP API or the CSV snapshot."""

from __future__ import annotations

import pandas as pd

from ucj import sources
from ucj.validation import rules as r

SOURCE = sources.REGISTRY.name
COLUMNS = [
    "nib", "npp", "npwp", "nama_perusahaan", "kbli", "skala_usaha", "kode_desa",
    "jumlah_tk_laki", "jumlah_tk_perempuan", "jumlah_tk_wlkp", "tgl_lapor_wlkp",
    "status_usaha", "updated_at",
]
UPPER_CASE = ["skala_usaha", "status_usaha"]
SKALA_USAHA = {"MIKRO", "KECIL", "MENENGAH", "BESAR"}
STATUS_USAHA = {"AKTIF", "TUTUP"}
COUNTS = ["jumlah_tk_laki", "jumlah_tk_perempuan", "jumlah_tk_wlkp"]
# Legacy 15 digits, bare or formatted 99.999.999.9-999.999; or 16 digits since 2024.
NPWP = r"^(?:\d{2}\.\d{3}\.\d{3}\.\d-\d{3}\.\d{3}|\d{15}|\d{16})$"
# KBLI 2020 is 5 digits; a spreadsheet may have dropped the leading zero (a contract quirk).
KBLI = r"^\d{4,5}$"
ISO_TIMESTAMP = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$"


def npwp_digits(npwp: pd.Series) -> pd.Series:
    return npwp.str.replace(r"[.\-]", "", regex=True)


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def npwp_check(npwp: pd.Series) -> pd.Series:
    """'ok'/'bad' for the legacy check digit (Luhn over the first 9 digits of the legacy
    number; a 16-digit entity NPWP is 0 + legacy); None where it does not apply."""
    digits = npwp_digits(npwp)

    def check(d):
        if not isinstance(d, str) or not d.isdigit():
            return None
        legacy = d if len(d) == 15 else d[1:] if len(d) == 16 and d[0] == "0" else None
        if legacy is None:
            return None  # an individual's 16-digit NPWP is their NIK: no check digit
        return "ok" if luhn_ok(legacy[:9]) else "bad"

    return digits.map(check, na_action="ignore")


def prepare(df: pd.DataFrame, nib_counts: pd.Series) -> pd.DataFrame:
    out = df.copy()
    out["x_npwp_check"] = npwp_check(out["npwp"].where(out["npwp"].str.match(NPWP, na=False)))
    counts = {c: pd.to_numeric(out[c].where(out[c].str.fullmatch(r"\d+", na=False)),
                               errors="coerce") for c in COUNTS}
    out["x_tk_sum"] = (counts["jumlah_tk_laki"] + counts["jumlah_tk_perempuan"]).astype("Int64")
    out["x_tk_wlkp"] = counts["jumlah_tk_wlkp"].astype("Int64")
    out["x_nib_count"] = out["nib"].map(nib_counts).fillna(0).astype("int64")
    return out


def rules(villages: set[str]) -> list[r.Rule]:
    gxe = r.gx_expectations()
    return [
        *r.required(["nib", "nama_perusahaan", "kbli", "skala_usaha", "kode_desa", *COUNTS,
                     "status_usaha", "updated_at"]),
        r.regex("nib_format", "nib", r"^\d{13}$", "nib is 13 digits"),
        r.Rule("nib_unique", "one record per nib in a delivery",
               gxe.ExpectColumnValuesToBeBetween(column="x_nib_count", max_value=1),
               columns=("nib",)),
        r.regex("npp_format", "npp", r"^\d{8}$", "npp is 8 digits when registered"),
        r.regex("npwp_format", "npwp", NPWP,
                "npwp is 15 digits (bare or 99.999.999.9-999.999) or 16 digits"),
        r.in_set("npwp_check_digit", "x_npwp_check", {"ok"},
                 "the legacy NPWP check digit (Luhn over the first 9 digits) is right"),
        r.regex("kbli_format", "kbli", KBLI, "kbli is a 5-digit KBLI 2020 code"),
        r.in_set("skala_usaha_enum", "skala_usaha", SKALA_USAHA,
                 "skala_usaha is MIKRO, KECIL, MENENGAH or BESAR"),
        r.in_set("kode_desa_known", "kode_desa", villages,
                 "kode_desa is a desa/kelurahan of Kabupaten Subang"),
        *[r.regex(f"{c}_count", c, r"^\d+$", f"{c} is a whole number >= 0") for c in COUNTS],
        r.Rule("jumlah_tk_wlkp_sum", "jumlah_tk_wlkp = jumlah_tk_laki + jumlah_tk_perempuan",
               gxe.ExpectColumnPairValuesToBeEqual(
                   column_A="x_tk_sum", column_B="x_tk_wlkp",
                   ignore_row_if="either_value_is_missing"),
               columns=tuple(COUNTS)),
        r.date_format("tgl_lapor_wlkp_date", "tgl_lapor_wlkp", "%Y-%m-%d",
                      "tgl_lapor_wlkp is a YYYY-MM-DD date"),
        r.in_set("status_usaha_enum", "status_usaha", STATUS_USAHA,
                 "status_usaha is AKTIF or TUTUP"),
        r.regex("updated_at_timestamp", "updated_at", ISO_TIMESTAMP,
                "updated_at is an ISO-8601 timestamp"),
    ]
