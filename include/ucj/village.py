"""Village budgets (APBDes): which lines are social-security premiums, which are Dana Desa, and
the thresholds of the village alerts.

Premium lines (SOURCES.md section 3), ``BELANJA`` lines only, whatever their ``sumber_dana``:

- **village officials** (``PERANGKAT_DESA``): every line of activity ``01.01.03.``
  "Penyediaan Jaminan Sosial bagi Kepala Desa dan Perangkat Desa" (also written ``01.01.03``
  by older exports), except the lines whose ``uraian`` names health insurance - that activity
  carries both BPJS Kesehatan and BPJS Ketenagakerjaan premiums. A line of the activity that
  names neither ("Belanja jaminan sosial kepala desa", "Iuran BPJS perangkat desa") counts.
- **vulnerable workers** (``PEKERJA_RENTAN``): lines of any other activity whose ``uraian``
  names employment social security - BPJS Ketenagakerjaan, BPJS TK, jaminan sosial
  ketenagakerjaan or Jamsostek - and does not name health insurance.

How ``uraian`` is read: case-insensitively, with every character other than a letter or a
digit taken as a space and runs of spaces as one ("B.P.J.S" and "J.K.N" read as the words),
so "BPJS-TK", "B.P.J.S. T.K.", "BPJSTK", "bpjs  ketenaga kerjaan" and "BPJamsostek" (the
agency's brand) all name employment social security; "jaminan sosial tenaga kerja" (what
Jamsostek abbreviates) does too.

It names health insurance when it contains "BPJS Kesehatan" (also "BPJS Kes."), "JKN",
"jaminan kesehatan" (also the "Jamkes..." abbreviations), "BPJS Ketenagakerjaan dan
Kesehatan" (both in one line: the amount cannot be split, so the line is left out), or a bare
"BPJS" (not followed by Ketenagakerjaan/TK) in a health context (kesehatan, sehat, KIS, PBI,
faskes, puskesmas, berobat). "Kesehatan" alone beside an explicit "BPJS Ketenagakerjaan"
("Iuran BPJS Ketenagakerjaan kader kesehatan") is the workers' job, not health insurance.

Dana Desa revenue is the ``PENDAPATAN`` lines with ``kode_rekening`` ``4.2.1`` or ``4.2.1.*``;
likewise ``4.2.2`` bagi hasil pajak/retribusi (BHP) and ``4.2.3`` Alokasi Dana Desa (ADD).
"""

from __future__ import annotations

import re

import pandas as pd

from ucj import config

OFFICIALS = "PERANGKAT_DESA"
VULNERABLE = "PEKERJA_RENTAN"
OFFICIALS_ACTIVITY = "01.01.03."
BELANJA, PENDAPATAN = "BELANJA", "PENDAPATAN"
REVENUE = {"4.2.1": "DANA_DESA", "4.2.2": "BHP", "4.2.3": "ADD"}

_TK = r"(?:ketenaga\s*kerjaan|tk|t\s*k)\b"
EMPLOYMENT = re.compile(
    rf"\bbpjs\s*{_TK}"
    r"|jamsostek"
    rf"|\bjaminan\s*sosial\s*(?:{_TK}|tenaga\s*kerja\b)"
)
HEALTH = re.compile(
    r"\bbpjs\s*kes(?:ehatan)?\b"
    r"|\bjkn\b"
    r"|\bjaminan\s*kesehatan\b"
    r"|\bjamkes"
    rf"|{_TK}\s*(?:dan|serta|atau)\s*kesehatan\b"
)
BARE_BPJS = re.compile(rf"\bbpjs\b(?!\s*(?:{_TK}|kes))")
HEALTH_CONTEXT = re.compile(r"\b(?:kesehatan|sehat|kis|pbi|faskes|puskesmas|berobat)\b")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_SPELLED = ((re.compile(r"\bb ?p ?j ?s\b"), "bpjs"), (re.compile(r"\bj ?k ?n\b"), "jkn"))
_ACTIVITY = re.compile(r"^\d{2}\.\d{2}\.\d{2}\.?$")


def normalise_text(text: object) -> str:
    """Lower case, every non-alphanumeric character a single space."""
    if not isinstance(text, str):
        return ""
    text = " ".join(_NOT_ALNUM.sub(" ", text.lower()).split())
    for spelled, word in _SPELLED:  # "B.P.J.S", "J.K.N"
        text = spelled.sub(word, text)
    return text


def names_health_insurance(uraian: object) -> bool:
    text = normalise_text(uraian)
    if HEALTH.search(text):
        return True
    return bool(BARE_BPJS.search(text) and HEALTH_CONTEXT.search(text))


def names_employment_insurance(uraian: object) -> bool:
    return bool(EMPLOYMENT.search(normalise_text(uraian)))


def activity_code(kode: object) -> str | None:
    """``BB.SS.KK.`` with the trailing dot (older exports leave it out); other text as is."""
    if not isinstance(kode, str) or not kode.strip():
        return None
    kode = kode.strip()
    if _ACTIVITY.match(kode) and not kode.endswith("."):
        return kode + "."
    return kode


def premium_beneficiary(jenis: object, kode_kegiatan: object, uraian: object) -> str | None:
    """``PERANGKAT_DESA``, ``PEKERJA_RENTAN`` or None for one APBDes line."""
    if jenis != BELANJA:
        return None
    if names_health_insurance(uraian):
        return None
    if activity_code(kode_kegiatan) == OFFICIALS_ACTIVITY:
        return OFFICIALS
    return VULNERABLE if names_employment_insurance(uraian) else None


def revenue_item(jenis: object, kode_rekening: object) -> str | None:
    """``DANA_DESA`` (4.2.1), ``BHP`` (4.2.2), ``ADD`` (4.2.3) for revenue lines, else None."""
    if jenis != PENDAPATAN or not isinstance(kode_rekening, str):
        return None
    for prefix, item in REVENUE.items():
        if kode_rekening == prefix or kode_rekening.startswith(prefix + "."):
            return item
    return None


def premium_beneficiaries(df: pd.DataFrame) -> pd.Series:
    """``premium_beneficiary`` for every row of a frame with jenis, kode_kegiatan, uraian."""
    return pd.Series(
        [premium_beneficiary(j, k, u) for j, k, u in
         zip(df["jenis"], df["kode_kegiatan"], df["uraian"], strict=True)],
        index=df.index, dtype="object")


def revenue_items(df: pd.DataFrame) -> pd.Series:
    return pd.Series(
        [revenue_item(j, k) for j, k in zip(df["jenis"], df["kode_rekening"], strict=True)],
        index=df.index, dtype="object")


# --- village alerts ------------------------------------------------------------------------
# Thresholds of the dbt model include/sql/models/marts/mart_dana_desa.sql, which reads them
# through the run's staged scope (ucj.warehouse.scope, each checked to be a number) and the
# macro `threshold`, not as bound parameters. Override any of them with the environment
# variable UCJ_VILLAGE_THRESHOLDS (JSON), e.g. '{"premi_min_selisih": 5}'.
#
# A realised premium pays for "setara peserta" (persons-equivalent) =
#   premi realisasi / (premi_bulan_setahun * monthly premium per person),
# the monthly premium per person being the larger of the typical premium below and the
# average monthly iuran of the desa's own DANA_DESA-funded participants of that beneficiary
# group over the year's loaded months. Counting a whole year (12 months) keeps the figure a
# lower bound when realisation is still partial, so the alert errs on the side of silence.
THRESHOLDS: dict[str, float] = {
    # Months of premium that a year's realisation is taken to pay for.
    "premi_bulan_setahun": 12,
    # Typical monthly premium of a village official: JKK (0.24 %) + JKM (0.30 %) on the lowest
    # official pay of PP 11/2019 (Rp2,022,200).
    "premi_bulanan_perangkat": 10_920,
    # Typical monthly premium of a vulnerable worker: the lowest BPU band JKK + JKM.
    "premi_bulanan_rentan": 16_800,
    # Premium without matching participants: active DANA_DESA participants below this share
    # of the persons-equivalent AND at least this many persons short of it.
    "premi_maks_porsi_peserta": 0.5,
    "premi_min_selisih": 3,
    # Participants without a premium line: at least this many active DANA_DESA participants
    # of the group while the year's APBDes has no premium (anggaran and realisasi both 0).
    "tanpa_premi_min_peserta": 1,
}


def thresholds(overrides: dict | str | None = None) -> dict:
    """The defaults updated by ``overrides`` (dict or JSON), else by the environment."""
    return config.parameters(THRESHOLDS, overrides, "UCJ_VILLAGE_THRESHOLDS",
                             "village threshold(s)")
