"""What the loader itself writes, outside dbt: the layer schemas, the alert tables (the alert
step stores and delivers alerts) and the audit tables the run's scope is read from before the
first build. Every other table is a dbt model's, created by its first publish
(ucj.warehouse.publish)."""

from __future__ import annotations

from ucj.warehouse import upgrade
from ucj.warehouse.base import Session

SCHEMAS = ["core", "marts", "audit"]
DDL = ["audit/00_ddl.sql", "audit/10_alerts_ddl.sql", "alerts/00_ddl.sql"]


def ensure_schema(s: Session) -> None:
    """Create what is missing; upgrade what an earlier version created (ucj.warehouse.upgrade)."""
    for schema in SCHEMAS:
        s.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    for f in DDL:
        s.run_file(f)
    upgrade.add_missing_columns(s)
    upgrade.drop_month_keys(s)
    upgrade.fill_person_payer(s)
