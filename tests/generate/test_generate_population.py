"""Honest rows look like a real district: stable persons, realistic shares, consistent NIK."""

from __future__ import annotations

import pandas as pd
import pytest

from .generate_checks import nik_parts, normalised, raw_rows


@pytest.fixture(scope="module")
def honest(enrollment_files, truth):
    """month -> the normalised honest rows of that month's file."""
    out = {}
    for path in enrollment_files:
        planted = truth.loc[truth["file"] == f"enrollment/{path.name}", "row_number"]
        frame = normalised(raw_rows(path))
        out[frame["periode"].mode()[0]] = frame[~frame["row_number"].isin(planted)]
    return out


def test_nik_agrees_with_birth_date_and_sex(honest):
    for frame in honest.values():
        for nik, born, sex in zip(frame["nik"], frame["tgl_lahir"], frame["jenis_kelamin"],
                                  strict=True):
            parts = nik_parts(nik)
            assert parts is not None, nik
            assert parts[0] == born[:2] + born[3:5] + born[8:10]
            assert parts[1] == sex


def test_persons_with_two_rows(honest):
    frame = honest["2026-01"]
    per_person = frame.groupby("nik")["kpj"].nunique()
    several = per_person[per_person >= 2]
    assert 0.015 < len(several) / len(per_person) < 0.06
    both = frame[frame["nik"].isin(several.index)]
    # two employers, and PU beside BPU
    assert (both[both["segmen"] == "PU"].groupby("nik")["npp"].nunique() >= 2).any()
    assert (both.groupby("nik")["segmen"].agg(set).map(lambda s: {"PU", "BPU"} <= s)).any()


def test_kpj_and_persons_are_stable_across_months(honest):
    a, b = honest["2025-12"], honest["2026-01"]
    joined = a.merge(b, on="kpj", suffixes=("_a", "_b"))
    assert len(joined) == len(a)  # nobody disappears from the full list
    for col in ("nik", "tgl_kepesertaan", "segmen", "npp"):
        assert (joined[f"{col}_a"] == joined[f"{col}_b"]).all(), col


def test_months_register_and_deactivate(honest):
    for month, frame in honest.items():
        reg = pd.to_datetime(frame["tgl_kepesertaan"], format="%d/%m/%Y")
        assert (reg.dt.strftime("%Y-%m") == month).sum() > 0
        end = pd.to_datetime(frame["tgl_nonaktif"], format="%d/%m/%Y", errors="coerce")
        assert (end.dt.strftime("%Y-%m") == month).sum() > 0
        assert (reg.dt.strftime("%Y-%m") <= month).all()
        inactive = (frame["status"] == "NONAKTIF").mean()
        assert 0.10 <= inactive <= 0.20


def test_segment_and_category_mix(honest):
    frame = honest["2026-01"]
    seg = frame["segmen"].value_counts(normalize=True)
    for code, share in {"PU": 0.55, "BPU": 0.35, "JAKON": 0.07, "PMI": 0.03}.items():
        assert abs(seg[code] - share) < 0.03, code
    assert set(frame["kategori"]) == {"SWASTA", "NON_ASN", "PERANGKAT_DESA", "PEKERJA_RENTAN",
                                      "LAINNYA"}
    pu = frame[frame["segmen"] == "PU"]
    assert pu["npp"].str.fullmatch(r"\d{8}").all()
    assert (frame.loc[frame["segmen"].isin(["BPU", "PMI"]), "npp"] == "").all()


def test_contributions(honest):
    frame = honest["2026-01"]
    aktif = frame["status"] == "AKTIF"
    assert (frame.loc[~aktif, "iuran"] == "0").all()
    assert (frame.loc[aktif, "iuran"].astype(int) > 0).all()
    rentan = frame[aktif & (frame["kategori"] == "PEKERJA_RENTAN")]
    assert set(rentan["iuran"]) <= {"16800", "10000"}
    assert (rentan.loc[rentan["sumber_iuran"] == "APBD_PROVINSI", "iuran"] == "10000").all()
    # a PU wage exactly at UMK holding JKK (very low risk) + JKM + JHT + JP: 9.24 % of wage
    pu = frame[aktif & (frame["kategori"] == "SWASTA")]
    assert (pu["upah"] == "3737482").mean() > 0.1  # the clump at UMK
    # honest companies pay a few workers slightly below UMK (mostly micro and small firms)
    upah = pu["upah"].astype(int)
    below = upah < 3737482
    assert 0 < below.mean() < 0.06
    assert (upah[below] >= 0.9 * 3737482).all()


def test_village_rows(honest):
    frame = honest["2026-01"]
    officials = frame[frame["kategori"] == "PERANGKAT_DESA"]
    assert officials["kode_desa"].str.split(".").str[3].str.startswith("2").all()
    assert set(officials["sumber_iuran"]) <= {"DANA_DESA", "APBD_KABUPATEN"}
    dana_desa = frame[frame["sumber_iuran"] == "DANA_DESA"]
    assert dana_desa["kode_desa"].str.split(".").str[3].str.startswith("2").all()
    non_asn = frame[frame["kategori"] == "NON_ASN"]
    assert non_asn["kode_desa"].str.startswith("32.13.03.").all()


def test_quirks_are_present(enrollment_files, truth):
    path = enrollment_files[0]
    raw = raw_rows(path)
    planted = truth.loc[truth["file"] == f"enrollment/{path.name}", "row_number"]
    honest = raw[~raw["row_number"].isin(planted)]
    assert honest["status"].isin(["aktif", "nonaktif"]).any() or \
        honest["segmen"].isin(["pu", "bpu", "jakon", "pmi"]).any() or \
        honest["kategori"].str.islower().any()
    assert any(honest[c].str.endswith(" ").any() for c in honest.columns[1:])
    programs = honest["program"].str.upper()
    assert (programs.str.split("+").str[0] != "JKK").any()  # a set, written in another order
