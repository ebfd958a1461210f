"""The ground truth names every planted row, and each breaks exactly the rule named."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from ucj_sample.bad_rows import ALL_KINDS

from .generate_checks import broken_rules, normalised, periode_of, raw_rows


@pytest.fixture(scope="module")
def rows_by_file(landing, enrollment_files):
    return {f"enrollment/{p.name}": raw_rows(p) for p in enrollment_files}


def test_truth_columns_and_types(truth):
    assert list(truth.columns) == ["file", "row_number", "kpj", "rule"]
    assert truth["row_number"].dtype == "int64"
    assert (truth["row_number"] >= 2).all()


def test_every_rule_kind_is_planted(truth):
    assert set(truth["rule"]) == set(ALL_KINDS)


def test_bad_rows_are_the_requested_share(truth, summary):
    for month, s in summary["per_month"].items():
        planted = truth[truth["file"] == s["file"]]
        assert len(planted) == s["bad_rows"]
        assert abs(s["bad_rows"] / s["rows"] - 0.02) < 0.002, month


def test_each_row_breaks_exactly_its_rule(rows_by_file, truth, desa_codes):
    """Honest rows break nothing; a planted row breaks its own rule and no other."""
    wrong = []
    for file, raw in rows_by_file.items():
        got = broken_rules(normalised(raw), periode_of(Path(file)), desa_codes)
        planted = truth[truth["file"] == file]
        want = dict(zip(planted["row_number"], planted["rule"], strict=True))
        for number, rules in got.items():
            expected = {want[number]} if number in want else set()
            if rules != expected:
                wrong.append((file, number, expected, rules))
    assert not wrong, wrong[:10]


def _line(rows_by_file, truth, rule: str) -> list[dict]:
    planted = truth[truth["rule"] == rule]
    out = []
    for file, number in zip(planted["file"], planted["row_number"], strict=True):
        raw = rows_by_file[file]
        out.append(raw[raw["row_number"] == number].iloc[0].to_dict())
    return out


def test_truth_points_at_the_defect(rows_by_file, truth):
    """A few kinds checked by eye on the line itself."""
    for r in _line(rows_by_file, truth, "npp_required_pu"):
        assert r["segmen"] == "PU" and r["npp"] == ""
    for r in _line(rows_by_file, truth, "kpj_format"):
        assert len(r["kpj"]) != 11 or not r["kpj"].isdigit()
    for r in _line(rows_by_file, truth, "nik_matches_jenis_kelamin"):
        women = int(r["nik"][6:8]) > 40
        assert r["jenis_kelamin"] == ("L" if women else "P")
    for r in _line(rows_by_file, truth, "iuran_zero_when_nonaktif"):
        assert r["status"] == "NONAKTIF" and int(r["iuran"]) > 0
    for r in _line(rows_by_file, truth, "tgl_lahir_date"):
        with pytest.raises(ValueError):
            dt.datetime.strptime(r["tgl_lahir"], "%d/%m/%Y")
    for r in _line(rows_by_file, truth, "kode_desa_required"):
        assert r["kode_desa"] == ""


def test_kpj_unique_lists_both_rows(truth):
    dup = truth[truth["rule"] == "kpj_unique"]
    assert len(dup) >= 2
    assert (dup.groupby(["file", "kpj"]).size() == 2).all()


def test_bad_kpj_never_collide_with_honest_ones(rows_by_file, truth):
    for file, raw in rows_by_file.items():
        planted = truth[truth["file"] == file]
        honest = raw[~raw["row_number"].isin(planted["row_number"])]
        assert not set(honest["kpj"].str.strip()) & set(planted["kpj"])


def test_bad_rows_are_spread_through_the_file(rows_by_file, truth):
    for file, raw in rows_by_file.items():
        numbers = truth.loc[truth["file"] == file, "row_number"]
        last = raw["row_number"].max()
        assert numbers.min() < last * 0.25 and numbers.max() > last * 0.75
