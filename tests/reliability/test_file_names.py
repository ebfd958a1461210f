"""File names and paths from outside never reach beyond their folder: a name with a path
separator, '..', a NUL or another control character, an absolute path or a symbolic link
leading out of the landing zone is refused with an error naming it, and nothing is read or
written for it."""

from __future__ import annotations

import os
import time

import pytest
from ucj import periods
from ucj.io import landing
from ucj.io.landing import UnsafeFileName
from ucj.pipeline import enrollment

from reliability.helpers import BASE, Env, enrollment_file

REFUSED_NAMES = [
    "../../etc/kepesertaan_202601.csv", "..", "../kepesertaan_202601.csv",
    "kepesertaan_202601..csv", "..kepesertaan_202601.csv", "/etc/kepesertaan_202601.csv",
    "kepesertaan_202601.csv\x00.txt", "kepesertaan_202601.csv\n", "enrollment\\..\\x.csv",
    "", " kepesertaan_202601.csv", "-rf.csv", "kepesertaan_202601.csv;rm -rf ~",
]


@pytest.mark.parametrize("name", REFUSED_NAMES)
def test_unsafe_names_are_refused(name):
    with pytest.raises(UnsafeFileName) as err:
        landing.check_name(name)
    assert repr(name) in str(err.value)


@pytest.mark.parametrize("name", ["kepesertaan_202601.csv", "kepesertaan_202601.xlsx",
                                  "tenaga_kerja_desa_2026.csv", "perusahaan_20260131.csv"])
def test_plain_names_pass(name):
    assert landing.check_name(name) == name


@pytest.fixture
def env(tmp_path):
    env = Env.under(tmp_path / "w")
    enrollment_file(env, "2026-01", [BASE])
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "kepesertaan_202601.csv").write_text("not for the pipeline\n")
    return env


@pytest.mark.parametrize("source", [
    "../../secret/kepesertaan_202601.csv",            # relative, climbing out
    "{root}/../secret/kepesertaan_202601.csv",          # absolute, climbing out
    "{tmp}/secret/kepesertaan_202601.csv",              # absolute, elsewhere
    "/etc/passwd",
    "{root}/enrollment/kepesertaan_202601.csv\x00",
    "{root}/enrollment/link_202601.csv",                # a symbolic link leading out
])
def test_copy_to_raw_refuses_what_lies_outside_the_landing_zone(env, tmp_path, source):
    os.symlink(tmp_path / "secret" / "kepesertaan_202601.csv",
               env.landing / "enrollment" / "link_202601.csv")
    source = source.format(root=env.landing, tmp=tmp_path)
    raw = env.lake / "raw" / "enrollment"
    with pytest.raises(UnsafeFileName) as err:
        landing.copy_to_raw(str(env.landing), source, raw)
    assert "refused" in str(err.value)
    assert not raw.exists()  # nothing written


def test_copy_to_raw_takes_a_delivery_inside(env):
    raw = env.lake / "raw" / "enrollment"
    for source in (f"{env.landing}/enrollment/kepesertaan_202601.csv",
                   "enrollment/kepesertaan_202601.csv"):
        got = landing.copy_to_raw(str(env.landing), source, raw)
        # kept under its content, owner-readable only (it holds NIKs and names)
        expected = raw / f"sha256={got['sha256'][:16]}" / "kepesertaan_202601.csv"
        assert got["path"] == str(expected) and got["bytes"] > 0
        assert expected.stat().st_mode & 0o777 == 0o600
        assert expected.parent.stat().st_mode & 0o777 == 0o700
        assert raw.stat().st_mode & 0o777 == 0o700


def test_find_delivery_refuses_tricks_and_takes_the_newest_redelivery(env):
    with pytest.raises(UnsafeFileName):
        landing.find_delivery(str(env.landing), "enrollment", ["../../secret/x.csv"])
    with pytest.raises(UnsafeFileName):
        landing.find_delivery(str(env.landing), "../secret", ["kepesertaan_202601.csv"])
    with pytest.raises(UnsafeFileName):  # a month parameter with a line break
        landing.find_delivery(str(env.landing), "enrollment",
                              enrollment.landing_names("2026-01\n"))
    csv_file = env.landing / "enrollment" / "kepesertaan_202601.csv"
    xlsx_file = env.landing / "enrollment" / "kepesertaan_202601.xlsx"
    xlsx_file.write_bytes(b"re-delivered as a workbook")
    now = time.time()
    os.utime(csv_file, (now - 60, now - 60))
    names = enrollment.landing_names("2026-01")
    assert landing.find_delivery(str(env.landing), "enrollment", names) == str(xlsx_file)
    os.utime(csv_file, (now + 60, now + 60))
    assert landing.find_delivery(str(env.landing), "enrollment", names) == str(csv_file)


def test_the_pipeline_refuses_a_raw_file_with_a_tricky_name(tmp_path):
    path = tmp_path / "kepesertaan_202601.csv\n"
    path.write_text("x\n")
    with pytest.raises(UnsafeFileName):
        enrollment.process(path, tmp_path / "lake", tmp_path / "val", "k")
    with pytest.raises(ValueError, match="not an enrollment file name"):
        enrollment.process(tmp_path / "kepesertaan_2026011.csv", tmp_path / "lake",
                           tmp_path / "val", "k")
    assert not (tmp_path / "lake").exists()


@pytest.mark.parametrize("param", ["2026-01/../../etc", "../2026-01", "2026-13", "202601"])
def test_a_month_parameter_is_a_month(param):
    with pytest.raises(ValueError, match="YYYY-MM"):
        periods.check(param)
