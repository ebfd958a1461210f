"""An alert reads the same whichever warehouse raised it: the same lake loaded into DuckDB and
into PostgreSQL gives, for every alert, the same stored evidence and message, and the same
mail and webhook message at real receivers.

PostgreSQL rows reach pandas as Python values, so an integer column that holds a NULL in some
row became float there (``10.0`` workers where DuckDB said ``10``): the months below have
such NULLs (a company registered in February has no previous month; one never reported WLKP).
"""

from __future__ import annotations

import json
from contextlib import contextmanager

import pytest
import test_compliance as tc
from enrollment_rows import write_csv
from pg_helpers import scratch_database
from receivers import smtp_inbox, text_of, webhook_server
from test_apbdes_mart import build_lake as village_lake
from test_indicators import write_reference
from ucj import airflow_settings, warehouse
from ucj.alerts import company, village
from ucj.alerts.deliver import deliver
from ucj.pipeline import enrollment, reference, registry
from ucj.warehouse import load as wl

LABELS = {**company.LABELS, **village.LABELS}
# C11 registers in February (no previous month: NULL prev columns beside C6's numbers);
# C12 sends no WLKP counts (a record the registry rules quarantine). Their own nibs: the
# compliance fixture's C9 and C10 are in these extracts already (a repeated nib would
# quarantine both records).
NEW_IN_FEBRUARY = tc.company(11, None, 14, updated="2026-02-10T08:00:00Z")
NO_WLKP = {**tc.company(12, "10000012", 0), "jumlah_tk_wlkp": None, "jumlah_tk_laki": None,
           "jumlah_tk_perempuan": None}


def company_lake(tmp):
    lake, val = tmp / "lake", tmp / "val"
    write_reference(tmp / "reference")
    for f in sorted((tmp / "reference").glob("*.csv")):
        reference.process(f, lake, val)
    registry.process(tc.write_extract(tmp / "r1.jsonl", [*tc.JAN_REGISTRY, NO_WLKP]),
                     "20260101T000000Z", lake, val)
    registry.process(tc.write_extract(tmp / "r2.jsonl", [*tc.FEB_REGISTRY, NEW_IN_FEBRUARY]),
                     "20260215T000000Z", lake, val)
    jan, feb = tc.build_months()
    for name, rows in (("kepesertaan_202601.csv", jan), ("kepesertaan_202602.csv", feb)):
        enrollment.process(write_csv(tmp / name, rows), lake, val, "secret")
    return lake


@contextmanager
def both_warehouses(lake, tmp):
    duck = warehouse.connect(f"duckdb:///{tmp / 'wh.duckdb'}")
    try:
        with scratch_database() as url:
            pg = warehouse.connect(url)
            try:
                for wh in (duck, pg):
                    wl.refresh(wh, lake, wl.enrollment_partitions(lake), "same-lake")
                yield duck, pg
            finally:
                pg.close()
    finally:
        duck.close()


def stored(wh) -> list[dict]:
    df = wh.query("SELECT * FROM marts.alerts ORDER BY alert_id")
    return df.astype(object).where(df.notna(), None).to_dict("records")


def received(wh, monkeypatch) -> tuple[dict, dict]:
    """Every new alert delivered to a fresh SMTP server and webhook: mail by alert id (what a
    reader sees), webhook body by alert id."""
    with smtp_inbox() as inbox, webhook_server() as hook:
        monkeypatch.setenv("AIRFLOW_CONN_UCJ_SMTP", json.dumps({
            "conn_type": "smtp", "host": "127.0.0.1", "port": inbox.port,
            "extra": {"from_email": "ucj@subang.go.id", "disable_ssl": True,
                      "disable_tls": True}}))
        monkeypatch.setenv("AIRFLOW_CONN_UCJ_ALERT_WEBHOOK",
                           json.dumps({"conn_type": "http", "host": hook.url}))
        monkeypatch.setenv("AIRFLOW_VAR_UCJ_INSPECTOR_EMAILS", "pengawas@subang.go.id")
        deliver(wh, airflow_settings.alert_notifiers(LABELS))
        mails = {m["X-UCJ-Alert-Id"]: {"subject": m["Subject"], "from": m["From"],
                                        "to": m["To"], "message_id": m["Message-ID"],
                                        "text": text_of(m)} for m in inbox.messages}
        assert len(mails) == len(inbox.messages)
        return mails, hook.by_alert_id()


def assert_same_alerts(duck, pg, monkeypatch) -> list[dict]:
    alerts = stored(duck)
    assert alerts, "the fixture raises no alert"
    pg_alerts = stored(pg)
    assert [a["alert_id"] for a in alerts] == [a["alert_id"] for a in pg_alerts]
    for d, p in zip(alerts, pg_alerts, strict=True):
        assert d == p, (d["rule"], d["subject_id"])  # evidence and message text included
    mails, hooks = received(duck, monkeypatch)
    pg_mails, pg_hooks = received(pg, monkeypatch)
    opened = {a["alert_id"] for a in alerts if a["first_periode"] == a["periode"]}
    assert set(mails) == set(hooks) == opened
    assert mails == pg_mails
    assert hooks == pg_hooks
    return alerts


def test_company_alerts_read_the_same_on_duckdb_and_postgresql(tmp_path, monkeypatch):
    with both_warehouses(company_lake(tmp_path), tmp_path) as (duck, pg):
        alerts = assert_same_alerts(duck, pg, monkeypatch)
    assert {a["rule"] for a in alerts} == {r.code for r in company.RULES}
    drop = next(a for a in alerts if a["rule"] == "PENURUNAN_MENDADAK")
    assert json.loads(drop["evidence"]) == {"jumlah_tk_wlkp": 10, "jumlah_tk_wlkp_prev": 10,
                                            "peserta_pu_aktif": 3, "peserta_pu_prev": 10}
    assert "Tenaga kerja WLKP bulan lalu: 10\n" in drop["message"]
    assert "10.0" not in drop["message"]
    new = next(a for a in alerts if a["subject_id"] == NEW_IN_FEBRUARY["nib"])
    assert "Tenaga kerja menurut WLKP: 14\n" in new["message"]


def test_village_alerts_read_the_same_on_duckdb_and_postgresql(tmp_path, monkeypatch):
    with both_warehouses(village_lake(tmp_path), tmp_path) as (duck, pg):
        alerts = assert_same_alerts(duck, pg, monkeypatch)
    assert {a["subject_type"] for a in alerts} == {"desa"}
    assert {a["rule"] for a in alerts} == {"PREMI_PERANGKAT_TANPA_PESERTA",
                                          "PESERTA_RENTAN_TANPA_PREMI"}


@pytest.fixture(autouse=True)
def _no_alert_link(monkeypatch):
    monkeypatch.delenv("UCJ_ALERT_URL_TEMPLATE", raising=False)
