"""Alerts reach inspectors: a real SMTP server and a real webhook server on loopback."""

from __future__ import annotations

import pytest
from test_compliance import wh  # noqa: F401 - the two hand-made months with their alerts
from ucj.alerts import company
from ucj.alerts.deliver import DeliveryFailed, deliver
from ucj.alerts.notifiers import EmailAlertNotifier, WebhookAlertNotifier


def notifiers(smtp, webhook):
    return {
        "email": EmailAlertNotifier("127.0.0.1", smtp.port, "ucj@subang.go.id",
                                    ["pengawas@disnaker.subang.go.id"], company.LABELS),
        "webhook": WebhookAlertNotifier(webhook.url, company.LABELS),
    }


def opened(wh):  # noqa: F811
    return wh.query("SELECT alert_id, rule, npp FROM marts.alerts WHERE first_periode = periode "
                    "ORDER BY periode, rule, subject_id")


def test_new_alerts_arrive_once_by_email_and_webhook(wh, smtp, webhook):  # noqa: F811
    # A failed webhook delivery stays pending and is sent by the next run, never lost.
    webhook.fail_next.append(True)
    with pytest.raises(DeliveryFailed):
        deliver(wh, notifiers(smtp, webhook))
    failed = wh.query("SELECT * FROM audit.alert_delivery WHERE status = 'failed'")
    assert failed["channel"].tolist() == ["webhook"], failed.to_dict("records")

    summary = deliver(wh, notifiers(smtp, webhook))
    assert summary["webhook"] == {"pending": 1, "sent": 1}
    assert summary["email"] == {"pending": 0, "sent": 0}  # e-mail went out the first time

    expected = opened(wh)
    # Jan: 4 opened; Feb: 3 opened; ongoing and resolved alerts are not sent again.
    assert len(expected) == 7
    assert sorted(m["X-UCJ-Alert-Id"] for m in smtp.messages) == sorted(expected["alert_id"])
    assert sorted(b["alert_id"] for b in webhook.delivered()) == sorted(expected["alert_id"])
    again = deliver(wh, notifiers(smtp, webhook))
    assert again == {"email": {"pending": 0, "sent": 0}, "webhook": {"pending": 0, "sent": 0}}
    assert len(smtp.messages) == 7

    pwbd = next(m for m in smtp.messages if "PWBD" in m["Subject"])
    text = pwbd.get_payload(decode=True).decode()
    assert "Perusahaan Wajib Belum Daftar" in text and "belum terdaftar" in text
    assert "Tenaga kerja menurut WLKP: 20" in text and pwbd["X-UCJ-Alert-Id"] in text
    drop = next(b for b in webhook.delivered() if b["rule"] == "PENURUNAN_MENDADAK")
    assert drop["npp"] == "10000006" and drop["evidence"]["peserta_pu_aktif"] == 3
    assert drop["periode"] == "2026-02" and drop["status"] == "new"
    assert "Penurunan peserta mendadak" in drop["message"]
