"""The demo's loopback mail and webhook sinks receive what production would send: the demo
defines ``ucj_smtp`` in the provider's format and the recipients' Variables, and the same
senders (``ucj.notify``) deliver to them."""

from __future__ import annotations

import email
import json
import os
from contextlib import ExitStack

from receivers import text_of
from ucj import config, demo
from ucj.notify import tell_data_engineers

SETTINGS = ("AIRFLOW_CONN_UCJ_SMTP", "AIRFLOW_CONN_UCJ_ALERT_WEBHOOK",
            "AIRFLOW_VAR_UCJ_INSPECTOR_EMAILS", "AIRFLOW_VAR_UCJ_DATA_ENGINEER_EMAILS")


def test_the_demo_sinks_get_the_notices(tmp_path, monkeypatch):
    for key in SETTINGS:  # unset here, and unset again after the test
        monkeypatch.setenv(key, "")
        monkeypatch.delenv(key)
    monkeypatch.setenv("UCJ_LAKE", str(tmp_path / "lake"))
    cfg = config.from_env()
    with ExitStack() as stack:
        demo._local_services(stack, cfg, with_registry=False)
        smtp = json.loads(os.environ["AIRFLOW_CONN_UCJ_SMTP"])
        assert set(smtp["extra"]) == {"from_email", "disable_ssl", "disable_tls"}
        outcome = tell_data_engineers("demo", "[UCJ] demo notice", "Bulan 2026-01 dimuat.")
    assert outcome == {"webhook": "sent", "email": "sent"}
    outbox = demo._outbox(cfg)
    [eml] = sorted((outbox / "email").glob("*.eml"))
    msg = email.message_from_bytes(eml.read_bytes())
    assert msg["To"] == "data-engineering@subang.go.id" and msg["From"] == "ucj@subang.go.id"
    assert "Bulan 2026-01 dimuat." in text_of(msg)
    [hook] = sorted((outbox / "webhook").glob("*.json"))
    assert json.loads(hook.read_text())["subject"] == "[UCJ] demo notice"
