"""Run monitoring for engineers: marts.mart_pipeline_health from the run audit, and the
deadline alert of ucj_enrollment (a month's file overdue) through Airflow's own code."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from enrollment_rows import row, write_csv
from test_indicators import write_reference
from ucj import warehouse
from ucj.pipeline import enrollment, reference
from ucj.report import deadline
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
        with wh.transaction() as s:
            wl.ensure_schema(s)
            s.run_file(wl.HEALTH_MART)
        r = wh.query("SELECT * FROM marts.mart_pipeline_health").iloc[0]
    finally:
        wh.close()
    assert (r["partition_value"], r["rows_read"], r["quarantine_share"]) == ("2025-12", 5, 0)
    assert pd.isna(r["data_docs"]) and pd.isna(r["batch_seconds"])


# ---------------------------------------------------------------- deadline alert


def test_due_day_parameter(monkeypatch):
    monkeypatch.delenv(deadline.DUE_DAY_ENV, raising=False)
    assert deadline.due_day() == 10
    monkeypatch.setenv(deadline.DUE_DAY_ENV, "15")
    assert deadline.due_day() == 15
    alert = deadline.enrollment_deadline()
    assert alert.interval == timedelta(days=15) and alert.callback.kwargs == {"due_day": 15}
    for bad in ("0", "31"):
        with pytest.raises(ValueError, match="1-28"):
            deadline.due_day(bad)


def test_the_enrollment_dag_has_the_deadline(dagbag):
    from airflow.sdk import DeadlineReference, SyncCallback

    (alert,) = dagbag.dags["ucj_enrollment"].deadline
    assert alert.reference == DeadlineReference.DAGRUN_LOGICAL_DATE
    assert alert.interval == timedelta(days=deadline.due_day())
    assert isinstance(alert.callback, SyncCallback) and alert.callback.path == deadline.CALLBACK


def test_the_overdue_month_and_due_date():
    run = {"logical_date": "2026-02-01T00:00:00Z", "conf": {}}
    assert deadline.overdue_month(run, 10) == ("2026-01", date(2026, 2, 10))
    run = {"logical_date": "2026-01-01T00:00:00Z", "conf": {}}
    assert deadline.overdue_month(run, 10) == ("2025-12", date(2026, 1, 10))
    run = {"logical_date": "2026-07-09T12:00:00Z", "conf": {"periode": "2026-03"}}
    assert deadline.overdue_month(run, 5) == ("2026-03", date(2026, 4, 5))


def test_the_message_says_whether_the_file_arrived(tmp_path):
    context = {"dag_run": {"dag_id": "ucj_enrollment", "dag_run_id": "scheduled__x",
                           "logical_date": "2026-02-01T00:00:00Z", "state": "failed"}}
    missing = deadline.overdue_report(context, 10, str(tmp_path))
    assert missing["kind"] == "deadline_missed_file_missing" and missing["file"] is None
    assert "kepesertaan_202601.csv" in missing["text"] and missing["due"] == "2026-02-10"
    (tmp_path / "enrollment").mkdir()
    (tmp_path / "enrollment" / "kepesertaan_202601.csv").write_text("x")
    arrived = deadline.overdue_report(context, 10, str(tmp_path))
    assert arrived["kind"] == "deadline_missed_not_loaded"
    assert arrived["file"].endswith("kepesertaan_202601.csv") and "failed" in arrived["text"]


def test_airflow_sets_the_deadline_and_runs_the_callback_when_missed(
        airflow_db, tmp_path, monkeypatch):
    """A scheduled run of 2026-02-01 (for January) in the metadata DB gets its deadline at the
    end of 10 February; once missed, the scheduler's ``handle_miss`` queues the callback,
    which the executor's callback runner then calls: it names the overdue file."""
    import structlog
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import BundleDagBag, sync_bag_to_db
    from airflow.models.dagbag import DBDagBag
    from airflow.models.deadline import Deadline
    from airflow.sdk.execution_time.callback_supervisor import execute_callback
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState
    from airflow.utils.types import DagRunTriggeredByType, DagRunType
    from sqlalchemy import select

    monkeypatch.setenv("UCJ_LANDING_ZONE", str(tmp_path / "landing"))
    monkeypatch.delenv(deadline.DUE_DAY_ENV, raising=False)
    sent = []
    monkeypatch.setattr(deadline, "_channels", lambda: {"test": sent.append})
    manager = DagBundlesManager()
    manager.sync_bundles_to_db()
    for bundle in manager.get_all_dag_bundles():
        if not bundle.is_initialized:
            bundle.initialize()
        sync_bag_to_db(BundleDagBag(dag_folder=bundle.path, bundle_path=bundle.path,
                                    bundle_name=bundle.name), bundle.name, bundle.version)
    logical = datetime(2026, 2, 1, tzinfo=UTC)
    with create_session() as session:
        dag = DBDagBag().get_latest_version_of_dag("ucj_enrollment", session=session)
        run = dag.create_dagrun(
            run_id=f"scheduled__deadline_test_{datetime.now(UTC):%H%M%S%f}",
            logical_date=logical, data_interval=(logical, logical), run_after=logical,
            run_type=DagRunType.SCHEDULED, triggered_by=DagRunTriggeredByType.TEST,
            state=DagRunState.RUNNING, session=session)
        session.flush()
        (due,) = session.scalars(select(Deadline).where(Deadline.dagrun_id == run.id)).all()
        assert due.deadline_time == datetime(2026, 2, 11, tzinfo=UTC)
        due.handle_miss(session)  # the scheduler does this once deadline_time has passed
        session.flush()
        data = json.loads(json.dumps(due.callback.data, default=str))
        run_id = run.run_id
        session.rollback()  # leave no running run behind in the shared metadata DB
    ok, error = execute_callback(data["path"], data["kwargs"], None, None, structlog.get_logger())
    assert (ok, error) == (True, None)
    (report,) = sent
    assert (report["periode"], report["due"], report["kind"]) == (
        "2026-01", "2026-02-10", "deadline_missed_file_missing")
    assert report["run_id"] == run_id and report["dag_id"] == "ucj_enrollment"
