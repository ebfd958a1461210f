"""Alert delivery is at least once, and a repeat carries its alert id: a real child process
delivering alerts is killed with SIGKILL after a message went out but before its delivery was
recorded; the next delivery sends that alert again with the same id, and a receiver that drops
ids it has seen shows every alert once.

The child stops where it signals (as in ``reliability/test_faults.py``): inside the
transaction that records the delivery of its second alert on one channel, after the message
was accepted by the receiver."""

from __future__ import annotations

import json
import subprocess

import pytest
from pg_helpers import scratch_database
from receivers import text_of
from reliability.helpers import kill_when_signalled, python
from test_alert_messages_backends import company_lake
from ucj import airflow_settings, warehouse
from ucj.alerts import company, village
from ucj.alerts.deliver import deliver
from ucj.warehouse import load as wl

CHILD = """
import os, time
from pathlib import Path
from ucj.warehouse import base

signal_file = Path(os.environ["UCJ_TEST_SIGNAL"])
channel, stop_at = os.environ["UCJ_TEST_CHANNEL"], int(os.environ["UCJ_TEST_STOP_AT"])
recorded = []
original = base.Session.run_file

def run_file(self, relpath, params=None):
    if relpath == "alerts/record_delivery.sql" and params["channel"] == channel:
        recorded.append(params["alert_id"])
        if len(recorded) == stop_at:  # sent and accepted, its record not yet written
            signal_file.write_text(params["alert_id"])
            time.sleep(300)  # killed here
    return original(self, relpath, params)

base.Session.run_file = run_file

from ucj import airflow_settings, warehouse
from ucj.alerts import company, village
from ucj.alerts.deliver import deliver

wh = warehouse.connect(os.environ["UCJ_WAREHOUSE_URL"])
deliver(wh, airflow_settings.alert_notifiers({**company.LABELS, **village.LABELS}))
print("finished without being killed")
"""
LABELS = {**company.LABELS, **village.LABELS}


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    return company_lake(tmp_path_factory.mktemp("redelivery"))


@pytest.fixture(params=[("duckdb", "email"), ("postgres", "webhook")],
                ids=["duckdb-email", "postgres-webhook"])
def world(request, lake, tmp_path, smtp, webhook):
    """A loaded warehouse (closed: the child opens it), the channels' settings, the channel
    on which the child is killed."""
    backend, channel = request.param
    settings = {
        "AIRFLOW_CONN_UCJ_SMTP": json.dumps({
            "conn_type": "smtp", "host": "127.0.0.1", "port": smtp.port,
            "extra": {"from_email": "ucj@subang.go.id", "disable_ssl": True,
                      "disable_tls": True}}),
        "AIRFLOW_CONN_UCJ_ALERT_WEBHOOK": json.dumps({"conn_type": "http",
                                                      "host": webhook.url}),
        "AIRFLOW_VAR_UCJ_INSPECTOR_EMAILS": "pengawas@disnakertrans.subang.go.id",
    }

    def loaded(url):
        wh = warehouse.connect(url)
        try:
            wl.refresh(wh, lake, wl.enrollment_partitions(lake), "seed")
        finally:
            wh.close()
        return url

    if backend == "duckdb":
        yield loaded(f"duckdb:///{tmp_path / 'wh.duckdb'}"), settings, channel
        return
    with scratch_database() as url:
        yield loaded(url), settings, channel


def kill_after_sending(url: str, settings: dict, channel: str, tmp_path) -> str:
    """The child delivers and is killed before recording its 2nd alert on ``channel``; the
    id of that alert."""
    signal_file = tmp_path / "signal-delivery"
    child = python(CHILD, {**settings, "UCJ_WAREHOUSE_URL": url,
                           "UCJ_TEST_SIGNAL": str(signal_file), "UCJ_TEST_CHANNEL": channel,
                           "UCJ_TEST_STOP_AT": "2"},
                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return kill_when_signalled(child, signal_file, timeout=180)


def test_a_kill_between_sending_and_recording_resends_with_the_same_id(world, smtp, webhook,
                                                                        tmp_path, monkeypatch):
    url, settings, channel = world
    repeated = kill_after_sending(url, settings, channel, tmp_path)

    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    wh = warehouse.connect(url)
    try:
        # The kill rolled back the record of the second alert: it is still pending.
        recorded = wh.query("SELECT alert_id FROM audit.alert_delivery WHERE channel = :c "
                            "AND status = 'sent'", {"c": channel})["alert_id"].tolist()
        assert len(recorded) == 1 and repeated not in recorded
        summary = deliver(wh, airflow_settings.alert_notifiers(LABELS))  # the next run
        opened = set(wh.query("SELECT alert_id FROM marts.alerts "
                              "WHERE first_periode = periode")["alert_id"])
        sent = wh.query("SELECT channel, alert_id FROM audit.alert_delivery "
                        "WHERE status = 'sent'")
    finally:
        wh.close()
    assert summary[channel] == {"pending": len(opened) - 1, "sent": len(opened) - 1}
    assert sorted(sent[sent["channel"] == channel]["alert_id"]) == sorted(opened)

    if channel == "email":
        ids = [m["X-UCJ-Alert-Id"] for m in smtp.messages]
        twice = [m for m in smtp.messages if m["X-UCJ-Alert-Id"] == repeated]
        assert len(twice) == 2  # sent before the kill and again by the next run
        first, again = twice
        for header in ("X-UCJ-Alert-Id", "Message-ID", "Subject", "To"):
            assert first[header] == again[header], header
        assert text_of(first) == text_of(again) and f"ID peringatan: {repeated}" in text_of(again)
        assert set(smtp.by_alert_id()) == opened
        assert len(webhook.delivered()) == len(opened)  # the other channel: each alert once
    else:
        ids = [b["alert_id"] for b in webhook.delivered()]
        twice = [r for r in webhook.requests if r["body"]["alert_id"] == repeated]
        assert len(twice) == 2
        assert twice[0]["body"] == twice[1]["body"]
        assert twice[0]["idempotency_key"] == twice[1]["idempotency_key"] == repeated
        assert set(webhook.by_alert_id()) == opened
        assert len(smtp.messages) == len(opened)
    assert len(ids) == len(opened) + 1 and ids.count(repeated) == 2
    assert {i for i in ids if ids.count(i) > 1} == {repeated}
