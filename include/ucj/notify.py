"""Tell the data engineers when a source task fails for good, schema drift first; and the one
way every message leaves the platform (failure notices and inspectors' alerts alike).

``notify_data_engineers`` is an ``on_failure_callback`` (an ``airflow.sdk.BaseNotifier``) for
the source DAGs. Airflow calls it once a task has failed its last try; it sends one message
naming the DAG, the task, the run and what broke: for schema drift (``SchemaError``) the file
and the missing and unexpected columns; for an unreadable file (``ReadError``) the file, the
line and the rule; otherwise the exception. Channels:

- ``ucj_smtp``: an e-mail through ``apache-airflow-providers-smtp``'s ``SmtpHook``, the
  connection in the provider's format (host, port, login, password; extra ``from_email``,
  ``disable_ssl``, ``disable_tls``, ``ssl_context``, ``timeout``, ``retry_limit``) to the
  addresses of the Airflow Variable ``ucj_data_engineer_emails``;
- ``ucj_alert_webhook``: the message as JSON (``"type": "pipeline_failure"``) POSTed to the
  URL in host, with the password as bearer token.

Inspectors' alerts (``ucj.alerts.notifiers``) go through the same two senders,
:func:`send_mail` and :func:`post_webhook`, to the Variable ``ucj_inspector_emails``.
Recipients are configuration, never code: a Variable holds a JSON list or comma-separated
addresses (``AIRFLOW_VAR_UCJ_..._EMAILS`` in the environment works too).

A channel that is missing (connection or recipients) or fails is logged as an error and the
others still run; the callback never raises (the task has already failed and its own error is
what the engineers must see). This module stays light to import: DAG files import it at
parse time (the provider and ``requests`` are imported when a message is sent).
"""

from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import Callable

from airflow.sdk import BaseNotifier

log = logging.getLogger(__name__)

WEBHOOK_CONN_ID = "ucj_alert_webhook"
SMTP_CONN_ID = "ucj_smtp"
DATA_ENGINEERS = "ucj_data_engineer_emails"  # Airflow Variable: who gets failure notices
INSPECTORS = "ucj_inspector_emails"  # Airflow Variable: who gets the compliance alerts


class NoRecipients(RuntimeError):
    """The Variable naming a channel's addressees is not set (or holds no address)."""


def parse_addresses(raw: str | None) -> list[str]:
    """A JSON list, or addresses separated by commas, semicolons or blanks."""
    text = (raw or "").strip()
    if text.startswith("["):
        items = json.loads(text)
        if not all(isinstance(item, str) for item in items):
            raise ValueError(f"not a list of e-mail addresses: {text}")
    else:
        items = re.split(r"[,;\s]+", text)
    addresses = [item.strip() for item in items if item.strip()]
    bad = [a for a in addresses if "@" not in a]
    if bad:  # a typo would otherwise send into the void
        raise ValueError(f"not e-mail addresses: {bad}")
    return addresses


def recipients(variable: str) -> list[str]:
    """The addresses in Airflow Variable ``variable``; :class:`NoRecipients` when unset."""
    from airflow.sdk import Variable

    addresses = parse_addresses(Variable.get(variable, default=None))
    if not addresses:
        raise NoRecipients(f"Airflow Variable {variable} (or AIRFLOW_VAR_{variable.upper()}) "
                           "names no e-mail address: nobody would receive this mail")
    return addresses


def connection(conn_id: str):
    """The Airflow connection ``conn_id``, or None when it is not defined."""
    from airflow.sdk import Connection

    try:
        return Connection.get(conn_id)
    except Exception:  # noqa: BLE001 - not defined (or no Airflow context): the caller says so
        return None


def as_html(text: str) -> str:
    """The provider sends HTML: the plain text, escaped, kept as it is laid out."""
    return ('<pre style="font-family: monospace; white-space: pre-wrap">'
            f"{html.escape(text)}</pre>")


def send_mail(to: list[str], subject: str, text: str, headers: dict | None = None,
              conn_id: str = SMTP_CONN_ID) -> None:
    """One e-mail through the provider's ``SmtpHook`` on connection ``conn_id`` (sender:
    its ``from_email``; STARTTLS unless ``disable_tls``; the certificate checked unless
    ``ssl_context`` is ``none``). Raises when the mail is not accepted."""
    from airflow.providers.smtp.hooks.smtp import SmtpHook

    with SmtpHook(smtp_conn_id=conn_id) as hook:
        hook.send_email_smtp(to=to, subject=subject, html_content=as_html(text),
                             custom_headers=headers or None)


def webhook_from_connection(conn) -> tuple[str, str | None]:
    """URL (host, or the whole connection as a URI) and bearer token (password)."""
    url = conn.host if "://" in (conn.host or "") else conn.get_uri()
    return url, conn.password or None


def post_webhook(url: str, token: str | None, body: dict, idempotency_key: str | None = None,
                 timeout: float = 15) -> None:
    """POST ``body`` as JSON; raises unless the receiver answers 2xx. ``idempotency_key``
    (an alert id) lets a receiver drop a message it got before."""
    import requests

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    response = requests.post(url, json=body, headers=headers, timeout=timeout)
    response.raise_for_status()


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
    notice = next((e.notice for e in causes if isinstance(getattr(e, "notice", None), dict)),
                  None)
    if notice:  # the failure says itself what the engineers must hear (a delivery overdue)
        return {**report, **notice}
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


class DataEngineerNotifier(BaseNotifier):
    """Failure notification by e-mail and webhook. The connections and the recipients'
    Variable are read when the callback runs (so a DAG file never reads a secret at parse
    time)."""

    def __init__(self, smtp_conn_id: str = SMTP_CONN_ID, webhook_conn_id: str = WEBHOOK_CONN_ID,
                 recipients_variable: str = DATA_ENGINEERS):
        super().__init__()
        self.smtp_conn_id, self.webhook_conn_id = smtp_conn_id, webhook_conn_id
        self.recipients_variable = recipients_variable

    def channels(self) -> dict[str, Callable[[dict], None]]:
        """The channels whose connection is defined; a missing one is logged as an error."""
        out = {}
        if (conn := connection(self.webhook_conn_id)) is not None:
            url, token = webhook_from_connection(conn)
            out["webhook"] = lambda report: post_webhook(url, token, report)
        else:
            log.error("connection %s is not defined: the data engineers get no webhook",
                      self.webhook_conn_id)
        if connection(self.smtp_conn_id) is not None:
            out["email"] = self._mail
        else:
            log.error("connection %s is not defined: the data engineers get no e-mail",
                      self.smtp_conn_id)
        return out

    def _mail(self, report: dict) -> None:
        body = report["text"] + "\n\n" + json.dumps(report, indent=2, default=str)
        send_mail(recipients(self.recipients_variable), report["subject"], body,
                  {"X-UCJ-Failure-Kind": str(report["kind"])}, conn_id=self.smtp_conn_id)

    def notify(self, context) -> dict:
        return self.send(failure_report(context))

    def send(self, report: dict) -> dict:
        """Send ``report`` (``subject``, ``text``, ``kind`` ...) on every channel; never raises."""
        channels = self.channels()
        outcome = {}
        if not channels:
            log.error("no channel for the data engineers (connections %s, %s): %s",
                      self.webhook_conn_id, self.smtp_conn_id, report["subject"])
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
