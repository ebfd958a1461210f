"""The ucj_registry DAG's tasks as Airflow runs them: the extract's time limits from the
variables, a bad token failing without retries, the extract task's execution_timeout."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from airflow.sdk.exceptions import AirflowFailException
from registry_helpers import TOKEN, make_records, snapshot_name, write_snapshot
from ucj import airflow_settings
from ucj.registry.client import RegistryAuthError, SnapshotUnusable
from ucj.registry.server import Faults, serve


@pytest.fixture
def task_env(tmp_path, monkeypatch):
    """The folders and the connection a task reads (as AIRFLOW_VAR_/AIRFLOW_CONN_)."""
    for key, name in (("UCJ_LAKE", "lake"), ("UCJ_LANDING_ZONE", "landing"),
                      ("UCJ_VALIDATION_DIR", "val")):
        monkeypatch.setenv(key, str(tmp_path / name))

    def connect(server, token=TOKEN):
        monkeypatch.setenv("AIRFLOW_CONN_UCJ_REGISTRY_API", json.dumps(
            {"conn_type": "http", "host": server.base_url, "password": token}))

    return connect


def extract_task(dagbag):
    return dagbag.dags["ucj_registry"].get_task("extract")


def test_the_extract_task_has_an_execution_timeout_above_the_client_deadline(dagbag):
    task = extract_task(dagbag)
    assert task.execution_timeout == timedelta(minutes=30)
    assert airflow_settings.registry_limits()["deadline"] < \
        task.execution_timeout.total_seconds()


def test_a_bad_token_fails_the_task_without_retries(dagbag, task_env):
    with serve(make_records(3), token=TOKEN) as server:
        task_env(server, token="wrong")
        with pytest.raises(AirflowFailException, match="HTTP 401") as err:
            extract_task(dagbag).python_callable()
    assert isinstance(err.value.__cause__, RegistryAuthError)
    assert server.counts == {401: 1}


def test_the_deadline_variable_bounds_a_hanging_api(dagbag, task_env, monkeypatch, tmp_path):
    monkeypatch.setenv("AIRFLOW_VAR_UCJ_REGISTRY_DEADLINE_SECONDS", "1.5")
    with serve(make_records(3), token=TOKEN, faults=Faults(hang=True)) as server:
        task_env(server)
        started = time.monotonic()
        with pytest.raises(SnapshotUnusable, match="deadline of 1.5 s.*no snapshot"):
            extract_task(dagbag).python_callable()  # not final: Airflow retries an outage
        assert time.monotonic() - started < 4
        write_snapshot(tmp_path / "landing" / "registry" / snapshot_name(10), make_records(2))
        result = extract_task(dagbag).python_callable()
    assert result["source"] == "snapshot" and result["snapshot_age_days"] == 10


def test_registry_limits_from_variables_then_environment(monkeypatch):
    monkeypatch.setenv("UCJ_REGISTRY_DEADLINE_SECONDS", "900")
    monkeypatch.setenv("UCJ_REGISTRY_SNAPSHOT_MAX_AGE_DAYS", "20")
    assert airflow_settings.registry_limits() == {"deadline": 900.0,
                                                  "snapshot_max_age_days": 20.0}
    monkeypatch.setenv("AIRFLOW_VAR_UCJ_REGISTRY_SNAPSHOT_MAX_AGE_DAYS", "60")
    assert airflow_settings.registry_limits()["snapshot_max_age_days"] == 60.0
    # a deadline the task's timeout would cut first is lowered below it
    assert airflow_settings.registry_limits(task_timeout=600)["deadline"] == 540.0
    monkeypatch.setenv("AIRFLOW_VAR_UCJ_REGISTRY_DEADLINE_SECONDS", "0")
    with pytest.raises(ValueError, match="ucj_registry_deadline_seconds.*positive"):
        airflow_settings.registry_limits()


def test_defaults_without_configuration(monkeypatch):
    for key in ("UCJ_REGISTRY_DEADLINE_SECONDS", "UCJ_REGISTRY_SNAPSHOT_MAX_AGE_DAYS",
                "AIRFLOW_VAR_UCJ_REGISTRY_DEADLINE_SECONDS",
                "AIRFLOW_VAR_UCJ_REGISTRY_SNAPSHOT_MAX_AGE_DAYS"):
        monkeypatch.delenv(key, raising=False)
    assert airflow_settings.registry_limits() == {"deadline": 1200.0,
                                                  "snapshot_max_age_days": 45}


def test_two_dag_runs_bring_a_corrected_company_into_the_lake(dagbag, airflow_db, task_env,
                                                              tmp_path):
    import pandas as pd
    from registry_helpers import company

    records = [*make_records(3), company(3, jumlah_tk_wlkp=999)]  # counts do not add up
    dag = dagbag.dags["ucj_registry"]
    with serve(records, token=TOKEN) as server:
        task_env(server)
        assert str(dag.test().state).endswith("success")
        bad = pd.read_parquet(tmp_path / "lake" / "quarantine" / "registry")
        assert list(bad["nib"]) == [records[3]["nib"]]
        server.upsert([company(3)])  # corrected at the source, same updated_at
        assert str(dag.test().state).endswith("success")
    valid = pd.read_parquet(tmp_path / "lake" / "registry", columns=["nib"])
    assert set(valid["nib"]) == {r["nib"] for r in records}
