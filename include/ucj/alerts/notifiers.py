"""Airflow notifiers that deliver one alert: by e-mail (SMTP) and by a JSON webhook.

Both are ``airflow.sdk.BaseNotifier`` subclasses, so they also serve as DAG callbacks; the
delivery task calls ``notify({"alert": alert})`` for each pending alert and records the result.
"""

from __future__ import annotations

import json
import smtplib
from email.message import EmailMessage

import requests
from airflow.sdk import BaseNotifier

from ucj.alerts import messages


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


class EmailAlertNotifier(BaseNotifier):
    """Sends each alert as one e-mail; the connection ``ucj_smtp`` gives host, port, login,
    password and, in extra, ``from``, ``to`` (list) and ``starttls``."""

    def __init__(self, host: str, port: int, sender: str, recipients: list[str],
                 labels: dict[str, str], user: str | None = None, password: str | None = None,
                 starttls: bool = False, timeout: float = 30):
        super().__init__()
        self.host, self.port, self.sender, self.recipients = host, port, sender, recipients
        self.labels, self.user, self.password = labels, user, password
        self.starttls, self.timeout = starttls, timeout

    @classmethod
    def from_connection(cls, conn, labels: dict[str, str]) -> EmailAlertNotifier:
        extra = conn.extra_dejson or {}
        to = extra.get("to") or []
        return cls(conn.host, int(conn.port or 25), extra.get("from", "ucj@localhost"),
                   [to] if isinstance(to, str) else list(to), labels, conn.login or None,
                   conn.password or None, bool(extra.get("starttls", False)))

    def notify(self, context) -> None:
        alert = context["alert"]
        label = self.labels.get(alert["rule"], alert["rule"])
        msg = EmailMessage()
        msg["Subject"] = messages.subject_line(alert, label)
        msg["From"] = self.sender
        msg["To"] = ", ".join(self.recipients)
        msg["X-UCJ-Alert-Id"] = alert["alert_id"]
        msg.set_content(alert["message"])
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(msg)


class WebhookAlertNotifier(BaseNotifier):
    """POSTs each alert as JSON; the connection ``ucj_alert_webhook`` gives the URL (host)
    and an optional bearer token (password)."""

    def __init__(self, url: str, labels: dict[str, str], token: str | None = None,
                 timeout: float = 15):
        super().__init__()
        self.url, self.labels, self.token, self.timeout = url, labels, token, timeout

    @classmethod
    def from_connection(cls, conn, labels: dict[str, str]) -> WebhookAlertNotifier:
        url = conn.host if "://" in (conn.host or "") else conn.get_uri()
        return cls(url, labels, conn.password or None)

    def notify(self, context) -> None:
        alert = context["alert"]
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = requests.post(self.url, json=payload(alert, self.labels.get(alert["rule"], "")),
                                 headers=headers, timeout=self.timeout)
        response.raise_for_status()
