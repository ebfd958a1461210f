"""Alerts reach inspectors: a real SMTP server and a real webhook server on loopback, the
channels built from Airflow connections and Variables as in production
(``ucj.airflow_settings.alert_notifiers``)."""

from __future__ import annotations

import json
import logging

import pytest
from receivers import text_of
from test_compliance import wh  # noqa: F401 - the two hand-made months with their alerts
from ucj import airflow_settings
from ucj.alerts import company
from ucj.alerts.deliver import DeliveryFailed, deliver

INSPECTORS = ["pengawas@disnaker.subang.go.id", "pengawas2@disnaker.subang.go.id"]


@pytest.fixture
def channels(wh, smtp, webhook, monkeypatch):  # noqa: F811
    """Connections in the provider's format (plain SMTP on loopback), the inspectors in the
    Variable; nothing delivered yet."""
    monkeypatch.setenv("AIRFLOW_CONN_UCJ_SMTP", json.dumps({
        "conn_type": "smtp", "host": "127.0.0.1", "port": smtp.port,
        "extra": {"from_email": "ucj@subang.go.id", "disable_ssl": True, "disable_tls": True}}))
    monkeypatch.setenv("AIRFLOW_CONN_UCJ_ALERT_WEBHOOK",
                       json.dumps({"conn_type": "http", "host": webhook.url, "password": "tok"}))
    monkeypatch.setenv("AIRFLOW_VAR_UCJ_INSPECTOR_EMAILS", ", ".join(INSPECTORS))
    with wh.transaction() as s:
        s.execute("DELETE FROM audit.alert_delivery")
    return lambda: airflow_settings.alert_notifiers(company.LABELS)


def opened(wh):  # noqa: F811
    return wh.query("SELECT alert_id, rule, npp FROM marts.alerts WHERE first_periode = periode "
                    "ORDER BY periode, rule, subject_id")


def test_new_alerts_arrive_once_by_email_and_webhook(wh, smtp, webhook, channels):  # noqa: F811
    # A failed webhook delivery stays pending and is sent by the next run, never lost.
    webhook.fail_next.append(True)
    with pytest.raises(DeliveryFailed):
        deliver(wh, channels())
    failed = wh.query("SELECT * FROM audit.alert_delivery WHERE status = 'failed'")
    assert failed["channel"].tolist() == ["webhook"], failed.to_dict("records")

    summary = deliver(wh, channels())
    assert summary["webhook"] == {"pending": 1, "sent": 1}
    assert summary["email"] == {"pending": 0, "sent": 0}  # e-mail went out the first time

    expected = opened(wh)
    # Jan: 4 opened; Feb: 3 opened; ongoing and resolved alerts are not sent again.
    assert len(expected) == 7
    assert sorted(m["X-UCJ-Alert-Id"] for m in smtp.messages) == sorted(expected["alert_id"])
    assert sorted(b["alert_id"] for b in webhook.delivered()) == sorted(expected["alert_id"])
    again = deliver(wh, channels())
    assert again == {"email": {"pending": 0, "sent": 0}, "webhook": {"pending": 0, "sent": 0}}
    assert len(smtp.messages) == 7
    assert all(sorted(rcpt) == sorted(INSPECTORS) for rcpt in smtp.recipients)
    assert {m["From"] for m in smtp.messages} == {"ucj@subang.go.id"}

    pwbd = next(m for m in smtp.messages if "PWBD" in m["Subject"])
    text = text_of(pwbd)
    assert "Perusahaan Wajib Belum Daftar" in text and "belum terdaftar" in text
    assert "Tenaga kerja menurut WLKP: 20" in text and pwbd["X-UCJ-Alert-Id"] in text
    assert pwbd["Message-ID"] == f"<{pwbd['X-UCJ-Alert-Id']}@alerts.ucj-subang>"
    drop = next(b for b in webhook.delivered() if b["rule"] == "PENURUNAN_MENDADAK")
    assert drop["npp"] == "10000006" and drop["evidence"]["peserta_pu_aktif"] == 3
    assert drop["periode"] == "2026-02" and drop["status"] == "new"
    assert "Penurunan peserta mendadak" in drop["message"]
    assert {r["auth"] for r in webhook.requests} == {"Bearer tok"}
    assert all(r["idempotency_key"] == r["body"]["alert_id"] for r in webhook.requests)


def test_no_inspector_addresses_is_an_error_and_the_mails_stay_pending(
        wh, smtp, webhook, channels, monkeypatch, caplog):  # noqa: F811
    monkeypatch.delenv("AIRFLOW_VAR_UCJ_INSPECTOR_EMAILS")
    with caplog.at_level(logging.ERROR), pytest.raises(DeliveryFailed, match="NoRecipients"):
        deliver(wh, channels())
    assert "ucj_inspector_emails" in caplog.text
    state = wh.query("SELECT channel, status, COUNT(*) AS n, MIN(last_error) AS error "
                     "FROM audit.alert_delivery GROUP BY channel, status ORDER BY channel")
    assert state[["channel", "status", "n"]].values.tolist() == [["email", "failed", 7],
                                                                 ["webhook", "sent", 7]]
    assert "ucj_inspector_emails" in state["error"].iloc[0]
    assert smtp.messages == []  # nothing went out without an addressee

    monkeypatch.setenv("AIRFLOW_VAR_UCJ_INSPECTOR_EMAILS", json.dumps(INSPECTORS))
    assert deliver(wh, channels())["email"] == {"pending": 7, "sent": 7}
    assert all(sorted(rcpt) == sorted(INSPECTORS) for rcpt in smtp.recipients)


def test_a_missing_channel_is_logged_as_an_error(wh, channels, monkeypatch, caplog):  # noqa: F811
    monkeypatch.delenv("AIRFLOW_CONN_UCJ_SMTP")
    with caplog.at_level(logging.ERROR):
        assert set(channels()) == {"webhook"}
    assert "ucj_smtp is not defined" in caplog.text
    monkeypatch.delenv("AIRFLOW_CONN_UCJ_ALERT_WEBHOOK")
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        assert channels() == {}
    assert "ucj_alert_webhook is not defined" in caplog.text
