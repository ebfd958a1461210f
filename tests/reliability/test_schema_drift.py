"""Schema drift: a source that adds, drops or renames a column is refused with a message naming
the file and the columns, nothing of the batch reaches the lake or the marts, and the data
engineers are told (a real webhook and a real SMTP server on loopback receive it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ucj.contracts import reference as ref_contract
from ucj.contracts.enrollment import COLUMNS
from ucj.io.readers import SchemaError
from ucj.notify import DataEngineerNotifier, failure_report, notify_data_engineers
from ucj.pipeline import enrollment, reference, registry

from reliability import helpers
from reliability.helpers import (
    Env,
    checksums,
    company,
    enrollment_file,
    load,
    month_rows,
    process_month,
    process_reference,
    write_jsonl,
    write_reference,
)

DRIFTS = {
    "add": lambda cols: ([*cols, "email"], [], ["email"]),
    "drop": lambda cols: ([c for c in cols if c != cols[3]], [cols[3]], []),
    "rename": lambda cols: ([(c + "_baru" if c == cols[3] else c) for c in cols], [cols[3]],
                            [cols[3] + "_baru"]),
}


def lake_state(lake: Path) -> dict[str, str]:
    """Every committed file of the lake (raw copies aside) with its SHA-256."""
    return helpers.lake_state(lake, raw=False, staging=True)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("UCJ_PSEUDONYM_KEY", "drift-secret")
    env = Env.under(tmp_path_factory.mktemp("drift"))
    write_reference(env)
    process_reference(env)
    enrollment_file(env, "2026-01", month_rows("2026-01", 30))
    process_month(env, "2026-01")
    extract = write_jsonl(env.landing / "perusahaan_base.jsonl", [company(i) for i in range(5)])
    registry.process(extract, "base", env.lake, env.validation)
    load(env, ["2026-01"])
    yield env, lake_state(env.lake), checksums(env.warehouse_url)
    mp.undo()


def drifted_enrollment_csv(folder: Path, cols: list[str]) -> Path:
    path = folder / "kepesertaan_202601.csv"
    path.write_text(";".join(cols) + "\n" + ";".join("x" for _ in cols) + "\n")
    return path


def drifted_enrollment_xlsx(folder: Path, cols: list[str]) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["Data Kepesertaan"])
    wb.active.append(cols)
    wb.active.append(["x" for _ in cols])
    path = folder / "kepesertaan_202601.xlsx"
    wb.save(path)
    return path


def drifted_reference(folder: Path, cols: list[str]) -> Path:
    path = folder / "tenaga_kerja_desa_2026.csv"
    path.write_text(",".join(cols) + "\n" + ",".join("1" for _ in cols) + "\n")
    return path


def drifted_registry(folder: Path, cols: list[str]) -> Path:
    base = company(1)
    record = {c: base.get(c, "x") for c in cols}
    return write_jsonl(folder / "perusahaan_drift.jsonl", [record])


SOURCES = {
    "enrollment_csv": (COLUMNS, drifted_enrollment_csv,
                       lambda p, env: enrollment.process(p, env.lake, env.validation, "s")),
    "enrollment_xlsx": (COLUMNS, drifted_enrollment_xlsx,
                        lambda p, env: enrollment.process(p, env.lake, env.validation, "s")),
    "reference_csv": (ref_contract.TENAGA_KERJA_DESA.columns, drifted_reference,
                      lambda p, env: reference.process(p, env.lake, env.validation)),
    "registry_jsonl": (registry.contract.COLUMNS, drifted_registry,
                       lambda p, env: registry.process(p, "base", env.lake, env.validation)),
}


@pytest.mark.parametrize("drift", sorted(DRIFTS))
@pytest.mark.parametrize("source", sorted(SOURCES))
def test_drift_is_refused_naming_file_and_columns_and_nothing_moves(baseline, tmp_path,
                                                                    source, drift):
    env, lake_before, warehouse_before = baseline
    columns, write, process = SOURCES[source]
    cols, missing, extra = DRIFTS[drift](list(columns))
    path = write(tmp_path, cols)
    with pytest.raises(SchemaError) as err:
        process(path, env)
    message = str(err.value)
    assert path.name in message
    for column in missing:
        assert column in err.value.missing and column in message
    for column in extra:
        assert column in err.value.extra and column in message
    assert lake_state(env.lake) == lake_before  # nothing of the batch reached the lake


def test_after_every_drift_the_warehouse_is_as_before(baseline):
    """Runs after the drift cases above (same module fixture): a warehouse load from the
    lake they left gives the warehouse of before, table by table."""
    env, lake_before, warehouse_before = baseline
    assert lake_state(env.lake) == lake_before
    load(env, ["2026-01"], run_id="after-the-drifts")
    assert checksums(env.warehouse_url) == warehouse_before


# -- the notification --------------------------------------------------------------------------


class FakeTI:
    dag_id, task_id, run_id, try_number = "ucj_enrollment", "validate", "scheduled__2026-02", 3
    log_url = "http://airflow.local/log"


def drift_context(tmp_path: Path) -> dict:
    path = tmp_path / "kepesertaan_202601.csv"
    path.write_text(";".join(c if c != "upah" else "gaji" for c in COLUMNS) + "\n")
    try:
        enrollment.process(path, tmp_path / "lake", tmp_path / "val", "s")
    except SchemaError as exc:
        try:  # as Airflow hands it on: possibly wrapped by another exception
            raise RuntimeError("task failed") from exc
        except RuntimeError as wrapped:
            return {"exception": wrapped, "ti": FakeTI()}
    raise AssertionError("no drift raised")


@pytest.fixture
def engineer_channels(webhook, smtp, monkeypatch):
    """The connections in the provider's format, the engineers in their Variable."""
    monkeypatch.setenv("AIRFLOW_CONN_UCJ_ALERT_WEBHOOK", json.dumps(
        {"conn_type": "http", "host": webhook.url, "password": "s3cret"}))
    monkeypatch.setenv("AIRFLOW_CONN_UCJ_SMTP", json.dumps({
        "conn_type": "smtp", "host": "127.0.0.1", "port": smtp.port,
        "extra": {"from_email": "ucj@subang.go.id", "disable_ssl": True, "disable_tls": True}}))
    monkeypatch.setenv("AIRFLOW_VAR_UCJ_DATA_ENGINEER_EMAILS", "data-engineering@subang.go.id")
    monkeypatch.setenv("AIRFLOW_VAR_UCJ_INSPECTOR_EMAILS", "pengawas@x.id")


def test_the_notifier_sends_the_drift_by_webhook_and_email(tmp_path, webhook, smtp,
                                                            engineer_channels):
    from receivers import text_of

    notify_data_engineers(drift_context(tmp_path))  # as Airflow calls an on_failure_callback

    [hit] = webhook.requests
    body = hit["body"]
    assert hit["auth"] == "Bearer s3cret"
    assert body["type"] == "pipeline_failure" and body["kind"] == "schema_drift"
    assert (body["dag_id"], body["task_id"], body["try_number"]) == ("ucj_enrollment",
                                                                     "validate", 3)
    assert body["file"].endswith("kepesertaan_202601.csv")
    assert body["missing_columns"] == ["upah"] and body["unexpected_columns"] == ["gaji"]
    assert body["rule"] == "header_matches_contract" and body["line"] == 1
    assert "schema drift" in body["subject"] and "kepesertaan_202601.csv" in body["subject"]

    [rcpt], [msg] = smtp.recipients, smtp.messages
    assert rcpt == ["data-engineering@subang.go.id"]  # the engineers, not the inspectors
    assert msg["Subject"] == body["subject"] and msg["X-UCJ-Failure-Kind"] == "schema_drift"
    text = text_of(msg)
    assert "Missing column(s): upah" in text and "Unexpected column(s): gaji" in text


def test_a_failing_or_missing_channel_is_logged_and_does_not_raise(tmp_path, webhook, smtp,
                                                                   engineer_channels,
                                                                   monkeypatch, caplog):
    import logging

    webhook.down.append(True)  # the webhook answers 503: logged, e-mail still goes
    with caplog.at_level(logging.ERROR):
        outcome = DataEngineerNotifier().notify(drift_context(tmp_path))
    assert outcome["webhook"].startswith("failed") and outcome["email"] == "sent"
    assert "could not notify the data engineers by webhook" in caplog.text
    # No addresses for the engineers: an error, not a silent skip.
    monkeypatch.delenv("AIRFLOW_VAR_UCJ_DATA_ENGINEER_EMAILS")
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        outcome = DataEngineerNotifier().notify(drift_context(tmp_path))
    assert outcome["email"].startswith("failed: NoRecipients")
    assert "ucj_data_engineer_emails" in caplog.text
    assert len(smtp.messages) == 1
    # No connection at all: an error naming them.
    monkeypatch.delenv("AIRFLOW_CONN_UCJ_SMTP")
    monkeypatch.delenv("AIRFLOW_CONN_UCJ_ALERT_WEBHOOK")
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        assert DataEngineerNotifier().notify(drift_context(tmp_path)) == {}
    assert "no channel for the data engineers" in caplog.text


def test_other_failures_are_reported_too():
    try:
        raise FileNotFoundError("none of kepesertaan_202602.csv in landing/enrollment")
    except FileNotFoundError as exc:
        report = failure_report({"exception": exc, "ti": FakeTI()})
    assert report["kind"] == "task_failure" and report["missing_columns"] == []
    assert "kepesertaan_202602.csv" in report["text"]


def test_the_source_dags_call_it_on_failure(dagbag):
    for dag_id in ("ucj_enrollment", "ucj_reference", "ucj_registry"):
        for task in dagbag.dags[dag_id].tasks:
            callbacks = task.on_failure_callback
            callbacks = callbacks if isinstance(callbacks, list) else [callbacks]
            assert any(isinstance(c, DataEngineerNotifier) for c in callbacks), (dag_id,
                                                                                 task.task_id)


def test_a_real_dag_run_with_drift_notifies_and_writes_nothing(tmp_path, dagbag, airflow_db,
                                                               webhook, monkeypatch):
    env = Env.under(tmp_path)
    for key, value in env.environ().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AIRFLOW_CONN_UCJ_ALERT_WEBHOOK",
                       json.dumps({"conn_type": "http", "host": webhook.url}))
    (env.landing / "enrollment").mkdir()
    drifted_enrollment_csv(env.landing / "enrollment", [*COLUMNS, "email"])
    dag = dagbag.dags["ucj_enrollment"]
    for task in dag.tasks:  # the last try at once (in production after 2 retries)
        monkeypatch.setattr(task, "retries", 0)
    run = dag.test(run_conf={"periode": "2026-01"})
    assert str(run.state).endswith("failed")
    [hit] = webhook.requests
    assert hit["body"]["kind"] == "schema_drift"
    assert hit["body"]["unexpected_columns"] == ["email"]
    assert hit["body"]["dag_id"] == "ucj_enrollment" and hit["body"]["task_id"] == "plan_parts"
    assert not (env.lake / "enrollment").exists()
    assert not (env.lake / "quarantine").exists()
    assert notify_data_engineers is not None
