"""Run monitoring for engineers: marts.mart_pipeline_health from the run audit (the month's
deadline: tests/test_enrollment_deadline.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from enrollment_rows import row, write_csv
from test_indicators import write_reference
from ucj import warehouse
from ucj.pipeline import enrollment, reference
from ucj.warehouse import load as wl

pytestmark = pytest.mark.usefixtures("row_rules_only")  # rows judged, not deliveries

BAD = 3  # rows of 2026-02 breaking a rule


def month(periode: str, bad: int = 0) -> list[dict]:
    rows = [row(periode=periode, kpj=f"{i:011d}",
                nik=f"3213011505{90 + i % 10:02d}{i + 1:04d}", tgl_lahir=f"15/05/19{90 + i % 10}")
            for i in range(12)]
    for r in rows[:bad]:
        r["upah"] = "0"
    return rows


@pytest.fixture(scope="module")
def health(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("health")
    lake, val = tmp / "lake", tmp / "val"
    write_reference(tmp / "reference")
    for name in ("tenaga_kerja_desa_2025.csv", "umk.csv"):
        reference.process(tmp / "reference" / name, lake, val)
    results = {}
    for periode, bad in (("2026-01", 0), ("2026-02", BAD)):
        name = f"kepesertaan_{periode.replace('-', '')}.csv"
        write_csv(tmp / name, month(periode, bad))
        results[periode] = enrollment.process(tmp / name, lake, val, "secret")
    wh = warehouse.connect(f"duckdb:///{tmp / 'wh.duckdb'}")
    wl.refresh(wh, lake, wl.enrollment_partitions(lake), "run-1")
    first = wh.query("SELECT * FROM marts.mart_pipeline_health")
    wl.refresh(wh, lake, wl.enrollment_partitions(lake, ["2026-02"]), "run-2")
    yield wh, results, first
    wh.close()


def rows_of(df: pd.DataFrame, source: str) -> pd.DataFrame:
    return df[df["source"] == source].set_index("partition_value")


def test_one_row_per_source_and_partition(health):
    wh, _, _ = health
    df = wh.query("SELECT * FROM marts.mart_pipeline_health")
    assert not df.duplicated(["source", "partition_value"]).any()
    assert set(df["source"]) == {"enrollment", "reference/tenaga_kerja_desa", "reference/umk"}
    assert sorted(rows_of(df, "enrollment").index) == ["2026-01", "2026-02"]


def test_figures_match_the_batch_manifests(health):
    wh, results, _ = health
    got = rows_of(wh.query("SELECT * FROM marts.mart_pipeline_health"), "enrollment")
    for periode, result in results.items():
        r = got.loc[periode]
        assert (r["rows_read"], r["rows_valid"], r["rows_quarantined"], r["rows_loaded"]) == (
            result["rows_read"], result["rows_valid"], result["rows_quarantined"],
            result["rows_valid"])
        assert r["quarantine_share"] == pytest.approx(result["rows_quarantined"] / 12)
        assert bool(r["validation_success"]) is result["validation_success"]
        assert r["batch_seconds"] == pytest.approx(result["seconds"])
        assert r["rows_per_second"] == pytest.approx(12 / result["seconds"])
        assert r["data_docs"] == result["data_docs"] and Path(r["data_docs"]).is_file()
        assert r["validation_report"] == result["validation_report"]
    assert got.loc["2026-02", "quarantine_share"] == pytest.approx(BAD / 12)
    assert bool(got.loc["2026-01", "validation_success"]) is True
    assert bool(got.loc["2026-02", "validation_success"]) is False


def test_latest_load_and_load_count(health):
    wh, _, first = health
    got = rows_of(wh.query("SELECT * FROM marts.mart_pipeline_health"), "enrollment")
    assert got.loc["2026-02", "last_run_id"] == "run-2" and got.loc["2026-02", "loads"] == 2
    assert got.loc["2026-01", "last_run_id"] == "run-1" and got.loc["2026-01", "loads"] == 1
    before = rows_of(first, "enrollment")
    assert got.loc["2026-02", "loaded_at"] > before.loc["2026-02", "loaded_at"]


def test_freshness(health):
    wh, _, _ = health
    df = wh.query("SELECT * FROM marts.mart_pipeline_health")
    enr, umk = rows_of(df, "enrollment"), rows_of(df, "reference/umk")
    assert pd.Timestamp(enr.loc["2026-01", "period_end"]).date() == date(2026, 2, 1)
    tk = rows_of(df, "reference/tenaga_kerja_desa")
    assert pd.Timestamp(tk.loc["2025", "period_end"]).date() == date(2026, 1, 1)
    assert pd.isna(umk.loc["all", "period_end"])
    assert pd.isna(umk.loc["all", "days_since_period_end"])
    refreshed = enr.loc["2026-01", "refreshed_at"]
    assert enr.loc["2026-01", "days_since_period_end"] == (refreshed.date() - date(2026, 2, 1)).days
    hours = (refreshed - enr.loc["2026-01", "loaded_at"]).total_seconds() / 3600
    assert enr.loc["2026-01", "hours_since_load"] == pytest.approx(hours)
    assert (df["hours_since_load"] >= 0).all()


def test_an_older_run_audit_gets_the_new_columns(tmp_path):
    wh = warehouse.connect(f"duckdb:///{tmp_path / 'old.duckdb'}")
    try:
        with wh.transaction() as s:
            s.execute("CREATE SCHEMA audit")
            s.execute("CREATE TABLE audit.run_audit (run_id VARCHAR NOT NULL, source VARCHAR "
                      "NOT NULL, partition_value VARCHAR NOT NULL, source_file VARCHAR, "
                      "rows_read BIGINT NOT NULL, rows_valid BIGINT NOT NULL, rows_quarantined "
                      "BIGINT NOT NULL, rows_loaded BIGINT NOT NULL, validation_success BOOLEAN, "
                      "validation_report VARCHAR, loaded_at TIMESTAMP NOT NULL, "
                      "PRIMARY KEY (run_id, source, partition_value))")
            s.execute("INSERT INTO audit.run_audit VALUES ('old', 'enrollment', '2025-12', "
                      "'kepesertaan_202512.csv', 5, 5, 0, 5, TRUE, 'v.json', "
                      "TIMESTAMP '2026-01-05 08:00:00')")
        wl.refresh(wh, tmp_path / "lake", [], "health")  # nothing new: the health mart only
        r = wh.query("SELECT * FROM marts.mart_pipeline_health").iloc[0]
    finally:
        wh.close()
    assert (r["partition_value"], r["rows_read"], r["quarantine_share"]) == ("2025-12", 5, 0)
    assert pd.isna(r["data_docs"]) and pd.isna(r["batch_seconds"])
