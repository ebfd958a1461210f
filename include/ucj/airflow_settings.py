"""Settings for tasks running in Airflow: variables and connections first, environment after.

Imported only inside tasks (it needs the Airflow task context to reach variables).
"""

from __future__ import annotations

import os

from ucj import config


def _variable(key: str) -> str | None:
    from airflow.sdk import Variable

    try:
        return Variable.get(key, default=None)
    except Exception:  # noqa: BLE001 - no metadata DB outside a task: use the environment
        return None


def _connection(conn_id: str):
    from airflow.sdk import Connection

    try:
        return Connection.get(conn_id)
    except Exception:  # noqa: BLE001 - an undefined connection falls back to the environment
        return None


def warehouse_url(conn) -> str:
    """The warehouse URL of connection ``ucj_warehouse``. A DuckDB file is its host (JSON or
    fields) or, written as a URI (``duckdb:////srv/ucj/warehouse.duckdb``, as ``ucj.stack
    --warehouse`` and UCJ_WAREHOUSE_URL take it), what Airflow parses as its schema."""
    if conn.conn_type == "duckdb":
        path = conn.host or conn.schema or ""
        return f"duckdb://{path if path.startswith('/') else '/' + path}"
    uri = conn.get_uri()
    return "postgresql" + uri[uri.index("://"):] if uri.startswith("postgres") else uri


def settings() -> config.Settings:
    env = dict(os.environ)
    for key, var in (("UCJ_LANDING_ZONE", "ucj_landing_zone"), ("UCJ_LAKE", "ucj_lake"),
                     ("UCJ_VALIDATION_DIR", "ucj_validation_dir")):
        value = _variable(var)
        if value:
            env[key] = value
    if conn := _connection("ucj_warehouse"):
        env["UCJ_WAREHOUSE_URL"] = warehouse_url(conn)
    if (conn := _connection("ucj_pseudonym")) and conn.password:
        env["UCJ_PSEUDONYM_KEY"] = conn.password
    return config.from_env(env)


def registry_credentials():
    """Base URL and token of the company registry API (connection ``ucj_registry_api``)."""
    from ucj.registry.client import credentials_from_connection

    conn = _connection("ucj_registry_api")
    if conn is None:
        raise config.MissingSecret("Airflow connection ucj_registry_api is not defined")
    return credentials_from_connection(conn)


def alert_notifiers(labels: dict[str, str]) -> dict:
    """The delivery channels configured (connections ``ucj_smtp``, ``ucj_alert_webhook``; the
    e-mail's recipients from the Variable ``ucj_inspector_emails``). A channel whose
    connection is missing is logged as an error; its alerts stay pending for it."""
    import logging

    from ucj import notify
    from ucj.alerts.notifiers import EmailAlertNotifier, WebhookAlertNotifier

    log = logging.getLogger(__name__)
    channels = {}
    if notify.connection(notify.SMTP_CONN_ID) is not None:
        channels["email"] = EmailAlertNotifier(labels)
    else:
        log.error("connection %s is not defined: alerts are not e-mailed to the inspectors "
                  "(they stay pending for e-mail)", notify.SMTP_CONN_ID)
    if (hook := notify.connection(notify.WEBHOOK_CONN_ID)) is not None:
        channels["webhook"] = WebhookAlertNotifier.from_connection(hook, labels)
    else:
        log.error("connection %s is not defined: alerts are not posted to the webhook "
                  "(they stay pending for it)", notify.WEBHOOK_CONN_ID)
    return channels
