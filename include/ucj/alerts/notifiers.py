"""Airflow notifiers that deliver one alert: by e-mail and by a JSON webhook, through the
platform's one mail sender (``apache-airflow-providers-smtp``'s ``SmtpHook``, connection
``ucj_smtp``) and its one webhook sender (connection ``ucj_alert_webhook``), both in
``ucj.notify``.

Both are ``airflow.sdk.BaseNotifier`` subclasses, so they also serve as DAG callbacks; the
delivery task calls ``notify({"alert": alert})`` for each pending alert and records the result.
Delivery is at least once (``ucj.alerts.deliver``): every message carries the alert id (mail:
``X-UCJ-Alert-Id``, a ``Message-ID`` made from it, and the body; webhook: ``alert_id`` in the
JSON and the ``Idempotency-Key`` header) so that a receiver can drop a repeat.
"""

from __future__ import annotations

import json
import logging

from airflow.sdk import BaseNotifier

from ucj import notify
from ucj.alerts import messages

log = logging.getLogger(__name__)


def payload(alert: dict, label: str) -> dict:
    evidence = alert["evidence"]
    return {
        "alert_id": alert["alert_id"], "rule": alert["rule"], "label": label,
        "severity": alert["severity"], "status": alert["status"], "periode": alert["periode"],
        "subject": {"type": alert["subject_type"], "id": alert["subject_id"],
                    "name": alert["subject_name"]},
        "npp": alert.get("npp"), "kode_desa": alert.get("kode_desa"),
        "evidence": json.loads(evidence) if isinstance(evidence, str) else evidence,
        "message": alert["message"], "link": messages.link(alert["alert_id"]),
    }


def mail_headers(alert_id: str) -> dict[str, str]:
    """The alert id twice: our own header, and a Message-ID that stays the same when the
    alert is sent again (mail systems drop a message whose Message-ID they hold)."""
    return {"X-UCJ-Alert-Id": alert_id, "Message-ID": f"<{alert_id}@alerts.ucj-subang>"}


class EmailAlertNotifier(BaseNotifier):
    """Sends each alert as one e-mail to the inspectors named by the Airflow Variable
    ``ucj_inspector_emails``, over the connection ``ucj_smtp`` (the provider's format).
    Without recipients every alert fails to send, so it stays pending and the task fails."""

    def __init__(self, labels: dict[str, str], conn_id: str = notify.SMTP_CONN_ID,
                 recipients_variable: str = notify.INSPECTORS):
        super().__init__()
        self.labels, self.conn_id, self.recipients_variable = labels, conn_id, recipients_variable
        self._to: list[str] | None = None

    def recipients(self) -> list[str]:
        if self._to is None:  # read once per delivery run, not once per alert
            try:
                self._to = notify.recipients(self.recipients_variable)
            except Exception as exc:
                log.error("alerts cannot be e-mailed: %s", exc)
                raise
        return self._to

    def notify(self, context) -> None:
        alert = context["alert"]
        label = self.labels.get(alert["rule"], alert["rule"])
        notify.send_mail(self.recipients(), messages.subject_line(alert, label),
                         alert["message"], mail_headers(alert["alert_id"]),
                         conn_id=self.conn_id)


class WebhookAlertNotifier(BaseNotifier):
    """POSTs each alert as JSON; the connection ``ucj_alert_webhook`` gives the URL (host)
    and an optional bearer token (password)."""

    def __init__(self, url: str, labels: dict[str, str], token: str | None = None,
                 timeout: float = 15):
        super().__init__()
        self.url, self.labels, self.token, self.timeout = url, labels, token, timeout

    @classmethod
    def from_connection(cls, conn, labels: dict[str, str]) -> WebhookAlertNotifier:
        url, token = notify.webhook_from_connection(conn)
        return cls(url, labels, token)

    def notify(self, context) -> None:
        alert = context["alert"]
        notify.post_webhook(self.url, self.token,
                            payload(alert, self.labels.get(alert["rule"], "")),
                            idempotency_key=alert["alert_id"], timeout=self.timeout)
