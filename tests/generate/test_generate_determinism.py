"""Same seed and arguments give byte-identical files; the API and CLI agree."""

from __future__ import annotations

from pathlib import Path

import pytest
from ucj_sample import generate
from ucj_sample.__main__ import main


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def test_same_seed_same_bytes(tmp_path):
    kw = dict(participants=600, seed=7, xlsx_month="2026-02")
    generate(tmp_path / "a", ("2026-01", 2), **kw)
    generate(tmp_path / "b", ["2026-01", "2026-02"], **kw)
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert a.keys() == b.keys() and len(a) >= 7
    assert a == b


def test_different_seed_differs(tmp_path):
    generate(tmp_path / "a", "2026-01", participants=600, seed=1)
    generate(tmp_path / "b", "2026-01", participants=600, seed=2)
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert a["enrollment/kepesertaan_202601.csv"] != b["enrollment/kepesertaan_202601.csv"]


def test_cli_matches_api(tmp_path, capsys):
    main(["--landing", str(tmp_path / "cli"), "--start", "2026-01", "--months", "1",
          "--participants", "600", "--seed", "3", "--bad-share", "0.05"])
    assert '"months"' in capsys.readouterr().out
    generate(tmp_path / "api", ("2026-01", 1), participants=600, seed=3, bad_share=0.05)
    assert _files(tmp_path / "cli") == _files(tmp_path / "api")


def test_summary_is_returned_and_counts_rows(tmp_path):
    s = generate(tmp_path, ("2026-01", 2), participants=600, seed=3)
    assert s["months"] == ["2026-01", "2026-02"]
    assert s["participants"] == 600
    month = s["per_month"]["2026-01"]
    assert month["honest_rows"] == 600
    assert month["rows"] == month["honest_rows"] + month["bad_rows"]
    assert s["bad_rows"] == sum(m["bad_rows"] for m in s["per_month"].values())
    assert set(s["multi_row_persons"]) == {"two_employers", "pu_and_bpu", "re_registered"}


@pytest.mark.parametrize("months", [["2026-01", "2026-03"], ["2026-13"], []])
def test_rejects_bad_months(tmp_path, months):
    with pytest.raises(ValueError):
        generate(tmp_path, months, participants=600)
