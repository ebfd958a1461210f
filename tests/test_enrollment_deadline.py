"""The month waits for its file: ucj_enrollment's delivery sensor until the due day, then one
failure with the deadline notice (a real DAG run, a real webhook on loopback)."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime

import pytest
from ucj.notify import failure_report
from ucj.refusal import Refused
from ucj.report import deadline


def test_due_day_parameter(monkeypatch):
    monkeypatch.delenv(deadline.DUE_DAY_ENV, raising=False)
    assert deadline.due_day() == 10
    monkeypatch.setenv(deadline.DUE_DAY_ENV, "15")
    assert deadline.due_day() == 15
    assert deadline.due_day("5") == 5  # the Airflow variable, when set, wins
    for bad in ("0", "31"):
        with pytest.raises(ValueError, match="1-28"):
            deadline.due_day(bad)


def test_the_due_date_is_in_the_month_after():
    assert deadline.due_date("2026-01", 10) == date(2026, 2, 10)
    assert deadline.due_date("2025-12", 10) == date(2026, 1, 10)
    assert deadline.due_date("2026-03", 5) == date(2026, 4, 5)


def test_a_missing_file_is_no_failure_until_the_end_of_the_due_day(tmp_path):
    (tmp_path / "enrollment").mkdir()
    for now in (datetime(2026, 2, 1, 0, 5, tzinfo=UTC), datetime(2026, 2, 10, 23, 59,
                                                                 tzinfo=UTC)):
        assert deadline.look_for_delivery(str(tmp_path), "2026-01", 10, now) is None
    with pytest.raises(deadline.DeliveryOverdue) as overdue:
        deadline.look_for_delivery(str(tmp_path), "2026-01", 10,
                                   datetime(2026, 2, 11, 0, 0, tzinfo=UTC), "scheduled__x")
    assert isinstance(overdue.value, Refused)  # no retry
    notice = overdue.value.notice
    assert notice["kind"] == "deadline_missed_file_missing" and notice["due"] == "2026-02-10"
    assert "kepesertaan_202601.csv" in notice["text"] and notice["run_id"] == "scheduled__x"


def test_a_delivered_file_is_found_even_after_the_due_day(tmp_path):
    (tmp_path / "enrollment").mkdir()
    (tmp_path / "enrollment" / "kepesertaan_202601.xlsx").write_text("x")
    found = deadline.look_for_delivery(str(tmp_path), "2026-01", 10,
                                       datetime(2026, 3, 1, tzinfo=UTC))
    assert found.endswith("kepesertaan_202601.xlsx")


def test_the_failure_notice_is_the_deadline_notice():
    from airflow.sdk.exceptions import AirflowFailException

    notice = deadline.overdue_notice("2026-01", 10, "/landing")
    try:
        try:
            raise deadline.DeliveryOverdue(notice)
        except Refused as exc:
            raise AirflowFailException(str(exc)) from exc  # what ucj.refusal.final does
    except AirflowFailException as exc:
        report = failure_report({"exception": exc})
    assert report["kind"] == "deadline_missed_file_missing"
    assert report["subject"] == "[UCJ] enrollment 2026-01 overdue: file due 2026-02-10"


def test_the_dag_waits_with_a_rescheduling_sensor_and_no_parse_time_deadline(dagbag):
    dag = dagbag.dags["ucj_enrollment"]
    sensor = dag.get_task("wait_for_delivery")
    assert sensor.mode == "reschedule" and sensor.poke_interval == 3600
    assert dag.get_task("extract").upstream_task_ids == {"wait_for_delivery"}
    assert not getattr(dag, "deadline", None)


def test_a_run_past_the_due_day_without_the_file_fails_once_with_the_notice(
        tmp_path, dagbag, airflow_db, webhook, monkeypatch):
    from reliability.helpers import Env

    env = Env.under(tmp_path)
    for key, value in env.environ().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AIRFLOW_CONN_UCJ_ALERT_WEBHOOK",
                       json.dumps({"conn_type": "http", "host": webhook.url}))
    monkeypatch.setenv("AIRFLOW_VAR_UCJ_ENROLLMENT_DUE_DAY", "12")  # read by the run
    (env.landing / "enrollment").mkdir()
    dag = dagbag.dags["ucj_enrollment"]
    started = time.time()
    run = dag.test(run_conf={"periode": "2026-01"})
    assert time.time() - started < 100  # no retry wait
    assert str(run.state).endswith("failed")
    [sensor] = [ti for ti in run.get_task_instances() if ti.task_id == "wait_for_delivery"]
    assert str(sensor.state).endswith("failed") and sensor.try_number == 1
    [hit] = webhook.requests
    assert hit["body"]["kind"] == "deadline_missed_file_missing"
    assert hit["body"]["due"] == "2026-02-12"
    assert not (env.lake / "enrollment").exists()
