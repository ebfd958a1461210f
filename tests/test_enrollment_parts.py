"""A month validated in parts (mapped tasks, or worker processes) gives exactly the lake a
whole-file run gives, kpj uniqueness included across parts; a failing part commits nothing."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from enrollment_rows import BASE, row, write_csv
from ucj.io.readers import EncodingError
from ucj.pipeline import enrollment
from ucj_sample import generate


@pytest.fixture(scope="module")
def month(tmp_path_factory) -> Path:
    """A generated month (planted bad rows included) with kpjs repeated far apart."""
    landing = tmp_path_factory.mktemp("landing")
    generate(landing, ["2026-01"], 6000, seed=5)
    path = landing / "enrollment" / "kepesertaan_202601.csv"
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    whole = [i for i, line in enumerate(lines) if line.count(";") == 16]
    first, last = lines[whole[1]].split(";"), lines[whole[-1]].split(";")
    last[1] = first[1]  # a kpj of the first part again in the last part
    lines[whole[-1]] = ";".join(last)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def lake_of(result: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    valid = pd.read_parquet(result["partition"]).sort_values("source_row_number")
    bad = pd.read_parquet(result["quarantine"]).sort_values("row_number")
    return valid.reset_index(drop=True), bad.reset_index(drop=True)


def test_parts_and_workers_give_the_whole_file_result(month, tmp_path):
    whole = enrollment.process(month, tmp_path / "a", tmp_path / "va", "s", part_rows=10**9)
    parted = enrollment.process(month, tmp_path / "b", tmp_path / "vb", "s", part_rows=1000,
                                chunk_rows=400, workers=2)
    assert whole["parts"] == 1 and parted["parts"] >= 6
    for key in ("rows_read", "rows_valid", "rows_quarantined", "rule_counts",
                "validation_success"):
        assert whole[key] == parted[key], key
    (valid_a, bad_a), (valid_b, bad_b) = lake_of(whole), lake_of(parted)
    pd.testing.assert_frame_equal(valid_a, valid_b)
    pd.testing.assert_frame_equal(bad_a.drop(columns=["quarantined_at"], errors="ignore"),
                                  bad_b.drop(columns=["quarantined_at"], errors="ignore"))
    # one file per part in the partition, the staging folder gone
    assert len(list(Path(parted["partition"]).glob("part-*.parquet"))) == parted["parts"]
    assert not any((tmp_path / "b" / ".staging").rglob("*.parquet"))
    # the Data Docs page merges all parts: one result with the whole month's counts
    report = json.loads(Path(parted["validation_report"]).read_text())
    assert report["rows_evaluated"] == parted["rows_read"]
    assert Path(parted["data_docs"]).exists()


def test_a_kpj_repeated_in_two_parts_quarantines_both_rows(month, tmp_path):
    result = enrollment.process(month, tmp_path / "lake", tmp_path / "v", "s", part_rows=1000)
    bad = pd.read_parquet(result["quarantine"])
    lines = month.read_text(encoding="utf-8").splitlines()
    first_kpj = next(line for line in lines[1:] if line.count(";") == 16).split(";")[1]
    repeated = bad[bad["kpj"] == first_kpj]
    assert len(repeated) >= 2
    assert repeated["row_number"].max() > 5000  # in the last part, the other in the first
    assert all("kpj_unique" in r.split(";") for r in repeated["rules"])


def test_a_failing_part_leaves_the_previous_month_in_place(tmp_path):
    path = write_csv(tmp_path / "kepesertaan_202601.csv",
                     [row(kpj=f"{i:011d}", nik=f"32130115059{i:05d}") for i in range(1, 3001)])
    lake = tmp_path / "lake"
    before = enrollment.process(path, lake, tmp_path / "v", "s", part_rows=500)
    assert before["rows_valid"] == 3000
    valid_before = pd.read_parquet(before["partition"])
    # a re-delivery whose fifth part holds a byte that is not UTF-8
    data = path.read_bytes()
    cut = data.index(b"\n", len(data) * 4 // 5) + 1
    path.write_bytes(data[:cut] + b"00000009999;" + b"\xff" + data[cut + 13:])
    with pytest.raises(EncodingError):
        enrollment.process(path, lake, tmp_path / "v", "s", part_rows=500, workers=2)
    pd.testing.assert_frame_equal(pd.read_parquet(before["partition"]), valid_before)
    assert not any((lake / ".staging").rglob("*.parquet"))  # the failed run's parts are gone


def test_what_a_killed_run_left_days_ago_is_removed(tmp_path):
    path = write_csv(tmp_path / "kepesertaan_202601.csv", [BASE])
    lake = tmp_path / "lake"
    left = lake / ".staging" / "enrollment" / "periode=2026-01" / "deadbeef"
    (left / "valid").mkdir(parents=True)
    (left / "valid" / "part-00000.parquet").write_bytes(b"left by a killed run")
    half = lake / "quarantine" / "enrollment" / ".periode=2026-01.cafe.tmp"
    half.mkdir(parents=True)
    recent = lake / ".staging" / "enrollment" / "periode=2026-01" / "running"
    recent.mkdir()
    for old in (left, half):
        os.utime(old, (0, 0))
    enrollment.process(path, lake, tmp_path / "v", "s")
    assert not left.exists() and not half.exists()
    assert recent.exists()  # a run in progress, perhaps: left alone
    shutil.rmtree(lake)


def test_a_month_of_one_part_through_the_dag_maps_no_task_over_it(month, tmp_path, dagbag,
                                                                  airflow_db, monkeypatch):
    """The first pass of a one-part month runs in the task that routes it (first_pass): no
    count_kpj or find_duplicates task starts, one validate does; the lake is the whole-file
    run's, the kpj repeated far apart in the month quarantined as before."""
    from datetime import UTC, datetime

    for key, folder in (("UCJ_LANDING_ZONE", month.parent.parent), ("UCJ_LAKE", tmp_path / "lake"),
                        ("UCJ_VALIDATION_DIR", tmp_path / "v")):
        monkeypatch.setenv(key, str(folder))
    monkeypatch.delenv("UCJ_PART_ROWS", raising=False)
    run = dagbag.dags["ucj_enrollment"].test(run_conf={"periode": "2026-01"},
                                             logical_date=datetime(2026, 2, 1, 0, 0, 7, tzinfo=UTC))
    assert str(run.state).endswith("success")
    states = {(ti.task_id, ti.map_index): str(ti.state).rsplit(".", 1)[-1]
              for ti in run.get_task_instances()}
    assert states[("first_pass", -1)] == "success"
    assert states[("count_kpj", -1)] == states[("find_duplicates", -1)] == "skipped"
    assert [k for k, state in states.items() if k[0] == "validate"] == [("validate", 0)]
    assert states[("validate", 0)] == states[("commit", -1)] == "success"
    whole = enrollment.process(month, tmp_path / "w", tmp_path / "vw",
                               os.environ["UCJ_PSEUDONYM_KEY"], part_rows=10**9)
    folder = tmp_path / "lake" / "enrollment" / "periode=2026-01"
    manifest = json.loads((folder / "_manifest.json").read_text())
    assert manifest["parts"] == 1
    for key in ("rows_read", "rows_valid", "rows_quarantined", "rule_counts"):
        assert manifest[key] == whole[key], key
    dag_lake = lake_of({"partition": folder,
                        "quarantine": tmp_path / "lake" / "quarantine" / "enrollment" /
                        "periode=2026-01"})
    for got, want in zip(dag_lake, lake_of(whole), strict=True):
        pd.testing.assert_frame_equal(got.drop(columns=["quarantined_at"], errors="ignore"),
                                      want.drop(columns=["quarantined_at"], errors="ignore"))
    assert whole["rule_counts"].get("kpj_unique", 0) >= 2
