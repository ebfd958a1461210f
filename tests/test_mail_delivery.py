"""Mail leaves the platform the way production sends it: the connection ``ucj_smtp`` and the
recipients' Variables built from docker-compose.yml and .env.example exactly as Compose
resolves them (only the host, port and addresses point at loopback), through
apache-airflow-providers-smtp's SmtpHook, into a real SMTP server that requires STARTTLS and
a login, with a certificate the client verifies."""

from __future__ import annotations

import json
import logging

import pytest
import yaml
from receivers import self_signed, server_tls, smtp_inbox, text_of
from test_compliance import wh  # noqa: F401 - the two hand-made months with their alerts
from test_docker_compose import (
    COMPOSE_FILE,
    ENV_EXAMPLE,
    environment_of,
    interpolate,
    parse_env_file,
    resolved_env_example,
)
from ucj import airflow_settings
from ucj.alerts import company
from ucj.alerts.deliver import DeliveryFailed, deliver
from ucj.notify import notify_data_engineers, tell_data_engineers

INSPECTORS = "pengawas1@disnakertrans.subang.go.id, pengawas2@disnakertrans.subang.go.id"
ENGINEERS = '["data-engineering@subang.go.id"]'
MAIL_SETTINGS = ("AIRFLOW_CONN_UCJ_SMTP", "AIRFLOW_CONN_UCJ_ALERT_WEBHOOK",
                 "AIRFLOW_VAR_UCJ_INSPECTOR_EMAILS", "AIRFLOW_VAR_UCJ_DATA_ENGINEER_EMAILS")


def compose_mail_settings(**overrides: str) -> tuple[dict[str, str], dict[str, str]]:
    """The mail settings of docker-compose.yml's x-airflow-common, resolved with .env.example
    and ``overrides``; and the .env values used."""
    common = environment_of(yaml.safe_load(COMPOSE_FILE.read_text())["x-airflow-common"])
    values = {**resolved_env_example(parse_env_file(ENV_EXAMPLE.read_text())), **overrides}
    return {key: interpolate(common[key], values) for key in MAIL_SETTINGS}, values


class FakeTI:
    dag_id, task_id, run_id, try_number = "ucj_warehouse", "load", "scheduled__2026-02", 3
    log_url = "http://airflow.local/log"


@pytest.fixture
def production_mail(wh, tmp_path, webhook, monkeypatch):  # noqa: F811
    cert, key = self_signed(tmp_path)
    _, example = compose_mail_settings()
    logins = {example["UCJ_SMTP_USER"]: example["UCJ_SMTP_PASSWORD"]}
    with smtp_inbox(server_tls(cert, key), logins) as inbox:
        settings, values = compose_mail_settings(
            UCJ_SMTP_HOST="127.0.0.1", UCJ_SMTP_PORT=str(inbox.port),
            UCJ_ALERT_WEBHOOK_URL=webhook.url, UCJ_INSPECTOR_EMAILS=INSPECTORS,
            UCJ_DATA_ENGINEER_EMAILS=ENGINEERS)
        for key, value in settings.items():
            monkeypatch.setenv(key, value)
        # The test's CA as the one the client trusts (the default ssl_context verifies).
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        with wh.transaction() as s:
            s.execute("DELETE FROM audit.alert_delivery")
        inbox.values = values
        yield inbox


def test_the_compose_connection_is_the_providers():
    extra = json.loads(compose_mail_settings()[0]["AIRFLOW_CONN_UCJ_SMTP"])["extra"]
    assert extra["disable_ssl"] is True and extra["disable_tls"] is False  # port 587, STARTTLS
    assert not {"from", "to", "starttls", "data_engineers"} & set(extra)


def test_alerts_reach_the_inspectors_over_starttls(wh, production_mail, webhook):  # noqa: F811
    inbox = production_mail
    summary = deliver(wh, airflow_settings.alert_notifiers(company.LABELS))
    assert summary == {"email": {"pending": 7, "sent": 7}, "webhook": {"pending": 7, "sent": 7}}
    assert len(inbox.messages) == 7
    user = inbox.values["UCJ_SMTP_USER"]
    assert inbox.sessions == [{"tls": True, "login": user}] * 7
    inspectors = [a.strip() for a in INSPECTORS.split(",")]
    assert all(sorted(rcpt) == sorted(inspectors) for rcpt in inbox.recipients)
    assert {m["From"] for m in inbox.messages} == {inbox.values["UCJ_SMTP_FROM"]}
    for msg in inbox.messages:
        assert msg["X-UCJ-Alert-Id"] and msg["X-UCJ-Alert-Id"] in text_of(msg)
    assert {b["alert_id"] for b in webhook.delivered()} == set(inbox.by_alert_id())


def test_failure_notices_reach_the_engineers_over_starttls(production_mail, webhook):
    inbox = production_mail
    try:
        raise FileNotFoundError("none of kepesertaan_202602.csv in landing/enrollment")
    except FileNotFoundError as exc:
        assert notify_data_engineers.notify({"exception": exc, "ti": FakeTI()}) == {
            "webhook": "sent", "email": "sent"}
    outcome = tell_data_engineers("registry_fallback", "[UCJ] registry from the snapshot",
                                  "The API did not answer; the newest CSV snapshot was used.",
                                  snapshot="perusahaan_20260215.csv")
    assert outcome == {"webhook": "sent", "email": "sent"}
    assert inbox.recipients == [["data-engineering@subang.go.id"]] * 2
    assert inbox.sessions == [{"tls": True, "login": inbox.values["UCJ_SMTP_USER"]}] * 2
    failure, notice = inbox.messages
    assert failure["X-UCJ-Failure-Kind"] == "task_failure"
    assert "kepesertaan_202602.csv" in text_of(failure)
    assert notice["Subject"] == "[UCJ] registry from the snapshot"
    assert "perusahaan_20260215.csv" in text_of(notice)
    assert [r["body"]["type"] for r in webhook.requests] == ["pipeline_failure",
                                                             "pipeline_notice"]


def test_an_unverified_certificate_is_refused_and_the_alerts_stay_pending(
        wh, production_mail, webhook, monkeypatch, tmp_path):  # noqa: F811
    # The client trusts another CA: the server's certificate fails verification, no mail
    # leaves in clear text, the e-mail deliveries stay pending and the task fails.
    (tmp_path / "other").mkdir()
    other, _ = self_signed(tmp_path / "other")
    monkeypatch.setenv("SSL_CERT_FILE", str(other))
    with pytest.raises(DeliveryFailed, match="CERTIFICATE_VERIFY_FAILED"):
        deliver(wh, airflow_settings.alert_notifiers(company.LABELS))
    assert production_mail.messages == []
    state = wh.query("SELECT channel, status, COUNT(*) AS n FROM audit.alert_delivery "
                     "GROUP BY channel, status ORDER BY channel")
    assert state.values.tolist() == [["email", "failed", 7], ["webhook", "sent", 7]]


def test_missing_engineer_addresses_are_an_error(production_mail, webhook, monkeypatch, caplog):
    monkeypatch.delenv("AIRFLOW_VAR_UCJ_DATA_ENGINEER_EMAILS")
    with caplog.at_level(logging.ERROR):
        outcome = tell_data_engineers("test", "[UCJ] a notice", "text")
    assert outcome["webhook"] == "sent" and outcome["email"].startswith("failed: NoRecipients")
    assert "ucj_data_engineer_emails" in caplog.text
    assert production_mail.messages == []
