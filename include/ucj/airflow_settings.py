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


def _number(variable: str, env_key: str, default: float) -> float:
    raw = _variable(variable) or os.environ.get(env_key)
    if raw is None or not str(raw).strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise ValueError(f"{variable} / {env_key} must be a positive number, not {raw!r}")
    return value


def registry_limits(task_timeout: float | None = None) -> dict:
    """The registry extraction's limits (variables first, then the environment):
    ``deadline`` (``ucj_registry_deadline_seconds`` / ``UCJ_REGISTRY_DEADLINE_SECONDS``: the
    whole API read, pages and retries) and ``snapshot_max_age_days``
    (``ucj_registry_snapshot_max_age_days`` / ``UCJ_REGISTRY_SNAPSHOT_MAX_AGE_DAYS``: the
    oldest snapshot that may stand in for an unreachable API). The defaults and their reasons
    are in ``ucj.registry.fetch`` and ``ucj.registry.snapshot``. A deadline the task's own
    ``task_timeout`` (seconds) would cut first is lowered below it, leaving a tenth of it for
    the snapshot and the writing, so the client's message naming the page is what fails."""
    from ucj.registry.fetch import DEADLINE_SECONDS
    from ucj.registry.snapshot import SNAPSHOT_MAX_AGE_DAYS

    deadline = _number("ucj_registry_deadline_seconds", "UCJ_REGISTRY_DEADLINE_SECONDS",
                       DEADLINE_SECONDS)
    if task_timeout is not None:
        deadline = min(deadline, task_timeout * 0.9)
    max_age = _number("ucj_registry_snapshot_max_age_days",
                      "UCJ_REGISTRY_SNAPSHOT_MAX_AGE_DAYS", SNAPSHOT_MAX_AGE_DAYS)
    return {"deadline": deadline, "snapshot_max_age_days": max_age}


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


def batch_policy(force: bool = False):
    """The batch-level expectations' limits (variable ``ucj_batch_limits``, JSON, else the
    environment's ``UCJ_BATCH_LIMITS``) and whether the run forces a refused batch in."""
    from ucj.validation import batch_rules

    return batch_rules.Policy(limits=batch_rules.limits(_variable("ucj_batch_limits")),
                              force=bool(force))


def enrollment_due_day() -> int:
    """Day of the next month by which a month's enrollment file is due: variable
    ``ucj_enrollment_due_day``, else ``UCJ_ENROLLMENT_DUE_DAY``, else 10 (read by the run)."""
    from ucj.report import deadline

    return deadline.due_day(_variable(deadline.DUE_DAY_VARIABLE))
