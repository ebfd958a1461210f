"""Tell the data engineers when a source task fails for good, schema drift first.

``notify_data_engineers`` is an ``on_failure_callback`` (an ``airflow.sdk.BaseNotifier``) for
the source DAGs. Airflow calls it once a task has failed its last try; it sends one message
naming the DAG, the task, the run and what broke: for schema drift (``SchemaError``) the file
and the missing and unexpected columns; for an unreadable file (``ReadError``) the file, the
line and the rule; otherwise the exception. Channels are the connections the alerts use:

- ``ucj_alert_webhook``: the message as JSON (``"type": "pipeline_failure"``) POSTed to the
  URL in host, with the password as bearer token;
- ``ucj_smtp``: an e-mail to ``extra.data_engineers`` (else ``extra.to``), from
  ``extra.from``, over host/port with optional login and ``extra.starttls``.

A channel that fails is logged and the others still run; the callback never raises (the task
has already failed and its own error is what the engineers must see). This module stays
light to import: DAG files import it at parse time.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from airflow.sdk import BaseNotifier

log = logging.getLogger(__name__)

WEBHOOK_CONN_ID = "ucj_alert_webhook"
SMTP_CONN_ID = "ucj_smtp"


def _chain(exc: BaseException | None):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _is_drift(exc: BaseException) -> bool:
    names = {cls.__name__ for cls in type(exc).__mro__}
    return bool(names & {"SchemaError", "SnapshotFormatError"})


def failure_report(context) -> dict:
    """What failed, from an Airflow callback context (``exception``, ``ti``, ``dag_run``)."""
    exc = context.get("exception")
    ti = context.get("ti") or context.get("task_instance")
    dag_run = context.get("dag_run")
    causes = list(_chain(exc if isinstance(exc, BaseException) else None))
    drift = next((e for e in causes if _is_drift(e)), None)
    unreadable = next((e for e in causes if hasattr(e, "rule") and hasattr(e, "path")), None)
    main = drift or unreadable or (causes[0] if causes else None)
    kind = ("schema_drift" if drift is not None else
            "unreadable_file" if unreadable is not None else "task_failure")
    report = {
        "type": "pipeline_failure",
        "kind": kind,
        "dag_id": getattr(ti, "dag_id", None) or getattr(dag_run, "dag_id", None),
        "task_id": getattr(ti, "task_id", None),
        "run_id": getattr(ti, "run_id", None) or getattr(dag_run, "run_id", None),
        "try_number": getattr(ti, "try_number", None),
        "logical_date": str(getattr(dag_run, "logical_date", None) or "") or None,
        "error": {"type": type(main).__name__, "message": str(main)} if main else
                 {"type": None, "message": str(exc) if exc else "unknown"},
        "file": getattr(main, "path", None),
        "line": getattr(main, "line", None),
        "rule": getattr(main, "rule", None),
        "missing_columns": list(getattr(drift, "missing", []) or []),
        "unexpected_columns": list(getattr(drift, "extra", []) or []),
        "log_url": getattr(ti, "log_url", None),
    }
    report["subject"] = subject(report)
    report["text"] = text(report)
    return report


def subject(report: dict) -> str:
    what = {"schema_drift": "schema drift", "unreadable_file": "unreadable file",
            "task_failure": "task failed"}[report["kind"]]
    where = f"{report['dag_id']}.{report['task_id']}"
    name = str(report["file"]).rsplit("/", 1)[-1] if report.get("file") else None
    return f"[UCJ] {what}: {where}" + (f" ({name})" if name else "")


def text(report: dict) -> str:
    lines = [f"DAG {report['dag_id']}, task {report['task_id']}, run {report['run_id']} "
             f"(try {report['try_number']}) failed.", ""]
    if report["kind"] == "schema_drift":
        lines.append("The source's columns no longer match its contract; nothing of this "
                     "batch reached the lake or the warehouse.")
        if report["missing_columns"]:
            lines.append(f"Missing column(s): {', '.join(report['missing_columns'])}")
        if report["unexpected_columns"]:
            lines.append(f"Unexpected column(s): {', '.join(report['unexpected_columns'])}")
    if report.get("file"):
        lines.append(f"File: {report['file']}" +
                     (f", line {report['line']}" if report.get("line") else ""))
    if report.get("rule"):
        lines.append(f"Rule: {report['rule']}")
    lines += ["", f"{report['error']['type']}: {report['error']['message']}"]
    if report.get("log_url"):
        lines.append(f"Log: {report['log_url']}")
    return "\n".join(lines)


def post_webhook(url: str, token: str | None, report: dict, timeout: float = 15) -> None:
    import requests

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = requests.post(url, json=report, headers=headers, timeout=timeout)
    response.raise_for_status()


def send_email(smtp: dict, report: dict, timeout: float = 30) -> None:
    import smtplib
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["Subject"] = report["subject"]
    msg["From"] = smtp.get("from") or "ucj@localhost"
    msg["To"] = ", ".join(smtp["to"])
    msg["X-UCJ-Failure-Kind"] = report["kind"]
    msg.set_content(report["text"] + "\n\n" + json.dumps(report, indent=2, default=str))
    with smtplib.SMTP(smtp["host"], int(smtp.get("port") or 25), timeout=timeout) as client:
        if smtp.get("starttls"):
            client.starttls()
        if smtp.get("user"):
            client.login(smtp["user"], smtp.get("password") or "")
        client.send_message(msg)


def _connection(conn_id: str):
    from airflow.sdk import Connection

    try:
        return Connection.get(conn_id)
    except Exception:  # noqa: BLE001 - not defined, or no Airflow context: channel unused
        return None


def webhook_from_connection(conn) -> tuple[str, str | None]:
    url = conn.host if "://" in (conn.host or "") else conn.get_uri()
    return url, conn.password or None


def smtp_from_connection(conn) -> dict:
    extra = conn.extra_dejson or {}
    to = extra.get("data_engineers") or extra.get("to") or []
    return {"host": conn.host, "port": conn.port or 25, "user": conn.login or None,
            "password": conn.password or None, "from": extra.get("from"),
            "to": [to] if isinstance(to, str) else list(to),
            "starttls": bool(extra.get("starttls", False))}


class DataEngineerNotifier(BaseNotifier):
    """Failure notification by webhook and e-mail. Channels given here are used as they are;
    otherwise they come from the connections ``ucj_alert_webhook`` and ``ucj_smtp`` when the
    callback runs (so a DAG file never reads a secret at parse time)."""

    def __init__(self, webhook_url: str | None = None, webhook_token: str | None = None,
                 smtp: dict | None = None,
                 connection: Callable[[str], object] | None = None):
        super().__init__()
        self.webhook_url, self.webhook_token, self.smtp = webhook_url, webhook_token, smtp
        self.connection = connection or _connection

    def channels(self) -> dict[str, Callable[[dict], None]]:
        out = {}
        url, token = self.webhook_url, self.webhook_token
        if url is None and (conn := self.connection(WEBHOOK_CONN_ID)) is not None:
            url, token = webhook_from_connection(conn)
        if url:
            out["webhook"] = lambda report: post_webhook(url, token, report)
        smtp = self.smtp
        if smtp is None and (conn := self.connection(SMTP_CONN_ID)) is not None:
            smtp = smtp_from_connection(conn)
        if smtp and smtp.get("host") and smtp.get("to"):
            out["email"] = lambda report: send_email(smtp, report)
        return out

    def notify(self, context) -> dict:
        return self.send(failure_report(context))

    def send(self, report: dict) -> dict:
        """Send ``report`` (``subject``, ``text``, ``kind`` ...) on every channel; never raises."""
        channels = self.channels()
        outcome = {}
        if not channels:
            log.warning("no channel for the data engineers (connections %s, %s): %s",
                        WEBHOOK_CONN_ID, SMTP_CONN_ID, report["subject"])
        for name, send in channels.items():
            try:
                send(report)
                outcome[name] = "sent"
            except Exception as exc:  # noqa: BLE001 - logged; never hides the task's error
                outcome[name] = f"failed: {type(exc).__name__}: {exc}"
                log.error("could not notify the data engineers by %s: %s", name, exc)
        log.info("data engineers notified: %s (%s)", report["subject"], outcome)
        return outcome


notify_data_engineers = DataEngineerNotifier()


def tell_data_engineers(kind: str, subject: str, text: str, **details) -> dict:
    """A notice that is not a task failure (a degraded path was taken, a refused batch was
    forced): the same channels as the failure callback; never raises."""
    report = {"type": "pipeline_notice", "kind": kind, "subject": subject, "text": text,
              **details}
    log.warning("notice to the data engineers: %s", subject)
    return notify_data_engineers.send(report)

