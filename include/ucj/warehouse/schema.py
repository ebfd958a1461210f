"""The warehouse schema: every layer's DDL, and the upgrade of one an earlier version created.

Its own module so that whoever needs the schema in place (the loader, a backend granting a
role on it) reaches it without importing the loader.
"""

from __future__ import annotations

from pathlib import Path

from ucj.warehouse import upgrade
from ucj.warehouse.base import Session, sql_files

LAYERS = ["staging", "core", "marts", "audit"]


def ddl_files(backend: str | None = None) -> list[str]:
    """Each layer's numbered files (``00_ddl.sql``, ``10_...``) in layer order, then name;
    ``NN_name.<backend>.sql`` files only for that backend."""
    return [f for layer in LAYERS for f in sql_files(layer, backend)
            if Path(f).name[:2].isdigit()]


def ensure_schema(s: Session) -> None:
    """Create what is missing; upgrade what an earlier version created (ucj.warehouse.upgrade)."""
    keyed = upgrade.set_aside_keyed(s)
    altered = upgrade.add_mart_columns(s)  # before the DDL's comments name them
    for f in ddl_files(s.backend):
        s.run_file(f)
    upgrade.add_missing_columns(s)
    upgrade.restore_unkeyed(s, keyed)
    upgrade.rebuild_marts(s, altered)
