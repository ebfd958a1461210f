"""The generated APBDes files: contract shape, Dana Desa totals, older-export quirks, premium
lines, planted mismatches and bad lines with their ground truth, determinism."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from ucj_sample.apbdes import (
    BAD_KINDS,
    COLUMNS,
    MISMATCH_RULES,
    generate_apbdes,
    read_bad_rows,
    read_mismatches,
)

YEARS = [2025, 2026]  # the shared landing zone's months: 2025-12, 2026-01, 2026-02
SEPARATED = re.compile(r"^\d{1,3}(?:\.\d{3})+$")


def read(landing: Path, year: int) -> pd.DataFrame:
    """The file as written, with physical row numbers, the planted bad lines marked."""
    path = landing / "village_budget" / f"apbdes_{year}.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[0] == ";".join(COLUMNS) and lines[-1] == ""
    rows = [line.split(";") for line in lines[1:-1]]
    assert {len(r) for r in rows} == {len(COLUMNS)}
    df = pd.DataFrame(rows, columns=list(COLUMNS))
    df["row_number"] = range(2, len(df) + 2)
    bad = read_bad_rows(landing)
    df["bad"] = df["row_number"].isin(bad.loc[bad["file"].str.endswith(path.name), "row_number"])
    return df


def amount(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s.str.replace(".", "", regex=False))


@pytest.fixture(scope="module")
def files(landing):
    return {year: read(landing, year) for year in YEARS}


def test_one_file_per_year_covering_every_desa(files, desa_codes):
    desa = {c for c in desa_codes if c.split(".")[-1].startswith("2")}
    assert len(desa) == 245
    for year, df in files.items():
        honest = df[~df["bad"]]
        assert set(honest["kode_desa"]) == desa, year
        assert set(honest["tahun"]) == {str(year)}
        assert set(honest["jenis"]) == {"PENDAPATAN", "BELANJA", "PEMBIAYAAN"}
        assert (honest.groupby("kode_desa").size() >= 15).all()
        assert set(honest["kode_kegiatan"].str[:2]) >= {"", "01", "02", "03", "04", "05"}
        assert (honest.loc[honest["jenis"] != "BELANJA", "kode_kegiatan"] == "").all()


def test_dana_desa_is_the_parameter_split_over_the_desa(files):
    for df in files.values():
        honest = df[~df["bad"]]
        dd = honest[(honest["jenis"] == "PENDAPATAN") & (honest["kode_rekening"] == "4.2.1")]
        assert len(dd) == 245 and set(dd["sumber_dana"]) == {"DDS"}
        assert amount(dd["anggaran"]).sum() == 147_000_000_000
        assert amount(dd["anggaran"]).between(3e8, 1.2e9).all()  # about Rp600 million each
        add = honest[honest["kode_rekening"] == "4.2.3"]
        assert amount(add["anggaran"]).sum() == 139_000_000_000
        assert set(honest.loc[honest["jenis"] == "PENDAPATAN", "kode_rekening"]) >= {
            "4.1.1", "4.2.1", "4.2.2", "4.2.3"}


def test_older_export_quirks(files):
    old, new = (files[y][~files[y]["bad"]] for y in YEARS)
    big = old[amount(old["anggaran"]) >= 1000]
    assert big["anggaran"].str.match(SEPARATED).all()  # the earlier year: older exports only
    codes = old.loc[old["kode_kegiatan"] != "", "kode_kegiatan"]
    assert not codes.str.endswith(".").any()
    per_desa = new.groupby("kode_desa")["anggaran"].apply(lambda s: s.str.contains(r"\.").any())
    assert 0.15 < per_desa.mean() < 0.5  # the last year: a share of desa
    assert new["kode_kegiatan"].str.fullmatch(r"\d{2}\.\d{2}\.\d{2}").any()
    assert new["kode_kegiatan"].str.fullmatch(r"\d{2}\.\d{2}\.\d{2}\.").any()


def test_premium_lines_of_both_kinds(files):
    df = files[2026]
    officials = df[df["kode_kegiatan"].str.startswith("01.01.03")]
    health = officials["uraian"].str.contains("Kesehatan|JKN")
    both = officials.assign(health=health).groupby("kode_desa")["health"].agg(["any", "all"])
    assert ((both["any"]) & (~both["all"])).sum() >= 5  # desa with a TK and a health line
    assert (~both["any"]).sum() >= 1
    vulnerable = df[~df["kode_kegiatan"].str.startswith("01.01.03")
                    & df["uraian"].str.contains("Ketenagakerjaan|BPJS TK|Jamsostek")]
    assert 5 <= vulnerable["kode_desa"].nunique() < 245
    assert df["uraian"].str.contains("BPJS Kesehatan Warga Miskin").any()  # health, elsewhere


def test_planted_mismatches(landing, files):
    truth = read_mismatches(landing)
    assert list(truth.columns) == ["tahun", "kode_desa", "rule", "detail"]
    for year in YEARS:
        t = truth[truth["tahun"] == year]
        assert set(t["rule"]) == set(MISMATCH_RULES), year
        assert t["kode_desa"].is_unique
    df = files[2026]
    for rec in truth[truth["tahun"] == 2026].to_dict("records"):
        lines = df[(df["kode_desa"] == rec["kode_desa"]) & ~df["bad"]]
        tk = lines[lines["uraian"].str.contains(r"Ketenagakerjaan|BPJS.TK|Jamsostek|JKK")
                   & ~lines["uraian"].str.contains("Kesehatan")]
        if rec["rule"] == "PESERTA_PERANGKAT_TANPA_PREMI":
            assert not tk["kode_kegiatan"].str.startswith("01.01.03").any()
            assert lines["kode_kegiatan"].str.startswith("01.01.03").any()  # health line only
        if rec["rule"] == "PESERTA_RENTAN_TANPA_PREMI":
            assert tk["kode_kegiatan"].str.startswith("01.01.03").all()
        if rec["rule"].startswith("PREMI_"):
            paid = tk[amount(tk["realisasi"]) > 0]
            assert not paid.empty and (paid["anggaran"] == paid["realisasi"]).any()


def test_bad_lines_cover_every_kind_once_per_file(landing, files):
    bad = read_bad_rows(landing)
    assert list(bad.columns) == ["file", "row_number", "kode_desa", "rule"]
    for year, df in files.items():
        planted = bad[bad["file"] == f"village_budget/apbdes_{year}.csv"]
        assert sorted(planted["rule"]) == sorted(BAD_KINDS)
        lines = df.set_index("row_number").loc[planted["row_number"]]
        assert (lines["kode_desa"].to_numpy() == planted["kode_desa"].to_numpy()).all()
        kind = dict(zip(planted["rule"], planted["row_number"], strict=True))
        at = lines.loc
        assert at[kind["kode_desa_is_desa"], "kode_desa"] == "32.13.03.1001"
        assert at[kind["tahun_matches_file"], "tahun"] == str(year - 1)
        assert at[kind["anggaran_nonnegative"], "anggaran"].startswith("-")
        assert at[kind["uraian_required"], "uraian"] == ""
        assert at[kind["tgl_update_date"], "tgl_update"].count("/") == 2


def test_standalone_without_enrollment_uses_the_parameters(tmp_path):
    summary = generate_apbdes(tmp_path, [2024], seed=5, dana_desa_total=277_000_000_000,
                              mismatches=2, bad_lines=3)
    year = summary["years"]["2024"]
    assert (year["as_of"], year["bad_lines"], year["dana_desa"]) == ("2024-12", 3,
                                                                    277_000_000_000)
    # No participants: only premiums without participants can be planted.
    assert year["mismatches"] == {"PREMI_PERANGKAT_TANPA_PESERTA": 2,
                                  "PREMI_RENTAN_TANPA_PESERTA": 2,
                                  "PESERTA_PERANGKAT_TANPA_PREMI": 0,
                                  "PESERTA_RENTAN_TANPA_PREMI": 0}
    df = read(tmp_path, 2024)
    dd = df[~df["bad"] & (df["kode_rekening"] == "4.2.1")]
    assert amount(dd["anggaran"]).sum() == 277_000_000_000
    assert (amount(dd["realisasi"]) == amount(dd["anggaran"])).mean() < 0.5  # tranches lag


def test_same_seed_same_bytes(tmp_path):
    def files_of(root):
        return {p.name: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}

    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        generate_apbdes(tmp_path / name, [2026], seed=seed)
    a, b, c = (files_of(tmp_path / n) for n in "abc")
    assert a == b and a.keys() == c.keys()
    assert a["apbdes_2026.csv"] != c["apbdes_2026.csv"]
